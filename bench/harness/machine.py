"""Facts about the machine and the contenders' versions, printed with every result."""

import datetime
import os
import platform
import resource
import subprocess


def _first_line(command):
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib():
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        return f"{kib / 1048576:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _io_uring_sysctl():
    try:
        with open("/proc/sys/kernel/io_uring_disabled") as sysctl:
            return {"0": "enabled", "1": "restricted", "2": "disabled"}.get(sysctl.read().strip(),
                                                                          "unknown")
    except OSError:
        return "enabled (no io_uring_disabled sysctl)"


def _package_version(package):
    return _first_line(["dpkg-query", "-W", "-f", "${Version}", package])


def load_average():
    """The 1-minute load average: other work on the machine skews every number."""
    return os.getloadavg()[0]


def facts():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": _memory_gib(),
        "fd limit": f"soft {soft}, hard {hard} (raised to hard)",
        "io_uring": _io_uring_sysctl(),
        "load average at start": f"{load_average():.2f}",
        "compiler": _first_line(["gcc", "--version"]),
        "libev": _package_version("libev-dev"),
        "libevent": _package_version("libevent-dev"),
        "libuv": _package_version("libuv1-dev"),
    }

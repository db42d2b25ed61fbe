"""Starts a benchmark server, learns its port, tells the CPU time it has used, and stops it,
reporting whether it survived."""

import json
import os
import select
import subprocess

from . import runner

START_TIMEOUT = 10.0


class ServerError(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status  # "skip" or "fail"
        self.reason = reason


class Server:
    def __init__(self, program, backend, mode, lifetime, cpu):
        self.process = subprocess.Popen(
            [program, "--backend", backend, "--mode", mode, "--timeout", str(int(lifetime))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=runner.pin_to(cpu))
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self._raise_exit()
        self.port = json.loads(line)["port"]

    def _raise_exit(self):
        self.process.kill()
        _, stderr = self.process.communicate()
        if self.process.returncode == runner.EXIT_SKIP:
            raise ServerError("skip", stderr.strip().removeprefix("skip: "))
        raise ServerError("fail", runner.describe_failure(self.process.returncode, stderr))

    def cpu_seconds(self):
        """Time on a CPU of every thread of the process so far (user and system), from the
        scheduler's nanosecond counts; None once it is gone. /proc/PID/stat's clock ticks would
        be 10 ms grains, too coarse for a run of a few seconds."""
        tasks = f"/proc/{self.process.pid}/task"
        try:
            threads = os.listdir(tasks)
        except OSError:
            return None
        total_ns = 0
        for thread in threads:
            try:
                with open(f"{tasks}/{thread}/schedstat") as schedstat:
                    total_ns += int(schedstat.read().split()[0])
            except OSError:
                pass  # a thread that ended meanwhile (an io_uring worker, say)
        return total_ns / 1e9

    def stop(self):
        """Stops the server; returns None if it was still serving, else why it had died."""
        died = self.process.poll() is not None
        if not died:
            self.process.terminate()
        try:
            _, stderr = self.process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        return runner.describe_failure(self.process.returncode, stderr) if died else None

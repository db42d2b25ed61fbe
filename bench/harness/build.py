"""Compiles every benchmark program with gcc -O2 into the build directory. The libev-API sources
are compiled once against libev and once against evring; evring programs link with g++ because
evring is C++."""

import concurrent.futures
import os
import shlex
import subprocess
from dataclasses import dataclass, field

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFLAGS = ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-D_GNU_SOURCE"]

CLI = ["common/cli.c", "common/fd_limit.c"]
LOOP = ["loop/loop_bench.c"] + CLI
FLOOR = ["loop/floor_timers.c", "common/timer_heap.c"]
SERVER = ["echo/server_main.c", "echo/listener.c", "echo/session.c"] + CLI
TIMERS = ["timers/timer_bench.c", "common/cli.c"]
LIBEVENT = ["common/libevent_method.c"]


@dataclass
class Program:
    name: str
    sources: list
    libs: list
    cflags: list = field(default_factory=list)
    cplusplus_link: bool = False


def _libev_api_programs(library, cflags, libs):
    linked_by_gxx = library == "evring"
    return [
        Program(f"loop-{library}", LOOP + ["loop/loop_libev.c"], libs, cflags, linked_by_gxx),
        Program(f"server-{library}", SERVER + ["echo/server_libev.c"], libs, cflags, linked_by_gxx),
        Program(f"timers-{library}", TIMERS + ["timers/timers_libev.c"], libs, cflags,
                linked_by_gxx),
    ]


def programs(evring):
    """Every program to build; evring is None when evring is not available."""
    result = [
        Program("loop-raw-epoll", LOOP + ["loop/loop_raw_epoll.c"] + FLOOR, []),
        Program("loop-raw-uring", LOOP + ["loop/loop_raw_uring.c", "common/uring_raw.c"] + FLOOR,
                []),
        Program("loop-libevent", LOOP + ["loop/loop_libevent.c"] + LIBEVENT, ["-levent_core"]),
        Program("loop-libuv", LOOP + ["loop/loop_libuv.c"], ["-luv"]),
        Program("server-raw-epoll", SERVER + ["echo/server_raw_epoll.c"], []),
        Program("server-libevent", SERVER + ["echo/server_libevent.c"] + LIBEVENT,
                ["-levent_core"]),
        Program("server-libuv", SERVER + ["echo/server_libuv.c"], ["-luv"]),
        Program("server-raw-uring-ops",
                SERVER + ["echo/server_raw_uring_ops.c", "common/uring_raw.c"], []),
        Program("timers-raw-heap", TIMERS + ["timers/timers_raw_heap.c", "common/timer_heap.c"],
                []),
        Program("timers-libevent", TIMERS + ["timers/timers_libevent.c"] + LIBEVENT,
                ["-levent_core"]),
        Program("timers-libuv", TIMERS + ["timers/timers_libuv.c"], ["-luv"]),
        Program("loadgen", ["echo/loadgen.c"] + CLI, []),
    ] + _libev_api_programs("libev", [], ["-lev"])
    if evring:
        cflags, libs = evring
        result += _libev_api_programs("evring", cflags, libs)
        result.append(Program("loop-evring-edge", LOOP + ["loop/loop_libev.c"], libs,
                              cflags + ["-DBENCH_EDGE_MODE"], True))
        result.append(Program("server-evring-ops", SERVER + ["echo/server_ops.c"], libs, cflags,
                              True))
        result.append(Program("server-evring-ops-pooled", SERVER + ["echo/server_ops.c"], libs,
                              cflags + ["-DBENCH_OPS_POOLED"], True))
    return result


def _with_rpath(libs):
    """Adds a run path for every -L directory, so programs find an uninstalled or /tmp evring."""
    return libs + [f"-Wl,-rpath,{flag[2:]}" for flag in libs if flag.startswith("-L")]


def find_evring(cflags_option, libs_option):
    """(cflags, libs) for evring from the options or pkg-config, or a note saying why not."""
    if cflags_option is not None or libs_option is not None:
        return (shlex.split(cflags_option or ""),
                _with_rpath(shlex.split(libs_option or ""))), None
    probe = subprocess.run(["pkg-config", "--cflags", "--libs", "evring"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return None, ("evring is not available (no pkg-config evring, no --evring-cflags/"
                      "--evring-libs): its rows are skipped")
    cflags = subprocess.run(["pkg-config", "--cflags", "evring"], capture_output=True,
                            text=True).stdout
    libs = subprocess.run(["pkg-config", "--libs", "evring"], capture_output=True,
                          text=True).stdout
    return (shlex.split(cflags), _with_rpath(shlex.split(libs))), None


def _compile(program, build_dir):
    objects_dir = os.path.join(build_dir, "obj", program.name)
    os.makedirs(objects_dir, exist_ok=True)
    objects = []
    for source in program.sources:
        obj = os.path.join(objects_dir, os.path.basename(source)[:-2] + ".o")
        command = (["gcc"] + CFLAGS + program.cflags
                   + ["-c", os.path.join(BENCH_DIR, source), "-o", obj])
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            return program.name, done.stderr
        objects.append(obj)
    linker = "g++" if program.cplusplus_link else "gcc"
    command = [linker, "-o", os.path.join(build_dir, program.name)] + objects + program.libs
    done = subprocess.run(command, capture_output=True, text=True)
    return program.name, (done.stderr if done.returncode != 0 else None)


def build_all(build_dir, evring):
    """Builds what it can; returns (set of built program names, list of notes on failures)."""
    os.makedirs(build_dir, exist_ok=True)
    built, notes = set(), []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, error in pool.map(lambda p: _compile(p, build_dir), programs(evring)):
            if error is None:
                built.add(name)
            else:
                first_lines = "\n    ".join(error.strip().splitlines()[:6])
                notes.append(f"{name}: build failed, its rows are skipped:\n    {first_lines}")
    return built, notes

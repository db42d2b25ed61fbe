"""Who competes: every library/backend pair and the raw floors, and which program runs it in
each suite. The libev-API programs are built twice, against libev and against evring."""

import dataclasses
import re
from dataclasses import dataclass

LIBEV_BACKENDS = ("select", "poll", "epoll", "io_uring")


@dataclass(frozen=True)
class Contender:
    name: str
    library: str  # libev, evring, libevent, libuv, raw
    backend: str  # passed to the programs as --backend
    loop: str | None = None  # program names, None where the contender has no entry
    server: str | None = None
    timers: str | None = None
    completion: bool = False  # a completion-I/O server: runs in the ops suite only


def _libev_api_family(library):
    # Timers barely depend on the backend except where io_uring brings its own timer path.
    return [
        Contender(
            f"{library}-{backend}", library, backend,
            loop=f"loop-{library}", server=f"server-{library}",
            timers=f"timers-{library}" if backend in ("epoll", "io_uring") else None)
        for backend in LIBEV_BACKENDS
    ]


ALL = (
    [
        Contender("raw-epoll", "raw", "epoll", loop="loop-raw-epoll", server="server-raw-epoll"),
        Contender("raw-uring-multishot", "raw", "multishot", loop="loop-raw-uring"),
        Contender("raw-uring-oneshot", "raw", "oneshot", loop="loop-raw-uring"),
        Contender("raw-uring-ops", "raw", "io_uring", server="server-raw-uring-ops",
                  completion=True),
        Contender("raw-heap", "raw", "heap", timers="timers-raw-heap"),
    ]
    + _libev_api_family("libev")
    + [
        Contender("libevent-epoll", "libevent", "epoll", loop="loop-libevent",
                  server="server-libevent", timers="timers-libevent"),
        Contender("libuv-epoll", "libuv", "epoll", loop="loop-libuv", server="server-libuv",
                  timers="timers-libuv"),
    ]
    + _libev_api_family("evring")
    + [Contender("evring-io_uring-edge", "evring", "io_uring", loop="loop-evring-edge")]
    + [
        Contender("evring-ops-epoll", "evring", "epoll", server="server-evring-ops",
                  completion=True),
        Contender("evring-ops-io_uring", "evring", "io_uring", server="server-evring-ops",
                  completion=True),
        Contender("evring-ops-pooled-io_uring", "evring", "io_uring",
                  server="server-evring-ops-pooled", completion=True),
        Contender("evring-ops-pooled-epoll", "evring", "epoll",
                  server="server-evring-ops-pooled", completion=True),
    ]
)

# The floors every ratio is taken against.
LOOP_FLOOR = "raw-epoll"
SERVER_FLOOR = "raw-epoll"
TIMER_FLOOR = "raw-heap"
# The ops suite measures the completion-I/O servers against these readiness servers; its ratios
# are to ev_io on evring's epoll, what a program would switch from.
OPS_REFERENCES = ("evring-epoll", "evring-io_uring", "libuv-epoll", "raw-epoll")
OPS_REFERENCE = "evring-epoll"


def select(only_regex, built_programs):
    """Contenders matching --only (the ratios' floors always stay), each keeping only the programs
    that were built; a contender with none left is dropped."""
    pattern = re.compile(only_regex) if only_regex else None
    floors = (LOOP_FLOOR, SERVER_FLOOR, TIMER_FLOOR)
    chosen = []
    for contender in ALL:
        if pattern and not pattern.search(contender.name) and contender.name not in floors:
            continue
        built = {suite: program if program in built_programs else None
                 for suite, program in (("loop", contender.loop), ("server", contender.server),
                                        ("timers", contender.timers))}
        if any(built.values()):
            chosen.append(dataclasses.replace(contender, **built))
    return chosen

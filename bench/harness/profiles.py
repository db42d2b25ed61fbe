"""How much to measure: --quick stays within a few minutes on 2 cores, --full takes the time to
cover the issue's whole grid with more repetitions."""

import resource
from dataclasses import dataclass

# Leave room for stdio, the loop's own fds and the libraries' internal ones.
FD_HEADROOM = 2000


def max_pairs():
    """Pairs the fd limit allows once the soft limit is raised to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = hard if hard != resource.RLIM_INFINITY else soft
    return max(100, (limit - FD_HEADROOM) // 2)


@dataclass(frozen=True)
class Profile:
    name: str
    pair_counts: tuple
    active_fractions: tuple  # A as a fraction of N; 0 means A = 1
    writes: int
    transports: tuple
    timer_variants: tuple
    loop_reps: int  # processes per cell, interleaved across contenders
    loop_rounds: int  # measured rounds per process, after one warm-up round
    loop_budget_ms: int  # ...unless the measured rounds have taken this long already
    scan_backend_max_pairs: int | None  # select/poll scan every fd: above this N they sit out
    echo_connections: tuple
    echo_requests: int
    echo_seconds: int
    echo_reps: int
    server_backends: tuple  # libev-API backends that also run the servers
    ab_requests: int
    ab_concurrency: int
    timer_count: int
    timer_reps: int
    syscall_rounds: int
    min_timeout: float  # seconds before a stuck process is killed
    ops_echo: tuple  # (message bytes, connections, client shares the server's CPU)
    ops_seconds: int  # per echo run
    ops_reps: int
    ops_ab: tuple  # (concurrency, keep-alive)
    ops_ab_requests: int
    ops_syscall_echo: tuple  # (message bytes, connections): echo runs counted under strace
    ops_syscall_requests: int


OPS_SIZES = (64, 4096)
OPS_CONNECTIONS = (1, 16, 128, 512, 1024)
OPS_AB = ((100, True), (10, False))  # ab -k -c 100, ab -c 10


def build(name):
    top = max_pairs()
    if name == "quick":
        return Profile(
            name="quick", pair_counts=(100, 1000, top), active_fractions=(0, 0.1), writes=1000,
            transports=("pipe", "socketpair"), timer_variants=(False, True),
            loop_reps=2, loop_rounds=5, loop_budget_ms=500, scan_backend_max_pairs=1000,
            echo_connections=(1, 10, 100), echo_requests=40000, echo_seconds=5, echo_reps=2,
            server_backends=("epoll", "io_uring"), ab_requests=20000, ab_concurrency=10,
            timer_count=1000000, timer_reps=1, syscall_rounds=2, min_timeout=5.0,
            ops_echo=((64, 1, False), (64, 16, False), (64, 128, False), (64, 512, False),
                      (64, 1024, False), (4096, 128, False), (64, 16, True), (64, 128, True)),
            ops_seconds=2, ops_reps=1, ops_ab=OPS_AB, ops_ab_requests=10000,
            ops_syscall_echo=((64, 16),), ops_syscall_requests=10000)
    return Profile(
        name="full", pair_counts=tuple(sorted({100, 1000, min(3000, top), top})),
        active_fractions=(0, 0.01, 0.1), writes=1000,
        transports=("pipe", "socketpair"), timer_variants=(False, True),
        loop_reps=5, loop_rounds=10, loop_budget_ms=3000, scan_backend_max_pairs=None,
        echo_connections=(1, 10, 100), echo_requests=100000, echo_seconds=20, echo_reps=3,
        server_backends=("select", "poll", "epoll", "io_uring"), ab_requests=100000,
        ab_concurrency=10, timer_count=1000000, timer_reps=5, syscall_rounds=5,
        min_timeout=20.0,
        ops_echo=tuple((size, connections, shared) for shared in (False, True)
                       for size in OPS_SIZES for connections in OPS_CONNECTIONS),
        ops_seconds=3, ops_reps=2, ops_ab=OPS_AB, ops_ab_requests=50000,
        ops_syscall_echo=((64, 1), (64, 128), (4096, 128)), ops_syscall_requests=20000)

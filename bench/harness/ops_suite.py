"""The ops suite: the completion-I/O servers (evring_op natively on io_uring and emulated on
epoll, pooled or not, and a bare io_uring floor doing the same requests) against the readiness
servers a program would switch from (ev_io on evring, libuv, raw epoll). Echo over message
sizes, connection counts and CPU placements, and HTTP hello under ab with and without
keep-alive, each with the server's CPU time per request; then system calls per request, counted
by strace in separate short runs."""

import os
import select
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass

from . import contenders, runner
from .echo_suite import AbRun, EchoCell, ab_measure, have_ab, loadgen_measure, serve_and_measure
from .servers import Server, ServerError
from .syscall_suite import parse_strace_summary

# The load client's request bound; the run's seconds end it first (its latency array is sized
# by this, 8 bytes a request).
ECHO_REQUEST_BOUND = 5000000
ATTACH_TIMEOUT = 10.0


@dataclass
class SyscallCounts:
    cells: list  # EchoCell
    contenders: list
    per_request: dict  # (name, cell) -> {syscall: calls per request}
    failures: dict  # (name, cell) -> reason


@dataclass
class OpsResults:
    echo: object  # echo_suite.ServerResults over EchoCells
    http: object  # ... over AbRuns; None without ab
    syscalls: object  # SyscallCounts; None without strace


def entries(selected):
    return [c for c in selected
            if c.server and (c.completion or c.name in contenders.OPS_REFERENCES)]


def _traced_load(server, command, timeout, cpu):
    """Runs the load with strace attached to the server (every thread); returns (outcome of the
    load, {syscall: calls} or None, problem)."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as summary:
        tracer = subprocess.Popen(["strace", "-f", "-c", "-o", summary.name,
                                   "-p", str(server.process.pid)],
                                  stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([tracer.stderr], [], [], ATTACH_TIMEOUT)
        if not ready or "attached" not in tracer.stderr.readline():
            tracer.kill()
            tracer.communicate()
            return None, None, "strace did not attach"
        outcome = runner.run(command, timeout, cpu)
        tracer.send_signal(signal.SIGINT)  # detaches and writes the summary
        try:
            tracer.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            tracer.kill()
            tracer.communicate()
        return outcome, parse_strace_summary(summary.read()), None


def count_syscalls(servers, profile, build_dir, log):
    """System calls per echo request for every server, strace attached once the server listens
    (start-up left out; accepting the C connections is in, spread over the requests)."""
    if not shutil.which("strace"):
        log("  note: strace is not installed: ops syscall counts skipped")
        return None
    bench_cpu, client_cpu = runner.cpus()
    loadgen = os.path.join(build_dir, "loadgen")
    cells = [EchoCell(size, connections) for size, connections in profile.ops_syscall_echo]
    per_request, failures = {}, {}
    for cell in cells:
        for contender in servers:
            key = (contender.name, cell)
            try:
                server = Server(os.path.join(build_dir, contender.server), contender.backend,
                                "echo", 300, bench_cpu)
            except ServerError as error:
                failures[key] = error.reason
                continue
            command = [loadgen, "--port", str(server.port), "--connections",
                       str(cell.connections), "--size", str(cell.size), "--requests",
                       str(profile.ops_syscall_requests), "--seconds", "120"]
            outcome, calls, problem = _traced_load(server, command, 180, client_cpu)
            died = server.stop()
            if not problem and (outcome.status != "ok" or not outcome.records):
                problem = f"load client: {outcome.reason or 'no output'}"
            problem = problem or (f"server died: {died}" if died else None)
            if problem or not calls:
                failures[key] = problem or "no strace summary"
                log(f"  note: {contender.name} under strace, {cell.label}: {failures[key]}")
                continue
            requests = outcome.records[0]["requests"]
            per_request[key] = {name: count / requests for name, count in calls.items()}
        log(f"  syscalls counted for echo {cell.label}")
    return SyscallCounts(cells, [c.name for c in servers], per_request, failures)


def run(selected, profile, build_dir, out_dir, log):
    servers = entries(selected)
    echo = serve_and_measure(
        servers, [EchoCell(*cell) for cell in profile.ops_echo], profile.ops_reps, "echo",
        loadgen_measure(build_dir, ECHO_REQUEST_BOUND, profile.ops_seconds), build_dir, out_dir,
        log, lifetime=profile.ops_seconds * 10 + 60, raw_name="ops-echo")
    http = None
    if have_ab(log):
        http = serve_and_measure(
            servers, [AbRun(*run) for run in profile.ops_ab], profile.ops_reps, "http",
            ab_measure(profile.ops_ab_requests), build_dir, out_dir, log, lifetime=600,
            raw_name="ops-http")
    syscalls = count_syscalls([c for c in servers if c.name not in echo.skipped], profile,
                              build_dir, log)
    return OpsResults(echo, http, syscalls)

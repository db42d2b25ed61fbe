"""The echo benchmark (own load client, C connections in ping-pong) and the HTTP "hello"
benchmark under ab, over every server, interleaved by repetition."""

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from . import runner, stats
from .servers import Server, ServerError


@dataclass(frozen=True)
class EchoCell:
    """One echo configuration: message size, connections, and whether the load client shares
    the server's CPU instead of having the other one."""
    size: int
    connections: int
    shared_cpu: bool = False

    @property
    def label(self):
        size = f"{self.size // 1024}K" if self.size % 1024 == 0 else f"{self.size}B"
        return f"{size} C={self.connections}" + (" 1cpu" if self.shared_cpu else "")


@dataclass(frozen=True)
class AbRun:
    concurrency: int
    keep_alive: bool

    @property
    def label(self):
        return f"ab {'-k ' if self.keep_alive else ''}-c {self.concurrency}"


@dataclass
class ServerResults:
    columns: list  # EchoCell or AbRun
    contenders: list
    cells: dict  # (name, column) -> dict of metric -> Spread
    failures: dict  # (name, column) -> reason
    skipped: dict  # name -> reason


def server_entries(selected, profile):
    return [c for c in selected if c.server and not c.completion
            and (c.library not in ("libev", "evring") or c.backend in profile.server_backends)]


def _summarise(samples):
    return {key: {metric: stats.spread(run[metric] for run in runs) for metric in runs[0]}
            for key, runs in samples.items()}


def _measure_with_cpu(server, measure, column, client_cpu):
    """Runs the load; adds the server's CPU time per request (user + system, every thread, from
    just before the load starts to just after it ends, connection set-up included)."""
    cpu_before = server.cpu_seconds()
    result, problem = measure(server.port, column, client_cpu)
    cpu_after = server.cpu_seconds()
    if result and cpu_before is not None and cpu_after is not None:
        result["cpu_us"] = (cpu_after - cpu_before) * 1e6 / result["requests"]
    return result, problem


def serve_and_measure(entries, columns, reps, mode, measure, build_dir, out_dir, log, lifetime,
                      raw_name=None):
    """Every contender's server under `measure` for every column, interleaved by repetition;
    raw results go to <raw_name or mode>.jsonl."""
    bench_cpu, client_cpu = runner.cpus()
    samples, failures, skipped = {}, {}, {}
    with open(os.path.join(out_dir, f"{raw_name or mode}.jsonl"), "w") as raw:
        for rep in range(reps):
            for column in columns:
                for contender in runner.rotated(entries, rep):
                    key = (contender.name, column)
                    if contender.name in skipped or key in failures:
                        continue
                    try:
                        server = Server(os.path.join(build_dir, contender.server),
                                        contender.backend, mode, lifetime, bench_cpu)
                    except ServerError as error:
                        if error.status == "skip":
                            skipped[contender.name] = error.reason
                        else:
                            failures[key] = error.reason
                        log(f"  note: {contender.name} {mode} server {error.status}: "
                            f"{error.reason}")
                        continue
                    shared = getattr(column, "shared_cpu", False)
                    result, problem = _measure_with_cpu(server, measure, column,
                                                        bench_cpu if shared else client_cpu)
                    died = server.stop()
                    problem = problem or (f"server died: {died}" if died else None)
                    if problem:
                        failures[key] = problem
                        log(f"  note: {contender.name} {mode} {column.label}: {problem}")
                        continue
                    raw.write(json.dumps({"contender": contender.name, "rep": rep,
                                          "column": column.label, **result}) + "\n")
                    samples.setdefault(key, []).append(result)
            log(f"  [{rep + 1}/{reps}] {raw_name or mode} round done")
    names = [c.name for c in entries if c.name not in skipped]
    return ServerResults(list(columns), names, _summarise(samples), failures, skipped)


def loadgen_measure(build_dir, requests, seconds):
    """Measures one EchoCell with the load client; requests/s, latency and requests done."""
    loadgen = os.path.join(build_dir, "loadgen")

    def measure(port, cell, cpu):
        outcome = runner.run([loadgen, "--port", str(port), "--connections", str(cell.connections),
                              "--size", str(cell.size), "--requests", str(requests),
                              "--seconds", str(seconds)], seconds + 40, cpu)
        if outcome.status != "ok" or not outcome.records:
            return None, f"load client: {outcome.reason or 'no output'}"
        record = outcome.records[0]
        if record["requests"] == 0:
            return None, "no request completed"
        # Running out of time is the client's other bound, not a failure: the rate still holds.
        return {m: record[m] for m in ("rps", "p50_us", "p99_us", "requests")}, None

    return measure


def run_echo(selected, profile, build_dir, out_dir, log):
    cells = [EchoCell(64, connections) for connections in profile.echo_connections]
    return serve_and_measure(server_entries(selected, profile), cells, profile.echo_reps, "echo",
                             loadgen_measure(build_dir, profile.echo_requests,
                                             profile.echo_seconds),
                             build_dir, out_dir, log, lifetime=profile.echo_seconds * 10 + 60)


AB_PATTERNS = {
    "rps": r"Requests per second:\s+([\d.]+)",
    "mean_us": r"Time per request:\s+([\d.]+) \[ms\] \(mean\)",
    "p50_ms": r"^\s+50%\s+(\d+)",
    "p99_ms": r"^\s+99%\s+(\d+)",
    "failed": r"Failed requests:\s+(\d+)",
    "requests": r"Complete requests:\s+(\d+)",
}


def parse_ab(output):
    found = {}
    for metric, pattern in AB_PATTERNS.items():
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            return None
        found[metric] = float(match.group(1))
    found["mean_us"] *= 1000.0
    return found


def ab_measure(requests):
    """Measures one AbRun with ab, or says why not."""
    def measure(port, run, cpu):
        command = (["ab", "-q", "-s", "10", "-n", str(requests), "-c", str(run.concurrency)]
                   + (["-k"] if run.keep_alive else []) + [f"http://127.0.0.1:{port}/"])
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                  preexec_fn=runner.pin_to(cpu))
        except subprocess.TimeoutExpired:
            return None, "ab timed out"
        result = parse_ab(done.stdout)
        if done.returncode != 0 or result is None or not result["requests"]:
            return None, f"ab failed: {(done.stderr or done.stdout).strip()[-200:]}"
        return result, None

    return measure


def have_ab(log):
    if shutil.which("ab"):
        return True
    log("  note: ab (apache2-utils) is not installed: HTTP rows skipped")
    return False


def run_http(selected, profile, build_dir, out_dir, log):
    if not have_ab(log):
        return None
    return serve_and_measure(server_entries(selected, profile),
                             [AbRun(profile.ab_concurrency, False)], profile.echo_reps, "http",
                             ab_measure(profile.ab_requests), build_dir, out_dir, log,
                             lifetime=600)

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


@dataclass
class ServerResults:
    columns: list  # connection counts (echo) or [concurrency] (http)
    contenders: list
    cells: dict  # (name, column) -> dict of metric -> Spread
    failures: dict  # (name, column) -> reason
    skipped: dict  # name -> reason


def server_entries(selected, profile):
    return [c for c in selected if c.server
            and (c.library not in ("libev", "evring") or c.backend in profile.server_backends)]


def _summarise(samples):
    return {key: {metric: stats.spread(run[metric] for run in runs) for metric in runs[0]}
            for key, runs in samples.items()}


def _serve_and_measure(entries, columns, reps, mode, measure, build_dir, out_dir, log, lifetime):
    bench_cpu, client_cpu = runner.cpus()
    samples, failures, skipped = {}, {}, {}
    with open(os.path.join(out_dir, f"{mode}.jsonl"), "w") as raw:
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
                    result, problem = measure(server.port, column, client_cpu)
                    died = server.stop()
                    problem = problem or (f"server died: {died}" if died else None)
                    if problem:
                        failures[key] = problem
                        log(f"  note: {contender.name} {mode} {column}: {problem}")
                        continue
                    raw.write(json.dumps({"contender": contender.name, "rep": rep,
                                          "column": column, **result}) + "\n")
                    samples.setdefault(key, []).append(result)
            log(f"  [{rep + 1}/{reps}] {mode} round done")
    names = [c.name for c in entries if c.name not in skipped]
    return ServerResults(list(columns), names, _summarise(samples), failures, skipped)


def run_echo(selected, profile, build_dir, out_dir, log):
    loadgen = os.path.join(build_dir, "loadgen")

    def measure(port, connections, cpu):
        outcome = runner.run([loadgen, "--port", str(port), "--connections", str(connections),
                              "--requests", str(profile.echo_requests),
                              "--seconds", str(profile.echo_seconds)],
                             profile.echo_seconds + 40, cpu)
        if outcome.status != "ok" or not outcome.records:
            return None, f"load client: {outcome.reason or 'no output'}"
        record = outcome.records[0]
        if record["requests"] == 0:
            return None, "no request completed"
        # Running out of time is the client's other bound, not a failure: the rate still holds.
        return {m: record[m] for m in ("rps", "p50_us", "p99_us", "requests")}, None

    return _serve_and_measure(server_entries(selected, profile), profile.echo_connections,
                              profile.echo_reps, "echo", measure, build_dir, out_dir, log,
                              lifetime=profile.echo_seconds * 10 + 60)


AB_PATTERNS = {
    "rps": r"Requests per second:\s+([\d.]+)",
    "mean_us": r"Time per request:\s+([\d.]+) \[ms\] \(mean\)",
    "p50_ms": r"^\s+50%\s+(\d+)",
    "p99_ms": r"^\s+99%\s+(\d+)",
    "failed": r"Failed requests:\s+(\d+)",
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


def run_http(selected, profile, build_dir, out_dir, log):
    if not shutil.which("ab"):
        log("  note: ab (apache2-utils) is not installed: HTTP rows skipped")
        return None

    def measure(port, concurrency, cpu):
        command = ["ab", "-q", "-s", "10", "-n", str(profile.ab_requests), "-c",
                   str(concurrency), f"http://127.0.0.1:{port}/"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                  preexec_fn=runner.pin_to(cpu))
        except subprocess.TimeoutExpired:
            return None, "ab timed out"
        result = parse_ab(done.stdout)
        if done.returncode != 0 or result is None:
            return None, f"ab failed: {(done.stderr or done.stdout).strip()[-200:]}"
        return result, None

    return _serve_and_measure(server_entries(selected, profile), [profile.ab_concurrency],
                              profile.echo_reps, "http", measure, build_dir, out_dir, log,
                              lifetime=600)

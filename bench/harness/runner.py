"""Runs one benchmark program and turns its JSON lines into data, telling apart success, "skip"
(exit 77: the contender cannot run here) and failure (crash, stall, timeout)."""

import json
import os
import subprocess
import time
from dataclasses import dataclass

EXIT_SKIP = 77


@dataclass
class Outcome:
    records: list  # parsed JSON lines
    status: str  # "ok", "skip" or "fail"
    reason: str = ""
    seconds: float = 0.0


def cpus():
    """(cpu for the process under test, cpu for its load client); None when there is one CPU."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None, None
    return allowed[-1], allowed[0]


def rotated(entries, rep):
    """The contenders in the order for repetition rep: each repetition starts one later, so the
    interleaving (A B C, B C A, ...) gives no contender the same neighbours or slot every time."""
    shift = rep % len(entries) if entries else 0
    return entries[shift:] + entries[:shift]


def pin_to(cpu):
    """A preexec_fn that keeps a process on one CPU, so runs do not migrate mid-measurement."""
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def describe_failure(returncode, stderr):
    last_line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    if returncode < 0:
        return f"killed by signal {-returncode} {last_line}".strip()
    return f"exit {returncode}: {last_line}"


def run(command, timeout, cpu=None):
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=pin_to(cpu))
    except subprocess.TimeoutExpired:
        return Outcome([], "fail", f"timed out after {timeout:.0f} s", timeout)
    seconds = time.monotonic() - started
    if done.returncode == EXIT_SKIP:
        return Outcome([], "skip", done.stderr.strip().removeprefix("skip: "), seconds)
    if done.returncode != 0:
        return Outcome([], "fail", describe_failure(done.returncode, done.stderr), seconds)
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return Outcome(records, "ok", "", seconds)

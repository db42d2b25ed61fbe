"""Syscalls per event, from strace -c. Each contender runs the same loop workload twice, with
different write counts; dividing the difference in syscalls by the difference in callbacks
cancels start-up, fd creation and registration, leaving what event processing costs."""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from . import runner
from .loop_suite import LoopConfig

FEW_WRITES, MANY_WRITES = 500, 1500
WORKLOADS = (LoopConfig("pipe", False, 1000, 1, 0), LoopConfig("pipe", False, 1000, 50, 0))


@dataclass
class SyscallResults:
    workloads: list
    contenders: list
    per_event: dict  # (name, workload) -> {syscall: calls per event}
    failures: dict


def parse_strace_summary(text):
    """{syscall: calls} from strace -c's table; rows are '% seconds usecs calls [errors] name'."""
    calls = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) not in (5, 6) or fields[-1] == "total" or not fields[3].isdigit():
            continue
        calls[fields[-1]] = int(fields[3])
    return calls


def _traced_run(command, timeout):
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as summary:
        outcome = runner.run(["strace", "-f", "-c", "-o", summary.name] + command, timeout)
        return outcome, parse_strace_summary(summary.read())


def _callbacks(records):
    return sum(r["callbacks"] for r in records if r["type"] == "round")


def run(selected, loop_results, profile, build_dir, out_dir, log):
    """Counts for every loop contender, leaving out those the loop suite found unable to run."""
    if not shutil.which("strace"):
        log("  note: strace is not installed: syscall counts skipped")
        return None
    probe = subprocess.run(["strace", "-c", "-o", os.devnull, "true"], capture_output=True)
    if probe.returncode != 0:
        log("  note: strace cannot trace here (ptrace denied?): syscall counts skipped")
        return None
    excluded = loop_results.skipped if loop_results else {}
    entries = [c for c in selected if c.loop and c.name not in excluded]
    per_event, failures = {}, {}
    for workload in WORKLOADS:
        for contender in entries:
            counts = []
            for writes in (FEW_WRITES, MANY_WRITES):
                command = ([os.path.join(build_dir, contender.loop), "--backend",
                            contender.backend, "--timeout", "60"]
                           + workload.arguments(profile.syscall_rounds, writes))
                outcome, calls = _traced_run(command, 120)
                if outcome.status != "ok" or not calls:
                    failures[(contender.name, workload)] = outcome.reason or "no strace summary"
                    break
                counts.append((_callbacks(outcome.records), calls))
            if len(counts) != 2:
                log(f"  note: {contender.name} under strace: "
                    f"{failures[(contender.name, workload)]}")
                continue
            (few_events, few), (many_events, many) = counts
            events = many_events - few_events
            per_event[(contender.name, workload)] = {
                name: (many.get(name, 0) - few.get(name, 0)) / events
                for name in set(few) | set(many)}
        log(f"  syscalls counted for N/A={workload.label}")
    names = [c.name for c in entries]
    return SyscallResults(list(WORKLOADS), names, per_event, failures)

"""The timer benchmark: start/again/stop/expire of a million timers per contender, interleaved."""

import json
import os
from dataclasses import dataclass

from . import runner, stats

PHASES = ("start_ms", "again_ms", "stop_ms", "expire_ms")


@dataclass
class TimerResults:
    count: int
    contenders: list
    cells: dict  # name -> phase -> Spread
    failures: dict  # name -> reason
    skipped: dict


def run(selected, profile, build_dir, out_dir, log):
    entries = [c for c in selected if c.timers]
    bench_cpu, _ = runner.cpus()
    samples, failures, skipped = {}, {}, {}
    with open(os.path.join(out_dir, "timers.jsonl"), "w") as raw:
        for rep in range(profile.timer_reps):
            for contender in runner.rotated(entries, rep):
                if contender.name in skipped or contender.name in failures:
                    continue
                command = [os.path.join(build_dir, contender.timers), "--backend",
                           contender.backend, "--count", str(profile.timer_count)]
                outcome = runner.run(command, 120, bench_cpu)
                if outcome.status != "ok":
                    target = skipped if outcome.status == "skip" else failures
                    target[contender.name] = outcome.reason
                    log(f"  note: {contender.name} timers {outcome.status}: {outcome.reason}")
                    continue
                record = outcome.records[0]
                raw.write(json.dumps({"contender": contender.name, "rep": rep, **record}) + "\n")
                samples.setdefault(contender.name, []).append(record)
            log(f"  [{rep + 1}/{profile.timer_reps}] timers round done")
    cells = {name: {phase: stats.spread(r[phase] for r in records) for phase in PHASES}
             for name, records in samples.items()}
    names = [c.name for c in entries if c.name in cells]
    return TimerResults(profile.timer_count, names, cells, failures, skipped)

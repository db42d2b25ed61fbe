"""The loop benchmark across contenders: builds the configuration grid, runs it interleaved
(every contender once per repetition, repetitions outermost) and summarises each cell."""

import json
import os
from dataclasses import dataclass

from . import contenders as contenders_module
from . import runner, stats


@dataclass(frozen=True)
class LoopConfig:
    transport: str  # "pipe" or "socketpair"
    timers: bool
    pairs: int
    active: int
    writes: int

    @property
    def group(self):
        return (self.transport, self.timers)

    @property
    def label(self):
        return f"{self.pairs}/{self.active}"

    def arguments(self, rounds, writes=None):
        args = ["--pairs", str(self.pairs), "--active", str(self.active),
                "--writes", str(self.writes if writes is None else writes),
                "--rounds", str(rounds)]
        if self.transport == "pipe":
            args.append("--pipes")
        if self.timers:
            args.append("--timers")
        return args


def group_title(group):
    transport, timers = group
    return f"{transport}s, {'a timer per fd, re-armed on every event' if timers else 'no timers'}"


def group_label(group):
    transport, timers = group
    return f"{transport}s{' + timers' if timers else ''}"


def configurations(profile):
    configs = []
    for transport in profile.transports:
        for timers in profile.timer_variants:
            for pairs in profile.pair_counts:
                actives = sorted({max(1, int(pairs * f)) for f in profile.active_fractions})
                configs += [LoopConfig(transport, timers, pairs, a, profile.writes)
                            for a in actives]
    return configs


@dataclass
class Cell:
    event_us: stats.Spread
    setup_us: stats.Spread
    callbacks: int  # per round; the same for every contender in a configuration


@dataclass
class LoopResults:
    configs: list
    contenders: list  # names, in table order
    cells: dict  # (name, config) -> Cell
    failures: dict  # (name, config) -> reason
    skipped: dict  # name -> reason it cannot run here

    def ratio(self, name, config):
        cell = self.cells.get((name, config))
        floor = self.cells.get((contenders_module.LOOP_FLOOR, config))
        return stats.ratio(cell.event_us.median if cell else None,
                           floor.event_us.median if floor else None)


def _command(build_dir, contender, config, profile, timeout):
    return ([os.path.join(build_dir, contender.loop), "--backend", contender.backend,
             "--timeout", str(int(timeout) + 5), "--budget-ms", str(profile.loop_budget_ms)]
            + config.arguments(profile.loop_rounds))


SCAN_BACKENDS = ("select", "poll")


def _sits_out(contender, config, profile):
    """Whether the profile leaves this cell out: select and poll cost O(N) per iteration, so at
    thousands of fds one quick-profile cell would take longer than everything else together."""
    limit = profile.scan_backend_max_pairs
    return contender.backend in SCAN_BACKENDS and limit is not None and config.pairs > limit


def run(selected, profile, build_dir, out_dir, log):
    entries = [c for c in selected if c.loop]
    configs = configurations(profile)
    bench_cpu, _ = runner.cpus()
    rounds_by_cell, failures, skipped = {}, {}, {}
    with open(os.path.join(out_dir, "loop.jsonl"), "w") as raw:
        for number, config in enumerate(configs, 1):
            longest = 0.0
            for rep in range(profile.loop_reps):
                for contender in runner.rotated(entries, rep):
                    key = (contender.name, config)
                    if (contender.name in skipped or key in failures
                            or _sits_out(contender, config, profile)):
                        continue
                    timeout = max(profile.min_timeout, 20 * longest)
                    outcome = runner.run(_command(build_dir, contender, config, profile,
                                                  timeout), timeout, bench_cpu)
                    if outcome.status == "skip":
                        skipped[contender.name] = outcome.reason
                        log(f"  note: {contender.name} skipped: {outcome.reason}")
                        continue
                    if outcome.status == "fail":
                        failures[key] = outcome.reason
                        log(f"  note: {contender.name} failed on {group_title(config.group)} "
                            f"{config.label}: {outcome.reason}")
                        continue
                    longest = max(longest, outcome.seconds)
                    for record in outcome.records:
                        raw.write(json.dumps({"contender": contender.name, "rep": rep,
                                              **record}) + "\n")
                        if record["type"] == "round" and not record["warmup"]:
                            rounds_by_cell.setdefault(key, []).append(record)
            log(f"  [{number}/{len(configs)}] {group_title(config.group)}, "
                f"N/A={config.label}")
    cells = {key: Cell(stats.spread(r["event_us"] for r in rounds),
                       stats.spread(r["setup_us"] for r in rounds), rounds[0]["callbacks"])
             for key, rounds in rounds_by_cell.items()}
    names = [c.name for c in entries if c.name not in skipped]
    return LoopResults(configs, names, cells, failures, skipped)

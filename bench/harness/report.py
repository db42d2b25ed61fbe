"""Turns suite results into titled tables (rendered as text or Markdown by the caller) and checks
the issue's performance targets."""

from dataclasses import dataclass, field

from . import contenders, stats
from .loop_suite import group_label, group_title
from .tables import number, with_ratio


@dataclass
class Table:
    title: str
    header: list
    rows: list
    notes: list = field(default_factory=list)
    detail: bool = False  # folded away in the docs
    numeric: bool = True  # right-align the value columns


def _failure_cell(failures, key):
    return "fail" if key in failures else "-"


def _groups(loop):
    groups = []
    for config in loop.configs:
        if config.group not in groups:
            groups.append(config.group)
    return groups


def loop_tables(loop):
    tables = []
    for group in _groups(loop):
        configs = [c for c in loop.configs if c.group == group]
        header = ["contender"] + [c.label for c in configs] + ["geomean ratio"]
        event_rows, setup_rows, spread_rows = [], [], []
        for name in loop.contenders:
            event_row, setup_row, spread_row, ratios = [name], [name], [name], []
            for config in configs:
                cell = loop.cells.get((name, config))
                if not cell:
                    missing = _failure_cell(loop.failures, (name, config))
                    event_row.append(missing)
                    setup_row.append(missing)
                    spread_row.append(missing)
                    continue
                ratio = loop.ratio(name, config)
                ratios.append(ratio)
                event_row.append(with_ratio(cell.event_us.median, ratio))
                setup_row.append(number(cell.setup_us.median))
                spread_row.append(f"{number(cell.event_us.median)} "
                                  f"[{number(cell.event_us.low)}-{number(cell.event_us.high)}]")
            geomean = stats.geomean(ratios)
            event_row.append(f"{geomean:.2f}" if geomean else "-")
            event_rows.append(event_row)
            setup_rows.append(setup_row)
            spread_rows.append(spread_row)
        notes = [f"columns are N/A = fd pairs / active fds; {configs[0].writes} writes per "
                 f"round; cells: median us per round (ratio to {contenders.LOOP_FLOOR})"]
        tables.append(Table(f"Loop benchmark, {group_title(group)}: event processing",
                            header, event_rows, notes))
        tables.append(Table(f"Loop benchmark, {group_title(group)}: median [min-max] us per "
                            "round", header[:-1], spread_rows, detail=True))
        tables.append(Table(f"Loop benchmark, {group_title(group)}: setup (restart every "
                            "watcher + one non-blocking iteration), median us",
                            header[:-1], setup_rows, detail=True))
    return tables


def per_callback_table(loop):
    groups = _groups(loop)
    rows = []
    for name in loop.contenders:
        row = [name]
        for group in groups:
            costs = [loop.cells[(name, c)].event_us.median * 1000 / loop.cells[(name, c)].callbacks
                     for c in loop.configs if c.group == group and (name, c) in loop.cells]
            row.append(number(stats.geomean(costs)))
        rows.append(row)
    header = ["contender"] + [group_label(g) for g in groups]
    return Table("Loop benchmark: ns per callback (geometric mean over N/A)", header, rows)


def echo_tables(echo):
    floor = contenders.SERVER_FLOOR
    header = ["server"] + [f"C={c.connections}" for c in echo.columns]
    throughput, latency = [], []
    for name in echo.contenders:
        rps_row, latency_row = [name], [name]
        for column in echo.columns:
            cell = echo.cells.get((name, column))
            if not cell:
                rps_row.append(_failure_cell(echo.failures, (name, column)))
                latency_row.append(rps_row[-1])
                continue
            reference = echo.cells.get((floor, column))
            ratio = stats.ratio(cell["rps"].median,
                                reference["rps"].median if reference else None)
            rps_row.append(with_ratio(cell["rps"].median, ratio))
            latency_row.append(f"{number(cell['p50_us'].median)} / "
                               f"{number(cell['p99_us'].median)}")
        throughput.append(rps_row)
        latency.append(latency_row)
    return [Table("Echo benchmark: requests/s (ratio to raw-epoll), median", header, throughput,
                  ["C connections in ping-pong, 64-byte messages, own load client"]),
            Table("Echo benchmark: latency p50 / p99 us, median", header, latency)]


def http_table(http, requests):
    floor = http.cells.get((contenders.SERVER_FLOOR, http.columns[0]))
    rows = []
    for name in http.contenders:
        cell = http.cells.get((name, http.columns[0]))
        if not cell:
            rows.append([name] + [_failure_cell(http.failures, (name, http.columns[0]))] * 6)
            continue
        ratio = stats.ratio(cell["rps"].median, floor["rps"].median if floor else None)
        rows.append([name, number(cell["rps"].median), f"{ratio:.2f}" if ratio else "-",
                     number(cell["mean_us"].median), number(cell["p50_ms"].median, 0),
                     number(cell["p99_ms"].median, 0), number(cell["failed"].high, 0)])
    return Table(f"HTTP hello: ab -n {requests} -c {http.columns[0].concurrency} (no keep-alive), "
                 "median",
                 ["server", "req/s", "ratio", "mean us/req", "p50 ms", "p99 ms", "failed"], rows)


def timer_table(timers):
    floor = timers.cells.get(contenders.TIMER_FLOOR)
    rows = []
    for name in timers.contenders:
        row = [name]
        for phase in ("start_ms", "again_ms", "stop_ms", "expire_ms"):
            value = timers.cells[name][phase].median
            reference = floor[phase].median if floor else None
            row.append(with_ratio(value, stats.ratio(value, reference)))
        rows.append(row)
    return Table(f"Timer benchmark: {timers.count:,} timers, median ms per phase "
                 f"(ratio to {contenders.TIMER_FLOOR})",
                 ["contender", "start", "again", "stop", "expire"], rows)


def syscall_table(syscalls):
    header = ["contender"]
    for workload in syscalls.workloads:
        header += [f"{workload.label}: per event", f"{workload.label}: breakdown"]
    rows = []
    for name in syscalls.contenders:
        row = [name]
        for workload in syscalls.workloads:
            calls = syscalls.per_event.get((name, workload))
            if calls is None:
                row += [_failure_cell(syscalls.failures, (name, workload)), ""]
                continue
            busy = sorted(((v, k) for k, v in calls.items() if v >= 0.005), reverse=True)
            row += [f"{sum(calls.values()):.2f}",
                    ", ".join(f"{k} {v:.2f}" for v, k in busy)]
        rows.append(row)
    return Table("Syscalls per event (strace -c, difference of two write counts), pipes, "
                 "N/A as shown", header, rows)


def _compare(loop, name, reference, limit):
    """Checks name/reference <= limit on every configuration the reference ran; a configuration
    where name failed counts against it."""
    ratios, failed = [], 0
    for config in loop.configs:
        a, b = loop.cells.get((name, config)), loop.cells.get((reference, config))
        if a and b:
            ratios.append((a.event_us.median / b.event_us.median, config))
        elif b and (name, config) in loop.failures:
            failed += 1
    if not ratios:
        return f"n/a ({name} or {reference} not measured)"
    worst, where = max(ratios, key=lambda item: item[0])
    passed = sum(1 for r, _ in ratios if r <= limit)
    verdict = "PASS" if passed == len(ratios) and not failed else "FAIL"
    failures = f", {failed} failed to run" if failed else ""
    return (f"{verdict} ({passed}/{len(ratios) + failed} configurations{failures}; geomean "
            f"{stats.geomean(r for r, _ in ratios):.2f}x, worst {worst:.2f}x at "
            f"{where.transport}{'+timers' if where.timers else ''} {where.label})")


TARGETS = (
    ("evring-epoll <= libev-epoll on every loop configuration",
     "evring-epoll", "libev-epoll", 1.0),
    ("evring-epoll within 1.05x of the raw epoll floor", "evring-epoll", "raw-epoll", 1.05),
    ("evring io_uring (level) <= 0.65x libev io_uring per callback",
     "evring-io_uring", "libev-io_uring", 0.65),
    ("evring io_uring (level) <= 1.05x evring epoll per callback",
     "evring-io_uring", "evring-epoll", 1.05),
    ("evring io_uring edge mode <= 0.90x evring epoll", "evring-io_uring-edge",
     "evring-epoll", 0.90),
)

REFERENCE_RATIOS = (
    ("libev-epoll / raw-epoll", "libev-epoll", "raw-epoll"),
    ("libev-io_uring / libev-epoll", "libev-io_uring", "libev-epoll"),
    ("libev-io_uring / raw-uring-oneshot", "libev-io_uring", "raw-uring-oneshot"),
    ("raw-uring-oneshot / raw-epoll", "raw-uring-oneshot", "raw-epoll"),
    ("raw-uring-multishot / raw-epoll", "raw-uring-multishot", "raw-epoll"),
    ("libevent-epoll / raw-epoll", "libevent-epoll", "raw-epoll"),
    ("libuv-epoll / raw-epoll", "libuv-epoll", "raw-epoll"),
)


def target_table(loop):
    rows = [[text, _compare(loop, a, b, limit)] for text, a, b, limit in TARGETS]
    return Table("Targets (loop benchmark, event processing per round)", ["target", "result"],
                 rows, numeric=False)


def reference_table(loop):
    rows = []
    for text, a, b in REFERENCE_RATIOS:
        ratios = [loop.cells[(a, c)].event_us.median / loop.cells[(b, c)].event_us.median
                  for c in loop.configs if (a, c) in loop.cells and (b, c) in loop.cells]
        if ratios:
            rows.append([text, f"{stats.geomean(ratios):.2f}", f"{min(ratios):.2f}",
                         f"{max(ratios):.2f}", str(len(ratios))])
    return Table("Loop benchmark ratios over all configurations both ran",
                 ["ratio", "geomean", "min", "max", "configurations"], rows)


# ---- the ops suite ---------------------------------------------------------------------------

OPS_COMPARISONS = (
    ("ops io_uring / ev_io epoll", "evring-ops-io_uring", "evring-epoll"),
    ("ops pooled io_uring / ev_io epoll", "evring-ops-pooled-io_uring", "evring-epoll"),
    ("ops io_uring / ev_io io_uring", "evring-ops-io_uring", "evring-io_uring"),
    ("ops epoll (emulated) / ev_io epoll", "evring-ops-epoll", "evring-epoll"),
    ("ops pooled epoll (emulated) / ev_io epoll", "evring-ops-pooled-epoll", "evring-epoll"),
    ("ops io_uring / libuv epoll", "evring-ops-io_uring", "libuv-epoll"),
    ("ops io_uring / raw-uring-ops floor", "evring-ops-io_uring", "raw-uring-ops"),
    ("ops epoll / raw-epoll floor", "evring-ops-epoll", "raw-epoll"),
    ("raw-uring-ops / raw-epoll floors", "raw-uring-ops", "raw-epoll"),
)


def _ops_metric_table(results, metric, title, notes):
    """Contenders x columns: the metric's median and its ratio to contenders.OPS_REFERENCE."""
    reference = contenders.OPS_REFERENCE
    rows = []
    for name in results.contenders:
        row = [name]
        for column in results.columns:
            cell = results.cells.get((name, column))
            if not cell or metric not in cell:
                row.append(_failure_cell(results.failures, (name, column)))
                continue
            base = results.cells.get((reference, column))
            ratio = stats.ratio(cell[metric].median,
                                base[metric].median if base and metric in base else None)
            row.append(with_ratio(cell[metric].median, ratio))
        rows.append(row)
    return Table(title, ["server"] + [c.label for c in results.columns], rows, notes)


def _ops_comparison_table(results, title):
    """Named pairs x columns: requests/s ratio / CPU-per-request ratio, and their geomeans."""
    rows = []
    for text, a, b in OPS_COMPARISONS:
        row, rps_ratios, cpu_ratios = [text], [], []
        for column in results.columns:
            x, y = results.cells.get((a, column)), results.cells.get((b, column))
            if not x or not y or "cpu_us" not in x or "cpu_us" not in y:
                row.append("-")
                continue
            rps_ratios.append(x["rps"].median / y["rps"].median)
            cpu_ratios.append(stats.ratio(x["cpu_us"].median, y["cpu_us"].median))
            row.append(f"{rps_ratios[-1]:.2f} / " + (f"{cpu_ratios[-1]:.2f}" if cpu_ratios[-1]
                                                     else "-"))
        if rps_ratios:
            cpu = stats.geomean(cpu_ratios)
            rows.append(row + [f"{stats.geomean(rps_ratios):.2f} / "
                               + (f"{cpu:.2f}" if cpu else "-")])
    return Table(title, ["ratio"] + [c.label for c in results.columns] + ["geomean"], rows,
                 ["cells: requests/s ratio / server CPU time per request ratio; the first "
                  "contender does better above 1 / below 1"])


def _ops_syscall_table(counts):
    header = ["server"]
    for cell in counts.cells:
        header += [f"{cell.label}: per request", f"{cell.label}: breakdown"]
    rows = []
    for name in counts.contenders:
        row = [name]
        for cell in counts.cells:
            calls = counts.per_request.get((name, cell))
            if calls is None:
                row += [_failure_cell(counts.failures, (name, cell)), ""]
                continue
            busy = sorted(((v, k) for k, v in calls.items() if v >= 0.005), reverse=True)
            row += [f"{sum(calls.values()):.2f}", ", ".join(f"{k} {v:.2f}" for v, k in busy)]
        rows.append(row)
    return Table("Ops suite: server system calls per echo request (strace -c -f attached while "
                 "the load runs)", header, rows, numeric=False)


def ops_tables(ops):
    reference = contenders.OPS_REFERENCE
    echo = ops.echo
    placement = ("load client on the other CPU; 1cpu: the load client shares the server's "
                 "CPU; own load client, C connections in ping-pong")
    tables = [
        _ops_metric_table(echo, "rps", f"Ops echo: requests/s (ratio to {reference}), median",
                          [placement]),
        _ops_metric_table(echo, "cpu_us", "Ops echo: server CPU us per request (ratio to "
                          f"{reference}), median",
                          ["time on a CPU of every server thread (user + system) over the run, "
                           "connection set-up included, divided by the requests"]),
        _ops_comparison_table(echo, "Ops echo: comparisons (requests/s ratio / CPU per request "
                              "ratio)"),
    ]
    latency_rows = [[name] + [f"{number(echo.cells[(name, c)]['p50_us'].median)} / "
                              f"{number(echo.cells[(name, c)]['p99_us'].median)}"
                              if (name, c) in echo.cells
                              else _failure_cell(echo.failures, (name, c))
                              for c in echo.columns] for name in echo.contenders]
    tables.append(Table("Ops echo: latency p50 / p99 us, median",
                        ["server"] + [c.label for c in echo.columns], latency_rows,
                        detail=True))
    if ops.http:
        http = ops.http
        failed = [f"{name} {c.label}: {number(http.cells[(name, c)]['failed'].high, 0)}"
                  for name in http.contenders for c in http.columns
                  if (name, c) in http.cells and http.cells[(name, c)]["failed"].high]
        tables += [
            _ops_metric_table(http, "rps", f"Ops HTTP hello: requests/s (ratio to {reference}), "
                              "median",
                              ["ab -k: keep-alive; without: a connection per request"]
                              + ([f"failed requests (ab): {', '.join(failed)}"] if failed
                                 else [])),
            _ops_metric_table(http, "cpu_us", "Ops HTTP hello: server CPU us per request "
                              f"(ratio to {reference}), median", []),
            _ops_comparison_table(http, "Ops HTTP hello: comparisons (requests/s ratio / CPU "
                                  "per request ratio)"),
        ]
    if ops.syscalls:
        tables.append(_ops_syscall_table(ops.syscalls))
    return tables

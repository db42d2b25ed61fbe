"""Draws docs/bench-loop.png with gnuplot: ns per callback for every contender, one panel per
transport/timer variant, clustered by configuration on a log scale."""

import os
import shutil
import subprocess

from .loop_suite import group_title

MISSING = "?"
# A fixed colour per contender, so one keeps its colour whatever --only leaves out: the floors in
# greys, libev in warm hues, evring in the matching cool ones.
COLOURS = {
    "raw-epoll": "#444444", "raw-uring-multishot": "#888888", "raw-uring-oneshot": "#bbbbbb",
    "libev-select": "#f0a830", "libev-poll": "#e8d44d", "libev-epoll": "#d62728",
    "libev-io_uring": "#ff7f0e", "libevent-epoll": "#8c564b", "libuv-epoll": "#e377c2",
    "evring-select": "#bcbd22", "evring-poll": "#2ca02c", "evring-epoll": "#1f77b4",
    "evring-io_uring": "#17becf", "evring-io_uring-edge": "#9467bd",
}
OTHER_COLOUR = "#000000"


def _data_file(loop, group, path):
    configs = [c for c in loop.configs if c.group == group]
    with open(path, "w") as data:
        data.write("config " + " ".join(f'"{name}"' for name in loop.contenders) + "\n")
        for config in configs:
            values = []
            for name in loop.contenders:
                cell = loop.cells.get((name, config))
                values.append(f"{cell.event_us.median * 1000 / cell.callbacks:.1f}"
                              if cell else MISSING)
            data.write(f'"{config.label}" ' + " ".join(values) + "\n")


def draw(loop, output_png, work_dir, title):
    """Writes output_png; returns None or why no chart was drawn."""
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed"
    groups = []
    for config in loop.configs:
        if config.group not in groups:
            groups.append(config.group)
    columns = len(loop.contenders) + 1
    rows = (len(groups) + 1) // 2
    lines = [
        f"set terminal pngcairo noenhanced size 1600,{520 * rows} font 'sans,10'",
        f"set output '{output_png}'",
        f"set multiplot layout {rows},2 title '{title}'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        f"set datafile missing '{MISSING}'",
        "set logscale y",
        "set yrange [100:*]",
        "set grid ytics",
        "set ylabel 'ns per callback (log)'",
        "set xlabel 'fd pairs / active fds'",
        "set xtics rotate by -30 font ',9'",
        "set key top left font ',8' maxrows 5",
    ]
    lines.append("colours = '" + " ".join(COLOURS.get(n, OTHER_COLOUR) for n in loop.contenders)
                 + "'")
    for number, group in enumerate(groups):
        data_path = os.path.join(work_dir, f"chart-{number}.dat")
        _data_file(loop, group, data_path)
        lines.append(f"set title '{group_title(group)}'")
        lines.append(f"plot for [i=2:{columns}] '{data_path}' using i:xtic(1) "
                     "title columnheader(i) lc rgb word(colours, i - 1)")
    lines.append("unset multiplot")
    script = os.path.join(work_dir, "chart.gp")
    with open(script, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    done = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    return None if done.returncode == 0 else f"gnuplot failed: {done.stderr.strip()[-300:]}"

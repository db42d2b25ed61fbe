"""Writes docs/benchmarks.md from bench/report/benchmarks.md.in: the prose lives in the template,
the machine facts, tables and notes come from this run."""

import os
import re

from . import tables

TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "report",
                        "benchmarks.md.in")


def _markdown_table(table):
    body = tables.markdown(table.header, table.rows, table.numeric)
    notes = "".join(f"\n\n_{note}_" for note in table.notes)
    if table.detail:
        return f"<details><summary>{table.title}</summary>\n\n{body}\n\n</details>"
    return f"**{table.title}**\n\n{body}{notes}"


def _section(tables_list):
    return "\n\n".join(_markdown_table(t) for t in tables_list) if tables_list else "_not run_"


def write(path, facts, command, sections, notes, chart_name):
    """sections: {placeholder name: [Table]}; notes: lines about skips and failures."""
    with open(TEMPLATE) as template:
        text = template.read()
    machine = tables.markdown(["fact", "value"], [[k, v] for k, v in facts.items()],
                              numeric=False)
    replacements = {
        "COMMAND": command,
        "MACHINE": machine,
        "CHART": f"![ns per callback, loop benchmark]({chart_name})",
        "NOTES": "\n".join(f"- {line}" for line in notes) if notes else "- none",
    }
    replacements.update({name: _section(t) for name, t in sections.items()})
    for name, value in replacements.items():
        text = text.replace("{{" + name + "}}", value)
    text = re.sub(r"\{\{[A-Z]+\}\}", "_not run_", text)  # the suites this run left out
    with open(path, "w") as out:
        out.write(text)

"""Renders a table (header row plus rows of already formatted cells) as aligned text for the
terminal or as Markdown for docs/benchmarks.md."""


def text(title, header, rows):
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = [title]
    for row in [header] + rows:
        cells = [str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i])
                 for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def markdown(header, rows, numeric=True):
    """Columns after the first are right-aligned when they hold numbers."""
    value_alignment = "---:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + [value_alignment] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def number(value, digits=1):
    """Formats a measurement; '-' where there is none."""
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def with_ratio(value, ratio):
    if value is None:
        return "-"
    return f"{number(value)} ({ratio:.2f})" if ratio is not None else number(value)

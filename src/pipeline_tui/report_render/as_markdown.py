"""The report's tables as GitHub-flavoured Markdown."""

from __future__ import annotations

from typing import Any

from pipeline_tui.display import safe
from pipeline_tui.money import Rates
from pipeline_tui.report import Report, percent, times
from pipeline_tui.report_render.common import CONVERTED_MARK, is_converted, money
from pipeline_tui.report_render.tables import report_tables


def render_markdown(report: Report) -> str:
    """The report's tables as GitHub-flavoured Markdown (stored text escaped)."""
    base, rates = report.currency, report.rates or None
    out = [f"# Win-loss report · {md(report.period.label)}", ""]
    converted = False
    for table in report_tables(report):
        out += [f"## {md(table.title)}", ""]
        if not table.rows:
            out += ["_None in this period._", ""]
            continue
        out.append("| " + " | ".join(md(c.header) for c in table.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind not in ("text",) else "---" for c in table.columns) + "|")
        for row in table.rows:
            cells = []
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money" and cell:
                    converted = converted or is_converted(cell, base, rates)
                cells.append(md(_human(col.kind, cell, base, rates)))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        if table.note:
            out += [md(table.note), ""]
    if converted:
        out += [f"{CONVERTED_MARK} converted to {base} at your exchange rates.", ""]
    return "\n".join(out)


def _human(kind: str, cell: Any, base: str, rates: Rates | None) -> str:
    if cell is None or cell == "":
        return "—" if kind != "text" else ""
    if kind == "int":
        return f"{cell:,}"
    if kind == "pct":
        return percent(cell)
    if kind == "times":
        return times(cell)
    if kind == "days":
        return f"{cell:.0f}"
    if kind == "money":
        return money(cell, base, rates, compact=False)
    return safe(str(cell))


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def md(text: str) -> str:
    """Stored text in a Markdown cell: inert (no links, emphasis or broken tables)."""
    return safe(text).translate(_MD_SPECIAL)

"""The report's tables as GitHub-flavoured Markdown."""

from __future__ import annotations

import re
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
                shown = _human(col.kind, cell, base, rates)
                # Stored text is escaped; figures the app formats only keep the table whole.
                cells.append(md(shown) if col.kind == "text" else shown.replace("|", "\\|"))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        if table.note:
            out += [md(table.note, line=True), ""]
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


# What CommonMark and GitHub's Markdown read as syntax inside a line: emphasis and
# strikethrough (* _ ~), code (`), links, images and autolinks ([ ] < >), HTML and entities
# (< > &), tables (|), headings (#), math ($), footnotes (^), attributes ({ }). Each is
# backslash-escaped, which shows it as itself; `(`, `)` and `!` need nothing once `[` is
# escaped. A bare link a renderer finds by itself ("http://x", "www.x.com", "evil.com",
# "a@b.co") is broken where it would be recognized: a dot inside a word, "://", an @
# inside a word. A line's first character is escaped when it would start a list, a quote
# or a heading underline.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>#|~&$^"})
_MD_LINKISH = re.compile(r"(?<=\w)([.@])(?=\w)|:(?=//)")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+=>])|(\d+)(?=[.)]))")


def _line_start(match: re.Match[str]) -> str:
    indent, marker, number = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{number}\\"  # "\\- x", "1\\. x"


def md(text: str, *, line: bool = False) -> str:
    """Stored text in Markdown, inert: control characters as marks (`display.safe`), and
    everything Markdown could read as syntax escaped, so a name renders as itself: no
    link, image, emphasis, strikethrough, code, HTML or broken table. `line`: the text
    starts a line of its own (not a cell or a heading), where a list or a quote could begin."""
    escaped = _MD_LINKISH.sub(lambda m: "\\" + m.group(), safe(text).translate(_MD_SPECIAL))
    return _MD_LINE_START.sub(_line_start, escaped, count=1) if line else escaped

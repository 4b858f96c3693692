"""Workbooks for the `--xlsx` exports (xlsxwriter): text stays text, numbers stay numbers,
dates stay dates, and no cell is ever a formula.

A CSV opened in a spreadsheet is read by guessing: `007` becomes 7, a 20-digit record id
becomes 1.23E+19, `1/2` becomes a date, and a saved file then carries the damage back to the
CRM. A workbook says what each cell is, so nothing is guessed and nothing needs the CSV's
formula guard (an apostrophe before `=`): every text is written as a string cell, which a
spreadsheet never evaluates. Plain Python and xlsxwriter; no store, no Textual."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

# How the export's columns are written (any other column is text).
INTEGERS = frozenset({"id", "deal_id"})
MONEY = frozenset({"value"})
DAYS = frozenset({"expected_close", "next_step_due", "revisit_on", "snoozed_until"})
MOMENTS = frozenset(
    {"created_at", "stage_entered_at", "last_activity_at", "closed_at", "archived_at", "note_time"}
)
SHEET_NAME_LIMIT = 31  # characters, Excel's own limit
CELL_LIMIT = 32_767  # characters a cell holds (Excel's limit); a longer text is cut, and said


@dataclass
class Written:
    rows: int = 0
    cut: int = 0  # texts longer than a cell holds, cut (the CSV keeps them whole)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row and its rows. `kinds` says how a column is written: text
    (the default), int, money, day, moment, pct (a fraction shown as a percentage) or
    number. Cells come as the values themselves, or as the export's text for them."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]
    kinds: Mapping[str, str] = field(default_factory=dict)
    titles: Sequence[tuple[int, str]] = ()  # (row index, a title written above that row), bold


def export_kinds(columns: Iterable[str]) -> dict[str, str]:
    """The kinds of the notes and deals exports' columns."""
    out = {}
    for name in columns:
        if name in INTEGERS:
            out[name] = "int"
        elif name in MONEY:
            out[name] = "money"
        elif name in DAYS:
            out[name] = "day"
        elif name in MOMENTS:
            out[name] = "moment"
    return out


def typed(kind: str, value: Any) -> Any:
    """The value a cell holds: a number, a date, a datetime, text, or None (blank). Text
    that does not read as its kind stays text: nothing is lost."""
    if value is None or value == "":
        return None
    if kind == "text" or isinstance(value, bool):
        return str(value)
    if kind in ("int", "money", "number", "pct"):
        if isinstance(value, int | float | Decimal):
            return value
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return int(number) if kind == "int" and number == number.to_integral_value() else number
    if kind == "day":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if kind == "moment":
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                return str(value)
        return moment.replace(tzinfo=None)  # as the export writes it (UTC); a workbook has no zone
    return str(value)


def write_workbook(out: IO[bytes], sheets: Sequence[Sheet]) -> Written:
    """Write the sheets as one workbook to a binary stream; returns the rows written and the
    texts cut to a cell's limit."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            # Never read a text as a formula, a number or a link: it stays the text it is.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    formats = {
        "header": book.add_format({"bold": True}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        "moment": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "pct": book.add_format({"num_format": "0.0%"}),
        "number": book.add_format({"num_format": "0.0##"}),
    }
    written = Written()
    used: set[str] = set()
    for sheet in sheets:
        name = _sheet_name(sheet.name, used)
        ws = book.add_worksheet(name)
        kinds = [sheet.kinds.get(column, "text") for column in sheet.columns]
        titles = dict(sheet.titles)
        for c, header in enumerate(sheet.columns):
            ws.write_string(0, c, str(header), formats["header"])
        r = 1
        for index, row in enumerate(sheet.rows):
            if index in titles:
                ws.write_string(r, 0, titles[index], formats["header"])
                r += 1
            for c, (kind, value) in enumerate(zip(kinds, row, strict=False)):
                written.cut += _write(ws, r, c, typed(kind, value), kind, formats)
            r += 1
            written.rows += 1
        ws.freeze_panes(1, 0)
    book.close()
    return written


def _write(ws: Any, r: int, c: int, value: Any, kind: str, formats: Mapping[str, Any]) -> int:
    """Write one cell; 1 when its text was cut to a cell's limit."""
    if value is None:
        return 0
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        ws.write_string(r, c, value[: CELL_LIMIT - 1] + "…")
        return 1
    if isinstance(value, datetime):
        ws.write_datetime(r, c, value, formats["moment"])
    elif isinstance(value, date):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), formats["day"])
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        ws.write_number(r, c, float(value), formats.get(kind))
    else:
        ws.write_string(r, c, str(value))
    return 0


def _sheet_name(name: str, used: set[str]) -> str:
    """A worksheet name Excel takes: no []:*?/\\, at most 31 characters, not used before."""
    clean = " ".join("".join(" " if ch in "[]:*?/\\" else ch for ch in name).split()).strip("'") or "Sheet"
    clean = clean[:SHEET_NAME_LIMIT]
    candidate, n = clean, 2
    while candidate.casefold() in used:
        suffix = f" ({n})"
        candidate, n = clean[: SHEET_NAME_LIMIT - len(suffix)] + suffix, n + 1
    used.add(candidate.casefold())
    return candidate

"""Our CSV's columns and cells: what the export writes and the import of our own file
reads back (formula-safe cells, undone on the way in). Plain Python, no store.

A CSV is inert for a spreadsheet however it is opened: split at `,` (as written), at `;`
(a semicolon locale) or at tabs. So every cell that holds any of those, a line break or a
quote is quoted, and a formula trigger (`=`, `+`, `-`, `@`) gets an apostrophe not only at
the start of a cell but after every separator or line break inside it (past quotes and
spaces), where a reader splitting the line another way starts a new cell. `unneutralize`
takes exactly those apostrophes back, so our own export round-trips.

Files made for a CRM's importer (`export notes --for …`) keep their text exact (`exact=True`:
quoted the same way, no apostrophes): the CRM stores what it reads, apostrophes included.
They are for the CRM, not for a spreadsheet."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any

NOTE_COLUMNS = (
    "deal_id",
    "title",
    "company",
    "stage",
    "status",
    "note_time",
    "kind",
    "text",
    "loss_reason",
    "competitor",
    "revisit_on",
    "source",
    "source_id",
)
DEAL_COLUMNS = (
    "id",
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "stage",
    "status",
    "expected_close",
    "next_step",
    "next_step_due",
    "created_at",
    "stage_entered_at",
    "last_activity_at",
    "closed_at",
    "loss_reason",
    "competitor",
    "lost_at_stage",
    "loss_note",
    "revisit_on",
    "revisit_state",
    "won_reason",
    "won_note",
    "source",
    "source_id",
    "archived_at",
    "snoozed_until",
    "crm_baseline",
    "timeline",
)
# A won deal's "competitor" is who it beat; "won_reason" is the label of its won reason.
# The deals export carries each deal's whole timeline ("timeline", JSON): a list of
# {"at", "kind", "text", "from", "to", "data"} (empty ones left out), stage names for stage
# ids, and in "data" no database ids: a loss's reason by its label, the stage a deal was
# lost at by its name ("lost_at_stage"), a retracted note by its place in the timeline. An
# older export's "notes" column (JSON [[time, text], ...]) is still read.
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Where a reader may start a new cell inside ours: the delimiters of common locales (comma,
# semicolon, tab) and line breaks. After one, a trigger (past quotes, spaces and
# apostrophes already there) gets an apostrophe.
SEPARATORS = ",;\t\r\n"
_INNER = re.compile(r"([,;\t\r\n])(?=['\" ]*[=+\-@])")
_INNER_GUARDED = re.compile(r"([,;\t\r\n])'(?=['\" ]*[=+\-@])")
_NEEDS_QUOTES = re.compile(r'[,;\t\r\n"]|^\s|\s$')


def neutralize(value: Any) -> str:
    """The cell as text, with an apostrophe where a spreadsheet would start a formula: at
    its start, and after any separator or line break inside it."""
    text = "" if value is None else str(value)
    # Text that already starts with apostrophes before a trigger ("'=x") gets one more, so
    # unneutralize can tell it from a neutralized "=x" and the round trip stays lossless
    # (the same holds after a separator).
    if text.lstrip("'").startswith(FORMULA_TRIGGERS):
        text = "'" + text
    if any(c in text for c in SEPARATORS):
        text = _INNER.sub(r"\1'", text)
    return text


def unneutralize(text: str) -> str:
    """Undo `neutralize` on a cell read back from our own export."""
    if any(c in text for c in SEPARATORS):
        text = _INNER_GUARDED.sub(r"\1", text)
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def quoted(text: str) -> str:
    """The field as written: quoted when it holds a delimiter of any common locale, a line
    break or a quote, or starts or ends with a space (RFC 4180 quoting)."""
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


# What `neutralize` or `quoted` would change: a leading apostrophe, space or trigger, a
# separator, line break or quote anywhere, a trailing space. A cell with none of them (most
# cells: names, amounts, dates) is written as it is, with one search.
_ATTENTION = re.compile(r"""^['\s=+\-@]|[,;\t\r\n"]|\s$""")


def inert_cell(value: Any) -> str:
    """A cell as an export writes it: `quoted(neutralize(value))`, with the common case
    (nothing to guard or quote) decided by one search."""
    text = "" if value is None else value if value.__class__ is str else str(value)
    if _ATTENTION.search(text) is None:
        return text
    return quoted(neutralize(text))


def _exact_cell(value: Any) -> str:
    return quoted("" if value is None else str(value))


def csv_line(cells: Iterable[Any], *, exact: bool = False) -> str:
    """One CSV record (CRLF-terminated): each cell neutralized (unless `exact`: a file for a
    CRM's importer) and quoted where any common reader would split it."""
    cell = _exact_cell if exact else inert_cell
    fields = [cell(c) for c in cells]
    if fields == [""]:
        return '""\r\n'  # one empty cell, not a blank line
    return ",".join(fields) + "\r\n"


class Writer:
    """`csv.writer`'s `writerow`, with the cells made inert (see the module docstring)."""

    def __init__(self, out: IO[str], *, exact: bool = False) -> None:
        self.out = out
        self.exact = exact

    def writerow(self, cells: Iterable[Any]) -> None:
        self.out.write(csv_line(cells, exact=self.exact))


# A deals export's cells but its last two (the CRM baseline and the timeline: JSON, always
# quoted) are joined with NUL, which no stored text holds, and searched at once for what
# `inert_cell` would change in any of them: a separator, line break or quote anywhere
# (`_ANYWHERE`); an apostrophe, space or trigger at a cell's start, a space at its end
# (`_EDGES`, over the cells with a NUL before and after: a start follows a NUL, an end
# precedes one). Two searches that begin with a literal or a set run at C speed; a row
# they find anything in, or whose cells hold a NUL after all, is written cell by cell.
_ANYWHERE = re.compile(r'[,;\t\r\n"]')
_EDGES = re.compile(r"\x00(?:['\s=+\-@]|(?<=\s\x00))")
_ROWS_PER_WRITE = 1_000


def _json_cell(text: str) -> str:
    """`inert_cell` of a JSON object or list (the CRM baseline, the timeline): it never
    starts with a trigger and, holding a quote, is always quoted; only a trigger after a
    separator inside it is guarded."""
    if text[:1] not in ("{", "["):
        return inert_cell(text)
    if _INNER.search(text) is not None:
        text = _INNER.sub(r"\1'", text)
    if '"' in text or _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_deals(out: IO[str], rows: Iterable[list[Any]]) -> int:
    """The deals export: the header, then each row (its cells as text, DEAL_COLUMNS order)
    exactly as `Writer.writerow` writes it, with the common row decided by two searches and
    written a thousand rows at a time."""
    out.write(csv_line(DEAL_COLUMNS))
    separators = len(DEAL_COLUMNS) - 3
    lines: list[str] = []
    count = 0
    for cells in rows:
        plain = cells[:-2]
        try:
            joined = "\x00".join(plain)
        except TypeError:  # a value that is not text (a file edited elsewhere)
            joined = ""
        if (
            joined.count("\x00") == separators
            and _ANYWHERE.search(joined) is None
            and _EDGES.search(f"\x00{joined}\x00") is None
        ):
            head = joined.replace("\x00", ",")
        else:
            head = ",".join([inert_cell(cell) for cell in plain])
        lines.append(f"{head},{_json_cell(cells[-2])},{_json_cell(cells[-1])}\r\n")
        count += 1
        if len(lines) >= _ROWS_PER_WRITE:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
    return count

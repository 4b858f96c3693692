"""One CRM row read into typed values (`SourceRow`): which column is which field, and each
cell parsed, an error naming the row, the column and the value."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats import CUSTOM, USER_FIELDS, Format, norm
from pipeline_tui.importer.values import DateOrder, parse_day, parse_flag, parse_moment, parse_money
from pipeline_tui.limits import (
    MAX_LINE,
    MAX_NOTE,
    check_amount,
    check_currency,
    check_date,
    check_moment,
    check_note,
    check_text,
)

DATE_FIELDS = ("close", "next_due")
# Some exports (Dynamics 365) name the currency instead of giving its code.
CURRENCY_NAMES = {
    "us dollar": "USD", "euro": "EUR", "pound sterling": "GBP", "british pound": "GBP", "japanese yen": "JPY",
    "indian rupee": "INR", "canadian dollar": "CAD", "australian dollar": "AUD", "swiss franc": "CHF",
    "swedish krona": "SEK", "danish krone": "DKK", "norwegian krone": "NOK", "polish zloty": "PLN",
}  # fmt: skip
MOMENT_FIELDS = ("created", "activity", "closed_on")


@dataclass(frozen=True)
class Column:
    field: str
    index: int
    header: str
    how: str  # "auto" or "--column"


def resolve_columns(header: Sequence[str], fmt: Format, overrides: Mapping[str, str]) -> dict[str, Column]:
    """field -> column: the format's aliases, then --column FIELD=HEADER on top."""
    index = {norm(h): i for i, h in enumerate(header)}
    found: dict[str, Column] = {}
    for name, aliases in fmt.aliases.items():
        for alias in aliases:
            if norm(alias) in index:
                i = index[norm(alias)]
                found[name] = Column(name, i, header[i], "auto")
                break
    for name, wanted in overrides.items():
        if name not in USER_FIELDS:
            raise InputError(
                f"--column {name}=…: {name!r} is not a field; use one of {', '.join(USER_FIELDS)}."
            )
        if norm(wanted) not in index:
            shown = ", ".join(repr(h) for h in header[:12]) + (", …" if len(header) > 12 else "")
            raise InputError(f"--column {name}={wanted!r}: the file has no such column (it has {shown}).")
        i = index[norm(wanted)]
        found[name] = Column(name, i, header[i], "--column")
    if "title" not in found and "product" not in found:
        wanted = fmt.headers("title")[0] if fmt.headers("title") else "a title column"
        hint = "" if fmt is not CUSTOM else " (say which with --column title=HEADER)"
        raise InputError(f"The file has no {wanted!r} column, so deals would have no titles{hint}.")
    if "stage" not in found and "status" not in found:
        raise InputError(
            "The file has no stage or status column; say which with --column stage=HEADER "
            "(or --column status=HEADER)."
        )
    return found


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A CRM row as typed values (None / '' when the file has no such column or cell)."""

    number: int
    cells: tuple[str, ...]
    source_id: str
    title: str
    company: str
    contact: str
    value: int | None
    currency: str | None
    stage: str
    status: str
    won: bool | None
    closed: bool | None
    deleted: bool
    close: date | None
    next_due: date | None
    created: datetime | None
    activity: datetime | None
    closed_on: datetime | None
    next_step: str
    lost_reason: str
    competitor: str
    note: str


class RowError(InputError):
    pass


def row_error(number: int, column: str, value: str, why: str) -> RowError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return RowError(f"Row {number}, column {column!r}: {shown!r} {why}. Nothing was imported.")


def read_row(
    number: int,
    cells: list[str],
    columns: Mapping[str, Column],
    fmt: Format,
    order: DateOrder,
) -> SourceRow:
    """One row's values; a cell that is not what its column holds stops the import,
    naming the row, the column and the value."""

    def cell(name: str) -> str:
        col = columns.get(name)
        if col is None or col.index >= len(cells):
            return ""
        return cells[col.index].strip()

    def fail(name: str, value: str, why: str) -> RowError:
        col = columns.get(name)
        return row_error(number, col.header if col else name, value, why)

    def text(name: str, *, limit: int = MAX_LINE, required: bool = False) -> str:
        value = cell(name)
        try:
            return check_text(value, name, required=required, limit=limit)
        except InputError:
            if required and not value.strip():
                raise fail(name, value, "is empty: every deal needs a title") from None
            raise fail(name, value, f"is longer than {limit:,} characters or not text") from None

    title = text("title") if "title" in columns else ""
    if "product" in columns:  # a product sold to an account: the account is the company,
        title = cell("product")  # shown beside the title everywhere, so not repeated in it
    if not title.strip():
        raise fail("title", cell("title"), "is empty: every deal needs a title")
    title = text("title") if "product" not in columns else check_text(title[:MAX_LINE], "title")

    value: int | None = None
    currency: str | None = None
    if "value" in columns:
        raw = cell("value")
        value = 0
        if raw:
            try:
                if fmt.value_in_cents and columns["value"].header == "value" and re.fullmatch(r"\d+", raw):
                    value = check_amount(int(raw))
                else:
                    value, currency = parse_money(raw)
            except (ValueError, InputError):
                raise fail("value", raw, "is not an amount (e.g. 12000, 12,000.50, 1.2E+05)") from None
    code = CURRENCY_NAMES.get(norm(cell("currency")), cell("currency"))
    if code:
        try:
            currency = check_currency(code)
        except InputError:
            raise fail("currency", code, "is not a three-letter currency code") from None

    days: dict[str, date | None] = {}
    for name in DATE_FIELDS:
        raw = cell(name)
        try:
            days[name] = check_date(parse_day(raw, day_first=order.day_first), name)
        except (ValueError, OverflowError, InputError):
            raise fail(name, raw, "is not a date") from None
    moments: dict[str, datetime | None] = {}
    for name in MOMENT_FIELDS:
        raw = cell(name)
        try:
            moment = parse_moment(raw, day_first=order.day_first)
            moments[name] = check_moment(moment, name) if moment else None
        except (ValueError, OverflowError, InputError):
            raise fail(name, raw, "is not a date") from None

    status = norm(cell("status"))
    if not status and parse_flag(cell("active")) is False:
        status = "lost"  # Odoo archives a lost opportunity
    deleted_flag = parse_flag(cell("deleted")) if "deleted" in columns else None
    deleted = status in ("deleted", "archived") or deleted_flag is True or norm(cell("deleted")) == "archived"
    note = cell("note")
    try:
        check_note(note, "note")
    except InputError:
        raise fail("note", note, f"is longer than {MAX_NOTE:,} characters or not text") from None
    return SourceRow(
        number=number,
        cells=tuple(cells),
        source_id=text("id"),
        title=title,
        company=text("company"),
        contact=text("contact"),
        value=value,
        currency=currency,
        stage=cell("stage"),
        status=status,
        won=parse_flag(cell("won")),
        closed=parse_flag(cell("closed")),
        deleted=deleted,
        close=days["close"],
        next_due=days["next_due"],
        created=moments["created"],
        activity=moments["activity"],
        closed_on=moments["closed_on"],
        next_step=text("next_step"),
        lost_reason=text("lost_reason", limit=MAX_NOTE),
        competitor=text("competitor"),
        note=note,
    )


def date_samples(rows: Sequence[tuple[int, list[str]]], columns: Mapping[str, Column]):  # type: ignore[no-untyped-def]
    """(row, column header, text) of every date cell, for deciding the file's date order."""
    cols = [columns[n] for n in (*DATE_FIELDS, *MOMENT_FIELDS) if n in columns]
    for number, cells in rows:
        for col in cols:
            if col.index < len(cells) and cells[col.index].strip():
                yield number, col.header, cells[col.index]

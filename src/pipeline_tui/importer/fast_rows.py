"""The fast reader of a CRM's rows (`RowReader`): the common row (plain text, a plain or a
formatted amount, a date the file's order reads) read straight into a `SourceRow`, each
distinct cell parsed once. Anything less common (a cell that is wrong, a currency stated
twice, a column read from several) goes to `source.read_row`, which reads it the long way
and names what is wrong: the two give the same row for every file."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from pipeline_tui.errors import InputError
from pipeline_tui.importer.columns import Column, Columns
from pipeline_tui.importer.formats import Format, norm
from pipeline_tui.importer.source import (
    CURRENCY_NAMES,
    DATE_FIELDS,
    MOMENT_FIELDS,
    STRICT,
    SourceRow,
    agreed_cell,
    read_row,
)
from pipeline_tui.importer.values import (
    SHARED_SIGNS,
    AmountMarks,
    DateOrder,
    parse_day,
    parse_moment,
    parse_money,
    shared_sign,
    sign_currency,
)
from pipeline_tui.importer.words import flag
from pipeline_tui.limits import (
    MAX_LINE,
    MAX_NOTE,
    check_amount,
    check_currency,
    check_date,
    check_moment,
    plain_text,
)
from pipeline_tui.memo import Memo
from pipeline_tui.money import AMBIGUOUS, EITHER, ISO_4217, plain_amount


class _NotPlain(Exception):
    """A row the fast reader leaves to `read_row` (which names what is wrong, if anything)."""


_DIGITS = re.compile(r"\d+")


def _plain(text: str, limit: int = MAX_LINE) -> str:
    """`text` (stripped) when check_text takes it as it is, else _NotPlain."""
    if len(text) > limit or "\x00" in text or not (text.isascii() or plain_text(text, limit)):
        raise _NotPlain
    return text


# Where each field lands in a SourceRow, and its value when the file has no such cell.
_SLOTS = {name: at for at, name in enumerate(SourceRow._fields)} | {"id": 2}  # the record id: source_id
_EMPTY = (
    None, None, "", "", "", "", None, None, "", "", None, None, None, "", None, False, None, None, None, None,
    None, None, "", "", "", "", "", "", "",
)  # fmt: skip
_make_row = tuple.__new__
_LINE_TEXTS = ("id", "company", "contact", "next_step", "competitor")
_NOTE_TEXTS = ("lost_reason", "won_reason", "note")


class RowReader:
    """`read_row`, set up once per file: the fields the file has, each with the column it
    is read from and its parser (a field the file lacks costs nothing), and each parsed value
    remembered per distinct text. A row that is not plain (a value to refuse, two columns
    that could disagree, a cell missing) is read by `read_row` itself, so every message names
    the row, the column and the value exactly as it does."""

    def __init__(
        self,
        columns: Columns,
        fmt: Format,
        order: DateOrder,
        *,
        fixed_currency: str | None = None,
        amounts: AmountMarks | None = None,
        home: str | None = None,
    ) -> None:
        self.columns, self.fmt, self.order, self.fixed = columns, fmt, order, fixed_currency
        self.home = home
        self.amounts = amounts  # the amount cells read before (by the pass's sampling)
        every = [c.index for c in columns.first.values()]
        every += [o.index for others in columns.others.values() for o in others]
        self.width = max(every, default=-1) + 1
        value = columns.get("value")
        self.header_currency = value.currency if value is not None else None
        self.money = Memo(self._value)
        self.codes = Memo(self._code)
        day_first = order.day_first
        deleted = Memo(lambda text: flag(norm(text)) is True or norm(text) in ("archived", "deleted"))
        # field -> (what its text becomes, the value of an empty cell)
        parsers: dict[str, Callable[[str], Any]] = {
            **{name: _plain for name in _LINE_TEXTS},
            **{name: partial(_plain, limit=MAX_NOTE) for name in _NOTE_TEXTS},
            **{name: Memo(partial(_day, name=name, day_first=day_first)).__getitem__ for name in DATE_FIELDS},
            **{
                name: Memo(partial(_moment, name=name, day_first=day_first)).__getitem__
                for name in MOMENT_FIELDS
            },
            "won": Memo(_strict_flag).__getitem__,
            "closed": Memo(_strict_flag).__getitem__,
            "lost": Memo(_strict_flag).__getitem__,
            "active": Memo(flag).__getitem__,
            "deleted": deleted.__getitem__,
            "semantic": str.upper,
            "period": norm,
        }
        if fmt.stage_prefix:
            parsers["stage"] = Memo(lambda text: re.sub(fmt.stage_prefix, "", text)).__getitem__
        special = {"title", "product", "value", "currency"}
        fields = [name for name in columns.first if name not in special and name in _SLOTS]
        # (slot, column) of the fields read from one column, (slot, field) of those from several
        self.direct = tuple((_SLOTS[n], columns[n].index) for n in fields if n not in columns.others)
        self.several = tuple((_SLOTS[n], n) for n in fields if n in columns.others)
        self.parsed = tuple((_SLOTS[n], parsers[n], _EMPTY[_SLOTS[n]]) for n in fields if n in parsers)
        self.title = "title" in columns
        self.product = "product" in columns
        self.value = "value" in columns
        self.currency = "currency" in columns
        self.in_cents = fmt.value_in_cents

        def alone(name: str) -> int:  # the column a field is read from alone, or -1
            return columns[name].index if name in columns and name not in columns.others else -1

        self.title_at = alone("title") if not self.product else -1
        self.value_at, self.currency_at = alone("value"), alone("currency")

    def _code(self, text: str) -> str:
        """A currency cell's code; what `read_row` says more of (the CRM's unnamed default
        currency, a code that is no currency) is left to it."""
        if text.strip() in self.fmt.default_currency:
            raise _NotPlain
        code = check_currency(CURRENCY_NAMES.get(norm(text), text))
        if code not in ISO_4217:
            raise _NotPlain
        return code

    def _value(self, text: str) -> tuple[int, str | None]:
        if self.fmt.value_in_cents and _DIGITS.fullmatch(text):
            return check_amount(int(text)), None
        if self.amounts is not None:
            got = self.amounts.amount(text)
            if got is not None and (got.mark[:1] != EITHER or self.order.decimal_comma is None):
                return got.minor, got.currency
        return parse_money(text, self.order.decimal_comma)

    def read(self, number: int, cells: list[str]) -> SourceRow:
        """The row's values (an InputError naming the row, the column and the value when a
        cell is not what its column holds)."""
        if len(cells) >= self.width:
            try:
                return self._read(number, cells)
            except (_NotPlain, InputError, ValueError, OverflowError):
                pass
        return read_row(
            number, cells, self.columns, self.fmt, self.order, fixed_currency=self.fixed, home=self.home
        )

    def _text(self, number: int, name: str, cells: list[str]) -> str:
        if name in self.columns.others:
            return _cell_of(number, name, self.columns, cells)
        return cells[self.columns[name].index].strip()

    def _read(self, number: int, cells: list[str]) -> SourceRow:
        values: list[Any] = list(_EMPTY)
        values[0] = number
        values[1] = cells
        for at, index in self.direct:
            values[at] = cells[index].strip()
        for at, name in self.several:
            values[at] = _cell_of(number, name, self.columns, cells)
        for at, parse, empty in self.parsed:
            text = values[at]
            values[at] = parse(text) if text else empty
        at = self.title_at
        title = cells[at].strip() if at >= 0 else self._title(number, cells)
        if (
            not title
            or len(title) > MAX_LINE
            or "\x00" in title
            or not (title.isascii() or plain_text(title))
        ):
            raise _NotPlain
        values[3] = title
        currency: str | None = None
        could: tuple[str, ...] = ()  # the currencies a shared sign ('$', '¥') may be
        if self.value:
            at = self.value_at
            text = cells[at].strip() if at >= 0 else self._text(number, "value", cells)
            value = 0
            if text:
                plain = None if self.in_cents else plain_amount(text)
                if plain is not None:
                    value = plain
                else:
                    value, currency = self.money[text]
                    if currency in SHARED_SIGNS:
                        could = shared_sign(text, currency)
            values[6] = value
            if self.header_currency:
                if (
                    currency is not None
                    and currency != self.header_currency
                    and self.fixed is None
                    and self.header_currency not in AMBIGUOUS.get(currency, ())
                    and self.header_currency not in could
                ):
                    raise _NotPlain
                currency, could = self.header_currency, ()
        if self.currency:
            at = self.currency_at
            text = cells[at].strip() if at >= 0 else self._text(number, "currency", cells)
            if text:
                code = self.codes[text]
                if (
                    currency is not None
                    and currency != code
                    and self.fixed is None
                    and code not in AMBIGUOUS.get(currency, ())
                    and code not in could
                ):
                    raise _NotPlain
                currency, could = code, ()
        if could:
            currency = sign_currency(could, self.home)
        if self.fixed is not None:
            currency = self.fixed
        elif currency in AMBIGUOUS:  # "kr" and nothing saying whose: the pipeline's, or refused
            if self.home not in AMBIGUOUS[currency]:
                raise _NotPlain
            currency = self.home
        values[7] = currency
        return _make_row(SourceRow, values)  # SourceRow._make, without its Python frame

    def _title(self, number: int, cells: list[str]) -> str:
        """The title read from several columns, or a product's name (checked by the caller)."""
        if not self.product:
            return self._text(number, "title", cells)
        if self.title:
            _plain(self._text(number, "title", cells))
        title = self._text(number, "product", cells)
        if not title:
            raise _NotPlain
        return title[:MAX_LINE].strip()


def _cell_of(number: int, name: str, columns: Columns, cells: list[str]) -> str:
    """A field read from every column that could hold it (see `read_row`)."""

    def raw(col: Column) -> str:
        return cells[col.index].strip() if col.index < len(cells) else ""

    value = raw(columns[name])
    others = columns.others.get(name, ())
    if others and name in STRICT:
        return agreed_cell(number, name, columns, cells, value)
    return value or next((raw(o) for o in others if raw(o)), "")


def _day(text: str, name: str, day_first: bool) -> date | None:
    return check_date(parse_day(text, day_first=day_first), name)


def _moment(text: str, name: str, day_first: bool) -> datetime | None:
    moment = parse_moment(text, day_first=day_first)
    return check_moment(moment, name) if moment else None


def _strict_flag(text: str) -> bool:
    value = flag(text)
    if value is None:
        raise _NotPlain
    return value

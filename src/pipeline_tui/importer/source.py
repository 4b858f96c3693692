"""One CRM row read into typed values (`SourceRow`): each cell of the columns `columns`
found parsed, an error naming the row, the column and the value.

Where the file states something twice it must agree with itself: two columns that could be
the same field (two "Amount" columns, two "Deal - Status") are compared row by row and a
disagreement stops the import, naming both and the `--column` line that settles it; a
currency written in the amount ("€5,000"), in its header ("Amount (€)") and in a currency
column must be one currency, or the row is refused naming both."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any, NamedTuple

from pipeline_tui.display import quoted
from pipeline_tui.errors import InputError
from pipeline_tui.importer.columns import Column, Columns
from pipeline_tui.importer.formats import Format, norm
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
    check_note,
    check_text,
    plain_text,
)
from pipeline_tui.memo import Memo
from pipeline_tui.money import ACCEPTED, AMBIGUOUS, EITHER, ISO_4217, AmountError, plain_amount

DATE_FIELDS = ("close", "next_due")
MOMENT_FIELDS = ("created", "activity", "closed_on", "lost_date")
# Fields a file must state once: two columns for one of these must agree on every row.
STRICT = frozenset(
    {"title", "value", "currency", "stage", "status", "id", "won", "closed", "lost", "semantic"}
)
# Some exports (Dynamics 365) name the currency instead of giving its code.
CURRENCY_NAMES = {
    "us dollar": "USD", "euro": "EUR", "pound sterling": "GBP", "british pound": "GBP", "japanese yen": "JPY",
    "indian rupee": "INR", "canadian dollar": "CAD", "australian dollar": "AUD", "swiss franc": "CHF",
    "swedish krona": "SEK", "danish krone": "DKK", "norwegian krone": "NOK", "polish zloty": "PLN",
    # The same names as a CRM writes them in German, French, Spanish, Portuguese (CLDR's names).
    "us-dollar": "USD", "schweizer franken": "CHF", "britisches pfund": "GBP", "pfund sterling": "GBP",
    "japanischer yen": "JPY", "dollar des états-unis": "USD", "dollar américain": "USD",
    "franc suisse": "CHF", "livre sterling": "GBP", "dólar estadounidense": "USD", "franco suizo": "CHF",
    "libra esterlina": "GBP",
    "dólar americano": "USD", "real brasileiro": "BRL", "franco suíço": "CHF", "peso mexicano": "MXN",
}  # fmt: skip


class SourceRow(NamedTuple):
    """A CRM row as typed values (None / '' when the file has no such column or cell)."""

    number: int
    cells: Sequence[str]
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
    lost: bool | None
    semantic: str
    active: bool | None
    deleted: bool
    close: date | None
    next_due: date | None
    created: datetime | None
    activity: datetime | None
    closed_on: datetime | None
    lost_date: datetime | None
    next_step: str
    lost_reason: str
    won_reason: str
    competitor: str
    lost_at: str
    period: str
    note: str


class RowError(InputError):
    pass


def row_error(number: int, column: str, value: str, why: str) -> RowError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return RowError(f"Row {number}, column {column!r}: {quoted(shown)} {why}. Nothing was imported.")


def read_row(
    number: int,
    cells: list[str],
    columns: Columns,
    fmt: Format,
    order: DateOrder,
    *,
    fixed_currency: str | None = None,
    home: str | None = None,
) -> SourceRow:
    """One row's values; a cell that is not what its column holds stops the import,
    naming the row, the column and the value. `fixed_currency`: the currency every amount is
    in (a company-currency amount taken with --column); `home`: the pipeline's currency (what
    a '$' is when nothing says which dollar, if it is one)."""

    def raw(col: Column | None) -> str:
        if col is None or col.index >= len(cells):
            return ""
        return cells[col.index].strip()

    def cell(name: str) -> str:
        value = raw(columns.get(name))
        others = columns.others.get(name, ())
        if others and name in STRICT:
            return _agreed(number, name, columns, cells, value)
        # Several columns for one moment, one per kind of deal (Pipedrive's won time for a
        # won deal, lost time for a lost one): the first one filled.
        return value or next((raw(o) for o in others if raw(o)), "")

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
            raise fail(name, value, _not_text(value, limit)) from None

    title = text("title") if "title" in columns else ""
    if "product" in columns:  # a product sold to an account: the account is the company,
        title = cell("product")  # shown beside the title everywhere, so not repeated in it
    if not title.strip():
        raise fail("title", cell("title"), "is empty: every deal needs a title")
    title = text("title") if "product" not in columns else check_text(title[:MAX_LINE], "title")

    value, currency = _money(
        number, cells, columns, fmt, cell, fail, fixed_currency, order.decimal_comma, home
    )

    days: dict[str, date | None] = {}
    for name in DATE_FIELDS:
        value_text = cell(name)
        try:
            days[name] = check_date(parse_day(value_text, day_first=order.day_first), name)
        except (ValueError, OverflowError, InputError):
            raise fail(name, value_text, "is not a date") from None
    moments: dict[str, datetime | None] = {}
    for name in MOMENT_FIELDS:
        value_text = cell(name)
        try:
            moment = parse_moment(value_text, day_first=order.day_first)
            moments[name] = check_moment(moment, name) if moment else None
        except (ValueError, OverflowError, InputError):
            raise fail(name, value_text, "is not a date") from None

    deleted_text = norm(cell("deleted"))
    deleted = flag(deleted_text) is True or deleted_text in ("archived", "deleted")
    note = cell("note")
    try:
        check_note(note, "note")
    except InputError:
        raise fail("note", note, _not_text(note, MAX_NOTE)) from None
    stage = cell("stage")
    if fmt.stage_prefix:
        stage = re.sub(fmt.stage_prefix, "", stage)
    return SourceRow(
        number=number,
        cells=tuple(cells),
        source_id=text("id"),
        title=title,
        company=text("company"),
        contact=text("contact"),
        value=value,
        currency=currency,
        stage=stage,
        status=cell("status"),
        won=_flag(cell("won"), "won", fail),
        closed=_flag(cell("closed"), "closed", fail),
        lost=_flag(cell("lost"), "lost", fail),
        semantic=cell("semantic").upper(),
        active=flag(cell("active")),
        deleted=deleted,
        close=days["close"],
        next_due=days["next_due"],
        created=moments["created"],
        activity=moments["activity"],
        closed_on=moments["closed_on"],
        lost_date=moments["lost_date"],
        next_step=text("next_step"),
        lost_reason=text("lost_reason", limit=MAX_NOTE),
        won_reason=text("won_reason", limit=MAX_NOTE),
        competitor=text("competitor"),
        lost_at=cell("lost_at"),
        period=norm(cell("period")),
        note=note,
    )


def _agreed(number: int, name: str, columns: Columns, cells: list[str], value: str) -> str:
    """The one value the columns that could hold `name` give (empty ones aside), or an error
    naming both columns and both values."""
    first = columns[name]
    for other in columns.others[name]:
        theirs = cells[other.index].strip() if other.index < len(cells) else ""
        if not theirs:
            continue
        if not value:
            value = theirs
            continue
        if norm(theirs) != norm(value):
            fix = f"--column {name}=#{first.index + 1}"
            raise InputError(
                f"Row {number}: two columns could be the {name}, and they disagree: {first.where} has "
                f"{value!r}, {other.where} has {theirs!r}. Say which is the {name} with {fix} "
                f"(or #{other.index + 1}). Nothing was imported."
            )
    return value


Fail = Callable[[str, str, str], RowError]


def _flag(text: str, name: str, fail: Fail) -> bool | None:
    if not text:
        return None
    value = flag(text)
    if value is None:
        raise fail(name, text, "is not a yes or a no (true / false, yes / no, 1 / 0)")
    return value


def _money(
    number: int,
    cells: list[str],
    columns: Columns,
    fmt: Format,
    get: Callable[[str], str],
    err: Fail,
    fixed: str | None,
    decimal_comma: bool | None,
    home: str | None = None,
) -> tuple[int | None, str | None]:
    """The amount and its currency, read from everywhere the row states them: the amount's
    own symbol or code, its header, the currency column. Two that disagree stop the import.
    A sign several currencies write ('$', '¥') agrees with any of them."""
    value: int | None = None
    said: list[tuple[str, str, str]] = []  # (currency, where, as written)
    could: tuple[str, ...] = ()  # the currencies the amount's shared sign may be
    column = columns.get("value")
    if column is not None:
        text = get("value")
        value = 0
        if text:
            try:
                if fmt.value_in_cents and re.fullmatch(r"\d+", text):
                    value = check_amount(int(text))
                else:
                    value, symbol = parse_money(text, decimal_comma)
                    could = shared_sign(text, symbol)
                    if symbol and not could:
                        said.append((symbol, column.where, text))
            except AmountError as exc:
                raise err("value", text, exc.why) from None
            except (ValueError, InputError):
                raise err("value", text, f"is not an amount; {ACCEPTED}") from None
        if column.currency:
            said.append((column.currency, f"the header {column.header!r}", ""))
    code_text = get("currency")
    if code_text and code_text.strip() not in fmt.default_currency:  # -99: the CRM's own, unnamed
        code = CURRENCY_NAMES.get(norm(code_text), code_text)
        try:
            checked = check_currency(code)
        except InputError:
            why = "is not a three-letter currency code"
            raise err(
                "currency", code_text, f"{why}; {fmt.currency_ids}" if fmt.currency_ids else why
            ) from None
        if checked not in ISO_4217:  # NetSuite's 'USA', a typo: never a currency of its own
            raise err("currency", code_text, "is not a currency code (ISO 4217, such as USD, EUR or GBP); "
                      "write the code in the file")  # fmt: skip
        said.append((checked, columns["currency"].where, code_text))
    if fixed is not None:
        said = [(fixed, "the company's currency (your own)", fixed)]

    def says(code: str, where: str, text: str) -> str:
        if code in AMBIGUOUS:
            return f"{where} says {text!r} ({' / '.join(AMBIGUOUS[code])})"
        return f"{where} says {text!r} ({code})" if text else f"{where} says {code}"

    codes = {code for code, _, _ in said if code not in AMBIGUOUS}
    if could and column is not None and fixed is None:
        given = next((c for c, _, _ in said if c not in AMBIGUOUS), None)  # the first stated
        if given is not None and given not in could:
            other = next(s for s in said if s[0] == given)
            raise InputError(
                f"Row {number}: the amount's currency is stated twice and disagrees: {column.where} says "
                f"{get('value')!r} ({' / '.join(could)}), {says(*other)}. Fix the file, or say which column "
                "is the currency with --column currency=HEADER. Nothing was imported."
            )
        if given is None:  # nothing else says: the sign's currency (the pipeline's, if it writes it)
            said.append((sign_currency(could, home), column.where, get("value")))
            codes = {said[-1][0]}
    if len(codes) > 1:
        first = next(s for s in said if s[0] not in AMBIGUOUS)
        other = next(s for s in said if s[0] not in AMBIGUOUS and s[0] != first[0])
        raise InputError(
            f"Row {number}: the amount's currency is stated twice and disagrees: {says(*first)}, "
            f"{says(*other)}. Fix the file, or say which column is the currency with --column "
            "currency=HEADER. Nothing was imported."
        )
    for stated in said:
        if stated[0] not in AMBIGUOUS:
            continue
        if not codes and home in AMBIGUOUS[stated[0]]:  # "kr" in a pipeline kept in kronor
            codes = {home}
            continue
        if not codes:  # "kr 1 234,50" and nothing else saying whose krona
            whose = ", ".join(AMBIGUOUS[stated[0]])
            fix = (
                f"is in kronor or kroner ({whose}) and nothing in the file says which; name the column that "
                "holds the currency with --column currency=HEADER"
                if "currency" not in columns
                else f"is in kronor or kroner ({whose}) and this row's {columns['currency'].header!r} is "
                "empty: fill it in"
            )
            if stated[2]:
                raise err("value", stated[2], fix + " (or write the code in the amount, e.g. SEK 1 234,50)")
            raise InputError(
                f"Row {number}: {stated[1]} says {stated[0]}: the amount {fix}. Nothing was imported."
            )
        code = next(iter(codes))
        if code not in AMBIGUOUS[stated[0]]:
            first = next(s for s in said if s[0] == code)
            raise InputError(
                f"Row {number}: the amount's currency is stated twice and disagrees: {says(*stated)}, "
                f"{says(*first)}. Fix the file, or say which column is the currency with --column "
                "currency=HEADER. Nothing was imported."
            )
    return value, (next(iter(codes)) if codes else None)


def _not_text(value: str, limit: int) -> str:
    """Why a cell is not the text its field holds, and the fix."""
    if len(value.strip()) > limit:
        size = len(value.strip())
        return f"is {size:,} characters long, more than the {limit:,} it may hold: shorten it in the file"
    if any("\ud800" <= c <= "\udfff" for c in value):  # bytes the file's encoding could not read
        return "holds bytes that are not text in the file's encoding: import it with --encoding NAME"
    return "holds characters that are not text (a NUL): remove them from the cell"


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
        return _agreed(number, name, columns, cells, value)
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

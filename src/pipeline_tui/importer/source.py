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
from typing import NamedTuple

from pipeline_tui.display import quoted
from pipeline_tui.errors import InputError
from pipeline_tui.importer.columns import Column, Columns
from pipeline_tui.importer.formats import Format, norm
from pipeline_tui.importer.values import (
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
)
from pipeline_tui.money import ACCEPTED, AMBIGUOUS, ISO_4217, AmountError

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
            return agreed_cell(number, name, columns, cells, value)
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


def agreed_cell(number: int, name: str, columns: Columns, cells: list[str], value: str) -> str:
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

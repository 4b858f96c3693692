"""Cell values as CRMs and spreadsheets write them: dates, moments, amounts, yes/no.

Each parser raises ValueError for text it cannot read; the caller names the row, column
and value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from pipeline_tui.dates import MONTHS
from pipeline_tui.display import quoted
from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_MINOR
from pipeline_tui.money import (
    COMMA,
    EITHER,
    ISO_4217,
    KRONA,
    POINT,
    Amount,
    AmountError,
    minor_to_decimal_str,
    plain_amount,
    read_amount,
    read_formatted,
    too_precise,
)

# Excel counts days from 1899-12-30. A serial is read as a date only in a date column and
# only between these years: 2024 in a date column is a typo, not 16 July 1905.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_FIRST, EXCEL_LAST = date(1980, 1, 1), date(2100, 12, 31)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_YEAR_FIRST = re.compile(
    r"^(\d{4})([/.])\s?(\d{1,2})\2\s?(\d{1,2})\.?$"
)  # 2026/02/03 (ja, zh), 2026. 02. 03. (hu)
# A two-digit year as spreadsheets read it (Excel, LibreOffice): 00-29 is 20xx, 30-99 19xx.
CENTURY_PIVOT = 30
# Month names in the languages the CRMs export in (English is `MONTHS`): full and as
# abbreviated, without the abbreviation's point.
FOREIGN_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "januar jänner jän jaen janvier janv enero ene janeiro gennaio gen januari",
            "februar feber février fevrier févr fevr febrero febr fevereiro fev febbraio februari",
            "märz mär maerz mrz mars marzo março marco maart mrt",
            "avril avr abril abr aprile",
            "mai mayo maio maggio mag mei",
            "juni juin junio junho giugno giu",
            "juli juil juillet julio julho luglio lug",
            "august août aout agosto ago augustus",
            "setembro set settembre septiembre setiembre septembre",
            "oktober okt octobre octubre outubro out ottobre ott",
            "novembre noviembre novembro",
            "dezember dez décembre decembre déc dec diciembre dic dezembro dicembre",
        ),
        start=1,
    )
    for name in names.split()
}
# 12 janv. 2026, 3. März 2026, 12 de enero de 2026, 3 maart 2026
_NAMED_FOREIGN = re.compile(r"^(\d{1,2})\.?\s+(?:de\s+)?([^\W\d_]{3,10})\.?\s+(?:de\s+)?(\d{4})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_NAMED_MD = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")  # Jun 30, 2024
_NAMED_DM = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th|er)?\.?[\s-]+(?:de\s+)?([^\W\d_]{3,10})\.?,?[\s-]+(?:de\s+)?(\d{4}|\d{2})$"
)  # 30 Jun 2024, 18-Dez-26 (Excel's d-mmm-yy in its UI's language), 1er mars 2026
_CLOCK = re.compile(
    r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?(?:\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?$"
)
_SPLIT = re.compile(r"^(.+?)(?:[T ]|,\s*|\s+)(\d{1,2}:\d{2}.*)$")
_SPREADSHEET_NUMBER = re.compile(r"^\+?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$")
# How far (in cents) a spreadsheet's float may be from whole cents and still be cents: its
# last binary digits ("1234.5600000000001"), never a real fraction of a cent ("2000.9999").
FLOAT_SLACK = Decimal("0.0001")


@dataclass(frozen=True)
class DateOrder:
    """How a file's d/m/y dates are read, and what the user is told about it; and how its
    amounts written "1,250" or "1.250" are (`DecimalMark.comma`, decided as the dates are)."""

    day_first: bool
    notice: str = ""
    decimal_comma: bool | None = None


def slashed(text: str) -> tuple[int, int] | None:
    """The two leading numbers of a 05/06/2026-style date (with or without a time)."""
    head = _SPLIT.match(text.strip())
    m = _NUMERIC.match(head[1] if head else text.strip())
    if m is None or m[2] == ".":  # 31.01.2027 is always day first
        return None
    return int(m[1]), int(m[3])


def decide_order(
    samples: Iterable[tuple[int, str, str]], *, explicit: bool | None, setting: bool
) -> DateOrder:
    """The order of a file's d/m/y dates from what its own dates prove: a first number
    above 12 proves day-first, a second one month-first; both in one file is refused,
    naming a row of each. When nothing proves it, the user's word (--day-first or
    --month-first) or the setting decides, and the import says which it used."""
    day_row = month_row = None
    ambiguous: tuple[int, str] | None = None
    for number, column, text in samples:
        pair = slashed(text)
        if pair is None:
            continue
        first, second = pair
        if first > 12 and day_row is None:
            day_row = (number, column, text)
        elif second > 12 and month_row is None:
            month_row = (number, column, text)
        elif first <= 12 and second <= 12 and first != second and ambiguous is None:
            ambiguous = (number, text)
    if day_row and month_row:
        raise InputError(
            f"The file's dates contradict each other: row {day_row[0]} has {quoted(day_row[2])} in "
            f"{day_row[1]!r} (day first) but row {month_row[0]} has {quoted(month_row[2])} in "
            f"{month_row[1]!r} (month first). Nothing was imported."
        )
    if day_row or month_row:
        return DateOrder(bool(day_row))
    if explicit is not None:
        return DateOrder(explicit)
    if ambiguous is None:
        return DateOrder(setting)
    number, text = ambiguous
    first, second = slashed(text) or (0, 0)
    if setting:
        read = date(2000, second, first)
        order, other = "day first", "--month-first"
    else:
        read = date(2000, first, second)
        order, other = "month first", "--day-first"
    return DateOrder(
        setting,
        f"Every d/m/y date in the file could be read either way (row {number}: {text!r}); "
        f"read them {order} ({text.split()[0]} = {read.day} {read:%B}), as the day_first setting says. "
        f"If that is wrong, import again with {other}.",
    )


def parse_day(text: str, *, day_first: bool, serials: bool = True) -> date | None:
    """A date as CRMs and spreadsheets write it: 2024-06-30, 6/30/2024, 30/06/2024,
    30.06.2024, Jun 30, 2024, 30 Jun 2024, or an Excel serial (45473); a time after it is
    ignored. None for an empty cell; ValueError for anything else."""
    moment = parse_moment(text, day_first=day_first, serials=serials)
    if moment is None:
        return None
    return moment.date()


def parse_moment(text: str, *, day_first: bool, serials: bool = True) -> datetime | None:
    """A moment: ISO with or without time and zone (2024-06-30T10:15:00Z), or any date
    parse_day reads with an optional time after it (6/30/2024 10:15 AM). A moment with a
    zone keeps it; one without is local time."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    if serials and _SERIAL.match(text):
        whole, _, fraction = text.partition(".")
        day = EXCEL_EPOCH + timedelta(days=int(whole))
        if not EXCEL_FIRST <= day <= EXCEL_LAST:
            raise ValueError("a number out of the range of dates")
        seconds = round(float("0." + fraction) * 86_400) if fraction else 0
        return datetime.combine(day, time()) + timedelta(seconds=seconds)
    head = _SPLIT.match(text)
    day_text, clock = (head[1].strip(), head[2]) if head else (text, "")
    day = _day_only(day_text, day_first=day_first)
    if not clock:
        return datetime.combine(day, time())
    m = _CLOCK.match(clock.strip())
    if m is None:
        raise ValueError("not a time")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise ValueError("not a time")
        hour = hour % 12 + (12 if m[4].lower() == "pm" else 0)
    moment = datetime.combine(day, time(hour, minute, second))
    if m[5]:
        zone = m[5].upper()
        offset = "+00:00" if zone in ("Z", "UTC", "GMT") else zone[:3] + ":" + zone[-2:]
        moment = datetime.fromisoformat(moment.isoformat() + offset)
    return moment


def full_year(year: int) -> int:
    """A two-digit year as spreadsheets read it (see CENTURY_PIVOT); any other as it is."""
    if year >= 100:
        return year
    return year + (2000 if year < CENTURY_PIVOT else 1900)


def short_year(text: str) -> bool:
    """Whether a date cell writes its year in two digits (15/03/98, 30 Jun 98)."""
    head = _SPLIT.match(text.strip())
    day = head[1].strip() if head else text.strip()
    m = _NUMERIC.match(day) or _NAMED_DM.match(day)
    return m is not None and len(m.groups()[-1]) == 2


def _day_only(text: str, *, day_first: bool) -> date:
    m = _ISO.match(text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _NUMERIC.match(text)
    if m:
        a, b, year = int(m[1]), int(m[3]), full_year(int(m[4]))
        month, day = (b, a) if day_first or m[2] == "." else (a, b)
        return date(year, month, day)
    m = _YEAR_FIRST.match(text)
    if m:
        return date(int(m[1]), int(m[3]), int(m[4]))
    m = _NAMED_MD.match(text)
    if m and m[1].lower() in MONTHS:
        return date(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    m = _NAMED_DM.match(text)
    if m and (named := MONTHS.get(m[2].lower()) or FOREIGN_MONTHS.get(m[2].lower())):
        return date(full_year(int(m[3])), named, int(m[1]))
    m = _NAMED_FOREIGN.match(text)
    if m and (m[2].lower() in FOREIGN_MONTHS or m[2].lower() in MONTHS):
        return date(int(m[3]), FOREIGN_MONTHS.get(m[2].lower()) or MONTHS[m[2].lower()], int(m[1]))
    raise ValueError("not a date")


def parse_money(text: str, decimal_comma: bool | None = None) -> tuple[int, str | None]:
    """(minor units, currency code, KRONA or None) for an amount cell (`read_cell`); one
    written "1,250" or "1.250" is read as `decimal_comma` says (see `read_amount`).
    ValueError (an AmountError) names what is wrong and what would be read."""
    amount = read_cell(text)
    if amount.mark[:1] == EITHER and decimal_comma is not None:
        amount = read_amount(text.strip(), decimal_comma)
    return amount.minor, amount.currency


def read_cell(text: str) -> Amount:
    """An amount cell as it reads when nothing says the file's decimal mark, and what it says
    of that mark (`Amount.mark`). Besides what people type ('$12,000.50', 'EUR 1.234,50',
    '12k') and what spreadsheets in common locales write ('R$ 1.234.567,89', '1 234,56 zł',
    '₹12,34,567.00'), float artefacts ('1234.5600000000001') and scientific notation
    ('1.2E+05'), taken to cents when they are cents but for the float's last digits."""
    text = text.strip()
    plain = plain_amount(text)
    if plain is not None:
        return Amount(plain, None, POINT if "." in text else "")
    m = _SPREADSHEET_NUMBER.match(text)
    if m and (m[3] is not None or (m[2] is not None and len(m[2]) > 3)):
        try:
            exact = Decimal(text.lstrip("+")) * 100
        except InvalidOperation:
            raise ValueError("not an amount") from None
        if not exact.is_finite() or abs(exact) >= MAX_MINOR:  # '1e309': before quantize overflows
            raise AmountError(text, "is too large for a deal value")
        cents = exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        if abs(exact - cents) > FLOAT_SLACK:
            raise AmountError(text, too_precise((cents / 100).quantize(Decimal("0.01"))))
        if cents >= MAX_MINOR:
            raise AmountError(text, "is too large for a deal value")
        return Amount(int(cents), None, POINT if "." in text else "")
    try:
        return read_formatted(text)
    except AmountError:
        raise
    except InputError as exc:
        raise AmountError(text, "is not an amount", str(exc)) from None


def amount_mark(text: str) -> str:
    """What an amount cell says of its file's decimal mark: POINT or COMMA when it can be
    read only one way ('2,500.75', '3.500,00', '12.50'), EITHER and its mark when it could be
    read either way ('?,' for '1,250'), '' when it says nothing (or is not an amount)."""
    try:
        return read_cell(text).mark
    except (ValueError, InputError):
        return ""


@dataclass(frozen=True)
class DecimalMark:
    """How a file's "1,250"-like amounts are read (`read_amount`), and what the user is told."""

    comma: bool | None
    notice: str = ""


_UNSEEN: Any = object()


# Signs several currencies write, by the code a bare sign reads as: the others it may be
# (the first, the code it reads as, when nothing says; the pipeline's own when it is one).
SHARED_SIGNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "USD": ("$", ("USD", "AUD", "CAD", "NZD", "SGD", "HKD", "MXN", "TWD", "ARS", "CLP", "COP")),
    "JPY": ("¥￥", ("JPY", "CNY")),
    "GBP": ("£", ("GBP", "EGP", "LBP", "SYP", "SDG", "GIP", "FKP", "SHP")),
}
# What names the currency beside a sign: a country's letters before it ('US$', 'JP¥'), a
# code ('USD 5'), the yen's or yuan's own character; not a multiplier ('$1.2mm', '$2bn').
_PREFIXED_SIGN = re.compile(r"[A-Za-z]{1,2}[$¥￥£]|[円元]")
_WORD = re.compile(r"[A-Za-z]{3}")
_NAMING = re.compile(r"[A-Za-z円元]")


def shared_sign(text: str, code: str | None) -> tuple[str, ...]:
    """The currencies an amount could be in when its only sign of one is a sign several
    write ('$', '¥') and nothing in it names which; () otherwise."""
    entry = SHARED_SIGNS.get(code or "")
    if entry is None or not any(sign in text for sign in entry[0]):
        return ()
    if _NAMING.search(text) is None:  # '$12,345.00': no letter at all (the common cell)
        return entry[1]
    if _PREFIXED_SIGN.search(text) or any(word.group().upper() in ISO_4217 for word in _WORD.finditer(text)):
        return ()
    return entry[1]


def sign_currency(could: tuple[str, ...], home: str | None) -> str:
    """What a shared sign is read as when nothing else in the row says: the pipeline's own
    currency when it writes that sign ('$' for an AUD pipeline), else the sign's first."""
    return home if home is not None and home in could else could[0]


class AmountMarks:
    """What a file's amount cells say of its decimal mark, seen as the rows pass: the first
    row proving a point, the first proving a comma, and how many amounts could be read either
    way. Each distinct text is read once (`read_cell`), and the row reader takes what was
    read from here (`amount`)."""

    def __init__(self, limit: int = 50_000) -> None:
        self.cells: dict[str, Amount | None] = {}  # None: not an amount (the reader says why)
        self.limit = limit
        self.first: dict[str, tuple[int, str, str]] = {}  # mark -> (row, column, text)
        self.either = 0
        self.either_marks: set[str] = set()  # the marks of those: ',' for "1,250", '.' for "1.250"
        self.shared: tuple[int, str, str] | None = None  # the first amount with a shared sign ('$')

    def differ(self, one: bool | None, other: bool | None) -> bool:
        """Whether an amount seen reads otherwise with `decimal_comma` `one` than `other`: "1,250"
        is a decimal only with True, "1.250" only with False."""
        return ("," in self.either_marks and (one is True) != (other is True)) or (
            "." in self.either_marks and (one is False) != (other is False)
        )

    def amount(self, text: str) -> Amount | None:
        """The cell as `read_cell` reads it; None when it is not an amount."""
        try:
            return self.cells[text]
        except KeyError:
            pass
        if len(self.cells) >= self.limit:
            self.cells.clear()
        try:
            got: Amount | None = read_cell(text)
        except (ValueError, InputError):
            got = None
        self.cells[text] = got
        return got

    def see(self, number: int, column: str, text: str) -> None:
        got = self.cells.get(text, _UNSEEN)
        if got is _UNSEEN:
            if plain_amount(text) is not None:  # most amounts: no need to remember them
                if "." in text and POINT not in self.first:
                    self.first[POINT] = (number, column, text)
                return
            got = self.amount(text)
        if got is None:
            return
        if self.shared is None and (
            got.currency == KRONA or (got.currency in SHARED_SIGNS and shared_sign(text, got.currency))
        ):
            self.shared = (number, column, text.strip())
        if not got.mark:
            return
        mark = got.mark
        if mark[:1] == EITHER:
            self.either += 1
            self.either_marks.add(mark[1:])
            mark = EITHER
        if mark not in self.first:
            self.first[mark] = (number, column, text.strip())


def _read_as(text: str, comma: bool | None) -> str:
    """ "'1,250' = 1.25": how an amount is read (only '1,250' when it cannot be: the row that
    holds it is refused when it is read so)."""
    try:
        return f"{text!r} = {minor_to_decimal_str(read_amount(text, comma).minor)}"
    except InputError:
        return repr(text)


def decide_decimal(marks: AmountMarks, *, explicit: bool | None) -> DecimalMark:
    """The file's decimal mark from what its own amounts prove: "2,500.75" a point, "3.500,00"
    a comma; both in one file is refused naming a row of each, and so is --decimal-comma or
    --decimal-point against the file's proof. When nothing proves it, the user's word decides,
    or "1,250" and "1.250" are read as thousands, and the import says how many were read so."""
    point, comma, either = (marks.first.get(m) for m in (POINT, COMMA, EITHER))

    def at(seen: tuple[int, str, str]) -> str:
        return f"row {seen[0]} has {quoted(seen[2])} in {seen[1]!r}"

    if point and comma:
        raise InputError(
            f"The file's amounts contradict each other: {at(point)} (a point before the decimals) but "
            f"{at(comma)} (a comma before the decimals). Write them one way and import again. "
            "Nothing was imported."
        )
    proof = point or comma
    if proof is not None:
        if explicit is not None and explicit != (proof is comma):
            said = "--decimal-comma" if explicit else "--decimal-point"
            mark = "a point" if proof is point else "a comma"
            raise InputError(
                f"{said} was given, but {at(proof)}, which has {mark} before the decimals. "
                f"Import again without {said}. Nothing was imported."
            )
        decided = proof is comma
        if either is None:
            return DecimalMark(decided)
        n = marks.either
        example = either[2]
        amounts = f"{n:,} amount{'s' if n != 1 else ''}"
        way = "points between thousands, a comma" if decided else "commas between thousands, a point"
        return DecimalMark(
            decided,
            f"{amounts} could be read two ways (row {either[0]}: {example!r}); read as the file writes "
            f"its other amounts, {way} before the decimals "
            f"({at(proof)}): {_read_as(example, decided)}.",
        )
    if either is None:
        return DecimalMark(explicit)
    n = marks.either
    amounts = f"{n:,} amount{'s' if n != 1 else ''}"
    example = either[2]
    comma_way = "with a comma (1,250 = 1.25), import again with --decimal-comma"
    point_way = "with a point (1.250 = 1.25), import again with --decimal-point"
    if marks.either_marks == {","}:
        otherwise = f"If the file writes decimals {comma_way}."
    elif marks.either_marks == {"."}:
        otherwise = f"If the file writes decimals {point_way}."
    else:
        otherwise = f"If the file writes decimals {comma_way}; {point_way}."
    if explicit is not None:
        return DecimalMark(
            explicit,
            f"{amounts} could be read two ways (row {either[0]}: {example!r}); read with "
            f"{'a comma' if explicit else 'a point'} before the decimals, as "
            f"{'--decimal-comma' if explicit else '--decimal-point'} says: "
            f"{_read_as(example, explicit)}.",
        )
    return DecimalMark(
        None,
        f"{amounts} could be read two ways and nothing else in the file tells which (row {either[0]}: "
        f"{example!r}); read as whole thousands: {_read_as(example, None)}. {otherwise}",
    )


def parse_flag(text: str) -> bool | None:
    """Yes/no as CRMs write it; None for empty or anything else."""
    t = text.strip().casefold()
    if t in ("true", "yes", "1", "y", "won", "x"):
        return True
    if t in ("false", "no", "0", "n"):
        return False
    return None

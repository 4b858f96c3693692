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

from pipeline_tui.dates import MONTHS
from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_MINOR
from pipeline_tui.money import parse_amount, plain_amount

# Excel counts days from 1899-12-30. A serial is read as a date only in a date column and
# only between these years: 2024 in a date column is a typo, not 16 July 1905.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_FIRST, EXCEL_LAST = date(1980, 1, 1), date(2100, 12, 31)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_NAMED_MD = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")  # Jun 30, 2024
_NAMED_DM = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4}|\d{2})$"
)  # 30 Jun 2024
_CLOCK = re.compile(
    r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?(?:\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?$"
)
_SPLIT = re.compile(r"^(.+?)(?:[T ]|,\s*|\s+)(\d{1,2}:\d{2}.*)$")
_SPREADSHEET_NUMBER = re.compile(r"^\+?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,3}))?$")


@dataclass(frozen=True)
class DateOrder:
    """How a file's d/m/y dates are read, and what the user is told about it."""

    day_first: bool
    notice: str = ""


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
            f"The file's dates contradict each other: row {day_row[0]} has {day_row[2]!r} in "
            f"{day_row[1]!r} (day first) but row {month_row[0]} has {month_row[2]!r} in {month_row[1]!r} "
            "(month first). Nothing was imported."
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


def _day_only(text: str, *, day_first: bool) -> date:
    m = _ISO.match(text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _NUMERIC.match(text)
    if m:
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        year += 2000 if year < 100 else 0
        month, day = (b, a) if day_first or m[2] == "." else (a, b)
        return date(year, month, day)
    m = _NAMED_MD.match(text)
    if m and m[1].lower() in MONTHS:
        return date(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    m = _NAMED_DM.match(text)
    if m and m[2].lower() in MONTHS:
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return date(year, MONTHS[m[2].lower()], int(m[1]))
    raise ValueError("not a date")


def parse_money(text: str) -> tuple[int, str | None]:
    """(minor units, currency code or None) for an amount cell. Besides what people type
    ('$12,000.50', 'EUR 1.234,50', '12k'), what spreadsheets write: float artefacts
    ('1234.5600000000001') and scientific notation ('1.2E+05'), rounded to cents."""
    text = text.strip()
    plain = plain_amount(text)
    if plain is not None:
        return plain, None
    m = _SPREADSHEET_NUMBER.match(text)
    if m and (m[3] is not None or (m[2] is not None and len(m[2]) > 3)):
        try:
            cents = (Decimal(text.lstrip("+")) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            raise ValueError("not an amount") from None
        if cents >= MAX_MINOR:
            raise ValueError("too large for a deal value")
        return int(cents), None
    try:
        return parse_amount(text)
    except InputError as exc:
        raise ValueError(str(exc)) from None


def parse_flag(text: str) -> bool | None:
    """Yes/no as CRMs write it; None for empty or anything else."""
    t = text.strip().casefold()
    if t in ("true", "yes", "1", "y", "won", "x"):
        return True
    if t in ("false", "no", "0", "n"):
        return False
    return None

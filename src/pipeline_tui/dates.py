"""Parse the dates people type: ISO, 12/1, Dec 1, today, fri, next friday, +2w, in 2 weeks,
3 months.

Every function takes `today`; nothing here reads the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from dateutil import parser as du_parser
from dateutil.relativedelta import relativedelta

from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_YEAR, MIN_YEAR

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
UNITS = {
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "m": "months",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "year": "years",
    "years": "years",
}
MAX_RELATIVE = 100 * 366  # days; beyond that it is a typo, not a plan

HINT = "try 2026-12-01, 12/1, Dec 1, today, fri, next fri, +2w or in 3 months"

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s*([a-z]+)\.?,?(?:\s+(\d{4}))?$")
_RELATIVE = re.compile(r"^([+-])\s*(\d{1,6})\s*([a-z]+)$")
_IN = re.compile(r"^in\s+(an?|\d{1,6})\s+([a-z]+)$")
_AGO = re.compile(r"^(an?|\d{1,6})\s+([a-z]+)\s+ago$")
_AHEAD = re.compile(r"^(an?|\d{1,6})\s+([a-z]+)$")  # "3 months", as the quick picks are labelled


def parse_date(text: str, today: date, *, day_first: bool = False, past: bool = False) -> date:
    """Turn what a person typed into a date, or raise InputError saying what went wrong.

    A date without a year is the next one to come, or with `past` the latest one gone
    (for report periods: "Jan 1" in November means this year's)."""
    raw = text
    text = " ".join(str(text).strip().lower().split())
    if not text:
        raise InputError("Enter a date (" + HINT + ").")
    try:
        result = _parse(text, today, day_first, past)
    except InputError:
        raise
    except (ValueError, OverflowError, ArithmeticError) as exc:
        raise InputError(f"{raw.strip()!r} is not a real date ({exc}).") from None
    if result is None:
        raise InputError(f"Cannot read {raw.strip()!r} as a date; {HINT}.")
    if not MIN_YEAR <= result.year <= MAX_YEAR:
        raise InputError(f"{raw.strip()!r} gives the year {result.year}; that looks like a typo.")
    return result


def parse_optional_date(
    text: str | None, today: date, *, day_first: bool = False, past: bool = False
) -> date | None:
    """Like parse_date, but blank or 'none' means no date."""
    if text is None or text.strip().lower() in ("", "none", "-", "no", "never"):
        return None
    return parse_date(text, today, day_first=day_first, past=past)


def _parse(text: str, today: date, day_first: bool, past: bool = False) -> date | None:
    if text in ("today", "now", "tod"):
        return today
    if text in ("tomorrow", "tmrw", "tmr", "tom"):
        return today + timedelta(days=1)
    if text == "yesterday":
        return today - timedelta(days=1)
    if text in WEEKDAYS:
        return _coming_weekday(today, WEEKDAYS[text])
    words = text.split(" ")
    if len(words) == 2 and words[0] in ("next", "this") and words[1] in WEEKDAYS:
        coming = _coming_weekday(today, WEEKDAYS[words[1]])
        if words[0] == "this":
            return coming
        # "next friday" is the Friday of next week (weeks start on Monday).
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=WEEKDAYS[words[1]])
    if len(words) == 2 and words[0] == "next" and words[1] in ("week", "month", "year"):
        return _shift(today, 1, UNITS[words[1]])
    if m := _RELATIVE.match(text):
        sign = 1 if m.group(1) == "+" else -1
        return _shift(today, sign * int(m.group(2)), _unit(m.group(3), text))
    if m := _IN.match(text):
        return _shift(today, _count(m.group(1)), _unit(m.group(2), text))
    if m := _AGO.match(text):
        return _shift(today, -_count(m.group(1)), _unit(m.group(2), text))
    if not past and (m := _AHEAD.match(text)) and m.group(2) in UNITS:  # "12 dec" is a date
        return _shift(today, _count(m.group(1)), UNITS[m.group(2)])
    if m := _ISO.match(text):
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC.match(text):
        first, second, year = int(m.group(1)), int(m.group(2)), m.group(3)
        day, month = (first, second) if day_first else (second, first)
        if not 1 <= month <= 12 and 1 <= day <= 12:  # read the other way round, it is a date
            now, other, setting = ("day first (31/12)", "month first (12/31)", "false") if day_first else (
                "month first (12/31)", "day first (31/12)", "true")  # fmt: skip
            raise InputError(
                f"There is no month {month} in {text!r}: dates are read {now} here; for {other}, "
                f"set day_first {setting} (Settings, or `pipeline-tui config day_first {setting}`)."
            )
        return _with_year(today, month, day, year, past)
    if m := _MONTH_DAY.match(text):
        if m.group(1) in MONTHS:
            return _with_year(today, MONTHS[m.group(1)], int(m.group(2)), m.group(3), past)
        return None
    if m := _DAY_MONTH.match(text):
        if m.group(2) in MONTHS:
            return _with_year(today, MONTHS[m.group(2)], int(m.group(1)), m.group(3), past)
        return None
    year = re.search(r"\d{4}", text)
    if year and re.search(r"\d", text.replace(year.group(), "", 1)):
        # Something absolute with an explicit year ("1 December 2026", "2026-12-01T09:00"):
        # dateutil handles the long tail of absolute forms.
        try:
            return du_parser.parse(text, dayfirst=day_first, default=datetime(today.year, 1, 1)).date()
        except Exception:  # dateutil raises several types for junk; all mean "not a date"
            return None
    return None


def _coming_weekday(today: date, weekday: int) -> date:
    """The next such weekday, 1 to 7 days ahead."""
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _count(word: str) -> int:
    return 1 if word in ("a", "an") else int(word)


def _unit(word: str, text: str) -> str:
    try:
        return UNITS[word]
    except KeyError:
        raise InputError(
            f"Unknown unit {word!r} in {text!r}; use d, w, m or y (days, weeks, months, years)."
        ) from None


def _shift(today: date, amount: int, unit: str) -> date:
    days_estimate = abs(amount) * {"days": 1, "weeks": 7, "months": 31, "years": 366}[unit]
    if days_estimate > MAX_RELATIVE:
        raise InputError("That is more than a hundred years away; check the number.")
    step = {
        "days": relativedelta(days=amount),
        "weeks": relativedelta(weeks=amount),
        "months": relativedelta(months=amount),
        "years": relativedelta(years=amount),
    }[unit]
    result: date = today + step
    return result


def _with_year(today: date, month: int, day: int, year: str | None, past: bool = False) -> date:
    if not 1 <= month <= 12:
        raise InputError(f"There is no month {month}.")
    if year is not None:
        full = int(year)
        if len(year) == 2:
            full += 2000
        return date(full, month, day)
    # A year-less date already past this year means next year's; Feb 29 means the
    # next leap year's, also when this year's has just passed (e.g. on 2028-03-01).
    step = -1 if past else 1
    year_ = today.year
    while True:
        try:
            candidate = date(year_, month, day)
        except ValueError:
            if month == 2 and day == 29 and abs(year_ - today.year) < 8:
                year_ += step
                continue
            raise
        if (candidate <= today) if past else (candidate >= today):
            return candidate
        year_ += step


def say_date(day: date, today: date) -> str:
    """A date as the app says it back: 'Tue 09 Dec', with the year when it is not this year's
    ('Tue 09 Feb 2027')."""
    return f"{day:%a %d %b}" if day.year == today.year else f"{day:%a %d %b %Y}"


def echo_date(text: str, today: date, *, day_first: bool = False, none: str = "no date") -> str:
    """What a date field says as the seller types: '→ Tue 09 Dec' for a date it reads, `none`
    for 'none', '?' for what it cannot read (yet), '' for an empty field."""
    if not text.strip():
        return ""
    try:
        when = parse_optional_date(text, today, day_first=day_first)
    except InputError:
        return "?"
    return f"→ {say_date(when, today)}" if when is not None else none


def format_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def humanize_days(days: int) -> str:
    """'today', '1 day', '12 days'."""
    if days == 0:
        return "today"
    return f"{days} day" + ("" if abs(days) == 1 else "s")


STALE_OFF = ("off", "none", "never", "0", "-", "")


def parse_stale_days(text: str) -> int | None:
    """A stale threshold as typed: a number of days from 1 to 3650, or 'off' (None)."""
    value = text.strip().lower()
    if value in STALE_OFF:
        return None
    try:
        days = int(value)
    except ValueError:
        raise InputError(f"{text.strip()!r}: give a number of days, or 'off'.") from None
    if not 1 <= days <= 3650:
        raise InputError("A stale threshold is from 1 to 3650 days, or 'off'.")
    return days


def describe_stale_days(days: int | None, *, endpoint: bool = False) -> str:
    """'stale after 10 days', 'never stale', 'endpoint'."""
    if endpoint:
        return "endpoint"
    return f"stale after {days} days" if days else "never stale"

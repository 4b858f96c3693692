"""One set of limits on what the pipeline accepts, checked in the domain on every path:
the command line, the forms, imports and restores all refuse the same things."""

from __future__ import annotations

import re
from datetime import date, datetime

from pipeline_tui.errors import InputError

MAX_LINE = 500  # characters in a one-line field: title, company, contact, next step, competitor
MAX_NOTE = 20_000  # characters in a note or a loss note: more is a paste accident
MAX_NAME = 60  # a stage or loss reason name
MAX_NOTES_PER_DEAL_IMPORT = 1_000  # notes one imported row may carry
MIN_YEAR, MAX_YEAR = 1900, 2200  # dates outside are typos (and break calendars)
MAX_MINOR = 10**15  # ten trillion in major units: anything bigger is a typo

_SURROGATES = re.compile("[\ud800-\udfff]")  # undecodable bytes, kept by surrogateescape

LINE_FIELDS = ("title", "company", "contact", "next step", "competitor")


def check_text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_LINE) -> str:
    """`value` stripped, or InputError naming the field."""
    text = (value or "").strip()
    if required and not text:
        raise InputError(f"The {field} cannot be empty.")
    if len(text) > limit:
        raise InputError(f"The {field} is longer than {limit:,} characters ({len(text):,}).")
    if "\x00" in text:
        raise InputError(f"The {field} contains a NUL character.")
    if not text.isascii() and _SURROGATES.search(text):
        raise InputError(f"The {field} is not valid text (undecodable bytes).")
    return text


def plain_text(text: str, limit: int = MAX_LINE) -> bool:
    """Whether `check_text` takes `text` as it is (already stripped, short enough, no NUL,
    no undecodable bytes): the cheap test a bulk import asks of every cell."""
    return len(text) <= limit and "\x00" not in text and (text.isascii() or not _SURROGATES.search(text))


def check_note(value: str | None, field: str = "note", *, required: bool = False) -> str:
    return check_text(value, field, required=required, limit=MAX_NOTE)


def check_date(value: date | None, field: str) -> date | None:
    if value is None:
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(
            f"The {field} {value.isoformat()} is outside {MIN_YEAR}–{MAX_YEAR}; that looks like a typo."
        )
    return value


def check_moment(value: datetime, field: str) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(
            f"The {field} {value:%Y-%m-%d} is outside {MIN_YEAR}–{MAX_YEAR}; that looks like a typo."
        )
    return value


def check_clock(now: datetime) -> datetime:
    """The moment the app is about to stamp on a change (the system clock, or --today):
    outside the years every reader accepts, it is refused rather than written."""
    if not MIN_YEAR <= now.year <= MAX_YEAR:
        raise InputError(
            f"The clock says {now:%Y-%m-%d}, outside {MIN_YEAR}–{MAX_YEAR}; nothing was changed. "
            "Set the system date right (or give --today a date in that range)."
        )
    return now


def check_amount(minor: object) -> int:
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        raise InputError("A deal value must be a whole, non-negative number of cents.")
    if minor >= MAX_MINOR:
        raise InputError("That value is too large for a deal.")
    return minor


def check_currency(code: str | None) -> str:
    value = (code or "").strip().upper()
    if len(value) != 3 or not value.isascii() or not value.isalpha():
        raise InputError(f"A currency is a three-letter code such as USD or EUR, not {code!r}.")
    return value

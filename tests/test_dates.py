"""Dates people type (DESIGN.md "Input people type"), with today fixed on Tuesday 2026-11-24."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import TODAY
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.dates import (
    MAX_YEAR,
    MIN_YEAR,
    format_date,
    humanize_days,
    parse_date,
    parse_optional_date,
)
from pipeline_tui.errors import InputError


def test_today_is_a_tuesday() -> None:
    assert TODAY.weekday() == 1  # the expectations below count from a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO and its near relatives
        ("2026-12-01", date(2026, 12, 1)),
        ("2027-01-15", date(2027, 1, 15)),
        ("2026/12/1", date(2026, 12, 1)),
        ("2020-01-01", date(2020, 1, 1)),  # an explicit year in the past stays in the past
        # month/day (US order by default)
        ("12/1", date(2026, 12, 1)),
        ("12/01", date(2026, 12, 1)),
        ("12/1/27", date(2027, 12, 1)),
        ("12/1/2027", date(2027, 12, 1)),
        ("11/24", TODAY),  # today's date is not "past": it stays this year
        # month names, either order, any case, with ordinals
        ("Dec 1", date(2026, 12, 1)),
        ("dec 1", date(2026, 12, 1)),
        ("DECEMBER 1", date(2026, 12, 1)),
        ("Dec. 1st", date(2026, 12, 1)),
        ("Dec 1, 2027", date(2027, 12, 1)),
        ("1 Dec", date(2026, 12, 1)),
        ("1st December", date(2026, 12, 1)),
        ("1 Dec 2027", date(2027, 12, 1)),
        ("sept 3", date(2027, 9, 3)),
        # words
        ("today", TODAY),
        ("  Today ", TODAY),
        ("tomorrow", date(2026, 11, 25)),
        ("yesterday", date(2026, 11, 23)),
        # weekdays: the coming one, 1 to 7 days ahead
        ("fri", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("wed", date(2026, 11, 25)),
        ("mon", date(2026, 11, 30)),
        ("tue", date(2026, 12, 1)),  # today is Tuesday: "tue" is next week's
        ("this friday", date(2026, 11, 27)),
        # "next friday" is the Friday of next week
        ("next friday", date(2026, 12, 4)),
        ("next fri", date(2026, 12, 4)),
        ("next   Friday", date(2026, 12, 4)),
        ("next monday", date(2026, 11, 30)),
        ("next week", date(2026, 12, 1)),
        ("next month", date(2026, 12, 24)),
        ("next year", date(2027, 11, 24)),
        # relative
        ("+3d", date(2026, 11, 27)),
        ("+ 3 days", date(2026, 11, 27)),
        ("+2w", date(2026, 12, 8)),
        ("+6m", date(2027, 5, 24)),
        ("+1y", date(2027, 11, 24)),
        ("-3d", date(2026, 11, 21)),
        ("+0d", TODAY),
        ("in 2 weeks", date(2026, 12, 8)),
        ("in 3 months", date(2027, 2, 24)),
        ("3 months", date(2027, 2, 24)),  # as the revisit field's quick pick is labelled
        ("2 weeks", date(2026, 12, 8)),
        ("a week", date(2026, 12, 1)),
        ("12 dec", date(2026, 12, 12)),  # a day and a month, not a count
        ("in a week", date(2026, 12, 1)),
        ("in 10 days", date(2026, 12, 4)),
        ("2 days ago", date(2026, 11, 22)),
        # long tail with an explicit year goes to dateutil
        ("1 December 2026", date(2026, 12, 1)),
        ("December 1st, 2026", date(2026, 12, 1)),
    ],
)
def test_forms_people_type(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nov 1", date(2027, 11, 1)),  # November 1st has passed this year
        ("Nov 23", date(2027, 11, 23)),  # yesterday's date means next year's
        ("Nov 24", date(2026, 11, 24)),
        ("Nov 25", date(2026, 11, 25)),
        ("1/15", date(2027, 1, 15)),
        ("3 Feb", date(2027, 2, 3)),
        ("6/30", date(2027, 6, 30)),
        ("12/31", date(2026, 12, 31)),
    ],
)
def test_year_less_dates_in_the_past_roll_to_next_year(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_year_less_roll_forward_crosses_new_year() -> None:
    dec_30 = date(2026, 12, 30)
    assert parse_date("1/2", dec_30) == date(2027, 1, 2)
    assert parse_date("12/31", dec_30) == date(2026, 12, 31)
    assert parse_date("12/29", dec_30) == date(2027, 12, 29)


def test_day_first_setting() -> None:
    assert parse_date("1/12", TODAY, day_first=True) == date(2026, 12, 1)
    assert parse_date("1/12", TODAY, day_first=False) == date(2027, 1, 12)
    assert parse_date("25/12", TODAY, day_first=True) == date(2026, 12, 25)
    assert parse_date("1.12.2027", TODAY, day_first=True) == date(2027, 12, 1)
    # Unambiguous forms do not care about the setting.
    assert parse_date("2026-12-01", TODAY, day_first=True) == date(2026, 12, 1)
    assert parse_date("Dec 1", TODAY, day_first=True) == date(2026, 12, 1)
    assert parse_date("1 Dec", TODAY, day_first=True) == date(2026, 12, 1)


def test_day_first_refuses_month_13() -> None:
    with pytest.raises(InputError, match="no month 25"):
        parse_date("12/25", TODAY, day_first=True)


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2026, 1, 31), "+1m", date(2026, 2, 28)),  # clamps to the month's end
        (date(2028, 1, 31), "+1m", date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), "+2m", date(2026, 3, 31)),  # not chained through Feb 28
        (date(2026, 3, 31), "+1m", date(2026, 4, 30)),
        (date(2026, 8, 31), "in 1 month", date(2026, 9, 30)),
        (date(2026, 3, 31), "-1m", date(2026, 2, 28)),
        (date(2026, 12, 31), "+2m", date(2027, 2, 28)),
    ],
)
def test_month_end_arithmetic(today: date, text: str, expected: date) -> None:
    assert parse_date(text, today) == expected


def test_feb_29() -> None:
    leap_day = date(2028, 2, 29)
    assert parse_date("+1y", leap_day) == date(2029, 2, 28)
    assert parse_date("+4y", leap_day) == date(2032, 2, 29)
    assert parse_date("feb 29", leap_day) == leap_day
    # Year-less Feb 29 from a common year: the next leap year's.
    assert parse_date("feb 29", TODAY) == date(2028, 2, 29)
    assert parse_date("2/29", TODAY) == date(2028, 2, 29)
    assert parse_date("29 feb", date(2028, 3, 1)) == date(2032, 2, 29)
    assert parse_date("2028-02-29", TODAY) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a date"),
        ("   ", "Enter a date"),
        ("banana", "Cannot read 'banana' as a date"),
        ("next blursday", "Cannot read"),
        ("2027-02-29", "not a real date"),  # 2027 is not a leap year
        ("2026-02-30", "not a real date"),
        ("2026-13-01", "not a real date"),
        ("2/30", "not a real date"),
        ("sept 31", "not a real date"),
        ("13/1", "no month 13"),
        ("0/5", "no month 0"),
        ("feb 29 2027", "not a real date"),
        ("+3 fortnights", "Unknown unit 'fortnights'"),
        ("in 2 lightyears", "Unknown unit"),
        ("+999999d", "more than a hundred years"),
        ("+200y", "more than a hundred years"),
        ("1066-10-14", "typo"),
        ("9999-01-01", "typo"),
        ("32 dec", "not a real date"),
    ],
)
def test_bad_values_raise_input_error_with_a_helpful_message(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_date(text, TODAY)
    assert "\n" not in str(info.value)  # one line, shown next to the field


def test_unreadable_message_suggests_forms() -> None:
    with pytest.raises(InputError) as info:
        parse_date("whenever", TODAY)
    assert "2026-12-01" in str(info.value) and "+2w" in str(info.value)


@pytest.mark.parametrize("blank", [None, "", "  ", "none", "None", "-", "never"])
def test_optional_date_blank_means_none(blank: str | None) -> None:
    assert parse_optional_date(blank, TODAY) is None


def test_optional_date_parses_otherwise() -> None:
    assert parse_optional_date("fri", TODAY) == date(2026, 11, 27)
    assert parse_optional_date("1/12", TODAY, day_first=True) == date(2026, 12, 1)
    with pytest.raises(InputError):
        parse_optional_date("soon", TODAY)


def test_format_and_humanize() -> None:
    assert format_date(date(2026, 12, 1)) == "2026-12-01"
    assert format_date(None) == ""
    assert humanize_days(0) == "today"
    assert humanize_days(1) == "1 day"
    assert humanize_days(12) == "12 days"


# ------------------------------------------------------------------ properties

WORDS = st.sampled_from(
    [
        "today", "tomorrow", "yesterday", "fri", "friday", "next", "this", "in", "ago", "a", "an",
        "dec", "december", "feb", "sept", "may", "week", "month", "year", "days", "d", "w", "m",
        "y", "st", "nd", "th", "blursday", "mon", "tue", "", "now",
    ]
)  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=10**7),
    st.sampled_from([29, 30, 31, 1900, 2026, 2200, 2201, 9999, 99]),
).map(str)
SEPARATORS = st.sampled_from(["/", "-", ".", " ", ", ", "", "+", "  "])


@st.composite
def near_valid(draw: st.DrawFn) -> str:
    """Strings shaped like the accepted forms, with numbers and words that may not fit."""
    template = draw(
        st.sampled_from(
            [
                "{n}{s}{n}",
                "{n}{s}{n}{s}{n}",
                "{w} {n}",
                "{n} {w}",
                "{w} {n}, {n}",
                "{n}{w} {w} {n}",
                "+{n}{w}",
                "-{n}{w}",
                "in {n} {w}",
                "{n} {w} ago",
                "next {w}",
                "{w} {w}",
                "{n}-{n}-{n}T{n}:{n}",
                "{w}",
            ]
        )
    )
    out = []
    for piece in template.split("{"):
        if piece.startswith("n}"):
            out.append(draw(NUMBERS) + piece[2:])
        elif piece.startswith("w}"):
            out.append(draw(WORDS) + piece[2:])
        elif piece.startswith("s}"):
            out.append(draw(SEPARATORS) + piece[2:])
        else:
            out.append(piece)
    return "".join(out)


def _check_parse(text: str, today: date, day_first: bool) -> None:
    try:
        result = parse_date(text, today, day_first=day_first)
    except InputError as exc:
        assert str(exc)  # a message to show, never an empty one
        return
    assert isinstance(result, date)
    assert MIN_YEAR <= result.year <= MAX_YEAR


TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), today=TODAYS, day_first=st.booleans())
def test_arbitrary_text_only_ever_raises_input_error(text: str, today: date, day_first: bool) -> None:
    _check_parse(text, today, day_first)


@settings(max_examples=300, deadline=None)
@given(text=near_valid(), today=TODAYS, day_first=st.booleans())
def test_near_valid_text_only_ever_raises_input_error(text: str, today: date, day_first: bool) -> None:
    _check_parse(text, today, day_first)


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), today=TODAYS)
def test_iso_round_trip(day: date, today: date) -> None:
    assert parse_date(day.isoformat(), today) == day


@settings(max_examples=200, deadline=None)
@given(today=TODAYS, month=st.integers(1, 12), day=st.integers(1, 28))
def test_year_less_dates_are_never_in_the_past(today: date, month: int, day: int) -> None:
    result = parse_date(f"{month}/{day}", today)
    assert result >= today
    assert (result.month, result.day) == (month, day)
    this_year = (month, day) >= (today.month, today.day)
    assert result.year == (today.year if this_year else today.year + 1)


@pytest.mark.parametrize(
    ("text", "day_first", "setting"),
    [("31/12/2026", False, "day_first true"), ("12/31/2026", True, "day_first false")],
)
def test_a_date_read_the_other_way_round_names_the_setting(text: str, day_first: bool, setting: str) -> None:
    """31/12 with dates read month first is no date here, but is one the other way round:
    the message says which way dates are read and the setting that turns it."""
    with pytest.raises(InputError, match=f"There is no month 31 in '{text}'.*set {setting}"):
        parse_date(text, date(2026, 11, 24), day_first=day_first)
    with pytest.raises(InputError, match="^There is no month 13.$"):
        parse_date("13/13/2026", date(2026, 11, 24), day_first=day_first)

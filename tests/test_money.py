"""Money people type (DESIGN.md "Input people type") and how it is shown. Minor units throughout."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.errors import InputError
from pipeline_tui.money import (
    MAX_MINOR,
    format_money,
    minor_to_decimal_str,
    parse_amount,
    parse_money,
    plain_amount,
)

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"


@pytest.mark.parametrize(
    ("text", "minor", "currency"),
    [
        ("12000", 1_200_000, None),
        ("12,000", 1_200_000, None),
        ("12 000", 1_200_000, None),
        ("$12,000.50", 1_200_050, "USD"),
        ("$12,000", 1_200_000, "USD"),
        ("12k", 1_200_000, None),
        ("12K", 1_200_000, None),
        ("12.5k", 1_250_000, None),
        ("1.2m", 120_000_000, None),
        ("1.2M", 120_000_000, None),
        ("$1.2m", 120_000_000, "USD"),
        ("2bn", 200_000_000_000, None),
        ("€3 500", 350_000, "EUR"),
        (f"€3{NBSP}500", 350_000, "EUR"),
        (f"3{NARROW_NBSP}500 €", 350_000, "EUR"),
        ("3500€", 350_000, "EUR"),
        ("EUR 3500", 350_000, "EUR"),
        ("eur 3,500", 350_000, "EUR"),
        ("3500 EUR", 350_000, "EUR"),
        ("EUR3 500", 350_000, "EUR"),
        ("12k USD", 1_200_000, "USD"),
        ("£5", 500, "GBP"),
        ("0", 0, None),
        ("0.05", 5, None),
        ("0.050", 5, None),  # a leading zero group is a decimal, never thousands
        ("+5", 500, None),
        ("  42  ", 4_200, None),
        ("1,5", 150, None),  # a comma decimal mark
        ("1.234.567,89", 123_456_789, None),
        ("1,234,567.89", 123_456_789, None),
        ("1'234'567", 123_456_700, None),
        ("9999999999999.99", MAX_MINOR - 1, None),  # the largest accepted
    ],
)
def test_forms_people_type(text: str, minor: int, currency: str | None) -> None:
    assert parse_amount(text) == (minor, currency)
    assert parse_money(text) == minor


@pytest.mark.parametrize("text", ["-5", "-12,000", "$-5", "(500)", "-1k"])
def test_negative_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="is negative: a deal's value is never below zero"):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "minor", "currency"),
    [("CHF 12'000.–", 1_200_000, "CHF"), ("12.000,– €", 1_200_000, "EUR"), ("EUR 1.250,-", 125_000, "EUR"),
     ("CHF 45.-", 4_500, "CHF")],
)  # fmt: skip
def test_a_round_amount_written_with_a_dash_for_its_cents(text: str, minor: int, currency: str) -> None:
    """Swiss and German prices write no cents as '.–' or ',–': refused as not an amount."""
    assert parse_amount(text) == (minor, currency)


@pytest.mark.parametrize(
    ("text", "currency"), [("$ -", "USD"), ("$-", "USD"), (" € - ", "EUR"), ("USD -", "USD"), ("-", None)]
)
def test_the_accounting_formats_dash_is_zero(text: str, currency: str | None) -> None:
    """Excel's accounting format writes zero as '$ -'; it was refused as negative."""
    assert parse_amount(text) == (0, currency)


@pytest.mark.parametrize("text", ["12.345.6", "0.001", "12.3456", "1,5678", "$0.125"])
def test_more_than_two_decimals_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_money(text)


def test_more_than_two_decimals_says_so() -> None:
    with pytest.raises(InputError, match="more than two decimal places"):
        parse_money("12.3456")
    with pytest.raises(InputError, match="more than two decimal places"):
        parse_money("0.001")


@pytest.mark.parametrize("text", ["10000000000000", "10,000,000,000,000", "10000b", "99999999m"])
def test_too_large_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="too large"):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount"),
        ("   ", "Enter an amount"),
        ("$", "Cannot read"),
        ("twelve", "Cannot read"),
        ("1e5", "Cannot read"),
        ("12kk", "Cannot read"),
        ("12,000,00", "misplaced"),
        ("1,23,456", "misplaced"),
        ("1.234,567.8", "mixed separators"),
        ("12 apples", "Cannot read"),
    ],
)
def test_unreadable_amounts(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_money(text)


@pytest.mark.parametrize("text", ["12abc", "abc 12", "12k xyz", "5 usb"])
def test_letters_that_are_no_currency_code_are_refused(text: str) -> None:
    """'12abc' is a typo, not 12 in a currency called ABC."""
    with pytest.raises(InputError, match="is not a currency code"):
        parse_amount(text)


def test_letters_that_are_no_currency_code_refuse_an_import_row(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from pipeline_tui.cli import main

    path = tmp_path / "deals.csv"
    path.write_text(
        "Deal Name,Deal Stage,Amount\r\nA,Closed Won,12\r\nB,Closed Won,12abc\r\n", encoding="utf-8"
    )
    assert main(["--db", str(tmp_path / "p.db"), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Row 3" in err and "12abc" in err and "Nothing was imported" in err


def test_unreadable_message_has_examples() -> None:
    with pytest.raises(InputError) as info:
        parse_money("lots")
    assert "12k" in str(info.value) and "€3 500" in str(info.value)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1_200_000, "USD", "$12,000"),
        (1_200_050, "USD", "$12,000.50"),
        (5, "USD", "$0.05"),
        (0, "USD", "$0"),
        (350_000, "EUR", "€3,500"),
        (350_000, "eur", "€3,500"),
        (500, "GBP", "£5"),
        (500, "CHF", "CHF 5"),
        (123_456_789, "USD", "$1,234,567.89"),
    ],
)
def test_format_money(minor: int, currency: str, text: str) -> None:
    assert format_money(minor, currency) == text


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (0, "$0"),
        (9_900, "$99"),
        (100_000, "$1k"),
        (1_200_000, "$12k"),
        (1_234_500, "$12.3k"),
        (12_500_000, "$125k"),
        (120_000_000, "$1.2m"),
        (150_000_000_000, "$1.5b"),
        (99_949_900, "$999k"),
        # What would round to "1000k" moves up a unit.
        (99_999_900, "$1m"),
        (99_950_000, "$1m"),
        (99_950, "$1k"),
    ],
)
def test_format_money_compact(minor: int, text: str) -> None:
    assert format_money(minor, "USD", compact=True) == text


def test_format_money_compact_other_currencies() -> None:
    assert format_money(350_000, "EUR", compact=True) == "€3.5k"
    assert format_money(350_000, "CHF", compact=True) == "CHF 3.5k"


@pytest.mark.parametrize(
    ("minor", "text"), [(0, "0.00"), (5, "0.05"), (1_200_050, "12000.50"), (-150, "-1.50")]
)
def test_minor_to_decimal_str(minor: int, text: str) -> None:
    assert minor_to_decimal_str(minor) == text


# ------------------------------------------------------------------ properties

AMOUNTISH = st.text(alphabet="0123456789.,kmbKMB $€£-+() \u00a0'_eurUSD", max_size=20)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=30), AMOUNTISH))
def test_parse_money_only_ever_raises_input_error(text: str) -> None:
    try:
        minor = parse_money(text)
    except InputError as exc:
        assert str(exc)
        return
    assert isinstance(minor, int)
    assert 0 <= minor < MAX_MINOR


MINORS = st.integers(min_value=0, max_value=10**13 - 1)


@settings(max_examples=200, deadline=None)
@given(minor=MINORS)
def test_round_trip_through_decimal_string(minor: int) -> None:
    assert parse_money(minor_to_decimal_str(minor)) == minor


@settings(max_examples=200, deadline=None)
@given(minor=MINORS, currency=st.sampled_from(["USD", "EUR", "GBP", "CHF"]))
def test_round_trip_through_format_money(minor: int, currency: str) -> None:
    assert parse_money(format_money(minor, "USD")) == minor
    assert parse_amount(format_money(minor, currency)) == (minor, currency)


_PLAIN = re.compile(r"(\d{1,13})(?:\.(\d\d?))?")


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("0123456789.,-+ e$\u0661\u0662\u0669\uff11")), max_size=18))
def test_a_plain_amount_is_read_as_its_pattern_says(text: str) -> None:
    """plain_amount tells 1-13 digits, optionally a point and 1-2 digits, without a regex:
    the same reading as the pattern (Unicode digits included, as int() takes them)."""
    m = _PLAIN.fullmatch(text)
    expected = None if m is None else int(m[1]) * 100 + (int(m[2].ljust(2, "0")) if m[2] else 0)
    assert plain_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "minor", "currency"),
    [
        ("R$ 1.234.567,89", 123_456_789, "BRL"),
        ("US$5,000.50", 500_050, "USD"),
        ("￥1,200,000", 120_000_000, "JPY"),
        ("JP¥350,000", 35_000_000, "JPY"),
        (f"1{NBSP}234,56 zł", 123_456, "PLN"),
        ("₹12,34,567.00", 123_456_700, "INR"),
        ("R 1 234,56", 123_456, "ZAR"),
        ("1500.500", 150_050, None),  # a trailing zero third decimal is exact
    ],
)
def test_locale_forms_people_type(text: str, minor: int, currency: str | None) -> None:
    assert parse_amount(text) == (minor, currency)


def test_kr_typed_alone_asks_for_the_code() -> None:
    with pytest.raises(InputError, match=r"kr is the currency of several countries \(SEK, NOK, DKK, ISK\)"):
        parse_amount("kr 1 234,50")


def test_indian_grouping_is_read_only_for_rupees() -> None:
    with pytest.raises(InputError, match="misplaced"):
        parse_money("12,34,567")


def test_a_third_decimal_names_the_rounding() -> None:
    with pytest.raises(
        InputError, match=r"more than two decimal places: round it to cents in the file, e.g. 2001.00"
    ):
        parse_money("2000.999")

"""Parse and show money. Amounts are integers in minor units (cents)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import NamedTuple

from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_MINOR

SYMBOLS = {
    "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "￥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₪": "ILS", "₱": "PHP", "₫": "VND", "₴": "UAH", "₦": "NGN", "฿": "THB",
}  # fmt: skip
CODE_TO_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000, "mm": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
# "kr" is the krona or krone of four countries: the number is read, the currency must come
# from elsewhere (a currency column, the header).
KRONA = "kr"
AMBIGUOUS = {KRONA: ("SEK", "NOK", "DKK", "ISK")}
# Symbols made of letters, or of a country's letters before a sign: read only at the start
# or the end of the amount (a single sign, "€", anywhere).
_LEAD_SYMBOLS = {
    "US$": "USD", "R$": "BRL", "JP¥": "JPY", "JP￥": "JPY", "CN¥": "CNY", "CN￥": "CNY", "AU$": "AUD",
    "A$": "AUD", "CA$": "CAD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD", "NT$": "TWD", "MX$": "MXN",
    "zł": "PLN", "Kč": "CZK", "kr.": KRONA, "kr": KRONA, "Kr.": KRONA, "Kr": KRONA, "R": "ZAR",
}  # fmt: skip
_TRAIL_SYMBOLS = {
    "zł": "PLN", "Kč": "CZK", "kr.": KRONA, "kr": KRONA, "Kr.": KRONA, "Kr": KRONA, "円": "JPY",
    "TL": "TRY", "Ft": "HUF", "р.": "RUB", "руб.": "RUB", "руб": "RUB", "лв.": "BGN", "лв": "BGN",
    "lei": "RON", "元": "CNY", "원": "KRW",
}  # fmt: skip


def _either(symbols: dict[str, str]) -> str:
    return "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))


_LEAD = re.compile(rf"^(?P<sym>{_either(_LEAD_SYMBOLS)})\s*(?P<rest>[\d+\-(].*)$")
_TRAIL = re.compile(rf"^(?P<rest>.*\d)\s*(?P<sym>{_either(_TRAIL_SYMBOLS)})$")


def symbol_currency(mark: str) -> str | None:
    """The currency a symbol stands for ('€', 'R$', 'zł'; KRONA for 'kr'), or None."""
    return SYMBOLS.get(mark) or _LEAD_SYMBOLS.get(mark) or _TRAIL_SYMBOLS.get(mark)


_LEAD_FIRST = frozenset(s[0] for s in _LEAD_SYMBOLS)  # what to look for before a regex
_TRAIL_LAST = frozenset(s[-1] for s in _TRAIL_SYMBOLS)
_BARE = re.compile(r"\d[\d.,\s'’_]*\Z")  # digits and marks only: no symbol to look for
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_'\u2019]")
_CODE_FIRST = re.compile(r"^(?P<code>[A-Za-z]{3})\s*(?P<rest>[\d+\-(].*)$")
_CODE_LAST = re.compile(r"^(?P<rest>.*\d[kKmMbB]{0,2})\s*(?P<code>[A-Za-z]{3})$")
_SHAPE = re.compile(r"^(?P<num>\d[\d.,]*)(?P<mult>k|mm|m|bn|b)?$")
# ISO 4217 codes: a code typed beside an amount must be one ("12abc" is not 12 in "ABC").
_ISO_4217_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS
    INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR
    PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW
    UZS VED VES VND VUV WST XAF XAG XAU XCD XCG XDR XOF XPD XPF XPT YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())
HINT = "try 12000, 12,000, $12,000.50, 12k, 1.2m or €3 500"
ACCEPTED = "write it like 12000, 12,000.50, 1.234,50, 1 234,50, €12,000 or EUR 12000"

# Currencies with no minor unit in use: "￥350,000" and "₩1.200" group thousands, whatever
# the file's decimal mark.
WHOLE_UNITS = frozenset({"JPY", "KRW", "VND", "CLP", "PYG", "UGX", "XAF", "XOF"})

# What an amount's digits say of how its file writes decimals (`Amount.mark`).
POINT, COMMA, EITHER = ".", ",", "?"


class AmountError(InputError):
    """An amount that cannot be read; `why` says why without the text ("has more than two
    decimal places: ..."), for a message that names the row and column before it."""

    def __init__(self, raw: str, why: str, message: str = "") -> None:
        super().__init__(message or f"{raw!r} {why}.")
        self.why = why


class Amount(NamedTuple):
    minor: int
    currency: str | None  # a code, KRONA (one of AMBIGUOUS), or None
    # POINT or COMMA when the digits prove the decimal mark; EITHER and the mark for one that
    # could be read two ways ("?," for "1,250", "?." for "1.250"); else ""
    mark: str


def plain_amount(text: str) -> int | None:
    """Minor units of an amount written plainly ('12000', '12000.5', '12000.50'), as
    `parse_amount` reads it; None for anything else (read by `parse_amount` in full)."""
    # 1 to 13 digits, then optionally a point and 1 or 2 digits: the pattern
    # (\d{1,13})(?:\.(\d\d?))? told without a regex (asked of every amount of a file); a
    # digit is any Unicode decimal digit, as \d and int() take it.
    whole, dot, part = text.partition(".")
    if not (whole.isdecimal() and len(whole) <= 13) or (dot and not (part.isdecimal() and len(part) <= 2)):
        return None
    cents = int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)
    return cents if cents < MAX_MINOR else None


def parse_amount(text: str) -> tuple[int, str | None]:
    """Return (minor units, currency code or None) for what a person typed."""
    amount = read_amount(text)
    if amount.currency in AMBIGUOUS:
        codes = AMBIGUOUS[amount.currency]
        raise InputError(
            f"{str(text).strip()!r}: {amount.currency} is the currency of several countries "
            f"({', '.join(codes)}); write its code instead, e.g. {codes[0]} 1 234,50."
        )
    return amount.minor, amount.currency


def read_amount(text: str, decimal_comma: bool | None = None) -> Amount:
    """An amount as people and spreadsheets in any common locale write it. A single mark
    before three digits ("1,250", "1.250") is read as `decimal_comma` says: True, a comma is
    the decimal mark and a point groups thousands; False, the other way round; None (nothing
    says), either groups thousands. A value with more decimals than cents is refused unless
    they are trailing zeros (1500.500). Raises AmountError."""
    raw = str(text).strip()
    plain = plain_amount(raw)
    if plain is not None:
        return Amount(plain, None, POINT if "." in raw else "")
    return read_formatted(raw, decimal_comma)


def read_formatted(raw: str, decimal_comma: bool | None = None) -> Amount:
    """`read_amount` of a stripped text that is not a plain amount."""
    if not raw:
        raise InputError("Enter an amount (" + HINT + ").")
    work = raw.replace("\u2212", "-")  # the minus sign Swedish and other locales write
    currency: str | None = None
    if _BARE.match(raw) is None:  # a symbol, a code, a sign or a multiplier
        m = (_LEAD.match(work) if work[0] in _LEAD_FIRST else None) or (
            _TRAIL.match(work) if work[-1] in _TRAIL_LAST else None
        )
        if m:
            currency = (_LEAD_SYMBOLS if m.re is _LEAD else _TRAIL_SYMBOLS)[m.group("sym")]
            work = m.group("rest")
        else:
            for symbol, code in SYMBOLS.items():
                if symbol in work:
                    currency = code
                    work = work.replace(symbol, "", 1)
                    break
        stripped = work.strip()
        m = _CODE_FIRST.match(stripped) or _CODE_LAST.match(stripped)
        if m:  # "EUR 3 500", "12k usd"; a symbol already seen wins over the code
            code = m.group("code").upper()
            if code not in ISO_4217:
                raise AmountError(
                    raw,
                    f"is not an amount: {code} is not a currency code; {ACCEPTED}",
                    f"Cannot read {raw!r} as an amount: {code} is not a currency code; {HINT}.",
                )
            currency, work = currency or code, m.group("rest")
    work = _SPACES.sub("", work).lower()
    if work[-2:] in (".–", ".-", ",–", ",-", ".—", ",—") and work[:-2][-1:].isdigit():
        work = work[:-1] + "00"  # a round amount as Swiss and German prices write it: 12'000.–, 12.000,–
    if work in ("-", "–", "—") and (currency is not None or raw in ("-", "–", "—")):
        return Amount(0, currency, "")  # '$ -': the accounting format writes zero as a dash
    if work.startswith(("-", "(")):
        raise AmountError(
            raw,
            "is negative: a deal's value is never below zero (write it without the minus sign or brackets)",
        )
    if work.startswith("+"):
        work = work[1:]
    m = _SHAPE.match(work)
    if not m:
        raise _unreadable(raw)
    number, mark = _normalize_separators(
        m.group("num"), raw, decimal_comma, indian=currency == "INR", whole=currency in WHOLE_UNITS
    )
    try:
        amount = Decimal(number) * MULTIPLIERS[m.group("mult") or ""]
    except InvalidOperation:
        raise _unreadable(raw) from None
    cents = amount * 100
    if m.group("mult"):
        cents = cents.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    elif cents != cents.to_integral_value():
        cents_only = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        raise AmountError(raw, too_precise(cents_only))
    minor = int(cents)
    if minor >= MAX_MINOR:
        raise AmountError(raw, "is too large for a deal value")
    return Amount(minor, currency, mark)


def too_precise(rounded: Decimal) -> str:
    """Why an amount with more decimals than cents is refused, and the fix."""
    return f"has more than two decimal places: round it to cents in the file, e.g. {rounded}"


def _unreadable(raw: str) -> AmountError:
    return AmountError(raw, f"is not an amount; {ACCEPTED}", f"Cannot read {raw!r} as an amount; {HINT}.")


def parse_money(text: str) -> int:
    """Minor units for what a person typed; raises InputError with a hint."""
    return parse_amount(text)[0]


def _normalize_separators(
    num: str, raw: str, decimal_comma: bool | None, *, indian: bool, whole: bool
) -> tuple[str, str]:
    """The number with a point for its decimal mark and no grouping marks, and what its
    marks say of the decimal mark (`Amount.mark`). `indian`: lakh grouping (12,34,567) is
    read; `whole`: the currency has no cents, so a mark before three digits groups them."""
    if "," in num and "." in num:
        decimal_mark = "," if num.rfind(",") > num.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        head, _, frac = num.rpartition(decimal_mark)
        if decimal_mark in head or not _grouped(head, group_mark, indian=indian):
            raise AmountError(raw, f"is not an amount: mixed separators; {ACCEPTED}")
        return head.replace(group_mark, "") + "." + frac, decimal_mark
    for mark in (",", "."):
        if mark in num:
            other = "." if mark == "," else ","
            parts = num.split(mark)
            if len(parts) > 2:  # 1,234,567: a grouping mark
                if not _grouped(num, mark, indian=indian):
                    raise AmountError(raw, f"is not an amount: misplaced {mark!r}; {ACCEPTED}")
                return num.replace(mark, ""), other
            whole_part, frac = parts
            if not whole_part or not frac:
                raise AmountError(raw, f"is not an amount: misplaced {mark!r}; {ACCEPTED}")
            # "0.050" and "1500.500" are decimals: no thousands group starts with a zero or
            # follows four digits.
            if len(frac) == 3 and _grouped(num, mark, indian=indian):
                if whole:
                    return whole_part + frac, ""
                decimal = decimal_comma is (mark == ",") if decimal_comma is not None else False
                return (whole_part + "." + frac if decimal else whole_part + frac), EITHER + mark
            return whole_part + "." + frac, mark
    return num, ""


def _grouped(num: str, mark: str, *, indian: bool = False) -> bool:
    parts = num.split(mark)
    if indian and mark == "," and len(parts) > 2:  # 12,34,567: lakhs and crores
        return (
            1 <= len(parts[0]) <= 2
            and parts[0].isdigit()
            and not parts[0].startswith("0")
            and all(len(p) == 2 and p.isdigit() for p in parts[1:-1])
            and len(parts[-1]) == 3
            and parts[-1].isdigit()
        )
    return (
        1 <= len(parts[0]) <= 3
        and parts[0].isdigit()
        and not (len(parts) > 1 and parts[0].startswith("0"))
        and all(len(p) == 3 and p.isdigit() for p in parts[1:])
    )


def format_money(minor: int, currency: str = "USD", *, compact: bool = False) -> str:
    """'$12,000', '$12,000.50', or compact '$12k', '$1.2m'."""
    symbol = CODE_TO_SYMBOL.get(currency.upper(), "") if currency else ""
    prefix = symbol or (f"{currency.upper()} " if currency else "")
    major = Decimal(minor) / 100
    if compact:
        for limit, suffix in ((1_000_000_000, "b"), (1_000_000, "m"), (1_000, "k")):
            # 0.9995: what would round up to "1000k" is shown as "1m".
            if abs(major) >= limit * Decimal("0.9995"):
                scaled = major / limit
                text = f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 100 else f"{scaled:.0f}"
                return f"{prefix}{text}{suffix}"
        return f"{prefix}{major:.0f}"
    if minor % 100:
        return f"{prefix}{major:,.2f}"
    return f"{prefix}{major:,.0f}"


def minor_to_decimal_str(minor: int) -> str:
    """'12000.50' for 1200050: exact, for CSV and JSON."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


Rates = Mapping[str, Decimal]  # currency -> value of one unit in the base currency


def convert(totals: Mapping[str, int], rates: Rates | None, base: str) -> int | None:
    """The totals in `base` at the user's rates, or None when a currency has no rate."""
    total = Decimal(0)
    for code, minor in totals.items():
        if code == base:
            total += minor
        elif rates and code in rates:
            total += Decimal(minor) * rates[code]
        else:
            return None
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def format_totals(
    totals: Mapping[str, int],
    *,
    base: str = "USD",
    compact: bool = False,
    rates: Rates | None = None,
) -> str:
    """'$12k + €30k' (largest first), never one figure added across currencies; with
    exchange rates for every currency, '≈ $44k (converted)'."""
    shown = {code: minor for code, minor in totals.items() if minor}
    if not shown:
        return format_money(0, base, compact=compact)
    if len(shown) == 1:
        code, minor = next(iter(shown.items()))
        return format_money(minor, code, compact=compact)
    converted = convert(shown, rates, base) if rates else None
    if converted is not None:
        return f"≈ {format_money(converted, base, compact=compact)} (converted)"
    order = sorted(shown.items(), key=lambda item: (item[0] != base, -item[1], item[0]))
    return " + ".join(format_money(minor, code, compact=compact) for code, minor in order)


def parse_rates(text: str, base: str) -> dict[str, Decimal]:
    """'EUR=1.08, GBP=1.27' (one unit of each in the base currency); '' clears them."""
    rates: dict[str, Decimal] = {}
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        code, sep, number = part.partition("=")
        code = code.strip().upper()
        if not sep or len(code) != 3 or not code.isascii() or not code.isalpha():
            raise InputError(f"{part!r}: write rates as CODE=NUMBER, e.g. EUR=1.08,GBP=1.27.")
        if code == base:
            raise InputError(f"{code} is the default currency; it needs no rate.")
        try:
            value = Decimal(number.strip())
        except InvalidOperation:
            raise InputError(f"{part!r}: {number.strip()!r} is not a number.") from None
        if not value.is_finite() or value <= 0 or value > 1_000_000:
            raise InputError(f"{part!r}: a rate is a positive number.")
        rates[code] = value
    return rates


def format_rates(rates: Mapping[str, Decimal]) -> str:
    return ",".join(f"{code}={value}" for code, value in sorted(rates.items()))

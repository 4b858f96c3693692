"""Parse and show money. Amounts are integers in minor units (cents)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_MINOR

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
CODE_TO_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000, "mm": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']")
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
    raw = str(text).strip()
    plain = plain_amount(raw)
    if plain is not None:
        return plain, None
    if not raw:
        raise InputError("Enter an amount (" + HINT + ").")
    work = raw
    currency: str | None = None
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
            raise InputError(f"Cannot read {raw!r} as an amount: {code} is not a currency code; {HINT}.")
        currency, work = currency or code, m.group("rest")
    work = _SPACES.sub("", work).lower()
    if work.startswith(("-", "(")):
        raise InputError(f"{raw!r}: a deal value cannot be negative.")
    if work.startswith("+"):
        work = work[1:]
    m = _SHAPE.match(work)
    if not m:
        raise InputError(f"Cannot read {raw!r} as an amount; {HINT}.")
    number = _normalize_separators(m.group("num"), raw)
    try:
        amount = Decimal(number) * MULTIPLIERS[m.group("mult") or ""]
    except InvalidOperation:
        raise InputError(f"Cannot read {raw!r} as an amount; {HINT}.") from None
    cents = amount * 100
    if m.group("mult"):
        cents = cents.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    elif cents != cents.to_integral_value():
        raise InputError(f"{raw!r} has more than two decimal places.")
    minor = int(cents)
    if minor >= MAX_MINOR:
        raise InputError(f"{raw!r} is too large for a deal value.")
    return minor, currency


def parse_money(text: str) -> int:
    """Minor units for what a person typed; raises InputError with a hint."""
    return parse_amount(text)[0]


def _normalize_separators(num: str, raw: str) -> str:
    """Decide which of , and . is the decimal mark and drop the grouping marks."""
    if "," in num and "." in num:
        decimal_mark = "," if num.rfind(",") > num.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        whole, _, frac = num.rpartition(decimal_mark)
        if decimal_mark in whole or not _grouped(whole, group_mark):
            raise InputError(f"Cannot read {raw!r} as an amount: mixed separators.")
        return whole.replace(group_mark, "") + "." + frac
    for mark in (",", "."):
        if mark in num:
            parts = num.split(mark)
            # "0.050" is a decimal, not a group: no thousands group starts with a zero.
            if len(parts) > 2 or (len(parts[-1]) == 3 and not parts[0].startswith("0")):
                if not _grouped(num, mark):
                    raise InputError(f"Cannot read {raw!r} as an amount: misplaced {mark!r}.")
                return num.replace(mark, "")
            if not parts[-1] or not parts[0]:
                raise InputError(f"Cannot read {raw!r} as an amount: misplaced {mark!r}.")
            return parts[0] + "." + parts[1]
    return num


def _grouped(num: str, mark: str) -> bool:
    parts = num.split(mark)
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

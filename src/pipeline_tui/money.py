"""Parse and show money. Amounts are integers in minor units (cents)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from pipeline_tui.errors import InputError

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
CODE_TO_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
MULTIPLIERS = {"": 1, "k": 1_000, "m": 1_000_000, "mm": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000}
MAX_MINOR = 10**15  # ten trillion in major units: anything bigger is a typo
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']")
_CODE_FIRST = re.compile(r"^(?P<code>[A-Za-z]{3})\s*(?P<rest>[\d+\-(].*)$")
_CODE_LAST = re.compile(r"^(?P<rest>.*\d[kKmMbB]{0,2})\s*(?P<code>[A-Za-z]{3})$")
_SHAPE = re.compile(r"^(?P<num>\d[\d.,]*)(?P<mult>k|mm|m|bn|b)?$")
HINT = "try 12000, 12,000, $12,000.50, 12k, 1.2m or €3 500"


def parse_amount(text: str) -> tuple[int, str | None]:
    """Return (minor units, currency code or None) for what a person typed."""
    raw = str(text).strip()
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
        currency, work = currency or m.group("code").upper(), m.group("rest")
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

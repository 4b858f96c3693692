"""Marks, widths and the money and label helpers every format of the report shares."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline_tui.display import safe
from pipeline_tui.models import Outcome
from pipeline_tui.money import Rates, convert, format_money, format_totals
from pipeline_tui.report import LOST, NO_DECISION, WON, TrendRow, ValueRate, percent

LINE = 80  # the text report fits an 80-column terminal
OUTCOME_NOTES = {
    WON: "Won",
    LOST: "Lost (decided against us)",
    NO_DECISION: "No decision (stalled)",
}
NO_DECISION_MARK = "∅"
CONVERTED_MARK = "≈"


# ------------------------------------------------------------------ money


def money(totals: Mapping[str, int], base: str, rates: Rates | None, *, compact: bool = True) -> str:
    """One figure per currency ('$12k + €30k'), or '≈ $44k' converted at the user's rates."""
    shown = {code: minor for code, minor in totals.items() if minor}
    if len(shown) > 1 and rates:
        converted = convert(shown, rates, base)
        if converted is not None:
            return f"{CONVERTED_MARK} {format_money(converted, base, compact=compact)}"
    return format_totals(shown, base=base, compact=compact)


def is_converted(totals: Mapping[str, int], base: str, rates: Rates | None) -> bool:
    shown = {code for code, minor in totals.items() if minor}
    return bool(rates) and len(shown) > 1 and convert(totals, rates, base) is not None


def value_rates_text(closed: ValueRate, decided: ValueRate) -> str:
    """Both win rates by value: '20% · 25%', '≈ 47% · 61%' (converted), or one pair per
    currency, 'USD 38% · 50%, EUR 80% · 100%'."""
    if closed.converted:
        code = next(iter(closed.rates))
        return f"{CONVERTED_MARK} {percent(closed.rates[code])} · {percent(decided.rates.get(code))}"
    return ", ".join(
        (f"{code} " if len(closed.rates) > 1 else "") + f"{percent(r)} · {percent(decided.rates.get(code))}"
        for code, r in closed.rates.items()
    )


# ------------------------------------------------------------------ text


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def trend_label(row: TrendRow) -> str:
    return row.period.label + (" *" if row.partial else "")


def top_reason_text(row: TrendRow) -> str:
    if row.top_reason is None:
        return "—"
    mark = f"{NO_DECISION_MARK} " if row.top_reason_outcome is Outcome.NO_DECISION else ""
    return f"{mark}{safe(row.top_reason)}"

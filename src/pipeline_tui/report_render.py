"""The win-loss report written out: JSON for scripts, text for the terminal, and the same
tables as CSV or Markdown for a manager. The status line's quota figures too.

Amounts are shown per currency ("$12k + €30k"), or converted into the default currency
with a mark that says so ("≈ $44k") when the user's exchange rates cover every currency.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline_tui.display import safe
from pipeline_tui.models import Outcome
from pipeline_tui.money import Rates, convert, format_money, format_totals, minor_to_decimal_str
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    WON,
    Losses,
    Quota,
    Ranking,
    Report,
    Row,
    Tally,
    Trend,
    TrendRow,
    ValueRate,
    bar,
    percent,
    times,
)

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


def _decimal(minor: int) -> float:
    return float(minor_to_decimal_str(minor))


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


# ------------------------------------------------------------------ JSON


def _rate(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _days(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _values(totals: Mapping[str, int]) -> dict[str, Any]:
    ordered = sorted(totals.items())
    return {
        "value": {code: _decimal(minor) for code, minor in ordered},
        "value_minor": {code: int(minor) for code, minor in ordered},
    }


def _tally(tally: Tally, report_base: str, rates: Rates | None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"count": tally.count, **_values(tally.values), **extra}
    if is_converted(tally.values, report_base, rates):
        out["converted"] = {
            "currency": report_base,
            "value": _decimal(convert(tally.values, rates, report_base) or 0),
        }
    return out


def _row(row: Row, ranking: Ranking) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": row.label,
        "count": row.count,
        **_values(row.values),
        "share": _rate(row.share),
        "cumulative": _rate(row.cumulative),
    }
    if ranking.by == "value":
        out["amount"] = _decimal(row.value)
        out["amount_minor"] = row.value
        out["value_share"] = _rate(row.value_share)
    return out


def _losses(tables: Losses) -> dict[str, Any]:
    return {
        "reasons_by_count": [_row(r, tables.reasons_by_count) for r in tables.reasons_by_count.rows],
        "reasons_by_value": [
            {"currency": k.currency, "converted": k.converted, "rows": [_row(r, k) for r in k.rows]}
            for k in tables.reasons_by_value
        ],
        "at_stage": [_row(r, tables.by_stage) for r in tables.by_stage.rows],
        "to_competitor": [_row(r, tables.by_competitor) for r in tables.by_competitor.rows],
    }


def _value_rate(rate: ValueRate) -> dict[str, float | None]:
    return {code: _rate(r) for code, r in rate.rates.items()}


def quota_json(q: Quota) -> dict[str, Any]:
    rates = q.rates or None

    def amount(minor: int | None) -> float | None:
        return None if minor is None else _decimal(minor)

    return {
        "period": {**q.period.to_json(), "kind": q.kind},
        "currency": q.currency,
        "quota": amount(q.quota) if q.quota else None,
        "won": _tally(q.won, q.currency, rates),
        "won_in_quota_currency": amount(q.won_amount),
        "attainment": _rate(q.attainment),
        "left_to_win": amount(q.left_to_win),
        "pipeline": _tally(q.pipeline, q.currency, rates),
        "pipeline_in_quota_currency": amount(q.pipeline_amount),
        "coverage": None if q.coverage is None else round(q.coverage, 2),
        "weighted_pipeline": _values(q.weighted)["value"],
        "forecast": amount(q.forecast),
        "forecast_attainment": _rate(q.forecast_attainment),
        "converted": q.converted,
        "not_counted": {name: _values(totals)["value"] for name, totals in q.not_counted.items()},
        "open_without_close_date": _tally(q.no_close_date or Tally(), q.currency, rates),
        "open_with_close_date_before_period": _tally(q.overdue or Tally(), q.currency, rates),
        "open_closing_after_period": _tally(q.later or Tally(), q.currency, rates),
        "in_period_in_stages_without_probability": q.without_probability,
    }


def trend_json(trend: Trend, base: str, rates: Rates | None) -> dict[str, Any]:
    def one(row: TrendRow) -> dict[str, Any]:
        top = None
        if row.top_reason is not None:
            outcome = row.top_reason_outcome.value if row.top_reason_outcome else LOST
            top = {"label": row.top_reason, "outcome": outcome, "count": row.top_reason_count}
        return {
            **row.period.to_json(),
            "partial": row.partial,
            "closed": row.closed,
            "won": _tally(row.won, base, rates),
            "lost": _tally(row.lost, base, rates),
            "no_decision": _tally(row.no_decision, base, rates),
            "win_rate": _rate(row.win_rate),
            "decided_win_rate": _rate(row.decided_win_rate),
            "no_decision_rate": _rate(row.no_decision_rate),
            "top_loss_reason": top,
        }

    return {"by": trend.by, "periods": [one(row) for row in trend.rows]}


def report_json(report: Report) -> dict[str, Any]:
    """Every figure of the report, amounts per currency (and converted where rates allow)."""
    base, rates = report.currency, report.rates or None
    outcomes = {
        name: _tally(report.outcome(name), base, rates, share=_rate(report.share(name)))
        for name in (WON, LOST, NO_DECISION)
    }
    closed = Tally(report.closed_count, report.closed_values)
    return {
        "period": report.period.to_json(),
        "currency": base,
        "exchange_rates": {code: str(rate) for code, rate in sorted(report.rates.items())},
        "outcomes": {**outcomes, "closed": _tally(closed, base, rates)},
        "win_rate": {
            "of_closed": {
                "by_count": _rate(report.win_rate_count),
                "by_value": _value_rate(report.win_rate_value),
            },
            "of_decided": {
                "by_count": _rate(report.decided_win_rate_count),
                "by_value": _value_rate(report.decided_win_rate_value),
            },
            "by_value_basis": report.win_rate_value.basis,
        },
        "avg_days_to_close": {
            WON: _days(report.won.days),
            LOST: _days(report.lost.days),
            NO_DECISION: _days(report.no_decision.days),
        },
        "losses": {
            LOST: _losses(report.lost_tables),
            NO_DECISION: _losses(report.no_decision_tables),
        },
        "quota": quota_json(report.quota) if report.quota else None,
        "trend": trend_json(report.trend, base, rates) if report.trend else None,
        "now": {
            "stale": report.stale_now,
            "revisits_due": report.revisits_due,
            "lost_without_reason": report.lost_without_reason_all,
        },
        "lost_without_reason_in_period": report.lost_without_reason,
    }


# ------------------------------------------------------------------ lines shared by text and screen


def win_rate_lines(report: Report) -> list[str]:
    """The two win rates, by count and by value, saying how values across currencies were used."""
    closed, decided = report.win_rate_value, report.decided_win_rate_value
    lines = [
        f"Win rate by count: {percent(report.win_rate_count)} of closed · "
        f"{percent(report.decided_win_rate_count)} of decided (won ÷ won + lost)",
    ]
    if len(closed.rates) == 1:
        code = next(iter(closed.rates))
        basis = f" ({CONVERTED_MARK} converted to {code})" if closed.converted else ""
        lines.append(
            f"Win rate by value{basis}: {percent(closed.rates[code])} of closed · "
            f"{percent(decided.rates.get(code))} of decided"
        )
    else:
        lines.append("Win rate by value, per currency (never added across currencies):")
        lines += [
            f"  {code} {percent(r)} of closed · {percent(decided.rates.get(code))} of decided"
            for code, r in closed.rates.items()
        ]
    return lines


def days_line(report: Report) -> str:
    def days(x: float | None) -> str:
        return "—" if x is None else f"{x:.0f}"

    return (
        f"Average days to close: won {days(report.won.days)} · lost {days(report.lost.days)} · "
        f"no decision {days(report.no_decision.days)}"
    )


def quota_lines(q: Quota) -> list[str]:
    """What the current period looks like against the quota, in the quota's currency."""
    cur = q.currency
    mark = f"{CONVERTED_MARK} " if q.converted else ""

    def m(minor: int | None) -> str:
        return "—" if minor is None else mark + format_money(minor, cur)

    head = f"Quota · {q.period.label} ({q.period.since:%b %-d} – {q.period.until:%b %-d})"
    lines = [f"{head}: " + (format_money(q.quota, cur) if q.quota else "none set (config quota AMOUNT)")]
    left_out = q.not_counted

    def count(tally: Tally, name: str) -> str:
        # The count covers every deal; an amount in a currency without a rate is not in the
        # figure beside it but in the notes below, and a † says so.
        return f"({tally.count:,} deals{'†' if name in left_out else ''})"

    won_tail = f"   {percent(q.attainment)} of quota" if q.quota else ""
    lines.append(f"  Won so far                 {m(q.won_amount):>14}{won_tail}   {count(q.won, 'won')}")
    if q.quota:
        lines.append(f"  Left to win                {m(q.left_to_win):>14}")
    cover = f"   {times(q.coverage)} coverage" if q.quota else ""
    lines.append(
        f"  Pipeline closing in period {m(q.pipeline_amount):>14}{cover}   {count(q.pipeline, 'pipeline')}"
    )
    fc = f"   {percent(q.forecast_attainment)} of quota" if q.quota else ""
    lines.append(f"  Weighted forecast          {m(q.forecast):>14}{fc}")
    notes = quota_notes(q)
    if notes:
        lines.append(f"  {'† ' if left_out else ''}Not in these figures:")
        lines += [f"    {cut(note, LINE - 4)}" for note in notes]
    if q.converted:
        lines.append(f"  {CONVERTED_MARK} converted to {cur} at your exchange rates")
    return lines


def quota_notes(q: Quota) -> list[str]:
    """The open deals and amounts the quota figures leave out, so none is dropped silently."""
    rates = q.rates or None

    def deals(t: Tally) -> str:
        return f"{t.count:,} open deal{'s' if t.count != 1 else ''}"

    notes = []
    for tally, where in (
        (q.no_close_date, "without a close date"),
        (q.overdue, f"with a close date before {q.period.label}"),
        (q.later, f"closing after {q.period.label}"),
    ):
        if tally is not None and tally.count:
            notes.append(f"{deals(tally)} {where} ({money(tally.values, q.currency, rates)})")
    for name, totals in q.not_counted.items():
        what = "won" if name == "won" else "in the pipeline"
        codes = ", ".join(sorted(totals))
        shown = format_totals(totals, base=q.currency, compact=True)
        notes.append(f"{shown} {what} (no {codes} rate in the settings)")
    return notes


def quota_status(q: Quota | None) -> list[str]:
    """The status line's quota figures, longest first (the board shows what fits)."""
    if q is None or not q.quota:
        return []
    cur = q.currency
    mark = CONVERTED_MARK if q.converted else ""

    def m(minor: int | None) -> str:
        return mark + format_money(minor or 0, cur, compact=True)

    short = q.period.label.split(" ")[0]
    won, quota, left, att, cover = (
        m(q.won_amount),
        format_money(q.quota, cur, compact=True),  # the quota itself is never converted
        m(q.left_to_win),
        percent(q.attainment),
        times(q.coverage),
    )
    return [
        f"{q.period.label}: {won} of {quota} ({att}) · {left} to go"
        f" · pipeline {m(q.pipeline_amount)} ({cover} coverage) · forecast {m(q.forecast)}",
        f"{short}: {att} of {quota} · {left} to go · {cover} coverage · forecast {m(q.forecast)}",
        f"{short}: {percent(q.attainment)} of quota · {times(q.coverage)} coverage",
        f"{short} {percent(q.attainment)} · {times(q.coverage)} cover",
        f"{short} {percent(q.attainment)}",
    ]


# ------------------------------------------------------------------ text


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def render_text(report: Report, *, bar_width: int = 20) -> str:
    """The report as plain text for the terminal (the CLI); fits 80 columns."""
    base, rates = report.currency, report.rates or None
    lines = [f"Win-loss report · {report.period.label}", ""]
    converted = False

    def cell(totals: Mapping[str, int]) -> str:
        nonlocal converted
        converted = converted or is_converted(totals, base, rates)
        return money(totals, base, rates)

    outcome_rows = [(OUTCOME_NOTES[n], report.outcome(n), report.share(n)) for n in (WON, LOST, NO_DECISION)]
    cells = [cell(t.values) for _, t, _ in outcome_rows]
    vw = max(8, *map(len, cells))
    lines.append(f"{'Outcomes':<28} {'Deals':>6} {'Value':>{vw}} {'Share':>5}")
    for (label, tally, share), value in zip(outcome_rows, cells, strict=True):
        graph = bar(share or 0, min(bar_width, max(4, LINE - 28 - 6 - vw - 5 - 6)))
        lines.append(f"  {label:<26} {tally.count:>6,} {value:>{vw}} {percent(share):>5}  {graph}")
    lines += win_rate_lines(report)
    lines.append(days_line(report))

    def section(ranking: Ranking, empty: str) -> None:
        lines.append("")
        title = ranking.title
        if ranking.by == "value":
            title += f" ({base}, converted)" if ranking.converted else f" ({ranking.currency})"
        lines.append(f"{title} · deals, value, share, cumulative")
        if not ranking.rows:
            lines.append(f"  ({empty})")
            return
        by_value = ranking.by == "value"
        values = [
            format_money(r.value, ranking.currency or base, compact=True) if by_value else cell(r.values)
            for r in ranking.rows
        ]
        if by_value and ranking.converted:
            values = [f"{CONVERTED_MARK} {v}" for v in values]
        vw = max(8, *map(len, values))
        width = max(4, min(bar_width, LINE - 2 - 26 - 1 - 6 - 1 - vw - 12 - 2))
        top = max((r.value if by_value else r.count) for r in ranking.rows) or 1
        for r, value in zip(ranking.rows, values, strict=True):
            amount = r.value if by_value else r.count
            share = r.value_share if by_value else r.share
            lines.append(
                f"  {cut(safe(r.label), 26):<26} {r.count:>6,} {value:>{vw}} "
                f"{percent(share):>5} {percent(r.cumulative):>5}  {bar(amount / top, width)}"
            )

    for outcome in (Outcome.LOST, Outcome.NO_DECISION):
        tables = report.tables(outcome)
        if not report.outcome(outcome.value).count:
            lines += ["", f"{OUTCOME_NOTES[outcome.value]}: none in this period"]
            continue
        for ranking in (tables.reasons_by_count, *tables.reasons_by_value, tables.by_stage):
            section(ranking, "none in this period")
        if tables.by_competitor.rows or outcome is Outcome.LOST:
            section(tables.by_competitor, "no competitor named")
    if report.quota is not None:
        lines.append("")
        lines += quota_lines(report.quota)
    if report.trend is not None:
        lines.append("")
        lines += trend_lines(report.trend)
    lines.append("")
    lines.append(
        f"Now: {report.stale_now:,} stale · {report.revisits_due:,} revisits due · "
        f"{report.lost_without_reason_all:,} lost deals without a reason"
    )
    if converted:
        lines.append(f"{CONVERTED_MARK} converted to {base} at your exchange rates")
    return "\n".join(lines)


def trend_label(row: TrendRow) -> str:
    return row.period.label + (" *" if row.partial else "")


def top_reason_text(row: TrendRow) -> str:
    if row.top_reason is None:
        return "—"
    mark = f"{NO_DECISION_MARK} " if row.top_reason_outcome is Outcome.NO_DECISION else ""
    return f"{mark}{safe(row.top_reason)}"


def trend_lines(trend: Trend, *, width: int = LINE, bar_width: int = 10) -> list[str]:
    """The last periods as rows of bars: closed count, win rate, no-decision rate, top reason."""
    unit = "Quarter" if trend.by == "quarter" else "Month"
    lines = [
        f"Trend · last {len(trend.rows)} {unit.lower()}s (win rate: won ÷ closed; "
        f"{NO_DECISION_MARK} a no-decision reason)",
        f"  {unit:<10} {'Closed':>6}  {'Win rate':<{bar_width + 5}}  {'No decision':<{bar_width + 5}}"
        "  Top loss reason",
    ]
    reason_width = max(8, width - (2 + 10 + 1 + 6 + 2 + (bar_width + 5) + 2 + (bar_width + 5) + 2))
    for row in trend.rows:
        win = f"{percent(row.win_rate):>4} {bar(row.win_rate or 0, bar_width):<{bar_width}}"
        nd = f"{percent(row.no_decision_rate):>4} {bar(row.no_decision_rate or 0, bar_width):<{bar_width}}"
        reason = cut(top_reason_text(row), reason_width)
        lines.append(f"  {trend_label(row):<10} {row.closed:>6,}  {win}  {nd}  {reason}")
    partial = next((row for row in trend.rows if row.partial), None)
    if partial is not None and partial.period.since is not None:
        lines.append(f"  * partial: {partial.period.label} so far (from {partial.period.since:%b %-d})")
    return [line.rstrip() for line in lines]


# ------------------------------------------------------------------ tables (CSV and Markdown)


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, int, pct, times, days, money


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


def report_tables(report: Report) -> list[Table]:
    """The report as plain tables: the same for CSV and Markdown."""
    base = report.currency
    name = Column("", "text")
    deals, value, share, cum = (
        Column("Deals", "int"),
        Column("Value", "money"),
        Column("Share", "pct"),
        Column("Cumulative", "pct"),
    )
    tables = [
        Table(
            f"Outcomes · {report.period.label}",
            [
                Column("Outcome"),
                deals,
                value,
                Column("Share of closed", "pct"),
                Column("Avg days to close", "days"),
            ],
            [
                [
                    OUTCOME_NOTES[n],
                    report.outcome(n).count,
                    report.outcome(n).values,
                    report.share(n),
                    report.outcome(n).days,
                ]
                for n in (WON, LOST, NO_DECISION)
            ],
        )
    ]
    rate_rows: list[list[Any]] = [["By count", report.win_rate_count, report.decided_win_rate_count]]
    closed_v, decided_v = report.win_rate_value, report.decided_win_rate_value
    for code in closed_v.rates:
        label = f"By value ({base}, converted)" if closed_v.converted else f"By value ({code})"
        rate_rows.append([label, closed_v.rates[code], decided_v.rates.get(code)])
    tables.append(
        Table(
            "Win rate",
            [Column("Measure"), Column("Of closed", "pct"), Column("Of decided", "pct")],
            rate_rows,
            note="Of decided: won ÷ (won + lost), leaving out deals where the buyer never decided.",
        )
    )
    for outcome in (Outcome.LOST, Outcome.NO_DECISION):
        t = report.tables(outcome)
        for ranking, first in (
            (t.reasons_by_count, Column("Reason")),
            *((r, Column("Reason")) for r in t.reasons_by_value),
            (t.by_stage, Column("Stage")),
            (t.by_competitor, Column("Competitor")),
        ):
            if ranking.by == "value":
                title = ranking.title + (
                    f" ({base}, converted)" if ranking.converted else f" ({ranking.currency})"
                )
                code = ranking.currency or base
                rows = [
                    [r.label, r.count, {code: r.value}, r.value_share, r.cumulative] for r in ranking.rows
                ]
                cols = [
                    first,
                    deals,
                    Column(f"Value ({code})", "money"),
                    Column("Share of value", "pct"),
                    cum,
                ]
            else:
                title = ranking.title
                rows = [[r.label, r.count, r.values, r.share, r.cumulative] for r in ranking.rows]
                cols = [first, deals, value, share, cum]
            tables.append(Table(title, cols, rows))
    if report.quota is not None:
        tables.append(quota_table(report.quota))
    if report.trend is not None:
        tables.append(trend_table(report.trend))
    tables.append(
        Table(
            "Now",
            [name, deals],
            [
                ["Stale deals", report.stale_now],
                ["Revisits due", report.revisits_due],
                ["Lost without a reason", report.lost_without_reason_all],
            ],
        )
    )
    return tables


def quota_table(q: Quota) -> Table:
    cur = q.currency

    def amount(minor: int | None) -> dict[str, int] | None:
        return None if minor is None else {cur: minor}

    rows: list[list[Any]] = [
        ["Quota", None, amount(q.quota) if q.quota else None, None, None],
        ["Won so far", q.won.count, amount(q.won_amount), q.attainment, None],
        ["Left to win", None, amount(q.left_to_win), None, None],
        ["Pipeline closing in the period", q.pipeline.count, amount(q.pipeline_amount), None, q.coverage],
        ["Weighted forecast", None, amount(q.forecast), q.forecast_attainment, None],
        [
            "Open, no close date (not counted)",
            (q.no_close_date or Tally()).count,
            (q.no_close_date or Tally()).values,
            None,
            None,
        ],
        [
            "Open, close date before the period (not counted)",
            (q.overdue or Tally()).count,
            (q.overdue or Tally()).values,
            None,
            None,
        ],
        [
            "Open, closing after the period (not counted)",
            (q.later or Tally()).count,
            (q.later or Tally()).values,
            None,
            None,
        ],
    ]
    for name, totals in q.not_counted.items():
        what = "Won" if name == "won" else "Pipeline"
        rows.append([f"{what} in a currency without a rate (not counted)", None, totals, None, None])
    note = "Coverage: the pipeline closing in the period ÷ the quota."
    if q.converted:
        note += f" Amounts converted to {cur} at your exchange rates."
    return Table(
        f"Quota · {q.period.label}",
        [
            Column("Figure"),
            Column("Deals", "int"),
            Column("Amount", "money"),
            Column("Of quota", "pct"),
            Column("Coverage", "times"),
        ],
        rows,
        note=note,
    )


def trend_table(trend: Trend) -> Table:
    unit = "Quarter" if trend.by == "quarter" else "Month"
    return Table(
        f"Trend · last {len(trend.rows)} {unit.lower()}s",
        [
            Column(unit),
            Column("Closed", "int"),
            Column("Won", "int"),
            Column("Lost", "int"),
            Column("No decision", "int"),
            Column("Win rate", "pct"),
            Column("Win rate of decided", "pct"),
            Column("No-decision rate", "pct"),
            Column("Top loss reason"),
            Column("Top reason kind"),
        ],
        [
            [
                trend_label(row),
                row.closed,
                row.won.count,
                row.lost.count,
                row.no_decision.count,
                row.win_rate,
                row.decided_win_rate,
                row.no_decision_rate,
                row.top_reason or "",
                (row.top_reason_outcome.label if row.top_reason_outcome else ""),
            ]
            for row in trend.rows
        ],
        note="* partial: the current period, still under way.",
    )


def _currencies(tables: Iterable[Table]) -> dict[int, list[str]]:
    """Per table, the currencies its money columns hold (the default first)."""
    out = {}
    for index, table in enumerate(tables):
        codes: set[str] = set()
        for row in table.rows:
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money" and cell:
                    codes |= {c for c, m in cell.items() if m}
        out[index] = sorted(codes)
    return out


def render_markdown(report: Report) -> str:
    """The report's tables as GitHub-flavoured Markdown (stored text escaped)."""
    base, rates = report.currency, report.rates or None
    out = [f"# Win-loss report · {md(report.period.label)}", ""]
    converted = False
    for table in report_tables(report):
        out += [f"## {md(table.title)}", ""]
        if not table.rows:
            out += ["_None in this period._", ""]
            continue
        out.append("| " + " | ".join(md(c.header) for c in table.columns) + " |")
        out.append("|" + "|".join("---:" if c.kind not in ("text",) else "---" for c in table.columns) + "|")
        for row in table.rows:
            cells = []
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money" and cell:
                    converted = converted or is_converted(cell, base, rates)
                cells.append(md(_human(col.kind, cell, base, rates)))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        if table.note:
            out += [md(table.note), ""]
    if converted:
        out += [f"{CONVERTED_MARK} converted to {base} at your exchange rates.", ""]
    return "\n".join(out)


def _human(kind: str, cell: Any, base: str, rates: Rates | None) -> str:
    if cell is None or cell == "":
        return "—" if kind != "text" else ""
    if kind == "int":
        return f"{cell:,}"
    if kind == "pct":
        return percent(cell)
    if kind == "times":
        return times(cell)
    if kind == "days":
        return f"{cell:.0f}"
    if kind == "money":
        return money(cell, base, rates, compact=False)
    return safe(str(cell))


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def md(text: str) -> str:
    """Stored text in a Markdown cell: inert (no links, emphasis or broken tables)."""
    return safe(text).translate(_MD_SPECIAL)


def render_csv(report: Report) -> str:
    """The report's tables one after another in one CSV: a title row, a header row, the rows,
    a blank row. Amounts get one column per currency (exact, never added across currencies);
    shares are percentages; cells a spreadsheet would run as formulas are neutralized."""
    import csv

    from pipeline_tui.csv_io import neutralize

    tables = report_tables(report)
    codes = _currencies(tables)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, table in enumerate(tables):
        writer.writerow([neutralize(table.title)])
        header: list[str] = []
        for col in table.columns:
            if col.kind == "money":
                header += [f"{col.header} {code}".strip() for code in codes[index] or [report.currency]]
            elif col.kind in ("pct",):
                header.append(f"{col.header} (%)")
            else:
                header.append(col.header or "Figure")
        writer.writerow([neutralize(h) for h in header])
        for row in table.rows:
            cells: list[str] = []
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money":
                    cells += [
                        money_csv(cell, code, report.currency) for code in codes[index] or [report.currency]
                    ]
                else:
                    cells.append(neutralize(_raw(col.kind, cell)))
            writer.writerow(cells)
        if table.note:
            writer.writerow([neutralize(table.note)])
        writer.writerow([])
    return buffer.getvalue()


def money_csv(cell: Mapping[str, int] | None, code: str, base: str) -> str:
    """One currency's amount, exact; empty where the row has none in it (none at all: 0)."""
    if cell is None:
        return ""
    if code in cell:
        return minor_to_decimal_str(cell[code])
    return "0.00" if not any(cell.values()) and code == base else ""


def _raw(kind: str, cell: Any) -> str:
    if cell is None:
        return ""
    if kind == "pct":
        return f"{cell * 100:.1f}"
    if kind == "times":
        return f"{cell:.4f}".rstrip("0").rstrip(".")
    if kind == "days":
        return f"{cell:.1f}"
    return str(cell)

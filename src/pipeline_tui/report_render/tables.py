"""The report as plain tables (columns, rows, a note): the same for CSV and Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline_tui.models import Outcome
from pipeline_tui.report import LOST, NO_DECISION, WON, Quota, Report, Tally, Trend
from pipeline_tui.report_render.common import OUTCOME_NOTES, trend_label


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
                ["Closed without a close date (All time only)", report.undated_closed],
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

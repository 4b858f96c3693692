"""The report's win-loss table as rows before they are drawn: outcomes, why deals were won
beside why they were lost (by count and by value), stages and competitors (who we beat beside
who beat us), the quota for the current period and what needs doing now; and the quota's
line in the summary above it. The report screen draws the rows (their widths are known only
once all are)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline_tui.models import Outcome
from pipeline_tui.money import format_money
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    WON,
    Period,
    Quota,
    Ranking,
    Report,
    percent,
    times,
)
from pipeline_tui.report_render import CONVERTED_MARK, OUTCOME_NOTES, is_converted, money


@dataclass
class Line:
    """One row of the report table before it is drawn (widths are known only once all are)."""

    row_key: str
    label: str
    style: str = ""
    count: str = ""
    value: str = ""
    share: str = ""
    cum: str = ""
    fraction: float | None = None
    bar_style: str = ""
    key: tuple[Any, ...] | None = None  # what enter lists
    period: Period | None = None  # the period those deals closed in (or the quota's)
    heading: bool = False


def quota_summary(q: Quota) -> list[str | tuple[str, str]]:
    mark = CONVERTED_MARK if q.converted else ""

    def m(minor: int | None) -> str:
        return mark + format_money(minor or 0, q.currency, compact=True)

    if not q.quota:
        return [
            f"{q.period.label}: no quota set (Settings, or `config quota AMOUNT`) · won {m(q.won_amount)}"
            f" · pipeline {m(q.pipeline_amount)} · forecast {m(q.forecast)}"
        ]
    return [
        f"{q.period.label}: {m(q.won_amount)} of {format_money(q.quota, q.currency, compact=True)} (",
        (percent(q.attainment), "bold"),
        f") · {m(q.left_to_win)} to go · ",
        (times(q.coverage), "bold"),
        f" coverage · forecast {m(q.forecast)}",
    ]


def winloss_lines(report: Report, today: date) -> list[Line]:
    """The win-loss tab's rows, before they are drawn."""
    lines: list[Line] = []
    base, rates = report.currency, report.rates or None
    converted = False

    def m(totals: dict[str, int]) -> str:
        nonlocal converted
        converted = converted or is_converted(totals, base, rates)
        return money(totals, base, rates)

    def heading(title: str) -> None:
        lines.append(Line(f"h-{title}", title, "bold", heading=True))

    def dim(row_key: str, text: str) -> None:
        lines.append(Line(row_key, text, "dim"))

    heading("Outcomes")
    for name in (WON, LOST, NO_DECISION):
        tally = report.outcome(name)
        share = report.share(name)
        lines.append(
            Line(
                name,
                OUTCOME_NOTES[name],
                count=f"{tally.count:,}",
                value=m(tally.values),
                share=percent(share),
                fraction=share or 0.0,
                bar_style={WON: "green", LOST: "red", NO_DECISION: "yellow"}[name],
                key=(name, None),
                period=report.period,
            )
        )
    wins = report.wins
    if report.won.count and wins.without_reason == report.won.count:
        heading("Won: reasons")
        dim("e-won", "  none given (w on a won deal)")
    elif report.won.count:  # why we win, beside why we lose
        for ranking in (wins.reasons_by_count, *wins.reasons_by_value):
            section(lines, ranking, report, m, bar_style="green")
    for outcome in (Outcome.LOST, Outcome.NO_DECISION):
        tables = report.tables(outcome)
        title = OUTCOME_NOTES[outcome.value]
        if not report.outcome(outcome.value).count:
            heading(title)
            dim(f"e-{outcome.value}", "  none in this period")
            continue
        rankings = [tables.reasons_by_count, *tables.reasons_by_value, tables.by_stage]
        if tables.by_competitor.rows or outcome is Outcome.LOST:
            rankings.append(tables.by_competitor)
        for ranking in rankings:
            section(lines, ranking, report, m)
        if outcome is Outcome.LOST and wins.beat.rows:  # who we beat, beside who beat us
            section(lines, wins.beat, report, m, bar_style="green")
    if report.quota is not None:
        quota_section(lines, report.quota, today)
    heading("Now")
    lines.append(Line("now-stale", f"Stale deals: {report.stale_now:,}", key=("screen", "stale")))
    lines.append(Line("now-revisits", f"Revisits due: {report.revisits_due:,}", key=("screen", "revisits")))
    missing = f"Lost without a reason: {report.lost_without_reason_all:,}"
    lines.append(Line("now-missing", missing, key=("screen", "missing_reasons")))
    if report.undated_note:
        lines.append(Line("now-undated", report.undated_note, "dim"))
    if converted:
        dim("converted", f"{CONVERTED_MARK} converted to {base} at your exchange rates")
    return lines


def section(lines: list[Line], ranking: Ranking, report: Report, m: Any, *, bar_style: str = "red") -> None:
    title = ranking.title
    if ranking.by == "value":
        title += f" ({report.currency}, converted)" if ranking.converted else f" ({ranking.currency})"
    lines.append(Line(f"h-{title}", title, "bold", heading=True))
    if not ranking.rows:
        lines.append(Line(f"e-{title}", "  none in this period", "dim"))
        return
    by_value = ranking.by == "value"
    top = max((r.value if by_value else r.count) for r in ranking.rows) or 1
    for index, r in enumerate(ranking.rows):
        if by_value:
            value = format_money(r.value, ranking.currency or report.currency, compact=True)
            value = f"{CONVERTED_MARK} {value}" if ranking.converted else value
        else:
            value = m(r.values)
        lines.append(
            Line(
                f"{title}-{index}",
                r.label,
                count=f"{r.count:,}",
                value=value,
                share=percent(r.value_share if by_value else r.share),
                cum=percent(r.cumulative),
                fraction=(r.value if by_value else r.count) / top,
                bar_style="blue" if by_value else bar_style,
                key=r.key,
                period=report.period,
            )
        )


def quota_section(lines: list[Line], q: Quota, today: date) -> None:
    mark = CONVERTED_MARK if q.converted else ""

    def m(minor: int | None) -> str:
        return "" if minor is None else mark + format_money(minor, q.currency, compact=True)

    won_period = Period(q.period.label, q.period.since, min(today, q.period.until or today))
    title = f"Quota · {q.period.label}" + ("" if q.quota else " (none set)")
    lines.append(Line("h-quota", title, "bold", heading=True))
    if q.quota:
        lines.append(Line("quota", "Quota", value=format_money(q.quota, q.currency, compact=True)))
    lines.append(
        Line(
            "quota-won",
            "Won so far",
            count=f"{q.won.count:,}",
            value=m(q.won_amount),
            share=percent(q.attainment) if q.quota else "",
            fraction=min(1.0, q.attainment) if q.attainment is not None else None,
            bar_style="green",
            key=("won", None),
            period=won_period,
        )
    )
    if q.quota:
        lines.append(Line("quota-left", "Left to win", value=m(q.left_to_win)))
    lines.append(
        Line(
            "quota-pipeline",
            "Pipeline closing in the period",
            count=f"{q.pipeline.count:,}",
            value=m(q.pipeline_amount),
            share=times(q.coverage) if q.quota else "",
            fraction=min(1.0, q.coverage) if q.coverage is not None else None,
            bar_style="blue",
            key=("open", "in"),
            period=q.period,
        )
    )
    lines.append(
        Line(
            "quota-forecast",
            "Weighted forecast",
            value=m(q.forecast),
            share=percent(q.forecast_attainment) if q.quota else "",
            fraction=min(1.0, q.forecast_attainment) if q.forecast_attainment is not None else None,
            bar_style="cyan",
        )
    )
    rates = q.rates or None
    for row_key, label, tally, when in (
        ("quota-undated", "No close date (not counted)", q.no_close_date, "none"),
        ("quota-before", "Close date passed (not counted)", q.overdue, "before"),
    ):
        if tally is not None and tally.count:
            lines.append(
                Line(
                    row_key,
                    label,
                    "dim",
                    count=f"{tally.count:,}",
                    value=money(tally.values, q.currency, rates),
                    key=("open", when),
                    period=q.period,
                )
            )
    for name, totals in q.not_counted.items():
        what = "Won" if name == "won" else "Pipeline"
        codes = ", ".join(sorted(totals))
        lines.append(
            Line(
                f"quota-{name}-other",
                f"{what} in {codes} (no rate)",
                "dim",
                value=money(totals, q.currency, None),
            )
        )

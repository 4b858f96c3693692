"""The win-loss report as plain text for the terminal, with its win-rate, quota and trend lines."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline_tui.display import safe
from pipeline_tui.models import Outcome
from pipeline_tui.money import format_money, format_totals
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    WON,
    Quota,
    Ranking,
    Report,
    Tally,
    Trend,
    bar,
    percent,
    times,
)
from pipeline_tui.report_render.common import (
    CONVERTED_MARK,
    LINE,
    NO_DECISION_MARK,
    OUTCOME_NOTES,
    cut,
    is_converted,
    money,
    top_reason_text,
    trend_label,
)


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


def render_text(report: Report, *, bar_width: int = 20) -> str:
    """The report as plain text for the terminal (the CLI); fits 80 columns."""
    base, rates = report.currency, report.rates or None
    lines = [f"Win-loss report · {report.period.label}", ""]
    if report.undated_note:
        lines.insert(1, report.undated_note)
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

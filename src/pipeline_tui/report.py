"""The win-loss report: periods, figures (computed in SQL by the store) and a text rendering.

No Textual here: the CLI prints the same figures the Report screen draws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from pipeline_tui.errors import InputError
from pipeline_tui.money import format_money, minor_to_decimal_str

PERIODS = {
    "this-quarter": "This quarter",
    "last-90-days": "Last 90 days",
    "this-year": "This year",
    "all": "All time",
}


@dataclass(frozen=True)
class Period:
    """Closures from `since` to `until`, both days included; None means open-ended."""

    label: str
    since: date | None = None
    until: date | None = None


def period(name: str, today: date) -> Period:
    """A named period ending today."""
    if name == "this-quarter":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(PERIODS[name], start, today)
    if name == "last-90-days":
        return Period(PERIODS[name], today - timedelta(days=89), today)
    if name == "this-year":
        return Period(PERIODS[name], date(today.year, 1, 1), today)
    if name == "all":
        return Period(PERIODS[name])
    raise InputError(f"Unknown period {name!r}; choose one of {', '.join(PERIODS)}.")


def custom_period(since: date | None, until: date | None) -> Period:
    if since and until and since > until:
        raise InputError(f"The period starts ({since}) after it ends ({until}).")
    label = f"{since or '…'} to {until or '…'}"
    return Period(label, since, until)


def last_quarter(today: date) -> Period:
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - relativedelta(months=3)
    return Period("Last quarter", start, start + relativedelta(months=3) - timedelta(days=1))


@dataclass(frozen=True)
class Row:
    """One bar of the report: a group of lost (or closed) deals and what they were worth."""

    label: str
    count: int
    value: int  # minor units
    share: float = 0.0  # of all losses in the period, by count
    value_share: float = 0.0  # by value
    cumulative: float = 0.0  # Pareto: running share by count, in the ranking's order
    key: tuple[str, Any] = ("", None)  # what to list when the row is opened


@dataclass(frozen=True)
class Report:
    period: Period
    currency: str
    won_count: int
    won_value: int
    lost_count: int
    lost_value: int
    avg_days_won: float | None
    avg_days_lost: float | None
    reasons_by_count: list[Row] = field(default_factory=list)
    reasons_by_value: list[Row] = field(default_factory=list)
    by_stage: list[Row] = field(default_factory=list)
    by_competitor: list[Row] = field(default_factory=list)
    stale_now: int = 0
    revisits_due: int = 0
    lost_without_reason: int = 0  # in the period
    lost_without_reason_all: int = 0

    @property
    def win_rate_count(self) -> float | None:
        closed = self.won_count + self.lost_count
        return self.won_count / closed if closed else None

    @property
    def win_rate_value(self) -> float | None:
        closed = self.won_value + self.lost_value
        return self.won_value / closed if closed else None

    def to_json(self) -> dict[str, Any]:
        def rows(items: list[Row]) -> list[dict[str, Any]]:
            out = []
            for r in items:
                d = asdict(r)
                d.pop("key")
                d["value"] = float(minor_to_decimal_str(r.value))
                d["value_minor"] = r.value
                for name in ("share", "value_share", "cumulative"):
                    d[name] = round(d[name], 4)
                out.append(d)
            return out

        def rate(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        def days(x: float | None) -> float | None:
            return None if x is None else round(x, 1)

        return {
            "period": {
                "label": self.period.label,
                "since": self.period.since.isoformat() if self.period.since else None,
                "until": self.period.until.isoformat() if self.period.until else None,
            },
            "currency": self.currency,
            "won": {"count": self.won_count, "value": float(minor_to_decimal_str(self.won_value))},
            "lost": {"count": self.lost_count, "value": float(minor_to_decimal_str(self.lost_value))},
            "win_rate": {"by_count": rate(self.win_rate_count), "by_value": rate(self.win_rate_value)},
            "avg_days_to_close": {"won": days(self.avg_days_won), "lost": days(self.avg_days_lost)},
            "loss_reasons_by_count": rows(self.reasons_by_count),
            "loss_reasons_by_value": rows(self.reasons_by_value),
            "lost_at_stage": rows(self.by_stage),
            "lost_to_competitor": rows(self.by_competitor),
            "now": {
                "stale": self.stale_now,
                "revisits_due": self.revisits_due,
                "lost_without_reason": self.lost_without_reason_all,
            },
            "lost_without_reason_in_period": self.lost_without_reason,
        }


def rank(groups: list[tuple[str, int, int, tuple[str, Any]]], *, by: str, total_count: int,
         total_value: int) -> list[Row]:  # fmt: skip
    """Rows ranked by count or value, with shares and the running (Pareto) share."""
    index = 1 if by == "count" else 2
    ordered = sorted(groups, key=lambda g: (-g[index], g[0]))
    rows, running = [], 0.0
    for label, count, value, key in ordered:
        share = count / total_count if total_count else 0.0
        value_share = value / total_value if total_value else 0.0
        running += share if by == "count" else value_share
        rows.append(Row(label, count, value, share, value_share, min(running, 1.0), key))
    return rows


def bar(fraction: float, width: int) -> str:
    """A horizontal bar in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


def percent(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def render_text(report: Report, *, width: int = 24) -> str:
    """The report as plain text for the terminal (the CLI)."""
    cur = report.currency
    lines = [f"Win-loss report · {report.period.label}", ""]
    lines.append(
        f"Won {report.won_count:,} ({format_money(report.won_value, cur)})  ·  "
        f"Lost {report.lost_count:,} ({format_money(report.lost_value, cur)})"
    )
    lines.append(
        f"Win rate: {percent(report.win_rate_count)} by count, {percent(report.win_rate_value)} by value"
    )
    won_days = "—" if report.avg_days_won is None else f"{report.avg_days_won:.0f}"
    lost_days = "—" if report.avg_days_lost is None else f"{report.avg_days_lost:.0f}"
    lines.append(f"Average days to close: won {won_days}, lost {lost_days}")

    def section(title: str, rows: list[Row], by: str) -> None:
        lines.append("")
        lines.append(title)
        if not rows:
            lines.append("  (no losses in this period)")
            return
        top = max((r.count if by == "count" else r.value) for r in rows) or 1
        for r in rows:
            amount = r.count if by == "count" else r.value
            share = r.share if by == "count" else r.value_share
            lines.append(
                f"  {r.label[:30]:<30} {r.count:>6,} {format_money(r.value, cur, compact=True):>8} "
                f"{percent(share):>5} {percent(r.cumulative):>5}  {bar(amount / top, width)}"
            )

    section("Loss reasons by count (share, cumulative)", report.reasons_by_count, "count")
    section("Loss reasons by value (share, cumulative)", report.reasons_by_value, "value")
    section("Lost at stage", report.by_stage, "count")
    section("Lost to competitor", report.by_competitor, "count")
    lines.append("")
    lines.append(
        f"Now: {report.stale_now:,} stale · {report.revisits_due:,} revisits due · "
        f"{report.lost_without_reason_all:,} lost deals without a reason"
    )
    return "\n".join(lines)

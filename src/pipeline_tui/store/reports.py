"""Report queries: win-loss figures, quota and trend, every one an SQL aggregate.

Closed deals are grouped by outcome and currency: won, or the *current* outcome kind of
their loss reason (joined at read time, so changing a reason's kind re-labels the history
in reports; the timeline keeps what it said). A loss without a reason counts as lost.
Amounts stay per currency; the domain (report.py) converts only with the user's rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pipeline_tui import rules
from pipeline_tui.errors import NotFoundError
from pipeline_tui.models import Deal, Outcome, StageKind
from pipeline_tui.money import Rates
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    WON,
    Group,
    Period,
    Quota,
    Report,
    Tally,
    Trend,
    TrendRow,
    bucket_key,
    build_losses,
    period_containing,
    trend_periods,
)
from pipeline_tui.store.codec import DEAL_SELECT, deal_from_row
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.review import Review
from pipeline_tui.store.shape import Shape
from pipeline_tui.text import fold

NO_REASON_LABEL = "No reason recorded"
UNKNOWN_STAGE_LABEL = "Unknown stage"
JOIN_REASON = " LEFT JOIN loss_reasons r ON r.id = d.loss_reason_id"
REASON_OUTCOME = "COALESCE(r.outcome, 'lost')"
DAYS = (
    # A deal whose close precedes its creation (bad data) says nothing about speed.
    "CASE WHEN d.closed_at >= d.created_at THEN julianday(d.closed_at) - julianday(d.created_at) END"
)
# Deals whose close precedes their creation are left out of the average (as in DAYS).
TIMED = "COUNT(CASE WHEN d.closed_at >= d.created_at THEN 1 END)"
BUCKETS = {
    "month": "substr(d.closed_at, 1, 7)",
    "quarter": "substr(d.closed_at, 1, 4) || '-Q' || ((CAST(substr(d.closed_at, 6, 2) AS INTEGER) + 2) / 3)",
}


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


class _Tallies:
    """Adds up grouped rows into one Tally per outcome (values stay per currency)."""

    def __init__(self) -> None:
        self.acc: dict[str, tuple[int, dict[str, int], float, int]] = {}

    def add(self, name: str, code: str, count: int, value: int, days: float | None, timed: int) -> None:
        n, values, total_days, n_timed = self.acc.get(name, (0, {}, 0.0, 0))
        values[str(code)] = values.get(str(code), 0) + int(value)
        self.acc[name] = (n + int(count), values, total_days + float(days or 0), n_timed + int(timed))

    def tallies(self) -> dict[str, Tally]:
        return {
            name: Tally(n, values, total / timed if timed else None)
            for name, (n, values, total, timed) in self.acc.items()
        }


class Reports:
    """Win-loss figures, quota and trend: aggregates over the closed and open deals."""

    def __init__(self, conn: Connection, shape: Shape, review: Review) -> None:
        self.conn = conn
        self.shape = shape
        self.review = review
        self._rows = conn.rows

    def _stage_ids(self, *kinds: StageKind) -> list[int]:
        return [st.id for st in self.shape.stages(include_archived=True) if st.kind in kinds] or [-1]

    def _closed_where(self, kinds: Iterable[StageKind], period: Period) -> tuple[str, list[Any]]:
        ids = self._stage_ids(*kinds)
        where = [f"d.stage_id IN ({_marks(ids)})", "d.archived_at IS NULL"]
        params: list[Any] = list(ids)
        if period.since:
            where.append("d.closed_at >= ?")
            params.append(period.since.isoformat())
        if period.until:
            where.append("d.closed_at < ?")
            params.append((period.until + timedelta(days=1)).isoformat())
        return " WHERE " + " AND ".join(where), params

    def _outcome_sql(self) -> tuple[str, list[Any]]:
        won = self._stage_ids(StageKind.WON)
        return f"CASE WHEN d.stage_id IN ({_marks(won)}) THEN 'won' ELSE {REASON_OUTCOME} END", list(won)

    def _tallies(self, period: Period, kinds: tuple[StageKind, ...]) -> dict[str, Tally]:
        """Count, value per currency and average days to close of each outcome."""
        outcome, outcome_params = self._outcome_sql()
        where, params = self._closed_where(kinds, period)
        rows = self._rows(
            f"SELECT {outcome}, d.currency, COUNT(*), COALESCE(SUM(d.value), 0), SUM({DAYS}), {TIMED} "
            f"FROM deals d{JOIN_REASON}{where} GROUP BY 1, 2",
            [*outcome_params, *params],
        )
        acc = _Tallies()
        for name, code, count, value, days, timed in rows:
            acc.add(name, code, count, value, days, timed)
        return acc.tallies()

    def report(
        self,
        period: Period,
        *,
        today: date,
        horizon_days: int = rules.REVISIT_HORIZON_DAYS,
        rates: Rates | None = None,
        quota: int = 0,
        quota_period: str | None = None,
        trend: str | None = None,
    ) -> Report:
        """Win-loss figures for deals closed in `period`; with `quota_period`, the current
        month, quarter or year against `quota`; with `trend` ('quarter' or 'month'), the last
        eight of them. Every figure is an SQL aggregate: the closed deals of the period are
        read once, grouped by outcome, currency, reason, stage lost at and competitor."""
        outcome, outcome_params = self._outcome_sql()
        where, params = self._closed_where((StageKind.WON, StageKind.LOST), period)
        rows = self._rows(
            # One row per competitor however it was typed ("Acme", "acme "): grouped by its
            # folded name, shown as first typed (the least, in text order).
            f"SELECT {outcome}, d.currency, d.loss_reason_id, d.lost_at_stage_id, "
            "CASE WHEN d.competitor != '' THEN fold(d.competitor) END, MIN(d.competitor), "
            f"COUNT(*), COALESCE(SUM(d.value), 0), SUM({DAYS}), {TIMED} "
            f"FROM deals d{JOIN_REASON}{where} GROUP BY 1, 2, 3, 4, 5",
            [*outcome_params, *params],
        )
        reasons = {r.id: r.label for r in self.shape.reasons(include_archived=True)}
        stages = {st.id: st.name for st in self.shape.stages(include_archived=True)}
        acc = _Tallies()
        names: dict[tuple[str, str], str] = {}
        for kind, _, _, _, folded, name, *_ in rows:
            if folded is not None:
                names[kind, folded] = min(names.get((kind, folded), name), name)
        groups: dict[str, dict[str, list[Group]]] = {
            kind: {"reason": [], "stage": [], "competitor": []} for kind in (LOST, NO_DECISION)
        }
        missing = 0
        for kind, code, reason_id, stage_id, folded, _, count, value, days, timed in rows:
            code, count, value = str(code), int(count), int(value)
            acc.add(kind, code, count, value, days, timed)
            if kind == WON:
                continue
            reason = reasons.get(reason_id, NO_REASON_LABEL) if reason_id else NO_REASON_LABEL
            stage = stages.get(stage_id, UNKNOWN_STAGE_LABEL) if stage_id else UNKNOWN_STAGE_LABEL
            groups[kind]["reason"].append((reason, ("reason", reason_id), code, count, value))
            groups[kind]["stage"].append((stage, ("stage", stage_id, kind), code, count, value))
            if folded is not None:
                name = names[kind, folded]
                groups[kind]["competitor"].append((name, ("competitor", name, kind), code, count, value))
            if reason_id is None:
                missing += count
        tallies = acc.tallies()
        base = self.conn.currency
        tables = {
            outcome.value: build_losses(
                outcome,
                tallies.get(outcome.value, Tally()).count,
                groups[outcome.value]["reason"],
                groups[outcome.value]["stage"],
                groups[outcome.value]["competitor"],
                base=base,
                rates=rates,
            )
            for outcome in (Outcome.LOST, Outcome.NO_DECISION)
        }
        due, _ = self.review.revisit_counts(today, horizon_days)
        return Report(
            period=period,
            currency=base,
            won=tallies.get(WON, Tally()),
            lost=tallies.get(LOST, Tally()),
            no_decision=tallies.get(NO_DECISION, Tally()),
            lost_tables=tables[LOST],
            no_decision_tables=tables[NO_DECISION],
            stale_now=self.review.stale_count(today),
            revisits_due=due,
            lost_without_reason=missing,
            lost_without_reason_all=self.review.lost_without_reason_count(),
            undated_closed=self.undated_closed(),
            quota=self.quota(today, kind=quota_period, quota=quota, rates=rates) if quota_period else None,
            trend=self.trend(today, by=trend) if trend else None,
            rates=dict(rates or {}),
        )

    def undated_closed(self) -> int:
        """Won or lost deals (not archived) whose close date nobody knows (an import whose
        file did not say): they count in All time only."""
        ids = self._stage_ids(StageKind.WON, StageKind.LOST)
        row = self._rows(
            f"SELECT COUNT(*) FROM deals d WHERE d.stage_id IN ({_marks(ids)}) AND d.archived_at IS NULL "
            "AND d.closed_at IS NULL",
            ids,
        )
        return int(row[0][0])

    # ---------------------------------------------------------------- quota

    def quota(
        self,
        today: date,
        *,
        kind: str = "quarter",
        quota: int = 0,
        rates: Rates | None = None,
        apart: bool = True,
    ) -> Quota:
        """The current month, quarter or year: won so far, the open pipeline expected to close
        in it (by close date) and its probability-weighted value; with `apart`, the open
        deals left out too (no close date, a date before it, after it). The status line
        leaves them out: it reads only the period's slice of the close-date index."""
        current = period_containing(kind, today)
        assert current.since is not None and current.until is not None
        won_period = Period(current.label, current.since, min(today, current.until))
        won = self._tallies(won_period, (StageKind.WON,)).get(WON, Tally())
        open_stages = {st.id: st for st in self.shape.stages(include_archived=True) if st.is_open}
        ids = list(open_stages) or [-1]
        live = f"d.stage_id IN ({_marks(ids)}) AND d.archived_at IS NULL"
        since, until = current.since.isoformat(), current.until.isoformat()
        count = 0
        values: dict[str, int] = {}
        weighted: dict[str, Decimal] = {}
        without_probability = 0
        for stage_id, code, n, value in self._rows(
            f"SELECT d.stage_id, d.currency, COUNT(*), COALESCE(SUM(d.value), 0) FROM deals d WHERE {live} "
            "AND d.expected_close >= ? AND d.expected_close <= ? GROUP BY 1, 2",
            [*ids, since, until],
        ):
            count += int(n)
            values[code] = values.get(code, 0) + int(value)
            probability = open_stages[stage_id].probability if stage_id in open_stages else None
            if probability is None:
                without_probability += int(n)
                probability = 0
            weighted[code] = weighted.get(code, Decimal(0)) + Decimal(int(value)) * probability / 100
        left_out: dict[str, Tally] = {}
        if apart:
            acc: dict[str, tuple[int, dict[str, int]]] = {
                "none": (0, {}),
                "before": (0, {}),
                "after": (0, {}),
            }
            # Three ranges of the close-date index (which covers currency and value).
            parts = [("none", "IS NULL", []), ("before", "< ?", [since]), ("after", "> ?", [until])]
            for when, code, n, value in self._rows(
                " UNION ALL ".join(
                    f"SELECT '{when}', d.currency, COUNT(*), COALESCE(SUM(d.value), 0) FROM deals d "
                    f"WHERE {live} AND d.expected_close {test} GROUP BY 2"
                    for when, test, _ in parts
                ),
                [value for _, _, bound in parts for value in (*ids, *bound)],
            ):
                total, totals = acc[when]
                acc[when] = (total + int(n), {**totals, code: totals.get(code, 0) + int(value)})
            left_out = {when: Tally(n, totals) for when, (n, totals) in acc.items()}
        return Quota(
            period=current,
            kind=kind,
            quota=quota,
            currency=self.conn.currency,
            won=won,
            pipeline=Tally(count, values),
            weighted={c: int(v.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) for c, v in weighted.items()},
            no_close_date=left_out.get("none"),
            overdue=left_out.get("before"),
            later=left_out.get("after"),
            without_probability=without_probability,
            rates=dict(rates or {}),
        )

    # ---------------------------------------------------------------- trend

    def trend(self, today: date, *, by: str = "quarter") -> Trend:
        """The last eight quarters (or months): outcomes per period and the top loss reason,
        from one GROUP BY over the closures since the first of them."""
        periods = trend_periods(by, today)
        span = Period("trend", periods[0].since, today)
        outcome, outcome_params = self._outcome_sql()
        where, params = self._closed_where((StageKind.WON, StageKind.LOST), span)
        reasons = {r.id: r for r in self.shape.reasons(include_archived=True)}
        counts: dict[tuple[str, str], tuple[int, dict[str, int]]] = {}
        per_reason: dict[tuple[str, Any], int] = {}
        for key, name, code, reason_id, count, value in self._rows(
            f"SELECT {BUCKETS[by]}, {outcome}, d.currency, d.loss_reason_id, COUNT(*), "
            f"COALESCE(SUM(d.value), 0) FROM deals d{JOIN_REASON}{where} GROUP BY 1, 2, 3, 4",
            [*outcome_params, *params],
        ):
            n, totals = counts.get((key, name), (0, {}))
            counts[key, name] = (n + int(count), {**totals, code: totals.get(code, 0) + int(value)})
            if name != WON:
                per_reason[key, reason_id] = per_reason.get((key, reason_id), 0) + int(count)
        top: dict[str, tuple[int, str, Outcome]] = {}
        for (key, reason_id), count in per_reason.items():
            reason = reasons.get(reason_id) if reason_id is not None else None
            label = reason.label if reason else NO_REASON_LABEL
            candidate = (count, label, rules.outcome_of(reason))
            best = top.get(key)
            # The most losses; a tie goes to the first label in text order.
            if best is None or (-candidate[0], candidate[1]) < (-best[0], best[1]):
                top[key] = candidate

        def tally(key: str, name: str) -> Tally:
            n, totals = counts.get((key, name), (0, {}))
            return Tally(n, totals)

        rows = []
        for p in periods:
            assert p.since is not None
            key = bucket_key(by, p.since)
            partial = p.since <= today <= (p.until or today)
            best = top.get(key)
            shown = Period(p.label, p.since, min(today, p.until) if p.until else today)
            rows.append(
                TrendRow(
                    shown,
                    partial,
                    tally(key, WON),
                    tally(key, LOST),
                    tally(key, NO_DECISION),
                    best[1] if best else None,
                    best[2] if best else None,
                    best[0] if best else 0,
                )
            )
        return Trend(by, rows)

    # ---------------------------------------------------------------- the deals behind a row

    def _report_where(self, key: tuple[Any, ...], period: Period) -> tuple[str, list[Any]]:
        what, value, *rest = key
        outcome = rest[0] if rest else None
        if what == "open":
            return self._open_where(value, period)
        kinds = {
            "won": (StageKind.WON,),
            "closed": (StageKind.WON, StageKind.LOST),
        }.get(what, (StageKind.LOST,))
        where, params = self._closed_where(kinds, period)
        if what in ("lost", "no_decision"):
            outcome = what
        elif what in ("reason", "stage"):
            column = "d.loss_reason_id" if what == "reason" else "d.lost_at_stage_id"
            where += f" AND {column} IS ?"
            params.append(value)
        elif what == "competitor":
            where += " AND fold(d.competitor) = ?"
            params.append(fold(value))
        elif what not in ("won", "closed"):
            raise NotFoundError(f"Unknown report row {what!r}.")
        if outcome is not None:
            where += f" AND {REASON_OUTCOME} = ?"
            params.append(Outcome(outcome).value)
        return where, params

    def _open_where(self, when: str, period: Period) -> tuple[str, list[Any]]:
        """Open deals by close date against a (quota) period: in it, none, before, after."""
        ids = self._stage_ids(StageKind.OPEN)
        where = f" WHERE d.stage_id IN ({_marks(ids)}) AND d.archived_at IS NULL"
        params: list[Any] = list(ids)
        since, until = period.since, period.until
        if when == "in" and since and until:
            where += " AND d.expected_close >= ? AND d.expected_close <= ?"
            params += [since.isoformat(), until.isoformat()]
        elif when == "none":
            where += " AND d.expected_close IS NULL"
        elif when == "before" and since:
            where += " AND d.expected_close < ?"
            params.append(since.isoformat())
        elif when == "after" and until:
            where += " AND d.expected_close > ?"
            params.append(until.isoformat())
        else:
            raise NotFoundError(f"Unknown report row {when!r}.")
        return where, params

    def report_deal_ids(self, key: tuple[Any, ...], period: Period) -> list[int]:
        """The ids behind one row of the report (cheap even for tens of thousands)."""
        where, params = self._report_where(key, period)
        order = "d.expected_close, d.id" if key[0] == "open" else "d.closed_at DESC, d.id DESC"
        return [
            r[0] for r in self._rows(f"SELECT d.id FROM deals d{JOIN_REASON}{where} ORDER BY {order}", params)
        ]

    def report_deals(self, key: tuple[Any, ...], period: Period) -> list[Deal]:
        """The deals behind one row of the report, most recently closed first."""
        where, params = self._report_where(key, period)
        order = "d.expected_close, d.id" if key[0] == "open" else "d.closed_at DESC, d.id DESC"
        rows = self._rows(DEAL_SELECT + JOIN_REASON + where + f" ORDER BY {order}", params)
        return [deal_from_row(r) for r in rows]

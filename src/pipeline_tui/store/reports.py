"""Report queries: win-loss figures aggregated in SQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline_tui import rules
from pipeline_tui.errors import NotFoundError
from pipeline_tui.models import Deal, StageKind
from pipeline_tui.report import Period, Report
from pipeline_tui.report import rank as report_rank
from pipeline_tui.store.codec import DEAL_SELECT, deal_from_row
from pipeline_tui.store.queries import Queries
from pipeline_tui.text import fold


class Reports(Queries):
    def _closed_where(self, kind: StageKind, period: Period) -> tuple[str, list[Any]]:
        ids = [st.id for st in self.stages(include_archived=True) if st.kind is kind] or [-1]
        where = [f"d.stage_id IN ({', '.join('?' * len(ids))})", "d.archived_at IS NULL"]
        params: list[Any] = list(ids)
        if period.since:
            where.append("d.closed_at >= ?")
            params.append(period.since.isoformat())
        if period.until:
            where.append("d.closed_at < ?")
            params.append((period.until + timedelta(days=1)).isoformat())
        return " WHERE " + " AND ".join(where), params

    def report(
        self, period: Period, *, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS
    ) -> Report:
        """Win-loss figures for deals closed in `period`, aggregated in SQL."""
        totals = {}
        for kind in (StageKind.WON, StageKind.LOST):
            where, params = self._closed_where(kind, period)
            totals[kind] = self._rows(
                "SELECT COUNT(*), COALESCE(SUM(d.value), 0), "
                # A deal whose close precedes its creation (bad data) says nothing about speed.
                "AVG(CASE WHEN d.closed_at >= d.created_at "
                "THEN julianday(d.closed_at) - julianday(d.created_at) END) FROM deals d" + where,
                params,
            )[0]
        where, params = self._closed_where(StageKind.LOST, period)
        lost_count, lost_value = int(totals[StageKind.LOST][0]), int(totals[StageKind.LOST][1])
        reasons = {r.id: r.label for r in self.reasons(include_archived=True)}
        stages = {st.id: st.name for st in self.stages(include_archived=True)}

        def grouped(column: str, extra: str = "") -> list[tuple[Any, int, int]]:
            return [
                (key, int(count), int(value))
                for key, count, value in self._rows(
                    f"SELECT {column}, COUNT(*), COALESCE(SUM(d.value), 0) FROM deals d{where}{extra} "
                    f"GROUP BY {column}",
                    params,
                )
            ]

        by_reason = [
            (reasons.get(key, "No reason recorded") if key else "No reason recorded", n, v, ("reason", key))
            for key, n, v in grouped("d.loss_reason_id")
        ]
        by_stage = [
            (stages.get(key, "Unknown stage") if key else "Unknown stage", n, v, ("stage", key))
            for key, n, v in grouped("d.lost_at_stage_id")
        ]
        # One row per competitor however it was typed ("Acme", "acme "): grouped by its folded name.
        names = dict(
            self._rows(f"SELECT fold(d.competitor), MIN(d.competitor) FROM deals d{where} GROUP BY 1", params)
        )
        by_competitor = [
            (names.get(key, key), n, v, ("competitor", names.get(key, key)))
            for key, n, v in grouped("fold(d.competitor)", " AND d.competitor != ''")
        ]
        missing = next((n for _, n, _, key in by_reason if key[1] is None), 0)
        totals_of_losses = {"total_count": lost_count, "total_value": lost_value}
        due, _ = self.revisit_counts(today, horizon_days)
        return Report(
            period=period,
            currency=self.currency,
            won_count=int(totals[StageKind.WON][0]),
            won_value=int(totals[StageKind.WON][1]),
            lost_count=lost_count,
            lost_value=lost_value,
            avg_days_won=totals[StageKind.WON][2],
            avg_days_lost=totals[StageKind.LOST][2],
            reasons_by_count=report_rank(by_reason, by="count", **totals_of_losses),
            reasons_by_value=report_rank(by_reason, by="value", **totals_of_losses),
            by_stage=report_rank(by_stage, by="count", **totals_of_losses),
            by_competitor=report_rank(by_competitor, by="count", **totals_of_losses),
            stale_now=self.stale_count(today),
            revisits_due=due,
            lost_without_reason=missing,
            lost_without_reason_all=self.lost_without_reason_count(),
        )

    def _report_where(self, key: tuple[str, Any], period: Period) -> tuple[str, list[Any]]:
        what, value = key
        kind = StageKind.WON if what == "won" else StageKind.LOST
        where, params = self._closed_where(kind, period)
        if what in ("reason", "stage"):
            column = "d.loss_reason_id" if what == "reason" else "d.lost_at_stage_id"
            where += f" AND {column} IS ?"
            params.append(value)
        elif what == "competitor":
            where += " AND fold(d.competitor) = ?"
            params.append(fold(value))
        elif what not in ("won", "lost"):
            raise NotFoundError(f"Unknown report row {what!r}.")
        return where, params

    def report_deal_ids(self, key: tuple[str, Any], period: Period) -> list[int]:
        """The ids behind one row of the report (cheap even for tens of thousands)."""
        where, params = self._report_where(key, period)
        return [
            r[0]
            for r in self._rows(
                f"SELECT d.id FROM deals d{where} ORDER BY d.closed_at DESC, d.id DESC", params
            )
        ]

    def report_deals(self, key: tuple[str, Any], period: Period) -> list[Deal]:
        """The deals behind one row of the report, most recently closed first."""
        where, params = self._report_where(key, period)
        rows = self._rows(DEAL_SELECT + where + " ORDER BY d.closed_at DESC, d.id DESC", params)
        return [deal_from_row(r) for r in rows]

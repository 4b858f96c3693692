"""The board's reads: each column's window of deals, where a deal sits in its column, and the
columns' counts and totals, from the indexes the migrations made for them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline_tui.models import Deal, Stage, StageSummary
from pipeline_tui.store.codec import DEAL_SELECT, deal_from_row, ts
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.deals import LIVE
from pipeline_tui.store.shape import Shape
from pipeline_tui.text import fold


class Board:
    """Windows of board columns, read through their own indexes."""

    def __init__(self, conn: Connection, shape: Shape) -> None:
        self.conn = conn
        self.shape = shape
        self._rows = conn.rows

    def _window_sql(
        self, stage: Stage, today: date, closed_days: int, text: str | None
    ) -> tuple[str, list[Any], str]:
        where = ["d.stage_id = ?", LIVE]
        params: list[Any] = [stage.id]
        if stage.is_endpoint:
            where.append("d.closed_at >= ?")
            params.append((today - timedelta(days=closed_days)).isoformat())
            order = "d.closed_at DESC, d.id DESC"
        else:
            order = "d.stage_entered_at, d.id"
        if text:
            where.append("instr(fold(d.title || ' ' || d.company || ' ' || d.contact), ?) > 0")
            params.append(fold(text))
        return " WHERE " + " AND ".join(where), params, order

    @staticmethod
    def _column_index(stage: Stage) -> str:
        """The index a column's window is read through, named so that the planner (which
        has no statistics on a fresh file) never walks another one: open columns are in
        time-in-stage order, endpoint columns by closure."""
        return "deals_stage_closed" if stage.is_endpoint else "deals_stage_entered"

    def column(
        self,
        stage: Stage,
        *,
        today: date,
        offset: int = 0,
        limit: int = 50,
        closed_days: int = 30,
        text: str | None = None,
    ) -> list[Deal]:
        """One window of a board column, in column order."""
        where, params, order = self._window_sql(stage, today, closed_days, text)
        select = DEAL_SELECT + f" INDEXED BY {self._column_index(stage)}"
        rows = self._rows(select + where + f" ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset])
        return [deal_from_row(r) for r in rows]

    def column_position(
        self, deal: Deal, stage: Stage, *, today: date, closed_days: int = 30, text: str | None = None
    ) -> int:
        """Where `deal` sits in its column (0-based), without loading the column."""
        where, params, _ = self._window_sql(stage, today, closed_days, text)
        if stage.is_endpoint:
            before = "(d.closed_at > ? OR (d.closed_at = ? AND d.id > ?))"
            moment = ts(deal.closed_at) if deal.closed_at else ""
        else:
            before = "(d.stage_entered_at < ? OR (d.stage_entered_at = ? AND d.id < ?))"
            moment = ts(deal.stage_entered_at)
        table = f"deals d INDEXED BY {self._column_index(stage)}"
        sql = f"SELECT COUNT(*) FROM {table}{where} AND {before}"
        return int(self._rows(sql, [*params, moment, moment, deal.id])[0][0])

    def summaries(
        self,
        *,
        today: date,
        closed_days: int = 30,
        text: str | None = None,
        stage_ids: set[int] | None = None,
    ) -> list[StageSummary]:
        """Count and totals per currency of each board column (endpoints: recent closures)."""
        out = []
        for stage in self.shape.stages():
            if stage_ids is not None and stage.id not in stage_ids:
                continue
            where, params, _ = self._window_sql(stage, today, closed_days, text)
            # Amounts in different currencies are never added together.
            # The closures index covers stage, currency and value: no row is read.
            per_currency = self._rows(
                "SELECT d.currency, COUNT(*), SUM(d.value) FROM deals d INDEXED BY deals_stage_closed"
                f"{where} GROUP BY d.currency ORDER BY 3 DESC, 1",
                params,
            )
            count = sum(n for _, n, _ in per_currency)
            totals = tuple((str(code), int(v)) for code, _, v in per_currency)
            tallies = tuple((str(code), int(n)) for code, n, _ in per_currency)
            out.append(StageSummary(stage, int(count), totals, tallies))
        return out

    @staticmethod
    def summary_after(
        summary: StageSummary, before: Deal, after: Deal, *, text: str | None = None
    ) -> StageSummary | None:
        """An open column's `summary` once one of its deals (or one joining it) went from
        `before` to `after`, without counting the column again: what `summaries` would
        say now. None where only counting can tell: an endpoint column (its recent
        closures depend on the day) or a text filter."""
        stage = summary.stage
        if stage.is_endpoint or text:
            return None
        sums, counts = dict(summary.totals), dict(summary.tallies)
        for deal, sign in ((before, -1), (after, 1)):
            if deal.stage_id != stage.id or deal.archived:  # the column's WHERE, LIVE included
                continue
            sums[deal.currency] = sums.get(deal.currency, 0) + sign * deal.value
            counts[deal.currency] = counts.get(deal.currency, 0) + sign
        if any(n < 0 for n in counts.values()):
            return None  # the summary was older than `before`: count again
        kept = [(code, sums[code]) for code, n in counts.items() if n > 0]
        kept.sort(key=lambda item: (-item[1], item[0]))  # ORDER BY SUM DESC, currency
        tallies = tuple((code, counts[code]) for code, _ in kept)
        return StageSummary(stage, sum(n for _, n in tallies), tuple(kept), tallies)

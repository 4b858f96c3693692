"""What the daily review reads: each kind of item as ids in review order, from indexed
queries (the review loads each deal when it is shown), and the counts of the status line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline_tui import rules
from pipeline_tui.store.queries import Queries


class ReviewQueries(Queries):
    def _open_ids(self) -> list[int]:
        return [s.id for s in self.stages(include_archived=True) if s.is_open] or [-1]

    def due_revisit_ids(self, today: date) -> list[int]:
        """Lost deals whose revisit date has come, oldest due first."""
        rows = self._rows(
            "SELECT id FROM deals WHERE archived_at IS NULL AND revisit_state = 'pending' "
            "AND revisit_on IS NOT NULL AND revisit_on <= ? ORDER BY revisit_on, id",
            [today.isoformat()],
        )
        return [int(r[0]) for r in rows]

    def stale_ids_by_idle(self, today: date) -> list[int]:
        """Every stale deal's id, longest idle first (last activity longest ago), then the
        largest value: the order the review takes them in."""
        sql, params = self._stale_ids_sql(today)
        rows = self._rows(
            f"SELECT d.id FROM deals d WHERE d.id IN ({sql}) "
            "ORDER BY substr(d.last_activity_at, 1, 10), d.value DESC, d.id",
            params,
        )
        return [int(r[0]) for r in rows]

    def _no_next_step_sql(self, today: date) -> tuple[str, list[Any]]:
        ids = self._open_ids()
        sql = (
            f"SELECT id FROM deals WHERE stage_id IN ({', '.join('?' * len(ids))}) "
            "AND archived_at IS NULL AND next_step = '' "
            "AND (snoozed_until IS NULL OR snoozed_until <= ?)"
        )
        return sql, [*ids, today.isoformat()]

    def no_next_step_ids(self, today: date) -> list[int]:
        """Open deals with no next step (and not snoozed), largest value first."""
        sql, params = self._no_next_step_sql(today)
        rows = self._rows(
            f"SELECT d.id FROM deals d WHERE d.id IN ({sql}) ORDER BY d.value DESC, d.id", params
        )
        return [int(r[0]) for r in rows]

    def review_counts(self, today: date) -> tuple[int, int, int]:
        """(to review, healthy, open) for the status line, in two scans instead of the
        queue's four lists: how many deals the review would take up today (each once), and
        of the open deals those with a next step due after today that are not stale."""
        params: dict[str, Any] = {"today": today.isoformat()}

        def marks(prefix: str, values: list[Any]) -> str:
            params.update({f"{prefix}{i}": v for i, v in enumerate(values)})
            return ", ".join(f":{prefix}{i}" for i in range(len(values)))

        open_stages = marks("o", self._open_ids())
        lost_stages = marks("l", self._lost_ids())
        # Idle past the stage's threshold (rules.stale_reason): last activity before the day
        # after the stage's cutoff. A stage without a threshold never goes idle.
        cutoffs = [
            (stage.id, (cutoff + timedelta(days=1)).isoformat())
            for stage in self.stages(include_archived=True)
            if stage.is_open and (cutoff := rules.stale_cutoff(stage, today)) is not None
        ]
        cases = " ".join(f"WHEN :s{i} THEN :c{i}" for i in range(len(cutoffs)))
        for i, (stage_id, day) in enumerate(cutoffs):
            params.update({f"s{i}": stage_id, f"c{i}": day})
        idle = f"last_activity_at < CASE stage_id {cases} ELSE '' END" if cutoffs else "0"
        quiet = "(snoozed_until IS NULL OR snoozed_until <= :today)"
        future_step = "(next_step_due IS NOT NULL AND next_step_due > :today)"
        late = "(expected_close IS NOT NULL AND expected_close < :today)"
        due = "(revisit_state = 'pending' AND revisit_on IS NOT NULL AND revisit_on <= :today)"
        stale = f"({quiet} AND ({late} OR ({idle} AND NOT {future_step})))"
        needs = f"({stale} OR ({quiet} AND next_step = '') OR {due})"
        healthy = f"(next_step != '' AND {future_step} AND NOT ({quiet} AND {late}))"
        # Most deals are open and every row is read: reading the table in order is faster
        # than looking each row up from an index (NOT INDEXED).
        total, to_review, well = self._rows(
            f"SELECT COUNT(*), COALESCE(SUM({needs}), 0), COALESCE(SUM({healthy}), 0) FROM deals "
            f"NOT INDEXED WHERE stage_id IN ({open_stages}) AND archived_at IS NULL",
            params,
        )[0]
        closed = self._rows(
            "SELECT COUNT(*) FROM ("
            f"SELECT id FROM deals WHERE stage_id IN ({lost_stages}) AND archived_at IS NULL "
            "AND loss_reason_id IS NULL UNION "
            f"SELECT id FROM deals WHERE archived_at IS NULL AND {due} AND stage_id NOT IN ({open_stages}))",
            params,
        )[0][0]
        return int(to_review) + int(closed), int(well), int(total)

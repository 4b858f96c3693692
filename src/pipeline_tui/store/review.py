"""What the daily review reads: each kind of item as ids in review order (the review loads each
deal when it is shown), and the counts of the board's status line.

Lost deals without a reason and due revisits come from their indexes. Open deals are read in
one pass over the table, each tested in SQL with the rules of rules.stale_reason (stale) and
of review.needs_attention (no next step): most deals are open, and reading every row once in
order beats looking tens of thousands of them up from several indexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pipeline_tui import rules
from pipeline_tui.store.queries import Queries

STALE, NO_STEP = 2, 3  # the open kinds' places in the review order


@dataclass(frozen=True)
class OpenTests:
    """SQL tests on a deals row, with their named parameters."""

    params: dict[str, Any]
    stages: str  # the open stages, for `stage_id IN (…)`
    stale: str
    no_step: str
    healthy: str
    due: str


class ReviewQueries(Queries):
    def _open_tests(self, today: date) -> OpenTests:
        params: dict[str, Any] = {"today": today.isoformat()}
        open_ids = [s.id for s in self.stages(include_archived=True) if s.is_open] or [-1]
        params.update({f"o{i}": stage_id for i, stage_id in enumerate(open_ids)})
        # Idle past the stage's threshold: last activity before the day after the cutoff
        # (as Queries._stale_ids_sql). A stage without a threshold never goes idle.
        cases = []
        for i, stage in enumerate(self.stages(include_archived=True)):
            cutoff = rules.stale_cutoff(stage, today) if stage.is_open else None
            if cutoff is not None:
                cases.append(f"WHEN :s{i} THEN :c{i}")
                params.update({f"s{i}": stage.id, f"c{i}": (cutoff + timedelta(days=1)).isoformat()})
        idle = f"last_activity_at < CASE stage_id {' '.join(cases)} ELSE '' END" if cases else "0"
        quiet = "(snoozed_until IS NULL OR snoozed_until <= :today)"
        future_step = "(next_step_due IS NOT NULL AND next_step_due > :today)"
        late = "(expected_close IS NOT NULL AND expected_close < :today)"
        return OpenTests(
            params=params,
            stages=", ".join(f":o{i}" for i in range(len(open_ids))),
            stale=f"({quiet} AND ({late} OR ({idle} AND NOT {future_step})))",
            no_step=f"({quiet} AND next_step = '')",
            healthy=f"(next_step != '' AND {future_step} AND NOT ({quiet} AND {late}))",
            due="(revisit_state = 'pending' AND revisit_on IS NOT NULL AND revisit_on <= :today)",
        )

    def due_revisit_ids(self, today: date) -> list[int]:
        """Lost deals whose revisit date has come, oldest due first."""
        rows = self._rows(
            "SELECT id FROM deals WHERE archived_at IS NULL AND revisit_state = 'pending' "
            "AND revisit_on IS NOT NULL AND revisit_on <= ? ORDER BY revisit_on, id",
            [today.isoformat()],
        )
        return [int(r[0]) for r in rows]

    def open_review_ids(self, today: date) -> tuple[list[int], list[int]]:
        """(stale, no next step): open deals the review takes up, in one pass. Stale ones
        longest idle first (last activity longest ago), then the largest value; those with no
        next step (not stale, not snoozed) largest value first."""
        tests = self._open_tests(today)
        rows = self._rows(
            f"SELECT id, kind FROM (SELECT id, value, substr(last_activity_at, 1, 10) AS touched, "
            f"CASE WHEN {tests.stale} THEN {STALE} WHEN {tests.no_step} THEN {NO_STEP} END AS kind "
            f"FROM deals NOT INDEXED WHERE stage_id IN ({tests.stages}) AND archived_at IS NULL) "
            f"WHERE kind IS NOT NULL ORDER BY kind, CASE kind WHEN {STALE} THEN touched END, value DESC, id",
            tests.params,
        )
        stale = [int(i) for i, kind in rows if kind == STALE]
        return stale, [int(i) for i, kind in rows if kind == NO_STEP]

    def review_counts(self, today: date) -> tuple[int, int, int]:
        """(to review, healthy, open) for the status line: how many deals the review would
        take up today (each once), and of the open deals those with a next step due after
        today that are not stale."""
        tests = self._open_tests(today)
        needs = f"({tests.stale} OR {tests.no_step} OR {tests.due})"
        total, to_review, healthy = self._rows(
            f"SELECT COUNT(*), COALESCE(SUM({needs}), 0), COALESCE(SUM({tests.healthy}), 0) "
            f"FROM deals NOT INDEXED WHERE stage_id IN ({tests.stages}) AND archived_at IS NULL",
            tests.params,
        )[0]
        lost = self._lost_ids()
        params = {**tests.params, **{f"l{i}": stage_id for i, stage_id in enumerate(lost)}}
        lost_stages = ", ".join(f":l{i}" for i in range(len(lost)))
        closed = self._rows(
            "SELECT COUNT(*) FROM ("
            f"SELECT id FROM deals WHERE stage_id IN ({lost_stages}) AND archived_at IS NULL "
            "AND loss_reason_id IS NULL UNION "
            f"SELECT id FROM deals WHERE archived_at IS NULL AND {tests.due} "
            f"AND stage_id NOT IN ({tests.stages}))",
            params,
        )[0][0]
        return int(to_review) + int(closed), int(healthy), int(total)

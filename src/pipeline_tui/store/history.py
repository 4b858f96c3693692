"""Reading the timeline for the pipeline's motion: close dates pushed (slipping deals) and
what changed since a day. The decisions are the domain's (`slips`, `changes`); here are the
queries, each over the indexes migrations.m008_timeline_indexes made for them.

A change taken back (its entry retracted by an undo) never happened, and the undo's own
entry is no change either."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from pipeline_tui.changes import Changes, Step, summarize
from pipeline_tui.models import Deal, EventKind
from pipeline_tui.slips import NO_SLIP, Slip, slip_of
from pipeline_tui.store.codec import DEAL_SELECT, deal_from_row, parse_ts
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.shape import Shape

# The close-date changes (events_close_changes: the query repeats its WHERE to use it).
CLOSE_CHANGES = "e.kind IN ('edited', 'updated') AND instr(e.data, '\"expected_close\"') > 0"
NOT_RETRACTED = "NOT (json_valid(e.data) AND COALESCE(json_extract(e.data, '$.retracted'), 0))"
CLOSE_BEFORE = "json_extract(e.data, '$.changes.expected_close[0]')"
CLOSE_AFTER = "json_extract(e.data, '$.changes.expected_close[1]')"
PUSHED = f"{CLOSE_BEFORE} IS NOT NULL AND {CLOSE_AFTER} IS NOT NULL AND {CLOSE_AFTER} > {CLOSE_BEFORE}"
STEP_KINDS = tuple(
    k.value
    for k in (
        EventKind.CREATED,
        EventKind.IMPORTED,
        EventKind.MOVED,
        EventKind.WON,
        EventKind.LOST,
        EventKind.REOPENED,
        EventKind.EDITED,
        EventKind.UPDATED,
    )
)
CHUNK = 500


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class History:
    """Slipping close dates and what changed, read from the timeline."""

    def __init__(self, conn: Connection, shape: Shape) -> None:
        self.conn = conn
        self.shape = shape
        self._rows = conn.rows

    # ---------------------------------------------------------------- slips

    def _close_changes(self, where: str, params: Sequence[Any]) -> Iterator[tuple[int, datetime, Any, Any]]:
        sql = (
            f"SELECT e.deal_id, e.at, {CLOSE_BEFORE}, {CLOSE_AFTER} FROM events e "
            f"WHERE {CLOSE_CHANGES} AND json_valid(e.data) AND {NOT_RETRACTED}{where} "
            "ORDER BY e.deal_id, e.id"
        )
        for deal_id, at, before, after in self._rows(sql, list(params)):
            yield int(deal_id), parse_ts(at), before, after

    def slips(self, deal_ids: Sequence[int] | None = None) -> dict[int, Slip]:
        """The pushed close dates of these deals (every deal's with None); deals never
        pushed are left out (their slip is `slips.NO_SLIP`)."""
        found: dict[int, list[tuple[datetime, date | None, date | None]]] = {}
        if deal_ids is None:
            batches: list[tuple[str, list[int]]] = [("", [])]
        else:
            ids = list(dict.fromkeys(deal_ids))
            batches = [
                (f" AND e.deal_id IN ({', '.join('?' * len(chunk))})", chunk)
                for chunk in (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK))
            ]
        for where, params in batches:
            for deal_id, at, before, after in self._close_changes(where, params):
                found.setdefault(deal_id, []).append((at, _day(before), _day(after)))
        out = {deal_id: slip_of(changes) for deal_id, changes in found.items()}
        return {deal_id: slip for deal_id, slip in out.items() if slip.count}

    def slip(self, deal_id: int) -> Slip:
        return self.slips([deal_id]).get(deal_id, NO_SLIP)

    def slipping_ids(self, limit: int, *, review_on: date | None = None) -> list[int]:
        """Open deals (not archived) whose close date was pushed later `limit` times or more,
        as the review ranks them (`slips.slip_rank`): value × pushes, largest first, then the
        most pushes. With `review_on`, only those the review takes that day
        (`slips.needs_review`: untouched since their latest push, not snoozed). One query
        over the close-date changes."""
        opens = [s.id for s in self.shape.stages(include_archived=True) if s.is_open] or [-1]
        review = ""
        params: list[Any] = [max(1, limit), *opens]
        if review_on is not None:
            review = (
                " AND julianday(d.last_activity_at) <= julianday(p.last_push)"
                " AND (d.snoozed_until IS NULL OR d.snoozed_until <= ?)"
            )
            params.append(review_on.isoformat())
        rows = self._rows(
            "SELECT d.id FROM (SELECT e.deal_id AS deal_id, COUNT(*) AS pushes, MAX(e.at) AS last_push "
            f"FROM events e WHERE {CLOSE_CHANGES} AND json_valid(e.data) AND {NOT_RETRACTED} AND {PUSHED} "
            "GROUP BY e.deal_id HAVING COUNT(*) >= ?) p JOIN deals d ON d.id = p.deal_id "
            f"WHERE d.stage_id IN ({', '.join('?' * len(opens))}) AND d.archived_at IS NULL{review} "
            "ORDER BY d.value * p.pushes DESC, p.pushes DESC, d.id",
            params,
        )
        return [int(r[0]) for r in rows]

    # ------------------------------------------------------------- changes

    def steps(self, since: date) -> tuple[list[Step], dict[int, datetime]]:
        """The timeline's stage changes, creations and edits from `since` on (00:00 that
        day), in order (none retracted, no undo entry), and the moment of each deal's latest
        one (the only moment the changes show: the others are not parsed)."""
        marks = ", ".join("?" * len(STEP_KINDS))
        rows = self._rows(
            "SELECT e.deal_id, e.at, e.kind, e.from_stage_id, e.to_stage_id, "
            "CASE WHEN e.kind IN ('edited', 'updated') AND json_valid(e.data) "
            "THEN json_extract(e.data, '$.changes') END "
            f"FROM events e WHERE e.at >= ? AND e.kind IN ({marks}) AND {NOT_RETRACTED} "
            "ORDER BY e.deal_id, e.id",
            [since.isoformat(), *STEP_KINDS],
        )
        out = []
        latest: dict[int, str] = {}
        kinds = {k.value: k for k in EventKind}
        for deal_id, at, kind, from_stage, to_stage, changes in rows:
            edits = json.loads(changes) if changes else {}
            if isinstance(edits, dict) and edits:
                edits = {k: v for k, v in edits.items() if isinstance(v, list) and len(v) == 2}
            else:
                edits = {}
            out.append(Step(int(deal_id), kinds[kind], from_stage, to_stage, edits))
            latest[int(deal_id)] = at
        return out, {deal_id: parse_ts(at) for deal_id, at in latest.items()}

    def _deals(self, ids: list[int]) -> dict[int, Deal]:
        found: dict[int, Deal] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = self._rows(DEAL_SELECT + f" WHERE d.id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update((deal.id, deal) for deal in map(deal_from_row, rows))
        return found

    def changes(self, since: date, today: date) -> Changes:
        """What changed from `since` (00:00) to now, by group (see `changes`)."""
        steps, latest = self.steps(since)
        deals = self._deals(sorted(latest))
        stages = {s.id: s for s in self.shape.stages(include_archived=True)}
        return summarize(
            steps,
            deals,
            stages,
            since=since,
            today=today,
            latest=latest,
            reasons={r.id: r for r in self.shape.reasons(include_archived=True)},
            won_reasons={r.id: r for r in self.shape.won_reasons(include_archived=True)},
        )

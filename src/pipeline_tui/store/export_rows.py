"""The rows the exports read: every deal with its events as stored, and every timeline
entry that carries text."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from pipeline_tui.models import EventKind
from pipeline_tui.store.codec import json_object
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.prepared import INSERT_COLUMNS

# The columns the deals export reads, in order: the ones an import writes.
EXPORT_COLUMNS = INSERT_COLUMNS
_deal_of = itemgetter(0)


class ExportRows:
    """The rows the exports read (`Transfer` offers them)."""

    def __init__(self, conn: Connection) -> None:
        self.db = conn.db
        self._rows = conn.rows

    def note_rows(self) -> Iterator[dict[str, Any]]:
        """Every timeline entry that carries text, and every loss, with its deal's context and
        origin, for export. A loss entry carries that loss's reason, competitor and revisit date (the
        deal may have been reopened or lost again since); the loss the deal is still in carries
        its revisit as it is now (snoozed to a later day, or none once closed out)."""
        cursor = self.db.execute(
            """
            SELECT d.id, d.title, d.company, s.name, s.kind, e.at, e.kind, e.text,
                   r.label, d.competitor, d.revisit_on, e.data, d.source, d.source_id,
                   d.revisit_state, e.id = (
                       SELECT MAX(l.id) FROM events l WHERE l.deal_id = e.deal_id AND l.kind = 'lost'
                       AND NOT (json_valid(l.data) AND COALESCE(json_extract(l.data, '$.retracted'), 0))
                   )
            FROM events e
            JOIN deals d ON d.id = e.deal_id
            JOIN stages s ON s.id = d.stage_id
            LEFT JOIN loss_reasons r ON r.id = d.loss_reason_id
            WHERE (e.text != '' OR e.kind = 'lost') AND e.kind NOT IN ('undone', 'imported', 'updated')
            ORDER BY e.deal_id, e.id
            """
        )
        for (deal_id, title, company, stage, kind, at, ekind, text, reason, competitor, revisit, data,
             source, source_id, state, latest) in cursor:  # fmt: skip
            details = json_object(data)
            if details.get("retracted"):
                continue
            if ekind == EventKind.LOST.value:
                reason = details.get("reason") or ""
                competitor = details.get("competitor") or ""
                if not (latest and kind == "lost"):
                    revisit = details.get("revisit_on") or ""
                elif state != "pending":  # closed out: no revisit any more
                    revisit = ""
            yield {
                "deal_id": deal_id,
                "title": title,
                "company": company,
                "stage": stage,
                "status": kind,
                "note_time": at,
                "kind": ekind,
                "text": text,
                "loss_reason": reason or "",
                "competitor": competitor,
                "revisit_on": revisit or "",
                "source": source or "",
                "source_id": source_id or "",
            }

    def export_rows(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """Every deal, archived ones too, in board order (stage position, then id), each as
        its stored columns (`EXPORT_COLUMNS`) with its events as stored (id, at, kind, text,
        from stage, to stage, data), in order: one pass per stage position, each reading the
        deals and their events side by side (no query per deal)."""
        positions: dict[int, list[int]] = {}
        for stage_id, position in self._rows("SELECT id, position FROM stages ORDER BY position, id"):
            positions.setdefault(int(position), []).append(int(stage_id))
        for stage_ids in positions.values():
            marks = ", ".join("?" * len(stage_ids))
            deals = self.db.conn.execute(
                f"SELECT {', '.join('d.' + c for c in EXPORT_COLUMNS)} FROM deals d "
                f"WHERE d.stage_id IN ({marks}) ORDER BY d.id",
                stage_ids,
            )
            events = self.db.conn.execute(
                "SELECT e.deal_id, e.id, e.at, e.kind, e.text, e.from_stage_id, e.to_stage_id, e.data "
                f"FROM deals d JOIN events e ON e.deal_id = d.id WHERE d.stage_id IN ({marks}) "
                "ORDER BY d.id, e.id",
                stage_ids,
            )
            groups = groupby(events, key=_deal_of)
            group = next(groups, None)
            for deal in deals:
                if group is not None and group[0] == deal[0]:
                    yield deal, [event[1:] for event in group[1]]
                    group = next(groups, None)
                else:
                    yield deal, []

    def event_rows(self, deal_id: int) -> list[tuple[str, str, str, int | None, int | None, str]]:
        """A deal's events as stored (at, kind, text, from stage, to stage, data), in order."""
        return [
            (at, kind, text, from_id, to_id, data)
            for at, kind, text, from_id, to_id, data in self._rows(
                "SELECT at, kind, text, from_stage_id, to_stage_id, data FROM events "
                "WHERE deal_id = ? ORDER BY id",
                [deal_id],
            )
        ]

    def event_ids(self, deal_id: int) -> list[int]:
        return [
            int(r[0]) for r in self._rows("SELECT id FROM events WHERE deal_id = ? ORDER BY id", [deal_id])
        ]

    def crm_baseline(self, deal_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT crm_baseline FROM deals WHERE id = ?", [deal_id])
        return json_object(rows[0][0]) or None if rows and rows[0][0] else None

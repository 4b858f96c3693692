"""Moving deals in and out in bulk: imports (one transaction) and the rows exports read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pipeline_tui.errors import RuleError
from pipeline_tui.models import EventKind
from pipeline_tui.store.codec import ts
from pipeline_tui.store.deals import DealWrites


class Transfer(DealWrites):
    def add_many(self, rows: Iterable[dict[str, Any]]) -> int:
        """Insert many prepared deals (column -> SQLite value) and their 'created' events in
        one transaction: all or nothing. For demos and benchmarks."""
        return self.import_rows(rows, kind=EventKind.CREATED)

    def import_rows(
        self,
        rows: Iterable[dict[str, Any]],
        *,
        kind: EventKind = EventKind.IMPORTED,
        source_label: str = "",
        batch: str | None = None,
    ) -> int:
        """Insert prepared deals in one transaction, each with an event that puts it in its
        stage, and its notes (`_notes`: [(timestamp, text)]). Keys starting with _ are hints.
        Every event carries the import's `batch`, so the import can be undone as a whole."""
        now = ts(self.clock())
        count = 0
        tag = json.dumps({"batch": batch}) if batch else "{}"
        with self.write():
            cursor = self.db.conn.cursor()
            for prepared in rows:
                notes = prepared.get("_notes") or []
                row = {
                    "created_at": now,
                    "stage_entered_at": now,
                    "last_activity_at": now,
                    "currency": self.currency,
                }
                row.update({k: v for k, v in prepared.items() if not k.startswith("_")})
                cursor.execute(
                    f"INSERT INTO deals ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()),
                )
                deal_id = cursor.lastrowid
                cursor.execute(
                    "INSERT INTO events (deal_id, at, kind, text, to_stage_id, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [deal_id, row["created_at"], kind.value, source_label, row["stage_id"], tag],
                )
                for at, text in notes:
                    cursor.execute(
                        "INSERT INTO events (deal_id, at, kind, text, data) VALUES (?, ?, ?, ?, ?)",
                        [deal_id, at, EventKind.NOTE.value, text, tag],
                    )
                count += 1
        return count

    def undo_import(self, payload: dict[str, Any], *, label: str = "") -> set[int]:
        """Take an import back: the deals it created go, unless something happened to them
        since (those stay, and are counted in the message of the RuleError raised when
        nothing could go). Returns the stages whose columns changed."""
        batch = payload["batch"]
        with self.write():
            created = [
                int(r[0])
                for r in self._rows(
                    "SELECT deal_id FROM events "
                    "WHERE kind = 'imported' AND json_extract(data, '$.batch') = ?",
                    [batch],
                )
            ]
            touched = {
                int(r[0])
                for r in self._rows(
                    "SELECT DISTINCT e.deal_id FROM events e JOIN events i ON i.deal_id = e.deal_id "
                    "WHERE i.kind = 'imported' AND json_extract(i.data, '$.batch') = ? "
                    "AND json_extract(e.data, '$.batch') IS NOT ?",
                    [batch, batch],
                )
            }
            going = [d for d in created if d not in touched]
            if created and not going:
                raise RuleError(f"Every deal of that import has changed since; nothing was undone ({label}).")
            stages: set[int] = set()
            for start in range(0, len(going), 500):
                chunk = going[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                stages |= {
                    int(r[0])
                    for r in self._rows(f"SELECT DISTINCT stage_id FROM deals WHERE id IN ({marks})", chunk)
                }
                self.db.execute(f"DELETE FROM events WHERE deal_id IN ({marks})", chunk)
                self.db.execute(f"DELETE FROM deals WHERE id IN ({marks})", chunk)
        return stages

    def note_rows(self) -> Iterator[dict[str, Any]]:
        """Every timeline entry that carries text, with its deal's context, for export."""
        cursor = self.db.execute(
            """
            SELECT d.id, d.title, d.company, s.name, s.kind, e.at, e.kind, e.text,
                   r.label, d.competitor, d.revisit_on, e.data
            FROM events e
            JOIN deals d ON d.id = e.deal_id
            JOIN stages s ON s.id = d.stage_id
            LEFT JOIN loss_reasons r ON r.id = d.loss_reason_id
            WHERE e.text != '' AND e.kind NOT IN ('undone', 'imported')
            ORDER BY e.deal_id, e.id
            """
        )
        for (
            deal_id,
            title,
            company,
            stage,
            kind,
            at,
            ekind,
            text,
            reason,
            competitor,
            revisit,
            data,
        ) in cursor:
            if json.loads(data or "{}").get("retracted"):
                continue
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
            }

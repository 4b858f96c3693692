"""The change journal: every operation a person makes is recorded with how to undo it, in
the same transaction as the change, so `u` on the board and `pipeline-tui undo` agree."""

from __future__ import annotations

import json
from typing import Any

from pipeline_tui.models import Change, ChangeKind, Scope
from pipeline_tui.store.codec import parse_ts, ts
from pipeline_tui.store.connection import Connection

CHANGE_FIELDS = "id, at, origin, scope, kind, label, deal_id, payload, undone_at"


def _change(row: tuple[Any, ...]) -> Change:
    id_, at, origin, scope, kind, label, deal_id, payload, undone_at = row
    return Change(
        id=id_,
        at=parse_ts(at),
        origin=origin,
        scope=scope,
        kind=ChangeKind.read(kind),
        label=label,
        deal_id=deal_id,
        payload=json.loads(payload or "{}"),
        undone_at=parse_ts(undone_at) if undone_at else None,
    )


class Journal:
    """The journal of changes, read and written on the store's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows = conn.rows

    def record(
        self,
        kind: ChangeKind,
        label: str,
        payload: dict[str, Any],
        *,
        deal_id: int | None = None,
        scope: Scope = Scope.PIPELINE,
    ) -> int:
        """Remember a change made by the connection's origin (inside the change's transaction)."""
        with self.conn.write():
            cur = self.conn.db.execute(
                "INSERT INTO changes (at, origin, scope, kind, label, deal_id, payload) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    ts(self.conn.clock()),
                    self.conn.origin,
                    scope.value,
                    kind.value,
                    label,
                    deal_id,
                    json.dumps(payload, ensure_ascii=False, default=str),
                ],
            )
            return int(cur.lastrowid or 0)

    def last(self, *, origin: str | None = None, scope: Scope | None = None) -> Change | None:
        """The latest change not yet undone (of one origin and scope, when given)."""
        where, params = ["undone_at IS NULL"], []
        if origin is not None:
            where.append("origin = ?")
            params.append(origin)
        if scope is not None:
            where.append("scope = ?")
            params.append(scope.value)
        rows = self._rows(
            f"SELECT {CHANGE_FIELDS} FROM changes WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT 1",
            params,
        )
        return _change(rows[0]) if rows else None

    def get(self, change_id: int) -> Change | None:
        rows = self._rows(f"SELECT {CHANGE_FIELDS} FROM changes WHERE id = ?", [change_id])
        return _change(rows[0]) if rows else None

    def mark_undone(self, change_id: int) -> None:
        with self.conn.write():
            self.conn.db.execute(
                "UPDATE changes SET undone_at = ? WHERE id = ?", [ts(self.conn.clock()), change_id]
            )

    def recent(self, *, limit: int = 20) -> list[Change]:
        """The latest changes, newest first."""
        return [
            _change(r)
            for r in self._rows(f"SELECT {CHANGE_FIELDS} FROM changes ORDER BY id DESC LIMIT ?", [limit])
        ]

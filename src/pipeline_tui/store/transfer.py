"""Moving deals in and out in bulk: the part of the store that imports and exports go
through (`Transfer`). It reads the deals an earlier import made (`CrmDeal`, `CrmRef`), keeps
the seller's stage answers per source, and takes an import back; writing an import is
`import_rows` (with `prepared` for the new deals of a CRM's file), and the rows the exports
read are `export_rows`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from pipeline_tui.errors import RuleError
from pipeline_tui.store.codec import deal_fields, parse_ts
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.deals import Deals
from pipeline_tui.store.export_rows import ExportRows
from pipeline_tui.store.import_rows import ImportWriter
from pipeline_tui.store.shape import Shape
from pipeline_tui.transitions import undo


@dataclass(frozen=True, slots=True)
class CrmDeal:
    """What a re-import compares: a deal an earlier import created, as it is now."""

    id: int
    rev: int
    title: str
    company: str
    contact: str
    value: int
    currency: str
    expected_close: date | None
    stage_id: int
    baseline: dict[str, Any] | None
    archived: bool = False
    last_activity: datetime | None = None  # when something last happened to it (here or in the CRM)


class CrmRef(NamedTuple):
    """A deal an earlier import created, as a re-import first looks at it: its baseline as
    stored, in UTF-8 (equal text, equal baseline), the rest read only for the deals that
    changed."""

    id: int
    rev: int
    stage_id: int
    baseline: bytes | None
    archived: int  # 1 when archived


class Transfer:
    """Deals in and out in bulk: imports and their undo, and the rows the exports read."""

    def __init__(self, conn: Connection, shape: Shape, deals: Deals) -> None:
        self.conn = conn
        self.shape = shape
        self.deals = deals
        self.db = conn.db
        self._rows = conn.rows
        writer = ImportWriter(conn, shape, deals)
        self.add_many = writer.add_many
        self.import_rows = writer.import_rows
        self.create_pending = writer.create_pending
        self.apply_import_updates = writer.apply_import_updates
        exports = ExportRows(conn)
        self.note_rows = exports.note_rows
        self.export_rows = exports.export_rows
        self.event_rows = exports.event_rows
        self.event_ids = exports.event_ids
        self.crm_baseline = exports.crm_baseline

    # -------------------------------------------------------- earlier imports

    def crm_index(self, source: str) -> dict[str, CrmDeal]:
        """Every deal imported from `source`, by its source id, as a re-import compares it."""
        rows = self.db.execute(
            "SELECT source_id, id, rev, title, company, contact, value, currency, expected_close, stage_id, "
            "crm_baseline, archived_at, last_activity_at "
            "FROM deals WHERE source = ? AND source_id IS NOT NULL",
            [source],
        )
        out: dict[str, CrmDeal] = {}
        for (
            sid,
            id_,
            rev,
            title,
            company,
            contact,
            value,
            currency,
            close,
            stage_id,
            baseline,
            gone,
            act,
        ) in rows:
            out[sid] = CrmDeal(
                id_, rev, title, company, contact, value, currency,
                date.fromisoformat(close) if close else None, stage_id,
                json.loads(baseline) if baseline else None, gone is not None, parse_ts(act) if act else None,
            )  # fmt: skip
        return out

    def crm_refs(self, source: str) -> dict[str, CrmRef]:
        """Every deal imported from `source`, by its source id, as a re-import first looks
        at it (the rest is read for the deals that changed: `crm_deal`)."""
        rows = self.db.conn.execute(
            "SELECT source_id, id, rev, stage_id, CAST(crm_baseline AS BLOB), archived_at IS NOT NULL "
            "FROM deals WHERE source = ? AND source_id IS NOT NULL",
            [source],
        )
        make = tuple.__new__
        return {row[0]: make(CrmRef, row[1:]) for row in rows}

    def crm_deal(self, deal_id: int) -> CrmDeal:
        """A deal an earlier import created, as a re-import compares it."""
        (row,) = self._rows(
            "SELECT id, rev, title, company, contact, value, currency, expected_close, stage_id, "
            "crm_baseline, archived_at, last_activity_at FROM deals WHERE id = ?",
            [deal_id],
        )
        id_, rev, title, company, contact, value, currency, close, stage_id, baseline, gone, act = row
        return CrmDeal(
            id_, rev, title, company, contact, value, currency, date.fromisoformat(close) if close else None,
            stage_id, json.loads(baseline) if baseline else None, gone is not None,
            parse_ts(act) if act else None,
        )  # fmt: skip

    def names(self, deal_ids: list[int]) -> dict[int, tuple[str, str]]:
        """The titles and companies of deals by id."""
        found: dict[int, tuple[str, str]] = {}
        for start in range(0, len(deal_ids), 500):
            chunk = deal_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._rows(f"SELECT id, title, company FROM deals WHERE id IN ({marks})", chunk)
            found.update({int(i): (str(t), str(c or "")) for i, t, c in rows})
        return found

    def titles(self, deal_ids: list[int]) -> dict[int, str]:
        """The titles of deals by id."""
        return {deal_id: title for deal_id, (title, _) in self.names(deal_ids).items()}

    def import_maps(self, source: str) -> dict[str, int]:
        """Where the seller said a source's stage values go (normed value -> stage id), at an
        earlier import: the next import of that source places them the same way."""
        rows = self._rows("SELECT value, stage_id FROM import_maps WHERE source = ?", [source])
        return {str(value): int(stage_id) for value, stage_id in rows}

    def remember_maps(self, source: str, maps: Mapping[str, int]) -> None:
        """Keep the seller's answers for the next import of `source` (inside the import's
        transaction)."""
        with self.conn.write():
            for value, stage_id in maps.items():
                self.db.execute(
                    "INSERT INTO import_maps (source, value, stage_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (source, value) DO UPDATE SET stage_id = excluded.stage_id",
                    [source, value, stage_id],
                )

    def deal_origins(self) -> dict[int, tuple[str, str | None, str | None]]:
        """Every deal id with its created time and (source, source id), for our own import."""
        return {
            int(i): (created, source, sid)
            for i, created, source, sid in self._rows("SELECT id, created_at, source, source_id FROM deals")
        }

    # -------------------------------------------------------------------- undo

    def undo_import(self, payload: dict[str, Any], *, label: str = "") -> set[int]:
        """Take an import back: the deals it created go, unless something happened to them
        since (those stay); on the deals it updated, what it changed goes back where nothing
        changed it since. Raises RuleError when nothing could be taken back. Returns the
        stages whose columns changed."""
        batch = payload["batch"]
        stages: set[int] = set()
        with self.conn.write():
            created = [
                (int(r[0]), int(r[1]))
                for r in self._rows(
                    "SELECT e.deal_id, d.rev FROM events e JOIN deals d ON d.id = e.deal_id "
                    "WHERE e.id = (SELECT MIN(id) FROM events WHERE deal_id = e.deal_id) "
                    "AND json_extract(e.data, '$.batch') = ?",
                    [batch],
                )
            ]
            # A deal changed since (a note, a move, a later import) has a newer rev: it stays.
            going = [d for d, rev in created if rev == 0]
            put_back = 0
            for deal_id, change in (payload.get("updates") or {}).items():
                if self._undo_update(int(deal_id), change, label=label, stages=stages):
                    put_back += 1
            if (created or payload.get("updates")) and not going and not put_back:
                raise RuleError(f"Every deal of that import has changed since; nothing was undone ({label}).")
            for start in range(0, len(going), 500):
                chunk = going[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                stages |= {
                    int(r[0])
                    for r in self._rows(f"SELECT DISTINCT stage_id FROM deals WHERE id IN ({marks})", chunk)
                }
                self.deals.index.drop_deals(chunk)
                self.db.execute(f"DELETE FROM events WHERE deal_id IN ({marks})", chunk)
                self.db.execute(f"DELETE FROM deals WHERE id IN ({marks})", chunk)
        return stages

    def _undo_update(self, deal_id: int, change: dict[str, Any], *, label: str, stages: set[int]) -> bool:
        """Put back one re-import update where nothing changed it since. True if anything went back."""
        rows = self._rows("SELECT crm_baseline FROM deals WHERE id = ?", [deal_id])
        if not rows:
            return False
        before, after = dict(change["before"]), dict(change["after"])
        old_baseline, new_baseline = before.pop("crm_baseline", None), after.pop("crm_baseline", None)
        done = False
        if before:
            deal = self.deals.get(deal_id)
            old = self.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None
            try:
                back = undo(deal, deal_fields(before), deal_fields(after), label=label, old_reason=old)
            except RuleError:
                back = None
            if back is not None:
                restored, _ = self.deals.apply(deal, back, at=self.conn.clock())
                stages |= {deal.stage_id, restored.stage_id}
                done = True
        if rows[0][0] == new_baseline and old_baseline != new_baseline:
            # The CRM's values as imported before: a later re-import compares with those again.
            self.db.execute("UPDATE deals SET crm_baseline = ? WHERE id = ?", [old_baseline, deal_id])
            done = True
        return done

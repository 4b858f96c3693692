"""Writing an import: new deals (`ImportRow`s, or `PreparedDeals` for a CRM's file), what a
re-import changes, and the stages and reasons an import makes.

An import hands typed rows (`ImportRow`, `ImportUpdate`): the store checks them with the
same limits as every other path, writes them with one timeline entry each (or the history
they carry), and tags every entry it writes with the import's batch so the import can be
taken back as a whole."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pipeline_tui.errors import ConflictError, InputError
from pipeline_tui.limits import (
    MAX_NOTES_PER_DEAL_IMPORT,
    check_amount,
    check_currency,
    check_date,
    check_moment,
    check_note,
    check_text,
)
from pipeline_tui.models import EventKind, ImportRow, ImportUpdate, PendingReason, PendingStage, RevisitState
from pipeline_tui.store.codec import parse_ts, ts
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.deals import SEARCHED, Deals
from pipeline_tui.store.prepared import INSERT_COLUMNS, PreparedDeals
from pipeline_tui.store.shape import Shape
from pipeline_tui.transitions import STAGE_BOUND, Entry

_INSERT_DEAL = (
    f"INSERT INTO deals ({', '.join(INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
)
BULK = 20_000  # deals an import writes before it builds the indexes after the rows
# A prepared deal's CRM baseline (values without the id) names a stage this import makes by
# its key until the stage exists: its id is put in when the deal is written.
_BASELINE_AT = INSERT_COLUMNS.index("crm_baseline") - 1
_PENDING_STAGE = re.compile(r'"stage_id":(-\d+)')


_INSERT_EVENT = (
    "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


_BASELINE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def baseline_text(baseline: Mapping[str, Any] | None) -> str | None:
    """The CRM baseline as stored: JSON with sorted keys, so equal baselines are equal text."""
    if baseline is None:
        return None
    return _BASELINE.encode(baseline)


def _day(value: date | None, field: str) -> str | None:
    return check_date(value, field).isoformat() if value is not None else None  # type: ignore[union-attr]


def _moment(value: datetime | None, field: str) -> str | None:
    return ts(check_moment(value, field)) if value is not None else None


def _event_data(data: Mapping[str, Any], tag: Mapping[str, Any]) -> str:
    return json.dumps({**data, **tag}, ensure_ascii=False, default=str)


class ImportWriter:
    """Imports into the pipeline, each in one transaction (`Transfer` offers them)."""

    def __init__(self, conn: Connection, shape: Shape, deals: Deals) -> None:
        self.conn = conn
        self.shape = shape
        self.deals = deals
        self.db = conn.db
        self._rows = conn.rows

    def add_many(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert many deals given as column -> SQLite value (times as stored text; an
        optional `notes`: [(time, text)]) with their 'created' events, in one transaction:
        all or nothing. For demos and benchmarks; checked like every import."""
        return self.import_rows((self._row_from_columns(r) for r in rows), kind=EventKind.CREATED)

    def _row_from_columns(self, columns: Mapping[str, Any]) -> ImportRow:
        values = dict(columns)
        notes = tuple((parse_ts(at), text) for at, text in values.pop("notes", ()) or ())
        now = self.conn.clock()
        for name in ("created_at", "stage_entered_at", "last_activity_at", "closed_at", "archived_at"):
            if isinstance(values.get(name), str):
                values[name] = datetime.fromisoformat(values[name])
        for name in ("expected_close", "next_step_due", "revisit_on", "snoozed_until"):
            if isinstance(values.get(name), str):
                values[name] = date.fromisoformat(values[name])
        if isinstance(values.get("revisit_state"), str):
            values["revisit_state"] = RevisitState(values["revisit_state"])
        created = values.pop("created_at", None) or now
        return ImportRow(
            created_at=created,
            stage_entered_at=values.pop("stage_entered_at", None) or created,
            last_activity_at=values.pop("last_activity_at", None) or created,
            notes=notes,
            **values,
        )

    def _insert_values(self, row: ImportRow, deal_id: int) -> list[Any]:
        """The row checked with the limits every path uses, as SQLite values."""
        created = _moment(row.created_at, "created date")
        return [
            deal_id,
            check_text(row.title, "title", required=True),
            check_text(row.company, "company"),
            check_text(row.contact, "contact"),
            check_amount(row.value),
            check_currency(row.currency or self.conn.currency),
            row.stage_id,
            _day(row.expected_close, "close date"),
            check_text(row.next_step, "next step"),
            _day(row.next_step_due, "next step's due date"),
            created,
            created
            if row.stage_entered_at is row.created_at
            else _moment(row.stage_entered_at, "stage entered date"),
            created
            if row.last_activity_at is row.created_at
            else _moment(row.last_activity_at, "last activity date"),
            _moment(row.closed_at, "closed date"),
            row.loss_reason_id,
            check_text(row.competitor, "competitor"),
            row.lost_at_stage_id,
            check_note(row.loss_note, "loss note"),
            _day(row.revisit_on, "revisit date"),
            row.revisit_state.value if row.revisit_state else None,
            row.source,
            row.source_id,
            _moment(row.archived_at, "archived date"),
            _day(row.snoozed_until, "snooze date"),
            baseline_text(row.crm_baseline),
            row.won_reason_id,
            check_note(row.won_note, "win note"),
        ]

    def import_rows(
        self,
        rows: Iterable[ImportRow],
        *,
        kind: EventKind = EventKind.IMPORTED,
        source_label: str = "",
        batch: str | None = None,
        stage_keys: Mapping[int, int] | None = None,
        reason_keys: Mapping[int, int] | None = None,
    ) -> int:
        """Insert new deals in one transaction. A row without a timeline gets one event that
        puts it in its stage (`kind`) and its notes; a row with one gets exactly that history.
        Every event carries `batch`. `stage_keys`/`reason_keys` turn the keys of stages and
        reasons made by this import (`create_pending`) into their ids."""
        tag: dict[str, Any] = {"batch": batch} if batch else {}
        stages = dict(stage_keys or {})
        reasons = dict(reason_keys or {})
        count = 0
        cache = self._rows("PRAGMA cache_size")[0][0]
        try:
            with self.conn.write():
                if isinstance(rows, PreparedDeals):
                    with self._bulk(len(rows)):
                        count = self._insert_prepared(rows, kind, source_label, tag, stages, reasons)
                else:
                    # A big import touches every index of the deals: a larger page cache for its length.
                    self.db.execute("PRAGMA cache_size = -65536")
                    count = self._insert_rows(rows, kind, source_label, tag, stages, reasons)
        finally:
            self.db.execute(f"PRAGMA cache_size = {int(cache)}")
        return count

    def _insert_rows(
        self,
        rows: Iterable[ImportRow],
        kind: EventKind,
        source_label: str,
        tag: dict[str, Any],
        stages: dict[int, int],
        reasons: dict[int, int],
    ) -> int:
        tag_text = json.dumps(tag)
        count = 0

        def stage(value: int | None) -> int | None:
            return stages.get(value, value) if value is not None and value < 0 else value

        next_id = int(self._rows("SELECT COALESCE(MAX(id), 0) FROM deals")[0][0]) + 1
        deals: list[list[Any]] = []
        events: list[list[Any]] = []
        retractions: list[tuple[int, int, int]] = []  # (deal, event position, retracted position)

        def flush() -> None:
            cursor = self.db.conn.cursor()
            _insert_deals(cursor, deals)
            cursor.executemany(_INSERT_EVENT, events)
            ids = [values[0] for values in deals]
            self.deals.index.deals(ids)
            self.deals.index.deal_events(ids)
            deals.clear()
            events.clear()

        for row in rows:
            deal_id = row.id if row.id is not None else next_id
            next_id = max(next_id, deal_id + 1)
            values = self._insert_values(row, deal_id)
            values[6] = stage(row.stage_id)
            values[14] = reasons.get(row.loss_reason_id, row.loss_reason_id) if row.loss_reason_id else None
            values[16] = stage(row.lost_at_stage_id)
            values[25] = reasons.get(row.won_reason_id, row.won_reason_id) if row.won_reason_id else None
            deals.append(values)
            if row.timeline is None:
                events.append([deal_id, values[10], kind.value, source_label, None, values[6], tag_text])
                if len(row.notes) > MAX_NOTES_PER_DEAL_IMPORT:
                    raise InputError(f"{row.title!r} carries more than {MAX_NOTES_PER_DEAL_IMPORT:,} notes.")
                for at, text in row.notes:
                    note = check_note(text, required=True)
                    events.append([deal_id, ts(check_moment(at, "note time")), EventKind.NOTE.value, note,
                                   None, None, tag_text])  # fmt: skip
            else:
                if len(row.timeline) > MAX_NOTES_PER_DEAL_IMPORT * 10:
                    raise InputError(
                        f"{row.title!r} carries more than {MAX_NOTES_PER_DEAL_IMPORT * 10:,} events."
                    )
                for position, event in enumerate(row.timeline):
                    data = dict(event.data)
                    if isinstance(data.get("retracted_event"), int):
                        retractions.append((deal_id, position, data["retracted_event"]))
                    events.append([
                        deal_id, ts(check_moment(event.at, "event time")), event.kind.value,
                        check_note(event.text, "event text"), stage(event.from_stage_id),
                        stage(event.to_stage_id), _event_data(data, tag),
                    ])  # fmt: skip
            count += 1
            if len(deals) >= 2_000:
                flush()
        flush()
        if retractions:
            self._link_retractions(retractions)
        return count

    @contextmanager
    def _bulk(self, adding: int) -> Iterator[None]:
        """A large import into a smaller pipeline writes its deals and events first and
        builds their (non-unique) indexes after, in the same transaction: one sort per index
        instead of an index entry put in place per row. A failure rolls the indexes back
        with the rows."""
        if adding < BULK or adding < int(self._rows("SELECT COUNT(*) FROM deals")[0][0]):
            self.db.execute("PRAGMA cache_size = -65536")  # rows put in every index: a larger cache
            yield
            return
        self.db.execute("PRAGMA cache_size = -16384")  # the rows are appended; the indexes sorted
        indexes = self._rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('deals', 'events') "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
        )
        for name, _ in indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in indexes:
            self.db.execute(sql)

    def _insert_prepared(
        self,
        rows: PreparedDeals,
        kind: EventKind,
        source_label: str,
        tag: dict[str, Any],
        stages: dict[int, int],
        reasons: dict[int, int],
    ) -> int:
        """Write prepared deals (checked as they were added), a few thousand rows per
        statement, each chunk followed by the entries that put its deals in their stages (made
        by SQLite from the rows just written: no value crosses from Python twice) and the notes
        they bring: a deal's stage entry comes before its note."""
        tag_text = json.dumps(tag)
        next_id = int(self._rows("SELECT COALESCE(MAX(id), 0) FROM deals")[0][0]) + 1
        first = next_id
        keyed = bool(stages or reasons)
        cursor = self.db.conn.cursor()
        deals: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []

        stage_entry = (
            "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
            "SELECT id, created_at, ?, ?, NULL, stage_id, ? FROM deals WHERE id BETWEEN ? AND ? ORDER BY id"
        )
        note_kind = EventKind.NOTE.value

        def flush() -> None:
            if not deals:
                return
            _insert_deals(cursor, deals)
            cursor.execute(stage_entry, [kind.value, source_label, tag_text, deals[0][0], deals[-1][0]])
            cursor.executemany(
                _INSERT_EVENT, [(deal, at, note_kind, text, None, None, tag_text) for deal, at, text in notes]
            )
            deals.clear()
            notes.clear()

        for values in rows.values():
            deal_id = next_id
            next_id += 1
            if keyed:
                listed = list(values)
                for at in (5, 15):  # the stage, the stage it was lost at
                    if listed[at] is not None and listed[at] < 0:
                        listed[at] = stages.get(listed[at], listed[at])
                if listed[13]:
                    listed[13] = reasons.get(listed[13], listed[13])
                if listed[_BASELINE_AT] and '"stage_id":-' in listed[_BASELINE_AT]:
                    listed[_BASELINE_AT] = _PENDING_STAGE.sub(
                        lambda m: f'"stage_id":{stages.get(int(m[1]), int(m[1]))}', listed[_BASELINE_AT]
                    )
                values = tuple(listed)
            deals.append((deal_id, *values[:-1]))
            if values[-1]:
                notes.append((deal_id, values[9], values[-1]))
            if len(deals) >= 5_000:
                flush()
        flush()
        if next_id > first:  # searchable at once, in the import's transaction
            self.deals.index.deals_from(first)
        return next_id - first

    def _link_retractions(self, retractions: list[tuple[int, int, int]]) -> None:
        """An undo event names the note it took back by its place in the deal's timeline in
        an export; here it names it by its event id again."""
        for deal_id, position, target in retractions:
            ids = [
                int(r[0])
                for r in self._rows("SELECT id FROM events WHERE deal_id = ? ORDER BY id", [deal_id])
            ]
            if 0 <= target < len(ids) and position < len(ids):
                row = self._rows("SELECT data FROM events WHERE id = ?", [ids[position]])[0]
                data = {**json.loads(row[0]), "retracted_event": ids[target]}
                self.db.execute(
                    "UPDATE events SET data = ? WHERE id = ?",
                    [json.dumps(data, ensure_ascii=False), ids[position]],
                )

    def create_pending(
        self, stages: Iterable[PendingStage], reasons: Iterable[PendingReason]
    ) -> tuple[dict[int, int], dict[int, int]]:
        """Make the stages and reasons (loss or won) an import needs; their keys -> their new
        ids (reasons of both kinds in one mapping: their keys must differ)."""
        stage_ids: dict[int, int] = {}
        reason_ids: dict[int, int] = {}
        with self.conn.write():
            for pending in stages:
                made = self.shape.add_stage(pending.name, kind=pending.kind)
                if pending.archived:
                    self.db.execute("UPDATE stages SET archived = 1 WHERE id = ?", [made.id])
                    self.conn.invalidate()
                stage_ids[pending.key] = made.id
            for reason in reasons:
                if reason.won:
                    won = self.shape.add_won_reason(reason.label, needs_competitor=reason.needs_competitor)
                    reason_ids[reason.key] = won.id
                else:
                    reason_ids[reason.key] = self.shape.add_reason(
                        reason.label, needs_competitor=reason.needs_competitor, needs_note=reason.needs_note
                    ).id
        return stage_ids, reason_ids

    def apply_import_updates(
        self,
        updates: Iterable[ImportUpdate],
        *,
        batch: str,
        stage_keys: Mapping[int, int] | None = None,
        reason_keys: Mapping[int, int] | None = None,
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Write what a re-import changes on deals it created before, each with its timeline
        entries. Returns, per deal, the columns before and after (for undo). A deal changed
        since the import was planned stops the import (ConflictError): nothing is written.
        `stage_keys`/`reason_keys`: the ids of stages and reasons this import made, by the
        keys an update names them with (a deal moved to a stage made by `--map …=new`)."""
        tag = {"batch": batch}
        journal: dict[str, dict[str, dict[str, Any]]] = {}
        if stage_keys or reason_keys:
            updates = [_made_ids(u, stage_keys or {}, reason_keys or {}) for u in updates]
        with self.conn.write():
            for update in updates:
                names = list(update.fields)
                if "stage_id" in names:  # undo puts a move back whole: the loss and times with it
                    names += [n for n in sorted(STAGE_BOUND) if n not in names]
                current = self._rows(
                    f"SELECT rev, crm_baseline{''.join(', ' + n for n in names)} FROM deals WHERE id = ?",
                    [update.deal_id],
                )
                if not current or current[0][0] != update.rev:
                    raise ConflictError(
                        f"Deal #{update.deal_id} changed while the import was read; nothing was imported. "
                        "Run it again.",
                    )
                before = dict(zip(["crm_baseline", *names], current[0][1:], strict=True))
                sets = {"crm_baseline": baseline_text(update.baseline), **update.fields}
                after = {**before, **sets}
                if update.fields:  # a new baseline alone is no change to the deal
                    sets["rev"] = update.rev + 1
                self.db.execute(
                    f"UPDATE deals SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                    [*sets.values(), update.deal_id],
                )
                if SEARCHED & update.fields.keys():
                    self.deals.index.deals([update.deal_id])
                for event in update.events:
                    entry = Entry(
                        event.kind, event.text, event.from_stage_id, event.to_stage_id, {**event.data, **tag}
                    )
                    self.deals.log(update.deal_id, entry, at=event.at)
                journal[str(update.deal_id)] = {"before": before, "after": after}
        return journal


def _insert_deals(cursor: sqlite3.Cursor, deals: list[Any]) -> None:
    """New deals' rows; a unique id taken meanwhile (another writer) stops the import."""
    try:
        cursor.executemany(_INSERT_DEAL, deals)
    except sqlite3.IntegrityError as exc:
        raise ConflictError(
            f"The pipeline changed while importing ({exc}); nothing was imported. Run it again.",
        ) from None


def _made_ids(update: ImportUpdate, stages: Mapping[int, int], reasons: Mapping[int, int]) -> ImportUpdate:
    """The update with the keys of stages and reasons the import made turned into their ids."""

    def stage(value: Any) -> Any:
        return stages.get(value, value) if isinstance(value, int) and value < 0 else value

    def reason(value: Any) -> Any:
        return reasons.get(value, value) if isinstance(value, int) and value < 0 else value

    fields = dict(update.fields)
    for name in ("stage_id", "lost_at_stage_id"):
        if name in fields:
            fields[name] = stage(fields[name])
    for name in ("loss_reason_id", "won_reason_id"):
        if name in fields:
            fields[name] = reason(fields[name])
    baseline = dict(update.baseline)
    if "stage_id" in baseline:
        baseline["stage_id"] = stage(baseline["stage_id"])
    events = tuple(
        replace(event, from_stage_id=stage(event.from_stage_id), to_stage_id=stage(event.to_stage_id))
        for event in update.events
    )
    return replace(update, fields=fields, baseline=baseline, events=events)

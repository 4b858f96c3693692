"""Moving deals in and out in bulk: imports (one transaction), their undo, and the rows
exports read.

An import hands typed rows (`ImportRow`, `ImportUpdate`): the store checks them with the
same limits as every other path, writes them with one timeline entry each (or the history
they carry), and tags every entry it writes with the import's batch so the import can be
taken back as a whole.
"""

from __future__ import annotations

import json
import marshal
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import islice
from typing import Any, NamedTuple

from pipeline_tui.errors import ConflictError, InputError, RuleError
from pipeline_tui.limits import (
    MAX_LINE,
    MAX_NOTE,
    MAX_NOTES_PER_DEAL_IMPORT,
    check_amount,
    check_currency,
    check_date,
    check_moment,
    check_note,
    check_text,
    plain_text,
)
from pipeline_tui.models import (
    EventKind,
    ImportRow,
    ImportUpdate,
    PendingReason,
    PendingStage,
    RevisitState,
)
from pipeline_tui.store.codec import deal_fields, json_object, parse_ts, ts
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.deals import SEARCHED, Deals
from pipeline_tui.store.shape import Shape
from pipeline_tui.transitions import STAGE_BOUND, Entry, undo

# The columns an import writes, in INSERT order.
_INSERT_COLUMNS = (
    "id", "title", "company", "contact", "value", "currency", "stage_id", "expected_close", "next_step",
    "next_step_due", "created_at", "stage_entered_at", "last_activity_at", "closed_at", "loss_reason_id",
    "competitor", "lost_at_stage_id", "loss_note", "revisit_on", "revisit_state", "source", "source_id",
    "archived_at", "snoozed_until", "crm_baseline", "won_reason_id", "won_note",
)  # fmt: skip
_INSERT_DEAL = (
    f"INSERT INTO deals ({', '.join(_INSERT_COLUMNS)}) VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})"
)
BULK = 20_000  # deals an import writes before it builds the indexes after the rows
# The columns the deals export reads, in order: the ones an import writes.
EXPORT_COLUMNS = _INSERT_COLUMNS
_INSERT_EVENT = (
    "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


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


class CrmRef(NamedTuple):
    """A deal an earlier import created, as a re-import first looks at it: its baseline as
    stored, in UTF-8 (equal text, equal baseline), the rest read only for the deals that
    changed."""

    id: int
    rev: int
    stage_id: int
    baseline: bytes | None
    archived: int  # 1 when archived


_BASELINE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def baseline_text(baseline: Mapping[str, Any] | None) -> str | None:
    """The CRM baseline as stored: JSON with sorted keys, so equal baselines are equal text."""
    if baseline is None:
        return None
    return _BASELINE.encode(baseline)


class _Memo(dict[Any, Any]):
    """A value's stored form, worked out (and checked) once per distinct value; forgets all
    past `limit` entries."""

    def __init__(self, convert: Callable[[Any], Any], limit: int = 50_000) -> None:
        super().__init__()
        self.convert = convert
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.convert(key)
        return value


def _checked_day(value: date, field: str) -> str:
    return check_date(value, field).isoformat()  # type: ignore[union-attr]


def _checked_moment(value: datetime, field: str) -> str:
    return ts(check_moment(value, field))


def _text(value: str, field: str, limit: int = MAX_LINE) -> str:
    """check_text, with its cheap test first (a bulk import asks it of every cell)."""
    if not value:
        return ""
    if plain_text(value, limit) and value == value.strip():
        return value
    return check_text(value, field, limit=limit)


# A prepared deal: its columns as SQLite values, in _INSERT_COLUMNS order without the id, then
# the text of the note it brings ("" for none), written at its created time.
_PREPARED_WIDTH = len(_INSERT_COLUMNS)


class PreparedDeals:
    """New deals an import will write, each checked with the limits every path uses as it is
    added, and kept as SQLite values in compressed chunks: a file of a million rows never
    sits in memory as objects. A place can be held for a deal decided later (`hold`, then
    `fill`), so the deals are written in the file's order. Keeps, per stage, how many deals
    and how much money (per currency) it holds, and how many have no loss reason."""

    CHUNK = 2_000

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self._chunks: list[bytes] = []
        self._open: list[Any] = []
        self._held: list[tuple[Any, ...] | None] = []
        self._count = 0
        # stage -> [deals, without a loss reason, {currency: total}]
        self.per_stage: dict[int, list[Any]] = {}
        self._currency = _Memo(check_currency)
        self._close = _Memo(partial(_checked_day, field="close date"))
        self._due = _Memo(partial(_checked_day, field="next step's due date"))
        self._created = _Memo(partial(_checked_moment, field="created date"))
        self._entered = _Memo(partial(_checked_moment, field="stage entered date"))
        self._activity = _Memo(partial(_checked_moment, field="last activity date"))
        self._closed = _Memo(partial(_checked_moment, field="closed date"))

    def add(self, *values: Any) -> None:
        """One new deal: the arguments of `prepare`, checked now."""
        prepared = self.prepare(*values)
        self._count_in(prepared)
        self._count += 1
        self._put(prepared)

    def prepare(
        self, title: str, company: str, contact: str, value: int, currency: str | None, stage_id: int,
        close: date | None, next_step: str, next_due: date | None, created: datetime, entered: datetime,
        activity: datetime, closed: datetime | None, loss_reason_id: int | None, competitor: str,
        lost_at_stage_id: int | None, loss_note: str, source: str | None, source_id: str | None,
        baseline: str | None, note: str, won_reason_id: int | None = None, won_note: str = "",
    ) -> tuple[Any, ...]:  # fmt: skip
        """A new deal (the values an `ImportRow` would carry) as SQLite values, checked with
        the limits `_insert_values` checks (a bad value: InputError naming it)."""
        if not (title and plain_text(title) and title == title.strip()):
            title = check_text(title, "title", required=True)
        created_text = self._created[created]
        return (
            title, _text(company, "company") if company else "", _text(contact, "contact") if contact else "",
            check_amount(value), self._currency[currency or self.currency], stage_id,
            self._close[close] if close else None, _text(next_step, "next step") if next_step else "",
            self._due[next_due] if next_due else None, created_text,
            created_text if entered is created else self._entered[entered],
            created_text if activity is created else self._activity[activity],
            self._closed[closed] if closed else None, loss_reason_id,
            _text(competitor, "competitor") if competitor else "", lost_at_stage_id,
            _text(loss_note, "loss note", MAX_NOTE) if loss_note else "", None, None, source, source_id, None,
            None, baseline, won_reason_id, check_note(won_note, "win note") if won_note else "",
            check_note(note, required=True) if note else "",
        )  # fmt: skip

    def _count_in(self, values: tuple[Any, ...]) -> None:
        stage = self.per_stage.get(values[5])
        if stage is None:
            stage = self.per_stage[values[5]] = [0, 0, {}]
        stage[0] += 1
        if not values[13]:
            stage[1] += 1
        totals = stage[2]
        totals[values[4]] = totals.get(values[4], 0) + values[3]

    def _put(self, entry: Any) -> None:
        self._open.append(entry)
        if len(self._open) >= self.CHUNK:
            self._chunks.append(zlib.compress(marshal.dumps(self._open), 1))
            self._open = []

    def hold(self) -> int:
        """A place for a deal decided later, in the file's order."""
        slot = len(self._held)
        self._held.append(None)
        self._put(slot)
        return slot

    def fill(self, slot: int, *values: Any) -> None:
        """The deal for a held place (the arguments of `prepare`)."""
        prepared = self.prepare(*values)
        self._held[slot] = prepared
        self._count_in(prepared)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def values(self) -> Iterator[tuple[Any, ...]]:
        """The deals as SQLite values (see `_PREPARED_WIDTH`), in order."""
        for chunk in self._chunks:
            yield from self._entries(marshal.loads(zlib.decompress(chunk)))
        yield from self._entries(self._open)

    def _entries(self, entries: list[Any]) -> Iterator[tuple[Any, ...]]:
        for entry in entries:
            if isinstance(entry, int):
                entry = self._held[entry]
                if entry is None:
                    continue
            yield entry

    def __getitem__(self, index: int) -> ImportRow:
        """The deal at `index` (read through the chunks: for a look at one, not a loop)."""
        at = index + self._count if index < 0 else index
        if not 0 <= at < self._count:
            raise IndexError(index)
        return next(islice(self, at, None))

    def __iter__(self) -> Iterator[ImportRow]:
        """The deals as `ImportRow`s (for a look at them; the import writes `values`)."""
        for values in self.values():
            created = parse_ts(values[9])
            row = dict(zip(_INSERT_COLUMNS[1:], values, strict=False))
            yield ImportRow(
                title=row["title"], company=row["company"], contact=row["contact"], value=row["value"],
                currency=row["currency"], stage_id=row["stage_id"],
                expected_close=date.fromisoformat(row["expected_close"]) if row["expected_close"] else None,
                next_step=row["next_step"],
                next_step_due=date.fromisoformat(row["next_step_due"]) if row["next_step_due"] else None,
                created_at=created, stage_entered_at=parse_ts(row["stage_entered_at"]),
                last_activity_at=parse_ts(row["last_activity_at"]),
                closed_at=parse_ts(row["closed_at"]) if row["closed_at"] else None,
                loss_reason_id=row["loss_reason_id"], competitor=row["competitor"],
                lost_at_stage_id=row["lost_at_stage_id"], loss_note=row["loss_note"], source=row["source"],
                source_id=row["source_id"],
                crm_baseline=json.loads(row["crm_baseline"]) if row["crm_baseline"] else None,
                notes=((created, values[-1]),) if values[-1] else (),
            )  # fmt: skip


def _day(value: date | None, field: str) -> str | None:
    return check_date(value, field).isoformat() if value is not None else None  # type: ignore[union-attr]


def _moment(value: datetime | None, field: str) -> str | None:
    return ts(check_moment(value, field)) if value is not None else None


def _event_data(data: Mapping[str, Any], tag: Mapping[str, Any]) -> str:
    return json.dumps({**data, **tag}, ensure_ascii=False, default=str)


class Transfer:
    """Deals in and out in bulk: imports and their undo, and the rows the exports read."""

    def __init__(self, conn: Connection, shape: Shape, deals: Deals) -> None:
        self.conn = conn
        self.shape = shape
        self.deals = deals
        self.db = conn.db
        self._rows = conn.rows

    # ------------------------------------------------------------------ import

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
            try:
                cursor.executemany(_INSERT_DEAL, deals)
            except sqlite3.IntegrityError as exc:
                raise ConflictError(
                    f"The pipeline changed while importing ({exc}); nothing was imported. Run it again.",
                ) from None
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
        """Write prepared deals (checked as they were added), each with the event that puts
        it in its stage and its note, a few thousand rows per statement."""
        tag_text = json.dumps(tag)
        kind_value, note_kind = kind.value, EventKind.NOTE.value
        next_id = int(self._rows("SELECT COALESCE(MAX(id), 0) FROM deals")[0][0]) + 1
        first = next_id
        keyed = bool(stages or reasons)
        cursor = self.db.conn.cursor()
        deals: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []

        def flush() -> None:
            try:
                cursor.executemany(_INSERT_DEAL, deals)
            except sqlite3.IntegrityError as exc:
                raise ConflictError(
                    f"The pipeline changed while importing ({exc}); nothing was imported. Run it again.",
                ) from None
            cursor.executemany(_INSERT_EVENT, events)
            deals.clear()
            events.clear()

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
                values = tuple(listed)
            deals.append((deal_id, *values[:-1]))
            events.append((deal_id, values[9], kind_value, source_label, None, values[5], tag_text))
            if values[-1]:
                events.append((deal_id, values[9], note_kind, values[-1], None, None, tag_text))
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
        self, updates: Iterable[ImportUpdate], *, batch: str
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """Write what a re-import changes on deals it created before, each with its timeline
        entries. Returns, per deal, the columns before and after (for undo). A deal changed
        since the import was planned stops the import (ConflictError): nothing is written."""
        tag = {"batch": batch}
        journal: dict[str, dict[str, dict[str, Any]]] = {}
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

    def crm_index(self, source: str) -> dict[str, CrmDeal]:
        """Every deal imported from `source`, by its source id, as a re-import compares it."""
        rows = self.db.execute(
            "SELECT source_id, id, rev, title, company, contact, value, currency, expected_close, stage_id, "
            "crm_baseline, archived_at FROM deals WHERE source = ? AND source_id IS NOT NULL",
            [source],
        )
        out: dict[str, CrmDeal] = {}
        for sid, id_, rev, title, company, contact, value, currency, close, stage_id, baseline, gone in rows:
            out[sid] = CrmDeal(
                id_, rev, title, company, contact, value, currency,
                date.fromisoformat(close) if close else None, stage_id,
                json.loads(baseline) if baseline else None, gone is not None,
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
            "crm_baseline, archived_at FROM deals WHERE id = ?",
            [deal_id],
        )
        id_, rev, title, company, contact, value, currency, close, stage_id, baseline, gone = row
        return CrmDeal(
            id_, rev, title, company, contact, value, currency, date.fromisoformat(close) if close else None,
            stage_id, json.loads(baseline) if baseline else None, gone is not None,
        )  # fmt: skip

    def titles(self, deal_ids: list[int]) -> dict[int, str]:
        """The titles of deals by id."""
        found: dict[int, str] = {}
        for start in range(0, len(deal_ids), 500):
            chunk = deal_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(self._rows(f"SELECT id, title FROM deals WHERE id IN ({marks})", chunk))
        return found

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

    # ------------------------------------------------------------------ export

    def note_rows(self) -> Iterator[dict[str, Any]]:
        """Every timeline entry that carries text, and every loss, with its deal's context and
        origin, for export. A loss entry carries that loss's reason, competitor and revisit date (the
        deal may have been reopened or lost again since)."""
        cursor = self.db.execute(
            """
            SELECT d.id, d.title, d.company, s.name, s.kind, e.at, e.kind, e.text,
                   r.label, d.competitor, d.revisit_on, e.data, d.source, d.source_id
            FROM events e
            JOIN deals d ON d.id = e.deal_id
            JOIN stages s ON s.id = d.stage_id
            LEFT JOIN loss_reasons r ON r.id = d.loss_reason_id
            WHERE (e.text != '' OR e.kind = 'lost') AND e.kind NOT IN ('undone', 'imported', 'updated')
            ORDER BY e.deal_id, e.id
            """
        )
        for (deal_id, title, company, stage, kind, at, ekind, text, reason, competitor, revisit, data,
             source, source_id) in cursor:  # fmt: skip
            details = json_object(data)
            if details.get("retracted"):
                continue
            if ekind == EventKind.LOST.value:
                reason = details.get("reason") or ""
                competitor = details.get("competitor") or ""
                revisit = details.get("revisit_on") or ""
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
            event = next(events, None)
            for deal in deals:
                deal_id = deal[0]
                mine: list[tuple[Any, ...]] = []
                while event is not None and event[0] == deal_id:
                    mine.append(event[1:])
                    event = next(events, None)
                yield deal, mine

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

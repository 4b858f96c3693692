"""The only module that speaks SQL. Returns dataclasses; every change is one transaction."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline_tui import rules
from pipeline_tui.errors import DatabaseFileError, InputError, NotFoundError, RuleError
from pipeline_tui.migrations import APPLICATION_ID, MIGRATION_SET, known_names, migrations
from pipeline_tui.models import (
    Deal,
    Event,
    EventKind,
    LossInput,
    LossReason,
    RevisitState,
    Stage,
    StageKind,
    StageSummary,
    StaleDeal,
)
from pipeline_tui.report import Period, Report
from pipeline_tui.report import rank as report_rank

Clock = Callable[[], datetime]
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
DEAL_COLUMNS = (
    "id",
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "stage_id",
    "expected_close",
    "next_step",
    "next_step_due",
    "created_at",
    "stage_entered_at",
    "last_activity_at",
    "closed_at",
    "loss_reason_id",
    "competitor",
    "lost_at_stage_id",
    "loss_note",
    "revisit_on",
    "revisit_state",
    "source",
    "source_id",
)
_DEAL_SELECT = "SELECT " + ", ".join(f"d.{c}" for c in DEAL_COLUMNS) + " FROM deals d"
EDITABLE_FIELDS = (
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "expected_close",
    "next_step",
    "next_step_due",
)
MAX_TEXT = 20_000  # characters in one field: more is a paste accident


def system_clock() -> datetime:
    return datetime.now().replace(microsecond=0)


def ts(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat(sep=" ")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _deal(row: tuple[Any, ...]) -> Deal:
    r = dict(zip(DEAL_COLUMNS, row, strict=True))
    return Deal(
        id=r["id"],
        title=r["title"],
        company=r["company"],
        contact=r["contact"],
        value=r["value"],
        currency=r["currency"],
        stage_id=r["stage_id"],
        expected_close=_date(r["expected_close"]),
        next_step=r["next_step"],
        next_step_due=_date(r["next_step_due"]),
        created_at=datetime.fromisoformat(r["created_at"]),
        stage_entered_at=datetime.fromisoformat(r["stage_entered_at"]),
        last_activity_at=datetime.fromisoformat(r["last_activity_at"]),
        closed_at=_datetime(r["closed_at"]),
        loss_reason_id=r["loss_reason_id"],
        competitor=r["competitor"],
        lost_at_stage_id=r["lost_at_stage_id"],
        loss_note=r["loss_note"],
        revisit_on=_date(r["revisit_on"]),
        revisit_state=RevisitState(r["revisit_state"]) if r["revisit_state"] else None,
        source=r["source"],
        source_id=r["source_id"],
    )


def _deal_row(deal: Deal) -> dict[str, Any]:
    """The deal's columns as SQLite values (no id)."""
    out: dict[str, Any] = {}
    for name in DEAL_COLUMNS[1:]:
        value = getattr(deal, name)
        if isinstance(value, datetime):
            value = ts(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, RevisitState):
            value = value.value
        out[name] = value
    return out


def _event(row: tuple[Any, ...]) -> Event:
    id_, deal_id, at, kind, text, from_stage, to_stage, data = row
    return Event(
        id=id_,
        deal_id=deal_id,
        at=datetime.fromisoformat(at),
        kind=EventKind(kind),
        text=text,
        from_stage_id=from_stage,
        to_stage_id=to_stage,
        data=json.loads(data or "{}"),
    )


def _currency(code: str) -> str:
    value = (code or "").strip().upper()
    if len(value) != 3 or not value.isalpha() or not value.isascii():
        raise InputError(f"A currency is a three-letter code such as USD or EUR, not {code!r}.")
    return value


def _fold(text: str | None) -> str:
    return " ".join(text.split()).casefold() if text else ""


def _clean(text: str | None, field: str, *, required: bool = False) -> str:
    value = (text or "").strip()
    if required and not value:
        raise InputError(f"The {field} cannot be empty.")
    if len(value) > MAX_TEXT:
        raise InputError(f"The {field} is longer than {MAX_TEXT:,} characters.")
    if "\x00" in value:
        raise InputError(f"The {field} contains a NUL character.")
    return value


def unique_path(path: Path) -> Path:
    """`path`, or the same name with -2, -3… before the suffix if it is taken."""
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def check_database_file(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite sees it."""
    if path.is_dir():
        raise DatabaseFileError(f"{path} is a folder, not a database file.")
    if path.exists() and path.stat().st_size > 0:
        try:
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise DatabaseFileError(f"Cannot read {path}: {exc.strerror}.") from None
        if header != SQLITE_HEADER:
            raise DatabaseFileError(f"{path} is not a SQLite database; point --db at a pipeline-tui file.")


class Store:
    """A pipeline in one SQLite database. Construct with `Store.open(path)` or a Database."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        path: Path | None = None,
        readonly: bool = False,
        currency: str = "USD",
    ) -> None:
        self.db = db
        self.clock = clock
        self.path = path
        self.readonly = readonly
        self.currency = currency
        self.backup_path: Path | None = None
        self._configure()
        self._migrate()
        self._stages: list[Stage] | None = None
        self._reasons: list[LossReason] | None = None
        self._data_version = -1

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock = system_clock,
        currency: str = "USD",
        readonly: bool = False,
    ) -> Store:
        """Open (or create) the pipeline at `path`, upgrading an older schema after a backup."""
        path = Path(path).expanduser()
        check_database_file(path)
        # SQLite writes beside the file (-wal, -shm): a read-only file or folder means read-only.
        forced = path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
        readonly = readonly or forced
        if not readonly and not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseFileError(f"Cannot create the folder {path.parent}: {exc.strerror}.") from None
            if not os.access(path.parent, os.W_OK):
                raise DatabaseFileError(f"Cannot create {path}: the folder {path.parent} is read-only.")
        if readonly and not path.exists():
            raise DatabaseFileError(f"{path} does not exist.")
        try:
            if readonly:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                if forced and not path.with_name(path.name + "-wal").exists():
                    # Nobody can be writing here: read the file as it is and leave no -shm
                    # behind (one made now would be unwritable later).
                    uri += "&immutable=1"
                conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            else:
                conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise DatabaseFileError(f"Cannot open {path}: {exc}.") from None
        try:
            return cls(Database(conn), clock=clock, path=path, readonly=readonly, currency=currency)
        except sqlite3.DatabaseError as exc:
            conn.close()
            message = str(exc)
            if "not a database" in message or "malformed" in message:
                raise DatabaseFileError(f"{path} is damaged or not a database ({message}).") from None
            raise DatabaseFileError(f"Cannot use {path}: {message}.") from None
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # SQLite's NOCASE and LIKE fold ASCII only; people search for "müller" and "ÅKERLUND".
        conn.create_function("fold", 1, _fold, deterministic=True)

    def _use_wal(self) -> None:
        """Switch the file to WAL: only once it is known to be ours (this writes to it)."""
        if self.readonly:
            return
        conn = self.db.conn
        for attempt in range(100):
            try:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode not in ("memory", "wal"):
                    conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                # Another process is creating or switching the same file right now.
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05)
        # In WAL mode NORMAL keeps the file consistent across crashes.
        conn.execute("PRAGMA synchronous = NORMAL")

    def _check_identity(self) -> list[str]:
        """Refuse a foreign or newer file (reading only); return the migrations applied."""
        db = self.db
        tables = set(db.table_names())
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        user_version = db.execute("PRAGMA user_version").fetchone()[0]
        ours = (
            app_id == APPLICATION_ID
            or "_sqlite_migrations" in tables
            and bool(
                db.execute(
                    "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
                ).fetchall()
            )
        )
        user_tables = {t for t in tables if not t.startswith(("sqlite_", "_sqlite_"))}
        if user_tables and not ours:
            raise DatabaseFileError(
                f"{self._name()} is a SQLite database but not a pipeline-tui pipeline "
                f"(it has tables {', '.join(sorted(user_tables)[:5])})."
            )
        known = known_names()
        applied = [m.name for m in migrations.applied(db)]
        unknown = [name for name in applied if name not in known]
        if unknown or user_version > len(known):
            raise DatabaseFileError(
                f"{self._name()} was written by a newer pipeline-tui (schema "
                f"{max(user_version, len(applied))}, this version knows {len(known)}); "
                "upgrade pipeline-tui to open it. The file was left untouched."
            )
        return applied

    def _migrate(self) -> None:
        known = known_names()
        applied = self._check_identity()
        pending = [name for name in known if name not in applied]
        if pending and self.readonly:
            if applied:
                raise DatabaseFileError(
                    f"{self._name()} needs a schema upgrade but is read-only; open it once with write access."
                )
            raise DatabaseFileError(f"{self._name()} is read-only and empty.")
        if pending and applied and self.path is not None:
            # Before anything writes to it (even the switch to WAL), copy the file as it is.
            self.backup_path = self._backup_before_upgrade(len(applied))
        self._use_wal()
        if not pending:
            return
        # Two processes may open a new or old file at once: the one holding the write lock
        # decides what is still pending, applies it and stamps the version in one transaction.
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            applied = self._check_identity()
            if [name for name in known if name not in applied]:
                migrations.apply(self.db)  # each migration runs in a savepoint of this transaction
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {len(known)}")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _name(self) -> str:
        return str(self.path) if self.path else "The database"

    def _backup_before_upgrade(self, version: int) -> Path:
        """The file's own bytes, copied beside it, under a read lock after a checkpoint."""
        assert self.path is not None
        stamp = self.clock().strftime("%Y%m%d-%H%M%S")
        target = unique_path(self.path.with_name(f"{self.path.name}.schema{version}-{stamp}.bak"))
        conn = self.db.conn
        if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchall()  # hold a read lock
            shutil.copyfile(self.path, target)
        finally:
            conn.execute("COMMIT")
        return target

    def backup_to(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy through SQLite's backup API, safe while others write. Never
        writes over an existing file."""
        target = Path(target)
        if target.exists():
            raise DatabaseFileError(f"{target} already exists; nothing was written over it.")
        dest = sqlite3.connect(str(target))
        try:
            with dest:
                self.db.conn.backup(dest)
            # A copy is a single self-contained file: no -wal/-shm beside it when read later.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        return target

    def restore_into(self, other: Store) -> None:
        """Replace everything in `other`'s file with this database (SQLite backup API), so
        connections open on that file see the restored pipeline."""
        if other.readonly:
            raise DatabaseFileError(f"{other._name()} is read-only; nothing was restored.")
        self.db.conn.backup(other.db.conn)
        other.invalidate()

    # ------------------------------------------------------------ plumbing

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction that takes the write lock up front (BEGIN IMMEDIATE), so two
        writers queue on the busy timeout instead of failing on a stale snapshot."""
        if self.readonly:
            raise DatabaseFileError(f"{self._name()} is open read-only; nothing was changed.")
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            with self.db.atomic():  # a savepoint inside the immediate transaction
                yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def _log(
        self,
        deal_id: int,
        kind: EventKind,
        text: str = "",
        *,
        at: datetime,
        from_stage: int | None = None,
        to_stage: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                deal_id,
                ts(at),
                kind.value,
                text,
                from_stage,
                to_stage,
                json.dumps(data or {}, ensure_ascii=False, default=str),
            ],
        )
        return int(cur.lastrowid or 0)

    def _update(self, deal_id: int, fields: dict[str, Any]) -> None:
        sets = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(f"UPDATE deals SET {sets} WHERE id = ?", [*fields.values(), deal_id])

    def changed(self) -> bool:
        """True when another connection committed since the last call (PRAGMA data_version)."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        changed = version != self._data_version
        self._data_version = version
        if changed:
            self._stages = None
            self._reasons = None
        return changed

    def invalidate(self) -> None:
        self._stages = None
        self._reasons = None

    # ---------------------------------------------------------- stages/reasons

    def stages(self, *, include_archived: bool = False) -> list[Stage]:
        """Stages in board order."""
        if self._stages is None:
            self._stages = [
                Stage(id_, name, pos, StageKind(kind), stale, bool(arch))
                for id_, name, pos, kind, stale, arch in self._rows(
                    "SELECT id, name, position, kind, stale_days, archived FROM stages ORDER BY position, id"
                )
            ]
        return [s for s in self._stages if include_archived or not s.archived]

    def stage(self, stage_id: int) -> Stage:
        for stage in self.stages(include_archived=True):
            if stage.id == stage_id:
                return stage
        raise NotFoundError(f"There is no stage #{stage_id}.")

    def find_stage(self, name: str) -> Stage:
        return rules.match_name(name, self.stages(), lambda s: s.name, "stage")

    def first_stage(self, kind: StageKind) -> Stage:
        for stage in self.stages():
            if stage.kind is kind:
                return stage
        raise NotFoundError(f"The pipeline has no {kind.value} stage.")

    def reasons(self, *, include_archived: bool = False) -> list[LossReason]:
        """Loss reasons in list order."""
        if self._reasons is None:
            self._reasons = [
                LossReason(id_, label, pos, bool(comp), bool(note), bool(arch))
                for id_, label, pos, comp, note, arch in self._rows(
                    "SELECT id, label, position, needs_competitor, needs_note, archived "
                    "FROM loss_reasons ORDER BY position, id"
                )
            ]
        return [r for r in self._reasons if include_archived or not r.archived]

    def reason(self, reason_id: int) -> LossReason:
        for reason in self.reasons(include_archived=True):
            if reason.id == reason_id:
                return reason
        raise NotFoundError(f"There is no loss reason #{reason_id}.")

    def find_reason(self, label: str) -> LossReason:
        return rules.match_name(label, self.reasons(), lambda r: r.label, "loss reason")

    # ------------------------------------------------------------------ deals

    def get(self, deal_id: int) -> Deal:
        rows = self._rows(_DEAL_SELECT + " WHERE d.id = ?", [deal_id])
        if not rows:
            raise NotFoundError(f"There is no deal #{deal_id}.")
        return _deal(rows[0])

    def find(self, ref: str | int) -> Deal:
        """A deal by id (`42` or `#42`) or by a title that matches only one deal."""
        text = str(ref).strip()
        number = text.lstrip("#")
        if number.isascii() and number.isdigit():
            if len(number) > 18:
                raise NotFoundError(f"There is no deal #{number}.")
            return self.get(int(number))
        if not text:
            raise NotFoundError("Give a deal id or title.")
        folded = " ".join(text.split()).casefold()
        for sql, param in (
            (" WHERE fold(d.title) = ?", folded),
            (" WHERE instr(fold(d.title), ?) > 0", folded),
        ):
            rows = self._rows(_DEAL_SELECT + sql + " ORDER BY d.id LIMIT 6", [param])
            if len(rows) == 1:
                return _deal(rows[0])
            if rows:
                found = ", ".join(f"#{r[0]} {r[1]}" for r in rows[:5])
                raise NotFoundError(f"{text!r} matches several deals ({found}); use the id.")
        raise NotFoundError(f"No deal matches {text!r}.")

    def deals(self, *, stage_id: int | None = None) -> Iterator[Deal]:
        """Every deal (or one stage's), in board order, streamed."""
        if stage_id is None:
            cursor = self.db.execute(
                _DEAL_SELECT + " JOIN stages s ON s.id = d.stage_id ORDER BY s.position, d.id"
            )
        else:
            cursor = self.db.execute(
                _DEAL_SELECT + " WHERE d.stage_id = ? ORDER BY d.stage_entered_at, d.id",
                [stage_id],
            )
        for row in cursor:
            yield _deal(row)

    def count(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM deals")[0][0])

    def add(
        self,
        title: str,
        *,
        company: str = "",
        contact: str = "",
        value: int = 0,
        currency: str | None = None,
        stage_id: int | None = None,
        expected_close: date | None = None,
        next_step: str = "",
        next_step_due: date | None = None,
        loss: LossInput | None = None,
        created_at: datetime | None = None,
        note: str = "",
    ) -> Deal:
        """Create a deal (in the first open stage unless told otherwise)."""
        stage = self.stage(stage_id) if stage_id is not None else self.first_stage(StageKind.OPEN)
        if stage.archived:
            raise RuleError(f"{stage.name} is archived; choose another stage.")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError("A deal value must be a whole, non-negative number of cents.")
        now = self.clock()
        created = created_at or now
        row: dict[str, Any] = {
            "title": _clean(title, "title", required=True),
            "company": _clean(company, "company"),
            "contact": _clean(contact, "contact"),
            "value": value,
            "currency": _currency(currency or self.currency),
            "stage_id": stage.id,
            "expected_close": expected_close.isoformat() if expected_close else None,
            "next_step": _clean(next_step, "next step"),
            "next_step_due": next_step_due.isoformat() if next_step_due else None,
            "created_at": ts(created),
            "stage_entered_at": ts(created),
            "last_activity_at": ts(created),
        }
        reason = None
        if stage.kind is StageKind.LOST:
            reason = self.reason(loss.reason_id) if loss else None
            rules.check_loss(reason, loss)
            assert loss is not None
            row.update(self._loss_fields(loss, lost_at=None, at=created))
        elif stage.kind is StageKind.WON:
            row["closed_at"] = ts(created)
        with self._write():
            cur = self.db.execute(
                f"INSERT INTO deals ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            deal_id = int(cur.lastrowid or 0)
            self._log(deal_id, EventKind.CREATED, at=created, to_stage=stage.id)
            if reason is not None and loss is not None:
                self._log(
                    deal_id, EventKind.LOST, loss.note.strip(), at=created, data=self._loss_data(reason, loss)
                )
            if note.strip():
                self._log(deal_id, EventKind.NOTE, _clean(note, "note"), at=created)
        return self.get(deal_id)

    def add_many(self, rows: Iterable[dict[str, Any]]) -> int:
        """Insert many prepared deals (column -> SQLite value) and their 'created' events in
        one transaction: all or nothing. For demos and benchmarks."""
        return self.import_rows(rows, kind=EventKind.CREATED)

    def import_rows(
        self, rows: Iterable[dict[str, Any]], *, kind: EventKind = EventKind.IMPORTED, source_label: str = ""
    ) -> int:
        """Insert prepared deals in one transaction, each with an event that puts it in its
        stage, and its notes (`_notes`: [(timestamp, text)]). Keys starting with _ are hints."""
        now = ts(self.clock())
        count = 0
        with self._write():
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
                    "INSERT INTO events (deal_id, at, kind, text, to_stage_id) VALUES (?, ?, ?, ?, ?)",
                    [deal_id, row["created_at"], kind.value, source_label, row["stage_id"]],
                )
                for at, text in notes:
                    cursor.execute(
                        "INSERT INTO events (deal_id, at, kind, text) VALUES (?, ?, ?, ?)",
                        [deal_id, at, EventKind.NOTE.value, text],
                    )
                count += 1
        return count

    def existing_source_ids(self, source: str) -> set[str]:
        """Source ids already imported from `source`, so a re-import adds nothing twice."""
        rows = self._rows("SELECT source_id FROM deals WHERE source = ? AND source_id IS NOT NULL", [source])
        return {r[0] for r in rows}

    def get_many(self, deal_ids: list[int]) -> list[Deal]:
        """Deals by id, in the order given (missing ones left out), in few queries."""
        found: dict[int, Deal] = {}
        for start in range(0, len(deal_ids), 500):
            chunk = deal_ids[start : start + 500]
            rows = self._rows(_DEAL_SELECT + f" WHERE d.id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update((deal.id, deal) for deal in map(_deal, rows))
        return [found[i] for i in deal_ids if i in found]

    def existing_ids(self) -> set[int]:
        return {r[0] for r in self._rows("SELECT id FROM deals")}

    def _loss_fields(self, loss: LossInput, *, lost_at: int | None, at: datetime) -> dict[str, Any]:
        return {
            "closed_at": ts(at),
            "loss_reason_id": loss.reason_id,
            "competitor": _clean(loss.competitor, "competitor"),
            "loss_note": _clean(loss.note, "note"),
            "lost_at_stage_id": lost_at,
            "revisit_on": loss.revisit_on.isoformat() if loss.revisit_on else None,
            "revisit_state": RevisitState.PENDING.value if loss.revisit_on else None,
        }

    @staticmethod
    def _loss_data(reason: LossReason, loss: LossInput) -> dict[str, Any]:
        return {
            "reason": reason.label,
            "reason_id": reason.id,
            "competitor": loss.competitor.strip(),
            "revisit_on": loss.revisit_on.isoformat() if loss.revisit_on else None,
        }

    def _old_loss(self, deal: Deal) -> dict[str, Any]:
        reason = self.reason(deal.loss_reason_id).label if deal.loss_reason_id else None
        return {
            "reason": reason,
            "reason_id": deal.loss_reason_id,
            "competitor": deal.competitor,
            "note": deal.loss_note,
            "revisit_on": deal.revisit_on.isoformat() if deal.revisit_on else None,
            "lost_at_stage_id": deal.lost_at_stage_id,
        }

    def move(self, deal_id: int, stage_id: int, loss: LossInput | None = None, *, note: str = "") -> Deal:
        """Move a deal to a stage. Into a lost stage only with a loss reason; out of a lost
        stage the loss stays in the timeline and the live loss fields are cleared."""
        with self._write():
            deal = self.get(deal_id)
            target = self.stage(stage_id)
            source = self.stage(deal.stage_id)
            reason = self.reason(loss.reason_id) if loss is not None else None
            rules.check_move(deal, target, reason, loss)
            now = self.clock()
            fields: dict[str, Any] = {
                "stage_id": target.id,
                "stage_entered_at": ts(now),
                "last_activity_at": ts(now),
            }
            data: dict[str, Any] = {"from": source.name, "to": target.name}
            text = _clean(note, "note")
            if source.kind is StageKind.LOST:
                data["previous_loss"] = self._old_loss(deal)
                fields.update(self._cleared_loss())
            if target.kind is StageKind.LOST:
                assert loss is not None and reason is not None
                fields.update(self._loss_fields(loss, lost_at=source.id, at=now))
                data.update(self._loss_data(reason, loss))
                kind, text = EventKind.LOST, _clean(loss.note, "note")
            elif target.kind is StageKind.WON:
                fields["closed_at"] = ts(now)
                kind = EventKind.WON
            else:
                fields["closed_at"] = None
                kind = EventKind.REOPENED if source.is_endpoint else EventKind.MOVED
            self._update(deal.id, fields)
            self._log(deal.id, kind, text, at=now, from_stage=source.id, to_stage=target.id, data=data)
        return self.get(deal_id)

    @staticmethod
    def _cleared_loss() -> dict[str, Any]:
        return {
            "loss_reason_id": None,
            "competitor": "",
            "loss_note": "",
            "lost_at_stage_id": None,
            "revisit_on": None,
            "revisit_state": None,
        }

    def record_loss(self, deal_id: int, loss: LossInput) -> Deal:
        """Fill in (or correct) the loss of a deal that is already lost, e.g. an import."""
        with self._write():
            deal = self.get(deal_id)
            stage = self.stage(deal.stage_id)
            if stage.kind is not StageKind.LOST:
                raise RuleError(f"{deal.title!r} is not lost; mark it lost instead.")
            reason = self.reason(loss.reason_id)
            rules.check_loss(reason, loss)
            now = self.clock()
            fields = self._loss_fields(loss, lost_at=deal.lost_at_stage_id, at=now)
            fields["closed_at"] = ts(deal.closed_at) if deal.closed_at else ts(now)
            fields["last_activity_at"] = ts(now)
            self._update(deal.id, fields)
            data = {**self._loss_data(reason, loss), "previous_loss": self._old_loss(deal)}
            self._log(deal.id, EventKind.LOST, _clean(loss.note, "note"), at=now, data=data)
        return self.get(deal_id)

    def mark_lost(self, deal_id: int, loss: LossInput, *, stage_id: int | None = None) -> Deal:
        stage = self.stage(stage_id) if stage_id else self.first_stage(StageKind.LOST)
        return self.move(deal_id, stage.id, loss)

    def mark_won(self, deal_id: int, *, stage_id: int | None = None) -> Deal:
        stage = self.stage(stage_id) if stage_id else self.first_stage(StageKind.WON)
        return self.move(deal_id, stage.id)

    def reopen(self, deal_id: int, stage_id: int, *, note: str = "") -> Deal:
        """Bring a closed deal back to an open stage; the old loss stays in the timeline."""
        if not self.stage(stage_id).is_open:
            raise RuleError("A deal can only be reopened into an open stage.")
        return self.move(deal_id, stage_id, note=note)

    def add_note(self, deal_id: int, text: str) -> Event:
        """A timeline note; counts as activity, so it clears an idle flag."""
        body = _clean(text, "note", required=True)
        with self._write():
            deal = self.get(deal_id)
            now = self.clock()
            self._update(deal.id, {"last_activity_at": ts(now)})
            event_id = self._log(deal.id, EventKind.NOTE, body, at=now)
        return self.event(event_id)

    def set_next_step(self, deal_id: int, text: str, due: date | None) -> Deal:
        return self.edit(deal_id, next_step=text, next_step_due=due)

    def edit(self, deal_id: int, **changes: Any) -> Deal:
        """Change a deal's fields; the old and new values go to the timeline."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InputError(f"Cannot edit {', '.join(sorted(unknown))}.")
        with self._write():
            deal = self.get(deal_id)
            updated = deal
            for name, value in changes.items():
                if name in ("title", "company", "contact", "next_step"):
                    value = _clean(value, name.replace("_", " "), required=name == "title")
                elif name == "currency":
                    value = _currency(value)
                elif name == "value" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                    raise InputError("A deal value must be a whole, non-negative number of cents.")
                elif name in ("expected_close", "next_step_due") and not (
                    value is None or (isinstance(value, date) and not isinstance(value, datetime))
                ):
                    raise InputError(f"The {name.replace('_', ' ')} must be a date, not {value!r}.")
                updated = replace(updated, **{name: value})
            old_row, new_row = _deal_row(deal), _deal_row(updated)
            diff = {k: [old_row[k], new_row[k]] for k in changes if old_row[k] != new_row[k]}
            if not diff:
                return deal
            now = self.clock()
            self._update(deal.id, {**{k: new_row[k] for k in diff}, "last_activity_at": ts(now)})
            step_only = set(diff) <= {"next_step", "next_step_due"}
            kind = EventKind.NEXT_STEP if step_only else EventKind.EDITED
            text = updated.next_step if step_only else ""
            self._log(deal.id, kind, text, at=now, data={"changes": diff})
        return self.get(deal_id)

    def snooze_revisit(self, deal_id: int, on: date, *, note: str = "") -> Deal:
        """Set a lost deal's revisit date (again)."""
        with self._write():
            deal = self.get(deal_id)
            if self.stage(deal.stage_id).kind is not StageKind.LOST:
                raise RuleError(f"{deal.title!r} is not lost; only lost deals have revisits.")
            now = self.clock()
            self._update(deal.id, {"revisit_on": on.isoformat(), "revisit_state": RevisitState.PENDING.value})
            self._log(
                deal.id,
                EventKind.REVISIT_SNOOZED,
                _clean(note, "note"),
                at=now,
                data={"from": deal.revisit_on.isoformat() if deal.revisit_on else None, "to": on.isoformat()},
            )
        return self.get(deal_id)

    def close_revisit(self, deal_id: int, *, note: str = "") -> Deal:
        """No more potential: the revisit leaves the list, the date stays on record."""
        with self._write():
            deal = self.get(deal_id)
            if deal.revisit_state is not RevisitState.PENDING:
                raise RuleError(f"{deal.title!r} has no open revisit.")
            now = self.clock()
            self._update(deal.id, {"revisit_state": RevisitState.CLOSED.value})
            self._log(
                deal.id,
                EventKind.REVISIT_CLOSED,
                _clean(note, "note"),
                at=now,
                data={"revisit_on": deal.revisit_on.isoformat() if deal.revisit_on else None},
            )
        return self.get(deal_id)

    def restore(self, snapshot: Deal, *, label: str = "", after: Deal | None = None) -> Deal:
        """Undo: put a deal back as it was in `snapshot`, recording that in the timeline.

        With `after` (the deal as the change left it), only what that change altered is put
        back, and only where nobody has changed it since."""
        with self._write():
            current = self.get(snapshot.id)
            now = self.clock()
            row = _deal_row(snapshot)
            if after is not None:
                before_row, after_row, now_row = row, _deal_row(after), _deal_row(current)
                loss = {"loss_reason_id", "competitor", "loss_note", "lost_at_stage_id", "revisit_on",
                        "revisit_state", "closed_at", "stage_entered_at"}  # fmt: skip
                changed = {k for k in before_row if before_row[k] != after_row[k]}
                if "stage_id" in changed:
                    changed |= loss  # a stage change carries the loss fields with it
                row = {k: before_row[k] for k in changed if now_row[k] == after_row[k]}
                if "stage_id" in changed and "stage_id" not in row:
                    raise RuleError(f"{current.title!r} has been moved since; nothing was undone.")
            if not row:
                raise RuleError(f"{current.title!r} has changed since; nothing was undone.")
            row["last_activity_at"] = ts(now)
            self._update(snapshot.id, row)
            moved = "stage_id" in row and current.stage_id != snapshot.stage_id
            self._log(
                snapshot.id,
                EventKind.UNDONE,
                label,
                at=now,
                from_stage=current.stage_id if moved else None,
                to_stage=snapshot.stage_id if moved else None,
                data={"previous_loss": self._old_loss(current)} if current.loss_reason_id else {},
            )
        return self.get(snapshot.id)

    def remove_new_deal(self, deal_id: int) -> None:
        """Undo adding a deal: only while nothing but its creation (and notes) is recorded."""
        with self._write():
            deal = self.get(deal_id)
            kinds = {e.kind for e in self.timeline(deal.id)}
            if kinds - {EventKind.CREATED}:
                raise RuleError(f"{deal.title!r} has a history now; it was not removed.")
            self.db.execute("DELETE FROM events WHERE deal_id = ?", [deal.id])
            self.db.execute("DELETE FROM deals WHERE id = ?", [deal.id])

    def retract_note(self, event_id: int) -> None:
        """Undo a note: it stays in the file, marked retracted, and leaves exports."""
        with self._write():
            event = self.event(event_id)
            if event.kind is not EventKind.NOTE:
                raise RuleError("Only notes can be retracted.")
            data = {**event.data, "retracted": True}
            self.db.execute(
                "UPDATE events SET data = ? WHERE id = ?", [json.dumps(data, ensure_ascii=False), event_id]
            )
            # The undo event does not quote the note: a retracted note leaves the exports.
            self._log(event.deal_id, EventKind.UNDONE, at=self.clock(), data={"retracted_event": event_id})

    # --------------------------------------------------------------- timeline

    def event(self, event_id: int) -> Event:
        rows = self._rows(
            "SELECT id, deal_id, at, kind, text, from_stage_id, to_stage_id, data FROM events WHERE id = ?",
            [event_id],
        )
        if not rows:
            raise NotFoundError(f"There is no event #{event_id}.")
        return _event(rows[0])

    def timeline(self, deal_id: int) -> list[Event]:
        """A deal's events, oldest first."""
        return [
            _event(row)
            for row in self._rows(
                "SELECT id, deal_id, at, kind, text, from_stage_id, to_stage_id, data FROM events "
                "WHERE deal_id = ? ORDER BY id",
                [deal_id],
            )
        ]

    # ------------------------------------------------------------------ board

    def _window_sql(
        self, stage: Stage, today: date, closed_days: int, text: str | None
    ) -> tuple[str, list[Any], str]:
        where = ["d.stage_id = ?"]
        params: list[Any] = [stage.id]
        if stage.is_endpoint:
            where.append("d.closed_at >= ?")
            params.append((today - timedelta(days=closed_days)).isoformat())
            order = "d.closed_at DESC, d.id DESC"
        else:
            order = "d.stage_entered_at, d.id"
        if text:
            where.append("instr(fold(d.title || ' ' || d.company || ' ' || d.contact), ?) > 0")
            params.append(" ".join(text.split()).casefold())
        return " WHERE " + " AND ".join(where), params, order

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
        rows = self._rows(
            _DEAL_SELECT + where + f" ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        return [_deal(r) for r in rows]

    def column_position(
        self, deal: Deal, stage: Stage, *, today: date, closed_days: int = 30, text: str | None = None
    ) -> int:
        """Where `deal` sits in its column (0-based), without loading the column."""
        where, params, _ = self._window_sql(stage, today, closed_days, text)
        if stage.is_endpoint:
            key = "(d.closed_at > ? OR (d.closed_at = ? AND d.id > ?))"
            closed = ts(deal.closed_at) if deal.closed_at else ""
            extra = [closed, closed, deal.id]
        else:
            key = "(d.stage_entered_at < ? OR (d.stage_entered_at = ? AND d.id < ?))"
            entered = ts(deal.stage_entered_at)
            extra = [entered, entered, deal.id]
        return int(self._rows(f"SELECT COUNT(*) FROM deals d{where} AND {key}", [*params, *extra])[0][0])

    def summaries(
        self,
        *,
        today: date,
        closed_days: int = 30,
        text: str | None = None,
        stage_ids: set[int] | None = None,
    ) -> list[StageSummary]:
        """Count and total value per board column (endpoints: recent closures only)."""
        out = []
        for stage in self.stages():
            if stage_ids is not None and stage.id not in stage_ids:
                continue
            where, params, _ = self._window_sql(stage, today, closed_days, text)
            # Amounts in different currencies are never added together.
            per_currency = self._rows(
                f"SELECT d.currency, COUNT(*), SUM(d.value) FROM deals d{where} GROUP BY d.currency "
                "ORDER BY 3 DESC",
                params,
            )
            count = sum(n for _, n, _ in per_currency)
            total = sum(v for code, _, v in per_currency if code == self.currency)
            others = tuple((code, int(v)) for code, _, v in per_currency if code != self.currency)
            out.append(StageSummary(stage, int(count), int(total), others))
        return out

    # ------------------------------------------------------------------ lists

    def _stale_ids_sql(self, today: date) -> tuple[str, list[Any]]:
        """A UNION of indexed per-stage queries selecting exactly the ids rules.is_stale accepts."""
        parts: list[str] = []
        params: list[Any] = []
        for stage in self.stages():
            if not stage.is_open:
                continue
            parts.append("SELECT id FROM deals WHERE stage_id = ? AND expected_close < ?")
            params += [stage.id, today.isoformat()]
            cutoff = rules.stale_cutoff(stage, today)
            if cutoff is not None:
                parts.append(
                    "SELECT id FROM deals WHERE stage_id = ? AND last_activity_at < ? "
                    "AND (next_step_due IS NULL OR next_step_due <= ?)"
                )
                params += [stage.id, (cutoff + timedelta(days=1)).isoformat(), today.isoformat()]
        return " UNION ".join(parts) or "SELECT NULL WHERE 0", params

    def _stale_candidates(self, today: date) -> Iterator[tuple[Deal, Stage]]:
        stages = {s.id: s for s in self.stages()}
        sql, params = self._stale_ids_sql(today)
        for row in self.db.execute(_DEAL_SELECT + f" WHERE d.id IN ({sql})", params):
            deal = _deal(row)
            yield deal, stages[deal.stage_id]

    def stale(self, today: date) -> list[StaleDeal]:
        """Every stale open deal with its reason, oldest first."""
        found = []
        for deal, stage in self._stale_candidates(today):
            reason = rules.stale_reason(deal, stage, today)
            if reason:
                found.append((rules.stale_sort_key(deal, today), deal, stage, reason))
        found.sort(key=lambda item: item[0])
        return [StaleDeal(d, s, r, rules.idle_days(d, today)) for _, d, s, r in found]

    def stale_count(self, today: date) -> int:
        """How many deals are stale, counted in SQL (the same test as rules.is_stale)."""
        sql, params = self._stale_ids_sql(today)
        return int(self._rows(f"SELECT COUNT(*) FROM ({sql})", params)[0][0])

    def revisit_counts(self, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS) -> tuple[int, int]:
        """(due, upcoming) counted in SQL, for status lines."""
        due, upcoming = self._rows(
            "SELECT COALESCE(SUM(revisit_on <= :today), 0), COALESCE(SUM(revisit_on > :today), 0) "
            "FROM deals WHERE revisit_state = 'pending' AND revisit_on IS NOT NULL "
            "AND revisit_on <= :horizon",
            {"today": today.isoformat(), "horizon": (today + timedelta(days=horizon_days)).isoformat()},
        )[0]
        return int(due), int(upcoming)

    def revisits(
        self, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS
    ) -> tuple[list[Deal], list[Deal]]:
        """(due, upcoming) lost-with-potential deals."""
        horizon = today + timedelta(days=horizon_days)
        rows = self._rows(
            _DEAL_SELECT + " WHERE d.revisit_state = 'pending' AND d.revisit_on IS NOT NULL "
            "AND d.revisit_on <= ? ORDER BY d.revisit_on, d.id",
            [horizon.isoformat()],
        )
        return rules.split_revisits((_deal(r) for r in rows), today, horizon_days)

    def pending_revisits(self) -> list[Deal]:
        """Every lost deal with a revisit still open, soonest first (for the calendar)."""
        rows = self._rows(
            _DEAL_SELECT + " WHERE d.revisit_state = 'pending' AND d.revisit_on IS NOT NULL "
            "ORDER BY d.revisit_on, d.id"
        )
        return [_deal(r) for r in rows]

    def _lost_ids(self) -> list[int]:
        return [st.id for st in self.stages(include_archived=True) if st.kind is StageKind.LOST] or [-1]

    def lost_without_reason(self, *, limit: int = -1) -> list[Deal]:
        """Lost deals with no reason recorded (imports), newest first, to be filled in."""
        ids = self._lost_ids()
        rows = self._rows(
            _DEAL_SELECT + f" WHERE d.stage_id IN ({', '.join('?' * len(ids))}) AND d.loss_reason_id IS NULL "
            "ORDER BY d.closed_at DESC, d.id LIMIT ?",
            [*ids, limit],
        )
        return [_deal(r) for r in rows]

    def lost_without_reason_count(self) -> int:
        ids = self._lost_ids()
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT COUNT(*) FROM deals WHERE stage_id IN ({marks}) AND loss_reason_id IS NULL"
        return int(self._rows(sql, ids)[0][0])

    # --------------------------------------------------------- pipeline shape

    def find_stage_any(self, name: str) -> Stage:
        """A stage by name, archived ones included (to restore them)."""
        return rules.match_name(name, self.stages(include_archived=True), lambda s: s.name, "stage")

    def find_reason_any(self, label: str) -> LossReason:
        return rules.match_name(label, self.reasons(include_archived=True), lambda r: r.label, "loss reason")

    def stage_deal_count(self, stage_id: int) -> int:
        return int(self._rows("SELECT COUNT(*) FROM deals WHERE stage_id = ?", [stage_id])[0][0])

    def _check_name(
        self, table: str, column: str, name: str, what: str, *, except_id: int | None = None
    ) -> str:
        clean = " ".join(_clean(name, f"{what} name", required=True).split())
        if len(clean) > 60:
            raise InputError(f"A {what} name can be 60 characters at most.")
        rows = self._rows(f"SELECT id FROM {table} WHERE fold({column}) = ?", [_fold(clean)])
        if any(r[0] != except_id for r in rows):
            raise InputError(f"There is already a {what} called {clean!r}.")
        return clean

    @staticmethod
    def _check_days(days: int | None) -> int | None:
        if days is None:
            return None
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise InputError("A stale threshold is a whole number of days from 1 to 3650 (or off).")
        return days

    def add_stage(
        self, name: str, *, kind: StageKind = StageKind.OPEN, stale_days: int | None = None
    ) -> Stage:
        """A new stage: open stages go after the last open one, endpoints at the end."""
        with self._write():
            clean = self._check_name("stages", "name", name, "stage")
            stages = self.stages(include_archived=True)
            if kind is StageKind.OPEN:
                opens = [s.position for s in stages if s.is_open]
                position = (max(opens) + 1) if opens else 0
                self.db.execute("UPDATE stages SET position = position + 1 WHERE position >= ?", [position])
            else:
                position = max((s.position for s in stages), default=-1) + 1
                stale_days = None
            cur = self.db.execute(
                "INSERT INTO stages (name, position, kind, stale_days) VALUES (?, ?, ?, ?)",
                [clean, position, kind.value, self._check_days(stale_days)],
            )
            self.invalidate()
            return self.stage(int(cur.lastrowid or 0))

    def rename_stage(self, stage_id: int, name: str) -> Stage:
        """Rename: deals, timeline and reports follow, since they refer to the stage by id."""
        with self._write():
            stage = self.stage(stage_id)
            clean = self._check_name("stages", "name", name, "stage", except_id=stage.id)
            self.db.execute("UPDATE stages SET name = ? WHERE id = ?", [clean, stage.id])
            self.invalidate()
        return self.stage(stage_id)

    def set_stale_days(self, stage_id: int, days: int | None) -> Stage:
        with self._write():
            stage = self.stage(stage_id)
            if not stage.is_open and days is not None:
                raise RuleError(f"{stage.name} is an endpoint; only open stages go stale.")
            self.db.execute(
                "UPDATE stages SET stale_days = ? WHERE id = ?", [self._check_days(days), stage.id]
            )
            self.invalidate()
        return self.stage(stage_id)

    def move_stage(self, stage_id: int, step: int) -> Stage:
        """Move a stage `step` places along the board (among stages that are not archived)."""
        with self._write():
            self._reorder("stages", [s.id for s in self.stages()], stage_id, step, "stage")
            self.invalidate()
        return self.stage(stage_id)

    def archive_stage(self, stage_id: int) -> Stage:
        """Take a stage off the board. Refused while it holds deals or is the last of its kind."""
        with self._write():
            stage = self.stage(stage_id)
            if stage.archived:
                return stage
            held = self.stage_deal_count(stage.id)
            if held:
                others = ", ".join(s.name for s in self.stages() if s.id != stage.id and s.kind is stage.kind)
                where = f" (e.g. to {others})" if others else ""
                raise RuleError(
                    f"{stage.name} still holds {held:,} deal{'s' if held != 1 else ''}; "
                    f"move them to another stage first{where}."
                )
            if not any(s.kind is stage.kind and s.id != stage.id for s in self.stages()):
                raise RuleError(
                    f"{stage.name} is the only {stage.kind.value} stage; the pipeline needs at least one."
                )
            self.db.execute("UPDATE stages SET archived = 1 WHERE id = ?", [stage.id])
            self.invalidate()
        return self.stage(stage_id)

    def restore_stage(self, stage_id: int) -> Stage:
        with self._write():
            self.db.execute("UPDATE stages SET archived = 0 WHERE id = ?", [self.stage(stage_id).id])
            self.invalidate()
        return self.stage(stage_id)

    def add_reason(
        self, label: str, *, needs_competitor: bool = False, needs_note: bool = False
    ) -> LossReason:
        with self._write():
            clean = self._check_name("loss_reasons", "label", label, "loss reason")
            position = max((r.position for r in self.reasons(include_archived=True)), default=-1) + 1
            cur = self.db.execute(
                "INSERT INTO loss_reasons (label, position, needs_competitor, needs_note) "
                "VALUES (?, ?, ?, ?)",
                [clean, position, int(needs_competitor), int(needs_note)],
            )
            self.invalidate()
            return self.reason(int(cur.lastrowid or 0))

    def rename_reason(self, reason_id: int, label: str) -> LossReason:
        """Rename: lost deals and reports follow (they refer to the reason by id)."""
        with self._write():
            reason = self.reason(reason_id)
            clean = self._check_name("loss_reasons", "label", label, "loss reason", except_id=reason.id)
            self.db.execute("UPDATE loss_reasons SET label = ? WHERE id = ?", [clean, reason.id])
            self.invalidate()
        return self.reason(reason_id)

    def move_reason(self, reason_id: int, step: int) -> LossReason:
        with self._write():
            self._reorder("loss_reasons", [r.id for r in self.reasons()], reason_id, step, "loss reason")
            self.invalidate()
        return self.reason(reason_id)

    def archive_reason(self, reason_id: int) -> LossReason:
        """No longer offered; stays on the deals that used it and in reports."""
        with self._write():
            reason = self.reason(reason_id)
            if not reason.archived and len(self.reasons()) <= 1:
                raise RuleError("Keep at least one loss reason to choose from.")
            self.db.execute("UPDATE loss_reasons SET archived = 1 WHERE id = ?", [reason.id])
            self.invalidate()
        return self.reason(reason_id)

    def restore_reason(self, reason_id: int) -> LossReason:
        with self._write():
            self.db.execute("UPDATE loss_reasons SET archived = 0 WHERE id = ?", [self.reason(reason_id).id])
            self.invalidate()
        return self.reason(reason_id)

    def _reorder(self, table: str, order: list[int], item_id: int, step: int, what: str) -> None:
        if item_id not in order:
            raise RuleError(f"That {what} is archived; restore it before moving it.")
        index = order.index(item_id)
        target = max(0, min(len(order) - 1, index + step))
        order.insert(target, order.pop(index))
        archived = [
            r[0] for r in self._rows(f"SELECT id FROM {table} WHERE archived = 1 ORDER BY position, id")
        ]
        for position, row_id in enumerate(order + archived):
            self.db.execute(f"UPDATE {table} SET position = ? WHERE id = ?", [position, row_id])

    # ---------------------------------------------------------------- report

    def _closed_where(self, kind: StageKind, period: Period) -> tuple[str, list[Any]]:
        ids = [st.id for st in self.stages(include_archived=True) if st.kind is kind] or [-1]
        where = [f"d.stage_id IN ({', '.join('?' * len(ids))})"]
        params: list[Any] = list(ids)
        if period.since:
            where.append("d.closed_at >= ?")
            params.append(period.since.isoformat())
        if period.until:
            where.append("d.closed_at < ?")
            params.append((period.until + timedelta(days=1)).isoformat())
        return " WHERE " + " AND ".join(where), params

    def report(
        self, period: Period, *, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS
    ) -> Report:
        """Win-loss figures for deals closed in `period`, aggregated in SQL."""
        totals = {}
        for kind in (StageKind.WON, StageKind.LOST):
            where, params = self._closed_where(kind, period)
            totals[kind] = self._rows(
                "SELECT COUNT(*), COALESCE(SUM(d.value), 0), "
                # A deal whose close precedes its creation (bad data) says nothing about speed.
                "AVG(CASE WHEN d.closed_at >= d.created_at "
                "THEN julianday(d.closed_at) - julianday(d.created_at) END) FROM deals d" + where,
                params,
            )[0]
        where, params = self._closed_where(StageKind.LOST, period)
        lost_count, lost_value = int(totals[StageKind.LOST][0]), int(totals[StageKind.LOST][1])
        reasons = {r.id: r.label for r in self.reasons(include_archived=True)}
        stages = {st.id: st.name for st in self.stages(include_archived=True)}

        def grouped(column: str, extra: str = "") -> list[tuple[Any, int, int]]:
            return [
                (key, int(count), int(value))
                for key, count, value in self._rows(
                    f"SELECT {column}, COUNT(*), COALESCE(SUM(d.value), 0) FROM deals d{where}{extra} "
                    f"GROUP BY {column}",
                    params,
                )
            ]

        by_reason = [
            (reasons.get(key, "No reason recorded") if key else "No reason recorded", n, v, ("reason", key))
            for key, n, v in grouped("d.loss_reason_id")
        ]
        by_stage = [
            (stages.get(key, "Unknown stage") if key else "Unknown stage", n, v, ("stage", key))
            for key, n, v in grouped("d.lost_at_stage_id")
        ]
        # One row per competitor however it was typed ("Acme", "acme "): grouped by its folded name.
        names = dict(
            self._rows(f"SELECT fold(d.competitor), MIN(d.competitor) FROM deals d{where} GROUP BY 1", params)
        )
        by_competitor = [
            (names.get(key, key), n, v, ("competitor", names.get(key, key)))
            for key, n, v in grouped("fold(d.competitor)", " AND d.competitor != ''")
        ]
        missing = next((n for _, n, _, key in by_reason if key[1] is None), 0)
        totals_of_losses = {"total_count": lost_count, "total_value": lost_value}
        due, _ = self.revisit_counts(today, horizon_days)
        return Report(
            period=period,
            currency=self.currency,
            won_count=int(totals[StageKind.WON][0]),
            won_value=int(totals[StageKind.WON][1]),
            lost_count=lost_count,
            lost_value=lost_value,
            avg_days_won=totals[StageKind.WON][2],
            avg_days_lost=totals[StageKind.LOST][2],
            reasons_by_count=report_rank(by_reason, by="count", **totals_of_losses),
            reasons_by_value=report_rank(by_reason, by="value", **totals_of_losses),
            by_stage=report_rank(by_stage, by="count", **totals_of_losses),
            by_competitor=report_rank(by_competitor, by="count", **totals_of_losses),
            stale_now=self.stale_count(today),
            revisits_due=due,
            lost_without_reason=missing,
            lost_without_reason_all=self.lost_without_reason_count(),
        )

    def _report_where(self, key: tuple[str, Any], period: Period) -> tuple[str, list[Any]]:
        what, value = key
        kind = StageKind.WON if what == "won" else StageKind.LOST
        where, params = self._closed_where(kind, period)
        if what in ("reason", "stage"):
            column = "d.loss_reason_id" if what == "reason" else "d.lost_at_stage_id"
            where += f" AND {column} IS ?"
            params.append(value)
        elif what == "competitor":
            where += " AND fold(d.competitor) = ?"
            params.append(_fold(value))
        elif what not in ("won", "lost"):
            raise NotFoundError(f"Unknown report row {what!r}.")
        return where, params

    def report_deal_ids(self, key: tuple[str, Any], period: Period) -> list[int]:
        """The ids behind one row of the report (cheap even for tens of thousands)."""
        where, params = self._report_where(key, period)
        return [
            r[0]
            for r in self._rows(
                f"SELECT d.id FROM deals d{where} ORDER BY d.closed_at DESC, d.id DESC", params
            )
        ]

    def report_deals(self, key: tuple[str, Any], period: Period) -> list[Deal]:
        """The deals behind one row of the report, most recently closed first."""
        where, params = self._report_where(key, period)
        rows = self._rows(_DEAL_SELECT + where + " ORDER BY d.closed_at DESC, d.id DESC", params)
        return [_deal(r) for r in rows]

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

    def notes(self, deal_id: int) -> list[Event]:
        return [e for e in self.timeline(deal_id) if e.kind is EventKind.NOTE and not e.data.get("retracted")]

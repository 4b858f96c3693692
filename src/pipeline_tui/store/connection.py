"""Opening a pipeline file safely: its kind, identity and schema, migrations, the write lock,
which pipeline it holds (a restore's generation), backups; what SQLite's errors mean is in
`sqlite_errors`."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database

from pipeline_tui import files
from pipeline_tui.display import safe
from pipeline_tui.errors import (
    BusyError,
    DatabaseFileError,
    PipelineError,
    RestoredError,
    UnknownSchemaError,
)
from pipeline_tui.limits import check_clock
from pipeline_tui.migrations import APPLICATION_ID, MIGRATION_SET, known_names, migrations
from pipeline_tui.stopping import deferred
from pipeline_tui.store import schema
from pipeline_tui.store.sqlite_errors import code_of, is_environment, sqlite_trouble
from pipeline_tui.text import fold

Clock = Callable[[], datetime]
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another writer before saying so
LOCK_STEP_MS = 250  # one wait for the write lock; between steps the waiter is told why


def system_clock() -> datetime:
    return datetime.now().replace(microsecond=0)


def unique_path(path: Path) -> Path:
    """`path`, or the same name with -2, -3… before the suffix if it is taken."""
    candidate, n = path, 2
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


# Files this process has open through SQLite (resolved path -> connections). POSIX advisory
# locks belong to the process: closing any descriptor of such a file, even one opened just
# to read its header, drops every lock SQLite holds on it, and a writer elsewhere may then
# checkpoint under a reader here (a "malformed" file). Such a file is never opened again
# outside SQLite.
_OPEN_HERE: dict[str, int] = {}


def _opened_here(path: Path) -> str:
    key = str(path.resolve())
    _OPEN_HERE[key] = _OPEN_HERE.get(key, 0) + 1
    return key


def _closed_here(key: str) -> None:
    left = _OPEN_HERE.get(key, 0) - 1
    if left > 0:
        _OPEN_HERE[key] = left
    else:
        _OPEN_HERE.pop(key, None)


def check_database_file(path: Path) -> None:
    """Refuse what is not a SQLite file before SQLite sees it: a folder, a pipe, a device
    (SQLite would write a -journal beside it, and a restore would rename it away), or a
    file that does not start as SQLite does."""
    advice = "point --db at a pipeline file"
    try:
        info = files.regular_or_absent(path, advice=advice)
    except files.NotRegularFile as exc:
        raise DatabaseFileError(str(exc)) from None
    except PipelineError as exc:
        raise DatabaseFileError(str(exc)) from None
    if info is None or info.st_size == 0:
        return
    if str(path.resolve()) in _OPEN_HERE:
        return  # SQLite has it open already (and reading it here would drop its locks)
    try:
        header = files.read_head(path, 16)
    except files.NotRegularFile as exc:
        raise DatabaseFileError(str(exc)) from None
    except OSError as exc:
        raise DatabaseFileError(f"Cannot read {safe(str(path))}: {exc.strerror}.") from None
    if header != SQLITE_HEADER:
        raise DatabaseFileError(
            f"{safe(str(path))} is not a SQLite database; point --db at a pipeline-tui file."
        )


@dataclass(frozen=True)
class Generation:
    """Which pipeline a file holds: bumped by every restore (when, and from which file)."""

    number: int = 0
    restored_at: str = ""
    restored_from: str = ""


class Connection:
    """The file: opened, checked, upgraded, written in transactions, backed up. The parts of
    the store (`pipeline_tui.store.Store`) share one."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = system_clock,
        path: Path | None = None,
        readonly: bool = False,
        currency: str = "USD",
        immutable: bool = False,
    ) -> None:
        self.db = db
        self.clock = clock
        self.path = path
        self.readonly = readonly
        self.readonly_why = ""  # why a file opened as asked is read-only, when it was not asked
        self.currency = currency
        self.backup_path: Path | None = None
        self._open_key: str | None = None  # set when opened from a file (see _OPEN_HERE)
        self.events_written: list[tuple[int, int]] = []  # (deal, event) of the transaction
        # Who is writing, for the undo journal: the board sets its own session.
        self.origin = "cli"
        # How long a write waits for another writer (an import) and whom to tell meanwhile.
        self.lock_wait_s = BUSY_TIMEOUT_MS / 1000
        self.on_lock_wait: Callable[[str], None] | None = None
        self._data_version = -1
        self._forget: list[Callable[[], None]] = []  # caches the parts keep (stages, reasons)
        # Read-only without locks (a WAL file in a folder this user cannot write): another
        # user's write can show here as a torn page, which is not damage.
        self.immutable = immutable
        self.generation = Generation()  # the pipeline this connection has shown
        self.restored: Generation | None = None  # a restore seen by `changed`, until taken
        self._configure()
        applied = self._check_identity()
        self.check_schema(tuple(applied))  # before anything writes to the file
        self._migrate()
        self.generation = self.read_generation()
        self.invalidate()

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock = system_clock,
        currency: str = "USD",
        readonly: bool = False,
    ) -> Self:
        """Open (or create) the pipeline at `path`, upgrading an older schema after a backup."""
        path = Path(path).expanduser()
        check_database_file(path)
        # SQLite writes beside the file (-wal, -shm): a read-only file or folder means read-only.
        forced = path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
        why = ""
        if forced and not readonly:
            why = (
                "the file is read-only"
                if not os.access(path, os.W_OK)
                else f"its folder {path.parent} is read-only, and SQLite writes beside the file"
            )
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
        immutable = False
        try:
            if readonly:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                if forced and not path.with_name(path.name + "-wal").exists():
                    # This user cannot write here: read the file as it is and leave no -shm
                    # behind (one made now would be unwritable later).
                    uri += "&immutable=1"
                    immutable = True
                conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            else:
                conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise sqlite_trouble(path, exc) from None
        store = cls._on(conn, path, clock=clock, readonly=readonly, currency=currency, immutable=immutable)
        store.readonly_why = why
        return store

    @classmethod
    def _on(cls, conn: sqlite3.Connection, path: Path, **options: Any) -> Self:
        key = _opened_here(path)
        try:
            store = cls(Database(conn), path=path, **options)
        except sqlite3.DatabaseError as exc:
            conn.close()
            _closed_here(key)
            raise sqlite_trouble(path, exc, immutable=bool(options.get("immutable"))) from None
        except BaseException:
            conn.close()
            _closed_here(key)
            raise
        store._open_key = key
        return store

    def reader(self) -> Self:
        """A second, read-only connection to the same file, for work on another thread
        (the review's counts): opened through SQLite only, never by reading the file."""
        if self.path is None:
            raise DatabaseFileError("A database in memory has no second connection.")
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        except sqlite3.Error as exc:
            raise sqlite_trouble(self.path, exc) from None
        return self._on(conn, self.path, clock=self.clock, readonly=True, currency=self.currency)

    def close(self) -> None:
        self.db.conn.close()
        key = getattr(self, "_open_key", None)
        if key is not None:
            self._open_key = None
            _closed_here(key)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _configure(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # Functions and virtual tables named in a file's schema (views, triggers) must not
        # run with the application's privileges.
        conn.execute("PRAGMA trusted_schema = OFF")
        # SQLite's NOCASE and LIKE fold ASCII only; people search for "müller" and "İSTANBUL".
        conn.create_function("fold", 1, fold, deterministic=True)

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
            names = ", ".join(safe(t) for t in sorted(user_tables)[:5])
            raise DatabaseFileError(
                f"{self.name} is a SQLite database but not a pipeline-tui pipeline (it has tables {names}); "
                "it was left untouched. Give your pipeline's file with --db PATH (a new file starts one)."
            )
        known = known_names()
        applied = [m.name for m in migrations.applied(db)]
        unknown = [name for name in applied if name not in known]
        if unknown or user_version > len(known):
            raise DatabaseFileError(
                f"{self.name} was written by a newer pipeline-tui (schema "
                f"{max(user_version, len(applied))}, this version knows {len(known)}); "
                "upgrade pipeline-tui to open it. The file was left untouched."
            )
        return applied

    def applied(self) -> tuple[str, ...]:
        """The migrations the file has had, in this version's order."""
        return schema.ordered([m.name for m in migrations.applied(self.db)])

    def check_schema(self, applied: tuple[str, ...] | None = None) -> None:
        """Refuse a file whose schema is not what the migrations it has create (see
        `store.schema`): a trigger would run on pipeline-tui's own writes, and a changed
        table (a constraint that replaces rows on conflict) would turn an ordinary change
        into the loss of another deal. Nothing is written before this passes."""
        if applied is None:
            applied = self.applied()
        if not applied:
            return  # a new file: the migrations are about to create it
        found = schema.differences(self.db.conn, applied)
        if not found:
            return
        more = f" and {len(found) - 3} more" if len(found) > 3 else ""
        shown = "; ".join(found[:3]) + more
        fixable = all(p.startswith(("trigger ", "index ")) for p in found)
        fix = (
            "If you trust the file otherwise, `pipeline-tui repair` removes them after keeping a copy."
            if fixable
            else "`pipeline-tui restore` a backup, or restore this file into a new one "
            "(`pipeline-tui --db NEW restore FILE`): a restore takes its rows, never its schema."
        )
        raise UnknownSchemaError(
            f"{self.name} was changed outside pipeline-tui ({shown}), so nothing was opened for "
            f"writing. {fix}"
        )

    def _migrate(self) -> None:
        known = known_names()
        applied = self._check_identity()
        pending = [name for name in known if name not in applied]
        if pending and self.readonly:
            if applied:
                raise DatabaseFileError(
                    f"{self.name} needs a schema upgrade but is read-only; open it once with write access."
                )
            raise DatabaseFileError(f"{self.name} is read-only and empty.")
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

    @property
    def name(self) -> str:
        return safe(str(self.path)) if self.path else "The database"

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

    # ---------------------------------------------------------------- backups

    def backup_to(self, target: str | os.PathLike[str]) -> Path:
        """A consistent copy through SQLite's backup API, safe while others write.

        Written to a temporary file beside `target` and moved into place only when
        complete: a full disk leaves nothing behind. Never writes over an existing file."""
        target = Path(target)
        if target.exists() or target.is_symlink():
            raise DatabaseFileError(f"{safe(str(target))} already exists; nothing was written over it.")
        tmp, made = target, False  # the temporary file, once made
        try:
            with deferred():  # a stop signal waits until the temporary file is known to clean up
                fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
                os.close(fd)
                tmp, made = Path(tmp_name), True
            dest = sqlite3.connect(str(tmp))
            try:
                with dest:
                    self.db.conn.backup(dest)
                # A copy is a single self-contained file: no -wal/-shm beside it when read later.
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            try:
                os.link(tmp, target)  # fails if `target` appeared meanwhile: never clobbers
                tmp.unlink()
            except OSError:
                if target.exists():
                    raise DatabaseFileError(
                        f"{safe(str(target))} already exists; nothing was written over it."
                    ) from None
                os.replace(tmp, target)  # a filesystem without hard links
        except (sqlite3.Error, OSError) as exc:
            if made:
                with deferred():
                    for leftover in (tmp, Path(f"{tmp}-journal")):
                        leftover.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                reason = files.trouble(exc)
            elif is_environment(exc):
                reason = "the disk is full or failing" if code_of(exc) & 0xFF in (13, 10) else safe(str(exc))
            else:
                reason = safe(str(exc))
            raise DatabaseFileError(
                f"Cannot write the backup {safe(str(target))}: {reason}; nothing was written."
            ) from None
        except BaseException:  # a signal (SIGTERM, ctrl+c): leave nothing behind either
            if made:
                with deferred():
                    for leftover in (tmp, Path(f"{tmp}-journal")):
                        leftover.unlink(missing_ok=True)
            raise
        return target

    def copy_into(self, other: Connection) -> None:
        """Replace everything in `other`'s file with this database (SQLite backup API), so
        connections open on that file see the restored pipeline."""
        if other.readonly:
            raise DatabaseFileError(f"{other.name} is read-only; nothing was restored.")
        self.db.conn.backup(other.db.conn)
        other.invalidate()

    # ------------------------------------------------------------ plumbing

    def _begin(self) -> None:
        """Take the write lock (BEGIN IMMEDIATE), waiting for another writer in short steps:
        whoever waits is told why (an import may hold the lock for a while), and gives up
        only after `lock_wait_s`."""
        conn = self.db.conn
        deadline = time.monotonic() + self.lock_wait_s
        told = False
        conn.execute(f"PRAGMA busy_timeout = {LOCK_STEP_MS}")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if time.monotonic() >= deadline:
                        waited = self.lock_wait_s
                        said = f"{waited / 60:.0f} minutes" if waited >= 120 else f"{waited:.0f} s"
                        raise BusyError(
                            f"Another process has been writing to {self.name} for over {said} (an "
                            "import, or a program holding it open, such as a database browser with "
                            "unsaved changes); nothing was changed. Try again when it is done."
                        ) from None
                    if not told and self.on_lock_wait is not None:
                        told = True
                        self.on_lock_wait(
                            f"Waiting for another process writing to {self.name} (an import?)… "
                            "ctrl+c gives up, changing nothing."
                        )
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def begin_swap(self) -> None:
        """Take the write lock for a transaction the caller ends itself (a restore's swap)."""
        if self.readonly:
            raise DatabaseFileError(f"{self.read_only_text()}; nothing was restored.")
        self._begin()

    def read_only_text(self) -> str:
        """'<file> is open read-only', with why when nobody asked for it."""
        why = f" ({self.readonly_why})" if self.readonly_why else ""
        return f"{self.name} is open read-only{why}"

    @contextmanager
    def write(self) -> Iterator[None]:
        """One transaction that takes the write lock up front (BEGIN IMMEDIATE), so two
        writers queue instead of failing on a stale snapshot. Nested: a savepoint."""
        if self.readonly:
            raise DatabaseFileError(f"{self.read_only_text()}; nothing was changed.")
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        # What the app stamps itself obeys the limits it holds everything else to: a clock
        # set to 2201 would write what this pipeline's own restore and import refuse.
        check_clock(self.clock())
        self._begin()
        self.events_written = []
        try:
            self._check_generation()
            with self.db.atomic():  # a savepoint inside the immediate transaction
                yield
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            if is_environment(exc):  # a full disk, a lock, a read-only file: not damage
                raise sqlite_trouble(self.path or Path("The pipeline"), exc) from None
            raise
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        conn = self.db.conn
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        self.invalidate()  # cached stages or reasons may hold what was rolled back

    # ------------------------------------------------------------ generation

    def read_generation(self) -> Generation:
        """Which pipeline the file holds now (see migration m010_file_generation)."""
        try:
            rows = self.db.execute(
                "SELECT generation, restored_at, restored_from FROM file_generation WHERE id = 1"
            ).fetchall()
        except sqlite3.OperationalError:
            return Generation()  # a file from before generations (read-only, not upgraded)
        if not rows:
            return Generation()
        number, at, source = rows[0]
        return Generation(number if isinstance(number, int) else 0, str(at or ""), str(source or ""))

    def _check_generation(self) -> None:
        """Inside the write lock: refuse a change made on a pipeline that was replaced by a
        restore since this connection last showed it (the deal it acts on is another one
        now). The board takes the new generation when it reloads (`changed`)."""
        now = self.read_generation()
        if now.number == self.generation.number:
            return
        where = f" from {safe(now.restored_from)}" if now.restored_from else ""
        raise RestoredError(
            f"The pipeline was restored{where} by another process since this was shown; nothing "
            "was changed. Look again at what it holds now."
        )

    def take_restored(self) -> Generation | None:
        """The restore `changed` noticed (once), or None."""
        restored, self.restored = self.restored, None
        return restored

    def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """Every row of one query."""
        return self.db.execute(sql, params).fetchall()

    def changed(self) -> bool:
        """True when another connection committed since the last call (PRAGMA data_version)."""
        version = int(self.db.execute("PRAGMA data_version").fetchone()[0])
        changed = version != self._data_version
        self._data_version = version
        if changed:
            self.invalidate()
            now = self.read_generation()
            if now.number != self.generation.number:
                self.generation = now
                self.restored = now
        return changed

    def on_invalidate(self, forget: Callable[[], None]) -> None:
        """Call `forget` whenever what was read may be out of date (another process
        committed, or a transaction rolled back)."""
        self._forget.append(forget)

    def invalidate(self) -> None:
        """Forget cached stages and reasons (the parts that hold them)."""
        for forget in self._forget:
            forget()

"""Restore and repair: a backup's rows taken into a fresh pipeline, checked, and swapped in
whole; a damaged file told apart; what pipeline-tui did not create removed.

A restore never takes a file's schema, only its rows:

1. the backup is copied, alone, into a private folder (a `-wal` or `-journal` lying beside
   it is never read: it may belong to another pipeline);
2. its identity and SQLite's integrity check are read there;
3. a fresh file is made by the migrations, at the backup's version, and the backup's rows
   are inserted into it table by table (column by column, by name), under the fresh
   file's own constraints: a trigger, an index or a changed table definition in the backup
   (`UNIQUE(title) ON CONFLICT REPLACE`) never comes along, nor does its page size;
4. the fresh file is upgraded to this version, and every row is read back through the
   app's model and limits (`read_back`, with `codec.STRICT`): a value the app would never
   write (a close date with a time in it) refuses the restore and names the row;
5. only then is it swapped in, with the old pipeline kept beside it:
   - over a pipeline that opens, in one SQLite transaction (`replace_live`): other
     connections (an open board) see the old pipeline or the new one, never a mix, and a
     failure (a full disk) rolls back to the original. Renaming a file SQLite has open
     is how SQLite files get corrupted (their -wal and -shm are found by name), so the
     swap is SQLite's own;
   - where there is no pipeline, or one that cannot be opened, by one rename of the
     complete file (`install`); the unreadable one is kept beside under another name.
   The restored file's generation goes up, so a board open on it notices and reloads.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline_tui import files
from pipeline_tui.display import safe
from pipeline_tui.errors import BusyError, DatabaseFileError, InputError
from pipeline_tui.migrations import APPLICATION_ID, MIGRATION_SET, known_names, migrations
from pipeline_tui.models import StageKind
from pipeline_tui.stopping import deferred
from pipeline_tui.store import schema, search
from pipeline_tui.store.codec import ts
from pipeline_tui.store.connection import SQLITE_HEADER, Connection
from pipeline_tui.store.read_back import model_problems
from pipeline_tui.store.schema import quoted

GENERATION_TABLE = "file_generation"  # which pipeline a file holds: never copied, bumped
SIDECARS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Incoming:
    """A backup taken into a fresh, checked pipeline file, ready to be swapped in."""

    path: Path  # the fresh file (in the private folder)
    deals: int  # deals it holds, archived ones too
    left_out: tuple[str, ...]  # what of the backup was not taken, one phrase each
    stray: tuple[str, ...]  # files beside the backup that were not read (a -wal)


# ------------------------------------------------------------------- reading


def _refuse(source: Path, why: str) -> DatabaseFileError:
    return DatabaseFileError(f"{safe(str(source))} {why}; nothing was restored.")


def private_copy(source: Path, folder: Path) -> Path:
    """The backup's own bytes, alone, in `folder` (checked to be a regular SQLite file)."""
    copy = folder / "backup.db"
    try:
        with files.open_regular(source, advice="give the backup file"):
            pass
    except files.NotRegularFile as exc:
        raise DatabaseFileError(f"{exc} Nothing was restored.") from None
    except FileNotFoundError:
        raise InputError(f"There is no file {safe(str(source))}.") from None
    except OSError as exc:
        raise DatabaseFileError(
            f"Cannot read {safe(str(source))}: {files.trouble(exc)}; nothing was restored."
        ) from None
    try:
        size = files.copy_regular(source, copy, advice="give the backup file")
    except OSError as exc:  # writing the copy beside the pipeline
        raise DatabaseFileError(
            f"Cannot restore next to the pipeline ({safe(str(folder.parent))}): {files.trouble(exc)}; "
            "nothing was restored."
        ) from None
    if size == 0:
        raise _refuse(source, "is empty (0 bytes), not a backup")
    with open(copy, "rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise _refuse(source, "is not a SQLite database, so not a pipeline-tui backup")
    return copy


def _applied(conn: sqlite3.Connection, source: Path) -> tuple[str, ...]:
    """The migrations the backup has had; refuses a foreign, empty or newer file."""
    tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    ours = conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    names: list[str] = []
    if "_sqlite_migrations" in tables:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", [MIGRATION_SET]
            )
        ]
        ours = ours or bool(names)
    if not ours or "deals" not in tables:
        raise _refuse(source, "is an empty SQLite file" if not tables else "is not a pipeline-tui pipeline")
    known = known_names()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if any(name not in known for name in names) or version > len(known):
        raise _refuse(
            source,
            f"was written by a newer pipeline-tui (schema {max(version, len(names))}, this version "
            f"knows {len(known)}); upgrade pipeline-tui to restore it",
        )
    if not names:
        raise _refuse(source, "is not a complete pipeline (it has no schema history)")
    return schema.ordered(names)


def _left_out(conn: sqlite3.Connection, applied: tuple[str, ...]) -> list[str]:
    """What in the backup's schema a restore does not take (it takes rows only)."""
    want = schema.expected(applied)
    said = [
        f"{phrase} (its rows were taken, not its definition)"
        for phrase in schema.differences(conn, applied)
        if "defined differently" in phrase
    ]
    for key, item in schema.read_items(conn).items():
        if key in want.items or item.table.startswith(schema.BOOKKEEPING):
            continue
        if item.type == "trigger":
            said.append(f"trigger {safe(item.name)!r} (pipeline-tui creates no triggers of its own there)")
        elif item.type == "index" and item.table.lower() in want.tables and item.sql:
            said.append(f"index {safe(item.name)!r} on {safe(item.table)}")
        elif item.type in ("table", "view") and item.table.lower() not in want.tables:
            said.append(f"your {item.type} {safe(item.name)!r} (it stays in the backup file)")
    return said


def take_in(source: Path, folder: Path) -> Incoming:
    """The backup at `source` as a fresh, checked pipeline in `folder` (see the module)."""
    copy = private_copy(source, folder)
    stray = tuple(source.name + s for s in ("-wal", "-journal") if Path(f"{source}{s}").exists())
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        try:
            applied = _applied(conn, source)
            problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                raise _refuse(source, f"fails SQLite's integrity check ({safe(problems[0])})")
            left_out = _left_out(conn, applied)
        except sqlite3.DatabaseError as exc:
            if "unsafe use of" in str(exc):  # trusted_schema = OFF: a function no schema of ours calls
                raise _refuse(
                    source,
                    f"has a schema that calls a function pipeline-tui never puts there ({safe(str(exc))}); "
                    f"`pipeline-tui --db {safe(str(source))} repair` removes unknown triggers and indexes",
                ) from None
            raise _refuse(source, f"is damaged or not a database ({safe(str(exc))})") from None
    finally:
        conn.close()
    fresh = folder / "fresh.db"
    _build(fresh, copy, applied, source)
    deals = check_restorable(fresh, source)
    return Incoming(fresh, deals, tuple(left_out), stray)


def _build(fresh: Path, copy: Path, applied: tuple[str, ...], source: Path) -> None:
    """`fresh`: the migrations up to the backup's version, then the backup's rows."""
    conn = sqlite3.connect(fresh, isolation_level=None)
    try:
        db = Database(conn)
        known = known_names()
        if tuple(known[: len(applied)]) == applied and len(applied) < len(known):
            migrations.apply(db, stop_before=known[len(applied)])
        else:
            migrations.apply(db)  # all of them: the rows are matched by column names
            applied = tuple(known)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {len(applied)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("ATTACH DATABASE ? AS restore_source", [str(copy)])
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                copy_rows(conn, schema.expected(applied), "restore_source", source)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE restore_source")
    finally:
        conn.close()


# ------------------------------------------------------------------- copying


def copy_rows(
    conn: sqlite3.Connection, want: schema.Expected, source: str, shown: Path, *, checked: bool = False
) -> None:
    """Inside the caller's transaction: replace every row of the app's tables in `main`
    with those of the attached database `source`, column by column by name, under main's
    constraints. Triggers of main are set aside meanwhile (they would fire on rows that
    are copied anyway); virtual tables (a search index) are filled through themselves or
    rebuilt from the table they index; the search index only from a `checked` source (the
    fresh file, whose index was rebuilt from its rows): a backup's own is never taken. Refuses
    a row main's constraints refuse, naming it."""
    triggers = [
        (str(name), str(sql))
        for name, sql in conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger'")
        if str(name).lower() in want.items
    ]
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER main.{quoted(name)}")
    conn.execute("PRAGMA defer_foreign_keys = ON")
    present = {
        str(r[0]).lower()
        for r in conn.execute(f"SELECT name FROM {source}.sqlite_master WHERE type = 'table'")
    }
    tables = [t for t in want.ordinary if not t.startswith(schema.BOOKKEEPING) and t != GENERATION_TABLE]
    for table in reversed(tables):
        conn.execute(f"DELETE FROM main.{quoted(table)}")
    for table in want.virtual:
        _clear_virtual(conn, table, want)
    for table in tables:
        if table.lower() not in present:
            continue
        mine = schema.columns(conn, table)
        theirs = {c.lower() for c in schema.columns(conn, table, source)}
        cols = ", ".join(quoted(c) for c in mine if c.lower() in theirs)
        sql = f"INSERT INTO main.{quoted(table)} ({cols}) SELECT {cols} FROM {source}.{quoted(table)}"
        try:
            conn.execute(sql)
        except sqlite3.IntegrityError:
            _name_refused_row(conn, table, cols, source, shown)
            raise
    for table in want.virtual:
        if table.lower() == search.TABLE and not checked:
            continue  # indexed from the rows once they are checked (check_restorable)
        _fill_virtual(conn, table, want, source, present)
    for _, sql in triggers:
        conn.execute(sql)
    broken = conn.execute("PRAGMA main.foreign_key_check").fetchmany(1)
    if broken:
        table, rowid, parent, _ = broken[0]
        raise _refuse(
            shown, f"has a {_row_name(str(table), rowid)} that names a {parent} row that is not there"
        )


def _clear_virtual(conn: sqlite3.Connection, table: str, want: schema.Expected) -> None:
    content = schema.external_content(want.items[table.lower()].sql)
    if content is None:
        conn.execute(f"DELETE FROM main.{quoted(table)}")
    else:
        conn.execute(f"INSERT INTO main.{quoted(table)} ({quoted(table)}) VALUES ('delete-all')")


def _fill_virtual(
    conn: sqlite3.Connection, table: str, want: schema.Expected, source: str, present: set[str]
) -> None:
    content = schema.external_content(want.items[table.lower()].sql)
    if content:  # it indexes another table, copied above: index that again
        conn.execute(f"INSERT INTO main.{quoted(table)} ({quoted(table)}) VALUES ('rebuild')")
    elif content is None and table.lower() in present:
        cols = ", ".join(quoted(c) for c in schema.columns(conn, table))
        target, origin = f"main.{quoted(table)}", f"{source}.{quoted(table)}"
        conn.execute(f"INSERT INTO {target} (rowid, {cols}) SELECT rowid, {cols} FROM {origin}")


def _row_name(table: str, rowid: Any) -> str:
    if table == "deals":
        return f"deal #{rowid}"
    if table == "events":
        return f"timeline entry #{rowid}"
    return f"row {rowid} of its table {safe(table)!r}"


def _name_refused_row(conn: sqlite3.Connection, table: str, cols: str, source: str, shown: Path) -> None:
    """Find the first row main's constraints refuse and raise naming it."""
    try:
        rowids = conn.execute(f"SELECT rowid FROM {source}.{quoted(table)} ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # a table WITHOUT ROWID: named by its table alone
        raise _refuse(shown, f"has a row of its table {safe(table)!r} pipeline-tui never accepts") from None
    for (rowid,) in rowids:
        conn.execute("SAVEPOINT one_row")
        try:
            conn.execute(
                f"INSERT INTO main.{quoted(table)} ({cols}) SELECT {cols} FROM {source}.{quoted(table)} "
                "WHERE rowid = ?",
                [rowid],
            )
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK TO one_row")
            conn.execute("RELEASE one_row")
            raise _refuse(
                shown, f"has a {_row_name(table, rowid)} pipeline-tui never accepts ({safe(str(exc))})"
            ) from None
        conn.execute("ROLLBACK TO one_row")
        conn.execute("RELEASE one_row")


# ---------------------------------------------------------------- checking


def check_restorable(fresh: Path, source: Path) -> int:
    """Open the fresh file as a pipeline (upgrading it), read every row back through the
    app's model and limits, and check it is complete. Returns its deal count."""
    from pipeline_tui.store import Store

    try:
        store = Store.open(fresh)
    except DatabaseFileError as exc:
        raise DatabaseFileError(
            str(exc).replace(str(fresh), str(source)).replace(" The file was left untouched.", "")
            + " Nothing was restored."
        ) from None
    with store:
        kinds = {s.kind for s in store.shape.stages()}
        if kinds != set(StageKind) or not store.shape.reasons():
            raise _refuse(source, "lacks its stages or loss reasons; it is not a complete pipeline")
        problems = model_problems(store.conn) or store.deals.content_problems()
        if problems:
            raise DatabaseFileError(
                f"{safe(str(source))} holds what pipeline-tui never accepts: {'; '.join(problems)}. "
                "Nothing was restored."
            )
        store.search.index.rebuild()  # from the rows just checked, never the backup's own index
        count = store.deals.count() + store.deals.count(archived=True)
        # A single self-contained file (no -wal beside it) for the swap.
        store.conn.db.conn.execute("PRAGMA journal_mode = DELETE")
    return count


# ---------------------------------------------------------------- swapping


def replace_live(
    live: Connection, incoming: Incoming, keep: Path, *, source: Path, attempts: int = 5
) -> Path:
    """Swap the fresh file's rows into the live pipeline in one transaction, after keeping
    the live pipeline as it is at that moment in `keep` (SQLite's backup API): a change
    another process commits meanwhile is either in the kept copy or makes this try again.
    Any failure leaves the live pipeline exactly as it was (and no kept copy)."""
    conn = live.db.conn
    want = schema.expected(live.applied())
    stamp = ts(live.clock())
    for _ in range(attempts):
        before = conn.execute("PRAGMA data_version").fetchone()[0]
        live.backup_to(keep)
        conn.execute("ATTACH DATABASE ? AS restore_source", [str(incoming.path)])
        try:
            live.begin_swap()
            try:
                if conn.execute("PRAGMA data_version").fetchone()[0] != before:
                    conn.execute("ROLLBACK")
                    keep.unlink(missing_ok=True)
                    continue  # another process committed since the copy: keep a fresh one
                copy_rows(conn, want, "restore_source", source, checked=True)
                conn.execute(
                    f"UPDATE {GENERATION_TABLE} SET generation = generation + 1, restored_at = ?, "
                    "restored_from = ? WHERE id = 1",
                    [stamp, str(source)],
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                keep.unlink(missing_ok=True)
                raise
        finally:
            conn.execute("DETACH DATABASE restore_source")
        live.generation = live.read_generation()
        live.invalidate()
        return keep
    raise BusyError(
        f"{live.name} kept changing while the restore was trying to replace it; nothing was "
        "restored. Try again when the other process is done."
    )


def install(incoming: Incoming, target: Path, aside: Path | None, *, source: Path, at: datetime) -> None:
    """Put the fresh file at `target`, where there is no pipeline or one that cannot be
    opened, with one rename of the complete file. The unreadable one (and its -wal, -shm,
    -journal) is first linked to `aside`, so it stays whole; any failure before the rename
    leaves everything as it was."""
    conn = sqlite3.connect(incoming.path, isolation_level=None)
    try:
        conn.execute(
            f"UPDATE {GENERATION_TABLE} SET generation = generation + 1, restored_at = ?, restored_from = ? "
            "WHERE id = 1",
            [ts(at), str(source)],
        )
    finally:
        conn.close()
    tmp: Path | None = None
    moved: list[tuple[Path, Path]] = []  # (sidecar at target, its copy aside), put back on failure
    original = os.stat(target) if aside is not None else None
    try:
        with deferred():  # a stop signal waits until the temporary file is known to clean up
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.restore-", suffix=".tmp", dir=target.parent
            )
            os.close(fd)
            tmp = Path(tmp_name)
        src = sqlite3.connect(incoming.path)
        dest = sqlite3.connect(tmp)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
            src.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if aside is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as SQLite creates a file
        else:
            os.chmod(tmp, os.stat(target).st_mode & 0o777)
        if aside is None:
            try:
                os.link(tmp, target)  # fails if a file appeared there meanwhile: never clobbers
                tmp.unlink()
            except FileExistsError:
                raise DatabaseFileError(
                    f"{safe(str(target))} appeared while restoring; nothing was restored."
                ) from None
            except OSError:  # a filesystem without hard links
                os.replace(tmp, target)
            return
        _keep(target, aside)
        for suffix in SIDECARS:
            side = Path(f"{target}{suffix}")
            if side.exists():
                _keep(side, Path(f"{aside}{suffix}"))
                side.unlink()  # a damaged file's -wal must not be read into the new one
                moved.append((side, Path(f"{aside}{suffix}")))
        os.replace(tmp, target)
    except BaseException:
        with deferred():
            if tmp is not None:
                tmp.unlink(missing_ok=True)
                Path(f"{tmp}-journal").unlink(missing_ok=True)
        if aside is not None and original is not None and _same(target, original):
            # The original is still in its place: its -wal and -shm go back beside it, and the
            # copy aside is not needed.
            for side, kept in moved:
                with contextlib.suppress(OSError):
                    _keep(kept, side)
            for extra in (aside, *(Path(f"{aside}{suffix}") for suffix in SIDECARS)):
                extra.unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the folder entry itself, so the rename survives a crash
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _same(path: Path, info: os.stat_result) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)


def _keep(path: Path, copy: Path) -> None:
    """`path` also at `copy`: a second name for the same file, or (a filesystem without
    hard links) a copy of its bytes."""
    try:
        os.link(path, copy)
    except FileExistsError:
        raise
    except OSError:
        shutil.copyfile(path, copy)


# ------------------------------------------------------------------ probing


def damage(path: Path) -> str | None:
    """What SQLite's quick check finds wrong with the file at `path` (read-only), or None."""
    probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = [r[0] for r in probe.execute("PRAGMA quick_check(3)").fetchall()]
    finally:
        probe.close()
    return None if problems == ["ok"] else str(problems[0])


def foreign_objects(path: Path) -> tuple[list[tuple[str, str, str]], str | None]:
    """(type, name, table) for every trigger, and index on the app's tables, that the
    migrations did not create; and, when there are none, what the integrity check finds
    wrong with the file (None: intact)."""
    conn = sqlite3.connect(str(path))
    try:
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid", [MIGRATION_SET]
            )
        ]
        items = schema.foreign_items(conn, schema.ordered(names) if names else None)
        if items:
            return [(i.type, i.name, i.table) for i in items], None
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check(3)")]
        return [], None if problems == ["ok"] else str(problems[0])
    finally:
        conn.close()


def drop_objects(path: Path, keep: Path, objects: list[tuple[str, str, str]]) -> None:
    """Copy the file to `keep` (SQLite's backup API), then drop the named triggers and
    indexes in one transaction."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        dest = sqlite3.connect(str(keep))
        with dest:
            conn.backup(dest)
        dest.close()
        conn.execute("BEGIN IMMEDIATE")
        for kind, name, _ in objects:
            conn.execute(f"DROP {'TRIGGER' if kind == 'trigger' else 'INDEX'} {quoted(name)}")
        conn.execute("COMMIT")
    finally:
        conn.close()

"""Commands that move data in and out or look after the file: import, export, backup,
restore, repair, path and demo."""

from __future__ import annotations

import argparse
import shlex
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipeline_tui.cli.context import Context, info, out
from pipeline_tui.display import safe
from pipeline_tui.errors import DatabaseFileError, InputError
from pipeline_tui.models import StageKind
from pipeline_tui.store import Store, check_database_file, unique_path
from pipeline_tui.store.backups import check_backup, damage, drop_triggers, foreign_triggers

Register = Any


def _deals(count: int) -> str:
    return f"{count:,} deal" + ("" if count == 1 else "s")


# ----------------------------------------------------------------- backups


def cmd_backup(ctx: Context) -> int:
    store = ctx.store
    stamp = store.conn.clock().strftime("%Y%m%d-%H%M%S")
    target = (
        Path(ctx.args.output).expanduser()
        if ctx.args.output
        else ctx.db_path.with_name(f"{ctx.db_path.stem}-backup-{stamp}.db")
    )
    if target.resolve() == ctx.db_path.resolve():
        raise InputError("The backup cannot be the database itself.")
    if target.exists() or target.is_symlink():
        raise InputError(f"{target} already exists; choose another file.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist.")
    store.conn.backup_to(target)
    with Store.open(target, readonly=True) as copy:  # count what was copied, not the live file
        copied = copy.deals.count() + copy.deals.count(archived=True)
    out(f"Backed up {_deals(copied)} to {target}")
    return 0


def _live_or_none(ctx: Context) -> tuple[Store | None, str | None]:
    """The live pipeline, or (None, why) when it cannot be opened (damaged, not a database)."""
    path = ctx.db_path
    if not path.exists():
        return None, None
    try:
        # Read-only first: a damaged file is kept beside exactly as it was.
        check_database_file(path)
        problem = damage(path)
        if problem is not None:
            return None, f"it is damaged ({safe(problem)})"
        return ctx.store, None
    except DatabaseFileError as exc:
        if getattr(ctx.args, "read_only", False):
            raise
        return None, str(exc)
    except sqlite3.DatabaseError as exc:
        ctx.close()
        ctx._store = None
        return None, safe(str(exc))


def cmd_restore(ctx: Context) -> int:
    source = Path(ctx.args.file).expanduser()
    if source.is_dir():
        raise InputError(f"{safe(str(source))} is a folder; give the backup file in it.")
    if not source.is_file():
        raise InputError(f"There is no file {safe(str(source))}.")
    if source.stat().st_size == 0:
        raise DatabaseFileError(
            f"{safe(str(source))} is empty (0 bytes), not a backup; nothing was restored."
        )
    check_database_file(source)
    # Check (and if old, upgrade) a copy, never the backup file itself: reading a WAL file
    # in place would leave -wal and -shm files beside it.
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "restore.db"
        try:
            shutil.copyfile(source, copy)
            if source.with_name(source.name + "-wal").exists():
                shutil.copyfile(source.with_name(source.name + "-wal"), Path(tmp) / "restore.db-wal")
        except OSError as exc:
            raise InputError(f"Cannot read {source}: {exc.strerror}.") from None
        dropped = check_backup(copy, source)
        try:
            incoming_store = Store.open(copy, clock=ctx.clock)
        except DatabaseFileError as exc:
            raise DatabaseFileError(
                str(exc).replace(str(copy), str(source)).replace(" The file was left untouched.", "")
                + " Nothing was restored."
            ) from None
        with incoming_store as incoming:
            kinds = {s.kind for s in incoming.shape.stages()}
            if kinds != set(StageKind) or not incoming.shape.reasons():
                raise DatabaseFileError(
                    f"{safe(str(source))} lacks its stages or loss reasons; it is not a complete pipeline. "
                    "Nothing was restored."
                )
            # The limits every other path enforces hold for a restored file too.
            problems = incoming.deals.content_problems()
            if problems:
                raise DatabaseFileError(
                    f"{safe(str(source))} holds what pipeline-tui never accepts: {'; '.join(problems)}. "
                    "Nothing was restored."
                )
            count = incoming.deals.count() + incoming.deals.count(archived=True)
            target = ctx.db_path
            current, broken = _live_or_none(ctx)
            question = f"Replace {target}"
            if current is not None:
                question += f" ({_deals(current.deals.count() + current.deals.count(archived=True))})"
            elif broken:
                question += " (it cannot be opened: " + broken.rstrip(".") + ")"
            question += f" with {source} ({_deals(count)})? [y/N] "
            if target.exists() and not ctx.args.yes:
                if not sys.stdin.isatty():
                    raise InputError("Restoring replaces your pipeline; add --yes to confirm.")
                if input(safe(question)).strip().lower() not in ("y", "yes"):
                    out("Nothing was changed.")
                    return 1
            stamp = ctx.clock().strftime("%Y%m%d-%H%M%S")
            if current is not None:
                safety = unique_path(target.with_name(f"{target.stem}-before-restore-{stamp}.db"))
                current.conn.backup_to(safety)
                out(f"The pipeline as it was is kept in {safety}")
                incoming.conn.copy_into(current.conn)
            else:
                if target.exists():
                    # Damaged or not a database: keep its bytes beside, then put the backup in place.
                    aside = unique_path(
                        target.with_name(f"{target.stem}-damaged-{stamp}{target.suffix or '.db'}")
                    )
                    target.rename(aside)
                    for extra in ("-wal", "-shm"):
                        side = target.with_name(target.name + extra)
                        if side.exists():
                            side.rename(aside.with_name(aside.name + extra))
                    out(f"The file that could not be opened is kept in {aside}")
                incoming.conn.backup_to(target)
        for name in dropped:
            out(f"Left out trigger {name!r}: pipeline-tui does not create triggers.")
        out(f"Restored {_deals(count)} from {source}.")
    return 0


def cmd_repair(ctx: Context) -> int:
    """Remove triggers pipeline-tui did not create, after keeping a copy of the file."""
    path = ctx.db_path
    if not path.exists():
        raise InputError(f"There is no pipeline at {path}.")
    check_database_file(path)
    try:
        triggers, problem = foreign_triggers(path)
        if not triggers:
            if problem is not None:
                raise DatabaseFileError(
                    f"{safe(str(path))} is damaged ({safe(problem)}); repair cannot fix that. "
                    "Restore a backup with `pipeline-tui restore FILE`."
                )
            out(f"Nothing to repair in {path}: no unknown triggers, and the file is intact.")
            return 0
        stamp = ctx.clock().strftime("%Y%m%d-%H%M%S")
        keep = unique_path(path.with_name(f"{path.stem}-before-repair-{stamp}.db"))
        drop_triggers(path, keep, [name for name, _ in triggers])
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"Cannot repair {safe(str(path))}: {safe(str(exc))}.") from None
    out(f"The file as it was is kept in {keep}")
    for name, table in triggers:
        out(f"Removed trigger {name!r} on {table}.")
    return 0


def cmd_path(ctx: Context) -> int:
    out(str(ctx.db_path))
    return 0


def cmd_demo(ctx: Context) -> int:
    from pipeline_tui.demo import seed_demo

    path = Path(ctx.args.db).expanduser()
    if path.exists() and path.stat().st_size > 0:
        raise DatabaseFileError(f"{path} already exists; the demo only writes to a new file (or omit --db).")
    store = ctx._store = ctx.open(path)
    count = seed_demo(store, ctx.today, seed=ctx.args.seed, now=ctx.clock())
    info(f"Demo pipeline with {count} deals: {path}")
    if ctx.args.no_open:
        return 0
    from pipeline_tui.cli.board import cmd_board

    code = cmd_board(ctx)
    # The demo's file outlives the board: say how to come back to it.
    info(
        f"The demo pipeline is kept in {path}; open it again with: pipeline-tui --db {shlex.quote(str(path))}"
    )
    return code


def demo_paths(db: str | None) -> tuple[Path, Path]:
    """The demo's database and its own preferences file: the user's are never touched."""
    if db:
        path = Path(db).expanduser()
        return path, path.with_name(f"{path.stem}-config.toml")
    folder = Path(tempfile.mkdtemp(prefix="pipeline-tui-demo-"))
    return folder / "demo.db", folder / "config.toml"


def register(command: Register) -> None:
    p = command("backup", cmd_backup, "copy the pipeline safely, even while the board is open")
    p.add_argument("-o", "--output", metavar="FILE")

    p = command("restore", cmd_restore, "replace the pipeline with a backup (asks first)")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="do not ask")

    command("repair", cmd_repair, "remove triggers pipeline-tui did not create (after a backup)")
    command("path", cmd_path, "print where the database lives")

    p = command("demo", cmd_demo, "open a throw-away demo pipeline (never your own database or settings)")
    p.add_argument("--no-open", action="store_true", help="create it and print its path only")
    p.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)

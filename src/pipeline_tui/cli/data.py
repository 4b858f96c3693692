"""Commands that move data in and out or look after the file: import, export, backup,
restore, repair, path and demo."""

from __future__ import annotations

import argparse
import shlex
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipeline_tui import files
from pipeline_tui.cli.context import Context, info, out
from pipeline_tui.display import safe
from pipeline_tui.errors import DatabaseFileError, InputError
from pipeline_tui.store import Store, backups, check_database_file, unique_path

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
        problem = backups.damage(path)
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
    """Replace the pipeline with a backup's rows (see `store.backups`), asking first."""
    source = Path(ctx.args.file).expanduser()
    target = ctx.db_path
    try:
        # Never rename, move or replace what is not a regular file (a device, a pipe).
        files.regular_or_absent(target, advice="point --db at a pipeline file")
    except files.NotRegularFile as exc:
        raise DatabaseFileError(f"{exc} Nothing was restored.") from None
    real = target.resolve() if target.is_symlink() else target  # the file a link names, not the link
    if not real.parent.is_dir():
        raise InputError(f"The folder {safe(str(real.parent))} does not exist.")
    with files.private_folder(real.parent, ".pipeline-tui-restore-") as folder:
        return _restore(ctx, source, target, real, folder)


def _restore(ctx: Context, source: Path, target: Path, real: Path, folder: Path) -> int:
    """The restore itself, its work done in the private `folder`."""
    incoming = backups.take_in(source, folder)
    current, broken = _live_or_none(ctx)
    question = f"Replace {target}"
    if current is not None:
        question += f" ({_deals(current.deals.count() + current.deals.count(archived=True))})"
    elif broken:
        question += " (it cannot be opened: " + broken.rstrip(".") + ")"
    question += f" with {source} ({_deals(incoming.deals)})? [y/N] "
    if real.exists() and not ctx.args.yes:
        if not sys.stdin.isatty():
            raise InputError("Restoring replaces your pipeline; add --yes to confirm.")
        if input(safe(question)).strip().lower() not in ("y", "yes"):
            out("Nothing was changed.")
            return 1
    stamp = ctx.clock().strftime("%Y%m%d-%H%M%S")
    if current is not None:
        safety = unique_path(real.with_name(f"{real.stem}-before-restore-{stamp}.db"))
        backups.replace_live(current.conn, incoming, safety, source=source)
        out(f"The pipeline as it was is kept in {safety}")
    else:
        aside = None
        if real.exists():  # damaged or not a pipeline: kept whole beside, under another name
            aside = unique_path(real.with_name(f"{real.stem}-damaged-{stamp}{real.suffix or '.db'}"))
        backups.install(incoming, real, aside, source=source, at=ctx.clock())
        if aside is not None:
            out(f"The file that could not be opened is kept in {aside}")
    for phrase in incoming.left_out:
        out(f"Left out {phrase}.")
    for name in incoming.stray:
        out(
            f"Not read: {name} beside the backup (a backup is one file; that one may belong to another copy)."
        )
    out(f"Restored {_deals(incoming.deals)} from {source}.")
    return 0


def cmd_repair(ctx: Context) -> int:
    """Remove triggers, and indexes on the app's tables, that pipeline-tui did not create,
    after keeping a copy of the file."""
    path = ctx.db_path
    if not path.exists():
        raise InputError(f"There is no pipeline at {path}.")
    check_database_file(path)
    try:
        found, problem = backups.foreign_objects(path)
        if not found:
            if problem is not None:
                raise DatabaseFileError(
                    f"{safe(str(path))} is damaged ({safe(problem)}); repair cannot fix that. "
                    "Restore a backup with `pipeline-tui restore FILE`."
                )
            out(f"Nothing to repair in {path}: no unknown triggers or indexes, and the file is intact.")
            return 0
        stamp = ctx.clock().strftime("%Y%m%d-%H%M%S")
        keep = unique_path(path.with_name(f"{path.stem}-before-repair-{stamp}.db"))
        backups.drop_objects(path, keep, found)
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"Cannot repair {safe(str(path))}: {safe(str(exc))}.") from None
    out(f"The file as it was is kept in {keep}")
    for kind, name, table in found:
        out(f"Removed {kind} {name!r} on {table}.")
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

    command("repair", cmd_repair, "remove triggers and indexes pipeline-tui did not create (after a backup)")
    command("path", cmd_path, "print where the database lives")

    p = command("demo", cmd_demo, "open a throw-away demo pipeline (never your own database or settings)")
    p.add_argument("--no-open", action="store_true", help="create it and print its path only")
    p.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)

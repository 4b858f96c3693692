"""Command-line commands that shape the pipeline (stages, reasons), set preferences, and keep
backups. Registered by cli.build_parser; every handler takes the cli Context."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline_tui import paths
from pipeline_tui.config import THEMES, Settings, save_settings, update_setting
from pipeline_tui.errors import DatabaseFileError, InputError
from pipeline_tui.models import StageKind
from pipeline_tui.store import Store, check_database_file, unique_path

if TYPE_CHECKING:
    from pipeline_tui.cli import Context

Command = Callable[[str, Callable[["Context"], int], str], argparse.ArgumentParser]


def _days(text: str) -> int | None:
    if text.strip().lower() in ("off", "none", "never", "0", "-"):
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{text!r}: give a number of days, or 'off'.") from None


def _step(text: str) -> int:
    words = {"up": -1, "left": -1, "down": 1, "right": 1, "first": -1000, "last": 1000}
    if text.lower() in words:
        return words[text.lower()]
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{text!r}: say up, down, first, last or a number of places (-2, 3).") from None


# ------------------------------------------------------------------ stages


def cmd_stages(ctx: Context) -> int:
    a, store = ctx.args, ctx.store
    action = a.action or "list"
    if action == "list":
        for stage in store.stages(include_archived=a.all):
            stale = f"stale after {stage.stale_days}d" if stage.stale_days else "never stale"
            if stage.is_endpoint:
                stale = "endpoint"
            flag = "  (archived)" if stage.archived else ""
            print(
                f"{stage.name:<20} {stage.kind.value:<5} {stale:<18} "
                f"{_deals(store.stage_deal_count(stage.id)):>12}{flag}"
            )
        return 0
    if not a.name:
        raise InputError(f"`stages {action}` needs a stage name.")
    if action == "add":
        stage = store.add_stage(
            a.name, kind=StageKind(a.kind), stale_days=_days(a.value) if a.value else None
        )
        print(f"Added stage {stage.name}.")
        return 0
    stage = store.find_stage_any(a.name)
    if action == "rename":
        if not a.value:
            raise InputError("Give the new name: stages rename OLD NEW.")
        renamed = store.rename_stage(stage.id, a.value)
        print(f"Renamed {stage.name} to {renamed.name}; its deals and history follow.")
    elif action == "stale":
        if not a.value:
            raise InputError("Give a number of days or 'off': stages stale NAME 10.")
        changed = store.set_stale_days(stage.id, _days(a.value))
        print(
            f"{changed.name}: "
            + (f"stale after {changed.stale_days} days." if changed.stale_days else "never stale.")
        )
    elif action == "move":
        moved = store.move_stage(stage.id, _step(a.value or "up"))
        print("Board order: " + " → ".join(s.name for s in store.stages()) + f"  (moved {moved.name})")
    elif action == "archive":
        store.archive_stage(stage.id)
        print(f"Archived {stage.name}; it is off the board (restore with `stages restore`).")
    elif action == "restore":
        store.restore_stage(stage.id)
        print(f"{stage.name} is back on the board.")
    return 0


# ----------------------------------------------------------------- reasons


def cmd_reasons(ctx: Context) -> int:
    a, store = ctx.args, ctx.store
    action = a.action or "list"
    if action == "list":
        for reason in store.reasons(include_archived=a.all):
            needs = [
                w for w, on in (("competitor", reason.needs_competitor), ("note", reason.needs_note)) if on
            ]
            extra = f"  (asks for {' and '.join(needs)})" if needs else ""
            print(f"{reason.label}{extra}" + ("  (archived)" if reason.archived else ""))
        return 0
    if not a.label:
        raise InputError(f"`reasons {action}` needs a reason label.")
    if action == "add":
        reason = store.add_reason(a.label, needs_competitor=a.competitor, needs_note=a.note)
        print(f"Added loss reason {reason.label!r}.")
        return 0
    reason = store.find_reason_any(a.label)
    if action == "rename":
        if not a.value:
            raise InputError("Give the new label: reasons rename OLD NEW.")
        renamed = store.rename_reason(reason.id, a.value)
        print(f"Renamed {reason.label!r} to {renamed.label!r}; lost deals and reports follow.")
    elif action == "move":
        store.move_reason(reason.id, _step(a.value or "up"))
        print("Order: " + "; ".join(r.label for r in store.reasons()))
    elif action == "archive":
        store.archive_reason(reason.id)
        print(f"Archived {reason.label!r}: no longer offered, still on the deals that used it.")
    elif action == "restore":
        store.restore_reason(reason.id)
        print(f"{reason.label!r} is offered again.")
    return 0


# ------------------------------------------------------------------ config


def cmd_config(ctx: Context) -> int:
    a = ctx.args
    path = paths.config_path()
    settings: Settings = ctx.settings
    if a.key is None:
        print(f"# {path}" + ("" if path.exists() else " (not created yet: all defaults)"))
        for key, value in asdict(settings).items():
            print(f"{key} = {_show(value)}")
        return 0
    if a.value is None:
        if a.key not in asdict(settings):
            raise InputError(f"Unknown setting {a.key!r}; choose one of: {', '.join(asdict(settings))}.")
        print(_show(asdict(settings)[a.key]))
        return 0
    updated = update_setting(settings, a.key, a.value)
    if a.key == "theme" and updated.theme not in THEMES:
        raise InputError(f"Unknown theme {updated.theme!r}; choose one of: {', '.join(THEMES)}.")
    save_settings(path, updated)
    ctx.settings = replace(updated)
    print(f"{a.key} = {_show(asdict(updated)[a.key])}  (saved in {path})")
    return 0


def _deals(count: int) -> str:
    return f"{count:,} deal" + ("" if count == 1 else "s")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ----------------------------------------------------------------- backups


def cmd_backup(ctx: Context) -> int:
    store = ctx.store
    stamp = store.clock().strftime("%Y%m%d-%H%M%S")
    target = (
        Path(ctx.args.output).expanduser()
        if ctx.args.output
        else ctx.db_path.with_name(f"{ctx.db_path.stem}-backup-{stamp}.db")
    )
    if target.resolve() == ctx.db_path.resolve():
        raise InputError("The backup cannot be the database itself.")
    if target.exists():
        raise InputError(f"{target} already exists; choose another file.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist.")
    store.backup_to(target)
    with Store.open(target, readonly=True) as copy:  # count what was copied, not the live file
        copied = copy.count()
    print(f"Backed up {_deals(copied)} to {target}")
    return 0


def cmd_restore(ctx: Context) -> int:
    source = Path(ctx.args.file).expanduser()
    if not source.is_file():
        raise InputError(f"There is no file {source}.")
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
        try:
            incoming_store = Store.open(copy, clock=ctx.clock)
        except DatabaseFileError as exc:
            raise DatabaseFileError(
                str(exc).replace(str(copy), str(source)).replace("The file was left untouched.", "")
                + " Nothing was restored."
            ) from None
        with incoming_store as incoming:
            count = incoming.count()
            target = ctx.db_path
            current = ctx.store if target.exists() else None
            question = f"Replace {target}"
            question += f" ({_deals(current.count())})" if current else ""
            question += f" with {source} ({_deals(count)})? [y/N] "
            if not ctx.args.yes:
                if not sys.stdin.isatty():
                    raise InputError("Restoring replaces your pipeline; add --yes to confirm.")
                if input(question).strip().lower() not in ("y", "yes"):
                    print("Nothing was changed.")
                    return 1
            if current is not None:
                stamp = current.clock().strftime("%Y%m%d-%H%M%S")
                safety = unique_path(target.with_name(f"{target.stem}-before-restore-{stamp}.db"))
                current.backup_to(safety)
                print(f"The pipeline as it was is kept in {safety}")
                incoming.restore_into(current)
            else:
                incoming.backup_to(target)
        print(f"Restored {_deals(count)} from {source}.")
    return 0


# ---------------------------------------------------------------- register


def register(command: Command) -> None:
    p = command("stages", cmd_stages, "list and shape the stages")
    p.add_argument(
        "action", nargs="?", choices=("list", "add", "rename", "stale", "move", "archive", "restore")
    )
    p.add_argument("name", nargs="?", help="the stage")
    p.add_argument("value", nargs="?", help="new name, stale days ('off'), or move step (up/down/N)")
    p.add_argument("--kind", default="open", choices=("open", "won", "lost"), help="with add")
    p.add_argument("--all", action="store_true", help="include archived stages")

    p = command("reasons", cmd_reasons, "list and shape the loss reasons")
    p.add_argument("action", nargs="?", choices=("list", "add", "rename", "move", "archive", "restore"))
    p.add_argument("label", nargs="?")
    p.add_argument("value", nargs="?", help="new label, or move step (up/down/N)")
    p.add_argument("--competitor", action="store_true", help="with add: ask which competitor")
    p.add_argument("--note", action="store_true", help="with add: a note is required")
    p.add_argument("--all", action="store_true", help="include archived reasons")

    p = command("config", cmd_config, "show or set preferences (currency, day_first, theme, closed_days…)")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")

    p = command("backup", cmd_backup, "copy the pipeline safely, even while the board is open")
    p.add_argument("-o", "--output", metavar="FILE")

    p = command("restore", cmd_restore, "replace the pipeline with a backup (asks first)")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="do not ask")

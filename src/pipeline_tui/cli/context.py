"""What every command needs: settings, today, the store (opened on first use), and the
output boundary: everything printed goes through `safe` (or `json_text` for --json)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline_tui import paths
from pipeline_tui.config import Settings, load_settings
from pipeline_tui.dates import parse_date, parse_optional_date
from pipeline_tui.display import json_text, safe
from pipeline_tui.errors import InputError
from pipeline_tui.store import Store, system_clock

PROG = "pipeline-tui"


# Commands that only read: on a path with no pipeline they say so instead of creating one.
READING = frozenset(
    {"list", "show", "revisits", "report", "export", "search", "changes", "today", "calendar"}
)


def out(*lines: str) -> None:
    """Print lines to stdout; each is one line, whatever the stored text in it holds."""
    for line in lines:
        sys.stdout.write(safe(line) + "\n")


def out_block(text: str, *, indent: str = "") -> None:
    """Print multi-line stored text (a note) inertly, each line indented."""
    for line in safe(text, one_line=False).split("\n"):
        sys.stdout.write(indent + line + "\n")


def info(line: str) -> None:
    """A line for the person (stderr), not for a pipe."""
    sys.stderr.write(safe(line) + "\n")


def warn(line: str) -> None:
    sys.stderr.write(f"{PROG}: warning: {safe(line)}\n")


def out_json(data: Any) -> None:
    ascii_only = (getattr(sys.stdout, "encoding", "utf-8") or "").lower().replace("-", "") != "utf8"
    if ascii_only:  # a terminal that cannot show the text still gets every character exactly
        import json

        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=2) + "\n")
    else:
        sys.stdout.write(json_text(data) + "\n")


CLI_LOCK_WAIT_S = 5 * 60  # an import of a million rows takes about a minute
LOCK_WAIT_ENV = "PIPELINE_TUI_LOCK_WAIT"  # seconds a command waits for another writer instead


class Context:
    """Settings, today, the clock, and the store (opened on first use)."""

    def __init__(self, args: argparse.Namespace, *, config_path: Path | None = None) -> None:
        self.args = args
        self.config_path = config_path or paths.config_path()
        self.settings: Settings
        self.settings, warning = load_settings(self.config_path)
        self.settings_warning = warning
        if warning:
            warn(warning)
        today_text = getattr(args, "today", None)
        self.today: date = (
            parse_date(today_text, date.today(), day_first=self.settings.day_first)
            if today_text
            else date.today()
        )
        self._store: Store | None = None
        self._created: Path | None = None  # the pipeline file this command made, if it made one

    @property
    def db_path(self) -> Path:
        return paths.db_path(getattr(self.args, "db", None))

    @property
    def store(self) -> Store:
        if self._store is None:
            path = self.db_path
            if _only_reads(self.args) and (empty := _no_pipeline(path)):
                # Reading creates nothing, and a mistyped --db or PIPELINE_TUI_DB must not pass
                # for an empty pipeline: the answer is an empty one's, and stderr says why.
                info(f"{empty} (check --db or PIPELINE_TUI_DB); nothing was written there.")
                self._store = Store(Database(memory=True), clock=self.clock, currency=self.settings.currency)
            else:
                made = not os.path.lexists(path)
                self._store = self.open(path)
                self._created = path if made else None
        return self._store

    def open(self, path: Path, **kwargs: Any) -> Store:
        store = Store.open(
            path,
            clock=self.clock,
            currency=self.settings.currency,
            readonly=bool(getattr(self.args, "read_only", False)),
            **kwargs,
        )
        # A command waits for another writer (a long import) and says so, instead of failing;
        # not forever (a command run from cron behind a program that crashed holding the lock).
        store.conn.lock_wait_s = lock_wait_s(CLI_LOCK_WAIT_S)
        store.conn.on_lock_wait = info
        return store

    def clock(self) -> datetime:
        """Now, on the --today date when one is given, so what a command writes is stamped
        on the day it acts as (a deal added with --today is not already days idle)."""
        now = system_clock()
        if getattr(self.args, "today", None):
            return datetime.combine(self.today, now.time())
        return now

    def date(self, text: str | None, *, past: bool = False) -> date | None:
        return parse_optional_date(text, self.today, day_first=self.settings.day_first, past=past)

    def close(self, *, failed: bool = False) -> None:
        """Close the store; when the command failed, a pipeline file it made itself (a
        mistyped --db, an import that was refused) and that holds no deal is taken away
        again: a failure leaves nothing behind."""
        if self._store is None:
            return
        store, made = self._store, self._created
        unused = (
            failed
            and made is not None
            and not store.readonly
            and not store.deals.count() + store.deals.count(archived=True)
        )
        store.close()
        if unused and made is not None:
            for name in (made, *(Path(f"{made}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
                with contextlib.suppress(OSError):
                    name.unlink()


def _no_pipeline(path: Path) -> str:
    """Why `path` holds no pipeline yet (it does not exist, or is an empty file, which
    SQLite would silently turn into one), or "" when there is something to open."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return f"There is no pipeline at {path} yet"
    except OSError:
        return ""  # let opening it say what is wrong
    if size == 0 and path.is_file():
        return f"{path} is an empty file, not a pipeline yet"
    return ""


def _only_reads(args: argparse.Namespace) -> bool:
    """Whether the command only reads the pipeline (so must not create one)."""
    command = getattr(args, "command", None)
    if command in ("stages", "reasons"):
        return getattr(args, "action", None) in (None, "list")
    if command == "review":
        return bool(getattr(args, "json", False))  # without --json it opens the board
    return command in READING


def lock_wait_s(default: float) -> float:
    """How long a command waits for another writer's lock: $PIPELINE_TUI_LOCK_WAIT seconds
    (a cron job may rather fail fast), else `default`."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= 24 * 3600:
        raise InputError(f"${LOCK_WAIT_ENV} is {text!r}: give a number of seconds from 0 to 86400.")
    return seconds

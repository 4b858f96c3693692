"""The only package that speaks SQL. Returns dataclasses; every change is one transaction.

`Store` is a facade that holds its parts, each with one reason to change, all on one
connection:

- `conn` (`connection`): the file: opening it safely (identity, schema, migrations), the
  write lock and transactions, backups;
- `shape`: the stages, loss reasons and won reasons;
- `deals`: deals and their timelines, read, and written as the operations decide (keeping
  the search index in step);
- `search`: full-text search over everything the seller wrote (FTS5);
- `history`: the timeline read for the pipeline's motion: slipping close dates, what
  changed since a day;
- `board`: the board's column windows and totals;
- `review`: what needs the seller (stale, revisits, losses without a reason), the daily
  review's queue and the status line's counts;
- `journal`: the change journal behind undo;
- `reports`: win-loss figures (wins beside losses), velocity, quota and trend;
- `transfer`: imports and the rows exports read (written by `import_rows`, new deals of a
  CRM's file held in `prepared`, read by `export_rows`).

`codec` turns rows into dataclasses and back. Decisions (which fields a move sets, which
timeline entry it writes) are not made here: see `pipeline_tui.transitions`.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlite_utils import Database

from pipeline_tui.store.codec import DEAL_COLUMNS, parse_ts, ts
from pipeline_tui.store.connection import (
    BUSY_TIMEOUT_MS,
    Clock,
    Connection,
    check_database_file,
    system_clock,
    unique_path,
)
from pipeline_tui.store.deals import Deals
from pipeline_tui.store.journal import Journal
from pipeline_tui.store.search import Search
from pipeline_tui.store.shape import Shape
from pipeline_tui.store.sqlite_errors import damaged
from pipeline_tui.store.transfer import Transfer

if TYPE_CHECKING:
    from pipeline_tui.store.board import Board
    from pipeline_tui.store.history import History
    from pipeline_tui.store.reports import Reports
    from pipeline_tui.store.review import Review


class Store:
    """A pipeline in one SQLite database: `Store.open(path)`, or `Store(Database(...))`."""

    def __init__(self, db: Database | Connection, **options: Any) -> None:
        conn = db if isinstance(db, Connection) else Connection(db, **options)
        self.conn = conn
        self.shape = Shape(conn)
        self.deals = Deals(conn)
        self.search = Search(conn, self.deals.index)
        self.journal = Journal(conn)
        self.transfer = Transfer(conn, self.shape, self.deals)

    # The parts that read for the screens and reports are made (and their modules loaded)
    # when first asked for: a command that imports or exports never loads them.

    @cached_property
    def history(self) -> History:
        from pipeline_tui.store.history import History

        return History(self.conn, self.shape)

    @cached_property
    def board(self) -> Board:
        from pipeline_tui.store.board import Board

        return Board(self.conn, self.shape)

    @cached_property
    def review(self) -> Review:
        from pipeline_tui.store.review import Review

        return Review(self.conn, self.shape)

    @cached_property
    def reports(self) -> Reports:
        from pipeline_tui.store.reports import Reports

        return Reports(self.conn, self.shape, self.review)

    @classmethod
    def open(cls, path: str | os.PathLike[str], **options: Any) -> Self:
        """Open (or create) the pipeline at `path`, upgrading an older schema after a backup
        (options: clock, currency, readonly, allow_unknown_triggers)."""
        return cls(Connection.open(path, **options))

    def reader(self) -> Store:
        """A second, read-only store on the same file (for work on another thread)."""
        return Store(self.conn.reader())

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self) -> AbstractContextManager[None]:
        """One transaction (a savepoint when nested) holding the write lock."""
        return self.conn.write()

    @property
    def path(self) -> Path | None:
        return self.conn.path

    @property
    def readonly(self) -> bool:
        return self.conn.readonly

    def changed(self) -> bool:
        """True when another connection committed since the last call."""
        return self.conn.changed()


__all__ = [
    "BUSY_TIMEOUT_MS",
    "DEAL_COLUMNS",
    "Clock",
    "Connection",
    "Store",
    "check_database_file",
    "damaged",
    "parse_ts",
    "system_clock",
    "ts",
    "unique_path",
]

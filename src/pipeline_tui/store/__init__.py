"""The only package that speaks SQL. Returns dataclasses; every change is one transaction.

`Store` is one facade over parts split by reason to change:

- `connection`: opening the file safely (identity, schema, migrations), the write lock,
  backups;
- `codec`: rows to dataclasses and back, how times are written;
- `shape`: stages and loss reasons;
- `queries`: reading deals (the board's windows and totals, the lists, the timeline);
- `deals`: changing deals;
- `journal`: the change journal behind undo;
- `reports`: win-loss figures;
- `review`: what the daily review takes up, and the pipeline's health;
- `transfer`: imports and the rows exports read.
"""

from __future__ import annotations

from pipeline_tui.store.codec import DEAL_COLUMNS, parse_ts, ts
from pipeline_tui.store.connection import (
    BUSY_TIMEOUT_MS,
    Clock,
    check_database_file,
    damaged,
    system_clock,
    unique_path,
)
from pipeline_tui.store.deals import EDITABLE_FIELDS
from pipeline_tui.store.journal import Journal
from pipeline_tui.store.reports import Reports
from pipeline_tui.store.review import ReviewQueries
from pipeline_tui.store.transfer import Transfer


class Store(Transfer, Reports, ReviewQueries, Journal):
    """A pipeline in one SQLite database. Construct with `Store.open(path)` or a Database."""


__all__ = [
    "BUSY_TIMEOUT_MS",
    "DEAL_COLUMNS",
    "EDITABLE_FIELDS",
    "Clock",
    "Store",
    "check_database_file",
    "damaged",
    "parse_ts",
    "system_clock",
    "ts",
    "unique_path",
]

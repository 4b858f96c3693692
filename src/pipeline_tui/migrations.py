"""Schema, created and upgraded by sqlite_utils.Migrations: one function per change.

Never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database, Migrations

from pipeline_tui.models import (
    DEFAULT_LOSS_REASONS,
    DEFAULT_PROBABILITIES,
    DEFAULT_STAGES,
    NO_DECISION_REASON,
)

MIGRATION_SET = "pipeline_tui"
# PRAGMA application_id marks a file as ours ("PIPE"), so a foreign SQLite file is refused.
APPLICATION_ID = 0x50495045

migrations = Migrations(MIGRATION_SET)
_NAMES: list[str] = []


Step = Callable[[Database], None]
_STEPS: dict[str, Step] = {}


def migration(fn: Step) -> Step:
    """Register a schema change, remembering its name so newer files can be recognized."""
    _NAMES.append(fn.__name__)
    _STEPS[fn.__name__] = fn
    migrations()(fn)
    return fn


def step(name: str) -> Step:
    """The schema change called `name` (what a file at that version was given)."""
    return _STEPS[name]


@migration
def m001_initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE stages (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
            stale_days INTEGER CHECK (stale_days IS NULL OR stale_days > 0),
            archived INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """
        CREATE TABLE loss_reasons (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE COLLATE NOCASE,
            position INTEGER NOT NULL,
            needs_competitor INTEGER NOT NULL DEFAULT 0,
            needs_note INTEGER NOT NULL DEFAULT 0,
            archived INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """
        CREATE TABLE deals (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            company TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '',
            value INTEGER NOT NULL DEFAULT 0 CHECK (value >= 0),
            currency TEXT NOT NULL DEFAULT 'USD',
            stage_id INTEGER NOT NULL REFERENCES stages(id),
            expected_close TEXT,
            next_step TEXT NOT NULL DEFAULT '',
            next_step_due TEXT,
            created_at TEXT NOT NULL,
            stage_entered_at TEXT NOT NULL,
            last_activity_at TEXT NOT NULL,
            closed_at TEXT,
            loss_reason_id INTEGER REFERENCES loss_reasons(id),
            competitor TEXT NOT NULL DEFAULT '',
            lost_at_stage_id INTEGER REFERENCES stages(id),
            loss_note TEXT NOT NULL DEFAULT '',
            revisit_on TEXT,
            revisit_state TEXT CHECK (revisit_state IS NULL OR revisit_state IN ('pending', 'closed')),
            source TEXT,
            source_id TEXT
        )"""
    )
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            from_stage_id INTEGER REFERENCES stages(id),
            to_stage_id INTEGER REFERENCES stages(id),
            data TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    # Each board column reads a window ordered by time in stage.
    db.execute("CREATE INDEX deals_stage_entered ON deals(stage_id, stage_entered_at, id)")
    # Endpoint columns show recent closures only.
    # Covering, so per-column counts and totals never touch the table.
    db.execute("CREATE INDEX deals_stage_closed ON deals(stage_id, closed_at, value)")
    # Stale: idle per stage, and close dates passed.
    db.execute("CREATE INDEX deals_stage_activity ON deals(stage_id, last_activity_at)")
    db.execute("CREATE INDEX deals_stage_close ON deals(stage_id, expected_close)")
    # Revisits: pending lost deals by date.
    db.execute(
        "CREATE INDEX deals_revisit ON deals(revisit_on) "
        "WHERE revisit_state = 'pending' AND revisit_on IS NOT NULL"
    )
    db.execute("CREATE UNIQUE INDEX deals_source ON deals(source, source_id) WHERE source_id IS NOT NULL")
    db.execute("CREATE INDEX events_deal ON events(deal_id, id)")
    db.execute("CREATE INDEX events_kind ON events(kind, at)")

    for position, (name, kind, stale_days) in enumerate(DEFAULT_STAGES):
        db.execute(
            "INSERT INTO stages (name, position, kind, stale_days) VALUES (?, ?, ?, ?)",
            [name, position, kind.value, stale_days],
        )
    for position, (label, competitor, note) in enumerate(DEFAULT_LOSS_REASONS):
        db.execute(
            "INSERT INTO loss_reasons (label, position, needs_competitor, needs_note) VALUES (?, ?, ?, ?)",
            [label, position, int(competitor), int(note)],
        )


def known_names() -> list[str]:
    """Names of every migration this version knows, oldest first."""
    return list(_NAMES)


@migration
def m002_loss_reason_index(db: Database) -> None:
    """The report lists the deals behind a loss reason, and the board counts lost deals
    with no reason; both filter on the reason. The stale count reads the next step."""
    db.execute("CREATE INDEX deals_loss_reason ON deals(stage_id, loss_reason_id, closed_at)")
    # Counting idle deals reads the next step's due date too: cover it, skip the table.
    db.execute("DROP INDEX deals_stage_activity")
    db.execute("CREATE INDEX deals_stage_activity ON deals(stage_id, last_activity_at, next_step_due)")
    # Column totals are kept per currency (never added across currencies): cover the currency.
    db.execute("DROP INDEX deals_stage_closed")
    db.execute("CREATE INDEX deals_stage_closed ON deals(stage_id, closed_at, currency, value)")


@migration
def m003_journal_outcomes_archive(db: Database) -> None:
    """Undo journal, conflict detection, archived and snoozed deals, loss outcomes,
    stage probabilities, and what a CRM last said about an imported deal."""
    # Every change bumps `rev`: a form or a list that read an older rev is out of date.
    db.execute("ALTER TABLE deals ADD COLUMN rev INTEGER NOT NULL DEFAULT 0")
    # Archived deals (junk, duplicates) leave the board, lists and reports, history kept.
    db.execute("ALTER TABLE deals ADD COLUMN archived_at TEXT")
    # A stale deal snoozed by the seller is quiet until this day.
    db.execute("ALTER TABLE deals ADD COLUMN snoozed_until TEXT")
    # JSON: the CRM's values as last imported, to tell the CRM's changes from the seller's.
    db.execute("ALTER TABLE deals ADD COLUMN crm_baseline TEXT")
    db.execute(
        "ALTER TABLE loss_reasons ADD COLUMN outcome TEXT NOT NULL DEFAULT 'lost' "
        "CHECK (outcome IN ('lost', 'no_decision'))"
    )
    db.execute(
        "UPDATE loss_reasons SET outcome = 'no_decision' WHERE label = ? COLLATE NOCASE",
        [NO_DECISION_REASON],
    )
    db.execute(
        "ALTER TABLE stages ADD COLUMN probability INTEGER "
        "CHECK (probability IS NULL OR probability BETWEEN 0 AND 100)"
    )
    for name, percent in DEFAULT_PROBABILITIES.items():
        db.execute(
            "UPDATE stages SET probability = ? WHERE name = ? COLLATE NOCASE AND kind = 'open'",
            [percent, name],
        )
    db.execute(
        """
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            origin TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('pipeline', 'settings')),
            kind TEXT NOT NULL,
            label TEXT NOT NULL,
            deal_id INTEGER,
            payload TEXT NOT NULL DEFAULT '{}',
            undone_at TEXT
        )"""
    )
    db.execute("CREATE INDEX changes_open ON changes(origin, scope, id) WHERE undone_at IS NULL")
    # The board, the lists and the report never show archived deals: their indexes leave
    # them out (a query uses a partial index only when it repeats `archived_at IS NULL`).
    for name, columns, extra in (
        ("deals_stage_entered", "stage_id, stage_entered_at, id", ""),
        ("deals_stage_closed", "stage_id, closed_at, currency, value", ""),
        ("deals_stage_activity", "stage_id, last_activity_at, next_step_due, snoozed_until", ""),
        ("deals_stage_close", "stage_id, expected_close, snoozed_until", ""),
        ("deals_loss_reason", "stage_id, loss_reason_id, closed_at", ""),
        ("deals_revisit", "revisit_on", " AND revisit_state = 'pending' AND revisit_on IS NOT NULL"),
    ):
        db.execute(f"DROP INDEX IF EXISTS {name}")
        db.execute(f"CREATE INDEX {name} ON deals({columns}) WHERE archived_at IS NULL{extra}")
    db.execute("CREATE INDEX deals_archived ON deals(archived_at) WHERE archived_at IS NOT NULL")
    # Moments now carry their UTC offset; older ones were the machine's local time.
    db.conn.create_function("with_offset", 1, _with_offset, deterministic=True)
    for table, moments in (
        ("deals", ("created_at", "stage_entered_at", "last_activity_at", "closed_at")),
        ("events", ("at",)),
    ):
        sets = ", ".join(f"{c} = with_offset({c})" for c in moments)
        db.execute(f"UPDATE {table} SET {sets}")


def _with_offset(value: str | None) -> str | None:
    """'2026-11-24 09:00:00' (local) as '2026-11-24 09:00:00+01:00'; other text unchanged."""
    if not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        return value
    return moment.replace(microsecond=0).astimezone().isoformat(sep=" ")


@migration
def m004_close_date_index_covers_value(db: Database) -> None:
    """The quota's pipeline sums, per currency, the open deals expected to close in the
    current period (on the status line after every change): the close-date index covers
    currency and value, so that sum reads the index alone."""
    db.execute("DROP INDEX IF EXISTS deals_stage_close")
    db.execute(
        "CREATE INDEX deals_stage_close ON deals(stage_id, expected_close, snoozed_until, currency, value) "
        "WHERE archived_at IS NULL"
    )


@migration
def m005_import_maps(db: Database) -> None:
    """Where the seller said a source's stage values go (`--map`, or the board's mapping
    step): the next import from that source places them the same way, without asking."""
    db.execute(
        "CREATE TABLE import_maps ("
        " source TEXT NOT NULL,"
        " value TEXT NOT NULL,"
        " stage_id INTEGER NOT NULL REFERENCES stages(id),"
        " PRIMARY KEY (source, value))"
    )


@migration
def m006_file_generation(db: Database) -> None:
    """Which pipeline this file holds: a restore bumps the generation, so a board (or any
    connection) opened before it notices that every deal it shows was replaced, reloads and
    says so, instead of acting on a deal that is now another one."""
    db.execute(
        """
        CREATE TABLE file_generation (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            generation INTEGER NOT NULL DEFAULT 0,
            restored_at TEXT,
            restored_from TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("INSERT INTO file_generation (id) VALUES (1)")

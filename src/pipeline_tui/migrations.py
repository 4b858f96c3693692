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
    DEFAULT_WON_REASONS,
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
def m006_won_reasons(db: Database) -> None:
    """Why deals are won: a user-editable list like the loss reasons, and the reason, the
    competitor beaten (the deal's `competitor`) and a note on a won deal. A won deal never
    needs a reason."""
    db.execute(
        """
        CREATE TABLE won_reasons (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE COLLATE NOCASE,
            position INTEGER NOT NULL,
            needs_competitor INTEGER NOT NULL DEFAULT 0,
            archived INTEGER NOT NULL DEFAULT 0
        )"""
    )
    for position, (label, competitor) in enumerate(DEFAULT_WON_REASONS):
        db.execute(
            "INSERT INTO won_reasons (label, position, needs_competitor) VALUES (?, ?, ?)",
            [label, position, int(competitor)],
        )
    db.execute("ALTER TABLE deals ADD COLUMN won_reason_id INTEGER REFERENCES won_reasons(id)")
    db.execute("ALTER TABLE deals ADD COLUMN won_note TEXT NOT NULL DEFAULT ''")


@migration
def m007_search_index(db: Database) -> None:
    """Full-text search over everything the seller wrote (SQLite's FTS5): one row per deal
    (rowid: minus the deal's id) with its title, company, contact, next step, competitor and
    the notes on its loss or win; one row per timeline entry with the seller's words (rowid:
    the event's id): notes, and each loss's and win's note and competitor. The text is folded
    by `search.search_fold` (case, accents, ß, İ) before it is indexed. The store keeps the
    index current with its own writes (no trigger: a file's triggers are refused). Built here
    from what the file holds already."""
    from pipeline_tui.search import search_fold

    db.execute(
        "CREATE VIRTUAL TABLE deal_search USING fts5("
        "body, deal_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.conn.create_function("search_fold", 1, search_fold, deterministic=True)
    db.execute(
        "INSERT INTO deal_search (rowid, body, deal_id) "
        "SELECT -id, search_fold(title || char(10) || company || char(10) || contact || char(10) || "
        "next_step || char(10) || competitor || char(10) || loss_note || char(10) || won_note), id "
        "FROM deals"
    )
    db.execute(
        "INSERT INTO deal_search (rowid, body, deal_id) "
        "SELECT id, search_fold(text || char(10) || CASE WHEN json_valid(data) "
        "THEN COALESCE(json_extract(data, '$.competitor'), '') ELSE '' END), deal_id FROM events "
        "WHERE kind IN ('note', 'lost', 'won') "
        "AND NOT (json_valid(data) AND COALESCE(json_extract(data, '$.retracted'), 0))"
    )


@migration
def m008_timeline_indexes(db: Database) -> None:
    """The pipeline's motion reads the timeline: each deal's path through the stages
    (velocity, conversion, what changed) and its close-date changes (slipping)."""
    # A deal's stage changes in order, covered (its data says whether an undo took it back):
    # the velocity reads no event row.
    db.execute(
        "CREATE INDEX events_path ON events(deal_id, id, to_stage_id, at, kind, data) "
        "WHERE to_stage_id IS NOT NULL"
    )
    # Edits that changed a close date (a few of all edits): slipping deals read only these.
    db.execute(
        "CREATE INDEX events_close_changes ON events(deal_id, id) "
        "WHERE kind IN ('edited', 'updated') AND instr(data, '\"expected_close\"') > 0"
    )
    # What changed since a day: every entry from that moment on.
    db.execute("CREATE INDEX events_at ON events(at)")


@migration
def m009_review_marks(db: Database) -> None:
    """The daily review remembers which deals it has seen today (decided, skipped or found
    settled): a skip counts as reviewed for the day, and today's queue is one sitting long
    however often the review is opened. One row per deal and day; older days are pruned.
    And an index of dated next steps, for the agenda and the calendar."""
    db.execute(
        """
        CREATE TABLE review_marks (
            day TEXT NOT NULL,
            deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            PRIMARY KEY (day, deal_id)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX review_marks_deal ON review_marks(deal_id)")
    # `today` (next steps due and overdue) and `calendar` (every next step with a date) read
    # the deals with a dated next step from their own index.
    db.execute(
        "CREATE INDEX deals_step_due ON deals(next_step_due, stage_id, snoozed_until) "
        "WHERE archived_at IS NULL AND next_step_due IS NOT NULL"
    )


@migration
def m010_file_generation(db: Database) -> None:
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

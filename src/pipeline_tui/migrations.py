"""Schema, created and upgraded by sqlite_utils.Migrations: one function per change.

Never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from pipeline_tui.models import DEFAULT_LOSS_REASONS, DEFAULT_STAGES

MIGRATION_SET = "pipeline_tui"
# PRAGMA application_id marks a file as ours ("PIPE"), so a foreign SQLite file is refused.
APPLICATION_ID = 0x50495045

migrations = Migrations(MIGRATION_SET)
_NAMES: list[str] = []


def migration(fn):  # type: ignore[no-untyped-def]
    """Register a schema change, remembering its name so newer files can be recognized."""
    _NAMES.append(fn.__name__)
    return migrations()(fn)


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

"""Write tests/fixtures/schema1.db: a small pipeline as the FIRST schema left it.

The upgrade tests (tests/test_versions.py) open a copy of this file to prove that an older
database is backed up beside itself and then upgraded without losing a deal. It is built the
way the first release built its files: only migration m001 applied, PRAGMA application_id
and user_version = 1 set as the store sets them, WAL journal mode (the release used WAL),
and a few deals with their timeline written by plain SQL, as that release's Store wrote them.
Timestamps are fixed, so running it again gives the same content.

    python scripts/make_schema1_fixture.py [OUTPUT]
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from sqlite_utils import Database

from pipeline_tui.migrations import APPLICATION_ID, migrations

OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "schema1.db"
APPLIED_AT = "2026-06-01 08:00:00.000000+00:00"

# (title, company, value in cents, stage name, created, entered its stage, events)
# events: (at, kind, text, from stage, to stage, data)
DEALS = [
    (
        "Acme renewal",
        "Acme",
        1_200_000,
        "Lead",
        "2026-06-02 09:00:00",
        "2026-06-02 09:00:00",
        [("2026-06-03 10:00:00", "note", "Budget signed off in Q3", None, None, {})],
    ),
    (
        "Bluefin seats",
        "Bluefin",
        450_000,
        "Proposal",
        "2026-06-02 09:30:00",
        "2026-06-10 14:00:00",
        [
            ("2026-06-05 11:00:00", "moved", "", "Lead", "Qualified", {"from": "Lead", "to": "Qualified"}),
            (
                "2026-06-10 14:00:00",
                "moved",
                "",
                "Qualified",
                "Proposal",
                {"from": "Qualified", "to": "Proposal"},
            ),
        ],
    ),
    (
        "Cobalt pilot",
        "Cobalt",
        300_000,
        "Closed Lost",
        "2026-06-01 15:00:00",
        "2026-06-20 16:00:00",
        [
            (
                "2026-06-20 16:00:00",
                "lost",
                "Went with the incumbent; ask again after their renewal",
                "Lead",
                "Closed Lost",
                {
                    "from": "Lead",
                    "to": "Closed Lost",
                    "reason": "Lost to competitor",
                    "competitor": "Initech",
                },
            )
        ],
    ),
    (
        "Delta upgrade",
        "Delta",
        990_000,
        "Closed Won",
        "2026-06-04 08:00:00",
        "2026-06-25 12:00:00",
        [
            ("2026-06-25 12:00:00", "won", "", "Lead", "Closed Won", {"from": "Lead", "to": "Closed Won"}),
        ],
    ),
]


def build(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = WAL")
    db = Database(conn)
    migrations.apply(db, stop_before="m002_loss_reason_index")
    db.execute("UPDATE _sqlite_migrations SET applied_at = ?", [APPLIED_AT])
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    stages = {name: id_ for id_, name in db.execute("SELECT id, name FROM stages")}
    reasons = {label: id_ for id_, label in db.execute("SELECT id, label FROM loss_reasons")}
    with db.atomic():
        for title, company, value, stage, created, entered, events in DEALS:
            lost = stage == "Closed Lost"
            closed = entered if stage.startswith("Closed") else None
            last = events[-1][0] if events else created
            cur = db.execute(
                "INSERT INTO deals (title, company, value, currency, stage_id, created_at, stage_entered_at, "
                "last_activity_at, closed_at, loss_reason_id, competitor, lost_at_stage_id, loss_note, "
                "revisit_on, revisit_state) VALUES (?, ?, ?, 'USD', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    title,
                    company,
                    value,
                    stages[stage],
                    created,
                    entered,
                    last,
                    closed,
                    reasons["Lost to competitor"] if lost else None,
                    "Initech" if lost else "",
                    stages["Lead"] if lost else None,
                    events[-1][2] if lost else "",
                    "2026-12-20" if lost else None,
                    "pending" if lost else None,
                ],
            )
            deal_id = cur.lastrowid
            db.execute(
                "INSERT INTO events (deal_id, at, kind, text, to_stage_id, data) "
                "VALUES (?, ?, 'created', '', ?, '{}')",
                [deal_id, created, stages["Lead"]],
            )
            for at, kind, text, from_stage, to_stage, data in events:
                db.execute(
                    "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        deal_id,
                        at,
                        kind,
                        text,
                        stages.get(from_stage),
                        stages.get(to_stage),
                        json.dumps(data),
                    ],
                )
    conn.close()  # the last connection checkpoints and removes -wal and -shm: one file


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    build(target)
    print(f"Wrote {target} ({target.stat().st_size:,} bytes)")

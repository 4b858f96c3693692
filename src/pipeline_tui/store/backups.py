"""The SQL behind restore and repair: checking a backup before it replaces a pipeline, telling a
damaged file, and removing triggers pipeline-tui did not create. The command line asks and
says; these read and write the files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline_tui.display import safe
from pipeline_tui.errors import DatabaseFileError
from pipeline_tui.migrations import APPLICATION_ID, MIGRATION_SET


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_backup(copy: Path, source: Path) -> list[str]:
    """Refuse a file that is not a complete, intact pipeline (`copy`, a private copy of the
    backup `source`); drop the triggers it carries (never restored into the live pipeline)
    and return their names."""
    shown = safe(str(source))
    try:
        conn = sqlite3.connect(str(copy))
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"{shown} cannot be read ({safe(str(exc))}); nothing was restored.") from None
    try:
        try:
            ours = conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not ours and "_sqlite_migrations" in tables:
                ours = bool(
                    conn.execute(
                        "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
                    ).fetchall()
                )
            if not ours or "deals" not in tables:
                what = "an empty SQLite file" if not tables else "not a pipeline-tui pipeline"
                raise DatabaseFileError(f"{shown} is {what}; nothing was restored.")
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                raise DatabaseFileError(
                    f"{shown} fails SQLite's integrity check ({safe(problems[0])}); nothing was restored."
                )
            triggers = [
                str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ]
            for name in triggers:
                conn.execute(f"DROP TRIGGER {_quoted(name)}")
            conn.commit()
            return triggers
        except sqlite3.DatabaseError as exc:
            raise DatabaseFileError(
                f"{shown} is damaged or not a database ({safe(str(exc))}); nothing was restored."
            ) from None
    finally:
        conn.close()


def damage(path: Path) -> str | None:
    """What SQLite's quick check finds wrong with the file at `path` (read-only), or None."""
    probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = [r[0] for r in probe.execute("PRAGMA quick_check(3)").fetchall()]
    finally:
        probe.close()
    return None if problems == ["ok"] else str(problems[0])


def foreign_triggers(path: Path) -> tuple[list[tuple[str, str]], str | None]:
    """(trigger, table) for every trigger in the file, and, when there are none, what the
    integrity check finds wrong with it (None: intact)."""
    conn = sqlite3.connect(str(path))
    try:
        triggers = [
            (str(n), str(t))
            for n, t in conn.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
        ]
        if triggers:
            return triggers, None
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check(3)")]
        return [], None if problems == ["ok"] else str(problems[0])
    finally:
        conn.close()


def drop_triggers(path: Path, keep: Path, names: list[str]) -> None:
    """Copy the file to `keep` (SQLite's backup API), then drop the named triggers in one
    transaction."""
    conn = sqlite3.connect(str(path))
    try:
        dest = sqlite3.connect(str(keep))
        with dest:
            conn.backup(dest)
        dest.close()
        conn.execute("BEGIN IMMEDIATE")
        for name in names:
            conn.execute(f"DROP TRIGGER {_quoted(name)}")
        conn.execute("COMMIT")
    finally:
        conn.close()

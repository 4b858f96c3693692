"""Files from other versions and files that are not ours: upgrade after a backup, or refuse and
leave them alone. Real files in tmp_path; the command line runs as a real subprocess.

tests/fixtures/schema1.db is a pipeline as the first schema left it; scripts/make_schema1_fixture.py
made it (run it again to rebuild it; the content is deterministic).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock
from crash_worker import problems
from pilot_helpers import SIZE, plain
from textual.widgets import Static

from pipeline_tui.errors import DatabaseFileError
from pipeline_tui.migrations import APPLICATION_ID, known_names
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "schema1.db"
FIXTURE_DEALS = ["Acme renewal", "Bluefin seats", "Cobalt pilot", "Delta upgrade"]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ROOT_SKIP = "runs as root: chmod does not stop root from writing, so there is no permission to test"


def cli(*argv: str | Path, stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline_tui", *map(str, argv)],
        capture_output=True,
        text=True,
        stdin=stdin,
        timeout=60,
    )


def assert_clear_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1, one line on stderr that says why, no traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipeline-tui: error: "), result.stderr
    # Words are looked for outside file paths (tmp_path is named after the test).
    said = re.sub(r"/\S+", "PATH", lines[0]).lower()
    for word in words:
        assert word.lower() in said, lines[0]


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file in the folder with its bytes: 'untouched' means this is equal before and after."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def ro_connect(path: Path) -> sqlite3.Connection:
    """Read a file without touching it (no -wal/-shm, no recovery): for before/after pictures."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def dump(path: Path) -> list[str]:
    conn = ro_connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def rows(conn: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def as_schema1(conn: sqlite3.Connection, table: str, width: int) -> list[tuple[object, ...]]:
    """The rows as the first schema held them: its columns only, and moments as local times
    without the UTC offset that later schemas add to them (the same moment)."""

    def local(value: object) -> object:
        if isinstance(value, str) and len(value) == 25 and value[10] == " " and value[19] in "+-":
            moment = datetime.fromisoformat(value).astimezone().replace(tzinfo=None)
            return moment.isoformat(sep=" ")
        return value

    return [tuple(local(v) for v in row[:width]) for row in rows(conn, table)]


def index_columns(conn: sqlite3.Connection, name: str) -> list[str]:
    return [r[2] for r in conn.execute(f"PRAGMA index_info({name})")]


def pipeline_file(path: Path, *titles: str) -> Path:
    with Store.open(path) as store:
        for title in titles:
            builders.add(store, title, company="Acme", value=100_000)
    return path


# ------------------------------------------------------------------ the first schema


def test_the_fixture_is_the_first_schema() -> None:
    conn = ro_connect(FIXTURE)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")] == known_names()[:1]
        assert [r[0] for r in conn.execute("SELECT title FROM deals ORDER BY id")] == FIXTURE_DEALS
        assert problems(conn) == []
        assert FIXTURE.stat().st_size < 100_000
    finally:
        conn.close()
    assert not Path(f"{FIXTURE}-wal").exists() and not Path(f"{FIXTURE}-shm").exists()


def test_opening_the_first_schema_backs_it_up_then_upgrades_it(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "pipeline.db"
    shutil.copyfile(FIXTURE, path)
    original = path.read_bytes()
    dump_before = dump(path)
    before = ro_connect(path)
    deals_before, events_before = rows(before, "deals"), rows(before, "events")
    before.close()

    with Store.open(path, clock=clock) as store:
        backup = store.conn.backup_path
        # The upgraded pipeline: every deal and event as it was, the new schema in place.
        assert store.conn.db.execute("PRAGMA user_version").fetchone()[0] == len(known_names()) >= 3
        assert store.conn.db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        applied = [r[0] for r in store.conn.db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        assert applied == known_names()
        assert index_columns(store.conn.db.conn, "deals_loss_reason") == [
            "stage_id",
            "loss_reason_id",
            "closed_at",
        ]
        assert index_columns(store.conn.db.conn, "deals_stage_activity") == [
            "stage_id",
            "last_activity_at",
            "next_step_due",
            "snoozed_until",
        ]
        # Every deal and event as it was (new columns aside; moments now say their offset).
        assert as_schema1(store.conn.db.conn, "deals", len(deals_before[0])) == deals_before
        assert as_schema1(store.conn.db.conn, "events", len(events_before[0])) == events_before
        assert store.conn.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # And the app reads it as before.
        lost = store.deals.find("Cobalt pilot")
        assert store.shape.reason(lost.loss_reason_id).label == "Lost to competitor"  # type: ignore[arg-type]
        assert lost.competitor == "Initech" and lost.revisit_on == date(2026, 12, 20)
        assert [d.title for d in store.review.revisits(TODAY)[1]] == ["Cobalt pilot"]
        assert store.review.lost_without_reason_count() == 0
        builders.add(store, "After the upgrade")

    # The backup: beside the file, named for the old schema, the original pipeline at schema 1.
    assert backup is not None and backup.parent == tmp_path
    assert backup.name.startswith("pipeline.db.schema1-") and backup.suffix == ".bak"
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == [backup.name]
    assert dump(backup) == dump_before
    conn = ro_connect(backup)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")] == ["m001_initial"]
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'deals_loss_reason'").fetchone() is None
        assert rows(conn, "deals") == deals_before and rows(conn, "events") == events_before
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    # Byte for byte the original, except two header fields SQLite sets when it writes a copy:
    # the journal mode (offsets 18-19: the copy is a single rollback-journal file) and the
    # schema cookie (offsets 40-43: the backup API bumps it).
    copy = backup.read_bytes()
    assert len(copy) == len(original)
    assert {i for i, (a, b) in enumerate(zip(original, copy, strict=True)) if a != b} <= {
        18,
        19,
        40,
        41,
        42,
        43,
    }

    # Opening again: already upgraded, no second backup.
    with Store.open(path, clock=clock) as store:
        assert store.conn.backup_path is None
        assert store.deals.count() == len(FIXTURE_DEALS) + 1
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_the_backup_before_an_upgrade_is_the_original_file_byte_for_byte(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "pipeline.db"
    shutil.copyfile(FIXTURE, path)
    with Store.open(path, clock=clock) as store:
        backup = store.conn.backup_path
    assert backup is not None
    assert backup.read_bytes() == FIXTURE.read_bytes()


def test_the_command_line_upgrades_the_first_schema_too(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, path)
    result = cli("--db", path, "list", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert len(list(tmp_path.glob("old.db.schema1-*.bak"))) == 1
    conn = ro_connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(known_names())
    finally:
        conn.close()


# ------------------------------------------------------------------ newer files


def _newer_user_version(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA user_version = {len(known_names()) + 1}")


def _unknown_migration(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('pipeline_tui', 'm003_from_the_future', '2027-03-01 00:00:00')"
    )
    conn.commit()


@pytest.mark.parametrize("make_newer", [_newer_user_version, _unknown_migration])
def test_a_file_from_a_newer_version_is_refused_and_left_byte_for_byte(tmp_path: Path, make_newer) -> None:  # type: ignore[no-untyped-def]
    path = pipeline_file(tmp_path / "pipeline.db", "Acme renewal", "Bluefin seats")
    conn = sqlite3.connect(path)
    make_newer(conn)
    conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipeline.db"]  # no -wal/-shm to start with
    before = folder_state(tmp_path)

    with pytest.raises(DatabaseFileError, match="newer"):
        Store.open(path)
    assert folder_state(tmp_path) == before
    for argv in (["list"], ["add", "New deal"], ["note", "1", "hello"], ["backup"]):
        result = cli("--db", path, *argv)
        assert_clear_refusal(result, "newer", "upgrade pipeline-tui")
        assert folder_state(tmp_path) == before, f"{argv} touched the folder"


# ------------------------------------------------------------------ not a pipeline

NOT_SQLITE = {
    "text": b"Deal Name,Stage,Amount\nAcme renewal,Proposal,12000\n",
    "random": random.Random(7).randbytes(8192),
    "damaged": b"SQLite format 3\x00" + random.Random(8).randbytes(8192 - 16),
}


@pytest.mark.parametrize("kind", sorted(NOT_SQLITE))
def test_a_file_that_is_not_sqlite_is_refused_in_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "pipeline.db"
    path.write_bytes(NOT_SQLITE[kind])
    before = folder_state(tmp_path)
    for argv in (["list"], ["add", "New deal"]):
        result = cli("--db", path, *argv)
        assert_clear_refusal(result, "not a")
        assert str(path) in result.stderr
        assert folder_state(tmp_path) == before


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_sqlite_file_that_is_not_a_pipeline_is_refused_untouched(tmp_path: Path, journal: str) -> None:
    path = tmp_path / "contacts.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts (name) VALUES ('Ana Okafor')")
    conn.commit()
    conn.close()
    before = folder_state(tmp_path)
    for argv in (["list"], ["add", "New deal"], ["backup"]):
        assert_clear_refusal(cli("--db", path, *argv), "not a pipeline-tui pipeline")
        assert folder_state(tmp_path) == before


def test_an_empty_file_becomes_a_new_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.db"
    path.touch()
    result = cli("--db", path, "add", "First deal")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    with Store.open(path) as store:
        assert [d.title for d in store.deals.all()] == ["First deal"]
        assert store.conn.db.execute("PRAGMA user_version").fetchone()[0] == len(known_names())


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    assert_clear_refusal(cli("--db", tmp_path, "list"), "is a folder")


# ------------------------------------------------------------------ read-only


def test_read_only_flag_lists_and_refuses_every_change(tmp_path: Path) -> None:
    path = pipeline_file(tmp_path / "pipeline.db", "Acme renewal", "Bluefin seats")
    before = path.read_bytes()
    listed = cli("--db", path, "--read-only", "list")
    assert listed.returncode == 0 and listed.stderr == ""
    assert "Acme renewal" in listed.stdout and "Bluefin seats" in listed.stdout
    for argv in (
        ["add", "New deal"],
        ["move", "1", "Qualified"],
        ["move", "1", "Closed Lost", "--reason", "Price"],
        ["note", "1", "Called them"],
        ["stages", "rename", "Lead", "Prospect"],
    ):
        assert_clear_refusal(cli("--db", path, "--read-only", *argv), "read-only", "nothing was changed")
    assert path.read_bytes() == before
    # A read-only reader may leave SQLite's -wal/-shm beside the file, never anything in the -wal.
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with Store.open(path) as store:
        assert [d.title for d in store.deals.all()] == ["Acme renewal", "Bluefin seats"]
        assert [e.kind.value for e in store.deals.timeline(1)] == ["created"]


async def test_the_board_on_a_read_only_pipeline_says_so_and_refuses_changes(tmp_path: Path) -> None:
    from pipeline_tui.app import PipelineApp

    path = pipeline_file(tmp_path / "pipeline.db", "Acme renewal", "Bluefin seats")
    before = path.read_bytes()
    notified: list[tuple[str, str]] = []
    with Store.open(path, readonly=True) as store:
        app = PipelineApp(store, today=TODAY, poll_interval=0)
        real_notify = app.notify

        def notify(message, *, title="", severity="information", **kwargs):  # type: ignore[no-untyped-def]
            notified.append((severity, str(message)))
            return real_notify(message, title=title, severity=severity, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "READ-ONLY" in plain(app.screen.query_one("#status", Static))
            await pilot.press("shift+right")  # move the first Lead deal on
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen)
            assert notified and notified[-1][0] == "warning" and "read-only" in notified[-1][1]
            await pilot.press("a")  # no note form opens to take typing that cannot be saved
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen)
            assert notified[-1][0] == "warning" and "read-only" in notified[-1][1]
            assert app.is_running
        assert [store.shape.stage(d.stage_id).name for d in store.deals.all()] == ["Lead", "Lead"]
    assert path.read_bytes() == before


@pytest.mark.skipif(AS_ROOT, reason=ROOT_SKIP)
def test_a_read_only_file_opens_read_only(tmp_path: Path) -> None:
    path = pipeline_file(tmp_path / "pipeline.db", "Acme renewal")
    path.chmod(0o444)
    try:
        before = path.read_bytes()
        with Store.open(path) as store:
            assert store.readonly
        listed = cli("--db", path, "list")
        assert listed.returncode == 0 and "Acme renewal" in listed.stdout
        assert_clear_refusal(cli("--db", path, "add", "New deal"), "read-only", "(the file is read-only)")
        assert path.read_bytes() == before
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(AS_ROOT, reason=ROOT_SKIP)
def test_a_file_made_writable_again_takes_changes_again(tmp_path: Path) -> None:
    path = pipeline_file(tmp_path / "pipeline.db", "Acme renewal")
    path.chmod(0o444)
    try:
        assert cli("--db", path, "list").returncode == 0
    finally:
        path.chmod(0o644)
    result = cli("--db", path, "add", "New deal")
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(AS_ROOT, reason=ROOT_SKIP)
def test_a_read_only_folder_opens_read_only_or_says_the_folder_is_why(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = pipeline_file(folder / "pipeline.db", "Acme renewal")
    folder.chmod(0o555)
    try:
        before = folder_state(folder)
        for flags in ([], ["--read-only"]):
            result = cli("--db", path, *flags, "list")
            if result.returncode == 0:
                assert "Acme renewal" in result.stdout
            else:
                assert_clear_refusal(result, "folder")
        assert_clear_refusal(cli("--db", path, "add", "New deal"), "folder")
        assert folder_state(folder) == before
    finally:
        folder.chmod(0o755)

"""`pipeline-tui backup` and `pipeline-tui restore` on real files, as real subprocesses, while
other connections and processes write, and while the board is open on the file."""

from __future__ import annotations

import os
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from crash_worker import problems
from pilot_helpers import SIZE, headers, plain
from textual.widgets import Static

from pipeline_tui.migrations import known_names
from pipeline_tui.store import Store

WORKER = Path(__file__).with_name("crash_worker.py")
FIXTURE = Path(__file__).parent / "fixtures" / "schema1.db"
# A writer that only adds deals, as fast as it can, until it is killed.
ADDER = r"""
import sys
from pipeline_tui import operations as ops
from pipeline_tui.models import DealDraft
from pipeline_tui.store import Store
store = Store.open(sys.argv[1])
print("ready", flush=True)
while True:
    ops.add(store, DealDraft("Added while backing up", company="Adder"))
"""


def cli(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline_tui", *map(str, argv)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,  # not a terminal: restore cannot ask
        timeout=60,
    )


def assert_clear_refusal(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipeline-tui: error: "), result.stderr
    said = re.sub(r"/\S+", "PATH", lines[0]).lower()  # tmp_path is named after the test
    for word in words:
        assert word.lower() in said, lines[0]


def started(argv: list[str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    if not ready or proc.stdout.readline().strip() != b"ready":
        proc.kill()
        raise AssertionError(proc.communicate()[1].decode(errors="replace"))
    return proc


def check_copy(path: Path) -> int:
    """A backup is a whole, consistent pipeline in one file. Returns its deal count."""
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert problems(conn) == []
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(known_names())
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        return conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0]
    finally:
        conn.close()


def titles(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT title FROM deals ORDER BY id")]
    finally:
        conn.close()


def pipeline(path: Path, *names: str) -> Path:
    with Store.open(path) as store:
        for name in names:
            builders.add(store, name, company="Acme", value=250_000)
    return path


def reported(result: subprocess.CompletedProcess[str]) -> int:
    match = re.match(r"Backed up ([\d,]+) deals? to ", result.stdout)
    assert match, result.stdout
    return int(match.group(1).replace(",", ""))


# ------------------------------------------------------------------ backup


def stage_of(path: Path, deal_id: int) -> str:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        query = "SELECT s.name FROM deals d JOIN stages s ON s.id = d.stage_id WHERE d.id = ?"
        return str(conn.execute(query, (deal_id,)).fetchone()[0])
    finally:
        conn.close()


def test_backup_while_another_connection_holds_an_open_write(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", *(f"Deal {i}" for i in range(20)))
    committed_stage = stage_of(path, 1)
    target = tmp_path / "copy.db"
    with Store.open(path) as other:
        other.conn.db.conn.execute("BEGIN IMMEDIATE")  # the write lock, held across the backup
        for i in range(5):
            builders.add(other, f"Not committed yet {i}")
        builders.move(other, 1, other.shape.find_stage("Qualified").id)
        result = cli("--db", path, "backup", "-o", target)
        # The backup is done and the writer's transaction is still open: the backup read the
        # last commit instead of waiting for the writer (waiting would have failed, or hung
        # until cli()'s timeout, since the lock is only let go below).
        assert other.conn.db.conn.in_transaction
        other.conn.db.conn.execute("COMMIT")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert check_copy(target) == 20 == reported(result)
    assert titles(target) == [f"Deal {i}" for i in range(20)]  # none of the uncommitted rows
    assert stage_of(target, 1) == committed_stage != "Qualified"  # nor the uncommitted move
    with Store.open(path) as store:
        assert store.deals.count() == 25  # and the writer's work is all there


def test_backups_while_a_process_writes_are_whole_and_consistent(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", *(f"Deal {i}" for i in range(30)))
    worker = started([sys.executable, str(WORKER), str(path), "11", str(tmp_path / "worker.log")])
    try:
        counts = []
        for i in range(4):
            target = tmp_path / f"copy-{i}.db"
            result = cli("--db", path, "backup", "-o", target)
            assert result.returncode == 0 and result.stderr == "", result.stderr
            counts.append(check_copy(target))
        assert worker.poll() is None, "the worker stopped while the backups ran"
    finally:
        worker.kill()
        worker.communicate()
    assert counts == sorted(counts) and counts[0] >= 30


def test_backup_reports_the_number_of_deals_it_copied(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", "Deal 0")
    adder = started([sys.executable, "-c", ADDER, str(path)])
    try:
        for i in range(3):
            target = tmp_path / f"copy-{i}.db"
            result = cli("--db", path, "backup", "-o", target)
            assert result.returncode == 0, result.stderr
            assert reported(result) == check_copy(target)
    finally:
        adder.kill()
        adder.communicate()


def test_backup_without_o_writes_beside_the_pipeline_and_never_overwrites(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", "Acme renewal", "Bluefin seats")
    result = cli("--db", path, "backup")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    made = sorted(tmp_path.glob("pipeline-backup-*.db"))
    assert len(made) == 1 and re.fullmatch(r"pipeline-backup-\d{8}-\d{6}\.db", made[0].name)
    assert str(made[0]) in result.stdout and check_copy(made[0]) == 2

    taken = tmp_path / "taken.db"
    taken.write_bytes(b"someone else's file")
    assert_clear_refusal(cli("--db", path, "backup", "-o", taken), "already exists")
    assert taken.read_bytes() == b"someone else's file"
    assert_clear_refusal(cli("--db", path, "backup", "-o", path), "cannot be the database itself")
    assert_clear_refusal(cli("--db", path, "backup", "-o", tmp_path / "no" / "such.db"), "does not exist")


# ------------------------------------------------------------------ restore


def changed_since_backup(tmp_path: Path) -> tuple[Path, Path]:
    """A pipeline with three deals, its backup, then two more deals, a note and a renamed stage."""
    path = pipeline(tmp_path / "pipeline.db", "Acme renewal", "Bluefin seats", "Cobalt pilot")
    backup = tmp_path / "saved.db"
    assert cli("--db", path, "backup", "-o", backup).returncode == 0
    with Store.open(path) as store:
        builders.add(store, "Delta upgrade")
        builders.add(store, "Echo expansion")
        builders.add_note(store, 1, "Said yes on the phone")
        builders.rename_stage(store, store.shape.find_stage("Proposal").id, "Pitch")
    return path, backup


def dump(path: Path) -> list[str]:
    with Store.open(path, readonly=True) as store:
        return list(store.conn.db.conn.iterdump())


def test_restore_yes_puts_the_backup_back_and_keeps_the_replaced_pipeline(tmp_path: Path) -> None:
    path, backup = changed_since_backup(tmp_path)
    saved = backup.read_bytes()
    result = cli("--db", path, "restore", backup, "--yes")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Restored 3 deals" in result.stdout
    with Store.open(path) as store:
        assert [d.title for d in store.deals.all()] == ["Acme renewal", "Bluefin seats", "Cobalt pilot"]
        assert "Proposal" in [s.name for s in store.shape.stages()]
        assert store.deals.notes(1) == []
    # The pipeline it replaced is kept beside it, whole.
    safety = sorted(tmp_path.glob("pipeline-before-restore-*.db"))
    assert len(safety) == 1 and str(safety[0]) in result.stdout
    assert check_copy(safety[0]) == 5
    assert "Pitch" in [r[0] for r in sqlite3.connect(safety[0]).execute("SELECT name FROM stages")]
    assert backup.read_bytes() == saved  # the backup itself is only read


def test_every_restore_keeps_its_own_safety_copy(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", "The original pipeline")
    first = pipeline(tmp_path / "first.db", "The first backup")
    second = pipeline(tmp_path / "second.db", "The second backup")
    restores = 0
    for _ in range(3):  # three tries: a slow machine may straddle a second now and then
        while time.time() % 1 > 0.05:  # start just after a second begins
            time.sleep(0.002)
        for source in (first, second):
            result = cli("--db", path, "restore", source, "--yes")
            assert result.returncode == 0, result.stderr
            restores += 1
        kept = sorted(tmp_path.glob("pipeline-before-restore-*.db"))
        assert len(kept) == restores, f"{restores} restores kept {len(kept)} safety copies"
    assert ["The original pipeline"] in [titles(p) for p in kept]


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def copied_pipeline(tmp_path: Path) -> Path:
    """A pipeline file copied as a file (cp, rsync, Time Machine): still in WAL mode, unlike
    the single-file copies `pipeline-tui backup` writes."""
    folder = tmp_path / "usb"
    folder.mkdir()
    return pipeline(folder / "pipeline.db", "From the copy")


def test_restore_only_reads_the_file_it_restores_from(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", "Live deal")
    source = copied_pipeline(tmp_path)
    before = folder_state(source.parent)
    result = cli("--db", path, "restore", source, "--yes")
    assert result.returncode == 0, result.stderr
    assert titles(path) == ["From the copy"]
    assert folder_state(source.parent) == before


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="runs as root: chmod 0555 does not stop root from creating files in the folder",
)
def test_restore_from_a_copy_in_a_read_only_folder(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "pipeline.db", "Live deal")
    source = copied_pipeline(tmp_path)
    source.parent.chmod(0o555)
    try:
        result = cli("--db", path, "restore", source, "--yes")
    finally:
        source.parent.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert titles(path) == ["From the copy"]


def test_restore_without_yes_and_without_a_terminal_changes_nothing(tmp_path: Path) -> None:
    path, backup = changed_since_backup(tmp_path)
    before = dump(path)
    assert_clear_refusal(cli("--db", path, "restore", backup), "--yes")
    assert dump(path) == before
    assert not list(tmp_path.glob("*before-restore*"))


NOT_PIPELINES = ["text", "foreign"]


def not_a_pipeline(tmp_path: Path, kind: str) -> Path:
    if kind == "text":
        path = tmp_path / "deals.csv"
        path.write_text("Deal Name,Stage\nAcme renewal,Proposal\n")
    else:
        path = tmp_path / "contacts.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
        conn.close()
    return path


@pytest.mark.parametrize("kind", NOT_PIPELINES)
def test_restore_refuses_a_file_that_is_not_a_pipeline(tmp_path: Path, kind: str) -> None:
    path, _ = changed_since_backup(tmp_path)
    source = not_a_pipeline(tmp_path, kind)
    source_bytes = source.read_bytes()
    before = dump(path)
    assert_clear_refusal(cli("--db", path, "restore", source, "--yes"), "not a")
    assert dump(path) == before
    assert source.read_bytes() == source_bytes
    assert not list(tmp_path.glob("*before-restore*"))


def test_restore_refusal_names_the_file_the_user_gave(tmp_path: Path) -> None:
    path, _ = changed_since_backup(tmp_path)
    source = not_a_pipeline(tmp_path, "foreign")
    result = cli("--db", path, "restore", source, "--yes")
    assert result.returncode == 1
    assert str(source) in result.stderr and "restore.db" not in result.stderr


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path: Path) -> None:
    path, backup = changed_since_backup(tmp_path)
    conn = sqlite3.connect(backup)
    conn.execute(f"PRAGMA user_version = {len(known_names()) + 1}")
    conn.close()
    before = dump(path)
    assert_clear_refusal(cli("--db", path, "restore", backup, "--yes"), "newer")
    assert dump(path) == before


def test_restore_of_a_first_schema_backup_upgrades_it_on_the_way_in(tmp_path: Path) -> None:
    path, _ = changed_since_backup(tmp_path)
    old = tmp_path / "from-last-year.db"
    shutil.copyfile(FIXTURE, old)
    result = cli("--db", path, "restore", old, "--yes")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert old.read_bytes() == FIXTURE.read_bytes()  # the old backup is only read
    with Store.open(path) as store:
        assert store.conn.db.execute("PRAGMA user_version").fetchone()[0] == len(known_names())
        assert [d.title for d in store.deals.all()] == [
            "Acme renewal",
            "Bluefin seats",
            "Delta upgrade",
            "Cobalt pilot",
        ]
        assert store.conn.backup_path is None
    assert not list(tmp_path.glob("pipeline.db.schema*.bak"))  # the live file was never schema 1


async def test_an_open_board_shows_the_restored_pipeline(make_app, store: Store, tmp_path: Path) -> None:
    for name in ("Acme renewal", "Bluefin seats", "Cobalt pilot"):
        builders.add(store, name, value=100_000)
    backup = tmp_path / "saved.db"
    assert cli("--db", store.path, "backup", "-o", backup).returncode == 0  # type: ignore[arg-type]
    builders.add(store, "Delta upgrade")
    builders.add(store, "Echo expansion", stage_id=store.shape.find_stage("Qualified").id)
    builders.rename_stage(store, store.shape.find_stage("Proposal").id, "Pitch")
    app = make_app()  # no poll timer: the test calls check_for_changes itself
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Pitch" in headers(app) and "5 deals" in plain(app.screen.query_one("#status", Static))
        result = cli("--db", store.path, "restore", backup, "--yes")  # type: ignore[arg-type]
        assert result.returncode == 0 and result.stderr == "", result.stderr
        app.check_for_changes()
        await pilot.pause()
        await pilot.pause()
        assert [c.stage.name for c in app.screen.columns] == [s.name for s in store.shape.stages()]
        assert "Proposal" in headers(app) and "Pitch" not in headers(app)
        shown = {name: int(line.split(" · ")[0]) for name, line in headers(app).items()}
        assert shown == {s.stage.name: s.count for s in store.board.summaries(today=TODAY)}
        assert shown["Lead"] == 3 and shown["Qualified"] == 0
        assert "3 deals" in plain(app.screen.query_one("#status", Static))

"""Nothing lost, ever: SIGKILL a process in the middle of thousands of changes, many times.

A worker (tests/crash_worker.py) moves deals, writes notes, marks deals lost with a reason,
reopens, edits and snoozes revisits on a real SQLite file as fast as it can; the test kills it
with SIGKILL at a random moment, checks the file, and starts it again. Seeded: a failure
replays with the same kill delays and the same changes (up to where the kill lands).
"""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import builders
import pytest
from crash_worker import problems

from pipeline_tui.store import Store

pytestmark = pytest.mark.slow  # among the slowest files: CI runs them, -m 'not slow' skips them

WORKER = Path(__file__).with_name("crash_worker.py")
KILLS = 25
SEED = 20261124


def start_worker(db: Path, seed: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(db), str(seed), str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 20)
    line = proc.stdout.readline() if ready else b""
    if line.strip() != b"ready":
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"the worker did not start: {line!r}\n{err.decode(errors='replace')}")
    return proc


def last_promise(log: Path) -> int:
    """The highest event id the worker saw committed before it died (0: none yet)."""
    if not log.exists():
        return 0
    lines = [line for line in log.read_text().splitlines() if line.isdigit()]
    return int(lines[-1]) if lines else 0


def test_sigkill_at_random_moments_never_breaks_the_pipeline(tmp_path: Path) -> None:
    db = tmp_path / "pipeline.db"
    with Store.open(db) as store:
        for i in range(40):
            builders.add(store, f"Seed {i}", company="Acme", value=100_000 * i)
    rng = random.Random(SEED)
    deals_before = events_before = 0
    changes = 0
    for kill in range(KILLS):
        log = tmp_path / f"committed-{kill}.log"
        proc = start_worker(db, rng.randrange(2**31), log)
        delay = rng.uniform(0.05, 0.4)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, (
            f"kill {kill}: the worker ended by itself ({proc.returncode}) before the kill:\n"
            + err.decode(errors="replace")
        )

        promised = last_promise(log)
        changes += len(log.read_text().splitlines()) if log.exists() else 0
        # The first to look after the kill is a read-only reader (`--read-only`): it sees the
        # last commit through the WAL the dead process left, without recovering anything.
        with Store.open(db, readonly=True) as viewer:
            seen = viewer.deals.count()
            seen_event = viewer.conn.db.execute("SELECT MAX(id) FROM events").fetchone()[0]
        conn = sqlite3.connect(db)
        try:
            found = problems(conn)
            assert found == [], f"kill {kill} after {delay * 1000:.0f} ms left: " + "; ".join(found[:10])
            deals = conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0]
            events, last_event = conn.execute("SELECT COUNT(*), MAX(id) FROM events").fetchone()
        finally:
            conn.close()
        # What was committed before the kill is still there; nothing already there went away.
        assert last_event >= promised, f"kill {kill}: event {promised} was committed and is gone"
        assert (seen, seen_event) == (deals, last_event), f"kill {kill}: the read-only view differs"
        assert deals >= deals_before and events >= events_before
        deals_before, events_before = deals, events
        # And the app opens it as it is: no upgrade, no complaint.
        with Store.open(db) as store:
            assert store.deals.count() == deals
            assert store.conn.backup_path is None

    assert changes >= 1_000, f"only {changes} changes were committed across {KILLS} runs"
    assert not list(tmp_path.glob("*.bak")), "a kill made the next start think the schema was old"


def big_pipeline(path: Path, company: str, count: int) -> Path:
    """A pipeline large enough (megabytes) that copying it takes a while to kill into."""
    with Store.open(path) as store:
        lead = store.shape.stages()[0].id
        store.transfer.add_many(
            {
                "title": f"{company} deal {i}",
                "company": company,
                "stage_id": lead,
                "value": i,
                "notes": [("2026-11-01 10:00:00", f"{company} note " * 20)],
            }
            for i in range(count)
        )
    return path


def test_sigkill_during_restore_leaves_the_old_or_the_new_pipeline(tmp_path: Path) -> None:
    """`restore` copies a whole pipeline over the live one; a kill at any moment of it leaves
    one or the other, whole, never a mix and never a damaged file. The kill is timed from the
    moment the safety copy appears (restore is then copying megabytes: the safety copy, then
    the backup over the live file)."""
    sources = {"A": (big_pipeline(tmp_path / "a.db", "A", 20_000), 20_000)}
    sources["B"] = (big_pipeline(tmp_path / "b.db", "B", 15_000), 15_000)
    live_dir = tmp_path / "live"
    live_dir.mkdir()
    live = live_dir / "pipeline.db"
    shutil.copyfile(sources["A"][0], live)
    kept = tmp_path / "kept"
    kept.mkdir()
    current = "A"
    rng = random.Random(SEED + 1)
    killed = 0
    for attempt in range(10):
        for safety in live_dir.glob("pipeline-before-restore-*"):  # so a new one can be seen
            safety.rename(kept / f"{attempt}-{safety.name}")
        other = "B" if current == "A" else "A"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline_tui",
                "--db",
                str(live),
                "restore",
                str(sources[other][0]),
                "--yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            if list(live_dir.glob("pipeline-before-restore-*.db")):
                break
            time.sleep(0.0005)
        try:
            proc.wait(timeout=rng.uniform(0, 0.15))
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        assert proc.returncode in (0, -signal.SIGKILL), err.decode(errors="replace")
        killed += proc.returncode == -signal.SIGKILL
        conn = sqlite3.connect(live)
        try:
            assert problems(conn) == [], f"attempt {attempt}"
            companies = conn.execute("SELECT company, COUNT(*) FROM deals GROUP BY company").fetchall()
            events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        finally:
            conn.close()
        assert len(companies) == 1, f"attempt {attempt}: a mix of two pipelines: {companies}"
        before, current = current, companies[0][0]
        assert companies[0][1] == sources[current][1] and events == 2 * sources[current][1]
        if proc.returncode == 0:
            assert current == other
        if current != before:  # replaced: the pipeline it replaced is kept, whole
            (safety,) = live_dir.glob("pipeline-before-restore-*.db")
            conn = sqlite3.connect(safety)
            try:
                assert problems(conn) == []
                assert conn.execute("SELECT company, COUNT(*) FROM deals GROUP BY company").fetchall() == [
                    (before, sources[before][1])
                ]
            finally:
                conn.close()
    assert killed >= 3, f"only {killed} of 10 restores were killed; the delays miss the restore"

"""Two writers on one file: the board while the CLI writes, two CLIs at once, two first starts.

Each CLI writer is one real subprocess that runs `pipeline_tui.cli.main` once per command, so
every command opens the file, writes and closes it exactly as `pipeline-tui add ...` does,
without paying for a new interpreter each time (hundreds of commands in a few seconds).
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock
from pilot_helpers import SIZE, headers, paste, plain
from textual.widgets import Static

from pipeline_tui.modals.prompts import NoteModal
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.store import Store

pytestmark = pytest.mark.slow  # among the slowest files: CI runs them, -m 'not slow' skips them

# argv: DB PREFIX COUNT TARGET_STAGE [PAUSE]. For each of COUNT deals: add, move to TARGET_STAGE,
# note: 3 x COUNT commands, PAUSE seconds apart. Exits 1 if any command failed (its message is
# already on stderr).
WRITER = r"""
import contextlib, io, json, sys, time
from pipeline_tui.cli import main

db, prefix, count, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
common = ["--db", db, "--today", "2026-11-24"]
failed = 0

def run(*argv):
    global failed
    time.sleep(pause)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([*common, *argv])
    if rc != 0:
        failed += 1
    return out.getvalue()

for i in range(count):
    added = run("add", f"{prefix} deal {i:03}", "--company", prefix, "--value", f"{i + 1}k", "--json")
    try:
        deal_id = json.loads(added)["id"]
    except ValueError:
        continue
    run("move", str(deal_id), target)
    run("note", str(deal_id), f"{prefix} note {i:03}")
sys.exit(1 if failed else 0)
"""


def writer(db: Path, prefix: str, count: int, target: str, pause: float = 0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), prefix, str(count), target, str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kinds_by_title(store: Store, prefix: str) -> dict[str, list[str]]:
    rows = store.conn.db.execute(
        "SELECT d.title, e.kind FROM deals d JOIN events e ON e.deal_id = d.id "
        "WHERE d.company = ? ORDER BY d.id, e.id",
        [prefix],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for title, kind in rows:
        out.setdefault(title, []).append(kind)
    return out


def count_events(store: Store, kind: str) -> int:
    return store.conn.db.execute("SELECT COUNT(*) FROM events WHERE kind = ?", [kind]).fetchone()[0]


# ------------------------------------------------------------------ the board and the CLI


async def test_board_and_cli_write_at_once_without_locks_or_losses(
    make_app, store: Store, clock: Clock
) -> None:
    # The board's own deals sort first in Lead (entered earlier), so its cursor stays on them.
    clock.set(datetime(2026, 11, 2, 9, 0))
    for i in range(40):
        builders.add(store, f"Board deal {i:02}", company="Board", value=10_000)
    clock.set(datetime(2026, 11, 24, 9, 0))
    app = make_app(poll_interval=0.2)
    notified: list[tuple[str, str, str]] = []
    real_notify = app.notify

    def notify(message, *, title="", severity="information", **kwargs):  # type: ignore[no-untyped-def]
        notified.append((severity, title, str(message)))
        return real_notify(message, title=title, severity=severity, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    cli_count = 100  # 300 commands
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Paced so that the board gets several rounds of keys in while the CLI writes.
        proc = writer(store.path, "CLI", cli_count, "Proposal", pause=0.012)  # type: ignore[arg-type]
        rounds = during = 0
        deadline = time.monotonic() + 40
        # Keep working on the board while the CLI writes (and a few rounds more).
        while (proc.poll() is None or rounds < 5) and time.monotonic() < deadline:
            rounds += 1
            during += proc.poll() is None
            await pilot.press("shift+right")  # the Lead deal under the cursor -> Qualified
            await pilot.press("left")  # back to Lead (the cursor followed the deal)
            await pilot.press("a")
            assert isinstance(app.screen, NoteModal)
            await paste(pilot, f"Board note {rounds}")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert err == ""
        await pilot.pause(0.6)  # a few polls
        shown = {name: int(line.split(" · ")[0].replace(",", "")) for name, line in headers(app).items()}
        expected = {s.stage.name: s.count for s in store.board.summaries(today=TODAY)}
        assert shown == expected
        stale = store.review.stale_count(TODAY)
        said = f"⚠ {stale:,} stale" if stale else "nothing stale"
        assert said in plain(app.screen.query_one("#status", Static))

    assert not [n for n in notified if n[0] == "error" or "locked" in n[2].lower()], notified
    mine = [c for c in store.journal.recent(limit=10_000) if c.origin == store.conn.origin]
    board_moves = [c for c in mine if c.label.startswith("Moved") and c.label.endswith("to Qualified")]
    board_notes = [c for c in mine if c.label.startswith("Note on")]
    assert during >= 3, f"only {during} rounds of keys overlapped the CLI"
    assert len(board_moves) == rounds and len(board_notes) == rounds
    # Nothing lost: both sides' work is all there.
    assert store.deals.count() == 40 + cli_count
    assert count_events(store, "moved") == cli_count + len(board_moves)
    assert count_events(store, "note") == cli_count + len(board_notes)
    cli = kinds_by_title(store, "CLI")
    assert len(cli) == cli_count
    assert all(k[:1] == ["created"] and k.count("moved") >= 1 and k.count("note") == 1 for k in cli.values())
    for entry in board_moves:
        assert entry.deal_id is not None
        assert "moved" in [e.kind.value for e in store.deals.timeline(entry.deal_id)]
    board_texts = [
        r[0] for r in store.conn.db.execute("SELECT text FROM events WHERE text LIKE 'Board note %'")
    ]
    assert sorted(board_texts) == sorted(f"Board note {i}" for i in range(1, rounds + 1))


# ------------------------------------------------------------------ two CLIs


def test_two_cli_processes_writing_at_once_lose_nothing(store: Store) -> None:
    a = writer(store.path, "Alpha", 200, "Qualified")  # type: ignore[arg-type]
    b = writer(store.path, "Bravo", 200, "Proposal")  # type: ignore[arg-type]
    results = [proc.communicate(timeout=120) for proc in (a, b)]
    for proc, (_, err) in zip((a, b), results, strict=True):
        assert "locked" not in err.lower()
        assert proc.returncode == 0, err
        assert err == ""
    store.changed()
    assert store.deals.count() == 400
    for prefix, stage in (("Alpha", "Qualified"), ("Bravo", "Proposal")):
        timelines = kinds_by_title(store, prefix)
        assert sorted(timelines) == [f"{prefix} deal {i:03}" for i in range(200)]
        assert all(kinds == ["created", "moved", "note"] for kinds in timelines.values())
        assert {d.stage_id for d in store.deals.all() if d.company == prefix} == {
            store.shape.find_stage(stage).id
        }


# ------------------------------------------------------------------ two first starts

# argv: FOLDER START TRIALS SIDE. Trial k starts at START + k * 0.12 s (both processes spin to the
# same instant) and runs `pipeline-tui --db FOLDER/new-k.db add ...` on a file that does not exist.
FIRST_START = r"""
import sys, time
from pipeline_tui.cli import main

folder, start, trials, side = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
failed = 0
for k in range(trials):
    while time.time() < start + k * 0.12:
        pass
    failed += main(["--db", f"{folder}/new-{k}.db", "add", f"{side} {k}"]) != 0
sys.exit(1 if failed else 0)
"""


def test_two_processes_creating_the_same_new_file_both_succeed(tmp_path: Path) -> None:
    trials = 20
    start = time.time() + 1.0  # both interpreters are up and spinning by then
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_START, str(tmp_path), str(start), str(trials), side],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for side in ("left", "right")
    ]
    errors = [proc.communicate(timeout=60)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], errors
    assert errors == ["", ""]
    for k in range(trials):
        with Store.open(tmp_path / f"new-{k}.db") as store:
            assert sorted(d.title for d in store.deals.all()) == [f"left {k}", f"right {k}"]


# ------------------------------------------------- a second connection in the same process


@pytest.mark.parametrize("second", ["reader", "open"])
def test_a_second_connection_here_never_drops_the_first_ones_locks(tmp_path: Path, second: str) -> None:
    """The board counts the review on another thread, on a second connection. POSIX locks
    belong to the process: had that connection's opening read the file outside SQLite (a
    header check), closing it would drop the board's locks, and a CLI writing meanwhile
    would checkpoint under the board's reads ("database disk image is malformed")."""
    import threading

    db = tmp_path / "pipeline.db"
    store = Store.open(db)
    for i in range(5):
        builders.add(store, f"Board {i}")
    proc = writer(db, "CLI", 20, "Proposal")
    errors: list[BaseException] = []

    def count_meanwhile() -> None:
        try:
            while proc.poll() is None:
                other = store.reader() if second == "reader" else Store.open(db, readonly=True)
                with other:
                    other.deals.count()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=count_meanwhile)
    thread.start()
    while proc.poll() is None:
        store.deals.count()
        time.sleep(0.005)
    thread.join()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert errors == []
    assert store.deals.count() == 5 + 20
    assert store.conn.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store.close()
    with Store.open(db) as fresh:
        assert fresh.deals.count() == 25

"""The daily review in a real terminal: `pipeline-tui review` (the installed command) opens
the board straight into it; a short review is typed, partly in one burst, and checked in the
database."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_tmux_smoke import COMMAND, tmux, wait_for  # noqa: F401  (tmux is a fixture)

from pipeline_tui.cli import main

pytestmark = [pytest.mark.tmux, pytest.mark.slow]


def test_a_short_review_in_a_real_terminal(tmux: Callable[..., str], tmp_path: Path) -> None:  # noqa: F811
    db = tmp_path / "review.db"
    # Added in October and not touched since: stale on Nov 24, the biggest first.
    for title, value in (("Quiet deal", "9k"), ("Second quiet", "4k"), ("Third quiet", "1k")):
        assert main(["--db", str(db), "--today", "2026-10-01", "add", title, "--value", value]) == 0

    # Wide enough that a toast ("… u to undo", on the right) never covers the summary line;
    # pytest-xdist workers set COLUMNS=80 and LINES=24, which the app would take over the pane's size.
    tmux("new-session", "-d", "-s", "review", "-x", "160", "-y", "36",
         f"env -u COLUMNS -u LINES {COMMAND} --db {db} --today 2026-11-24 review")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "review")  # noqa: E731
    wait_for(lambda: "1 of 3" in screen() and "54 days idle in Lead" in screen(), "the review's first item")
    assert "Quiet deal" in screen()

    tmux("send-keys", "-t", "review", "a")
    wait_for(lambda: "Note on Quiet deal" in screen(), "the note prompt")
    tmux("send-keys", "-t", "review", "-l", "Called, still keen")
    tmux("send-keys", "-t", "review", "C-s")
    wait_for(lambda: "2 of 3" in screen() and "Second quiet" in screen(), "the second item")

    # One send-keys call: a next step for the second deal, then skip the third.
    tmux("send-keys", "-t", "review", "t", "Send the quote", "Enter", "fri", "Enter", "Space")
    summary = "Reviewed 3 of 3 in under a minute: 1 note, 1 next step, 1 skipped; nothing left"
    wait_for(lambda: summary in screen(), "the summary")  # (a frame may be captured half drawn)

    with sqlite3.connect(db) as conn:
        notes = conn.execute(
            "SELECT d.title, e.text FROM events e JOIN deals d ON d.id = e.deal_id WHERE e.kind = 'note'"
        ).fetchall()
        steps = conn.execute("SELECT title, next_step, next_step_due FROM deals ORDER BY id").fetchall()
    assert notes == [("Quiet deal", "Called, still keen")]
    assert steps == [
        ("Quiet deal", "", None),
        ("Second quiet", "Send the quote", "2026-11-27"),
        ("Third quiet", "", None),
    ]

    tmux("send-keys", "-t", "review", "Escape")
    # Every deal the review moved past counts as reviewed (the skip too): today's review is done.
    wait_for(lambda: "✓ review done" in screen(), "the board's status line")
    tmux("send-keys", "-t", "review", "q")
    wait_for(lambda: "review" not in tmux("list-sessions"), "the app to quit")


def test_a_refused_key_drops_the_whole_burst_in_a_real_terminal(
    tmux: Callable[..., str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """The bursts that renamed deals and saved garbled next steps: each starts with a key that
    does nothing on the deal shown, and the rest of it, arriving in the same breath through
    the terminal, must change nothing and open no form."""
    db = tmp_path / "burst.db"
    for title in ("First quiet", "Second quiet"):  # no next step, five days in Lead
        assert main(["--db", str(db), "--today", "2026-11-19", "add", title, "--value", "5k"]) == 0
    tmux("new-session", "-d", "-s", "burst", "-x", "120", "-y", "30",
         f"env -u COLUMNS -u LINES {COMMAND} --db {db} --today 2026-11-24 review")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "burst")  # noqa: E731
    wait_for(lambda: "1 of 2" in screen() and "no next step · 5 days in Lead" in screen(), "the first item")

    bursts = [
        ("x", "t", "Send the deck to Walter", "Tab", "wed", "C-s"),
        ("x", "e", "HQ", "Tab", "wed", "C-s"),
        ("y", "c", "all Eve re legal", "Enter", "C-s"),
    ]
    for number, burst in enumerate(bursts, 1):
        tmux("send-keys", "-t", "burst", *burst)
        said = f"'{burst[0]}' does nothing on this deal"
        wait_for(lambda: said in screen().replace("\n", " "), f"burst {number} refused")  # noqa: B023
        time.sleep(0.6)  # the keyboard quiet for a moment: the next burst is a new one
        assert "1 of 2" in screen() and "Next step:" not in screen() and "Edit #" not in screen()

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT title, company, next_step, stage_id FROM deals ORDER BY id").fetchall()
    assert rows == [("First quiet", "", "", 1), ("Second quiet", "", "", 1)]

    tmux("send-keys", "-t", "burst", "t")  # after a quiet moment, keys act again
    wait_for(lambda: "Next step: First quiet" in screen(), "the next step prompt")
    tmux("send-keys", "-t", "burst", "Escape", "Escape", "Escape")
    wait_for(lambda: "review: 2 to do (d)" in screen(), "the board")
    tmux("send-keys", "-t", "burst", "q")
    wait_for(lambda: "burst" not in tmux("list-sessions"), "the app to quit")

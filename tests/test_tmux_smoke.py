"""Smoke test in a real terminal: the installed command, driven through tmux."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline_tui.cli import main

pytestmark = [pytest.mark.tmux, pytest.mark.slow]

TMUX = shutil.which("tmux")
COMMAND = shutil.which("pipeline-tui", path=str(Path(sys.executable).parent)) or shutil.which("pipeline-tui")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., str]]:
    if TMUX is None:
        pytest.skip("tmux is not installed; the real-terminal smoke test needs it")
    if COMMAND is None:
        pytest.skip("the pipeline-tui command is not installed in this environment")
    socket = f"pipeline-tui-test-{uuid.uuid4().hex[:8]}"
    # pytest-xdist sets COLUMNS and LINES; the app would take them over the pane's size.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"

    def run(*args: str) -> str:
        result = subprocess.run([TMUX, "-L", socket, *args], capture_output=True, text=True,
                                env=env, timeout=20)  # fmt: skip
        return result.stdout

    yield run
    subprocess.run([TMUX, "-L", socket, "kill-server"], capture_output=True, env=env)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_lost_through_the_modal_in_a_real_terminal(tmux: Callable[..., str], tmp_path: Path) -> None:
    db = tmp_path / "smoke.db"
    assert main(["--db", str(db), "add", "Smoke deal", "--company", "Tmux Ltd", "--value", "9k"]) == 0

    tmux("new-session", "-d", "-s", "smoke", "-x", "120", "-y", "36",
         f"{COMMAND} --db {db} --today 2026-11-24")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "smoke")  # noqa: E731
    wait_for(lambda: "Smoke deal" in screen(), "the board to show the deal")

    tmux("send-keys", "-t", "smoke", "l")
    wait_for(lambda: "Closed Lost: Smoke deal" in screen(), "the Closed Lost prompt")
    tmux("send-keys", "-t", "smoke", "-l", "price")
    tmux("send-keys", "-t", "smoke", "Enter")
    time.sleep(0.3)
    tmux("send-keys", "-t", "smoke", "-l", "Budget frozen until April")
    tmux("send-keys", "-t", "smoke", "Tab")
    time.sleep(0.2)
    tmux("send-keys", "-t", "smoke", "-l", "+3m")
    tmux("send-keys", "-t", "smoke", "C-s")

    def lost() -> bool:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT s.kind, r.label, d.loss_note, d.revisit_on FROM deals d "
                "JOIN stages s ON s.id = d.stage_id LEFT JOIN loss_reasons r ON r.id = d.loss_reason_id"
            ).fetchone()
        return row == ("lost", "Price / budget", "Budget frozen until April", "2027-02-24")

    wait_for(lost, "the deal to be saved as Closed Lost")
    tmux("send-keys", "-t", "smoke", "q")
    wait_for(lambda: "smoke" not in tmux("list-sessions"), "the app to quit")


def test_keys_sent_in_one_burst_land_where_they_were_typed(tmux: Callable[..., str], tmp_path: Path) -> None:
    """One send-keys call: the terminal delivers every key at once, as when a fast typist or
    an ssh session gets ahead of the app. The form gets its fields, the Closed Lost prompt
    its reason, competitor and note, all on the deal that was just created."""
    db = tmp_path / "burst.db"
    assert main(["--db", str(db), "add", "Existing deal"]) == 0
    tmux("new-session", "-d", "-s", "burst", "-x", "120", "-y", "36",
         f"{COMMAND} --db {db} --today 2026-11-24")  # fmt: skip
    screen = lambda: tmux("capture-pane", "-p", "-t", "burst")  # noqa: E731
    wait_for(lambda: "Existing deal" in screen(), "the board to show the deal")

    tmux("send-keys", "-t", "burst", "n", "Deal A", "Tab", "Co A", "Tab", "Ct A", "C-s",
         "l", "compet", "Enter", "Rival Co", "Tab", "They undercut us", "C-s")  # fmt: skip

    def saved() -> bool:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT d.title, d.company, d.contact, s.kind, r.label, d.competitor, d.loss_note "
                "FROM deals d JOIN stages s ON s.id = d.stage_id "
                "LEFT JOIN loss_reasons r ON r.id = d.loss_reason_id WHERE d.title = 'Deal A'"
            ).fetchone()
        return row == ("Deal A", "Co A", "Ct A", "lost", "Lost to competitor", "Rival Co", "They undercut us")

    wait_for(saved, "the burst to be saved as typed")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0] == 2
        untouched = conn.execute("SELECT s.kind FROM deals d JOIN stages s ON s.id = d.stage_id "
                                 "WHERE d.title = 'Existing deal'").fetchone()  # fmt: skip
    assert untouched == ("open",)
    tmux("send-keys", "-t", "burst", "q")
    wait_for(lambda: "burst" not in tmux("list-sessions"), "the app to quit")

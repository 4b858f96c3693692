"""Values the app never writes, in a file edited outside it (a SQLite browser, a script, a
file handed over): every command and the board still show the rest, never a traceback;
and a restore refuses such a file, naming the row, instead of carrying the value in.

Each shape is one kind of value Python cannot read back as the app wrote it: dates with a
time or a word in them, impossible dates, moments that are numbers, amounts that are text
or fractions, binary titles, references to stages and reasons that are gone, timeline
entries of unknown kinds or with broken details, broken CRM baselines and journals."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock

from pipeline_tui.cli import main
from pipeline_tui.store import Store

# (shape, SQL; {won}, {lost}, {open} are deal ids)
SHAPES = {
    "close date with a time": "UPDATE deals SET expected_close = '2026-12-01 10:00' WHERE id = {open}",
    "due date that is a word": "UPDATE deals SET next_step_due = 'soon' WHERE id = {open}",
    "impossible revisit date": "UPDATE deals SET revisit_on = '2026-02-30' WHERE id = {lost}",
    "revisit date that is a number": "UPDATE deals SET revisit_on = 20270230 WHERE id = {lost}",
    "activity that is a word": "UPDATE deals SET last_activity_at = 'yesterday' WHERE id = {open}",
    "creation as a number": "UPDATE deals SET created_at = 1764000000 WHERE id = {open}",
    "closing as garbage": "UPDATE deals SET closed_at = '2026-13-45 99:99' WHERE id = {won}",
    "snooze with a time": "UPDATE deals SET snoozed_until = '2026-12-01T00:00' WHERE id = {open}",
    "value as text": "UPDATE deals SET value = 'a lot' WHERE id = {open}",
    "value as a fraction": "UPDATE deals SET value = 12.5 WHERE id = {won}",
    "binary title": "UPDATE deals SET title = X'00FF1B41', company = X'FFFE' WHERE id = {open}",
    "stage that is gone": "UPDATE deals SET stage_id = 999 WHERE id = {open}",
    "reason that is gone": "UPDATE deals SET loss_reason_id = 999, lost_at_stage_id = 998 WHERE id = {lost}",
    "unknown event kind": "UPDATE events SET kind = 'bogus' WHERE deal_id = {open}",
    "event details not JSON": "UPDATE events SET data = '{{nope' WHERE deal_id = {lost}",
    "event time a word": "UPDATE events SET at = 'then' WHERE deal_id = {won}",
    "event stage that is gone": "UPDATE events SET to_stage_id = 999 WHERE deal_id = {won}",
    "baseline not JSON": "UPDATE deals SET crm_baseline = '{{x', source = 'hubspot', source_id = '7' "
    "WHERE id = {open}",
    "journal not JSON": "UPDATE changes SET payload = '[1', at = 'when'",
}

COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["list", "--stale"],
    ["show", "{open}"],
    ["show", "{lost}"],
    ["show", "{won}"],
    ["revisits"],
    ["revisits", "--json"],
    ["revisits", "--ics"],
    ["report", "--period", "all"],
    ["report", "--period", "all", "--json"],
    ["report", "--period", "all", "--csv"],
    ["report", "--period", "all", "--markdown", "--trend"],
    ["export", "notes"],
    ["export", "deals"],
    ["review", "--json"],
    ["note", "{open}", "still readable"],
    ["undo"],
]


def poisoned(tmp_path: Path, shape: str) -> tuple[Path, dict[str, int]]:
    path = tmp_path / "edited.db"
    clock = Clock()
    with Store.open(path, clock=clock) as store:
        opened = builders.add(
            store, "Open one", company="Acme", value=100_000, expected_close=date(2026, 12, 20),
            next_step="call", next_step_due=date(2026, 12, 1),
        )  # fmt: skip
        builders.note(store, opened, "a note")
        won = builders.add(store, "Won one", value=50_000)
        builders.win(store, won)
        lost = builders.add(store, "Lost one", value=70_000)
        builders.lose(store, lost, "Price", revisit_on=date(2027, 1, 5), note="too dear")
    ids = {"open": opened.id, "won": won.id, "lost": lost.id}
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(SHAPES[shape].format(**ids))
    conn.commit()
    conn.close()
    return path, ids


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_command_reads_a_file_with_values_the_app_never_writes(
    tmp_path: Path, shape: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = poisoned(tmp_path, shape)
    for command in COMMANDS:
        argv = ["--db", str(path), "--today", TODAY.isoformat(), *(a.format(**ids) for a in command)]
        code = main(argv)  # an exception here is the traceback a user would see
        captured = capsys.readouterr()
        assert code in (0, 1), (command, code, captured.err)
        if code == 1:  # a refusal is one line that says why
            assert len(captured.err.strip().splitlines()) == 1, (command, captured.err)


@pytest.mark.parametrize("shape", ["close date with a time", "binary title", "unknown event kind"])
async def test_the_board_shows_a_file_with_values_the_app_never_writes(tmp_path: Path, shape: str) -> None:
    from pilot_helpers import SIZE

    from pipeline_tui.app import PipelineApp

    path, ids = poisoned(tmp_path, shape)
    with Store.open(path) as store:
        app = PipelineApp(store, today=TODAY, poll_interval=0)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for key in ("enter", "escape", "s", "escape", "r", "escape", "R", "escape", "d", "escape"):
                await pilot.press(key)
                await pilot.pause()
            assert app.return_code is None and app.fatal_message is None

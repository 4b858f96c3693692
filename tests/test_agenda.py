"""Outside the board: `pipeline-tui today` (the agenda, as text, JSON or a desktop
notification) and `pipeline-tui calendar` (one .ics of next steps and revisits whose events
keep their identity: re-importing updates them, and what is done leaves the calendar)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import builders
import icalendar
import pytest
from conftest import TODAY, Clock
from pilot_helpers import lose

from pipeline_tui.cli import main
from pipeline_tui.store import Store

HERE = Path(__file__).resolve().parent


@pytest.fixture
def seller(store: Store, clock: Clock) -> Store:
    """Two next steps due today, two overdue, one ahead, one snoozed past due; a revisit due."""
    builders.add(store, "Due today", company="Acme", next_step="Send the quote", next_step_due=TODAY)
    builders.add(store, "Also today", next_step="Call Eve", next_step_due=TODAY)
    builders.add(
        store, "Late", company="Bluefin", next_step="Send the deck", next_step_due=TODAY - timedelta(days=5)
    )
    builders.add(store, "Later late", next_step="Book demo", next_step_due=TODAY - timedelta(days=1))
    builders.add(store, "Ahead", next_step="Demo", next_step_due=TODAY + timedelta(days=3), value=1_600_000)
    quiet = builders.add(store, "Quiet", next_step="Wait", next_step_due=TODAY - timedelta(days=2))
    builders.snooze_stale(store, quiet.id, TODAY + timedelta(days=7))
    clock.set(TODAY - timedelta(days=60))
    lost = builders.add(store, "Came back", company="Cedar")
    lose(store, lost.id, "Price", note="Budget frozen", revisit_on=TODAY - timedelta(days=2))
    clock.set(TODAY)
    return store


def run(store: Store, *args: str) -> int:
    return main(["--db", str(store.path), "--today", TODAY.isoformat(), *args])


def test_today_prints_a_short_agenda(seller: Store, capsys) -> None:
    assert run(seller, "today") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Tue 24 Nov: review 3 to do · 2 next steps due today · 2 overdue · 1 revisit due"
    assert lines[1] == "  Today's review: 3 to do (pipeline-tui review)."
    assert lines[2] == "Next steps due today (2):"
    assert lines[3].endswith("Due today — Acme: Send the quote") and lines[4].endswith("Also today: Call Eve")
    assert lines[5] == "Next steps overdue (2):"
    assert lines[6].endswith("Late — Bluefin: Send the deck (due Thu 19 Nov, 5 days late)")
    assert lines[7].endswith("Later late: Book demo (due Mon 23 Nov, 1 day late)")
    assert lines[8:] == [
        "Revisits due (1):",
        f"  #{seller.deals.find('Came back').id:<5} Came back — Cedar: Price / budget; due since Sun 22 Nov",
    ]


def test_today_json_and_a_long_part_cut_short(seller: Store, capsys) -> None:
    for n in range(12):
        builders.add(seller, f"Overdue {n}", next_step="Chase", next_step_due=TODAY - timedelta(days=3))
    assert run(seller, "today", "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["review"] == {"to_do": 15, "later": 0}
    assert [d["title"] for d in printed["due_today"]] == ["Due today", "Also today"]
    assert printed["overdue"][0] == {
        "id": seller.deals.find("Late").id, "title": "Late", "company": "Bluefin",
        "next_step": "Send the deck", "due": "2026-11-19", "days_late": 5,
    }  # fmt: skip
    assert len(printed["overdue"]) == 14
    assert printed["revisits_due"][0]["lost_for"] == "Price / budget"
    assert run(seller, "today") == 0
    out = capsys.readouterr().out
    assert "  … and 4 more (--all lists every one)" in out
    assert run(seller, "today", "--all") == 0
    assert "more (--all" not in capsys.readouterr().out


def test_today_on_a_quiet_day_and_without_a_pipeline(store: Store, tmp_path: Path, capsys) -> None:
    assert run(store, "today") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Tue 24 Nov: nothing to review",
        "  No next step due, none overdue, no revisit due.",
    ]
    assert main(["--db", str(tmp_path / "none.db"), "today"]) == 0  # reading creates nothing
    assert not (tmp_path / "none.db").exists()


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline_tui", *args], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip


def test_notify_without_a_desktop_prints_and_says_why(seller: Store) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")}
    done = cli("--db", str(seller.path), "--today", TODAY.isoformat(), "today", "--notify", env=env)
    assert done.returncode == 0
    assert done.stdout.startswith("Tue 24 Nov: review 3 to do")
    assert done.stderr == (
        "pipeline-tui: warning: no desktop notification: there is no desktop session here (no D-Bus "
        "session bus: DBUS_SESSION_BUS_ADDRESS is not set); here is the agenda instead.\n"
    )


@pytest.fixture
def desktop(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A D-Bus session bus with a notification service on it (what a desktop session has)."""
    daemon_path = shutil.which("dbus-daemon")
    if daemon_path is None:
        pytest.skip("dbus-daemon is not installed; the desktop notification test needs a session bus")
    daemon = subprocess.Popen([daemon_path, "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
    log = tmp_path / "notifications.jsonl"
    server = subprocess.Popen([sys.executable, str(HERE / "notification_server.py"), str(log)],
                              stdout=subprocess.PIPE, env=env, text=True)  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield env, log
    finally:
        for proc in (server, daemon):
            proc.terminate()
            proc.wait(10)


def test_notify_shows_the_agenda_on_the_desktop(seller: Store, desktop) -> None:  # type: ignore[no-untyped-def]
    env, log = desktop
    done = cli("--db", str(seller.path), "--today", TODAY.isoformat(), "today", "--notify", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    shown = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(shown) == 1 and shown[0]["app"] == "pipeline-tui"
    assert (
        shown[0]["summary"]
        == "Tue 24 Nov: review 3 to do · 2 next steps due today · 2 overdue · 1 revisit due"
    )
    assert shown[0]["body"].splitlines()[:2] == [
        "Today's review: 3 to do (pipeline-tui review).",
        "Next steps due today (2):",
    ]


# ------------------------------------------------------------------- calendar


def events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_calendar_holds_next_steps_and_revisits_with_stable_uids(
    seller: Store, tmp_path: Path, capsys
) -> None:
    target = tmp_path / "pipeline.ics"
    assert run(seller, "calendar", "-o", str(target)) == 0
    # Every dated next step (the snoozed deal's too: a calendar is the whole schedule).
    assert "Wrote 6 next steps and 1 revisit to" in capsys.readouterr().err
    found = events(target)
    late = seller.deals.find("Late")
    step = found[f"step-{late.id}@pipeline-tui"]
    assert step["SUMMARY"] == "Send the deck: Late (Bluefin)"
    assert step.decoded("DTSTART") == date(2026, 11, 19) and step["STATUS"] == "CONFIRMED"
    ahead = found[f"step-{seller.deals.find('Ahead').id}@pipeline-tui"]
    assert "$16,000" in str(ahead["DESCRIPTION"])
    revisit = found[
        f"revisit-{seller.deals.find('Came back').id}@pipeline-tui"
    ]  # the UID revisits --ics uses
    assert revisit["SUMMARY"] == "Revisit: Came back (Cedar)" and "Budget frozen" in str(
        revisit["DESCRIPTION"]
    )

    # A step moved, a deal won, a revisit closed out: written again, the file updates the first
    # (same UID, a higher SEQUENCE) and cancels the other two, once.
    builders.edit(seller, late.id, next_step_due=TODAY + timedelta(days=2))
    builders.mark_won(seller, seller.deals.find("Due today").id)
    builders.close_revisit(seller, seller.deals.find("Came back").id)
    assert run(seller, "calendar", "-o", str(target)) == 1  # it exists: --force replaces it
    assert "already exists; add --force" in capsys.readouterr().err
    assert run(seller, "calendar", "-o", str(target), "--force") == 0
    assert "(2 done or removed since: cancelled)" in capsys.readouterr().err
    again = events(target)
    moved = again[f"step-{late.id}@pipeline-tui"]
    assert moved.decoded("DTSTART") == date(2026, 11, 26) and moved["SEQUENCE"] > step["SEQUENCE"]
    won = again[f"step-{seller.deals.find('Due today').id}@pipeline-tui"]
    gone = again[str(revisit["UID"])]
    assert won["STATUS"] == gone["STATUS"] == "CANCELLED"
    assert gone["SEQUENCE"] == revisit["SEQUENCE"] + 1 and gone["SUMMARY"] == revisit["SUMMARY"]
    # Cancelled events stay a month (a calendar imported now and then still hears of them).
    later = TODAY + timedelta(days=31)
    assert main(["--db", str(seller.path), "--today", later.isoformat(), "calendar", "-o", str(target),
                 "--force"]) == 0  # fmt: skip
    assert str(revisit["UID"]) not in events(target)


def test_calendar_to_standard_output_and_revisits_ics_unchanged(seller: Store, capsys) -> None:
    assert run(seller, "calendar") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("BEGIN:VCALENDAR\r\n") and captured.out.count("BEGIN:VEVENT") == 7
    assert run(seller, "revisits", "--ics") == 0
    assert capsys.readouterr().out.count("BEGIN:VEVENT") == 1  # revisits only, as before


def test_a_calendar_not_ours_is_never_read_as_ours(seller: Store, tmp_path: Path, capsys) -> None:
    other = tmp_path / "work.ics"
    other.write_text("BEGIN:VCALENDAR\r\nPRODID:-//Someone else//EN\r\nBEGIN:VEVENT\r\nUID:x@y\r\n"
                     "DTSTART;VALUE=DATE:20261201\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")  # fmt: skip
    assert run(seller, "calendar", "-o", str(other), "--force") == 0
    assert "x@y" not in events(other) and "cancelled" not in capsys.readouterr().err


async def test_the_same_calendar_from_the_board(make_app, seller: Store, tmp_path: Path) -> None:
    from textual.widgets import Input

    from pipeline_tui.modals.confirm import ConfirmModal

    target = tmp_path / "from-board.ics"
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        app.screen.query_one("#prompt-input", Input).value = str(target)
        await pilot.press("enter")
        assert app.messages[-1].text == f"Wrote 6 next steps and 1 revisit to {target}"
        builders.mark_won(seller, seller.deals.find("Late").id)
        await pilot.press("i")
        app.screen.query_one("#prompt-input", Input).value = str(target)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)  # it exists: replaced after a yes
        await pilot.press("y")
        assert app.messages[-1].text.startswith("Wrote 5 next steps and 1 revisit (1 done or removed since")
    assert events(target)[f"step-{seller.deals.find('Late').id}@pipeline-tui"]["STATUS"] == "CANCELLED"


def test_stored_text_in_the_calendar_is_escaped_and_folded(store: Store, tmp_path: Path) -> None:
    title = "Evil\x1b[31m; deal, with\r\nBREAK:VEVENT and a long tail " + "é" * 60
    deal = builders.add(store, title, next_step="Call; then, \\ write", next_step_due=TODAY)
    target = tmp_path / "hostile.ics"
    assert run(store, "calendar", "-o", str(target)) == 0
    raw = target.read_bytes()
    assert b"\x1b" not in raw and b"\r\nBREAK:VEVENT" not in raw
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    event = events(target)[f"step-{deal.id}@pipeline-tui"]
    # The escape shows as a mark (as on the terminal), never as the control character.
    assert str(event["SUMMARY"]) == "Call; then, \\ write: " + title.replace("\x1b", "␛").replace(
        "\r\n", "\n"
    )


def test_a_step_done_is_cancelled_and_not_one_whose_uid_it_begins(store: Store, tmp_path: Path) -> None:
    """step-1 is done; step-10 (its UID begins the same) is not: only step-1 is cancelled."""
    first = builders.add(store, "One", next_step="Call", next_step_due=TODAY)
    for n in range(2, 11):
        builders.add(store, f"Deal {n}", next_step="Mail", next_step_due=TODAY + timedelta(days=n))
    target = tmp_path / "c.ics"
    assert run(store, "calendar", "-o", str(target)) == 0
    builders.mark_won(store, first.id)
    assert run(store, "calendar", "-o", str(target), "--force") == 0
    found = events(target)
    assert [uid for uid, e in found.items() if e["STATUS"] == "CANCELLED"] == [
        f"step-{first.id}@pipeline-tui"
    ]
    assert found[f"step-{first.id}@pipeline-tui"]["SUMMARY"] == "Call: One"

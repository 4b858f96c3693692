"""Undo puts back everything a change changed, and only where the user is: the board undoes
the board's changes, Settings its own, the command line the last change of all."""

from __future__ import annotations

import builders
from conftest import TODAY, Clock
from pilot_helpers import SIZE, paste, stage_id

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.modals.prompts import NoteModal, PromptModal
from pipeline_tui.models import EventKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.screens.settings import SettingsScreen
from pipeline_tui.screens.stale import StaleScreen
from pipeline_tui.store import Store


def notices(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.text for n in app.messages]


def keybar(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one(KeyBar).text


async def test_undoing_a_note_puts_the_deal_back_on_the_stale_list(
    make_app, store: Store, clock: Clock
) -> None:
    clock.advance(days=-30)
    idle = builders.add(store, "Idle deal")
    clock.advance(days=30)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        stale = app.screen
        assert isinstance(stale, StaleScreen) and stale.row_ids == [idle.id]
        await pilot.press("a")
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Called")
        await pilot.press("ctrl+s")
        assert stale.row_ids == []  # a note is activity
        assert any(m.endswith("u to undo") for m in notices(app))
        await pilot.press("u")
        assert stale.row_ids == [idle.id]  # its last activity is back: idle again
    deal = store.deals.get(idle.id)
    assert deal.last_activity_at == idle.last_activity_at
    assert store.deals.notes(idle.id) == []  # the note is retracted (kept in the file, out of exports)
    assert store.deals.timeline(idle.id)[-1].kind is EventKind.UNDONE


async def test_undo_shows_in_the_key_bar_once_there_is_something_to_undo(make_app, store: Store) -> None:
    builders.add(store, "First deal")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Undo" not in keybar(app)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert "Undo" in keybar(app)
        assert notices(app)[-1] == "Moved #1 First deal to Qualified.  ·  u to undo"


async def test_settings_u_undoes_the_settings_change_never_a_board_change(make_app, store: Store) -> None:
    deal = builders.add(store, "First deal")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("greater_than_sign")  # a board change
        await pilot.press("comma")
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("u")  # nothing of the settings' own yet
        assert notices(app)[-1] == "Nothing to undo here."
        assert store.deals.get(deal.id).stage_id == stage_id(store, "Qualified")
        await pilot.press("r")  # rename the first stage
        assert isinstance(app.screen, PromptModal)
        await pilot.press("ctrl+u")
        await paste(pilot, "Prospect")
        await pilot.press("enter")
        assert store.shape.stage(stage_id(store, "Prospect")).position == 0
        await pilot.press("u")
        assert [s.name for s in store.shape.stages()][0] == "Lead"
        assert store.deals.get(deal.id).stage_id == stage_id(store, "Qualified")  # the board's move stays
        await pilot.press("escape", "u")  # on the board, u undoes the board's move
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Lead")


async def test_board_u_never_undoes_another_process_change(make_app, store: Store) -> None:
    deal = builders.add(store, "First deal")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert main(["--db", str(store.path), "--today", TODAY.isoformat(), "move", "1", "Proposal"]) == 0
        await pilot.press("u")
        assert notices(app)[-1] == "Nothing to undo."
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Proposal")


def test_cli_undo_takes_back_the_last_change_of_all(store: Store, capsys) -> None:  # type: ignore[no-untyped-def]
    deal = builders.add(store, "First deal")
    ops.move(store, [deal.id], stage_id(store, "Proposal"))  # e.g. on the board
    assert main(["--db", str(store.path), "--today", TODAY.isoformat(), "undo"]) == 0
    assert capsys.readouterr().out == "Undid: Moved #1 First deal to Proposal.\n"
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Lead")
    # Next comes adding the deal: all it has done since was undone, so it goes (undo stuck
    # there before, every time, and nothing older could be undone).
    assert main(["--db", str(store.path), "undo"]) == 0
    assert capsys.readouterr().out == "Undid: Added #1 First deal.\n"
    assert store.deals.count() == 0


def test_undo_of_a_stage_rename_and_of_a_preference(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipeline_tui.config import Settings, load_settings

    lead = store.shape.find_stage("Lead")
    ops.update_stage(store, lead.id, "Renamed Lead", name="Prospect")
    config = tmp_path / "prefs.toml"
    done = ops.set_preference(Settings(), "closed_days", "60", config_path=config, store=store)
    assert load_settings(config)[0].closed_days == 60 and done.change_id is not None
    undone = ops.undo(store)
    assert undone.settings == Settings() and load_settings(config)[0].closed_days == 30
    ops.undo(store)
    assert store.shape.stage(lead.id).name == "Lead"


def test_undo_refuses_when_the_deal_moved_since(store: Store) -> None:
    import pytest

    from pipeline_tui.errors import RuleError

    deal = builders.add(store, "First deal")
    ops.edit(store, [deal.id], {"title": "Renamed"})
    store.conn.origin = "other"  # another session moves it after the edit
    builders.move(store, deal.id, stage_id(store, "Proposal"))
    store.conn.origin = "cli"
    undone = ops.undo(store, origin="cli")  # the title goes back; the move is not the edit's
    assert undone.deal is not None and undone.deal.title == "First deal"
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Proposal")
    ops.move(store, [deal.id], stage_id(store, "Negotiation"))
    store.conn.origin = "other"
    builders.move(store, deal.id, stage_id(store, "Qualified"))
    store.conn.origin = "cli"
    with pytest.raises(RuleError, match="moved since"):
        ops.undo(store, origin="cli")
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Qualified")


def test_notes_cli_and_plain_undo_label(store: Store) -> None:
    deal = builders.add(store, "First deal")
    done = ops.note(store, [deal.id], "hello")
    assert done.message == "Noted on #1 First deal."
    undone = ops.undo(store)
    assert undone.message == "Undid: Note on #1 First deal."
    assert store.deals.get(deal.id).last_activity_at == deal.last_activity_at


def test_an_undone_loss_leaves_the_notes_export(store: Store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A loss taken back is no loss: the deal is open again, and the notes export (what a
    manager or a CRM reads) no longer has the loss row. The timeline keeps it, struck."""
    import csv

    deal = builders.add(store, "Undo me", company="FastCo")
    db = ["--db", str(store.path), "--today", TODAY.isoformat()]
    lose = ["move", str(deal.id), "Closed Lost", "--reason", "price", "--note", "lost then undone"]
    assert main([*db, *lose]) == 0
    assert main([*db, "undo"]) == 0
    out = tmp_path / "notes.csv"
    assert main([*db, "export", "notes", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r for r in rows if r["deal_id"] == str(deal.id)] == []
    assert store.shape.stage(store.deals.get(deal.id).stage_id).name == "Lead"
    lost = [e for e in store.deals.timeline(deal.id) if e.kind is EventKind.LOST]
    assert len(lost) == 1 and lost[0].data.get("retracted") is True
    capsys.readouterr()
    assert main([*db, "show", str(deal.id)]) == 0
    assert "lost (taken back)" in capsys.readouterr().out


async def test_an_undone_loss_from_the_board_leaves_the_export_too(make_app, store: Store) -> None:
    deal = builders.add(store, "Board loss", company="Globex")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l", *"compet", "enter", *"Rival Co", "tab", *"They undercut us", "ctrl+s")
        await pilot.pause()
        assert store.shape.stage(store.deals.get(deal.id).stage_id).name == "Closed Lost"
        assert [r["kind"] for r in store.transfer.note_rows()] == ["lost"]
        await pilot.press("u")
        await pilot.pause()
    assert store.shape.stage(store.deals.get(deal.id).stage_id).name == "Lead"
    assert list(store.transfer.note_rows()) == []

"""A change saved over a deal that changed elsewhere since the user saw it is never silent:
the user is told what changed and chooses (save anyway, reload, cancel). The other writer
is the command line, on the same file, while the board does not poll."""

from __future__ import annotations

import builders
import pytest
from conftest import TODAY
from pilot_helpers import SIZE, paste, stage_id
from textual.widgets import Input, Static

from pipeline_tui.cli import main
from pipeline_tui.modals.deal_form import DealFormModal
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import ChoiceModal, NextStepModal
from pipeline_tui.models import Deal, StageKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.stale import StaleScreen
from pipeline_tui.store import Store


@pytest.fixture
def deal(store: Store) -> Deal:
    return builders.add(store, "Acme renewal", company="Acme", value=1_200_000)


def elsewhere(store: Store, *args: str) -> None:
    """Another process changes the pipeline (the command line, its own connection)."""
    assert main(["--db", str(store.path), "--today", TODAY.isoformat(), *args]) == 0


def choice_text(app) -> str:  # type: ignore[no-untyped-def]
    modal = app.screen
    assert isinstance(modal, ChoiceModal), modal
    return " ".join(str(w.visual.plain) for w in modal.query(Static))


async def open_edit(pilot) -> DealFormModal:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("e")
    modal = pilot.app.screen
    assert isinstance(modal, DealFormModal)
    return modal


async def test_edit_form_saved_over_a_deal_won_elsewhere_asks(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_edit(pilot)
        modal.query_one("#deal-title", Input).value = "Acme renewal 2027"
        elsewhere(store, "move", str(deal.id), "Closed Won")
        await pilot.press("ctrl+s")
        text = choice_text(app)
        assert "changed since you opened it" in text and "stage Lead → Closed Won" in text
        await pilot.press("c")  # cancel: nothing of mine is saved
        assert isinstance(app.screen, BoardScreen)
    now = store.deals.get(deal.id)
    assert now.title == "Acme renewal"
    assert store.shape.stage(now.stage_id).kind is StageKind.WON


async def test_save_anyway_keeps_the_other_change_and_applies_mine(
    make_app, store: Store, deal: Deal
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_edit(pilot)
        modal.query_one("#deal-title", Input).value = "Acme renewal 2027"
        elsewhere(store, "move", str(deal.id), "Closed Won")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("s")
        assert isinstance(app.screen, BoardScreen)
    now = store.deals.get(deal.id)
    assert now.title == "Acme renewal 2027"
    assert store.shape.stage(now.stage_id).kind is StageKind.WON  # my edit never touched the stage


async def test_save_anyway_writes_only_the_fields_i_changed(make_app, store: Store, deal: Deal) -> None:
    """The other process changed a field the form also shows (the company): saving my
    contact anyway keeps their company, never the one the form first showed."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_edit(pilot)
        modal.query_one("#deal-contact", Input).value = "Ana Li"
        elsewhere(store, "edit", str(deal.id), "--company", "Acme Holdings")
        await pilot.press("ctrl+s")
        assert "company" in choice_text(app)
        await pilot.press("s")
        assert isinstance(app.screen, BoardScreen)
    now = store.deals.get(deal.id)
    assert (now.company, now.contact, now.title) == ("Acme Holdings", "Ana Li", "Acme renewal")


async def test_an_edit_form_saved_unchanged_writes_nothing(make_app, store: Store, deal: Deal) -> None:
    events = len(store.deals.timeline(deal.id))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_edit(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.get(deal.id) == deal and len(store.deals.timeline(deal.id)) == events


async def test_reload_reopens_the_form_on_the_deal_as_it_is_keeping_my_edits(
    make_app, store: Store, deal: Deal
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_edit(pilot)
        modal.query_one("#deal-title", Input).value = "Acme renewal 2027"
        elsewhere(store, "edit", str(deal.id), "--company", "Acme Holdings", "--value", "15k")
        await pilot.press("ctrl+s")
        assert "company 'Acme' → 'Acme Holdings'" in choice_text(app)
        await pilot.press("r")
        again = app.screen
        assert isinstance(again, DealFormModal)
        # The other process's changes are in, and so is what I had typed.
        assert again.query_one("#deal-title", Input).value == "Acme renewal 2027"
        assert again.query_one("#deal-company", Input).value == "Acme Holdings"
        assert again.query_one("#deal-value", Input).value == "$15,000"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, BoardScreen)
    now = store.deals.get(deal.id)
    assert (now.title, now.company, now.value) == ("Acme renewal 2027", "Acme Holdings", 1_500_000)


async def test_a_note_added_elsewhere_is_not_a_conflict(make_app, store: Store, deal: Deal) -> None:
    """Only what the user was looking at counts: a note elsewhere changes none of it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        assert isinstance(app.screen, NextStepModal)
        await paste(pilot, "Send the quote")
        elsewhere(store, "note", str(deal.id), "Called from my phone")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.get(deal.id).next_step == "Send the quote"


async def test_move_from_an_out_of_date_board_asks(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        elsewhere(store, "move", str(deal.id), "Proposal")  # the board still shows it in Lead
        await pilot.press("greater_than_sign")
        assert "stage Lead → Proposal" in choice_text(app)
        await pilot.press("c")
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Proposal")  # not moved on again


async def test_loss_from_an_out_of_date_stale_list_asks(make_app, store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    clock.advance(days=-30)
    idle = builders.add(store, "Idle deal")
    clock.advance(days=30)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        assert isinstance(app.screen, StaleScreen)
        elsewhere(store, "move", str(idle.id), "Closed Won")  # won while the list is open
        await pilot.press("l")
        assert isinstance(app.screen, LostModal)
        await pilot.press(*"price", "enter", "ctrl+s")
        assert "stage Lead → Closed Won" in choice_text(app)
        await pilot.press("escape")  # no answer is no change
        assert isinstance(app.screen, StaleScreen)
    assert store.shape.stage(store.deals.get(idle.id).stage_id).kind is StageKind.WON

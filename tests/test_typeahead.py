"""Every key acts on what the user saw: keys sent in one burst, as a terminal delivers them
when the app is busy (or over ssh), land in the form or on the deal they were typed for.

`burst` posts every key to the app at once, before the app has handled any of them (a
person typing ahead), then waits; each test asserts on the store."""

from __future__ import annotations

from dataclasses import dataclass

import builders
import pytest
from pilot_helpers import SIZE, key_name, stage_id
from textual import events
from textual.pilot import Pilot

from pipeline_tui.models import Deal, StageKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.store import Store


class Typed(str):
    """Text typed key by key (each character its own key event)."""


async def burst(pilot: Pilot, *keys: str) -> None:
    """Send every key at once, then wait until the app has handled them all."""
    app = pilot.app
    for key in keys:
        if isinstance(key, Typed):
            for char in key:
                name = char if char.isalnum() else key_name(char)
                app.post_message(events.Key(name, char))
        else:
            char = {"space": " ", "greater_than_sign": ">", "less_than_sign": "<"}.get(key)
            if len(key) == 1:
                char, key = key, (key if key.isalnum() else key_name(key))
            app.post_message(events.Key(key, char))
    await pilot.pause()
    await pilot.pause()


@dataclass
class Board:
    first: Deal
    second: Deal
    third: Deal
    qualified: Deal


@pytest.fixture
def board(store: Store) -> Board:
    return Board(
        builders.add(store, "First deal", company="Acme"),
        builders.add(store, "Second deal", company="Bluefin"),
        builders.add(store, "Third deal", company="Cobalt"),
        builders.add(store, "Qualified deal", stage_id=stage_id(store, "Qualified")),
    )


async def test_n_then_fields_typed_ahead_land_in_their_fields(make_app, store: Store, board: Board) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "n", Typed("Deal A"), "tab", Typed("Co A"), "tab", Typed("Ct A"), "ctrl+s")
        assert isinstance(app.screen, BoardScreen)
    deal = store.deals.find("Deal A")
    assert (deal.title, deal.company, deal.contact) == ("Deal A", "Co A", "Ct A")


async def test_lost_prompt_typed_ahead_picks_the_filtered_reason_and_the_competitor_field(
    make_app, store: Store, board: Board
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(
            pilot,
            "l",
            Typed("compet"),
            "enter",
            Typed("Rival Co"),
            "tab",
            Typed("They undercut us"),
            "ctrl+s",
        )
        assert isinstance(app.screen, BoardScreen)
    deal = store.deals.get(board.first.id)
    assert store.shape.stage(deal.stage_id).kind is StageKind.LOST
    assert store.shape.reason(deal.loss_reason_id or 0).label == "Lost to competitor"
    assert (deal.competitor, deal.loss_note) == ("Rival Co", "They undercut us")


async def test_second_move_acts_on_the_same_deal(make_app, store: Store, board: Board) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "greater_than_sign", "greater_than_sign")
    # The first card moved two stages; the cards that slid under the cursor did not move.
    assert store.deals.get(board.first.id).stage_id == stage_id(store, "Proposal")
    assert store.deals.get(board.second.id).stage_id == stage_id(store, "Lead")
    assert store.deals.get(board.third.id).stage_id == stage_id(store, "Lead")


async def test_note_typed_ahead_is_saved(make_app, store: Store, board: Board) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "a", Typed("quick note"), "ctrl+s")
        assert isinstance(app.screen, BoardScreen)
    assert [n.text for n in store.deals.notes(board.first.id)] == ["quick note"]


async def test_column_keys_are_never_dropped(make_app, store: Store, board: Board) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "right", "right", "right")
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        assert screen.current_stage_id == stage_id(store, "Negotiation")
        await burst(pilot, "left", "left", "n", Typed("In Qualified"), "ctrl+s")
    assert store.deals.find("In Qualified").stage_id == stage_id(store, "Qualified")


async def test_two_notes_typed_ahead_on_two_deals(make_app, store: Store, board: Board) -> None:
    """a text ctrl+s j a text ctrl+s: the second note goes to the card the j moved to."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "a", Typed("one"), "ctrl+s", "j", "a", Typed("two"), "ctrl+s")
    assert [n.text for n in store.deals.notes(board.first.id)] == ["one"]
    assert [n.text for n in store.deals.notes(board.second.id)] == ["two"]


async def test_quit_key_typed_into_a_form_is_text(make_app, store: Store, board: Board) -> None:
    """q quits on the board, but typed ahead into a form it is a letter."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "n", Typed("quarterly review"), "ctrl+s")
        assert app.is_running
    assert store.deals.find("quarterly review").company == ""


async def test_escape_then_keys_act_on_the_board_again(make_app, store: Store, board: Board) -> None:
    """An untouched form closed with escape: the next keys act on the board's deal."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await burst(pilot, "l", "escape", "w")
    assert store.shape.stage(store.deals.get(board.first.id).stage_id).kind is StageKind.WON

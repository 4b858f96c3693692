"""A refused key stops the whole burst; quit, ctrl+c and the palette always pass; clicks wait
behind the keys typed before them (keygate.py).

The gate drops keys until the keyboard has been quiet for QUIET_S after a refused key. These
tests give it a clock they move by hand, so "still arriving in the same burst" and "after a
pause" do not depend on how fast the machine is."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import builders
import pytest
from conftest import TODAY, Clock
from pilot_helpers import SIZE, add_at
from test_bad_input import post_key, queue_text
from textual import events
from textual.app import App
from textual.command import CommandPalette

from pipeline_tui.keygate import QUIET_S, KeyGate
from pipeline_tui.modals.base import FormModal
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.review import ReviewScreen
from pipeline_tui.screens.stale import StaleScreen
from pipeline_tui.store import Store


class KeyClock:
    """The gate's clock: moves only when the test says."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def gated(app) -> KeyClock:  # type: ignore[no-untyped-def]
    """Give the app's key gate a clock the test moves (the gate routes through Textual's own
    App.on_event, as the app's does)."""
    clock = KeyClock()
    app.gate = KeyGate(app, lambda event: App.on_event(app, event), clock=clock)
    return clock


@pytest.fixture
def stale_deals(store: Store, clock: Clock) -> list[int]:
    return [
        add_at(store, clock, TODAY - timedelta(days=30), f"Quiet {n}", company=f"Co {n}").id
        for n in (1, 2, 3)
    ]


def opened_forms(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [type(s).__name__ for s in app.screen_stack if isinstance(s, FormModal)]


@pytest.mark.parametrize("where", ["review", "board", "stale"])
async def test_keys_after_a_refused_key_never_open_a_form(
    make_app, store: Store, stale_deals: list[int], where: str
) -> None:
    """The burst `x t Send the deck to Walter Tab wed ctrl+s`: x does nothing, so neither t
    nor the e of 'deck' opens a form, nor does `e` typed while the burst goes on; once the
    keyboard has been quiet for a moment, keys act again."""
    before = {d.id: d for d in store.deals.all()}
    app = make_app()
    clock = gated(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if where != "board":
            await pilot.press("d" if where == "review" else "s")
        screen = app.screen
        assert isinstance(screen, {"review": ReviewScreen, "board": BoardScreen, "stale": StaleScreen}[where])
        # One burst, all posted before the first is handled.
        post_key(app, "x" if where != "board" else "b", "x" if where != "board" else "b")
        post_key(app, "t", "t")
        queue_text(app, "Send the deck to Walter")
        post_key(app, "tab", "\t")
        queue_text(app, "wed")
        post_key(app, "ctrl+s", None)
        await pilot.pause()
        assert app.screen is screen and opened_forms(app) == []
        # Still the same burst (the clock has not moved): an `e` is dropped too, and so on.
        clock.now += QUIET_S / 2
        post_key(app, "e", "e")
        await pilot.pause()
        clock.now += QUIET_S / 2
        post_key(app, "a", "a")
        await pilot.pause()
        assert app.screen is screen and opened_forms(app) == []
        said = [m.text for m in app.messages if "the keys typed after it were dropped" in m.text]
        assert len(said) == 1 and said[0].startswith(("'x' does nothing", "'b' does nothing"))
        # Quiet for a moment: the next key acts.
        clock.now += QUIET_S + 0.01
        await pilot.press("a")
        assert opened_forms(app) == ["NoteModal"]
        await pilot.press("escape")
    assert {d.id: d for d in store.deals.all()} == before  # nothing was changed


async def until(check, what: str) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `check()` holds (pilot's pause waits for held keys: not here)."""
    for _ in range(2000):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


async def test_quit_and_the_palette_pass_while_a_change_waits_for_the_lock(
    make_app, store: Store, stale_deals: list[int]
) -> None:
    """Another process holds the write lock (an import): a move waits for it, and the keys
    typed meanwhile wait in order; ctrl+p opens the palette (and what is typed into it is not
    held), and ctrl+q quits at once."""
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            post_key(app, "greater_than_sign", ">")  # waits for the lock, retrying every second
            await until(lambda: any(m.title == "Waiting" for m in app.messages), "the wait said")
            post_key(app, "a", "a")  # held behind the move, in order
            post_key(app, "ctrl+p", None)
            await until(lambda: isinstance(app.screen, CommandPalette), "the palette")
            post_key(app, "escape", None)
            await until(lambda: isinstance(app.screen, BoardScreen), "the palette closed")
            assert opened_forms(app) == [] and not app.gate.idle  # the `a` still waits
            post_key(app, "ctrl+q", None)
            await until(lambda: not app.is_running, "quit")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert all(store.deals.get(i).stage_id == store.deals.get(stale_deals[0]).stage_id for i in stale_deals)
    assert not any(store.deals.notes(i) for i in stale_deals)


async def test_ctrl_c_says_how_to_quit_in_plain_words(make_app, store: Store) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        assert app.messages[-1].text == "Press ctrl+q (or q on the board) to quit."
        assert "[b]" not in app.messages[-1].text and app.is_running


async def test_a_click_waits_behind_the_keys_typed_before_it(make_app, store: Store) -> None:
    """`→` then a click on the first card of the first column, in one burst: the click acts
    after the key (the first column ends up focused), not between the keys."""
    builders.add(store, "In Lead")
    builders.add(store, "In Qualified", stage_id="Qualified")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen) and board.current_deal.title == "In Lead"
        post_key(app, "right", None)
        post_key(app, "right", None)
        view = board.view
        x, y = view.region.x + 2, view.region.y + 3  # the first card of the first column
        for cls in (events.MouseDown, events.MouseUp):
            event = cls(view, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y)
            event.set_sender(app)
            app.post_message(event)
        await pilot.pause()
        assert board.current_deal is not None and board.current_deal.title == "In Lead"
        assert board.view.focus_index == 0

"""Several cards at once: space marks cards on the board (a mark that shows without colour
too), and the next action acts on every marked card, as one change that one `u` takes back."""

from __future__ import annotations

from datetime import timedelta

import builders
import pytest
from conftest import TODAY
from pilot_helpers import SIZE, focus_first_card, paste, plain, stage_id
from textual.widgets import Static

from pipeline_tui.models import Deal, RevisitState, StageKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.store import Store
from pipeline_tui.widgets.board_view import MARK


@pytest.fixture
def leads(store: Store) -> list[Deal]:
    return [builders.add(store, f"Lead {n}", company=f"Co {n}", value=n * 100_000) for n in range(1, 5)]


async def mark(pilot, *positions: int) -> None:  # type: ignore[no-untyped-def]
    """Mark the Lead column's cards at `positions` (0 is the top card)."""
    focus_first_card(pilot.app)
    at = 0
    for position in positions:
        await pilot.press(*(["down"] * (position - at)), "space")
        at = position + 1


def stages(store: Store, deals: list[Deal]) -> list[str]:
    return [store.shape.stage(store.deals.get(d.id).stage_id).name for d in deals]


async def test_space_marks_cards_visibly_and_escape_clears_the_marks(
    make_app, store: Store, leads: list[Deal], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await mark(pilot, 0, 2)
        board = app.screen
        assert isinstance(board, BoardScreen)
        column = board.view.column_text(0, 2)  # the first card's title line
        assert column.strip().endswith(MARK + "Lead 1")  # a glyph, not a colour
        lines = [board.view.column_text(0, y).strip() for y in range(20)]
        assert sum(MARK in line for line in lines) == 2
        assert "◆ 2 marked" in plain(board.query_one("#status", Static))
        await pilot.press("space")  # on Lead 4 (after the second mark): a third mark
        assert len(board.marked) == 3
        await pilot.press("up", "space")  # Lead 3 again: unmarked
        assert sorted(d.title for d in board.marked.values()) == ["Lead 1", "Lead 4"]
        await pilot.press("escape")
        assert board.marked == {} and "marked" not in plain(board.query_one("#status", Static))
        assert not any(MARK in board.view.column_text(0, y) for y in range(20))


async def test_lost_on_marked_cards_is_one_reason_one_note_one_revisit_and_one_undo(
    make_app, store: Store, leads: list[Deal]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await mark(pilot, 0, 1, 3)
        await pilot.press("l")
        modal = app.screen
        assert modal.subject == "3 deals"  # type: ignore[attr-defined]
        await pilot.press(*"price", "enter")
        await paste(pilot, "Budget frozen for the year")
        await pilot.press("tab")
        await paste(pilot, "+6m")
        await pilot.press("ctrl+s")
        await pilot.pause()
        marked = [leads[0], leads[1], leads[3]]
        lost = [store.deals.get(d.id) for d in marked]
        assert {store.shape.stage(d.stage_id).kind for d in lost} == {StageKind.LOST}
        assert {(d.loss_note, d.revisit_state) for d in lost} == {
            ("Budget frozen for the year", RevisitState.PENDING)
        }
        assert {store.shape.reason(d.loss_reason_id or 0).label for d in lost} == {"Price / budget"}
        assert stages(store, [leads[2]]) == ["Lead"]  # the card not marked
        assert len(store.journal.recent()) == 5  # four adds and one loss of three deals
        assert app.screen.marked == {}  # type: ignore[attr-defined]  # spent
        await pilot.press("u")
        await pilot.pause()
        assert stages(store, marked) == ["Lead"] * 3


async def test_moves_won_note_snooze_and_archive_act_on_every_marked_card(
    make_app, store: Store, leads: list[Deal]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await mark(pilot, 0, 1)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert stages(store, leads) == ["Qualified", "Qualified", "Lead", "Lead"]

        await mark(pilot, 0, 1)  # the two left in Lead
        await pilot.press("m", "p", "enter")  # Proposal
        await pilot.pause()
        assert stages(store, leads[2:]) == ["Proposal", "Proposal"]

        await mark(pilot, 0, 1)  # nothing left in Lead: marking an empty column marks nothing
        assert app.screen.marked == {}  # type: ignore[attr-defined]

        board = app.screen
        assert isinstance(board, BoardScreen)
        board.focus_deal(store.deals.get(leads[0].id))
        await pilot.press("space", "space")  # both Qualified cards
        await pilot.press("a")
        await paste(pilot, "Called both about the pilot")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [n.text for d in leads[:2] for n in store.deals.notes(d.id)] == [
            "Called both about the pilot"
        ] * 2

        board.focus_deal(store.deals.get(leads[0].id))
        await pilot.press("space", "space", "z")
        await paste(pilot, "+1w")
        await pilot.press("enter")
        await pilot.pause()
        assert {store.deals.get(d.id).snoozed_until for d in leads[:2]} == {TODAY + timedelta(days=7)}

        board.focus_deal(store.deals.get(leads[2].id))
        await pilot.press("space", "space", "w", *"beat", "enter", *"Acme", "enter", "enter")  # one reason
        await pilot.pause()
        assert stages(store, leads[2:]) == ["Closed Won", "Closed Won"]
        assert {store.deals.get(d.id).competitor for d in leads[2:]} == {"Acme"}

        board.focus_deal(store.deals.get(leads[0].id))
        await pilot.press("space", "space", "A", "y")
        await pilot.pause()
        assert store.deals.count() == 2 and store.deals.count(archived=True) == 2
        await pilot.press("u")
        await pilot.pause()
        assert store.deals.count() == 4


async def test_edit_and_detail_act_on_the_card_under_the_cursor_only(
    make_app, store: Store, leads: list[Deal]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await mark(pilot, 0, 1)  # the cursor is now on Lead 3
        await pilot.press("e")
        assert app.screen.deal.title == "Lead 3"  # type: ignore[attr-defined]
        await pilot.press("escape", "enter")
        assert app.screen.deal_id == leads[2].id  # type: ignore[attr-defined]


async def test_a_marked_card_changed_elsewhere_asks_before_the_change(
    make_app, store: Store, leads: list[Deal]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await mark(pilot, 0, 1)
        builders.edit(store, leads[1].id, value=999_00)  # another process, while marked
        await pilot.press("w", "enter")
        await pilot.pause()
        assert "Lead 2 changed since you opened it" in app.screen.text  # type: ignore[attr-defined]
        assert stages(store, leads[:2]) == ["Lead", "Lead"]
        await pilot.press("s")  # save anyway
        await pilot.pause()
        assert stages(store, leads[:2]) == ["Closed Won", "Closed Won"]
        assert store.deals.get(leads[1].id).value == 999_00


async def test_a_marked_deal_in_another_column_comes_along(make_app, store: Store, leads: list[Deal]) -> None:
    qualified = builders.add(store, "Qualified one", stage_id=stage_id(store, "Qualified"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await mark(pilot, 0)
        await pilot.press("right", "space", "greater_than_sign")
        await pilot.pause()
        assert stages(store, [leads[0], qualified]) == ["Qualified", "Proposal"]

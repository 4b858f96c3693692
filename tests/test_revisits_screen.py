"""The revisits list (`r`): lost deals due again and coming up; reopen, snooze, note, close out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import builders
import pytest
from conftest import START, Clock
from pilot_helpers import SIZE, lose, paste, plain, stage_id, table_rows, type_text
from pilot_helpers import listed as listed_rows
from textual.widgets import Input, OptionList, Static

from pipeline_tui.modals.prompts import NoteModal, PromptModal, StageModal
from pipeline_tui.models import Deal, EventKind, RevisitState
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.screens.revisits import RevisitsScreen
from pipeline_tui.store import Store
from pipeline_tui.widgets.deal_rows import DealRows


@dataclass
class Lost:
    overdue: Deal  # revisit on Nov 20: 4 days overdue
    today: Deal  # revisit today, lost to a competitor
    upcoming: Deal  # revisit Dec 10: in 16 days


@pytest.fixture
def lost(store: Store, clock: Clock) -> Lost:
    qualified, proposal = stage_id(store, "Qualified"), stage_id(store, "Proposal")
    clock.set(datetime(2026, 8, 3, 10, 0))  # lost in the summer
    found = Lost(
        builders.add(store, "Overdue deal", company="Acme", value=300_000, stage_id=proposal),
        builders.add(store, "Due today", company="Bluefin", value=1_250_000, stage_id=qualified),
        builders.add(store, "Coming up", company="Cobalt", value=700_000),
    )
    lose(store, found.overdue.id, "Price", note="Budget next year", revisit_on=date(2026, 11, 20))
    lose(store, found.today.id, "competitor", competitor="HubSpot",
         note="Went with HubSpot\nfor the CRM bundle", revisit_on=date(2026, 11, 24))  # fmt: skip
    lose(store, found.upcoming.id, "Timing", revisit_on=date(2026, 12, 10))
    # Not listed: beyond 30 days, closed out, no revisit date, and an open deal.
    far = builders.add(store, "Far off")
    lose(store, far.id, "Price", revisit_on=date(2027, 3, 1))
    closed = builders.add(store, "Closed out")
    lose(store, closed.id, "Price", revisit_on=date(2026, 11, 15))
    builders.close_revisit(store, closed.id)
    gone = builders.add(store, "No potential")
    lose(store, gone.id, "Unqualified")
    clock.set(START)
    builders.add(store, "Open deal")
    return found


EXPECTED_ROWS = [
    ["Nov 20 · 4 days late", "Overdue deal — Acme", "Price / budget", "Budget next year", "$3k"],
    ["Nov 24 · due today", "Due today — Bluefin", "Lost to competitor (HubSpot)",
     "Went with HubSpot for the CRM bundle", "$12.5k"],
    ["Dec 10 · in 16 days", "Coming up — Cobalt", "Timing / no urgency", "", "$7k"],
]  # fmt: skip


async def open_revisits(pilot) -> tuple[RevisitsScreen, DealRows]:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("r")
    screen = pilot.app.screen
    assert isinstance(screen, RevisitsScreen)
    return screen, screen.query_one(DealRows)


def titles(table: DealRows) -> list[str]:
    return [d.title for d in listed_rows(table)]


def listed(store: Store) -> tuple[list[str], list[str]]:
    due, upcoming = store.review.revisits(date(2026, 11, 24))
    return [d.title for d in due], [d.title for d in upcoming]


async def test_r_lists_due_and_upcoming_revisits_with_reason_and_note(
    make_app, store: Store, lost: Lost
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_revisits(pilot)
        assert table_rows(table) == EXPECTED_ROWS
        title = plain(screen.query_one("#revisits-title", Static))
        assert title.startswith("Revisits · 2 due · 1 in the next 30 days")
        assert screen.focused is table
    assert listed(store) == (["Overdue deal", "Due today"], ["Coming up"])


async def test_o_reopens_into_a_chosen_open_stage_keeping_the_old_loss(
    make_app, store: Store, lost: Lost
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_revisits(pilot)
        await pilot.press("o")  # the first row: Overdue deal
        assert isinstance(app.screen, StageModal)
        options = app.screen.query_one(OptionList)
        names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert names == ["Lead", "Qualified", "Proposal", "Negotiation"]  # open stages only
        await pilot.press("p", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert titles(table) == ["Due today", "Coming up"]
    deal = store.deals.get(lost.overdue.id)
    assert deal.stage_id == stage_id(store, "Proposal")
    assert (deal.loss_reason_id, deal.competitor, deal.loss_note) == (None, "", "")
    assert (deal.revisit_on, deal.revisit_state, deal.closed_at, deal.lost_at_stage_id) == (None,) * 4
    reopened = store.deals.timeline(deal.id)[-1]
    assert reopened.kind is EventKind.REOPENED
    assert reopened.to_stage_id == stage_id(store, "Proposal")
    previous = reopened.data["previous_loss"]
    assert (previous["reason"], previous["note"], previous["revisit_on"]) == (
        "Price / budget", "Budget next year", "2026-11-20",
    )  # fmt: skip
    assert previous["lost_at_stage_id"] == stage_id(store, "Proposal")
    assert listed(store) == (["Due today"], ["Coming up"])


async def test_o_enter_reopens_where_the_deal_was_lost(make_app, store: Store, lost: Lost) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_revisits(pilot)
        await pilot.press("j", "o", "enter")  # Due today, lost at Qualified
        await pilot.pause()
    assert store.deals.get(lost.today.id).stage_id == stage_id(store, "Qualified")


async def test_o_then_escape_reopens_nothing(make_app, store: Store, lost: Lost) -> None:
    before = store.deals.get(lost.overdue.id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_revisits(pilot)
        await pilot.press("o", "escape")
        assert app.screen is screen
        assert table.count == 3
    assert store.deals.get(lost.overdue.id) == before


async def test_reopened_deal_detail_still_shows_the_old_loss(make_app, store: Store, lost: Lost) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_revisits(pilot)
        await pilot.press("down", "o", "l", "enter")  # Due today (lost at Qualified), into Lead
        await pilot.press("escape")  # the board: the cursor stays on the card it was on, Open deal
        await pilot.pause()
        assert app.screen.current_deal.title == "Open deal"
        await pilot.press("k", "enter")  # the reopened deal sits above it
        assert isinstance(app.screen, DealDetailScreen)
        assert app.screen.deal_id == lost.today.id
        timeline = plain(app.screen.query_one("#detail-timeline", Static))
        assert "reopened Closed Lost → Lead · was lost: Lost to competitor" in timeline
        assert "lost Qualified → Closed Lost · Lost to competitor (HubSpot) · revisit 2026-11-24" in timeline
    assert store.deals.get(lost.today.id).stage_id == stage_id(store, "Lead")


async def test_z_snoozes_to_a_typed_date(make_app, store: Store, lost: Lost) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_revisits(pilot)
        await pilot.press("down", "z")  # Due today
        assert isinstance(app.screen, PromptModal)
        prompt = app.screen.query_one("#prompt-input", Input)
        assert prompt.value == "+3m"  # the suggestion
        await pilot.press("ctrl+u")
        await type_text(pilot, "+2m")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert titles(table) == ["Overdue deal", "Coming up"]  # Jan 24 is past the 30 days
    deal = store.deals.get(lost.today.id)
    assert (deal.revisit_on, deal.revisit_state) == (date(2027, 1, 24), RevisitState.PENDING)
    assert deal.stage_id == stage_id(store, "Closed Lost")
    assert deal.loss_reason_id == store.shape.find_reason("competitor").id  # the loss is untouched
    snoozed = store.deals.timeline(deal.id)[-1]
    assert snoozed.kind is EventKind.REVISIT_SNOOZED
    assert snoozed.data == {"from": "2026-11-24", "to": "2027-01-24"}
    assert listed(store) == (["Overdue deal"], ["Coming up"])


async def test_z_with_a_bad_date_keeps_the_prompt_and_snoozes_nothing(
    make_app, store: Store, lost: Lost
) -> None:
    before = store.deals.get(lost.overdue.id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_revisits(pilot)
        await pilot.press("z", "ctrl+u")
        modal = app.screen
        await type_text(pilot, "later")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal
        assert plain(modal.query_one("#prompt-error", Static)).startswith("Cannot read 'later' as a date")
        await pilot.press("escape", "y")  # typed text: thrown away after a yes
        assert app.screen is screen
    assert store.deals.get(lost.overdue.id) == before


async def test_z_refuses_a_date_in_the_past(make_app, store: Store, lost: Lost) -> None:
    before = store.deals.get(lost.overdue.id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_revisits(pilot)
        await pilot.press("z", "ctrl+u")
        modal = app.screen
        await type_text(pilot, "-1w")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal  # still asking, with a message
    assert store.deals.get(lost.overdue.id) == before


async def test_a_adds_a_note_and_the_revisit_stays(make_app, store: Store, lost: Lost) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_revisits(pilot)
        await pilot.press("down", "down", "a")  # Coming up
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Emailed: they plan to decide in January")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert table_rows(table) == EXPECTED_ROWS
    assert [n.text for n in store.deals.notes(lost.upcoming.id)] == [
        "Emailed: they plan to decide in January"
    ]
    deal = store.deals.get(lost.upcoming.id)
    assert (deal.revisit_on, deal.revisit_state) == (date(2026, 12, 10), RevisitState.PENDING)


async def test_c_closes_out_the_revisit(make_app, store: Store, lost: Lost) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_revisits(pilot)
        await pilot.press("c")  # Overdue deal
        await pilot.pause()
        assert app.screen is screen
        assert titles(table) == ["Due today", "Coming up"]
        assert plain(screen.query_one("#revisits-title", Static)).startswith(
            "Revisits · 1 due · 1 in the next"
        )
    deal = store.deals.get(lost.overdue.id)
    assert deal.revisit_state is RevisitState.CLOSED
    assert deal.revisit_on == date(2026, 11, 20)  # the date stays on record
    assert deal.stage_id == stage_id(store, "Closed Lost")
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.REVISIT_CLOSED
    assert listed(store) == (["Due today"], ["Coming up"])


async def test_u_undoes_a_close_out(make_app, store: Store, lost: Lost) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        _, table = await open_revisits(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert table.count == 2
        await pilot.press("u")
        await pilot.pause()
        assert titles(table) == ["Overdue deal", "Due today", "Coming up"]
    assert store.deals.get(lost.overdue.id).revisit_state is RevisitState.PENDING

"""The stale list (`s`): every stale deal with its reason, oldest first, and the fixes at hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import builders
import pytest
from conftest import START, TODAY, Clock
from pilot_helpers import SIZE, add_at, kinds, listed, paste, plain, stage_id, table_rows, type_text
from textual.widgets import Input, Static

from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import NextStepModal, NoteModal, StageModal
from pipeline_tui.models import Deal, EventKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.screens.stale import StaleScreen
from pipeline_tui.store import Store
from pipeline_tui.widgets.deal_rows import DealRows


@dataclass
class Pipeline:
    old_lead: Deal  # 30 days idle in Lead
    both: Deal  # 20 days idle in Qualified and its close date passed 10 days ago
    idle_nego: Deal  # 8 days idle in Negotiation (threshold 7)
    late: Deal  # touched today, but its close date passed 3 days ago


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> Pipeline:
    found = Pipeline(
        add_at(store, clock, TODAY - timedelta(days=30), "Old lead", company="Acme", value=100_000),
        add_at(store, clock, TODAY - timedelta(days=20), "Both ways", company="Bluefin", value=200_000,
               stage_id=stage_id(store, "Qualified"), expected_close=TODAY - timedelta(days=10)),
        add_at(store, clock, TODAY - timedelta(days=8), "Idle negotiation", company="Cobalt", value=300_000,
               stage_id=stage_id(store, "Negotiation")),
        builders.add(store, "Late proposal", company="Dune", value=400_000,
                     stage_id=stage_id(store, "Proposal"), expected_close=TODAY - timedelta(days=3)),
    )  # fmt: skip
    # Not stale: fresh; idle but with a next step due in the future; closed; just under a threshold.
    builders.add(store, "Fresh lead", company="Echo")
    add_at(
        store, clock, TODAY - timedelta(days=30), "Planned", next_step="Demo", next_step_due=date(2026, 12, 1)
    )
    won = add_at(store, clock, TODAY - timedelta(days=90), "Won long ago")
    builders.mark_won(store, won.id)
    add_at(store, clock, TODAY - timedelta(days=6), "Six days in Negotiation",
           stage_id=stage_id(store, "Negotiation"))  # fmt: skip
    return found


EXPECTED_ROWS = [
    ["Old lead — Acme", "30 days idle in Lead", "Lead", "$1k"],
    ["Both ways — Bluefin", "20 days idle in Qualified; close date passed 10 days ago", "Qualified", "$2k"],
    ["Idle negotiation — Cobalt", "8 days idle in Negotiation", "Negotiation", "$3k"],
    ["Late proposal — Dune", "close date passed 3 days ago", "Proposal", "$4k"],
]


async def open_stale(pilot) -> tuple[StaleScreen, DealRows]:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("s")
    screen = pilot.app.screen
    assert isinstance(screen, StaleScreen)
    return screen, screen.query_one(DealRows)


def titles(table: DealRows) -> list[str]:
    return [d.title for d in listed(table)]


def stale_titles(store: Store) -> list[str]:
    return [s.deal.title for s in store.review.stale(TODAY)]


async def test_s_lists_every_stale_deal_with_its_reason_oldest_first(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        assert table_rows(table) == EXPECTED_ROWS
        assert plain(screen.query_one("#stale-title", Static)).startswith("Stale deals · 4 · oldest first")
        assert screen.focused is table
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
    assert stale_titles(store) == [row[0].split(" — ")[0] for row in EXPECTED_ROWS]


async def test_nothing_stale_says_so(make_app, store: Store) -> None:
    builders.add(store, "Fresh lead")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        assert table.count == 0
        assert "nothing is stale" in plain(screen.query_one("#stale-title", Static))
        await pilot.press("a", "l", "m", "t")  # no row: nothing opens
        assert app.screen is screen
    assert kinds(store, 1) == [EventKind.CREATED]


async def test_a_note_un_stales_an_idle_deal(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        await pilot.press("a")  # on the first row: Old lead
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Called: still keen, budget in January")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert titles(table) == ["Both ways", "Idle negotiation", "Late proposal"]
        assert table.cursor == 0
    deal = store.deals.get(pipeline.old_lead.id)
    assert deal.last_activity_at == START
    assert [n.text for n in store.deals.notes(deal.id)] == ["Called: still keen, budget in January"]
    assert stale_titles(store) == ["Both ways", "Idle negotiation", "Late proposal"]


async def test_a_next_step_due_in_the_future_un_stales_an_idle_deal(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        await pilot.press("down", "down", "t")  # Idle negotiation
        assert isinstance(app.screen, NextStepModal)
        await paste(pilot, "Call the CFO")
        await pilot.press("enter")  # to the due date
        await type_text(pilot, "fri")
        await pilot.press("enter")  # saves
        await pilot.pause()
        assert app.screen is screen
        assert titles(table) == ["Old lead", "Both ways", "Late proposal"]
    deal = store.deals.get(pipeline.idle_nego.id)
    assert (deal.next_step, deal.next_step_due) == ("Call the CFO", date(2026, 11, 27))
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.NEXT_STEP
    assert stale_titles(store) == ["Old lead", "Both ways", "Late proposal"]


async def test_a_next_step_does_not_hide_a_passed_close_date(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        await pilot.press("ctrl+end", "t")  # the last row, Late proposal: its close date passed
        await paste(pilot, "Send the order form")
        await pilot.press("enter")
        await type_text(pilot, "+1w")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert table_rows(table)[-1][:3] == [
            "Late proposal — Dune",
            "close date passed 3 days ago",
            "Proposal",
        ]
    assert store.deals.get(pipeline.late.id).next_step_due == date(2026, 12, 1)
    assert "Late proposal" in stale_titles(store)


async def test_a_bad_due_date_keeps_the_prompt_and_saves_nothing(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_stale(pilot)
        await pilot.press("t")
        modal = app.screen
        await paste(pilot, "Call back")
        await pilot.press("enter")
        await type_text(pilot, "soonish")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal
        assert plain(modal.query_one("#step-error", Static)).startswith("Due: Cannot read 'soonish'")
        assert modal.query_one("#step-due", Input).value == "soonish"
        await pilot.press("escape", "y")  # typed text: throw it away after a yes
        assert app.screen is screen
    deal = store.deals.get(pipeline.old_lead.id)
    assert (deal.next_step, deal.next_step_due) == ("", None)
    assert deal.last_activity_at == START - timedelta(days=30)


async def test_m_moves_the_deal(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        await pilot.press("m")
        assert isinstance(app.screen, StageModal)
        await pilot.press("q", "enter")  # q jumps to Qualified here; it does not quit
        await pilot.pause()
        assert app.is_running
        assert app.screen is screen
        assert titles(table) == ["Both ways", "Idle negotiation", "Late proposal"]  # a move is activity
    deal = store.deals.get(pipeline.old_lead.id)
    assert deal.stage_id == stage_id(store, "Qualified")
    assert deal.stage_entered_at == START


async def test_l_marks_lost_through_the_prompt(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        await pilot.press("down", "down", "l")  # Idle negotiation
        assert isinstance(app.screen, LostModal)
        assert app.screen.subject == pipeline.idle_nego.title
        await type_text(pilot, "dark")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert titles(table) == ["Old lead", "Both ways", "Late proposal"]
    deal = store.deals.get(pipeline.idle_nego.id)
    assert deal.stage_id == stage_id(store, "Closed Lost")
    assert deal.loss_reason_id == store.shape.find_reason("No decision").id
    assert deal.lost_at_stage_id == stage_id(store, "Negotiation")


async def test_l_then_escape_leaves_the_deal_stale(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, table = await open_stale(pilot)
        await pilot.press("l")
        await type_text(pilot, "price")
        await pilot.press("escape", "y")  # typed text: throw it away after a yes
        assert app.screen is screen
        assert titles(table) == [row[0].split(" — ")[0] for row in EXPECTED_ROWS]
    assert store.deals.get(pipeline.old_lead.id).stage_id == stage_id(store, "Lead")


async def test_enter_opens_the_deal_detail_once(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await open_stale(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DealDetailScreen)
        assert app.screen.deal_id == pipeline.both.id
        assert "⚠ 20 days idle in Qualified" in plain(app.screen.query_one("#detail-fields", Static))
        assert sum(isinstance(s, DealDetailScreen) for s in app.screen_stack) == 1
        await pilot.press("w", "enter")  # won from the detail: back on the list, it is gone
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen is screen
        assert "Both ways" not in titles(screen.query_one(DealRows))
    assert store.deals.get(pipeline.both.id).stage_id == stage_id(store, "Closed Won")

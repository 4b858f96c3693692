"""The board, driven with keys and the mouse through Pilot; every change checked in the store."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import builders
import pytest
from conftest import START, TODAY, Clock
from pilot_helpers import (
    SIZE,
    add_at,
    event_count,
    header,
    headers,
    kinds,
    paste,
    plain,
    stage_id,
    type_text,
)
from textual.command import CommandPalette
from textual.widgets import Input, Label, OptionList, Static

from pipeline_tui.modals.deal_form import DealFormModal
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import NoteModal, PromptModal, StageModal
from pipeline_tui.modals.won import WonModal
from pipeline_tui.models import Deal, EventKind, RevisitState
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.store import Store


@dataclass
class Deals:
    alpha: Deal  # Lead, first card
    bravo: Deal  # Lead, second card
    charlie: Deal  # Qualified, first card
    delta: Deal  # Qualified, second card


@pytest.fixture
def deals(store: Store) -> Deals:
    qualified = stage_id(store, "Qualified")
    return Deals(
        builders.add(store, "Alpha renewal", company="Acme", contact="Ana Okafor", value=1_000_000),
        builders.add(store, "Bravo seats", company="Bluefin", value=2_000_000),
        builders.add(store, "Charlie pilot", company="Cobalt", value=500_000, stage_id=qualified),
        builders.add(store, "Delta upgrade", company="Acme", value=750_000, stage_id=qualified),
    )


def focused(app) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    """(focused column's stage, title of the deal under its cursor)."""
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    column = screen.current_list if screen.focused is screen.view else None
    stage = column.stage.name if column is not None else None
    deal = screen.current_deal
    return stage, deal.title if deal else None


# ------------------------------------------------------------------ layout


async def test_one_column_per_stage_with_count_and_total(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [c.stage.name for c in app.screen.columns] == [s.name for s in store.shape.stages()]
        assert header(app, "Lead") == "Lead\n2 · $30k"
        assert header(app, "Qualified") == "Qualified\n2 · $12.5k"
        assert header(app, "Proposal") == "Proposal\n0 · $0"
        assert header(app, "Closed Won") == "Closed Won\n0 · $0 · last 30d"
        assert header(app, "Closed Lost") == "Closed Lost\n0 · $0 · last 30d"
        assert "4 deals" in plain(app.screen.query_one("#status", Static))


async def test_headers_keep_their_count_line_at_80x24(make_app, store: Store) -> None:
    builders.add(store, "Big one", value=5_000_000, stage_id=stage_id(store, "Negotiation"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.view
        in_view = [index for index, _, _ in view.layout_columns()]
        assert len(in_view) == 4  # 80 cells: four readable columns, the board scrolls to the rest
        for index in in_view:
            column = app.screen.columns[index]
            shown = [view.column_text(index, y).strip() for y in range(2)]
            expected = column.header.split("\n")[1]
            assert shown[1].startswith(expected.split(" · ")[0]), (column.stage.name, shown)
        negotiation = next(i for i, c in enumerate(app.screen.columns) if c.stage.name == "Negotiation")
        assert view.column_text(negotiation, 1).strip() == "1 · $50k"


async def test_header_total_does_not_add_different_currencies(make_app, store: Store, deals: Deals) -> None:
    euro = builders.add(store, "Euro deal", company="Müller & Söhne", value=350_000, currency="EUR")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert header(app, "Lead").startswith("Lead\n3 · ")
        assert "$33.5k" not in header(app, "Lead")
    assert store.deals.get(euro.id).currency == "EUR"


def test_header_counts_use_thousands_separators(store: Store) -> None:
    from pipeline_tui.models import StageSummary
    from pipeline_tui.widgets.card_text import CardContext, header_text

    lead = store.shape.stages()[0]
    summary = StageSummary(lead, 1589, totals=(("USD", 123_456_00),))
    assert header_text(lead, summary, CardContext(today=TODAY, currency="USD"), 30) == "Lead\n1,589 · $123k"


# ------------------------------------------------------------------ focus


async def test_arrows_and_hjk_move_focus(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("j")
        assert focused(app) == ("Lead", "Bravo seats")
        await pilot.press("k")
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("down")
        assert focused(app) == ("Lead", "Bravo seats")
        await pilot.press("up")
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("right")
        assert focused(app) == ("Qualified", "Charlie pilot")
        await pilot.press("j")
        assert focused(app) == ("Qualified", "Delta upgrade")
        await pilot.press("h")
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("right", "left")
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("h")  # already in the first column: stays
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press(*["right"] * 8)  # stops at the last column
        assert focused(app) == ("Closed Lost", None)
        await pilot.press("left")
        await pilot.pause()
        assert focused(app) == ("Closed Won", None)
        await pilot.press("h", "h", "h")  # back to Qualified: its cursor is still on Delta
        assert focused(app) == ("Qualified", "Delta upgrade")
        await pilot.press("w", "enter")  # won, no reason given
        await pilot.pause()
    assert store.deals.get(deals.delta.id).stage_id == stage_id(store, "Closed Won")
    assert store.deals.get(deals.charlie.id).stage_id == stage_id(store, "Qualified")


async def test_escape_and_a_key_typed_at_once_are_escape_then_the_key(
    make_app, store: Store, deals: Deals
) -> None:
    """A terminal writes escape and a key typed right after it (or sent over a slow link)
    as alt+key; the app binds no alt+letter, so it refused 'h' under its plain name and
    dropped the rest of the burst."""
    from textual import events

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "j")
        assert focused(app) == ("Qualified", "Delta upgrade")
        app.post_message(events.Key("alt+h", "h"))  # what the parser makes of ESC h
        app.post_message(events.Key("j", "j"))
        await pilot.pause()
        assert focused(app) == ("Lead", "Bravo seats")


async def test_l_opens_the_lost_prompt_instead_of_moving_right(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l")
        assert isinstance(app.screen, LostModal)
        assert app.screen.subject == deals.alpha.title
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
        assert focused(app) == ("Lead", "Alpha renewal")
    assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Lead")


# ------------------------------------------------------------------ moves


@pytest.mark.parametrize("key", ["shift+right", "greater_than_sign"])
async def test_move_forward_one_stage(make_app, store: Store, deals: Deals, key: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", key)  # Bravo, Lead -> Qualified
        await pilot.pause()
        assert store.deals.get(deals.bravo.id).stage_id == stage_id(store, "Qualified")
        assert focused(app) == ("Qualified", "Bravo seats")
        assert headers(app)["Lead"] == "1 · $10k"
        assert headers(app)["Qualified"] == "3 · $32.5k"
        await pilot.press(key)
        await pilot.pause()
        assert store.deals.get(deals.bravo.id).stage_id == stage_id(store, "Proposal")
        assert focused(app) == ("Proposal", "Bravo seats")
    assert kinds(store, deals.bravo.id) == [EventKind.CREATED, EventKind.MOVED, EventKind.MOVED]


async def test_a_move_reads_its_deal_once(make_app, store: Store, deals: Deals) -> None:
    """The move itself reads the deal (to check it against what the board showed); the
    board's reload afterwards uses the deal the move wrote, not a second read."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j")  # Bravo, selected in Lead (and Charlie in Qualified)
        await pilot.pause()
        statements: list[str] = []
        store.conn.db.conn.set_trace_callback(statements.append)
        try:
            await pilot.press("shift+right")
            await pilot.pause()
        finally:
            store.conn.db.conn.set_trace_callback(None)
        assert store.deals.get(deals.bravo.id).stage_id == stage_id(store, "Qualified")
    reads = [s for s in statements if s.rstrip().endswith(f"FROM deals d WHERE d.id = {deals.bravo.id}")]
    assert len(reads) == 1, statements


@pytest.mark.parametrize("key", ["shift+left", "less_than_sign"])
async def test_move_back_one_stage(make_app, store: Store, deals: Deals, key: str) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "j", key)  # Delta, Qualified -> Lead
        await pilot.pause()
        assert store.deals.get(deals.delta.id).stage_id == stage_id(store, "Lead")
        assert focused(app) == ("Lead", "Delta upgrade")
        assert headers(app)["Qualified"] == "1 · $5k"
        await pilot.press(key)  # Lead is the first stage: nothing moves
        await pilot.pause()
        assert store.deals.get(deals.delta.id).stage_id == stage_id(store, "Lead")
    assert kinds(store, deals.delta.id) == [EventKind.CREATED, EventKind.MOVED]


async def test_move_forward_from_negotiation_wins_and_stops_there(make_app, store: Store) -> None:
    deal = builders.add(store, "Last step", stage_id=stage_id(store, "Negotiation"), value=100_000)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # One > too many in a burst: the win stays a win, and no prompt swallows what follows.
        await pilot.press("right", "right", "right", "greater_than_sign", "greater_than_sign", "j")
        await pilot.pause()
        assert store.deals.get(deal.id).stage_id == stage_id(store, "Closed Won")
        assert focused(app) == ("Closed Won", "Last step")
        assert isinstance(app.screen, BoardScreen)
        assert any("m moves the deal to any stage" in n.text for n in app.messages)
        await pilot.press("l")  # losing a won deal is still one deliberate key away
        assert isinstance(app.screen, LostModal)
        await pilot.press("escape")
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Closed Won")


async def test_m_moves_to_the_chosen_stage(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m")
        assert isinstance(app.screen, StageModal)
        await pilot.press("n", "enter")  # a letter jumps to the stage: Negotiation
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Negotiation")
        assert focused(app) == ("Negotiation", "Alpha renewal")


async def test_m_escape_moves_nothing(make_app, store: Store, deals: Deals) -> None:
    before = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m", "down", "escape")
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Lead")
    assert event_count(store) == before


async def test_m_to_closed_lost_goes_through_the_lost_prompt(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("m", "end", "enter")  # the last stage: Closed Lost
        await pilot.pause()
        assert isinstance(app.screen, LostModal)
        assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Lead")  # not moved yet
        await type_text(pilot, "timing")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert focused(app) == ("Closed Lost", "Alpha renewal")
    deal = store.deals.get(deals.alpha.id)
    assert deal.stage_id == stage_id(store, "Closed Lost")
    assert deal.loss_reason_id == store.shape.find_reason("Timing").id


async def test_w_marks_won(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "w")
        assert isinstance(app.screen, WonModal)  # why, optionally: Product fit, and a note
        await pilot.press(*"prod", "enter", *"CFO loved the demo", "enter")
        await pilot.pause()
        assert focused(app) == ("Closed Won", "Charlie pilot")
        assert headers(app)["Closed Won"] == "1 · $5k · last 30d"
    deal = store.deals.get(deals.charlie.id)
    assert deal.stage_id == stage_id(store, "Closed Won")
    assert deal.closed_at == START
    assert deal.won_reason_id == store.shape.find_won_reason("Product fit").id
    assert deal.won_note == "CFO loved the demo"
    assert kinds(store, deal.id)[-1] is EventKind.WON


# ------------------------------------------------------------------ new / edit


async def test_n_creates_a_deal_from_the_form(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "n")  # in the Qualified column: the deal starts there
        assert isinstance(app.screen, DealFormModal)
        await type_text(pilot, "Zeta")
        await pilot.press("enter")  # Enter goes to the next field
        await type_text(pilot, "Zinc")
        await pilot.press("enter", "enter")  # skip the contact
        await type_text(pilot, "12k")
        await pilot.press("enter")
        await type_text(pilot, "Dec 15")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert focused(app) == ("Qualified", "Zeta")
        assert headers(app)["Qualified"] == "3 · $24.5k"
    assert store.deals.count() == 5
    deal = store.deals.find("Zeta")
    assert (deal.company, deal.value, deal.currency) == ("Zinc", 1_200_000, "USD")
    assert deal.expected_close == date(2026, 12, 15)
    assert deal.stage_id == stage_id(store, "Qualified")


async def test_a_field_reached_with_tab_is_replaced_by_what_is_typed(
    make_app, store: Store, deals: Deals
) -> None:
    """As in a browser: Tab selects the field's text, so typing replaces it (appending made
    "Quinn ItoAna Li" and a value of 4400050k); the title keeps its cursor at the end."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "e", *" v2", "tab", "tab", *"Ana Li", "tab", *"50k", "ctrl+s")
        await pilot.pause()
    deal = store.deals.get(deals.bravo.id)
    assert (deal.title, deal.contact, deal.value) == ("Bravo seats v2", "Ana Li", 5_000_000)


async def test_e_edits_the_selected_deal(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "e")  # Bravo
        assert isinstance(app.screen, DealFormModal)
        form = app.screen
        assert form.query_one("#deal-title", Input).value == "Bravo seats"
        assert form.query_one("#deal-value", Input).value == "$20,000"
        await pilot.press("end")  # the field opens with its text selected: typing would replace it
        await type_text(pilot, " v2")
        await pilot.press("tab", "tab", "tab", "ctrl+u")  # value: clear it, type a new one
        await type_text(pilot, "$25,000")
        await pilot.press("tab")
        await type_text(pilot, "+3w")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert focused(app) == ("Lead", "Bravo seats v2")
    deal = store.deals.get(deals.bravo.id)
    assert (deal.title, deal.value, deal.expected_close) == ("Bravo seats v2", 2_500_000, date(2026, 12, 15))
    edited = store.deals.timeline(deal.id)[-1]
    assert edited.kind is EventKind.EDITED
    assert set(edited.data["changes"]) == {"title", "value", "expected_close"}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("value", "12x", "Value:"),
        ("close", "Dec 45", "Close date:"),
        ("close", "blah", "Close date:"),
        ("due", "soon", "Step due:"),
    ],
)
async def test_bad_value_or_date_in_the_form_saves_nothing(
    make_app, store: Store, field: str, typed: str, message: str
) -> None:
    before = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        form = app.screen
        await paste(pilot, "Doomed deal")
        form.query_one(f"#deal-{field}", Input).focus()
        await type_text(pilot, typed)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # still open, the typing kept
        error = plain(form.query_one("#deal-error", Static))
        assert error.startswith(message)
        assert form.focused is form.query_one(f"#deal-{field}", Input)
        assert form.query_one("#deal-title", Input).value == "Doomed deal"
    assert store.deals.count() == 0
    assert event_count(store) == before


async def test_the_new_deal_form_says_which_stage_the_deal_goes_in(
    make_app, store: Store, deals: Deals
) -> None:
    """`n` adds to the focused column when it is open; on Closed Lost the deal goes in the
    first open stage, and the form says so before it is saved."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "n")
        await pilot.pause()
        assert plain(app.screen.query_one(".dialog-title", Label)) == "New deal in Qualified"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press(*["right"] * 4)
        assert focused(app)[0] == "Closed Lost"
        await pilot.press("n")
        await pilot.pause()
        assert plain(app.screen.query_one(".dialog-title", Label)) == "New deal in Lead"
        await paste(pilot, "From the lost column")
        await pilot.press("ctrl+s")
        await pilot.pause()
    added = next(d for d in store.deals.all() if d.title == "From the lost column")
    assert added.stage_id == stage_id(store, "Lead")


async def test_form_needs_a_title(make_app, store: Store) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", "ctrl+s")
        assert isinstance(app.screen, DealFormModal)
        assert plain(app.screen.query_one("#deal-error", Static)) == "A deal needs a title."
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.count() == 0


# ------------------------------------------------------------------ notes, detail


async def test_a_adds_a_note_to_the_timeline(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "a")
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Wants 40 seats")
        await pilot.press("enter")  # Enter is a new line in a note, not "save"
        await paste(pilot, "by March")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    notes = store.deals.notes(deals.bravo.id)
    assert [n.text for n in notes] == ["Wants 40 seats\nby March"]
    assert store.deals.notes(deals.alpha.id) == []


async def test_enter_opens_the_detail_screen_with_the_timeline(
    make_app, store: Store, clock: Clock, deals: Deals
) -> None:
    builders.add_note(store, deals.delta.id, "Asked for SSO details")
    clock.advance(hours=1)
    builders.move(store, deals.delta.id, stage_id(store, "Proposal"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "right", "enter")
        assert isinstance(app.screen, DealDetailScreen)
        assert app.screen.deal_id == deals.delta.id
        fields = plain(app.screen.query_one("#detail-fields", Static))
        timeline = plain(app.screen.query_one("#detail-timeline", Static)).splitlines()
        assert fields.startswith(f"#{deals.delta.id} Delta upgrade")
        assert "Proposal · 0 days" in fields
        assert "$7,500" in fields
        # newest first
        assert timeline[0] == "2026-11-24 10:00  moved Qualified → Proposal"
        assert timeline[1] == "2026-11-24 09:00  note "
        assert timeline[2].strip() == "Asked for SSO details"
        assert timeline[3] == "2026-11-24 09:00  created in Qualified"
        await pilot.press("a")
        await paste(pilot, "Sent the SSO doc")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DealDetailScreen)
        timeline = plain(app.screen.query_one("#detail-timeline", Static)).splitlines()
        assert timeline[1].strip() == "Sent the SSO doc"
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
    assert [n.text for n in store.deals.notes(deals.delta.id)] == [
        "Asked for SSO details",
        "Sent the SSO doc",
    ]


# ------------------------------------------------------------------ filter


async def test_slash_filters_columns_and_escape_clears(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        box = app.screen.query_one("#filter", Input)
        assert box.display and app.screen.focused is box
        await type_text(pilot, "acme")  # Alpha (Lead) and Delta (Qualified)
        await pilot.pause()
        assert headers(app)["Lead"] == "1 · $10k"
        assert headers(app)["Qualified"] == "1 · $7.5k"
        await pilot.press("enter")  # keeps the filter, back to the cards
        await pilot.pause()
        assert box.display
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("right")
        assert focused(app) == ("Qualified", "Delta upgrade")
        await pilot.press("escape")
        await pilot.pause()
        assert not box.display and box.value == ""
        assert headers(app)["Lead"] == "2 · $30k"
        assert headers(app)["Qualified"] == "2 · $12.5k"
    assert store.deals.count() == 4


async def test_the_filter_takes_the_cursor_to_a_column_that_has_a_match(
    make_app, store: Store, deals: Deals
) -> None:
    """Filtering from Lead for a deal in Qualified: Enter puts the cursor on it, so the next
    key (a note, a move) acts on it instead of answering 'No deal selected'."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("slash")
        await type_text(pilot, "cobalt")
        await pilot.press("enter")
        await pilot.pause()
        assert focused(app) == ("Qualified", "Charlie pilot")
        await pilot.press("greater_than_sign")
        await pilot.pause()
    assert store.deals.get(deals.charlie.id).stage_id == stage_id(store, "Proposal")


async def test_filter_matches_contact_and_escape_from_the_box_clears(
    make_app, store: Store, deals: Deals
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_text(pilot, "okafor")
        await pilot.pause()
        assert headers(app) == {
            "Lead": "1 · $10k", "Qualified": "0 · $0", "Proposal": "0 · $0", "Negotiation": "0 · $0",
            "Closed Won": "0 · $0 · last 30d", "Closed Lost": "0 · $0 · last 30d",
        }  # fmt: skip
        await pilot.press("enter", "w", "enter")  # the one card left is the one that is won
        await pilot.pause()
        assert headers(app)["Closed Won"] == "1 · $10k · last 30d"
        await pilot.press("slash", "escape")  # Escape straight from the box clears the filter
        await pilot.pause()
        assert headers(app)["Lead"] == "1 · $20k"
        assert headers(app)["Qualified"] == "2 · $12.5k"
    assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Closed Won")
    assert store.deals.get(deals.bravo.id).stage_id == stage_id(store, "Lead")


# ------------------------------------------------------------------ undo


async def test_u_undoes_the_last_move(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Qualified")
        await pilot.press("u")
        await pilot.pause()
        assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Lead")
        assert focused(app) == ("Lead", "Alpha renewal")
        await pilot.press("u")  # nothing left: changes nothing
        await pilot.pause()
    assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Lead")
    assert kinds(store, deals.alpha.id) == [EventKind.CREATED, EventKind.MOVED, EventKind.UNDONE]


async def test_u_undoes_a_lost_move_and_its_loss_fields(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await type_text(pilot, "price")
        await pilot.press("enter", "tab")
        await type_text(pilot, "+3m")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.deals.get(deals.alpha.id).revisit_on == date(2027, 2, 24)
        await pilot.press("u")
        await pilot.pause()
    deal = store.deals.get(deals.alpha.id)
    assert deal.stage_id == stage_id(store, "Lead")
    assert (deal.loss_reason_id, deal.revisit_on, deal.revisit_state, deal.closed_at) == (None,) * 4
    assert store.review.revisits(TODAY + timedelta(days=120)) == ([], [])


async def test_u_undoes_a_note(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await paste(pilot, "Oops, wrong deal")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [n.text for n in store.deals.notes(deals.alpha.id)] == ["Oops, wrong deal"]
        await pilot.press("u")
        await pilot.pause()
    assert store.deals.notes(deals.alpha.id) == []
    note = next(e for e in store.deals.timeline(deals.alpha.id) if e.kind is EventKind.NOTE)
    assert note.data.get("retracted") is True


async def test_u_keeps_what_another_process_changed_since(
    make_app, store: Store, deals: Deals, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("greater_than_sign")  # Alpha to Qualified
        await pilot.pause()
        with Store.open(tmp_path / "pipeline.db", clock=lambda: START + timedelta(hours=1)) as other:
            builders.edit(other, deals.alpha.id, value=5_000_000)  # the CLI: new value, $50k
        app.check_for_changes()
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
    assert store.deals.get(deals.alpha.id).value == 5_000_000


async def test_u_after_a_new_deal_does_not_undo_the_move_before_it(
    make_app, store: Store, deals: Deals
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("greater_than_sign")  # Alpha to Qualified
        await pilot.press("n")
        await type_text(pilot, "Zeta")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.deals.count() == 5
        await pilot.press("u")  # the last change is the new deal, not the move
        await pilot.pause()
    assert store.deals.get(deals.alpha.id).stage_id == stage_id(store, "Qualified")
    assert store.deals.count() == 4  # the new deal, untouched since, is taken back


# ------------------------------------------------------------------ export


async def test_x_exports_notes_to_the_typed_path(
    make_app, store: Store, deals: Deals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.add_note(store, deals.alpha.id, "First call went well")
    builders.add_note(store, deals.charlie.id, "=HYPERLINK(evil)")
    monkeypatch.chdir(tmp_path)  # a short relative path to type
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        assert isinstance(app.screen, PromptModal)
        prompt = app.screen.query_one("#prompt-input", Input)
        assert prompt.value.endswith("pipeline-notes-2026-11-24.csv")  # the default, dated today
        await pilot.press("ctrl+u")
        await type_text(pilot, "n.csv")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        said = app.messages[-1]
        assert said.text.startswith("Wrote 2 notes to ") and said.title == ""  # said once
        # Again onto the same file, and "no" to replacing it: nothing written, and said.
        before = (tmp_path / "n.csv").read_bytes()
        await pilot.press("x", "ctrl+u")
        await type_text(pilot, "n.csv")
        await pilot.press("enter")
        await pilot.pause()
        assert "Replace it?" in str(app.screen.query_one(Static).render())
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert app.messages[-1].title == "Not replaced" and "nothing was written" in app.messages[-1].text
        assert (tmp_path / "n.csv").read_bytes() == before
    with (tmp_path / "n.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["deal_id"], r["title"], r["kind"], r["text"]) for r in rows] == [
        (str(deals.alpha.id), "Alpha renewal", "note", "First call went well"),
        (str(deals.charlie.id), "Charlie pilot", "note", "'=HYPERLINK(evil)"),
    ]


async def test_x_into_a_missing_folder_says_so_and_writes_nothing(
    make_app, store: Store, deals: Deals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x", "ctrl+u")
        await type_text(pilot, "no/n.csv")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert any("does not exist" in n.text for n in app.messages)
    assert not (tmp_path / "no").exists()
    assert list(tmp_path.rglob("*.csv")) == []


# ------------------------------------------------------------------ mouse


async def test_click_on_a_card_selects_it(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Under two header rows, cards are 5 rows tall: row 8 of the Qualified column is
        # the second card, Delta.
        _, x, _ = app.screen.view.layout_columns()[1]
        assert await pilot.click("#board", offset=(x + 3, 8))
        await pilot.pause()
        assert focused(app) == ("Qualified", "Delta upgrade")
        await pilot.press("w", "enter")  # the key acts on the clicked card
        await pilot.pause()
    assert store.deals.get(deals.delta.id).stage_id == stage_id(store, "Closed Won")
    assert store.deals.get(deals.charlie.id).stage_id == stage_id(store, "Qualified")


async def test_double_click_opens_the_detail(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#board", offset=(3, 8), times=2)
        await pilot.pause()
        assert isinstance(app.screen, DealDetailScreen)
        assert app.screen.deal_id == deals.bravo.id
        await pilot.press("w", "enter")  # the detail's keys act on its deal
        await pilot.pause()
    assert store.deals.get(deals.bravo.id).stage_id == stage_id(store, "Closed Won")


# ------------------------------------------------------------------ command palette


async def palette_prompts(pilot, until: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The palette's options once `until` is among them (it searches in a worker)."""
    options = pilot.app.screen.query_one(OptionList)
    prompts: list[str] = []
    for _ in range(50):
        await pilot.pause(0.02)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        if any(until in p for p in prompts):
            break
    return prompts


async def test_command_palette_lists_actions_and_runs_mark_lost(make_app, store: Store, deals: Deals) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await type_text(pilot, "deal")
        prompts = await palette_prompts(pilot, until="Mark deal lost")
        for title in ("Mark deal lost", "Mark deal won", "Move deal to…", "New deal", "Edit deal"):
            assert any(p.startswith(title + "\n") for p in prompts), (title, prompts)
        await type_text(pilot, " lost")
        prompts = await palette_prompts(pilot, until="Mark deal lost")
        highlighted = app.screen.query_one(OptionList).highlighted
        assert highlighted is not None
        assert prompts[highlighted] == "Mark deal lost\nClosed Lost with a reason (l)"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LostModal)
        assert app.screen.subject == deals.bravo.title  # the card that was selected
        await type_text(pilot, "dark")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
    deal = store.deals.get(deals.bravo.id)
    assert deal.stage_id == stage_id(store, "Closed Lost")
    assert deal.loss_reason_id == store.shape.find_reason("No decision").id


# ------------------------------------------------------------------ endpoint columns


async def test_endpoint_columns_show_only_the_last_30_days(make_app, store: Store, clock: Clock) -> None:
    old = add_at(store, clock, TODAY - timedelta(days=60), "Won long ago", value=9_900_000)
    recent = builders.add(store, "Won last week", value=300_000)
    clock.set(TODAY - timedelta(days=40))
    builders.mark_won(store, old.id)
    clock.set(TODAY - timedelta(days=6))
    builders.mark_won(store, recent.id)
    clock.set(START)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert headers(app)["Closed Won"] == "1 · $3k · last 30d"
        await pilot.press(*["right"] * 4)
        assert focused(app) == ("Closed Won", "Won last week")
        await pilot.press("j")  # only one card in the column
        assert focused(app) == ("Closed Won", "Won last week")
    assert [d.title for d in store.deals.all(stage_id=stage_id(store, "Closed Won"))] == [
        "Won long ago", "Won last week",
    ]  # fmt: skip


# ------------------------------------------------------------------ other processes


async def test_changes_by_another_process_show_after_check_for_changes(
    make_app, store: Store, deals: Deals, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j")
        assert focused(app) == ("Lead", "Bravo seats")
        # The CLI, say: its own connection and a clock an hour earlier, so the new deal
        # sorts above Bravo and the cursor has to follow Bravo, not stay on its row.
        with Store.open(tmp_path / "pipeline.db", clock=lambda: START - timedelta(hours=1)) as other:
            builders.add(other, "Echo from the CLI", company="Elsewhere", value=100_000)
            builders.move(other, deals.charlie.id, stage_id(other, "Proposal"))
        assert headers(app)["Lead"] == "2 · $30k"  # nothing until the app looks
        app.check_for_changes()
        await pilot.pause()
        assert headers(app)["Lead"] == "3 · $31k"
        assert headers(app)["Qualified"] == "1 · $7.5k"
        assert headers(app)["Proposal"] == "1 · $5k"
        assert focused(app) == ("Lead", "Bravo seats")
        await pilot.press("k", "k")
        assert focused(app) == ("Lead", "Echo from the CLI")


async def test_board_polls_for_changes_by_itself(
    make_app, store: Store, deals: Deals, tmp_path: Path
) -> None:
    app = make_app(poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "j")
        assert focused(app) == ("Qualified", "Delta upgrade")
        with Store.open(tmp_path / "pipeline.db", clock=lambda: START) as other:
            builders.add(other, "Foxtrot via CLI", stage_id=stage_id(other, "Qualified"), value=100_000)
            builders.move(other, deals.alpha.id, stage_id(other, "Qualified"))
        for _ in range(40):
            await pilot.pause(0.05)
            if headers(app)["Qualified"] == "4 · $23.5k":
                break
        assert headers(app)["Qualified"] == "4 · $23.5k"
        assert headers(app)["Lead"] == "1 · $20k"
        assert focused(app) == ("Qualified", "Delta upgrade")


async def test_lost_and_revisit_fields_survive_the_board(make_app, store: Store, deals: Deals) -> None:
    """Saving through `l` on the board writes every loss field (the board is the main way in)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right", "l")
        await type_text(pilot, "comp")
        await pilot.press("enter")
        await paste(pilot, "Pipedrive")
        await pilot.press("tab")
        await paste(pilot, "Cheaper per seat")
        await pilot.press("tab")
        await type_text(pilot, "+1y")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert focused(app) == ("Closed Lost", "Charlie pilot")
        assert headers(app)["Closed Lost"] == "1 · $5k · last 30d"
    deal = store.deals.get(deals.charlie.id)
    assert (deal.competitor, deal.loss_note, deal.revisit_on, deal.revisit_state) == (
        "Pipedrive", "Cheaper per seat", date(2027, 11, 24), RevisitState.PENDING,
    )  # fmt: skip
    assert deal.lost_at_stage_id == stage_id(store, "Qualified")


async def test_no_style_of_the_board_depends_on_focus(store: Store) -> None:
    """BoardView redraws on focus without restyling (the cursor card shows focus itself):
    so no rule in any stylesheet the app loads may style it by :focus or :blur."""
    from textual.css.model import SelectorType

    from pipeline_tui.app import PipelineApp
    from pipeline_tui.screens.help import HelpScreen

    app = PipelineApp(store, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(HelpScreen())  # loads screens.tcss as well
        await pilot.pause()
        rules = app.stylesheet.rules
        assert any("focus" in rule.pseudo_classes for rule in rules)  # the dialogs' fields do
        for rule in rules:
            for selector_set in rule.selector_set:
                for selector in selector_set.selectors:  # BoardView:focus > .card--cursor too
                    if not {"focus", "blur", "focus-within"} & set(selector.pseudo_classes):
                        continue
                    board = (
                        selector.type is SelectorType.UNIVERSAL
                        or (selector.type is SelectorType.TYPE and selector.name in {"BoardView", "Widget"})
                        or (selector.type is SelectorType.ID and selector.name == "board")
                    )
                    assert not board, rule.css


async def test_read_only_refuses_a_change_when_the_key_is_pressed(store: Store, deals: Deals) -> None:
    """On a read-only file no form opens to take typing that cannot be saved: n, a, e, l, w,
    > and u each say so at once, and nothing changes."""
    from pipeline_tui.app import PipelineApp

    path = store.path
    store.close()
    readonly = Store.open(path, readonly=True)  # type: ignore[arg-type]
    app = PipelineApp(readonly, today=TODAY, poll_interval=0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in ("n", "a", "e", "l", "w", "greater_than_sign", "t", "u"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, BoardScreen), key
        warnings = [n.text for n in app.messages if n.severity == "warning"]
        assert warnings and all("read-only" in w for w in warnings)
    readonly.close()
    with Store.open(path) as again:  # type: ignore[arg-type]
        assert [d.stage_id for d in again.deals.all()] == [
            d.stage_id for d in (deals.alpha, deals.bravo, deals.charlie, deals.delta)
        ]
        assert again.deals.event_count(deals.alpha.id) == 1


@pytest.mark.parametrize(("size", "said"), [((160, 45), "· last 30d"), ((120, 40), "· 30d")])
async def test_the_closures_window_is_said_in_full_where_it_fits(  # type: ignore[no-untyped-def]
    make_app, demo_store: Store, size, said
) -> None:
    """'last 30d' was cut to 'last…' in a 120-column terminal, and the total with it."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        from textual.geometry import Region

        view = app.screen.query_one("#board")
        strips = view.render_lines(Region(0, 0, view.size.width, 4))
        lines = ["".join(segment.text for segment in strip) for strip in strips]
        counts = next(line for line in lines if "Closed" not in line and "$" in line)
        assert counts.count(said) == 2 and "…" not in counts, counts

"""The Closed Lost prompt, opened with `l` on the board: every field, every refusal, the saved row."""

from __future__ import annotations

from datetime import date

import builders
import pytest
from conftest import START
from pilot_helpers import SIZE, event_count, paste, plain, stage_id, type_text
from textual.widgets import Input, OptionList, Static, TextArea

from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import ConfirmModal
from pipeline_tui.models import Deal, EventKind, RevisitState
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.store import Store

TAB_ORDER = ["lost-reason", "lost-competitor", "lost-note", "lost-revisit",
             "pick-3", "pick-6", "pick-12", "pick-0", "lost-save", "lost-cancel"]  # fmt: skip


@pytest.fixture
def deal(store: Store) -> Deal:
    """The one deal on the board: the focused card when the app starts."""
    return builders.add(store, "Acme renewal", company="Acme", value=4_200_000)


async def open_lost(pilot, *keys: str) -> LostModal:  # type: ignore[no-untyped-def]
    """Press `l` on the board (after `keys`, to select another card) and return the prompt."""
    await pilot.pause()
    await pilot.press(*keys, "l")
    modal = pilot.app.screen
    assert isinstance(modal, LostModal)
    return modal


def shown(modal: LostModal) -> list[str]:
    options = modal.query_one("#lost-reasons", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def highlighted(modal: LostModal) -> str | None:
    index = modal.query_one("#lost-reasons", OptionList).highlighted
    return None if index is None else shown(modal)[index]


def competitor_shown(modal: LostModal) -> bool:
    return bool(modal.query_one("#lost-competitor-row").display)


def error(modal: LostModal) -> str:
    return plain(modal.query_one("#lost-error", Static))


def focus_id(modal: LostModal) -> str | None:
    return modal.focused.id if modal.focused is not None else None


def assert_untouched(store: Store, before: Deal, events: int) -> None:
    assert store.deals.get(before.id) == before
    assert event_count(store) == events


# ------------------------------------------------------------------ cancel


async def test_escape_changes_nothing(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "comp")
        await pilot.press("enter")
        await paste(pilot, "Acme CRM")
        await pilot.press("tab")
        await paste(pilot, "Half-written note")
        assert focus_id(modal) == "lost-note"
        await pilot.press("escape")  # from inside the multi-line note: typed text, so it asks
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")  # keep editing: nothing is lost
        assert app.screen is modal and modal.query_one("#lost-note", TextArea).text == "Half-written note"
        await pilot.press("escape", "y")  # throw it away
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert app.screen.current_deal is not None and app.screen.current_deal.id == deal.id
    assert_untouched(store, deal, events)
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Lead")
    assert store.deals.get(deal.id).loss_reason_id is None


async def test_cancel_button_changes_nothing(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "price")
        modal.query_one("#lost-cancel").focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)  # "price" was typed: ask before dropping it
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    assert_untouched(store, deal, events)


async def test_escape_on_an_untouched_prompt_closes_at_once(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_lost(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
    assert_untouched(store, deal, events)


# ------------------------------------------------------------------ reason list


async def test_typing_filters_the_list_and_enter_picks_the_highlighted_reason(
    make_app, store: Store, deal: Deal
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        assert len(shown(modal)) == 9 and highlighted(modal) is None
        await type_text(pilot, "in")
        assert shown(modal) == [
            "Timing / no urgency",
            "Product fit / missing feature",
            "Chose to build in-house",
        ]
        assert highlighted(modal) == "Timing / no urgency"
        await pilot.press("down")
        assert highlighted(modal) == "Product fit / missing feature"
        await pilot.press("enter")
        assert modal.query_one("#lost-reason", Input).value == "Product fit / missing feature"
        assert shown(modal) == ["Product fit / missing feature"]
        assert focus_id(modal) == "lost-note"  # no competitor asked: straight to the note
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert saved.stage_id == stage_id(store, "Closed Lost")
    assert saved.loss_reason_id == store.shape.find_reason("Product fit").id


async def test_filter_is_case_blind_and_a_miss_picks_nothing(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "BUDGET")
        assert shown(modal) == ["Price / budget"]
        await pilot.press("ctrl+u")
        await type_text(pilot, "zzz")
        assert shown(modal) == [] and highlighted(modal) is None
        await pilot.press("enter")
        assert error(modal).startswith("No reason matches: type part of a reason")
        await pilot.pause(0.4)  # keys typed right after a refused Enter are dropped
        await pilot.press("ctrl+s")
        assert app.screen is modal
        assert error(modal).startswith("Choose a reason")
    assert_untouched(store, deal, events)


async def test_an_enter_that_picks_no_reason_drops_the_rest_of_its_burst(
    make_app, store: Store, deal: Deal
) -> None:
    """'zzz' Enter, then the note, Tab and '+3m' typed ahead: the note went on into the
    filter and '+3m' into the follow-up note (the README promises a key that does nothing
    drops the rest of its burst)."""
    from textual import events as textual_events
    from textual.keys import _character_to_key

    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        burst = [*"zzz", "enter", *"note after a bad reason", "tab", *"+3m", "ctrl+s"]
        for key in burst:
            name = key if len(key) > 1 else _character_to_key(key)
            app.post_message(textual_events.Key(name, key if len(key) == 1 else None))
        await pilot.pause()
        assert app.screen is modal
        assert modal.query_one("#lost-reason", Input).value == "zzz"
        assert modal.query_one("#lost-note", TextArea).text == ""
        assert modal.query_one("#lost-revisit", Input).value == ""
        assert "picks no reason; the keys typed after it were dropped" in app.messages[-1].text
    assert_untouched(store, deal, events)


@pytest.mark.parametrize(
    "size",
    [
        (120, 40),
        (80, 24),  # the dialog scrolls here: ↑↓ must still move the highlight
    ],
    ids=["120x40", "80x24"],
)
async def test_up_and_down_move_the_highlight(make_app, store: Store, deal: Deal, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        modal = await open_lost(pilot)
        await pilot.press("down")
        assert highlighted(modal) == "Price / budget"
        await pilot.press("down", "down", "down")
        assert highlighted(modal) == "Lost to competitor"
        assert competitor_shown(modal)
        await pilot.press("up")
        assert highlighted(modal) == "Product fit / missing feature"
        assert not competitor_shown(modal)
        await pilot.press(*["up"] * 5)  # stops at the top
        assert highlighted(modal) == "Price / budget"
        await pilot.press(*["down"] * 12)  # and at the bottom
        assert highlighted(modal) == "Other"
        await pilot.press("up", "enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.get(deal.id).loss_reason_id == store.shape.find_reason("Unqualified").id


async def test_no_reason_chosen_saves_nothing(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await pilot.press("tab", "tab")
        await type_text(pilot, "+3m")
        await pilot.press("ctrl+s")
        assert app.screen is modal
        assert error(modal) == "Choose a reason: type to filter the list, then Enter."
        assert focus_id(modal) == "lost-reason"
    assert_untouched(store, deal, events)


async def test_prompt_opens_at_its_top_at_80x24(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_lost(pilot)
        await pilot.pause()
        dialog = modal.query_one("#lost-dialog")
        assert dialog.max_scroll_y > 0  # it does overflow here
        assert dialog.scroll_y == 0, "the title with the deal's name is scrolled out of view"
        await type_text(pilot, "price")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert store.deals.get(deal.id).loss_reason_id == store.shape.find_reason("Price").id


# ------------------------------------------------------------------ competitor, note


async def test_competitor_field_appears_only_for_lost_to_competitor(
    make_app, store: Store, deal: Deal
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        assert not competitor_shown(modal)
        await type_text(pilot, "comp")
        assert competitor_shown(modal)
        await pilot.press("ctrl+u")
        assert not competitor_shown(modal)
        await type_text(pilot, "price")
        assert not competitor_shown(modal)
        await pilot.press("ctrl+u")
        await type_text(pilot, "lost")
        assert competitor_shown(modal)
        await pilot.press("enter")
        await paste(pilot, "Pipedrive")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert (saved.loss_reason_id, saved.competitor) == (store.shape.find_reason("competitor").id, "Pipedrive")


async def test_competitor_is_required(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "comp")
        await pilot.press("enter")
        assert focus_id(modal) == "lost-competitor"
        await pilot.press("ctrl+s")
        assert app.screen is modal
        assert error(modal) == "Lost to competitor: name the competitor."
        assert focus_id(modal) == "lost-competitor"
        assert_untouched(store, deal, events)
        await paste(pilot, "   ")  # blanks are not a name
        await pilot.press("ctrl+s")
        assert app.screen is modal
        assert_untouched(store, deal, events)
        await pilot.press("ctrl+u")
        await paste(pilot, "Acme CRM")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert (saved.loss_reason_id, saved.competitor) == (store.shape.find_reason("competitor").id, "Acme CRM")


async def test_competitor_is_dropped_when_the_reason_changes(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "comp")
        await pilot.press("enter")
        await paste(pilot, "Acme CRM")
        await pilot.press("shift+tab", "ctrl+u")  # back to the reason: change it
        assert focus_id(modal) == "lost-reason"
        await type_text(pilot, "timing")
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert (saved.loss_reason_id, saved.competitor) == (store.shape.find_reason("Timing").id, "")


async def test_other_needs_a_note(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "other")
        await pilot.press("enter", "ctrl+s")
        assert app.screen is modal
        assert error(modal) == "Other: the note is required — say what happened."
        assert focus_id(modal) == "lost-note"
        assert_untouched(store, deal, events)
        await paste(pilot, "Their parent company froze all new vendors")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert saved.loss_reason_id == store.shape.find_reason("Other").id
    assert saved.loss_note == "Their parent company froze all new vendors"


# ------------------------------------------------------------------ keyboard order


async def test_tab_and_shift_tab_go_through_the_fields_in_order(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "comp")  # the competitor field is shown
        forward = [focus_id(modal)]
        for _ in TAB_ORDER[1:]:
            await pilot.press("tab")
            forward.append(focus_id(modal))
        assert forward == TAB_ORDER
        backward = [focus_id(modal)]
        for _ in TAB_ORDER[1:]:
            await pilot.press("shift+tab")
            backward.append(focus_id(modal))
        assert backward == TAB_ORDER[::-1]
        await pilot.press("enter", "ctrl+s")  # back at the reason: pick it; the competitor is asked
        assert focus_id(modal) == "lost-competitor"
    assert store.deals.get(deal.id).stage_id == stage_id(store, "Lead")


async def test_tab_skips_the_hidden_competitor_field(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "price")
        await pilot.press("tab")
        assert focus_id(modal) == "lost-note"
        await pilot.press("tab")  # Tab leaves the note; it does not indent
        assert focus_id(modal) == "lost-revisit"
        assert modal.query_one("#lost-note", TextArea).text == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = store.deals.get(deal.id)
    assert (saved.loss_reason_id, saved.competitor, saved.loss_note) == (
        store.shape.find_reason("Price").id,
        "",
        "",
    )


async def test_tab_wraps_around_with_no_hidden_stop(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await pilot.press("shift+tab")
        assert focus_id(modal) == "lost-cancel"
        await pilot.press("tab")
        assert focus_id(modal) == "lost-reason"
        await type_text(pilot, "price")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert store.deals.get(deal.id).loss_reason_id == store.shape.find_reason("Price").id


# ------------------------------------------------------------------ revisit date


async def test_quick_picks_fill_the_revisit_date(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        revisit = modal.query_one("#lost-revisit", Input)
        hint = modal.query_one("#lost-revisit-hint", Static)
        await type_text(pilot, "price")
        await pilot.press("enter", "tab", "tab", "tab", "tab")  # to the note, then revisit, 3m, 6m, 1y
        assert focus_id(modal) == "pick-12"
        await pilot.press("enter")
        assert revisit.value == "2027-11-24"
        await pilot.press("tab", "enter")  # none
        assert revisit.value == ""
        await pilot.press("shift+tab", "shift+tab", "enter")  # 6 months
        assert revisit.value == "2027-05-24"
        assert plain(hint) == "→ Mon 24 May 2027"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert (saved.revisit_on, saved.revisit_state) == (date(2027, 5, 24), RevisitState.PENDING)


async def test_quick_pick_none_means_no_revisit(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "price")
        await pilot.press("enter", "tab")
        await type_text(pilot, "+1y")
        modal.query_one("#pick-0").focus()
        await pilot.press("enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert saved.stage_id == stage_id(store, "Closed Lost")
    assert (saved.revisit_on, saved.revisit_state) == (None, None)
    assert store.review.revisits(date(2030, 1, 1)) == ([], [])


BAD_REVISITS = [
    ("blah", "Revisit date: Cannot read 'blah' as a date"),
    ("2026-02-30", "Revisit date: '2026-02-30' is not a real date"),
    ("yesterday", "Revisit date: choose a day after today (or none)."),
    ("today", "Revisit date: choose a day after today (or none)."),
]


async def test_bad_revisit_date_says_so_and_saves_nothing(make_app, store: Store, deal: Deal) -> None:
    events = event_count(store)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "price")
        await pilot.press("enter", "tab")
        revisit = modal.query_one("#lost-revisit", Input)
        for typed, message in BAD_REVISITS:
            await pilot.press("ctrl+u")
            await type_text(pilot, typed)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is modal, typed
            assert error(modal).startswith(message), (typed, error(modal))
            assert focus_id(modal) == "lost-revisit"
            assert revisit.value == typed  # kept, to be fixed
            assert_untouched(store, deal, events)
        await pilot.press("ctrl+u")
        await type_text(pilot, "+2w")  # fixed: now it saves
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    assert store.deals.get(deal.id).revisit_on == date(2026, 12, 8)


async def test_revisit_hint_previews_the_typed_date(make_app, store: Store, deal: Deal) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "price")
        modal.query_one("#lost-revisit", Input).focus()
        hint = modal.query_one("#lost-revisit-hint", Static)
        await type_text(pilot, "Mar 1")  # year-less and already past this year: next year's
        assert plain(hint) == "→ Mon 01 Mar 2027"
        await type_text(pilot, "x")
        assert plain(hint) == "?"
        await pilot.press("backspace", "ctrl+s")
        await pilot.pause()
    assert store.deals.get(deal.id).revisit_on == date(2027, 3, 1)


# ------------------------------------------------------------------ saving


@pytest.mark.parametrize("tabs", [0, 1, 2, 3, 8], ids=["reason", "note", "revisit", "quick-pick", "cancel"])
async def test_ctrl_s_saves_from_any_field(make_app, store: Store, deal: Deal, tabs: int) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_lost(pilot)
        await type_text(pilot, "price")  # highlighted, not yet picked with Enter
        await pilot.press(*["tab"] * tabs)
        assert focus_id(modal) == [t for t in TAB_ORDER if t != "lost-competitor"][tabs]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    assert saved.stage_id == stage_id(store, "Closed Lost")
    assert saved.loss_reason_id == store.shape.find_reason("Price").id


async def test_saved_deal_has_reason_competitor_note_revisit_and_a_lost_event(make_app, store: Store) -> None:
    deal = builders.add(
        store, "Acme renewal", company="Acme", value=4_200_000, stage_id=stage_id(store, "Proposal")
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_lost(pilot, "right", "right")  # to the Proposal column
        await type_text(pilot, "comp")
        await pilot.press("enter")
        await paste(pilot, "Acme CRM")
        await pilot.press("tab")
        await paste(pilot, "Chose Acme for the dialer")
        await pilot.press("enter")  # a second line
        await paste(pilot, "renewal in spring")
        await pilot.press("tab")
        await type_text(pilot, "+6m")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
    saved = store.deals.get(deal.id)
    reason = store.shape.find_reason("Lost to competitor")
    assert saved.stage_id == stage_id(store, "Closed Lost")
    assert saved.loss_reason_id == reason.id
    assert saved.competitor == "Acme CRM"
    assert saved.loss_note == "Chose Acme for the dialer\nrenewal in spring"
    assert saved.revisit_on == date(2027, 5, 24)
    assert saved.revisit_state is RevisitState.PENDING
    assert saved.lost_at_stage_id == stage_id(store, "Proposal")
    assert saved.closed_at == START
    lost = store.deals.timeline(deal.id)[-1]
    assert lost.kind is EventKind.LOST
    assert lost.text == "Chose Acme for the dialer\nrenewal in spring"
    assert (lost.from_stage_id, lost.to_stage_id) == (
        stage_id(store, "Proposal"),
        stage_id(store, "Closed Lost"),
    )
    assert {k: lost.data[k] for k in ("reason", "reason_id", "competitor", "revisit_on")} == {
        "reason": "Lost to competitor",
        "reason_id": reason.id,
        "competitor": "Acme CRM",
        "revisit_on": "2027-05-24",
    }
    assert [e.kind for e in store.deals.timeline(deal.id)].count(EventKind.LOST) == 1

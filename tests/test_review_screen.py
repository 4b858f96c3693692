"""The daily review on the board (`d`): one deal at a time, one key per decision, each the
board's own operation, checked in the store; typed-ahead keys land on the item they were
typed on; `u` goes back; the summary and what is left; the status line."""

from __future__ import annotations

from datetime import date, timedelta

import builders
import pytest
from conftest import START, TODAY, Clock
from pilot_helpers import SIZE, add_at, kinds, paste, plain, stage_id, type_text
from review_helpers import Pipeline, review_pipeline, review_text
from test_bad_input import post_key, queue_text
from test_terminal_sizes import assert_focus_visible, unreadable
from textual.widgets import Input, Static

from pipeline_tui.config import Settings
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import ChoiceModal, NextStepModal, NoteModal, PromptModal, StageModal
from pipeline_tui.models import EventKind, RevisitState, StageKind
from pipeline_tui.review import KINDS, Kind
from pipeline_tui.screens import review as review_screen
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.screens.review import ReviewScreen
from pipeline_tui.store import Store
from pipeline_tui.widgets.deal_rows import DealRows


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> Pipeline:
    return review_pipeline(store, clock)


class FakeClock:
    """The review's stopwatch: each reading `step` seconds after the one before."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


async def open_review(pilot) -> ReviewScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("d")
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def shown(screen: ReviewScreen) -> str:
    """The title of the deal under review ('' on the summary)."""
    return screen.deal.title if screen.deal is not None and not screen.in_summary else ""


def keybar(app) -> str:  # type: ignore[no-untyped-def]
    return app.screen.query_one(KeyBar).text


def summary(screen: ReviewScreen) -> str:
    return plain(screen.query_one("#review-summary-text", Static)).split("\n")[0]


def summary_counts(screen: ReviewScreen) -> str:
    """The summary line as it would read if the review ended now."""
    return screen.session.summary(0)


def left(screen: ReviewScreen) -> list[list[str]]:
    rows = screen.query_one("#review-left", DealRows)
    deals = rows.loader(list(rows.ids))
    return [[text for text, _ in rows.cells(deal, rows.widths(200))][:3] for deal in deals]


# ------------------------------------------------------------------- showing


async def test_d_opens_the_review_at_the_first_item(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        assert screen.session.total == 10
        assert shown(screen) == "New import loss"
        text = review_text(screen)
        assert text.startswith("Daily review · 1 of 10 · Lost without a reason\n")
        assert "? lost on Nov 19 with no reason recorded" in text
        for line in (
            "New import loss  #1", "Company  Ajax", "Stage  Closed Lost · 5 days", "Value  $5,000",
            "Closed  Nov 19", "Lost  no reason recorded", "Timeline · 1", "created  in Closed Lost",
        ):  # fmt: skip
            assert line in text, line
        assert screen.focused is screen.query_one("#review-item")
        bar = keybar(app)
        assert "l  Reason" in bar and "o  Reopen" in bar and "space  Skip" in bar
        assert "Won" not in bar and "Close out" not in bar and "Undo" not in bar


async def test_each_item_says_why_and_shows_what_a_decision_needs(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    builders.add_note(store, pipeline.idle_big.id, "Old note")  # …then it went quiet again
    store.conn.db.execute("UPDATE deals SET last_activity_at = ? WHERE id = ?",
                     ["2026-10-25 09:00:00+00:00", pipeline.idle_big.id])  # fmt: skip
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("space", "space", "space")
        text = review_text(screen)
        assert text.startswith("Daily review · 4 of 10 · Revisit due\n")
        assert "↻ revisit due since Nov 20: lost for Price / budget — 'Budget frozen until Q2'" in text
        for line in (
            "Stage  Closed Lost · 113 days", "Lost  Price / budget", "Follow-up  Budget frozen until Q2",
            "Revisit  Nov 20", "lost  Qualified → Closed Lost · Price / budget",
        ):  # fmt: skip
            assert line in text, line
        assert "Close out" in keybar(app) and "Next step" not in keybar(app)
        await pilot.press("space")
        text = review_text(screen)
        assert text.startswith("Daily review · 5 of 10 · Stale\n")
        assert "⚠ 30 days idle in Lead" in text
        idle_big = f"Idle big  #{pipeline.idle_big.id}"
        for line in (idle_big, "Value  $9,000", "Close date  —", "Next step  —", "note  Old note"):
            assert line in text, line
        bar = keybar(app)
        for key in ("a  Note", "t  Next step", ">  Next stage", "w  Won", "l  Lost", "z  Snooze"):
            assert key in bar, key
        assert "Reopen" not in bar and "Reason" not in bar
        await pilot.press("space", "space")
        assert "⚠ 20 days idle in Qualified; close date passed 10 days ago" in review_text(screen)
        assert "Close date  Nov 14 (passed)" in review_text(screen)
        await pilot.press("space", "space")
        text = review_text(screen)
        assert text.startswith("Daily review · 9 of 10 · No next step\n")
        assert "○ no next step · 5 days in Lead" in text and "Fresh big" in text


# ------------------------------------------------------------ a whole review


async def test_a_whole_review_each_decision_saved_and_the_summary(
    make_app, store: Store, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_screen, "monotonic", FakeClock(372.0))  # start and end: 6.2 min apart
    p = pipeline
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)

        # 1 of 10, lost without a reason: l opens the Closed Lost prompt, which fills it in.
        await pilot.press("l")
        assert isinstance(app.screen, LostModal) and app.screen.subject == p.new_import.title
        await type_text(pilot, "price")
        await pilot.press("enter", "ctrl+s")
        assert app.screen is screen and shown(screen) == "Old import loss"
        assert "2 of 10" in review_text(screen)

        # 2: skipped. 3, a revisit: closed out. 4: snoozed to the suggested +3m.
        await pilot.press("space", "c")
        assert shown(screen) == "Due again"
        await pilot.press("z")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("enter")
        assert shown(screen) == "Idle big"

        # 5, stale: a note un-stales it. 6: a next step due Friday.
        await pilot.press("a")
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Called: still keen")
        await pilot.press("ctrl+s")
        assert shown(screen) == "Idle small"
        await pilot.press("t")
        assert isinstance(app.screen, NextStepModal)
        await paste(pilot, "Send the proposal")
        await pilot.press("enter", *"fri", "enter")
        assert shown(screen) == "Both ways"

        # 7: won (no reason given). 8: lost for Timing.
        await pilot.press("w", "enter")
        assert shown(screen) == "Late proposal"
        await pilot.press("l")
        assert isinstance(app.screen, LostModal)
        await type_text(pilot, "timing")
        await pilot.press("enter", "ctrl+s")
        assert shown(screen) == "Fresh big"

        # 9, no next step: a note does not give it one (it stays), a next step does.
        await pilot.press("a")
        await paste(pilot, "Met at the fair")
        await pilot.press("ctrl+s")
        assert shown(screen) == "Fresh big" and "9 of 10" in review_text(screen)
        assert "note  Met at the fair" in review_text(screen)
        await pilot.press("t")
        await paste(pilot, "Book a demo")
        await pilot.press("ctrl+s")
        assert shown(screen) == "Fresh small"

        # 10: moved on a stage: new there, it has a few days to get a next step. The end.
        await pilot.press("greater_than_sign")
        assert screen.in_summary
        assert summary(screen) == (
            "Reviewed 10 of 10 in 6 min: 2 notes, 2 next steps, 1 moved, 1 won, "
            "1 lost (Timing / no urgency), 1 reason given (Price / budget), 1 closed out, 1 snoozed, "
            "1 skipped; nothing left"
        )
        assert left(screen) == [["↻ revisit", "skipped", "Old import loss — Borealis"]]
        assert "Daily review · 10 today" in plain(screen.query_one("#review-progress", Static))
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)

    lost, won = store.shape.first_stage(StageKind.LOST).id, store.shape.first_stage(StageKind.WON).id
    got = {d.title: d for d in store.deals.all()}
    assert got["New import loss"].loss_reason_id == store.shape.find_reason("Price").id
    assert got["Old import loss"] == p.old_import
    assert got["Long due"].revisit_state is RevisitState.CLOSED
    assert got["Due again"].revisit_on == date(2027, 2, 24)
    assert [n.text for n in store.deals.notes(p.idle_big.id)] == ["Called: still keen"]
    idle_small = got["Idle small"]
    assert (idle_small.next_step, idle_small.next_step_due) == ("Send the proposal", date(2026, 11, 27))
    assert got["Both ways"].stage_id == won
    assert got["Late proposal"].stage_id == lost
    assert got["Late proposal"].loss_reason_id == store.shape.find_reason("Timing").id
    assert got["Fresh big"].next_step == "Book a demo"
    assert [n.text for n in store.deals.notes(p.fresh_big.id)] == ["Met at the fair"]
    assert got["Fresh small"].stage_id == stage_id(store, "Qualified")
    # Each decision is one operation, undoable on its own.
    assert len([c for c in store.journal.recent(limit=50) if c.origin == store.conn.origin]) == 10


async def test_escape_in_a_prompt_decides_nothing(make_app, store: Store, pipeline: Pipeline) -> None:
    before = store.deals.get(pipeline.idle_big.id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 4, "l", "escape", "m", "escape", "a", "escape", "t", "escape")
        assert app.screen is screen and shown(screen) == "Idle big"
        await pilot.press("escape")
        assert summary(screen) == "Reviewed 4 of 10 in under a minute: 4 skipped; 6 left"
    assert store.deals.get(pipeline.idle_big.id) == before


async def test_m_moves_to_any_stage_and_a_won_pick_counts_as_won(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 4, "m")
        assert isinstance(app.screen, StageModal)
        await pilot.press("n", "enter")  # Negotiation: a move is activity, not stale now
        assert shown(screen) == "Idle small"
        await pilot.press("m", "c", "enter", "enter")  # Closed Won (c jumps to the first C), no reason
        assert shown(screen) == "Both ways"
        await pilot.press("escape")
        assert summary(screen).startswith("Reviewed 6 of 10 in under a minute: 1 moved, 1 won, 4 skipped")
    assert store.deals.get(pipeline.idle_big.id).stage_id == stage_id(store, "Negotiation")
    assert store.deals.get(pipeline.idle_small.id).stage_id == store.shape.first_stage(StageKind.WON).id


async def test_o_reopens_a_revisit_and_e_edits(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("space", "space", "o")
        assert isinstance(app.screen, StageModal)
        await pilot.press("p", "enter")
        assert shown(screen) == "Due again"
        await pilot.press("space", "space", "space", "space", "e")  # Late proposal: its close date passed
        modal = app.screen
        modal.query_one("#deal-close", Input).value = "Dec 20"
        await pilot.press("ctrl+s")
        assert shown(screen) == "Fresh big"
    assert store.deals.get(pipeline.long_due.id).stage_id == stage_id(store, "Proposal")
    assert store.deals.get(pipeline.late.id).expected_close == date(2026, 12, 20)
    assert EventKind.REOPENED in kinds(store, pipeline.long_due.id)


# -------------------------------------------------------------------- undo


async def test_u_undoes_the_last_decision_and_goes_back_to_its_deal(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 4, "a")
        await paste(pilot, "Called")
        await pilot.press("ctrl+s", "space")  # noted Idle big; skipped Idle small
        assert shown(screen) == "Both ways"
        assert "u  Undo" in keybar(app)
        await pilot.press("u")  # the skip: back to Idle small, nothing to change in the store
        assert shown(screen) == "Idle small" and "6 of 10" in review_text(screen)
        assert [n.text for n in store.deals.notes(pipeline.idle_big.id)] == ["Called"]
        await pilot.press("u")  # the note: taken back, and the review is on Idle big again
        assert shown(screen) == "Idle big" and "5 of 10" in review_text(screen)
        assert "⚠ 30 days idle in Lead" in review_text(screen)
        assert store.deals.notes(pipeline.idle_big.id) == []
        await pilot.press(*["u"] * 4)  # the four skips
        assert shown(screen) == "New import loss" and "u  Undo" not in keybar(app)
        await pilot.press("u")
        assert shown(screen) == "New import loss"  # nothing before the first decision
        await pilot.press("escape")
        assert summary(screen) == "Reviewed 0 of 10 in under a minute: nothing decided; 10 left"
    assert store.deals.get(pipeline.idle_big.id).last_activity_at == START - timedelta(days=30)


async def test_u_from_the_summary_and_a_lost_deal_taken_back(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 7, "l")  # Late proposal
        await type_text(pilot, "price")
        await pilot.press("enter", "ctrl+s", "escape")
        assert screen.in_summary and "1 lost (Price / budget)" in summary(screen)
        await pilot.press("u")
        assert not screen.in_summary and shown(screen) == "Late proposal"
        assert "⚠ close date passed 3 days ago" in review_text(screen)
        await pilot.press("escape")
        assert "lost" not in summary(screen)
    assert store.deals.get(pipeline.late.id).stage_id == stage_id(store, "Proposal")


async def test_an_undo_from_the_command_line_takes_the_review_back(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    from pipeline_tui import operations as ops

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 4, "w", "enter")
        assert shown(screen) == "Idle small"
        with Store.open(store.path) as other:  # `pipeline-tui undo` in another terminal
            ops.undo(other)
        app.check_for_changes()  # what the poll timer does
        await pilot.pause()
        assert shown(screen) == "Idle big"
        assert store.deals.get(pipeline.idle_big.id).stage_id == stage_id(store, "Lead")


# ---------------------------------------------------------------- typed ahead


@pytest.fixture
def three_stale(store: Store, clock: Clock) -> list[int]:
    return [
        add_at(store, clock, TODAY - timedelta(days=20), f"Stale {n}", value=(4 - n) * 100_000).id
        for n in (1, 2, 3)
    ]  # fmt: skip


async def test_typed_ahead_keys_land_on_the_item_they_were_typed_on(
    make_app, store: Store, three_stale: list[int]
) -> None:
    """A fast 'a text ctrl+s a text ctrl+s' notes two different deals, never one twice."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        assert shown(screen) == "Stale 1"
        # Every key posted at once, before any is handled, as a fast typist or a paste of
        # keystrokes delivers them.
        post_key(app, "a", "a")
        queue_text(app, "first")
        post_key(app, "ctrl+s", None)
        post_key(app, "a", "a")
        queue_text(app, "second")
        post_key(app, "ctrl+s", None)
        post_key(app, "space", " ")
        assert app.screen is screen and shown(screen) == "Stale 1"  # none handled yet
        await pilot.pause()
        assert screen.in_summary
        assert summary(screen) == "Reviewed 3 of 3 in under a minute: 2 notes, 1 skipped; nothing left"
    first, second, third = three_stale
    assert [n.text for n in store.deals.notes(first)] == ["first"]
    assert [n.text for n in store.deals.notes(second)] == ["second"]
    assert store.deals.notes(third) == []


async def test_typed_ahead_skips_and_decisions_in_a_burst(
    make_app, store: Store, three_stale: list[int]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        post_key(app, "space", " ")
        post_key(app, "w", "w")
        post_key(app, "enter", None)  # won, no reason given
        post_key(app, "u", "u")
        post_key(app, "z", "z")
        post_key(app, "enter", None)  # the suggested +2w
        await pilot.pause()
        assert shown(screen) == "Stale 3"
        assert summary_counts(screen) == "Reviewed 2 of 3 in under a minute: 1 snoozed, 1 skipped; 1 left"
    first, second, third = three_stale
    assert store.deals.get(second).stage_id == stage_id(store, "Lead")  # won, then taken back
    assert store.deals.get(second).snoozed_until == date(2026, 12, 8)
    assert store.deals.notes(first) == [] and store.deals.get(third).snoozed_until is None


async def test_a_key_that_does_nothing_here_is_said_and_drops_what_was_typed_after(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    """On a due revisit a note keeps the deal (the revisit is still due); a `t` typed
    ahead for a next step does nothing there, so the word typed after it must not run as
    commands (the c of "call them" would close the revisit out)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("space", "space")
        assert shown(screen) == "Long due"
        for key, char in [("a", "a"), ("x", "x"), ("ctrl+s", None), ("t", "t"), ("c", "c"), ("a", "a"),
                          ("l", "l"), ("l", "l"), ("ctrl+s", None)]:  # fmt: skip
            post_key(app, key, char)
        await pilot.pause()
        await pilot.pause()
        assert shown(screen) == "Long due" and isinstance(app.screen, type(screen))
    deal = store.deals.get(pipeline.long_due.id)
    assert store.deals.notes(deal.id)[-1].text == "x"
    assert deal.revisit_state is RevisitState.PENDING  # still due: not closed out
    notes = [n.text for n in app.messages]
    assert any("Still here: the revisit is still due" in n for n in notes)
    refused = [n for n in notes if "does nothing on this deal" in n]
    assert refused == [
        "'t' does nothing on this deal; the revisit is still due: o reopens · z snoozes · c closes out · "
        "space skips; the keys typed after it were dropped."
    ]


# -------------------------------------------------------------- summary and more


async def test_enter_on_a_left_deal_reviews_from_there(make_app, store: Store, pipeline: Pipeline) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("space", "escape")
        assert summary(screen) == "Reviewed 1 of 10 in under a minute: 1 skipped; 9 left"
        assert [row[2] for row in left(screen)][:3] == [
            "New import loss — Ajax", "Old import loss — Borealis", "Long due — Cedar"
        ]  # fmt: skip
        assert "Review it" in keybar(app) and "Back" in keybar(app)
        await pilot.press("down", "down", "down", "down", "enter")  # Idle big
        assert shown(screen) == "Idle big" and "5 of 10" in review_text(screen)
        await pilot.press("w", "enter")
        assert shown(screen) == "Idle small"
        await pilot.press("escape")
        assert summary(screen) == "Reviewed 2 of 10 in under a minute: 1 won, 1 skipped; 8 left"
        assert "Idle big — Fir" not in [row[2] for row in left(screen)]


async def test_a_deal_fixed_elsewhere_before_its_turn_is_passed_over(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        with Store.open(store.path) as other:  # another process: won after all
            builders.mark_won(other, pipeline.old_import.id)
        await pilot.press("space")
        assert shown(screen) == "Long due"  # Old import loss needs nothing any more
        await pilot.press("escape")
        assert summary(screen) == (
            "Reviewed 2 of 10 in under a minute: 1 skipped, 1 settled elsewhere; 8 left"
        )


async def test_a_change_elsewhere_does_not_move_the_review_on(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 4)
        with Store.open(store.path) as other:
            builders.add_note(other, pipeline.idle_big.id, "Called from the CLI")
        app.check_for_changes()
        await pilot.pause()
        assert shown(screen) == "Idle big"  # a key typed now is meant for this deal
        assert "✓ no longer needs attention" in review_text(screen)
        assert "Called from the CLI" in review_text(screen)
        await pilot.press("space")
        assert shown(screen) == "Idle small"
        assert summary_counts(screen).endswith("4 skipped, 1 settled elsewhere; 5 left")


async def test_a_conflict_is_asked_about_and_save_anyway_counts(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * 4)
        with Store.open(store.path) as other:
            builders.edit(other, pipeline.idle_big.id, value=1_000_000)
        await pilot.press("t")
        await paste(pilot, "Call back")
        await pilot.press("enter", *"fri", "enter")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("s")  # save anyway
        assert shown(screen) == "Idle small"
        await pilot.press("escape")
        assert "1 next step" in summary(screen)
    deal = store.deals.get(pipeline.idle_big.id)
    assert (deal.next_step, deal.value) == ("Call back", 1_000_000)


async def test_enter_opens_the_deal_detail_and_a_fix_there_counts(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, DealDetailScreen) and app.screen.deal_id == pipeline.new_import.id
        await pilot.press("escape")
        assert app.screen is screen and shown(screen) == "New import loss"
        await pilot.press(*["space"] * 4, "enter", "w", "enter")  # Idle big, won from its detail
        await pilot.press("escape")
        assert app.screen is screen and shown(screen) == "Idle big"
        assert "✓ no longer needs attention" in review_text(screen)
        await pilot.press("space")  # on: not a skip, the deal was seen to
        assert shown(screen) == "Idle small"
        assert summary_counts(screen).endswith("4 skipped, 1 settled elsewhere; 5 left")


async def test_nothing_to_review(make_app, store: Store) -> None:
    builders.add(store, "Planned", next_step="Demo", next_step_due=TODAY + timedelta(days=2))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        assert screen.in_summary
        assert summary(screen).startswith("Nothing needs you today")
        await pilot.press("space", "a", "w")  # nothing to act on
        assert app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)
        status = plain(app.screen.query_one("#status", Static))
        assert "✓ review done  ·  health 100%" in status


async def test_the_status_line_says_what_is_to_do_and_when_the_review_is_done(
    make_app, store: Store, clock: Clock
) -> None:
    builders.add(store, "Planned", next_step="Demo", next_step_due=TODAY + timedelta(days=2))
    stale = add_at(store, clock, TODAY - timedelta(days=20), "Quiet one", next_step="Call",
                   next_step_due=TODAY - timedelta(days=3))  # fmt: skip
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        status = plain(app.screen.query_one("#status", Static))
        assert "review: 1 to do (d)  ·  health 50%" in status
        screen = await open_review(pilot)
        await pilot.press("t")
        await pilot.press("ctrl+u")
        await paste(pilot, "Call again")
        await pilot.press("tab", "ctrl+u", *"fri", "ctrl+s")
        assert screen.in_summary
        await pilot.press("escape")
        await pilot.pause()
        status = plain(app.screen.query_one("#status", Static))
        assert "✓ review done  ·  health 100%" in status
    assert store.deals.get(stale.id).next_step_due == date(2026, 11, 27)


async def test_pipeline_tui_review_opens_the_board_straight_into_it(
    make_app, store: Store, pipeline: Pipeline
) -> None:
    app = make_app(start="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and shown(app.screen) == "New import loss"
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, BoardScreen)


# ---------------------------------------------------------------- any terminal


@pytest.mark.parametrize("size", [(60, 18), (250, 70)], ids=["60x18", "250x70"])
async def test_the_review_works_in_any_terminal(make_app, store: Store, pipeline: Pipeline, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_review(pilot)
        for _ in range(3):
            assert_focus_visible(app)
            await pilot.press("space")
        await pilot.press("a")
        assert_focus_visible(app)
        await paste(pilot, "Still keen")
        await pilot.press("ctrl+s")
        assert shown(screen) == "Due again"  # a note does not fix a revisit: it stays
        item = screen.query_one("#review-item")
        await pilot.press("end")  # the item scrolls to its timeline in a short terminal
        assert "Still keen" in review_text(screen)
        await pilot.press("escape")
        assert_focus_visible(app)
        assert screen.in_summary and item.display is False
    assert [n.text for n in store.deals.notes(pipeline.due.id)] == ["Still keen"]


@pytest.mark.parametrize("theme", ["textual-light", "textual-dark"])
@pytest.mark.parametrize("skips", [0, 2, 4, 8, 99], ids=["missing", "revisit", "stale", "no-step", "summary"])
async def test_the_review_is_readable_in_both_themes(
    make_app, store: Store, pipeline: Pipeline, theme: str, skips: int
) -> None:
    app = make_app(settings=Settings(theme=theme))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_review(pilot)
        await pilot.press(*["space"] * min(skips, 10))
        assert screen.in_summary == (skips == 99)
        assert unreadable(app) == []


def test_every_kind_has_a_mark_and_a_style() -> None:
    assert [spec.kind for spec in KINDS] == list(Kind)  # ranked in the order they are declared
    assert all(spec.tone in review_screen.TONES and spec.mark and spec.settles for spec in KINDS)
    assert len({spec.mark for spec in KINDS}) == len(KINDS)


async def test_after_a_change_on_the_board_the_figures_follow(make_app, store: Store, clock: Clock) -> None:
    """Counting the review and health reads every open deal: after a move on the board they
    are recounted a moment later (the move shows first), then say what is true."""
    builders.add(store, "Planned", next_step="Demo", next_step_due=TODAY + timedelta(days=2))
    quiet = add_at(store, clock, TODAY - timedelta(days=20), "Quiet one")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        status = app.screen.query_one("#status", Static)
        assert "review: 1 to do (d)  ·  health 50%" in plain(status)
        assert app.screen.current_deal.id == quiet.id
        await pilot.press("w", "enter")
        for _ in range(100):  # the recount comes within a second (never a wait on its own)
            if "✓ review done" in plain(status):
                break
            await pilot.pause(0.05)
        assert "✓ review done  ·  health 100%" in plain(status)
    assert store.shape.stage(store.deals.get(quiet.id).stage_id).kind is StageKind.WON


# ------------------------------------------------------------- one sitting a day


@pytest.fixture
def twenty_stale(store: Store, clock: Clock) -> list[str]:
    """Twenty deals idle for 20 to 39 days: the longest idle first in the review."""
    for n in range(20):
        add_at(store, clock, TODAY - timedelta(days=39 - n), f"Idle {n:02}", value=100_000)
    return [f"Idle {n:02}" for n in range(20)]


def status(app) -> str:  # type: ignore[no-untyped-def]
    return plain(app.screen.query_one("#status", Static))


async def test_a_sitting_is_review_size_long_skips_count_and_later_is_offered(
    make_app, store: Store, twenty_stale: list[str]
) -> None:
    """Three a sitting: two skipped and the review ended says '1 left', as the status line
    does; opened again it goes on with that one; done, it offers the rest as later."""
    app = make_app(settings=Settings(review_size=3))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "review: 3 to do (d) · 17 later" in status(app)
        screen = await open_review(pilot)
        assert "1 of 3" in review_text(screen) and shown(screen) == "Idle 00"
        await pilot.press("space", "space", "escape")
        assert summary(screen) == "Reviewed 2 of 3 in under a minute: 2 skipped; 1 left"
        await pilot.press("escape")
        await pilot.pause()
        assert "review: 1 to do (d) · 17 later" in status(app)  # the summary's count
        screen = await open_review(pilot)  # the same day: on where the sitting left off
        assert shown(screen) == "Idle 02" and "1 of 1" in review_text(screen)
        await pilot.press("w", "enter")  # won, no reason given
        assert screen.in_summary
        text = plain(screen.query_one("#review-summary-text", Static))
        assert "17 more when you have time: enter" in text
        assert "More" in keybar(app)
        await pilot.press("enter")  # the next sitting, from later
        assert shown(screen) == "Idle 03" and review_text(screen).startswith(
            "Daily review · later · 1 of 3 · Stale"
        )
        await pilot.press("space", "escape", "escape")
        await pilot.pause()
        assert "✓ review done · 16 later (d)" in status(app)
    assert store.review.seen_count(TODAY) == 4


async def test_an_overdue_next_step_is_flagged_in_the_review_and_a_new_date_settles_it(
    make_app, store: Store
) -> None:
    deal = builders.add(store, "Late step", value=900_000, next_step="Send the deck",
                        next_step_due=TODAY - timedelta(days=5))  # fmt: skip
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        text = review_text(screen)
        assert text.startswith("Daily review · 1 of 1 · Next step overdue\n")
        assert "! next step 5 days overdue (due Nov 19): 'Send the deck'" in text
        assert "Next step  Send the deck (due Nov 19, 5 days late)" in text
        await pilot.press("a")  # a note does not settle it: the step is still overdue
        await paste(pilot, "Chased by mail")
        await pilot.press("ctrl+s")
        assert shown(screen) == "Late step"
        assert app.messages[-1].text.startswith("Still here: the next step is still overdue")
        await pilot.press("t", "tab", "ctrl+u", *"fri", "ctrl+s")
        assert screen.in_summary
    assert store.deals.get(deal.id).next_step_due == date(2026, 11, 27)


async def test_a_still_here_message_leaves_with_its_deal_and_an_undone_skip_says_so(
    make_app, store: Store
) -> None:
    """'Still here' is about the deal shown: it leaves the message line when the review
    moves on (not onto the next deal, nor the summary); taking a skip back says so instead
    of leaving the last decision's 'u to undo' standing."""
    for title in ("Late one", "Late two"):
        builders.add(store, title, value=900_000, next_step="Send the deck",
                     next_step_due=TODAY - timedelta(days=5))  # fmt: skip
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_review(pilot)
        await pilot.press("a")
        await paste(pilot, "Chased by mail")
        await pilot.press("ctrl+s")
        bar = screen.query_one(KeyBar)
        assert bar.message.startswith("Still here: the next step is still overdue")
        await pilot.press("space")
        assert shown(screen) == "Late two" and "Still here" not in bar.message
        await pilot.press("u")
        assert shown(screen) == "Late one" and bar.message == "Skip taken back: Late one"
        await pilot.press("space")  # skipped again: the taking back is no longer true
        assert shown(screen) == "Late two" and "Skip taken back" not in bar.message
        await pilot.press("space")
        assert screen.in_summary and "Still here" not in screen.query_one(KeyBar).message


async def test_a_sitting_all_skipped_offers_what_waits_as_later(
    make_app, store: Store, twenty_stale: list[str]
) -> None:
    app = make_app(settings=Settings(review_size=2))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_review(pilot)
        await pilot.press("space", "space")
        assert summary(screen) == "Reviewed 2 of 2 in under a minute: 2 skipped; nothing left"
        assert [row[:2] for row in left(screen)] == [["⚠ stale", "skipped"]] * 2
        assert "18 more when you have time: enter" in plain(screen.query_one("#review-summary-text", Static))
        await pilot.press("enter")
        assert shown(screen) == "Idle 02" and "later · 1 of 2" in review_text(screen)


@pytest.mark.parametrize("size", [(60, 18), (80, 24), (160, 45)], ids=["60x18", "80x24", "160x45"])
async def test_the_status_line_keeps_the_review_and_the_health_first_and_d_leads_the_keys(
    make_app, store: Store, pipeline: Pipeline, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        line = status(app).split("more › · ")[-1]  # after the columns off screen, if any
        assert line.startswith(("review: 10 to do (d)", "review 10 (d)")), line
        assert "health 11%" in line
        assert keybar(app).startswith(" d  Review ")

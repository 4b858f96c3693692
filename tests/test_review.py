"""The daily review's queue (no Textual): its order, each deal once, why each is there, the
walk through it, the status line's counts, and `pipeline-tui review --json`."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import builders
import pytest
from conftest import START, TODAY, Clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pilot_helpers import add_at, stage_id
from review_helpers import Pipeline, review_pipeline

from pipeline_tui import operations as ops
from pipeline_tui import rules
from pipeline_tui.cli import main
from pipeline_tui.config import Settings
from pipeline_tui.models import LossInput, StageKind
from pipeline_tui.review import (
    DONE,
    NOT_REACHED,
    SKIPPED,
    Check,
    Kind,
    Policy,
    Queue,
    Session,
    build_queue,
    health,
    needs_attention,
    policy,
    summary_line,
    why,
)
from pipeline_tui.store import Store, ts


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> Pipeline:
    return review_pipeline(store, clock)


KINDS = (
    [Kind.MISSING_REASON] + [Kind.REVISIT] * 3 + [Kind.STALE] * 4 + [Kind.NO_NEXT_STEP] * 2
)  # fmt: skip


def test_queue_order_each_deal_once_under_its_first_kind(store: Store, pipeline: Pipeline) -> None:
    queue = build_queue(store, TODAY)
    assert queue.ids == [d.id for d in pipeline.order]
    assert queue.kinds == KINDS
    assert queue.counts() == {
        Kind.MISSING_REASON: 1, Kind.REVISIT: 3, Kind.OVERDUE_STEP: 0, Kind.SLIPPING: 0, Kind.STALE: 4,
        Kind.NO_NEXT_STEP: 2,
    }  # fmt: skip
    assert (queue.later, queue.seen) == (0, 0)
    # The old import, lost 40 days ago without a reason, has a revisit due: listed once, under
    # its revisit (the review asks for the reasons of recent losses only).
    # The late proposal is stale and has no next step: listed once, as stale.
    assert queue.ids.count(pipeline.old_import.id) == 1
    assert queue.ids.count(pipeline.late.id) == 1


def test_why_each_deal_is_in_the_review(store: Store, pipeline: Pipeline) -> None:
    queue = build_queue(store, TODAY)
    said = [why(store, item.kind, store.deals.get(item.deal_id), TODAY) for item in queue]
    assert said == [
        "lost on Nov 19 with no reason recorded",
        "revisit due since Nov 1: lost on Oct 15, no reason recorded",
        "revisit due since Nov 14: lost for Timing / no urgency",
        "revisit due since Nov 20: lost for Price / budget — 'Budget frozen until Q2'",
        "30 days idle in Lead",
        "30 days idle in Lead",
        "20 days idle in Qualified; close date passed 10 days ago",
        "close date passed 3 days ago",
        "no next step · 5 days in Lead",
        "no next step · 5 days in Lead",
    ]


def test_a_revisit_due_today_and_dates_of_another_year(store: Store, clock: Clock) -> None:
    clock.set(datetime(2025, 6, 1, 10))
    deal = builders.add(store, "Old friend")
    competitor = store.shape.find_reason("Lost to competitor").id
    builders.mark_lost(store, deal.id, LossInput(competitor, competitor="Hooli", revisit_on=TODAY))
    clock.set(START)
    deal = store.deals.get(deal.id)
    assert why(store, Kind.REVISIT, deal, TODAY) == "revisit due today: lost for Lost to competitor (Hooli)"
    assert why(store, Kind.REVISIT, deal, date(2027, 1, 5)) == (
        "revisit due since Nov 24, 2026: lost for Lost to competitor (Hooli)"
    )


def test_the_queue_is_read_once_a_fix_does_not_reshuffle_it(store: Store, pipeline: Pipeline) -> None:
    queue = build_queue(store, TODAY)
    builders.add_note(store, pipeline.idle_big.id, "Called")
    new = builders.add(
        store, "Brand new", value=90_000_000, next_step="Call", next_step_due=TODAY - timedelta(days=1)
    )
    assert queue.ids == [d.id for d in pipeline.order]
    fixed = store.deals.get(pipeline.idle_big.id)
    assert not needs_attention(Kind.STALE, fixed, store.shape.stage(fixed.stage_id), TODAY)
    # A queue read now would hold it elsewhere (it still has no next step, and has been in Lead
    # for 30 days), and the new deal (its next step is overdue).
    again = build_queue(store, TODAY)
    assert again.ids[4] == new.id and again.kinds[4] is Kind.OVERDUE_STEP
    assert again.ids[-3:] == [pipeline.fresh_big.id, pipeline.idle_big.id, pipeline.fresh_small.id]


def test_an_empty_pipeline_has_nothing_to_review(store: Store) -> None:
    assert len(build_queue(store, TODAY)) == 0
    assert health(store, TODAY).to_review == 0
    assert health(store, TODAY).percent is None


# ------------------------------------------------------------------- status line


def test_health_is_the_share_of_open_deals_with_a_future_step_and_not_stale(store: Store) -> None:
    builders.add(store, "Planned", next_step="Demo", next_step_due=TODAY + timedelta(days=3))
    builders.add(store, "Planned, late", next_step="Demo", next_step_due=TODAY + timedelta(days=3),
              expected_close=TODAY - timedelta(days=1))  # fmt: skip
    builders.add(store, "Step due today", next_step="Call", next_step_due=TODAY)
    builders.add(store, "No step", at=TODAY - timedelta(days=4))
    builders.add(store, "No step, new")  # added today: it has a few days to get one
    won = builders.add(store, "Won", next_step="Invoice", next_step_due=TODAY + timedelta(days=3))
    builders.mark_won(store, won.id)
    found = health(store, TODAY)
    assert (found.healthy, found.open, found.percent) == (1, 5, 20)
    # The review takes up the late one (stale) and the one without a step for four days; a
    # step due today is not in the future (not healthy), but the deal needs nothing today.
    assert (found.to_review, found.later) == (2, 0)


def random_pipeline(store: Store, clock: Clock, seed: int, size: int) -> None:
    """Deals of every kind and state, on and around today's boundaries."""
    rng = random.Random(seed)
    stages = store.shape.stages()
    reasons = store.shape.reasons()
    near = [TODAY + timedelta(days=d) for d in (-40, -15, -14, -13, -10, -7, -1, 0, 1, 7)]
    for i in range(size):
        clock.set(START - timedelta(days=rng.choice([0, 1, 6, 7, 9, 10, 13, 14, 15, 40])))
        stage = rng.choice(stages)
        fields: dict[str, object] = {"value": rng.choice([0, 100, 5_000, 5_000, 90_000, 100_000])}
        if rng.random() < 0.2:
            fields["currency"] = rng.choice(["EUR", "GBP"])  # EUR has a rate, GBP none
        if rng.random() < 0.5:
            fields["expected_close"] = rng.choice(near)
        if rng.random() < 0.7:
            fields["next_step"] = rng.choice(["", "Call", "Call", "Call"])
            if fields["next_step"]:  # a due date needs its step
                fields["next_step_due"] = rng.choice([None, *near, *near[-3:]])
        if stage.kind is StageKind.LOST and rng.random() < 0.3:
            row = {
                "title": f"import {i}",
                "stage_id": stage.id,
                "closed_at": ts(clock()),
                "revisit_on": rng.choice([None, *near]),
                "revisit_state": rng.choice([None, "pending"]),
            }
            store.transfer.add_many([row])  # fmt: skip
            continue
        deal = builders.add(store, f"deal {i}", **fields)  # type: ignore[arg-type]
        if rng.random() < 0.35:  # a close date pushed later (or pulled in) a few times
            close = deal.expected_close or rng.choice(near)
            for _ in range(rng.choice([1, 2, 2, 3])):
                clock.advance(hours=1)
                close += timedelta(days=rng.choice([14, 14, -3]))
                builders.edit(store, deal.id, expected_close=close)
            if rng.random() < 0.3:  # acted on since: settled until the next push
                clock.advance(hours=1)
                builders.note(store, deal.id, "Spoke to them")
        if stage.kind is StageKind.LOST:
            revisit = rng.choice([None, *near])
            builders.mark_lost(store, deal.id, LossInput(reasons[0].id, revisit_on=revisit))
            if revisit and rng.random() < 0.2:
                builders.close_revisit(store, deal.id)
        elif stage.kind is StageKind.WON:
            builders.mark_won(store, deal.id)
        elif stage.id != deal.stage_id:
            builders.move(store, deal.id, stage.id)
        if rng.random() < 0.15:
            builders.snooze_stale(store, deal.id, rng.choice(near[-3:])) if stage.is_open else None
        if rng.random() < 0.05:
            builders.archive(store, deal.id)
    clock.set(START)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(0, 40),
    shift=st.integers(-20, 20),
    review_size=st.integers(1, 20),
    after_days=st.sampled_from([0, 3, 10]),
    from_position=st.sampled_from([None, 1, 3]),
    from_value=st.sampled_from([0, 5_000, 100_000]),
    seen=st.integers(0, 12),
    slip_limit=st.sampled_from([1, 2, 3]),
)
def test_the_queries_agree_with_the_rules(
    tmp_path: Path, seed: int, size: int, shift: int, review_size: int, after_days: int,
    from_position: int | None, from_value: int, seen: int, slip_limit: int,
) -> None:  # fmt: skip
    """Whatever the pipeline, the day and the seller's policy: the ranked deals are exactly
    those that need attention and were not seen today, each under the first kind it matches;
    today's queue is the first of them, as many as are left of the sitting; the status line
    counts the same."""
    clock = Clock()
    with Store.open(tmp_path / f"p{seed}-{size}-{shift}-{review_size}-{seen}.db", clock=clock) as store:
        random_pipeline(store, clock, seed, size)
        today = TODAY + timedelta(days=shift)
        rule = rules.NextStepRule(after_days, from_position, from_value, "USD", {"EUR": Decimal("1.1")})
        policy = Policy(review_size, rule, slip_limit)
        every = [d.id for d in store.deals.all(archived=None)]
        marked = random.Random(seed).sample(every, min(seen, len(every)))
        store.review.mark_seen(today, marked)
        queue = build_queue(store, today, policy, every=True)
        sitting = build_queue(store, today, policy)  # as the review reads it: one sitting
        assert (sitting.ids, sitting.kinds, sitting.later) == (queue.ids, queue.kinds, queue.later)
        expected: dict[int, Kind] = {}
        healthy = opened = 0
        for deal in store.deals.all(archived=None):
            stage = store.shape.stage(deal.stage_id)
            check = Check(rule, store.history.slip(deal.id), slip_limit)
            kind = next((k for k in Kind if needs_attention(k, deal, stage, today, check)), None)
            if kind is not None and deal.id not in marked:
                expected[deal.id] = kind
            if stage.is_open and not deal.archived:
                opened += 1
                due = deal.next_step_due
                future = deal.next_step != "" and due is not None and due > today
                healthy += future and not rules.is_stale(deal, stage, today)
        ids, kinds = queue.ids + queue.later_ids, queue.kinds + queue.later_kinds
        assert dict(zip(ids, kinds, strict=True)) == expected
        assert len(set(ids)) == len(ids)
        assert [k for k in Kind if k in kinds] == sorted(set(kinds), key=list(Kind).index)
        assert len(queue) == min(len(expected), max(0, review_size - len(marked)))
        stale = [d for d in store.deals.all() if rules.is_stale(d, store.shape.stage(d.stage_id), today)]
        assert store.review.stale_ids(today) == [
            d.id for d in sorted(stale, key=lambda d: rules.stale_sort_key(d, today))
        ]
        found = health(store, today, policy)
        assert (found.to_review, found.later, found.healthy, found.open) == (
            len(queue),
            queue.later,
            healthy,
            opened,
        )


# ------------------------------------------------------------- one sitting a day


@pytest.fixture
def twenty_stale(store: Store, clock: Clock) -> list[int]:
    """Twenty deals idle for 20 to 39 days (the longest idle first in the review)."""
    ids = [
        add_at(store, clock, TODAY - timedelta(days=20 + n), f"Idle {n}", value=100_000).id for n in range(20)
    ]
    return ids[::-1]


def test_todays_queue_is_one_sitting_and_the_rest_waits_as_later(
    store: Store, twenty_stale: list[int]
) -> None:
    queue = build_queue(store, TODAY, every=True)
    assert (len(queue), queue.later) == (15, 5)
    assert queue.ids == twenty_stale[:15] and queue.later_ids == twenty_stale[15:]
    assert build_queue(store, TODAY).ids == queue.ids
    assert (health(store, TODAY).to_review, health(store, TODAY).later) == (15, 5)
    assert len(build_queue(store, TODAY, Policy(size=5))) == 5


def test_a_skip_counts_as_reviewed_for_today(store: Store, twenty_stale: list[int]) -> None:
    """Every deal the review moves past is marked seen today: opening it again goes on where
    the sitting left off, and once the sitting is done the status line says so; tomorrow the
    skipped deals are back."""
    ops.mark_seen(store, TODAY, twenty_stale[:10])  # ten skipped (or decided) in a first sitting
    queue = build_queue(store, TODAY)
    assert queue.ids == twenty_stale[10:15] and queue.seen == 10 and queue.later == 5
    assert (health(store, TODAY).to_review, health(store, TODAY).later) == (5, 5)
    ops.mark_seen(store, TODAY, twenty_stale[10:15])
    assert len(build_queue(store, TODAY)) == 0
    assert (health(store, TODAY).to_review, health(store, TODAY).later) == (0, 5)
    more = build_queue(store, TODAY, more=True)  # "5 more when you have time"
    assert more.ids == twenty_stale[15:] and more.later == 0
    ops.unmark_seen(store, TODAY, [twenty_stale[0]])  # `u` on a skip
    assert build_queue(store, TODAY).ids == [twenty_stale[0]]
    tomorrow = TODAY + timedelta(days=1)
    assert build_queue(store, tomorrow).ids == twenty_stale[:15]
    ops.mark_seen(store, TODAY + timedelta(days=9), [twenty_stale[0]])  # older marks are pruned
    assert store.review.seen_count(TODAY) == 0


def test_lost_without_a_reason_and_due_revisits_always_come_first(store: Store, pipeline: Pipeline) -> None:
    queue = build_queue(store, TODAY, Policy(size=3), every=True)
    assert queue.ids == [pipeline.new_import.id, pipeline.old_import.id, pipeline.long_due.id]
    assert queue.later_kinds[0] is Kind.REVISIT and queue.later == 7


def test_an_overdue_next_step_ranks_above_stale_and_says_how_late(store: Store, clock: Clock) -> None:
    idle = add_at(store, clock, TODAY - timedelta(days=40), "Idle", value=9_000_000)
    late_small = builders.add(store, "Late small", value=100, next_step="Call Eve",
                              next_step_due=TODAY - timedelta(days=5))  # fmt: skip
    late_big = builders.add(store, "Late big", value=900_000, next_step="Send the deck",
                            next_step_due=TODAY - timedelta(days=5))  # fmt: skip
    later = add_at(store, clock, TODAY - timedelta(days=30), "Long late", next_step="Demo",
                   next_step_due=TODAY - timedelta(days=12))  # also idle: overdue first  # fmt: skip
    builders.add(store, "Due today", next_step="Call", next_step_due=TODAY)  # not late yet
    queue = build_queue(store, TODAY)
    assert queue.ids == [later.id, late_big.id, late_small.id, idle.id]
    assert queue.kinds == [Kind.OVERDUE_STEP] * 3 + [Kind.STALE]
    assert why(store, Kind.OVERDUE_STEP, store.deals.get(late_big.id), TODAY) == (
        "next step 5 days overdue (due Nov 19): 'Send the deck'"
    )
    stage = store.shape.stage(late_big.stage_id)
    builders.add_note(store, late_big.id, "Chased")  # a note does not settle it
    assert needs_attention(Kind.OVERDUE_STEP, store.deals.get(late_big.id), stage, TODAY)
    builders.edit(store, late_big.id, next_step_due=TODAY + timedelta(days=2))  # a new date does
    assert not needs_attention(Kind.OVERDUE_STEP, store.deals.get(late_big.id), stage, TODAY)


def test_no_next_step_counts_only_where_it_matters(store: Store, clock: Clock) -> None:
    proposal = stage_id(store, "Proposal")
    old = add_at(store, clock, TODAY - timedelta(days=3), "Three days in Lead")
    add_at(store, clock, TODAY - timedelta(days=1), "Moved yesterday", stage_id=proposal, value=10_000)
    add_at(store, clock, TODAY - timedelta(days=1), "Big, new", value=5_000_000, currency="EUR")
    add_at(store, clock, TODAY - timedelta(days=1), "Big, new, pounds", value=5_000_000, currency="GBP")
    kinds = lambda policy: {  # noqa: E731
        store.deals.get(i).title for i in build_queue(store, TODAY, policy).ids
    }
    assert kinds(Policy()) == {"Three days in Lead"}
    rates = {"EUR": Decimal("1.1")}
    by_stage = rules.NextStepRule(from_position=store.shape.stage(proposal).position)
    by_value = rules.NextStepRule(from_value=5_000_000, currency="USD", rates=rates)  # $50k and up
    assert kinds(Policy(rule=by_stage)) == {"Three days in Lead", "Moved yesterday"}
    assert kinds(Policy(rule=by_value)) == {"Three days in Lead", "Big, new"}  # €50k is $55k; no £ rate
    assert kinds(Policy(rule=rules.NextStepRule(after_days=4))) == set()
    assert why(store, Kind.NO_NEXT_STEP, old, TODAY) == "no next step · 3 days in Lead"


def test_the_policy_comes_from_the_settings(store: Store) -> None:
    settings = Settings(review_size=7, next_step_after_days=5, next_step_from_stage="proposal",
                        next_step_from_value=2_500_000, currency="EUR", rates="USD=0.9")  # fmt: skip
    found = policy(store, settings)
    assert found.size == 7
    assert found.rule == rules.NextStepRule(5, store.shape.find_stage("Proposal").position, 2_500_000, "EUR",
                                            {"USD": Decimal("0.9")})  # fmt: skip
    renamed = policy(store, Settings(next_step_from_stage="Gone"))  # a stage since renamed: none
    assert renamed.rule.from_position is None


def test_review_json_lists_the_later_items_with_all(store: Store, twenty_stale: list[int], capsys) -> None:
    config = store.path.with_name("config.toml")
    args = ["--db", str(store.path), "--today", TODAY.isoformat()]
    assert main([*args, "config", "review_size", "12"]) == 0
    assert "review_size = 12" in capsys.readouterr().out
    assert main([*args, "review", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["size"], printed["count"], printed["later"]) == (12, 12, {"count": 8})
    assert main([*args, "review", "--json", "--all"]) == 0
    later = json.loads(capsys.readouterr().out)["later"]
    assert later["count"] == 8 and [i["id"] for i in later["items"]] == twenty_stale[12:]
    assert later["items"][0]["why"] == "27 days idle in Lead"
    assert config.exists()


# ------------------------------------------------------------------------ session


def session_of(n: int) -> Session:
    return Session(Queue(list(range(1, n + 1)), [Kind.STALE] * n, TODAY))


def test_a_session_walks_skips_and_passes_over_done_items() -> None:
    session = session_of(5)
    assert session.current is not None and session.current.deal_id == 1
    session.decided("note", 11, resolved=True)
    session.advance()
    session.skip()
    session.advance()
    session.decided("note", 12, resolved=False)  # still needs attention: stays
    assert session.position == 2
    session.decided("next_step", 13, resolved=True)
    session.advance()
    assert (session.position, session.reviewed, session.left) == (3, 3, 2)
    session.go_to(1)  # back to the skipped one (from the summary)
    session.advance()
    assert session.position == 3  # done ones are passed over
    session.end()
    assert session.finished and session.left_indexes() == [1, 3, 4]
    assert list(session.states) == [DONE, SKIPPED, DONE, NOT_REACHED, NOT_REACHED]


def test_undo_goes_back_to_the_item_as_it_was() -> None:
    session = session_of(4)
    session.decided("note", 11, resolved=True)
    session.advance()
    session.skip()
    session.advance()
    assert session.position == 2
    skipped = session.undo()
    assert skipped is not None and skipped.what == "skipped" and session.position == 1
    assert session.states[1] == NOT_REACHED
    noted = session.undo()
    assert noted is not None and (noted.what, noted.change_id, session.position) == ("note", 11, 0)
    assert session.states[0] == NOT_REACHED and session.reviewed == 0
    assert session.undo() is None


def test_the_summary_counts_each_skipped_deal_once() -> None:
    """A deal skipped, then skipped again when the review went on from it, is one skipped
    deal; one skipped, then given a note, is not skipped."""
    from pipeline_tui.review import Decision

    log = [Decision(0, "skipped", None, NOT_REACHED), Decision(1, "skipped", None, NOT_REACHED),
           Decision(0, "skipped", None, SKIPPED), Decision(1, "note", 7, SKIPPED),
           Decision(2, "skipped", None, NOT_REACHED)]  # fmt: skip
    assert (
        summary_line(3, 3, log, 0.2, 0)
        == "Reviewed 3 of 3 in under a minute: 1 note, 2 skipped; nothing left"
    )


def test_the_summary_line() -> None:
    session = session_of(17)
    for what, detail in [("note", "")] * 5 + [("next_step", "")] * 3 + [("moved", "")] * 2 + [
        ("won", ""), ("lost", "Price / budget"), ("snoozed", ""), ("snoozed", ""), ("snoozed", "")
    ]:  # fmt: skip
        session.decided(what, None, resolved=what != "note", detail=detail)
        if what != "note":
            session.advance()
    session.skip()
    session.advance()
    session.skip()
    session.advance()
    assert session.summary(6.2) == (
        "Reviewed 12 of 17 in 6 min: 5 notes, 3 next steps, 2 moved, 1 won, 1 lost (Price / budget), "
        "3 snoozed, 2 skipped; 5 left"
    )
    assert summary_line(3, 3, [], 0.2, 0, settled=1) == (
        "Reviewed 3 of 3 in under a minute: 1 settled elsewhere; nothing left"
    )
    assert summary_line(2, 0, [], 0.5, 2) == "Reviewed 0 of 2 in under a minute: nothing decided; 2 left"


# ---------------------------------------------------------------------- command line


def test_review_json_prints_the_queue(store: Store, pipeline: Pipeline, capsys) -> None:
    assert main(["--db", str(store.path), "review", "--json", "--today", TODAY.isoformat()]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["today"] == "2026-11-24" and printed["count"] == 10
    assert (printed["size"], printed["seen_today"], printed["later"]) == (15, 0, {"count": 0})
    assert printed["kinds"] == {
        "missing_reason": 1, "revisit": 3, "overdue_step": 0, "slipping": 0, "stale": 4, "no_next_step": 2
    }  # fmt: skip
    assert [(i["id"], i["title"], i["kind"]) for i in printed["items"]] == [
        (d.id, d.title, k.value) for d, k in zip(pipeline.order, KINDS, strict=True)
    ]
    assert printed["items"][3]["why"] == (
        "revisit due since Nov 20: lost for Price / budget — 'Budget frozen until Q2'"
    )
    assert printed["items"][4] == {
        "id": pipeline.idle_big.id, "title": "Idle big", "company": "Fir", "kind": "stale",
        "why": "30 days idle in Lead",
    }  # fmt: skip


def test_review_json_today_moves_the_day(store: Store, pipeline: Pipeline, capsys) -> None:
    # Two weeks on the fresh deals are idle, so are the snoozed one (quiet until Dec 8) and
    # the one just added; the planned one's step was due Dec 1: overdue; the upcoming revisit
    # is due.
    assert main(["--db", str(store.path), "review", "--json", "--today", "2026-12-10"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["today"] == "2026-12-10"
    assert printed["kinds"] == {
        "missing_reason": 1, "revisit": 4, "overdue_step": 1, "slipping": 0, "stale": 8, "no_next_step": 0
    }  # fmt: skip
    assert printed["count"] == 14 and printed["later"] == {"count": 0}
    assert [i["why"] for i in printed["items"] if i["title"] == "Fresh big"] == ["21 days idle in Lead"]
    assert [i["why"] for i in printed["items"] if i["title"] == "Planned"] == [
        "next step 9 days overdue (due Dec 1): 'Demo'"
    ]


def test_review_json_on_an_empty_pipeline(tmp_path: Path, capsys) -> None:
    assert main(["--db", str(tmp_path / "empty.db"), "review", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["count"], printed["items"]) == (0, [])


def test_review_is_a_command_with_help() -> None:
    done = subprocess.run([sys.executable, "-m", "pipeline_tui", "review", "--help"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and "--json" in done.stdout and "--today" in done.stdout


def test_the_review_module_and_command_do_not_import_textual() -> None:
    code = (
        "import sys, pipeline_tui.review, pipeline_tui.cli.review\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'textual']\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_an_overdue_next_step_is_flagged_on_the_card_and_in_list(store: Store, capsys) -> None:
    from pipeline_tui.widgets.card_text import CardContext, card_text

    late = builders.add(
        store, "Late step", next_step="Send the deck", next_step_due=TODAY - timedelta(days=5)
    )
    builders.add(store, "On time", next_step="Demo", next_step_due=TODAY)
    stage = store.shape.stage(late.stage_id)
    assert card_text(late, stage, CardContext(TODAY, "USD"))[3] == (
        "! overdue 5d: Send the deck",
        "card--warning",
    )
    assert main(["--db", str(store.path), "--today", TODAY.isoformat(), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("Late step  [overdue 5d: Send the deck]") and "overdue" not in lines[1]
    assert main(["--db", str(store.path), "--today", TODAY.isoformat(), "list", "--json"]) == 0
    assert [d["next_step_overdue_days"] for d in json.loads(capsys.readouterr().out)] == [5, None]


def test_old_losses_without_a_reason_never_bury_the_live_deals(store: Store, clock: Clock) -> None:
    """An import brings a CRM's history: many losses years old with no reason. The review
    asks the reasons of losses of the last 30 days; the older ones wait in the palette's
    list, and a live deal whose next step is overdue comes first."""
    from review_helpers import imported_loss

    for n in range(40):
        imported_loss(store, f"2017 loss {n}", datetime(2017, 12, 1, 10) + timedelta(days=n))
    recent = imported_loss(store, "Recent loss", START - timedelta(days=rules.RECENT_LOSS_DAYS))
    imported_loss(store, "Just too old", START - timedelta(days=rules.RECENT_LOSS_DAYS + 1))
    overdue = builders.add(store, "Live deal", value=1_200_000, next_step="Call back",
                           next_step_due=TODAY - timedelta(days=41))  # fmt: skip
    queue = build_queue(store, TODAY)
    assert queue.ids == [recent.id, overdue.id]
    assert queue.kinds == [Kind.MISSING_REASON, Kind.OVERDUE_STEP]
    assert health(store, TODAY).to_review == 2
    assert len(store.review.lost_without_reason_ids()) == 42  # all listed in the palette

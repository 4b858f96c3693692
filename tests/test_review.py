"""The daily review's queue (no Textual): its order, each deal once, why each is there, the
walk through it, the status line's counts, and `pipeline-tui review --json`."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import builders
import pytest
from conftest import START, TODAY, Clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from review_helpers import Pipeline, review_pipeline

from pipeline_tui import rules
from pipeline_tui.cli import main
from pipeline_tui.models import LossInput, StageKind
from pipeline_tui.review import (
    DONE,
    NOT_REACHED,
    SKIPPED,
    Kind,
    Queue,
    Session,
    build_queue,
    health,
    needs_attention,
    summary_line,
    why,
)
from pipeline_tui.store import Store, ts


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> Pipeline:
    return review_pipeline(store, clock)


KINDS = (
    [Kind.MISSING_REASON] * 2 + [Kind.REVISIT] * 2 + [Kind.STALE] * 4 + [Kind.NO_NEXT_STEP] * 2
)  # fmt: skip


def test_queue_order_each_deal_once_under_its_first_kind(store: Store, pipeline: Pipeline) -> None:
    queue = build_queue(store, TODAY)
    assert queue.ids == [d.id for d in pipeline.order]
    assert queue.kinds == KINDS
    assert queue.counts() == {Kind.MISSING_REASON: 2, Kind.REVISIT: 2, Kind.STALE: 4, Kind.NO_NEXT_STEP: 2}
    # The old import is lost without a reason and has a revisit due: listed once, as the first.
    # The late proposal is stale and has no next step: listed once, as stale.
    assert queue.ids.count(pipeline.old_import.id) == 1
    assert queue.ids.count(pipeline.late.id) == 1


def test_why_each_deal_is_in_the_review(store: Store, pipeline: Pipeline) -> None:
    queue = build_queue(store, TODAY)
    said = [why(store, item.kind, store.deals.get(item.deal_id), TODAY) for item in queue]
    assert said == [
        "lost on Nov 19 with no reason recorded",
        "lost on Oct 15 with no reason recorded",
        "revisit due since Nov 14: lost for Timing / no urgency",
        "revisit due since Nov 20: lost for Price / budget — 'Budget frozen until Q2'",
        "30 days idle in Lead",
        "30 days idle in Lead",
        "20 days idle in Qualified; close date passed 10 days ago",
        "close date passed 3 days ago",
        "no next step · 0 days in Lead",
        "no next step · 0 days in Lead",
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
    new = builders.add(store, "Brand new")  # no next step: the next review takes it up
    assert queue.ids == [d.id for d in pipeline.order]
    fixed = store.deals.get(pipeline.idle_big.id)
    assert not needs_attention(Kind.STALE, fixed, store.shape.stage(fixed.stage_id), TODAY)
    # A queue read now would hold it elsewhere (it still has no next step), and the new deal.
    again = build_queue(store, TODAY)
    assert again.ids[-4:] == [pipeline.fresh_big.id, pipeline.idle_big.id, pipeline.fresh_small.id, new.id]


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
    builders.add(store, "No step")
    won = builders.add(store, "Won", next_step="Invoice", next_step_due=TODAY + timedelta(days=3))
    builders.mark_won(store, won.id)
    found = health(store, TODAY)
    assert (found.healthy, found.open, found.percent) == (1, 4, 25)
    # The review takes up the late one (stale) and the one without a step; a step due today
    # is not in the future (not healthy), but the deal is neither stale nor without a step.
    assert found.to_review == 2


def random_pipeline(store: Store, clock: Clock, seed: int, size: int) -> None:
    """Deals of every kind and state, on and around today's boundaries."""
    rng = random.Random(seed)
    stages = store.shape.stages()
    reasons = store.shape.reasons()
    near = [TODAY + timedelta(days=d) for d in (-40, -15, -14, -13, -10, -7, -1, 0, 1, 7)]
    for i in range(size):
        clock.set(START - timedelta(days=rng.choice([0, 1, 6, 7, 9, 10, 13, 14, 15, 40])))
        stage = rng.choice(stages)
        fields: dict[str, object] = {"value": rng.choice([0, 100, 5_000, 5_000, 90_000])}
        if rng.random() < 0.5:
            fields["expected_close"] = rng.choice(near)
        if rng.random() < 0.7:
            fields["next_step"] = rng.choice(["", "Call", "Call", "Call"])
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
@given(seed=st.integers(0, 10_000), size=st.integers(0, 40), shift=st.integers(-20, 20))
def test_the_queries_agree_with_the_rules(tmp_path: Path, seed: int, size: int, shift: int) -> None:
    """Whatever the pipeline and the day: the queue holds exactly the deals that need
    attention, each under the first kind it matches, and the status line counts the same."""
    clock = Clock()
    with Store.open(tmp_path / f"p{seed}-{size}-{shift}.db", clock=clock) as store:
        random_pipeline(store, clock, seed, size)
        today = TODAY + timedelta(days=shift)
        queue = build_queue(store, today)
        expected: dict[int, Kind] = {}
        healthy = opened = 0
        for deal in store.deals.all(archived=None):
            stage = store.shape.stage(deal.stage_id)
            kind = next((k for k in Kind if needs_attention(k, deal, stage, today)), None)
            if kind is not None:
                expected[deal.id] = kind
            if stage.is_open and not deal.archived:
                opened += 1
                due = deal.next_step_due
                future = deal.next_step != "" and due is not None and due > today
                healthy += future and not rules.is_stale(deal, stage, today)
        assert dict(zip(queue.ids, queue.kinds, strict=True)) == expected
        assert len(set(queue.ids)) == len(queue.ids)
        assert [k for k in Kind if k in queue.kinds] == sorted(set(queue.kinds), key=list(Kind).index)
        found = health(store, today)
        assert (found.to_review, found.healthy, found.open) == (len(queue), healthy, opened)


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
    assert printed["kinds"] == {"missing_reason": 2, "revisit": 2, "stale": 4, "no_next_step": 2}
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
    # Two weeks on the fresh deals are idle, so are the planned one (its step was due Dec 1)
    # and the snoozed one (quiet until Dec 8); the upcoming revisit is due.
    assert main(["--db", str(store.path), "review", "--json", "--today", "2026-12-10"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["today"] == "2026-12-10"
    assert printed["kinds"] == {"missing_reason": 2, "revisit": 3, "stale": 8, "no_next_step": 0}
    assert [i["why"] for i in printed["items"] if i["title"] == "Fresh big"] == ["16 days idle in Lead"]


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

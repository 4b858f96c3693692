"""The pipeline rules are pure: Deal and Stage objects in, answers out, `today` passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from conftest import TODAY

from pipeline_tui import rules
from pipeline_tui.errors import NotFoundError, RuleError
from pipeline_tui.models import Deal, LossInput, LossReason, RevisitState, Stage, StageKind

LEAD = Stage(1, "Lead", 0, StageKind.OPEN, 14)
QUALIFIED = Stage(2, "Qualified", 1, StageKind.OPEN, 14)
PROPOSAL = Stage(3, "Proposal", 2, StageKind.OPEN, 10)
NEGOTIATION = Stage(4, "Negotiation", 3, StageKind.OPEN, 7)
WON = Stage(5, "Closed Won", 4, StageKind.WON)
LOST = Stage(6, "Closed Lost", 5, StageKind.LOST)
STAGES = [LEAD, QUALIFIED, PROPOSAL, NEGOTIATION, WON, LOST]

PRICE = LossReason(1, "Price / budget", 0)
COMPETITOR = LossReason(4, "Lost to competitor", 3, needs_competitor=True)
OTHER = LossReason(9, "Other", 8, needs_note=True)


def at(days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()).replace(hour=hour)


def deal(idle: int = 0, stage: Stage = PROPOSAL, **fields: object) -> Deal:
    """A deal whose last activity was `idle` days before TODAY."""
    base = Deal(
        id=int(fields.pop("id", 1)),  # type: ignore[call-overload]
        title="Platform licence",
        stage_id=stage.id,
        created_at=at(idle + 30),
        stage_entered_at=at(idle),
        last_activity_at=at(idle),
        company="Northwind",
    )
    return replace(base, **fields)


# ------------------------------------------------------------------ stale


def test_idle_at_threshold_is_stale_with_reason() -> None:
    d = deal(idle=12)
    assert rules.idle_days(d, TODAY) == 12
    assert rules.is_stale(d, PROPOSAL, TODAY)
    assert rules.stale_reason(d, PROPOSAL, TODAY) == "12 days idle in Proposal"


def test_threshold_is_inclusive() -> None:
    assert rules.stale_reason(deal(idle=10), PROPOSAL, TODAY) == "10 days idle in Proposal"
    assert rules.stale_reason(deal(idle=9), PROPOSAL, TODAY) is None
    assert rules.stale_reason(deal(idle=7), NEGOTIATION, TODAY) == "7 days idle in Negotiation"
    assert rules.stale_reason(deal(idle=6), NEGOTIATION, TODAY) is None


def test_idle_counts_calendar_days_not_hours() -> None:
    # Late on day -10 and early today: still 10 calendar days.
    d = deal(last_activity_at=datetime.combine(TODAY - timedelta(days=10), datetime.max.time()))
    assert rules.idle_days(d, TODAY) == 10
    assert rules.is_stale(d, PROPOSAL, TODAY)


def test_next_step_due_in_the_future_unstales() -> None:
    d = deal(idle=30, next_step="Call", next_step_due=TODAY + timedelta(days=1))
    assert rules.stale_reason(d, PROPOSAL, TODAY) is None


@pytest.mark.parametrize("offset", [0, -1, -20])
def test_next_step_due_today_or_past_does_not_unstale(offset: int) -> None:
    d = deal(idle=30, next_step="Call", next_step_due=TODAY + timedelta(days=offset))
    assert rules.stale_reason(d, PROPOSAL, TODAY) == "30 days idle in Proposal"


def test_close_date_passed() -> None:
    d = deal(idle=0, expected_close=TODAY - timedelta(days=3))
    assert rules.stale_reason(d, PROPOSAL, TODAY) == "close date passed 3 days ago"
    d1 = deal(idle=0, expected_close=TODAY - timedelta(days=1))
    assert rules.stale_reason(d1, PROPOSAL, TODAY) == "close date passed 1 day ago"


def test_close_date_today_or_later_is_not_stale() -> None:
    assert rules.stale_reason(deal(expected_close=TODAY), PROPOSAL, TODAY) is None
    assert rules.stale_reason(deal(expected_close=TODAY + timedelta(days=9)), PROPOSAL, TODAY) is None


def test_close_date_passed_even_with_a_future_next_step() -> None:
    d = deal(idle=0, expected_close=TODAY - timedelta(days=3), next_step_due=TODAY + timedelta(days=2))
    assert rules.stale_reason(d, PROPOSAL, TODAY) == "close date passed 3 days ago"


def test_both_reasons_idle_first() -> None:
    d = deal(idle=12, expected_close=TODAY - timedelta(days=3))
    assert rules.stale_reason(d, PROPOSAL, TODAY) == (
        "12 days idle in Proposal; close date passed 3 days ago"
    )


@pytest.mark.parametrize("endpoint", [WON, LOST])
def test_endpoint_stages_are_never_stale(endpoint: Stage) -> None:
    d = deal(idle=400, stage=endpoint, expected_close=TODAY - timedelta(days=300))
    assert rules.stale_reason(d, endpoint, TODAY) is None
    assert not rules.is_stale(d, endpoint, TODAY)


def test_stage_without_threshold_only_flags_close_date() -> None:
    parking = Stage(7, "Parked", 6, StageKind.OPEN, None)
    assert rules.stale_reason(deal(idle=999, stage=parking), parking, TODAY) is None
    late = deal(idle=999, stage=parking, expected_close=TODAY - timedelta(days=5))
    assert rules.stale_reason(late, parking, TODAY) == "close date passed 5 days ago"
    assert rules.stale_cutoff(parking, TODAY) is None


def test_stale_cutoff_matches_the_idle_rule() -> None:
    cutoff = rules.stale_cutoff(PROPOSAL, TODAY)
    assert cutoff == date(2026, 11, 14)
    on_cutoff = deal(last_activity_at=datetime.combine(cutoff, datetime.min.time()))
    after = deal(last_activity_at=datetime.combine(cutoff + timedelta(days=1), datetime.min.time()))
    assert rules.is_stale(on_cutoff, PROPOSAL, TODAY)
    assert not rules.is_stale(after, PROPOSAL, TODAY)


def test_days_in_stage_never_negative() -> None:
    assert rules.days_in_stage(deal(idle=5), TODAY) == 5
    future = deal(stage_entered_at=at(-3))
    assert rules.days_in_stage(future, TODAY) == 0


def test_stale_sort_key_oldest_first() -> None:
    a = deal(id=1, idle=20)
    b = deal(id=2, idle=11)
    c = deal(id=3, idle=0, expected_close=TODAY - timedelta(days=40))
    d = deal(id=4, idle=11)
    ordered = sorted([a, b, c, d], key=lambda x: rules.stale_sort_key(x, TODAY))
    assert [x.id for x in ordered] == [3, 1, 2, 4]


# --------------------------------------------------------------- revisits


def lost(id: int, revisit_on: date | None, state: RevisitState | None = RevisitState.PENDING) -> Deal:
    return deal(id=id, stage=LOST, loss_reason_id=PRICE.id, revisit_on=revisit_on, revisit_state=state)


def test_revisit_status() -> None:
    assert rules.revisit_status(lost(1, TODAY), TODAY) == "due"
    assert rules.revisit_status(lost(1, TODAY - timedelta(days=40)), TODAY) == "due"
    assert rules.revisit_status(lost(1, TODAY + timedelta(days=1)), TODAY) == "upcoming"
    assert rules.revisit_status(lost(1, TODAY + timedelta(days=30)), TODAY) == "upcoming"
    assert rules.revisit_status(lost(1, TODAY + timedelta(days=31)), TODAY) is None
    assert rules.revisit_status(lost(1, TODAY + timedelta(days=31)), TODAY, horizon_days=60) == ("upcoming")
    assert rules.revisit_status(lost(1, None, None), TODAY) is None
    assert rules.revisit_status(lost(1, TODAY, RevisitState.CLOSED), TODAY) is None
    assert rules.revisit_status(lost(1, None), TODAY) is None


def test_split_revisits_orders_soonest_first_and_keeps_due_apart() -> None:
    deals = [
        lost(1, TODAY + timedelta(days=10)),
        lost(2, TODAY - timedelta(days=3)),
        lost(3, TODAY),
        lost(4, TODAY + timedelta(days=2)),
        lost(5, TODAY - timedelta(days=3)),
        lost(6, TODAY + timedelta(days=90)),
        lost(7, TODAY - timedelta(days=1), RevisitState.CLOSED),
        deal(id=8, idle=3),
    ]
    due, upcoming = rules.split_revisits(reversed(deals), TODAY)
    assert [d.id for d in due] == [2, 5, 3]
    assert [d.id for d in upcoming] == [4, 1]


# ------------------------------------------------------------ loss, moves


def test_check_loss_refusals() -> None:
    with pytest.raises(RuleError, match="needs a reason"):
        rules.check_loss(None, None)
    with pytest.raises(RuleError, match="needs a reason"):
        rules.check_loss(PRICE, None)
    with pytest.raises(RuleError, match="needs a reason"):
        rules.check_loss(None, LossInput(PRICE.id))
    with pytest.raises(RuleError, match="competitor"):
        rules.check_loss(COMPETITOR, LossInput(COMPETITOR.id))
    with pytest.raises(RuleError, match="competitor"):
        rules.check_loss(COMPETITOR, LossInput(COMPETITOR.id, competitor="   "))
    with pytest.raises(RuleError, match="needs a note"):
        rules.check_loss(OTHER, LossInput(OTHER.id))
    with pytest.raises(RuleError, match="needs a note"):
        rules.check_loss(OTHER, LossInput(OTHER.id, note=" \n "))


def test_check_loss_accepts() -> None:
    rules.check_loss(PRICE, LossInput(PRICE.id))
    rules.check_loss(COMPETITOR, LossInput(COMPETITOR.id, competitor="HubSpot"))
    rules.check_loss(OTHER, LossInput(OTHER.id, note="Merged with another company"))


def test_check_move_to_lost_needs_reason() -> None:
    d = deal()
    with pytest.raises(RuleError, match="needs a reason"):
        rules.check_move(d, LOST)
    with pytest.raises(RuleError, match="competitor"):
        rules.check_move(d, LOST, COMPETITOR, LossInput(COMPETITOR.id))
    with pytest.raises(RuleError, match="note"):
        rules.check_move(d, LOST, OTHER, LossInput(OTHER.id))
    rules.check_move(d, LOST, PRICE, LossInput(PRICE.id))


def test_check_move_refuses_archived_target_and_reason() -> None:
    d = deal()
    with pytest.raises(RuleError, match="archived"):
        rules.check_move(d, replace(NEGOTIATION, archived=True))
    old_reason = replace(PRICE, archived=True)
    with pytest.raises(RuleError, match="archived"):
        rules.check_move(d, LOST, old_reason, LossInput(old_reason.id))


def test_check_move_refuses_same_stage() -> None:
    with pytest.raises(RuleError, match="already in Proposal"):
        rules.check_move(deal(), PROPOSAL)


def test_check_move_allows_open_and_won_without_reason() -> None:
    d = deal()
    rules.check_move(d, NEGOTIATION)
    rules.check_move(d, LEAD)
    rules.check_move(d, WON)


# ------------------------------------------------------------------ names


def name(stage: Stage) -> str:
    return stage.name


def test_match_name_exact_any_case() -> None:
    assert rules.match_name("proposal", STAGES, name, "stage") is PROPOSAL
    assert rules.match_name("CLOSED  won", STAGES, name, "stage") is WON
    # Exact wins over a prefix that would be ambiguous.
    items = [Stage(1, "Demo", 0, StageKind.OPEN), Stage(2, "Demo booked", 1, StageKind.OPEN)]
    assert rules.match_name("demo", items, name, "stage").id == 1


def test_match_name_unique_prefix_then_part() -> None:
    assert rules.match_name("neg", STAGES, name, "stage") is NEGOTIATION
    assert rules.match_name("Qual", STAGES, name, "stage") is QUALIFIED
    assert rules.match_name("lost", STAGES, name, "stage") is LOST  # a unique part


def test_match_name_ambiguous() -> None:
    with pytest.raises(NotFoundError, match="more than one stage: Closed Won, Closed Lost"):
        rules.match_name("closed", STAGES, name, "stage")


def test_match_name_none() -> None:
    with pytest.raises(NotFoundError, match="No stage called 'Pending'") as info:
        rules.match_name("Pending", STAGES, name, "stage")
    assert "Lead, Qualified, Proposal" in str(info.value)
    with pytest.raises(NotFoundError, match="Give a stage name"):
        rules.match_name("  ", STAGES, name, "stage")


def test_neighbour_stage() -> None:
    assert rules.neighbour_stage(STAGES, PROPOSAL.id, 1) is NEGOTIATION
    assert rules.neighbour_stage(STAGES, PROPOSAL.id, -1) is QUALIFIED
    assert rules.neighbour_stage(STAGES, LEAD.id, -1) is None
    assert rules.neighbour_stage(STAGES, LOST.id, 1) is None
    assert rules.neighbour_stage(STAGES, LEAD.id, 5) is LOST
    # A closed deal never steps into the other end (a key too many must not lose a win).
    won = next(s for s in STAGES if s.kind is StageKind.WON)
    assert rules.neighbour_stage(STAGES, won.id, 1) is None
    assert rules.neighbour_stage(STAGES, LOST.id, -1) is None
    assert rules.neighbour_stage(STAGES, won.id, -1) is NEGOTIATION
    assert rules.neighbour_stage(STAGES, 999, 1) is None

"""The pipeline rules. Pure: every function takes `today`; nothing reads the clock or the disk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from pipeline_tui.dates import humanize_days
from pipeline_tui.errors import NotFoundError, RuleError
from pipeline_tui.models import (
    Deal,
    LossInput,
    LossReason,
    Outcome,
    RevisitState,
    Stage,
    StageKind,
    WinInput,
    WonReason,
)
from pipeline_tui.text import fold

T = TypeVar("T")
REVISIT_HORIZON_DAYS = 30

# A loss must say why while it is fresh: the daily review asks for the reason of a loss this
# recent; older ones (a CRM's history brought in by an import) wait in the palette's list of
# lost deals without a reason, and never bury today's live deals.
RECENT_LOSS_DAYS = 30


def idle_days(deal: Deal, today: date) -> int:
    """Whole days since the deal's last activity (note, move, edit, next step)."""
    return (today - deal.last_activity_at.date()).days


def days_in_stage(deal: Deal, today: date) -> int:
    return max(0, (today - deal.stage_entered_at.date()).days)


def stale_reason(deal: Deal, stage: Stage, today: date) -> str | None:
    """Why an open deal is stale, or None when it is not.

    Stale means idle for at least the stage's threshold with no next step due in the
    future, or an expected close date that has passed; unless the deal is archived or
    snoozed until a later day.
    """
    if not stage.is_open or deal.archived:
        return None
    if deal.snoozed_until is not None and deal.snoozed_until > today:
        return None  # the seller asked for quiet until then
    reasons = []
    if deal.expected_close is not None and deal.expected_close < today:
        late = (today - deal.expected_close).days
        reasons.append(f"close date passed {humanize_days(late)} ago")
    idle = idle_days(deal, today)
    has_future_step = deal.next_step_due is not None and deal.next_step_due > today
    if stage.stale_days is not None and idle >= stage.stale_days and not has_future_step:
        reasons.insert(0, f"{humanize_days(idle)} idle in {stage.name}")
    return "; ".join(reasons) or None


def is_stale(deal: Deal, stage: Stage, today: date) -> bool:
    return stale_reason(deal, stage, today) is not None


def stale_sort_key(deal: Deal, today: date) -> tuple[int, int]:
    """Oldest first: most idle days, then the longest-passed close date."""
    late = (today - deal.expected_close).days if deal.expected_close else 0
    return (-max(idle_days(deal, today), late), deal.id)


def stale_cutoff(stage: Stage, today: date) -> date | None:
    """Deals whose last activity is on or before this date are idle past the threshold."""
    if stage.stale_days is None:
        return None
    return today - timedelta(days=stage.stale_days)


def is_quiet(deal: Deal, today: date) -> bool:
    """Snoozed until a later day: the seller asked for quiet until then."""
    return deal.snoozed_until is not None and deal.snoozed_until > today


def step_overdue_days(deal: Deal, stage: Stage, today: date) -> int | None:
    """How many days late the deal's next step is (its due date has passed), or None: the
    clearest sign of a dropped ball. Open deals only, and not while snoozed."""
    if not stage.is_open or deal.archived or not deal.next_step or deal.next_step_due is None:
        return None
    if deal.next_step_due >= today or is_quiet(deal, today):
        return None
    return (today - deal.next_step_due).days


@dataclass(frozen=True, slots=True)
class NextStepRule:
    """When an open deal without a next step needs the seller: once it has been
    `after_days` in its stage, or at once from the stage at `from_position` on (board order)
    or from the value `from_value` on (minor units of `currency`, other currencies converted
    with `rates`; one with no rate never counts by value)."""

    after_days: int = 3
    from_position: int | None = None
    from_value: int = 0
    currency: str = "USD"
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def value_in_base(self, deal: Deal) -> Decimal | None:
        if deal.currency == self.currency:
            return Decimal(deal.value)
        rate = self.rates.get(deal.currency)
        return None if rate is None else deal.value * rate


def needs_next_step(deal: Deal, stage: Stage, today: date, rule: NextStepRule) -> bool:
    """An open deal with no next step, where it matters (see NextStepRule); not snoozed."""
    if not stage.is_open or deal.archived or deal.next_step or is_quiet(deal, today):
        return False
    if days_in_stage(deal, today) >= rule.after_days:
        return True
    if rule.from_position is not None and stage.position >= rule.from_position:
        return True
    if rule.from_value > 0:
        value = rule.value_in_base(deal)
        return value is not None and value >= rule.from_value
    return False


def revisit_status(deal: Deal, today: date, horizon_days: int = REVISIT_HORIZON_DAYS) -> str | None:
    """'due', 'upcoming' (within the horizon) or None for a lost-with-potential deal."""
    if deal.revisit_state is not RevisitState.PENDING or deal.revisit_on is None or deal.archived:
        return None
    if deal.revisit_on <= today:
        return "due"
    if deal.revisit_on <= today + timedelta(days=horizon_days):
        return "upcoming"
    return None


def split_revisits(
    deals: Iterable[Deal], today: date, horizon_days: int = REVISIT_HORIZON_DAYS
) -> tuple[list[Deal], list[Deal]]:
    """(due, upcoming), each soonest first."""
    due: list[Deal] = []
    upcoming: list[Deal] = []
    for deal in deals:
        status = revisit_status(deal, today, horizon_days)
        if status == "due":
            due.append(deal)
        elif status == "upcoming":
            upcoming.append(deal)
    key = lambda d: (d.revisit_on, d.id)  # noqa: E731
    return sorted(due, key=key), sorted(upcoming, key=key)


def check_loss(reason: LossReason | None, loss: LossInput | None) -> None:
    """Refuse a move into a lost stage without a usable reason."""
    if loss is None or reason is None:
        raise RuleError("Closed Lost needs a reason from the list.")
    if reason.needs_competitor and not loss.competitor.strip():
        raise RuleError(f"{reason.label!r} needs the competitor's name.")
    if reason.needs_note and not loss.note.strip():
        raise RuleError(f"{reason.label!r} needs a note saying what happened.")


def check_win(reason: WonReason | None, win: WinInput | None) -> None:
    """Refuse a won reason that cannot be used (none at all is fine: a reason is optional)."""
    if win is None or win.reason_id is None:
        if win is not None and win.competitor.strip():
            raise RuleError("Name the competitor with a won reason that asks for one (Beat a competitor).")
        return
    if reason is None:
        raise RuleError("Choose a won reason from the list, or none.")
    if reason.archived:
        raise RuleError(f"{reason.label!r} is archived; choose a current reason.")
    if reason.needs_competitor and not win.competitor.strip():
        raise RuleError(f"{reason.label!r} needs the competitor's name.")


def check_move(
    deal: Deal,
    target: Stage,
    reason: LossReason | None = None,
    loss: LossInput | None = None,
) -> None:
    """Raise RuleError when moving `deal` to `target` is not allowed."""
    if target.archived:
        raise RuleError(f"{target.name} is archived; choose another stage.")
    if deal.stage_id == target.id:
        raise RuleError(f"{deal.title!r} is already in {target.name}.")
    if target.kind is StageKind.LOST:
        check_loss(reason, loss)
        if reason is not None and reason.archived:
            raise RuleError(f"{reason.label!r} is archived; choose a current reason.")


def neighbour_stage(stages: Sequence[Stage], current_id: int, step: int) -> Stage | None:
    """The stage `step` places away in board order, or None at either end. A closed deal's
    next stage is never another end (won to lost, lost to won): a key typed once too often
    must not turn a win into a loss; moving it there is a deliberate `m`."""
    ids = [s.id for s in stages]
    try:
        here = ids.index(current_id)
    except ValueError:
        return None
    index = here + step
    if not 0 <= index < len(stages):
        return None
    if stages[here].is_endpoint and stages[index].is_endpoint:
        return None
    return stages[index]


def match_name(text: str, items: Iterable[T], key: Callable[[T], str], what: str) -> T:
    """Find an item by its name: exact (any case), else a unique prefix, else a unique part."""
    wanted = fold(text)
    pool = list(items)
    if not wanted:
        raise NotFoundError(f"Give a {what} name.")
    for test in (
        lambda name: name == wanted,
        lambda name: name.startswith(wanted),
        lambda name: wanted in name,
    ):
        found = [item for item in pool if test(fold(key(item)))]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(key(i) for i in found)
            raise NotFoundError(f"{text!r} matches more than one {what}: {names}.")
    names = ", ".join(key(i) for i in pool)
    raise NotFoundError(f"No {what} called {text!r}. Choose one of: {names}.")


NO_REASON = "no reason recorded"


def loss_label(reason: LossReason | None, competitor: str = "") -> str:
    """How a loss is named everywhere: 'Lost to competitor (Acme)', 'Price / budget', or
    'no reason recorded' for a lost deal that has none (an import)."""
    label = reason.label if reason is not None else NO_REASON
    return f"{label} ({competitor})" if competitor else label


def outcome_of(reason: LossReason | None) -> Outcome:
    """A loss without a reason counts as lost (the buyer decided; we do not know why)."""
    return reason.outcome if reason is not None else Outcome.LOST


def won_label(reason: WonReason | None, competitor: str = "") -> str:
    """How a win is named: 'Beat a competitor (Acme)', 'Product fit', or 'no reason given'."""
    label = reason.label if reason is not None else "no reason given"
    return f"{label} ({competitor})" if competitor else label

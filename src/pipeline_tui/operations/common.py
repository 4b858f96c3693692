"""What every operation shares: its result (`Done`), the deals it is given (`DealRef`), the
check against what the user saw, and the registry of undo functions, one per change kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline_tui import rules
from pipeline_tui.errors import Conflict, ConflictError, RuleError
from pipeline_tui.models import Change, ChangeKind, Deal, LossReason, Stage, StageKind, WonReason
from pipeline_tui.money import format_money
from pipeline_tui.store import Store

if TYPE_CHECKING:
    from pipeline_tui.config import Settings

# A deal an operation acts on: the `Deal` as the user saw it (the change is refused if it
# changed elsewhere since), or its id (the deal as it is now: the command line, "save anyway").
DealRef = int | Deal


@dataclass(frozen=True, slots=True)
class DealChange:
    """One deal a change touched: as it was (None: the change made it) and as it is now
    (None: the change removed it, as undoing an add does)."""

    before: Deal | None
    after: Deal | None


@dataclass(frozen=True)
class Done:
    """What an operation (or an undo) did: a one-line message, every deal it changed, and the
    journal entry that undoes it (None when nothing was recorded)."""

    message: str
    kind: ChangeKind | None = None
    change_id: int | None = None
    deals: tuple[DealChange, ...] = ()
    stage_ids: frozenset[int] = frozenset()  # columns changed beyond `deals` (an import)
    settings: Settings | None = None  # the preferences as they are now, when one changed
    made: Stage | LossReason | WonReason | None = None  # the stage or reason a Settings change touched
    undid: Change | None = None  # for an undo: the change taken back
    imported: int = 0
    updated: int = 0

    @property
    def deal(self) -> Deal | None:
        """The one deal changed, as it is now (the last one when several were)."""
        for change in reversed(self.deals):
            if change.after is not None:
                return change.after
        return None

    @property
    def stage(self) -> Stage:
        """The stage a stage change touched."""
        if not isinstance(self.made, Stage):
            raise TypeError(f"{self.message!r} changed no stage")
        return self.made

    @property
    def reason(self) -> LossReason:
        """The loss reason a reason change touched."""
        if not isinstance(self.made, LossReason):
            raise TypeError(f"{self.message!r} changed no loss reason")
        return self.made

    @property
    def won_reason(self) -> WonReason:
        """The won reason a reason change touched."""
        if not isinstance(self.made, WonReason):
            raise TypeError(f"{self.message!r} changed no won reason")
        return self.made

    @property
    def after(self) -> list[Deal]:
        """Every deal changed, as it is now."""
        return [change.after for change in self.deals if change.after is not None]

    @property
    def columns(self) -> frozenset[int]:
        """The stages whose board columns the change touched."""
        ids = set(self.stage_ids)
        for change in self.deals:
            ids |= {d.stage_id for d in (change.before, change.after) if d is not None}
        return frozenset(ids)


def deal_name(deal: Deal) -> str:
    return f"#{deal.id} {deal.title}"


def names(deals: Sequence[Deal]) -> str:
    """One deal by id and title; several by count ("3 deals")."""
    return deal_name(deals[0]) if len(deals) == 1 else f"{len(deals):,} deals"


def loss_label(store: Store, deal: Deal) -> str:
    """The one way a deal's loss is named."""
    reason = store.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None
    return rules.loss_label(reason, deal.competitor)


# ---------------------------------------------------------------- conflicts


def changes_between(store: Store, seen: Deal, current: Deal) -> list[str]:
    """What a person would notice changed between two versions of a deal."""
    out: list[str] = []
    if seen.stage_id != current.stage_id:
        stage = store.shape.stage
        out.append(f"stage {stage(seen.stage_id).name} → {stage(current.stage_id).name}")
    for name in ("title", "company", "contact"):
        if getattr(seen, name) != getattr(current, name):
            out.append(f"{name} {getattr(seen, name)!r} → {getattr(current, name)!r}")
    if (seen.value, seen.currency) != (current.value, current.currency):
        out.append(
            f"value {format_money(seen.value, seen.currency)} → "
            f"{format_money(current.value, current.currency)}"
        )
    if seen.expected_close != current.expected_close:
        out.append(f"close date {seen.expected_close or 'none'} → {current.expected_close or 'none'}")
    if (seen.next_step, seen.next_step_due) != (current.next_step, current.next_step_due):
        out.append(f"next step → {current.next_step or 'none'!r}")
    won = store.shape.stage(current.stage_id).kind is StageKind.WON
    competitor = seen.competitor != current.competitor
    if seen.loss_reason_id != current.loss_reason_id or (competitor and not won):
        out.append("loss reason → " + loss_label(store, current))
    if (
        seen.won_reason_id != current.won_reason_id
        or seen.won_note != current.won_note
        or (competitor and won)
    ):
        reason = store.shape.won_reason(current.won_reason_id) if current.won_reason_id else None
        out.append("won reason → " + rules.won_label(reason, current.competitor))
    if (seen.revisit_on, seen.revisit_state) != (current.revisit_on, current.revisit_state):
        out.append(f"revisit → {current.revisit_on or 'none'}")
    if seen.archived != current.archived:
        out.append("archived" if current.archived else "unarchived")
    if seen.snoozed_until != current.snoozed_until:
        out.append(f"snoozed until {current.snoozed_until or 'no longer'}")
    return out


def current_deals(store: Store, refs: Iterable[DealRef]) -> list[Deal]:
    """The deals as they are now (each read once), refused together if any changed since
    the user saw it. A note added elsewhere changes nothing the user was looking at."""
    deals: list[Deal] = []
    conflicts: list[Conflict] = []
    for ref in refs:
        deal = store.deals.get(ref if isinstance(ref, int) else ref.id)
        if isinstance(ref, Deal) and ref.rev != deal.rev:
            changes = changes_between(store, ref, deal)
            if changes:
                conflicts.append(Conflict(ref, deal, tuple(changes)))
        deals.append(deal)
    if not deals:
        raise RuleError("No deal was given.")
    if conflicts:
        first = conflicts[0]
        more = f" (and {len(conflicts) - 1:,} more deals)" if len(conflicts) > 1 else ""
        raise ConflictError(
            f"{first.current.title!r} changed since you saw it: {'; '.join(first.changes)}{more}.",
            tuple(conflicts),
        )
    return deals


# --------------------------------------------------------------------- undo

Undoer = Callable[[Store, Change], Done]
UNDO: dict[ChangeKind, Undoer] = {}


def undoes(*kinds: ChangeKind) -> Callable[[Undoer], Undoer]:
    """Register how changes of `kinds` are undone (beside the operation that makes them)."""

    def register(undo: Undoer) -> Undoer:
        for kind in kinds:
            UNDO[kind] = undo
        return undo

    return register

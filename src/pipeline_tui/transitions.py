"""What each change does to a deal, decided without I/O.

A transition is the fields a change sets (Python values, named as `Deal`'s fields) and the
timeline entry that records it. The store only writes transitions (and bumps the deal's
`rev`); the operations layer reads the deal, decides with these functions, and records the
change in the journal, all in one transaction. Every function takes the moment of the
change (`now`): nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from pipeline_tui import rules
from pipeline_tui.errors import InputError, RuleError
from pipeline_tui.limits import check_amount, check_currency, check_date, check_note, check_text
from pipeline_tui.models import (
    Deal,
    DealDraft,
    EventKind,
    LossInput,
    LossReason,
    RevisitState,
    Stage,
    StageKind,
    WinInput,
    WonReason,
)

EDITABLE_FIELDS = (
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "expected_close",
    "next_step",
    "next_step_due",
)
LOSS_FIELDS = frozenset(
    {"loss_reason_id", "competitor", "loss_note", "lost_at_stage_id", "revisit_on", "revisit_state"}
)
WIN_FIELDS = frozenset({"won_reason_id", "competitor", "won_note"})  # competitor: who we beat
# A stage change carries these with it: undoing a move puts them back together.
STAGE_BOUND = LOSS_FIELDS | WIN_FIELDS | {"closed_at", "stage_entered_at"}


@dataclass(frozen=True, slots=True)
class Entry:
    """A timeline entry a change writes."""

    kind: EventKind
    text: str = ""
    from_stage: int | None = None
    to_stage: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Transition:
    """The fields one change sets on a deal (beyond `rev`) and the entry recording it."""

    changes: dict[str, Any]
    entry: Entry


@dataclass(frozen=True, slots=True)
class NewDeal:
    """A deal about to be created: its fields (no id yet) and its first timeline entries."""

    fields: dict[str, Any]
    entries: tuple[Entry, ...]


def check_field(name: str, value: Any) -> Any:
    """An editable field's value, checked as every path checks it."""
    if name in ("title", "company", "contact", "next_step"):
        return check_text(value, name.replace("_", " "), required=name == "title")
    if name == "currency":
        return check_currency(value)
    if name == "value":
        return check_amount(value)
    if name in ("expected_close", "next_step_due"):
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            raise InputError(f"The {name.replace('_', ' ')} must be a date, not {value!r}.")
        return check_date(value, name.replace("_", " "))
    raise InputError(f"Cannot edit {name}.")


def _as_written(value: Any) -> Any:
    """A field's value as the timeline quotes it (a date as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


# ------------------------------------------------------------------- new deals


def _check_step(step: str, due: date | None) -> None:
    """A due date belongs to a next step: one without the step would be due for nothing (and
    never show as due or overdue)."""
    if due is not None and not step.strip():
        raise InputError("A due date needs a next step: say what the step is, or leave the date out.")


def new_deal(draft: DealDraft, stage: Stage, *, now: datetime, currency: str, note: str = "") -> NewDeal:
    """A deal added by a person: in an open stage, created, staged and active now."""
    if stage.archived:
        raise RuleError(f"{stage.name} is archived; choose another stage.")
    if not stage.is_open:
        raise RuleError(f"A new deal cannot start in {stage.name}; add it, then move it.")
    fields: dict[str, Any] = {
        "title": check_text(draft.title, "title", required=True),
        "company": check_text(draft.company, "company"),
        "contact": check_text(draft.contact, "contact"),
        "value": check_amount(draft.value),
        "currency": check_currency(draft.currency or currency),
        "stage_id": stage.id,
        "expected_close": check_date(draft.expected_close, "close date"),
        "next_step": check_text(draft.next_step, "next step"),
        "next_step_due": check_date(draft.next_step_due, "next step's due date"),
        "created_at": now,
        "stage_entered_at": now,
        "last_activity_at": now,
    }
    _check_step(fields["next_step"], fields["next_step_due"])
    entries = [Entry(EventKind.CREATED, to_stage=stage.id)]
    body = check_note(note)
    if body:
        entries.append(Entry(EventKind.NOTE, body))
    return NewDeal(fields, tuple(entries))


# ------------------------------------------------------------------- the loss


def _loss_fields(loss: LossInput, *, lost_at: int | None, now: datetime) -> dict[str, Any]:
    return {
        "closed_at": now,
        "loss_reason_id": loss.reason_id,
        "competitor": check_text(loss.competitor, "competitor"),
        "loss_note": check_note(loss.note),
        "lost_at_stage_id": lost_at,
        "revisit_on": check_date(loss.revisit_on, "revisit date"),
        "revisit_state": RevisitState.PENDING if loss.revisit_on else None,
    }


def loss_data(reason: LossReason, loss: LossInput) -> dict[str, Any]:
    """What a loss entry says, as it was when recorded: a later change of the reason's kind
    re-labels reports, not this entry."""
    return {
        "reason": reason.label,
        "reason_id": reason.id,
        "outcome": reason.outcome.value,
        "competitor": loss.competitor.strip(),
        "revisit_on": loss.revisit_on.isoformat() if loss.revisit_on else None,
    }


def previous_loss(deal: Deal, reason: LossReason | None) -> dict[str, Any]:
    """A deal's loss as it stands, kept in the timeline when it is replaced or reopened."""
    return {
        "reason": reason.label if reason is not None else None,
        "reason_id": deal.loss_reason_id,
        "competitor": deal.competitor,
        "note": deal.loss_note,
        "revisit_on": deal.revisit_on.isoformat() if deal.revisit_on else None,
        "lost_at_stage_id": deal.lost_at_stage_id,
    }


# ------------------------------------------------------------------- the win


def _win_fields(win: WinInput | None, reason: WonReason | None) -> dict[str, Any]:
    given = win or WinInput()
    return {
        "won_reason_id": reason.id if reason is not None else None,
        "competitor": check_text(given.competitor, "competitor")
        if reason and reason.needs_competitor
        else "",
        "won_note": check_note(given.note),
    }


def win_data(reason: WonReason | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """What a win entry says, as it was when recorded (the reason by its label then)."""
    return {
        "reason": reason.label if reason is not None else None,
        "reason_id": reason.id if reason is not None else None,
        "competitor": fields["competitor"],
    }


def previous_win(deal: Deal, reason: WonReason | None) -> dict[str, Any]:
    """A deal's win as it stands, kept in the timeline when it is reopened or replaced."""
    return {
        "reason": reason.label if reason is not None else None,
        "reason_id": deal.won_reason_id,
        "competitor": deal.competitor,
        "note": deal.won_note,
    }


CLEARED_WIN: Mapping[str, Any] = {"won_reason_id": None, "competitor": "", "won_note": ""}


CLEARED_LOSS: Mapping[str, Any] = {
    "loss_reason_id": None,
    "competitor": "",
    "loss_note": "",
    "lost_at_stage_id": None,
    "revisit_on": None,
    "revisit_state": None,
}


# ------------------------------------------------------------------ changes


def move(
    deal: Deal,
    source: Stage,
    target: Stage,
    *,
    now: datetime,
    reason: LossReason | None = None,
    loss: LossInput | None = None,
    old_reason: LossReason | None = None,
    note: str = "",
    win: WinInput | None = None,
    won_reason: WonReason | None = None,
    old_won_reason: WonReason | None = None,
) -> Transition:
    """Into any stage. Into a lost stage only with a loss; out of a lost stage the loss is
    cleared from the deal and kept in the timeline (`old_reason`: the deal's current one).
    Into a won stage with an optional `win` (its reason `won_reason`, who we beat, a note);
    out of a won stage the win is cleared and kept in the timeline likewise."""
    rules.check_move(deal, target, reason, loss)
    changes: dict[str, Any] = {"stage_id": target.id, "stage_entered_at": now, "last_activity_at": now}
    data: dict[str, Any] = {"from": source.name, "to": target.name}
    text = check_note(note)
    if source.kind is StageKind.LOST:
        data["previous_loss"] = previous_loss(deal, old_reason)
        changes.update(CLEARED_LOSS)
    if source.kind is StageKind.WON:
        data["previous_win"] = previous_win(deal, old_won_reason)
        changes.update(CLEARED_WIN)
    if target.kind is StageKind.LOST:
        assert loss is not None and reason is not None  # check_move refused it otherwise
        changes.update(_loss_fields(loss, lost_at=source.id, now=now))
        data.update(loss_data(reason, loss))
        kind, text = EventKind.LOST, changes["loss_note"]
    elif target.kind is StageKind.WON:
        rules.check_win(won_reason, win)
        changes["closed_at"] = now
        changes.update(_win_fields(win, won_reason))
        data.update(win_data(won_reason, changes))
        kind = EventKind.WON
        text = changes["won_note"] or text
    else:
        changes["closed_at"] = None
        kind = EventKind.REOPENED if source.is_endpoint else EventKind.MOVED
    return Transition(changes, Entry(kind, text, source.id, target.id, data))


def record_loss(
    deal: Deal,
    stage: Stage,
    reason: LossReason,
    loss: LossInput,
    *,
    now: datetime,
    old_reason: LossReason | None = None,
) -> Transition:
    """Fill in (or correct) the loss of a deal that is lost already (an import, usually)."""
    if stage.kind is not StageKind.LOST:
        raise RuleError(f"{deal.title!r} is not lost; mark it lost instead.")
    rules.check_loss(reason, loss)
    changes = _loss_fields(loss, lost_at=deal.lost_at_stage_id, now=now)
    changes["closed_at"] = deal.closed_at or now
    changes["last_activity_at"] = now
    data = {**loss_data(reason, loss), "previous_loss": previous_loss(deal, old_reason)}
    return Transition(changes, Entry(EventKind.LOST, changes["loss_note"], data=data))


def record_win(
    deal: Deal,
    stage: Stage,
    reason: WonReason | None,
    win: WinInput,
    *,
    now: datetime,
    old_reason: WonReason | None = None,
) -> Transition:
    """Give (or correct) the reason of a deal that is won already; the old one stays in the
    timeline."""
    if stage.kind is not StageKind.WON:
        raise RuleError(f"{deal.title!r} is not won; mark it won instead.")
    if reason is None:
        raise RuleError("Choose a won reason from the list.")
    rules.check_win(reason, win)
    changes = {**_win_fields(win, reason), "last_activity_at": now}
    data = {**win_data(reason, changes), "previous_win": previous_win(deal, old_reason)}
    return Transition(changes, Entry(EventKind.WON, changes["won_note"], data=data))


def note(deal: Deal, text: str, *, now: datetime) -> Transition:
    """A timeline note: activity, so a stale deal is no longer idle."""
    body = check_note(text, required=True)
    return Transition({"last_activity_at": now}, Entry(EventKind.NOTE, body))


def edit(deal: Deal, changes: Mapping[str, Any], *, now: datetime) -> Transition | None:
    """New values for editable fields; None when none differs from the deal's. The old and
    new values go to the timeline (as stored)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InputError(f"Cannot edit {', '.join(sorted(unknown))}.")
    updated = replace(deal, **{name: check_field(name, value) for name, value in changes.items()})
    diff = {
        name: (getattr(deal, name), getattr(updated, name))
        for name in changes
        if getattr(deal, name) != getattr(updated, name)
    }
    if not diff:
        return None
    if "next_step_due" in changes:
        _check_step(updated.next_step, updated.next_step_due)
    step_only = set(diff) <= {"next_step", "next_step_due"}
    kind = EventKind.NEXT_STEP if step_only else EventKind.EDITED
    text = updated.next_step if step_only else ""
    logged = {name: [_as_written(old), _as_written(new)] for name, (old, new) in diff.items()}
    fields = {name: new for name, (_, new) in diff.items()}
    return Transition({**fields, "last_activity_at": now}, Entry(kind, text, data={"changes": logged}))


def snooze(deal: Deal, stage: Stage, until: date, *, now: datetime, note: str = "") -> Transition:
    """A lost deal's revisit moves to `until`; an open deal stays off the stale list until
    then (not activity)."""
    check_date(until, "revisit date" if stage.kind is StageKind.LOST else "snooze date")
    if stage.kind is StageKind.LOST:
        was = deal.revisit_on.isoformat() if deal.revisit_on else None
        return Transition(
            {"revisit_on": until, "revisit_state": RevisitState.PENDING},
            Entry(EventKind.REVISIT_SNOOZED, check_note(note), data={"from": was, "to": until.isoformat()}),
        )
    if not stage.is_open:
        raise RuleError(f"{deal.title!r} is won; there is nothing to snooze.")
    was = deal.snoozed_until.isoformat() if deal.snoozed_until else None
    return Transition(
        {"snoozed_until": until},
        Entry(EventKind.SNOOZED, check_note(note), data={"from": was, "to": until.isoformat()}),
    )


def close_revisit(deal: Deal, *, now: datetime, note: str = "") -> Transition:
    """No more potential: the revisit leaves the list, its date stays on record."""
    if deal.revisit_state is not RevisitState.PENDING:
        raise RuleError(f"{deal.title!r} has no open revisit.")
    revisit = deal.revisit_on.isoformat() if deal.revisit_on else None
    return Transition(
        {"revisit_state": RevisitState.CLOSED},
        Entry(EventKind.REVISIT_CLOSED, check_note(note), data={"revisit_on": revisit}),
    )


def archive(deal: Deal, *, archived: bool, now: datetime) -> Transition:
    """Archive (junk, a duplicate) or bring back: history is kept either way."""
    if deal.archived == archived:
        raise RuleError(f"{deal.title!r} is {'already' if archived else 'not'} archived.")
    return Transition(
        {"archived_at": now if archived else None},
        Entry(EventKind.ARCHIVED if archived else EventKind.UNARCHIVED),
    )


def undo(
    deal: Deal,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    label: str,
    old_reason: LossReason | None = None,
    required: bool = True,
) -> Transition | None:
    """Put back what one change altered (`before` → `after`, as `Deal` field values), only
    where nobody has changed it since. Not activity. With `required`, refused when nothing
    can be put back; without (a note), None."""
    changed = {k for k in before if hasattr(deal, k) and before[k] != after.get(k)} - {"rev"}
    if "stage_id" in changed:
        changed |= STAGE_BOUND
    row = {k: before[k] for k in changed if getattr(deal, k) == after.get(k)}
    if "stage_id" in changed and "stage_id" not in row:
        raise RuleError(f"{deal.title!r} has been moved since; nothing was undone.")
    if not row:
        if required:
            raise RuleError(f"{deal.title!r} has changed since; nothing was undone.")
        return None
    moved = "stage_id" in row and deal.stage_id != row["stage_id"]
    data = {"previous_loss": previous_loss(deal, old_reason)} if deal.loss_reason_id else {}
    return Transition(
        row,
        Entry(
            EventKind.UNDONE,
            check_text(label, "label", limit=2000),
            deal.stage_id if moved else None,
            row["stage_id"] if moved else None,
            data,
        ),
    )

"""Everything a person does to deals, each as one function over one or several deals.

Each reads the deals once inside one transaction (refusing the change if a deal changed
since the user saw it), decides with `pipeline_tui.transitions`, writes through the store,
and records one journal entry that undoes the change as a whole: marking five deals lost is
one change, and one `u` takes it back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from pipeline_tui import rules, transitions
from pipeline_tui.dates import say_date
from pipeline_tui.errors import InputError, RuleError
from pipeline_tui.models import (
    Change,
    ChangeKind,
    Deal,
    DealDraft,
    EventKind,
    LossInput,
    LossReason,
    Stage,
    StageKind,
    WinInput,
    WonReason,
)
from pipeline_tui.money import format_money
from pipeline_tui.operations.common import (
    DealChange,
    DealRef,
    Done,
    current_deals,
    deal_name,
    loss_label,
    names,
    undoes,
)
from pipeline_tui.store import Store, ts
from pipeline_tui.store.codec import deal_fields, deal_row
from pipeline_tui.transitions import Entry, Transition

Decide = Callable[[Deal], Transition | None]  # None: nothing to change on that deal


def _change(
    store: Store,
    refs: Sequence[DealRef],
    decide: Decide,
    label: Callable[[list[Deal], list[Deal]], str],
    *,
    kind: ChangeKind = ChangeKind.DEAL,
    message: Callable[[str, list[Deal]], str] | None = None,
) -> Done:
    """Apply `decide`'s transition to each deal in one transaction, with one journal entry
    holding every deal's columns before and after and the timeline entries written."""
    with store.write():
        found = current_deals(store, refs)
        now = store.conn.clock()
        before, after = [], []
        for deal in found:
            transition = decide(deal)
            if transition is not None:
                before.append(deal)
                after.append(store.deals.apply(deal, transition, at=now)[0])
        if not before:
            unchanged = tuple(DealChange(deal, deal) for deal in found)
            return Done(f"Nothing to change on {names(found)}.", deals=unchanged)
        text = label(before, after)
        payload = {
            "deals": [
                {
                    "id": old.id,
                    "before": deal_row(old),
                    "after": deal_row(new),
                    "events": store.deals.written_events(old.id),
                }
                for old, new in zip(before, after, strict=True)
            ]
        }
        only = before[0].id if len(before) == 1 else None
        change_id = store.journal.record(kind, text, payload, deal_id=only)
    said = message(text, after) if message is not None else text + "."
    changes = tuple(DealChange(old, new) for old, new in zip(before, after, strict=True))
    return Done(said, kind, change_id, changes)


def _old_reason(store: Store, deal: Deal) -> LossReason | None:
    return store.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None


def _old_won_reason(store: Store, deal: Deal) -> WonReason | None:
    return store.shape.won_reason(deal.won_reason_id) if deal.won_reason_id else None


# -------------------------------------------------------------------- adding


def add(store: Store, draft: DealDraft, *, stage_id: int | None = None, note: str = "") -> Done:
    """A new deal, in the first open stage (or `stage_id`, if it is open)."""
    stage = store.shape.stage(stage_id) if stage_id is not None else store.shape.first_stage(StageKind.OPEN)
    with store.write():
        now = store.conn.clock()
        new = transitions.new_deal(draft, stage, now=now, currency=store.conn.currency, note=note)
        deal = store.deals.insert(new, at=now)
        label = f"Added {deal_name(deal)}"
        change_id = store.journal.record(ChangeKind.ADD, label, {"deal": deal.id}, deal_id=deal.id)
    message = f"Added {deal_name(deal)} to {stage.name}."
    return Done(message, ChangeKind.ADD, change_id, (DealChange(None, deal),))


@undoes(ChangeKind.ADD)
def _undo_add(store: Store, change: Change) -> Done:
    removed = store.deals.remove_new(int(change.payload["deal"]))
    return Done(f"Undid: {change.label}.", change.kind, deals=(DealChange(removed, None),), undid=change)


# ------------------------------------------------------------------- editing


def edit(store: Store, deals: Sequence[DealRef], changes: Mapping[str, Any]) -> Done:
    """Change deals' fields (title, company, contact, value, currency, close date, next
    step and its due date)."""
    step_only = set(changes) <= {"next_step", "next_step_due"}
    verb = "Next step on" if step_only else "Edited"
    return _change(
        store,
        deals,
        lambda deal: transitions.edit(deal, changes, now=store.conn.clock()),
        lambda before, _: f"{verb} {names(before)}",
        message=lambda label, after: label + _said(store, changes, after) + ".",
    )


def _said(store: Store, changes: Mapping[str, Any], after: list[Deal]) -> str:
    """What a change set, said back as understood: ': value $1,200,000, close date Fri 15
    Jan 2027' (each field changed, the dates as read, the amount in the deal's currency)."""
    today = store.conn.clock().date()
    said = []
    for key in ("title", "company", "contact"):
        if key in changes:
            text = " ".join(str(changes[key] or "").split())
            said.append(f"{key} {text[:40] + ('…' if len(text) > 40 else '')!r}" if text else f"no {key}")
    if "value" in changes and after:
        said.append(f"value {format_money(after[0].value, after[0].currency)}")
    elif "currency" in changes and after:
        said.append(f"currency {after[0].currency}")
    if "next_step" in changes and changes["next_step"]:
        said.append(f"{' '.join(str(changes['next_step']).split())!r}")
    for key, what in (("next_step_due", "due"), ("expected_close", "close date")):
        if key in changes:
            when = changes[key]
            said.append(f"{what} {say_date(when, today)}" if when else f"no {what}")
    return (": " + ", ".join(said)) if said else ""


def set_next_step(store: Store, deals: Sequence[DealRef], text: str, due: date | None) -> Done:
    if not text.strip():
        raise InputError("Say what the next step is.")
    return edit(store, deals, {"next_step": text, "next_step_due": due})


# -------------------------------------------------------------------- moving


def move(
    store: Store, deals: Sequence[DealRef], stage_id: int, *, note: str = "", win: WinInput | None = None
) -> Done:
    """Move deals to an open stage or a won one (with an optional `win`: why; into a lost
    stage: `lose`)."""
    return _move(store, deals, store.shape.stage(stage_id), note=note, win=win)


def lose(
    store: Store,
    deals: Sequence[DealRef],
    loss: LossInput,
    *,
    today: date,
    stage_id: int | None = None,
) -> Done:
    """Move deals into a lost stage (the first, or `stage_id`) with one loss: its reason,
    competitor, note, and a revisit date after `today` (or none)."""
    target = store.shape.stage(stage_id) if stage_id else store.shape.first_stage(StageKind.LOST)
    if target.kind is not StageKind.LOST:
        raise RuleError(f"{target.name} is not a lost stage.")
    check_revisit(loss, today)
    return _move(store, deals, target, loss=loss)


def step(store: Store, deals: Sequence[DealRef], step: int) -> Done:
    """Move each deal `step` stages along the board (to its own next or previous stage).
    A deal with no stage that way, or whose next stage is a lost one, stops the change."""
    stages = store.shape.stages()

    def decide(deal: Deal) -> Transition:
        target = rules.neighbour_stage(stages, deal.stage_id, step)
        if target is None:
            raise RuleError(f"{deal.title!r} has no stage that way.")
        if target.kind is StageKind.LOST:
            raise RuleError(f"Moving {deal.title!r} to {target.name} needs a loss reason.")
        return transitions.move(deal, store.shape.stage(deal.stage_id), target, now=store.conn.clock())

    def label(before: list[Deal], after: list[Deal]) -> str:
        way = "right" if step > 0 else "left"
        return f"Moved {names(before)} one stage {way}"

    return _change(store, deals, decide, label)


def win(
    store: Store, deals: Sequence[DealRef], win: WinInput | None = None, *, stage_id: int | None = None
) -> Done:
    """Mark deals won (the first won stage, or `stage_id`), with one optional reason, the
    competitor beaten and a note for all of them: a won deal never needs a reason."""
    target = store.shape.stage(stage_id) if stage_id else store.shape.first_stage(StageKind.WON)
    if target.kind is not StageKind.WON:
        raise RuleError(f"{target.name} is not a won stage.")
    return _move(store, deals, target, win=win)


def fill_win(store: Store, deals: Sequence[DealRef], win: WinInput) -> Done:
    """Give deals that are won already their reason (or a new one): the old stays in the
    timeline."""
    reason = store.shape.won_reason(win.reason_id) if win.reason_id is not None else None

    def decide(deal: Deal) -> Transition:
        stage = store.shape.stage(deal.stage_id)
        return transitions.record_win(
            deal, stage, reason, win, now=store.conn.clock(), old_reason=_old_won_reason(store, deal)
        )

    def label(before: list[Deal], after: list[Deal]) -> str:
        return f"Won reason for {names(before)}: {won_label(store, after[0])}"

    return _change(store, deals, decide, label)


def won_label(store: Store, deal: Deal) -> str:
    """The one way a deal's win is named."""
    return rules.won_label(_old_won_reason(store, deal), deal.competitor)


def _move(
    store: Store,
    deals: Sequence[DealRef],
    target: Stage,
    *,
    loss: LossInput | None = None,
    note: str = "",
    win: WinInput | None = None,
) -> Done:
    if target.kind is StageKind.LOST and loss is None:
        raise RuleError(f"Moving to {target.name} needs a loss reason.")
    if win is not None and target.kind is not StageKind.WON:
        raise RuleError(f"A won reason goes with a won stage, not {target.name}.")
    reason = store.shape.reason(loss.reason_id) if loss is not None else None
    won_reason = (
        store.shape.won_reason(win.reason_id) if win is not None and win.reason_id is not None else None
    )

    def decide(deal: Deal) -> Transition:
        return transitions.move(
            deal,
            store.shape.stage(deal.stage_id),
            target,
            now=store.conn.clock(),
            reason=reason,
            loss=loss,
            old_reason=_old_reason(store, deal),
            note=note,
            win=win,
            won_reason=won_reason,
            old_won_reason=_old_won_reason(store, deal),
        )

    def label(before: list[Deal], after: list[Deal]) -> str:
        who = names(before)
        if target.kind is StageKind.LOST:
            return f"Lost {who} ({loss_label(store, after[0])})"
        if target.kind is StageKind.WON:
            why = won_label(store, after[0]) if after[0].won_reason_id else ""
            return f"Won {who}" + (f" ({why})" if why else "")
        if all(store.shape.stage(d.stage_id).is_endpoint for d in before):
            return f"Reopened {who} in {target.name}"
        return f"Moved {who} to {target.name}"

    said = "." if loss is None else _revisit_said(store, loss) + "."
    return _change(store, deals, decide, label, message=lambda text, _: text + said)


def reopen(store: Store, deals: Sequence[DealRef], stage_id: int, *, note: str = "") -> Done:
    """Bring closed deals back to an open stage; each old loss stays in the timeline."""
    if not store.shape.stage(stage_id).is_open:
        raise RuleError("A deal can only be reopened into an open stage.")
    return move(store, deals, stage_id, note=note)


def fill_loss(store: Store, deals: Sequence[DealRef], loss: LossInput, *, today: date) -> Done:
    """Give deals that are lost already (an import, usually) their reason, note and revisit."""
    check_revisit(loss, today)
    reason = store.shape.reason(loss.reason_id)

    def decide(deal: Deal) -> Transition:
        stage = store.shape.stage(deal.stage_id)
        return transitions.record_loss(
            deal, stage, reason, loss, now=store.conn.clock(), old_reason=_old_reason(store, deal)
        )

    def label(before: list[Deal], after: list[Deal]) -> str:
        return f"Reason for {names(before)}: {loss_label(store, after[0])}"

    return _change(
        store, deals, decide, label, message=lambda text, _: text + _revisit_said(store, loss) + "."
    )


def _revisit_said(store: Store, loss: LossInput) -> str:
    """'; revisit Tue 24 Feb 2027': the date the seller typed, as understood."""
    if loss.revisit_on is None:
        return ""
    return f"; revisit {say_date(loss.revisit_on, store.conn.clock().date())}"


def check_revisit(loss: LossInput, today: date) -> None:
    if loss.revisit_on is not None and loss.revisit_on <= today:
        raise InputError("The revisit date must be after today (or none).")


# --------------------------------------------------------------------- notes


def note(store: Store, deals: Sequence[DealRef], text: str) -> Done:
    """A timeline note on each deal; a note is activity, so a stale deal is no longer idle.
    A note never conflicts: it changes nothing the user was looking at."""
    ids = [ref if isinstance(ref, int) else ref.id for ref in deals]
    return _change(
        store,
        ids,
        lambda deal: transitions.note(deal, text, now=store.conn.clock()),
        lambda before, _: f"Note on {names(before)}",
        kind=ChangeKind.NOTE,
        message=lambda _, after: f"Noted on {names(after)}.",
    )


@undoes(ChangeKind.NOTE)
def _undo_note(store: Store, change: Change) -> Done:
    """A note taken back stays in the file, marked retracted, and leaves the exports; the
    deal's last activity goes back too, unless something happened to it since."""
    changes = []
    for item in _items(store, change):
        current = store.deals.get(item["id"])
        notes = [store.deals.event(i) for i in item["events"]]
        if any(e.kind is not EventKind.NOTE for e in notes):
            raise RuleError("Only notes can be retracted.")
        if notes and all(e.data.get("retracted") for e in notes):
            raise RuleError("That note was already taken back.")
        store.deals.retract_events(item["events"])
        back = transitions.undo(
            current, deal_fields(item["before"]), deal_fields(item["after"]), label="", required=False
        )
        # The undo entry does not quote the note: a retracted note leaves the exports.
        retracted = item["events"][0] if item["events"] else None
        entry = Entry(EventKind.UNDONE, data={"retracted_event": retracted})
        restored, _ = store.deals.apply(
            current, Transition(back.changes if back else {}, entry), at=store.conn.clock()
        )
        changes.append(DealChange(current, restored))
    return Done(f"Undid: {change.label}.", change.kind, deals=tuple(changes), undid=change)


# ------------------------------------------------------------- quiet, close, archive


def snooze(store: Store, deals: Sequence[DealRef], until: date, *, today: date, note: str = "") -> Done:
    """Open deals: quiet (off the stale list) until `until`. Lost deals: their revisit moves
    to `until`. `note`: why, on the timeline entry."""
    if until <= today:
        raise InputError(f"{until:%a %d %b %Y} is not after today; choose a later day.")

    def decide(deal: Deal) -> Transition:
        stage = store.shape.stage(deal.stage_id)
        return transitions.snooze(deal, stage, until, now=store.conn.clock(), note=note)

    def label(before: list[Deal], after: list[Deal]) -> str:
        lost = [store.shape.stage(d.stage_id).kind is StageKind.LOST for d in before]
        if all(lost):
            return f"Revisit of {names(before)} moved to {until:%a %d %b %Y}"
        if not any(lost):
            return f"Snoozed {names(before)} until {until:%a %d %b %Y}"
        return f"Snoozed {names(before)} (revisits moved) until {until:%a %d %b %Y}"

    return _change(store, deals, decide, label)


def close_out(store: Store, deals: Sequence[DealRef], *, note: str = "") -> Done:
    """Lost deals with no more potential: their revisits leave the list."""
    return _change(
        store,
        deals,
        lambda deal: transitions.close_revisit(deal, now=store.conn.clock(), note=note),
        lambda before, _: f"Closed out {names(before)}",
        message=lambda label, _: f"{label}: no more revisits.",
    )


def archive(store: Store, deals: Sequence[DealRef]) -> Done:
    """Hide junk or duplicate deals from the board, lists and reports; history is kept."""
    return _change(
        store,
        deals,
        lambda deal: transitions.archive(deal, archived=True, now=store.conn.clock()),
        lambda before, _: f"Archived {names(before)}",
        message=lambda label, _: f"{label} (unarchive brings it back).",
    )


def unarchive(store: Store, deals: Sequence[DealRef]) -> Done:
    def said(label: str, after: list[Deal]) -> str:
        if len(after) == 1:
            return f"{label}: back in {store.shape.stage(after[0].stage_id).name}."
        return f"{label}: back on the board."

    return _change(
        store,
        deals,
        lambda deal: transitions.archive(deal, archived=False, now=store.conn.clock()),
        lambda before, _: f"Unarchived {names(before)}",
        message=said,
    )


# ---------------------------------------------------------------------- undo


def _items(store: Store, change: Change) -> list[dict[str, Any]]:
    """The deals of a journal entry, each with its columns before and after and the entries
    written. Entries written before changes covered several deals hold one deal each."""
    payload = change.payload
    if "deals" in payload:
        return [dict(item) for item in payload["deals"]]
    if change.kind is ChangeKind.NOTE:  # one note: {"event", "before": {"last_activity_at"}}
        event = store.deals.event(int(payload["event"]))
        before = dict(payload.get("before") or {})
        after = {"last_activity_at": ts(event.at)} if before else {}
        return [{"id": event.deal_id, "before": before, "after": after, "events": [event.id]}]
    return [
        {
            "id": change.deal_id or 0,
            "before": payload["before"],
            "after": payload["after"],
            "events": payload.get("events", []),
        }
    ]


@undoes(ChangeKind.DEAL)
def _undo_deal(store: Store, change: Change) -> Done:
    """Put back what the change altered on each deal, where nothing changed it since."""
    changes: list[DealChange] = []
    refused: list[str] = []
    label = f"Undid: {change.label}"
    for item in _items(store, change):
        current = store.deals.get(int(item["id"]))
        try:
            back = transitions.undo(
                current,
                deal_fields(item["before"]),
                deal_fields(item["after"]),
                label=label,
                old_reason=_old_reason(store, current),
            )
        except RuleError as exc:
            refused.append(str(exc))
            continue
        assert back is not None
        restored, _ = store.deals.apply(current, back, at=store.conn.clock())
        store.deals.retract_events(list(item.get("events", [])))
        changes.append(DealChange(current, restored))
    if not changes:
        raise RuleError(
            refused[0] if len(refused) == 1 else "Every deal has changed since; nothing was undone."
        )
    message = f"{label}."
    if refused:
        message = f"{label} ({len(refused):,} changed since, left as they are)."
    return Done(message, change.kind, deals=tuple(changes), undid=change)

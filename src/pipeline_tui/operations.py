"""Everything a person can do to a pipeline, each as one function.

The command line and the board are thin callers of these: each takes the store, the inputs
and `today`, changes the pipeline in one transaction, records in the same transaction how
to undo it (the change journal), and returns a typed result with a one-line message.

A change made from a screen that may be out of date passes `seen`, the deal as the user
saw it: if it changed elsewhere since, the change is refused with a ConflictError saying
what changed, and the caller lets the user choose (save anyway, reload or cancel).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline_tui import rules
from pipeline_tui.config import Settings, save_settings, show_setting, update_setting
from pipeline_tui.errors import ConflictError, DatabaseFileError, InputError, RuleError
from pipeline_tui.models import (
    Change,
    Deal,
    DealDraft,
    LossInput,
    LossReason,
    Outcome,
    Stage,
    StageKind,
)
from pipeline_tui.money import format_money
from pipeline_tui.store import Store
from pipeline_tui.store.codec import deal_row

PIPELINE, SETTINGS = "pipeline", "settings"


@dataclass(frozen=True)
class Done:
    """What an operation did: a one-line message, the deal as it is now (if one changed),
    and the journal entry that undoes it."""

    message: str
    deal: Deal | None = None
    change_id: int | None = None
    event_id: int | None = None
    moved: tuple[int, int] | None = None  # (from stage, to stage) when a deal changed column
    before: Deal | None = None  # the changed deal as it was (not for a new deal)


@dataclass(frozen=True)
class Undone:
    """What `undo` took back."""

    message: str
    change: Change
    deal: Deal | None = None
    settings: Settings | None = None  # the preferences as they are now, when a preference was undone
    stage_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class SettingDone:
    message: str
    settings: Settings
    change_id: int | None = None


def deal_name(deal: Deal) -> str:
    return f"#{deal.id} {deal.title}"


# ---------------------------------------------------------------- conflicts


def changes_between(store: Store, seen: Deal, current: Deal) -> list[str]:
    """What a person would notice changed between two versions of a deal."""
    out: list[str] = []
    if seen.stage_id != current.stage_id:
        out.append(f"stage {store.stage(seen.stage_id).name} → {store.stage(current.stage_id).name}")
    for name, label in (("title", "title"), ("company", "company"), ("contact", "contact")):
        if getattr(seen, name) != getattr(current, name):
            out.append(f"{label} {getattr(seen, name)!r} → {getattr(current, name)!r}")
    if (seen.value, seen.currency) != (current.value, current.currency):
        out.append(
            f"value {format_money(seen.value, seen.currency)} → "
            f"{format_money(current.value, current.currency)}"
        )
    if seen.expected_close != current.expected_close:
        out.append(f"close date {seen.expected_close or 'none'} → {current.expected_close or 'none'}")
    if (seen.next_step, seen.next_step_due) != (current.next_step, current.next_step_due):
        out.append(f"next step → {current.next_step or 'none'!r}")
    if seen.loss_reason_id != current.loss_reason_id or seen.competitor != current.competitor:
        out.append("loss reason → " + loss_label(store, current))
    if (seen.revisit_on, seen.revisit_state) != (current.revisit_on, current.revisit_state):
        out.append(f"revisit → {current.revisit_on or 'none'}")
    if seen.archived != current.archived:
        out.append("archived" if current.archived else "unarchived")
    if seen.snoozed_until != current.snoozed_until:
        out.append(f"snoozed until {current.snoozed_until or 'no longer'}")
    return out


def current_deal(store: Store, deal_id: int, seen: Deal | None) -> Deal:
    """The deal as it is now (read once), refused if it changed since the user saw `seen`."""
    deal = store.get(deal_id)
    if seen is not None and seen.rev != deal.rev:
        changes = changes_between(store, seen, deal)
        if changes:  # a note added elsewhere changes nothing the user was looking at
            raise ConflictError(
                f"{deal.title!r} changed since you saw it: {'; '.join(changes)}.",
                seen=seen,
                current=deal,
                changes=changes,
            )
    return deal


def loss_label(store: Store, deal: Deal) -> str:
    """The one way a deal's loss is named."""
    reason = store.reason(deal.loss_reason_id) if deal.loss_reason_id else None
    return rules.loss_label(reason, deal.competitor)


def _deal_change(store: Store, kind: str, label: str, before: Deal, after: Deal) -> int:
    """The journal entry of a change to one deal: its columns before and after, and the
    timeline entries the change wrote (an undo takes those back too)."""
    events = store.written_events(before.id)
    payload = {"before": deal_row(before), "after": deal_row(after), "events": events}
    return store.record_change(kind, label, payload, deal_id=before.id)


# -------------------------------------------------------------------- deals


def add_deal(
    store: Store, draft: DealDraft, *, today: date, stage_id: int | None = None, note: str = ""
) -> Done:
    """A new deal (in the first open stage, or `stage_id` if it is open)."""
    if stage_id is not None and not store.stage(stage_id).is_open:
        stage = store.stage(stage_id)
        raise RuleError(f"A new deal cannot start in {stage.name}; add it, then move it.")
    with store.write():
        deal = store.add(
            draft.title,
            company=draft.company,
            contact=draft.contact,
            value=draft.value,
            currency=draft.currency,
            stage_id=stage_id,
            expected_close=draft.expected_close,
            next_step=draft.next_step,
            next_step_due=draft.next_step_due,
            note=note,
        )
        label = f"Added {deal_name(deal)}"
        change_id = store.record_change("add", label, {"deal": deal.id}, deal_id=deal.id)
    return Done(f"Added {deal_name(deal)} to {store.stage(deal.stage_id).name}.", deal, change_id)


def edit_deal(
    store: Store, deal_id: int, changes: dict[str, Any], *, today: date, seen: Deal | None = None
) -> Done:
    """Change a deal's fields (title, company, contact, value, currency, close date, next
    step and its due date)."""
    with store.write():
        before = current_deal(store, deal_id, seen)
        after = store.apply_edit(before, changes)
        if after is before:
            return Done(f"Nothing to change on {deal_name(before)}.", before)
        step_only = set(changes) <= {"next_step", "next_step_due"}
        label = f"{'Next step on' if step_only else 'Edited'} {deal_name(before)}"
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(label + ".", after, change_id, before=before)


def set_next_step(
    store: Store, deal_id: int, text: str, due: date | None, *, today: date, seen: Deal | None = None
) -> Done:
    if not text.strip():
        raise InputError("Say what the next step is.")
    return edit_deal(store, deal_id, {"next_step": text, "next_step_due": due}, today=today, seen=seen)


def move_deal(
    store: Store,
    deal_id: int,
    stage_id: int,
    *,
    today: date,
    loss: LossInput | None = None,
    note: str = "",
    seen: Deal | None = None,
) -> Done:
    """Move a deal to any stage; into a lost stage only with a loss (reason and the rest)."""
    target = store.stage(stage_id)
    if target.kind is StageKind.LOST:
        if loss is None:
            raise RuleError(f"Moving to {target.name} needs a loss reason.")
        check_revisit(loss, today)
    with store.write():
        before = current_deal(store, deal_id, seen)
        after = store.apply_move(before, target.id, loss, note=note)
        if target.kind is StageKind.LOST:
            label = f"Lost {deal_name(before)} ({loss_label(store, after)})"
        elif target.kind is StageKind.WON:
            label = f"Won {deal_name(before)}"
        elif store.stage(before.stage_id).is_endpoint:
            label = f"Reopened {deal_name(before)} in {target.name}"
        else:
            label = f"Moved {deal_name(before)} to {target.name}"
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(label + ".", after, change_id, moved=(before.stage_id, after.stage_id), before=before)


def win(store: Store, deal_id: int, *, today: date, seen: Deal | None = None) -> Done:
    return move_deal(store, deal_id, store.first_stage(StageKind.WON).id, today=today, seen=seen)


def lose(
    store: Store,
    deal_id: int,
    loss: LossInput,
    *,
    today: date,
    stage_id: int | None = None,
    seen: Deal | None = None,
) -> Done:
    target = store.stage(stage_id) if stage_id else store.first_stage(StageKind.LOST)
    return move_deal(store, deal_id, target.id, today=today, loss=loss, seen=seen)


def fill_loss(store: Store, deal_id: int, loss: LossInput, *, today: date, seen: Deal | None = None) -> Done:
    """Give a deal that is already lost (an import, usually) its reason, note and revisit."""
    check_revisit(loss, today)
    with store.write():
        before = current_deal(store, deal_id, seen)
        after = store.apply_record_loss(before, loss)
        label = f"Reason for {deal_name(before)}: {loss_label(store, after)}"
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(label + ".", after, change_id, before=before)


def reopen(
    store: Store, deal_id: int, stage_id: int, *, today: date, note: str = "", seen: Deal | None = None
) -> Done:
    """Bring a closed deal back to an open stage; the old loss stays in the timeline."""
    if not store.stage(stage_id).is_open:
        raise RuleError("A deal can only be reopened into an open stage.")
    return move_deal(store, deal_id, stage_id, today=today, note=note, seen=seen)


def check_revisit(loss: LossInput, today: date) -> None:
    if loss.revisit_on is not None and loss.revisit_on <= today:
        raise InputError("The revisit date must be after today (or none).")


def add_note(store: Store, deal_id: int, text: str, *, today: date) -> Done:
    """A timeline note; it counts as activity, so a stale deal is no longer idle."""
    with store.write():
        before = store.get(deal_id)
        after, event_id = store.apply_note(before, text)
        label = f"Note on {deal_name(before)}"
        change_id = store.record_change(
            "note",
            label,
            {"event": event_id, "before": {"last_activity_at": deal_row(before)["last_activity_at"]}},
            deal_id=before.id,
        )
    return Done(f"Noted on {deal_name(before)}.", after, change_id, event_id, before=before)


def snooze(store: Store, deal_id: int, until: date, *, today: date, seen: Deal | None = None) -> Done:
    """A stale open deal: quiet until `until`. A lost deal: its revisit moves to `until`."""
    if until <= today:
        raise InputError(f"{until:%a %d %b %Y} is not after today; choose a later day.")
    with store.write():
        before = current_deal(store, deal_id, seen)
        stage = store.stage(before.stage_id)
        if stage.kind is StageKind.LOST:
            after = store.apply_snooze_revisit(before, until)
            label = f"Revisit of {deal_name(before)} moved to {until:%a %d %b %Y}"
        elif stage.is_open:
            after = store.apply_snooze_stale(before, until)
            label = f"Snoozed {deal_name(before)} until {until:%a %d %b %Y}"
        else:
            raise RuleError(f"{before.title!r} is won; there is nothing to snooze.")
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(label + ".", after, change_id, before=before)


def close_out(store: Store, deal_id: int, *, today: date, seen: Deal | None = None) -> Done:
    """A lost deal has no more potential: its revisit leaves the list."""
    with store.write():
        before = current_deal(store, deal_id, seen)
        after = store.apply_close_revisit(before)
        label = f"Closed out {deal_name(before)}"
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(f"{label}: no more revisits.", after, change_id, before=before)


def archive(store: Store, deal_id: int, *, today: date, seen: Deal | None = None) -> Done:
    """Hide a junk or duplicate deal from the board, lists and reports; history is kept."""
    with store.write():
        before = current_deal(store, deal_id, seen)
        after = store.apply_archive(before, archived=True)
        label = f"Archived {deal_name(before)}"
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(label + " (unarchive brings it back).", after, change_id, before=before)


def unarchive(store: Store, deal_id: int, *, today: date, seen: Deal | None = None) -> Done:
    with store.write():
        before = current_deal(store, deal_id, seen)
        after = store.apply_archive(before, archived=False)
        label = f"Unarchived {deal_name(before)}"
        change_id = _deal_change(store, "deal", label, before, after)
    return Done(label + f": back in {store.stage(after.stage_id).name}.", after, change_id, before=before)


# ------------------------------------------------------------ stages/reasons


def _shape_change(store: Store, kind: str, label: str, payload: dict[str, Any]) -> int:
    return store.record_change(kind, label, payload, scope=SETTINGS)


def add_stage(
    store: Store, name: str, *, kind: StageKind = StageKind.OPEN, stale_days: int | None = None
) -> tuple[Stage, Done]:
    with store.write():
        stage = store.add_stage(name, kind=kind, stale_days=stale_days)
        label = f"Added stage {stage.name}"
        change_id = _shape_change(store, "stage_add", label, {"id": stage.id})
    return stage, Done(label + ".", change_id=change_id)


def update_stage(store: Store, stage_id: int, summary: str, **fields: Any) -> tuple[Stage, Done]:
    """Rename a stage, set its stale threshold or probability, archive or unarchive it."""
    with store.write():
        before = store.stage_row(stage_id)
        if fields.get("archived") is True:
            stage = store.archive_stage(stage_id)
        else:
            stage = store.update_stage(stage_id, **fields)
        after = store.stage_row(stage_id)
        if before == after:
            return stage, Done(f"{stage.name}: nothing to change.")
        change_id = _shape_change(store, "stage", summary, {"id": stage_id, "before": before, "after": after})
    return stage, Done(summary + ".", change_id=change_id)


def move_stage(store: Store, stage_id: int, step: int) -> tuple[Stage, Done]:
    with store.write():
        before = store.positions("stages")
        stage = store.move_stage(stage_id, step)
        after = store.positions("stages")
        label = f"Moved stage {stage.name}"
        change_id = _shape_change(
            store, "order", label, {"table": "stages", "before": before, "after": after}
        )
    return stage, Done(label + ".", change_id=change_id)


def add_reason(
    store: Store,
    label_text: str,
    *,
    needs_competitor: bool = False,
    needs_note: bool = False,
    outcome: Outcome = Outcome.LOST,
) -> tuple[LossReason, Done]:
    with store.write():
        reason = store.add_reason(
            label_text, needs_competitor=needs_competitor, needs_note=needs_note, outcome=outcome
        )
        label = f"Added loss reason {reason.label!r}"
        change_id = _shape_change(store, "reason_add", label, {"id": reason.id})
    return reason, Done(label + ".", change_id=change_id)


def update_reason(store: Store, reason_id: int, summary: str, **fields: Any) -> tuple[LossReason, Done]:
    """Rename a loss reason, set its outcome kind, archive or unarchive it."""
    with store.write():
        before = store.reason_row(reason_id)
        reason = store.update_reason(reason_id, **fields)
        after = store.reason_row(reason_id)
        if before == after:
            return reason, Done(f"{reason.label!r}: nothing to change.")
        change_id = _shape_change(
            store, "reason", summary, {"id": reason_id, "before": before, "after": after}
        )
    return reason, Done(summary + ".", change_id=change_id)


def move_reason(store: Store, reason_id: int, step: int) -> tuple[LossReason, Done]:
    with store.write():
        before = store.positions("loss_reasons")
        reason = store.move_reason(reason_id, step)
        after = store.positions("loss_reasons")
        label = f"Moved loss reason {reason.label!r}"
        change_id = _shape_change(
            store, "order", label, {"table": "loss_reasons", "before": before, "after": after}
        )
    return reason, Done(label + ".", change_id=change_id)


# ------------------------------------------------------------------ imports


@dataclass(frozen=True)
class ImportDone:
    message: str
    imported: int
    change_id: int | None = None
    updated: int = 0


def import_plan(store: Store, plan: Any, *, label: str, today: date) -> ImportDone:
    """Carry out a checked import plan (`importer.ImportPlan`) in one transaction: the new
    deals, the stages and reasons they need, and the CRM's changes to deals imported
    before. Undo takes it back as a whole (updated deals: what it changed, where nothing
    changed since)."""
    batch = uuid.uuid4().hex
    with store.write():
        stage_keys, reason_keys = store.create_pending(plan.pending_stages, plan.pending_reasons)
        count = store.import_rows(
            plan.rows, source_label=label, batch=batch, stage_keys=stage_keys, reason_keys=reason_keys
        )
        updates = store.apply_import_updates(plan.updates, batch=batch)
        changed = sum(1 for u in plan.updates if u.fields)
        change_id = None
        if count or updates:
            change_id = store.record_change(
                "import", label, {"batch": batch, "count": count, "updated": changed, "updates": updates}
            )
    message = f"Imported {count:,} deals." + (f" Updated {changed:,}." if changed else "")
    return ImportDone(message, count, change_id, changed)


# -------------------------------------------------------------- preferences


def set_preference(
    settings: Settings, key: str, raw: str, *, config_path: Path, store: Store | None = None
) -> SettingDone:
    """Check and save one preference; undoable when the pipeline can record it."""
    updated = update_setting(settings, key, raw)
    old, new = show_setting(asdict(settings)[key]), show_setting(asdict(updated)[key])
    save_settings(config_path, updated)
    change_id = None
    if store is not None and not store.readonly and old != new:
        change_id = store.record_change(
            "preference",
            f"Set {key} to {new}",
            {"key": key, "old": asdict(settings), "new": asdict(updated), "path": str(config_path)},
            scope=SETTINGS,
        )
    return SettingDone(f"{key} = {new}  (saved in {config_path})", updated, change_id)


# --------------------------------------------------------------------- undo


def undo(
    store: Store,
    *,
    today: date,
    origin: str | None = None,
    scope: str | None = None,
) -> Undone:
    """Take back the latest change (of one board session and scope, when given): only what
    that change altered, and only where nothing has changed it since."""
    change = store.last_change(origin=origin, scope=scope)
    if change is None:
        where = " here" if scope == SETTINGS else ""
        raise RuleError(f"Nothing to undo{where}.")
    payload = change.payload
    deal: Deal | None = None
    settings: Settings | None = None
    stage_ids: set[int] = set()
    with store.write():
        if change.kind == "deal":
            current = store.get(change.deal_id or 0)
            deal = store.apply_undo(
                current, payload["before"], payload["after"], label=f"Undid: {change.label}"
            )
            store.retract_events(payload.get("events", []))
            stage_ids = {current.stage_id, deal.stage_id}
        elif change.kind == "note":
            deal = store.retract_note(payload["event"], deal_before=payload.get("before"))
        elif change.kind == "add":
            deal = store.get(payload["deal"])
            stage_ids = {deal.stage_id}
            store.remove_new_deal(payload["deal"])
            deal = None
        elif change.kind == "stage_add":
            store.delete_stage(payload["id"])
        elif change.kind == "reason_add":
            store.delete_reason(payload["id"])
        elif change.kind in ("stage", "reason"):
            _put_back_row(store, change.kind, payload)
        elif change.kind == "order":
            store.set_positions(payload["table"], {int(k): v for k, v in payload["before"].items()})
        elif change.kind == "preference":
            settings = Settings(**payload["old"])
            try:
                save_settings(Path(payload["path"]), settings)
            except OSError as exc:
                raise DatabaseFileError(f"Could not write {payload['path']}: {exc.strerror}.") from None
        elif change.kind == "import":
            deal = None
            stage_ids = store.undo_import(payload, label=f"Undid: {change.label}")
        else:
            raise RuleError(f"Cannot undo {change.label!r} ({change.kind}).")
        store.mark_undone(change.id)
    return Undone(f"Undid: {change.label}.", change, deal, settings, stage_ids)


def _put_back_row(store: Store, kind: str, payload: dict[str, Any]) -> None:
    """A stage or reason as it was before one change (fields that change has not since)."""
    before, after = payload["before"], payload["after"]
    now = store.stage_row(payload["id"]) if kind == "stage" else store.reason_row(payload["id"])
    fields = {k: before[k] for k in before if k not in ("id", "position") and before[k] != after[k]}
    fields = {k: v for k, v in fields.items() if now[k] == after[k]}
    if not fields:
        raise RuleError("It has changed since; nothing was undone.")
    for name in ("archived", "needs_competitor", "needs_note"):
        if name in fields:
            fields[name] = bool(fields[name])
    if kind == "stage":
        store.update_stage(payload["id"], **fields)
    else:
        store.update_reason(payload["id"], **fields)

"""Shaping the pipeline: stages, loss reasons and won reasons added, changed and reordered, each change
journaled in the Settings scope (so `u` on the Settings screen takes it back, never one
made on the board)."""

from __future__ import annotations

from typing import Any

from pipeline_tui.errors import RuleError
from pipeline_tui.models import Change, ChangeKind, Outcome, Scope, StageKind
from pipeline_tui.operations.common import Done, undoes
from pipeline_tui.store import Store


def _record(store: Store, kind: ChangeKind, label: str, payload: dict[str, Any]) -> int:
    return store.journal.record(kind, label, payload, scope=Scope.SETTINGS)


def add_stage(
    store: Store, name: str, *, kind: StageKind = StageKind.OPEN, stale_days: int | None = None
) -> Done:
    with store.write():
        stage = store.shape.add_stage(name, kind=kind, stale_days=stale_days)
        label = f"Added stage {stage.name}"
        change_id = _record(store, ChangeKind.STAGE_ADD, label, {"id": stage.id})
    return Done(label + ".", ChangeKind.STAGE_ADD, change_id, made=stage)


def update_stage(store: Store, stage_id: int, summary: str, **fields: Any) -> Done:
    """Rename a stage, set its stale threshold or probability, archive or unarchive it."""
    with store.write():
        before = store.shape.stage_row(stage_id)
        if fields.get("archived") is True:
            stage = store.shape.archive_stage(stage_id)
        else:
            stage = store.shape.update_stage(stage_id, **fields)
        after = store.shape.stage_row(stage_id)
        if before == after:
            return Done(f"{stage.name}: nothing to change.", made=stage)
        payload = {"id": stage_id, "before": before, "after": after}
        change_id = _record(store, ChangeKind.STAGE, summary, payload)
    return Done(summary + ".", ChangeKind.STAGE, change_id, made=stage)


def move_stage(store: Store, stage_id: int, step: int) -> Done:
    with store.write():
        before = store.shape.positions("stages")
        stage = store.shape.move_stage(stage_id, step)
        after = store.shape.positions("stages")
        label = f"Moved stage {stage.name}"
        payload = {"table": "stages", "before": before, "after": after}
        change_id = _record(store, ChangeKind.ORDER, label, payload)
    return Done(label + ".", ChangeKind.ORDER, change_id, made=stage)


def add_reason(
    store: Store,
    label_text: str,
    *,
    needs_competitor: bool = False,
    needs_note: bool = False,
    outcome: Outcome = Outcome.LOST,
) -> Done:
    with store.write():
        reason = store.shape.add_reason(
            label_text, needs_competitor=needs_competitor, needs_note=needs_note, outcome=outcome
        )
        label = f"Added loss reason {reason.label!r}"
        change_id = _record(store, ChangeKind.REASON_ADD, label, {"id": reason.id})
    return Done(label + ".", ChangeKind.REASON_ADD, change_id, made=reason)


def update_reason(store: Store, reason_id: int, summary: str, **fields: Any) -> Done:
    """Rename a loss reason, set its outcome kind, archive or unarchive it."""
    with store.write():
        before = store.shape.reason_row(reason_id)
        reason = store.shape.update_reason(reason_id, **fields)
        after = store.shape.reason_row(reason_id)
        if before == after:
            return Done(f"{reason.label!r}: nothing to change.", made=reason)
        payload = {"id": reason_id, "before": before, "after": after}
        change_id = _record(store, ChangeKind.REASON, summary, payload)
    return Done(summary + ".", ChangeKind.REASON, change_id, made=reason)


def move_reason(store: Store, reason_id: int, step: int) -> Done:
    with store.write():
        before = store.shape.positions("loss_reasons")
        reason = store.shape.move_reason(reason_id, step)
        after = store.shape.positions("loss_reasons")
        label = f"Moved loss reason {reason.label!r}"
        payload = {"table": "loss_reasons", "before": before, "after": after}
        change_id = _record(store, ChangeKind.ORDER, label, payload)
    return Done(label + ".", ChangeKind.ORDER, change_id, made=reason)


def add_won_reason(store: Store, label_text: str, *, needs_competitor: bool = False) -> Done:
    with store.write():
        reason = store.shape.add_won_reason(label_text, needs_competitor=needs_competitor)
        label = f"Added won reason {reason.label!r}"
        change_id = _record(store, ChangeKind.WON_REASON_ADD, label, {"id": reason.id})
    return Done(label + ".", ChangeKind.WON_REASON_ADD, change_id, made=reason)


def update_won_reason(store: Store, reason_id: int, summary: str, **fields: Any) -> Done:
    """Rename a won reason, say whether it asks for the competitor, archive or unarchive it."""
    with store.write():
        before = store.shape.won_reason_row(reason_id)
        reason = store.shape.update_won_reason(reason_id, **fields)
        after = store.shape.won_reason_row(reason_id)
        if before == after:
            return Done(f"{reason.label!r}: nothing to change.", made=reason)
        payload = {"id": reason_id, "before": before, "after": after}
        change_id = _record(store, ChangeKind.WON_REASON, summary, payload)
    return Done(summary + ".", ChangeKind.WON_REASON, change_id, made=reason)


def move_won_reason(store: Store, reason_id: int, step: int) -> Done:
    with store.write():
        before = store.shape.positions("won_reasons")
        reason = store.shape.move_won_reason(reason_id, step)
        after = store.shape.positions("won_reasons")
        label = f"Moved won reason {reason.label!r}"
        payload = {"table": "won_reasons", "before": before, "after": after}
        change_id = _record(store, ChangeKind.ORDER, label, payload)
    return Done(label + ".", ChangeKind.ORDER, change_id, made=reason)


# ---------------------------------------------------------------------- undo


def _undone(change: Change) -> Done:
    return Done(f"Undid: {change.label}.", change.kind, undid=change)


@undoes(ChangeKind.STAGE_ADD)
def _undo_stage_add(store: Store, change: Change) -> Done:
    store.shape.delete_stage(int(change.payload["id"]))
    return _undone(change)


@undoes(ChangeKind.REASON_ADD)
def _undo_reason_add(store: Store, change: Change) -> Done:
    store.shape.delete_reason(int(change.payload["id"]))
    return _undone(change)


@undoes(ChangeKind.WON_REASON_ADD)
def _undo_won_reason_add(store: Store, change: Change) -> Done:
    store.shape.delete_won_reason(int(change.payload["id"]))
    return _undone(change)


@undoes(ChangeKind.STAGE, ChangeKind.REASON, ChangeKind.WON_REASON)
def _undo_row(store: Store, change: Change) -> Done:
    """A stage or reason as it was before one change (fields that change has not since)."""
    payload = change.payload
    before, after = payload["before"], payload["after"]
    stage = change.kind is ChangeKind.STAGE
    read = {
        ChangeKind.STAGE: store.shape.stage_row,
        ChangeKind.REASON: store.shape.reason_row,
        ChangeKind.WON_REASON: store.shape.won_reason_row,
    }[change.kind]
    now = read(payload["id"])
    fields = {k: before[k] for k in before if k not in ("id", "position") and before[k] != after[k]}
    fields = {k: v for k, v in fields.items() if now[k] == after[k]}
    if not fields:
        raise RuleError("It has changed since; nothing was undone.")
    for name in ("archived", "needs_competitor", "needs_note"):
        if name in fields:
            fields[name] = bool(fields[name])
    if stage:
        store.shape.update_stage(payload["id"], **fields)
    elif change.kind is ChangeKind.WON_REASON:
        store.shape.update_won_reason(payload["id"], **fields)
    else:
        store.shape.update_reason(payload["id"], **fields)
    return _undone(change)


@undoes(ChangeKind.ORDER)
def _undo_order(store: Store, change: Change) -> Done:
    positions = {int(k): v for k, v in change.payload["before"].items()}
    store.shape.set_positions(change.payload["table"], positions)
    return _undone(change)

"""Carrying out an import: a checked plan (`importer.plan_import`) written in one transaction,
and its undo. The plan is made without writing anything; nothing is written here that the
plan (and its dry run) did not say."""

from __future__ import annotations

import uuid

from pipeline_tui.importer.plan import ImportPlan
from pipeline_tui.models import Change, ChangeKind
from pipeline_tui.operations.common import Done, undoes
from pipeline_tui.store import Store


def import_plan(store: Store, plan: ImportPlan, *, label: str) -> Done:
    """The new deals, the stages and reasons they need, and the CRM's changes to deals
    imported before, in one transaction. Undo takes it back as a whole (updated deals: what
    it changed, where nothing changed since)."""
    batch = uuid.uuid4().hex
    with store.write():
        stage_keys, reason_keys = store.transfer.create_pending(plan.pending_stages, plan.pending_reasons)
        if plan.remember:  # the seller's answers, for the next import of this source
            store.transfer.remember_maps(
                plan.source, {v: stage_keys.get(s, s) for v, s in plan.remember.items()}
            )
        count = store.transfer.import_rows(
            plan.rows, source_label=label, batch=batch, stage_keys=stage_keys, reason_keys=reason_keys
        )
        updates = store.transfer.apply_import_updates(
            plan.updates, batch=batch, stage_keys=stage_keys, reason_keys=reason_keys
        )
        changed = sum(1 for u in plan.updates if u.fields)
        change_id = None
        if count or updates:
            payload = {"batch": batch, "count": count, "updated": changed, "updates": updates}
            change_id = store.journal.record(ChangeKind.IMPORT, label, payload)
    deals = "deal" if count == 1 else "deals"
    message = f"Imported {count:,} {deals}." + (f" Updated {changed:,}." if changed else "")
    stages = plan.new_stage_ids() | frozenset(stage_keys.values())
    return Done(message, ChangeKind.IMPORT, change_id, stage_ids=stages, imported=count, updated=changed)


@undoes(ChangeKind.IMPORT)
def _undo_import(store: Store, change: Change) -> Done:
    stages = store.transfer.undo_import(change.payload, label=f"Undid: {change.label}")
    return Done(f"Undid: {change.label}.", change.kind, stage_ids=frozenset(stages), undid=change)

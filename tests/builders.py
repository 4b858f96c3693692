"""Building a pipeline for a test, through the operations a person uses (so every deal a test
starts from has the history, the journal and the checks a real one has). Each helper takes
the store first and a deal (or its id), and returns the deal as it is afterwards.

Moments: `at=` stamps what a helper does at that moment (the store's clock is moved there and
back), as if it had happened then."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pipeline_tui import importer
from pipeline_tui import operations as ops
from pipeline_tui.models import Deal, DealDraft, Event, LossInput, LossReason, Stage, StageKind
from pipeline_tui.store import Store

DealLike = Deal | int


def _id(deal: DealLike) -> int:
    return deal if isinstance(deal, int) else deal.id


@contextlib.contextmanager
def stamped(store: Store, at: date | datetime | None) -> Iterator[None]:
    """Whatever is done inside is stamped `at` (a date: 09:00 that day)."""
    if at is None:
        yield
        return
    moment = at if isinstance(at, datetime) else datetime.combine(at, time(9, 0))
    real = store.conn.clock
    store.conn.clock = lambda: moment
    try:
        yield
    finally:
        store.conn.clock = real


def _one(done: ops.Done) -> Deal:
    assert done.deal is not None, done.message
    return done.deal


def _stage_id(store: Store, stage: int | str | None) -> int | None:
    if stage is None or isinstance(stage, int):
        return stage
    return store.shape.find_stage_any(stage).id


def add(
    store: Store,
    title: str,
    *,
    stage_id: int | str | None = None,
    at: date | datetime | None = None,
    created_at: datetime | None = None,
    loss: LossInput | None = None,
    note: str = "",
    **fields: Any,
) -> Deal:
    """A deal as a person adds it (company, contact, value, currency, expected_close,
    next_step, next_step_due), in the first open stage or `stage_id`. A won or lost stage:
    added, then won or lost (`loss`, else the first reason) at the same moment."""
    target = _stage_id(store, stage_id)
    stage = store.shape.stage(target) if target is not None else None
    with stamped(store, created_at or at):
        opening = target if stage is None or stage.is_open else None
        deal = _one(ops.add(store, DealDraft(title, **fields), stage_id=opening, note=note))
        if stage is not None and stage.kind is StageKind.WON:
            deal = _one(ops.move(store, [deal.id], stage.id))
        elif stage is not None and stage.kind is StageKind.LOST:
            loss = loss or LossInput(store.shape.reasons()[0].id)
            deal = _one(ops.lose(store, [deal.id], loss, today=date.min, stage_id=stage.id))
    return deal


def move(
    store: Store,
    deal: DealLike,
    stage: int | str,
    loss: LossInput | None = None,
    *,
    at: date | datetime | None = None,
    note: str = "",
) -> Deal:
    """To any stage (into a lost stage with `loss`)."""
    target = _stage_id(store, stage) or 0
    with stamped(store, at):
        if loss is not None:
            return mark_lost(store, deal, loss, stage_id=target)
        return _one(ops.move(store, [_id(deal)], target, note=note))


def reopen(
    store: Store, deal: DealLike, stage: int | str, *, at: date | datetime | None = None, note: str = ""
) -> Deal:
    with stamped(store, at):
        return _one(ops.reopen(store, [_id(deal)], _stage_id(store, stage) or 0, note=note))


def win(store: Store, deal: DealLike, *, at: date | datetime | None = None) -> Deal:
    with stamped(store, at):
        return _one(ops.win(store, [_id(deal)]))


def lose(
    store: Store,
    deal: DealLike,
    reason: str | int | None = None,
    *,
    competitor: str = "",
    note: str = "",
    revisit_on: date | None = None,
    stage_id: int | None = None,
    at: date | datetime | None = None,
) -> Deal:
    """Lost for `reason` (a label, an id, or the first reason). A revisit date is taken as
    set the day before it at the latest, so a test can build a revisit that is due."""
    reason_id = (
        reason
        if isinstance(reason, int)
        else store.shape.find_reason(reason).id
        if reason
        else store.shape.reasons()[0].id
    )
    loss = LossInput(reason_id, competitor, note, revisit_on)
    with stamped(store, at):
        today = store.conn.clock().date()
        if revisit_on is not None:
            today = min(today, revisit_on - timedelta(days=1))
        return _one(ops.lose(store, [_id(deal)], loss, today=today, stage_id=stage_id))


def fill_loss(store: Store, deal: DealLike, reason: str, **loss: Any) -> Deal:
    given = LossInput(store.shape.find_reason(reason).id, **loss)
    return _one(ops.fill_loss(store, [_id(deal)], given, today=date.min))


def note(store: Store, deal: DealLike, text: str, *, at: date | datetime | None = None) -> Deal:
    with stamped(store, at):
        return _one(ops.note(store, [_id(deal)], text))


def edit(store: Store, deal: DealLike, *, at: date | datetime | None = None, **changes: Any) -> Deal:
    with stamped(store, at):
        return _one(ops.edit(store, [_id(deal)], changes))


def next_step(
    store: Store, deal: DealLike, text: str, due: date | None, *, at: date | datetime | None = None
) -> Deal:
    with stamped(store, at):
        return _one(ops.set_next_step(store, [_id(deal)], text, due))


def snooze(
    store: Store, deal: DealLike, until: date, *, at: date | datetime | None = None, note: str = ""
) -> Deal:
    """Quiet an open deal, or move a lost deal's revisit, to `until` (taken as set the day
    before it at the latest)."""
    with stamped(store, at):
        today = min(store.conn.clock().date(), until - timedelta(days=1))
        return _one(ops.snooze(store, [_id(deal)], until, today=today, note=note))


def close_out(store: Store, deal: DealLike) -> Deal:
    return _one(ops.close_out(store, [_id(deal)]))


def archive(store: Store, deal: DealLike, *, archived: bool = True) -> Deal:
    if not archived:
        return unarchive(store, deal)
    return _one(ops.archive(store, [_id(deal)]))


def unarchive(store: Store, deal: DealLike) -> Deal:
    return _one(ops.unarchive(store, [_id(deal)]))


# ------------------------------------------------------------------ imports


@dataclass(frozen=True)
class Imported:
    """What an import did, with what its plan said."""

    format: str
    imported: int
    updated: int
    skipped_existing: int  # already here and unchanged
    duplicates: int  # rows seen twice in the file
    conflicts: int
    missing_reasons: int
    per_stage: dict[str, int]
    totals: dict[str, int]  # value per currency of the new deals


def import_file(store: Store, path: Path, **options: Any) -> Imported:
    """Plan and carry out an import, as `pipeline-tui import` does (`options`: plan_import's)."""
    plan = importer.plan_import(store, path, **options)
    done = ops.import_plan(store, plan, label=f"Imported {path.name} ({plan.format})")
    return Imported(
        format=plan.format,
        imported=done.imported,
        updated=done.updated,
        skipped_existing=plan.skipped_existing + plan.unchanged,
        duplicates=plan.duplicates,
        conflicts=len(plan.conflicts),
        missing_reasons=plan.missing_reasons,
        per_stage=dict(plan.counts()),
        totals=plan.totals(),
    )


# --------------------------------------------------------- the old names, one call each
# Tests written against the store's former write API read the same through these.


def add_note(store: Store, deal: DealLike, text: str) -> Event:
    """A note; the note's timeline entry."""
    note(store, deal, text)
    return store.deals.notes(_id(deal))[-1]


def mark_lost(store: Store, deal: DealLike, loss: LossInput, *, stage_id: int | None = None) -> Deal:
    today = store.conn.clock().date()
    if loss.revisit_on is not None:
        today = min(today, loss.revisit_on - timedelta(days=1))
    return _one(ops.lose(store, [_id(deal)], loss, today=today, stage_id=stage_id))


def mark_won(store: Store, deal: DealLike) -> Deal:
    return win(store, deal)


def record_loss(store: Store, deal: DealLike, loss: LossInput) -> Deal:
    return _one(ops.fill_loss(store, [_id(deal)], loss, today=date.min))


def set_next_step(store: Store, deal: DealLike, text: str, due: date | None) -> Deal:
    return next_step(store, deal, text, due)


def snooze_revisit(store: Store, deal: DealLike, on: date, *, note: str = "") -> Deal:
    return snooze(store, deal, on, note=note)


def snooze_stale(store: Store, deal: DealLike, until: date, *, note: str = "") -> Deal:
    return snooze(store, deal, until, note=note)


def close_revisit(store: Store, deal: DealLike, *, note: str = "") -> Deal:
    return _one(ops.close_out(store, [_id(deal)], note=note))


def rename_stage(store: Store, stage_id: int, name: str) -> Stage:
    return ops.update_stage(store, stage_id, f"Renamed stage to {name}", name=name).stage


def set_stale_days(store: Store, stage_id: int, days: int | None) -> Stage:
    return ops.update_stage(store, stage_id, f"Stale after {days}", stale_days=days).stage


def archive_stage(store: Store, stage_id: int) -> Stage:
    return ops.update_stage(store, stage_id, "Archived stage", archived=True).stage


def unarchive_stage(store: Store, stage_id: int) -> Stage:
    return ops.update_stage(store, stage_id, "Unarchived stage", archived=False).stage


def rename_reason(store: Store, reason_id: int, label: str) -> LossReason:
    return ops.update_reason(store, reason_id, f"Renamed reason to {label}", label=label).reason


def archive_reason(store: Store, reason_id: int) -> LossReason:
    return ops.update_reason(store, reason_id, "Archived reason", archived=True).reason


def unarchive_reason(store: Store, reason_id: int) -> LossReason:
    return ops.update_reason(store, reason_id, "Unarchived reason", archived=False).reason

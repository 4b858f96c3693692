"""What a CRM row does to the pipeline: a new deal, prepared for the store, or the update of a
deal imported before (`plan_update`); with its loss, its win and when it closed, from the
best evidence the file has."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any

from pipeline_tui.importer.context import Context, Read
from pipeline_tui.importer.formats import norm
from pipeline_tui.importer.outcome import Outcome
from pipeline_tui.importer.plan_types import ImportPlan
from pipeline_tui.importer.reasons import loss_in_stage, loss_of
from pipeline_tui.importer.source import SourceRow
from pipeline_tui.importer.update import Planned, plan_update
from pipeline_tui.models import Stage, StageKind
from pipeline_tui.store.codec import ts
from pipeline_tui.store.prepared import PreparedDeals
from pipeline_tui.store.transfer import CrmDeal


def file_values(ctx: Context, row: SourceRow, record: Read) -> dict[str, Any]:
    """The CRM's values of the fields the file has: what a later import compares with."""
    columns = ctx.fields
    out: dict[str, Any] = {"title": row.title, "stage": record.label, "stage_id": record.stage_id}
    if "company" in columns:
        out["company"] = row.company
    if "contact" in columns:
        out["contact"] = row.contact
    if "value" in columns:
        out["value"] = row.value or 0
    if ("value" in columns or "currency" in columns) and row.currency is not None:
        # Only a currency the file states: one taken because it states none (the pipeline's)
        # is no CRM value, and never replaces a currency an earlier export stated.
        out["currency"] = row.currency
    if "close" in columns:
        out["close"] = row.close.isoformat() if row.close else None
    if row.activity is not None:  # the CRM's last activity or change: a newer one is activity here too
        out["activity"] = row.activity.date().isoformat()  # its day: what staleness counts
    return out


def _closed_at(row: SourceRow) -> datetime | None:
    """When a closed deal closed, from the best evidence the file has: when it was won or
    lost, its close date, the last change; None when the file says nothing."""
    for moment in (row.closed_on, row.lost_date):
        if moment is not None:
            return moment
    if row.close:
        return datetime.combine(row.close, time())
    return row.activity


def _closed(ctx: Context, row: SourceRow, plan: ImportPlan) -> datetime | None:
    """When a closed deal closed (`_closed_at`), never after now: a day still to come is
    taken as today; both that and a day taken from the expected close date are counted for
    the dry run."""
    closed_at = _closed_at(row)
    if closed_at is None:
        return None
    if row.closed_on is None and row.lost_date is None and row.close is not None:
        plan.closed_on_expected += 1  # said: the file has no day it closed, only the expected one
    if closed_at.date() > ctx.now.date():  # a deal is never closed in the future
        plan.closed_later += 1
        plan.closed_later_first = plan.closed_later_first or (row.number, closed_at.date().isoformat())
        return ctx.now
    return closed_at


def plan_loss(ctx: Context, row: SourceRow, outcome: Outcome, plan: ImportPlan) -> dict[str, Any]:
    by_stage = not row.lost_reason.strip() and bool(row.stage)
    key = (row.lost_reason, row.competitor, row.stage if by_stage else "")
    if key not in ctx.loss_cache:  # the same few reasons on every lost row
        staged = loss_in_stage(row.stage, row.competitor, ctx.reasons) if by_stage else None
        ctx.loss_cache[key] = staged or loss_of(row.lost_reason, row.competitor, ctx.reasons)
    loss = ctx.loss_cache[key]
    reason = loss.reason
    note = loss.note
    if reason is None and outcome.no_decision:
        reason = next((r for r in ctx.reasons if r.outcome.value == "no_decision" and not r.archived), None)
        note = note or f"Imported as {row.status!r}."
    text = row.lost_reason.strip()
    if text:  # each reason text, and the reason it became, is listed by the dry run
        plan.loss_texts[text] += 1
        if text not in plan.loss_matched:
            plan.loss_matched[text] = reason.label if reason is not None else ""
    if loss.competitor:
        plan.competitors_found += 1
    elif reason is not None and reason.needs_competitor:
        plan.competitors_missing += 1
    return {
        "loss_reason_id": reason.id if reason else None,
        "reason_label": reason.label if reason else None,
        "competitor": loss.competitor[:500],
        "loss_note": note,
    }


def _win(ctx: Context, row: SourceRow) -> tuple[int | None, str]:
    """A won deal's reason from the file (HubSpot's Closed Won Reason): one of the seller's
    won reasons when the text names it; otherwise the text is kept as the win's note, never
    made a reason of its own (the CRM's field is free text) nor matched loosely."""
    text = row.won_reason.strip()
    if not text:
        return None, ""
    key = norm(text)
    found = next((r for r in ctx.won_reasons if not r.archived and norm(r.label) == key), None)
    return (found.id, "") if found is not None else (None, text)


def new_deal(ctx: Context, record: Read, plan: ImportPlan, *, slot: int = -1) -> None:
    """A new deal for the row, prepared for the store (checked now), in the place held for
    it when it was decided later."""
    row = record.row
    stage_kind = ctx.kind(record.stage_id)
    closed_at = None if stage_kind is StageKind.OPEN else _closed(ctx, row, plan)
    if stage_kind is not StageKind.OPEN and closed_at is None:
        plan.undated_closed += 1
    created = row.created or ctx.now
    if closed_at is not None and _before(closed_at, created):
        created = closed_at  # a deal is never created after it closed (the dry run says so)
        if row.created is not None:
            plan.created_clamped += 1
    if row.created is None:  # made up: the dry run says how many, and what
        if created is closed_at:
            plan.created_at_close += 1
        else:
            plan.created_today += 1
    if row.currency is None and row.value:
        plan.assumed_currency += 1  # nothing in the file says which currency: the pipeline's
    elif not row.value and "value" in ctx.fields:
        plan.without_amount += 1  # an empty cell (or 0, or a spreadsheet's error cell): said
    activity = row.activity or row.closed_on or created
    reason_id, competitor, note, lost_at = None, "", "", None
    if stage_kind is StageKind.LOST:
        loss = plan_loss(ctx, row, record.outcome, plan)
        reason_id, competitor, note = loss["loss_reason_id"], loss["competitor"], loss["loss_note"]
        lost_at = record.lost_at
    won_id, won_note = _win(ctx, row) if stage_kind is StageKind.WON else (None, "")
    values = (
        row.title, row.company, row.contact, row.value or 0, row.currency, record.stage_id, row.close,
        row.next_step, row.next_due, created,
        closed_at or created,  # a closed deal entered its stage when it closed
        activity, closed_at, reason_id, competitor, lost_at, note, plan.source, record.sid,
        ctx.baseline.text(row, record.label, record.stage_id), row.note, won_id, won_note,
    )  # fmt: skip
    rows = plan.rows
    assert isinstance(rows, PreparedDeals)
    if slot < 0:
        rows.add(*values)
    else:
        rows.fill(slot, *values)


def _comparable(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.astimezone()


def _before(one: datetime, other: datetime) -> bool:
    """Whether one moment is before the other (a local time taken as this machine's; most
    pairs need no conversion)."""
    if (one.tzinfo is None) == (other.tzinfo is None):
        return one < other
    return _comparable(one) < _comparable(other)


def plan_match(
    ctx: Context,
    record: Read,
    match: CrmDeal,
    plan: ImportPlan,
    identity: dict[str, str],
    file: dict[str, Any],
) -> Planned:
    """What a row of a deal imported before changes (`file`: its values as `file_values`)."""
    row = record.row
    moves = match.stage_id != record.stage_id
    full = ctx.store.deals.get(match.id) if moves else None
    lost = ctx.kind(record.stage_id) is StageKind.LOST
    loss = plan_loss(ctx, row, record.outcome, plan) if moves and lost else None
    closed_at = None if ctx.kind(record.stage_id) is StageKind.OPEN else _closed(ctx, row, plan)
    stages = ctx.by_id
    if record.stage_id < 0:  # to a stage this import makes: known by its key until written
        made = next(p for p in ctx.stages.pending if p.key == record.stage_id)
        stages = {**stages, made.key: Stage(made.key, made.name, len(stages) + 1, made.kind)}
    planned = plan_update(
        match, file, stages=stages, prefer_file=ctx.options.prefer_file, now=ctx.now, label=ctx.label,
        full=full, loss_fields=loss, closed_at=closed_at, identity=identity, reasons=ctx.reasons,
        won_reasons=ctx.won_reasons,
    )  # fmt: skip
    update = planned.update
    if (
        update is not None and full is not None and closed_at is not None and "stage_id" in update.fields
        and _before(closed_at, full.created_at)
    ):  # fmt: skip
        # It closed before the day it was created here (a created date made up by an import
        # that did not have one): created when the file says, never after it closed.
        given = closed_at
        if row.created is not None and not _before(closed_at, row.created):
            given = row.created
        update.fields["created_at"] = ts(given)
        plan.created_clamped += 1
        was = f"created {full.created_at.date().isoformat()} → {given.date().isoformat()}"
        return replace(planned, changes=(*planned.changes, was))
    return planned

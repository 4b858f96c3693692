"""Planning an import: read the whole file and decide, row by row, what it does; nothing is
written. The steps, in order:

1. read the table (footer left out) and tell the format (or take --format / --column);
2. decide the file's date order from its own dates;
3. read each row into typed values (an error names the row, the column and the value);
4. identity: the CRM's id, or a natural key (name + account + created date);
5. dedupe / update: a row of a deal imported before updates what the CRM changed since,
   unless the seller changed it here (a conflict); rows seen twice count once;
6. stage: the board stage for the CRM's stage and status;
7. loss: reason, competitor and note of a lost deal.

`ops.import_plan` then writes the plan in one transaction.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from pipeline_tui.errors import InputError
from pipeline_tui.importer import formats
from pipeline_tui.importer.formats import CUSTOM, USER_FIELDS, Format, norm
from pipeline_tui.importer.formats.own import OwnRows, cell_reader
from pipeline_tui.importer.identity import Identities, legacy_key
from pipeline_tui.importer.reasons import COMPETITOR_WORDS, Loss, loss_of
from pipeline_tui.importer.source import (
    Column,
    RowError,
    SourceRow,
    date_samples,
    read_row,
    resolve_columns,
    row_error,
)
from pipeline_tui.importer.stages import map_stage
from pipeline_tui.importer.table import Table, read_table
from pipeline_tui.importer.update import Conflict, plan_update
from pipeline_tui.importer.values import decide_order
from pipeline_tui.models import (
    ImportRow,
    ImportUpdate,
    LossReason,
    PendingReason,
    PendingStage,
    Stage,
    StageKind,
)
from pipeline_tui.store import Store
from pipeline_tui.store.transfer import CrmDeal

FORMATS = ("auto", *(f.name for f in formats.registry()))


@dataclass
class ImportPlan:
    """What an import would do: shown by --dry-run, carried out by ops.import_plan."""

    format: str
    label: str
    source: str
    currency: str
    total_rows: int = 0
    footer: tuple[str, ...] = ()
    columns: list[Column] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)  # new deals
    updates: list[ImportUpdate] = field(default_factory=list)
    changes: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)  # (deal id, title, changes)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0
    duplicates: int = 0  # rows seen twice in the file
    skipped_existing: int = 0  # our own export: deals already here
    skipped_deleted: int = 0
    stage_map: dict[str, str] = field(default_factory=dict)  # source stage -> board stage
    stage_rule: dict[str, str] = field(default_factory=dict)  # source stage -> why
    notices: list[str] = field(default_factory=list)
    competitors_found: int = 0
    competitors_missing: int = 0  # lost to a competitor, none named
    pending_stages: list[PendingStage] = field(default_factory=list)
    pending_reasons: list[PendingReason] = field(default_factory=list)
    stage_names: dict[int, str] = field(default_factory=dict)
    stage_kinds: dict[int, StageKind] = field(default_factory=dict)
    competitor_words: tuple[str, ...] = COMPETITOR_WORDS

    def counts(self) -> dict[str, int]:
        """New deals per board stage, in board order."""
        found = Counter(self.stage_names.get(r.stage_id, "?") for r in self.rows)
        order = [name for name in self.stage_names.values() if name in found]
        return {name: found[name] for name in [*order, *(n for n in found if n not in order)]}

    @property
    def missing_reasons(self) -> int:
        return sum(
            1
            for r in self.rows
            if self.stage_kinds.get(r.stage_id) is StageKind.LOST and not r.loss_reason_id
        )

    @property
    def updated(self) -> int:
        return sum(1 for u in self.updates if u.fields)

    def totals(self) -> dict[str, int]:
        """The new deals' value per currency (never added across currencies)."""
        out: dict[str, int] = {}
        for r in self.rows:
            code = r.currency or self.currency
            out[code] = out.get(code, 0) + r.value
        return out

    def stage_totals(self) -> dict[str, dict[str, int]]:
        """Per board stage, the new deals' value per currency."""
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            per = out.setdefault(self.stage_names.get(r.stage_id, "?"), {})
            code = r.currency or self.currency
            per[code] = per.get(code, 0) + r.value
        return out


@dataclass(frozen=True)
class Options:
    fmt: str = "auto"
    stage_overrides: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    day_first: bool | None = None  # --day-first / --month-first
    day_first_setting: bool = False
    prefer_file: bool = False


def plan_import(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    stage_overrides: dict[str, str] | None = None,
    columns: dict[str, str] | None = None,
    day_first: bool | None = None,
    day_first_setting: bool = False,
    prefer_file: bool = False,
) -> ImportPlan:
    """Read and check the whole file; nothing is written. Raises InputError naming the row."""
    options = Options(
        fmt, dict(stage_overrides or {}), dict(columns or {}), day_first, day_first_setting, prefer_file
    )
    table = read_table(path)
    form = choose_format(table.header, options)
    plan = ImportPlan(form.name, form.label, form.name, store.conn.currency, len(table.rows), table.footer)
    stages = store.shape.stages(include_archived=True)
    plan.stage_names = {s.id: s.name for s in stages}
    plan.stage_kinds = {s.id: s.kind for s in stages}
    if form.name == "pipeline-tui":
        _plan_own(store, table, plan)
    else:
        _plan_crm(store, table, form, options, plan)
    return plan


def choose_format(header: list[str], options: Options) -> Format:
    if options.fmt != "auto":
        try:
            return formats.by_name(options.fmt)
        except KeyError:
            raise InputError(f"Unknown format {options.fmt!r}; choose one of {', '.join(FORMATS)}.") from None
    found = formats.detect(header)
    if found is not None:
        return found
    if options.columns:
        return CUSTOM
    labels = ", ".join(f.label for f in formats.registry())
    raise InputError(
        f"Cannot tell where this CSV comes from: it is not a deal export of {labels}. "
        "Use --format to say which, or map its columns with --column FIELD=HEADER "
        f"(fields: {', '.join(USER_FIELDS)})."
    )


def _check_width(number: int, cells: list[str], header: list[str]) -> None:
    if len(cells) > len(header):
        raise InputError(
            f"Row {number} has {len(cells)} cells but the header has {len(header)}: "
            f"{cells[len(header)][:60]!r} is past the last column {header[-1]!r}; "
            "check the delimiter and quoting. Nothing was imported."
        )
    if len(cells) < len(header):
        raise InputError(
            f"Row {number} has {len(cells)} cells but the header has {len(header)}: "
            f"column {header[len(cells)]!r} is missing after {cells[-1][:60]!r}; "
            "check the delimiter and quoting. Nothing was imported."
        )


# ------------------------------------------------------------------ our own export


def _plan_own(store: Store, table: Table, plan: ImportPlan) -> None:
    reader = OwnRows.of(store)
    plan.columns = [Column(h, i, h, "auto") for i, h in enumerate(table.header)]
    for number, cells in table.rows:
        _check_width(number, cells, table.header)

        def fail(column: str, value: str, why: str, number: int = number) -> RowError:
            return row_error(number, column, value, why)

        key = "row-" + hashlib.sha1("\x1f".join(cells).encode()).hexdigest()[:16]
        row = reader.read(cell_reader(table.header, cells), fail, key)
        if row is None:
            plan.skipped_existing += 1
            continue
        plan.rows.append(row)
    plan.pending_stages = reader.names.pending_stages
    plan.pending_reasons = reader.names.pending_reasons
    for pending in plan.pending_stages:
        plan.stage_names[pending.key] = pending.name
        plan.stage_kinds[pending.key] = pending.kind
    if plan.pending_stages:
        plan.notices.append(
            "Stages made by the import: " + ", ".join(p.name for p in plan.pending_stages) + "."
        )
    if plan.pending_reasons:
        plan.notices.append(
            "Loss reasons made by the import: " + ", ".join(p.label for p in plan.pending_reasons) + "."
        )


# ----------------------------------------------------------------------- CRMs


@dataclass
class _Context:
    store: Store
    form: Format
    options: Options
    stages: list[Stage]
    by_id: dict[int, Stage]
    reasons: list[LossReason]
    overrides: dict[str, Stage]
    now: datetime
    label: str
    columns: dict[str, Column]
    loss_cache: dict[tuple[str, str], Loss] = field(default_factory=dict)
    stage_cache: dict[tuple[str, str, bool | None, bool | None], tuple[Stage, str, str]] = field(
        default_factory=dict
    )


def _plan_crm(store: Store, table: Table, form: Format, options: Options, plan: ImportPlan) -> None:
    columns = resolve_columns(table.header, form, options.columns)
    plan.columns = sorted(columns.values(), key=lambda c: c.index)
    order = decide_order(
        date_samples(table.rows, columns), explicit=options.day_first, setting=options.day_first_setting
    )
    if order.notice:
        plan.notices.append(order.notice)
    stages = store.shape.stages()
    ctx = _Context(
        store, form, options, stages, {s.id: s for s in store.shape.stages(include_archived=True)},
        store.shape.reasons(include_archived=True),
        {norm(k): store.shape.find_stage(v) for k, v in options.stage_overrides.items()},
        store.conn.clock(), f"Updated from {form.label} export", columns,
    )  # fmt: skip
    existing = store.transfer.crm_index(plan.source)
    identities = Identities()
    seen: set[str] = set()
    for number, cells in table.rows:
        _check_width(number, cells, table.header)
        row = read_row(number, cells, columns, form, order)
        if row.deleted:
            plan.skipped_deleted += 1
            continue
        sid, _ = identities.of(row)
        if sid in seen:
            plan.duplicates += 1
            continue
        seen.add(sid)
        match = existing.get(sid)
        if match is None and not row.source_id:
            match = existing.get(legacy_key(row))
        stage, label, why = _stage(ctx, row, plan)
        if match is None:
            plan.rows.append(_new_row(ctx, row, sid, stage, label, plan))
        else:
            _plan_match(ctx, row, match, stage, label, plan)


def _stage(ctx: _Context, row: SourceRow, plan: ImportPlan) -> tuple[Stage, str, str]:
    """The board stage for the row's CRM stage and status; the name's rule is what --map
    overrides, shown even when a status or won/closed flag outranks it."""
    status = row.status
    if status in ("closed won",):
        status = "won"
    elif status in ("closed lost", "abandoned"):
        status = "lost"
    key = (row.stage, status, row.won, row.closed)
    if key in ctx.stage_cache:
        return ctx.stage_cache[key]
    if not row.stage and not status:
        column = ctx.columns.get("stage") or ctx.columns.get("status")
        raise row_error(
            row.number, column.header if column else "stage", "", "is empty: every deal needs a stage"
        )
    label = row.stage or status
    stage, why = map_stage(label, ctx.stages, ctx.overrides, ctx.form)
    plan.stage_map.setdefault(label, stage.name)
    plan.stage_rule.setdefault(label, why)
    flag = ""
    kind_stage = None
    if status in ("won", "lost"):
        kind_stage = next(s for s in ctx.stages if s.kind.value == status)
        flag = f"status '{status}'"
    elif row.won is True:
        kind_stage = next(s for s in ctx.stages if s.kind is StageKind.WON)
        flag = "won flag"
    elif row.closed is True and row.won is False:
        kind_stage = next(s for s in ctx.stages if s.kind is StageKind.LOST)
        flag = "closed, not won"
    if kind_stage is not None and stage.kind is not kind_stage.kind:
        stage = kind_stage
        plan.stage_map.setdefault(f"{label} + {flag}", stage.name)
        plan.stage_rule.setdefault(f"{label} + {flag}", f"{flag} outranks the stage name")
        label = f"{label} + {flag}"
    ctx.stage_cache[key] = (stage, label, why)
    return stage, label, why


def _file_values(
    ctx: _Context, row: SourceRow, stage: Stage, label: str, columns: set[str]
) -> dict[str, Any]:
    """The CRM's values of the fields the file has: what a later import compares with."""
    out: dict[str, Any] = {"title": row.title, "stage": label, "stage_id": stage.id}
    for name in ("company", "contact"):
        if name in columns:
            out[name] = getattr(row, name)
    if "value" in columns:
        out["value"] = row.value or 0
    if "value" in columns or "currency" in columns:
        out["currency"] = row.currency or ctx.store.conn.currency
    if "close" in columns:
        out["close"] = row.close.isoformat() if row.close else None
    return out


def _closed_at(row: SourceRow, now: datetime) -> datetime:
    if row.closed_on:
        return row.closed_on
    if row.close:
        return datetime.combine(row.close, time())
    return now


def _loss(ctx: _Context, row: SourceRow, plan: ImportPlan) -> dict[str, Any]:
    key = (row.lost_reason, row.competitor)
    if key not in ctx.loss_cache:  # the same few reasons on every lost row
        ctx.loss_cache[key] = loss_of(row.lost_reason, row.competitor, ctx.reasons)
    loss = ctx.loss_cache[key]
    if loss.competitor:
        plan.competitors_found += 1
    elif loss.reason is not None and loss.reason.needs_competitor:
        plan.competitors_missing += 1
    return {
        "loss_reason_id": loss.reason.id if loss.reason else None,
        "reason_label": loss.reason.label if loss.reason else None,
        "competitor": loss.competitor[:500],
        "loss_note": loss.note,
    }


def _new_row(
    ctx: _Context, row: SourceRow, sid: str, stage: Stage, label: str, plan: ImportPlan
) -> ImportRow:
    columns = {c.field for c in plan.columns}
    created = row.created or ctx.now
    closed_at = None if stage.is_open else _closed_at(row, ctx.now)
    if closed_at is not None and row.created is None:
        created = min(created, closed_at, key=_comparable)  # no created date: not after it closed
    activity = row.activity or row.closed_on or created
    loss: dict[str, Any] = {}
    if stage.kind is StageKind.LOST:
        loss = _loss(ctx, row, plan)
        loss.pop("reason_label")
    return ImportRow(
        title=row.title,
        company=row.company,
        contact=row.contact,
        value=row.value or 0,
        currency=row.currency,
        stage_id=stage.id,
        expected_close=row.close,
        next_step=row.next_step,
        next_step_due=row.next_due,
        created_at=created,
        stage_entered_at=closed_at or created,  # a closed deal entered its stage when it closed
        last_activity_at=activity,
        closed_at=closed_at,
        source=plan.source,
        source_id=sid,
        crm_baseline=_file_values(ctx, row, stage, label, columns),
        notes=((created, row.note),) if row.note else (),
        **loss,
    )


def _comparable(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.astimezone()


def _plan_match(
    ctx: _Context, row: SourceRow, match: CrmDeal, stage: Stage, label: str, plan: ImportPlan
) -> None:
    columns = {c.field for c in plan.columns}
    file = _file_values(ctx, row, stage, label, columns)
    moves = match.stage_id != stage.id
    full = ctx.store.deals.get(match.id) if moves else None
    loss = _loss(ctx, row, plan) if moves and stage.kind is StageKind.LOST else None
    planned = plan_update(
        match, file, stages=ctx.by_id, prefer_file=ctx.options.prefer_file, now=ctx.now, label=ctx.label,
        full=full, loss_fields=loss, closed_at=None if stage.is_open else _closed_at(row, ctx.now),
    )  # fmt: skip
    plan.conflicts.extend(planned.conflicts)
    if planned.update is not None:
        plan.updates.append(planned.update)  # (maybe only the CRM's new baseline)
    if planned.changes:
        plan.changes.append((match.id, match.title, planned.changes))
    elif not planned.conflicts:
        plan.unchanged += 1

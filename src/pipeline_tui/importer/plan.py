"""Planning an import: read the whole file and decide, row by row, what it does; nothing is
written. The steps, in order:

1. read the table (encoding, layout, footer) and tell the format (or take --format /
   --column);
2. decide the file's date order from its own dates;
3. read each row into typed values (an error names the row, the column and the value);
4. outcome: won, lost or open, from every column that says so (`outcome`);
5. stage: the board stage, read or asked, never guessed (`stages`): a value nothing places
   stops the import, listing every such value with its row count and a ready --map line;
6. identity: the CRM's record id, one form whatever export brought it, or a natural key;
   rows the natural key cannot tell apart are told apart by every column they carry;
7. dedupe / update: a row of a deal imported before updates what the CRM changed since,
   unless the seller changed it here (a conflict); rows seen twice count once; deals of
   the same source that the file no longer holds are listed (--missing);
8. loss: reason, competitor and note of a lost deal, and the stage it was lost at.

`operations.import_plan` then writes the plan in one transaction.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import permutations
from pathlib import Path
from typing import Any

from pipeline_tui.errors import InputError, Question
from pipeline_tui.importer import formats
from pipeline_tui.importer.formats import CUSTOM, Format, norm
from pipeline_tui.importer.formats.own import OwnRows, cell_reader
from pipeline_tui.importer.identity import canonical_id, legacy_key, natural_key
from pipeline_tui.importer.outcome import Outcome, outcome_of
from pipeline_tui.importer.reasons import COMPETITOR_WORDS, Loss, loss_of
from pipeline_tui.importer.source import (
    Column,
    Columns,
    RowError,
    SourceRow,
    read_row,
    resolve_columns,
    row_error,
)
from pipeline_tui.importer.stages import MANY_NEW, NEW, StageMap, suggestion
from pipeline_tui.importer.table import Table, read_table
from pipeline_tui.importer.update import Conflict, plan_update
from pipeline_tui.importer.values import decide_order
from pipeline_tui.importer.words import CLOSED_ONLY, LOST, OPEN, WON
from pipeline_tui.models import (
    EventKind,
    ImportEvent,
    ImportRow,
    ImportUpdate,
    LossReason,
    PendingReason,
    PendingStage,
    Stage,
    StageKind,
)
from pipeline_tui.store import Store, ts
from pipeline_tui.store.transfer import CrmDeal

FORMATS = ("auto", *(f.name for f in formats.registry()))
MISSING = ("keep", "archive")


class UnknownStages(Question):
    """Stage values nothing places: the import stops and asks (the message lists each value
    with its row count and a ready --map line; the board asks with a stage picker)."""

    def __init__(
        self,
        message: str,
        values: list[tuple[str, int]],
        source: str,
        *,
        suggestions: dict[str, str] | None = None,
        said_open: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.values = values  # (value as written, rows)
        self.source = source
        self.suggestions = suggestions or {}  # value -> the target the --map line offers
        self.said_open = said_open or {}  # a closed stage's name on open deals -> what says so


@dataclass
class ImportPlan:
    """What an import would do: shown by --dry-run, carried out by operations.import_plan."""

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
    remember: dict[str, int] = field(default_factory=dict)  # --map answers kept for this source
    missing: list[tuple[int, str]] = field(default_factory=list)  # deals of the source the file lacks
    missing_action: str = "keep"
    undated_closed: int = 0  # closed deals the file gives no date for
    first_seen: Counter[str] = field(default_factory=Counter)  # fields an export brought for the first time

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
    encoding: str | None = None
    skip: int | None = None
    missing: str = "keep"
    new_stages: bool = False  # more than a handful of stages may be made
    recurring: bool = False  # a recurring amount (per month / year) is taken as it is
    source: str | None = None  # whose records a --column file holds (a CRM's name)


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
    encoding: str | None = None,
    skip: int | None = None,
    missing: str = "keep",
    new_stages: bool = False,
    recurring: bool = False,
    source: str | None = None,
) -> ImportPlan:
    """Read and check the whole file; nothing is written. Raises InputError naming the row
    (UnknownStages when stage values must be placed first)."""
    if missing not in MISSING:
        raise InputError(f"--missing {missing!r}: say keep or archive.")
    options = Options(
        fmt, dict(stage_overrides or {}), dict(columns or {}), day_first, day_first_setting, prefer_file,
        encoding, skip, missing, new_stages, recurring, source,
    )  # fmt: skip
    table = read_table(path, encoding=encoding, skip=skip, is_header=_header_test(options))
    form = choose_format(table, options, path)
    source_name = _source_name(form, options)
    plan = ImportPlan(form.name, form.label, source_name, store.conn.currency, len(table.rows), table.footer)
    plan.notices += table.notices
    if table.left_out:
        plan.notices.append("Left out: " + "; ".join(table.left_out) + ".")
    if form.notice:
        plan.notices.append(form.notice)
    stages = store.shape.stages(include_archived=True)
    plan.stage_names = {s.id: s.name for s in stages}
    plan.stage_kinds = {s.id: s.kind for s in stages}
    if form.name == "pipeline-tui":
        _plan_own(store, table, plan, options)
    else:
        _plan_crm(store, table, form, options, plan)
    return plan


def _header_test(options: Options) -> Any:
    """What tells the header line: the headers --column names, or a known export's."""
    if options.columns:
        wanted = [norm(h) for h in options.columns.values() if not h.strip().startswith("#")]
        return lambda cells: all(w in {norm(c) for c in cells} for w in wanted)
    if options.fmt != "auto":
        fmt = formats.by_name(options.fmt) if options.fmt in FORMATS else None
        if fmt is not None:
            return lambda cells: any(
                all(norm(n) in {norm(c) for c in cells} for n in sig) for sig in fmt.signatures()
            )
    return lambda cells: formats.detect(cells) is not None


def _source_name(form: Format, options: Options) -> str:
    if options.source:
        wanted = norm(options.source)
        if wanted not in formats.crms() and wanted != "csv":
            raise InputError(
                f"--source {options.source!r}: name one of {', '.join(formats.crms())} (or csv)."
            )
        return wanted
    return form.source


def choose_format(table: Table, options: Options, path: Path) -> Format:
    header = table.header
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
    labels = ", ".join(dict.fromkeys(f.label.split(" (")[0] for f in formats.registry()))
    shown = ", ".join(repr(h[:24]) for h in header[:4] if h) + (", …" if len(header) > 4 else "")
    raise InputError(
        f"Cannot tell where {path.name[:60]} comes from: its header "
        f"(line {table.header_line}: {shown[:120]}) "
        f"is not a deal export of {labels}. Map its columns with --column FIELD=HEADER (fields: title, "
        "stage, value, currency, close, …; all in import --help), or name the format with --format; if the "
        "header is another line, say how many lines come before it with --skip N."
    )


def _check_width(number: int, cells: list[str], header: list[str]) -> None:
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
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


def _plan_own(store: Store, table: Table, plan: ImportPlan, options: Options) -> None:
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
    _check_new_stages(plan.pending_stages, options)
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


def _check_new_stages(pending: list[PendingStage], options: Options) -> None:
    shown = [p for p in pending if not p.archived]
    if len(shown) > MANY_NEW and not options.new_stages:
        names = ", ".join(repr(p.name) for p in shown[:5]) + (", …" if len(shown) > 5 else "")
        raise InputError(
            f"The import would make {len(shown):,} new stages ({names}), each a column on the board. If "
            "that is what you want, import again with --new-stages; otherwise place the values on stages "
            "you have with --map 'VALUE=STAGE'. Nothing was imported."
        )


# ----------------------------------------------------------------------- CRMs


@dataclass
class _Context:
    store: Store
    form: Format
    options: Options
    stages: StageMap
    by_id: dict[int, Stage]
    reasons: list[LossReason]
    now: datetime
    label: str
    columns: Columns
    headers: dict[str, str]
    loss_cache: dict[tuple[str, str], Loss] = field(default_factory=dict)
    shown: dict[str, tuple[str, str]] = field(default_factory=dict)  # source stage -> (board stage, why)


@dataclass
class _Read:
    """A row read, its outcome and its board stage."""

    row: SourceRow
    outcome: Outcome
    stage: Stage | None = None
    stage_id: int = 0
    label: str = ""
    lost_at: int | None = None
    sid: str = ""


def _plan_crm(store: Store, table: Table, form: Format, options: Options, plan: ImportPlan) -> None:
    columns = resolve_columns(table.header, form, options.columns)
    plan.columns = sorted(columns.values(), key=lambda c: c.index)
    fixed = _company_currency(columns, form, store, plan)
    order = decide_order(
        _date_samples(table.rows, columns), explicit=options.day_first, setting=options.day_first_setting
    )
    if order.notice:
        plan.notices.append(order.notice)
    board = store.shape.stages()
    stage_map = StageMap(
        board,
        form,
        {norm(k): v for k, v in options.stage_overrides.items()},
        store.transfer.import_maps(plan.source),
    )
    ctx = _Context(
        store, form, options, stage_map, {s.id: s for s in store.shape.stages(include_archived=True)},
        store.shape.reasons(include_archived=True), store.conn.clock(), f"Updated from {form.label} export",
        columns, {c.field: c.header for c in columns.values()},
    )  # fmt: skip
    records: list[_Read] = []
    for number, cells in table.rows:
        _check_width(number, cells, table.header)
        row = read_row(number, cells, columns, form, order, fixed_currency=fixed)
        outcome = outcome_of(row, form, ctx.headers)
        if row.deleted or outcome.kind == "deleted":
            plan.skipped_deleted += 1
            continue
        _check_recurring(ctx, row)
        records.append(_Read(row, outcome))
    for record in records:
        _place(ctx, record)
    _ask_unknown(ctx, plan)
    for source_stage, (target, why) in ctx.shown.items():
        plan.stage_map[source_stage] = target
        plan.stage_rule[source_stage] = why
    _check_new_stages(stage_map.pending, options)
    plan.pending_stages = stage_map.pending
    for pending in stage_map.pending:
        plan.stage_names[pending.key] = pending.name
        plan.stage_kinds[pending.key] = pending.kind
    for value in options.stage_overrides:
        placed = stage_map.place(value)
        if placed is not None and not stage_map.names_closed(value):  # those hold for this file only
            plan.remember[norm(value)] = placed.stage_id
    if stage_map.unknown_lost_at:
        said = ", ".join(f"{stage_map.shown[v]!r} ({n})" for v, n in stage_map.unknown_lost_at.most_common(5))
        plan.notices.append(
            f"Lost deals lost at stages this pipeline does not have ({said}): where they were lost stays "
            "unknown (--map 'VALUE=STAGE' places them)."
        )
    _match(ctx, records, plan)
    for name, count in plan.first_seen.items():
        plan.notices.append(
            f"{name}: first in an export of this source: taken from the file on {count:,} deal"
            f"{'s' if count != 1 else ''} (there was nothing to compare it with)."
        )
    if plan.undated_closed:
        plan.notices.append(
            f"{plan.undated_closed:,} closed deal{'s have' if plan.undated_closed != 1 else ' has'} no close "
            "date in the file: in the report they count in All time only."
        )


def _company_currency(columns: Columns, form: Format, store: Store, plan: ImportPlan) -> str | None:
    """A converted amount taken with --column is in the company's currency: the seller's own."""
    column = columns.get("value")
    if column is None or norm(column.header) not in {norm(h) for h in form.derived}:
        return None
    plan.notices.append(
        f"{column.header!r} is the amount converted into the company's currency: read as "
        f"{store.conn.currency}, your currency, whatever the deal's own currency column says."
    )
    return store.conn.currency


def _date_samples(rows: list[tuple[int, list[str]]], columns: Columns):  # type: ignore[no-untyped-def]
    """(row, column header, text) of every date cell, for deciding the file's date order."""
    from pipeline_tui.importer.source import DATE_FIELDS, MOMENT_FIELDS

    cols = [
        c for n in (*DATE_FIELDS, *MOMENT_FIELDS) for c in (columns.get(n), *columns.others.get(n, ())) if c
    ]
    for number, cells in rows:
        for col in cols:
            if col.index < len(cells) and cells[col.index].strip():
                yield number, col.header, cells[col.index]


def _check_recurring(ctx: _Context, row: SourceRow) -> None:
    if row.period and row.period not in ("one_time", "one time", "onetime") and not ctx.options.recurring:
        column = ctx.headers.get("period", "period")
        raise row_error(
            row.number,
            column,
            row.period,
            "is a recurring amount (per period), not the deal's whole value; import it as it is with "
            "--recurring, or export the deal's total instead",
        )


def _place(ctx: _Context, record: _Read) -> None:
    """The board stage for a row: its outcome's endpoint, or where its stage value goes."""
    row, outcome, stages = record.row, record.outcome, ctx.stages
    placed = stages.place(row.stage)
    if outcome.kind in (WON, LOST):
        kind = StageKind.WON if outcome.kind == WON else StageKind.LOST
        endpoint = (
            ctx.by_id[placed.stage_id]
            if placed is not None and placed.stage_id > 0 and ctx.by_id[placed.stage_id].kind is kind
            else next(s for s in stages.stages if s.kind is kind)
        )
        record.stage, record.stage_id = endpoint, endpoint.id
        record.label = row.stage
        shown = f"{row.stage} + {outcome.why}" if outcome.explicit and row.stage else row.stage or outcome.why
        ctx.shown.setdefault(shown, (endpoint.name, outcome.why if outcome.explicit else (
            placed.rule if placed is not None else outcome.why)))  # fmt: skip
        if kind is StageKind.LOST:
            record.lost_at = _lost_at(ctx, row, placed)
        return
    if placed is not None and stages.kind(placed.stage_id) is StageKind.OPEN:
        record.stage_id = placed.stage_id
        record.stage = ctx.by_id.get(placed.stage_id)
        record.label = row.stage
        target = record.stage.name if record.stage is not None else _pending_name(stages, placed.stage_id)
        ctx.shown.setdefault(row.stage, (target, placed.rule))
        return
    said = placed is not None and placed.rule.startswith(("--map", "as you said"))
    if placed is not None and said and outcome.kind != OPEN:
        endpoint = ctx.by_id[placed.stage_id]  # the user said this value is won (or lost)
        record.stage, record.stage_id, record.label = endpoint, endpoint.id, row.stage
        ctx.shown.setdefault(row.stage, (endpoint.name, placed.rule))
        return
    if placed is not None and said:
        raise row_error(
            row.number,
            ctx.headers.get("stage", "stage"),
            row.stage,
            f"is open ({outcome.why}) but --map sends it to {ctx.by_id[placed.stage_id].name}; map it to an "
            "open stage",
        )
    if placed is not None and outcome.kind == OPEN:
        stages.remember(row.stage, stages.open_closed)  # a closed stage's name on an open deal
        stages.open_why.setdefault(norm(row.stage), outcome.why)
        return
    stages.remember(row.stage, stages.unknown)  # asked about below


def _pending_name(stages: StageMap, key: int) -> str:
    return next(p.name for p in stages.pending if p.key == key)


def _lost_at(ctx: _Context, row: SourceRow, placed: Any) -> int | None:
    """The open stage a lost deal was lost at, when the file says (a "lost at" column, or
    the stage a lost deal keeps, as Pipedrive's and Odoo's do)."""
    for value in (row.lost_at, row.stage):
        if not value:
            continue
        where = ctx.stages.place(value) if value != row.stage else placed
        if where is not None and ctx.stages.kind(where.stage_id) is StageKind.OPEN:
            return where.stage_id
        if (
            where is None
            and value
            and (value != row.stage or ctx.stages.fmt.lost_keeps_stage)
            and not ctx.stages.fmt.stages.get(norm(value))
            and norm(value) not in CLOSED_ONLY
        ):
            ctx.stages.remember(value, ctx.stages.unknown_lost_at)
        return None
    return None


def _ask_unknown(ctx: _Context, plan: ImportPlan) -> None:
    stages = ctx.stages
    if not stages.unknown and not stages.open_closed:
        return
    column = ctx.headers.get("stage")
    unknown = [(stages.shown[v], n) for v, n in stages.unknown.most_common()]
    contrary = [(stages.shown[v], n) for v, n in stages.open_closed.most_common()]
    lines: list[str] = []
    if column is None:
        rows = sum(n for _, n in unknown)
        lines.append(
            f"The file has no stage column, and {rows:,} of its deals {'are' if rows != 1 else 'is'} "
            "neither won "
            "nor lost: say which stage they go in (or map the column with --column stage=HEADER)."
        )
    elif unknown:
        many = len(unknown) != 1
        lines.append(
            f"{len(unknown):,} stage value{'s' if many else ''} in {column!r} {'are' if many else 'is'} "
            "not a stage "
            "of this pipeline, and the file does not say whether those deals are won or lost:"
        )
        lines += _value_lines(unknown)
    if contrary:
        many = len(contrary) != 1
        lines.append(
            f"{len(contrary):,} stage value{'s' if many else ''} in {column!r} "
            f"name{'' if many else 's'} a closed "
            "stage, but the file says those deals are open:"
        )
        lines += [
            f"{line} ({stages.open_why[norm(value)]})"
            for line, (value, _) in zip(_value_lines(contrary), contrary, strict=False)
        ]
    offered = {v: suggestion(v, stages.stages, open_only=(v, n) in contrary) for v, n in unknown + contrary}
    maps = " ".join(f"--map {_quoted(v + '=' + offered[v])}" for v, _ in (unknown + contrary)[:20])
    names = ", ".join(s.name for s in stages.stages)
    lines.append(f"Say where each goes (one of your stages: {names}; or {NEW} to make it a stage), e.g.:")
    lines.append(f"  {maps}")
    whence = "CSV file you import" if plan.source == "csv" else f"import from {plan.label}"
    lines.append(f"Check each before you paste it. The answers are remembered for the next {whence}.")
    lines.append("Nothing was imported.")
    said_open = {v: stages.open_why[norm(v)] for v, _ in contrary}
    raise UnknownStages(
        "\n".join(lines), unknown + contrary, plan.source, suggestions=offered, said_open=said_open
    )


def _value_lines(values: list[tuple[str, int]]) -> list[str]:
    lines = [
        f"  {repr(value) if value else '(empty)'}: {rows:,} row{'s' if rows != 1 else ''}"
        for value, rows in values[:20]
    ]
    if len(values) > 20:
        lines.append(f"  … and {len(values) - 20:,} more")
    return lines


def _quoted(text: str) -> str:
    """A shell word: single quotes, a quote inside written as '\\''; text holding a control
    character (a line break in a cell) as $'…' with each one escaped, so the line stays one."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        inner = "".join(
            f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else "\\" + c if c in "\\'" else c
            for c in text
        )
        return f"$'{inner}'"
    return "'" + text.replace("'", "'\\''") + "'"


# ------------------------------------------------------------------- identity


def _match(ctx: _Context, records: list[_Read], plan: ImportPlan) -> None:
    """Which deal each row is (its record id, else its natural key), then a new deal or an
    update of the one imported before; the source's deals the file lacks are listed."""
    store, kind = ctx.store, ctx.form.ids
    existing = {canonical_id(k, kind): d for k, d in store.transfer.crm_index(plan.source).items()}
    strays = store.transfer.crm_index("csv") if plan.source != "csv" else {}
    seen: set[str] = set()
    by_key: dict[str, list[_Read]] = defaultdict(list)
    matched: dict[int, tuple[_Read, CrmDeal, dict[str, str]]] = {}
    order: list[_Read] = []
    for record in records:
        row = record.row
        if row.source_id:
            sid = canonical_id(row.source_id, kind)
            if sid in seen:
                plan.duplicates += 1
                continue
            seen.add(sid)
            record.sid = sid
            deal = existing.get(sid)
            identity: dict[str, str] = {}
            if deal is None and sid in strays:  # imported before with --column, as a plain CSV
                deal, identity = strays[sid], {"source": plan.source, "source_id": sid}
            if deal is None:  # imported before without an id: the id attaches to it now
                keyed = existing.get(natural_key(row))
                if keyed is not None and keyed.id not in matched:
                    deal, identity = keyed, {"source_id": sid}
            if deal is None:
                legacy = existing.get(legacy_key(row))
                deal = legacy if legacy is not None and legacy.id not in matched else None
            if deal is not None:
                matched[deal.id] = (record, deal, identity)
            order.append(record)
        else:
            by_key[natural_key(row)].append(record)
            order.append(record)
    for key, group in by_key.items():
        _match_keyed(ctx, key, group, existing, matched, plan)
    by_record = {id(record): (deal, identity) for record, deal, identity in matched.values()}
    for record in order:
        if not record.sid:
            continue  # a duplicate row
        found = by_record.get(id(record))
        if found is None:
            plan.rows.append(_new_row(ctx, record, plan))
        else:
            _plan_match(ctx, record, found[0], plan, found[1])
    _missing(ctx, existing, matched, plan)


def _match_keyed(
    ctx: _Context,
    key: str,
    group: list[_Read],
    existing: dict[str, CrmDeal],
    matched: dict[int, tuple[_Read, CrmDeal, dict[str, str]]],
    plan: ImportPlan,
) -> None:
    """Rows without a record id that share a natural key (deals of the same name, account
    and day): each is matched to the deal imported before whose imported values it shares
    most; when two ways of matching fit equally, the import stops and names the rows.
    Never a silent swap."""
    unique: dict[tuple[str, ...], _Read] = {}
    for record in group:
        if _fingerprint(record.row) in unique:
            plan.duplicates += 1  # the same row twice: counted once (its sid stays empty)
        else:
            unique[_fingerprint(record.row)] = record
    rows = list(unique.values())
    sids = {d.id: sid for sid, d in existing.items()}
    rest: list[_Read] = []
    for record in rows:  # a deal an earlier version imported under a hash of its cells
        old = existing.get(legacy_key(record.row))
        if old is not None and old.id not in matched:
            matched[old.id] = (record, old, {})
            record.sid = sids[old.id]
        else:
            rest.append(record)
    candidates = [
        d for sid, d in existing.items() if (sid == key or sid.startswith(key + "#")) and d.id not in matched
    ]
    if candidates and rest:
        if len(rest) > 6 or len(candidates) > 6:
            raise _indistinct(rest, candidates)
        size = min(len(rest), len(candidates))
        scored = sorted(
            (
                (sum(_likeness(ctx, rest[i].row, candidates[j]) for i, j in enumerate(chosen)), chosen)
                for chosen in permutations(range(len(candidates)), size)
            ),
            key=lambda item: -item[0],
        )
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            raise _indistinct(rest, candidates)
        chosen = scored[0][1]
        for i, j in enumerate(chosen):
            deal = candidates[j]
            matched[deal.id] = (rest[i], deal, {})
            rest[i].sid = sids[deal.id]
        rest = [r for i, r in enumerate(rest) if i >= len(chosen)]
    used = set(existing) | {r.sid for r in rows if r.sid}
    n = 1
    for record in rest:
        while (sid := key if n == 1 else f"{key}#{n}") in used:
            n += 1
        record.sid = sid
        used.add(sid)


def _indistinct(rows: list[_Read], deals: list[CrmDeal]) -> InputError:
    numbers = ", ".join(str(r.row.number) for r in rows)
    first = rows[0].row
    return InputError(
        f"Rows {numbers} are deals named {first.title!r} at {first.company or 'no company'!r} "
        "made the same day; "
        f"{len(deals)} such deal{'s were' if len(deals) != 1 else ' was'} imported before, "
        "and nothing in the "
        "file tells which row is which deal. Add the CRM's record id column to the export (or --column "
        "id=HEADER). Nothing was imported."
    )


def _fingerprint(row: SourceRow) -> tuple[str, ...]:
    return tuple(c.strip() for c in row.cells)


def _likeness(ctx: _Context, row: SourceRow, deal: CrmDeal) -> int:
    """How many of the values the deal was imported with the row still has."""
    base = deal.baseline or {}
    values = {
        "title": row.title,
        "company": row.company,
        "contact": row.contact,
        "value": row.value or 0,
        "currency": row.currency or ctx.store.conn.currency,
        "close": row.close.isoformat() if row.close else None,
        "stage": row.stage,
    }
    return sum(1 for name, value in values.items() if name in base and base[name] == value)


def _missing(
    ctx: _Context,
    existing: dict[str, CrmDeal],
    matched: dict[int, tuple[_Read, CrmDeal, dict[str, str]]],
    plan: ImportPlan,
) -> None:
    """Deals imported from this source before that the file no longer holds (deleted in the
    CRM, or left out of this export): listed; archived with --missing archive."""
    seen_ids = {deal.id for _, deal, _ in matched.values()}
    gone = sorted(
        {d.id: d for d in existing.values() if d.id not in seen_ids and not d.archived}.values(),
        key=lambda d: d.id,
    )
    plan.missing = [(d.id, d.title) for d in gone]
    plan.missing_action = ctx.options.missing
    if gone and ctx.options.missing == "archive":
        stamp = ctx.now
        for deal in gone:
            event = ImportEvent(stamp, EventKind.ARCHIVED, f"No longer in the {plan.label} export")
            archived = {"archived_at": ts(stamp)}
            plan.updates.append(ImportUpdate(deal.id, deal.rev, archived, deal.baseline or {}, (event,)))


# ------------------------------------------------------------------ new deals


def _file_values(ctx: _Context, row: SourceRow, record: _Read, columns: set[str]) -> dict[str, Any]:
    """The CRM's values of the fields the file has: what a later import compares with."""
    out: dict[str, Any] = {"title": row.title, "stage": record.label, "stage_id": record.stage_id}
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


def _closed_at(row: SourceRow) -> datetime | None:
    """When a closed deal closed, from the best evidence the file has: when it was won or
    lost, its close date, the last change; None when the file says nothing."""
    for moment in (row.closed_on, row.lost_date):
        if moment is not None:
            return moment
    if row.close:
        return datetime.combine(row.close, time())
    return row.activity


def _loss(ctx: _Context, row: SourceRow, outcome: Outcome, plan: ImportPlan) -> dict[str, Any]:
    key = (row.lost_reason, row.competitor)
    if key not in ctx.loss_cache:  # the same few reasons on every lost row
        ctx.loss_cache[key] = loss_of(row.lost_reason, row.competitor, ctx.reasons)
    loss = ctx.loss_cache[key]
    reason = loss.reason
    note = loss.note
    if reason is None and outcome.no_decision:
        reason = next((r for r in ctx.reasons if r.outcome.value == "no_decision" and not r.archived), None)
        note = note or f"Imported as {row.status!r}."
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


def _new_row(ctx: _Context, record: _Read, plan: ImportPlan) -> ImportRow:
    row = record.row
    columns = {c.field for c in plan.columns}
    stage_kind = ctx.stages.kind(record.stage_id)
    closed_at = None if stage_kind is StageKind.OPEN else _closed_at(row)
    if stage_kind is not StageKind.OPEN and closed_at is None:
        plan.undated_closed += 1
    created = row.created or ctx.now
    if closed_at is not None and row.created is None:
        created = min(created, closed_at, key=_comparable)  # no created date: not after it closed
    activity = row.activity or row.closed_on or created
    loss: dict[str, Any] = {}
    if stage_kind is StageKind.LOST:
        loss = _loss(ctx, row, record.outcome, plan)
        loss.pop("reason_label")
        loss["lost_at_stage_id"] = record.lost_at
    return ImportRow(
        title=row.title,
        company=row.company,
        contact=row.contact,
        value=row.value or 0,
        currency=row.currency,
        stage_id=record.stage_id,
        expected_close=row.close,
        next_step=row.next_step,
        next_step_due=row.next_due,
        created_at=created,
        stage_entered_at=closed_at or created,  # a closed deal entered its stage when it closed
        last_activity_at=activity,
        closed_at=closed_at,
        source=plan.source,
        source_id=record.sid,
        crm_baseline=_file_values(ctx, row, record, columns),
        notes=((created, row.note),) if row.note else (),
        **loss,
    )


def _comparable(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.astimezone()


def _plan_match(
    ctx: _Context, record: _Read, match: CrmDeal, plan: ImportPlan, identity: dict[str, str]
) -> None:
    row = record.row
    columns = {c.field for c in plan.columns}
    file = _file_values(ctx, row, record, columns)
    moves = match.stage_id != record.stage_id
    full = ctx.store.deals.get(match.id) if moves else None
    lost = ctx.stages.kind(record.stage_id) is StageKind.LOST
    loss = _loss(ctx, row, record.outcome, plan) if moves and lost else None
    closed_at = None if ctx.stages.kind(record.stage_id) is StageKind.OPEN else _closed_at(row)
    planned = plan_update(
        match, file, stages=ctx.by_id, prefer_file=ctx.options.prefer_file, now=ctx.now, label=ctx.label,
        full=full, loss_fields=loss, closed_at=closed_at, identity=identity, reasons=ctx.reasons,
    )  # fmt: skip
    plan.conflicts.extend(planned.conflicts)
    if planned.update is not None:
        plan.updates.append(planned.update)  # (maybe only the CRM's new baseline)
    if planned.changes:
        plan.changes.append((match.id, match.title, planned.changes))
    elif not planned.conflicts:
        plan.unchanged += 1
    plan.first_seen.update(planned.first_seen)

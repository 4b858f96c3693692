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
import json
import marshal
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from itertools import permutations
from json.encoder import encode_basestring as _json_text
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
    RowReader,
    SourceRow,
    resolve_columns,
    row_error,
)
from pipeline_tui.importer.stages import MANY_NEW, NEW, StageMap, suggestion
from pipeline_tui.importer.table import Table, read_table
from pipeline_tui.importer.update import Conflict, Planned, plan_update
from pipeline_tui.importer.values import DateOrder, decide_order, slashed
from pipeline_tui.importer.words import CLOSED_ONLY, DELETED, LOST, OPEN, WON
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
    WonReason,
)
from pipeline_tui.store import Store, ts
from pipeline_tui.store.transfer import CrmDeal, CrmRef, PreparedDeals

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
    rows: list[ImportRow] | PreparedDeals = field(default_factory=list)  # new deals
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
        found: Counter[str] = Counter()
        for stage_id, (count, _, _) in self._per_stage().items():
            found[self.stage_names.get(stage_id, "?")] += count
        order = [name for name in self.stage_names.values() if name in found]
        return {name: found[name] for name in [*order, *(n for n in found if n not in order)]}

    @property
    def missing_reasons(self) -> int:
        return sum(
            without
            for stage_id, (_, without, _) in self._per_stage().items()
            if self.stage_kinds.get(stage_id) is StageKind.LOST
        )

    @property
    def updated(self) -> int:
        return sum(1 for u in self.updates if u.fields)

    def totals(self) -> dict[str, int]:
        """The new deals' value per currency (never added across currencies)."""
        out: dict[str, int] = {}
        for _, _, values in self._per_stage().values():
            for code, value in values.items():
                out[code] = out.get(code, 0) + value
        return out

    def stage_totals(self) -> dict[str, dict[str, int]]:
        """Per board stage, the new deals' value per currency."""
        out: dict[str, dict[str, int]] = {}
        for stage_id, (_, _, values) in self._per_stage().items():
            per = out.setdefault(self.stage_names.get(stage_id, "?"), {})
            for code, value in values.items():
                per[code] = per.get(code, 0) + value
        return out

    def new_stage_ids(self) -> frozenset[int]:
        """The stages the new deals go in."""
        return frozenset(self._per_stage())

    def _per_stage(self) -> dict[int, tuple[int, int, dict[str, int]]]:
        """Per stage of the new deals: how many, how many without a loss reason, and their
        value per currency (kept as they were planned, for a file of any size)."""
        if isinstance(self.rows, PreparedDeals):
            return {
                stage: (n, without, values)
                for stage, (n, without, values) in self.rows.per_stage.items()
                if n
            }
        out: dict[int, tuple[int, int, dict[str, int]]] = {}
        for r in self.rows:
            count, without, values = out.get(r.stage_id, (0, 0, {}))
            code = r.currency or self.currency
            values[code] = values.get(code, 0) + r.value
            out[r.stage_id] = (count + 1, without + (not r.loss_reason_id), values)
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
    try:
        return _plan(store, path, table, options)
    except InputError:
        # What is wrong with the file as a table (a quote never closed) is said before
        # anything about its rows, as when the file was read whole first.
        table.rows.scanned()
        raise


def _plan(store: Store, path: Path, table: Table, options: Options) -> ImportPlan:
    """The rows are read as they stream from the file (in one pass, unless the file's own
    dates show another date order than the one assumed: then again)."""
    form = choose_format(table, options, path)
    source_name = _source_name(form, options)
    plan = ImportPlan(form.name, form.label, source_name, store.conn.currency)
    stages = store.shape.stages(include_archived=True)
    plan.stage_names = {s.id: s.name for s in stages}
    plan.stage_kinds = {s.id: s.kind for s in stages}
    if form.name == "pipeline-tui":
        _plan_own(store, table, plan, options)
    else:
        _plan_crm(store, table, form, options, plan)
    plan.total_rows = len(table.rows)
    plan.footer = table.footer
    first = list(table.notices)
    if table.left_out:
        first.append("Left out: " + "; ".join(table.left_out) + ".")
    if form.notice:
        first.append(form.notice)
    plan.notices[:0] = first
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
    rows: list[ImportRow] = []
    plan.rows = rows
    for number, cells in table.rows:
        _check_width(number, cells, table.header)

        def fail(column: str, value: str, why: str, number: int = number) -> RowError:
            return row_error(number, column, value, why)

        key = "row-" + hashlib.sha1("\x1f".join(cells).encode()).hexdigest()[:16]
        row = reader.read(cell_reader(table.header, cells), fail, key)
        if row is None:
            plan.skipped_existing += 1
            continue
        rows.append(row)
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
    fields: frozenset[str] = frozenset()  # the fields the file has
    loss_cache: dict[tuple[str, str], Loss] = field(default_factory=dict)
    won_reasons: list[WonReason] = field(default_factory=list)  # a win a move out of Won keeps
    shown: dict[str, tuple[str, str]] = field(default_factory=dict)  # source stage -> (board stage, why)
    kinds: dict[int, StageKind] = field(default_factory=dict)
    baseline: _Baseline = field(init=False)

    def __post_init__(self) -> None:
        self.baseline = _Baseline(self.fields, self.store.conn.currency)

    def kind(self, stage_id: int) -> StageKind:
        """The kind of a board stage (or of one the import makes: open)."""
        kind = self.kinds.get(stage_id)
        if kind is None:
            kind = self.kinds[stage_id] = self.stages.kind(stage_id)
        return kind


@dataclass(slots=True)
class _Read:
    """A row read, its outcome and its board stage."""

    row: SourceRow
    outcome: Outcome
    stage: Stage | None = None
    stage_id: int = 0
    label: str = ""
    lost_at: int | None = None
    sid: str = ""
    seq: int = 0  # its place among the rows read (its line)
    slot: int = -1  # the place held for it among the new deals (decided at the end)


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where rows of one stage value and outcome go (the same for every such row), and the
    counts each such row adds (values to ask about)."""

    stage: Stage | None
    stage_id: int  # 0: not placed (asked about)
    lost_at: int | None
    remember: tuple[tuple[str, Counter[str]], ...] = ()


def _plan_crm(store: Store, table: Table, form: Format, options: Options, plan: ImportPlan) -> None:
    columns = resolve_columns(table.header, form, options.columns)
    plan.columns = sorted(columns.values(), key=lambda c: c.index)
    fixed = _company_currency(columns, form, store, plan)
    known = _Known(store, plan.source, form.ids)
    # The file's date order is decided by its own dates: rows are read assuming the order
    # the user or the setting says, and read again in the other order when the dates prove it.
    assumed = DateOrder(options.day_first if options.day_first is not None else options.day_first_setting)
    run = _Pass(store, table, form, options, columns, assumed, fixed, known, plan)
    try:
        run.read()
    except InputError:
        # As when the order was decided first: the file's own contradiction is said first,
        # then the first row that does not read in the order its dates prove.
        order = decide_order(
            _date_samples(table.rows, columns), explicit=options.day_first, setting=options.day_first_setting
        )
        if order.day_first == assumed.day_first:
            raise
        run = _Pass(store, table, form, options, columns, order, fixed, known, plan)
        run.read()
    order = decide_order(run.samples, explicit=options.day_first, setting=options.day_first_setting)
    if order.day_first != run.order.day_first:
        run = _Pass(store, table, form, options, columns, order, fixed, known, plan)
        run.read()
    if order.notice:
        run.plan.notices.append(order.notice)
    run.finish()
    for name in ImportPlan.__dataclass_fields__:
        setattr(plan, name, getattr(run.plan, name))


class _Known:
    """The deals imported from this source before (and those brought in as plain CSV that
    may be this source's), by record id, as a re-import first looks at them."""

    def __init__(self, store: Store, source: str, kind: str) -> None:
        self.store = store
        self.kind = kind
        refs = store.transfer.crm_refs(source)
        if kind in ("salesforce", "zoho"):
            self.deals = {canonical_id(k, kind): d for k, d in refs.items()}
        else:  # an id as it is written (canonical_id takes the spaces off)
            self.deals = {k.strip(): d for k, d in refs.items()}
        self.strays = store.transfer.crm_refs("csv") if source != "csv" else {}
        self.source = source
        self.keyed = any(k.startswith("key-") for k in self.deals)  # matched by natural key before
        self.legacy = any(k.startswith("row-") for k in self.deals)  # by a hash of their cells
        self._forms: dict[str, list[str]] | None = None

    def find(self, row: SourceRow, sid: str, matched: set[int]) -> tuple[CrmRef | None, dict[str, str]]:
        """The deal a row with a record id is, and the identity it takes on."""
        deal = self.deals.get(sid)
        if deal is not None:
            return deal, {}
        if sid in self.strays:  # imported before with --column, as a plain CSV
            return self.strays[sid], {"source": self.source, "source_id": sid}
        if self.keyed:  # imported before without an id: the id attaches to it now
            keyed = self.deals.get(natural_key(row))
            if keyed is not None and keyed.id not in matched:
                return keyed, {"source_id": sid}
        if self.legacy:
            legacy = self.deals.get(legacy_key(row))
            if legacy is not None and legacy.id not in matched:
                return legacy, {}
        return None, {}

    def forms(self, key: str) -> list[str]:
        """The record ids deals matched by this natural key were given (key, key#2, …), in
        the order the pipeline lists them."""
        if self._forms is None:  # only the keys given more than the key itself are listed
            several = {sid.partition("#")[0] for sid in self.deals if sid.startswith("key-") and "#" in sid}
            self._forms = {}
            for sid in self.deals:
                base = sid.partition("#")[0]
                if base in several:
                    self._forms.setdefault(base, []).append(sid)
        found = self._forms.get(key)
        if found is not None:
            return found
        return [key] if key in self.deals else []

    def streams(self, key: str) -> bool:
        """Whether rows of this natural key can be given their ids as they are read: no deal
        was matched by it (or by a hash of cells) before, so nothing is to be compared."""
        return not self.legacy and not self.forms(key)


def _outcome_key(row: SourceRow) -> tuple[Any, ...]:
    """All `outcome_of` reads of a row: its stage, status, won, closed, lost, semantic and
    active values (row[8:15]), and whether a loss reason, a won reason and a lost date are
    there."""
    return (row[8:15], bool(row.lost_reason), bool(row.won_reason), row.lost_date is not None)


class _Pairs(dict[str, tuple[int, int] | None]):
    """The two leading numbers of each distinct d/m/y date text (None for any other text),
    worked out once; forgets all past 50,000."""

    def __missing__(self, text: str) -> tuple[int, int] | None:
        if len(self) >= 50_000:
            self.clear()
        pair = self[text] = slashed(text) if text.strip() else None
        return pair


def _held(sid: str) -> str | int:
    """A record id as the set of ids read keeps it: a plain number (most CRMs' ids) as an
    int, half the memory of its text over a million rows; any other id as it is."""
    if sid.isdigit() and sid.isascii() and sid[0] != "0" and len(sid) < 19:
        return int(sid)
    return sid


class _Pass:
    """One read of the file's rows, each planned as it streams by: read, its outcome, its
    board stage, which deal it is, and what it does (a new deal, prepared for the store; an
    update). What needs every row in view (the stage values to ask about, rows the natural
    key cannot tell apart) is settled in `finish`."""

    def __init__(
        self, store: Store, table: Table, form: Format, options: Options, columns: Columns, order: DateOrder,
        fixed: str | None, known: _Known, base: ImportPlan,
    ) -> None:  # fmt: skip
        self.table, self.order, self.known, self.options = table, order, known, options
        plan = self.plan = ImportPlan(base.format, base.label, base.source, base.currency)
        plan.columns = list(base.columns)
        plan.notices = list(base.notices)
        plan.stage_names = dict(base.stage_names)
        plan.stage_kinds = dict(base.stage_kinds)
        plan.rows = PreparedDeals(store.conn.currency)
        board = store.shape.stages()
        stage_map = StageMap(
            board,
            form,
            {norm(k): v for k, v in options.stage_overrides.items()},
            store.transfer.import_maps(plan.source),
        )
        every = {s.id: s for s in store.shape.stages(include_archived=True)}
        self.ctx = _Context(
            store, form, options, stage_map, every, store.shape.reasons(include_archived=True),
            store.conn.clock(), f"Updated from {form.label} export", columns,
            {c.field: c.header for c in columns.values()}, frozenset(c.field for c in plan.columns),
        )  # fmt: skip
        self.ctx.won_reasons = store.shape.won_reasons(include_archived=True)
        self.reader = RowReader(columns, form, order, fixed_currency=fixed)
        self.samples: list[tuple[int, str, str]] = []  # the first date cell of each d/m pair
        self._pairs: set[tuple[int, int]] = set()
        self._slashed = _Pairs()
        from pipeline_tui.importer.source import DATE_FIELDS, MOMENT_FIELDS

        self._dates = [
            (c.index, c.header)
            for n in (*DATE_FIELDS, *MOMENT_FIELDS)
            for c in (columns.get(n), *columns.others.get(n, ()))
            if c
        ]
        self._outcomes: dict[tuple[Any, ...], Outcome] = {}
        self._placed: dict[tuple[Any, ...], _Placed] = {}  # by stage value, outcome, lost-at value
        self.refused: InputError | None = None  # the first row whose stage cannot be placed
        self.seen: set[str | int] = set()  # record ids read (`_held`)
        self.matched: set[int] = set()  # deals imported before that a row is
        self.keyed: dict[str, tuple[set[bytes], list[int]]] = {}  # natural key -> (rows' cells, count)
        # rows whose natural key needs every row in view: (line, cells, held place), or a list
        self.waiting: dict[str, Any] = {}
        self.updates: list[tuple[int, int, str, Planned]] = []  # (place, deal, title, what changes)

    # ------------------------------------------------------------- the rows

    def read(self) -> None:
        header = self.table.header
        width = len(header)
        reader, ctx, plan = self.reader, self.ctx, self.plan
        outcomes = self._outcomes
        for number, cells in self.table.rows:
            self._sample(number, cells)
            if len(cells) != width:
                _check_width(number, cells, header)
            row = reader.read(number, cells)
            key = _outcome_key(row)
            outcome = outcomes.get(key)
            if outcome is None:
                outcome = outcome_of(row, ctx.form, ctx.headers)
                outcomes[key] = outcome
            if row.deleted or outcome.kind == DELETED:
                plan.skipped_deleted += 1
                continue
            if row.period:
                _check_recurring(ctx, row)
            self._identify(row, outcome, self._place(row, outcome))

    def _sample(self, number: int, cells: list[str]) -> None:
        """The date cells that tell the file's date order: the first of each d/m pair (what
        `decide_order` reads of all of them)."""
        slashed_of = self._slashed
        width = len(cells)
        for index, column in self._dates:
            if index >= width:
                continue
            text = cells[index]
            pair = slashed_of[text]
            if pair is not None and pair not in self._pairs:
                self._pairs.add(pair)
                self.samples.append((number, column, text))

    def _place(self, row: SourceRow, outcome: Outcome) -> _Placed | None:
        """Where the row goes (None when it cannot go anywhere: refused at the end, as every
        row is placed before anything else is said)."""
        key = (row.stage, id(outcome), row.lost_at)  # an outcome is one object per kind of row
        placed = self._placed.get(key)
        if placed is None:
            try:
                placed = _place(self.ctx, row, outcome)
            except InputError as exc:
                self.refused = self.refused or exc
                return None
            self._placed[key] = placed
        for value, counter in placed.remember:
            self.ctx.stages.remember(value, counter)
        return placed

    def _identify(self, row: SourceRow, outcome: Outcome, placed: _Placed | None) -> None:
        """Which deal the row is, and what it does: a new deal, or an update of one imported
        before (rows seen twice count once)."""
        plan, ctx = self.plan, self.ctx
        stage_id = placed.stage_id if placed is not None else 0  # 0: asked about or refused at the end
        if row.source_id:
            sid = canonical_id(row.source_id, self.known.kind)
            held = _held(sid)
            if held in self.seen:
                plan.duplicates += 1
                return
            self.seen.add(held)
            deal = self.known.deals.get(sid)
            identity: dict[str, str] = {}
            if deal is None:
                deal, identity = self.known.find(row, sid, self.matched)
            if deal is not None:
                self.matched.add(deal.id)
                if (
                    stage_id and not identity and deal.baseline is not None
                    and deal.baseline == ctx.baseline.stored(row, row.stage, stage_id)
                ):  # fmt: skip
                    self._unchanged(row, outcome, deal, stage_id)
                    return
            if not stage_id:
                return  # nothing is planned for it: the import stops at the end
            assert placed is not None
            record = _Read(row, outcome, placed.stage, stage_id, row.stage, placed.lost_at, sid, row.number)
            if deal is None:
                _new_deal(ctx, record, plan)
            else:
                self._known(record, deal, identity)
            return
        keyed: _Read | None = None
        if placed is not None and stage_id:
            keyed = _Read(row, outcome, placed.stage, stage_id, row.stage, placed.lost_at, seq=row.number)
        self._keyed(row, keyed)

    def _keyed(self, row: SourceRow, record: _Read | None) -> None:
        """A row without a record id: given its natural key as it passes when no deal was
        matched by that key before, else settled at the end (`_settle_keyed`)."""
        plan, ctx = self.plan, self.ctx
        key = natural_key(row)
        if not self.known.streams(key):
            if record is not None:  # kept as its cells, read again at the end
                slot = plan.rows.hold()  # type: ignore[union-attr]
                cells = marshal.dumps(list(row.cells))
                kept = (row.number, cells, slot)
                waiting = self.waiting.get(key)
                if waiting is None:
                    self.waiting[key] = kept  # most keys have one row
                elif isinstance(waiting, list):
                    waiting.append(kept)
                else:
                    self.waiting[key] = [waiting, kept]
            return
        seen = self.keyed.get(key)
        cells = _fingerprint_digest(row)
        if seen is None:
            self.keyed[key] = ({cells}, [1])
            sid = key
        elif cells in seen[0]:
            plan.duplicates += 1  # the same row twice: counted once
            return
        else:
            seen[0].add(cells)
            seen[1][0] += 1
            sid = f"{key}#{seen[1][0]}"
        if record is not None:
            record.sid = sid
            _new_deal(ctx, record, plan)

    def _known(self, record: _Read, deal: CrmRef, identity: dict[str, str]) -> None:
        """A row of a deal imported before: nothing to do when the CRM's values are the ones
        the last import brought (equal baselines), else what changed (`plan_update`)."""
        ctx = self.ctx
        row, stage_id = record.row, record.stage_id
        if (
            not identity
            and deal.baseline is not None
            and deal.baseline
            == ctx.baseline.text(row, record.label, stage_id).encode("utf-8", "surrogatepass")
        ):
            self._unchanged(row, record.outcome, deal, stage_id)
            return
        file = _file_values(ctx, record.row, record)
        match = ctx.store.transfer.crm_deal(deal.id)
        self.updates.append(
            (record.seq, match.id, match.title, _plan_match(ctx, record, match, self.plan, identity, file))
        )

    def _unchanged(self, row: SourceRow, outcome: Outcome, deal: CrmRef, stage_id: int) -> None:
        """A deal whose CRM values are the ones the last import brought: nothing changes."""
        ctx = self.ctx
        if deal.stage_id != stage_id and ctx.kind(stage_id) is StageKind.LOST:
            _loss(ctx, row, outcome, self.plan)  # counted, as when planned in full
        self.plan.unchanged += 1

    # ------------------------------------------------------------- the end

    def finish(self) -> None:
        """What needs every row in view, in the order the import says it: a stage value no
        rule places stops it first; then the stages it makes; then rows the natural key
        cannot tell apart; then the deals the file no longer holds."""
        ctx, plan, options = self.ctx, self.plan, self.options
        stage_map = ctx.stages
        if self.refused is not None:
            raise self.refused
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
            said = ", ".join(
                f"{stage_map.shown[v]!r} ({n})" for v, n in stage_map.unknown_lost_at.most_common(5)
            )
            plan.notices.append(
                f"Lost deals lost at stages this pipeline does not have ({said}): where they were lost stays "
                "unknown (--map 'VALUE=STAGE' places them)."
            )
        self._settle_keyed()
        for _, deal_id, title, planned in sorted(self.updates, key=lambda item: item[0]):
            plan.conflicts.extend(planned.conflicts)
            if planned.update is not None:
                plan.updates.append(planned.update)  # (maybe only the CRM's new baseline)
            if planned.changes:
                plan.changes.append((deal_id, title, planned.changes))
            elif not planned.conflicts:
                plan.unchanged += 1
            plan.first_seen.update(planned.first_seen)
        _missing(ctx, self.known, self.matched, plan)
        for name, count in plan.first_seen.items():
            plan.notices.append(
                f"{name}: first in an export of this source: taken from the file on {count:,} deal"
                f"{'s' if count != 1 else ''} (there was nothing to compare it with)."
            )
        if plan.undated_closed:
            have = "s have" if plan.undated_closed != 1 else " has"
            plan.notices.append(
                f"{plan.undated_closed:,} closed deal{have} no close date in the file: in the report they "
                "count in All time only."
            )

    def _settle_keyed(self) -> None:
        """Rows without a record id whose natural key deals imported before share: each is
        matched to the deal whose imported values it shares most (`_match_keyed`), or is new;
        in the places held for them. Each group is read again from the cells kept of it."""
        for key, waiting in self.waiting.items():
            group = [self._again(*kept) for kept in (waiting if isinstance(waiting, list) else [waiting])]
            matches: dict[int, tuple[_Read, CrmRef]] = {}
            _match_keyed(self.ctx, key, group, self.known, self.matched, matches, self.plan)
            matched = {id(record): deal for record, deal in matches.values()}
            for record in group:
                deal = matched.get(id(record))
                if deal is not None:
                    self._known(record, deal, {})
                elif record.sid:
                    _new_deal(self.ctx, record, self.plan, slot=record.slot)
                # else: a duplicate row, its place left empty

    def _again(self, number: int, cells: bytes, slot: int) -> _Read:
        """A row kept for the end, read again: as it was read (its outcome and place are the
        ones remembered for it; what it counted was counted when it passed)."""
        row = self.reader.read(number, marshal.loads(cells))
        outcome = self._outcomes[_outcome_key(row)]
        placed = self._placed[row.stage, id(outcome), row.lost_at]
        return _Read(
            row, outcome, placed.stage, placed.stage_id, row.stage, placed.lost_at, seq=number, slot=slot
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


def _date_samples(rows: Iterable[tuple[int, list[str]]], columns: Columns):  # type: ignore[no-untyped-def]
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


def _place(ctx: _Context, row: SourceRow, outcome: Outcome) -> _Placed:
    """The board stage for a row: its outcome's endpoint, or where its stage value goes. The
    same for every row of this stage value, outcome and lost-at value; the values to ask
    about are counted per row (`_Placed.remember`)."""
    stages = ctx.stages
    placed = stages.place(row.stage)
    if outcome.kind in (WON, LOST):
        kind = StageKind.WON if outcome.kind == WON else StageKind.LOST
        endpoint = (
            ctx.by_id[placed.stage_id]
            if placed is not None and placed.stage_id > 0 and ctx.by_id[placed.stage_id].kind is kind
            else next(s for s in stages.stages if s.kind is kind)
        )
        shown = f"{row.stage} + {outcome.why}" if outcome.explicit and row.stage else row.stage or outcome.why
        ctx.shown.setdefault(shown, (endpoint.name, outcome.why if outcome.explicit else (
            placed.rule if placed is not None else outcome.why)))  # fmt: skip
        remember: list[tuple[str, Counter[str]]] = []
        lost_at = _lost_at(ctx, row, placed, remember) if kind is StageKind.LOST else None
        return _Placed(endpoint, endpoint.id, lost_at, tuple(remember))
    if placed is not None and ctx.kind(placed.stage_id) is StageKind.OPEN:
        stage = ctx.by_id.get(placed.stage_id)
        target = stage.name if stage is not None else _pending_name(stages, placed.stage_id)
        ctx.shown.setdefault(row.stage, (target, placed.rule))
        return _Placed(stage, placed.stage_id, None)
    said = placed is not None and placed.rule.startswith(("--map", "as you said"))
    if placed is not None and said and outcome.kind != OPEN:
        endpoint = ctx.by_id[placed.stage_id]  # the user said this value is won (or lost)
        ctx.shown.setdefault(row.stage, (endpoint.name, placed.rule))
        return _Placed(endpoint, endpoint.id, None)
    if placed is not None and said:
        raise row_error(
            row.number,
            ctx.headers.get("stage", "stage"),
            row.stage,
            f"is open ({outcome.why}) but --map sends it to {ctx.by_id[placed.stage_id].name}; map it to an "
            "open stage",
        )
    if placed is not None and outcome.kind == OPEN:
        stages.open_why.setdefault(norm(row.stage), outcome.why)
        return _Placed(None, 0, None, ((row.stage, stages.open_closed),))  # a closed stage's name, open
    return _Placed(None, 0, None, ((row.stage, stages.unknown),))  # asked about at the end


def _pending_name(stages: StageMap, key: int) -> str:
    return next(p.name for p in stages.pending if p.key == key)


def _lost_at(
    ctx: _Context, row: SourceRow, placed: Any, remember: list[tuple[str, Counter[str]]]
) -> int | None:
    """The open stage a lost deal was lost at, when the file says (a "lost at" column, or
    the stage a lost deal keeps, as Pipedrive's and Odoo's do)."""
    for value in (row.lost_at, row.stage):
        if not value:
            continue
        where = ctx.stages.place(value) if value != row.stage else placed
        if where is not None and ctx.kind(where.stage_id) is StageKind.OPEN:
            return int(where.stage_id)
        if (
            where is None
            and value
            and (value != row.stage or ctx.stages.fmt.lost_keeps_stage)
            and not ctx.stages.fmt.stages.get(norm(value))
            and norm(value) not in CLOSED_ONLY
        ):
            remember.append((value, ctx.stages.unknown_lost_at))
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


def _match_keyed(
    ctx: _Context,
    key: str,
    group: list[_Read],
    known: _Known,
    matched: set[int],
    matches: dict[int, tuple[_Read, CrmRef]],
    plan: ImportPlan,
) -> None:
    """Rows without a record id that share a natural key (deals of the same name, account
    and day): each is matched to the deal imported before whose imported values it shares
    most; when two ways of matching fit equally, the import stops and names the rows.
    Never a silent swap."""
    existing = known.deals
    if len(group) == 1:
        rows = group
    else:
        unique: dict[tuple[str, ...], _Read] = {}
        for record in group:
            fingerprint = _fingerprint(record.row)
            if fingerprint in unique:
                plan.duplicates += 1  # the same row twice: counted once (its sid stays empty)
            else:
                unique[fingerprint] = record
        rows = list(unique.values())
    rest: list[_Read] = []
    for record in rows:  # a deal an earlier version imported under a hash of its cells
        legacy = legacy_key(record.row) if known.legacy else ""
        old = existing.get(legacy) if legacy else None
        if old is not None and old.id not in matched:
            matched.add(old.id)
            matches[old.id] = (record, old)
            record.sid = legacy
        else:
            rest.append(record)
    forms = [sid for sid in known.forms(key) if existing[sid].id not in matched]
    candidates = [existing[sid] for sid in forms]
    if candidates and rest:
        if len(rest) > 6 or len(candidates) > 6:
            raise _indistinct(rest, candidates)
        size = min(len(rest), len(candidates))
        ways = list(permutations(range(len(candidates)), size))
        if len(ways) == 1:  # one way to match: nothing to weigh
            chosen = ways[0]
        else:
            scored = sorted(
                (
                    (sum(_likeness(ctx, rest[i].row, candidates[j]) for i, j in enumerate(way)), way)
                    for way in ways
                ),
                key=lambda item: -item[0],
            )
            if scored[0][0] == scored[1][0]:
                raise _indistinct(rest, candidates)
            chosen = scored[0][1]
        for i, j in enumerate(chosen):
            deal = candidates[j]
            matched.add(deal.id)
            matches[deal.id] = (rest[i], deal)
            rest[i].sid = forms[j]
        rest = [r for i, r in enumerate(rest) if i >= len(chosen)]
    given = {r.sid for r in rows if r.sid}
    n = 1
    for record in rest:
        while (sid := key if n == 1 else f"{key}#{n}") in existing or sid in given:
            n += 1
        record.sid = sid
        given.add(sid)


def _indistinct(rows: list[_Read], deals: list[CrmRef]) -> InputError:
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


def _fingerprint_digest(row: SourceRow) -> bytes:
    """`_fingerprint` in 16 bytes (what is kept of every row without a record id)."""
    return hashlib.blake2b(repr(_fingerprint(row)).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _likeness(ctx: _Context, row: SourceRow, deal: CrmRef) -> int:
    """How many of the values the deal was imported with the row still has."""
    base = json.loads(deal.baseline) if deal.baseline else {}
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


def _missing(ctx: _Context, known: _Known, matched: set[int], plan: ImportPlan) -> None:
    """Deals imported from this source before that the file no longer holds (deleted in the
    CRM, or left out of this export): listed; archived with --missing archive."""
    gone = sorted(
        {d.id: d for d in known.deals.values() if d.id not in matched and not d.archived}.values(),
        key=lambda d: d.id,
    )
    titles = ctx.store.transfer.titles([d.id for d in gone]) if gone else {}
    plan.missing = [(d.id, titles.get(d.id, "")) for d in gone]
    plan.missing_action = ctx.options.missing
    if gone and ctx.options.missing == "archive":
        stamp = ctx.now
        for deal in gone:
            event = ImportEvent(stamp, EventKind.ARCHIVED, f"No longer in the {plan.label} export")
            archived = {"archived_at": ts(stamp)}
            baseline = json.loads(deal.baseline) if deal.baseline else {}
            plan.updates.append(ImportUpdate(deal.id, deal.rev, archived, baseline or {}, (event,)))


# ------------------------------------------------------------------ new deals


def _file_values(ctx: _Context, row: SourceRow, record: _Read) -> dict[str, Any]:
    """The CRM's values of the fields the file has: what a later import compares with."""
    columns = ctx.fields
    out: dict[str, Any] = {"title": row.title, "stage": record.label, "stage_id": record.stage_id}
    if "company" in columns:
        out["company"] = row.company
    if "contact" in columns:
        out["contact"] = row.contact
    if "value" in columns:
        out["value"] = row.value or 0
    if "value" in columns or "currency" in columns:
        out["currency"] = row.currency or ctx.store.conn.currency
    if "close" in columns:
        out["close"] = row.close.isoformat() if row.close else None
    return out


class _Memo(dict[Any, str]):
    """A piece of JSON per distinct value (forgets all past `limit`)."""

    def __init__(self, make: Callable[[Any], str], limit: int = 20_000) -> None:
        super().__init__()
        self.make, self.limit = make, limit

    def __missing__(self, key: Any) -> str:
        if len(self) >= self.limit:
            self.clear()
        value: str = self.make(key)
        self[key] = value
        return value


class _Baseline:
    """`baseline_text(_file_values(…))` written straight, for every row of a file: the same
    JSON (sorted keys, no spaces, text as json writes it), its pieces for the values that
    repeat (a date, an account, a currency, a stage) made once."""

    def __init__(self, fields: frozenset[str], currency: str) -> None:
        self.currency = currency
        self.value = "value" in fields
        money = self.value or "currency" in fields

        def piece(name: str, present: bool) -> _Memo:
            return _Memo(lambda value: f'"{name}":{_json_text(value)},' if present else "")

        self.close = _Memo(
            lambda day: (
                ('"close":' + (_json_text(day.isoformat()) if day else "null") + ",")
                if "close" in fields
                else ""
            )
        )
        self.company = piece("company", "company" in fields)
        self.contact = piece("contact", "contact" in fields)
        self.codes = piece("currency", money)
        self.stages = _Memo(lambda key: f'"stage":{_json_text(key[0])},"stage_id":{int.__repr__(key[1])},')

    def stored(self, row: SourceRow, label: str, stage_id: int) -> bytes:
        """The baseline as the pipeline stores it, in UTF-8 (`CrmRef.baseline`)."""
        return self.text(row, label, stage_id).encode("utf-8", "surrogatepass")

    def text(self, row: SourceRow, label: str, stage_id: int) -> str:
        """The baseline of a row whose stage value `label` goes to board stage `stage_id`."""
        tail = f',"value":{int.__repr__(row.value or 0)}}}' if self.value else "}"
        return (
            "{" + self.close[row.close] + self.company[row.company] + self.contact[row.contact]
            + self.codes[row.currency or self.currency] + self.stages[label, stage_id]
            + '"title":' + _json_text(row.title) + tail
        )  # fmt: skip


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


def _win(ctx: _Context, row: SourceRow) -> tuple[int | None, str]:
    """A won deal's reason from the file (HubSpot's Closed Won Reason): one of the seller's
    won reasons when the text names it; otherwise the text is kept as the win's note, never
    made a reason of its own (the CRM's field is free text) nor matched loosely."""
    text = row.won_reason.strip()
    if not text:
        return None, ""
    key = norm(text)
    found = next((r for r in ctx.won_reasons if not r.archived and norm(r.label) == key), None)
    return (found.id, "") if found is not None else (None, text)


def _new_deal(ctx: _Context, record: _Read, plan: ImportPlan, *, slot: int = -1) -> None:
    """A new deal for the row, prepared for the store (checked now), in the place held for
    it when it was decided later."""
    row = record.row
    stage_kind = ctx.kind(record.stage_id)
    closed_at = None if stage_kind is StageKind.OPEN else _closed_at(row)
    if stage_kind is not StageKind.OPEN and closed_at is None:
        plan.undated_closed += 1
    created = row.created or ctx.now
    if closed_at is not None and row.created is None:
        created = min(created, closed_at, key=_comparable)  # no created date: not after it closed
    activity = row.activity or row.closed_on or created
    reason_id, competitor, note, lost_at = None, "", "", None
    if stage_kind is StageKind.LOST:
        loss = _loss(ctx, row, record.outcome, plan)
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


def _plan_match(
    ctx: _Context,
    record: _Read,
    match: CrmDeal,
    plan: ImportPlan,
    identity: dict[str, str],
    file: dict[str, Any],
) -> Planned:
    """What a row of a deal imported before changes (`file`: its values as `_file_values`)."""
    row = record.row
    moves = match.stage_id != record.stage_id
    full = ctx.store.deals.get(match.id) if moves else None
    lost = ctx.kind(record.stage_id) is StageKind.LOST
    loss = _loss(ctx, row, record.outcome, plan) if moves and lost else None
    closed_at = None if ctx.kind(record.stage_id) is StageKind.OPEN else _closed_at(row)
    return plan_update(
        match, file, stages=ctx.by_id, prefer_file=ctx.options.prefer_file, now=ctx.now, label=ctx.label,
        full=full, loss_fields=loss, closed_at=closed_at, identity=identity, reasons=ctx.reasons,
        won_reasons=ctx.won_reasons,
    )  # fmt: skip

"""Planning a CRM's export (or a file whose columns --column names): the rows are read as they
stream from the file, each placed, identified and planned as it passes (`_Pass`); what needs
every row in view is settled at the end. The file's date order is decided by its own dates."""

from __future__ import annotations

import contextlib
import itertools
import marshal
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipeline_tui.errors import InputError
from pipeline_tui.importer.columns import Columns, resolve_columns, unread_columns
from pipeline_tui.importer.context import Context, Placed, Read
from pipeline_tui.importer.deals import file_values, new_deal, plan_loss, plan_match
from pipeline_tui.importer.fast_rows import RowReader
from pipeline_tui.importer.formats import Format, norm
from pipeline_tui.importer.identity import canonical_id, natural_key
from pipeline_tui.importer.match import Known, fingerprint_digest, match_keyed, missing_deals
from pipeline_tui.importer.outcome import Outcome, Overruled, outcome_of
from pipeline_tui.importer.placing import ask_unknown, check_new_stages, new_stages, place, unmade_stages
from pipeline_tui.importer.plan_types import ImportPlan, Options
from pipeline_tui.importer.source import SourceRow, row_error
from pipeline_tui.importer.stages import NEW, StageMap
from pipeline_tui.importer.table import Table, check_width
from pipeline_tui.importer.update import Planned
from pipeline_tui.importer.values import (
    CENTURY_PIVOT,
    SHARED_SIGNS,
    AmountMarks,
    DateOrder,
    decide_decimal,
    decide_order,
    read_cell,
    shared_sign,
    short_year,
    sign_currency,
    slashed,
)
from pipeline_tui.importer.words import DELETED
from pipeline_tui.models import StageKind
from pipeline_tui.money import AMBIGUOUS, KRONA
from pipeline_tui.store import Store
from pipeline_tui.store.prepared import PreparedDeals
from pipeline_tui.store.transfer import CrmRef


def plan_crm(store: Store, table: Table, form: Format, options: Options, plan: ImportPlan) -> None:
    columns = resolve_columns(table.header, form, options.columns)
    plan.columns = sorted(columns.values(), key=lambda c: c.index)
    fixed = _company_currency(columns, form, store, plan)
    known = Known(store, plan.source, form.ids)
    # The file's date order is decided by its own dates: rows are read assuming the order
    # the user or the setting says, and read again in the other order when the dates prove it.
    # So are its amounts written "1,250": as the file's other amounts write decimals.
    assumed = DateOrder(
        options.day_first if options.day_first is not None else options.day_first_setting,
        decimal_comma=options.decimal_comma,
    )
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
        order = replace(order, decimal_comma=assumed.decimal_comma)
        run = _Pass(store, table, form, options, columns, order, fixed, known, plan)
        run.read()
    order = decide_order(run.samples, explicit=options.day_first, setting=options.day_first_setting)
    decimal = decide_decimal(run.marks, explicit=options.decimal_comma)
    # Only amounts that could be read two ways read otherwise in another convention.
    read_as = run.order.decimal_comma
    order = replace(
        order, decimal_comma=decimal.comma if run.marks.differ(decimal.comma, read_as) else read_as
    )
    if order.day_first != run.order.day_first or order.decimal_comma != run.order.decimal_comma:
        run = _Pass(store, table, form, options, columns, order, fixed, known, plan)
        run.read()
    shared = _shared_sign(run.marks.shared, columns, fixed, store.conn.currency)
    for notice in (order.notice, decimal.notice, _century(run._slashed.short), shared):
        if notice:
            run.plan.notices.append(notice)
    run.finish()
    for name in ImportPlan.__dataclass_fields__:
        setattr(plan, name, getattr(run.plan, name))
    plan.unread_at = unread_columns(table.header, columns)
    plan.unread = [h for _, h in plan.unread_at]
    if plan.undated_closed:
        plan.unread_dated = _dated(table, plan.unread_at, day_first=order.day_first)
    unread = {norm(h) for h in plan.unread}
    plan.notices.extend(said for header, said in form.unread_said.items() if norm(header) in unread)


def _dated(table: Table, unread: list[tuple[int, str]], *, day_first: bool) -> list[str]:
    """The unread columns whose cells read as dates (most of those filled in, in the file's
    first rows): where close dates may be, said when the file gives closed deals none."""
    from pipeline_tui.importer.values import parse_moment

    counts = {at: [0, 0] for at, _ in unread}  # position -> [filled, dates]
    for _, cells in itertools.islice(table.rows, 300):
        for at, tally in counts.items():
            text = cells[at - 1].strip() if at - 1 < len(cells) else ""
            if not text:
                continue
            tally[0] += 1
            with contextlib.suppress(ValueError):  # not a date
                tally[1] += parse_moment(text, day_first=day_first, serials=False) is not None
    return [h for at, h in unread if counts[at][0] and counts[at][1] >= 0.8 * counts[at][0]]


def _shared_sign(first: tuple[int, str, str] | None, columns: Columns, fixed: str | None, home: str) -> str:
    """What the dry run says of amounts written with a sign several currencies write ('$',
    '¥') when no currency column, header or code says which."""
    if first is None or fixed is not None or "currency" in columns:
        return ""
    value = columns.get("value")
    if value is not None and value.currency:
        return ""
    number, column, text = first
    code = read_cell(text).currency
    could: tuple[str, ...]
    if code == KRONA:  # read only in a pipeline kept in one of them (else the row is refused)
        could, sign = AMBIGUOUS[KRONA], "kr"
        if home not in could:
            return ""
    else:
        could = shared_sign(text, code)
        if not could:
            return ""
        sign = next(s for s in SHARED_SIGNS[code or ""][0] if s in text)
    read_as = sign_currency(could, home)
    others = ", ".join(c for c in could if c != read_as)
    return (
        f"Amounts written with {sign!r} (row {number}, {column!r}: {text!r}) are read as {read_as}"
        f"{', this pipeline' + chr(39) + 's currency' if read_as == home else ''}; {sign!r} is also the sign "
        f"of {others}. If they are in another, read the currency from a column with --column currency=HEADER."
    )


def _century(short: str) -> str:
    """What the dry run says of dates written with a two-digit year ('15/03/98')."""
    if not short:
        return ""
    return (
        f"Dates with a two-digit year ({short!r}) are read as spreadsheets read them: "
        f"{CENTURY_PIVOT:02d}-99 as 19{CENTURY_PIVOT:02d}-1999, 00-{CENTURY_PIVOT - 1:02d} as "
        f"2000-20{CENTURY_PIVOT - 1:02d}. If that is wrong, write the years in full."
    )


def _outcome_key(row: SourceRow, not_losses: frozenset[str]) -> tuple[Any, ...]:
    """All `outcome_of` reads of a row: its stage, status, won, closed, lost, semantic and
    active values (row[8:15]), and whether a loss reason (not one of the format's
    `not_losses`), a won reason and a lost date are there."""
    reason = bool(row.lost_reason) and (not not_losses or norm(row.lost_reason) not in not_losses)
    return (row[8:15], reason, bool(row.won_reason), row.lost_date is not None)


class _Pairs(dict[str, tuple[int, int] | None]):
    """The two leading numbers of each distinct d/m/y date text (None for any other text),
    worked out once; forgets all past 50,000."""

    short = ""  # the first date cell read with a two-digit year

    def __missing__(self, text: str) -> tuple[int, int] | None:
        if len(self) >= 50_000:
            self.clear()
        pair = self[text] = slashed(text) if text.strip() else None
        if not self.short and short_year(text):
            self.short = text.strip()
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
        fixed: str | None, known: Known, base: ImportPlan,
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
        self.ctx = Context(
            store, form, options, stage_map, every, store.shape.reasons(include_archived=True),
            store.conn.clock(), f"Updated from {form.label} export", columns,
            {c.field: c.header for c in columns.values()}, frozenset(c.field for c in plan.columns),
        )  # fmt: skip
        self.ctx.won_reasons = store.shape.won_reasons(include_archived=True)
        self.marks = AmountMarks()  # what the amounts say of the decimal mark (read once each)
        self.reader = RowReader(
            columns, form, order, fixed_currency=fixed, amounts=self.marks, home=store.conn.currency
        )
        self.samples: list[tuple[int, str, str]] = []  # the first date cell of each d/m pair
        self._pairs: set[tuple[int, int]] = set()
        self._slashed = _Pairs()
        from pipeline_tui.importer.source import DATE_FIELDS, MOMENT_FIELDS

        self._amounts = [
            (c.index, c.header) for c in (columns.get("value"), *columns.others.get("value", ())) if c
        ]
        self._dates = [
            (c.index, c.header)
            for n in (*DATE_FIELDS, *MOMENT_FIELDS)
            for c in (columns.get(n), *columns.others.get(n, ()))
            if c
        ]
        self._outcomes: dict[tuple[Any, ...], Outcome] = {}
        self.ends, self.mapped = stage_map.ends(), frozenset(stage_map.overrides)
        self.overruled = Overruled()  # loss reasons / lost dates the outcome column overrules
        self._placed: dict[tuple[Any, ...], Placed] = {}  # by stage value, outcome, lost-at value
        self.refused: InputError | None = None  # the first row whose stage cannot be placed
        self.seen: set[str | int] = set()  # record ids read (`_held`)
        self.matched: set[int] = set()  # deals imported before that a row is
        self.keyed: dict[str, tuple[set[bytes], list[int]]] = {}  # natural key -> (rows' cells, count)
        # rows whose natural key needs every row in view: (line, cells, held place), or a list
        self.waiting: dict[str, Any] = {}
        self.updates: list[tuple[int, int, str, Planned]] = []  # (place, deal, title, what changes)
        self.grouped_blanks = 0  # rows with no stage and nothing in the columns before it

    # ------------------------------------------------------------- the rows

    def read(self) -> None:
        header = self.table.header
        width = len(header)
        reader, ctx, plan = self.reader, self.ctx, self.plan
        outcomes = self._outcomes
        not_losses = ctx.form.not_losses
        stage_column = ctx.columns.get("stage")
        stage_at = stage_column.index if stage_column is not None else None
        for number, cells in self.table.rows:
            self._sample(number, cells)
            if len(cells) != width:
                check_width(number, cells, header)
            row = reader.read(number, cells)
            key = _outcome_key(row, not_losses)
            outcome = outcomes.get(key)
            if outcome is None:
                outcome = outcome_of(row, ctx.form, ctx.headers, self.ends, self.mapped)
                outcomes[key] = outcome
            if outcome.overruled:
                self.overruled.add(number, outcome)
            if row.deleted or outcome.kind == DELETED:
                plan.skipped_deleted += 1
                continue
            if row.period:
                _check_recurring(ctx, row)
            if not row.stage and stage_at is not None and not any(c.strip() for c in cells[:stage_at]):
                self.grouped_blanks += 1  # no stage, nor anything before it: a group's later row?
            self._identify(row, outcome, self._place(row, outcome))

    def _sample(self, number: int, cells: list[str]) -> None:
        """The date cells that tell the file's date order: the first of each d/m pair (what
        `decide_order` reads of all of them); the amounts that tell its decimal mark."""
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
        for index, column in self._amounts:
            if index < width:
                self.marks.see(number, column, cells[index])

    def _place(self, row: SourceRow, outcome: Outcome) -> Placed | None:
        """Where the row goes (None when it cannot go anywhere: refused at the end, as every
        row is placed before anything else is said)."""
        key = (row.stage, id(outcome), row.lost_at)  # an outcome is one object per kind of row
        placed = self._placed.get(key)
        if placed is None:
            try:
                placed = place(self.ctx, row, outcome)
            except InputError as exc:
                self.refused = self.refused or exc
                return None
            self._placed[key] = placed
        for value, counter in placed.remember:
            self.ctx.stages.remember(value, counter)
        return placed

    def _identify(self, row: SourceRow, outcome: Outcome, placed: Placed | None) -> None:
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
            record = Read(row, outcome, placed.stage, stage_id, row.stage, placed.lost_at, sid, row.number)
            if deal is None:
                new_deal(ctx, record, plan)
            else:
                self._known(record, deal, identity)
            return
        keyed: Read | None = None
        if placed is not None and stage_id:
            keyed = Read(row, outcome, placed.stage, stage_id, row.stage, placed.lost_at, seq=row.number)
        self._keyed(row, keyed)

    def _keyed(self, row: SourceRow, record: Read | None) -> None:
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
        cells = fingerprint_digest(row)
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
            new_deal(ctx, record, plan)

    def _known(self, record: Read, deal: CrmRef, identity: dict[str, str]) -> None:
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
        file = file_values(ctx, record.row, record)
        match = ctx.store.transfer.crm_deal(deal.id)
        self.updates.append(
            (record.seq, match.id, match.title, plan_match(ctx, record, match, self.plan, identity, file))
        )

    def _unchanged(self, row: SourceRow, outcome: Outcome, deal: CrmRef, stage_id: int) -> None:
        """A deal whose CRM values are the ones the last import brought: nothing changes."""
        ctx = self.ctx
        if deal.stage_id != stage_id and ctx.kind(stage_id) is StageKind.LOST:
            plan_loss(ctx, row, outcome, self.plan)  # counted, as when planned in full
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
        self._check_grouped()
        ask_unknown(ctx, plan)
        plan.notices.extend(self.overruled.notices())
        unmade = stage_map.drop_unused()
        plan.notices.extend(unmade_stages(stage_map, options, unmade))
        plan.notices.extend(new_stages(stage_map))
        for source_stage, (target, why) in ctx.shown.items():
            plan.stage_map[source_stage] = target
            plan.stage_rule[source_stage] = why
        check_new_stages(stage_map.pending, options)
        plan.pending_stages = stage_map.pending
        for pending in stage_map.pending:
            plan.stage_names[pending.key] = pending.name
            plan.stage_kinds[pending.key] = pending.kind
        for value, target in options.stage_overrides.items():
            if norm(target) == NEW and (norm(value) in unmade or not stage_map.seen(value)):
                continue  # a stage not made (`unmade_stages`): nothing to remember
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
            written = planned.update.fields if planned.update is not None else {}
            if planned.update is not None:
                plan.updates.append(planned.update)  # (maybe only the CRM's new baseline)
            if planned.changes:
                plan.changes.append((deal_id, title, planned.changes))
            if "source_id" in written:  # a record id given to a deal imported without one
                plan.attached.append((deal_id, title, str(written["source_id"])))
            if written:
                pass  # counted as updated (`ImportPlan.updated`)
            elif planned.conflicts:
                plan.conflict_rows += 1
            else:
                plan.unchanged += 1
            plan.first_seen.update(planned.first_seen)
        missing_deals(ctx, self.known, self.matched, plan)
        for name, count in plan.first_seen.items():
            plan.notices.append(
                f"{name}: first in an export of this source: taken from the file on {count:,} deal"
                f"{'s' if count != 1 else ''} (there was nothing to compare it with)."
            )
        if plan.closed_on_expected:
            n = plan.closed_on_expected
            they, close = ("they", "they close") if n != 1 else ("it", "it closes")
            plan.notices.append(
                f"{n:,} closed deal{'s' if n != 1 else ''}: the file gives no day {they} closed, so {close} "
                "on the expected close date (--column closed_on=HEADER reads the day from another column)."
            )
        if plan.closed_later and plan.closed_later_first:
            n, (row, day) = plan.closed_later, plan.closed_later_first
            are, closes = ("are", "close") if n != 1 else ("is", "closes")
            plan.notices.append(
                f"{n:,} deal{'s' if n != 1 else ''} the file says {are} won or lost {closes} after today "
                f"(row {row}: {day}): taken as closed today, as a deal cannot close in the future."
            )
        if plan.undated_closed:
            have = "s have" if plan.undated_closed != 1 else " has"
            plan.notices.append(
                f"{plan.undated_closed:,} closed deal{have} no close date in the file: in the report they "
                "count in All time only."
            )

    def _settle_keyed(self) -> None:
        """Rows without a record id whose natural key deals imported before share: each is
        matched to the deal whose imported values it shares most (`match_keyed`), or is new;
        in the places held for them. Each group is read again from the cells kept of it."""
        for key, waiting in self.waiting.items():
            group = [self._again(*kept) for kept in (waiting if isinstance(waiting, list) else [waiting])]
            matches: dict[int, tuple[Read, CrmRef]] = {}
            match_keyed(self.ctx, key, group, self.known, self.matched, matches, self.plan)
            matched = {id(record): deal for record, deal in matches.values()}
            for record in group:
                deal = matched.get(id(record))
                if deal is not None:
                    self._known(record, deal, {})
                elif record.sid:
                    new_deal(self.ctx, record, self.plan, slot=record.slot)
                # else: a duplicate row, its place left empty

    def _check_grouped(self) -> None:
        """A grouped report writes each group's values (the stage among them, in the first
        columns) on the group's first row only: its later rows have no stage and nothing
        before it. One --map for those rows would put every group's deals in one stage, so it
        is not offered alone: the export that repeats the values is named first."""
        stage = self.ctx.columns.get("stage")
        blank = self.ctx.stages.unknown.get("", 0)
        if not blank or stage is None or self.grouped_blanks < blank:
            return
        grouped = self.table.rows.scanned().grouped
        if not grouped and stage.index > 1:
            return
        rows = f"{blank:,} row{'s have' if blank != 1 else ' has'}"
        before = (
            f", nor anything in the column{'s' if stage.index > 1 else ''} before it" if stage.index else ""
        )
        fix = (
            "Export the report as 'Details Only' (or fill the columns down in the spreadsheet), then import "
            "again."
        )
        first_row = "writes each group's values on its first row only"
        if grouped:
            said = f"{rows} no {stage.header!r}{before}: a grouped report {first_row}. {fix}"
        else:
            said = (
                f"{rows} no {stage.header!r}{before}. If the file is a grouped report, it {first_row}: "
                f"{fix[0].lower()}{fix[1:]} If those deals have no stage, --map '=STAGE' places them "
                "(e.g. --map '=Lead')."
            )
        raise InputError(said + " Nothing was imported.")

    def _again(self, number: int, cells: bytes, slot: int) -> Read:
        """A row kept for the end, read again: as it was read (its outcome and place are the
        ones remembered for it; what it counted was counted when it passed)."""
        row = self.reader.read(number, marshal.loads(cells))
        outcome = self._outcomes[_outcome_key(row, self.ctx.form.not_losses)]
        placed = self._placed[row.stage, id(outcome), row.lost_at]
        return Read(
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


def _check_recurring(ctx: Context, row: SourceRow) -> None:
    if row.period and row.period not in ("one_time", "one time", "onetime") and not ctx.options.recurring:
        column = ctx.headers.get("period", "period")
        raise row_error(
            row.number,
            column,
            row.period,
            "is a recurring amount (per period), not the deal's whole value; import it as it is with "
            "--recurring, or export the deal's total instead",
        )

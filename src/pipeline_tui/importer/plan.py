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

This module reads the table, tells the format and plans our own export; the plan and its
options are in `plan_types` (re-exported here). A CRM's rows go through `crm` (one streaming
pass), which places them on stages (`placing`), tells which deal each is (`match`), and
makes each a new deal or an update (`deals`, with the `baseline` a later import compares
with); what a pass carries along is in `context`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.importer import formats
from pipeline_tui.importer.columns import Column
from pipeline_tui.importer.crm import plan_crm
from pipeline_tui.importer.formats import CUSTOM, Format, norm
from pipeline_tui.importer.formats.own import OwnRows, cell_reader
from pipeline_tui.importer.placing import check_new_stages
from pipeline_tui.importer.plan_types import ImportPlan as ImportPlan
from pipeline_tui.importer.plan_types import Options
from pipeline_tui.importer.plan_types import UnknownStages as UnknownStages
from pipeline_tui.importer.source import RowError, row_error
from pipeline_tui.importer.table import Table, check_width, read_table
from pipeline_tui.models import ImportRow
from pipeline_tui.store import Store

FORMATS = ("auto", *(f.name for f in formats.registry()))
MISSING = ("keep", "archive")


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
    sheet: str | None = None,
    decimal_comma: bool | None = None,
) -> ImportPlan:
    """Read and check the whole file; nothing is written. Raises InputError naming the row
    (UnknownStages when stage values must be placed first). `sheet`: a workbook's sheet to
    read (else the one with a known header)."""
    if missing not in MISSING:
        raise InputError(f"--missing {missing!r}: say keep or archive.")
    options = Options(
        fmt, dict(stage_overrides or {}), dict(columns or {}), day_first, day_first_setting, prefer_file,
        encoding, skip, missing, new_stages, recurring, source, decimal_comma,
    )  # fmt: skip
    table = read_table(
        path, encoding=encoding, skip=skip, is_header=_header_test(options), sheet=sheet,
        columns=list(options.columns.values()),
    )  # fmt: skip
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
    whose = ""
    if (
        form is not CUSTOM and options.columns and options.fmt == "auto" and not options.source
        and named_every(table.header, form, options.columns)
    ):  # fmt: skip
        form, whose = _whose(store, table, form, options)
    source_name = _source_name(form, options)
    # A workbook mapped with --column is an xlsx file, not a "csv export".
    name = "xlsx" if form is CUSTOM and table.encoding == "xlsx" else form.name
    plan = ImportPlan(name, form.label, source_name, store.conn.currency)
    stages = store.shape.stages(include_archived=True)
    plan.stage_names = {s.id: s.name for s in stages}
    plan.stage_kinds = {s.id: s.kind for s in stages}
    if form.name == "pipeline-tui":
        _plan_own(store, table, plan, options)
    else:
        plan_crm(store, table, form, options, plan)
        if form.id_shape and options.fmt == "auto" and not options.source:  # rows read well
            _check_ids(table, form, options, path)
    plan.total_rows = len(table.rows)
    plan.footer = table.footer
    first = list(table.notices)
    if table.left_out:
        first.append("Left out: " + "; ".join(table.left_out) + ".")
    if form.notice:
        first.append(form.notice)
    if whose:
        first.append(whose)
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


def _whose(store: Store, table: Table, form: Format, options: Options) -> tuple[Format, str]:
    """A file --column maps whole, whose header shares a name or two with a CRM's export:
    that CRM's, when its record ids are deals imported from it before (a script naming every
    column of next week's export); else a plain file, whose deals a later export of the CRM
    still finds by their ids. Never a guess: the dry run says which, and how to say otherwise."""
    from pipeline_tui.importer.identity import canonical_id

    label = form.label.split(" (")[0]
    names = {norm(h) for h in table.header}
    signature = next((sig for sig in form.signatures() if all(norm(n) in names for n in sig)), ())
    shared = ", ".join(repr(h) for h in table.header if norm(h) in {norm(n) for n in signature})
    column = options.columns.get("id")
    known = store.transfer.crm_refs(form.source) if column else {}
    if known:
        at = next((i for i, h in enumerate(table.header) if norm(h) == norm(column or "")), None)
        if at is None and column and column.startswith("#") and column[1:].isdigit():
            at = int(column[1:]) - 1
        kind = form.ids or ""
        ids = {canonical_id(k, kind) for k in known}
        if at is not None and any(
            at < len(cells) and canonical_id(cells[at], kind) in ids for _, cells in table.rows
        ):
            return form, (
                f"Read as a {label} export (its header has {shared}; --column names the rest): its "
                f"record ids are deals imported from {label} before."
            )
    return CUSTOM, (
        f"Read as a plain file: --column names every column, and none of its record ids is a deal "
        f"imported from {label} before, though its header has {shared}. If it is {label}'s export, "
        f"--source {form.source} files its deals as {label}'s."
    )


def _check_ids(table: Table, form: Format, options: Options, path: Path) -> None:
    """A file whose header reads as a CRM's export, none of whose record ids has that CRM's
    form, is another CRM's (an Attio export shares HubSpot's 'Record ID', 'Deal name' and
    'Deal stage'): read as that CRM's, its deals would be filed as its records, and a later
    --missing archive of a real export would archive them. Refused, with both readings."""
    header = [norm(h) for h in table.header]
    wanted = options.columns.get("id")
    names = [norm(wanted)] if wanted else [norm(a) for a in form.headers("id")]
    at = next((header.index(n) for n in names if n in header), None)
    if at is None:
        return
    shape = re.compile(form.id_shape)
    first = itertools.islice(table.rows, 500)  # read as they stream: the file's first rows
    ids = [cells[at].strip() for _, cells in first if at < len(cells) and cells[at].strip()]
    if not ids or any(shape.fullmatch(i) for i in ids):
        return
    label = form.label.split(" (")[0]
    sample = ", ".join(repr(safe(i[:40])) for i in list(dict.fromkeys(ids))[:2])
    raise InputError(
        f"{safe(path.name[:60])} reads as a {label} export by its header, but none of its record ids "
        f"in {table.header[at]!r} is {label}'s ({sample}; {label} writes {form.id_form}): it looks like "
        f"another CRM's export, and read as {label}'s its deals would be filed as {label} records. If it "
        f"is another CRM's, import with --source csv (read by these columns, filed as a plain file's); if "
        f"it is {label}'s, --source {form.source}. Nothing was imported."
    )


def named_every(header: list[str], fmt: Format, named: Mapping[str, str]) -> bool:
    """Whether --column names every field the format would read from this file by its own
    headers: then the format is told from a header or two the file shares with that CRM's
    export (an Insightly file holds Salesforce's 'Opportunity Name'), and the dry run says
    so, with --source csv to keep its deals apart."""
    names = {norm(h) for h in header}
    derived = {norm(h) for h in fmt.derived}
    own = {
        field
        for field, aliases in fmt.aliases.items()
        if any(norm(a) in names and norm(a) not in derived for a in aliases)
    }
    return own <= set(named)


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


# ------------------------------------------------------------------ our own export


def _plan_own(store: Store, table: Table, plan: ImportPlan, options: Options) -> None:
    reader = OwnRows.of(store)
    plan.columns = [Column(h, i, h, "auto") for i, h in enumerate(table.header)]
    rows: list[ImportRow] = []
    plan.rows = rows
    for number, cells in table.rows:
        check_width(number, cells, table.header)

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
    check_new_stages(plan.pending_stages, options)
    for pending in plan.pending_stages:
        plan.stage_names[pending.key] = pending.name
        plan.stage_kinds[pending.key] = pending.kind
    if plan.pending_stages:
        plan.notices.append(
            "Stages made by the import: "
            + ", ".join(
                f"{p.name} ({p.kind.value}{', archived' if p.archived else ''})" for p in plan.pending_stages
            )
            + "."
        )
    if plan.pending_reasons:
        plan.notices.append(
            "Loss reasons made by the import: " + ", ".join(p.label for p in plan.pending_reasons) + "."
        )

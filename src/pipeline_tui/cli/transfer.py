"""Moving deals in and out as CSV: import and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline_tui import operations as ops
from pipeline_tui.cli.context import Context, out
from pipeline_tui.cli.files import write_output
from pipeline_tui.errors import InputError
from pipeline_tui.money import format_totals
from pipeline_tui.store import Store

Register = Any


# ------------------------------------------------------------------ import


def cmd_import(ctx: Context) -> int:
    from pipeline_tui import importer

    a = ctx.args
    overrides: dict[str, str] = {}
    for item in a.map:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InputError(f"--map {item!r}: write it as 'Source stage=Board stage'.")
        overrides[source.strip()] = target.strip()
    day_first = a.day_first or ctx.settings.day_first
    if a.dry_run and not ctx.db_path.exists():
        # Plan against an empty pipeline in memory: a dry run creates no file.
        store = Store(Database(memory=True), clock=ctx.clock, currency=ctx.settings.currency)
    else:
        store = ctx.store
    plan = importer.plan_import(store, a.file, fmt=a.format, stage_overrides=overrides, day_first=day_first)
    out(f"{a.file.name}: {plan.format} export, {plan.total_rows:,} rows.")
    out("Stages (override with --map 'SOURCE=STAGE'):")
    for source, target in plan.stage_map.items():
        out(f"  {source!r:>24} -> {target:<14} ({plan.stage_rule[source]})")
    counts = plan.counts()
    for stage in store.stages():
        if counts.get(stage.name):
            out(f"  {stage.name:<28} {counts[stage.name]:>7,}")
    out(f"Total value: {format_totals(plan.totals(), base=ctx.settings.currency)}")
    if plan.skipped_existing:
        out(f"Already imported (skipped): {plan.skipped_existing:,}")
    if a.dry_run:
        out(f"Dry run: would import {len(plan.rows):,} deals; nothing was changed.")
        return 0
    done = ops.import_plan(store, plan, label=f"Imported {a.file.name} ({plan.format})", today=ctx.today)
    out(f"Imported {done.imported:,} deals.")
    if plan.missing_reasons:
        out(
            f"{plan.missing_reasons:,} lost deals have no loss reason; fill them in on the board "
            "(palette: 'Lost deals without a reason')."
        )
    return 0


# ------------------------------------------------------------------ export


def cmd_export(ctx: Context) -> int:
    from pipeline_tui.csv_io import export

    a = ctx.args
    store = ctx.store
    counted: list[int] = []

    def write(fh: Any) -> None:
        counted.append(export(store, a.what, fh))

    def what() -> str:
        count = counted[0] if counted else 0
        return f"{count:,} {a.what if count != 1 else a.what[:-1]}"

    write_output(ctx, a.output, write, what=what, bom=a.excel)
    return 0


def register(command: Register) -> None:
    from pipeline_tui.importer import FORMATS

    p = command("import", cmd_import, "import deals from a CRM's CSV export (one transaction)")
    p.add_argument("file", type=Path)
    p.add_argument("--format", default="auto", choices=FORMATS, help="where the file comes from")
    p.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="'SOURCE=STAGE'",
        help="put deals in the file's stage SOURCE into the board's STAGE (repeatable)",
    )
    p.add_argument("--day-first", action="store_true", help="dates in the file are day/month/year")

    p = command("export", cmd_export, "export notes or deals as CSV")
    p.add_argument("what", choices=("notes", "deals"))
    p.add_argument("-o", "--output", metavar="FILE", help="file to write (default or -: standard output)")
    p.add_argument("--excel", action="store_true", help="add a byte-order mark for Excel")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

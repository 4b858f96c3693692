"""Moving deals in and out as CSV: import and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline_tui import operations as ops
from pipeline_tui.cli.context import Context, info, out, out_json
from pipeline_tui.cli.files import write_output
from pipeline_tui.display import unmarked
from pipeline_tui.errors import InputError
from pipeline_tui.importer.summary import plan_lines
from pipeline_tui.money import convert, minor_to_decimal_str
from pipeline_tui.store import Store

Register = Any
NOTES_FOR = ("hubspot", "pipedrive", "salesforce")


def _pairs(items: list[str], option: str, shape: str, *, empty_left: bool = False) -> dict[str, str]:
    """'LEFT=RIGHT' items; with `empty_left`, LEFT may be empty (--map '=Lead': the rows whose
    stage is empty)."""
    pairs: dict[str, str] = {}
    for item in items:
        left, sep, right = item.rpartition("=") if empty_left else item.partition("=")
        if not sep or (not left.strip() and not empty_left) or not right.strip():
            raise InputError(f"{option} {item!r}: write it as '{shape}'.")
        pairs[left.strip()] = right.strip()
    return pairs


def _money(totals: dict[str, int]) -> dict[str, str]:
    return {code: minor_to_decimal_str(minor) for code, minor in sorted(totals.items())}


# ------------------------------------------------------------------ import


def cmd_import(ctx: Context) -> int:
    from pipeline_tui import importer

    a = ctx.args
    if a.skip is not None and a.skip < 0:
        raise InputError(
            f"--skip {a.skip}: say how many lines come before the header (e.g. --skip 3), or leave --skip "
            "out to have the header found."
        )
    # A value as a message showed it ('Proposal⟨ZWSP⟩') is the value itself.
    overrides = {
        unmarked(k): v for k, v in _pairs(a.map, "--map", "Source stage=Board stage", empty_left=True).items()
    }
    columns = _pairs(a.column, "--column", "FIELD=HEADER")
    if a.dry_run and not ctx.db_path.exists():
        # Plan against an empty pipeline in memory: a dry run creates no file.
        store = Store(Database(memory=True), clock=ctx.clock, currency=ctx.settings.currency)
    else:
        store = ctx.store
    order = True if a.day_first else False if a.month_first else None
    plan = importer.plan_import(
        store, a.file, fmt=a.format, stage_overrides=overrides, columns=columns, day_first=order,
        day_first_setting=ctx.settings.day_first, prefer_file=a.prefer == "file", encoding=a.encoding,
        skip=a.skip, missing=a.missing, new_stages=a.new_stages, recurring=a.recurring, source=a.source,
        sheet=a.sheet, decimal_comma=True if a.decimal_comma else False if a.decimal_point else None,
    )  # fmt: skip
    rates = ctx.settings.exchange_rates or None
    base = ctx.settings.currency
    done = None
    if not a.dry_run:
        done = ops.import_plan(store, plan, label=f"Imported {a.file.name} ({plan.format})")
    if a.json:
        out_json(_plan_json(plan, a.file, rates=rates, base=base, dry_run=a.dry_run))
        return 0
    out(*plan_lines(plan, a.file, rates=rates, base=base))
    if done is None:
        out(
            f"Dry run: would import {len(plan.rows):,} deal{'' if len(plan.rows) == 1 else 's'}, "
            f"update {plan.updated:,} "
            f"({plan.unchanged + plan.skipped_existing:,} unchanged, {len(plan.conflicts):,} conflicts); "
            "nothing was changed."
        )
        return 0
    deals = "deal" if done.imported == 1 else "deals"
    out(f"Imported {done.imported:,} {deals}." + (f" Updated {done.updated:,}." if done.updated else ""))
    if plan.missing_reasons:
        out(
            f"{plan.missing_reasons:,} lost {_deals(plan.missing_reasons)} no loss reason; fill "
            "them in on the board (palette: 'Lost deals without a reason'), or with pipeline-tui move "
            "N 'Closed Lost' --reason R."
        )
    return 0


def _plan_json(plan: Any, path: Path, *, rates: Any, base: str, dry_run: bool) -> dict[str, Any]:
    totals = plan.totals()
    data: dict[str, Any] = {
        "file": path.name,
        "format": plan.format,
        "rows": plan.total_rows,
        "footer_lines": len(plan.footer),
        "dry_run": dry_run,
        "new": len(plan.rows),
        "updated": plan.updated,
        "unchanged": plan.unchanged + plan.skipped_existing,
        "skipped_deleted": plan.skipped_deleted,
        "duplicates": plan.duplicates,
        "missing_reasons": plan.missing_reasons,
        "competitors_found": plan.competitors_found,
        "competitors_missing": plan.competitors_missing,
        "columns": {c.field: c.header for c in plan.columns} if plan.format != "pipeline-tui" else {},
        "stages": {s: {"stage": t, "rule": plan.stage_rule[s]} for s, t in plan.stage_map.items()},
        "per_stage": {
            name: {"count": count, "totals": _money(plan.stage_totals().get(name, {}))}
            for name, count in plan.counts().items()
        },
        # Money per currency, never one figure across currencies.
        "totals": _money(totals),
        "changes": [{"deal_id": i, "title": t, "changes": list(c)} for i, t, c in plan.changes],
        "conflicts": [
            {"deal_id": c.deal_id, "title": c.title, "field": c.field, "yours": c.yours, "file": c.theirs}
            for c in plan.conflicts
        ],
        "notices": list(plan.notices),
        "missing": {
            "action": plan.missing_action,
            "deals": [{"deal_id": i, "title": t} for i, t in plan.missing],
        },
        "undated_closed": plan.undated_closed,
        "remembered": sorted(plan.remember),
        # The decisions the dry run states (importer/summary.py says them as lines).
        "unread_columns": list(plan.unread),
        "assumed_currency": {"currency": plan.currency, "deals": plan.assumed_currency},
        "loss_reasons": [
            {"text": text, "rows": n, "reason": plan.loss_matched.get(text) or None}
            for text, n in plan.loss_texts.most_common()
        ],
        "created_made_up": {
            "today": plan.created_today,
            "at_close": plan.created_at_close,
            "moved_back": plan.created_clamped,
        },
        "conflict_rows": plan.conflict_rows,
        "ids_attached": [{"deal_id": i, "title": t, "id": sid} for i, t, sid in plan.attached],
    }
    converted = convert({k: v for k, v in totals.items() if v}, rates, base) if rates and totals else None
    if converted is not None:
        data["converted"] = {"currency": base, "value": minor_to_decimal_str(converted), "rates": True}
    return data


# ------------------------------------------------------------------ export


def cmd_export(ctx: Context) -> int:
    from pipeline_tui.csv_io import export, export_notes_for, export_xlsx

    a = ctx.args
    store = ctx.store
    counted: list[int] = []
    cut: list[int] = []
    left: list[Any] = []
    crm = getattr(a, "for_crm", None)
    if crm and a.what != "notes":
        raise InputError("--for writes notes for a CRM's import: use it with 'export notes'.")
    if a.xlsx and a.excel:
        raise InputError(
            "--excel marks a CSV for Excel; a workbook (--xlsx) needs no mark: give one of them."
        )

    def write(fh: Any) -> None:
        if a.xlsx:
            written, left_out = export_xlsx(store, a.what, fh, crm=crm)
            counted.append(written.rows)
            cut.append(written.cut)
            left.extend(left_out)
        elif crm:
            count, left_out = export_notes_for(store, crm, fh)
            counted.append(count)
            left.extend(left_out)
        else:
            counted.append(export(store, a.what, fh))

    def what() -> str:
        count = counted[0] if counted else 0
        return f"{count:,} {a.what if count != 1 else a.what[:-1]}"

    write_output(ctx, a.output, write, what=what, bom=a.excel, binary=a.xlsx)
    if cut and cut[0]:
        info(
            f"{cut[0]:,} text{'s' if cut[0] != 1 else ''} longer than a spreadsheet cell holds (32,767 "
            "characters) were cut in the workbook; the CSV export keeps them whole."
        )
    if left:
        notes = sum(item.notes for item in left)
        info(
            f"Left out {notes:,} note{'s' if notes != 1 else ''} of {len(left):,} "
            f"deal{'s' if len(left) != 1 else ''} that did not come from {crm} with a record id:"
        )
        for item in left:
            info(
                f"  #{item.deal_id} {item.title} ({item.source}; "
                f"{item.notes:,} note{'s' if item.notes != 1 else ''})"
            )
    return 0


def register(command: Register) -> None:
    from pipeline_tui.importer import FORMATS, USER_FIELDS

    p = command(
        "import",
        cmd_import,
        "import deals from a CRM's export, CSV or .xlsx (one transaction); a stage it cannot place, or a "
        "currency or outcome the file states two ways, stops it and says how to answer",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--format", default="auto", choices=FORMATS, help="where the file comes from")
    p.add_argument("--dry-run", action="store_true", help="show what would happen; change nothing")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="'SOURCE=STAGE'",
        help="put deals in the file's stage SOURCE into the board's STAGE, or =new to make SOURCE a stage; "
        "'=STAGE' for rows with no stage (repeatable; remembered for the next import from the same CRM)",
    )
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=HEADER",
        help=f"read FIELD from the column HEADER (repeatable); FIELD is one of {', '.join(USER_FIELDS)}",
    )
    order = p.add_mutually_exclusive_group()
    order.add_argument("--day-first", action="store_true", help="dates in the file are day/month/year")
    order.add_argument("--month-first", action="store_true", help="dates in the file are month/day/year")
    mark = p.add_mutually_exclusive_group()
    mark.add_argument(
        "--decimal-comma",
        action="store_true",
        help="amounts such as 1,250 have a comma before the decimals (1,250 = 1.25; 1.250 = 1250), "
        "when no amount in the file shows it",
    )
    mark.add_argument(
        "--decimal-point",
        action="store_true",
        help="amounts such as 1.250 have a point before the decimals (1.250 = 1.25; 1,250 = 1250), "
        "when no amount in the file shows it",
    )
    p.add_argument(
        "--prefer",
        choices=("seller", "file"),
        default="seller",
        help="when the CRM and you both changed a field since the last import: "
        "keep yours (default) or the file's",
    )
    p.add_argument("--json", action="store_true", help="print what the import did (or would do) as JSON")
    p.add_argument(
        "--encoding", metavar="NAME", help="the file's encoding when it is not UTF-8 (e.g. cp1252)"
    )
    p.add_argument("--skip", type=int, metavar="N", help="lines before the header (a report's title)")
    p.add_argument(
        "--sheet",
        metavar="NAME",
        help="the workbook's sheet that holds the deals (default: the first whose header is a known "
        "export's or has the columns --column names)",
    )
    p.add_argument(
        "--missing",
        choices=("keep", "archive"),
        default="keep",
        help="deals imported from this CRM before that the file no longer holds: keep them (default) or "
        "archive them (a full export)",
    )
    p.add_argument("--new-stages", action="store_true", help="let the import make more than 5 stages")
    p.add_argument(
        "--recurring", action="store_true", help="take recurring amounts (per month / year) as they are"
    )
    p.add_argument(
        "--source", metavar="CRM", help="whose records a file mapped with --column holds (e.g. hubspot)"
    )

    p = command(
        "export",
        cmd_export,
        "export notes or deals as CSV (for scripts, another tool, or our own import), or as a workbook "
        "(--xlsx) to open in a spreadsheet",
    )
    p.add_argument("what", choices=("notes", "deals"))
    p.add_argument("-o", "--output", metavar="FILE", help="file to write (default or -: standard output)")
    p.add_argument(
        "--excel",
        action="store_true",
        help="add a byte-order mark, so Excel reads the CSV as UTF-8 (cells a spreadsheet would run as "
        "formulas carry an apostrophe in every CSV)",
    )
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="write an .xlsx workbook (with -o FILE) instead of CSV: text stays text (record ids keep "
        "their leading zeros, long numbers their digits), numbers and dates stay numbers and dates, and "
        "no cell is ever a formula. Use it to open the file in a spreadsheet, and to look over a --for "
        "file before you save it as CSV for the CRM; use CSV for scripts and for importing back here",
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument(
        "--for",
        dest="for_crm",
        choices=NOTES_FOR,
        help="notes in the columns that CRM's own import of notes / activities expects, every text exactly "
        "as written (no formula guard: the file is for the CRM, not for a spreadsheet; use --xlsx to look "
        "at it in one)",
    )


def _deals(count: int) -> str:
    return "deal has" if count == 1 else "deals have"

"""The command line. Opens the store and hands it on; imports the TUI only to open the board."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline_tui import __version__, cli_shape, paths, rules
from pipeline_tui.config import load_settings
from pipeline_tui.dates import parse_date, parse_optional_date
from pipeline_tui.errors import DatabaseFileError, InputError, PipelineError
from pipeline_tui.importer import FORMATS
from pipeline_tui.models import Deal, LossInput, StageKind
from pipeline_tui.money import format_money, minor_to_decimal_str, parse_amount
from pipeline_tui.store import Store, system_clock, ts

PROG = "pipeline-tui"


class Context:
    """What every command needs: settings, today, and the store (opened on first use)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings, warning = load_settings(paths.config_path())
        self.settings_warning = warning
        if warning:
            print(f"{PROG}: warning: {warning}", file=sys.stderr)
        self.today: date = (
            parse_date(args.today, date.today(), day_first=self.settings.day_first)
            if getattr(args, "today", None)
            else date.today()
        )
        self._store: Store | None = None

    @property
    def db_path(self) -> Path:
        return paths.db_path(getattr(self.args, "db", None))

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(
                self.db_path,
                clock=self.clock,
                currency=self.settings.currency,
                readonly=bool(getattr(self.args, "read_only", False)),
            )
        return self._store

    def clock(self) -> datetime:
        """Now, on the --today date when one is given, so what a command writes is stamped
        on the day it acts as (a deal added with --today is not already days idle)."""
        now = system_clock()
        if getattr(self.args, "today", None):
            return datetime.combine(self.today, now.time())
        return now

    def date(self, text: str | None) -> date | None:
        return parse_optional_date(text, self.today, day_first=self.settings.day_first)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


# ------------------------------------------------------------------ output


def deal_json(store: Store, deal: Deal, today: date) -> dict[str, Any]:
    stage = store.stage(deal.stage_id)
    reason = store.reason(deal.loss_reason_id).label if deal.loss_reason_id else None
    out: dict[str, Any] = {
        "id": deal.id,
        "title": deal.title,
        "company": deal.company,
        "contact": deal.contact,
        "stage": stage.name,
        "status": stage.kind.value,
        "value": float(minor_to_decimal_str(deal.value)),
        "value_minor": deal.value,
        "currency": deal.currency,
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else None,
        "next_step": deal.next_step,
        "next_step_due": deal.next_step_due.isoformat() if deal.next_step_due else None,
        "created_at": ts(deal.created_at),
        "stage_entered_at": ts(deal.stage_entered_at),
        "last_activity_at": ts(deal.last_activity_at),
        "closed_at": ts(deal.closed_at) if deal.closed_at else None,
        "days_in_stage": rules.days_in_stage(deal, today),
        "stale": rules.stale_reason(deal, stage, today),
    }
    if stage.kind is StageKind.LOST:
        out.update(
            {
                "loss_reason": reason,
                "competitor": deal.competitor or None,
                "loss_note": deal.loss_note or None,
                "lost_at_stage": store.stage(deal.lost_at_stage_id).name if deal.lost_at_stage_id else None,
                "revisit_on": deal.revisit_on.isoformat() if deal.revisit_on else None,
                "revisit_state": deal.revisit_state.value if deal.revisit_state else None,
            }
        )
    return out


def deal_line(store: Store, deal: Deal, today: date) -> str:
    stage = store.stage(deal.stage_id)
    parts = [
        f"#{deal.id:<5}",
        f"{stage.name:<12.12}",
        f"{format_money(deal.value, deal.currency):>12}",
        deal.title + (f" — {deal.company}" if deal.company else ""),
    ]
    stale = rules.stale_reason(deal, stage, today)
    if stale:
        parts.append(f"[stale: {stale}]")
    if deal.loss_reason_id:
        loss = store.reason(deal.loss_reason_id).label
        if deal.competitor:
            loss += f" ({deal.competitor})"
        parts.append(f"[lost: {loss}]")
    return "  ".join(parts)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# ---------------------------------------------------------------- commands


def cmd_summary(ctx: Context) -> int:
    store = ctx.store
    print(f"{ctx.db_path}")
    for summary in store.summaries(today=ctx.today, closed_days=ctx.settings.closed_days):
        label = summary.stage.name + (
            f" (last {ctx.settings.closed_days} days)" if summary.stage.is_endpoint else ""
        )
        print(f"  {label:<28} {summary.count:>6}  {format_money(summary.total, ctx.settings.currency):>14}")
    due, upcoming = store.revisits(ctx.today, ctx.settings.revisit_horizon_days)
    print(f"  stale: {store.stale_count(ctx.today)}   revisits due: {len(due)}   upcoming: {len(upcoming)}")
    return 0


def cmd_board(ctx: Context) -> int:
    store = ctx.store
    try:
        from pipeline_tui.app import PipelineApp
    except ImportError as exc:  # the CLI still works without Textual installed
        print(f"{PROG}: cannot open the board ({exc}); showing a summary.", file=sys.stderr)
        return cmd_summary(ctx)
    PipelineApp(
        store, settings=ctx.settings, today=ctx.today if getattr(ctx.args, "today", None) else None
    ).run()
    return 0


def cmd_add(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    value, currency = parse_amount(a.value) if a.value else (0, None)
    stage = store.find_stage(a.stage) if a.stage else None
    if stage is not None and stage.kind is StageKind.LOST:
        raise InputError("A new deal cannot start in a lost stage; add it, then `move` it with --reason.")
    deal = store.add(
        a.title,
        company=a.company or "",
        contact=a.contact or "",
        value=value,
        currency=currency,
        stage_id=stage.id if stage else None,
        expected_close=ctx.date(a.close),
        next_step=a.next_step or "",
        next_step_due=ctx.date(a.due),
    )
    if a.json:
        print_json(deal_json(store, deal, ctx.today))
    else:
        print(f"Added #{deal.id} {deal.title} to {store.stage(deal.stage_id).name}.")
    return 0


def cmd_list(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    if a.stale:
        deals = [s.deal for s in store.stale(ctx.today)]
        if a.stage:
            stage = store.find_stage(a.stage)
            deals = [d for d in deals if d.stage_id == stage.id]
    elif a.stage:
        deals = list(store.deals(stage_id=store.find_stage(a.stage).id))
    else:
        deals = list(store.deals())
    if a.json:
        print_json([deal_json(store, d, ctx.today) for d in deals])
        return 0
    for deal in deals:
        print(deal_line(store, deal, ctx.today))
    if not deals:
        print("No deals." if not a.stale else "Nothing is stale.")
    return 0


def cmd_move(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    deal = store.find(a.deal)
    stage = store.find_stage(a.stage)
    if stage.kind is StageKind.LOST:
        if not a.reason:
            labels = "; ".join(r.label for r in store.reasons())
            raise InputError(f"Moving to {stage.name} needs --reason, one of: {labels}.")
        reason = store.find_reason(a.reason)
        loss = LossInput(reason.id, a.competitor or "", a.note or "", ctx.date(a.revisit))
        deal = store.move(deal.id, stage.id, loss)
    else:
        extras = [f for f in ("reason", "competitor", "revisit") if getattr(a, f)]
        if extras:
            raise InputError(f"--{extras[0]} only applies when moving to a lost stage.")
        deal = store.move(deal.id, stage.id, note=a.note or "")
    if a.json:
        print_json(deal_json(store, deal, ctx.today))
    else:
        print(f"Moved #{deal.id} {deal.title} to {stage.name}.")
    return 0


def cmd_note(ctx: Context) -> int:
    store = ctx.store
    deal = store.find(ctx.args.deal)
    store.add_note(deal.id, ctx.args.text)
    print(f"Noted on #{deal.id} {deal.title}.")
    return 0


def cmd_revisits(ctx: Context) -> int:
    store = ctx.store
    if ctx.args.ics:
        from pipeline_tui import ics

        if ctx.args.output and ctx.args.output != "-":
            count = ics.write_calendar(store, ctx.args.output)
            print(f"Wrote {count} revisits to {ctx.args.output}.", file=sys.stderr)
        else:
            sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
            sys.stdout.write(ics.revisits_calendar(store))
        return 0
    if ctx.args.output:
        raise InputError("-o goes with --ics (the calendar file).")
    due, upcoming = store.revisits(ctx.today, ctx.settings.revisit_horizon_days)
    if ctx.args.json:
        print_json(
            {
                "today": ctx.today.isoformat(),
                "due": [deal_json(store, d, ctx.today) for d in due],
                "upcoming": [deal_json(store, d, ctx.today) for d in upcoming],
            }
        )
        return 0
    for title, group in (("Due", due), (f"Upcoming ({ctx.settings.revisit_horizon_days} days)", upcoming)):
        print(f"{title}: {len(group)}")
        for deal in group:
            reason = store.reason(deal.loss_reason_id).label if deal.loss_reason_id else "no reason"
            assert deal.revisit_on is not None
            print(f"  {deal.revisit_on}  #{deal.id} {deal.title} — {deal.company}  ({reason})")
            if deal.loss_note:
                print(f"              {deal.loss_note}")
    return 0


def cmd_export(ctx: Context) -> int:
    from pipeline_tui.csv_io import BOM, export, export_to_path

    a = ctx.args
    if a.output and a.output != "-":
        count = export_to_path(ctx.store, a.what, a.output, excel=a.excel)
        print(f"Wrote {count} {a.what if count != 1 else a.what[:-1]} to {a.output}.", file=sys.stderr)
    else:
        sys.stdout.reconfigure(newline="")  # type: ignore[union-attr]
        if a.excel:
            sys.stdout.write(BOM)
        export(ctx.store, a.what, sys.stdout)
    return 0


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
    print(f"{a.file.name}: {plan.format} export, {plan.total_rows:,} rows.")
    print("Stages (override with --map 'SOURCE=STAGE'):")
    for source, target in plan.stage_map.items():
        print(f"  {source!r:>24} -> {target:<14} ({plan.stage_rule[source]})")
    counts = plan.counts()
    for stage in store.stages():
        if counts.get(stage.name):
            print(f"  {stage.name:<28} {counts[stage.name]:>7,}")
    print(f"Total value: {format_money(plan.total_value, ctx.settings.currency)}")
    if plan.skipped_existing:
        print(f"Already imported (skipped): {plan.skipped_existing:,}")
    if a.dry_run:
        print(f"Dry run: would import {len(plan.rows):,} deals; nothing was changed.")
        return 0
    store.import_rows(plan.rows, source_label=f"Imported from {a.file.name} ({plan.format})")
    print(f"Imported {len(plan.rows):,} deals.")
    if plan.missing_reasons:
        print(
            f"{plan.missing_reasons:,} lost deals have no loss reason; fill them in on the board "
            "(palette: 'Lost deals without a reason')."
        )
    return 0


def cmd_report(ctx: Context) -> int:
    from pipeline_tui.report import custom_period, period, render_text

    a = ctx.args
    if a.since or a.until:
        chosen = custom_period(
            parse_optional_date(a.since, ctx.today, day_first=ctx.settings.day_first, past=True),
            parse_optional_date(a.until, ctx.today, day_first=ctx.settings.day_first, past=True),
        )
    else:
        chosen = period(a.period, ctx.today)
    report = ctx.store.report(chosen, today=ctx.today, horizon_days=ctx.settings.revisit_horizon_days)
    if a.json:
        print_json(report.to_json())
    else:
        print(render_text(report))
    return 0


def cmd_path(ctx: Context) -> int:
    print(ctx.db_path)
    return 0


def cmd_demo(ctx: Context) -> int:
    from pipeline_tui.demo import seed_demo

    a = ctx.args
    if a.db:
        path = Path(a.db).expanduser()
        if path.exists() and path.stat().st_size > 0:
            raise DatabaseFileError(
                f"{path} already exists; the demo only writes to a new file (or omit --db)."
            )
    else:
        path = Path(tempfile.mkdtemp(prefix="pipeline-tui-demo-")) / "demo.db"
    store = Store.open(path, clock=ctx.clock, currency=ctx.settings.currency)
    ctx._store = store
    count = seed_demo(store, ctx.today, seed=a.seed)
    print(f"Demo pipeline with {count} deals: {path}", file=sys.stderr)
    if a.no_open:
        return 0
    ctx.args.db = str(path)
    return cmd_board(ctx)


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=f"database file (default: ${paths.DB_ENV}, else the platform data folder)",
    )
    common.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS,
        help="open the pipeline without changing anything",
    )
    common.add_argument(
        "--today",
        metavar="DATE",
        default=argparse.SUPPRESS,
        help="act as if today were DATE (for demos, screenshots and scripts)",
    )

    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[common],
        description="Keep your own sales pipeline honest. With no command, opens the board.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Callable[[Context], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    p = command("add", cmd_add, "add a deal")
    p.add_argument("title")
    p.add_argument("--company")
    p.add_argument("--contact")
    p.add_argument("--value", help="e.g. 12000, 12k, $12,000.50, €3 500")
    p.add_argument("--stage", help="stage name (default: the first open stage)")
    p.add_argument("--close", metavar="DATE", help="expected close date")
    p.add_argument("--next-step", metavar="TEXT")
    p.add_argument("--due", metavar="DATE", help="when the next step is due")
    p.add_argument("--json", action="store_true", help="print the new deal as JSON")

    p = command("list", cmd_list, "list deals")
    p.add_argument("--stage", help="only this stage")
    p.add_argument("--stale", action="store_true", help="only stale deals, oldest first")
    p.add_argument("--json", action="store_true")

    p = command("move", cmd_move, "move a deal to a stage (to a lost stage only with --reason)")
    p.add_argument("deal", help="deal id or a title that matches one deal")
    p.add_argument("stage")
    p.add_argument("--reason", help="loss reason: its label or a unique prefix, any case")
    p.add_argument("--competitor", help="who won, when the reason is a competitor")
    p.add_argument("--note", help="follow-up note")
    p.add_argument("--revisit", metavar="DATE", help="when to look at this deal again")
    p.add_argument("--json", action="store_true")

    p = command("note", cmd_note, "add a note to a deal's timeline")
    p.add_argument("deal")
    p.add_argument("text")

    p = command("revisits", cmd_revisits, "lost deals due for a revisit, and upcoming ones")
    p.add_argument("--json", action="store_true")
    p.add_argument("--ics", action="store_true", help="write every pending revisit as an iCalendar file")
    p.add_argument("-o", "--output", metavar="FILE", help="with --ics: the file (default: standard output)")

    p = command("report", cmd_report, "win-loss report: loss reasons, stages, competitors, win rate")
    p.add_argument("--since", metavar="DATE", help="deals closed on or after DATE")
    p.add_argument("--until", metavar="DATE", help="deals closed on or before DATE")
    p.add_argument(
        "--period", default="this-quarter", choices=("this-quarter", "last-90-days", "this-year", "all")
    )
    p.add_argument("--json", action="store_true")

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
    p.add_argument("-o", "--output", metavar="FILE", help="file to write (default: standard output)")
    p.add_argument("--excel", action="store_true", help="add a byte-order mark for Excel")

    command("path", cmd_path, "print where the database lives")
    cli_shape.register(command)

    p = command("demo", cmd_demo, "open a throw-away demo pipeline (never your own database)")
    p.add_argument("--no-open", action="store_true", help="create it and print its path only")
    p.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[Context], int] = getattr(args, "handler", cmd_board)
    if handler is cmd_demo:
        args.db = getattr(args, "db", None)  # the demo ignores $PIPELINE_TUI_DB on purpose
    ctx: Context | None = None
    try:
        ctx = Context(args)
        return handler(ctx)
    except PipelineError as exc:
        # One line, whatever the message quotes (a file name may hold a line break).
        message = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        print(f"{PROG}: error: the database could not be used ({exc}); nothing was changed.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `pipeline-tui list | head`
        sys.stderr.close()
        return 0
    except OSError as exc:
        print(
            f"{PROG}: error: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if ctx is not None:
            ctx.close()

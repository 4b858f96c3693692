"""The win-loss report from the command line: text, JSON, or the tables as CSV or Markdown."""

from __future__ import annotations

from typing import Any

from pipeline_tui.cli.context import Context, out, out_json
from pipeline_tui.cli.files import write_output
from pipeline_tui.errors import InputError

Register = Any


def cmd_report(ctx: Context) -> int:
    from pipeline_tui.report import custom_period, period
    from pipeline_tui.report_render import render_csv, render_markdown, render_text, report_json

    a = ctx.args
    if a.output and not (a.csv or a.markdown or a.xlsx):
        raise InputError("-o writes the tables of --csv, --markdown or --xlsx to a file; add one of them.")
    if a.excel and not a.csv:
        raise InputError(
            "--excel marks the CSV for Excel: use it with --csv (a workbook, --xlsx, needs no mark)."
        )
    if a.since or a.until:
        chosen = custom_period(ctx.date(a.since, past=True), ctx.date(a.until, past=True))
    else:
        chosen = period(a.period, ctx.today)
    settings = ctx.settings
    # --json always carries the trend; the other forms show it when asked (--trend or --by).
    with_trend = a.json or a.trend or a.by is not None
    report = ctx.store.reports.report(
        chosen,
        today=ctx.today,
        horizon_days=settings.revisit_horizon_days,
        rates=settings.exchange_rates,
        quota=settings.quota,
        quota_period=settings.quota_period,
        trend=(a.by or "quarter") if with_trend else None,
    )
    if a.json:
        out_json(report_json(report))
    elif a.xlsx:
        from pipeline_tui.report_render.as_xlsx import write_report_xlsx

        write_output(
            ctx, a.output, lambda fh: write_report_xlsx(report, fh), what="the report's tables", binary=True
        )
    elif a.csv or a.markdown:
        text = render_csv(report) if a.csv else render_markdown(report)
        write_output(ctx, a.output, text, what="the report's tables", bom=a.excel)
    else:
        out(*render_text(report).split("\n"))
    return 0


def register(command: Register) -> None:
    p = command(
        "report",
        cmd_report,
        "win-loss report: won, lost and no decision; reasons, stages, competitors; quota and trend",
    )
    p.add_argument("--since", metavar="DATE", help="deals closed on or after DATE")
    p.add_argument("--until", metavar="DATE", help="deals closed on or before DATE")
    p.add_argument(
        "--period", default="this-quarter", choices=("this-quarter", "last-90-days", "this-year", "all")
    )
    p.add_argument("--trend", action="store_true", help="add the last 8 quarters (or months with --by month)")
    p.add_argument("--by", choices=("quarter", "month"), help="the trend's periods (implies --trend)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="every figure, per currency, for scripts")
    form.add_argument("--csv", action="store_true", help="the report's tables as CSV (for a spreadsheet)")
    form.add_argument("--markdown", action="store_true", help="the report's tables as Markdown")
    form.add_argument(
        "--xlsx",
        action="store_true",
        help="the report's tables as an .xlsx workbook (with -o FILE), one sheet per table: amounts and "
        "shares are numbers, labels stay text",
    )
    p.add_argument("--excel", action="store_true", help="with --csv: add a byte-order mark for Excel")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="with --csv, --markdown or --xlsx: file to write (-: stdout)"
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")

"""The win-loss report from the command line."""

from __future__ import annotations

from typing import Any

from pipeline_tui.cli.context import Context, out, out_json

Register = Any


def cmd_report(ctx: Context) -> int:
    from pipeline_tui.report import custom_period, period, render_text

    a = ctx.args
    if a.since or a.until:
        chosen = custom_period(ctx.date(a.since, past=True), ctx.date(a.until, past=True))
    else:
        chosen = period(a.period, ctx.today)
    report = ctx.store.report(chosen, today=ctx.today, horizon_days=ctx.settings.revisit_horizon_days)
    if a.json:
        out_json(report.to_json())
    else:
        out(*render_text(report).split("\n"))
    return 0


def register(command: Register) -> None:
    p = command("report", cmd_report, "win-loss report: loss reasons, stages, competitors, win rate")
    p.add_argument("--since", metavar="DATE", help="deals closed on or after DATE")
    p.add_argument("--until", metavar="DATE", help="deals closed on or before DATE")
    p.add_argument(
        "--period", default="this-quarter", choices=("this-quarter", "last-90-days", "this-year", "all")
    )
    p.add_argument("--json", action="store_true")

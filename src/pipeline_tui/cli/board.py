"""Opening the board (the only command that imports Textual), or a summary without it."""

from __future__ import annotations

from pipeline_tui.cli.context import Context, info, out
from pipeline_tui.money import format_totals
from pipeline_tui.stopping import Stopped, stopped


def cmd_summary(ctx: Context) -> int:
    store = ctx.store
    out(str(ctx.db_path))
    for summary in store.board.summaries(today=ctx.today, closed_days=ctx.settings.closed_days):
        label = summary.stage.name + (
            f" (last {ctx.settings.closed_days} days)" if summary.stage.is_endpoint else ""
        )
        total = format_totals(dict(summary.totals), base=ctx.settings.currency)
        out(f"  {label:<28} {summary.count:>6}  {total:>14}")
    due, upcoming = store.review.revisit_counts(ctx.today, ctx.settings.revisit_horizon_days)
    out(f"  stale: {store.review.stale_count(ctx.today)}   revisits due: {due}   upcoming: {upcoming}")
    return 0


def cmd_board(ctx: Context, *, start: str | None = None) -> int:
    """Open the board (`start`: a screen to open on it at once, e.g. "review")."""
    store = ctx.store
    try:
        from pipeline_tui.app import PipelineApp
    except ImportError as exc:  # the CLI still works without Textual installed
        info(f"pipeline-tui: cannot open the board ({exc}); showing a summary.")
        return cmd_summary(ctx)
    app = PipelineApp(
        store,
        settings=ctx.settings,
        today=ctx.today if getattr(ctx.args, "today", None) else None,
        settings_warning=ctx.settings_warning,
        config_path=ctx.config_path,
        start=start,
    )
    app.run()
    if app.fatal_message:
        raise app.fatal_error()
    if app.stopped_by is not None:
        return stopped(Stopped(app.stopped_by))
    return app.return_code or 0

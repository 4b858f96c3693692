"""The daily review from the shell: `review` opens the board straight into it; `review --json`
prints today's queue for scripts."""

from __future__ import annotations

from typing import Any

from pipeline_tui.cli.board import cmd_board
from pipeline_tui.cli.context import Context, out_json

Register = Any


def cmd_review(ctx: Context) -> int:
    if not ctx.args.json:
        return cmd_board(ctx, start="review")
    from pipeline_tui.review import build_queue, item_dicts

    queue = build_queue(ctx.store, ctx.today)
    out_json(
        {
            "today": ctx.today.isoformat(),
            "count": len(queue),
            "kinds": {kind.value: n for kind, n in queue.counts().items()},
            "items": item_dicts(ctx.store, queue),
        }
    )
    return 0


def register(command: Register) -> None:
    p = command(
        "review",
        cmd_review,
        "the daily review: everything that needs you today, one deal at a time (opens the board)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print today's queue instead (each item: deal id, title, company, kind, why)",
    )

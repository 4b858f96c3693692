"""The daily review from the shell: `review` opens the board straight into it; `review --json`
prints today's queue for scripts, and what waits as later."""

from __future__ import annotations

from typing import Any

from pipeline_tui.cli.board import cmd_board
from pipeline_tui.cli.context import Context, out_json

Register = Any


def cmd_review(ctx: Context) -> int:
    if not ctx.args.json:
        if ctx.args.all:
            from pipeline_tui.errors import InputError

            raise InputError("--all goes with --json (it lists the later items too).")
        return cmd_board(ctx, start="review")
    from pipeline_tui.review import build_queue, item_dicts, policy

    rules = policy(ctx.store, ctx.settings)
    queue = build_queue(ctx.store, ctx.today, rules, every=ctx.args.all)
    later: dict[str, Any] = {"count": queue.later}
    if ctx.args.all:
        later["items"] = item_dicts(ctx.store, queue.later_ids, queue.later_kinds, ctx.today)
    out_json(
        {
            "today": ctx.today.isoformat(),
            "size": rules.size,
            "seen_today": queue.seen,
            "count": len(queue),
            "kinds": {kind.value: n for kind, n in queue.counts().items()},
            "items": item_dicts(ctx.store, queue.ids, queue.kinds, ctx.today),
            "later": later,
        }
    )
    return 0


def register(command: Register) -> None:
    p = command(
        "review",
        cmd_review,
        "the daily review: what needs you today, one sitting long, one deal at a time (opens the board)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print today's queue instead (each item: deal id, title, company, kind, why), "
        "and how many wait as later",
    )
    p.add_argument("--all", action="store_true", help="with --json: list the later items too")

"""Outside the board: `today`, a short agenda for a shell start-up file, cron or a desktop
notification; `calendar`, one .ics of next steps and pending revisits (stable UIDs: importing
it again updates the calendar, and what is done leaves it)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from pipeline_tui.cli.context import Context, info, out, out_json, warn
from pipeline_tui.display import safe

Register = Any


def cmd_today(ctx: Context) -> int:
    from pipeline_tui.agenda import SHOWN, agenda, as_dict, headline, lines
    from pipeline_tui.review import policy

    store = ctx.store
    found = agenda(store, ctx.today, policy(store, ctx.settings))
    if ctx.args.json:
        out_json(as_dict(store, found))
        return 0
    text = lines(store, found, shown=None if ctx.args.all else SHOWN)
    if ctx.args.notify:
        from pipeline_tui.cli.notify import send

        body = "\n".join(" ".join(safe(line).split()) for line in text[1:8])
        why = send(safe(headline(found)), body or "Nothing due today.")
        if why is None:
            return 0
        warn(f"no desktop notification: {why}; here is the agenda instead.")
    out(*text)
    return 0


def cmd_calendar(ctx: Context) -> int:
    from pipeline_tui.cli.files import write_output
    from pipeline_tui.ics import pipeline_calendar

    store = ctx.store
    written = pipeline_calendar(
        store, today=ctx.today, stamp=store.conn.clock(), previous=_previous(ctx.args.output)
    )
    write_output(ctx, ctx.args.output, written.text, what=written.said())
    if not ctx.args.output:
        info(f"Wrote {written.said()}.")
    return 0


def _previous(output: str | None) -> str:
    """The calendar as last written to `output` (what is done since comes out cancelled)."""
    if not output or output == "-":
        return ""
    path = Path(output).expanduser()
    try:
        if path.is_symlink() or not stat.S_ISREG(path.stat().st_mode):
            return ""
        with path.open(encoding="utf-8", errors="replace") as fh:
            return fh.read(50_000_000)
    except OSError:
        return ""


def register(command: Register) -> None:
    p = command(
        "today",
        cmd_today,
        "today's agenda: the review, next steps due and overdue, revisits due (for a shell or cron)",
    )
    p.add_argument("--json", action="store_true", help="print it as JSON")
    p.add_argument("--notify", action="store_true", help="show it as a desktop notification (else print it)")
    p.add_argument("--all", action="store_true", help="list every deal (not the first 10 of each part)")

    p = command(
        "calendar",
        cmd_calendar,
        "one calendar (.ics) of next steps with due dates and pending revisits, to import or subscribe to",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="the .ics file (default: standard output)")
    p.add_argument("--force", action="store_true", help="replace FILE (the usual case: it updates it)")

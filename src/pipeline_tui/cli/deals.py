"""Commands on deals: add, list, show, edit, move, note, snooze, close-out, archive,
unarchive, undo and revisits. Each is a thin caller of one operation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pipeline_tui import operations as ops
from pipeline_tui import rules
from pipeline_tui.cli.context import Context, out, out_block, out_json, warn
from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_YEAR, MIN_YEAR
from pipeline_tui.models import Deal, DealDraft, LossInput, StageKind, WinInput
from pipeline_tui.money import format_money, parse_amount
from pipeline_tui.serialize import deal_dict, describe_event, event_dict
from pipeline_tui.slips import NO_SLIP, Slip, is_slipping, push_lines, slip_text
from pipeline_tui.store import Store

Register = Any  # the `command(name, handler, help)` function of cli.build_parser


def deal_line(store: Store, deal: Deal, today: date, slip: Slip = NO_SLIP, slip_limit: int = 2) -> str:
    stage = store.shape.stage(deal.stage_id)
    parts = [
        f"#{deal.id:<5}",
        f"{stage.name:<12.12}",
        f"{format_money(deal.value, deal.currency):>12}",
        deal.title + (f" — {deal.company}" if deal.company else ""),
    ]
    late = rules.step_overdue_days(deal, stage, today)
    if late is not None:
        parts.append(f"[overdue {late}d: {deal.next_step}]")
    stale = rules.stale_reason(deal, stage, today)
    if stale:
        parts.append(f"[stale: {stale}]")
    if is_slipping(deal, stage, slip, slip_limit):
        parts.append(f"[{slip_text(slip, today)}]")
    if stage.kind is StageKind.WON and deal.won_reason_id:
        parts.append(f"[won: {ops.won_label(store, deal)}]")
    if stage.kind is StageKind.LOST:
        parts.append(f"[lost: {ops.loss_label(store, deal)}]")
    if deal.archived:
        parts.append("[archived]")
    return "  ".join(parts)


def _say(ctx: Context, deal: Deal | None, message: str) -> None:
    if getattr(ctx.args, "json", False) and deal is not None:
        out_json(deal_dict(ctx.store, deal, ctx.today))
    else:
        out(message)


# ------------------------------------------------------------------ commands


def cmd_add(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    value, currency = parse_amount(a.value) if a.value else (0, None)
    stage = store.shape.find_stage(a.stage) if a.stage else None
    if stage is not None and stage.kind is StageKind.LOST:
        raise InputError("A new deal cannot start in a lost stage; add it, then `move` it with --reason.")
    draft = DealDraft(
        title=a.title,
        company=a.company or "",
        contact=a.contact or "",
        value=value,
        currency=currency,
        expected_close=ctx.date(a.close),
        next_step=a.next_step or "",
        next_step_due=ctx.date(a.due),
    )
    done = ops.add(store, draft, stage_id=stage.id if stage else None)
    _say(ctx, done.deal, done.message)
    return 0


def cmd_list(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    if a.stale:
        deals = [s.deal for s in store.review.stale(ctx.today)]
        if a.stage:
            stage = store.shape.find_stage(a.stage)
            deals = [d for d in deals if d.stage_id == stage.id]
    else:
        stage_id = store.shape.find_stage_any(a.stage).id if a.stage else None
        deals = list(store.deals.all(stage_id=stage_id, archived=bool(a.archived)))
    limit = ctx.settings.slip_limit
    slips = store.history.slips() if len(deals) > 500 else store.history.slips([d.id for d in deals])
    if a.json:
        out_json([deal_dict(store, d, ctx.today, slip=slips.get(d.id), slip_limit=limit) for d in deals])
        return 0
    for deal in deals:
        out(deal_line(store, deal, ctx.today, slips.get(deal.id, NO_SLIP), limit))
    if not deals:
        out("Nothing is stale." if a.stale else ("No archived deals." if a.archived else "No deals."))
    return 0


def cmd_show(ctx: Context) -> int:
    store = ctx.store
    deal = store.deals.find(ctx.args.deal, archived=True)
    timeline = store.deals.timeline(deal.id)
    slip, limit = store.history.slip(deal.id), ctx.settings.slip_limit
    if ctx.args.json:
        shown = deal_dict(store, deal, ctx.today, slip=slip, slip_limit=limit)
        out_json({**shown, "timeline": [event_dict(store, e) for e in timeline]})
        return 0
    stage = store.shape.stage(deal.stage_id)
    out(f"#{deal.id} {deal.title}" + ("  [archived]" if deal.archived else ""))
    rows = [
        ("Stage", f"{stage.name} · {rules.days_in_stage(deal, ctx.today)} days"),
        ("Company", deal.company or "—"),
        ("Contact", deal.contact or "—"),
        ("Value", format_money(deal.value, deal.currency)),
        ("Close date", deal.expected_close.isoformat() if deal.expected_close else "—"),
        *(
            [(f"{'Won' if stage.kind is StageKind.WON else 'Lost'} on", f"{deal.closed_at:%Y-%m-%d}")]
            if deal.closed_at is not None and not stage.is_open
            else []
        ),
        (
            "Next step",
            (deal.next_step or "—") + (f" (due {deal.next_step_due})" if deal.next_step_due else ""),
        ),
    ]
    if (late := rules.step_overdue_days(deal, stage, ctx.today)) is not None:
        rows.append(("Overdue", f"the next step was due {late} day{'' if late == 1 else 's'} ago"))
    if stale := rules.stale_reason(deal, stage, ctx.today):
        rows.append(("Stale", stale))
    if stage.is_open and slip.count:
        pushed = "Slipping" if is_slipping(deal, stage, slip, limit) else "Pushed"
        rows.append((pushed, slip_text(slip, ctx.today) + ": " + "; ".join(push_lines(slip, ctx.today))))
    if stage.kind is StageKind.WON:
        rows.append(("Won", ops.won_label(store, deal)))
    if deal.snoozed_until and deal.snoozed_until > ctx.today:
        rows.append(("Snoozed", f"until {deal.snoozed_until}"))
    if stage.kind is StageKind.LOST:
        rows.append(("Lost", ops.loss_label(store, deal)))
        if deal.revisit_on:
            state = deal.revisit_state.value if deal.revisit_state else ""
            rows.append(("Revisit", f"{deal.revisit_on} ({state})"))
    for label, value in rows:
        out(f"  {label:>10}  {value}")
    if deal.loss_note:
        out(f"  {'Follow-up':>10}")
        out_block(deal.loss_note, indent=" " * 14)
    if deal.won_note:
        out(f"  {'Win note':>10}")
        out_block(deal.won_note, indent=" " * 14)
    out("", f"Timeline ({len(timeline)}), newest first:")
    for event in reversed(timeline):
        label, detail = describe_event(store, event)
        out(f"  {event.at:%Y-%m-%d %H:%M}  {label}" + (f" {detail}" if detail else ""))
        if event.text:
            out_block(event.text, indent=" " * 20)
    return 0


def cmd_edit(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    deal = store.deals.find(a.deal)
    changes: dict[str, Any] = {}
    for name in ("title", "company", "contact"):
        if getattr(a, name) is not None:
            changes[name] = getattr(a, name)
    if a.value is not None:
        value, currency = parse_amount(a.value)
        changes["value"] = value
        if currency:
            changes["currency"] = currency
    if a.close is not None:
        changes["expected_close"] = ctx.date(a.close)
    if a.next_step is not None:
        changes["next_step"] = a.next_step
    if a.due is not None:
        changes["next_step_due"] = ctx.date(a.due)
    if not changes:
        raise InputError(
            "Say what to change: --title, --company, --contact, --value, --close, --next-step, --due."
        )
    done = ops.edit(store, [deal.id], changes)
    _say(ctx, done.deal, done.message)
    return 0


def cmd_move(ctx: Context) -> int:
    a = ctx.args
    store = ctx.store
    deal = store.deals.find(a.deal)
    stage = store.shape.find_stage(a.stage)
    if stage.kind is StageKind.LOST:
        if not a.reason:
            labels = "; ".join(r.label for r in store.shape.reasons())
            raise InputError(f"Moving to {stage.name} needs --reason, one of: {labels}.")
        reason = store.shape.find_reason(a.reason)
        if reason.needs_competitor and not (a.competitor or "").strip():
            raise InputError(f"{reason.label!r} needs the competitor's name: add --competitor NAME.")
        if reason.needs_note and not (a.note or "").strip():
            raise InputError(f"{reason.label!r} needs a note saying what happened: add --note TEXT.")
        loss = LossInput(reason.id, a.competitor or "", a.note or "", ctx.date(a.revisit))
        was = store.shape.stage(deal.stage_id)
        if deal.stage_id == stage.id:  # lost already (an import): its reason, note and revisit
            done = ops.fill_loss(store, [deal.id], loss, today=ctx.today)
        else:
            done = ops.lose(store, [deal.id], loss, today=ctx.today, stage_id=stage.id)
            if was.kind is StageKind.WON:  # a win undone by a loss: said, never in passing
                _say(
                    ctx,
                    done.deal,
                    done.message.removesuffix(".") + f" (it was {was.name}; undo takes it back).",
                )
                return 0
    elif stage.kind is StageKind.WON:
        if a.revisit:
            raise InputError("--revisit only applies when moving to a lost stage.")
        win = _win(store, a)
        if deal.stage_id == stage.id and win is not None:
            done = ops.fill_win(store, [deal.id], win)  # a reason for a deal won already
        else:
            done = ops.win(store, [deal.id], win, stage_id=stage.id)
    else:
        extras = [f for f in ("reason", "competitor", "revisit") if getattr(a, f)]
        if extras:
            raise InputError(f"--{extras[0]} only applies when moving to a won or lost stage.")
        done = ops.move(store, [deal.id], stage.id, note=a.note or "")
    _say(ctx, done.deal, done.message)
    return 0


def _win(store: Store, a: Any) -> WinInput | None:
    """Why a deal was won, from --reason, --competitor and --note (None: none given)."""
    if not (a.reason or a.competitor or a.note):
        return None
    if not a.reason:
        labels = "; ".join(r.label for r in store.shape.won_reasons())
        if a.competitor:
            raise InputError(f"--competitor goes with a won --reason that asks for one: {labels}.")
        return WinInput(None, "", a.note or "")
    reason = store.shape.find_won_reason(a.reason)
    if a.competitor and not reason.needs_competitor:
        raise InputError(
            f"{reason.label!r} does not name a competitor; drop --competitor or choose one that does."
        )
    return WinInput(reason.id, a.competitor or "", a.note or "")


def cmd_note(ctx: Context) -> int:
    store = ctx.store
    deal = store.deals.find(ctx.args.deal)
    done = ops.note(store, [deal.id], ctx.args.text)
    out(done.message)
    return 0


def cmd_snooze(ctx: Context) -> int:
    store = ctx.store
    deal = store.deals.find(ctx.args.deal)
    until = ctx.date(ctx.args.date)
    if until is None:
        raise InputError("Give the date to snooze until, e.g. +2w, next mon or 2027-01-15.")
    done = ops.snooze(store, [deal.id], until, today=ctx.today)
    _say(ctx, done.deal, done.message)
    return 0


def cmd_close_out(ctx: Context) -> int:
    store = ctx.store
    done = ops.close_out(store, [store.deals.find(ctx.args.deal).id])
    _say(ctx, done.deal, done.message)
    return 0


def cmd_archive(ctx: Context) -> int:
    store = ctx.store
    done = ops.archive(store, [store.deals.find(ctx.args.deal).id])
    _say(ctx, done.deal, done.message)
    return 0


def cmd_unarchive(ctx: Context) -> int:
    store = ctx.store
    done = ops.unarchive(store, [store.deals.find(ctx.args.deal, archived=True).id])
    _say(ctx, done.deal, done.message)
    return 0


def cmd_undo(ctx: Context) -> int:
    done = ops.undo(ctx.store)
    if done.settings is not None:
        ctx.settings = done.settings
    out(done.message)
    return 0


def cmd_revisits(ctx: Context) -> int:
    store = ctx.store
    if ctx.args.ics:
        from pipeline_tui import ics
        from pipeline_tui.cli.files import write_output

        made = ics.revisits(store)
        count = made.events
        write_output(ctx, ctx.args.output, made.text, what=f"{count} revisit" + ("" if count == 1 else "s"))
        for deal in made.left_out:
            warn(
                f"Left out the revisit of #{deal.id} {deal.title}: its date is unreadable or outside "
                f"{MIN_YEAR}–{MAX_YEAR} (set it again with `pipeline-tui snooze {deal.id} DATE`)."
            )
        return 0
    if ctx.args.output:
        raise InputError("-o goes with --ics (the calendar file).")
    due, upcoming = store.review.revisits(ctx.today, ctx.settings.revisit_horizon_days)
    if ctx.args.json:
        out_json(
            {
                "today": ctx.today.isoformat(),
                "due": [deal_dict(store, d, ctx.today) for d in due],
                "upcoming": [deal_dict(store, d, ctx.today) for d in upcoming],
            }
        )
        return 0
    for title, group in (("Due", due), (f"Upcoming ({ctx.settings.revisit_horizon_days} days)", upcoming)):
        out(f"{title}: {len(group)}")
        for deal in group:
            assert deal.revisit_on is not None
            company = f" — {deal.company}" if deal.company else ""
            out(f"  {deal.revisit_on}  #{deal.id} {deal.title}{company}  ({ops.loss_label(store, deal)})")
            if deal.loss_note:
                out_block(deal.loss_note, indent=" " * 14)
    horizon = ctx.today + timedelta(days=ctx.settings.revisit_horizon_days)
    later = [
        d for d in store.review.pending_revisits() if d.revisit_on is not None and d.revisit_on > horizon
    ]
    if later:  # a revisit set months ahead is kept, not lost: said, with the first of them
        first = later[0]
        out(f"Later: {len(later)} (the first on {first.revisit_on}: #{first.id} {first.title})")
    return 0


# ------------------------------------------------------------------ parser


def register(command: Register) -> None:
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
    p.add_argument("--archived", action="store_true", help="only archived deals")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("show", cmd_show, "one deal with its whole timeline")
    p.add_argument("deal", help="deal id or a title that matches one deal")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("edit", cmd_edit, "change a deal's fields")
    p.add_argument("deal", help="deal id or a title that matches one deal")
    p.add_argument("--title")
    p.add_argument("--company")
    p.add_argument("--contact")
    p.add_argument("--value", help="e.g. 12000, 12k, €3 500")
    p.add_argument("--close", metavar="DATE", help="expected close date ('none' clears it)")
    p.add_argument("--next-step", metavar="TEXT")
    p.add_argument("--due", metavar="DATE", help="when the next step is due ('none' clears it)")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("move", cmd_move, "move a deal to a stage (to a lost stage only with --reason)")
    p.add_argument("deal", help="deal id or a title that matches one deal")
    p.add_argument("stage")
    p.add_argument(
        "--reason", help="why it was lost (required) or won (optional): a label or a unique prefix, any case"
    )
    p.add_argument("--competitor", help="who won (a loss), or who we beat (a win), when the reason asks")
    p.add_argument("--note", help="follow-up note (a loss), or a note on the win")
    p.add_argument("--revisit", metavar="DATE", help="when to look at this deal again")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("note", cmd_note, "add a note to a deal's timeline")
    p.add_argument("deal")
    p.add_argument("text")

    p = command("snooze", cmd_snooze, "quiet a stale deal until DATE, or move a lost deal's revisit to DATE")
    p.add_argument("deal")
    p.add_argument("date", metavar="DATE")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("close-out", cmd_close_out, "a lost deal has no more potential: no more revisits")
    p.add_argument("deal")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("archive", cmd_archive, "hide a junk or duplicate deal (history kept; unarchive undoes)")
    p.add_argument("deal")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command("unarchive", cmd_unarchive, "bring an archived deal back")
    p.add_argument("deal")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    command("undo", cmd_undo, "undo the last change (says what it undid)")

    p = command("revisits", cmd_revisits, "lost deals due for a revisit, and upcoming ones")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")
    p.add_argument("--ics", action="store_true", help="write every pending revisit as an iCalendar file")
    p.add_argument("-o", "--output", metavar="FILE", help="with --ics: the file (default: standard output)")
    p.add_argument("--force", action="store_true", help="with -o: replace an existing file")

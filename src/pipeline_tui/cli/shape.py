"""Commands that shape the pipeline (stages, loss reasons) and set preferences."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pipeline_tui import operations as ops
from pipeline_tui.cli.context import Context, out
from pipeline_tui.config import DESCRIPTIONS, show_setting
from pipeline_tui.dates import describe_stale_days, parse_stale_days
from pipeline_tui.errors import InputError
from pipeline_tui.models import Outcome, StageKind
from pipeline_tui.store import Store

Register = Any


def _step(text: str) -> int:
    words = {"up": -1, "left": -1, "down": 1, "right": 1, "first": -1000, "last": 1000}
    if text.lower() in words:
        return words[text.lower()]
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{text!r}: say up, down, first, last or a number of places (-2, 3).") from None


def _percent(text: str) -> int | None:
    value = text.strip().rstrip("%").strip().lower()
    if value in ("", "none", "off", "-"):
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{text!r}: give a whole percent from 0 to 100.") from None


def _outcome(text: str) -> Outcome:
    value = text.strip().lower().replace("_", "-")
    if value in ("no-decision", "nodecision", "no decision", "stalled"):
        return Outcome.NO_DECISION
    if value == "lost":
        return Outcome.LOST
    raise InputError(f"{text!r}: the kind is 'lost' (the buyer decided against us) or 'no-decision'.")


def _deals(count: int) -> str:
    return f"{count:,} deal" + ("" if count == 1 else "s")


# ------------------------------------------------------------------ stages


def stage_lines(store: Store, *, include_archived: bool) -> list[str]:
    lines = []
    for stage in store.shape.stages(include_archived=include_archived):
        stale = describe_stale_days(stage.stale_days, endpoint=stage.is_endpoint)
        prob = f"{stage.probability}%" if stage.is_open and stage.probability is not None else ""
        flag = "  (archived)" if stage.archived else ""
        lines.append(
            f"{stage.name:<20} {stage.kind.value:<5} {stale:<22} {prob:>4} "
            f"{_deals(store.shape.stage_deal_count(stage.id)):>12}{flag}"
        )
    return lines


def cmd_stages(ctx: Context) -> int:
    a, store = ctx.args, ctx.store
    action = a.action or "list"
    if action == "list":
        out(*stage_lines(store, include_archived=a.all))
        return 0
    if not a.name:
        raise InputError(f"`stages {action}` needs a stage name.")
    if action == "add":
        stage = ops.add_stage(
            store, a.name, kind=StageKind(a.kind), stale_days=parse_stale_days(a.value) if a.value else None
        ).stage
        out(f"Added stage {stage.name}.")
        return 0
    stage = store.shape.find_stage_any(a.name)
    if action == "rename":
        if not a.value:
            raise InputError("Give the new name: stages rename OLD NEW.")
        renamed = ops.update_stage(
            store, stage.id, f"Renamed stage {stage.name} to {a.value}", name=a.value
        ).stage
        out(f"Renamed {stage.name} to {renamed.name}; its deals and history follow.")
    elif action == "stale":
        if not a.value:
            raise InputError("Give a number of days or 'off': stages stale NAME 10.")
        days = parse_stale_days(a.value)
        changed = ops.update_stage(
            store, stage.id, f"{stage.name}: {describe_stale_days(days)}", stale_days=days
        ).stage
        out(f"{changed.name}: {describe_stale_days(changed.stale_days)}.")
    elif action == "prob":
        if a.value is None:
            raise InputError("Give a percent: stages prob NAME 40.")
        if not stage.is_open:
            raise InputError(f"{stage.name} is an endpoint; only open stages have a probability.")
        percent = _percent(a.value)
        changed = ops.update_stage(
            store, stage.id, f"{stage.name}: {percent}% probability", probability=percent
        ).stage
        shown = "no probability" if changed.probability is None else f"{changed.probability}% probability"
        out(f"{changed.name}: {shown} (weighted forecast).")
    elif action == "move":
        moved = ops.move_stage(store, stage.id, _step(a.value or "up")).stage
        out("Board order: " + " → ".join(s.name for s in store.shape.stages()) + f"  (moved {moved.name})")
    elif action == "archive":
        ops.update_stage(store, stage.id, f"Archived stage {stage.name}", archived=True)
        out(f"Archived {stage.name}; it is off the board (unarchive with `stages unarchive`).")
    elif action in ("unarchive", "restore"):
        ops.update_stage(store, stage.id, f"Unarchived stage {stage.name}", archived=False)
        out(f"{stage.name} is back on the board.")
    return 0


# ----------------------------------------------------------------- reasons


def reason_lines(store: Store, *, include_archived: bool) -> list[str]:
    lines = []
    for reason in store.shape.reasons(include_archived=include_archived):
        needs = [w for w, on in (("competitor", reason.needs_competitor), ("note", reason.needs_note)) if on]
        extra = f"  (asks for {' and '.join(needs)})" if needs else ""
        kind = "  [no decision]" if reason.outcome is Outcome.NO_DECISION else ""
        lines.append(f"{reason.label}{extra}{kind}" + ("  (archived)" if reason.archived else ""))
    return lines


def cmd_reasons(ctx: Context) -> int:
    a, store = ctx.args, ctx.store
    action = a.action or "list"
    if action == "list":
        out(*reason_lines(store, include_archived=a.all))
        return 0
    if not a.label:
        raise InputError(f"`reasons {action}` needs a reason label.")
    if action == "add":
        outcome = _outcome(a.kind) if a.kind else Outcome.LOST
        reason = ops.add_reason(
            store, a.label, needs_competitor=a.competitor, needs_note=a.note, outcome=outcome
        ).reason
        out(
            f"Added loss reason {reason.label!r}"
            + (" (no decision)." if outcome is Outcome.NO_DECISION else ".")
        )
        return 0
    reason = store.shape.find_reason_any(a.label)
    if action == "rename":
        if not a.value:
            raise InputError("Give the new label: reasons rename OLD NEW.")
        renamed = ops.update_reason(
            store, reason.id, f"Renamed reason {reason.label!r}", label=a.value
        ).reason
        out(f"Renamed {reason.label!r} to {renamed.label!r}; lost deals and reports follow.")
    elif action == "kind":
        if not a.value:
            raise InputError("Give the kind: reasons kind REASON no-decision|lost.")
        outcome = _outcome(a.value)
        ops.update_reason(store, reason.id, f"{reason.label!r} counts as {outcome.label}", outcome=outcome)
        out(f"{reason.label!r} now counts as {outcome.label} in reports (the timeline is unchanged).")
    elif action == "move":
        ops.move_reason(store, reason.id, _step(a.value or "up"))
        out("Order: " + "; ".join(r.label for r in store.shape.reasons()))
    elif action == "archive":
        ops.update_reason(store, reason.id, f"Archived reason {reason.label!r}", archived=True)
        out(f"Archived {reason.label!r}: no longer offered, still on the deals that used it.")
    elif action in ("unarchive", "restore"):
        ops.update_reason(store, reason.id, f"Unarchived reason {reason.label!r}", archived=False)
        out(f"{reason.label!r} is offered again.")
    return 0


# ------------------------------------------------------------------ config


def _shown(key: str, value: Any, currency: str) -> str:
    return show_setting(value, key, currency)


def cmd_config(ctx: Context) -> int:
    a = ctx.args
    path = ctx.config_path
    settings = ctx.settings
    values = asdict(settings)
    if a.key is None:
        out(f"# {path}" + ("" if path.exists() else " (not created yet: all defaults)"))
        for key, value in values.items():
            out(f"{key} = {_shown(key, value, settings.currency)}")
        return 0
    if a.value is None:
        if a.key not in values:
            raise InputError(f"Unknown setting {a.key!r}; choose one of: {', '.join(values)}.")
        out(_shown(a.key, values[a.key], settings.currency))
        return 0
    store = ctx.store if ctx.db_path.exists() and not getattr(a, "read_only", False) else None
    done = ops.set_preference(settings, a.key, a.value, config_path=path, store=store)
    assert done.settings is not None
    ctx.settings = saved = done.settings
    out(f"{a.key} = {_shown(a.key, asdict(saved)[a.key], saved.currency)}  (saved in {path})")
    return 0


def register(command: Register) -> None:
    p = command("stages", cmd_stages, "list and shape the stages")
    p.add_argument(
        "action",
        nargs="?",
        choices=("list", "add", "rename", "stale", "prob", "move", "archive", "unarchive", "restore"),
    )
    p.add_argument("name", nargs="?", help="the stage")
    p.add_argument("value", nargs="?", help="new name, stale days ('off'), percent, or move step (up/down/N)")
    p.add_argument("--kind", default="open", choices=("open", "won", "lost"), help="with add")
    p.add_argument("--all", action="store_true", help="include archived stages")

    p = command("reasons", cmd_reasons, "list and shape the loss reasons")
    p.add_argument(
        "action",
        nargs="?",
        choices=("list", "add", "rename", "kind", "move", "archive", "unarchive", "restore"),
    )
    p.add_argument("label", nargs="?")
    p.add_argument("value", nargs="?", help="new label, kind (lost / no-decision), or move step (up/down/N)")
    p.add_argument("--competitor", action="store_true", help="with add: ask which competitor")
    p.add_argument("--note", action="store_true", help="with add: a note is required")
    p.add_argument("--kind", help="with add: lost (default) or no-decision")
    p.add_argument("--all", action="store_true", help="include archived reasons")

    keys = ", ".join(DESCRIPTIONS)
    p = command("config", cmd_config, f"show or set preferences ({keys})")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")

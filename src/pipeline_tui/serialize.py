"""Deals and timeline events as plain data (for JSON output): the one serializer."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline_tui import rules
from pipeline_tui.errors import PipelineError
from pipeline_tui.models import Deal, Event, StageKind
from pipeline_tui.money import format_money, minor_to_decimal_str
from pipeline_tui.slips import Slip, slip_text
from pipeline_tui.store import Store, ts


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def slip_dict(slip: Slip, today: date, *, limit: int) -> dict[str, Any]:
    """A deal's pushed close dates: how many, the date before the first push, each push."""
    return {
        "pushes": slip.count,
        "was": _day(slip.first),
        "slipping": slip.count >= limit,
        "text": slip_text(slip, today),
        "history": [{"at": ts(p.at), "from": p.was.isoformat(), "to": p.to.isoformat()} for p in slip.pushes],
    }


def deal_dict(
    store: Store, deal: Deal, today: date, *, slip: Slip | None = None, slip_limit: int = 2
) -> dict[str, Any]:
    """Everything about a deal a script may want, names instead of ids (`slip`: its pushed
    close dates, read by the caller for many deals at once)."""
    stage = store.shape.stage(deal.stage_id)
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
        "expected_close": _day(deal.expected_close),
        "next_step": deal.next_step,
        "next_step_due": _day(deal.next_step_due),
        "created_at": ts(deal.created_at),
        "stage_entered_at": ts(deal.stage_entered_at),
        "last_activity_at": ts(deal.last_activity_at),
        "closed_at": ts(deal.closed_at) if deal.closed_at else None,
        "days_in_stage": rules.days_in_stage(deal, today),
        "stale": rules.stale_reason(deal, stage, today),
        "next_step_overdue_days": rules.step_overdue_days(deal, stage, today),
        "snoozed_until": _day(deal.snoozed_until),
        "archived": deal.archived,
    }
    if slip is not None and slip.count and stage.is_open:
        out["slipped"] = slip_dict(slip, today, limit=slip_limit)
    if deal.source:
        out["source"], out["source_id"] = deal.source, deal.source_id
    if stage.kind is StageKind.WON:
        won = store.shape.won_reason(deal.won_reason_id) if deal.won_reason_id else None
        out.update(
            {
                "won_reason": won.label if won else None,
                "competitor_beaten": deal.competitor or None,
                "won_note": deal.won_note or None,
            }
        )
    if stage.kind is StageKind.LOST:
        reason = store.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None
        out.update(
            {
                "loss_reason": reason.label if reason else None,
                "outcome": rules.outcome_of(reason).value,
                "competitor": deal.competitor or None,
                "loss_note": deal.loss_note or None,
                "lost_at_stage": store.shape.stage(deal.lost_at_stage_id).name
                if deal.lost_at_stage_id
                else None,
                "revisit_on": _day(deal.revisit_on),
                "revisit_state": deal.revisit_state.value if deal.revisit_state else None,
            }
        )
    return out


def event_dict(store: Store, event: Event) -> dict[str, Any]:
    """A timeline entry: when, what, stage names, its text and details."""
    out: dict[str, Any] = {
        "id": event.id,
        "at": ts(event.at),
        "kind": event.kind.value,
        "text": event.text,
    }
    if event.from_stage_id:
        out["from_stage"] = store.shape.stage(event.from_stage_id).name
    if event.to_stage_id:
        out["to_stage"] = store.shape.stage(event.to_stage_id).name
    details = {k: v for k, v in event.data.items() if k != "batch"}
    if details:
        out["details"] = details
    return out


EVENT_LABELS = {
    "created": "created",
    "note": "note",
    "moved": "moved",
    "won": "won",
    "lost": "lost",
    "reopened": "reopened",
    "edited": "edited",
    "next_step": "next step",
    "revisit_snoozed": "revisit",
    "revisit_closed": "closed out",
    "undone": "undo",
    "imported": "imported",
    "snoozed": "snoozed",
    "archived": "archived",
    "unarchived": "unarchived",
    "updated": "CRM update",
}


FIELD_NAMES = {"expected_close": "close date", "next_step_due": "due", "next_step": "next step"}


def _changes_text(store: Store, event: Event) -> str:
    """An edit's changes, each old → new: 'close date 2026-12-09 → 2027-01-15, value $12,000 →
    $1,200,000' (fields the app does not know by name are named only)."""
    changes = event.data.get("changes", {})
    if not isinstance(changes, dict):
        return ""
    currency = None
    was = None  # the currency the old value was in, when the edit changed it too
    if "value" in changes:
        pair = changes.get("currency")
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str):
            currency = pair[1]
            was = pair[0] if isinstance(pair[0], str) and pair[0] else None
        else:
            try:
                currency = store.deals.get(event.deal_id).currency
            except PipelineError:
                currency = None
    parts = []
    for name in sorted(changes):
        label = FIELD_NAMES.get(str(name), str(name).replace("_", " "))
        pair = changes[name]
        if not (isinstance(pair, list) and len(pair) == 2):
            parts.append(label)
            continue
        old, new = _shown(name, pair[0], was or currency), _shown(name, pair[1], currency)
        parts.append(f"{label} {old} → {new}")
    return ", ".join(parts)


def _shown(name: str, value: Any, currency: str | None) -> str:
    if value is None or value == "":
        return "none"
    if name == "value" and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value, currency) if currency else minor_to_decimal_str(value)
    text = " ".join(str(value).split())
    return (
        text
        if name in ("expected_close", "next_step_due", "currency")
        else repr(text[:40] + ("…" if len(text) > 40 else ""))
    )


def describe_event(store: Store, event: Event) -> tuple[str, str]:
    """(label, detail) of a timeline entry as a person reads it: ('moved', 'Lead → Proposal')."""
    label = EVENT_LABELS.get(event.kind.value, event.kind.value)
    detail = ""
    data = event.data
    if event.to_stage_id and event.from_stage_id:
        detail = (
            f"{store.shape.stage(event.from_stage_id).name} → {store.shape.stage(event.to_stage_id).name}"
        )
    elif event.to_stage_id:
        detail = f"in {store.shape.stage(event.to_stage_id).name}"
    if event.kind.value == "lost" and data.get("outcome") == "no_decision":
        label = "no decision"  # as it was recorded, whatever the reason counts as now
    if event.kind.value == "lost" and data.get("reason"):
        detail += (" · " if detail else "") + str(data["reason"])
        if data.get("competitor"):
            detail += f" ({data['competitor']})"
        if data.get("revisit_on"):
            detail += f" · revisit {data['revisit_on']}"
    if event.kind.value == "won" and data.get("reason"):
        detail += (" · " if detail else "") + str(data["reason"])
        if data.get("competitor"):
            detail += f" (beat {data['competitor']})"
    if event.kind.value == "reopened" and (old := data.get("previous_loss")):
        detail += f" · was lost: {old.get('reason') or 'no reason'}"
    if event.kind.value == "reopened" and (was := data.get("previous_win")) and was.get("reason"):
        detail += f" · was won: {was['reason']}"
    if event.kind.value in ("edited", "updated"):
        detail = _changes_text(store, event)
    if event.kind.value in ("revisit_snoozed", "snoozed"):
        detail = f"→ {data.get('to')}"
    if data.get("retracted"):
        label += " (taken back)"
    return label, detail

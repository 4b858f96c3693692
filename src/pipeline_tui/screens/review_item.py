"""What the daily review shows of the deal under review: its title and the fields that matter
for its stage, then the latest entries of its timeline (the detail, enter, has them all)."""

from __future__ import annotations

from datetime import date

from textual.content import Content

from pipeline_tui import rules
from pipeline_tui.display import safe
from pipeline_tui.models import Deal, Event, StageKind
from pipeline_tui.money import format_money
from pipeline_tui.review import day_label
from pipeline_tui.serialize import describe_event
from pipeline_tui.store import Store

TIMELINE_MIN, TIMELINE_MAX = 3, 12  # the latest entries, as many as fit: the detail (enter) has all
Part = str | tuple[str, str]


def deal_fields(store: Store, deal: Deal, today: date) -> Content:
    """The deal's title and the fields that matter for its stage, one per line."""
    stage = store.shape.stage(deal.stage_id)
    rows: list[tuple[str, str, str]] = [
        ("Company", deal.company, ""),
        ("Stage", f"{stage.name} · {rules.days_in_stage(deal, today)} days", ""),
        ("Value", format_money(deal.value, deal.currency), ""),
    ]
    if stage.is_open:
        close = ""
        if deal.expected_close is not None:
            close = day_label(deal.expected_close, today)
            if deal.expected_close < today:
                close += " (passed)"
        rows.append(("Close date", close, "$text-warning" if close.endswith("(passed)") else ""))
        step = deal.next_step
        late = rules.step_overdue_days(deal, stage, today)
        if deal.next_step_due is not None:
            step += f" (due {day_label(deal.next_step_due, today)}"
            step += f", {late} day{'' if late == 1 else 's'} late)" if late else ")"
        rows.append(("Next step", step, "$text-warning" if late else ""))
    elif deal.closed_at is not None:
        rows.append(("Closed", day_label(deal.closed_at.date(), today), ""))
    if deal.snoozed_until is not None and deal.snoozed_until > today:
        rows.append(("Snoozed", f"quiet until {day_label(deal.snoozed_until, today)}", ""))
    if stage.kind is StageKind.LOST:
        reason = store.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None
        rows.append(("Lost", rules.loss_label(reason, deal.competitor), "$text-error"))
        if deal.loss_note:
            rows.append(("Follow-up", " ".join(deal.loss_note.split()), ""))
        if deal.revisit_on is not None:
            rows.append(("Revisit", day_label(deal.revisit_on, today), ""))
    parts: list[Part] = ["\n", (safe(deal.title), "bold"), (f"  #{deal.id}", "dim")]
    for label, value, style in rows:
        parts += ["\n", (f"{label:>10}", "dim"), "  ", (safe(value) or "—", style)]
    return Content.assemble(*parts)


def deal_timeline(store: Store, deal: Deal, height: int) -> Content:
    """The latest entries of the deal's timeline, as many as fit in `height` lines."""
    room = max(TIMELINE_MIN, min(TIMELINE_MAX, height - 18))
    events = list(reversed(store.deals.timeline(deal.id, limit=room)))
    total = store.deals.event_count(deal.id)
    more = f"the latest {len(events)} of {total:,}" if total > len(events) else f"{total:,}"
    parts: list[Part] = ["\n", ("Timeline", "bold"), (f" · {more} · enter: all", "dim")]
    for event in events:
        parts += ["\n", *event_parts(store, event)]
    return Content.assemble(*parts)


def event_parts(store: Store, event: Event) -> list[Part]:
    label, detail = describe_event(store, event)
    text = " · ".join(x for x in (safe(detail), safe(event.text)) if x)
    return [(f"{event.at:%Y-%m-%d}", "dim"), "  ", (label, "bold"), "  " + text if text else ""]

"""One deal: its fields and its whole timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Footer, Static

from pipeline_tui import rules
from pipeline_tui.errors import NotFoundError
from pipeline_tui.models import Deal, Event, EventKind
from pipeline_tui.money import format_money

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp

EVENT_LABELS = {
    EventKind.CREATED: "created",
    EventKind.NOTE: "note",
    EventKind.MOVED: "moved",
    EventKind.WON: "won",
    EventKind.LOST: "lost",
    EventKind.REOPENED: "reopened",
    EventKind.EDITED: "edited",
    EventKind.NEXT_STEP: "next step",
    EventKind.REVISIT_SNOOZED: "revisit",
    EventKind.REVISIT_CLOSED: "closed out",
    EventKind.UNDONE: "undo",
    EventKind.IMPORTED: "imported",
}


class DealDetailScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "note", "Note"),
        Binding("e", "edit", "Edit"),
        Binding("t", "next_step", "Next step"),
        Binding("m", "move", "Move"),
        Binding("l", "lost", "Lost"),
        Binding("w", "won", "Won"),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self, deal_id: int) -> None:
        super().__init__()
        self.deal_id = deal_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(id="detail-fields")
            yield Static("[b]Timeline[/]", classes="section-title")
            yield Static(id="detail-timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    @property
    def deal(self) -> Deal:
        return self.app.store.get(self.deal_id)

    def reload(self) -> None:
        store, today = self.app.store, self.app.today
        try:
            deal = self.deal
        except NotFoundError:
            self.app.pop_screen()
            return
        stage = store.stage(deal.stage_id)
        rows = [
            ("Stage", f"{stage.name} · {rules.days_in_stage(deal, today)} days"),
            ("Company", deal.company),
            ("Contact", deal.contact),
            ("Value", format_money(deal.value, deal.currency)),
            ("Close date", deal.expected_close.isoformat() if deal.expected_close else "—"),
            ("Next step", deal.next_step + (f" (due {deal.next_step_due})" if deal.next_step_due else "")),
        ]
        stale = rules.stale_reason(deal, stage, today)
        if stale:
            rows.append(("Stale", f"[$text-warning]⚠ {stale}[/]"))
        if deal.loss_reason_id:
            reason = store.reason(deal.loss_reason_id).label
            rows.append(("Lost", reason + (f" to {deal.competitor}" if deal.competitor else "")))
            if deal.loss_note:
                rows.append(("Follow-up", deal.loss_note))
            if deal.revisit_on:
                state = deal.revisit_state.value if deal.revisit_state else ""
                rows.append(("Revisit", f"{deal.revisit_on} ({state})"))
        text = f"[b]#{deal.id} {escape(deal.title)}[/]\n\n" + "\n".join(
            f"[dim]{label:>11}[/]  {value if label in ('Stale',) else escape(value or '—')}"
            for label, value in rows
        )
        self.query_one("#detail-fields", Static).update(text)
        lines = [self._event_line(e) for e in reversed(store.timeline(deal.id))]
        self.query_one("#detail-timeline", Static).update("\n".join(lines) or "[dim]nothing yet[/]")

    def _event_line(self, event: Event) -> str:
        store = self.app.store
        label = EVENT_LABELS.get(event.kind, event.kind.value)
        detail = ""
        if event.to_stage_id and event.from_stage_id:
            detail = f"{store.stage(event.from_stage_id).name} → {store.stage(event.to_stage_id).name}"
        elif event.to_stage_id:
            detail = f"in {store.stage(event.to_stage_id).name}"
        if event.kind is EventKind.LOST and event.data.get("reason"):
            detail += f" · {event.data['reason']}"
            if event.data.get("competitor"):
                detail += f" ({event.data['competitor']})"
            if event.data.get("revisit_on"):
                detail += f" · revisit {event.data['revisit_on']}"
        if event.kind is EventKind.REOPENED and (old := event.data.get("previous_loss")):
            detail += f" · was lost: {old.get('reason') or 'no reason'}"
        if event.kind is EventKind.EDITED:
            detail = ", ".join(sorted(event.data.get("changes", {})))
        if event.kind is EventKind.REVISIT_SNOOZED:
            detail = f"→ {event.data.get('to')}"
        struck = event.data.get("retracted")
        body = escape(event.text)
        if struck:
            body = f"[strike]{body}[/]"
        line = f"[dim]{event.at:%Y-%m-%d %H:%M}[/]  [b]{label}[/] {escape(detail)}"
        return line + (f"\n                  {body}" if body else "")

    def action_note(self) -> None:
        self.app.add_note(self.deal)

    def action_edit(self) -> None:
        self.app.edit_deal(self.deal)

    def action_next_step(self) -> None:
        self.app.set_next_step(self.deal)

    def action_move(self) -> None:
        self.app.choose_stage(self.deal)

    def action_lost(self) -> None:
        self.app.mark_lost(self.deal)

    def action_won(self) -> None:
        self.app.mark_won(self.deal)

"""One deal: its fields and its timeline (the latest entries; the count says how many)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from pipeline_tui import actions, rules
from pipeline_tui import operations as ops
from pipeline_tui.actions import DealAction
from pipeline_tui.display import safe
from pipeline_tui.errors import NotFoundError
from pipeline_tui.models import Deal, Event, StageKind
from pipeline_tui.money import format_money
from pipeline_tui.operations import Done
from pipeline_tui.screens.deal_screen import DealScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.serialize import describe_event
from pipeline_tui.slips import is_slipping, push_lines, slip_text
from pipeline_tui.styles import SCREENS_CSS

TIMELINE_SHOWN = 200  # a deal with 100,000 notes opens as fast as one with ten


class DealDetailScreen(DealScreen):
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        *actions.bindings(
            "note", "edit", "next_step", "snooze", "move_to", "lost", "won", "archive", hidden=("archive",)
        ),
    ]

    def __init__(self, deal_id: int) -> None:
        super().__init__()
        self.deal_id = deal_id
        self.shown: Deal | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(id="detail-fields")
            yield Static(id="detail-timeline-title", classes="section-title")
            yield Static(id="detail-timeline")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()

    def follow(self, done: Done | None) -> None:
        self.reload()

    @property
    def deal(self) -> Deal:
        """The deal as this screen shows it (changes are checked against it)."""
        return self.shown or self.host.store.deals.get(self.deal_id)

    def reload(self) -> None:
        store, today = self.host.store, self.host.today
        try:
            deal = self.shown = store.deals.get(self.deal_id)
        except NotFoundError:
            self.app.pop_screen()
            return
        stage = store.shape.stage(deal.stage_id)
        rows: list[tuple[str, str, str]] = [
            ("Stage", f"{stage.name} · {rules.days_in_stage(deal, today)} days", ""),
            ("Company", deal.company, ""),
            ("Contact", deal.contact, ""),
            ("Value", format_money(deal.value, deal.currency), ""),
            ("Close date", deal.expected_close.isoformat() if deal.expected_close else "", ""),
            (
                "Next step",
                deal.next_step + (f" (due {deal.next_step_due})" if deal.next_step_due else ""),
                "",
            ),
        ]
        stale = rules.stale_reason(deal, stage, today)
        if stale:
            rows.append(("Stale", f"⚠ {stale}", "$text-warning"))
        slip = store.history.slip(deal.id)
        if stage.is_open and slip.count:
            slipping = is_slipping(deal, stage, slip, self.host.settings.slip_limit)
            rows.append(
                (
                    "Slipping" if slipping else "Pushed",
                    f"↻ {slip_text(slip, today)} · " + " · ".join(push_lines(slip, today)),
                    "$text-warning" if slipping else "",
                )
            )
        if stage.kind is StageKind.WON:
            rows.append(("Won", ops.won_label(store, deal), "$text-success"))
            if deal.won_note:
                rows.append(("Win note", deal.won_note, ""))
        if deal.snoozed_until and deal.snoozed_until > today:
            rows.append(("Snoozed", f"quiet until {deal.snoozed_until:%a %d %b %Y}", ""))
        if stage.kind is StageKind.LOST:
            rows.append(("Lost", ops.loss_label(store, deal), "$text-error"))
            if deal.loss_note:
                rows.append(("Follow-up", deal.loss_note, ""))
            if deal.revisit_on:
                state = deal.revisit_state.value if deal.revisit_state else ""
                rows.append(("Revisit", f"{deal.revisit_on} ({state})", ""))
        if deal.archived:
            rows.append(("Archived", f"{deal.archived_at:%Y-%m-%d}", "$text-warning"))
        parts: list[str | tuple[str, str]] = [(f"#{deal.id} {safe(deal.title)}", "bold"), "\n"]
        for label, value, style in rows:
            parts += ["\n", (f"{label:>11}", "dim"), "  ", (safe(value) or "—", style)]
        self.query_one("#detail-fields", Static).update(Content.assemble(*parts))
        total = store.deals.event_count(deal.id)
        events = list(reversed(store.deals.timeline(deal.id, limit=TIMELINE_SHOWN)))
        more = f" · the latest {len(events):,} of {total:,}" if total > len(events) else f" · {total:,}"
        self.query_one("#detail-timeline-title", Static).update(
            Content.assemble(("Timeline", "bold"), (more, "dim"))
        )
        lines: list[str | tuple[str, str]] = []
        for event in events:
            lines += self._event_line(event)
        self.query_one("#detail-timeline", Static).update(
            Content.assemble(*lines) if lines else Content.assemble(("nothing yet", "dim"))
        )

    def _event_line(self, event: Event) -> list[str | tuple[str, str]]:
        label, detail = describe_event(self.host.store, event)
        out: list[str | tuple[str, str]] = [
            (f"{event.at:%Y-%m-%d %H:%M}", "dim"),
            "  ",
            (label, "bold"),
            " " + safe(detail),
            "\n",
        ]
        if event.text:
            body = safe(event.text, one_line=False).replace("\n", "\n" + " " * 18)
            out += [" " * 18, (body, "strike" if event.data.get("retracted") else ""), "\n"]
        return out

    def deals_for(self, action: DealAction) -> list[Deal]:
        return [self.deal]

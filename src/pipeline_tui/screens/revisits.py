"""Lost deals whose revisit date has come (and those coming up): reopen, snooze, note, close out."""

from __future__ import annotations

from textual.binding import Binding

from pipeline_tui import actions
from pipeline_tui import operations as ops
from pipeline_tui.models import Deal
from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen
from pipeline_tui.widgets.deal_rows import Cells, Column, two_part


class RevisitsScreen(DealTableScreen):
    NAME = "revisits"
    COLUMNS = (
        Column("When", width=16),
        Column("Deal — company", weight=3),
        Column("Lost because", weight=2),
        Column("Follow-up note", weight=2, hide_below=100),
        Column("Value", width=9, justify="right"),
    )
    EMPTY = "no revisits due or coming up"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        *actions.bindings("reopen", "snooze", "note", "close_out", hints={"snooze": "a new revisit date"}),
        Binding(
            "i",
            "app.export_calendar",
            "Calendar (.ics)",
            tooltip="Export revisits to calendar (.ics) — one all-day event per revisit",
            id="revisits.calendar",
        ),
        *actions.bindings("detail", hidden=("detail",)),
    ]

    def row_ids_now(self) -> list[int]:
        due, upcoming = self.host.store.review.revisit_ids(
            self.host.today, self.host.settings.revisit_horizon_days
        )
        self.due_count, self.upcoming_count = len(due), len(upcoming)
        return due + upcoming

    def cells(self, deal: Deal, widths: list[int]) -> Cells:
        today = self.host.today
        if deal.revisit_on is None:
            when, style = "—", ""
        else:
            days = (deal.revisit_on - today).days
            if days > 0:
                when, style = f"{deal.revisit_on:%b %d} in {days}d", ""
            else:
                late = "today" if days == 0 else f"+{-days}d"
                when, style = f"DUE {deal.revisit_on:%b %d} {late}", "rows--accent"
        return [
            (when, style),
            (two_part(deal.title, deal.company, widths[1]), ""),
            (ops.loss_label(self.host.store, deal), "rows--error"),
            (" ".join(deal.loss_note.split()), "rows--muted"),
            (format_money(deal.value, deal.currency, compact=True), ""),
        ]

    def title_parts(self) -> list[str | tuple[str, str]]:
        horizon = self.host.settings.revisit_horizon_days
        return [
            ("Revisits", "bold"),
            " · ",
            (f"{self.due_count:,} due", "$text-accent"),
            f" · {self.upcoming_count:,} in the next {horizon} days · o reopen · z snooze · c close out",
        ]

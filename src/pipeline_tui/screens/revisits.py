"""Lost deals whose revisit date has come (and those coming up): reopen, snooze, note, close out."""

from __future__ import annotations

from datetime import date

from textual.binding import Binding

from pipeline_tui import actions
from pipeline_tui import operations as ops
from pipeline_tui.dates import humanize_days
from pipeline_tui.models import Deal
from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen
from pipeline_tui.widgets.deal_rows import Cells, Column, two_part


def revisit_when(day: date, today: date) -> str:
    """'Nov 12 · 12 days late', 'Nov 24 · due today', 'Dec 10 · in 16 days': never '+5d',
    which reads as the app's own input for 'in 5 days'."""
    days = (day - today).days
    if days == 0:
        return f"{day:%b %d} · due today"
    if days < 0:
        return f"{day:%b %d} · {humanize_days(-days)} late"
    return f"{day:%b %d} · in {humanize_days(days)}"


class RevisitsScreen(DealTableScreen):
    NAME = "revisits"
    COLUMNS = (
        Column("When", width=21),
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
            when, style = (
                revisit_when(deal.revisit_on, today),
                ("rows--accent" if deal.revisit_on <= today else ""),
            )
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

"""Lost deals whose revisit date has come (and those coming up): reopen, snooze, note, close out."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen


class RevisitsScreen(DealTableScreen):
    NAME = "revisits"
    COLUMNS = ("When", "Deal", "Lost because", "Follow-up note", "Value", "Company")
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("o", "reopen", "Reopen"),
        Binding("z", "snooze", "Snooze"),
        Binding("a", "note", "Note"),
        Binding("c", "close_out", "Close out"),
        Binding("i", "app.export_calendar", "Calendar (.ics)"),
        Binding("enter", "detail", "Detail", show=False),
    ]

    def reload(self) -> None:
        store, today = self.app.store, self.app.today
        table = self.query_one(DataTable)
        row = table.cursor_row
        due, upcoming = store.revisits(today, self.app.settings.revisit_horizon_days)
        self.row_ids = [d.id for d in due + upcoming]
        table.clear()
        for deal in due + upcoming:
            assert deal.revisit_on is not None
            days = (deal.revisit_on - today).days
            when = "today" if days == 0 else (f"{-days}d overdue" if days < 0 else f"in {days}d")
            label = "DUE " if days <= 0 else ""
            reason = store.reason(deal.loss_reason_id).label if deal.loss_reason_id else "no reason"
            if deal.competitor:
                reason += f" ({deal.competitor})"
            table.add_row(
                f"{label}{deal.revisit_on:%b %d} · {when}",
                Text(deal.title),
                Text(reason),
                Text(deal.loss_note.replace("\n", " ")),
                format_money(deal.value, deal.currency, compact=True),
                Text(deal.company),
                key=str(deal.id),
            )
        horizon = self.app.settings.revisit_horizon_days
        self.set_title(
            f"[b]Revisits[/] · [$text-accent]{len(due)} due[/] · {len(upcoming)} in the next {horizon} days"
            " · o reopen · z snooze · c close out"
        )
        self.keep_cursor(row)

    def action_reopen(self) -> None:
        if deal := self.deal:
            self.app.reopen(deal)

    def action_snooze(self) -> None:
        if deal := self.deal:
            self.app.snooze(deal)

    def action_note(self) -> None:
        if deal := self.deal:
            self.app.add_note(deal)

    def action_close_out(self) -> None:
        if deal := self.deal:
            self.app.close_revisit(deal)

    def action_detail(self) -> None:
        self.action_open()

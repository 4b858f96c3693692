"""Lost deals whose revisit date has come (and those coming up): reopen, snooze, note, close out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pipeline_tui.models import Deal
from pipeline_tui.money import format_money

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp


class RevisitsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("o", "reopen", "Reopen"),
        Binding("z", "snooze", "Snooze"),
        Binding("a", "note", "Note"),
        Binding("c", "close_out", "Close out"),
        Binding("i", "app.export_calendar", "Calendar (.ics)"),
        Binding("enter", "detail", "Detail", show=False),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Deal] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="revisits-title", classes="screen-title")
        yield DataTable(id="revisits-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Deal", "Lost because", "Follow-up note", "Value", "Company")
        self.reload()
        table.focus()

    def reload(self) -> None:
        store, today = self.app.store, self.app.today
        table = self.query_one(DataTable)
        row = table.cursor_row
        due, upcoming = store.revisits(today, self.app.settings.revisit_horizon_days)
        self.rows = due + upcoming
        table.clear()
        for deal in self.rows:
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
        self.query_one("#revisits-title", Static).update(
            f"[b]Revisits[/] · [$text-accent]{len(due)} due[/] · {len(upcoming)} in the next {horizon} days"
            " · o reopen · z snooze · c close out"
        )
        if self.rows:
            table.move_cursor(row=min(row, len(self.rows) - 1))

    @property
    def deal(self) -> Deal | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.app.store.get(self.rows[table.cursor_row].id)

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
        if deal := self.deal:
            self.app.open_detail(deal)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_detail()

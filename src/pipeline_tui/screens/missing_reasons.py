"""Lost deals with no reason recorded (usually imported): fill each in with the lost prompt."""

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

LIMIT = 1000  # a screenful of work at a time; the title says how many there are


class MissingReasonsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("l", "fill", "Give a reason"),
        Binding("enter", "fill", "Give a reason", show=False),
        Binding("d", "detail", "Detail"),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.deals: list[Deal] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="missing-title", classes="screen-title")
        yield DataTable(id="missing-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Closed", "Deal", "Company", "Value")
        self.reload()
        table.focus()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        total = self.app.store.lost_without_reason_count()
        self.deals = self.app.store.lost_without_reason(limit=LIMIT)
        table.clear()
        for deal in self.deals:
            closed = f"{deal.closed_at:%Y-%m-%d}" if deal.closed_at else ""
            table.add_row(
                closed,
                Text(deal.title),
                Text(deal.company),
                format_money(deal.value, deal.currency, compact=True),
                key=str(deal.id),
            )
        shown = f" (first {len(self.deals):,})" if total > len(self.deals) else ""
        self.query_one("#missing-title", Static).update(
            f"[b]Lost without a reason[/] · {total:,}{shown} · l or enter gives one"
            if total
            else "[b]Lost without a reason[/] · none — every loss says why."
        )
        if self.deals:
            table.move_cursor(row=min(row, len(self.deals) - 1))

    @property
    def deal(self) -> Deal | None:
        table = self.query_one(DataTable)
        if not self.deals or table.cursor_row >= len(self.deals):
            return None
        return self.app.store.get(self.deals[table.cursor_row].id)

    def action_fill(self) -> None:
        if deal := self.deal:
            self.app.fill_loss(deal)

    def action_detail(self) -> None:
        if deal := self.deal:
            self.app.open_detail(deal)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_fill()

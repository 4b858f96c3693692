"""Lost deals with no reason recorded (usually imported): fill each in with the lost prompt."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen

LIMIT = 1000  # a screenful of work at a time; the title says how many there are


class MissingReasonsScreen(DealTableScreen):
    NAME = "missing"
    COLUMNS = ("Closed", "Deal", "Company", "Value")
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("l", "fill", "Give a reason"),
        Binding("enter", "fill", "Give a reason", show=False),
        Binding("d", "detail", "Detail"),
    ]

    def reload(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        total = self.app.store.lost_without_reason_count()
        deals = self.app.store.lost_without_reason(limit=LIMIT)
        self.row_ids = [d.id for d in deals]
        table.clear()
        for deal in deals:
            closed = f"{deal.closed_at:%Y-%m-%d}" if deal.closed_at else ""
            table.add_row(
                closed,
                Text(deal.title),
                Text(deal.company),
                format_money(deal.value, deal.currency, compact=True),
                key=str(deal.id),
            )
        shown = f" (first {len(deals):,})" if total > len(deals) else ""
        self.set_title(
            f"[b]Lost without a reason[/] · {total:,}{shown} · l or enter gives one"
            if total
            else "[b]Lost without a reason[/] · none — every loss says why."
        )
        self.keep_cursor(row)

    def action_fill(self) -> None:
        if deal := self.deal:
            self.app.fill_loss(deal)

    def action_detail(self) -> None:
        if deal := self.deal:
            self.app.open_detail(deal)

    def action_open(self) -> None:
        self.action_fill()

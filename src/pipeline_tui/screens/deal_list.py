"""A plain list of deals (from a report row); enter opens one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pipeline_tui.money import format_money

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp

LIMIT = 1000  # rows in the table; the title gives the full count


class DealListScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("enter", "detail", "Detail", show=False),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self, title: str, deal_ids: list[int]) -> None:
        super().__init__()
        self.title_text = title
        self.deal_ids = deal_ids

    def compose(self) -> ComposeResult:
        yield Static("", id="list-title", classes="screen-title")
        yield DataTable(id="list-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Closed", "Deal", "Company", "Stage", "Value", "Reason")
        self.reload()
        table.focus()

    def reload(self) -> None:
        store = self.app.store
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        shown = []
        for deal in store.get_many(self.deal_ids[:LIMIT]):
            shown.append(deal.id)
            reason = store.reason(deal.loss_reason_id).label if deal.loss_reason_id else ""
            table.add_row(
                f"{deal.closed_at:%Y-%m-%d}" if deal.closed_at else "",
                Text(deal.title),
                Text(deal.company),
                Text(store.stage(deal.stage_id).name),
                format_money(deal.value, deal.currency, compact=True),
                Text(reason + (f" ({deal.competitor})" if deal.competitor else "")),
                key=str(deal.id),
            )
        more = len(self.deal_ids) - LIMIT
        self.deal_ids = shown + self.deal_ids[LIMIT:]
        extra = f" (the latest {LIMIT:,} shown)" if more > 0 else ""
        self.query_one("#list-title", Static).update(
            f"[b]{self.title_text}[/] · {len(self.deal_ids):,} deals{extra} · enter opens one"
        )
        if shown:
            table.move_cursor(row=min(row, len(shown) - 1))

    def action_detail(self) -> None:
        table = self.query_one(DataTable)
        if self.deal_ids and table.cursor_row < len(self.deal_ids):
            self.app.open_detail(self.app.store.get(self.deal_ids[table.cursor_row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_detail()

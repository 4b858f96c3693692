"""A plain list of deals (from a report row); enter opens one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pipeline_tui.errors import NotFoundError
from pipeline_tui.money import format_money

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp


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
        for deal_id in self.deal_ids:
            try:
                deal = store.get(deal_id)
            except NotFoundError:
                continue
            shown.append(deal_id)
            reason = store.reason(deal.loss_reason_id).label if deal.loss_reason_id else ""
            table.add_row(
                f"{deal.closed_at:%Y-%m-%d}" if deal.closed_at else "",
                deal.title,
                deal.company,
                store.stage(deal.stage_id).name,
                format_money(deal.value, deal.currency, compact=True),
                reason + (f" ({deal.competitor})" if deal.competitor else ""),
                key=str(deal_id),
            )
        self.deal_ids = shown
        self.query_one("#list-title", Static).update(
            f"[b]{self.title_text}[/] · {len(shown):,} deals · enter opens one"
        )
        if shown:
            table.move_cursor(row=min(row, len(shown) - 1))

    def action_detail(self) -> None:
        table = self.query_one(DataTable)
        if self.deal_ids and table.cursor_row < len(self.deal_ids):
            self.app.open_detail(self.app.store.get(self.deal_ids[table.cursor_row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_detail()

"""Every stale deal with its reason, oldest first, with the fixes at hand."""

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


class StaleScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "note", "Note"),
        Binding("t", "next_step", "Next step"),
        Binding("m", "move", "Move"),
        Binding("l", "lost", "Lost"),
        Binding("enter", "detail", "Detail", show=False),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.deals: list[Deal] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="stale-title", classes="screen-title")
        yield DataTable(id="stale-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Deal", "Why it is stale", "Stage", "Value", "Company")
        self.reload()
        table.focus()

    def reload(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        stale = self.app.store.stale(self.app.today)
        self.deals = [s.deal for s in stale]
        table.clear()
        for item in stale:
            d = item.deal
            table.add_row(
                Text(d.title),
                item.reason,
                Text(item.stage.name),
                format_money(d.value, d.currency, compact=True),
                Text(d.company),
                key=str(d.id),
            )
        count = len(stale)
        self.query_one("#stale-title", Static).update(
            f"[b]Stale deals[/] · {count} · oldest first · a note / t next step un-stales"
            if count
            else "[b]Stale deals[/] · nothing is stale — the pipeline is honest today."
        )
        if count:
            table.move_cursor(row=min(row, count - 1))

    @property
    def deal(self) -> Deal | None:
        table = self.query_one(DataTable)
        if not self.deals or table.cursor_row >= len(self.deals):
            return None
        return self.app.store.get(self.deals[table.cursor_row].id)

    def action_note(self) -> None:
        if deal := self.deal:
            self.app.add_note(deal)

    def action_next_step(self) -> None:
        if deal := self.deal:
            self.app.set_next_step(deal)

    def action_move(self) -> None:
        if deal := self.deal:
            self.app.choose_stage(deal)

    def action_lost(self) -> None:
        if deal := self.deal:
            self.app.mark_lost(deal)

    def action_detail(self) -> None:
        if deal := self.deal:
            self.app.open_detail(deal)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_detail()

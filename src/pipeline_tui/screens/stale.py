"""Every stale deal with its reason, oldest first, with the fixes at hand."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen


class StaleScreen(DealTableScreen):
    NAME = "stale"
    COLUMNS = ("Deal", "Why it is stale", "Stage", "Value", "Company")
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "note", "Note"),
        Binding("t", "next_step", "Next step"),
        Binding("m", "move", "Move"),
        Binding("l", "lost", "Lost"),
        Binding("enter", "detail", "Detail", show=False),
    ]

    def reload(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        stale = self.app.store.stale(self.app.today)
        self.row_ids = [s.deal.id for s in stale]
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
        self.set_title(
            f"[b]Stale deals[/] · {count} · oldest first · a note / t next step un-stales"
            if count
            else "[b]Stale deals[/] · nothing is stale — the pipeline is honest today."
        )
        self.keep_cursor(row)

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
        self.action_open()

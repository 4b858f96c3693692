"""A plain list of deals (from a report row); enter opens one."""

from __future__ import annotations

from textual.binding import Binding

from pipeline_tui import actions
from pipeline_tui import operations as ops
from pipeline_tui.models import Deal
from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen
from pipeline_tui.widgets.deal_rows import Cells, Column, two_part


class DealListScreen(DealTableScreen):
    NAME = "list"
    COLUMNS = (
        Column("Closed", width=10),
        Column("Deal — company", weight=3),
        Column("Stage", width=11),
        Column("Value", width=9, justify="right"),
        Column("Reason", weight=2),
    )
    EMPTY = "no deals"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), *actions.bindings("detail", hidden=("detail",))]

    def __init__(self, title: str, deal_ids: list[int]) -> None:
        super().__init__()
        self.title_text = title
        self.deal_ids = deal_ids

    def row_ids_now(self) -> list[int]:
        return list(self.deal_ids)

    def cells(self, deal: Deal, widths: list[int]) -> Cells:
        store = self.host.store
        stage = store.shape.stage(deal.stage_id)
        reason = ops.loss_label(store, deal) if stage.kind.value == "lost" else ""
        return [
            (f"{deal.closed_at:%Y-%m-%d}" if deal.closed_at else "", "rows--muted"),
            (two_part(deal.title, deal.company, widths[1]), ""),
            (stage.name, "rows--muted"),
            (format_money(deal.value, deal.currency, compact=True), ""),
            (reason, "rows--error"),
        ]

    def title_parts(self) -> list[str | tuple[str, str]]:
        return [(self.title_text, "bold"), f" · {len(self.row_ids):,} deals · enter opens one"]

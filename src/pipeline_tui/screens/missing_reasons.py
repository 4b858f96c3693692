"""Lost deals with no reason recorded (usually imported): fill each in with the lost prompt."""

from __future__ import annotations

from textual.binding import Binding

from pipeline_tui import actions
from pipeline_tui.models import Deal
from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen
from pipeline_tui.widgets.deal_rows import Cells, Column, two_part


class MissingReasonsScreen(DealTableScreen):
    NAME = "missing"
    COLUMNS = (
        Column("Closed", width=10),
        Column("Deal — company", weight=3),
        Column("Value", width=9, justify="right"),
    )
    EMPTY = "none — every loss says why"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        *actions.bindings("reason"),
        Binding(
            "D", "deal('detail')", "Detail", tooltip="Deal detail — fields and timeline", id="missing.detail"
        ),
    ]
    ENTER = "reason"

    def row_ids_now(self) -> list[int]:
        return self.host.store.review.lost_without_reason_ids()

    def cells(self, deal: Deal, widths: list[int]) -> Cells:
        return [
            (f"{deal.closed_at:%Y-%m-%d}" if deal.closed_at else "", "rows--muted"),
            (two_part(deal.title, deal.company, widths[1]), ""),
            (format_money(deal.value, deal.currency, compact=True), ""),
        ]

    def title_parts(self) -> list[str | tuple[str, str]]:
        total = len(self.row_ids)
        if not total:
            return [("Lost without a reason", "bold"), " · none — every loss says why."]
        return [("Lost without a reason", "bold"), f" · {total:,} · l or enter gives one"]

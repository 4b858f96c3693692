"""Every stale deal with its reason, oldest first, with the fixes at hand."""

from __future__ import annotations

from textual.binding import Binding

from pipeline_tui import actions, rules
from pipeline_tui.models import Deal
from pipeline_tui.money import format_money
from pipeline_tui.screens.deal_table import DealTableScreen
from pipeline_tui.widgets.deal_rows import Cells, Column, two_part


class StaleScreen(DealTableScreen):
    NAME = "stale"
    COLUMNS = (
        Column("Deal — company", weight=3),
        # The why is what tells one stale deal from the next: it gets the room (it names the
        # stage of an idle deal, so the Stage column gives way first on a narrow screen).
        Column("Why it is stale", weight=4),
        Column("Stage", width=11, hide_below=90),
        Column("Value", width=9, justify="right"),
    )
    EMPTY = "nothing is stale — the pipeline is honest today"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        *actions.bindings(
            "note",
            "next_step",
            "snooze",
            "move_to",
            "lost",
            "detail",
            hidden=("detail",),
            hints={
                "note": "a note is activity: the deal is no longer idle",
                "next_step": "one due in the future un-stales the deal",
                "snooze": "quiet until a date",
            },
        ),
    ]

    def row_ids_now(self) -> list[int]:
        return self.host.store.review.stale_ids(self.host.today)

    def cells(self, deal: Deal, widths: list[int]) -> Cells:
        stage = self.host.store.shape.stage(deal.stage_id)
        why = rules.stale_reason(deal, stage, self.host.today) or "no longer stale"
        return [
            (two_part(deal.title, deal.company, widths[0]), ""),
            (why, "rows--warning"),
            (stage.name, "rows--muted"),
            (format_money(deal.value, deal.currency, compact=True), ""),
        ]

    def title_parts(self) -> list[str | tuple[str, str]]:
        count = len(self.row_ids)
        if not count:
            return [("Stale deals", "bold"), " · nothing is stale — the pipeline is honest today."]
        return [
            ("Stale deals", "bold"),
            f" · {count:,} · oldest first · a note / t next step un-stales · z snooze",
        ]

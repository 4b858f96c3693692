"""The shape every deal list shares: a title line over a windowed list of deals, with the
fixes at hand. The list holds ids (one indexed query) and draws only the visible rows."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from pipeline_tui import actions
from pipeline_tui.actions import DealAction
from pipeline_tui.models import Deal
from pipeline_tui.operations import Done
from pipeline_tui.screens.deal_screen import DealScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.styles import SCREENS_CSS
from pipeline_tui.widgets.deal_rows import Cells, Column, DealRows


class DealTableScreen(DealScreen):
    """Subclasses set NAME, COLUMNS and EMPTY, say which ids to list (`row_ids_now`) and how
    a row reads (`cells`), write the title (`title_parts`) and say what Enter does (the
    deal detail, unless they bind enter to another action)."""

    CSS_PATH = SCREENS_CSS

    NAME: ClassVar[str] = "deals"  # ids: #NAME-title, #NAME-table
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    EMPTY: ClassVar[str] = "nothing here"
    BINDINGS = actions.bindings("detail", hidden=("detail",))
    ENTER: ClassVar[str] = "detail"  # the deal action Enter (or a double click) runs

    def __init__(self) -> None:
        super().__init__()
        self.row_ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static("", id=f"{self.NAME}-title", classes="screen-title")
        yield DealRows(self.COLUMNS, self.cells, empty=self.EMPTY, id=f"{self.NAME}-table")
        yield KeyBar()

    @property
    def rows(self) -> DealRows:
        return self.query_one(DealRows)

    def on_mount(self) -> None:
        self.reload()
        self.set_focus(self.rows)

    def row_ids_now(self) -> list[int]:
        raise NotImplementedError

    def cells(self, deal: Deal, widths: list[int]) -> Cells:
        raise NotImplementedError

    def title_parts(self) -> list[str | tuple[str, str]]:
        return [(self.NAME, "bold")]

    def load(self, ids: list[int]) -> list[Deal]:
        return self.host.store.deals.get_many(ids)

    def follow(self, done: Done | None) -> None:
        self.reload()

    def reload(self) -> None:
        rows = self.rows
        current = rows.deal
        self.row_ids = self.row_ids_now()
        rows.set_rows(self.row_ids, self.load, keep=current.id if current else None)
        self.set_title(self.title_parts())

    def set_title(self, parts: list[str | tuple[str, str]]) -> None:
        self.query_one(f"#{self.NAME}-title", Static).update(Content.assemble(*parts))

    @property
    def deal(self) -> Deal | None:
        """The deal on the cursor's row, as the list shows it."""
        return self.rows.deal

    def deals_for(self, action: DealAction) -> list[Deal]:
        deal = self.deal
        return [deal] if deal is not None else []

    @on(DealRows.Chosen)
    def _chosen(self, event: DealRows.Chosen) -> None:
        self.action_deal(self.ENTER)

"""The shape every deal list shares: a title line over a table with a row per deal."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pipeline_tui.errors import NotFoundError
from pipeline_tui.models import Deal

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp


class DealTableScreen(Screen[None]):
    """Subclasses set NAME and COLUMNS, fill the table in `reload` (keeping `row_ids` in
    table order) and say what Enter does in `action_open`."""

    NAME: ClassVar[str] = "deals"  # ids: #NAME-title, #NAME-table
    COLUMNS: ClassVar[tuple[str, ...]] = ()

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.row_ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static("", id=f"{self.NAME}-title", classes="screen-title")
        yield DataTable(id=f"{self.NAME}-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.COLUMNS)
        self.reload()
        table.focus()

    def reload(self) -> None:
        raise NotImplementedError

    def set_title(self, text: str) -> None:
        self.query_one(f"#{self.NAME}-title", Static).update(text)

    def keep_cursor(self, row: int) -> None:
        """After a refill, the cursor stays on the same row number (or the last row)."""
        if self.row_ids:
            self.query_one(DataTable).move_cursor(row=min(row, len(self.row_ids) - 1))

    @property
    def deal(self) -> Deal | None:
        """The deal on the cursor's row, read fresh from the store."""
        table = self.query_one(DataTable)
        if not self.row_ids or table.cursor_row >= len(self.row_ids):
            return None
        try:
            return self.app.store.get(self.row_ids[table.cursor_row])
        except NotFoundError:  # removed by another process since the list was read
            return None

    def action_open(self) -> None:
        if deal := self.deal:
            self.app.open_detail(deal)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

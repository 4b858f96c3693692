"""Search every word the seller wrote (`f` on the board): titles, companies, contacts, next
steps, notes, loss and win notes, competitors. Each hit shows the deal and the words around
the match; enter opens the deal, and the deal keys act on the hit under the cursor."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from pipeline_tui import actions
from pipeline_tui.actions import DealAction
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.models import Deal
from pipeline_tui.money import format_money
from pipeline_tui.operations import Done
from pipeline_tui.screens.deal_screen import DealScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.slips import day
from pipeline_tui.store.search import Found, Hit

TYPING_PAUSE_S = 0.12  # search once typing pauses, not on every key
LIMIT = 100


def hit_text(hit: Hit, today: date, width: int) -> Text:
    """A hit's two lines: the deal, then where the words are and the snippet, matches bold."""
    deal = hit.deal
    company = f" — {safe(deal.company)}" if deal.company else ""
    first = Text(safe(deal.title), style="bold")
    first.append(company)
    when = f" {day(hit.at.date(), today)}" if hit.at is not None else ""
    second = Text(f"  {hit.where}{when}: ", style="dim")
    for part, matched in hit.snippet.parts:
        second.append(safe(part), style="bold reverse" if matched else "")
    for line in (first, second):  # each line cut to the width (a long title never eats the snippet)
        line.truncate(max(20, width), overflow="ellipsis")
    return Text("\n").join([first, second])


class SearchScreen(DealScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("slash", "focus_query", "Search", key_display="/", tooltip="Search — type the words to find"),
        *actions.bindings("detail", "note", "next_step", "move_to", "won", "lost", hidden=("detail",)),
    ]

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text
        self.found: Found | None = None
        self._pending: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="search-title", classes="screen-title")
        yield Input(
            value=self.text,
            placeholder="Find any word: titles, companies, contacts, notes, competitors (any case or accent)",
            id="search-input",
            compact=True,
        )
        yield DataTable(id="search-table", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#search-table", DataTable)
        table.add_columns("Deal · where the words are", "Stage", "Value")
        self.set_focus(self.query_one("#search-input", Input))
        self.run_search()

    def follow(self, done: Done | None) -> None:
        self.run_search()

    # ---------------------------------------------------------------- searching

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self.text = event.value
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(TYPING_PAUSE_S, self.run_search)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.run_search()
        table = self.query_one("#search-table", DataTable)
        if table.row_count:
            self.set_focus(table)

    def run_search(self) -> None:
        """Search for what is typed now and show the hits."""
        self._pending = None
        table = self.query_one("#search-table", DataTable)
        table.clear()
        self.found = None
        text = self.text.strip()
        if not text:
            self._title("type a word", "")
            return
        try:
            found = self.found = self.host.store.search.find(text, limit=LIMIT)
        except InputError as exc:
            self._title(str(exc), "")
            return
        width = max(30, self.size.width - 30)
        for hit in found.hits:
            deal = hit.deal
            stage = self.host.store.shape.stage(deal.stage_id)
            table.add_row(
                hit_text(hit, self.host.today, width),
                Text(safe(stage.name)),
                Text(format_money(deal.value, deal.currency, compact=True), justify="right"),
                height=2,
                key=str(deal.id),
            )
        if not found.hits:
            self._title("no deal matches", "")
            return
        more = f" (the best {len(found.hits):,})" if found.total > len(found.hits) else ""
        count = f"{found.total:,} deal{'s' if found.total != 1 else ''}{more}"
        self._title(count, " · enter: to the hits, enter again opens one · / back to the words")

    def _title(self, what: str, keys: str) -> None:
        self.query_one("#search-title", Static).update(
            Content.assemble(("Search", "bold"), "  ", (what, "bold" if keys else "dim"), (keys, "dim"))
        )

    # ------------------------------------------------------------------ actions

    def action_focus_query(self) -> None:
        self.set_focus(self.query_one("#search-input", Input))

    @property
    def hit(self) -> Hit | None:
        table = self.query_one("#search-table", DataTable)
        if self.found is None or not table.row_count or not 0 <= table.cursor_row < len(self.found.hits):
            return None
        return self.found.hits[table.cursor_row]

    def deals_for(self, action: DealAction) -> list[Deal]:
        hit = self.hit
        if hit is None:
            return []
        return [self.host.store.deals.get(hit.deal.id)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "deal":
            return self.is_mounted and isinstance(self.focused, DataTable) and self.hit is not None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        hit = self.hit
        if hit is not None:
            self.host.flows.detail([self.host.store.deals.get(hit.deal.id)])

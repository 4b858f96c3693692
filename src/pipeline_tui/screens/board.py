"""The board: one column per stage, cards rendered lazily from indexed queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from pipeline_tui.models import Deal, Stage
from pipeline_tui.widgets.stage_column import CardContext, CardList, StageColumn

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp


NARROW_COLUMN = 14  # below this many cells a column is unreadable


class BoardScreen(Screen[None]):
    BINDINGS = [
        Binding("left,h", "focus_column(-1)", "←", show=False),
        Binding("right", "focus_column(1)", "→", show=False),
        Binding("shift+right,greater_than_sign", "move(1)", "Next stage", key_display=">"),
        Binding("shift+left,less_than_sign", "move(-1)", "Prev stage", key_display="<", show=False),
        Binding("m", "move_to", "Move"),
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit", show=False),
        Binding("enter", "detail", "Detail", show=False),
        Binding("a", "note", "Note"),
        Binding("w", "won", "Won"),
        Binding("l", "lost", "Lost"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("x", "export", "Export", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self.selected: dict[int, int] = {}  # stage id -> deal id under the cursor
        self.ctx: CardContext | None = None
        self.columns: list[StageColumn] = []
        self._rebuilding = False
        self._status_pending = False

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        app = self.app
        self.ctx = CardContext(today=app.today, currency=app.settings.currency)
        yield Static("", id="status")
        with Horizontal(id="board"):
            for stage in app.store.stages():
                column = self._make_column(stage)
                self.columns.append(column)
                yield column
        yield Input(
            placeholder="Filter: title, company or contact — Enter keeps it, Escape clears",
            id="filter",
            compact=True,
        )
        yield Footer()

    def _make_column(self, stage: Stage) -> StageColumn:
        assert self.ctx is not None
        return StageColumn(stage, self.ctx, self._loader(stage), closed_days=self.app.settings.closed_days)

    def _loader(self, stage: Stage):  # type: ignore[no-untyped-def]
        def load(offset: int, limit: int) -> list[Deal]:
            return self.app.store.column(
                stage,
                today=self.app.today,
                offset=offset,
                limit=limit,
                closed_days=self.app.settings.closed_days,
                text=self.filter_text or None,
            )

        return load

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Columns share the width; when there is not room for all of them, each keeps a
        readable width and the board scrolls sideways to the focused one."""
        if not self.columns:
            return
        narrow = self.size.width < len(self.columns) * NARROW_COLUMN
        for column in self.columns:
            column.styles.width = NARROW_COLUMN + 6 if narrow else "1fr"

    def on_descendant_focus(self, event) -> None:  # type: ignore[no-untyped-def]
        if isinstance(event.widget, CardList):
            event.widget.parent.scroll_visible(animate=False)  # type: ignore[union-attr]

    def on_mount(self) -> None:
        self._fit_columns()
        self.query_one("#filter", Input).display = False
        self.reload()
        if self.columns:
            self.columns[0].cards.focus()
        # Counting stale deals is the slowest query; the board paints first.
        self.call_after_refresh(self.update_status)

    # ------------------------------------------------------------------- data

    def reload(self, stage_ids: set[int] | None = None) -> None:
        """Re-read counts and visible windows (of the columns in `stage_ids`, or all), keeping
        each column's selected deal."""
        if self._rebuilding:
            return
        store = self.app.store
        stages = store.stages()
        if [s.id for s in stages] != [c.stage.id for c in self.columns] or any(
            s != c.stage for s, c in zip(stages, self.columns, strict=False)
        ):
            self._rebuild(stages)
            return
        assert self.ctx is not None
        self.ctx.today = self.app.today
        self.ctx.currency = self.app.settings.currency
        self.ctx.stages = {s.id: s for s in store.stages(include_archived=True)}
        self.ctx.reasons = {r.id: r for r in store.reasons(include_archived=True)}
        summaries = {
            summary.stage.id: summary
            for summary in store.summaries(
                today=self.app.today,
                closed_days=self.app.settings.closed_days,
                text=self.filter_text or None,
                stage_ids=stage_ids,
            )
        }
        for column in self.columns:
            summary = summaries.get(column.stage.id)
            if summary is None:
                continue
            column.closed_days = self.app.settings.closed_days
            column.show_summary(summary)
            column.cards.load(summary.count, cursor=self._cursor_for(column, summary.count))
        self.schedule_status()

    def schedule_status(self) -> None:
        """Recount the status line after the frame that shows the change (once per frame)."""
        if self.is_mounted and not self._status_pending:
            self._status_pending = True
            self.call_after_refresh(self.update_status)

    def _cursor_for(self, column: StageColumn, count: int) -> int | None:
        deal_id = self.selected.get(column.stage.id)
        if deal_id is None or not count:
            return None
        try:
            deal = self.app.store.get(deal_id)
        except Exception:  # deleted elsewhere: keep the cursor where it was
            return None
        if deal.stage_id != column.stage.id:
            return None
        return self.app.store.column_position(
            deal,
            column.stage,
            today=self.app.today,
            closed_days=self.app.settings.closed_days,
            text=self.filter_text or None,
        )

    def _rebuild(self, stages: list[Stage]) -> None:
        """The stages themselves changed (settings, another process): new columns."""
        if self._rebuilding:
            return
        self._rebuilding = True
        self.call_later(self._replace_columns, stages, self.current_stage_id)

    async def _replace_columns(self, stages: list[Stage], focused: int | None) -> None:
        board = self.query_one("#board", Horizontal)
        try:
            await board.remove_children()
            self.columns = [self._make_column(stage) for stage in stages]
            await board.mount_all(self.columns)
            self._fit_columns()
        finally:
            self._rebuilding = False
        self.reload()
        for column in self.columns:
            if column.stage.id == focused:
                column.cards.focus()
                return
        if self.columns:
            self.columns[0].cards.focus()

    def update_status(self) -> None:
        self._status_pending = False
        store, today = self.app.store, self.app.today
        stale = store.stale_count(today)
        due, _ = store.revisit_counts(today, self.app.settings.revisit_horizon_days)
        total = store.count()
        parts = [f"[b]{total:,}[/] deal" + ("" if total == 1 else "s"), f"{today:%a %d %b %Y}"]
        if store.readonly:
            parts.insert(0, "[b $text-error]READ-ONLY[/]")
        parts.append(f"[$text-warning]⚠ {stale} stale[/] [dim](s)[/]" if stale else "nothing stale")
        parts.append(f"[$text-accent]↻ {due} revisits due[/] [dim](r)[/]" if due else "no revisits due")
        missing = store.lost_without_reason_count()
        if missing:
            parts.append(f"[$text-error]{missing} lost without reason[/]")
        if self.filter_text:
            parts.append(f"filter: [b]{escape(self.filter_text)}[/] [dim](esc clears)[/]")
        self.query_one("#status", Static).update("  ·  ".join(parts), layout=False)  # one line, always

    # -------------------------------------------------------------- selection

    @property
    def current_list(self) -> CardList | None:
        focused = self.focused
        if isinstance(focused, CardList):
            return focused
        for column in self.columns:
            if column.stage.id == getattr(self, "_last_stage", None):
                return column.cards
        return None

    @property
    def current_stage_id(self) -> int | None:
        cards = self.current_list
        return cards.stage.id if cards else None

    @property
    def current_deal(self) -> Deal | None:
        cards = self.current_list
        return cards.deal if cards else None

    @on(CardList.Highlighted)
    def _remember(self, event: CardList.Highlighted) -> None:
        if event.deal is not None:
            self.selected[event.card_list.stage.id] = event.deal.id
        if event.card_list.has_focus:
            self._last_stage = event.card_list.stage.id

    @on(CardList.Chosen)
    def _chosen(self, event: CardList.Chosen) -> None:
        self.app.open_detail(event.deal)

    def focus_deal(self, deal: Deal) -> None:
        """Focus the column holding `deal` and put the cursor on it (clearing a filter
        that would hide it)."""
        if self.filter_text and not self._matches_filter(deal):
            self.action_clear_filter()
        self.selected[deal.stage_id] = deal.id
        for column in self.columns:
            if column.stage.id == deal.stage_id:
                position = self.app.store.column_position(
                    deal,
                    column.stage,
                    today=self.app.today,
                    closed_days=self.app.settings.closed_days,
                    text=self.filter_text or None,
                )
                column.cards.focus()
                if position < column.cards.count:
                    column.cards.cursor = position
                return

    def _matches_filter(self, deal: Deal) -> bool:
        wanted = " ".join(self.filter_text.split()).casefold()
        return wanted in " ".join(f"{deal.title} {deal.company} {deal.contact}".split()).casefold()

    def _need_deal(self) -> Deal | None:
        deal = self.current_deal
        if deal is None:
            self.app.notify("No deal selected.", severity="warning")
        return deal

    # ---------------------------------------------------------------- actions

    def action_focus_column(self, step: int) -> None:
        if not self.columns:
            return
        ids = [c.stage.id for c in self.columns]
        current = self.current_stage_id
        index = ids.index(current) if current in ids else 0
        target = self.columns[max(0, min(len(ids) - 1, index + step))]
        target.cards.focus()

    def action_move(self, step: int) -> None:
        deal = self._need_deal()
        if deal is None:
            return
        stages = self.app.store.stages()
        ids = [s.id for s in stages]
        index = ids.index(deal.stage_id) + step if deal.stage_id in ids else -1
        if not 0 <= index < len(stages):
            self.app.notify("No stage that way.")
            return
        self.app.move_deal(deal, stages[index], then=self.focus_deal)

    def action_move_to(self) -> None:
        if deal := self._need_deal():
            self.app.choose_stage(deal, then=self.focus_deal)

    def action_lost(self) -> None:
        if deal := self._need_deal():
            self.app.mark_lost(deal, then=self.focus_deal)

    def action_won(self) -> None:
        if deal := self._need_deal():
            self.app.mark_won(deal, then=self.focus_deal)

    def action_new(self) -> None:
        stage_id = self.current_stage_id
        self.app.new_deal(self.app.store.stage(stage_id) if stage_id else None)

    def action_edit(self) -> None:
        if deal := self._need_deal():
            self.app.edit_deal(deal)

    def action_note(self) -> None:
        if deal := self._need_deal():
            self.app.add_note(deal)

    def action_detail(self) -> None:
        if deal := self._need_deal():
            self.app.open_detail(deal)

    def action_export(self) -> None:
        self.app.action_export()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = bool(self.filter_text)
        self._focus_cards()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if not self.filter_text and not box.display:
            return
        box.value = ""
        self.filter_text = ""
        box.display = False
        self.reload()
        self._focus_cards()

    def _focus_cards(self) -> None:
        stage_id = getattr(self, "_last_stage", None)
        for column in self.columns:
            if column.stage.id == stage_id:
                column.cards.focus()
                return
        if self.columns:
            self.columns[0].cards.focus()

"""The board: one column per stage, cards rendered lazily from indexed queries."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input

from pipeline_tui import actions
from pipeline_tui.actions import DealAction
from pipeline_tui.flows.runner import Then
from pipeline_tui.models import Deal, Stage, StageSummary
from pipeline_tui.operations import Done
from pipeline_tui.screens.deal_screen import DealScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.slips import NO_SLIP
from pipeline_tui.widgets.board_view import BoardView, Column
from pipeline_tui.widgets.card_text import CardContext, header_text
from pipeline_tui.widgets.status_line import StatusLine

STATUS_AT_LATEST_S = 0.25  # the status line's counts, when no frame of the board came first
EMPTY_HINT = (
    "No deals yet. n adds one here; to bring in a CRM's export: ctrl+p, Import deals "
    "(or pipeline-tui import FILE)."
)
FOLLOWS = frozenset({"next_stage", "prev_stage", "move_to", "won", "lost"})  # the cursor follows the deal


class BoardScreen(DealScreen):
    CSS_PATH = None  # the board is styled by app.tcss alone (its first paint loads no more)
    # description: the key bar's label; tooltip: "Palette title — what it does".
    # description: the key bar's label; tooltip: "Palette title — what it does".
    BINDINGS = [
        Binding(
            "left,h",
            "focus_column(-1)",
            "Column ←",
            show=False,
            key_display="← h",
            tooltip="Previous column — focus the column to the left",
            id="board.column-left",
        ),  # fmt: skip
        Binding(
            "right",
            "focus_column(1)",
            "Column →",
            show=False,
            key_display="→",
            tooltip="Next column — focus the column to the right (l is lost)",
            id="board.column-right",
        ),  # fmt: skip
        *actions.bindings("next_stage", "prev_stage", hidden=("prev_stage",)),
        actions.ACTIONS["move_to"].binding(),
        Binding("n", "new", "New", tooltip="New deal — add one to this column", id="board.new"),
        *actions.bindings(
            "edit",
            "detail",
            "note",
            "next_step",
            "won",
            "lost",
            "snooze",
            "archive",
            hidden=("edit", "detail", "next_step", "snooze", "archive"),
            hints={"snooze": "quiet a stale deal until a date"},
        ),  # fmt: skip
        Binding(
            "space",
            "mark",
            "Mark",
            tooltip="Mark card — the next action acts on every marked card (space again unmarks)",
            id="board.mark",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            tooltip="Filter — show deals matching text",
            id="board.filter",
        ),
        Binding(
            "f",
            "search",
            "Find",
            tooltip="Search — find deals by any word you wrote, notes too",
            id="board.search",
        ),
        Binding(
            "x",
            "export",
            "Export",
            show=False,
            tooltip="Export notes to CSV — every note with its deal",
            id="board.export",
        ),
        Binding(
            "i",
            "app.export_pipeline_calendar",
            "Calendar",
            show=False,
            tooltip="Calendar of next steps and revisits (.ics) — one file to import or subscribe to",
            id="board.calendar",
        ),
        Binding("escape", "clear_filter", "Clear marks or filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self.selected: dict[int, int] = {}  # stage id -> deal id under the cursor
        self.marked: dict[int, Deal] = {}  # deal id -> the deal as shown when it was marked
        self.ctx: CardContext | None = None
        self._status_pending = False
        self._away = False  # another screen (not a dialog) is over the board
        self._last_stage: int | None = None

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        app = self.host
        self.ctx = CardContext(
            today=app.today, currency=app.settings.currency, rates=app.settings.exchange_rates
        )
        yield StatusLine(lambda: (self.host.store, self.host.settings, self.host.today), id="status")
        self.view = BoardView(self.ctx, id="board")
        self.view.set_columns([Column(stage, self._loader(stage)) for stage in app.store.shape.stages()])
        yield self.view
        yield KeyBar(first=("app.review",))  # the daily review: the habit the board leads to

    @property
    def columns(self) -> list[Column]:
        return self.view.columns

    def _loader(self, stage: Stage) -> Any:
        def load(offset: int, limit: int) -> list[Deal]:
            store = self.host.store
            deals = store.board.column(
                stage,
                today=self.host.today,
                offset=offset,
                limit=limit,
                closed_days=self.host.settings.closed_days,
                text=self.filter_text or None,
            )
            if stage.is_open and deals and self.ctx is not None:
                # The window's pushed close dates, read with the window (never while drawing).
                ids = [d.id for d in deals]
                found = store.history.slips(ids)
                self.ctx.slips.update((i, found.get(i, NO_SLIP)) for i in ids)
            return deals

        return load

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_more)

    def _show_more(self) -> None:
        """Say how many columns are off screen to either side ('‹ 2 more ›')."""
        left, right = self.view.off_screen()
        parts = []
        if left:
            parts.append(f"‹ {left} more")
        if right:
            parts.append(f"{right} more ›")
        self._set_more("  ".join(parts))

    def _set_more(self, text: str) -> None:
        if text != self.status.more_text:
            self.status.more_text = text
            self.update_status()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    def on_mount(self) -> None:
        # The first frame shows each column's first cards. Counting the columns and the
        # status line's figures (the slow part with 100,000 deals) follow that frame.
        ctx = self._set_context()
        for column in self.columns:
            column.header = header_text(column.stage, None, ctx, self.host.settings.closed_days)
            self.view.load_column(column, None, None)
        self.set_focus(self.view)
        self.view.after_paint(self.reload)
        self.call_after_refresh(self._show_more)

    # ------------------------------------------------------------------- data

    def follow(self, done: Done | None) -> None:
        """A change made here redraws the columns it touched (counted from `done` where it
        can); one made elsewhere, every column. After an undo the cursor goes to the deal
        it took back, when the board is in front."""
        if done is None or (done.undid is not None and not done.deals):
            self.reload()
        else:
            self.reload(set(done.columns), done)
        if done is not None and done.undid is not None and done.deal is not None and self.app.screen is self:
            self.focus_deal(done.deal)

    def reload(self, stage_ids: set[int] | None = None, done: Done | None = None) -> None:
        """Re-read counts and visible windows (of the columns in `stage_ids`, or all), keeping
        each column's selected deal. `done`, the change that made the reload, lets an open
        column's count follow without counting it again."""
        app = self.host
        store = app.store
        stages = store.shape.stages()
        if [s.id for s in stages] != [c.stage.id for c in self.columns] or any(
            s != c.stage for s, c in zip(stages, self.columns, strict=False)
        ):
            self._rebuild(stages)
            return
        ctx = self._set_context()
        summaries = self._followed(stage_ids, done)
        if stage_ids is None or stage_ids - summaries.keys():
            counted = store.board.summaries(
                today=app.today,
                closed_days=app.settings.closed_days,
                text=self.filter_text or None,
                stage_ids=None if stage_ids is None else stage_ids - summaries.keys(),
            )
            summaries.update((summary.stage.id, summary) for summary in counted)
        for column in self.columns:
            summary = summaries.get(column.stage.id)
            if summary is None:
                continue
            column.summary = summary
            column.header = header_text(column.stage, summary, ctx, app.settings.closed_days)
            cursor = self._cursor_for(column, summary.count, done.after if done else [])
            self.view.load_column(column, summary.count, cursor)
        nothing = not self.filter_text and all(
            c.summary is not None and not c.summary.count for c in self.columns
        )
        self.view.set_empty_hint(EMPTY_HINT if nothing else "")
        self.schedule_status()

    def _set_context(self) -> CardContext:
        """What every card is drawn against: today, the currency, stages and reasons."""
        app, store, ctx = self.host, self.host.store, self.ctx
        assert ctx is not None
        ctx.today = app.today
        ctx.currency = app.settings.currency
        ctx.rates = app.settings.exchange_rates
        ctx.stages = {s.id: s for s in store.shape.stages(include_archived=True)}
        ctx.reasons = {r.id: r for r in store.shape.reasons(include_archived=True)}
        ctx.slip_limit = app.settings.slip_limit
        self.view.closed_days = app.settings.closed_days
        return ctx

    def _followed(self, stage_ids: set[int] | None, done: Done | None) -> dict[int, StageSummary]:
        """The summaries of the columns in `stage_ids` that follow from `done` alone."""
        if done is None or stage_ids is None or not done.deals:
            return {}
        out = {}
        for column in self.columns:
            summary = column.summary
            if column.stage.id not in stage_ids or summary is None:
                continue
            for change in done.deals:
                if change.before is None or change.after is None or summary is None:
                    summary = None
                    break
                summary = self.host.store.board.summary_after(
                    summary, change.before, change.after, text=self.filter_text or None
                )
            if summary is not None:
                out[column.stage.id] = summary
        return out

    def schedule_status(self) -> None:
        """Recount the status line after the frame that shows the change (once per frame);
        under another screen (a list, the daily review), once the board shows again."""
        if self.is_mounted and not self._status_pending:
            self._status_pending = True
            if self._on_screen():
                self.view.after_paint(self._pending_status)
                # Under a dialog the board may not repaint at all: the counts follow anyway.
                self.set_timer(STATUS_AT_LATEST_S, self._pending_status)

    def _pending_status(self) -> None:
        if self._status_pending:
            self.update_status()

    def _on_screen(self) -> bool:
        """On top, or under dialogs only (its status line shows around them)."""
        stack = self.app.screen_stack
        return self in stack and all(isinstance(s, ModalScreen) for s in stack[stack.index(self) + 1 :])

    def on_screen_suspend(self) -> None:
        stack = self.app.screen_stack
        self._away = bool(stack) and stack[-1] is not self and not isinstance(stack[-1], ModalScreen)

    def on_screen_resume(self) -> None:
        self.status.recount_review()  # what was done under another screen (the review) shows
        if self._away:  # back from a screen (the review's skips change no deal, but its count)
            self._away = False
            self._status_pending = True
        if self._status_pending:
            self.call_after_refresh(self._pending_status)

    def _cursor_for(self, column: Column, count: int, changed: list[Deal]) -> int | None:
        """Where the column's selected deal is now (`changed`, the deals a change just
        wrote, are not read again)."""
        deal_id = self.selected.get(column.stage.id)
        if deal_id is None or not count:
            return None
        store = self.host.store
        known = next((d for d in changed if d.id == deal_id), None)
        if known is not None:
            deal = known
        else:
            try:
                deal = store.deals.get(deal_id)
            except Exception:  # deleted elsewhere: keep the cursor where it was
                return None
        if deal.stage_id != column.stage.id or deal.archived:
            return None
        return store.board.column_position(
            deal,
            column.stage,
            today=self.host.today,
            closed_days=self.host.settings.closed_days,
            text=self.filter_text or None,
        )

    def _rebuild(self, stages: list[Stage]) -> None:
        """The stages themselves changed (settings, another process): new columns."""
        focused = self.current_stage_id
        self.view.set_columns([Column(stage, self._loader(stage)) for stage in stages])
        ids = [s.id for s in stages]
        self.view.focus_column(ids.index(focused) if focused in ids else 0)
        self.reload()

    def update_status(self) -> None:
        """Counts that need the seller, most urgent first; the filter is never cut off."""
        self._status_pending = False
        self.status.filter_text = self.filter_text
        self.status.update_counts()

    # -------------------------------------------------------------- selection

    @property
    def current_list(self) -> Column | None:
        return self.view.focused_column

    @property
    def current_stage_id(self) -> int | None:
        column = self.view.focused_column
        return column.stage.id if column else None

    @property
    def current_deal(self) -> Deal | None:
        """The deal under the cursor, as the board shows it."""
        return self.view.deal

    @on(BoardView.Highlighted)
    def _remember(self, event: BoardView.Highlighted) -> None:
        if event.deal is not None:
            self.selected[event.column.stage.id] = event.deal.id
        self._last_stage = event.column.stage.id
        if self.view.scrolled:
            self.call_after_refresh(self._show_more)

    @on(BoardView.Chosen)
    def _chosen(self, event: BoardView.Chosen) -> None:
        self.host.flows.detail([event.deal])

    def focus_deal(self, deal: Deal) -> None:
        """Focus the column holding `deal` and put the cursor on it (clearing a filter
        that would hide it)."""
        if deal.archived:
            return
        if self.filter_text and not self._matches_filter(deal):
            self.action_clear_filter()
        self.selected[deal.stage_id] = deal.id
        for index, column in enumerate(self.columns):
            if column.stage.id == deal.stage_id:
                position = self.host.store.board.column_position(
                    deal,
                    column.stage,
                    today=self.host.today,
                    closed_days=self.host.settings.closed_days,
                    text=self.filter_text or None,
                )
                self.set_focus(self.view)
                self.view.focus_column(index)
                if position < column.count:
                    self.view.set_cursor(column, position)
                self._last_stage = column.stage.id
                return

    def _matches_filter(self, deal: Deal) -> bool:
        from pipeline_tui.text import fold

        return fold(self.filter_text) in fold(f"{deal.title} {deal.company} {deal.contact}")

    # ---------------------------------------------------------------- actions

    def deals_for(self, action: DealAction) -> list[Deal]:
        """Every marked card, or the one under the cursor."""
        if self.marked and action.many:
            return list(self.marked.values())
        deal = self.current_deal
        return [deal] if deal is not None else []

    def after(self, action: DealAction) -> Then | None:
        marks = bool(self.marked) and action.many
        if not marks and action.name not in FOLLOWS:
            return None

        def saved(done: Done) -> None:
            if marks:
                self._set_marks({})  # they were acted on: the marks are spent
            if action.name in FOLLOWS and done.deal is not None:
                self.focus_deal(done.deal)  # the cursor goes with the deal a move took away

        return saved

    def action_mark(self) -> None:
        """Mark the card under the cursor (or unmark it), and go on to the next card."""
        deal = self.current_deal
        if deal is None:
            return
        marked = dict(self.marked)
        if marked.pop(deal.id, None) is None:
            marked[deal.id] = deal
        self._set_marks(marked)
        self.view.action_cursor(1)

    def forget(self) -> None:
        self._set_marks({})

    def _set_marks(self, marked: dict[int, Deal]) -> None:
        self.marked = marked
        self.view.marked = set(marked)
        self.view.refresh()
        self.status.marked = len(marked)
        self.update_status()

    def action_focus_column(self, step: int) -> None:
        # Now, not later: the next key typed acts on this column.
        self.view.focus_column(self.view.focus_index + step)
        self.set_focus(self.view)

    def action_new(self) -> None:
        stage_id = self.current_stage_id
        stage = self.host.store.shape.stage(stage_id) if stage_id else None
        self.host.flows.new(stage, then=self._focus_new)

    def _focus_new(self, done: Done) -> None:
        if done.deal is not None and self.app.screen is self:
            self.focus_deal(done.deal)

    def action_export(self) -> None:
        self.host.files.export_notes()

    def action_search(self) -> None:
        """Every word the seller wrote (the filter's text to start with): a list of hits,
        since a note that matches has no place on the board to show it."""
        from pipeline_tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(self.filter_text))

    @property
    def filter_box(self) -> Input:
        """The filter line, made the first time / is pressed (not before the first paint)."""
        found = self.query("#filter")
        if found:
            box = found.first()
            assert isinstance(box, Input)
            return box
        box = Input(
            placeholder="Filter: title, company or contact — Enter keeps it, Escape clears · f finds any "
            "word, notes too",
            id="filter",
            compact=True,
        )
        self.mount(box, before=self.query_one(KeyBar))
        return box

    def action_filter(self) -> None:
        box = self.filter_box
        box.display = True
        self.set_focus(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.filter_box.display = bool(self.filter_text)
        self._focus_cards()
        view = self.view
        here = view.columns[view.focus_index] if view.columns else None
        if self.filter_text and here is not None and not here.count:
            # The matches are elsewhere: the cursor goes to the first column that has one,
            # so the next key acts on a deal the seller filtered for.
            found = next((i for i, column in enumerate(view.columns) if column.count), None)
            if found is not None:
                view.focus_column(found)
                self._last_stage = view.columns[found].stage.id

    def action_clear_filter(self) -> None:
        if self.marked:  # escape clears the marks first, then the filter
            self._set_marks({})
            return
        if not self.query("#filter"):
            return
        box = self.filter_box
        if not self.filter_text and not box.display:
            return
        box.value = ""
        self.filter_text = ""
        box.display = False
        self.reload()
        self._focus_cards()

    def _focus_cards(self) -> None:
        self.set_focus(self.view)

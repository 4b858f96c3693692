"""The board: one column per stage, cards rendered lazily from indexed queries."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from pipeline_tui import operations as ops
from pipeline_tui.display import safe
from pipeline_tui.host import Host, host
from pipeline_tui.models import Deal, Stage, StageSummary
from pipeline_tui.report_render import quota_status
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.widgets.board_view import BoardView, CardContext, Column, header_text

STATUS_AT_LATEST_S = 0.25  # the status line's counts, when no frame of the board came first
REVIEW_WORKERS = "review-count"  # the worker group counting the review and health
REVIEW_RECOUNT_S = 0.5  # after changes on the board, the review and health figures follow once


class BoardScreen(Screen[None]):
    # description: the key bar's label; tooltip: "Palette title — what it does".
    BINDINGS = [
        Binding(
            "left,h",
            "focus_column(-1)",
            "Column ←",
            show=False,
            key_display="← h",
            tooltip="Previous column — focus the column to the left",
        ),  # fmt: skip
        Binding(
            "right",
            "focus_column(1)",
            "Column →",
            show=False,
            key_display="→",
            tooltip="Next column — focus the column to the right (l is lost)",
        ),  # fmt: skip
        Binding(
            "shift+right,greater_than_sign",
            "move(1)",
            "Next stage",
            key_display=">",
            tooltip="Move deal to next stage — one stage right",
        ),  # fmt: skip
        Binding(
            "shift+left,less_than_sign",
            "move(-1)",
            "Prev stage",
            key_display="<",
            show=False,
            tooltip="Move deal to previous stage — one stage left",
        ),  # fmt: skip
        Binding("m", "move_to", "Move", tooltip="Move deal to… — any stage"),
        Binding("n", "new", "New", tooltip="New deal — add one to this column"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit deal — title, value, dates"),
        Binding("enter", "detail", "Detail", show=False, tooltip="Deal detail — fields and timeline"),
        Binding("a", "note", "Note", tooltip="Add note — to the selected deal"),
        Binding(
            "t",
            "next_step",
            "Next step",
            show=False,
            tooltip="Set next step — what happens next, and by when",
        ),
        Binding("w", "won", "Won", tooltip="Mark deal won — Closed Won"),
        Binding("l", "lost", "Lost", tooltip="Mark deal lost — Closed Lost with a reason"),
        Binding("z", "snooze", "Snooze", show=False, tooltip="Snooze deal — quiet a stale deal until a date"),
        Binding(
            "A",
            "archive",
            "Archive",
            show=False,
            tooltip="Archive deal — hide junk or a duplicate, history kept",
        ),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter — show deals matching text"),
        Binding(
            "x", "export", "Export", show=False, tooltip="Export notes to CSV — every note with its deal"
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]
    reloads_columns = True

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self.selected: dict[int, int] = {}  # stage id -> deal id under the cursor
        self.ctx: CardContext | None = None
        self._status_pending = False
        self._last_stage: int | None = None
        self._more_text = ""
        self._review: Any = None  # the review and health figures last counted (review.Health)
        self._review_recount = False
        self._review_timer: Any = None
        self._review_counting = False  # a count is under way, on another thread
        self._review_counted = False  # the status line is redrawn for a count just made

    @property
    def host(self) -> Host:
        return host(self)

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        app = self.host
        self.ctx = CardContext(
            today=app.today, currency=app.settings.currency, rates=app.settings.exchange_rates
        )
        yield Static("", id="status")
        self.view = BoardView(self.ctx, id="board")
        self.view.set_columns([Column(stage, self._loader(stage)) for stage in app.store.stages()])
        yield self.view
        yield KeyBar()

    @property
    def columns(self) -> list[Column]:
        return self.view.columns

    def _loader(self, stage: Stage) -> Any:
        def load(offset: int, limit: int) -> list[Deal]:
            return self.host.store.column(
                stage,
                today=self.host.today,
                offset=offset,
                limit=limit,
                closed_days=self.host.settings.closed_days,
                text=self.filter_text or None,
            )

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
        if text != self._more_text:
            self._more_text = text
            self.update_status()

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

    def reload(self, stage_ids: set[int] | None = None, done: ops.Done | None = None) -> None:
        """Re-read counts and visible windows (of the columns in `stage_ids`, or all), keeping
        each column's selected deal. `done`, the change that made the reload, lets an open
        column's count follow without counting it again."""
        app = self.host
        store = app.store
        stages = store.stages()
        if [s.id for s in stages] != [c.stage.id for c in self.columns] or any(
            s != c.stage for s, c in zip(stages, self.columns, strict=False)
        ):
            self._rebuild(stages)
            return
        ctx = self._set_context()
        summaries = self._followed(stage_ids, done)
        if stage_ids is None or stage_ids - summaries.keys():
            counted = store.summaries(
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
            cursor = self._cursor_for(column, summary.count, done.deal if done else None)
            self.view.load_column(column, summary.count, cursor)
        self.schedule_status()

    def _set_context(self) -> CardContext:
        """What every card is drawn against: today, the currency, stages and reasons."""
        app, store, ctx = self.host, self.host.store, self.ctx
        assert ctx is not None
        ctx.today = app.today
        ctx.currency = app.settings.currency
        ctx.rates = app.settings.exchange_rates
        ctx.stages = {s.id: s for s in store.stages(include_archived=True)}
        ctx.reasons = {r.id: r for r in store.reasons(include_archived=True)}
        self.view.closed_days = app.settings.closed_days
        return ctx

    def _followed(self, stage_ids: set[int] | None, done: ops.Done | None) -> dict[int, StageSummary]:
        """The summaries of the columns in `stage_ids` that follow from `done` alone."""
        if done is None or done.before is None or done.deal is None or stage_ids is None:
            return {}
        out = {}
        for column in self.columns:
            if column.stage.id in stage_ids and column.summary is not None:
                summary = self.host.store.summary_after(
                    column.summary, done.before, done.deal, text=self.filter_text or None
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

    def on_screen_resume(self) -> None:
        self._review_recount = True  # what was done under another screen (the review) shows
        if self._status_pending:
            self.call_after_refresh(self._pending_status)

    def _cursor_for(self, column: Column, count: int, changed: Deal | None = None) -> int | None:
        """Where the column's selected deal is now (`changed`, the deal a change just
        wrote, is not read again)."""
        deal_id = self.selected.get(column.stage.id)
        if deal_id is None or not count:
            return None
        store = self.host.store
        if changed is not None and changed.id == deal_id:
            deal = changed
        else:
            try:
                deal = store.get(deal_id)
            except Exception:  # deleted elsewhere: keep the cursor where it was
                return None
        if deal.stage_id != column.stage.id or deal.archived:
            return None
        return store.column_position(
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
        app = self.host
        store, today = app.store, app.today
        stale = store.stale_count(today)
        due, _ = store.revisit_counts(today, app.settings.revisit_horizon_days)
        missing = store.lost_without_reason_count()
        parts: list[str | tuple[str, str]] = []
        if store.readonly:
            parts += [("READ-ONLY", "bold $text-error"), "  ·  "]
        if self.filter_text:
            parts += [
                ("filter: ", "bold"),
                (safe(self.filter_text), "bold reverse"),
                ("  (esc clears)  ·  ", "dim"),
            ]
        if self._more_text:  # columns off screen: said before the counts, never cut off
            parts += [(self._more_text, "bold $text-accent"), "  ·  "]
        parts.append((f"⚠ {stale:,} stale (s)", "$text-warning") if stale else "nothing stale")
        parts.append("  ·  ")
        parts.append((f"↻ {due:,} revisits due (r)", "$text-accent") if due else "no revisits due")
        if missing:
            parts += ["  ·  ", (f"{missing:,} lost without reason", "$text-error")]
        total = store.count()
        tail = f"  ·  {total:,} deal" + ("" if total == 1 else "s") + f"  ·  {today:%a %d %b %Y}"
        parts += self._quota_parts(parts, tail)
        parts += self._review_parts(parts, tail)
        parts.append((tail, "dim"))
        text = Content.assemble(*parts)
        self.query_one("#status", Static).update(text, layout=False)  # one line, always

    def _review_parts(self, before: list[str | tuple[str, str]], after: str) -> list[str | tuple[str, str]]:
        """Whether today's review is done (d) and the pipeline's health, in the longest form
        that fits between `before` and `after` (or, short of that, before `after` is cut off).

        Counting them reads every open deal (about 60 ms at 100,000 deals): they are counted
        on another thread, on a read-only connection of their own, so no key ever waits for
        them; after changes on the board, once for a burst, a moment after it."""
        from pipeline_tui.screens.review import status_variants

        if (self._review is None or self._review_recount) and not self._review_counting:
            self._review_recount = False
            self._count_review()
        elif not self._review_counted and self._review_timer is None:
            self._review_timer = self.set_timer(REVIEW_RECOUNT_S, self._recount_review)
        self._review_counted = False
        if self._review is None:  # the first count is still under way
            return []
        variants = status_variants(self._review)
        used = sum(cell_len(part if isinstance(part, str) else part[0]) for part in before)
        width = self.query_one("#status", Static).size.width or self.size.width
        room = width - 2 - used - len("  ·  ")
        fits = [v for v in variants if cell_len(v[0]) <= room - cell_len(after)] or [
            v for v in variants if cell_len(v[0]) <= room
        ]
        return ["  ·  ", fits[0]] if fits else []

    def _recount_review(self) -> None:
        self._review_timer = None
        self._review_recount = True
        self.update_status()

    def _count_review(self) -> None:
        from pipeline_tui.review import Health, health

        store, today = self.host.store, self.host.today
        if store.path is None:  # a database in memory has no second connection
            self._review = health(store, today)
            return

        def count() -> Health:
            with store.reader() as reader:
                return health(reader, today)

        self._review_counting = True
        self.run_worker(count, thread=True, group=REVIEW_WORKERS, exit_on_error=False)

    @on(Worker.StateChanged)
    def _review_count_done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != REVIEW_WORKERS or not event.worker.is_finished:
            return
        self._review_counting = False
        if event.state is WorkerState.SUCCESS:
            self._review = event.worker.result
        else:  # the second connection failed: count here (a damaged file then says so)
            from pipeline_tui.review import health

            self._review = health(self.host.store, self.host.today)
        self._review_counted = True
        self.update_status()

    def _quota_parts(self, before: list[str | tuple[str, str]], after: str) -> list[str | tuple[str, str]]:
        """The current period against the quota (attainment, to go, coverage, forecast), in
        as many words as the line has room for between `before` and `after` (or, short of
        that, before `after` is cut off); nothing when no quota is set."""
        settings = self.host.settings
        if not settings.quota:
            return []
        quota = self.host.store.quota(
            self.host.today,
            kind=settings.quota_period,
            quota=settings.quota,
            rates=settings.exchange_rates,
            apart=False,
        )
        used = sum(cell_len(part if isinstance(part, str) else part[0]) for part in before)
        width = self.query_one("#status", Static).size.width or self.size.width
        room = width - 2 - used - len("  ·  ")
        variants = quota_status(quota)
        fits = [t for t in variants if cell_len(t) <= room - cell_len(after)] or [
            t for t in variants if cell_len(t) <= room
        ]
        return ["  ·  ", (fits[0], "$text-accent")] if fits else []

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
        self.host.open_detail(event.deal)

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
                position = self.host.store.column_position(
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

    def _need_deal(self) -> Deal | None:
        deal = self.current_deal
        if deal is None:
            self.host.notify_text("No deal selected.", severity="warning")
        return deal

    # ---------------------------------------------------------------- actions

    def action_focus_column(self, step: int) -> None:
        # Now, not later: the next key typed acts on this column.
        self.view.focus_column(self.view.focus_index + step)
        self.set_focus(self.view)

    def action_move(self, step: int) -> None:
        if deal := self._need_deal():
            self.host.move_step(deal, step, then=self.focus_deal)

    def action_move_to(self) -> None:
        if deal := self._need_deal():
            self.host.choose_stage(deal, then=self.focus_deal)

    def action_lost(self) -> None:
        if deal := self._need_deal():
            self.host.mark_lost(deal, then=self.focus_deal)

    def action_won(self) -> None:
        if deal := self._need_deal():
            self.host.mark_won(deal, then=self.focus_deal)

    def action_new(self) -> None:
        stage_id = self.current_stage_id
        self.host.new_deal(self.host.store.stage(stage_id) if stage_id else None)

    def action_edit(self) -> None:
        if deal := self._need_deal():
            self.host.edit_deal(deal)

    def action_note(self) -> None:
        if deal := self._need_deal():
            self.host.add_note(deal)

    def action_next_step(self) -> None:
        if deal := self._need_deal():
            self.host.set_next_step(deal)

    def action_snooze(self) -> None:
        if deal := self._need_deal():
            self.host.snooze(deal)

    def action_archive(self) -> None:
        if deal := self._need_deal():
            self.host.archive_deal(deal)

    def action_detail(self) -> None:
        if deal := self._need_deal():
            self.host.open_detail(deal)

    def action_export(self) -> None:
        self.host.export_notes()

    @property
    def filter_box(self) -> Input:
        """The filter line, made the first time / is pressed (not before the first paint)."""
        found = self.query("#filter")
        if found:
            box = found.first()
            assert isinstance(box, Input)
            return box
        box = Input(
            placeholder="Filter: title, company or contact — Enter keeps it, Escape clears",
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

    def action_clear_filter(self) -> None:
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

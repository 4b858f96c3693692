"""The board: one column per stage, cards rendered lazily from indexed queries."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from pipeline_tui.display import safe
from pipeline_tui.host import Host, host
from pipeline_tui.models import Deal, Stage
from pipeline_tui.report_render import quota_status
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.widgets.stage_column import CardContext, CardList, StageColumn

NARROW_COLUMN = 14  # below this many cells a column is unreadable


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
        self.columns: list[StageColumn] = []
        self._rebuilding = False
        self._status_pending = False
        self._last_stage: int | None = None
        self._more = ""  # what #more says: the status line has the rest of the width

    @property
    def host(self) -> Host:
        return host(self)

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        app = self.host
        self.ctx = CardContext(
            today=app.today, currency=app.settings.currency, rates=app.settings.exchange_rates
        )
        with Horizontal(id="status-bar"):
            yield Static("", id="status")
            yield Static("", id="more")
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
        yield KeyBar()

    def _make_column(self, stage: Stage) -> StageColumn:
        assert self.ctx is not None
        return StageColumn(stage, self.ctx, self._loader(stage), closed_days=self.host.settings.closed_days)

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
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Columns share the width; when there is not room for all of them, each keeps a
        readable width and the board scrolls sideways to the focused one."""
        if not self.columns:
            return
        narrow = self.size.width < len(self.columns) * NARROW_COLUMN
        for column in self.columns:
            column.styles.width = NARROW_COLUMN + 6 if narrow else "1fr"
        self.call_after_refresh(self._show_more)

    def on_descendant_focus(self, event: Any) -> None:
        if isinstance(event.widget, CardList):
            event.widget.parent.scroll_visible(animate=False)  # type: ignore[union-attr]
            self.call_after_refresh(self._show_more)

    def _show_more(self) -> None:
        """Say how many columns are off screen to either side ('‹ 2 more ›')."""
        board = self.query_one("#board", Horizontal)
        left = right = 0
        view = board.scrollable_content_region
        start, end = board.scroll_x, board.scroll_x + view.width
        for column in self.columns:
            region = column.virtual_region
            if region.right <= start:
                left += 1
            elif region.x >= end:
                right += 1
        parts = []
        if left:
            parts.append(f"‹ {left} more")
        if right:
            parts.append(f"{right} more ›")
        self._more = "  ".join(parts)
        self.query_one("#more", Static).update(self._more)
        self.query_one("#more", Static).display = bool(parts)

    def on_mount(self) -> None:
        self._fit_columns()
        self.query_one("#filter", Input).display = False
        self.reload()
        if self.columns:
            self.set_focus(self.columns[0].cards)
        # Counting stale deals is the slowest query; the board paints first.
        self.call_after_refresh(self.update_status)

    # ------------------------------------------------------------------- data

    def reload(self, stage_ids: set[int] | None = None) -> None:
        """Re-read counts and visible windows (of the columns in `stage_ids`, or all), keeping
        each column's selected deal."""
        if self._rebuilding:
            return
        app = self.host
        store = app.store
        stages = store.stages()
        if [s.id for s in stages] != [c.stage.id for c in self.columns] or any(
            s != c.stage for s, c in zip(stages, self.columns, strict=False)
        ):
            self._rebuild(stages)
            return
        assert self.ctx is not None
        self.ctx.today = app.today
        self.ctx.currency = app.settings.currency
        self.ctx.rates = app.settings.exchange_rates
        self.ctx.stages = {s.id: s for s in store.stages(include_archived=True)}
        self.ctx.reasons = {r.id: r for r in store.reasons(include_archived=True)}
        summaries = {
            summary.stage.id: summary
            for summary in store.summaries(
                today=app.today,
                closed_days=app.settings.closed_days,
                text=self.filter_text or None,
                stage_ids=stage_ids,
            )
        }
        for column in self.columns:
            summary = summaries.get(column.stage.id)
            if summary is None:
                continue
            column.closed_days = app.settings.closed_days
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
        store = self.host.store
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
                self.set_focus(column.cards)
                return
        if self.columns:
            self.set_focus(self.columns[0].cards)

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
        parts.append((f"⚠ {stale} stale (s)", "$text-warning") if stale else "nothing stale")
        parts.append("  ·  ")
        parts.append((f"↻ {due} revisits due (r)", "$text-accent") if due else "no revisits due")
        if missing:
            parts += ["  ·  ", (f"{missing} lost without reason", "$text-error")]
        total = store.count()
        tail = f"  ·  {total:,} deal" + ("" if total == 1 else "s") + f"  ·  {today:%a %d %b %Y}"
        parts += self._quota_parts(parts, tail)
        parts.append((tail, "dim"))
        text = Content.assemble(*parts)
        self.query_one("#status", Static).update(text, layout=False)  # one line, always

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
        # The status line shares its row with #more (text and padding), which may have
        # changed since the last layout.
        width = self.query_one("#status-bar").size.width - (cell_len(self._more) + 2 if self._more else 0)
        room = width - 2 - used - len("  ·  ")
        variants = quota_status(quota)
        fits = [t for t in variants if cell_len(t) <= room - cell_len(after)] or [
            t for t in variants if cell_len(t) <= room
        ]
        return ["  ·  ", (fits[0], "$text-accent")] if fits else []

    # -------------------------------------------------------------- selection

    @property
    def current_list(self) -> CardList | None:
        focused = self.focused
        if isinstance(focused, CardList):
            return focused
        for column in self.columns:
            if column.stage.id == self._last_stage:
                return column.cards
        return None

    @property
    def current_stage_id(self) -> int | None:
        cards = self.current_list
        return cards.stage.id if cards else None

    @property
    def current_deal(self) -> Deal | None:
        """The deal under the cursor, as the board shows it."""
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
        self.host.open_detail(event.deal)

    def focus_deal(self, deal: Deal) -> None:
        """Focus the column holding `deal` and put the cursor on it (clearing a filter
        that would hide it)."""
        if deal.archived:
            return
        if self.filter_text and not self._matches_filter(deal):
            self.action_clear_filter()
        self.selected[deal.stage_id] = deal.id
        for column in self.columns:
            if column.stage.id == deal.stage_id:
                position = self.host.store.column_position(
                    deal,
                    column.stage,
                    today=self.host.today,
                    closed_days=self.host.settings.closed_days,
                    text=self.filter_text or None,
                )
                self.set_focus(column.cards)
                self._last_stage = column.stage.id
                if position < column.cards.count:
                    column.cards.cursor = position
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
        if not self.columns:
            return
        ids = [c.stage.id for c in self.columns]
        current = self.current_stage_id
        index = ids.index(current) if current in ids else 0
        target = self.columns[max(0, min(len(ids) - 1, index + step))]
        self.set_focus(target.cards)  # now: the next key typed acts on this column
        self._last_stage = target.stage.id

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

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self.set_focus(box)

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
        for column in self.columns:
            if column.stage.id == self._last_stage:
                self.set_focus(column.cards)
                return
        if self.columns:
            self.set_focus(self.columns[0].cards)

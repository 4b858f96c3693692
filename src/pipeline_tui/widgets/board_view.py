"""The board as one widget: every column's header and its visible cards, drawn line by line.

One widget, not a widget per column and per card: Textual lays out and styles each widget
on every frame, so the board's first paint and every move cost what one widget costs,
whatever the number of stages. The view never queries the store itself: each column has a
loader for a window of deals, called when the cursor or the scroll position moves, never
while rendering.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from pipeline_tui import rules
from pipeline_tui.models import Deal, Stage, StageKind, StageSummary
from pipeline_tui.widgets.card_text import CardContext, card_text
from pipeline_tui.widgets.lines import draw_line

CARD_HEIGHT = 5  # four lines of card and one of space
MARK = "◆ "  # before the title of a marked card
HEADER_HEIGHT = 2
NARROW_COLUMN = 14  # below this many cells a column is unreadable
SCROLLED_WIDTH = NARROW_COLUMN + 6  # each column's width when they cannot all fit
Loader = Callable[[int, int], list[Deal]]


class Column:
    """One stage's column: its header, and a cached window of its deals around the cursor."""

    def __init__(self, stage: Stage, loader: Loader) -> None:
        self.stage = stage
        self.loader = loader
        self.count = 0
        self.cursor = 0
        self.top = 0
        self.summary: StageSummary | None = None
        self.header = ""
        self._window_start = 0
        self._window: list[Deal] = []

    @property
    def cards(self) -> Column:
        """The column's cards (the column itself holds them)."""
        return self

    @property
    def deal(self) -> Deal | None:
        """The deal under the column's cursor."""
        return self.cached(self.cursor)

    def cached(self, index: int) -> Deal | None:
        offset = index - self._window_start
        if 0 <= offset < len(self._window):
            return self._window[offset]
        return None

    def ensure_window(self, visible: int) -> None:
        """Load the visible cards (and a margin) if the cache does not hold them."""
        if self.count == 0:
            self._window_start, self._window = 0, []
            return
        need_end = min(self.count, self.top + visible + 1)
        have_end = self._window_start + len(self._window)
        cursor_ok = self._window_start <= self.cursor < have_end
        if self._window and self._window_start <= self.top and need_end <= have_end and cursor_ok:
            return
        span = max(30, visible * 3)
        start = max(0, min(self.top, self.cursor) - span // 3)
        self._window_start = start
        self._window = self.loader(start, span)

    def scroll_to_cursor(self, visible: int) -> None:
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + visible:
            self.top = self.cursor - visible + 1
        self.top = max(0, min(self.top, max(0, self.count - visible)))

    def load(self, count: int | None, cursor: int | None, visible: int) -> None:
        """New data: the column's size, and where the cursor should be. A column not
        counted yet (None) holds its first window, the cursor on top."""
        if count is None:  # what the first frame shows, and no more
            self._window_start, self._window = 0, self.loader(0, visible + 1)
            self.count, self.cursor, self.top = len(self._window), 0, 0
            return
        self.count = count
        self._window = []
        target = self.cursor if cursor is None else cursor
        self.cursor = max(0, min(target, count - 1)) if count else 0
        self.scroll_to_cursor(visible)
        self.ensure_window(visible)


_WINDOW = re.compile(r" · last (\d+)d$")  # Won and Lost headers: the window of closures shown


class BoardView(Widget, can_focus=True):
    """Every column of the board in one widget; the focused column's cursor is the deal."""

    # Few on purpose: Textual restyles every component class of the view each time its
    # styles are applied (twice before the first paint).
    COMPONENT_CLASSES = {
        "card--title",
        "card--meta",  # the company, the next step, the selected card's bar
        "card--warning",  # stale, and a loss for no decision (in italics)
        "card--hint",  # how to start, on an empty pipeline
        "card--lost",
        "card--won",
        "card--bar",
        "card--selected",
        "card--cursor",
        "card--empty",
        "column--header",  # endpoint headers take the won and lost colours
        "column--rule",
    }
    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home,g", "jump(0)", show=False),
        Binding("end,G", "jump(-1)", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved to another card or column."""

        def __init__(self, view: BoardView, column: Column, deal: Deal | None) -> None:
            super().__init__()
            self.view = view
            self.column = column
            self.deal = deal

    class Chosen(Message):
        """Enter or a double click on a card."""

        def __init__(self, view: BoardView, deal: Deal) -> None:
            super().__init__()
            self.view = view
            self.deal = deal

    def __init__(self, ctx: CardContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ctx = ctx
        self.columns: list[Column] = []
        self.focus_index = 0
        self.first_shown = 0  # the leftmost column in view, when they cannot all fit
        self.closed_days = 30
        self._lines: dict[tuple[object, ...], Strip] = {}  # one column's line, drawn
        self._cards: dict[tuple[object, ...], list[Strip]] = {}  # a card's four lines, drawn
        self._joined: dict[tuple[object, ...], tuple[tuple[Strip, ...], Strip]] = {}  # whole lines
        self._fg_styles: dict[str, Style] = {}
        self._after_paint: list[Callable[[], object]] = []
        self.marked: set[int] = set()  # deals marked to act on together (the screen sets it)
        self.empty_hint = ""  # said in the first column when the pipeline has no deal at all

    # --------------------------------------------------------------- geometry

    @property
    def visible_cards(self) -> int:
        # Before the first layout, the terminal's height: at most one card too many.
        height = self.size.height or self.app.size.height
        return max(1, (height - HEADER_HEIGHT) // CARD_HEIGHT)

    @property
    def scrolled(self) -> bool:
        """Too narrow for every column: each keeps a readable width and the view scrolls."""
        return self.size.width < len(self.columns) * NARROW_COLUMN

    def layout_columns(self) -> list[tuple[int, int, int]]:
        """(column index, x, width) of every column in view, left to right."""
        width, count = self.size.width, len(self.columns)
        if not count or width <= 0:
            return []
        if not self.scrolled:
            base, extra = divmod(width, count)
            out, x = [], 0
            for i in range(count):
                w = base + (1 if i < extra else 0)
                out.append((i, x, w))
                x += w
            return out
        per_view = max(1, width // SCROLLED_WIDTH)
        self.first_shown = max(0, min(self.first_shown, count - per_view))
        out, x = [], 0
        for i in range(self.first_shown, min(count, self.first_shown + per_view)):
            w = SCROLLED_WIDTH if i < self.first_shown + per_view - 1 else width - x
            out.append((i, x, w))
            x += w
        return out

    def column_text(self, index: int, y: int) -> str:
        """What column `index` shows on line `y` of the view, as plain text ('' if out of view)."""
        for shown, _, width in self.layout_columns():
            if shown == index:
                column = self.columns[index]
                return self._column_lines(column, index, max(1, width - 1), y + 1, self.rich_style)[y].text
        return ""

    def off_screen(self) -> tuple[int, int]:
        """How many columns are out of view to the left and to the right."""
        shown = [i for i, _, _ in self.layout_columns()]
        if not shown:
            return 0, 0
        return shown[0], len(self.columns) - 1 - shown[-1]

    def _keep_focus_in_view(self) -> None:
        if not self.scrolled:
            self.first_shown = 0
            return
        per_view = max(1, self.size.width // SCROLLED_WIDTH)
        if self.focus_index < self.first_shown:
            self.first_shown = self.focus_index
        elif self.focus_index >= self.first_shown + per_view:
            self.first_shown = self.focus_index - per_view + 1

    # ------------------------------------------------------------------ data

    def set_columns(self, columns: list[Column]) -> None:
        self.columns = columns
        self.focus_index = min(self.focus_index, max(0, len(columns) - 1))
        self._forget_lines()
        self.refresh()

    @property
    def focused_column(self) -> Column | None:
        return self.columns[self.focus_index] if self.columns else None

    @property
    def deal(self) -> Deal | None:
        column = self.focused_column
        return column.deal if column else None

    def load_column(self, column: Column, count: int | None, cursor: int | None) -> None:
        column.load(count, cursor, self.visible_cards)
        self.refresh()
        if column is self.focused_column:
            self._announce()

    def focus_column(self, index: int) -> None:
        """Put the focus on column `index` (now: the next key acts on it)."""
        if not self.columns:
            return
        index = max(0, min(len(self.columns) - 1, index))
        if index != self.focus_index:
            self.focus_index = index
            self._keep_focus_in_view()
            self.refresh()
        self._announce()

    def set_cursor(self, column: Column, index: int) -> None:
        if not column.count:
            return
        column.cursor = max(0, min(column.count - 1, index))
        column.scroll_to_cursor(self.visible_cards)
        column.ensure_window(self.visible_cards)
        self.refresh()
        if column is self.focused_column:
            self._announce()

    def watch_has_focus(self, has_focus: bool) -> None:
        """Redraw, without restyling: no style of the board depends on :focus (the cursor
        card shows focus itself, in colour and in glyphs), and restyling its component
        classes cost about 2 ms of the first paint and of every return from a dialog.
        A test holds the stylesheets to that. (A card's lines are cached with its focus
        state in the key: the redraw shows the change.)"""
        self.refresh()

    def after_paint(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the view's next frame has gone to the screen: work that can
        wait (the status line's counts) never holds up the frame that shows a change."""
        self._after_paint.append(callback)
        self.refresh()

    def _announce(self) -> None:
        column = self.focused_column
        if column is not None:
            self.post_message(self.Highlighted(self, column, column.deal))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_lines()  # a theme or CSS change: every cached line has old colours

    def on_resize(self, event: events.Resize) -> None:
        """A new size was drawn already; another frame only if what is in view changed."""

        def in_view() -> list[object]:
            return [self.first_shown, *((c.top, c._window_start, len(c._window)) for c in self.columns)]

        before = in_view()
        self._keep_focus_in_view()
        for column in self.columns:
            column.scroll_to_cursor(self.visible_cards)
            column.ensure_window(self.visible_cards)
        if in_view() != before:
            self.refresh()

    def on_focus(self) -> None:
        self.refresh()
        self._announce()

    def on_blur(self) -> None:
        self.refresh()

    # --------------------------------------------------------------- actions

    def action_cursor(self, step: int) -> None:
        column = self.focused_column
        if column is not None:
            self.set_cursor(column, column.cursor + step)

    def action_page(self, step: int) -> None:
        self.action_cursor(step * self.visible_cards)

    def action_jump(self, where: int) -> None:
        column = self.focused_column
        if column is not None and column.count:
            self.set_cursor(column, 0 if where == 0 else column.count - 1)

    def _at(self, x: int, y: int) -> tuple[int, int | None] | None:
        """(column index, card index or None) under a point of the view."""
        for index, left, width in self.layout_columns():
            if left <= x < left + width:
                if y < HEADER_HEIGHT:
                    return index, None
                card = self.columns[index].top + (y - HEADER_HEIGHT) // CARD_HEIGHT
                return index, card if card < self.columns[index].count else None
        return None

    def on_click(self, event: events.Click) -> None:
        hit = self._at(event.x, event.y)
        if hit is None:
            return
        index, card = hit
        self.focus()
        self.focus_column(index)
        if card is not None:
            self.set_cursor(self.columns[index], card)
            if event.chain >= 2 and self.deal is not None:
                self.post_message(self.Chosen(self, self.deal))

    def _scroll_column(self, event: events.MouseEvent, step: int) -> None:
        hit = self._at(event.x, event.y)
        if hit is None:
            return
        event.stop()
        column = self.columns[hit[0]]
        visible = self.visible_cards
        column.top = max(0, min(max(0, column.count - visible), column.top + step))
        if column.cursor < column.top:
            column.cursor = column.top
        elif column.cursor >= column.top + visible:
            column.cursor = column.top + visible - 1
        column.ensure_window(visible)
        self.refresh()
        if column is self.focused_column:
            self._announce()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll_column(event, 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll_column(event, -1)

    # --------------------------------------------------------------- drawing

    def _fg(self, component: str) -> Style:
        """A component's text colour and weight, resolved against the view's background
        (so 'auto' and translucent colours read right in light and dark themes), without
        its background, so the cursor row's highlight shows through. "card--nodecision" is
        the warning colour in italics; "" is the view's own colour."""
        style = self._fg_styles.get(component)
        if style is None:
            if not component:
                style = Style()
            elif component == "card--nodecision":
                style = self._fg("card--warning") + Style(italic=True)
            else:
                full = self.get_component_rich_style(component)
                style = Style(color=full.color, bold=full.bold, italic=full.italic)
            self._fg_styles[component] = style
        return style

    def _forget_lines(self) -> None:
        self._lines.clear()
        self._cards.clear()
        self._joined.clear()
        self._fg_styles.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Every line is drawn whole here, so the lines go straight to the screen, through
        the app's line filters (NO_COLOR, a terminal's colour depth) only. A line is made of
        one cached strip per column; the same strips make the same line, which is reused:
        a frame redraws only the lines whose cards changed."""
        base = self.rich_style  # walked up the DOM once per paint, not once per line
        filters = self.get_line_filters()
        background = self.background_colors[1]
        width = self.size.width
        layout = self.layout_columns()
        rule_style = base + self._fg("column--rule")
        rule = self._cached(("rule",), lambda: Strip([Segment("│", rule_style)], 1))
        blank = self._cached(("blank", width), lambda: Strip.blank(width, base))
        height = max(crop.bottom, HEADER_HEIGHT)
        shown = [
            self._column_lines(self.columns[index], index, max(1, column_width - 1), height, base)
            for index, _, column_width in layout
        ]
        strips = []
        for y in range(crop.y, crop.bottom):
            parts: tuple[Strip, ...] = (blank,)
            if layout:
                parts = tuple(strip for lines in shown for strip in (lines[y], rule))
            key = (*map(id, parts), *map(id, filters), crop.x, crop.right, width)
            known = self._joined.get(key)
            if known is None:
                if len(self._joined) > 4000:
                    self._joined.clear()
                strip = Strip.join(parts).crop(0, width).adjust_cell_length(width, base)
                strip = strip.crop(crop.x, crop.right)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                # The parts are kept with the line: their ids stay theirs while it is cached.
                known = self._joined[key] = (parts, strip)
            strips.append(known[1])
        if self._after_paint:  # queued behind this frame, which is written out first
            for callback in self._after_paint:
                self.call_later(callback)
            self._after_paint.clear()
        return strips

    def _cached(self, key: tuple[object, ...], draw: Callable[[], Strip]) -> Strip:
        strip = self._lines.get(key)
        if strip is None:
            strip = self._lines[key] = draw()
        return strip

    def _header_line(self, column: Column, line: int, width: int, base: Style) -> Strip:
        key = ("header", column.stage.id, column.header, line, width)
        strip = self._lines.get(key)
        if strip is None:
            lines = column.header.split("\n")
            text = lines[line] if line < len(lines) else ""
            if cell_len(" " + text) > width:  # a narrow column: the closures' window, short
                text = _WINDOW.sub(r" · \1d", text)
            kind = column.stage.kind
            header_style = self.get_component_rich_style("column--header")
            if kind is StageKind.WON or kind is StageKind.LOST:
                header_style += self._fg("card--won" if kind is StageKind.WON else "card--lost")
            style = Style(bold=line == 0) if line == 0 else Style(dim=not column.count)
            strip = self._strip([(" " + text, style)], width, base + header_style)
            self._lines[key] = strip
        return strip

    def _column_lines(self, column: Column, index: int, width: int, height: int, base: Style) -> list[Strip]:
        """Lines 0 to `height` of a column: its header, then a card (four lines and a gap)
        after another from its top, each line a cached strip."""
        blank = self._cached(("blank", width), lambda: Strip.blank(width, base))
        out = [self._header_line(column, line, width, base) for line in range(HEADER_HEIGHT)]
        if column.count == 0 and index == 0 and self.empty_hint:
            out.append(blank)
            hint = self._fg("card--hint")
            for line in textwrap.wrap(self.empty_hint, max(8, width - 2))[: max(0, height - len(out))]:
                out.append(self._hint_line(line, width, base, hint))
        elif column.count == 0:
            empty = [(" no deals", self._fg("card--empty"))]
            out += [blank, self._cached(("empty", width), lambda: self._strip(empty, width, base))]
        card = column.top
        while len(out) < height and card < column.count:
            deal = column.cached(card)
            if deal is None:  # not loaded yet; the next refresh will have it
                out += [blank] * CARD_HEIGHT
            else:
                state = ""
                if card == column.cursor:
                    state = "cursor" if self.has_focus and index == self.focus_index else "selected"
                marked = deal.id in self.marked
                slip = self.ctx.slip(deal, column.stage)
                key = (deal, column.stage.id, width, state, self.ctx.today, marked, slip)
                card_lines = self._cards.get(key)
                if card_lines is None:
                    if len(self._cards) > 1500:
                        self._forget_lines()
                    card_lines = self._card_lines(deal, column.stage, width, state, base, marked=marked)
                    self._cards[key] = card_lines
                out += card_lines
                out.append(blank)
            card += 1
        out += [blank] * (height - len(out))
        return out[:height]

    def set_empty_hint(self, text: str) -> None:
        """What the first column says when the pipeline has no deal at all ("" once it has)."""
        if text != self.empty_hint:
            self.empty_hint = text
            self.refresh()

    def _hint_line(self, line: str, width: int, base: Style, style: Style) -> Strip:
        strip = self._lines.get(("hint", line, width))
        if strip is None:
            strip = self._lines[("hint", line, width)] = self._strip([(f" {line}", style)], width, base)
        return strip

    def _card_lines(
        self, deal: Deal, stage: Stage, width: int, state: str, base: Style, *, marked: bool = False
    ) -> list[Strip]:
        """A card's four lines, drawn together. A marked card says so in its first line with
        a glyph, so the mark shows without colour too (NO_COLOR, a monochrome terminal)."""
        stale = rules.is_stale(deal, stage, self.ctx.today)
        under = base
        if state:
            # The full style: a translucent background must be blended with the view's.
            under = base + self.get_component_rich_style(f"card--{state}")
        out = []
        for line, (text, component) in enumerate(card_text(deal, stage, self.ctx)):
            if line == 0 and marked:
                text = MARK + text
            style = self._fg(component)
            # The cursor shows without colour too (NO_COLOR, a monochrome terminal, colour
            # blindness): its own glyphs, and its title in reverse video.
            if state == "cursor":
                bar, bar_style = ("▶" if line == 0 else "┃"), self._fg("card--title") + Style(bold=True)
                if line == 0:
                    style = style + Style(reverse=True)
            elif state == "selected":
                bar, bar_style = ("▷" if line == 0 else "┆"), self._fg("card--meta")
            else:
                bar, bar_style = "▎", self._fg("card--warning" if stale else "card--bar")
            out.append(draw_line([(bar, bar_style), (text, style)], width, under))
        return out

    def _strip(
        self, parts: list[tuple[str, Style]], width: int, base: Style, row_style: Style | None = None
    ) -> Strip:
        return draw_line(parts, width, base + row_style if row_style is not None else base)

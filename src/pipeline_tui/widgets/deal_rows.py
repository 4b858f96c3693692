"""A list of deals, one per line, drawn only where visible (Line API).

The screen hands it the ids in list order (one indexed query) and a loader that reads a
window of deals by id; nothing is read while rendering. 50,000 rows open as fast as 50.
The cursor row is in reverse video and marked with ▶, so it shows without colour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from pipeline_tui.display import safe
from pipeline_tui.models import Deal

Loader = Callable[[list[int]], list[Deal]]
Cells = list[tuple[str, str]]  # (text, component class) per column


@dataclass(frozen=True)
class Column:
    title: str
    width: int | None = None  # fixed cells; None shares what the fixed columns leave
    justify: str = "left"
    weight: int = 1  # share of the flexible width
    hide_below: int = 0  # in a list narrower than this, the column is left out


def two_part(first: str, second: str, width: int, sep: str = " — ") -> str:
    """'Pilot, EMEA — Acme' fitted into `width`: both parts stay visible (a title shared by
    two rows is told apart by its company), each cut with an ellipsis as needed."""
    first, second = safe(first), safe(second)
    if not second:
        return first
    whole = first + sep + second
    room = width - cell_len(sep)
    if cell_len(whole) <= width or room < 4:
        return whole
    second_width = min(cell_len(second), max(room // 2, 6))
    first_width = room - second_width
    if cell_len(first) < first_width:
        first_width = cell_len(first)
        second_width = room - first_width
    return _cut(first, first_width) + sep + _cut(second, second_width)


def _cut(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    out = Text(text)
    out.truncate(width, overflow="ellipsis")
    return out.plain


class DealRows(Widget, can_focus=True):
    """Rows of deals with a header line; the cursor row is the selected deal."""

    COMPONENT_CLASSES = {
        "rows--header",
        "rows--cursor",
        "rows--selected",
        "rows--muted",
        "rows--warning",
        "rows--accent",
        "rows--error",
        "rows--empty",
    }
    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home,g,ctrl+home", "jump(0)", show=False),
        Binding("end,G,ctrl+end", "jump(-1)", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, layout=False)

    class Highlighted(Message):
        def __init__(self, rows: DealRows, deal: Deal | None) -> None:
            super().__init__()
            self.rows = rows
            self.deal = deal

    class Chosen(Message):
        def __init__(self, rows: DealRows, deal: Deal) -> None:
            super().__init__()
            self.rows = rows
            self.deal = deal

    def __init__(
        self,
        columns: Sequence[Column],
        cells: Callable[[Deal, list[int]], Cells],
        *,
        empty: str = "nothing here",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.cells = cells
        self.empty = empty
        self.ids: list[int] = []
        self.loader: Loader = lambda ids: []
        self.top = 0
        self._window_start = 0
        self._window: list[Deal] = []

    # ----------------------------------------------------------------- data

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    @property
    def deal(self) -> Deal | None:
        return self._cached(self.cursor)

    def _cached(self, index: int) -> Deal | None:
        offset = index - self._window_start
        if 0 <= offset < len(self._window):
            return self._window[offset]
        return None

    def set_rows(self, ids: list[int], loader: Loader, *, keep: int | None = None) -> None:
        """New ids in list order; the cursor stays on the deal `keep` (or the same row)."""
        old = self.cursor
        self.ids = ids
        self.loader = loader
        self._window = []
        target = ids.index(keep) if keep is not None and keep in ids else old
        self.cursor = max(0, min(target, len(ids) - 1)) if ids else 0
        self._scroll_to_cursor()
        self._ensure_window()
        self.refresh()
        self.post_message(self.Highlighted(self, self.deal))

    def _ensure_window(self) -> None:
        if not self.ids:
            self._window_start, self._window = 0, []
            return
        need_end = min(self.count, self.top + self.visible_rows + 1)
        have_end = self._window_start + len(self._window)
        if (
            self._window
            and self._window_start <= self.top
            and need_end <= have_end
            and self._cached(self.cursor)
        ):
            return
        span = max(60, self.visible_rows * 3)
        start = max(0, min(self.top, self.cursor) - span // 3)
        chunk = self.ids[start : start + span]
        found = {d.id: d for d in self.loader(chunk)}
        # A deal gone since the ids were read shows as missing until the next reload.
        self._window_start = start
        self._window = [found[i] for i in chunk if i in found]
        if len(self._window) != len(chunk):
            self.ids = self.ids[:start] + [i for i in chunk if i in found] + self.ids[start + span :]

    def _scroll_to_cursor(self) -> None:
        visible = self.visible_rows
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + visible:
            self.top = self.cursor - visible + 1
        self.top = max(0, min(self.top, max(0, self.count - visible)))

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.is_mounted:
            return
        self._scroll_to_cursor()
        self._ensure_window()
        self.refresh()
        if old != new:
            self.post_message(self.Highlighted(self, self.deal))

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()
        self._ensure_window()
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -------------------------------------------------------------- actions

    def action_cursor(self, step: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + step))

    def action_page(self, step: int) -> None:
        self.action_cursor(step * self.visible_rows)

    def action_jump(self, where: int) -> None:
        if self.count:
            self.cursor = 0 if where == 0 else self.count - 1

    def on_click(self, event: events.Click) -> None:
        index = self.top + event.y - 1
        if event.y >= 1 and 0 <= index < self.count:
            self.focus()
            self.cursor = index
            if event.chain >= 2 and self.deal is not None:
                self.post_message(self.Chosen(self, self.deal))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_cursor(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_cursor(-3)

    def action_choose(self) -> None:
        if self.deal is not None:
            self.post_message(self.Chosen(self, self.deal))

    # -------------------------------------------------------------- drawing

    def widths(self, total: int) -> list[int]:
        """Cells per column: fixed ones as asked, the rest shared by weight."""
        shown = [c for c in self.columns if total >= c.hide_below]
        gaps = len(shown) + 1  # the cursor mark, and one space before each column
        fixed = sum(c.width or 0 for c in shown)
        flexible = [c for c in shown if c.width is None]
        rest = max(0, total - fixed - gaps)
        weights = sum(c.weight for c in flexible) or 1
        out = []
        given = 0
        for column in self.columns:
            if total < column.hide_below:
                out.append(0)
            elif column.width is not None:
                out.append(column.width)
            else:
                share = rest * column.weight // weights
                out.append(share)
                given += share
        if flexible and rest > given:  # the remainder to the last flexible column
            last = max(i for i, c in enumerate(self.columns) if c.width is None and total >= c.hide_below)
            out[last] += rest - given
        return out

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = getattr(self, "_base", None) or self.rich_style
        widths = self.widths(width)
        if y == 0:
            cells = [(c.title, "rows--header") for c in self.columns]
            return self._line(cells, widths, width, base, " ", self.get_component_rich_style("rows--header"))
        index = self.top + y - 1
        if not self.ids:
            if y == 1:
                return self._line([(self.empty, "rows--empty")], [width - 1], width, base, " ", None)
            return Strip.blank(width, base)
        if index >= self.count:
            return Strip.blank(width, base)
        deal = self._cached(index)
        if deal is None:
            return Strip.blank(width, base)
        cells = self.cells(deal, widths)
        if index == self.cursor:
            state = "rows--cursor" if self.has_focus else "rows--selected"
            row_style = self.get_component_rich_style(state) + Style(reverse=self.has_focus)
            mark = "▶" if self.has_focus else "▷"
            return self._line(cells, widths, width, base, mark, row_style)
        return self._line(cells, widths, width, base, " ", None)

    def _line(
        self, cells: Cells, widths: list[int], width: int, base: Style, mark: str, row_style: Style | None
    ) -> Strip:
        text = Text(mark, no_wrap=True, end="")
        for (value, component), cell_width, column in zip(
            cells, widths, self.columns + self.columns, strict=False
        ):
            if cell_width <= 0:
                continue
            piece = Text(safe(value), no_wrap=True, overflow="ellipsis", end="")
            piece.truncate(cell_width, overflow="ellipsis", pad=True)
            if column.justify == "right":
                plain = piece.plain.rstrip()
                piece = Text(plain.rjust(cell_width), end="")
            if component:
                style = self.get_component_rich_style(component)
                piece.stylize(Style(color=style.color, bold=style.bold, italic=style.italic))
            text.append(" ")
            text.append_text(piece)
        text.truncate(width, overflow="ellipsis", pad=True)
        strip = Strip(list(text.render(self.app.console))).adjust_cell_length(width)
        return strip.apply_style(base + row_style if row_style is not None else base)

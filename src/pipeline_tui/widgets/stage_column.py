"""A board column: a header and a card list that renders only the visible cards (Line API).

The column never queries the store itself: the screen hands it a loader for a window of
deals, which it calls when the cursor or the scroll position moves, never while rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from pipeline_tui import rules
from pipeline_tui.display import safe
from pipeline_tui.models import Deal, LossReason, Outcome, Stage, StageKind, StageSummary
from pipeline_tui.money import Rates, format_money, format_totals

CARD_HEIGHT = 5  # four lines of card and one of space
Loader = Callable[[int, int], list[Deal]]


@dataclass
class CardContext:
    """What a card needs to draw itself, shared by all columns."""

    today: date
    currency: str
    rates: Rates | None = None
    stages: dict[int, Stage] = field(default_factory=dict)
    reasons: dict[int, LossReason] = field(default_factory=dict)


def card_text(deal: Deal, stage: Stage, ctx: CardContext) -> list[tuple[str, str]]:
    """The card's four lines as (text, component class) pairs; pure, for testing too."""
    stale = rules.stale_reason(deal, stage, ctx.today)
    days = rules.days_in_stage(deal, ctx.today)
    value = format_money(deal.value, deal.currency, compact=True)
    meta = f"{value} · {days}d"
    if stage.kind is StageKind.LOST:
        reason = ctx.reasons.get(deal.loss_reason_id or -1)
        label = rules.loss_label(reason, deal.competitor)
        if rules.outcome_of(reason) is Outcome.NO_DECISION:
            fourth = (f"∅ {label}", "card--nodecision")
        else:
            fourth = (f"✗ {label}", "card--lost")
    elif stage.kind is StageKind.WON:
        fourth = ("✓ won", "card--won")
    elif stale:
        fourth = (f"⚠ {stale}", "card--stale")
    elif deal.next_step:
        due = f" ({deal.next_step_due:%b %-d})" if deal.next_step_due else ""
        fourth = (f"→ {deal.next_step}{due}", "card--note")
    else:
        fourth = ("", "card--note")
    return [
        (safe(deal.title), "card--title"),
        (safe(deal.company) or "—", "card--meta"),
        (meta + (" ⚠" if stale else ""), "card--value"),
        (safe(fourth[0]), fourth[1]),
    ]


class CardList(Widget, can_focus=True):
    """The cards of one stage. Renders lines from a small cached window of deals."""

    COMPONENT_CLASSES = {
        "card--title",
        "card--meta",
        "card--value",
        "card--stale",
        "card--note",
        "card--lost",
        "card--nodecision",
        "card--won",
        "card--bar",
        "card--bar-stale",
        "card--selected",
        "card--cursor",
        "card--empty",
    }
    BINDINGS = [
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("home,g", "jump(0)", show=False),
        Binding("end,G", "jump(-1)", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, layout=False)

    class Highlighted(Message):
        """The cursor moved to another card (or to none)."""

        def __init__(self, card_list: CardList, deal: Deal | None) -> None:
            super().__init__()
            self.card_list = card_list
            self.deal = deal

    class Chosen(Message):
        """Enter or a double click on a card."""

        def __init__(self, card_list: CardList, deal: Deal) -> None:
            super().__init__()
            self.card_list = card_list
            self.deal = deal

    def __init__(self, stage: Stage, ctx: CardContext, loader: Loader, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stage = stage
        self.ctx = ctx
        self.loader = loader
        self.count = 0
        self.top = 0
        self._window_start = 0
        self._window: list[Deal] = []
        self._lines: dict[tuple[object, ...], Strip] = {}
        self._base: Style | None = None

    # ----------------------------------------------------------------- data

    @property
    def visible_cards(self) -> int:
        return max(1, self.size.height // CARD_HEIGHT)

    @property
    def deal(self) -> Deal | None:
        """The deal under the cursor."""
        return self._cached(self.cursor)

    def _cached(self, index: int) -> Deal | None:
        offset = index - self._window_start
        if 0 <= offset < len(self._window):
            return self._window[offset]
        return None

    def _ensure_window(self) -> None:
        """Load the visible cards (and a margin) if the cache does not hold them."""
        if self.count == 0:
            self._window_start, self._window = 0, []
            return
        need_end = min(self.count, self.top + self.visible_cards + 1)
        have_end = self._window_start + len(self._window)
        if self._window_start <= self.top and need_end <= have_end and self._window:
            return
        span = max(30, self.visible_cards * 3)
        start = max(0, self.top - span // 3)
        self._window_start = start
        self._window = self.loader(start, span)

    def load(self, count: int, *, cursor: int | None = None) -> None:
        """New data: the column's size, and where the cursor should be."""
        self.count = count
        self._window = []
        target = self.cursor if cursor is None else cursor
        self.cursor = max(0, min(target, count - 1)) if count else 0
        self._scroll_to_cursor()
        self._ensure_window()
        self.refresh()
        self.post_message(self.Highlighted(self, self.deal))

    def _scroll_to_cursor(self) -> None:
        visible = self.visible_cards
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
        self.post_message(self.Highlighted(self, self.deal))

    def on_blur(self) -> None:
        self.refresh()

    # -------------------------------------------------------------- actions

    def action_cursor(self, step: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + step))

    def action_page(self, step: int) -> None:
        self.action_cursor(step * self.visible_cards)

    def action_jump(self, where: int) -> None:
        if self.count:
            self.cursor = 0 if where == 0 else self.count - 1

    def on_click(self, event: events.Click) -> None:
        index = self.top + event.y // CARD_HEIGHT
        if 0 <= index < self.count:
            self.focus()
            self.cursor = index
            if event.chain >= 2 and self.deal is not None:
                self.post_message(self.Chosen(self, self.deal))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._scroll_by(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._scroll_by(-1)

    def _scroll_by(self, step: int) -> None:
        visible = self.visible_cards
        self.top = max(0, min(max(0, self.count - visible), self.top + step))
        if self.cursor < self.top:
            self.cursor = self.top
        elif self.cursor >= self.top + visible:
            self.cursor = self.top + visible - 1
        self._ensure_window()
        self.refresh()

    # -------------------------------------------------------------- drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()  # a theme or CSS change: every cached line has old colours

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style  # walked up the DOM once per paint, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index, line = divmod(y, CARD_HEIGHT)
        index += self.top
        base = self._base or self.rich_style
        if self.count == 0:
            if y == 1:
                empty = self._fg("card--empty")
                return self._strip([(" no deals", empty)], width, base)
            return Strip.blank(width, base)
        if index >= self.count or line == CARD_HEIGHT - 1:
            return Strip.blank(width, base)
        deal = self._cached(index)
        if deal is None:  # not loaded yet; the next refresh will have it
            return Strip.blank(width, base)
        state = ("cursor" if self.has_focus else "selected") if index == self.cursor else ""
        key = (deal, line, width, state, self.ctx.today)
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > 4000:
                self._lines.clear()
            strip = self._lines[key] = self._card_line(deal, line, width, state, base)
        return strip

    def _fg(self, component: str) -> Style:
        """A component's text colour and weight, resolved against the column's background
        (so 'auto' and translucent colours read right in light and dark themes), without
        its background, so the cursor row's highlight shows through."""
        full = self.get_component_rich_style(component)
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    def _card_line(self, deal: Deal, line: int, width: int, state: str, base: Style) -> Strip:
        text, component = card_text(deal, self.stage, self.ctx)[line]
        style = self._fg(component)
        stale = rules.is_stale(deal, self.stage, self.ctx.today)
        bar_style = self._fg("card--bar-stale" if stale else "card--bar")
        row_style: Style | None = None
        if state:
            # The full style: a translucent background must be blended with the column's.
            row_style = self.get_component_rich_style(f"card--{state}")
        # The cursor shows without colour too (NO_COLOR, a monochrome terminal, colour
        # blindness): its own glyphs, and its title in reverse video.
        if state == "cursor":
            bar, bar_style = ("▶" if line == 0 else "┃"), self._fg("card--title") + Style(bold=True)
            if line == 0:
                style = style + Style(reverse=True)
        elif state == "selected":
            bar, bar_style = ("▷" if line == 0 else "┆"), self._fg("card--meta")
        else:
            bar = "▎"
        return self._strip([(bar, bar_style), (text, style)], width, base, row_style)

    def _strip(
        self, parts: list[tuple[str, Style]], width: int, base: Style, row_style: Style | None = None
    ) -> Strip:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for chunk, style in parts:
            text.append(chunk.replace("\n", " "), style)
        text.truncate(width, overflow="ellipsis")
        strip = Strip(list(text.render(self.app.console))).adjust_cell_length(width)
        return strip.apply_style(base + row_style if row_style is not None else base)


class StageColumn(Vertical):
    """Header (name, count, total) above the stage's card list."""

    def __init__(self, stage: Stage, ctx: CardContext, loader: Loader, *, closed_days: int) -> None:
        super().__init__(id=f"column-{stage.id}", classes=f"column -{stage.kind.value}")
        self.stage = stage
        self.ctx = ctx
        self.closed_days = closed_days
        self.cards = CardList(stage, ctx, loader, id=f"cards-{stage.id}")
        self.header = Static(Text(safe(stage.name)), classes="column-header")

    def compose(self):  # type: ignore[no-untyped-def]
        yield self.header
        yield self.cards

    def show_summary(self, summary: StageSummary) -> None:
        # Never one figure added across currencies: "$12k + €30k" (or converted, and said so).
        total = format_totals(
            dict(summary.totals), base=self.ctx.currency, compact=True, rates=self.ctx.rates
        )
        text = Text(safe(self.stage.name), style="bold", no_wrap=True, overflow="ellipsis")
        detail = f"{summary.count} · {total}"
        if self.stage.is_endpoint:
            detail += f" · {self.closed_days}d"
        text.append("\n" + detail, style="dim" if not summary.count else "")
        # The header is two lines, always: no relayout of the board for a new count.
        self.header.update(text, layout=False)

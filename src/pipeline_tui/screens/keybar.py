"""The key bar at the bottom: the last message the app said, then the active bindings.

Messages never cover what the seller is doing: they are not toasts floating over forms and
rows, but a line of their own above the keys (two at most, for a long one), part of the
layout. It keeps the last message (and its "u to undo") until the next one; after its time
it dims. Until the app has said anything the bar is the keys' line alone.

The keys' line reads the same bindings the help screen and the command palette read, so a key
changed in one place changes everywhere. One widget drawing its own lines, redrawn only when
the bindings or the message change (not a widget per key, which cost a frame's worth of
layout on every focus change, nor a Static, whose markup-styled text took a millisecond of
the first paint)."""

from __future__ import annotations

import textwrap
from typing import Any

from rich.style import Style
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from pipeline_tui.widgets.lines import draw_line

MESSAGE_LINES = 2  # a long message wraps once; longer ones end in "…"
SEVERITY_CLASSES = {"warning": "keybar--warning", "error": "keybar--error"}


class KeyBar(Widget):
    """Footer replacement: the last message, and `key description` for every shown, enabled
    binding, each drawn as a line (styled by its component classes, like the Footer's keys)."""

    COMPONENT_CLASSES = {
        "keybar--key",
        "keybar--description",
        "keybar--message",
        "keybar--warning",
        "keybar--error",
        "keybar--old",
    }

    def __init__(self, *, first: tuple[str, ...] = ()) -> None:
        super().__init__(id="keybar")
        self.first = first  # binding ids shown before the rest (the board's `d`: the daily habit)
        self.keys: list[tuple[str, str]] = []  # (key as shown, what it does)
        self.said: Any = None  # the app's last message (app.Said), as shown
        self.fresh = False  # shown for less than its time: not dimmed yet
        self._message: list[str] = []  # the message's lines at the current width
        self._drawn: tuple[object, ...] | None = None
        self._strip: Strip | None = None
        self._dim_timer: Any = None

    @property
    def text(self) -> str:
        """The keys' line as plain text: ' a  Note   w  Won  …'."""
        return "".join(f" {key}  {description}  " for key, description in self.keys)

    @property
    def message(self) -> str:
        """The message as shown (its lines joined), '' when there is none."""
        return " ".join(self._message)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)
        if hasattr(self.app, "said"):
            self.watch(self.app, "said", self._said, init=False)
        self._said(fresh=False)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        seen: set[str] = set()
        keys: list[tuple[str, str]] = []
        active = list(screen.active_bindings.values())
        active.sort(key=lambda found: found[1].id not in self.first)  # stable: the rest keep their order
        for _, binding, enabled, _tooltip in active:
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((self.app.get_key_display(binding), binding.description))
        if keys != self.keys:
            self.keys = keys
            self._strip = None
            self.refresh()

    # --------------------------------------------------------------- message

    def _said(self, *_: object, fresh: bool = True) -> None:
        """The app said something: show it (a screen opened later shows the last one, dim)."""
        messages = getattr(self.app, "messages", None)
        said = messages[-1] if messages else None
        if said is self.said:
            return
        self.said = said
        self.fresh = fresh
        if self._dim_timer is not None:
            self._dim_timer.stop()
            self._dim_timer = None
        if said is not None and fresh:
            self._dim_timer = self.set_timer(max(0.5, said.timeout), self._dim)
        self._layout_message()

    def _dim(self) -> None:
        self._dim_timer = None
        self.fresh = False
        self.refresh()

    def on_resize(self) -> None:
        self._layout_message()

    def _layout_message(self) -> None:
        said = self.said
        width = max(10, (self.size.width or self.app.size.width) - 2)
        lines: list[str] = []
        if said is not None and (said.text or said.title):  # a blank one: the last taken back
            text = f"{said.title}: {said.text}" if said.title else said.text
            lines = textwrap.wrap(" ".join(text.split()), width, break_long_words=True) or [""]
            if len(lines) > MESSAGE_LINES:
                lines = lines[: MESSAGE_LINES - 1] + [" ".join(lines[MESSAGE_LINES - 1 :])]
        self._message = lines
        height = len(lines) + 1
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height
        self.refresh()

    # --------------------------------------------------------------- drawing

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip = None  # a theme or CSS change: new colours

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y < len(self._message):
            return self._message_line(y, width)
        if y > len(self._message):
            return Strip.blank(width)
        drawn = (tuple(self.keys), width)
        if self._strip is None or drawn != self._drawn:
            key = self.get_component_rich_style("keybar--key")
            description = self.get_component_rich_style("keybar--description")
            parts: list[tuple[str, Style]] = []
            for shown, what in self.keys:
                parts += [(f" {shown} ", key), (f" {what} ", description), (" ", Style())]
            self._strip, self._drawn = draw_line(parts, width, self.rich_style), drawn
        return self._strip

    def _message_line(self, y: int, width: int) -> Strip:
        said = self.said
        style = self.get_component_rich_style("keybar--message")
        severity = SEVERITY_CLASSES.get(getattr(said, "severity", ""))
        if severity is not None:
            style += self.get_component_rich_style(severity)
        if not self.fresh:
            style += self.get_component_rich_style("keybar--old")
        return draw_line([(" " + self._message[y], style)], width, style)

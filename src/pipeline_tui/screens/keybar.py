"""The key bar at the bottom: the active bindings as one line of text.

It reads the same bindings the help screen and the command palette read, so a key changed
in one place changes everywhere. One widget drawing its own line, redrawn only when the
bindings change (not a widget per key, which cost a frame's worth of layout on every focus
change, nor a Static, whose markup-styled text took a millisecond of the first paint)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from pipeline_tui.widgets.lines import draw_line


class KeyBar(Widget):
    """Footer replacement: `key description` for every shown, enabled binding, drawn as one
    line (styled by its component classes, like the Footer's keys)."""

    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}

    def __init__(self) -> None:
        super().__init__(id="keybar")
        self.keys: list[tuple[str, str]] = []  # (key as shown, what it does)
        self._drawn: tuple[object, ...] | None = None
        self._strip: Strip | None = None

    @property
    def text(self) -> str:
        """The bar as plain text: ' a  Note   w  Won  …'."""
        return "".join(f" {key}  {description}  " for key, description in self.keys)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        seen: set[str] = set()
        keys: list[tuple[str, str]] = []
        for _, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((self.app.get_key_display(binding), binding.description))
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip = None  # a theme or CSS change: new colours

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y:
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

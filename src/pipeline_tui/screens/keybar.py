"""The key bar at the bottom: the active bindings as one line of text.

It reads the same bindings the help screen and the command palette read, so a key changed
in one place changes everywhere. One Static redrawn only when the bindings change (not a
widget per key, which cost a frame's worth of layout on every focus change)."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    """Footer replacement: `key description` for every shown, enabled binding."""

    def __init__(self) -> None:
        super().__init__("", id="keybar", markup=False)
        self._shown: Any = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        seen: set[str] = set()
        parts: list[str | tuple[str, str]] = []
        keys: list[tuple[str, str]] = []
        for _, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((self.app.get_key_display(binding), binding.description))
        for key, description in keys:
            parts += [
                (f" {key} ", "bold $footer-key-foreground on $footer-key-background"),
                (f" {description} ", "$footer-description-foreground"),
                " ",
            ]
        if keys == self._shown:
            return
        self._shown = keys
        self.update(Content.assemble(*parts), layout=False)

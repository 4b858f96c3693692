"""A one-line bar of how much of a whole is done (the daily review's queue)."""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget


class ProgressBar(Widget):
    """One line: how much of the queue is dealt with."""

    DEFAULT_CSS = "ProgressBar { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.done, self.total = 0, 0

    def show(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.refresh()

    def render(self) -> RenderResult:
        width = max(1, self.size.width)
        filled = width if not self.total else width * self.done // self.total
        return Content.assemble(("━" * filled, "$text-success"), ("─" * (width - filled), "$text-disabled"))

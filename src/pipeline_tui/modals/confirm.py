"""A yes/no question, and how stored text is shown in a modal."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from pipeline_tui.display import safe
from pipeline_tui.styles import SCREENS_CSS


def shown(text: str) -> Text:
    """Stored or typed text as a widget shows it: inert (no markup, no control codes)."""
    return Text(safe(text, one_line=False))


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question: y or Enter on Yes; n or Escape says no."""

    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, question: str, *, default_no: bool = False) -> None:
        super().__init__()
        self.question = question
        self.default_no = default_no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(shown(self.question))
            with Horizontal(classes="button-row"):
                yield Button("Yes  y", id="confirm-yes", variant="primary", compact=True)
                yield Button("No  n", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#confirm-no" if self.default_no else "#confirm-yes", Button))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

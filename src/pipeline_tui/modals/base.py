"""What every form shares: the first field has focus the moment the form opens, Tab order
is the fields' order, ctrl+s saves from anywhere, and Escape throws away typed text only
after asking (an untouched form closes at once)."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, TextArea

from pipeline_tui.display import safe
from pipeline_tui.modals.confirm import ConfirmModal
from pipeline_tui.styles import SCREENS_CSS

T = TypeVar("T")


def editable(stored: str, *, one_line: bool = True) -> str:
    """Stored text as a form field shows it: inert (see `display.safe`), since a field
    draws its value on the terminal like any other text."""
    return safe(stored, one_line=one_line)


def as_stored(typed: str, stored: str, *, one_line: bool = True) -> str:
    """What a field pre-filled with `editable(stored)` holds on save: left as shown, the
    stored text itself, exactly (whatever control characters it carries); changed, what
    is now in the field."""
    return stored if typed == editable(stored, one_line=one_line) else typed


class FormModal(ModalScreen[T], Generic[T]):
    """A modal that collects input. Subclasses set AUTO_FOCUS to their first field."""

    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def on_mount(self) -> None:
        self._initial = self.values()

    def values(self) -> dict[str, str]:
        """What the fields hold now (to tell whether anything was typed)."""
        out: dict[str, str] = {}
        for widget in self.query("Input, TextArea"):
            if isinstance(widget, Input):
                out[widget.id or str(id(widget))] = widget.value
            elif isinstance(widget, TextArea):
                out[widget.id or str(id(widget))] = widget.text
        return out

    @property
    def dirty(self) -> bool:
        return self.values() != getattr(self, "_initial", self.values())

    def focus_field(self, widget: Widget) -> None:
        """Focus now, not after the queued keys: the next key typed goes here."""
        self.set_focus(widget)

    def action_cancel(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmModal("Throw away what you typed?  y discards it · n keeps editing", default_no=True),
            answered,
        )

    def action_save(self) -> None:  # pragma: no cover - every form defines it
        raise NotImplementedError

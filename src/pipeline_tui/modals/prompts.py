"""Small modals: a note, a next step, one line of text, a date, a stage, a yes/no."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from pipeline_tui.dates import parse_date, parse_optional_date
from pipeline_tui.errors import InputError
from pipeline_tui.models import Stage

T = TypeVar("T")


class NoteModal(ModalScreen[str | None]):
    """A multi-line note. ctrl+s saves, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield TextArea(id="note-text", compact=True, tab_behavior="focus", soft_wrap=True)
            yield Static("", id="note-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="note-save", variant="primary", compact=True)
                yield Button("Cancel  esc", id="note-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#note-text", TextArea).focus()

    @on(Button.Pressed, "#note-save")
    def action_save(self) -> None:
        text = self.query_one("#note-text", TextArea).text.strip()
        if not text:
            self.query_one("#note-error", Static).update("Write something first (or Escape).")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#note-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class NextStepModal(ModalScreen[tuple[str, date | None] | None]):
    """What happens next, and by when: a future due date un-stales the deal."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, title: str, *, step: str, due: date | None, today: date, day_first: bool) -> None:
        super().__init__()
        self.title_text = title
        self.step = step
        self.due = due
        self.today = today
        self.day_first = day_first

    def compose(self) -> ComposeResult:
        with Vertical(id="step-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with Horizontal(classes="field-row"):
                yield Label("Next step", classes="inline-label")
                yield Input(self.step, id="step-text", placeholder="Call to confirm budget", compact=True)
            with Horizontal(classes="field-row"):
                yield Label("Due", classes="inline-label")
                yield Input(
                    self.due.isoformat() if self.due else "",
                    id="step-due",
                    placeholder="fri, +3d, Dec 1",
                    compact=True,
                )
            yield Static("", id="step-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="step-save", variant="primary", compact=True)
                yield Button("Cancel  esc", id="step-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#step-text", Input).focus()

    @on(Input.Submitted, "#step-text")
    def _next(self) -> None:
        self.query_one("#step-due", Input).focus()

    @on(Input.Submitted, "#step-due")
    @on(Button.Pressed, "#step-save")
    def action_save(self) -> None:
        text = self.query_one("#step-text", Input).value.strip()
        if not text:
            self.query_one("#step-error", Static).update("Say what the next step is.")
            return
        try:
            due = parse_optional_date(
                self.query_one("#step-due", Input).value, self.today, day_first=self.day_first
            )
        except InputError as exc:
            self.query_one("#step-error", Static).update(f"Due: {exc}")
            return
        self.dismiss((text, due))

    @on(Button.Pressed, "#step-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptModal(ModalScreen[T | None], Generic[T]):
    """One line of input, checked by `parse` (which raises InputError with a message)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, parse: Callable[[str], T], *, value: str = "", placeholder: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.parse = parse
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input", compact=True)
            yield Static("", id="prompt-error", classes="error", markup=False)
            yield Label("[dim]Enter to confirm · Escape to cancel[/]")

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Submitted, "#prompt-input")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            result = self.parse(event.value)
        except InputError as exc:
            self.query_one("#prompt-error", Static).update(str(exc))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


def date_prompt(
    title: str, *, today: date, day_first: bool, value: str = "", after: date | None = None
) -> PromptModal[date]:
    def parse(text: str) -> date:
        when = parse_date(text, today, day_first=day_first)
        if after is not None and when <= after:
            raise InputError(f"{when:%a %d %b %Y} has passed; choose a day after {after:%d %b}.")
        return when

    return PromptModal(
        title,
        parse,
        value=value,
        placeholder="Mar 1, +3m, next fri, 2027-03-01",
    )


class StageModal(ModalScreen[Stage | None]):
    """Choose a stage from a list (type its first letters or use the arrows)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, stages: list[Stage], *, current: int | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.stages = stages
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="stage-dialog", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(
                *[
                    Option(
                        Text(s.name + ("  (current)" if s.id == self.current else "")),
                        id=str(s.id),
                        disabled=s.id == self.current,
                    )
                    for s in self.stages
                ],
                id="stage-list",
            )
            yield Label("[dim]Enter to choose · Escape to cancel[/]")

    def on_mount(self) -> None:
        options = self.query_one("#stage-list", OptionList)
        options.focus()
        for index, stage in enumerate(self.stages):
            if stage.id != self.current:
                options.highlighted = index
                break

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        """A letter jumps to the next stage starting with it."""
        if event.character and event.character.isalnum() and len(event.character) == 1:
            options = self.query_one("#stage-list", OptionList)
            start = (options.highlighted or 0) + 1
            order = self.stages[start:] + self.stages[:start]
            for stage in order:
                if stage.name.lower().startswith(event.character.lower()) and stage.id != self.current:
                    options.highlighted = self.stages.index(stage)
                    event.stop()
                    return

    @on(OptionList.OptionSelected, "#stage-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        stage_id = int(event.option.id or 0)
        self.dismiss(next(s for s in self.stages if s.id == stage_id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.question, markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Yes  y", id="confirm-yes", variant="primary", compact=True)
                yield Button("No  n", id="confirm-no", compact=True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

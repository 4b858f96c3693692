"""Small modals: a note, a next step, one line of text, a date, a stage, a yes/no, a choice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from pipeline_tui.dates import echo_date, parse_date, parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.modals.base import FormModal, as_stored, editable
from pipeline_tui.modals.confirm import ConfirmModal, shown
from pipeline_tui.models import Stage
from pipeline_tui.styles import SCREENS_CSS

T = TypeVar("T")
__all__ = [
    "ChoiceModal",
    "ConfirmModal",
    "NextStepModal",
    "NoteModal",
    "PromptModal",
    "StageModal",
    "date_prompt",
]


class NoteModal(FormModal[str | None]):
    """A multi-line note. ctrl+s saves, Escape cancels."""

    AUTO_FOCUS = "#note-text"

    def __init__(self, title: str, *, text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Label(shown(self.title_text), classes="dialog-title")
            yield TextArea(
                editable(self.text, one_line=False),
                id="note-text",
                compact=True,
                tab_behavior="focus",
                soft_wrap=True,
            )
            yield Static("", id="note-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="note-save", variant="primary", compact=True)
                yield Button("Cancel  esc", id="note-cancel", compact=True)

    @on(Button.Pressed, "#note-save")
    def action_save(self) -> None:
        text = as_stored(self.query_one("#note-text", TextArea).text, self.text, one_line=False).strip()
        if not text:
            self.query_one("#note-error", Static).update("Write something first (or Escape).")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#note-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


class NextStepModal(FormModal[tuple[str, date | None] | None]):
    """What happens next, and by when: a future due date un-stales the deal."""

    AUTO_FOCUS = "#step-text"

    def __init__(self, title: str, *, step: str, due: date | None, today: date, day_first: bool) -> None:
        super().__init__()
        self.title_text = title
        self.step = step
        self.due = due
        self.today = today
        self.day_first = day_first

    def compose(self) -> ComposeResult:
        with Vertical(id="step-dialog", classes="dialog"):
            yield Label(shown(self.title_text), classes="dialog-title")
            with Horizontal(classes="field-row"):
                yield Label("Next step", classes="inline-label")
                yield Input(
                    editable(self.step), id="step-text", placeholder="Call to confirm budget", compact=True
                )
            with Horizontal(classes="field-row"):
                yield Label("Due", classes="inline-label")
                yield Input(
                    self.due.isoformat() if self.due else "",
                    id="step-due",
                    placeholder="fri, +3d, Dec 1",
                    compact=True,
                )
                yield Static(self._echo(self.due.isoformat() if self.due else ""), id="step-due-echo",
                             classes="date-echo", markup=False)  # fmt: skip
            yield Static("", id="step-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="step-save", variant="primary", compact=True)
                yield Button("Cancel  esc", id="step-cancel", compact=True)

    def _echo(self, text: str) -> str:
        return echo_date(text, self.today, day_first=self.day_first, none="no date")

    @on(Input.Changed, "#step-due")
    def _echo_due(self, event: Input.Changed) -> None:
        """Say back the date as it is typed: '→ Tue 09 Dec'."""
        self.query_one("#step-due-echo", Static).update(self._echo(event.value))

    @on(Input.Submitted, "#step-text")
    def _next(self) -> None:
        self.focus_field(self.query_one("#step-due", Input))

    @on(Input.Submitted, "#step-due")
    @on(Button.Pressed, "#step-save")
    def action_save(self) -> None:
        text = as_stored(self.query_one("#step-text", Input).value, self.step).strip()
        if not text:
            self.query_one("#step-error", Static).update("Say what the next step is.")
            self.focus_field(self.query_one("#step-text", Input))
            return
        try:
            due = parse_optional_date(
                self.query_one("#step-due", Input).value, self.today, day_first=self.day_first
            )
        except InputError as exc:
            self.query_one("#step-error", Static).update(f"Due: {exc}")
            self.focus_field(self.query_one("#step-due", Input))
            return
        self.dismiss((text, due))

    @on(Button.Pressed, "#step-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


class PromptModal(FormModal[T | None], Generic[T]):
    """One line of input, checked by `parse` (which raises InputError with a message);
    optional quick picks fill the line in and confirm it."""

    AUTO_FOCUS = "#prompt-input"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        parse: Callable[[str], T],
        *,
        value: str = "",
        placeholder: str = "",
        picks: Sequence[tuple[str, str]] = (),
        echo: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.parse = parse
        self.value = value
        self.placeholder = placeholder
        self.picks = tuple(picks)
        self.echo = echo  # what the line means, said back as it is typed ('→ Tue 09 Dec')

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog", classes="dialog"):
            yield Label(shown(self.title_text), classes="dialog-title")
            yield Input(editable(self.value), placeholder=self.placeholder, id="prompt-input", compact=True)
            if self.echo is not None:
                yield Static(self.echo(self.value), id="prompt-echo", classes="date-echo", markup=False)
            if self.picks:
                with Horizontal(id="prompt-picks", classes="button-row"):
                    for index, (label, _) in enumerate(self.picks):
                        yield Button(label, id=f"pick-{index}", compact=True)
            yield Static("", id="prompt-error", classes="error", markup=False)
            yield Label("[dim]Enter to confirm · Escape to cancel[/]")

    def on_mount(self) -> None:
        super().on_mount()
        self._initial = {}  # a prompt pre-filled by the app has nothing of the user's yet

    @property
    def dirty(self) -> bool:
        return self.query_one("#prompt-input", Input).value not in ("", editable(self.value))

    @on(Input.Changed, "#prompt-input")
    def _echo_input(self, event: Input.Changed) -> None:
        if self.echo is not None:
            self.query_one("#prompt-echo", Static).update(self.echo(event.value))

    @on(Button.Pressed, "#prompt-picks Button")
    def _pick(self, event: Button.Pressed) -> None:
        index = int((event.button.id or "pick-0").removeprefix("pick-"))
        self._submit_text(self.picks[index][1])

    @on(Input.Submitted, "#prompt-input")
    def _submit(self, event: Input.Submitted) -> None:
        self._submit_text(event.value)

    def _submit_text(self, text: str) -> None:
        try:
            result = self.parse(as_stored(text, self.value))
        except InputError as exc:
            self.query_one("#prompt-error", Static).update(str(exc))
            return
        self.dismiss(result)

    def action_save(self) -> None:
        self._submit_text(self.query_one("#prompt-input", Input).value)


def date_prompt(
    title: str,
    *,
    today: date,
    day_first: bool,
    value: str = "",
    after: date | None = None,
    picks: Sequence[tuple[str, str]] = (),
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
        picks=picks,
        echo=lambda text: echo_date(text, today, day_first=day_first),
    )


class StageModal(ModalScreen[Stage | None]):
    """Choose a stage from a list (type its first letters or use the arrows)."""

    CSS_PATH = SCREENS_CSS

    AUTO_FOCUS = "#stage-list"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, stages: list[Stage], *, current: int | None = None, start: int | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.stages = stages
        self.current = current
        self.start = start  # the stage highlighted at first (else the first one to choose)

    def compose(self) -> ComposeResult:
        ids = [s.id for s in self.stages]
        first = (
            ids.index(self.start)
            if self.start in ids and self.start != self.current
            else next((i for i, s in enumerate(self.stages) if s.id != self.current), None)
        )
        options = OptionList(
            *[
                Option(
                    Text(safe(s.name) + ("  (current)" if s.id == self.current else "")),
                    id=str(s.id),
                    disabled=s.id == self.current,
                )
                for s in self.stages
            ],
            id="stage-list",
        )
        options.highlighted = first
        with Vertical(id="stage-dialog", classes="dialog"):
            yield Label(shown(self.title_text), classes="dialog-title")
            yield options
            yield Label("[dim]Enter to choose · Escape to cancel[/]")

    def on_key(self, event: Any) -> None:
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


class ChoiceModal(ModalScreen[Any]):
    """One of a few answers, each with its own key (Escape: none)."""

    CSS_PATH = SCREENS_CSS

    AUTO_FOCUS = "#choice-0"

    def __init__(self, title: str, text: str, options: Sequence[tuple[str, Any, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.options = list(options)
        self._bindings.bind("escape", "choose(-1)", "Cancel", show=False)
        for index, (key, _, label) in enumerate(self.options):
            self._bindings.bind(key, f"choose({index})", label)

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-dialog", classes="dialog"):
            yield Label(shown(self.title_text), classes="dialog-title")
            yield Static(shown(self.text))
            with Horizontal(classes="button-row"):
                for index, (key, _, label) in enumerate(self.options):
                    yield Button(f"{label}  {key}", id=f"choice-{index}", compact=True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(int((event.button.id or "choice-0").removeprefix("choice-")))

    def action_choose(self, index: int) -> None:
        self.dismiss(None if index < 0 else self.options[index][1])

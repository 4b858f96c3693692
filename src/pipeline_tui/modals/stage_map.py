"""The import's mapping step on the board: one stage value the file holds and nothing places,
and where its deals go (a stage of the board, or a new stage of that name). The board asks
one value at a time, as the command line lists them with a `--map` line each; the answers
are remembered for the next import of the same source."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from pipeline_tui.display import safe
from pipeline_tui.importer.stages import NEW
from pipeline_tui.modals.confirm import shown
from pipeline_tui.models import Stage
from pipeline_tui.styles import SCREENS_CSS


def value_label(value: str) -> str:
    """A stage value as the question shows it: quoted, or (empty) for a row without one."""
    return repr(safe(value)) if value else "(empty)"


class StageMapModal(ModalScreen[str | None]):
    """Where the deals with one stage value go: a stage's name, `new`, or None (no import)."""

    CSS_PATH = SCREENS_CSS

    AUTO_FOCUS = "#map-list"
    BINDINGS = [Binding("escape", "cancel", "Cancel import")]

    def __init__(
        self,
        file_name: str,
        value: str,
        rows: int,
        stages: list[Stage],
        *,
        place: tuple[int, int] = (1, 1),
        suggestion: str = "",
        said_open: str = "",
        open_unknown: str = "",
    ) -> None:
        super().__init__()
        self.file_name = file_name
        self.value = value
        self.rows = rows
        # A value that names a closed stage while the file says its deals are open goes to
        # an open stage (never a new stage of a name the board has).
        self.said_open = said_open
        # A value no stage has, on deals the file says are open (a status column): an open
        # stage of the board or a new one.
        self.open_unknown = open_unknown
        self.stages = [s for s in stages if s.is_open] if said_open or open_unknown else list(stages)
        self.place = place
        self.suggestion = suggestion

    def choices(self) -> list[tuple[str, str]]:
        """(answer, shown) in the order listed: the board's stages, then a new stage."""
        out = [(s.name, s.name) for s in self.stages]
        if not self.said_open:
            name = self.value.strip() or "(no stage)"
            out.append((NEW, f"New open stage {safe(name)!r}"))
        return out

    def compose(self) -> ComposeResult:
        number, total = self.place
        rows = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        if self.said_open:
            why = f"It names a closed stage, but the file says these deals are open ({self.said_open})."
        elif self.open_unknown:
            why = (
                "It is not a stage of this pipeline; the file says these deals are open "
                f"({self.open_unknown}), but not at which of your stages."
            )
        else:
            why = (
                "It is not a stage of this pipeline, and the file does not say whether these deals are "
                "won or lost."
            )
        choices = self.choices()
        answers = [answer for answer, _ in choices]
        options = OptionList(
            *[Option(Text(label), id=f"map-{i}") for i, (_, label) in enumerate(choices)], id="map-list"
        )
        options.highlighted = answers.index(self.suggestion) if self.suggestion in answers else 0
        with Vertical(id="map-dialog", classes="dialog"):
            yield Static(
                shown(f"Import {self.file_name}: stage value {number} of {total}"), classes="dialog-title"
            )
            yield Static(Text(f"{value_label(self.value)}: {rows}. {why}"))
            yield Static(Text("Where do these deals go? The answer is remembered for the next import."))
            yield options
            yield Label(Text("Enter to choose · Escape to cancel the import", style="dim"))

    @on(OptionList.OptionSelected, "#map-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        index = int((event.option.id or "map-0").removeprefix("map-"))
        self.dismiss(self.choices()[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_each(
    ask: Any,
    file_name: str,
    values: list[tuple[str, int]],
    stages: list[Stage],
    *,
    suggestions: dict[str, str],
    said_open: dict[str, str],
    open_unknown: dict[str, str] | None = None,
    done: Any,
) -> None:
    """Ask where each value goes, one modal after the other; `done(answers)` after the last
    (answers: value -> a stage's name or `new`), or `done(None)` when one is cancelled."""
    answers: dict[str, str] = {}

    def step(index: int) -> None:
        if index == len(values):
            done(answers)
            return
        value, rows = values[index]

        def answered(target: str | None) -> None:
            if target is None:
                done(None)
                return
            answers[value] = target
            step(index + 1)

        modal = StageMapModal(
            file_name,
            value,
            rows,
            stages,
            place=(index + 1, len(values)),
            suggestion=suggestions.get(value, ""),
            said_open=said_open.get(value, ""),
            open_unknown=(open_unknown or {}).get(value, ""),
        )
        ask(modal, answered)

    step(0)

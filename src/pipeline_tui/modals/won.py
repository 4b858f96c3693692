"""The Closed Won prompt: why it was won (optional: type to filter, Enter picks; Enter with
nothing chosen saves the win without a reason), who was beaten when the reason asks, and a
note."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Static

from pipeline_tui.display import safe
from pipeline_tui.modals.reasons import ReasonInput, ReasonModal
from pipeline_tui.models import WinInput, WonReason


class WonModal(ReasonModal[WinInput | None, WonReason]):
    """Collects why deals were won; every field optional. Escape changes nothing."""

    AUTO_FOCUS = "#won-reason"
    PREFIX = "won"

    def __init__(self, subject: str, reasons: list[WonReason], *, stage_name: str = "Closed Won",
                 optional: bool = True, competitors: Sequence[str] = ()) -> None:  # fmt: skip
        super().__init__(reasons, competitors)  # names used in wins and losses alike
        self.subject = subject  # what was won: a deal's title, or "3 deals"
        self.stage_name = stage_name
        self.optional = optional  # False: giving a reason to a deal won already (one is needed)

    def compose(self) -> ComposeResult:
        dialog = VerticalScroll(id="won-dialog", classes="dialog")
        dialog.can_focus = False
        with dialog:
            yield Label(Text(safe(f"{self.stage_name}: {self.subject}")), classes="dialog-title")
            hint = (
                "Enter with nothing chosen: no reason" if self.optional else "type to filter, ↑↓, Enter picks"
            )
            yield Label(f"Why did you win?  [dim]({hint})[/]", classes="field-label")
            yield ReasonInput(
                placeholder="Type to filter the reasons (optional)", id="won-reason", compact=True
            )
            reason_list = OptionList(*self._options(self.reasons), id="won-reasons", compact=True)
            reason_list.can_focus = False
            yield reason_list
            with Horizontal(id="won-competitor-row", classes="field-row"):
                yield Label("Beat", classes="inline-label")
                yield self.competitor_input("Which competitor? (→ takes a name used before)")
            with Horizontal(classes="field-row"):
                yield Label("Note", classes="inline-label")
                yield Input(placeholder="optional; Enter saves", id="won-note", compact=True)
            yield Static("", id="won-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="won-save", variant="success", compact=True)
                yield Button("Cancel  esc", id="won-cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#won-competitor-row").display = False
        self.query_one("#won-reasons", OptionList).highlighted = None
        dialog = self.query_one("#won-dialog", VerticalScroll)
        self.call_after_refresh(dialog.scroll_home, animate=False)

    @on(Input.Changed, "#won-reason")
    def _filter(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(OptionList.OptionHighlighted, "#won-reasons")
    def _highlighted(self) -> None:
        self._sync_competitor()

    @on(OptionList.OptionSelected, "#won-reasons")
    def _clicked(self) -> None:
        self._pick()

    @on(Input.Submitted, "#won-reason")
    def _pick(self) -> None:
        """Enter picks what the typed text selects; with nothing typed or chosen, it saves the
        win without a reason (a won deal never needs one)."""
        reason_input = self.query_one("#won-reason", Input)
        if reason_input.value.strip() and (self.reason is None or not self._typed_matches(self.reason)):
            self._apply_filter(reason_input.value)
        reason = self.reason
        if reason is None:
            if reason_input.value.strip():
                self._no_match("No reason matches; clear the field to save without one, or use ↑↓.")
                return
            self.action_save()
            return
        self._picked(reason)

    @on(Input.Submitted, "#won-competitor")
    def _competitor_done(self) -> None:
        self.focus_field(self.query_one("#won-note", Input))

    @on(Input.Submitted, "#won-note")
    @on(Button.Pressed, "#won-save")
    def action_save(self) -> None:
        reason = self.reason
        if reason is not None and not self._typed_matches(reason):
            reason = None  # the highlight no longer matches what is typed
        note = self.query_one("#won-note", Input).value.strip()
        if reason is None:
            if not self.optional:
                self._error("Choose a reason: type to filter the list, then Enter.")
                self.focus_field(self.query_one("#won-reason", Input))
                return
            typed = self.query_one("#won-reason", Input).value.strip()
            if typed:
                self._error("No reason matches; clear the field to save without one, or use ↑↓.")
                self.focus_field(self.query_one("#won-reason", Input))
                return
            self.dismiss(WinInput(None, "", note))
            return
        competitor = self.competitor()
        if reason.needs_competitor and not competitor:
            self._error(f"{safe(reason.label)}: name the competitor.")
            self.query_one("#won-competitor-row").display = True
            self.focus_field(self.query_one("#won-competitor", Input))
            return
        self.dismiss(WinInput(reason.id, competitor if reason.needs_competitor else "", note))

    @on(Button.Pressed, "#won-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

"""The Closed Won prompt: why it was won (optional: type to filter, Enter picks; Enter with
nothing chosen saves the win without a reason), who was beaten when the reason asks, and a
note."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from pipeline_tui.display import safe
from pipeline_tui.modals.base import FormModal
from pipeline_tui.modals.lost import ReasonInput
from pipeline_tui.models import WinInput, WonReason
from pipeline_tui.text import fold


class WonModal(FormModal[WinInput | None]):
    """Collects why deals were won; every field optional. Escape changes nothing."""

    AUTO_FOCUS = "#won-reason"

    def __init__(self, subject: str, reasons: list[WonReason], *, stage_name: str = "Closed Won",
                 optional: bool = True, competitors: Sequence[str] = ()) -> None:  # fmt: skip
        super().__init__()
        # Names already used (in wins and losses alike): suggested as the competitor is typed,
        # and a name typed in another case is saved as it was spelled before, so "who you
        # beat" and "who beat you" name one competitor once.
        self.competitors = {fold(name): name for name in reversed(competitors)}
        self.subject = subject  # what was won: a deal's title, or "3 deals"
        self.reasons = reasons
        self.stage_name = stage_name
        self.optional = optional  # False: giving a reason to a deal won already (one is needed)
        self._shown: list[WonReason] = list(reasons)

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
                yield Input(
                    placeholder="Which competitor? (→ takes a name used before)",
                    id="won-competitor",
                    compact=True,
                    suggester=SuggestFromList(list(self.competitors.values()), case_sensitive=False)
                    if self.competitors
                    else None,
                )
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

    @staticmethod
    def _options(reasons: list[WonReason]) -> list[Option]:
        return [Option(Text(safe(r.label)), id=str(r.id)) for r in reasons]

    @property
    def reason(self) -> WonReason | None:
        """The highlighted reason in the (filtered) list."""
        index = self.query_one("#won-reasons", OptionList).highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    @on(Input.Changed, "#won-reason")
    def _filter(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    def _apply_filter(self, value: str) -> None:
        text = fold(value)
        shown = [r for r in self.reasons if text in fold(safe(r.label))] if text else list(self.reasons)
        exact = [r for r in shown if fold(safe(r.label)) == text]
        if [r.id for r in (exact or shown)] == [r.id for r in self._shown] and self.reason is not None:
            return
        self._shown = exact or shown
        reason_list = self.query_one("#won-reasons", OptionList)
        reason_list.set_options(self._options(self._shown))
        reason_list.highlighted = 0 if text and self._shown else None
        self._sync_competitor()

    def action_reason_step(self, step: int) -> None:
        if self.focused is not self.query_one("#won-reason", Input) or not self._shown:
            return
        reason_list = self.query_one("#won-reasons", OptionList)
        current = reason_list.highlighted
        start = -1 if step > 0 else len(self._shown)
        reason_list.highlighted = max(
            0, min(len(self._shown) - 1, (start if current is None else current) + step)
        )
        self._sync_competitor()

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
        if reason_input.value.strip() and (
            self.reason is None or fold(reason_input.value) not in fold(safe(self.reason.label))
        ):
            self._apply_filter(reason_input.value)
        reason = self.reason
        if reason is None:
            if reason_input.value.strip():
                self._error("No reason matches; clear the field to save without one, or use ↑↓.")
                return
            self.action_save()
            return
        with reason_input.prevent(Input.Changed):
            reason_input.value = safe(reason.label)
        self._shown = [reason]
        reason_list = self.query_one("#won-reasons", OptionList)
        reason_list.set_options(self._options(self._shown))
        reason_list.highlighted = 0
        self._sync_competitor()
        self._error("")
        self.focus_field(self.query_one("#won-competitor" if reason.needs_competitor else "#won-note"))

    def _sync_competitor(self) -> None:
        reason = self.reason
        self.query_one("#won-competitor-row").display = bool(reason and reason.needs_competitor)

    def _error(self, message: str) -> None:
        self.query_one("#won-error", Static).update(message)

    @on(Input.Submitted, "#won-competitor")
    def _competitor_done(self) -> None:
        self.focus_field(self.query_one("#won-note", Input))

    @on(Input.Submitted, "#won-note")
    @on(Button.Pressed, "#won-save")
    def action_save(self) -> None:
        reason = self.reason
        if reason is not None and fold(self.query_one("#won-reason", Input).value) not in fold(
            safe(reason.label)
        ):
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
        competitor = " ".join(self.query_one("#won-competitor", Input).value.split())
        competitor = self.competitors.get(fold(competitor), competitor)
        if reason.needs_competitor and not competitor:
            self._error(f"{safe(reason.label)}: name the competitor.")
            self.query_one("#won-competitor-row").display = True
            self.focus_field(self.query_one("#won-competitor", Input))
            return
        self.dismiss(WinInput(reason.id, competitor if reason.needs_competitor else "", note))

    @on(Button.Pressed, "#won-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

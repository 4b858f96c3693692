"""The Closed Lost prompt: reason (type to filter), competitor, follow-up note, revisit date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dateutil.relativedelta import relativedelta
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from pipeline_tui.dates import echo_date, parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.modals.base import FormModal
from pipeline_tui.models import LossInput, LossReason, Outcome
from pipeline_tui.text import fold


class ReasonInput(Input):
    """The reason filter: ↑ ↓ move through the list below it (before any container scrolls)."""

    BINDINGS = [
        Binding("down", "screen.reason_step(1)", show=False),
        Binding("up", "screen.reason_step(-1)", show=False),
    ]


QUICK_PICKS = (("3 months", 3), ("6 months", 6), ("1 year", 12), ("none", 0))


class LostModal(FormModal[LossInput | None]):
    """Collects why a deal was lost and what comes next. Escape changes nothing."""

    AUTO_FOCUS = "#lost-reason"

    def __init__(
        self,
        subject: str,
        reasons: list[LossReason],
        *,
        today: date,
        day_first: bool = False,
        stage_name: str = "Closed Lost",
        competitors: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.subject = subject  # what was lost: a deal's title, or "3 deals"
        self.reasons = reasons
        # Names already used: suggested as the competitor is typed, and a name typed in
        # another case is saved as it was spelled before ("salesforce": "Salesforce"), so
        # one competitor is not split in two in the report.
        self.competitors = {fold(name): name for name in reversed(competitors)}
        self.today = today
        self.day_first = day_first
        self.stage_name = stage_name
        self._shown: list[LossReason] = list(reasons)

    def compose(self) -> ComposeResult:
        dialog = VerticalScroll(id="lost-dialog", classes="dialog")
        dialog.can_focus = False  # scrolls with the focused field; not a Tab stop of its own
        with dialog:
            yield Label(Text(safe(f"{self.stage_name}: {self.subject}")), classes="dialog-title")
            yield Label("Reason  [dim](type to filter, ↑↓, Enter picks)[/]", classes="field-label")
            yield ReasonInput(placeholder="Type to filter the reasons", id="lost-reason", compact=True)
            reason_list = OptionList(*self._options(self.reasons), id="lost-reasons", compact=True)
            reason_list.can_focus = False
            yield reason_list
            with Horizontal(id="lost-competitor-row", classes="field-row"):
                yield Label("Competitor", classes="inline-label")
                yield Input(
                    placeholder="Who won it? (→ takes a name used before)",
                    id="lost-competitor",
                    compact=True,
                    suggester=SuggestFromList(list(self.competitors.values()), case_sensitive=False)
                    if self.competitors
                    else None,
                )
            yield Label("Follow-up note", classes="field-label")
            yield TextArea(id="lost-note", compact=True, tab_behavior="focus", soft_wrap=True)
            with Horizontal(classes="field-row"):
                yield Label("Revisit on", classes="inline-label")
                yield Input(placeholder="none, Mar 1, +6m…", id="lost-revisit", compact=True)
                yield Static("", id="lost-revisit-hint", markup=False)
            with Horizontal(id="lost-picks", classes="button-row"):
                for label, months in QUICK_PICKS:
                    yield Button(label, id=f"pick-{months}", compact=True)
            yield Static("", id="lost-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="lost-save", variant="error", compact=True)
                yield Button("Cancel  esc", id="lost-cancel", compact=True)

    def on_resize(self) -> None:
        """After the terminal changes size, keep the field being edited in view."""
        if self.focused is not None:
            self.call_after_refresh(self.focused.scroll_visible, animate=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#lost-competitor-row").display = False
        reason_list = self.query_one("#lost-reasons", OptionList)
        reason_list.highlighted = None
        # In a short terminal the dialog scrolls; open it at the top, where the deal is named.
        dialog = self.query_one("#lost-dialog", VerticalScroll)
        self.call_after_refresh(dialog.scroll_home, animate=False)

    @staticmethod
    def _options(reasons: list[LossReason]) -> list[Option]:
        return [
            Option(
                Text(safe(r.label) + ("  ∅ no decision" if r.outcome is Outcome.NO_DECISION else "")),
                id=str(r.id),
            )
            for r in reasons
        ]

    # ------------------------------------------------------------- reason list

    @property
    def reason(self) -> LossReason | None:
        """The highlighted reason in the (filtered) list."""
        index = self.query_one("#lost-reasons", OptionList).highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    @on(Input.Changed, "#lost-reason")
    def _filter(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    def _apply_filter(self, value: str) -> None:
        text = fold(value)
        # Matched against the labels as shown (a label is stored text, shown inert).
        shown = [r for r in self.reasons if text in fold(safe(r.label))] if text else list(self.reasons)
        exact = [r for r in shown if fold(safe(r.label)) == text]
        if [r.id for r in (exact or shown)] == [r.id for r in self._shown] and self.reason is not None:
            return  # the same list: keep what ↑↓ highlighted
        self._shown = exact or shown
        reason_list = self.query_one("#lost-reasons", OptionList)
        reason_list.set_options(self._options(self._shown))
        reason_list.highlighted = 0 if text and self._shown else None
        self._sync_competitor()

    def action_reason_step(self, step: int) -> None:
        if self.focused is not self.query_one("#lost-reason", Input) or not self._shown:
            return
        reason_list = self.query_one("#lost-reasons", OptionList)
        current = reason_list.highlighted
        start = -1 if step > 0 else len(self._shown)
        reason_list.highlighted = max(
            0, min(len(self._shown) - 1, (start if current is None else current) + step)
        )
        self._sync_competitor()

    @on(OptionList.OptionHighlighted, "#lost-reasons")
    def _highlighted(self) -> None:
        self._sync_competitor()

    @on(OptionList.OptionSelected, "#lost-reasons")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._pick()

    @on(Input.Submitted, "#lost-reason")
    def _pick(self) -> None:
        # Enter picks what the typed text selects, even if the filter has not run for it yet.
        reason_input = self.query_one("#lost-reason", Input)
        if self.reason is None or fold(reason_input.value) not in fold(safe(self.reason.label)):
            self._apply_filter(reason_input.value)
        reason = self.reason
        if reason is None:
            self._error("Type part of a reason, or use ↑↓ to choose one.")
            return
        reason_input = self.query_one("#lost-reason", Input)
        with reason_input.prevent(Input.Changed):
            reason_input.value = safe(reason.label)
        self._shown = [reason]
        reason_list = self.query_one("#lost-reasons", OptionList)
        reason_list.set_options(self._options(self._shown))
        reason_list.highlighted = 0
        self._sync_competitor()
        self._error("")
        # Straight to the next field this reason asks for (not wherever Tab order says
        # before the competitor row has appeared).
        target = "#lost-competitor" if reason.needs_competitor else "#lost-note"
        self.focus_field(self.query_one(target))

    def _sync_competitor(self) -> None:
        reason = self.reason
        self.query_one("#lost-competitor-row").display = bool(reason and reason.needs_competitor)

    # ------------------------------------------------------------ revisit date

    @on(Button.Pressed, "#lost-picks Button")
    def _quick_pick(self, event: Button.Pressed) -> None:
        months = int((event.button.id or "pick-0").removeprefix("pick-"))
        revisit = self.query_one("#lost-revisit", Input)
        revisit.value = (self.today + relativedelta(months=months)).isoformat() if months else ""

    @on(Input.Changed, "#lost-revisit")
    def _preview_revisit(self, event: Input.Changed) -> None:
        """Show what a typed date means before it is saved."""
        hint = echo_date(event.value, self.today, day_first=self.day_first, none="no revisit")
        self.query_one("#lost-revisit-hint", Static).update(hint)

    # ------------------------------------------------------------ save/cancel

    def _error(self, message: str) -> None:
        self.query_one("#lost-error", Static).update(message)

    @on(Input.Submitted, "#lost-competitor")
    def _competitor_done(self) -> None:
        self.focus_field(self.query_one("#lost-note", TextArea))

    @on(Input.Submitted, "#lost-revisit")
    @on(Button.Pressed, "#lost-save")
    def action_save(self) -> None:
        reason = self.reason
        if reason is None:
            self._error("Choose a reason: type to filter the list, then Enter.")
            self.focus_field(self.query_one("#lost-reason", Input))
            return
        competitor = " ".join(self.query_one("#lost-competitor", Input).value.split())
        competitor = self.competitors.get(fold(competitor), competitor)
        note = self.query_one("#lost-note", TextArea).text.strip()
        if reason.needs_competitor and not competitor:
            self._error(f"{safe(reason.label)}: name the competitor.")
            self.query_one("#lost-competitor-row").display = True
            self.focus_field(self.query_one("#lost-competitor", Input))
            return
        if reason.needs_note and not note:
            self._error(f"{safe(reason.label)}: the note is required — say what happened.")
            self.focus_field(self.query_one("#lost-note", TextArea))
            return
        try:
            revisit = parse_optional_date(
                self.query_one("#lost-revisit", Input).value, self.today, day_first=self.day_first
            )
        except InputError as exc:
            self._error(f"Revisit date: {exc}")
            self.focus_field(self.query_one("#lost-revisit", Input))
            return
        if revisit is not None and revisit <= self.today:
            self._error("Revisit date: choose a day after today (or none).")
            self.focus_field(self.query_one("#lost-revisit", Input))
            return
        self.dismiss(LossInput(reason.id, competitor if reason.needs_competitor else "", note, revisit))

    @on(Button.Pressed, "#lost-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

"""The Closed Lost prompt: reason (type to filter), competitor, follow-up note, revisit date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dateutil.relativedelta import relativedelta
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea

from pipeline_tui.dates import echo_date, parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.modals.reasons import ReasonInput, ReasonModal
from pipeline_tui.models import LossInput, LossReason, Outcome

QUICK_PICKS = (("3 months", 3), ("6 months", 6), ("1 year", 12), ("none", 0))


class LostModal(ReasonModal[LossInput | None, LossReason]):
    """Collects why a deal was lost and what comes next. Escape changes nothing."""

    AUTO_FOCUS = "#lost-reason"
    PREFIX = "lost"

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
        super().__init__(reasons, competitors)
        self.subject = subject  # what was lost: a deal's title, or "3 deals"
        self.today = today
        self.day_first = day_first
        self.stage_name = stage_name

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
                yield self.competitor_input("Who won it? (→ takes a name used before)")
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

    def _label(self, reason: LossReason) -> str:
        return safe(reason.label) + ("  ∅ no decision" if reason.outcome is Outcome.NO_DECISION else "")

    # ------------------------------------------------------------- reason list

    @on(Input.Changed, "#lost-reason")
    def _filter(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(OptionList.OptionHighlighted, "#lost-reasons")
    def _highlighted(self) -> None:
        self._sync_competitor()

    @on(OptionList.OptionSelected, "#lost-reasons")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._pick()

    @on(Input.Submitted, "#lost-reason")
    def _pick(self) -> None:
        # Enter picks what the typed text selects, even if the filter has not run for it yet.
        if self.reason is None or not self._typed_matches(self.reason):
            self._apply_filter(self.query_one("#lost-reason", Input).value)
        reason = self.reason
        if reason is None:
            self._no_match("No reason matches: type part of a reason, or use ↑↓ to choose one.")
            return
        self._picked(reason)

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
        competitor = self.competitor()
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

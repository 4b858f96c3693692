"""New / edit deal form. Parses what was typed; the caller saves it."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from pipeline_tui.dates import echo_date, format_date, parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.modals.base import FormModal, as_stored, editable
from pipeline_tui.models import Deal, DealDraft
from pipeline_tui.money import format_money, parse_amount

FIELDS = (
    ("title", "Title", "What is being sold, to whom"),
    ("company", "Company", ""),
    ("contact", "Contact", ""),
    ("value", "Value", "12k, $12,000, €3 500"),
    ("close", "Close date", "Dec 15, +6w, 2027-01-31"),
    ("next-step", "Next step", "Send proposal"),
    ("due", "Step due", "fri, +3d, 2027-01-31"),
)


DATES = ("close", "due")


def _value_text(value: int, currency: str) -> str:
    """The value as the seller reads it: '$16,000' (read back as the same amount)."""
    return format_money(value, currency) if value else ""


class DealFormModal(FormModal[DealDraft | None]):
    AUTO_FOCUS = "#deal-title"

    def __init__(
        self,
        deal: Deal | None,
        *,
        today: date,
        day_first: bool = False,
        draft: DealDraft | None = None,
        stage: str = "",
    ) -> None:
        super().__init__()
        self.deal = deal
        self.stage = stage  # where a new deal goes, said in the title
        self.today = today
        self.day_first = day_first
        self.draft = draft

    def compose(self) -> ComposeResult:
        d = self.draft or (
            DealDraft(
                title=self.deal.title,
                company=self.deal.company,
                contact=self.deal.contact,
                value=self.deal.value,
                currency=self.deal.currency,
                expected_close=self.deal.expected_close,
                next_step=self.deal.next_step,
                next_step_due=self.deal.next_step_due,
            )
            if self.deal
            else None
        )
        # Text fields show the stored text made inert; left as shown, they save it exactly.
        self._stored = {
            "title": d.title if d else "",
            "company": d.company if d else "",
            "contact": d.contact if d else "",
            "next-step": d.next_step if d else "",
        }
        values = {key: editable(text) for key, text in self._stored.items()} | {
            "value": _value_text(d.value, d.currency or "") if d else "",
            "close": format_date(d.expected_close) if d else "",
            "due": format_date(d.next_step_due) if d else "",
        }
        dialog = VerticalScroll(id="deal-dialog", classes="dialog")
        dialog.can_focus = False  # scrolls with the focused field; not a Tab stop of its own
        with dialog:
            title = (
                f"Edit #{self.deal.id}"
                if self.deal
                else f"New deal in {self.stage}"
                if self.stage
                else "New deal"
            )
            if self.draft is not None and self.deal is not None:
                title += " (as it is now, with your changes)"
            yield Label(safe(title), classes="dialog-title", markup=False)
            for key, label, placeholder in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="inline-label")
                    # Editing, the form opens with the cursor at the end of the title, so a typo
                    # is fixed without retyping; a field reached with Tab is selected, as in
                    # a browser, so what is typed replaces it instead of joining the old text.
                    yield Input(
                        values[key],
                        placeholder=placeholder,
                        id=f"deal-{key}",
                        compact=True,
                        select_on_focus=self.deal is None or key != "title",
                    )
                    if key in DATES:  # the date it reads, said back as it is typed
                        yield Static(self._echo(values[key]), id=f"deal-{key}-echo", classes="date-echo",
                                     markup=False)  # fmt: skip
            yield Static("", id="deal-error", classes="error", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Save  ^s", id="deal-save", variant="primary", compact=True)
                yield Button("Cancel  esc", id="deal-cancel", compact=True)

    def on_resize(self) -> None:
        """After the terminal changes size, keep the field being edited in view."""
        if self.focused is not None:
            self.call_after_refresh(self.focused.scroll_visible, animate=False)

    def _echo(self, text: str) -> str:
        return echo_date(text, self.today, day_first=self.day_first, none="no date")

    @on(Input.Changed, "#deal-close, #deal-due")
    def _echo_date(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("deal-")
        self.query_one(f"#deal-{key}-echo", Static).update(self._echo(event.value))

    def _value(self, key: str) -> str:
        return self.query_one(f"#deal-{key}", Input).value

    def _text(self, key: str) -> str:
        """A text field's value to save: the stored text where it was left as shown."""
        return as_stored(self._value(key), self._stored[key]).strip()

    def _fail(self, key: str, message: str) -> None:
        self.query_one("#deal-error", Static).update(message)
        self.focus_field(self.query_one(f"#deal-{key}", Input))

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == "deal-due":
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#deal-save")
    def action_save(self) -> None:
        title = self._text("title")
        if not title:
            self._fail("title", "A deal needs a title.")
            return
        value, currency = 0, None
        if self._value("value").strip():
            try:
                value, currency = parse_amount(self._value("value"))
            except InputError as exc:
                self._fail("value", f"Value: {exc}")
                return
        dates: dict[str, date | None] = {}
        for key, label in (("close", "Close date"), ("due", "Step due")):
            try:
                dates[key] = parse_optional_date(self._value(key), self.today, day_first=self.day_first)
            except InputError as exc:
                self._fail(key, f"{label}: {exc}")
                return
        self.dismiss(
            DealDraft(
                title=title,
                company=self._text("company"),
                contact=self._text("contact"),
                value=value,
                currency=currency,
                expected_close=dates["close"],
                next_step=self._text("next-step"),
                next_step_due=dates["due"],
            )
        )

    @on(Button.Pressed, "#deal-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

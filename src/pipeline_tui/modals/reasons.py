"""What the Closed Lost and Closed Won prompts share: a reason picked from a list filtered as
it is typed (↑ ↓ move through it, Enter picks), and the competitor named with it, suggested
from the names used before and saved as they were spelled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Generic, Protocol, TypeVar

from rich.text import Text
from textual.binding import Binding
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pipeline_tui.display import safe
from pipeline_tui.modals.base import FormModal
from pipeline_tui.text import fold


class ReasonInput(Input):
    """The reason filter: ↑ ↓ move through the list below it (before any container scrolls)."""

    BINDINGS = [
        Binding("down", "screen.reason_step(1)", show=False),
        Binding("up", "screen.reason_step(-1)", show=False),
    ]


class Reason(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def needs_competitor(self) -> bool: ...


R = TypeVar("R", bound=Reason)
T = TypeVar("T")


class ReasonModal(FormModal[T], Generic[T, R]):
    """A form whose widgets are named `#{PREFIX}-reason` (the filter), `-reasons` (the list),
    `-competitor` (in `-competitor-row`), `-note` and `-error`."""

    PREFIX: ClassVar[str]
    # Tab between the reason, the competitor the reason asks for and the note is decided from
    # the reason picked, when the key comes (keys typed in a burst: the competitor's row may
    # not be laid out yet when Tab arrives, and Tab then went back to the reason).
    BINDINGS: ClassVar[list[Binding | tuple[str, str] | tuple[str, str, str]]] = [
        *FormModal.BINDINGS,
        Binding("tab", "next_field", show=False, priority=True),
        Binding("shift+tab", "previous_field", show=False, priority=True),
    ]

    def _fields(self) -> list[Widget]:
        """The reason, the competitor when the reason picked asks for one, and the note."""
        reason = self.reason
        asks = bool(reason and reason.needs_competitor)
        self.query_one(self._sel("competitor-row")).display = asks
        names = ["reason", "competitor", "note"] if asks else ["reason", "note"]
        return [self.query_one(self._sel(name)) for name in names]

    def action_next_field(self) -> None:
        fields = self._fields()
        if self.focused in fields[:-1]:
            self.focus_field(fields[fields.index(self.focused) + 1])
        else:
            self.focus_next()

    def action_previous_field(self) -> None:
        fields = self._fields()
        if self.focused in fields[1:]:
            self.focus_field(fields[fields.index(self.focused) - 1])
        else:
            self.focus_previous()

    def __init__(self, reasons: list[R], competitors: Sequence[str]) -> None:
        super().__init__()
        self.reasons = reasons
        self._shown: list[R] = list(reasons)
        # Names already used: suggested as the competitor is typed, and a name typed in
        # another case is saved as it was spelled before ("salesforce": "Salesforce"), so
        # one competitor is not split in two in the report.
        self.competitors = {fold(name): name for name in reversed(competitors)}

    def _sel(self, part: str) -> str:
        return f"#{self.PREFIX}-{part}"

    def _options(self, reasons: list[R]) -> list[Option]:
        return [Option(Text(self._label(r)), id=str(r.id)) for r in reasons]  # never markup

    def _label(self, reason: R) -> str:
        """A reason as the list shows it: its label, inert."""
        return safe(reason.label)

    def competitor_input(self, placeholder: str) -> Input:
        return Input(
            placeholder=placeholder,
            id=f"{self.PREFIX}-competitor",
            compact=True,
            suggester=SuggestFromList(list(self.competitors.values()), case_sensitive=False)
            if self.competitors
            else None,
        )

    def competitor(self) -> str:
        """The competitor as typed, spelled as it was before when it was named before."""
        typed = " ".join(self.query_one(self._sel("competitor"), Input).value.split())
        return self.competitors.get(fold(typed), typed)

    @property
    def reason(self) -> R | None:
        """The highlighted reason in the (filtered) list."""
        index = self.query_one(self._sel("reasons"), OptionList).highlighted
        if index is None or not 0 <= index < len(self._shown):
            return None
        return self._shown[index]

    def _typed_matches(self, reason: R) -> bool:
        return fold(self.query_one(self._sel("reason"), Input).value) in fold(safe(reason.label))

    def _apply_filter(self, value: str) -> None:
        text = fold(value)
        # Matched against the labels as shown (a label is stored text, shown inert).
        shown = [r for r in self.reasons if text in fold(safe(r.label))] if text else list(self.reasons)
        exact = [r for r in shown if fold(safe(r.label)) == text]
        if [r.id for r in (exact or shown)] == [r.id for r in self._shown] and self.reason is not None:
            return  # the same list: keep what ↑↓ highlighted
        self._shown = exact or shown
        reason_list = self.query_one(self._sel("reasons"), OptionList)
        reason_list.set_options(self._options(self._shown))
        reason_list.highlighted = 0 if text and self._shown else None
        self._sync_competitor()

    def action_reason_step(self, step: int) -> None:
        if self.focused is not self.query_one(self._sel("reason"), Input) or not self._shown:
            return
        reason_list = self.query_one(self._sel("reasons"), OptionList)
        current = reason_list.highlighted
        start = -1 if step > 0 else len(self._shown)
        reason_list.highlighted = max(
            0, min(len(self._shown) - 1, (start if current is None else current) + step)
        )
        self._sync_competitor()

    def _picked(self, reason: R) -> None:
        """The reason picked: the filter shows it whole, the list only it, and the focus goes
        straight to the next field it asks for (not wherever Tab order says before the
        competitor row has appeared)."""
        reason_input = self.query_one(self._sel("reason"), Input)
        with reason_input.prevent(Input.Changed):
            reason_input.value = safe(reason.label)
        self._shown = [reason]
        reason_list = self.query_one(self._sel("reasons"), OptionList)
        reason_list.set_options(self._options(self._shown))
        reason_list.highlighted = 0
        self._sync_competitor()
        self._error("")
        self.focus_field(self.query_one(self._sel("competitor" if reason.needs_competitor else "note")))

    def _sync_competitor(self) -> None:
        reason = self.reason
        self.query_one(self._sel("competitor-row")).display = bool(reason and reason.needs_competitor)

    def _error(self, message: str) -> None:
        self.query_one(self._sel("error"), Static).update(message)

    def _no_match(self, message: str) -> None:
        """Enter that picks no reason: said in the form, and the keys typed after it in the
        same burst dropped (meant for the fields after the reason, they went on into the
        filter and the next fields: a note in the filter, a revisit in the note)."""
        self._error(message)
        refuse = getattr(self.app, "refuse_key", None)  # the app's (a form knows no more of it)
        if refuse is not None:
            refuse("enter", "picks no reason")

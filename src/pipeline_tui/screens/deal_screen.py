"""What every screen that shows deals shares: the deal actions from the one table
(`actions.py`), run on the deals the screen says they act on, and following the pipeline
when it changes (the App's `pipeline` reactive: attributes down, no screen is called by
name)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.screen import Screen

from pipeline_tui.actions import ACTIONS, DealAction
from pipeline_tui.flows.runner import Then
from pipeline_tui.host import Host, host
from pipeline_tui.models import Deal
from pipeline_tui.operations import Done
from pipeline_tui.styles import SCREENS_CSS


class DealScreen(Screen[None]):
    """Subclasses list their actions in BINDINGS (`actions.bindings(...)`), say which deals an
    action acts on (`deals_for`), what follows a saved change (`after`), and how they show
    a change (`follow`)."""

    CSS_PATH: ClassVar[str | None] = SCREENS_CSS

    @property
    def host(self) -> Host:
        return host(self)

    def on_mount(self) -> None:
        self._restores = int(getattr(getattr(self.app, "pipeline", None), "restores", 0))
        self.watch(self.app, "pipeline", self._pipeline_changed, init=False)

    def _pipeline_changed(self, revision: Any) -> None:
        if not self.is_mounted:
            return
        if revision.restores != self._restores:  # another pipeline: nothing held still applies
            self._restores = revision.restores
            self.forget()
        self.follow(revision.done)

    def forget(self) -> None:
        """The pipeline was replaced by a restore: drop what the screen holds of the old
        one (marks, a selection)."""

    def follow(self, done: Done | None) -> None:
        """The pipeline changed (`done`, made here; None: elsewhere): show it as it is now."""

    # --------------------------------------------------------------- actions

    def deals_for(self, action: DealAction) -> list[Deal]:
        """The deals `action` acts on (the one under the cursor, or every marked one)."""
        raise NotImplementedError

    def after(self, action: DealAction) -> Then | None:
        """What the screen does once the action's change is saved."""
        return None

    def action_deal(self, name: str) -> None:
        action = ACTIONS[name]
        if not self.check_action("deal", (name,)):  # the palette runs any action
            return
        deals = self.deals_for(action)
        if not deals:
            self.host.say("No deal selected.", severity="warning")
            return
        action.run(self.host.flows, deals if action.many else deals[:1], self.after(action))

    def on_key(self, event: events.Key) -> None:
        """A key that does nothing here is said once, and the keys typed after it in the
        same burst are dropped: they were meant for what the user expected to see. (Textual
        calls this for every subclass too: they say when to refuse in `refuses_keys`.)"""
        if not self.refuses_keys() or isinstance(self.focused, _TEXT_FIELDS):
            return
        active = self.active_bindings.get(event.key)
        if active is not None and active.enabled:
            return
        if active is None and not event.is_printable:
            return  # arrows, function keys: nothing to say
        event.stop()
        key = event.character if event.is_printable and event.character else event.key
        self.host.refuse_key(key, self.refused_why(event.key))

    def refuses_keys(self) -> bool:
        """Whether a key that does nothing is refused now."""
        return self.is_mounted

    def refused_why(self, key: str) -> str:
        """Why a key does nothing here (the review says what would settle the deal)."""
        return "does nothing here"


def _text_fields() -> tuple[type[Any], ...]:
    from textual.widgets import Input, TextArea

    return (Input, TextArea)


_TEXT_FIELDS = _text_fields()

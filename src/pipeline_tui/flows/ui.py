"""The port the flows talk to: what they need of the app, and nothing else. The App
implements it; a test can implement it with a few lines and drive a flow without a pilot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal, Protocol, TypeVar

from textual.screen import Screen

from pipeline_tui.config import Settings
from pipeline_tui.models import Deal
from pipeline_tui.operations import Done
from pipeline_tui.store import Store

T = TypeVar("T")
Severity = Literal["information", "warning", "error"]


class Ui(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def today(self) -> date: ...

    def ask(self, screen: Screen[T], answered: Callable[[T], None]) -> None:
        """Open a form (a modal); keys typed ahead go into it. `answered` gets what it
        dismissed with (None: cancelled)."""

    def show_deal(self, deal: Deal) -> None:
        """Open the deal's detail (fields and timeline) over the current screen."""

    def say(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
    ) -> None:
        """One message to the seller (stored text in it is shown inert)."""

    def hold_keys(self) -> None:
        """Keep the keys typed from now on waiting, in order (quit still passes)."""

    def release_keys(self) -> None: ...

    def later(self, delay: float, callback: Callable[[], object]) -> None:
        """Call `callback` after `delay` seconds."""

    def changed(self, done: Done | None) -> None:
        """The pipeline changed (`done`; None: changed elsewhere): every screen follows."""

    def use_settings(self, settings: Settings) -> None:
        """Preferences changed (or an undo put them back): apply them."""

"""What a screen may use of the app: the pipeline, today, the settings, and the flows. The
App is checked against it (`app.as_host`), and screens never import the app (no import
circle). Screens learn of changes by watching the App's `pipeline` reactive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol, TypeVar

from textual.screen import Screen

from pipeline_tui.config import Settings
from pipeline_tui.flows.deals import DealFlows
from pipeline_tui.flows.files import FileFlows
from pipeline_tui.flows.runner import ChangeRunner
from pipeline_tui.flows.ui import Severity
from pipeline_tui.store import Store

T = TypeVar("T")


class Host(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def today(self) -> date: ...

    flows: DealFlows
    files: FileFlows
    runner: ChangeRunner
    config_path: Path

    def ask(self, screen: Screen[T], answered: Callable[[T], None]) -> None:
        """Open a form; keys typed ahead go into it."""

    def say(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
    ) -> None: ...

    def unsay(self, message: str) -> None:
        """Take `message` off the message line if it is still the last one said (it was
        about something no longer shown)."""

    def refuse_key(self, key: str, why: str) -> None:
        """A key that does nothing where it was pressed: say so, and drop the keys typed
        after it in the same burst."""


def host(screen: Screen[Any]) -> Host:
    """The app behind a screen, through the declared interface."""
    return screen.app  # type: ignore[return-value]

"""What the screens may ask of the app: a declared interface, so screens never import the app
(no import circle) and every flow a screen starts is one of these.

Each deal flow takes the deal as the screen showed it; the change is refused (and the user
asked what to do) if the deal changed elsewhere since."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from textual.screen import Screen

from pipeline_tui.config import Settings
from pipeline_tui.models import Deal, LossInput, Stage
from pipeline_tui.operations import Done
from pipeline_tui.store import Store

Then = Callable[[Deal], None]


class Host(Protocol):
    store: Store
    settings: Settings
    config_path: Path

    @property
    def today(self) -> date: ...

    def notify_text(
        self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None
    ) -> None: ...

    def push_screen(self, screen: Any, callback: Any = None, wait_for_dismiss: bool = False) -> Any: ...

    def drop_typed_ahead(self) -> int: ...

    def pop_screen(self) -> Any: ...

    def reload_screens(self, stage_ids: set[int] | None = None, done: Done | None = None) -> None: ...

    # deal flows
    def move_deal(self, deal: Deal, stage: Stage, then: Then | None = None) -> None: ...

    def move_step(self, deal: Deal, step: int, then: Then | None = None) -> None: ...

    def mark_lost(self, deal: Deal, stage: Stage | None = None, then: Then | None = None) -> None: ...

    def mark_won(self, deal: Deal, then: Then | None = None) -> None: ...

    def choose_stage(self, deal: Deal, then: Then | None = None) -> None: ...

    def reopen(self, deal: Deal, then: Then | None = None) -> None: ...

    def fill_loss(self, deal: Deal, then: Then | None = None) -> None: ...

    def add_note(self, deal: Deal, then: Then | None = None) -> None: ...

    def set_next_step(self, deal: Deal, then: Then | None = None) -> None: ...

    def edit_deal(self, deal: Deal, then: Then | None = None) -> None: ...

    def new_deal(self, stage: Stage | None = None) -> None: ...

    def snooze(self, deal: Deal, then: Then | None = None) -> None: ...

    def close_revisit(self, deal: Deal, then: Then | None = None) -> None: ...

    def archive_deal(self, deal: Deal, then: Then | None = None) -> None: ...

    def open_detail(self, deal: Deal) -> None: ...

    def lose_with(self, deal: Deal, loss: LossInput, then: Then | None = None) -> None: ...

    # everything else
    def undo(self, scope: str = "pipeline") -> None: ...

    def run_change(
        self, op: Callable[[], Done], *, then: Callable[[Done], None] | None = None
    ) -> Done | None: ...

    def update_setting(self, key: str, raw: str) -> Settings | None: ...

    def open_screen(self, name: str) -> None: ...

    def export_notes(self) -> None: ...

    def export_calendar(self) -> None: ...


def host(screen: Screen[Any]) -> Host:
    """The app behind a screen, through the declared interface."""
    return screen.app  # type: ignore[return-value]

"""Every key on one page."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    (
        "Board",
        (
            ("← → h", "previous / next column"),
            ("↑ ↓ j k", "previous / next card"),
            ("shift+→  >", "move deal to the next stage"),
            ("shift+←  <", "move deal to the previous stage"),
            ("m", "move deal to any stage"),
            ("w", "mark won"),
            ("l", "mark lost (reason, note, revisit date)"),
            ("n  e", "new deal / edit deal"),
            ("a", "add a note"),
            ("enter", "deal detail and timeline"),
            ("/", "filter by title, company, contact"),
            ("u", "undo the last change"),
            ("x", "export notes to CSV"),
        ),
    ),
    (
        "Lists",
        (
            ("s", "stale deals: a note · t next step · m move · l lost"),
            ("r", "revisits: o reopen · z snooze · a note · c close out · i .ics"),
            ("R", "win-loss report: 1-5 period · enter lists the deals"),
            ("escape", "back"),
        ),
    ),
    (
        "Everywhere",
        (
            ("ctrl+p", "command palette: every action by name"),
            (",", "settings: stages, stale days, reasons, preferences"),
            ("ctrl+s", "save a form"),
            ("?", "this help"),
            ("q", "quit"),
        ),
    ),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        lines = ["[b]pipeline-tui keys[/]  [dim](escape closes)[/]"]
        for section, keys in KEYS:
            lines.append(f"\n[b $text-accent]{section}[/]")
            lines.extend(f"  [b]{key:<12}[/] {what}" for key, what in keys)
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static("\n".join(lines))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

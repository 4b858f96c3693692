"""Every key on one page, read from the bindings themselves (change a key once, and the
help, the key bar and the palette all follow)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from pipeline_tui.styles import SCREENS_CSS

KEY_NAMES = {
    "question_mark": "?",
    "greater_than_sign": ">",
    "less_than_sign": "<",
    "slash": "/",
    "comma": ",",
    "escape": "esc",
    "shift+right": "shift+→",
    "shift+left": "shift+←",
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
}


def key_label(binding: Binding) -> str:
    """Every key of a binding as a person types it: 'shift+→ >'."""
    return " ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))


def described(bindings: Iterable[object]) -> list[tuple[str, str]]:
    """(keys, what) for each binding that says what it does, in declaration order."""
    out: list[tuple[str, str]] = []
    keys_said: set[str] = set()
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.description:
            continue
        if binding.action in ("app.pop_screen", "clear_filter"):
            continue
        if not binding.tooltip and binding.key in keys_said:
            continue  # a second binding of a key said already (u undoes either way)
        keys_said.add(binding.key)
        title, _, what = (binding.tooltip or binding.description).partition(" — ")
        text = f"{title}: {what}" if what else title
        out.append((key_label(binding), text[0].lower() + text[1:]))
    return out


def sections(app_bindings: Iterable[object]) -> list[tuple[str, list[tuple[str, str]]]]:
    from pipeline_tui.screens.board import BoardScreen
    from pipeline_tui.screens.review import ReviewScreen
    from pipeline_tui.screens.revisits import RevisitsScreen
    from pipeline_tui.screens.stale import StaleScreen

    board = described(BoardScreen.BINDINGS)
    board.insert(2, ("↑ ↓ j k", "previous / next card; g G first / last"))
    return [
        ("Board", board),
        ("Daily review (d)", described(ReviewScreen.BINDINGS)),
        ("Stale list (s)", described(StaleScreen.BINDINGS)),
        ("Revisits (r)", described(RevisitsScreen.BINDINGS)),
        (
            "Everywhere",
            described(app_bindings)
            + [
                ("ctrl+p", "command palette: every action by name"),
                ("ctrl+s", "save a form (esc cancels; typed text is kept unless you say so)"),
                ("tab", "next field (shift+tab: previous)"),
            ],
        ),
    ]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = SCREENS_CSS

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        parts: list[str | tuple[str, str]] = [("pipeline-tui keys", "bold"), ("  (escape closes)", "dim")]
        for title, keys in sections(self.app.BINDINGS):
            parts += ["\n\n", (title, "bold $text-accent")]
            for key, what in keys:
                parts += ["\n  ", (f"{key:<14}", "bold"), " ", what]
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Static(Content.assemble(*parts))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


def markdown(app_bindings: Iterable[object]) -> str:
    """The same pages as a Markdown table per screen (README's key table is this, written by
    `scripts/readme.py keys`)."""
    out: list[str] = []
    for title, keys in sections(app_bindings):
        out += [f"**{title}**", "", "| key | what it does |", "|---|---|"]
        for key, what in keys:
            shown = " ".join(f"`{k}`" for k in key.split(" "))
            out.append(f"| {shown} | {what.replace('|', '/')} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"

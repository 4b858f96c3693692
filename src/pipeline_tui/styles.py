"""Where the stylesheets are. The app reads the board's (app.tcss) at start-up; every other
screen names screens.tcss as its CSS_PATH, so Textual reads it once, when the first of them
opens, and the board's first paint parses only what the board shows."""

from __future__ import annotations

from pathlib import Path

SCREENS_CSS = str(Path(__file__).with_name("screens.tcss"))

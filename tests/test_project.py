"""The promises the repository makes about itself."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    command = [line for line in ci.splitlines() if "python -m pytest" in line]
    assert len(command) == 1
    readme = (ROOT / "README.md").read_text()
    assert command[0].strip() in readme


def test_readme_first_screen_has_run_and_test_commands() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:30])
    assert re.search(r"pip install \. && pipeline-tui demo", first_screen)
    assert re.search(r'pip install -e "\.\[test\]" && python -m pytest', first_screen)


def test_readme_shows_every_screenshot_that_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    for svg in ("board", "lost-prompt", "stale", "revisits", "review", "report"):
        assert (ROOT / "screenshots" / f"{svg}.svg").is_file()
    for path in (ROOT / "screenshots").glob("*.svg"):  # and none left behind, unshown
        assert f"screenshots/{path.name}" in readme


def readme_key_table() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Keys", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


SHOWN = {
    "greater_than_sign": ">", "less_than_sign": "<", "slash": "/", "comma": ",", "question_mark": "?",
    "left": "←", "right": "→", "up": "↑", "down": "↓", "shift+right": "shift+→", "shift+left": "shift+←",
}  # fmt: skip


def test_readme_key_table_matches_the_bindings() -> None:
    """Every key the board and the app bind is in README's table, and every key the table
    names is bound: a key changed in the code and not in the README fails here."""
    from pipeline_tui.app import PipelineApp
    from pipeline_tui.screens.board import BoardScreen
    from pipeline_tui.widgets.board_view import BoardView

    table = readme_key_table()
    bound: set[str] = set()
    for binding in [*BoardScreen.BINDINGS, *PipelineApp.BINDINGS, *BoardView.BINDINGS]:
        for key in binding.key.split(","):  # type: ignore[union-attr]
            bound.add(SHOWN.get(key, key))
    missing = []
    for binding in [*BoardScreen.BINDINGS, *PipelineApp.BINDINGS]:
        if binding.action in ("clear_filter", "undo_quietly"):  # type: ignore[union-attr]
            continue
        keys = [SHOWN.get(k, k) for k in binding.key.split(",")]  # type: ignore[union-attr]
        if not any(f"`{k}`" in table or f" {k} " in table or f"| {k}" in table for k in keys):
            missing.append(f"{binding.key} ({binding.action})")  # type: ignore[union-attr]
    assert not missing, f"README's key table lacks: {missing}"
    named = set(re.findall(r"`([^`]+)`", table))
    unbound = sorted(k for k in named if k not in bound and k not in ("enter", "ctrl+p"))
    assert not unbound, f"README names keys nothing binds: {unbound}"


def test_every_screen_but_the_board_brings_the_screens_stylesheet() -> None:
    """The board's first paint parses the board's CSS only (app.tcss); any other screen,
    whichever opens first, must bring screens.tcss, or it would show unstyled."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import pipeline_tui
    from pipeline_tui.screens.board import BoardScreen
    from pipeline_tui.styles import SCREENS_CSS

    for info in pkgutil.walk_packages(pipeline_tui.__path__, "pipeline_tui."):
        if not info.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(info.name)

    def subclasses(cls: type) -> set[type]:
        return {cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))}

    ours = {c for c in subclasses(Screen) if c.__module__.startswith("pipeline_tui.")}
    assert len(ours) > 10
    for screen in ours - {BoardScreen}:
        paths = screen.CSS_PATH if isinstance(screen.CSS_PATH, list) else [screen.CSS_PATH]
        assert SCREENS_CSS in paths, screen
    assert not BoardScreen.CSS_PATH
    assert Path(SCREENS_CSS).is_file()

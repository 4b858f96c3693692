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


def test_readme_key_tables_are_the_bindings() -> None:
    """README's key tables are made from the bindings (`scripts/readme.py`), as the help page
    and the palette are: a key changed in the code and not in the README fails here."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_script", ROOT / "scripts" / "readme.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert script.rewritten(readme) == readme, "run: python scripts/readme.py"
    assert "| `space` | mark card:" in readme  # the tables are there, with the board's keys


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

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
    for svg in ("board", "lost-prompt", "stale", "revisits"):
        assert (ROOT / "screenshots" / f"{svg}.svg").is_file()
        assert f"screenshots/{svg}.svg" in readme

"""Render the README screenshots (SVG) from the demo pipeline on a fixed date.

    python scripts/screenshots.py [--out screenshots]

The demo data, the date and the store's clock are fixed, so the pictures only change
when what a user sees changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from pipeline_tui.app import PipelineApp
from pipeline_tui.config import Settings
from pipeline_tui.demo import seed_demo
from pipeline_tui.store import Store

TODAY = date(2026, 11, 24)
SIZE = (140, 40)
QUOTA = 1_200_000_00  # $1.2M a quarter, in cents


async def render(out: Path) -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "demo.db", clock=lambda: datetime(2026, 11, 24, 9, 0))
        seed_demo(store, TODAY)
        outside_path = outside(store, out / "outside.svg")  # before the review below marks deals seen
        # A quarterly quota, so that the report and the status line show attainment and coverage.
        app = PipelineApp(store, settings=Settings(quota=QUOTA), today=TODAY, poll_interval=0)
        written: list[Path] = []

        async with app.run_test(size=SIZE) as pilot:

            async def shot(name: str, *keys: str) -> None:
                if keys:
                    await pilot.press(*keys)
                await pilot.pause()
                app.save_screenshot(f"{name}.svg", str(out))
                written.append(out / f"{name}.svg")

            await shot("board", "right", "down")
            await shot(
                "lost-prompt",
                "l",
                *"comp",
                "enter",
                *"Acme CRM",
                "tab",
                *"Chose Acme for the built-in dialer; renewal in spring.",
                "tab",
                *"+6m",
            )
            await pilot.press("escape", "y")  # cancel (and drop what was typed): the demo stays unchanged
            await shot("stale", "escape", "s")
            await shot("revisits", "escape", "r")
            await shot("review", "escape", "d")
            # The whole sitting gone through (every deal skipped): the rest offered as later.
            await shot("review-later", *["space"] * 15)
            await shot("report", "escape", "R")
            await shot("report-velocity", "v")
        written.append(outside_path)
        store.close()
        return written


def outside(store: Store, path: Path) -> Path:
    """`pipeline-tui today` and `pipeline-tui calendar`, as a terminal shows them."""
    from rich.console import Console
    from rich.text import Text

    from pipeline_tui.agenda import agenda, lines
    from pipeline_tui.ics import pipeline_calendar
    from pipeline_tui.review import policy

    console = Console(record=True, width=118, file=open(os.devnull, "w"))  # noqa: SIM115
    prompt = Text("$ ", style="bold green")
    console.print(prompt + Text("pipeline-tui today", style="bold"))
    for line in lines(store, agenda(store, TODAY, policy(store, Settings())), shown=4):
        indent = len(line) - len(line.lstrip(" "))  # kept in the picture (an SVG drops leading spaces)
        console.print(Text("\u00a0" * indent + line.lstrip(" ")), overflow="ellipsis", no_wrap=True)
    console.print()
    console.print(prompt + Text("pipeline-tui calendar -o ~/Calendars/pipeline.ics --force", style="bold"))
    written = pipeline_calendar(store, today=TODAY, stamp=datetime(2026, 11, 24, 9, 0))
    console.print(Text(f"Wrote {written.said()} to ~/Calendars/pipeline.ics."))
    console.print(Text("(import it once, or subscribe to the file: re-importing updates the events, and "
                       "what is done leaves the calendar)", style="dim"))  # fmt: skip
    path.write_text(console.export_svg(title="pipeline-tui today · calendar"), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(render(out)):
        print(path)


if __name__ == "__main__":
    main()

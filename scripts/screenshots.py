"""Render the README screenshots (SVG) from the demo pipeline on a fixed date.

    python scripts/screenshots.py [--out screenshots]

The demo data, the date and the store's clock are fixed, so the pictures only change
when what a user sees changes.
"""

from __future__ import annotations

import argparse
import asyncio
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
            await shot("report", "escape", "escape", "R")
            await shot("report-velocity", "v")
        store.close()
        return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(render(out)):
        print(path)


if __name__ == "__main__":
    main()

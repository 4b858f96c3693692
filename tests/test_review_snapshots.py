"""SVG snapshots of the daily review on the demo pipeline (as of a fixed day): an item of each
kind and the summary, at 80x24 and 160x45. Review `snapshot_report.html` before running with
`--snapshot-update`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import START
from review_helpers import imported_loss

from pipeline_tui.config import Settings
from pipeline_tui.screens import review as review_screen
from pipeline_tui.store import Store

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]
# The demo pipeline with one imported loss: 1 lost without a reason, 8 revisits due, 14 next
# steps overdue, 11 slipping, 8 stale, 39 without a next step; today's sitting is the first
# 15 of them.
KEYS = {
    "missing-reason": (["d"], 15),
    "revisit": (["d", "space", "space", "space", "space"], 15),
    "overdue": (["d", *["space"] * 9], 15),
    "slipping": (["d", *["space"] * 23], 100),  # beyond a sitting of 15: a longer one
    "stale": (["d", *["space"] * 34], 100),
    "no-next-step": (["d", *["space"] * 42], 100),
    # Skip the loss, close out a revisit, snooze one (+3m), note a third, skip one, end.
    "summary": (["d", "space", "c", "z", "enter", "a", *"Called", "ctrl+s", "space", "escape"], 15),
    # The whole sitting skipped: the rest is offered as later.
    "later": (["d", *["space"] * 15], 15),
}


@pytest.fixture
def review_store(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    imported_loss(demo_store, "Warehouse scanners, EMEA", START - timedelta(days=12),
                  company="Northwind Traders", value=1_850_000)  # fmt: skip
    clock = iter(range(0, 10_000, 372))  # each reading 6.2 minutes after the one before
    monkeypatch.setattr(review_screen, "monotonic", lambda: float(next(clock)))
    return demo_store


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("step", list(KEYS))
def test_review(snap_compare, make_app, review_store: Store, step: str, size: tuple[int, int]) -> None:
    keys, sitting = KEYS[step]

    async def review(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        await pilot.press(*keys)

    app = make_app(settings=Settings(review_size=sitting))
    assert snap_compare(app, run_before=review, terminal_size=size)

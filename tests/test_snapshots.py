"""SVG snapshots of what a user sees, on the demo pipeline as of a fixed day.

The demo data comes from a fixed seed, the store's clock is fixed at 2026-11-24 09:00 (the
conftest clock) and the app's today is 2026-11-24, so a snapshot changes only when the
screen does. Review `snapshot_report.html` before running with `--snapshot-update`.
"""

from __future__ import annotations

import pytest

from pipeline_tui.store import Store

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]


@pytest.mark.parametrize("size", SIZES)
def test_board(snap_compare, make_app, demo_store: Store, size: tuple[int, int]) -> None:
    # One step right and down: a focused card that is not the first, in the second column.
    assert snap_compare(make_app(), press=["right", "down"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_lost_modal(snap_compare, make_app, demo_store: Store, size: tuple[int, int]) -> None:
    # "comp" filters the reasons down to "Lost to competitor", which shows the competitor field.
    assert snap_compare(make_app(), press=["l", *"comp"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_stale_list(snap_compare, make_app, demo_store: Store, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), press=["s"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_revisits_list(snap_compare, make_app, demo_store: Store, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), press=["r"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, make_app, demo_store: Store, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), press=["question_mark"], terminal_size=size)


@pytest.mark.parametrize(
    "press",
    [["right", "down"], ["l", *"comp"], ["s", "down"], ["space", "space"]],
    ids=["board", "lost", "stale", "marked"],
)
def test_focus_shows_without_colour(
    snap_compare, make_app, demo_store: Store, monkeypatch: pytest.MonkeyPatch, press: list[str]
) -> None:
    """Under NO_COLOR the focused card, row and field still stand out (▶, reverse video, ▌),
    and so do marked cards (◆)."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(), press=press, terminal_size=(80, 24))


def test_import_mapping_step(snap_compare, make_app, demo_store: Store) -> None:
    """The import's question on the board: a stage value nothing places, its row count and
    the stage picker, the suggested stage highlighted."""
    from pathlib import Path

    from textual.widgets import Input

    path = Path(__file__).parent / "fixtures" / "exports" / "hubspot_ui_fr.csv"

    async def open_import(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.action_import_deals()
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # the first value: the offered new stage
        await pilot.pause()

    assert snap_compare(make_app(), run_before=open_import, terminal_size=(80, 24))

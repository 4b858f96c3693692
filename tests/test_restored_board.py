"""A restore while the board is open: the restored file carries a new generation, so the
board notices, reloads and says so; a key typed on the pipeline as it was (before the board
noticed) changes nothing in the restored one; and what the board held of the old pipeline
(an open form, marked cards, keys typed meanwhile) is dropped, not applied to other deals
that now have the same ids."""

from __future__ import annotations

from pathlib import Path

import builders
import pytest
from pilot_helpers import SIZE, focus_first_card, paste

from pipeline_tui.cli import main
from pipeline_tui.keygate import QUIET_S
from pipeline_tui.store import Store


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    path = tmp_path / "backup.db"
    with Store.open(path) as other:
        builders.add(other, "BACKUP-1", value=100_000)
        builders.add(other, "BACKUP-2", value=100_000)
    return path


def restore(store: Store, backup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(store.path), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
    capsys.readouterr()


def said(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in app.messages]


async def test_a_key_typed_on_the_pipeline_as_it_was_changes_nothing_after_a_restore(
    make_app, store: Store, backup: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    builders.add(store, "LIVE-1", value=100_000)
    app = make_app()  # no poll timer: the test says when the board looks
    async with app.run_test(size=SIZE) as pilot:
        focus_first_card(app)
        await pilot.pause()
        restore(store, backup, capsys)
        generation = store.conn.read_generation()
        assert generation.number == 1 and generation.restored_from == str(backup)
        await pilot.press("greater_than_sign")  # meant for LIVE-1, which is no more
        await pilot.pause()
        assert [(d.title, store.shape.stage(d.stage_id).name) for d in store.deals.all()] == [
            ("BACKUP-1", "Lead"), ("BACKUP-2", "Lead")
        ]  # fmt: skip
        assert any("restored" in m and "nothing was changed" in m for m in said(app)), said(app)
        app.check_for_changes()  # the board looks: reloads and says so
        await pilot.pause()
        assert any(m.startswith("The pipeline was restored from") for m in said(app)), said(app)
        focus_first_card(app)
        assert app.screen.current_deal.title == "BACKUP-1" and app.screen.columns[0].count == 2
        await pilot.pause(QUIET_S + 0.05)  # keys typed in the burst around the notice are dropped
        await pilot.press("greater_than_sign")  # now seen: it acts
        await pilot.pause()
        assert store.shape.stage(store.deals.get(1).stage_id).name == "Qualified"


async def test_a_form_and_marks_made_on_the_old_pipeline_are_dropped(
    make_app, store: Store, backup: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    builders.add(store, "LIVE-1")
    builders.add(store, "LIVE-2")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        focus_first_card(app)
        await pilot.press("space")  # mark LIVE-1
        await pilot.pause()
        board = app.screen
        assert set(board.marked) == {1}
        await pilot.press("e")  # edit LIVE-1's fields
        await pilot.pause()
        await paste(pilot, " (edited for LIVE-1)")
        restore(store, backup, capsys)
        app.check_for_changes()
        await pilot.pause()
        await pilot.pause()
        assert app.screen is board and board.marked == {}
        await pilot.press("ctrl+s")  # a save typed after the restore has nothing to save
        await pilot.pause()
    assert [d.title for d in store.deals.all()] == ["BACKUP-1", "BACKUP-2"]
    assert all(len(store.deals.timeline(d.id)) == 1 for d in store.deals.all())

"""Importing from the board (palette: Import deals from CSV): the confirmation says what the
file does, including the CRM's changes to deals imported before, and `u` takes it back."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input, Static

from pipeline_tui.modals.prompts import ConfirmModal, PromptModal
from pipeline_tui.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "crm"


def modal_text(screen) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(s.render()) for s in screen.query(Static))


async def import_from_board(pilot, app, path: Path) -> str:  # type: ignore[no-untyped-def]
    app.action_import_deals()
    await pilot.pause()
    assert isinstance(app.screen, PromptModal)
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ConfirmModal)
    question = modal_text(app.screen)
    await pilot.press("y")
    await pilot.pause()
    return question


async def test_import_and_reimport_from_the_board(store: Store, make_app, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        question = await import_from_board(pilot, app, FIXTURES / "salesforce_report.csv")
        assert "salesforce export, 5 rows" in question and "Import 5 deals?" in question
        assert store.deals.count() == 5
        later = Path(shutil.copy(FIXTURES / "salesforce_report.csv", tmp_path / "next.csv"))
        old = b'"Prospecting","Q3-2024","EUR","30,000.00"'
        new = b'"Qualification","Q3-2024","EUR","35,000.00"'
        later.write_bytes(later.read_bytes().replace(old, new))
        question = await import_from_board(pilot, app, later)
        assert "Import 0 deals, update 1, skip 4 already here?" in question
        deal = next(d for d in store.deals.all() if d.title == "Müller GmbH - Plattform")
        assert (store.shape.stage(deal.stage_id).name, deal.value) == ("Qualified", 3_500_000)
        await pilot.press("u")
        await pilot.pause()
        deal = store.deals.get(deal.id)
        assert (store.shape.stage(deal.stage_id).name, deal.value) == ("Lead", 3_000_000)
        assert store.deals.count() == 5

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


EXPORTS = Path(__file__).parent / "fixtures" / "exports"


async def test_unknown_stages_are_a_mapping_step_then_remembered(store: Store, make_app) -> None:
    """The board asks what the command line asks: each stage value nothing places, with its
    row count and a stage picker (the suggested stage highlighted, a new stage offered),
    then shows the plan; next week's import of the same source asks nothing."""
    from textual.widgets import OptionList

    from pipeline_tui.modals.stage_map import StageMapModal

    app = make_app()
    path = EXPORTS / "hubspot_ui_fr.csv"
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_import_deals()
        await pilot.pause()
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await pilot.pause()
        asked = []
        while isinstance(app.screen, StageMapModal):
            screen = app.screen
            text = "\n".join(str(label.render()) for label in screen.query(Static))
            options = screen.query_one(OptionList)
            highlighted = str(options.get_option_at_index(options.highlighted or 0).prompt)
            asked.append((screen.value, text, highlighted))
            if screen.value == "A REPLANIFIER":
                await pilot.press("home")  # the first stage, Lead, not the offered new stage
            await pilot.press("enter")
            await pilot.pause()
        assert [value for value, _, _ in asked] == [
            "Inscription Confirmée", "RDV DECOUVERTE PRIS", "DELAI DE REFLEXION", "A REPLANIFIER",
        ]  # fmt: skip
        first = asked[0][1]
        assert "stage value 1 of 4" in first and "'Inscription Confirmée': 1 row." in first
        assert "does not say whether these deals are won or lost" in first
        assert asked[0][2] == "New open stage 'Inscription Confirmée'"  # what the --map line offers
        assert asked[1][2] == "Qualified" and asked[2][2] == "Negotiation"
        assert isinstance(app.screen, ConfirmModal)
        question = modal_text(app.screen)
        assert "'RDV DECOUVERTE PRIS' -> Qualified" in question and "Import 6 deals?" in question
        await pilot.press("y")
        await pilot.pause()
        assert store.deals.count() == 6
        names = [s.name for s in store.shape.stages()]
        assert "Inscription Confirmée" in names and "A REPLANIFIER" not in names
        by = {d.title: store.shape.stage(d.stage_id).name for d in store.deals.all()}
        assert by["Jules Faure – Stage été"] == "Lead"
        # The same source next week: straight to the plan.
        question = await import_from_board(pilot, app, path)
        assert "as you said at an earlier import" in question


async def test_escape_in_the_mapping_step_imports_nothing(store: Store, make_app) -> None:
    from pipeline_tui.modals.stage_map import StageMapModal

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_import_deals()
        await pilot.pause()
        app.screen.query_one(Input).value = str(EXPORTS / "hubspot_second_pipeline.csv")
        await pilot.press("enter")
        await pilot.pause()
        values = []
        while isinstance(app.screen, StageMapModal) and len(values) < 2:
            values.append(app.screen.value)
            await pilot.press("enter")
            await pilot.pause()
        # The third is the open deal whose label is "Closed Lost": only open stages offered.
        assert isinstance(app.screen, StageMapModal) and app.screen.value == "Closed Lost"
        assert [answer for answer, _ in app.screen.choices()] == [
            "Lead",
            "Qualified",
            "Proposal",
            "Negotiation",
        ]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, StageMapModal | ConfirmModal)
        assert store.deals.count() == 0


def test_a_value_on_deals_the_file_says_are_open_is_offered_open_stages_only(store: Store) -> None:
    """The board asks as the command line does: a stage value nothing places on deals a
    status column says are open goes to one of the board's open stages or a new open one;
    the question says what the file says, not that it says nothing."""
    from pipeline_tui import importer
    from pipeline_tui.importer.plan import UnknownStages
    from pipeline_tui.modals.stage_map import NEW, StageMapModal

    path = store.path.parent / "pipedrive.csv"  # type: ignore[union-attr]
    path.write_text(
        "Deal - Title,Deal - Stage,Deal - Status,Deal - Value,Deal - Currency of Value\r\n"
        "Seats,Escalated to legal,Open,100,EUR\r\n",
        encoding="utf-8",
    )
    try:
        importer.plan_import(store, path)
    except UnknownStages as asked:
        open_unknown = asked.open_unknown
    else:
        raise AssertionError("the value was placed")
    assert "Escalated to legal" in open_unknown
    said = open_unknown["Escalated to legal"]
    modal = StageMapModal(path.name, "Escalated to legal", 1, store.shape.stages(), open_unknown=said)
    choices = modal.choices()
    assert [name for name, _ in choices[:-1]] == [s.name for s in store.shape.stages() if s.is_open]
    assert choices[-1] == (NEW, "New open stage 'Escalated to legal'")

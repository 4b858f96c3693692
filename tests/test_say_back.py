"""What the app understood is said back: dates as they are typed and in the confirmation,
revisits "5 days late", money as money, competitors spelled as before; and the small things
a seller trips on (the palette, help, keys that mean one thing, the light theme, an empty
pipeline, leaving the demo)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from pilot_helpers import SIZE, paste, plain, type_text
from terminal import COMMAND, Terminal
from textual.widgets import Input, Static

from pipeline_tui.cli import main
from pipeline_tui.config import THEMES, Settings
from pipeline_tui.dates import echo_date, say_date
from pipeline_tui.models import LossInput
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.help import sections
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.screens.revisits import revisit_when
from pipeline_tui.store import Store


def test_a_date_is_said_back_as_understood() -> None:
    assert say_date(date(2026, 12, 9), TODAY) == "Wed 09 Dec"
    assert say_date(date(2027, 2, 24), TODAY) == "Wed 24 Feb 2027"
    assert echo_date("fri", TODAY) == "→ Fri 27 Nov"
    assert echo_date("+3m", TODAY) == "→ Wed 24 Feb 2027"
    assert echo_date("1/12", TODAY, day_first=True) == "→ Tue 01 Dec"
    assert echo_date("none", TODAY) == "no date" and echo_date("  ", TODAY) == ""
    assert echo_date("next f", TODAY) == "?"  # not a date (yet): the field says so on save


def test_revisits_say_how_late_not_plus_days() -> None:
    assert revisit_when(TODAY - timedelta(days=5), TODAY) == "Nov 19 · 5 days late"
    assert revisit_when(TODAY - timedelta(days=1), TODAY) == "Nov 23 · 1 day late"
    assert revisit_when(TODAY, TODAY) == "Nov 24 · due today"
    assert revisit_when(TODAY + timedelta(days=16), TODAY) == "Dec 10 · in 16 days"


async def test_date_fields_echo_as_typed_and_the_confirmation_names_the_date(make_app, store: Store) -> None:
    deal = builders.add(store, "Acme renewal", value=1_600_000)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await paste(pilot, "Send the deck to Walter")
        await pilot.press("tab", *"fri")
        assert plain(app.screen.query_one("#step-due-echo", Static)) == "→ Fri 27 Nov"
        await pilot.press("ctrl+s")
        assert app.messages[-1].text == (
            f"Next step on #{deal.id} Acme renewal: 'Send the deck to Walter', due Fri 27 Nov.  ·  u to undo"
        )
        await pilot.press("e")  # the edit form: money as money, and its dates said back
        form = app.screen
        assert form.query_one("#deal-value", Input).value == "$16,000"
        assert plain(form.query_one("#deal-due-echo", Static)) == "→ Fri 27 Nov"
        form.query_one("#deal-close", Input).value = "+2w"
        await pilot.pause()
        assert plain(form.query_one("#deal-close-echo", Static)) == "→ Tue 08 Dec"
        await pilot.press("ctrl+s")
        assert app.messages[-1].text.startswith(f"Edited #{deal.id} Acme renewal: close date Tue 08 Dec.")
        await pilot.press("z")  # the snooze prompt
        assert plain(app.screen.query_one("#prompt-echo", Static)) == "→ Tue 08 Dec"  # its +2w
        await pilot.press("escape")
    saved = store.deals.get(deal.id)
    assert (saved.value, saved.expected_close, saved.next_step_due) == (
        1_600_000, date(2026, 12, 8), date(2026, 11, 27)
    )  # fmt: skip


async def test_the_competitor_field_suggests_names_used_before(make_app, store: Store) -> None:
    competitor = store.shape.find_reason("Lost to competitor").id
    for title, name in (("Old one", "Salesforce"), ("Older one", "Salesforce"), ("Other", "HubSpot")):
        builders.mark_lost(store, builders.add(store, title).id, LossInput(competitor, competitor=name))
    deal = builders.add(store, "New loss")
    fresh = builders.add(store, "Another loss")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        board.focus_deal(deal)
        await pilot.press("l")
        await type_text(pilot, "compet")
        await pilot.press("enter", *"Sal", "right")  # → takes the name suggested
        assert app.screen.query_one("#lost-competitor", Input).value == "Salesforce"
        await pilot.press("ctrl+s")
        board.focus_deal(fresh)
        await pilot.press("l")
        await type_text(pilot, "compet")
        await pilot.press("enter")
        await type_text(pilot, "hubspot ")  # another case: saved as it was spelled before
        await pilot.press("ctrl+s")
    assert store.deals.get(deal.id).competitor == "Salesforce"
    assert store.deals.get(fresh.id).competitor == "HubSpot"
    assert store.review.competitor_names() == ["Salesforce", "HubSpot"]


async def test_quota_is_money_in_config_and_settings(make_app, store: Store, tmp_path: Path, capsys) -> None:
    assert main(["--db", str(store.path), "config", "quota", "150k"]) == 0
    assert capsys.readouterr().out.startswith("quota = $150,000  (saved in ")
    assert main(["--db", str(store.path), "config", "quota"]) == 0
    assert capsys.readouterr().out == "$150,000\n"
    app = make_app(settings=Settings(quota=15_000_000))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("comma", "4")
        table = app.screen.query_one("#prefs-table")
        row = list(Settings.__dataclass_fields__).index("quota")
        assert str(table.get_row_at(row)[1]) == "$150,000"
        table.move_cursor(row=row)
        await pilot.press("enter")
        assert app.screen.query_one("#prompt-input", Input).value == "$150,000"
        await pilot.press("enter")  # saved as shown: the same quota, not a hundred times it
    assert app.settings.quota == 15_000_000


async def test_the_palette_help_and_settings_keys_say_each_thing_once(make_app, store: Store) -> None:
    builders.add(store, "A deal")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for keys in ([], ["r"], ["escape", "d"], ["escape", "escape", "s"], ["escape", "comma"]):
            await pilot.press(*keys)
            titles = [command.title for command in app.get_system_commands(app.screen)]
            assert len(titles) == len(set(titles)), (type(app.screen).__name__, titles)
        assert "A  Archive/unarchive" in app.screen.query_one(KeyBar).text  # as on the board
        assert " x " not in app.screen.query_one(KeyBar).text
    for name, rows in sections(app.BINDINGS):
        keys = [key for key, _ in rows]
        assert keys.count("u") <= 1, name


@pytest.mark.parametrize("theme", THEMES)
async def test_the_column_dividers_show_in_every_theme(make_app, store: Store, theme: str) -> None:
    from test_terminal_sizes import contrast

    app = make_app(settings=Settings(theme=theme))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.view
        rule = view.get_component_rich_style("column--rule").color.get_truecolor()
        under = view.rich_style.bgcolor.get_truecolor()
        assert contrast(tuple(rule), tuple(under)) >= 1.5, (theme, rule, under)


def first_column(app) -> str:  # type: ignore[no-untyped-def]
    """The board's first column, its lines joined."""
    lines = app.screen.view.render_lines(app.screen.view.region.reset_offset)
    return " ".join(" ".join(strip.text.split("│")[0].split()) for strip in lines)


async def test_an_empty_pipeline_says_how_to_start(make_app, store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = first_column(app)
        assert "No deals yet. n adds one here" in text and "pipeline-tui import FILE" in text
        await pilot.press("n")
        await paste(pilot, "First deal")
        await pilot.press("ctrl+s")
        assert "No deals yet" not in first_column(app) and "First deal" in first_column(app)


def test_leaving_the_demo_says_how_to_open_it_again(tmp_path: Path) -> None:
    if COMMAND is None:
        pytest.skip("the pipeline-tui command is not installed in this environment")
    db = tmp_path / "my demo.db"
    term = Terminal([COMMAND, "--today", TODAY.isoformat(), "demo", "--db", str(db)], size=(100, 30))
    try:
        term.read_until(lambda out: b"Daily review" in out or b"review" in out, "the board")
        term.settle(0.5)
        term.send(b"q")
        assert term.wait(30) == 0
    finally:
        term.close()
    said = bytes(term.output).decode("utf-8", "replace")
    assert f"open it again with: pipeline-tui --db '{db}'" in " ".join(said.split())


async def test_the_next_step_stage_setting_names_a_stage_of_the_pipeline(make_app, store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("comma", "4")
        table = app.screen.query_one("#prefs-table")
        table.move_cursor(row=list(Settings.__dataclass_fields__).index("next_step_from_stage"))
        await pilot.press("enter", *"Demo", "enter")
        assert "No stage called 'Demo'" in plain(app.screen.query_one("#prompt-error", Static))
        await pilot.press("ctrl+u", *"won", "enter")
        assert "Closed Won is not an open stage" in plain(app.screen.query_one("#prompt-error", Static))
        await pilot.press("ctrl+u", *"prop", "enter")
    assert app.settings.next_step_from_stage == "Proposal"

"""At 80 columns (and 60) nothing is cut so that it reads as something else: rows that share
a title show their company, amounts keep their suffix, the status line keeps the filter,
and columns off screen are announced. Settings tables move like every other list."""

from __future__ import annotations

from datetime import date

import builders
from conftest import Clock
from pilot_helpers import plain
from textual.widgets import DataTable, Static

from pipeline_tui.cli import main
from pipeline_tui.modals.prompts import PromptModal
from pipeline_tui.models import LossInput
from pipeline_tui.screens.settings import SettingsScreen
from pipeline_tui.store import Store
from pipeline_tui.widgets.deal_rows import DealRows


def rows_shown(rows: DealRows) -> list[str]:
    return [rows.render_line(y).text for y in range(1, min(rows.count, rows.size.height - 1) + 1)]


async def test_stale_rows_that_share_a_title_show_their_company_and_full_amounts(
    make_app, store: Store, clock: Clock
) -> None:
    clock.advance(days=-40)
    builders.add(
        store, "Enterprise upgrade, 50 seats, second phase", company="Oakridge Dental Group", value=14_200_000
    )
    builders.add(
        store, "Enterprise upgrade, 50 seats, second phase", company="Crescent Bank", value=12_350_000
    )
    clock.advance(days=40)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        lines = rows_shown(app.screen.query_one(DealRows))
    assert len(lines) == 2
    assert "Oakridge" in lines[0] and "Crescent" in lines[1]
    assert lines[0].rstrip().endswith("$142k") and lines[1].rstrip().endswith("$124k")


async def test_revisit_rows_that_share_a_title_show_their_company(
    make_app, store: Store, clock: Clock
) -> None:
    for company in ("Oakridge Dental Group", "Crescent Bank"):
        deal = builders.add(
            store, "Support renewal for the whole sales team in EMEA", company=company, value=9_900_000
        )
        clock.advance(days=-5)
        reason = store.shape.find_reason("price").id
        builders.mark_lost(store, deal.id, LossInput(reason, revisit_on=date(2026, 11, 20)))
        clock.advance(days=5)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        lines = rows_shown(app.screen.query_one(DealRows))
    assert "Oakridge" in lines[0] and "Crescent" in lines[1]
    assert all(line.rstrip().endswith("$99k") for line in lines)


async def test_cards_keep_the_amount_suffix_at_80_columns(make_app, store: Store) -> None:
    builders.add(store, "Platform licence for the analytics team", company="Ironbark", value=14_200_000)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.view.column_text(0, 2 + 2).lstrip("▶▷┃┆▎ ").startswith("$142k")


async def test_status_line_keeps_the_filter_text_at_80_columns(make_app, store: Store, clock: Clock) -> None:
    clock.advance(days=-40)
    builders.add(store, "Acme renewal")
    lost = builders.add(store, "Globex pilot")
    clock.advance(days=40)
    builders.mark_lost(store, lost.id, LossInput(store.shape.find_reason("price").id))
    store.conn.db.execute("UPDATE deals SET loss_reason_id = NULL WHERE id = ?", [lost.id])  # an import
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"acme", "enter")
        await pilot.pause()
        status = app.screen.query_one("#status", Static)
        shown = status.render_line(0).text if hasattr(status, "render_line") else plain(status)
        assert "acme" in shown[:80]


async def test_columns_off_screen_are_announced(make_app, store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(60, 18)) as pilot:
        await pilot.pause()
        await pilot.pause()
        status = app.screen.query_one("#status", Static)
        assert plain(status).startswith("3 more ›")  # six columns of 20 cells, three in view
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert plain(status).startswith("‹ 1 more  2 more ›")


async def test_settings_tables_move_with_g_home_end(make_app, store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(100, 28)) as pilot:
        await pilot.pause()
        await pilot.press("comma")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        table = screen.query_one("#stages-table", DataTable)
        for key, row in (("G", 5), ("g", 0), ("end", 5), ("home", 0), ("j", 1), ("k", 0)):
            await pilot.press(key)
            assert table.cursor_row == row, key
        await pilot.press("G", "r")  # rename acts on the highlighted row: the last stage
        assert isinstance(app.screen, PromptModal)
        assert app.screen.value == "Closed Lost"
        await pilot.press("escape")
        await pilot.press("2", "end", "o")  # the last reason ("Other") becomes no decision
    assert store.shape.find_reason("Other").outcome.value == "no_decision"


def test_demo_never_reads_or_writes_the_users_preferences(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    prefs = tmp_path / "mine.toml"
    prefs.write_text("currency = \n")  # broken: reading it would print a warning
    monkeypatch.setenv("PIPELINE_TUI_CONFIG", str(prefs))
    demo = tmp_path / "demo.db"
    assert main(["demo", "--no-open", "--db", str(demo)]) == 0
    err = capsys.readouterr().err
    assert "warning" not in err and str(prefs) not in err
    assert prefs.read_text() == "currency = \n"
    assert main(["--db", str(demo), "config", "currency"]) == 0  # the user's, for the user's db
    assert "warning" in capsys.readouterr().err

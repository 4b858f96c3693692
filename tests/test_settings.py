"""Shaping the pipeline: stages, stale thresholds, loss reasons and preferences."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from pilot_helpers import header, paste
from textual.widgets import DataTable

from pipeline_tui import paths
from pipeline_tui.cli import main
from pipeline_tui.config import Settings, load_settings, save_settings
from pipeline_tui.errors import InputError, RuleError
from pipeline_tui.models import LossInput, StageKind
from pipeline_tui.report import period
from pipeline_tui.store import Store

# ------------------------------------------------------------------ stages


def names(store: Store) -> list[str]:
    return [s.name for s in store.shape.stages()]


def test_a_new_open_stage_goes_before_the_endpoints(store: Store) -> None:
    store.shape.add_stage("Demo booked", stale_days=5)
    assert names(store) == [
        "Lead", "Qualified", "Proposal", "Negotiation", "Demo booked", "Closed Won", "Closed Lost",
    ]  # fmt: skip
    assert store.shape.find_stage("demo booked").stale_days == 5


def test_stage_names_are_unique_in_any_case(store: Store) -> None:
    with pytest.raises(InputError, match="already a stage called"):
        store.shape.add_stage("PROPOSAL")
    with pytest.raises(InputError, match="already a stage called"):
        builders.rename_stage(store, store.shape.find_stage("Lead").id, "qualified")
    with pytest.raises(InputError, match="cannot be empty"):
        builders.rename_stage(store, store.shape.find_stage("Lead").id, "   ")


def test_reorder_moves_one_place_and_stops_at_the_ends(store: Store) -> None:
    neg = store.shape.find_stage("Negotiation")
    store.shape.move_stage(neg.id, -1)
    assert names(store)[2:4] == ["Negotiation", "Proposal"]
    store.shape.move_stage(neg.id, -100)
    assert names(store)[0] == "Negotiation"
    store.shape.move_stage(neg.id, 100)
    assert names(store)[-1] == "Negotiation"


def test_rename_keeps_history_and_reports(store: Store) -> None:
    deal = builders.add(store, "Acme", value=100_00, stage_id=store.shape.find_stage("Proposal").id)
    builders.mark_lost(store, deal.id, LossInput(store.shape.find_reason("Price").id, note="too dear"))
    proposal = store.shape.find_stage("Proposal")
    builders.rename_stage(store, proposal.id, "Quote sent")
    reason = store.shape.find_reason("Price")
    builders.rename_reason(store, reason.id, "Budget")
    lost = store.deals.get(deal.id)
    assert store.shape.stage(lost.lost_at_stage_id).name == "Quote sent"  # type: ignore[arg-type]
    events = store.deals.timeline(deal.id)
    assert store.shape.stage(events[-1].from_stage_id).name == "Quote sent"  # type: ignore[arg-type]
    report = store.reports.report(period("all", TODAY), today=TODAY)
    assert [r.label for r in report.lost_tables.by_stage.rows] == ["Quote sent"]
    assert [r.label for r in report.lost_tables.reasons_by_count.rows] == ["Budget"]


def test_a_stage_holding_deals_cannot_be_archived_and_says_where_to_move_them(store: Store) -> None:
    lead = store.shape.find_stage("Lead")
    builders.add(store, "One")
    builders.add(store, "Two")
    with pytest.raises(RuleError, match=r"Lead still holds 2 deals; move them to another stage first"):
        builders.archive_stage(store, lead.id)
    assert "Lead" in names(store)


def test_archive_and_restore_an_empty_stage(store: Store) -> None:
    neg = store.shape.find_stage("Negotiation")
    builders.archive_stage(store, neg.id)
    assert "Negotiation" not in names(store)
    assert store.shape.stage(neg.id).archived
    builders.unarchive_stage(store, neg.id)
    assert "Negotiation" in names(store)


def test_there_is_always_one_open_one_won_and_one_lost_stage(store: Store) -> None:
    for kind in (StageKind.WON, StageKind.LOST):
        with pytest.raises(RuleError, match=f"only {kind.value} stage"):
            builders.archive_stage(store, store.shape.first_stage(kind).id)
    open_stages = [s for s in store.shape.stages() if s.is_open]
    for stage in open_stages[:-1]:
        builders.archive_stage(store, stage.id)
    with pytest.raises(RuleError, match="only open stage"):
        builders.archive_stage(store, open_stages[-1].id)


def test_stale_threshold_per_stage_or_off(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    deal = builders.add(store, "Idle")
    lead = store.shape.find_stage("Lead")
    clock.advance(days=6)
    today = clock.today
    assert store.review.stale_count(today) == 0
    builders.set_stale_days(store, lead.id, 5)
    assert [s.reason for s in store.review.stale(today)] == ["6 days idle in Lead"]
    builders.set_stale_days(store, lead.id, None)
    assert store.review.stale_count(today) == 0
    with pytest.raises(InputError, match="1 to 3650"):
        builders.set_stale_days(store, lead.id, 0)
    with pytest.raises(RuleError, match="endpoint"):
        builders.set_stale_days(store, store.shape.first_stage(StageKind.WON).id, 3)
    assert store.deals.get(deal.id).stage_id == lead.id


# ----------------------------------------------------------------- reasons


def test_an_archived_reason_stays_on_its_deals_and_in_reports_but_is_not_offered(store: Store) -> None:
    deal = builders.add(store, "Globex", value=50_00)
    timing = store.shape.find_reason("Timing")
    builders.mark_lost(store, deal.id, LossInput(timing.id))
    builders.archive_reason(store, timing.id)
    assert "Timing / no urgency" not in [r.label for r in store.shape.reasons()]
    assert store.deals.get(deal.id).loss_reason_id == timing.id
    report = store.reports.report(period("all", TODAY), today=TODAY)
    assert [r.label for r in report.lost_tables.reasons_by_count.rows] == ["Timing / no urgency"]
    other = builders.add(store, "Initech")
    with pytest.raises(RuleError, match="archived"):
        builders.mark_lost(store, other.id, LossInput(timing.id))
    builders.unarchive_reason(store, timing.id)
    assert "Timing / no urgency" in [r.label for r in store.shape.reasons()]


def test_new_reasons_can_ask_for_a_competitor_or_a_note(store: Store) -> None:
    legal = store.shape.add_reason("Legal / compliance", needs_note=True)
    assert store.shape.reasons()[-1] == legal
    deal = builders.add(store, "Umbrella")
    with pytest.raises(RuleError, match="needs a note"):
        builders.mark_lost(store, deal.id, LossInput(legal.id))
    store.shape.move_reason(legal.id, -100)
    assert store.shape.reasons()[0].label == "Legal / compliance"
    with pytest.raises(InputError, match="already a loss reason"):
        store.shape.add_reason("other")


# ------------------------------------------------------------- preferences


def test_preferences_file_is_created_only_when_something_changes(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = paths.config_path()
    assert main(["config"]) == 0
    assert not config.exists()
    assert "currency = USD" in capsys.readouterr().out
    assert main(["config", "day_first", "yes"]) == 0
    assert tomllib.loads(config.read_text()) == {"day_first": True}
    assert main(["config", "currency", "eur"]) == 0
    assert load_settings(config)[0] == Settings(day_first=True, currency="EUR")


def test_a_broken_preferences_file_names_the_line_and_falls_back(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = paths.config_path()
    config.write_text('currency = "EUR"\nday_first = tru\n')
    settings, warning = load_settings(config)
    assert settings == Settings()
    assert warning is not None and "line 2" in warning
    assert main(["list"]) == 0
    err = capsys.readouterr().err
    assert "line 2" in err and "default" in err and "Traceback" not in err


def test_a_preferences_file_that_cannot_be_read_falls_back(tmp_path: Path) -> None:
    """A folder where the file should be, or a file where its folder should be: the
    defaults, and a warning that names the path (a file under an unreadable home is the
    same case, which root cannot show)."""
    folder = tmp_path / "config.toml"
    folder.mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    for path in (folder, blocker / "config.toml"):
        settings, warning = load_settings(path)
        assert settings == Settings()
        assert warning is not None and "default settings" in warning
        assert "Cannot read" in warning or "is a folder, not a regular file" in warning


def test_bad_preference_values_are_refused_with_a_message(capsys) -> None:  # type: ignore[no-untyped-def]
    for key, value, message in (
        ("closed_days", "soon", "whole number"),
        ("currency", "dollars", "three-letter"),
        ("theme", "neon", "Unknown theme"),
        ("colour", "red", "Unknown setting"),
    ):
        assert main(["config", key, value]) == 1
        assert message in capsys.readouterr().err
    assert not paths.config_path().exists()


def test_day_first_changes_how_dates_are_read(capsys) -> None:  # type: ignore[no-untyped-def]
    save_settings(paths.config_path(), Settings(day_first=True))
    assert main(["--today", "2026-11-24", "add", "Dated", "--close", "1/12", "--json"]) == 0
    assert '"expected_close": "2026-12-01"' in capsys.readouterr().out


# --------------------------------------------------------------------- CLI


def test_stage_and_reason_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["stages", "add", "Demo booked", "5"]) == 0
    assert main(["stages", "move", "demo", "up"]) == 0
    assert main(["stages", "rename", "demo", "Demo done"]) == 0
    assert main(["stages", "stale", "proposal", "off"]) == 0
    assert main(["add", "Held", "--stage", "demo done"]) == 0
    capsys.readouterr()
    assert main(["stages", "archive", "demo done"]) == 1
    assert "Demo done still holds 1 deal; move them" in capsys.readouterr().err
    assert main(["stages"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0].strip() for line in listing][:5] == [
        "Lead", "Qualified", "Proposal", "Demo done", "Negotiation",
    ]  # fmt: skip
    assert "never stale" in listing[2]
    assert main(["reasons", "add", "Legal", "--note"]) == 0
    assert main(["reasons", "archive", "legal"]) == 0
    capsys.readouterr()
    assert main(["reasons"]) == 0
    assert "Legal" not in capsys.readouterr().out
    assert main(["reasons", "--all"]) == 0
    assert "Legal  (asks for note)  (archived)" in capsys.readouterr().out


# ----------------------------------------------------------- settings screen


async def test_settings_screen_shapes_stages_and_the_board_follows(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    builders.add(store, "Acme")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("comma")
        await pilot.pause()
        await pilot.press("a")
        await paste(pilot, "Demo booked")
        await pilot.press("enter")
        await pilot.pause()
        assert names(store)[4] == "Demo booked"
        table = app.screen.query_one("#stages-table", DataTable)
        table.move_cursor(row=4)
        await pilot.press("K", "K")
        await pilot.pause()
        assert names(store)[2] == "Demo booked"
        await pilot.press("t")
        await paste(pilot, "3")
        await pilot.press("enter")
        await pilot.pause()
        assert store.shape.find_stage("Demo booked").stale_days == 3
        table.move_cursor(row=0)
        await pilot.press("A")  # Lead holds Acme: refused with a message
        await pilot.pause()
        assert "Lead" in names(store)
        assert any("still holds 1 deal" in n.text for n in app.messages)
        await pilot.press("escape")
        await pilot.pause()
        assert [c.stage.name for c in app.screen.columns][2] == "Demo booked"
        assert header(app, "Demo booked").startswith("Demo booked")


async def test_what_is_added_has_the_cursor_so_the_next_key_acts_on_it(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    """Add a reason, then rename at once: the new reason is renamed, never the first row."""
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("comma", "2", "a", *"Vendor lock-in", "enter", "r", "ctrl+u", *"Lock-in", "enter")
        await pilot.press("1", "a", *"Discovery", "enter", "r", "ctrl+u", *"Discovery call", "enter")
        await pilot.pause()
    labels = [r.label for r in store.shape.reasons()]
    assert "Price / budget" in labels and labels[-1] == "Lock-in"
    assert "Discovery call" in [s.name for s in store.shape.stages()] and "Lead" in [
        s.name for s in store.shape.stages()
    ]
    assert any("Renamed reason 'Vendor lock-in' to 'Lock-in'" in n.text for n in app.messages)


async def test_settings_screen_reasons_and_preferences(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("comma", "2")
        await pilot.pause()
        await pilot.press("a")
        await paste(pilot, "Legal / compliance")
        await pilot.press("enter")
        await pilot.pause()
        assert store.shape.reasons()[-1].label == "Legal / compliance"
        table = app.screen.query_one("#reasons-table", DataTable)
        table.move_cursor(row=0)
        await pilot.press("A")
        await pilot.pause()
        assert "Price / budget" not in [r.label for r in store.shape.reasons()]
        await pilot.press("4")
        await pilot.pause()
        prefs = app.screen.query_one("#prefs-table", DataTable)
        prefs.move_cursor(row=3)  # closed_days
        await pilot.press("e")
        await paste(pilot, "soon")
        await pilot.press("enter")
        await pilot.pause()
        assert app.settings.closed_days == 30  # refused in the prompt
        await pilot.press("ctrl+a", "ctrl+k")
        await paste(pilot, "60")
        await pilot.press("enter")
        await pilot.pause()
        assert app.settings.closed_days == 60
        assert tomllib.loads(paths.config_path().read_text()) == {"closed_days": 60}
        prefs.move_cursor(row=2)  # theme
        await pilot.press("e", "ctrl+a", "ctrl+k")
        await paste(pilot, "textual-light")
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "textual-light"


def test_settings_snapshot(snap_compare, store: Store) -> None:  # type: ignore[no-untyped-def]
    from pipeline_tui.app import PipelineApp

    store.shape.add_stage("Demo booked", stale_days=5)
    builders.archive_reason(store, store.shape.find_reason("Champion").id)
    app = PipelineApp(store, today=date(2026, 11, 24), poll_interval=0)
    assert snap_compare(app, press=["comma"], terminal_size=(100, 28))

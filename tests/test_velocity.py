"""Velocity and conversion from the timeline, on a hand-built history whose days and shares
are exact: per open stage the deals that entered it, those that moved on, the days of those
that left; the sales cycle per outcome; the win rate by the stage deals started in. A move
taken back with `u` never happened."""

from __future__ import annotations

import json
from datetime import date, datetime

import builders
import pytest
from conftest import TODAY

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.report import custom_period, period
from pipeline_tui.store import Store
from pipeline_tui.velocity import Velocity, median_of


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def history(store: Store) -> dict[str, int]:
    """Five deals through October (every change at 09:00 on the day named):

    A  Lead Oct 1 → Qualified Oct 5 → Proposal Oct 15 → won Oct 25
    B  Lead Oct 2 → Qualified Oct 10 → lost (Price) Oct 20
    C  Lead Oct 3 → lost (No decision) Oct 9
    D  Qualified Oct 4 → Proposal Oct 6, still there
    E  Lead Oct 5 → Qualified Oct 7, taken back with u the same day → Qualified Oct 17
       → back to Lead Oct 20, still there
    """
    a = builders.add(store, "A", at=d(10, 1))
    builders.move(store, a, "Qualified", at=d(10, 5))
    builders.move(store, a, "Proposal", at=d(10, 15))
    builders.win(store, a, at=d(10, 25))
    b = builders.add(store, "B", at=d(10, 2))
    builders.move(store, b, "Qualified", at=d(10, 10))
    builders.lose(store, b, "Price", at=d(10, 20))
    c = builders.add(store, "C", at=d(10, 3))
    builders.lose(store, c, "No decision", at=d(10, 9))
    dd = builders.add(store, "D", stage_id="Qualified", at=d(10, 4))
    builders.move(store, dd, "Proposal", at=d(10, 6))
    e = builders.add(store, "E", at=d(10, 5))
    builders.move(store, e, "Qualified", at=d(10, 7))
    with builders.stamped(store, datetime(2026, 10, 7, 10, 0)):
        ops.undo(store)
    builders.move(store, e, "Qualified", at=d(10, 17))
    builders.move(store, e, "Lead", at=d(10, 20))
    return {"A": a.id, "B": b.id, "C": c.id, "D": dd.id, "E": e.id}


def flows(v: Velocity) -> dict[str, tuple[int, int, float | None, float | None, float | None]]:
    return {f.stage.name: (f.entered, f.moved_on, f.conversion, f.avg_days, f.median_days) for f in v.stages}


def test_each_stage_counts_entries_moves_on_and_days_of_those_that_left(
    store: Store, history: dict[str, int]
) -> None:
    v = store.reports.velocity(period("all", TODAY))
    assert flows(v) == {
        # A 4 days, B 8, C 6 (lost from Lead: no moving on), E 12 (its undone move is no stay)
        "Lead": (4, 3, 0.75, 7.5, 7.0),
        # A 10, B 10 (lost), D 2, E 3 (back to Lead)
        "Qualified": (4, 2, 0.5, 6.25, 6.5),
        # A 10 then won; D still there (its days are on its card)
        "Proposal": (2, 1, 0.5, 10.0, 10.0),
        "Negotiation": (0, 0, None, None, None),
    }


def test_the_sales_cycle_and_the_win_rate_by_starting_stage(store: Store, history: dict[str, int]) -> None:
    v = store.reports.velocity(period("all", TODAY))
    assert {k: (c.count, c.avg_days, c.median_days) for k, c in v.cycle.items()} == {
        "won": (1, 24.0, 24.0),
        "lost": (1, 18.0, 18.0),
        "no_decision": (1, 6.0, 6.0),
    }
    [lead] = v.by_origin  # A, B and C started in Lead; D (Qualified) is still open
    assert (lead.stage.name, lead.won, lead.lost, lead.no_decision) == ("Lead", 1, 1, 1)
    assert lead.win_rate == pytest.approx(1 / 3) and lead.decided_win_rate == 0.5


def test_a_period_counts_the_entries_made_in_it(store: Store, history: dict[str, int]) -> None:
    v = store.reports.velocity(custom_period(d(10, 4), d(10, 10)))
    got = flows(v)
    assert got["Lead"] == (1, 1, 1.0, 12.0, 12.0)  # E only (A, B, C entered before Oct 4)
    assert got["Qualified"][:2] == (3, 2)  # A, D and B; E's move of Oct 7 was taken back
    assert got["Qualified"][3] == pytest.approx(22 / 3) and got["Qualified"][4] == 10.0
    assert got["Proposal"] == (1, 0, 0.0, None, None)  # D, still there
    assert {k: c.count for k, c in v.cycle.items()} == {"won": 0, "lost": 0, "no_decision": 1}


def test_archived_deals_leave_the_velocity(store: Store, history: dict[str, int]) -> None:
    builders.archive(store, history["E"])
    assert flows(store.reports.velocity(period("all", TODAY)))["Lead"] == (3, 2, 2 / 3, 6.0, 6.0)


def test_the_median_is_the_middle_value() -> None:
    assert median_of([]) is None
    assert median_of([3.0]) == 3.0
    assert median_of([10.0, 2.0, 4.0]) == 4.0
    assert median_of([1.0, 9.0, 3.0, 5.0]) == 4.0


def test_report_json_carries_velocity_as_the_contract_says(
    store: Store, history: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--period", "all", "--json", "--today", TODAY.isoformat()]) == 0
    velocity = json.loads(capsys.readouterr().out)["velocity"]
    assert velocity["stages"][0] == {
        "stage": "Lead",
        "entered": 4,
        "moved_on": 3,
        "conversion": 0.75,
        "avg_days": 7.5,
        "median_days": 7.0,
    }
    assert [set(s) for s in velocity["stages"]] == [
        {"stage", "entered", "moved_on", "conversion", "avg_days", "median_days"}
    ] * 4
    assert velocity["cycle_days"] == {
        "won": {"deals": 1, "avg_days": 24.0, "median_days": 24.0},
        "lost": {"deals": 1, "avg_days": 18.0, "median_days": 18.0},
        "no_decision": {"deals": 1, "avg_days": 6.0, "median_days": 6.0},
    }
    assert velocity["win_rate_by_created_stage"] == [
        {"stage": "Lead", "closed": 3, "won": 1, "lost": 1, "no_decision": 1, "win_rate": 0.3333,
         "decided_win_rate": 0.5}
    ]  # fmt: skip


def test_report_text_shows_velocity_within_80_columns(
    store: Store, history: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--period", "all", "--today", TODAY.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("Velocity · the deals that entered each stage in the period")
    assert lines[at + 3].split() == ["Lead", "4", "3", "75%", "7.5", "7"]
    assert lines[at + 4].split() == ["Qualified", "4", "2", "50%", "6.2", "6.5"]
    assert "  Won" in "\n".join(lines[at:]) and max(map(len, lines)) <= 80


async def test_the_velocity_tab_shows_the_stages_and_follows_the_period(
    store: Store, history: dict[str, int], make_app
) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable

    from pipeline_tui.screens.report import ReportScreen

    app = make_app()
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("R", "v")
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.tab == "tab-velocity"
        table = screen.query_one("#velocity-table", DataTable)
        assert [str(c) for c in table.get_row_at(0)][:3] == ["Lead", "4", "3"]  # this quarter: October
        assert str(table.get_row_at(0)[3]).startswith(" 75%")
        await pilot.press("5", *"2026-10-04..2026-10-10", "enter")  # a custom period, on the same tab
        await pilot.pause()
        assert screen.tab == "tab-velocity" and screen.velocity is not None
        assert [str(c) for c in table.get_row_at(0)][:3] == ["Lead", "1", "1"]

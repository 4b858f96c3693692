"""What changed since a day, on a hand-built history: each group with the deal as it was when
the window opened and as it is now (the net change), value totals per currency, the lines
that name the deal and the change, `changes --json` with exactly the ten groups, and the
report's Changes tab."""

from __future__ import annotations

import json
from datetime import date, datetime

import builders
import pytest
from conftest import TODAY

from pipeline_tui import operations as ops
from pipeline_tui.changes import GROUPS, since_day
from pipeline_tui.cli import main
from pipeline_tui.dates import parse_optional_date
from pipeline_tui.errors import InputError
from pipeline_tui.models import WinInput
from pipeline_tui.store import Store

SINCE = date(2026, 11, 17)  # a week before TODAY (Tue Nov 24)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


@pytest.fixture
def week(store: Store) -> dict[str, int]:
    """Deals made on Nov 1 (before the window) changed in the week from Nov 17, and some
    whose changes net out or were taken back."""
    ids: dict[str, int] = {}

    def old(name: str, **fields: object) -> int:
        ids[name] = builders.add(store, name, at=d(11, 1), **fields).id  # type: ignore[arg-type]
        return ids[name]

    ids["Acme pilot"] = builders.add(store, "Acme pilot", at=d(11, 18), value=5_000_00).id
    builders.move(store, old("Forward"), "Qualified", at=d(11, 18))
    builders.move(store, ids["Forward"], "Proposal", at=d(11, 19))
    back = old("Backward")
    builders.move(store, back, "Qualified", at=d(11, 2))
    builders.move(store, back, "Lead", at=d(11, 20))
    won = old("Big win", stage_id="Negotiation", value=10_000_00)
    with builders.stamped(store, d(11, 21)):
        ops.win(store, [won], WinInput(store.shape.find_won_reason("Product").id))
    builders.lose(store, old("Lost one", stage_id="Proposal", value=3_000_00), "Price", at=d(11, 21))
    builders.lose(store, old("Went dark", value=1_000_00), "No decision", at=d(11, 22))
    grown = old("Grown", value=10_000_00)
    builders.edit(store, grown, value=12_000_00, at=d(11, 10))  # before the window
    builders.edit(store, grown, value=15_000_00, at=d(11, 19))
    builders.edit(store, grown, value=14_000_00, at=d(11, 20))
    builders.edit(store, old("Shrunk", value=5_000_00, currency="EUR"), value=4_000_00, at=d(11, 19))
    builders.edit(
        store, old("Initech seats", expected_close=d(12, 15)), expected_close=date(2027, 1, 15), at=d(11, 18)
    )
    builders.edit(
        store, old("Sooner", expected_close=date(2027, 1, 31)), expected_close=d(12, 20), at=d(11, 19)
    )
    came_back = old("Came back")
    builders.lose(store, came_back, "Timing", at=d(11, 3))
    builders.reopen(store, came_back, "Qualified", at=d(11, 22))
    # No change in the end: moved and taken back; moved on and back; archived.
    undone = old("Undone")
    builders.move(store, undone, "Qualified", at=d(11, 19))
    with builders.stamped(store, datetime(2026, 11, 19, 10, 0)):
        ops.undo(store)
    round_trip = old("Round trip")
    builders.move(store, round_trip, "Qualified", at=d(11, 18))
    builders.move(store, round_trip, "Lead", at=d(11, 19))
    gone = old("Archived")
    builders.move(store, gone, "Qualified", at=d(11, 18))
    builders.archive(store, gone)
    return ids


def lines(store: Store) -> dict[str, list[str]]:
    changes = store.history.changes(SINCE, TODAY)
    return {group: [line.text for line in found] for group, found in changes.groups.items() if found}


def test_each_deal_lands_in_its_groups_with_the_change_named(store: Store, week: dict[str, int]) -> None:
    assert lines(store) == {
        "new": ["Acme pilot: new in Lead, $5,000"],
        "advanced": ["Forward: Lead → Proposal"],
        "moved_back": ["Backward: Qualified → Lead"],
        "won": ["Big win: won from Negotiation, $10,000 (Product fit)"],
        "lost": [
            "Lost one: lost from Proposal, $3,000 — Price / budget",
            "Went dark: no decision from Lead, $1,000 — No decision / went dark",
        ],
        "value_up": ["Grown: value $12,000 → $14,000 (+$2,000)"],
        "value_down": ["Shrunk: value €5,000 → €4,000 (−€1,000)"],
        "close_date_pushed": ["Initech seats: close Dec 15 → Jan 15"],
        "close_date_pulled_in": ["Sooner: close Jan 31 → Dec 20"],
        "reopened": ["Came back: reopened in Qualified (was Closed Lost)"],
    }


def test_before_and_after_and_totals_per_currency(store: Store, week: dict[str, int]) -> None:
    changes = store.history.changes(SINCE, TODAY)
    [grown] = changes.groups["value_up"]
    assert (grown.before, grown.after, grown.delta) == (
        {"value": 12_000_00, "currency": "USD"},
        {"value": 14_000_00, "currency": "USD"},
        2_000_00,
    )
    assert changes.totals("value_up") == {"USD": 2_000_00}
    assert changes.totals("value_down") == {"EUR": -1_000_00}
    [pushed] = changes.groups["close_date_pushed"]
    assert (pushed.before, pushed.after) == (
        {"expected_close": d(12, 15)},
        {"expected_close": date(2027, 1, 15)},
    )
    assert [line.outcome for line in changes.groups["lost"]] == ["lost", "no_decision"]
    assert changes.groups["new"][0].before is None
    assert changes.count == 11


def test_an_earlier_window_compares_with_the_deals_as_they_were_then(
    store: Store, week: dict[str, int]
) -> None:
    changes = store.history.changes(d(11, 2), TODAY)  # from Nov 2: the Nov 10 edit is in it
    [grown] = changes.groups["value_up"]
    assert grown.before == {"value": 10_000_00, "currency": "USD"} and grown.delta == 4_000_00
    # Backward went to Qualified on Nov 2 and back to Lead: no change over this window.
    assert changes.groups["moved_back"] == []
    # Came back was in Lead on Nov 2 (lost on the 3rd, reopened in Qualified): moved forward.
    assert "Came back: Lead → Qualified" in [ln.text for ln in changes.groups["advanced"]]


def test_the_window_is_read_as_people_say_it() -> None:
    def parse(text: str) -> date | None:
        return parse_optional_date(text, TODAY, past=True)

    assert since_day(None, TODAY, parse) == SINCE
    assert since_day("7d", TODAY, parse) == SINCE
    assert since_day("2w", TODAY, parse) == d(11, 10)
    assert since_day("1m", TODAY, parse) == d(10, 25)
    assert since_day("mon", TODAY, parse) == d(11, 23)
    assert since_day("Nov 1", TODAY, parse) == d(11, 1)
    with pytest.raises(InputError, match="after today"):
        since_day("2026-12-01", TODAY, parse)
    with pytest.raises(InputError, match="century"):
        since_day("9999m", TODAY, parse)


def test_changes_json_has_exactly_the_ten_groups(
    store: Store, week: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["changes", "--since", "7d", "--json", "--today", TODAY.isoformat()]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == list(GROUPS) == [
        "new", "advanced", "moved_back", "won", "lost", "value_up", "value_down",
        "close_date_pushed", "close_date_pulled_in", "reopened",
    ]  # fmt: skip
    [grown] = data["value_up"]
    assert grown["title"] == "Grown" and grown["id"] == week["Grown"]
    assert grown["before"] == {"value": 12000.0, "value_minor": 1200000, "currency": "USD"}
    assert grown["after"] == {"value": 14000.0, "value_minor": 1400000, "currency": "USD"}
    assert grown["delta"] == 2000.0 and grown["change"] == "Grown: value $12,000 → $14,000 (+$2,000)"
    assert data["close_date_pushed"][0]["before"] == {"expected_close": "2026-12-15"}
    assert data["won"][0]["after"]["won_reason"] == "Product fit"
    assert data["new"][0]["before"] is None
    assert [item["outcome"] for item in data["lost"]] == ["lost", "no_decision"]


def test_changes_text_names_each_deal_and_totals_value_per_currency(
    store: Store, week: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["changes", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "What changed since Tue Nov 17 2026 (7 days): 11 deals"
    assert "Value up (1) · +$2,000" in out and "Value down (1) · −€1,000" in out
    assert f"  #{week['Initech seats']:<5} Initech seats: close Dec 15 → Jan 15" in out
    at = out.index("Lost (2)")
    assert out[at + 1] == "  Lost (1)" and out[at + 3] == "  No decision (1)"
    assert main(["changes", "--since", "tomorrow", "--today", TODAY.isoformat()]) == 1
    assert "after today" in capsys.readouterr().err


def test_nothing_changed_says_so(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    builders.add(store, "Old", at=d(10, 1))
    assert main(["changes", "--today", TODAY.isoformat()]) == 0
    assert capsys.readouterr().out == "What changed since Tue Nov 17 2026 (7 days): nothing.\n"


async def test_the_changes_tab_lists_the_week_and_enter_opens_a_deal(
    store: Store, week: dict[str, int], make_app
) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable

    from pipeline_tui.screens.deal_detail import DealDetailScreen
    from pipeline_tui.screens.report import ReportScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R", "c")
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.changes is not None
        table = screen.query_one("#changes-table", DataTable)
        rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert rows[0] == "New deals (1)" and "Value down (1) · −€1,000" in rows
        assert f"  #{week['Initech seats']:<6}Initech seats: close Dec 15 → Jan 15" in rows
        await pilot.press("d", "ctrl+u", *"1d", "enter")  # since yesterday: only the 23rd on
        await pilot.pause()
        assert screen.changes is not None and screen.changes.since == d(11, 23)
        assert screen.changes.count == 0
        await pilot.press("d", "ctrl+u", *"Nov 17", "enter", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DealDetailScreen) and app.screen.deal_id == week["Acme pilot"]


def test_a_deal_moved_then_closed_in_the_window_names_the_stage_it_closed_from(store: Store) -> None:
    """Moved on and then lost (or won) in the same week: the line names the stage it was
    lost from, and the stage it was in when the week began; `before` keeps the latter."""
    lost = builders.add(store, "Moved then lost", at=d(11, 1), stage_id="Qualified", value=2_000_00)
    builders.move(store, lost, "Proposal", at=d(11, 18))
    builders.lose(store, lost, "Price", at=d(11, 21))
    won = builders.add(store, "Moved then won", at=d(11, 1), stage_id="Qualified", value=1_000_00)
    builders.move(store, won, "Negotiation", at=d(11, 18))
    builders.win(store, won, at=d(11, 21))
    changes = store.history.changes(SINCE, TODAY)
    assert [line.text for line in changes.groups["lost"]] == [
        "Moved then lost: lost from Proposal, $2,000 — Price / budget (was in Qualified)"
    ]
    assert [line.text for line in changes.groups["won"]] == [
        "Moved then won: won from Negotiation, $1,000 (was in Qualified)"
    ]
    assert changes.groups["lost"][0].before == {"stage": "Qualified"}

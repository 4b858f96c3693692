"""Why we win: won reasons (shaped like the loss reasons), asked optionally when a deal is won,
kept in the timeline when a win is undone, reopened or replaced, on the command line, in the
report beside the losses (per currency, who we beat beside who beat us), in the export, and
settable by an import."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import builders
import pytest
from conftest import TODAY
from test_flows import FakeUi

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.csv_io import export_to_string
from pipeline_tui.errors import RuleError
from pipeline_tui.flows.deals import DealFlows
from pipeline_tui.flows.runner import ChangeRunner
from pipeline_tui.models import EventKind, ImportRow, PendingReason, Scope, StageKind, WinInput
from pipeline_tui.report import period
from pipeline_tui.serialize import describe_event
from pipeline_tui.store import Store


def reason_id(store: Store, label: str) -> int:
    return store.shape.find_won_reason(label).id


def test_the_defaults_and_a_win_with_its_reason_competitor_and_note(store: Store) -> None:
    assert [(r.label, r.needs_competitor) for r in store.shape.won_reasons()] == [
        ("Product fit", False),
        ("Price / value", False),
        ("Relationship / champion", False),
        ("Timing", False),
        ("Beat a competitor", True),
    ]
    deal = builders.add(store, "Initech seats")
    done = ops.win(store, [deal.id], WinInput(reason_id(store, "Beat"), " Acme ", "Their SSO was late"))
    assert done.message == "Won #1 Initech seats (Beat a competitor (Acme))."
    won = store.deals.get(deal.id)
    assert (won.won_reason_id, won.competitor, won.won_note) == (
        reason_id(store, "Beat"),
        "Acme",
        "Their SSO was late",
    )
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.WON and event.text == "Their SSO was late"
    assert event.data["reason"] == "Beat a competitor" and event.data["competitor"] == "Acme"
    assert describe_event(store, event) == ("won", "Lead → Closed Won · Beat a competitor (beat Acme)")


def test_a_win_needs_no_reason_but_a_reason_is_checked(store: Store) -> None:
    deal = builders.add(store, "Plain")
    ops.win(store, [deal.id])
    assert store.deals.get(deal.id).won_reason_id is None
    other = builders.add(store, "Other")
    with pytest.raises(RuleError, match="needs the competitor"):
        ops.win(store, [other.id], WinInput(reason_id(store, "Beat")))
    with pytest.raises(RuleError, match="Name the competitor with a won reason"):
        ops.win(store, [other.id], WinInput(None, "Acme"))
    ops.update_won_reason(store, reason_id(store, "Timing"), "Archived", archived=True)
    with pytest.raises(RuleError, match="archived"):
        ops.win(store, [other.id], WinInput(store.shape.find_won_reason_any("Timing").id))
    assert store.shape.stage(store.deals.get(other.id).stage_id).name == "Lead"
    # A competitor typed for a reason that does not ask for one is not kept.
    ops.win(store, [other.id], WinInput(reason_id(store, "Product"), ""))
    assert store.deals.get(other.id).competitor == ""


def test_undo_reopen_and_a_loss_clear_the_win_and_the_timeline_keeps_it(store: Store) -> None:
    deal = builders.add(store, "Globex")
    ops.win(store, [deal.id], WinInput(reason_id(store, "Beat"), "Acme", "note"))
    ops.undo(store)
    back = store.deals.get(deal.id)
    assert (back.won_reason_id, back.competitor, back.won_note, back.closed_at) == (None, "", "", None)
    ops.win(store, [deal.id], WinInput(reason_id(store, "Beat"), "Acme", "note"))
    reopened = builders.reopen(store, deal, "Proposal")
    assert (reopened.won_reason_id, reopened.competitor, reopened.won_note) == (None, "", "")
    event = store.deals.timeline(deal.id)[-1]
    assert event.data["previous_win"] == {
        "reason": "Beat a competitor",
        "reason_id": reason_id(store, "Beat"),
        "competitor": "Acme",
        "note": "note",
    }
    assert "was won: Beat a competitor" in describe_event(store, event)[1]
    ops.win(store, [deal.id], WinInput(reason_id(store, "Beat"), "Acme"))
    lost = builders.move(store, deal, "Closed Lost", builders.LossInput(
        store.shape.find_reason("Lost to competitor").id, "Initech"))  # fmt: skip
    assert (lost.won_reason_id, lost.competitor) == (None, "Initech")


def test_a_won_deal_gets_its_reason_later(store: Store) -> None:
    still_open = builders.add(store, "Open")
    deal = builders.add(store, "Imported win", stage_id="Closed Won")
    done = ops.fill_win(store, [deal.id], WinInput(reason_id(store, "Relationship"), note="Champion pushed"))
    assert done.message == "Won reason for #2 Imported win: Relationship / champion."
    assert store.deals.get(deal.id).won_reason_id == reason_id(store, "Relationship")
    with pytest.raises(RuleError, match="not won"):
        ops.fill_win(store, [still_open.id], WinInput(reason_id(store, "Timing")))
    ops.undo(store)
    assert store.deals.get(deal.id).won_reason_id is None


def test_won_reasons_are_shaped_like_loss_reasons_and_undone_in_settings(store: Store) -> None:
    store.conn.origin = "board-settings"
    made = ops.add_won_reason(store, "Integration depth").won_reason
    ops.update_won_reason(store, made.id, "Renamed", label="Integrations")
    ops.update_won_reason(store, made.id, "Asks", needs_competitor=True)
    ops.move_won_reason(store, made.id, -10)
    assert [r.label for r in store.shape.won_reasons()][0] == "Integrations"
    assert store.shape.won_reason(made.id).needs_competitor
    for _ in range(3):
        ops.undo(store, origin=store.conn.origin, scope=Scope.SETTINGS)
    assert store.shape.won_reason(made.id).label == "Integration depth"
    assert [r.label for r in store.shape.won_reasons()][-1] == "Integration depth"
    ops.undo(store, origin=store.conn.origin, scope=Scope.SETTINGS)
    assert "Integration depth" not in [r.label for r in store.shape.won_reasons(include_archived=True)]


# ------------------------------------------------------------------ command line


def test_move_to_closed_won_takes_a_reason_a_competitor_and_a_note(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    builders.add(store, "Acme renewal")
    today = ["--today", TODAY.isoformat()]
    assert (
        main(
            [
                "move",
                "1",
                "Closed Won",
                "--reason",
                "beat",
                "--competitor",
                "Globex",
                "--note",
                "Faster",
                *today,
            ]
        )
        == 0
    )
    assert "Won #1 Acme renewal (Beat a competitor (Globex))." in capsys.readouterr().out
    assert main(["move", "1", "Closed Won", "--reason", "price", *today]) == 0  # won already: a new reason
    assert store.deals.get(1).won_reason_id == reason_id(store, "Price")
    assert main(["show", "1", *today]) == 0
    assert "         Won  Price / value" in capsys.readouterr().out
    builders.add(store, "Other")
    for args, error in (
        (["--reason", "nope"], "No won reason called 'nope'"),
        (["--reason", "product", "--competitor", "X"], "does not name a competitor"),
        (["--competitor", "X"], "--competitor goes with a won --reason"),
        (["--revisit", "+3m"], "--revisit only applies"),
        (["--reason", "beat"], "needs the competitor"),
    ):
        assert main(["move", "2", "Closed Won", *args, *today]) == 1
        assert error in capsys.readouterr().err
    assert store.shape.stage(store.deals.get(2).stage_id).name == "Lead"
    assert main(["move", "2", "Proposal", "--reason", "x", *today]) == 1
    assert "only applies when moving to a won or lost stage" in capsys.readouterr().err


# ------------------------------------------------------------------ the report and the export


@pytest.fixture
def wins(store: Store) -> None:
    """This quarter: won for Product fit ($10k and €5k), for beating Acme ($20k), for no given
    reason ($1k); lost to Acme ($8k) and to Globex ($4k)."""
    on = date(2026, 11, 2)
    for title, value, currency, win in (
        ("Fit", 10_000_00, "USD", WinInput(reason_id(store, "Product"))),
        ("Fit EU", 5_000_00, "EUR", WinInput(reason_id(store, "Product"))),
        ("Beat Acme", 20_000_00, "USD", WinInput(reason_id(store, "Beat"), "Acme")),
        ("Just won", 1_000_00, "USD", None),
    ):
        deal = builders.add(store, title, value=value, currency=currency, at=on)
        with builders.stamped(store, on):
            ops.win(store, [deal.id], win)
    for title, value, who in (("To Acme", 8_000_00, "acme "), ("To Globex", 4_000_00, "Globex")):
        builders.lose(store, builders.add(store, title, value=value, at=on), "Lost to competitor",
                      competitor=who, at=on)  # fmt: skip


def test_the_report_shows_why_we_win_beside_why_we_lose(store: Store, wins: None) -> None:
    report = store.reports.report(period("this-quarter", TODAY), today=TODAY)
    rows = [(r.label, r.count, r.values, round(r.share, 2)) for r in report.wins.reasons_by_count.rows]
    assert rows == [
        ("Product fit", 2, {"USD": 10_000_00, "EUR": 5_000_00}, 0.5),
        ("Beat a competitor", 1, {"USD": 20_000_00}, 0.25),
        ("No reason given", 1, {"USD": 1_000_00}, 0.25),
    ]
    assert [(k.currency, [(r.label, r.value) for r in k.rows]) for k in report.wins.reasons_by_value] == [
        (
            "USD",
            [("Beat a competitor", 20_000_00), ("Product fit", 10_000_00), ("No reason given", 1_000_00)],
        ),
        ("EUR", [("Product fit", 5_000_00)]),
    ]
    assert [(r.label, r.count) for r in report.wins.beat.rows] == [("Acme", 1)]
    assert [(r.label, r.count) for r in report.lost_tables.by_competitor.rows] == [
        ("Globex", 1),
        ("acme", 1),
    ]
    assert report.wins.without_reason == 1
    beat = report.wins.beat.rows[0]
    assert store.reports.report_deal_ids(beat.key, report.period) == [3]
    fit = report.wins.reasons_by_count.rows[0]
    assert sorted(store.reports.report_deal_ids(fit.key, report.period)) == [1, 2]


def test_report_json_and_text_carry_the_wins(
    store: Store, wins: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--json", "--today", TODAY.isoformat()]) == 0
    data = json.loads(capsys.readouterr().out)["wins"]
    assert [(r["label"], r["count"], r["value"]) for r in data["reasons_by_count"]] == [
        ("Product fit", 2, {"EUR": 5000.0, "USD": 10000.0}),
        ("Beat a competitor", 1, {"USD": 20000.0}),
        ("No reason given", 1, {"USD": 1000.0}),
    ]
    assert [r["label"] for r in data["beat_competitors"]] == ["Acme"]
    assert [v["currency"] for v in data["reasons_by_value"]] == ["USD", "EUR"]
    assert data["without_reason"] == 1
    assert main(["report", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    titles = [line for line in out.splitlines() if line.startswith(("Won:", "Lost:"))]
    assert [t.split(" · ")[0] for t in titles] == [
        "Won: reasons by count", "Won: reasons by value (USD)", "Won: reasons by value (EUR)",
        "Lost: reasons by count", "Lost: reasons by value (USD)", "Lost: at stage", "Lost: to competitor",
        "Won: beat competitor",
    ]  # fmt: skip


def test_the_export_carries_the_won_reason_and_note(store: Store) -> None:
    deal = builders.add(store, "Won deal")
    ops.win(store, [deal.id], WinInput(reason_id(store, "Beat"), "Acme", "=cheaper"))
    rows = list(csv.DictReader(io.StringIO(export_to_string(store, "deals"))))
    assert (rows[0]["won_reason"], rows[0]["competitor"], rows[0]["won_note"]) == (
        "Beat a competitor",
        "Acme",
        "'=cheaper",
    )


def test_an_import_can_set_a_won_reason_and_make_one(store: Store) -> None:
    won = store.shape.first_stage(StageKind.WON).id
    moment = datetime(2026, 10, 1, 9, 0)
    stages, reasons = store.transfer.create_pending([], [PendingReason(-1, "Referral", won=True)])
    rows = [
        ImportRow("From HubSpot", won, moment, moment, moment, closed_at=moment, won_reason_id=-1,
                  won_note="Closed Won Reason: referral"),
        ImportRow("Known reason", won, moment, moment, moment, closed_at=moment,
                  won_reason_id=reason_id(store, "Timing")),
    ]  # fmt: skip
    with store.write():
        store.transfer.import_rows(rows, reason_keys=reasons)
    referral = store.shape.find_won_reason("Referral")
    assert referral.id == reasons[-1]
    first, second = store.deals.all()
    assert (first.won_reason_id, first.won_note) == (referral.id, "Closed Won Reason: referral")
    assert second.won_reason_id == reason_id(store, "Timing")
    assert [h.deal.id for h in store.search.find("referral").hits] == [first.id]


# ------------------------------------------------------------------ the flows and the prompt


def test_the_won_flow_asks_why_and_a_step_wins_without_asking(store: Store) -> None:
    from pipeline_tui.modals.won import WonModal

    ui = FakeUi(store)
    flows = DealFlows(ui, ChangeRunner(ui))
    deal = builders.add(store, "Asked")
    flows.won([deal])
    form, _ = ui.asked[-1]
    assert isinstance(form, WonModal) and form.optional
    ui.answer(None)  # escape: nothing changes
    assert store.deals.get(deal.id).stage_id == store.shape.find_stage("Lead").id
    flows.won([deal])
    ui.answer(WinInput(reason_id(store, "Timing")))
    assert store.deals.get(deal.id).won_reason_id == reason_id(store, "Timing")
    flows.won([store.deals.get(deal.id)])  # won already: the prompt gives (or changes) the reason
    form, _ = ui.asked[-1]
    assert isinstance(form, WonModal) and not form.optional
    ui.answer(WinInput(reason_id(store, "Price")))
    assert store.deals.get(deal.id).won_reason_id == reason_id(store, "Price")
    last = builders.add(store, "Stepped", stage_id="Negotiation")
    flows.step([last], 1)  # `>` from Negotiation: won, no prompt
    assert ui.asked == [] and store.shape.stage(store.deals.get(last.id).stage_id).kind is StageKind.WON


async def test_the_closed_won_prompt(store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Static

    from pipeline_tui.modals.won import WonModal

    deal = builders.add(store, "Prompted")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w", *"beat", "enter")
        modal = app.screen
        assert isinstance(modal, WonModal) and modal.query_one("#won-competitor-row").display
        await pilot.press("enter")  # no competitor named: the form says so and stays
        await pilot.press("enter")
        assert isinstance(app.screen, WonModal)
        assert "name the competitor" in str(modal.query_one("#won-error", Static).render())
        await pilot.press(*"Acme", "enter", *"Great call", "enter")
        await pilot.pause()
    won = store.deals.get(deal.id)
    assert (won.won_reason_id, won.competitor, won.won_note) == (
        reason_id(store, "Beat"),
        "Acme",
        "Great call",
    )


async def test_the_won_prompt_suggests_competitors_named_before(store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    """Who you beat is suggested from the names used in losses and wins, and a name typed in
    another case is saved as it was spelled before (one competitor, counted once)."""
    from textual.widgets import Input

    from pipeline_tui.models import LossInput

    lost = builders.add(store, "Lost before")
    builders.mark_lost(
        store, lost.id, LossInput(store.shape.find_reason("compet").id, competitor="Salesforce")
    )
    first, second = builders.add(store, "First win"), builders.add(store, "Second win")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.focus_deal(first)  # type: ignore[attr-defined]
        await pilot.press("w", *"beat", "enter", *"Sal", "right")  # → takes the name suggested
        assert app.screen.query_one("#won-competitor", Input).value == "Salesforce"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.focus_deal(second)  # type: ignore[attr-defined]
        await pilot.press("w", *"beat", "enter", *"salesforce ", "ctrl+s")
        await pilot.pause()
    assert [store.deals.get(d.id).competitor for d in (first, second)] == ["Salesforce", "Salesforce"]


async def test_settings_add_a_won_reason(store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("comma", "3", "a", *"Referral", "enter")
        await pilot.pause()
        await pilot.press("c")  # asks who was beaten
        await pilot.pause()
    made = store.shape.find_won_reason("Referral")
    assert made.needs_competitor and store.shape.won_reasons()[-1].id == made.id


def test_the_deals_export_brings_won_reasons_back_in_another_pipeline(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Our own export, imported into a fresh pipeline: each won deal keeps its reason (one
    this pipeline lacks is made, as a won reason, never a loss reason) and its note."""
    made = ops.add_won_reason(store, "Referral").won_reason
    beat, referred = builders.add(store, "Beat them"), builders.add(store, "Referred")
    ops.win(store, [beat.id], WinInput(reason_id(store, "Beat"), "Acme", "cheaper and faster"))
    ops.win(store, [referred.id], WinInput(made.id, note="via Walter"))
    path = tmp_path / "deals.csv"
    path.write_text(export_to_string(store, "deals"), encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    assert main(["--db", str(fresh), "import", str(path)]) == 0
    with Store.open(fresh) as other:
        deals = {d.title: d for d in other.deals.all()}
        got = {
            title: (other.shape.won_reason(d.won_reason_id).label, d.competitor, d.won_note)
            for title, d in deals.items()
            if d.won_reason_id is not None
        }
        assert got == {
            "Beat them": ("Beat a competitor", "Acme", "cheaper and faster"),
            "Referred": ("Referral", "", "via Walter"),
        }
        assert "Referral" not in [r.label for r in other.shape.reasons(include_archived=True)]

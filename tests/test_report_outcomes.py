"""No decision as an outcome, the quota for the current period, and the trend: every figure on
a hand-built pipeline in two currencies, with and without exchange rates, through the store,
the CLI (text, JSON, CSV, Markdown), the Report screen and the board's status line."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import builders
import pytest
from conftest import START, TODAY, Clock
from pilot_helpers import plain
from textual.widgets import DataTable, Static

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.config import Settings, load_settings
from pipeline_tui.models import Deal, LossInput, Outcome, Scope
from pipeline_tui.report import (
    Report,
    Tally,
    period,
    period_containing,
    trend_periods,
)
from pipeline_tui.report_render import (
    money,
    quota_status,
    render_csv,
    render_markdown,
    render_text,
    report_json,
)
from pipeline_tui.serialize import describe_event
from pipeline_tui.store import Store

# --------------------------------------------------------------------------------- the fixture
#
# Today is Tuesday 2026-11-24; the quota period is Q4 2026 (Oct 1 – Dec 31). Values in units.
#
#  deal  closed       outcome      value       reason                   lost at
#  W1    2026-10-10   won          USD 40,000
#  W2    2026-11-02   won          EUR 20,000
#  L1    2026-10-20   lost         USD 10,000  Price / budget           Proposal
#  L2    2026-11-10   lost         USD 30,000  Lost to competitor Acme  Negotiation
#  N1    2026-11-12   no decision  USD 25,000  No decision / went dark  Proposal
#  N2    2026-10-05   no decision  EUR  5,000  No decision / went dark  Qualified
#  N3    2026-08-15   no decision  USD  8,000  No decision / went dark  Lead
#  N4    2026-09-01   no decision  USD 12,000  No decision / went dark  Negotiation
#  W3    2026-05-20   won          USD 50,000
#  L3    2026-06-30   lost         USD  5,000  Timing / no urgency      Lead
#
# Q3 2026 holds only no-decision losses (N3, N4). Open deals (stage, close date):
#
#  O1  Lead         USD 100,000  2026-12-15  in Q4, 10% -> 10,000
#  O2  Proposal     USD  40,000  2026-11-30  in Q4, 50% -> 20,000
#  O3  Negotiation  EUR  10,000  2026-12-01  in Q4, 75% -> EUR 7,500
#  O4  Qualified    USD  20,000  (none)      counted apart
#  O5  Proposal     USD  15,000  2026-09-15  before Q4: counted apart
#  O6  Lead         USD  60,000  2027-02-01  after Q4: counted apart

NO_DECISION = "No decision / went dark"
PRICE = "Price / budget"
COMPETITOR = "Lost to competitor"
TIMING = "Timing / no urgency"
QUOTA = 200_000_00
EUR_RATE = {"EUR": Decimal("1.10")}


@dataclass
class Pipeline:
    deals: dict[str, Deal]
    reason: dict[str, int]
    stage: dict[str, int]

    def ids(self, *names: str) -> list[int]:
        return [self.deals[n].id for n in names]


def build(store: Store, clock: Clock) -> Pipeline:
    stage = {s.name: s.id for s in store.shape.stages()}
    reason = {r.label: r.id for r in store.shape.reasons()}
    deals: dict[str, Deal] = {}

    def closed(name: str, day: date, value: int, currency: str, at: str | None, label: str | None = None,
               **loss: Any) -> None:  # fmt: skip
        clock.set(datetime(day.year, day.month, 1, 8))  # created on the 1st at 8, closed at 10
        deal = builders.add(store, f"{name} deal", company=f"{name} Co", value=value * 100, currency=currency)
        if at not in (None, "Lead"):
            builders.move(store, deal.id, stage[at])
        clock.set(datetime(day.year, day.month, day.day, 10))
        if label is None:
            deals[name] = builders.mark_won(store, deal.id)
        else:
            deals[name] = builders.mark_lost(store, deal.id, LossInput(reason[label], **loss))

    closed("W1", date(2026, 10, 10), 40_000, "USD", "Proposal")
    closed("W2", date(2026, 11, 2), 20_000, "EUR", "Negotiation")
    closed("L1", date(2026, 10, 20), 10_000, "USD", "Proposal", PRICE)
    closed("L2", date(2026, 11, 10), 30_000, "USD", "Negotiation", COMPETITOR, competitor="Acme")
    closed("N1", date(2026, 11, 12), 25_000, "USD", "Proposal", NO_DECISION)
    closed("N2", date(2026, 10, 5), 5_000, "EUR", "Qualified", NO_DECISION)
    closed("N3", date(2026, 8, 15), 8_000, "USD", "Lead", NO_DECISION)
    closed("N4", date(2026, 9, 1), 12_000, "USD", "Negotiation", NO_DECISION)
    closed("W3", date(2026, 5, 20), 50_000, "USD", "Proposal")
    closed("L3", date(2026, 6, 30), 5_000, "USD", "Lead", TIMING)

    clock.set(datetime(2026, 11, 1, 9))
    for name, where, value, currency, close in (
        ("O1", "Lead", 100_000, "USD", date(2026, 12, 15)),
        ("O2", "Proposal", 40_000, "USD", date(2026, 11, 30)),
        ("O3", "Negotiation", 10_000, "EUR", date(2026, 12, 1)),
        ("O4", "Qualified", 20_000, "USD", None),
        ("O5", "Proposal", 15_000, "USD", date(2026, 9, 15)),
        ("O6", "Lead", 60_000, "USD", date(2027, 2, 1)),
    ):
        deals[name] = builders.add(
            store, f"{name} deal", company=f"{name} Co", value=value * 100, currency=currency,
            stage_id=stage[where], expected_close=close,
        )  # fmt: skip
    clock.set(START)
    return Pipeline(deals, reason, stage)


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> Pipeline:
    return build(store, clock)


def quarter_report(
    store: Store, *, rates: Any = None, quota: int = QUOTA, by: str | None = "quarter"
) -> Report:
    return store.reports.report(
        period("this-quarter", TODAY), today=TODAY, rates=rates, quota=quota, quota_period="quarter", trend=by
    )


def usd(units: float) -> int:
    return round(units * 100)


# --------------------------------------------------------------------------------- outcomes


def test_the_fixture_closed_what_the_table_says(store: Store, pipeline: Pipeline) -> None:
    d = pipeline.deals
    assert [d[n].closed_at.date() for n in ("W1", "N2", "N3", "L3")] == [  # type: ignore[union-attr]
        date(2026, 10, 10), date(2026, 10, 5), date(2026, 8, 15), date(2026, 6, 30),
    ]  # fmt: skip
    assert d["N1"].lost_at_stage_id == pipeline.stage["Proposal"]
    assert (d["W2"].currency, d["W2"].value) == ("EUR", 2_000_000)
    assert store.shape.reason(pipeline.reason[NO_DECISION]).outcome is Outcome.NO_DECISION
    assert store.shape.reason(pipeline.reason[PRICE]).outcome is Outcome.LOST


def test_three_outcomes_with_counts_values_per_currency_and_shares(store: Store, pipeline: Pipeline) -> None:
    r = quarter_report(store)
    assert r.won == Tally(2, {"USD": usd(40_000), "EUR": usd(20_000)}, r.won.days)
    assert (r.lost.count, r.lost.values) == (2, {"USD": usd(40_000)})
    assert (r.no_decision.count, r.no_decision.values) == (2, {"USD": usd(25_000), "EUR": usd(5_000)})
    assert r.closed_count == 6
    assert [r.share(n) for n in ("won", "lost", "no_decision")] == pytest.approx([2 / 6, 2 / 6, 2 / 6])
    # Two win rates: over every closed deal, and over the decided ones (won ÷ won + lost).
    assert r.win_rate_count == pytest.approx(2 / 6)
    assert r.decided_win_rate_count == pytest.approx(2 / 4)
    # By value, per currency: never one figure added across currencies.
    assert not r.win_rate_value.converted and r.win_rate_value.basis == "per currency"
    assert r.win_rate_value.rates == {"USD": pytest.approx(40 / 105), "EUR": pytest.approx(20 / 25)}
    assert r.decided_win_rate_value.rates == {"USD": pytest.approx(40 / 80), "EUR": pytest.approx(1.0)}
    # Days from creation (the 1st of the month at 8) to the close (at 10).
    assert r.won.days == pytest.approx((9 + 1 + 2 * 2 / 24) / 2)
    assert r.lost.days == pytest.approx((19 + 9 + 2 * 2 / 24) / 2)
    assert r.no_decision.days == pytest.approx((11 + 4 + 2 * 2 / 24) / 2)


def test_with_rates_value_figures_are_converted_and_say_so(store: Store, pipeline: Pipeline) -> None:
    r = quarter_report(store, rates=EUR_RATE)
    # Won 40,000 + 22,000; lost 40,000; no decision 25,000 + 5,500 (all in USD).
    assert r.win_rate_value.converted and r.win_rate_value.basis == "converted to USD at your exchange rates"
    assert r.win_rate_value.rates == {"USD": pytest.approx(62 / 132.5)}
    assert r.decided_win_rate_value.rates == {"USD": pytest.approx(62 / 102)}
    # The counts and the per-currency totals are what they were: only the value figures convert.
    assert r.won.values == {"USD": usd(40_000), "EUR": usd(20_000)}
    assert money(r.won.values, "USD", r.rates) == "≈ $62k"
    assert money(r.won.values, "USD", None) == "$40k + €20k"
    # A rate for only some currencies is no rate at all for a sum: per currency again.
    partial = quarter_report(store, rates={"GBP": Decimal("1.27")})
    assert not partial.win_rate_value.converted
    assert set(partial.win_rate_value.rates) == {"USD", "EUR"}


def test_reasons_stages_and_competitors_are_split_by_kind(store: Store, pipeline: Pipeline) -> None:
    r = quarter_report(store)
    lost, nd = r.lost_tables, r.no_decision_tables
    assert lost.outcome is Outcome.LOST and nd.outcome is Outcome.NO_DECISION
    rid, sid = pipeline.reason, pipeline.stage
    assert [(x.label, x.count, x.values, x.share, x.key) for x in lost.reasons_by_count.rows] == [
        (COMPETITOR, 1, {"USD": usd(30_000)}, 0.5, ("reason", rid[COMPETITOR])),
        (PRICE, 1, {"USD": usd(10_000)}, 0.5, ("reason", rid[PRICE])),
    ]
    assert [(x.label, x.count, x.values, x.share) for x in nd.reasons_by_count.rows] == [
        (NO_DECISION, 2, {"USD": usd(25_000), "EUR": usd(5_000)}, 1.0),
    ]
    # By value: one ranking per currency (each with its own shares), never added together.
    assert [(k.currency, k.converted, [(x.label, x.count, x.value, x.value_share) for x in k.rows])
            for k in nd.reasons_by_value] == [
        ("USD", False, [(NO_DECISION, 1, usd(25_000), 1.0)]),
        ("EUR", False, [(NO_DECISION, 1, usd(5_000), 1.0)]),
    ]  # fmt: skip
    assert [(k.currency, [x.label for x in k.rows]) for k in lost.reasons_by_value] == [
        ("USD", [COMPETITOR, PRICE])
    ]
    assert [(x.label, x.count, x.key) for x in lost.by_stage.rows] == [
        ("Negotiation", 1, ("stage", sid["Negotiation"], "lost")),
        ("Proposal", 1, ("stage", sid["Proposal"], "lost")),
    ]
    assert [(x.label, x.count, x.key) for x in nd.by_stage.rows] == [
        ("Proposal", 1, ("stage", sid["Proposal"], "no_decision")),
        ("Qualified", 1, ("stage", sid["Qualified"], "no_decision")),
    ]
    assert [(x.label, x.key) for x in lost.by_competitor.rows] == [("Acme", ("competitor", "Acme", "lost"))]
    assert nd.by_competitor.rows == []
    # With rates one converted ranking: EUR 5,000 is USD 5,500.
    converted = quarter_report(store, rates=EUR_RATE).no_decision_tables.reasons_by_value
    assert [(k.currency, k.converted, [(x.count, x.value) for x in k.rows]) for k in converted] == [
        ("USD", True, [(2, usd(30_500))]),
    ]


def test_each_kind_lists_its_own_deals(store: Store, pipeline: Pipeline) -> None:
    p = period("this-quarter", TODAY)

    def listed(*key: Any) -> list[int]:
        return store.reports.report_deal_ids(tuple(key), p)

    assert listed("won", None) == pipeline.ids("W2", "W1")
    assert listed("lost", None) == pipeline.ids("L2", "L1")
    assert listed("no_decision", None) == pipeline.ids("N1", "N2")
    assert listed("closed", None) == pipeline.ids("N1", "L2", "W2", "L1", "W1", "N2")
    proposal = pipeline.stage["Proposal"]
    assert listed("stage", proposal, "lost") == pipeline.ids("L1")
    assert listed("stage", proposal, "no_decision") == pipeline.ids("N1")
    assert listed("reason", pipeline.reason[NO_DECISION]) == pipeline.ids("N1", "N2")


def test_a_period_with_only_no_decision_losses(store: Store, pipeline: Pipeline) -> None:
    q3 = store.reports.report(period_containing("quarter", date(2026, 8, 1)), today=TODAY)
    assert (q3.won.count, q3.lost.count, q3.no_decision.count) == (0, 0, 2)
    assert q3.no_decision.values == {"USD": usd(20_000)}
    assert q3.win_rate_count == 0.0
    assert q3.decided_win_rate_count is None  # nobody decided: no rate, not 0% or 100%
    assert q3.decided_win_rate_value.rates == {"USD": None}
    assert q3.share("no_decision") == 1.0
    assert q3.lost_tables.reasons_by_count.rows == []
    assert [(x.label, x.cumulative) for x in q3.no_decision_tables.reasons_by_count.rows] == [
        (NO_DECISION, 1.0)
    ]
    text = render_text(q3)
    assert "Win rate by count: 0% of closed · — of decided" in text
    assert "\nLost (decided against us): none in this period\n" in text
    assert "No decision: reasons by count · deals, value, share, cumulative" in text


def test_a_pipeline_with_no_closed_deals(store: Store) -> None:
    builders.add(store, "Open only", value=usd(1_000))
    r = store.reports.report(
        period("all", TODAY), today=TODAY, quota=QUOTA, quota_period="quarter", trend="quarter"
    )
    assert r.closed_count == 0 and r.win_rate_count is None and r.decided_win_rate_count is None
    assert r.win_rate_value.rates == {"USD": None}
    assert r.quota is not None and r.quota.won == Tally() and r.quota.attainment == 0.0
    assert r.quota.no_close_date.count == 1
    assert r.trend is not None and [row.closed for row in r.trend.rows] == [0] * 8
    assert all(row.win_rate is None and row.top_reason is None for row in r.trend.rows)
    text = render_text(r)
    assert "Win rate by count: — of closed · — of decided" in text
    data = report_json(r)
    assert data["outcomes"]["won"] == {"count": 0, "value": {}, "value_minor": {}, "share": None}
    assert data["win_rate"]["of_decided"] == {"by_count": None, "by_value": {"USD": None}}


# ------------------------------------------------------------------------- reason kinds


def test_changing_a_kind_relabels_reports_not_the_timeline(store: Store, pipeline: Pipeline) -> None:
    n1, l1 = pipeline.deals["N1"], pipeline.deals["L1"]

    def timeline_label(deal: Deal) -> str:
        lost = [e for e in store.deals.timeline(deal.id) if e.kind.value == "lost"][-1]
        return describe_event(store, lost)[0]

    assert (timeline_label(n1), timeline_label(l1)) == ("no decision", "lost")
    before = quarter_report(store, by=None)
    assert (before.lost.count, before.no_decision.count) == (2, 2)

    # "Price / budget" now counts as no decision; "No decision / went dark" as lost.
    done = ops.update_reason(store, pipeline.reason[PRICE], "Price counts as no decision",
                             outcome=Outcome.NO_DECISION)  # fmt: skip
    ops.update_reason(store, pipeline.reason[NO_DECISION], "went dark counts as lost", outcome=Outcome.LOST)
    after = quarter_report(store)
    assert (after.lost.count, after.no_decision.count) == (3, 1)  # L2, N1, N2 / L1
    assert [x.label for x in after.no_decision_tables.reasons_by_count.rows] == [PRICE]
    assert store.reports.report_deal_ids(
        ("no_decision", None), period("this-quarter", TODAY)
    ) == pipeline.ids("L1")
    assert after.trend is not None and after.trend.rows[-2].no_decision.count == 0  # Q3 re-labelled too
    # The timeline keeps what it said when the loss was recorded.
    assert (timeline_label(n1), timeline_label(l1)) == ("no decision", "lost")
    # Undo puts the kind back, and the report follows.
    ops.undo(store, scope=Scope.SETTINGS)
    ops.undo(store, scope=Scope.SETTINGS)
    assert (quarter_report(store, by=None).lost.count, quarter_report(store, by=None).no_decision.count) == (
        2,
        2,
    )
    assert done.change_id is not None


def test_cli_reasons_kind_and_the_kind_travels_with_backups(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(store.path)
    assert main(["--db", db, "reasons", "kind", "Timing", "no-decision"]) == 0
    assert "'Timing / no urgency' now counts as no decision in reports" in capsys.readouterr().out
    store.conn.invalidate()
    assert store.shape.find_reason("Timing").outcome is Outcome.NO_DECISION
    assert main(["--db", db, "reasons"]) == 0
    listing = capsys.readouterr().out
    assert "Timing / no urgency  [no decision]" in listing and "Price / budget\n" in listing
    assert main(["--db", db, "reasons", "kind", "Timing", "maybe"]) == 1
    assert "'lost'" in capsys.readouterr().err
    # A backup holds the kinds; a restore brings them back.
    backup = tmp_path / "backup.db"
    assert main(["--db", db, "backup", "-o", str(backup)]) == 0
    assert main(["--db", db, "reasons", "kind", "Timing", "lost"]) == 0
    capsys.readouterr()
    with Store.open(backup) as copy:
        assert copy.shape.find_reason("Timing").outcome is Outcome.NO_DECISION
        assert copy.shape.find_reason("No decision").outcome is Outcome.NO_DECISION
        all_time = copy.reports.report(period("all", TODAY), today=TODAY)
        assert all_time.no_decision.count == 5  # N1-N4 and L3 (Timing)


async def test_settings_o_switches_a_reason_kind_and_the_report_follows(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    from pipeline_tui.screens.report import ReportScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma", "2")
        table = app.screen.query_one("#reasons-table", DataTable)
        table.move_cursor(row=[r.label for r in store.shape.reasons(include_archived=True)].index(PRICE))
        await pilot.press("o")
        assert store.shape.find_reason(PRICE).outcome is Outcome.NO_DECISION
        assert str(table.get_row_at(table.cursor_row)[1]) == "∅ no decision"
        await pilot.press("escape", "R")
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.report is not None
        assert (screen.report.lost.count, screen.report.no_decision.count) == (1, 3)


# --------------------------------------------------------------------------------- quota


def test_quota_without_rates_counts_the_quota_currency_and_shows_the_rest(
    store: Store, pipeline: Pipeline
) -> None:
    q = quarter_report(store).quota
    assert q is not None
    assert (q.period.label, q.period.since, q.period.until, q.kind) == (
        "Q4 2026", date(2026, 10, 1), date(2026, 12, 31), "quarter",
    )  # fmt: skip
    assert q.won == Tally(2, {"USD": usd(40_000), "EUR": usd(20_000)}, q.won.days)
    assert q.won_amount == usd(40_000)  # EUR has no rate: not added
    assert q.attainment == pytest.approx(0.2)
    assert q.left_to_win == usd(160_000)
    assert (q.pipeline.count, q.pipeline.values) == (3, {"USD": usd(140_000), "EUR": usd(10_000)})
    assert q.pipeline_amount == usd(140_000)
    assert q.coverage == pytest.approx(0.7)
    assert q.weighted == {"USD": usd(30_000), "EUR": usd(7_500)}
    assert q.forecast == usd(70_000) and q.forecast_attainment == pytest.approx(0.35)
    assert q.not_counted == {"won": {"EUR": usd(20_000)}, "pipeline": {"EUR": usd(10_000)}}
    assert not q.converted
    # Counted apart, never dropped: no close date, a close date before or after the quarter.
    assert (q.no_close_date.count, q.no_close_date.values) == (1, {"USD": usd(20_000)})
    assert (q.overdue.count, q.overdue.values) == (1, {"USD": usd(15_000)})
    assert (q.later.count, q.later.values) == (1, {"USD": usd(60_000)})
    assert q.without_probability == 0
    p = q.period
    assert store.reports.report_deal_ids(("open", "in"), p) == pipeline.ids("O2", "O3", "O1")
    assert store.reports.report_deal_ids(("open", "none"), p) == pipeline.ids("O4")
    assert store.reports.report_deal_ids(("open", "before"), p) == pipeline.ids("O5")
    assert store.reports.report_deal_ids(("open", "after"), p) == pipeline.ids("O6")
    text = render_text(quarter_report(store))
    assert "$140,000   70% of quota" not in text  # coverage is "0.7×", the count says what it covers
    pipeline_line = next(line for line in text.splitlines() if "Pipeline closing in period" in line)
    assert "$140,000" in pipeline_line and pipeline_line.endswith("(3 deals†)")
    assert "† Not in these figures:" in text


def test_quota_with_rates_converts_and_says_so(store: Store, pipeline: Pipeline) -> None:
    q = quarter_report(store, rates=EUR_RATE).quota
    assert q is not None and q.converted and q.not_counted == {}
    assert q.won_amount == usd(62_000) and q.attainment == pytest.approx(0.31)
    assert q.left_to_win == usd(138_000)
    assert q.pipeline_amount == usd(151_000) and q.coverage == pytest.approx(0.755)
    assert q.forecast == usd(100_250)
    text = render_text(quarter_report(store, rates=EUR_RATE))
    assert "≈ $62,000" in text and "≈ converted to USD at your exchange rates" in text
    assert "(3 deals)" in text and "†" not in text


def test_no_quota_set_still_shows_the_period_and_its_pipeline(store: Store, pipeline: Pipeline) -> None:
    q = quarter_report(store, quota=0).quota
    assert q is not None and q.quota == 0
    assert (q.attainment, q.left_to_win, q.coverage, q.forecast_attainment) == (None, None, None, None)
    assert q.pipeline_amount == usd(140_000) and q.forecast == usd(70_000)
    assert quota_status(q) == []  # the status line says nothing
    lines = render_text(quarter_report(store, quota=0))
    assert "Quota · Q4 2026 (Oct 1 – Dec 31): none set (config quota AMOUNT)" in lines
    data = report_json(quarter_report(store, quota=0))["quota"]
    assert (data["quota"], data["attainment"], data["coverage"], data["forecast"]) == (
        None,
        None,
        None,
        70_000.0,
    )


def test_stage_probabilities_weight_the_forecast(store: Store, pipeline: Pipeline) -> None:
    # Proposal at 80%: O2 brings 32,000 instead of 20,000; a stage with no probability counts 0.
    ops.update_stage(store, pipeline.stage["Proposal"], "Proposal 80%", probability=80)
    ops.update_stage(store, pipeline.stage["Lead"], "Lead none", probability=None)
    q = quarter_report(store, by=None).quota
    assert q is not None
    assert q.weighted == {"USD": usd(32_000), "EUR": usd(7_500)}
    assert q.forecast == usd(40_000 + 32_000)
    assert q.without_probability == 1  # O1 in Lead


@pytest.mark.parametrize(
    ("kind", "label", "since", "until"),
    [
        ("month", "Nov 2026", date(2026, 11, 1), date(2026, 11, 30)),
        ("quarter", "Q4 2026", date(2026, 10, 1), date(2026, 12, 31)),
        ("year", "2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_quota_periods(
    store: Store, pipeline: Pipeline, kind: str, label: str, since: date, until: date
) -> None:
    q = store.reports.quota(TODAY, kind=kind, quota=QUOTA)
    assert (q.period.label, q.period.since, q.period.until) == (label, since, until)
    won = {"month": 1, "quarter": 2, "year": 3}[kind]  # W2; W1 too; W3 too
    assert q.won.count == won
    in_period = {"month": ["O2"], "quarter": ["O2", "O3", "O1"], "year": ["O5", "O2", "O3", "O1"]}[kind]
    assert store.reports.report_deal_ids(("open", "in"), q.period) == pipeline.ids(*in_period)


def test_quota_status_line_variants_shorten(store: Store, pipeline: Pipeline) -> None:
    q = quarter_report(store).quota
    assert quota_status(q) == [
        "Q4 2026: $40k of $200k (20%) · $160k to go · pipeline $140k (0.7× coverage) · forecast $70k",
        "Q4: 20% of $200k · $160k to go · 0.7× coverage · forecast $70k",
        "Q4: 20% of quota · 0.7× coverage",
        "Q4 20% · 0.7× cover",
        "Q4 20%",
    ]
    converted = quarter_report(store, rates=EUR_RATE).quota
    assert quota_status(converted)[2] == "Q4: 31% of quota · 0.8× coverage"
    assert quota_status(converted)[1].startswith("Q4: 31% of $200k · ≈$138k to go")


# --------------------------------------------------------------------------------- trend


def test_trend_periods() -> None:
    assert [p.label for p in trend_periods("quarter", TODAY)] == [
        "Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026",
    ]  # fmt: skip
    months = trend_periods("month", date(2026, 2, 10))
    assert [p.label for p in months] == [
        "Jul 2025", "Aug 2025", "Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026",
    ]  # fmt: skip
    assert months[0].since == date(2025, 7, 1) and months[-1].until == date(2026, 2, 28)


def test_trend_by_quarter_every_figure(store: Store, pipeline: Pipeline) -> None:
    trend = quarter_report(store).trend
    assert trend is not None and trend.by == "quarter"
    rows = {row.period.label: row for row in trend.rows}
    assert [row.closed for row in trend.rows] == [0, 0, 0, 0, 0, 2, 2, 6]
    assert [row.partial for row in trend.rows] == [False] * 7 + [True]
    assert rows["Q4 2026"].period.until == TODAY  # the partial quarter runs to today
    q2, q3, q4 = rows["Q2 2026"], rows["Q3 2026"], rows["Q4 2026"]
    assert (q2.won.count, q2.lost.count, q2.no_decision.count) == (1, 1, 0)
    assert (q2.win_rate, q2.decided_win_rate, q2.no_decision_rate) == (0.5, 0.5, 0.0)
    assert (q2.top_reason, q2.top_reason_outcome, q2.top_reason_count) == (TIMING, Outcome.LOST, 1)
    # Only no-decision losses: 0% of closed won, no decided deals, all of them no decision.
    assert (q3.win_rate, q3.decided_win_rate, q3.no_decision_rate) == (0.0, None, 1.0)
    assert (q3.top_reason, q3.top_reason_outcome) == (NO_DECISION, Outcome.NO_DECISION)
    assert q4.win_rate == pytest.approx(1 / 3) and q4.decided_win_rate == 0.5
    assert q4.no_decision_rate == pytest.approx(1 / 3)
    assert (q4.top_reason, q4.top_reason_count) == (NO_DECISION, 2)
    assert q4.won.values == {"USD": usd(40_000), "EUR": usd(20_000)}
    assert rows["Q1 2025"].win_rate is None and rows["Q1 2025"].top_reason is None
    # Each period lists its own closures.
    assert store.reports.report_deal_ids(("closed", None), q3.period) == pipeline.ids("N4", "N3")


def test_trend_by_month(store: Store, pipeline: Pipeline) -> None:
    trend = quarter_report(store, by="month").trend
    assert trend is not None
    assert [(row.period.label, row.closed) for row in trend.rows] == [
        ("Apr 2026", 0), ("May 2026", 1), ("Jun 2026", 1), ("Jul 2026", 0),
        ("Aug 2026", 1), ("Sep 2026", 1), ("Oct 2026", 3), ("Nov 2026", 3),
    ]  # fmt: skip
    assert trend.rows[-1].partial and not trend.rows[-2].partial


def test_trend_text_fits_80_columns_and_marks_the_partial_period(store: Store, pipeline: Pipeline) -> None:
    text = render_text(quarter_report(store))
    lines = text.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("Trend · last 8 quarters")))
    trend = lines[start : start + 12]
    assert max(len(x) for x in lines) <= 80, max(lines, key=len)
    q3 = next(x for x in trend if x.strip().startswith("Q3 2026"))
    assert q3.split()[2:4] == ["2", "0%"] and "100% ██████████" in q3 and "∅ No decision" in q3
    q4 = next(x for x in trend if x.strip().startswith("Q4 2026 *"))
    assert "33% ███▍" in q4
    assert "  * partial: Q4 2026 so far (from Oct 1)" in trend


# ---------------------------------------------------------------------------- the CLI


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--today", TODAY.isoformat()])
    got = capsys.readouterr()
    return code, got.out, got.err


def set_quota(capsys: pytest.CaptureFixture[str], *settings: tuple[str, str]) -> None:
    for key, value in settings:
        assert run(capsys, "config", key, value)[0] == 0


def test_cli_json_carries_outcomes_rates_quota_and_trend(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    set_quota(capsys, ("quota", "200k"))
    code, out, err = run(capsys, "report", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["outcomes"]["won"] == {
        "count": 2, "value": {"EUR": 20_000.0, "USD": 40_000.0},
        "value_minor": {"EUR": 2_000_000, "USD": 4_000_000}, "share": round(2 / 6, 4),
    }  # fmt: skip
    assert data["outcomes"]["no_decision"]["value"] == {"EUR": 5_000.0, "USD": 25_000.0}
    assert data["win_rate"] == {
        "of_closed": {"by_count": round(2 / 6, 4), "by_value": {"USD": round(40 / 105, 4), "EUR": 0.8}},
        "of_decided": {"by_count": 0.5, "by_value": {"USD": 0.5, "EUR": 1.0}},
        "by_value_basis": "per currency",
    }
    nd = data["losses"]["no_decision"]
    assert [(k["currency"], [r["amount"] for r in k["rows"]]) for k in nd["reasons_by_value"]] == [
        ("USD", [25_000.0]), ("EUR", [5_000.0]),
    ]  # fmt: skip
    quota = data["quota"]
    assert {k: quota[k] for k in ("quota", "won_in_quota_currency", "attainment", "left_to_win",
                                  "pipeline_in_quota_currency", "coverage", "forecast", "forecast_attainment",
                                  "converted")} == {
        "quota": 200_000.0, "won_in_quota_currency": 40_000.0, "attainment": 0.2, "left_to_win": 160_000.0,
        "pipeline_in_quota_currency": 140_000.0, "coverage": 0.7, "forecast": 70_000.0,
        "forecast_attainment": 0.35, "converted": False,
    }  # fmt: skip
    assert quota["not_counted"] == {"won": {"EUR": 20_000.0}, "pipeline": {"EUR": 10_000.0}}
    assert quota["weighted_pipeline"] == {"EUR": 7_500.0, "USD": 30_000.0}
    assert quota["open_without_close_date"]["count"] == 1
    assert quota["open_with_close_date_before_period"]["value"] == {"USD": 15_000.0}
    assert quota["open_closing_after_period"]["value"] == {"USD": 60_000.0}
    q3 = data["trend"]["periods"][-2]
    assert {k: q3[k] for k in ("label", "partial", "closed", "win_rate", "decided_win_rate",
                               "no_decision_rate", "top_loss_reason")} == {
        "label": "Q3 2026", "partial": False, "closed": 2, "win_rate": 0.0, "decided_win_rate": None,
        "no_decision_rate": 1.0,
        "top_loss_reason": {"label": NO_DECISION, "outcome": "no_decision", "count": 2},
    }  # fmt: skip
    # With rates: the converted figures say so.
    set_quota(capsys, ("rates", "EUR=1.10"))
    data = json.loads(run(capsys, "report", "--json", "--by", "month")[1])
    assert data["exchange_rates"] == {"EUR": "1.10"}
    assert data["win_rate"]["by_value_basis"] == "converted to USD at your exchange rates"
    assert data["win_rate"]["of_closed"]["by_value"] == {"USD": round(62 / 132.5, 4)}
    assert data["outcomes"]["won"]["converted"] == {"currency": "USD", "value": 62_000.0}
    assert data["quota"]["converted"] is True and data["quota"]["attainment"] == 0.31
    assert data["trend"]["by"] == "month" and data["trend"]["periods"][-1]["label"] == "Nov 2026"


def test_cli_text_with_several_currencies(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    set_quota(capsys, ("quota", "200k"))
    code, out, _ = run(capsys, "report", "--trend")
    assert code == 0
    assert (
        "Win rate by value, per currency (never added across currencies):\n"
        "  USD 38% of closed · 50% of decided\n"
        "  EUR 80% of closed · 100% of decided\n"
    ) in out
    won = next(x for x in out.splitlines() if x.strip().startswith("Won "))
    assert "$40k + €20k" in won
    assert "Quota · Q4 2026 (Oct 1 – Dec 31): $200,000" in out
    assert "20% of quota" in out and "0.7× coverage" in out
    assert "1 open deal without a close date ($20k)" in out
    assert "1 open deal with a close date before Q4 2026 ($15k)" in out
    assert "€20k won (no EUR rate in the settings)" in out
    assert "Trend · last 8 quarters" in out
    assert max(len(x) for x in out.splitlines()) <= 80
    code, out, _ = run(capsys, "report", "--by", "month")
    assert "Trend · last 8 months" in out and "Nov 2026 *" in out


def test_cli_csv_writes_every_table_per_currency(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    set_quota(capsys, ("quota", "200k"))
    code, out, err = run(capsys, "report", "--csv", "--trend")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    titles = [r[0] for r, before in zip(rows, [[]] + rows, strict=False) if r and not before]
    assert titles == [
        "Outcomes · This quarter", "Win rate",
        "Lost: reasons by count", "Lost: reasons by value (USD)", "Lost: at stage", "Lost: to competitor",
        "No decision: reasons by count", "No decision: reasons by value (USD)",
        "No decision: reasons by value (EUR)", "No decision: at stage", "No decision: to competitor",
        "Quota · Q4 2026", "Trend · last 8 quarters", "Now",
    ]  # fmt: skip
    at = rows.index(["Outcomes · This quarter"])
    assert rows[at + 1] == [
        "Outcome",
        "Deals",
        "Value EUR",
        "Value USD",
        "Share of closed (%)",
        "Avg days to close",
    ]
    assert rows[at + 2][:5] == ["Won", "2", "20000.00", "40000.00", "33.3"]
    assert rows[at + 4][:5] == ["No decision (stalled)", "2", "5000.00", "25000.00", "33.3"]
    at = rows.index(["Win rate"])
    assert rows[at + 2 : at + 5] == [
        ["By count", "33.3", "50.0"], ["By value (USD)", "38.1", "50.0"], ["By value (EUR)", "80.0", "100.0"],
    ]  # fmt: skip
    at = rows.index(["Quota · Q4 2026"])
    assert rows[at + 1] == ["Figure", "Deals", "Amount EUR", "Amount USD", "Of quota (%)", "Coverage"]
    assert rows[at + 2] == ["Quota", "", "", "200000.00", "", ""]
    assert rows[at + 3] == ["Won so far", "2", "", "40000.00", "20.0", ""]
    assert rows[at + 5] == ["Pipeline closing in the period", "3", "", "140000.00", "", "0.7"]
    assert ["Won in a currency without a rate (not counted)", "", "20000.00", "", "", ""] in rows
    # A file: written once, then refused without --force.
    target = tmp_path / "report.csv"
    assert run(capsys, "report", "--csv", "-o", str(target))[0] == 0
    assert target.read_bytes().decode("utf-8").startswith("Outcomes · This quarter\r\nOutcome,Deals,")
    code, _, err = run(capsys, "report", "--csv", "-o", str(target))
    assert code == 1 and "--force" in err
    assert run(capsys, "report", "--markdown", "-o", str(target), "--force")[0] == 0
    assert target.read_text(encoding="utf-8").startswith("# Win-loss report · This quarter")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    code, _, err = run(capsys, "report", "--csv", "-o", str(link), "--force")
    assert code == 1 and "symbolic link" in err
    code, _, err = run(capsys, "report", "-o", str(tmp_path / "x.csv"))
    assert code == 1 and "--csv, --markdown or --xlsx" in err


def test_cli_markdown_tables(store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]) -> None:
    set_quota(capsys, ("quota", "200k"), ("rates", "EUR=1.10"))
    code, out, err = run(capsys, "report", "--markdown", "--trend")
    assert code == 0, err
    assert "| Won | 2 | ≈ $62,000 | 33% | 5 |" in out
    assert "| By value (USD, converted) | 47% | 61% |" in out
    assert "## No decision: reasons by value (USD, converted)" in out
    assert "| Q3 2026 | 2 | 0 | 0 | 2 | 0% | — | 100% | No decision / went dark | no decision |" in out
    assert "| Q4 2026 \\* |" in out
    assert "≈ converted to USD at your exchange rates." in out


def test_stored_text_in_csv_and_markdown_is_inert(store: Store, clock: Clock) -> None:
    reason = store.shape.add_reason('=HYPERLINK("x") | *bold* [a](b)')
    deal = builders.add(store, "Formula", value=usd(1_000))
    builders.mark_lost(store, deal.id, LossInput(reason.id))
    r = store.reports.report(period("all", TODAY), today=TODAY)
    rows = list(csv.reader(io.StringIO(render_csv(r))))
    assert ['\'=HYPERLINK("x") | *bold* [a](b)', "1", "1000.00", "100.0", "100.0"] in rows
    md = render_markdown(r)
    assert '| =HYPERLINK("x") \\| \\*bold\\* \\[a\\](b) | 1 |' in md


# ---------------------------------------------------------------------------- the screen


async def test_report_screen_shows_outcomes_quota_and_the_trend_tab(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    from pipeline_tui.screens.deal_list import DealListScreen
    from pipeline_tui.screens.report import ReportScreen

    app = make_app(settings=Settings(quota=QUOTA))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        summary = plain(screen.query_one("#report-summary", Static))
        assert "Won 2 ($40k + €20k) · Lost 2 ($40k) · No decision 2 ($25k + €5k)" in summary
        assert (
            "Win rate 33% of closed · 50% of decided · by value USD 38% · 50%, EUR 80% · 100% (per currency)"
            in summary
        )
        assert "Q4 2026: $40k of $200k (20%) · $160k to go · 0.7× coverage · forecast $70k" in summary
        table = screen.query_one("#report-table", DataTable)
        labels = [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)]
        for label in ("No decision: reasons by count", "No decision: reasons by value (EUR)",
                      "No decision: at stage", "Quota · Q4 2026", "No close date (not counted)",
                      "Close date passed (not counted)", "Won in EUR (no rate)",
                      "Pipeline in EUR (no rate)"):  # fmt: skip
            assert label in labels, label
        assert "No decision: to competitor" not in labels  # nobody named one
        pipeline_row = table.get_row_at(labels.index("Pipeline closing in the period"))
        assert [str(c).strip() for c in pipeline_row[1:4]] == ["3", "$140k", "0.7×"]
        # Enter on a row lists its deals: the pipeline of the quarter, the no-decision deals.
        table.move_cursor(row=labels.index("Pipeline closing in the period"))
        await pilot.press("enter")
        assert isinstance(app.screen, DealListScreen)
        assert app.screen.deal_ids == pipeline.ids("O2", "O3", "O1")
        await pilot.press("escape")
        table.move_cursor(row=labels.index("No decision (stalled)"))
        await pilot.press("enter")
        assert app.screen.deal_ids == pipeline.ids("N1", "N2")  # type: ignore[attr-defined]
        await pilot.press("escape")

        # The Trend tab: t, then m for months; enter lists a period's closures.
        await pilot.press("t")
        trend = screen.query_one("#trend-table", DataTable)
        assert app.screen.focused is trend
        cells = [[str(c) for c in trend.get_row_at(i)] for i in range(trend.row_count)]
        assert [c[0] for c in cells] == [
            "Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026 *",
        ]  # fmt: skip
        assert cells[6][1:3] == ["2", "  0%" + " " * (len(cells[6][2]) - 4)]
        assert cells[6][3].startswith("100% ███") and cells[6][4] == "∅ No decision / went dark"
        assert trend.cursor_row == 7  # on the current quarter
        trend.move_cursor(row=6)
        await pilot.press("enter")
        assert app.screen.deal_ids == pipeline.ids("N4", "N3")  # type: ignore[attr-defined]
        await pilot.press("escape", "m")
        assert screen.report is not None and screen.report.trend is not None
        assert screen.report.trend.by == "month"
        assert str(trend.get_row_at(7)[0]) == "Nov 2026 *"
        await pilot.press("w")
        assert app.screen.focused is screen.query_one("#report-table", DataTable)


async def test_the_report_and_the_trend_fit_80_columns(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    app = make_app(settings=Settings(quota=QUOTA))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R", "4")
        for table_id in ("#report-table", "#trend-table"):
            if table_id == "#trend-table":
                await pilot.press("t")
            table = app.screen.query_one(table_id, DataTable)
            assert table.virtual_size.width <= table.scrollable_content_region.width, table_id
            assert table.max_scroll_x == 0


# ------------------------------------------------------------------------- the board


async def test_status_line_shows_the_quota_figures_that_fit(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    app = make_app(settings=Settings(quota=QUOTA))
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        status = plain(app.screen.query_one("#status", Static))
        assert (
            "Q4 2026: $40k of $200k (20%) · $160k to go · pipeline $140k (0.7× coverage) · forecast $70k"
            in status
        )
        assert status.rstrip().endswith("Tue 24 Nov 2026")
    app = make_app(settings=Settings(quota=QUOTA))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        status = plain(app.screen.query_one("#status", Static))
        # Beside "2 more ›" there is room for the shortest form with both figures.
        assert "Q4 20% · 0.7× cover" in status


async def test_status_line_without_a_quota_says_nothing_of_it(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        assert "Q4" not in plain(app.screen.query_one("#status", Static))


async def test_the_lost_column_marks_no_decision_cards_apart(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        view = app.screen.view
        lost = next(i for i, c in enumerate(app.screen.columns) if c.stage.name == "Closed Lost")
        text = "\n".join(view.column_text(lost, y) for y in range(view.size.height))
        # The last 30 days: L2 (Nov 10), N1 (Nov 12).
        assert "∅ No decision / went" in text  # cut to the column's width
        assert "✗ Lost to competi" in text
        assert "✗ No decision" not in text


def test_settings_file_keeps_the_quota(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "quota", "$150k"]) == 0
    assert main(["config", "quota_period", "month"]) == 0
    settings, warning = load_settings(Path(tmp_path / "config.toml"))
    assert warning is None and (settings.quota, settings.quota_period) == (150_000_00, "month")


def test_cli_stages_prob_changes_the_forecast(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    set_quota(capsys, ("quota", "200k"))
    assert json.loads(run(capsys, "report", "--json")[1])["quota"]["forecast"] == 70_000.0
    code, out, _ = run(capsys, "stages", "prob", "Proposal", "80%")
    assert code == 0 and "Proposal: 80% probability (weighted forecast)." in out
    assert json.loads(run(capsys, "report", "--json")[1])["quota"]["forecast"] == 82_000.0  # O2: 32,000
    assert run(capsys, "stages", "prob", "Closed Won", "50")[0] == 1  # an endpoint has none


async def test_settings_p_sets_a_probability_and_the_report_follows(
    make_app: Any, store: Store, pipeline: Pipeline
) -> None:
    from pipeline_tui.modals.prompts import PromptModal
    from pipeline_tui.screens.report import ReportScreen

    app = make_app(settings=Settings(quota=QUOTA, rates="EUR=1.10"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma")
        table = app.screen.query_one("#stages-table", DataTable)
        table.move_cursor(row=[s.name for s in store.shape.stages(include_archived=True)].index("Lead"))
        await pilot.press("p")
        assert isinstance(app.screen, PromptModal)
        app.screen.query_one("#prompt-input").value = "40"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert store.shape.find_stage("Lead").probability == 40
        await pilot.press("escape", "R")
        screen = app.screen
        assert isinstance(screen, ReportScreen) and screen.report is not None
        quota = screen.report.quota
        # O1 in Lead at 40%: 40,000; with EUR at 1.10 everything converts, and says so.
        assert quota is not None and quota.forecast == usd(62_000 + 40_000 + 20_000 + 8_250)
        summary = plain(screen.query_one("#report-summary", Static))
        assert "Won 2 (≈ $62k)" in summary and "by value ≈ 47% · 61% (converted)" in summary
        assert "Q4 2026: ≈$62k of $200k (31%)" in summary
        table = screen.query_one("#report-table", DataTable)
        labels = [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)]
        assert "No decision: reasons by value (USD, converted)" in labels
        assert labels[-1] == "≈ converted to USD at your exchange rates"

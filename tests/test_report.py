"""The win-loss report: every figure on a hand-built pipeline, periods, the deals behind each
row, that the figures come from indexed SQL aggregates, the CLI, and the Report screen."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import builders
import pytest
from conftest import START, TODAY, Clock
from pilot_helpers import listed, paste, plain
from textual.widgets import DataTable, Input, Static

from pipeline_tui.cli import main
from pipeline_tui.errors import InputError
from pipeline_tui.models import Deal, LossInput
from pipeline_tui.report import Losses, Period, Ranking, Report, custom_period, period
from pipeline_tui.store import Store
from pipeline_tui.store import board as store_board
from pipeline_tui.store import codec as store_codec
from pipeline_tui.store import deals as store_deals
from pipeline_tui.store import reports as store_reports
from pipeline_tui.store import review as store_review
from pipeline_tui.widgets.deal_rows import DealRows

# --------------------------------------------------------------------------------- the fixture
#
# Today is Tuesday 2026-11-24. Values are in cents. "days" is closed_at - created_at.
#
#  deal  stage  value      created           closed            days  lost at      reason
#  W1    won    1_000_000  2026-03-01 09:00  2026-03-31 09:00  30    -            -
#  W2    won    2_000_000  2026-06-01 09:00  2026-06-11 21:00  10.5  -            -
#  W3    won    5_000_000  2025-05-01 09:00  2025-06-01 09:00  31    -            -
#  L1    lost   3_000_000  2026-02-01 09:00  2026-04-01 09:00  59    Proposal     Price       (a)
#  L2    lost   1_000_000  2026-07-01 09:00  2026-07-21 09:00  20    Qualified    Price
#  L3    lost   4_000_000  2026-08-01 09:00  2026-09-30 09:00  60    Negotiation  Competitor  Acme
#  L4    lost     500_000  2026-09-01 09:00  2026-10-15 09:00  44    Proposal     Competitor  Globex (b)
#  L5    lost   2_500_000  2026-10-01 09:00  2026-11-24 09:00  54    Lead         Timing
#  L6    lost     700_000  2026-05-01 09:00  2026-05-15 09:00  14    (none)       (none)      imported
#  L7    lost   9_000_000  2025-09-01 09:00  2025-10-01 09:00  30    Lead         Price       (c)
#  L8    lost     100_000  2025-12-01 09:00  2025-12-31 21:00  30.5  (none)       (none)      imported
#  L9    lost     300_000  2026-10-20 09:00  2026-11-03 09:00  14    Qualified    Price
#  O1    Lead      10_000  2026-10-01 09:00  -                       idle 54 days: stale
#  O2    Lead      20_000  2026-11-20 09:00  -                       idle 4 days: not stale
#  O3    Proposal  30_000  2026-11-23 09:00  -                       close date 2026-11-01 passed: stale
#
# Revisits: (a) 2026-10-01, due; (b) 2026-12-10, upcoming (within 30 days), not due;
# (c) 2026-11-24, due today.

PRICE = "Price / budget"
COMPETITOR = "Lost to competitor"
TIMING = "Timing / no urgency"
NO_REASON = "No reason recorded"
UNKNOWN_STAGE = "Unknown stage"


@dataclass
class Pipeline:
    deals: dict[str, Deal]
    reason: dict[str, int]  # label -> id
    stage: dict[str, int]  # name -> id

    def ids(self, *names: str) -> list[int]:
        return [self.deals[n].id for n in names]


def build_pipeline(store: Store, clock: Clock) -> Pipeline:
    """The pipeline of the table above, made through the store's own API on a moving clock."""
    stage = {s.name: s.id for s in store.shape.stages()}
    reason = {r.label: r.id for r in store.shape.reasons()}
    deals: dict[str, Deal] = {}

    def won(name: str, value: int, created: datetime, closed: datetime) -> None:
        clock.set(created)
        deal = builders.add(store, f"{name} deal", company=f"{name} Co", value=value)
        clock.set(closed.replace(hour=8))
        builders.move(store, deal.id, stage["Proposal"])
        clock.set(closed)
        deals[name] = builders.mark_won(store, deal.id)

    def lost(
        name: str, value: int, created: datetime, closed: datetime, at: str, label: str, **loss: Any
    ) -> None:
        clock.set(created)
        deal = builders.add(store, f"{name} deal", company=f"{name} Co", value=value)
        if at != "Lead":
            clock.set(closed.replace(hour=8))
            builders.move(store, deal.id, stage[at])
        clock.set(closed)
        deals[name] = builders.mark_lost(store, deal.id, LossInput(reason[label], **loss))

    won("W1", 1_000_000, datetime(2026, 3, 1, 9), datetime(2026, 3, 31, 9))
    won("W2", 2_000_000, datetime(2026, 6, 1, 9), datetime(2026, 6, 11, 21))
    won("W3", 5_000_000, datetime(2025, 5, 1, 9), datetime(2025, 6, 1, 9))
    lost("L1", 3_000_000, datetime(2026, 2, 1, 9), datetime(2026, 4, 1, 9), "Proposal", PRICE,
         revisit_on=date(2026, 10, 1))  # fmt: skip
    lost("L2", 1_000_000, datetime(2026, 7, 1, 9), datetime(2026, 7, 21, 9), "Qualified", PRICE)
    lost("L3", 4_000_000, datetime(2026, 8, 1, 9), datetime(2026, 9, 30, 9), "Negotiation", COMPETITOR,
         competitor="Acme")  # fmt: skip
    lost("L4", 500_000, datetime(2026, 9, 1, 9), datetime(2026, 10, 15, 9), "Proposal", COMPETITOR,
         competitor="Globex", revisit_on=date(2026, 12, 10))  # fmt: skip
    lost("L5", 2_500_000, datetime(2026, 10, 1, 9), datetime(2026, 11, 24, 9), "Lead", TIMING)
    lost("L7", 9_000_000, datetime(2025, 9, 1, 9), datetime(2025, 10, 1, 9), "Lead", PRICE,
         revisit_on=date(2026, 11, 24))  # fmt: skip
    lost("L9", 300_000, datetime(2026, 10, 20, 9), datetime(2026, 11, 3, 9), "Qualified", PRICE)

    # Imported losses: Closed Lost with no reason and no stage they were lost at.
    clock.set(START)
    store.transfer.add_many(
        {
            "title": f"{name} deal",
            "company": f"{name} Co",
            "value": value,
            "stage_id": stage["Closed Lost"],
            "created_at": created,
            "stage_entered_at": closed,
            "last_activity_at": closed,
            "closed_at": closed,
            "loss_reason_id": None,
            "lost_at_stage_id": None,
        }
        for name, value, created, closed in (
            ("L6", 700_000, "2026-05-01 09:00:00", "2026-05-15 09:00:00"),
            ("L8", 100_000, "2025-12-01 09:00:00", "2025-12-31 21:00:00"),
        )
    )
    for name in ("L6", "L8"):
        deals[name] = store.deals.find(f"{name} deal")

    clock.set(datetime(2026, 10, 1, 9))
    deals["O1"] = builders.add(store, "O1 deal", company="O1 Co", value=10_000)
    clock.set(datetime(2026, 11, 20, 9))
    deals["O2"] = builders.add(store, "O2 deal", company="O2 Co", value=20_000)
    clock.set(datetime(2026, 11, 23, 9))
    deals["O3"] = builders.add(store, "O3 deal", company="O3 Co", value=30_000, stage_id=stage["Proposal"],
                            expected_close=date(2026, 11, 1))  # fmt: skip
    clock.set(START)
    return Pipeline(deals, reason, stage)


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> Pipeline:
    return build_pipeline(store, clock)


def report_of(store: Store, p: Period) -> Report:
    return store.reports.report(p, today=TODAY)


def figures(ranking: Ranking) -> list[tuple[Any, ...]]:
    """A ranking by count as plain tuples, floats made comparable with approx."""
    assert ranking.by == "count"
    return [
        (r.label, r.count, r.values, pytest.approx(r.share), pytest.approx(r.cumulative), r.key)
        for r in ranking.rows
    ]


def value_figures(ranking: Ranking) -> list[tuple[Any, ...]]:
    """A ranking by value: the amount it ranks by, its share of the value, the running share."""
    assert ranking.by == "value"
    return [
        (r.label, r.count, r.value, pytest.approx(r.value_share), pytest.approx(r.cumulative), r.key)
        for r in ranking.rows
    ]


def expected(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(label, n, v, pytest.approx(s), pytest.approx(c), key) for label, n, v, s, c, key in rows]


def usd(minor: int) -> dict[str, int]:
    return {"USD": minor}


def only_usd_value_ranking(tables: Losses) -> Ranking:
    assert [(k.currency, k.converted) for k in tables.reasons_by_value] == [("USD", False)]
    return tables.reasons_by_value[0]


# ------------------------------------------------------------------------ periods


def test_named_periods_end_today() -> None:
    assert period("this-quarter", TODAY) == Period("This quarter", date(2026, 10, 1), TODAY)
    assert period("last-90-days", TODAY) == Period("Last 90 days", date(2026, 8, 27), TODAY)
    assert period("this-year", TODAY) == Period("This year", date(2026, 1, 1), TODAY)
    assert period("all", TODAY) == Period("All time", None, None)
    # 90 days, both ends included.
    p = period("last-90-days", TODAY)
    assert p.until and p.since and (p.until - p.since).days + 1 == 90
    # Quarters start in January, April, July and October.
    assert period("this-quarter", date(2026, 1, 1)).since == date(2026, 1, 1)
    assert period("this-quarter", date(2026, 6, 30)).since == date(2026, 4, 1)
    assert period("this-quarter", date(2026, 9, 15)).since == date(2026, 7, 1)
    assert period("this-quarter", date(2026, 12, 31)).since == date(2026, 10, 1)
    with pytest.raises(InputError, match="Unknown period"):
        period("last-week", TODAY)


def test_custom_period_refuses_since_after_until() -> None:
    with pytest.raises(InputError, match="starts"):
        custom_period(date(2026, 6, 30), date(2026, 1, 1))
    assert custom_period(date(2026, 6, 30), date(2026, 6, 30)) == Period(
        "2026-06-30 to 2026-06-30", date(2026, 6, 30), date(2026, 6, 30)
    )
    assert custom_period(None, date(2026, 6, 30)).since is None
    assert custom_period(date(2026, 1, 1), None).until is None


def test_until_day_is_included_and_the_next_day_is_not(store: Store, pipeline: Pipeline) -> None:
    # L3 closed 2026-09-30 09:00, L4 on 2026-10-15 09:00, L8 on 2025-12-31 at 21:00.
    def lost_ids(p: Period) -> list[int]:
        return [d.id for d in store.reports.report_deals(("lost", None), p)]

    assert lost_ids(custom_period(date(2026, 9, 30), date(2026, 10, 14))) == pipeline.ids("L3")
    assert lost_ids(custom_period(date(2026, 9, 30), date(2026, 10, 15))) == pipeline.ids("L4", "L3")
    assert lost_ids(custom_period(date(2026, 10, 1), date(2026, 10, 15))) == pipeline.ids("L4")
    # Late in the evening of the last day still counts.
    assert lost_ids(custom_period(None, date(2025, 12, 31))) == pipeline.ids("L8", "L7")
    assert lost_ids(custom_period(None, date(2025, 12, 30))) == pipeline.ids("L7")
    assert lost_ids(custom_period(date(2025, 12, 31), date(2025, 12, 31))) == pipeline.ids("L8")
    # The report counts the same deals as the list.
    assert report_of(store, custom_period(date(2026, 9, 30), date(2026, 10, 14))).lost_count == 1
    assert report_of(store, custom_period(date(2026, 9, 30), date(2026, 10, 15))).lost_count == 2
    assert report_of(store, custom_period(None, date(2025, 12, 31))).lost_count == 2
    assert report_of(store, custom_period(date(2026, 1, 1), None)).lost_count == 7


# ------------------------------------------------------------------------ figures


def test_this_year_every_figure(store: Store, pipeline: Pipeline) -> None:
    r = report_of(store, period("this-year", TODAY))
    assert r.period == Period("This year", date(2026, 1, 1), TODAY)
    assert r.currency == "USD"
    # Won W1 + W2; lost L1 L2 L3 L4 L5 L6 L9 (W3, L7, L8 closed in 2025). Every reason here
    # is of the lost kind, so nothing is "no decision".
    assert (r.won_count, r.won.values) == (2, usd(3_000_000))
    assert (r.lost_count, r.lost.values) == (7, usd(3_000_000 + 1_000_000 + 4_000_000 + 500_000
                                                     + 2_500_000 + 700_000 + 300_000))  # fmt: skip
    assert r.lost.values == usd(12_000_000)
    assert (r.no_decision_count, r.no_decision.values) == (0, {})
    assert r.closed_count == 9
    assert r.share("won") == pytest.approx(2 / 9) and r.share("lost") == pytest.approx(7 / 9)
    assert r.share("no_decision") == 0.0
    assert r.win_rate_count == pytest.approx(2 / 9)
    assert r.decided_win_rate_count == pytest.approx(2 / 9)  # no deal without a decision
    assert r.win_rate_value.rates == {"USD": pytest.approx(3_000_000 / 15_000_000)}
    assert not r.win_rate_value.converted and r.win_rate_value.basis == "one currency"
    assert r.decided_win_rate_value.rates == {"USD": pytest.approx(0.2)}
    assert r.won.days == pytest.approx((30 + 10.5) / 2)
    assert r.lost.days == pytest.approx((59 + 20 + 60 + 44 + 54 + 14 + 14) / 7)
    assert r.no_decision.days is None

    rid = pipeline.reason
    lost = r.lost_tables
    # By count: Price 3 (L1 L2 L9), Competitor 2 (L3 L4), then two singles in label order.
    assert figures(lost.reasons_by_count) == expected([
        (PRICE, 3, usd(4_300_000), 3 / 7, 3 / 7, ("reason", rid[PRICE])),
        (COMPETITOR, 2, usd(4_500_000), 2 / 7, 5 / 7, ("reason", rid[COMPETITOR])),
        (NO_REASON, 1, usd(700_000), 1 / 7, 6 / 7, ("reason", None)),
        (TIMING, 1, usd(2_500_000), 1 / 7, 1.0, ("reason", rid[TIMING])),
    ])  # fmt: skip
    # By value the competitor comes first, and the running share is by value.
    assert value_figures(only_usd_value_ranking(lost)) == expected([
        (COMPETITOR, 2, 4_500_000, 4.5 / 12, 4.5 / 12, ("reason", rid[COMPETITOR])),
        (PRICE, 3, 4_300_000, 4.3 / 12, 8.8 / 12, ("reason", rid[PRICE])),
        (TIMING, 1, 2_500_000, 2.5 / 12, 11.3 / 12, ("reason", rid[TIMING])),
        (NO_REASON, 1, 700_000, 0.7 / 12, 1.0, ("reason", None)),
    ])  # fmt: skip
    assert [row.share for row in only_usd_value_ranking(lost).rows] == pytest.approx(
        [2 / 7, 3 / 7, 1 / 7, 1 / 7]
    )
    sid = pipeline.stage
    assert figures(lost.by_stage) == expected([
        ("Proposal", 2, usd(3_500_000), 2 / 7, 2 / 7, ("stage", sid["Proposal"], "lost")),  # L1 L4
        ("Qualified", 2, usd(1_300_000), 2 / 7, 4 / 7, ("stage", sid["Qualified"], "lost")),  # L2 L9
        ("Lead", 1, usd(2_500_000), 1 / 7, 5 / 7, ("stage", sid["Lead"], "lost")),  # L5
        ("Negotiation", 1, usd(4_000_000), 1 / 7, 6 / 7, ("stage", sid["Negotiation"], "lost")),  # L3
        (UNKNOWN_STAGE, 1, usd(700_000), 1 / 7, 1.0, ("stage", None, "lost")),  # L6 (imported)
    ])  # fmt: skip
    # Shares of all losses: the competitors' rows add up to the competitor reason's share.
    assert figures(lost.by_competitor) == expected([
        ("Acme", 1, usd(4_000_000), 1 / 7, 1 / 7, ("competitor", "Acme", "lost")),
        ("Globex", 1, usd(500_000), 1 / 7, 2 / 7, ("competitor", "Globex", "lost")),
    ])  # fmt: skip
    nd = r.no_decision_tables
    assert nd.reasons_by_count.rows == nd.by_stage.rows == nd.by_competitor.rows == []
    assert only_usd_value_ranking(nd).rows == []
    assert r.stale_now == 2  # O1 idle, O3 close date passed
    assert r.revisits_due == 2  # L1 (2026-10-01) and L7 (today); L4 is upcoming
    assert r.lost_without_reason == 1  # L6
    assert r.lost_without_reason_all == 2  # L6 and L8
    # Without a quota period or a trend asked for, neither is computed.
    assert r.quota is None and r.trend is None


def test_all_time_every_figure(store: Store, pipeline: Pipeline) -> None:
    r = report_of(store, period("all", TODAY))
    assert (r.won_count, r.won.values) == (3, usd(8_000_000))
    assert (r.lost_count, r.lost.values) == (9, usd(21_100_000))
    assert r.win_rate_count == pytest.approx(3 / 12)
    assert r.win_rate_value.rates == {"USD": pytest.approx(8_000_000 / 29_100_000)}
    assert r.won.days == pytest.approx((30 + 10.5 + 31) / 3)
    assert r.lost.days == pytest.approx((59 + 20 + 60 + 44 + 54 + 14 + 14 + 30 + 30.5) / 9)
    rid = pipeline.reason
    lost = r.lost_tables
    assert figures(lost.reasons_by_count) == expected([
        (PRICE, 4, usd(13_300_000), 4 / 9, 4 / 9, ("reason", rid[PRICE])),
        (COMPETITOR, 2, usd(4_500_000), 2 / 9, 6 / 9, ("reason", rid[COMPETITOR])),
        (NO_REASON, 2, usd(800_000), 2 / 9, 8 / 9, ("reason", None)),
        (TIMING, 1, usd(2_500_000), 1 / 9, 1.0, ("reason", rid[TIMING])),
    ])  # fmt: skip
    by_value = only_usd_value_ranking(lost)
    assert [row.label for row in by_value.rows] == [PRICE, COMPETITOR, TIMING, NO_REASON]
    assert [row.value_share for row in by_value.rows] == pytest.approx(
        [13.3 / 21.1, 4.5 / 21.1, 2.5 / 21.1, 0.8 / 21.1]
    )
    assert [row.cumulative for row in by_value.rows] == pytest.approx(
        [13.3 / 21.1, 17.8 / 21.1, 20.3 / 21.1, 1.0]
    )
    assert [(row.label, row.count) for row in lost.by_stage.rows] == [
        ("Lead", 2), ("Proposal", 2), ("Qualified", 2), (UNKNOWN_STAGE, 2), ("Negotiation", 1),
    ]  # fmt: skip
    assert r.lost_without_reason == 2
    assert r.lost_without_reason_all == 2
    assert (r.stale_now, r.revisits_due) == (2, 2)


def test_this_quarter_and_last_90_days(store: Store, pipeline: Pipeline) -> None:
    q = report_of(store, period("this-quarter", TODAY))  # 2026-10-01..: L4 L5 L9
    assert (q.won_count, q.won.values, q.lost_count, q.lost.values) == (0, {}, 3, usd(3_300_000))
    assert q.win_rate_count == 0.0 and q.win_rate_value.rates == {"USD": 0.0}
    assert q.decided_win_rate_count == 0.0
    assert q.won.days is None
    assert q.lost.days == pytest.approx((44 + 54 + 14) / 3)
    # Three ties: label order.
    assert [(row.label, row.count, row.values) for row in q.lost_tables.reasons_by_count.rows] == [
        (COMPETITOR, 1, usd(500_000)), (PRICE, 1, usd(300_000)), (TIMING, 1, usd(2_500_000)),
    ]  # fmt: skip
    assert [row.label for row in only_usd_value_ranking(q.lost_tables).rows] == [TIMING, COMPETITOR, PRICE]
    assert [(row.label, row.count) for row in q.lost_tables.by_competitor.rows] == [("Globex", 1)]
    assert q.lost_without_reason == 0 and q.lost_without_reason_all == 2

    n = report_of(store, period("last-90-days", TODAY))  # 2026-08-27..: L3 L4 L5 L9
    assert (n.won_count, n.lost_count, n.lost.values) == (0, 4, usd(7_300_000))
    assert [(row.label, row.count) for row in n.lost_tables.by_competitor.rows] == [
        ("Acme", 1),
        ("Globex", 1),
    ]
    assert [row.cumulative for row in n.lost_tables.by_competitor.rows] == pytest.approx([1 / 4, 2 / 4])


def test_a_period_with_nothing_closed(store: Store, pipeline: Pipeline) -> None:
    r = report_of(store, custom_period(date(2024, 1, 1), date(2024, 12, 31)))
    assert (r.won_count, r.won.values, r.lost_count, r.lost.values) == (0, {}, 0, {})
    assert (r.no_decision_count, r.no_decision.values, r.closed_count) == (0, {}, 0)
    assert r.win_rate_count is None and r.decided_win_rate_count is None
    assert r.win_rate_value.rates == {"USD": None} and r.decided_win_rate_value.rates == {"USD": None}
    assert r.share("won") is None and r.share("no_decision") is None
    assert r.won.days is None and r.lost.days is None and r.no_decision.days is None
    for tables in (r.lost_tables, r.no_decision_tables):
        assert tables.reasons_by_count.rows == tables.by_stage.rows == tables.by_competitor.rows == []
        assert only_usd_value_ranking(tables).rows == []  # an empty table, in the default currency
    assert (r.stale_now, r.revisits_due, r.lost_without_reason, r.lost_without_reason_all) == (2, 2, 0, 2)


def test_revisits_due_follow_today_and_the_horizon(store: Store, pipeline: Pipeline) -> None:
    p = period("all", TODAY)
    assert store.reports.report(p, today=date(2026, 11, 23)).revisits_due == 1  # L7 is due tomorrow
    assert store.reports.report(p, today=date(2026, 12, 10)).revisits_due == 3  # L4 too
    assert store.reports.report(p, today=TODAY, horizon_days=0).revisits_due == 2


def test_imported_closures_without_a_created_date_do_not_give_negative_days(
    store: Store, tmp_path: Any
) -> None:
    from builders import import_file

    csv_path = tmp_path / "salesforce.csv"
    csv_path.write_text(
        "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Loss Reason\n"
        "0065g00000AbCdA,Alpha,Acme,Closed Lost,1000,2025-03-01,Price\n"
        "0065g00000AbCdB,Beta,Beta Co,Closed Won,2000,2025-04-01,\n",
        encoding="utf-8",
    )
    import_file(store, csv_path)
    r = report_of(store, period("all", TODAY))
    assert (r.won_count, r.lost_count) == (1, 1)
    # The file does not say when these deals started: no average, rather than a negative one.
    assert r.won.days is None or r.won.days >= 0
    assert r.lost.days is None or r.lost.days >= 0


# --------------------------------------------------------------- the deals behind each row


def test_each_row_lists_exactly_its_deals(store: Store, pipeline: Pipeline) -> None:
    year = period("this-year", TODAY)
    r = report_of(store, year)

    def listed(key: tuple[Any, ...], p: Period = year) -> list[int]:
        return [d.id for d in store.reports.report_deals(key, p)]

    # Most recently closed first.
    expected_rows = {
        PRICE: pipeline.ids("L9", "L2", "L1"),
        COMPETITOR: pipeline.ids("L4", "L3"),
        TIMING: pipeline.ids("L5"),
        NO_REASON: pipeline.ids("L6"),
    }
    lost = r.lost_tables
    for row in lost.reasons_by_count.rows + only_usd_value_ranking(lost).rows:
        assert listed(row.key) == expected_rows[row.label], row.label
        assert len(listed(row.key)) == row.count
        assert sum(d.value for d in store.reports.report_deals(row.key, year)) == row.values["USD"]
        assert store.reports.report_deal_ids(row.key, year) == listed(row.key)
    stages = {
        "Proposal": pipeline.ids("L4", "L1"),
        "Qualified": pipeline.ids("L9", "L2"),
        "Lead": pipeline.ids("L5"),
        "Negotiation": pipeline.ids("L3"),
        UNKNOWN_STAGE: pipeline.ids("L6"),
    }
    for row in lost.by_stage.rows:
        assert listed(row.key) == stages[row.label], row.label
    assert {row.label: listed(row.key) for row in lost.by_competitor.rows} == {
        "Acme": pipeline.ids("L3"), "Globex": pipeline.ids("L4"),
    }  # fmt: skip
    assert listed(("won", None)) == pipeline.ids("W2", "W1")
    assert listed(("lost", None)) == pipeline.ids("L5", "L9", "L4", "L3", "L2", "L6", "L1")
    assert listed(("no_decision", None)) == []
    assert listed(("closed", None)) == pipeline.ids("L5", "L9", "L4", "L3", "L2", "W2", "L6", "L1", "W1")
    # The same stage or competitor of the other kind lists nothing.
    assert listed(("stage", pipeline.stage["Proposal"], "no_decision")) == []
    assert listed(("competitor", "acme", "lost")) == pipeline.ids("L3")
    # All time brings back last year's deals, and the other period's rows stay apart.
    assert listed(("reason", None), period("all", TODAY)) == pipeline.ids("L6", "L8")
    assert listed(("reason", pipeline.reason[PRICE]), period("all", TODAY)) == pipeline.ids(
        "L9", "L2", "L1", "L7"
    )
    assert listed(("won", None), period("all", TODAY)) == pipeline.ids("W2", "W1", "W3")


def test_an_unknown_row_key_is_refused(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.errors import NotFoundError

    with pytest.raises(NotFoundError):
        store.reports.report_deals(("colour", "blue"), period("all", TODAY))
    with pytest.raises(NotFoundError):
        store.reports.report_deals(("open", "sideways"), period("all", TODAY))


# --------------------------------------------------------------- SQL aggregates, indexed


def _statements(store: Store, fn: Any) -> list[str]:
    seen: list[str] = []
    store.conn.db.conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        store.conn.db.conn.set_trace_callback(None)
    return seen


def full_report(store: Store, p: Period) -> Report:
    """The report with every part: a quota for the quarter and the trend by quarter."""
    return store.reports.report(p, today=TODAY, quota=5_000_000, quota_period="quarter", trend="quarter")


@pytest.mark.parametrize("name", ["all", "this-year", "this-quarter"])
def test_report_queries_search_deals_by_index(store: Store, pipeline: Pipeline, name: str) -> None:
    """Every statement the report runs on `deals` searches it through an index: none reads
    the whole table (a plain SCAN of deals)."""
    p = period(name, TODAY)
    statements = _statements(store, lambda: full_report(store, p))
    on_deals = [s for s in statements if re.search(r"\bdeals\b", s)]
    # The period's closures (outcomes and every grouping in one GROUP BY), stale, revisits,
    # lost without reason, closed without a close date; the quota's won, its pipeline and
    # the open deals it leaves out; the trend.
    assert len(on_deals) == 9
    conn = store.conn.db.conn
    for sql in on_deals:
        assert "?" not in sql  # the trace shows the statement with its values bound
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        scans = [line for line in plan if re.match(r"SCAN (d|deals)\b(?! USING)", line)]
        assert not scans, f"{sql}\n  -> {plan}"
        assert any(re.match(r"SEARCH (d|deals) USING", line) for line in plan), f"{sql}\n  -> {plan}"


def test_report_builds_no_deal_objects_beyond_revisits(
    store: Store, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Figures are aggregates: only the (few) revisits due are read as deals, however many deals
    the file holds."""
    store.transfer.add_many(
        {"title": f"Bulk {i}", "value": 1000, "stage_id": pipeline.stage["Closed Lost"],
         "closed_at": "2026-06-01 09:00:00", "loss_reason_id": pipeline.reason[PRICE]}
        for i in range(500)
    )  # fmt: skip
    built: list[int] = []
    real = store_codec.deal_from_row

    def counting(row: tuple[Any, ...]) -> Deal:
        built.append(row[0])
        return real(row)

    for module in (store_deals, store_board, store_review, store_reports):
        monkeypatch.setattr(module, "deal_from_row", counting)
    r = full_report(store, period("all", TODAY))
    assert r.lost_count == 9 + 500
    assert r.trend is not None and r.trend.rows[-3].lost.count == 2 + 500  # Q2 2026: L6, L1, the bulk
    # At most the revisits within the horizon (L1, L7 due; L4 upcoming) become Deal objects.
    assert set(built) <= set(pipeline.ids("L1", "L7", "L4"))


# ---------------------------------------------------------------------------- the CLI


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--today", TODAY.isoformat()])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_has_the_known_figures(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "report", "--json", "--since", "2026-01-01", "--until", "2026-11-24")
    assert code == 0, err
    data = json.loads(out)
    assert data["period"] == {
        "label": "2026-01-01 to 2026-11-24",
        "since": "2026-01-01",
        "until": "2026-11-24",
    }
    assert data["currency"] == "USD"
    assert data["exchange_rates"] == {}

    def tally(count: int, minor: int | None, share: float | None) -> dict[str, Any]:
        values = {} if minor is None else {"USD": minor}
        return {
            "count": count,
            "value": {c: m / 100 for c, m in values.items()},
            "value_minor": values,
            "share": None if share is None else round(share, 4),
        }

    assert data["outcomes"] == {
        "won": tally(2, 3_000_000, 2 / 9),
        "lost": tally(7, 12_000_000, 7 / 9),
        "no_decision": tally(0, None, 0.0),
        "closed": {"count": 9, "value": {"USD": 150_000.0}, "value_minor": {"USD": 15_000_000}},
    }
    assert data["win_rate"] == {
        "of_closed": {"by_count": round(2 / 9, 4), "by_value": {"USD": 0.2}},
        "of_decided": {"by_count": round(2 / 9, 4), "by_value": {"USD": 0.2}},
        "by_value_basis": "one currency",
    }
    assert data["avg_days_to_close"] == {"won": 20.2, "lost": round(265 / 7, 1), "no_decision": None}

    def row(label: str, count: int, minor: int, share: float, cumulative: float) -> Any:
        return {
            "label": label,
            "count": count,
            "value": {"USD": minor / 100},
            "value_minor": {"USD": minor},
            "share": round(share, 4),
            "cumulative": round(cumulative, 4),
        }

    lost = data["losses"]["lost"]
    assert lost["reasons_by_count"] == [
        row(PRICE, 3, 4_300_000, 3 / 7, 3 / 7),
        row(COMPETITOR, 2, 4_500_000, 2 / 7, 5 / 7),
        row(NO_REASON, 1, 700_000, 1 / 7, 6 / 7),
        row(TIMING, 1, 2_500_000, 1 / 7, 1.0),
    ]
    [by_value] = lost["reasons_by_value"]
    assert (by_value["currency"], by_value["converted"]) == ("USD", False)
    assert [(r["label"], r["amount"], r["value_share"], r["cumulative"]) for r in by_value["rows"]] == [
        (COMPETITOR, 45_000.0, 0.375, 0.375),
        (PRICE, 43_000.0, round(4.3 / 12, 4), round(8.8 / 12, 4)),
        (TIMING, 25_000.0, round(2.5 / 12, 4), round(11.3 / 12, 4)),
        (NO_REASON, 7_000.0, round(0.7 / 12, 4), 1.0),
    ]  # fmt: skip
    assert [(r["label"], r["count"]) for r in lost["at_stage"]] == [
        ("Proposal", 2), ("Qualified", 2), ("Lead", 1), ("Negotiation", 1), (UNKNOWN_STAGE, 1),
    ]  # fmt: skip
    assert [(r["label"], r["count"], r["value"]) for r in lost["to_competitor"]] == [
        ("Acme", 1, {"USD": 40_000.0}), ("Globex", 1, {"USD": 5_000.0}),
    ]  # fmt: skip
    assert data["losses"]["no_decision"] == {
        "reasons_by_count": [], "reasons_by_value": [{"currency": "USD", "converted": False, "rows": []}],
        "at_stage": [], "to_competitor": [],
    }  # fmt: skip
    assert data["now"] == {"stale": 2, "revisits_due": 2, "lost_without_reason": 2}
    assert data["lost_without_reason_in_period"] == 1
    # No quota set: the quota part says so, and still counts the pipeline of the quarter.
    quota = data["quota"]
    assert quota["period"] == {
        "label": "Q4 2026",
        "since": "2026-10-01",
        "until": "2026-12-31",
        "kind": "quarter",
    }
    assert (quota["quota"], quota["attainment"], quota["coverage"], quota["left_to_win"]) == (None,) * 4
    assert quota["pipeline"]["count"] == 1 and quota["pipeline"]["value"] == {"USD": 300.0}  # O3
    assert quota["open_without_close_date"]["count"] == 2  # O1, O2
    # --json always carries the trend (by quarter), the current quarter marked partial.
    assert data["trend"]["by"] == "quarter"
    assert [p["label"] for p in data["trend"]["periods"]] == [
        "Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026",
    ]  # fmt: skip
    assert [p["partial"] for p in data["trend"]["periods"]] == [False] * 7 + [True]


def test_cli_period_all_and_default(
    store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "report", "--json", "--period", "all")
    assert code == 0, err
    data = json.loads(out)
    assert data["period"] == {"label": "All time", "since": None, "until": None}
    outcomes = data["outcomes"]
    assert (outcomes["won"]["count"], outcomes["lost"]["count"], outcomes["no_decision"]["count"]) == (
        3,
        9,
        0,
    )
    assert outcomes["lost"]["value"] == {"USD": 211_000.0}
    assert data["win_rate"]["of_closed"] == {"by_count": 0.25, "by_value": {"USD": round(8 / 29.1, 4)}}
    assert data["lost_without_reason_in_period"] == 2
    # Without a period: this quarter.
    code, out, err = run_cli(capsys, "report", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["period"] == {"label": "This quarter", "since": "2026-10-01", "until": "2026-11-24"}
    assert (data["outcomes"]["won"]["count"], data["outcomes"]["lost"]["count"]) == (0, 3)
    assert data["win_rate"]["of_closed"] == {"by_count": 0.0, "by_value": {"USD": 0.0}}
    assert data["win_rate"]["of_decided"] == {"by_count": 0.0, "by_value": {"USD": 0.0}}
    assert data["avg_days_to_close"] == {"won": None, "lost": round(112 / 3, 1), "no_decision": None}


def test_cli_text_draws_bars(store: Store, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "report", "--period", "this-year")
    assert code == 0, err
    assert "Win-loss report · This year" in out
    lines = out.splitlines()

    def line(start: str) -> str:
        return next(x for x in lines if x.strip().startswith(start))

    assert line("Won").split()[:3] == ["Won", "2", "$30k"] and "22%" in line("Won")
    assert line("Lost (decided").split()[4:7] == ["7", "$120k", "78%"]
    assert line("No decision (stalled)").split()[3:6] == ["0", "$0", "0%"]
    assert "Average days to close: won 20 · lost 38 · no decision —" in out
    assert "Win rate by count: 22% of closed · 22% of decided (won ÷ won + lost)" in out
    assert "Win rate by value: 20% of closed · 20% of decided" in out
    for label in (PRICE, COMPETITOR, TIMING, NO_REASON, "Acme", "Globex", "Negotiation"):
        assert label in out
    price_line = line(PRICE)
    assert "█" in price_line and "43%" in price_line
    # The longest bar is the top row of the section: Price by count is full width (20 cells).
    assert "█" * 20 in price_line and "█" * 21 not in price_line
    assert "2 stale · 2 revisits due · 2 lost deals without a reason" in out
    assert "Quota · Q4 2026 (Oct 1 – Dec 31): none set" in out
    assert "Trend" not in out  # only when asked for
    # No deal without a decision this year: one line, not four empty tables.
    assert "\nNo decision (stalled): none in this period\n" in out
    assert "No decision: reasons by count" not in out
    # Every line fits an 80-column terminal.
    assert max(len(x) for x in lines) <= 80, max(lines, key=len)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--since", "2026-13-45"], "2026-13-45"),
        (["--until", "banana"], "banana"),
        (["--since", "2026-06-30", "--until", "2026-01-01"], "after it ends"),
    ],
)
def test_cli_bad_dates_are_one_clear_line(
    store: Store, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = run_cli(capsys, "report", *argv)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pipeline-tui: error: ") and fragment in lines[0]
    assert "Traceback" not in err


# --------------------------------------------------------------------------- the screen


SIZE = (120, 40)


def make(store: Store) -> Any:
    from pipeline_tui.app import PipelineApp

    return PipelineApp(store, today=date(2026, 11, 24), poll_interval=0)


def table_labels(screen: Any) -> list[str]:
    table = screen.query_one("#report-table", DataTable)
    return [str(table.get_row_at(i)[0]).strip() for i in range(table.row_count)]


async def test_R_opens_the_report_and_keys_switch_period(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.screens.report import ReportScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.report is not None
        assert screen.report.period.label == "This quarter"
        assert (screen.report.won_count, screen.report.lost_count) == (0, 3)
        summary = plain(screen.query_one("#report-summary", Static))
        assert "Lost 3" in summary and "No decision 0" in summary
        assert "Win rate 0% of closed · 0% of decided" in summary
        assert "Q4 2026: no quota set" in summary
        seen = {}
        for key, label in (
            ("2", "Last 90 days"),
            ("3", "This year"),
            ("4", "All time"),
            ("1", "This quarter"),
        ):
            await pilot.press(key)
            assert screen.report.period.label == label
            seen[label] = (screen.report.won_count, screen.report.lost_count, screen.report.lost.values)
        assert seen == {
            "Last 90 days": (0, 4, {"USD": 7_300_000}),
            "This year": (2, 7, {"USD": 12_000_000}),
            "All time": (3, 9, {"USD": 21_100_000}),
            "This quarter": (0, 3, {"USD": 3_300_000}),
        }
        await pilot.press("3")
        labels = table_labels(screen)
        assert labels[:12] == [
            "Outcomes", "Won", "Lost (decided against us)", "No decision (stalled)",
            "Won: reasons", "none given (w on a won deal)",
            "Lost: reasons by count", PRICE, COMPETITOR, NO_REASON, TIMING, "Lost: reasons by value (USD)",
        ]  # fmt: skip
        # No deal without a decision this year: one line says so, not four empty tables.
        at = labels.index("No decision (stalled)", 4)
        assert labels[at : at + 3] == [
            "No decision (stalled)",
            "none in this period",
            "Quota · Q4 2026 (none set)",
        ]
        assert "Stale deals: 2" in labels and "Revisits due: 2" in labels
        assert "Lost without a reason: 2" in labels
        # The bars: the top reason's bar is the full 24 cells.
        table = screen.query_one("#report-table", DataTable)
        assert str(table.get_row_at(7)[5]) == "█" * 24
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)


async def test_5_asks_for_a_custom_period(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.modals.prompts import PromptModal
    from pipeline_tui.screens.report import ReportScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "5")
        assert isinstance(app.screen, PromptModal)
        # A reversed period is refused in the prompt, which stays open.
        await paste(pilot, "2026-06-30..2026-01-01")
        await pilot.press("enter")
        assert isinstance(app.screen, PromptModal)
        assert "after it ends" in plain(app.screen.query_one("#prompt-error", Static))
        app.screen.query_one(Input).value = ""
        await paste(pilot, "2026-01-01..2026-06-30")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert screen.report is not None
        assert screen.report.period == Period("2026-01-01 to 2026-06-30", date(2026, 1, 1), date(2026, 6, 30))
        # W1, W2 won; L1 and L6 lost in the first half.
        assert (screen.report.won_count, screen.report.lost_count) == (2, 2)
        assert "2026-01-01 to 2026-06-30" in plain(screen.query_one("#report-title", Static))


async def test_enter_on_a_reason_lists_its_deals_and_opens_one(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.screens.deal_detail import DealDetailScreen
    from pipeline_tui.screens.deal_list import DealListScreen
    from pipeline_tui.screens.report import ReportScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "3")
        report_screen = app.screen
        table = report_screen.query_one("#report-table", DataTable)
        assert table.cursor_row == 1  # on the first row, under the heading: Won
        table.move_cursor(row=table_labels(report_screen).index(PRICE))
        await pilot.press("enter")
        listing = app.screen
        assert isinstance(listing, DealListScreen)
        assert listing.deal_ids == pipeline.ids("L9", "L2", "L1")
        assert f"{PRICE}" in plain(listing.query_one("#list-title", Static))
        assert [d.title for d in listed(listing.query_one("#list-table", DealRows))] == [
            "L9 deal", "L2 deal", "L1 deal",
        ]  # fmt: skip
        await pilot.press("down", "enter")
        detail = app.screen
        assert isinstance(detail, DealDetailScreen)
        assert detail.deal_id == pipeline.deals["L2"].id
        # Back, back: the report is where it was; the competitor row lists its two deals.
        await pilot.press("escape", "escape")
        assert app.screen is report_screen
        await pilot.press("down", "enter")
        assert isinstance(app.screen, DealListScreen)
        assert app.screen.deal_ids == pipeline.ids("L4", "L3")
        await pilot.press("escape")
        assert isinstance(app.screen, ReportScreen)
        # Only one screen was pushed per enter.
        assert sum(isinstance(s, DealListScreen) for s in app.screen_stack) == 0


async def test_enter_on_competitor_and_stage_rows(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.screens.deal_list import DealListScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "4")
        screen = app.screen
        table = screen.query_one("#report-table", DataTable)
        labels = table_labels(screen)
        for label, names in (("Acme", ["L3"]), (UNKNOWN_STAGE, ["L6", "L8"]), ("Won", ["W2", "W1", "W3"])):
            table.move_cursor(row=labels.index(label))
            await pilot.press("enter")
            assert isinstance(app.screen, DealListScreen), label
            assert app.screen.deal_ids == pipeline.ids(*names), label
            await pilot.press("escape")
            assert app.screen is screen


async def test_enter_on_the_now_rows_opens_their_screens(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.screens.missing_reasons import MissingReasonsScreen
    from pipeline_tui.screens.revisits import RevisitsScreen
    from pipeline_tui.screens.stale import StaleScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        screen = app.screen
        table = screen.query_one("#report-table", DataTable)
        labels = table_labels(screen)
        for label, kind in (
            ("Stale deals: 2", StaleScreen),
            ("Revisits due: 2", RevisitsScreen),
            ("Lost without a reason: 2", MissingReasonsScreen),
        ):
            table.move_cursor(row=labels.index(label))
            await pilot.press("enter")
            assert isinstance(app.screen, kind), label
            await pilot.press("escape")
            assert app.screen is screen
        # A heading row opens nothing.
        table.move_cursor(row=0)
        await pilot.press("enter")
        assert app.screen is screen


async def test_bars_fit_an_80_column_terminal(store: Store, pipeline: Pipeline) -> None:
    app = make(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R", "3")
        table = app.screen.query_one("#report-table", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert table.max_scroll_x == 0


async def test_opening_a_row_reads_its_deals_in_a_few_queries(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.screens.deal_list import DealListScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "4")
        screen = app.screen
        table = screen.query_one("#report-table", DataTable)
        table.move_cursor(row=table_labels(screen).index("Lost (decided against us)"))
        seen: list[str] = []
        store.conn.db.conn.set_trace_callback(seen.append)
        try:
            await pilot.press("enter")
        finally:
            store.conn.db.conn.set_trace_callback(None)
        assert isinstance(app.screen, DealListScreen)
        assert len(app.screen.deal_ids) == 9
        reads = [sql for sql in seen if re.search(r"\bFROM deals\b", sql)]
        assert len(reads) <= 3, f"{len(reads)} reads of deals for a list of 9"


async def test_palette_opens_the_report(store: Store, pipeline: Pipeline) -> None:
    from pipeline_tui.screens.report import ReportScreen

    app = make(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Report")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert app.screen.report is not None and app.screen.report.lost_count == 3

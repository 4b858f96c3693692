"""Screenshots of the win-loss report (pytest-textual-snapshot): the hand-built pipeline of
test_report.py, where every figure is known, and the demo pipeline, at 120x40 and 80x24.

Regenerate after a deliberate change with `pytest tests/test_report_snapshot.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

from conftest import Clock
from test_report import build_pipeline

from pipeline_tui.app import PipelineApp
from pipeline_tui.demo import seed_demo
from pipeline_tui.store import Store

TODAY = Clock().today  # 2026-11-24; the store's clock stays at 09:00 that day


def test_report_this_year_120x40(snap_compare, store: Store, clock: Clock) -> None:
    build_pipeline(store, clock)
    app = PipelineApp(store, today=TODAY, poll_interval=0)
    assert snap_compare(app, terminal_size=(120, 40), press=["R", "3"])


def test_report_demo_all_time_120x40(snap_compare, store: Store) -> None:
    seed_demo(store, TODAY)
    app = PipelineApp(store, today=TODAY, poll_interval=0)
    assert snap_compare(app, terminal_size=(120, 40), press=["R", "4"])


def test_report_demo_this_quarter_80x24(snap_compare, store: Store) -> None:
    seed_demo(store, TODAY)
    app = PipelineApp(store, today=TODAY, poll_interval=0)
    assert snap_compare(app, terminal_size=(80, 24), press=["R"])


# The new report: won, lost and no decision in two currencies, a quota for the quarter, the
# trend. The hand-built pipeline of test_report_outcomes.py, where every figure is known.


def outcomes_app(store: Store, clock: Clock) -> PipelineApp:
    from test_report_outcomes import QUOTA, build

    from pipeline_tui.config import Settings

    build(store, clock)
    return PipelineApp(store, today=TODAY, poll_interval=0, settings=Settings(quota=QUOTA))


def test_report_outcomes_quota_80x24(snap_compare, store: Store, clock: Clock) -> None:
    assert snap_compare(outcomes_app(store, clock), terminal_size=(80, 24), press=["R"])


def test_report_outcomes_quota_120x40(snap_compare, store: Store, clock: Clock) -> None:
    assert snap_compare(outcomes_app(store, clock), terminal_size=(120, 40), press=["R"])


def test_report_trend_80x24(snap_compare, store: Store, clock: Clock) -> None:
    assert snap_compare(outcomes_app(store, clock), terminal_size=(80, 24), press=["R", "t"])


def test_report_trend_by_month_120x40(snap_compare, store: Store, clock: Clock) -> None:
    assert snap_compare(outcomes_app(store, clock), terminal_size=(120, 40), press=["R", "t", "m"])


def test_board_status_with_a_quota_80x24(snap_compare, store: Store, clock: Clock) -> None:
    assert snap_compare(outcomes_app(store, clock), terminal_size=(80, 24))

"""How long the win-loss report takes at scale (a script run by hand, not a test).

    python benchmarks/report.py [--size 100000] [--runs 5] [--db PATH] [--out FILE]

Builds a pipeline of `--size` deals in a temporary folder with the deals of
benchmarks/bench.py (spread over the stages, closures over the last three years, lost ones
with a reason), one in ten of them in EUR, and a quota for the quarter; or uses `--db`
as it is. Then, with `today` fixed at 2026-11-24, prints one JSON document on stdout
(progress on stderr):

store_ms
    Median of `--runs` calls (after one warm-up) of each store query behind the report:
    the report with quota and trend for each period (this quarter, this year, all time;
    the trend by quarter, and by month for all time), the report without quota and trend,
    the quota alone (what the board's status line reads after every change) and the trend
    alone.

screen_ms
    The Report screen in the real app (headless, 120x40): from pressing `R` on the board
    until the screen is shown with every figure and the trend read (`open`); switching to
    all time (`4`), to the Trend tab (`t`) and to months (`m`). Median of `--runs` runs in
    one process, each opening the screen afresh. Also the board's status line update with
    a quota set (`status_update`).

The target (issue 15): the report with its trend opens in under 1 s at 100,000 deals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench import TODAY, StepClock, deal_rows  # noqa: E402

from pipeline_tui.config import Settings  # noqa: E402
from pipeline_tui.report import period  # noqa: E402
from pipeline_tui.store import Store  # noqa: E402

TARGET_S = 1.0
QUOTA = 2_500_000_00  # $2.5m a quarter
RATES = "EUR=1.08"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up: the page cache and SQLite's statement cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def build(path: Path, size: int) -> float:
    started = time.perf_counter()
    rng = random.Random(15)
    with Store.open(path, clock=StepClock()) as store:
        rows = deal_rows(size, store.shape.stages(), store.shape.reasons())
        store.transfer.add_many(row | ({"currency": "EUR"} if rng.random() < 0.1 else {}) for row in rows)
    return round(time.perf_counter() - started, 1)


def store_timings(store: Store, settings: Settings, runs: int) -> dict[str, float]:
    rates = settings.exchange_rates
    out = {}
    for name in ("this-quarter", "this-year", "all"):
        p = period(name, TODAY)
        for by in ("quarter", "month") if name == "all" else ("quarter",):
            out[f"report_{name}_trend_by_{by}"] = median_ms(
                lambda p=p, by=by: store.reports.report(
                    p, today=TODAY, rates=rates, quota=QUOTA, quota_period="quarter", trend=by
                ),
                runs,
            )
    out["report_all_without_quota_or_trend"] = median_ms(
        lambda: store.reports.report(period("all", TODAY), today=TODAY, rates=rates), runs
    )
    out["quota_only"] = median_ms(
        lambda: store.reports.quota(TODAY, kind="quarter", quota=QUOTA, rates=rates), runs
    )
    out["trend_only"] = median_ms(lambda: store.reports.trend(TODAY, by="quarter"), runs)
    return out


async def screen_timings(store: Store, settings: Settings, runs: int) -> dict[str, Any]:
    from pipeline_tui.app import PipelineApp
    from pipeline_tui.screens.board import BoardScreen
    from pipeline_tui.screens.report import ReportScreen

    steps: dict[str, list[float]] = {"open": [], "all_time": [], "trend_tab": [], "trend_by_month": []}
    status: list[float] = []
    original = BoardScreen.update_status

    def timed_status(self: BoardScreen) -> None:
        started = time.perf_counter()
        original(self)
        status.append((time.perf_counter() - started) * 1000)

    BoardScreen.update_status = timed_status  # type: ignore[method-assign]
    try:
        app = PipelineApp(store, today=TODAY, poll_interval=0, settings=settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for _ in range(runs + 1):  # the first run warms up
                for key, step in (
                    ("R", "open"),
                    ("4", "all_time"),
                    ("t", "trend_tab"),
                    ("m", "trend_by_month"),
                ):
                    started = time.perf_counter()
                    await pilot.press(key)
                    await pilot.pause()
                    steps[step].append((time.perf_counter() - started) * 1000)
                screen = app.screen
                assert isinstance(screen, ReportScreen) and screen.report is not None
                assert screen.report.trend is not None and screen.report.quota is not None
                await pilot.press("escape")
                await pilot.pause()
    finally:
        BoardScreen.update_status = original  # type: ignore[method-assign]
    result: dict[str, Any] = {step: round(statistics.median(t[1:]), 1) for step, t in steps.items()}
    result["open_first"] = round(steps["open"][0], 1)
    result["status_update"] = round(statistics.median(status), 1) if status else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="use this pipeline as it is")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    settings = Settings(quota=QUOTA, quota_period="quarter", rates=RATES)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "pipeline.db"
        build_s = None
        if args.db is None:
            log(f"building {args.size:,} deals…")
            build_s = build(path, args.size)
        with Store.open(path, clock=StepClock(), currency=settings.currency) as store:
            deals = store.deals.count()
            log(f"{deals:,} deals; store queries…")
            stored = store_timings(store, settings, args.runs)
            log("the Report screen…")
            screen = asyncio.run(screen_timings(store, settings, args.runs))
    slowest = max(screen["open"], screen["all_time"], screen["trend_tab"], screen["trend_by_month"])
    result = {
        "deals": deals,
        "build_s": build_s,
        "today": TODAY.isoformat(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "store_ms": stored,
        "screen_ms": screen,
        "target_s": TARGET_S,
        "met": slowest / 1000 < TARGET_S,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""How fast the pipeline's motion answers at scale (a script run by hand, not a test).

    python benchmarks/motion.py [--size 100000] [--notes 100000] [--runs 5] [--db PATH] [--out FILE]

Builds, in a temporary folder, `--size` deals with a history (or uses `--db` as it is):
each deal is created in a stage and moves through the open stages over the last two
years, a quarter of them won and a third lost (with a reason), some moved back; a third of
the open deals had their close date pushed (once to four times) and one in ten its value
changed; `--notes` notes spread over the deals (three words in a hundred notes mention
"kubernetes"), a tenth of every kind of change falling in the last week. One deal in ten
is in EUR. Then, with `today` fixed at 2026-11-24, prints one JSON document on stdout
(progress on stderr):

search_ms
    `Store.search.find` (median of `--runs` after a warm-up): a rare word, a word in every
    title (the first 50 of tens of thousands), two words in different places of one deal,
    an accent-folded company name, and a prefix. `cli_search_s`: `pipeline-tui search` as
    a process, and `cli_startup_s`, `pipeline-tui --version` (the start-up to subtract).

changes_ms
    `Store.history.changes` since 7 days, 30 days and the start of the year.

report_ms
    The report with velocity (this quarter, all time), the velocity alone, the slipping
    deals the review would take (`slipping_ids`), and every deal's pushes (`list`).

screen_ms
    The Report screen in the real app (headless, 120x40): `R` until shown, then the
    Velocity tab (`v`) and the Changes tab (`c`), median of `--runs`.

The targets (issue 22): a search answers in under 0.2 s beyond start-up at 100,000 deals
with 100,000 notes; `changes` in under 0.5 s; the report with velocity opens in under 1 s
(the Report screen, and its Velocity tab, each under 1 s). `met` judges the CPU times: on
a machine shared with other work the wall-clock figures measure the neighbours too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench import TODAY, StepClock  # noqa: E402

from pipeline_tui.config import Settings  # noqa: E402
from pipeline_tui.demo import COMPANIES, COMPETITORS, FIRST, LAST, NEXT_STEPS, NOTES, PRODUCTS  # noqa: E402
from pipeline_tui.models import EventKind, ImportEvent, ImportRow, LossReason, Stage, StageKind  # noqa: E402
from pipeline_tui.report import period  # noqa: E402
from pipeline_tui.store import Store  # noqa: E402

SEARCH_LIMIT_S = 0.2
CHANGES_LIMIT_S = 0.5
REPORT_LIMIT_S = 1.0
MIDNIGHT = datetime.combine(TODAY, datetime.min.time())


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def median_ms(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    """Median wall-clock and CPU milliseconds of `runs` calls after a warm-up (on a machine
    shared with other work the CPU time is the steadier figure)."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return {"ms": round(statistics.median(wall), 1), "cpu_ms": round(statistics.median(cpu), 1)}


def ago(days: float) -> datetime:
    return (MIDNIGHT - timedelta(days=days)).replace(microsecond=0)


def rows(
    size: int,
    notes: int,
    stages: list[Stage],
    reasons: list[LossReason],
    won_reasons: list[int],
    seed: int = 22,
) -> Iterator[ImportRow]:
    """`size` deals, each with the timeline that brought it where it is."""
    rng = random.Random(seed)
    opens = [s for s in stages if s.is_open]
    won = next(s for s in stages if s.kind is StageKind.WON)
    lost = next(s for s in stages if s.kind is StageKind.LOST)
    notes_left = notes
    for i in range(size):
        recent = rng.random() < 0.1  # a tenth of the changes fall in the last week
        start = rng.uniform(0.5, 7) if recent and rng.random() < 0.3 else rng.uniform(8, 730)
        company = rng.choice(COMPANIES)
        currency = "EUR" if rng.random() < 0.1 else "USD"
        roll = rng.random()
        end = won if roll < 0.25 else lost if roll < 0.58 else None
        first = opens[0] if rng.random() < 0.8 else opens[1]
        path = [first]
        for stage in opens[opens.index(first) + 1 :]:
            if rng.random() < 0.65:
                path.append(stage)
            else:
                break
        if end is None and len(path) > 1 and rng.random() < 0.1:
            path.append(path[-2])  # moved back
        moment = ago(start)
        created = moment
        timeline = [ImportEvent(moment, EventKind.CREATED, to_stage_id=path[0].id)]
        left = start
        steps = len(path) + (1 if end else 0)
        for previous, stage in zip(path, path[1:], strict=False):
            left = max(0.01, left - rng.uniform(0, left / steps))
            moment = max(moment + timedelta(seconds=1), ago(left))
            kind = EventKind.MOVED
            timeline.append(
                ImportEvent(
                    moment, kind, "", previous.id, stage.id, {"from": previous.name, "to": stage.name}
                )
            )
        value = max(500, int(2000 * 90 ** rng.random()) // 500 * 500) * 100
        row: dict[str, Any] = {}
        close = (moment + timedelta(days=rng.randint(10, 90))).date()
        if end is None and rng.random() < 0.33:
            for _ in range(rng.randint(1, 4)):
                later = close + timedelta(days=rng.randint(5, 40))
                when = ago(rng.uniform(0.1, 7)) if recent else moment + timedelta(hours=rng.randint(1, 48))
                when = max(when, moment + timedelta(seconds=1))
                moment = when
                pushed = {"changes": {"expected_close": [close.isoformat(), later.isoformat()]}}
                timeline.append(ImportEvent(when, EventKind.EDITED, data=pushed))
                close = later
        if rng.random() < 0.1:
            new = value + rng.choice((-1, 1)) * 500_00
            new = max(500_00, new)
            when = max(moment + timedelta(seconds=1), ago(rng.uniform(0.1, 7)) if recent else moment)
            moment = when
            timeline.append(ImportEvent(when, EventKind.EDITED, data={"changes": {"value": [value, new]}}))
            value = new
        for _ in range(min(notes_left, 1 if rng.random() < notes / max(1, size) else 0) or 0):
            notes_left -= 1
            text = rng.choice(NOTES) + (" They run everything on Kubernetes." if rng.random() < 0.03 else "")
            moment = moment + timedelta(minutes=5)
            timeline.append(ImportEvent(moment, EventKind.NOTE, text))
        closed_at = None
        stage = path[-1]
        if end is not None:
            left = max(0.001, left - rng.uniform(0, left / 2))
            closed_at = max(moment + timedelta(seconds=1), ago(left))
            moment = closed_at
            data: dict[str, Any] = {"from": stage.name, "to": end.name}
            text = ""
            if end is won:
                reason_id = rng.choice(won_reasons)
                row |= {"won_reason_id": reason_id}
                data |= {"reason_id": reason_id}
                kind = EventKind.WON
            else:
                reason = rng.choice(reasons)
                competitor = rng.choice(COMPETITORS) if reason.needs_competitor else ""
                text = "Went with a cheaper tool." if reason.needs_note else ""
                row |= {"loss_reason_id": reason.id, "competitor": competitor, "loss_note": text,
                        "lost_at_stage_id": stage.id}  # fmt: skip
                data |= {"reason": reason.label, "reason_id": reason.id, "competitor": competitor}
                kind = EventKind.LOST
            timeline.append(ImportEvent(closed_at, kind, text, stage.id, end.id, data))
            stage = end
        entered = next(e.at for e in reversed(timeline) if e.to_stage_id is not None)
        step = rng.choice(NEXT_STEPS) if end is None and rng.random() < 0.4 else ""
        yield ImportRow(
            title=f"{rng.choice(PRODUCTS)} — {company.split()[0]} {i + 1}",
            stage_id=stage.id,
            created_at=created,
            stage_entered_at=entered,
            last_activity_at=moment,
            company=company,
            contact=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            value=value,
            currency=currency,
            expected_close=close,
            next_step=step,
            next_step_due=TODAY + timedelta(days=rng.randint(-5, 21)) if step else None,
            closed_at=closed_at,
            timeline=tuple(timeline),
            **row,
        )


def build(path: Path, size: int, notes: int) -> float:
    started = time.perf_counter()
    with Store.open(path, clock=StepClock()) as store:
        stages = store.shape.stages()
        reasons = store.shape.reasons()
        won_reasons = [r.id for r in store.shape.won_reasons()]
        with store.write():
            store.transfer.import_rows(
                rows(size, notes, stages, reasons, won_reasons), kind=EventKind.CREATED
            )
        store.conn.db.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def search_timings(store: Store, runs: int) -> dict[str, Any]:
    queries = {
        "rare_word": "kubernetes",
        "word_in_every_title": "platform",
        "two_words_two_places": "northwind kubernetes",
        "accent_folded": "muller sohne",
        "prefix": "integ",
    }
    out: dict[str, Any] = {}
    for name, text in queries.items():
        found = store.search.find(text)
        out[name] = {
            "query": text,
            "deals": found.total,
            **median_ms(lambda t=text: store.search.find(t), runs),
        }
    return out


def cli_seconds(db: Path, *args: str, runs: int) -> float:
    env = {**os.environ, "PIPELINE_TUI_DB": str(db), "PIPELINE_TUI_CONFIG": str(db.with_suffix(".toml"))}
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pipeline_tui", *args], env=env, check=True, capture_output=True
        )
        times.append(time.perf_counter() - started)
    return round(statistics.median(times[1:]), 3)


def changes_timings(store: Store, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, since in (
        ("since_7_days", TODAY - timedelta(days=7)),
        ("since_30_days", TODAY - timedelta(days=30)),
        ("since_jan_1", date(TODAY.year, 1, 1)),
    ):
        changes = store.history.changes(since, TODAY)
        out[name] = {
            "deals": changes.count,
            **median_ms(lambda s=since: store.history.changes(s, TODAY), runs),
        }
    return out


def report_timings(store: Store, settings: Settings, runs: int) -> dict[str, dict[str, float]]:
    rates = settings.exchange_rates
    out: dict[str, dict[str, float]] = {}
    for name in ("this-quarter", "all"):
        p = period(name, TODAY)
        out[f"report_{name}_with_velocity"] = median_ms(
            lambda p=p: store.reports.report(p, today=TODAY, rates=rates, velocity=True), runs
        )
        out[f"velocity_{name}"] = median_ms(lambda p=p: store.reports.velocity(p), runs)
    out["slipping_ids"] = median_ms(lambda: store.history.slipping_ids(settings.slip_limit), runs)
    out["every_deals_pushes"] = median_ms(lambda: store.history.slips(), runs)
    return out


async def screen_timings(store: Store, settings: Settings, runs: int) -> dict[str, Any]:
    from pipeline_tui.app import PipelineApp
    from pipeline_tui.screens.report import ReportScreen

    steps: dict[str, list[float]] = {"open": [], "velocity_tab": [], "changes_tab": []}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    app = PipelineApp(store, today=TODAY, poll_interval=0, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(runs + 1):
            for key, step in (("R", "open"), ("v", "velocity_tab"), ("c", "changes_tab")):
                started, used = time.perf_counter(), time.process_time()
                await pilot.press(key)
                await pilot.pause()
                steps[step].append((time.perf_counter() - started) * 1000)
                cpu[step].append((time.process_time() - used) * 1000)
            screen = app.screen
            assert (
                isinstance(screen, ReportScreen)
                and screen.velocity is not None
                and screen.changes is not None
            )
            await pilot.press("escape")
            await pilot.pause()
    out: dict[str, Any] = {step: round(statistics.median(t[1:]), 1) for step, t in steps.items()}
    out["cpu"] = {step: round(statistics.median(t[1:]), 1) for step, t in cpu.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="use this pipeline as it is")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    settings = Settings(rates="EUR=1.08")
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "pipeline.db"
        build_s = None
        if args.db is None:
            log(f"building {args.size:,} deals with their histories and {args.notes:,} notes…")
            build_s = build(path, args.size, args.notes)
        with Store.open(path, clock=StepClock(), currency=settings.currency) as store:
            deals = store.deals.count()
            notes = store.conn.rows("SELECT COUNT(*) FROM events WHERE kind = 'note'")[0][0]
            events = store.conn.rows("SELECT COUNT(*) FROM events")[0][0]
            log(f"{deals:,} deals, {notes:,} notes, {events:,} timeline entries; search…")
            searched = search_timings(store, args.runs)
            log("the command line…")
            startup = cli_seconds(path, "--version", runs=args.runs)
            cli = cli_seconds(path, "search", "kubernetes", "--today", TODAY.isoformat(), runs=args.runs)
            log("changes…")
            changed = changes_timings(store, args.runs)
            log("the report…")
            reported = report_timings(store, settings, args.runs)
            log("the Report screen…")
            screen = asyncio.run(screen_timings(store, settings, args.runs))
    slowest_search = max(v["cpu_ms"] for v in searched.values()) / 1000
    result = {
        "deals": deals,
        "notes": notes,
        "timeline_entries": events,
        "build_s": build_s,
        "today": TODAY.isoformat(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "search_ms": searched,
        "cli_startup_s": startup,
        "cli_search_s": cli,
        "changes_ms": changed,
        "report_ms": reported,
        "screen_ms": screen,
        "targets_s": {"search": SEARCH_LIMIT_S, "changes": CHANGES_LIMIT_S, "report": REPORT_LIMIT_S},
        "met": {
            "search": slowest_search < SEARCH_LIMIT_S and cli - startup < SEARCH_LIMIT_S,
            "changes": changed["since_7_days"]["cpu_ms"] / 1000 < CHANGES_LIMIT_S,
            "report": max(screen["cpu"]["open"], screen["cpu"]["velocity_tab"]) < REPORT_LIMIT_S * 1000,
        },
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if all(result["met"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())

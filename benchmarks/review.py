"""The daily review and the lists it draws on, measured on a large pipeline (a script run by
hand, not a test).

    python benchmarks/review.py [--deals 100000] [--runs 5] [--decisions 20] [--out FILE]

The script builds a pipeline shaped like a CRM import in a temporary folder (the deals of
benchmarks/bench.py, with most open deals imported idle and without a next step, and four in
ten lost deals without a reason), then runs the app headless (`App.run_test`, 160x45 cells)
with a fixed `today` (2026-11-24) and `poll_interval=0`, and prints one JSON document.

What is measured (milliseconds, `time.perf_counter`; median and max of the runs):

queries
    The calls behind the review and outside the board: `todays_queue` (build_queue: today's
    sitting of 15 and the count of what waits as later, ranked over every deal), the queries
    it makes, `health` (the status line's "review: N to do" and "health N%"), `agenda`
    (`pipeline-tui today`), `calendar` (`pipeline-tui calendar`: every next step with a date
    and every pending revisit, as .ics text) and `calendar_again` (the same over the file
    written before, whose items done since come out cancelled), and the ids of the stale,
    revisits and lost-without-reason lists. The calendar is also measured on bench.py's own
    pipeline (`calendar_steps`), where four in ten open deals have a dated next step.
open_review
    From pressing `d` on the board until the end of the first compositor refresh of the
    review screen showing item 1 of N.
skip / note
    One decision to the next item (the review is set to 100 a sitting, so 20 skips stay in it;
    each skip also marks the deal seen today, a write). `skip`: from pressing space to the end of the first
    refresh showing the next item. `note`: from pressing ctrl+s in the note prompt (on a
    stale deal, which the note un-stales) to the end of the first refresh showing the next
    item; at that instant a second sqlite3 connection must already read the note (committed).
    `handled` stops the same clock when the review has drawn the next item into its widgets
    (the change committed, the next deal read), before the frame; `frame` is the refresh.
open_stale / open_revisits / open_missing_reasons
    From pressing `s` / `r` (or running the palette's "Lost deals without a reason") on the
    board until the end of the first refresh of that list with its rows.
status_line
    `BoardScreen.update_status` (the whole status line, with the review and health figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from textual import events
from textual.pilot import Pilot
from textual.screen import Screen

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import TODAY, StepClock, deal_rows, environment  # noqa: E402

from pipeline_tui import ics  # noqa: E402
from pipeline_tui.agenda import agenda  # noqa: E402
from pipeline_tui.app import PipelineApp  # noqa: E402
from pipeline_tui.config import Settings  # noqa: E402
from pipeline_tui.modals.prompts import NoteModal  # noqa: E402
from pipeline_tui.models import LossReason, Stage, StageKind  # noqa: E402
from pipeline_tui.review import Kind, Policy, Queue, Session, build_queue, health  # noqa: E402
from pipeline_tui.screens.board import BoardScreen  # noqa: E402
from pipeline_tui.screens.missing_reasons import MissingReasonsScreen  # noqa: E402
from pipeline_tui.screens.review import ReviewScreen  # noqa: E402
from pipeline_tui.screens.revisits import RevisitsScreen  # noqa: E402
from pipeline_tui.screens.stale import StaleScreen  # noqa: E402
from pipeline_tui.store import Store, ts  # noqa: E402

TERMINAL = (160, 45)
WAIT_S = 300.0
LIMIT_MS = 500.0  # the target for opening the queue and each list
QUERY_LIMIT_MS = 300.0  # today's queue, the agenda and the calendar, each
STALE_LIMIT_MS = 300.0  # the stale list, opened


QUERY_TARGETS = ("todays_queue", "agenda", "calendar", "calendar_again", "calendar_steps")


def now() -> float:
    return time.perf_counter()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stats(values: list[float]) -> dict[str, float | None]:
    return {
        "median": round(statistics.median(values), 2) if values else None,
        "max": round(max(values), 2) if values else None,
    }


# ---------------------------------------------------------------- the database


def import_rows(n: int, stages: list[Stage], reasons: list[LossReason]) -> Iterator[dict[str, Any]]:
    """bench.py's deals as a CRM import leaves them: most open deals idle since they were
    last touched in the CRM, with no next step; four in ten lost deals without a reason."""
    rng = random.Random(5)
    kinds = {s.id: s.kind for s in stages}
    midnight = datetime.combine(TODAY, datetime.min.time())
    for row in deal_rows(n, stages, reasons):
        kind = kinds[row["stage_id"]]
        if kind is StageKind.OPEN and rng.random() < 0.85:
            row.pop("next_step", None)
            row.pop("next_step_due", None)
            row["last_activity_at"] = ts(midnight - timedelta(days=rng.uniform(0.01, 400)))
        elif kind is StageKind.LOST and rng.random() < 0.4:
            for key in ("loss_reason_id", "competitor", "loss_note", "lost_at_stage_id"):
                row.pop(key, None)
        yield row


def build_database(path: Path, size: int) -> dict[str, Any]:
    started = now()
    with Store.open(path, clock=StepClock()) as store:
        store.transfer.add_many(import_rows(size, store.shape.stages(), store.shape.reasons()))
        queue = build_queue(store, TODAY, Policy(size=10**9))  # every item, to count them
        counts = {kind.value: n for kind, n in queue.counts().items()}
        stale = store.review.stale_count(TODAY)
    return {
        "deals": size,
        "build_s": round(now() - started, 2),
        "stale_deals": stale,
        "queue_items": len(queue),
        "queue_by_kind": counts,
    }


# ---------------------------------------------------------- watching the app


class Probe:
    """Waits for the first compositor refresh of a screen of `kind` for which `ready` holds."""

    def __init__(self, kind: type[Screen[Any]], ready: Callable[[Any], bool]) -> None:
        self.kind, self.ready = kind, ready
        self.started = now()
        self.handled: float | None = None
        self.frame_started: float | None = None
        self.shown: float | None = None
        self.committed: bool | None = None
        self.on_shown: Callable[[], bool] | None = None
        self.done = asyncio.Event()

    def ms(self) -> dict[str, float | None]:
        assert self.shown is not None and self.frame_started is not None
        return {
            "shown": (self.shown - self.started) * 1000,
            "handled": (self.handled - self.started) * 1000 if self.handled else None,
            "frame": (self.shown - self.frame_started) * 1000,
        }


PROBE: Probe | None = None
STATUS_MS: list[float] = []


def watch(stack: ExitStack) -> None:
    refresh = Screen._compositor_refresh
    show_item = ReviewScreen._show_item
    update_status = BoardScreen.update_status

    def timed_refresh(self: Screen[Any]) -> None:
        started = now()
        refresh(self)
        probe = PROBE
        if probe is None or probe.shown is not None or not isinstance(self, probe.kind):
            return
        if not probe.ready(self):
            return
        probe.frame_started, probe.shown = started, now()
        if probe.on_shown is not None:
            probe.committed = probe.on_shown()
        probe.done.set()

    def timed_show_item(self: ReviewScreen, deal: Any) -> None:
        show_item(self, deal)
        if PROBE is not None and PROBE.handled is None:
            PROBE.handled = now()

    def timed_update_status(self: BoardScreen) -> None:
        started = now()
        update_status(self)
        STATUS_MS.append((now() - started) * 1000)

    stack.enter_context(mock.patch.object(Screen, "_compositor_refresh", timed_refresh))
    stack.enter_context(mock.patch.object(ReviewScreen, "_show_item", timed_show_item))
    stack.enter_context(mock.patch.object(BoardScreen, "update_status", timed_update_status))


async def settle(pilot: Pilot[None], until: Callable[[], bool] = lambda: True) -> None:
    deadline = now() + WAIT_S
    await pilot.pause()
    while not until():
        if now() > deadline:
            raise SystemExit("review bench: the app did not settle")
        await pilot.pause(0.005)
    await pilot.pause()


async def measure(probe: Probe, start: Callable[[], Any]) -> dict[str, float | None]:
    global PROBE
    PROBE = probe
    probe.started = now()
    result = start()
    if asyncio.iscoroutine(result):
        await result
    try:
        await asyncio.wait_for(probe.done.wait(), WAIT_S)
    except TimeoutError:
        raise SystemExit("review bench: gave up waiting for a frame") from None
    PROBE = None
    return probe.ms()


def review_ready(screen: ReviewScreen) -> bool:
    return screen.deal is not None and not screen.in_summary and screen.session.total > 0


async def app_session(db: Path, runs: int, decisions: int) -> dict[str, Any]:
    store = Store.open(db, clock=StepClock())
    checker = sqlite3.connect(db)
    out: dict[str, list[float]] = {}

    def add(key: str, ms: dict[str, float | None]) -> None:
        for part, value in ms.items():
            if value is not None:
                out.setdefault(f"{key}_{part}", []).append(value)

    try:
        app = PipelineApp(store, settings=Settings(review_size=100), today=TODAY, poll_interval=0)
        async with app.run_test(size=TERMINAL) as pilot:
            await settle(pilot, lambda: bool(STATUS_MS))
            board = app.screen
            assert isinstance(board, BoardScreen)

            # Opening the review (the queue is built each time it opens).
            for _ in range(runs):
                add("open_review", await measure(Probe(ReviewScreen, review_ready), lambda: pilot.press("d")))
                await settle(pilot)
                await pilot.press("escape", "escape")
                await settle(pilot, lambda: app.screen is board)

            # Decisions: skips from the start of the queue, then notes on stale deals.
            log("review bench: skips…")
            await pilot.press("d")
            await settle(pilot, lambda: isinstance(app.screen, ReviewScreen) and review_ready(app.screen))
            review = app.screen
            assert isinstance(review, ReviewScreen)
            for _ in range(decisions):
                position = review.session.position
                probe = Probe(ReviewScreen, lambda s, p=position: s.session.position > p and review_ready(s))
                add("skip", await measure(probe, lambda: pilot.press("space")))
                await settle(pilot)
            log("review bench: notes…")
            # Notes on stale deals (set-up, untimed: a sitting of stale deals, whatever comes
            # first in today's order).
            stale = store.review.stale_ids(TODAY)[: decisions * 4]
            review.session = Session(Queue(stale, [Kind.STALE] * len(stale), TODAY))
            queue = review.session.queue
            index = 0
            committed: list[bool] = []
            for i in range(decisions):
                # A stale deal a note un-stales: idle, its close date not passed (set-up, untimed).
                while (
                    close := store.deals.get(queue.ids[index]).expected_close
                ) is not None and close < TODAY:
                    index += 1
                review.session.go_to(index)
                review._arrive()
                index += 1
                await settle(pilot)
                await pilot.press("a")
                await settle(pilot, lambda: isinstance(app.screen, NoteModal))
                app.post_message(events.Paste(f"Called, bench {i}"))
                await settle(pilot)
                deal_id, position = review.session.current.deal_id, review.session.position  # type: ignore[union-attr]
                probe = Probe(ReviewScreen, lambda s, p=position: s.session.position > p and review_ready(s))
                probe.on_shown = lambda d=deal_id: bool(
                    checker.execute(
                        "SELECT COUNT(*) FROM events WHERE deal_id = ? AND kind = 'note'", [d]
                    ).fetchone()[0]
                )
                add("note", await measure(probe, lambda: pilot.press("ctrl+s")))
                committed.append(bool(probe.committed))
                await settle(pilot)
            await pilot.press("escape", "escape")
            await settle(pilot, lambda: app.screen is board)

            # The lists the review draws on.
            log("review bench: lists…")
            for key, kind, start in (
                ("open_stale", StaleScreen, lambda: pilot.press("s")),
                ("open_revisits", RevisitsScreen, lambda: pilot.press("r")),
                ("open_missing_reasons", MissingReasonsScreen, app.action_missing_reasons),
            ):
                for _ in range(runs):
                    probe = Probe(kind, lambda s: bool(s.row_ids) and s.rows.deal is not None)
                    add(key, await measure(probe, start))
                    await settle(pilot)
                    await pilot.press("escape")
                    await settle(pilot, lambda: app.screen is board)
    finally:
        checker.close()
        store.close()
    result: dict[str, Any] = {key: stats(values) for key, values in sorted(out.items())}
    result["notes_committed_when_shown"] = all(committed) if committed else None
    result["status_line"] = stats(STATUS_MS)
    return result


def timed(fn: Callable[[], Any], repeat: int) -> tuple[dict[str, float | None], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = now()
        result = fn()
        times.append((now() - started) * 1000)
    return stats(times), result


def returned(found: Any) -> Any:
    """How much a query returned: its length, or each part's ((due, upcoming), counts)."""
    if isinstance(found, Queue):
        return {"today": len(found), "later": found.later}
    if isinstance(found, ics.Written):
        return {"steps": found.steps, "revisits": found.revisits, "cancelled": found.cancelled}
    if hasattr(found, "due_today"):  # the agenda
        return {
            "due_today": len(found.due_today),
            "overdue": len(found.overdue),
            "revisits": len(found.revisits),
        }
    if hasattr(found, "to_review"):  # health
        return {"to_do": found.to_review, "later": found.later}
    if isinstance(found, dict):
        return {key: len(value) for key, value in found.items()}
    if isinstance(found, tuple):
        return [len(part) if isinstance(part, list) else part for part in found]
    return len(found)


def store_queries(db: Path, runs: int) -> dict[str, Any]:
    with Store.open(db, clock=StepClock()) as store:
        out: dict[str, Any] = {}
        stamp = datetime.combine(TODAY, datetime.min.time())
        before = ics.pipeline_calendar(store, today=TODAY, stamp=stamp).text
        for name, fn in (
            ("todays_queue", lambda: build_queue(store, TODAY, Policy())),
            ("health", lambda: health(store, TODAY, Policy())),
            ("agenda", lambda: agenda(store, TODAY, Policy())),
            ("calendar", lambda: ics.pipeline_calendar(store, today=TODAY, stamp=stamp)),
            (
                "calendar_again",
                lambda: ics.pipeline_calendar(store, today=TODAY, stamp=stamp, previous=before),
            ),
            ("lost_without_reason_ids", store.review.lost_without_reason_ids),
            ("due_revisit_ids", lambda: store.review.due_revisit_ids(TODAY)),
            ("open_review_ids", lambda: store.review.open_review_ids(TODAY)),
            ("review_counts", lambda: store.review.review_counts(TODAY)),
            ("stale_ids", lambda: store.review.stale_ids(TODAY)),
            ("revisit_ids", lambda: store.review.revisit_ids(TODAY)),
        ):
            ms, found = timed(fn, runs)
            out[name] = {**ms, "returned": returned(found)}
        return out


def calendar_steps(folder: Path, size: int, runs: int) -> dict[str, Any]:
    """The calendar on bench.py's pipeline, where four in ten open deals have a dated step."""
    path = folder / "steps.db"
    with Store.open(path, clock=StepClock()) as store:
        store.transfer.add_many(deal_rows(size, store.shape.stages(), store.shape.reasons()))
        stamp = datetime.combine(TODAY, datetime.min.time())
        ms, found = timed(lambda: ics.pipeline_calendar(store, today=TODAY, stamp=stamp), runs)
        return {**ms, "returned": returned(found)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="opens of the review and of each list")
    parser.add_argument("--decisions", type=int, default=20, help="skips, and notes, timed")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    started = now()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="pipeline-review-bench-") as folder:
        db = Path(folder) / "pipeline.db"
        log(f"review bench: building {args.deals:,} deals…")
        built = build_database(db, args.deals)
        log(f"review bench: {built['queue_items']:,} items in the queue; measuring…")
        queries = store_queries(db, args.runs)
        log("review bench: the calendar on bench.py's pipeline…")
        queries["calendar_steps"] = calendar_steps(Path(folder), args.deals, args.runs)
        with ExitStack() as stack:
            watch(stack)
            app = asyncio.run(app_session(db, args.runs, args.decisions))
    opened = {k: app[f"{k}_shown"]["max"] for k in ("open_review", "open_stale", "open_revisits",
                                                     "open_missing_reasons")}  # fmt: skip
    report = {
        "benchmark": "pipeline-tui daily review",
        "when": datetime.now().isoformat(timespec="seconds"),
        "environment": environment(load_before, runs=args.runs, decisions=args.decisions),
        "pipeline": built,
        "queries_ms": queries,
        "app_ms": app,
        "targets": {
            "limit_ms": LIMIT_MS,
            "opened_max_ms": opened,
            "all_open_under_limit": all(v is not None and v < LIMIT_MS for v in opened.values()),
            "query_limit_ms": QUERY_LIMIT_MS,
            "queries_median_ms": {k: queries[k]["median"] for k in QUERY_TARGETS},
            "queries_under_limit": all(queries[k]["median"] < QUERY_LIMIT_MS for k in QUERY_TARGETS),
            "stale_limit_ms": STALE_LIMIT_MS,
            "stale_opened_median_ms": app["open_stale_shown"]["median"],
            "stale_under_limit": app["open_stale_shown"]["median"] < STALE_LIMIT_MS,
        },
        "total_s": round(now() - started, 1),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

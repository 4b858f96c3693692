"""The performance benchmark behind DESIGN.md's targets (a script run by hand, not a test).

    python benchmarks/bench.py [--sizes 0 1000 10000 100000] [--runs 5] [--moves 20] [--out FILE]

For each size the script builds a pipeline with that many deals in a temporary folder
(`Store.add_many`, one transaction), then re-invokes itself (`--one SIZE --db PATH`) so that
every size is measured in a fresh process, and prints one JSON document on stdout. Progress
goes to stderr. The app runs headless (`App.run_test`, 160x45 cells) with a fixed
`today` (2026-11-24), `poll_interval=0` and a store clock fixed at 09:00 that day (one second
later per call), so runs are repeatable. Headless Textual still lays out the screen and
renders every dirty line into the compositor; only the write of escape codes to a real
terminal is skipped.

What is measured (times from `time.perf_counter`):

first_paint_s
    From constructing `PipelineApp` (the store is already open; `store_open_ms` is reported
    apart) to the end of the first compositor refresh of the BoardScreen in which the board
    drew its lines: every column's header and first cards. The yardstick, a bare Textual app
    (a line of text over a Footer with as many keys as the board's key bar), is timed the
    same way, to the end of its first compositor refresh (`bare_textual_first_paint_s`), in
    the same process, alternating with the board's runs; `first_paint_vs_bare_textual` is
    the median of each board run's ratio to the bare run just before it. What follows the
    first paint is
    timed apart: `counts_s`, the end of the first frame whose column headers show their
    counts and totals (counting the columns is the slow part with many deals, so it runs
    after the first frame), and `status_s`, when the first `update_status` (the stale,
    revisit, review and health counts) returns. Median of `--runs` runs in the same process;
    each run is listed too.

move_ms
    From just before `pilot.press("shift+right")` on a focused card (a deal in Lead,
    Qualified or Proposal, whose next stage is open; cursor near the top or anywhere in the
    column) until the end of the first compositor refresh in which the focused widget is the
    target column's card list with the cursor on the moved deal. At that instant (the app is
    single-threaded, nothing can commit in between) a second sqlite3 connection reads the
    deal's stage: every move must already be committed there. Median and max over
    `--moves` moves of different deals. `handled` is the same clock stopped when
    `BoardScreen.focus_deal` returns (store change and board reload done, before the frame);
    `frame` is the compositor refresh that showed it (rendering the dirty lines); the rest
    is the wait for Textual's 60 fps screen update timer. `gc` is time spent in full
    (generation 2) garbage collections inside the move. `status_update` is the deferred
    `update_status` that runs after each move's frame (it delays the next key press).
    The empty database has no deals to move, so its `move_ms` is null.

peak_rss_mb
    `resource.getrusage(RUSAGE_SELF).ru_maxrss` of the size's own process, read after the
    paint runs and the move session (and before the store query timings below, which load
    whole lists and are not part of using the board). `peak_rss_paint_only_mb` is the same
    high-water mark read after the paint runs, before any move: the like-for-like figure
    against the empty database, which cannot make moves.

store_queries
    Median of 3 calls of the store's board and list queries on that database: summaries,
    stale_count, stale (with the number returned), revisits, count, the first window of each
    column (limit 30, the card list's smallest window), the last window of each open column
    and `column_position` of a column's last deal (a moved deal lands at the bottom).

Targets (DESIGN.md, Performance), checked at the largest size against size 0: first paint
within 1.5x of the empty database, every move under 50 ms, peak memory within 1.5x.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import textual
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import Footer, Static

from pipeline_tui.app import PipelineApp
from pipeline_tui.config import Settings
from pipeline_tui.demo import COMPANIES, COMPETITORS, FIRST, LAST, NEXT_STEPS, PRODUCTS
from pipeline_tui.models import Deal, LossReason, Stage, StageKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.store import Store, ts
from pipeline_tui.widgets.board_view import BoardView

TODAY = date(2026, 11, 24)
TERMINAL = (160, 45)
DEFAULT_SIZES = (0, 1_000, 10_000, 100_000)
FIRST_PAINT_LIMIT = 1.5  # x the empty database
MEMORY_LIMIT = 1.5  # x the empty database
MOVE_LIMIT_MS = 50.0
WAIT_S = 300.0  # give up on a paint or a move after this long
WINDOW = 30  # CardList's smallest window
RESULT_TAG = "BENCH-RESULT "


def now() -> float:
    return time.perf_counter()


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB else


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class StepClock:
    """The store's clock: TODAY at 09:00, one second later at every call."""

    def __init__(self) -> None:
        self.now = datetime.combine(TODAY, datetime.min.time()).replace(hour=9)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


# ---------------------------------------------------------------- the database


def deal_rows(
    n: int, stages: list[Stage], reasons: list[LossReason], *, seed: int = 1
) -> Iterator[dict[str, Any]]:
    """`n` prepared deals spread over the open stages and both endpoints, all before TODAY.

    Open deals: time in stage mostly weeks (some a year or two), activity mostly this week,
    some idle; close dates missing, passed or ahead; four in ten have a next step. Closed
    deals: 15% closed within the 30-day window, the rest over the last three years; lost
    ones carry a reason (a competitor or a note where the reason asks for one), the stage
    they were lost at, and a quarter a revisit date (pending or already closed).
    """
    rng = random.Random(seed)
    open_stages = [s for s in stages if s.is_open]
    won = next(s for s in stages if s.kind is StageKind.WON)
    lost = next(s for s in stages if s.kind is StageKind.LOST)
    reason_weights = [9, 7, 6, 6, 8, 2, 2, 3, 1][: len(reasons)]
    reason_weights += [1] * (len(reasons) - len(reason_weights))
    midnight = datetime.combine(TODAY, datetime.min.time())
    picks = rng.choices([*open_stages, won, lost], weights=[25, 15, 12, 8][: len(open_stages)]
                        + [10] * max(0, len(open_stages) - 4) + [15, 25], k=n)  # fmt: skip

    def ago(days: float) -> datetime:
        return midnight - timedelta(days=days)

    for i, stage in enumerate(picks):
        company = rng.choice(COMPANIES)
        row: dict[str, Any] = {
            "title": f"{rng.choice(PRODUCTS)} — {company.split()[0]} {i + 1}",
            "company": company,
            "contact": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "value": max(500, int(2000 * 90 ** rng.random()) // 500 * 500) * 100,
            "stage_id": stage.id,
        }
        if stage.is_open:
            in_stage = min(rng.expovariate(1 / 25), 720) + 0.01
            idle = rng.uniform(0.01, in_stage) if rng.random() < 0.35 else min(in_stage, rng.uniform(0.01, 7))
            roll = rng.random()
            if roll < 0.3:
                expected: date | None = None
            elif roll < 0.5:
                expected = TODAY - timedelta(days=rng.randint(1, 60))
            else:
                expected = TODAY + timedelta(days=rng.randint(1, 120))
            row |= {
                "created_at": ts(ago(in_stage + rng.expovariate(1 / 20))),
                "stage_entered_at": ts(ago(in_stage)),
                "last_activity_at": ts(ago(idle)),
                "expected_close": expected.isoformat() if expected else None,
            }
            if rng.random() < 0.4:
                due = TODAY + timedelta(days=rng.randint(-5, 21))
                row |= {"next_step": rng.choice(NEXT_STEPS), "next_step_due": due.isoformat()}
            yield row
            continue
        closed_days = rng.uniform(0.01, 29.9) if rng.random() < 0.15 else rng.uniform(31, 1100)
        closed = ago(closed_days)
        row |= {
            "created_at": ts(ago(closed_days + 1 + rng.expovariate(1 / 45))),
            "stage_entered_at": ts(closed),
            "last_activity_at": ts(closed),
            "closed_at": ts(closed),
            "expected_close": (closed.date() + timedelta(days=rng.randint(-20, 20))).isoformat(),
        }
        if stage is lost:
            reason = rng.choices(reasons, weights=reason_weights)[0]
            row |= {
                "loss_reason_id": reason.id,
                "lost_at_stage_id": rng.choice(open_stages).id,
                "competitor": rng.choice(COMPETITORS) if reason.needs_competitor else "",
                "loss_note": "Went with a cheaper tool; revisit at renewal."
                if reason.needs_note or rng.random() < 0.5
                else "",
            }
            if rng.random() < 0.25:
                revisit = closed.date() + timedelta(days=rng.randint(30, 400))
                row |= {
                    "revisit_on": revisit.isoformat(),
                    "revisit_state": "pending" if rng.random() < 0.85 else "closed",
                }
        yield row


def build_database(path: Path, size: int) -> dict[str, float]:
    started = now()
    with Store.open(path, clock=StepClock()) as store:
        added = store.transfer.add_many(deal_rows(size, store.shape.stages(), store.shape.reasons()))
    assert added == size
    build_s = now() - started
    file_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    return {"build_s": round(build_s, 3), "db_file_mb": round(file_mb, 2)}


# ------------------------------------------------------- watching the running app


@dataclass
class MoveProbe:
    deal_id: int
    target_stage_id: int
    started: float
    handled: float | None = None
    frame_started: float | None = None
    shown: float | None = None
    committed: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Recorder:
    """Timestamps from inside the app, fed by the BoardScreen methods wrapped in `watch`."""

    def __init__(self) -> None:
        self.checker: sqlite3.Connection | None = None  # the second connection
        self.gc_pauses: list[tuple[float, float]] = []  # full (generation 2) collections
        self._gc_started = 0.0
        self.new_run()

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = now()
        elif info["generation"] == 2:
            self.gc_pauses.append((self._gc_started, now()))

    def gc_ms(self, start: float, end: float) -> float:
        """Milliseconds of full garbage collections between `start` and `end`."""
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b in self.gc_pauses) * 1000

    def new_run(self) -> None:
        self.painted_at: float | None = None
        self.counts_at: float | None = None
        self.status_at: float | None = None
        self.view_drawn = False  # the board's lines were drawn in the frame under way
        self.counts_drawn = False  # ... with every column's count
        self.status_ms: list[float] = []
        self.move: MoveProbe | None = None
        self.painted = asyncio.Event()
        self.status = asyncio.Event()

    def mark_painted(self) -> None:
        if self.painted_at is None:
            self.painted_at = now()
        self.painted.set()

    def on_view_drawn(self, view: BoardView) -> None:
        self.view_drawn = True
        self.counts_drawn = self.counts_drawn or all(c.summary is not None for c in view.columns)

    def on_status(self, started: float, ended: float) -> None:
        if self.status_at is None:
            self.status_at = ended
        self.status_ms.append((ended - started) * 1000)
        self.status.set()

    def on_focus_deal(self, deal: Deal) -> None:
        probe = self.move
        if probe is not None and probe.handled is None and deal.id == probe.deal_id:
            probe.handled = now()

    def on_frame(self, screen: BoardScreen, started: float) -> None:
        stamp = now()
        if self.view_drawn:
            self.mark_painted()
        if self.counts_drawn and self.counts_at is None:
            self.counts_at = stamp
        probe = self.move
        if probe is None or probe.shown is not None:
            return
        if screen.current_stage_id != probe.target_stage_id:
            return
        deal = screen.current_deal
        if deal is None or deal.id != probe.deal_id:
            return
        probe.frame_started, probe.shown = started, stamp
        assert self.checker is not None
        row = self.checker.execute("SELECT stage_id FROM deals WHERE id = ?", [probe.deal_id]).fetchone()
        probe.committed = row is not None and row[0] == probe.target_stage_id
        probe.done.set()


RECORDER = Recorder()


def watch(stack: ExitStack, rec: Recorder) -> None:
    """Wrap a few BoardScreen methods (in this process only) so they report to `rec`."""
    render_lines = BoardView.render_lines
    update_status = BoardScreen.update_status
    focus_deal = BoardScreen.focus_deal
    compositor_refresh = BoardScreen._compositor_refresh

    def drawn_render_lines(self: BoardView, crop: Region) -> list[Strip]:
        lines = render_lines(self, crop)
        rec.on_view_drawn(self)
        return lines

    def timed_update_status(self: BoardScreen) -> None:
        started = now()
        update_status(self)
        rec.on_status(started, now())

    def timed_focus_deal(self: BoardScreen, deal: Deal) -> None:
        focus_deal(self, deal)
        rec.on_focus_deal(deal)

    def timed_compositor_refresh(self: BoardScreen) -> None:
        started = now()
        compositor_refresh(self)
        rec.on_frame(self, started)

    wrappers: dict[str, Callable[..., None]] = {
        "update_status": timed_update_status,
        "focus_deal": timed_focus_deal,
        "_compositor_refresh": timed_compositor_refresh,
    }
    for name, wrapper in wrappers.items():
        stack.enter_context(mock.patch.object(BoardScreen, name, wrapper))
    stack.enter_context(mock.patch.object(BoardView, "render_lines", drawn_render_lines))
    gc.callbacks.append(rec.on_gc)
    stack.callback(gc.callbacks.remove, rec.on_gc)


def make_app(store: Store) -> PipelineApp:
    return PipelineApp(store, settings=Settings(), today=TODAY, poll_interval=0)


async def wait_for(event: asyncio.Event, what: str) -> None:
    try:
        await asyncio.wait_for(event.wait(), WAIT_S)
    except TimeoutError:
        raise SystemExit(f"bench: gave up waiting for {what} after {WAIT_S:.0f} s") from None


async def paint_once(db: Path) -> dict[str, float]:
    """One app start: store open, construct, first paint, status line; seconds."""
    RECORDER.new_run()
    opened = now()
    store = Store.open(db, clock=StepClock())
    try:
        started = now()
        app = make_app(store)
        async with app.run_test(size=TERMINAL):
            await wait_for(RECORDER.painted, "the first paint")
            await wait_for(RECORDER.status, "the status line")
            while RECORDER.counts_at is None:
                await asyncio.sleep(0.001)
    finally:
        store.close()
    assert RECORDER.painted_at and RECORDER.counts_at and RECORDER.status_at
    return {
        "store_open_ms": (started - opened) * 1000,
        "first_paint_s": RECORDER.painted_at - started,
        "counts_s": RECORDER.counts_at - started,
        "status_s": RECORDER.status_at - started,
    }


class BareApp(App[None]):
    """The yardstick: a bare Textual app, a line of text over a Footer that shows as many
    keys as the board's key bar does (so both draw a full bottom line)."""

    BINDINGS = [
        (key, "bell", label)
        for key, label in (
            ("greater_than_sign", "Next stage"), ("m", "Move"), ("n", "New"), ("a", "Note"),
            ("w", "Won"), ("l", "Lost"), ("slash", "Filter"), ("question_mark", "Help"),
            ("q", "Quit"), ("d", "Review"), ("s", "Stale"), ("r", "Revisits"), ("R", "Report"),
        )
    ]  # fmt: skip

    def compose(self) -> ComposeResult:
        yield Static("pipeline")
        yield Footer()


async def bare_paint_once() -> float:
    """BareApp's first paint, measured as the board's is: from constructing the app to the
    end of its first compositor refresh."""
    from textual.screen import Screen

    RECORDER.new_run()
    original = Screen._compositor_refresh

    def timed(self: Screen[Any]) -> None:
        original(self)
        RECORDER.mark_painted()

    with mock.patch.object(Screen, "_compositor_refresh", timed):
        started = now()
        app = BareApp()
        async with app.run_test(size=TERMINAL):
            await wait_for(RECORDER.painted, "the bare app's first paint")
    assert RECORDER.painted_at is not None
    return RECORDER.painted_at - started


async def settle(pilot: Pilot[None], until: Callable[[], bool] = lambda: True) -> None:
    """Let pending messages, frames and deferred callbacks run (until `until()` holds)."""
    deadline = now() + WAIT_S
    await pilot.pause()
    while not until():
        if now() > deadline:
            raise SystemExit("bench: the board did not settle")
        await pilot.pause(0.005)
    await pilot.pause()


async def move_session(db: Path, moves: int, *, seed: int = 2) -> dict[str, Any]:
    """Open the board and move `moves` different deals one stage right, timing each."""
    RECORDER.new_run()
    rng = random.Random(seed)
    store = Store.open(db, clock=StepClock())
    checker = RECORDER.checker = sqlite3.connect(db)
    timings: list[dict[str, Any]] = []
    moved: set[int] = set()
    try:
        app = make_app(store)
        async with app.run_test(size=TERMINAL) as pilot:
            await wait_for(RECORDER.painted, "the first paint")
            await wait_for(RECORDER.status, "the status line")
            screen = app.screen
            assert isinstance(screen, BoardScreen)
            columns = screen.columns
            sources = [
                (column, columns[i + 1])
                for i, column in enumerate(columns[:-1])
                if column.stage.is_open and columns[i + 1].stage.is_open
            ]
            for i in range(moves):
                source, target = sources[i % len(sources)]
                cards = source.cards
                if not cards.count:
                    continue
                span = cards.count if i % 2 else min(cards.count, 8)  # near the top, or anywhere
                screen.view.focus_column(columns.index(source))
                for _ in range(50):  # a deal not moved before
                    screen.view.set_cursor(cards, rng.randrange(span))
                    await settle(pilot, lambda c=cards: screen.current_list is c and c.deal is not None)
                    deal = cards.deal
                    assert deal is not None
                    if deal.id not in moved:
                        break
                moved.add(deal.id)
                statuses = len(RECORDER.status_ms)
                probe = MoveProbe(deal.id, target.stage.id, started=now())
                RECORDER.move = probe
                await pilot.press("shift+right")
                await wait_for(probe.done, f"move {i + 1} to show")
                RECORDER.move = None
                await settle(pilot, lambda n=statuses: len(RECORDER.status_ms) > n)
                assert probe.shown is not None and probe.frame_started is not None
                timings.append({
                    "shown_ms": (probe.shown - probe.started) * 1000,
                    "handled_ms": (probe.handled - probe.started) * 1000 if probe.handled else None,
                    "frame_ms": (probe.shown - probe.frame_started) * 1000,
                    "gc_ms": RECORDER.gc_ms(probe.started, probe.shown),
                    "committed": probe.committed,
                    "status_update_ms": RECORDER.status_ms[-1],
                })  # fmt: skip
    finally:
        checker.close()
        RECORDER.checker = None
        store.close()

    def column(key: str) -> list[float]:
        return [t[key] for t in timings if t[key] is not None]

    shown = column("shown_ms")
    out: dict[str, Any] = {
        "moves": len(timings),
        "median": r(median(shown)),
        "max": r(max(shown, default=None)),
        "all_committed_when_shown": all(t["committed"] for t in timings) if timings else None,
    }
    for key in ("handled", "frame", "gc", "status_update"):
        values = column(key + "_ms")
        out[key + "_median"] = r(median(values))
        out[key + "_max"] = r(max(values, default=None))
    out["each_shown_ms"] = [r(v) for v in shown]
    return out


def r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


# ------------------------------------------------------------------ store queries


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median milliseconds of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = now()
        result = fn()
        times.append((now() - started) * 1000)
    return statistics.median(times), result


def store_queries(db: Path) -> dict[str, Any]:
    with Store.open(db, clock=StepClock()) as store:
        out: dict[str, Any] = {}
        ms, summaries = timed(lambda: store.board.summaries(today=TODAY))
        out["summaries"] = {"ms": r(ms), "shown_on_board": sum(s.count for s in summaries)}
        ms, stale_count = timed(lambda: store.review.stale_count(TODAY))
        out["stale_count"] = {"ms": r(ms), "value": stale_count}
        ms, stale = timed(lambda: store.review.stale(TODAY))
        out["stale"] = {"ms": r(ms), "returned": len(stale)}
        del stale
        ms, (due, upcoming) = timed(lambda: store.review.revisits(TODAY))
        out["revisits"] = {"ms": r(ms), "due": len(due), "upcoming": len(upcoming)}
        ms, _ = timed(store.deals.count)
        out["count"] = {"ms": r(ms)}
        first: dict[str, float | None] = {}
        last: dict[str, float | None] = {}
        position: dict[str, Any] = {}
        for summary in summaries:
            stage = summary.stage
            ms, _ = timed(lambda s=stage: store.board.column(s, today=TODAY, limit=WINDOW))
            first[stage.name] = r(ms)
            if stage.is_open and summary.count:
                offset = max(0, summary.count - WINDOW)
                ms, window = timed(
                    lambda s=stage, o=offset: store.board.column(s, today=TODAY, offset=o, limit=WINDOW)
                )
                last[stage.name] = r(ms)
                ms, where = timed(
                    lambda s=stage, d=window[-1]: store.board.column_position(d, s, today=TODAY)
                )
                position[stage.name] = {"ms": r(ms), "position": where}
        out["column_first_window_ms"] = first
        out["column_last_window_ms"] = last
        out["column_position_of_last"] = position
        return out


# ------------------------------------------------------------- one size, one process


def measure_one(size: int, db: Path, runs: int, moves: int) -> dict[str, Any]:
    rss_at_start = peak_rss_mb()
    with ExitStack() as stack:
        watch(stack, RECORDER)
        paints = []
        bare = []
        for _ in range(runs):
            # Alternate with the yardstick, so both see the same machine load.
            bare.append(asyncio.run(bare_paint_once()))
            gc.collect()
            paints.append(asyncio.run(paint_once(db)))
            gc.collect()
        rss_after_paints = peak_rss_mb()
        move = asyncio.run(move_session(db, moves)) if size else None
        gc.collect()
    rss = peak_rss_mb()  # before the list queries below, which are not part of the board

    def runs_of(key: str) -> list[float]:
        return [p[key] for p in paints]

    paint_runs = runs_of("first_paint_s")

    return {
        "deals": size,
        "store_open_ms": r(median(runs_of("store_open_ms"))),
        "first_paint_s": r(median(runs_of("first_paint_s")), 4),
        "first_paint_runs_s": [r(v, 4) for v in runs_of("first_paint_s")],
        "bare_textual_first_paint_s": r(median(bare), 4),
        "bare_textual_first_paint_runs_s": [r(v, 4) for v in bare],
        # Each board run over the bare run just before it: both saw the same machine (a
        # virtual machine's speed can shift by half mid-run, which a ratio of the two
        # medians would mix up).
        "first_paint_vs_bare_textual": r(median([b / a for a, b in zip(bare, paint_runs, strict=True)]), 3),
        "first_paint_vs_bare_textual_of_medians": ratio(median(runs_of("first_paint_s")), median(bare)),
        "counts_s": r(median(runs_of("counts_s")), 4),
        "status_s": r(median(runs_of("status_s")), 4),
        "move_ms": move,
        "peak_rss_mb": r(rss, 1),
        "peak_rss_paint_only_mb": r(rss_after_paints, 1),
        "rss_before_app_mb": r(rss_at_start, 1),
        "store_queries": store_queries(db),
    }


def git_state() -> dict[str, Any]:
    """The commit measured, and whether src/ had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "src_dirty": bool(git("status", "--porcelain", "src")),
    }


def build_child(size: int, db: Path) -> dict[str, Any]:
    """Build the database in a process of its own: Linux keeps a process's peak memory
    across exec, so a child started by a parent that built 100,000 deals would start with
    the parent's high-water mark and spoil the memory figures."""
    command = [sys.executable, str(Path(__file__).resolve()), "--build", str(size), "--db", str(db)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if done.returncode or not results:
        raise SystemExit(f"bench: building {size:,} deals failed (exit {done.returncode})")
    return json.loads(results[-1][len(RESULT_TAG) :])


def run_child(size: int, db: Path, runs: int, moves: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", str(size), "--db", str(db),
               "--runs", str(runs), "--moves", str(moves)]  # fmt: skip
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    results = [line for line in done.stdout.splitlines() if line.startswith(RESULT_TAG)]
    if done.returncode or not results:
        raise SystemExit(f"bench: measuring {size:,} deals failed (exit {done.returncode})")
    return json.loads(results[-1][len(RESULT_TAG) :])


# ------------------------------------------------------------------------ targets


def ratio(value: float | None, base: float | None) -> float | None:
    return round(value / base, 3) if value is not None and base else None


def add_ratios(sizes: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Ratios to the empty database for every size; the targets judged at the largest."""
    base = sizes.get("0")
    if base is None:
        return None
    for entry in sizes.values():
        paint = ratio(entry["first_paint_s"], base["first_paint_s"])
        memory = ratio(entry["peak_rss_mb"], base["peak_rss_mb"])
        paint_memory = ratio(entry["peak_rss_paint_only_mb"], base["peak_rss_paint_only_mb"])
        entry["first_paint_vs_empty"] = {
            "ratio": paint, "limit": FIRST_PAINT_LIMIT,
            "meets_target": paint is not None and paint <= FIRST_PAINT_LIMIT,
        }  # fmt: skip
        entry["peak_rss_vs_empty"] = {
            "ratio": memory, "limit": MEMORY_LIMIT,
            "meets_target": memory is not None and memory <= MEMORY_LIMIT,
            "paint_only_ratio": paint_memory,
        }  # fmt: skip
        move = entry["move_ms"]
        if move is not None and move["moves"]:
            move["limit"] = MOVE_LIMIT_MS
            move["meets_target"] = bool(move["max"] < MOVE_LIMIT_MS and move["all_committed_when_shown"])
    largest = max(sizes.values(), key=lambda e: e["deals"])
    move = largest["move_ms"] or {}
    checks = {
        "first_paint": largest["first_paint_vs_empty"]["meets_target"],
        "move": move.get("meets_target"),
        "memory": largest["peak_rss_vs_empty"]["meets_target"],
    }
    empty_vs_bare = base.get("first_paint_vs_bare_textual")
    checks["empty_vs_bare_textual"] = empty_vs_bare is not None and empty_vs_bare <= FIRST_PAINT_LIMIT
    return {
        "at_deals": largest["deals"],
        "empty_board_vs_bare_textual_ratio": empty_vs_bare,
        "empty_board_vs_bare_textual_meets_target": checks["empty_vs_bare_textual"],
        "first_paint_ratio": largest["first_paint_vs_empty"]["ratio"],
        "first_paint_meets_target": checks["first_paint"],
        "move_max_ms": move.get("max"),
        "move_median_ms": move.get("median"),
        "move_meets_target": checks["move"],
        "memory_ratio": largest["peak_rss_vs_empty"]["ratio"],
        "memory_meets_target": checks["memory"],
        "all_met": all(c is True for c in checks.values()),
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="numbers of deals (default: 0 1000 10000 100000)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=5, help="app starts per size (default 5)")
    parser.add_argument("--moves", type=int, default=20, help="moves per size (default 20)")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: measure one size
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)  # child: build one database
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def environment(load_before: tuple[float, ...], **run: Any) -> dict[str, Any]:
    """What a report's figures were measured on (shared by the benchmark scripts)."""
    return {
        "python": platform.python_version(),
        "textual": textual.__version__,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "terminal": list(TERMINAL),
        "today": TODAY.isoformat(),
        **run,
        # Other work on the machine skews the timings: compare runs made at low load.
        "load_average_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.one is not None:
        result = measure_one(args.one, args.db, args.runs, args.moves)
        print(RESULT_TAG + json.dumps(result), flush=True)
        return
    if args.build is not None:
        print(RESULT_TAG + json.dumps(build_database(args.db, args.build)), flush=True)
        return
    started = now()
    load_before = os.getloadavg()
    sizes: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as folder:
        for size in args.sizes:
            db = Path(folder) / f"pipeline-{size}.db"
            log(f"bench: building {size:,} deals…")
            built = build_child(size, db)
            log(f"bench: built {size:,} deals in {built['build_s']:.2f} s; measuring…")
            result = run_child(size, db, args.runs, args.moves)
            sizes[str(size)] = {**result, **built}
            log(f"bench: {size:,} deals: first paint {result['first_paint_s']:.3f} s, "
                f"peak RSS {result['peak_rss_mb']:.0f} MB")  # fmt: skip
    targets = add_ratios(sizes)
    report = {
        "benchmark": "pipeline-tui board",
        "when": datetime.now().isoformat(timespec="seconds"),
        "environment": environment(load_before, runs=args.runs, moves=args.moves, git=git_state()),
        "sizes": sizes,
        "targets": targets,
        "total_s": round(now() - started, 1),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

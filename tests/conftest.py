"""Shared fixtures: every test gets its own database and config file, and a clock it controls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from pipeline_tui.store import Store

TODAY = date(2026, 11, 24)  # a Tuesday
START = datetime(2026, 11, 24, 9, 0)


class Clock:
    """A clock the test moves by hand: `clock()` is now, `clock.advance(days=3)` moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        self.now += timedelta(days=days, hours=hours, minutes=minutes)
        return self.now

    def set(self, when: datetime | date) -> datetime:
        if not isinstance(when, datetime):
            when = datetime.combine(when, self.now.time())
        self.now = when
        return self.now

    @property
    def today(self) -> date:
        return self.now.date()


@pytest.fixture(autouse=True)
def hermetic_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the database and the config at tmp_path: never the user's real data folder."""
    monkeypatch.setenv("PIPELINE_TUI_DB", str(tmp_path / "pipeline.db"))
    monkeypatch.setenv("PIPELINE_TUI_CONFIG", str(tmp_path / "config.toml"))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    s = Store.open(tmp_path / "pipeline.db", clock=clock)
    try:
        yield s
    finally:
        s.close()


# ------------------------------------------------------------------ UI (Pilot and snapshots)
# Appended for the UI tests: the real app on the test's SQLite file, with `today` fixed
# and the poll timer off (a test that wants polling turns it on), so nothing depends on
# the real date or on timing.


@pytest.fixture
def make_app(store: Store):  # returns a PipelineApp factory
    """Build a PipelineApp on the test store: `make_app()` or `make_app(poll_interval=0.1)`."""
    from pipeline_tui.app import PipelineApp  # only the UI tests pay for importing Textual

    def make(*, poll_interval: float = 0, **kwargs: object) -> PipelineApp:
        return PipelineApp(store, today=TODAY, poll_interval=poll_interval, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def demo_store(store: Store) -> Store:
    """The test store filled with the demo pipeline as of TODAY (deterministic: fixed seed)."""
    from pipeline_tui.demo import seed_demo

    seed_demo(store, TODAY)
    return store


@pytest.fixture(autouse=True)
def pilot_waits_for_typed_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot's pause waits for every widget's queue; the app also holds typed keys in order
    until the one before has been handled (keygate.py), and counts the review on another
    thread. A test reading the screen after a pause must see every key it sent handled and
    the counts in, as a person would after a moment."""
    import asyncio

    from textual.pilot import Pilot

    original = Pilot._wait_for_screen

    async def wait_for_screen(self, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
        result = await original(self, timeout)
        for _ in range(5000):
            app = self.app
            counting = any(w.group == "review-count" and not w.is_finished for w in app.workers)
            gate = getattr(app, "gate", None)
            if not counting and (gate is None or gate.idle):
                break
            await asyncio.sleep(0.001)
            result = await original(self, timeout)
        return result

    monkeypatch.setattr(Pilot, "_wait_for_screen", wait_for_screen)

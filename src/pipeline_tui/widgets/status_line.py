"""The board's status line: what needs the seller, most urgent first, in one line.

It counts when told to (`schedule`: after the frame that shows a change, once per frame),
never while drawing. The review and health figures read every open deal (about 60 ms at
100,000 deals): they are counted on another thread, on a read-only connection of their own,
so no key ever waits for them; after changes, once for a burst, a moment after it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.content import Content
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from pipeline_tui.config import Settings
from pipeline_tui.display import safe
from pipeline_tui.report_render import quota_status
from pipeline_tui.review import Health
from pipeline_tui.store import Store

REVIEW_WORKERS = "review-count"  # the worker group counting the review and health
REVIEW_RECOUNT_S = 0.5  # after changes on the board, the review and health figures follow once
Part = str | tuple[str, str]


def status_variants(health: Health) -> list[tuple[str, str]]:
    """The board's status line: whether today's review is done, and the pipeline's health,
    longest first (the line shows the longest that fits)."""
    percent = f"health {health.percent}%" if health.percent is not None else ""
    if health.to_review:
        texts = [f"review: {health.to_review:,} to do (d)", f"review {health.to_review:,} (d)"]
        style = "$text-primary"
    else:
        texts = ["✓ review done", "✓ reviewed"]
        style = "$text-success"
    variants = [f"{texts[0]}  ·  {percent}", f"{texts[1]} · {percent}"] if percent else []
    return [(text, style) for text in [*variants, texts[1]]]


class StatusLine(Static):
    """Counts of the stale deals, due revisits, losses without a reason, the quota, today's
    review and the pipeline's health; the filter and the columns off screen come first and
    are never cut off."""

    def __init__(self, source: Callable[[], tuple[Store, Settings, date]], *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._source = source  # the pipeline, the settings and today, as they are now
        self.filter_text = ""
        self.more_text = ""  # columns off screen: "‹ 2 more  3 more ›"
        self.marked = 0  # cards marked on the board
        self.review: Any = None  # the review and health figures last counted (review.Health)
        self._recount = False
        self._timer: Any = None
        self._counting = False  # a count is under way, on another thread
        self._counted = False  # the line is redrawn for a count just made

    def recount_review(self) -> None:
        """Count the review and health figures again at the next update (the board shows
        again after changes made under another screen)."""
        self._recount = True

    def update_counts(self) -> None:
        store, settings, today = self._source()
        stale = store.review.stale_count(today)
        due, _ = store.review.revisit_counts(today, settings.revisit_horizon_days)
        missing = store.review.lost_without_reason_count()
        parts: list[Part] = []
        if store.readonly:
            parts += [("READ-ONLY", "bold $text-error"), "  ·  "]
        if self.filter_text:
            parts += [
                ("filter: ", "bold"),
                (safe(self.filter_text), "bold reverse"),
                ("  (esc clears)  ·  ", "dim"),
            ]
        if self.marked:  # what the next action acts on: said first, never cut off
            parts += [(f"◆ {self.marked:,} marked", "bold reverse"), ("  (esc clears)  ·  ", "dim")]
        if self.more_text:  # columns off screen: said before the counts, never cut off
            parts += [(self.more_text, "bold $text-accent"), "  ·  "]
        parts.append((f"⚠ {stale:,} stale (s)", "$text-warning") if stale else "nothing stale")
        parts.append("  ·  ")
        parts.append((f"↻ {due:,} revisits due (r)", "$text-accent") if due else "no revisits due")
        if missing:
            parts += ["  ·  ", (f"{missing:,} lost without reason", "$text-error")]
        total = store.deals.count()
        tail = f"  ·  {total:,} deal" + ("" if total == 1 else "s") + f"  ·  {today:%a %d %b %Y}"
        parts += self._quota_parts(parts, tail)
        parts += self._review_parts(parts, tail)
        parts.append((tail, "dim"))
        self.update(Content.assemble(*parts), layout=False)  # one line, always

    def _room(self, before: list[Part]) -> int:
        used = sum(cell_len(part if isinstance(part, str) else part[0]) for part in before)
        width = self.size.width or self.app.size.width
        return width - 2 - used - len("  ·  ")

    def _review_parts(self, before: list[Part], after: str) -> list[Part]:
        """Whether today's review is done (d) and the pipeline's health, in the longest form
        that fits between `before` and `after` (or, short of that, before `after` is cut off)."""
        if (self.review is None or self._recount) and not self._counting:
            self._recount = False
            self._count_review()
        elif not self._counted and self._timer is None:
            self._timer = self.set_timer(REVIEW_RECOUNT_S, self._recount_later)
        self._counted = False
        if self.review is None:  # the first count is still under way
            return []
        room = self._room(before)
        variants = status_variants(self.review)
        fits = [v for v in variants if cell_len(v[0]) <= room - cell_len(after)] or [
            v for v in variants if cell_len(v[0]) <= room
        ]
        return ["  ·  ", fits[0]] if fits else []

    def _recount_later(self) -> None:
        self._timer = None
        self._recount = True
        self.update_counts()

    def _count_review(self) -> None:
        from pipeline_tui.review import health

        store, _, today = self._source()
        if store.path is None:  # a database in memory has no second connection
            self.review = health(store, today)
            return

        def count() -> Health:
            with store.reader() as reader:
                return health(reader, today)

        self._counting = True
        self.run_worker(count, thread=True, group=REVIEW_WORKERS, exit_on_error=False)

    @on(Worker.StateChanged)
    def _review_counted(self, event: Worker.StateChanged) -> None:
        if event.worker.group != REVIEW_WORKERS or not event.worker.is_finished:
            return
        self._counting = False
        if event.state is WorkerState.SUCCESS:
            self.review = event.worker.result
        else:  # the second connection failed: count here (a damaged file then says so)
            from pipeline_tui.review import health

            store, _, today = self._source()
            self.review = health(store, today)
        self._counted = True
        self.update_counts()

    def _quota_parts(self, before: list[Part], after: str) -> list[Part]:
        """The current period against the quota (attainment, to go, coverage, forecast), in
        as many words as the line has room for; nothing when no quota is set."""
        store, settings, today = self._source()
        if not settings.quota:
            return []
        quota = store.reports.quota(
            today,
            kind=settings.quota_period,
            quota=settings.quota,
            rates=settings.exchange_rates,
            apart=False,
        )
        room = self._room(before)
        variants = quota_status(quota)
        fits = [t for t in variants if cell_len(t) <= room - cell_len(after)] or [
            t for t in variants if cell_len(t) <= room
        ]
        return ["  ·  ", (fits[0], "$text-accent")] if fits else []

"""The board's status line: what needs the seller, most urgent first, in one line.

Its figures keep one order at every width: today's review (what is left of the sitting, and
what waits as later) and the pipeline's health first, then the stale deals, the revisits due,
the losses without a reason, the quota, the deal count and the date. What does not fit is
left out from the end; a narrow terminal gets the short wordings (`fit`).

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
Variants = list[tuple[str, str]]  # one figure's wordings, longest first
Segment = tuple[int, Variants]  # (0: must show, else the order in which it fills spare room; wordings)
SEPARATOR, NARROW = "  ·  ", " · "


def fit(segments: list[Segment], room: int, sep: int) -> list[tuple[int, int]]:
    """Which figures show, and in which wording: (segment, variant) in the segments' order.
    The figures that must show (fill 0), in order and as far as they fit, each in the
    longest wording that still leaves room for the shortest of those after it; then, in the
    room left, those that may be left out, in their fill order (the deal count before
    "nothing stale"), in their longest wording that fits."""
    chosen: dict[int, int] = {}
    used = 0

    def width(index: int, variant: int) -> int:
        return cell_len(segments[index][1][variant][0])

    def place(index: int, spare: int) -> bool:
        """The segment in its longest wording within `spare` more than its shortest."""
        nonlocal used
        variants = segments[index][1]
        gap = sep if chosen else 0
        shortest = width(index, len(variants) - 1)
        if used + gap + shortest > room:
            return False
        variant = next(v for v in range(len(variants)) if width(index, v) <= shortest + spare)
        chosen[index] = variant
        used += gap + width(index, variant)
        return True

    musts = [i for i, (fill, variants) in enumerate(segments) if variants and not fill]
    for n, index in enumerate(musts):
        after = sum(width(i, len(segments[i][1]) - 1) + sep for i in musts[n + 1 :])
        if not place(index, max(0, room - used - after - (sep if chosen else 0) - width(index, -1))):
            return sorted(chosen.items())  # what matters less is left out, never shown in its place
    optional = sorted((fill, i) for i, (fill, variants) in enumerate(segments) if variants and fill)
    for _, index in optional:
        place(index, max(0, room - used - (sep if chosen else 0) - width(index, -1)))
    return sorted(chosen.items())


def status_variants(health: Health) -> list[tuple[str, str]]:
    """What the status line says of today's review (longest first: the line shows the longest
    that fits): what is left of today's sitting, or that it is done, and what waits as later."""
    later = f"{health.later:,} later" if health.later else ""
    if health.to_review:
        todo = f"review: {health.to_review:,} to do (d)"
        texts = [f"{todo} · {later}"] if later else []
        texts += [todo, f"review {health.to_review:,} (d)"]
        style = "$text-primary"
    else:
        texts = [f"✓ review done · {later} (d)"] if later else []
        texts += ["✓ review done", "✓ reviewed"]
        style = "$text-success"
    return [(text, style) for text in texts]


def health_variants(health: Health) -> list[tuple[str, str]]:
    if health.percent is None:
        return []
    return [(f"health {health.percent}%", "")]


class StatusLine(Static):
    """Today's review and the pipeline's health, the stale deals, due revisits, losses
    without a reason, the quota; the filter, the marks and the columns off screen come first
    and are never cut off."""

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
        """Redraw the line: what is never cut off first (read-only, the filter, the marks,
        the columns off screen), then, in order and each in the longest form that fits,
        today's review, the health, the stale deals, the revisits due, the losses without a
        reason, the quota, the deal count and the date; what does not fit is left out
        from the end, so the review and the health show at any width."""
        store, settings, today = self._source()
        parts: list[Part] = []
        if store.readonly:
            parts += [("READ-ONLY", "bold $text-error"), SEPARATOR]
        if self.filter_text:
            parts += [
                ("filter: ", "bold"),
                (safe(self.filter_text), "bold reverse"),
                ("  (esc clears)", "dim"),
                SEPARATOR,
            ]
        if self.marked:  # what the next action acts on: said first, never cut off
            parts += [(f"◆ {self.marked:,} marked", "bold reverse"), ("  (esc clears)", "dim"), SEPARATOR]
        if self.more_text:  # columns off screen: said before the counts, never cut off
            parts += [(self.more_text, "bold $text-accent"), SEPARATOR]
        room = self._width() - sum(cell_len(p if isinstance(p, str) else p[0]) for p in parts)
        segments = self._segments(store, settings, today)
        # The wide separator, unless the narrow one shows more (more figures, or more words).
        sep, shown = max(
            ((s, fit(segments, room, cell_len(s))) for s in (SEPARATOR, NARROW)),
            key=lambda found: (
                len(found[1]),
                sum(cell_len(segments[i][1][v][0]) for i, v in found[1]),
                found[0] == SEPARATOR,
            ),
        )
        parts = [sep if part == SEPARATOR else part for part in parts]  # one spacing throughout
        for n, (index, variant) in enumerate(shown):
            if n:
                parts.append(sep)
            parts.append(segments[index][1][variant])
        if parts and parts[-1] in (SEPARATOR, NARROW):
            parts.pop()
        self.update(Content.assemble(*parts), layout=False)  # one line, always

    def _width(self) -> int:
        return (self.size.width or self.app.size.width) - 2

    def _segments(self, store: Store, settings: Settings, today: date) -> list[Segment]:
        """The line's figures in the order shown, the most important first, each with its
        wordings (longest first)."""
        review = self._review()
        stale = store.review.stale_count(today)
        due, _ = store.review.revisit_counts(today, settings.revisit_horizon_days)
        missing = store.review.lost_without_reason_count()
        total = store.deals.count()
        warning, accent = "$text-warning", "$text-accent"
        return [
            (0, status_variants(review) if review is not None else []),
            (0, health_variants(review) if review is not None else []),
            (0, [(f"⚠ {stale:,} stale (s)", warning), (f"⚠ {stale:,}", warning)])
            if stale
            else (2, [("nothing stale", "")]),
            (0, [(f"↻ {due:,} revisits due (r)", accent), (f"↻ {due:,}", accent)])
            if due
            else (3, [("no revisits due", "")]),
            (
                0,
                [
                    (f"{missing:,} lost without reason", "$text-error"),
                    (f"{missing:,} no reason", "$text-error"),
                ],
            )
            if missing
            else (0, []),
            (0, [(text, accent) for text in self._quota(store, settings, today)]),
            (1, [(f"{total:,} deal" + ("" if total == 1 else "s"), "dim")]),
            (4, [(f"{today:%a %d %b %Y}", "dim"), (f"{today:%a %d %b}", "dim")]),
        ]

    def _review(self) -> Health | None:
        """The review and health figures as last counted (a count is started, on another
        thread, when they are due again; the line is redrawn when it is in)."""
        if (self.review is None or self._recount) and not self._counting:
            self._recount = False
            self._count_review()
        elif not self._counted and self._timer is None:
            self._timer = self.set_timer(REVIEW_RECOUNT_S, self._recount_later)
        self._counted = False
        return self.review  # type: ignore[no-any-return]

    def _recount_later(self) -> None:
        self._timer = None
        self._recount = True
        self.update_counts()

    def _count_review(self) -> None:
        from pipeline_tui.review import health, policy

        store, settings, today = self._source()
        rules = policy(store, settings)
        if store.path is None:  # a database in memory has no second connection
            self.review = health(store, today, rules)
            return

        def count() -> Health:
            with store.reader() as reader:
                return health(reader, today, rules)

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
            from pipeline_tui.review import health, policy

            store, settings, today = self._source()
            self.review = health(store, today, policy(store, settings))
        self._counted = True
        self.update_counts()

    def _quota(self, store: Store, settings: Settings, today: date) -> list[str]:
        """The current period against the quota (attainment, to go, coverage, forecast), in
        as many words as there is room for; nothing when no quota is set."""
        if not settings.quota:
            return []
        quota = store.reports.quota(
            today,
            kind=settings.quota_period,
            quota=settings.quota,
            rates=settings.exchange_rates,
            apart=False,
        )
        return quota_status(quota)

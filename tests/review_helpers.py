"""A pipeline with every kind of daily-review item, and helpers to read the review screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import builders
from conftest import START, TODAY, Clock
from pilot_helpers import add_at, lose, plain, stage_id

from pipeline_tui.models import Deal, StageKind
from pipeline_tui.store import Store, ts


@dataclass
class Pipeline:
    """The review's queue, in its order."""

    new_import: Deal  # lost 5 days ago, no reason (an import)
    old_import: Deal  # lost 40 days ago, no reason, revisit due since Nov 1: listed once, as a revisit
    long_due: Deal  # revisit due since Nov 14, lost for Timing
    due: Deal  # revisit due since Nov 20, lost for Price with a follow-up note
    idle_big: Deal  # 30 days idle in Lead, $9k
    idle_small: Deal  # 30 days idle in Lead, $1k: after the bigger one
    both_ways: Deal  # 20 days idle in Qualified, close date passed 10 days ago
    late: Deal  # touched today, close date passed 3 days ago, no next step: stale only
    fresh_big: Deal  # no next step, 5 days in Lead, $50k
    fresh_small: Deal  # no next step, 5 days in Lead, $2k

    @property
    def order(self) -> list[Deal]:
        return list(vars(self).values())

    @property
    def titles(self) -> list[str]:
        return [d.title for d in self.order]


def imported_loss(store: Store, title: str, closed: datetime, **fields: object) -> Deal:
    """A lost deal with no reason, as an import leaves it."""
    lost = store.shape.first_stage(StageKind.LOST).id
    stamp = ts(closed)
    store.transfer.add_many(
        [
            {
                "title": title,
                "stage_id": lost,
                "created_at": stamp,
                "stage_entered_at": stamp,
                "last_activity_at": stamp,
                "closed_at": stamp,
                **fields,
            }
        ]
    )
    return max(store.deals.all(stage_id=lost), key=lambda d: d.id)


def review_pipeline(store: Store, clock: Clock) -> Pipeline:
    qualified, proposal = stage_id(store, "Qualified"), stage_id(store, "Proposal")
    new_import = imported_loss(
        store, "New import loss", START - timedelta(days=5), company="Ajax", value=500_000
    )
    old_import = imported_loss(
        store,
        "Old import loss",
        START - timedelta(days=40),
        company="Borealis",
        value=700_000,
        revisit_on="2026-11-01",
        revisit_state="pending",
    )
    clock.set(datetime(2026, 8, 3, 10, 0))  # lost in the summer
    long_due = builders.add(store, "Long due", company="Cedar", value=300_000, stage_id=proposal)
    due = builders.add(store, "Due again", company="Delta", value=1_250_000, stage_id=qualified)
    upcoming = builders.add(store, "Coming up", company="Echo")
    lose(store, long_due.id, "Timing", revisit_on=date(2026, 11, 14))
    lose(store, due.id, "Price", note="Budget frozen until Q2", revisit_on=date(2026, 11, 20))
    lose(store, upcoming.id, "Price", revisit_on=date(2026, 12, 10))  # not due: not in the review
    clock.set(START)
    found = Pipeline(
        new_import,
        old_import,
        store.deals.get(long_due.id),
        store.deals.get(due.id),
        add_at(store, clock, TODAY - timedelta(days=30), "Idle big", company="Fir", value=900_000),
        add_at(store, clock, TODAY - timedelta(days=30), "Idle small", company="Gale", value=100_000),
        add_at(store, clock, TODAY - timedelta(days=20), "Both ways", company="Hale", value=200_000,
               stage_id=qualified, expected_close=TODAY - timedelta(days=10)),
        builders.add(store, "Late proposal", company="Iris", value=400_000, stage_id=proposal,
                  expected_close=TODAY - timedelta(days=3)),
        add_at(store, clock, TODAY - timedelta(days=5), "Fresh big", company="Juno", value=5_000_000),
        add_at(store, clock, TODAY - timedelta(days=5), "Fresh small", company="Kilo", value=200_000),
    )  # fmt: skip
    # Not in the review: a next step due in the future; snoozed; won; archived; new this week.
    builders.add(store, "Planned", next_step="Demo", next_step_due=TODAY + timedelta(days=7))
    add_at(store, clock, TODAY - timedelta(days=2), "Just added", value=9_000_000)  # no step yet: too new
    snoozed = builders.add(store, "Snoozed", value=9_900_000)
    builders.snooze_stale(store, snoozed.id, TODAY + timedelta(days=14))
    won = builders.add(store, "Won deal")
    builders.mark_won(store, won.id)
    junk = builders.add(store, "Junk")
    builders.archive(store, junk.id)
    return found


def review_text(screen) -> str:  # type: ignore[no-untyped-def]
    """What the review shows of the current item: progress, why, fields and timeline."""
    from textual.widgets import Static

    parts = ("progress", "why", "fields", "timeline")
    return "\n".join(plain(screen.query_one(f"#review-{part}", Static)) for part in parts)

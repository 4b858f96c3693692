"""Slipping close dates: an open deal whose expected close date has been pushed later
`slip_limit` times or more (2 by default) is slipping. Pure: the store reads the pushes
from the timeline (every edit, and every CRM update, that moved a close date)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pipeline_tui.models import Deal, Stage

DEFAULT_SLIP_LIMIT = 2


@dataclass(frozen=True, slots=True)
class Push:
    """One close date pushed later: when, from what, to what."""

    at: datetime
    was: date
    to: date


@dataclass(frozen=True, slots=True)
class Slip:
    """A deal's pushed close dates, oldest first."""

    pushes: tuple[Push, ...] = ()

    @property
    def count(self) -> int:
        return len(self.pushes)

    @property
    def first(self) -> date | None:
        """The close date before the first push: what the deal was meant to close on."""
        return self.pushes[0].was if self.pushes else None


NO_SLIP = Slip()


def slip_of(changes: Iterable[tuple[datetime, date | None, date | None]]) -> Slip:
    """The pushes among a deal's close-date changes (moment, before, after), oldest first:
    a date set, cleared or pulled in is no push."""
    pushes = [Push(at, was, to) for at, was, to in changes if was is not None and to is not None and to > was]
    return Slip(tuple(pushes))


def is_slipping(deal: Deal, stage: Stage, slip: Slip, limit: int = DEFAULT_SLIP_LIMIT) -> bool:
    """An open deal (not archived) whose close date has been pushed `limit` times or more."""
    return stage.is_open and not deal.archived and slip.count >= max(1, limit)


def needs_review(deal: Deal, stage: Stage, slip: Slip, today: date, limit: int = DEFAULT_SLIP_LIMIT) -> bool:
    """A slipping deal needs the seller until they have acted on it since its latest push
    (a note, a next step, a move: any activity after the push), or while it is snoozed
    quiet; the next push brings it back."""
    if not is_slipping(deal, stage, slip, limit) or not slip.pushes:
        return False
    if deal.snoozed_until is not None and deal.snoozed_until > today:
        return False
    return deal.last_activity_at <= slip.pushes[-1].at


def day(value: date, today: date) -> str:
    """'Nov 30': the year only for a day more than half a year from today ('Nov 30 2025'),
    so 'Dec 15 → Jan 15' reads as it is said."""
    text = f"{value:%b} {value.day}"
    return text if abs((value - today).days) <= 183 else f"{text} {value.year}"


def slip_text(slip: Slip, today: date) -> str:
    """'slipped 3×, was Nov 30'."""
    if slip.first is None:
        return ""
    return f"slipped {slip.count}×, was {day(slip.first, today)}"


def push_lines(slip: Slip, today: date) -> list[str]:
    """Each push as a line: 'Nov 12: Nov 30 → Dec 15'."""
    return [f"{day(p.at.date(), today)}: {day(p.was, today)} → {day(p.to, today)}" for p in slip.pushes]


def slip_rank(deal: Deal, slip: Slip) -> tuple[int, int, int]:
    """The review's order for slipping deals: value times the number of pushes, largest
    first (a big deal that keeps slipping before a small one, and a deal pushed four times
    before one pushed twice at the same value), then the most pushes."""
    return (-deal.value * slip.count, -slip.count, deal.id)

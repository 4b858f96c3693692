"""The daily review: one queue of everything that needs the seller today, taken one deal at a
time. No Textual: the board's review screen and `pipeline-tui review --json` share it.

The queue is built once, from three queries (store/review.py), as ids and kinds only, in this order: lost
deals without a reason; due revisits, oldest due first; stale deals, longest idle first, then
the largest value; open deals with no next step, largest value first. A deal appears once,
under the first kind it matches. Each deal is read when its turn comes, so a queue of tens of
thousands opens as fast as one of ten, and a deal fixed during the review does not reshuffle
the rest.

A `Session` walks the queue: what is shown, what was decided (for the summary and for undo),
what was skipped, what is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from pipeline_tui import rules
from pipeline_tui.models import Deal, Stage, StageKind
from pipeline_tui.store import Store


class Kind(StrEnum):
    """Why a deal is in the review, in the order the review takes them."""

    MISSING_REASON = "missing_reason"
    REVISIT = "revisit"
    STALE = "stale"
    NO_NEXT_STEP = "no_next_step"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.MISSING_REASON: "Lost without a reason",
    Kind.REVISIT: "Revisit due",
    Kind.STALE: "Stale",
    Kind.NO_NEXT_STEP: "No next step",
}


@dataclass(frozen=True, slots=True)
class Item:
    deal_id: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class Queue:
    """Today's review: deal ids and their kinds, in review order."""

    ids: list[int]
    kinds: list[Kind]
    today: date

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> Item:
        return Item(self.ids[index], self.kinds[index])

    def __iter__(self) -> Iterator[Item]:
        return (Item(i, k) for i, k in zip(self.ids, self.kinds, strict=True))

    def counts(self) -> dict[Kind, int]:
        found = Counter(self.kinds)
        return {kind: found[kind] for kind in Kind}


def build_queue(store: Store, today: date) -> Queue:
    """Today's queue, from three queries; each deal once, under the first kind it matches."""
    stale, no_step = store.review.open_review_ids(today)
    seen: set[int] = set()
    ids: list[int] = []
    kinds: list[Kind] = []
    for kind, found in (
        (Kind.MISSING_REASON, store.review.lost_without_reason_ids()),
        (Kind.REVISIT, store.review.due_revisit_ids(today)),
        (Kind.STALE, stale),
        (Kind.NO_NEXT_STEP, no_step),
    ):
        fresh = [i for i in found if i not in seen] if seen else found
        seen.update(fresh)
        ids += fresh
        kinds += [kind] * len(fresh)
    return Queue(ids, kinds, today)


# ------------------------------------------------------------------- one item


def needs_attention(kind: Kind, deal: Deal, stage: Stage, today: date) -> bool:
    """Whether `deal` still needs what put it in the queue (the same tests as the queries)."""
    if deal.archived:
        return False
    if kind is Kind.MISSING_REASON:
        return stage.kind is StageKind.LOST and deal.loss_reason_id is None
    if kind is Kind.REVISIT:
        return rules.revisit_status(deal, today) == "due"
    if kind is Kind.STALE:
        return rules.is_stale(deal, stage, today)
    snoozed = deal.snoozed_until is not None and deal.snoozed_until > today
    return stage.is_open and deal.next_step == "" and not snoozed


def day_label(day: date, today: date) -> str:
    """'Mar 20', with the year when it is not this year's."""
    text = f"{day:%b} {day.day}"
    return text if day.year == today.year else f"{text}, {day.year}"


def why(store: Store, kind: Kind, deal: Deal, today: date) -> str:
    """Why the deal is in today's review, as a person says it."""
    stage = store.shape.stage(deal.stage_id)
    if kind is Kind.MISSING_REASON:
        when = f" on {day_label(deal.closed_at.date(), today)}" if deal.closed_at else ""
        return f"lost{when} with no reason recorded"
    if kind is Kind.REVISIT:
        if deal.revisit_on is None:  # unreadable (a file edited outside the app)
            since = "on a date that cannot be read"
        else:
            since = "today" if deal.revisit_on >= today else f"since {day_label(deal.revisit_on, today)}"
        reason = store.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None
        text = f"revisit due {since}: lost for {rules.loss_label(reason, deal.competitor)}"
        note = " ".join(deal.loss_note.split())
        if note:
            text += f" — {short(note, 80)!r}"
        return text
    if kind is Kind.STALE:
        return rules.stale_reason(deal, stage, today) or "no longer stale"
    days = rules.days_in_stage(deal, today)
    return f"no next step · {days} day{'' if days == 1 else 's'} in {stage.name}"


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_dicts(store: Store, queue: Queue) -> list[dict[str, Any]]:
    """The queue for scripts: each item's deal id, title, company, kind and why, in order."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(queue), 500):
        ids = queue.ids[start : start + 500]
        deals = {d.id: d for d in store.deals.get_many(ids)}
        for deal_id, kind in zip(ids, queue.kinds[start : start + 500], strict=True):
            deal = deals.get(deal_id)
            if deal is None:
                continue
            out.append(
                {
                    "id": deal.id,
                    "title": deal.title,
                    "company": deal.company,
                    "kind": kind.value,
                    "why": why(store, kind, deal, queue.today),
                }
            )
    return out


# --------------------------------------------------------------------- health


@dataclass(frozen=True, slots=True)
class Health:
    """What the board's status line says about the review and the pipeline."""

    to_review: int  # deals the review would take up today
    healthy: int  # open deals with a next step due after today that are not stale
    open: int

    @property
    def percent(self) -> int | None:
        """The healthy share of open deals, rounded down (100 only when every one is)."""
        return None if not self.open else self.healthy * 100 // self.open


def health(store: Store, today: date) -> Health:
    return Health(*store.review.review_counts(today))


# -------------------------------------------------------------------- session

NOT_REACHED, SKIPPED, DONE = 0, 1, 2

# What a decision is called in the summary: (one, many).
DECISIONS = {
    "note": ("note", "notes"),
    "next_step": ("next step", "next steps"),
    "edited": ("edited", "edited"),
    "moved": ("moved", "moved"),
    "won": ("won", "won"),
    "lost": ("lost", "lost"),
    "reason": ("reason given", "reasons given"),
    "reopened": ("reopened", "reopened"),
    "closed_out": ("closed out", "closed out"),
    "snoozed": ("snoozed", "snoozed"),
    "skipped": ("skipped", "skipped"),
}


@dataclass(frozen=True, slots=True)
class Decision:
    """One step of the review, kept so that `u` can take it back."""

    index: int  # the queue item it was made on
    what: str  # a key of DECISIONS
    change_id: int | None  # the journal entry that undoes it (none for a skip)
    was: int  # the item's state before it
    detail: str = ""  # the loss reason, for "1 lost (Price / budget)"


@dataclass
class Session:
    """A walk through a queue: the item shown, each item's state, the decisions made."""

    queue: Queue
    position: int = 0
    states: bytearray = field(default_factory=bytearray)
    log: list[Decision] = field(default_factory=list)
    settled_elsewhere: set[int] = field(default_factory=set)  # fixed by someone else first

    def __post_init__(self) -> None:
        if not self.states:
            self.states = bytearray(len(self.queue))

    @property
    def total(self) -> int:
        return len(self.queue)

    @property
    def current(self) -> Item | None:
        return self.queue[self.position] if self.position < self.total else None

    @property
    def finished(self) -> bool:
        return self.position >= self.total

    @property
    def reviewed(self) -> int:
        """Items dealt with: fixed, skipped or settled elsewhere."""
        return self.total - self.states.count(NOT_REACHED)

    @property
    def left(self) -> int:
        return self.states.count(NOT_REACHED)

    def decided(self, what: str, change_id: int | None, *, resolved: bool, detail: str = "") -> None:
        """A decision on the current item; `resolved`: the deal no longer needs attention."""
        self.log.append(Decision(self.position, what, change_id, self.states[self.position], detail))
        if resolved:
            self.states[self.position] = DONE

    def skip(self) -> None:
        self.log.append(Decision(self.position, "skipped", None, self.states[self.position]))
        self.states[self.position] = SKIPPED

    def settled(self) -> None:
        """The current item was fixed elsewhere before its turn (not a decision: `u` passes
        over it)."""
        self.settled_elsewhere.add(self.position)
        self.states[self.position] = DONE

    def advance(self) -> Item | None:
        """On to the next item not yet done (after the current one); None at the end."""
        index = self.position + 1
        while index < self.total and self.states[index] == DONE:
            index += 1
        self.position = index
        return self.current

    def go_to(self, index: int) -> None:
        self.position = max(0, min(index, self.total))

    def end(self) -> None:
        self.position = self.total

    def undo(self) -> Decision | None:
        """Take back the latest decision: its item is current again, as it was before."""
        if not self.log:
            return None
        decision = self.log.pop()
        self.states[decision.index] = decision.was
        self.position = decision.index
        return decision

    def counts(self) -> Counter[str]:
        return Counter(d.what for d in self.log)

    def left_indexes(self) -> list[int]:
        """Items still to do, in queue order: skipped ones and those not reached."""
        return [i for i, state in enumerate(self.states) if state != DONE]

    def summary(self, minutes: float) -> str:
        """'Reviewed 12 of 17 in 6 min: 5 notes, …, 2 skipped; 5 left'."""
        return summary_line(
            self.total, self.reviewed, self.log, minutes, self.left, settled=len(self.settled_elsewhere)
        )


def summary_line(
    total: int, reviewed: int, log: Sequence[Decision], minutes: float, left: int, *, settled: int = 0
) -> str:
    """The end of a review in one line (see `Session.summary`)."""
    counts = Counter(d.what for d in log)
    parts = []
    for what, (one, many) in DECISIONS.items():
        n = counts[what]
        if not n:
            continue
        text = f"{n} {one if n == 1 else many}"
        details = [d.detail for d in log if d.what == what and d.detail]
        if details:
            ordered = [label for label, _ in Counter(details).most_common()]
            text += f" ({', '.join(ordered)})"
        parts.append(text)
    if settled:
        parts.append(f"{settled:,} settled elsewhere")
    took = "in under a minute" if minutes < 1 else f"in {round(minutes)} min"
    head = f"Reviewed {reviewed:,} of {total:,} {took}"
    done = ", ".join(parts) if parts else "nothing decided"
    tail = "nothing left" if not left else f"{left:,} left"
    return f"{head}: {done}; {tail}"

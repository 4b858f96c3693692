"""The daily review: today's queue of what needs the seller, one sitting long, taken one deal
at a time. No Textual: the board's review screen, `pipeline-tui review --json` and
`pipeline-tui today` share it.

The priority, in one place (`KINDS`, ranked): every deal that needs the seller is of the
first kind it matches, in this order —

1. lost without a reason, lost in the last 30 days (the newest loss first): a loss must say
   why while it is fresh (older ones, such as an import's history, wait in the palette's
   list and never bury the live deals);
2. revisit due (due longest ago first): a lost deal's second chance has come;
3. overdue next step (due longest ago first): the clearest sign of a dropped ball;
4. slipping (value times pushes, largest first): a close date pushed later `slip_limit` (2)
   times or more, untouched since the latest push (any note, step or move settles it until
   the next push);
5. stale (idle longest first): no activity past the stage's threshold, or a passed close date;
6. no next step, where it matters (the largest first): in its stage for a few days
   (`next_step_after_days`), or at once from a stage or a value the seller sets.

Within a kind, at equal footing, the larger deal first. Today's queue takes the first
`review_size` (15) of that order; the rest waits as "later", offered after the summary. Every
deal the review shows and moves past (decided, skipped, or found settled elsewhere) is marked
as seen today: a skip counts as reviewed, and opening the review again the same day goes on
where the sitting left off instead of starting over (store.review's marks). The status line
counts the same: what is left of today's sitting, and what waits as later.

A new kind of item is one entry in KINDS with its rank, its test (`needs`) and its query (an
open kind is one more SQL test in store.review.OPEN_KINDS), as slipping close dates were.

The queue is built once, as ids and kinds only; each deal is read when its turn comes, so a
queue opens as fast over a hundred thousand deals as over ten, and a deal fixed during the
review does not reshuffle the rest. A `Session` walks it: what is shown, what was decided
(for the summary and for undo), what was skipped, what is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pipeline_tui import rules
from pipeline_tui.config import Settings
from pipeline_tui.dates import humanize_days
from pipeline_tui.errors import NotFoundError
from pipeline_tui.models import Deal, Stage, StageKind
from pipeline_tui.rules import NextStepRule
from pipeline_tui.slips import DEFAULT_SLIP_LIMIT, NO_SLIP, Slip, needs_review, push_lines, slip_text
from pipeline_tui.store import Store


class Kind(StrEnum):
    """Why a deal is in the review (KINDS says in which order the review takes them)."""

    MISSING_REASON = "missing_reason"
    REVISIT = "revisit"
    OVERDUE_STEP = "overdue_step"
    SLIPPING = "slipping"
    STALE = "stale"
    NO_NEXT_STEP = "no_next_step"

    @property
    def spec(self) -> KindSpec:
        return SPECS[self]

    @property
    def label(self) -> str:
        return SPECS[self].label


@dataclass(frozen=True)
class Check:
    """What a kind's test reads beside the deal, its stage and the day: the seller's rule for
    next steps, and the deal's pushed close dates with the slip limit."""

    rule: NextStepRule = field(default_factory=NextStepRule)
    slip: Slip = NO_SLIP
    slip_limit: int = DEFAULT_SLIP_LIMIT


Needs = Callable[[Deal, Stage, date, Check], bool]
Opened = dict[str, list[int]]  # the open kinds' ids from store.review.open_review_ids
# A kind's ids in its order: (store, today, the open kinds' ids when asked for, at most how many)
Query = Callable[[Store, date, Callable[[], Opened], "int | None"], list[int]]


@dataclass(frozen=True)
class KindSpec:
    """One kind of review item: its rank (lower first), how it is named and marked, what
    still settles it, whether a deal still needs it, and where its ids come from."""

    kind: Kind
    rank: int
    label: str  # "Lost without a reason"
    short: str  # the summary's list: "no reason"
    mark: str  # "?"
    tone: str  # the screen's colour: error, accent, warning, primary
    settles: str  # said when a decision left the deal in the review
    needs: Needs
    query: Query


def _missing(deal: Deal, stage: Stage, today: date, check: Check) -> bool:
    recent = today - timedelta(days=rules.RECENT_LOSS_DAYS)
    return (
        stage.kind is StageKind.LOST and deal.loss_reason_id is None and not deal.archived
        and deal.closed_at is not None and deal.closed_at.date() >= recent
    )  # fmt: skip


def _revisit(deal: Deal, stage: Stage, today: date, check: Check) -> bool:
    return rules.revisit_status(deal, today) == "due"


def _due_revisits(store: Store, today: date, opened: Callable[[], Opened], limit: int | None) -> list[int]:
    return store.review.due_revisit_ids(today, unmarked=True, limit=limit)


def _overdue(deal: Deal, stage: Stage, today: date, check: Check) -> bool:
    return rules.step_overdue_days(deal, stage, today) is not None


def _slipping(deal: Deal, stage: Stage, today: date, check: Check) -> bool:
    return needs_review(deal, stage, check.slip, today, check.slip_limit)


def _stale(deal: Deal, stage: Stage, today: date, check: Check) -> bool:
    return rules.is_stale(deal, stage, today)


def _no_step(deal: Deal, stage: Stage, today: date, check: Check) -> bool:
    return rules.needs_next_step(deal, stage, today, check.rule)


KINDS: tuple[KindSpec, ...] = tuple(
    sorted(
        (
            KindSpec(
                Kind.MISSING_REASON, 10, "Lost without a reason", "no reason", "?", "error",
                "no loss reason yet: l fills it in · space skips",
                _missing, lambda store, today, opened, limit: store.review.missing_reason_ids(
                    today, limit, within_days=rules.RECENT_LOSS_DAYS
                ),
            ),
            KindSpec(
                Kind.REVISIT, 20, "Revisit due", "revisit", "↻", "accent",
                "the revisit is still due: o reopens · z snoozes · c closes out · space skips",
                _revisit, _due_revisits,
            ),
            KindSpec(
                Kind.OVERDUE_STEP, 30, "Next step overdue", "overdue", "!", "warning",
                "the next step is still overdue: t gives it a new date · z snooze · space skips",
                _overdue, lambda store, today, opened, limit: opened()["overdue_step"],
            ),
            KindSpec(
                Kind.SLIPPING, 35, "Slipping", "slipping", "»", "warning",
                "still slipping: a note, a next step or a move settles it · z snooze · space skips",
                _slipping, lambda store, today, opened, limit: opened()["slipping"],
            ),
            KindSpec(
                Kind.STALE, 40, "Stale", "stale", "⚠", "warning",
                "still stale: t next step · z snooze · > next stage · space skips",
                _stale, lambda store, today, opened, limit: opened()["stale"],
            ),
            KindSpec(
                Kind.NO_NEXT_STEP, 50, "No next step", "no step", "○", "primary",
                "still no next step: t sets one · space skips",
                _no_step, lambda store, today, opened, limit: opened()["no_next_step"],
            ),
        ),
        key=lambda spec: spec.rank,
    )
)  # fmt: skip
SPECS = {spec.kind: spec for spec in KINDS}
OPEN_KINDS = ("overdue_step", "slipping", "stale", "no_next_step")  # asked of store.review in one pass


@dataclass(frozen=True)
class Policy:
    """The seller's settings for the review: how long a sitting is, when a missing next step
    matters, and how many pushes of a close date make a deal slipping."""

    size: int = 15
    rule: NextStepRule = field(default_factory=NextStepRule)
    slip_limit: int = DEFAULT_SLIP_LIMIT


def policy(store: Store, settings: Settings) -> Policy:
    """The review's policy from the preferences (a stage named there that no longer exists
    counts as none)."""
    position = None
    if settings.next_step_from_stage:
        try:
            position = store.shape.find_stage(settings.next_step_from_stage).position
        except NotFoundError:
            position = None
    rule = NextStepRule(
        after_days=settings.next_step_after_days,
        from_position=position,
        from_value=settings.next_step_from_value,
        currency=settings.currency,
        rates=settings.exchange_rates,
    )
    return Policy(settings.review_size, rule, settings.slip_limit)


@dataclass(frozen=True, slots=True)
class Item:
    deal_id: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class Queue:
    """Today's review: deal ids and their kinds, in review order; how many wait as later
    (and which, when asked for: `build_queue(..., every=True)`)."""

    ids: list[int]
    kinds: list[Kind]
    today: date
    later: int = 0
    seen: int = 0  # deals today's review had seen before this queue was read
    later_ids: list[int] = field(default_factory=list)
    later_kinds: list[Kind] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> Item:
        return Item(self.ids[index], self.kinds[index])

    def __iter__(self) -> Iterator[Item]:
        return (Item(i, k) for i, k in zip(self.ids, self.kinds, strict=True))

    def counts(self) -> dict[Kind, int]:
        found = Counter(self.kinds)
        return {spec.kind: found[spec.kind] for spec in KINDS}


def ranked(
    store: Store, today: date, rules_: Policy, limit: int | None = None
) -> tuple[list[int], list[Kind]]:
    """The deals that need the review and that today's review has not seen yet, in the
    review's order, each once under the first kind it matches: the first `limit` of them
    (every one when None). Each kind's query is asked for no more than is still wanted, and
    the open deals are read only when the kinds before them leave room."""
    taken: set[int] = set()
    ids: list[int] = []
    kinds: list[Kind] = []
    opened: Opened | None = None

    def open_ids() -> Opened:
        nonlocal opened
        if opened is None:  # once, for every open kind: one pass over the open deals
            wanted = None if limit is None else limit - len(ids)
            opened = store.review.open_review_ids(
                today, rules_.rule, OPEN_KINDS, unmarked=True, limit=wanted, slip_limit=rules_.slip_limit
            )
        return opened

    for spec in KINDS:
        if limit is not None and len(ids) >= limit:
            break
        # A deal met under an earlier kind is left out here: ask for that many more.
        wanted = None if limit is None else limit - len(ids) + len(taken)
        found = spec.query(store, today, open_ids, wanted)
        fresh = [i for i in found if i not in taken] if taken else found
        taken.update(fresh)
        ids += fresh
        kinds += [spec.kind] * len(fresh)
    if limit is not None:
        return ids[:limit], kinds[:limit]
    return ids, kinds


def build_queue(
    store: Store, today: date, rules_: Policy | None = None, *, more: bool = False, every: bool = False
) -> Queue:
    """Today's queue: the first of the ranked deals, as many as are left of today's sitting
    (`review_size` less the deals seen today); how many more wait as later (counted as the
    status line counts them), and, with `every`, which. `more`: the next sitting, from the
    later ones (what the summary offers "when you have time")."""
    rules_ = rules_ or Policy()
    seen = store.review.seen_count(today)
    room = rules_.size if more else max(0, rules_.size - seen)
    if every:
        ids, kinds = ranked(store, today, rules_)
        return Queue(ids[:room], kinds[:room], today, len(ids) - room if len(ids) > room else 0, seen,
                     ids[room:], kinds[room:])  # fmt: skip
    ids, kinds = ranked(store, today, rules_, room) if room else ([], [])
    needing = store.review.review_counts(today, rules_.rule, rules_.slip_limit)[0]
    return Queue(ids, kinds, today, max(0, needing - len(ids)), seen)


# -------------------------------------------------------------------- one item


def needs_attention(kind: Kind, deal: Deal, stage: Stage, today: date, check: Check | None = None) -> bool:
    """Whether `deal` still needs what put it in the queue (the same tests as the queries;
    for a slipping deal, `check` carries its pushes)."""
    if deal.archived:
        return False
    return SPECS[kind].needs(deal, stage, today, check or Check())


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
        if reason is None and not deal.competitor:  # an old import's loss, its reason never given
            when = f" on {day_label(deal.closed_at.date(), today)}" if deal.closed_at else ""
            text = f"revisit due {since}: lost{when}, no reason recorded"
        else:
            text = f"revisit due {since}: lost for {rules.loss_label(reason, deal.competitor)}"
        note = " ".join(deal.loss_note.split())
        if note:
            text += f" — {short(note, 80)!r}"
        return text
    if kind is Kind.OVERDUE_STEP:
        late = rules.step_overdue_days(deal, stage, today)
        if late is None or deal.next_step_due is None:
            return "the next step is no longer overdue"
        step = short(" ".join(deal.next_step.split()), 60)
        return (
            f"next step {humanize_days(late)} overdue (due {day_label(deal.next_step_due, today)}): {step!r}"
        )
    if kind is Kind.SLIPPING:
        slip = store.history.slip(deal.id)
        if not slip.count:
            return "no longer slipping"
        now = f", now {day_label(deal.expected_close, today)}" if deal.expected_close else ""
        return f"close date {slip_text(slip, today)}{now} · pushed " + "; ".join(push_lines(slip, today))
    if kind is Kind.STALE:
        return rules.stale_reason(deal, stage, today) or "no longer stale"
    days = rules.days_in_stage(deal, today)
    return f"no next step · {days} day{'' if days == 1 else 's'} in {stage.name}"


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_dicts(store: Store, ids: Sequence[int], kinds: Sequence[Kind], today: date) -> list[dict[str, Any]]:
    """Items for scripts: each deal's id, title, company, kind and why, in order."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        deals = {d.id: d for d in store.deals.get_many(chunk)}
        for deal_id, kind in zip(chunk, kinds[start : start + 500], strict=True):
            deal = deals.get(deal_id)
            if deal is None:
                continue
            out.append(
                {
                    "id": deal.id,
                    "title": deal.title,
                    "company": deal.company,
                    "kind": kind.value,
                    "why": why(store, kind, deal, today),
                }
            )
    return out


# --------------------------------------------------------------------- health


@dataclass(frozen=True, slots=True)
class Health:
    """What the board's status line says about the review and the pipeline."""

    to_review: int  # what is left of today's sitting
    healthy: int  # open deals with a next step due after today that are not stale
    open: int
    later: int = 0  # what needs the seller beyond today's sitting

    @property
    def percent(self) -> int | None:
        """The healthy share of open deals, rounded down (100 only when every one is)."""
        return None if not self.open else self.healthy * 100 // self.open


def health(store: Store, today: date, rules_: Policy | None = None) -> Health:
    """The status line's figures, counted as build_queue counts them."""
    rules_ = rules_ or Policy()
    needs, healthy, opened, seen = store.review.review_counts(today, rules_.rule, rules_.slip_limit)
    to_do = min(needs, max(0, rules_.size - seen))
    return Health(to_do, healthy, opened, needs - to_do)


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
    """The end of a review in one line (see `Session.summary`). Skipped counts the deals
    whose last word was a skip: one skipped twice (the review went on from it again) is one,
    and one skipped, then decided, is not skipped."""
    last = {d.index: d.what for d in log}
    counts = Counter(d.what for d in log if d.what != "skipped")
    counts["skipped"] = sum(1 for what in last.values() if what == "skipped")
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

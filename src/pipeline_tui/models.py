"""The pipeline's vocabulary: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class RevisitState(StrEnum):
    PENDING = "pending"
    CLOSED = "closed"


class Outcome(StrEnum):
    """What a loss reason says about the buyer: they decided against us, or never decided."""

    LOST = "lost"
    NO_DECISION = "no_decision"

    @property
    def label(self) -> str:
        return "no decision" if self is Outcome.NO_DECISION else "lost"


class EventKind(StrEnum):
    CREATED = "created"
    NOTE = "note"
    MOVED = "moved"
    WON = "won"
    LOST = "lost"
    REOPENED = "reopened"
    EDITED = "edited"
    NEXT_STEP = "next_step"
    REVISIT_SNOOZED = "revisit_snoozed"
    REVISIT_CLOSED = "revisit_closed"
    UNDONE = "undone"
    IMPORTED = "imported"
    SNOOZED = "snoozed"
    ARCHIVED = "archived"
    UNARCHIVED = "unarchived"
    UPDATED = "updated"  # a re-import brought the CRM's changes


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    name: str
    position: int
    kind: StageKind
    stale_days: int | None = None
    archived: bool = False
    probability: int | None = None  # percent chance an open deal here is won (forecast)

    @property
    def is_open(self) -> bool:
        return self.kind is StageKind.OPEN

    @property
    def is_endpoint(self) -> bool:
        return self.kind is not StageKind.OPEN


@dataclass(frozen=True, slots=True)
class LossReason:
    id: int
    label: str
    position: int
    needs_competitor: bool = False
    needs_note: bool = False
    archived: bool = False
    outcome: Outcome = Outcome.LOST


@dataclass(frozen=True, slots=True)
class WonReason:
    """Why a deal was won: a user-editable list, like the loss reasons (no outcome kinds)."""

    id: int
    label: str
    position: int
    needs_competitor: bool = False  # "Beat a competitor" asks which
    archived: bool = False


@dataclass(frozen=True, slots=True)
class Deal:
    id: int
    title: str
    stage_id: int
    created_at: datetime
    stage_entered_at: datetime
    last_activity_at: datetime
    company: str = ""
    contact: str = ""
    value: int = 0  # minor units (cents)
    currency: str = "USD"
    expected_close: date | None = None
    next_step: str = ""
    next_step_due: date | None = None
    closed_at: datetime | None = None
    loss_reason_id: int | None = None
    competitor: str = ""
    lost_at_stage_id: int | None = None
    loss_note: str = ""
    revisit_on: date | None = None
    revisit_state: RevisitState | None = None
    source: str | None = None
    source_id: str | None = None
    rev: int = 0  # bumped by every change: a form saved over a newer deal is a conflict
    archived_at: datetime | None = None
    snoozed_until: date | None = None  # not flagged stale before this day
    won_reason_id: int | None = None  # why it was won (optional); `competitor`: who we beat
    won_note: str = ""

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    deal_id: int
    at: datetime
    kind: EventKind
    text: str = ""
    from_stage_id: int | None = None
    to_stage_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LossInput:
    """What the Closed Lost prompt collects."""

    reason_id: int
    competitor: str = ""
    note: str = ""
    revisit_on: date | None = None


@dataclass(frozen=True, slots=True)
class WinInput:
    """What the Closed Won prompt collects, all optional: a won deal never needs a reason."""

    reason_id: int | None = None
    competitor: str = ""  # who we beat, when the reason asks
    note: str = ""


@dataclass(frozen=True, slots=True)
class DealDraft:
    """What the deal form (or `add`/`edit` on the command line) collects."""

    title: str
    company: str = ""
    contact: str = ""
    value: int = 0
    currency: str | None = None  # None: the pipeline's default
    expected_close: date | None = None
    next_step: str = ""
    next_step_due: date | None = None


@dataclass(frozen=True, slots=True)
class StaleDeal:
    deal: Deal
    stage: Stage
    reason: str
    idle_days: int


@dataclass(frozen=True, slots=True)
class StageSummary:
    stage: Stage
    count: int
    totals: tuple[tuple[str, int], ...] = ()  # (currency, minor units), largest first: never added up
    tallies: tuple[tuple[str, int], ...] = ()  # (currency, deals): what each total is made of


class ChangeKind(StrEnum):
    """What a journal entry records; each operation registers how to undo its kind."""

    DEAL = "deal"  # deals' fields changed (a move, a loss, an edit, a snooze…)
    NOTE = "note"  # notes added to deals
    ADD = "add"  # a deal added
    STAGE_ADD = "stage_add"
    REASON_ADD = "reason_add"
    WON_REASON_ADD = "won_reason_add"
    STAGE = "stage"  # a stage renamed, re-thresholded, archived…
    REASON = "reason"
    WON_REASON = "won_reason"
    ORDER = "order"  # stages, loss reasons or won reasons reordered
    PREFERENCE = "preference"
    IMPORT = "import"
    UNKNOWN = "unknown"  # written by something else: shown, never undone

    @classmethod
    def read(cls, value: str) -> ChangeKind:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class Scope(StrEnum):
    """Which `u` undoes a change: the board's (deals) or the Settings screen's."""

    PIPELINE = "pipeline"
    SETTINGS = "settings"


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the change journal: what an operation did, and how to take it back."""

    id: int
    at: datetime
    origin: str  # who made it: "cli", or one board session
    scope: str  # a Scope's value
    kind: ChangeKind
    label: str
    deal_id: int | None
    payload: dict[str, Any]
    undone_at: datetime | None = None


DEFAULT_STAGES: tuple[tuple[str, StageKind, int | None], ...] = (
    ("Lead", StageKind.OPEN, 14),
    ("Qualified", StageKind.OPEN, 14),
    ("Proposal", StageKind.OPEN, 10),
    ("Negotiation", StageKind.OPEN, 7),
    ("Closed Won", StageKind.WON, None),
    ("Closed Lost", StageKind.LOST, None),
)

# Percent chance that an open deal in a default stage is won, for the weighted forecast.
DEFAULT_PROBABILITIES = {"Lead": 10, "Qualified": 25, "Proposal": 50, "Negotiation": 75}
NO_DECISION_REASON = "No decision / went dark"

# (label, needs_competitor, needs_note)
DEFAULT_LOSS_REASONS: tuple[tuple[str, bool, bool], ...] = (
    ("Price / budget", False, False),
    ("Timing / no urgency", False, False),
    ("Product fit / missing feature", False, False),
    ("Lost to competitor", True, False),
    ("No decision / went dark", False, False),
    ("Champion or buyer left", False, False),
    ("Chose to build in-house", False, False),
    ("Unqualified / bad fit", False, False),
    ("Other", False, True),
)


# (label, needs_competitor)
DEFAULT_WON_REASONS: tuple[tuple[str, bool], ...] = (
    ("Product fit", False),
    ("Price / value", False),
    ("Relationship / champion", False),
    ("Timing", False),
    ("Beat a competitor", True),
)


# ------------------------------------------------------------------ imports
# What an import hands the store: typed rows, checked by the store with the same limits as
# every other path. Times may carry their UTC offset (kept as written).


@dataclass(frozen=True, slots=True)
class ImportEvent:
    """One timeline entry carried by an import (our own export's timeline, a CRM update)."""

    at: datetime
    kind: EventKind
    text: str = ""
    from_stage_id: int | None = None
    to_stage_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A deal an import creates. With `timeline` the deal's history comes with it (our own
    export); without, the store writes one 'imported' event and the `notes`."""

    title: str
    stage_id: int
    created_at: datetime
    stage_entered_at: datetime
    last_activity_at: datetime
    company: str = ""
    contact: str = ""
    value: int = 0
    currency: str | None = None  # None: the pipeline's default
    expected_close: date | None = None
    next_step: str = ""
    next_step_due: date | None = None
    closed_at: datetime | None = None
    loss_reason_id: int | None = None
    competitor: str = ""
    lost_at_stage_id: int | None = None
    loss_note: str = ""
    revisit_on: date | None = None
    revisit_state: RevisitState | None = None
    source: str | None = None
    source_id: str | None = None
    archived_at: datetime | None = None
    snoozed_until: date | None = None
    crm_baseline: dict[str, Any] | None = None  # the CRM's values as imported
    won_reason_id: int | None = None  # a won deal's reason (a PendingReason key when < 0)
    won_note: str = ""
    id: int | None = None  # our own export keeps its deal ids
    notes: tuple[tuple[datetime, str], ...] = ()
    timeline: tuple[ImportEvent, ...] | None = None


@dataclass(frozen=True, slots=True)
class ImportUpdate:
    """What a re-import changes on a deal it created before: `fields` (SQLite values), the
    CRM's new baseline, and the timeline entries that record it. `rev` is the deal's rev
    when the import was planned: a deal changed since is not overwritten."""

    deal_id: int
    rev: int
    fields: dict[str, Any]
    baseline: dict[str, Any]
    events: tuple[ImportEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingStage:
    """A stage our own export names that this pipeline lacks: made by the import. Rows
    refer to it by `key` (a negative number) until it has an id."""

    key: int
    name: str
    kind: StageKind
    archived: bool = False


@dataclass(frozen=True, slots=True)
class PendingReason:
    """A reason the import makes: a loss reason, or with `won` a won reason (rows refer to
    it by `key`, a negative number, in `loss_reason_id` or `won_reason_id`)."""

    key: int
    label: str
    needs_competitor: bool = False
    needs_note: bool = False
    won: bool = False

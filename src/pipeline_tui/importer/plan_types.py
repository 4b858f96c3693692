"""What an import plan is: the plan itself (`ImportPlan`, shown by --dry-run and carried out by
`operations.import_plan`), the options it was made with, and the question that stops it when
stage values must be placed first (`UnknownStages`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline_tui.errors import Question
from pipeline_tui.importer.columns import Column
from pipeline_tui.importer.reasons import COMPETITOR_WORDS
from pipeline_tui.importer.update import Conflict
from pipeline_tui.models import ImportRow, ImportUpdate, PendingReason, PendingStage, StageKind
from pipeline_tui.store.prepared import PreparedDeals


class UnknownStages(Question):
    """Stage values nothing places: the import stops and asks (the message lists each value
    with its row count and a ready --map line; the board asks with a stage picker)."""

    def __init__(
        self,
        message: str,
        values: list[tuple[str, int]],
        source: str,
        *,
        suggestions: dict[str, str] | None = None,
        said_open: dict[str, str] | None = None,
        open_unknown: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.values = values  # (value as written, rows)
        self.source = source
        self.suggestions = suggestions or {}  # value -> the target the --map line offers
        self.said_open = said_open or {}  # a closed stage's name on open deals -> what says so
        self.open_unknown = open_unknown or {}  # a value nothing places, on deals said open -> what says so


@dataclass
class ImportPlan:
    """What an import would do: shown by --dry-run, carried out by operations.import_plan."""

    format: str
    label: str
    source: str
    currency: str
    total_rows: int = 0
    footer: tuple[str, ...] = ()
    columns: list[Column] = field(default_factory=list)
    rows: list[ImportRow] | PreparedDeals = field(default_factory=list)  # new deals
    updates: list[ImportUpdate] = field(default_factory=list)
    changes: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)  # (deal id, title, changes)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0
    duplicates: int = 0  # rows seen twice in the file
    skipped_existing: int = 0  # our own export: deals already here
    skipped_deleted: int = 0
    stage_map: dict[str, str] = field(default_factory=dict)  # source stage -> board stage
    stage_rule: dict[str, str] = field(default_factory=dict)  # source stage -> why
    notices: list[str] = field(default_factory=list)
    competitors_found: int = 0
    competitors_missing: int = 0  # lost to a competitor, none named
    pending_stages: list[PendingStage] = field(default_factory=list)
    pending_reasons: list[PendingReason] = field(default_factory=list)
    stage_names: dict[int, str] = field(default_factory=dict)
    stage_kinds: dict[int, StageKind] = field(default_factory=dict)
    competitor_words: tuple[str, ...] = COMPETITOR_WORDS
    remember: dict[str, int] = field(default_factory=dict)  # --map answers kept for this source
    missing: list[tuple[int, str]] = field(default_factory=list)  # deals of the source the file lacks
    missing_action: str = "keep"
    archived_missing: int = 0  # of `updates`: deals archived for being no longer in the file
    undated_closed: int = 0  # closed deals the file gives no date for
    closed_on_expected: int = 0  # closed deals dated by their expected close date (no other date)
    closed_later: int = 0  # closed deals the file dates after today: closed today instead
    closed_later_first: tuple[int, str] | None = None  # (row, the date) of the first of them
    first_seen: Counter[str] = field(default_factory=Counter)  # fields an export brought for the first time
    # What the dry run states because a seller might disagree with it:
    unread: list[str] = field(default_factory=list)  # the file's headers no field is read from
    unread_at: list[tuple[int, str]] = field(default_factory=list)  # (position from 1, header)
    unread_dated: list[str] = field(default_factory=list)  # unread columns whose cells read as dates
    without_amount: int = 0  # new deals whose amount cell is empty or 0
    assumed_currency: int = 0  # new deals whose amount no column, header or symbol gives a currency
    loss_texts: Counter[str] = field(default_factory=Counter)  # a lost row's reason text -> rows
    loss_matched: dict[str, str] = field(default_factory=dict)  # reason text -> the reason it became
    created_today: int = 0  # open new deals the file gives no created date: created today
    created_at_close: int = 0  # closed new deals the file gives no created date: created when closed
    created_clamped: int = 0  # created dates moved back to the close date they came after
    conflict_rows: int = 0  # rows of deals imported before with conflicts and nothing else to write
    attached: list[tuple[int, str, str]] = field(default_factory=list)  # (deal, title, record id) given now

    def counts(self) -> dict[str, int]:
        """New deals per board stage, in board order."""
        found: Counter[str] = Counter()
        for stage_id, (count, _, _) in self._per_stage().items():
            found[self.stage_names.get(stage_id, "?")] += count
        order = [name for name in self.stage_names.values() if name in found]
        return {name: found[name] for name in [*order, *(n for n in found if n not in order)]}

    @property
    def missing_reasons(self) -> int:
        return sum(
            without
            for stage_id, (_, without, _) in self._per_stage().items()
            if self.stage_kinds.get(stage_id) is StageKind.LOST
        )

    @property
    def updated(self) -> int:
        """Deals the file's rows change (not those archived for being no longer in it)."""
        return sum(1 for u in self.updates if u.fields) - self.archived_missing

    def totals(self) -> dict[str, int]:
        """The new deals' value per currency (never added across currencies)."""
        out: dict[str, int] = {}
        for _, _, values in self._per_stage().values():
            for code, value in values.items():
                out[code] = out.get(code, 0) + value
        return out

    def stage_totals(self) -> dict[str, dict[str, int]]:
        """Per board stage, the new deals' value per currency."""
        out: dict[str, dict[str, int]] = {}
        for stage_id, (_, _, values) in self._per_stage().items():
            per = out.setdefault(self.stage_names.get(stage_id, "?"), {})
            for code, value in values.items():
                per[code] = per.get(code, 0) + value
        return out

    def new_stage_ids(self) -> frozenset[int]:
        """The stages the new deals go in."""
        return frozenset(self._per_stage())

    def _per_stage(self) -> dict[int, tuple[int, int, dict[str, int]]]:
        """Per stage of the new deals: how many, how many without a loss reason, and their
        value per currency (kept as they were planned, for a file of any size)."""
        if isinstance(self.rows, PreparedDeals):
            return {
                stage: (n, without, values)
                for stage, (n, without, values) in self.rows.per_stage.items()
                if n
            }
        out: dict[int, tuple[int, int, dict[str, int]]] = {}
        for r in self.rows:
            count, without, values = out.get(r.stage_id, (0, 0, {}))
            code = r.currency or self.currency
            values[code] = values.get(code, 0) + r.value
            out[r.stage_id] = (count + 1, without + (not r.loss_reason_id), values)
        return out


@dataclass(frozen=True)
class Options:
    fmt: str = "auto"
    stage_overrides: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    day_first: bool | None = None  # --day-first / --month-first
    day_first_setting: bool = False
    prefer_file: bool = False
    encoding: str | None = None
    skip: int | None = None
    missing: str = "keep"
    new_stages: bool = False  # more than a handful of stages may be made
    recurring: bool = False  # a recurring amount (per month / year) is taken as it is
    source: str | None = None  # whose records a --column file holds (a CRM's name)
    decimal_comma: bool | None = None  # --decimal-comma / --decimal-point: how "1,250" reads

"""What planning a CRM's rows carries along: the `Context` of one pass over the file (the
store, the format, the options, the board's stages and reasons), a row as it is `Read`
(outcome, board stage, record id), and where rows of one stage value are `Placed`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pipeline_tui.importer.baseline import Baseline
from pipeline_tui.importer.columns import Columns
from pipeline_tui.importer.formats import Format
from pipeline_tui.importer.outcome import Outcome
from pipeline_tui.importer.plan_types import Options
from pipeline_tui.importer.reasons import Loss
from pipeline_tui.importer.source import SourceRow
from pipeline_tui.importer.stages import StageMap
from pipeline_tui.models import LossReason, Stage, StageKind, WonReason
from pipeline_tui.store import Store


@dataclass
class Context:
    store: Store
    form: Format
    options: Options
    stages: StageMap
    by_id: dict[int, Stage]
    reasons: list[LossReason]
    now: datetime
    label: str
    columns: Columns
    headers: dict[str, str]
    fields: frozenset[str] = frozenset()  # the fields the file has
    loss_cache: dict[tuple[str, str, str], Loss] = field(default_factory=dict)
    won_reasons: list[WonReason] = field(default_factory=list)  # a win a move out of Won keeps
    shown: dict[str, tuple[str, str]] = field(default_factory=dict)  # source stage -> (board stage, why)
    kinds: dict[int, StageKind] = field(default_factory=dict)
    baseline: Baseline = field(init=False)

    def __post_init__(self) -> None:
        self.baseline = Baseline(self.fields)

    def kind(self, stage_id: int) -> StageKind:
        """The kind of a board stage (or of one the import makes: open)."""
        kind = self.kinds.get(stage_id)
        if kind is None:
            kind = self.kinds[stage_id] = self.stages.kind(stage_id)
        return kind


@dataclass(slots=True)
class Read:
    """A row read, its outcome and its board stage."""

    row: SourceRow
    outcome: Outcome
    stage: Stage | None = None
    stage_id: int = 0
    label: str = ""
    lost_at: int | None = None
    sid: str = ""
    seq: int = 0  # its place among the rows read (its line)
    slot: int = -1  # the place held for it among the new deals (decided at the end)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where rows of one stage value and outcome go (the same for every such row), and the
    counts each such row adds (values to ask about)."""

    stage: Stage | None
    stage_id: int  # 0: not placed (asked about)
    lost_at: int | None
    remember: tuple[tuple[str, Counter[str]], ...] = ()

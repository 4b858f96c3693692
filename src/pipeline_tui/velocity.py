"""How the pipeline moves: per open stage, how many deals entered it in a period, how many
made it to a later stage, and how long those that left it stayed; the sales cycle of each
outcome; the win rate by the stage deals started in. The figures; the store computes them
with SQL aggregates over the timeline (store/reports.py).

The timeline is read as the seller meant it: a change taken back with `u` never happened
(the move and its undo both leave the path). A deal counts once per stage and period (its
first entry in the period), and it "moved on" when it left the stage (then, or on a later
stay in the period) for a later open stage or a won one; a loss is no moving on. Days in a
stage are those of its first stay, for the deals that left it: a deal still there counts
on its card (its days in stage), not here."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline_tui.models import Stage


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class StageFlow:
    """One open stage in a period."""

    stage: Stage
    entered: int = 0  # deals that entered it in the period
    moved_on: int = 0  # of those, deals that left it for a later open stage or a won one
    left: int = 0  # of those, deals that have left it (forward, back, or lost)
    avg_days: float | None = None  # days in the stage, of those that left it
    median_days: float | None = None

    @property
    def conversion(self) -> float | None:
        """Moved on ÷ entered."""
        return ratio(self.moved_on, self.entered)


@dataclass(frozen=True)
class Cycle:
    """Days from creation to close, of the deals of one outcome closed in the period."""

    count: int = 0
    avg_days: float | None = None
    median_days: float | None = None


@dataclass(frozen=True)
class OriginRate:
    """The deals closed in the period that started in one stage, by outcome."""

    stage: Stage
    won: int = 0
    lost: int = 0
    no_decision: int = 0

    @property
    def closed(self) -> int:
        return self.won + self.lost + self.no_decision

    @property
    def win_rate(self) -> float | None:
        """Won ÷ closed."""
        return ratio(self.won, self.closed)

    @property
    def decided_win_rate(self) -> float | None:
        """Won ÷ (won + lost)."""
        return ratio(self.won, self.won + self.lost)


@dataclass(frozen=True)
class Velocity:
    stages: list[StageFlow]
    cycle: dict[str, Cycle] = field(default_factory=dict)  # won, lost, no_decision
    by_origin: list[OriginRate] = field(default_factory=list)

    @property
    def entered(self) -> int:
        return sum(s.entered for s in self.stages)


def median_of(values: list[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2

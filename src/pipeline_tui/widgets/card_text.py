"""What a card and a column header say, as text: pure, so the board draws it and tests read it
without a screen. The board view (board_view.py) draws these lines in the card's colours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeline_tui import rules
from pipeline_tui.display import safe
from pipeline_tui.models import Deal, LossReason, Outcome, Stage, StageKind, StageSummary
from pipeline_tui.money import Rates, format_money, format_totals
from pipeline_tui.slips import DEFAULT_SLIP_LIMIT, NO_SLIP, Slip, is_slipping, slip_text


@dataclass
class CardContext:
    """What a card needs to draw itself, shared by all columns."""

    today: date
    currency: str
    rates: Rates | None = None
    stages: dict[int, Stage] = field(default_factory=dict)
    reasons: dict[int, LossReason] = field(default_factory=dict)
    slips: dict[int, Slip] = field(default_factory=dict)  # pushed close dates of the deals loaded
    slip_limit: int = DEFAULT_SLIP_LIMIT

    def slip(self, deal: Deal, stage: Stage) -> Slip | None:
        """The deal's pushes when it is slipping, else None."""
        slip = self.slips.get(deal.id, NO_SLIP)
        return slip if is_slipping(deal, stage, slip, self.slip_limit) else None


def card_text(deal: Deal, stage: Stage, ctx: CardContext) -> list[tuple[str, str]]:
    """The card's four lines as (text, component class) pairs; pure, for testing too."""
    stale = rules.stale_reason(deal, stage, ctx.today)
    days = rules.days_in_stage(deal, ctx.today)
    value = format_money(deal.value, deal.currency, compact=True)
    meta = f"{value} · {days}d"
    slip = ctx.slip(deal, stage)
    if slip is not None:
        meta += f" · ↻{slip.count}×"
    if stage.kind is StageKind.LOST:
        reason = ctx.reasons.get(deal.loss_reason_id or -1)
        label = rules.loss_label(reason, deal.competitor)
        if rules.outcome_of(reason) is Outcome.NO_DECISION:
            fourth = (f"∅ {label}", "card--nodecision")
        else:
            fourth = (f"✗ {label}", "card--lost")
    elif stage.kind is StageKind.WON:
        fourth = ("✓ won", "card--won")
    elif (late := rules.step_overdue_days(deal, stage, ctx.today)) is not None:
        fourth = (f"! overdue {late}d: {deal.next_step}", "card--warning")  # the clearest dropped ball
    elif stale:
        fourth = (f"⚠ {stale}", "card--warning")
    elif slip is not None:
        fourth = (f"↻ {slip_text(slip, ctx.today)}", "card--warning")
    elif deal.next_step:
        due = f" ({deal.next_step_due:%b %-d})" if deal.next_step_due else ""
        fourth = (f"→ {deal.next_step}{due}", "card--meta")
    else:
        fourth = ("", "card--meta")
    return [
        (safe(deal.title), "card--title"),
        (safe(deal.company) or "—", "card--meta"),
        (meta + (" ⚠" if stale else ""), ""),  # the view's own colour
        (safe(fourth[0]), fourth[1]),
    ]


def header_text(stage: Stage, summary: StageSummary | None, ctx: CardContext, closed_days: int) -> str:
    """The column's two header lines: 'Proposal' and '24 · $644k' (never one total across
    currencies: '$12k + €30k', or converted and said so); Won and Lost add the window of
    closures they show, 'last 30d'."""
    if summary is None:
        return safe(stage.name) + "\n"
    total = format_totals(dict(summary.totals), base=ctx.currency, compact=True, rates=ctx.rates)
    detail = f"{summary.count:,} · {total}"
    if stage.is_endpoint:
        detail += f" · last {closed_days}d"  # the window an endpoint column shows
    return safe(stage.name) + "\n" + detail

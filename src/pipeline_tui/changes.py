"""What changed in the pipeline since a day: new deals, deals moved forward or back, won,
lost, reopened, worth more or less, their close dates pushed or pulled in. Pure: the store
hands the timeline's steps since that day and the deals as they are now.

Each deal is compared as it was when the window opened with how it is now (the net change:
a deal moved on and back again is no change, a close date pushed twice is one line from
the first date to the last). A change taken back with `u` never happened: the store leaves
out what was undone. A new deal is listed as new (and won or lost too if it closed since);
its values are where it started. A value whose currency changed is compared in neither
value group."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pipeline_tui import rules
from pipeline_tui.dates import WEEKDAYS
from pipeline_tui.errors import InputError
from pipeline_tui.models import Deal, EventKind, LossReason, Stage, StageKind, WonReason
from pipeline_tui.money import format_money, format_totals
from pipeline_tui.slips import day

GROUPS = (
    "new",
    "advanced",
    "moved_back",
    "won",
    "lost",
    "value_up",
    "value_down",
    "close_date_pushed",
    "close_date_pulled_in",
    "reopened",
)
TITLES = {
    "new": "New deals",
    "advanced": "Moved forward",
    "moved_back": "Moved back",
    "won": "Won",
    "lost": "Lost",
    "value_up": "Value up",
    "value_down": "Value down",
    "close_date_pushed": "Close date pushed",
    "close_date_pulled_in": "Close date pulled in",
    "reopened": "Reopened",
}
DEFAULT_SINCE = "7d"
CREATION = frozenset({EventKind.CREATED, EventKind.IMPORTED})


def since_day(text: str | None, today: date, parse: Any) -> date:
    """The window's first day: '7d', '2w', '1m' back from today, a weekday ('mon': the latest
    Monday, today if it is one), or any date `parse` reads."""
    value = (text or DEFAULT_SINCE).strip().lower()
    m = re.fullmatch(r"(\d{1,4})\s*([dwm])", value)
    if m:
        amount, unit = int(m[1]), m[2]
        days = amount * {"d": 1, "w": 7, "m": 30}[unit]
        if days > 36600:
            raise InputError(f"{text!r} reaches back over a century; give a date instead.")
        return today - timedelta(days=days)
    if value.removeprefix("last ").strip() in WEEKDAYS:  # "mon": the latest Monday (today if it is one)
        weekday = WEEKDAYS[value.removeprefix("last ").strip()]
        return today - timedelta(days=(today.weekday() - weekday) % 7)
    found: date | None = parse(value)
    if found is None:
        raise InputError("Give the first day of the window: 7d, 2w, 1m, or a date such as mon or Nov 1.")
    if found > today:
        raise InputError(f"{found:%a %d %b %Y} is after today; give a day in the past (or 7d).")
    return found


@dataclass(frozen=True, slots=True)
class Step:
    """One timeline entry in the window: a stage change, a creation, or an edit (the field
    changes it recorded, each (before, after) as stored)."""

    deal_id: int
    kind: EventKind
    from_stage: int | None = None
    to_stage: int | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Line:
    """One deal in one group: as it was and as it is, and the line that says so."""

    deal: Deal
    group: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    text: str
    at: datetime  # its latest change in the window
    delta: int = 0  # value groups: after - before, in the deal's currency
    outcome: str = ""  # lost: "lost" or "no_decision"


@dataclass(frozen=True)
class Changes:
    since: date
    today: date
    groups: dict[str, list[Line]]

    def totals(self, group: str) -> dict[str, int]:
        """A value group's change per currency (never added across currencies)."""
        out: dict[str, int] = {}
        for line in self.groups.get(group, []):
            out[line.deal.currency] = out.get(line.deal.currency, 0) + line.delta
        return out

    @property
    def count(self) -> int:
        return len({line.deal.id for lines in self.groups.values() for line in lines})


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _minor(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summarize(
    steps: Iterable[Step],
    deals: Mapping[int, Deal],
    stages: Mapping[int, Stage],
    *,
    since: date,
    today: date,
    reasons: Mapping[int, LossReason] | None = None,
    won_reasons: Mapping[int, WonReason] | None = None,
    latest: Mapping[int, datetime] | None = None,
) -> Changes:
    """Sort every deal that changed in the window into its groups (see the module's note).
    `latest`: the moment of each deal's latest change (what a line says it changed at)."""
    per_deal: dict[int, list[Step]] = {}
    for step in steps:
        per_deal.setdefault(step.deal_id, []).append(step)
    groups: dict[str, list[Line]] = {name: [] for name in GROUPS}
    for deal_id, found in per_deal.items():
        deal = deals.get(deal_id)
        if deal is None or deal.archived or deal.stage_id not in stages:
            continue
        at = (latest or {}).get(deal_id, datetime.combine(today, datetime.min.time()))
        for line in _lines(deal, found, at, stages, today, reasons or {}, won_reasons or {}):
            groups[line.group].append(line)
    for name, lines in groups.items():
        if name in ("value_up", "value_down"):
            lines.sort(key=lambda ln: (-abs(ln.delta), ln.deal.id))
        else:
            lines.sort(key=lambda ln: (-ln.deal.value, ln.deal.id))
    return Changes(since, today, groups)


def _money(minor: int, currency: str) -> str:
    return format_money(minor, currency)


def _lines(
    deal: Deal,
    steps: list[Step],
    at: datetime,
    stages: Mapping[int, Stage],
    today: date,
    reasons: Mapping[int, LossReason],
    won_reasons: Mapping[int, WonReason],
) -> list[Line]:
    out: list[Line] = []
    created = next((s for s in steps if s.kind in CREATION), None)
    moves = [s for s in steps if s.to_stage is not None and s.kind not in CREATION]
    now = stages[deal.stage_id]
    worth = _money(deal.value, deal.currency)
    title = deal.title

    def line(
        group: str, before: dict[str, Any] | None, after: dict[str, Any], text: str, **extra: Any
    ) -> None:
        out.append(Line(deal, group, before, after, f"{title}: {text}", at, **extra))

    start_id = deal.stage_id
    if created is not None:
        if created.to_stage is not None and created.to_stage in stages:
            start_id = created.to_stage
        line("new", None, {"stage": now.name, "value": deal.value, "currency": deal.currency},
             f"new in {now.name}, {worth}")  # fmt: skip
    elif moves and moves[0].from_stage is not None and moves[0].from_stage in stages:
        start_id = moves[0].from_stage
    start = stages[start_id]
    # The stage a deal was won or lost from, when it moved in the window first ("lost from
    # Proposal (was in Qualified)"): `before` stays the stage it was in when the window opened.
    last = moves[-1].from_stage if moves and moves[-1].to_stage == now.id else None
    closed_from = stages.get(last) if last is not None else None
    earlier = f" (was in {start.name})" if closed_from is not None and closed_from.id != start.id else ""
    left = closed_from.name if closed_from is not None else start.name
    if start.id != now.id:
        before = {"stage": start.name}
        if now.kind is StageKind.WON and start.kind is not StageKind.WON:
            reason = won_reasons.get(deal.won_reason_id or -1)
            after = {
                "stage": now.name,
                "value": deal.value,
                "currency": deal.currency,
                "won_reason": reason.label if reason else None,
                "competitor": deal.competitor or None,
            }
            why = f" ({rules.won_label(reason, deal.competitor)})" if reason or deal.competitor else ""
            line("won", before, after, f"won from {left}, {worth}{why}{earlier}")
        elif now.kind is StageKind.LOST and start.kind is not StageKind.LOST:
            loss = reasons.get(deal.loss_reason_id or -1)
            outcome = rules.outcome_of(loss).value
            after = {
                "stage": now.name,
                "value": deal.value,
                "currency": deal.currency,
                "loss_reason": loss.label if loss else None,
                "outcome": outcome,
                "competitor": deal.competitor or None,
            }
            verb = "no decision" if outcome == "no_decision" else "lost"
            why = rules.loss_label(loss, deal.competitor)
            line("lost", before, after, f"{verb} from {left}, {worth} — {why}{earlier}", outcome=outcome)
        elif now.is_open and start.is_endpoint:
            line("reopened", before, {"stage": now.name}, f"reopened in {now.name} (was {start.name})")
        elif now.is_open and start.is_open and created is None:
            group = "advanced" if now.position > start.position else "moved_back"
            line(group, before, {"stage": now.name}, f"{start.name} → {now.name}")
    if created is not None:
        return out
    edits = [s for s in steps if s.changes]
    value = next((s.changes["value"] for s in edits if "value" in s.changes), None)
    currency = next((s.changes["currency"] for s in edits if "currency" in s.changes), None)
    if value is not None and currency is None:
        was = _minor(value[0])
        if was is not None and was != deal.value:
            delta = deal.value - was
            group = "value_up" if delta > 0 else "value_down"
            sign = "+" if delta > 0 else "−"
            line(
                group,
                {"value": was, "currency": deal.currency},
                {"value": deal.value, "currency": deal.currency},
                f"value {_money(was, deal.currency)} → {worth} ({sign}{_money(abs(delta), deal.currency)})",
                delta=delta,
            )
    close = next((s.changes["expected_close"] for s in edits if "expected_close" in s.changes), None)
    if close is not None:
        was_close, now_close = _date(close[0]), deal.expected_close
        if was_close is not None and now_close is not None and was_close != now_close:
            group = "close_date_pushed" if now_close > was_close else "close_date_pulled_in"
            line(
                group,
                {"expected_close": was_close},
                {"expected_close": now_close},
                f"close {day(was_close, today)} → {day(now_close, today)}",
            )
    return out


def group_title(changes: Changes, group: str, *, base: str) -> str:
    """A group's heading with its count, and for the value groups the money they moved
    ('Value up (3) · +$12,000')."""
    title = f"{TITLES[group]} ({len(changes.groups[group]):,})"
    if group in ("value_up", "value_down"):
        totals = {c: abs(v) for c, v in changes.totals(group).items()}
        title += " · " + ("+" if group == "value_up" else "−") + format_totals(totals, base=base)
    return title

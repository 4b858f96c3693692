"""Today's agenda, for outside the board: what is left of today's review, the next steps due
today and overdue, and the revisits due, one line per deal (`pipeline-tui today`, for a
shell start-up file, cron or a desktop notification). No Textual.

The counts are the review's own (review.health): the agenda, the board's status line and
the review's summary say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline_tui import rules
from pipeline_tui.dates import humanize_days, say_date
from pipeline_tui.review import Health, Policy, health
from pipeline_tui.store import Store
from pipeline_tui.store.review import Dated

SHOWN = 10  # deals listed per part of the agenda (--all lists every one)


@dataclass(frozen=True)
class Agenda:
    today: date
    review: Health
    due_today: list[Dated]  # next steps due today
    overdue: list[Dated]  # next steps whose day has passed, the longest overdue first
    revisits: list[Dated]  # lost deals whose revisit has come, the longest due first


def agenda(store: Store, today: date, rules_: Policy | None = None) -> Agenda:
    """The agenda as of `today` (snoozed deals are quiet: not listed). Read as plain rows
    from the dated steps' and the revisits' indexes, and the review's own count."""
    steps = store.review.dated_steps(until=today, awake_on=today)
    return Agenda(
        today,
        health(store, today, rules_),
        [d for d in steps if d.day == today],
        [d for d in steps if d.day < today],
        store.review.dated_revisits(until=today),
    )


def _late(day: date, today: date) -> int:
    return (today - day).days


def headline(found: Agenda) -> str:
    """'Tue 24 Nov: review 15 to do · 2 next steps due today · 3 overdue · 8 revisits due'."""
    review = found.review
    if review.to_review:
        parts = [f"review {review.to_review:,} to do"]
    elif review.later:
        parts = ["review done"]
    else:
        parts = ["nothing to review"]
    if found.due_today:
        n = len(found.due_today)
        parts.append(f"{n:,} next step{'' if n == 1 else 's'} due today")
    if found.overdue:
        parts.append(f"{len(found.overdue):,} overdue")
    if found.revisits:
        n = len(found.revisits)
        parts.append(f"{n:,} revisit{'' if n == 1 else 's'} due")
    return f"{found.today:%a %d %b}: " + " · ".join(parts)


def _deal(deal: Dated) -> str:
    return f"#{deal.deal_id:<5} {deal.title}" + (f" — {deal.company}" if deal.company else "")


def lines(store: Store, found: Agenda, *, shown: int | None = SHOWN) -> list[str]:
    """The agenda as text: the headline, then each part with one line per deal (`shown` at
    most per part, then how many more)."""
    today = found.today
    review = found.review
    out = [headline(found)]
    if review.to_review:
        more = f"; {review.later:,} more when you have time" if review.later else ""
        out.append(f"  Today's review: {review.to_review:,} to do (pipeline-tui review){more}.")
    elif review.later:
        out.append(
            f"  Today's review is done; {review.later:,} more when you have time (pipeline-tui review)."
        )
    parts: list[tuple[str, list[Dated], Any]] = [
        ("Next steps due today", found.due_today, lambda d: f"{d.next_step}"),
        (
            "Next steps overdue",
            found.overdue,
            lambda d: (
                f"{d.next_step} (due {say_date(d.day, today)}, {humanize_days(_late(d.day, today))} late)"
            ),
        ),
        (
            "Revisits due",
            found.revisits,
            lambda d: (
                f"{_loss(store, d)}; due "
                + ("today" if d.day == today else f"since {say_date(d.day, today)}")
            ),
        ),
    ]
    for title, deals, what in parts:
        if not deals:
            continue
        out.append(f"{title} ({len(deals):,}):")
        listed = deals if shown is None else deals[:shown]
        out += [f"  {_deal(d)}: {' '.join(what(d).split())}" for d in listed]
        if len(listed) < len(deals):
            out.append(f"  … and {len(deals) - len(listed):,} more (--all lists every one)")
    if len(out) == 1 or (len(out) == 2 and not (found.due_today or found.overdue or found.revisits)):
        out.append("  No next step due, none overdue, no revisit due.")
    return out


def _loss(store: Store, deal: Dated) -> str:
    reason = store.shape.reason(deal.loss_reason_id) if deal.loss_reason_id else None
    return rules.loss_label(reason, deal.competitor)


def as_dict(store: Store, found: Agenda) -> dict[str, Any]:
    """The agenda for scripts."""
    today = found.today

    def step(deal: Dated) -> dict[str, Any]:
        return {
            "id": deal.deal_id,
            "title": deal.title,
            "company": deal.company,
            "next_step": deal.next_step,
            "due": deal.day.isoformat(),
            "days_late": _late(deal.day, today),
        }

    def revisit(deal: Dated) -> dict[str, Any]:
        return {
            "id": deal.deal_id,
            "title": deal.title,
            "company": deal.company,
            "revisit_on": deal.day.isoformat(),
            "days_late": _late(deal.day, today),
            "lost_for": _loss(store, deal),
        }

    return {
        "today": today.isoformat(),
        "headline": headline(found),
        "review": {"to_do": found.review.to_review, "later": found.review.later},
        "due_today": [step(d) for d in found.due_today],
        "overdue": [step(d) for d in found.overdue],
        "revisits_due": [revisit(d) for d in found.revisits],
    }

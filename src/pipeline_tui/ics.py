"""Revisits as an iCalendar file (RFC 5545): one all-day event per pending revisit.

UIDs are derived from the deal id, so importing the file again updates the events
instead of duplicating them. Stored text goes through `ics_text`, the calendar's inert
form: control characters and bidi overrides become visible marks (as on the terminal),
and what RFC 5545 gives a meaning (`;`, `,`, `\\`, line breaks) is escaped. Every date the
app accepts (1900–2200, the limits every path holds) has its event; a date outside them
(only a file edited outside the app has one) is left out and counted, never dropped
silently.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline_tui import __version__
from pipeline_tui.display import safe
from pipeline_tui.errors import PipelineError
from pipeline_tui.limits import MAX_YEAR, MIN_YEAR
from pipeline_tui.models import Deal, EventKind
from pipeline_tui.store import Store


def ics_text(text: str, *, one_line: bool = False) -> str:
    """Stored text as an RFC 5545 TEXT value, inert: control characters and bidi overrides
    as visible marks (TEXT allows none but tab), line breaks as \\n (as ⏎ in a one-line
    value, a SUMMARY), and the characters the format gives a meaning escaped."""
    value = safe(text, one_line=one_line)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    """RFC 5545 wants stamps in UTC; stored times are local."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def uid(deal: Deal) -> str:
    return f"revisit-{deal.id}@pipeline-tui"


def _revision(store: Store, deal: Deal) -> tuple[datetime, int]:
    """When the event last changed and how often (LAST-MODIFIED, SEQUENCE). A snooze moves
    the date without touching last_activity_at, so the timeline says when it happened; a
    client that keeps the newer copy of a UID then takes the new date."""
    timeline = store.deals.timeline(deal.id)
    changed = max([deal.last_activity_at, *(event.at for event in timeline)])
    dated = sum(1 for event in timeline if event.kind in (EventKind.LOST, EventKind.REVISIT_SNOOZED))
    return changed, max(dated - 1, 0)


@dataclass(frozen=True)
class Calendar:
    """An iCalendar file and what went into it."""

    text: str
    events: int  # revisits written as events
    left_out: tuple[Deal, ...] = ()  # revisits with a date no calendar line can carry


def build(store: Store, deals: Iterable[Deal], *, stamp: datetime) -> Calendar:
    """The calendar of `deals`' revisits."""
    left_out: list[Deal] = []
    events = 0
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//pipeline-tui//{__version__}//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Pipeline revisits",
    ]
    for deal in deals:
        if deal.revisit_on is None or not MIN_YEAR <= deal.revisit_on.year <= MAX_YEAR:
            left_out.append(deal)  # unreadable or out of range: only a file edited outside the app
            continue
        events += 1
        reason = (
            store.shape.reason(deal.loss_reason_id).label if deal.loss_reason_id else "no reason recorded"
        )
        if deal.competitor:
            reason += f" ({deal.competitor})"
        summary = f"Revisit: {deal.title}" + (f" — {deal.company}" if deal.company else "")
        description = f"Lost: {reason}"
        if deal.loss_note:
            description += f"\n{deal.loss_note}"
        description += f"\nDeal #{deal.id} in pipeline-tui"
        changed, sequence = _revision(store, deal)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid(deal)}",
            f"DTSTAMP:{_utc(stamp)}",
            f"LAST-MODIFIED:{_utc(changed)}",
            f"SEQUENCE:{sequence}",
            f"DTSTART;VALUE=DATE:{deal.revisit_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{deal.revisit_on + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ics_text(summary, one_line=True)}",
            f"DESCRIPTION:{ics_text(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return Calendar("".join(_fold(line) + "\r\n" for line in lines), events, tuple(left_out))


def calendar(store: Store, deals: Iterable[Deal], *, stamp: datetime) -> str:
    return build(store, deals, stamp=stamp).text


def revisits(store: Store) -> Calendar:
    """Every pending revisit as a calendar."""
    return build(store, store.review.pending_revisits(), stamp=store.conn.clock())


def revisits_calendar(store: Store) -> str:
    return revisits(store).text


def write_calendar(store: Store, path: str | os.PathLike[str]) -> int:
    """Write every pending revisit to `path` (atomically); returns the event count."""
    target = Path(path).expanduser()
    made = revisits(store)
    text = made.text
    if target.is_dir():
        raise PipelineError(f"{target} is a folder; give a file name ending in .ics.")
    if not target.parent.exists():
        raise PipelineError(f"The folder {target.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=".revisits-", suffix=".ics", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return made.events

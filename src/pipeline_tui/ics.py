"""Calendars as iCalendar files (RFC 5545), all-day events with UIDs derived from the deal
id, so importing a file again updates the events instead of duplicating them.

- `revisits --ics` (`calendar`): one event per pending revisit;
- `pipeline-tui calendar` (`pipeline_calendar`): the seller's calendar of the pipeline, one
  event per next step with a due date and one per pending revisit. Each event's SEQUENCE is
  the deal's revision, which every change raises, so a calendar that keeps the newest copy
  of a UID takes the new date or text. An item done or removed since the file was last
  written (a step done, a deal won, a revisit closed out) is written once more as
  cancelled, so re-importing the file takes it out of the calendar; a subscribed calendar
  simply loses it. Cancelled events stay in the file for CANCELLED_KEPT_DAYS.

Stored text goes through `ics_text`, the calendar's inert form: control characters and
bidi overrides become visible marks (as on the terminal), and what RFC 5545 gives a
meaning (`;`, `,`, `\\`, line breaks) is escaped. Every date the app accepts (1900–2200,
the limits every path holds) has its event; a date outside them (only a file edited
outside the app has one) is left out and counted, never dropped silently.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from pipeline_tui import __version__
from pipeline_tui.display import safe
from pipeline_tui.errors import PipelineError
from pipeline_tui.limits import MAX_YEAR, MIN_YEAR
from pipeline_tui.models import Deal, EventKind
from pipeline_tui.money import format_money
from pipeline_tui.store import Store


def ics_text(text: str, *, one_line: bool = False) -> str:
    """Stored text as an RFC 5545 TEXT value, inert: control characters and bidi overrides
    as visible marks (TEXT allows none but tab), line breaks as \\n (as ⏎ in a one-line
    value, a SUMMARY), and the characters the format gives a meaning escaped."""
    value = safe(text, one_line=one_line)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _escape(text: str) -> str:
    """A multi-line TEXT value, inert (see `ics_text`)."""
    return ics_text(text)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    if line.isascii():
        if len(line) <= 75:
            return line  # most lines: nothing to fold
        return "\r\n ".join([line[:75], *(line[i : i + 74] for i in range(75, len(line), 74))])
    data = line.encode()
    if len(data) <= 75:
        return line
    out: list[bytes] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: back off
            end -= 1
        out.append(data[start:end])
        start, limit = end, 74  # a continuation line starts with a space
    return b"\r\n ".join(out).decode()


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


# -------------------------------------------------------- the pipeline's calendar

PRODID = f"-//pipeline-tui//{__version__}//EN"
CANCELLED_KEPT_DAYS = 30  # a done item stays in the file, cancelled, this long


def step_uid(deal: Deal) -> str:
    return f"step-{deal.id}@pipeline-tui"


class Item(NamedTuple):
    """One event of the pipeline's calendar (a tuple: a calendar makes tens of thousands)."""

    uid: str
    day: date
    summary: str
    description: str
    sequence: int
    gone: date | None = None  # cancelled: the day it was first seen done or removed


@dataclass(frozen=True)
class Written:
    text: str
    steps: int
    revisits: int
    cancelled: int

    def said(self) -> str:
        """'12 next steps and 3 revisits (2 done since: cancelled)'."""
        text = f"{self.steps:,} next step{'' if self.steps == 1 else 's'} and "
        text += f"{self.revisits:,} revisit{'' if self.revisits == 1 else 's'}"
        if self.cancelled:
            text += f" ({self.cancelled:,} done or removed since: cancelled)"
        return text


def _event(
    uid: str, day: date, sequence: int, summary: str, description: str, dtstamp: str, tail: str
) -> str:
    """One VEVENT, its TEXT escaped already; the short lines are written as they are (no
    line to fold). An all-day event with no DTEND lasts its one day (RFC 5545, 3.6.1)."""
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\n{dtstamp}\r\nSEQUENCE:{sequence}\r\n"
        f"DTSTART;VALUE=DATE:{day.year:04}{day.month:02}{day.day:02}\r\n"
        f"{_fold('SUMMARY:' + summary)}\r\n{_fold('DESCRIPTION:' + description)}\r\n"
        f"{tail}TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
    )


CONFIRMED = "STATUS:CONFIRMED\r\n"


def _gone(day: date) -> str:
    return f"STATUS:CANCELLED\r\nX-PIPELINE-TUI-GONE:{day.year:04}{day.month:02}{day.day:02}\r\n"


def pipeline_events(store: Store, dtstamp: str) -> tuple[dict[str, str], int, int]:
    """({uid: its VEVENT}, steps, revisits): each open deal's next step with a due date and
    each pending revisit, in date order. Written straight from plain rows, with the texts
    that repeat (a next step, a stage and an amount) escaped once: a calendar of tens of
    thousands of steps is written in well under a second."""
    stages = {s.id: _escape(s.name) for s in store.shape.stages(include_archived=True)}
    reasons = {r.id: r.label for r in store.shape.reasons(include_archived=True)}
    escaped: dict[str, str] = {}
    money: dict[tuple[int, str], str] = {}

    def once(text: str) -> str:
        found = escaped.get(text)
        if found is None:
            found = escaped[text] = _escape(text)
        return found

    dated_steps, dated_revisits = store.review.calendar_rows()
    events: dict[str, str] = {}
    for step in dated_steps:
        if not MIN_YEAR <= step.day.year < MAX_YEAR:
            continue
        who = _escape(f"{step.title} ({step.company})" if step.company else step.title)
        about = stages[step.stage_id]
        if step.value:
            key = (step.value, step.currency)
            value = money.get(key) or money.setdefault(key, _escape(format_money(step.value, step.currency)))
            about += f"\\, {value}"
        uid = f"step-{step.deal_id}@pipeline-tui"
        events[uid] = _event(
            uid, step.day, step.rev, f"{once(step.next_step)}: {who}",
            f"{about}\\nDeal #{step.deal_id} in pipeline-tui", dtstamp, CONFIRMED,
        )  # fmt: skip
    steps = len(events)
    for lost in dated_revisits:
        if not MIN_YEAR <= lost.day.year < MAX_YEAR:
            continue
        why = reasons.get(lost.loss_reason_id or -1, "no reason recorded")
        if lost.competitor:
            why += f" ({lost.competitor})"
        who = f"{lost.title} ({lost.company})" if lost.company else lost.title
        note = f"\n{lost.loss_note}" if lost.loss_note else ""
        uid = f"revisit-{lost.deal_id}@pipeline-tui"
        events[uid] = _event(
            uid, lost.day, lost.rev, _escape(f"Revisit: {who}"),
            _escape(f"Lost: {why}{note}\nDeal #{lost.deal_id} in pipeline-tui"), dtstamp, CONFIRMED,
        )  # fmt: skip
    return events, steps, len(events) - steps


_UID = re.compile(r"\nUID:([^\r\n]*)")


def read_items(text: str, *, besides: Container[str] = frozenset()) -> list[Item]:
    """The events of a calendar this module wrote before (an empty list for any other file),
    but those whose UID is in `besides` (read no further: the calendar has them again)."""
    if PRODID.split("//")[1] not in text[:500]:
        return []
    found: list[Item] = []
    for uid in _UID.findall(text):
        if uid in besides:
            continue
        here = re.search(rf"\nUID:{re.escape(uid)}\r?\n", text)  # this UID, not one it begins
        if here is None:
            continue
        at = here.start()
        start = text.rfind("BEGIN:VEVENT", 0, at)
        end = text.find("END:VEVENT", at)
        if start < 0 or end < 0:
            continue
        fields: dict[str, str] = {}
        for line in re.sub(r"\r?\n[ \t]", "", text[start:end]).splitlines():
            name, _, value = line.partition(":")
            fields[name.split(";")[0]] = value
        try:
            day = datetime.strptime(fields["DTSTART"], "%Y%m%d").date()
            gone = fields.get("X-PIPELINE-TUI-GONE")
            found.append(
                Item(
                    fields["UID"],
                    day,
                    _unescape(fields.get("SUMMARY", "")),
                    _unescape(fields.get("DESCRIPTION", "")),
                    int(fields.get("SEQUENCE", "0")),
                    datetime.strptime(gone, "%Y%m%d").date() if gone else None,
                )
            )
        except (KeyError, ValueError):
            continue  # not an event of ours: left out
    return found


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def pipeline_calendar(store: Store, *, today: date, stamp: datetime, previous: str = "") -> Written:
    """The pipeline's calendar: next steps and pending revisits; what was in `previous` (the
    file as last written) and is done or removed now comes once more, cancelled."""
    dtstamp = f"DTSTAMP:{_utc(stamp)}"
    events, steps, revisits = pipeline_events(store, dtstamp)
    cancelled = []
    for old in read_items(previous, besides=events.keys()):
        if old.gone is None:  # done or removed since the file was written
            cancelled.append(old._replace(sequence=old.sequence + 1, gone=today))
        elif (today - old.gone).days <= CANCELLED_KEPT_DAYS:
            cancelled.append(old)
    head = "".join(
        _fold(line) + "\r\n"
        for line in (
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Pipeline",
        )
    )
    gone = "".join(
        _event(
            item.uid,
            item.day,
            item.sequence,
            _escape(item.summary),
            _escape(item.description),
            dtstamp,
            _gone(item.gone or today),
        )  # fmt: skip
        for item in cancelled
    )
    text = head + "".join(events.values()) + gone + "END:VCALENDAR\r\n"
    return Written(text, steps, revisits, len(cancelled))

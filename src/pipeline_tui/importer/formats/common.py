"""Small helpers the CRM notes exports share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def note_moment(n: Mapping[str, Any]) -> datetime:
    """A note's time as an aware moment (stored times carry their UTC offset)."""
    moment = datetime.fromisoformat(str(n["note_time"]))
    return moment if moment.tzinfo else moment.astimezone()


def note_moment_utc(n: Mapping[str, Any]) -> str:
    """'2026-11-24T08:00:00Z': the note's time in UTC, ISO 8601."""
    return note_moment(n).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def note_text_with_time(n: Mapping[str, Any]) -> str:
    """The note's text after its local time, for CRMs whose import dates a note by the day
    it is imported."""
    return f"[{note_moment(n):%Y-%m-%d %H:%M}] {n['text']}"


def note_subject(n: Mapping[str, Any]) -> str:
    """A one-line subject: what kind of entry, and the start of its text."""
    kind = {"note": "Note", "lost": "Lost", "moved": "Moved", "won": "Won", "reopened": "Reopened",
            "next_step": "Next step", "revisit_snoozed": "Revisit", "revisit_closed": "Closed out"}.get(
        str(n["kind"]), "Note")  # fmt: skip
    first = str(n["text"]).strip().splitlines()[0] if str(n["text"]).strip() else ""
    subject = f"{kind}: {first}" if first else kind
    return subject if len(subject) <= 80 else subject[:79] + "…"

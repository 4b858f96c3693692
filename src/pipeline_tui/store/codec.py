"""Rows to dataclasses and back: how deals, events and times are written in SQLite.

Reading is forgiving: a file edited outside the app (or handed over) may hold a value the
app never writes (a close date with a time in it, a word where a date goes, binary data in
a title). Such a value is read as missing (a required moment as `UNREADABLE`), so a list,
an export or the board shows the rest instead of failing. A restore is strict instead: it
refuses such a file and names the row (`store.backups`), with the same parsers (`STRICT`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pipeline_tui.models import Deal, Event, EventKind, RevisitState

UNREADABLE = datetime(1970, 1, 1)  # a required moment the file holds in no readable form

DEAL_COLUMNS = (
    "id",
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "stage_id",
    "expected_close",
    "next_step",
    "next_step_due",
    "created_at",
    "stage_entered_at",
    "last_activity_at",
    "closed_at",
    "loss_reason_id",
    "competitor",
    "lost_at_stage_id",
    "loss_note",
    "revisit_on",
    "revisit_state",
    "source",
    "source_id",
    "rev",
    "archived_at",
    "snoozed_until",
    "won_reason_id",
    "won_note",
)
DEAL_SELECT = "SELECT " + ", ".join(f"d.{c}" for c in DEAL_COLUMNS) + " FROM deals d"
EVENT_SELECT = "SELECT id, deal_id, at, kind, text, from_stage_id, to_stage_id, data FROM events"
DATE_COLUMNS = frozenset({"expected_close", "next_step_due", "revisit_on", "snoozed_until"})
TIME_COLUMNS = frozenset({"created_at", "stage_entered_at", "last_activity_at", "closed_at", "archived_at"})


def ts(value: datetime) -> str:
    """A moment as stored: local time to the second with its UTC offset
    ('2026-11-24 09:00:00+01:00'), so a file moved across time zones still says when."""
    moment = value.replace(microsecond=0)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is the machine's local time
    return moment.isoformat(sep=" ")


def parse_ts(value: str) -> datetime:
    """A stored moment as a naive local time (older files have no offset: local already)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


# ------------------------------------------------------------------ strict parsers
# Each raises (ValueError, TypeError) on a value the app would never have written.


def strict_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError("not text")
    return date.fromisoformat(value)


def strict_moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError("not text")
    return parse_ts(value)


def strict_text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def strict_optional_text(value: Any) -> str | None:
    return None if value is None else strict_text(value)


def strict_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not a whole number")
    return value


def strict_optional_int(value: Any) -> int | None:
    return None if value is None else strict_int(value)


def strict_revisit(value: Any) -> RevisitState | None:
    return RevisitState(value) if value else None


def strict_json_object(value: Any) -> dict[str, Any]:
    data = json.loads(value) if value else {}
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


STRICT: dict[str, Any] = {
    "id": strict_int,
    "title": strict_text,
    "company": strict_text,
    "contact": strict_text,
    "value": strict_int,
    "currency": strict_text,
    "stage_id": strict_int,
    "expected_close": strict_date,
    "next_step": strict_text,
    "next_step_due": strict_date,
    "created_at": strict_moment,
    "stage_entered_at": strict_moment,
    "last_activity_at": strict_moment,
    "closed_at": strict_moment,
    "loss_reason_id": strict_optional_int,
    "competitor": strict_text,
    "lost_at_stage_id": strict_optional_int,
    "loss_note": strict_text,
    "revisit_on": strict_date,
    "revisit_state": strict_revisit,
    "source": strict_optional_text,
    "source_id": strict_optional_text,
    "rev": strict_int,
    "archived_at": strict_moment,
    "snoozed_until": strict_date,
}
REQUIRED_MOMENTS = frozenset({"created_at", "stage_entered_at", "last_activity_at"})


# --------------------------------------------------------------- forgiving readers


def json_object(value: Any) -> dict[str, Any]:
    """A stored JSON object (event details, a CRM baseline); {} when it is not one."""
    try:
        return strict_json_object(value)
    except (ValueError, TypeError):
        return {}


def _date(value: Any) -> date | None:
    try:
        return strict_date(value)
    except (ValueError, TypeError):
        pass
    try:  # a date with a time in it, or a moment: the day it names
        return datetime.fromisoformat(str(value)).date() if isinstance(value, str) else None
    except ValueError:
        return None


def _moment(value: Any) -> datetime | None:
    try:
        return strict_moment(value)
    except (ValueError, TypeError, OverflowError):
        day = _date(value)
        return datetime.combine(day, datetime.min.time()) if day else None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _optional_int(value: Any) -> int | None:
    return None if value is None else _int(value, 0) or None


def _revisit(value: Any) -> RevisitState | None:
    try:
        return strict_revisit(value)
    except ValueError:
        return None


# The lenient readers, for code that reads stored columns without making a Deal (the deals
# export): a value the app never writes reads as missing, as in a Deal.
lenient_date = _date
lenient_moment = _moment
lenient_revisit = _revisit
lenient_text = _text
lenient_int = _int


def deal_from_row(row: tuple[Any, ...] | Any) -> Deal:
    r = dict(zip(DEAL_COLUMNS, row, strict=True))
    return Deal(
        id=r["id"],
        title=_text(r["title"]),
        company=_text(r["company"]),
        contact=_text(r["contact"]),
        value=max(0, _int(r["value"])),
        currency=_text(r["currency"]),
        stage_id=_int(r["stage_id"]),
        expected_close=_date(r["expected_close"]),
        next_step=_text(r["next_step"]),
        next_step_due=_date(r["next_step_due"]),
        created_at=_moment(r["created_at"]) or UNREADABLE,
        stage_entered_at=_moment(r["stage_entered_at"]) or UNREADABLE,
        last_activity_at=_moment(r["last_activity_at"]) or UNREADABLE,
        closed_at=_moment(r["closed_at"]),
        loss_reason_id=_optional_int(r["loss_reason_id"]),
        competitor=_text(r["competitor"]),
        lost_at_stage_id=_optional_int(r["lost_at_stage_id"]),
        loss_note=_text(r["loss_note"]),
        revisit_on=_date(r["revisit_on"]),
        revisit_state=_revisit(r["revisit_state"]),
        source=None if r["source"] is None else _text(r["source"]),
        source_id=None if r["source_id"] is None else _text(r["source_id"]),
        rev=_int(r["rev"]),
        archived_at=_moment(r["archived_at"]),
        snoozed_until=_date(r["snoozed_until"]),
        won_reason_id=r["won_reason_id"],
        won_note=r["won_note"],
    )


def sql_value(value: Any) -> Any:
    """A Python value as SQLite stores it."""
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, RevisitState):
        return value.value
    return value


def deal_row(deal: Deal) -> dict[str, Any]:
    """The deal's columns as SQLite values (no id)."""
    return {name: sql_value(getattr(deal, name)) for name in DEAL_COLUMNS[1:]}


def deal_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Stored column values (a journal's before and after) as `Deal` field values."""
    values: dict[str, Any] = {}
    for name, value in row.items():
        if name in DATE_COLUMNS:
            values[name] = _date(value)
        elif name in TIME_COLUMNS:
            values[name] = _moment(value)
        elif name == "revisit_state":
            values[name] = RevisitState(value) if value else None
        else:
            values[name] = value
    return values


def deal_with(deal: Deal, row: Mapping[str, Any]) -> Deal:
    """`deal` with columns replaced by stored values (what an UPDATE just wrote)."""
    return replace(deal, **deal_fields(row))


def strict_event_kind(value: Any) -> EventKind:
    return EventKind(value)


EVENT_STRICT: dict[str, Any] = {
    "at": strict_moment,
    "kind": strict_event_kind,
    "text": strict_text,
    "from_stage_id": strict_optional_int,
    "to_stage_id": strict_optional_int,
    "data": strict_json_object,
}


def event_from_row(row: tuple[Any, ...] | Any) -> Event:
    id_, deal_id, at, kind, text, from_stage, to_stage, data = row
    try:
        event_kind = EventKind(kind)
    except ValueError:
        event_kind = EventKind.NOTE  # a kind the app never writes: its text is still shown
    details = json_object(data)
    return Event(
        id=id_,
        deal_id=deal_id,
        at=_moment(at) or UNREADABLE,
        kind=event_kind,
        text=_text(text),
        from_stage_id=_optional_int(from_stage),
        to_stage_id=_optional_int(to_stage),
        data=details,
    )

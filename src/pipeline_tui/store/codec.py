"""Rows to dataclasses and back: how deals, events and times are written in SQLite."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pipeline_tui.models import Deal, Event, EventKind, RevisitState

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


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return parse_ts(value) if value else None


def deal_from_row(row: tuple[Any, ...] | Any) -> Deal:
    r = dict(zip(DEAL_COLUMNS, row, strict=True))
    return Deal(
        id=r["id"],
        title=r["title"],
        company=r["company"],
        contact=r["contact"],
        value=r["value"],
        currency=r["currency"],
        stage_id=r["stage_id"],
        expected_close=_date(r["expected_close"]),
        next_step=r["next_step"],
        next_step_due=_date(r["next_step_due"]),
        created_at=parse_ts(r["created_at"]),
        stage_entered_at=parse_ts(r["stage_entered_at"]),
        last_activity_at=parse_ts(r["last_activity_at"]),
        closed_at=_moment(r["closed_at"]),
        loss_reason_id=r["loss_reason_id"],
        competitor=r["competitor"],
        lost_at_stage_id=r["lost_at_stage_id"],
        loss_note=r["loss_note"],
        revisit_on=_date(r["revisit_on"]),
        revisit_state=RevisitState(r["revisit_state"]) if r["revisit_state"] else None,
        source=r["source"],
        source_id=r["source_id"],
        rev=r["rev"],
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


def event_from_row(row: tuple[Any, ...] | Any) -> Event:
    id_, deal_id, at, kind, text, from_stage, to_stage, data = row
    return Event(
        id=id_,
        deal_id=deal_id,
        at=parse_ts(at),
        kind=EventKind(kind),
        text=text,
        from_stage_id=from_stage,
        to_stage_id=to_stage,
        data=json.loads(data or "{}"),
    )

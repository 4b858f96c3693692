"""Our own deals export (`export deals`): read back losslessly, history and all.

A deal keeps its id, its columns and its timeline. Stages and loss reasons the file names
that this pipeline lacks are made by the import (a stage only named by the history, e.g.
one renamed since, is made archived). A deal already here (same id and created time, or the
same CRM record) is left as it is; an id that is another deal here means the file comes
from another pipeline, and the import stops.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline_tui.csv_cells import DEAL_COLUMNS, unneutralize
from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats.base import Format, norm
from pipeline_tui.limits import (
    MAX_NOTES_PER_DEAL_IMPORT,
    check_amount,
    check_currency,
    check_date,
    check_moment,
    check_note,
    check_text,
)
from pipeline_tui.models import (
    EventKind,
    ImportEvent,
    ImportRow,
    LossReason,
    PendingReason,
    PendingStage,
    RevisitState,
    Stage,
    StageKind,
    WonReason,
)
from pipeline_tui.store import Store, ts

OLD_COLUMNS = ("notes",)  # exports before the timeline column
FORMAT = Format(
    name="pipeline-tui",
    label="pipeline-tui",
    aliases={name: (name,) for name in (*DEAL_COLUMNS, *OLD_COLUMNS)},
    signature=("id", "title", "stage", "status", "created_at"),
)

Fail = Callable[[str, str, str], Exception]


@dataclass
class Names:
    """Stage and reason names -> ids here, and those the import will make (negative keys)."""

    stages: dict[str, int]
    reasons: dict[str, int]
    won_reasons: dict[str, int] = field(default_factory=dict)
    pending_stages: list[PendingStage] = field(default_factory=list)
    # Loss and won reasons alike, one list: their keys never meet.
    pending_reasons: list[PendingReason] = field(default_factory=list)

    @classmethod
    def of(cls, stages: list[Stage], reasons: list[LossReason], won: list[WonReason] | None = None) -> Names:
        return cls(
            {norm(s.name): s.id for s in stages},
            {norm(r.label): r.id for r in reasons},
            {norm(r.label): r.id for r in won or ()},
        )

    def stage(self, name: str, kind: StageKind = StageKind.OPEN, *, archived: bool = False) -> int:
        key = norm(name)
        if key not in self.stages:
            pending = PendingStage(-(len(self.pending_stages) + 1), name.strip(), kind, archived)
            self.pending_stages.append(pending)
            self.stages[key] = pending.key
        elif archived is False:
            # A stage first seen in a history, then as a deal's stage, is made live.
            for i, p in enumerate(self.pending_stages):
                if p.key == self.stages[key] and p.archived:
                    self.pending_stages[i] = PendingStage(p.key, p.name, kind, False)
        return self.stages[key]

    def reason(self, label: str) -> int:
        key = norm(label)
        if key not in self.reasons:
            pending = PendingReason(-(len(self.pending_reasons) + 1), label.strip())
            self.pending_reasons.append(pending)
            self.reasons[key] = pending.key
        return self.reasons[key]

    def won_reason(self, label: str) -> int:
        key = norm(label)
        if key not in self.won_reasons:
            pending = PendingReason(-(len(self.pending_reasons) + 1), label.strip(), won=True)
            self.pending_reasons.append(pending)
            self.won_reasons[key] = pending.key
        return self.won_reasons[key]


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.astimezone()


def _maybe_moment(text: str) -> datetime | None:
    return _moment(text) if text else None


def _maybe_day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def read_timeline(text: str, names: Names) -> tuple[ImportEvent, ...]:
    """The timeline column back into events (ValueError when it is not ours)."""
    entries = json.loads(text)
    if not isinstance(entries, list) or len(entries) > MAX_NOTES_PER_DEAL_IMPORT * 10:
        raise ValueError("not a timeline")
    events = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("not a timeline entry")
        data = entry.get("data", {})
        if not isinstance(data, dict):
            raise ValueError("not a timeline entry")
        kind = EventKind(entry["kind"])
        from_name, to_name = entry.get("from"), entry.get("to")
        events.append(
            ImportEvent(
                at=_moment(str(entry["at"])),
                kind=kind,
                text=str(entry.get("text", "")),
                from_stage_id=names.stage(str(from_name), archived=True) if _named(from_name) else None,
                to_stage_id=names.stage(str(to_name), archived=True) if _named(to_name) else None,
                data=data,
            )
        )
    return tuple(events)


def read_notes(text: str) -> tuple[tuple[datetime, str], ...]:
    """An older export's notes column: [[time, text], ...]."""
    notes = json.loads(text)
    if not isinstance(notes, list):
        raise ValueError("not a list")
    out = []
    for item in notes:
        at, body = item
        out.append((_moment(str(at)), str(body)))
    return tuple(out)


def read_baseline(text: str, names: Names) -> dict[str, Any] | None:
    if not text:
        return None
    baseline = json.loads(text)
    if not isinstance(baseline, dict):
        raise ValueError("not a baseline")
    board = baseline.pop("board_stage", None)
    if board:
        baseline["stage_id"] = names.stage(str(board), archived=True)
    return baseline


@dataclass
class OwnRows:
    """Reads our own export's rows into ImportRows, deciding which deals are already here."""

    store: Store
    names: Names
    reasons: dict[int, LossReason]
    origins: dict[int, tuple[str, str | None, str | None]] = field(default_factory=dict)
    here_by_source: set[tuple[str, str]] = field(default_factory=set)
    seen_ids: set[int] = field(default_factory=set)
    seen_sources: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, store: Store) -> OwnRows:
        reasons = store.shape.reasons(include_archived=True)
        origins = store.transfer.deal_origins()
        return cls(
            store,
            Names.of(
                store.shape.stages(include_archived=True),
                reasons,
                store.shape.won_reasons(include_archived=True),
            ),
            {r.id: r for r in reasons},
            origins,
            {(s, i) for _, s, i in origins.values() if s and i},
        )

    def read(self, cell: Callable[[str], str], fail: Fail, row_key: str) -> ImportRow | None:
        """The row's deal, or None when it is already here. `row_key`: the row's hash, the
        deal's identity when the file has neither deal ids nor CRM ids."""

        def guarded(column: str, parse: Callable[[str], Any], why: str) -> Any:
            text = cell(column)
            try:
                return parse(text)
            except (ValueError, TypeError, KeyError, RecursionError, OverflowError):
                raise fail(column, text, why) from None

        raw_id = cell("id")
        if raw_id and not re.fullmatch(r"[0-9]{1,18}", raw_id):
            raise fail("id", raw_id, "is not a deal id (a whole number)")
        deal_id = int(raw_id) if raw_id else None
        created = guarded("created_at", _moment, "is not a time")
        source, source_id = cell("source") or None, cell("source_id") or None
        if deal_id is not None and deal_id in self.origins:
            here = self.origins[deal_id][0]
            if ts(_moment(here)) != ts(created):
                raise fail(
                    "id",
                    raw_id,
                    f"is a different deal here (created {here}, not {ts(created)}): this export comes from "
                    "another pipeline; import it into an empty database, or delete the id column to add "
                    "its deals as new ones",
                )
            return None
        origin = (source, source_id) if source and source_id else None
        if deal_id is None and origin is None:
            source, source_id = FORMAT.name, row_key
            origin = (source, source_id)
        if deal_id is not None and deal_id in self.seen_ids:
            return None
        if origin and (origin in self.here_by_source or origin in self.seen_sources):
            return None
        if deal_id is not None:
            self.seen_ids.add(deal_id)
        if origin:
            self.seen_sources.add(origin)

        status = cell("status") or "open"
        try:
            kind = StageKind(status)
        except ValueError:
            raise fail("status", status, "is not open, won or lost") from None
        if not cell("stage").strip():
            raise fail("stage", cell("stage"), "is empty: every deal needs a stage")
        stage_id = self.names.stage(cell("stage"), kind)
        reason_id = (
            self.names.reason(cell("loss_reason")) if cell("loss_reason") and kind is StageKind.LOST else None
        )
        won_id = (
            self.names.won_reason(cell("won_reason"))
            if cell("won_reason") and kind is StageKind.WON
            else None
        )
        revisit_state = guarded(
            "revisit_state", lambda t: RevisitState(t) if t else None, "is not pending or closed"
        )
        timeline = None
        notes: tuple[tuple[datetime, str], ...] = ()
        if cell("timeline"):
            timeline = guarded(
                "timeline", lambda t: read_timeline(t, self.names), "is not the timeline pipeline-tui writes"
            )
        elif cell("notes"):
            notes = guarded("notes", read_notes, "is not the notes list pipeline-tui writes")
        row = ImportRow(
            id=deal_id,
            title=cell("title"),
            company=cell("company"),
            contact=cell("contact"),
            value=guarded("value", _minor, "is not an amount"),
            currency=cell("currency") or None,
            stage_id=stage_id,
            expected_close=guarded("expected_close", _maybe_day, "is not a date"),
            next_step=cell("next_step"),
            next_step_due=guarded("next_step_due", _maybe_day, "is not a date"),
            created_at=created,
            stage_entered_at=guarded("stage_entered_at", _maybe_moment, "is not a time") or created,
            last_activity_at=guarded("last_activity_at", _maybe_moment, "is not a time") or created,
            closed_at=guarded("closed_at", _maybe_moment, "is not a time"),
            loss_reason_id=reason_id,
            competitor=cell("competitor"),
            lost_at_stage_id=self.names.stage(cell("lost_at_stage"), archived=True)
            if cell("lost_at_stage").strip()
            else None,
            loss_note=cell("loss_note"),
            revisit_on=guarded("revisit_on", _maybe_day, "is not a date"),
            revisit_state=revisit_state,
            source=source,
            source_id=source_id,
            archived_at=guarded("archived_at", _maybe_moment, "is not a time"),
            snoozed_until=guarded("snoozed_until", _maybe_day, "is not a date"),
            crm_baseline=guarded(
                "crm_baseline", lambda t: read_baseline(t, self.names), "is not a CRM baseline"
            ),
            notes=notes,
            timeline=timeline,
            won_reason_id=won_id,
            won_note=cell("won_note") if kind is StageKind.WON else "",
        )
        check_limits(row, fail)
        return row


def check_limits(row: ImportRow, fail: Fail) -> None:
    """The limits every path has, checked here so that a refusal names the column."""

    def check(column: str, value: Any, test: Callable[[Any, str], Any]) -> None:
        try:
            test(value, column.replace("_", " "))
        except InputError as exc:
            raise fail(column, "" if value is None else str(value), f"is refused: {exc}") from None

    check("title", row.title, lambda v, f: check_text(v, f, required=True))
    for column in ("company", "contact", "next_step", "competitor"):
        check(column, getattr(row, column), check_text)
    check("loss_note", row.loss_note, check_note)
    check("won_note", row.won_note, check_note)
    check("value", row.value, lambda v, f: check_amount(v))
    if row.currency is not None:
        check("currency", row.currency, lambda v, f: check_currency(v))
    for column in ("expected_close", "next_step_due", "revisit_on", "snoozed_until"):
        check(column, getattr(row, column), check_date)
    for column in ("created_at", "stage_entered_at", "last_activity_at", "closed_at", "archived_at"):
        if getattr(row, column) is not None:
            check(column, getattr(row, column), check_moment)
    for at, text in row.notes:
        check("notes", at, check_moment)
        check("notes", text, lambda v, f: check_note(v, f, required=True))
    for event in row.timeline or ():
        check("timeline", event.at, check_moment)
        check("timeline", event.text, check_note)


def _minor(text: str) -> int:
    """'12000.50' as our export writes values: exact cents."""
    if not text:
        return 0
    m = re.fullmatch(r"(\d{1,16})(?:\.(\d{1,2}))?", text)
    if m is None:
        raise ValueError("not an amount")
    return int(m[1]) * 100 + int((m[2] or "0").ljust(2, "0"))


def _named(name: object) -> bool:
    """Whether a timeline entry names a stage (a blank name names none)."""
    return bool(name) and bool(str(name).strip())


def cell_reader(header: list[str], cells: list[str]) -> Callable[[str], str]:
    """cell(name) of one row of our export: formula guards taken off again."""
    index = {name: i for i, name in enumerate(header)}

    def cell(name: str) -> str:
        i = index.get(name)
        return unneutralize(cells[i]) if i is not None and i < len(cells) else ""

    return cell


__all__ = ["FORMAT", "Names", "OwnRows", "cell_reader", "ts"]

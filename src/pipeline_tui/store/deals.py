"""Changing deals. Every change is one transaction that also writes its timeline event and
bumps the deal's `rev`.

Each change comes in two forms: `move(deal_id, …)` reads the deal and changes it;
`apply_move(deal, …)` changes a deal the caller has just read inside its own transaction
(the operations layer reads once, checks it against what the user saw, then applies)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pipeline_tui import rules
from pipeline_tui.errors import InputError, RuleError
from pipeline_tui.limits import check_amount, check_currency, check_date, check_note, check_text
from pipeline_tui.models import Deal, Event, EventKind, LossInput, LossReason, RevisitState, StageKind
from pipeline_tui.store.codec import deal_row, deal_with, sql_value, ts
from pipeline_tui.store.queries import Queries

EDITABLE_FIELDS = (
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "expected_close",
    "next_step",
    "next_step_due",
)
LOSS_FIELDS = frozenset(
    {"loss_reason_id", "competitor", "loss_note", "lost_at_stage_id", "revisit_on", "revisit_state"}
)


def _check_field(name: str, value: Any) -> Any:
    """An editable field's value checked as every path checks it."""
    if name in ("title", "company", "contact", "next_step"):
        return check_text(value, name.replace("_", " "), required=name == "title")
    if name == "currency":
        return check_currency(value)
    if name == "value":
        return check_amount(value)
    if name in ("expected_close", "next_step_due"):
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            raise InputError(f"The {name.replace('_', ' ')} must be a date, not {value!r}.")
        return check_date(value, name.replace("_", " "))
    raise InputError(f"Cannot edit {name}.")


class DealWrites(Queries):
    # ------------------------------------------------------------ plumbing

    def _log(
        self,
        deal_id: int,
        kind: EventKind,
        text: str = "",
        *,
        at: datetime,
        from_stage: int | None = None,
        to_stage: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                deal_id,
                ts(at),
                kind.value,
                text,
                from_stage,
                to_stage,
                json.dumps(data or {}, ensure_ascii=False, default=str),
            ],
        )
        event_id = int(cur.lastrowid or 0)
        self.events_written.append((deal_id, event_id))
        return event_id

    def written_events(self, deal_id: int) -> list[int]:
        """The events this transaction wrote for `deal_id` (an undo takes them back)."""
        return [event_id for written_for, event_id in self.events_written if written_for == deal_id]

    def retract_events(self, event_ids: list[int]) -> None:
        """Mark what an undone change wrote to the timeline as taken back: it stays in the
        file, shows struck through, and leaves the exports (a loss undone is no loss)."""
        with self.write():
            for event_id in event_ids:
                event = self.event(event_id)
                if event.data.get("retracted"):
                    continue
                data = json.dumps({**event.data, "retracted": True}, ensure_ascii=False)
                self.db.execute("UPDATE events SET data = ? WHERE id = ?", [data, event_id])

    def _apply(self, deal: Deal, fields: dict[str, Any]) -> Deal:
        """UPDATE the deal's `fields` (SQLite values) and bump its rev; the deal as it is now."""
        fields = {**fields, "rev": deal.rev + 1}
        sets = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(f"UPDATE deals SET {sets} WHERE id = ?", [*fields.values(), deal.id])
        return deal_with(deal, fields)

    # ------------------------------------------------------------------ adding

    def add(
        self,
        title: str,
        *,
        company: str = "",
        contact: str = "",
        value: int = 0,
        currency: str | None = None,
        stage_id: int | None = None,
        expected_close: date | None = None,
        next_step: str = "",
        next_step_due: date | None = None,
        loss: LossInput | None = None,
        created_at: datetime | None = None,
        note: str = "",
    ) -> Deal:
        """Create a deal (in the first open stage unless told otherwise)."""
        stage = self.stage(stage_id) if stage_id is not None else self.first_stage(StageKind.OPEN)
        if stage.archived:
            raise RuleError(f"{stage.name} is archived; choose another stage.")
        created = created_at or self.clock()
        row: dict[str, Any] = {
            "title": check_text(title, "title", required=True),
            "company": check_text(company, "company"),
            "contact": check_text(contact, "contact"),
            "value": check_amount(value),
            "currency": check_currency(currency or self.currency),
            "stage_id": stage.id,
            "expected_close": sql_value(check_date(expected_close, "close date")),
            "next_step": check_text(next_step, "next step"),
            "next_step_due": sql_value(check_date(next_step_due, "next step's due date")),
            "created_at": ts(created),
            "stage_entered_at": ts(created),
            "last_activity_at": ts(created),
        }
        body = check_note(note)
        reason = None
        if stage.kind is StageKind.LOST:
            reason = self.reason(loss.reason_id) if loss else None
            rules.check_loss(reason, loss)
            assert loss is not None
            row.update(self._loss_fields(loss, lost_at=None, at=created))
        elif stage.kind is StageKind.WON:
            row["closed_at"] = ts(created)
        with self.write():
            cur = self.db.execute(
                f"INSERT INTO deals ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            deal_id = int(cur.lastrowid or 0)
            self._log(deal_id, EventKind.CREATED, at=created, to_stage=stage.id)
            if reason is not None and loss is not None:
                self._log(
                    deal_id, EventKind.LOST, row["loss_note"], at=created, data=self._loss_data(reason, loss)
                )
            if body:
                self._log(deal_id, EventKind.NOTE, body, at=created)
            return self.get(deal_id)

    def remove_new_deal(self, deal_id: int) -> None:
        """Undo adding a deal: only while nothing but its creation is recorded."""
        with self.write():
            deal = self.get(deal_id)
            kinds = {
                EventKind(k) for (k,) in self._rows("SELECT kind FROM events WHERE deal_id = ?", [deal.id])
            }
            if kinds - {EventKind.CREATED}:
                raise RuleError(f"{deal.title!r} has a history now; it was not removed.")
            self.db.execute("DELETE FROM events WHERE deal_id = ?", [deal.id])
            self.db.execute("DELETE FROM deals WHERE id = ?", [deal.id])

    # ------------------------------------------------------------------ stages

    def _loss_fields(self, loss: LossInput, *, lost_at: int | None, at: datetime) -> dict[str, Any]:
        return {
            "closed_at": ts(at),
            "loss_reason_id": loss.reason_id,
            "competitor": check_text(loss.competitor, "competitor"),
            "loss_note": check_note(loss.note),
            "lost_at_stage_id": lost_at,
            "revisit_on": sql_value(check_date(loss.revisit_on, "revisit date")),
            "revisit_state": RevisitState.PENDING.value if loss.revisit_on else None,
        }

    @staticmethod
    def _loss_data(reason: LossReason, loss: LossInput) -> dict[str, Any]:
        return {
            "reason": reason.label,
            "reason_id": reason.id,
            # What the loss was when it was recorded: a later change of the reason's kind
            # re-labels reports, not this entry.
            "outcome": reason.outcome.value,
            "competitor": loss.competitor.strip(),
            "revisit_on": loss.revisit_on.isoformat() if loss.revisit_on else None,
        }

    def _old_loss(self, deal: Deal) -> dict[str, Any]:
        reason = self.reason(deal.loss_reason_id).label if deal.loss_reason_id else None
        return {
            "reason": reason,
            "reason_id": deal.loss_reason_id,
            "competitor": deal.competitor,
            "note": deal.loss_note,
            "revisit_on": deal.revisit_on.isoformat() if deal.revisit_on else None,
            "lost_at_stage_id": deal.lost_at_stage_id,
        }

    @staticmethod
    def _cleared_loss() -> dict[str, Any]:
        return {
            "loss_reason_id": None,
            "competitor": "",
            "loss_note": "",
            "lost_at_stage_id": None,
            "revisit_on": None,
            "revisit_state": None,
        }

    def move(self, deal_id: int, stage_id: int, loss: LossInput | None = None, *, note: str = "") -> Deal:
        """Move a deal to a stage. Into a lost stage only with a loss reason; out of a lost
        stage the loss stays in the timeline and the live loss fields are cleared."""
        with self.write():
            return self.apply_move(self.get(deal_id), stage_id, loss, note=note)

    def apply_move(self, deal: Deal, stage_id: int, loss: LossInput | None = None, *, note: str = "") -> Deal:
        target = self.stage(stage_id)
        source = self.stage(deal.stage_id)
        reason = self.reason(loss.reason_id) if loss is not None else None
        rules.check_move(deal, target, reason, loss)
        now = self.clock()
        fields: dict[str, Any] = {
            "stage_id": target.id,
            "stage_entered_at": ts(now),
            "last_activity_at": ts(now),
        }
        data: dict[str, Any] = {"from": source.name, "to": target.name}
        text = check_note(note)
        if source.kind is StageKind.LOST:
            data["previous_loss"] = self._old_loss(deal)
            fields.update(self._cleared_loss())
        if target.kind is StageKind.LOST:
            assert loss is not None and reason is not None
            fields.update(self._loss_fields(loss, lost_at=source.id, at=now))
            data.update(self._loss_data(reason, loss))
            kind, text = EventKind.LOST, fields["loss_note"]
        elif target.kind is StageKind.WON:
            fields["closed_at"] = ts(now)
            kind = EventKind.WON
        else:
            fields["closed_at"] = None
            kind = EventKind.REOPENED if source.is_endpoint else EventKind.MOVED
        with self.write():
            after = self._apply(deal, fields)
            self._log(deal.id, kind, text, at=now, from_stage=source.id, to_stage=target.id, data=data)
        return after

    def record_loss(self, deal_id: int, loss: LossInput) -> Deal:
        """Fill in (or correct) the loss of a deal that is already lost, e.g. an import."""
        with self.write():
            return self.apply_record_loss(self.get(deal_id), loss)

    def apply_record_loss(self, deal: Deal, loss: LossInput) -> Deal:
        stage = self.stage(deal.stage_id)
        if stage.kind is not StageKind.LOST:
            raise RuleError(f"{deal.title!r} is not lost; mark it lost instead.")
        reason = self.reason(loss.reason_id)
        rules.check_loss(reason, loss)
        now = self.clock()
        fields = self._loss_fields(loss, lost_at=deal.lost_at_stage_id, at=now)
        fields["closed_at"] = ts(deal.closed_at) if deal.closed_at else ts(now)
        fields["last_activity_at"] = ts(now)
        data = {**self._loss_data(reason, loss), "previous_loss": self._old_loss(deal)}
        with self.write():
            after = self._apply(deal, fields)
            self._log(deal.id, EventKind.LOST, fields["loss_note"], at=now, data=data)
        return after

    def mark_lost(self, deal_id: int, loss: LossInput, *, stage_id: int | None = None) -> Deal:
        stage = self.stage(stage_id) if stage_id else self.first_stage(StageKind.LOST)
        return self.move(deal_id, stage.id, loss)

    def mark_won(self, deal_id: int, *, stage_id: int | None = None) -> Deal:
        stage = self.stage(stage_id) if stage_id else self.first_stage(StageKind.WON)
        return self.move(deal_id, stage.id)

    def reopen(self, deal_id: int, stage_id: int, *, note: str = "") -> Deal:
        """Bring a closed deal back to an open stage; the old loss stays in the timeline."""
        if not self.stage(stage_id).is_open:
            raise RuleError("A deal can only be reopened into an open stage.")
        return self.move(deal_id, stage_id, note=note)

    # ------------------------------------------------------------------- notes

    def add_note(self, deal_id: int, text: str) -> Event:
        """A timeline note; counts as activity, so it clears an idle flag."""
        with self.write():
            _, event_id = self.apply_note(self.get(deal_id), text)
            return self.event(event_id)

    def apply_note(self, deal: Deal, text: str) -> tuple[Deal, int]:
        body = check_note(text, required=True)
        now = self.clock()
        with self.write():
            after = self._apply(deal, {"last_activity_at": ts(now)})
            event_id = self._log(deal.id, EventKind.NOTE, body, at=now)
        return after, event_id

    def retract_note(self, event_id: int, *, deal_before: dict[str, Any] | None = None) -> Deal:
        """Undo a note: it stays in the file, marked retracted, and leaves the exports. With
        `deal_before` (the deal's columns before the note), its last activity goes back too,
        unless something happened to the deal since."""
        with self.write():
            event = self.event(event_id)
            if event.kind is not EventKind.NOTE:
                raise RuleError("Only notes can be retracted.")
            if event.data.get("retracted"):
                raise RuleError("That note was already taken back.")
            data = {**event.data, "retracted": True}
            self.db.execute(
                "UPDATE events SET data = ? WHERE id = ?", [json.dumps(data, ensure_ascii=False), event_id]
            )
            deal = self.get(event.deal_id)
            fields: dict[str, Any] = {}
            if deal_before is not None and ts(deal.last_activity_at) == ts(event.at):
                fields["last_activity_at"] = deal_before["last_activity_at"]
            after = self._apply(deal, fields)
            # The undo event does not quote the note: a retracted note leaves the exports.
            self._log(event.deal_id, EventKind.UNDONE, at=self.clock(), data={"retracted_event": event_id})
        return after

    # ------------------------------------------------------------------- edits

    def set_next_step(self, deal_id: int, text: str, due: date | None) -> Deal:
        return self.edit(deal_id, next_step=text, next_step_due=due)

    def edit(self, deal_id: int, **changes: Any) -> Deal:
        """Change a deal's fields; the old and new values go to the timeline."""
        with self.write():
            return self.apply_edit(self.get(deal_id), changes)

    def apply_edit(self, deal: Deal, changes: dict[str, Any]) -> Deal:
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InputError(f"Cannot edit {', '.join(sorted(unknown))}.")
        updated = replace(deal, **{name: _check_field(name, value) for name, value in changes.items()})
        old_row, new_row = deal_row(deal), deal_row(updated)
        diff = {k: [old_row[k], new_row[k]] for k in changes if old_row[k] != new_row[k]}
        if not diff:
            return deal
        now = self.clock()
        step_only = set(diff) <= {"next_step", "next_step_due"}
        kind = EventKind.NEXT_STEP if step_only else EventKind.EDITED
        text = updated.next_step if step_only else ""
        with self.write():
            after = self._apply(deal, {**{k: new_row[k] for k in diff}, "last_activity_at": ts(now)})
            self._log(deal.id, kind, text, at=now, data={"changes": diff})
        return after

    # ------------------------------------------------------- snooze, archive

    def snooze_revisit(self, deal_id: int, on: date, *, note: str = "") -> Deal:
        """Set a lost deal's revisit date (again)."""
        with self.write():
            return self.apply_snooze_revisit(self.get(deal_id), on, note=note)

    def apply_snooze_revisit(self, deal: Deal, on: date, *, note: str = "") -> Deal:
        if self.stage(deal.stage_id).kind is not StageKind.LOST:
            raise RuleError(f"{deal.title!r} is not lost; only lost deals have revisits.")
        check_date(on, "revisit date")
        now = self.clock()
        with self.write():
            after = self._apply(
                deal, {"revisit_on": on.isoformat(), "revisit_state": RevisitState.PENDING.value}
            )
            self._log(
                deal.id,
                EventKind.REVISIT_SNOOZED,
                check_note(note),
                at=now,
                data={"from": deal.revisit_on.isoformat() if deal.revisit_on else None, "to": on.isoformat()},
            )
        return after

    def snooze_stale(self, deal_id: int, until: date, *, note: str = "") -> Deal:
        """Keep an open deal off the stale list until `until` (it is not activity)."""
        with self.write():
            return self.apply_snooze_stale(self.get(deal_id), until, note=note)

    def apply_snooze_stale(self, deal: Deal, until: date, *, note: str = "") -> Deal:
        if not self.stage(deal.stage_id).is_open:
            raise RuleError(f"{deal.title!r} is closed; only open deals go stale.")
        check_date(until, "snooze date")
        now = self.clock()
        with self.write():
            after = self._apply(deal, {"snoozed_until": until.isoformat()})
            self._log(
                deal.id,
                EventKind.SNOOZED,
                check_note(note),
                at=now,
                data={
                    "from": deal.snoozed_until.isoformat() if deal.snoozed_until else None,
                    "to": until.isoformat(),
                },
            )
        return after

    def close_revisit(self, deal_id: int, *, note: str = "") -> Deal:
        """No more potential: the revisit leaves the list, the date stays on record."""
        with self.write():
            return self.apply_close_revisit(self.get(deal_id), note=note)

    def apply_close_revisit(self, deal: Deal, *, note: str = "") -> Deal:
        if deal.revisit_state is not RevisitState.PENDING:
            raise RuleError(f"{deal.title!r} has no open revisit.")
        now = self.clock()
        with self.write():
            after = self._apply(deal, {"revisit_state": RevisitState.CLOSED.value})
            self._log(
                deal.id,
                EventKind.REVISIT_CLOSED,
                check_note(note),
                at=now,
                data={"revisit_on": deal.revisit_on.isoformat() if deal.revisit_on else None},
            )
        return after

    def archive(self, deal_id: int, *, archived: bool = True) -> Deal:
        with self.write():
            return self.apply_archive(self.get(deal_id), archived=archived)

    def apply_archive(self, deal: Deal, *, archived: bool = True) -> Deal:
        """Archive (junk, a duplicate) or bring back: history is kept either way."""
        if deal.archived == archived:
            raise RuleError(f"{deal.title!r} is {'already' if archived else 'not'} archived.")
        now = self.clock()
        with self.write():
            after = self._apply(deal, {"archived_at": ts(now) if archived else None})
            self._log(deal.id, EventKind.ARCHIVED if archived else EventKind.UNARCHIVED, at=now)
        return after

    # -------------------------------------------------------------------- undo

    def apply_undo(
        self, deal: Deal, before: dict[str, Any], after: dict[str, Any], *, label: str = ""
    ) -> Deal:
        """Put back what one change altered (`before` → `after`, SQLite values), only where
        nobody has changed it since; the undo goes to the timeline but is not activity."""
        now_row = deal_row(deal)
        changed = {k for k in before if k in now_row and before[k] != after.get(k)} - {"rev"}
        if "stage_id" in changed:
            changed |= LOSS_FIELDS | {"closed_at", "stage_entered_at"}  # a stage change carries these
        row = {k: before[k] for k in changed if now_row[k] == after.get(k)}
        if "stage_id" in changed and "stage_id" not in row:
            raise RuleError(f"{deal.title!r} has been moved since; nothing was undone.")
        if not row:
            raise RuleError(f"{deal.title!r} has changed since; nothing was undone.")
        moved = "stage_id" in row and deal.stage_id != row["stage_id"]
        with self.write():
            restored = self._apply(deal, row)
            self._log(
                deal.id,
                EventKind.UNDONE,
                check_text(label, "label", limit=2000),
                at=self.clock(),
                from_stage=deal.stage_id if moved else None,
                to_stage=row["stage_id"] if moved else None,
                data={"previous_loss": self._old_loss(deal)} if deal.loss_reason_id else {},
            )
        return restored

    def restore(self, snapshot: Deal, *, label: str = "", after: Deal | None = None) -> Deal:
        """Undo: put a deal back as it was in `snapshot` (with `after`, only what that change
        altered, and only where nobody has changed it since)."""
        with self.write():
            current = self.get(snapshot.id)
            return self.apply_undo(
                current, deal_row(snapshot), deal_row(after if after is not None else current), label=label
            )

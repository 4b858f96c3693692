"""A restored pipeline's rows read back as the app reads them, strictly (`codec.STRICT`):
the first few values pipeline-tui would never have written, each naming the deal (or the
timeline entry, the change, the stage) and the field. A restore refuses a file with any."""

from __future__ import annotations

from typing import Any

from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.limits import MAX_NAME, check_currency
from pipeline_tui.store.codec import DEAL_COLUMNS, EVENT_STRICT, STRICT, strict_json_object, strict_moment
from pipeline_tui.store.connection import Connection

FIELD_WORDS = {
    "expected_close": "close date", "next_step_due": "next step's due date", "created_at": "creation time",
    "stage_entered_at": "time it entered its stage", "last_activity_at": "last activity time",
    "closed_at": "closing time", "archived_at": "archiving time", "snoozed_until": "snooze date",
    "revisit_on": "revisit date", "revisit_state": "revisit state", "loss_reason_id": "loss reason",
    "lost_at_stage_id": "lost-at stage", "stage_id": "stage", "rev": "revision", "source_id": "CRM id",
}  # fmt: skip


def _describe(value: Any) -> str:
    if isinstance(value, bytes):
        return "binary data"
    text = repr(value)
    return safe(text if len(text) <= 40 else text[:37] + "...")


def model_problems(conn: Connection, limit: int = 3) -> list[str]:
    """Every row read back as the app reads it, strictly: the first few values it would
    never have written, each naming the deal (or entry) and the field."""
    found: list[str] = []

    def say(text: str) -> bool:
        found.append(text)
        return len(found) >= limit

    names = (*DEAL_COLUMNS, "crm_baseline")
    for row in conn.db.execute("SELECT " + ", ".join(names) + " FROM deals ORDER BY id"):
        values = dict(zip(names, row, strict=True))
        for column, parse in STRICT.items():
            try:
                parse(values[column])
            except (ValueError, TypeError, OverflowError):
                field = FIELD_WORDS.get(column, column.replace("_", " "))
                if say(f"deal #{values['id']} has a {field} of {_describe(values[column])}"):
                    return found
                break
        else:
            try:
                check_currency(values["currency"])
            except InputError:
                if say(f"deal #{values['id']} has a currency of {_describe(values['currency'])}"):
                    return found
            try:
                if values["crm_baseline"] is not None:
                    strict_json_object(values["crm_baseline"])
            except (ValueError, TypeError):
                if say(f"deal #{values['id']} has a CRM baseline that is not JSON"):
                    return found
    event_columns = list(EVENT_STRICT)
    select = "SELECT id, deal_id, " + ", ".join(event_columns) + " FROM events ORDER BY id"
    for row in conn.db.execute(select):
        event_id, deal_id, *rest = row
        for column, value in zip(event_columns, rest, strict=True):
            try:
                EVENT_STRICT[column](value)
            except (ValueError, TypeError, OverflowError):
                field = {"at": "time", "data": "details"}.get(column, column.replace("_", " "))
                if say(f"deal #{deal_id}'s timeline entry #{event_id} has a {field} of {_describe(value)}"):
                    return found
                break
    for change_id, at, payload, undone in conn.db.execute("SELECT id, at, payload, undone_at FROM changes"):
        try:
            strict_moment(at)
            strict_moment(undone)
            strict_json_object(payload)
        except (ValueError, TypeError, OverflowError):
            if say(f"the change journal's entry #{change_id} cannot be read"):
                return found
    for table, what, column in (("stages", "stage", "name"), ("loss_reasons", "loss reason", "label")):
        for row_id, name in conn.db.execute(f"SELECT id, {column} FROM {table}"):
            bad = not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME
            if bad and say(f"{what} #{row_id} has a {column} of {_describe(name)}"):
                return found
    return found

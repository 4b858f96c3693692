"""CSV export (and the shared CSV conventions): RFC 4180, UTF-8, formula-safe cells."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pipeline_tui.errors import PipelineError
from pipeline_tui.money import minor_to_decimal_str
from pipeline_tui.store import Store, ts

NOTE_COLUMNS = (
    "deal_id",
    "title",
    "company",
    "stage",
    "status",
    "note_time",
    "kind",
    "text",
    "loss_reason",
    "competitor",
    "revisit_on",
)
DEAL_COLUMNS = (
    "id",
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "stage",
    "status",
    "expected_close",
    "next_step",
    "next_step_due",
    "created_at",
    "stage_entered_at",
    "last_activity_at",
    "closed_at",
    "loss_reason",
    "competitor",
    "lost_at_stage",
    "loss_note",
    "revisit_on",
    "revisit_state",
    "source",
    "source_id",
    "notes",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralize(value: Any) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    # Text that already starts with apostrophes before a trigger ("'=x") gets one more, so
    # unneutralize can tell it from a neutralized "=x" and the round trip stays lossless.
    if text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def unneutralize(text: str) -> str:
    """Undo `neutralize` on a cell read back from our own export."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def write_rows(out: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> int:
    columns = tuple(columns)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([neutralize(row.get(col)) for col in columns])
        count += 1
    return count


def deal_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One dict per deal in export form (names instead of ids, notes as JSON)."""
    stages = {s.id: s for s in store.stages(include_archived=True)}
    reasons = {r.id: r.label for r in store.reasons(include_archived=True)}
    for deal in store.deals():
        stage = stages[deal.stage_id]
        notes = [[ts(e.at), e.text] for e in store.notes(deal.id)]
        yield {
            "id": deal.id,
            "title": deal.title,
            "company": deal.company,
            "contact": deal.contact,
            "value": minor_to_decimal_str(deal.value),
            "currency": deal.currency,
            "stage": stage.name,
            "status": stage.kind.value,
            "expected_close": deal.expected_close or "",
            "next_step": deal.next_step,
            "next_step_due": deal.next_step_due or "",
            "created_at": ts(deal.created_at),
            "stage_entered_at": ts(deal.stage_entered_at),
            "last_activity_at": ts(deal.last_activity_at),
            "closed_at": ts(deal.closed_at) if deal.closed_at else "",
            "loss_reason": reasons.get(deal.loss_reason_id, "") if deal.loss_reason_id else "",
            "competitor": deal.competitor,
            "lost_at_stage": stages[deal.lost_at_stage_id].name if deal.lost_at_stage_id else "",
            "loss_note": deal.loss_note,
            "revisit_on": deal.revisit_on or "",
            "revisit_state": deal.revisit_state.value if deal.revisit_state else "",
            "source": deal.source or "",
            "source_id": deal.source_id or "",
            "notes": json.dumps(notes, ensure_ascii=False) if notes else "",
        }


def export(store: Store, what: str, out: IO[str]) -> int:
    """Write notes or deals as CSV to an open text stream; returns the row count."""
    if what == "notes":
        return write_rows(out, NOTE_COLUMNS, store.note_rows())
    if what == "deals":
        return write_rows(out, DEAL_COLUMNS, deal_rows(store))
    raise PipelineError(f"Cannot export {what!r}; choose notes or deals.")


def export_to_path(store: Store, what: str, path: str | os.PathLike[str], *, excel: bool = False) -> int:
    """Write the CSV next to `path` and move it into place, so a failure leaves no half file."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise PipelineError(f"{target} is a folder; give a file name ending in .csv.")
    if not target.parent.exists():
        raise PipelineError(f"The folder {target.parent} does not exist.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=target.parent)
    except OSError as exc:
        raise PipelineError(f"Cannot write in {target.parent}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if excel:
                fh.write(BOM)
            count = export(store, what, fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def export_to_string(store: Store, what: str, *, excel: bool = False) -> str:
    buffer = io.StringIO(newline="")
    if excel:
        buffer.write(BOM)
    export(store, what, buffer)
    return buffer.getvalue()

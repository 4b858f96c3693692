"""CSV export: RFC 4180, UTF-8, inert cells for any spreadsheet locale (the columns and the
cell rules: csv_cells; a CRM's notes file keeps its text exact)."""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from json.encoder import c_make_encoder  # type: ignore[attr-defined]
from json.encoder import encode_basestring as _json_text
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline_tui.csv_cells import DEAL_COLUMNS as DEAL_COLUMNS
from pipeline_tui.csv_cells import NOTE_COLUMNS as NOTE_COLUMNS
from pipeline_tui.csv_cells import Writer, write_deals
from pipeline_tui.csv_cells import neutralize as neutralize
from pipeline_tui.csv_cells import unneutralize as unneutralize
from pipeline_tui.errors import PipelineError

# The columns and cell rules moved to csv_cells (own.py reads them without the export);
# re-exported, since the report's CSV and the tests take them from here.
from pipeline_tui.memo import Memo
from pipeline_tui.money import minor_to_decimal_str
from pipeline_tui.store import Store, ts
from pipeline_tui.store.codec import json_object, lenient_date, lenient_int, lenient_moment, lenient_revisit

if TYPE_CHECKING:
    from pipeline_tui.xlsx import Written

BOM = "\ufeff"


def write_rows(out: IO[str], columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> int:
    columns = tuple(columns)
    writer = Writer(out)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([row.get(col) for col in columns])
        count += 1
    return count


def portable_data(data: dict[str, Any], stage_names: dict[int, str], event_ids: list[int]) -> dict[str, Any]:
    """An event's details without database ids (see csv_cells.DEAL_COLUMNS)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("batch", "reason_id"):
            continue
        if key == "retracted_event" and isinstance(value, int):
            out[key] = event_ids.index(value) if value in event_ids else None
        elif key == "lost_at_stage_id":
            out["lost_at_stage"] = stage_names.get(value) if isinstance(value, int) else None
        elif isinstance(value, dict):
            out[key] = portable_data(value, stage_names, event_ids)
        else:
            out[key] = value
    return out


def timeline_json(store: Store, deal_id: int, stage_names: dict[int, str]) -> str:
    """A deal's whole timeline as the deals export writes it."""
    ids = store.transfer.event_ids(deal_id)
    rows = store.transfer.event_rows(deal_id)
    return _timeline([(i, *row) for i, row in zip(ids, rows, strict=True)], stage_names)


def _timeline(
    events: list[tuple[Any, ...]], stage_names: dict[int, str], memo: dict[str, str] | None = None
) -> str:
    """Events as stored (id, at, kind, text, from stage, to stage, data) as the export's JSON:
    what json.dumps writes for the list of entries, written straight. `memo`: an event's
    details as written, by their stored text (an import's events all carry the same batch);
    details naming another event are made afresh."""
    ids: list[int] | None = None
    entries = []
    for _, at, kind, text, from_id, to_id, data in events:
        entry = '{"at": ' + _json_value(at) + ', "kind": ' + _json_value(kind)
        if text:
            entry += ', "text": ' + _json_value(text)
        if from_id is not None:
            entry += ', "from": ' + _json_value(stage_names.get(from_id))
        if to_id is not None:
            entry += ', "to": ' + _json_value(stage_names.get(to_id))
        if memo is not None and data and "retracted_event" not in data:
            details = memo.get(data)
            if details is None:
                details = memo[data] = _details(portable_data(json_object(data), stage_names, []))
        else:
            ids = ids if ids is not None else [event[0] for event in events]
            details = _details(portable_data(json_object(data), stage_names, ids))
        entries.append(entry + details + "}")
    return "[" + ", ".join(entries) + "]"


def _json_value(value: Any) -> str:
    return _json_text(value) if value.__class__ is str else _JSON(value)


def _details(details: dict[str, Any]) -> str:
    return ', "data": ' + _JSON(details) if details else ""


def portable_baseline(baseline: dict[str, Any] | None, stage_names: dict[int, str]) -> str:
    """The CRM baseline with the board stage by name. The dict is changed: the caller hands
    over one just read."""
    if not baseline:
        return ""
    if "stage_id" in baseline:
        stage_id = baseline.pop("stage_id")
        try:
            baseline["board_stage"] = stage_names.get(stage_id)
        except TypeError:  # not an id at all (a file edited elsewhere)
            baseline["board_stage"] = None
    return _SORTED_JSON(baseline)


def _encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """`json.JSONEncoder(ensure_ascii=False, sort_keys=…).encode`, with Python's C encoder
    made once (`encode` makes one per call: a third of an export's JSON time)."""
    made = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys)
    if c_make_encoder is None:  # a Python without the json accelerator
        return made.encode
    encode: Callable[[Any, int], Iterable[str]] = c_make_encoder(
        None, made.default, _json_text, None, ": ", ", ", sort_keys, False, True
    )
    return lambda value: "".join(encode(value, 0))


_JSON = _encoder(sort_keys=False)
_SORTED_JSON = _encoder(sort_keys=True)
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _stored_object(text: str) -> dict[str, Any]:
    """`json_object(text)` for a stored baseline, read by Python's C scanner straight (the
    common case: an object and nothing around it); anything else as `json_object` reads it."""
    try:
        value, end = _SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return json_object(text)
    return value if end == len(text) and value.__class__ is dict else json_object(text)


def deal_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One dict per deal, archived ones too, in export form (see `deal_cells`)."""
    for cells in deal_cells(store):
        yield dict(zip(DEAL_COLUMNS, cells, strict=True))


def deal_cells(store: Store, *, text: bool = False) -> Iterator[list[Any]]:
    """One list per deal in DEAL_COLUMNS order, archived deals too, in export form (names
    instead of ids, the timeline as JSON), read in one ordered pass over the deals and their
    events. `text`: every cell as the CSV writes it (the id and dates as text; a workbook
    keeps them as numbers and dates)."""
    stages = {s.id: s for s in store.shape.stages(include_archived=True)}
    names = {i: s.name for i, s in stages.items()}
    kinds = {i: s.kind.value for i, s in stages.items()}
    reasons = {r.id: r.label for r in store.shape.reasons(include_archived=True)}
    won_reasons = {r.id: r.label for r in store.shape.won_reasons(include_archived=True)}
    # Stored text -> the export's value, as Deal and ts() would make it (a moment in local
    # time with its offset; a date as a date).
    # A value the app never writes (a file edited elsewhere) reads as missing, as in a Deal.
    moment = Memo(lambda text: ts(at) if text and (at := lenient_moment(text)) else "", limit=200_000)

    def as_day(stored: str) -> date | str:
        day = lenient_date(stored) if stored else None
        return "" if day is None else day.isoformat() if text else day

    day = Memo(as_day, limit=200_000)
    state = Memo(lambda text: kind.value if text and (kind := lenient_revisit(text)) else "", limit=200_000)
    details: dict[str, str] = {}
    for row, events in store.transfer.export_rows():
        (deal_id, title, company, contact, value, currency, stage_id, expected_close, next_step,
         next_step_due, created_at, stage_entered_at, last_activity_at, closed_at, loss_reason_id,
         competitor, lost_at_stage_id, loss_note, revisit_on, revisit_state, source, source_id,
         archived_at, snoozed_until, baseline, won_reason_id, won_note) = row  # fmt: skip
        yield [
            str(deal_id) if text else deal_id,
            title,
            company,
            contact,
            f"{value // 100}.{value % 100:02d}"
            if value.__class__ is int and value >= 0
            else minor_to_decimal_str(lenient_int(value)),
            currency,
            names[stage_id],
            kinds[stage_id],
            day[expected_close],
            next_step,
            day[next_step_due],
            moment[created_at],
            moment[stage_entered_at],
            moment[last_activity_at],
            moment[closed_at],
            reasons.get(loss_reason_id, "") if loss_reason_id else "",
            competitor,
            names.get(lost_at_stage_id, "") if lost_at_stage_id else "",
            loss_note,
            day[revisit_on],
            state[revisit_state],
            won_reasons.get(won_reason_id, "") if won_reason_id else "",
            won_note,
            source or "",
            source_id or "",
            moment[archived_at],
            day[snoozed_until],
            portable_baseline(_stored_object(baseline) if baseline else None, names),
            _timeline(events, names, details if len(details) < 10_000 else None),
        ]


@dataclass(frozen=True)
class LeftOut:
    """A deal whose notes a CRM's notes file cannot carry (it did not come from that CRM)."""

    deal_id: int
    title: str
    source: str
    notes: int


def export_notes_for(store: Store, crm: str, out: IO[str]) -> tuple[int, list[LeftOut]]:
    """Write the notes of deals that came from `crm` in the columns that CRM's own import
    of notes or activities expects; returns the row count and the deals left out."""
    columns, rows, left = notes_for(store, crm)
    # A file for a CRM's importer keeps every text exact: the CRM stores cells as typed, so a
    # spreadsheet's formula guard (a leading apostrophe) would become part of the note. The
    # cells are still quoted for any locale's delimiter (csv_cells, exact=True).
    writer = Writer(out, exact=True)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count, list(left.values())


def notes_for(store: Store, crm: str) -> tuple[tuple[str, ...], Iterator[list[str]], dict[int, LeftOut]]:
    """The columns and rows of a CRM's notes file, and the deals left out (filled in as the
    rows are read)."""
    from pipeline_tui.importer.formats import by_name

    spec = by_name(crm).notes
    if spec is None:
        raise PipelineError(f"Cannot write notes for {crm}; choose hubspot, pipedrive or salesforce.")
    left: dict[int, LeftOut] = {}

    def rows() -> Iterator[list[str]]:
        for note in store.transfer.note_rows():
            # A CRM id is what its import matches on; a deal matched by name has none.
            if (
                note["source"] != crm
                or not note["source_id"]
                or note["source_id"].startswith(("key-", "row-"))
            ):
                seen = left.get(note["deal_id"])
                origin = note["source"] or "made here"
                if note["source"] == crm:
                    origin = f"{crm} export without record ids"
                elif note["source"] == "csv" and note["source_id"]:
                    origin = f"a --column import; if its ids are {crm}'s, import it again with --source {crm}"
                left[note["deal_id"]] = LeftOut(
                    note["deal_id"], note["title"], origin, (seen.notes if seen else 0) + 1
                )
                continue
            yield list(spec.row(note))

    return tuple(spec.columns), rows(), left


def export_xlsx(
    store: Store, what: str, out: IO[bytes], *, crm: str | None = None
) -> tuple[Written, list[LeftOut]]:
    """Notes, deals or a CRM's notes file as a workbook (see `xlsx`): the same columns and
    rows as the CSV, each cell its own kind, no formula guard needed."""
    from pipeline_tui.xlsx import Sheet, export_kinds, write_workbook

    left: dict[int, LeftOut] = {}
    if crm:
        columns, rows, left = notes_for(store, crm)
        sheet = Sheet(f"Notes for {crm}", columns, rows)  # every cell text: ids keep their zeros
    elif what == "notes":
        notes = ([r.get(c) for c in NOTE_COLUMNS] for r in store.transfer.note_rows())
        sheet = Sheet("Notes", NOTE_COLUMNS, notes, export_kinds(NOTE_COLUMNS))
    else:
        deals = deal_cells(store)
        sheet = Sheet("Deals", DEAL_COLUMNS, deals, export_kinds(DEAL_COLUMNS))
    written = write_workbook(out, [sheet])
    return written, list(left.values())


def export(store: Store, what: str, out: IO[str]) -> int:
    """Write notes or deals as CSV to an open text stream; returns the row count."""
    if what == "notes":
        return write_rows(out, NOTE_COLUMNS, store.transfer.note_rows())
    if what == "deals":
        return write_deals(out, deal_cells(store, text=True))
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

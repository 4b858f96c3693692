"""Import deals from CRM CSV exports (HubSpot, Pipedrive, Salesforce, Maven sample, our own).

Reading, recognizing and mapping are pure; `import_file` hands prepared rows to the store,
which writes them in one transaction. A bad row stops the import and names the row, the
column and the value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline_tui.csv_io import DEAL_COLUMNS, unneutralize
from pipeline_tui.errors import InputError, PipelineError
from pipeline_tui.models import LossReason, RevisitState, Stage, StageKind
from pipeline_tui.money import parse_amount
from pipeline_tui.store import Store, ts

FORMATS = ("auto", "hubspot", "pipedrive", "salesforce", "maven", "pipeline-tui")
MAX_BYTES = 512 * 1024 * 1024

# field -> header aliases, per format (compared case- and space-insensitively).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "hubspot": {
        "source_id": ("Record ID", "Deal ID"),
        "title": ("Deal Name",),
        "stage": ("Deal Stage",),
        "value": ("Amount", "Amount in company currency"),
        "currency": ("Currency", "Deal currency code"),
        "expected_close": ("Close Date",),
        "created_at": ("Create Date",),
        "last_activity_at": ("Last Activity Date",),
        "loss_reason": ("Closed lost reason",),
        "company": ("Associated Company", "Company name", "Associated Company (Primary)"),
        "contact": ("Associated Contact", "Contact name"),
        "next_step": ("Next step",),
        "is_won": ("Is Closed Won",),
        "is_closed": ("Is Closed",),
    },
    "pipedrive": {
        "source_id": ("Deal - ID",),
        "title": ("Deal - Title",),
        "value": ("Deal - Value",),
        "currency": ("Deal - Currency",),
        "company": ("Deal - Organization",),
        "contact": ("Deal - Contact person",),
        "stage": ("Deal - Stage",),
        "status": ("Deal - Status",),
        "loss_reason": ("Deal - Lost reason",),
        "expected_close": ("Deal - Expected close date",),
        "created_at": ("Deal - Deal created",),
        "closed_at": ("Deal - Deal closed on", "Deal - Won time", "Deal - Lost time"),
        "last_activity_at": ("Deal - Last activity date", "Deal - Update time"),
        "next_step_due": ("Deal - Next activity date",),
    },
    "salesforce": {
        "source_id": ("Opportunity ID",),
        "title": ("Opportunity Name",),
        "company": ("Account Name",),
        "contact": ("Contact Name", "Primary Contact"),
        "stage": ("Stage",),
        "value": ("Amount",),
        "currency": ("Opportunity Currency", "Currency"),
        "expected_close": ("Close Date",),
        "created_at": ("Created Date",),
        "last_activity_at": ("Last Activity", "Last Modified Date"),
        "next_step": ("Next Step",),
        "loss_reason": ("Loss Reason", "Closed Lost Reason"),
        "is_won": ("Won",),
        "is_closed": ("Closed",),
    },
    "maven": {
        "source_id": ("opportunity_id",),
        "product": ("product",),
        "company": ("account",),
        "contact": ("sales_agent",),
        "stage": ("deal_stage",),
        "created_at": ("engage_date",),
        "closed_at": ("close_date",),
        "value": ("close_value",),
    },
    # Our own export: the columns csv_io writes, by their own names.
    "pipeline-tui": {name: (name,) for name in DEAL_COLUMNS},
}
# Headers that identify a format on their own.
SIGNATURES = {
    "pipeline-tui": ("id", "title", "stage", "status", "notes"),
    "pipedrive": ("Deal - Title",),
    "hubspot": ("Deal Name", "Deal Stage"),
    "salesforce": ("Opportunity Name",),
    "maven": ("opportunity_id", "deal_stage"),
}
# Open-stage keywords for stage names that are not on the board, in board order.
STAGE_KEYWORDS = (
    ("lead", ("lead", "prospect", "new", "contact", "appointment", "inbound", "mql")),
    ("qualified", ("qualif", "engag", "discovery", "demo", "sql", "needs", "analysis")),
    ("proposal", ("proposal", "quote", "present", "value prop", "perception")),
    ("negotiation", ("negotiat", "contract", "decision", "commit", "review", "closing", "verbal")),
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lstrip("\ufeff")).casefold()


@dataclass
class ImportPlan:
    """What an import would do: shown by --dry-run, carried out by import_file."""

    format: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    stage_map: dict[str, str] = field(default_factory=dict)  # source stage -> board stage
    stage_rule: dict[str, str] = field(default_factory=dict)  # source stage -> why
    skipped_existing: int = 0
    total_rows: int = 0
    currency: str = "USD"

    def counts(self) -> Counter[str]:
        return Counter(r["_stage_name"] for r in self.rows)

    @property
    def missing_reasons(self) -> int:
        return sum(1 for r in self.rows if r["_kind"] == "lost" and not r.get("loss_reason_id"))

    @property
    def total_value(self) -> int:
        return sum(r["value"] for r in self.rows)

    def totals(self) -> dict[str, int]:
        """The value per currency (rows without one are in the pipeline's currency)."""
        out: dict[str, int] = {}
        for r in self.rows:
            code = r.get("currency") or self.currency
            out[code] = out.get(code, 0) + r["value"]
        return out


@dataclass(frozen=True)
class ImportResult:
    format: str
    imported: int
    skipped_existing: int
    missing_reasons: int
    per_stage: dict[str, int]
    total_value: int


# ---------------------------------------------------------------- reading


def read_table(path: Path) -> tuple[list[str], list[list[str]], str]:
    """Header, rows and encoding of a CSV file; UTF-8 (with or without BOM), UTF-16 with a
    BOM or Windows-1252, comma, semicolon or tab separated, any line ends."""
    header, numbered, encoding = read_numbered(path)
    return header, [cells for _, cells in numbered], encoding


def read_numbered(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Like read_table, but each row comes with its row number as a spreadsheet shows it
    (the header is row 1; blank rows are left out but still counted)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{path} is larger than {MAX_BYTES // 2**20} MB.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a CSV file.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    # Excel's "Unicode text" is UTF-16 with a BOM: full of NUL bytes, but text.
    encodings = ("utf-16",) if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "cp1252")
    if encodings != ("utf-16",) and b"\x00" in raw:
        raise InputError(f"{path} is not a text CSV file (it contains binary data).")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path} is neither UTF-8, UTF-16 nor Windows-1252 text.")
    if "\x00" in text:
        raise InputError(f"{path} is not a text CSV file (it contains NUL characters).")
    if not text.strip():
        raise InputError(f"{path} is empty.")
    first_line = next(line for line in text.splitlines() if line.strip())
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # Our own export may hold long notes (20,000 characters each): lift csv's 128 KB cell limit.
    csv.field_size_limit(MAX_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table: list[tuple[int, list[str]]] = []
    number = 0
    try:
        for row in reader:
            number += 1
            if any(cell.strip() for cell in row):
                table.append((number, row))
    except csv.Error as exc:
        where = f"row {number + 1} (line {reader.line_num})"
        raise InputError(f"{path} is not valid CSV: {where}: {exc}.") from None
    if not table:
        raise InputError(f"{path} has no header row (every cell is empty).")
    (_, header), rows = table[0], table[1:]
    return [h.strip().lstrip("\ufeff") for h in header], rows, encoding


def detect_format(header: Sequence[str]) -> str:
    names = {_norm(h) for h in header}
    for fmt, needed in SIGNATURES.items():
        if all(_norm(n) in names for n in needed):
            return fmt
    raise InputError(
        "Cannot tell where this CSV comes from: expected a deal export of HubSpot "
        "(Deal Name, Deal Stage…), Pipedrive (Deal - Title…), Salesforce (Opportunity Name…) "
        "or pipeline-tui. Use --format to say which."
    )


def _columns(header: Sequence[str], fmt: str) -> dict[str, int]:
    """field -> column index for the headers present."""
    index = {_norm(h): i for i, h in enumerate(header)}
    found: dict[str, int] = {}
    for name, aliases in ALIASES[fmt].items():
        for alias in aliases:
            if _norm(alias) in index:
                found[name] = index[_norm(alias)]
                break
    if "title" not in found and not ("product" in found and fmt == "maven"):
        wanted = ALIASES[fmt]["title"][0] if "title" in ALIASES[fmt] else "a title column"
        raise InputError(f"The file has no {wanted!r} column, so deals would have no titles.")
    return found


# ----------------------------------------------------------------- values


def parse_import_date(text: str, *, day_first: bool) -> date | None:
    """Dates as CRMs write them: ISO (with or without time), 1/31/2026, 31.01.2026, 31/01/2026."""
    text = text.strip()
    if not text:
        return None
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$", text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T,].*)?$", text)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        year += 2000 if year < 100 else 0
        month, day = (b, a) if day_first or "." in text[:6] else (a, b)
        if month > 12 and day <= 12:
            month, day = day, month
        return date(year, month, day)
    raise ValueError("not a date")


DATE_FIELDS = ("expected_close", "next_step_due", "revisit_on", "created_at", "stage_entered_at",
               "last_activity_at", "closed_at")  # fmt: skip
_SLASHED = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(?:\d{2}|\d{4})\b")


def guess_day_first(rows: Sequence[tuple[int, list[str]]], cols: dict[str, int]) -> bool | None:
    """True when the file's d/m/y dates show it (a first number above 12 and never a second
    one), False for the opposite, None when nothing tells. Per row, 05/06/2026 and
    31/01/2027 would otherwise be read one as May, the other as day-first."""
    indexes = [cols[name] for name in DATE_FIELDS if name in cols]
    first_big = second_big = False
    for _, cells in rows:
        for i in indexes:
            m = _SLASHED.match(cells[i]) if i < len(cells) else None
            if m:
                first_big = first_big or int(m[1]) > 12
                second_big = second_big or int(m[2]) > 12
    if first_big != second_big:
        return first_big
    return None


def _parse_timestamp(text: str, *, day_first: bool) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    day = parse_import_date(text, day_first=day_first)
    return datetime.combine(day, datetime.min.time()) if day else None


def _truthy(text: str) -> bool | None:
    t = text.strip().casefold()
    if t in ("true", "yes", "1", "y", "won"):
        return True
    if t in ("false", "no", "0", "n"):
        return False
    return None


def map_stage(name: str, stages: list[Stage], overrides: dict[str, Stage]) -> tuple[Stage, str]:
    """The board stage for a source stage name, and the rule that chose it."""
    key = _norm(name)
    if key in overrides:
        return overrides[key], "--map"
    for stage in stages:
        if _norm(stage.name) == key:
            return stage, "same name"
    by_kind = {kind: next((s for s in stages if s.kind is kind), None) for kind in StageKind}
    squashed = key.replace(" ", "").replace("_", "").replace("-", "")
    if "won" in squashed and by_kind[StageKind.WON]:
        return by_kind[StageKind.WON], "name contains 'won'"
    if "lost" in squashed and by_kind[StageKind.LOST]:
        return by_kind[StageKind.LOST], "name contains 'lost'"
    open_stages = [s for s in stages if s.is_open]
    for slot, (canonical, words) in enumerate(STAGE_KEYWORDS):
        hit = next((w for w in words if w in key), None)
        if hit:
            named = next((s for s in open_stages if _norm(s.name) == canonical), None)
            target = named or open_stages[min(slot, len(open_stages) - 1)]
            return target, f"keyword '{hit}'"
    return open_stages[0], "unknown: first open stage"


def match_reason(text: str, reasons: list[LossReason]) -> tuple[LossReason | None, str]:
    """Our reason for a CRM's loss reason text, and any text to keep as a note."""
    t = _norm(text)
    if not t:
        return None, ""
    for reason in reasons:
        if _norm(reason.label) == t:
            return reason, ""
    # Most specific first ("bad fit" is not a product fit); words match at a word start,
    # so "profit" is not "fit".
    keywords = (
        ("unqualified", "Unqualified / bad fit"),
        ("disqualif", "Unqualified / bad fit"),
        ("not qualified", "Unqualified / bad fit"),
        ("bad fit", "Unqualified / bad fit"),
        ("price", "Price / budget"),
        ("overpriced", "Price / budget"),
        ("budget", "Price / budget"),
        ("cost", "Price / budget"),
        ("expensive", "Price / budget"),
        ("timing", "Timing / no urgency"),
        ("urgen", "Timing / no urgency"),
        ("feature", "Product fit / missing feature"),
        ("fit", "Product fit / missing feature"),
        ("competit", "Lost to competitor"),
        ("went dark", "No decision / went dark"),
        ("no decision", "No decision / went dark"),
        ("unresponsive", "No decision / went dark"),
        ("ghost", "No decision / went dark"),
        ("champion", "Champion or buyer left"),
        ("in-house", "Chose to build in-house"),
        ("in house", "Chose to build in-house"),
    )
    by_label = {_norm(r.label): r for r in reasons}
    for word, label in keywords:
        if re.search(r"\b" + re.escape(word), t) and _norm(label) in by_label:
            return by_label[_norm(label)], f"Imported loss reason: {text.strip()}"
    other = by_label.get("other")
    return other, f"Imported loss reason: {text.strip()}"


# --------------------------------------------------------------- planning


def plan_import(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    stage_overrides: dict[str, str] | None = None,
    day_first: bool = False,
) -> ImportPlan:
    """Read and check the whole file; nothing is written. Raises InputError naming the row."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    header, rows, _ = read_numbered(path)
    fmt = detect_format(header) if fmt == "auto" else fmt
    cols = _columns(header, fmt)
    stages = store.stages()
    reasons = store.reasons(include_archived=True)
    overrides: dict[str, Stage] = {}
    for source, target in (stage_overrides or {}).items():
        overrides[_norm(source)] = store.find_stage(target)
    plan = ImportPlan(format=fmt, total_rows=len(rows), currency=store.currency)
    source_name = fmt
    existing = store.existing_source_ids(source_name) if fmt != "pipeline-tui" else set()
    # Our own export: a deal id already here is the same deal only if it was created at the
    # same time; otherwise the file comes from another pipeline and its ids mean nothing here.
    created_here = {d.id: ts(d.created_at) for d in store.deals()} if fmt == "pipeline-tui" else {}
    seen: set[str] = set()
    # Our own export: deals that came from a CRM keep (source, source_id), which the
    # database holds once; such a deal already here is skipped, not inserted twice.
    existing_by_source: dict[str, set[str]] = {}
    seen_sources: set[tuple[str, str]] = set()
    stage_cache: dict[str, tuple[Stage, str]] = {}
    reason_cache: dict[str, tuple[LossReason | None, str]] = {}
    now = store.clock()
    guessed = guess_day_first(rows, cols)  # what the file's own dates prove beats the setting
    day_first = day_first if guessed is None else guessed

    for number, cells in rows:  # numbered as a spreadsheet shows them: the header is row 1

        def cell(name: str, cells: list[str] = cells) -> str:
            i = cols.get(name)
            if i is None or i >= len(cells):
                return ""
            return unneutralize(cells[i]) if fmt == "pipeline-tui" else cells[i].strip()

        def fail(column: str, value: str, why: str, number: int = number) -> PipelineError:
            header_name = header[cols[column]] if column in cols else column
            shown = value if len(value) <= 60 else value[:57] + "..."
            return InputError(f"Row {number}, column {header_name!r}: {shown!r} {why}. Nothing was imported.")

        if len(cells) > len(header):
            raise InputError(
                f"Row {number} has {len(cells)} cells but the header has {len(header)}: "
                f"{cells[len(header)]!r} is past the last column {header[-1]!r}; "
                "check the delimiter and quoting. Nothing was imported."
            )
        if len(cells) < len(header):
            raise InputError(
                f"Row {number} has {len(cells)} cells but the header has {len(header)}: "
                f"column {header[len(cells)]!r} is missing after {cells[-1]!r}; "
                "check the delimiter and quoting. Nothing was imported."
            )
        row = _build_row(fmt, cell, fail, day_first=day_first, now=now)
        # Identity: the CRM's id (our own export: the deal id), or a hash of the row when
        # the export has none.
        sid = cell("id") if fmt == "pipeline-tui" else cell("source_id")
        if not sid:
            sid = "row-" + hashlib.sha1("\x1f".join(cells).encode()).hexdigest()[:16]
        if fmt == "pipeline-tui":
            if cell("id") and not re.fullmatch(r"[0-9]{1,18}", cell("id")):
                raise fail("id", cell("id"), "is not a deal id (a whole number)")
            file_id = int(cell("id")) if cell("id") else None
            if file_id in created_here and created_here[file_id] != row["created_at"]:
                raise fail(
                    "id",
                    cell("id"),
                    f"is a different deal here (created {created_here[file_id]}, not {row['created_at']}): "
                    "this export comes from another pipeline; import it into an empty database, "
                    "or delete the id column to add its deals as new ones",
                )
            origin = (cell("source"), cell("source_id")) if cell("source") and cell("source_id") else None
            if file_id is None and origin is None:  # no id column: remember the row's hash
                origin = (fmt, sid)
            if origin and origin[0] not in existing_by_source:
                existing_by_source[origin[0]] = store.existing_source_ids(origin[0])
            if (
                file_id in created_here
                or sid in seen
                or (origin and (origin in seen_sources or origin[1] in existing_by_source[origin[0]]))
            ):
                plan.skipped_existing += 1
                continue
            if origin:
                seen_sources.add(origin)
            if file_id is not None:
                row["id"] = file_id
            row["source"], row["source_id"] = origin or (cell("source") or None, cell("source_id") or None)
        else:
            if sid in existing or sid in seen:
                plan.skipped_existing += 1
                continue
            row["source"], row["source_id"] = source_name, sid
        seen.add(sid)

        stage_text = cell("stage")
        status = _norm(cell("status"))
        is_won, is_closed = _truthy(cell("is_won")), _truthy(cell("is_closed"))
        if not stage_text and not status:
            raise fail("stage", stage_text, "is empty: every deal needs a stage")
        label = stage_text or status
        if label not in stage_cache:  # the same few stage names on every row
            stage_cache[label] = map_stage(label, stages, overrides)
        stage, why = stage_cache[label]
        # The name's rule is what --map overrides; show it even when a status outranks it.
        plan.stage_map.setdefault(label, stage.name)
        plan.stage_rule.setdefault(label, why)
        # Status and won/closed flags outrank the stage name.
        kind_stage = None
        if status in ("won", "lost"):
            kind_stage = next(s for s in stages if s.kind.value == status)
            flag = f"status '{status}'"
        elif is_won is True:
            kind_stage = next(s for s in stages if s.kind is StageKind.WON)
            flag = "won flag"
        elif is_closed is True and is_won is False:
            kind_stage = next(s for s in stages if s.kind is StageKind.LOST)
            flag = "closed, not won"
        if kind_stage is not None and stage.kind is not kind_stage.kind:
            stage = kind_stage
            plan.stage_map.setdefault(f"{label} + {flag}", stage.name)
            plan.stage_rule.setdefault(f"{label} + {flag}", f"{flag} outranks the stage name")
        row["stage_id"] = stage.id
        row["_stage_name"] = stage.name
        row["_kind"] = stage.kind.value

        if stage.kind is StageKind.OPEN:
            row["closed_at"] = None
        else:
            row["closed_at"] = row.get("closed_at") or ts(
                datetime.combine(row["_close_day"], datetime.min.time()) if row.get("_close_day") else now
            )
            if row.get("_created_unknown"):
                # No created date in the file: the deal cannot have begun after it closed.
                for name in ("created_at", "stage_entered_at", "last_activity_at"):
                    row[name] = min(row[name], row["closed_at"])
        if stage.kind is StageKind.LOST:
            reason_text = cell("loss_reason")
            if reason_text not in reason_cache:
                reason_cache[reason_text] = match_reason(reason_text, reasons)
            reason, note = reason_cache[reason_text]
            row["loss_reason_id"] = reason.id if reason else None
            if note and not row.get("loss_note"):
                row["loss_note"] = note
            if reason and reason.needs_note and not row.get("loss_note"):
                row["loss_note"] = "Imported without a note."
            if fmt == "pipeline-tui" and cell("lost_at_stage"):
                try:
                    row["lost_at_stage_id"] = store.find_stage(cell("lost_at_stage")).id
                except PipelineError:
                    row["lost_at_stage_id"] = None
        else:
            for name in ("loss_reason_id", "revisit_on", "revisit_state", "lost_at_stage_id"):
                row[name] = None
            row["competitor"] = row["loss_note"] = ""
        if stage.kind is StageKind.LOST and row.get("revisit_on") and not row.get("revisit_state"):
            row["revisit_state"] = RevisitState.PENDING.value
        row.pop("_close_day", None)
        plan.rows.append(row)
    return plan


def _build_row(fmt: str, cell: Any, fail: Any, *, day_first: bool, now: datetime) -> dict[str, Any]:
    title = cell("title")
    if fmt == "maven":
        product, account = cell("product"), cell("company")
        title = f"{product} — {account}" if account else product
    if not title.strip():
        raise fail("title", title, "is empty: every deal needs a title")
    value, currency = 0, None
    raw_value = cell("value")
    if raw_value:
        try:
            value, currency = parse_amount(raw_value)
        except InputError:
            raise fail("value", raw_value, "is not an amount (e.g. 12000, 12,000.50, 12k)") from None
    row: dict[str, Any] = {
        "title": title,
        "company": cell("company"),
        "contact": cell("contact"),
        "value": value,
        "next_step": cell("next_step"),
        "competitor": cell("competitor"),
        "loss_note": cell("loss_note"),
    }
    code = cell("currency") or currency
    if code:
        if not re.fullmatch(r"[A-Za-z]{3}", code):
            raise fail("currency", code, "is not a three-letter currency code")
        row["currency"] = code.upper()
    for name in ("expected_close", "next_step_due", "revisit_on"):
        text = cell(name)
        try:
            day = parse_import_date(text, day_first=day_first)
        except (ValueError, OverflowError):
            raise fail(name, text, "is not a date") from None
        row[name] = day.isoformat() if day else None
    stamps: dict[str, datetime | None] = {}
    for name in ("created_at", "stage_entered_at", "last_activity_at", "closed_at"):
        text = cell(name)
        try:
            stamps[name] = _parse_timestamp(text, day_first=day_first)
        except (ValueError, OverflowError):
            raise fail(name, text, "is not a date") from None
    created = stamps["created_at"] or now
    row["_created_unknown"] = stamps["created_at"] is None
    row["created_at"] = ts(created)
    row["stage_entered_at"] = ts(stamps["stage_entered_at"] or created)
    row["last_activity_at"] = ts(stamps["last_activity_at"] or stamps["closed_at"] or created)
    if stamps["closed_at"]:
        row["closed_at"] = ts(stamps["closed_at"])
    if fmt != "pipeline-tui" and row["expected_close"]:
        row["_close_day"] = date.fromisoformat(row["expected_close"])
    state = cell("revisit_state")
    if state:
        if state not in ("pending", "closed"):
            raise fail("revisit_state", state, "is not pending or closed")
        row["revisit_state"] = state
    notes_text = cell("notes")
    if notes_text:
        try:
            notes = json.loads(notes_text)
            assert isinstance(notes, list)
            row["_notes"] = []
            for at, text in notes:  # a bad time would break the timeline later, so check it now
                moment = _parse_timestamp(str(at), day_first=False)
                if moment is None:
                    raise ValueError("a note without a time")
                row["_notes"].append((ts(moment), str(text)))
        except (ValueError, TypeError, AssertionError, RecursionError):
            raise fail("notes", notes_text[:40], "is not the notes list pipeline-tui writes") from None
    return row


def import_file(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    stage_overrides: dict[str, str] | None = None,
    day_first: bool = False,
) -> ImportResult:
    """Import a CSV in one transaction: every row, or nothing."""
    plan = plan_import(store, path, fmt=fmt, stage_overrides=stage_overrides, day_first=day_first)
    store.import_rows(plan.rows, source_label=f"Imported from {path.name} ({plan.format})")
    return ImportResult(
        format=plan.format,
        imported=len(plan.rows),
        skipped_existing=plan.skipped_existing,
        missing_reasons=plan.missing_reasons,
        per_stage=dict(plan.counts()),
        total_value=plan.total_value,
    )

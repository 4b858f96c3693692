"""What a CRM export format is: which headers mean which field (in every language the CRM
exports in), which headers tell the format apart, its standard stages, what its status
column says, how its record ids are written, and how its own import wants notes back."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Fields `--column FIELD=HEADER` can name.
USER_FIELDS = (
    "title", "company", "contact", "value", "currency", "stage", "status", "won", "closed", "lost",
    "active", "close", "created", "closed_on", "lost_date", "lost_reason", "competitor", "lost_at", "note",
    "id",
)  # fmt: skip
FIELD_HELP = {
    "title": "the deal's name",
    "company": "the account / organization",
    "contact": "the contact person",
    "value": "the amount",
    "currency": "the amount's currency code",
    "stage": "the pipeline stage",
    "status": "open / won / lost / deleted",
    "won": "a won flag (yes / no)",
    "closed": "a closed flag (yes / no)",
    "lost": "a lost flag (yes / no)",
    "active": "an active flag (yes / no): an inactive deal is lost unless won (Odoo's archived)",
    "close": "the expected (or actual) close date",
    "created": "when the deal was created",
    "closed_on": "when the deal was won or lost",
    "lost_date": "when the deal was lost (filled for lost deals only)",
    "lost_reason": "why it was lost",
    "competitor": "who it was lost to",
    "lost_at": "the stage it was lost at",
    "note": "a note or description",
    "id": "the CRM's record id",
}
# Board stages by role; a format's standard stages name one of these (or won / lost).
SLOTS = ("lead", "qualified", "proposal", "negotiation")


@lru_cache(maxsize=8192)  # the same few stage, status and currency names on every row
def norm(text: str) -> str:
    """A header or stage name compared case- and space-insensitively (a byte-order mark left
    inside by joined files is no letter)."""
    return re.sub(r"\s+", " ", text.replace("\ufeff", "").strip()).casefold()


@dataclass(frozen=True)
class NotesExport:
    """How a CRM's own import of notes / activities wants them: its columns, and one row
    per note (a `note_rows` dict of the store) for deals that came from that CRM."""

    columns: tuple[str, ...]
    row: Callable[[Mapping[str, Any]], Sequence[str]]
    what: str  # what the user imports the file as in that CRM


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    aliases: Mapping[str, tuple[str, ...]]
    signature: tuple[str, ...]  # headers that, all present, identify the format
    stages: Mapping[str, str] = field(default_factory=dict)  # standard stage (normed) -> slot / won / lost
    value_in_cents: bool = False
    notes: NotesExport | None = None
    also: tuple[tuple[str, ...], ...] = ()  # other signatures (the API names, another language)
    crm: str = ""  # whose records these are: one identity across the CRM's formats (default: name)
    statuses: Mapping[str, str] = field(default_factory=dict)  # the status column's own words
    ids: str = ""  # how record ids are written: "salesforce" (15/18), "zoho" (zcrm_), "" as they are
    derived: tuple[str, ...] = ()  # headers holding a converted amount (company currency), not the deal's
    stage_prefix: str = ""  # a pattern stripped from stage values before lookup (Bitrix24's "C2:")
    notice: str = ""  # said at every import of this format (what is left out, and why)
    lost_keeps_stage: bool = False  # a lost deal keeps the open stage it was lost at (Pipedrive, Odoo)
    # Values (normed) of the loss reason's column that are an open or won deal's own reason,
    # never a loss (Dynamics' "Status Reason": In Progress, On Hold, Won).
    not_losses: frozenset[str] = frozenset()
    # A column the import leaves unread on purpose -> what that means for the deals, said
    # when the file has it (Dynamics' "Actual Revenue": won deals keep the estimate).
    unread_said: Mapping[str, str] = field(default_factory=dict)
    # Currency cells that mean the CRM's default currency, which the file does not name
    # (SuiteCRM's -99): read as a file stating no currency.
    default_currency: frozenset[str] = frozenset()
    currency_ids: str = ""  # said when a currency cell is not a code: what the CRM writes there
    # The shape of the CRM's record ids (a regular expression): a file whose header reads
    # as this CRM's but none of whose ids has it is another CRM's, and is refused.
    id_shape: str = ""
    id_form: str = ""  # the shape in words ("numbers")

    def headers(self, name: str) -> tuple[str, ...]:
        return self.aliases.get(name, ())

    @property
    def source(self) -> str:
        """The source deals of this format are recorded as (their identity's namespace)."""
        return self.crm or self.name

    def signatures(self) -> tuple[tuple[str, ...], ...]:
        return (self.signature, *self.also)


def stage_table(**slots: Sequence[str]) -> dict[str, str]:
    """{normed stage name: slot} from slot=(stage names...)."""
    return {norm(name): slot for slot, names in slots.items() for name in names}


def merged(*tables: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for table in tables:
        out.update(table)
    return out

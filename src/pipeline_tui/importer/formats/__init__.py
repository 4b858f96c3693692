"""The CRM exports the import knows, one small module each: which headers mean which field,
which headers tell the format apart, its standard stage names, and (for some) how the
CRM's own import wants notes back.

Fields (what `--column FIELD=HEADER` names): title, company, contact, value, currency,
stage, status, close, created, lost_reason, competitor, note, id. Formats may also read:
won, closed, deleted (flags), activity (last activity), closed_on, next_step, next_due,
product (a title from a product and an account).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

USER_FIELDS = (
    "title", "company", "contact", "value", "currency", "stage", "status", "close", "created",
    "lost_reason", "competitor", "note", "id",
)  # fmt: skip
FIELD_HELP = {
    "title": "the deal's name",
    "company": "the account / organization",
    "contact": "the contact person",
    "value": "the amount",
    "currency": "the amount's currency code",
    "stage": "the pipeline stage",
    "status": "open / won / lost / deleted",
    "close": "the expected (or actual) close date",
    "created": "when the deal was created",
    "lost_reason": "why it was lost",
    "competitor": "who it was lost to",
    "note": "a note or description",
    "id": "the CRM's record id",
}
# Board stages by role; a format's standard stages name one of these.
SLOTS = ("lead", "qualified", "proposal", "negotiation")


@lru_cache(maxsize=8192)  # the same few stage, status and currency names on every row
def norm(text: str) -> str:
    """A header or stage name compared case- and space-insensitively."""
    return re.sub(r"\s+", " ", text.strip().lstrip("\ufeff")).casefold()


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

    def headers(self, name: str) -> tuple[str, ...]:
        return self.aliases.get(name, ())


def stage_table(**slots: Sequence[str]) -> dict[str, str]:
    """{normed stage name: slot} from slot=(stage names...)."""
    return {norm(name): slot for slot, names in slots.items() for name in names}


def registry() -> tuple[Format, ...]:
    """Every format, in the order detection tries them (the more specific first)."""
    from pipeline_tui.importer.formats import (
        close,
        copper,
        dynamics,
        freshsales,
        hubspot,
        maven,
        odoo,
        own,
        pipedrive,
        salesforce,
        zoho,
    )

    return (
        own.FORMAT, pipedrive.FORMAT, hubspot.FORMAT, salesforce.FORMAT, zoho.FORMAT, dynamics.FORMAT,
        odoo.FORMAT, close.FORMAT, copper.FORMAT, freshsales.FORMAT, maven.FORMAT,
    )  # fmt: skip


def by_name(name: str) -> Format:
    for fmt in registry():
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def detect(header: Sequence[str]) -> Format | None:
    names = {norm(h) for h in header}
    for fmt in registry():
        if all(norm(n) in names for n in fmt.signature):
            return fmt
    return None


# A file mapped only by --column: no format's aliases, the CRM stage names by keyword.
CUSTOM = Format(name="csv", label="CSV", aliases={}, signature=())

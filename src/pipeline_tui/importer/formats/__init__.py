"""The CRM exports the import knows, one small module each (`base.Format`): which headers
mean which field in every language the CRM exports in, which headers tell the format
apart, its standard stages, and (for some) how the CRM's own import wants notes back.

Fields (what `--column FIELD=HEADER` names): see `base.USER_FIELDS`. Formats may also read:
deleted and active (flags), semantic (Bitrix24's outcome), activity (last activity or
change), next_step, next_due, product (a title from a product and an account).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.importer.formats.base import (
    FIELD_HELP,
    SLOTS,
    USER_FIELDS,
    Format,
    NotesExport,
    norm,
    stage_table,
)


def registry() -> tuple[Format, ...]:
    """Every format, in the order detection tries them (the more specific first)."""
    from pipeline_tui.importer.formats import (
        bitrix24,
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
        suitecrm,
        zoho,
    )

    return (
        own.FORMAT, pipedrive.FORMAT, hubspot.API, hubspot.FORMAT, salesforce.API, suitecrm.FORMAT,
        salesforce.FORMAT,
        zoho.FORMAT, dynamics.FORMAT, odoo.FORMAT, bitrix24.FORMAT, close.FORMAT, copper.FORMAT,
        freshsales.FORMAT, maven.FORMAT,
    )  # fmt: skip


def by_name(name: str) -> Format:
    for fmt in registry():
        if fmt.name == name:
            return fmt
    raise KeyError(name)


def source_label(source: str, label: str) -> str:
    """The CRM a file's records belong to, as the seller calls it: the file's own format
    `label`, or the CRM `--source` named (HubSpot for a sheet brought in with --column and
    --source hubspot, not "CSV")."""
    found = [f for f in registry() if f.source == source and f.name != "pipeline-tui"]
    if not found or any(f.label == label for f in found):
        return label
    return found[0].label.split(" (")[0]


def crms() -> tuple[str, ...]:
    """The CRMs whose records the import knows (a source name each)."""
    return tuple(dict.fromkeys(f.source for f in registry() if f.name != "pipeline-tui"))


def detect(header: Sequence[str]) -> Format | None:
    names = {norm(h) for h in header}
    for fmt in registry():
        if any(all(norm(n) in names for n in signature) for signature in fmt.signatures()):
            return fmt
    return None


# A file mapped only by --column: no format's aliases, and no stage it knows by name.
CUSTOM = Format(name="csv", label="CSV", aliases={}, signature=())

__all__ = [
    "CUSTOM",
    "FIELD_HELP",
    "SLOTS",
    "USER_FIELDS",
    "Format",
    "NotesExport",
    "by_name",
    "crms",
    "detect",
    "norm",
    "registry",
    "stage_table",
]

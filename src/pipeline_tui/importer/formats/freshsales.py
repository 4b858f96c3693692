"""Freshsales (Freshworks CRM): a deals export."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="freshsales",
    label="Freshsales",
    aliases={
        "id": ("Id", "Deal Id"),
        "title": ("Name", "Deal name"),
        "company": ("Account name", "Sales account", "Account"),
        "contact": ("Contacts", "Contact"),
        "value": ("Deal value", "Amount"),
        "currency": ("Currency",),
        "stage": ("Deal stage",),
        "close": ("Expected close date",),
        "closed_on": ("Closed date",),
        "created": ("Created at",),
        "activity": ("Last activity date", "Updated at"),
        "lost_reason": ("Lost reason",),
        "note": ("Description",),
    },
    signature=("Deal stage", "Expected close date"),
    # The amount converted into the account's base currency: never the deal's own amount.
    derived=("Deal value in base currency",),
    # Freshsales' default deal pipeline.
    stages=stage_table(lead=("New",), qualified=("Demo",), negotiation=("Negotiation",)),
)

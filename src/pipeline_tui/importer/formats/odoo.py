"""Odoo CRM: opportunities exported from the pipeline's list view (Export, labels as headers)."""

from __future__ import annotations

from pipeline_tui.importer.formats import Format, stage_table

FORMAT = Format(
    name="odoo",
    label="Odoo",
    aliases={
        "id": ("ID", "External ID"),
        "title": ("Opportunity",),
        "company": ("Customer", "Company Name"),
        "contact": ("Contact Name",),
        "value": ("Expected Revenue",),
        "currency": ("Currency",),
        "stage": ("Stage",),
        "close": ("Expected Closing",),
        "closed_on": ("Closed Date",),
        "created": ("Created on",),
        "activity": ("Last Updated on",),
        "lost_reason": ("Lost Reason",),
        "note": ("Notes", "Internal Notes"),
        "active": ("Active",),
    },
    signature=("Opportunity", "Expected Revenue"),
    # Odoo's default CRM stages; a lost opportunity is archived with a lost reason.
    stages=stage_table(lead=("New",), qualified=("Qualified",), proposal=("Proposition",), won=("Won",)),
)

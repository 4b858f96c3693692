"""Pipedrive: a deals export (Deals > Export), headers as 'Deal - Field'."""

from __future__ import annotations

from pipeline_tui.importer.formats import Format, NotesExport, stage_table
from pipeline_tui.importer.formats.common import note_text_with_time

# Pipedrive's spreadsheet import adds a note ("Note - Content") to the deal whose
# "Deal - ID" (its system ID) the row names; the note is dated by the import, so its own
# time leads its text.
NOTES = NotesExport(
    columns=("Deal - ID", "Deal - Title", "Note - Content"),
    row=lambda n: (n["source_id"], n["title"], note_text_with_time(n)),
    what="Pipedrive: Import data > From a spreadsheet, Deal ID mapped to the deal's ID, "
    "Note - Content to the note's content",
)

FORMAT = Format(
    name="pipedrive",
    label="Pipedrive",
    aliases={
        "id": ("Deal - ID",),
        "title": ("Deal - Title",),
        "value": ("Deal - Value",),
        "currency": ("Deal - Currency",),
        "company": ("Deal - Organization",),
        "contact": ("Deal - Contact person",),
        "stage": ("Deal - Stage",),
        "status": ("Deal - Status",),  # Open, Won, Lost, Deleted
        "lost_reason": ("Deal - Lost reason",),
        "competitor": ("Deal - Competitor",),
        "close": ("Deal - Expected close date",),
        "created": ("Deal - Deal created",),
        "closed_on": ("Deal - Deal closed on", "Deal - Won time", "Deal - Lost time"),
        "activity": ("Deal - Last activity date", "Deal - Update time"),
        "next_due": ("Deal - Next activity date",),
        "deleted": ("Deal - Archived",),
    },
    signature=("Deal - Title",),
    # Pipedrive's default pipeline.
    stages=stage_table(
        lead=("Lead In", "Contact Made"),
        qualified=("Needs Defined", "Demo Scheduled", "Qualified"),
        proposal=("Proposal Made",),
        negotiation=("Negotiations Started",),
    ),
    notes=NOTES,
)

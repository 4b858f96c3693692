"""HubSpot: a deals export (Deals > Export), headers as HubSpot labels its properties."""

from __future__ import annotations

from pipeline_tui.importer.formats import Format, NotesExport, stage_table
from pipeline_tui.importer.formats.common import note_moment_utc

# HubSpot imports notes only together with the record they belong to: a deals-and-notes
# import matches each row's deal by its Record ID and adds the note ("Note body") at its
# "Activity date".
NOTES = NotesExport(
    columns=("Record ID", "Deal Name", "Activity date", "Note body"),
    row=lambda n: (n["source_id"], n["title"], note_moment_utc(n), n["text"]),
    what="HubSpot: Import > Multiple objects (Deals and Notes), matching deals by Record ID",
)


FORMAT = Format(
    name="hubspot",
    label="HubSpot",
    aliases={
        "id": ("Record ID", "Deal ID"),
        "title": ("Deal Name",),
        "stage": ("Deal Stage",),
        "value": ("Amount", "Amount in company currency"),
        "currency": ("Deal currency code", "Currency"),
        "close": ("Close Date",),
        "created": ("Create Date",),
        "activity": ("Last Activity Date",),
        "lost_reason": ("Closed lost reason",),
        "competitor": ("Competitor", "Competitors"),
        "company": ("Associated Company", "Company name", "Associated Company (Primary)"),
        "contact": ("Associated Contact", "Contact name"),
        "next_step": ("Next step",),
        "won": ("Is Closed Won",),
        "closed": ("Is Closed",),
        "deleted": ("Archived", "Is Deleted"),
        "note": ("Deal Description",),
    },
    signature=("Deal Name", "Deal Stage"),
    # HubSpot's default sales pipeline.
    stages=stage_table(
        lead=("Appointment Scheduled",),
        qualified=("Qualified To Buy",),
        proposal=("Presentation Scheduled",),
        negotiation=("Decision Maker Bought-In", "Contract Sent"),
        won=("Closed Won",),
        lost=("Closed Lost",),
    ),
    notes=NOTES,
)

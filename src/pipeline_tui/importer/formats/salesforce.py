"""Salesforce: an opportunities report exported as CSV ("Details only"), headers as the
report labels its columns; the footer under the data is left out by the reader."""

from __future__ import annotations

from pipeline_tui.importer.formats import Format, NotesExport, stage_table
from pipeline_tui.importer.formats.common import note_moment, note_subject

# Salesforce imports activities as Tasks (Data Import Wizard or Data Loader): WhatId is the
# opportunity the task belongs to, a completed task with its date shows in the
# opportunity's activity history.
NOTES = NotesExport(
    columns=("WhatId", "Subject", "Description", "ActivityDate", "Status"),
    row=lambda n: (n["source_id"], note_subject(n), n["text"], f"{note_moment(n):%Y-%m-%d}", "Completed"),
    what="Salesforce: Data Loader > Insert > Task (WhatId = the Opportunity ID)",
)

FORMAT = Format(
    name="salesforce",
    label="Salesforce",
    aliases={
        "id": ("Opportunity ID", "Opportunity Id", "Id"),
        "title": ("Opportunity Name",),
        "company": ("Account Name",),
        "contact": ("Contact Name", "Primary Contact"),
        "stage": ("Stage",),
        "value": ("Amount",),
        "currency": ("Amount Currency", "Opportunity Currency", "Currency"),
        "close": ("Close Date",),
        "created": ("Created Date",),
        "activity": ("Last Activity", "Last Modified Date"),
        "next_step": ("Next Step",),
        "lost_reason": ("Loss Reason", "Closed Lost Reason", "Reason Lost"),
        "competitor": ("Main Competitor(s)", "Competitor", "Competitors"),
        "won": ("Won",),
        "closed": ("Closed",),
        "deleted": ("Deleted", "IsDeleted", "Is Deleted"),
        "note": ("Description",),
    },
    signature=("Opportunity Name",),
    # Salesforce's standard opportunity stages, in their standard order.
    stages=stage_table(
        lead=("Prospecting",),
        qualified=("Qualification", "Needs Analysis"),
        proposal=("Value Proposition", "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote"),
        negotiation=("Negotiation/Review",),
        won=("Closed Won",),
        lost=("Closed Lost",),
    ),
    notes=NOTES,
)

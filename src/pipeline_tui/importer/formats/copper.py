"""Copper: an opportunities export (Settings > Export Data, or a list view). "Status" is
Open, Won, Lost or Abandoned: an abandoned deal is lost for no decision, and said so."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="copper",
    label="Copper",
    aliases={
        "id": ("Opportunity ID", "ID"),
        "title": ("Name", "Opportunity Name"),
        "company": ("Company",),
        "contact": ("Primary Contact",),
        "value": ("Value",),
        "currency": ("Currency",),
        "stage": ("Stage", "Pipeline Stage"),
        "status": ("Status",),  # Open, Won, Lost, Abandoned
        "close": ("Close Date",),
        "created": ("Date Created", "Created At"),
        "activity": ("Last Contacted", "Date Modified"),
        "lost_reason": ("Loss Reason",),
        "note": ("Details", "Description"),
    },
    signature=("Pipeline", "Win Probability", "Loss Reason"),
    # Copper's default sales pipeline.
    stages=stage_table(
        qualified=("Qualified", "Follow-up"),
        proposal=("Presentation",),
        negotiation=("Contract Sent", "Negotiation"),
    ),
)

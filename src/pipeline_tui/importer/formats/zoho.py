"""Zoho CRM: a Deals export (Setup > Data Administration > Export, or a list view)."""

from __future__ import annotations

from pipeline_tui.importer.formats import Format, stage_table

FORMAT = Format(
    name="zoho",
    label="Zoho CRM",
    aliases={
        "id": ("Record Id", "Deal Id"),
        "title": ("Deal Name",),
        "company": ("Account Name",),
        "contact": ("Contact Name",),
        "value": ("Amount",),
        "currency": ("Currency",),
        "stage": ("Stage",),
        "close": ("Closing Date",),
        "created": ("Created Time",),
        "activity": ("Last Activity Time", "Modified Time"),
        "next_step": ("Next Step",),
        "lost_reason": ("Reason For Loss", "Reason for Loss"),
        "competitor": ("Competitor",),
        "note": ("Description",),
    },
    signature=("Deal Name", "Closing Date"),
    # Zoho's standard deal stages.
    stages=stage_table(
        qualified=("Qualification", "Needs Analysis"),
        proposal=(
            "Value Proposition",
            "Identify Decision Makers",
            "Id. Decision Makers",
            "Proposal/Price Quote",
        ),
        negotiation=("Negotiation/Review",),
        won=("Closed Won",),
        lost=("Closed Lost", "Closed-Lost to Competition"),
    ),
)

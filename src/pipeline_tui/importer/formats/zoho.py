"""Zoho CRM: a Deals export (a list view, or Setup > Data Administration > Export), the same
records by their API names (Deal_Name, Closing_Date, Reason_For_Loss__s…), and the older
"Potentials" exports. Ids exported from the UI carry a "zcrm_" prefix the API does not."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="zoho",
    label="Zoho CRM",
    aliases={
        "id": ("Record Id", "Deal Id", "Potential Id", "id"),
        "title": ("Deal Name", "Potential Name", "Deal_Name"),
        "company": ("Account Name", "Account_Name"),
        "contact": ("Contact Name", "Contact_Name"),
        "value": ("Amount",),
        "currency": ("Currency",),
        "stage": ("Stage",),
        "close": ("Closing Date", "Closing_Date"),
        "created": ("Created Time", "Created_Time"),
        "activity": ("Last Activity Time", "Modified Time", "Modified_Time", "Last_Activity_Time"),
        "next_step": ("Next Step", "Next_Step"),
        "lost_reason": ("Reason For Loss", "Reason for Loss", "Reason_For_Loss__s", "Reason_For_Loss"),
        "competitor": ("Competitor",),
        "note": ("Description",),
    },
    signature=("Deal Name", "Closing Date"),
    also=(("Deal_Name", "Closing_Date"), ("Potential Name",)),
    # Zoho's standard deal stages (the older "Id. Decision Makers" and "Perception Analysis" too).
    stages=stage_table(
        qualified=("Qualification", "Needs Analysis"),
        proposal=(
            "Value Proposition",
            "Identify Decision Makers",
            "Id. Decision Makers",
            "Perception Analysis",
            "Proposal/Price Quote",
        ),
        negotiation=("Negotiation/Review",),
        won=("Closed Won",),
        lost=("Closed Lost", "Closed-Lost to Competition"),
    ),  # fmt: skip
    ids="zoho",
    id_shape=r"(?:zcrm_)?\d+",
    id_form="numbers (zcrm_ and a number from a list view)",
)

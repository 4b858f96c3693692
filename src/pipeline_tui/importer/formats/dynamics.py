"""Microsoft Dynamics 365 Sales: opportunities exported from a view to Excel / CSV (the
first columns, "(Do Not Modify) …", hold the record's id). The outcome is "Status" (Open,
Won, Lost), never "Status Reason" alone, which each organisation shapes; the currency is
named ("US Dollar"), not coded."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="dynamics",
    label="Dynamics 365",
    aliases={
        "id": ("(Do Not Modify) Opportunity", "Opportunity"),
        "title": ("Topic",),
        "company": ("Potential Customer", "Account"),
        "contact": ("Contact",),
        "value": ("Est. Revenue",),
        "currency": ("Currency",),
        "stage": ("Pipeline Phase", "Sales Stage", "Process Stage"),
        "status": ("Status",),  # Open, Won, Lost
        "lost_reason": ("Status Reason",),
        "close": ("Est. Close Date",),
        "closed_on": ("Actual Close Date",),
        "created": ("Created On",),
        "activity": ("Modified On", "(Do Not Modify) Modified On"),
        "competitor": ("Competitor",),
        "note": ("Description",),
    },
    signature=("Topic", "Est. Revenue"),
    # "Status Reason" is filled on every row: an open deal's "In Progress" or "On Hold", a won
    # deal's "Won" are no loss ("Canceled", "Out-Sold" are).
    not_losses=frozenset({"in progress", "on hold", "won"}),
    unread_said={
        "Actual Revenue": (
            "Amounts are 'Est. Revenue', won deals' too: 'Actual Revenue' is not read (--column "
            "value='Actual Revenue' reads it instead, for every row)."
        ),
    },
    # The stages of Dynamics' opportunity sales process ("1-Qualify" and so on).
    stages=stage_table(
        qualified=("Qualify", "1-Qualify", "Develop", "2-Develop"),
        proposal=("Propose", "3-Propose"),
        negotiation=("Close", "4-Close"),
    ),
)

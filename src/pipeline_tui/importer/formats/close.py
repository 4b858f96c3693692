"""Close: an opportunities export. Close keeps values in cents ("value"; the export also
writes them formatted, "value_formatted"); "status_type" (active, won, lost) is the
outcome, "status_label" the seller's own name for it."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="close",
    label="Close",
    aliases={
        "id": ("id", "opportunity_id"),
        "title": ("lead_name",),
        "company": ("lead_name",),
        "contact": ("contact_name",),
        "value": ("value",),
        "currency": ("value_currency",),
        "period": ("value_period",),
        "stage": ("status_label",),
        "status": ("status_type",),  # active, won, lost
        "close": ("expected_date", "date_won"),
        "closed_on": ("date_won", "date_lost"),
        "lost_date": ("date_lost",),
        "created": ("date_created",),
        "activity": ("date_updated",),
        "note": ("note",),
        "lost_reason": ("lost_reason",),
    },
    signature=("lead_name", "status_type"),
    # Close's own status labels: every open deal starts "Active".
    stages=stage_table(lead=("Active",)),
    value_in_cents=True,
    derived=("value_formatted",),
)

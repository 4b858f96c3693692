"""Close: an opportunities export (CSV). Close keeps values in cents ("value"); the export
also writes them formatted ("value_formatted")."""

from __future__ import annotations

from pipeline_tui.importer.formats import Format

FORMAT = Format(
    name="close",
    label="Close",
    aliases={
        "id": ("id", "opportunity_id"),
        "title": ("lead_name",),
        "company": ("lead_name",),
        "contact": ("contact_name",),
        "value": ("value", "value_formatted"),
        "currency": ("value_currency",),
        "stage": ("status_label",),
        "status": ("status_type",),  # active, won, lost
        "close": ("date_won", "expected_date"),
        "created": ("date_created",),
        "activity": ("date_updated",),
        "note": ("note",),
        "lost_reason": ("lost_reason",),
    },
    signature=("lead_name", "status_type"),
    value_in_cents=True,
)

"""The Maven Analytics CRM sample (sales_pipeline.csv): one row per opportunity of a
product to an account; a deal's title is the product, its company the account. Its
sales_agent is the seller's own rep, not the buyer's contact, so it is left out."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="maven",
    label="Maven CRM sample",
    aliases={
        "id": ("opportunity_id",),
        "product": ("product",),
        "company": ("account",),
        "stage": ("deal_stage",),
        "created": ("engage_date",),
        "closed_on": ("close_date",),
        "value": ("close_value",),
    },
    signature=("opportunity_id", "deal_stage"),
    stages=stage_table(lead=("Prospecting",), qualified=("Engaging",), won=("Won",), lost=("Lost",)),
    notice="sales_agent is the seller's own rep, not the buyer's contact: it is left out.",
)

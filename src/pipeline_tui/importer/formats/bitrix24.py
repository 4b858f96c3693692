"""Bitrix24: deals by the REST API's field names (ID, TITLE, STAGE_ID, OPPORTUNITY…), or as
the deal list exports them from the browser (its English column labels: Deal Name, Stage,
Income, Closed…, and the stages by their names).

The outcome is STAGE_SEMANTIC_ID (S success, F failure, P in progress), and CLOSED (Y/N);
stage ids of a pipeline other than the first carry its number ("C6:WON", "C2:LOSE")."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="bitrix24",
    label="Bitrix24",
    aliases={
        "id": ("ID",),
        "title": ("TITLE", "Deal Name"),
        "stage": ("STAGE_ID", "Stage"),
        "semantic": ("STAGE_SEMANTIC_ID",),
        "closed": ("CLOSED", "Closed"),
        "value": ("OPPORTUNITY", "Income"),
        "currency": ("CURRENCY_ID", "Currency"),
        "close": ("CLOSEDATE", "Assumed close date", "Expected close date"),
        "created": ("DATE_CREATE", "Created"),
        "activity": ("DATE_MODIFY", "Modified"),
        "company": ("COMPANY_TITLE", "Company"),
        "contact": ("CONTACT_NAME", "Contact"),
        "note": ("COMMENTS", "Comment"),
    },
    signature=("TITLE", "STAGE_ID"),
    also=(("Deal Name", "Income"),),  # the deal list as the browser exports it
    # The general pipeline's stage ids (a custom stage has an id of its own: asked about).
    stages=stage_table(
        lead=("NEW", "New"),
        qualified=("PREPARATION", "Preparing documents"),
        proposal=("PREPAYMENT_INVOICE", "Prepayment invoice", "Invoice"),
        negotiation=("EXECUTING", "FINAL_INVOICE", "In progress", "Final invoice"),
        won=("WON", "Deal won"),
        lost=("LOSE", "APOLOGY", "Deal lost", "Deal failed", "Analyze failure"),
    ),
    stage_prefix=r"^C\d+:",
)

"""Bitrix24: deals by the REST API's field names (ID, TITLE, STAGE_ID, OPPORTUNITY…).

The outcome is STAGE_SEMANTIC_ID (S success, F failure, P in progress), and CLOSED (Y/N);
stage ids of a pipeline other than the first carry its number ("C6:WON", "C2:LOSE")."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="bitrix24",
    label="Bitrix24",
    aliases={
        "id": ("ID",),
        "title": ("TITLE",),
        "stage": ("STAGE_ID",),
        "semantic": ("STAGE_SEMANTIC_ID",),
        "closed": ("CLOSED",),
        "value": ("OPPORTUNITY",),
        "currency": ("CURRENCY_ID",),
        "close": ("CLOSEDATE",),
        "created": ("DATE_CREATE",),
        "activity": ("DATE_MODIFY",),
        "company": ("COMPANY_TITLE",),
        "contact": ("CONTACT_NAME",),
        "note": ("COMMENTS",),
    },
    signature=("TITLE", "STAGE_ID"),
    # The general pipeline's stage ids (a custom stage has an id of its own: asked about).
    stages=stage_table(
        lead=("NEW",),
        qualified=("PREPARATION",),
        proposal=("PREPAYMENT_INVOICE",),
        negotiation=("EXECUTING", "FINAL_INVOICE"),
        won=("WON",),
        lost=("LOSE", "APOLOGY"),
    ),
    stage_prefix=r"^C\d+:",
)

"""SuiteCRM and SugarCRM: an Opportunities list export, headers as the CRM labels its fields
(SuiteCRM's language file: LBL_AMOUNT "Opportunity Amount", LBL_AMOUNT_USDOLLAR "Amount").

"Amount" is the opportunity's amount converted into the system currency, never the deal's
own; "Currency" holds the currency's record id, and -99 is the system's default currency,
which the file does not name. Record ids are UUIDs."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    name="suitecrm",
    label="SuiteCRM / SugarCRM",
    aliases={
        "id": ("ID",),
        "title": ("Opportunity Name",),
        "company": ("Account Name",),
        "value": ("Opportunity Amount",),
        "currency": ("Currency",),
        "stage": ("Sales Stage",),
        "close": ("Expected Close Date",),
        "created": ("Date Created",),
        "activity": ("Date Modified",),
        "next_step": ("Next Step",),
        "note": ("Description",),
    },
    signature=("Opportunity Name", "Sales Stage"),
    # The default sales stages (sales_stage_dom).
    stages=stage_table(
        lead=("Prospecting",),
        qualified=("Qualification", "Needs Analysis"),
        proposal=("Value Proposition", "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote"),
        negotiation=("Negotiation/Review",),
        won=("Closed Won",),
        lost=("Closed Lost",),
    ),
    derived=("Amount",),
    default_currency=frozenset({"-99"}),
    currency_ids="SuiteCRM writes a currency's record id there, not its code: replace the ids with the "
    "codes (Admin > Currencies lists them)",
    id_shape=r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    id_form="UUIDs",
)

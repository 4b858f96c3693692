"""Odoo CRM: opportunities exported from the pipeline's list view, with labels as headers or
the technical names of an import-compatible export (name, stage_id, expected_revenue…).

Odoo has no lost stage: a lost opportunity is archived ("Active" false) and keeps the stage
it was lost at; a won one is in the Won stage. The amount is in the company's currency."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, stage_table

FORMAT = Format(
    lost_keeps_stage=True,
    name="odoo",
    label="Odoo",
    aliases={
        "id": ("ID", "External ID", "id"),
        "title": ("Opportunity", "name"),
        "company": ("Customer", "Company Name", "partner_id", "partner_name"),
        "contact": ("Contact Name", "contact_name"),
        "value": ("Expected Revenue", "expected_revenue", "planned_revenue"),
        "currency": ("Currency", "company_currency"),
        "stage": ("Stage", "stage_id"),
        "close": ("Expected Closing", "date_deadline"),
        "closed_on": ("Closed Date", "date_closed"),
        "created": ("Created on", "create_date"),
        "activity": ("Last Updated on", "write_date"),
        "lost_reason": ("Lost Reason", "lost_reason_id"),
        "note": ("Notes", "Internal Notes", "description"),
        "active": ("Active", "active"),
    },
    signature=("Opportunity", "Expected Revenue"),
    also=(("stage_id", "expected_revenue"), ("stage_id", "planned_revenue")),
    # Odoo's default CRM stages, in each language it exports in.
    stages=stage_table(
        lead=("New", "Neu", "Nouveau", "Nuevo", "Novo", "Nieuw", "Nuovo"),
        qualified=(
            "Qualified",
            "Qualifiziert",
            "Qualifié",
            "Calificado",
            "Qualificado",
            "Gekwalificeerd",
            "Qualificato",
        ),
        proposal=("Proposition", "Angebot", "Propuesta", "Proposta", "Voorstel"),
        won=("Won", "Gewonnen", "Gagné", "Ganado", "Ganho", "Vinto"),
    ),  # fmt: skip
)

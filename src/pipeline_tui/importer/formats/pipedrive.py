"""Pipedrive: a deals export (Deals > Export), headers as 'Deal - Field' in the exporting
user's language. The outcome is "Deal - Status" (Open, Won, Lost); a lost deal keeps the
stage it was lost at in "Deal - Stage"; the currency is "Deal - Currency of Value"."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, NotesExport, stage_table
from pipeline_tui.importer.formats.common import note_text_with_time

# Pipedrive's spreadsheet import adds a note ("Note - Content") to the deal whose
# "Deal - ID" (its system ID) the row names; the note is dated by the import, so its own
# time leads its text.
NOTES = NotesExport(
    columns=("Deal - ID", "Deal - Title", "Note - Content"),
    row=lambda n: (n["source_id"], n["title"], note_text_with_time(n)),
    what="Pipedrive: Import data > From a spreadsheet, Deal ID mapped to the deal's ID, "
    "Note - Content to the note's content",
)

# "Deal - " in each language Pipedrive exports in.
PREFIXES = ("Deal - ", "Affaire - ", "Trato - ", "Negócio - ", "Trattativa - ")


def _each(*fields: str) -> tuple[str, ...]:
    """'Title' -> ('Deal - Title', …) for every field name given (a field's own translation
    goes with its prefix's language)."""
    return tuple(f"{prefix}{name}" for prefix in PREFIXES for name in fields)


FORMAT = Format(
    lost_keeps_stage=True,
    name="pipedrive",
    label="Pipedrive",
    aliases={
        "id": _each("ID"),
        "title": _each("Title", "Titel", "Titre", "Título", "Titolo"),
        "value": _each("Value", "Wert", "Waarde", "Valeur", "Valor", "Valore"),
        "currency": _each(
            "Currency of Value",
            "Currency",
            "Währung des Werts",
            "Währung",
            "Valuta van waarde",
            "Devise de la valeur",
            "Devise",
            "Moneda del valor",
            "Moneda",
            "Moeda do valor",
            "Moeda",
            "Valuta del valore",
            "Valuta",
        ),
        "company": _each(
            "Organization", "Organisation", "Organisatie", "Organización", "Organização", "Organizzazione"
        ),
        "contact": _each(
            "Contact person",
            "Kontaktperson",
            "Contactpersoon",
            "Personne à contacter",
            "Persona de contacto",
            "Pessoa de contato",
            "Persona di contatto",
        ),
        "stage": _each("Stage", "Phase", "Fase", "Étape", "Etapa"),
        "status": _each("Status", "Statut", "Estado", "Stato"),
        "lost_reason": _each(
            "Lost reason",
            "Verlustgrund",
            "Reden van verlies",
            "Raison de la perte",
            "Motivo de pérdida",
            "Motivo da perda",
            "Motivo della perdita",
        ),
        "competitor": _each("Competitor"),
        "close": _each(
            "Expected close date",
            "Erwartetes Abschlussdatum",
            "Verwachte sluitingsdatum",
            "Date de clôture prévue",
            "Fecha de cierre prevista",
            "Data de fechamento esperada",
            "Data di chiusura prevista",
        ),
        "created": _each(
            "Deal created",
            "Deal erstellt",
            "Deal aangemaakt",
            "Affaire créée",
            "Trato creado",
            "Negócio criado",
            "Trattativa creata",
        ),
        "closed_on": _each(
            "Deal closed on",
            "Won time",
            "Lost time",
            "Gewonnen am",
            "Verloren am",
            "Datum des gewonnenen Deals",
            "Datum des verlorenen Deals",
            "Deal abgeschlossen am",
            "Date de gain",
            "Date de perte",
            "Heure de l'échec",
            "Heure du gain",
        ),
        "lost_date": _each(
            "Lost time",
            "Verloren am",
            "Datum des verlorenen Deals",
            "Heure de l'échec",
            "Tijdstip verloren",
            "Date de perte",
            "Fecha de pérdida",
            "Data da perda",
            "Data di perdita",
        ),
        "activity": _each(
            "Update time",
            "Last stage change",
            "Last activity date",
            "Aktualisiert am",
            "Zeit der Aktualisierung",
            "Mise à jour",
            "Actualizado",
        ),
        "next_due": _each("Next activity date"),
        "deleted": _each("Archive status", "Archived"),
    },  # fmt: skip
    signature=("Deal - Title",),
    also=tuple(
        (f"{prefix}{title}",)
        for prefix, title in (
            ("Deal - ", "Titel"),
            ("Affaire - ", "Titre"),
            ("Trato - ", "Título"),
            ("Negócio - ", "Título"),
            ("Trattativa - ", "Titolo"),
        )
    ),  # fmt: skip
    # Pipedrive's default pipeline, in each language.
    stages=stage_table(
        lead=(
            "Lead In",
            "Contact Made",
            "Lead erhalten",
            "Kontakt hergestellt",
            "Lead binnen",
            "Contact gelegd",
            "Prospect entrant",
            "Contact établi",
            "Lead entrante",
            "Contacto realizado",
            "Lead recebido",
            "Contato feito",
            "Lead in arrivo",
            "Contatto stabilito",
        ),
        qualified=(
            "Needs Defined",
            "Demo Scheduled",
            "Qualified",
            "Bedarf definiert",
            "Behoeften bepaald",
            "Besoins définis",
            "Necesidades definidas",
            "Necessidades definidas",
            "Esigenze definite",
        ),
        proposal=(
            "Proposal Made",
            "Angebot erstellt",
            "Voorstel gedaan",
            "Proposition faite",
            "Propuesta hecha",
            "Proposta feita",
            "Proposta fatta",
        ),
        negotiation=(
            "Negotiations Started",
            "Verhandlungen begonnen",
            "Onderhandelingen gestart",
            "Négociations commencées",
            "Negociaciones iniciadas",
            "Negociações iniciadas",
            "Trattative avviate",
        ),
    ),  # fmt: skip
    notes=NOTES,
    id_shape=r"\d+",
    id_form="numbers",
)

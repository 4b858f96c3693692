"""HubSpot: a deals export (Deals > Export), headers as HubSpot labels its properties in the
exporting user's language; and the same records as the API names them (a property dump:
dealname, dealstage, hs_object_id…).

The outcome is in "Is Closed Won" / "Is closed lost" / "Is Deal Closed?" (hs_is_closed_won,
hs_is_closed_lost, hs_is_closed); a stage label says it only for the default pipeline's own
stages (a custom pipeline may have an open stage called "Closed Lost")."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, NotesExport, merged, stage_table
from pipeline_tui.importer.formats.common import note_moment_utc

# HubSpot imports notes only together with the record they belong to: a deals-and-notes
# import matches each row's deal by its Record ID and adds the note ("Note body") at its
# "Activity date".
NOTES = NotesExport(
    columns=("Record ID", "Deal Name", "Activity date", "Note body"),
    row=lambda n: (n["source_id"], n["title"], note_moment_utc(n), n["text"]),
    what="HubSpot: Import > Multiple objects (Deals and Notes), matching deals by Record ID",
)

# The default sales pipeline's stages, as labelled in each language HubSpot exports in, and
# by their internal ids (a property dump).
STAGES = merged(
    stage_table(
        lead=("Appointment Scheduled", "Termin vereinbart", "Rendez-vous programmé", "Rendez-vous planifié",
              "Cita programada", "Cita agendada", "Reunião agendada", "Compromisso agendado",
              "Afspraak gepland", "Appuntamento fissato", "Appuntamento programmato",
              "appointmentscheduled"),
        qualified=("Qualified To Buy", "Für Kauf qualifiziert", "Qualifié pour l'achat",
                   "Calificado para comprar", "Cualificado para comprar", "Qualificado para comprar",
                   "Gekwalificeerd om te kopen", "Qualificato all'acquisto", "qualifiedtobuy"),
        proposal=("Presentation Scheduled", "Präsentation vereinbart", "Présentation programmée",
                  "Présentation planifiée", "Presentación programada", "Apresentação agendada",
                  "Presentatie gepland", "Presentazione programmata", "presentationscheduled"),
        negotiation=("Decision Maker Bought-In", "Entscheidungsträger hat zugestimmt",
                     "Entscheidungsträger zugestimmt", "Entscheidungsträger an Bord", "Décideur impliqué",
                     "Décideur convaincu", "Responsable de la toma de decisiones comprometido",
                     "Tomador de decisão comprometido", "Besluitvormer akkoord", "Decisore coinvolto",
                     "decisionmakerboughtin",
                     "Contract Sent", "Vertrag gesendet", "Vertrag versendet", "Contrat envoyé",
                     "Contrato enviado", "Contract verzonden", "Contratto inviato", "contractsent"),
        won=("Closed Won", "Abgeschlossen und gewonnen", "Fermé gagné", "Conclu gagné", "Cierre ganado",
             "Cerrado ganado", "Fechado ganho", "Negócio fechado", "Gesloten gewonnen", "Chiuso vinto",
             "closedwon"),
        lost=("Closed Lost", "Abgeschlossen und verloren", "Fermé perdu", "Conclu perdu", "Cierre perdido",
              "Cerrado perdido", "Fechado perdido", "Gesloten verloren", "Chiuso perso", "closedlost"),
    )
)  # fmt: skip

FORMAT = Format(
    name="hubspot",
    label="HubSpot",
    aliases={
        "id": (
            "Record ID",
            "Deal ID",
            "Datensatz-ID",
            "ID de fiche d'informations",
            "ID de registro",
            "ID do registro",
            "Record-ID",
            "ID record",
        ),
        "title": (
            "Deal Name",
            "Dealname",
            "Deal-Name",
            "Nom de la transaction",
            "Nombre del negocio",
            "Nome do negócio",
            "Dealnaam",
            "Nome della trattativa",
            "Nome trattativa",
        ),
        "stage": (
            "Deal Stage",
            "Deal-Phase",
            "Dealphase",
            "Phase de la transaction",
            "Étape de la transaction",
            "Etapa del negocio",
            "Fase del negocio",
            "Etapa do negócio",
            "Fase do negócio",
            "Dealfase",
            "Fase della trattativa",
            "Fase trattativa",
        ),
        "value": ("Amount", "Betrag", "Montant", "Importe", "Valor", "Bedrag", "Importo"),
        "currency": ("Currency", "Deal currency code", "Währung", "Devise", "Moneda", "Moeda", "Valuta"),
        "close": (
            "Close Date",
            "Abschlussdatum",
            "Date de fermeture",
            "Date de clôture",
            "Fecha de cierre",
            "Data de fechamento",
            "Sluitingsdatum",
            "Data di chiusura",
        ),
        "created": (
            "Create Date",
            "Erstelldatum",
            "Erstellungsdatum",
            "Date de création",
            "Fecha de creación",
            "Data de criação",
            "Aanmaakdatum",
            "Data di creazione",
        ),
        "activity": (
            "Last Modified Date",
            "Last Activity Date",
            "Zuletzt geändert",
            "Datum der letzten Änderung",
            "Date de dernière modification",
            "Fecha de última modificación",
            "Data da última modificação",
            "Laatst gewijzigd",
            "Data ultima modifica",
        ),
        "lost_reason": (
            "Closed Lost Reason",
            "Closed lost reason",
            "Grund für verlorenen Deal",
            "Raison de la perte",
            "Motivo de pérdida",
            "Motivo da perda",
            "Reden van verlies",
            "Motivo della perdita",
        ),
        "won_reason": (
            "Closed Won Reason",
            "Closed won reason",
            "Grund für gewonnenen Deal",
            "Raison du gain",
            "Motivo de ganancia",
            "Motivo do ganho",
            "Reden van winst",
            "Motivo della vittoria",
        ),
        "competitor": ("Competitor", "Competitors"),
        "company": (
            "Associated Company",
            "Company name",
            "Associated Company (Primary)",
            "Zugeordnetes Unternehmen",
            "Entreprise associée",
            "Empresa asociada",
            "Empresa associada",
            "Gekoppeld bedrijf",
            "Azienda associata",
        ),
        "contact": (
            "Associated Contact",
            "Contact name",
            "Zugeordneter Kontakt",
            "Contact associé",
            "Contacto asociado",
            "Contato associado",
            "Gekoppeld contact",
            "Contatto associato",
        ),
        "next_step": (
            "Next step",
            "Nächster Schritt",
            "Prochaine étape",
            "Siguiente paso",
            "Próximo passo",
            "Volgende stap",
            "Passo successivo",
        ),
        "won": ("Is Closed Won", "Is closed won"),
        "lost": ("Is closed lost", "Is Closed Lost"),
        "closed": ("Is Deal Closed?", "Is Closed"),
        "deleted": ("Archived", "Is Deleted"),
        "note": (
            "Deal Description",
            "Deal-Beschreibung",
            "Description de la transaction",
            "Descripción del negocio",
            "Descrição do negócio",
            "Dealbeschrijving",
            "Descrizione della trattativa",
        ),
    },  # fmt: skip
    signature=("Deal Name", "Deal Stage"),
    also=(
        ("Dealname", "Deal-Phase"),
        ("Nom de la transaction", "Phase de la transaction"),
        ("Nombre del negocio", "Etapa del negocio"),
        ("Nome do negócio", "Etapa do negócio"),
        ("Dealnaam", "Dealfase"),
        ("Nome della trattativa", "Fase della trattativa"),
    ),  # fmt: skip
    stages=STAGES,
    notes=NOTES,
    id_shape=r"\d+",
    id_form="numbers",
    derived=(
        "Amount in company currency",
        "Betrag in Firmenwährung",
        "Montant dans la devise de l'entreprise",
        "Importe en la moneda de la empresa",
        "Valor na moeda da empresa",
        "Bedrag in bedrijfsvaluta",
        "Importo nella valuta dell'azienda",
    ),  # fmt: skip
)

# The same records as the API and property dumps name them. `dealstage` holds internal
# ids: the default pipeline's words above, a number or an id for other pipelines' stages.
API = Format(
    name="hubspot-api",
    label="HubSpot (property names)",
    aliases={
        "id": ("hs_object_id", "dealId", "id"),
        "title": ("dealname",),
        "stage": ("dealstage",),
        "value": ("amount",),
        "currency": ("deal_currency_code",),
        "close": ("closedate",),
        "created": ("createdate",),
        "activity": ("hs_lastmodifieddate", "notes_last_updated"),
        "lost_reason": ("closed_lost_reason",),
        "won_reason": ("closed_won_reason",),
        "won": ("hs_is_closed_won",),
        "lost": ("hs_is_closed_lost",),
        "closed": ("hs_is_closed",),
        "deleted": ("archived",),
        "note": ("description",),
        "next_step": ("hs_next_step",),
    },
    signature=("dealname", "dealstage"),
    stages=STAGES,
    crm="hubspot",
    notes=NOTES,
    id_shape=r"\d+",
    id_form="numbers",
    derived=("amount_in_home_currency",),
)

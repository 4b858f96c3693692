"""Salesforce: an opportunities report exported as CSV ("Details only"), headers as the
report labels its columns (the footer under the data is left out by the reader); and the
API names of Data Loader, Workbench and the Bulk API (Name, StageName, IsClosed, IsWon…).

Record ids are 15 characters in reports (case matters) and 18 through the API: both are one
id here. The outcome is in Closed / Won (IsClosed / IsWon); the standard stages say it too."""

from __future__ import annotations

from pipeline_tui.importer.formats.base import Format, NotesExport, stage_table
from pipeline_tui.importer.formats.common import note_moment, note_subject

# Salesforce imports activities as Tasks (Data Import Wizard or Data Loader): WhatId is the
# opportunity the task belongs to, a completed task with its date shows in the
# opportunity's activity history.
NOTES = NotesExport(
    columns=("WhatId", "Subject", "Description", "ActivityDate", "Status"),
    row=lambda n: (n["source_id"], note_subject(n), n["text"], f"{note_moment(n):%Y-%m-%d}", "Completed"),
    what="Salesforce: Data Loader > Insert > Task (WhatId = the Opportunity ID)",
)

# Salesforce's standard opportunity stages, in their standard order, with the labels a
# translated org exports.
STAGES = stage_table(
    lead=("Prospecting", "Prospektion", "Prospection", "Prospección", "Prospecção", "Prospectie",
          "Prospezione"),
    qualified=("Qualification", "Needs Analysis", "Qualifikation", "Bedarfsanalyse", "Qualification",
               "Analyse des besoins", "Analyse requise", "Calificación", "Análisis de necesidades",
               "Qualificação", "Análise de necessidades", "Kwalificatie", "Behoefteanalyse",
               "Qualificazione", "Analisi delle esigenze"),
    proposal=("Value Proposition", "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote",
              "Nutzenversprechen", "Entscheidungsträger ident.", "Wahrnehmungsanalyse",
              "Angebot/Preisangebot",
              "Proposition de valeur", "Identification décideurs", "Analyse de la perception",
              "Proposition/Devis", "Propuesta de valor", "Identificar responsables", "Análisis de percepción",
              "Propuesta/Presupuesto", "Proposta de valor", "Identificar tomadores de decisão",
              "Análise de percepção", "Proposta/Cotação", "Waardepropositie", "Beslissers identificeren",
              "Perceptieanalyse", "Voorstel/Offerte", "Proposta di valore", "Identificazione decisori",
              "Analisi della percezione", "Proposta/Preventivo"),
    negotiation=("Negotiation/Review", "Verhandlung/Überprüfung", "Négociation/Révision",
                 "Negociación/Revisión", "Negociação/Revisão", "Onderhandeling/Beoordeling",
                 "Negoziazione/Revisione"),
    won=("Closed Won", "Geschlossen und gewonnen", "Fermé gagné", "Cerrada ganada", "Fechado/ganho",
         "Gesloten/gewonnen", "Chiusa/vinta"),
    lost=("Closed Lost", "Geschlossen und verloren", "Fermé perdu", "Cerrada perdida", "Fechado/perdido",
          "Gesloten/verloren", "Chiusa/persa"),
)  # fmt: skip

FORMAT = Format(
    name="salesforce",
    label="Salesforce",
    aliases={
        "id": (
            "Opportunity ID",
            "Opportunity Id",
            "Opportunity-ID",
            "ID de l'opportunité",
            "ID de oportunidad",
            "ID da oportunidade",
            "Opportunity-id",
            "ID opportunità",
        ),
        "title": (
            "Opportunity Name",
            "Opportunityname",
            "Opportunity-Name",
            "Nom de l'opportunité",
            "Nombre de la oportunidad",
            "Nome da oportunidade",
            "Naam opportunity",
            "Nome opportunità",
        ),
        "company": (
            "Account Name",
            "Accountname",
            "Nom du compte",
            "Nombre de la cuenta",
            "Nome da conta",
            "Accountnaam",
            "Nome account",
        ),
        "contact": ("Contact Name", "Primary Contact"),
        "stage": ("Stage", "Phase", "Étape", "Etapa", "Fase", "Fase vendita"),
        "value": ("Amount", "Betrag", "Montant", "Importe", "Valor", "Bedrag", "Importo"),
        "currency": (
            "Amount Currency",
            "Opportunity Currency",
            "Currency",
            "Betrag Währung",
            "Devise du montant",
            "Divisa del importe",
            "Moeda do valor",
            "Valuta bedrag",
            "Valuta importo",
        ),
        "close": (
            "Close Date",
            "Schlusstermin",
            "Date de clôture",
            "Fecha de cierre",
            "Data de fechamento",
            "Sluitingsdatum",
            "Data di chiusura",
        ),
        "created": (
            "Created Date",
            "Erstellungsdatum",
            "Date de création",
            "Fecha de creación",
            "Data de criação",
            "Aanmaakdatum",
            "Data creazione",
        ),
        "activity": (
            "Last Modified Date",
            "Last Activity",
            "Letzte Änderung",
            "Date de dernière modification",
            "Fecha de última modificación",
            "Data da última modificação",
            "Laatst gewijzigd",
            "Data ultima modifica",
        ),
        "next_step": (
            "Next Step",
            "Nächster Schritt",
            "Étape suivante",
            "Paso siguiente",
            "Próxima etapa",
            "Volgende stap",
            "Passo successivo",
        ),
        "lost_reason": ("Loss Reason", "Closed Lost Reason", "Reason Lost"),
        "competitor": ("Main Competitor(s)", "Competitor", "Competitors"),
        "won": ("Won", "Gewonnen", "Gagné", "Ganada", "Ganho", "Gewonnen", "Vinta"),
        "closed": ("Closed", "Geschlossen", "Fermé", "Cerrada", "Fechado", "Gesloten", "Chiusa"),
        "deleted": ("Deleted", "IsDeleted", "Is Deleted"),
        "note": ("Description", "Beschreibung", "Descripción", "Descrição", "Beschrijving", "Descrizione"),
    },  # fmt: skip
    signature=("Opportunity Name",),
    also=(
        ("Opportunityname",),
        ("Opportunity-Name",),
        ("Nom de l'opportunité",),
        ("Nombre de la oportunidad",),
        ("Nome da oportunidade",),
        ("Naam opportunity",),
        ("Nome opportunità",),
    ),  # fmt: skip
    stages=STAGES,
    notes=NOTES,
    ids="salesforce",
    id_shape=r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?",
    id_form="15 or 18 letters and digits",
    derived=(
        "Amount (converted)",
        "Betrag (umgerechnet)",
        "Montant (converti)",
        "Importe (convertido)",
        "Valor (convertido)",
        "Bedrag (omgerekend)",
        "Importo (convertito)",
    ),  # fmt: skip
)

# Data Loader, Workbench and Bulk API extracts: API names (Data Loader writes them in
# capitals; Account.Name is the related account's name).
API = Format(
    name="salesforce-api",
    label="Salesforce (API names)",
    aliases={
        "id": ("Id",),
        "title": ("Name",),
        "company": ("Account.Name", "AccountName"),
        "stage": ("StageName",),
        "value": ("Amount",),
        "currency": ("CurrencyIsoCode",),
        "close": ("CloseDate",),
        "created": ("CreatedDate",),
        "activity": ("LastModifiedDate", "LastActivityDate"),
        "next_step": ("NextStep",),
        "lost_reason": ("Loss_Reason__c", "Closed_Lost_Reason__c"),
        "won": ("IsWon",),
        "closed": ("IsClosed",),
        "deleted": ("IsDeleted",),
        "note": ("Description",),
    },
    signature=("Name", "StageName"),
    stages=STAGES,
    crm="salesforce",
    notes=NOTES,
    ids="salesforce",
    id_shape=r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?",
    id_form="15 or 18 letters and digits",
)

"""What CRM exports write for an outcome, in the languages they export in (English, German,
French, Spanish, Portuguese, Dutch, Italian): the closed stages every CRM names alike, the
values of status columns, and yes/no.

These decide an outcome only when they say it in so many words ("Closed Won", "Verloren",
"Fermé gagné"); a stage name they do not hold is asked about, never guessed."""

from __future__ import annotations

import re

from pipeline_tui.importer.formats.base import norm

WON, LOST, OPEN, DELETED, NO_DECISION = "won", "lost", "open", "deleted", "no_decision"

# Closed stages named the same way by every CRM, per language.
CLOSED_STAGES: dict[str, str] = {
    norm(name): outcome
    for outcome, names in (
        (
            WON,
            (
                "Closed Won", "Won", "Closed - Won", "Closed/Won", "Deal Won",
                "Gewonnen", "Abgeschlossen und gewonnen", "Abgeschlossen - gewonnen", "Geschlossen gewonnen",
                "Auftrag erhalten",
                "Fermé gagné", "Gagné", "Conclu gagné", "Conclue gagnée", "Affaire gagnée",
                "Ganado", "Ganada", "Cerrado ganado", "Cerrada ganada", "Cierre ganado", "Negocio ganado",
                "Ganho", "Fechado ganho", "Fechado e ganho", "Negócio ganho", "Fechado/ganho",
                "Gesloten gewonnen", "Gesloten - gewonnen", "Deal gewonnen",
                "Vinto", "Vinta", "Chiuso vinto", "Chiuso - vinto", "Chiusa vinta", "Trattativa vinta",
                # HubSpot and other CRMs in Japanese and Chinese, Nordic and Polish spreadsheets
                "成約", "受注", "成約済み", "赢单", "成交", "已成交",
                "Vunnen", "Vundet", "Vunnet", "Wygrana", "Wygrany",
            ),
        ),
        (
            LOST,
            (
                "Closed Lost", "Lost", "Closed - Lost", "Closed/Lost", "Deal Lost",
                "Verloren", "Abgeschlossen und verloren", "Abgeschlossen - verloren", "Geschlossen verloren",
                "Fermé perdu", "Perdu", "Conclu perdu", "Conclue perdue", "Affaire perdue",
                "Perdido", "Perdida", "Cerrado perdido", "Cerrada perdida", "Cierre perdido",
                "Negocio perdido",
                "Fechado perdido", "Fechado e perdido", "Negócio perdido", "Fechado/perdido",
                "Gesloten verloren", "Gesloten - verloren", "Deal verloren",
                "Perso", "Persa", "Chiuso perso", "Chiuso - perso", "Chiusa persa", "Trattativa persa",
                "失注", "失注済み", "输单", "丢单", "已丢单",
                "Förlorad", "Tabt", "Tapt", "Przegrana", "Przegrany",
            ),
        ),
    )
    for name in names
}  # fmt: skip

# A closed stage that does not say which way (the outcome is in another column).
CLOSED_ONLY = frozenset(
    norm(w) for w in ("Closed", "Done", "Geschlossen", "Abgeschlossen", "Fermé", "Fermée", "Clôturé",
                      "Cerrado", "Cerrada", "Fechado", "Fechada", "Gesloten", "Afgesloten", "Chiuso",
                      "Chiusa")
)  # fmt: skip

# What a status column says ("Deal - Status", "Status", "status_type"), per language.
STATUS_WORDS: dict[str, str] = {
    norm(word): outcome
    for outcome, words in (
        (OPEN, ("open", "active", "in progress", "pending", "offen", "aktiv", "ouvert", "ouverte", "en cours",
                "abierto", "abierta", "en curso", "aberto", "aberta", "em andamento", "lopend", "actief",
                "aperto", "aperta", "in corso",
                # an open deal put on hold (Insightly's Suspended is one of its two open states)
                "suspended", "on hold", "paused",
                # Nordic, Polish, Czech, Turkish, Russian, Japanese, Chinese spreadsheets
                "öppen", "öppet", "åben", "åpen", "avoin", "otwarta", "otwarty", "otevřená", "otevřený",
                "açık", "открыта", "открыт", "открытая", "в работе", "進行中", "商談中", "进行中", "跟进中")),
        (WON, ("won", "closed won", "success", "gewonnen", "gagné", "gagnée", "ganado", "ganada", "ganho",
               "vinto", "vinta", "vunnen", "vunnet", "vundet", "voitettu", "wygrana", "wygrany", "vyhraná",
               "vyhraný", "kazanıldı", "выиграна", "выигран", "成約", "受注", "赢单", "成交")),
        (LOST, ("lost", "closed lost", "failure", "verloren", "perdu", "perdue", "perdido", "perdida",
                "perso", "persa", "förlorad", "förlorat", "tabt", "tapt", "hävitty", "przegrana", "przegrany",
                "prohraná", "prohraný", "kaybedildi", "проиграна", "проигран", "失注", "输单", "丢单")),
        (NO_DECISION, ("abandoned", "cancelled", "canceled", "aufgegeben", "abandonné", "abandonnée",
                       "abandonado", "abandonada", "opgegeven", "abbandonato")),
        (DELETED, ("deleted", "archived", "gelöscht", "archiviert", "supprimé", "archivé", "eliminado",
                   "archivado", "excluído", "arquivado", "verwijderd", "gearchiveerd", "eliminato",
                   "archiviato")),
    )
    for word in words
}  # fmt: skip

TRUE_WORDS = frozenset(
    norm(w)
    for w in ("true", "yes", "y", "1", "x", "checked", "ja", "wahr", "oui", "vrai", "sí", "si", "verdadero",
              "sim", "verdadeiro", "waar", "vero")
)  # fmt: skip
FALSE_WORDS = frozenset(
    norm(w)
    for w in ("false", "no", "n", "0", "unchecked", "nein", "falsch", "non", "faux", "falso", "não", "nao",
              "nee", "onwaar")
)  # fmt: skip


def flag(text: str) -> bool | None:
    """Yes/no as CRMs write it, in any of the languages; None for empty or anything else."""
    t = norm(text)
    if t in TRUE_WORDS:
        return True
    if t in FALSE_WORDS:
        return False
    return None


# Words of a stage name nothing places that read closed, used only to offer a --map line
# (the user checks it before pasting), never to place a deal: a word starting with one of
# the stems, or one of the whole words, reads lost, won, or closed without saying which.
READS_LOST = (
    "lost", "disqualif", "unqualif", "reject", "declin", "cancel", "churn",
    "verloren", "abgelehnt", "abgesagt", "storniert",
    "perdu", "refus", "annul",
    "perdid", "descalific", "rechaz",
    "desqualific", "recusad",
    "gediskwalificeerd", "afgewezen", "geannuleerd",
    "squalific", "rifiutat",
    "abandon", "aufgegeben", "opgegeven", "abbandon",  # given up: lost for no decision
    "stracon", "przegran", "förlor", "prohran", "kaybed", "проигр",  # Polish, Nordic, Czech, Turkish, Russian
)  # fmt: skip
LOST_WORDS = frozenset(("dead", "perso", "persa", "persi", "perse", "loss", "tabt", "tapt"))
# Phrases (of whole words) that read lost: a prospect who said no.
LOST_PHRASES = ("not interested", "no interest", "no longer interested", "kein interesse", "pas intéressé",
                "sin interés", "sem interesse", "geen interesse", "non interessato")  # fmt: skip
READS_WON = ("won", "gewonnen", "gagn", "ganad", "ganh", "wygran", "vunn", "vund", "vyhran", "kazan", "выигр")
WON_WORDS = frozenset(("win", "vinto", "vinta", "vinti", "vinte"))
READS_CLOSED = (
    "closed", "geschlossen", "abgeschlossen", "fermé", "clôtur", "cerrad", "fechad", "gesloten", "afgesloten",
    "chius", "zamknię", "stängd", "lukket", "uzavřen", "kapal", "закрыт",
)  # fmt: skip


def reads_closed(words: list[str]) -> str:
    """lost, won or closed when a stage name's words (casefolded) read so, else ''. A word's
    punctuation is no part of it ("Closed (Lost)")."""
    words = [w for w in (re.sub(r"^\W+|\W+$", "", w) for w in words) if w]
    if any(w in LOST_WORDS or w.startswith(READS_LOST) for w in words) or _phrase(words, LOST_PHRASES):
        return LOST
    if any(w in WON_WORDS or w.startswith(READS_WON) for w in words):
        return WON
    if any(w.startswith(READS_CLOSED) for w in words):
        return "closed"
    return ""


def _phrase(words: list[str], phrases: tuple[str, ...]) -> bool:
    text = f" {' '.join(words)} "
    return any(f" {p} " in text for p in phrases)

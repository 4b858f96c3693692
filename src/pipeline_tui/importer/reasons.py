"""A CRM's loss reason text -> one of our loss reasons, the competitor it names, and the
text to keep as the loss note."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline_tui.importer.formats import norm
from pipeline_tui.models import LossReason

# Words that mean "lost to a competitor" (matched at a word's start).
COMPETITOR_WORDS = (
    "competit", "lost to", "went with", "chose", "switched to", "signed with", "bought from", "out-sold",
    "outsold",
    # The languages the CRMs export in: de, fr, es, pt, nl, it.
    "wettbewerb", "konkurren", "concurren", "concorren", "competidor", "competencia",
)  # fmt: skip
# The same reasons as sellers type them in the other languages the CRMs export in.
_PRICE_WORDS = ("preis", "teuer", "kosten", "prix", "trop cher", "coût", "precio", "muy caro",
                "presupuesto", "preço", "muito caro", "orçamento", "prijs", "te duur", "prezzo",
                "troppo caro", "costo")  # fmt: skip
_NO_DECISION_WORDS = ("keine entscheidung", "aucune décision", "pas de décision", "sin decisión",
                      "sem decisão", "geen beslissing", "nessuna decisione")  # fmt: skip
_KEYWORDS = (
    # Building it themselves is no competitor, though the text says "chose".
    ("in-house", "Chose to build in-house"),
    ("in house", "Chose to build in-house"),
    ("inhouse", "Chose to build in-house"),
    ("build it themselves", "Chose to build in-house"),
    ("built their own", "Chose to build in-house"),
    ("build their own", "Chose to build in-house"),
    ("do nothing", "No decision / went dark"),
    ("did nothing", "No decision / went dark"),
    ("status quo", "No decision / went dark"),
    ("decided not to", "No decision / went dark"),
    ("unqualified", "Unqualified / bad fit"),
    ("disqualif", "Unqualified / bad fit"),
    ("not qualified", "Unqualified / bad fit"),
    ("bad fit", "Unqualified / bad fit"),
    ("price", "Price / budget"),
    ("overpriced", "Price / budget"),
    ("budget", "Price / budget"),
    ("cost", "Price / budget"),
    ("expensive", "Price / budget"),
    *((word, "Price / budget") for word in _PRICE_WORDS),
    ("timing", "Timing / no urgency"),
    ("urgen", "Timing / no urgency"),
    ("feature", "Product fit / missing feature"),
    ("fit", "Product fit / missing feature"),
    *((word, "Lost to competitor") for word in COMPETITOR_WORDS),
    ("went dark", "No decision / went dark"),
    ("no decision", "No decision / went dark"),
    *((words, "No decision / went dark") for words in _NO_DECISION_WORDS),
    ("unresponsive", "No decision / went dark"),
    ("ghost", "No decision / went dark"),
    ("abandon", "No decision / went dark"),
    ("champion", "Champion or buyer left"),
)
# A cause the text rules out ("Price was fine, timing was wrong"): left out before the
# keywords are looked for, so what is left names the cause.
_RULED_OUT = re.compile(
    r"\b[\w/-]+\s+(?:was|were|is|are)\s+(?:fine|ok|okay|good|great|not\s+(?:an?\s+|the\s+)?(?:issue|problem))\b"
    r"|\b[\w/-]+\s+(?:wasn'?t|weren'?t|isn'?t)\s+(?:an?\s+|the\s+)?(?:issue|problem)\b"
    r"|\bnot\s+(?:because\s+of\s+|about\s+)(?:the\s+)?[\w/-]+",
    re.IGNORECASE,
)
# "Went with a competitor (Salesforce)", "Lost to competitor: Acme", "Lost to Acme".
_IN_PARENS = re.compile(r"\(([^()]{1,80})\)\s*$")
_AFTER_COLON = re.compile(r"\bcompetit\w*\s*[:\-–—]\s*(.{1,80})$", re.IGNORECASE)
_NAMED = re.compile(
    r"\b(?i:lost to|went with|chose|switched to|signed with|bought from)\s+"
    r"(?:(?i:the|a|an)\s+)?(?:(?i:competitor|competition|vendor|rival)\s+)?"  # "went with competitor Acme"
    r"(?!(?i:a|an|the|another|other|our|their|competitor|competition|to|not|in-house|in)\b)"
    r"([A-Z0-9][\w.&'’ -]{0,60})$"
)


@dataclass(frozen=True)
class Loss:
    reason: LossReason | None
    competitor: str
    note: str


def competitor_in(text: str) -> str:
    """The competitor a loss reason names, or ''."""
    text = text.strip()
    for pattern in (_AFTER_COLON, _NAMED):
        m = pattern.search(text)
        if m:
            return m[1].strip(" .")
    m = _IN_PARENS.search(text)
    if m and any(re.search(r"\b" + re.escape(w), norm(text)) for w in COMPETITOR_WORDS):
        return m[1].strip()
    return ""


def match_reason(text: str, reasons: list[LossReason]) -> tuple[LossReason | None, str]:
    """Our reason for a CRM's loss reason text, and any text to keep as a note."""
    t = norm(text)
    if not t:
        return None, ""
    for reason in reasons:
        if norm(reason.label) == t:
            return reason, ""
    by_label = {norm(r.label): r for r in reasons}
    competitor_reason = next((r for r in reasons if r.needs_competitor and not r.archived), None)
    if competitor_in(text) and competitor_reason:
        return competitor_reason, f"Imported loss reason: {text.strip()}"
    # Most specific first ("bad fit" is not a product fit); words match at a word start,
    # so "profit" is not "fit"; a cause the text rules out is not it.
    said = _RULED_OUT.sub(" ", t)
    for word, label in _KEYWORDS:
        if re.search(r"\b" + re.escape(word), said) and norm(label) in by_label:
            return by_label[norm(label)], f"Imported loss reason: {text.strip()}"
    return by_label.get("other"), f"Imported loss reason: {text.strip()}"


def loss_of(text: str, competitor_cell: str, reasons: list[LossReason]) -> Loss:
    """A lost deal's reason, competitor (the CRM's competitor column first, then a name in
    the reason) and note."""
    reason, note = match_reason(text, reasons)
    competitor = competitor_cell.strip() or competitor_in(text)
    if competitor_cell.strip() and reason is None:
        reason = next((r for r in reasons if r.needs_competitor and not r.archived), None)
    if reason is not None and reason.needs_note and not note:
        note = "Imported without a note."
    return Loss(reason, competitor, note)


def loss_in_stage(stage: str, competitor_cell: str, reasons: list[LossReason]) -> Loss | None:
    """The reason a lost stage's own name gives, when the file has no reason for the deal
    ("Closed-Lost to Competition", "Verloren - kein Budget"); None when the name says only
    that it was lost (never "Other" for "Closed Lost")."""
    reason, _ = match_reason(stage, reasons)
    if reason is None or norm(reason.label) == "other" or norm(reason.label) == norm(stage):
        return None
    note = f"Imported from the stage {stage.strip()!r}."
    return Loss(reason, competitor_cell.strip() or competitor_in(stage), note)

"""Which deal a CRM row is: the CRM's record id, written one way whatever export brought it
(a Salesforce id of 15 characters and its 18-character form are one id; Zoho's "zcrm_"
prefix is not part of it), or, for exports without one (a Salesforce report often has
none), a natural key of the deal's name, account and created date."""

from __future__ import annotations

import hashlib
import re

from pipeline_tui.importer.source import SourceRow

_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SF_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-5]{3})?$")


def salesforce_suffix(id15: str) -> str:
    """The three characters that make a 15-character Salesforce id the 18-character one: per
    block of five, a bit for each uppercase letter (the block's first character the lowest)."""
    out = ""
    for start in (0, 5, 10):
        bits = sum(1 << j for j, c in enumerate(id15[start : start + 5]) if "A" <= c <= "Z")
        out += _SF_SUFFIX[bits]
    return out


def salesforce_id(text: str) -> str:
    """A Salesforce id in its 18-character form: a 15-character id gains its suffix; an
    18-character one (case-insensitive: a spreadsheet may have changed its case) has the
    case of its first 15 characters restored from its suffix."""
    t = text.strip()
    if not _SF_ID.match(t):
        return t
    if len(t) == 15:
        return t + salesforce_suffix(t)
    head, suffix = list(t[:15]), t[15:].upper()
    for block, mark in enumerate(suffix):
        bits = _SF_SUFFIX.index(mark) if mark in _SF_SUFFIX else 0
        for j in range(5):
            i = block * 5 + j
            head[i] = head[i].upper() if bits >> j & 1 else head[i].lower()
    restored = "".join(head)
    return restored + salesforce_suffix(restored)


def canonical_id(text: str, kind: str) -> str:
    """A record id as the import keeps it, whatever export brought it."""
    t = text.strip()
    if not t:
        return ""
    if kind == "salesforce":
        return salesforce_id(t)
    if kind == "zoho" and t.lower().startswith("zcrm_"):
        return t[5:]
    return t


def natural_key(row: SourceRow) -> str:
    """'key-…': the same deal in next week's export of the same report has the same key,
    whatever its stage, amount or age."""
    created = row.created.date().isoformat() if row.created else ""
    text = "\x1f".join((norm_text(row.title), norm_text(row.company), created))
    return "key-" + hashlib.sha1(text.encode()).hexdigest()[:16]


def norm_text(text: str) -> str:
    """`norm`, for text that rarely repeats (a deal's name): the same words, each run of
    spaces one space, case folded, without going through norm's cache."""
    return " ".join(text.replace("\ufeff", "").split()).casefold()


def legacy_key(row: SourceRow) -> str:
    """What earlier versions called a row without an id (a hash of all its cells), so a
    deal they imported is still recognized."""
    return "row-" + hashlib.sha1("\x1f".join(row.cells).encode()).hexdigest()[:16]

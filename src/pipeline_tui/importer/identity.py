"""Which deal a CRM row is: the CRM's record id, or, for exports without one (a Salesforce
report often has none), a natural key of the deal's name, account and created date."""

from __future__ import annotations

import hashlib
from collections import Counter

from pipeline_tui.importer.formats import norm
from pipeline_tui.importer.source import SourceRow


def natural_key(row: SourceRow) -> str:
    """'key-…': the same deal in next week's export of the same report has the same key,
    whatever its stage, amount or age."""
    created = row.created.date().isoformat() if row.created else ""
    text = "\x1f".join((norm(row.title), norm(row.company), created))
    return "key-" + hashlib.sha1(text.encode()).hexdigest()[:16]


def legacy_key(row: SourceRow) -> str:
    """What earlier versions called a row without an id (a hash of all its cells), so a
    deal they imported is still recognized."""
    return "row-" + hashlib.sha1("\x1f".join(row.cells).encode()).hexdigest()[:16]


class Identities:
    """Source ids for one file's rows. Two rows with the same natural key (two deals of the
    same name, account and day) are told apart by their order in the file."""

    def __init__(self) -> None:
        self._keys: Counter[str] = Counter()

    def of(self, row: SourceRow) -> tuple[str, bool]:
        """(source id, whether it is the CRM's own id)."""
        if row.source_id:
            return row.source_id, True
        key = natural_key(row)
        self._keys[key] += 1
        n = self._keys[key]
        return (key if n == 1 else f"{key}#{n}"), False

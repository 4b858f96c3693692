"""The baseline of a CRM row: the CRM's values of the fields the file has, as JSON, kept with
the deal so that a later import can tell what the CRM changed since (`file_values` in
`deals` says which values; `Baseline` writes them fast, for every row of a file)."""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring as _json_text
from typing import Any

from pipeline_tui.importer.source import SourceRow


class _Memo(dict[Any, str]):
    """A piece of JSON per distinct value (forgets all past `limit`)."""

    def __init__(self, make: Callable[[Any], str], limit: int = 20_000) -> None:
        super().__init__()
        self.make, self.limit = make, limit

    def __missing__(self, key: Any) -> str:
        if len(self) >= self.limit:
            self.clear()
        value: str = self.make(key)
        self[key] = value
        return value


class Baseline:
    """`baseline_text(file_values(…))` written straight, for every row of a file: the same
    JSON (sorted keys, no spaces, text as json writes it), its pieces for the values that
    repeat (a date, an account, a currency, a stage) made once."""

    def __init__(self, fields: frozenset[str]) -> None:
        self.value = "value" in fields
        money = self.value or "currency" in fields

        def piece(name: str, present: bool) -> _Memo:
            return _Memo(lambda value: f'"{name}":{_json_text(value)},' if present else "")

        self.close = _Memo(
            lambda day: (
                ('"close":' + (_json_text(day.isoformat()) if day else "null") + ",")
                if "close" in fields
                else ""
            )
        )
        self.company = piece("company", "company" in fields)
        self.contact = piece("contact", "contact" in fields)
        self.codes = piece("currency", money)
        # The day of the CRM's last activity (a day is what staleness counts; one a row
        # shares with many is made once).
        self.activity = _Memo(lambda day: f'"activity":"{day.isoformat()}",')
        self.stages = _Memo(lambda key: f'"stage":{_json_text(key[0])},"stage_id":{int.__repr__(key[1])},')

    def stored(self, row: SourceRow, label: str, stage_id: int) -> bytes:
        """The baseline as the pipeline stores it, in UTF-8 (`CrmRef.baseline`)."""
        return self.text(row, label, stage_id).encode("utf-8", "surrogatepass")

    def text(self, row: SourceRow, label: str, stage_id: int) -> str:
        """The baseline of a row whose stage value `label` goes to board stage `stage_id`."""
        tail = f',"value":{int.__repr__(row.value or 0)}}}' if self.value else "}"
        moment = row.activity
        activity = self.activity[moment.date()] if moment is not None else ""
        return (
            "{" + activity + self.close[row.close] + self.company[row.company] + self.contact[row.contact]
            + (self.codes[row.currency] if row.currency is not None else "") + self.stages[label, stage_id]
            + '"title":' + _json_text(row.title) + tail
        )  # fmt: skip

"""Our CSV's columns and cells: what the export writes and the import of our own file
reads back (formula-safe cells, undone on the way in). Plain Python, no store."""

from __future__ import annotations

from typing import Any

NOTE_COLUMNS = (
    "deal_id",
    "title",
    "company",
    "stage",
    "status",
    "note_time",
    "kind",
    "text",
    "loss_reason",
    "competitor",
    "revisit_on",
    "source",
    "source_id",
)
DEAL_COLUMNS = (
    "id",
    "title",
    "company",
    "contact",
    "value",
    "currency",
    "stage",
    "status",
    "expected_close",
    "next_step",
    "next_step_due",
    "created_at",
    "stage_entered_at",
    "last_activity_at",
    "closed_at",
    "loss_reason",
    "competitor",
    "lost_at_stage",
    "loss_note",
    "revisit_on",
    "revisit_state",
    "won_reason",
    "won_note",
    "source",
    "source_id",
    "archived_at",
    "snoozed_until",
    "crm_baseline",
    "timeline",
)
# A won deal's "competitor" is who it beat; "won_reason" is the label of its won reason.
# The deals export carries each deal's whole timeline ("timeline", JSON): a list of
# {"at", "kind", "text", "from", "to", "data"} (empty ones left out), stage names for stage
# ids, and in "data" no database ids: a loss's reason by its label, the stage a deal was
# lost at by its name ("lost_at_stage"), a retracted note by its place in the timeline. An
# older export's "notes" column (JSON [[time, text], ...]) is still read.
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    # Text that already starts with apostrophes before a trigger ("'=x") gets one more, so
    # unneutralize can tell it from a neutralized "=x" and the round trip stays lossless.
    if text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def unneutralize(text: str) -> str:
    """Undo `neutralize` on a cell read back from our own export."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text

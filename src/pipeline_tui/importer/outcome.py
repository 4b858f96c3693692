"""Whether a CRM row's deal is won, lost or open, read from every column that says so before
its stage's name: a status column (Pipedrive, Close, Copper, Dynamics…), won / closed /
lost flags (Salesforce's IsClosed and IsWon, HubSpot's "Is Closed Won"), Bitrix24's stage
semantics, Odoo's archived flag; then a closed stage every CRM names alike ("Closed Lost",
"Verloren") or the CRM's own closed stage ids ("closedwon"); then a loss reason or a lost
date that is filled in. Columns that disagree stop the import, naming both."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats import Format, norm
from pipeline_tui.importer.source import SourceRow, row_error
from pipeline_tui.importer.words import CLOSED_STAGES, DELETED, LOST, NO_DECISION, OPEN, STATUS_WORDS, WON

SEMANTICS = {"S": WON, "F": LOST, "P": OPEN}


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # won, lost, open; "" when nothing but the stage can tell
    why: str  # what said so, for the dry run ("status 'Won'")
    no_decision: bool = False  # lost for no decision (Copper's "Abandoned")
    explicit: bool = False  # said by a column made for it (a status, a flag), not by a stage name


def outcome_of(row: SourceRow, fmt: Format, headers: dict[str, str]) -> Outcome:
    """The row's outcome; `headers`: field -> the header it was read from (for messages)."""
    said: list[tuple[str, str]] = []  # (outcome, what said it)

    def header(name: str) -> str:
        return headers.get(name, name)

    if row.status:
        key = norm(row.status)
        status = fmt.statuses.get(key) or STATUS_WORDS.get(key) or CLOSED_STAGES.get(key)
        if status is None:
            raise row_error(
                row.number,
                header("status"),
                row.status,
                "is not a status (open, won, lost, deleted); if the column holds stages, read it with "
                f"--column stage={header('status')!r}",
            )
        if status == DELETED:
            return Outcome(DELETED, f"{header('status')} {row.status!r}", explicit=True)
        if status == NO_DECISION:
            said.append((LOST, f"{header('status')} {row.status!r}"))
        else:
            said.append((status, f"{header('status')} {row.status!r}"))
    if row.won is True:
        said.append((WON, f"{header('won')} = yes"))
    if row.lost is True:
        said.append((LOST, f"{header('lost')} = yes"))
    if row.closed is False:
        said.append((OPEN, f"{header('closed')} = no"))
    elif row.closed is True and row.won is False:
        said.append((LOST, f"{header('closed')} = yes, {header('won')} = no"))
    elif row.closed is True and row.won is None and row.lost is None:
        said.append(("closed", f"{header('closed')} = yes"))
    if row.semantic:
        semantic = SEMANTICS.get(row.semantic)
        if semantic is None:
            raise row_error(row.number, header("semantic"), row.semantic, "is not S, F or P")
        said.append((semantic, f"{header('semantic')} {row.semantic!r}"))
    if row.active is False:
        said.append(("not won", f"{header('active')} = no"))  # Odoo: archived, so lost unless won
    kinds = {kind for kind, _ in said if kind in (WON, LOST, OPEN)}
    if len(kinds) > 1:
        (a, why_a), (b, why_b) = said[0], next((k, w) for k, w in said if k != said[0][0] and k in kinds)
        raise InputError(
            f"Row {row.number}: the file says two things about this deal's outcome: {why_a} ({a}) but "
            f"{why_b} ({b}). Fix the file, or leave one column out with --column. Nothing was imported."
        )
    no_decision = bool(row.status) and STATUS_WORDS.get(norm(row.status)) == NO_DECISION
    if kinds:
        kind = kinds.pop()
        why = "; ".join(w for k, w in said if k == kind)
        return Outcome(kind, why, no_decision, explicit=True)
    # Only a closed flag, or only "not active": the stage says which (a closed stage), or a
    # loss says lost.
    named = stage_outcome(row.stage, fmt)
    if named in (WON, LOST):
        return Outcome(named, f"stage {row.stage!r}", explicit=bool(said))
    if any(kind in ("closed", "not won") for kind, _ in said):
        if row.lost_reason or row.lost_date or any(kind == "not won" for kind, _ in said):
            return Outcome(LOST, "; ".join(w for _, w in said), explicit=True)
        raise row_error(
            row.number,
            header("closed"),
            "yes",
            f"says closed but neither a won flag nor the stage {row.stage!r} says won or lost; add the won "
            "column to the export (or --column won=HEADER)",
        )
    if row.lost_reason and not row.won_reason:
        return Outcome(LOST, f"{header('lost_reason')} filled in")
    if row.lost_date:
        return Outcome(LOST, f"{header('lost_date')} filled in")
    return Outcome("", "")


def stage_outcome(stage: str, fmt: Format) -> str:
    """won or lost when the stage is a closed stage (the CRM's own, or one every CRM names
    alike), else ''."""
    key = norm(stage)
    if not key:
        return ""
    slot = fmt.stages.get(key)
    if slot in (WON, LOST):
        return slot
    return CLOSED_STAGES.get(key, "")

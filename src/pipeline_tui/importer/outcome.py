"""Whether a CRM row's deal is won, lost or open, read from every column that says so before
its stage's name: a status column (Pipedrive, Close, Copper, Dynamics…), won / closed /
lost flags (Salesforce's IsClosed and IsWon, HubSpot's "Is Closed Won"), Bitrix24's stage
semantics, Odoo's archived flag; then a closed stage every CRM names alike ("Closed Lost",
"Verloren") or the CRM's own closed stage ids ("closedwon"); then a loss reason or a lost
date that is filled in.

Columns made to say the outcome (a status, a flag, a stage the CRM names won or lost) that
disagree stop the import, naming the row, both columns, both values and the fix. A loss
reason or a lost date on a deal such a column says is won or open is overruled by that
column: said in the dry run, with the count and the first rows (`Overruled`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats import Format, norm
from pipeline_tui.importer.source import SourceRow, row_error
from pipeline_tui.importer.stages import shell_word
from pipeline_tui.importer.words import (
    CLOSED_STAGES,
    DELETED,
    LOST,
    NO_DECISION,
    OPEN,
    STATUS_WORDS,
    WON,
    reads_closed,
)

SEMANTICS = {"S": WON, "F": LOST, "P": OPEN}


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # won, lost, open; "" when nothing but the stage can tell
    why: str  # what said so, for the dry run ("status 'Won'")
    no_decision: bool = False  # lost for no decision (Copper's "Abandoned")
    explicit: bool = False  # said by a column made for it (a status, a flag), not by a stage name
    overruled: str = ""  # a loss reason or lost date this outcome overrules (its header)


@dataclass
class Overruled:
    """Rows whose loss reason or lost date the outcome column overrules: counted as they
    pass, said in the dry run."""

    rows: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)  # (filled, kind, why) -> rows
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def add(self, number: int, outcome: Outcome) -> None:
        key = (outcome.overruled, outcome.kind, outcome.why)
        count = self.counts.get(key, 0)
        self.counts[key] = count + 1
        if count < 5:
            self.rows.setdefault(key, []).append(number)

    def notices(self) -> list[str]:
        out: list[str] = []
        for (filled, kind, why), count in self.counts.items():
            rows = ", ".join(str(n) for n in self.rows[filled, kind, why]) + (", …" if count > 5 else "")
            many = count != 1
            out.append(
                f"{count:,} row{'s' if many else ''} (row{'s' if many else ''} {rows}) "
                f"{'have' if many else 'has'} {filled} filled in, but {why} says {kind}: "
                f"{'they are' if many else 'it is'} imported {kind} (the outcome column decides; a loss "
                "reason is kept only on a lost deal). If "
                f"{'they are' if many else 'it is'} lost, correct the outcome column in the file."
            )
        return out


def outcome_of(
    row: SourceRow,
    fmt: Format,
    headers: dict[str, str],
    ends: Mapping[str, str] | None = None,
    mapped: frozenset[str] = frozenset(),
) -> Outcome:
    """The row's outcome; `headers`: field -> the header it was read from (for messages);
    `ends`: the board's won and lost stages' names (for a ready --map line); `mapped`: the
    stage values (normed) the user placed with --map, whose names then say no outcome."""
    outcome = _outcome_of(row, fmt, headers, ends or {}, mapped)
    if outcome.kind in (WON, OPEN) and (outcome.explicit or outcome.why.startswith("stage")):
        reason = _loss_reason(row, fmt) and not row.won_reason
        filled = "lost_reason" if reason else "lost_date" if row.lost_date else ""
        if filled:
            name = repr(headers.get(filled, filled))
            return Outcome(outcome.kind, outcome.why, outcome.no_decision, outcome.explicit, name)
    return outcome


def _loss_reason(row: SourceRow, fmt: Format) -> bool:
    """Whether the row states a loss reason (not an open or won deal's own reason)."""
    return bool(row.lost_reason) and (not fmt.not_losses or norm(row.lost_reason) not in fmt.not_losses)


def _outcome_of(
    row: SourceRow, fmt: Format, headers: dict[str, str], ends: Mapping[str, str], mapped: frozenset[str]
) -> Outcome:
    said: list[tuple[str, str]] = []  # (outcome, what said it)
    columns: dict[str, list[str]] = {}  # outcome -> the headers that said it

    def header(name: str) -> str:
        return headers.get(name, name)

    def say(kind: str, why: str, *fields: str) -> None:
        said.append((kind, why))
        names = columns.setdefault(kind, [])
        names.extend(header(f) for f in fields if header(f) not in names)

    if row.status:
        key = norm(row.status)
        status = fmt.statuses.get(key) or STATUS_WORDS.get(key) or CLOSED_STAGES.get(key)
        if status is None:
            raise row_error(
                row.number,
                header("status"),
                row.status,
                "is not a status (open, won, lost, deleted, in the languages CRMs export in); if the "
                "column holds stages, or statuses in another language, read it with "
                f"--column stage={header('status')!r} and say where each value goes "
                "(--map 'VALUE=Closed Won', …), or write open, won or lost in the file",
            )
        if status == DELETED:
            return Outcome(DELETED, f"{header('status')} {row.status!r}", explicit=True)
        say(LOST if status == NO_DECISION else status, f"{header('status')} {row.status!r}", "status")
    if row.won is True:
        say(WON, f"{header('won')} = yes", "won")
    if row.lost is True:
        say(LOST, f"{header('lost')} = yes", "lost")
    if row.closed is False:
        say(OPEN, f"{header('closed')} = no", "closed")
    elif row.closed is True and row.won is False:
        say(LOST, f"{header('closed')} = yes, {header('won')} = no", "closed", "won")
    elif row.closed is True and row.won is None and row.lost is None:
        say("closed", f"{header('closed')} = yes", "closed")
    if row.semantic:
        semantic = SEMANTICS.get(row.semantic)
        if semantic is None:
            raise row_error(row.number, header("semantic"), row.semantic, "is not S, F or P")
        say(semantic, f"{header('semantic')} {row.semantic!r}", "semantic")
    if row.active is False:
        said.append(("not won", f"{header('active')} = no"))  # Odoo: archived, so lost unless won
    kinds = {kind for kind, _ in said if kind in (WON, LOST, OPEN)}
    if len(kinds) > 1:
        (a, why_a), (b, why_b) = said[0], next((k, w) for k, w in said if k != said[0][0] and k in kinds)
        raise InputError(
            f"Row {row.number}: the file says two things about this deal's outcome: {why_a} ({a}) but "
            f"{why_b} ({b}). Correct the row in the file (or export it without one of the two columns). "
            "Nothing was imported."
        )
    if kinds and norm(row.stage) not in mapped:
        _check_stage(row, fmt, headers, ends, said, kinds, columns)
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
        if _loss_reason(row, fmt) or row.lost_date or any(kind == "not won" for kind, _ in said):
            return Outcome(LOST, "; ".join(w for _, w in said), explicit=True)
        raise row_error(
            row.number,
            header("closed"),
            "yes",
            f"says closed but neither a won flag nor the stage {row.stage!r} says won or lost; add the won "
            "column to the export (or --column won=HEADER)",
        )
    if _loss_reason(row, fmt) and not row.won_reason:
        if reads_closed(norm(row.stage).replace("-", " ").split()) == WON:
            # NetSuite's one 'Win/Loss Reason' is filled on won deals too: a stage whose name
            # reads won ('13 - Closed Won') is asked about (or placed as --map says), never
            # made a loss by the reason.
            return Outcome("", "")
        return Outcome(LOST, f"{header('lost_reason')} filled in")
    if row.lost_date:
        return Outcome(LOST, f"{header('lost_date')} filled in")
    return Outcome("", "")


def _check_stage(
    row: SourceRow, fmt: Format, headers: dict[str, str], ends: Mapping[str, str],
    said: list[tuple[str, str]], kinds: set[str], columns: dict[str, list[str]],
) -> None:  # fmt: skip
    """A stage whose name says won or lost must agree with outcome columns that say won or
    lost. (A closed stage's name on a deal they say is open is asked about with the unknown
    stages, `placing.ask_unknown`; an open stage's name on a closed deal is where it was, or
    for Salesforce a stage the org made closed, which its IsClosed / IsWon say.)"""
    kind = next(iter(kinds))
    if kind not in (WON, LOST):
        return
    named = stage_outcome(row.stage, fmt)
    if named not in (WON, LOST) or named == kind:
        return  # an open stage's name on a closed deal: where it was (Salesforce: the org's own)
    target = ends.get(kind, kind)  # the stage the columns say: they decide
    why = next(w for k, w in said if k == kind)
    deciding = " / ".join(repr(c) for c in columns.get(kind, ())) or "the outcome column"
    stage = headers.get("stage", "stage")
    raise InputError(
        f"Row {row.number}: the file says two things about this deal's outcome: {stage!r} {row.stage!r} "
        f"({named}) but {why} ({kind}). Correct the row in the file; or, to let {deciding} decide for "
        f"every row in {row.stage!r}, import with --map {shell_word(row.stage + '=' + target)}. Nothing was "
        "imported."
    )


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

"""Placing a CRM row on a board stage (step 5 of `plan`): its outcome's endpoint, or where its
stage value goes, never guessed; a value nothing places stops the import with every such
value, its row count and a ready --map line (`UnknownStages`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline_tui.errors import InputError
from pipeline_tui.importer.context import Context, Placed
from pipeline_tui.importer.formats import norm, source_label
from pipeline_tui.importer.outcome import Outcome
from pipeline_tui.importer.plan_types import ImportPlan, Options, UnknownStages
from pipeline_tui.importer.source import SourceRow, row_error
from pipeline_tui.importer.stages import MANY_NEW, NEW, StageMap, endpoint_read, new_stage_kind, suggestion
from pipeline_tui.importer.stages import shell_word as _quoted
from pipeline_tui.importer.words import CLOSED_ONLY, LOST, OPEN, WON, reads_closed
from pipeline_tui.models import PendingStage, StageKind


def check_new_stages(pending: list[PendingStage], options: Options) -> None:
    shown = [p for p in pending if not p.archived]
    if len(shown) > MANY_NEW and not options.new_stages:
        names = ", ".join(repr(p.name) for p in shown[:5]) + (", …" if len(shown) > 5 else "")
        raise InputError(
            f"The import would make {len(shown):,} new stages ({names}), each a column on the board. If "
            "that is what you want, import again with --new-stages; otherwise place the values on stages "
            "you have with --map 'VALUE=STAGE'. Nothing was imported."
        )


def place(ctx: Context, row: SourceRow, outcome: Outcome) -> Placed:
    """The board stage for a row: its outcome's endpoint, or where its stage value goes. The
    same for every row of this stage value, outcome and lost-at value; the values to ask
    about are counted per row (`Placed.remember`)."""
    stages = ctx.stages
    placed = stages.place(row.stage)
    if outcome.kind in (WON, LOST):
        kind = StageKind.WON if outcome.kind == WON else StageKind.LOST
        endpoint = (
            ctx.by_id[placed.stage_id]
            if placed is not None and placed.stage_id > 0 and ctx.by_id[placed.stage_id].kind is kind
            else next(s for s in stages.stages if s.kind is kind)
        )
        shown = f"{row.stage} + {outcome.why}" if outcome.explicit and row.stage else row.stage or outcome.why
        ctx.shown.setdefault(shown, (endpoint.name, outcome.why if outcome.explicit else (
            placed.rule if placed is not None else outcome.why)))  # fmt: skip
        remember: list[tuple[str, Counter[str]]] = []
        lost_at = _lost_at(ctx, row, placed, remember) if kind is StageKind.LOST else None
        return Placed(endpoint, endpoint.id, lost_at, tuple(remember))
    if placed is not None and ctx.kind(placed.stage_id) is StageKind.OPEN:
        stage = ctx.by_id.get(placed.stage_id)
        if stage is None:
            stages.used[placed.stage_id] = True  # a stage this import makes: a deal is in it
        target = stage.name if stage is not None else _pending_name(stages, placed.stage_id)
        ctx.shown.setdefault(row.stage, (target, placed.rule))
        return Placed(stage, placed.stage_id, None)
    said = placed is not None and placed.rule.startswith(("--map", "as you said"))
    if placed is not None and said and outcome.kind != OPEN:
        endpoint = ctx.by_id[placed.stage_id]  # the user said this value is won (or lost)
        ctx.shown.setdefault(row.stage, (endpoint.name, placed.rule))
        return Placed(endpoint, endpoint.id, None)
    if placed is not None and said:
        raise row_error(
            row.number,
            ctx.headers.get("stage", "stage"),
            row.stage,
            f"is open ({outcome.why}) but --map sends it to {ctx.by_id[placed.stage_id].name}; map it to an "
            "open stage",
        )
    if placed is not None and outcome.kind == OPEN:
        stages.open_why.setdefault(norm(row.stage), outcome.why)
        return Placed(None, 0, None, ((row.stage, stages.open_closed),))  # a closed stage's name, open
    if outcome.kind == OPEN:
        stages.unknown_why.setdefault(norm(row.stage), outcome.why)  # open, but at which stage?
    return Placed(None, 0, None, ((row.stage, stages.unknown),))  # asked about at the end


def _pending_name(stages: StageMap, key: int) -> str:
    return next(p.name for p in stages.pending if p.key == key)


def _lost_at(
    ctx: Context, row: SourceRow, placed: Any, remember: list[tuple[str, Counter[str]]]
) -> int | None:
    """The open stage a lost deal was lost at, when the file says (a "lost at" column, or
    the stage a lost deal keeps, as Pipedrive's and Odoo's do)."""
    for value in (row.lost_at, row.stage):
        if not value:
            continue
        where = ctx.stages.place(value) if value != row.stage else placed
        if where is not None and ctx.kind(where.stage_id) is StageKind.OPEN:
            if where.stage_id < 0:
                ctx.stages.used.setdefault(where.stage_id, False)  # made: where its lost deals were lost
            return int(where.stage_id)
        if (
            where is None
            and value
            and (value != row.stage or ctx.stages.fmt.lost_keeps_stage)
            and not ctx.stages.fmt.stages.get(norm(value))
            and norm(value) not in CLOSED_ONLY
        ):
            remember.append((value, ctx.stages.unknown_lost_at))
        return None
    return None


def ask_unknown(ctx: Context, plan: ImportPlan) -> None:
    stages = ctx.stages
    if not stages.unknown and not stages.open_closed:
        return
    column = ctx.headers.get("stage")
    unknown = [(stages.shown[v], n) for v, n in stages.unknown.most_common()]
    contrary = [(stages.shown[v], n) for v, n in stages.open_closed.most_common()]
    lines: list[str] = []
    if column is None:
        rows = sum(n for _, n in unknown)
        lines.append(
            f"The file has no stage column, and {rows:,} of its deals {'are' if rows != 1 else 'is'} "
            "neither won "
            "nor lost: say which stage they go in (or map the column with --column stage=HEADER)."
        )
    elif unknown:
        many = len(unknown) != 1
        said = stages.unknown_why
        opened = [v for v, _ in unknown if norm(v) in said]
        head = (
            f"{len(unknown):,} stage value{'s' if many else ''} in {column!r} "
            f"{'are' if many else 'is'} not a stage of this pipeline"
        )
        if not opened:
            lines.append(f"{head}, and the file does not say whether those deals are won or lost:")
            lines += _value_lines(unknown, _reads(unknown, stages))
        elif len(opened) == len(unknown):
            lines.append(f"{head}; the file says those deals are open, but not at which of your stages:")
            lines += _value_lines(unknown, {v: said[norm(v)] for v, _ in unknown})
        else:
            lines.append(f"{head}:")
            notes = {
                v: f"open: {said[norm(v)]}" if norm(v) in said else "the file does not say won or lost"
                for v, _ in unknown
            }
            lines += _value_lines(unknown, notes)
    if contrary:
        many = len(contrary) != 1
        lines.append(
            f"{len(contrary):,} stage value{'s' if many else ''} in {column!r} "
            f"name{'' if many else 's'} a closed "
            "stage, but the file says those deals are open:"
        )
        lines += [
            f"{line} ({stages.open_why[norm(value)]})"
            for line, (value, _) in zip(_value_lines(contrary), contrary, strict=False)
        ]
    offered = {
        v: suggestion(v, stages.stages, open_only=(v, n) in contrary or norm(v) in stages.unknown_why)
        for v, n in unknown + contrary
    }
    maps = " ".join(f"--map {_quoted(v + '=' + offered[v])}" for v, _ in (unknown + contrary)[:20])
    names = ", ".join(s.name for s in stages.stages)
    lines.append(
        f"Say where each goes (one of your stages: {names}; or {NEW} to make it "
        f"{new_stage_kind(stages.stages)}: its deals stay open), e.g.:"
    )
    lines.append(f"  {maps}")
    unsaid = [v for v, _ in unknown if norm(v) not in stages.unknown_why]
    if (
        column is not None
        and unsaid
        and not any(f in ctx.headers for f in ("status", "won", "closed", "lost"))
    ):
        lines.append(
            "If a column of the file says whether each deal is won or lost (a status, or flags such as "
            "HubSpot's in another language), name it instead: --column status=HEADER (open / won / lost), "
            "or --column won=HEADER --column closed=HEADER (yes / no)."
        )
    crm = source_label(plan.source, plan.label)
    whence = "spreadsheet you import" if plan.source == "csv" else f"import from {crm}"
    lines.append(f"Check each before you paste it. The answers are remembered for the next {whence}.")
    lines.append("Nothing was imported.")
    said_open = {v: stages.open_why[norm(v)] for v, _ in contrary}
    open_unknown = {v: stages.unknown_why[norm(v)] for v, _ in unknown if norm(v) in stages.unknown_why}
    raise UnknownStages(
        "\n".join(lines),
        unknown + contrary,
        plan.source,
        suggestions=offered,
        said_open=said_open,
        open_unknown=open_unknown,
    )


def _value_lines(values: list[tuple[str, int]], notes: dict[str, str] | None = None) -> list[str]:
    lines = [
        f"  {repr(value) if value else '(empty)'}: {rows:,} row{'s' if rows != 1 else ''}"
        + (f" ({notes[value]})" if notes and notes.get(value) else "")
        for value, rows in values[:20]
    ]
    if len(values) > 20:
        lines.append(f"  … and {len(values) - 20:,} more")
    return lines


def _reads(values: list[tuple[str, int]], stages: StageMap) -> dict[str, str]:
    """What a value's name reads when it reads closed: why its --map line offers an endpoint."""
    notes: dict[str, str] = {}
    for value, _ in values:
        end = endpoint_read(value, stages.stages)
        if end is not None:
            read = reads_closed(value.casefold().replace("-", " ").split())
            notes[value] = (
                f"reads closed, without saying won or lost: offered {end.name}; won ones go to {_won(stages)}"
                if read == "closed"
                else f"reads {read}: offered {end.name}"
            )
    return notes


def _won(stages: StageMap) -> str:
    return next((s.name for s in stages.stages if s.kind is StageKind.WON), "the won stage")


def unmade_stages(stages: StageMap, options: Options, unmade: set[str]) -> list[str]:
    """`--map` lines that place no row: a stage value the file does not have (a typo, a map
    kept from another file), or `=new` for a value every row of which reads won or lost
    (`unmade`, normed: such a stage is not made, it would stand empty on the board)."""
    out = []
    for value, target in options.stage_overrides.items():
        line = f"--map {_quoted(value + '=' + target)}"
        if not stages.seen(value):
            made = "; no stage made" if norm(target) == NEW else ""
            out.append(f"{line}: no row of this file has the stage value {value!r}{made}.")
        elif norm(value) in unmade:
            out.append(
                f"{line}: every row with {value!r} reads won or lost, so no stage was made (it would stand "
                "empty on the board)."
            )
    return out


def new_stages(stages: StageMap) -> list[str]:
    """The stages the import makes (`--map VALUE=new`), each with its kind: open, its deals
    counted as pipeline; said louder for a name that reads closed."""
    made = [p for p in stages.pending if not p.archived]
    if not made:
        return []
    kind = new_stage_kind(stages.stages).removeprefix("a new ")
    out = [
        "Stages made by the import: "
        + ", ".join(f"{p.name!r} ({kind if p.kind is StageKind.OPEN else p.kind.value})" for p in made)
        + ". Deals in an open stage count as open pipeline; a new stage has no stale threshold until you "
        "set one."
    ]
    for pending in made:
        if not stages.used.get(pending.key, True):
            out.append(
                f"{pending.name!r} holds no deal of this file: it is made as the stage its lost deals were "
                "lost at (the report's lost-at-stage table)."
            )
        end = endpoint_read(pending.name, stages.stages)
        if end is not None and pending.kind is StageKind.OPEN:
            out.append(
                f"{pending.name!r} reads closed, but --map …=new makes it an open stage: its deals count as "
                "open pipeline. If they are closed, import with "
                f"--map {_quoted(pending.name + '=' + end.name)} instead."
            )
    return out

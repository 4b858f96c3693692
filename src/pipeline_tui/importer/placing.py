"""Placing a CRM row on a board stage (step 5 of `plan`): its outcome's endpoint, or where its
stage value goes, never guessed; a value nothing places stops the import with every such
value, its row count and a ready --map line (`UnknownStages`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipeline_tui.errors import InputError
from pipeline_tui.importer.context import Context, Placed
from pipeline_tui.importer.formats import norm
from pipeline_tui.importer.outcome import Outcome
from pipeline_tui.importer.plan_types import ImportPlan, Options, UnknownStages
from pipeline_tui.importer.source import SourceRow, row_error
from pipeline_tui.importer.stages import MANY_NEW, NEW, StageMap, suggestion
from pipeline_tui.importer.words import CLOSED_ONLY, LOST, OPEN, WON
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
        lines.append(
            f"{len(unknown):,} stage value{'s' if many else ''} in {column!r} {'are' if many else 'is'} "
            "not a stage "
            "of this pipeline, and the file does not say whether those deals are won or lost:"
        )
        lines += _value_lines(unknown)
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
    offered = {v: suggestion(v, stages.stages, open_only=(v, n) in contrary) for v, n in unknown + contrary}
    maps = " ".join(f"--map {_quoted(v + '=' + offered[v])}" for v, _ in (unknown + contrary)[:20])
    names = ", ".join(s.name for s in stages.stages)
    lines.append(f"Say where each goes (one of your stages: {names}; or {NEW} to make it a stage), e.g.:")
    lines.append(f"  {maps}")
    whence = "CSV file you import" if plan.source == "csv" else f"import from {plan.label}"
    lines.append(f"Check each before you paste it. The answers are remembered for the next {whence}.")
    lines.append("Nothing was imported.")
    said_open = {v: stages.open_why[norm(v)] for v, _ in contrary}
    raise UnknownStages(
        "\n".join(lines), unknown + contrary, plan.source, suggestions=offered, said_open=said_open
    )


def _value_lines(values: list[tuple[str, int]]) -> list[str]:
    lines = [
        f"  {repr(value) if value else '(empty)'}: {rows:,} row{'s' if rows != 1 else ''}"
        for value, rows in values[:20]
    ]
    if len(values) > 20:
        lines.append(f"  … and {len(values) - 20:,} more")
    return lines


def _quoted(text: str) -> str:
    """A shell word: single quotes, a quote inside written as '\\''; text holding a control
    character (a line break in a cell) as $'…' with each one escaped, so the line stays one."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        inner = "".join(
            f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else "\\" + c if c in "\\'" else c
            for c in text
        )
        return f"$'{inner}'"
    return "'" + text.replace("'", "'\\''") + "'"

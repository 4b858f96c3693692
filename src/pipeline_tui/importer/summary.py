"""What an import plan says, as lines for a person: the same on the command line and on the
board."""

from __future__ import annotations

from pathlib import Path

from pipeline_tui.importer.plan import ImportPlan
from pipeline_tui.money import Rates, format_totals

STAGE_NAME_WIDTH = 40  # a longer CRM stage name is cut, so the table stays aligned


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def plan_lines(plan: ImportPlan, path: Path, *, rates: Rates | None, base: str) -> list[str]:
    """Every decision the import would make, a line each: the command line prints them (the
    dry run too), the board shows them before asking to import."""
    lines: list[str] = []
    out = lines.append
    footer = f" (a footer of {len(plan.footer)} lines left out)" if plan.footer else ""
    rows = f"{plan.total_rows:,} row{'s' if plan.total_rows != 1 else ''}"
    out(f"{path.name}: {plan.format} export, {rows}{footer}.")
    out("Columns (override with --column FIELD=HEADER):")
    for col in plan.columns:
        if plan.format != "pipeline-tui":
            out(f"  {col.field:<12} <- {col.header!r}" + (" (--column)" if col.how == "--column" else ""))
    if plan.stage_map:
        width = min(STAGE_NAME_WIDTH, max(len(_shown(s)) for s in plan.stage_map))
        target_width = max(len(t) for t in plan.stage_map.values())
        out("Stages (override with --map 'SOURCE=STAGE'):")
        for source, target in plan.stage_map.items():
            out(
                f"  {_cut(_shown(source), width):>{width}} -> {target:<{target_width}}"
                f"  ({plan.stage_rule[source]})"
            )
    counts, per_stage = plan.counts(), plan.stage_totals()
    if counts:
        out("New deals per stage:")
        stage_width = max(len(name) for name in counts)
        for name, count in counts.items():
            total = format_totals(per_stage.get(name, {}), base=base, compact=True, rates=rates)
            out(f"  {name:<{stage_width}} {count:>7,}  {total}")
    out(f"Total value of new deals: {format_totals(plan.totals(), base=base, rates=rates)}")
    if plan.competitors_found or plan.missing_reasons or plan.rows:
        words = ", ".join(repr(w) for w in plan.competitor_words)
        out(
            f"Lost to a competitor when the reason says {words}; "
            f"competitors found: {plan.competitors_found:,}."
        )
    if plan.competitors_missing:
        out(
            f"Lost to a competitor with none named: {plan.competitors_missing:,} "
            f"{'deal' if plan.competitors_missing == 1 else 'deals'} (the report lists them as "
            "'(no competitor named)')."
        )
    if plan.skipped_existing or plan.unchanged or plan.updates or plan.conflicts:
        out(
            f"Already imported: {plan.unchanged + plan.skipped_existing:,} unchanged, "
            f"{plan.updated:,} updated, "
            f"{len(plan.conflicts):,} conflicts."
        )
    for deal_id, title, changes in plan.changes:
        out(f"  #{deal_id} {title}: {'; '.join(changes)}")
    if plan.conflicts:
        out("Conflicts (your changes are kept; --prefer file takes the file's):")
        for c in plan.conflicts:
            out(f"  #{c.deal_id} {c.title}: {c.field}: yours {c.yours}, file {c.theirs}")
    if plan.skipped_deleted:
        out(f"Skipped: {plan.skipped_deleted:,} deleted or archived rows.")
    if plan.duplicates:
        out(f"Skipped: {plan.duplicates:,} rows seen twice in the file.")
    if plan.missing:
        shown = ", ".join(f"#{i} {t}" for i, t in plan.missing[:3]) + (", …" if len(plan.missing) > 3 else "")
        what = (
            "archived (--missing archive)"
            if plan.missing_action == "archive"
            else "kept (--missing archive archives them, for a full export)"
        )
        count = len(plan.missing)
        out(
            f"Not in this file: {count:,} deal{'s' if count != 1 else ''} imported from {plan.label} "
            f"before ({shown}): {what}."
        )
    if plan.remember:
        whence = "CSV file you import" if plan.source == "csv" else f"import from {plan.label}"
        out(f"Stage answers to remember for the next {whence}, once imported: {len(plan.remember):,}.")
    for notice in plan.notices:
        out(notice)
    return lines


def _shown(value: str) -> str:
    """A stage value as the dry run shows it: quoted, or (empty)."""
    return repr(value) if value else "(empty)"

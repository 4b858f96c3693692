"""What an import plan says, as lines for a person: the same on the command line and on the
board."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline_tui.importer.columns import amount_headers, currency_header
from pipeline_tui.importer.formats import USER_FIELDS, source_label
from pipeline_tui.importer.plan import ImportPlan
from pipeline_tui.money import Rates, format_money, format_totals

STAGE_NAME_WIDTH = 40  # a longer CRM stage name is cut, so the table stays aligned
SHOWN = 10  # of a list that may be long (unread columns, loss reason texts): the first ones


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def plan_lines(plan: ImportPlan, path: Path, *, rates: Rates | None, base: str) -> list[str]:
    """Every decision the import would make, a line each: the command line prints them (the
    dry run too), the board shows them before asking to import."""
    lines: list[str] = []
    out = lines.append
    crm = source_label(plan.source, plan.label)
    footer = f" (a footer of {len(plan.footer)} lines left out)" if plan.footer else ""
    rows = f"{plan.total_rows:,} row{'s' if plan.total_rows != 1 else ''}"
    out(f"{path.name}: {plan.format} export, {rows}{footer}.")
    out("Columns (override with --column FIELD=HEADER):")
    for col in plan.columns:
        if plan.format != "pipeline-tui":
            out(f"  {col.field:<12} <- {col.header!r}" + (" (--column)" if col.how == "--column" else ""))
    if plan.unread:
        out(
            f"Not read: {_some(plan.unread)} (read one with --column FIELD=HEADER; fields: "
            f"{', '.join(USER_FIELDS)})."
        )
    lines.extend(_currency_lines(plan, path))
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
            total = _totals(per_stage.get(name, {}), base=base, compact=True, rates=rates)
            out(f"  {name:<{stage_width}} {count:>7,}  {total}")
    if counts:  # a re-import that adds nothing has no new deals to total
        out(f"Total value of new deals: {_totals(plan.totals(), base=base, rates=rates)}")
    lines.extend(_loss_lines(plan))
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
    lines.extend(_created_lines(plan))
    if plan.skipped_existing or plan.unchanged or plan.updates or plan.conflicts:
        attached_only = len(plan.attached) - sum(1 for i, _, _ in plan.changes if i in _ids(plan.attached))
        only = f" ({attached_only:,} only given their record id)" if attached_only else ""
        out(
            f"Already imported: {plan.unchanged + plan.skipped_existing:,} unchanged, "
            f"{plan.updated:,} updated{only}, "
            f"{len(plan.conflicts):,} conflicts."
        )
    for deal_id, title, changes in plan.changes:
        out(f"  #{deal_id} {title}: {'; '.join(changes)}")
    if plan.attached:
        shown = ", ".join(f"#{i} {t} <- {sid}" for i, t, sid in plan.attached[:5])
        more = f", and {len(plan.attached) - 5:,} more" if len(plan.attached) > 5 else ""
        out(
            f"Record ids given to {len(plan.attached):,} deal{'s' if len(plan.attached) != 1 else ''} "
            f"imported before without one (matched by name, company and created date): {shown}{more}."
        )
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
            f"Not in this file: {count:,} deal{'s' if count != 1 else ''} imported from {crm} "
            f"before ({shown}): {what}."
        )
    if plan.remember:
        whence = "spreadsheet you import" if plan.source == "csv" else f"import from {crm}"
        out(f"Stage answers to remember for the next {whence}, once imported: {len(plan.remember):,}.")
    for notice in plan.notices:
        out(notice)
    lines.extend(_lacking_lines(plan))
    lines.extend(_row_lines(plan))
    return lines


def _some(items: list[str], shown: int = SHOWN) -> str:
    """The first few of a list, quoted, with how many more."""
    text = ", ".join(repr(item) for item in items[:shown])
    return text + (f" and {len(items) - shown:,} more" if len(items) > shown else "")


def _ids(attached: list[tuple[int, str, str]]) -> set[int]:
    return {deal_id for deal_id, _, _ in attached}


def _totals(totals: dict[str, int], *, base: str, rates: Rates | None, compact: bool = False) -> str:
    """Money per currency; deals without an amount show a zero in their own currency (a
    euro deal's is €0, not $0)."""
    if totals and not any(totals.values()):
        return " + ".join(
            format_money(0, code, compact=compact) for code in sorted(totals, key=(base).__ne__)
        )
    return format_totals(totals, base=base, compact=compact, rates=rates)


def _currency_lines(plan: ImportPlan, path: Path) -> list[str]:
    """Which currency amounts were taken in when the file states none, and a column that
    plainly holds the currency but is not read."""
    if plan.format == "pipeline-tui":
        return []
    lines: list[str] = []
    fields = {c.field for c in plan.columns}
    # A column that plainly holds a currency matters only for amounts that are read.
    unread = currency_header(plan.unread) if "currency" not in fields and "value" in fields else None
    if unread is not None:
        lines.append(
            f"Currency: the column {unread!r} looks like the deals' currency but is not read: "
            f"--column currency={_quoted(unread)} reads it."
        )
    if "value" not in fields and "product" not in fields and plan.rows:
        amounts = set(amount_headers(plan.unread))
        found = [(at, h) for at, h in plan.unread_at if h in amounts][:3]
        picks = " or ".join(
            f"--column value={_quoted(h) if plan.unread.count(h) == 1 else f'#{at}'}" for at, h in found
        )
        looks = (
            f"; {', '.join(f'{h!r} (column {at})' for at, h in found)} look{'s' if len(found) == 1 else ''} "
            f"like the amount: {picks} reads it"
            if found
            else " (the file has no amount column: --column value=HEADER reads one)"
        )
        lines.append(f"Amounts: none is read, so every new deal comes in at 0{looks}.")
    if plan.without_amount:
        n = plan.without_amount
        lines.append(
            f"Amounts: {n:,} new deal{'s have' if n != 1 else ' has'} none (an empty cell or 0; a workbook's "
            "error cell, such as #DIV/0!, reads as empty): they come in at 0."
        )
    if plan.assumed_currency:
        n = plan.assumed_currency
        workbook = path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")
        formats = "; a workbook cell's currency format, such as $#,##0.00, is not read" if workbook else ""
        has_column = "currency" in {c.field for c in plan.columns}
        cell = "an empty currency cell, " if has_column else "no currency column, "
        lines.append(
            f"Currency: the file states none for {n:,} new deal{'s' if n != 1 else ''} ({cell}no code "
            f"or symbol in the amount or its header{formats}): taken as {plan.currency}, "
            "this pipeline's currency. If they are in another, read it with --column currency=HEADER, "
            "or set the pipeline's currency first (pipeline-tui config currency CODE)."
        )
    return lines


def _quoted(header: str) -> str:
    """A header as a shell reads it back."""
    return "'" + header.replace("'", "'\\''") + "'" if any(not c.isalnum() for c in header) else header


def _loss_lines(plan: ImportPlan) -> list[str]:
    """Each loss reason text of the file, most frequent first, and the reason it became."""
    lines: list[str] = []
    if plan.missing_reasons:
        n = plan.missing_reasons
        lines.append(
            f"Lost deals without a loss reason in the file: {n:,} "
            f"(fill {'it' if n == 1 else 'them'} in on the board after importing)."
        )
    if not plan.loss_texts:
        return lines
    lines.append(
        "Loss reasons (text in the file -> the reason it becomes; the text is kept as the loss note):"
    )
    common = plan.loss_texts.most_common()
    width = min(STAGE_NAME_WIDTH, max(len(repr(text)) for text, _ in common[:SHOWN]))
    for text, count in common[:SHOWN]:
        became = plan.loss_matched.get(text) or "no reason (fill it in on the board)"
        lines.append(f"  {_cut(repr(text), width):>{width}} ({count:,}) -> {became}")
    if len(common) > SHOWN:
        rest = common[SHOWN:]
        lines.append(f"  and {len(rest):,} more texts ({sum(n for _, n in rest):,} rows)")
    return lines


def _created_lines(plan: ImportPlan) -> list[str]:
    """Created dates the file does not give, and the ones moved back to the close date."""
    lines: list[str] = []
    made = plan.created_today + plan.created_at_close
    if made:
        parts = []
        if plan.created_today:
            parts.append(f"{plan.created_today:,} created today")
        if plan.created_at_close:
            parts.append(f"{plan.created_at_close:,} closed deal{'s' if plan.created_at_close != 1 else ''} "
                         "created the day they closed")  # fmt: skip
        lines.append(
            f"Created dates: the file gives none for {made:,} new deal{'s' if made != 1 else ''}: "
            f"{', '.join(parts)} (the report's days to close count from it; --column created=HEADER "
            "reads it)."
        )
    if plan.created_clamped:
        n = plan.created_clamped
        lines.append(
            f"Created dates: {n:,} {'is' if n == 1 else 'are'} after the deal's close date: moved back to "
            "the day it closed (a deal is never created after it closed)."
        )
    return lines


def _lacking_lines(plan: ImportPlan) -> list[str]:
    """What the file seems to lack while it has columns the import does not read: both are said."""
    if not plan.unread or plan.format == "pipeline-tui":
        return []
    lines = []
    dated = [h for h in plan.unread_dated if not _CREATED.search(h)]
    if plan.undated_closed and dated:  # only columns whose cells read as dates
        lines.append(
            f"The file may hold close dates (--column closed_on=HEADER) in a column not read: "
            f"{_some(dated, 6)}."
        )
    reasons = [h for h in plan.unread if _REASONISH.search(h)]
    if plan.missing_reasons and reasons:  # only columns whose name could be a reason's
        lines.append(
            f"The file may hold loss reasons (--column lost_reason=HEADER) in a column not read: "
            f"{_some(reasons, 6)}."
        )
    return lines


# Headers that could hold why a deal was lost, in the languages the CRMs export in.
# Each at a word's start: 'Salesperson' holds Italian 'perso' (lost), and is no reason.
_REASONISH = re.compile(
    r"\b(?:reason|grund|raison|motiv|why|loss|lost|verlust|verloren|perte|perdu|p[ée]rdida|perdid|perdita"
    r"|pers[oa]\b|reden|comment|note|notiz|remarque|descri|beschreib|unqualified|disqualif|feedback)"
    r"|grund",  # German compounds end in it: Verlustgrund
    re.IGNORECASE,
)
# A created date is no close's.
_CREATED = re.compile(r"creat|erstell|anleg|cré|cria|aangemaakt", re.IGNORECASE)


def _row_lines(plan: ImportPlan) -> list[str]:
    """Where each row of the file goes; the parts add up to the file's rows."""
    if not (
        plan.updates or plan.unchanged or plan.skipped_existing or plan.conflicts or plan.duplicates
        or plan.skipped_deleted
    ):  # fmt: skip
        return []
    parts = [
        (len(plan.rows), "new"),
        (plan.updated, "updated"),
        (plan.unchanged + plan.skipped_existing, "unchanged"),
        (plan.conflict_rows, "with conflicts only"),
        (plan.duplicates, "seen twice"),
        (plan.skipped_deleted, "deleted or archived"),
    ]
    said = " + ".join(f"{n:,} {what}" for n, what in parts if n)
    return [f"Rows: {plan.total_rows:,} = {said or '0'}."]


def _shown(value: str) -> str:
    """A stage value as the dry run shows it: quoted, or (empty)."""
    return repr(value) if value else "(empty)"

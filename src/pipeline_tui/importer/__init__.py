"""Import deals from CRM CSV exports: HubSpot, Pipedrive, Salesforce, Zoho, Close, Copper,
Freshsales, Odoo, Dynamics 365, the Maven sample, our own export, or any CSV whose columns
`--column FIELD=HEADER` names.

- `table`: reading the file (encodings, delimiters, a report's footer);
- `formats/`: one module per CRM (its headers, standard stages, notes export);
- `values`: dates, moments and amounts as CRMs and spreadsheets write them;
- `source`: a row into typed values, errors naming row, column and value;
- `identity`: which deal a row is (CRM id or natural key);
- `update`: what a re-import changes, and the seller's changes it keeps;
- `stages`, `reasons`: the board stage, the loss reason and competitor;
- `plan`: the steps above in order; nothing is written until `ops.import_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline_tui.importer.formats import USER_FIELDS, detect
from pipeline_tui.importer.plan import FORMATS, ImportPlan, plan_import
from pipeline_tui.importer.reasons import match_reason
from pipeline_tui.importer.stages import map_stage
from pipeline_tui.importer.table import read_table
from pipeline_tui.store import Store


@dataclass(frozen=True)
class ImportResult:
    format: str
    imported: int
    updated: int
    skipped_existing: int  # already here and unchanged
    duplicates: int  # rows seen twice in the file
    conflicts: int
    missing_reasons: int
    per_stage: dict[str, int]
    totals: dict[str, int]  # value per currency of the new deals


def detect_format(header: list[str]) -> str:
    """The format a header belongs to (InputError naming the formats when none)."""
    from pipeline_tui.importer.plan import Options, choose_format

    return choose_format(header, Options()).name


def import_file(store: Store, path: Path, *, today: date | None = None, **options: Any) -> ImportResult:
    """Plan and carry out an import in one transaction: every row, or nothing. `options`
    are `plan_import`'s (fmt, stage_overrides, columns, day_first, …)."""
    from pipeline_tui import operations as ops

    plan = plan_import(store, path, **options)
    ops.import_plan(
        store, plan, label=f"Imported {path.name} ({plan.format})", today=today or store.clock().date()
    )
    return ImportResult(
        format=plan.format,
        imported=len(plan.rows),
        updated=plan.updated,
        skipped_existing=plan.skipped_existing + plan.unchanged,
        duplicates=plan.duplicates,
        conflicts=len(plan.conflicts),
        missing_reasons=plan.missing_reasons,
        per_stage=dict(plan.counts()),
        totals=plan.totals(),
    )


__all__ = [
    "FORMATS",
    "USER_FIELDS",
    "ImportPlan",
    "ImportResult",
    "detect",
    "detect_format",
    "import_file",
    "map_stage",
    "match_reason",
    "plan_import",
    "read_table",
]

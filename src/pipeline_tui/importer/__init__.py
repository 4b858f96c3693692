"""Import deals from CRM CSV exports: HubSpot, Pipedrive, Salesforce, Zoho, Close, Copper,
Freshsales, Odoo, Dynamics 365, the Maven sample, our own export, or any CSV whose columns
`--column FIELD=HEADER` names.

- `table`: reading the file (a report's footer, what surrounds the data), its records
  from `text_source` (delimiters, workbooks) and its text from `encodings`;
- `formats/`: one module per CRM (its headers, standard stages, notes export);
- `values`: dates, moments and amounts as CRMs and spreadsheets write them;
- `columns`, `source`: which column is which field; a row into typed values, errors naming
  row, column and value (`fast_rows`: the common row read straight, the same row);
- `identity`: which deal a row is (CRM id or natural key);
- `update`: what a re-import changes, and the seller's changes it keeps;
- `outcome`: won, lost or open, from every column that says so;
- `stages`, `reasons`: the board stage (read or asked), the loss reason and competitor;
- `plan`: the steps above in order; nothing is written until `operations.import_plan`
  (`plan_types`: the plan itself; `crm`: a CRM's rows in one pass, through `placing`,
  `match`, `deals`, `baseline` and `context`).
"""

from __future__ import annotations

from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats import USER_FIELDS, detect
from pipeline_tui.importer.plan import FORMATS, ImportPlan, plan_import
from pipeline_tui.importer.reasons import match_reason
from pipeline_tui.importer.table import read_table


def detect_format(header: list[str]) -> str:
    """The format a header belongs to (InputError naming the formats when none)."""
    found = detect(header)
    if found is None:
        raise InputError("Cannot tell which CRM's export this header is; map its columns with --column.")
    return found.name


__all__ = [
    "FORMATS",
    "USER_FIELDS",
    "ImportPlan",
    "detect",
    "detect_format",
    "match_reason",
    "plan_import",
    "read_table",
]

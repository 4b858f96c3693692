"""The report's tables as a workbook (`report --xlsx`): one sheet per table, amounts as
numbers in one column per currency (never added across currencies), shares as percentages,
every label a text cell."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from pipeline_tui.report import Report
from pipeline_tui.report_render.as_csv import currencies, money_headers
from pipeline_tui.report_render.tables import report_tables
from pipeline_tui.xlsx import Sheet, Written, write_workbook


def write_report_xlsx(report: Report, out: IO[bytes]) -> Written:
    tables = report_tables(report)
    codes = currencies(tables)
    sheets = []
    for index, table in enumerate(tables):
        header: list[str] = []
        kinds: dict[str, str] = {}
        for col in table.columns:
            if col.kind == "money":
                for name, _ in money_headers(col.header, codes[index], report.currency):
                    header.append(name)
                    kinds[name] = "money"
            else:
                name = col.header or "Figure"
                header.append(name)
                kinds[name] = {"int": "int", "pct": "pct", "days": "number", "times": "number"}.get(
                    col.kind, "text"
                )
        rows: list[list[Any]] = []
        for row in table.rows:
            cells: list[Any] = []
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money":
                    cells += [_amount(cell, code, report.currency) for _, code in
                              money_headers(col.header, codes[index], report.currency)]  # fmt: skip
                else:
                    cells.append(cell)
            rows.append(cells)
        if table.note:
            rows.append([table.note])
        sheets.append(Sheet(table.title, header, rows, kinds))
    return write_workbook(out, sheets)


def _amount(cell: Any, code: str, base: str) -> Decimal | None:
    if cell is None:
        return None
    if code in cell:
        return Decimal(cell[code]) / 100
    return Decimal(0) if not any(cell.values()) and code == base else None

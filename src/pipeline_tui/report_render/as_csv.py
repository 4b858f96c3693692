"""The report's tables as one CSV file, one column per currency for amounts."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline_tui.money import minor_to_decimal_str
from pipeline_tui.report import Report
from pipeline_tui.report_render.tables import Table, report_tables


def currencies(tables: Iterable[Table]) -> dict[int, list[str]]:
    """Per table, the currencies its money columns hold (the default first)."""
    out = {}
    for index, table in enumerate(tables):
        codes: set[str] = set()
        for row in table.rows:
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money" and cell:
                    codes |= {c for c, m in cell.items() if m}
        out[index] = sorted(codes)
    return out


def money_headers(header: str, codes: list[str], base: str) -> list[tuple[str, str]]:
    """(column header, currency) for a money column: one per currency the table holds; a
    column of one currency already named in its header ("Value (USD)") keeps its name."""
    out = []
    for code in codes or [base]:
        out.append((header if f"({code})" in header else f"{header} {code}".strip(), code))
    return out


def render_csv(report: Report) -> str:
    """The report's tables one after another in one CSV: a title row, a header row, the rows,
    a blank row. Amounts get one column per currency (exact, never added across currencies);
    shares are percentages; cells a spreadsheet would run as formulas are neutralized."""
    from pipeline_tui.csv_cells import Writer

    tables = report_tables(report)
    codes = currencies(tables)
    buffer = io.StringIO(newline="")
    writer = Writer(buffer)  # every cell made inert, as in the exports
    for index, table in enumerate(tables):
        writer.writerow([table.title])
        header: list[str] = []
        for col in table.columns:
            if col.kind == "money":
                header += [name for name, _ in money_headers(col.header, codes[index], report.currency)]
            elif col.kind in ("pct",):
                header.append(f"{col.header} (%)")
            else:
                header.append(col.header or "Figure")
        writer.writerow(header)
        for row in table.rows:
            cells: list[str] = []
            for col, cell in zip(table.columns, row, strict=True):
                if col.kind == "money":
                    cells += [
                        money_csv(cell, code, report.currency) for code in codes[index] or [report.currency]
                    ]
                else:
                    cells.append(_raw(col.kind, cell))
            writer.writerow(cells)
        if table.note:
            writer.writerow([table.note])
        writer.writerow([])
    return buffer.getvalue()


def money_csv(cell: Mapping[str, int] | None, code: str, base: str) -> str:
    """One currency's amount, exact; empty where the row has none in it (none at all: 0)."""
    if cell is None:
        return ""
    if code in cell:
        return minor_to_decimal_str(cell[code])
    return "0.00" if not any(cell.values()) and code == base else ""


def _raw(kind: str, cell: Any) -> str:
    if cell is None:
        return ""
    if kind == "pct":
        return f"{cell * 100:.1f}"
    if kind == "times":
        return f"{cell:.4f}".rstrip("0").rstrip(".")
    if kind == "days":
        return f"{cell:.1f}"
    return str(cell)

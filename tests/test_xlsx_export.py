"""Workbooks (`--xlsx`) for every export: what a spreadsheet would mangle in a CSV (leading
zeros, 20-digit ids, `1/2`, `=…`) is kept as written, numbers and dates are real ones, and no
cell is a formula (issue 24, point 7). Read back with python-calamine, the reader the import
uses, and checked in the workbook's own XML."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from python_calamine import CalamineWorkbook

from pipeline_tui.cli import main
from pipeline_tui.store import Store

T = ["--today", TODAY.isoformat()]
SPREADSHEET_BAIT = ["007", "12345678901234567890", "1/2", '=HYPERLINK("https://example.com","x")', "-5", "+1"]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, *T])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sheets(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def formulas(path: Path) -> list[str]:
    """Every formula element in the workbook's sheets (there must be none)."""
    with zipfile.ZipFile(path) as archive:
        return [
            match
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
            for match in re.findall(r"<f[ >].*?</f>", archive.read(name).decode())
        ]


@pytest.fixture
def imported(store: Store, tmp_path: Path) -> Store:
    """Deals whose record ids and names are what spreadsheets turn into numbers and dates."""
    path = tmp_path / "hubspot.csv"
    rows = [["Record ID", "Deal Name", "Deal Stage", "Amount", "Currency", "Close Date"]]
    for i, bait in enumerate(SPREADSHEET_BAIT):
        record = bait if bait[0].isdigit() else f"9{i}"
        rows.append([record, f"Deal {bait}", "Appointment Scheduled", "1200.50", "EUR", "2027-03-01"])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    builders.import_file(store, path)
    for deal in store.deals.all():
        builders.add_note(store, deal.id, deal.title.removeprefix("Deal "))
    return store


def test_deals_as_a_workbook_keep_text_as_text(imported: Store, capsys, tmp_path: Path) -> None:
    target = tmp_path / "deals.xlsx"
    code, out, err = cli(capsys, "export", "deals", "--xlsx", "-o", str(target))
    assert code == 0, err
    assert f"Wrote {len(SPREADSHEET_BAIT)} deals to {target}." in err
    table = sheets(target)["Deals"]
    header = table[0]
    rows = [dict(zip(header, row, strict=True)) for row in table[1:]]
    assert {r["source_id"] for r in rows} >= {"007", "12345678901234567890", "1/2"}
    assert {r["title"] for r in rows} == {f"Deal {bait}" for bait in SPREADSHEET_BAIT}
    first = rows[0]
    assert first["value"] == 1200.5 and first["currency"] == "EUR"  # a number
    assert first["expected_close"] == date(2027, 3, 1)  # a date, not text
    assert isinstance(first["created_at"], datetime)
    assert formulas(target) == []


def test_notes_and_a_crms_notes_file_as_workbooks(imported: Store, capsys, tmp_path: Path) -> None:
    notes, crm = tmp_path / "notes.xlsx", tmp_path / "hubspot-notes.xlsx"
    assert cli(capsys, "export", "notes", "--xlsx", "-o", str(notes))[0] == 0
    assert cli(capsys, "export", "notes", "--for", "hubspot", "--xlsx", "-o", str(crm))[0] == 0
    texts = {row[7] for row in sheets(notes)["Notes"][1:]}
    assert texts == set(SPREADSHEET_BAIT)  # exactly as written: no apostrophe needed, none added
    table = sheets(crm)["Notes for hubspot"]
    assert table[0] == ["Record ID", "Deal Name", "Activity date", "Note body"]
    assert {row[0] for row in table[1:]} >= {"007", "12345678901234567890", "1/2"}
    assert all(isinstance(cell, str) for row in table[1:] for cell in row)
    assert formulas(notes) == [] and formulas(crm) == []


def test_the_report_as_a_workbook(imported: Store, capsys, tmp_path: Path) -> None:
    builders.win(imported, next(iter(imported.deals.all())))
    target = tmp_path / "report.xlsx"
    assert cli(capsys, "report", "--period", "all", "--xlsx", "-o", str(target))[0] == 0
    book = sheets(target)
    outcomes = next(rows for name, rows in book.items() if name.startswith("Outcomes"))
    assert outcomes[0][:4] == ["Outcome", "Deals", "Value EUR", "Share of closed"]
    won = next(row for row in outcomes if row[0] == "Won")
    assert won[1:4] == [1.0, 1200.5, 1.0]  # numbers: a count, an amount, a share (100%)
    assert formulas(target) == []


def test_report_csv_takes_excel_and_names_a_currency_once(store: Store, capsys) -> None:
    deal = builders.add(store, "Seats", value=100_000, currency="EUR")
    builders.lose(store, deal, "Price")
    code, out, err = cli(capsys, "report", "--period", "all", "--csv", "--excel")
    assert code == 0, err
    assert out.startswith("\ufeff")
    assert "Value (EUR) EUR" not in out and "Value (EUR)" in out
    code, _, err = cli(capsys, "report", "--excel")  # without --csv: refused, naming --csv
    assert code == 1 and "use it with --csv" in err


def test_a_workbook_needs_a_file_name(imported: Store, capsys) -> None:
    code, _, err = cli(capsys, "export", "deals", "--xlsx")
    assert code == 1 and "give its file name with -o FILE.xlsx" in err


def test_a_text_longer_than_a_cell_is_cut_and_said(store: Store, capsys, tmp_path: Path) -> None:
    deal = builders.add(store, "Long notes")
    for _ in range(4):
        builders.add_note(store, deal.id, "x" * 9_000)  # the timeline JSON passes 32,767 characters
    target = tmp_path / "deals.xlsx"
    code, _, err = cli(capsys, "export", "deals", "--xlsx", "-o", str(target))
    assert code == 0
    assert "1 text longer than a spreadsheet cell holds (32,767 characters) were cut" in err
    timeline = sheets(target)["Deals"][1][-1]
    assert isinstance(timeline, str) and len(timeline) == 32_767 and timeline.endswith("…")


def test_left_out_deals_are_counted_in_the_singular_too(store: Store, capsys) -> None:
    deal = builders.add(store, "Made here")
    builders.add_note(store, deal.id, "One note")
    code, _, err = cli(capsys, "export", "notes", "--for", "hubspot")
    assert code == 0
    assert "Left out 1 note of 1 deal that did not come from hubspot" in err
    assert "#1 Made here (made here; 1 note)" in err


def test_workbook_dates_are_days(imported: Store, tmp_path: Path) -> None:
    from pipeline_tui.xlsx import Sheet, typed, write_workbook

    assert typed("day", "2027-03-01") == date(2027, 3, 1)
    assert typed("money", "12.50") is not None and typed("int", "7") == 7
    assert typed("day", "not a day") == "not a day"  # kept as text, never lost
    with (tmp_path / "w.xlsx").open("wb") as fh:
        written = write_workbook(fh, [Sheet("A/B: [x]", ["a"], [["x"]]), Sheet("A B x", ["a"], [["y"]])])
    assert written.rows == 2
    assert list(sheets(tmp_path / "w.xlsx")) == ["A B x", "A B x (2)"]

"""Amounts as spreadsheets in common locales write them (issue 20, "Money is read"): each
locale's format through a real import of a small file shaped as that locale's export (Excel
saves CSV with ';' where the decimal mark is a comma, in the system's code page or UTF-8
with a BOM; Google Sheets with ','); "1,250" and "1.250" read as the file's own amounts
write decimals; and every refusal names the row, the column, the value and what is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY

from pipeline_tui import importer
from pipeline_tui.cli import main
from pipeline_tui.errors import InputError
from pipeline_tui.importer.columns import resolve_columns
from pipeline_tui.importer.fast_rows import RowReader
from pipeline_tui.importer.formats import registry
from pipeline_tui.importer.source import read_row
from pipeline_tui.importer.values import AmountMarks, DateOrder
from pipeline_tui.store import Store

NBSP, NARROW = "\u00a0", "\u202f"
# What a seller whose spreadsheet has its own headers passes (the same in every test).
MAPPED = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount"]


def write(path: Path, rows: list[list[str]], *, sep: str = ";", encoding: str = "utf-8-sig") -> Path:
    """A CSV as Excel saves it: `sep` between cells (';' where the decimal mark is a comma),
    a cell quoted when it holds the separator or a quote, CRLF line ends."""

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if sep in text or '"' in text else text

    path.write_bytes("".join(sep.join(cell(c) for c in row) + "\r\n" for row in rows).encode(encoding))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--today", TODAY.isoformat()])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def imported(capsys: pytest.CaptureFixture[str], store: Store, path: Path, *extra: str) -> dict[str, Any]:
    """Import the file for real; each deal's (value in minor units, currency) by title."""
    code, out, err = run(capsys, "import", str(path), *MAPPED, *extra)
    assert code == 0, err
    return {d.title: (d.value, d.currency) for d in store.deals.all()}


def refused(capsys: pytest.CaptureFixture[str], store: Store, path: Path, *extra: str) -> str:
    code, out, err = run(capsys, "import", str(path), *MAPPED, *extra)
    assert code == 1, out
    assert "Traceback" not in err and "Nothing was imported." in err
    assert store.deals.count() == 0
    return err


# ------------------------------------------------------------- each locale's export


def test_brazilian_reais_from_an_excel_pt_br_csv(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "negocios.csv", [
        ["Deal", "Stage", "Amount", "Data de fechamento"],
        ["Contrato Petrobras", "Proposal", "R$ 1.234.567,89", "30/04/2026"],
        ["Piloto Itaú", "Negotiation", f"R${NBSP}48.000,00", "15/05/2026"],
        ["Descoberta Natura", "Proposal", "R$ 990,00", "13/03/2026"],
    ], encoding="cp1252")  # fmt: skip
    assert imported(capsys, store, path, "--encoding", "cp1252") == {
        "Contrato Petrobras": (123_456_789, "BRL"),
        "Piloto Itaú": (4_800_000, "BRL"),
        "Descoberta Natura": (99_000, "BRL"),
    }


def test_prefixed_dollars_from_a_google_sheets_csv(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "Deals - Sheet1.csv", [
        ["Deal", "Stage", "Amount"],
        ["Acme", "Proposal", "US$5,000"],
        ["Globex", "Proposal", "US$ 12,500.50"],
    ], sep=",", encoding="utf-8")  # fmt: skip
    assert imported(capsys, store, path) == {"Acme": (500_000, "USD"), "Globex": (1_250_050, "USD")}


def test_fullwidth_and_prefixed_yen_from_a_japanese_excel_csv(store: Store, capsys, tmp_path: Path) -> None:
    """Excel in Japanese saves CSV in Shift_JIS (cp932) and writes yen as the fullwidth ￥."""
    path = write(tmp_path / "案件.csv", [
        ["Deal", "Stage", "Amount", "完了予定日"],
        ["ライセンス更新", "Proposal", "￥1,200,000", "2026/04/30"],
        ["パイロット", "Negotiation", "￥350,000", "2026/05/15"],
        ["保守", "Negotiation", "￥980", "2026/05/15"],
    ], sep=",", encoding="cp932")  # fmt: skip
    code, out, err = run(capsys, "import", str(path), *MAPPED, "--encoding", "cp932", "--dry-run")
    assert code == 0, err
    assert "could be read two ways" not in out  # a yen has no cents: 350,000 groups thousands
    assert imported(capsys, store, path, "--encoding", "cp932") == {
        "ライセンス更新": (120_000_000, "JPY"),
        "パイロット": (35_000_000, "JPY"),
        "保守": (98_000, "JPY"),
    }


def test_prefixed_yen_from_a_google_sheets_csv(store: Store, capsys, tmp_path: Path) -> None:
    rows = [["Deal", "Stage", "Amount"], ["Sony", "Proposal", "JP¥1,200,000"]]
    path = write(tmp_path / "Deals - Sheet1.csv", rows, sep=",", encoding="utf-8")
    assert imported(capsys, store, path) == {"Sony": (120_000_000, "JPY")}


def test_zloty_with_non_breaking_spaces_from_an_excel_pl_csv(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "transakcje.csv", [
        ["Deal", "Stage", "Amount"],
        ["Orlen", "Proposal", f"1{NBSP}234,56 zł"],
        ["PKO", "Proposal", f"12{NBSP}000{NBSP}zł"],
    ])  # fmt: skip
    assert imported(capsys, store, path) == {"Orlen": (123_456, "PLN"), "PKO": (1_200_000, "PLN")}


def test_euros_with_narrow_spaces_from_an_excel_fr_csv(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "affaires.csv", [
        ["Deal", "Stage", "Amount"],
        ["Société Générale", "Proposal", f"1{NARROW}234,56{NARROW}€"],
        ["Total", "Proposal", f"12{NARROW}500{NBSP}€"],
    ])  # fmt: skip
    assert imported(capsys, store, path) == {
        "Société Générale": (123_456, "EUR"),
        "Total": (1_250_000, "EUR"),
    }


def test_rupees_in_indian_digit_grouping(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", [
        ["Deal", "Stage", "Amount"],
        ["Tata", "Proposal", "₹12,34,567.00"],
        ["Infosys", "Proposal", "₹1,00,000"],
        ["Wipro", "Proposal", "INR 2,50,00,000.50"],
    ], sep=",")  # fmt: skip
    assert imported(capsys, store, path) == {
        "Tata": (123_456_700, "INR"),
        "Infosys": (10_000_000, "INR"),
        "Wipro": (2_500_000_050, "INR"),
    }


def test_rand_from_an_excel_en_za_csv(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", [
        ["Deal", "Stage", "Amount"],
        ["Sasol", "Proposal", "R 1 234,56"],
        ["MTN", "Proposal", f"R{NBSP}500,00"],
    ])  # fmt: skip
    assert imported(capsys, store, path) == {"Sasol": (123_456, "ZAR"), "MTN": (50_000, "ZAR")}


# ------------------------------------------------------------------ kronor / kroner


def _nordic(tmp_path: Path, currency: str | None) -> Path:
    header = ["Deal", "Stage", "Amount", *(["Valuta"] if currency is not None else [])]
    return write(tmp_path / "affärer.csv", [
        header,
        ["Volvo", "Proposal", "kr 1 234,50", *([currency] if currency is not None else [])],
        ["Ericsson", "Proposal", "1.234,50 kr", *([currency] if currency is not None else [])],
    ])  # fmt: skip


@pytest.mark.parametrize("code", ["SEK", "NOK", "DKK", "ISK"])
def test_kr_takes_its_currency_from_the_currency_column(
    store: Store, capsys, tmp_path: Path, code: str
) -> None:
    got = imported(capsys, store, _nordic(tmp_path, code), "--column", "currency=Valuta")
    assert got == {"Volvo": (123_450, code), "Ericsson": (123_450, code)}


def test_kr_takes_its_currency_from_the_header(store: Store, capsys, tmp_path: Path) -> None:
    path = write(
        tmp_path / "affärer.csv", [["Deal", "Stage", "Belopp (SEK)"], ["Volvo", "Proposal", "kr 1 234,50"]]
    )
    code, _, err = run(capsys, "import", str(path), "--column", "title=Deal", "--column", "stage=Stage",
                       "--column", "value=Belopp (SEK)")  # fmt: skip
    assert code == 0, err
    assert [(d.value, d.currency) for d in store.deals.all()] == [(123_450, "SEK")]


def test_kr_with_nothing_saying_whose_is_refused_naming_the_fix(store: Store, capsys, tmp_path: Path) -> None:
    err = refused(capsys, store, _nordic(tmp_path, None))
    assert err.startswith("pipeline-tui: error: Row 2, column 'Amount': 'kr 1 234,50' is in kronor or kroner")
    assert "(SEK, NOK, DKK, ISK) and nothing in the file says which" in err
    assert "--column currency=HEADER" in err


def test_kr_against_a_currency_column_that_is_no_krona_is_refused(
    store: Store, capsys, tmp_path: Path
) -> None:
    err = refused(capsys, store, _nordic(tmp_path, "EUR"), "--column", "currency=Valuta")
    assert "Row 2: the amount's currency is stated twice and disagrees" in err
    assert "'kr 1 234,50' (SEK / NOK / DKK / ISK)" in err and "'EUR' (EUR)" in err


# ------------------------------------------------------- more decimals than cents


def test_a_trailing_zero_third_decimal_is_exact(store: Store, capsys, tmp_path: Path) -> None:
    path = write(tmp_path / "deals.csv", [
        ["Deal", "Stage", "Amount", "Currency"],
        ["Zain", "Proposal", "1500.500", "KWD"],
        ["Agility", "Proposal", "KWD 2,000.750", ""],
    ], sep=",")  # fmt: skip
    got = imported(capsys, store, path, "--column", "currency=Currency")
    assert got == {"Zain": (150_050, "KWD"), "Agility": (200_075, "KWD")}


def test_a_value_finer_than_cents_is_refused_naming_row_value_and_fix(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = write(tmp_path / "deals.csv", [
        ["Deal", "Stage", "Amount"], ["Zain", "Proposal", "1500.500"], ["Agility", "Proposal", "2000.999"],
    ], sep=",")  # fmt: skip
    err = refused(capsys, store, path)
    assert (
        "Row 3, column 'Amount': '2000.999' has more than two decimal places: round it to cents in the file, "
        "e.g. 2001.00." in err
    )


def test_a_workbook_value_finer_than_cents_is_refused(store: Store, capsys, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "deals.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    for r, row in enumerate(
        [["Deal", "Stage", "Amount"], ["Zain", "Proposal", 1500.5], ["Agility", "Proposal", 2000.999]]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    err = refused(capsys, store, path)
    assert "Row 3, column 'Amount': '2000.999' has more than two decimal places" in err
    assert "e.g. 2001.00" in err


def test_a_float_artefact_is_cents_but_a_real_fraction_is_not(store: Store, tmp_path: Path) -> None:
    rows = [["Deal", "Stage", "Amount"], ["A", "Proposal", "1234.5600000000001"]]
    path = write(tmp_path / "deals.csv", rows, sep=",")
    plan = importer.plan_import(store, path, columns={"title": "Deal", "stage": "Stage", "value": "Amount"})
    assert plan.rows[0].value == 123_456
    path = write(
        tmp_path / "deals.csv", [["Deal", "Stage", "Amount"], ["A", "Proposal", "2000.9999"]], sep=","
    )
    with pytest.raises(InputError, match=r"^Row 2, column 'Amount': '2000.9999' has more than two decimal"):
        importer.plan_import(store, path, columns={"title": "Deal", "stage": "Stage", "value": "Amount"})


def test_an_unreadable_amount_names_row_column_value_and_what_is_read(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = write(tmp_path / "deals.csv", [
        ["Deal", "Stage", "Amount"], ["A", "Proposal", "1.234,50"], ["B", "Proposal", "circa 5000"],
    ])  # fmt: skip
    err = refused(capsys, store, path)
    assert (
        "Row 3, column 'Amount': 'circa 5000' is not an amount; write it like 12000, 12,000.50, 1.234,50"
        in err
    )


# --------------------------------------------- the file's own decimal convention


def _amounts(tmp_path: Path, *amounts: str, sep: str = ";") -> Path:
    rows = [["Deal", "Stage", "Amount"], *([f"D{n}", "Proposal", a] for n, a in enumerate(amounts, start=2))]
    return write(tmp_path / "deals.csv", rows, sep=sep)


def _dry(capsys, path: Path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "import", str(path), *MAPPED, "--dry-run", *extra)
    assert code == 0, err
    return out


def test_a_point_before_three_digits_is_a_decimal_in_a_file_that_writes_en_us(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = _amounts(tmp_path, "1.250", "2,500.75", "1,250", sep=",")
    out = _dry(capsys, path)
    assert (
        "2 amounts could be read two ways (row 2: '1.250'); read as the file writes its other amounts, "
        "commas between thousands, a point before the decimals (row 3 has '2,500.75' in 'Amount'): "
        "'1.250' = 1.25." in out
    )
    assert imported(capsys, store, path) == {
        "D2": (125, "USD"),
        "D3": (250_075, "USD"),
        "D4": (125_000, "USD"),
    }


def test_a_comma_before_three_digits_is_a_decimal_in_a_file_that_writes_de(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = _amounts(tmp_path, "1,250", "3.500,00", "1.250")
    out = _dry(capsys, path)
    assert "points between thousands, a comma before the decimals (row 3 has '3.500,00' in 'Amount')" in out
    assert imported(capsys, store, path) == {
        "D2": (125, "USD"),
        "D3": (350_000, "USD"),
        "D4": (125_000, "USD"),
    }


def test_the_proof_may_come_late_in_the_file(store: Store, tmp_path: Path) -> None:
    path = _amounts(tmp_path, *(["1,250"] * 30), "7,5")
    plan = importer.plan_import(store, path, columns={"title": "Deal", "stage": "Stage", "value": "Amount"})
    assert {r.value for r in plan.rows} == {125, 750}
    assert any("30 amounts could be read two ways" in n for n in plan.notices)


def test_without_proof_amounts_are_thousands_and_the_dry_run_says_how_to_read_them_otherwise(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = _amounts(tmp_path, "1,250", "12,000", "5000")
    out = _dry(capsys, path)
    assert (
        "2 amounts could be read two ways and nothing else in the file tells which (row 2: '1,250'); read as "
        "whole thousands: '1,250' = 1250.00. If the file writes decimals with a comma (1,250 = 1.25), import "
        "again with --decimal-comma." in out
    )
    plan = importer.plan_import(store, path, columns={"title": "Deal", "stage": "Stage", "value": "Amount"})
    assert any(n.startswith("2 amounts could be read two ways") for n in plan.notices)
    assert imported(capsys, store, path, "--decimal-comma") == {
        "D2": (125, "USD"), "D3": (1_200, "USD"), "D4": (500_000, "USD"),
    }  # fmt: skip


def test_without_proof_both_ways_to_read_are_named(store: Store, tmp_path: Path) -> None:
    path = _amounts(tmp_path, "1,250", "4.500", "5000")
    plan = importer.plan_import(store, path, columns={"title": "Deal", "stage": "Stage", "value": "Amount"})
    assert [r.value for r in plan.rows] == [125_000, 450_000, 500_000]
    said = "; with a point (1.250 = 1.25), import again with --decimal-point."
    assert any(n.startswith("2 amounts could be read two ways") and n.endswith(said) for n in plan.notices)


def test_decimal_point_reads_a_point_before_three_digits_as_decimals(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = _amounts(tmp_path, "1.250", "4.500", sep=",")
    out = _dry(capsys, path, "--decimal-point")
    assert "read with a point before the decimals, as --decimal-point says: '1.250' = 1.25." in out
    assert imported(capsys, store, path, "--decimal-point") == {"D2": (125, "USD"), "D3": (450, "USD")}


def test_a_file_that_writes_amounts_both_ways_is_refused_naming_a_row_of_each(
    store: Store, capsys, tmp_path: Path
) -> None:
    err = refused(capsys, store, _amounts(tmp_path, "1,250", "2,500.75", "3.500,00"))
    assert (
        "The file's amounts contradict each other: row 3 has '2,500.75' in 'Amount' (a point before the "
        "decimals) but row 4 has '3.500,00' in 'Amount' (a comma before the decimals)." in err
    )


def test_the_users_word_against_the_files_proof_is_refused(store: Store, capsys, tmp_path: Path) -> None:
    err = refused(capsys, store, _amounts(tmp_path, "1,250", "2,500.75", sep=","), "--decimal-comma")
    assert "--decimal-comma was given, but row 3 has '2,500.75' in 'Amount', which has a point" in err


def test_an_amount_finer_than_cents_in_the_files_convention_is_refused(
    store: Store, capsys, tmp_path: Path
) -> None:
    """Read as thousands on the first pass, "1.999" is 1.999 in a file whose amounts write a
    point before the decimals: more than cents."""
    err = refused(capsys, store, _amounts(tmp_path, "1.999", "2,500.75", sep=","))
    assert "Row 2, column 'Amount': '1.999' has more than two decimal places: round it to cents" in err


# ---------------------------------------------------- the fast reader and read_row


AMOUNTS = ["R$ 1.234.567,89", "US$5,000", "￥1,200,000", "JP¥350,000", f"1{NBSP}234,56 zł", "₹12,34,567.00",
           "R 1 234,56", "kr 1 234,50", "1.234,50 kr", f"1{NARROW}250", "1500.500", "2000.999", "1,250",
           "1.250", "12,34,567", "2000.9999", "kr 5"]  # fmt: skip
CURRENCIES = ["", "SEK", "EUR", "BRL", "XYZ"]


@pytest.mark.parametrize("decimal_comma", [None, True, False])
@pytest.mark.parametrize("fixed", [None, "EUR"])
@pytest.mark.parametrize("shared", [False, True])
def test_the_fast_reader_reads_locale_amounts_as_read_row(
    decimal_comma: bool | None, fixed: str | None, shared: bool
) -> None:
    """With `shared`, as in an import: each amount seen by the pass's sampling first, the
    reader taking what it read."""
    fmt = next(f for f in registry() if f.name == "hubspot")
    headers = (
        ["Deal Name", "Deal Stage", "Amount", "Currency"],
        ["Deal Name", "Deal Stage", "Amount (SEK)"],
        ["Deal Name", "Deal Stage", "Amount (kr)"],
        ["Deal Name", "Deal Stage", "Amount (kr)", "Currency"],
    )
    for header in headers:
        columns = resolve_columns(header, fmt, {})
        order = DateOrder(False, decimal_comma=decimal_comma)
        marks = AmountMarks() if shared else None
        reader = RowReader(columns, fmt, order, fixed_currency=fixed, amounts=marks)
        for amount in AMOUNTS:
            if marks is not None:
                marks.see(7, "Amount", amount)
            for code in CURRENCIES if len(header) == 4 else [""]:
                cells = ["A", "Lead", amount, code][: len(header)]
                for _ in range(2):  # the second time from what the first remembered
                    try:
                        expected = read_row(7, cells, columns, fmt, order, fixed_currency=fixed)
                    except InputError as exc:
                        with pytest.raises(InputError) as caught:
                            reader.read(7, cells)
                        assert str(caught.value) == str(exc)
                        continue
                    got = reader.read(7, cells)
                    assert got._replace(cells=tuple(got.cells)) == expected


def test_a_symbol_in_the_header_is_the_amounts_currency(store: Store, capsys, tmp_path: Path) -> None:
    path = write(
        tmp_path / "negocios.csv", [["Deal", "Stage", "Valor (R$)"], ["Vale", "Proposal", "7.250,50"]]
    )
    code, _, err = run(capsys, "import", str(path), "--column", "title=Deal", "--column", "stage=Stage",
                       "--column", "value=Valor (R$)")  # fmt: skip
    assert code == 0, err
    assert [(d.value, d.currency) for d in store.deals.all()] == [(725_050, "BRL")]


def test_kr_in_the_header_with_nothing_saying_whose_is_refused(store: Store, capsys, tmp_path: Path) -> None:
    path = write(
        tmp_path / "affärer.csv", [["Deal", "Stage", "Belopp (kr)"], ["Volvo", "Proposal", "1 234,50"]]
    )
    code, _, err = run(capsys, "import", str(path), "--column", "title=Deal", "--column", "stage=Stage",
                       "--column", "value=Belopp (kr)")  # fmt: skip
    assert code == 1 and store.deals.count() == 0
    assert err == (
        "pipeline-tui: error: Row 2: the header 'Belopp (kr)' says kr: the amount is in kronor or kroner "
        "(SEK, NOK, DKK, ISK) and nothing in the file says which; name the column that holds the currency "
        "with --column currency=HEADER. Nothing was imported.\n"
    )

"""Spreadsheets as they are saved around the world, and CRM exports in other languages:
Central European Excel (Windows-1250), years written in two digits, year-first dates
(Japanese and Chinese Excel), month names in the languages the CRMs export in, Pipedrive's
won and lost dates in German and French, and a file mapped whole with --column that shares
a header or two with a CRM's export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_import_exports import deals, ok, refused, stage, write

from pipeline_tui.store import Store

# ------------------------------------------------------------------ encodings

PIPEDRIVE = ["Deal - ID", "Deal - Title", "Deal - Organization", "Deal - Value", "Deal - Currency of Value",
             "Deal - Stage", "Deal - Status", "Deal - Lost reason", "Deal - Expected close date",
             "Deal - Deal created"]  # fmt: skip


def test_a_central_european_file_is_never_read_as_a_western_one(store: Store, capsys, tmp_path: Path) -> None:
    """Polish Excel saves CSV in Windows-1250: 'Łódź' read as Mac Roman is '£Ûdü', as
    Windows-1252 'Tytu³'. A sign inside a word is no reading at all: the import stops and
    offers cp1250, showing how the file reads in it."""
    rows = [
        PIPEDRIVE,
        ["101", "Wsparcie", "Łódź SA", "12500", "PLN", "Proposal Made", "open", "", "2026-12-20",
         "2026-10-01"],
        ["102", "Licencje", "Orlen", "8000", "PLN", "Negotiations Started", "lost", "Zbyt wysoka cena",
         "2026-11-20", "2026-09-01"],
        ["103", "Pilot", "Śnieżka", "3000", "PLN", "Qualified", "won", "", "2026-11-10", "2026-09-01"],
    ]  # fmt: skip
    path = write(tmp_path / "deals.csv", rows, delimiter=";", encoding="cp1250")
    err = refused(capsys, "import", str(path))
    assert "a sign inside a word" in err and "--encoding cp1250, in which it reads 'Łódź SA" in err
    assert store.deals.count() == 0
    ok(capsys, "import", str(path), "--encoding", "cp1250")
    assert {d.company for d in deals(store).values()} == {"Łódź SA", "Orlen", "Śnieżka"}

    simple = [
        ["Tytuł", "Firma", "Etap", "Kwota", "Waluta"],
        ["Licencje", "Żabka", "Oferta", "12 500,00 zł", "PLN"],
    ]
    listed = write(tmp_path / "lista.csv", simple, delimiter=";", encoding="cp1250")
    err = refused(capsys, "import", str(listed), "--column", "title=#1", "--column", "stage=#3")
    assert "in Windows-1252 it reads 'Tytu³'" in err and "--encoding cp1250" in err


def test_of_two_western_readings_the_one_without_a_sign_inside_a_word_is_taken(
    store: Store, capsys, tmp_path: Path
) -> None:
    """German Excel's 'Währung' in Windows-1252 is 'W‰hrung' in Mac Roman: the two read
    as likely to the detector, but only one is words."""
    rows = [
        ["Deal - ID", "Deal - Titel", "Deal - Organisation", "Deal - Wert", "Deal - Währung des Werts",
         "Deal - Phase", "Deal - Status", "Deal - Erwartetes Abschlussdatum"],
        ["201", "Lizenzen", "Müller GmbH", "12.500,50", "EUR", "Angebot gemacht", "Offen", "20.12.2026"],
        ["202", "Wartung", "Bäcker AG", "1.250,00", "EUR", "Qualifiziert", "Verloren", "20.11.2026"],
    ]  # fmt: skip
    path = write(tmp_path / "deals.csv", rows, delimiter=";", encoding="cp1252")
    out = ok(
        capsys, "import", str(path), "--map", "Angebot gemacht=Proposal", "--map", "Qualifiziert=Qualified"
    )
    assert "read as Windows-1252" in out
    assert {d.company for d in deals(store).values()} == {"Müller GmbH", "Bäcker AG"}


# ------------------------------------------------------------------ dates

SHEET = ["Title", "Company", "Stage", "Amount", "Currency", "Close date", "Status"]
MAPPED = ["--column", "title=Title", "--column", "company=Company", "--column", "stage=Stage",
          "--column", "value=Amount", "--column", "currency=Currency", "--column", "close=Close date",
          "--column", "status=Status"]  # fmt: skip


def test_two_digit_years_are_read_as_spreadsheets_read_them_and_said(
    store: Store, capsys, tmp_path: Path
) -> None:
    """'15/03/98' is 1998 in Excel and LibreOffice (00-29: 20xx, 30-99: 19xx), never 2098,
    and the dry run says how such years were read."""
    rows = [SHEET, ["Old win", "Old Corp", "Proposal", "1000", "EUR", "15/03/98", "Won"],
            ["New", "New Corp", "Proposal", "1000", "EUR", "25/12/26", "Open"]]  # fmt: skip
    path = write(tmp_path / "deals.csv", rows)
    out = ok(capsys, "import", str(path), *MAPPED, "--dry-run")
    assert (
        "Dates with a two-digit year ('15/03/98') are read as spreadsheets read them: 30-99 as 1930-1999"
        in out
    )
    ok(capsys, "import", str(path), *MAPPED)
    got = deals(store)
    assert got["Old win"].expected_close == date(1998, 3, 15)
    assert got["New"].expected_close == date(2026, 12, 25)
    full = [SHEET, ["Later", "New Corp", "Proposal", "1000", "EUR", "25/12/2026", "Open"]]
    out = ok(capsys, "import", str(write(tmp_path / "full.csv", full)), *MAPPED, "--dry-run")
    assert "two-digit year" not in out


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2026/02/03", date(2026, 2, 3)),  # Japanese and Chinese Excel
        ("2026.02.03.", date(2026, 2, 3)),  # Hungarian
        ("12 janv. 2026", date(2026, 1, 12)),
        ("3. März 2026", date(2026, 3, 3)),
        ("12 de enero de 2026", date(2026, 1, 12)),
        ("12 de janeiro de 2026", date(2026, 1, 12)),
        ("3 maart 2026", date(2026, 3, 3)),
        ("3 marzo 2026", date(2026, 3, 3)),
        ("5 déc. 2026", date(2026, 12, 5)),
        ("1 dic 2026", date(2026, 12, 1)),
    ],
)
def test_year_first_dates_and_month_names_in_other_languages(
    store: Store, capsys, tmp_path: Path, written: str, day: date
) -> None:
    rows = [SHEET, ["A", "Co", "Proposal", "1000", "EUR", written, "Open"]]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *MAPPED)
    assert deals(store)["A"].expected_close == day


def test_a_month_name_no_language_has_is_still_refused(store: Store, capsys, tmp_path: Path) -> None:
    rows = [SHEET, ["A", "Co", "Proposal", "1000", "EUR", "3 Smarch 2026", "Open"]]
    err = refused(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *MAPPED)
    assert "'3 Smarch 2026' is not a date" in err


# ------------------------------------------------------------------ Pipedrive in other languages


@pytest.mark.parametrize(
    ("header", "won", "lost"),
    [
        (["Deal - ID", "Deal - Titel", "Deal - Wert", "Deal - Phase", "Deal - Status",
          "Deal - Erwartetes Abschlussdatum", "Deal - Datum des gewonnenen Deals",
          "Deal - Datum des verlorenen Deals"], "Gewonnen", "Verloren"),
        (["Affaire - ID", "Affaire - Titre", "Affaire - Valeur", "Affaire - Étape", "Affaire - Statut",
          "Affaire - Date de clôture prévue", "Affaire - Date de gain", "Affaire - Heure de l'échec"],
         "Gagné", "Perdu"),
    ],
    ids=["de", "fr"],
)  # fmt: skip
def test_pipedrive_won_and_lost_dates_are_read_in_german_and_french(
    store: Store, capsys, tmp_path: Path, header: list[str], won: str, lost: str
) -> None:
    """A closed deal closes when the file says it was won or lost, not on its expected
    close date (which may be after today)."""
    rows = [
        header,
        ["1", "Lager Scanner", "8000", "Negotiation", won, "2026-11-30", "2026-11-10 14:00:00", ""],
        ["2", "Praxis Software", "5400", "Negotiation", lost, "2026-12-31", "", "2026-10-05 11:00:00"],
    ]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)))
    got = deals(store)
    assert stage(store, got["Lager Scanner"]) == "Closed Won"
    assert got["Lager Scanner"].closed_at is not None and got["Lager Scanner"].closed_at.date() == date(
        2026, 11, 10
    )
    assert stage(store, got["Praxis Software"]) == "Closed Lost"
    assert got["Praxis Software"].closed_at is not None
    assert got["Praxis Software"].closed_at.date() == date(2026, 10, 5)


# ------------------------------------------------------------------ whose records


def test_a_file_mapped_whole_with_column_is_not_filed_as_a_crms_records(
    store: Store, capsys, tmp_path: Path
) -> None:
    """An Insightly export holds 'Opportunity Name' and 'Opportunity ID', as Salesforce's
    does. Mapped whole with --column, its deals are not Salesforce's: a later
    `--missing archive` of a Salesforce file must not take them, nor they the Salesforce
    deals. The archived deals are not counted as rows the file updated."""
    salesforce = [
        ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Opportunity ID"],
        ["Müller AG - CRM Rollout", "Müller AG", "Prospecting", "5000", "2026-12-31", "0065g00000AbCdEAA1"],
        ["Globex - Pilot", "Globex", "Prospecting", "3000", "2026-12-31", "0065g00000AbCdFAA1"],
    ]
    ok(capsys, "import", str(write(tmp_path / "salesforce.csv", salesforce)))
    insightly = [
        ["Opportunity ID", "Opportunity Name", "Organization Name", "Bid Amount", "Bid Currency",
         "Forecast Close Date", "Current State", "Pipeline Stage"],
        ["31001", "Acme onboarding", "Acme Corp", "12000", "USD", "2026-12-18", "Open", "Proposal"],
    ]  # fmt: skip
    mapped = ["--column", "title=Opportunity Name", "--column", "company=Organization Name",
              "--column", "value=Bid Amount", "--column", "currency=Bid Currency",
              "--column", "close=Forecast Close Date", "--column", "status=Current State",
              "--column", "stage=Pipeline Stage", "--column", "id=Opportunity ID"]  # fmt: skip
    path = write(tmp_path / "insightly.csv", insightly)
    out = ok(capsys, "import", str(path), *mapped, "--missing", "archive", "--dry-run")
    assert out.startswith("insightly.csv: csv export, 1 row")
    assert "Not in this file" not in out
    ok(capsys, "import", str(path), *mapped, "--missing", "archive")
    got = deals(store)
    assert got["Acme onboarding"].source == "csv"
    assert got["Müller AG - CRM Rollout"].archived_at is None

    # A Salesforce file that no longer holds one of its deals, --missing archive: the
    # archived deal is not one of the file's rows.
    out = ok(capsys, "import", str(write(tmp_path / "next.csv", salesforce[:2])), "--missing", "archive")
    assert deals(store)["Globex - Pilot"].archived_at is not None
    assert got["Acme onboarding"].archived_at is None
    out = ok(capsys, "import", str(write(tmp_path / "again.csv", salesforce[:2])), "--dry-run")
    assert "Rows: 1 = 1 unchanged." in out


def test_rows_line_does_not_count_deals_archived_for_being_gone(store: Store, capsys, tmp_path: Path) -> None:
    salesforce = [
        ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Opportunity ID"],
        ["A", "Co", "Prospecting", "5000", "2026-12-31", "0065g00000AbCdEAA1"],
        ["B", "Co", "Prospecting", "3000", "2026-12-31", "0065g00000AbCdFAA1"],
        ["C", "Co", "Prospecting", "3000", "2026-12-31", "0065g00000AbCdGAA1"],
    ]
    ok(capsys, "import", str(write(tmp_path / "first.csv", salesforce)))
    out = ok(
        capsys,
        "import",
        str(write(tmp_path / "next.csv", salesforce[:2])),
        "--missing",
        "archive",
        "--dry-run",
    )
    assert "Rows: 1 = 1 unchanged." in out
    assert "Already imported: 1 unchanged, 0 updated, 0 conflicts." in out


# ------------------------------------------------------------------ amounts and files as people have them


def test_empty_and_dash_amounts_come_in_at_zero_and_are_counted(store: Store, capsys, tmp_path: Path) -> None:
    """An empty amount cell, and the dash a spreadsheet's accounting format writes for zero,
    are a deal without an amount: said in the dry run, never a silent $0 (a workbook's
    error cell, #DIV/0!, reads as empty)."""
    rows = [SHEET, ["A", "Co", "Proposal", "", "EUR", "2026-12-20", "Open"],
            ["B", "Co", "Proposal", "-", "EUR", "2026-12-20", "Open"],
            ["C", "Co", "Proposal", "1000", "EUR", "2026-12-20", "Open"]]  # fmt: skip
    path = write(tmp_path / "deals.csv", rows)
    out = ok(capsys, "import", str(path), *MAPPED, "--dry-run")
    assert "Amounts: 2 new deals have none (an empty cell or 0" in out
    ok(capsys, "import", str(path), *MAPPED)
    assert {t: d.value for t, d in deals(store).items()} == {"A": 0, "B": 0, "C": 100_000}


def test_a_negative_amount_is_refused_with_the_fix(store: Store, capsys, tmp_path: Path) -> None:
    rows = [SHEET, ["A", "Co", "Proposal", "(1,200.00)", "EUR", "2026-12-20", "Open"]]
    err = refused(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *MAPPED)
    assert "'(1,200.00)' is negative: a deal's value is never below zero (write it without the minus" in err


def test_files_that_are_not_what_their_name_says_name_the_fix(store: Store, capsys, tmp_path: Path) -> None:
    import gzip
    import zipfile

    text = "Deal Name,Deal Stage,Amount\nA,Appointment Scheduled,100\n"
    packed = tmp_path / "deals.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert "is compressed (gzip): unpack it (gunzip) and import the file inside" in refused(
        capsys, "import", str(packed)
    )
    archive = tmp_path / "deals.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("deals.csv", text)
    assert "is a zip archive (of 'deals.csv'): unpack it and import the CSV inside" in refused(
        capsys, "import", str(archive)
    )
    page = tmp_path / "export.xls"  # a web app's "Export to Excel": an HTML table
    page.write_text("<html><body><table><tr><td>Deal Name</td></tr></table></body></html>")
    assert "is a web page (HTML) with an .xls name, not a workbook" in refused(capsys, "import", str(page))
    long = write(tmp_path / "long.csv", [["Deal Name", "Deal Stage"], ["T" * 600, "Appointment Scheduled"]])
    assert "is 600 characters long, more than the 500 it may hold: shorten it in the file" in refused(
        capsys, "import", str(long)
    )
    assert store.deals.count() == 0


# ------------------------------------------------------------------ signs several currencies write

YUAN = ["标题", "公司", "阶段", "金额", "币种", "预计成交日期"]
YUAN_MAPPED = ["--column", "title=标题", "--column", "company=公司", "--column", "stage=阶段",
               "--column", "value=金额", "--column", "close=预计成交日期",
               "--map", "方案=Proposal"]  # fmt: skip


def test_the_yen_sign_of_a_yuan_file_is_read_from_its_currency_column(
    store: Store, capsys, tmp_path: Path
) -> None:
    """Chinese Excel writes yuan as '￥1,200,000.00', the sign the yen writes too: with a
    currency column saying CNY the amount is yuan, not a conflict."""
    rows = [YUAN, ["许可证", "阿里巴巴", "方案", "￥1,200,000.00", "CNY", "2026/2/3"]]
    path = write(tmp_path / "deals.csv", rows, encoding="gb18030")
    ok(capsys, "import", str(path), "--encoding", "gb18030", *YUAN_MAPPED, "--column", "currency=币种")
    deal = deals(store)["许可证"]
    assert (deal.value, deal.currency) == (120_000_000, "CNY")


def test_a_shared_sign_with_no_currency_column_is_said_and_follows_the_pipelines_currency(
    store: Store, capsys, tmp_path: Path
) -> None:
    """'￥' with nothing else saying whose is read as JPY, and said; in a pipeline kept in
    yuan it is yuan. '$' likewise: US dollars, or the pipeline's own dollar."""
    rows = [YUAN[:4] + [YUAN[5]], ["许可证", "阿里巴巴", "方案", "￥1,200,000.00", "2026/2/3"]]
    path = write(tmp_path / "deals.csv", rows, encoding="gb18030")
    args = ["import", str(path), "--encoding", "gb18030", *YUAN_MAPPED]
    out = ok(capsys, *args, "--dry-run")
    assert "Amounts written with '￥' (row 2, '金额': '￥1,200,000.00') are read as JPY" in out
    assert "'￥' is also the sign of CNY" in out
    ok(capsys, "config", "currency", "CNY")
    out = ok(capsys, *args)
    assert "are read as CNY, this pipeline's currency; '￥' is also the sign of JPY" in out
    assert deals(store)["许可证"].currency == "CNY"

    ok(capsys, "config", "currency", "AUD")
    dollars = [["Deal", "Company", "Stage", "Amount"], ["Reef tours", "Reef Pty", "Proposal", "$12,000.00"]]
    mapped = ["--column", "title=Deal", "--column", "company=Company", "--column", "stage=Stage",
              "--column", "value=Amount"]  # fmt: skip
    out = ok(capsys, "import", str(write(tmp_path / "airtable.csv", dollars)), *mapped)
    assert (
        "Amounts written with '$' (row 2, 'Amount': '$12,000.00') are read as AUD, this pipeline's currency"
        in out
    )
    assert (deals(store)["Reef tours"].value, deals(store)["Reef tours"].currency) == (1_200_000, "AUD")


def test_a_shared_sign_a_currency_column_contradicts_is_refused(store: Store, capsys, tmp_path: Path) -> None:
    rows = [["Deal", "Stage", "Amount", "Currency"], ["A", "Proposal", "$5,000", "EUR"]]
    mapped = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount",
              "--column", "currency=Currency"]  # fmt: skip
    err = refused(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert (
        "Row 2: the amount's currency is stated twice and disagrees" in err and "'$5,000' (USD / AUD" in err
    )
    assert "US$5,000" not in err
    ok(
        capsys,
        "import",
        str(write(tmp_path / "us.csv", [rows[0], ["B", "Proposal", "US$5,000", "USD"]])),
        *mapped,
    )
    assert deals(store)["B"].currency == "USD"


def test_a_blank_stage_in_our_own_export_is_refused_not_made(store: Store, capsys, tmp_path: Path) -> None:
    """A stage written as a line break alone (a file edited elsewhere) is no stage: the
    import names the row, and makes no stage without a name."""
    import csv as csv_module

    one = write(tmp_path / "one.csv", [SHEET, ["A", "Co", "Proposal", "5", "EUR", "", "Open"]])
    ok(capsys, "import", str(one), *MAPPED)
    exported = tmp_path / "export.csv"
    ok(capsys, "export", "deals", "-o", str(exported))
    header, row = list(csv_module.reader(exported.open(encoding="utf-8", newline="")))
    row[header.index("stage")] = "\r"
    row[header.index("id")] = ""
    row[header.index("source_id")] = "other"
    edited = write(tmp_path / "edited.csv", [header, row])
    err = refused(capsys, "import", str(edited), "--db", str(tmp_path / "fresh.db"))
    assert "column 'stage'" in err and "is empty: every deal needs a stage" in err


def test_an_amount_column_left_unread_is_pointed_out(store: Store, capsys, tmp_path: Path) -> None:
    """A sheet mapped with --column but not its amount: every deal would come in at 0, so
    the dry run names the columns that look like the amount, by position when two share a
    name."""
    rows = [["Title", "Stage", "Amount", "Currency", "Amount"], ["Seats", "Proposal", "1000", "EUR", "2000"]]
    path = write(tmp_path / "deals.csv", rows)
    args = ["--column", "title=Title", "--column", "stage=Stage", "--column", "currency=Currency"]
    out = ok(capsys, "import", str(path), *args, "--dry-run")
    assert (
        "Amounts: none is read, so every new deal comes in at 0; 'Amount' (column 3), 'Amount' (column 5)"
        in out
    )
    assert "--column value=#3 or --column value=#5 reads it." in out
    out = ok(capsys, "import", str(path), *args, "--column", "value=#3", "--dry-run")
    assert "Amounts: none is read" not in out

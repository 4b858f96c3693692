"""Spreadsheets as they are saved around the world, and CRM exports in other languages:
Central European Excel (Windows-1250), years written in two digits, year-first dates
(Japanese and Chinese Excel), month names in the languages the CRMs export in, Pipedrive's
won and lost dates in German and French, and a file mapped whole with --column that shares
a header or two with a CRM's export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY
from test_import_exports import deals, ok, placed, refused, stage, write

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
    assert "which is no word" in err and "--encoding cp1250, in which it reads 'Łódź SA" in err
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
        # Excel's d-mmm-yy, its month in the UI's language; more spellings of the months
        ("18-Dez-26", date(2026, 12, 18)),
        ("18-déc.-26", date(2026, 12, 18)),
        ("12-ene-26", date(2026, 1, 12)),
        ("12-gen-26", date(2026, 1, 12)),
        ("12-out-26", date(2026, 10, 12)),
        ("12-mrt-26", date(2026, 3, 12)),
        ("2026. 12. 18.", date(2026, 12, 18)),
        ("12 abr 2026", date(2026, 4, 12)),
        ("3 Jän. 2026", date(2026, 1, 3)),
        ("5 fevrier 2026", date(2026, 2, 5)),
        ("1er mars 2026", date(2026, 3, 1)),
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


def test_a_file_sharing_a_crms_header_says_whose_it_is_taken_for(
    store: Store, capsys, tmp_path: Path
) -> None:
    """An Insightly export holds 'Opportunity Name' and 'Opportunity ID', as Salesforce's
    does. Mapped whole with --column, and none of its ids a Salesforce deal here, it is read
    as a plain file, and the dry run says so with --source salesforce for the other reading;
    a later --missing archive of a Salesforce file leaves its deals alone."""
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
    out = ok(capsys, "import", str(path), *mapped, "--missing", "archive")
    assert out.startswith("insightly.csv: csv export, 1 row")
    assert "Read as a plain file: --column names every column, and none of its record ids" in out
    assert "--source salesforce files its deals as Salesforce's" in out
    got = deals(store)
    assert got["Acme onboarding"].source == "csv"
    assert got["Müller AG - CRM Rollout"].archived_at is None

    # A Salesforce file that no longer holds one of its deals, --missing archive: the
    # archived deal is not one of the file's rows, and the Insightly deal is not Salesforce's.
    out = ok(capsys, "import", str(write(tmp_path / "next.csv", salesforce[:2])), "--missing", "archive")
    assert deals(store)["Globex - Pilot"].archived_at is not None
    assert deals(store)["Acme onboarding"].archived_at is None
    out = ok(capsys, "import", str(write(tmp_path / "again.csv", salesforce[:2])), "--dry-run")
    assert "Rows: 1 = 1 unchanged." in out


def test_missing_archive_is_refused_when_no_row_was_imported_before(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A Salesforce file none of whose rows is a deal imported from Salesforce before (the
    wrong file, or another CRM's): --missing archive would archive every one of them."""
    head = ["Opportunity Name", "Account Name", "Stage", "Amount", "Opportunity ID"]
    ok(
        capsys,
        "import",
        str(write(tmp_path / "a.csv", [head, ["A", "Co", "Prospecting", "5", "0065g00000AbCdEAA1"]])),
    )
    other = write(tmp_path / "b.csv", [head, ["B", "Co", "Prospecting", "5", "0065g00000ZZZZZAA1"]])
    err = refused(capsys, "import", str(other), "--missing", "archive")
    assert "None of the file's rows is a deal imported from Salesforce before" in err
    assert deals(store)["A"].archived_at is None and "B" not in deals(store)


def test_a_crm_export_mapped_whole_with_column_is_still_that_crms(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A HubSpot export imported once as it is, then again with every column named (a
    script): the same deals, unchanged, not twice."""
    rows = [["Record ID", "Deal Name", "Deal Stage", "Amount"],
            ["101", "Acme", "appointmentscheduled", "5000"],
            ["102", "Beta", "appointmentscheduled", "7000"]]  # fmt: skip
    path = write(tmp_path / "hs.csv", rows)
    ok(capsys, "import", str(path))
    named = ["--column", "id=Record ID", "--column", "title=Deal Name", "--column", "stage=Deal Stage",
             "--column", "value=Amount"]  # fmt: skip
    out = ok(capsys, "import", str(path), *named)
    assert "Read as a HubSpot export (its header has 'Deal Name', 'Deal Stage'; --column names" in out
    assert "Rows: 2 = 2 unchanged." in out
    assert store.deals.count() == 2


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


def test_a_shared_sign_with_a_multiplier_is_still_the_pipelines(store: Store, capsys, tmp_path: Path) -> None:
    """'$1.2mm' and '$2bn' name no currency: in an AUD pipeline they are AUD as '$500k' is
    (one file never mixes currencies silently); 'US$5,000' is US dollars."""
    ok(capsys, "config", "currency", "AUD")
    rows = [["Deal", "Stage", "Amount"], ["Small", "Lead", "$500k"], ["Big", "Lead", "$1.2mm"],
            ["Huge", "Lead", "$2bn"], ["Named", "Lead", "US$5,000"]]  # fmt: skip
    mapped = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount"]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert {t: d.currency for t, d in deals(store).items()} == {
        "Small": "AUD", "Big": "AUD", "Huge": "AUD", "Named": "USD"
    }  # fmt: skip


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


# ------------------------------------------------------------------ a second round from outside


WESTERN = [["Café Lumière", "Crème brûlée SARL"], ["Müller GmbH", "Straße 5"], ["Telefónica", "España Norte"],
           ["São João", "Açores Lda"], ["Ångström AB", "Malmö"]]  # fmt: skip


@pytest.mark.parametrize(
    "company",
    ["Société\xa0Générale", "Acme—Renewal", "Deal…", "“Big”deal", "2×Widgets", "200ft²",
     "½kg Pack", "Søren & Co", "Ève Conseil", "più bello"],
)  # fmt: skip
def test_ordinary_western_text_is_read_as_windows_1252(
    store: Store, capsys, tmp_path: Path, company: str
) -> None:
    """Punctuation and letters Western text has (a no-break space, dashes, quotes, ´ as an
    apostrophe, ×, ², ½, ø, È) in a Western European Excel file never read as a misreading of
    another code page."""
    rows = [SHEET, ["A", company, "Proposal", "1000", "EUR", "2026-12-20", "Open"]]
    rows += [[title, other, "Proposal", "1000", "EUR", "2026-12-20", "Open"] for title, other in WESTERN]
    out = ok(capsys, "import", str(write(tmp_path / "deals.csv", rows, encoding="cp1252")), *MAPPED)
    assert "read as Windows-1252" in out
    assert deals(store)["A"].company == company


CZECH = ["Název", "Firma", "Fáze", "Částka", "Měna", "Datum uzavření", "Stav"]
TURKISH = ["Başlık", "Şirket", "Aşama", "Tutar", "Para birimi", "Kapanış tarihi", "Durum"]


@pytest.mark.parametrize(
    ("encoding", "rows"),
    [
        ("cp1250", [CZECH, ["Podpora", "ČEZ", "Proposal", "12 500,00", "CZK", "20.12.2026", "Open"],
                    ["Pilot", "Žďár Strojírny", "Proposal", "3 000,00", "CZK", "21.12.2026", "Open"],
                    ["Licence", "Škoda Auto", "Proposal", "8 000,00", "CZK", "22.12.2026", "Open"]]),
        ("cp1254", [TURKISH, ["Destek", "Başlık AŞ", "Proposal", "12.500,00", "TRY", "20.12.2026", "Open"],
                    ["Lisans", "Şişecam", "Proposal", "3.000,00", "TRY", "21.12.2026", "Open"],
                    ["Pilot", "Ülker Gıda", "Proposal", "8.000,00", "TRY", "22.12.2026", "Open"]]),
    ],
    ids=["czech", "turkish"],
)  # fmt: skip
def test_central_european_and_turkish_files_name_their_encoding(
    store: Store, capsys, tmp_path: Path, encoding: str, rows: list[list[str]]
) -> None:
    """A Czech or Turkish Excel file (';', its Windows code page) reads as letters in
    Windows-1252 too ('Èástka' for Částka, 'Baþlýk' for Başlık): letters no Western word has
    there. The import stops and names the file's own encoding, showing how it reads."""
    path = write(tmp_path / "deals.csv", rows, delimiter=";", encoding=encoding)
    fields = ("title", "company", "stage", "value", "currency", "close", "status")
    by_place = [arg for n, field in enumerate(fields, 1) for arg in ("--column", f"{field}=#{n}")]
    err = refused(capsys, "import", str(path), *by_place)
    assert f"--encoding {encoding}, in which it reads '{rows[0][0]}" in err  # how it reads in each
    assert store.deals.count() == 0
    ok(capsys, "import", str(path), *by_place, "--encoding", encoding)
    assert {d.company for d in deals(store).values()} == {r[1] for r in rows[1:]}


def test_the_pound_sign_and_kr_follow_the_pipelines_currency(store: Store, capsys, tmp_path: Path) -> None:
    """'£' is the Egyptian pound's sign too, and 'kr' the krona's of four countries: with no
    currency column they are the pipeline's own currency when it writes that sign (said); a
    currency column saying EGP agrees with '£'."""
    sheet = [["Deal", "Stage", "Amount"], ["Licences", "Proposal", "£12,500.00"]]
    mapped = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount"]
    ok(capsys, "config", "currency", "EGP")
    out = ok(capsys, "import", str(write(tmp_path / "eg.csv", sheet)), *mapped)
    assert "Amounts written with '£' (row 2, 'Amount': '£12,500.00') are read as EGP, this pipeline's" in out
    assert deals(store)["Licences"].currency == "EGP"
    with_column = [["Deal", "Stage", "Amount", "Currency"], ["Support", "Proposal", "£1,000.00", "EGP"]]
    ok(
        capsys,
        "import",
        str(write(tmp_path / "eg2.csv", with_column)),
        *mapped,
        "--column",
        "currency=Currency",
    )
    assert deals(store)["Support"].currency == "EGP"

    krona = [["Deal", "Stage", "Amount"], ["Kiosk", "Proposal", "12 500,00 kr"]]
    err = refused(capsys, "import", str(write(tmp_path / "kr.csv", krona)), *mapped)
    assert "is in kronor or kroner (SEK, NOK, DKK, ISK)" in err  # an EGP pipeline: nothing says which
    ok(capsys, "config", "currency", "SEK")
    out = ok(capsys, "import", str(write(tmp_path / "kr.csv", krona)), *mapped)
    assert (
        "Amounts written with 'kr' (row 2, 'Amount': '12 500,00 kr') are read as SEK, this pipeline's" in out
    )
    assert (deals(store)["Kiosk"].value, deals(store)["Kiosk"].currency) == (1_250_000, "SEK")


def test_won_and_lost_stage_names_in_japanese_are_offered_the_closed_stages(
    store: Store, capsys, tmp_path: Path
) -> None:
    rows = [
        ["取引名", "取引ステージ", "金額"],
        ["保守契約", "成約", "350000"],
        ["パイロット", "失注", "80000"],
    ]
    mapped = ["--column", "title=取引名", "--column", "stage=取引ステージ", "--column", "value=金額"]
    ok(capsys, "import", str(write(tmp_path / "ja.csv", rows)), *mapped)
    assert placed(store) == {"保守契約": "Closed Won", "パイロット": "Closed Lost"}


@pytest.mark.parametrize(
    ("row", "value"),
    [(["Total", "Closed Won", "5000", "1"], 500_000), (["Sum", "Lead", "200", "0"], 20_000)],
)
def test_a_deal_named_like_a_total_is_kept(
    store: Store, capsys, tmp_path: Path, row: list[str], value: int
) -> None:
    """Only a wide row mostly empty, its first filled cell a totals label and the rest
    numbers, is a report's totals: a deal named "Total" that fills its columns comes in."""
    rows = [["Deal", "Stage", "Amount", "Won"], ["Acme", "Lead", "100", "0"], row]
    mapped = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount"]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert deals(store)[row[0]].value == value


def test_a_deal_titled_with_a_count_is_no_group_title(store: Store, capsys, tmp_path: Path) -> None:
    rows = [["Deal", "Stage", "Amount", "Close"], ["Acme", "Lead", "100", ""],
            ["Acme Renewal (2)", "", "", ""], ["Beta", "Lead", "200", ""]]  # fmt: skip
    mapped = [
        "--column",
        "title=Deal",
        "--column",
        "stage=Stage",
        "--column",
        "value=Amount",
        "--map",
        "=Lead",
    ]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert set(deals(store)) == {"Acme", "Acme Renewal (2)", "Beta"}


def test_excels_own_subtotal_rows_are_left_out(store: Store, capsys, tmp_path: Path) -> None:
    """Excel's Data > Subtotal writes "<group> Total" under each group and "Grand Total"
    at the end (in German "<group> Ergebnis", "Gesamtergebnis")."""
    rows = [["Stage", "Deal", "Company", "Amount"],
            ["Lead", "Acme", "Acme Inc", "100"], ["Lead", "Beta", "Beta AG", "200"],
            ["Lead Total", "", "", "300"],
            ["Closed Won", "Gamma", "Gamma SA", "50"], ["Closed Won Ergebnis", "", "", "50"],
            ["Gesamtergebnis", "", "", "350"]]  # fmt: skip
    mapped = ["--column", "stage=Stage", "--column", "title=Deal", "--column", "company=Company",
              "--column", "value=Amount"]  # fmt: skip
    out = ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert "3 group totals rows" in out
    assert placed(store) == {"Acme": "Lead", "Beta": "Lead", "Gamma": "Closed Won"}


def test_a_report_grouped_by_two_fields_is_read_or_named(store: Store, capsys, tmp_path: Path) -> None:
    """Grouped by owner, then stage, each group's values on its first row: with subtotal
    rows (at both levels) it is a grouped report, and the import names the export that
    repeats the values; without them it says both what a grouped report needs and the --map
    for rows that truly have no stage, never one --map alone."""
    head = ["Opportunity Owner", "Stage", "Account Name", "Opportunity Name", "Amount", "Opportunity ID"]
    data = [["Ann Seller", "Prospecting", "Edge", "Edge - seats", "20000", "0065g00000AbCdEAA1"],
            ["", "", "Burlington", "Burlington - Weaving", "15000", "0065g00000AbCdFAA1"],
            ["", "Subtotal", "", "", "35000", ""],
            ["", "Closed Won", "Pyramid", "Pyramid - Install", "42000", "0065g00000AbCdGAA1"],
            ["", "", "United Oil", "United Oil - Refinery", "30000", "0065g00000AbCdJAA1"],
            ["", "Subtotal", "", "", "72000", ""], ["Subtotal", "", "", "", "107000", ""]]  # fmt: skip
    err = refused(capsys, "import", str(write(tmp_path / "sub.csv", [head, *data])))
    assert "2 rows have no 'Stage', nor anything in the column before it: a grouped report writes" in err
    assert "--map" not in err
    plain = [r for r in data if "Subtotal" not in r]
    err = refused(capsys, "import", str(write(tmp_path / "plain.csv", [head, *plain])))
    assert "If the file is a grouped report, it writes each group's values on its first row only" in err
    assert "If those deals have no stage, --map '=STAGE' places them" in err
    assert store.deals.count() == 0


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.500,00 TL", "TRY", 1_250_000),
        ("12\xa0500,00 р.", "RUB", 1_250_000),
        ("1\xa0250\xa0000 Ft", "HUF", 125_000_000),
        ("1 200 лв.", "BGN", 120_000),
    ],
)
def test_local_currency_words_after_the_amount(
    store: Store, capsys, tmp_path: Path, amount: str, currency: str, minor: int
) -> None:
    rows = [SHEET, ["A", "Co", "Proposal", amount, currency, "2026-12-20", "Open"]]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *MAPPED)
    assert (deals(store)["A"].value, deals(store)["A"].currency) == (minor, currency)


def test_closed_deals_never_close_in_the_future_and_the_expected_date_is_said(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A seller's list whose 'Close date' is the expected one, and a status saying won or
    lost: a deal closes on that date when it has passed, today when it has not (a deal
    cannot close in the future), and the dry run says both."""
    rows = [SHEET, ["Future win", "Co", "Proposal", "1000", "EUR", "05.10.2029", "Won"],
            ["Past loss", "Co", "Proposal", "1000", "EUR", "05.10.2026", "Lost"]]  # fmt: skip
    path = write(tmp_path / "deals.csv", rows)
    out = ok(capsys, "import", str(path), *MAPPED, "--dry-run")
    assert (
        "2 closed deals: the file gives no day they closed, so they close on the expected close date" in out
    )
    assert (
        "1 deal the file says is won or lost closes after today (row 2: 2029-10-05): taken as closed today"
        in out
    )
    ok(capsys, "import", str(path), *MAPPED)
    got = deals(store)
    assert got["Future win"].closed_at is not None and got["Future win"].closed_at.date() == TODAY
    assert got["Future win"].expected_close == date(2029, 10, 5)
    assert got["Past loss"].closed_at is not None and got["Past loss"].closed_at.date() == date(2026, 10, 5)


@pytest.mark.parametrize(
    ("encoding", "company"),
    [("cp1252", "LES FRÈRES DUPONT"), ("cp1252", "CRÈME DE LA CRÈME SARL"), ("cp1252", "Fundació Història"),
     ("cp1252", "São Paulo Ltda"), ("cp1252", "Ölwerk AG"), ("cp1252", "Perù Export"),
     ("cp1252", "Città di Roma"),
     ("cp1252", "Cold storage 2000 ft³"), ("mac_roman", "Müller GmbH"), ("mac_roman", "Société Générale")],
)  # fmt: skip
def test_a_small_western_file_reads_in_its_own_encoding(
    store: Store, capsys, tmp_path: Path, encoding: str, company: str
) -> None:
    """A file of a few rows, one name with a letter past ASCII: of Windows-1252 and Mac
    Roman, the reading that shows the other's letters as signs ('FR»RES', 'S„o', 'MŸller')
    is not it; capitals and Catalan letters are no sign of another code page."""
    rows = [SHEET, ["A", company, "Proposal", "1000", "EUR", "2026-12-20", "Open"],
            ["B", "Acme", "Proposal", "1000", "EUR", "2026-12-20", "Open"]]  # fmt: skip
    out = ok(capsys, "import", str(write(tmp_path / "deals.csv", rows, encoding=encoding)), *MAPPED)
    assert deals(store)["A"].company == company
    assert ("read as Windows-1252" if encoding == "cp1252" else "read as Mac Roman") in out


def test_a_deal_a_reimport_closes_in_the_future_closes_today(store: Store, capsys, tmp_path: Path) -> None:
    """Next week's export says an open deal is won, with its (expected) close date still to
    come: it closes today, as a new deal would, and the dry run says so."""
    head = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date"]
    ok(capsys, "import", str(write(tmp_path / "w1.csv", [head, ["101", "Acme", "appointmentscheduled", "5000",
                                                              "2026-12-20"]])))  # fmt: skip
    won = write(tmp_path / "w2.csv", [head, ["101", "Acme", "closedwon", "5000", "2026-12-20"]])
    out = ok(capsys, "import", str(won))
    assert "closes after today (row 2: 2026-12-20): taken as closed today" in out
    acme = deals(store)["Acme"]
    assert (
        stage(store, acme) == "Closed Won" and acme.closed_at is not None and acme.closed_at.date() == TODAY
    )


def test_deals_named_total_or_sum_in_a_wide_sparse_file_are_kept(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A wide export mostly empty, deals named 'Total' or '… Lump Sum' with only numbers
    beside them: no report says so (no subtotal, no group title, not the group above), so
    they are deals."""
    head = ["Deal", "Amount", "Won", "Probability", "Close", "Owner"]
    rows = [head, ["Acme", "100", "0", "", "", ""], ["Software Lump Sum", "5000", "1", "", "", ""],
            ["Total", "300", "0", "", "", ""], ["Beta", "200", "0", "", "", ""]]  # fmt: skip
    mapped = ["--column", "title=Deal", "--column", "value=Amount", "--column", "won=Won", "--map", "=Lead"]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert set(deals(store)) == {"Acme", "Software Lump Sum", "Total", "Beta"}


def test_the_map_line_a_refusal_prints_works_as_printed(store: Store, capsys, tmp_path: Path) -> None:
    """A stage value holding an invisible character is shown with a mark ('Proposal⟨ZWSP⟩');
    the --map line printed with it, pasted as printed, places it."""
    rows = [SHEET, ["A", "Co", "Proposal\u200b", "1000", "EUR", "2026-12-20", "Open"]]
    path = write(tmp_path / "deals.csv", rows)
    err = refused(capsys, "import", str(path), *MAPPED)
    printed = next(line.strip() for line in err.splitlines() if line.strip().startswith("--map"))
    assert printed == "--map 'Proposal⟨ZWSP⟩=Proposal'"
    ok(capsys, "import", str(path), *MAPPED, "--map", "Proposal⟨ZWSP⟩=Proposal")
    assert placed(store) == {"A": "Proposal"}


@pytest.mark.parametrize("amount", ["1e30", "1e308", "1e309", "1E+400", "1.5E+17"])
def test_an_amount_in_scientific_notation_too_large_is_one_line(
    store: Store, capsys, tmp_path: Path, amount: str
) -> None:
    """'1e30' and above raised decimal.InvalidOperation (a traceback), even in a dry run."""
    rows = [["Deal", "Stage", "Amount"], ["A", "Lead", amount]]
    path = write(tmp_path / "deals.csv", rows)
    for dry in ([], ["--dry-run"]):
        err = refused(capsys, "import", str(path), "--column", "title=Deal", "--column", "stage=Stage",
                      "--column", "value=Amount", *dry)  # fmt: skip
        assert f"Row 2, column 'Amount': '{amount}' is too large for a deal value" in err
    assert store.deals.count() == 0


def test_a_byte_order_mark_inside_the_file_is_no_part_of_any_cell(
    store: Store, capsys, tmp_path: Path
) -> None:
    """Two HubSpot exports joined with `cat`, each with its byte-order mark: the second
    header was read as a row ("'Amount' is not an amount"), and a mark kept at a row's
    start made a record id the next clean export did not match (a duplicate deal)."""
    head = ["Record ID", "Deal Name", "Pipeline", "Deal Stage", "Amount", "Close Date"]
    row = ["1002", "Umbrella pilot", "Sales Pipeline", "Appointment Scheduled", "10", "2026-12-20"]
    line = ",".join(head) + "\r\n"
    first = "\ufeff" + line + "1001,Initech seats,Sales Pipeline,Appointment Scheduled,5000,2026-12-20\r\n"
    second = "\ufeff" + line + "\ufeff" + ",".join([row[0], "\ufeff" + row[1], *row[2:]]) + "\r\n"
    joined = tmp_path / "joined.csv"
    joined.write_bytes((first + second).encode("utf-8"))
    ok(capsys, "import", str(joined))
    got = deals(store)
    assert sorted(got) == ["Initech seats", "Umbrella pilot"]
    assert got["Umbrella pilot"].source_id == "1002"
    out = ok(capsys, "import", str(write(tmp_path / "clean.csv", [head, row])), "--dry-run")
    assert "Rows: 1 = 1 unchanged." in out


def test_kronor_with_the_rows_currency_cell_empty_say_to_fill_it_in(
    store: Store, capsys, tmp_path: Path
) -> None:
    """The currency column was named already; the message told to name it."""
    rows = [["Deal", "Amount", "Currency", "Stage"], ["A", "1 234,56 kr", "SEK", "Lead"],
            ["B", "250 000,00 kr", "", "Lead"]]  # fmt: skip
    mapped = ["--column", "title=Deal", "--column", "value=Amount", "--column", "currency=Currency",
              "--column", "stage=Stage"]  # fmt: skip
    err = refused(capsys, "import", str(write(tmp_path / "se.csv", rows)), *mapped)
    assert "Row 3, column 'Amount': '250 000,00 kr' is in kronor or kroner" in err
    assert "this row's 'Currency' is empty: fill it in" in err and "--column currency=HEADER" not in err


def test_a_value_quoted_in_a_message_shows_its_spaces_as_spaces(store: Store, capsys, tmp_path: Path) -> None:
    """Polish and Swiss amounts in one file: the message quoted '1\\xa0234,56\\xa0zł'."""
    rows = [
        ["Deal", "Amount", "Stage"],
        ["pl", "1\u00a0234,56\u00a0zł", "Lead"],
        ["ch", "CHF 1'234.50", "Lead"],
    ]
    err = refused(capsys, "import", str(write(tmp_path / "mixed.csv", rows)), "--column", "title=Deal",
                  "--column", "value=Amount", "--column", "stage=Stage")  # fmt: skip
    assert "row 3 has \"CHF 1'234.50\" in 'Amount'" in err
    assert "row 2 has '1\u00a0234,56\u00a0zł' in 'Amount'" in err and "\\xa0" not in err


@pytest.mark.parametrize(
    ("name", "code"), [("Schweizer Franken", "CHF"), ("US-Dollar", "USD"), ("Livre sterling", "GBP"),
                       ("Real brasileiro", "BRL"), ("Franco suizo", "CHF")],
)  # fmt: skip
def test_currency_names_in_other_languages_are_read(
    store: Store, capsys, tmp_path: Path, name: str, code: str
) -> None:
    """A Dynamics 365 export in German writes 'Schweizer Franken': refused, with no way past it."""
    rows = [["Thema", "Phase", "Geschätzter Umsatz", "Währung"], ["A", "Lead", "1000", name]]
    mapped = ["--column", "title=Thema", "--column", "stage=Phase", "--column", "value=Geschätzter Umsatz",
              "--column", "currency=Währung"]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "dyn.csv", rows)), *mapped)
    assert deals(store)["A"].currency == code

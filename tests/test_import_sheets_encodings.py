"""Files as people have them: a workbook of several sheets, text that is not UTF-8 (Japanese
Excel's Shift-JIS, Excel's "Unicode text" in UTF-16), a stray NUL, a --skip below zero.

Every file is written by the test the way the program that makes it writes it: workbooks
with xlsxwriter (a summary sheet in front of the deals, as a seller keeps them); Japanese
Excel's "CSV (comma delimited)" is code page 932 with CRLF and no byte-order mark; Excel's
"Unicode Text" is UTF-16 LE with a byte-order mark, tab-separated, CRLF.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_import import Run as ImportRun

from pipeline_tui import importer
from pipeline_tui.errors import InputError
from pipeline_tui.store import Store

# HubSpot's deal export, as its .xlsx gives it (a subset of its columns, in its order).
HUBSPOT = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date", "Create Date"]
HUBSPOT_ROWS = [
    [9001, "Acme renewal", "Contract Sent", "Sales Pipeline", 48000, date(2026, 6, 30), date(2026, 1, 5)],
    [9002, "Globex pilot", "Closed Won", "Sales Pipeline", 12500, date(2026, 3, 31), date(2026, 1, 9)],
]
SUMMARY = [["Stage", "Count", "Total"], ["Contract Sent", 1, 48000], ["Closed Won", 1, 12500]]
OWN = ["Deal", "Company", "Stage", "Value"]
OWN_ROWS = [["WS1", "Initech", "Proposal", 1000], ["WS2", "Umbrella", "Negotiation", 2000]]
MAPPED = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Value"]


class Run(ImportRun):
    def error(self, *argv: str) -> str:
        """A refusal: one line on standard error, no traceback, nothing on standard output."""
        assert self(*argv) == 1, self.out
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pipeline-tui: error: "), self.err
        assert not self.out
        return lines[0]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(capsys)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "pipeline.db"  # what $PIPELINE_TUI_DB points at (conftest)


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A real .xlsx: numbers as numbers, dates as dates, one worksheet per item, in order."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, day)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def titles(db: Path) -> dict[str, int | None]:
    with Store.open(db) as store:
        return {d.title: d.value for d in store.deals.all()}


# ======================================================================= sheets


def test_the_sheet_with_a_known_header_is_read_and_named(run: Run, db: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "deals.xlsx", {"Summary": SUMMARY, "Deals": [HUBSPOT, *HUBSPOT_ROWS]})
    dry = run.ok("import", str(path), "--dry-run")
    assert dry.startswith("deals.xlsx: hubspot export, 2 rows.")
    assert "Read sheet 'Deals' (2 of 2: Summary, Deals)." in dry
    assert not db.exists()
    run.ok("import", str(path))
    assert titles(db) == {"Acme renewal": 4_800_000, "Globex pilot": 1_250_000}


def test_the_sheet_with_the_columns_named_is_read_and_it_is_no_csv_export(
    run: Run, db: Path, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "deals.xlsx", {"Summary": SUMMARY, "Deals": [OWN, *OWN_ROWS]})
    dry = run.ok("import", str(path), *MAPPED, "--dry-run")
    assert dry.startswith("deals.xlsx: xlsx export, 2 rows.")
    assert "csv" not in dry.casefold()
    assert "Read sheet 'Deals' (2 of 2: Summary, Deals)." in dry
    run.ok("import", str(path), *MAPPED, "--json")
    assert titles(db) == {"WS1": 100_000, "WS2": 200_000}


def test_no_sheet_that_fits_is_refused_naming_the_sheets_and_sheet(
    run: Run, db: Path, tmp_path: Path
) -> None:
    path = workbook(tmp_path / "deals.xlsx", {"Summary": SUMMARY, "Deals": [OWN, *OWN_ROWS]})
    error = run.error("import", str(path))
    assert "2 sheets with data ('Summary', 'Deals')" in error
    assert "--sheet Deals" in error and "--column FIELD=HEADER" in error
    # The columns --column names are in no sheet: named, with the sheets.
    error = run.error("import", str(path), "--column", "title=Name", "--column", "stage=Phase")
    assert "none has the columns --column names ('Name', 'Phase')" in error and "--sheet" in error
    assert not db.exists()
    # The fix, pasted: the sheet named (in any case) is read.
    out = run.ok("import", str(path), "--sheet", "deals", *MAPPED)
    assert "Read sheet 'Deals' (2 of 2: Summary, Deals)." in out
    assert set(titles(db)) == {"WS1", "WS2"}


def test_sheet_picks_one_of_two_known_sheets(run: Run, db: Path, tmp_path: Path) -> None:
    later = [
        [9003, "Initech seats", "Closed Won", "Sales Pipeline", 7000, date(2026, 4, 2), date(2026, 2, 1)]
    ]
    path = workbook(tmp_path / "deals.xlsx", {"2025": [HUBSPOT, *HUBSPOT_ROWS], "2026": [HUBSPOT, *later]})
    assert "Read sheet '2025' (1 of 2: 2025, 2026)." in run.ok("import", str(path), "--dry-run")
    assert "Read sheet '2026' (2 of 2: 2025, 2026)." in run.ok("import", str(path), "--sheet", "2026")
    assert titles(db) == {"Initech seats": 700_000}


def test_sheet_names_what_there_is_when_wrong(run: Run, tmp_path: Path) -> None:
    path = workbook(tmp_path / "deals.xlsx", {"Summary": SUMMARY, "Deals 2026": [HUBSPOT, *HUBSPOT_ROWS]})
    error = run.error("import", str(path), "--sheet", "Pipeline")
    assert "--sheet Pipeline: deals.xlsx has no such sheet; its sheets are 'Summary', 'Deals 2026'" in error
    assert "--sheet Summary" in error
    text = tmp_path / "deals.csv"
    text.write_text("Deal,Stage\r\nA,Lead\r\n")
    error = run.error("import", str(text), "--sheet", "Deals")
    assert "deals.csv is a text file, not a workbook" in error and "without --sheet" in error


def test_a_workbook_of_one_sheet_says_no_sheet(store: Store, tmp_path: Path) -> None:
    path = workbook(tmp_path / "deals.xlsx", {"Deals": [HUBSPOT, *HUBSPOT_ROWS]})
    plan = importer.plan_import(store, path)
    assert plan.format == "hubspot" and len(plan.rows) == 2
    assert not [n for n in plan.notices if "sheet" in n]


# ==================================================================== encodings

# Japanese Excel's "CSV (comma delimited)": code page 932, CRLF, no byte-order mark; a
# number in a General cell is written as it is.
JAPANESE = (
    "案件名,会社名,ステージ,金額,完了予定日\r\n"
    "ライセンス更新,トヨタ商事,Proposal,1200000,2026/04/30\r\n"
    "保守契約,ソニー物流,Negotiation,350000,2026/05/15\r\n"
)
JA_COLUMNS = ["--column", "title=案件名", "--column", "stage=ステージ", "--column", "value=金額"]


def test_japanese_excel_csv_names_cp932_never_latin_1(run: Run, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "案件.csv"
    path.write_bytes(JAPANESE.encode("cp932"))
    error = run.error("import", str(path), *JA_COLUMNS)
    assert "--encoding cp932 (also shift_jis" in error
    assert "'案件名,会社名,ステージ,金額,完了予定日'" in error  # how it reads in cp932
    assert "latin" not in error.casefold()
    assert not db.exists()
    # --encoding cp1252 breaks on the file: the same candidates, not "try another".
    error = run.error("import", str(path), *JA_COLUMNS, "--encoding", "cp1252")
    assert "is not cp1252 text" in error and "--encoding cp932" in error
    # The fix, pasted.
    run.ok("import", str(path), *JA_COLUMNS, "--encoding", "cp932")
    assert titles(db) == {"ライセンス更新": 120_000_000, "保守契約": 35_000_000}


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [
        ("交易名称,公司,阶段,金额\r\n软件许可续订,华为科技,Proposal,120000\r\n", "gb18030", "gb18030"),
        (
            "거래명,회사,단계,금액\r\n라이선스 갱신,삼성전자,Proposal,120000\r\n",
            "euc-kr",
            "cp949 (also euc_kr)",
        ),
        ("Сделка,Компания,Этап,Сумма\r\nПродление лицензии,Газпром,Proposal,120000\r\n", "cp1251", "cp1251"),
    ],
    ids=["chinese", "korean", "russian"],
)
def test_the_encodings_the_file_may_be_in_are_named(
    tmp_path: Path, text: str, encoding: str, named: str
) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(InputError) as caught:
        importer.read_table(path)
    message = str(caught.value)
    assert f"import it again with --encoding {named}" in message
    assert repr(text.split("\r\n")[0]) in message  # the header as it reads in the first one
    assert "latin" not in message.casefold()


def test_a_few_japanese_words_in_an_english_export_are_not_read_as_mojibake(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """Mostly ASCII, the file reads as "Western" whatever its few other bytes are: the
    lines that hold them must make sense too, or the import stops and names cp932."""
    rows = [HUBSPOT[:5]] + [
        [str(9000 + i), f"Renewal {i}", "Closed Won", "Sales Pipeline", "1000"] for i in range(40)
    ]
    rows.append(["9100", "トヨタ商事 renewal", "Closed Won", "Sales Pipeline", "5000"])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "deals.csv"
    path.write_bytes(out.getvalue().encode("cp932"))
    error = run.error("import", str(path))
    assert "in Mac Roman it reads 'ÉgÉàÉ^è§éñ renewal," in error
    assert (
        "import it again with --encoding cp932 (also shift_jis" in error and "'トヨタ商事 renewal," in error
    )
    assert not db.exists()
    run.ok("import", str(path), "--encoding", "cp932")
    assert "トヨタ商事 renewal" in titles(db)


def test_a_long_windows_1252_export_with_accents_here_and_there_is_read(store: Store, tmp_path: Path) -> None:
    """Detection samples parts of a long file, which may hold no accent at all: the lines
    that hold them decide (this one was refused as reading "as well" in Mac Roman)."""
    names = ["Société Générale", "Müller Straße GmbH", "Señor Peña", "Crème brûlée SA"]
    rows = [HUBSPOT[:5]] + [
        [str(9000 + i), f"Deal {i}", "Closed Won", "Sales Pipeline", "1000"] for i in range(2000)
    ]
    for i in range(1, 2001, 50):
        rows[i][1] = f"{names[i // 50 % 4]} {i}"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "deals.csv"
    path.write_bytes(out.getvalue().encode("cp1252"))
    table = importer.read_table(path)
    assert table.encoding == "cp1252"
    assert table.notices[0].startswith("deals.csv is not UTF-8: read as Windows-1252")
    assert {"Société Générale 1", "Müller Straße GmbH 51"} <= {cells[1] for _, cells in table.rows}


def unicode_text(rows: list[list[str]]) -> bytes:
    """Excel's "Unicode Text" (.txt): UTF-16 LE with a byte-order mark, tabs, CRLF."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return "\ufeff".encode("utf-16-le") + out.getvalue().encode("utf-16-le")


UNICODE_ROWS = [OWN, ["Renouvellement", "Société Générale", "Proposal", "12500"]]


def test_a_utf16_file_is_read_and_said(run: Run, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "deals.txt"
    path.write_bytes(unicode_text(UNICODE_ROWS))
    dry = run.ok("import", str(path), *MAPPED, "--dry-run")
    assert "deals.txt is not UTF-8: read as UTF-16 (what Excel saves as Unicode Text)." in dry
    run.ok("import", str(path), *MAPPED, "--column", "company=Company")
    with Store.open(db) as store:
        (deal,) = store.deals.all()
        assert (deal.title, deal.company, deal.value) == ("Renouvellement", "Société Générale", 1_250_000)


def test_another_encoding_on_a_utf16_file_points_to_utf16(run: Run, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "deals.txt"
    path.write_bytes(unicode_text(UNICODE_ROWS))
    error = run.error("import", str(path), *MAPPED, "--encoding", "cp1252")
    assert (
        "is UTF-16 text (what Excel saves as Unicode Text), not cp1252: import it with --encoding utf-16"
        in error
    )
    assert "NUL" not in error
    # Without its byte-order mark, the byte order is named.
    bare = tmp_path / "bare.txt"
    bare.write_bytes(unicode_text(UNICODE_ROWS)[2:])
    assert "without a byte-order mark: import it with --encoding utf-16-le" in run.error("import", str(bare))
    assert "not latin-1: import it with --encoding utf-16" in run.error(
        "import", str(bare), "--encoding", "latin-1"
    )
    assert not db.exists()
    run.ok("import", str(bare), *MAPPED, "--encoding", "utf-16-le")
    assert titles(db) == {"Renouvellement": 1_250_000}


# ========================================================================= minor


def test_a_nul_in_one_cell_names_its_row_and_column(run: Run, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    rows = b"Deal - ID,Deal - Title,Deal - Value,Deal - Currency of Value,Deal - Stage,Deal - Status\r\n"
    rows += b"5001,Acme,1000,USD,Proposal Made,Open\r\n"
    rows += b'5002,"Two-line\r\nnote",2000,USD,Proposal Made,Open\r\n'
    rows += b"5003,Null\x00byte deal,5000,USD,Proposal Made,Open\r\n"
    path.write_bytes(rows)
    error = run.error("import", str(path))
    assert "holds a NUL character" in error and "in row 4, column 'Deal - Title'" in error
    assert "remove it from that cell" in error
    assert not db.exists()


def test_binary_data_names_the_line_of_its_first_nul(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(b"Deal,Stage\r\nA,Lead\r\n" + bytes(range(256)) * 4)
    error = run.error("import", str(path))
    assert "is not a text CSV file: it holds binary data (a NUL byte on line 3)" in error
    assert "export the deals as CSV or .xlsx" in error


def test_skip_below_zero_is_refused(run: Run, db: Path, tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    path.write_text("Deal,Stage\r\nA,Lead\r\n")
    error = run.error("import", str(path), "--skip", "-1")
    assert error == (
        "pipeline-tui: error: --skip -1: say how many lines come before the header (e.g. --skip 3), or "
        "leave --skip out to have the header found."
    )
    assert not db.exists()
    with pytest.raises(InputError, match="--skip -2: say how many lines"):
        importer.read_table(path, skip=-2)


def test_a_hidden_sheet_of_lists_is_not_taken_for_the_deals(store: Store, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "deals.xlsx"
    book = xlsxwriter.Workbook(str(path))
    lists = book.add_worksheet("Lists")  # a drop-down's values, hidden as spreadsheets keep them
    for r, value in enumerate(["Stage", "Proposal", "Negotiation"]):
        lists.write(r, 0, value)
    deals = book.add_worksheet("Deals")
    for r, row in enumerate([OWN, *OWN_ROWS]):
        deals.write_row(r, 0, row)
    lists.hide()
    deals.activate()
    book.close()
    table = importer.read_table(path)
    assert table.header == OWN
    assert table.notices == ("Read sheet 'Deals' (2 of 2: Lists, Deals).",)


def test_a_chart_sheet_in_front_is_passed_over(store: Store, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "deals.xlsx"
    book = xlsxwriter.Workbook(str(path))
    chartsheet = book.add_chartsheet("Pipeline chart")
    deals = book.add_worksheet("Deals")
    for r, row in enumerate([HUBSPOT, *HUBSPOT_ROWS]):
        for c, value in enumerate(row):
            if isinstance(value, date):
                deals.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                deals.write(r, c, value)
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Deals!$E$2:$E$3"})
    chartsheet.set_chart(chart)
    book.close()
    plan = importer.plan_import(store, path)
    assert plan.format == "hubspot" and len(plan.rows) == 2
    assert not [n for n in plan.notices if "sheet" in n]

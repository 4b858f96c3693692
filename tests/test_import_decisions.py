"""The dry run states every decision a seller might disagree with (issue 20): the currency
amounts are taken in when the file states none, each loss reason text and the reason it
becomes, created dates the file does not give, the columns left unread, and re-import
counts that add up to the file's rows. Real dry runs, through the command line, on small
files shaped as the CRMs' own exports (their documented headers)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY

from pipeline_tui.cli import main
from pipeline_tui.importer.reasons import match_reason
from pipeline_tui.models import Deal
from pipeline_tui.store import Store

T = ["--today", TODAY.isoformat()]

# Pipedrive's deal export (Deals > Export, "Deal - " before each field's name).
PIPEDRIVE = ["Deal - ID", "Deal - Title", "Deal - Value", "Deal - Organization", "Deal - Stage",
             "Deal - Status", "Deal - Lost reason"]  # fmt: skip
# A Salesforce report ("Opportunities" report exported as CSV, details only).
SF_REPORT = ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Created Date"]
# HubSpot's deal export (Deals > Export, the default properties).
HUBSPOT = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Deal currency code", "Close Date",
           "Create Date", "Closed Lost Reason"]  # fmt: skip


def write(path: Path, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main([*argv, *T])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    return captured.out


def dry(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> str:
    out = cli(capsys, "import", str(path), "--dry-run", *args)
    _rows_add_up(out)
    return out


def _rows_add_up(out: str) -> None:
    """Where the dry run says what each row does, the parts add up to the file's rows."""
    m = re.search(r"^Rows: ([\d,]+) = (.+)\.$", out, re.MULTILINE)
    if m:
        parts = [int(p.strip().split(" ")[0].replace(",", "")) for p in m[2].split("+")]
        assert sum(parts) == int(m[1].replace(",", "")), m[0]


def deals(store: Store) -> dict[str, Deal]:
    return {d.title: d for d in store.deals.all(archived=None)}


def line(out: str, start: str) -> str:
    found = [x for x in out.splitlines() if x.startswith(start)]
    assert found, f"no line starting {start!r} in:\n{out}"
    return found[0]


# ===================================================== 3. currency


def test_a_file_that_states_no_currency_says_which_currency_its_amounts_are_taken_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Pipedrive export without its currency column: the amounts are the pipeline's
    currency, and the dry run says so with the two ways to say another."""
    path = write(
        tmp_path / "deals.csv", [PIPEDRIVE, ["8001", "NoCur", "5000", "Acme", "Qualified", "Open", ""]]
    )
    said = line(dry(capsys, path), "Currency:")
    assert "the file states none for 1 new deal" in said
    assert "no currency column" in said and "taken as USD, this pipeline's currency" in said
    assert "--column currency=HEADER" in said and "pipeline-tui config currency CODE" in said


def test_amounts_that_state_their_currency_need_no_word(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "report.csv",
        [SF_REPORT, ["Acme - Renewal", "Acme", "Prospecting", "€5,000.00", "6/30/2026", "2/1/2026"]],
    )
    out = dry(capsys, path)
    assert "Currency:" not in out
    assert "€5k" in line(out, "  Lead")


def test_a_plain_currency_column_is_read_when_column_names_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: Store
) -> None:
    """Excel's "Unicode text" (UTF-16, tabs) mapped with --column: its 'Currency' column is
    read, not left out while every amount becomes dollars."""
    path = write(
        tmp_path / "deals.txt",
        [
            ["Deal", "Company", "Stage", "Value", "Currency", "Close date"],
            ["Åland ferry deal", "Viking Line", "Proposal", "12500", "EUR", "2026-04-30"],
            ["Zürich upsell", "UBS", "Negotiation", "30,000", "CHF", "2026-05-31"],
        ],
        delimiter="\t",
        encoding="utf-16",
    )
    mapping = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Value"]
    out = dry(capsys, path, *mapping)
    assert "  currency     <- 'Currency'" in out
    assert "Currency:" not in out  # nothing was assumed
    cli(capsys, "import", str(path), *mapping)
    found = deals(store)
    assert (found["Åland ferry deal"].currency, found["Zürich upsell"].currency) == ("EUR", "CHF")


def test_the_one_column_named_for_a_currency_is_read_as_the_currency(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """'Currency (ISO)', or a Salesforce report's 'Opportunity-Währung': the deals' currency
    was only pointed out, and a week later a re-import without the --column line turned EUR
    and CHF deals into dollars. The one column named for a currency is read, and said."""
    path = write(
        tmp_path / "sheet.csv",
        [["Deal", "Stage", "Value", "Currency (ISO)"], ["Harbour crane", "Proposal", "12500", "EUR"]],
    )
    out = dry(capsys, path, "--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Value")
    assert "  currency     <- 'Currency (ISO)'" in out
    assert "taken as USD" not in out and "€12.5k" in out


def test_two_columns_named_for_a_currency_are_pointed_out_not_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "sheet.csv",
        [["Deal", "Stage", "Value", "Currency (ISO)", "Billing currency"],
         ["Harbour crane", "Proposal", "12500", "EUR", "USD"]],
    )  # fmt: skip
    out = dry(capsys, path, "--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Value")
    assert "Currency: the column 'Currency (ISO)' looks like the deals' currency but is not read" in out
    assert "taken as USD" in out


def test_a_workbooks_currency_format_is_not_read_and_the_dry_run_says_what_was_assumed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Salesforce report saved as .xlsx: Amount cells formatted $#,##0.00 hold plain
    numbers; the reader does not expose cell formats, so the currency taken is said."""
    import xlsxwriter

    (tmp_path / "config.toml").write_text('currency = "EUR"\n')
    path = tmp_path / "report.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Opportunities")
    dollars = book.add_format({"num_format": "$#,##0.00"})
    day = book.add_format({"num_format": "m/d/yyyy"})
    sheet.write_row(0, 0, SF_REPORT)
    sheet.write_row(1, 0, ["Globex - Pilot", "Globex", "Negotiation/Review"])
    sheet.write_number(1, 3, 48000, dollars)
    sheet.write_datetime(1, 4, datetime(2026, 6, 30), day)
    sheet.write_datetime(1, 5, datetime(2026, 2, 1), day)
    book.close()
    said = line(dry(capsys, path), "Currency:")
    assert "a workbook cell's currency format, such as $#,##0.00, is not read" in said
    assert "taken as EUR" in said


def test_a_deal_without_an_amount_shows_zero_in_its_own_currency(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """HubSpot in Spanish: a euro deal with no amount yet is €0 on its stage, not $0."""
    header = ["ID de registro", "Nombre del negocio", "Etapa del negocio", "Pipeline", "Importe", "Moneda",
              "Fecha de cierre", "Fecha de creación"]  # fmt: skip
    cemex = [
        "31200000004",
        "Cemex",
        "Cita programada",
        "Pipeline de ventas",
        "",
        "EUR",
        "2026-07-31",
        "2026-03-14",
    ]
    path = write(
        tmp_path / "negocios.csv",
        [header, cemex],
    )
    out = dry(capsys, path)
    assert line(out, "  Lead").split() == ["Lead", "1", "€0"]


# ===================================================== 4. loss reasons


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Chose to build it in-house", "Chose to build in-house"),
        ("Price was fine, timing was wrong", "Timing / no urgency"),
        ("Budget wasn't the issue, the timing was", "Timing / no urgency"),
        ("Decided to do nothing", "No decision / went dark"),
        ("Stayed with the status quo", "No decision / went dark"),
        ("Too expensive", "Price / budget"),  # as before
        ("Went with Acme", "Lost to competitor"),
        ("Chose Salesforce", "Lost to competitor"),
    ],
)
def test_loss_reason_texts_read_as_a_seller_means_them(store: Store, text: str, label: str) -> None:
    reason, note = match_reason(text, store.shape.reasons())
    assert reason is not None and reason.label == label
    assert note == f"Imported loss reason: {text}"  # the text is never dropped


def test_the_dry_run_lists_each_loss_reason_text_and_the_reason_it_becomes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: Store
) -> None:
    texts = (
        ["Chose to build it in-house"] * 3
        + ["Price was fine, timing was wrong"] * 2
        + [f"Reason number {n}" for n in range(11)]
    )
    rows = [
        [str(93000000000 + i), f"Deal {i}", "Closed Lost", "Sales Pipeline", "1000", "USD", "2026-03-01",
         "2026-01-01", text]
        for i, text in enumerate(texts)
    ]  # fmt: skip
    path = write(tmp_path / "hubspot.csv", [HUBSPOT, *rows])
    out = dry(capsys, path)
    listed = out.split("Loss reasons (text in the file -> the reason it becomes", 1)[1].splitlines()[1:]
    assert " ".join(listed[0].split()) == "'Chose to build it in-house' (3) -> Chose to build in-house"
    assert listed[1].strip() == "'Price was fine, timing was wrong' (2) -> Timing / no urgency"
    assert listed[2].strip() == "'Reason number 0' (1) -> Other"
    assert listed[10].strip() == "and 3 more texts (3 rows)"
    cli(capsys, "import", str(path))
    kept = deals(store)["Deal 0"]
    assert kept.loss_note == "Imported loss reason: Chose to build it in-house"


# ===================================================== 5. created dates


def test_created_dates_the_file_lacks_are_stated_and_never_after_the_close(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: Store
) -> None:
    """A Pipedrive export without 'Deal - Deal created': an open deal is created today, a
    won one the day it was won."""
    header = [*PIPEDRIVE, "Deal - Won time", "Deal - Lost time"]
    path = write(
        tmp_path / "deals.csv",
        [
            header,
            ["1", "Open one", "1000", "Acme", "Qualified", "Open", "", "", ""],
            ["2", "Won one", "2000", "Acme", "Negotiations Started", "Won", "", "2026-03-14 16:02:11", ""],
            ["3", "Lost one", "3000", "Acme", "Proposal Made", "Lost", "Price", "", "2026-02-28 11:40:00"],
        ],
    )
    out = dry(capsys, path)
    assert (
        "Created dates: the file gives none for 3 new deals: 1 created today, 2 closed deals created the day "
        "they closed"
    ) in out
    cli(capsys, "import", str(path))
    found = deals(store)
    assert found["Open one"].created_at.date() == TODAY
    for title in ("Won one", "Lost one"):
        deal = found[title]
        assert deal.closed_at is not None and deal.created_at == deal.closed_at


def test_a_reimport_closing_a_deal_before_its_made_up_created_date_moves_it_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: Store
) -> None:
    """First imported open without a created date (created today), the next export says it
    was won weeks ago: it is not created after it closed, and the dry run says so."""
    header = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date"]
    row = ["81200000001", "Deal Eins", "Contract Sent", "Sales Pipeline", "1000", "2026-12-30"]
    first = write(tmp_path / "week1.csv", [header, row])
    cli(capsys, "import", str(first))
    row = ["81200000001", "Deal Eins", "Closed Won", "Sales Pipeline", "1000", "2026-11-02"]
    later = write(tmp_path / "week2.csv", [header, row])
    out = dry(capsys, later)
    assert f"created {TODAY.isoformat()} → 2026-11-02" in line(out, "  #1 Deal Eins:")
    assert "Created dates: 1 is after the deal's close date: moved back to the day it closed" in out
    cli(capsys, "import", str(later))
    deal = deals(store)["Deal Eins"]
    assert deal.created_at.date() == date(2026, 11, 2)
    assert deal.closed_at is not None and deal.created_at <= deal.closed_at


def test_a_created_date_after_the_close_is_moved_back_and_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: Store
) -> None:
    """A Salesforce report whose won deal was created (entered late) after it closed."""
    path = write(
        tmp_path / "report.csv",
        [SF_REPORT, ["Initech - Seats", "Initech", "Closed Won", "$9,000.00", "3/31/2026", "4/15/2026"]],
    )
    out = dry(capsys, path)
    assert "Created dates: 1 is after the deal's close date: moved back to the day it closed" in out
    assert "the file gives none" not in out
    cli(capsys, "import", str(path))
    deal = deals(store)["Initech - Seats"]
    assert deal.closed_at is not None and deal.created_at == deal.closed_at


def test_the_json_dry_run_carries_the_same_decisions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    header = [*PIPEDRIVE, "Deal - Lead source"]
    path = write(
        tmp_path / "deals.csv",
        [
            header,
            ["1", "Lost one", "1000", "Acme", "Proposal Made", "Lost", "Decided to do nothing", "Web"],
            ["2", "Lost two", "1000", "Acme", "Proposal Made", "Lost", "Decided to do nothing", "Web"],
        ],
    )
    data = json.loads(cli(capsys, "import", str(path), "--dry-run", "--json"))
    assert data["unread_columns"] == ["Deal - Lead source"]
    assert data["assumed_currency"] == {"currency": "USD", "deals": 2}
    assert data["loss_reasons"] == [
        {"text": "Decided to do nothing", "rows": 2, "reason": "No decision / went dark"}
    ]
    # lost with no lost time: when they closed is unknown, so they are created today
    assert data["created_made_up"] == {"today": 2, "at_close": 0, "moved_back": 0}


# ===================================================== 8. columns not read


def test_columns_left_unread_are_listed_beside_what_the_file_seems_to_lack(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A HubSpot export with the team's own properties: 'Contract signed' holds when the won
    deal closed, 'Why we lost' the loss reason; neither is read, and both are said."""
    header = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Deal currency code",
              "Contract signed", "Why we lost"]  # fmt: skip
    path = write(
        tmp_path / "hubspot.csv",
        [
            header,
            ["1", "Won one", "Closed Won", "Sales Pipeline", "1000", "USD", "2026-03-14", ""],
            ["2", "Lost one", "Closed Lost", "Sales Pipeline", "2000", "USD", "", "Too expensive"],
        ],
    )
    out = dry(capsys, path)
    unread = line(out, "Not read:")
    assert "'Contract signed', 'Why we lost'" in unread
    assert "--column FIELD=HEADER" in unread and "closed_on" in unread and "lost_reason" in unread
    assert "2 closed deals have no close date in the file" in out  # said, and beside it:
    assert "Lost deals without a loss reason in the file: 1 (fill it in on the board after importing)." in out
    assert "The file may hold close dates (--column closed_on=HEADER) in a column not read:" in out
    # Loss reasons only from a column whose name could hold one (not 'Pipeline', 'Contract signed').
    assert (
        "The file may hold loss reasons (--column lost_reason=HEADER) in a column not read: 'Why we lost'."
    ) in out


def test_an_export_whose_every_column_is_read_lists_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    header = [h for h in HUBSPOT if h != "Pipeline"]  # HubSpot's Pipeline is not read: listed when there
    path = write(
        tmp_path / "hubspot.csv",
        [header, ["1", "Won one", "Closed Won", "1000", "USD", "2026-03-14", "2026-01-02", ""]],
    )
    assert "Not read:" not in dry(capsys, path)


# ===================================================== 11. re-import counts


def _sf(rows: list[list[str]], *, ids: list[str] | None = None) -> list[list[str]]:
    if ids is None:
        return [SF_REPORT, *rows]
    return [[*SF_REPORT, "Opportunity ID"], *([*r, i] for r, i in zip(rows, ids, strict=True))]


SF_ROWS = [
    ["Wayne - Security", "Wayne Enterprises", "Qualification", "$15,000.00", "6/30/2026", "2/1/2026"],
    ["Wonka - Pilot", "Wonka", "Value Proposition", "$8,000.00", "7/15/2026", "2/2/2026"],
    ["Tyrell - Replicant", "Tyrell Corp", "Perception Analysis", "$60,000.00", "8/31/2026", "2/3/2026"],
]


def test_reimport_counts_add_up_and_ids_given_to_earlier_deals_are_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: Store
) -> None:
    """A Salesforce report imported without ids, then re-exported with 'Opportunity ID' (and
    one amount changed, one row twice): each row is counted once."""
    cli(capsys, "import", str(write(tmp_path / "w1.csv", _sf(SF_ROWS))))
    rows: list[Any] = [list(r) for r in SF_ROWS]
    rows[1][3] = "$8,500.00"
    ids = ["0065g00000WwWwW", "0065g00000WoNkA", "0065g00000TyReL"]
    later = write(tmp_path / "w2.csv", _sf([*rows, rows[2]], ids=[*ids, ids[2]]))
    out = dry(capsys, later)
    assert "Already imported: 0 unchanged, 3 updated (2 only given their record id), 0 conflicts." in out
    assert "  #2 Wonka - Pilot: amount $8,000 → $8,500" in out
    given = line(out, "Record ids given to 3 deals imported before without one")
    assert "#1 Wayne - Security <- 0065g00000WwWwW" in given and "#3 Tyrell - Replicant" in given
    assert "Rows: 4 = 3 updated + 1 seen twice." in out
    assert "would import 0 deals, update 3 (0 unchanged, 0 conflicts)" in out
    cli(capsys, "import", str(later))
    again = dry(capsys, later)
    assert "Rows: 4 = 3 unchanged + 1 seen twice." in again
    assert "Record ids given" not in again


def test_new_and_known_rows_together_add_up(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cli(capsys, "import", str(write(tmp_path / "w1.csv", _sf(SF_ROWS[:2]))))
    out = dry(capsys, write(tmp_path / "w2.csv", _sf(SF_ROWS)))
    assert "Rows: 3 = 1 new + 2 unchanged." in out


def test_columns_offered_for_close_dates_and_reasons_are_ones_that_could_hold_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An Odoo or Attio export: 'Salesperson' was offered as a loss reason (it holds Italian
    'perso'), and an amount, an owner and a created date as close dates."""
    header = ["Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Salesperson", "Deal value",
              "Created at", "Won on"]  # fmt: skip
    path = write(
        tmp_path / "hubspot.csv",
        [
            header,
            [
                "1",
                "Won one",
                "Closed Won",
                "Sales Pipeline",
                "1000",
                "Ann",
                "1000",
                "2026-01-02",
                "2026-03-14",
            ],
            ["2", "Lost one", "Closed Lost", "Sales Pipeline", "2000", "Ann", "2000", "2026-01-02", ""],
        ],
    )
    out = dry(capsys, path)
    assert "The file may hold close dates (--column closed_on=HEADER) in a column not read: 'Won on'." in out
    assert "may hold loss reasons" not in out

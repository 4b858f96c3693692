"""Exports of CRMs beyond the big three, and formatted reports, shaped as their documentation
describes them: Freshsales' deal fields (an amount in the base currency beside the deal's
own), Close's opportunity export (date_won / date_lost), Dynamics 365's "Export to Excel"
(Status and Status Reason, Est. and Actual Revenue) and a Salesforce formatted report
grouped by stage (a title with its count over each group, a "Subtotal" row under it)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from test_import_exports import deals, ok, placed, refused, stage, write, write_xlsx

from pipeline_tui.store import Store

# ------------------------------------------------------------------ Freshsales

FRESHSALES = ["Id", "Name", "Deal value", "Currency", "Deal value in base currency", "Deal pipeline",
              "Deal stage", "Expected close date", "Closed date", "Account name", "Lost reason",
              "Created at"]  # fmt: skip
FRESHSALES_ROWS = [
    ["70001", "Orion analytics", "10000", "EUR", "10870", "Default Pipeline", "Negotiation", "2026-12-22", "",
     "Orion SA", "", "2026-10-01 09:00:00"],
    ["70003", "Lyra support", "2500", "GBP", "3175", "Default Pipeline", "Lost", "2026-10-15", "2026-10-15",
     "Lyra Ltd", "Budget constraints", "2026-08-01 09:00:00"],
]  # fmt: skip


def test_freshsales_base_currency_amount_is_never_the_deals_own(store: Store, capsys, tmp_path: Path) -> None:
    """ "Deal value in base currency" is the amount converted into the account's currency:
    beside "Deal value" it is left unread (no question of which is the value); alone, the
    import stops and names both fixes."""
    path = write(tmp_path / "deals.csv", [FRESHSALES, *FRESHSALES_ROWS])
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "value        <- 'Deal value'" in out
    assert "'Deal value in base currency'" in out.split("Not read: ", 1)[1].split("\n", 1)[0]
    ok(capsys, "import", str(path))
    got = deals(store)
    assert (got["Orion analytics"].value, got["Orion analytics"].currency) == (1_000_000, "EUR")
    assert (got["Lyra support"].value, got["Lyra support"].currency) == (250_000, "GBP")

    only = [[c for i, c in enumerate(row) if i != 2] for row in [FRESHSALES, *FRESHSALES_ROWS]]
    err = refused(capsys, "import", str(write(tmp_path / "base.csv", only)), "--db", str(tmp_path / "b.db"))
    assert "'Deal value in base currency', a figure converted into the company's currency" in err
    assert "--column value='Deal value in base currency'" in err


# ------------------------------------------------------------------ Close

CLOSE = ["id", "lead_id", "lead_name", "status_id", "status_label", "status_type", "confidence", "value",
         "value_period", "value_currency", "value_formatted", "date_created", "date_updated", "date_won",
         "date_lost", "expected_date", "contact_name"]  # fmt: skip


def test_close_lost_deal_closes_on_its_date_lost(store: Store, capsys, tmp_path: Path) -> None:
    rows = [
        CLOSE,
        ["oppo_1", "lead_1", "Merlin Foods", "stat_2", "Won", "won", "100", "1200000", "one_time", "EUR",
         "€12,000", "2026-08-01T09:00:00+00:00", "2026-11-20T09:00:00+00:00", "2026-11-20", "", "2026-11-30",
         "Mo Merlin"],
        ["oppo_2", "lead_2", "Osprey Media", "stat_3", "Lost", "lost", "0", "300000", "one_time", "USD",
         "$3,000", "2026-07-01T09:00:00+00:00", "2026-10-10T09:00:00+00:00", "", "2026-10-10", "2026-10-31",
         "Oz Osprey"],
    ]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "close.csv", rows)))
    got = deals(store)
    lost, won = got["Osprey Media"], got["Merlin Foods"]
    assert stage(store, lost) == "Closed Lost" and lost.closed_at is not None
    assert lost.closed_at.date() == date(2026, 10, 10)  # not the expected date, three weeks later
    assert lost.expected_close == date(2026, 10, 31)
    assert won.closed_at is not None and won.closed_at.date() == date(2026, 11, 20)


# ------------------------------------------------------------------ Dynamics 365

DYNAMICS = ["(Do Not Modify) Opportunity", "(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On",
            "Topic", "Potential Customer", "Status", "Status Reason", "Est. Close Date", "Actual Close Date",
            "Currency", "Est. Revenue", "Actual Revenue", "Pipeline Phase", "Created On"]  # fmt: skip


def _dynamics_rows() -> list[list[object]]:
    at = datetime(2026, 11, 30, 9, 0)
    return [
        DYNAMICS,
        ["5f1c0a2e-0001", "mJ8y=", at, "Contoso 50 licences", "Contoso Ltd", "Open", "In Progress",
         date(2026, 12, 31), "", "US Dollar", 50000, "", "Propose", at],
        ["5f1c0a2e-0002", "aB3k=", at, "Fabrikam kiosks", "Fabrikam Inc", "Won", "Won", date(2026, 11, 30),
         date(2026, 11, 14), "Euro", 30000, 28500, "Close", at],
        ["5f1c0a2e-0003", "pQ7r=", at, "Adventure Works fleet", "Adventure Works", "Lost", "Out-Sold",
         date(2026, 10, 31), date(2026, 10, 20), "US Dollar", 75000, 0, "Develop", at],
        ["5f1c0a2e-0004", "qW2e=", at, "Alpine Ski House pilot", "Alpine Ski House", "Open", "On Hold",
         date(2027, 2, 28), "", "US Dollar", 9000, "", "Qualify", at],
    ]  # fmt: skip


def test_dynamics_status_reasons_of_open_and_won_deals_are_no_loss(
    store: Store, capsys, tmp_path: Path
) -> None:
    """Dynamics fills "Status Reason" on every row: "In Progress" and "On Hold" on open deals,
    "Won" on won ones are their status's own reason, not a loss the outcome overrules."""
    path = write_xlsx(tmp_path / "opportunities.xlsx", _dynamics_rows())
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "correct the outcome column" not in out
    assert "'Out-Sold' (1) -> Lost to competitor" in out
    assert "Amounts are 'Est. Revenue', won deals' too: 'Actual Revenue' is not read" in out
    ok(capsys, "import", str(path))
    assert placed(store) == {
        "Contoso 50 licences": "Proposal",
        "Fabrikam kiosks": "Closed Won",
        "Adventure Works fleet": "Closed Lost",
        "Alpine Ski House pilot": "Qualified",
    }
    got = deals(store)
    assert got["Contoso 50 licences"].loss_reason_id is None and not got["Contoso 50 licences"].loss_note
    assert got["Fabrikam kiosks"].value == 3_000_000  # the estimate, as the dry run said


def test_a_loss_reason_on_an_open_dynamics_deal_is_still_said(store: Store, capsys, tmp_path: Path) -> None:
    """Only the open and won statuses' own reasons are passed over: a loss reason on a row
    whose status says open is still pointed out."""
    rows = _dynamics_rows()
    rows[1][6] = "Canceled"
    out = ok(capsys, "import", str(write_xlsx(tmp_path / "opportunities.xlsx", rows)), "--dry-run")
    assert "has 'Status Reason' filled in, but Status 'Open' says open" in out


# ------------------------------------------------------------------ formatted reports

SALESFORCE = ["Stage", "Opportunity Owner", "Account Name", "Opportunity Name", "Amount Currency", "Amount",
              "Close Date", "Opportunity ID"]  # fmt: skip


@pytest.mark.parametrize("titles", [True, False], ids=["group-titles", "no-titles"])
def test_a_grouped_reports_subtotal_rows_are_left_out_and_said(
    store: Store, capsys, tmp_path: Path, titles: bool
) -> None:
    """A summary report grouped by stage: the report's title block, then each group under
    its title with a count ("Prospecting (2)") and over its "Subtotal" row, a "Total" row and
    the footer. The deals come in; the rest is left out and said."""
    width = len(SALESFORCE)

    def line(*cells: object) -> list[object]:
        return [*cells, *[""] * (width - len(cells))]

    def group(name: str, deals: list[list[object]]) -> list[list[object]]:
        total = sum(int(d[5]) for d in deals)  # type: ignore[call-overload]
        title = [line(f"{name} ({len(deals)})")] if titles else []
        return [*title, *deals, line("Subtotal", "", "", "", "", total)]

    sheet = [
        line("Opportunity Pipeline"), line("As of Dec 7, 2026 09:00"), line(), SALESFORCE,
        *group("Prospecting", [
            ["Prospecting", "Ann Seller", "Edge Comms", "Edge Comms - 200 seats", "USD", 20000,
             date(2027, 1, 15), "0065g00000AbCdEAA1"],
            ["Prospecting", "Ann Seller", "Burlington", "Burlington - Weaving", "EUR", 15000,
             date(2027, 2, 1), "0065g00000AbCdFAA1"],
        ]),
        *group("Closed Won", [
            ["Closed Won", "Ann Seller", "Pyramid", "Pyramid - Install", "USD", 42000, date(2026, 11, 20),
             "0065g00000AbCdGAA1"],
        ]),
        line("Total (3)", "", "", "", "", 77000), line(),
        line("Confidential Information - Do Not Distribute"),
        line("Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "report.xlsx", sheet)
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "2 group totals rows" in out
    if titles:
        assert "2 group titles alone on a line ('Prospecting (2)', 'Closed Won (1)')" in out
    ok(capsys, "import", str(path))
    assert placed(store) == {
        "Edge Comms - 200 seats": "Lead",
        "Burlington - Weaving": "Lead",
        "Pyramid - Install": "Closed Won",
    }


def test_a_deal_named_like_a_total_is_still_a_deal(store: Store, capsys, tmp_path: Path) -> None:
    """Only a row whose label is a total and whose other cells are all numbers is a totals
    row: a deal whose first cell reads "Total" keeps its text cells and comes in."""
    rows = [
        ["Deal Name", "Deal Stage", "Amount", "Close Date"],
        ["Total", "Closed Won", "5000", "2026-11-01"],
        ["Total Wine - POS", "Closed Won", "7000", "2026-11-02"],
    ]
    path = write(tmp_path / "hubspot.csv", rows)
    ok(capsys, "import", str(path), "--column", "title=Deal Name", "--column", "stage=Deal Stage",
       "--column", "value=Amount", "--column", "close=Close Date")  # fmt: skip
    assert set(deals(store)) == {"Total", "Total Wine - POS"}


# ------------------------------------------------------------------ the dry run's counts


def test_dry_run_of_our_own_export_counts_the_deals_already_here(
    store: Store, capsys, tmp_path: Path
) -> None:
    rows = [FRESHSALES, *FRESHSALES_ROWS]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)))
    exported = tmp_path / "export.csv"
    ok(capsys, "export", "deals", "-o", str(exported))
    out = ok(capsys, "import", str(exported), "--dry-run")
    assert "Already imported: 2 unchanged, 0 updated, 0 conflicts." in out
    assert "Dry run: would import 0 deals, update 0 (2 unchanged, 0 conflicts)" in out


def test_a_grouped_report_with_the_stage_on_each_groups_first_row_only_is_refused(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A grouped report may write the group's stage on its first row only: one --map for
    the blank rows would put every group's deals in one stage, so the import names the
    export that repeats it instead."""
    width = len(SALESFORCE)
    subtotal = ["Subtotal", "", "", "", "", 35000, *[""] * (width - 6)]
    sheet = [
        SALESFORCE,
        ["Prospecting", "Ann Seller", "Edge Comms", "Edge Comms - 200 seats", "USD", 20000, date(2027, 1, 15),
         "0065g00000AbCdEAA1"],
        ["", "Ann Seller", "Burlington", "Burlington - Weaving", "EUR", 15000, date(2027, 2, 1),
         "0065g00000AbCdFAA1"],
        subtotal,
        ["Closed Won", "Ann Seller", "Pyramid", "Pyramid - Install", "USD", 42000, date(2026, 11, 20),
         "0065g00000AbCdGAA1"],
        ["", "Ann Seller", "Globex", "Globex - Renewal", "USD", 1000, date(2026, 11, 21),
         "0065g00000AbCdHAA1"],
        ["Subtotal", *[""] * (width - 1)],
    ]  # fmt: skip
    err = refused(capsys, "import", str(write_xlsx(tmp_path / "report.xlsx", sheet)))
    assert "2 rows have no 'Stage': a grouped report writes each group's values on its first row only" in err
    assert "'Details Only'" in err and "--map" not in err
    assert store.deals.count() == 0


# ------------------------------------------------------------------ statuses, Bitrix24's browser export


@pytest.mark.parametrize(
    ("open_word", "won_word", "lost_word"),
    [("Suspended", "Won", "Lost"), ("Öppen", "Vunnen", "Förlorad"), ("Otwarta", "Wygrana", "Przegrana"),
     ("進行中", "成約", "失注"), ("进行中", "赢单", "输单")],
    ids=["insightly", "sv", "pl", "ja", "zh"],
)  # fmt: skip
def test_statuses_in_more_languages_and_an_on_hold_deal_are_read(
    store: Store, capsys, tmp_path: Path, open_word: str, won_word: str, lost_word: str
) -> None:
    rows = [
        ["Deal", "Stage", "Amount", "Status"],
        ["A", "Proposal", "100", open_word],
        ["B", "Proposal", "100", won_word],
        ["C", "Proposal", "100", lost_word],
    ]
    mapped = ["--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount",
              "--column", "status=Status"]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), *mapped)
    assert placed(store) == {"A": "Proposal", "B": "Closed Won", "C": "Closed Lost"}


def test_an_unknown_status_names_the_fix_that_keeps_the_outcomes(
    store: Store, capsys, tmp_path: Path
) -> None:
    rows = [["Deal", "Status"], ["A", "Kazan"]]
    err = refused(capsys, "import", str(write(tmp_path / "deals.csv", rows)), "--column", "title=Deal",
                  "--column", "status=Status")  # fmt: skip
    assert "--column stage='Status' and say where each value goes (--map 'VALUE=Closed Won', …)" in err


def test_bitrix24_deal_list_as_the_browser_exports_it(store: Store, capsys, tmp_path: Path) -> None:
    """Bitrix24's deal list exported from the browser: its English column labels and its
    default pipeline's stage names (not the API's ids)."""
    rows = [
        ["ID", "Deal Name", "Stage", "Income", "Currency", "Assumed close date", "Closed", "Created",
         "Company"],
        ["12", "Website redesign", "Preparing documents", "5000.00", "USD", "12/18/2026", "No",
         "09/01/2026 10:00:00 am", "Acme Corp"],
        ["14", "Annual support", "Deal won", "8000.00", "EUR", "11/10/2026", "Yes", "07/29/2026 09:15:00 am",
         "Globex"],
        ["15", "Mobile app", "Deal lost", "4500.00", "USD", "10/05/2026", "Yes", "06/07/2026 02:30:00 pm",
         "Initech"],
        ["16", "Kiosk", "New", "900.00", "USD", "01/05/2027", "No", "11/07/2026 02:30:00 pm", "Hooli"],
    ]  # fmt: skip
    path = write(tmp_path / "deals.csv", rows)
    out = ok(capsys, "import", str(path), "--dry-run")
    assert out.startswith("deals.csv: bitrix24 export, 4 rows.")
    ok(capsys, "import", str(path))
    assert placed(store) == {
        "Website redesign": "Qualified",
        "Annual support": "Closed Won",
        "Mobile app": "Closed Lost",
        "Kiosk": "Lead",
    }
    got = deals(store)
    assert (got["Annual support"].value, got["Annual support"].currency) == (800_000, "EUR")
    assert got["Annual support"].source == "bitrix24" and got["Annual support"].source_id == "14"


def test_a_named_format_without_its_title_column_names_the_fix(store: Store, capsys, tmp_path: Path) -> None:
    rows = [["ID", "Name", "STAGE_ID"], ["1", "A", "NEW"]]
    err = refused(capsys, "import", str(write(tmp_path / "deals.csv", rows)), "--format", "bitrix24")
    assert "The file has no 'TITLE' column" in err and "--column title=HEADER" in err


# ------------------------------------------------------------------ closed stage names offered an endpoint


@pytest.mark.parametrize(
    ("value", "offered"),
    [("Loss", "Closed Lost"), ("Win", "Closed Won"), ("Abandoned", "Closed Lost"),
     ("Cancelled", "Closed Lost"), ("Not interested", "Closed Lost"), ("Closed (Lost)", "Closed Lost"),
     ("Stracony", "Closed Lost"),
     ("Zamknięta - wygrana", "Closed Won"), ("Förlorad affär", "Closed Lost")],
    ids=["keap-loss", "keap-win", "copper-abandoned", "nutshell-cancelled", "not-interested", "parenthesis",
         "pl-lost", "pl-closed-won", "sv-lost"],
)  # fmt: skip
def test_a_stage_name_that_reads_won_or_lost_is_offered_an_endpoint_never_a_new_open_stage(
    store: Store, capsys, tmp_path: Path, value: str, offered: str
) -> None:
    """Keap's Win / Loss, Copper's Abandoned, Nutshell's Cancelled, a prospect's 'Not
    interested' and Polish stage names: the ready --map line offered `=new` (an open stage)
    or an open stage for them."""
    rows = [["Deal", "Stage", "Value"], ["A", value, "100"], ["B", "Proposal", "100"]]
    err = refused(capsys, "import", str(write(tmp_path / "deals.csv", rows)), "--column", "title=Deal",
                  "--column", "stage=Stage", "--column", "value=Value")  # fmt: skip
    assert f"--map '{value}={offered}'" in err
    reads = "won" if offered == "Closed Won" else "lost"
    assert f"'{value}': 1 row (reads {reads}: offered {offered})" in err
    assert store.deals.count() == 0


def test_nutshells_cancelled_status_is_lost_for_no_decision(store: Store, capsys, tmp_path: Path) -> None:
    rows = [["Deal", "Stage", "Value", "Status"], ["A", "Proposal", "100", "Cancelled"]]
    ok(capsys, "import", str(write(tmp_path / "deals.csv", rows)), "--column", "title=Deal", "--column",
       "stage=Stage", "--column", "value=Value", "--column", "status=Status")  # fmt: skip
    assert placed(store) == {"A": "Closed Lost"}


@pytest.mark.parametrize(
    ("stage_value", "reason"),
    [("Closed-Lost to Competition", "Lost to competitor"), ("Verloren - kein Budget", "Price / budget")],
    ids=["zoho", "de"],
)
def test_a_lost_stage_that_names_the_reason_gives_it_when_the_file_has_none(
    store: Store, capsys, tmp_path: Path, stage_value: str, reason: str
) -> None:
    """Zoho's standard stage 'Closed-Lost to Competition' says why; imported as 'no reason
    recorded' it stood in the report's top reasons. Plain 'Closed Lost' gives none."""
    rows = [["Record Id", "Deal Name", "Account Name", "Stage", "Amount", "Closing Date", "Reason For Loss"],
            ["zcrm_1", "Epsilon suite", "Epsilon SA", stage_value, "15000", "2026-11-20", ""],
            ["zcrm_2", "Delta", "Delta Inc", "Closed Lost", "100", "2026-11-20", ""]]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "zoho.csv", rows)), "--map", f"{stage_value}=Closed Lost")
    got = deals(store)
    assert store.shape.reason(got["Epsilon suite"].loss_reason_id).label == reason
    assert got["Delta"].loss_reason_id is None


def test_coppers_pipeline_stage_column_is_its_stage(store: Store, capsys, tmp_path: Path) -> None:
    """Copper's opportunities export names the stage column 'Pipeline Stage': read as
    none, the import offered --map '=Lead' for every open deal."""
    rows = [
        ["Opportunity Id", "Name", "Company", "Value", "Currency", "Status", "Pipeline", "Pipeline Stage",
         "Loss Reason", "Close Date", "Win Probability", "Date Created"],
        ["40112233", "Northwind seats", "Northwind", "$18,000.00", "USD", "Open", "Sales", "Negotiation", "",
         "12/18/2026", "40", "10/02/2026"],
        ["40112234", "Contoso upgrade", "Contoso", "$9,000.00", "USD", "Won", "Sales", "Negotiation", "",
         "11/20/2026", "100", "09/01/2026"],
    ]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "copper.csv", rows)))
    assert placed(store) == {"Northwind seats": "Negotiation", "Contoso upgrade": "Closed Won"}


# ------------------------------------------------------------------ SuiteCRM, and ids of another CRM

SUITE_HEADER = ["ID", "Opportunity Name", "Account Name", "Sales Stage", "Opportunity Amount", "Currency",
                "Amount", "Expected Close Date", "Probability (%)", "Next Step", "Date Created",
                "Date Modified"]  # fmt: skip


def suite_row(n: int, stage: str, amount: str, currency: str, converted: str) -> list[str]:
    return [f"6f1b2c3d-000{n}-4a5b-9c8d-111111111111", f"Deal {n}", f"Co {n}", stage, amount, currency,
            converted, "2026-12-31", "10", "", "2026-11-01 10:00:00", "2026-11-20 10:00:00"]  # fmt: skip


def test_a_suitecrm_export_reads_the_opportunitys_own_amount_never_the_converted_one(
    store: Store, capsys, tmp_path: Path
) -> None:
    """SuiteCRM's 'Amount' is the amount converted into the system currency (LBL_AMOUNT_USDOLLAR),
    'Opportunity Amount' the deal's own: the file was taken for Salesforce's, and €9,000 came
    in as €9,782.61. -99 in 'Currency' is the system's default currency, which the file does not
    name: read as a file stating none."""
    rows = [SUITE_HEADER, suite_row(1, "Negotiation/Review", "9000.000000", "EUR", "9782.610000"),
            suite_row(2, "Prospecting", "12000.000000", "-99", "12000.000000"),
            suite_row(3, "Closed Won", "500.000000", "-99", "500.000000")]  # fmt: skip
    out = ok(capsys, "import", str(write(tmp_path / "suite.csv", rows)), "--dry-run")
    assert out.startswith("suite.csv: suitecrm export, 3 rows.")
    assert "value        <- 'Opportunity Amount'" in out
    ok(capsys, "import", str(write(tmp_path / "suite.csv", rows)))
    got = deals(store)
    assert (got["Deal 1"].value, got["Deal 1"].currency) == (900_000, "EUR")
    assert (got["Deal 2"].value, got["Deal 2"].currency) == (1_200_000, "USD")
    assert placed(store) == {"Deal 1": "Negotiation", "Deal 2": "Lead", "Deal 3": "Closed Won"}
    assert got["Deal 1"].source == "suitecrm"


def test_a_suitecrm_currency_id_names_what_to_write_instead(store: Store, capsys, tmp_path: Path) -> None:
    rows = [SUITE_HEADER, suite_row(1, "Prospecting", "9000", "a1b2c3d4-eur-currency-id", "9782.61")]
    err = refused(capsys, "import", str(write(tmp_path / "suite.csv", rows)))
    assert "SuiteCRM writes a currency's record id there, not its code" in err
    assert store.deals.count() == 0


def test_a_file_read_as_a_crms_export_whose_ids_are_another_crms_is_refused(
    store: Store, capsys, tmp_path: Path
) -> None:
    """An Attio export shares HubSpot's 'Record ID', 'Deal name' and 'Deal stage' (compared
    without case): filed as HubSpot's, a later HubSpot export with --missing archive would
    archive its deals. Refused naming both readings; --source csv reads it as a plain file."""
    uuid = "a1f0c0de-0000-4000-8000-000000000001"
    rows = [["Record ID", "Deal name", "Deal stage", "Deal value", "Associated company"],
            [uuid, "Acme platform", "Lead", "$12,000.00", "Acme"]]  # fmt: skip
    path = write(tmp_path / "attio.csv", rows)
    err = refused(capsys, "import", str(path), "--column", "value=Deal value")
    assert "reads as a HubSpot export by its header, but none of its record ids in 'Record ID'" in err
    assert "HubSpot writes numbers" in err and "--source csv" in err
    assert store.deals.count() == 0
    ok(capsys, "import", str(path), "--column", "value=Deal value", "--source", "csv")
    deal = deals(store)["Acme platform"]
    assert (deal.source, deal.source_id, deal.value) == (
        "csv",
        "a1f0c0de-0000-4000-8000-000000000001",
        1_200_000,
    )


# ------------------------------------------------------------------ re-imports: the CRM's activity


def test_a_reimport_whose_crm_activity_is_newer_moves_the_deals_last_activity_on(
    store: Store, capsys, tmp_path: Path
) -> None:
    """Zoho's 'Modified Time' moved on in next week's export, nothing else changed: the deal
    stayed 'idle' here and was flagged stale though the CRM had just seen it. A time not
    later than the activity here changes nothing."""
    head = ["Record Id", "Deal Name", "Account Name", "Stage", "Amount", "Closing Date", "Modified Time"]
    old = "2026-10-12 09:00"
    week1 = [head, ["zcrm_1", "Beta renewal", "Beta", "Qualification", "8500", "2027-01-30", old],
             ["zcrm_2", "Gamma", "Gamma", "Qualification", "100", "2027-01-30", old]]  # fmt: skip
    ok(capsys, "--today", "2026-11-12", "import", str(write(tmp_path / "w1.csv", week1)))
    assert "idle" in ok(capsys, "list", "--stale")
    week2 = [head, [*week1[1][:6], "2026-11-20 10:00"], week1[2]]
    out = ok(capsys, "import", str(write(tmp_path / "w2.csv", week2)), "--dry-run")
    assert "#1 Beta renewal: last activity 2026-10-12 → 2026-11-20 (in the CRM)" in out
    assert "Rows: 2 = 1 updated + 1 unchanged." in out
    ok(capsys, "import", str(write(tmp_path / "w2.csv", week2)))
    assert deals(store)["Beta renewal"].last_activity_at == datetime(2026, 11, 20)
    stale = ok(capsys, "list", "--stale")
    assert "Beta renewal" not in stale and "Gamma" in stale
    again = ok(capsys, "import", str(write(tmp_path / "w2.csv", week2)), "--dry-run")
    assert "Rows: 2 = 2 unchanged." in again


def test_a_close_the_seller_overrules_keeps_its_close_date_with_it(
    store: Store, capsys, tmp_path: Path
) -> None:
    """Copper says the deal was won on Dec 12; the seller had moved it here, so the stage
    is a conflict and kept: the win's close date was still taken alone, and the open deal
    showed 'close date passed'."""
    head = ["Opportunity Id", "Name", "Company", "Value", "Currency", "Status", "Pipeline", "Pipeline Stage",
            "Loss Reason", "Close Date", "Win Probability"]  # fmt: skip
    open_row = ["40112233", "Northwind seats", "Northwind", "18000", "USD", "Open", "Sales", "Presentation",
                "", "12/18/2026", "40"]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "w1.csv", [head, open_row])))
    ok(capsys, "move", "1", "Negotiation")
    won = [*open_row[:5], "Won", "Sales", "Presentation", "", "11/20/2026", "100"]
    path = write(tmp_path / "w2.csv", [head, won])
    preferred = ok(capsys, "import", str(path), "--prefer", "file", "--dry-run")
    assert "close date 2026-12-18 → 2026-11-20" in preferred and "Conflicts" not in preferred
    out = ok(capsys, "import", str(path))
    assert "#1 Northwind seats: stage: yours Negotiation, file Closed Won" in out
    assert "#1 Northwind seats: close date: yours 2026-12-18, file 2026-11-20" in out
    deal = deals(store)["Northwind seats"]
    assert (deal.expected_close, placed(store)["Northwind seats"]) == (date(2026, 12, 18), "Negotiation")


def test_an_active_flag_mapped_with_column_says_an_archived_deal_is_lost(
    store: Store, capsys, tmp_path: Path
) -> None:
    """An Odoo export with Portuguese headers: 'Ativo' (Active) is its only lost flag, and
    --column could not name it ('active' is not a field): the lost deal came in open."""
    rows = [["Oportunidade", "Cliente", "Receita Esperada", "Moeda", "Estágio", "Ativo"],
            ["Licença Beta", "Construtora Óbidos", "R$ 45.000,00", "BRL", "Qualificado", "Falso"],
            ["Projeto Alfa", "Padaria", "R$ 1.234,56", "BRL", "Qualificado", "Verdadeiro"]]  # fmt: skip
    mapped = ["--column", "title=Oportunidade", "--column", "company=Cliente", "--column",
              "value=Receita Esperada", "--column", "currency=Moeda", "--column", "stage=Estágio",
              "--column", "active=Ativo", "--map", "Qualificado=Qualified"]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "odoo.csv", rows)), *mapped)
    assert placed(store) == {"Licença Beta": "Closed Lost", "Projeto Alfa": "Qualified"}


# ------------------------------------------------------------------ currencies a file states, or does not

SF_DE = ["Opportunity-ID", "Opportunity-Name", "Accountname", "Phase", "Betrag", "Opportunity-Währung",
         "Schlusstermin"]  # fmt: skip


def test_a_localized_currency_column_is_read_and_a_later_file_without_it_changes_no_currency(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A German Salesforce report: 'Opportunity-Währung' was only pointed out (CHF deals came
    in as dollars unless --column named it); a week later, the same report imported without
    that --column line turned every stored EUR and CHF deal into dollars ('currency EUR →
    USD', 0 conflicts). A currency taken because a file states none replaces nothing."""
    week1 = [SF_DE, ["0065g00000AbCdEAA1", "Kassensystem", "Müller AG", "Angebot/Preisangebot", "12.500,00",
                     "EUR", "31.12.2026"],
             ["0065g00000AbCdFAA1", "Lizenzen", "Zürich AG", "Angebot/Preisangebot", "8.400,50", "CHF",
              "31.12.2026"]]  # fmt: skip
    out = ok(capsys, "import", str(write(tmp_path / "w1.csv", week1)), "--dry-run")
    assert "  currency     <- 'Opportunity-Währung'" in out
    ok(capsys, "import", str(write(tmp_path / "w1.csv", week1)))
    got = deals(store)
    assert (got["Kassensystem"].currency, got["Lizenzen"].currency) == ("EUR", "CHF")
    without = [[h for h in SF_DE if h != "Opportunity-Währung"]] + [row[:5] + row[6:] for row in week1[1:]]
    out = ok(capsys, "import", str(write(tmp_path / "w2.csv", without)))
    assert "currency EUR → USD" not in out and "currency CHF → USD" not in out
    got = deals(store)
    assert (got["Kassensystem"].currency, got["Lizenzen"].currency) == ("EUR", "CHF")
    assert (got["Kassensystem"].value, got["Lizenzen"].value) == (1_250_000, 840_050)


@pytest.mark.parametrize("code", ["USA", "XYZ", "EUE"])
def test_a_currency_cell_that_is_no_iso_code_is_refused(
    store: Store, capsys, tmp_path: Path, code: str
) -> None:
    """NetSuite writes its currency record's name ('USA'); any three letters were stored as a
    currency of their own ('USA 12.5k' beside € and £ totals)."""
    rows = [
        ["Title", "Stage", "Value", "Currency"],
        ["A", "Lead", "100", "EUR"],
        ["B", "Lead", "12500", code],
    ]
    mapped = ["--column", "title=Title", "--column", "stage=Stage", "--column", "value=Value", "--column",
              "currency=Currency"]  # fmt: skip
    err = refused(capsys, "import", str(write(tmp_path / "netsuite.csv", rows)), *mapped)
    assert f"Row 3, column 'Currency': '{code}' is not a currency code (ISO 4217" in err
    assert store.deals.count() == 0


def test_a_stage_that_reads_won_is_never_made_a_loss_by_a_filled_reason(
    store: Store, capsys, tmp_path: Path
) -> None:
    """NetSuite fills one 'Win/Loss Reason' for won and lost deals alike: '13 - Closed Won'
    with 'Best price' came in as a 'Price / budget' loss. The stage is asked about, and
    placed where --map says."""
    rows = [["Internal ID", "Title", "Customer", "Opportunity Status", "Projected Total", "Win/Loss Reason"],
            ["101", "Alpha", "Acme", "13 - Closed Won", "1000", "Best price"],
            ["102", "Beta", "Beta", "14 - Closed Lost", "2000", "Too expensive"]]  # fmt: skip
    mapped = ["--column", "id=Internal ID", "--column", "title=Title", "--column", "company=Customer",
              "--column", "stage=Opportunity Status", "--column", "value=Projected Total",
              "--column", "lost_reason=Win/Loss Reason"]  # fmt: skip
    path = write(tmp_path / "netsuite.csv", rows)
    err = refused(capsys, "import", str(path), *mapped)
    assert "'13 - Closed Won': 1 row (reads won: offered Closed Won)" in err
    ok(capsys, "import", str(path), *mapped, "--map", "13 - Closed Won=Closed Won")
    assert placed(store) == {"Alpha": "Closed Won", "Beta": "Closed Lost"}


def test_a_report_saved_without_its_id_column_is_refused_when_its_rows_are_deals_imported_with_ids(
    store: Store, capsys, tmp_path: Path
) -> None:
    """The same Salesforce report, next week saved without 'Opportunity ID': every deal came
    in a second time, and --missing archive then said none of the rows was imported before."""
    head = ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Opportunity ID"]
    week1 = [head, ["Kassensystem", "Müller AG", "Prospecting", "12500", "2026-12-31", "0065g00000AbCdEAA1"],
             ["Wartung", "Schmidt", "Prospecting", "900", "2026-12-31", "0065g00000AbCdFAA1"]]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "w1.csv", week1)))
    week2 = [head[:5], *(row[:5] for row in week1[1:]), ["Neu", "Neu AG", "Prospecting", "10", "2026-12-31"]]
    err = refused(capsys, "import", str(write(tmp_path / "w2.csv", week2)))
    assert "2 new rows of this file have the name and account of deals imported from Salesforce with" in err
    assert "'Kassensystem' (#1), 'Wartung' (#2)" in err and "Export the report with its id column" in err
    assert store.deals.count() == 2


def test_a_cell_merged_down_a_workbook_holds_its_value_on_every_row_it_covers(
    store: Store, capsys, tmp_path: Path
) -> None:
    """A company merged over its two deals' rows: read as stored, the second deal came in
    with no company, and a stage merged the same way was asked about as '(empty)'."""
    import xlsxwriter

    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Deals")
    sheet.merge_range(0, 0, 0, 3, "Opportunities export")  # a title across the columns: left as it is
    sheet.write_row(1, 0, ["Title", "Company", "Stage", "Value"])
    sheet.write_row(2, 0, ["Alpha", "", "", 5000])
    sheet.write_row(3, 0, ["Beta", "", "", 750])
    sheet.merge_range(2, 1, 3, 1, "Acme GmbH")
    sheet.merge_range(2, 2, 3, 2, "Proposal")
    book.close()
    ok(capsys, "import", str(path), "--column", "title=Title", "--column", "company=Company",
       "--column", "stage=Stage", "--column", "value=Value")  # fmt: skip
    got = deals(store)
    assert (got["Alpha"].company, got["Beta"].company) == ("Acme GmbH", "Acme GmbH")
    assert placed(store) == {"Alpha": "Proposal", "Beta": "Proposal"}

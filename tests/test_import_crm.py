"""Real CRM exports come in right (issue 11), on small files built like the real exports
(tests/fixtures/crm/): a Salesforce report with its footer, re-imports that update instead
of duplicating, currency columns, deleted rows, stage names, dates and amounts as
spreadsheets write them, --column for any CRM, money per currency."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock

from pipeline_tui import importer
from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.errors import InputError
from pipeline_tui.importer.reasons import competitor_in, match_reason
from pipeline_tui.importer.table import split_footer
from pipeline_tui.importer.values import parse_day, parse_moment
from pipeline_tui.models import EventKind, StageKind, WinInput
from pipeline_tui.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "crm"
T = ["--today", TODAY.isoformat()]
# hubspot_deals.csv holds a deal of a second pipeline ("Renewals") whose stage is the team's
# own, not one of HubSpot's standard stages: the import asks where it goes.
RENEWAL = ("--map", "Renewal Negotiation=Negotiation")
RENEWAL_MAP = {"Renewal Negotiation": "Negotiation"}


def fixture(tmp_path: Path, name: str) -> Path:
    """A copy of a fixture the test may change."""
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, *T])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = cli(capsys, *argv)
    assert code == 0, err
    return out


def rewrite(path: Path, change: dict[tuple[int, str], str], *, drop: set[int] | None = None) -> None:
    """Change cells of a CSV file: {(data row index, header): new value}."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    for (index, column), value in change.items():
        rows[index + 1][header.index(column)] = value
    rows = [r for i, r in enumerate(rows) if i - 1 not in (drop or set())]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def by_title(store: Store) -> dict[str, object]:
    return {d.title: d for d in store.deals.all(archived=None)}


def stage_of(store: Store, title: str) -> str:
    return store.shape.stage(by_title(store)[title].stage_id).name  # type: ignore[attr-defined]


# ------------------------------------------------------------ 1. the footer


def test_a_salesforce_report_imports_with_its_footer(store: Store, capsys, tmp_path: Path) -> None:
    path = FIXTURES / "salesforce_report.csv"
    assert "Copyright (c) 2000-2024 salesforce.com" in path.read_text(encoding="utf-8")
    out = ok(capsys, "import", str(path))
    assert "salesforce export, 5 rows (a footer of 5 lines left out)" in out
    assert "Imported 5 deals." in out
    assert store.deals.count() == 5


def test_a_short_row_in_the_middle_is_still_an_error(store: Store, capsys, tmp_path: Path) -> None:
    path = fixture(tmp_path, "salesforce_report.csv")
    lines = path.read_bytes().decode().split("\r\n")
    lines.insert(3, '"Ana Okafor","Cut short"')
    path.write_bytes("\r\n".join(lines).encode())
    code, _, err = cli(capsys, "import", str(path))
    assert code == 1
    assert "Row 4 has 2 cells but the header has 15" in err
    assert store.deals.count() == 0


def test_trailing_short_rows_without_footer_text_are_an_error(store: Store, capsys, tmp_path: Path) -> None:
    path = fixture(tmp_path, "salesforce_report.csv")
    text = path.read_bytes().decode()
    path.write_bytes((text[: text.index('\r\n""\r\n') + 2] + '"Ana Okafor","Half a row"\r\n').encode())
    code, _, err = cli(capsys, "import", str(path))
    assert code == 1 and "Row 8 has 2 cells" in err


def test_footer_rules() -> None:
    rows = [(2, ["a", "b", "c"]), (3, ["d", "e", "f"])]
    footer = [(5, ["Report title"]), (6, ["Confidential Information - Do Not Distribute"])]
    assert split_footer(3, rows + footer) == (
        rows,
        ("Report title", "Confidential Information - Do Not Distribute"),
    )
    assert split_footer(3, rows + [(5, ["just text"])]) == (rows + [(5, ["just text"])], ())
    cut = [(5, ["Ana", "cut short"]), *footer]  # a data row cut short is no footer line
    assert split_footer(3, rows + cut) == (rows + cut[:1], tuple(f[1][0] for f in footer))
    # A footer-like line before more data is not a footer.
    middle = [*rows[:1], (3, ["Copyright"]), *rows[1:]]
    assert split_footer(3, middle) == (middle, ())


# ----------------------------------------------- 2. re-imports update, never duplicate


def next_week_salesforce(tmp_path: Path) -> Path:
    """The same Salesforce report a week later: a stage moved, an amount and a close date
    changed, one deal lost."""
    path = fixture(tmp_path, "salesforce_report.csv")
    text = path.read_text(encoding="utf-8")
    text = text.replace('"Id. Decision Makers","Q3-2024","USD","1.00","60","40"',
                        '"Negotiation/Review","Q3-2024","USD","2,000.00","90","47"')  # fmt: skip
    text = text.replace(
        '"Perception Analysis","Q3-2024","USD","48,000.00"',
        '"Perception Analysis","Q3-2024","USD","52,000.00"',
    )
    text = text.replace('"30/09/2024","18/06/2024"', '"31/10/2024","18/06/2024"')
    text = text.replace(
        '"Ana Okafor","Hooli","Hooli - Platform","Closed Won"',
        '"Ana Okafor","Hooli","Hooli - Platform","Closed Won"',
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_reimporting_an_export_without_ids_updates_and_keeps_the_sellers_work(
    store: Store, clock: Clock, capsys, tmp_path: Path
) -> None:
    ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"))
    deals = by_title(store)
    globex = deals["Globex - Upgrade"]
    clock.advance(days=2)
    ops.edit(store, [globex.id], {"value": 5_000_000})  # the seller's own number
    later = next_week_salesforce(tmp_path)

    out = ok(capsys, "import", str(later), "--dry-run")
    assert "Already imported: 2 unchanged, 2 updated, 1 conflicts." in out
    assert "Acme Corp - 200 Widgets: amount $1 → $2,000; stage Proposal → Negotiation" in out
    assert "Müller GmbH - Plattform: close date 2024-09-30 → 2024-10-31" in out
    assert "Globex - Upgrade: amount: yours $50,000, file $52,000" in out
    assert "would import 0 deals, update 2" in out
    assert store.deals.count() == 5

    clock.advance(days=1)
    out = ok(capsys, "import", str(later))
    assert "Imported 0 deals. Updated 2." in out
    assert store.deals.count() == 5  # nothing duplicated
    deals = by_title(store)
    acme = deals["Acme Corp - 200 Widgets"]
    assert (store.shape.stage(acme.stage_id).name, acme.value) == ("Negotiation", 200_000)
    assert deals["Müller GmbH - Plattform"].expected_close == date(2024, 10, 31)
    assert deals["Globex - Upgrade"].value == 5_000_000  # the seller's change won
    kinds = [e.kind for e in store.deals.timeline(acme.id)]
    assert kinds[-2:] == [EventKind.UPDATED, EventKind.MOVED]
    # Importing the same file again changes nothing, and the conflict is not raised again.
    out = ok(capsys, "import", str(later))
    assert "Already imported: 5 unchanged, 0 updated, 0 conflicts." in out
    assert "Total value of new deals" not in out  # no new deals: no "$0" total
    assert store.deals.count() == 5


def test_prefer_file_takes_the_crms_value(store: Store, clock: Clock, capsys, tmp_path: Path) -> None:
    ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"))
    globex = by_title(store)["Globex - Upgrade"]
    ops.edit(store, [globex.id], {"value": 5_000_000})
    ok(capsys, "import", str(next_week_salesforce(tmp_path)), "--prefer", "file")
    assert by_title(store)["Globex - Upgrade"].value == 5_200_000  # type: ignore[attr-defined]


def test_a_crm_stage_move_to_lost_records_the_loss(store: Store, capsys, tmp_path: Path) -> None:
    ok(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), *RENEWAL)
    path = fixture(tmp_path, "hubspot_deals.csv")
    rewrite(path, {(0, "Deal Stage"): "Closed Lost", (0, "Closed lost reason"): "Lost to Acme Analytics"})
    ok(capsys, "import", str(path))  # the --map of the first import is remembered
    deal = by_title(store)["Platform licence"]
    assert store.shape.stage(deal.stage_id).kind is StageKind.LOST  # type: ignore[attr-defined]
    assert deal.competitor == "Acme Analytics"  # type: ignore[attr-defined]
    assert store.shape.stage(deal.lost_at_stage_id).name == "Lead"  # type: ignore[attr-defined]
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.LOST  # type: ignore[attr-defined]
    assert store.deals.count() == 3


def test_undo_puts_back_what_a_reimport_changed(store: Store, clock: Clock, capsys, tmp_path: Path) -> None:
    ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"))
    before = {d.id: (d.stage_id, d.value, d.expected_close) for d in store.deals.all()}
    clock.advance(days=1)
    ok(capsys, "import", str(next_week_salesforce(tmp_path)))
    acme = by_title(store)["Acme Corp - 200 Widgets"]
    clock.advance(hours=1)
    ops.note(store, [acme.id], "Called the CFO")  # the seller's own work since
    # Undo the note first (it is the latest change), then the import.
    ops.undo(store)
    done = ops.undo(store)
    assert "Undid: Imported" in done.message
    after = {d.id: (d.stage_id, d.value, d.expected_close) for d in store.deals.all()}
    assert after == before
    # The CRM's values as imported before are back: importing again finds the changes again.
    out = ok(capsys, "import", str(next_week_salesforce(tmp_path)), "--dry-run")
    assert "3 updated" in out


def test_undo_of_an_update_keeps_what_changed_since(
    store: Store, clock: Clock, capsys, tmp_path: Path
) -> None:
    ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"))
    ok(capsys, "import", str(next_week_salesforce(tmp_path)))
    acme = by_title(store)["Acme Corp - 200 Widgets"]
    store.conn.origin = "other"  # another session changes the deal's value since
    ops.edit(store, [acme.id], {"value": 300_000})
    store.conn.origin = "cli"
    ops.undo(store, origin="cli")
    acme = by_title(store)["Acme Corp - 200 Widgets"]
    assert acme.value == 300_000  # type: ignore[attr-defined]  # changed since: kept
    assert store.shape.stage(acme.stage_id).name == "Proposal"  # type: ignore[attr-defined]  # the move went back


def test_exports_with_ids_update_too(store: Store, clock: Clock, capsys, tmp_path: Path) -> None:
    ok(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), *RENEWAL)
    path = fixture(tmp_path, "hubspot_deals.csv")
    rewrite(path, {(0, "Amount"): "15000", (0, "Deal Name"): "Platform licence (3 years)"})
    out = ok(capsys, "import", str(path))
    assert "Updated 1." in out
    deal = next(d for d in store.deals.all() if d.source_id == "18001")
    assert (deal.title, deal.value) == ("Platform licence (3 years)", 1_500_000)
    assert store.deals.count() == 3


def test_rows_seen_twice_count_once_and_two_same_named_deals_stay_two(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        "Opportunity Name,Account Name,Stage,Amount,Created Date\r\n"
        "Seats,Acme,Prospecting,100,2024-06-01\r\nSeats,Acme,Prospecting,200,2024-06-01\r\n",
        encoding="utf-8",
    )
    assert builders.import_file(store, path).imported == 2
    result = builders.import_file(store, path)
    assert (result.imported, result.updated, result.skipped_existing) == (0, 0, 2)
    assert sorted(d.value for d in store.deals.all()) == [10_000, 20_000]


# --------------------------------------------------------------- 3. currencies


@pytest.mark.parametrize(
    ("name", "title", "currency", "value"),
    [
        ("salesforce_report.csv", "Müller GmbH - Plattform", "EUR", 3_000_000),
        ("salesforce_report.csv", "Initech - Licences", "GBP", 950_000),
        ("hubspot_deals.csv", "Support renewal 2025", "EUR", 3_000_000),
        ("pipedrive_deals.csv", "SEO retainer", "GBP", 240_000),
        ("zoho_deals.csv", "Intranet upgrade", "USD", 880_000),
        ("freshsales_deals.csv", "Loyalty app", "INR", 2_400_000),
        ("odoo_opportunities.csv", "Office furniture", "EUR", 1_400_000),
        ("dynamics_opportunities.csv", "Contoso ERP rollout", "USD", 12_500_000),
        ("close_opportunities.csv", "Bluth Company", "USD", 250_000),
    ],
)
def test_currency_columns_are_read(store: Store, name: str, title: str, currency: str, value: int) -> None:
    builders.import_file(store, FIXTURES / name, stage_overrides=RENEWAL_MAP)
    deal = by_title(store)[title]
    assert (deal.currency, deal.value) == (currency, value)  # type: ignore[attr-defined]


# ----------------------------------------------------------- 4. deleted rows


@pytest.mark.parametrize(
    ("name", "gone"), [("pipedrive_deals.csv", "Old duplicate"), ("hubspot_deals.csv", "Test deal - ignore")]
)
def test_deleted_and_archived_rows_are_skipped_and_counted(
    store: Store, capsys, name: str, gone: str
) -> None:
    out = ok(capsys, "import", str(FIXTURES / name), *RENEWAL)
    assert "Skipped: 1 deleted or archived rows." in out
    assert gone not in by_title(store)


def test_salesforce_isdeleted_rows_are_skipped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "opps.csv"
    path.write_text(
        "Id,Opportunity Name,StageName,Stage,Amount,IsDeleted\r\n"
        "006A,Kept,Prospecting,Prospecting,1,false\r\n"
        "006B,Gone,Prospecting,Prospecting,1,true\r\n",
        encoding="utf-8",
    )
    plan = importer.plan_import(store, path)
    assert ([r.title for r in plan.rows], plan.skipped_deleted) == (["Kept"], 1)


# ------------------------------------------------------------------ 5. stages


def test_a_stage_value_nothing_places_is_asked_not_guessed(store: Store, capsys, tmp_path: Path) -> None:
    """A team's own stage names are not placed by a word they contain ("Renewal Negotiation"
    was once put in Negotiation, "Renewal" in Lead): the import stops and asks, with each
    value's row count and a line to paste, and writes nothing."""
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Record ID,Deal Name,Deal Stage,Amount\r\n"
        "1,A,Renewal Negotiation,100\r\n2,B,Renewal,100\r\n3,C,Renewal,100\r\n"
        "4,D,Contract Review,100\r\n5,E,Appointment Scheduled,100\r\n",
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "import", str(path))
    assert code == 1
    assert "3 stage values in 'Deal Stage' are not a stage of this pipeline" in err
    for line in ("'Renewal': 2 rows", "'Renewal Negotiation': 1 row", "'Contract Review': 1 row"):
        assert line in err
    assert (
        "--map 'Renewal=new' --map 'Renewal Negotiation=Negotiation' --map 'Contract Review=Negotiation'"
        in err
    )
    assert "Nothing was imported." in err and store.deals.count() == 0
    maps = (
        "--map",
        "Renewal Negotiation=Negotiation",
        "--map",
        "Renewal=new",
        "--map",
        "Contract Review=Negotiation",
    )
    ok(capsys, "import", str(path), *maps)
    assert {t: stage_of(store, t) for t in "ABCDE"} == {
        "A": "Negotiation", "B": "Renewal", "C": "Renewal", "D": "Negotiation", "E": "Lead"}  # fmt: skip
    assert next(s for s in store.shape.stages() if s.name == "Renewal").is_open


def test_salesforce_standard_stages_map_in_their_order(store: Store) -> None:
    from pipeline_tui.importer.formats import by_name
    from pipeline_tui.importer.stages import StageMap

    standard = ["Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
                "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review"]  # fmt: skip
    stages = store.shape.stages()
    placed = StageMap(stages, by_name("salesforce"), {}, {})
    chosen = [next(s for s in stages if s.id == placed.place(v).stage_id) for v in standard]  # type: ignore[union-attr]
    assert [s.position for s in chosen] == sorted(s.position for s in chosen)
    assert [s.name for s in chosen] == [
        "Lead", "Qualified", "Qualified", "Proposal", "Proposal", "Proposal", "Proposal", "Negotiation",
    ]  # fmt: skip


def test_the_dry_run_table_stays_aligned_for_long_names(store: Store, capsys, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    long_name = "Technical and commercial evaluation by the customer's procurement board"
    path.write_text(f"Deal Name,Deal Stage\r\nA,{long_name}\r\nB,Lead\r\nC,Closed Won\r\n", encoding="utf-8")
    out = ok(capsys, "import", str(path), "--dry-run", "--map", f"{long_name}=Proposal")
    lines = out.split("Stages (override")[1].split("New deals")[0].splitlines()[1:]
    arrows = {line.index(" -> ") for line in lines}
    assert len(lines) == 3 and len(arrows) == 1
    assert "…" in lines[0]


# ------------------------------------------------------------------- 6. dates


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2024-06-30T10:15:00Z", False, datetime(2024, 6, 30, 10, 15, tzinfo=UTC)),
        ("2024-06-30T10:15:00.123000+05:30", False,
         datetime(2024, 6, 30, 10, 15, 0, 123000, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
        ("6/30/2024 10:15 AM", False, datetime(2024, 6, 30, 10, 15)),
        ("6/30/2024 4:40 PM", False, datetime(2024, 6, 30, 16, 40)),
        ("30/06/2024 14:05", True, datetime(2024, 6, 30, 14, 5)),
        ("30.06.2024", False, datetime(2024, 6, 30)),
        ("Jun 30, 2024", False, datetime(2024, 6, 30)),
        ("30 Jun 2024", False, datetime(2024, 6, 30)),
        ("45473", False, datetime(2024, 6, 30)),
        ("45473.5", False, datetime(2024, 6, 30, 12)),
    ],
)  # fmt: skip
def test_dates_as_crms_and_spreadsheets_write_them(text: str, day_first: bool, expected: datetime) -> None:
    assert parse_moment(text, day_first=day_first) == expected


@pytest.mark.parametrize("text", ["2024", "12", "99999", "Junk 30, 2024", "31/31/2024", "6/30/2024 25:00"])
def test_not_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_day(text, day_first=False)


def test_an_excel_serial_is_a_date_only_in_a_date_column(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("Deal Name,Deal Stage,Amount,Close Date\r\n45473,Lead,45473,45473\r\n", encoding="utf-8")
    (row,) = importer.plan_import(store, path).rows
    assert (row.title, row.value, row.expected_close) == ("45473", 4_547_300, date(2024, 6, 30))


def test_ambiguous_dates_say_which_order_was_used(store: Store, capsys, tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(
        "Opportunity Name,Stage,Amount Currency,Amount,Close Date\r\nA,Prospecting,EUR,100,05/06/2024\r\n"
        "B,Prospecting,EUR,100,03/04/2024\r\n",
        encoding="utf-8",
    )
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "read them month first" in out and "If that is wrong, import again with --day-first." in out
    ok(capsys, "import", str(path), "--day-first")
    assert by_title(store)["A"].expected_close == date(2024, 6, 5)  # type: ignore[attr-defined]


def test_dates_that_contradict_each_other_are_refused_naming_two_rows(
    store: Store, capsys, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "Opportunity Name,Stage,Close Date\r\nA,Prospecting,01/02/2024\r\nB,Prospecting,31/01/2024\r\n"
        "C,Prospecting,12/25/2024\r\n",
        encoding="utf-8",
    )
    code, _, err = cli(capsys, "import", str(path))
    assert code == 1
    assert "row 3" in err and "'31/01/2024'" in err and "row 4" in err and "'12/25/2024'" in err
    assert store.deals.count() == 0


# ----------------------------------------------------------------- 7. amounts


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1234.5600000000001", 123_456), ("1.2E+05", 12_000_000), ("1.5e3", 150_000),
     ("0.30000000000000004", 30),
     ("$20,000.00", 2_000_000), ("1.234,50", 123_450)],
)  # fmt: skip
def test_spreadsheet_amounts_are_read(store: Store, tmp_path: Path, text: str, minor: int) -> None:
    path = tmp_path / "amounts.csv"
    path.write_bytes(f'Deal Name,Deal Stage,Amount\r\nA,Lead,"{text}"\r\n'.encode())
    assert importer.plan_import(store, path).rows[0].value == minor


def test_a_value_that_is_not_money_names_row_column_value(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "amounts.csv"
    path.write_text("Deal Name,Deal Stage,Amount\r\nA,Lead,12\r\nB,Lead,call me\r\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^Row 3, column 'Amount': 'call me' is not an amount"):
        importer.plan_import(store, path)


# -------------------------------------------------------- 8. any CRM, --column


@pytest.mark.parametrize(
    ("name", "fmt", "stages"),
    [
        ("zoho_deals.csv", "zoho", {"Intranet upgrade": "Negotiation", "Data warehouse": "Closed Lost"}),
        ("close_opportunities.csv", "close", {"Bluth Company": "Lead", "Dunder Mifflin": "Closed Won"}),
        ("copper_opportunities.csv", "copper",
         {"Fleet tracking": "Proposal", "Warehouse sensors": "Closed Lost", "Phone system": "Closed Lost"}),
        ("freshsales_deals.csv", "freshsales", {"Loyalty app": "Qualified", "CRM rollout": "Closed Lost"}),
        ("odoo_opportunities.csv", "odoo",
         {"Office furniture": "Qualified", "Conference chairs": "Closed Lost", "Desks for HQ": "Closed Won"}),
        ("dynamics_opportunities.csv", "dynamics",
         {"Contoso ERP rollout": "Proposal", "Fabrikam analytics": "Closed Lost"}),
    ],
)  # fmt: skip
def test_other_crm_exports_import(store: Store, capsys, name: str, fmt: str, stages: dict[str, str]) -> None:
    out = ok(capsys, "import", str(FIXTURES / name))
    assert f"{fmt} export" in out
    assert {t: stage_of(store, t) for t in stages} == stages


def test_column_maps_any_csv_and_the_dry_run_shows_it(store: Store, capsys) -> None:
    path = FIXTURES / "custom_sheet.csv"
    code, _, err = cli(capsys, "import", str(path))
    assert code == 1
    for name in ("HubSpot", "Pipedrive", "Salesforce", "Zoho CRM", "Close", "Copper", "Freshsales", "Odoo",
                 "Dynamics 365", "--column"):  # fmt: skip
        assert name in err
    args = ["--column", "title=Projekt", "--column", "company=Kunde", "--column", "stage=Phase",
            "--column", "value=Summe", "--column", "currency=Währung", "--column", "close=Abschluss",
            "--column", "created=Angelegt",
            "--map", "Angebot=Proposal", "--map", "Verhandlung=Negotiation"]  # fmt: skip
    out = ok(capsys, "import", str(path), "--dry-run", *args)
    assert "title        <- 'Projekt' (--column)" in out
    ok(capsys, "import", str(path), *args)
    deal = by_title(store)["Shop-Relaunch"]
    assert (deal.company, deal.value, deal.currency, deal.expected_close) == (  # type: ignore[attr-defined]
        "Müller GmbH",
        1_250_000,
        "EUR",
        date(2024, 9, 30),
    )
    assert stage_of(store, "Wartungsvertrag") == "Negotiation"


def test_column_overrides_a_formats_column(store: Store, tmp_path: Path) -> None:
    path = fixture(tmp_path, "hubspot_deals.csv")
    plan = importer.plan_import(store, path, columns={"company": "Deal owner"}, stage_overrides=RENEWAL_MAP)
    assert {r.company for r in plan.rows} == {"Ana Okafor"}


@pytest.mark.parametrize(
    ("column", "message"), [("owner=Deal owner", "is not a field"), ("title=Nope", "has no such column")]
)
def test_a_bad_column_option_is_one_clear_line(store: Store, capsys, column: str, message: str) -> None:
    code, _, err = cli(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), "--column", column)
    assert code == 1 and message in err and err.count("\n") == 1


# ------------------------------------------------------ 9. money per currency


def test_import_summary_and_json_never_add_currencies(store: Store, capsys, tmp_path: Path) -> None:
    out = ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"), "--dry-run")
    assert "Total value of new deals: $123,001 + €30,000 + £9,500" in out
    assert "Lead              1  €30k" in out
    data = json.loads(ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"), "--dry-run", "--json"))
    assert data["totals"] == {"EUR": "30000.00", "GBP": "9500.00", "USD": "123001.00"}
    assert data["per_stage"]["Lead"] == {"count": 1, "totals": {"EUR": "30000.00"}}
    assert "currency" not in data and "converted" not in data


def test_with_exchange_rates_the_converted_figure_says_so(store: Store, capsys) -> None:
    ok(capsys, "config", "rates", "EUR=1.10,GBP=1.25")
    out = ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"), "--dry-run")
    assert "Total value of new deals: ≈ $167,876 (converted)" in out
    data = json.loads(ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"), "--dry-run", "--json"))
    assert data["converted"] == {"currency": "USD", "value": "167876.00", "rates": True}
    assert data["totals"]["EUR"] == "30000.00"


# -------------------------------------------------------------- 11. competitors


def test_competitors_come_from_the_reason_or_a_competitor_column(
    store: Store, capsys, tmp_path: Path
) -> None:
    out = ok(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), "--dry-run", *RENEWAL)
    assert "Lost to a competitor when the reason says 'competit', 'lost to', 'went with'" in out
    assert "competitors found: 1" in out
    ok(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), *RENEWAL)
    lost = by_title(store)["Analytics add-on"]
    assert lost.competitor == "Salesforce"  # type: ignore[attr-defined]
    assert store.shape.reason(lost.loss_reason_id).label == "Lost to competitor"  # type: ignore[attr-defined]
    path = tmp_path / "report.csv"
    path.write_text(
        "Opportunity Name,Stage,Loss Reason,Main Competitor(s)\r\n"
        "X,Closed Lost,Price,Acme\r\nY,Closed Lost,,Initrode\r\n",
        encoding="utf-8",
    )
    builders.import_file(store, path)
    x, y = by_title(store)["X"], by_title(store)["Y"]
    assert (x.competitor, store.shape.reason(x.loss_reason_id).label) == ("Acme", "Price / budget")  # type: ignore[attr-defined]
    assert (y.competitor, store.shape.reason(y.loss_reason_id).label) == ("Initrode", "Lost to competitor")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Went with a competitor (Salesforce)", "Salesforce"),
        ("Lost to competitor: Acme", "Acme"),
        ("Lost to Acme Corp.", "Acme Corp"),
        ("Went with competitor Gong", "Gong"),
        ("went with the competitor Initrode", "Initrode"),
        ("Chose a rival Zoho", "Zoho"),
        ("Went with a competitor", ""),
        ("Lost to competition", ""),
        ("Went with another vendor", ""),
        ("lost to price", ""),
    ],
)
def test_the_competitor_a_reason_names(text: str, named: str) -> None:
    assert competitor_in(text) == named


def test_lost_to_a_competitor_with_none_named_is_said(store: Store, capsys, tmp_path: Path) -> None:
    """The import says how many losses to a competitor name none (where the command line
    would have asked for one), rather than "competitors found: 0" alone."""
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Record ID,Deal Name,Deal Stage,Amount,Closed Lost Reason\r\n"
        "1,A,Closed Lost,100,Went with a competitor\r\n2,B,Closed Lost,100,Lost to competition\r\n"
        "3,C,Closed Lost,100,Went with competitor Gong\r\n4,D,Closed Lost,100,Price\r\n",
        encoding="utf-8",
    )
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "competitors found: 1." in out
    assert "Lost to a competitor with none named: 2 deals" in out
    data = json.loads(ok(capsys, "import", str(path), "--json"))
    assert (data["competitors_found"], data["competitors_missing"]) == (1, 2)
    assert by_title(store)["C"].competitor == "Gong"  # type: ignore[attr-defined]


# ------------------------------------------------------------ 12. notes to CRMs


def test_notes_go_back_to_each_crm_in_its_own_columns(
    store: Store, clock: Clock, capsys, tmp_path: Path
) -> None:
    ok(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), *RENEWAL)
    ok(capsys, "import", str(FIXTURES / "pipedrive_deals.csv"))
    ok(capsys, "import", str(FIXTURES / "salesforce_report.csv"))
    native = builders.add(store, "Made here")
    for title in ("Platform licence", "Website relaunch", "Acme Corp - 200 Widgets"):
        builders.add_note(store, by_title(store)[title].id, f"Spoke to {title}")  # type: ignore[attr-defined]
    builders.add_note(store, native.id, "Native note")
    rows = list(csv.DictReader(io.StringIO(ok(capsys, "export", "notes"), newline="")))
    assert {(r["title"], r["source"], r["source_id"]) for r in rows if r["kind"] == "note"} >= {
        ("Platform licence", "hubspot", "18001"), ("Website relaunch", "pipedrive", "101"),
        ("Made here", "", ""),
    }  # fmt: skip

    code, out, err = cli(capsys, "export", "notes", "--for", "hubspot")
    assert code == 0
    table = list(csv.reader(io.StringIO(out, newline="")))
    assert table[0] == ["Record ID", "Deal Name", "Activity date", "Note body"]
    assert table[1][:2] == ["18001", "Platform licence"] and table[1][3] == "Spoke to Platform licence"
    assert table[1][2].endswith("Z")
    assert "Left out" in err and "Made here (made here" in err and "Website relaunch (pipedrive" in err

    out = ok(capsys, "export", "notes", "--for", "pipedrive")
    table = list(csv.reader(io.StringIO(out, newline="")))
    assert table[0] == ["Deal - ID", "Deal - Title", "Note - Content"]
    assert table[1][:2] == ["101", "Website relaunch"] and table[1][2].endswith("Spoke to Website relaunch")

    # The Salesforce report had no Opportunity IDs: those deals are listed, not dropped silently.
    code, out, err = cli(capsys, "export", "notes", "--for", "salesforce")
    table = list(csv.reader(io.StringIO(out, newline="")))
    assert table == [["WhatId", "Subject", "Description", "ActivityDate", "Status"]]
    assert "Acme Corp - 200 Widgets (salesforce export without record ids" in err


def test_salesforce_notes_with_opportunity_ids(store: Store, capsys, tmp_path: Path) -> None:
    path = tmp_path / "opps.csv"
    path.write_text(
        "Opportunity ID,Opportunity Name,Stage\r\n0065g00000AbCdE,Big deal,Prospecting\r\n", encoding="utf-8"
    )
    builders.import_file(store, path)
    builders.add_note(store, by_title(store)["Big deal"].id, "Demo went well\nsecond line")  # type: ignore[attr-defined]
    table = list(csv.reader(io.StringIO(ok(capsys, "export", "notes", "--for", "salesforce"), newline="")))
    # The report's 15-character id is written in its 18-character form, which every
    # Salesforce import takes and which is the same record.
    assert table[1] == ["0065g00000AbCdEAAV", "Note: Demo went well", "Demo went well\nsecond line",
                        "2026-11-24",
                        "Completed"]  # fmt: skip


def test_notes_for_needs_notes(capsys) -> None:
    code, _, err = cli(capsys, "export", "deals", "--for", "hubspot")
    assert code == 1 and "--for" in err


def test_a_crm_move_out_of_won_clears_the_win_and_keeps_it_in_the_timeline(
    store: Store, capsys, tmp_path: Path
) -> None:
    """As on the board: a won deal the CRM reopens loses its won reason and note, and the
    move's entry keeps them ("was won: …")."""
    ok(capsys, "import", str(FIXTURES / "hubspot_deals.csv"), *RENEWAL)
    path = fixture(tmp_path, "hubspot_deals.csv")
    rewrite(path, {(0, "Deal Stage"): "Closed Won"})
    ok(capsys, "import", str(path))
    deal = by_title(store)["Platform licence"]
    relationship = store.shape.find_won_reason("Relationship").id
    ops.fill_win(store, [deal.id], WinInput(relationship, note="Champion pushed"))  # type: ignore[attr-defined]
    rewrite(path, {(0, "Deal Stage"): "Contract Sent"})
    ok(capsys, "import", str(path))
    back = store.deals.get(deal.id)  # type: ignore[attr-defined]
    assert store.shape.stage(back.stage_id).kind is StageKind.OPEN
    assert (back.won_reason_id, back.won_note, back.closed_at) == (None, "", None)
    entry = store.deals.timeline(back.id)[-1]
    assert entry.kind is EventKind.REOPENED
    assert entry.data["previous_win"] == {
        "reason": "Relationship / champion",
        "reason_id": relationship,
        "competitor": "",
        "note": "Champion pushed",
    }


def test_hubspots_closed_won_reason_names_a_won_reason_or_is_kept_as_the_note(
    store: Store, capsys, tmp_path: Path
) -> None:
    """HubSpot's Closed Won Reason is free text: one that names a won reason of the seller's
    sets it; any other is kept word for word as the win's note, never made a reason."""
    path = tmp_path / "hubspot-won.csv"
    path.write_text(
        "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Closed Won Reason\n"
        "1,Named reason,Closed Won,Sales Pipeline,1000,2026-10-01,2026-09-01,relationship / CHAMPION\n"
        "2,Free text,Closed Won,Sales Pipeline,2000,2026-10-02,2026-09-01,They loved the demo\n"
        "3,Open one,Appointment Scheduled,Sales Pipeline,3000,2026-12-01,2026-09-01,Not won yet\n",
        encoding="utf-8",
    )
    reasons_before = [r.label for r in store.shape.won_reasons(include_archived=True)]
    ok(capsys, "import", str(path))
    deals = by_title(store)
    named, free, still_open = deals["Named reason"], deals["Free text"], deals["Open one"]
    assert named.won_reason_id == store.shape.find_won_reason("Relationship").id  # type: ignore[attr-defined]
    assert (free.won_reason_id, free.won_note) == (None, "They loved the demo")  # type: ignore[attr-defined]
    assert (still_open.won_reason_id, still_open.won_note) == (None, "")  # type: ignore[attr-defined]
    assert [r.label for r in store.shape.won_reasons(include_archived=True)] == reasons_before


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Preis zu hoch; Wettbewerber günstiger", "Price / budget"),
        ("Trop cher pour eux", "Price / budget"),
        ("Precio demasiado alto", "Price / budget"),
        ("Orçamento cortado", "Price / budget"),
        ("Te duur", "Price / budget"),
        ("Prezzo fuori budget", "Price / budget"),
        ("An Wettbewerber verloren", "Lost to competitor"),
        ("Choisi un concurrent", "Lost to competitor"),
        ("Eligió un competidor", "Lost to competitor"),
        ("Keine Entscheidung getroffen", "No decision / went dark"),
        ("Le client cherche encore", "Other"),  # 'cherche' is no price
        ("Duurzaamheid ontbrak", "Other"),  # nor is 'duurzaam'
    ],
)
def test_loss_reasons_in_the_languages_crms_export_in(store: Store, text: str, label: str) -> None:
    """A loss reason typed in German, French, Spanish, Portuguese, Dutch or Italian lands on
    the same reason as in English (the text kept as the note); words match at a word start."""
    reason, note = match_reason(text, store.shape.reasons())
    assert reason is not None and reason.label == label
    assert note == f"Imported loss reason: {text}"

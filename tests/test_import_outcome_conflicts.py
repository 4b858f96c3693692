"""An outcome stated two ways is never settled quietly: a stage named won or lost that a
status column or Salesforce's IsWon / IsClosed contradicts is refused, naming the row, both
columns, both values and the --map line that lets the outcome columns decide; a loss reason
on a deal an outcome column says is won or open is said in the dry run. A stage value that
reads closed is offered its endpoint, never an open stage; `=new` says what it makes; a
re-import whose outcome columns now say closed moves the deal. Files shaped as the real
exports (Salesforce report and Data Loader, Pipedrive, Copper, Freshsales, a sheet with a
Status column), written into tmp_path."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from test_import_exports import cli, ok

from pipeline_tui.models import StageKind
from pipeline_tui.store import Store

DATA_LOADER = (
    "Id",
    "Name",
    "StageName",
    "Amount",
    "CurrencyIsoCode",
    "CloseDate",
    "IsClosed",
    "IsWon",
    "Account.Name",
    "CreatedDate",
)
REPORT = (
    "Opportunity Name",
    "Account Name",
    "Stage",
    "Amount",
    "Close Date",
    "Created Date",
    "Opportunity ID",
    "Opportunity Owner",
)
PIPEDRIVE = (
    "Deal - ID",
    "Deal - Title",
    "Deal - Value",
    "Deal - Currency",
    "Deal - Organization",
    "Deal - Stage",
    "Deal - Status",
    "Deal - Deal created",
    "Deal - Lost reason",
)
COPPER = (
    "Name",
    "Company",
    "Primary Contact",
    "Pipeline",
    "Stage",
    "Status",
    "Value",
    "Currency",
    "Win Probability",
    "Close Date",
    "Loss Reason",
    "Priority",
    "Owner",
    "Date Created",
    "Tags",
)
FRESHSALES = (
    "Id",
    "Name",
    "Deal value",
    "Currency",
    "Deal pipeline",
    "Deal stage",
    "Probability (%)",
    "Expected close date",
    "Closed date",
    "Sales account",
    "Contacts",
    "Owner",
    "Lost reason",
    "Created at",
    "Updated at",
)
SHEET = ("Deal", "Stage", "Status", "Value", "Lost reason")
SHEET_COLUMNS = (
    "--column",
    "title=Deal",
    "--column",
    "stage=Stage",
    "--column",
    "status=Status",
    "--column",
    "value=Value",
    "--column",
    "lost_reason=Lost reason",
)


def write(
    path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]], *, quote_all: bool = False
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(
            f, lineterminator="\r\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        )
        writer.writerow(header)
        writer.writerows(rows)
    return path


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = cli(capsys, *argv)
    assert code == 1, out
    assert "Traceback" not in err
    return err


def kinds(store: Store) -> dict[str, StageKind]:
    return {d.title: store.shape.stage(d.stage_id).kind for d in store.deals.all(archived=None)}


def stages(store: Store) -> dict[str, str]:
    return {d.title: store.shape.stage(d.stage_id).name for d in store.deals.all(archived=None)}


def dl_row(sid: str, name: str, stage: str, closed: str, won: str) -> tuple[str, ...]:
    return (sid, name, stage, "1000.0", "USD", "2026-03-14", closed, won, "Acme", "2026-01-06T09:15:02.000Z")


# ------------------------------------------------------------ stage name against status / flags


def test_a_closed_lost_stage_with_a_won_status_is_refused_with_the_map_that_settles_it(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv",
        SHEET,
        [("X1", "Closed Lost", "Won", "100", ""), ("X2", "Closed Won", "Lost", "200", "")],
    )
    err = refused(capsys, "import", str(path), *SHEET_COLUMNS, "--dry-run")
    assert "Row 2:" in err and "'Stage' 'Closed Lost' (lost)" in err and "Status 'Won' (won)" in err
    assert "Correct the row in the file" in err
    assert "--map 'Closed Lost=Closed Won'" in err and "let 'Status' decide" in err
    assert store.deals.count() == 0
    # The line pasted (and its twin for row 3): the Status column decides.
    err = refused(capsys, "import", str(path), *SHEET_COLUMNS, "--map", "Closed Lost=Closed Won")
    assert "Row 3:" in err and "--map 'Closed Won=Closed Lost'" in err
    ok(
        capsys,
        "import",
        str(path),
        *SHEET_COLUMNS,
        "--map",
        "Closed Lost=Closed Won",
        "--map",
        "Closed Won=Closed Lost",
    )
    assert kinds(store) == {"X1": StageKind.WON, "X2": StageKind.LOST}


def test_a_closed_stage_with_an_open_status_is_refused_too(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Even: the other way round (a closed stage, an open status) stops the import as well."""
    path = write(tmp_path / "deals.csv", SHEET, [("X1", "Closed Won", "Open", "100", "")])
    err = refused(capsys, "import", str(path), *SHEET_COLUMNS)
    assert "'Closed Won': 1 row (Status 'Open')" in err and "--map 'Closed Won=Lead'" in err
    assert store.deals.count() == 0


def test_data_loader_stage_name_against_iswon_is_refused(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "extract.csv",
        DATA_LOADER,
        [dl_row("0065g00000CnFlCAAR", "Conflict", "Closed Lost", "true", "true")],
        quote_all=True,
    )
    err = refused(capsys, "import", str(path), "--dry-run")
    assert "Row 2:" in err and "'StageName' 'Closed Lost' (lost)" in err and "IsWon = yes (won)" in err
    assert "--map 'Closed Lost=Closed Won'" in err
    path = write(
        tmp_path / "extract.csv",
        DATA_LOADER,
        [dl_row("0065g00000CnFlCAAR", "Conflict", "Closed Won", "true", "false")],
        quote_all=True,
    )
    err = refused(capsys, "import", str(path), "--dry-run")
    assert "'StageName' 'Closed Won' (won)" in err and "IsClosed = yes, IsWon = no (lost)" in err
    assert "let 'IsClosed' / 'IsWon' decide" in err and "--map 'Closed Won=Closed Lost'" in err
    assert store.deals.count() == 0


def test_data_loader_flags_that_agree_with_the_stage_import(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No false alarm: flags that say what the stage says, and an open stage name on a closed
    deal (a stage the org made closed: its flags say so)."""
    path = write(
        tmp_path / "extract.csv",
        DATA_LOADER,
        [
            dl_row("0065g00000CnFlCAAR", "Won one", "Closed Won", "true", "true"),
            dl_row("0065g00000CnFlDAAR", "Lost one", "Closed Lost", "true", "false"),
            dl_row("0065g00000CnFlEAAR", "Open one", "Prospecting", "false", "false"),
        ],
        quote_all=True,
    )
    ok(capsys, "import", str(path))
    assert kinds(store) == {"Won one": StageKind.WON, "Lost one": StageKind.LOST, "Open one": StageKind.OPEN}


def test_pipedrive_stage_named_won_with_status_lost_is_refused(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv",
        PIPEDRIVE,
        [
            ("7", "Rollout", "4800", "EUR", "Hafen AG", "Closed Won", "Lost", "2026-01-06 09:15:02", "Price"),
        ],
    )
    err = refused(capsys, "import", str(path))
    assert (
        "Row 2:" in err
        and "'Deal - Stage' 'Closed Won' (won)" in err
        and "Deal - Status 'Lost' (lost)" in err
    )
    assert "--map 'Closed Won=Closed Lost'" in err
    assert store.deals.count() == 0


def test_a_status_against_a_flag_is_refused_naming_both(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv", ("Deal", "Stage", "Status", "Won"), [("X1", "Proposal", "Lost", "yes")]
    )
    err = refused(
        capsys,
        "import",
        str(path),
        "--column",
        "title=Deal",
        "--column",
        "stage=Stage",
        "--column",
        "status=Status",
        "--column",
        "won=Won",
    )
    assert "Row 2:" in err and "Status 'Lost' (lost)" in err and "Won = yes (won)" in err
    assert "Correct the row in the file" in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------ weaker signals: said, never silent


def test_a_loss_reason_on_an_open_or_won_deal_is_said_with_its_rows(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv",
        SHEET,
        [
            ("X1", "Proposal", "Won", "100", "Price"),
            ("X2", "Negotiation", "Open", "200", "Timing"),
            ("X3", "Negotiation", "Open", "300", "Timing"),
            ("X4", "Negotiation", "Lost", "400", "Timing"),
        ],
    )
    out = ok(capsys, "import", str(path), *SHEET_COLUMNS, "--dry-run")
    assert "1 row (row 2) has 'Lost reason' filled in, but Status 'Won' says won: it is imported won" in out
    assert "2 rows (rows 3, 4) have 'Lost reason' filled in, but Status 'Open' says open" in out
    assert "the outcome column decides" in out
    ok(capsys, "import", str(path), *SHEET_COLUMNS)
    assert kinds(store) == {
        "X1": StageKind.WON,
        "X2": StageKind.OPEN,
        "X3": StageKind.OPEN,
        "X4": StageKind.LOST,
    }


def test_copper_open_with_a_loss_reason_is_said(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "opportunities.csv",
        COPPER,
        [
            (
                "Pet spa",
                "Peterman",
                "J Peterman",
                "Sales",
                "Qualified",
                "Open",
                "5000",
                "USD",
                "20",
                "6/15/2026",
                "Price",
                "Low",
                "Ana Okafor",
                "1/3/2026",
                "",
            ),
        ],
    )
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "copper" in out.lower()
    assert "1 row (row 2) has 'Loss Reason' filled in, but Status 'Open' says open" in out


def test_freshsales_won_stage_with_a_lost_reason_is_said(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "deals.csv",
        FRESHSALES,
        [
            (
                "16000999001",
                "Two-way",
                "24000",
                "INR",
                "Default Pipeline",
                "Won",
                "100",
                "30 Mar 2026",
                "30 Mar 2026",
                "Tata",
                "Ratan",
                "Ana",
                "Budget cut",
                "2026-01-01T10:15:00+05:30",
                "2026-03-30T10:15:00+05:30",
            ),
        ],
    )
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "1 row (row 2) has 'Lost reason' filled in, but stage 'Won' says won: it is imported won" in out


# ------------------------------------------------------------ a stage value nothing places


def test_an_unknown_stage_that_reads_closed_is_offered_its_endpoint(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "report.csv",
        REPORT,
        [
            (
                "Acme - Renewal",
                "Acme Corp",
                "Closed Won",
                "$48,000.00",
                "3/14/2026",
                "1/6/2026",
                "0065g00000AbCdE",
                "Dana",
            ),
            (
                "Globex - Pilot",
                "Globex GmbH",
                "Closed - Disqualified",
                "$12,500.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdE",
                "Dana",
            ),
            (
                "Initech - Renewal",
                "Initech",
                "Verloren - kein Budget",
                "$1,000.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdF",
                "Dana",
            ),
            (
                "Hooli - Deal",
                "Hooli",
                "Gewonnen (Rahmenvertrag)",
                "$1,000.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdG",
                "Dana",
            ),
            (
                "Umbrella - Call",
                "Umbrella",
                "Closed",
                "$1,000.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdH",
                "Dana",
            ),
        ],
        quote_all=True,
    )
    err = refused(capsys, "import", str(path))
    assert "does not say whether those deals are won or lost" in err
    assert "--map 'Closed - Disqualified=Closed Lost'" in err
    assert "--map 'Verloren - kein Budget=Closed Lost'" in err
    assert "--map 'Gewonnen (Rahmenvertrag)=Closed Won'" in err
    assert "'Closed - Disqualified': 1 row (reads lost: offered Closed Lost)" in err
    assert "'Closed': 1 row (reads closed, without saying won or lost: offered Closed Lost" in err
    assert "new to make it a new open stage, after Negotiation: its deals stay open" in err
    assert "=new" not in err
    ok(
        capsys,
        "import",
        str(path),
        "--map",
        "Closed - Disqualified=Closed Lost",
        "--map",
        "Verloren - kein Budget=Closed Lost",
        "--map",
        "Gewonnen (Rahmenvertrag)=Closed Won",
        "--map",
        "Closed=Closed Lost",
    )
    assert kinds(store)["Globex - Pilot"] is StageKind.LOST
    assert kinds(store)["Hooli - Deal"] is StageKind.WON
    assert "Closed - Disqualified" not in [s.name for s in store.shape.stages()]


def test_open_deals_at_an_unknown_stage_are_asked_where_not_whether_won(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Pipedrive status says Open: the question is only at which stage, and the line offered
    is an open stage, even for a name that reads closed."""
    path = write(
        tmp_path / "deals.csv",
        PIPEDRIVE,
        [
            ("1", "A", "100", "EUR", "Org", "Onboarding call", "Open", "2026-01-06 09:15:02", ""),
            ("2", "B", "100", "EUR", "Org", "Lost in limbo", "Open", "2026-01-06 09:15:02", ""),
        ],
    )
    err = refused(capsys, "import", str(path))
    assert "won or lost" not in err
    assert "the file says those deals are open, but not at which of your stages" in err
    assert "'Onboarding call': 1 row (Deal - Status 'Open')" in err
    assert "--map 'Lost in limbo=Lead'" in err


def test_a_new_stage_says_its_kind_and_warns_when_its_name_reads_closed(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "report.csv",
        REPORT,
        [
            (
                "Globex - Pilot",
                "Globex GmbH",
                "Closed - Disqualified",
                "$12,500.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdE",
                "Dana",
            ),
            (
                "Acme - Pilot",
                "Acme",
                "Renewal",
                "$1,500.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdF",
                "Dana",
            ),
        ],
        quote_all=True,
    )
    out = ok(
        capsys, "import", str(path), "--map", "Closed - Disqualified=new", "--map", "Renewal=new", "--dry-run"
    )
    assert "--map …=new: a new open stage" in out
    assert (
        "Stages made by the import: 'Closed - Disqualified' (open stage, after Negotiation), "
        "'Renewal' (open stage, after Negotiation)." in out
    )
    assert "'Closed - Disqualified' reads closed, but --map …=new makes it an open stage" in out
    assert "--map 'Closed - Disqualified=Closed Lost' instead" in out
    assert "'Renewal' reads closed" not in out


# ------------------------------------------------------------ a re-import whose flags now say closed


def test_a_reimport_whose_flags_say_closed_moves_a_deal_a_remembered_map_left_open(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The report (no flags) with its value made an open stage; the Data Loader extract of the
    same opportunities (18-character ids) says IsClosed, not IsWon: the deal is lost now."""
    report = write(
        tmp_path / "report.csv",
        REPORT,
        [
            (
                "Globex - Pilot",
                "Globex GmbH",
                "Closed - Disqualified",
                "$12,500.00",
                "2/28/2026",
                "1/10/2026",
                "0065g00000ABcdE",
                "Dana",
            ),
            (
                "Umbrella - Discovery",
                "Umbrella Ltd",
                "Prospecting",
                "$0.00",
                "5/31/2026",
                "3/12/2026",
                "0065g00000Uv8wX",
                "Marco",
            ),
        ],
        quote_all=True,
    )
    ok(capsys, "import", str(report), "--map", "Closed - Disqualified=new")
    assert kinds(store)["Globex - Pilot"] is StageKind.OPEN
    extract = write(
        tmp_path / "extract.csv",
        DATA_LOADER,
        [
            (
                "0065g00000ABcdEAAT",
                "Globex - Pilot",
                "Closed - Disqualified",
                "12500.0",
                "USD",
                "2026-02-28",
                "true",
                "false",
                "Globex GmbH",
                "2026-01-10T09:15:02.000Z",
            ),
            (
                "0065g00000Uv8wXAAR",
                "Umbrella - Discovery",
                "Prospecting",
                "0.0",
                "USD",
                "2026-05-31",
                "false",
                "false",
                "Umbrella Ltd",
                "2026-03-12T09:15:02.000Z",
            ),
        ],
        quote_all=True,
    )
    out = ok(capsys, "import", str(extract), "--dry-run")
    assert "Globex - Pilot: stage Closed - Disqualified → Closed Lost" in out
    assert "1 unchanged, 1 updated, 0 conflicts" in out
    ok(capsys, "import", str(extract))
    assert stages(store) == {"Globex - Pilot": "Closed Lost", "Umbrella - Discovery": "Lead"}
    globex = next(d for d in store.deals.all() if d.title == "Globex - Pilot")
    assert store.shape.stage(globex.lost_at_stage_id).name == "Closed - Disqualified"  # where it was


def test_a_lost_date_on_an_open_pipedrive_deal_is_said(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    header = (*PIPEDRIVE, "Deal - Lost time")
    path = write(
        tmp_path / "deals.csv",
        header,
        [
            (
                "1",
                "Reopened",
                "100",
                "EUR",
                "Org",
                "Proposal Made",
                "Open",
                "2026-01-06 09:15:02",
                "",
                "2026-02-01 10:00:00",
            )
        ],
    )
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "1 row (row 2) has 'Deal - Lost time' filled in, but Deal - Status 'Open' says open" in out


def test_stages_an_own_export_makes_are_said_with_their_kind(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import builders

    builders.add(store, "Platform licence", stage_id="Proposal")
    proposal = next(s for s in store.shape.stages() if s.name == "Proposal")
    builders.rename_stage(store, proposal.id, "Offer sent")
    exported = tmp_path / "deals.csv"
    ok(capsys, "export", "deals", "-o", str(exported))
    out = ok(capsys, "--db", str(tmp_path / "other.db"), "import", str(exported), "--dry-run")
    assert "Stages made by the import: Offer sent (open)." in out


def test_flag_columns_the_import_does_not_know_are_pointed_to(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """HubSpot's closed / won flags under headers the import does not know (their exported
    names in other languages are not documented): the question says how to name them, and
    once named they decide."""
    header = ("Datensatz-ID", "Dealname", "Deal-Phase", "Pipeline", "Betrag", "Währung", "Abschlussdatum",
              "Deal closed (de)", "Deal won (de)")  # fmt: skip
    path = write(
        tmp_path / "deals.csv",
        header,
        [
            (
                "94000000001",
                "Bool de",
                "Verhandlung läuft",
                "Vertriebspipeline",
                "1000",
                "EUR",
                "2026-03-01",
                "Ja",
                "Nein",
            )
        ],  # fmt: skip
    )
    err = refused(capsys, "import", str(path))
    assert "--column won=HEADER --column closed=HEADER (yes / no)" in err
    ok(capsys, "import", str(path), "--column", "closed=Deal closed (de)", "--column", "won=Deal won (de)")
    assert kinds(store) == {"Bool de": StageKind.LOST}


def test_a_deal_reopened_in_pipedrive_is_reopened_though_its_stage_kept_its_name(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A lost Pipedrive deal keeps its stage's name; reopened, only Deal - Status changes: the
    outcome read from it moves the deal, as a changed stage name would."""
    row = ["7", "Rollout", "4800", "EUR", "Hafen AG", "Proposal Made", "Lost", "2026-01-06 09:15:02", "Price"]
    path = write(tmp_path / "deals.csv", PIPEDRIVE, [tuple(row)])
    ok(capsys, "import", str(path))
    assert kinds(store) == {"Rollout": StageKind.LOST}
    row[6], row[8] = "Open", ""
    path = write(tmp_path / "deals.csv", PIPEDRIVE, [tuple(row)])
    out = ok(capsys, "import", str(path), "--dry-run")
    assert "Rollout: stage Closed Lost → Proposal" in out
    ok(capsys, "import", str(path))
    assert stages(store) == {"Rollout": "Proposal"}

"""Stages an import makes (`--map 'VALUE=new'`) exist only once the import writes: until
then the plan names them by a key. What the import stores must name them by their id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_import_exports import ok, write

from pipeline_tui import importer
from pipeline_tui.store import Store

HEADER = ["Opportunity ID", "Opportunity Name", "Account Name", "Stage", "Amount", "Close Date"]
ODDBALL = ["0065g00000AbCdF", "Pilot", "Acme", "Oddball", "200", "2026-06-30"]


def baseline(store: Store, title: str) -> dict[str, object]:
    [(text,)] = store.conn.rows("SELECT crm_baseline FROM deals WHERE title = ?", [title])
    return json.loads(text)


def test_a_deal_in_a_stage_the_import_made_keeps_that_stage_in_its_baseline(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The baseline named the stage by the plan's key (a negative number), so next week's
    same row never read as unchanged."""
    file = write(tmp_path / "report.csv", [HEADER, ODDBALL])
    ok(capsys, "import", str(file), "--map", "Oddball=new")
    made = store.shape.find_stage("Oddball")
    assert baseline(store, "Pilot")["stage_id"] == made.id
    plan = importer.plan_import(store, file)
    assert (plan.unchanged, len(plan.updates)) == (1, 0)


def test_a_reimport_moves_a_deal_into_a_stage_it_makes(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Next week's export has a deal at a stage value nothing places; `=new` makes the
    stage and the deal moves into it (it stopped with a KeyError), undone as a whole."""
    first = ["0065g00000AbCdE", "Seats", "Acme", "Prospecting", "100", "2026-06-30"]
    ok(capsys, "import", str(write(tmp_path / "w1.csv", [HEADER, first])))
    moved = [*first[:3], "Weird", *first[4:]]
    out = ok(capsys, "import", str(write(tmp_path / "w2.csv", [HEADER, moved])), "--map", "Weird=new")
    assert "Updated 1." in out
    weird = store.shape.find_stage("Weird")
    [deal] = [d for d in store.deals.all() if d.title == "Seats"]
    assert deal.stage_id == weird.id and baseline(store, "Seats")["stage_id"] == weird.id
    entry = store.deals.timeline(deal.id)[-1]
    assert (entry.kind.value, entry.to_stage_id) == ("moved", weird.id)
    ok(capsys, "undo")
    assert store.deals.get(deal.id).stage_id != weird.id


def test_answers_are_said_to_be_kept_for_the_crm_a_column_mapped_file_belongs_to(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A sheet brought in with --column and --source hubspot: its stage answers are kept for
    HubSpot, and the dry run says HubSpot, not CSV."""
    file = write(tmp_path / "sheet.csv", [["Id", "Name", "Phase", "Amt"], ["123", "Deal A", "Odd", "100"]])
    pairs = ("id=Id", "title=Name", "stage=Phase", "value=Amt")
    columns = [arg for pair in pairs for arg in ("--column", pair)]
    out = ok(capsys, "import", str(file), *columns, "--source", "hubspot", "--map", "Odd=Lead", "--dry-run")
    assert "Stage answers to remember for the next import from HubSpot, once imported: 1." in out


SHEET = ["Title", "Stage", "Status", "Value"]
COLUMNS = ["--column", "title=Title", "--column", "stage=Stage", "--column", "status=Status"]


def stage_names(store: Store) -> list[str]:
    return [s.name for s in store.shape.stages()]


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ([["Pilot", "Lead", "Open", "200"]], "--map 'Dropped=new': no row of this file has the stage value"),
        ([["Pilot", "Dropped", "Won", "200"]], "every row with 'Dropped' reads won or lost, so no stage"),
    ],
    ids=["value-not-in-file", "every-row-closed"],
)
def test_a_map_to_new_that_places_no_deal_makes_no_empty_stage(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path, rows: list[list[str]], said: str
) -> None:
    """A `--map VALUE=new` kept from another file (or for a value every row of which reads
    won or lost) made an empty open column, without a word in the dry run."""
    before = stage_names(store)
    file = write(tmp_path / "sheet.csv", [SHEET, *rows])
    dry = ok(capsys, "import", str(file), *COLUMNS, "--map", "Dropped=new", "--dry-run")
    assert said in dry and "Stages made by the import" not in dry
    ok(capsys, "import", str(file), *COLUMNS, "--map", "Dropped=new")
    assert stage_names(store) == before
    assert len(list(store.deals.all())) == 1


def test_a_made_stage_only_lost_deals_were_lost_at_is_made_and_said(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The stage lost deals were lost at is what the report's lost-at table needs: made,
    and the dry run says why a new column stands empty."""
    file = write(tmp_path / "sheet.csv", [SHEET, ["Pilot", "Demo booked", "Lost", "200"]])
    dry = ok(capsys, "import", str(file), *COLUMNS, "--map", "Demo booked=new", "--dry-run")
    assert "'Demo booked' holds no deal of this file: it is made as the stage its lost deals were" in dry
    ok(capsys, "import", str(file), *COLUMNS, "--map", "Demo booked=new")
    made = store.shape.find_stage("Demo booked")
    [deal] = list(store.deals.all())
    assert store.deals.get(deal.id).lost_at_stage_id == made.id

"""The command line, through `cli.main(argv)`: exit codes, stdout, one-line errors on stderr."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY

from pipeline_tui import paths
from pipeline_tui.cli import main
from pipeline_tui.models import StageKind
from pipeline_tui.store import Store

T = ["--today", TODAY.isoformat()]


class Run:
    """Runs the CLI and keeps what it printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.out = ""
        self.err = ""

    def __call__(self, *argv: str, today: bool = True) -> int:
        code = main([*argv, *(T if today and "--today" not in argv else [])])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return code

    def json(self, *argv: str) -> Any:
        assert self(*argv) == 0, self.err
        return json.loads(self.out)

    def ok(self, *argv: str) -> str:
        code = self(*argv)
        assert code == 0, self.err
        return self.out


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(capsys)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "pipeline.db"  # what $PIPELINE_TUI_DB points at (conftest)


def assert_one_line_error(run: Run, code: int, *fragments: str) -> None:
    assert code == 1
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("pipeline-tui: error: ")
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in lines[0]


def open_store(db: Path) -> Store:
    return Store.open(db)


# ---------------------------------------------------------------------- add


def test_add_with_parsed_value_and_dates(run: Run, db: Path) -> None:
    out = run.ok(
        "add", "Platform licence", "--company", "Northwind", "--contact", "Ana Okafor",
        "--value", "12k", "--close", "Dec 1", "--next-step", "Send proposal", "--due", "fri",
    )  # fmt: skip
    assert out == "Added #1 Platform licence to Lead.\n"
    with open_store(db) as store:
        deal = store.deals.get(1)
    assert (deal.title, deal.company, deal.contact) == (
        "Platform licence",
        "Northwind",
        "Ana Okafor",
    )
    assert (deal.value, deal.currency) == (1_200_000, "USD")
    assert deal.expected_close == date(2026, 12, 1)
    assert (deal.next_step, deal.next_step_due) == ("Send proposal", date(2026, 11, 27))


def test_add_json_with_currency_and_stage(run: Run) -> None:
    data = run.json("add", "Team seats", "--value", "€3 500", "--stage", "prop", "--json")
    assert data["id"] == 1
    assert data["stage"] == "Proposal"
    assert (data["value"], data["value_minor"], data["currency"]) == (3500.0, 350_000, "EUR")
    assert data["stale"] is None and data["days_in_stage"] == 0


def test_today_stamps_what_the_command_writes(run: Run) -> None:
    data = run.json("add", "Back to the future", "--json", "--today", "2030-01-02")
    assert data["created_at"].startswith("2030-01-02 ")
    assert data["last_activity_at"].startswith("2030-01-02 ")
    run.ok("note", "1", "Later", "--today", "2030-01-20")
    [deal] = run.json("list", "--json", "--today", "2030-01-20")
    assert deal["last_activity_at"].startswith("2030-01-20 ")


def test_add_refuses_a_lost_stage(run: Run, db: Path) -> None:
    assert_one_line_error(run, run("add", "x", "--stage", "Closed Lost"), "--reason")
    assert not db.exists() or open_store(db).deals.count() == 0


# --------------------------------------------------------------------- list


@pytest.fixture
def pipeline(run: Run) -> None:
    """Four deals: one fresh, one idle since Nov 1, one lost with a revisit, one won."""
    run.ok("add", "Fresh", "--company", "Kestrel", "--value", "5k", "--stage", "Qualified")
    run.ok("add", "Idle", "--company", "Quillstone", "--value", "$12,000.50",
           "--stage", "Proposal", "--today", "2026-11-01")  # fmt: skip
    run.ok("add", "Gone", "--company", "Harbor & Pine", "--value", "1.2m", "--stage", "Negotiation")
    run.ok("move", "Gone", "Closed Lost", "--reason", "lost to", "--competitor", "HubSpot",
           "--note", "Cheaper", "--revisit", "+6m")  # fmt: skip
    run.ok("add", "Signed", "--value", "700")
    run.ok("move", "Signed", "won")


def test_list_text(run: Run, pipeline: None) -> None:
    lines = run.ok("list").splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("#1 ") and "Qualified" in lines[0] and "$5,000" in lines[0]
    assert "Fresh — Kestrel" in lines[0]
    assert "[stale: 23 days idle in Proposal]" in lines[1]
    assert "$12,000.50" in lines[1]
    # Board order: Closed Won comes before Closed Lost.
    assert "Closed Won" in lines[2] and "Signed" in lines[2]
    assert "[lost: Lost to competitor (HubSpot)]" in lines[3]


def test_list_json_carries_the_fields(run: Run, pipeline: None) -> None:
    deals = {d["title"]: d for d in run.json("list", "--json")}
    assert set(deals) == {"Fresh", "Idle", "Gone", "Signed"}
    fresh = deals["Fresh"]
    assert (fresh["id"], fresh["title"], fresh["company"], fresh["stage"], fresh["value"]) == (
        1, "Fresh", "Kestrel", "Qualified", 5000.0,
    )  # fmt: skip
    assert "loss_reason" not in fresh
    assert deals["Idle"]["value"] == 12000.5
    assert deals["Idle"]["stale"] == "23 days idle in Proposal"
    gone = deals["Gone"]
    assert gone["stage"] == "Closed Lost" and gone["status"] == "lost"
    assert gone["value_minor"] == 120_000_000
    assert gone["loss_reason"] == "Lost to competitor"
    assert gone["competitor"] == "HubSpot"
    assert gone["loss_note"] == "Cheaper"
    assert gone["revisit_on"] == "2027-05-24"
    assert gone["revisit_state"] == "pending"
    assert gone["lost_at_stage"] == "Negotiation"
    assert deals["Signed"]["status"] == "won"


def test_list_by_stage_and_stale(run: Run, pipeline: None) -> None:
    assert [d["title"] for d in run.json("list", "--stage", "prop", "--json")] == ["Idle"]
    assert [d["title"] for d in run.json("list", "--stale", "--json")] == ["Idle"]
    assert run.json("list", "--stale", "--stage", "qual", "--json") == []
    later = main(["list", "--stale", "--json", "--today", "2026-12-15"])
    assert later == 0
    stale = json.loads(run.capsys.readouterr().out)
    assert [d["title"] for d in stale] == ["Idle", "Fresh"]  # oldest first
    assert run.ok("list", "--stale", "--stage", "lead") == "Nothing is stale.\n"


def test_list_empty(run: Run) -> None:
    assert run.ok("list") == "No deals.\n"
    assert run.json("list", "--json") == []


# --------------------------------------------------------------------- move


def test_move_by_name_and_prefix(run: Run, db: Path) -> None:
    run.ok("add", "Alpha deal")
    assert run.ok("move", "alpha", "qual") == "Moved #1 Alpha deal to Qualified.\n"
    assert run.ok("move", "#1", "Negotiation", "--note", "Pricing agreed") == (
        "Moved #1 Alpha deal to Negotiation.\n"
    )
    with open_store(db) as store:
        assert store.deals.get(1).stage_id == store.shape.find_stage("Negotiation").id
        assert store.deals.timeline(1)[-1].text == "Pricing agreed"


def test_move_to_lost_without_reason_fails_and_changes_nothing(run: Run, db: Path) -> None:
    run.ok("add", "Keep", "--stage", "Proposal")
    code = run("move", "Keep", "Closed Lost")
    assert code != 0
    assert_one_line_error(run, code, "needs --reason", "Price / budget", "Other")
    with open_store(db) as store:
        deal = store.deals.get(1)
        assert deal.stage_id == store.shape.find_stage("Proposal").id
        assert len(store.deals.timeline(1)) == 1


@pytest.mark.parametrize("reason", ["Price / budget", "price / BUDGET", "pri", "PRICE", "budget"])
def test_move_to_lost_reason_by_label_any_case_or_unique_prefix(run: Run, db: Path, reason: str) -> None:
    run.ok("add", "Lose")
    run.ok("move", "1", "lost", "--reason", reason, "--note", "Too dear", "--revisit", "2027-03-01")
    with open_store(db) as store:
        deal = store.deals.get(1)
        assert store.shape.stage(deal.stage_id).kind is StageKind.LOST
        assert store.shape.reason(deal.loss_reason_id).label == "Price / budget"
        assert deal.loss_note == "Too dear"
        assert deal.revisit_on == date(2027, 3, 1)


def test_move_to_lost_competitor_and_other_rules(run: Run, db: Path) -> None:
    run.ok("add", "Rival")
    assert_one_line_error(run, run("move", "1", "lost", "--reason", "competitor"), "competitor")
    assert_one_line_error(run, run("move", "1", "lost", "--reason", "other"), "note")
    assert_one_line_error(run, run("move", "1", "lost", "--reason", "c"), "more than one")
    assert_one_line_error(run, run("move", "1", "lost", "--reason", "weather"), "No loss reason")
    assert_one_line_error(run, run("move", "1", "qual", "--reason", "price"), "--reason only")
    with open_store(db) as store:
        assert len(store.deals.timeline(1)) == 1
    run.ok("move", "1", "lost", "--reason", "competitor", "--competitor", "Pipedrive")
    with open_store(db) as store:
        assert store.deals.get(1).competitor == "Pipedrive"


def test_an_imported_loss_without_a_reason_gets_one_from_the_command_line(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """The import says 'fill it in on the board'; without the board, `move` to the stage the
    deal is in answered "already in Closed Lost" and nothing gave it a reason."""
    path = tmp_path / "deals.csv"
    path.write_text("Deal,Stage,Amount\nUmbrella pilot,Closed Lost,12000\n", encoding="utf-8")
    run.ok(
        "import", str(path), "--column", "title=Deal", "--column", "stage=Stage", "--column", "value=Amount"
    )
    out = run.ok(
        "move", "Umbrella", "Closed Lost", "--reason", "price", "--note", "Too dear", "--revisit", "+3m"
    )
    assert out == "Reason for #1 Umbrella pilot: Price / budget; revisit Wed 24 Feb 2027.\n"
    with open_store(db) as store:
        deal = store.deals.get(1)
        assert (store.shape.reason(deal.loss_reason_id).label, deal.loss_note) == (
            "Price / budget",
            "Too dear",
        )
    run.ok("undo")
    with open_store(db) as store:
        assert store.deals.get(1).loss_reason_id is None


def test_moving_a_won_deal_to_lost_says_it_was_won_and_show_says_when_it_closed(run: Run, db: Path) -> None:
    """A mistyped id turned a won deal lost with only 'Lost #5 …'; `show` never said when a
    closed deal closed (its expected close date shows, as '—' when none)."""
    run.ok("add", "Won one", "--value", "517")
    run.ok("move", "1", "Closed Won")
    shown = run.ok("show", "1")
    assert f"Won on  {TODAY.isoformat()}" in shown
    out = run.ok("move", "1", "Closed Lost", "--reason", "price")
    assert out == "Lost #1 Won one (Price / budget) (it was Closed Won; undo takes it back).\n"
    assert f"Lost on  {TODAY.isoformat()}" in run.ok("show", "1")
    code = run("move", "1", "Closed Lost", "--reason", "competitor")
    assert_one_line_error(run, code, "needs the competitor's name: add --competitor NAME")
    code = run("move", "1", "Closed Lost", "--reason", "other")
    assert_one_line_error(run, code, "needs a note saying what happened: add --note TEXT")


def test_move_json(run: Run) -> None:
    run.ok("add", "J")
    data = run.json("move", "J", "won", "--json")
    assert data["stage"] == "Closed Won" and data["closed_at"].startswith("2026-11-24")


# -------------------------------------------------------------- user errors


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["move", "Nobody", "Lead"], "No deal matches 'Nobody'"),
        (["move", "#42", "Lead"], "no deal #42"),
        (["move", "1", "Nowhere"], "No stage called 'Nowhere'"),
        (["move", "1", "closed"], "more than one stage"),
        (["note", "Nobody", "hi"], "No deal matches"),
        (["note", "1", "   "], "cannot be empty"),
        (["add", "x", "--close", "someday"], "Cannot read 'someday' as a date"),
        (["add", "x", "--due", "2026-02-30"], "not a real date"),
        (["add", "x", "--value", "lots"], "Cannot read 'lots' as an amount"),
        (["add", "x", "--value", "-5"], "is negative: a deal's value is never below zero"),
        (["add", "   "], "title cannot be empty"),
        (["list", "--stage", "Pending"], "No stage called"),
        (["list", "--today", "whenever"], "Cannot read 'whenever'"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_1(run: Run, argv: list[str], fragment: str) -> None:
    run.ok("add", "Existing")
    assert_one_line_error(run, run(*argv), fragment)


def test_not_a_database_is_one_line(run: Run, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello")
    assert_one_line_error(run, run("list", "--db", str(bogus)), "not a SQLite database")
    assert bogus.read_text() == "hello"


# ---------------------------------------------------------- note, revisits


def test_note(run: Run, db: Path) -> None:
    run.ok("add", "Talk")
    assert run.ok("note", "talk", "Called; they want SSO") == "Noted on #1 Talk.\n"
    with open_store(db) as store:
        assert [e.text for e in store.deals.notes(1)] == ["Called; they want SSO"]


def test_revisits_json_keeps_due_and_upcoming_apart(run: Run) -> None:
    for title, revisit in [
        ("Overdue", "2026-11-01"), ("Today", "2026-11-24"), ("Soon", "2026-12-04"), ("Far", "2027-05-24"),
    ]:  # fmt: skip
        run.ok("add", title)
        # A revisit is set after the day of the loss: these deals were lost in October.
        run.ok("move", title, "lost", "--reason", "timing", "--revisit", revisit, "--today", "2026-10-15")
    run.ok("add", "No revisit")
    run.ok("move", "No revisit", "lost", "--reason", "price")
    data = run.json("revisits", "--json")
    assert data["today"] == "2026-11-24"
    assert [d["title"] for d in data["due"]] == ["Overdue", "Today"]
    assert [d["title"] for d in data["upcoming"]] == ["Soon"]
    assert data["due"][0]["revisit_on"] == "2026-11-01"
    assert data["due"][0]["loss_reason"] == "Timing / no urgency"
    text = run.ok("revisits")
    assert "Due: 2" in text and "Upcoming (30 days): 1" in text
    # One set months ahead was not in the list at all: it is counted, with the first.
    assert text.endswith("Later: 1 (the first on 2027-05-24: #4 Far)\n")


# ------------------------------------------------------------------ export


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_notes_to_stdout(run: Run) -> None:
    run.ok("add", "Export me", "--company", 'Müller, "GmbH"')
    run.ok("note", "1", "=1+1 is not a formula")
    out = run.ok("export", "notes")
    assert out.startswith("deal_id,title,company,stage,status,note_time,kind,text,")
    assert "\r\n" in out and out.endswith("\r\n")
    assert out.count("\n") == out.count("\r\n")
    header, row = _rows(out)
    assert row[header.index("company")] == 'Müller, "GmbH"'
    assert row[header.index("text")] == "'=1+1 is not a formula"
    assert not out.startswith("\ufeff")


def test_export_excel_adds_bom(run: Run) -> None:
    run.ok("add", "x")
    run.ok("note", "x", "hi")
    assert run.ok("export", "notes", "--excel").startswith("\ufeffdeal_id,")


def test_export_to_file(run: Run, tmp_path: Path) -> None:
    run.ok("add", "File me", "--value", "12k")
    run.ok("note", "1", "one")
    notes, deals = tmp_path / "notes.csv", tmp_path / "deals.csv"
    assert run("export", "notes", "-o", str(notes)) == 0
    assert run.out == ""
    assert run.err == f"Wrote 1 note to {notes}.\n"
    assert run("export", "deals", "--output", str(deals), "--excel") == 0
    assert run.err == f"Wrote 1 deal to {deals}.\n"
    raw = deals.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,title,")
    header, row = _rows(raw.decode("utf-8-sig"))
    assert row[header.index("value")] == "12000.00"
    assert row[header.index("stage")] == "Lead"
    timeline = json.loads(row[header.index("timeline")])
    assert [e["text"] for e in timeline if e["kind"] == "note"] == ["one"]
    assert notes.read_bytes().startswith(b"deal_id,")


def test_export_to_missing_folder_is_one_line(run: Run, tmp_path: Path) -> None:
    run.ok("add", "x")
    target = tmp_path / "nope" / "notes.csv"
    assert_one_line_error(run, run("export", "notes", "-o", str(target)), "does not exist")


# -------------------------------------------------------------------- path


def test_path_honours_db_then_env(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run.ok("path") == f"{tmp_path / 'pipeline.db'}\n"
    assert run.ok("path", "--db", str(tmp_path / "x.db")) == f"{tmp_path / 'x.db'}\n"
    assert run.ok("--db", str(tmp_path / "y.db"), "path") == f"{tmp_path / 'y.db'}\n"
    monkeypatch.setenv("PIPELINE_TUI_DB", str(tmp_path / "env.db"))
    assert run.ok("path") == f"{tmp_path / 'env.db'}\n"
    monkeypatch.delenv("PIPELINE_TUI_DB")
    assert run.ok("path") == f"{paths.default_db_path()}\n"
    assert paths.default_db_path().parts[-2:] == ("pipeline-tui", "pipeline.db")
    assert not (tmp_path / "x.db").exists()  # `path` creates nothing


# -------------------------------------------------------------------- demo


def test_demo_seeds_a_lived_in_pipeline(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert run("demo", "--no-open", "--db", str(path)) == 0
    assert run.out == ""
    assert str(path) in run.err
    with Store.open(path) as store:
        deals = list(store.deals.all())
        assert f"{len(deals)} deals" in run.err
        per_stage = {s.name: 0 for s in store.shape.stages()}
        for d in deals:
            per_stage[store.shape.stage(d.stage_id).name] += 1
        assert all(count > 0 for count in per_stage.values()), per_stage
        stale = store.review.stale(TODAY)
        assert len(stale) >= 3
        lost = [d for d in deals if store.shape.stage(d.stage_id).kind is StageKind.LOST]
        assert lost and all(d.loss_reason_id is not None for d in lost)
        assert len({d.loss_reason_id for d in lost}) >= 3
        assert any(d.competitor for d in lost)
        due, upcoming = store.review.revisits(TODAY)
        assert len(due) >= 1 and len(upcoming) >= 1
        assert all(d.revisit_on <= TODAY for d in due)
        # A revisit falls after the loss it follows up, and the loss after the last activity.
        for d in [*due, *upcoming]:
            assert d.closed_at is not None and d.revisit_on is not None
            assert d.revisit_on > d.closed_at.date(), (d.id, d.closed_at, d.revisit_on)
            assert d.last_activity_at <= d.closed_at
        assert sum(1 for _ in store.transfer.note_rows()) > 10
    assert not (tmp_path / "pipeline.db").exists()  # $PIPELINE_TUI_DB untouched


@pytest.mark.parametrize("hour", [0, 7, 23])
def test_demo_stamps_nothing_later_than_now(tmp_path: Path, hour: int) -> None:
    """Opened early in the morning, the demo has no note from this afternoon: the day's
    changes fit before now, in the order they were made."""
    from pipeline_tui.demo import seed_demo

    now = datetime.combine(TODAY, time(hour, 5))
    with Store.open(tmp_path / "demo.db") as store:
        seed_demo(store, TODAY, now=now)
        moments = [e.at for d in store.deals.all(archived=None) for e in store.deals.timeline(d.id)]
        assert max(moments) <= now
        assert sum(1 for m in moments if m.date() == TODAY) > 10  # today still has its changes
        for d in store.deals.all(archived=None):
            at = [(e.id, e.at) for e in store.deals.timeline(d.id)]
            assert [m for _, m in sorted(at)] == sorted(m for _, m in at), d.id  # order kept


def test_demo_on_the_real_clock_has_no_future(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert run("demo", "--no-open", "--db", str(path), today=False) == 0, run.err
    after = datetime.now()
    with Store.open(path) as store:
        latest = max(e.at for d in store.deals.all(archived=None) for e in store.deals.timeline(d.id))
    assert latest <= after


def test_demo_is_repeatable(run: Run, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    run.ok("demo", "--no-open", "--db", str(a))
    run.ok("demo", "--no-open", "--db", str(b))
    with Store.open(a) as sa, Store.open(b) as sb:
        assert [(d.title, d.value, d.stage_id) for d in sa.deals.all()] == [
            (d.title, d.value, d.stage_id) for d in sb.deals.all()
        ]


def test_demo_refuses_an_existing_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "mine.db"
    run.ok("add", "My real deal", "--db", str(path))
    before = path.read_bytes()
    assert_one_line_error(run, run("demo", "--no-open", "--db", str(path)), "already exists")
    assert path.read_bytes() == before


def test_demo_without_db_ignores_the_env_database(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert run("demo", "--no-open") == 0
    [made] = scratch.glob("pipeline-tui-demo-*/demo.db")
    assert str(made) in run.err
    assert not (tmp_path / "pipeline.db").exists()


def test_reading_a_pipeline_that_is_not_there_creates_nothing(run: Run, tmp_path: Path) -> None:
    """A mistyped --db: the answer is an empty pipeline's, stderr says there is none there,
    and no folder or file appears (a typo must not pass for "all my deals are gone")."""
    typo = tmp_path / "no-such-folder" / "sub" / "pipeline.db"
    reading = (["list"], ["list", "--json"], ["revisits"], ["report"], ["show", "1"], ["review", "--json"],
               ["stages"], ["reasons", "list"], ["export", "deals"])  # fmt: skip
    for argv in reading:
        code = run("--db", str(typo), *argv)
        assert "There is no pipeline at" in run.err and "nothing was written" in run.err, argv
        assert code == (1 if argv[0] == "show" else 0)
    assert run("--db", str(typo), "list") == 0 and run.out == "No deals.\n"
    assert not (tmp_path / "no-such-folder").exists()
    assert run("--db", str(typo), "add", "First deal") == 0  # writing creates it, as ever
    assert typo.exists()


def test_a_failed_command_leaves_no_pipeline_it_made(run: Run, tmp_path: Path) -> None:
    """A write command that fails on a --db that was not there takes the file it made away
    again (a failure changes nothing); a pipeline that was there stays, even empty."""
    for argv in (["import", str(tmp_path / "nope.csv")], ["note", "1", "hi"], ["move", "1", "Won"],
                 ["add", "Deal", "--close", "31/31/2026"]):  # fmt: skip
        made = tmp_path / "typo.db"
        assert run("--db", str(made), *argv) == 1, argv
        assert run.err.startswith("pipeline-tui: error:"), argv
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("typo")) == [], argv
    there = tmp_path / "there.db"
    assert run("--db", str(there), "stages") == 0  # reading creates nothing
    assert run("--db", str(there), "add", "One") == 0 and run("--db", str(there), "archive", "1") == 0
    assert run("--db", str(there), "note", "9", "hi") == 1
    assert there.exists()  # it was there before the failure (its one deal archived)


def test_reading_an_empty_file_leaves_it_empty(run: Run, tmp_path: Path) -> None:
    """A 0-byte file (a `touch`, a failed copy) is not a pipeline: reading it says so and
    leaves it as it was, where SQLite would quietly have made it a pipeline."""
    empty = tmp_path / "pipeline.db"
    empty.touch()
    for argv in (["list"], ["report", "--json"], ["review", "--json"], ["stages"]):
        assert run("--db", str(empty), *argv) == 0, run.err
        assert "is an empty file, not a pipeline yet" in run.err and run.err.count("\n") == 1
        assert empty.stat().st_size == 0, argv
    assert run("--db", str(empty), "add", "First deal") == 0  # writing makes it one
    assert empty.stat().st_size > 0


def test_a_value_that_starts_with_a_dash_gets_a_hint(run: Run, db: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run.ok("add", "Dash deal")
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(db), "note", "1", "-2%"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "put -- before it" in err and "'-2%'" in err and "Traceback" not in err
    assert run("note", "1", "--", "-2%", today=False) == 0 and "Noted on #1" in run.out
    assert run("note", "1", "-2% discount, agreed") == 0  # with a space it is plain text
    with pytest.raises(SystemExit):
        main(["--db", str(db), "list", "--bogus"])
    assert "put --" not in capsys.readouterr().err  # a mistyped option is not a value


def test_a_due_date_needs_a_next_step(run: Run, tmp_path: Path) -> None:
    """A due date alone would be due for nothing (never due, never overdue): refused on add
    and edit, with the fix named; with the step it is taken."""
    db = str(tmp_path / "p.db")
    assert run("--db", db, "add", "First") == 0
    assert run("--db", db, "add", "Orphan due", "--due", "fri") == 1
    assert "A due date needs a next step" in run.err
    assert run("--db", db, "edit", "1", "--due", "fri") == 1 and "needs a next step" in run.err
    assert run("--db", db, "edit", "1", "--next-step", "Call Ana", "--due", "fri") == 0, run.err
    assert run("--db", db, "list", "--json") == 0
    assert [(d["title"], d["next_step"]) for d in json.loads(run.out)] == [("First", "Call Ana")]


def test_an_edit_says_every_field_it_set_and_the_timeline_keeps_old_and_new(run: Run, tmp_path: Path) -> None:
    """The confirmation names each field changed (a value a hundred times larger is never
    silent), and the timeline shows each change as old → new."""
    db = str(tmp_path / "p.db")
    assert run("--db", db, "add", "Team seats", "--value", "12000", "--close", "2026-12-09") == 0
    assert (
        run("--db", db, "edit", "1", "--value", "1.2m", "--close", "2027-01-15", "--title", "Team seats, HQ")
        == 0
    )
    assert (
        run.out.strip()
        == "Edited #1 Team seats: title 'Team seats, HQ', value $1,200,000, close date Fri 15 Jan 2027."
    )
    assert run("--db", db, "show", "1") == 0
    assert (
        "edited close date 2026-12-09 → 2027-01-15, title 'Team seats' → 'Team seats, HQ', "
        "value $12,000 → $1,200,000"
    ) in run.out
    # A value in another currency: the old amount in the currency it was in.
    assert run("--db", db, "edit", "1", "--value", "€3 500") == 0
    assert run("--db", db, "show", "1") == 0
    assert "edited currency USD → EUR, value $1,200,000 → €3,500" in run.out


@pytest.mark.parametrize(
    "argv",
    [["export", "deals"], ["export", "notes"], ["calendar"], ["report", "--period", "all", "--csv"]],
    ids=["export-deals", "export-notes", "calendar", "report"],
)
@pytest.mark.parametrize("target", ["pipeline.db", "pipeline.db-wal", "backup.db"])
def test_an_export_never_replaces_a_database_even_with_force(
    run: Run, store: Store, tmp_path: Path, argv: list[str], target: str
) -> None:
    """`-o` naming the pipeline itself (tab-completed, or a script's typo) with --force wrote
    CSV over it: the whole pipeline lost, without a backup."""
    run.ok("add", "Kept")
    run.ok("backup", "-o", str(tmp_path / "backup.db"))
    path = tmp_path / target
    path.touch()  # the write-ahead log is there while the pipeline is open (no-op then)
    before = path.read_bytes()
    code = run(*argv, "-o", str(path), "--force")
    assert_one_line_error(run, code, "nothing was written, even with --force")
    assert path.read_bytes() == before
    assert [d.title for d in store.deals.all()] == ["Kept"]

"""Round trip: export deals -> import into an EMPTY database -> export again, byte for byte."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_tui import importer
from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.csv_io import DEAL_COLUMNS, export_to_string, neutralize, unneutralize
from pipeline_tui.errors import InputError
from pipeline_tui.models import LossInput, RevisitState
from pipeline_tui.store import Store

TRICKY = 'Müller, "Ltd"\nзаметка; 注释 — ok\r\nline 3'


def roundtrip(store: Store, folder: Path) -> tuple[str, str]:
    """(first export, export of an empty database after importing the first)."""
    first = export_to_string(store, "deals")
    path = folder / "deals.csv"
    path.write_bytes(first.encode("utf-8"))
    with Store.open(folder / "copy.db", clock=store.conn.clock) as copy:
        assert copy.deals.count() == 0
        result = builders.import_file(copy, path, fmt="pipeline-tui")
        assert result.imported == store.deals.count() + store.deals.count(archived=True)
        assert result.skipped_existing == 0
        return first, export_to_string(copy, "deals")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def fill(store: Store, clock: Clock) -> None:
    """A pipeline with everything the deal export carries."""
    lead = store.shape.find_stage("Lead").id
    proposal = store.shape.find_stage("Proposal").id
    negotiation = store.shape.find_stage("Negotiation").id
    reason = {r.label: r.id for r in store.shape.reasons()}

    a = builders.add(store,
        "Platform licence, 2027", company='Müller GmbH "Nord"', contact="Ана Окафор", value=1_200_050,
        expected_close=date(2026, 12, 15), next_step="Call; then\nsend =SUM(quote)", next_step_due=TODAY,
    )  # fmt: skip
    clock.advance(hours=1)
    builders.add_note(store, a.id, TRICKY)
    builders.add_note(store, a.id, '=HYPERLINK("http://evil")')
    builders.add_note(store, a.id, "'=already quoted")
    clock.advance(days=1)
    builders.move(store, a.id, proposal, note="Sent the proposal")

    b = builders.add(store, "=SUM(A1:A3)", company="-5% discount", contact="@ana", value=0, currency="EUR")
    clock.advance(hours=2)
    builders.move(store, b.id, negotiation)
    clock.advance(days=3)
    builders.mark_lost(store,
        b.id,
        LossInput(reason["Lost to competitor"], competitor="Pipe, \"Drive\"", note=TRICKY,
                  revisit_on=date(2027, 5, 1)),
    )  # fmt: skip

    c = builders.add(store, "+1 555 0100 deal", company="東京商事", value=99, stage_id=lead)
    clock.advance(hours=5)
    builders.mark_lost(
        store, c.id, LossInput(reason["Other"], note="Merged\twith another deal", revisit_on=TODAY)
    )
    builders.close_revisit(store, c.id, note="No potential")

    d = builders.add(store, "Lost quietly", value=4_200)
    builders.mark_lost(store, d.id, LossInput(reason["No decision / went dark"]))

    e = builders.add(store, "Won 🎉 deal", company="Café «Zürich»", value=10**14)
    clock.advance(minutes=30)
    builders.add_note(store, e.id, "Signed ✍️")
    builders.mark_won(store, e.id)

    f = builders.add(store, "Snoozed", value=1)
    builders.mark_lost(store, f.id, LossInput(reason["Timing / no urgency"], revisit_on=date(2027, 1, 1)))
    clock.advance(days=1)
    builders.snooze_revisit(store, f.id, date(2027, 2, 1), note="Ask again")


def test_roundtrip_is_byte_identical(store: Store, clock: Clock, tmp_path: Path) -> None:
    fill(store, clock)
    first, second = roundtrip(store, tmp_path)
    assert second == first
    # The things the round trip must carry really are in the file (formula-like cells are
    # neutralized with an apostrophe, which the import takes off again).
    exported = {unneutralize(r["title"]): r for r in rows(first)}
    assert "'=SUM(A1:A3)" in first and "'+1 555" in first
    assert exported["=SUM(A1:A3)"]["loss_note"] == TRICKY
    assert exported["=SUM(A1:A3)"]["competitor"] == 'Pipe, "Drive"'
    assert exported["=SUM(A1:A3)"]["revisit_on"] == "2027-05-01"
    assert exported["=SUM(A1:A3)"]["lost_at_stage"] == "Negotiation"
    assert exported["+1 555 0100 deal"]["revisit_state"] == RevisitState.CLOSED.value
    assert exported["Snoozed"]["revisit_on"] == "2027-02-01"
    timeline = json.loads(exported["Platform licence, 2027"]["timeline"])
    notes = [e["text"] for e in timeline if e["kind"] == "note"]
    assert notes == [TRICKY, '=HYPERLINK("http://evil")', "'=already quoted"]
    assert exported["Won 🎉 deal"]["value"] == "1000000000000.00"


def test_roundtrip_of_the_loaded_copy(store: Store, clock: Clock, tmp_path: Path) -> None:
    """What the copy holds is the same deals, not just the same text."""
    fill(store, clock)
    roundtrip(store, tmp_path)
    with Store.open(tmp_path / "copy.db") as copy:
        # The same deals (`rev` counts changes made to this copy of the file, not data).
        assert [replace(d, rev=0) for d in copy.deals.all()] == [replace(d, rev=0) for d in store.deals.all()]
        for deal in store.deals.all():
            assert [(n.at, n.text) for n in copy.deals.notes(deal.id)] == [
                (n.at, n.text) for n in store.deals.notes(deal.id)
            ]
        assert [d.id for d in copy.review.pending_revisits()] == [
            d.id for d in store.review.pending_revisits()
        ]
        assert copy.review.lost_without_reason() == store.review.lost_without_reason()


def test_roundtrip_through_the_cli(
    store: Store, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(store, clock)
    first, copy_db, second = tmp_path / "first.csv", tmp_path / "copy.db", tmp_path / "second.csv"
    T = ["--today", TODAY.isoformat()]
    assert main(["export", "deals", "-o", str(first), *T]) == 0
    assert main(["--db", str(copy_db), "import", str(first), "--format", "pipeline-tui", *T]) == 0
    assert main(["--db", str(copy_db), "export", "deals", "-o", str(second), *T]) == 0
    out = capsys.readouterr().out
    assert "Imported 6 deals." in out
    assert second.read_bytes() == first.read_bytes()
    # Auto-detection recognizes our own export, and importing it again adds nothing.
    assert main(["--db", str(copy_db), "import", str(first), *T]) == 0
    assert "Already imported: 6 unchanged" in capsys.readouterr().out


def test_roundtrip_of_the_excel_flavour(store: Store, clock: Clock, tmp_path: Path) -> None:
    fill(store, clock)
    plain = export_to_string(store, "deals")
    path = tmp_path / "excel.csv"
    path.write_bytes(export_to_string(store, "deals", excel=True).encode("utf-8"))
    with Store.open(tmp_path / "copy.db") as copy:
        builders.import_file(copy, path)
        assert export_to_string(copy, "deals") == plain


def test_crm_deals_and_native_deals_with_the_same_number_both_survive(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    """A HubSpot deal with Record ID 2 and our own deal #2 are two deals, not one."""
    hubspot = tmp_path / "hubspot.csv"
    hubspot.write_text(
        "Record ID,Deal Name,Deal Stage,Amount\r\n2,From HubSpot,Closed Won,10\r\n", newline=""
    )
    builders.import_file(store, hubspot)  # deal #1, source_id "2"
    builders.add(store, "Native two")  # deal #2
    builders.add(store, "Native three")
    first, second = roundtrip(store, tmp_path)
    assert second == first
    assert len(rows(second)) == 3


def test_our_export_skips_a_crm_deal_already_imported_here(
    tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Laptop A imported a HubSpot file and exported; laptop B imported the same HubSpot file.
    Importing A's export on B must not insert the HubSpot deal twice (nor crash on the
    UNIQUE (source, source_id) index)."""
    hubspot = tmp_path / "hubspot.csv"
    hubspot.write_text("Record ID,Deal Name,Deal Stage,Amount\r\n77,Alpha,Closed Won,10\r\n", newline="")
    with Store.open(tmp_path / "a.db", clock=clock) as a:
        for title in ("p", "q", "r", "s"):
            builders.add(a, title)
        builders.import_file(a, hubspot)  # #5 on A
        # Only Alpha (#5) and "s" (#4): ids B does not hold, so the id check lets them through.
        text = export_to_string(a, "deals")
        lines = text.split("\r\n")
        kept = [lines[0]] + [line for line in lines[1:] if line.startswith(("4,", "5,"))]
        assert len(kept) == 3
        exported = tmp_path / "a.csv"
        exported.write_bytes(("\r\n".join(kept) + "\r\n").encode())
    with Store.open(tmp_path / "b.db", clock=clock) as b:
        builders.import_file(b, hubspot)  # #1 on B
    code = main(["--db", str(tmp_path / "b.db"), "import", str(exported)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Already imported: 1 unchanged" in captured.out
    with Store.open(tmp_path / "b.db") as b:
        assert sorted(d.title for d in b.deals.all()) == ["Alpha", "s"]


# ------------------------------------------------------------------ property


# Any text but NUL and lone surrogates, already as the store keeps it (stripped).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=25).map(
    str.strip
)
TITLE = TEXT.filter(bool)
STAGES = ("Lead", "Qualified", "Proposal", "Negotiation", "Closed Won", "Closed Lost")
REASONS = (
    "Price / budget", "Timing / no urgency", "Product fit / missing feature", "Lost to competitor",
    "No decision / went dark", "Champion or buyer left", "Chose to build in-house", "Unqualified / bad fit",
    "Other",
)  # fmt: skip


@dataclass
class DealSpec:
    title: str
    company: str
    contact: str
    next_step: str
    value: int
    currency: str
    via: str  # the open stage it passes through
    stage: str
    close_in: int | None
    notes: list[str]
    reason: str
    competitor: str
    loss_note: str
    revisit_in: int | None
    revisit_closed: bool


@st.composite
def deal_specs(draw: st.DrawFn) -> DealSpec:
    reason = draw(st.sampled_from(REASONS))
    return DealSpec(
        title=draw(TITLE),
        company=draw(TEXT),
        contact=draw(TEXT),
        next_step=draw(TEXT),
        value=draw(st.integers(0, 10**14)),
        currency=draw(st.sampled_from(("USD", "EUR", "JPY"))),
        via=draw(st.sampled_from(STAGES[:4])),
        stage=draw(st.sampled_from(STAGES)),
        close_in=draw(st.none() | st.integers(-400, 400)),
        notes=draw(st.lists(TITLE, max_size=3)),
        reason=reason,
        competitor=draw(TITLE if reason == "Lost to competitor" else TEXT),
        loss_note=draw(TITLE if reason == "Other" else TEXT),
        revisit_in=draw(st.none() | st.integers(-30, 800)),
        revisit_closed=draw(st.booleans()),
    )


def day(offset: int | None) -> date | None:
    return None if offset is None else TODAY + timedelta(days=offset)


def build(store: Store, clock: Clock, specs: list[DealSpec]) -> None:
    for spec in specs:
        deal = builders.add(store,
            spec.title, company=spec.company, contact=spec.contact, value=spec.value, currency=spec.currency,
            stage_id=store.shape.find_stage(spec.via).id, expected_close=day(spec.close_in),
            next_step=spec.next_step,
            next_step_due=day(spec.close_in and spec.close_in // 2) if spec.next_step.strip() else None,
        )  # fmt: skip
        for text in spec.notes:
            clock.advance(minutes=7)
            builders.add_note(store, deal.id, text)
        clock.advance(hours=3)
        target = store.shape.find_stage(spec.stage)
        if spec.stage == "Closed Lost":
            loss = LossInput(
                store.shape.find_reason(spec.reason).id, spec.competitor, spec.loss_note, day(spec.revisit_in)
            )
            builders.mark_lost(store, deal.id, loss)
            if spec.revisit_in is not None and spec.revisit_closed:
                builders.close_revisit(store, deal.id)
        elif target.id != deal.stage_id:
            builders.move(store, deal.id, target.id)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(deal_specs(), min_size=1, max_size=5))
def test_roundtrip_property(specs: list[DealSpec]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock()
        with Store.open(Path(folder) / "source.db", clock=clock) as store:
            build(store, clock, specs)
            first, second = roundtrip(store, Path(folder))
    assert second == first
    exported = rows(first)
    assert list(exported[0]) == list(DEAL_COLUMNS)
    assert sorted(r["title"] for r in exported) == sorted(neutralize(s.title) for s in specs)


def test_an_export_of_another_pipeline_is_refused_not_silently_merged(
    tmp_path: Path, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Deal ids belong to one database: #1 in another pipeline is not #1 here. Skipping it as
    'already imported' would lose it without a word; the import stops and says what to do."""
    with Store.open(tmp_path / "a.db", clock=clock) as a:
        builders.add(a, "Theirs one")
        builders.add(a, "Theirs two")
        theirs = export_to_string(a, "deals")
    clock.advance(days=1)
    with Store.open(tmp_path / "b.db", clock=clock) as b:
        builders.add(b, "Mine")
    path = tmp_path / "theirs.csv"
    path.write_bytes(theirs.encode())
    code = main(["--db", str(tmp_path / "b.db"), "import", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Row 2, column 'id': '1' is a different deal here" in err
    assert "another pipeline" in err and "Nothing was imported." in err
    # Without the id column the deals come in as new ones (and only once).
    table = [row[1:] for row in csv.reader(io.StringIO(theirs, newline=""))]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(table)
    path.write_bytes(out.getvalue().encode())
    for _ in range(2):
        assert main(["--db", str(tmp_path / "b.db"), "import", str(path), "--format", "pipeline-tui"]) == 0
    with Store.open(tmp_path / "b.db") as b:
        assert sorted(d.title for d in b.deals.all()) == ["Mine", "Theirs one", "Theirs two"]


@pytest.mark.parametrize("bad_id", ["abc", "²", "99999999999999999999", "-3"])
def test_a_bad_deal_id_names_the_row(store: Store, clock: Clock, tmp_path: Path, bad_id: str) -> None:
    builders.add(store, "One")
    text = export_to_string(store, "deals").replace("\r\n1,", f"\r\n{bad_id},", 1)
    path = tmp_path / "deals.csv"
    path.write_bytes(text.encode())
    with Store.open(tmp_path / "copy.db") as copy:
        with pytest.raises(InputError, match=rf"^Row 2, column 'id': '{re.escape(bad_id)}' is not a deal id"):
            importer.plan_import(copy, path)
        assert copy.deals.count() == 0


@pytest.mark.parametrize(
    "notes",
    ['[["yesterday", "Called"]]', '[["", "Called"]]', '[["2026-11-24 10:00:00"]]', '{"a": 1}', "not json"],
)
def test_a_broken_notes_cell_is_a_row_error(store: Store, tmp_path: Path, notes: str) -> None:
    """A note time the timeline cannot read would break the deal's timeline and the
    export later; the import refuses the file instead."""
    deal = builders.add(store, "One")
    builders.add_note(store, deal.id, "Called")
    table = list(csv.DictReader(io.StringIO(export_to_string(store, "deals"), newline="")))
    del table[0]["timeline"]
    table[0]["notes"] = notes
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, [*DEAL_COLUMNS[:-1], "notes"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    path = tmp_path / "deals.csv"
    path.write_bytes(out.getvalue().encode())
    with Store.open(tmp_path / "copy.db") as copy:
        with pytest.raises(InputError, match=r"^Row 2, column 'notes': .* is not the notes list"):
            builders.import_file(copy, path)
        assert copy.deals.count() == 0


# ------------------------------------------------------- the whole timeline


def full_history(store: Store, clock: Clock) -> None:
    """Moves, losses with reason / competitor / note / revisit, reopenings, notes, edits, a
    taken-back note, an archived deal, a custom stage and reason, an imported CRM deal."""
    fill(store, clock)
    demo = store.shape.add_stage("Demo booked")
    legal = store.shape.add_reason("Legal blocked", needs_note=False)
    a = builders.add(store, "Reopened twice", company="Umbrella", value=50_000)
    clock.advance(hours=1)
    builders.move(store, a.id, demo.id, note="Demo on Friday")
    rival = store.shape.find_reason("Lost to competitor").id
    builders.mark_lost(
        store,
        a.id,
        LossInput(rival, competitor="Initrode", note="They undercut us", revisit_on=date(2027, 3, 1)),
    )
    clock.advance(days=1)
    builders.reopen(store, a.id, store.shape.find_stage("Proposal").id, note="They came back")
    builders.edit(store, a.id, value=60_000, title="Reopened twice (v2)")
    builders.add_note(store, a.id, "typo")
    ops.undo(store)
    builders.mark_lost(store, a.id, LossInput(legal.id, note="Procurement said no"))
    b = builders.add(store, "Archived one")
    builders.snooze_stale(store, b.id, date(2026, 12, 20))
    builders.archive(store, b.id)
    hubspot = Path(store.path or ".").with_name("hubspot.csv")  # type: ignore[arg-type]
    hubspot.write_text(
        "Record ID,Deal Name,Deal Stage,Amount\r\n91,From HubSpot,Contract Sent,10\r\n", newline=""
    )
    builders.import_file(store, hubspot)


def test_export_import_export_is_byte_identical_for_deals_and_timeline(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    full_history(store, clock)
    first_notes = export_to_string(store, "notes")
    first, second = roundtrip(store, tmp_path)
    assert second == first
    with Store.open(tmp_path / "copy.db", clock=store.conn.clock) as copy:
        assert export_to_string(copy, "notes") == first_notes
        # The same events, kinds and texts, in the same order, deal by deal.
        for deal in store.deals.all(archived=None):
            assert [(e.at, e.kind, e.text) for e in copy.deals.timeline(deal.id)] == [
                (e.at, e.kind, e.text) for e in store.deals.timeline(deal.id)
            ]
        # A stage only the history names comes back archived (no empty column on the board).
        assert copy.shape.find_stage_any("Demo booked").archived
        assert copy.shape.find_reason("Legal blocked")
        assert copy.deals.count(archived=True) == 1
        # A CRM deal keeps its baseline: re-importing the CRM's file changes nothing.
        hubspot = tmp_path / "hubspot.csv"
        hubspot.write_text(
            "Record ID,Deal Name,Deal Stage,Amount\r\n91,From HubSpot,Contract Sent,10\r\n", newline=""
        )
        plan = importer.plan_import(copy, hubspot)
        assert (len(plan.rows), plan.updated, plan.unchanged) == (0, 0, 1)
    lines = rows(first)
    timeline = json.loads(next(r for r in lines if r["title"] == "Reopened twice (v2)")["timeline"])
    kinds = [e["kind"] for e in timeline]
    assert kinds == ["created", "moved", "lost", "reopened", "edited", "note", "undone", "lost"]
    assert timeline[3]["data"]["previous_loss"]["lost_at_stage"] == "Demo booked"
    assert timeline[6]["data"] == {"retracted_event": 5}


def test_an_older_export_with_a_notes_column_is_still_read(
    store: Store, clock: Clock, tmp_path: Path
) -> None:
    deal = builders.add(store, "Old export", company="Acme")
    builders.add_note(store, deal.id, "First call")
    table = list(csv.DictReader(io.StringIO(export_to_string(store, "deals"), newline="")))
    old_columns = [
        c for c in DEAL_COLUMNS if c not in ("archived_at", "snoozed_until", "crm_baseline", "timeline")
    ]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, [*old_columns, "notes"], lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerow({**table[0], "notes": json.dumps([[table[0]["created_at"], "First call"]])})
    path = tmp_path / "old.csv"
    path.write_bytes(out.getvalue().encode())
    with Store.open(tmp_path / "copy.db") as copy:
        builders.import_file(copy, path)
        (copied,) = copy.deals.all()
        assert [n.text for n in copy.deals.notes(copied.id)] == ["First call"]


def test_a_notes_row_of_a_loss_carries_that_loss_even_after_a_reopening(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Twice lost")
    rival = store.shape.find_reason("Lost to competitor").id
    builders.mark_lost(
        store, deal.id, LossInput(rival, competitor="Initrode", note="Cheaper", revisit_on=date(2027, 3, 1))
    )
    builders.reopen(store, deal.id, store.shape.find_stage("Lead").id)
    builders.mark_lost(store, deal.id, LossInput(store.shape.find_reason("Price").id))  # no note: still a row
    losses = [r for r in rows(export_to_string(store, "notes")) if r["kind"] == "lost"]
    assert [(r["text"], r["loss_reason"], r["competitor"], r["revisit_on"]) for r in losses] == [
        ("Cheaper", "Lost to competitor", "Initrode", "2027-03-01"),
        ("", "Price / budget", "", ""),
    ]

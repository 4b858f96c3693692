"""CSV export: RFC 4180, UTF-8, formula-safe cells, and no half-written files."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from conftest import Clock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_tui import operations as ops
from pipeline_tui.csv_cells import Writer, write_deals
from pipeline_tui.csv_io import (
    BOM,
    DEAL_COLUMNS,
    NOTE_COLUMNS,
    deal_rows,
    export,
    export_to_path,
    export_to_string,
    neutralize,
    unneutralize,
)
from pipeline_tui.errors import PipelineError
from pipeline_tui.models import EventKind, LossInput
from pipeline_tui.store import Store, ts

TRICKY = 'Müller, "Ltd"\nзаметка 注释'


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def lost_deal(store: Store, clock: Clock) -> int:
    deal = builders.add(store, "Platform licence", company="Northwind", value=1_200_050)
    clock.advance(hours=1)
    builders.add_note(store, deal.id, "Budget call went well")
    clock.advance(hours=1)
    builders.move(store, deal.id, store.shape.find_stage("Proposal").id, note="Sent the proposal")
    clock.advance(days=2)
    builders.move(
        store,
        deal.id,
        store.shape.find_stage("Closed Lost").id,
        LossInput(
            store.shape.find_reason("Lost to competitor").id,
            competitor="HubSpot",
            note="Cheaper; renews in May",
            revisit_on=date(2027, 5, 1),
        ),
    )
    return deal.id


# -------------------------------------------------------------------- notes


def test_notes_one_row_per_text_entry_with_deal_context(store: Store, clock: Clock) -> None:
    deal_id = lost_deal(store, clock)
    other = builders.add(store, "Team seats", company="Kestrel")
    builders.add_note(store, other.id, "Asked for SSO")
    builders.edit(store, other.id, value=500)  # an edit carries no text: not exported
    rows = read(export_to_string(store, "notes"))
    assert tuple(rows[0].keys()) == NOTE_COLUMNS
    assert [(r["deal_id"], r["kind"], r["text"]) for r in rows] == [
        (str(deal_id), "note", "Budget call went well"),
        (str(deal_id), "moved", "Sent the proposal"),
        (str(deal_id), "lost", "Cheaper; renews in May"),
        (str(other.id), "note", "Asked for SSO"),
    ]
    first = rows[0]
    assert first["title"] == "Platform licence"
    assert first["company"] == "Northwind"
    assert first["stage"] == "Closed Lost"  # the deal's current stage
    assert first["status"] == "lost"
    assert first["note_time"] == ts(datetime(2026, 11, 24, 10, 0))  # with its UTC offset
    assert first["loss_reason"] == "Lost to competitor"
    assert first["competitor"] == "HubSpot"
    assert first["revisit_on"] == "2027-05-01"
    last = rows[-1]
    assert (last["status"], last["loss_reason"], last["competitor"], last["revisit_on"]) == (
        "open",
        "",
        "",
        "",
    )


def test_a_loss_still_in_force_carries_its_revisit_as_it_is_now(store: Store, clock: Clock) -> None:
    """After the revisit is snoozed or closed out, the notes file says so: the loss the deal
    is still in carries its revisit as it is now; an earlier loss keeps its own."""
    price = store.shape.find_reason("Price / budget").id
    snoozed = builders.add(store, "Snoozed", company="A")
    builders.mark_lost(store, snoozed.id, LossInput(price, note="Try again", revisit_on=date(2026, 11, 22)))
    builders.snooze_revisit(store, snoozed.id, date(2027, 3, 7))
    closed = builders.add(store, "Closed out", company="B")
    builders.mark_lost(store, closed.id, LossInput(price, note="No budget", revisit_on=date(2026, 11, 23)))
    builders.close_revisit(store, closed.id)
    again = builders.add(store, "Lost twice", company="C")
    builders.mark_lost(store, again.id, LossInput(price, note="First", revisit_on=date(2026, 12, 1)))
    builders.reopen(store, again.id, "Lead")
    builders.mark_lost(store, again.id, LossInput(price, note="Second", revisit_on=date(2027, 2, 1)))
    builders.snooze_revisit(store, again.id, date(2027, 4, 1))
    losses = [(r["title"], r["text"], r["revisit_on"]) for r in read(export_to_string(store, "notes"))
              if r["kind"] == "lost"]  # fmt: skip
    assert ("Snoozed", "Try again", "2027-03-07") in losses
    assert ("Closed out", "No budget", "") in losses
    assert ("Lost twice", "First", "2026-12-01") in losses  # as it was at that loss
    assert ("Lost twice", "Second", "2027-04-01") in losses


def test_notes_match_the_timeline(store: Store, clock: Clock) -> None:
    lost_deal(store, clock)
    d = builders.add(store, "Second")
    keep = builders.add_note(store, d.id, "kept")
    builders.add_note(store, d.id, "retracted")
    ops.undo(store)
    builders.set_next_step(store, d.id, "Call Tuesday", date(2026, 12, 1))
    expected = [
        (e.deal_id, e.kind.value, e.text)
        for deal in store.deals.all()
        for e in store.deals.timeline(deal.id)
        if e.text and not e.data.get("retracted") and e.kind is not EventKind.UNDONE
    ]
    rows = [(r["deal_id"], r["kind"], r["text"]) for r in store.transfer.note_rows()]
    assert sorted(rows) == sorted(expected)
    assert (d.id, "note", keep.text) in rows
    assert (d.id, "next_step", "Call Tuesday") in rows
    assert all(text != "retracted" for _, _, text in rows)


def test_empty_export_is_a_header(store: Store) -> None:
    assert export_to_string(store, "notes") == ",".join(NOTE_COLUMNS) + "\r\n"
    assert export_to_string(store, "deals") == ",".join(DEAL_COLUMNS) + "\r\n"


# -------------------------------------------------------------- RFC 4180


def test_rfc4180_crlf_and_doubled_quotes(store: Store) -> None:
    d = builders.add(store, 'The "big" one', company="Acme, Inc.")
    builders.add_note(store, d.id, 'She said "yes", then "maybe"')
    text = export_to_string(store, "notes")
    records = text.split("\r\n")
    assert records[-1] == ""  # every record ends with CRLF
    assert len(records) == 3
    assert '"The ""big"" one"' in records[1]
    assert '"Acme, Inc."' in records[1]
    assert '"She said ""yes"", then ""maybe"""' in records[1]


def test_utf8_and_tricky_text_survive_csv_reader(store: Store, tmp_path: Path) -> None:
    d = builders.add(store, TRICKY, company=TRICKY, contact=TRICKY)
    builders.add_note(store, d.id, TRICKY)
    path = tmp_path / "notes.csv"
    assert export_to_path(store, "notes", path) == 1
    raw = path.read_bytes()
    assert "заметка 注释".encode() in raw
    assert not raw.startswith(BOM.encode())
    with path.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["title"] == row["company"] == row["text"] == TRICKY
    deals_path = tmp_path / "deals.csv"
    export_to_path(store, "deals", deals_path)
    with deals_path.open(encoding="utf-8", newline="") as fh:
        [deal] = list(csv.DictReader(fh))
    assert deal["title"] == deal["company"] == deal["contact"] == TRICKY


def test_excel_adds_a_bom(store: Store, tmp_path: Path) -> None:
    builders.add_note(store, builders.add(store, "x").id, "hi")
    assert export_to_string(store, "notes", excel=True).startswith(BOM + "deal_id,")
    path = tmp_path / "excel.csv"
    export_to_path(store, "notes", path, excel=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdeal_id,")
    assert raw.count(b"\xef\xbb\xbf") == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == list(NOTE_COLUMNS)


# ---------------------------------------------------------- formula cells


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+1", "-1", "@cmd", "\tpadded", "\rreturn", "=1+1"])
def test_formula_triggers_are_neutralized(text: str) -> None:
    assert neutralize(text) == "'" + text
    assert unneutralize(neutralize(text)) == text


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+1 555 0100", "-1", "@cmd", '=HYPERLINK("x")'])
def test_formula_cells_are_neutralized_in_both_exports(store: Store, text: str) -> None:
    # (The store trims what people type, so a leading tab or CR never reaches a deal or note.)
    d = builders.add(store, text, company=text)
    builders.add_note(store, d.id, text)
    [row] = read(export_to_string(store, "notes"))
    assert row["text"] == row["title"] == row["company"] == "'" + text
    assert unneutralize(row["text"]) == text
    [deal] = read(export_to_string(store, "deals"))
    assert deal["title"] == deal["company"] == "'" + text


@pytest.mark.parametrize(
    "text", ["plain", "1+1", "a=b", " =not first", "'quoted", "", "42", "Ünïcode", "x@y.com"]
)
def test_other_cells_are_untouched(text: str) -> None:
    assert neutralize(text) == text
    assert unneutralize(neutralize(text)) == text


def test_neutralize_values_that_are_not_text() -> None:
    assert neutralize(None) == ""
    assert neutralize(12) == "12"
    assert neutralize(-3) == "'-3"
    assert neutralize(date(2026, 12, 1)) == "2026-12-01"


def test_apostrophe_before_a_trigger_round_trips() -> None:
    # A note that itself starts with an apostrophe and a trigger must come back as typed.
    for text in ["'=1+1", "''=x", "'-5", "'@"]:
        assert unneutralize(neutralize(text)) == text


# ---------------------------------------------------------------- deals


def test_deals_export(store: Store, clock: Clock) -> None:
    deal_id = lost_deal(store, clock)
    [row] = read(export_to_string(store, "deals"))
    assert tuple(row) == DEAL_COLUMNS
    assert row["id"] == str(deal_id)
    assert row["value"] == "12000.50"
    assert row["currency"] == "USD"
    assert (row["stage"], row["status"]) == ("Closed Lost", "lost")
    assert (row["loss_reason"], row["competitor"]) == ("Lost to competitor", "HubSpot")
    assert row["lost_at_stage"] == "Proposal"
    assert row["loss_note"] == "Cheaper; renews in May"
    assert (row["revisit_on"], row["revisit_state"]) == ("2027-05-01", "pending")
    assert row["created_at"] == ts(datetime(2026, 11, 24, 9, 0))
    assert '"text": "Budget call went well"' in row["timeline"]


def test_unknown_export_kind(store: Store) -> None:
    with pytest.raises(PipelineError, match="notes or deals"):
        export(store, "contacts", io.StringIO())


# ----------------------------------------------------------- round trip


NOTE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
).filter(lambda s: s.strip())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(NOTE_TEXT, min_size=1, max_size=4))
def test_any_note_text_round_trips(store: Store, texts: list[str]) -> None:
    deal = builders.add(store, "Round trip")
    for text in texts:
        builders.add_note(store, deal.id, text)
    rows = [r for r in read(export_to_string(store, "notes")) if r["deal_id"] == str(deal.id)]
    # The store keeps what was typed, trimmed; the CSV gives back exactly that.
    assert [unneutralize(r["text"]) for r in rows] == [t.strip() for t in texts]


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_neutralize_round_trip(text: str) -> None:
    cell = neutralize(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unneutralize(cell) == text


# ------------------------------------------------------- no partial files


def test_failed_export_leaves_no_file(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = builders.add(store, "x")
    builders.add_note(store, d.id, "first")

    note_rows = store.transfer.note_rows

    def exploding_rows():  # type: ignore[no-untyped-def]
        yield from note_rows()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.transfer, "note_rows", exploding_rows)
    target = tmp_path / "out" / "notes.csv"
    target.parent.mkdir()
    with pytest.raises(OSError, match="No space left"):
        export_to_path(store, "notes", target)
    assert list(target.parent.iterdir()) == []


def test_failed_export_keeps_the_previous_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "notes.csv"
    target.write_bytes(b"previous export\r\n")

    def exploding_rows():  # type: ignore[no-untyped-def]
        yield {"deal_id": 1, "text": "half"}
        raise KeyboardInterrupt

    monkeypatch.setattr(store.transfer, "note_rows", exploding_rows)
    with pytest.raises(KeyboardInterrupt):
        export_to_path(store, "notes", target)
    assert target.read_bytes() == b"previous export\r\n"
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("pipeline.db"))
    assert left == ["notes.csv"]  # no temporary file left beside it


def test_export_to_path_refusals(store: Store, tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="is a folder"):
        export_to_path(store, "notes", tmp_path)
    with pytest.raises(PipelineError, match="does not exist"):
        export_to_path(store, "notes", tmp_path / "missing" / "x.csv")


# ------------------------------------------- the deals export's fast rows


# Cells built from what decides a cell's form: separators of every locale, quotes, line
# breaks, triggers, apostrophes, spaces of several kinds (NUL, the fast path's joiner,
# included), and plain letters.
HOSTILE = st.text(st.sampled_from(list("ab ,;\t\r\n\"'=+-@\x00\x1f\xa0\u2028\x85{}[]é")), max_size=6)
JSON_LIKE = st.builds(lambda body, o: ("[" if o else "{") + body, HOSTILE, st.booleans())


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(HOSTILE, min_size=len(DEAL_COLUMNS) - 2, max_size=len(DEAL_COLUMNS) - 2),
            st.one_of(HOSTILE, JSON_LIKE),
            st.one_of(HOSTILE, JSON_LIKE),
        ),
        max_size=3,
    )
)
def test_the_deals_writer_writes_each_row_as_the_cell_by_cell_writer(
    rows: list[tuple[list[str], str, str]],
) -> None:
    cells = [[*plain, baseline, timeline] for plain, baseline, timeline in rows]
    expected = io.StringIO()
    writer = Writer(expected)
    writer.writerow(DEAL_COLUMNS)
    for row in cells:
        writer.writerow(row)
    fast = io.StringIO()
    assert write_deals(fast, cells) == len(cells)
    assert fast.getvalue() == expected.getvalue()


def test_the_deals_export_is_the_cell_by_cell_export_of_a_pipeline(store: Store, clock: Clock) -> None:
    """A pipeline with hostile text in every kind of field, lost, won, archived and edited
    deals: `export deals` writes exactly what the cell-by-cell writer makes of its rows."""
    lost_deal(store, clock)
    for title in ("=cmd|' /C calc'!A0", "  padded  ", "a;b", "tab\there", "-5", "@sum", "ok"):
        deal = builders.add(store, title, company="Co, =x", contact="'quoted'", value=5)
        builders.add_note(store, deal.id, "note\n=1+1, @a")
    for row in store.conn.rows("SELECT id FROM deals"):  # a stored value no path writes
        store.conn.db.execute("UPDATE deals SET value = ? WHERE id = ?", ["12.5", row[0]])
        break
    expected = io.StringIO()
    writer = Writer(expected)
    writer.writerow(DEAL_COLUMNS)
    for row in deal_rows(store):
        writer.writerow([row[c] for c in DEAL_COLUMNS])
    assert export_to_string(store, "deals") == expected.getvalue()
    assert len(read(expected.getvalue())) == 8


def test_a_baseline_whose_stage_is_not_an_id_exports_without_a_board_stage(store: Store) -> None:
    """A file edited elsewhere: the CRM baseline's stage_id is a list. The export says no
    board stage for it instead of stopping."""
    deal = builders.add(store, "Edited elsewhere")
    store.conn.db.execute(
        "UPDATE deals SET crm_baseline = ? WHERE id = ?", ['{"stage_id":[1],"title":"x"}', deal.id]
    )
    [row] = read(export_to_string(store, "deals"))
    assert json.loads(row["crm_baseline"]) == {"board_stage": None, "title": "x"}

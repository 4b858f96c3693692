"""The store on real SQLite files: schema, writes and their timeline, lists, and refusals."""

from __future__ import annotations

import random
import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock

from pipeline_tui import operations as ops
from pipeline_tui import rules
from pipeline_tui.errors import DatabaseFileError, InputError, NotFoundError, RuleError
from pipeline_tui.migrations import APPLICATION_ID, known_names
from pipeline_tui.models import (
    DEFAULT_LOSS_REASONS,
    Deal,
    EventKind,
    LossInput,
    RevisitState,
    Stage,
    StageKind,
)
from pipeline_tui.store import BUSY_TIMEOUT_MS, Store

# ------------------------------------------------------------------ helpers


def stage(store: Store, name: str) -> Stage:
    return store.shape.find_stage(name)


def reason_id(store: Store, label: str) -> int:
    return store.shape.find_reason(label).id


def event_count(store: Store, deal_id: int | None = None) -> int:
    if deal_id is None:
        return store.conn.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return store.conn.db.execute("SELECT COUNT(*) FROM events WHERE deal_id = ?", [deal_id]).fetchone()[0]


def deal_row(store: Store, deal_id: int) -> tuple:
    return store.conn.db.execute("SELECT * FROM deals WHERE id = ?", [deal_id]).fetchone()


def lose(store: Store, deal_id: int, label: str = "Price", **loss: object) -> Deal:
    return builders.move(
        store, deal_id, stage(store, "Closed Lost").id, LossInput(reason_id(store, label), **loss)
    )  # type: ignore[arg-type]


# ------------------------------------------------------------ schema, pragmas


def test_default_stages_seeded_in_order(store: Store) -> None:
    stages = store.shape.stages()
    assert [(s.name, s.kind, s.stale_days, s.position) for s in stages] == [
        ("Lead", StageKind.OPEN, 14, 0),
        ("Qualified", StageKind.OPEN, 14, 1),
        ("Proposal", StageKind.OPEN, 10, 2),
        ("Negotiation", StageKind.OPEN, 7, 3),
        ("Closed Won", StageKind.WON, None, 4),
        ("Closed Lost", StageKind.LOST, None, 5),
    ]
    assert store.shape.first_stage(StageKind.OPEN).name == "Lead"
    assert store.shape.first_stage(StageKind.WON).name == "Closed Won"
    assert store.shape.first_stage(StageKind.LOST).name == "Closed Lost"


def test_default_loss_reasons_seeded(store: Store) -> None:
    reasons = store.shape.reasons()
    assert [r.label for r in reasons] == [
        "Price / budget",
        "Timing / no urgency",
        "Product fit / missing feature",
        "Lost to competitor",
        "No decision / went dark",
        "Champion or buyer left",
        "Chose to build in-house",
        "Unqualified / bad fit",
        "Other",
    ]
    assert len(reasons) == len(DEFAULT_LOSS_REASONS) == 9
    assert [r.label for r in reasons if r.needs_competitor] == ["Lost to competitor"]
    assert [r.label for r in reasons if r.needs_note] == ["Other"]


def test_pragmas(store: Store) -> None:
    db = store.conn.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS > 0
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(known_names())


def test_reopening_an_existing_file_keeps_data(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "again.db"
    with Store.open(path, clock=clock) as first:
        builders.add(first, "Kept")
    with Store.open(path, clock=clock) as second:
        assert [d.title for d in second.deals.all()] == ["Kept"]
        assert len(second.shape.stages()) == 6
        assert len(second.shape.reasons()) == 9  # seeded once, not again


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.db.execute(
            "INSERT INTO deals (title, stage_id, created_at, stage_entered_at, last_activity_at) "
            "VALUES ('x', 999, '2026-11-24', '2026-11-24', '2026-11-24')"
        )


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "shared.db"
    with Store.open(path, clock=clock) as a, Store.open(path, clock=clock) as b:
        b.changed()
        deal = builders.add(a, "From A")
        assert b.changed() is True
        assert b.changed() is False
        assert b.deals.get(deal.id).title == "From A"
        builders.add_note(b, deal.id, "From B")
        assert [e.text for e in a.deals.notes(deal.id)] == ["From B"]


# ----------------------------------------------------------- add, get, find


def test_add_defaults(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Platform licence", company="Northwind", value=1_200_000)
    assert deal.id == 1
    assert deal.stage_id == stage(store, "Lead").id
    assert deal.currency == "USD"
    assert deal.created_at == deal.stage_entered_at == deal.last_activity_at == clock()
    assert deal.closed_at is None
    timeline = store.deals.timeline(deal.id)
    assert [(e.kind, e.to_stage_id) for e in timeline] == [(EventKind.CREATED, deal.stage_id)]


def test_add_all_fields_round_trip(store: Store) -> None:
    deal = builders.add(
        store,
        "  Team seats  ",
        company="Müller & Söhne",
        contact="Ana Okafor",
        value=350_000,
        currency="eur",
        stage_id=stage(store, "Proposal").id,
        expected_close=date(2026, 12, 15),
        next_step="Send revised proposal",
        next_step_due=date(2026, 11, 27),
        note="First call went well",
    )
    got = store.deals.get(deal.id)
    assert got == deal
    assert (got.title, got.company, got.currency, got.value) == (
        "Team seats",
        "Müller & Söhne",
        "EUR",
        350_000,
    )
    assert (got.expected_close, got.next_step_due) == (date(2026, 12, 15), date(2026, 11, 27))
    assert [e.text for e in store.deals.notes(deal.id)] == ["First call went well"]


def test_add_won_sets_closed_at(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Won already", stage_id=stage(store, "Closed Won").id)
    assert deal.closed_at == clock()


def test_a_new_deal_never_starts_closed_and_a_refused_add_writes_nothing(store: Store) -> None:
    from pipeline_tui import operations as ops
    from pipeline_tui.models import DealDraft

    lost = stage(store, "Closed Lost").id
    with pytest.raises(RuleError, match="cannot start in Closed Lost"):
        ops.add(store, DealDraft("No reason"), stage_id=lost)
    assert store.deals.count() == 0 and event_count(store) == 0
    deal = builders.add(
        store, "Imported loss", stage_id=lost, loss=LossInput(reason_id(store, "Timing"), note="Q3")
    )
    assert deal.loss_reason_id == reason_id(store, "Timing")
    assert [e.kind for e in store.deals.timeline(deal.id)] == [EventKind.CREATED, EventKind.LOST]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "   "}, "title cannot be empty"),
        ({"title": "x", "value": -1}, "non-negative"),
        ({"title": "x", "value": 1.5}, "whole"),
        ({"title": "x", "company": "a\x00b"}, "NUL"),
        ({"title": "x" * 20_001}, "longer than"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(store: Store, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        builders.add(store, **kwargs)
    assert store.deals.count() == 0 and event_count(store) == 0


def test_get_unknown(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no deal #42"):
        store.deals.get(42)


def test_find(store: Store) -> None:
    a = builders.add(store, "Platform licence — Northwind")
    b = builders.add(store, "Team seats — Kestrel")
    c = builders.add(store, "Team seats — Quillstone")
    d = builders.add(store, "Pilot")
    e = builders.add(store, "Pilot extension")
    assert store.deals.find(a.id) == a
    assert store.deals.find(str(b.id)) == b
    assert store.deals.find(f"#{c.id}") == c
    assert store.deals.find(f" #{c.id} ") == c
    assert store.deals.find("pilot") == d  # exact title (any case) beats the longer match
    assert store.deals.find("extension") == e  # unique substring
    assert store.deals.find("northwind") == a
    assert store.deals.find("quillstone") == c
    with pytest.raises(NotFoundError, match="several deals") as info:
        store.deals.find("team seats")
    assert f"#{b.id}" in str(info.value) and f"#{c.id}" in str(info.value)
    with pytest.raises(NotFoundError, match="No deal matches 'Zephyr'"):
        store.deals.find("Zephyr")
    with pytest.raises(NotFoundError):
        store.deals.find("#999")
    with pytest.raises(NotFoundError):
        store.deals.find("   ")


def test_find_treats_like_wildcards_literally(store: Store) -> None:
    builders.add(store, "100% renewal")
    builders.add(store, "100 seats")
    assert store.deals.find("100%").title == "100% renewal"
    with pytest.raises(NotFoundError):
        store.deals.find("1_0")


# ------------------------------------------------------------------- moves


def test_move_writes_one_event(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Move me")
    before = event_count(store)
    clock.advance(days=2)
    moved = builders.move(store, deal.id, stage(store, "Qualified").id, note="Budget confirmed")
    assert moved.stage_id == stage(store, "Qualified").id
    assert moved.stage_entered_at == moved.last_activity_at == clock()
    assert event_count(store) == before + 1
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.MOVED
    assert (event.from_stage_id, event.to_stage_id) == (
        stage(store, "Lead").id,
        stage(store, "Qualified").id,
    )
    assert event.text == "Budget confirmed"
    assert event.data == {"from": "Lead", "to": "Qualified"}
    assert event.at == clock()


def test_move_to_same_stage_refused(store: Store) -> None:
    deal = builders.add(store, "Stay")
    with pytest.raises(RuleError, match="already in Lead"):
        builders.move(store, deal.id, deal.stage_id)
    assert event_count(store, deal.id) == 1


def test_move_to_lost_without_reason_changes_nothing(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Keep me", stage_id=stage(store, "Proposal").id)
    row, events = deal_row(store, deal.id), event_count(store)
    clock.advance(days=1)
    with pytest.raises(RuleError, match="needs a loss reason"):
        builders.move(store, deal.id, stage(store, "Closed Lost").id)
    assert store.deals.get(deal.id).stage_id == stage(store, "Proposal").id
    assert deal_row(store, deal.id) == row
    assert event_count(store) == events


def test_move_to_lost_with_competitor_reason_needs_competitor(store: Store) -> None:
    deal = builders.add(store, "Rival", stage_id=stage(store, "Negotiation").id)
    row, events = deal_row(store, deal.id), event_count(store)
    with pytest.raises(RuleError, match="competitor"):
        lose(store, deal.id, "Lost to competitor")
    with pytest.raises(RuleError, match="competitor"):
        lose(store, deal.id, "Lost to competitor", competitor="  ")
    with pytest.raises(RuleError, match="note"):
        lose(store, deal.id, "Other")
    assert deal_row(store, deal.id) == row
    assert event_count(store) == events
    lost = lose(store, deal.id, "Lost to competitor", competitor=" HubSpot ")
    assert lost.competitor == "HubSpot"


def test_move_to_lost_records_the_loss(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Lose me", stage_id=stage(store, "Proposal").id)
    clock.advance(days=3)
    lost = lose(
        store,
        deal.id,
        "Lost to competitor",
        competitor="Pipedrive",
        note="Cheaper; contract renews in May",
        revisit_on=date(2027, 5, 1),
    )
    assert lost.stage_id == stage(store, "Closed Lost").id
    assert lost.loss_reason_id == reason_id(store, "Lost to competitor")
    assert lost.competitor == "Pipedrive"
    assert lost.loss_note == "Cheaper; contract renews in May"
    assert lost.lost_at_stage_id == stage(store, "Proposal").id
    assert lost.closed_at == clock()
    assert lost.revisit_on == date(2027, 5, 1)
    assert lost.revisit_state is RevisitState.PENDING
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.LOST
    assert event.text == "Cheaper; contract renews in May"
    assert event.data["reason"] == "Lost to competitor"
    assert event.data["competitor"] == "Pipedrive"
    assert event.data["revisit_on"] == "2027-05-01"


def test_lost_without_revisit_has_no_revisit_state(store: Store) -> None:
    deal = builders.add(store, "Gone")
    lost = lose(store, deal.id, "No decision")
    assert lost.revisit_on is None and lost.revisit_state is None
    assert store.review.revisits(TODAY) == ([], [])


def test_mark_won(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Win me")
    clock.advance(hours=2)
    won = builders.mark_won(store, deal.id)
    assert won.stage_id == stage(store, "Closed Won").id
    assert won.closed_at == clock()
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.WON


def test_reopen_clears_live_loss_and_keeps_it_in_the_timeline(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Comeback", stage_id=stage(store, "Negotiation").id)
    lose(
        store,
        deal.id,
        "Lost to competitor",
        competitor="Close",
        note="They picked Close",
        revisit_on=date(2027, 2, 1),
    )
    clock.advance(days=60)
    back = builders.reopen(store, deal.id, stage(store, "Qualified").id, note="New budget")
    assert back.stage_id == stage(store, "Qualified").id
    assert back.loss_reason_id is None
    assert (back.competitor, back.loss_note) == ("", "")
    assert back.lost_at_stage_id is None
    assert back.revisit_on is None and back.revisit_state is None
    assert back.closed_at is None
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.REOPENED
    assert event.text == "New budget"
    previous = event.data["previous_loss"]
    assert previous["reason"] == "Lost to competitor"
    assert previous["competitor"] == "Close"
    assert previous["note"] == "They picked Close"
    assert previous["revisit_on"] == "2027-02-01"
    assert previous["lost_at_stage_id"] == stage(store, "Negotiation").id
    # And the LOST event itself is still there.
    assert [e.kind for e in store.deals.timeline(deal.id)].count(EventKind.LOST) == 1


def test_reopen_only_into_open_stage(store: Store) -> None:
    deal = builders.add(store, "Closed")
    builders.mark_won(store, deal.id)
    with pytest.raises(RuleError, match="open stage"):
        builders.reopen(store, deal.id, stage(store, "Closed Lost").id)
    reopened = builders.reopen(store, deal.id, stage(store, "Lead").id)
    assert reopened.closed_at is None
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.REOPENED


# ---------------------------------------------------------- notes and edits


def test_add_note_updates_activity_and_unstales(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Quiet", stage_id=stage(store, "Proposal").id)
    clock.advance(days=12)
    today = clock.today
    assert [s.deal.id for s in store.review.stale(today)] == [deal.id]
    assert store.review.stale(today)[0].reason == "12 days idle in Proposal"
    event = builders.add_note(store, deal.id, "  Called, left voicemail  ")
    assert event.kind is EventKind.NOTE and event.text == "Called, left voicemail"
    assert store.deals.get(deal.id).last_activity_at == clock()
    assert store.review.stale(today) == []


def test_add_note_refuses_empty(store: Store) -> None:
    deal = builders.add(store, "x")
    with pytest.raises(InputError):
        builders.add_note(store, deal.id, "   ")
    with pytest.raises(NotFoundError):
        builders.add_note(store, 999, "hello")
    assert event_count(store) == 1


def test_edit_records_old_and_new(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Old title", value=100_000, expected_close=date(2026, 12, 1))
    clock.advance(days=1)
    edited = builders.edit(
        store, deal.id, title="New title", value=250_000, expected_close=date(2027, 1, 15), company=""
    )
    assert (edited.title, edited.value, edited.expected_close) == (
        "New title",
        250_000,
        date(2027, 1, 15),
    )
    assert edited.last_activity_at == clock()
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.EDITED
    assert event.data["changes"] == {
        "title": ["Old title", "New title"],
        "value": [100_000, 250_000],
        "expected_close": ["2026-12-01", "2027-01-15"],
    }  # company did not change, so it is not recorded


def test_edit_without_change_writes_nothing(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Same")
    clock.advance(days=1)
    assert builders.edit(store, deal.id, title="Same") == deal
    assert event_count(store, deal.id) == 1


def test_edit_refuses(store: Store) -> None:
    deal = builders.add(store, "x")
    with pytest.raises(InputError, match="Cannot edit stage_id"):
        builders.edit(store, deal.id, stage_id=3)
    with pytest.raises(InputError):
        builders.edit(store, deal.id, value=-5)
    with pytest.raises(InputError):
        builders.edit(store, deal.id, title="")
    assert store.deals.get(deal.id) == deal


def test_next_step_is_activity_and_a_future_step_unstales(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Waiting", stage_id=stage(store, "Negotiation").id)
    clock.advance(days=8)
    assert len(store.review.stale(clock.today)) == 1
    updated = builders.set_next_step(store, deal.id, "Chase order form", clock.today + timedelta(days=3))
    assert updated.next_step == "Chase order form"
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.NEXT_STEP and event.text == "Chase order form"
    assert store.review.stale(clock.today) == []
    clock.advance(days=8)  # idle past the threshold again, and the step's date has passed
    assert [s.reason for s in store.review.stale(clock.today)] == ["8 days idle in Negotiation"]


# ----------------------------------------------------------------- revisits


def test_snooze_and_close_revisit(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Maybe later")
    lose(store, deal.id, "Timing", revisit_on=TODAY)
    assert [d.id for d in store.review.revisits(TODAY)[0]] == [deal.id]
    snoozed = builders.snooze_revisit(store, deal.id, date(2027, 3, 1), note="Ask again in spring")
    assert snoozed.revisit_on == date(2027, 3, 1)
    assert snoozed.revisit_state is RevisitState.PENDING
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.REVISIT_SNOOZED
    assert event.data == {"from": "2026-11-24", "to": "2027-03-01"}
    assert store.review.revisits(TODAY) == ([], [])
    closed = builders.close_revisit(store, deal.id, note="Bought a competitor")
    assert closed.revisit_state is RevisitState.CLOSED
    assert closed.revisit_on == date(2027, 3, 1)  # kept on record
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.REVISIT_CLOSED
    assert store.review.revisits(date(2027, 3, 5)) == ([], [])
    with pytest.raises(RuleError, match="no open revisit"):
        builders.close_revisit(store, deal.id)


def test_snooze_refused_for_a_won_deal(store: Store) -> None:
    deal = builders.add(store, "Won", stage_id=stage(store, "Closed Won").id)
    events = event_count(store, deal.id)
    with pytest.raises(RuleError, match="won; there is nothing to snooze"):
        builders.snooze(store, deal.id, date(2027, 1, 1))
    assert event_count(store, deal.id) == events


def test_revisits_due_and_upcoming(store: Store) -> None:
    def lost_with(title: str, revisit: date | None) -> int:
        d = builders.add(store, title)
        lose(store, d.id, "Price", revisit_on=revisit)
        return d.id

    overdue = lost_with("Overdue", TODAY - timedelta(days=10))
    due_today = lost_with("Due today", TODAY)
    soon = lost_with("Soon", TODAY + timedelta(days=3))
    edge = lost_with("Edge", TODAY + timedelta(days=30))
    lost_with("Far", TODAY + timedelta(days=31))
    lost_with("Never", None)
    handled = lost_with("Handled", TODAY - timedelta(days=1))
    builders.close_revisit(store, handled)
    builders.add(store, "Open deal")
    due, upcoming = store.review.revisits(TODAY)
    assert [d.id for d in due] == [overdue, due_today]
    assert [d.id for d in upcoming] == [soon, edge]
    due, upcoming = store.review.revisits(TODAY, horizon_days=5)
    assert [d.id for d in upcoming] == [soon]


# ------------------------------------------------------------------- undo


def test_restore_puts_the_previous_stage_back(store: Store, clock: Clock) -> None:
    deal = builders.add(store, "Oops", stage_id=stage(store, "Proposal").id)
    clock.advance(days=1)
    lose(store, deal.id, "Other", note="Wrong deal", revisit_on=date(2027, 1, 1))
    clock.advance(minutes=1)
    undone = ops.undo(store)
    restored = undone.deal
    assert restored is not None
    assert restored.stage_id == stage(store, "Proposal").id
    assert restored.stage_entered_at == deal.stage_entered_at
    assert restored.loss_reason_id is None and restored.loss_note == ""
    assert restored.revisit_state is None and restored.closed_at is None
    # Undo puts back the activity time too: an undone change is as if it never happened.
    assert restored.last_activity_at == deal.last_activity_at
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.UNDONE
    assert event.text == "Undid: Lost #1 Oops (Other)"
    assert (event.from_stage_id, event.to_stage_id) == (
        stage(store, "Closed Lost").id,
        stage(store, "Proposal").id,
    )
    assert event.data["previous_loss"]["reason"] == "Other"
    assert event.data["previous_loss"]["note"] == "Wrong deal"
    assert store.review.revisits(date(2027, 1, 1)) == ([], [])


def test_restore_an_edit(store: Store) -> None:
    deal = builders.add(store, "Before", value=100)
    builders.edit(store, deal.id, title="After", value=200)
    restored = ops.undo(store).deal
    assert restored is not None
    assert (restored.title, restored.value) == ("Before", 100)
    event = store.deals.timeline(deal.id)[-1]
    assert event.kind is EventKind.UNDONE
    assert (event.from_stage_id, event.to_stage_id) == (None, None)


def test_retract_note_hides_it_from_exports(store: Store) -> None:
    deal = builders.add(store, "Notes")
    keep = builders.add_note(store, deal.id, "Keep this one")
    oops = builders.add_note(store, deal.id, "Wrong deal")
    ops.undo(store)
    assert [e.id for e in store.deals.notes(deal.id)] == [keep.id]
    rows = [r for r in store.transfer.note_rows() if r["kind"] == "note"]
    assert [r["text"] for r in rows] == ["Keep this one"]
    assert store.deals.event(oops.id).data["retracted"] is True  # still in the file
    assert store.deals.timeline(deal.id)[-1].kind is EventKind.UNDONE


def test_retracted_note_text_leaves_exports_entirely(store: Store) -> None:
    deal = builders.add(store, "Notes")
    builders.add_note(store, deal.id, "Wrong deal: CEO's home number 555-0100")
    ops.undo(store)
    assert not [r for r in store.transfer.note_rows() if "555-0100" in r["text"]]


# ---------------------------------------------------------- transactions


def test_failing_write_leaves_no_partial_rows(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = builders.add(store, "Atomic", stage_id=stage(store, "Proposal").id)
    row, events = deal_row(store, deal.id), event_count(store)

    def broken_log(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.deals, "log", broken_log)
    clock.advance(days=1)
    with pytest.raises(sqlite3.OperationalError):
        builders.move(store, deal.id, stage(store, "Negotiation").id)
    with pytest.raises(sqlite3.OperationalError):
        lose(store, deal.id, "Price", revisit_on=date(2027, 1, 1))
    with pytest.raises(sqlite3.OperationalError):
        builders.add_note(store, deal.id, "lost")
    with pytest.raises(sqlite3.OperationalError):
        builders.edit(store, deal.id, title="Changed")
    with pytest.raises(sqlite3.OperationalError):
        builders.add(store, "Half a deal")
    assert not store.conn.db.conn.in_transaction
    assert deal_row(store, deal.id) == row
    assert event_count(store) == events
    assert store.deals.count() == 1
    # And the connection is still usable afterwards.
    monkeypatch.undo()
    assert (
        builders.move(store, deal.id, stage(store, "Negotiation").id).stage_id
        == stage(store, "Negotiation").id
    )


def test_failed_write_is_invisible_to_another_connection(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = builders.add(store, "Atomic")
    monkeypatch.setattr(store.deals, "log", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        builders.move(store, deal.id, stage(store, "Qualified").id)
    other = sqlite3.connect(tmp_path / "pipeline.db")
    try:
        assert other.execute("SELECT stage_id FROM deals").fetchall() == [(deal.stage_id,)]
    finally:
        other.close()


# ------------------------------------------------------------------- stale


def build_mix(store: Store, clock: Clock, n: int = 80, seed: int = 3) -> None:
    """Deals in every stage with varied activity, next steps and close dates."""
    rng = random.Random(seed)
    stages = store.shape.stages()
    start = clock()
    for i in range(n):
        clock.set(start - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8)))
        target = rng.choice(stages)
        deal = builders.add(
            store,
            f"Deal {i}",
            value=rng.randint(0, 50) * 100_000,
            expected_close=rng.choice([None, TODAY + timedelta(days=rng.randint(-20, 40))]),
            stage_id=target.id if target.is_open else None,
        )
        if rng.random() < 0.4:
            clock.advance(days=rng.randint(0, 10))
            builders.add_note(store, deal.id, f"note {i}")
        if rng.random() < 0.3:
            clock.advance(hours=1)
            builders.set_next_step(store, deal.id, "Call", TODAY + timedelta(days=rng.randint(-5, 10)))
        if target.kind is StageKind.WON:
            builders.mark_won(store, deal.id)
        elif target.kind is StageKind.LOST:
            lose(store, deal.id, "Price")
    clock.set(start)


def brute_force_stale(store: Store, today: date) -> list[Deal]:
    stages = {s.id: s for s in store.shape.stages(include_archived=True)}
    found = [d for d in store.deals.all() if rules.is_stale(d, stages[d.stage_id], today)]
    return sorted(found, key=lambda d: rules.stale_sort_key(d, today))


@pytest.mark.parametrize("days_later", [0, 1, 6, 15, 45])
def test_stale_matches_the_rule(store: Store, clock: Clock, days_later: int) -> None:
    build_mix(store, clock)
    today = TODAY + timedelta(days=days_later)
    expected = brute_force_stale(store, today)
    stale = store.review.stale(today)
    assert [s.deal.id for s in stale] == [d.id for d in expected]
    assert expected  # the mix always has something stale
    assert store.review.stale_count(today) == len(expected)
    stages = {s.id: s for s in store.shape.stages()}
    for s in stale:
        assert s.stage == stages[s.deal.stage_id]
        assert s.reason == rules.stale_reason(s.deal, s.stage, today)
        assert s.idle_days == rules.idle_days(s.deal, today)


def test_stale_mix_is_not_trivial(store: Store, clock: Clock) -> None:
    build_mix(store, clock)
    stages = {s.id: s for s in store.shape.stages()}
    deals = list(store.deals.all())
    open_deals = [d for d in deals if stages[d.stage_id].is_open]
    stale = brute_force_stale(store, TODAY)
    assert 5 < len(stale) < len(open_deals)  # some stale, some not
    assert any("idle" in rules.stale_reason(d, stages[d.stage_id], TODAY) for d in stale)
    assert any("close date" in rules.stale_reason(d, stages[d.stage_id], TODAY) for d in stale)
    assert any(d.next_step_due and d.next_step_due > TODAY for d in open_deals)


def test_stale_ordered_oldest_first(store: Store, clock: Clock) -> None:
    proposal = stage(store, "Proposal").id
    clock.set(TODAY - timedelta(days=11))
    a = builders.add(store, "Eleven idle", stage_id=proposal)
    clock.set(TODAY - timedelta(days=30))
    b = builders.add(store, "Thirty idle", stage_id=proposal)
    clock.set(TODAY)
    c = builders.add(store, "Closes late", stage_id=proposal, expected_close=TODAY - timedelta(days=20))
    stale = store.review.stale(TODAY)
    assert [s.deal.id for s in stale] == [b.id, c.id, a.id]
    assert [s.reason for s in stale] == [
        "30 days idle in Proposal",
        "close date passed 20 days ago",
        "11 days idle in Proposal",
    ]


def test_endpoints_never_stale(store: Store, clock: Clock) -> None:
    clock.set(TODAY - timedelta(days=100))
    won = builders.add(store, "Won long ago", expected_close=TODAY - timedelta(days=90))
    builders.mark_won(store, won.id)
    lost = builders.add(store, "Lost long ago", expected_close=TODAY - timedelta(days=90))
    lose(store, lost.id, "Price")
    assert store.review.stale(TODAY) == []


# ------------------------------------------------------------------- board


def build_board(store: Store, clock: Clock) -> None:
    rng = random.Random(11)
    stages = store.shape.stages()
    for i in range(60):
        # Several deals share a timestamp, so ties are broken by id.
        clock.set(datetime(2026, 9, 1, 9) + timedelta(days=rng.randint(0, 80)))
        target = rng.choice(stages)
        deal = builders.add(
            store,
            f"{rng.choice(['Alpha', 'Beta', 'Gamma'])} {i}",
            company=rng.choice(["Northwind", "Kestrel"]),
            value=rng.randint(1, 9) * 100_000,
            stage_id=target.id if target.is_open else None,
        )
        if target.kind is StageKind.WON:
            builders.mark_won(store, deal.id)
        elif target.kind is StageKind.LOST:
            lose(store, deal.id, "Price")
    clock.set(datetime(2026, 11, 24, 9))


@pytest.mark.parametrize("text", [None, "alpha", "kestrel"])
def test_summaries_columns_and_positions_agree(store: Store, clock: Clock, text: str | None) -> None:
    build_board(store, clock)
    all_deals = list(store.deals.all())
    summaries = store.board.summaries(today=TODAY, text=text)
    assert [s.stage for s in summaries] == store.shape.stages()
    for summary in summaries:
        column = store.board.column(summary.stage, today=TODAY, limit=1000, text=text)
        assert summary.count == len(column)
        assert dict(summary.totals) == {"USD": sum(d.value for d in column)} or not column
        for index, deal in enumerate(column):
            assert store.board.column_position(deal, summary.stage, today=TODAY, text=text) == index
        # Windows are slices of the column.
        window = store.board.column(summary.stage, today=TODAY, offset=2, limit=3, text=text)
        assert window == column[2:5]
        # Column order: open by time in stage, endpoints most recent closure first.
        if summary.stage.is_open:
            keys = [(d.stage_entered_at, d.id) for d in column]
            assert keys == sorted(keys)
        else:
            keys = [(d.closed_at, d.id) for d in column]
            assert keys == sorted(keys, reverse=True)
            cutoff = datetime.combine(TODAY - timedelta(days=30), datetime.min.time())
            in_stage = [d for d in all_deals if d.stage_id == summary.stage.id]
            assert {d.id for d in column} <= {d.id for d in in_stage if d.closed_at >= cutoff}
        if text is None and summary.stage.is_open:
            assert summary.count == sum(1 for d in all_deals if d.stage_id == summary.stage.id)
    assert sum(s.count for s in summaries) > (20 if text is None else 3)


def test_endpoint_columns_show_recent_closures_only(store: Store, clock: Clock) -> None:
    clock.set(TODAY - timedelta(days=45))
    old = builders.mark_won(store, builders.add(store, "Old win", value=100).id)
    clock.set(TODAY - timedelta(days=2))
    new = builders.mark_won(store, builders.add(store, "New win", value=200).id)
    won = stage(store, "Closed Won")
    assert [d.id for d in store.board.column(won, today=TODAY)] == [new.id]
    assert [d.id for d in store.board.column(won, today=TODAY, closed_days=60)] == [new.id, old.id]
    summary = {s.stage.name: s for s in store.board.summaries(today=TODAY)}["Closed Won"]
    assert (summary.count, summary.totals) == (1, (("USD", 200),))


# ----------------------------------------------------------------- indexes


def _plans(store: Store, run) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    statements: list[str] = []
    store.conn.db.conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        store.conn.db.conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        if "deals" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        detail = " | ".join(r[3] for r in store.conn.db.execute("EXPLAIN QUERY PLAN " + sql))
        plans.append((sql, detail))
    assert plans, "no query on deals was captured"
    return plans


@pytest.mark.parametrize("query", ["stale", "stale_count", "revisits", "column", "summaries"])
def test_lists_use_an_index_not_a_full_scan(store: Store, clock: Clock, query: str) -> None:
    build_mix(store, clock, n=40)
    won = stage(store, "Closed Won")
    proposal = stage(store, "Proposal")
    some_deal = next(iter(store.deals.all(stage_id=proposal.id)))
    runs = {
        "stale": lambda: store.review.stale(TODAY),
        "stale_count": lambda: store.review.stale_count(TODAY),
        "revisits": lambda: store.review.revisits(TODAY),
        "column": lambda: (
            store.board.column(proposal, today=TODAY),
            store.board.column(won, today=TODAY),
            store.board.column_position(some_deal, proposal, today=TODAY),
        ),
        "summaries": lambda: store.board.summaries(today=TODAY),
    }
    for sql, plan in _plans(store, runs[query]):
        assert re.search(r"USING (COVERING )?INDEX deals_", plan), (sql, plan)
        assert not re.search(r"\bSCAN (d|deals)\b", plan), (sql, plan)


# ---------------------------------------------------------- refused files


def _snapshot(path: Path) -> tuple[bytes, list[str]]:
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def test_non_sqlite_file_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("These are my notes, not a database.\n" * 50)
    before = _snapshot(path)
    with pytest.raises(DatabaseFileError, match="not a SQLite database"):
        Store.open(path)
    assert _snapshot(path) == before


def test_empty_file_becomes_a_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path) as s:
        assert len(s.shape.stages()) == 6


def test_folder_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseFileError, match="folder"):
        Store.open(tmp_path)


def _foreign_wal(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()


def _foreign_rollback_journal(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices (total) VALUES (12.5)")
    conn.commit()
    conn.close()


def test_foreign_sqlite_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "invoices.db"
    _foreign_wal(path)
    before = _snapshot(path)
    with pytest.raises(DatabaseFileError, match="not a pipeline-tui pipeline.*invoices"):
        Store.open(path)
    assert _snapshot(path) == before


def test_foreign_rollback_journal_file_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "invoices.db"
    _foreign_rollback_journal(path)
    before = _snapshot(path)
    with pytest.raises(DatabaseFileError, match="not a pipeline-tui pipeline"):
        Store.open(path)
    assert _snapshot(path) == before


def _newer_by_user_version(path: Path) -> None:
    with Store.open(path) as s:
        s.conn.db.execute(f"PRAGMA user_version = {len(known_names()) + 1}")


def _newer_by_migration(path: Path) -> None:
    with Store.open(path) as s:
        s.conn.db.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('pipeline_tui', 'm999_from_the_future', '2030-01-01 00:00:00')"
        )
        s.conn.db.conn.commit()


@pytest.mark.parametrize("make", [_newer_by_user_version, _newer_by_migration])
def test_newer_file_refused_untouched(tmp_path: Path, make) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "future.db"
    make(path)
    before = _snapshot(path)
    with pytest.raises(DatabaseFileError, match="newer pipeline-tui"):
        Store.open(path)
    assert _snapshot(path) == before
    with pytest.raises(DatabaseFileError, match="newer pipeline-tui"):
        Store.open(path, readonly=True)
    # A read-only WAL reader may leave empty -wal/-shm files behind; the database is unchanged.
    assert path.read_bytes() == before[0]


def test_readonly_store_refuses_writes(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "ro.db"
    with Store.open(path, clock=clock) as s:
        builders.add(s, "Existing")
    before = path.read_bytes()
    with Store.open(path, clock=clock, readonly=True) as ro:
        assert [d.title for d in ro.deals.all()] == ["Existing"]
        with pytest.raises(DatabaseFileError, match="read-only"):
            builders.add(ro, "New")
    assert path.read_bytes() == before


# ------------------------------------------------------ known store bugs


def test_find_folds_non_ascii_case(store: Store) -> None:
    a = builders.add(store, "Pilot — Åkerlund")
    b = builders.add(store, "Team seats — Müller & Söhne")
    assert store.deals.find("pilot — åkerlund") == a  # exact title, other case
    assert store.deals.find("MÜLLER") == b  # unique part, other case


def test_edit_refuses_a_date_field_that_is_not_a_date(store: Store) -> None:
    deal = builders.add(store, "Typed date")
    with pytest.raises(InputError):
        builders.edit(store, deal.id, expected_close="fri")
    assert store.deals.get(deal.id).expected_close is None


def test_a_changed_deal_moves_the_column_summaries_as_counting_would(store: Store, clock: Clock) -> None:
    """The board follows one deal's change without counting the column again: after every
    kind of change, in several currencies and with zero values, what `summary_after`
    derives is exactly what `summaries` counts (or None where only counting can tell)."""
    from pipeline_tui import operations as ops

    build_board(store, clock)
    rng = random.Random(5)
    stages = store.shape.stages()
    open_ids = [s.id for s in stages if s.is_open]
    price = reason_id(store, "Price")
    shown = {s.stage.id: s for s in store.board.summaries(today=TODAY)}
    followed = 0
    for _ in range(150):
        deal = rng.choice(list(store.deals.all(archived=None)))
        pick = rng.randrange(7)
        try:
            if deal.archived:
                done = ops.unarchive(store, [deal.id])
            elif pick == 0:
                done = ops.archive(store, [deal.id])
            elif pick == 1:
                value, currency = rng.choice([0, 100, 250_000]), rng.choice(["USD", "EUR", "GBP"])
                changes = {"value": value, "currency": currency}
                done = ops.edit(store, [deal.id], changes)
            elif pick == 2:
                done = ops.win(store, [deal.id])
            elif pick == 3:
                done = ops.lose(store, [deal.id], LossInput(price), today=TODAY)
            elif pick == 4:
                done = ops.note(store, [deal.id], "called")
            else:
                done = ops.move(store, [deal.id], rng.choice(open_ids))
        except (RuleError, InputError):
            continue
        (change,) = done.deals
        assert change.before is not None and change.after is not None
        counted = {s.stage.id: s for s in store.board.summaries(today=TODAY)}
        for stage_id in {change.before.stage_id, change.after.stage_id}:
            derived = store.board.summary_after(shown[stage_id], change.before, change.after)
            if derived is None:
                assert not shown[stage_id].stage.is_open
            else:
                followed += 1
                assert derived == counted[stage_id], (done.message, derived, counted[stage_id])
        assert (
            store.board.summary_after(counted[open_ids[0]], change.before, change.after, text="alpha") is None
        )
        shown = counted
    assert followed > 100

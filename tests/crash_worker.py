"""A process that changes a pipeline as fast as it can until it is killed (test_crash_safety.py).

    python tests/crash_worker.py DB SEED LOG

It opens DB through Store.open, prints "ready", then loops forever over random changes the
way a seller makes them: moves between open stages, notes, marking deals won or lost with a
reason (LossInput), reopening, editing, snoozing revisits, and now and then a new deal.
After every change that returned (so committed), it appends the highest event id to LOG with
a bare os.write: a line in LOG is a promise that the change is on disk, which the test holds
the database to after a SIGKILL.

`problems(conn)` lists what a crash must never leave behind; the backup tests use it too.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
from datetime import date, timedelta

import builders

from pipeline_tui.errors import PipelineError
from pipeline_tui.models import LossInput, StageKind
from pipeline_tui.store import Store


def problems(conn: sqlite3.Connection) -> list[str]:
    """Every broken invariant of a pipeline file, as readable lines (empty: all good)."""
    found: list[str] = []
    integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        found.append(f"integrity_check: {integrity[:5]}")
        return found
    for row in conn.execute("PRAGMA foreign_key_check").fetchall()[:5]:
        found.append(f"foreign key broken: {row}")
    kinds = dict(conn.execute("SELECT id, kind FROM stages"))
    # A deal's stage is where the last event that moved it (events in id order) put it.
    rows = conn.execute(
        """
        SELECT d.id, d.stage_id, d.loss_reason_id, d.closed_at,
               (SELECT e.to_stage_id FROM events e WHERE e.deal_id = d.id AND e.to_stage_id IS NOT NULL
                ORDER BY e.id DESC LIMIT 1),
               (SELECT e.kind FROM events e WHERE e.deal_id = d.id ORDER BY e.id LIMIT 1)
        FROM deals d
        """
    ).fetchall()
    for deal_id, stage_id, reason_id, closed_at, last_to, first_kind in rows:
        if first_kind not in ("created", "imported"):
            found.append(f"deal #{deal_id}: first event is {first_kind!r}, not its creation")
        if last_to != stage_id:
            found.append(f"deal #{deal_id}: in stage {stage_id} but its timeline last moved it to {last_to}")
        kind = kinds.get(stage_id)
        if kind == "lost" and reason_id is None:
            found.append(f"deal #{deal_id}: lost without a loss reason")
        if kind != "lost" and reason_id is not None:
            found.append(f"deal #{deal_id}: {kind} but still carries loss reason {reason_id}")
        if kind in ("won", "lost") and closed_at is None:
            found.append(f"deal #{deal_id}: {kind} without closed_at")
        if kind == "open" and closed_at is not None:
            found.append(f"deal #{deal_id}: open with closed_at {closed_at}")
    return found


class Worker:
    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.stages = store.shape.stages()
        self.open_stages = [s for s in self.stages if s.kind is StageKind.OPEN]
        self.won = store.shape.first_stage(StageKind.WON)
        self.reasons = store.shape.reasons()
        self.deal_ids = [r[0] for r in store.conn.db.execute("SELECT id FROM deals")]
        self.serial = len(self.deal_ids)

    def loss(self) -> LossInput:
        rng = self.rng
        reason = rng.choice(self.reasons)
        revisit = date(2026, 12, 1) + timedelta(days=rng.randrange(400)) if rng.random() < 0.6 else None
        note = rng.choice(["", "Budget moved to next year", "Went quiet after the demo; try in spring"])
        if reason.needs_note and not note:
            note = "Other: they merged with a customer of ours"
        competitor = rng.choice(["Initech", "Globex", "Umbrella"]) if reason.needs_competitor else ""
        return LossInput(reason.id, competitor, note, revisit)

    def step(self) -> None:
        rng, store = self.rng, self.store
        if not self.deal_ids or rng.random() < 0.06:
            self.serial += 1
            deal = builders.add(
                store,
                f"Deal {self.serial}",
                company=rng.choice(["Acme", "Bluefin", "Cobalt", "Müller GmbH"]),
                value=rng.randrange(0, 5_000_000),
                stage_id=rng.choice(self.open_stages).id,
            )
            self.deal_ids.append(deal.id)
            return
        deal = store.deals.get(rng.choice(self.deal_ids))
        kind = store.shape.stage(deal.stage_id).kind
        roll = rng.random()
        if kind is StageKind.OPEN:
            if roll < 0.35:
                others = [s for s in self.open_stages if s.id != deal.stage_id]
                builders.move(store, deal.id, rng.choice(others).id, note=rng.choice(["", "Demo went well"]))
            elif roll < 0.55:
                builders.mark_lost(store, deal.id, self.loss())
            elif roll < 0.62:
                builders.mark_won(store, deal.id)
            elif roll < 0.85:
                text = f"Call {rng.randrange(10_000)}: " + "follow up " * rng.randrange(1, 40)
                builders.add_note(store, deal.id, text)
            else:
                builders.edit(
                    store,
                    deal.id,
                    value=rng.randrange(0, 5_000_000),
                    next_step=rng.choice(["Send the quote", "Book the demo", ""]),
                    next_step_due=date(2026, 12, 1) + timedelta(days=rng.randrange(60)),
                )
        elif kind is StageKind.LOST:
            if roll < 0.4:
                builders.reopen(store, deal.id, rng.choice(self.open_stages).id, note="They called back")
            elif roll < 0.7:
                builders.snooze_revisit(store, deal.id, date(2027, 1, 1) + timedelta(days=rng.randrange(365)))
            elif roll < 0.85:
                builders.add_note(store, deal.id, "Checked in; still with the competitor")
            else:
                builders.record_loss(store, deal.id, self.loss())
        else:  # won
            if roll < 0.5:
                builders.reopen(store, deal.id, rng.choice(self.open_stages).id, note="Expansion")
            elif roll < 0.7:
                builders.mark_lost(store, deal.id, self.loss())
            else:
                builders.add_note(store, deal.id, "Renewal in a year")


def main() -> None:
    path, seed, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    store = Store.open(path)
    worker = Worker(store, random.Random(seed))
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    print("ready", flush=True)
    while True:
        try:
            worker.step()
        except PipelineError:  # a rule said no (e.g. a reason that needs a note): not a crash
            continue
        last = store.conn.db.execute("SELECT MAX(id) FROM events").fetchone()[0]
        os.write(fd, f"{last}\n".encode())


if __name__ == "__main__":
    main()

"""The flows and the change runner, without an app: a few lines implement the `Ui` port, the
test answers the forms the flows open, and asserts on the store. Conflicts, lock waits and
undo are decided here once, for the board and every screen."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import builders
import pytest
from conftest import TODAY

from pipeline_tui import operations as ops
from pipeline_tui.config import Settings
from pipeline_tui.flows.deals import DealFlows
from pipeline_tui.flows.runner import BUSY_RETRY_S, ChangeRunner
from pipeline_tui.models import Deal, LossInput, Scope, StageKind
from pipeline_tui.operations import Done
from pipeline_tui.store import Store


@dataclass
class FakeUi:
    """The Ui port, recording what the flows ask of it."""

    store: Store
    settings: Settings = field(default_factory=Settings)
    today: date = TODAY
    asked: list[tuple[Any, Callable[[Any], None]]] = field(default_factory=list)
    said: list[tuple[str, str]] = field(default_factory=list)  # (severity, message)
    changes: list[Done | None] = field(default_factory=list)
    timers: list[tuple[float, Callable[[], object]]] = field(default_factory=list)
    held: int = 0
    shown: list[Deal] = field(default_factory=list)

    def ask(self, screen: Any, answered: Callable[[Any], None]) -> None:
        self.asked.append((screen, answered))

    def answer(self, value: Any) -> Any:
        """Dismiss the form asked last with `value`; returns the form."""
        screen, answered = self.asked.pop()
        answered(value)
        return screen

    def show_deal(self, deal: Deal) -> None:
        self.shown.append(deal)

    def say(
        self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None
    ) -> None:
        self.said.append((severity, message))

    def hold_keys(self) -> None:
        self.held += 1

    def release_keys(self) -> None:
        self.held -= 1

    def later(self, delay: float, callback: Callable[[], object]) -> None:
        self.timers.append((delay, callback))

    def changed(self, done: Done | None) -> None:
        self.changes.append(done)

    def use_settings(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def last(self) -> str:
        return self.said[-1][1]


@pytest.fixture
def ui(store: Store) -> FakeUi:
    return FakeUi(store)


@pytest.fixture
def flows(ui: FakeUi) -> DealFlows:
    return DealFlows(ui, ChangeRunner(ui))


def stage(store: Store, name: str) -> int:
    return store.shape.find_stage(name).id


# ------------------------------------------------------------------- runs


def test_a_change_is_saved_shown_and_undoable(store: Store, ui: FakeUi, flows: DealFlows) -> None:
    deal = builders.add(store, "Acme")
    got: list[Done] = []
    flows.step([deal], 1, then=got.append)
    assert store.deals.get(deal.id).stage_id == stage(store, "Qualified")
    assert ui.last == "Moved #1 Acme to Qualified.  ·  u to undo"
    assert ui.changes == got and got[0].deal is not None and got[0].deal.stage_id == stage(store, "Qualified")
    assert flows.runner.undo_ready
    undone = flows.runner.undo()
    assert undone is not None and undone.message == "Undid: Moved #1 Acme to Qualified."
    assert store.deals.get(deal.id).stage_id == stage(store, "Lead")


def test_a_refused_change_says_why_and_changes_nothing(store: Store, ui: FakeUi, flows: DealFlows) -> None:
    deal = builders.add(store, "Here")
    flows.move_to([deal], store.shape.find_stage("Lead"))
    assert ui.said[-1] == ("error", "'Here' is already in Lead.")
    assert ui.changes == [] and not flows.runner.undo_ready


def test_nothing_to_undo_is_said_and_another_sessions_change_is_not_ours(
    store: Store, ui: FakeUi, flows: DealFlows
) -> None:
    deal = builders.add(store, "Acme")  # made by the command line ("cli"), not this board
    store.conn.origin = "board-test"
    assert flows.runner.undo() is None
    assert ui.said[-1] == ("warning", "Nothing to undo.")
    assert store.deals.get(deal.id).title == "Acme"


# -------------------------------------------------------------- conflicts


def seen_then_changed(store: Store) -> tuple[Deal, Deal]:
    """A deal as the board showed it, then edited elsewhere."""
    seen = builders.add(store, "Acme", value=100_00)
    builders.edit(store, seen.id, value=250_00)
    return seen, store.deals.get(seen.id)


def test_a_change_over_a_deal_changed_elsewhere_asks_and_save_anyway_saves(
    store: Store, ui: FakeUi, flows: DealFlows
) -> None:
    seen, _ = seen_then_changed(store)
    flows.step([seen], 1)
    choice = ui.asked[-1][0]
    assert "Acme changed since you opened it:\n  • value $100 → $250" in choice.text
    assert store.deals.get(seen.id).stage_id == stage(store, "Lead")  # nothing yet
    ui.answer("save")
    after = store.deals.get(seen.id)
    assert (after.stage_id, after.value) == (stage(store, "Qualified"), 250_00)  # their value kept


def test_reload_shows_the_deal_as_it_is_now_and_cancel_changes_nothing(
    store: Store, ui: FakeUi, flows: DealFlows
) -> None:
    seen, now = seen_then_changed(store)
    flows.next_step([seen])
    ui.answer(("Call Tuesday", TODAY + timedelta(days=1)))
    ui.answer("reload")
    form = ui.asked[-1][0]  # the form again, on the deal as it is now, with what was typed
    assert (form.step, form.due) == ("Call Tuesday", TODAY + timedelta(days=1))
    assert ui.changes[-1] is None  # every screen re-read
    ui.answer(None)
    flows.step([seen], 1)
    ui.answer(None)  # cancel
    assert ui.last == "Nothing was changed."
    assert store.deals.get(seen.id) == now


def test_several_deals_changed_elsewhere_are_each_named(store: Store, ui: FakeUi, flows: DealFlows) -> None:
    a, b, c = (builders.add(store, name) for name in ("Alpha", "Bravo", "Charlie"))
    builders.edit(store, a.id, title="Alpha renamed")
    builders.edit(store, c.id, company="Charlie Co")
    flows.archive([a, b, c])
    ui.answer(True)  # the archive confirmation
    text = ui.asked[-1][0].text
    assert "Alpha renamed changed since you opened it:" in text and "Charlie changed since" in text
    assert "(the other 1 did not change)" in text
    ui.answer("save")
    assert store.deals.count() == 0 and store.deals.count(archived=True) == 3


# ----------------------------------------------------------- the write lock


def test_a_change_waits_for_another_writer_with_keys_held_then_saves(
    store: Store, ui: FakeUi, flows: DealFlows, tmp_path: Path
) -> None:
    deal = builders.add(store, "Acme")
    store.conn.lock_wait_s = 0.05
    other = sqlite3.connect(str(tmp_path / "pipeline.db"), timeout=0.1)
    other.execute("BEGIN IMMEDIATE")  # an import holds the write lock
    try:
        flows.step([deal], 1)
        assert ui.held == 1 and [d for d, _ in ui.timers] == [BUSY_RETRY_S]
        assert ui.said[-1][1].startswith("Another process is writing to the pipeline")
        assert "ctrl+q still quits" in ui.said[-1][1]
        _, retry = ui.timers.pop()
        retry()  # still held: it waits again, keys still held
        assert ui.held == 1 and len(ui.timers) == 1
    finally:
        other.execute("COMMIT")
        other.close()
    _, retry = ui.timers.pop()
    retry()
    assert ui.held == 0
    assert store.deals.get(deal.id).stage_id == stage(store, "Qualified")


# --------------------------------------------------------------- deal flows


def test_lost_on_several_deals_is_one_loss_and_one_undo(store: Store, ui: FakeUi, flows: DealFlows) -> None:
    deals = [builders.add(store, f"Deal {i}", stage_id="Proposal") for i in range(3)]
    flows.lost(deals)
    form = ui.asked[-1][0]
    assert form.subject == "3 deals"
    price = store.shape.find_reason("Price").id
    ui.answer(LossInput(price, note="Budget cut", revisit_on=TODAY + timedelta(days=90)))
    lost = [store.deals.get(d.id) for d in deals]
    assert {store.shape.stage(d.stage_id).kind for d in lost} == {StageKind.LOST}
    assert {(d.loss_reason_id, d.loss_note) for d in lost} == {(price, "Budget cut")}
    assert ui.last == "Lost 3 deals (Price / budget); revisit Mon 22 Feb 2027.  ·  u to undo"
    flows.runner.undo()
    assert [store.deals.get(d.id).stage_id for d in deals] == [stage(store, "Proposal")] * 3


def test_next_stage_on_deals_in_different_stages_moves_each_one_step(
    store: Store, ui: FakeUi, flows: DealFlows
) -> None:
    lead, proposal = builders.add(store, "A"), builders.add(store, "B", stage_id="Proposal")
    flows.step([lead, proposal], 1)
    assert store.deals.get(lead.id).stage_id == stage(store, "Qualified")
    assert store.deals.get(proposal.id).stage_id == stage(store, "Negotiation")
    assert ui.last == "Moved 2 deals one stage right.  ·  u to undo"


def test_the_move_dialog_starts_on_the_next_stage(store: Store, ui: FakeUi, flows: DealFlows) -> None:
    deal = builders.add(store, "Acme", stage_id="Qualified")
    flows.choose_stage([deal])
    modal = ui.asked[-1][0]
    assert modal.start == stage(store, "Proposal") and modal.current == stage(store, "Qualified")


def test_a_read_only_pipeline_refuses_before_any_form(tmp_path: Path, store: Store) -> None:
    deal = builders.add(store, "Acme")
    store.close()
    with Store.open(tmp_path / "pipeline.db", readonly=True) as readonly:
        ui = FakeUi(readonly)
        flows = DealFlows(ui, ChangeRunner(ui))
        flows.note([deal])
        flows.lost([deal])
        assert ui.asked == []
        assert [s for s, _ in ui.said] == ["warning", "warning"]
        assert all("read-only" in m for _, m in ui.said)


def test_settings_undo_is_scoped_to_the_settings(store: Store, ui: FakeUi, flows: DealFlows) -> None:
    deal = builders.add(store, "Acme")
    flows.runner.run(lambda _: ops.add_stage(store, "Demo booked"))
    flows.step([deal], 1)
    done = flows.runner.undo(Scope.SETTINGS)
    assert done is not None and done.message == "Undid: Added stage Demo booked."
    assert store.deals.get(deal.id).stage_id == stage(store, "Qualified")  # the board's change stays

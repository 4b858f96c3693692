"""The deal flows: what happens between a key and a saved change (a form to fill in, the
Closed Lost prompt, a stage to choose), each for a list of deals.

A flow takes the deals as the screen showed them, asks what it must through a form, and
hands one operation to the runner, which saves it as one change (one `u` takes it back).
`then` gets the `Done`, with every deal changed, once it is saved. A screen passes the one
deal under its cursor, or every card marked on the board: the flows do not care which."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from datetime import date
from typing import Any, TypeVar

from pipeline_tui import operations as ops
from pipeline_tui import rules
from pipeline_tui.flows.runner import ChangeRunner, Then
from pipeline_tui.flows.ui import Ui
from pipeline_tui.models import Deal, DealDraft, LossInput, Stage, StageKind, WinInput

F = TypeVar("F", bound=Callable[..., Any])


def _writes(flow: F) -> F:
    """A flow that changes the pipeline: on a read-only file it says so when the key is
    pressed, before a form opens and takes the user's typing for nothing."""

    @functools.wraps(flow)
    def guarded(self: DealFlows, *args: Any, **kwargs: Any) -> Any:
        store = self.ui.store
        if store.readonly:
            self.ui.say(
                f"{store.conn.read_only_text()}; nothing can be changed.",
                title="Read-only",
                severity="warning",
            )
            return None
        return flow(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


def subject(deals: Sequence[Deal]) -> str:
    """What a form is about: the deal's title, or how many deals."""
    return deals[0].title if len(deals) == 1 else f"{len(deals):,} deals"


class DealFlows:
    def __init__(self, ui: Ui, runner: ChangeRunner) -> None:
        self.ui = ui
        self.runner = runner

    @property
    def _store(self) -> Any:
        return self.ui.store

    def _settings(self) -> Any:
        return self.ui.settings

    # -------------------------------------------------------------- moving

    @_writes
    def move_to(
        self, deals: Sequence[Deal], stage: Stage, then: Then | None = None, *, ask_why: bool = True
    ) -> None:
        """Move to any stage; a lost stage always goes through the Closed Lost prompt, a won
        stage through the Closed Won prompt (a reason is optional there, so a step along the
        board, `ask_why` False, wins without asking: a burst of `>` never lands in a form;
        `w` on the won card gives the reason later)."""
        if stage.kind is StageKind.LOST:
            self.lost(deals, stage, then)
            return
        if stage.kind is StageKind.WON and ask_why:
            self.won(deals, then, stage=stage)
            return
        store = self.ui.store
        self.runner.run(lambda refs: ops.move(store, refs, stage.id), deals, then=then)

    @_writes
    def step(self, deals: Sequence[Deal], step: int, then: Then | None = None) -> None:
        """The next (or previous) stage in board order, for each deal."""
        store = self.ui.store
        stages = store.shape.stages()
        targets = {d.id: rules.neighbour_stage(stages, d.stage_id, step) for d in deals}
        stuck = [d for d in deals if targets[d.id] is None]
        if stuck:
            here = store.shape.stage(stuck[0].stage_id)
            name = stuck[0].title if len(deals) > 1 else ""
            if here.is_endpoint and step > 0:
                self.ui.say(f"{here.name} is an end of the pipeline; m moves the deal to any stage.")
            else:
                self.ui.say(f"No stage that way{' for ' + name if name else ''}.")
            return
        chosen = {target.id: target for target in targets.values() if target is not None}
        if len(chosen) == 1:
            self.move_to(deals, next(iter(chosen.values())), then, ask_why=False)
            return
        if any(target.kind is StageKind.LOST for target in chosen.values()):
            self.ui.say("Some of these deals would move to Closed Lost: l marks them lost with a reason.")
            return
        self.runner.run(lambda refs: ops.step(store, refs, step), deals, then=then)

    @_writes
    def choose_stage(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        from pipeline_tui.modals.prompts import StageModal

        def chosen(stage: Stage | None) -> None:
            if stage is not None:
                self.move_to(deals, stage, then)

        store = self.ui.store
        stages = store.shape.stages()
        current = deals[0].stage_id if len({d.stage_id for d in deals}) == 1 else None
        # The dialog starts on the next stage: the usual move is one step on.
        following = rules.neighbour_stage(stages, current, 1) if current is not None else None
        self.ui.ask(
            StageModal(
                f"Move {subject(deals)} to…",
                stages,
                current=current,
                start=following.id if following is not None else None,
            ),
            chosen,
        )

    @_writes
    def won(self, deals: Sequence[Deal], then: Then | None = None, *, stage: Stage | None = None) -> None:
        """The Closed Won prompt (why, optionally), then one win for every deal. Deals won
        already: the prompt gives (or changes) their reason."""
        store = self.ui.store
        target = stage or store.shape.first_stage(StageKind.WON)
        there = [d for d in deals if d.stage_id == target.id]
        if there and len(there) == len(deals):
            self.fill_win(deals, then)
            return
        if there:
            self.ui.say(f"{there[0].title} is already in {target.name}.")
            return

        def save(win: WinInput | None) -> None:
            if win is not None:
                self.win_with(deals, win, stage=target, then=then)

        self.ui.ask(self._won_modal(deals, target.name), save)

    def win_with(
        self, deals: Sequence[Deal], win: WinInput, *, stage: Stage | None = None, then: Then | None = None
    ) -> None:
        """Save a win already collected (the prompt, or a test)."""
        store = self.ui.store
        target = stage or store.shape.first_stage(StageKind.WON)
        self.runner.run(lambda refs: ops.win(store, refs, win, stage_id=target.id), deals, then=then)

    @_writes
    def fill_win(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        """Give deals won already their reason (or change it): the old one stays in the
        timeline."""
        store = self.ui.store

        def save(win: WinInput | None) -> None:
            if win is not None and win.reason_id is not None:
                self.runner.run(lambda refs: ops.fill_win(store, refs, win), deals, then=then)

        self.ui.ask(self._won_modal(deals, "Why was it won", optional=False), save)

    def _won_modal(self, deals: Sequence[Deal], title: str, *, optional: bool = True) -> Any:
        """The one Closed Won prompt, offering the won reasons that are not archived."""
        from pipeline_tui.modals.won import WonModal

        return WonModal(
            subject(deals), self.ui.store.shape.won_reasons(), stage_name=title, optional=optional,
            competitors=self.ui.store.review.competitor_names(),
        )  # fmt: skip

    @_writes
    def lost(self, deals: Sequence[Deal], stage: Stage | None = None, then: Then | None = None) -> None:
        """The Closed Lost prompt, then one loss (reason, note, revisit) for every deal."""
        store = self.ui.store
        target = stage or store.shape.first_stage(StageKind.LOST)
        there = [d for d in deals if d.stage_id == target.id]
        if there:
            self.ui.say(f"{there[0].title} is already in {target.name}.")
            return

        def save(loss: LossInput | None) -> None:
            if loss is not None:
                self.lose_with(deals, loss, stage=target, then=then)

        self.ui.ask(self._lost_modal(deals, target.name), save)

    def lose_with(
        self, deals: Sequence[Deal], loss: LossInput, *, stage: Stage | None = None, then: Then | None = None
    ) -> None:
        """Save a loss already collected (the prompt, or a test)."""
        store, today = self.ui.store, self.ui.today
        target = stage or store.shape.first_stage(StageKind.LOST)
        self.runner.run(
            lambda refs: ops.lose(store, refs, loss, today=today, stage_id=target.id), deals, then=then
        )

    def _lost_modal(self, deals: Sequence[Deal], title: str) -> Any:
        """The one Closed Lost prompt, offering the reasons that are not archived."""
        from pipeline_tui.modals.lost import LostModal

        return LostModal(
            subject(deals),
            self.ui.store.shape.reasons(),
            today=self.ui.today,
            day_first=self._settings().day_first,
            stage_name=title,
            competitors=self.ui.store.review.competitor_names(),
        )

    @_writes
    def fill_loss(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        """Give already-lost deals (an import, usually) their reason, note and revisit date."""
        store, today = self.ui.store, self.ui.today

        def save(loss: LossInput | None) -> None:
            if loss is not None:
                self.runner.run(lambda refs: ops.fill_loss(store, refs, loss, today=today), deals, then=then)

        self.ui.ask(self._lost_modal(deals, "Why was it lost"), save)

    @_writes
    def reopen(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        from pipeline_tui.modals.prompts import StageModal

        store = self.ui.store
        stages = [s for s in store.shape.stages() if s.is_open]

        def chosen(stage: Stage | None) -> None:
            if stage is not None:
                self.runner.run(lambda refs: ops.reopen(store, refs, stage.id), deals, then=then)

        # Back where it was lost, unless the user picks another stage.
        where = {d.lost_at_stage_id for d in deals}
        start = where.pop() if len(where) == 1 else None
        self.ui.ask(StageModal(f"Reopen {subject(deals)} in…", stages, start=start), chosen)

    # --------------------------------------------------------------- notes

    @_writes
    def note(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        from pipeline_tui.modals.prompts import NoteModal

        store = self.ui.store

        def save(text: str | None) -> None:
            if text:
                self.runner.run(lambda refs: ops.note(store, refs, text), deals, then=then)

        self.ui.ask(NoteModal(f"Note on {subject(deals)}"), save)

    @_writes
    def next_step(
        self, deals: Sequence[Deal], then: Then | None = None, *, draft: tuple[str, date | None] | None = None
    ) -> None:
        from pipeline_tui.modals.prompts import NextStepModal

        store = self.ui.store

        def save(result: tuple[str, date | None] | None) -> None:
            if result is None:
                return
            text, due = result

            def reload(current: list[Deal]) -> None:
                self.next_step(current, then, draft=(text, due))

            self.runner.run(
                lambda refs: ops.set_next_step(store, refs, text, due), deals, then=then, reload=reload
            )

        first = deals[0]
        step, due = draft if draft is not None else (first.next_step, first.next_step_due)
        if len(deals) > 1 and draft is None:
            step, due = "", None
        self.ui.ask(
            NextStepModal(
                f"Next step: {subject(deals)}",
                step=step,
                due=due,
                today=self.ui.today,
                day_first=self._settings().day_first,
            ),
            save,
        )

    # ---------------------------------------------------------------- forms

    @_writes
    def edit(
        self, deals: Sequence[Deal], then: Then | None = None, *, draft: DealDraft | None = None
    ) -> None:
        """The deal form on one deal (the first, when several are marked)."""
        from pipeline_tui.modals.deal_form import DealFormModal

        store = self.ui.store
        deal = deals[0]

        def save(result: DealDraft | None) -> None:
            if result is None:
                return
            # Only what the user changed in the form: "save anyway" over a deal changed
            # elsewhere must not put back the other fields as the form first showed them.
            changes = {
                k: v for k, v in changed_fields(draft_of(deal), result).items() if getattr(deal, k) != v
            }
            if not changes:
                self.ui.say("Nothing was changed.", timeout=2)
                return

            def reload(current: list[Deal]) -> None:
                # The form again, on the deal as it is now, keeping what the user typed
                # where they changed a field (their edit wins only where they made one).
                mine = changed_fields(draft_of(deal), result)
                self.edit(current, then, draft=replace(draft_of(current[0]), **mine))

            self.runner.run(lambda refs: ops.edit(store, refs, changes), [deal], then=then, reload=reload)

        form = DealFormModal(deal, today=self.ui.today, day_first=self._settings().day_first, draft=draft)
        self.ui.ask(form, save)

    @_writes
    def new(self, stage: Stage | None = None, then: Then | None = None) -> None:
        from pipeline_tui.modals.deal_form import DealFormModal

        store = self.ui.store

        # A new deal goes in the focused stage when it is open, else the first open stage;
        # the form says which (pressed on Closed Lost, it is not added there).
        target = stage if stage is not None and stage.is_open else None
        shown = target or next((s for s in store.shape.stages() if s.is_open), None)

        def save(draft: DealDraft | None) -> None:
            if draft is None:
                return
            stage_id = target.id if target else None
            self.runner.run(lambda _: ops.add(store, draft, stage_id=stage_id), then=then)

        form = DealFormModal(
            None, today=self.ui.today, day_first=self._settings().day_first, stage=shown.name if shown else ""
        )
        self.ui.ask(form, save)

    # ------------------------------------------------------------ the rest

    @_writes
    def snooze(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        from pipeline_tui.modals.prompts import date_prompt

        store, today = self.ui.store, self.ui.today
        lost = all(store.shape.stage(d.stage_id).kind is StageKind.LOST for d in deals)

        def save(when: date | None) -> None:
            if when is not None:
                self.runner.run(lambda refs: ops.snooze(store, refs, when, today=today), deals, then=then)

        title = f"Revisit {subject(deals)} on…" if lost else f"Quiet {subject(deals)} until…"
        self.ui.ask(
            date_prompt(
                title,
                after=today,
                today=today,
                day_first=self._settings().day_first,
                value="+3m" if lost else "+2w",
                picks=(("+1w", "+1w"), ("+2w", "+2w"), ("+1m", "+1m"), ("+3m", "+3m")),
            ),
            save,
        )

    @_writes
    def close_out(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        store = self.ui.store
        self.runner.run(lambda refs: ops.close_out(store, refs), deals, then=then)

    @_writes
    def archive(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        """Archive junk or duplicate deals, after a yes."""
        from pipeline_tui.modals.confirm import ConfirmModal

        store = self.ui.store

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.runner.run(lambda refs: ops.archive(store, refs), deals, then=then)

        what = f"Archive {subject(deals)}?" if len(deals) == 1 else f"Archive these {len(deals):,} deals?"
        self.ui.ask(
            ConfirmModal(
                f"{what}\nThey leave the board, the lists and the report; their history is kept (u undoes, "
                "`pipeline-tui unarchive` brings one back)."
                if len(deals) > 1
                else f"{what}\nIt leaves the board, the lists and the report; its history is kept (u undoes, "
                "`pipeline-tui unarchive` brings it back)."
            ),
            confirmed,
        )

    def detail(self, deals: Sequence[Deal], then: Then | None = None) -> None:
        self.ui.show_deal(deals[0])


def draft_of(deal: Deal) -> DealDraft:
    """The deal form's fields, as the deal has them."""
    return DealDraft(**{f.name: getattr(deal, f.name) for f in fields(DealDraft)})


def changed_fields(before: DealDraft, after: DealDraft) -> dict[str, Any]:
    """The form's fields the user changed."""
    return {
        f.name: getattr(after, f.name)
        for f in fields(DealDraft)
        if getattr(after, f.name) != getattr(before, f.name)
        and not (f.name == "currency" and not getattr(after, f.name))
    }

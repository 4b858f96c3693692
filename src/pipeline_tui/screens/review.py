"""The daily review (`d`): today's queue one deal at a time, one key per decision, a summary at
the end, and what waits as later offered after it.

The queue is built once when the review opens (`pipeline_tui.review`: one sitting long, in
one documented order); each deal is read when its turn comes. Every deal the review moves
past is marked as seen today (a skip counts as reviewed), so the board's status line and the
summary count the same thing. Every decision is one of the board's own flows (the same operation, one
transaction, the same conflict handling); once the deal no longer needs what put it in the
queue, the next item is shown at once, in the callback that saved the change, so a key typed
ahead acts on the item it was typed on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from time import monotonic
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import ContentSwitcher, Static

from pipeline_tui import actions
from pipeline_tui import operations as ops
from pipeline_tui.actions import DealAction
from pipeline_tui.display import safe
from pipeline_tui.errors import NotFoundError, PipelineError
from pipeline_tui.flows.runner import Then
from pipeline_tui.models import Deal, StageKind
from pipeline_tui.money import format_money
from pipeline_tui.operations import Done
from pipeline_tui.review import (
    NOT_REACHED,
    SKIPPED,
    Check,
    Kind,
    Policy,
    Queue,
    Session,
    build_queue,
    needs_attention,
    policy,
    why,
)
from pipeline_tui.screens.deal_screen import DealScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.screens.review_item import Part, deal_fields, deal_timeline
from pipeline_tui.slips import NO_SLIP
from pipeline_tui.store import Store
from pipeline_tui.styles import SCREENS_CSS
from pipeline_tui.widgets.deal_rows import Cells, Column, DealRows, two_part
from pipeline_tui.widgets.progress_bar import ProgressBar

TONES = {
    "error": "$text-error",
    "accent": "$text-accent",
    "warning": "$text-warning",
    "primary": "$text-primary",
}


def kind_style(kind: Kind) -> str:
    return TONES[kind.spec.tone]


def short_label(kind: Kind) -> str:
    """'? no reason': the summary's list."""
    return f"{kind.spec.mark} {kind.spec.short}"


class ReviewScreen(DealScreen):
    CSS_PATH = SCREENS_CSS

    # description: the key bar's label; tooltip: "Palette title — what it does".
    BINDINGS = [
        *actions.bindings(
            "note",
            "next_step",
            "next_stage",
            "move_to",
            "won",
            "lost",
            "reason",
            "snooze",
            "reopen",
            "close_out",
            "edit",
            hidden=("move_to", "edit"),
            hints={
                "note": "to the deal under review",
                "reason": "a deal lost without one: the Closed Lost prompt",
            },
        ),
        Binding("space", "skip", "Skip", tooltip="Skip — leave this deal for now, on to the next"),
        Binding("u", "undo", "Undo", tooltip="Undo — the last decision, back to that deal"),
        *actions.bindings("detail", hidden=("detail",)),
        Binding(
            "enter",
            "resume",
            "Review it",
            tooltip="Review from here — on the summary: the chosen deal and those after it",
        ),
        Binding(
            "enter",
            "more",
            "More",
            tooltip="Review more — on the summary: the next sitting, from what waits as later",
        ),
        Binding("escape", "end", "End", tooltip="End the review — the summary, what is left"),
        Binding("escape", "back", "Back", tooltip="Back to the board — from the summary"),
    ]
    # What each decision is called in the review's log (a move is named by where it went).
    DECISIONS: ClassVar[dict[str, str]] = {
        "note": "note",
        "next_step": "next_step",
        "won": "won",
        "lost": "lost",
        "reason": "reason",
        "snooze": "snoozed",
        "reopen": "reopened",
        "close_out": "closed_out",
        "edit": "edited",
    }
    SUMMARY_ACTIONS: ClassVar[set[str]] = {"resume", "more", "back", "undo"}

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(Queue([], [], date.min))
        self.policy = Policy()
        self.more = False  # a sitting taken from what waited as later
        self.deal: Deal | None = None  # the deal as shown: every decision is checked against it
        self.clock: Callable[[], float] = monotonic  # for "in 6 min"
        self.started = 0.0
        self.ended_at: float | None = None
        self._left_kinds: dict[int, int] = {}  # deal id -> its queue index, for the summary list
        self._still: tuple[int, str] | None = None  # (deal id, the 'Still here' said about it)

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Static("", id="review-progress", classes="screen-title")
        yield ProgressBar(id="review-bar")
        with ContentSwitcher(initial="review-item", id="review-views"):
            with VerticalScroll(id="review-item"):
                yield Static("", id="review-why")
                yield Static("", id="review-fields")
                yield Static("", id="review-timeline")
            with Vertical(id="review-summary"):
                yield Static("", id="review-summary-text")
                yield DealRows(
                    (
                        Column("Why", width=11),
                        Column("", width=8),
                        Column("Deal — company", weight=3),
                        Column("Value", width=9, justify="right"),
                    ),
                    self._left_cells,
                    empty="nothing left: every deal that needed you today has been seen to",
                    id="review-left",
                )
        yield KeyBar()

    def on_mount(self) -> None:
        app = self.host
        self.started = self.clock()
        self.policy = policy(app.store, app.settings)
        self.session = Session(build_queue(app.store, app.today, self.policy))
        self._arrive()

    @property
    def store(self) -> Store:
        return self.host.store

    @property
    def in_summary(self) -> bool:
        return self.query_one(ContentSwitcher).current == "review-summary"

    # --------------------------------------------------------------- showing

    def _load(self, deal_id: int) -> Deal | None:
        try:
            return self.store.deals.get(deal_id)
        except NotFoundError:  # removed since the queue was read
            return None

    def _arrive(self) -> None:
        """Show the current item, passing over those fixed elsewhere since the queue was
        read; at the end of the queue, the summary."""
        session, today = self.session, self.host.today
        while (item := session.current) is not None:
            deal = self._load(item.deal_id)
            if deal is not None and self._needs(item.kind, deal, today):
                self._show_item(deal)
                return
            session.settled()
            self._seen(session.position)
            session.advance()
        self._show_summary()

    def _needs(self, kind: Kind, deal: Deal, today: date) -> bool:
        stage = self.store.shape.stage(deal.stage_id)
        slip = self.store.history.slip(deal.id) if kind is Kind.SLIPPING else NO_SLIP
        check = Check(self.policy.rule, slip, self.policy.slip_limit)
        return needs_attention(kind, deal, stage, today, check)

    # Marks: every item the review moves past counts as seen today (a skip too), so the
    # queue stays one sitting long and the status line counts what the summary says. They
    # are bookkeeping: a read-only file or another writer's lock just leaves them out.

    def _seen(self, index: int) -> None:
        self._mark(ops.mark_seen, index)

    def _unseen(self, index: int) -> None:
        self._mark(ops.unmark_seen, index)

    def _mark(self, how: Callable[..., None], index: int) -> None:
        if self.store.readonly:
            return
        with contextlib.suppress(PipelineError):
            how(self.store, self.host.today, [self.session.queue.ids[index]])

    def _still_here_gone(self, deal: Deal | None) -> None:
        """A 'Still here' about one deal leaves the message line with that deal."""
        if self._still is not None and (deal is None or deal.id != self._still[0]):
            self.host.unsay(self._still[1])
            self._still = None

    def _show_item(self, deal: Deal) -> None:
        self._still_here_gone(deal)
        self.deal = deal
        switcher = self.query_one(ContentSwitcher)
        if switcher.current != "review-item":
            switcher.current = "review-item"
        self._render_item()
        item_view = self.query_one("#review-item", VerticalScroll)
        item_view.scroll_home(animate=False, immediate=True)
        if self.focused is not item_view:
            self.set_focus(item_view)  # now: the next key acts on this item
        self.refresh_bindings()

    def _render_progress(self) -> None:
        session = self.session
        parts: list[Part] = [("Daily review", "bold"), " · later" if self.more else ""]
        item = session.current
        if item is not None and not self.in_summary:
            parts += [
                f" · {session.position + 1:,} of {session.total:,} · ",
                (item.kind.label, f"bold {kind_style(item.kind)}"),
            ]
        else:
            parts.append(f" · {session.total:,}" + ("" if self.more else " today"))
        self.query_one("#review-progress", Static).update(Content.assemble(*parts))
        self.query_one(ProgressBar).show(session.reviewed, session.total)

    def _render_item(self) -> None:
        deal, item = self.deal, self.session.current
        if deal is None or item is None:
            return
        self._render_progress()
        store, today = self.store, self.host.today
        style = kind_style(item.kind)
        if self._needs(item.kind, deal, today):
            text = f"{item.kind.spec.mark} {why(store, item.kind, deal, today)}"
            reason = Content.assemble((safe(text), f"bold {style}"))
        else:
            reason = Content.assemble(
                ("✓ no longer needs attention", "bold $text-success"), ("  space: next", "dim")
            )
        self.query_one("#review-why", Static).update(reason)
        self.query_one("#review-fields", Static).update(deal_fields(store, deal, today))
        self.query_one("#review-timeline", Static).update(deal_timeline(store, deal, self.size.height))

    def on_resize(self) -> None:
        if self.deal is not None and not self.in_summary:
            self._render_item()

    # --------------------------------------------------------------- summary

    def _show_summary(self) -> None:
        self._still_here_gone(None)
        session = self.session
        session.end()
        self.deal = None
        self.ended_at = self.clock()
        minutes = (self.ended_at - self.started) / 60
        left = session.left_indexes()
        later = self._later()
        offer = f"{later:,} more when you have time: enter" if later else ""
        if not session.total:
            if later or session.queue.seen:
                seen = session.queue.seen
                done: list[Part] = [
                    ("Today's review is done", "bold $text-success"),
                    f": {seen:,} deal{'' if seen == 1 else 's'} seen today.",
                ]
                if offer:
                    done += ["\n", (offer, "bold")]
                text: Content = Content.assemble(*done, "\n", ("escape: back to the board", "dim"))
            else:
                text = Content.assemble(
                    ("Nothing needs you today", "bold $text-success"),
                    ": no lost deal without a reason, no revisit due, no next step overdue, nothing "
                    "stale, every deal that matters has a next step.",
                )
        else:
            hint = "u undoes the last decision · escape: back to the board"
            if self._resumes():
                hint = "enter: review the chosen deal and those after it · " + hint
                if later:
                    offer = f"{later:,} more wait for later"
            parts: list[Part] = [(session.summary(minutes), "bold")]
            if offer:
                parts += ["\n", (offer, "" if self._resumes() else "bold")]
            text = Content.assemble(*parts, "\n", (hint, "dim"))
        self.query_one("#review-summary-text", Static).update(text)
        queue = session.queue
        self._left_kinds = {queue.ids[i]: i for i in left}
        rows = self.query_one("#review-left", DealRows)
        rows.set_rows([queue.ids[i] for i in left], self.store.deals.get_many)
        rows.display = bool(left)
        self.query_one(ContentSwitcher).current = "review-summary"
        self._render_progress()
        self.set_focus(rows if left else None)
        self.refresh_bindings()

    def _left_cells(self, deal: Deal, widths: list[int]) -> Cells:
        index = self._left_kinds.get(deal.id)
        title = two_part(deal.title, deal.company, widths[2])
        value = format_money(deal.value, deal.currency, compact=True)
        if index is None:
            return [("", ""), ("", ""), (title, ""), (value, "")]
        kind = self.session.queue.kinds[index]
        skipped = "skipped" if self.session.states[index] == SKIPPED else ""
        return [(short_label(kind), ""), (skipped, "rows--muted"), (title, ""), (value, "")]

    def _resumes(self) -> bool:
        """Whether enter on the summary goes back into this sitting (deals not reached yet;
        or skipped ones, when nothing waits as later): else it starts the next sitting."""
        if self.session.left:
            return True
        return bool(self.session.left_indexes()) and not self.session.queue.later

    def _later(self) -> int:
        """What waits beyond this sitting: the later items not seen yet (counted now: the
        status line says the same)."""
        if not self.session.queue.later:
            return 0
        from pipeline_tui.review import health

        return health(self.store, self.host.today, self.policy).later

    # ---------------------------------------------------------------- reload

    def follow(self, done: Done | None) -> None:
        self.reload()

    def reload(self) -> None:
        """After any change (ours, or another process's): the deal as it is now. A change
        that was one of this review's decisions and has been undone takes the review back
        to its deal; nothing else moves the review on by itself (keys typed ahead must
        land on the item they were typed on)."""
        if not self.is_mounted:
            return
        if self._undo_went_back():
            return
        if self.in_summary:
            self._render_progress()
            self.query_one("#review-left", DealRows).refresh()
            return
        item = self.session.current
        if item is None:
            return
        deal = self._load(item.deal_id)
        if deal is None:
            self.session.settled()
            self.session.advance()
            self._arrive()
            return
        self.deal = deal
        self._render_item()

    def _undo_went_back(self) -> bool:
        """Decisions whose change has been undone (by `u` here, or `pipeline-tui undo`) come
        off the log; the review goes back to the deal of the earliest of them."""
        back = None
        log = self.session.log
        while log and (change_id := log[-1].change_id) is not None:
            change = self.store.journal.get(change_id)
            if change is None or change.undone_at is None:
                break
            back = self.session.undo()
            if back is not None:
                self._took_back(back.index)
        if back is None:
            return False
        deal = self._load(self.session.queue.ids[back.index])
        if deal is None:
            self._arrive()
        else:
            self._show_item(deal)
        return True

    # -------------------------------------------------------------- decisions

    def deals_for(self, action: DealAction) -> list[Deal]:
        return [self.deal] if self.deal is not None else []

    def after(self, action: DealAction) -> Then | None:
        """Once a decision on the deal shown is saved: count it and, if the deal no longer
        needs attention, show the next item (keys typed ahead act on the item they were
        typed on)."""
        deal = self.deal
        if deal is None or action.name == "detail":
            return None
        index = self.session.position
        before = self.store.shape.stage(deal.stage_id).kind

        def decided(done: Done) -> None:
            after = next((d for d in done.after if d.id == deal.id), None)
            if after is not None:
                what = self.DECISIONS.get(action.name) or self._move_kind(before, after)
                self._decided(index, after, what, done.change_id)

        return decided

    def refuses_keys(self) -> bool:
        """A key that does nothing on this item is said, and the keys typed after it are
        dropped: they were meant for what the user expected to see, not for this deal (a
        word typed ahead must not run as commands: the c of "call" closing out a revisit)."""
        return self.is_mounted and not self.in_summary and self.session.current is not None

    def refused_why(self, key: str) -> str:
        item = self.session.current
        still = item.kind.spec.settles if item is not None else ""
        return f"does nothing on this deal; {still}"

    def _move_kind(self, before: StageKind, after: Deal) -> str:
        kind = self.store.shape.stage(after.stage_id).kind
        if kind is StageKind.WON:
            return "won"
        if kind is StageKind.LOST:
            return "lost"
        return "reopened" if before is not StageKind.OPEN else "moved"

    def _decided(self, index: int, after: Deal, what: str, change_id: int | None) -> None:
        store, session, today = self.store, self.session, self.host.today
        if after.id != session.queue.ids[index]:
            return
        kind = session.queue.kinds[index]
        stage = store.shape.stage(after.stage_id)
        resolved = not self._needs(kind, after, today)
        detail = ""
        if what in ("lost", "reason") and stage.kind is StageKind.LOST:
            reason = store.shape.reason(after.loss_reason_id) if after.loss_reason_id else None
            detail = reason.label if reason else ""
        session.go_to(index)
        session.decided(what, change_id, resolved=resolved, detail=detail)
        if resolved:
            self._seen(index)
            session.advance()
            self._arrive()
        else:
            self._show_item(after)
            still = f"Still here: {kind.spec.settles}"
            self.host.say(still, timeout=4)
            self._still = (after.id, still)

    def action_skip(self) -> None:
        item, deal = self.session.current, self.deal
        if item is None or deal is None or not self.check_action("skip", ()):
            return
        if self._needs(item.kind, deal, self.host.today):
            self.session.skip()
            self.host.unsay(f"Skip taken back: {deal.title}")  # skipped again: no longer true
        else:  # fixed meanwhile (from the detail, or by another process): not a skip
            self.session.settled()
        self._seen(self.session.position)
        self.session.advance()
        self._arrive()

    def action_undo(self) -> None:
        log = self.session.log
        if not log:
            self.host.say("Nothing to undo in this review.")
            return
        if log[-1].change_id is None:  # a skip, or a decision that changed nothing
            decision = self.session.undo()
            assert decision is not None
            self._took_back(decision.index)
            deal = self._load(self.session.queue.ids[decision.index])
            if decision.what == "skipped" and deal is not None:
                self.host.say(f"Skip taken back: {deal.title}")
            if deal is None:
                self._arrive()
            else:
                self._show_item(deal)
            return
        # The app undoes this board's last change; `reload` then takes the review back.
        self.host.runner.undo()

    def _took_back(self, index: int) -> None:
        """A decision or a skip was taken back: its deal is not seen today any more (unless
        the review had already moved past it before, as a skip)."""
        if self.session.states[index] == NOT_REACHED:
            self._unseen(index)

    def action_end(self) -> None:
        if self.check_action("end", ()):
            self._show_summary()

    def action_resume(self) -> None:
        if not self.check_action("resume", ()):
            return
        rows = self.query_one("#review-left", DealRows)
        deal = rows.deal
        if deal is None:
            return
        index = self._left_kinds.get(deal.id)
        if index is None:
            return
        self.session.go_to(index)
        self._arrive()

    def action_more(self) -> None:
        """The next sitting, from what waits as later."""
        if not self.check_action("more", ()):
            return
        self.more = True
        self.started, self.ended_at = self.clock(), None
        self.session = Session(build_queue(self.store, self.host.today, self.policy, more=True))
        self._arrive()

    @on(DealRows.Chosen)
    def _chosen(self) -> None:
        self.action_resume()

    def action_back(self) -> None:
        if self.check_action("back", ()):
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys that make sense for what is shown (the key bar shows only those)."""
        if not self.is_mounted:
            return True
        if action == "undo":
            return bool(self.session.log)
        if self.in_summary:
            if action == "resume":
                return self._resumes()
            if action == "more":
                return not self._resumes() and self.session.queue.later > 0
            return action in self.SUMMARY_ACTIONS
        if action in ("resume", "more", "back"):
            return False
        item, deal = self.session.current, self.deal
        if item is None or deal is None:
            return False
        if action == "deal" and parameters:
            action = str(parameters[0])
        stage = self.store.shape.stage(deal.stage_id)
        lost = stage.kind is StageKind.LOST
        if action in ("next_step", "next_stage", "move_to", "won", "lost"):
            return stage.is_open
        if action == "reason":
            return lost and deal.loss_reason_id is None
        if action == "snooze":
            return stage.is_open or (lost and item.kind is Kind.REVISIT)
        if action == "reopen":
            return lost
        if action == "close_out":
            return lost and item.kind is Kind.REVISIT
        return True

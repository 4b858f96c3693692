"""The daily review (`d`): today's queue one deal at a time, one key per decision, a summary at
the end.

The queue is built once when the review opens (`pipeline_tui.review`); each deal is read when
its turn comes. Every decision is one of the board's own flows (the same operation, one
transaction, the same conflict handling); once the deal no longer needs what put it in the
queue, the next item is shown at once, in the callback that saved the change, so a key typed
ahead acts on the item it was typed on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from time import monotonic
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from pipeline_tui import rules
from pipeline_tui.display import safe
from pipeline_tui.errors import NotFoundError
from pipeline_tui.host import Host, host
from pipeline_tui.models import Deal, Event, StageKind
from pipeline_tui.money import format_money
from pipeline_tui.review import (
    SKIPPED,
    Health,
    Kind,
    Queue,
    Session,
    build_queue,
    day_label,
    needs_attention,
    why,
)
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.serialize import describe_event
from pipeline_tui.store import Store
from pipeline_tui.styles import SCREENS_CSS
from pipeline_tui.widgets.deal_rows import Cells, Column, DealRows, two_part

TIMELINE_MIN, TIMELINE_MAX = 3, 12  # the latest entries, as many as fit: the detail (enter) has all
KIND_MARKS = {Kind.MISSING_REASON: "?", Kind.REVISIT: "↻", Kind.STALE: "⚠", Kind.NO_NEXT_STEP: "○"}
SHORT_LABELS = {
    Kind.MISSING_REASON: "? no reason",
    Kind.REVISIT: "↻ revisit",
    Kind.STALE: "⚠ stale",
    Kind.NO_NEXT_STEP: "○ no step",
}
KIND_STYLES = {
    Kind.MISSING_REASON: "$text-error",
    Kind.REVISIT: "$text-accent",
    Kind.STALE: "$text-warning",
    Kind.NO_NEXT_STEP: "$text-primary",
}
Part = str | tuple[str, str]


def status_variants(health: Health) -> list[tuple[str, str]]:
    """The board's status line: whether today's review is done, and the pipeline's health,
    longest first (the line shows the longest that fits)."""
    percent = f"health {health.percent}%" if health.percent is not None else ""
    if health.to_review:
        texts = [f"review: {health.to_review:,} to do (d)", f"review {health.to_review:,} (d)"]
        style = "$text-primary"
    else:
        texts = ["✓ review done", "✓ reviewed"]
        style = "$text-success"
    variants = [f"{texts[0]}  ·  {percent}", f"{texts[1]} · {percent}"] if percent else []
    return [(text, style) for text in [*variants, texts[1]]]


class ProgressBar(Widget):
    """One line: how much of the queue is dealt with."""

    DEFAULT_CSS = "ProgressBar { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.done, self.total = 0, 0

    def show(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.refresh()

    def render(self) -> RenderResult:
        width = max(1, self.size.width)
        filled = width if not self.total else width * self.done // self.total
        return Content.assemble(("━" * filled, "$text-success"), ("─" * (width - filled), "$text-disabled"))


class ReviewScreen(Screen[None]):
    CSS_PATH = SCREENS_CSS

    # description: the key bar's label; tooltip: "Palette title — what it does".
    BINDINGS = [
        Binding("a", "note", "Note", tooltip="Add note — to the deal under review"),
        Binding("t", "next_step", "Next step", tooltip="Set next step — what happens next, and by when"),
        Binding(
            "greater_than_sign,shift+right",
            "next_stage",
            "Next stage",
            key_display=">",
            tooltip="Move deal to next stage — one stage right",
        ),
        Binding("m", "move", "Move", show=False, tooltip="Move deal to… — any stage"),
        Binding("w", "won", "Won", tooltip="Mark deal won — Closed Won"),
        Binding("l", "lost", "Lost", tooltip="Mark deal lost — Closed Lost with a reason"),
        Binding(
            "l",
            "reason",
            "Reason",
            tooltip="Give the reason — a deal lost without one: the Closed Lost prompt",
        ),
        Binding("z", "snooze", "Snooze", tooltip="Snooze — quiet a stale deal, or a new revisit date"),
        Binding("o", "reopen", "Reopen", tooltip="Reopen — back to an open stage"),
        Binding("c", "close_out", "Close out", tooltip="Close out — no more potential, no more revisits"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit deal — title, value, dates"),
        Binding("space", "skip", "Skip", tooltip="Skip — leave this deal for now, on to the next"),
        Binding("u", "undo", "Undo", tooltip="Undo — the last decision, back to that deal"),
        Binding("enter", "detail", "Detail", show=False, tooltip="Deal detail — fields and timeline"),
        Binding(
            "enter",
            "resume",
            "Review it",
            tooltip="Review from here — on the summary: the chosen deal and those after it",
        ),
        Binding("escape", "end", "End", tooltip="End the review — the summary, what is left"),
        Binding("escape", "back", "Back", tooltip="Back to the board — from the summary"),
    ]
    SUMMARY_ACTIONS: ClassVar[set[str]] = {"resume", "back", "undo"}

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(Queue([], [], date.min))
        self.deal: Deal | None = None  # the deal as shown: every decision is checked against it
        self.clock: Callable[[], float] = monotonic  # for "in 6 min"
        self.started = 0.0
        self.ended_at: float | None = None
        self._left_kinds: dict[int, int] = {}  # deal id -> its queue index, for the summary list

    @property
    def host(self) -> Host:
        return host(self)

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
                        Column("", width=7),
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
        self.session = Session(build_queue(app.store, app.today))
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
            return self.store.get(deal_id)
        except NotFoundError:  # removed since the queue was read
            return None

    def _arrive(self) -> None:
        """Show the current item, passing over those fixed elsewhere since the queue was
        read; at the end of the queue, the summary."""
        session, today = self.session, self.host.today
        while (item := session.current) is not None:
            deal = self._load(item.deal_id)
            if deal is not None and needs_attention(item.kind, deal, self.store.stage(deal.stage_id), today):
                self._show_item(deal)
                return
            session.settled()
            session.advance()
        self._show_summary()

    def _show_item(self, deal: Deal) -> None:
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
        parts: list[Part] = [("Daily review", "bold")]
        item = session.current
        if item is not None and not self.in_summary:
            parts += [
                f" · {session.position + 1:,} of {session.total:,} · ",
                (item.kind.label, f"bold {KIND_STYLES[item.kind]}"),
            ]
        else:
            parts.append(f" · {session.total:,} today")
        self.query_one("#review-progress", Static).update(Content.assemble(*parts))
        self.query_one(ProgressBar).show(session.reviewed, session.total)

    def _render_item(self) -> None:
        deal, item = self.deal, self.session.current
        if deal is None or item is None:
            return
        self._render_progress()
        store, today = self.store, self.host.today
        stage = store.stage(deal.stage_id)
        style = KIND_STYLES[item.kind]
        if needs_attention(item.kind, deal, stage, today):
            text = f"{KIND_MARKS[item.kind]} {why(store, item.kind, deal, today)}"
            reason = Content.assemble((safe(text), f"bold {style}"))
        else:
            reason = Content.assemble(
                ("✓ no longer needs attention", "bold $text-success"), ("  space: next", "dim")
            )
        self.query_one("#review-why", Static).update(reason)
        self.query_one("#review-fields", Static).update(self._fields(deal))
        self.query_one("#review-timeline", Static).update(self._timeline(deal))

    def _fields(self, deal: Deal) -> Content:
        store, today = self.store, self.host.today
        stage = store.stage(deal.stage_id)
        rows: list[tuple[str, str, str]] = [
            ("Company", deal.company, ""),
            ("Stage", f"{stage.name} · {rules.days_in_stage(deal, today)} days", ""),
            ("Value", format_money(deal.value, deal.currency), ""),
        ]
        if stage.is_open:
            close = ""
            if deal.expected_close is not None:
                close = day_label(deal.expected_close, today)
                if deal.expected_close < today:
                    close += " (passed)"
            rows.append(("Close date", close, "$text-warning" if close.endswith("(passed)") else ""))
            step = deal.next_step
            if deal.next_step_due is not None:
                step += f" (due {day_label(deal.next_step_due, today)})"
            rows.append(("Next step", step, ""))
        elif deal.closed_at is not None:
            rows.append(("Closed", day_label(deal.closed_at.date(), today), ""))
        if deal.snoozed_until is not None and deal.snoozed_until > today:
            rows.append(("Snoozed", f"quiet until {day_label(deal.snoozed_until, today)}", ""))
        if stage.kind is StageKind.LOST:
            reason = store.reason(deal.loss_reason_id) if deal.loss_reason_id else None
            rows.append(("Lost", rules.loss_label(reason, deal.competitor), "$text-error"))
            if deal.loss_note:
                rows.append(("Follow-up", " ".join(deal.loss_note.split()), ""))
            if deal.revisit_on is not None:
                rows.append(("Revisit", day_label(deal.revisit_on, today), ""))
        parts: list[Part] = ["\n", (safe(deal.title), "bold"), (f"  #{deal.id}", "dim")]
        for label, value, style in rows:
            parts += ["\n", (f"{label:>10}", "dim"), "  ", (safe(value) or "—", style)]
        return Content.assemble(*parts)

    def _timeline(self, deal: Deal) -> Content:
        store = self.store
        room = max(TIMELINE_MIN, min(TIMELINE_MAX, self.size.height - 18))
        events = list(reversed(store.timeline(deal.id, limit=room)))
        total = store.event_count(deal.id)
        more = f"the latest {len(events)} of {total:,}" if total > len(events) else f"{total:,}"
        parts: list[Part] = ["\n", ("Timeline", "bold"), (f" · {more} · enter: all", "dim")]
        for event in events:
            parts += ["\n", *self._event(event)]
        return Content.assemble(*parts)

    def _event(self, event: Event) -> list[Part]:
        label, detail = describe_event(self.store, event)
        text = " · ".join(x for x in (safe(detail), safe(event.text)) if x)
        return [(f"{event.at:%Y-%m-%d}", "dim"), "  ", (label, "bold"), "  " + text if text else ""]

    def on_resize(self) -> None:
        if self.deal is not None and not self.in_summary:
            self._render_item()

    # --------------------------------------------------------------- summary

    def _show_summary(self) -> None:
        session = self.session
        session.end()
        self.deal = None
        self.ended_at = self.clock()
        minutes = (self.ended_at - self.started) / 60
        left = session.left_indexes()
        if not session.total:
            text: Content = Content.assemble(
                ("Nothing needs you today", "bold $text-success"),
                ": no lost deal without a reason, no revisit due, nothing stale, every open deal has a "
                "next step.",
            )
        else:
            hint = "u undoes the last decision · escape: back to the board"
            if left:
                hint = "enter: review the chosen deal and those after it · " + hint
            text = Content.assemble((session.summary(minutes), "bold"), "\n", (hint, "dim"))
        self.query_one("#review-summary-text", Static).update(text)
        queue = session.queue
        self._left_kinds = {queue.ids[i]: i for i in left}
        rows = self.query_one("#review-left", DealRows)
        rows.set_rows([queue.ids[i] for i in left], self.store.get_many)
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
        return [(SHORT_LABELS[kind], ""), (skipped, "rows--muted"), (title, ""), (value, "")]

    # ---------------------------------------------------------------- reload

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
            change = self.store.change(change_id)
            if change is None or change.undone_at is None:
                break
            back = self.session.undo()
        if back is None:
            return False
        deal = self._load(self.session.queue.ids[back.index])
        if deal is None:
            self._arrive()
        else:
            self._show_item(deal)
        return True

    # -------------------------------------------------------------- decisions

    def _decide(self, action: str, flow: Callable[..., None], what: str | None = None) -> None:
        """Run one of the board's flows on the deal as shown; when it is saved, count it and,
        if the deal no longer needs attention, show the next item."""
        deal = self.deal
        if deal is None or not self.check_action(action, ()):  # (the palette runs any action)
            return
        index = self.session.position
        before_stage = self.store.stage(deal.stage_id)

        def then(after: Deal) -> None:
            self._decided(index, after, what or self._move_kind(before_stage.kind, after))

        flow(deal, then=then)

    def _move_kind(self, before: StageKind, after: Deal) -> str:
        kind = self.store.stage(after.stage_id).kind
        if kind is StageKind.WON:
            return "won"
        if kind is StageKind.LOST:
            return "lost"
        return "reopened" if before is not StageKind.OPEN else "moved"

    # What still settles an item of each kind, said when a decision did not (a note on a due
    # revisit) and when a key does nothing on the item shown.
    STILL: ClassVar[dict[Kind, str]] = {
        Kind.MISSING_REASON: "no loss reason yet: l fills it in · space skips",
        Kind.REVISIT: "the revisit is still due: o reopens · z snoozes · c closes out · space skips",
        Kind.STALE: "still stale: t next step · z snooze · > next stage · space skips",
        Kind.NO_NEXT_STEP: "still no next step: t sets one · space skips",
    }

    def on_key(self, event: events.Key) -> None:
        """A key that does nothing on this item is said, and the keys typed after it are
        dropped: they were meant for what the user expected to see, not for this deal (a
        word typed ahead must not run as commands: the c of "call" closing out a revisit)."""
        if not self.is_mounted or self.in_summary or self.session.current is None:
            return
        active = self.active_bindings.get(event.key)
        if active is not None and active.enabled:
            return
        if active is None and not event.is_printable:
            return  # arrows, function keys: nothing to say
        event.stop()
        dropped = self.host.drop_typed_ahead()
        key = event.character if event.is_printable and event.character else event.key
        message = f"{key!r} does nothing on this deal; {self.STILL[self.session.current.kind]}"
        if dropped:
            message += f"; {dropped:,} key{'s' if dropped != 1 else ''} typed after it dropped."
        self.host.notify_text(message, severity="warning", timeout=5)

    def _decided(self, index: int, after: Deal, what: str) -> None:
        store, session, today = self.store, self.session, self.host.today
        if after.id != session.queue.ids[index]:
            return
        change = store.last_change(origin=store.origin)
        used = {d.change_id for d in session.log}
        change_id = change.id if change and change.deal_id == after.id and change.id not in used else None
        kind = session.queue.kinds[index]
        stage = store.stage(after.stage_id)
        resolved = not needs_attention(kind, after, stage, today)
        detail = ""
        if what in ("lost", "reason") and stage.kind is StageKind.LOST:
            reason = store.reason(after.loss_reason_id) if after.loss_reason_id else None
            detail = reason.label if reason else ""
        session.go_to(index)
        session.decided(what, change_id, resolved=resolved, detail=detail)
        if resolved:
            session.advance()
            self._arrive()
        else:
            self._show_item(after)
            self.host.notify_text(f"Still here: {self.STILL[kind]}", timeout=4)

    def action_note(self) -> None:
        self._decide("note", self.host.add_note, "note")

    def action_next_step(self) -> None:
        self._decide("next_step", self.host.set_next_step, "next_step")

    def action_next_stage(self) -> None:
        self._decide("next_stage", lambda deal, then: self.host.move_step(deal, 1, then=then))

    def action_move(self) -> None:
        self._decide("move", self.host.choose_stage)

    def action_won(self) -> None:
        self._decide("won", self.host.mark_won, "won")

    def action_lost(self) -> None:
        self._decide("lost", self.host.mark_lost, "lost")

    def action_reason(self) -> None:
        self._decide("reason", self.host.fill_loss, "reason")

    def action_snooze(self) -> None:
        self._decide("snooze", self.host.snooze, "snoozed")

    def action_reopen(self) -> None:
        self._decide("reopen", self.host.reopen, "reopened")

    def action_close_out(self) -> None:
        self._decide("close_out", self.host.close_revisit, "closed_out")

    def action_edit(self) -> None:
        self._decide("edit", self.host.edit_deal, "edited")

    def action_detail(self) -> None:
        if self.deal is not None and self.check_action("detail", ()):
            self.host.open_detail(self.deal)

    def action_skip(self) -> None:
        item, deal = self.session.current, self.deal
        if item is None or deal is None or not self.check_action("skip", ()):
            return
        if needs_attention(item.kind, deal, self.store.stage(deal.stage_id), self.host.today):
            self.session.skip()
        else:  # fixed meanwhile (from the detail, or by another process): not a skip
            self.session.settled()
        self.session.advance()
        self._arrive()

    def action_undo(self) -> None:
        log = self.session.log
        if not log:
            self.host.notify_text("Nothing to undo in this review.")
            return
        if log[-1].change_id is None:  # a skip, or a decision that changed nothing
            decision = self.session.undo()
            assert decision is not None
            deal = self._load(self.session.queue.ids[decision.index])
            if deal is None:
                self._arrive()
            else:
                self._show_item(deal)
            return
        # The app undoes this board's last change; `reload` then takes the review back.
        self.host.undo()

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

    @on(DealRows.Chosen)
    def _chosen(self) -> None:
        self.action_resume()

    def action_back(self) -> None:
        if self.check_action("back", ()):
            self.host.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys that make sense for what is shown (the key bar shows only those)."""
        if not self.is_mounted:
            return True
        if action == "undo":
            return bool(self.session.log)
        if self.in_summary:
            return action in self.SUMMARY_ACTIONS
        if action in ("resume", "back"):
            return False
        item, deal = self.session.current, self.deal
        if item is None or deal is None:
            return False
        stage = self.store.stage(deal.stage_id)
        lost = stage.kind is StageKind.LOST
        if action in ("next_step", "next_stage", "move", "won", "lost"):
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

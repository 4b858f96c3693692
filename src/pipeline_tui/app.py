"""The App: wiring only. Screens show; modals collect; the operations layer changes things.

Every change a screen starts goes through `change`, which runs one operation with the deal
as the screen showed it and handles what can happen: done (refresh, toast with "u to
undo"), changed elsewhere since (ask: save anyway, reload, cancel), another process holding
the write lock (wait, keys held in order), refused (say why, nothing changed)."""

from __future__ import annotations

import functools
import gc
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from pipeline_tui import operations as ops
from pipeline_tui import paths, rules
from pipeline_tui.config import Settings
from pipeline_tui.display import safe
from pipeline_tui.errors import BusyError, ConflictError, DatabaseFileError, InputError, PipelineError
from pipeline_tui.host import Then
from pipeline_tui.keygate import KeyGate
from pipeline_tui.modals.deal_form import DealFormModal
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import (
    ChoiceModal,
    ConfirmModal,
    NextStepModal,
    NoteModal,
    PromptModal,
    StageModal,
    date_prompt,
)
from pipeline_tui.models import Deal, DealDraft, LossInput, Stage, StageKind
from pipeline_tui.store import Store, damaged

if TYPE_CHECKING:
    from pipeline_tui.screens.board import BoardScreen

BUSY_RETRY_S = 1.0
BUSY_GIVE_UP_S = 15 * 60


def _path(text: str) -> Path:
    """A file path typed into a prompt."""
    if not text.strip():
        raise InputError("Give a file name.")
    return Path(text.strip()).expanduser()


def _writes(method: Callable[..., Any]) -> Callable[..., Any]:
    """A flow that changes the pipeline: on a read-only file it says so when the key is
    pressed, before a form opens and takes the user's typing for nothing."""

    @functools.wraps(method)
    def guarded(self: PipelineApp, *args: Any, **kwargs: Any) -> Any:
        if self.store.readonly:
            self.notify(
                f"{self.store.read_only_text()}; nothing can be changed.",
                title="Read-only",
                severity="warning",
            )
            return None
        return method(self, *args, **kwargs)

    return guarded


class PipelineApp(KeyGate):
    """A seller's pipeline as a kanban board."""

    CSS_PATH = "app.tcss"
    TITLE = "pipeline-tui"
    # description: the key bar's label; tooltip: "Palette title — what it does".
    BINDINGS = [
        Binding("question_mark", "help", "Help", tooltip="Keys — every key on one page"),
        Binding("q", "quit", "Quit", tooltip="Quit — leave pipeline-tui"),
        # `u` always undoes (or says there is nothing to undo); the key bar shows it once
        # there is something to undo.
        Binding("u", "undo", "Undo", tooltip="Undo — your last change here"),
        Binding("u", "undo_quietly", "Undo", show=False, tooltip="Undo — your last change here"),
        Binding(
            "d", "review", "Review", tooltip="Daily review — everything that needs you today, one at a time"
        ),
        Binding("s", "stale", "Stale", tooltip="Stale deals — every stale deal with its reason"),
        Binding("r", "revisits", "Revisits", tooltip="Revisits — lost deals due for a revisit"),
        Binding(
            "R",
            "report",
            "Report",
            tooltip="Win-loss report — why deals are lost, at which stage, to whom; win rate",
        ),  # fmt: skip
        Binding(
            "comma",
            "settings",
            "Settings",
            show=False,
            key_display=",",
            tooltip="Settings — stages, stale thresholds, loss reasons, preferences",
        ),  # fmt: skip
    ]
    # Palette entries with no key of their own.
    PALETTE = (
        ("Import deals from CSV", "A CRM export (HubSpot, Salesforce, …) or pipeline-tui", "import_deals"),
        ("Lost deals without a reason", "Fill in reasons for imported losses", "missing_reasons"),
        ("Export revisits to calendar (.ics)", "One all-day event per revisit", "export_calendar"),
        ("Export notes to CSV", "Every note with its deal", "export_notes"),
    )

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings | None = None,
        today: date | None = None,
        poll_interval: float = 1.0,
        settings_warning: str | None = None,
        config_path: Path | None = None,
        start: str | None = None,
    ) -> None:
        super().__init__()
        self.start = start  # a screen to open over the board at once ("review")
        self.settings_warning = settings_warning
        self.store = store
        self.settings = settings or Settings()
        self.config_path = config_path or paths.config_path()
        self._today = today
        self.poll_interval = poll_interval
        # This board's own changes, for `u`: another process's are not ours to undo.
        store.origin = f"board-{uuid.uuid4().hex[:12]}"
        store.lock_wait_s = 0.3  # the board never freezes on a lock: it retries and says so
        self.undo_ready = False
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.fatal_message: str | None = None
        self._busy_since: float | None = None

    # ------------------------------------------------------------------ basics

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:
        """Messages quote what people typed (titles, file names): shown inert, never as markup."""
        if "title" in kwargs and kwargs["title"]:
            kwargs["title"] = safe(kwargs["title"])
        super().notify(safe(message), markup=False, **kwargs)

    def notify_text(
        self, message: str, *, title: str = "", severity: str = "information", timeout: float | None = None
    ) -> None:
        self.notify(message, title=title, severity=severity, timeout=timeout)

    @property
    def today(self) -> date:
        """The app's clock: fixed in tests and screenshots, else the real date."""
        return self._today or date.today()

    def _handle_exception(self, error: Exception) -> None:
        """A damaged file read half-way through: one line, like the command line, not a
        traceback (the command line prints it after the board closes)."""
        if isinstance(error, sqlite3.DatabaseError):
            self.fatal_message = str(damaged(self.store.path or Path("the pipeline"), error))
            self.exit(return_code=1)
            return
        super()._handle_exception(error)

    def fatal_error(self) -> DatabaseFileError:
        return DatabaseFileError(self.fatal_message or "The pipeline could not be read.")

    def get_default_screen(self) -> Screen[Any]:
        """The board is the app's first screen (not pushed over an empty one: one paint less)."""
        from pipeline_tui.screens.board import BoardScreen

        return BoardScreen()

    def on_mount(self) -> None:
        self.store.changed()  # take the current data version as the baseline
        if self.start:
            self.open_screen(self.start)
        if self.settings_warning:
            self.notify(self.settings_warning, title="Settings", severity="warning", timeout=15)
        if self.poll_interval > 0:
            self.set_interval(self.poll_interval, self.check_for_changes)
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        """After the first paint, move start-up objects out of the collector's way: long
        collections over them would otherwise stall a keypress now and then."""
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 20, 50)

    # ---------------------------------------------------------------- refresh

    def check_for_changes(self) -> None:
        """Another process (the CLI, a second board) committed: show it."""
        if self.store.changed():
            self.reload_screens()

    def reload_screens(self, stage_ids: set[int] | None = None, done: ops.Done | None = None) -> None:
        """Every screen re-reads what it shows; the board only the columns in `stage_ids`
        (told what `done` changed, it need not count them again)."""
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if reload is None:
                continue
            if getattr(screen, "reloads_columns", False):
                reload(stage_ids, done)
            else:
                reload()

    def open_screen(self, name: str) -> None:
        getattr(self, f"action_{name}")()

    # ---------------------------------------------------------------- changes

    def run_change(
        self,
        op: Callable[[], ops.Done],
        *,
        then: Callable[[ops.Done], None] | None = None,
        anyway: Callable[[], ops.Done] | None = None,
        reload: Callable[[Deal], None] | None = None,
        quiet: bool = False,
    ) -> ops.Done | None:
        """Run one operation and deal with what can happen; see the module docstring.

        `anyway` runs the same operation without the check against what the user saw;
        `reload` shows the deal as it is now (by default the screens re-read)."""
        try:
            done = op()
        except ConflictError as exc:
            self._conflict(exc, anyway=anyway, reload=reload, then=then)
            return None
        except BusyError:
            self._wait_for_lock(
                lambda: self.run_change(op, then=then, anyway=anyway, reload=reload, quiet=quiet)
            )
            return None
        except PipelineError as exc:
            self.notify(str(exc), title="Not changed", severity="error", timeout=8)
            return None
        self._busy_since = None
        self.undo_ready = done.change_id is not None or self.undo_ready
        stage_ids = set(done.moved) if done.moved else ({done.deal.stage_id} if done.deal else None)
        self.reload_screens(stage_ids, done)
        self.refresh_bindings()
        if not quiet:
            hint = "  ·  u to undo" if done.change_id is not None else ""
            self.notify(done.message + hint, timeout=4)
        if then is not None:
            then(done)
        return done

    def _conflict(
        self,
        exc: ConflictError,
        *,
        anyway: Callable[[], ops.Done] | None,
        reload: Callable[[Deal], None] | None,
        then: Callable[[ops.Done], None] | None,
    ) -> None:
        current: Deal = exc.current  # type: ignore[assignment]

        def chosen(choice: str | None) -> None:
            if choice == "save" and anyway is not None:
                self.run_change(anyway, then=then)
            elif choice == "reload":
                self.reload_screens()
                if reload is not None:
                    reload(current)
            else:
                self.notify("Nothing was changed.")
                self.reload_screens()

        options = [("s", "save", "Save anyway"), ("r", "reload", "Reload"), ("c", None, "Cancel")]
        if anyway is None:
            options = options[1:]
        lines = [f"{current.title} changed since you opened it:"] + [f"  • {c}" for c in exc.changes]
        self.push_screen(ChoiceModal("Changed elsewhere", "\n".join(lines), options), chosen)

    def _wait_for_lock(self, retry: Callable[[], object]) -> None:
        """Another process (a long import) holds the write lock: keep the keys typed
        meanwhile in order, say so, and try again every second."""
        import time

        now = time.monotonic()
        if self._busy_since is None:
            self._busy_since = now
            self.notify(
                "Another process is writing to the pipeline (an import?); your change will be "
                "saved as soon as it is done. Keys you type wait in order.",
                title="Waiting",
                timeout=6,
            )
        elif now - self._busy_since > BUSY_GIVE_UP_S:
            self._busy_since = None
            self.notify("Gave up waiting for the other process; nothing was changed.", severity="error")
            return
        self.hold_keys()

        def again() -> None:
            self.release_keys()
            retry()

        self.set_timer(BUSY_RETRY_S, again)

    @_writes
    def undo(self, scope: str = ops.PIPELINE) -> None:
        """Undo this board's last change (of the deals, or on the Settings screen of the
        settings): never another process's, never one from the other scope."""
        try:
            undone = ops.undo(self.store, today=self.today, origin=self.store.origin, scope=scope)
        except BusyError:
            self._wait_for_lock(lambda: self.undo(scope))
            return
        except PipelineError as exc:
            self.notify(
                str(exc), title="Could not undo" if "Nothing" not in str(exc) else "", severity="warning"
            )
            return
        if undone.settings is not None:
            self.apply_settings(undone.settings)
        self.undo_ready = self.store.last_change(origin=self.store.origin) is not None
        self.notify(undone.message)
        self.reload_screens()
        self.refresh_bindings()
        board = self._board()
        if undone.deal is not None and board is not None and self.screen is board:
            board.focus_deal(undone.deal)

    def action_undo(self) -> None:
        self.undo(getattr(self.screen, "UNDO_SCOPE", ops.PIPELINE))

    def action_undo_quietly(self) -> None:
        self.action_undo()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return self.undo_ready
        if action == "undo_quietly":
            return not self.undo_ready
        return True

    def _board(self) -> BoardScreen | None:
        from pipeline_tui.screens.board import BoardScreen

        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                return screen
        return None

    # ------------------------------------------------------------- deal flows

    def _then(self, then: Then | None) -> Callable[[ops.Done], None] | None:
        if then is None:
            return None

        def call(done: ops.Done) -> None:
            if done.deal is not None:
                then(done.deal)

        return call

    @_writes
    def move_deal(self, deal: Deal, stage: Stage, then: Then | None = None) -> None:
        """Move to any stage; a lost stage always goes through the Closed Lost prompt."""
        if stage.kind is StageKind.LOST:
            self.mark_lost(deal, stage, then)
            return
        self.run_change(
            lambda: ops.move_deal(self.store, deal.id, stage.id, today=self.today, seen=deal),
            anyway=lambda: ops.move_deal(self.store, deal.id, stage.id, today=self.today),
            then=self._then(then),
        )

    @_writes
    def move_step(self, deal: Deal, step: int, then: Then | None = None) -> None:
        """The next (or previous) stage in board order."""
        target = rules.neighbour_stage(self.store.stages(), deal.stage_id, step)
        if target is None:
            here = self.store.stage(deal.stage_id)
            if here.is_endpoint and step > 0:
                self.notify(f"{here.name} is an end of the pipeline; m moves the deal to any stage.")
            else:
                self.notify("No stage that way.")
            return
        self.move_deal(deal, target, then)

    @_writes
    def mark_lost(self, deal: Deal, stage: Stage | None = None, then: Then | None = None) -> None:
        target = stage or self.store.first_stage(StageKind.LOST)
        if deal.stage_id == target.id:
            self.notify(f"{deal.title} is already in {target.name}.")
            return

        def save(loss: LossInput | None) -> None:
            if loss is not None:
                self.lose_with(deal, loss, then, stage=target)

        self.push_screen(self.lost_modal(deal, target.name), save)

    @_writes
    def lose_with(
        self, deal: Deal, loss: LossInput, then: Then | None = None, *, stage: Stage | None = None
    ) -> None:
        target = stage or self.store.first_stage(StageKind.LOST)
        self.run_change(
            lambda: ops.lose(self.store, deal.id, loss, today=self.today, stage_id=target.id, seen=deal),
            anyway=lambda: ops.lose(self.store, deal.id, loss, today=self.today, stage_id=target.id),
            then=self._then(then),
        )

    def lost_modal(self, deal: Deal, title: str, *, fill: bool = False) -> LostModal:
        """The one Closed Lost prompt, offering the reasons that are not archived."""
        return LostModal(
            deal,
            self.store.reasons(),
            today=self.today,
            day_first=self.settings.day_first,
            stage_name=title,
        )

    @_writes
    def fill_loss(self, deal: Deal, then: Then | None = None) -> None:
        """Give an already-lost deal (an import, usually) its reason, note and revisit date."""

        def save(loss: LossInput | None) -> None:
            if loss is not None:
                self.run_change(
                    lambda: ops.fill_loss(self.store, deal.id, loss, today=self.today, seen=deal),
                    anyway=lambda: ops.fill_loss(self.store, deal.id, loss, today=self.today),
                    then=self._then(then),
                )

        self.push_screen(self.lost_modal(deal, "Why was it lost", fill=True), save)

    @_writes
    def mark_won(self, deal: Deal, then: Then | None = None) -> None:
        self.move_deal(deal, self.store.first_stage(StageKind.WON), then)

    @_writes
    def choose_stage(self, deal: Deal, then: Then | None = None) -> None:
        def chosen(stage: Stage | None) -> None:
            if stage is not None:
                self.move_deal(deal, stage, then)

        self.push_screen(
            StageModal(f"Move {deal.title} to…", self.store.stages(), current=deal.stage_id), chosen
        )

    @_writes
    def reopen(self, deal: Deal, then: Then | None = None) -> None:
        stages = [s for s in self.store.stages() if s.is_open]

        def chosen(stage: Stage | None) -> None:
            if stage is not None:
                self.run_change(
                    lambda: ops.reopen(self.store, deal.id, stage.id, today=self.today, seen=deal),
                    anyway=lambda: ops.reopen(self.store, deal.id, stage.id, today=self.today),
                    then=self._then(then),
                )

        # Back where it was lost, unless the user picks another stage.
        self.push_screen(StageModal(f"Reopen {deal.title} in…", stages, start=deal.lost_at_stage_id), chosen)

    @_writes
    def add_note(self, deal: Deal, then: Then | None = None) -> None:
        def save(text: str | None) -> None:
            if text:
                self.run_change(
                    lambda: ops.add_note(self.store, deal.id, text, today=self.today), then=self._then(then)
                )

        self.push_screen(NoteModal(f"Note on {deal.title}"), save)

    @_writes
    def set_next_step(
        self, deal: Deal, then: Then | None = None, *, draft: tuple[str, date | None] | None = None
    ) -> None:
        def save(result: tuple[str, date | None] | None) -> None:
            if result is None:
                return
            text, due = result

            def reload(current: Deal) -> None:
                self.set_next_step(current, then, draft=(text, due))

            self.run_change(
                lambda: ops.set_next_step(self.store, deal.id, text, due, today=self.today, seen=deal),
                anyway=lambda: ops.set_next_step(self.store, deal.id, text, due, today=self.today),
                reload=reload,
                then=self._then(then),
            )

        step, due = draft if draft is not None else (deal.next_step, deal.next_step_due)
        self.push_screen(
            NextStepModal(
                f"Next step: {deal.title}",
                step=step,
                due=due,
                today=self.today,
                day_first=self.settings.day_first,
            ),
            save,
        )

    @_writes
    def edit_deal(self, deal: Deal, then: Then | None = None, *, draft: DealDraft | None = None) -> None:
        def save(result: DealDraft | None) -> None:
            if result is None:
                return
            changes: dict[str, Any] = {
                "title": result.title,
                "company": result.company,
                "contact": result.contact,
                "value": result.value,
                "expected_close": result.expected_close,
                "next_step": result.next_step,
                "next_step_due": result.next_step_due,
            }
            if result.currency:
                changes["currency"] = result.currency
            # Only what the user changed in the form: "save anyway" over a deal changed
            # elsewhere must not put back the other fields as the form first showed them.
            changes = {k: v for k, v in changes.items() if getattr(deal, k) != v}
            if not changes:
                self.notify_text("Nothing was changed.", timeout=2)
                return

            def reload(current: Deal) -> None:
                # The form again, on the deal as it is now, keeping what the user typed
                # where they changed a field (their edit wins only where they made one).
                seen = _draft_of(deal)
                mine = {k: v for k, v in vars_of(result).items() if vars_of(seen).get(k) != v}
                merged = replace(_draft_of(current), **mine)
                self.edit_deal(current, then, draft=merged)

            self.run_change(
                lambda: ops.edit_deal(self.store, deal.id, changes, today=self.today, seen=deal),
                anyway=lambda: ops.edit_deal(self.store, deal.id, changes, today=self.today),
                reload=reload,
                then=self._then(then),
            )

        self.push_screen(
            DealFormModal(deal, today=self.today, day_first=self.settings.day_first, draft=draft), save
        )

    @_writes
    def new_deal(self, stage: Stage | None = None) -> None:
        def save(draft: DealDraft | None) -> None:
            if draft is None:
                return
            target = stage if stage is not None and stage.is_open else None

            def focus(done: ops.Done) -> None:
                board = self._board()
                if done.deal is not None and board is not None and self.screen is board:
                    board.focus_deal(done.deal)

            self.run_change(
                lambda: ops.add_deal(
                    self.store, draft, today=self.today, stage_id=target.id if target else None
                ),
                then=focus,
            )

        self.push_screen(DealFormModal(None, today=self.today, day_first=self.settings.day_first), save)

    @_writes
    def snooze(self, deal: Deal, then: Then | None = None) -> None:
        lost = self.store.stage(deal.stage_id).kind is StageKind.LOST

        def save(when: date | None) -> None:
            if when is not None:
                self.run_change(
                    lambda: ops.snooze(self.store, deal.id, when, today=self.today, seen=deal),
                    anyway=lambda: ops.snooze(self.store, deal.id, when, today=self.today),
                    then=self._then(then),
                )

        title = f"Revisit {deal.title} on…" if lost else f"Quiet {deal.title} until…"
        self.push_screen(
            date_prompt(
                title,
                after=self.today,
                today=self.today,
                day_first=self.settings.day_first,
                value="+3m" if lost else "+2w",
                picks=(("+1w", "+1w"), ("+2w", "+2w"), ("+1m", "+1m"), ("+3m", "+3m")),
            ),
            save,
        )

    @_writes
    def close_revisit(self, deal: Deal, then: Then | None = None) -> None:
        self.run_change(
            lambda: ops.close_out(self.store, deal.id, today=self.today, seen=deal),
            anyway=lambda: ops.close_out(self.store, deal.id, today=self.today),
            then=self._then(then),
        )

    @_writes
    def archive_deal(self, deal: Deal, then: Then | None = None) -> None:
        """Archive a junk or duplicate deal, after a yes."""

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_change(
                    lambda: ops.archive(self.store, deal.id, today=self.today, seen=deal),
                    anyway=lambda: ops.archive(self.store, deal.id, today=self.today),
                    then=self._then(then),
                )

        self.push_screen(
            ConfirmModal(
                f"Archive {deal.title}?\nIt leaves the board, the lists and the report; its history is "
                "kept (u undoes, `pipeline-tui unarchive` brings it back)."
            ),
            confirmed,
        )

    def open_detail(self, deal: Deal) -> None:
        from pipeline_tui.screens.deal_detail import DealDetailScreen

        self.push_screen(DealDetailScreen(deal.id))

    # ---------------------------------------------------------------- screens

    def _open(self, screen_class: type[Screen[Any]], *args: Any) -> None:
        if not isinstance(self.screen, screen_class):
            self.push_screen(screen_class(*args))

    def action_help(self) -> None:
        from pipeline_tui.screens.help import HelpScreen

        self._open(HelpScreen)

    def action_stale(self) -> None:
        from pipeline_tui.screens.stale import StaleScreen

        self._open(StaleScreen)

    def action_revisits(self) -> None:
        from pipeline_tui.screens.revisits import RevisitsScreen

        self._open(RevisitsScreen)

    def action_review(self) -> None:
        try:
            from pipeline_tui.screens.review import ReviewScreen
        except ImportError:
            self.notify("The daily review is not available yet.")
            return
        self._open(ReviewScreen)

    def action_settings(self) -> None:
        from pipeline_tui.screens.settings import SettingsScreen

        self._open(SettingsScreen)

    def action_report(self) -> None:
        from pipeline_tui.screens.report import ReportScreen

        self._open(ReportScreen)

    def action_missing_reasons(self) -> None:
        from pipeline_tui.screens.missing_reasons import MissingReasonsScreen

        self._open(MissingReasonsScreen)

    def update_setting(self, key: str, raw: str) -> Settings | None:
        """Check, save and use one preference (undoable from the Settings screen)."""
        try:
            done = ops.set_preference(self.settings, key, raw, config_path=self.config_path, store=self.store)
        except PipelineError as exc:
            self.notify(str(exc), title="Not changed", severity="error")
            return None
        except OSError as exc:
            self.notify(f"Could not save {self.config_path}: {exc.strerror}", severity="error")
            return None
        self.apply_settings(done.settings)
        self.notify(done.message + ("  ·  u to undo" if done.change_id else ""), timeout=4)
        return done.settings

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.store.currency = settings.currency
        self.reload_screens()

    # ----------------------------------------------------------------- files

    def default_export_path(self, name: str = "") -> Path:
        folder = platformdirs.user_documents_path()
        if not folder.is_dir():
            folder = Path.home()
        return folder / (name or f"pipeline-notes-{self.today.isoformat()}.csv")

    def _write_file(
        self,
        path: Path,
        write: Callable[[Any], object],
        done: Callable[[Path], str],
        *,
        replace_ok: bool = False,
    ) -> None:
        from pipeline_tui.files import TargetExists, write_file

        try:
            written = write_file(path, write, replace=replace_ok)
        except TargetExists:

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._write_file(path, write, done, replace_ok=True)

            self.push_screen(ConfirmModal(f"{path} exists. Replace it?"), confirmed)
            return
        except (PipelineError, OSError) as exc:
            self.notify(str(exc), title="Nothing written", severity="error")
            return
        self.notify(done(written), title="Written")

    def export_notes(self) -> None:
        from pipeline_tui import csv_io

        def save(path: Path | None) -> None:
            if path is None:
                return
            counted: list[int] = []
            self._write_file(
                path,
                lambda fh: counted.append(csv_io.export(self.store, "notes", fh)),
                lambda p: f"Wrote {counted[-1] if counted else 0} notes to {p}",
            )

        self.push_screen(
            PromptModal("Export notes to CSV file", _path, value=str(self.default_export_path())), save
        )

    action_export_notes = export_notes

    def export_calendar(self) -> None:
        from pipeline_tui import ics

        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                text = ics.revisits_calendar(self.store)
            except PipelineError as exc:
                self.notify(str(exc), title="Calendar export failed", severity="error")
                return
            count = text.count("BEGIN:VEVENT")
            self._write_file(path, lambda fh: fh.write(text), lambda p: f"Wrote {count} revisits to {p}")

        default = self.default_export_path("pipeline-revisits.ics")
        self.push_screen(PromptModal("Export revisits to an iCalendar file", _path, value=str(default)), save)

    action_export_calendar = export_calendar

    @_writes
    def action_import_deals(self) -> None:
        """Ask for a CSV file, show what importing it would do, and import on yes."""
        from pipeline_tui import importer

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            try:
                plan = importer.plan_import(self.store, path, day_first_setting=self.settings.day_first)
            except PipelineError as exc:
                self.notify(str(exc), title="Cannot import", severity="error", timeout=12)
                return
            lines = [f"{path.name}: {plan.format} export, {plan.total_rows:,} rows"]
            lines += [
                f"  {source} → {target}  ({plan.stage_rule[source]})"
                for source, target in plan.stage_map.items()
            ]
            lines += plan.notices
            if plan.conflicts:
                lines.append(
                    f"{len(plan.conflicts):,} fields you changed are kept (the CRM changed them too)"
                )
            already = plan.skipped_existing + plan.unchanged
            lines.append(
                f"Import {len(plan.rows):,} deals"
                + (f", update {plan.updated:,}" if plan.updated else "")
                + (f", skip {already:,} already here" if already else "")
                + "?"
            )

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                try:
                    done = ops.import_plan(self.store, plan, label=f"Imported {path.name}", today=self.today)
                except BusyError:
                    self._wait_for_lock(lambda: confirmed(True))
                    return
                except PipelineError as exc:
                    self.notify(str(exc), title="Nothing imported", severity="error")
                    return
                message = done.message
                if plan.missing_reasons:
                    message += f" {plan.missing_reasons:,} lost deals have no reason: see the palette."
                self.undo_ready = True
                self.notify(message + "  ·  u to undo", title="Imported", timeout=10)
                self.reload_screens()
                self.refresh_bindings()

            self.push_screen(ConfirmModal("\n".join(lines)), confirmed)

        self.push_screen(
            PromptModal("Import deals from a CSV file", _path, placeholder="~/Downloads/deals.csv"), chosen
        )

    # --------------------------------------------------------------- palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action by name: the palette reads the bindings, so a key changed in one
        place changes in the footer, the help and the palette alike."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        sources: list[tuple[Any, list[Any]]] = [(screen, list(getattr(screen, "BINDINGS", [])))]
        sources.append((self, list(self.BINDINGS)))
        for target, bindings in sources:
            for binding in bindings:
                if not isinstance(binding, Binding) or not binding.tooltip or binding.action in seen:
                    continue
                seen.add(binding.action)
                title, _, what = binding.tooltip.partition(" — ")
                key = binding.key_display or binding.key.split(",")[0]
                yield SystemCommand(
                    title, f"{what or binding.description} ({key})", _runner(target, binding.action)
                )
        for title, help_text, action in self.PALETTE:
            yield SystemCommand(title, help_text, getattr(self, f"action_{action}"))


def _runner(target: Any, action: str) -> Callable[[], Any]:
    def run() -> Any:
        return target.run_action(action)

    return run


def _draft_of(deal: Deal) -> DealDraft:
    return DealDraft(
        title=deal.title,
        company=deal.company,
        contact=deal.contact,
        value=deal.value,
        currency=deal.currency,
        expected_close=deal.expected_close,
        next_step=deal.next_step,
        next_step_due=deal.next_step_due,
    )


def vars_of(draft: DealDraft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in DealDraft.__slots__}

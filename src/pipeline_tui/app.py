"""The App: wiring only. Screens show; modals collect; the store changes things."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import platformdirs
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from pipeline_tui import csv_io, ics, importer, paths
from pipeline_tui.config import Settings, save_settings
from pipeline_tui.errors import InputError, PipelineError
from pipeline_tui.modals.deal_form import DealDraft, DealFormModal
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import (
    ConfirmModal,
    NextStepModal,
    NoteModal,
    PromptModal,
    StageModal,
    date_prompt,
)
from pipeline_tui.models import Deal, LossInput, Stage, StageKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.screens.help import HelpScreen
from pipeline_tui.screens.missing_reasons import MissingReasonsScreen
from pipeline_tui.screens.report import ReportScreen
from pipeline_tui.screens.revisits import RevisitsScreen
from pipeline_tui.screens.settings import SettingsScreen
from pipeline_tui.screens.stale import StaleScreen
from pipeline_tui.store import Store


def _path(text: str) -> Path:
    """A file path typed into a prompt."""
    if not text.strip():
        raise InputError("Give a file name.")
    return Path(text.strip()).expanduser()


@dataclass(frozen=True)
class UndoEntry:
    label: str
    snapshot: Deal | None = None  # the deal as it was before the change
    after: Deal | None = None  # and as the change left it
    note_event: int | None = None  # or the note to retract
    new_deal: int | None = None  # or the deal that was added


class PipelineApp(App[None]):
    """A seller's pipeline as a kanban board."""

    CSS_PATH = "app.tcss"
    TITLE = "pipeline-tui"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("u", "undo", "Undo", show=False),
        Binding("s", "stale", "Stale"),
        Binding("r", "revisits", "Revisits"),
        Binding("R", "report", "Report"),
        Binding("comma", "settings", "Settings", show=False, key_display=","),
    ]

    def __init__(
        self,
        store: Store,
        *,
        settings: Settings | None = None,
        today: date | None = None,
        poll_interval: float = 1.0,
        settings_warning: str | None = None,
    ) -> None:
        super().__init__()
        self.settings_warning = settings_warning
        self.store = store
        self.settings = settings or Settings()
        self._today = today
        self.poll_interval = poll_interval
        self.undo_stack: list[UndoEntry] = []

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:  # type: ignore[override]
        """Messages quote what people typed (titles, file names): shown as text, not markup."""
        super().notify(message, markup=markup, **kwargs)

    @property
    def today(self) -> date:
        """The app's clock: fixed in tests and screenshots, else the real date."""
        return self._today or date.today()

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.store.changed()  # take the current data version as the baseline
        self.push_screen(BoardScreen())
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
        # Fewer, younger collections: a full one over the board's caches cost ~20 ms, which
        # landed on a keypress now and then.
        gc.set_threshold(10_000, 20, 50)

    # ---------------------------------------------------------------- refresh

    def check_for_changes(self) -> None:
        """Another process (the CLI, a second board) committed: show it."""
        if self.store.changed():
            self.reload_screens()

    def reload_screens(self, stage_ids: set[int] | None = None) -> None:
        """Every screen re-reads what it shows; the board only the columns in `stage_ids`."""
        for screen in self.screen_stack:
            if isinstance(screen, BoardScreen):
                screen.reload(stage_ids)
            elif (reload := getattr(screen, "reload", None)) is not None:
                reload()

    # ---------------------------------------------------------------- changes

    def change(self, label: str, deal_id: int, fn: Callable[[], Any]) -> bool:
        """Run one store change, remember how to undo it, refresh, or say what went wrong."""
        try:
            snapshot = self.store.get(deal_id)
            fn()
            after = self.store.get(deal_id)
        except PipelineError as exc:
            self.notify(str(exc), title="Not changed", severity="error")
            return False
        self.undo_stack.append(UndoEntry(label, snapshot=snapshot, after=after))
        # One deal changed: only its old and new columns need reading again.
        self.reload_screens({snapshot.stage_id, after.stage_id})
        return True

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.")
            return
        entry = self.undo_stack.pop()
        try:
            if entry.note_event is not None:
                self.store.retract_note(entry.note_event)
            elif entry.new_deal is not None:
                self.store.remove_new_deal(entry.new_deal)
            elif entry.snapshot is not None:
                self.store.restore(entry.snapshot, label=f"Undid: {entry.label}", after=entry.after)
        except PipelineError as exc:
            self.notify(str(exc), title="Could not undo", severity="error")
            return
        self.notify(f"Undid: {entry.label}")
        self.reload_screens()
        if entry.snapshot is not None and isinstance(self.screen, BoardScreen):
            self.screen.focus_deal(self.store.get(entry.snapshot.id))

    # ------------------------------------------------------------- deal flows

    def stage_name(self, stage_id: int) -> str:
        return self.store.stage(stage_id).name

    def move_deal(self, deal: Deal, stage: Stage, then: Callable[[Deal], None] | None = None) -> None:
        """Move to any stage; a lost stage always goes through the Closed Lost prompt."""
        if stage.kind is StageKind.LOST:
            self.mark_lost(deal, stage, then)
            return
        verb = "Won" if stage.kind is StageKind.WON else f"Moved to {stage.name}"
        if self.change(f"{verb}: {deal.title}", deal.id, lambda: self.store.move(deal.id, stage.id)):
            self._after(deal, then)

    def mark_lost(
        self, deal: Deal, stage: Stage | None = None, then: Callable[[Deal], None] | None = None
    ) -> None:
        target = stage or self.store.first_stage(StageKind.LOST)
        if deal.stage_id == target.id:
            self.notify(f"{deal.title} is already in {target.name}.")
            return

        def save(loss: LossInput | None) -> None:
            if loss is None:
                return
            if self.change(f"Lost: {deal.title}", deal.id, lambda: self.store.move(deal.id, target.id, loss)):
                self._after(deal, then)

        self.push_screen(
            self._lost_modal(deal, target.name),
            save,
        )

    def _lost_modal(self, deal: Deal, title: str) -> LostModal:
        """The one Closed Lost prompt, offering the reasons that are not archived."""
        return LostModal(
            deal, self.store.reasons(), today=self.today, day_first=self.settings.day_first, stage_name=title
        )

    def fill_loss(self, deal: Deal) -> None:
        """Give an already-lost deal (an import, usually) its reason, note and revisit date."""

        def save(loss: LossInput | None) -> None:
            if loss is not None:
                self.change(
                    f"Reason for {deal.title}", deal.id, lambda: self.store.record_loss(deal.id, loss)
                )

        self.push_screen(
            self._lost_modal(deal, "Why was it lost"),
            save,
        )

    def mark_won(self, deal: Deal, then: Callable[[Deal], None] | None = None) -> None:
        self.move_deal(deal, self.store.first_stage(StageKind.WON), then)

    def choose_stage(self, deal: Deal, then: Callable[[Deal], None] | None = None) -> None:
        def chosen(stage: Stage | None) -> None:
            if stage is not None:
                self.move_deal(deal, stage, then)

        self.push_screen(
            StageModal(f"Move {deal.title} to…", self.store.stages(), current=deal.stage_id), chosen
        )

    def reopen(self, deal: Deal) -> None:
        stages = [s for s in self.store.stages() if s.is_open]

        def chosen(stage: Stage | None) -> None:
            if stage is not None:
                self.change(f"Reopened: {deal.title}", deal.id, lambda: self.store.reopen(deal.id, stage.id))

        self.push_screen(StageModal(f"Reopen {deal.title} in…", stages), chosen)

    def add_note(self, deal: Deal) -> None:
        def save(text: str | None) -> None:
            if not text:
                return
            try:
                event = self.store.add_note(deal.id, text)
            except PipelineError as exc:
                self.notify(str(exc), severity="error")
                return
            self.undo_stack.append(UndoEntry(f"Note on {deal.title}", note_event=event.id))
            self.notify(f"Noted on {deal.title}.")
            self.reload_screens()

        self.push_screen(NoteModal(f"Note on {deal.title}"), save)

    def set_next_step(self, deal: Deal) -> None:
        def save(result: tuple[str, date | None] | None) -> None:
            if result is not None:
                text, due = result
                self.change(
                    f"Next step on {deal.title}",
                    deal.id,
                    lambda: self.store.set_next_step(deal.id, text, due),
                )

        self.push_screen(
            NextStepModal(
                f"Next step: {deal.title}",
                step=deal.next_step,
                due=deal.next_step_due,
                today=self.today,
                day_first=self.settings.day_first,
            ),
            save,
        )

    def edit_deal(self, deal: Deal) -> None:
        def save(draft: DealDraft | None) -> None:
            if draft is None:
                return
            changes = {
                "title": draft.title,
                "company": draft.company,
                "contact": draft.contact,
                "value": draft.value,
                "expected_close": draft.expected_close,
                "next_step": draft.next_step,
                "next_step_due": draft.next_step_due,
            }
            if draft.currency:
                changes["currency"] = draft.currency
            self.change(f"Edit {deal.title}", deal.id, lambda: self.store.edit(deal.id, **changes))

        self.push_screen(DealFormModal(deal, today=self.today, day_first=self.settings.day_first), save)

    def new_deal(self, stage: Stage | None = None) -> None:
        def save(draft: DealDraft | None) -> None:
            if draft is None:
                return
            target = stage if stage is not None and stage.is_open else None
            try:
                deal = self.store.add(
                    draft.title,
                    company=draft.company,
                    contact=draft.contact,
                    value=draft.value,
                    currency=draft.currency,
                    stage_id=target.id if target else None,
                    expected_close=draft.expected_close,
                    next_step=draft.next_step,
                    next_step_due=draft.next_step_due,
                )
            except PipelineError as exc:
                self.notify(str(exc), severity="error")
                return
            self.undo_stack.append(UndoEntry(f"Add {deal.title}", new_deal=deal.id))
            self.notify(f"Added {deal.title} to {self.stage_name(deal.stage_id)}.")
            self.reload_screens()
            if isinstance(self.screen, BoardScreen):
                self.screen.focus_deal(deal)

        self.push_screen(DealFormModal(None, today=self.today, day_first=self.settings.day_first), save)

    def snooze(self, deal: Deal) -> None:
        def save(when: date | None) -> None:
            if when is not None:
                self.change(
                    f"Snoozed {deal.title}", deal.id, lambda: self.store.snooze_revisit(deal.id, when)
                )

        self.push_screen(
            date_prompt(
                f"Revisit {deal.title} on…",
                after=self.today,
                today=self.today,
                day_first=self.settings.day_first,
                value="+3m",
            ),
            save,
        )

    def close_revisit(self, deal: Deal) -> None:
        if self.change(f"Closed out {deal.title}", deal.id, lambda: self.store.close_revisit(deal.id)):
            self.notify(f"{deal.title}: no more revisits.")

    def open_detail(self, deal: Deal) -> None:
        self.push_screen(DealDetailScreen(deal.id))

    def _after(self, deal: Deal, then: Callable[[Deal], None] | None) -> None:
        if then is not None:
            then(self.store.get(deal.id))

    # ---------------------------------------------------------------- screens

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_stale(self) -> None:
        if not isinstance(self.screen, StaleScreen):
            self.push_screen(StaleScreen())

    def action_revisits(self) -> None:
        if not isinstance(self.screen, RevisitsScreen):
            self.push_screen(RevisitsScreen())

    def action_settings(self) -> None:
        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def update_settings(self, settings: Settings) -> None:
        """Use and save new preferences (only what differs from the defaults is written)."""
        try:
            save_settings(paths.config_path(), settings)
        except OSError as exc:
            self.notify(f"Could not save {paths.config_path()}: {exc.strerror}", severity="error")
            return
        self.settings = settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.store.currency = settings.currency
        self.reload_screens()

    def action_report(self) -> None:
        if not isinstance(self.screen, ReportScreen):
            self.push_screen(ReportScreen())

    def action_missing_reasons(self) -> None:
        if not isinstance(self.screen, MissingReasonsScreen):
            self.push_screen(MissingReasonsScreen())

    def action_export_calendar(self) -> None:
        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                count = ics.write_calendar(self.store, path)
            except (PipelineError, OSError) as exc:
                self.notify(str(exc), title="Calendar export failed", severity="error")
                return
            self.notify(f"Wrote {count} revisits to {path}", title="Calendar exported")

        default = self.default_export_path().with_name("pipeline-revisits.ics")
        self.push_screen(PromptModal("Export revisits to an iCalendar file", _path, value=str(default)), save)

    def action_import(self) -> None:
        """Ask for a CSV file, show what importing it would do, and import on yes."""

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            try:
                plan = importer.plan_import(self.store, path, day_first=self.settings.day_first)
            except PipelineError as exc:
                self.notify(str(exc), title="Cannot import", severity="error", timeout=12)
                return
            lines = [f"{path.name}: {plan.format} export, {plan.total_rows:,} rows"]
            lines += [
                f"  {source} → {target}  ({plan.stage_rule[source]})"
                for source, target in plan.stage_map.items()
            ]
            lines.append(
                f"Import {len(plan.rows):,} deals"
                + (f", skip {plan.skipped_existing:,} already here" if plan.skipped_existing else "")
                + "?"
            )

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                try:
                    self.store.import_rows(plan.rows, source_label=f"Imported from {path.name}")
                except PipelineError as exc:
                    self.notify(str(exc), title="Nothing imported", severity="error")
                    return
                message = f"Imported {len(plan.rows):,} deals."
                if plan.missing_reasons:
                    message += f" {plan.missing_reasons:,} lost deals have no reason: see the palette."
                self.notify(message, title="Imported", timeout=10)
                self.reload_screens()

            self.push_screen(ConfirmModal("\n".join(lines)), confirmed)

        self.push_screen(
            PromptModal("Import deals from a CSV file", _path, placeholder="~/Downloads/deals.csv"), chosen
        )

    def default_export_path(self) -> Path:
        folder = platformdirs.user_documents_path()
        if not folder.is_dir():
            folder = Path.home()
        return folder / f"pipeline-notes-{self.today.isoformat()}.csv"

    def action_export(self) -> None:
        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                count = csv_io.export_to_path(self.store, "notes", path)
            except (PipelineError, OSError) as exc:
                self.notify(str(exc), title="Export failed", severity="error")
                return
            self.notify(f"Wrote {count} notes to {path}", title="Exported")

        self.push_screen(
            PromptModal("Export notes to CSV file", _path, value=str(self.default_export_path())), save
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        board = screen if isinstance(screen, BoardScreen) else None
        commands: list[tuple[str, str, Callable[[], Any]]] = [
            ("Stale deals", "Every stale deal with its reason (s)", self.action_stale),
            ("Revisits", "Lost deals due for a revisit (r)", self.action_revisits),
            (
                "Win-loss report",
                "Why deals are lost, at which stage, to whom; win rate (R)",
                self.action_report,
            ),
            ("Export notes to CSV", "Write every note with its deal (x)", self.action_export),
            ("Undo", "Undo the last change (u)", self.action_undo),
            ("Keys", "Show every key (?)", self.action_help),
            ("New deal", "Add a deal (n)", self.new_deal),
            (
                "Import deals from CSV",
                "HubSpot, Pipedrive, Salesforce or pipeline-tui export",
                self.action_import,
            ),
            (
                "Lost deals without a reason",
                "Fill in reasons for imported losses",
                self.action_missing_reasons,
            ),
            (
                "Export revisits to calendar (.ics)",
                "One all-day event per revisit",
                self.action_export_calendar,
            ),
        ]
        if board is not None:
            commands += [
                ("Move deal to next stage", "shift+→ or >", lambda: board.action_move(1)),
                ("Move deal to previous stage", "shift+← or <", lambda: board.action_move(-1)),
                ("Move deal to…", "Any stage (m)", board.action_move_to),
                ("Mark deal lost", "Closed Lost with a reason (l)", board.action_lost),
                ("Mark deal won", "Closed Won (w)", board.action_won),
                ("Edit deal", "Title, value, dates (e)", board.action_edit),
                ("Add note", "To the selected deal (a)", board.action_note),
                ("Deal detail", "Fields and timeline (enter)", board.action_detail),
                ("Filter", "Show deals matching text (/)", board.action_filter),
            ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

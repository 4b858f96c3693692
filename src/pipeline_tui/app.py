"""The App: wiring only. It opens the board, routes keys through the key gate, and implements
the `Ui` port the flows talk to. What happens between a key and a saved change lives in
`flows/` (deal flows, file flows, the change runner); what a change does lives in the
operations layer; screens show and ask, and follow the `pipeline` reactive."""

from __future__ import annotations

import sqlite3
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.reactive import var
from textual.screen import ModalScreen, Screen

from pipeline_tui import paths
from pipeline_tui.app_support import MESSAGES_KEPT, Revision, Said, catch_stop_signals, runner, settle_gc
from pipeline_tui.config import Settings, load_keymap
from pipeline_tui.display import safe
from pipeline_tui.errors import DatabaseFileError
from pipeline_tui.flows.deals import DealFlows
from pipeline_tui.flows.files import FileFlows
from pipeline_tui.flows.runner import ChangeRunner
from pipeline_tui.flows.ui import Severity
from pipeline_tui.keygate import KeyGate
from pipeline_tui.models import Deal, Scope
from pipeline_tui.operations import Done
from pipeline_tui.store import Store, damaged

if TYPE_CHECKING:
    from pipeline_tui.host import Host

T = TypeVar("T")


class PipelineApp(App[Any]):
    """A seller's pipeline as a kanban board."""

    CSS_PATH = "app.tcss"
    TITLE = "pipeline-tui"
    # description: the key bar's label; tooltip: "Palette title — what it does".
    BINDINGS = [
        Binding("question_mark", "help", "Help", tooltip="Keys — every key on one page", id="app.help"),
        Binding("q", "quit", "Quit", tooltip="Quit — leave pipeline-tui", id="app.quit"),
        # `u` always undoes (or says there is nothing to undo); the key bar shows it once
        # there is something to undo.
        Binding("u", "undo", "Undo", tooltip="Undo — your last change here", id="app.undo"),
        Binding("u", "undo_quietly", "Undo", show=False, id="app.undo-quietly"),
        Binding(
            "d",
            "review",
            "Review",
            tooltip="Daily review — everything that needs you today, one at a time",
            id="app.review",
        ),
        Binding(
            "s", "stale", "Stale", tooltip="Stale deals — every stale deal with its reason", id="app.stale"
        ),
        Binding(
            "r", "revisits", "Revisits", tooltip="Revisits — lost deals due for a revisit", id="app.revisits"
        ),
        Binding(
            "R",
            "report",
            "Report",
            tooltip="Win-loss report — why deals are lost, at which stage, to whom; win rate",
            id="app.report",
        ),
        Binding(
            "comma",
            "settings",
            "Settings",
            show=False,
            key_display=",",
            tooltip="Settings — stages, stale thresholds, loss reasons, preferences",
            id="app.settings",
        ),
    ]
    # Palette entries with no key of their own.
    PALETTE = (
        ("Import deals from CSV", "A CRM export (HubSpot, Salesforce, …) or pipeline-tui", "import_deals"),
        ("Lost deals without a reason", "Fill in reasons for imported losses", "missing_reasons"),
        ("Export revisits to calendar (.ics)", "One all-day event per revisit", "export_calendar"),
        (
            "Calendar of next steps and revisits (.ics)",
            "One calendar to import or subscribe to; done items leave it (i on the board)",
            "export_pipeline_calendar",
        ),
        ("Export notes to CSV", "Every note with its deal", "export_notes"),
    )

    pipeline: var[Revision] = var(Revision(), init=False)
    said: var[int] = var(0, init=False)  # bumped by every message: the key bars show the last

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
        self._store = store
        self._settings = settings or Settings()
        self.config_path = config_path or paths.config_path()
        self._today = today
        self.poll_interval = poll_interval
        # This board's own changes, for `u`: another process's are not ours to undo.
        store.conn.origin = f"board-{uuid.uuid4().hex[:12]}"
        store.conn.lock_wait_s = 0.3  # the board never freezes on a lock: it retries and says so
        if self._settings.theme in self.available_themes:
            self.theme = self._settings.theme
        self.fatal_message: str | None = None
        self.stopped_by: int | None = None  # the signal that closed the board
        self.messages: deque[Said] = deque(maxlen=MESSAGES_KEPT)  # what the app said, latest last
        self.gate = KeyGate(self, super().on_event)
        self.runner = ChangeRunner(self)
        self.flows = DealFlows(self, self.runner)
        self.files = FileFlows(self, self.runner)

    # ------------------------------------------------------------- the Ui port

    @property
    def store(self) -> Store:
        return self._store

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def today(self) -> date:
        """The app's clock: fixed in tests and screenshots, else the real date."""
        return self._today or date.today()

    def ask(self, screen: Screen[T], answered: Callable[[T], None]) -> None:
        self.push_screen(screen, answered)  # type: ignore[arg-type]
        self.gate.expect(screen)

    def show_deal(self, deal: Deal) -> None:
        from pipeline_tui.screens.deal_detail import DealDetailScreen

        self.push_screen(DealDetailScreen(deal.id))

    def say(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
    ) -> None:
        self.notify(message, title=title, severity=severity, timeout=timeout)

    def hold_keys(self) -> None:
        self.gate.hold()

    def release_keys(self) -> None:
        self.gate.release()

    def later(self, delay: float, callback: Callable[[], object]) -> None:
        self.set_timer(delay, callback)

    def changed(self, done: Done | None) -> None:
        self.pipeline = Revision(self.pipeline.number + 1, done, self.pipeline.restores)
        self.refresh_bindings()

    def use_settings(self, settings: Settings) -> None:
        self._settings = settings
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.store.conn.currency = settings.currency
        self.changed(None)

    def refuse_key(self, key: str, why: str) -> None:
        self.gate.refuse()
        self.say(f"{key!r} {why}; the keys typed after it were dropped.", severity="warning", timeout=5)

    # ----------------------------------------------------------------- basics

    async def on_event(self, event: events.Event) -> None:
        if not self.gate.admit(event):
            await super().on_event(event)

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:
        """Every message goes to the key bar's message line (never a toast over a form or a
        row). Messages quote what people typed (titles, file names): shown inert, never as
        markup. The latest are kept in `messages`, as shown."""
        title = safe(kwargs.get("title") or "")
        timeout = kwargs.get("timeout")
        self.messages.append(
            Said(
                safe(message),
                str(kwargs.get("severity", "information")),
                title,
                self.NOTIFICATION_TIMEOUT if timeout is None else float(timeout),
            )
        )
        self.said += 1

    def unsay(self, message: str) -> None:
        """Take `message` off the message line when nothing was said since (a blank one
        follows it: the key bars then show none)."""
        if self.messages and self.messages[-1].text == safe(message):
            self.messages.append(Said(""))
            self.said += 1

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit, in plain words."""
        self.notify("Press ctrl+q (or q on the board) to quit.", title="Do you want to quit?")

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

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, reading pastes as text only (see `paste`)."""
        from pipeline_tui.paste import paste_safe

        return paste_safe(super().get_driver_class())

    def get_default_screen(self) -> Screen[Any]:
        """The board is the app's first screen (not pushed over an empty one: one paint less)."""
        from pipeline_tui.screens.board import BoardScreen

        return BoardScreen()

    def on_mount(self) -> None:
        self.store.changed()  # take the current data version as the baseline
        keymap, warning = load_keymap(self.config_path)
        if keymap:
            self.set_keymap(keymap)
        if self.start:
            getattr(self, f"action_{self.start}")()
        for problem in (self.settings_warning, warning):
            if problem:
                self.notify(problem, title="Settings", severity="warning", timeout=15)
        if self.poll_interval > 0:
            self.set_interval(self.poll_interval, self.check_for_changes)
        catch_stop_signals(self._stop_by_signal)
        self.call_after_refresh(settle_gc)

    def _stop_by_signal(self, signum: int) -> None:
        """SIGTERM or SIGHUP (a shutdown, a closed terminal): leave as `q` does, the
        terminal given back as it was; the command line then says why in one line."""
        self.stopped_by = signum
        self.exit(return_code=128 + signum)

    def check_for_changes(self) -> None:
        """Another process (the command line, a second board) committed: show it."""
        if not self.store.changed():
            return
        restored = self.store.conn.take_restored()
        if restored is None:
            self.changed(None)
            return
        # Another pipeline now: what was shown, marked, half-typed in a form or typed ahead
        # was meant for the old one. The board reloads and says so.
        self.gate.refuse()
        for screen in reversed(self.screen_stack[1:]):
            if isinstance(screen, ModalScreen):
                screen.dismiss(None)
        self.pipeline = Revision(self.pipeline.number + 1, None, self.pipeline.restores + 1)
        self.refresh_bindings()
        source = f" from {restored.restored_from}" if restored.restored_from else ""
        self.say(
            f"The pipeline was restored{source} by another process; the board shows it now. "
            "Open forms, marks and keys typed meanwhile were dropped.",
            title="Restored",
            severity="warning",
            timeout=12,
        )

    # ------------------------------------------------------------------- undo

    def action_undo(self) -> None:
        scope = (
            Scope.SETTINGS if getattr(self.screen, "UNDO_SCOPE", None) == Scope.SETTINGS else Scope.PIPELINE
        )
        self.runner.undo(scope)

    def action_undo_quietly(self) -> None:
        self.action_undo()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return self.runner.undo_ready
        if action == "undo_quietly":
            return not self.runner.undo_ready
        return True

    # ---------------------------------------------------------------- screens

    def _open(self, screen_class: type[Screen[Any]]) -> None:
        if not isinstance(self.screen, screen_class):
            self.push_screen(screen_class())

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
        from pipeline_tui.screens.review import ReviewScreen

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

    def action_import_deals(self) -> None:
        self.files.import_deals()

    def action_export_notes(self) -> None:
        self.files.export_notes()

    def action_export_calendar(self) -> None:
        self.files.export_calendar()

    def action_export_pipeline_calendar(self) -> None:
        self.files.export_pipeline_calendar()

    # --------------------------------------------------------------- palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action by name, once: the palette reads the bindings, so a key changed in
        one place changes in the footer, the help and the palette alike. Textual's own
        entries come after, less those it shares a name with ("Keys", "Quit")."""
        ours: list[SystemCommand] = []
        actions: set[str] = set()
        titles: set[str] = set()
        sources: list[tuple[Any, list[Any]]] = [(screen, list(getattr(screen, "BINDINGS", [])))]
        sources.append((self, list(self.BINDINGS)))
        for target, bindings in sources:
            for binding in bindings:
                if not isinstance(binding, Binding) or not binding.tooltip or binding.action in actions:
                    continue
                title, _, what = binding.tooltip.partition(" — ")
                if title in titles:
                    continue
                actions.add(binding.action)
                titles.add(title)
                key = binding.key_display or binding.key.split(",")[0]
                ours.append(
                    SystemCommand(
                        title, f"{what or binding.description} ({key})", runner(target, binding.action)
                    )
                )
        for title, help_text, action in self.PALETTE:
            if title not in titles:
                titles.add(title)
                ours.append(SystemCommand(title, help_text, runner(self, action)))
        yield from (command for command in super().get_system_commands(screen) if command.title not in titles)
        yield from ours


def as_host(app: PipelineApp) -> Host:
    """The App is what screens take it for (mypy checks it against `host.Host`)."""
    return app

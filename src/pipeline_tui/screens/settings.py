"""Settings: the stages, the loss reasons, the won reasons, and preferences (saved in the
config file).

Every change here goes through the operations layer and the change journal, so `u` on this
screen undoes this screen's last change (and never one made on the board)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from pipeline_tui import operations as ops
from pipeline_tui.config import DESCRIPTIONS, Settings, show_setting
from pipeline_tui.dates import describe_stale_days, parse_stale_days
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError, NotFoundError
from pipeline_tui.host import Host, host
from pipeline_tui.modals.prompts import PromptModal
from pipeline_tui.models import LossReason, Outcome, Scope, Stage, StageKind, WonReason
from pipeline_tui.operations import Done
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.styles import SCREENS_CSS


def _text(value: str) -> str:
    text = value.strip()
    if not text:
        raise InputError("Type a name.")
    return text


def _percent(value: str) -> int | None:
    text = value.strip().rstrip("%").strip().lower()
    if text in ("", "none", "off", "-"):
        return None
    try:
        percent = int(text)
    except ValueError:
        raise InputError("A whole percent from 0 to 100 (or none).") from None
    if not 0 <= percent <= 100:
        raise InputError("A whole percent from 0 to 100 (or none).")
    return percent


class NavTable(DataTable[Any]):
    """A table whose cursor moves as in every other list (g G home end)."""

    BINDINGS = [
        Binding("home,g", "cursor_first", show=False),
        Binding("end,G", "cursor_last", show=False),
        Binding("j", "cursor_down", show=False),
        Binding("k", "cursor_up", show=False),
    ]

    def action_cursor_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_cursor_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)


class SettingsScreen(Screen[None]):
    """Not a deal screen: it follows the pipeline all the same (another process may add a
    stage), through the App's `pipeline` reactive."""

    CSS_PATH = SCREENS_CSS

    UNDO_SCOPE = Scope.SETTINGS
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "show_tab('tab-stages')", "Stages"),
        Binding("2", "show_tab('tab-reasons')", "Reasons"),
        Binding("3", "show_tab('tab-won')", "Won reasons"),
        Binding("4", "show_tab('tab-prefs')", "Preferences"),
        Binding("a", "add", "Add"),
        Binding("r", "rename", "Rename"),
        Binding("t", "threshold", "Stale days"),
        Binding(
            "p",
            "probability",
            "Probability",
            tooltip="Stage probability — percent chance a deal here is won (forecast)",
        ),
        Binding(
            "o",
            "outcome",
            "Lost/no decision",
            tooltip="Lost or no decision — does this reason mean the buyer decided?",
        ),
        Binding(
            "c",
            "competitor",
            "Asks who",
            tooltip="Asks for the competitor — does this won reason ask who was beaten?",
        ),
        Binding("K,ctrl+up", "move(-1)", "Up", key_display="K"),
        Binding("J,ctrl+down", "move(1)", "Down", key_display="J"),
        Binding("A", "archive", "Archive/unarchive"),  # A, as on the board (where x exports)
        Binding("e", "edit", "Edit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stage_rows: list[Stage] = []
        self.reason_rows: list[LossReason] = []
        self.won_rows: list[WonReason] = []

    @property
    def host(self) -> Host:
        return host(self)

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("Settings", "bold"),
                " · stages and reasons travel with the database; preferences live in a config file"
                " · u undoes",
            ),
            classes="screen-title",
        )
        with TabbedContent(id="settings-tabs"):
            with TabPane("Stages", id="tab-stages"):
                yield NavTable(id="stages-table", cursor_type="row")
            with TabPane("Loss reasons", id="tab-reasons"):
                yield NavTable(id="reasons-table", cursor_type="row")
            with TabPane("Won reasons", id="tab-won"):
                yield NavTable(id="won-table", cursor_type="row")
            with TabPane("Preferences", id="tab-prefs"):
                yield NavTable(id="prefs-table", cursor_type="row")
        yield Static("", id="settings-hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.watch(self.app, "pipeline", lambda revision: self.follow(revision.done), init=False)
        self.query_one("#stages-table", DataTable).add_columns(
            "Stage", "Kind", "Stale after", "Prob.", "Deals", ""
        )
        self.query_one("#reasons-table", DataTable).add_columns("Loss reason", "Counts as", "Asks for", "")
        self.query_one("#won-table", DataTable).add_columns("Won reason", "Asks for", "")
        self.query_one("#prefs-table", DataTable).add_columns("Preference", "Value", "What it does")
        self.reload()
        self.set_focus(self.query_one("#stages-table", DataTable))

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "tab-stages"

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        table_id = {
            "tab-stages": "#stages-table",
            "tab-reasons": "#reasons-table",
            "tab-won": "#won-table",
        }.get(event.pane.id or "", "#prefs-table")
        self.set_focus(self.query_one(table_id, DataTable))
        self._hint()
        self.refresh_bindings()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def _hint(self) -> None:
        hints = {
            "tab-stages": "a add · r rename · t stale days · p probability · K/J move · A archive/unarchive"
            " · u undo",
            "tab-reasons": "a add · r rename · o lost or no decision · K/J move · A archive/unarchive"
            " · u undo",
            "tab-won": "why deals are won (asked, optionally, when one is marked won) · a add · r rename"
            " · c asks who was beaten · K/J move · x archive/unarchive · u undo",
            "tab-prefs": "enter or e to change · saved to the config file · u undo",
        }
        self.query_one("#settings-hint", Static).update(Content.assemble((hints[self.tab], "dim")))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.tab if self.is_mounted else "tab-stages"
        if action in ("threshold", "probability"):
            return tab == "tab-stages"
        if action == "outcome":
            return tab == "tab-reasons"
        if action == "competitor":
            return tab == "tab-won"
        if action in ("add", "rename", "move", "archive"):
            return tab != "tab-prefs"
        if action == "edit":
            return tab == "tab-prefs"
        return True

    def reload(self) -> None:
        store = self.host.store
        table = self.query_one("#stages-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.stage_rows = store.shape.stages(include_archived=True)
        for stage in self.stage_rows:
            stale = describe_stale_days(stage.stale_days, endpoint=stage.is_endpoint).removeprefix(
                "stale after "
            )
            prob = f"{stage.probability}%" if stage.is_open and stage.probability is not None else ""
            table.add_row(
                Text(safe(stage.name)),
                stage.kind.value,
                stale,
                prob,
                f"{store.shape.stage_deal_count(stage.id):,}",
                "archived" if stage.archived else "",
            )
        table.move_cursor(row=min(row, len(self.stage_rows) - 1))

        table = self.query_one("#reasons-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.reason_rows = store.shape.reasons(include_archived=True)
        for reason in self.reason_rows:
            asks = ", ".join(
                w for w, on in (("competitor", reason.needs_competitor), ("note", reason.needs_note)) if on
            )
            kind = "∅ no decision" if reason.outcome is Outcome.NO_DECISION else "lost"
            table.add_row(Text(safe(reason.label)), kind, asks, "archived" if reason.archived else "")
        table.move_cursor(row=min(row, len(self.reason_rows) - 1))

        table = self.query_one("#won-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.won_rows = store.shape.won_reasons(include_archived=True)
        for won in self.won_rows:
            asks = "who was beaten" if won.needs_competitor else ""
            table.add_row(Text(safe(won.label)), asks, "archived" if won.archived else "")
        table.move_cursor(row=min(row, len(self.won_rows) - 1))

        table = self.query_one("#prefs-table", DataTable)
        row = table.cursor_row
        table.clear()
        settings = self.host.settings
        for key, value in asdict(settings).items():
            shown = show_setting(value, key, settings.currency)
            table.add_row(key, Text(safe(shown)), DESCRIPTIONS.get(key, ""), key=key)
        table.move_cursor(row=min(row, len(DESCRIPTIONS) - 1))
        self._hint()

    # ---------------------------------------------------------------- helpers

    def _stage(self) -> Stage | None:
        table = self.query_one("#stages-table", DataTable)
        row = table.cursor_row
        return self.stage_rows[row] if 0 <= row < len(self.stage_rows) else None

    def reason_at_cursor(self) -> LossReason | None:
        table = self.query_one("#reasons-table", DataTable)
        row = table.cursor_row
        return self.reason_rows[row] if 0 <= row < len(self.reason_rows) else None

    def won_at_cursor(self) -> WonReason | None:
        table = self.query_one("#won-table", DataTable)
        row = table.cursor_row
        return self.won_rows[row] if 0 <= row < len(self.won_rows) else None

    def follow(self, done: Done | None) -> None:
        self.reload()

    def _do(self, fn: Any, *args: Any, follow: tuple[str, int | None] | None = None, **kwargs: Any) -> None:
        """Run a change; `follow`: the table row to put the cursor on after it (an id, or
        None for the item the change made: a stage or reason just added)."""

        def then(done: Done) -> None:
            if follow is None or done.made is None:
                return
            table_id, item_id = follow
            if item_id is None:
                item_id = done.made.id
            shown: dict[str, list[Any]] = {
                "#stages-table": list(self.stage_rows),
                "#reasons-table": list(self.reason_rows),
                "#won-table": list(self.won_rows),
            }
            ids = [r.id for r in shown[table_id]]
            if item_id in ids:
                self.query_one(table_id, DataTable).move_cursor(row=ids.index(item_id))

        store = self.host.store
        self.host.runner.run(lambda _: fn(store, *args, **kwargs), then=then)

    def _ask(self, title: str, parse: Any, then: Any, value: str = "") -> None:
        def answered(result: Any) -> None:
            if result is not None:
                then(result)

        self.host.ask(PromptModal(title, parse, value=value), answered)

    # ---------------------------------------------------------------- actions

    def action_add(self) -> None:
        if self.tab == "tab-stages":
            self._ask(
                "New open stage (goes before the endpoints)",
                _text,
                lambda name: self._do(ops.add_stage, name, follow=("#stages-table", None)),
            )
        elif self.tab == "tab-won":
            self._ask(
                "New won reason",
                _text,
                lambda label: self._do(ops.add_won_reason, label, follow=("#won-table", None)),
            )
        else:
            self._ask(
                "New loss reason",
                _text,
                lambda label: self._do(ops.add_reason, label, follow=("#reasons-table", None)),
            )

    def action_rename(self) -> None:
        if self.tab == "tab-stages" and (stage := self._stage()):
            self._ask(
                f"Rename {stage.name}",
                _text,
                lambda name: self._do(
                    ops.update_stage, stage.id, f"Renamed stage {stage.name} to {name}", name=name
                ),
                value=stage.name,
            )
        elif self.tab == "tab-reasons" and (reason := self.reason_at_cursor()):
            self._ask(
                f"Rename {reason.label}",
                _text,
                lambda label: self._do(
                    ops.update_reason, reason.id, f"Renamed reason {reason.label!r} to {label!r}", label=label
                ),
                value=reason.label,
            )
        elif self.tab == "tab-won" and (won := self.won_at_cursor()):
            self._ask(
                f"Rename {won.label}",
                _text,
                lambda label: self._do(
                    ops.update_won_reason,
                    won.id,
                    f"Renamed won reason {won.label!r} to {label!r}",
                    label=label,
                ),
                value=won.label,
            )

    def action_threshold(self) -> None:
        stage = self._stage()
        if stage is None:
            return
        if stage.kind is not StageKind.OPEN:
            self.host.say(f"{stage.name} is an endpoint; it never goes stale.")
            return

        def save(days: int | str) -> None:
            value = days if isinstance(days, int) else None
            summary = f"{stage.name}: {describe_stale_days(value)}"
            self._do(ops.update_stage, stage.id, summary, stale_days=value)

        def parse(text: str) -> int | str:
            days = parse_stale_days(text)
            return "off" if days is None else days

        self._ask(
            f"{stage.name}: stale after how many idle days? (a number, or off)",
            parse,
            save,
            value=str(stage.stale_days or "off"),
        )

    def action_probability(self) -> None:
        stage = self._stage()
        if stage is None:
            return
        if not stage.is_open:
            self.host.say(f"{stage.name} is an endpoint; only open stages have a probability.")
            return

        def save(percent: int | str) -> None:
            value = None if percent == "none" else percent
            self._do(ops.update_stage, stage.id, f"{stage.name}: {value}% probability", probability=value)

        def parse(text: str) -> int | str:
            percent = _percent(text)
            return "none" if percent is None else percent

        current = "" if stage.probability is None else str(stage.probability)
        self._ask(f"{stage.name}: chance in % that a deal here is won", parse, save, value=current)

    def action_outcome(self) -> None:
        reason = self.reason_at_cursor()
        if reason is None:
            return
        new = Outcome.LOST if reason.outcome is Outcome.NO_DECISION else Outcome.NO_DECISION
        self._do(ops.update_reason, reason.id, f"{reason.label!r} counts as {new.label}", outcome=new)

    def action_competitor(self) -> None:
        won = self.won_at_cursor()
        if won is None:
            return
        asks = not won.needs_competitor
        summary = f"{won.label!r} {'asks' if asks else 'no longer asks'} who was beaten"
        self._do(ops.update_won_reason, won.id, summary, needs_competitor=asks)

    def action_move(self, step: int) -> None:
        if self.tab == "tab-stages" and (stage := self._stage()):
            self._do(ops.move_stage, stage.id, step, follow=("#stages-table", stage.id))
        elif self.tab == "tab-reasons" and (reason := self.reason_at_cursor()):
            self._do(ops.move_reason, reason.id, step, follow=("#reasons-table", reason.id))
        elif self.tab == "tab-won" and (won := self.won_at_cursor()):
            self._do(ops.move_won_reason, won.id, step, follow=("#won-table", won.id))

    def action_archive(self) -> None:
        if self.tab == "tab-stages" and (stage := self._stage()):
            verb = "Unarchived" if stage.archived else "Archived"
            self._do(ops.update_stage, stage.id, f"{verb} stage {stage.name}", archived=not stage.archived)
        elif self.tab == "tab-reasons" and (reason := self.reason_at_cursor()):
            verb = "Unarchived" if reason.archived else "Archived"
            self._do(
                ops.update_reason, reason.id, f"{verb} reason {reason.label!r}", archived=not reason.archived
            )
        elif self.tab == "tab-won" and (won := self.won_at_cursor()):
            verb = "Unarchived" if won.archived else "Archived"
            self._do(
                ops.update_won_reason, won.id, f"{verb} won reason {won.label!r}", archived=not won.archived
            )

    def action_edit(self) -> None:
        table = self.query_one("#prefs-table", DataTable)
        keys = [f.name for f in fields(Settings)]
        if not 0 <= table.cursor_row < len(keys):
            return
        key = keys[table.cursor_row]
        current = asdict(self.host.settings)[key]

        def parse(text: str) -> str:
            from pipeline_tui.config import update_setting

            update_setting(self.host.settings, key, text)  # checked here, saved by the app
            if key == "next_step_from_stage" and text.strip().lower() not in ("", "none", "off", "-"):
                try:
                    stage = self.host.store.shape.find_stage(text)
                except NotFoundError as exc:  # said in the prompt, the text kept to fix
                    raise InputError(str(exc)) from None
                if not stage.is_open:
                    raise InputError(f"{stage.name} is not an open stage; deals there have no next step.")
            return text

        self._ask(
            f"{key}: {DESCRIPTIONS[key]}",
            parse,
            lambda raw: self._set_preference(key, raw),
            value=show_setting(current, key, self.host.settings.currency),
        )

    def _set_preference(self, key: str, raw: str) -> None:
        """Check, save and use one preference (undoable from here)."""
        app = self.host
        config = app.config_path

        def change(_: object) -> Done:
            return ops.set_preference(app.settings, key, raw, config_path=config, store=app.store)

        app.runner.run(change)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "prefs-table":
            self.action_edit()

"""Settings: the stages, the loss reasons, and preferences (saved in the config file)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from pipeline_tui.config import THEMES, Settings, update_setting
from pipeline_tui.errors import InputError, PipelineError
from pipeline_tui.modals.prompts import PromptModal
from pipeline_tui.models import LossReason, Stage, StageKind

if TYPE_CHECKING:
    from pipeline_tui.app import PipelineApp

PREFERENCES = {
    "currency": "Currency for new deals and totals (USD, EUR, GBP…)",
    "day_first": "Read 1/12 as 1 December (true) or January 12 (false)",
    "theme": "Colours: " + ", ".join(THEMES),
    "closed_days": "Days of closures the Won and Lost columns show",
    "revisit_horizon_days": "Days ahead that count as upcoming revisits",
}


def _text(value: str) -> str:
    text = value.strip()
    if not text:
        raise InputError("Type a name.")
    return text


def _days(value: str) -> int | None:
    text = value.strip().lower()
    if text in ("off", "none", "never", "0", "-", ""):
        return None
    try:
        days = int(text)
    except ValueError:
        raise InputError("A number of days, or 'off'.") from None
    if not 1 <= days <= 3650:
        raise InputError("From 1 to 3650 days, or 'off'.")
    return days


class SettingsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "show_tab('tab-stages')", "Stages"),
        Binding("2", "show_tab('tab-reasons')", "Reasons"),
        Binding("3", "show_tab('tab-prefs')", "Preferences"),
        Binding("a", "add", "Add"),
        Binding("r", "rename", "Rename"),
        Binding("t", "threshold", "Stale days"),
        Binding("K,ctrl+up", "move(-1)", "Up", key_display="K"),
        Binding("J,ctrl+down", "move(1)", "Down", key_display="J"),
        Binding("x", "archive", "Archive/restore"),
        Binding("e", "edit", "Edit", show=False),
    ]

    app: PipelineApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.stage_rows: list[Stage] = []
        self.reason_rows: list[LossReason] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "[b]Settings[/] · stages and reasons travel with the database; preferences live in a config file",
            classes="screen-title",
        )
        with TabbedContent(id="settings-tabs"):
            with TabPane("Stages", id="tab-stages"):
                yield DataTable(id="stages-table", cursor_type="row")
            with TabPane("Loss reasons", id="tab-reasons"):
                yield DataTable(id="reasons-table", cursor_type="row")
            with TabPane("Preferences", id="tab-prefs"):
                yield DataTable(id="prefs-table", cursor_type="row")
        yield Static("", id="settings-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stages-table", DataTable).add_columns("Stage", "Kind", "Stale after", "Deals", "")
        self.query_one("#reasons-table", DataTable).add_columns("Loss reason", "Asks for", "")
        self.query_one("#prefs-table", DataTable).add_columns("Preference", "Value", "What it does")
        self.reload()
        self.query_one("#stages-table", DataTable).focus()

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "tab-stages"

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        table_id = {"tab-stages": "#stages-table", "tab-reasons": "#reasons-table"}.get(
            event.pane.id or "", "#prefs-table"
        )
        self.query_one(table_id, DataTable).focus()
        self._hint()
        self.refresh_bindings()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def _hint(self) -> None:
        hints = {
            "tab-stages": "a add · r rename · t stale days · K/J move · x archive/restore",
            "tab-reasons": "a add · r rename · K/J move · x archive/restore (archived stay on their deals)",
            "tab-prefs": "enter or e to change · saved to the config file",
        }
        self.query_one("#settings-hint", Static).update(f"[dim]{hints[self.tab]}[/]")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.tab if self.is_mounted else "tab-stages"
        if action == "threshold":
            return tab == "tab-stages"
        if action in ("add", "rename", "move", "archive"):
            return tab != "tab-prefs"
        if action == "edit":
            return tab == "tab-prefs"
        return True

    def reload(self) -> None:
        store = self.app.store
        table = self.query_one("#stages-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.stage_rows = store.stages(include_archived=True)
        for stage in self.stage_rows:
            stale = (
                "endpoint"
                if stage.is_endpoint
                else (f"{stage.stale_days} days" if stage.stale_days else "off")
            )
            table.add_row(
                Text(stage.name),
                stage.kind.value,
                stale,
                f"{store.stage_deal_count(stage.id):,}",
                "archived" if stage.archived else "",
            )
        table.move_cursor(row=min(row, len(self.stage_rows) - 1))

        table = self.query_one("#reasons-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.reason_rows = store.reasons(include_archived=True)
        for reason in self.reason_rows:
            asks = ", ".join(
                w for w, on in (("competitor", reason.needs_competitor), ("note", reason.needs_note)) if on
            )
            table.add_row(Text(reason.label), asks, "archived" if reason.archived else "")
        table.move_cursor(row=min(row, len(self.reason_rows) - 1))

        table = self.query_one("#prefs-table", DataTable)
        row = table.cursor_row
        table.clear()
        for key, value in asdict(self.app.settings).items():
            shown = ("true" if value else "false") if isinstance(value, bool) else str(value)
            table.add_row(key, Text(shown), PREFERENCES.get(key, ""), key=key)
        table.move_cursor(row=min(row, len(PREFERENCES) - 1))
        self._hint()

    # ---------------------------------------------------------------- helpers

    def _stage(self) -> Stage | None:
        table = self.query_one("#stages-table", DataTable)
        return self.stage_rows[table.cursor_row] if self.stage_rows else None

    def _reason(self) -> LossReason | None:
        table = self.query_one("#reasons-table", DataTable)
        return self.reason_rows[table.cursor_row] if self.reason_rows else None

    def _do(self, fn: Any, *args: Any, done: str = "") -> None:
        try:
            fn(*args)
        except PipelineError as exc:
            self.app.notify(str(exc), title="Not changed", severity="error")
            return
        if done:
            self.app.notify(done)
        self.app.reload_screens()

    def _ask(self, title: str, parse: Any, then: Any, value: str = "") -> None:
        def answered(result: Any) -> None:
            if result is not None:
                then(result)

        self.app.push_screen(PromptModal(title, parse, value=value), answered)

    # ---------------------------------------------------------------- actions

    def action_add(self) -> None:
        store = self.app.store
        if self.tab == "tab-stages":
            self._ask(
                "New open stage (goes before the endpoints)",
                _text,
                lambda name: self._do(store.add_stage, name, done=f"Added {name}."),
            )
        else:
            self._ask(
                "New loss reason",
                _text,
                lambda label: self._do(store.add_reason, label, done=f"Added {label}."),
            )

    def action_rename(self) -> None:
        store = self.app.store
        if self.tab == "tab-stages" and (stage := self._stage()):
            self._ask(
                f"Rename {stage.name}",
                _text,
                lambda name: self._do(store.rename_stage, stage.id, name),
                value=stage.name,
            )
        elif self.tab == "tab-reasons" and (reason := self._reason()):
            self._ask(
                f"Rename {reason.label}",
                _text,
                lambda label: self._do(store.rename_reason, reason.id, label),
                value=reason.label,
            )

    def action_threshold(self) -> None:
        stage = self._stage()
        if stage is None:
            return
        if stage.kind is not StageKind.OPEN:
            self.app.notify(f"{stage.name} is an endpoint; it never goes stale.")
            return

        def save(days: int | None | str) -> None:
            self._do(self.app.store.set_stale_days, stage.id, None if days == "off" else days)

        def parse(text: str) -> int | str:
            days = _days(text)
            return "off" if days is None else days

        self._ask(
            f"{stage.name}: stale after how many idle days? (a number, or off)",
            parse,
            save,
            value=str(stage.stale_days or "off"),
        )

    def action_move(self, step: int) -> None:
        store = self.app.store
        if self.tab == "tab-stages" and (stage := self._stage()):
            self._do(store.move_stage, stage.id, step)
            self._follow("#stages-table", [s.id for s in self.stage_rows], stage.id)
        elif self.tab == "tab-reasons" and (reason := self._reason()):
            self._do(store.move_reason, reason.id, step)
            self._follow("#reasons-table", [r.id for r in self.reason_rows], reason.id)

    def _follow(self, table_id: str, ids: list[int], item_id: int) -> None:
        if item_id in ids:
            self.query_one(table_id, DataTable).move_cursor(row=ids.index(item_id))

    def action_archive(self) -> None:
        store = self.app.store
        if self.tab == "tab-stages" and (stage := self._stage()):
            if stage.archived:
                self._do(store.restore_stage, stage.id, done=f"{stage.name} is back on the board.")
            else:
                self._do(store.archive_stage, stage.id, done=f"Archived {stage.name}.")
        elif self.tab == "tab-reasons" and (reason := self._reason()):
            if reason.archived:
                self._do(store.restore_reason, reason.id, done=f"{reason.label} is offered again.")
            else:
                self._do(store.archive_reason, reason.id, done=f"{reason.label} is no longer offered.")

    def action_edit(self) -> None:
        table = self.query_one("#prefs-table", DataTable)
        keys = [f.name for f in fields(Settings)]
        key = keys[table.cursor_row]
        current = asdict(self.app.settings)[key]

        def parse(text: str) -> Settings:
            updated = update_setting(self.app.settings, key, text)
            if key == "theme" and updated.theme not in THEMES:
                raise InputError(f"Choose one of: {', '.join(THEMES)}.")
            return updated

        shown = ("true" if current else "false") if isinstance(current, bool) else str(current)
        self._ask(f"{key}: {PREFERENCES[key]}", parse, self.app.update_settings, value=shown)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "prefs-table":
            self.action_edit()

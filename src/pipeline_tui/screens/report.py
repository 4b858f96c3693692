"""The win-loss report: loss reasons as bars (Pareto), losses by stage and competitor, win rate."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from pipeline_tui.dates import parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.host import Host, host
from pipeline_tui.money import format_money
from pipeline_tui.report import PERIODS, Period, Report, Row, bar, custom_period, percent, period
from pipeline_tui.screens.deal_list import DealListScreen
from pipeline_tui.screens.keybar import KeyBar

BAR_WIDTH = 24
EMPTY = ("", "", "", "", "")


def _right(text: str) -> Text:
    return Text(text, justify="right")


class ReportScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "period('this-quarter')", "Quarter"),
        Binding("2", "period('last-90-days')", "90 days"),
        Binding("3", "period('this-year')", "Year"),
        Binding("4", "period('all')", "All time"),
        Binding("5", "custom", "Custom…"),
        Binding("enter", "open_row", "Deals", show=False),
    ]

    @property
    def host(self) -> Host:
        return host(self)

    def __init__(self, period_name: str = "this-quarter") -> None:
        super().__init__()
        self.period_name = period_name
        self.custom: Period | None = None
        self.keys: dict[str, tuple[str, Any]] = {}
        self.labels: dict[str, str] = {}
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title", classes="screen-title")
        yield Static("", id="report-summary")
        yield DataTable(id="report-table", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "Deals", "Value", "Share", "Cum.", "")
        self.reload()
        table.focus()

    @property
    def bar_width(self) -> int:
        """Bars fill what the label and figure columns leave (about 56 cells)."""
        return max(6, min(BAR_WIDTH, self.size.width - 60))

    def on_resize(self) -> None:
        if self.report is not None:
            self.reload()

    @property
    def period(self) -> Period:
        return self.custom or period(self.period_name, self.host.today)

    def reload(self) -> None:
        app = self.host
        report = app.store.report(
            self.period, today=app.today, horizon_days=app.settings.revisit_horizon_days
        )
        self.report = report
        cur = app.settings.currency
        choices = "  ".join(
            f"[reverse] {i} {label} [/]"
            if key == self.period_name and not self.custom
            else f"[b]{i}[/] {label}"
            for i, (key, label) in enumerate(PERIODS.items(), start=1)
        )
        custom = f"[reverse] 5 {report.period.label} [/]" if self.custom else "[b]5[/] custom"
        self.query_one("#report-title", Static).update(f"[b]Win-loss report[/]   {choices}  {custom}")
        won_days = "—" if report.avg_days_won is None else f"{report.avg_days_won:.0f}"
        lost_days = "—" if report.avg_days_lost is None else f"{report.avg_days_lost:.0f}"
        won_value = format_money(report.won_value, cur, compact=True)
        lost_value = format_money(report.lost_value, cur, compact=True)
        self.query_one("#report-summary", Static).update(
            f" Won [b $text-success]{report.won_count:,}[/] ({won_value})"
            f" · Lost [b $text-error]{report.lost_count:,}[/] ({lost_value})"
            f" · Win rate [b]{percent(report.win_rate_count)}[/] by count,"
            f" [b]{percent(report.win_rate_value)}[/] by value"
            f" · Days to close: won {won_days}, lost {lost_days}"
        )
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.keys, self.labels = {}, {}
        self._section(table, "Loss reasons by count", report.reasons_by_count, "count")
        self._section(table, "Loss reasons by value", report.reasons_by_value, "value")
        self._section(table, "Lost at stage", report.by_stage, "count")
        self._section(table, "Lost to competitor", report.by_competitor, "count")
        self._heading(table, "Won and lost")
        self._add(table, "won", ("won", None), "Won", report.won_count, report.won_value)
        self._add(table, "lost", ("lost", None), "Lost", report.lost_count, report.lost_value)
        self._heading(table, "Now")
        self._add(table, "now-stale", ("screen", "stale"), f"Stale deals: {report.stale_now:,}")
        self._add(table, "now-revisits", ("screen", "revisits"), f"Revisits due: {report.revisits_due:,}")
        missing = f"Lost without a reason: {report.lost_without_reason_all:,}"
        self._add(table, "now-missing", ("screen", "missing_reasons"), missing)
        table.move_cursor(row=max(1, min(row, table.row_count - 1)))

    def _heading(self, table: DataTable[Any], title: str) -> None:
        table.add_row(Text(title, style="bold"), *EMPTY, key=f"h-{title}")

    def _add(
        self,
        table: DataTable[Any],
        row_key: str,
        key: tuple[str, Any],
        label: str,
        count: int | None = None,
        value: int | None = None,
    ) -> None:
        self.keys[row_key], self.labels[row_key] = key, label
        cur = self.host.settings.currency
        count_text = "" if count is None else f"{count:,}"
        value_text = "" if value is None else format_money(value, cur, compact=True)
        table.add_row(
            Text("  " + safe(label)), _right(count_text), _right(value_text), "", "", "", key=row_key
        )

    def _section(self, table: DataTable[Any], title: str, rows: list[Row], by: str) -> None:
        self._heading(table, title)
        if not rows:
            table.add_row(Text("  no losses in this period", style="dim"), *EMPTY, key=f"e-{title}")
            return
        top = max((r.count if by == "count" else r.value) for r in rows) or 1
        cur = self.host.settings.currency
        for index, r in enumerate(rows):
            row_key = f"{title}-{index}"
            self.keys[row_key], self.labels[row_key] = r.key, f"{title}: {r.label}"
            amount = r.count if by == "count" else r.value
            share = r.share if by == "count" else r.value_share
            table.add_row(
                Text("  " + safe(r.label)),
                _right(f"{r.count:,}"),
                _right(format_money(r.value, cur, compact=True)),
                _right(percent(share)),
                _right(percent(r.cumulative)),
                Text(bar(amount / top, self.bar_width), style="red" if by == "count" else "blue"),
                key=row_key,
            )

    def action_period(self, name: str) -> None:
        self.period_name = name
        self.custom = None
        self.reload()

    def action_custom(self) -> None:
        from pipeline_tui.modals.prompts import PromptModal

        today, day_first = self.host.today, self.host.settings.day_first

        def parse(text: str) -> Period:
            since_text, sep, until_text = text.partition("..")
            if not sep:
                raise InputError("Write it as FROM..TO, e.g. 2026-01-01..2026-06-30 or Jan 1..today.")
            return custom_period(
                parse_optional_date(since_text, today, day_first=day_first, past=True),
                parse_optional_date(until_text, today, day_first=day_first, past=True),
            )

        def chosen(result: Period | None) -> None:
            if result is not None:
                self.custom = result
                self.reload()

        prompt = PromptModal("Period: FROM..TO (either side may be empty)", parse, placeholder="Jan 1..today")
        self.host.push_screen(prompt, chosen)

    def action_open_row(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        key = self.keys.get(row_key)
        if key is None:
            return
        if key[0] == "screen":
            getattr(self.app, f"action_{key[1]}")()
            return
        title = f"{self.labels[row_key]} · {self.period.label}"
        self.host.push_screen(DealListScreen(title, self.host.store.report_deal_ids(key, self.period)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_row()

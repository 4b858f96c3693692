"""The win-loss report: outcomes (won, lost, no decision), why deals were won beside why they
were lost (reasons as bars, Pareto, split by kind), the stage and competitor tables (who we
beat beside who beat us), the quota for the current period; a Velocity tab (stage
conversion, days in stage, sales cycle, win rate by starting stage), a Changes tab (what
changed since a day) and a Trend tab."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from pipeline_tui.changes import DEFAULT_SINCE, GROUPS, Changes, group_title, since_day
from pipeline_tui.dates import parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.host import Host, host
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    PERIODS,
    WON,
    Period,
    Report,
    Trend,
    bar,
    custom_period,
    percent,
    period,
)
from pipeline_tui.report_render import (
    cut,
    money,
    top_reason_text,
    trend_label,
    value_rates_text,
)
from pipeline_tui.screens.deal_list import DealListScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.screens.report_winloss import Line, quota_summary, winloss_lines
from pipeline_tui.styles import SCREENS_CSS
from pipeline_tui.velocity import Cycle, Velocity

BAR_WIDTH = 24
SHORT_PERIODS = {"this-quarter": "Quarter", "last-90-days": "90 days", "this-year": "Year", "all": "All time"}
TREND_BAR_WIDTH = 12
CHANGES_SHOWN = 100  # lines per group on the Changes tab (the biggest first); the CLI lists all
# What the report table's columns other than the label, the value and the bar take: Deals,
# Share and Cum. (5 + 5 + 4), each column's padding (2 x 6) and the scroll bar (2).
FIXED_CELLS = 28


def _right(text: str) -> Text:
    return Text(text, justify="right")


class ReportScreen(Screen[None]):
    CSS_PATH = SCREENS_CSS

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("1", "period('this-quarter')", "Quarter", tooltip="Report: this quarter — closures so far"),
        Binding("2", "period('last-90-days')", "90 days", tooltip="Report: last 90 days — closures"),
        Binding("3", "period('this-year')", "Year", tooltip="Report: this year — closures so far"),
        Binding("4", "period('all')", "All time", tooltip="Report: all time — every closure"),
        Binding("5", "custom", "Custom…", tooltip="Report: custom period — FROM..TO"),
        Binding(
            "t",
            "show_tab('tab-trend')",
            "Trend",
            tooltip="Report trend — win rate and no-decision rate over the last 8 quarters",
        ),
        Binding(
            "w", "show_tab('tab-winloss')", "Win-loss", tooltip="Win-loss tab — outcomes, reasons, quota"
        ),
        Binding(
            "v",
            "show_tab('tab-velocity')",
            "Velocity",
            tooltip="Velocity tab — stage conversion, days in stage, sales cycle, win rate by starting stage",
        ),
        Binding(
            "c",
            "show_tab('tab-changes')",
            "Changes",
            tooltip="Changes tab — what changed since a day: moved, won, lost, value, close dates",
        ),
        Binding("d", "since", "Since…", tooltip="Changes since… — 7d, 2w, mon, Nov 1"),
        Binding(
            "m",
            "trend_by",
            "Months/quarters",
            tooltip="Trend by month or quarter — switch the trend's periods",
        ),
        Binding("enter", "open_row", "Deals", show=False),
    ]

    @property
    def host(self) -> Host:
        return host(self)

    def __init__(self, period_name: str = "this-quarter") -> None:
        super().__init__()
        self.period_name = period_name
        self.custom: Period | None = None
        self.trend_by = "quarter"
        self._trend_shown = False
        self.rows: dict[str, Line] = {}
        self.report: Report | None = None
        self.velocity: Velocity | None = None
        self.changes: Changes | None = None
        self.since_text = DEFAULT_SINCE
        self.change_rows: dict[str, int] = {}  # row key -> deal id

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title", classes="screen-title")
        with TabbedContent(id="report-tabs"):
            with TabPane("Win-loss", id="tab-winloss"):
                yield Static("", id="report-summary")
                yield DataTable(id="report-table", cursor_type="row")
            with TabPane("Velocity", id="tab-velocity"):
                yield Static("", id="velocity-summary")
                yield DataTable(id="velocity-table", cursor_type="row")
            with TabPane("Changes", id="tab-changes"):
                yield Static("", id="changes-summary")
                yield DataTable(id="changes-table", cursor_type="row")
            with TabPane("Trend", id="tab-trend"):
                yield Static("", id="trend-summary")
                yield DataTable(id="trend-table", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#report-table", DataTable).add_columns("", "Deals", "Value", "Share", "Cum.", "")
        self.query_one("#trend-table", DataTable).add_columns(
            "", "Closed", "Win rate", "No decision", "Top loss reason"
        )
        self.query_one("#velocity-table", DataTable).add_columns(
            "Stage", "Entered", "Moved on", "Conversion", "Avg days", "Median days"
        )
        self.query_one("#changes-table", DataTable).add_columns("")
        self.reload()
        self.set_focus(self.query_one("#report-table", DataTable))
        self.watch(self.app, "pipeline", lambda _: self.reload(), init=False)

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active or "tab-winloss"

    def on_resize(self) -> None:
        # The bars take the width left over: redraw what was read, without reading again.
        if self.report is not None:
            self._title()
            self._table(self.report)
            if self.report.trend is not None:
                self._trend(self.report.trend)
            if self.velocity is not None:
                self._velocity(self.velocity)

    @property
    def period(self) -> Period:
        return self.custom or period(self.period_name, self.host.today)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "trend_by":
            return self.is_mounted and self.tab == "tab-trend"
        if action == "since":
            return self.is_mounted and self.tab == "tab-changes"
        if action in ("period", "custom"):
            return not self.is_mounted or self.tab != "tab-changes"
        if action == "show_tab" and self.is_mounted:
            return parameters[0] != self.tab
        return True

    # ---------------------------------------------------------------- reading

    def reload(self) -> None:
        app = self.host
        settings = app.settings
        report = app.store.reports.report(
            self.period,
            today=app.today,
            horizon_days=settings.revisit_horizon_days,
            rates=settings.exchange_rates,
            quota=settings.quota,
            quota_period=settings.quota_period,
            trend=self.trend_by,
        )
        self.report = report
        self._title()
        self._summary(report)
        self._table(report)
        if report.trend is not None:
            self._trend(report.trend)
        self.velocity = self.changes = None  # read again when their tab shows
        self._read_tab()

    def _read_tab(self) -> None:
        """The Velocity and Changes tabs read their figures when they show (the win-loss
        tab opens without them)."""
        tab = self.tab if self.is_mounted else "tab-winloss"
        if tab == "tab-velocity" and self.velocity is None:
            self.velocity = self.host.store.reports.velocity(self.period)
            self._velocity(self.velocity)
        elif tab == "tab-changes" and self.changes is None:
            app = self.host
            since = since_day(
                self.since_text,
                app.today,
                lambda text: parse_optional_date(
                    text, app.today, day_first=app.settings.day_first, past=True
                ),
            )
            self.changes = app.store.history.changes(since, app.today)
            self._changes(self.changes)

    def _title(self) -> None:
        parts: list[str | tuple[str, str]] = [("Win-loss report", "bold"), "   "]
        if self.tab == "tab-changes":
            since = self.changes.since if self.changes is not None else None
            parts += [
                f"changes since {since:%a %b %-d}   " if since else "changes   ",
                ("d", "bold"),
                " since…   ",
                ("w", "bold"),
                " win-loss",
            ]
        elif self.tab == "tab-trend":
            unit = "quarters" if self.trend_by == "quarter" else "months"
            parts += [
                f"last 8 {unit}   ",
                ("m", "bold"),
                " months or quarters   ",
                ("w", "bold"),
                " win-loss",
            ]
        else:
            # The key bar's short names when the long ones would wrap (80 columns).
            short = self.size.width < 90
            names = {key: SHORT_PERIODS[key] if short else label for key, label in PERIODS.items()}
            for i, (key, label) in enumerate(names.items(), start=1):
                if key == self.period_name and not self.custom:
                    parts += [(f" {i} {label} ", "reverse"), " "]
                else:
                    parts += [(str(i), "bold"), f" {label}  "]
            if self.custom:
                parts.append((f" 5 {self.custom.label} ", "reverse"))
            else:
                parts += [("5", "bold"), " custom"]
        self.query_one("#report-title", Static).update(Content.assemble(*parts))

    def _summary(self, report: Report) -> None:
        base, rates = report.currency, report.rates or None

        def m(totals: dict[str, int]) -> str:
            return money(totals, base, rates)

        by_value = report.win_rate_value
        basis = " (converted)" if by_value.converted else " (per currency)" if len(by_value.rates) > 1 else ""

        def days(x: float | None) -> str:
            return "—" if x is None else f"{x:.0f}"

        parts: list[str | tuple[str, str]] = [
            " Won ",
            (f"{report.won.count:,}", "bold $text-success"),
            f" ({m(report.won.values)}) · Lost ",
            (f"{report.lost.count:,}", "bold $text-error"),
            f" ({m(report.lost.values)}) · No decision ",
            (f"{report.no_decision.count:,}", "bold $text-warning"),
            f" ({m(report.no_decision.values)})\n Win rate ",
            (percent(report.win_rate_count), "bold"),
            " of closed · ",
            (percent(report.decided_win_rate_count), "bold"),
            " of decided · by value ",
            (value_rates_text(by_value, report.decided_win_rate_value), "bold"),
            f"{basis}\n Days to close: won {days(report.won.days)} · lost {days(report.lost.days)}"
            f" · no decision {days(report.no_decision.days)}",
        ]
        if report.quota is not None:
            parts += ["\n ", *quota_summary(report.quota)]
        self.query_one("#report-summary", Static).update(Content.assemble(*parts))

    # ---------------------------------------------------------------- the win-loss table

    def _table(self, report: Report) -> None:
        self._draw(winloss_lines(report, self.host.today))

    def _draw(self, lines: list[Line]) -> None:
        table = self.query_one("#report-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.rows = {}
        label_width = max(cell_len(("" if line.heading else "  ") + safe(line.label)) for line in lines)
        value_width = max([5, *(cell_len(line.value) for line in lines)])
        bar_width = max(6, min(BAR_WIDTH, self.size.width - label_width - value_width - FIXED_CELLS))
        for line in lines:
            self.rows[line.row_key] = line
            if line.heading:
                table.add_row(Text(safe(line.label), style="bold"), "", "", "", "", "", key=line.row_key)
                continue
            graph = (
                Text(bar(line.fraction, bar_width), style=line.bar_style) if line.fraction is not None else ""
            )
            table.add_row(
                Text("  " + safe(line.label), style=line.style),
                _right(line.count),
                _right(line.value),
                _right(line.share),
                _right(line.cum),
                graph,
                key=line.row_key,
            )
        table.move_cursor(row=max(1, min(row, table.row_count - 1)))

    # ---------------------------------------------------------------- the trend tab

    def _trend(self, trend: Trend) -> None:
        unit = "Quarter" if trend.by == "quarter" else "Month"
        partial = next((r for r in trend.rows if r.partial), None)
        self.query_one("#trend-summary", Static).update(
            Content.assemble(
                (f" Last {len(trend.rows)} {unit.lower()}s", "bold"),
                " · win rate: won ÷ closed · ∅ no-decision reason",
                " · * so far" if partial else "",
            )
        )
        table = self.query_one("#trend-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns(unit, "Closed", "Win rate", "No decision", "Top loss reason")
        # Period 10, Closed 6, two rates of 4 and a space, five paddings of 2, the scroll bar 2:
        # the bars share what is left with the reason (at least 20 cells).
        fixed = 10 + 6 + 2 * 5 + 10 + 2
        width = max(4, min(TREND_BAR_WIDTH, (self.size.width - fixed - 20) // 2))
        reason_width = max(12, self.size.width - fixed - 2 * width)
        for index, r in enumerate(trend.rows):
            table.add_row(
                Text(trend_label(r), style="bold" if r.partial else ""),
                _right(f"{r.closed:,}"),
                Text.assemble(
                    f"{percent(r.win_rate):>4} ", (bar(r.win_rate or 0, width).ljust(width), "green")
                ),
                Text.assemble(
                    f"{percent(r.no_decision_rate):>4} ",
                    (bar(r.no_decision_rate or 0, width).ljust(width), "yellow"),
                ),
                Text(cut(top_reason_text(r), reason_width)),
                key=f"trend-{index}",
            )
        # First shown on the current period; after that where the person left it.
        table.move_cursor(row=min(row, table.row_count - 1) if self._trend_shown else table.row_count - 1)
        self._trend_shown = True

    # ---------------------------------------------------------------- actions

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        table_id = {
            "tab-trend": "#trend-table",
            "tab-velocity": "#velocity-table",
            "tab-changes": "#changes-table",
        }.get(event.pane.id or "", "#report-table")
        self.set_focus(self.query_one(table_id, DataTable))
        self._read_tab()
        self._title()
        self.refresh_bindings()

    def action_trend_by(self) -> None:
        self.trend_by = "month" if self.trend_by == "quarter" else "quarter"
        self.reload()

    def action_period(self, name: str) -> None:
        self.period_name = name
        self.custom = None
        if self.tab != "tab-velocity":  # the velocity follows the period too
            self.action_show_tab("tab-winloss")
        self.reload()

    def action_since(self) -> None:
        """The Changes tab's first day: 7d, 2w, 1m, or a date."""
        from pipeline_tui.modals.prompts import PromptModal

        app = self.host

        def parse(text: str) -> str:
            since_day(
                text,
                app.today,
                lambda t: parse_optional_date(t, app.today, day_first=app.settings.day_first, past=True),
            )
            return text.strip() or DEFAULT_SINCE

        def chosen(result: str | None) -> None:
            if result is not None:
                self.since_text = result
                self.changes = None
                self._read_tab()
                self._title()

        prompt = PromptModal(
            "Changes since: 7d, 2w, 1m, or a date (mon, Nov 1)", parse, value=self.since_text
        )
        app.ask(prompt, chosen)

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
                if self.tab != "tab-velocity":
                    self.action_show_tab("tab-winloss")
                self.reload()

        prompt = PromptModal("Period: FROM..TO (either side may be empty)", parse, placeholder="Jan 1..today")
        self.host.ask(prompt, chosen)

    def action_open_row(self) -> None:
        if self.tab == "tab-trend":
            self._open_trend_row()
            return
        if self.tab == "tab-changes":
            self._open_change_row()
            return
        if self.tab == "tab-velocity":
            return
        table = self.query_one("#report-table", DataTable)
        if table.row_count == 0:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        line = self.rows.get(row_key)
        if line is None or line.key is None:
            return
        if line.key[0] == "screen":
            self.call_next(self.app.run_action, str(line.key[1]))
            return
        chosen = line.period or self.period
        title = f"{line.label} · {chosen.label}"
        self.app.push_screen(DealListScreen(title, self.host.store.reports.report_deal_ids(line.key, chosen)))

    def _open_trend_row(self) -> None:
        table = self.query_one("#trend-table", DataTable)
        if self.report is None or self.report.trend is None or table.row_count == 0:
            return
        r = self.report.trend.rows[table.cursor_row]
        title = f"Closed in {r.period.label}"
        ids = self.host.store.reports.report_deal_ids(("closed", None), r.period)
        self.app.push_screen(DealListScreen(title, ids))

    def _open_change_row(self) -> None:
        table = self.query_one("#changes-table", DataTable)
        if not table.row_count:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        deal_id = self.change_rows.get(row_key)
        if deal_id is not None:
            self.host.flows.detail([self.host.store.deals.get(deal_id)])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_row()

    # ---------------------------------------------------------------- the velocity tab

    def _velocity(self, v: Velocity) -> None:
        def days(x: float | None) -> str:
            return "—" if x is None else f"{x:.1f}".removesuffix(".0")

        def whole(x: float | None) -> str:
            return "—" if x is None else f"{x:.0f}"

        cycle: list[str | tuple[str, str]] = [(" Sales cycle", "bold"), ", days created → closed (median): "]
        for i, name in enumerate((WON, LOST, NO_DECISION)):
            c = v.cycle.get(name, Cycle())
            label = {WON: "won", LOST: "lost", NO_DECISION: "no decision"}[name]
            cycle += [" · " if i else "", f"{label} ", (whole(c.avg_days), "bold")]
            cycle.append(f" ({whole(c.median_days)}) of {c.count:,}")
        origin: list[str | tuple[str, str]] = ["\n", (" Win rate by starting stage", "bold"), ": "]
        if v.by_origin:
            for i, o in enumerate(v.by_origin):
                origin += [" · " if i else "", f"{safe(o.stage.name)} ", (percent(o.win_rate), "bold"),
                           f" of {o.closed:,}"]  # fmt: skip
        else:
            origin.append(("no deal closed in this period", "dim"))
        head: list[str | tuple[str, str]] = [
            (" Deals that entered each stage", "bold"),
            f" · {self.period.label} · moved on: left for a later stage or a win",
            " · days: of those that left\n",
        ]
        self.query_one("#velocity-summary", Static).update(Content.assemble(*head, *cycle, *origin))
        table = self.query_one("#velocity-table", DataTable)
        row = table.cursor_row
        table.clear()
        width = max(6, min(BAR_WIDTH, self.size.width - 70))
        for f in v.stages:
            conversion = Text.assemble(
                f"{percent(f.conversion):>4} ", (bar(f.conversion or 0, width).ljust(width), "green")
            )
            table.add_row(
                Text(safe(f.stage.name)),
                _right(f"{f.entered:,}"),
                _right(f"{f.moved_on:,}"),
                conversion,
                _right(days(f.avg_days)),
                _right(days(f.median_days)),
                key=f"velocity-{f.stage.id}",
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    # ---------------------------------------------------------------- the changes tab

    def _changes(self, changes: Changes) -> None:
        base = self.host.settings.currency
        days = (changes.today - changes.since).days
        summary: list[str | tuple[str, str]] = [
            (f" Since {changes.since:%a %b %-d} ({days} days)", "bold"),
            f": {changes.count:,} deal{'s' if changes.count != 1 else ''} changed",
            " · enter opens one · d since…",
        ]
        self.query_one("#changes-summary", Static).update(Content.assemble(*summary))
        table = self.query_one("#changes-table", DataTable)
        row = table.cursor_row
        table.clear()
        self.change_rows = {}
        for group in GROUPS:
            found = changes.groups[group]
            if not found:
                continue
            table.add_row(Text(group_title(changes, group, base=base), style="bold"), key=f"h-{group}")
            for line in found[:CHANGES_SHOWN]:
                key = f"{group}-{line.deal.id}"
                self.change_rows[key] = line.deal.id
                style = {"won": "green", "lost": "red"}.get(group, "")
                text = Text.assemble((f"  #{line.deal.id:<6}", "dim"), (safe(line.text), style))
                table.add_row(text, key=key)
            if len(found) > CHANGES_SHOWN:
                more = f"  … {len(found) - CHANGES_SHOWN:,} more (`pipeline-tui changes` lists them all)"
                table.add_row(Text(more, style="dim"), key=f"more-{group}")
        if not table.row_count:
            table.add_row(Text("  nothing changed in this window", style="dim"), key="empty")
        table.move_cursor(row=max(0, min(row, table.row_count - 1)))

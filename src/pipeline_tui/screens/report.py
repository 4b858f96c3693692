"""The win-loss report: outcomes (won, lost, no decision), loss reasons as bars (Pareto) split
by kind, the stage and competitor tables, the quota for the current period, and a Trend tab."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from pipeline_tui.dates import parse_optional_date
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.host import Host, host
from pipeline_tui.models import Outcome
from pipeline_tui.money import format_money
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    PERIODS,
    WON,
    Period,
    Quota,
    Ranking,
    Report,
    Trend,
    bar,
    custom_period,
    percent,
    period,
    times,
)
from pipeline_tui.report_render import (
    CONVERTED_MARK,
    OUTCOME_NOTES,
    cut,
    is_converted,
    money,
    top_reason_text,
    trend_label,
    value_rates_text,
)
from pipeline_tui.screens.deal_list import DealListScreen
from pipeline_tui.screens.keybar import KeyBar
from pipeline_tui.styles import SCREENS_CSS

BAR_WIDTH = 24
SHORT_PERIODS = {"this-quarter": "Quarter", "last-90-days": "90 days", "this-year": "Year", "all": "All time"}
TREND_BAR_WIDTH = 12
# What the report table's columns other than the label, the value and the bar take: Deals,
# Share and Cum. (5 + 5 + 4), each column's padding (2 x 6) and the scroll bar (2).
FIXED_CELLS = 28


@dataclass
class Line:
    """One row of the report table before it is drawn (widths are known only once all are)."""

    row_key: str
    label: str
    style: str = ""
    count: str = ""
    value: str = ""
    share: str = ""
    cum: str = ""
    fraction: float | None = None
    bar_style: str = ""
    key: tuple[Any, ...] | None = None  # what enter lists
    period: Period | None = None  # the period those deals closed in (or the quota's)
    heading: bool = False


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

    def compose(self) -> ComposeResult:
        yield Static("", id="report-title", classes="screen-title")
        with TabbedContent(id="report-tabs"):
            with TabPane("Win-loss", id="tab-winloss"):
                yield Static("", id="report-summary")
                yield DataTable(id="report-table", cursor_type="row")
            with TabPane("Trend", id="tab-trend"):
                yield Static("", id="trend-summary")
                yield DataTable(id="trend-table", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#report-table", DataTable).add_columns("", "Deals", "Value", "Share", "Cum.", "")
        self.query_one("#trend-table", DataTable).add_columns(
            "", "Closed", "Win rate", "No decision", "Top loss reason"
        )
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

    @property
    def period(self) -> Period:
        return self.custom or period(self.period_name, self.host.today)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "trend_by":
            return self.is_mounted and self.tab == "tab-trend"
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

    def _title(self) -> None:
        parts: list[str | tuple[str, str]] = [("Win-loss report", "bold"), "   "]
        if self.tab == "tab-trend":
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
            parts += ["\n ", *self._quota_summary(report.quota)]
        self.query_one("#report-summary", Static).update(Content.assemble(*parts))

    @staticmethod
    def _quota_summary(q: Quota) -> list[str | tuple[str, str]]:
        mark = CONVERTED_MARK if q.converted else ""

        def m(minor: int | None) -> str:
            return mark + format_money(minor or 0, q.currency, compact=True)

        if not q.quota:
            return [
                f"{q.period.label}: no quota set (Settings, or `config quota AMOUNT`) · won {m(q.won_amount)}"
                f" · pipeline {m(q.pipeline_amount)} · forecast {m(q.forecast)}"
            ]
        return [
            f"{q.period.label}: {m(q.won_amount)} of {format_money(q.quota, q.currency, compact=True)} (",
            (percent(q.attainment), "bold"),
            f") · {m(q.left_to_win)} to go · ",
            (times(q.coverage), "bold"),
            f" coverage · forecast {m(q.forecast)}",
        ]

    # ---------------------------------------------------------------- the win-loss table

    def _table(self, report: Report) -> None:
        lines: list[Line] = []
        base, rates = report.currency, report.rates or None
        converted = False

        def m(totals: dict[str, int]) -> str:
            nonlocal converted
            converted = converted or is_converted(totals, base, rates)
            return money(totals, base, rates)

        def heading(title: str) -> None:
            lines.append(Line(f"h-{title}", title, "bold", heading=True))

        def dim(row_key: str, text: str) -> None:
            lines.append(Line(row_key, text, "dim"))

        heading("Outcomes")
        for name in (WON, LOST, NO_DECISION):
            tally = report.outcome(name)
            share = report.share(name)
            lines.append(
                Line(
                    name,
                    OUTCOME_NOTES[name],
                    count=f"{tally.count:,}",
                    value=m(tally.values),
                    share=percent(share),
                    fraction=share or 0.0,
                    bar_style={WON: "green", LOST: "red", NO_DECISION: "yellow"}[name],
                    key=(name, None),
                    period=report.period,
                )
            )
        for outcome in (Outcome.LOST, Outcome.NO_DECISION):
            tables = report.tables(outcome)
            title = OUTCOME_NOTES[outcome.value]
            if not report.outcome(outcome.value).count:
                heading(title)
                dim(f"e-{outcome.value}", "  none in this period")
                continue
            rankings = [tables.reasons_by_count, *tables.reasons_by_value, tables.by_stage]
            if tables.by_competitor.rows or outcome is Outcome.LOST:
                rankings.append(tables.by_competitor)
            for ranking in rankings:
                self._section(lines, ranking, report, m)
        if report.quota is not None:
            self._quota_section(lines, report.quota)
        heading("Now")
        lines.append(Line("now-stale", f"Stale deals: {report.stale_now:,}", key=("screen", "stale")))
        lines.append(
            Line("now-revisits", f"Revisits due: {report.revisits_due:,}", key=("screen", "revisits"))
        )
        missing = f"Lost without a reason: {report.lost_without_reason_all:,}"
        lines.append(Line("now-missing", missing, key=("screen", "missing_reasons")))
        if report.undated_note:
            lines.append(Line("now-undated", report.undated_note, "dim"))
        if converted:
            dim("converted", f"{CONVERTED_MARK} converted to {base} at your exchange rates")
        self._draw(lines)

    def _section(self, lines: list[Line], ranking: Ranking, report: Report, m: Any) -> None:
        title = ranking.title
        if ranking.by == "value":
            title += f" ({report.currency}, converted)" if ranking.converted else f" ({ranking.currency})"
        lines.append(Line(f"h-{title}", title, "bold", heading=True))
        if not ranking.rows:
            lines.append(Line(f"e-{title}", "  none in this period", "dim"))
            return
        by_value = ranking.by == "value"
        top = max((r.value if by_value else r.count) for r in ranking.rows) or 1
        for index, r in enumerate(ranking.rows):
            if by_value:
                value = format_money(r.value, ranking.currency or report.currency, compact=True)
                value = f"{CONVERTED_MARK} {value}" if ranking.converted else value
            else:
                value = m(r.values)
            lines.append(
                Line(
                    f"{title}-{index}",
                    r.label,
                    count=f"{r.count:,}",
                    value=value,
                    share=percent(r.value_share if by_value else r.share),
                    cum=percent(r.cumulative),
                    fraction=(r.value if by_value else r.count) / top,
                    bar_style="blue" if by_value else "red",
                    key=r.key,
                    period=report.period,
                )
            )

    def _quota_section(self, lines: list[Line], q: Quota) -> None:
        mark = CONVERTED_MARK if q.converted else ""

        def m(minor: int | None) -> str:
            return "" if minor is None else mark + format_money(minor, q.currency, compact=True)

        won_period = Period(
            q.period.label, q.period.since, min(self.host.today, q.period.until or self.host.today)
        )
        title = f"Quota · {q.period.label}" + ("" if q.quota else " (none set)")
        lines.append(Line("h-quota", title, "bold", heading=True))
        if q.quota:
            lines.append(Line("quota", "Quota", value=format_money(q.quota, q.currency, compact=True)))
        lines.append(
            Line(
                "quota-won",
                "Won so far",
                count=f"{q.won.count:,}",
                value=m(q.won_amount),
                share=percent(q.attainment) if q.quota else "",
                fraction=min(1.0, q.attainment) if q.attainment is not None else None,
                bar_style="green",
                key=("won", None),
                period=won_period,
            )
        )
        if q.quota:
            lines.append(Line("quota-left", "Left to win", value=m(q.left_to_win)))
        lines.append(
            Line(
                "quota-pipeline",
                "Pipeline closing in the period",
                count=f"{q.pipeline.count:,}",
                value=m(q.pipeline_amount),
                share=times(q.coverage) if q.quota else "",
                fraction=min(1.0, q.coverage) if q.coverage is not None else None,
                bar_style="blue",
                key=("open", "in"),
                period=q.period,
            )
        )
        lines.append(
            Line(
                "quota-forecast",
                "Weighted forecast",
                value=m(q.forecast),
                share=percent(q.forecast_attainment) if q.quota else "",
                fraction=min(1.0, q.forecast_attainment) if q.forecast_attainment is not None else None,
                bar_style="cyan",
            )
        )
        rates = q.rates or None
        for row_key, label, tally, when in (
            ("quota-undated", "No close date (not counted)", q.no_close_date, "none"),
            ("quota-before", "Close date passed (not counted)", q.overdue, "before"),
        ):
            if tally is not None and tally.count:
                lines.append(
                    Line(
                        row_key,
                        label,
                        "dim",
                        count=f"{tally.count:,}",
                        value=money(tally.values, q.currency, rates),
                        key=("open", when),
                        period=q.period,
                    )
                )
        for name, totals in q.not_counted.items():
            what = "Won" if name == "won" else "Pipeline"
            codes = ", ".join(sorted(totals))
            lines.append(
                Line(
                    f"quota-{name}-other",
                    f"{what} in {codes} (no rate)",
                    "dim",
                    value=money(totals, q.currency, None),
                )
            )

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
        table_id = "#trend-table" if event.pane.id == "tab-trend" else "#report-table"
        self.set_focus(self.query_one(table_id, DataTable))
        self._title()
        self.refresh_bindings()

    def action_trend_by(self) -> None:
        self.trend_by = "month" if self.trend_by == "quarter" else "quarter"
        self.reload()

    def action_period(self, name: str) -> None:
        self.period_name = name
        self.custom = None
        self.action_show_tab("tab-winloss")
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
                self.action_show_tab("tab-winloss")
                self.reload()

        prompt = PromptModal("Period: FROM..TO (either side may be empty)", parse, placeholder="Jan 1..today")
        self.host.ask(prompt, chosen)

    def action_open_row(self) -> None:
        if self.tab == "tab-trend":
            self._open_trend_row()
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

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_row()

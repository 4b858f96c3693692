"""The win-loss report written out: JSON for scripts, text for the terminal, and the same
tables as CSV or Markdown for a manager. The status line's quota figures too.

Amounts are shown per currency ("$12k + €30k"), or converted into the default currency
with a mark that says so ("≈ $44k") when the user's exchange rates cover every currency.

One module per format, re-exported here:

- `common`: the marks, the money figures and the labels every format shares;
- `as_json`: JSON for scripts;
- `as_text`: plain text for the terminal (the CLI);
- `status`: the board's status-line quota figures;
- `tables`: the report as plain tables, the same for CSV and Markdown;
- `as_markdown`, `as_csv`: those tables written out.
"""

from __future__ import annotations

from pipeline_tui.report_render.as_csv import money_csv, render_csv
from pipeline_tui.report_render.as_json import quota_json, report_json, trend_json, velocity_json, wins_json
from pipeline_tui.report_render.as_markdown import md, render_markdown
from pipeline_tui.report_render.as_text import (
    days_line,
    quota_lines,
    quota_notes,
    render_text,
    trend_lines,
    velocity_lines,
    win_rate_lines,
)
from pipeline_tui.report_render.common import (
    CONVERTED_MARK,
    LINE,
    NO_DECISION_MARK,
    OUTCOME_NOTES,
    cut,
    is_converted,
    money,
    top_reason_text,
    trend_label,
    value_rates_text,
)
from pipeline_tui.report_render.status import quota_status
from pipeline_tui.report_render.tables import Column, Table, quota_table, report_tables, trend_table

__all__ = [
    "CONVERTED_MARK",
    "LINE",
    "NO_DECISION_MARK",
    "OUTCOME_NOTES",
    "Column",
    "Table",
    "cut",
    "days_line",
    "is_converted",
    "md",
    "money",
    "money_csv",
    "quota_json",
    "quota_lines",
    "quota_notes",
    "quota_status",
    "quota_table",
    "render_csv",
    "render_markdown",
    "render_text",
    "report_json",
    "report_tables",
    "top_reason_text",
    "trend_json",
    "trend_label",
    "trend_lines",
    "trend_table",
    "value_rates_text",
    "velocity_json",
    "velocity_lines",
    "win_rate_lines",
    "wins_json",
]

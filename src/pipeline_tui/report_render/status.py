"""The board's status line: the quota figures, longest first."""

from __future__ import annotations

from pipeline_tui.money import format_money
from pipeline_tui.report import Quota, percent, times
from pipeline_tui.report_render.common import CONVERTED_MARK


def quota_status(q: Quota | None) -> list[str]:
    """The status line's quota figures, longest first (the board shows what fits)."""
    if q is None or not q.quota:
        return []
    cur = q.currency
    mark = CONVERTED_MARK if q.converted else ""

    def m(minor: int | None) -> str:
        return mark + format_money(minor or 0, cur, compact=True)

    short = q.period.label.split(" ")[0]
    won, quota, left, att, cover = (
        m(q.won_amount),
        format_money(q.quota, cur, compact=True),  # the quota itself is never converted
        m(q.left_to_win),
        percent(q.attainment),
        times(q.coverage),
    )
    return [
        f"{q.period.label}: {won} of {quota} ({att}) · {left} to go"
        f" · pipeline {m(q.pipeline_amount)} ({cover} coverage) · forecast {m(q.forecast)}",
        f"{short}: {att} of {quota} · {left} to go · {cover} coverage · forecast {m(q.forecast)}",
        f"{short}: {percent(q.attainment)} of quota · {times(q.coverage)} coverage",
        f"{short} {percent(q.attainment)} · {times(q.coverage)} cover",
        f"{short} {percent(q.attainment)}",
    ]

"""The win-loss report as JSON for scripts: every figure, amounts per currency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline_tui.money import Rates, convert, minor_to_decimal_str
from pipeline_tui.report import (
    LOST,
    NO_DECISION,
    WON,
    Losses,
    Quota,
    Ranking,
    Report,
    Row,
    Tally,
    Trend,
    TrendRow,
    ValueRate,
)
from pipeline_tui.report_render.common import is_converted


def _decimal(minor: int) -> float:
    return float(minor_to_decimal_str(minor))


def _rate(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _days(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def _values(totals: Mapping[str, int]) -> dict[str, Any]:
    ordered = sorted(totals.items())
    return {
        "value": {code: _decimal(minor) for code, minor in ordered},
        "value_minor": {code: int(minor) for code, minor in ordered},
    }


def _tally(tally: Tally, report_base: str, rates: Rates | None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"count": tally.count, **_values(tally.values), **extra}
    if is_converted(tally.values, report_base, rates):
        out["converted"] = {
            "currency": report_base,
            "value": _decimal(convert(tally.values, rates, report_base) or 0),
        }
    return out


def _row(row: Row, ranking: Ranking) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": row.label,
        "count": row.count,
        **_values(row.values),
        "share": _rate(row.share),
        "cumulative": _rate(row.cumulative),
    }
    if ranking.by == "value":
        out["amount"] = _decimal(row.value)
        out["amount_minor"] = row.value
        out["value_share"] = _rate(row.value_share)
    return out


def _losses(tables: Losses) -> dict[str, Any]:
    return {
        "reasons_by_count": [_row(r, tables.reasons_by_count) for r in tables.reasons_by_count.rows],
        "reasons_by_value": [
            {"currency": k.currency, "converted": k.converted, "rows": [_row(r, k) for r in k.rows]}
            for k in tables.reasons_by_value
        ],
        "at_stage": [_row(r, tables.by_stage) for r in tables.by_stage.rows],
        "to_competitor": [_row(r, tables.by_competitor) for r in tables.by_competitor.rows],
    }


def _value_rate(rate: ValueRate) -> dict[str, float | None]:
    return {code: _rate(r) for code, r in rate.rates.items()}


def quota_json(q: Quota) -> dict[str, Any]:
    rates = q.rates or None

    def amount(minor: int | None) -> float | None:
        return None if minor is None else _decimal(minor)

    return {
        "period": {**q.period.to_json(), "kind": q.kind},
        "currency": q.currency,
        "quota": amount(q.quota) if q.quota else None,
        "won": _tally(q.won, q.currency, rates),
        "won_in_quota_currency": amount(q.won_amount),
        "attainment": _rate(q.attainment),
        "left_to_win": amount(q.left_to_win),
        "pipeline": _tally(q.pipeline, q.currency, rates),
        "pipeline_in_quota_currency": amount(q.pipeline_amount),
        "coverage": None if q.coverage is None else round(q.coverage, 2),
        "weighted_pipeline": _values(q.weighted)["value"],
        "forecast": amount(q.forecast),
        "forecast_attainment": _rate(q.forecast_attainment),
        "converted": q.converted,
        "not_counted": {name: _values(totals)["value"] for name, totals in q.not_counted.items()},
        "open_without_close_date": _tally(q.no_close_date or Tally(), q.currency, rates),
        "open_with_close_date_before_period": _tally(q.overdue or Tally(), q.currency, rates),
        "open_closing_after_period": _tally(q.later or Tally(), q.currency, rates),
        "in_period_in_stages_without_probability": q.without_probability,
    }


def trend_json(trend: Trend, base: str, rates: Rates | None) -> dict[str, Any]:
    def one(row: TrendRow) -> dict[str, Any]:
        top = None
        if row.top_reason is not None:
            outcome = row.top_reason_outcome.value if row.top_reason_outcome else LOST
            top = {"label": row.top_reason, "outcome": outcome, "count": row.top_reason_count}
        return {
            **row.period.to_json(),
            "partial": row.partial,
            "closed": row.closed,
            "won": _tally(row.won, base, rates),
            "lost": _tally(row.lost, base, rates),
            "no_decision": _tally(row.no_decision, base, rates),
            "win_rate": _rate(row.win_rate),
            "decided_win_rate": _rate(row.decided_win_rate),
            "no_decision_rate": _rate(row.no_decision_rate),
            "top_loss_reason": top,
        }

    return {"by": trend.by, "periods": [one(row) for row in trend.rows]}


def report_json(report: Report) -> dict[str, Any]:
    """Every figure of the report, amounts per currency (and converted where rates allow)."""
    base, rates = report.currency, report.rates or None
    outcomes = {
        name: _tally(report.outcome(name), base, rates, share=_rate(report.share(name)))
        for name in (WON, LOST, NO_DECISION)
    }
    closed = Tally(report.closed_count, report.closed_values)
    return {
        "period": report.period.to_json(),
        "currency": base,
        "exchange_rates": {code: str(rate) for code, rate in sorted(report.rates.items())},
        "outcomes": {**outcomes, "closed": _tally(closed, base, rates)},
        "win_rate": {
            "of_closed": {
                "by_count": _rate(report.win_rate_count),
                "by_value": _value_rate(report.win_rate_value),
            },
            "of_decided": {
                "by_count": _rate(report.decided_win_rate_count),
                "by_value": _value_rate(report.decided_win_rate_value),
            },
            "by_value_basis": report.win_rate_value.basis,
        },
        "avg_days_to_close": {
            WON: _days(report.won.days),
            LOST: _days(report.lost.days),
            NO_DECISION: _days(report.no_decision.days),
        },
        "losses": {
            LOST: _losses(report.lost_tables),
            NO_DECISION: _losses(report.no_decision_tables),
        },
        "quota": quota_json(report.quota) if report.quota else None,
        "trend": trend_json(report.trend, base, rates) if report.trend else None,
        "now": {
            "stale": report.stale_now,
            "revisits_due": report.revisits_due,
            "lost_without_reason": report.lost_without_reason_all,
        },
        "lost_without_reason_in_period": report.lost_without_reason,
        "closed_without_close_date": report.undated_closed,
    }

"""The win-loss report: periods and the figures (aggregated in SQL by the store).

No Textual here: the CLI prints and exports (report_render) the same figures the Report
screen draws. Three outcomes: won, lost (the buyer decided against us) and no decision (the
deal stalled; the loss reason's kind says which). Money is never added across currencies:
every amount is a total per currency, or converted to the default currency when the user
set exchange rates, and then the figure says it was converted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from pipeline_tui.errors import InputError
from pipeline_tui.models import Outcome
from pipeline_tui.money import Rates

Totals = dict[str, int]  # currency -> minor units; never added across currencies
Key = tuple[Any, ...]  # what to list when a row is opened: ("reason", id), ("stage", id, "lost")…

PERIODS = {
    "this-quarter": "This quarter",
    "last-90-days": "Last 90 days",
    "this-year": "This year",
    "all": "All time",
}
QUOTA_PERIODS = ("month", "quarter", "year")
TREND_BY = ("quarter", "month")
TREND_LENGTH = 8
WON, LOST, NO_DECISION = "won", Outcome.LOST.value, Outcome.NO_DECISION.value
OUTCOME_TITLES = {WON: "Won", LOST: "Lost", NO_DECISION: "No decision"}


# ------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    """Closures from `since` to `until`, both days included; None means open-ended."""

    label: str
    since: date | None = None
    until: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period(name: str, today: date) -> Period:
    """A named period ending today."""
    if name == "this-quarter":
        return Period(PERIODS[name], quarter_start(today), today)
    if name == "last-90-days":
        return Period(PERIODS[name], today - timedelta(days=89), today)
    if name == "this-year":
        return Period(PERIODS[name], date(today.year, 1, 1), today)
    if name == "all":
        return Period(PERIODS[name])
    raise InputError(f"Unknown period {name!r}; choose one of {', '.join(PERIODS)}.")


def custom_period(since: date | None, until: date | None) -> Period:
    if since and until and since > until:
        raise InputError(f"The period starts ({since}) after it ends ({until}).")
    label = f"{since or '…'} to {until or '…'}"
    return Period(label, since, until)


def period_containing(kind: str, day: date) -> Period:
    """The whole month, quarter or year that holds `day`: 'Nov 2026', 'Q4 2026', '2026'."""
    if kind == "month":
        start = day.replace(day=1)
        return Period(f"{start:%b %Y}", start, start + relativedelta(months=1) - timedelta(days=1))
    if kind == "quarter":
        start = quarter_start(day)
        label = f"Q{(start.month + 2) // 3} {start.year}"
        return Period(label, start, start + relativedelta(months=3) - timedelta(days=1))
    if kind == "year":
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    raise InputError(f"Unknown period {kind!r}; choose one of {', '.join(QUOTA_PERIODS)}.")


def bucket_key(kind: str, day: date) -> str:
    """The key the store groups closures by: '2026-11' (month) or '2026-Q4' (quarter)."""
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month + 2) // 3}"


def trend_periods(by: str, today: date, count: int = TREND_LENGTH) -> list[Period]:
    """The last `count` whole months or quarters, oldest first; the last one holds today."""
    if by not in TREND_BY:
        raise InputError(f"The trend goes by {' or '.join(TREND_BY)}, not {by!r}.")
    step = relativedelta(months=1 if by == "month" else 3)
    current = period_containing(by, today)
    assert current.since is not None
    found = []
    for back in range(count - 1, -1, -1):
        found.append(period_containing(by, current.since - step * back))
    return found


# ------------------------------------------------------------------ money


def value_basis(
    totals: Iterable[Mapping[str, int]], base: str, rates: Rates | None
) -> tuple[list[str], bool]:
    """The currencies in which value figures are given: the one currency present; every
    currency present (the default first) when there are several; or the default currency
    alone, converted, when the user's rates cover every currency present."""
    present = sorted(
        {code for t in totals for code, minor in t.items() if minor}, key=lambda c: (c != base, c)
    )
    if len(present) <= 1:
        return (present or [base]), False
    if rates and all(code == base or code in rates for code in present):
        return [base], True
    return present, False


def amount_in(totals: Mapping[str, int], code: str, converted: bool, rates: Rates | None) -> int:
    """The amount a value figure uses: the total in `code`, or all converted into `code`."""
    if not converted:
        return int(totals.get(code, 0))
    total = Decimal(0)
    for currency, minor in totals.items():
        total += Decimal(minor) * (1 if currency == code else (rates or {})[currency])
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def split_convertible(totals: Mapping[str, int], base: str, rates: Rates | None) -> tuple[int, Totals, bool]:
    """(the amount in `base`, with what the rates convert; the totals no rate covers;
    whether anything was converted): a quota in one currency meets deals in several."""
    amount, left, converted = Decimal(0), {}, False
    for code, minor in totals.items():
        if not minor:
            continue
        if code == base:
            amount += minor
        elif rates and code in rates:
            amount += Decimal(minor) * rates[code]
            converted = True
        else:
            left[code] = minor
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), left, converted


def add(*parts: Mapping[str, int]) -> Totals:
    out: Totals = {}
    for part in parts:
        for code, minor in part.items():
            out[code] = out.get(code, 0) + int(minor)
    return out


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# ------------------------------------------------------------------ figures


@dataclass(frozen=True)
class Tally:
    """How many deals, what they were worth per currency, and how long they took to close."""

    count: int = 0
    values: Totals = field(default_factory=dict)
    days: float | None = None  # average days from creation to close


@dataclass(frozen=True)
class Row:
    """One bar of a table: a group of closed deals and what they were worth."""

    label: str
    count: int
    values: Totals  # per currency
    share: float = 0.0  # of the table's deals, by count
    value: int = 0  # value tables: the amount ranked by (the table's currency, or converted)
    value_share: float = 0.0  # value tables: of the table's value
    cumulative: float = 0.0  # Pareto: running share in the table's order
    key: Key = ("", None)


@dataclass(frozen=True)
class Ranking:
    """Rows ranked by count, or by value in one currency (or converted into the default)."""

    title: str
    by: str  # "count" or "value"
    rows: list[Row]
    currency: str | None = None  # value tables
    converted: bool = False


Group = tuple[str, Key, str, int, int]  # label, key, currency, count, value


def _merge(groups: Iterable[Group]) -> dict[Key, tuple[str, int, Totals]]:
    merged: dict[Key, tuple[str, int, Totals]] = {}
    for label, key, code, count, value in groups:
        _, n, totals = merged.get(key, (label, 0, {}))
        merged[key] = (label, n + count, add(totals, {code: value}))
    return merged


def rank_by_count(title: str, groups: Iterable[Group], total_count: int) -> Ranking:
    """Rows by count (ties in label order), with shares of `total_count` and the running share."""
    merged = sorted(_merge(groups).items(), key=lambda item: (-item[1][1], item[1][0]))
    rows, running = [], 0.0
    for key, (label, count, totals) in merged:
        share = count / total_count if total_count else 0.0
        running += share
        rows.append(Row(label, count, totals, share, cumulative=min(running, 1.0), key=key))
    return Ranking(title, "count", rows)


def rank_by_value(title: str, groups: list[Group], base: str, rates: Rates | None) -> list[Ranking]:
    """One ranking by value per currency present, or one on converted values."""
    merged = _merge(groups)
    currencies, converted = value_basis((t for _, _, t in merged.values()), base, rates)
    per_currency: dict[tuple[Key, str], int] = {}
    for _, key, code, count, _ in groups:
        per_currency[key, code] = per_currency.get((key, code), 0) + count
    rankings = []
    for code in currencies:
        items = []
        for key, (label, count, totals) in merged.items():
            if converted:
                items.append((label, count, totals, amount_in(totals, code, True, rates), key))
            elif per_currency.get((key, code)):
                items.append((label, per_currency[key, code], {code: totals[code]}, totals[code], key))
        total = sum(item[3] for item in items)
        items.sort(key=lambda item: (-item[3], item[0]))
        rows, running = [], 0.0
        count_total = sum(item[1] for item in items)
        for label, count, totals, amount, key in items:
            value_share = amount / total if total else 0.0
            running += value_share
            share = count / count_total if count_total else 0.0
            rows.append(Row(label, count, totals, share, amount, value_share, min(running, 1.0), key))
        rankings.append(Ranking(title, "value", rows, code, converted))
    return rankings


@dataclass(frozen=True)
class Losses:
    """The tables of one kind of loss: reasons (Pareto), the stage lost at, the competitor."""

    outcome: Outcome
    reasons_by_count: Ranking
    reasons_by_value: list[Ranking]  # one per currency, or one converted
    by_stage: Ranking
    by_competitor: Ranking


def build_losses(
    outcome: Outcome,
    total: int,
    reasons: list[Group],
    stages: list[Group],
    competitors: list[Group],
    *,
    base: str,
    rates: Rates | None,
) -> Losses:
    """Shares are of all losses of this kind in the period, by count."""
    kind = OUTCOME_TITLES[outcome.value]
    return Losses(
        outcome,
        rank_by_count(f"{kind}: reasons by count", reasons, total),
        rank_by_value(f"{kind}: reasons by value", reasons, base, rates),
        rank_by_count(f"{kind}: at stage", stages, total),
        rank_by_count(f"{kind}: to competitor", competitors, total),
    )


@dataclass(frozen=True)
class ValueRate:
    """A win rate by value: one per currency, or one on converted values."""

    rates: dict[str, float | None]
    converted: bool = False

    @property
    def basis(self) -> str:
        if self.converted:
            return f"converted to {next(iter(self.rates))} at your exchange rates"
        return "per currency" if len(self.rates) > 1 else "one currency"


def value_rate(
    won: Mapping[str, int], others: list[Mapping[str, int]], base: str, rates: Rates | None
) -> ValueRate:
    """Won value ÷ (won + others' value), per currency or converted (never added as is)."""
    currencies, converted = value_basis([won, *others], base, rates)
    out: dict[str, float | None] = {}
    for code in currencies:
        w = amount_in(won, code, converted, rates)
        rest = sum(amount_in(o, code, converted, rates) for o in others)
        out[code] = ratio(w, w + rest)
    return ValueRate(out, converted)


@dataclass(frozen=True)
class Quota:
    """The current quota period: won so far against the quota, the open pipeline expected to
    close in it (by close date), the weighted forecast, and the open deals counted apart."""

    period: Period  # the whole month, quarter or year that holds today
    kind: str  # month, quarter or year
    quota: int  # minor units of `currency`; 0: no quota set
    currency: str
    won: Tally
    pipeline: Tally  # open deals expected to close in the period
    weighted: Totals  # each of those deals' value × its stage's probability, per currency
    # The open deals the figures leave out (None: not counted, as on the status line).
    no_close_date: Tally | None
    overdue: Tally | None  # close date before the period, still open
    later: Tally | None  # close date after the period
    without_probability: int = 0  # deals in the period whose stage has no probability (0%)
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def _amount(self, totals: Mapping[str, int]) -> int:
        return split_convertible(totals, self.currency, self.rates)[0]

    @property
    def won_amount(self) -> int:
        return self._amount(self.won.values)

    @property
    def pipeline_amount(self) -> int:
        return self._amount(self.pipeline.values)

    @property
    def forecast(self) -> int:
        """Won so far plus the probability-weighted pipeline of the period."""
        return self.won_amount + self._amount(self.weighted)

    @property
    def attainment(self) -> float | None:
        return ratio(self.won_amount, self.quota)

    @property
    def left_to_win(self) -> int | None:
        return max(0, self.quota - self.won_amount) if self.quota else None

    @property
    def coverage(self) -> float | None:
        """The pipeline expected to close in the period ÷ the quota."""
        return ratio(self.pipeline_amount, self.quota)

    @property
    def forecast_attainment(self) -> float | None:
        return ratio(self.forecast, self.quota)

    @property
    def converted(self) -> bool:
        return any(split_convertible(t, self.currency, self.rates)[2] for t in self._counted())

    @property
    def not_counted(self) -> dict[str, Totals]:
        """Won and pipeline amounts in currencies without a rate: shown, not in the figures."""
        out = {}
        for name, totals in (("won", self.won.values), ("pipeline", self.pipeline.values)):
            left = split_convertible(totals, self.currency, self.rates)[1]
            if left:
                out[name] = left
        return out

    def _counted(self) -> list[Totals]:
        return [self.won.values, self.pipeline.values, self.weighted]


@dataclass(frozen=True)
class TrendRow:
    period: Period
    partial: bool  # the current period, still under way
    won: Tally
    lost: Tally
    no_decision: Tally
    top_reason: str | None = None  # the most frequent loss reason (either kind)
    top_reason_outcome: Outcome | None = None
    top_reason_count: int = 0

    @property
    def closed(self) -> int:
        return self.won.count + self.lost.count + self.no_decision.count

    @property
    def win_rate(self) -> float | None:
        """Won ÷ all closed deals."""
        return ratio(self.won.count, self.closed)

    @property
    def decided_win_rate(self) -> float | None:
        """Won ÷ (won + lost): the deals where the buyer decided."""
        return ratio(self.won.count, self.won.count + self.lost.count)

    @property
    def no_decision_rate(self) -> float | None:
        return ratio(self.no_decision.count, self.closed)


@dataclass(frozen=True)
class Trend:
    by: str  # "quarter" or "month"
    rows: list[TrendRow]


@dataclass(frozen=True)
class Report:
    period: Period
    currency: str
    won: Tally
    lost: Tally  # the buyer decided against us
    no_decision: Tally  # stalled, went dark, put off
    lost_tables: Losses
    no_decision_tables: Losses
    stale_now: int = 0
    revisits_due: int = 0
    lost_without_reason: int = 0  # in the period
    lost_without_reason_all: int = 0
    undated_closed: int = 0  # won or lost with no close date: in All time only, in no period
    quota: Quota | None = None
    trend: Trend | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def undated_note(self) -> str | None:
        """What the report says of closed deals without a close date, when there are any."""
        n = self.undated_closed
        if not n:
            return None
        where = (
            "counted here" if self.period.since is None and self.period.until is None else "not counted here"
        )
        deals = f"{n:,} closed deal{'s' if n != 1 else ''} {'have' if n != 1 else 'has'}"
        return f"{deals} no close date: in All time only ({where})."

    # Counts, for scripts and tests that ask for one figure.
    @property
    def won_count(self) -> int:
        return self.won.count

    @property
    def lost_count(self) -> int:
        return self.lost.count

    @property
    def no_decision_count(self) -> int:
        return self.no_decision.count

    @property
    def closed_count(self) -> int:
        return self.won.count + self.lost.count + self.no_decision.count

    @property
    def closed_values(self) -> Totals:
        return add(self.won.values, self.lost.values, self.no_decision.values)

    def outcome(self, name: str) -> Tally:
        return {WON: self.won, LOST: self.lost, NO_DECISION: self.no_decision}[name]

    def share(self, name: str) -> float | None:
        """An outcome's share of the closed deals, by count."""
        return ratio(self.outcome(name).count, self.closed_count)

    def tables(self, outcome: Outcome) -> Losses:
        return self.lost_tables if outcome is Outcome.LOST else self.no_decision_tables

    @property
    def win_rate_count(self) -> float | None:
        """Won ÷ all closed deals (won, lost and no decision)."""
        return ratio(self.won.count, self.closed_count)

    @property
    def decided_win_rate_count(self) -> float | None:
        """Won ÷ (won + lost): leaves out the deals where the buyer never decided."""
        return ratio(self.won.count, self.won.count + self.lost.count)

    @property
    def win_rate_value(self) -> ValueRate:
        return value_rate(
            self.won.values, [self.lost.values, self.no_decision.values], self.currency, self.rates
        )

    @property
    def decided_win_rate_value(self) -> ValueRate:
        return value_rate(self.won.values, [self.lost.values], self.currency, self.rates)


# ------------------------------------------------------------------ drawing helpers


def bar(fraction: float, width: int) -> str:
    """A horizontal bar in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


def percent(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def times(x: float | None) -> str:
    """A coverage ratio: '1.2×'."""
    return "—" if x is None else f"{x:.1f}×"

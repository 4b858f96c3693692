"""What needs the seller: stale deals, revisits, losses without a reason; what the daily review
reads (each kind of item as ids in review order: the review loads each deal when it is
shown); the review's marks (the deals it has seen today); and the counts of the board's
status line.

Lost deals without a reason and due revisits come from their indexes. Open deals are read in
one pass over the table, each tested in SQL with the rules of rules.stale_reason (stale),
rules.step_overdue_days (overdue next step), slips.needs_review (slipping, from the
close-date changes' own index) and rules.needs_next_step (no next step): most
deals are open, and reading every row once in order beats looking tens of thousands of them
up from several indexes. The open kinds are named in OPEN_KINDS (their SQL test and their
order); the caller says in which order they take a deal (review.KINDS ranks them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pipeline_tui import rules
from pipeline_tui.models import Deal, Stage, StageKind, StaleDeal
from pipeline_tui.slips import DEFAULT_SLIP_LIMIT
from pipeline_tui.store.codec import DEAL_SELECT, deal_from_row
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.deals import LIVE
from pipeline_tui.store.history import CLOSE_CHANGES, NOT_RETRACTED, PUSHED
from pipeline_tui.store.shape import Shape

MARKS_KEPT_DAYS = 7  # the review's marks of older days are pruned when it marks again

# The open deals' kinds of review item: the attribute of OpenTests holding the kind's SQL
# test, and what orders the kind's items first (ascending; "" for none); then, in every kind,
# the largest value first.
OPEN_KINDS: dict[str, tuple[str, str]] = {
    "overdue_step": ("overdue", "next_step_due"),  # due longest ago first
    "slipping": ("slipping", "-(value * pushes)"),  # value times pushes, largest first
    "stale": ("stale", "touched"),  # idle longest first (last activity longest ago)
    "no_next_step": ("no_step", ""),  # the largest first
}


@dataclass(frozen=True)
class OpenTests:
    """SQL tests on a deals row, with their named parameters."""

    params: dict[str, Any]
    stages: str  # the open stages, for `stage_id IN (…)`
    stale: str
    overdue: str
    no_step: str
    healthy: str
    due: str
    unmarked: str  # not seen by today's review yet
    # The open deals with what the slipping test reads: each deal's pushed close dates
    # (`pushes`, `last_push`; none for a deal never pushed `slip_limit` times).
    source: str = "deals NOT INDEXED"
    slipping: str = "0"


@dataclass(frozen=True, slots=True)
class Dated:
    """A deal's dated next step or pending revisit, as the calendar writes it (only the
    columns it needs: a calendar of tens of thousands of steps is read in a blink)."""

    deal_id: int
    day: date
    title: str
    company: str
    stage_id: int
    value: int
    currency: str
    rev: int
    next_step: str = ""
    loss_reason_id: int | None = None
    competitor: str = ""
    loss_note: str = ""


DATED = "id, title, company, stage_id, value, currency, rev"  # Dated's columns after its day


def _dated(rows: list[tuple[Any, ...]]) -> list[Dated]:
    found = []
    for row in rows:
        try:
            day = date.fromisoformat(row[0])
        except (TypeError, ValueError):
            continue  # a file changed outside the app: no date to show
        found.append(Dated(int(row[1]), day, *row[2:]))
    return found


class Review:
    """The lists of deals that need the seller, and the review's queue and counts."""

    def __init__(self, conn: Connection, shape: Shape) -> None:
        self.conn = conn
        self.shape = shape
        self._rows = conn.rows

    def _stale_ids_sql(self, today: date) -> tuple[str, list[Any]]:
        """A UNION of indexed per-stage queries selecting exactly the ids rules.is_stale accepts."""
        parts: list[str] = []
        params: list[Any] = []
        quiet = "(snoozed_until IS NULL OR snoozed_until <= ?)"
        for stage in self.shape.stages():
            if not stage.is_open:
                continue
            parts.append(
                "SELECT id FROM deals WHERE stage_id = ? AND archived_at IS NULL "
                f"AND expected_close < ? AND {quiet}"
            )
            params += [stage.id, today.isoformat(), today.isoformat()]
            cutoff = rules.stale_cutoff(stage, today)
            if cutoff is not None:
                parts.append(
                    "SELECT id FROM deals WHERE stage_id = ? AND archived_at IS NULL "
                    "AND last_activity_at < ? "
                    f"AND (next_step_due IS NULL OR next_step_due <= ?) AND {quiet}"
                )
                params += [
                    stage.id,
                    (cutoff + timedelta(days=1)).isoformat(),
                    today.isoformat(),
                    today.isoformat(),
                ]
        return " UNION ".join(parts) or "SELECT NULL WHERE 0", params

    def _stale_candidates(self, today: date) -> Iterator[tuple[Deal, Stage]]:
        stages = {s.id: s for s in self.shape.stages()}
        sql, params = self._stale_ids_sql(today)
        for row in self.conn.db.execute(DEAL_SELECT + f" WHERE d.id IN ({sql})", params):
            deal = deal_from_row(row)
            yield deal, stages[deal.stage_id]

    def stale(self, today: date) -> list[StaleDeal]:
        """Every stale open deal with its reason, oldest first."""
        found = []
        for deal, stage in self._stale_candidates(today):
            reason = rules.stale_reason(deal, stage, today)
            if reason:
                found.append((rules.stale_sort_key(deal, today), deal, stage, reason))
        found.sort(key=lambda item: item[0])
        return [StaleDeal(d, s, r, rules.idle_days(d, today)) for _, d, s, r in found]

    def stale_ids(self, today: date) -> list[int]:
        """Every stale deal's id, oldest first (most idle days or longest-passed close date,
        as rules.stale_sort_key orders them): the stale list loads windows of them.

        One pass over the open deals with the review's stale test, ordered by the earlier
        of the last activity's day and the close date (the same order as the most days idle
        or late, with no date arithmetic per row): where many deals are stale, as after an
        import, reading the table once beats tens of thousands of index lookups."""
        tests = self._open_tests(today)
        rows = self._rows(
            f"SELECT id FROM deals NOT INDEXED WHERE stage_id IN ({tests.stages}) AND archived_at IS NULL "
            f"AND {tests.stale} "
            "ORDER BY MIN(substr(last_activity_at, 1, 10), COALESCE(expected_close, :today)), id",
            tests.params,
        )
        return [int(r[0]) for r in rows]

    def stale_count(self, today: date) -> int:
        """How many deals are stale, counted in SQL (the same test as rules.is_stale)."""
        sql, params = self._stale_ids_sql(today)
        return int(self._rows(f"SELECT COUNT(*) FROM ({sql})", params)[0][0])

    def revisit_counts(self, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS) -> tuple[int, int]:
        """(due, upcoming) counted in SQL, for status lines."""
        due, upcoming = self._rows(
            "SELECT COALESCE(SUM(revisit_on <= :today), 0), COALESCE(SUM(revisit_on > :today), 0) "
            "FROM deals WHERE archived_at IS NULL AND revisit_state = 'pending' AND revisit_on IS NOT NULL "
            "AND revisit_on <= :horizon",
            {"today": today.isoformat(), "horizon": (today + timedelta(days=horizon_days)).isoformat()},
        )[0]
        return int(due), int(upcoming)

    def revisits(
        self, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS
    ) -> tuple[list[Deal], list[Deal]]:
        """(due, upcoming) lost-with-potential deals."""
        horizon = today + timedelta(days=horizon_days)
        rows = self._rows(
            DEAL_SELECT + f" WHERE {LIVE} AND d.revisit_state = 'pending' AND d.revisit_on IS NOT NULL "
            "AND d.revisit_on <= ? ORDER BY d.revisit_on, d.id",
            [horizon.isoformat()],
        )
        return rules.split_revisits((deal_from_row(r) for r in rows), today, horizon_days)

    def revisit_ids(
        self, today: date, horizon_days: int = rules.REVISIT_HORIZON_DAYS
    ) -> tuple[list[int], list[int]]:
        """(due, upcoming) ids, soonest first, without loading the deals."""
        horizon = today + timedelta(days=horizon_days)
        rows = self._rows(
            "SELECT id, revisit_on FROM deals WHERE archived_at IS NULL AND revisit_state = 'pending' "
            "AND revisit_on IS NOT NULL AND revisit_on <= ? ORDER BY revisit_on, id",
            [horizon.isoformat()],
        )
        day = today.isoformat()
        return [int(i) for i, on in rows if on <= day], [int(i) for i, on in rows if on > day]

    def pending_revisits(self) -> list[Deal]:
        """Every lost deal with a revisit still open, soonest first (for the calendar)."""
        rows = self._rows(
            DEAL_SELECT + f" WHERE {LIVE} AND d.revisit_state = 'pending' AND d.revisit_on IS NOT NULL "
            "ORDER BY d.revisit_on, d.id"
        )
        return [deal_from_row(r) for r in rows]

    def _lost_ids(self) -> list[int]:
        return [st.id for st in self.shape.stages(include_archived=True) if st.kind is StageKind.LOST] or [-1]

    def lost_without_reason(self, *, limit: int = -1, offset: int = 0) -> list[Deal]:
        """Lost deals with no reason recorded (imports), newest first, to be filled in."""
        ids = self._lost_ids()
        rows = self._rows(
            DEAL_SELECT + f" WHERE d.stage_id IN ({', '.join('?' * len(ids))}) AND {LIVE} "
            "AND d.loss_reason_id IS NULL ORDER BY d.closed_at DESC, d.id LIMIT ? OFFSET ?",
            [*ids, limit, offset],
        )
        return [deal_from_row(r) for r in rows]

    def lost_without_reason_ids(self) -> list[int]:
        ids = self._lost_ids()
        rows = self._rows(
            f"SELECT id FROM deals WHERE stage_id IN ({', '.join('?' * len(ids))}) AND archived_at IS NULL "
            "AND loss_reason_id IS NULL ORDER BY closed_at DESC, id",
            ids,
        )
        return [int(r[0]) for r in rows]

    def lost_without_reason_count(self) -> int:
        ids = self._lost_ids()
        marks = ", ".join("?" * len(ids))
        sql = (
            f"SELECT COUNT(*) FROM deals WHERE stage_id IN ({marks}) AND archived_at IS NULL "
            "AND loss_reason_id IS NULL"
        )
        return int(self._rows(sql, ids)[0][0])

    # -------------------------------------------------------------- the review

    def _open_tests(
        self, today: date, rule: rules.NextStepRule | None = None, slip_limit: int = DEFAULT_SLIP_LIMIT
    ) -> OpenTests:
        rule = rule or rules.NextStepRule()
        params: dict[str, Any] = {"today": today.isoformat(), "slip_limit": max(1, slip_limit)}
        open_ids = [s.id for s in self.shape.stages(include_archived=True) if s.is_open] or [-1]
        params.update({f"o{i}": stage_id for i, stage_id in enumerate(open_ids)})
        # Idle past the stage's threshold: last activity before the day after the cutoff
        # (as Review._stale_ids_sql). A stage without a threshold never goes idle.
        cases = []
        for i, stage in enumerate(self.shape.stages(include_archived=True)):
            cutoff = rules.stale_cutoff(stage, today) if stage.is_open else None
            if cutoff is not None:
                cases.append(f"WHEN :s{i} THEN :c{i}")
                params.update({f"s{i}": stage.id, f"c{i}": (cutoff + timedelta(days=1)).isoformat()})
        idle = f"last_activity_at < CASE stage_id {' '.join(cases)} ELSE '' END" if cases else "0"
        quiet = "(snoozed_until IS NULL OR snoozed_until <= :today)"
        future_step = "(next_step_due IS NOT NULL AND next_step_due > :today)"
        late = "(expected_close IS NOT NULL AND expected_close < :today)"
        return OpenTests(
            params=params,
            stages=", ".join(f":o{i}" for i in range(len(open_ids))),
            stale=f"({quiet} AND ({late} OR ({idle} AND NOT {future_step})))",
            overdue=f"({quiet} AND next_step != '' AND next_step_due IS NOT NULL AND next_step_due < :today)",
            no_step=f"({quiet} AND next_step = '' AND {self._step_matters(rule, today, params)})",
            healthy=f"(next_step != '' AND {future_step} AND NOT ({quiet} AND {late}))",
            due="(revisit_state = 'pending' AND revisit_on IS NOT NULL AND revisit_on <= :today)",
            unmarked="id NOT IN (SELECT deal_id FROM review_marks WHERE day = :today)",
            # slips.needs_review: pushed `slip_limit` times or more, untouched since the
            # latest push, not snoozed. The pushes come from their own index (a few rows).
            source=(
                "deals NOT INDEXED LEFT JOIN (SELECT e.deal_id AS deal_id, COUNT(*) AS pushes, "
                f"MAX(e.at) AS last_push FROM events e WHERE {CLOSE_CHANGES} AND json_valid(e.data) "
                f"AND {NOT_RETRACTED} AND {PUSHED} GROUP BY e.deal_id HAVING COUNT(*) >= :slip_limit) "
                "AS slips ON slips.deal_id = deals.id"
            ),
            slipping=(
                f"({quiet} AND slips.pushes IS NOT NULL "
                "AND julianday(last_activity_at) <= julianday(slips.last_push))"
            ),
        )

    def _step_matters(self, rule: rules.NextStepRule, today: date, params: dict[str, Any]) -> str:
        """SQL for rules.needs_next_step's "where it matters": long enough in the stage, or
        from a stage or a value on."""
        # In the stage `after_days` days or more: entered on or before that day (its date).
        if rule.after_days <= 0:
            return "1"
        params["entered_by"] = (today - timedelta(days=rule.after_days) + timedelta(days=1)).isoformat()
        tests = ["stage_entered_at < :entered_by"]
        if rule.from_position is not None:
            late = [s.id for s in self.shape.stages(include_archived=True)
                    if s.is_open and s.position >= rule.from_position]  # fmt: skip
            params.update({f"f{i}": stage_id for i, stage_id in enumerate(late)})
            if late:
                tests.append(f"stage_id IN ({', '.join(f':f{i}' for i in range(len(late)))})")
        if rule.from_value > 0:
            params["from_value"] = rule.from_value
            params["base"] = rule.currency
            cases = ["WHEN :base THEN value"]
            for i, (code, rate) in enumerate(sorted(rule.rates.items())):
                params.update({f"rc{i}": code, f"rr{i}": float(rate)})
                cases.append(f"WHEN :rc{i} THEN value * :rr{i}")
            tests.append(f"(CASE currency {' '.join(cases)} END) >= :from_value")
        return "(" + " OR ".join(tests) + ")"

    def due_revisit_ids(self, today: date, *, unmarked: bool = False, limit: int | None = None) -> list[int]:
        """Lost deals whose revisit date has come, oldest due first (`unmarked`: only those
        today's review has not seen; `limit`: the first so many)."""
        extra = " AND id NOT IN (SELECT deal_id FROM review_marks WHERE day = :today)" if unmarked else ""
        rows = self._rows(
            "SELECT id FROM deals WHERE archived_at IS NULL AND revisit_state = 'pending' "
            f"AND revisit_on IS NOT NULL AND revisit_on <= :today{extra} "
            "ORDER BY revisit_on, id LIMIT :limit",
            {"today": today.isoformat(), "limit": -1 if limit is None else limit},
        )
        return [int(r[0]) for r in rows]

    def missing_reason_ids(
        self, today: date, limit: int | None = None, *, within_days: int | None = None
    ) -> list[int]:
        """Lost deals with no reason that today's review has not seen, newest loss first
        (`limit`: the first so many; `within_days`: only those lost that many days ago or
        since)."""
        ids = self._lost_ids()
        params: dict[str, Any] = {"today": today.isoformat(), "limit": -1 if limit is None else limit}
        params.update({f"l{i}": stage_id for i, stage_id in enumerate(ids)})
        recent = ""
        if within_days is not None:
            params["since"] = (today - timedelta(days=within_days)).isoformat()
            recent = "AND substr(closed_at, 1, 10) >= :since "
        rows = self._rows(
            f"SELECT id FROM deals WHERE stage_id IN ({', '.join(f':l{i}' for i in range(len(ids)))}) "
            "AND archived_at IS NULL AND loss_reason_id IS NULL "
            f"{recent}AND id NOT IN (SELECT deal_id FROM review_marks WHERE day = :today) "
            "ORDER BY closed_at DESC, id LIMIT :limit",
            params,
        )
        return [int(r[0]) for r in rows]

    def open_review_ids(
        self,
        today: date,
        rule: rules.NextStepRule | None = None,
        kinds: tuple[str, ...] = tuple(OPEN_KINDS),
        *,
        unmarked: bool = False,
        limit: int | None = None,
        slip_limit: int = DEFAULT_SLIP_LIMIT,
    ) -> dict[str, list[int]]:
        """The open deals the review takes up, in one pass: for each kind of OPEN_KINDS named
        in `kinds`, its ids in its own order. A deal is listed once, under the first kind
        in `kinds` it matches (`unmarked`: only deals today's review has not seen; `limit`:
        the first so many, all kinds together, in that order)."""
        tests = self._open_tests(today, rule, slip_limit)
        cases = " ".join(
            f"WHEN {getattr(tests, OPEN_KINDS[name][0])} THEN {rank}" for rank, name in enumerate(kinds)
        )
        firsts = " ".join(
            f"WHEN {rank} THEN {OPEN_KINDS[name][1]}"
            for rank, name in enumerate(kinds)
            if OPEN_KINDS[name][1]
        )
        first = f"CASE kind {firsts} END, " if firsts else ""
        marks = f" AND {tests.unmarked}" if unmarked else ""
        rows = self._rows(
            "SELECT id, kind FROM (SELECT id, value, next_step_due, slips.pushes AS pushes, "
            f"substr(last_activity_at, 1, 10) AS touched, CASE {cases} END AS kind "
            f"FROM {tests.source} WHERE stage_id IN ({tests.stages}) AND archived_at IS NULL{marks}) "
            f"WHERE kind IS NOT NULL ORDER BY kind, {first}value DESC, id LIMIT :limit",
            {**tests.params, "limit": -1 if limit is None else limit},
        )
        found: dict[str, list[int]] = {name: [] for name in kinds}
        lists = [found[name] for name in kinds]
        for deal_id, kind in rows:
            lists[kind].append(int(deal_id))
        return found

    def review_counts(
        self, today: date, rule: rules.NextStepRule | None = None, slip_limit: int = DEFAULT_SLIP_LIMIT
    ) -> tuple[int, int, int, int]:
        """(needing the review, healthy, open, seen today) for the status line: how many
        deals today's review has not seen yet would need it (each once), of the open deals
        those with a next step due after today that are not stale, and how many deals the
        review has seen today."""
        tests = self._open_tests(today, rule, slip_limit)
        needs = f"({tests.stale} OR {tests.overdue} OR {tests.slipping} OR {tests.no_step} OR {tests.due})"
        total, to_review, healthy = self._rows(
            f"SELECT COUNT(*), COALESCE(SUM({needs} AND {tests.unmarked}), 0), "
            f"COALESCE(SUM({tests.healthy}), 0) "
            f"FROM {tests.source} WHERE stage_id IN ({tests.stages}) AND archived_at IS NULL",
            tests.params,
        )[0]
        lost = self._lost_ids()
        params = {**tests.params, **{f"l{i}": stage_id for i, stage_id in enumerate(lost)}}
        params["since"] = (today - timedelta(days=rules.RECENT_LOSS_DAYS)).isoformat()
        lost_stages = ", ".join(f":l{i}" for i in range(len(lost)))
        closed = self._rows(
            "SELECT COUNT(*) FROM ("
            f"SELECT id FROM deals WHERE stage_id IN ({lost_stages}) AND archived_at IS NULL "
            "AND loss_reason_id IS NULL AND substr(closed_at, 1, 10) >= :since UNION "
            f"SELECT id FROM deals WHERE archived_at IS NULL AND {tests.due} "
            f"AND stage_id NOT IN ({tests.stages})) WHERE {tests.unmarked}",
            params,
        )[0][0]
        return int(to_review) + int(closed), int(healthy), int(total), self.seen_count(today)

    def dated_steps(self, *, until: date | None = None, awake_on: date | None = None) -> list[Dated]:
        """Open deals' dated next steps, the earliest due first: due on or before `until`
        (every one when None), and not snoozed past `awake_on` (when given). From their own
        index, as plain rows: the agenda reads today's, the calendar every one."""
        open_ids = [s.id for s in self.shape.stages(include_archived=True) if s.is_open] or [-1]
        params: dict[str, Any] = {f"o{i}": stage_id for i, stage_id in enumerate(open_ids)}
        where = [
            "archived_at IS NULL",
            "next_step_due IS NOT NULL",
            "next_step != ''",
            # `+`: read from the dated steps' index, not the stages' (a few thousand rows, not all)
            f"+stage_id IN ({', '.join(f':o{i}' for i in range(len(open_ids)))})",
        ]
        if until is not None:
            where.append("next_step_due <= :until")
            params["until"] = until.isoformat()
        if awake_on is not None:
            where.append("(snoozed_until IS NULL OR snoozed_until <= :awake)")
            params["awake"] = awake_on.isoformat()
        rows = self._rows(
            f"SELECT next_step_due, {DATED}, next_step FROM deals WHERE {' AND '.join(where)} "
            "ORDER BY next_step_due, id",
            params,
        )
        return _dated(rows)

    def dated_revisits(self, *, until: date | None = None) -> list[Dated]:
        """Pending revisits, the earliest first: due on or before `until` (every one when
        None), as plain rows."""
        rows = self._rows(
            f"SELECT revisit_on, {DATED}, '', loss_reason_id, competitor, loss_note FROM deals "
            "WHERE archived_at IS NULL AND revisit_state = 'pending' AND revisit_on IS NOT NULL "
            "AND revisit_on <= :until ORDER BY revisit_on, id",
            {"until": (until or date.max).isoformat()},
        )
        return _dated(rows)

    def calendar_rows(self) -> tuple[list[Dated], list[Dated]]:
        """(every dated next step of an open deal, every pending revisit), soonest first."""
        return self.dated_steps(), self.dated_revisits()

    def competitor_names(self, limit: int = 200) -> list[str]:
        """Competitors named on lost deals, the most used first, each once however it was
        typed (one spelling of it): the Closed Lost prompt suggests them, so "Salesforce"
        is not typed again as "SFDC" or "salesforce " and split in two in the report."""
        rows = self._rows(
            "SELECT MIN(competitor) FROM deals WHERE competitor != '' "
            "GROUP BY fold(competitor) ORDER BY COUNT(*) DESC, MIN(competitor) LIMIT ?",
            [limit],
        )
        return [str(r[0]) for r in rows]

    # ---------------------------------------------------------- review marks

    def seen_count(self, today: date) -> int:
        """How many deals today's review has seen (decided, skipped, found settled)."""
        return int(self._rows("SELECT COUNT(*) FROM review_marks WHERE day = ?", [today.isoformat()])[0][0])

    def seen_ids(self, today: date) -> set[int]:
        rows = self._rows("SELECT deal_id FROM review_marks WHERE day = ?", [today.isoformat()])
        return {int(r[0]) for r in rows}

    def mark_seen(self, today: date, deal_ids: list[int]) -> None:
        """Today's review has seen these deals (one transaction; older days' marks pruned)."""
        day = today.isoformat()
        with self.conn.write():
            self.conn.db.execute(
                "DELETE FROM review_marks WHERE day < ?",
                [(today - timedelta(days=MARKS_KEPT_DAYS)).isoformat()],
            )
            self.conn.db.conn.executemany(
                "INSERT OR IGNORE INTO review_marks (day, deal_id) SELECT ?, id FROM deals WHERE id = ?",
                [(day, deal_id) for deal_id in deal_ids],
            )

    def unmark_seen(self, today: date, deal_ids: list[int]) -> None:
        """Take back the marks (the review's `u`)."""
        with self.conn.write():
            self.conn.db.conn.executemany(
                "DELETE FROM review_marks WHERE day = ? AND deal_id = ?",
                [(today.isoformat(), deal_id) for deal_id in deal_ids],
            )

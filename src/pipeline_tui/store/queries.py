"""Reading deals: one deal, the board's windows and totals, the lists, the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from pipeline_tui import rules
from pipeline_tui.errors import NotFoundError
from pipeline_tui.limits import MAX_LINE, MAX_MINOR, MAX_NOTE, MAX_YEAR, MIN_YEAR
from pipeline_tui.models import Deal, Event, Stage, StageKind, StageSummary, StaleDeal
from pipeline_tui.store.codec import DEAL_SELECT, EVENT_SELECT, deal_from_row, event_from_row, ts
from pipeline_tui.store.shape import Shape
from pipeline_tui.text import fold

LIVE = "d.archived_at IS NULL"  # archived deals are on no board, list or report


class Queries(Shape):
    # ------------------------------------------------------------------ deals

    def get(self, deal_id: int) -> Deal:
        rows = self._rows(DEAL_SELECT + " WHERE d.id = ?", [deal_id])
        if not rows:
            raise NotFoundError(f"There is no deal #{deal_id}.")
        return deal_from_row(rows[0])

    def find(self, ref: str | int, *, archived: bool = False) -> Deal:
        """A deal by id (`42` or `#42`) or by a title that matches only one deal (archived
        deals are found by title only with `archived`)."""
        text = str(ref).strip()
        number = text.lstrip("#")
        if number.isascii() and number.isdigit():
            if len(number) > 18:
                raise NotFoundError(f"There is no deal #{number}.")
            return self.get(int(number))
        if not text:
            raise NotFoundError("Give a deal id or title.")
        folded = fold(text)
        scope = "" if archived else f" AND {LIVE}"
        for sql, param in (
            (f" WHERE fold(d.title) = ?{scope}", folded),
            (f" WHERE instr(fold(d.title), ?) > 0{scope}", folded),
        ):
            rows = self._rows(DEAL_SELECT + sql + " ORDER BY d.id LIMIT 6", [param])
            if len(rows) == 1:
                return deal_from_row(rows[0])
            if rows:
                found = ", ".join(f"#{r[0]} {r[1]}" for r in rows[:5])
                raise NotFoundError(f"{text!r} matches several deals ({found}); use the id.")
        raise NotFoundError(f"No deal matches {text!r}.")

    def deals(self, *, stage_id: int | None = None, archived: bool | None = False) -> Iterator[Deal]:
        """Every deal (or one stage's), in board order, streamed. `archived`: False leaves
        archived deals out, True lists only them, None lists all."""
        where = {False: f" WHERE {LIVE}", True: " WHERE d.archived_at IS NOT NULL", None: " WHERE 1"}[
            archived
        ]
        if stage_id is None:
            cursor = self.db.execute(
                DEAL_SELECT + " JOIN stages s ON s.id = d.stage_id" + where + " ORDER BY s.position, d.id"
            )
        else:
            cursor = self.db.execute(
                DEAL_SELECT + where + " AND d.stage_id = ? ORDER BY d.stage_entered_at, d.id", [stage_id]
            )
        for row in cursor:
            yield deal_from_row(row)

    def count(self, *, archived: bool = False) -> int:
        where = "archived_at IS NOT NULL" if archived else "archived_at IS NULL"
        return int(self._rows(f"SELECT COUNT(*) FROM deals WHERE {where}")[0][0])

    def get_many(self, deal_ids: list[int]) -> list[Deal]:
        """Deals by id, in the order given (missing ones left out), in few queries."""
        found: dict[int, Deal] = {}
        for start in range(0, len(deal_ids), 500):
            chunk = deal_ids[start : start + 500]
            rows = self._rows(DEAL_SELECT + f" WHERE d.id IN ({', '.join('?' * len(chunk))})", chunk)
            found.update((deal.id, deal) for deal in map(deal_from_row, rows))
        return [found[i] for i in deal_ids if i in found]

    # --------------------------------------------------------------- timeline

    def event(self, event_id: int) -> Event:
        rows = self._rows(EVENT_SELECT + " WHERE id = ?", [event_id])
        if not rows:
            raise NotFoundError(f"There is no event #{event_id}.")
        return event_from_row(rows[0])

    def timeline(self, deal_id: int, *, limit: int | None = None) -> list[Event]:
        """A deal's events, oldest first (with `limit`, only the latest that many)."""
        if limit is None:
            rows = self._rows(EVENT_SELECT + " WHERE deal_id = ? ORDER BY id", [deal_id])
        else:
            rows = self._rows(EVENT_SELECT + " WHERE deal_id = ? ORDER BY id DESC LIMIT ?", [deal_id, limit])
            rows.reverse()
        return [event_from_row(row) for row in rows]

    def event_count(self, deal_id: int) -> int:
        return int(self._rows("SELECT COUNT(*) FROM events WHERE deal_id = ?", [deal_id])[0][0])

    def notes(self, deal_id: int) -> list[Event]:
        """A deal's notes, oldest first (retracted ones left out)."""
        found = (
            event_from_row(row)
            for row in self._rows(
                EVENT_SELECT + " WHERE deal_id = ? AND kind = 'note' ORDER BY id", [deal_id]
            )
        )
        return [e for e in found if not e.data.get("retracted")]

    # ------------------------------------------------------------------ board

    def _window_sql(
        self, stage: Stage, today: date, closed_days: int, text: str | None
    ) -> tuple[str, list[Any], str]:
        where = ["d.stage_id = ?", LIVE]
        params: list[Any] = [stage.id]
        if stage.is_endpoint:
            where.append("d.closed_at >= ?")
            params.append((today - timedelta(days=closed_days)).isoformat())
            order = "d.closed_at DESC, d.id DESC"
        else:
            order = "d.stage_entered_at, d.id"
        if text:
            where.append("instr(fold(d.title || ' ' || d.company || ' ' || d.contact), ?) > 0")
            params.append(fold(text))
        return " WHERE " + " AND ".join(where), params, order

    @staticmethod
    def _column_index(stage: Stage) -> str:
        """The index a column's window is read through, named so that the planner (which
        has no statistics on a fresh file) never walks another one: open columns are in
        time-in-stage order, endpoint columns by closure."""
        return "deals_stage_closed" if stage.is_endpoint else "deals_stage_entered"

    def column(
        self,
        stage: Stage,
        *,
        today: date,
        offset: int = 0,
        limit: int = 50,
        closed_days: int = 30,
        text: str | None = None,
    ) -> list[Deal]:
        """One window of a board column, in column order."""
        where, params, order = self._window_sql(stage, today, closed_days, text)
        select = DEAL_SELECT + f" INDEXED BY {self._column_index(stage)}"
        rows = self._rows(select + where + f" ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset])
        return [deal_from_row(r) for r in rows]

    def column_position(
        self, deal: Deal, stage: Stage, *, today: date, closed_days: int = 30, text: str | None = None
    ) -> int:
        """Where `deal` sits in its column (0-based), without loading the column."""
        where, params, _ = self._window_sql(stage, today, closed_days, text)
        if stage.is_endpoint:
            before = "(d.closed_at > ? OR (d.closed_at = ? AND d.id > ?))"
            moment = ts(deal.closed_at) if deal.closed_at else ""
        else:
            before = "(d.stage_entered_at < ? OR (d.stage_entered_at = ? AND d.id < ?))"
            moment = ts(deal.stage_entered_at)
        table = f"deals d INDEXED BY {self._column_index(stage)}"
        sql = f"SELECT COUNT(*) FROM {table}{where} AND {before}"
        return int(self._rows(sql, [*params, moment, moment, deal.id])[0][0])

    def summaries(
        self,
        *,
        today: date,
        closed_days: int = 30,
        text: str | None = None,
        stage_ids: set[int] | None = None,
    ) -> list[StageSummary]:
        """Count and totals per currency of each board column (endpoints: recent closures)."""
        out = []
        for stage in self.stages():
            if stage_ids is not None and stage.id not in stage_ids:
                continue
            where, params, _ = self._window_sql(stage, today, closed_days, text)
            # Amounts in different currencies are never added together.
            # The closures index covers stage, currency and value: no row is read.
            per_currency = self._rows(
                "SELECT d.currency, COUNT(*), SUM(d.value) FROM deals d INDEXED BY deals_stage_closed"
                f"{where} GROUP BY d.currency ORDER BY 3 DESC, 1",
                params,
            )
            count = sum(n for _, n, _ in per_currency)
            totals = tuple((str(code), int(v)) for code, _, v in per_currency)
            tallies = tuple((str(code), int(n)) for code, n, _ in per_currency)
            out.append(StageSummary(stage, int(count), totals, tallies))
        return out

    @staticmethod
    def summary_after(
        summary: StageSummary, before: Deal, after: Deal, *, text: str | None = None
    ) -> StageSummary | None:
        """An open column's `summary` once one of its deals (or one joining it) went from
        `before` to `after`, without counting the column again: what `summaries` would
        say now. None where only counting can tell: an endpoint column (its recent
        closures depend on the day) or a text filter."""
        stage = summary.stage
        if stage.is_endpoint or text:
            return None
        sums, counts = dict(summary.totals), dict(summary.tallies)
        for deal, sign in ((before, -1), (after, 1)):
            if deal.stage_id != stage.id or deal.archived:  # the column's WHERE, LIVE included
                continue
            sums[deal.currency] = sums.get(deal.currency, 0) + sign * deal.value
            counts[deal.currency] = counts.get(deal.currency, 0) + sign
        if any(n < 0 for n in counts.values()):
            return None  # the summary was older than `before`: count again
        kept = [(code, sums[code]) for code, n in counts.items() if n > 0]
        kept.sort(key=lambda item: (-item[1], item[0]))  # ORDER BY SUM DESC, currency
        tallies = tuple((code, counts[code]) for code, _ in kept)
        return StageSummary(stage, sum(n for _, n in tallies), tuple(kept), tallies)

    # ------------------------------------------------------------------ lists

    def _stale_ids_sql(self, today: date) -> tuple[str, list[Any]]:
        """A UNION of indexed per-stage queries selecting exactly the ids rules.is_stale accepts."""
        parts: list[str] = []
        params: list[Any] = []
        quiet = "(snoozed_until IS NULL OR snoozed_until <= ?)"
        for stage in self.stages():
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
        stages = {s.id: s for s in self.stages()}
        sql, params = self._stale_ids_sql(today)
        for row in self.db.execute(DEAL_SELECT + f" WHERE d.id IN ({sql})", params):
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
        as rules.stale_sort_key orders them), from one indexed query: lists load windows."""
        sql, params = self._stale_ids_sql(today)
        day = today.isoformat()
        rows = self._rows(
            "SELECT d.id FROM deals d WHERE d.id IN (" + sql + ") ORDER BY MAX("
            "julianday(?) - julianday(substr(d.last_activity_at, 1, 10)), "
            "COALESCE(julianday(?) - julianday(d.expected_close), 0)) DESC, d.id",
            [*params, day, day],
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
        return [st.id for st in self.stages(include_archived=True) if st.kind is StageKind.LOST] or [-1]

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

    def content_problems(self, limit: int = 3) -> list[str]:
        """What in the file breaks the limits every other path enforces (a restored or
        handed-over file): the first few, each naming the deal and the field."""
        found: list[str] = []
        checks: list[tuple[str, list[Any], Any]] = [
            (
                f"SELECT id, length({column}) FROM deals WHERE length({column}) > ? LIMIT ?",
                [MAX_LINE, limit],
                lambda r, c=column: (
                    f"deal #{r[0]} has a {c.replace('_', ' ')} of {r[1]:,} characters (at most {MAX_LINE:,})"
                ),
            )
            for column in ("title", "company", "contact", "next_step", "competitor")
        ]
        checks += [
            (
                "SELECT id, length(loss_note) FROM deals WHERE length(loss_note) > ? LIMIT ?",
                [MAX_NOTE, limit],
                lambda r: f"deal #{r[0]} has a loss note of {r[1]:,} characters (at most {MAX_NOTE:,})",
            ),
            (
                "SELECT deal_id, length(text) FROM events WHERE length(text) > ? LIMIT ?",
                [MAX_NOTE, limit],
                lambda r: f"deal #{r[0]} has a note of {r[1]:,} characters (at most {MAX_NOTE:,})",
            ),
            (
                "SELECT id, value FROM deals "
                "WHERE value < 0 OR value >= ? OR typeof(value) != 'integer' LIMIT ?",
                [MAX_MINOR, limit],
                lambda r: f"deal #{r[0]} has a value that is not a valid amount ({r[1]!r})",
            ),
        ]
        moments = [(c, "date") for c in ("expected_close", "next_step_due", "revisit_on", "snoozed_until")]
        moments += [
            (c, "datetime") for c in ("created_at", "stage_entered_at", "last_activity_at", "closed_at")
        ]
        for column, reader in moments:  # unreadable, or outside the years the app accepts
            checks.append(
                (
                    f"SELECT id, {column} FROM deals WHERE {column} IS NOT NULL "
                    f"AND ({reader}({column}) IS NULL OR substr({column}, 1, 4) < ? "
                    f"OR substr({column}, 1, 4) > ?) LIMIT ?",
                    [f"{MIN_YEAR:04d}", f"{MAX_YEAR:04d}", limit],
                    lambda r, c=column: f"deal #{r[0]} has a {c.replace('_', ' ')} of {r[1]!r}",
                )
            )
        for sql, params, say in checks:
            for row in self._rows(sql, params):
                found.append(say(row))
                if len(found) >= limit:
                    return found
        return found

"""Deals and their timelines: reading them, and writing what the operations decided.

The store decides nothing about a change: `pipeline_tui.transitions` says which fields a
move, a loss or a note sets and which timeline entry records it; `apply` writes that, bumps
the deal's `rev` and logs the entry, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pipeline_tui.errors import NotFoundError, RuleError
from pipeline_tui.limits import MAX_LINE, MAX_MINOR, MAX_NOTE, MAX_YEAR, MIN_YEAR
from pipeline_tui.models import Deal, Event, EventKind
from pipeline_tui.search import DEAL_FIELDS
from pipeline_tui.store.codec import (
    DEAL_SELECT,
    EVENT_SELECT,
    deal_from_row,
    deal_with,
    event_from_row,
    sql_value,
    ts,
)
from pipeline_tui.store.connection import Connection
from pipeline_tui.store.search import SearchIndex
from pipeline_tui.text import fold
from pipeline_tui.transitions import Entry, NewDeal, Transition

LIVE = "d.archived_at IS NULL"  # archived deals are on no board, list or report
SEARCHED = frozenset(name for name, _ in DEAL_FIELDS)  # a change to these is indexed again


class Deals:
    """Reads deals and events; writes transitions and timeline entries."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows = conn.rows
        self.index = SearchIndex(conn)  # kept in step with every write below

    # ------------------------------------------------------------------ reading

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

    def all(self, *, stage_id: int | None = None, archived: bool | None = False) -> Iterator[Deal]:
        """Every deal (or one stage's), in board order, streamed. `archived`: False leaves
        archived deals out, True lists only them, None lists all."""
        where = {False: f" WHERE {LIVE}", True: " WHERE d.archived_at IS NOT NULL", None: " WHERE 1"}[
            archived
        ]
        if stage_id is None:
            cursor = self.conn.db.execute(
                DEAL_SELECT + " JOIN stages s ON s.id = d.stage_id" + where + " ORDER BY s.position, d.id"
            )
        else:
            cursor = self.conn.db.execute(
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

    # ----------------------------------------------------------------- timeline

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

    # ------------------------------------------------------------------ writing

    def insert(self, new: NewDeal, *, at: datetime) -> Deal:
        """Create a deal with its first timeline entries (inside the caller's transaction)."""
        row = {name: sql_value(value) for name, value in new.fields.items()}
        with self.conn.write():
            cur = self.conn.db.execute(
                f"INSERT INTO deals ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            deal_id = int(cur.lastrowid or 0)
            self.index.deals([deal_id])
            for entry in new.entries:
                self.log(deal_id, entry, at=at)
            return self.get(deal_id)

    def apply(self, deal: Deal, transition: Transition, *, at: datetime) -> tuple[Deal, int]:
        """Write a transition: its fields (and a new `rev`) and its timeline entry. The deal
        as it is now, and the entry's id."""
        row = {name: sql_value(value) for name, value in transition.changes.items()}
        row["rev"] = deal.rev + 1
        sets = ", ".join(f"{name} = ?" for name in row)
        with self.conn.write():
            self.conn.db.execute(f"UPDATE deals SET {sets} WHERE id = ?", [*row.values(), deal.id])
            if SEARCHED & transition.changes.keys():
                self.index.deals([deal.id])
            event_id = self.log(deal.id, transition.entry, at=at)
        return deal_with(deal, row), event_id

    def log(self, deal_id: int, entry: Entry, *, at: datetime) -> int:
        """One timeline entry; remembered as written by this transaction (undo takes it back)."""
        cur = self.conn.db.execute(
            "INSERT INTO events (deal_id, at, kind, text, from_stage_id, to_stage_id, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                deal_id,
                ts(at),
                entry.kind.value,
                entry.text,
                entry.from_stage,
                entry.to_stage,
                json.dumps(entry.data, ensure_ascii=False, default=str),
            ],
        )
        event_id = int(cur.lastrowid or 0)
        self.conn.events_written.append((deal_id, event_id))
        self.index.event(event_id, deal_id, entry.kind, entry.text, entry.data)
        return event_id

    def written_events(self, deal_id: int) -> list[int]:
        """The events this transaction wrote for `deal_id` (an undo takes them back)."""
        return [event_id for written_for, event_id in self.conn.events_written if written_for == deal_id]

    def retract_events(self, event_ids: list[int]) -> None:
        """Mark what an undone change wrote to the timeline as taken back: it stays in the
        file, shows struck through, and leaves the exports (a loss undone is no loss)."""
        with self.conn.write():
            for event_id in event_ids:
                event = self.event(event_id)
                if event.data.get("retracted"):
                    continue
                data = json.dumps({**event.data, "retracted": True}, ensure_ascii=False)
                self.conn.db.execute("UPDATE events SET data = ? WHERE id = ?", [data, event_id])
            self.index.drop_events(event_ids)

    def remove_new(self, deal_id: int) -> Deal:
        """Undo adding a deal: only while nothing but its creation is recorded (what was
        undone since, taken back and marked so, is no history: the deal goes with it)."""
        with self.conn.write():
            deal = self.get(deal_id)
            kinds = {
                EventKind(k)
                for (k,) in self._rows(
                    "SELECT kind FROM events WHERE deal_id = ? "
                    "AND coalesce(json_extract(data, '$.retracted'), 0) = 0",
                    [deal.id],
                )
            }
            if kinds - {EventKind.CREATED, EventKind.UNDONE}:
                raise RuleError(f"{deal.title!r} has a history now; it was not removed.")
            self.index.drop_deals([deal.id])
            self.conn.db.execute("DELETE FROM events WHERE deal_id = ?", [deal.id])
            self.conn.db.execute("DELETE FROM deals WHERE id = ?", [deal.id])
            return deal

    # -------------------------------------------------------------- the file

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
                "SELECT id, length(won_note) FROM deals WHERE length(won_note) > ? LIMIT ?",
                [MAX_NOTE, limit],
                lambda r: f"deal #{r[0]} has a win note of {r[1]:,} characters (at most {MAX_NOTE:,})",
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

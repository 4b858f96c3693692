"""Full-text search over everything the seller wrote (SQLite's FTS5 table `deal_search`,
made by migrations.m007_search_index).

The index holds one row per deal (rowid: minus the deal's id) with its searchable fields,
one per line in the order of `search.DEAL_FIELDS`, and one row per timeline entry carrying
the seller's words (rowid: the event's id): notes, and the note and competitor of each
loss and win, never one taken back. Its text is folded in Python (`search.search_fold`)
before FTS5 sees it, so the query and the index fold alike.

No trigger keeps it current (a file's triggers are refused): the store's own writes do,
through `SearchIndex`, in the transaction of the change. A file changed by another tool is
put right by `rebuild` (the search command does it when the counts disagree)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline_tui.errors import InputError
from pipeline_tui.models import Deal, EventKind
from pipeline_tui.search import (
    DEAL_FIELDS,
    Snippet,
    best_field,
    fts_query,
    search_fold,
    snippet,
    terms,
)
from pipeline_tui.store.codec import DEAL_SELECT, deal_from_row, parse_ts
from pipeline_tui.store.connection import Connection

TABLE = "deal_search"
EVENT_KINDS = frozenset({EventKind.NOTE, EventKind.LOST, EventKind.WON})
FIELDS_SQL = " || char(10) || ".join(f"d.{name}" for name, _ in DEAL_FIELDS)
_KINDS_SQL = ", ".join(f"'{k.value}'" for k in sorted(EVENT_KINDS))
_LIVE_EVENT = (
    f"e.kind IN ({_KINDS_SQL}) "
    "AND NOT (json_valid(e.data) AND COALESCE(json_extract(e.data, '$.retracted'), 0))"
)
EVENT_SQL = (
    "e.text || char(10) || CASE WHEN json_valid(e.data) "
    "THEN COALESCE(json_extract(e.data, '$.competitor'), '') ELSE '' END"
)
CHUNK = 500
# A deal's row has rowid -id: deals are indexed highest id first, so the rowids FTS5 is
# given ascend. Given a smaller rowid than the last, FTS5 writes out what it holds in memory
# first: in id order every deal became a segment of its own (2.4 s instead of 0.8 s for
# 100,000 deals).
DEALS_IN_ROWID_ORDER = " ORDER BY d.id DESC"


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def event_body(text: str, data: dict[str, Any]) -> str:
    """What the index holds of a timeline entry: its text and the competitor it names."""
    competitor = data.get("competitor") if isinstance(data, dict) else None
    return search_fold(f"{text}\n{competitor if isinstance(competitor, str) else ''}")


class SearchIndex:
    """Keeps the index in step with the writes (inside the caller's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        conn.db.conn.create_function("search_fold", 1, search_fold, deterministic=True)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.db.execute(sql, list(params))

    def deals(self, ids: Sequence[int]) -> None:
        """Index these deals' fields as they are now."""
        for chunk in _chunks(sorted(ids, reverse=True)):
            marks = ", ".join("?" * len(chunk))
            self._execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", [-i for i in chunk])
            self._execute(
                f"INSERT INTO {TABLE} (rowid, body, deal_id) SELECT -d.id, search_fold({FIELDS_SQL}), d.id "
                f"FROM deals d WHERE d.id IN ({marks}){DEALS_IN_ROWID_ORDER}",
                chunk,
            )

    def deals_from(self, first_id: int) -> None:
        """Index every deal from `first_id` on with its entries (a bulk import's new deals, in
        two statements instead of one per chunk)."""
        self._execute(
            f"INSERT INTO {TABLE} (rowid, body, deal_id) SELECT -d.id, search_fold({FIELDS_SQL}), d.id "
            f"FROM deals d WHERE d.id >= ?{DEALS_IN_ROWID_ORDER}",
            [first_id],
        )
        self._execute(
            f"INSERT OR REPLACE INTO {TABLE} (rowid, body, deal_id) "
            f"SELECT e.id, search_fold({EVENT_SQL}), e.deal_id FROM events e "
            f"WHERE e.deal_id >= ? AND {_LIVE_EVENT} ORDER BY e.id",
            [first_id],
        )

    def event(self, event_id: int, deal_id: int, kind: EventKind, text: str, data: dict[str, Any]) -> None:
        """Index one entry just written, if it carries the seller's words."""
        if kind in EVENT_KINDS and not data.get("retracted"):
            self._execute(
                f"INSERT INTO {TABLE} (rowid, body, deal_id) VALUES (?, ?, ?)",
                [event_id, event_body(text, data), deal_id],
            )

    def deal_events(self, deal_ids: Sequence[int]) -> None:
        """Index every entry of these deals that carries the seller's words (an import)."""
        for chunk in _chunks(deal_ids):
            marks = ", ".join("?" * len(chunk))
            self._execute(
                f"INSERT OR REPLACE INTO {TABLE} (rowid, body, deal_id) "
                f"SELECT e.id, search_fold({EVENT_SQL}), e.deal_id FROM events e "
                f"WHERE e.deal_id IN ({marks}) AND {_LIVE_EVENT} ORDER BY e.id",
                chunk,
            )

    def drop_events(self, event_ids: Sequence[int]) -> None:
        """Take entries out (notes taken back)."""
        for chunk in _chunks(event_ids):
            self._execute(f"DELETE FROM {TABLE} WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)

    def drop_deals(self, deal_ids: Sequence[int]) -> None:
        """Take deals out with their entries (before they are deleted)."""
        for chunk in _chunks(deal_ids):
            marks = ", ".join("?" * len(chunk))
            events = [
                r[0] for r in self.conn.rows(f"SELECT id FROM events WHERE deal_id IN ({marks})", chunk)
            ]
            self.drop_events(events)
            self.drop_events([-i for i in chunk])

    def rebuild(self) -> None:
        """The whole index again, from the deals and their timelines."""
        with self.conn.write():
            self._execute(f"DELETE FROM {TABLE}")
            self._execute(
                f"INSERT INTO {TABLE} (rowid, body, deal_id) SELECT -d.id, search_fold({FIELDS_SQL}), d.id "
                f"FROM deals d{DEALS_IN_ROWID_ORDER}"
            )
            self._execute(
                f"INSERT INTO {TABLE} (rowid, body, deal_id) "
                f"SELECT e.id, search_fold({EVENT_SQL}), e.deal_id FROM events e "
                f"WHERE {_LIVE_EVENT} ORDER BY e.id"
            )

    def in_step(self) -> bool:
        """Whether the index holds one row per deal and no row of a deal gone (a file changed
        by another tool fails this; the app's own writes never do)."""
        deals, highest = self.conn.rows("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM deals")[0]
        indexed, lowest = self.conn.rows(
            f"SELECT COUNT(*), COALESCE(MIN(rowid), 0) FROM {TABLE} WHERE rowid < 0"
        )[0]
        return int(deals) == int(indexed) and int(highest) == -int(lowest)


@dataclass(frozen=True, slots=True)
class Hit:
    """One deal found: where the words are (a field, a note…) and the snippet around them."""

    deal: Deal
    where: str  # "title", "note", "loss note"…
    snippet: Snippet
    at: datetime | None = None  # when the note (or loss, or win) was written


@dataclass(frozen=True, slots=True)
class Found:
    words: list[str]
    hits: list[Hit]
    total: int  # deals matching (more than `hits` when the list was cut)


WHERE_EVENT = {EventKind.NOTE.value: "note", EventKind.LOST.value: "loss", EventKind.WON.value: "win"}


class Search:
    """Finds deals by any word the seller wrote."""

    def __init__(self, conn: Connection, index: SearchIndex) -> None:
        self.conn = conn
        self.index = index
        self._rows = conn.rows

    def find(self, text: str, *, limit: int = 50, archived: bool = False) -> Found:
        """Deals matching every word of `text` (each word as the start of a word, anywhere in
        the deal: "acme kubernetes" finds the Acme deal whose note says Kubernetes), the best
        matches first (FTS5's bm25 over the deal's best row), up to `limit`."""
        words = terms(text)
        if not words:
            raise InputError("Type a word to search for (letters or digits).")
        live = "" if archived else " AND d.archived_at IS NULL"
        # The deals holding every word, each in any of their rows...
        every = " INTERSECT ".join(f"SELECT deal_id FROM {TABLE} WHERE {TABLE} MATCH ?" for _ in words)
        # ...ranked by their best row for any of the words (the one the snippet shows).
        rows = self._rows(
            f"SELECT s.deal_id, s.rowid, MIN(s.rank), COUNT(*) OVER () FROM {TABLE} s "
            f"JOIN deals d ON d.id = s.deal_id WHERE {TABLE} MATCH ? AND s.deal_id IN ({every}){live} "
            "GROUP BY s.deal_id ORDER BY MIN(s.rank), s.deal_id DESC LIMIT ?",
            [fts_query(words, any_word=True), *(fts_query([w]) for w in words), max(1, limit)],
        )
        if not rows:
            return Found(words, [], 0)
        total = int(rows[0][3])
        ids = [int(r[0]) for r in rows]
        deals = {
            d.id: d
            for d in (
                deal_from_row(r)
                for r in self._rows(DEAL_SELECT + f" WHERE d.id IN ({', '.join('?' * len(ids))})", ids)
            )
        }
        event_ids = [int(r[1]) for r in rows if int(r[1]) > 0]
        events: dict[int, tuple[Any, ...]] = {}
        if event_ids:
            marks = ", ".join("?" * len(event_ids))
            sql = f"SELECT id, at, kind, text, data FROM events WHERE id IN ({marks})"
            events = {int(r[0]): r for r in self._rows(sql, event_ids)}
        hits = []
        for deal_id, rowid, _, _ in rows:
            deal = deals.get(int(deal_id))
            if deal is None:
                continue
            hits.append(self._hit(deal, int(rowid), events.get(int(rowid)), words))
        return Found(words, hits, total)

    @staticmethod
    def _hit(deal: Deal, rowid: int, event: tuple[Any, ...] | None, words: list[str]) -> Hit:
        fields = [(label, str(getattr(deal, name) or "")) for name, label in DEAL_FIELDS]
        if rowid > 0 and event is not None:
            _, at, kind, text, data = event
            details = json.loads(data) if data else {}
            competitor = details.get("competitor") if isinstance(details, dict) else ""
            where = WHERE_EVENT.get(kind, kind)
            candidates = [(f"{where} note" if where != "note" else "note", text)]
            if isinstance(competitor, str) and competitor:
                candidates.append(("competitor", competitor))
            found = best_field(candidates, words) or candidates[0]
            return Hit(deal, found[0], snippet(found[1], words), parse_ts(at))
        found = best_field(fields, words) or fields[0]
        return Hit(deal, found[0], snippet(found[1], words))

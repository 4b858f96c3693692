"""New deals an import will write, prepared: each checked with the limits every path uses
as it is added, and kept as SQLite values in compressed chunks (`PreparedDeals`), so a file of
a million rows never sits in memory as objects."""

from __future__ import annotations

import json
import marshal
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from itertools import islice
from typing import Any

from pipeline_tui.limits import (
    MAX_LINE,
    MAX_NOTE,
    check_amount,
    check_currency,
    check_date,
    check_moment,
    check_note,
    check_text,
    plain_text,
)
from pipeline_tui.memo import Memo
from pipeline_tui.models import ImportRow
from pipeline_tui.store.codec import parse_ts, ts

# The columns an import writes, in INSERT order.
INSERT_COLUMNS = (
    "id", "title", "company", "contact", "value", "currency", "stage_id", "expected_close", "next_step",
    "next_step_due", "created_at", "stage_entered_at", "last_activity_at", "closed_at", "loss_reason_id",
    "competitor", "lost_at_stage_id", "loss_note", "revisit_on", "revisit_state", "source", "source_id",
    "archived_at", "snoozed_until", "crm_baseline", "won_reason_id", "won_note",
)  # fmt: skip


def _checked_day(value: date, field: str) -> str:
    return check_date(value, field).isoformat()  # type: ignore[union-attr]


def _checked_moment(value: datetime, field: str) -> str:
    return ts(check_moment(value, field))


def _text(value: str, field: str, limit: int = MAX_LINE) -> str:
    """check_text, with its cheap test first (a bulk import asks it of every cell)."""
    if not value:
        return ""
    if plain_text(value, limit) and value == value.strip():
        return value
    return check_text(value, field, limit=limit)


# A prepared deal: its columns as SQLite values, in INSERT_COLUMNS order without the id, then
# the text of the note it brings ("" for none), written at its created time.
_PREPARED_WIDTH = len(INSERT_COLUMNS)


class PreparedDeals:
    """New deals an import will write, each checked with the limits every path uses as it is
    added, and kept as SQLite values in compressed chunks: a file of a million rows never
    sits in memory as objects. A place can be held for a deal decided later (`hold`, then
    `fill`), so the deals are written in the file's order. Keeps, per stage, how many deals
    and how much money (per currency) it holds, and how many have no loss reason."""

    CHUNK = 2_000

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self._chunks: list[bytes] = []
        self._open: list[Any] = []
        self._held: list[tuple[Any, ...] | None] = []
        self._count = 0
        # stage -> [deals, without a loss reason, {currency: total}]
        self.per_stage: dict[int, list[Any]] = {}
        self._currency = Memo(check_currency)
        self._close = Memo(partial(_checked_day, field="close date"))
        self._due = Memo(partial(_checked_day, field="next step's due date"))
        self._created = Memo(partial(_checked_moment, field="created date"))
        self._entered = Memo(partial(_checked_moment, field="stage entered date"))
        self._activity = Memo(partial(_checked_moment, field="last activity date"))
        self._closed = Memo(partial(_checked_moment, field="closed date"))

    def add(self, *values: Any) -> None:
        """One new deal: the arguments of `prepare`, checked now."""
        prepared = self.prepare(*values)
        self._count_in(prepared)
        self._count += 1
        self._put(prepared)

    def prepare(
        self, title: str, company: str, contact: str, value: int, currency: str | None, stage_id: int,
        close: date | None, next_step: str, next_due: date | None, created: datetime, entered: datetime,
        activity: datetime, closed: datetime | None, loss_reason_id: int | None, competitor: str,
        lost_at_stage_id: int | None, loss_note: str, source: str | None, source_id: str | None,
        baseline: str | None, note: str, won_reason_id: int | None = None, won_note: str = "",
    ) -> tuple[Any, ...]:  # fmt: skip
        """A new deal (the values an `ImportRow` would carry) as SQLite values, checked with
        the limits `_insert_values` checks (a bad value: InputError naming it)."""
        if not (title and plain_text(title) and title == title.strip()):
            title = check_text(title, "title", required=True)
        created_text = self._created[created]
        return (
            title, _text(company, "company") if company else "", _text(contact, "contact") if contact else "",
            check_amount(value), self._currency[currency or self.currency], stage_id,
            self._close[close] if close else None, _text(next_step, "next step") if next_step else "",
            self._due[next_due] if next_due else None, created_text,
            created_text if entered is created else self._entered[entered],
            created_text if activity is created else self._activity[activity],
            self._closed[closed] if closed else None, loss_reason_id,
            _text(competitor, "competitor") if competitor else "", lost_at_stage_id,
            _text(loss_note, "loss note", MAX_NOTE) if loss_note else "", None, None, source, source_id, None,
            None, baseline, won_reason_id, check_note(won_note, "win note") if won_note else "",
            check_note(note, required=True) if note else "",
        )  # fmt: skip

    def _count_in(self, values: tuple[Any, ...]) -> None:
        stage = self.per_stage.get(values[5])
        if stage is None:
            stage = self.per_stage[values[5]] = [0, 0, {}]
        stage[0] += 1
        if not values[13]:
            stage[1] += 1
        totals = stage[2]
        totals[values[4]] = totals.get(values[4], 0) + values[3]

    def _put(self, entry: Any) -> None:
        self._open.append(entry)
        if len(self._open) >= self.CHUNK:
            self._chunks.append(zlib.compress(marshal.dumps(self._open), 1))
            self._open = []

    def hold(self) -> int:
        """A place for a deal decided later, in the file's order."""
        slot = len(self._held)
        self._held.append(None)
        self._put(slot)
        return slot

    def fill(self, slot: int, *values: Any) -> None:
        """The deal for a held place (the arguments of `prepare`)."""
        prepared = self.prepare(*values)
        self._held[slot] = prepared
        self._count_in(prepared)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def values(self) -> Iterator[tuple[Any, ...]]:
        """The deals as SQLite values (see `_PREPARED_WIDTH`), in order."""
        for chunk in self._chunks:
            yield from self._entries(marshal.loads(zlib.decompress(chunk)))
        yield from self._entries(self._open)

    def _entries(self, entries: list[Any]) -> Iterator[tuple[Any, ...]]:
        for entry in entries:
            if isinstance(entry, int):
                entry = self._held[entry]
                if entry is None:
                    continue
            yield entry

    def __getitem__(self, index: int) -> ImportRow:
        """The deal at `index` (read through the chunks: for a look at one, not a loop)."""
        at = index + self._count if index < 0 else index
        if not 0 <= at < self._count:
            raise IndexError(index)
        return next(islice(self, at, None))

    def __iter__(self) -> Iterator[ImportRow]:
        """The deals as `ImportRow`s (for a look at them; the import writes `values`)."""
        for values in self.values():
            created = parse_ts(values[9])
            row = dict(zip(INSERT_COLUMNS[1:], values, strict=False))
            yield ImportRow(
                title=row["title"], company=row["company"], contact=row["contact"], value=row["value"],
                currency=row["currency"], stage_id=row["stage_id"],
                expected_close=date.fromisoformat(row["expected_close"]) if row["expected_close"] else None,
                next_step=row["next_step"],
                next_step_due=date.fromisoformat(row["next_step_due"]) if row["next_step_due"] else None,
                created_at=created, stage_entered_at=parse_ts(row["stage_entered_at"]),
                last_activity_at=parse_ts(row["last_activity_at"]),
                closed_at=parse_ts(row["closed_at"]) if row["closed_at"] else None,
                loss_reason_id=row["loss_reason_id"], competitor=row["competitor"],
                lost_at_stage_id=row["lost_at_stage_id"], loss_note=row["loss_note"], source=row["source"],
                source_id=row["source_id"],
                crm_baseline=json.loads(row["crm_baseline"]) if row["crm_baseline"] else None,
                notes=((created, values[-1]),) if values[-1] else (),
            )  # fmt: skip

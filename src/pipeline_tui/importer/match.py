"""Which deal imported before a CRM row is (steps 6 and 7 of `plan`): by record id, in any
form an export brings it, or by natural key; rows the natural key cannot tell apart are
matched by the values they share with each deal, never swapped silently; deals the file no
longer holds are listed (and archived with --missing archive)."""

from __future__ import annotations

import hashlib
import json
from itertools import permutations

from pipeline_tui.errors import InputError
from pipeline_tui.importer.context import Context, Read
from pipeline_tui.importer.identity import canonical_id, legacy_key, natural_key, norm_text
from pipeline_tui.importer.plan_types import ImportPlan
from pipeline_tui.importer.source import SourceRow
from pipeline_tui.models import EventKind, ImportEvent, ImportUpdate
from pipeline_tui.store import Store, ts
from pipeline_tui.store.transfer import CrmRef


class Known:
    """The deals imported from this source before (and those brought in as plain CSV that
    may be this source's), by record id, as a re-import first looks at them."""

    def __init__(self, store: Store, source: str, kind: str) -> None:
        self.store = store
        self.kind = kind
        refs = store.transfer.crm_refs(source)
        if kind in ("salesforce", "zoho"):
            self.deals = {canonical_id(k, kind): d for k, d in refs.items()}
        else:  # an id as it is written (canonical_id takes the spaces off)
            self.deals = {k.strip(): d for k, d in refs.items()}
        self.strays = store.transfer.crm_refs("csv") if source != "csv" else {}
        self.source = source
        self.keyed = any(k.startswith("key-") for k in self.deals)  # matched by natural key before
        self.legacy = any(k.startswith("row-") for k in self.deals)  # by a hash of their cells
        self._forms: dict[str, list[str]] | None = None

    def find(self, row: SourceRow, sid: str, matched: set[int]) -> tuple[CrmRef | None, dict[str, str]]:
        """The deal a row with a record id is, and the identity it takes on."""
        deal = self.deals.get(sid)
        if deal is not None:
            return deal, {}
        if sid in self.strays:  # imported before with --column, as a plain CSV
            return self.strays[sid], {"source": self.source, "source_id": sid}
        if self.keyed:  # imported before without an id: the id attaches to it now
            keyed = self.deals.get(natural_key(row))
            if keyed is not None and keyed.id not in matched:
                return keyed, {"source_id": sid}
        if self.legacy:
            legacy = self.deals.get(legacy_key(row))
            if legacy is not None and legacy.id not in matched:
                return legacy, {}
        return None, {}

    def forms(self, key: str) -> list[str]:
        """The record ids deals matched by this natural key were given (key, key#2, …), in
        the order the pipeline lists them."""
        if self._forms is None:  # only the keys given more than the key itself are listed
            several = {sid.partition("#")[0] for sid in self.deals if sid.startswith("key-") and "#" in sid}
            self._forms = {}
            for sid in self.deals:
                base = sid.partition("#")[0]
                if base in several:
                    self._forms.setdefault(base, []).append(sid)
        found = self._forms.get(key)
        if found is not None:
            return found
        return [key] if key in self.deals else []

    def streams(self, key: str) -> bool:
        """Whether rows of this natural key can be given their ids as they are read: no deal
        was matched by it (or by a hash of cells) before, so nothing is to be compared."""
        return not self.legacy and not self.forms(key)


def match_keyed(
    ctx: Context,
    key: str,
    group: list[Read],
    known: Known,
    matched: set[int],
    matches: dict[int, tuple[Read, CrmRef]],
    plan: ImportPlan,
) -> None:
    """Rows without a record id that share a natural key (deals of the same name, account
    and day): each is matched to the deal imported before whose imported values it shares
    most; when two ways of matching fit equally, the import stops and names the rows.
    Never a silent swap."""
    existing = known.deals
    if len(group) == 1:
        rows = group
    else:
        unique: dict[tuple[str, ...], Read] = {}
        for record in group:
            fingerprint = _fingerprint(record.row)
            if fingerprint in unique:
                plan.duplicates += 1  # the same row twice: counted once (its sid stays empty)
            else:
                unique[fingerprint] = record
        rows = list(unique.values())
    rest: list[Read] = []
    for record in rows:  # a deal an earlier version imported under a hash of its cells
        legacy = legacy_key(record.row) if known.legacy else ""
        old = existing.get(legacy) if legacy else None
        if old is not None and old.id not in matched:
            matched.add(old.id)
            matches[old.id] = (record, old)
            record.sid = legacy
        else:
            rest.append(record)
    forms = [sid for sid in known.forms(key) if existing[sid].id not in matched]
    candidates = [existing[sid] for sid in forms]
    if candidates and rest:
        if len(rest) > 6 or len(candidates) > 6:
            raise _indistinct(rest, candidates)
        size = min(len(rest), len(candidates))
        ways = list(permutations(range(len(candidates)), size))
        if len(ways) == 1:  # one way to match: nothing to weigh
            chosen = ways[0]
        else:
            scored = sorted(
                (
                    (sum(_likeness(ctx, rest[i].row, candidates[j]) for i, j in enumerate(way)), way)
                    for way in ways
                ),
                key=lambda item: -item[0],
            )
            if scored[0][0] == scored[1][0]:
                raise _indistinct(rest, candidates)
            chosen = scored[0][1]
            plan.notices.append(_told_apart(ctx, rest, candidates, chosen))
        for i, j in enumerate(chosen):
            deal = candidates[j]
            matched.add(deal.id)
            matches[deal.id] = (rest[i], deal)
            rest[i].sid = forms[j]
        rest = [r for i, r in enumerate(rest) if i >= len(chosen)]
    given = {r.sid for r in rows if r.sid}
    n = 1
    for record in rest:
        while (sid := key if n == 1 else f"{key}#{n}") in existing or sid in given:
            n += 1
        record.sid = sid
        given.add(sid)


def _indistinct(rows: list[Read], deals: list[CrmRef]) -> InputError:
    numbers = ", ".join(str(r.row.number) for r in rows)
    first = rows[0].row
    return InputError(
        f"Rows {numbers} are deals named {first.title!r} at {first.company or 'no company'!r} "
        "made the same day; "
        f"{len(deals)} such deal{'s were' if len(deals) != 1 else ' was'} imported before, "
        "and nothing in the "
        "file tells which row is which deal. Add the CRM's record id column to the export (or --column "
        "id=HEADER). Nothing was imported."
    )


def _told_apart(ctx: Context, rows: list[Read], deals: list[CrmRef], chosen: tuple[int, ...]) -> str:
    """The dry run's word on rows matched by what they carry: which row went to which deal,
    and how alike they were (a seller who knows better adds the record ids)."""
    first = rows[0].row
    pairs = []
    for i, j in enumerate(chosen):
        alike, compared = _alike(ctx, rows[i].row, deals[j])
        pairs.append(f"row {rows[i].row.number} → deal #{deals[j].id} ({alike} of {compared} values alike)")
    return (
        f"Rows {', '.join(str(r.row.number) for r in rows)} are deals named {first.title!r} at "
        f"{first.company or 'no company'!r} made the same day, without a record id; told apart by the "
        f"values each shares with the deals imported before: {'; '.join(pairs)}. If that is wrong, import "
        "an export with the CRM's record id column (or --column id=HEADER)."
    )


def _fingerprint(row: SourceRow) -> tuple[str, ...]:
    return tuple(c.strip() for c in row.cells)


def fingerprint_digest(row: SourceRow) -> bytes:
    """`_fingerprint` in 16 bytes (what is kept of every row without a record id)."""
    return hashlib.blake2b(repr(_fingerprint(row)).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _likeness(ctx: Context, row: SourceRow, deal: CrmRef) -> int:
    """How many of the values the deal was imported with the row still has."""
    return _alike(ctx, row, deal)[0]


def _alike(ctx: Context, row: SourceRow, deal: CrmRef) -> tuple[int, int]:
    """How many of the values the deal was imported with the row still has, of how many
    were compared."""
    base = json.loads(deal.baseline) if deal.baseline else {}
    values = {
        "title": row.title,
        "company": row.company,
        "contact": row.contact,
        "value": row.value or 0,
        "currency": row.currency or ctx.store.conn.currency,
        "close": row.close.isoformat() if row.close else None,
        "stage": row.stage,
    }
    compared = [name for name in values if name in base]
    return sum(1 for name in compared if base[name] == values[name]), len(compared)


def missing_deals(ctx: Context, known: Known, matched: set[int], plan: ImportPlan) -> None:
    """Deals imported from this source before that the file no longer holds (deleted in the
    CRM, or left out of this export): listed; archived with --missing archive."""
    gone = sorted(
        {d.id: d for d in known.deals.values() if d.id not in matched and not d.archived}.values(),
        key=lambda d: d.id,
    )
    titles = ctx.store.transfer.titles([d.id for d in gone]) if gone else {}
    plan.missing = [(d.id, titles.get(d.id, "")) for d in gone]
    keyed = [
        d
        for sid, d in known.deals.items()
        if sid.startswith("key-") and d.id not in matched and not d.archived
    ]
    if keyed and plan.rows:
        plan.notices.extend(_renamed(ctx, keyed, plan))
    if "id" not in ctx.fields and plan.rows:
        _without_their_ids(ctx, known, matched, plan)
    plan.missing_action = ctx.options.missing
    if gone and ctx.options.missing == "archive" and not matched:
        raise InputError(
            f"None of the file's rows is a deal imported from {plan.label} before, so --missing archive "
            f"would archive all {len(gone):,} of them. Check that the file is a full {plan.label} export of "
            "the same records, or import it without --missing archive. Nothing was imported."
        )
    if gone and ctx.options.missing == "archive":
        plan.archived_missing = len(gone)
        stamp = ctx.now
        for deal in gone:
            event = ImportEvent(stamp, EventKind.ARCHIVED, f"No longer in the {plan.label} export")
            archived = {"archived_at": ts(stamp)}
            baseline = json.loads(deal.baseline) if deal.baseline else {}
            plan.updates.append(ImportUpdate(deal.id, deal.rev, archived, baseline or {}, (event,)))


RENAMES_SAID = 3


def _without_their_ids(ctx: Context, known: Known, matched: set[int], plan: ImportPlan) -> None:
    """A file without a record id column whose new rows have the name and account of deals
    imported from this source with their ids (the same report saved without its id column):
    read as new, every one would come in a second time. Refused, naming them and the fix."""
    if len(plan.rows) > 10_000:  # a first import of a big file, not next week's export
        return
    ided = [
        d.id for sid, d in known.deals.items()
        if not sid.startswith(("key-", "row-")) and d.id not in matched and not d.archived
    ]  # fmt: skip
    if not ided:
        return
    names = ctx.store.transfer.names(ided)
    by_name = {(norm_text(t), norm_text(c)): i for i, (t, c) in names.items()}
    same = [
        (row.title, by_name[key])
        for row in plan.rows
        if (key := (norm_text(row.title), norm_text(row.company))) in by_name
    ]
    if not same:
        return
    shown = ", ".join(f"{title!r} (#{deal_id})" for title, deal_id in same[:3]) + (
        ", …" if len(same) > 3 else ""
    )
    rows, have = ("rows", "have") if len(same) != 1 else ("row", "has")
    raise InputError(
        f"{len(same):,} new {rows} of this file {have} "
        f"the name and account of deals imported from {plan.label} with their record ids ({shown}), and the "
        "file has no record id column: read as new, they would come in a second time. Export the report with "
        "its id column (or name it with --column id=HEADER). Nothing was imported."
    )


def _renamed(ctx: Context, gone: list[CrmRef], plan: ImportPlan) -> list[str]:
    """Deals imported without a record id that this file no longer holds, each beside the
    one new row that shares its account and created day (its name changed), its name and
    created day (its account changed), or its contact and created day (a file without
    accounts): the CRM may have renamed it, which without ids reads
    as one deal gone and one new. Said, never linked: only the record id can tell."""
    if len(plan.rows) > 10_000:  # a first import of a big file, not next week's export
        return []
    by_account: dict[tuple[str, str], list[str]] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    by_contact: dict[tuple[str, str], list[str]] = {}
    for row in plan.rows:
        day = row.created_at.date().isoformat()
        by_account.setdefault((norm_text(row.company), day), []).append(row.title)
        by_name.setdefault((norm_text(row.title), day), []).append(row.title)
        by_contact.setdefault((norm_text(row.contact), day), []).append(row.title)
    said: list[str] = []
    for ref in gone:
        deal = ctx.store.deals.get(ref.id)
        day = deal.created_at.date().isoformat()
        same_account = by_account.get((norm_text(deal.company), day), []) if deal.company else []
        same_name = by_name.get((norm_text(deal.title), day), [])
        same_contact = by_contact.get((norm_text(deal.contact), day), []) if deal.contact else []
        for what, found in (("account", same_account), ("name", same_name), ("contact", same_contact)):
            if len(found) == 1:
                said.append(
                    f"#{deal.id} {deal.title!r} is not in this file, and the new row {found[0]!r} has its "
                    f"{what} and created day: if the CRM renamed it, this import adds it a second time; an "
                    "export with the CRM's record id column (or --column id=HEADER) updates it instead."
                )
                break
    if len(said) > RENAMES_SAID:
        said[RENAMES_SAID:] = [f"… and {len(said) - RENAMES_SAID:,} more such pairs."]
    return said

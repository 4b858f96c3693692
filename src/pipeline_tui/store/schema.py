"""What the migrations create, and a file's schema held against it (an allow-list).

The expected schema is never written by hand: it is read from an in-memory database on
which the migrations the file says it has were run, so a migration added later (a search
index, its shadow tables and triggers, a new table) is expected as soon as it exists. A
file passes when every table, index, trigger and view the migrations create is there with
the same definition (columns, types, constraints, defaults), and nothing else is attached
to the app's tables: no other index, and no trigger anywhere (a trigger runs on the app's
own writes). A user's own tables, their indexes and views stay allowed: people analyse a
pipeline in other SQLite tools."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache

from sqlite_utils import Database

from pipeline_tui.display import safe
from pipeline_tui.migrations import known_names, step

BOOKKEEPING = "_sqlite_"  # sqlite-utils' own tables (its migrations list): its definition, not ours


@dataclass(frozen=True)
class Item:
    """One object of a schema as sqlite_master has it."""

    type: str  # table, index, trigger, view
    name: str
    table: str  # the table it belongs to (itself for a table)
    sql: str  # whitespace folded; "" for an automatic index


@dataclass(frozen=True)
class Expected:
    """The schema the migrations create at one version."""

    items: dict[str, Item]  # by lower-cased name
    tables: frozenset[str]  # every table, virtual and shadow ones too (lower-cased)
    ordinary: tuple[str, ...]  # tables holding rows of their own, in creation order
    virtual: tuple[str, ...]  # virtual tables (a search index), filled through themselves
    shadow: frozenset[str]  # tables a virtual table keeps its data in (lower-cased)


def _fold(sql: str | None) -> str:
    return " ".join((sql or "").split())


def read_items(conn: sqlite3.Connection, schema: str = "main") -> dict[str, Item]:
    """Every object of the schema `schema` (an attached database's name) by lower-cased
    name, SQLite's own left out."""
    rows = conn.execute(f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master").fetchall()
    return {
        str(name).lower(): Item(str(type_), str(name), str(table), _fold(sql))
        for type_, name, table, sql in rows
        if not str(name).lower().startswith("sqlite_")
    }


def _table_kinds(conn: sqlite3.Connection, schema: str = "main") -> dict[str, str]:
    """table (lower-cased) -> 'table', 'virtual' or 'shadow' (PRAGMA table_list, SQLite
    3.37+; before it a virtual table's shadows are told by name)."""
    try:
        rows = conn.execute(f"PRAGMA {schema}.table_list").fetchall()
        return {str(r[1]).lower(): str(r[2]) for r in rows if str(r[0]) == schema}
    except sqlite3.DatabaseError:
        pass
    kinds: dict[str, str] = {}
    items = read_items(conn, schema)
    virtual = [
        i.name.lower()
        for i in items.values()
        if i.type == "table" and i.sql.upper().startswith("CREATE VIRTUAL")
    ]
    for item in items.values():
        if item.type != "table":
            continue
        name = item.name.lower()
        if name in virtual:
            kinds[name] = "virtual"
        elif any(name.startswith(v + "_") for v in virtual):
            kinds[name] = "shadow"
        else:
            kinds[name] = "table"
    return kinds


def ordered(applied: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Migration names in the order this version runs them."""
    order = {name: i for i, name in enumerate(known_names())}
    return tuple(sorted(applied, key=lambda name: order.get(name, len(order))))


@cache
def expected(applied: tuple[str, ...] | None = None) -> Expected:
    """The schema a file holds after the migrations `applied` (all of them when None)."""
    names = known_names() if applied is None else list(applied)
    conn = sqlite3.connect(":memory:")
    try:
        db = Database(conn)
        for name in names:
            step(name)(db)
        items = {k: v for k, v in read_items(conn).items() if not v.table.startswith(BOOKKEEPING)}
        kinds = _table_kinds(conn)
    finally:
        conn.close()
    tables = [i.name for i in items.values() if i.type == "table"]
    return Expected(
        items=items,
        tables=frozenset(t.lower() for t in tables),
        ordinary=tuple(t for t in tables if kinds.get(t.lower(), "table") == "table"),
        virtual=tuple(t for t in tables if kinds.get(t.lower()) == "virtual"),
        shadow=frozenset(t.lower() for t in tables if kinds.get(t.lower()) == "shadow"),
    )


def differences(
    conn: sqlite3.Connection, applied: tuple[str, ...] | None = None, *, schema: str = "main"
) -> list[str]:
    """What in the file's schema is not what the migrations `applied` create, one phrase
    each ("table deals is defined differently", "trigger 'x' on events"); [] when it passes."""
    want = expected(applied)
    have = read_items(conn, schema)
    found: list[str] = []
    for key, item in want.items.items():
        got = have.get(key)
        if got is None:
            found.append(f"it lacks the {item.type} {safe(item.name)!r}")
        elif got.type != item.type:
            found.append(f"{safe(got.name)!r} is a {got.type}, not a {item.type}")
        elif got.sql != item.sql:
            found.append(
                f"its {item.type} {safe(item.name)!r} is defined differently ({_excerpt(got.sql, item.sql)})"
            )
    for key, got in have.items():
        if key in want.items or got.table.startswith(BOOKKEEPING):
            continue
        if got.type == "trigger":
            found.append(f"trigger {safe(got.name)!r} on {safe(got.table)}")
        elif got.type == "index" and got.table.lower() in want.tables:
            found.append(f"index {safe(got.name)!r} on {safe(got.table)}")
    return found


def _excerpt(have: str, want: str) -> str:
    """Where a definition departs from the expected one, a few words from there."""
    start = 0
    while start < min(len(have), len(want)) and have[start] == want[start]:
        start += 1
    start = max(0, have.rfind(",", 0, start) + 1 if "," in have[:start] else start - 20)
    text = have[start : start + 60].strip(" ,")
    return safe(text + ("…" if len(have) > start + 60 else ""))


def foreign_items(conn: sqlite3.Connection, applied: tuple[str, ...] | None = None) -> list[Item]:
    """Triggers, and indexes on the app's tables, that the migrations did not create:
    what `repair` removes."""
    want = expected(applied)
    return [
        item
        for key, item in read_items(conn).items()
        if key not in want.items
        and not item.table.startswith(BOOKKEEPING)
        and (
            item.type == "trigger"
            or (item.type == "index" and item.table.lower() in want.tables and item.sql)
        )
    ]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_CONTENT = re.compile(r"\bcontent\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|([^\s,)]*))", re.IGNORECASE)


def external_content(sql: str) -> str | None:
    """For an FTS5 table: the table it indexes (external content), "" for a contentless
    one, None when it keeps its own copy of the text."""
    match = _CONTENT.search(sql)
    if not match:
        return None
    return next((g for g in match.groups() if g is not None), "")


def columns(conn: sqlite3.Connection, table: str, schema: str = "main") -> list[str]:
    return [str(r[1]) for r in conn.execute(f"PRAGMA {schema}.table_xinfo({quoted(table)})") if not r[6]]

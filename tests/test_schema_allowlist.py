"""A file's schema is held against what the migrations create (an allow-list, not a list of
known bad things): a changed table, a foreign index or a trigger is refused before
anything writes, whatever the change; a user's own tables, views and their indexes stay
allowed. A restore takes only a backup's rows, into a fresh file the migrations made, so
no such change ever comes along; a value the app would never write refuses the restore
and names its row.

The allow-list is derived from the migrations (checked here with a migration set that
adds a search index with its shadow tables and triggers, as a later version may)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

import builders
import pytest
from sqlite_utils import Database

from pipeline_tui.cli import main
from pipeline_tui.errors import UnknownSchemaError
from pipeline_tui.store import Store, schema


def pipeline(path: Path, *titles: str) -> Path:
    with Store.open(path) as store:
        for title in titles:
            deal = builders.add(store, title, company="Acme", value=100_000)
            builders.note(store, deal, f"note on {title}")
    return path


def rebuild(path: Path, table: str, edit: Callable[[str], str]) -> None:
    """Rebuild `table` from its own definition changed by `edit`, rows and indexes kept,
    as a hostile tool (or a careless migration elsewhere) would."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA legacy_alter_table = ON")
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
    indexes = [r[0] for r in conn.execute(query, [table])]
    new = edit(sql).replace(f"CREATE TABLE {table}", f"CREATE TABLE {table}_new", 1)
    assert new != sql.replace(f"CREATE TABLE {table}", f"CREATE TABLE {table}_new", 1), (
        "the edit changed nothing"
    )
    cols = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
    conn.execute("BEGIN")
    conn.execute(new)
    conn.execute(f"INSERT INTO {table}_new ({cols}) SELECT {cols} FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    for index in indexes:
        conn.execute(index)
    conn.execute("COMMIT")
    conn.close()


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


# Each: (how the file was changed, what it does to an ordinary change)
HOSTILE: dict[str, Callable[[Path], None]] = {
    # an `add` with a title already there silently deletes that deal and its history
    "deals UNIQUE(title) ON CONFLICT REPLACE": lambda p: rebuild(
        p, "deals", lambda s: s.rstrip(")") + ", UNIQUE(title) ON CONFLICT REPLACE)"
    ),
    # a note deletes every earlier note of the deal
    "events UNIQUE(deal_id) ON CONFLICT REPLACE": lambda p: rebuild(
        p, "events", lambda s: s.rstrip(")") + ", UNIQUE(deal_id) ON CONFLICT REPLACE)"
    ),
    # negative amounts and any stage kind get in
    "deals without its CHECK": lambda p: rebuild(p, "deals", lambda s: s.replace("CHECK (value >= 0)", "")),
    "stages without its CHECK": lambda p: rebuild(
        p, "stages", lambda s: s.replace("CHECK (kind IN ('open', 'won', 'lost'))", "")
    ),
    # a default that stamps every new deal
    "a changed default": lambda p: rebuild(
        p,
        "deals",
        lambda s: s.replace("company TEXT NOT NULL DEFAULT ''", "company TEXT NOT NULL DEFAULT 'pwned'"),
    ),
    # every insert fails: the app's own writes stop working
    "an extra required column": lambda p: sql(
        p, "ALTER TABLE deals ADD COLUMN owner TEXT NOT NULL DEFAULT ''", "UPDATE deals SET owner = 'x'"
    ),  # fmt: skip
    "a foreign unique index": lambda p: sql(
        p, "CREATE UNIQUE INDEX one_event_kind ON events(deal_id, kind, text)"
    ),
    # a longer title makes every insert fail ("malformed JSON")
    "a foreign expression index": lambda p: sql(
        p,
        "CREATE INDEX j ON deals(json_extract(CASE WHEN length(title) < 14 THEN '{}' ELSE title END, '$.x'))",
    ),
    "a trigger on a user table": lambda p: sql(
        p, "CREATE TABLE mine (x)", "CREATE TRIGGER t AFTER INSERT ON mine BEGIN DELETE FROM deals; END"
    ),
    "a table replaced by a view": lambda p: sql(
        p,
        "PRAGMA foreign_keys = OFF",
        "ALTER TABLE changes RENAME TO old_changes",
        "CREATE VIEW changes AS SELECT * FROM old_changes",
    ),  # fmt: skip
    "a dropped index": lambda p: sql(p, "DROP INDEX events_deal"),
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_a_changed_schema_is_refused_before_anything_writes(
    tmp_path: Path, shape: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = pipeline(tmp_path / "p.db", "Acme renewal", "Bluefin seats")
    HOSTILE[shape](path)
    before = path.read_bytes()
    for command in (["add", "Acme renewal"], ["note", "1", "hello"], ["list"]):
        code = main(["--db", str(path), *command])
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and "changed outside pipeline-tui" in lines[0], err
    assert path.read_bytes() == before
    with pytest.raises(UnknownSchemaError):
        Store.open(path, readonly=True)


def test_what_repair_can_remove_it_removes_and_the_file_opens_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = pipeline(tmp_path / "p.db", "Acme renewal")
    HOSTILE["a foreign expression index"](path)
    HOSTILE["a trigger on a user table"](path)
    assert main(["--db", str(path), "repair"]) == 0
    said = capsys.readouterr().out
    assert "Removed index 'j' on deals." in said and "Removed trigger 't' on mine." in said
    assert main(["--db", str(path), "add", "After the repair"]) == 0
    assert list(tmp_path.glob("p-before-repair-*.db"))


def test_a_users_own_tables_views_and_their_indexes_stay_allowed(tmp_path: Path) -> None:
    path = pipeline(tmp_path / "p.db", "Acme renewal")
    sql(path, "CREATE TABLE my_notes (deal INTEGER, x TEXT)", "CREATE INDEX my_notes_deal ON my_notes(deal)",
        "CREATE VIEW big AS SELECT title FROM deals WHERE value > 0",
        "CREATE VIRTUAL TABLE my_search USING fts5(x)")  # fmt: skip
    with Store.open(path) as store:
        builders.add(store, "Another")
        assert store.deals.count() == 2


TAKEN = [
    "deals UNIQUE(title) ON CONFLICT REPLACE",
    "events UNIQUE(deal_id) ON CONFLICT REPLACE",
    "a changed default",
    "an extra required column",
    "a foreign unique index",
    "a trigger on a user table",
]


@pytest.mark.parametrize("shape", TAKEN)
def test_a_restore_takes_the_rows_never_the_schema(
    tmp_path: Path, shape: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = pipeline(tmp_path / "backup.db", "Acme renewal", "Bluefin seats", "Cobalt pilot")
    HOSTILE[shape](backup)
    live = pipeline(tmp_path / "live.db", "Live deal")
    assert main(["--db", str(live), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Restored 3 deals" in out and "Left out" in out
    with Store.open(live) as store:  # the live file passes the allow-list, so none came along
        assert [d.title for d in store.deals.all()] == ["Acme renewal", "Bluefin seats", "Cobalt pilot"]
        builders.add(store, "Acme renewal")  # the same title again: nothing replaced
        builders.note(store, 1, "a second note")
        assert store.deals.count() == 4
        assert len(store.deals.notes(1)) == 2
        assert store.shape.stages()[0].name == "Lead"


# -------------------------------------------------------- poisoned rows


POISON = {
    "close date with a time": ("UPDATE deals SET expected_close = '2026-12-01 10:00' WHERE id = 2",
                               "deal #2 has a close date of '2026-12-01 10:00'"),
    "a word for a date": ("UPDATE deals SET next_step_due = 'soon' WHERE id = 1",
                          "deal #1 has a next step's due date of 'soon'"),
    "an impossible date": ("UPDATE deals SET revisit_on = '2026-02-30' WHERE id = 3", "deal #3"),
    "a moment as a number": ("UPDATE deals SET created_at = 1764000000 WHERE id = 1",
                             "deal #1 has a creation time of '1764000000'"),
    "an amount as text": ("UPDATE deals SET value = 'a lot' WHERE id = 2", "deal #2"),
    "a binary title": ("UPDATE deals SET title = X'00FF' WHERE id = 1", "deal #1 has a title of binary data"),
    "a stage that is gone": ("UPDATE deals SET stage_id = 999 WHERE id = 2", "deal #2"),
    "an unknown event kind": ("UPDATE events SET kind = 'bogus' WHERE id = 1", "timeline entry #1"),
    "event details that are not JSON": ("UPDATE events SET data = '{x' WHERE id = 2", "timeline entry #2"),
    "a currency that is not one": ("UPDATE deals SET currency = 'dollars' WHERE id = 3",
                                   "deal #3 has a currency"),
    "a year outside 1900-2200": ("UPDATE deals SET expected_close = '2301-01-01' WHERE id = 1", "2301-01-01"),
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(POISON))
def test_a_restore_refuses_a_value_the_app_never_writes_and_names_its_row(
    tmp_path: Path, shape: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = pipeline(tmp_path / "backup.db", "Acme renewal", "Bluefin seats", "Cobalt pilot")
    statement, words = POISON[shape]
    sql(backup, "PRAGMA foreign_keys = OFF", statement)
    live = pipeline(tmp_path / "live.db", "Live deal")
    before = live.read_bytes()
    assert main(["--db", str(live), "restore", str(backup), "--yes"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "nothing was restored" in err.lower(), err
    assert words in err, err
    assert live.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ------------------------------------------------------ what comes along


def test_a_stray_wal_or_journal_beside_a_backup_is_never_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "saved.db"
    source = pipeline(tmp_path / "three.db", "One", "Two", "Three")
    assert main(["--db", str(source), "backup", "-o", str(backup)]) == 0
    # Another pipeline of five, caught with its commits still in its -wal.
    other = tmp_path / "other" / "five.db"
    other.parent.mkdir()
    pipeline(other, "A", "B")
    holder = sqlite3.connect(other, isolation_level=None)
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    for title in ("C", "D", "E"):
        holder.execute("INSERT INTO deals (title, stage_id, created_at, stage_entered_at, last_activity_at) "
                       "VALUES (?, 1, '2026-11-24 09:00:00+00:00', '2026-11-24 09:00:00+00:00', "
                       "'2026-11-24 09:00:00+00:00')", [title])  # fmt: skip
    shutil.copyfile(f"{other}-wal", f"{backup}-wal")
    shutil.copyfile(f"{other}-wal", f"{backup}-journal")
    holder.close()
    live = pipeline(tmp_path / "live.db", "Live")
    capsys.readouterr()
    assert main(["--db", str(live), "restore", str(backup), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Restored 3 deals" in out and "saved.db-wal" in out
    with Store.open(live) as store:
        assert [d.title for d in store.deals.all()] == ["One", "Two", "Three"]


@pytest.mark.parametrize("page_size", [512, 16384, 65536])
def test_a_backup_of_any_page_size_restores(
    tmp_path: Path, page_size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = pipeline(tmp_path / "backup.db", "One", "Two")
    sql(backup, "PRAGMA journal_mode = DELETE", f"PRAGMA page_size = {page_size}", "VACUUM")
    assert sqlite3.connect(backup).execute("PRAGMA page_size").fetchone()[0] == page_size
    live = pipeline(tmp_path / "live.db", "Live")
    assert main(["--db", str(live), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
    with Store.open(live) as store:
        assert [d.title for d in store.deals.all()] == ["One", "Two"]


def test_a_restore_keeps_every_table_the_migrations_create(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows of every app table come along (not a hand-written list of them)."""
    backup = pipeline(tmp_path / "backup.db", "One", "Two")
    with Store.open(backup) as store:
        builders.lose(store, 2, "Price", revisit_on=date(2027, 3, 1), note="too dear")
    live = pipeline(tmp_path / "live.db", "Live")
    assert main(["--db", str(live), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
    want = schema.expected()
    for table in want.ordinary:
        if table.startswith("_sqlite") or table == "file_generation":
            continue
        query = f"SELECT * FROM {schema.quoted(table)}"  # some have no rowid (review_marks)
        assert sorted(sqlite3.connect(live).execute(query).fetchall(), key=repr) == sorted(
            sqlite3.connect(backup).execute(query).fetchall(), key=repr
        ), table


# ------------------------------------------- derived from the migrations


def search_migrations() -> list[Callable[[Database], None]]:
    """A later version's migration: a full-text index over the notes (external content,
    kept by the app), one over titles that keeps its own copy of the text, and a count
    kept by a trigger."""

    def m_search(db: Database) -> None:
        db.execute("CREATE VIRTUAL TABLE notes_fts USING fts5(text, content='events', content_rowid='id')")
        db.execute("CREATE VIRTUAL TABLE titles_fts USING fts5(title)")
        db.execute("CREATE TABLE note_counts (deal_id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        db.execute("CREATE TRIGGER note_counts_ai AFTER INSERT ON events BEGIN "
                   "INSERT INTO note_counts VALUES (new.deal_id, 1) "
                   "ON CONFLICT (deal_id) DO UPDATE SET n = n + 1; END")  # fmt: skip

    return [m_search]


@pytest.fixture
def later_version(monkeypatch: pytest.MonkeyPatch) -> str:
    """The app as a later version with a search migration appended."""
    from pipeline_tui import migrations

    (step,) = search_migrations()
    step.__name__ = "m999_search"
    names = [*migrations.known_names(), step.__name__]
    monkeypatch.setattr(migrations, "_NAMES", names)
    monkeypatch.setitem(migrations._STEPS, step.__name__, step)
    monkeypatch.setattr(migrations, "migrations", type(migrations.migrations)(migrations.MIGRATION_SET))
    for name in names:
        migrations.migrations()(migrations.step(name))
    for module in ("pipeline_tui.store.connection", "pipeline_tui.store.backups"):
        monkeypatch.setattr(f"{module}.migrations", migrations.migrations)
    monkeypatch.setattr("pipeline_tui.store.backups.known_names", migrations.known_names)
    monkeypatch.setattr("pipeline_tui.store.connection.known_names", migrations.known_names)
    schema.expected.cache_clear()
    yield step.__name__
    schema.expected.cache_clear()


def test_a_search_index_from_the_migrations_is_expected_shadow_tables_and_triggers_too(
    tmp_path: Path, later_version: str
) -> None:
    want = schema.expected()
    assert {"notes_fts", "titles_fts"} <= set(want.virtual)
    assert {"notes_fts_data", "notes_fts_idx", "titles_fts_content"} <= want.shadow
    assert "note_counts_ai" in want.items and "note_counts" in want.ordinary
    path = pipeline(tmp_path / "p.db", "Acme renewal")  # the triggers it made are its own
    sql(path, "CREATE TRIGGER extra AFTER INSERT ON events BEGIN SELECT 1; END")
    with pytest.raises(UnknownSchemaError, match="extra"):
        Store.open(path)


def test_a_restore_rebuilds_a_search_index_from_the_rows(
    tmp_path: Path, later_version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = pipeline(tmp_path / "backup.db", "Acme renewal", "Bluefin seats")
    sql(backup, "INSERT INTO titles_fts (rowid, title) VALUES (1, 'Acme renewal')")
    live = pipeline(tmp_path / "live.db", "Live deal")
    assert main(["--db", str(live), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
    conn = sqlite3.connect(live)
    found = conn.execute("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'bluefin'").fetchall()
    assert (
        found == conn.execute("SELECT id FROM events WHERE text = 'note on Bluefin seats'").fetchall() != []
    )
    assert conn.execute("SELECT rowid FROM titles_fts WHERE titles_fts MATCH 'acme'").fetchall() == [(1,)]
    assert conn.execute("SELECT COUNT(*) FROM notes_fts WHERE notes_fts MATCH 'live'").fetchone()[0] == 0
    conn.execute("INSERT INTO notes_fts(notes_fts) VALUES ('integrity-check')")
    counts = dict(conn.execute("SELECT deal_id, n FROM note_counts"))
    assert counts == dict(sqlite3.connect(backup).execute("SELECT deal_id, n FROM note_counts"))
    conn.close()
    with Store.open(live) as store:  # the restored file passes the allow-list; its trigger runs
        builders.note(store, 1, "one more")
    assert (
        sqlite3.connect(live).execute("SELECT n FROM note_counts WHERE deal_id = 1").fetchone()[0]
        == counts[1] + 1
    )


def test_a_restore_indexes_the_backups_rows_for_search_never_its_own_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup's search index is not taken: words planted in it alone find nothing after the
    restore, and the words of its deals and notes are found."""
    backup = pipeline(tmp_path / "backup.db", "Kubernetes rollout", "Other")
    with Store.open(backup) as store:
        builders.note(store, 2, "They mentioned Terraform")
    with sqlite3.connect(backup) as conn:
        conn.execute("INSERT INTO deal_search (rowid, body, deal_id) VALUES (9999, 'phantomword', 1)")
    live = pipeline(tmp_path / "live.db", "Live")
    fresh = tmp_path / "fresh.db"  # a restore where there is no pipeline yet
    for target in (live, fresh):
        assert main(["--db", str(target), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
        with Store.open(target) as restored:  # in step as restored: no rebuild needed
            assert restored.search.index.in_step(), target
            hits = [h.deal.title for h in restored.search.find("terraform").hits]
            assert hits == ["Other"] and not restored.search.find("phantomword").hits
    capsys.readouterr()
    assert main(["--db", str(live), "search", "phantomword"]) == 0
    assert "Kubernetes" not in capsys.readouterr().out
    for word, title in (("kubernetes", "Kubernetes rollout"), ("terraform", "Other")):
        assert main(["--db", str(live), "search", word]) == 0
        assert title in capsys.readouterr().out, word
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT COUNT(*) FROM deal_search WHERE rowid = 9999").fetchone() == (0,)

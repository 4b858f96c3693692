"""Damaged or hostile files never cost data: a file carrying triggers is refused (and
`repair` removes them after a backup), restore takes only a complete, intact pipeline and
works over a damaged one, a backup onto a full disk leaves nothing behind, export never
writes through a link or a device, the board opens a damaged file with one line, a long
writer makes others wait (with a message) instead of fail, and preferences are checked."""

from __future__ import annotations

import os
import select
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from terminal import COMMAND, Terminal
from test_backup import assert_clear_refusal, cli

from pipeline_tui.config import load_settings
from pipeline_tui.errors import UnknownSchemaError
from pipeline_tui.store import Store

WIPER = (
    "CREATE TRIGGER wipe_history AFTER INSERT ON events "
    "BEGIN DELETE FROM events WHERE deal_id != NEW.deal_id; END"
)


def pipeline(path: Path, deals: int = 3) -> Path:
    with Store.open(path) as store:
        for n in range(deals):
            builders.add(store, f"Deal {n}", company="Acme")
            builders.add_note(store, n + 1, f"note {n}")
    return path


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def events(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def damage(path: Path) -> None:
    """Overwrite the pages holding the deals and the timeline with garbage: the file still
    opens (its schema is intact) but reading a deal fails, as after a bad disk sector."""
    conn = sqlite3.connect(path)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = [
        r[0] for r in conn.execute("SELECT rootpage FROM sqlite_master WHERE name IN ('deals', 'events')")
    ]
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    with open(path, "r+b") as fh:
        for root in roots:
            fh.seek((root - 1) * page)
            fh.write(b"\xde\xad\xbe\xef" * (page // 4))


# ---------------------------------------------------------------- triggers


def test_a_file_with_a_trigger_is_refused_before_anything_runs(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db")
    sql(db, WIPER)
    before = events(db)
    result = cli("--db", db, "note", "1", "hello")
    assert_clear_refusal(result, "trigger", "wipe_history", "repair")
    assert events(db) == before  # the trigger never ran
    with pytest.raises(UnknownSchemaError, match="wipe_history"):
        Store.open(db)


def test_repair_removes_unknown_triggers_after_keeping_a_copy(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db")
    sql(db, WIPER)
    result = cli("--db", db, "repair")
    assert result.returncode == 0, result.stderr
    assert "Removed trigger 'wipe_history' on events." in result.stdout
    [kept] = list(tmp_path.glob("p-before-repair-*.db"))
    conn = sqlite3.connect(kept)
    assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == [
        ("wipe_history",)
    ]
    conn.close()
    before = events(db)
    assert cli("--db", db, "note", "1", "after repair").returncode == 0
    assert events(db) == before + 1
    again = cli("--db", db, "repair")
    assert again.returncode == 0 and "Nothing to repair" in again.stdout


def test_user_views_and_tables_are_left_alone(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db")
    sql(db, "CREATE TABLE my_notes (x TEXT)", "CREATE VIEW big_deals AS SELECT * FROM deals WHERE value > 0")
    assert cli("--db", db, "add", "Another").returncode == 0
    conn = sqlite3.connect(db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    conn.close()
    assert {"my_notes", "big_deals"} <= names


def test_restore_never_carries_a_trigger_in(tmp_path: Path) -> None:
    live = pipeline(tmp_path / "live.db", deals=1)
    backup = pipeline(tmp_path / "backup.db", deals=4)
    sql(backup, WIPER)
    result = cli("--db", live, "restore", backup, "--yes")
    assert result.returncode == 0, result.stderr
    assert "Left out trigger 'wipe_history'" in result.stdout
    conn = sqlite3.connect(live)
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0] == 4
    conn.close()


def test_sqlite_text_in_messages_is_shown_inertly(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    sql(foreign, 'CREATE TABLE "evil\x1b]0;PWNED\x07" (x)')
    result = cli("--db", foreign, "list")
    assert_clear_refusal(result, "not a pipeline-tui pipeline")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


# ----------------------------------------------------------------- restore


@pytest.mark.parametrize("kind", ["empty file", "empty sqlite", "damaged", "no stages", "folder"])
def test_restore_refuses_anything_but_a_complete_intact_pipeline(tmp_path: Path, kind: str) -> None:
    live = pipeline(tmp_path / "live.db", deals=2)
    before = live.read_bytes()
    backup = tmp_path / "backup.db"
    if kind == "empty file":
        backup.write_bytes(b"")
        words = ["empty"]
    elif kind == "empty sqlite":
        sql(backup, "PRAGMA user_version = 0")
        conn = sqlite3.connect(backup)
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
        conn.close()
        words = ["empty sqlite"]
    elif kind == "folder":
        backup.mkdir()
        words = ["is a folder"]
    elif kind == "damaged":
        pipeline(backup, deals=400)
        damage(backup)
        words = ["nothing was restored"]
    else:
        pipeline(backup, deals=1)
        sql(backup, "PRAGMA foreign_keys = OFF", "DELETE FROM stages WHERE kind = 'won'")
        words = ["stages"]
    result = cli("--db", live, "restore", backup, "--yes")
    assert_clear_refusal(result, *words)
    assert ".  " not in result.stderr  # one sentence after another, not a gap
    assert live.read_bytes() == before


@pytest.mark.parametrize("kind", ["damaged", "not a database"])
def test_restore_works_over_a_live_file_that_cannot_be_opened(tmp_path: Path, kind: str) -> None:
    live = tmp_path / "live.db"
    if kind == "damaged":
        pipeline(live, deals=400)
        damage(live)
    else:
        live.write_bytes(b"this is not a database at all" * 100)
    broken = live.read_bytes()
    backup = pipeline(tmp_path / "backup.db", deals=3)
    result = cli("--db", live, "restore", backup, "--yes")
    assert result.returncode == 0, result.stderr
    assert "Restored 3 deals" in result.stdout
    [aside] = list(tmp_path.glob("live-damaged-*.db"))
    assert aside.read_bytes() == broken  # kept beside, as it was
    with Store.open(live) as store:
        assert store.deals.count() == 3


# ------------------------------------------------------------------ backup


FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    from pipeline_tui.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
    sys.exit(main(sys.argv[2:]))
    """
)


def test_backup_onto_a_full_disk_leaves_nothing_and_names_the_target(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db", deals=300)
    size = db.stat().st_size
    assert size > 64 * 1024
    target = tmp_path / "out" / "backup.db"
    target.parent.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(64 * 1024), "--db", str(db), "backup", "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_clear_refusal(result, "cannot write the backup", "nothing was written")
    assert str(target) in result.stderr  # the target is named as the problem
    assert list(target.parent.iterdir()) == []


# ------------------------------------------------------------------ export


def test_export_refuses_links_devices_and_folders(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db")
    real = tmp_path / "real.csv"
    real.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    for target, words in ((link, ["symbolic link"]), (Path("/dev/null"), ["not a regular file"]),
                          (tmp_path, ["folder"])):  # fmt: skip
        assert_clear_refusal(cli("--db", db, "export", "notes", "-o", target, "--force"), *words)
    assert real.read_text() == "keep me" and link.is_symlink()


def test_export_replaces_a_file_only_with_force_and_keeps_its_mode(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db")
    target = tmp_path / "notes.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    assert_clear_refusal(cli("--db", db, "export", "notes", "-o", target), "already exists", "--force")
    assert target.read_text() == "old"
    result = cli("--db", db, "export", "notes", "-o", target, "--force")
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("deal_id,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    new = tmp_path / "new.csv"
    assert cli("--db", db, "export", "deals", "-o", new).returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask  # not 0600


def test_export_to_dash_writes_standard_output(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db")
    result = cli("--db", db, "export", "notes", "-o", "-")
    assert result.returncode == 0 and result.stdout.startswith("deal_id,")


# ------------------------------------------------------------------- board


@pytest.mark.skipif(COMMAND is None, reason="the pipeline-tui command is not installed here")
def test_the_board_opens_a_damaged_file_with_one_line(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db", deals=400)
    damage(db)
    cli_result = cli("--db", db, "list")
    assert_clear_refusal(cli_result, "restore")
    term = Terminal([COMMAND or "pipeline-tui", "--db", str(db), "--today", TODAY.isoformat()])
    try:
        code = term.wait(30)
    finally:
        term.close()
    out = bytes(term.output).decode("utf-8", "replace")
    assert code == 1
    assert "Traceback" not in out
    assert "pipeline-tui: error: " in out and "restore" in out


# ------------------------------------------------------------ long writers


def test_a_writer_waits_for_a_long_one_and_says_so(tmp_path: Path) -> None:
    db = pipeline(tmp_path / "p.db", deals=1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import holding the write lock
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline_tui", "--db", str(db), "add", "While importing"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        # The lock is let go only once the command says it is waiting, so a slow start on a
        # busy machine cannot miss the wait (the 60 s are a guard against a hang, no more).
        said, _, _ = select.select([proc.stderr], [], [], 60)
        waiting = proc.stderr.readline() if said else ""
        assert waiting.startswith("Waiting for another process writing to"), waiting
        assert proc.poll() is None  # still waiting, not failed
        holder.execute("COMMIT")
        out, err = proc.communicate(timeout=60)
    finally:
        holder.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, waiting + err
    assert err == "" and out.startswith("Added #2 While importing"), (out, err)


def test_a_writer_behind_a_lock_never_let_go_gives_up_and_says_so(tmp_path: Path) -> None:
    """A program that crashed (or a database browser) holding the write lock: a command
    run from cron waited forever. It waits $PIPELINE_TUI_LOCK_WAIT seconds (five minutes
    unless set), then says so in one line and changes nothing."""
    db = pipeline(tmp_path / "p.db", deals=1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        env = {**os.environ, "PIPELINE_TUI_LOCK_WAIT": "1"}
        argv = [sys.executable, "-m", "pipeline_tui", "--db", str(db), "add", "Blocked"]
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 2, done.stderr
    assert lines[0].startswith("Waiting for another process writing to") and "ctrl+c gives up" in lines[0]
    assert lines[1].startswith(f"pipeline-tui: error: Another process has been writing to {db} for over 1 s")
    assert "nothing was changed" in lines[1]
    with Store.open(db) as store:
        assert store.deals.count() == 1


@pytest.mark.parametrize("argv", [["--db", ""], ["--db", "  "]])
def test_an_empty_db_is_refused_not_the_default_pipeline(tmp_path: Path, argv: list[str]) -> None:
    """In a script `--db "$DB"` with DB unset: the default pipeline was changed instead."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("PIPELINE_TUI_DB", None)
    command = [sys.executable, "-m", "pipeline_tui", *argv, "add", "Somewhere"]
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "pipeline-tui: error: --db is empty (an unset variable?): give the pipeline's file, or leave it out."
    )
    assert not (tmp_path / "data").exists()


# ------------------------------------------------------------- preferences


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [("currency", "ÄÖÜ", "three-letter code"), ("theme", "hotdog", "Unknown theme"),
     ("quota_period", "week", "month, quarter, year"), ("rates", "EUR=abc", "not a number")],
)  # fmt: skip
def test_config_refuses_values_that_would_break_later(
    tmp_path: Path, key: str, value: str, said: str
) -> None:
    config = tmp_path / "config.toml"
    env_result = subprocess.run(
        [sys.executable, "-m", "pipeline_tui", "--db", str(tmp_path / "p.db"), "config", key, value],
        capture_output=True,
        text=True,
        env={**os.environ, "PIPELINE_TUI_CONFIG": str(config)},
    )
    assert_clear_refusal(env_result, said)
    assert not config.exists()


def test_bad_values_in_the_file_are_reported_and_the_defaults_used(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('currency = "ÄÖÜ"\ntheme = "hotdog"\nclosed_days = 60\n', encoding="utf-8")
    settings, warning = load_settings(config)
    assert (settings.currency, settings.theme, settings.closed_days) == ("USD", "textual-dark", 60)
    assert warning is not None and "ÄÖÜ" in warning and "hotdog" in warning


def test_restore_refuses_a_file_with_what_no_other_path_accepts(tmp_path: Path) -> None:
    live = pipeline(tmp_path / "live.db", deals=1)
    before = live.read_bytes()
    backup = pipeline(tmp_path / "backup.db", deals=2)
    sql(backup, "UPDATE deals SET title = printf('%.1000000c', 'x') WHERE id = 1",
        "UPDATE deals SET revisit_on = '9999-12-31' WHERE id = 2")  # fmt: skip
    result = cli("--db", live, "restore", backup, "--yes")
    assert_clear_refusal(result, "deal #1 has a title of 1,000,000 characters", "9999-12-31")
    assert live.read_bytes() == before


def test_the_calendar_skips_a_date_no_calendar_can_hold(tmp_path: Path) -> None:
    from pipeline_tui.ics import revisits_calendar
    from pipeline_tui.models import LossInput

    with Store.open(tmp_path / "p.db") as store:
        deal = builders.add(store, "Far away")
        builders.mark_lost(
            store,
            deal.id,
            LossInput(store.shape.find_reason("price").id, revisit_on=TODAY.replace(year=2027)),
        )
        store.conn.db.execute("UPDATE deals SET revisit_on = '9999-12-31' WHERE id = ?", [deal.id])
        assert "BEGIN:VEVENT" not in revisits_calendar(store)  # no OverflowError

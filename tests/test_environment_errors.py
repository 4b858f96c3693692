"""The disk, the permissions or another process are not damage: a full disk, a read-only
file, a lock, a missing permission and a damaged file are told apart by SQLite's result
codes (and the OS's errno) and each gets its own advice; only damage asks for a backup. A
full disk never calls a healthy pipeline damaged, and a restore that fails on one leaves
the pipeline exactly where it was.

A full disk is a real one where the tests may mount a small tmpfs (as root), and a
file-size limit (RLIMIT_FSIZE) everywhere else."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import builders
import pytest
from test_hostile_files import damage

from pipeline_tui.store import Store
from pipeline_tui.store.sqlite_errors import sqlite_trouble

LIMITED = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
    from pipeline_tui.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


def cli(*argv: object, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    head = [sys.executable, "-c", LIMITED, str(limit)] if limit else [sys.executable, "-m", "pipeline_tui"]
    return subprocess.run([*head, *map(str, argv)], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipeline-tui: error: "), result.stderr
    return lines[0].lower()


def pipeline(path: Path, deals: int = 3, note: str = "a note") -> Path:
    with Store.open(path) as store:
        for n in range(deals):
            deal = builders.add(store, f"Deal {n}", company="Acme", value=100_000)
            builders.note(store, deal, note)
    return path


def intact(path: Path) -> tuple[int, int]:
    """(deals, events) of a file that passes SQLite's integrity check."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return (conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])  # fmt: skip
    finally:
        conn.close()


# ------------------------------------------------ real errors, told apart


def real_errors(tmp_path: Path) -> Iterator[tuple[str, Path, sqlite3.Error]]:
    """One real SQLite error of each kind, as SQLite raised it."""
    path = pipeline(tmp_path / "p.db", deals=1)
    ro = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        ro.execute("INSERT INTO deals (title) VALUES ('x')")
    except sqlite3.Error as exc:
        yield "read-only", path, exc
    ro.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sqlite3.connect(path, timeout=0)
    try:
        waiter.execute("SELECT COUNT(*) FROM deals").fetchall()
    except sqlite3.Error as exc:
        yield "locked", path, exc
    waiter.close()
    holder.execute("ROLLBACK")
    holder.close()
    try:
        sqlite3.connect(tmp_path / "no" / "such" / "p.db").execute("SELECT 1")
    except sqlite3.Error as exc:
        yield "cannot open", tmp_path / "no" / "such" / "p.db", exc
    text = tmp_path / "text.db"
    text.write_bytes(b"not a database " * 100)
    try:
        sqlite3.connect(text).execute("SELECT * FROM sqlite_master").fetchall()
    except sqlite3.Error as exc:
        yield "not a database", text, exc
    broken = pipeline(tmp_path / "broken.db", deals=300)
    damage(broken)
    try:
        sqlite3.connect(broken).execute("SELECT * FROM events").fetchall()
    except sqlite3.Error as exc:
        yield "damaged", broken, exc


ADVICE = {
    "read-only": ("read-only", "--read-only"),
    "locked": ("locked by another process", "try again"),
    "cannot open": ("does not exist",),
    "not a database": ("damaged or not a database", "restore"),
    "damaged": ("damaged", "restore"),
}


def test_each_kind_of_trouble_has_its_own_message_and_advice(tmp_path: Path) -> None:
    seen = set()
    for kind, path, exc in real_errors(tmp_path):
        said = str(sqlite_trouble(path, exc)).lower()
        for words in ADVICE[kind]:
            assert words in said, (kind, said)
        if kind not in ("damaged", "not a database"):
            assert "damaged" not in said and "restore" not in said, (kind, said)
        else:  # read without locks (this user cannot write there): another user's write, not damage
            torn = str(sqlite_trouble(path, exc, immutable=True)).lower()
            assert "changed while it was read" in torn and "restore" not in torn, torn
        seen.add(kind)
    assert seen == set(ADVICE)


@pytest.mark.parametrize(
    ("code", "words"),
    [(13, "is full"), (10 | (3 << 8), "failed while writing"), (10 | (1 << 8), "failed while reading"),
     (8 | (1 << 8), "read-only"), (5, "locked"), (6, "locked"), (3, "cannot open"), (14, "cannot open"),
     (11, "damaged"), (26, "damaged")],
)  # fmt: skip
def test_extended_result_codes_are_read_through_their_primary_code(
    tmp_path: Path, code: int, words: str
) -> None:
    exc = sqlite3.OperationalError("as SQLite says it")
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    said = str(sqlite_trouble(tmp_path / "p.db", exc)).lower()
    assert words in said
    assert ("restore" in said) == (code in (11, 26))


# --------------------------------------------------- a file-size limit


@pytest.mark.parametrize(
    "command",
    [["note", "1", "x" * 15_000], ["archive", "2"], ["import", "{csv}"],
     ["backup", "-o", "{out}"], ["export", "deals", "-o", "{out}"], ["restore", "{big}", "--yes"]],
    ids=["note", "archive", "import", "backup", "export", "restore"],
)  # fmt: skip
def test_a_full_disk_never_calls_a_healthy_pipeline_damaged(tmp_path: Path, command: list[str]) -> None:
    db = pipeline(tmp_path / "p.db", deals=20, note="n" * 2000)
    big = pipeline(tmp_path / "big.db", deals=60, note="b" * 6000)
    csv = tmp_path / "deals.csv"
    csv.write_text(
        "Deal Name,Deal Stage,Note\n" + "".join(f"Deal {n},Lead,{'z' * 5000}\n" for n in range(60))
    )
    before = intact(db)
    limit = 8 * 1024  # smaller than what each command writes: the WAL, a copy, an export
    argv = [a.format(csv=csv, out=tmp_path / "out", big=big) for a in command]
    said = one_line(cli("--db", db, *argv, limit=limit))
    assert "damaged" not in said and "restore a backup" not in said, said
    assert any(w in said for w in ("full", "size limit", "file too large", "disk failed")), said
    assert intact(db) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------ a real full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (skipped where the tests cannot mount one)."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def test_on_a_real_full_disk_commands_say_so_and_the_pipeline_stays_whole(
    small_disk: Path, tmp_path: Path
) -> None:
    db = pipeline(small_disk / "p.db", deals=5)
    before = intact(db)
    fill(small_disk)
    said = one_line(cli("--db", db, "note", "1", "x" * 20_000))
    assert "is full" in said and "damaged" not in said, said
    listed = cli("--db", db, "list")  # reading needs no room, or says why without crying damage
    assert listed.returncode == 0 or "damaged" not in listed.stderr.lower(), listed.stderr
    big = pipeline(tmp_path / "big.db", deals=80, note="b" * 6000)
    kept = db.read_bytes()
    said = one_line(cli("--db", db, "restore", big, "--yes"))
    assert "damaged" not in said and ("full" in said or "disk" in said), said
    (small_disk / "filler").unlink()
    assert db.read_bytes() == kept and intact(db) == before
    assert {p.name for p in small_disk.iterdir()} - {"p.db-wal", "p.db-shm"} == {"p.db"}  # SQLite's own


def test_a_restore_over_a_damaged_file_on_a_full_disk_leaves_it_where_it_was(
    small_disk: Path, tmp_path: Path
) -> None:
    made = pipeline(tmp_path / "made.db", deals=300)
    damage(made)
    db = small_disk / "p.db"
    shutil.copyfile(made, db)
    broken = db.read_bytes()
    big = pipeline(tmp_path / "big.db", deals=80, note="b" * 6000)
    fill(small_disk)
    said = one_line(cli("--db", db, "restore", big, "--yes"))
    assert "full" in said or "disk" in said, said
    (small_disk / "filler").unlink()
    assert db.read_bytes() == broken
    assert sorted(p.name for p in small_disk.iterdir()) == ["p.db"]

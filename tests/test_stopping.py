"""Stopping a command: ctrl+c at any point of any command is one line and exit code 130,
never a traceback; SIGTERM and SIGHUP during an export, a backup, a restore or an import
leave no hidden temporary file (the clean-ups run) and the pipeline whole; the board
closes on them and gives the terminal back.

"Any point" is tried as a kind: each command is started several times and stopped after
a spread of delays, from during start-up to near its end; whatever point a stop lands
on, the outcome must be one of two: done (exit 0), or stopped with the one line."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from terminal import COMMAND, Terminal

from pipeline_tui.files import write_file
from pipeline_tui.stopping import Stopped, catch_signals, deferred
from pipeline_tui.store import Store

# Python is up and the handlers are in place before "ready"; then the command runs.
STARTER = """
import os, sys
from pipeline_tui.launch import run
from pipeline_tui.stopping import catch_signals
catch_signals()
os.write(2, b"ready\\n")
sys.exit(run(sys.argv[1:]))
"""
LINE = {signal.SIGINT: "pipeline-tui: stopped (ctrl+c); nothing was left half-done.",
        signal.SIGTERM: "pipeline-tui: stopped (SIGTERM); nothing was left half-done.",
        signal.SIGHUP: "pipeline-tui: stopped (SIGHUP); nothing was left half-done."}  # fmt: skip
DELAYS = (0.0, 0.02, 0.06, 0.12, 0.25, 0.4)


def pipeline(path: Path, deals: int = 40) -> Path:
    with Store.open(path) as store:
        for n in range(deals):
            deal = builders.add(store, f"Deal {n}", company="Acme", value=100_000)
            builders.note(store, deal, "n" * 500)
    return path


def grow(path: Path, times: int) -> None:
    """Double the deals and notes `times` times with SQL (big enough that writing it all
    takes a while), as the app would have written them."""
    conn = sqlite3.connect(path, isolation_level=None)
    for _ in range(times):
        top = conn.execute("SELECT MAX(id) FROM deals").fetchone()[0]
        cols = [r[1] for r in conn.execute("PRAGMA table_info(deals)") if r[1] not in ("id", "source_id")]
        conn.execute("BEGIN")
        conn.execute(
            f"INSERT INTO deals (id, {', '.join(cols)}) SELECT id + ?, {', '.join(cols)} FROM deals", [top]
        )
        copy = (
            "INSERT INTO events (deal_id, at, kind, text, data) "
            "SELECT deal_id + ?, at, kind, text, data FROM events"
        )
        conn.execute(copy, [top])
        conn.execute("COMMIT")
    conn.close()


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def intact(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return int(conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0])
    finally:
        conn.close()


def start(argv: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", STARTER, *argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stderr is not None
    assert proc.stderr.readline() == "ready\n"
    return proc


def outcome(proc: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    if proc.returncode == 0:
        return 0, err
    assert proc.returncode == 128 + signum, (proc.returncode, err)
    assert err.strip().splitlines() == [LINE[signum]], err
    return proc.returncode, err


COMMANDS = {
    "list": ["list"],
    "add": ["add", "Stopped or not", "--value", "5000"],
    "export": ["export", "deals", "-o", "{folder}/deals.csv"],
    "backup": ["backup", "-o", "{folder}/copy.db"],
    "restore": ["restore", "{backup}", "--yes"],
    "import": ["import", "{csv}"],
    "report": ["report", "--period", "all", "--csv", "-o", "{folder}/report.csv"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_ctrl_c_at_any_point_of_a_command_is_one_line(tmp_path: Path, name: str) -> None:
    base = pipeline(tmp_path / "base.db")
    backup = pipeline(tmp_path / "backup.db", deals=60)
    csv = tmp_path / "deals.csv"
    csv.write_text("Deal Name,Deal Stage\n" + "".join(f"Imported {n},Lead\n" for n in range(300)))
    runs = []
    for n, delay in enumerate(DELAYS):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        db = folder / "p.db"
        shutil.copyfile(base, db)
        argv = [a.format(folder=folder, backup=backup, csv=csv) for a in COMMANDS[name]]
        runs.append((folder, db, delay, start(["--db", str(db), "--today", TODAY.isoformat(), *argv])))
    began = time.monotonic()
    for _folder, _db, delay, proc in sorted(runs, key=lambda r: r[2]):
        time.sleep(max(0.0, began + delay - time.monotonic()))
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    stopped = 0
    for folder, db, _delay, proc in runs:
        code, _ = outcome(proc, signal.SIGINT)
        stopped += code != 0
        assert hidden(folder) == [], folder  # no temporary file, no private folder left
        assert intact(db) > 0
    assert stopped > 0, "every run finished before it could be stopped: nothing was tried"


# The command has returned and the stop comes before the process is gone. Python's own
# shutdown puts every handler it ran back to the default, so a stop landing then killed the
# finished command (exit -2, no line); sent here at once, it met the handler that raises.
AFTER = """
import os, signal, sys, time
from pipeline_tui.launch import run
code = run(sys.argv[1:])
os.kill(os.getpid(), signal.SIG{name})
time.sleep(0.05)
sys.exit(code)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stop_after_the_command_is_done_leaves_it_done(tmp_path: Path, signum: int) -> None:
    db = pipeline(tmp_path / "p.db", deals=3)
    out = tmp_path / "deals.csv"
    starter = AFTER.format(name=signal.Signals(signum).name[3:])
    argv = ["--db", str(db), "export", "deals", "-o", str(out)]
    proc = subprocess.run([sys.executable, "-c", starter, *argv], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    assert (proc.returncode, proc.stderr.strip()) == (0, f"Wrote 3 deals to {out}.")
    assert len(out.read_text().splitlines()) == 4


@pytest.mark.parametrize(
    ("name", "signum"),
    [("export", signal.SIGTERM), ("backup", signal.SIGTERM), ("restore", signal.SIGTERM),
     ("import", signal.SIGTERM), ("export", signal.SIGHUP), ("restore", signal.SIGHUP)],
    ids=["export-SIGTERM", "backup-SIGTERM", "restore-SIGTERM", "import-SIGTERM", "export-SIGHUP",
         "restore-SIGHUP"],
)  # fmt: skip
def test_a_stop_signal_midway_leaves_no_temporary_file(tmp_path: Path, name: str, signum: int) -> None:
    """Stopped while its temporary file (or private folder) exists."""
    folder = tmp_path / "work"
    folder.mkdir()
    db = pipeline(folder / "p.db", deals=20)
    grow(db, 8)  # 5,120 deals with notes: a second of work, not milliseconds
    backup = pipeline(tmp_path / "backup.db", deals=20)
    grow(backup, 8)
    csv = tmp_path / "deals.csv"
    csv.write_text(
        "Deal Name,Deal Stage,Note\n" + "".join(f"Imported {n},Lead,{'x' * 200}\n" for n in range(10000))
    )
    before = intact(db)
    argv = [a.format(folder=folder, backup=backup, csv=csv) for a in COMMANDS[name]]
    for _attempt in range(4):  # a busy machine may let a run end before it is caught midway
        proc = start(["--db", str(db), *argv])
        deadline = time.monotonic() + 30
        signalled = False
        while proc.poll() is None and time.monotonic() < deadline:
            working = hidden(folder) or (name == "import" and Path(f"{db}-wal").exists() and
                                         Path(f"{db}-wal").stat().st_size > 1_000_000)  # fmt: skip
            if working:
                proc.send_signal(signum)
                signalled = True
                break
        code, _ = outcome(proc, signum)
        assert hidden(folder) == []
        # All or nothing: an import stopped after its commit is whole, one before is not there.
        after = intact(db)
        assert after in ((before, before + 10000) if name == "import" else (before,))
        for made in [p for p in folder.iterdir() if p.suffix == ".csv" or p.name == "copy.db"]:
            assert code == 0, made  # only a run that ended before the signal leaves its output
            made.unlink()
        if signalled and code == 128 + signum:
            return
        if after != before:
            break  # an import that committed: the next run would only update
    raise AssertionError("no run could be stopped midway")


def test_a_writer_stopped_by_a_signal_removes_its_temporary_file(tmp_path: Path) -> None:
    """In this process: the signal lands inside the writing itself."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    hook = sys.unraisablehook
    catch_signals()
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):

            def write(fh: object, signum: int = signum) -> None:
                fh.write("half a file")  # type: ignore[attr-defined]
                os.kill(os.getpid(), signum)

            with pytest.raises(Stopped):
                write_file(tmp_path / "out.csv", write)
            assert list(tmp_path.iterdir()) == []
            catch_signals()
    finally:
        sys.unraisablehook = hook
        for s, handler in previous.items():
            signal.signal(s, handler)


LOST_STOP = """
import os, signal, sys, time, weakref
from pipeline_tui.stopping import catch_signals, stop_in, stopped
catch_signals()
class Thing: pass
def callback():  # run by the collector: what it raises is printed and dropped by Python
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(10_000):
        pass
try:
    thing = Thing()
    weakref.finalize(thing, callback)
    del thing
    time.sleep(5)
    print("not stopped")
except BaseException as exc:
    sys.exit(stopped(stop_in(exc)))
"""


def test_a_stop_landing_where_python_drops_exceptions_is_not_lost() -> None:
    """ctrl+c inside a callback of the garbage collector or the import system: Python prints
    such an exception and drops it; the stop is sent again and lands in the command."""
    done = subprocess.run([sys.executable, "-c", LOST_STOP], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130 and done.stdout == "", (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [LINE[signal.SIGINT]], done.stderr


LOST_AGAIN = LOST_STOP.replace(
    "catch_signals()\n",
    """catch_signals()
from pipeline_tui import stopping
first = stopping._send_again
def slowly(signum):  # the machine is loaded: the stop sent again lands before the hook returns
    stopping._send_again = first
    first(signum)
    time.sleep(0.5)
stopping._send_again = slowly
""",
    1,
)


def test_a_stop_sent_again_that_lands_in_the_hook_is_sent_once_more() -> None:
    """On a loaded machine the stop sent again from the hook can land before the hook has
    returned, where Python drops it a second time: it is sent once more, and lands."""
    done = subprocess.run([sys.executable, "-c", LOST_AGAIN], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130 and done.stdout == "", (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [LINE[signal.SIGINT]], done.stderr


def test_a_stop_inside_a_clean_up_waits_for_it_to_end(tmp_path: Path) -> None:
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    hook = sys.unraisablehook
    catch_signals()
    finished = []
    try:
        with pytest.raises(Stopped), deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            for n in range(3):  # the signal has landed; the block still runs to its end
                (tmp_path / f"step{n}").write_text("done")
                finished.append(n)
    finally:
        sys.unraisablehook = hook
        for s, handler in previous.items():
            signal.signal(s, handler)
    assert finished == [0, 1, 2]


@pytest.mark.skipif(COMMAND is None, reason="the pipeline-tui command is not installed here")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_the_board_closes_on_a_stop_signal_and_gives_the_terminal_back(tmp_path: Path, signum: int) -> None:
    db = pipeline(tmp_path / "p.db", deals=3)
    term = Terminal([COMMAND or "pipeline-tui", "--db", str(db), "--today", TODAY.isoformat()])
    try:
        term.read_until(lambda out: b"Deal 2" in out, "the board")
        term.proc.send_signal(signum)
        code = term.wait(20)
    finally:
        term.close()
    out = bytes(term.output).decode("utf-8", "replace")
    assert code == 128 + signum
    assert "Traceback" not in out and LINE[signum] in out
    assert "\x1b[?1049l" in out  # the alternate screen was left

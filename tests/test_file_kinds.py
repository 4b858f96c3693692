"""Every file the app reads or replaces is judged by its kind first: a folder, a named pipe,
an anonymous pipe (a shell's process substitution), a socket, a character device
(/dev/null, /dev/zero), or a symbolic link to any of them is refused with one line, never
read (a pipe would hang the command, /dev/zero would fill memory) and never renamed,
moved or replaced; and a regular file is read only up to its reader's limit.

The commands run in this process (fast), under an alarm: a read that blocks fails the
test instead of hanging it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import builders
import pytest
from conftest import TODAY

from pipeline_tui.cli import main
from pipeline_tui.config import load_settings
from pipeline_tui.store import Store

Make = Callable[[Path], Path]


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: a Unix socket's path must fit in 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="pt-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    def hung(*_: object) -> None:
        raise AssertionError("the command blocked on a file (a pipe read without O_NONBLOCK?)")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def fifo(folder: Path) -> Path:
    path = folder / "fifo"
    os.mkfifo(path)
    return path


def unix_socket(folder: Path) -> Path:
    path = folder / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays
    return path


def directory(folder: Path) -> Path:
    path = folder / "dir.db"
    path.mkdir()
    return path


def anonymous_pipe(folder: Path) -> Path:
    """What `<(command)` gives: /dev/fd/N, a pipe with a writer that never writes."""
    read_end, write_end = os.pipe()
    _PIPES.extend([read_end, write_end])
    return Path(f"/dev/fd/{read_end}")


_PIPES: list[int] = []


def device(name: str) -> Make:
    def make(folder: Path) -> Path:
        return Path("/dev") / name

    return make


def link_to(make: Make) -> Make:
    def linked(folder: Path) -> Path:
        target = make(folder)
        link = folder / f"link-to-{target.name}"
        link.symlink_to(target)
        return link

    return linked


BASE: dict[str, Make] = {
    "named pipe": fifo,
    "socket": unix_socket,
    "folder": directory,
    "/dev/null": device("null"),
    "/dev/zero": device("zero"),
    "anonymous pipe": anonymous_pipe,
}
KINDS: dict[str, Make] = {
    **BASE,
    **{f"link to {k}": link_to(m) for k, m in BASE.items() if k != "anonymous pipe"},
}
WORDS = {"named pipe": "named pipe", "socket": "socket", "folder": "folder", "/dev/null": "character device",
         "/dev/zero": "character device", "anonymous pipe": "named pipe"}  # fmt: skip


def said(kind: str) -> str:
    return WORDS[kind.removeprefix("link to ")]


@pytest.fixture(autouse=True)
def close_pipes() -> Iterator[None]:
    yield
    while _PIPES:
        os.close(_PIPES.pop())


def fingerprint(path: Path) -> tuple[int, int, int]:
    info = path.lstat()
    return (info.st_mode, info.st_ino, info.st_dev)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_refusal(code: int, err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("pipeline-tui: error: "), (code, err)
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]


def pipeline(path: Path) -> Path:
    with Store.open(path) as store:
        builders.add(store, "Acme renewal", value=100_000)
    return path


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_db_that_is_not_a_file_is_refused_and_left_as_it_is(
    short_dir: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = KINDS[kind](short_dir)
    before = fingerprint(path)
    for command in (["list"], ["add", "New deal"], ["show", "1"]):
        code, _, err = run(capsys, "--db", path, *command)
        one_line_refusal(code, err, said(kind))
    assert fingerprint(path) == before
    assert not any(p.name.endswith(("-journal", "-wal", "-shm")) for p in short_dir.iterdir())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_restore_never_renames_or_replaces_what_is_not_a_file(
    short_dir: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = pipeline(tmp_path / "backup.db")
    path = KINDS[kind](short_dir)
    before = fingerprint(path)
    listing = sorted(p.name for p in short_dir.iterdir())
    code, _, err = run(capsys, "--db", path, "restore", backup, "--yes")
    one_line_refusal(code, err, said(kind), "nothing was restored")
    assert fingerprint(path) == before
    assert sorted(p.name for p in short_dir.iterdir()) == listing  # nothing renamed beside it


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_restore_from_what_is_not_a_file_is_refused(
    short_dir: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    live = pipeline(tmp_path / "live.db")
    before = live.read_bytes()
    code, _, err = run(capsys, "--db", live, "restore", KINDS[kind](short_dir), "--yes")
    one_line_refusal(code, err, said(kind))
    assert live.read_bytes() == before


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_import_from_what_is_not_a_file_is_refused(
    short_dir: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    live = pipeline(tmp_path / "live.db")
    code, _, err = run(capsys, "--db", live, "import", KINDS[kind](short_dir))
    one_line_refusal(code, err, said(kind))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_preferences_that_are_not_a_file_are_ignored_with_one_warning(
    short_dir: Path,
    tmp_path: Path,
    kind: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = KINDS[kind](short_dir)
    before = fingerprint(path)
    monkeypatch.setenv("PIPELINE_TUI_CONFIG", str(path))
    code, out, err = run(capsys, "--db", pipeline(tmp_path / "p.db"), "list")
    assert code == 0 and "Acme renewal" in out
    assert len(err.strip().splitlines()) == 1 and said(kind) in err and "default settings" in err, err
    # Saving a preference never replaces it either (the warning, then the refusal).
    code, _, err = run(capsys, "--db", tmp_path / "p.db", "config", "currency", "EUR")
    warning, refusal = err.strip().splitlines()
    assert code == 1 and refusal.startswith("pipeline-tui: error: ") and said(kind) in refusal, err
    assert fingerprint(path) == before


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(
    "command",
    [["export", "notes"], ["export", "deals"], ["report", "--csv"], ["report", "--markdown"],
     ["revisits", "--ics"], ["backup"]],
    ids=lambda c: " ".join(c),
)  # fmt: skip
def test_outputs_never_write_through_what_is_not_a_file(
    short_dir: Path, tmp_path: Path, kind: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    if kind == "anonymous pipe":
        pytest.skip("-o to a pipe the shell opened is standard output's job (-o -)")
    live = pipeline(tmp_path / "live.db")
    path = KINDS[kind](short_dir)
    before = fingerprint(path)
    force = ["--force"] if command != ["backup"] else []  # a backup never replaces anything
    code, _, err = run(capsys, "--db", live, *command, "-o", path, *force)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert fingerprint(path) == before
    assert not [p for p in short_dir.iterdir() if p.name.startswith(".")]  # no temporary file left


# ------------------------------------------------------------------- sizes


@pytest.mark.parametrize("size", [2 * 1024 * 1024, 64 * 1024 * 1024])
def test_preferences_larger_than_a_preferences_file_are_not_read(tmp_path: Path, size: int) -> None:
    path = tmp_path / "config.toml"
    with open(path, "wb") as fh:
        fh.write(b'currency = "EUR"\n')
        fh.truncate(size)  # sparse: big to stat and to read, cheap to make
    settings, warning = load_settings(path)
    assert settings.currency == "USD" and warning is not None and "larger than 1 MB" in warning


NESTED = {
    "arrays": lambda n: "a = " + "[" * n + "]" * n,
    "inline tables": lambda n: "a = " + "{b = " * n + "1" + "}" * n,
    "arrays of tables": lambda n: "a = " + "[{b = " * n + "1" + "}]" * n,
    "mixed": lambda n: "a = " + "[{b = [" * n + "]}]" * n,
}


@pytest.mark.parametrize("shape", sorted(NESTED))
@pytest.mark.parametrize("depth", [2_000, 50_000])
def test_deeply_nested_preferences_are_one_warning(tmp_path: Path, shape: str, depth: int) -> None:
    path = tmp_path / "config.toml"
    path.write_text('currency = "EUR"\n' + NESTED[shape](depth) + "\n")
    settings, warning = load_settings(path)
    assert settings.currency == "USD" and warning is not None
    assert "\n" not in warning and "default settings" in warning


@pytest.mark.parametrize("limit", [1024, 64 * 1024])
def test_an_import_larger_than_its_limit_is_refused_before_it_is_read_whole(
    tmp_path: Path, limit: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline_tui.importer import text_source

    monkeypatch.setattr(text_source, "MAX_BYTES", limit)
    path = tmp_path / "deals.csv"
    rows = "".join(f"Deal {n},Lead\n" for n in range(limit // 8))
    path.write_text("Deal Name,Deal Stage\n" + rows)
    assert path.stat().st_size > limit
    code, _, err = run(capsys, "--db", pipeline(tmp_path / "p.db"), "import", path, "--dry-run")
    one_line_refusal(code, err, "larger than")


def test_a_regular_file_behind_a_link_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = pipeline(tmp_path / "real.db")
    link = tmp_path / "link.db"
    link.symlink_to(real)
    code, out, _ = run(capsys, "--db", link, "--today", TODAY.isoformat(), "list")
    assert code == 0 and "Acme renewal" in out
    assert stat.S_ISLNK(link.lstat().st_mode)

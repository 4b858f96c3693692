"""Every file the app reads or replaces, judged by its kind before anything touches it.

Reading (the pipeline's header, the preferences, an import, a backup to restore): only a
regular file is read, through `open_regular`, which opens without blocking (a named pipe
never hangs the command), checks the kind of what it opened (a path swapped for a device
meanwhile is still refused) and reads at most a stated size (`/dev/zero` or a pipe of
600 MB never fills memory). Anything else is one line naming what the path is.

Writing (an export, a calendar, a report): the text goes to a temporary file beside the
target, which replaces it only when complete: a full disk or a stop (SIGTERM, ctrl+c)
leaves the old file and no temporary one. Only a regular file is ever replaced, and only
when the caller says so; a symbolic link, a device, a pipe or a folder is refused (standard
output is `-o -`), and never renamed, moved or replaced. A replaced file keeps its
permissions."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from pipeline_tui.display import safe
from pipeline_tui.errors import PipelineError
from pipeline_tui.stopping import deferred

MiB = 1024 * 1024


class NotRegularFile(PipelineError):
    """The path names something that is not a regular file (a folder, a pipe, a device, a
    socket); nothing was read from it or written to it."""

    def __init__(self, path: Path, kind: str, advice: str = "") -> None:
        shown = safe(str(path))
        tail = f"; {advice}" if advice else ""
        super().__init__(f"{shown} is {kind}, not a regular file{tail}.")
        self.path = path
        self.kind = kind


class TooLarge(PipelineError):
    """A file larger than its reader accepts."""


class TargetExists(PipelineError):
    """The file is there; replacing it needs the user's yes (or --force)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{safe(str(path))} already exists; add --force to replace it.")
        self.path = path


def kind_of(mode: int) -> str:
    """What a file of this mode is, in words ("a named pipe (FIFO)")."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a file"


def regular_or_absent(path: Path, *, advice: str = "") -> os.stat_result | None:
    """The stat of `path` (links followed) when it is a regular file, None when nothing is
    there (a dangling link counts as nothing); NotRegularFile for anything else."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:  # a file where a folder should be, no permission, a loop of links
        raise PipelineError(f"Cannot read {safe(str(path))}: {trouble(exc)}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(path, kind_of(info.st_mode), advice)
    return info


@contextlib.contextmanager
def open_regular(path: Path, *, advice: str = "") -> Iterator[BinaryIO]:
    """`path` opened for reading, only if it is a regular file: checked before opening (a
    device is never opened: some act on open) and again on what was opened, without
    blocking (a pipe with no writer would hang an ordinary open)."""
    if regular_or_absent(path, advice=advice) is None:
        raise FileNotFoundError(2, "No such file or directory", str(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    # A stop arriving while the descriptor passes to its file object waits for it: raised
    # inside fdopen, the half-made object closed the descriptor and closing it again here
    # turned the stop into "Bad file descriptor".
    with deferred():
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):  # swapped since the check
                raise NotRegularFile(path, kind_of(info.st_mode), advice)
            if hasattr(os, "set_blocking"):
                os.set_blocking(fd, True)
            fh = os.fdopen(fd, "rb")
        except BaseException:
            with contextlib.suppress(OSError):  # never in place of what is being raised
                os.close(fd)
            raise
    with fh:
        yield fh


def read_bytes(path: Path, *, limit: int, advice: str = "", what: str = "") -> bytes:
    """At most `limit` bytes of the regular file `path`; TooLarge when there are more (a
    file that grows while read is caught too, not only one whose size says so)."""
    with open_regular(path, advice=advice) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            f"{safe(str(path))} is larger than {_size(limit)}{' for ' + what if what else ''}; "
            "nothing was read."
        )
    return data


def read_head(path: Path, count: int) -> bytes:
    """The first `count` bytes of a regular file (a database header)."""
    with open_regular(path) as fh:
        return fh.read(count)


def copy_regular(path: Path, target: Path, *, advice: str = "") -> int:
    """Copy the regular file `path`, alone, to the new file `target` (created private,
    0600); returns the bytes copied."""
    copied = 0
    with open_regular(path, advice=advice) as src:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        with os.fdopen(fd, "wb") as dst:
            while chunk := src.read(MiB):
                dst.write(chunk)
                copied += len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    return copied


def trouble(exc: OSError) -> str:
    """What an OS error means for the person, told by its errno ("the disk is full")."""
    import errno

    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "the disk is full"
    if code == errno.EFBIG:
        return "a file-size limit was reached"
    if code == errno.EROFS:
        return "the disk is read-only"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EIO:
        return "the disk failed (input/output error)"
    return safe(exc.strerror or str(exc))


def _size(limit: int) -> str:
    return f"{limit // MiB:,} MB" if limit >= MiB else f"{limit // 1024:,} KB"


# ------------------------------------------------------------------- writing


def _remove(path: Path | None) -> None:
    """Remove a temporary file (a stop signal waits until it is gone)."""
    if path is not None:
        with deferred():
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def private_folder(parent: Path, prefix: str) -> Iterator[Path]:
    """A folder only this user can read, in `parent`, removed with what it holds when the
    block ends, however it ends (a stop signal waits for both)."""
    folder: Path | None = None
    try:
        with deferred():
            try:
                folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            except OSError as exc:
                raise PipelineError(
                    f"Cannot work in {safe(str(parent))}: {trouble(exc)}; nothing was changed."
                ) from None
        yield folder
    finally:
        if folder is not None:
            with deferred():
                shutil.rmtree(folder, ignore_errors=True)


def check_target(target: Path) -> os.stat_result | None:
    """The target's stat if it is an existing regular file, None if absent; refuses the rest."""
    shown = safe(str(target))
    if target.is_symlink():
        raise PipelineError(
            f"{shown} is a symbolic link; nothing was written "
            "(give the file it points to, or -o - for standard output)."
        )
    try:
        info = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise PipelineError(f"The folder {safe(str(target.parent))} does not exist.") from None
        return None
    except OSError as exc:
        raise PipelineError(f"Cannot use {shown}: {exc.strerror}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise PipelineError(f"{shown} is a folder; give a file name.")
    if not stat.S_ISREG(info.st_mode):
        raise PipelineError(
            f"{shown} is {kind_of(info.st_mode)}, not a regular file; nothing was written "
            "(use -o - for standard output)."
        )
    return info


SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _never_a_database(path: Path, existing: os.stat_result | None) -> None:
    """An export, a report or a calendar never replaces a SQLite file (the pipeline itself, a
    backup) nor the files SQLite keeps beside one, even when told to replace what is there:
    a mistyped or tab-completed -o would lose the whole pipeline."""
    side = next((s for s in SQLITE_SIDE_FILES if path.name.endswith(s)), "")
    main = path.with_name(path.name.removesuffix(side)) if side else path
    try:
        is_db = (existing is not None or side != "") and read_head(main, 16) == SQLITE_HEADER
    except (OSError, PipelineError):  # nothing there, or not a file: not a database
        is_db = False
    if is_db:
        what = (
            "a SQLite database (a pipeline or a backup)"
            if not side
            else f"a file SQLite keeps beside {main.name}"
        )
        raise PipelineError(
            f"{safe(str(path))} is {what}; nothing was written, even with --force. Choose another file name."
        )


def write_file(
    target: str | os.PathLike[str],
    write: Callable[[Any], object],
    *,
    replace: bool = False,
    binary: bool = False,
) -> Path:
    """Write text through `write(fh)` to `target` (UTF-8, newlines as written); with
    `binary`, bytes (a workbook)."""
    path = Path(target).expanduser()
    existing = check_target(path)
    _never_a_database(path, existing)
    if existing is not None and not replace:
        raise TargetExists(path)
    tmp: Path | None = None
    try:
        with deferred():  # a stop signal waits until the temporary file is known to clean up
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if existing is not None:
            os.chmod(tmp, stat.S_IMODE(existing.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        check_target(path)  # still a regular file (or nothing): never replace anything else
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        verb = "write" if tmp is not None else "write in the folder of"
        raise PipelineError(
            f"Cannot {verb} {safe(str(path))}: {trouble(exc)}; nothing was written."
        ) from None
    except BaseException:
        _remove(tmp)
        raise
    return path

"""Writing a file the user named (an export, a calendar, a report) without surprises.

The text goes to a temporary file beside the target, which replaces it only when complete:
a full disk leaves the old file. Only a regular file is ever replaced, and only when the
caller says so; a symbolic link, a device or a folder is refused (standard output is
`-o -`). A replaced file keeps its permissions."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline_tui.display import safe
from pipeline_tui.errors import PipelineError


class TargetExists(PipelineError):
    """The file is there; replacing it needs the user's yes (or --force)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{safe(str(path))} already exists; add --force to replace it.")
        self.path = path


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
            f"{shown} is not a regular file (a device or a pipe); nothing was written "
            "(use -o - for standard output)."
        )
    return info


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
    if existing is not None and not replace:
        raise TargetExists(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PipelineError(f"Cannot write {safe(str(path))}: {exc.strerror}; nothing was written.") from None
    tmp = Path(tmp_name)
    try:
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
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PipelineError(
            f"Cannot write {safe(str(path))}: {exc.strerror or exc}; nothing was written."
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

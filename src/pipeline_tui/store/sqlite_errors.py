"""What SQLite's errors mean for the seller: one line per trouble, told by SQLite's (extended)
result code, so a full disk, a read-only file, a lock, a permission and damage each name their
own fix, and only damage asks for a backup."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from pipeline_tui.display import safe
from pipeline_tui.errors import DatabaseFileError, UnknownSchemaError

# SQLite's primary result codes (the low byte of an extended code).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN = 10, 11, 13, 14
SQLITE_AUTH, SQLITE_NOTADB = 23, 26
_READ_ERRORS = {SQLITE_IOERR | (1 << 8), SQLITE_IOERR | (2 << 8)}  # IOERR_READ, IOERR_SHORT_READ
_ENVIRONMENT = {SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL,
                SQLITE_CANTOPEN, SQLITE_AUTH}  # fmt: skip


def code_of(exc: sqlite3.Error) -> int:
    """SQLite's extended result code for the error (0 when it carries none: one raised by
    hand, not by SQLite)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else 0


def is_environment(exc: sqlite3.Error) -> bool:
    """The trouble is the disk, the permissions or another process, not the file."""
    return code_of(exc) & 0xFF in _ENVIRONMENT


def sqlite_trouble(path: Path, exc: sqlite3.Error, *, immutable: bool = False) -> DatabaseFileError:
    """The one line for an error SQLite raised on `path`, told by its (extended) result
    code: a full disk, a read-only file, a lock, a permission and damage are different
    troubles with different fixes, and only damage asks for a backup."""
    code = code_of(exc)
    primary = code & 0xFF
    shown = safe(str(path))
    said = safe(str(exc))
    if "unsafe use of" in str(exc):  # PRAGMA trusted_schema = OFF refused what the schema calls
        return UnknownSchemaError(
            f"{shown} was changed outside pipeline-tui ({said}): its schema calls a function "
            "pipeline-tui never puts there, so nothing was opened. If you trust the file otherwise, "
            "`pipeline-tui repair` removes unknown triggers and indexes after keeping a copy."
        )
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        if immutable:
            return DatabaseFileError(
                f"{shown} changed while it was read ({said}): it is read-only for you and another "
                "user is writing to it. Nothing was changed; run the command again."
            )
        return DatabaseFileError(
            f"{shown} is damaged or not a database ({said}); nothing was changed. Restore a "
            "backup with `pipeline-tui restore FILE`."
        )
    if primary == SQLITE_FULL:
        return DatabaseFileError(
            f"The disk holding {shown} is full (or a file-size limit was reached); nothing was "
            "changed and the pipeline is intact. Free some space and try again."
        )
    if primary == SQLITE_IOERR:
        doing = "reading" if code in _READ_ERRORS else "writing"
        return DatabaseFileError(
            f"The disk failed while {doing} {shown} ({said}); nothing was changed. The disk may be "
            "full, removed or failing: check it, then try again."
        )
    if primary == SQLITE_READONLY:
        return DatabaseFileError(
            f"{shown} cannot be written ({said}): the file, its folder or the disk is read-only; "
            "nothing was changed. Add --read-only to look at it."
        )
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseFileError(
            f"{shown} is locked by another process; nothing was changed. Try again when it is done."
        )
    if primary in (SQLITE_PERM, SQLITE_AUTH, SQLITE_CANTOPEN):
        why = _cannot_open_why(path)
        return DatabaseFileError(f"Cannot open {shown}: {why}; nothing was changed.")
    return DatabaseFileError(f"Cannot use {shown}: {said}; nothing was changed.")


def _cannot_open_why(path: Path) -> str:
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {safe(str(folder))} does not exist"
    if path.exists() and not os.access(path, os.R_OK):
        return "permission denied (the file is not readable for you)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"permission denied (the folder {safe(str(folder))} is not writable for you)"
    return "permission denied, or too many open files"


def damaged(path: Path, exc: sqlite3.Error, *, immutable: bool = False) -> DatabaseFileError:
    """The one-line message for an error SQLite raised on the file (see `sqlite_trouble`)."""
    return sqlite_trouble(path, exc, immutable=immutable)

"""Stopping a command: what SIGINT (ctrl+c), SIGTERM and SIGHUP do to it.

- ctrl+c (SIGINT), at any point of any command, ends it with one line and exit code 130;
- SIGTERM and SIGHUP (a closed terminal, a shutdown) unwind the same way (exit 143, 129),
  so every `finally` runs: no export, backup, restore or import leaves a hidden temporary
  file behind, and an open transaction is rolled back;
- while a command unwinds, a second signal is ignored, and inside `deferred()` (making or
  removing a temporary file or folder) a signal waits for the block to end: a clean-up is
  never cut short, and nothing is made that its clean-up does not know of.

Nothing here runs at import time: `launch.run` installs the handlers before it imports
the rest of the app."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

PROG = "pipeline-tui"
STOPPING = (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))


class Stopped(BaseException):
    """A signal asked the command to stop (raised where it was, so clean-ups run)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def code(self) -> int:
        return 128 + self.signum

    @property
    def said(self) -> str:
        name = "ctrl+c" if self.signum == signal.SIGINT else signal.Signals(self.signum).name
        return f"{PROG}: stopped ({name}); nothing was left half-done."


def quiet() -> None:
    """From now on the command is ending: further signals wait (are ignored).

    Also called once a command has returned: Python's own shutdown puts every signal
    handled in Python back to the default (which kills the process), so a ctrl+c landing
    then would end a finished command with no line and exit code -2 instead of 0."""
    for signum in STOPPING:
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            signal.signal(signum, signal.SIG_IGN)


_deferring = 0  # nesting of `deferred` blocks
_pending: list[int] = []  # a signal that arrived inside one


def _raise(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _stop(signum: int, frame: FrameType | None) -> None:
    if _within(frame, _unraisable):  # the stop sent again landed in the hook itself: again
        _send_again(signum)
        return
    quiet()
    if _deferring:
        _pending.append(signum)
        return
    _raise(signum)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A stop signal arriving inside the block takes effect when it ends."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending:
            _raise(_pending.pop())


def _unraisable(unraisable: Any) -> None:
    """A stop raised where Python cannot raise it (a callback of the garbage collector or of
    the import system, whose exceptions are printed and dropped): sent again a moment later,
    so it lands in the command itself, instead of a traceback printed and the stop lost."""
    exc = unraisable.exc_value
    if isinstance(exc, (KeyboardInterrupt, Stopped)):
        _send_again(exc.signum if isinstance(exc, Stopped) else signal.SIGINT)
        return
    sys.__unraisablehook__(unraisable)


def _send_again(signum: int) -> None:
    """The stop, a moment from now (from another thread: it lands where the command is)."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signum, _stop)
    again = threading.Timer(0.01, os.kill, (os.getpid(), signum))
    again.daemon = True  # a command that ends first has simply finished
    again.start()


def _within(frame: FrameType | None, function: Any) -> bool:
    """Whether `frame` runs inside `function` (a call it made, at any depth). On a loaded
    machine the stop sent again can land before the hook has returned, where Python would
    print and drop it once more."""
    code = function.__code__
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def catch_signals() -> None:
    """Turn SIGINT, SIGTERM and SIGHUP into exceptions raised where the command is."""
    for signum in STOPPING:
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            signal.signal(signum, _stop)
    sys.unraisablehook = _unraisable


def stop_in(exc: BaseException) -> BaseException | None:
    """The ctrl+c or stop signal behind `exc`, if any: Python wraps an exception raised at
    some points (a class being made while a module is imported) in another one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (KeyboardInterrupt, Stopped)):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def stopped(exc: BaseException) -> int:
    """Say in one line that the command was stopped; the exit code."""
    quiet()
    if isinstance(exc, KeyboardInterrupt):
        exc = Stopped(signal.SIGINT)
    assert isinstance(exc, Stopped)
    try:
        sys.stderr.write(exc.said + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return exc.code

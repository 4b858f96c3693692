"""What the App is wired with besides its screens: the pipeline's revision the screens
follow, the messages it said, stop signals, and the collector settled after the first paint."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline_tui.operations import Done

_GC_SETTLED = False  # start-up objects are moved out of the collector's way once a process
MESSAGES_KEPT = 50


@dataclass(frozen=True)
class Revision:
    """The pipeline as the app last knew it: bumped by every change made here (`done`) or
    seen from another process (`done` None). Screens watch it and follow."""

    number: int = 0
    done: Done | None = None
    restores: int = 0  # restores seen from another process: what was shown is another pipeline


@dataclass(frozen=True)
class Said:
    """One message the app showed the seller (on the key bar's message line, which keeps
    the last one; dimmed after `timeout` seconds)."""

    text: str
    severity: str = "information"
    title: str = ""
    timeout: float = 5.0


def catch_stop_signals(stop: Callable[[int], None]) -> None:
    """SIGTERM or SIGHUP (a shutdown, a closed terminal) call `stop` with the signal's number,
    in the running loop (not where the signal lands)."""
    import asyncio
    import contextlib
    import signal

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # Windows, a thread
            loop.add_signal_handler(signum, stop, int(signum))


def runner(target: Any, action: str) -> Callable[[], Any]:
    def run() -> Any:
        return target.run_action(action)

    return run


def settle_gc() -> None:
    """After the first paint, move start-up objects out of the collector's way (once a
    process): long collections over them would otherwise stall a keypress now and then."""
    global _GC_SETTLED
    if _GC_SETTLED:
        return
    _GC_SETTLED = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)

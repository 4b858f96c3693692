"""A desktop notification, where a desktop session exists (`pipeline-tui today --notify`).

desktop-notifier speaks to the desktop's notification service (D-Bus on Linux and the BSDs,
the Notification Center on macOS, WinRT on Windows). It is imported only here, when a
notification is asked for: the rest of the command line never pays for it. Where there is no
desktop (an ssh session, cron without a session bus) or the desktop does not answer, the
caller prints the agenda instead and says why."""

from __future__ import annotations

import asyncio
import logging
import os
import platform
from pathlib import Path

ANSWER_S = 10.0  # a desktop that does not answer by then is taken as absent


def no_desktop() -> str | None:
    """Why no notification can be shown here, or None when a desktop session may exist."""
    if platform.system() in ("Darwin", "Windows"):
        return None
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime, "bus").exists():
        return None
    return "there is no desktop session here (no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set)"


def send(title: str, body: str) -> str | None:
    """Show a notification; None once the desktop took it, else why it was not shown."""
    why = no_desktop()
    if why:
        return why
    try:
        from desktop_notifier import DesktopNotifier
    except ImportError:  # installed without its dependencies
        return "the desktop-notifier package is not installed (pip install desktop-notifier)"

    failures: list[str] = []
    dispatched: list[bool] = []

    class Failed(logging.Handler):
        """desktop-notifier logs a failure instead of raising it: keep what it says."""

        def emit(self, record: logging.LogRecord) -> None:
            error = record.exc_info[1] if record.exc_info else None
            failures.append(str(error) or type(error).__name__ if error else record.getMessage())

    async def deliver() -> None:
        notifier = DesktopNotifier(app_name="pipeline-tui")
        await notifier.send(title=title, message=body, on_dispatched=lambda: dispatched.append(True))

    handler = Failed(logging.WARNING)
    logger = logging.getLogger("desktop_notifier")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # said once, by the caller
    try:
        asyncio.run(asyncio.wait_for(deliver(), ANSWER_S))
    except TimeoutError:
        return f"the desktop did not answer within {ANSWER_S:.0f} s"
    except Exception as exc:  # whatever the platform's service raised: said, not a traceback
        return f"the desktop refused it ({exc or type(exc).__name__})"
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    if failures or not dispatched:
        return f"the desktop refused it ({failures[0] if failures else 'no answer'})"
    return None

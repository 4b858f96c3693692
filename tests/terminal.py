"""Run the installed command in a pseudo-terminal and read every byte it writes: what a real
terminal would receive (escape sequences included), for tests that must see them."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

COMMAND = shutil.which("pipeline-tui", path=str(Path(sys.executable).parent)) or shutil.which("pipeline-tui")


class Terminal:
    """A process on a pty: `read_until`, `send`, then `close` for what it wrote in all."""

    def __init__(
        self, argv: list[str], *, env: dict[str, str] | None = None, size: tuple[int, int] = (100, 30)
    ):
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, start_new_session=True
        )
        os.close(slave)
        self.output = bytearray()

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the process ended and the pty closed
                chunk = b""
            self.output += chunk

    def read_until(self, check: Callable[[bytes], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(bytes(self.output)):
                return
            self._pump(0.1)
            if self.proc.poll() is not None:
                self._pump(0.1)
                if check(bytes(self.output)):
                    return
                raise AssertionError(f"the command ended ({self.proc.returncode}) before {what}")
        raise AssertionError(f"timed out waiting for {what}")

    def settle(self, seconds: float) -> None:
        """Keep reading for a while (the app draws, the terminal parser times out)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._pump(0.05)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._pump(0.1)
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise AssertionError("the command did not end")
        for _ in range(5):
            self._pump(0.05)
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)

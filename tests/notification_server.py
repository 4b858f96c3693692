# ruff: noqa: F722, F821, N802, A002
# (dbus-fast reads D-Bus signatures from the annotations, and the method names are the spec's)
"""A desktop's notification service, for the tests: it owns org.freedesktop.Notifications on
the session bus it is given (a real D-Bus daemon the test starts) and writes each
notification it receives to a file, one JSON object a line.

    python notification_server.py LOG   (DBUS_SESSION_BUS_ADDRESS set)
"""

import asyncio  # no `from __future__ import annotations`: dbus-fast reads the signatures
import json
import sys

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal


class Notifications(ServiceInterface):
    def __init__(self, log: str) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.log = log
        self.count = 0

    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self.count += 1
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"app": app_name, "summary": summary, "body": body}) + "\n")
        return self.count

    @method()
    def CloseNotification(self, id: "u"):
        return None

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["test", "pipeline-tui", "1", "1.2"]

    @signal()
    def NotificationClosed(self) -> "uu":
        return [0, 0]

    @signal()
    def ActionInvoked(self) -> "us":
        return [0, ""]


async def main(log: str) -> None:
    bus = await MessageBus().connect()
    bus.export("/org/freedesktop/Notifications", Notifications(log))
    await bus.request_name("org.freedesktop.Notifications")
    print("ready", flush=True)
    await bus.wait_for_disconnect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

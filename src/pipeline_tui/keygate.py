"""Keys are handled one at a time, each against the state the user saw when pressing it.

Textual routes a key to the focused widget as soon as the app reads it, but the widget
handles it later, in its own queue; and `Widget.focus()` only takes effect once the app
processes a callback. In a burst (a fast typist, an ssh session, a paste of keystrokes),
the keys after `n` would reach the board instead of the new-deal form, a Tab would land
after the text typed behind it, and a second `>` would act on whichever card slid under
the cursor.

The gate holds every key (and paste) the app receives until the previous one has been
handled completely: the widget that got it and its ancestors have processed everything
it caused, focus has settled, and a screen it opened is mounted with its first field
focused. Only then is the next key routed, to whatever has focus now. Waiting is done in
rounds of callbacks posted to the app and to each node on the focus path, so it never
blocks the event loop; a cap on the rounds keeps a widget that never settles (a blinking
cursor, a timer) from holding keys for long.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump

MIN_ROUNDS = 2
MAX_ROUNDS = 40


class AfterKeys(events.Event):
    """Run a callback in key order: after every key the app received before it, and before
    any received after (a script or a test that moves focus between bursts of keys)."""

    def __init__(self, callback: Callable[[], object]) -> None:
        super().__init__()
        self.callback = callback


class KeyGate(App[Any]):
    """An App whose keys are handled strictly in order (mix in before App)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate_queue: deque[events.Event] = deque()
        self._gate_busy = False
        self._gate_typed = False  # characters were routed to a field without settling
        self._gate_holds = 0  # while > 0 (a write waiting for the lock), keys wait
        self._gate_round = 0
        self._gate_state: tuple[int, int, bool] | None = None
        self.keys_routed = 0  # for tests and the benchmark

    # ------------------------------------------------------------------ entry

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, AfterKeys) or (
            isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded
        ):
            self._gate_queue.append(event)
            if not self._gate_busy:
                await self._gate_next()
            return
        await super().on_event(event)

    def hold_keys(self) -> None:
        """Keep typed keys waiting (e.g. while a change waits for another writer)."""
        self._gate_holds += 1

    def release_keys(self) -> None:
        self._gate_holds = max(0, self._gate_holds - 1)
        if not self._gate_holds and not self._gate_busy and self._gate_queue:
            self.call_later(self._gate_next)

    def drop_typed_ahead(self) -> int:
        """Forget the keys typed after the one being handled: they were typed for what the
        user expected to see next, and a key just refused says that is not what they got.
        Returns how many were dropped."""
        kept: deque[events.Event] = deque(e for e in self._gate_queue if isinstance(e, AfterKeys))
        dropped = len(self._gate_queue) - len(kept)
        self._gate_queue = kept
        return dropped

    # ---------------------------------------------------------------- routing

    async def _gate_next(self) -> None:
        if self._gate_busy or self._gate_holds or not self._gate_queue:
            return
        while self._gate_queue and not self._gate_holds:
            event = self._gate_queue[0]
            typing = self._is_typing(event)
            if not typing and self._gate_typed:
                # Characters went to a field without waiting: let the field take them all
                # before a key that may read it (ctrl+s saves what the field holds).
                self._gate_typed = False
                self._gate_busy = True
                self._start_settling()
                return
            self._gate_queue.popleft()
            self._gate_busy = True
            try:
                if isinstance(event, AfterKeys):
                    event.callback()
                else:
                    await super().on_event(event)  # priority bindings, else forwarded to the focus
            finally:
                self.keys_routed += 1
            if typing:
                # A character typed into a text field stays there and moves nothing: the
                # next character can follow it into the same queue at once.
                self._gate_typed = True
                self._gate_busy = False
                continue
            self._start_settling()
            return
        if self._gate_typed and not self._gate_queue:
            self._gate_typed = False
            self._gate_busy = True
            self._start_settling()
            return
        self._gate_busy = False

    def _start_settling(self) -> None:
        self._gate_round = 0
        self._gate_state = None
        self._settle_round()

    def _is_typing(self, event: events.Event) -> bool:
        """A printable character (or a paste) for a focused text field, which no binding
        takes: the field inserts it, nothing else happens."""
        from textual.widgets import Input, TextArea

        try:
            focused = self.screen.focused
        except Exception:
            return False
        if not isinstance(focused, (Input, TextArea)):
            return False
        if isinstance(event, events.Paste):
            return True
        if not isinstance(event, events.Key) or not event.is_printable:
            return False
        return event.key not in self.screen.active_bindings

    def _path(self) -> list[MessagePump]:
        """The nodes whose queues decide where the next key goes: the screen, the focused
        widget and its ancestors."""
        try:
            screen = self.screen
        except Exception:
            return []
        nodes: list[MessagePump] = [screen]
        node: DOMNode | None = screen.focused
        while node is not None and node is not screen:
            nodes.append(node)
            node = node.parent
        return nodes

    def _state(self) -> tuple[int, int, bool]:
        try:
            screen = self.screen
        except Exception:
            return (0, 0, True)
        return (id(screen), id(screen.focused), screen.is_mounted)

    def _settle_round(self) -> None:
        nodes: list[MessagePump] = [self, *self._path()]
        pending = 0

        def done() -> None:
            nonlocal pending
            pending -= 1
            if pending == 0:
                self.call_later(self._after_round)

        for node in nodes:
            if node.call_later(done):
                pending += 1
        if pending == 0:
            self._release()

    def _after_round(self) -> None:
        self._gate_round += 1
        state = self._state()
        busy_path = any(node.message_queue_size for node in self._path())
        settled = self._gate_round >= MIN_ROUNDS and not busy_path and state == self._gate_state and state[2]
        self._gate_state = state
        if settled or self._gate_round >= MAX_ROUNDS:
            self._release()
        else:
            self._settle_round()

    def _release(self) -> None:
        self._gate_busy = False
        if self._gate_queue and not self._gate_holds:
            self.call_later(self._gate_next)

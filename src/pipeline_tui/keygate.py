"""Keys are handled one at a time, each against the state the user saw when pressing it.

Textual routes a key to the focused widget as soon as the app reads it, but the widget
handles it later, in its own queue, and a binding runs later still, once the key has
bubbled up to the app. In a burst (a fast typist, an ssh session, keys sent by a script),
the keys after `n` would reach the board instead of the new-deal form, a Tab would land
after the text typed behind it, and a second `>` would act on whichever card slid under
the cursor.

The gate is a component the App consults for every key, paste and click it receives (it is
not the App's base class and replaces nothing of Textual's routing): it holds each one
until the one before has been handled, then hands it to Textual's own routing, to whatever
has focus at that moment.

- Handled means: the nodes the key travels through (the focused widget, its ancestors,
  the screen, the app) have processed everything it caused, and focus stayed put for a
  round. A character typed into a text field needs no wait: the next one follows it into
  the same queue.
- A flow that opens a form says so (`expect`): the next key waits until that form is on
  screen with its first field focused.
- While a change waits for another process's write lock, keys wait too (`hold`), in order.
- Quit (ctrl+q, ctrl+c) and the command palette (ctrl+p, and the keys typed into it) always
  pass at once.
- A click waits behind the keys typed before it, so it acts on what they left on screen.
- A paste is text: its control characters go into the field as visible marks (`paste`;
  the driver's parser never turns a paste's escape sequences into keys).
- After a refused key (`refuse`), every key is dropped until the keyboard has been quiet
  for a moment: keys typed after a mistake were meant for something the user did not get.

Waiting is done in rounds of callbacks posted to the app and to each node on the focus
path, so it never blocks the event loop; a cap on the rounds keeps a widget that never
settles (a timer, a blinking cursor) from holding keys for long.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import Screen

from pipeline_tui.paste import one_line, visible

MIN_ROUNDS = 2  # a round to see where the key went, one to see that nothing moved since
MAX_ROUNDS = 40  # a key whose path never settles (a timer on it) waits no longer
MAX_FORM_ROUNDS = 400  # a form being composed and focused: a few frames at most
QUIET_S = 0.3  # after a refused key, keys are dropped until the keyboard is this quiet
PASSING = frozenset({"ctrl+q", "ctrl+c", "ctrl+p"})  # quit and the palette never wait

Route = Callable[[events.Event], Awaitable[None]]


def invisible_letter(event: events.Key) -> bool:
    """A typed character that is part of the text though it has no width (a zero-width
    joiner inside an emoji, a direction mark in a Hebrew name): Textual's fields take only
    printable keys, and dropped them; let through as a paste of itself."""
    char = event.character
    return char is not None and len(char) == 1 and unicodedata.category(char) == "Cf" and char != "\ufeff"


def escape_then_key(event: events.Key) -> bool:
    """Escape and a key typed quickly after it (or over a slow link) arrive together, as a
    terminal writes alt+key: the app binds no alt+letter, so it is what was typed, escape
    and then the key (as a terminal editor reads it), not a key refused under the plain
    key's name."""
    char = event.character
    return event.key.startswith("alt+") and char is not None and len(char) == 1 and char.isprintable()


class KeyGate:
    """Orders the keys, pastes and clicks an App receives (see the module docstring)."""

    def __init__(self, app: App[Any], route: Route, *, clock: Callable[[], float] = monotonic) -> None:
        self.app = app
        self._route = route  # Textual's own routing of an input event
        self._clock = clock
        self._queue: deque[events.Event] = deque()
        self._busy = False  # a key is on its way, or the gate waits for one to be handled
        self._typed = False  # characters went to a field without waiting for each
        self._holds = 0  # while > 0 (a write waiting for the lock), keys wait
        self._round = 0
        self._state: tuple[int, int, bool] | None = None
        self._expected: Screen[Any] | None = None  # a form a flow opened: wait for it
        self._dropping_until = 0.0  # after a refused key: drop keys until then
        self.dropped = 0  # keys dropped since the last refusal

    # ------------------------------------------------------------------ entry

    @property
    def idle(self) -> bool:
        """No key waiting and none on its way."""
        return not self._busy and not self._queue

    def admit(self, event: events.Event) -> bool:
        """Called by the App for each event it receives: True when the gate took it (it is
        routed later, in order), False to let Textual route it now."""
        if event.is_forwarded:
            return False
        if isinstance(event, events.Key):
            if event.key in PASSING or self._in_palette():
                return False
            if self._dropping(event):
                return True
            if invisible_letter(event):  # typed into a field as it is, like a paste
                event = events.Paste(event.character or "")
            elif escape_then_key(event):
                plain = events.Key(event.key.removeprefix("alt+"), event.character)
                self._queue.append(events.Key("escape", "\x1b"))
                event = plain
        elif isinstance(event, events.Paste):
            event.text = visible(event.text)  # a pasted control sequence is text, shown as marks
            if self._dropping(event):
                return True
        elif isinstance(event, (events.MouseDown, events.MouseUp)):
            if self.idle and not self._holds:
                return False  # nothing typed ahead of it: a click acts at once
        else:
            return False
        self._queue.append(event)
        if not self._busy:
            self.app.call_later(self._next)
        return True

    def _dropping(self, event: events.Event) -> bool:
        now = self._clock()
        if now >= self._dropping_until:
            return False
        self._dropping_until = now + QUIET_S  # the burst goes on: so does the quiet wait
        self.dropped += 1
        return True

    def _in_palette(self) -> bool:
        """The command palette is open: its keys pass (ctrl+p passed to open it; escape and
        what is typed into it must not wait behind a change waiting for a lock)."""
        from textual.command import CommandPalette

        try:
            return isinstance(self.app.screen, CommandPalette)
        except Exception:  # no screen yet, or the app is closing
            return False

    def hold(self) -> None:
        """Keep typed keys waiting (a change waiting for another writer's lock)."""
        self._holds += 1

    def release(self) -> None:
        self._holds = max(0, self._holds - 1)
        if not self._holds and not self._busy and self._queue:
            self.app.call_later(self._next)

    def expect(self, screen: Screen[Any]) -> None:
        """A flow opened `screen` (a form): the keys after the one that opened it go to it
        once it shows with its first field focused."""
        self._expected = screen

    def refuse(self) -> int:
        """A key was refused (it does nothing where it was pressed): drop the keys waiting
        behind it and those still arriving in the same burst, until the keyboard has been
        quiet for QUIET_S. Returns how many were waiting."""
        keys = [e for e in self._queue if isinstance(e, (events.Key, events.Paste))]
        self._queue = deque(e for e in self._queue if not isinstance(e, (events.Key, events.Paste)))
        self._dropping_until = self._clock() + QUIET_S
        self.dropped = len(keys)
        return len(keys)

    # ---------------------------------------------------------------- routing

    async def _next(self) -> None:
        if self._busy or self._holds or not self._queue:
            return
        while self._queue and not self._holds:
            event = self._queue[0]
            typing = self._is_typing(event)
            if not typing and self._typed:
                # Characters went to a field without waiting: let the field take them all
                # before a key that may read it (ctrl+s saves what the field holds).
                self._typed = False
                self._settle()
                return
            self._queue.popleft()
            self._busy = True
            if isinstance(event, events.Paste) and self._one_line():  # the field it goes to now
                event.text = one_line(event.text)
            await self._route(event)
            if typing:
                self._typed = True
                self._busy = False
                continue
            self._settle()
            return
        if self._typed and not self._queue:
            self._typed = False
            self._settle()
            return
        self._busy = False

    def _is_typing(self, event: events.Event) -> bool:
        """A printable character (or a paste) for a focused text field, which no binding
        takes: the field inserts it, nothing else happens."""
        from textual.widgets import Input, TextArea

        try:
            screen = self.app.screen
        except Exception:  # no screen yet, or the app is closing
            return False
        if not isinstance(screen.focused, (Input, TextArea)):
            return False
        if isinstance(event, events.Paste):
            return True
        if not isinstance(event, events.Key) or not event.is_printable:
            return False
        return event.key not in screen.active_bindings

    def _one_line(self) -> bool:
        """Whether the field a paste goes to now holds one line (an Input keeps only a
        paste's first line)."""
        from textual.widgets import Input

        try:
            return isinstance(self.app.screen.focused, Input)
        except Exception:  # no screen yet, or the app is closing
            return False

    # --------------------------------------------------------------- settling

    def _path(self) -> list[MessagePump]:
        """The nodes whose queues decide where the next key goes: the screen, the focused
        widget and its ancestors."""
        try:
            screen = self.app.screen
        except Exception:
            return []
        nodes: list[MessagePump] = [screen]
        node: DOMNode | None = screen.focused
        while node is not None and node is not screen:
            nodes.append(node)
            node = node.parent
        return nodes

    def _screen_state(self) -> tuple[int, int, bool]:
        try:
            screen = self.app.screen
        except Exception:
            return (0, 0, True)
        return (id(screen), id(screen.focused), screen.is_mounted)

    def _settle(self) -> None:
        self._busy = True
        self._round = 0
        self._state = None
        self._settle_round()

    def _settle_round(self) -> None:
        nodes: list[MessagePump] = [self.app, *self._path()]
        pending = 0

        def done() -> None:
            nonlocal pending
            pending -= 1
            if pending == 0:
                self.app.call_later(self._after_round)

        for node in nodes:
            if node.call_later(done):
                pending += 1
        if pending == 0:
            self._open()

    def _after_round(self) -> None:
        self._round += 1
        state = self._screen_state()
        quiet = not any(node.message_queue_size for node in self._path())
        handled = self._round >= MIN_ROUNDS and quiet and state == self._state and state[2]
        self._state = state
        expected = self._expected
        ready = expected is None or self._form_ready(expected)
        limit = MAX_ROUNDS if expected is None else MAX_FORM_ROUNDS
        if (handled and ready) or self._round >= limit:
            self._expected = None
            self._open()
        else:
            self._settle_round()

    def _form_ready(self, screen: Screen[Any]) -> bool:
        """The form is on top, mounted, with a field focused (or it is gone already)."""
        if screen not in self.app.screen_stack:
            return True  # closed already (escape typed ahead)
        return self.app.screen is screen and screen.is_mounted and screen.focused is not None

    def _open(self) -> None:
        self._busy = False
        if self._queue and not self._holds:
            self.app.call_later(self._next)

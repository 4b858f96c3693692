"""A paste is text, never keys.

A terminal marks a paste (bracketed paste: `ESC [200~` … `ESC [201~`), so a program can
tell it from typing. Textual's input parser ends the paste at the first ESC inside it: the
rest of the paste arrives as keys, before the paste itself. Pasting `text<ESC>w` on the
board would then mark the focused deal won, and a pasted title holding an escape sequence
would be saved scrambled.

`PasteGuard` sits in front of the parser: inside a paste, every ESC that does not begin the
paste's end becomes a visible mark (␛), so the parser never leaves the paste early and no
key is made from pasted text. (The end marker cut in two by a read is held until the rest
arrives.) The key gate then shows the paste's other control characters as marks too
(`visible`). `paste_safe` gives the App a driver whose parser has the guard.
"""

from __future__ import annotations

import os
import re
import selectors
from codecs import getincrementaldecoder
from collections.abc import Iterable
from typing import Any

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.message import Message

from pipeline_tui.display import safe

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
ESC_MARK = "␛"


class PasteGuard:
    """Raw terminal input in, the same input out with every ESC inside a bracketed paste
    (but the end marker's) turned into a visible mark."""

    def __init__(self) -> None:
        self.inside = False
        self._tail = ""  # outside: the last characters passed on (a start marker may span reads)
        self._held = ""  # inside: what may be the start of the end marker, cut by a read

    def filter(self, data: str) -> str:
        out: list[str] = []
        if self.inside and self._held:
            data, self._held = self._held + data, ""
        i = 0
        while i < len(data):
            if not self.inside:
                window = self._tail + data[i:]
                found = window.find(PASTE_START)
                if found < 0:
                    out.append(data[i:])
                    self._tail = window[-(len(PASTE_START) - 1) :]
                    break
                end = i + found + len(PASTE_START) - len(self._tail)
                out.append(data[i:end])
                i, self.inside, self._tail = end, True, ""
                continue
            esc = data.find("\x1b", i)
            if esc < 0:
                out.append(data[i:])
                break
            out.append(data[i:esc])
            rest = data[esc:]
            if rest.startswith(PASTE_END):
                out.append(PASTE_END)
                i, self.inside = esc + len(PASTE_END), False
            elif PASTE_END.startswith(rest):
                self._held = rest  # the end marker, or not: the next read tells
                break
            else:
                out.append(ESC_MARK)
                i = esc + 1
        return "".join(out)


class PasteSafeParser(XTermParser):
    """Textual's parser, fed through a `PasteGuard`."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self.guard = PasteGuard()

    def feed(self, data: str) -> Iterable[Message]:
        if not data:
            return super().feed(data)  # the end of input
        filtered = self.guard.filter(data)
        # All of it held (an end marker cut by the read): nothing yet, and not the end.
        return super().feed(filtered) if filtered else ()


def one_line(text: str) -> str:
    """A paste for a one-line field: its lines joined by a space (the field would keep only
    the first line, and drop the rest without a word)."""
    lines = [line.strip() for line in text.splitlines()]
    return " ".join(line for line in lines if line) if len(lines) > 1 else text


# What a field never holds raw: C0 controls but tab and line feed, DEL, C1 controls. Each
# could act on the terminal the field is drawn on.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """A paste's text for a field: line breaks and tabs kept, every other control
    character shown as a mark (␛, ␇). Invisible letters a name carries (a direction mark
    in a Hebrew or Arabic name, a zero-width joiner in an emoji, a zero-width space) stay
    themselves, as typed or given to the command line: the field draws them at no width,
    and the board shows them as marks wherever stored text is shown (`display.safe`). A
    byte-order mark is no letter: dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return _CONTROLS.sub(lambda m: safe(m.group()), text)


def paste_safe(driver_class: type[Driver]) -> type[Driver]:
    """`driver_class`, reading the terminal through a `PasteSafeParser` (the POSIX driver;
    others are returned as they are)."""
    from textual.drivers.linux_driver import LinuxDriver

    if not issubclass(driver_class, LinuxDriver):
        return driver_class

    class PasteSafeDriver(driver_class):  # type: ignore[valid-type, misc]
        def run_input_thread(self) -> None:
            # Textual's LinuxDriver.run_input_thread (8.2), with the parser replaced.
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            fileno = self.fileno
            event_read = selectors.EVENT_READ
            parser = PasteSafeParser(self._debug)
            feed, tick = parser.feed, parser.tick
            decode = getincrementaldecoder("utf-8")().decode
            read = os.read

            def process(selector_events: list[tuple[Any, int]], final: bool = False) -> None:
                for last, (_key, mask) in loop_last(selector_events):
                    if mask & event_read:
                        unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                        if not unicode_data:
                            break
                        for event in feed(unicode_data):
                            self.process_message(event)
                for event in tick():
                    self.process_message(event)

            try:
                while not self.exit_event.is_set():
                    process(selector.select(0.1))
                selector.unregister(self.fileno)
                process(selector.select(0.1), final=True)
            finally:
                selector.close()
                try:
                    for _event in feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return PasteSafeDriver

"""A paste is text, never keys: whatever a paste holds (escape sequences, a lone ESC, an
end marker that is not one, text after them), the app gets it as one paste with its control
characters shown as marks, and no key; and the keys typed after the paste still act.

Tried as a kind: several payloads, each cut into two reads at every place (as a terminal's
reads may cut it), through the app's input parser; then in a form, on the board, and in a
real terminal."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from pilot_helpers import SIZE, focus_first_card, paste
from terminal import COMMAND, Terminal
from textual import events
from textual._xterm_parser import XTermParser
from textual.keys import _character_to_key
from textual.widgets import Input

from pipeline_tui.paste import PASTE_END, PASTE_START, PasteGuard, PasteSafeParser, visible
from pipeline_tui.store import Store

PAYLOADS = [
    "text\x1bw",  # the reported one: w marked the deal won
    "Acme \x1b[31mRed\x1b[0m Corp",  # a colour sequence in a title
    "\x1b]0;title\x07x",  # set the window title
    "cut \x1b[201 short",  # an end marker that is not one
    "nested \x1b[200~ start",
    "\x1b",
    "a\x1b\x1bb",
    "\x1b[A\x1b[B up and down",
    "\x1b" + "q" * 80,  # longer than the parser's sequence search
    "plain paste with\nlines\tand tabs",
]


def events_of(parser: XTermParser, chunks: list[str]) -> list[object]:
    got: list[object] = []
    for chunk in chunks:
        if chunk:  # an empty read is the end of input
            got += list(parser.feed(chunk))
    return got


def marked(text: str) -> str:
    return text.replace("\x1b", "␛")


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_a_paste_cut_anywhere_is_one_paste_and_no_key(payload: str) -> None:
    stream = PASTE_START + payload + PASTE_END + "zz"
    for cut in range(len(stream) + 1):
        got = events_of(PasteSafeParser(), [stream[:cut], stream[cut:]])
        pastes = [e for e in got if isinstance(e, events.Paste)]
        keys = [e.character for e in got if isinstance(e, events.Key)]
        assert [p.text for p in pastes] == [marked(payload)], (cut, got)
        assert keys == ["z", "z"], (cut, got)  # typed after the paste: still keys


def test_textuals_own_parser_leaves_the_paste_at_its_first_escape() -> None:
    """Why the guard exists (and that the test above can fail)."""
    got = events_of(XTermParser(), [PASTE_START + "text\x1bw" + PASTE_END])
    assert any(isinstance(e, events.Key) and e.character == "w" for e in got)


def test_the_guard_passes_everything_outside_a_paste_untouched() -> None:
    guard = PasteGuard()
    typed = "\x1b[A\x1bw\x1b[200"  # arrows, alt+w, and a start marker not finished yet
    assert guard.filter(typed) == typed and not guard.inside
    assert guard.filter("~in\x1bside" + PASTE_END + "\x1bx") == "~in␛side" + PASTE_END + "\x1bx"


def test_the_app_reads_the_terminal_through_the_guard(make_app) -> None:  # type: ignore[no-untyped-def]
    from textual.drivers.linux_driver import LinuxDriver

    app = make_app()
    assert issubclass(app.driver_class, LinuxDriver)
    assert "PasteSafeParser" in inspect.getsource(app.driver_class.run_input_thread)
    # The driver copies Textual's input loop: it still has the shape copied from.
    source = inspect.getsource(LinuxDriver.run_input_thread)
    assert "parser = XTermParser(self._debug)" in source and "for event in feed(unicode_data):" in source


async def pasted_into_a_new_title(make_app, text: str) -> str:  # type: ignore[no-untyped-def]
    """What the new deal form's title holds after `text` is pasted into it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        field = app.screen.focused
        assert isinstance(field, Input)
        await paste(pilot, text)
        return field.value


@pytest.mark.parametrize("text", ["Acme\x1b[31mRed\x07", "tab\there", "bidi\u202eevil", "nul\x00x"])
async def test_a_pasted_control_sequence_goes_into_a_field_as_marks(
    make_app, store: Store, text: str
) -> None:  # type: ignore[no-untyped-def]
    value = await pasted_into_a_new_title(make_app, text)
    assert value == visible(text)
    assert not any((ord(c) < 32 and c != "\t") or 0x7F <= ord(c) < 0xA0 for c in value)


NAME = 'שלום בע"מ\u200f 👩\u200d👩\u200d👧 A\u200bCME \u202eRLO'  # RLM, ZWJ, ZWSP, an override


async def test_invisible_letters_pasted_or_typed_are_stored_as_themselves(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    """A direction mark in a Hebrew name, the joiners of an emoji, a zero-width space:
    pasted, they were stored as the marks the board shows them by ('⟨RLM⟩' became the
    name's text, in search and every export); typed, the joiner was dropped (one family
    emoji stored as three people). The command line stores them as they are: so does the
    board now, and shows them as marks wherever stored text is shown."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await paste(pilot, "Pasted " + NAME)
        await pilot.press("tab")
        for char in "Typed " + NAME:  # one key each, as a terminal sends them
            app.post_message(events.Key(_character_to_key(char), char))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
    [deal] = list(store.deals.all())
    assert (deal.title, deal.company) == ("Pasted " + NAME, "Typed " + NAME)


async def test_a_multi_line_paste_into_a_one_line_field_keeps_every_line(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    """A one-line field would keep a paste's first line and drop the rest without a word:
    its lines come in joined by a space instead."""
    value = await pasted_into_a_new_title(make_app, "Acme Corp\r\nSuite 400\n\n  Berlin\tHQ ")
    assert value == "Acme Corp Suite 400 Berlin\tHQ"


async def test_a_paste_right_after_the_key_that_opens_a_form_goes_in_whole(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    """`n` and a paste at once: the paste waits behind the key and goes to the form's title
    then, joined for the field it lands in (decided as it is delivered, not as it arrives)."""
    from textual import events

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.post_message(events.Key("n", "n"))
        app.post_message(events.Paste("Acme Corp\nSuite 400"))
        await pilot.pause()
        field = app.screen.focused
        assert isinstance(field, Input) and field.value == "Acme Corp Suite 400"


async def test_a_paste_on_the_board_runs_no_key(make_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    deal = builders.add(store, "Acme renewal")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        focus_first_card(app)
        await paste(pilot, "text␛w >>> l q")
        await pilot.pause()
        assert app.return_code is None
    assert store.deals.get(deal.id).stage_id == deal.stage_id
    assert len(store.deals.timeline(deal.id)) == 1


@pytest.mark.skipif(COMMAND is None, reason="the pipeline-tui command is not installed here")
def test_in_a_real_terminal_a_pasted_escape_marks_nothing_won(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with Store.open(db) as store:
        builders.add(store, "Acme renewal")
    term = Terminal([COMMAND or "pipeline-tui", "--db", str(db), "--today", TODAY.isoformat()])
    try:
        term.read_until(lambda out: b"Acme renewal" in out, "the board")
        term.send((PASTE_START + "text\x1bw\x1b[31m>" + PASTE_END).encode())
        term.settle(1.0)
        term.send(b"q")
        assert term.wait(20) == 0
    finally:
        term.close()
    listed = subprocess.run([sys.executable, "-m", "pipeline_tui", "--db", str(db), "list", "--json"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    [deal] = json.loads(listed.stdout)
    assert deal["stage"] == "Lead" and deal["status"] == "open", deal

"""Stored text is shown, never obeyed: escape sequences, control characters, bidi overrides
and markup in names reach neither the command line's output nor the terminal behind the
board raw. Arguments that are not UTF-8, and terminals that cannot show UTF-8, end in one
line or in replaced characters, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import builders
import pytest
from conftest import TODAY, Clock
from pilot_helpers import assert_shown_as_typed
from terminal import COMMAND, Terminal
from textual.widgets import DataTable

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.display import NEWLINE_MARK, json_text, safe
from pipeline_tui.models import LossInput
from pipeline_tui.store import Store

OSC52 = "\x1b]52;c;SE9TVElMRQ==\x07"  # writes the clipboard
OSC0 = "\x1b]0;PWNED-TITLE\x07"  # sets the window title
CLEAR = "\x1b[2J\x1b[H"  # wipes the screen
CSI_C1 = "\x9b31m"  # a C1 control sequence introducer
RLO = "\u202e"  # right-to-left override: 'Invoice ‮gnp.exe' reads as 'Invoice exe.png'
FORGED = "Harmless\n#999   Closed Won    $9,999,999  Forged row"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\x00", "\r")


def hostile_pipeline(store: Store, clock: Clock) -> None:
    """Deals, names and notes carrying every kind of hostile text (as an import brings)."""
    lead = store.shape.find_stage("Lead")
    builders.rename_stage(store, lead.id, f"Lead{OSC0}")
    reason = store.shape.add_reason(f"Too dear{CLEAR}")
    comp = store.shape.find_reason("competitor")
    clock.advance(days=-40)
    one = builders.add(store, f"Deal {OSC52} one", company=f"Acme {CLEAR} Ltd", contact=f"Ana{CSI_C1}")
    two = builders.add(store, FORGED, company=f"Invoice {RLO}gnp.exe", next_step=f"Call {OSC0}")
    three = builders.add(store, "[@click=app.quit]Evil", company="ACME [EU]", contact="[b]bold[/b]")
    clock.advance(days=40)
    builders.add_note(store, one.id, f"Note with {OSC52} and\nsecond line {CLEAR}")
    builders.mark_lost(store, three.id, LossInput(comp.id, competitor="Initech [/] Ltd", note=f"Lost {OSC0}",
                                        revisit_on=date(2026, 11, 20)))  # fmt: skip
    builders.mark_lost(store, two.id, LossInput(reason.id, note="x"))


@pytest.fixture
def hostile(store: Store, clock: Clock) -> Store:
    hostile_pipeline(store, clock)
    return store


def assert_inert(text: str, where: str) -> None:
    found = [repr(c) for c in RAW if c in text]
    assert not found, f"{where} printed {found} raw: {text[:400]!r}"


# ------------------------------------------------------------------ the boundary


def test_safe_makes_every_control_visible_and_keeps_ordinary_text() -> None:
    assert safe("Müller & Söhne — 12k") == "Müller & Söhne — 12k"
    assert safe(f"a{OSC0}b") == "a␛]0;PWNED-TITLE␇b"
    assert safe(f"x{RLO}y") == "x⟨RLO⟩y"
    assert safe("x\x9by") == "x⟨9B⟩y"
    assert safe("one\ntwo\r\nthree") == f"one{NEWLINE_MARK}two{NEWLINE_MARK}three"
    assert safe("one\ntwo\ttab", one_line=False) == "one\ntwo\ttab"
    assert safe("bad\udcff") == "bad\ufffd"
    # Invisible characters: a company holding them looks like another, so they show.
    assert safe("A\u200bC\u200eM\u200fE\u2060\ufeff") == "A⟨ZWSP⟩C⟨LRM⟩M⟨RLM⟩E⟨WJ⟩⟨BOM⟩"
    assert safe("👩\u200d💻 می\u200cخواهم") == "👩\u200d💻 می\u200cخواهم"  # joiners shape text: kept
    assert json.loads(json_text({"t": "A\u200bB"})) == {"t": "A\u200bB"}
    assert "\u200b" not in json_text({"t": "A\u200bB"})
    data = json.loads(json_text({"t": f"{OSC52}{RLO}\x9b\u2028"}))
    assert data == {"t": f"{OSC52}{RLO}\x9b\u2028"}  # exact for scripts
    assert_inert(json_text({"t": f"{OSC52}{RLO}\x9b"}), "json_text")


@pytest.mark.parametrize(
    "argv",
    [
        ["list"],
        ["list", "--stale"],
        ["show", "1"],
        ["show", "2"],
        ["revisits"],
        ["report", "--period", "all"],
        ["stages"],
        ["reasons"],
        ["note", "1", f"typed {OSC52}"],
        ["add", f"New {OSC0}", "--company", CLEAR],
        ["edit", "1", "--next-step", f"{CSI_C1}x"],
        ["move", "1", "Qualified"],
        ["list", "--json"],
        ["show", "1", "--json"],
        ["config"],
    ],
)
def test_no_command_prints_stored_text_raw(
    hostile: Store, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code = main(["--db", str(hostile.path), "--today", TODAY.isoformat(), *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert_inert(out + err, " ".join(argv[:2]))


def test_a_title_with_a_line_break_cannot_forge_a_row(
    hostile: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(hostile.path), "--today", TODAY.isoformat(), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == hostile.deals.count()
    assert not any(line.startswith("#999") for line in lines)
    assert any(f"Harmless{NEWLINE_MARK}#999" in line for line in lines)


def test_error_messages_quote_hostile_text_inertly(
    hostile: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(hostile.path), "move", f"no such {OSC52}", "Qualified"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pipeline-tui: error: ")
    assert_inert(err, "the error")


def test_json_keeps_the_text_exact(hostile: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(hostile.path), "--today", TODAY.isoformat(), "show", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == f"Deal {OSC52} one"
    assert data["timeline"][-1]["text"] == f"Note with {OSC52} and\nsecond line {CLEAR}"


# ----------------------------------------------------------------- the board


async def test_markup_in_names_is_shown_as_typed_and_never_runs(make_app, hostile: Store) -> None:
    from pipeline_tui.screens.deal_list import DealListScreen
    from pipeline_tui.screens.report import ReportScreen

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("R", "4")  # all time
        report = app.screen
        assert isinstance(report, ReportScreen)
        table = report.query_one(DataTable)
        labels = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        row = next(i for i, label in enumerate(labels) if "Initech [/] Ltd" in label)
        table.move_cursor(row=row)
        await pilot.pause()
        assert_shown_as_typed(report, "Initech [/] Ltd")
        await pilot.press("enter")  # used to crash with a MarkupError
        assert isinstance(app.screen, DealListScreen)
        assert_shown_as_typed(app.screen, "Initech [/] Ltd", "[@click=app.quit]Evil", "ACME [EU]")
        await pilot.press("enter")
        assert_shown_as_typed(app.screen, "[@click=app.quit]Evil", "ACME [EU]", "[b]bold[/b]")
        await pilot.click("#detail-fields", offset=(4, 0))  # a click on the title runs nothing
        assert app.is_running


async def test_the_check_would_notice_markup() -> None:
    # Guards assert_shown_as_typed against passing vacuously: markup obeyed is noticed.
    from textual.app import App, ComposeResult
    from textual.content import Content
    from textual.widgets import Static

    class Shows(App[None]):
        def __init__(self, content: str | Content, markup: bool) -> None:
            super().__init__()
            self.content, self.markup = content, markup

        def compose(self) -> ComposeResult:
            yield Static(self.content, markup=self.markup)

    bold, click = "ACME [b]bold[/b]", "[@click=app.quit]Evil"
    cases: list[tuple[str | Content, bool, str, bool]] = [
        (bold, False, bold, True),
        (click, False, click, True),
        (bold, True, bold, False),  # the tags eaten, the word in bold
        (click, True, click, False),  # the tag eaten, a click would quit
        (Content.assemble("ACME ", ("[b]bold", "bold"), "[/b]"), False, bold, False),  # in part
        (Content.assemble("ACME ", ("[b]bold[/b]", "link='https://example.com'")), False, bold, False),
    ]
    for content, markup, text, shown in cases:
        async with Shows(content, markup).run_test(size=(40, 3)) as pilot:
            await pilot.pause()
            try:
                assert_shown_as_typed(pilot.app.screen, text)
            except AssertionError:
                assert not shown, content
            else:
                assert shown, content


def _board_session(db: Path, keys: list[bytes]) -> bytes:
    term = Terminal(
        [COMMAND or "pipeline-tui", "--db", str(db), "--today", TODAY.isoformat()], size=(140, 40)
    )
    try:
        term.read_until(lambda out: "␛".encode() in out and b"deals" in out, "the board")
        for key in keys:
            written = len(term.output)
            term.send(key)
            term.read_until(lambda out, n=written: len(out) > n, f"the screen after {key!r}")  # type: ignore[misc]
            term.settle(0.4)  # a lone escape is only a key once nothing follows it
        term.send(b"q")
        term.wait()
        return bytes(term.output)
    finally:
        term.close()


@pytest.mark.skipif(COMMAND is None, reason="the pipeline-tui command is not installed here")
def test_the_board_never_passes_escape_sequences_to_the_terminal(store: Store, clock: Clock) -> None:
    """Every screen with hostile names, read as raw bytes from a real (pseudo) terminal."""
    hostile_pipeline(store, clock)
    store.close()
    out = _board_session(store.path, [b"\r", b"\x1b", b"s", b"\x1b", b"r", b"\x1b", b"R", b"4", b"\x1b"])
    for payload in (OSC52, OSC0, CLEAR + " Ltd", CSI_C1, RLO):
        assert payload.encode() not in out, f"{payload!r} reached the terminal"
    assert "␛]52;c;SE9TVElMRQ==␇".encode() in out  # shown, inert


def _form_pipeline(store: Store) -> Store:
    """One open deal whose every text field, and its stage, carries hostile text."""
    lead = store.shape.find_stage("Lead")
    builders.rename_stage(store, lead.id, f"Lead{OSC0}")
    builders.add(store, f"Deal {OSC52} one", company=f"Acme {CLEAR} Ltd", contact=f"Ana{CSI_C1}{RLO}",
              next_step=f"Call {OSC0}\nthen{CLEAR}")  # fmt: skip
    return store


@pytest.mark.skipif(COMMAND is None, reason="the pipeline-tui command is not installed here")
def test_forms_show_stored_text_inert(store: Store) -> None:
    """A form pre-filled with stored text (edit, next step, a Settings rename) draws it on
    the terminal like any other text: inert, read as raw bytes from a pseudo-terminal."""
    _form_pipeline(store).close()
    keys = [b"e", b"\x1b", b"t", b"\x1b", b",", b"r", b"\x1b", b"\x1b"]
    out = _board_session(store.path, keys)
    for payload in (OSC52, OSC0, CLEAR, CSI_C1, RLO, "\nthen"):
        assert payload.encode() not in out, f"{payload!r} reached the terminal"
    assert "Call ␛]0;PWNED-TITLE␇⏎then".encode() in out  # the next step form, shown inert
    assert "Lead␛]0;PWNED-TITLE␇".encode() in out  # the rename prompt


async def test_a_field_left_as_shown_keeps_the_stored_text_exactly(make_app, store: Store) -> None:
    """Editing one field of a deal whose other fields hold control characters changes only
    that field: the others are saved as stored, not as their inert pictures."""
    from pipeline_tui.modals.deal_form import DealFormModal
    from pipeline_tui.modals.prompts import NextStepModal

    _form_pipeline(store)
    (before,) = store.deals.all()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, DealFormModal)
        assert form.query_one("#deal-title").value == safe(before.title)
        await pilot.press("tab", "tab", "tab", *"5000", "ctrl+s")  # only the value
        await pilot.pause()
        await pilot.press("t")
        assert isinstance(app.screen, NextStepModal)
        await pilot.press("tab", *"+3d", "ctrl+s")  # only the due date
        await pilot.pause()
    after = store.deals.get(before.id)
    assert after.value == 5000_00 and after.next_step_due is not None
    assert (after.title, after.company, after.contact, after.next_step) == (
        before.title, before.company, before.contact, before.next_step
    )  # fmt: skip
    ops.edit(store, [before.id], {"title": "Renamed"})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.press("ctrl+u", *"Clean title", "tab", "ctrl+u", *"Clean Co", "ctrl+s")
        await pilot.pause()
    typed = store.deals.get(before.id)
    assert (typed.title, typed.company, typed.contact) == ("Clean title", "Clean Co", before.contact)


# ------------------------------------------------------------- bad encodings


def test_an_argument_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline_tui", "--db", str(tmp_path / "p.db"), "add", b"bad\xff".decode(
            "utf-8", "surrogateescape")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "not valid UTF-8" in result.stderr
    assert not (tmp_path / "p.db").exists()


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_that_is_not_utf8_gets_replaced_characters(hostile: Store, encoding: str) -> None:
    builders.add(hostile, "Müller 🎉 deal", company="Åkerlund")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONUTF8": "0"}
    base = [sys.executable, "-m", "pipeline_tui", "--db", str(hostile.path), "--today", TODAY.isoformat()]
    listed = subprocess.run([*base, "list"], capture_output=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert b"Traceback" not in listed.stderr and b"M?ller" in listed.stdout or b"M\xfcller" in listed.stdout
    exported = subprocess.run([*base, "export", "deals"], capture_output=True, env=env)
    assert exported.returncode == 0, exported.stderr
    assert "Müller 🎉 deal".encode() in exported.stdout  # a CSV stays UTF-8, exact
    as_json = subprocess.run([*base, "list", "--json"], capture_output=True, env=env)
    assert as_json.returncode == 0
    assert "Müller 🎉 deal" in [d["title"] for d in json.loads(as_json.stdout)]


# ------------------------------------------------------------- case folding


def test_matching_folds_case_the_unicode_way_turkish_i_included(store: Store) -> None:
    from pipeline_tui.text import fold

    assert fold("İSTANBUL") == fold("istanbul") == fold("ıstanbul") == fold("Istanbul")
    assert fold("STRASSE") == fold("Straße")
    deal = builders.add(store, "İstanbul expansion", company="Şişecam")
    assert store.deals.find("istanbul").id == deal.id
    assert store.deals.find("ISTANBUL EXP").id == deal.id
    stage = store.shape.stages()[0]
    assert [d.id for d in store.board.column(stage, today=TODAY, text="şişecam")] == [deal.id]
    assert store.shape.find_reason("PRİCE").label == "Price / budget"


def test_moments_are_stored_with_their_utc_offset(store: Store) -> None:
    deal = builders.add(store, "Offset deal")
    stored = store.conn.db.execute("SELECT created_at FROM deals WHERE id = ?", [deal.id]).fetchone()[0]
    assert stored[19] in "+-" and stored[22] == ":"  # '2026-11-24 09:00:00+00:00'
    ops.note(store, [deal.id], "hello")
    at = store.conn.db.execute("SELECT at FROM events WHERE kind = 'note'").fetchone()[0]
    assert at[19] in "+-"


def test_a_csv_printed_to_a_terminal_is_inert_and_exact_in_a_pipe(hostile: Store) -> None:
    """`export … -o -` on a person's terminal shows hostile names as visible marks; piped,
    the same command writes the CSV byte for byte (a spreadsheet or a script reads it)."""
    hostile.close()
    base = [COMMAND or "pipeline-tui", "--db", str(hostile.path), "--today", TODAY.isoformat()]
    for what in ("notes", "deals"):
        term = Terminal([*base, "export", what, "-o", "-"], size=(200, 50))
        try:
            term.wait()
            shown = bytes(term.output)
        finally:
            term.close()
        for payload in (OSC52, OSC0, CLEAR, CSI_C1, RLO):
            assert payload.encode() not in shown, f"{payload!r} reached the terminal ({what})"
        assert "␛".encode() in shown
        piped = subprocess.run([*base, "export", what, "-o", "-"], capture_output=True)
        assert piped.returncode == 0 and OSC52.encode() in piped.stdout  # exact, for a pipe

"""Every output is inert for the reader it goes to, checked by reading it back with a real
reader of that format:

- CSV: Python's csv module splitting the file at `,` (as written), at `;` (a semicolon
  locale) and at tabs: no cell of any export starts a formula, whichever way it is split,
  and split at `,` every cell reads back exactly (our own export after `unneutralize`);
  where LibreOffice is installed, Calc itself opens each file three ways, evaluating
  formulas, and finds none;
- Markdown: markdown-it (GitHub-flavoured, with bare links found): no link, image,
  emphasis, strikethrough, code, HTML or broken table from a name; each renders as itself;
- iCalendar: the icalendar library: each value reads back as the stored text made inert;
- JSON: json: every string exact, and no control or bidi character in the raw text;
- the terminal: argparse's own messages quote arguments inertly too.

The hostile text is a kind, not one example: formula triggers after each separator and
line break, with quotes, spaces and apostrophes between; Markdown's every inline
construct; escape sequences, control and bidi characters."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import builders
import pytest
from conftest import TODAY
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui.cli import main
from pipeline_tui.csv_cells import inert_cell, neutralize, quoted, unneutralize
from pipeline_tui.display import safe
from pipeline_tui.store import Store

FORMULAS = [
    'Acme;=HYPERLINK("http://evil.example/?x";"click")',
    "Beta\t=1+1",
    "Gamma\n=cmd|' /C calc'!A0",
    "Delta,@SUM(1+1)",
    'Eps;"=2+2"',
    "Zeta; -3+3",
    "Eta\r\n+4+4",
    "Theta;'=already",
    "'=guarded already",
    "Iota;;@x",
    'Kappa,"" =y',
    "=start",
]
MARKDOWN = [
    "[link](http://evil.example) and ![img](http://i.example/x.png)",
    "**bold** *em* _u_ __strong__",
    "~~gone~~ ~also~",
    "<b>html</b> <script>x</script> &amp; &#x41;",
    "`code` and ``more``",
    "www.evil.example and a@b.example and http://bare.example/x",
    "pipe | in # the $math$ ^[fn] {attr}",
    "<http://auto.example> <mail@auto.example>",
]
TERMINAL = ["\x1b[31mRed\x1b[0m", "title\x1b]0;PWNED\x07", "bidi \u202eevil\u202c", "bell\x07 del\x7f c1\x9b"]
ALL = FORMULAS + MARKDOWN + TERMINAL
TRIGGERS = ("=", "+", "-", "@")


def one_line(text: str, limit: int = 500) -> str:
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")[:limit]


NAMES = [one_line(t, 60) for t in FORMULAS[:4] + MARKDOWN[:4]]


@pytest.fixture
def hostile(store: Store) -> Store:
    """Every hostile text in a title, a company, a note, a next step, a loss note; as loss
    reasons, stage names and competitors; deals from HubSpot among them."""
    reasons = [store.shape.add_reason(name).id for name in NAMES]
    stages = [s.id for s in store.shape.stages() if s.is_open]
    for n, name in enumerate(NAMES[: len(stages)]):
        builders.rename_stage(store, stages[n], name)
    for n, text in enumerate(ALL):
        deal = builders.add(store, one_line(text), company=text[:500], next_step=one_line(text),
                            value=1_000 * (n + 1), stage_id=stages[n % len(stages)])  # fmt: skip
        builders.note(store, deal, text)
        revisit = date(2027, 1, 1 + n % 28)
        if n % 3 == 0:
            builders.lose(store, deal, reasons[n // 3 % len(reasons)], note=text, revisit_on=revisit)
        elif n % 3 == 1:
            builders.lose(
                store, deal, "Lost to competitor", competitor=one_line(text), note=text, revisit_on=revisit
            )
    store.conn.db.execute("UPDATE deals SET source = 'hubspot', source_id = CAST(id AS TEXT)")
    return store


def run(capsys: pytest.CaptureFixture[str], store: Store, *argv: str) -> str:
    code = main(["--db", str(store.path), "--today", TODAY.isoformat(), *argv])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


EXPORTS = {
    "notes": ["export", "notes"],
    "deals": ["export", "deals"],
    "report": ["report", "--period", "all", "--csv", "--trend"],
}


def live_cells(text: str, delimiter: str) -> list[str]:
    """Cells a spreadsheet splitting `text` at `delimiter` would run as formulas."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [cell for row in rows for cell in row if cell.startswith(TRIGGERS)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("export", sorted(EXPORTS))
def test_no_cell_of_any_export_runs_as_a_formula_however_it_is_split(
    hostile: Store, capsys: pytest.CaptureFixture[str], export: str, delimiter: str
) -> None:
    text = run(capsys, hostile, *EXPORTS[export])
    assert live_cells(text, delimiter) == []


def test_a_spreadsheet_would_have_run_them_unguarded(
    hostile: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check above can fail: the same cells written without the guard are live."""
    rows = list(csv.reader(io.StringIO(run(capsys, hostile, "export", "notes"), newline="")))
    raw = io.StringIO(newline="")
    csv.writer(raw, lineterminator="\r\n").writerows([[unneutralize(c) for c in row] for row in rows])
    for delimiter in (",", ";", "\t"):
        assert live_cells(raw.getvalue(), delimiter), delimiter


def test_every_cell_reads_back_exactly_split_at_commas(
    hostile: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(run(capsys, hostile, "export", "notes"), newline="")))
    notes = {unneutralize(row["text"]) for row in rows}
    assert set(ALL) <= notes
    deals = list(csv.DictReader(io.StringIO(run(capsys, hostile, "export", "deals"), newline="")))
    assert {unneutralize(d["company"]) for d in deals} >= set(ALL)


@pytest.mark.parametrize("text", FORMULAS + ["a,b", "x;y", "p\tq", "", "'", "''=", ";=", "\n-", "a,'-1"])
def test_the_guard_round_trips(text: str) -> None:
    assert unneutralize(neutralize(text)) == text
    for delimiter in (";", "\t", ","):
        for piece in re.split(f"[{re.escape(delimiter)}\r\n]", neutralize(text)):
            assert not piece.lstrip('" ').startswith(TRIGGERS) or piece.startswith("'"), (text, piece)


def test_a_crm_notes_file_keeps_its_text_exact(hostile: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """For HubSpot's importer, not a spreadsheet: quoted for any delimiter, never changed."""
    text = run(capsys, hostile, "export", "notes", "--for", "hubspot")
    cells = {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}
    assert {t.replace("\r\n", "\n") for t in ALL} <= {c.replace("\r\n", "\n") for c in cells}


# ------------------------------------------------------------- LibreOffice


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
def test_calc_opening_each_export_finds_no_formula(
    hostile: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    files = []
    for name, argv in EXPORTS.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(run(capsys, hostile, *argv), encoding="utf-8", newline="")
        files.append(path)
    control = tmp_path / "control.csv"  # the harness can see a formula
    control.write_text('a,b\r\n1,"x;=1+1\tq"\r\n"y\n=2+2",=3+3\r\n', encoding="utf-8", newline="")
    files.append(control)
    # Opened three ways at once, each Calc with its own profile: split at commas, semicolons
    # and tabs; text delimiter ", UTF-8, from line 1, quoted fields not forced to text, and
    # formulas evaluated, as a spreadsheet opening the file would.
    runs = {}
    for separator in (44, 59, 9):
        options = f"CSV:{separator},34,76,1,,0,false,false,false,false,false,-1,true"
        out = tmp_path / f"out-{separator}"
        runs[separator] = subprocess.Popen(
            [SOFFICE or "soffice", f"-env:UserInstallation={(tmp_path / f'profile-{separator}').as_uri()}",
             "--headless", f"--infilter={options}", "--convert-to", "fods", "--outdir", str(out),
             *map(str, files)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    for separator, proc in runs.items():
        assert proc.wait(timeout=180) == 0
        for path in files:
            sheet = (tmp_path / f"out-{separator}" / f"{path.stem}.fods").read_text(encoding="utf-8")
            formulas = re.findall(r'table:formula="([^"]*)"', sheet)
            if path is control:
                assert formulas, f"the control file's formulas were not seen ({separator})"
            else:
                assert formulas == [], (separator, path.name, formulas[:3])


# ---------------------------------------------------------------- Markdown


def markdown_tokens(text: str):  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    parser = MarkdownIt("gfm-like", {"linkify": True}).enable(["linkify", "strikethrough", "table"])
    return parser.parse(text)


FORBIDDEN = {"link_open", "image", "s_open", "em_open", "strong_open", "code_inline", "html_inline",
             "html_block", "footnote_ref"}  # fmt: skip


def test_markdown_report_renders_every_name_as_itself(
    hostile: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    text = run(capsys, hostile, "report", "--period", "all", "--markdown", "--trend")
    cells: list[str] = []
    for token in markdown_tokens(text):
        if token.type == "inline" and token.content != "_None in this period._":  # the app's own italics
            kinds = {child.type for child in token.children or []}
            assert not kinds & FORBIDDEN, (token.content, kinds & FORBIDDEN)
            cells.append(
                "".join(c.content for c in token.children or [] if c.type in ("text", "text_special"))
            )
    names = {
        safe(t.replace("\n", " ").replace("\r", " ").replace("\t", " ")[:60])
        for t in FORMULAS[:4] + MARKDOWN[:4]
    }
    competitors = {safe(t.replace("\n", " ")) for t in ALL[::3]}
    assert names <= set(cells)
    assert competitors & set(cells)


@pytest.mark.parametrize(
    "text", MARKDOWN + FORMULAS + ["- a list", "1. a list", "> quote", "# heading", "==="]
)
def test_markdown_escaping_renders_text_as_itself(text: str) -> None:
    from pipeline_tui.report_render.as_markdown import md

    for source in (f"| {md(text)} |\n|---|\n", md(text, line=True) + "\n"):
        tokens = markdown_tokens(source)
        inline = [t for t in tokens if t.type == "inline"]
        assert [t.type for t in tokens if t.type.endswith("_open")] in (
            ["paragraph_open"],
            ["table_open", "thead_open", "tr_open", "th_open"],
        ), source
        assert len(inline) == 1
        children = inline[0].children or []
        assert not {c.type for c in children} & FORBIDDEN
        assert "".join(c.content for c in children if c.type in ("text", "text_special")) == safe(text)


# --------------------------------------------------------------- iCalendar


def test_the_calendar_reads_back_as_the_stored_text_made_inert(
    hostile: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    import icalendar

    raw = run(capsys, hostile, "revisits", "--ics")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    events = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert len(events) == len([t for n, t in enumerate(ALL) if n % 3 != 2])
    by_id = {str(e["UID"]): e for e in events}
    for deal in hostile.review.pending_revisits():
        event = by_id[f"revisit-{deal.id}@pipeline-tui"]
        summary = str(event["SUMMARY"])
        assert summary == safe(f"Revisit: {deal.title} — {deal.company}")
        assert safe(deal.loss_note, one_line=False) in str(event["DESCRIPTION"])
        for value in (summary, str(event["DESCRIPTION"])):
            assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", value), value


def test_a_revisit_on_the_last_day_the_app_accepts_is_in_the_calendar(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    import icalendar

    deal = builders.add(store, "Far away")
    builders.lose(store, deal, "Price", revisit_on=date(2200, 12, 31))
    events = icalendar.Calendar.from_ical(run(capsys, store, "revisits", "--ics")).walk("VEVENT")
    assert [e["DTSTART"].dt for e in events] == [date(2200, 12, 31)]


def test_a_revisit_no_calendar_can_hold_is_said_never_dropped_silently(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    deal = builders.add(store, "Edited outside")
    builders.lose(store, deal, "Price", revisit_on=date(2027, 1, 1))
    sqlite3.connect(store.path).execute("UPDATE deals SET revisit_on = '9999-12-31'").connection.commit()
    code = main(
        ["--db", str(store.path), "revisits", "--ics", "-o", str(Path(str(store.path)).with_name("r.ics"))]
    )
    err = capsys.readouterr().err
    assert code == 0 and "Left out the revisit of #1 Edited outside" in err and "Wrote 0 revisits" in err, err


# -------------------------------------------------------------------- JSON


@pytest.mark.parametrize("argv", [["list", "--json"], ["revisits", "--json"],
                                  ["report", "--period", "all", "--json"],
                                  ["review", "--json"]])  # fmt: skip
def test_json_keeps_every_string_exact_and_nothing_raw(
    hostile: Store, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    raw = run(capsys, hostile, *argv)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", raw)
    data = json.loads(raw)
    strings: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            strings.add(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    if argv[0] == "list":
        assert {one_line(t) for t in ALL} <= strings


# ---------------------------------------------------------------- terminal


ARGPARSE = [
    ["list", "--bogus", "{x}"],  # unrecognized arguments
    ["list", "--sta={x}"],  # ambiguous option
    ["{x}"],  # invalid choice
    ["report", "--period", "{x}"],  # invalid choice of an option
    ["demo", "--seed", "{x}"],  # invalid int
    ["--db"],  # expected one argument
]


@pytest.mark.parametrize("argv", ARGPARSE, ids=lambda a: " ".join(a).replace("{x}", "X"))
@pytest.mark.parametrize("text", TERMINAL + ["line\nbreak"], ids=range(5))
def test_argparse_messages_reach_the_terminal_inert(
    argv: list[str], text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([a.replace("{x}", text) for a in argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", err), repr(err)
    errors = [line for line in err.splitlines() if line.startswith("pipeline-tui") and ": error: " in line]
    assert len(errors) == 1, err


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=st.sampled_from(list("ab '=+-@\t\r\n,;\" é\x0b\u00a0\u2028")), max_size=8),
        st.text(max_size=12),
        st.integers(),
        st.none(),
    )
)
def test_the_fast_cell_is_the_guarded_quoted_cell(value: object) -> None:
    """The export's one-search path writes every cell exactly as the guard and the quoting do."""
    assert inert_cell(value) == quoted(neutralize(value))

"""Malformed CSVs at import ("Nothing lost, ever"): random bytes, random text, a HubSpot header
over random cells, ragged rows, the wrong delimiter, unterminated quotes, byte-order marks in
odd places, huge fields, and our own export with a broken notes column.

Whatever the file, `importer.plan_import` / `importer.import_file` and `pipeline-tui import`
either succeed or stop with one clear line (naming the row when a row is at fault), and a
failed import leaves the database exactly as it was. Planning never writes.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline_tui import importer
from pipeline_tui.cli import main
from pipeline_tui.csv_io import DEAL_COLUMNS
from pipeline_tui.errors import PipelineError
from pipeline_tui.importer.plan import UnknownStages
from pipeline_tui.limits import MAX_LINE, MAX_NOTE
from pipeline_tui.models import LossInput
from pipeline_tui.store import Store

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 0)
MAX_MESSAGE = 600  # characters: an error quoting a whole 100 KB cell is not a clear message

IMPORT_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
    ],
)

HUBSPOT = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
           "Closed lost reason", "Associated Company"]  # fmt: skip
OWN = [*DEAL_COLUMNS[:-1], "notes"]  # an older export: notes, not the timeline


def good_hubspot_row(i: int) -> list[str]:
    return [
        str(1000 + i),
        f"Deal {i}",
        "Appointment Scheduled",
        "1200",
        "2026-12-01",
        "2026-10-01",
        "",
        f"Co {i}",
    ]


def good_own_row(i: int) -> list[str]:
    values = {name: "" for name in OWN}
    values.update(
        id=str(500 + i), title=f"Own {i}", value="10.00", currency="USD", stage="Lead", status="open",
        created_at="2026-10-01 09:00:00", stage_entered_at="2026-10-01 09:00:00",
        last_activity_at="2026-10-02 09:00:00", notes='[["2026-10-02 09:00:00", "hello"]]',
    )  # fmt: skip
    return [values[name] for name in OWN]


def to_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


# ------------------------------------------------------------------ strategies

CELL = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
NEAR_CELLS = st.sampled_from(
    ["", "12k", "1,2,3k", "$-5", "2026-02-30", "13/45/2026", "31/12/2026", "Closed Lost", "Closed Won",
     "true", "no", "Price", "competitor", "=SUM(A1)", '"', "\ufeff", "\r", "\n", "'", "1e9",
     "99999999999999999999"]
)  # fmt: skip
ANY_CELL = st.one_of(CELL, NEAR_CELLS)


@st.composite
def hubspot_random_cells(draw: st.DrawFn) -> bytes:
    """A valid HubSpot header over rows of random cell text (quoted properly)."""
    rows = draw(st.lists(st.lists(ANY_CELL, min_size=len(HUBSPOT), max_size=len(HUBSPOT)), max_size=6))
    return to_csv([HUBSPOT, *rows]).encode()


@st.composite
def own_export_random_cells(draw: st.DrawFn) -> bytes:
    """Our own export's header over good rows with random cells put in."""
    rows = [good_own_row(i) for i in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.sampled_from(rows))
        row[draw(st.integers(0, len(OWN) - 1))] = draw(
            st.one_of(ANY_CELL, st.sampled_from(['[["x"]]', "[1, 2]", "{}", "[[1, 2]]", "[", "[[null, null]]",
                                                 '[["9999-99-99", "x"]]', '[["2026-01-01", {"a": 1}]]']))
        )  # fmt: skip
    return to_csv([OWN, *rows]).encode()


def _data(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


@st.composite
def ragged(draw: st.DrawFn) -> tuple[bytes, int | None]:
    """Good HubSpot rows, some with cells missing or extra; the first such row is the one
    the error must name (the header is row 1; blank rows count)."""
    rows: list[list[str]] = []
    bad_row = None
    for i in range(draw(st.integers(1, 6))):
        row = good_hubspot_row(i)
        if draw(st.booleans()):
            size = draw(st.integers(0, len(HUBSPOT) + 3))
            row = (row + [draw(ANY_CELL) for _ in range(3)])[:size]
        rows.append(row)
        # Empty cells past the last column are no data (spreadsheets write them), nor is a
        # byte-order mark (files joined with cat leave one inside).
        extra = any(_data(c) for c in row[len(HUBSPOT) :])
        if bad_row is None and (len(row) < len(HUBSPOT) or extra) and any(_data(c) for c in row):
            bad_row = i + 2
    return to_csv([HUBSPOT, *rows]).encode(), bad_row


@st.composite
def wrong_delimiter(draw: st.DrawFn) -> bytes:
    """The header says comma; the rows use another delimiter (or the other way round)."""
    header_delimiter, row_delimiter = draw(st.permutations([",", ";", "\t", "|"]).map(lambda p: p[:2]))
    rows = [good_hubspot_row(i) for i in range(draw(st.integers(1, 4)))]
    return (to_csv([HUBSPOT], header_delimiter) + to_csv(rows, row_delimiter)).encode()


@st.composite
def unterminated_quote(draw: st.DrawFn) -> bytes:
    text = to_csv([HUBSPOT, *[good_hubspot_row(i) for i in range(draw(st.integers(1, 4)))]])
    at = draw(st.integers(0, len(text)))
    return (text[:at] + '"' + text[at:]).encode()


@st.composite
def bom_in_odd_places(draw: st.DrawFn) -> bytes:
    """UTF-8 BOMs (and UTF-16 ones) inserted anywhere in a good file."""
    data = to_csv([HUBSPOT, *[good_hubspot_row(i) for i in range(draw(st.integers(1, 3)))]]).encode()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        bom = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
        data = data[:at] + bom + data[at:]
    return data


TEXT_COLUMNS = ["Record ID", "Deal Name", "Closed lost reason", "Associated Company"]


@st.composite
def huge_field(draw: st.DrawFn) -> bytes:
    """One free-text cell of a good file made huge (up to beyond the csv module's 128 KiB
    field limit). A huge value in a checked column (amount, dates) is a bug pinned below."""
    rows = [good_hubspot_row(i) for i in range(draw(st.integers(1, 3)))]
    row = draw(st.sampled_from(rows))
    size = draw(st.sampled_from([5_000, 100_000, 140_000]))
    row[HUBSPOT.index(draw(st.sampled_from(TEXT_COLUMNS)))] = (
        draw(st.sampled_from(["x", "9", "'", ",", "é"])) * size
    )
    return to_csv([HUBSPOT, *rows]).encode()


RANDOM_FILES = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    hubspot_random_cells(),
    own_export_random_cells(),
    wrong_delimiter(),
    unterminated_quote(),
    bom_in_odd_places(),
)

# ------------------------------------------------------------------- world


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import-template") / "pipeline.db"
    store = Store.open(path, clock=lambda: NOW)
    try:
        builders.add(store, "Acme renewal", company="Acme", value=1_200_000)
        lost = builders.add(store, "Initech", value=90_000)
        builders.move(
            store,
            lost.id,
            store.shape.find_stage("Closed Lost").id,
            LossInput(store.shape.find_reason("Price").id),
        )
    finally:
        store.close()
    return path


def dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


@contextlib.contextmanager
def example(template: Path, data: bytes) -> Iterator[tuple[Path, Path]]:
    """A fresh copy of the pipeline and the CSV file, in a folder of their own."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        folder = Path(tmp)
        mp.setenv("PIPELINE_TUI_CONFIG", str(folder / "config.toml"))
        db, csv_path = folder / "pipeline.db", folder / "deals.csv"
        shutil.copy(template, db)
        csv_path.write_bytes(data)
        yield db, csv_path


def deal_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0]
    finally:
        conn.close()


ASKED = re.compile(r"^\d[\d,]* stage values? in '.*' (is|are) not a stage of this pipeline")


def assert_clear(message: str, data: bytes) -> None:
    """One line, not too long, and a row it names exists in the file. The one message of
    several lines is the question where unknown stage values go: a line per value (at most
    20 listed), the --map line to paste, and a line each for what follows."""
    assert message.strip(), "an empty error"
    assert "Traceback" not in message, message
    lines = message.split("\n")
    if ASKED.match(message):
        assert message.endswith("Nothing was imported.") and len(lines) <= 27, message
        assert "--map '" in message or "--map $'" in message, message
        assert all(len(line) <= 20 * (MAX_MESSAGE // 4) for line in lines), message
    else:
        assert len(lines) == 1, message
        assert len(message) <= MAX_MESSAGE, f"a {len(message):,}-character error: {message[:200]}…"
    for number in re.findall(r"\b[Rr]ow (\d+)", message):
        assert 1 <= int(number) <= data.count(b"\n") + data.count(b"\r") + 1, message


def check_api(db: Path, csv_path: Path, data: bytes) -> str | None:
    """plan_import then import_file on a store: success, or a PipelineError with a clear
    message and nothing changed. Returns the error message, if any."""
    store = Store.open(db, clock=lambda: NOW)
    try:
        before, count = dump(db), store.deals.count()
        try:
            plan = importer.plan_import(store, csv_path)
        except PipelineError as exc:
            assert_clear(str(exc), data)
            assert isinstance(exc, UnknownStages) == bool(ASKED.match(str(exc)))
            plan = None
        assert dump(db) == before, "planning changed the database"
        try:
            result = builders.import_file(store, csv_path)
        except PipelineError as exc:
            assert plan is None, f"planned {len(plan.rows)} deals, then the import failed: {exc}"
            assert_clear(str(exc), data)
            assert dump(db) == before and store.deals.count() == count, "a failed import changed the database"
            return str(exc)
        assert plan is not None and result.imported == len(plan.rows)
        assert store.deals.count() == count + result.imported
        return None
    finally:
        store.close()


def check_cli(capsys: pytest.CaptureFixture[str], db: Path, csv_path: Path, data: bytes) -> int:
    """`pipeline-tui import FILE`: exit 0, or exit 1 with one error line and nothing changed."""
    before, count = dump(db), deal_count(db)
    capsys.readouterr()
    try:
        code = main(["--db", str(db), "--today", TODAY.isoformat(), "import", str(csv_path)])
    except SystemExit as exc:  # pragma: no cover - argparse has nothing to refuse here
        raise AssertionError(f"argparse exit {exc.code}") from exc
    out, err = capsys.readouterr()
    assert code in (0, 1), code
    assert "Traceback" not in err
    if code == 1:
        assert err.startswith("pipeline-tui: error: ") and err.endswith("\n"), err
        assert_clear(err.removeprefix("pipeline-tui: error: ").removesuffix("\n"), data)
        assert dump(db) == before
    else:
        imported = int(re.search(r"^Imported ([\d,]+) deals?\.", out, re.M)[1].replace(",", ""))  # type: ignore[index]
        assert deal_count(db) == count + imported
    return code


# ------------------------------------------------------------------- tests


@IMPORT_SETTINGS
@given(data=RANDOM_FILES)
def test_any_file_imports_or_is_refused_with_one_clear_line(capsys, template, data) -> None:
    with example(template, data) as (db, csv_path):
        error = check_api(db, csv_path, data)
        # The CLI on a fresh copy says the same: success, or one line (and nothing changed).
        shutil.copy(template, db)
        code = check_cli(capsys, db, csv_path, data)
        assert (code == 1) == (error is not None)


@settings(IMPORT_SETTINGS, max_examples=40)
@given(case=ragged())
def test_a_ragged_row_is_named(capsys, template, case) -> None:
    data, bad_row = case
    with example(template, data) as (db, csv_path):
        error = check_api(db, csv_path, data)
        if bad_row is None:
            assert error is None
        else:
            assert error is not None and error.startswith(f"Row {bad_row} has "), (bad_row, error)
            assert "Nothing was imported" in error
        shutil.copy(template, db)
        assert check_cli(capsys, db, csv_path, data) == (1 if bad_row else 0)


@settings(IMPORT_SETTINGS, max_examples=20)
@given(data=wrong_delimiter())
def test_the_wrong_delimiter_is_refused_naming_the_first_row(template, data) -> None:
    with example(template, data) as (db, csv_path):
        error = check_api(db, csv_path, data)
        assert error is not None
        assert error.startswith("Row 2 has ") or re.match(r"Cannot tell where \S+ comes from", error), error


@settings(IMPORT_SETTINGS, max_examples=25)
@given(data=unterminated_quote())
def test_an_unterminated_quote_is_refused_or_read(capsys, template, data) -> None:
    with example(template, data) as (db, csv_path):
        error = check_api(db, csv_path, data)
        if error is not None and "not valid CSV" in error:
            assert re.search(r"row \d+ \(line \d+\)", error), error
        shutil.copy(template, db)
        check_cli(capsys, db, csv_path, data)


@settings(IMPORT_SETTINGS, max_examples=20)
@given(data=bom_in_odd_places())
def test_byte_order_marks_in_odd_places(capsys, template, data) -> None:
    with example(template, data) as (db, csv_path):
        check_api(db, csv_path, data)
        shutil.copy(template, db)
        check_cli(capsys, db, csv_path, data)


def _in_reason(data: bytes) -> bool:
    """Whether the huge cell is the loss reason (which takes a note's length)."""
    rows = list(csv.reader(io.StringIO(data.decode())))
    column = rows[0].index("Closed lost reason")
    return any(len(row[column]) > MAX_LINE for row in rows[1:])


@settings(IMPORT_SETTINGS, max_examples=10)
@given(data=huge_field())
def test_huge_fields(capsys, template, data) -> None:
    with example(template, data) as (db, csv_path):
        error = check_api(db, csv_path, data)
        # Every path has the same limits: a cell longer than its field takes is refused,
        # naming the row and the column; anything else imports.
        longest = max(len(cell) for row in csv.reader(io.StringIO(data.decode())) for cell in row)
        limit = (
            MAX_NOTE
            if b"Closed lost reason" in data and longest > MAX_LINE and _in_reason(data)
            else MAX_LINE
        )
        if longest <= limit:
            assert error is None
        else:
            assert error is not None and error.startswith("Row ") and "column '" in error, error
        shutil.copy(template, db)
        check_cli(capsys, db, csv_path, data)


# ------------------------------------------------------------- specific files


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "is empty"),
        (b" \r\n\t\r\n", "is empty"),
        (b",,,\r\n,,\r\n", "no header row"),
        (b"\x00\x01\x02", "binary data"),
        # UTF-16 with a lone surrogate at the end
        (b"\xff\xfeD\x00e\x00a\x00l\x00\x00\xd8", "starts as UTF-16 text but breaks off at byte 10"),
        (b"name,amount\r\nx,1\r\n", "Cannot tell where deals.csv comes from"),
        (b"Deal Name,Deal Stage\r\n\"open quote,Lead\r\n", "not valid CSV: row 2"),
        (b"Deal Name,Deal Stage,Amount\r\nA,Lead,12\r\nB,Lead,twelve\r\n", "Row 3, column 'Amount'"),
        (b"Deal Name,Deal Stage\r\nA,Lead\r\n\r\n,\r\nB\r\n", "Row 5 has 1 cells"),
        (b"Deal Name,Deal Stage\r\nA,Lead,extra\r\n", "Row 2 has 3 cells"),
        (b"Deal Name,Deal Stage\r\nA,Lead,,\r\n", ""),  # empty cells past the last column
        (b"Deal Name,Deal Stage\r\n,Lead\r\n", "Row 2, column 'Deal Name'"),
        (b"Deal Name,Deal Stage,Close Date\r\nA,Lead,31/31/2026\r\n", "Row 2, column 'Close Date'"),
        ("\ufeff\ufeffDeal Name,Deal Stage\r\nA,Lead\r\n".encode(), ""),  # two BOMs: still the header
    ],
    ids=["empty", "blank", "commas-only", "binary", "utf16-surrogate", "unknown-header", "open-quote",
         "bad-amount", "blank-rows-counted", "extra-cell", "extra-empty-cells", "no-title", "bad-date",
         "double-bom"],
)  # fmt: skip
def test_specific_malformed_files(capsys, template, data: bytes, fragment: str) -> None:
    with example(template, data) as (db, csv_path):
        error = check_api(db, csv_path, data)
        if fragment:
            assert error is not None and fragment in error, error
        else:
            assert error is None
        shutil.copy(template, db)
        assert check_cli(capsys, db, csv_path, data) == (1 if fragment else 0)


def test_a_folder_or_a_missing_file_is_one_clear_line(capsys, template) -> None:
    with example(template, b"") as (db, csv_path):
        csv_path.unlink()
        for path, fragment in ((csv_path, "There is no file"), (db.parent, "is a folder")):
            before = dump(db)
            assert main(["--db", str(db), "import", str(path)]) == 1
            err = capsys.readouterr().err
            assert err.startswith("pipeline-tui: error:") and fragment in err and err.count("\n") == 1
            assert dump(db) == before


# ----------------------------------------------------------------- known bugs


def own_export_with_notes(template: Path, notes: list[str]) -> bytes:
    """Our own `export deals` of one deal with these notes."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "source.db"
        store = Store.open(db, clock=lambda: NOW)
        try:
            deal = builders.add(store, "Big notes", company="Acme")
            for text in notes:
                builders.add_note(store, deal.id, text)
        finally:
            store.close()
        out = Path(tmp) / "deals.csv"
        assert main(["--db", str(db), "export", "deals", "-o", str(out)]) == 0
        return out.read_bytes()


def test_bug_own_export_with_long_notes_does_not_import_back(capsys, template) -> None:
    notes = [f"note {i} " + "x" * 19_990 for i in range(7)]
    data = own_export_with_notes(template, notes)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, db = Path(tmp) / "deals.csv", Path(tmp) / "empty.db"
        csv_path.write_bytes(data)
        capsys.readouterr()
        code = main(["--db", str(db), "import", str(csv_path)])
        err = capsys.readouterr().err
        assert code == 0, err
        store = Store.open(db, clock=lambda: NOW)
        try:
            (deal,) = store.deals.all()
            assert [e.text for e in store.deals.timeline(deal.id) if e.kind.value == "note"] == notes
        finally:
            store.close()


def test_bug_deeply_nested_notes_cell_escapes_as_recursion_error(template) -> None:
    row = good_own_row(0)
    row[OWN.index("notes")] = "[" * 50_000
    data = to_csv([OWN, row]).encode()
    with example(template, data) as (db, csv_path):
        check_api(db, csv_path, data)


@pytest.mark.parametrize("column", ["Amount", "Close Date", "Create Date"])
def test_bug_error_quoting_a_huge_cell_is_not_one_clear_line(template, column) -> None:
    row = good_hubspot_row(0)
    row[HUBSPOT.index(column)] = "9" * 100_000
    data = to_csv([HUBSPOT, row]).encode()
    with example(template, data) as (db, csv_path):
        check_api(db, csv_path, data)

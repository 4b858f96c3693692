"""The import reads its file as a stream and plans each row as it passes: the fast row
reader gives what `read_row` gives (or its exact refusal) for any cell, the layout is told
apart without the whole file in view, the date order is decided by the whole file even when
the proof comes late, and a large import writes the same pipeline (indexes and all) as a
small one."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import builders
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline_tui import importer
from pipeline_tui.errors import InputError
from pipeline_tui.importer.columns import resolve_columns
from pipeline_tui.importer.fast_rows import RowReader
from pipeline_tui.importer.formats import Format, registry
from pipeline_tui.importer.source import read_row
from pipeline_tui.importer.table import read_table
from pipeline_tui.importer.values import DateOrder
from pipeline_tui.store import Store, import_rows

# Cells a column may hold: what each kind of field is written as, well and badly.
TEXTS = ["Acme", "", "  padded  ", "é€ü", "x" * 501, "y" * 20_001, "a\x00b", "\udcff", "'=1+1", "Müller"]
AMOUNTS = ["1200", "1,200.50", "1.200,50", "€5,000", "$5,000", "12k", "1.2E+05", "1234.5600000000001",
           "-5", "abc", "", "EUR 3 500", "12 USD", "99999999999999999", "0.5", "1.234"]  # fmt: skip
CURRENCIES = ["USD", "eur", "Euro", "US Dollar", "XYZ", "", "usd ", "GBP", "12"]
DATES = ["2024-06-30", "6/30/2024", "30/06/2024", "13/14/2024", "", "45473", "Jun 30, 2024", "garbage",
         "2024-06-30T10:15:00Z", "6/30/2024 10:15 AM", "1850-01-01", "31.01.2027"]  # fmt: skip
FLAGS = ["true", "no", "1", "0", "maybe", "", "Ja", "X"]
WORDS = ["Closed Won", "Closed Lost", "Open", "won", "lost", "Deleted", "", "Negotiation", "C2:WON", "S", "F",
         "P", "one_time", "monthly", "Abandoned"]  # fmt: skip
KINDS = {
    "value": AMOUNTS, "currency": CURRENCIES, "close": DATES, "next_due": DATES, "created": DATES,
    "activity": DATES, "closed_on": DATES, "lost_date": DATES, "won": FLAGS, "closed": FLAGS, "lost": FLAGS,
    "active": FLAGS, "deleted": FLAGS + ["archived"], "stage": WORDS, "status": WORDS, "semantic": WORDS,
    "period": WORDS, "lost_at": WORDS,
}  # fmt: skip
CRMS = [f for f in registry() if f.name != "pipeline-tui"]


@st.composite
def files(draw: st.DrawFn) -> tuple[Format, list[str], list[str], dict[str, str]]:
    """A format, a header of some of its columns (a column twice, now and then), a row of
    cells for it, and the --column lines the user gave."""
    fmt = draw(st.sampled_from(CRMS))
    names = sorted(fmt.aliases)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    header = [draw(st.sampled_from(list(fmt.aliases[n]))) for n in chosen]
    if draw(st.booleans()):
        header.append(draw(st.sampled_from(header)))  # a column twice: compared on every row
    fields = [next((n for n in names if h in fmt.aliases[n]), "") for h in header]
    cells = [draw(st.sampled_from(KINDS.get(f, TEXTS))) for f in fields]
    overrides = {"value": header[-1]} if draw(st.integers(0, 9)) == 0 else {}
    return fmt, header, cells, overrides


# Headers whose columns cannot be resolved (two candidates for a field) are left out with
# assume(): for some formats most drawn headers are such, which is expected, not a fault.
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(example=files(), day_first=st.booleans(), fixed=st.sampled_from([None, "EUR"]))
def test_the_fast_reader_reads_every_cell_as_read_row_does(example, day_first: bool, fixed) -> None:
    fmt, header, cells, overrides = example
    try:
        columns = resolve_columns(header, fmt, overrides)
    except InputError:
        assume(False)
        return
    order = DateOrder(day_first)
    reader = RowReader(columns, fmt, order, fixed_currency=fixed)
    for row in (cells, list(cells)):  # the second time from what the first remembered
        try:
            expected = read_row(7, row, columns, fmt, order, fixed_currency=fixed)
        except InputError as exc:
            with pytest.raises(InputError) as caught:
                reader.read(7, row)
            assert str(caught.value) == str(exc)
            continue
        got = reader.read(7, row)
        assert got._replace(cells=tuple(got.cells)) == expected


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return path


HUBSPOT = [
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Amount",
    "Close Date",
    "Create Date",
    "Associated Company",
]


def _hubspot(n: int, close: str = "2026-12-01") -> list[str]:
    return [str(1000 + n), f"Deal {n}", "Appointment Scheduled", "1200", close, "2026-01-01", "Acme"]


def test_rows_are_read_from_the_file_each_time_and_counted_once_read_through(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", [["Deals won, Q3"], HUBSPOT, *(_hubspot(n) for n in range(5)),
                                       ["Generated By: Ana"]])  # fmt: skip
    table = read_table(path)
    assert table.rows.layout is None  # nothing read yet beyond the header
    first, second = list(table.rows), list(table.rows)
    assert first == second and [n for n, _ in first] == [3, 4, 5, 6, 7]
    assert (len(table.rows), table.footer) == (5, ("Generated By: Ana",))
    assert table.left_out == ("1 line above the header, which is line 2",)


def test_a_file_changed_while_it_is_read_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", [HUBSPOT, *(_hubspot(n) for n in range(3))])
    table = read_table(path)
    rows = iter(table.rows)
    next(rows)
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write("1099,Late,Appointment Scheduled,1,2026-12-01,2026-01-01,Acme\r\n")
    with pytest.raises(InputError, match="changed while it was read; nothing was imported"):
        list(rows)


def test_an_unreadable_line_is_said_before_any_row(store: Store, tmp_path: Path) -> None:
    """A quote never closed far down the file is said first, as when the file was read whole,
    even though a row above it is wrong too."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([HUBSPOT, _hubspot(1), [*_hubspot(2)[:3], "lots"]])
    path = tmp_path / "a.csv"
    path.write_text(text.getvalue() + '1003,"Deal 3,Appointment Scheduled,1,2026-12-01,2026-01-01,Acme\r\n')
    with pytest.raises(InputError, match="is not valid CSV"):
        importer.plan_import(store, path)


def test_proof_of_the_date_order_late_in_the_file_rereads_the_rows_before_it(
    store: Store, tmp_path: Path
) -> None:
    """05/06/2027 reads either way; 13/06/2027 further down proves the file day-first, so the
    first is 5 June even though the setting says month first."""
    header = ["Deal Name", "Deal Stage", "Amount", "Close Date"]
    rows = [header, ["A", "Appointment Scheduled", "1", "05/06/2027"]]
    rows += [[f"B{n}", "Appointment Scheduled", "1", "07/06/2027"] for n in range(50)]
    rows += [["C", "Appointment Scheduled", "1", "13/06/2027"]]
    plan = importer.plan_import(store, _write(tmp_path / "eu.csv", rows))
    closes = {r.title: r.expected_close for r in plan.rows}
    assert closes["A"] == date(2027, 6, 5) and closes["C"] == date(2027, 6, 13)
    assert not any("could be read either way" in n for n in plan.notices)


def test_a_large_import_writes_the_same_pipeline_as_a_small_one(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `BULK` rows the indexes are built after the rows: the same indexes, the same rows
    and events, in one transaction, undone whole."""
    path = _write(tmp_path / "a.csv", [HUBSPOT, *(_hubspot(n) for n in range(30))])
    schema = sorted(store.conn.rows("SELECT type, name, sql FROM sqlite_master"))
    monkeypatch.setattr(import_rows, "BULK", 10)
    done = builders.import_file(store, path)
    assert done.imported == 30
    assert sorted(store.conn.rows("SELECT type, name, sql FROM sqlite_master")) == schema
    assert store.conn.rows("PRAGMA integrity_check") == [("ok",)]
    assert store.conn.rows("SELECT COUNT(*) FROM events WHERE kind = 'imported'") == [(30,)]
    assert [d.title for d in store.deals.all()] == [f"Deal {n}" for n in range(30)]


def test_a_big_plan_says_the_same_as_it_did_whole(store: Store, tmp_path: Path) -> None:
    """Counts, totals and missing reasons come from what the plan kept per stage."""
    rows = [_hubspot(n) for n in range(3)] + [[*_hubspot(9)[:2], "Closed Lost", "50", *_hubspot(9)[4:]]]
    plan = importer.plan_import(store, _write(tmp_path / "a.csv", [HUBSPOT, *rows]))
    assert len(plan.rows) == 4 and [r.title for r in plan.rows] == ["Deal 0", "Deal 1", "Deal 2", "Deal 9"]
    assert plan.counts() == {"Lead": 3, "Closed Lost": 1}
    assert plan.totals() == {"USD": 3 * 120_000 + 5_000}
    assert plan.stage_totals() == {"Lead": {"USD": 360_000}, "Closed Lost": {"USD": 5_000}}
    assert plan.missing_reasons == 1
    assert plan.rows[-1].title == "Deal 9" and plan.rows[0].company == "Acme"


@given(st.text(alphabet=" \t\n\x0b\x1c\x1f\x85\xa0\u2009\u3000\ufeffaBßéİΣ\u2028x\u200b\u180e", max_size=12))
def test_a_natural_key_folds_names_as_norm_does(text: str) -> None:
    from pipeline_tui.importer.formats import norm
    from pipeline_tui.importer.identity import norm_text

    assert norm_text(text) == norm(text)

"""What the app stamps itself obeys the limits it holds every input to (limits.py: years
1900–2200): a clock outside them is refused and said, never written; and every writer and
every reader agree on that range, edges included: what one path writes, the others read
back (export, import, backup, restore, the calendar), and nothing in range is dropped."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from conftest import Clock

from pipeline_tui.cli import main
from pipeline_tui.csv_io import export_to_string
from pipeline_tui.errors import InputError
from pipeline_tui.ics import revisits
from pipeline_tui.store import Store

OUTSIDE = [
    datetime(1899, 12, 31, 23, 59),
    datetime(2201, 1, 1, 0, 0),
    datetime(1, 1, 1),
    datetime(9999, 12, 31),
]
EDGES = [datetime(1900, 1, 1, 0, 0), datetime(2200, 12, 31, 23, 59, 59)]


@pytest.mark.parametrize("now", OUTSIDE, ids=lambda d: d.isoformat())
def test_a_clock_outside_the_years_is_refused_and_said(store: Store, clock: Clock, now: datetime) -> None:
    builders.add(store, "Before the clock went wrong")
    before = store.conn.rows("SELECT COUNT(*) FROM events")[0][0]
    clock.now = now
    for change in (lambda: builders.add(store, "New"), lambda: builders.note(store, 1, "hello"),
                   lambda: builders.win(store, 1)):  # fmt: skip
        with pytest.raises(InputError, match=rf"The clock says {now:%Y-%m-%d}, outside 1900–2200"):
            change()
    assert store.deals.count() == 1
    assert store.conn.rows("SELECT COUNT(*) FROM events")[0][0] == before


@pytest.mark.parametrize("today", ["2201-01-01", "1899-12-31", "9999-01-01"])
def test_today_outside_the_years_is_one_line(
    tmp_path: Path, today: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "p.db"), "--today", today, "add", "X"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and today[:4] in err
    assert not (tmp_path / "p.db").exists()


@pytest.mark.parametrize("now", EDGES, ids=lambda d: d.isoformat())
def test_what_is_stamped_at_the_edges_every_path_reads_back(
    tmp_path: Path, now: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock(now)
    edge = now.date()
    source = tmp_path / "source.db"
    with Store.open(source, clock=clock) as store:
        deal = builders.add(store, "At the edge", expected_close=edge, next_step="call", next_step_due=edge)
        builders.note(store, deal, "stamped at the edge")
        lost = builders.add(store, "Lost at the edge")
        builders.lose(store, lost, "Price", revisit_on=edge, note="come back")
        csv_text = export_to_string(store, "deals")
        calendar = revisits(store)
    # The calendar holds the revisit (never dropped), dated as stored.
    assert calendar.events == 1 and calendar.left_out == ()
    assert f"DTSTART;VALUE=DATE:{edge:%Y%m%d}" in calendar.text
    # Our own export imports back whole.
    exported = tmp_path / "deals.csv"
    exported.write_text(csv_text, encoding="utf-8", newline="")
    target = tmp_path / "imported.db"
    assert main(["--db", str(target), "import", str(exported)]) == 0, capsys.readouterr().err
    # A backup restores whole.
    backup = tmp_path / "backup.db"
    assert main(["--db", str(source), "backup", "-o", str(backup)]) == 0
    restored = tmp_path / "restored.db"
    assert main(["--db", str(restored), "restore", str(backup), "--yes"]) == 0, capsys.readouterr().err
    for path in (target, restored):
        with Store.open(path) as store:
            got = {d.title: d for d in store.deals.all(archived=None)}
            assert got["At the edge"].expected_close == edge == got["At the edge"].next_step_due
            assert got["Lost at the edge"].revisit_on == edge
            assert got["At the edge"].created_at.year == now.year


def test_the_last_accepted_dates_are_accepted_everywhere_typed(store: Store) -> None:
    """The typed date parser, the domain checks and the limits agree on both ends."""
    from pipeline_tui.dates import parse_date

    for text, year in (("2200-12-31", 2200), ("1900-01-01", 1900)):
        assert parse_date(text, date(2026, 1, 1)).year == year
        deal = builders.add(store, f"Close {year}", expected_close=date(year, 12, 31 if year == 2200 else 1))
        assert deal.expected_close is not None and deal.expected_close.year == year
    for text in ("2201-01-01", "1899-12-31"):
        with pytest.raises(InputError):
            parse_date(text, date(2026, 1, 1))

"""`pipeline-tui revisits --ics`: pending revisits as all-day iCalendar events, parsed back
with the real `icalendar` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import builders
import icalendar
import pytest
from conftest import TODAY, Clock

from pipeline_tui import ics
from pipeline_tui.cli import main
from pipeline_tui.models import Deal, LossInput
from pipeline_tui.store import Store

T = ["--today", TODAY.isoformat()]
NOTE = "Call back after Q1; budget frozen, maybe 50% later\nПерезвонить в марте — 東京 office\\finance"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, *T])
    out, err = capsys.readouterr()
    return code, out, err


def calendar_text(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(capsys, "revisits", "--ics")
    assert code == 0, err
    return out


def events(text: str) -> dict[str, icalendar.Event]:
    """The calendar's events by SUMMARY (parsing also checks the file is valid iCalendar)."""
    cal = icalendar.Calendar.from_ical(text)
    assert cal["VERSION"] == "2.0"
    assert "PRODID" in cal
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def lose(store: Store, title: str, reason: str, *, revisit: date | None, **kwargs: object) -> Deal:
    deal = builders.add(store, title, **kwargs)  # type: ignore[arg-type]
    builders.move(store, deal.id, store.shape.find_stage("Proposal").id)
    return builders.mark_lost(
        store,
        deal.id,
        LossInput(
            store.shape.find_reason(reason).id,
            competitor="HubSpot" if reason == "Lost to competitor" else "",
            note=NOTE if reason == "Lost to competitor" else "",
            revisit_on=revisit,
        ),
    )


@pytest.fixture
def pipeline(store: Store, clock: Clock) -> dict[str, Deal]:
    """Two pending revisits and the lost and open deals that must stay out of the calendar."""
    deals = {
        "competitor": lose(
            store, "Platform licence", "Lost to competitor", revisit=date(2027, 3, 1), company="Müller, GmbH"
        ),
        "timing": lose(store, "Seats; expansion", "Timing / no urgency", revisit=date(2026, 12, 1)),
        "no-revisit": lose(store, "Gone for good", "Price / budget", revisit=None),
        "closed": lose(store, "Closed out", "Price / budget", revisit=date(2026, 11, 1)),
        "open": builders.add(store, "Still open", expected_close=date(2026, 12, 1)),
    }
    builders.close_revisit(store, deals["closed"].id)
    clock.advance(hours=1)
    return deals


def test_one_all_day_event_per_pending_revisit(
    pipeline: dict[str, Deal], capsys: pytest.CaptureFixture[str]
) -> None:
    found = events(calendar_text(capsys))
    assert sorted(found) == ["Revisit: Platform licence — Müller, GmbH", "Revisit: Seats; expansion"]
    for summary, start in (
        ("Revisit: Platform licence — Müller, GmbH", date(2027, 3, 1)),
        ("Revisit: Seats; expansion", date(2026, 12, 1)),
    ):
        event = found[summary]
        dtstart, dtend = event["DTSTART"].dt, event["DTEND"].dt
        assert type(dtstart) is date  # all day: a date, not a datetime
        assert dtstart == start
        assert type(dtend) is date and dtend == start + timedelta(days=1)
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        stamp = event["DTSTAMP"].dt
        assert isinstance(stamp, datetime) and stamp.utcoffset() == timedelta(0)


def test_description_carries_reason_competitor_and_the_exact_note(
    pipeline: dict[str, Deal], capsys: pytest.CaptureFixture[str]
) -> None:
    text = calendar_text(capsys)
    event = events(text)["Revisit: Platform licence — Müller, GmbH"]
    deal = pipeline["competitor"]
    assert (
        str(event["DESCRIPTION"])
        == f"Lost: Lost to competitor (HubSpot)\n{NOTE}\nDeal #{deal.id} in pipeline-tui"
    )
    timing = events(text)["Revisit: Seats; expansion"]
    assert (
        str(timing["DESCRIPTION"])
        == f"Lost: Timing / no urgency\nDeal #{pipeline['timing'].id} in pipeline-tui"
    )
    # RFC 5545 TEXT escaping in the raw file (unfolded): commas, semicolons, backslashes, newlines.
    raw = text.replace("\r\n ", "")
    assert "SUMMARY:Revisit: Platform licence — Müller\\, GmbH\r\n" in raw
    assert "SUMMARY:Revisit: Seats\\; expansion\r\n" in raw
    assert "Q1\\; budget frozen\\, maybe 50% later\\nПерезвонить" in raw
    assert "office\\\\finance" in raw


def test_a_reasonless_imported_loss_says_so(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    lost = store.shape.find_stage("Closed Lost").id
    store.transfer.add_many(
        [{"title": "Imported", "stage_id": lost, "revisit_on": "2027-01-15", "revisit_state": "pending"}]
    )
    (event,) = events(calendar_text(capsys)).values()
    assert str(event["DESCRIPTION"]).startswith("Lost: no reason recorded\n")
    assert event["DTSTART"].dt == date(2027, 1, 15)


def test_uids_are_stable_and_a_snoozed_revisit_keeps_its_uid(
    store: Store, clock: Clock, pipeline: dict[str, Deal], capsys: pytest.CaptureFixture[str]
) -> None:
    def uids() -> dict[str, tuple[str, date]]:
        return {
            str(e["SUMMARY"]): (str(e["UID"]), e["DTSTART"].dt)
            for e in events(calendar_text(capsys)).values()
        }

    first = uids()
    assert len({uid for uid, _ in first.values()}) == 2
    clock.advance(days=2)
    assert uids() == first  # same UIDs (and dates) when exported again later

    deal = pipeline["timing"]
    builders.snooze_revisit(store, deal.id, date(2027, 6, 30), note="Try again in summer")
    after = uids()
    assert after["Revisit: Seats; expansion"] == (first["Revisit: Seats; expansion"][0], date(2027, 6, 30))
    assert (
        after["Revisit: Platform licence — Müller, GmbH"] == first["Revisit: Platform licence — Müller, GmbH"]
    )
    assert ics.uid(store.deals.get(deal.id)) == first["Revisit: Seats; expansion"][0]

    # Closed out or reopened: the event leaves the calendar.
    builders.close_revisit(store, deal.id)
    builders.reopen(store, pipeline["competitor"].id, store.shape.find_stage("Qualified").id)
    assert uids() == {}


def test_a_snooze_makes_the_event_newer(
    store: Store, clock: Clock, pipeline: dict[str, Deal], capsys: pytest.CaptureFixture[str]
) -> None:
    """Same UID, new date: LAST-MODIFIED and SEQUENCE go up so calendar clients that keep the
    newer copy of an event take the new date instead of the old one."""
    summary = "Revisit: Seats; expansion"
    before = events(calendar_text(capsys))[summary]
    clock.advance(days=3)
    builders.snooze_revisit(store, pipeline["timing"].id, date(2027, 6, 30))
    after = events(calendar_text(capsys))[summary]
    assert str(after["UID"]) == str(before["UID"])
    assert after["DTSTART"].dt == date(2027, 6, 30)
    assert after["LAST-MODIFIED"].dt > before["LAST-MODIFIED"].dt
    assert after["LAST-MODIFIED"].dt == clock().astimezone(UTC)
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1


def test_output_file_is_valid_folded_crlf_icalendar(
    store: Store, pipeline: dict[str, Deal], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_title = "Enterprise rollout for the whole Nordic region, phase two — " + "ÆØÅ 注释 " * 12
    lose(store, long_title, "Lost to competitor", revisit=date(2027, 9, 9))
    target = tmp_path / "revisits.ics"
    code, out, err = run(capsys, "revisits", "--ics", "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert "Wrote 3 revisits to" in err
    data = target.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    assert any(line.startswith(b" ") for line in lines)  # the long ones really are folded
    for line in lines:
        line.decode("utf-8")  # never cut inside a UTF-8 character
    found = events(data.decode("utf-8"))
    assert f"Revisit: {long_title.strip()}" in found
    # The file and standard output hold the same calendar (DTSTAMP aside).
    stdout = calendar_text(capsys)
    assert unfolded_without_stamp(stdout) == unfolded_without_stamp(data.decode("utf-8"))


def unfolded_without_stamp(text: str) -> list[str]:
    return [line for line in text.replace("\r\n ", "").split("\r\n") if not line.startswith("DTSTAMP")]


def test_control_characters_never_reach_the_file(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """RFC 5545 TEXT allows no control characters but tab; a pasted note can hold some. They
    show as the same visible marks as on the terminal (`display.safe`)."""
    deal = builders.add(store, "Bell\x07deal")
    builders.mark_lost(
        store,
        deal.id,
        LossInput(store.shape.find_reason("Other").id, note="page\x0cbreak\x1bend\ttab", revisit_on=TODAY),
    )
    text = calendar_text(capsys)
    assert not any(ch in text for ch in "\x07\x0c\x1b")
    (event,) = events(text).values()
    assert str(event["SUMMARY"]) == "Revisit: Bell␇deal"
    assert "page␌break␛end\ttab" in str(event["DESCRIPTION"])


def test_empty_calendar_is_still_a_calendar(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    builders.add(store, "Open deal")
    assert events(calendar_text(capsys)) == {}


def test_write_calendar_counts_and_replaces_the_file(
    store: Store, pipeline: dict[str, Deal], tmp_path: Path
) -> None:
    target = tmp_path / "cal.ics"
    target.write_text("old content")
    assert ics.write_calendar(store, target) == 2
    assert len(events(target.read_text(encoding="utf-8"))) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".revisits-")] == []
    for event in events(target.read_text(encoding="utf-8")).values():
        assert event["DTSTAMP"].dt == store.conn.clock().astimezone(UTC)  # stamped in UTC, now


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("revisits", "--ics", "-o", "{tmp}/missing/cal.ics"), "does not exist"),
        (("revisits", "--ics", "-o", "{tmp}"), "is a folder"),
        (("revisits", "-o", "{tmp}/cal.ics"), "-o goes with --ics"),
    ],
)
def test_bad_output_is_a_one_line_error(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], fragment: str
) -> None:
    code, out, err = run(capsys, *(a.format(tmp=tmp_path) for a in argv))
    assert code == 1
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("pipeline-tui: error: ") and fragment in line

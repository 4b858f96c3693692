"""Slipping close dates: the rule, the pushes read from the timeline (edits and CRM updates;
an undone push is no push), the ids the daily review takes (ranked by value × pushes), and
the flag on the card, in `list` and in `show`."""

from __future__ import annotations

import json
from datetime import date, datetime

import builders
import pytest
from conftest import TODAY

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.config import Settings
from pipeline_tui.models import StageKind
from pipeline_tui.review import Kind, Policy, build_queue, health, item_dicts, why
from pipeline_tui.slips import (
    NO_SLIP,
    Push,
    Slip,
    is_slipping,
    needs_review,
    push_lines,
    slip_of,
    slip_rank,
    slip_text,
)
from pipeline_tui.store import Store
from pipeline_tui.widgets.card_text import CardContext, card_text


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, 0)


def test_only_a_later_date_is_a_push() -> None:
    slip = slip_of(
        [
            (at(11, 1), None, d(11, 30)),  # set: no push
            (at(11, 2), d(11, 30), d(12, 15)),  # push
            (at(11, 3), d(12, 15), d(12, 1)),  # pulled in: no push
            (at(11, 4), d(12, 1), d(1, 15, 2027)),  # push
            (at(11, 5), d(1, 15, 2027), None),  # cleared: no push
            (at(11, 6), None, d(2, 1, 2027)),  # set again: no push
        ]
    )
    assert slip.count == 2 and slip.first == d(11, 30)
    assert slip_text(slip, TODAY) == "slipped 2×, was Nov 30"
    assert push_lines(slip, TODAY) == ["Nov 2: Nov 30 → Dec 15", "Nov 4: Dec 1 → Jan 15"]
    assert slip_text(NO_SLIP, TODAY) == ""


def test_a_deal_is_slipping_from_the_limit_on_while_open(store: Store) -> None:
    deal = builders.add(store, "Open")
    lead, won = store.shape.find_stage("Lead"), store.shape.first_stage(StageKind.WON)
    two = Slip((Push(at(11, 1), d(11, 30), d(12, 1)), Push(at(11, 2), d(12, 1), d(12, 2))))
    assert is_slipping(deal, lead, two, 2) and not is_slipping(deal, lead, two, 3)
    assert not is_slipping(deal, won, two, 2)  # a won deal slips no more
    assert slip_rank(deal, two) == (-2 * deal.value, -2, deal.id)


@pytest.fixture
def pushed(store: Store) -> dict[str, int]:
    """Initech pushed three times (Nov 30 → Dec 15 → Jan 15 → Feb 1) and pulled in once;
    Globex (worth more) pushed twice; Hooli once; Umbrella twice, then won."""
    initech = builders.add(store, "Initech seats", value=10_000_00, expected_close=d(11, 30), at=d(11, 1))
    builders.edit(store, initech, expected_close=d(12, 15), at=d(11, 5))
    builders.edit(store, initech, expected_close=d(1, 15, 2027), at=d(11, 12))
    builders.edit(store, initech, expected_close=d(1, 10, 2027), at=d(11, 13))
    builders.edit(store, initech, expected_close=d(2, 1, 2027), at=d(11, 20))
    globex = builders.add(store, "Globex", value=40_000_00, expected_close=d(12, 1), at=d(11, 1))
    builders.edit(store, globex, expected_close=d(12, 10), at=d(11, 6))
    builders.edit(store, globex, expected_close=d(12, 20), at=d(11, 7))
    hooli = builders.add(store, "Hooli", expected_close=d(12, 1), at=d(11, 1))
    builders.edit(store, hooli, expected_close=d(12, 31), at=d(11, 8))
    umbrella = builders.add(store, "Umbrella", expected_close=d(12, 1), at=d(11, 1))
    builders.edit(store, umbrella, expected_close=d(12, 10), at=d(11, 6))
    builders.edit(store, umbrella, expected_close=d(12, 20), at=d(11, 7))
    builders.win(store, umbrella, at=d(11, 9))
    return {"initech": initech.id, "globex": globex.id, "hooli": hooli.id, "umbrella": umbrella.id}


def test_the_pushes_come_from_the_timeline(store: Store, pushed: dict[str, int]) -> None:
    slip = store.history.slip(pushed["initech"])
    assert [(p.at, p.was, p.to) for p in slip.pushes] == [
        (at(11, 5), d(11, 30), d(12, 15)),
        (at(11, 12), d(12, 15), d(1, 15, 2027)),
        (at(11, 20), d(1, 10, 2027), d(2, 1, 2027)),
    ]
    assert set(store.history.slips()) == set(pushed.values())
    assert store.history.slips([pushed["hooli"]])[pushed["hooli"]].count == 1


def test_the_review_takes_slipping_open_deals_by_value_times_pushes(
    store: Store, pushed: dict[str, int]
) -> None:
    # Globex: $40k × 2 before Initech: $10k × 3; Hooli pushed once; Umbrella is won.
    assert store.history.slipping_ids(2) == [pushed["globex"], pushed["initech"]]
    assert store.history.slipping_ids(3) == [pushed["initech"]]
    assert store.history.slipping_ids(1) == [pushed["globex"], pushed["initech"], pushed["hooli"]]


def test_an_undone_push_is_no_push(store: Store, pushed: dict[str, int]) -> None:
    builders.edit(store, pushed["hooli"], expected_close=d(1, 31, 2027))
    assert store.history.slip(pushed["hooli"]).count == 2
    ops.undo(store)
    assert store.history.slip(pushed["hooli"]).count == 1
    assert pushed["hooli"] not in store.history.slipping_ids(2)


def test_list_and_show_flag_a_slipping_deal_with_its_pushes(
    store: Store, pushed: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out.splitlines()
    initech = next(line for line in out if "Initech" in line)
    assert initech.endswith("Initech seats  [slipped 3×, was Nov 30]")
    assert not any("slipped" in line for line in out if "Hooli" in line or "Umbrella" in line)
    assert main(["show", str(pushed["initech"]), "--today", TODAY.isoformat()]) == 0
    shown = capsys.readouterr().out
    assert (
        "    Slipping  slipped 3×, was Nov 30: Nov 5: Nov 30 → Dec 15; Nov 12: Dec 15 → Jan 15; "
        "Nov 20: Jan 10 → Feb 1" in shown
    )
    assert main(["show", str(pushed["hooli"]), "--today", TODAY.isoformat()]) == 0
    assert "      Pushed  slipped 1×, was Dec 1" in capsys.readouterr().out
    assert main(["show", str(pushed["initech"]), "--json", "--today", TODAY.isoformat()]) == 0
    slipped = json.loads(capsys.readouterr().out)["slipped"]
    assert slipped["pushes"] == 3 and slipped["was"] == "2026-11-30" and slipped["slipping"] is True
    assert slipped["history"][0]["from"] == "2026-11-30" and slipped["history"][0]["to"] == "2026-12-15"
    assert main(["config", "slip_limit", "4"]) == 0
    capsys.readouterr()
    assert main(["list", "--today", TODAY.isoformat()]) == 0
    assert "slipped" not in capsys.readouterr().out


def test_the_card_says_it_slipped(store: Store, pushed: dict[str, int]) -> None:
    deal = store.deals.get(pushed["initech"])
    stage = store.shape.stage(deal.stage_id)
    ctx = CardContext(today=TODAY, currency="USD", slips=store.history.slips([deal.id]))
    lines = [text for text, _ in card_text(deal, stage, ctx)]
    assert lines[2] == "$10k · 23d · ↻3×"  # days in its stage (since Nov 1), and the pushes
    assert lines[3] == "↻ slipped 3×, was Nov 30"
    ctx.slip_limit = 4
    assert [text for text, _ in card_text(deal, stage, ctx)][2:] == ["$10k · 23d", ""]


def test_the_review_takes_a_slipping_deal_until_the_seller_acts_on_it(
    store: Store, pushed: dict[str, int]
) -> None:
    review = TODAY
    assert store.history.slipping_ids(2, review_on=review) == [pushed["globex"], pushed["initech"]]
    builders.note(store, pushed["globex"], "Called: budget moves to January", at=d(11, 21))
    builders.snooze(store, pushed["initech"], d(12, 1))
    assert store.history.slipping_ids(2, review_on=review) == []
    assert store.history.slipping_ids(2) == [pushed["globex"], pushed["initech"]]  # still slipping
    globex = store.deals.get(pushed["globex"])
    lead = store.shape.stage(globex.stage_id)
    slip = store.history.slip(globex.id)
    assert is_slipping(globex, lead, slip) and not needs_review(globex, lead, slip, review)
    builders.edit(store, globex, expected_close=d(1, 31, 2027), at=d(11, 23))  # pushed again: back
    globex = store.deals.get(globex.id)
    assert needs_review(globex, lead, store.history.slip(globex.id), review)
    assert store.history.slipping_ids(2, review_on=review) == [pushed["globex"]]


def test_the_daily_review_takes_slipping_deals_with_their_pushes(
    store: Store, pushed: dict[str, int]
) -> None:
    """A kind of its own, after overdue steps and before stale: value × pushes first; the
    status line counts it as the queue does; `slip_limit` sets how many pushes make a slip;
    a note since the latest push settles it."""
    queue = build_queue(store, TODAY)
    assert [i.deal_id for i in queue if i.kind is Kind.SLIPPING] == [pushed["globex"], pushed["initech"]]
    assert health(store, TODAY).to_review == len(queue)
    globex = store.deals.get(pushed["globex"])
    assert why(store, Kind.SLIPPING, globex, TODAY) == (
        "close date slipped 2×, was Dec 1, now Dec 20 · pushed Nov 6: Dec 1 → Dec 10; Nov 7: Dec 10 → Dec 20"
    )
    strict = build_queue(store, TODAY, Policy(slip_limit=3))
    assert [i.deal_id for i in strict if i.kind is Kind.SLIPPING] == [pushed["initech"]]
    assert health(store, TODAY, Policy(slip_limit=3)).to_review == len(strict)
    builders.note(store, pushed["globex"], "Called: budget moves to January", at=d(11, 21))
    after = build_queue(store, TODAY)
    assert [i.deal_id for i in after if i.kind is Kind.SLIPPING] == [pushed["initech"]]
    assert health(store, TODAY).to_review == len(after)
    printed = [(i["id"], i["kind"]) for i in item_dicts(store, after.ids, after.kinds, TODAY)]
    assert (pushed["initech"], "slipping") in printed


async def test_the_review_screen_shows_the_pushes_and_a_note_settles_the_slip(
    make_app, store: Store, pushed: dict[str, int]
) -> None:
    from pilot_helpers import paste, plain
    from review_helpers import review_text
    from textual.widgets import Static

    app = make_app(settings=Settings(slip_limit=3))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        screen = app.screen
        text = review_text(screen)
        assert "Initech seats" in text and "Slipping" in text, text
        assert "slipped 3×, was Nov 30" in text and "Nov 20: Jan 10 → Feb 1" in text
        await pilot.press("a")
        await paste(pilot, "Asked what moved the date")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Initech seats" not in plain(screen.query_one("#review-why", Static))
    assert not needs_review(
        store.deals.get(pushed["initech"]),
        store.shape.find_stage("Lead"),
        store.history.slip(pushed["initech"]),
        TODAY,
        3,
    )

"""Rows without a record id that share a natural key (the same title, account and day) are
told apart by the values they carry; when that is a choice, the dry run says which row went
to which deal and how alike they were (issue 20, point 3: never a silent swap)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_import_exports import deals_of, ok, refused, stage, write

from pipeline_tui.store import Store

HEADER = ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date", "Created Date"]


def test_a_match_chosen_among_twins_is_said_before_it_is_made(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two deals named alike were imported from a Salesforce report without ids. Next
    week one has moved and changed amount, the other only its amount: each row goes to the
    deal it shares most with, and the dry run names the pairs and the record-id fix."""
    twin = ["Renewal", "Acme Corp"]
    week1 = [
        HEADER,
        [*twin, "Proposal/Price Quote", "100", "2026-06-30", "2026-01-10"],
        [*twin, "Negotiation/Review", "200", "2026-07-31", "2026-01-10"],
    ]
    ok(capsys, "import", str(write(tmp_path / "week1.csv", week1)))
    first, second = sorted(deals_of(store), key=lambda d: d.value)
    week2 = [
        HEADER,
        [*twin, "Negotiation/Review", "250", "2026-07-31", "2026-01-10"],  # the second, amount changed
        [*twin, "Closed Lost", "100", "2026-06-30", "2026-01-10"],  # the first, lost
    ]
    plan = ok(capsys, "import", "--dry-run", str(write(tmp_path / "week2.csv", week2)))
    said = " ".join(plan.split())
    assert "Rows 2, 3 are deals named 'Renewal' at 'Acme Corp' made the same day, without a record id" in said
    assert f"row 2 → deal #{second.id}" in said and f"row 3 → deal #{first.id}" in said
    assert "values alike" in said and "record id column" in said
    ok(capsys, "import", str(tmp_path / "week2.csv"))
    assert stage(store, store.deals.get(first.id)) == "Closed Lost"
    assert store.deals.get(second.id).value == 25_000


def test_twins_nothing_tells_apart_still_stop_the_import(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    twin = ["Pair", "Initech", "Negotiation/Review"]
    week1 = [HEADER, [*twin, "100", "2026-06-30", "2026-01-10"], [*twin, "200", "2026-06-30", "2026-01-10"]]
    ok(capsys, "import", str(write(tmp_path / "w1.csv", week1)))
    week2 = [HEADER, [*twin, "300", "2026-06-30", "2026-01-10"], [*twin, "400", "2026-06-30", "2026-01-10"]]
    err = refused(capsys, "import", "--dry-run", str(write(tmp_path / "w2.csv", week2)))
    assert "nothing in the file tells which row is which deal" in err


def test_a_deal_renamed_in_a_crm_without_ids_is_pointed_out(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Salesforce report without record ids: next week one opportunity is renamed and
    one account is renamed. Without ids each reads as a deal gone and a new one; the dry
    run says which new row may be which deal, and the record-id fix (it links nothing)."""
    week1 = [
        HEADER,
        ["Platform licence", "Globex", "Prospecting", "100", "2026-06-30", "2026-01-10"],
        ["Support renewal", "Initech", "Qualification", "200", "2026-07-31", "2026-02-03"],
        ["Seats", "Umbrella", "Prospecting", "300", "2026-08-31", "2026-03-01"],
    ]
    ok(capsys, "import", str(write(tmp_path / "week1.csv", week1)))
    ids = {d.title: d.id for d in deals_of(store)}
    week2 = [
        HEADER,
        ["Platform licence (3 years)", "Globex", "Prospecting", "100", "2026-06-30", "2026-01-10"],
        ["Support renewal", "Initech Ltd", "Qualification", "200", "2026-07-31", "2026-02-03"],
        ["Seats", "Umbrella", "Prospecting", "300", "2026-08-31", "2026-03-01"],
    ]
    said = " ".join(ok(capsys, "import", "--dry-run", str(write(tmp_path / "week2.csv", week2))).split())
    assert (
        f"#{ids['Platform licence']} 'Platform licence' is not in this file, and the new row "
        "'Platform licence (3 years)' has its account and created day" in said
    )
    assert (
        f"#{ids['Support renewal']} 'Support renewal' is not in this file, and the new row "
        "'Support renewal' has its name" in said
    )
    assert "record id column" in said and "'Seats' is not in this file" not in said


def test_a_deal_renamed_in_a_file_without_accounts_is_pointed_out_by_its_contact(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A Streak pipeline export has no account column: 'Beta' renamed 'Beta Corp' (same
    contact, same created day) read as one deal gone and one new, without a word."""
    head = ["Name", "Stage", "Deal Size", "Contact", "Date Created"]
    mapped = ["--column", "title=Name", "--column", "stage=Stage", "--column", "value=Deal Size",
              "--column", "contact=Contact", "--column", "created=Date Created"]  # fmt: skip
    week1 = [head, ["Beta", "Lead", "$12,000", "ann@beta.example", "2026-10-01"],
             ["Acme", "Lead", "$5,000", "joe@acme.example", "2026-11-01"]]  # fmt: skip
    ok(capsys, "import", str(write(tmp_path / "week1.csv", week1)), *mapped)
    week2 = [head, ["Beta Corp", "Lead", "$12,000", "ann@beta.example", "2026-10-01"], week1[2]]
    said = " ".join(
        ok(capsys, "import", "--dry-run", str(write(tmp_path / "week2.csv", week2)), *mapped).split()
    )
    assert (
        "#1 'Beta' is not in this file, and the new row 'Beta Corp' has its contact and created day" in said
    )

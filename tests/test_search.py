"""Search every word the seller wrote: folding, the FTS5 index the store keeps in step with
its own writes (notes, losses, wins, edits, undo, imports, archive), snippets, and the
command line. One Pilot test for the board's `f`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from conftest import TODAY

from pipeline_tui import operations as ops
from pipeline_tui.cli import main
from pipeline_tui.errors import InputError
from pipeline_tui.models import EventKind, ImportEvent, ImportRow, WinInput
from pipeline_tui.search import fts_query, matches, search_fold, snippet, terms
from pipeline_tui.store import Store

# ------------------------------------------------------------------ folding


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Müller & Söhne", "muller"),
        ("São Paulo Têxtil", "sao paulo textil"),
        ("Straße", "strasse"),
        ("İSTANBUL", "istanbul"),
        ("Diyarbakır", "DIYARBAKIR"),
        ("ＡＣＭＥ", "acme"),
        ("Café Lumière", "CAFE lumiere"),
    ],
)
def test_search_folds_case_accents_and_letters_like_matching_does(written: str, typed: str) -> None:
    words = terms(typed)
    assert all(word in search_fold(written) for word in words)
    assert matches(written, words)


def test_a_query_is_its_words_each_the_start_of_a_word() -> None:
    assert terms('  "Kube" kube, K8s!  ') == ["kube", "k8s"]
    assert terms("-- ... ") == []
    assert fts_query(["kube", 'say"x']) == '"kube"* "say""x"*'


def test_a_snippet_keeps_the_text_as_written_and_marks_the_matches() -> None:
    note = (
        "Long call. " * 10
        + "They mentioned Kubernetes and Müller's team;\nnext: security review. "
        + "x " * 40
    )
    cut = snippet(note, ["kube", "muller"], width=60)
    assert [part for part, matched in cut.parts if matched] == ["Kube", "Müller"]
    assert cut.text.startswith("…") and cut.text.endswith("…") and "\n" not in cut.text
    assert len(cut.text) <= 62
    assert [cut.text[s:e] for s, e in cut.spans] == ["Kube", "Müller"]


# ------------------------------------------------------------------ the index


def found(store: Store, text: str) -> list[tuple[int, str, str]]:
    """(deal id, where, snippet) of every hit."""
    return [(h.deal.id, h.where, h.snippet.text) for h in store.search.find(text).hits]


def test_every_word_the_seller_wrote_is_found_where_it_was_written(store: Store) -> None:
    a = builders.add(store, "Initech seats", company="Initech", contact="Jürgen Müller",
                     next_step="Security questionnaire")  # fmt: skip
    b = builders.add(store, "Globex pilot", company="Globex")
    builders.note(store, b, "They mentioned Kubernetes on the call.")
    c = builders.add(store, "Hooli renewal")
    builders.lose(store, c, "Lost to competitor", competitor="Pied Piper", note="Cheaper, and a Helm chart.")
    d = builders.add(store, "Umbrella", stage_id="Negotiation")
    ops.win(
        store, [d.id], WinInput(store.shape.find_won_reason("Beat").id, "Vandelay", "Their SSO story won it")
    )

    assert found(store, "muller") == [(a.id, "contact", "Jürgen Müller")]
    assert found(store, "questionnaire") == [(a.id, "next step", "Security questionnaire")]
    assert found(store, "kube") == [(b.id, "note", "They mentioned Kubernetes on the call.")]
    assert found(store, "helm") == [(c.id, "loss note", "Cheaper, and a Helm chart.")]
    assert found(store, "pied") == [(c.id, "competitor", "Pied Piper")]  # the deal's competitor field
    assert found(store, "vandelay") == [(d.id, "competitor", "Vandelay")]
    assert found(store, "sso story") == [(d.id, "win note", "Their SSO story won it")]
    assert found(store, "initech") == [(a.id, "title", "Initech seats")]
    hit = store.search.find("kubernetes").hits[0]
    assert hit.at == store.deals.notes(b.id)[0].at


def test_every_word_must_match_and_the_best_deal_comes_first(store: Store) -> None:
    one = builders.add(store, "Kubernetes migration", company="Acme")
    two = builders.add(store, "Acme renewal")
    builders.note(store, two, "Kubernetes came up once.")
    builders.add(store, "Unrelated", company="Kube Corp")  # 'kube' but not 'acme'
    hits = store.search.find("acme kubernetes")
    assert {h.deal.id for h in hits.hits} == {one.id, two.id} and hits.total == 2
    assert store.search.find("kube", limit=1).total == 3
    assert len(store.search.find("kube", limit=1).hits) == 1


def test_edits_undo_and_archive_keep_the_index_in_step(store: Store) -> None:
    deal = builders.add(store, "Old name")
    builders.edit(store, deal, title="Fresh name", company="Wayne Enterprises")
    assert found(store, "old") == []
    assert [i for i, _, _ in found(store, "wayne")] == [deal.id]
    builders.note(store, deal, "Bruce signs on Friday")
    ops.undo(store)  # the note taken back: it is no longer found
    assert found(store, "bruce") == []
    ops.undo(store)  # the edit taken back
    assert [i for i, _, _ in found(store, "old")] == [deal.id] and found(store, "wayne") == []
    builders.archive(store, deal)
    assert found(store, "old") == []
    assert [h.deal.id for h in store.search.find("old", archived=True).hits] == [deal.id]
    new = builders.add(store, "Brand new thing")
    ops.undo(store)  # adding undone: the deal is gone, and so is its row
    assert found(store, "brand") == [] and new.id not in {i for i, _, _ in found(store, "new")}
    assert store.search.index.in_step()


def test_a_reopened_deal_keeps_its_old_loss_note_findable(store: Store) -> None:
    deal = builders.add(store, "Cyberdyne")
    builders.lose(store, deal, "Timing", note="Revisit after the merger")
    builders.reopen(store, deal, "Qualified")
    assert store.deals.get(deal.id).loss_note == ""
    assert found(store, "merger") == [(deal.id, "loss note", "Revisit after the merger")]


def test_imports_are_indexed_and_their_undo_takes_them_out(store: Store) -> None:
    lead = store.shape.find_stage("Lead").id
    moment = datetime(2026, 11, 2, 9, 0)
    rows = [
        ImportRow(
            "Tyrell replicants",
            lead,
            moment,
            moment,
            moment,
            company="Tyrell",
            notes=((moment, "Voight-Kampff test scheduled"),),
        ),  # fmt: skip
        ImportRow(
            "Soylent",
            lead,
            moment,
            moment,
            moment,
            timeline=(
                ImportEvent(moment, EventKind.CREATED, to_stage_id=lead),
                ImportEvent(moment, EventKind.NOTE, "It is people"),
                ImportEvent(moment, EventKind.NOTE, "Taken back", data={"retracted": True}),
            ),
        ),  # fmt: skip
    ]
    with store.write():
        store.transfer.import_rows(rows, batch="b1")
    assert [w for _, w, _ in found(store, "voight")] == ["note"]
    assert [w for _, w, _ in found(store, "people")] == ["note"]
    assert found(store, "taken") == []
    store.transfer.undo_import({"batch": "b1"})
    assert found(store, "tyrell") == [] and found(store, "people") == []
    assert store.search.index.in_step()


def test_a_file_changed_by_another_tool_is_reindexed(store: Store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    deal = builders.add(store, "Acme")
    store.conn.db.execute("UPDATE deals SET title = 'Zorg' WHERE id = ?", [deal.id])
    store.conn.db.execute(
        "INSERT INTO deals (title, stage_id, created_at, stage_entered_at, last_activity_at) "
        "VALUES ('Outsider', 1, '2026-11-01 09:00:00', '2026-11-01 09:00:00', '2026-11-01 09:00:00')"
    )
    store.conn.db.conn.commit()
    assert not store.search.index.in_step()
    assert main(["search", "outsider", "--today", TODAY.isoformat()]) == 0
    out, err = capsys.readouterr()
    assert "Rebuilt the search index" in err and "Outsider" in out
    assert main(["search", "zorg", "--reindex", "--json", "--today", TODAY.isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)["hits"][0]["deal"]["title"] == "Zorg"


def test_an_empty_query_is_refused(store: Store) -> None:
    with pytest.raises(InputError, match="Type a word"):
        store.search.find("  ...  ")


# ------------------------------------------------------------------ command line


def test_search_prints_each_deal_and_the_words_around_the_match(store: Store, capsys) -> None:  # type: ignore[no-untyped-def]
    deal = builders.add(store, "Initech seats", company="Initech", value=12_000_00)
    builders.note(store, deal, "Bill mentioned Kubernetes twice.", at=date(2026, 11, 20))
    assert main(["search", "kubernetes", "--today", TODAY.isoformat()]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "1 deal matches 'kubernetes':",
        f"#{deal.id:<5} Lead              $12,000  Initech seats — Initech",
        "       note Nov 20: Bill mentioned Kubernetes twice.",
    ]
    builders.lose(store, builders.add(store, "Other"), "Price", note="no kubernetes budget")
    assert main(["search", "kubernetes", "--json", "--limit", "1", "--today", TODAY.isoformat()]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 2 and len(data["hits"]) == 1 and data["words"] == ["kubernetes"]
    hit = data["hits"][0]
    start, end = hit["matches"][0]
    assert hit["snippet"][start:end].lower() == "kubernetes"
    assert main(["search", "--today", TODAY.isoformat(), "..."]) == 1
    assert "Type a word" in capsys.readouterr().err
    assert main(["search", "x", "--limit", "0", "--today", TODAY.isoformat()]) == 1
    assert "--limit" in capsys.readouterr().err


def test_search_finds_nothing_in_an_empty_place(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PIPELINE_TUI_DB", str(tmp_path / "none.db"))
    assert main(["search", "acme", "--today", TODAY.isoformat()]) == 0
    assert capsys.readouterr().out.strip() == "No deal matches 'acme'."
    assert not (tmp_path / "none.db").exists()


# ------------------------------------------------------------------ the board


async def test_f_on_the_board_finds_a_note_and_enter_opens_the_deal(store: Store, make_app) -> None:  # type: ignore[no-untyped-def]
    from pipeline_tui.screens.deal_detail import DealDetailScreen
    from pipeline_tui.screens.search import SearchScreen

    deal = builders.add(store, "Globex pilot")
    builders.note(store, deal, "Hank wants the Kubernetes operator")
    builders.add(store, "Noise")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f", *"kube op")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, SearchScreen) and screen.found is not None
        assert [h.deal.id for h in screen.found.hits] == [deal.id]
        await pilot.press("enter", "enter")  # to the hits, then open the one under the cursor
        await pilot.pause()
        assert isinstance(app.screen, DealDetailScreen) and app.screen.deal_id == deal.id


def test_an_older_file_gets_its_index_on_upgrade_and_a_backup_carries_it(tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "schema1.db", old)
    with Store.open(old) as upgraded:
        assert [w for _, w, _ in found(upgraded, "budget signed")] == ["note"]
        assert [w for _, w, _ in found(upgraded, "incumbent")] == ["loss note"]
        assert [i for i, _, _ in found(upgraded, "bluefin")] == [2]
        assert upgraded.search.index.in_step()
        assert [r.label for r in upgraded.shape.won_reasons()][0] == "Product fit"
        copy = upgraded.conn.backup_to(tmp_path / "copy.db")
    with Store.open(copy) as restored:
        assert [w for _, w, _ in found(restored, "incumbent")] == ["loss note"]


def test_a_crm_export_import_is_searchable_at_once(store: Store) -> None:
    """A CRM file's deals (the streamed path) are in the index in the import's own
    transaction: found without a rebuild, and the index is in step; undo takes them out."""
    fixture = Path(__file__).parent / "fixtures" / "crm" / "salesforce_report.csv"
    builders.import_file(store, fixture)
    assert store.search.index.in_step()
    assert [w for _, w, _ in found(store, "widgets")] == ["title"]
    ops.undo(store)
    assert found(store, "widgets") == [] and store.search.index.in_step()


def test_a_hit_keeps_its_snippet_whatever_the_title(store: Store) -> None:
    """Each of a hit's two lines is cut to the width on its own: a long title and company
    never eat the words around the match."""
    from pipeline_tui.screens.search import hit_text

    deal = builders.add(store, "Analytics add-on, sales team, phase two " * 2, company="Brightwater Schools")
    builders.note(store, deal, "Left voicemail, follow up by email.")
    (hit,) = store.search.find("voicemail").hits
    first, second = hit_text(hit, TODAY, 50).plain.split("\n")
    assert len(first) <= 50 and len(second) <= 50
    assert first.endswith("…") and "Left voicemail, follow up" in second

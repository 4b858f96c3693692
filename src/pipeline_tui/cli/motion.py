"""The pipeline's motion from the command line: `search` every word the seller wrote, and
what `changes` since a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline_tui.changes import GROUPS, Changes, Line, group_title, since_day
from pipeline_tui.cli.context import Context, info, out, out_json, warn
from pipeline_tui.errors import InputError
from pipeline_tui.money import format_money, minor_to_decimal_str
from pipeline_tui.serialize import deal_dict
from pipeline_tui.slips import day
from pipeline_tui.store import Store, ts
from pipeline_tui.store.search import Found, Hit

Register = Any


# ------------------------------------------------------------------ search


def _index_in_step(ctx: Context) -> None:
    """A file changed by another tool may have an index out of step: rebuild it (or say so)."""
    store = ctx.store
    if ctx.args.reindex or not store.search.index.in_step():
        if store.readonly:
            warn("The search index does not match the deals (the file was changed by another tool); "
                 "open it with write access and run `search --reindex`.")  # fmt: skip
            return
        store.search.index.rebuild()
        info("Rebuilt the search index from the deals and their timelines.")


def hit_lines(store: Store, hit: Hit, today: date) -> list[str]:
    """A hit: the deal on one line, where the words are and the snippet on the next."""
    deal = hit.deal
    stage = store.shape.stage(deal.stage_id)
    company = f" — {deal.company}" if deal.company and hit.where != "company" else ""
    value = format_money(deal.value, deal.currency)
    head = f"#{deal.id:<5} {stage.name:<12.12} {value:>12}  {deal.title}{company}"
    when = f" {day(hit.at.date(), today)}" if hit.at is not None else ""
    return [head, f"{'':7}{hit.where}{when}: {hit.snippet.text}"]


def hit_dict(store: Store, hit: Hit, today: date) -> dict[str, Any]:
    return {
        "deal": deal_dict(store, hit.deal, today),
        "where": hit.where,
        "at": ts(hit.at) if hit.at is not None else None,
        "snippet": hit.snippet.text,
        "matches": [list(span) for span in hit.snippet.spans],
    }


def cmd_search(ctx: Context) -> int:
    a = ctx.args
    text = " ".join(a.text)
    if a.limit < 1:
        raise InputError("--limit is a number of deals, 1 or more.")
    _index_in_step(ctx)
    found: Found = ctx.store.search.find(text, limit=a.limit, archived=a.archived)
    if a.json:
        out_json(
            {
                "query": text,
                "words": found.words,
                "total": found.total,
                "hits": [hit_dict(ctx.store, hit, ctx.today) for hit in found.hits],
            }
        )
        return 0
    if not found.hits:
        out(f"No deal matches {text!r}.")
        return 0
    shown = len(found.hits)
    more = f" (the best {shown:,})" if found.total > shown else ""
    verb = "match" if found.total != 1 else "matches"
    out(f"{found.total:,} deal{'s' if found.total != 1 else ''} {verb} {text!r}{more}:")
    for hit in found.hits:
        out(*hit_lines(ctx.store, hit, ctx.today))
    return 0


# ----------------------------------------------------------------- changes


def _json_side(side: dict[str, Any] | None) -> dict[str, Any] | None:
    if side is None:
        return None
    shown: dict[str, Any] = {}
    for key, value in side.items():
        if key == "value":
            shown["value"] = float(minor_to_decimal_str(value))
            shown["value_minor"] = value
        elif isinstance(value, date):
            shown[key] = value.isoformat()
        else:
            shown[key] = value
    return shown


def line_dict(line: Line) -> dict[str, Any]:
    deal = line.deal
    item: dict[str, Any] = {
        "id": deal.id,
        "title": deal.title,
        "company": deal.company,
        "at": ts(line.at),
        "before": _json_side(line.before),
        "after": _json_side(line.after),
        "change": line.text,
    }
    if line.group in ("value_up", "value_down"):
        item["delta"] = float(minor_to_decimal_str(abs(line.delta))) * (1 if line.delta > 0 else -1)
        item["delta_minor"] = line.delta
        item["currency"] = deal.currency
    if line.outcome:
        item["outcome"] = line.outcome
    return item


def changes_json(changes: Changes) -> dict[str, Any]:
    """One key per group, each a list of deals with their before and after."""
    return {group: [line_dict(line) for line in changes.groups[group]] for group in GROUPS}


def changes_lines(changes: Changes, base: str) -> list[str]:
    """Each group with its deals, one line each ('Initech seats: close Dec 15 → Jan 15')."""
    days = (changes.today - changes.since).days
    head = f"What changed since {changes.since:%a %b %-d %Y} ({days} day{'s' if days != 1 else ''})"
    if not changes.count:
        return [f"{head}: nothing."]
    lines = [f"{head}: {changes.count:,} deal{'s' if changes.count != 1 else ''}"]
    for group in GROUPS:
        found = changes.groups[group]
        if not found:
            continue
        lines += ["", group_title(changes, group, base=base)]
        if group == "lost":
            for outcome, label in (("lost", "Lost"), ("no_decision", "No decision")):
                kind = [line for line in found if line.outcome == outcome]
                if kind and len(kind) < len(found):
                    lines.append(f"  {label} ({len(kind):,})")
                lines += [f"  #{line.deal.id:<5} {line.text}" for line in kind]
            continue
        lines += [f"  #{line.deal.id:<5} {line.text}" for line in found]
    return lines


def cmd_changes(ctx: Context) -> int:
    a = ctx.args
    since = since_day(a.since, ctx.today, lambda text: ctx.date(text, past=True))
    changes = ctx.store.history.changes(since, ctx.today)
    if a.json:
        out_json(changes_json(changes))
    else:
        out(*changes_lines(changes, ctx.settings.currency))
    return 0


def register(command: Register) -> None:
    p = command(
        "search", cmd_search, "find deals by any word you wrote: titles, companies, notes, competitors"
    )
    p.add_argument("text", nargs="+", help="words to find (each as the start of a word; any case or accent)")
    p.add_argument("--limit", type=int, default=50, help="show at most this many deals (the best first)")
    p.add_argument("--archived", action="store_true", help="search archived deals too")
    p.add_argument("--reindex", action="store_true", help="rebuild the search index first")
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

    p = command(
        "changes",
        cmd_changes,
        "what changed since a day: new, moved, won, lost, value and close date changes, reopened",
    )
    p.add_argument(
        "--since",
        metavar="DATE|7d",
        help="first day of the window: 7d (default), 2w, 1m, or a date (mon, Nov 1)",
    )
    p.add_argument("--json", action="store_true", help="print it as JSON (for scripts)")

"""Which board stage a CRM's stage name goes to, and why (shown by --dry-run, overridden
by --map)."""

from __future__ import annotations

import re

from pipeline_tui.importer.formats import SLOTS, Format, norm
from pipeline_tui.models import Stage, StageKind

# Open-stage keywords for stage names a format does not know, in board order. A keyword
# matches a whole word ("new" is not in "Renewal"); one ending in * matches a word's start.
STAGE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lead", ("lead", "leads", "prospect*", "new", "contact", "contacted", "appointment*", "inbound", "mql",
              "incoming", "cold")),
    ("qualified", ("qualif*", "engag*", "discovery", "demo", "sql", "needs", "analysis", "develop*",
                   "follow-up", "interested")),
    ("proposal", ("propos*", "quote*", "quotation", "present*", "perception", "pricing")),
    ("negotiation", ("negotiat*", "contract*", "decision*", "commit*", "review", "closing", "verbal",
                     "legal")),
)  # fmt: skip
_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def keyword_in(name: str, words: tuple[str, ...]) -> str | None:
    """The first keyword that is a whole word of `name` (or starts a word, for stems)."""
    tokens = _WORDS.findall(norm(name))
    for word in words:
        if word.endswith("*"):
            if any(t.startswith(word[:-1]) for t in tokens):
                return word[:-1]
        elif word in tokens:
            return word
    return None


def _slot_stage(slot: str, stages: list[Stage]) -> Stage:
    """The board stage for a role: the one of that name, else the open stage at its place."""
    if slot == "won":
        return next(s for s in stages if s.kind is StageKind.WON)
    if slot == "lost":
        return next(s for s in stages if s.kind is StageKind.LOST)
    open_stages = [s for s in stages if s.is_open]
    named = next((s for s in open_stages if norm(s.name) == slot), None)
    return named or open_stages[min(SLOTS.index(slot), len(open_stages) - 1)]


def map_stage(
    name: str, stages: list[Stage], overrides: dict[str, Stage], fmt: Format | None = None
) -> tuple[Stage, str]:
    """The board stage for a source stage name, and the rule that chose it."""
    key = norm(name)
    if key in overrides:
        return overrides[key], "--map"
    for stage in stages:
        if norm(stage.name) == key:
            return stage, "same name"
    if fmt is not None and key in fmt.stages:
        return _slot_stage(fmt.stages[key], stages), f"{fmt.label} standard stage"
    squashed = re.sub(r"[\s_\-]", "", key)
    if "won" in _WORDS.findall(key) or squashed.endswith("won"):
        return _slot_stage("won", stages), "name says 'won'"
    if "lost" in _WORDS.findall(key) or squashed.endswith("lost"):
        return _slot_stage("lost", stages), "name says 'lost'"
    for slot, words in STAGE_KEYWORDS:
        hit = keyword_in(name, words)
        if hit:
            return _slot_stage(slot, stages), f"keyword '{hit}'"
    return [s for s in stages if s.is_open][0], "unknown: first open stage"

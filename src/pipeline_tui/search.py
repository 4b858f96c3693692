"""Searching every word the seller wrote: how text is folded for the index and the query,
how a query becomes an FTS5 expression, and the snippet a hit shows. Pure: the store holds
the index (SQLite's FTS5) and runs the query.

Folding goes one step beyond `text.fold` (case, ß → ss, İ and ı → i, widths): accents are
dropped too, so `muller` finds "Müller" and `sao paulo` finds "São Paulo". Each character
folds on its own, so a folded text maps back to the text as written (for the snippet)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# The searchable fields of a deal, in the order the index holds them (one line each).
DEAL_FIELDS = (
    ("title", "title"),
    ("company", "company"),
    ("contact", "contact"),
    ("next_step", "next step"),
    ("competitor", "competitor"),
    ("loss_note", "loss note"),
    ("won_note", "win note"),
)
MAX_TERMS = 12  # words in one query: more is a pasted paragraph, not a search
SNIPPET_WIDTH = 72


def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).replace("ı", "i")


class _FoldTable(dict[int, str]):
    """str.translate's table, filled as characters are met (ASCII is folded with lower())."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_TABLE = _FoldTable()


def search_fold(text: str | None) -> str:
    """`text` as the index holds it: caseless and accentless (see the module's note)."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    return text.translate(_TABLE)


def fold_map(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the character of
    `text` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = char.lower() if char.isascii() else _TABLE[ord(char)]
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


_WORD = re.compile(r"[^\W_]+")


def terms(text: str) -> list[str]:
    """The words of a query, folded, in order, each once."""
    found: list[str] = []
    for word in _WORD.findall(search_fold(text)):
        if word not in found:
            found.append(word)
    return found[:MAX_TERMS]


def fts_query(words: list[str], *, any_word: bool = False) -> str:
    """An FTS5 expression matching each word as the start of a word ("kube" finds
    "Kubernetes"): each a quoted prefix, all required (or, with `any_word`, any of them)."""
    return (" OR " if any_word else " ").join('"' + word.replace('"', '""') + '"*' for word in words)


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of text around what matched: (text, matched) parts, in order."""

    parts: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(part for part, _ in self.parts)

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Where the matches are in `text` (start, end)."""
        out, at = [], 0
        for part, matched in self.parts:
            if matched:
                out.append((at, at + len(part)))
            at += len(part)
        return out


def matches(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where in `text` (as written) a word starts with one of `words`, in order, merged."""
    folded, origin = fold_map(text)
    found: list[tuple[int, int]] = []
    for word in words:
        for m in re.finditer(r"(?<![^\W_])" + re.escape(word), folded):
            found.append((origin[m.start()], origin[m.end() - 1] + 1))
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, words: list[str], width: int = SNIPPET_WIDTH) -> Snippet:
    """Up to `width` characters of `text` on one line around its first match (the start
    of it when nothing matches), '…' where it was cut."""
    flat = re.sub(r"\s", " ", text)
    spans = matches(flat, words)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    if start:  # begin at a word
        space = flat.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and first - space < width // 2 else start
    end = min(len(flat), start + width)
    parts: list[tuple[str, bool]] = [("…", False)] if start else []
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        if s > at:
            parts.append((flat[at:s], False))
        parts.append((flat[s:e], True))
        at = e
    if at < end:
        parts.append((flat[at:end], False))
    if end < len(flat):
        parts.append(("…", False))
    return Snippet(tuple(parts))


def best_field(fields: list[tuple[str, str]], words: list[str]) -> tuple[str, str] | None:
    """The first (label, text) whose text matches one of `words` (a deal's fields)."""
    for label, text in fields:
        if text and matches(text, words):
            return label, text
    return None

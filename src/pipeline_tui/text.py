"""Comparing what people type with what is stored: one case-insensitive key for everything."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """A caseless, width- and spacing-insensitive key for `text` (Unicode case folding).

    `casefold` turns "ß" into "ss" and "İ" into "i" plus a combining dot, and leaves the
    Turkish dotless "ı" alone; people searching type a plain "i" for all four of İ, I, ı
    and i, so they all fold to "i"."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", " ".join(text.split()).casefold())
    return folded.replace("i\u0307", "i").replace("ı", "i")

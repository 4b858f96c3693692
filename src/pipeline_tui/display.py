"""The output boundary: stored text is shown, never obeyed.

Everything a pipeline holds may come from outside (a CRM export, a colleague's CSV, a
backup someone handed over). Before any of it reaches a terminal, through the command line
or the board, it passes through `safe`: control characters (C0, DEL, C1) become visible
placeholders, bidirectional overrides and invisible characters (a zero-width space, a
direction mark) become visible marks, and in one-line fields a line
break becomes "⏎", so a title cannot forge a row, move the cursor, set the window title or
write the clipboard. JSON output escapes the same characters instead (`json_text`).
"""

from __future__ import annotations

import json
import re
from typing import Any

NEWLINE_MARK = "⏎"
_BIDI = {
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
    # Invisible ones: a name holding them looks like another ("A\u200bCME" like "ACME").
    "\u200b": "ZWSP",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u061c": "ALM",
    "\u2060": "WJ",
    "\ufeff": "BOM",
}
# Everything that can act on a terminal or reorder what is shown, plus lone surrogates
# (undecodable bytes from a file name or an argument), which no encoder can write.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
_BREAK = re.compile("\r\n|[\r\n\u2028\u2029]")


def _placeholder(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "␡"
    if char in _BIDI:
        return f"⟨{_BIDI[char]}⟩"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"⟨{code:02X}⟩"  # C1 controls have no pictures of their own


_MARK = re.compile("⟨([A-Z]{2,4}|[0-9A-F]{2})⟩")
_BY_NAME = {name: char for char, name in _BIDI.items()}


def unmarked(text: str) -> str:
    """Text as typed back from what `safe` showed: '⟨ZWSP⟩' is the zero-width space again,
    '⟨RLO⟩' the override, '⟨9B⟩' the C1 control, '␀'…'␟' the C0 controls (a value quoted in a
    message, pasted into a command line, is the value itself)."""
    if "⟨" not in text and not any("\u2400" <= c <= "\u241f" for c in text):
        return text

    def char(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _BY_NAME:
            return _BY_NAME[name]
        code = int(name, 16) if len(name) == 2 and all(c in "0123456789ABCDEF" for c in name) else -1
        return chr(code) if 0x80 <= code <= 0x9F else m.group()

    text = _MARK.sub(char, text)
    return "".join(chr(ord(c) - 0x2400) if "\u2400" <= c <= "\u241f" else c for c in text)


def safe(text: object, *, one_line: bool = True) -> str:
    """`text` made inert for a terminal. In multi-line text (notes) line breaks and tabs
    stay; in one-line fields a line break shows as ⏎."""
    value = "" if text is None else str(text)
    if not _UNSAFE.search(value):
        return value
    value = _BREAK.sub(NEWLINE_MARK if one_line else "\n", value)
    if one_line:
        return _UNSAFE.sub(lambda m: _placeholder(m.group()), value)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _placeholder(m.group()), value)


def quoted(text: object) -> str:
    """A value in a message, in quotes as Python's repr puts them, but as it reads: a
    no-break or thin space is a space (repr wrote '1\\xa0234,56'), and whatever could act on
    a terminal a mark (`safe`)."""
    shown = safe(text)
    mark = '"' if "'" in shown and '"' not in shown else "'"
    return f"{mark}{shown}{mark}"


_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """JSON for scripts: every string exact, but nothing in it can act on a terminal.
    (json escapes C0 controls itself; DEL, C1, bidi controls and lone surrogates are
    escaped here as \\uXXXX, which any JSON reader turns back into the same text.)"""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

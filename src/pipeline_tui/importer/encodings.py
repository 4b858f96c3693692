"""A file's bytes as text: its encoding read, or detected, or asked for.

- UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode text"), or, detected,
  Windows-1252 (Excel on Windows) or Mac Roman (Excel for Mac); the import says which it
  used. A reading that shows another code page's letters (a Polish, Czech or Turkish file
  read as Western: 'Tytu³', 'Èesko', 'Baþlýk') is refused, and so is a tie between the two
  Western readings that nothing breaks. A refusal names the `--encoding` lines to try, as
  charset-normalizer proposes them for the file (cp1250, cp932 for Japanese Excel,
  gb18030, cp949, cp1251, …; never Latin-1, which reads any bytes as something), each with
  how the file reads in it. A UTF-16 file read with another --encoding is pointed to
  --encoding utf-16.
- A NUL byte: UTF-16 without its mark is named; a stray one in a text's cell is refused
  naming its row and column; binary data naming the line it starts on; a gzip or zip file
  is named for what it is.
- The delimiter a text's first lines agree on (`delimiter_of`): the NUL's column is named
  with it here, and `text_source` splits the records with it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline_tui.errors import InputError

# 8-bit encodings a spreadsheet saves in, tried when the file is not UTF-8.
EIGHT_BIT = {"cp1252": "Windows-1252", "mac_roman": "Mac Roman"}
UNSURE = 0.03  # the detected encoding must read this much less like noise than the next one
SENSELESS = 0.05  # noise in the lines past ASCII above which a Western reading is mojibake
CHUNK = 1 << 20  # the bytes a stray NUL is looked for in
HEADER_SEARCH = 30  # lines a header may have above it (a report's title and filters)
DELIMITERS = (",", ";", "\t", "|")


def decode(raw: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read in (`encoding`: the user's word)."""
    if encoding is not None:
        return _decode_as(raw, path, encoding), encoding
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in raw[2:]:
        raw = raw[2:]  # a UTF-16 mark over 8-bit text (UTF-16 separators carry a zero byte)
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return _checked(raw.decode("utf-16"), path), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} starts as UTF-16 text but breaks off at byte {exc.start:,}.") from None
    if b"\x00" in raw:
        raise _nul(raw, path)
    try:
        return _checked(raw.decode("utf-8-sig"), path), "utf-8"
    except UnicodeDecodeError:
        pass
    return _detect(raw, path)


def _decode_as(raw: bytes, path: Path, encoding: str) -> str:
    """The text in the user's --encoding; a UTF-16 file read as anything else is pointed to
    --encoding utf-16 (its every other byte is a NUL)."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"--encoding {encoding}: not an encoding (e.g. cp1252, mac_roman).") from None
    wide = _utf16(raw)
    if wide is not None and not codec.startswith(("utf-16", "utf-32")):
        raise InputError(
            f"{path} is UTF-16 text (what Excel saves as Unicode Text), not {encoding}: import it with "
            f"--encoding {wide}, or with no --encoding (UTF-16 with a byte-order mark is read as such)."
        )
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not {encoding} text (byte {exc.start:,} is {raw[exc.start]:#04x}); "
            + _try_instead(raw, encoding)
        ) from None
    return _checked(text.lstrip("\ufeff"), path)


def _utf16(raw: bytes) -> str | None:
    """The --encoding a UTF-16 file is read with (utf-16 when it carries a byte-order mark,
    else the byte order its NULs show), or None when it is not UTF-16."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in raw[2:64]:
        return "utf-16"
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    if sample[1::2].count(0) > half * 0.9:
        return "utf-16-le"
    if sample[0::2].count(0) > half * 0.9:
        return "utf-16-be"
    return None


def _nul(raw: bytes, path: Path) -> InputError:
    """Why a file holding a NUL byte is refused: UTF-16 without its mark (named), a text
    whose cell holds a stray NUL (row and column named), or binary data (the line of the
    first NUL named)."""
    wide = _utf16(raw)
    if wide is not None:
        return InputError(
            f"{path} looks like UTF-16 text without a byte-order mark: import it with --encoding {wide}."
        )
    if raw.startswith(b"\x1f\x8b"):
        return InputError(f"{path} is compressed (gzip): unpack it (gunzip) and import the file inside.")
    at = raw.index(b"\x00")
    line = raw.count(b"\n", 0, at) + 1
    # A few NULs under the first line of what is UTF-8 text otherwise, with few other control
    # bytes; binary data holds them everywhere.
    sample = raw[:CHUNK]
    controls = sum(sample.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    stray = (
        line > 1 and raw.count(b"\x00") <= 16 and controls * 20 < len(sample)
        and _utf8_text(raw.replace(b"\x00", b""))
    )  # fmt: skip
    if not stray:
        return InputError(
            f"{path} is not a text CSV file: it holds binary data (a NUL byte on line {line:,}); "
            "export the deals as CSV or .xlsx and import that file."
        )
    where = _nul_cell(raw[: raw.find(b"\n", at) + 1 if b"\n" in raw[at:] else len(raw)])
    return InputError(
        f"{path} holds a NUL character (a zero byte, which no text holds) in {where}; "
        "remove it from that cell (or export the file again) and import it again. Nothing was imported."
    )


def _utf8_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _nul_cell(raw: bytes) -> str:
    """Where the first NUL is: its row (as a spreadsheet numbers rows) and column."""
    text = raw.decode("utf-8-sig", "replace").replace("\x00", "\ufffe")
    lines = text.splitlines(keepends=True)
    delimiter = delimiter_of(lines[:HEADER_SEARCH])
    header: list[str] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
            if not header and any(c.strip() for c in cells):
                header = cells
            for index, cell in enumerate(cells):
                if "\ufffe" in cell:
                    column = f", column {header[index].strip()[:40]!r}" if index < len(header) else ""
                    return f"row {number:,}{column}"
    except csv.Error:
        pass
    line = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    return f"line {line:,}"


def _candidates(raw: bytes, *, leave: str = "") -> list[tuple[str, list[str], str]]:
    """The encodings charset-normalizer reads the file in, most likely first: (encoding, its
    other names, the first words that are not plain ASCII as they read in it), judged on the
    lines that are not plain ASCII. Latin-1 is never one: it reads any bytes at all."""
    from charset_normalizer import from_bytes

    lines = _non_ascii(raw)
    left = {"latin_1", "ascii", "utf_8", codecs.lookup(leave).name if leave else ""}
    found: list[tuple[str, list[str], str]] = []
    for match in from_bytes(lines):
        name = match.encoding
        if name in left:
            continue
        try:
            sample = _sample(lines, name)
        except (LookupError, UnicodeDecodeError):
            continue
        others = [c for c in match.could_be_from_charset if c != name and c != "latin_1"][:2]
        found.append((name, others, sample))
        if len(found) == 3:
            break
    return found


def _sample(raw: bytes, encoding: str) -> str:
    """The first cells that hold a byte past ASCII, as they read in `encoding`."""
    index = found.start() if (found := _HIGH.search(raw)) else 0
    stops = b',;\t\r\n"'
    start = max([0, index - 24] + [raw.rfind(bytes([s]), 0, index) + 1 for s in stops])
    chunk = raw[start : index + 40]
    lines = chunk.decode(encoding, "ignore").strip().splitlines()
    return lines[0][:30] if lines else ""


def _try_instead(raw: bytes, leave: str = "", *, also: str = "") -> str:
    """The --encoding to try, as charset-normalizer proposes them for this file (`also`: an
    encoding to name last, if the reading shown in it is right after all)."""
    found = [f for f in _candidates(raw, leave=leave) if f[0] != also]
    if also:  # a reading that shows the same as the one refused is no way out
        shown = _sample(_non_ascii(raw), also)
        found = [f for f in found if f[2] != shown]
    found.sort(key=lambda f: bool(_glued(f[2])))  # readings that look like words first
    last = f" (or --encoding {also}, if what it reads in that is right)" if also else ""
    if not found:
        return (
            "say which encoding it is in with --encoding NAME (e.g. cp932, gb18030, euc-kr, cp1251)"
            + last
            + "."
        )
    said = []
    for name, others, sample in found:
        also_known = f" (also {', '.join(others)})" if others else ""
        said.append(f"--encoding {name}{also_known}, in which it reads {sample!r}")
    return "import it again with " + "; or ".join(said) + last + "."


def _detect(raw: bytes, path: Path) -> tuple[str, str]:
    """Not UTF-8: the 8-bit encoding the text reads best in, or a refusal naming --encoding
    (the candidates charset-normalizer proposes when neither Western encoding makes sense of
    the lines that are not plain ASCII)."""
    from charset_normalizer import from_bytes

    # Judged on the whole text, and on the lines that hold bytes past ASCII: in a large file
    # mostly ASCII, the parts of the whole the detection samples may hold none of them (then
    # every encoding reads as well as the next), and a few Japanese words drown in the ASCII
    # around them (read as 'ÉgÉàÉ^è§éñ'); those lines must make sense too.
    lines = _non_ascii(raw)
    whole = _readable(from_bytes(raw, cp_isolation=list(EIGHT_BIT)))
    alone = _readable(from_bytes(lines, cp_isolation=list(EIGHT_BIT)))
    if not whole and not alone:
        raise InputError(
            f"{path} is not UTF-8 and reads as none of {', '.join(EIGHT_BIT.values())}; " + _try_instead(raw)
        )
    readable = next((r for r in (whole, alone) if r and not _tied(r)), whole or alone)
    best = readable[0]
    judged = next((m.chaos for m in alone if m.encoding == best.encoding), 1.0)
    if judged >= SENSELESS:
        western = _sample(lines, best.encoding)
        raise InputError(
            f"{path} is not UTF-8, and in {EIGHT_BIT[best.encoding]} it reads {western!r}; "
            + _try_instead(raw, also=best.encoding)
        )
    tied = _tied(readable)

    def misread(match: Any) -> str:
        """What shows the reading is another code page's letters (see `_MISREAD`)."""
        return _glued(lines.decode(match.encoding, "replace"), _MISREAD[match.encoding])

    if tied:  # of two readings as likely, one that puts signs inside words ('W‰hrung') is not it
        clean = [m for m in readable[:2] if not _signs_in_words(lines.decode(m.encoding, "replace"))]
        if len(clean) == 1:
            best, tied = clean[0], False
        elif any(misread(m) for m in readable[:2]):  # neither: another code page's letters
            best, tied = next(m for m in readable[:2] if misread(m)), False
    glued = misread(best)
    if glued:  # a Central European file (cp1250) reads "Tytu³", "£Ûdü" in a Western one
        raise InputError(
            f"{path} is not UTF-8, and in {EIGHT_BIT[best.encoding]} it reads {glued!r}, which is no "
            "word; " + _try_instead(raw, also=best.encoding)
        )
    if tied:
        sample = _first_difference(raw, best.encoding, readable[1].encoding)
        raise InputError(
            f"{path} is not UTF-8, and it reads as well in {EIGHT_BIT[best.encoding]} "
            f"({sample[0]!r}) as in {EIGHT_BIT[readable[1].encoding]} ({sample[1]!r}); say which "
            f"with --encoding {best.encoding} or --encoding {readable[1].encoding}."
        )
    return _checked(raw.decode(best.encoding), path), best.encoding


# What a Western reading makes of a Central European or Turkish file's letters (cp1250,
# cp1254): signs where letters were ('Tytu³' for Tytuł, '£Ûdü' for Łódź, 'Œnie¿ka'), and
# letters no Western word has there ('Mìna' for Měna, 'Èesko' for Česko, 'Baþlýk' for
# Başlık). Ordinary text never looks so: a no-break space, a dash, quotes, '´' as an
# apostrophe, ×, ½, ², 'FRÈRES', Catalan 'Història', … are left alone.
_LETTER = r"[^\W\d_]"
_AS_CP1252 = re.compile(
    rf"{_LETTER}[£¥¯³¹¿]{_LETTER}"  # between two letters
    rf"|{_LETTER}[£¥¯¹]|[£¥¯³¹](?={_LETTER})"  # against a letter
    rf"|(?<![mM])(?<!ft)(?<!in)(?<!yd)(?<={_LETTER})³"  # 'Tytu³' (but m³, ft³)
    rf"|(?<![\d\w])[¼¾](?={_LETTER})"  # '¼ubica' for Ľubica (but 1¾ in)
    rf"|(?<={_LETTER})[ìù](?={_LETTER})"  # ě, ů inside a word (Italian writes ì, ù last)
    rf"|(?<!{_LETTER})È(?={_LETTER})(?![vVrR])"  # Č starting a word ('Èesko'; not 'Ève', 'ÈRE')
    rf"|(?<={_LETTER})[þÞ](?={_LETTER})"  # ş, Ş inside a word
)
# Mac Roman's readings of cp1250 letters: 'Ł' as '£', 'ł' as '≥', 'ż' as 'ø'… (only the
# signs: its letters are Western letters too)
_AS_MAC_ROMAN = re.compile(rf"{_LETTER}[£≥≤∂∑∏∫√]{_LETTER}|{_LETTER}[£≥≤]|[£≥≤](?={_LETTER})")
_MISREAD = {"cp1252": _AS_CP1252, "mac_roman": _AS_MAC_ROMAN}


def _glued(text: str, pattern: re.Pattern[str] = _AS_CP1252) -> str:
    """The first word that shows a reading is another code page's letters (`_MISREAD`), or ""."""
    found = pattern.search(text)
    if found is None:
        return ""
    index = found.start()
    start = max(text.rfind(c, 0, index + 1) for c in " \n,;\t") + 1
    ends = [e for e in (text.find(c, index) for c in " \n,;\t") if e >= 0]
    return text[start : min(ends, default=len(text))][:30]


# Signs one Western reading makes of the other's letters, for telling the two apart: Mac
# Roman reads Windows-1252's 'ä' as '‰', 'ã' as '„', 'ö' as 'ˆ', 'Ö' as '÷'; Windows-1252
# reads Mac Roman's 'à' as 'ˆ', 'á' as '‡' (dashes and '…', which both make of letters,
# are ordinary text too, so they tell nothing).
_SIGNS = "‡ˆ˘˙˚¸˝˛ˇ¯˜†‰÷◊¬√≈∆"
_SIGN_IN_WORD = re.compile(
    rf"{_LETTER}[{_SIGNS}‚„§«»]{_LETTER}|{_LETTER}[{_SIGNS}]|[{_SIGNS}](?={_LETTER})"
    rf"|{_LETTER}[ŠŽŸŒ][a-zß-öø-ÿ]"  # 'SchŠfer', 'MŸller': Mac Roman's ä, ü in Windows-1252
)


def _signs_in_words(text: str) -> bool:
    return _SIGN_IN_WORD.search(text) is not None


def _readable(found: Any) -> list[Any]:
    """The Western encodings a detection found, the least noisy first."""
    return sorted((m for m in found if m.encoding in EIGHT_BIT), key=lambda m: m.chaos)


def _tied(readable: list[Any]) -> bool:
    return len(readable) > 1 and readable[1].chaos - readable[0].chaos < UNSURE


_HIGH = re.compile(rb"[\x80-\xff]")


def _non_ascii(raw: bytes, most: int = 1 << 16) -> bytes:
    """The first lines that hold bytes past ASCII (up to `most` bytes of them): what tells
    one encoding from another."""
    out: list[bytes] = []
    size = at = 0
    while size < most and (found := _HIGH.search(raw, at)):
        start = raw.rfind(b"\n", 0, found.start()) + 1
        end = raw.find(b"\n", found.start())
        at = len(raw) if end < 0 else end + 1
        out.append(raw[start:at])
        size += at - start
    return b"".join(out)


def _first_difference(raw: bytes, one: str, other: str) -> tuple[str, str]:
    """A word around the first byte that reads differently in the two encodings."""
    index = next((i for i, b in enumerate(raw) if b >= 0x80), 0)
    stops = b' ,;\t\r\n"'
    start = max([0] + [raw.rfind(bytes([s]), 0, index) + 1 for s in stops])
    ends = [e for e in (raw.find(bytes([s]), index) for s in stops) if e > 0]
    end = min([*ends, index + 12])
    chunk = raw[max(start, index - 12) : end]
    return chunk.decode(one, "replace"), chunk.decode(other, "replace")


def _checked(text: str, path: Path) -> str:
    if "\x00" in text:
        raise _nul(text.encode("utf-8"), path)
    if not text.strip():
        raise InputError(f"{path} is empty.")
    return text


def delimiter_of(lines: Sequence[str]) -> str:
    """The delimiter most lines agree on: the one that splits the most of them into the same
    number of cells (two or more)."""
    best, score = ",", 0
    for candidate in DELIMITERS:
        counts = Counter(line.count(candidate) for line in lines if line.strip())
        counts.pop(0, None)
        if counts:
            width, many = counts.most_common(1)[0]
            if many * min(width, 3) > score:
                best, score = candidate, many * min(width, 3)
    return best

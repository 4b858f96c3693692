"""Reading an export's file into records (lists of cells): a CSV's text in any common
encoding (`encodings`), with its delimiter and line ends, or an Excel workbook's sheets.

- A UTF-8 file is checked whole once, then streamed each time its rows are read; a file
  that changes in between stops the import. A `sep=;` first line is honoured, else the
  delimiter is the one most of the first lines agree on.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO

from pipeline_tui import files
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.importer.encodings import HEADER_SEARCH, decode, delimiter_of

MAX_BYTES = 512 * 1024 * 1024


def _read_bytes(path: Path) -> bytes:
    try:
        # Only a regular file, read without blocking and never past MAX_BYTES (a pipe or
        # /dev/zero would otherwise hang the import or fill memory).
        return files.read_bytes(path, limit=MAX_BYTES, advice="save it to a file first")
    except files.TooLarge:
        raise InputError(f"{safe(str(path))} is larger than {MAX_BYTES // 2**20} MB.") from None
    except files.NotRegularFile as exc:
        raise InputError(str(exc)) from None
    except FileNotFoundError:
        raise InputError(f"There is no file {safe(str(path))}.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {safe(str(path))}: {exc.strerror}.") from None


def regular(path: Path) -> None:
    """Refuse what is not a regular file, or is larger than MAX_BYTES, without reading it."""
    try:
        info = files.regular_or_absent(path, advice="save it to a file first")
    except files.NotRegularFile as exc:
        raise InputError(str(exc)) from None
    if info is None:
        raise InputError(f"There is no file {safe(str(path))}.")
    if info.st_size > MAX_BYTES:
        raise InputError(f"{safe(str(path))} is larger than {MAX_BYTES // 2**20} MB.")


# ---------------------------------------------------------------------- cells

CHUNK = 1 << 20  # bytes read at a time
_SEP = re.compile(r"sep=(.)")


@dataclass(frozen=True)
class CsvText:
    """Where a CSV's text comes from: the file itself, streamed as UTF-8 (checked whole
    first), or a text decoded whole in memory (another encoding, or the user's
    --encoding)."""

    path: Path
    encoding: str
    head: str  # the first lines: the sep= line and the delimiter are told from them
    body: str | None = None  # the whole text, or None: stream the file
    start: int = 0  # bytes before the text (a byte-order mark)
    stamp: tuple[int, int] = (0, 0)  # the file's size and time when checked
    marks: bool = True  # byte-order marks inside the text (files joined with cat), left out

    def open(self, *, after_sep: bool) -> IO[str]:
        """The text (after the sep= line's end when `after_sep`), to read once."""
        if self.body is not None:
            text = self.body
            if after_sep:
                text = text.split("\n", 1)[1] if "\n" in text else ""
            return io.StringIO(text, newline="")
        raw = self.path.open("rb")
        try:
            raw.seek(self.start)
            if after_sep:
                raw.readline()  # up to and with the first b"\n" (UTF-8 has no other)
            return io.TextIOWrapper(raw, encoding="utf-8", newline="")
        except BaseException:
            raw.close()
            raise

    def changed(self) -> bool:
        if self.body is not None:
            return False
        info = self.path.stat()
        return (info.st_size, info.st_mtime_ns) != self.stamp


def csv_text(path: Path, encoding: str | None) -> CsvText | None:
    """The CSV's text: streamed when the file is UTF-8 (or ASCII) through and through, else
    decoded whole as `decode` says. None: the file is a workbook after all."""
    try:
        if path.is_dir():
            raise InputError(f"{safe(str(path))} is a folder, not a CSV file.")
        if stat.S_ISREG(path.stat().st_mode):  # anything else is read as `_read_bytes` reads it
            with path.open("rb") as fh:
                info = os.fstat(fh.fileno())
                start = fh.read(4)
                if start.startswith(b"PK\x03\x04"):
                    _workbook(path)
                    return None
                if encoding is None and not start.startswith((b"\xff\xfe", b"\xfe\xff")):
                    fh.seek(0)
                    streamed = _utf8(fh, path, (info.st_size, info.st_mtime_ns))
                    if streamed is not None:
                        return streamed
    except FileNotFoundError:
        raise InputError(f"There is no file {safe(str(path))}.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {safe(str(path))}: {exc.strerror}.") from None
    raw = _read_bytes(path)
    if raw.startswith(b"PK\x03\x04"):
        _workbook(path)
        return None
    text, used = decode(raw, path, encoding)
    return CsvText(path, used, _head(text), body=text)


def _workbook(path: Path) -> None:
    """Refuse a zip archive that is no workbook (Excel's, or an OpenDocument sheet), naming
    what it holds."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # damaged: the workbook reader says what it can
    if any(n.startswith("xl/") or n == "content.xml" for n in names):
        return
    inside = ", ".join(repr(n) for n in names[:3]) + (", …" if len(names) > 3 else "")
    raise InputError(
        f"{path} is a zip archive (of {inside or 'nothing'}): unpack it and import the CSV inside."
    )


def _utf8(fh: IO[bytes], path: Path, stamp: tuple[int, int]) -> CsvText | None:
    """The file as streamed UTF-8 text, having read it through once to check it is UTF-8,
    within the size limit, with no NUL and not blank; None when it is not (decoded whole,
    and refused there with the reason)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    filled = False
    head = ""
    heading = True
    marks = 0
    while chunk := fh.read(CHUNK):
        size += len(chunk)
        if size > MAX_BYTES or b"\x00" in chunk:
            return None
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            return None
        marks += text.count("\ufeff")
        if heading:  # until the head holds the lines the delimiter is told from
            head += text
            heading = head.count("\n") <= HEADER_SEARCH
        filled = filled or bool(text.strip())
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    if not filled:
        return None
    start = 3 if head.startswith("\ufeff") else 0
    inside = marks > (1 if start else 0)
    return CsvText(path, "utf-8", _head(head.lstrip("\ufeff")), start=start, stamp=stamp, marks=inside)


def _head(text: str) -> str:
    """The first lines of a text, enough to tell its delimiter."""
    end = 0
    for _ in range(HEADER_SEARCH + 1):
        found = text.find("\n", end)
        if found < 0:
            return text
        end = found + 1
    return text[:end]


def csv_records(source: CsvText, delimiter: str, *, after_sep: bool) -> Iterator[list[str]]:
    """Every line's cells (blank lines kept, as empty lists), read from the start."""
    # Our own export may hold long notes (20,000 characters each): lift csv's 128 KB cell limit.
    csv.field_size_limit(MAX_BYTES)
    count = 0
    with source.open(after_sep=after_sep) as stream:
        lines = _without_boms(stream) if source.marks else stream
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            for row in reader:
                count += 1
                yield row
        except csv.Error as exc:
            where = f"row {count + 1} (line {reader.line_num})"
            raise InputError(f"{source.path} is not valid CSV: {where}: {exc}.") from None
        except UnicodeDecodeError:
            raise _changed(source.path) from None
    if source.changed():
        raise _changed(source.path)


def _without_boms(lines: Iterable[str]) -> Iterator[str]:
    """The lines without byte-order marks: one left inside the text by files joined with
    `cat` (or a paste) is no letter of any cell; kept, it made a record id no later export
    matches, and a repeated header no header."""
    for line in lines:
        yield line.replace("\ufeff", "") if "\ufeff" in line else line


def _changed(path: Path) -> InputError:
    return InputError(f"{path} changed while it was read; nothing was imported. Import it again.")


def _csv_rows(text: str, path: Path) -> tuple[list[list[str]], str]:
    """Every line's cells (blank lines kept, as empty lists) and the delimiter."""
    source = CsvText(path, "utf-8", _head(text), body=text)
    after_sep, delimiter = layout_of(source)
    rows = list(csv_records(source, delimiter, after_sep=after_sep))
    if after_sep:
        rows.insert(0, [])  # line numbers as a spreadsheet shows them: the sep= line is line 1
    return rows, delimiter


def layout_of(source: CsvText) -> tuple[bool, str]:
    """Whether the text starts with a sep= line, and the delimiter."""
    lines = source.head.splitlines()
    if lines and _SEP.fullmatch(lines[0].strip()):
        return True, lines[0].strip()[4]
    return False, delimiter_of(lines[:HEADER_SEARCH])


class Workbook:
    """An Excel workbook's worksheets, each read as text cells when asked for: a number as
    it reads (an id keeps its digits, 48000.0 is 48000), a date as ISO, a yes/no as
    true/false."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

        self.path = path
        try:
            self._book = CalamineWorkbook.from_path(str(path))
            sheets = [m for m in self._book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        except Exception as exc:  # a damaged or foreign file: calamine's own message, one line
            raise InputError(f"{path} cannot be read as an Excel workbook ({exc}).") from None
        self.names = [m.name for m in sheets]  # every worksheet (no chart sheet), in order
        self.visible = [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible]

    def rows(self, name: str) -> list[list[str]]:
        try:
            sheet = self._book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:
            raise InputError(f"{self.path} cannot be read as an Excel workbook ({exc}).") from None
        cells = [[_cell_text(c) for c in row] for row in rows]
        _fill_down(cells, merged)
        return cells


def _fill_down(cells: list[list[str]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """A cell merged down over rows below it (a company written once for its two deals)
    holds its value on every row it covers, as the sheet shows it; read as it is stored,
    every row but the first lost it without a word. Merges across columns are left alone."""
    for (top, left), (bottom, right) in merged:
        if left != right or bottom <= top or top >= len(cells) or left >= len(cells[top]):
            continue
        value = cells[top][left]
        for row in cells[top + 1 : bottom + 1]:
            if left < len(row) and not row[left]:
                row[left] = value


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\ufeff", "")  # a byte-order mark pasted into a cell is no letter

"""Where a command's output file goes: standard output, or a file replaced only on purpose."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any, cast

from pipeline_tui.cli.context import Context, info
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError
from pipeline_tui.files import TargetExists, write_file


def write_output(
    ctx: Context,
    output: str | None,
    content: str | Callable[[Any], object],
    *,
    what: str | Callable[[], str],
    bom: bool = False,
    binary: bool = False,
) -> None:
    """Write `content` to standard output (no -o, or -o -) or to the file -o names.

    Standard output gets UTF-8 bytes whatever the terminal's encoding (a CSV must stay
    UTF-8). An existing file is replaced with --force or after a yes on a terminal. A
    `binary` content (a workbook) goes to a file only."""

    def write(fh: IO[str]) -> None:
        if bom:
            fh.write("\ufeff")
        if isinstance(content, str):
            fh.write(content)
        else:
            content(fh)

    if binary and (not output or output == "-"):
        raise InputError("--xlsx writes a workbook: give its file name with -o FILE.xlsx.")
    if not output or output == "-":
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            write(sys.stdout)
            return
        import io

        sys.stdout.flush()
        wrapper = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        try:
            # A pipe gets the CSV exact; a person's terminal gets it inert, as every other
            # output (a name holding an escape sequence would act on the terminal).
            write(cast(IO[str], _InertText(wrapper)) if sys.stdout.isatty() else wrapper)
            wrapper.flush()
        finally:
            wrapper.detach()
        return
    force = bool(getattr(ctx.args, "force", False))
    sink = cast(Callable[[IO[bytes]], object], content) if binary else write
    try:
        path = write_file(output, sink, replace=force, binary=binary)
    except TargetExists as exc:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise
        sys.stderr.write(f"{safe(str(exc.path))} exists. Replace it? [y/N] ")
        sys.stderr.flush()
        if input().strip().lower() not in ("y", "yes"):
            raise InputError("Nothing was written.") from None
        path = write_file(output, sink, replace=True, binary=binary)
    info(f"Wrote {what if isinstance(what, str) else what()} to {path}.")


class _InertText:
    """A text stream for a terminal: control and bidi characters written to it show as
    visible marks (line breaks and tabs stay; CRLF line ends read as plain line breaks)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(safe(text.replace("\r\n", "\n"), one_line=False))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

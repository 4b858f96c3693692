"""One line of styled text drawn straight into a Strip, for the widgets that draw their own
lines (the board, the key bar)."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def draw_line(parts: list[tuple[str, Style]], width: int, under: Style) -> Strip:
    """`parts` (text, style) side by side in exactly `width` cells, over `under`: cut with
    an ellipsis when too long, padded when short. What rich's Text draws (truncate with
    ellipsis, render, pad, apply_style), without building a Text: the board draws
    hundreds of these lines in its first frame."""
    plain = "".join(chunk for chunk, _ in parts).replace("\n", " ")
    size = cell_len(plain)
    if size > width:
        plain = set_cell_size(plain, width - 1) + "…"
        size = cell_len(plain)
    segments: list[Segment] = []
    start = 0
    for index, (chunk, style) in enumerate(parts):
        if start >= len(plain):
            break
        # The last part kept runs to the end: the ellipsis takes its style.
        end = start + len(chunk)
        if index == len(parts) - 1:
            end = len(plain)
        if end > start:
            segments.append(Segment(plain[start:end], under + style))
        start = end
    if size < width:
        segments.append(Segment(" " * (width - size), under))
    return Strip(segments, width)

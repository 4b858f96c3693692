"""The board draws its lines without rich's Text (hundreds of them in a first frame), so
`draw_line` must draw exactly what Text would: the same cells, each in the same style,
for any text (wide, combining, zero-width, emoji) at any width."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from pipeline_tui.widgets.lines import draw_line

STYLES = [Style(bold=True), Style(color="red"), Style(italic=True, color="#336699"), Style(reverse=True)]
UNDER = Style(bgcolor="#202020", color="white")
CONSOLE = Console(width=200, color_system="truecolor")
TEXT = st.text(
    alphabet=st.sampled_from(list("ab Z-·→✓⚠▎┃…") + ["中", "文", "\u0301", "\u200b", "👍", "é", "\n"]),
    max_size=30,
)


def through_rich(parts: list[tuple[str, Style]], width: int, under: Style) -> Strip:
    """What the board drew before: a Text, truncated with an ellipsis, rendered, padded."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    for chunk, style in parts:
        text.append(chunk.replace("\n", " "), style)
    text.truncate(width, overflow="ellipsis")
    return Strip(list(text.render(CONSOLE))).adjust_cell_length(width).apply_style(under)


def cells(strip: Strip) -> list[tuple[str, Style | None]]:
    """Each character with its style: the same picture however the segments are split."""
    return [(char, segment.style) for segment in strip for char in segment.text]


@settings(max_examples=400, deadline=None)
@given(
    chunks=st.lists(st.tuples(TEXT, st.sampled_from(STYLES)), min_size=1, max_size=3),
    width=st.integers(min_value=1, max_value=40),
)
def test_draw_line_draws_what_rich_text_draws(chunks: list[tuple[str, Style]], width: int) -> None:
    drawn = draw_line(chunks, width, UNDER)
    assert drawn.cell_length == width
    assert cells(drawn) == cells(through_rich(chunks, width, UNDER))


def test_a_long_title_ends_in_an_ellipsis_in_its_own_style() -> None:
    bar, title = Style(color="blue"), Style(bold=True)
    drawn = draw_line([("▎", bar), ("Acme renewal 2027", title)], 8, UNDER)
    assert drawn.text == "▎Acme r…"
    assert cells(drawn)[-1] == ("…", UNDER + title)
    assert draw_line([("▎", bar), ("Acme", title)], 8, UNDER).text == "▎Acme   "

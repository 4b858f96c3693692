"""Small helpers shared by the Pilot tests: read what the screen shows, set up deals."""

from __future__ import annotations

from datetime import date, datetime

import builders
from conftest import START, Clock
from textual import events
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Static

from pipeline_tui.models import Deal, EventKind, LossInput
from pipeline_tui.store import Store

SIZE = (80, 24)  # roomy enough that no dialog has to scroll in the Pilot tests


def key_name(character: str) -> str:
    """The key name Textual gives a typed character ("!" is "exclamation_mark"), from its
    Unicode name and Textual's public tables of key names."""
    import unicodedata

    from textual.keys import ASCII_KEY_NAMES, KEY_NAME_REPLACEMENTS

    if character.isalnum():
        return character
    try:
        key = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        key = ASCII_KEY_NAMES.get(character, character)
    return KEY_NAME_REPLACEMENTS.get(key, key)


def plain(static: Static) -> str:
    """What a Static shows, without markup."""
    return static.visual.plain  # type: ignore[attr-defined]


def drawn(screen: Screen) -> list[Strip]:
    """Every line each widget on the screen draws (its own text, not its children's)."""
    lines: list[Strip] = []
    for widget in screen.query("*"):
        if widget.region.area:  # laid out and on the screen
            width, height = widget.outer_size
            lines.extend(widget.render_lines(Region(0, 0, width, height)))
    return lines


def assert_shown_as_typed(screen: Screen, *texts: str) -> None:
    """Each text is drawn character for character, square brackets included, in one style
    and with no link or action behind it: text that looks like markup is shown, not obeyed
    (markup would have eaten its tags, styled part of it or made it clickable)."""
    lines = drawn(screen)
    for text in texts:
        for strip in lines:
            at = strip.text.find(text)
            if at < 0:
                continue
            styles = [segment.style for segment in strip for _ in segment.text][at : at + len(text)]
            looks = {style.clear_meta_and_links() if style else None for style in styles}
            assert len(looks) == 1, f"{text!r} is drawn in {len(looks)} styles: {looks}"
            for style in styles:
                assert style is None or not (style.link or any(k.startswith("@") for k in style.meta)), (
                    f"{text!r} is drawn with a link or an action: {style!r}"
                )
            break
        else:
            shown = "\n".join(strip.text.rstrip() for strip in lines if strip.text.strip())
            raise AssertionError(f"{text!r} is not shown as typed; the screen shows:\n{shown}")


def header(app, stage: str) -> str:  # type: ignore[no-untyped-def]
    """A board column's header text, e.g. 'Lead\\n2 · $30k'."""
    for column in app.screen.columns:
        if column.stage.name == stage:
            return str(column.header)
    raise AssertionError(f"no column {stage!r} on {app.screen!r}")


def headers(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every column's count line: {'Lead': '2 · $30k', ...}."""
    return {c.stage.name: c.header.split("\n")[1] for c in app.screen.columns}


def table_rows(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Every row's cells as text: a DataTable's, or a windowed DealRows' (all rows, uncut)."""
    from pipeline_tui.widgets.deal_rows import DealRows

    if isinstance(table, DealRows):
        widths = table.widths(1000)
        return [[text for text, _ in table.cells(deal, widths)] for deal in listed(table)]
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def stage_id(store: Store, name: str) -> int:
    return store.shape.find_stage(name).id


def kinds(store: Store, deal_id: int) -> list[EventKind]:
    return [e.kind for e in store.deals.timeline(deal_id)]


def event_count(store: Store) -> int:
    return store.conn.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]


async def type_text(pilot: Pilot, text: str) -> None:
    """Type text key by key, as a person would (about 50 ms a key: keep it short)."""
    await pilot.press(*text)


async def paste(pilot: Pilot, text: str) -> None:
    """Paste text into the focused field: for free text whose parsing is not under test,
    so that the suite does not spend its time typing."""
    assert pilot.app.screen.focused is not None, "nothing has focus to paste into"
    # Through the app, as the terminal driver delivers it: the app forwards it to the focus.
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


def add_at(store: Store, clock: Clock, when: date | datetime, title: str, **fields: object) -> Deal:
    """Add a deal as if it was created (and last touched) on `when`; the clock goes back to START."""
    clock.set(when)
    try:
        return builders.add(store, title, **fields)  # type: ignore[arg-type]
    finally:
        clock.set(START)


def lose(store: Store, deal_id: int, reason: str, **loss: object) -> Deal:
    """Mark a deal lost directly in the store (set-up for the revisit tests)."""
    return builders.mark_lost(store, deal_id, LossInput(store.shape.find_reason(reason).id, **loss))  # type: ignore[arg-type]


def focus_first_card(app) -> None:  # type: ignore[no-untyped-def]
    """The board's first column focused, its cursor on the first card."""
    board = app.screen
    board.set_focus(board.view)
    board.view.focus_column(0)
    board.view.set_cursor(board.columns[0], 0)


def listed(rows) -> list[Deal]:  # type: ignore[no-untyped-def]
    """Every deal a windowed list (DealRows) holds, in its order."""
    return rows.loader(list(rows.ids))


def rows_text(rows) -> list[str]:  # type: ignore[no-untyped-def]
    """What each row of a DealRows shows, as plain text (all rows, not just the visible)."""
    widths = rows.widths(max(rows.size.width, 80))
    return [" | ".join(text for text, _ in rows.cells(deal, widths)) for deal in listed(rows)]

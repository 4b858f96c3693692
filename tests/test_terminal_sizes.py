"""Any terminal ("Nothing lost, ever"): the app starts and every screen works from 60x18 up to
250x70, in a light and a dark theme; a modal stays usable when the terminal is resized under
it; and what the screens write can be read in both themes.

Each size x theme runs one app on the demo pipeline (today and the store clock fixed) and does
one real action on every screen, checked in the store. After every step the focused widget
must be on screen (not scrolled away, not cut off). Free text is pasted (typing is what
test_bad_input.py tests); keys that drive the screens are pressed.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from conftest import TODAY
from pilot_helpers import paste
from textual.screen import ModalScreen
from textual.widgets import Input, TextArea

from pipeline_tui.config import Settings
from pipeline_tui.modals.deal_form import DealFormModal
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import NextStepModal, NoteModal, PromptModal
from pipeline_tui.models import EventKind, RevisitState, StageKind
from pipeline_tui.screens.board import BoardScreen
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.screens.help import HelpScreen
from pipeline_tui.screens.report import ReportScreen
from pipeline_tui.screens.revisits import RevisitsScreen
from pipeline_tui.screens.settings import SettingsScreen
from pipeline_tui.screens.stale import StaleScreen
from pipeline_tui.store import Store
from pipeline_tui.widgets.deal_rows import DealRows

pytestmark = pytest.mark.slow  # among the slowest files: CI runs them, -m 'not slow' skips them

SIZES = [(60, 18), (80, 24), (120, 40), (250, 70)]
THEMES = ["textual-light", "textual-dark"]
MIN_CONTRAST = 2.0  # below 2:1 against its background, text is unreadable (WCAG asks 4.5, 3 for large)


# ------------------------------------------------------------------- helpers


def assert_focus_visible(app) -> None:  # type: ignore[no-untyped-def]
    """The focused widget is on screen: a one-line field whole, a list or text area at least
    in part, and never scrolled out of its container."""
    screen = app.screen
    focused = screen.focused
    assert focused is not None, f"nothing has focus on {screen!r} at {app.size}"
    geometry = screen.find_widget(focused)  # NoWidget if it is not laid out at all
    shown = geometry.region.intersection(geometry.clip).intersection(screen.region)
    where = f"{focused!r} at {geometry.region} (shown {shown}) on {screen!r} at {tuple(app.size)}"
    assert shown.area > 0, f"the focus is off screen: {where}"
    if geometry.region.height == 1:
        assert shown == geometry.region, f"the focused field is cut off: {where}"


async def press(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*keys)
    assert_focus_visible(pilot.app)


async def clear_and_type(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Empty the focused one-line field with keys (home, ctrl+k), then type."""
    await pilot.press("home", "ctrl+k", *text)


async def focus_first_card(pilot) -> None:  # type: ignore[no-untyped-def]
    board = pilot.app.screen
    assert isinstance(board, BoardScreen)
    board.set_focus(board.view)
    board.view.focus_column(0)
    board.view.set_cursor(board.columns[0], 0)
    await pilot.pause()


# ---------------------------------------------------------------------- tour


# Every size, each in one of the themes and both themes over the sizes: a theme changes
# colours, not the layout (what each theme's colours make readable is checked on every
# screen below, `test_every_screen_is_readable_in_both_themes`).
TOURS = [(size, THEMES[i % 2]) for i, size in enumerate(SIZES)]


@pytest.mark.parametrize(("size", "theme"), TOURS, ids=[f"{w}x{h}-{t}" for (w, h), t in TOURS])
async def test_every_screen_works_at_every_size(make_app, demo_store: Store, size, theme) -> None:
    store = demo_store
    stages = {s.name: s for s in store.shape.stages()}
    app = make_app(settings=Settings(theme=theme))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.theme == theme
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert_focus_visible(app)

        # Board: `>` moves the focused deal to the next stage.
        deal = board.current_deal
        assert deal is not None and deal.stage_id == stages["Lead"].id
        await press(pilot, "greater_than_sign")
        assert store.deals.get(deal.id).stage_id == stages["Qualified"].id
        assert board.current_deal is not None and board.current_deal.id == deal.id

        # Detail (enter): `t` sets the next step.
        await press(pilot, "enter")
        assert isinstance(app.screen, DealDetailScreen) and app.screen.deal_id == deal.id
        await press(pilot, "t")
        assert isinstance(app.screen, NextStepModal)
        await pilot.press("home", "ctrl+k")
        await paste(pilot, "Call back")
        await press(pilot, "tab")
        await clear_and_type(pilot, "fri")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, DealDetailScreen)
        assert store.deals.get(deal.id).next_step == "Call back"
        assert store.deals.get(deal.id).next_step_due == date(2026, 11, 27)
        await press(pilot, "escape")

        # Stale list (s): `a` notes the first stale deal.
        await press(pilot, "s")
        stale = app.screen
        assert isinstance(stale, StaleScreen) and stale.row_ids
        assert stale.query_one(DealRows).count == len(stale.row_ids)
        stale_deal = stale.deal
        assert stale_deal is not None
        await press(pilot, "a")
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Pinged")
        await press(pilot, "ctrl+s")
        assert app.screen is stale
        assert store.deals.timeline(stale_deal.id)[-1].text == "Pinged"
        await press(pilot, "escape")

        # Revisits (r): `c` closes out the first due revisit.
        await press(pilot, "r")
        revisits = app.screen
        assert isinstance(revisits, RevisitsScreen)
        due = revisits.deal
        assert due is not None and due.revisit_on is not None and due.revisit_on <= TODAY
        await press(pilot, "c")
        assert store.deals.get(due.id).revisit_state is RevisitState.CLOSED
        await press(pilot, "escape")

        # Report (R): `4` shows all time.
        await press(pilot, "R")
        report = app.screen
        assert isinstance(report, ReportScreen)
        await press(pilot, "4")
        assert report.period_name == "all" and report.report is not None
        assert report.report.lost_count + report.report.no_decision_count == sum(
            1 for d in store.deals.all() if d.stage_id == stages["Closed Lost"].id
        )
        await press(pilot, "escape")

        # Settings (,): `t` sets Lead's stale days.
        await press(pilot, "comma")
        assert isinstance(app.screen, SettingsScreen)
        await press(pilot, "t")
        assert isinstance(app.screen, PromptModal)
        await clear_and_type(pilot, "9")
        await press(pilot, "enter")
        assert isinstance(app.screen, SettingsScreen)
        assert store.shape.stage(stages["Lead"].id).stale_days == 9
        await press(pilot, "escape")

        # Help (?): it lists the keys; escape closes it.
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "end")
        await press(pilot, "escape")
        assert app.screen is board

        # Lost modal (l): a reason typed, Enter, a note, ctrl+s.
        await focus_first_card(pilot)
        lost = board.current_deal
        assert lost is not None
        await press(pilot, "l")
        assert isinstance(app.screen, LostModal)
        await press(pilot, *"price", "enter")
        assert app.screen.focused is app.screen.query_one("#lost-note", TextArea)
        await paste(pilot, "Too dear")
        await press(pilot, "ctrl+s")
        assert app.screen is board
        after = store.deals.get(lost.id)
        assert store.shape.stage(after.stage_id).kind is StageKind.LOST
        assert (
            after.loss_reason_id == store.shape.find_reason("Price / budget").id
            and after.loss_note == "Too dear"
        )

        # Deal form (n): a title, ctrl+s.
        count = store.deals.count()
        await focus_first_card(pilot)
        await press(pilot, "n")
        assert isinstance(app.screen, DealFormModal)
        title = f"New at {size[0]}x{size[1]}"
        await paste(pilot, title)
        await press(pilot, "ctrl+s")
        assert app.screen is board
        assert store.deals.count() == count + 1
        assert max(store.deals.all(), key=lambda d: d.id).title == title

        # Note (a): on the focused card.
        noted = board.current_deal
        assert noted is not None
        await press(pilot, "a")
        assert isinstance(app.screen, NoteModal)
        await paste(pilot, "Hello")
        await press(pilot, "ctrl+s")
        assert app.screen is board
        assert [e.text for e in store.deals.timeline(noted.id) if e.kind is EventKind.NOTE][-1] == "Hello"
        assert app.is_running


# ------------------------------------------------------------------- resizing


@pytest.mark.parametrize("theme", THEMES)
async def test_lost_modal_stays_usable_when_the_terminal_shrinks(make_app, demo_store: Store, theme) -> None:
    store = demo_store
    app = make_app(settings=Settings(theme=theme))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        deal = app.screen.current_deal
        assert deal is not None
        await press(pilot, "l")
        modal = app.screen
        assert isinstance(modal, LostModal)
        await pilot.resize_terminal(60, 18)
        await pilot.pause()
        assert app.size == (60, 18)
        assert modal.focused is modal.query_one("#lost-reason", Input)
        assert_focus_visible(app)
        await press(pilot, *"comp")
        await press(pilot, "tab")  # a competitor reason: its field comes next
        assert modal.focused is modal.query_one("#lost-competitor", Input)
        await press(pilot, *"Hooli")
        await press(pilot, "tab")
        assert modal.focused is modal.query_one("#lost-note", TextArea)
        await press(pilot, *"Cheaper")
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert_focus_visible(app)
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, BoardScreen)
        after = store.deals.get(deal.id)
        assert after.loss_reason_id == store.shape.find_reason("Lost to competitor").id
        assert (after.competitor, after.loss_note) == ("Hooli", "Cheaper")


@pytest.mark.parametrize("theme", THEMES)
async def test_deal_form_stays_usable_through_a_resize_down_and_up(
    make_app, demo_store: Store, theme
) -> None:
    store = demo_store
    count = store.deals.count()
    app = make_app(settings=Settings(theme=theme))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await press(pilot, "n")
        modal = app.screen
        assert isinstance(modal, DealFormModal)
        await pilot.resize_terminal(60, 18)
        await pilot.pause()
        assert_focus_visible(app)
        await press(pilot, *"Resized")
        for field in ("company", "contact", "value"):
            await press(pilot, "tab")
            assert modal.focused is modal.query_one(f"#deal-{field}", Input)
        await press(pilot, *"12k")
        await pilot.resize_terminal(250, 70)
        await pilot.pause()
        assert_focus_visible(app)
        await press(pilot, "tab")
        await press(pilot, *"Dec 15")
        await pilot.resize_terminal(60, 18)
        await pilot.pause()
        await press(pilot, "tab", "tab", "tab")  # next step, step due, the Save button
        assert modal.focused is modal.query_one("#deal-save")
        await press(pilot, "enter")
        assert isinstance(app.screen, BoardScreen)
        assert store.deals.count() == count + 1
        deal = max(store.deals.all(), key=lambda d: d.id)
        assert (deal.title, deal.value, deal.expected_close) == ("Resized", 1_200_000, date(2026, 12, 15))


async def test_bug_deal_form_focus_scrolled_out_of_view_by_a_shrink(make_app, demo_store: Store) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n", *"Acme", *["tab"] * 7)
        modal = app.screen
        assert isinstance(modal, DealFormModal) and modal.focused is modal.query_one("#deal-save")
        await pilot.resize_terminal(60, 18)
        await pilot.pause()
        assert_focus_visible(app)


@pytest.mark.parametrize("keys", [["greater_than_sign"], ["right"]], ids=["move-deal", "next-column"])
async def test_bug_narrow_board_keeps_the_focused_column_off_screen(
    make_app, demo_store: Store, keys
) -> None:
    app = make_app()
    async with app.run_test(size=(60, 18)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        board = app.screen
        assert isinstance(board, BoardScreen) and board.current_list is board.columns[1]
        in_view = {index: width for index, _, width in board.view.layout_columns()}
        assert in_view.get(1, 0) >= 10, f"the focused column shows {in_view.get(1, 0)} cells"


async def test_every_modal_keeps_its_focus_on_screen_when_shrunk(make_app, demo_store: Store) -> None:
    """Each dialog opened at 250x70 and squeezed to 60x18: its focused field stays visible."""
    app = make_app()
    async with app.run_test(size=(250, 70)) as pilot:
        await pilot.pause()
        for keys, modal_type in (
            (["l"], LostModal),
            (["n"], DealFormModal),
            (["a"], NoteModal),
            (["enter", "t"], NextStepModal),
            (["question_mark"], HelpScreen),
            (["r", "z"], PromptModal),
            (["R", "5"], PromptModal),
            (["comma", "a"], PromptModal),
        ):
            for key in keys:
                await pilot.press(key)
            assert isinstance(app.screen, modal_type)
            await pilot.resize_terminal(60, 18)
            await pilot.pause()
            if modal_type is not HelpScreen:
                assert_focus_visible(app)
            while not isinstance(app.screen, BoardScreen):
                await pilot.press("escape")
            await pilot.resize_terminal(250, 70)
            await pilot.pause()


# ---------------------------------------------------------------- readability


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG contrast ratio: 1 (invisible) to 21 (black on white)."""
    high, low = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Where the screenshot (Rich's SVG export, Textual's public `export_screenshot`) puts a cell.
CELL_WIDTH, LINE_HEIGHT = 20 * 0.61, 20 * 1.22


def _hex(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


TEXT_RUN = (
    r'<text class="([^"]+)" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[^)]*line-(\d+)\)">([^<]*)</text>'
)


def unreadable(app, minimum: float = 0) -> list[tuple[float, str, str]]:  # type: ignore[no-untyped-def]
    """(contrast, text, colours) of every run of text drawn below MIN_CONTRAST, read from the
    screen as exported (a dim style is already blended into its colour there). A modal's
    dimmed background does not count; bars and box lines are drawing, not text."""
    screen = app.screen
    area = screen.query_one(".dialog").region if isinstance(screen, ModalScreen) else screen.region
    svg = app.export_screenshot()
    fills = dict(re.findall(r"\.(terminal-(?:\d+-)?r\d+) \{[^}]*?fill: (#[0-9a-f]{6})", svg))
    backgrounds: dict[tuple[int, int], str] = {}
    for fill, x, y, width in re.findall(
        r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', svg
    ):
        row, first = round((float(y) - 1.5) / LINE_HEIGHT), round(float(x) / CELL_WIDTH)
        for column in range(first, first + round(float(width) / CELL_WIDTH)):
            backgrounds[column, row] = fill
    found: dict[tuple[str, str], float] = {}
    texts = re.findall(TEXT_RUN, svg)
    for name, x, row, raw in texts:
        text = "".join(c for c in html.unescape(raw) if not c.isspace() and not 0x2500 <= ord(c) <= 0x259F)
        start = round(float(x) / CELL_WIDTH)
        if not text or (start, int(row)) not in area or name not in fills:
            continue
        fg, bg = fills[name], backgrounds.get((start, int(row)))
        assert bg is not None, (text, fg)
        ratio = contrast(_hex(fg), _hex(bg))
        if ratio < (minimum or MIN_CONTRAST):
            key = (f"{fg} on {bg}", text[:30])
            found[key] = min(ratio, found.get(key, 99))
    return sorted((round(ratio, 2), text, colours) for (colours, text), ratio in found.items())


SCREENS = {
    "board": [],
    "detail": ["enter"],
    "stale": ["s"],
    "revisits": ["r"],
    "report": ["R", "4"],
    "settings": ["comma"],
    "help": ["question_mark"],
    "lost-modal": ["l", "c", "o", "m", "p"],
    "deal-form": ["n"],
    "note": ["a"],
}
CASES = [
    pytest.param(theme, screen, id=f"{theme}-{screen}")
    for theme in THEMES
    for screen in SCREENS
]  # fmt: skip


@pytest.mark.parametrize(("theme", "screen"), CASES)
async def test_every_screen_is_readable_in_both_themes(make_app, demo_store: Store, theme, screen) -> None:
    app = make_app(settings=Settings(theme=theme))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in SCREENS[screen]:
            await pilot.press(key)
        await pilot.pause()
        assert app.theme == theme
        assert unreadable(app) == [], f"text below {MIN_CONTRAST}:1 on {app.screen!r}"


async def test_the_readability_check_reads_every_text_run(make_app, demo_store: Store) -> None:
    """Against a contrast nothing reaches (above 21:1) every run of text on the board is
    listed: the check reads the screen, not nothing."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        runs = unreadable(app, minimum=22)
        shown = " ".join(text for _, text, _ in runs)
        assert len(runs) > 20 and "Lead" in shown and "Negotiation" in shown

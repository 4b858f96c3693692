"""Bad input, everywhere ("Nothing lost, ever"): arbitrary and near-valid text in every CLI
argument and every form field. The only outcomes allowed are success or one clear message;
after a failure the database (and the config file) is exactly as it was.

The CLI part calls `pipeline_tui.cli.main(argv)` with hypothesis text. Every example gets a
fresh copy of a small pipeline in its own folder (function fixtures are not reset between
hypothesis examples), with the working directory, $HOME and the config file inside it, so
that a path like `~/x` or `notes.csv` never lands outside the example's folder.

The form part drives the real app: text is typed key by key into the focused field (the Key
events `pilot.press` makes, without its idle wait of ~70 ms after every key), then submitted.
The bugs these tests found are pinned by the `test_bug_*` tests at the end of the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import builders
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pilot_helpers import assert_shown_as_typed
from rich.errors import MarkupError as RichMarkupError
from textual.markup import MarkupError as TextualMarkupError

from pipeline_tui.cli import main
from pipeline_tui.config import DESCRIPTIONS as PREFERENCES
from pipeline_tui.config import THEMES, load_settings, update_setting
from pipeline_tui.dates import parse_date, parse_optional_date
from pipeline_tui.errors import PipelineError
from pipeline_tui.importer import FORMATS
from pipeline_tui.modals.deal_form import DealFormModal
from pipeline_tui.modals.lost import LostModal
from pipeline_tui.modals.prompts import ConfirmModal, NextStepModal, NoteModal, PromptModal
from pipeline_tui.models import LossInput
from pipeline_tui.money import parse_amount
from pipeline_tui.screens.deal_detail import DealDetailScreen
from pipeline_tui.screens.report import ReportScreen
from pipeline_tui.screens.revisits import RevisitsScreen
from pipeline_tui.screens.settings import SettingsScreen
from pipeline_tui.store import Store

pytestmark = pytest.mark.slow  # among the slowest files: CI runs them, -m 'not slow' skips them

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 0)
PROG_ERROR = "pipeline-tui: error:"

CLI_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ------------------------------------------------------------------ strategies

# Anything a shell could pass: every code point but NUL (the OS forbids it in argv) and lone
# surrogates (not text).
ANY = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
NASTY_PIECES = list("ab Z09 \"'`\\\n\r\t;,.=+-_/@#$%&*()[]{}<>|~!?") + [
    "é", "ß", "🎉", "👩‍💻", "\u200b", "\u2028", "\ufeff", "\u202e", "\u00a0", "\x7f", "\x1b", "١", "²",
]  # fmt: skip
NAMES = st.lists(st.sampled_from(NASTY_PIECES), max_size=25).map("".join)
NEAR_DATES = st.sampled_from(
    [
        "13/45", "+99999y", "+9999999d", "-5y", "2026-02-30", "2026-13-01", "0/0", "00/00/0000",
        "31/12", "12/31/1899", "Dec 32", "Feb 29", "29/2", "next blursday", "in 0 days",
        "in 99999999 years", "1.1.1900", "2201-01-01", "1 December 2026", "2026-12-01T25:00",
        "9999-99-99", "fri fri", "tomorrow!", "+3 weeks", "in a year", "a year ago", "+1q",
        "today", "Dec 1", "12/1", "+2w", "none", "", " ", "-", "١٢/١", "2026-١٢-01", "+1e9d",
        "99999999999999999999/1", "1/1/99999", "Jan 1 0", "Jan 1, 0001",
    ]
)  # fmt: skip
NEAR_MONEY = st.sampled_from(
    [
        "1,2,3k", "12k", "1.2m", "€3 500", "$-5", "(5)", "1e5", "nan", "inf", "-inf", "١٢٣", "²",
        "12,000.505", "9" * 30, "0.001", "1,000,000,000,000", "12kk", "¥", "USD", "12 usd",
        "EUR 3 500", "12,34,567", "1.234,56", ".5", "5.", "+5", "1_000", "1'000", "$", "k", "0",
        "99999999999999.99", "10000000000000", "1.5b", "3 500 €", "12 XYZ", "12 ÉUR", "0x10",
    ]
)  # fmt: skip


def near(*specific: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Any text, names full of quotes and newlines, and the near-valid values given."""
    return st.one_of(ANY, NAMES, *specific)


TEXT = near()
DATES = near(NEAR_DATES)
MONEY = near(NEAR_MONEY)
OPTIONAL = st.none() | TEXT  # an option that is left out, or given any text
STAGES = near(st.sampled_from(["Lead", "lead", "Closed Lost", "closed", "Won", "Qual", "o", "Proposal "]))
REASONS = near(st.sampled_from(["Price / budget", "price", "comp", "Other", "o", "Lost to competitor"]))
DEALS = near(st.sampled_from(["1", "#1", "2", "99", "0", "-1", "#", "acme", "Acme renewal", "a", "²",
                              "9" * 25, "٣"]))  # fmt: skip


# ------------------------------------------------------------- known bugs
# Inputs that once hit bugs (pinned by the test_bug_* tests below).


def bug_find_digits(ref: str) -> bool:
    """Store.find: a deal reference of digits that int() refuses (superscript '²') or that
    SQLite cannot hold (20 digits) escapes as ValueError / OverflowError: a traceback."""
    text = ref.strip().lstrip("#")
    return text.isdigit() and (not text.isdecimal() or len(text) > 18)


def bug_path_newline(path: str) -> bool:
    """A path with a line break is printed raw in an error: the one-line error is two lines."""
    return "\n" in path or "\r" in path


def filename(text: str) -> str:
    """A file name made of the text: no folder separators, so it stays in the example's
    folder (an absolute path or `../..` would write outside it)."""
    return text.replace("/", "∕")


# --------------------------------------------------------------------- world


def make_template(path: Path) -> None:
    """A small pipeline: open deals, one lost with a revisit, one won, notes."""
    store = Store.open(path, clock=lambda: NOW)
    try:
        acme = builders.add(store, "Acme renewal", company="Acme", value=1_200_000, next_step="Call")
        builders.add(
            store,
            "Globex pilot",
            company="Globex",
            value=500_000,
            stage_id=store.shape.find_stage("Proposal").id,
        )
        lost = builders.add(store, "Initech seats", company="Initech", value=90_000)
        builders.move(
            store,
            lost.id,
            store.shape.find_stage("Closed Lost").id,
            LossInput(
                store.shape.find_reason("Lost to competitor").id,
                "Hooli",
                "Came back cheaper",
                date(2027, 1, 5),
            ),
        )
        won = builders.add(store, "Umbrella", company="Umbrella Corp", value=3_000_000)
        builders.move(store, won.id, store.shape.find_stage("Closed Won").id)
        builders.add_note(store, acme.id, 'Said "maybe", then\nwent quiet')
    finally:
        store.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "pipeline.db"
    make_template(path)
    assert not path.with_name("pipeline.db-wal").exists()
    return path


def dump(path: Path) -> str:
    """Every row of the database, as SQL text: equal dumps mean nothing changed."""
    if not path.exists():
        return "<no file>"
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def file_state(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "<no file>"


class World:
    """One example's folder: a copy of the template pipeline, the config file, cwd and $HOME."""

    def __init__(self, folder: Path, template: Path) -> None:
        self.folder = folder
        self.db = folder / "pipeline.db"
        self.config = folder / "config.toml"
        shutil.copy(template, self.db)

    def path(self, text: str) -> str:
        return str(self.folder / filename(text))

    def state(self) -> tuple[str, str]:
        return dump(self.db), file_state(self.config)


@contextlib.contextmanager
def world(template: Path) -> Iterator[World]:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        w = World(Path(tmp), template)
        mp.setenv("PIPELINE_TUI_DB", str(w.db))
        mp.setenv("PIPELINE_TUI_CONFIG", str(w.config))
        mp.setenv("HOME", tmp)
        mp.chdir(tmp)
        yield w


def clean_argv(argv: Sequence[str | None]) -> list[str]:
    return [a for a in argv if a is not None]


def option(name: str, value: str | None) -> str | None:
    """`--name=value` (argparse takes any value this way, even one that starts with '-')."""
    return None if value is None else f"{name}={value}"


def run_cli(capsys: pytest.CaptureFixture[str], w: World, argv: Sequence[str | None]) -> tuple[int, str, str]:
    """Run the CLI; check the outcome is success, one clear error line, or an argparse usage
    error; on an error check that the database and the config file are unchanged."""
    args = ["--db", str(w.db), "--today", TODAY.isoformat(), *clean_argv(argv)]
    before = w.state()
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as exc:  # argparse: 2 for malformed option syntax (0 for --help)
        code = exc.code if isinstance(exc.code, int) else 2
        assert code in (0, 2), f"argparse exit {exc.code!r} for {args!r}"
    except BaseException as exc:  # anything else would be a traceback in a terminal
        raise AssertionError(f"{type(exc).__name__}: {exc} escaped main() for {args!r}") from exc
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    assert code in (0, 1, 2), (code, args)
    if code == 1:
        # Lines as a terminal shows them (a path may hold \x1e, which splitlines() breaks on).
        lines = [line for line in err.split("\n") if line and not line.startswith("pipeline-tui: warning:")]
        # One error; only an import's question (unknown stage values) lists one line per value.
        question = "import" in args and "Nothing was imported." in err
        assert (len(lines) == 1 or question) and lines[0].startswith(PROG_ERROR), (
            f"not one error line for {args!r}: {err!r}"
        )
        assert sum(line.startswith(PROG_ERROR) for line in lines) == 1, err
    if code in (1, 2):
        assert w.state() == before, f"exit {code} changed the database or config for {args!r}: {err!r}"
    elif code == 0:
        assert PROG_ERROR not in err, err
    return code, out, err


def deal_count(w: World) -> int:
    conn = sqlite3.connect(w.db)
    try:
        return conn.execute("SELECT COUNT(*) FROM deals").fetchone()[0]
    finally:
        conn.close()


# ---------------------------------------------------------------- CLI tests


@CLI_SETTINGS
@given(
    title=TEXT,
    company=OPTIONAL,
    contact=OPTIONAL,
    value=st.none() | MONEY,
    stage=st.none() | STAGES,
    close=st.none() | DATES,
    next_step=OPTIONAL,
    due=st.none() | DATES,
    as_json=st.booleans(),
)
def test_cli_add_with_every_option(
    capsys, template, title, company, contact, value, stage, close, next_step, due, as_json
) -> None:
    with world(template) as w:
        deals = deal_count(w)
        code, out, _ = run_cli(
            capsys,
            w,
            [
                "add",
                option("--company", company),
                option("--contact", contact),
                option("--value", value),
                option("--stage", stage),
                option("--close", close),
                option("--next-step", next_step),
                option("--due", due),
                "--json" if as_json else None,
                "--",
                title,
            ],
        )
        assert deal_count(w) == deals + (code == 0)
        if code == 0:
            assert out.strip()


@CLI_SETTINGS
@given(stage=STAGES, stale=st.booleans(), as_json=st.booleans(), today=st.none() | DATES)
def test_cli_list_stage(capsys, template, stage, stale, as_json, today) -> None:
    with world(template) as w:
        run_cli(
            capsys,
            w,
            ["list", option("--stage", stage), "--stale" if stale else None, "--json" if as_json else None,
             option("--today", today)],
        )  # fmt: skip


@CLI_SETTINGS
@given(
    deal=DEALS,
    stage=STAGES,
    reason=st.none() | REASONS,
    competitor=OPTIONAL,
    note=OPTIONAL,
    revisit=st.none() | DATES,
)
def test_cli_move_with_loss_options(capsys, template, deal, stage, reason, competitor, note, revisit) -> None:
    with world(template) as w:
        run_cli(
            capsys,
            w,
            [
                "move",
                option("--reason", reason),
                option("--competitor", competitor),
                option("--note", note),
                option("--revisit", revisit),
                "--",
                deal,
                stage,
            ],
        )


@CLI_SETTINGS
@given(deal=DEALS, text=TEXT)
def test_cli_note(capsys, template, deal, text) -> None:
    with world(template) as w:
        events = dump(w.db).count('INSERT INTO "events"')
        code, _, _ = run_cli(capsys, w, ["note", "--", deal, text])
        if code == 0:
            assert dump(w.db).count('INSERT INTO "events"') == events + 1


@CLI_SETTINGS
@given(ics=st.booleans(), as_json=st.booleans(), output=st.none() | TEXT, today=st.none() | DATES)
def test_cli_revisits(capsys, template, ics, as_json, output, today) -> None:
    with world(template) as w:
        run_cli(
            capsys,
            w,
            [
                "revisits",
                "--ics" if ics else None,
                "--json" if as_json else None,
                option("--output", None if output is None else w.path(output)),
                option("--today", today),
            ],
        )


@CLI_SETTINGS
@given(what=st.sampled_from(["notes", "deals"]) | TEXT, output=st.none() | TEXT, excel=st.booleans())
def test_cli_export_output(capsys, template, what, output, excel) -> None:
    with world(template) as w:
        code, _, _ = run_cli(
            capsys,
            w,
            [
                "export",
                option("--output", None if output is None else w.path(output)),
                "--excel" if excel else None,
                "--",
                what,
            ],
        )
        if code == 0 and output is not None and filename(output) not in ("", ".", "..", "-"):
            assert Path(w.path(output)).is_file()


@CLI_SETTINGS
@given(
    since=st.none() | DATES,
    until=st.none() | DATES,
    period=st.none() | st.sampled_from(["this-quarter", "last-90-days", "this-year", "all"]) | TEXT,
    as_json=st.booleans(),
)
def test_cli_report_since_until(capsys, template, since, until, period, as_json) -> None:
    with world(template) as w:
        run_cli(
            capsys,
            w,
            ["report", option("--since", since), option("--until", until), option("--period", period),
             "--json" if as_json else None],
        )  # fmt: skip


SAMPLE_CSV = (
    "Deal Name,Deal Stage,Amount,Close Date,Associated Company\n"
    "Wayne deal,Appointment Scheduled,1200,2026-12-01,Wayne\n"
    "Stark deal,Closed Lost,5000,2026-10-01,Stark\n"
)


@CLI_SETTINGS
@given(
    fmt=st.none() | st.sampled_from(FORMATS) | TEXT,
    maps=st.lists(
        near(st.sampled_from(["Closed Lost=Lead", "Appointment Scheduled=Proposal", "=", "a=", "=b",
                              "Appointment Scheduled=Nowhere", "Closed Lost=Closed Won"])),
        max_size=3,
    ),
    dry_run=st.booleans(),
    day_first=st.booleans(),
)  # fmt: skip
def test_cli_import_format_and_map(capsys, template, fmt, maps, dry_run, day_first) -> None:
    with world(template) as w:
        csv_file = w.folder / "deals.csv"
        csv_file.write_text(SAMPLE_CSV, encoding="utf-8")
        deals = deal_count(w)
        code, _, _ = run_cli(
            capsys,
            w,
            [
                "import",
                option("--format", fmt),
                *[option("--map", m) for m in maps],
                "--dry-run" if dry_run else None,
                "--day-first" if day_first else None,
                "--",
                str(csv_file),
            ],
        )
        if code == 0 and not dry_run:
            assert deal_count(w) == deals + 2


@CLI_SETTINGS
@given(
    action=st.none() | st.sampled_from(["list", "add", "rename", "stale", "move", "archive", "restore"]),
    name=st.none() | STAGES,
    value=st.none() | near(st.sampled_from(["off", "0", "3650", "3651", "-1", "up", "down", "last",
                                              "99999999999999999999", "١٢", "²", "1.5"])),
    kind=st.none() | st.sampled_from(["open", "won", "lost"]),
    all_=st.booleans(),
)  # fmt: skip
def test_cli_stages_actions(capsys, template, action, name, value, kind, all_) -> None:
    with world(template) as w:
        run_cli(
            capsys,
            w,
            ["stages", option("--kind", kind), "--all" if all_ else None, "--", action,
             name if action else None, value if action and name is not None else None],
        )  # fmt: skip


@CLI_SETTINGS
@given(
    action=st.none() | st.sampled_from(["list", "add", "rename", "move", "archive", "restore"]),
    label=st.none() | REASONS,
    value=st.none() | near(st.sampled_from(["up", "down", "first", "-3", "99999999999999999999", "²"])),
    competitor=st.booleans(),
    note=st.booleans(),
)
def test_cli_reasons_actions(capsys, template, action, label, value, competitor, note) -> None:
    with world(template) as w:
        run_cli(
            capsys,
            w,
            ["reasons", "--competitor" if competitor else None, "--note" if note else None, "--", action,
             label if action else None, value if action and label is not None else None],
        )  # fmt: skip


SETTING_KEYS = st.sampled_from(["currency", "day_first", "theme", "closed_days", "revisit_horizon_days"])


@CLI_SETTINGS
@given(
    key=st.none() | SETTING_KEYS | TEXT,
    value=st.none()
    | near(st.sampled_from(["EUR", "eur", "E", "€", "yes", "off", "2", "0", "3651", "textual-light",
                            "nord", "99999999999999999999", "١٢", "true "])),
)  # fmt: skip
def test_cli_config_actions(capsys, template, key, value) -> None:
    with world(template) as w:
        code, _, _ = run_cli(capsys, w, ["config", "--", key, value if key is not None else None])
        if code == 0 and key is not None and value is not None:
            # What was saved can be read back: the next command starts without a warning.
            _, _, err = run_cli(capsys, w, ["config"])
            assert "warning" not in err


@CLI_SETTINGS
@given(output=st.none() | TEXT, missing_folder=st.booleans())
def test_cli_backup_output(capsys, template, output, missing_folder) -> None:
    with world(template) as w:
        target = None
        if output is not None:
            target = str(w.folder / "missing" / filename(output)) if missing_folder else w.path(output)
        code, _, _ = run_cli(capsys, w, ["backup", option("--output", target)])
        if code == 0 and target is not None:
            assert dump(Path(target)) == dump(w.db)


@CLI_SETTINGS
@given(
    name=TEXT,
    content=st.sampled_from(["none", "backup", "empty", "text", "sqlite-foreign"]) | st.binary(max_size=200),
    yes=st.booleans(),
)
def test_cli_restore(capsys, template, name, content, yes) -> None:
    with world(template) as w:
        source = Path(w.path(name))
        if isinstance(content, bytes):
            with contextlib.suppress(OSError):
                source.write_bytes(content)
        elif content != "none":
            with contextlib.suppress(
                OSError, sqlite3.Error, PipelineError
            ):  # a name like '' or '..' is a folder
                if content == "backup":
                    shutil.copy(template, source)
                    Store.open(source, clock=lambda: NOW).close()
                elif content == "empty":
                    source.write_bytes(b"")
                elif content == "text":
                    source.write_text("id,title\n1,not a database\n", encoding="utf-8")
                else:
                    conn = sqlite3.connect(source)
                    conn.execute("CREATE TABLE t (x)")
                    conn.commit()
                    conn.close()
        run_cli(capsys, w, ["restore", "--yes" if yes else None, "--", str(source)])


SAFE_COMMANDS = ["add", "list", "move", "note", "revisits", "report", "import", "export", "stages",
                 "reasons", "config"]  # fmt: skip
WRITES_ANYWHERE = ("-o", "--o", "--d")  # -o FILE, --output, --db (and its abbreviations)


@CLI_SETTINGS
@given(
    command=st.sampled_from(SAFE_COMMANDS),
    words=st.lists(
        near(st.sampled_from(SAFE_COMMANDS + ["--json", "--stage", "--since", "--reason", "--", "-", "--all",
                                              "--stale", "--kind", "--format", "--map", "--note", "Lead"])),
        max_size=5,
    ),
)  # fmt: skip
def test_cli_arbitrary_words(capsys, template, command, words) -> None:
    """Whatever words follow a command: success, one error line or a usage error."""
    words = [w for w in words if not w.startswith(WRITES_ANYWHERE)]
    with world(template) as w:
        run_cli(capsys, w, [command, *words])


# ============================================================== forms in the app
# Every form of the app, fed hypothesis text through key presses. Each example is one app on a
# fresh copy of the demo pipeline, taking a handful of inputs in a row (starting an app costs
# more than filling a form). After each submit: the app still runs, and either the change is
# in the store, or the form (or a notification) says what is wrong and the store is unchanged.

# The characters a person can type (markup-like text such as '[/]' included).
TYPED = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30)
TYPED_NAMES = st.lists(st.sampled_from([p for p in NASTY_PIECES if p.isprintable()]), max_size=20).map(
    "".join
)


def typed(*specific: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(TYPED, TYPED_NAMES, *specific)


TYPED_TEXT = typed()
# Valid values too, so that saving is exercised as often as refusing.
VALID_DATES = st.sampled_from(
    ["+2w", "fri", "Dec 15", "2027-01-31", "tomorrow", "in 3 months", "12/24", "+1y"]
)
VALID_MONEY = st.sampled_from(["12000", "12,000", "$12,000.50", "12k", "1.2m", "€3 500", "0", "7 EUR"])
TYPED_DATES = typed(NEAR_DATES)
TYPED_MONEY = typed(NEAR_MONEY)


def mostly(
    valid: st.SearchStrategy[str], junk: st.SearchStrategy[str], odds: int = 3
) -> st.SearchStrategy[str]:
    """`valid` `odds` times out of odds + 1, else `junk`: a form with four fields then saves
    about a third of the time, and each field is still junk often enough."""
    return st.integers(0, odds).flatmap(lambda i: junk if i == 0 else valid)


OPTIONAL_DATE = mostly(st.just("") | VALID_DATES, TYPED_DATES)

FORM_SETTINGS = settings(
    max_examples=3,
    deadline=None,
    # Shrinking replays whole apps for minutes: a failure is reported as generated.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
PER_EXAMPLE = 5  # inputs typed into one app: 3 examples x 5 = 15 inputs per form
SIZE = (100, 32)


def inputs(strategy: st.SearchStrategy) -> st.SearchStrategy[list]:  # type: ignore[type-arg]
    return st.lists(strategy, min_size=PER_EXAMPLE, max_size=PER_EXAMPLE)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline_tui.demo import seed_demo

    path = tmp_path_factory.mktemp("demo") / "pipeline.db"
    store = Store.open(path, clock=lambda: NOW)
    try:
        seed_demo(store, TODAY)
    finally:
        store.close()
    return path


def recording_app(store: Store):  # type: ignore[no-untyped-def]
    """The real app, remembering every notification it shows as (severity, message)."""
    from pipeline_tui.app import PipelineApp

    app = PipelineApp(store, today=TODAY, poll_interval=0)
    app.notices = []  # type: ignore[attr-defined]
    notify = app.notify

    def recording_notify(message, *, severity="information", **kwargs):  # type: ignore[no-untyped-def]
        app.notices.append((severity, str(message)))  # type: ignore[attr-defined]
        notify(message, severity=severity, **kwargs)

    app.notify = recording_notify  # type: ignore[method-assign]
    return app


def play(template: Path, script, size: tuple[int, int] = SIZE) -> None:  # type: ignore[no-untyped-def]
    """Run `script(pilot, app, folder)` in a fresh app on a copy of `template`; the app must
    not crash (run_test re-raises what crashed it) and must still be running at the end."""
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        folder = Path(tmp)
        mp.setenv("PIPELINE_TUI_CONFIG", str(folder / "config.toml"))
        mp.setenv("HOME", tmp)
        mp.chdir(tmp)
        shutil.copy(template, folder / "pipeline.db")
        store = Store.open(folder / "pipeline.db", clock=lambda: NOW)
        try:
            app = recording_app(store)

            async def run() -> None:
                async with app.run_test(size=size) as pilot:
                    await pilot.pause()
                    await script(pilot, app, folder)
                    await pilot.pause()
                    assert app.is_running

            asyncio.run(run())
        finally:
            store.close()


def post_key(app, key: str, character: str | None) -> None:  # type: ignore[no-untyped-def]
    """The Key event pilot.press makes, posted straight to the app (pilot goes through the
    driver, which posts it one loop turn later: after a focus change queued meanwhile)."""
    from textual import events

    event = events.Key(key, character)
    event.set_sender(app)
    app.post_message(event)


async def fill(pilot, field, text: str) -> None:  # type: ignore[no-untyped-def]
    """Focus a field, empty it and type `text`: the keys queue behind the focus change, which
    waits for the keys sent before it to be handled (as a click would, in a person's time)."""
    from textual.widgets import TextArea

    await pilot.pause()  # the keys sent before it are handled
    field.screen.set_focus(field)
    if isinstance(field, TextArea):
        field.clear()
    else:
        field.value = ""
    queue_text(field.app, text)
    FILLED[field] = text


FILLED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # field -> the text typed into it


def queue_text(app, text: str) -> None:  # type: ignore[no-untyped-def]
    """One Key event per character, with the key names pilot.press gives them."""
    from pilot_helpers import key_name

    for char in text:
        post_key(app, char if char.isalnum() else key_name(char), char)


def value(field) -> str:  # type: ignore[no-untyped-def]
    """What a field holds: every printable character typed into it, and every invisible
    letter (a soft hyphen, a zero-width joiner, a direction mark: Unicode's format
    characters, but the byte-order mark), and nothing else (a line separator, a control)."""
    import unicodedata

    from textual.widgets import TextArea

    def kept(c: str) -> bool:
        return c.isprintable() or (unicodedata.category(c) == "Cf" and c != "\ufeff")

    held = field.text if isinstance(field, TextArea) else field.value
    if field in FILLED:
        assert held == "".join(c for c in FILLED[field] if kept(c)), (field.id, FILLED[field], held)
    return held


def error_shown(modal) -> str:  # type: ignore[no-untyped-def]
    """What the modal's error line says."""
    return " ".join(str(w.visual.plain) for w in modal.query(".error")).strip()


class Submitted:
    """What one submit did: saved, or refused (in the form, or by a notification)."""

    def __init__(self, saved: bool, message: str = "") -> None:
        self.saved, self.message = saved, message


async def submit(pilot, app, modal_type, key: str = "ctrl+s") -> Submitted:  # type: ignore[no-untyped-def]
    """Press `key` in a form. If the form stays open it must say why, and nothing may have
    changed; if it closed with an error notification, nothing may have changed either.
    A refused form stays open for the next try, as a person would correct it."""
    db = app.store.path
    before = dump(db)
    seen = len(app.notices)
    modal = app.screen
    for line in modal.query(".error"):
        line.update("")  # so that only this try's message counts
    await pilot.press(key)
    assert app.is_running
    if app.screen is modal:
        message = error_shown(modal)
        assert message, f"{modal_type.__name__} neither saved nor said why"
        assert dump(db) == before, f"{modal_type.__name__} refused ({message}) but the store changed"
        return Submitted(False, message)
    assert not isinstance(app.screen, modal_type)
    errors = [m for severity, m in app.notices[seen:] if severity == "error"]
    if errors:
        assert dump(db) == before, f"refused ({errors}) but the store changed"
        return Submitted(False, errors[0])
    return Submitted(True)


def parses(fn: Callable[[], object]) -> bool:
    try:
        fn()
    except PipelineError:
        return False
    return True


async def open_form(pilot, app, modal_type, key: str, before=None):  # type: ignore[no-untyped-def]
    """The form of `modal_type`: the one still open after a refusal, or a new one (`before`
    runs first, e.g. to choose the card)."""
    if isinstance(app.screen, modal_type):
        return app.screen
    if before is not None:
        before()
    await pilot.press(key)
    assert isinstance(app.screen, modal_type), f"{key!r} opened {app.screen!r}"
    return app.screen


def try_date(text: str) -> date | None:
    try:
        return parse_date(text, TODAY)
    except PipelineError:
        return None


def focus_first_card(app) -> None:  # type: ignore[no-untyped-def]
    board = app.screen
    board.set_focus(board.view)
    board.view.focus_column(0)
    board.view.set_cursor(board.columns[0], 0)


# -------------------------------------------------------------- the deal form


def deal_fields(title: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {
            "title": title,
            "company": TYPED_TEXT,
            "contact": TYPED_TEXT,
            "value": mostly(st.just("") | VALID_MONEY, TYPED_MONEY),
            "close": OPTIONAL_DATE,
            "next-step": TYPED_TEXT,
            "due": OPTIONAL_DATE,
        }
    )


def draft_ok(values: dict[str, str]) -> bool:
    """Whether the deal form should accept these field values."""
    return (
        bool(values["title"].strip())
        and (not values["value"].strip() or parses(lambda: parse_amount(values["value"])))
        and parses(lambda: parse_optional_date(values["close"], TODAY))
        and parses(lambda: parse_optional_date(values["due"], TODAY))
        # A due date needs the step it is for.
        and (
            not parses(lambda: parse_optional_date(values["due"], TODAY))
            or parse_optional_date(values["due"], TODAY) is None
            or bool(values["next-step"].strip())
        )
    )


def assert_deal_has(deal, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    assert deal.title == values["title"].strip()
    assert deal.company == values["company"].strip()
    assert deal.contact == values["contact"].strip()
    assert deal.next_step == values["next-step"].strip()
    if values["value"].strip():
        assert deal.value == parse_amount(values["value"])[0]
    assert deal.expected_close == parse_optional_date(values["close"], TODAY)
    assert deal.next_step_due == parse_optional_date(values["due"], TODAY)


async def fill_deal_form(pilot, modal, draft: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from textual.widgets import Input

    fields = {key: modal.query_one(f"#deal-{key}", Input) for key in draft}
    for key, text in draft.items():
        await fill(pilot, fields[key], text)
    await pilot.pause()
    return {key: value(field) for key, field in fields.items()}


@FORM_SETTINGS
@given(
    drafts=inputs(
        deal_fields(mostly(st.sampled_from(["Acme", "Globex pilot"]), typed(st.sampled_from(["", " "]))))
    )
)
def test_new_deal_form_takes_any_text(demo_template, drafts) -> None:
    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        for draft in drafts:
            modal = await open_form(pilot, app, DealFormModal, "n", lambda: focus_first_card(app))
            values = await fill_deal_form(pilot, modal, draft)
            count = app.store.deals.count()
            result = await submit(pilot, app, DealFormModal)
            assert result.saved == draft_ok(values), (values, result.message)
            assert app.store.deals.count() == count + result.saved
            if result.saved:
                assert_deal_has(max(app.store.deals.all(), key=lambda d: d.id), values)

    play(demo_template, script)


@FORM_SETTINGS
@given(drafts=inputs(deal_fields(mostly(st.just("Renamed"), typed(st.just(" "))))))
def test_edit_deal_form_takes_any_text(demo_template, drafts) -> None:
    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        for draft in drafts:
            modal = await open_form(pilot, app, DealFormModal, "e", lambda: focus_first_card(app))
            deal = app.store.deals.get(modal.deal.id)
            values = await fill_deal_form(pilot, modal, draft)
            result = await submit(pilot, app, DealFormModal)
            assert result.saved == draft_ok(values), (values, result.message)
            if result.saved:
                assert_deal_has(app.store.deals.get(deal.id), values)
            else:
                assert app.store.deals.get(deal.id) == deal

    play(demo_template, script)


# ------------------------------------------------------------ the lost modal

REASON_FILTERS = mostly(
    st.sampled_from(["price", "comp", "Other", "timing", "champion", "In-House", "went dark"]),
    typed(st.sampled_from(["o", "", " ", "zzz"])),
)
LOSSES = st.fixed_dictionaries(
    {
        "reason": REASON_FILTERS,
        "competitor": mostly(st.just("Hooli"), TYPED_TEXT),
        "note": mostly(st.just("Back in Q3"), TYPED_TEXT),
        "revisit": OPTIONAL_DATE,
    }
)


@FORM_SETTINGS
@given(losses=inputs(LOSSES))
def test_lost_modal_takes_any_text(demo_template, losses) -> None:
    from textual.widgets import Input, TextArea

    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        lost_stage = app.store.shape.find_stage("Closed Lost")
        for loss in losses:
            modal = await open_form(pilot, app, LostModal, "l", lambda: focus_first_card(app))
            deal = app.screen_stack[0].current_deal
            assert deal is not None and modal.subject == deal.title
            await fill(pilot, modal.query_one("#lost-reason", Input), loss["reason"])
            await pilot.pause()
            reason = modal.reason
            competitor_field = modal.query_one("#lost-competitor", Input)
            if modal.query_one("#lost-competitor-row").display:  # only there for a competitor reason
                await fill(pilot, competitor_field, loss["competitor"])
            await fill(pilot, modal.query_one("#lost-note", TextArea), loss["note"])
            await fill(pilot, modal.query_one("#lost-revisit", Input), loss["revisit"])
            await pilot.pause()
            competitor, note = value(competitor_field), value(modal.query_one("#lost-note", TextArea))
            revisit_text = value(modal.query_one("#lost-revisit", Input))
            result = await submit(pilot, app, LostModal)
            revisit_ok = parses(lambda: parse_optional_date(revisit_text, TODAY))  # noqa: B023
            revisit = parse_optional_date(revisit_text, TODAY) if revisit_ok else None
            expected = (
                reason is not None
                and (not reason.needs_competitor or bool(competitor.strip()))
                and (not reason.needs_note or bool(note.strip()))
                and revisit_ok
                and (revisit is None or revisit > TODAY)
            )
            assert result.saved == expected, (loss, reason, result.message)
            after = app.store.deals.get(deal.id)
            if result.saved:
                assert reason is not None
                assert after.stage_id == lost_stage.id
                assert after.loss_reason_id == reason.id
                assert after.competitor == (competitor.strip() if reason.needs_competitor else "")
                assert after.loss_note == note.strip()
                assert after.revisit_on == revisit
            else:
                assert after == deal

    play(demo_template, script)


# -------------------------------------------------- the note and next-step modals


@FORM_SETTINGS
@given(notes=inputs(typed(st.sampled_from(["", " ", 'Called; "maybe" next week']))))
def test_note_modal_takes_any_text(demo_template, notes) -> None:
    from textual.widgets import TextArea

    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        focus_first_card(app)
        deal = app.screen.current_deal
        for text in notes:
            modal = await open_form(pilot, app, NoteModal, "a")
            events = len(app.store.deals.timeline(deal.id))
            field = modal.query_one("#note-text", TextArea)
            await fill(pilot, field, text)
            await pilot.pause()
            note = value(field)
            result = await submit(pilot, app, NoteModal)
            assert result.saved == bool(note.strip()), (note, result.message)
            timeline = app.store.deals.timeline(deal.id)
            assert len(timeline) == events + result.saved
            if result.saved:
                assert timeline[-1].text == note.strip()

    play(demo_template, script)


@FORM_SETTINGS
@given(
    steps=inputs(
        st.tuples(mostly(st.just("Send the proposal"), typed(st.sampled_from(["", " "]))), OPTIONAL_DATE)
    )
)
def test_next_step_modal_takes_any_text(demo_template, steps) -> None:
    from textual.widgets import Input

    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        focus_first_card(app)
        deal = app.screen.current_deal
        await pilot.press("enter")
        assert isinstance(app.screen, DealDetailScreen)
        for step_text, due_text in steps:
            modal = await open_form(pilot, app, NextStepModal, "t")
            before = app.store.deals.get(deal.id)
            step_field, due_field = modal.query_one("#step-text", Input), modal.query_one("#step-due", Input)
            await fill(pilot, step_field, step_text)
            await fill(pilot, due_field, due_text)
            await pilot.pause()
            step, due = value(step_field), value(due_field)
            result = await submit(pilot, app, NextStepModal)
            expected = bool(step.strip()) and parses(lambda: parse_optional_date(due, TODAY))  # noqa: B023
            assert result.saved == expected, (step, due, result.message)
            after = app.store.deals.get(deal.id)
            if result.saved:
                assert after.next_step == step.strip()
                assert after.next_step_due == parse_optional_date(due, TODAY)
            else:
                assert after == before

    play(demo_template, script)


# ---------------------------------------------------------- one-line prompts


async def prompt(pilot, app, key: str, text: str, *, prefix: str = "") -> tuple[str, Submitted]:  # type: ignore[no-untyped-def]
    """The prompt `key` opens (or the one still open): its text replaced by `prefix` and then
    `text` typed, and Enter."""
    from textual.widgets import Input

    modal = await open_form(pilot, app, PromptModal, key)
    field = modal.query_one("#prompt-input", Input)
    await pilot.pause()  # the keys sent before are handled
    field.screen.set_focus(field)
    field.value = prefix
    field.cursor_position = len(prefix)
    queue_text(app, text)
    FILLED[field] = prefix + text
    await pilot.pause()
    typed_value = value(field)
    return typed_value, await submit(pilot, app, PromptModal, "enter")


@FORM_SETTINGS
@given(dates=inputs(mostly(VALID_DATES, TYPED_DATES, odds=1)))
def test_snooze_date_prompt_takes_any_text(demo_template, dates) -> None:
    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, RevisitsScreen)
        deal = screen.deal
        for text in dates:
            if not isinstance(app.screen, PromptModal):
                deal = screen.deal
            assert deal is not None
            before = app.store.deals.get(deal.id)
            typed_value, result = await prompt(pilot, app, "z", text)
            when = try_date(typed_value)
            expected = when is not None and when > TODAY  # a snooze is to a day after today
            assert result.saved == expected, (typed_value, result.message)
            if result.saved:
                assert app.store.deals.get(deal.id).revisit_on == parse_date(typed_value, TODAY)
            else:
                assert app.store.deals.get(deal.id) == before

    play(demo_template, script)


@FORM_SETTINGS
@given(names=inputs(typed(st.sampled_from(["", ".", "..", "notes.csv", " ", "~"]))))
def test_export_path_prompt_takes_any_text(demo_template, names) -> None:
    """The name is typed after the example's folder (a typed '/' becomes '∕'), so that a
    random absolute path never writes into the real file system."""

    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        for name in names:
            before = dump(app.store.path)
            seen = len(app.notices)
            typed_value, result = await prompt(pilot, app, "x", filename(name), prefix=f"{folder}/")
            path = Path(typed_value.strip()).expanduser()
            assert not isinstance(app.screen, PromptModal), result.message  # the prefix is never blank
            if isinstance(app.screen, ConfirmModal):  # the file is there already: replace it
                assert path.is_file()
                await pilot.press("y")
                await pilot.pause()
            assert app.notices[seen:], "the export said nothing"
            severity, message = app.notices[-1]
            if severity == "error":
                assert not result.saved
            else:
                assert message.startswith("Wrote") and path.is_file(), message
            assert dump(app.store.path) == before

    play(demo_template, script)


PERIODS = typed(
    st.sampled_from(["Jan 1..today", "..", "2026-06-30..2026-01-01", "today..", "..Dec 1", "13/45..",
                     "+99999y..", "Jan 1", "2026-01-01...2026-02-01", "..-", "none..none", "1/1..2/1..3/1"])
)  # fmt: skip


@FORM_SETTINGS
@given(
    periods=inputs(
        PERIODS | st.sampled_from(["Jan 1..today", "2026-01-01..", "..2026-06-30", "Jul 1..Sep 30"])
    )
)
def test_report_custom_period_prompt_takes_any_text(demo_template, periods) -> None:
    from pipeline_tui.report import custom_period

    def expected(text: str) -> bool:
        since, sep, until = text.partition("..")
        return bool(sep) and parses(
            lambda: custom_period(
                parse_optional_date(since, TODAY, past=True), parse_optional_date(until, TODAY, past=True)
            )
        )

    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        before = dump(app.store.path)
        for text in periods:
            typed_value, result = await prompt(pilot, app, "5", text)
            assert result.saved == expected(typed_value), (typed_value, result.message)
            if result.saved:
                assert screen.custom is not None
            assert dump(app.store.path) == before

    play(demo_template, script)


# ------------------------------------------------------------------ settings


def name_ok(text: str, taken: Sequence[str]) -> bool:
    clean = " ".join(text.split())
    return (
        bool(clean)
        and len(clean) <= 60
        and clean.casefold() not in {" ".join(t.split()).casefold() for t in taken}
    )


STAGE_NAMES = typed(st.sampled_from(["Lead", "lead", "Discovery", " ", "x" * 61, "Closed  Won"]))


@FORM_SETTINGS
@given(names=inputs(st.tuples(st.sampled_from(["a", "r"]), STAGE_NAMES)))
def test_settings_stage_name_prompt_takes_any_text(demo_template, names) -> None:
    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("comma")
        settings = app.screen
        assert isinstance(settings, SettingsScreen)
        key = "a"
        for next_key, text in names:
            if not isinstance(app.screen, PromptModal):
                key = next_key  # a refused prompt is still open: the same action again
            stages = app.store.shape.stages(include_archived=True)
            first = settings._stage()  # the cursor's row (a stage just added): rename renames it
            typed_value, result = await prompt(pilot, app, key, text)
            others = [s.name for s in stages if key == "a" or s.id != first.id]
            assert result.saved == name_ok(typed_value, others), (key, typed_value, result.message)
            after = app.store.shape.stages(include_archived=True)
            if result.saved and key == "a":
                assert len(after) == len(stages) + 1
                assert " ".join(typed_value.split()) in [s.name for s in after]
            elif result.saved:
                assert app.store.shape.stage(first.id).name == " ".join(typed_value.split())
            else:
                assert after == stages

    play(demo_template, script)


STALE_DAYS = typed(
    st.sampled_from(["off", "0", "1", "3650", "3651", "-1", "١٢", "²", "7 ", "1e3", "1_0", ""])
)


@FORM_SETTINGS
@given(days=inputs(STALE_DAYS))
def test_settings_stale_days_prompt_takes_any_text(demo_template, days) -> None:
    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("comma")
        assert isinstance(app.screen, SettingsScreen)
        lead = app.store.shape.stages()[0]
        for text in days:
            typed_value, result = await prompt(pilot, app, "t", text)
            word = typed_value.strip().lower()
            off = word in ("off", "none", "never", "0", "-", "")
            number = None
            with contextlib.suppress(ValueError):
                number = int(word)
            expected = off or (number is not None and 1 <= number <= 3650)
            assert result.saved == expected, (typed_value, result.message)
            if result.saved:
                assert app.store.shape.stage(lead.id).stale_days == (None if off else number)

    play(demo_template, script)


REASON_LABELS = typed(st.sampled_from(["Price / budget", "Other", " ", "y" * 61]))


@FORM_SETTINGS
@given(labels=inputs(st.tuples(st.sampled_from(["a", "r"]), REASON_LABELS)))
def test_settings_reason_label_prompt_takes_any_text(demo_template, labels) -> None:
    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("comma")
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, SettingsScreen) and screen.tab == "tab-reasons"
        key = "a"
        for next_key, text in labels:
            if not isinstance(app.screen, PromptModal):
                key = next_key
            reasons = app.store.shape.reasons(include_archived=True)
            first = screen.reason_at_cursor()  # the cursor's row (a reason just added)
            typed_value, result = await prompt(pilot, app, key, text)
            others = [r.label for r in reasons if key == "a" or r.id != first.id]
            assert result.saved == name_ok(typed_value, others), (key, typed_value, result.message)
            if result.saved and key == "a":
                assert " ".join(typed_value.split()) in [r.label for r in app.store.shape.reasons()]
            elif result.saved:
                assert app.store.shape.reason(first.id).label == " ".join(typed_value.split())
            else:
                assert app.store.shape.reasons(include_archived=True) == reasons

    play(demo_template, script)


PREFERENCE_VALUES = typed(
    st.sampled_from(["EUR", "eur", "E", "€", "yes", "off", "2", "0", "3651", "textual-light", "nord", " 7 ",
                     "99999999999999999999", "١٢", "true ", "ÉUR", ""])
)  # fmt: skip


VALID_PREFERENCES = {
    "currency": st.sampled_from(["EUR", "gbp", " jpy "]),
    "day_first": st.sampled_from(["true", "no", "ON", "0"]),
    "theme": st.sampled_from(THEMES),
    "closed_days": st.sampled_from(["1", "90", " 3650 "]),
    "revisit_horizon_days": st.sampled_from(["7", "365"]),
    "quota": st.sampled_from(["50k", "$120,000", "0"]),
    "quota_period": st.sampled_from(["month", "quarter", "year"]),
    "rates": st.sampled_from(["EUR=1.08", "GBP=1.27, EUR=1.1", ""]),
    "slip_limit": st.sampled_from(["1", "3", " 99 "]),
    "review_size": st.sampled_from(["1", "15", " 40 "]),
    "next_step_after_days": st.sampled_from(["0", "3", "14"]),
    "next_step_from_stage": st.sampled_from(["Proposal", "neg", "none", ""]),
    "next_step_from_value": st.sampled_from(["50k", "$10,000", "0"]),
}
PREFERENCE_INPUTS = st.sampled_from(list(PREFERENCES)).flatmap(
    lambda key: st.tuples(st.just(key), VALID_PREFERENCES[key] | PREFERENCE_VALUES)
)


@FORM_SETTINGS
@given(prefs=inputs(PREFERENCE_INPUTS))
def test_settings_preference_prompts_take_any_text(demo_template, prefs) -> None:
    from textual.widgets import DataTable

    async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
        config = folder / "config.toml"
        await pilot.press("comma")
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, SettingsScreen) and screen.tab == "tab-prefs"
        keys = list(asdict(app.settings))
        key = keys[0]
        for next_key, text in prefs:
            if not isinstance(app.screen, PromptModal):
                key = next_key
                screen.query_one("#prefs-table", DataTable).move_cursor(row=keys.index(key))
            settings_before, config_before = app.settings, file_state(config)
            typed_value, result = await prompt(pilot, app, "e", text)
            try:
                wanted = update_setting(settings_before, key, typed_value)
                ok = key != "theme" or wanted.theme in THEMES
                if key == "next_step_from_stage" and wanted.next_step_from_stage:
                    stage = app.store.shape.find_stage(typed_value)  # one of the pipeline's open stages
                    ok = stage.is_open
                    wanted = update_setting(settings_before, key, stage.name)
            except PipelineError:
                ok = False
            assert result.saved == ok, (key, typed_value, result.message)
            if result.saved:
                assert app.settings == wanted
                assert load_settings(config) == (wanted, None)
                if key == "theme":
                    assert app.theme == wanted.theme
            else:
                assert app.settings == settings_before
                assert file_state(config) == config_before

    play(demo_template, script)


# ================================================================= known bugs
# Each of these failed before its fix.


@pytest.mark.parametrize(
    "argv",
    [
        ["note", "--", "²", "a note"],
        ["move", "--", "99999999999999999999", "Lead"],
        ["note", "--", "#1²", "x"],
    ],
    ids=["superscript-two", "twenty-digits", "hash-superscript"],
)
def test_bug_cli_deal_reference_of_odd_digits_is_one_error_line(capsys, template, argv) -> None:
    assert bug_find_digits(argv[2])
    with world(template) as w:
        code, _, err = run_cli(capsys, w, argv)
        assert code == 1 and "no deal" in err.lower(), err


@pytest.mark.parametrize("command", ["restore", "import"])
def test_bug_cli_error_naming_a_path_with_a_line_break_is_one_line(capsys, template, command) -> None:
    with world(template) as w:
        run_cli(capsys, w, [command, "--", str(w.folder / "deals\nold.csv")])


def markup_store(store: Store) -> None:
    """A deal, stage and reason whose names hold Textual/Rich markup: an unmatched closing tag."""
    deal = builders.add(
        store, "[/] Acme", company="[/b] Corp", value=100_000, expected_close=date(2026, 1, 1)
    )
    builders.add_note(store, deal.id, "[/]")
    lost = builders.add(store, "[/] Lost", company="[/b]", value=1)
    builders.move(
        store,
        lost.id,
        store.shape.find_stage("Closed Lost").id,
        LossInput(store.shape.find_reason("Lost to competitor").id, "[/] Rival", "[/]", date(2026, 12, 1)),
    )
    store.shape.add_stage("[/] Stage")
    store.shape.add_reason("[/] Reason")


def play_markup(*steps: tuple[Sequence[str], Sequence[str]]) -> None:
    """On a board of markup-named things, press each step's keys; the screen then shows each
    of the step's texts as typed (brackets and all, no markup obeyed)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipeline.db"
        store = Store.open(path, clock=lambda: NOW)
        markup_store(store)
        store.close()

        async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
            for keys, shown in steps:
                for key in keys:
                    await pilot.press(key)
                await pilot.pause()
                assert_shown_as_typed(app.screen, *shown)

        play(path, script)


MarkupError = (
    TextualMarkupError,
    RichMarkupError,
)  # Static/Label/notify parse Textual markup, DataTable Rich
MARKUP_CRASH = (
    "text with markup ('[/]') in a deal title, company, stage or reason name, or echoed in an error "
    "message, is parsed as Textual/Rich markup: MarkupError crashes the app"
)


@pytest.mark.parametrize(
    ("keys", "shown"),
    [(["l"], ["Closed Lost: [/] Acme"]), (["a"], ["Note on [/] Acme"]),
     (["enter", "t"], ["Next step: [/] Acme"]), (["s"], ["[/] Acme — [/b] Corp"]),
     (["r"], ["[/] Lost — [/b]"]), (["comma"], ["[/] Stage"])],
    ids=["lost-modal-title", "note-modal-title", "next-step-title", "stale-list", "revisits-list",
         "settings-stages"],
)  # fmt: skip
def test_bug_names_with_markup_crash_the_app(keys, shown) -> None:
    play_markup((keys, shown))


def play_markup_typed(keys: Sequence[str], fields: dict[str, str], submit_key: str, shown: str) -> None:
    """Type into the `fields` of the form `keys` opens, and submit: the error message quotes
    what was typed, as typed (`shown`)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipeline.db"
        store = Store.open(path, clock=lambda: NOW)
        builders.add(store, "Acme", value=100_000)
        store.close()

        async def script(pilot, app, folder) -> None:  # type: ignore[no-untyped-def]
            for key in keys:
                await pilot.press(key)
            for field, text in fields.items():
                await fill(pilot, app.screen.query_one(field), text)
            await pilot.pause()
            await pilot.press(submit_key)
            await pilot.pause()
            assert_shown_as_typed(app.screen, shown)

        play(path, script)


@pytest.mark.parametrize(
    ("keys", "fields", "submit_key", "shown"),
    [
        (["n"], {"#deal-title": "Acme", "#deal-close": "[/]"}, "ctrl+s", "Cannot read '[/]' as a date"),
        (["l"], {"#lost-reason": "price", "#lost-revisit": "[/]"}, "ctrl+s", "Cannot read '[/]' as a date"),
        (["R", "5"], {"#prompt-input": "[/].."}, "enter", "Cannot read '[/]' as a date"),
        (["comma", "4", "e"], {"#prompt-input": "[/]"}, "enter", "not '[/]'."),
    ],
    ids=["deal-close-date", "lost-revisit", "report-period", "currency"],
)
def test_bug_typed_markup_echoed_in_an_error_crashes_the_app(keys, fields, submit_key, shown) -> None:
    play_markup_typed(keys, fields, submit_key, shown)


def test_markup_like_names_that_parse_do_not_crash_the_board() -> None:
    """The board, the detail and the report draw names as plain text (no markup), as typed."""
    play_markup(
        (["enter"], ["#1 [/] Acme", "[/b] Corp"]),  # the detail
        (["escape"], ["[/] Acme", "[/b] Corp", "[/] Lost", "[/] Stage"]),  # the board
        (["R", "4"], ["[/] Rival"]),  # the report, all time: the competitor
        (["escape"], ["[/] Stage"]),
    )

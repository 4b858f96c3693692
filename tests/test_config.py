"""Settings (a TOML file that exists only once changed) and where files live."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline_tui import paths
from pipeline_tui.config import THEMES, Settings, load_settings, save_settings, update_setting
from pipeline_tui.errors import InputError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.toml") == (Settings(), None)
    assert Settings() == Settings(
        currency="USD", day_first=False, theme="textual-dark", closed_days=30,
        revisit_horizon_days=30,
    )  # fmt: skip


def test_update_and_save_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "config.toml"
    s = update_setting(Settings(), "currency", " eur ")
    s = update_setting(s, "day_first", "yes")
    s = update_setting(s, "closed_days", "60")
    save_settings(path, s)
    text = path.read_text(encoding="utf-8")
    assert 'currency = "EUR"' in text and "day_first = true" in text and "closed_days = 60" in text
    assert "theme" not in text  # only what differs from the defaults
    assert load_settings(path) == (s, None)
    assert not path.with_suffix(".tmp").exists()


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("colour", "red", "Unknown setting 'colour'"),
        ("day_first", "maybe", "true or false"),
        ("closed_days", "soon", "whole number"),
        ("closed_days", "0", "from 1 to 3650"),
        ("closed_days", "4000", "from 1 to 3650"),
        ("currency", "dollars", "three-letter code"),
        ("currency", "EUE", "EUE is not a currency code"),  # a typo: every new deal's currency
        ("currency", "xyz", "XYZ is not a currency code"),
        ("theme", "  ", "must be text"),
    ],
)
def test_update_setting_refuses(key: str, raw: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        update_setting(Settings(), key, raw)


def test_bad_values_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("currency = 'gbp'\nday_first = 1\nclosed_days = true\nfoo = 2\n")
    loaded, warning = load_settings(path)
    assert loaded == Settings(currency="GBP")
    path.write_text("currency = 'QQQ'\n")
    loaded, warning = load_settings(path)
    assert loaded == Settings() and warning is not None and "QQQ is not a currency code" in warning
    path.write_text("currency = 'gbp'\nday_first = 1\nclosed_days = true\nfoo = 2\n")
    loaded, warning = load_settings(path)
    assert warning is not None and "\n" not in warning
    assert "day_first must be true or false" in warning
    assert "closed_days must be a whole number" in warning
    assert "unknown setting 'foo'" in warning


@pytest.mark.parametrize("content", [b"currency = ", b"\xff\xfe not utf-8"])
def test_unreadable_file_means_defaults_with_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    loaded, warning = load_settings(path)
    assert loaded == Settings()
    assert warning and "using the default settings" in warning


@settings(max_examples=100, deadline=None)
@given(theme=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(str.strip))
def test_any_theme_text_in_the_file_leaves_valid_toml_and_a_warning(tmp_path_factory, theme: str) -> None:  # type: ignore[no-untyped-def]
    # A quote or backslash in a string setting used to write invalid TOML, so the next
    # start lost every setting. Now an unknown theme is also refused on load: the file
    # stays readable (the currency survives) and the warning names the theme.
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    save_settings(path, Settings(theme=theme, currency="EUR"))
    loaded, warning = load_settings(path)
    assert loaded.currency == "EUR"
    if theme.strip() in THEMES:
        assert (loaded.theme, warning) == (theme.strip(), None)
    else:
        assert loaded.theme == Settings().theme
        assert warning is not None and "Unknown theme" in warning and "\n" not in warning


# -------------------------------------------------------------------- paths


def test_db_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.db_path(tmp_path / "flag.db") == tmp_path / "flag.db"
    assert paths.db_path() == tmp_path / "pipeline.db"  # conftest's $PIPELINE_TUI_DB
    monkeypatch.setenv("PIPELINE_TUI_DB", "~/elsewhere.db")
    assert paths.db_path() == Path.home() / "elsewhere.db"
    monkeypatch.delenv("PIPELINE_TUI_DB")
    assert paths.db_path() == paths.default_db_path()
    assert paths.default_db_path().name == "pipeline.db"
    assert paths.default_db_path().parent.name == "pipeline-tui"


def test_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.config_path() == tmp_path / "config.toml"
    monkeypatch.delenv("PIPELINE_TUI_CONFIG")
    assert paths.config_path().parts[-2:] == ("pipeline-tui", "config.toml")


def test_paths_create_nothing(tmp_path: Path) -> None:
    before = sorted(tmp_path.iterdir())
    paths.db_path()
    paths.config_path()
    assert sorted(tmp_path.iterdir()) == before

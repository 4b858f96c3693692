"""Preferences: a dataclass with defaults, read from a TOML file that exists only once changed."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from pipeline_tui.errors import InputError

THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "catppuccin-mocha", "solarized-light")


@dataclass(frozen=True)
class Settings:
    currency: str = "USD"
    day_first: bool = False
    theme: str = "textual-dark"
    closed_days: int = 30  # endpoint columns show closures this recent
    revisit_horizon_days: int = 30


def _check(name: str, value: Any) -> Any:
    default = getattr(Settings(), name)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise InputError(f"{name} must be true or false, not {value!r}.")
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise InputError(f"{name} must be a whole number of days from 1 to 3650, not {value!r}.")
    elif name == "currency":
        if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha():
            raise InputError(f"currency must be a three-letter code such as USD or EUR, not {value!r}.")
        value = value.strip().upper()
    elif not isinstance(value, str) or not value.strip():
        raise InputError(f"{name} must be text, not {value!r}.")
    return value


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """Settings from `path` (defaults if it is absent), and a warning if it could not be used."""
    if not path.exists():
        return Settings(), None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return Settings(), f"{path}: {exc}; using the default settings."
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), f"Cannot read {path} ({exc}); using the default settings."
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    problems = []
    for key, value in data.items():
        if key not in known:
            problems.append(f"unknown setting {key!r}")
            continue
        try:
            values[key] = _check(key, value)
        except InputError as exc:
            problems.append(str(exc))
    warning = f"{path}: " + "; ".join(problems) + "; those were ignored." if problems else None
    return Settings(**values), warning


def save_settings(path: Path, settings: Settings) -> None:
    """Write only the settings that differ from the defaults."""
    defaults = asdict(Settings())
    lines = []
    for key, value in asdict(settings).items():
        if value == defaults[key]:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {_toml_string(value)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("# pipeline-tui preferences\n" + "\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are valid TOML, except that DEL must be escaped too
    (a theme name with a quote or backslash used to make the whole file unreadable)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def update_setting(settings: Settings, key: str, raw: str) -> Settings:
    """A copy of `settings` with `key` set from text a person typed."""
    known = {f.name: f for f in fields(Settings)}
    if key not in known:
        raise InputError(f"Unknown setting {key!r}; choose one of: {', '.join(known)}.")
    default = getattr(Settings(), key)
    value: Any = raw
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            raise InputError(f"{key} must be true or false.")
        value = lowered in ("true", "yes", "on", "1")
    elif isinstance(default, int):
        try:
            value = int(raw.strip())
        except ValueError:
            raise InputError(f"{key} must be a whole number of days.") from None
    return Settings(**{**asdict(settings), key: _check(key, value)})

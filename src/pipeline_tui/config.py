"""Preferences: a dataclass with defaults, read from a TOML file that exists only once changed.

Every value is checked the same way whether it comes from the file, `pipeline-tui config`
or the Settings screen; a bad value in the file is reported and the default used instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import tomllib
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline_tui import files
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError, PipelineError
from pipeline_tui.limits import check_currency
from pipeline_tui.money import ISO_4217, format_money, format_rates, parse_amount, parse_rates
from pipeline_tui.stopping import deferred

THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "catppuccin-mocha", "solarized-light")
QUOTA_PERIODS = ("month", "quarter", "year")
KEYS_TABLE = "keys"  # the config file's keymap: binding id = "keys"


@dataclass(frozen=True)
class Settings:
    currency: str = "USD"
    day_first: bool = False
    theme: str = "textual-dark"
    closed_days: int = 30  # endpoint columns show closures this recent
    revisit_horizon_days: int = 30
    quota: int = 0  # minor units of `currency` per quota period; 0: no quota set
    quota_period: str = "quarter"
    rates: str = ""  # 'EUR=1.08,GBP=1.27': one unit of each in `currency`
    slip_limit: int = 2  # a close date pushed later this many times: the deal is slipping
    review_size: int = 15  # the daily review's sitting: today's queue holds this many
    next_step_after_days: int = 3  # a deal needs a next step once this long in its stage
    next_step_from_stage: str = ""  # ...and at once from this stage on ("": none)
    next_step_from_value: int = 0  # ...and at once from this value on (minor units; 0: none)

    @property
    def exchange_rates(self) -> dict[str, Decimal]:
        return parse_rates(self.rates, self.currency) if self.rates else {}


DESCRIPTIONS = {
    "currency": "Currency for new deals and totals (USD, EUR, GBP…)",
    "day_first": "Read 1/12 as 1 December (true) or January 12 (false)",
    "theme": "Colours: " + ", ".join(THEMES),
    "closed_days": "Days of closures the Won and Lost columns show",
    "revisit_horizon_days": "Days ahead that count as upcoming revisits",
    "quota": "Your number per quota period, in the default currency (0: none)",
    "quota_period": "month, quarter or year",
    "rates": "Exchange rates into the default currency, e.g. EUR=1.08,GBP=1.27",
    "slip_limit": "A deal whose close date was pushed later this many times is slipping",
    "review_size": "Deals in one daily review; the rest waits as later",
    "next_step_after_days": "Days in a stage before a deal without a next step is in the review",
    "next_step_from_stage": "From this stage on, a deal needs a next step at once (empty: none)",
    "next_step_from_value": "From this value on, a deal needs a next step at once (0: none)",
}
MONEY_SETTINGS = ("quota", "next_step_from_value")  # amounts in minor units of the default currency


def _days(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise InputError(f"{name} must be a whole number of days from 1 to 3650, not {value!r}.")
    return value


def check_setting(name: str, value: Any, *, currency: str = "USD") -> Any:
    """A setting's value as stored, or InputError saying what is wrong with it."""
    if name == "day_first":
        if not isinstance(value, bool):
            raise InputError(f"{name} must be true or false, not {value!r}.")
        return value
    if name in ("closed_days", "revisit_horizon_days"):
        return _days(name, value)
    if name == "currency":
        if not isinstance(value, str):
            raise InputError(f"currency must be a three-letter code such as USD or EUR, not {value!r}.")
        try:
            code = check_currency(value)
        except InputError:
            raise InputError(
                f"currency must be a three-letter code such as USD or EUR, not {value!r}."
            ) from None
        if code not in ISO_4217:  # a typo (EUE) would become every new deal's currency
            raise InputError(f"currency: {code} is not a currency code (ISO 4217, such as USD, EUR or GBP).")
        return code
    if name == "theme":
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"theme must be text, not {value!r}.")
        if value.strip() not in THEMES:
            raise InputError(f"Unknown theme {value.strip()!r}; choose one of: {', '.join(THEMES)}.")
        return value.strip()
    if name in MONEY_SETTINGS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{name} must be an amount, not {value!r}.")
        return value
    if name == "slip_limit":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
            raise InputError(f"slip_limit must be a whole number of pushes from 1 to 99, not {value!r}.")
        return value
    if name == "review_size":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 500:
            raise InputError(f"review_size must be a whole number of deals from 1 to 500, not {value!r}.")
        return value
    if name == "next_step_after_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
            raise InputError(f"{name} must be a whole number of days from 0 to 3650, not {value!r}.")
        return value
    if name == "next_step_from_stage":
        if not isinstance(value, str):
            raise InputError(f"{name} must be a stage name, not {value!r}.")
        return " ".join(value.split())
    if name == "quota_period":
        if value not in QUOTA_PERIODS:
            raise InputError(f"quota_period must be one of {', '.join(QUOTA_PERIODS)}, not {value!r}.")
        return value
    if name == "rates":
        if not isinstance(value, str):
            raise InputError(f"rates must be text such as 'EUR=1.08,GBP=1.27', not {value!r}.")
        return format_rates(parse_rates(value, currency))
    raise InputError(
        f"Unknown setting {name!r}; choose one of: {', '.join(f.name for f in fields(Settings))}."
    )


MAX_CONFIG_BYTES = 1024 * 1024  # a preferences file is a few lines; more is not one


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML in the preferences file: only a regular file (a pipe or a device is never
    read: it would hang every command or fill memory), at most MAX_CONFIG_BYTES, nested no
    deeper than Python's parser can follow (ValueError otherwise)."""
    raw = files.read_bytes(path, limit=MAX_CONFIG_BYTES, what="a preferences file")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("it is nested too deeply to be a preferences file") from None


def load_settings(path: Path) -> tuple[Settings, str | None]:
    """Settings from `path` (defaults if it is absent), and a warning if it could not be used."""
    shown = safe(str(path))
    try:
        data = _read_toml(path)
    except FileNotFoundError:
        return Settings(), None
    except tomllib.TOMLDecodeError as exc:
        return Settings(), f"{shown}: {safe(str(exc))}; using the default settings."
    except PipelineError as exc:  # not a regular file, or too large
        return Settings(), f"{str(exc).rstrip('.')}; using the default settings."
    except (ValueError, MemoryError) as exc:
        return Settings(), f"Cannot read {shown} ({safe(str(exc))}); using the default settings."
    except OSError as exc:
        return (
            Settings(),
            f"Cannot read {shown} ({safe(exc.strerror or str(exc))}); using the default settings.",
        )
    data.pop(KEYS_TABLE, None)  # the keymap: see load_keymap
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    problems = []
    currency = "USD"
    if "currency" in data:
        with contextlib.suppress(InputError):
            currency = check_setting("currency", data["currency"])
    for key, value in data.items():
        if key not in known:
            problems.append(f"unknown setting {key!r}")
            continue
        try:
            values[key] = check_setting(key, value, currency=currency)
        except InputError as exc:
            problems.append(str(exc).rstrip("."))
    warning = f"{path}: " + "; ".join(problems) + "; those were ignored." if problems else None
    return Settings(**values), warning


def load_keymap(path: Path) -> tuple[dict[str, str], str | None]:
    """The config file's [keys] table: binding id -> keys (`"deal.note" = "n"`), as Textual's
    keymap takes it, and a warning for entries that are not text."""
    try:
        data = _read_toml(path)
    except (OSError, ValueError, MemoryError, PipelineError):
        return {}, None  # load_settings says what is wrong with the file
    table = data.get(KEYS_TABLE, {})
    if not isinstance(table, dict):
        return {}, f'{path}: [{KEYS_TABLE}] must be a table of action = "keys"; it was ignored.'
    keymap = {str(k): v for k, v in table.items() if isinstance(v, str) and v.strip()}
    bad = [str(k) for k in table if str(k) not in keymap]
    warning = f"{path}: [{KEYS_TABLE}] {', '.join(bad)}: not a key; ignored." if bad else None
    return keymap, warning


def save_settings(path: Path, settings: Settings) -> None:
    """Write only the settings that differ from the defaults (atomically: a crash or a
    full disk leaves the old file). The [keys] table is kept as it was."""
    keymap, _ = load_keymap(path)
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
    if keymap:
        lines += ["", f"[{KEYS_TABLE}]"]
        lines += [f"{_toml_string(key)} = {_toml_string(keys)}" for key, keys in keymap.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    files.regular_or_absent(path, advice="nothing was saved")  # never replace a pipe or a device
    tmp: str | None = None
    try:
        with deferred():  # a stop signal waits until the temporary file is known to clean up
            fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# pipeline-tui preferences\n" + "\n".join(lines) + "\n")
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with deferred():
                Path(tmp).unlink(missing_ok=True)
        raise


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are valid TOML, except that DEL must be escaped too
    (a theme name with a quote or backslash used to make the whole file unreadable)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def parse_setting(settings: Settings, key: str, raw: str) -> Any:
    """The value of `key` from text a person typed (not yet checked)."""
    known = {f.name for f in fields(Settings)}
    if key not in known:
        raise InputError(f"Unknown setting {key!r}; choose one of: {', '.join(known)}.")
    default = getattr(Settings(), key)
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            raise InputError(f"{key} must be true or false.")
        return lowered in ("true", "yes", "on", "1")
    if key in MONEY_SETTINGS:
        if raw.strip().lower() in ("", "0", "none", "off"):
            return 0
        amount, code = parse_amount(raw)
        if code and code != settings.currency:
            what = "The quota" if key == "quota" else key
            raise InputError(f"{what} is in the default currency ({settings.currency}), not {code}.")
        return amount
    if key == "next_step_from_stage" and raw.strip().lower() in ("none", "off", "-"):
        return ""
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError:
            unit = "pushes" if key == "slip_limit" else "deals" if key == "review_size" else "days"
            raise InputError(f"{key} must be a whole number of {unit}.") from None
    return raw.strip() if key != "rates" else raw


def update_setting(settings: Settings, key: str, raw: str) -> Settings:
    """A copy of `settings` with `key` set from text a person typed."""
    value = parse_setting(settings, key, raw)
    currency = value if key == "currency" else settings.currency
    checked = check_setting(key, value, currency=check_currency(currency) if key == "currency" else currency)
    updated = Settings(**{**asdict(settings), key: checked})
    if key == "currency" and updated.rates:
        # Rates are into the default currency: one for the new default itself makes no sense.
        rates = {c: r for c, r in updated.exchange_rates.items() if c != updated.currency}
        updated = Settings(**{**asdict(updated), "rates": format_rates(rates)})
    return updated


def show_setting(value: Any, key: str = "", currency: str = "USD") -> str:
    """A setting's value as a person reads it: amounts as money ("$150,000"), not cents."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key in MONEY_SETTINGS and isinstance(value, int):
        return format_money(value, currency) if value else "none"
    return str(value)

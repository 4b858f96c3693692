"""Where things live. Functions only: nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from pipeline_tui.errors import InputError

APP_NAME = "pipeline-tui"
DB_ENV = "PIPELINE_TUI_DB"
CONFIG_ENV = "PIPELINE_TUI_CONFIG"
LOCK_WAIT_ENV = "PIPELINE_TUI_LOCK_WAIT"  # seconds a command waits for another writer


def default_db_path() -> Path:
    return platformdirs.user_data_path(APP_NAME) / "pipeline.db"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db, else $PIPELINE_TUI_DB, else the platform's data folder. An empty one is
    refused: in a script it is an unset variable, and the default pipeline would be
    changed in its place."""
    if explicit is not None:
        if not str(explicit).strip():
            raise InputError("--db is empty (an unset variable?): give the pipeline's file, or leave it out.")
        return Path(explicit).expanduser()
    env = os.environ.get(DB_ENV)
    if env is not None:
        if not env.strip():
            raise InputError(f"${DB_ENV} is set but empty; give the pipeline's file, or unset it.")
        return Path(env).expanduser()
    return default_db_path()


def config_path() -> Path:
    """$PIPELINE_TUI_CONFIG, else config.toml in the platform's config folder."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def lock_wait_s(default: float) -> float:
    """How long a command waits for another writer's lock: $PIPELINE_TUI_LOCK_WAIT seconds
    (a cron job may rather fail fast), else `default`."""
    text = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if not 0 <= seconds <= 24 * 3600:
        raise InputError(f"${LOCK_WAIT_ENV} is {text!r}: give a number of seconds from 0 to 86400.")
    return seconds

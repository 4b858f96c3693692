"""Where things live. Functions only: nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "pipeline-tui"
DB_ENV = "PIPELINE_TUI_DB"
CONFIG_ENV = "PIPELINE_TUI_CONFIG"


def default_db_path() -> Path:
    return platformdirs.user_data_path(APP_NAME) / "pipeline.db"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--db, else $PIPELINE_TUI_DB, else the platform's data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return default_db_path()


def config_path() -> Path:
    """$PIPELINE_TUI_CONFIG, else config.toml in the platform's config folder."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"

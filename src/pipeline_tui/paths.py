"""Where things live. Functions only: nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from pipeline_tui.errors import InputError

APP_NAME = "pipeline-tui"
DB_ENV = "PIPELINE_TUI_DB"
CONFIG_ENV = "PIPELINE_TUI_CONFIG"


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

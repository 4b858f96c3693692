"""Preferences: checked, saved to the config file, and journaled (in the Settings scope) when
the pipeline can record it, so `u` on the Settings screen puts the old value back."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from pipeline_tui.config import Settings, save_settings, show_setting, update_setting
from pipeline_tui.errors import DatabaseFileError, InputError, PipelineError
from pipeline_tui.models import Change, ChangeKind, Scope
from pipeline_tui.operations.common import Done, undoes
from pipeline_tui.store import Store

NO_STAGE = ("", "none", "off", "-")


def set_preference(
    settings: Settings, key: str, raw: str, *, config_path: Path, store: Store | None = None
) -> Done:
    """Check and save one preference; undoable when the pipeline can record it."""
    if key == "next_step_from_stage" and store is not None and raw.strip().lower() not in NO_STAGE:
        stage = store.shape.find_stage(raw)  # a stage of this pipeline, as it is spelled here
        if not stage.is_open:
            raise InputError(f"{stage.name} is not an open stage; deals there have no next step.")
        raw = stage.name
    updated = update_setting(settings, key, raw)
    old = show_setting(asdict(settings)[key], key, settings.currency)
    new = show_setting(asdict(updated)[key], key, updated.currency)
    try:
        save_settings(config_path, updated)
    except OSError as exc:
        raise PipelineError(f"Could not save {config_path}: {exc.strerror or exc}.") from None
    change_id = None
    if store is not None and not store.readonly and old != new:
        change_id = store.journal.record(
            ChangeKind.PREFERENCE,
            f"Set {key} to {new}",
            {"key": key, "old": asdict(settings), "new": asdict(updated), "path": str(config_path)},
            scope=Scope.SETTINGS,
        )
    message = f"{key} = {new}  (saved in {config_path})"
    return Done(message, ChangeKind.PREFERENCE, change_id, settings=updated)


@undoes(ChangeKind.PREFERENCE)
def _undo_preference(store: Store, change: Change) -> Done:
    payload = change.payload
    settings = Settings(**payload["old"])
    try:
        save_settings(Path(payload["path"]), settings)
    except OSError as exc:
        raise DatabaseFileError(f"Could not write {payload['path']}: {exc.strerror}.") from None
    return Done(f"Undid: {change.label}.", change.kind, settings=settings, undid=change)

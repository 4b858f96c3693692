"""Undo: the latest change of one origin and scope, taken back by the function registered for
its kind (beside the operation that makes that kind of change)."""

from __future__ import annotations

from pipeline_tui.errors import RuleError
from pipeline_tui.models import Scope
from pipeline_tui.operations.common import UNDO, Done
from pipeline_tui.store import Store


def undo(store: Store, *, origin: str | None = None, scope: Scope | None = None) -> Done:
    """Take back the latest change (of one board session and scope, when given): only what
    that change altered, and only where nothing has changed it since."""
    change = store.journal.last(origin=origin, scope=scope)
    if change is None:
        where = " here" if scope is Scope.SETTINGS else ""
        raise RuleError(f"Nothing to undo{where}.")
    undo_kind = UNDO.get(change.kind)
    if undo_kind is None:
        raise RuleError(f"Cannot undo {change.label!r} ({change.kind}).")
    with store.write():
        done = undo_kind(store, change)
        store.journal.mark_undone(change.id)
    return done

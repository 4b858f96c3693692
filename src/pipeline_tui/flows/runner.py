"""Running a change: one operation, and what can happen to it, handled in one place.

- done: the screens follow (`Ui.changed`), a message says what changed, with "u to undo";
- a deal changed elsewhere since the user saw it: ask (save anyway, reload, cancel);
- another process holds the write lock (an import): wait, keys held in order, retry every
  second, give up after a while;
- refused (a rule, bad input, a read-only file): say why; nothing changed.

Undo goes through the same runner, so it waits for the lock and reports the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from time import monotonic

from pipeline_tui import operations as ops
from pipeline_tui.errors import BusyError, ConflictError, PipelineError
from pipeline_tui.flows.ui import Ui
from pipeline_tui.models import Deal, Scope
from pipeline_tui.operations import DealRef, Done

BUSY_RETRY_S = 1.0
BUSY_GIVE_UP_S = 15 * 60
UNDO_HINT = "  ·  u to undo"

Operation = Callable[[Sequence[DealRef]], Done]
Then = Callable[[Done], None]


class ChangeRunner:
    """Runs operations for the board on behalf of one `Ui` (see the module docstring)."""

    def __init__(self, ui: Ui, *, clock: Callable[[], float] = monotonic) -> None:
        self.ui = ui
        self.clock = clock
        self.undo_ready = False  # this board made a change that `u` can take back
        self._busy_since: float | None = None

    def run(
        self,
        op: Operation,
        deals: Sequence[DealRef] = (),
        *,
        then: Then | None = None,
        reload: Callable[[list[Deal]], None] | None = None,
        quiet: bool = False,
    ) -> Done | None:
        """Run `op` on `deals` as the user saw them. On a conflict, "save anyway" runs it
        on the deals as they are now; "reload" shows them (`reload`, else the screens
        re-read). `then` gets the result once saved."""
        try:
            done = op(list(deals))
        except ConflictError as exc:
            self._conflict(exc, op, deals, then=then, reload=reload)
            return None
        except BusyError:
            self._wait_for_lock(lambda: self.run(op, deals, then=then, reload=reload, quiet=quiet))
            return None
        except PipelineError as exc:
            self.ui.say(str(exc), title="Not changed", severity="error", timeout=8)
            return None
        self._busy_since = None
        self.finished(done, quiet=quiet)
        if then is not None:
            then(done)
        return done

    def finished(self, done: Done, *, quiet: bool = False) -> None:
        """A change was saved: the screens follow, and the seller is told."""
        self.undo_ready = done.change_id is not None or self.undo_ready
        if done.settings is not None:
            self.ui.use_settings(done.settings)
        self.ui.changed(done)
        if not quiet:
            hint = UNDO_HINT if done.change_id is not None else ""
            self.ui.say(done.message + hint, timeout=4)

    def _conflict(
        self,
        exc: ConflictError,
        op: Operation,
        deals: Sequence[DealRef],
        *,
        then: Then | None,
        reload: Callable[[list[Deal]], None] | None,
    ) -> None:
        current = {c.current.id: c.current for c in exc.conflicts}
        seen = [d for d in deals if isinstance(d, Deal)]
        now = [current.get(d.id, d) for d in seen]

        def chosen(choice: str | None) -> None:
            if choice == "save":
                self.run(op, [d if isinstance(d, int) else d.id for d in deals], then=then)
            elif choice == "reload":
                self.ui.changed(None)
                if reload is not None:
                    reload(now)
            else:
                self.ui.say("Nothing was changed.")
                self.ui.changed(None)

        lines: list[str] = []
        for conflict in exc.conflicts:
            lines.append(f"{conflict.current.title} changed since you opened it:")
            lines += [f"  • {change}" for change in conflict.changes]
        if len(current) < len(deals):
            lines.append(f"(the other {len(deals) - len(current):,} did not change)")
        from pipeline_tui.modals.prompts import ChoiceModal

        options = [("s", "save", "Save anyway"), ("r", "reload", "Reload"), ("c", None, "Cancel")]
        self.ui.ask(ChoiceModal("Changed elsewhere", "\n".join(lines), options), chosen)

    def _wait_for_lock(self, retry: Callable[[], object]) -> None:
        """Another process (a long import) holds the write lock: keep the keys typed
        meanwhile in order, say so, and try again every second."""
        now = self.clock()
        if self._busy_since is None:
            self._busy_since = now
            self.ui.say(
                "Another process is writing to the pipeline (an import?); your change will be "
                "saved as soon as it is done. Keys you type wait in order (ctrl+q still quits).",
                title="Waiting",
                timeout=6,
            )
        elif now - self._busy_since > BUSY_GIVE_UP_S:
            self._busy_since = None
            self.ui.say("Gave up waiting for the other process; nothing was changed.", severity="error")
            return
        self.ui.hold_keys()

        def again() -> None:
            self.ui.release_keys()
            retry()

        self.ui.later(BUSY_RETRY_S, again)

    # -------------------------------------------------------------------- undo

    def undo(self, scope: Scope = Scope.PIPELINE, *, then: Then | None = None) -> Done | None:
        """Undo this board's last change (of the deals, or on the Settings screen of the
        settings): never another process's, never one from the other scope."""
        store = self.ui.store
        if store.readonly:
            self.ui.say(f"{store.conn.read_only_text()}; nothing can be changed.", title="Read-only",
                        severity="warning")  # fmt: skip
            return None
        try:
            done = ops.undo(store, origin=store.conn.origin, scope=scope)
        except BusyError:
            self._wait_for_lock(lambda: self.undo(scope, then=then))
            return None
        except PipelineError as exc:
            title = "" if "Nothing" in str(exc) else "Could not undo"
            self.ui.say(str(exc), title=title, severity="warning")
            return None
        self._busy_since = None
        if done.settings is not None:
            self.ui.use_settings(done.settings)
        self.undo_ready = store.journal.last(origin=store.conn.origin) is not None
        self.ui.changed(done)
        self.ui.say(done.message)
        if then is not None:
            then(done)
        return done

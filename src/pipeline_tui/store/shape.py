"""The pipeline's shape: stages, loss reasons and won reasons (cached; they change rarely)."""

from __future__ import annotations

from typing import Any

from pipeline_tui import rules
from pipeline_tui.display import safe
from pipeline_tui.errors import InputError, NotFoundError, RuleError
from pipeline_tui.limits import MAX_NAME, check_text
from pipeline_tui.models import LossReason, Outcome, Stage, StageKind, WonReason
from pipeline_tui.store.connection import Connection
from pipeline_tui.text import fold

STAGE_FIELDS = ("id", "name", "position", "kind", "stale_days", "archived", "probability")
REASON_FIELDS = ("id", "label", "position", "needs_competitor", "needs_note", "archived", "outcome")
WON_REASON_FIELDS = ("id", "label", "position", "needs_competitor", "archived")
ORDERED = ("stages", "loss_reasons", "won_reasons")  # the tables whose rows have a position


class Shape:
    """The stages and the loss reasons: read once and kept until the file changes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.db = conn.db
        self._rows = conn.rows
        self._stages: list[Stage] | None = None
        self._reasons: list[LossReason] | None = None
        self._won_reasons: list[WonReason] | None = None
        conn.on_invalidate(self.invalidate)

    def invalidate(self) -> None:
        self._stages = None
        self._reasons = None
        self._won_reasons = None

    # ---------------------------------------------------------------- reading

    def stages(self, *, include_archived: bool = False) -> list[Stage]:
        """Stages in board order."""
        if self._stages is None:
            self._stages = [
                Stage(id_, name, pos, StageKind(kind), stale, bool(arch), prob)
                for id_, name, pos, kind, stale, arch, prob in self._rows(
                    f"SELECT {', '.join(STAGE_FIELDS)} FROM stages ORDER BY position, id"
                )
            ]
        return [s for s in self._stages if include_archived or not s.archived]

    def stage(self, stage_id: int) -> Stage:
        for stage in self.stages(include_archived=True):
            if stage.id == stage_id:
                return stage
        raise NotFoundError(f"There is no stage #{stage_id}.")

    def find_stage(self, name: str) -> Stage:
        return rules.match_name(name, self.stages(), lambda s: s.name, "stage")

    def find_stage_any(self, name: str) -> Stage:
        """A stage by name, archived ones included (to unarchive them)."""
        return rules.match_name(name, self.stages(include_archived=True), lambda s: s.name, "stage")

    def first_stage(self, kind: StageKind) -> Stage:
        for stage in self.stages():
            if stage.kind is kind:
                return stage
        raise NotFoundError(f"The pipeline has no {kind.value} stage.")

    def reasons(self, *, include_archived: bool = False) -> list[LossReason]:
        """Loss reasons in list order."""
        if self._reasons is None:
            self._reasons = [
                LossReason(id_, label, pos, bool(comp), bool(note), bool(arch), Outcome(outcome))
                for id_, label, pos, comp, note, arch, outcome in self._rows(
                    f"SELECT {', '.join(REASON_FIELDS)} FROM loss_reasons ORDER BY position, id"
                )
            ]
        return [r for r in self._reasons if include_archived or not r.archived]

    def reason(self, reason_id: int) -> LossReason:
        for reason in self.reasons(include_archived=True):
            if reason.id == reason_id:
                return reason
        raise NotFoundError(f"There is no loss reason #{reason_id}.")

    def find_reason(self, label: str) -> LossReason:
        return rules.match_name(label, self.reasons(), lambda r: r.label, "loss reason")

    def find_reason_any(self, label: str) -> LossReason:
        return rules.match_name(label, self.reasons(include_archived=True), lambda r: r.label, "loss reason")

    def won_reasons(self, *, include_archived: bool = False) -> list[WonReason]:
        """Won reasons in list order."""
        if self._won_reasons is None:
            self._won_reasons = [
                WonReason(id_, label, pos, bool(comp), bool(arch))
                for id_, label, pos, comp, arch in self._rows(
                    f"SELECT {', '.join(WON_REASON_FIELDS)} FROM won_reasons ORDER BY position, id"
                )
            ]
        return [r for r in self._won_reasons if include_archived or not r.archived]

    def won_reason(self, reason_id: int) -> WonReason:
        for reason in self.won_reasons(include_archived=True):
            if reason.id == reason_id:
                return reason
        raise NotFoundError(f"There is no won reason #{reason_id}.")

    def find_won_reason(self, label: str) -> WonReason:
        return rules.match_name(label, self.won_reasons(), lambda r: r.label, "won reason")

    def find_won_reason_any(self, label: str) -> WonReason:
        return rules.match_name(
            label, self.won_reasons(include_archived=True), lambda r: r.label, "won reason"
        )

    def stage_deal_count(self, stage_id: int) -> int:
        return int(self._rows("SELECT COUNT(*) FROM deals WHERE stage_id = ?", [stage_id])[0][0])

    def stage_in_use(self, stage_id: int) -> bool:
        """Does any deal or timeline entry refer to the stage?"""
        return bool(
            self._rows(
                "SELECT 1 FROM deals WHERE stage_id = :s OR lost_at_stage_id = :s "
                "UNION ALL SELECT 1 FROM events WHERE from_stage_id = :s OR to_stage_id = :s LIMIT 1",
                {"s": stage_id},
            )
        )

    def reason_in_use(self, reason_id: int) -> bool:
        return bool(self._rows("SELECT 1 FROM deals WHERE loss_reason_id = ? LIMIT 1", [reason_id]))

    def won_reason_in_use(self, reason_id: int) -> bool:
        return bool(self._rows("SELECT 1 FROM deals WHERE won_reason_id = ? LIMIT 1", [reason_id]))

    def stage_row(self, stage_id: int) -> dict[str, Any]:
        row = self._rows(f"SELECT {', '.join(STAGE_FIELDS)} FROM stages WHERE id = ?", [stage_id])
        if not row:
            raise NotFoundError(f"There is no stage #{stage_id}.")
        return dict(zip(STAGE_FIELDS, row[0], strict=True))

    def reason_row(self, reason_id: int) -> dict[str, Any]:
        row = self._rows(f"SELECT {', '.join(REASON_FIELDS)} FROM loss_reasons WHERE id = ?", [reason_id])
        if not row:
            raise NotFoundError(f"There is no loss reason #{reason_id}.")
        return dict(zip(REASON_FIELDS, row[0], strict=True))

    def won_reason_row(self, reason_id: int) -> dict[str, Any]:
        row = self._rows(f"SELECT {', '.join(WON_REASON_FIELDS)} FROM won_reasons WHERE id = ?", [reason_id])
        if not row:
            raise NotFoundError(f"There is no won reason #{reason_id}.")
        return dict(zip(WON_REASON_FIELDS, row[0], strict=True))

    def positions(self, table: str) -> dict[int, int]:
        """id -> position of every stage or reason (to put an order back)."""
        assert table in ORDERED
        return {int(i): int(p) for i, p in self._rows(f"SELECT id, position FROM {table}")}

    # ---------------------------------------------------------------- writing

    def _check_name(
        self, table: str, column: str, name: str, what: str, *, except_id: int | None = None
    ) -> str:
        clean = " ".join(check_text(name, f"{what} name", required=True).split())
        if len(clean) > MAX_NAME:
            raise InputError(f"A {what} name can be {MAX_NAME} characters at most.")
        rows = self._rows(f"SELECT id FROM {table} WHERE fold({column}) = ?", [fold(clean)])
        if any(r[0] != except_id for r in rows):
            raise InputError(f"There is already a {what} called {safe(clean)!r}.")
        return clean

    @staticmethod
    def _check_days(days: int | None) -> int | None:
        if days is None:
            return None
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise InputError("A stale threshold is a whole number of days from 1 to 3650 (or off).")
        return days

    @staticmethod
    def _check_probability(percent: int | None) -> int | None:
        if percent is None:
            return None
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise InputError("A stage probability is a whole percent from 0 to 100.")
        return percent

    def add_stage(
        self,
        name: str,
        *,
        kind: StageKind = StageKind.OPEN,
        stale_days: int | None = None,
        probability: int | None = None,
    ) -> Stage:
        """A new stage: open stages go after the last open one, endpoints at the end."""
        with self.conn.write():
            clean = self._check_name("stages", "name", name, "stage")
            stages = self.stages(include_archived=True)
            if kind is StageKind.OPEN:
                opens = [s.position for s in stages if s.is_open]
                position = (max(opens) + 1) if opens else 0
                self.db.execute("UPDATE stages SET position = position + 1 WHERE position >= ?", [position])
            else:
                position = max((s.position for s in stages), default=-1) + 1
                stale_days = None
            cur = self.db.execute(
                "INSERT INTO stages (name, position, kind, stale_days, probability) VALUES (?, ?, ?, ?, ?)",
                [
                    clean,
                    position,
                    kind.value,
                    self._check_days(stale_days),
                    self._check_probability(probability),
                ],
            )
            self.invalidate()
            return self.stage(int(cur.lastrowid or 0))

    def delete_stage(self, stage_id: int) -> None:
        """Take back adding a stage: only while nothing refers to it."""
        with self.conn.write():
            stage = self.stage(stage_id)
            if self.stage_in_use(stage.id):
                raise RuleError(f"{safe(stage.name)} holds deals or history now; archive it instead.")
            self.db.execute("DELETE FROM stages WHERE id = ?", [stage.id])
            self.invalidate()

    def update_stage(self, stage_id: int, **fields: Any) -> Stage:
        """Set a stage's name, stale threshold, probability or archived flag (checked)."""
        with self.conn.write():
            stage = self.stage(stage_id)
            values: dict[str, Any] = {}
            for key, value in fields.items():
                if key == "name":
                    values[key] = self._check_name("stages", "name", value, "stage", except_id=stage.id)
                elif key == "stale_days":
                    if not stage.is_open and value is not None:
                        raise RuleError(f"{safe(stage.name)} is an endpoint; only open stages go stale.")
                    values[key] = self._check_days(value)
                elif key == "probability":
                    values[key] = self._check_probability(value)
                elif key == "archived":
                    values[key] = int(bool(value))
                else:
                    raise InputError(f"Cannot change a stage's {key}.")
            if values:
                sets = ", ".join(f"{k} = ?" for k in values)
                self.db.execute(f"UPDATE stages SET {sets} WHERE id = ?", [*values.values(), stage.id])
            self.invalidate()
        return self.stage(stage_id)

    def move_stage(self, stage_id: int, step: int) -> Stage:
        """Move a stage `step` places along the board (among stages that are not archived)."""
        with self.conn.write():
            self._reorder("stages", [s.id for s in self.stages()], stage_id, step, "stage")
            self.invalidate()
        return self.stage(stage_id)

    def set_positions(self, table: str, positions: dict[int, int]) -> None:
        """Put an order back (undo a move)."""
        assert table in ORDERED
        with self.conn.write():
            for row_id, position in positions.items():
                self.db.execute(f"UPDATE {table} SET position = ? WHERE id = ?", [position, row_id])
            self.invalidate()

    def archive_stage(self, stage_id: int) -> Stage:
        """Take a stage off the board. Refused while it holds deals or is the last of its kind."""
        with self.conn.write():
            stage = self.stage(stage_id)
            if stage.archived:
                return stage
            held = self.stage_deal_count(stage.id)
            if held:
                others = ", ".join(
                    safe(s.name) for s in self.stages() if s.id != stage.id and s.kind is stage.kind
                )
                where = f" (e.g. to {others})" if others else ""
                raise RuleError(
                    f"{safe(stage.name)} still holds {held:,} deal{'s' if held != 1 else ''}; "
                    f"move them to another stage first{where}."
                )
            if not any(s.kind is stage.kind and s.id != stage.id for s in self.stages()):
                raise RuleError(
                    f"{safe(stage.name)} is the only {stage.kind.value} stage; "
                    "the pipeline needs at least one."
                )
            self.db.execute("UPDATE stages SET archived = 1 WHERE id = ?", [stage.id])
            self.invalidate()
        return self.stage(stage_id)

    def add_reason(
        self,
        label: str,
        *,
        needs_competitor: bool = False,
        needs_note: bool = False,
        outcome: Outcome = Outcome.LOST,
    ) -> LossReason:
        with self.conn.write():
            clean = self._check_name("loss_reasons", "label", label, "loss reason")
            position = max((r.position for r in self.reasons(include_archived=True)), default=-1) + 1
            cur = self.db.execute(
                "INSERT INTO loss_reasons (label, position, needs_competitor, needs_note, outcome) "
                "VALUES (?, ?, ?, ?, ?)",
                [clean, position, int(needs_competitor), int(needs_note), Outcome(outcome).value],
            )
            self.invalidate()
            return self.reason(int(cur.lastrowid or 0))

    def delete_reason(self, reason_id: int) -> None:
        """Take back adding a reason: only while no deal uses it."""
        with self.conn.write():
            reason = self.reason(reason_id)
            if self.reason_in_use(reason.id):
                raise RuleError(f"{safe(reason.label)!r} is on deals now; archive it instead.")
            self.db.execute("DELETE FROM loss_reasons WHERE id = ?", [reason.id])
            self.invalidate()

    def update_reason(self, reason_id: int, **fields: Any) -> LossReason:
        """Set a reason's label, archived flag or outcome kind (checked)."""
        with self.conn.write():
            reason = self.reason(reason_id)
            values: dict[str, Any] = {}
            for key, value in fields.items():
                if key == "label":
                    values[key] = self._check_name(
                        "loss_reasons", "label", value, "loss reason", except_id=reason.id
                    )
                elif key == "archived":
                    if value and not reason.archived and len(self.reasons()) <= 1:
                        raise RuleError("Keep at least one loss reason to choose from.")
                    values[key] = int(bool(value))
                elif key == "outcome":
                    values[key] = Outcome(value).value
                elif key in ("needs_competitor", "needs_note"):
                    values[key] = int(bool(value))
                else:
                    raise InputError(f"Cannot change a loss reason's {key}.")
            if values:
                sets = ", ".join(f"{k} = ?" for k in values)
                self.db.execute(f"UPDATE loss_reasons SET {sets} WHERE id = ?", [*values.values(), reason.id])
            self.invalidate()
        return self.reason(reason_id)

    def move_reason(self, reason_id: int, step: int) -> LossReason:
        with self.conn.write():
            self._reorder("loss_reasons", [r.id for r in self.reasons()], reason_id, step, "loss reason")
            self.invalidate()
        return self.reason(reason_id)

    # ------------------------------------------------------------ won reasons

    def add_won_reason(self, label: str, *, needs_competitor: bool = False) -> WonReason:
        with self.conn.write():
            clean = self._check_name("won_reasons", "label", label, "won reason")
            position = max((r.position for r in self.won_reasons(include_archived=True)), default=-1) + 1
            cur = self.db.execute(
                "INSERT INTO won_reasons (label, position, needs_competitor) VALUES (?, ?, ?)",
                [clean, position, int(needs_competitor)],
            )
            self.invalidate()
            return self.won_reason(int(cur.lastrowid or 0))

    def delete_won_reason(self, reason_id: int) -> None:
        """Take back adding a won reason: only while no deal uses it."""
        with self.conn.write():
            reason = self.won_reason(reason_id)
            if self.won_reason_in_use(reason.id):
                raise RuleError(f"{safe(reason.label)!r} is on deals now; archive it instead.")
            self.db.execute("DELETE FROM won_reasons WHERE id = ?", [reason.id])
            self.invalidate()

    def update_won_reason(self, reason_id: int, **fields: Any) -> WonReason:
        """Set a won reason's label, archived flag or whether it asks for the competitor."""
        with self.conn.write():
            reason = self.won_reason(reason_id)
            values: dict[str, Any] = {}
            for key, value in fields.items():
                if key == "label":
                    values[key] = self._check_name(
                        "won_reasons", "label", value, "won reason", except_id=reason.id
                    )
                elif key in ("archived", "needs_competitor"):
                    values[key] = int(bool(value))
                else:
                    raise InputError(f"Cannot change a won reason's {key}.")
            if values:
                sets = ", ".join(f"{k} = ?" for k in values)
                self.db.execute(f"UPDATE won_reasons SET {sets} WHERE id = ?", [*values.values(), reason.id])
            self.invalidate()
        return self.won_reason(reason_id)

    def move_won_reason(self, reason_id: int, step: int) -> WonReason:
        with self.conn.write():
            self._reorder("won_reasons", [r.id for r in self.won_reasons()], reason_id, step, "won reason")
            self.invalidate()
        return self.won_reason(reason_id)

    def _reorder(self, table: str, order: list[int], item_id: int, step: int, what: str) -> None:
        if item_id not in order:
            raise RuleError(f"That {what} is archived; unarchive it before moving it.")
        index = order.index(item_id)
        target = max(0, min(len(order) - 1, index + step))
        order.insert(target, order.pop(index))
        archived = [
            r[0] for r in self._rows(f"SELECT id FROM {table} WHERE archived = 1 ORDER BY position, id")
        ]
        for position, row_id in enumerate(order + archived):
            self.db.execute(f"UPDATE {table} SET position = ? WHERE id = ?", [position, row_id])

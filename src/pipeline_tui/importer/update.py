"""A row of a deal imported before: what changed in the CRM since (against the baseline,
the CRM's values as last imported), what the seller changed here, and what to write.

The seller's own work wins: a field changed here since the last import is not overwritten
by the CRM (a conflict, listed; `--prefer file` takes the CRM's value instead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline_tui.models import (
    Deal,
    EventKind,
    ImportEvent,
    ImportUpdate,
    LossReason,
    Stage,
    StageKind,
    WonReason,
)
from pipeline_tui.money import format_money
from pipeline_tui.store.codec import ts
from pipeline_tui.store.transfer import CrmDeal
from pipeline_tui.transitions import CLEARED_LOSS, CLEARED_WIN, previous_loss, previous_win

FIELD_COLUMNS = {"title": "title", "company": "company", "contact": "contact", "value": "value",
                 "currency": "currency", "close": "expected_close"}  # fmt: skip
LABELS = {"title": "title", "company": "company", "contact": "contact", "value": "amount",
          "currency": "currency", "close": "close date", "stage": "stage"}  # fmt: skip


@dataclass(frozen=True)
class Conflict:
    deal_id: int
    title: str
    field: str
    yours: str
    theirs: str


@dataclass(frozen=True)
class Planned:
    """One matched row's outcome: an update (or None when nothing changed), the changes as
    a person reads them, the conflicts, and the fields this export brought for the first
    time (taken from the file)."""

    update: ImportUpdate | None
    changes: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    first_seen: tuple[str, ...] = ()


def current_values(deal: CrmDeal) -> dict[str, Any]:
    return {
        "title": deal.title,
        "company": deal.company,
        "contact": deal.contact,
        "value": deal.value,
        "currency": deal.currency,
        "close": deal.expected_close.isoformat() if deal.expected_close else None,
        "stage_id": deal.stage_id,
    }


def _shown(name: str, value: Any, currency: str, stages: dict[int, Stage]) -> str:
    if value is None or value == "":
        return "none"
    if name == "value":
        return format_money(int(value), currency)
    if name == "stage_id":
        return stages[value].name if value in stages else str(value)
    return str(value)


def plan_update(
    deal: CrmDeal,
    file: dict[str, Any],
    *,
    stages: dict[int, Stage],
    prefer_file: bool,
    now: datetime,
    label: str,
    full: Deal | None,
    loss_fields: dict[str, Any] | None,
    closed_at: datetime | None,
    identity: dict[str, str] | None = None,
    reasons: list[LossReason] | None = None,
    won_reasons: list[WonReason] | None = None,
) -> Planned:
    """`file`: the CRM's values of the fields the file has ("stage" is the CRM's stage
    label, "stage_id" the board stage it maps to). `full`: the deal, read when its stage
    may change (for the loss it leaves); `loss_fields`: the loss a move to a lost stage
    records; `closed_at`: when it closed, for a move to an endpoint; `identity`: the source
    and record id the deal takes on (an id that first appears now, a deal brought in with
    --column adopted by its CRM).

    The base of the three-way merge is what the last import brought for each field: a field
    that import did not carry has no base, so this file's value is taken (and said)."""
    here = current_values(deal)
    # No baseline (imported by an older version): untouched since (rev 0), the deal is
    # what the CRM said; touched, nobody can tell who changed what, so differences conflict.
    base = deal.baseline if deal.baseline is not None else (here if deal.rev == 0 else None)
    fields: dict[str, Any] = dict(identity or {})
    changes: dict[str, str] = {}  # field -> its change as a person reads it, in the file's order
    conflicts: list[Conflict] = []
    first_seen: list[str] = []
    shown_currency = file.get("currency") or deal.currency
    for name in ("title", "company", "contact", "value", "currency", "close", "stage_id"):
        if name not in file:
            continue
        theirs, yours = file[name], here[name]
        new_field = base is not None and name not in base and name != "stage_id"
        if name == "stage_id" and base is not None and "stage" in base and "stage" in file:
            # The CRM changed the stage when its label changed, or when the outcome read with
            # it did (the same label, now said closed by IsClosed / a status column).
            crm_changed = base["stage"] != file["stage"] or _kind(
                base.get("stage_id"), yours, stages
            ) != _kind(theirs, yours, stages)
        else:
            crm_changed = base is None or base.get(name) != theirs
        if not crm_changed or theirs == yours:
            continue
        if new_field:
            first_seen.append(LABELS.get(name, name))
        seller_changed = not new_field and (base is None or _base(base, name, yours, stages) != yours)
        if seller_changed and not prefer_file:
            conflicts.append(
                Conflict(
                    deal.id, deal.title, LABELS.get(name, "stage"),
                    _shown(name, yours, deal.currency, stages), _shown(name, theirs, shown_currency, stages),
                )
            )  # fmt: skip
            continue
        changes[name] = (
            f"{LABELS.get(name, 'stage')} {_shown(name, yours, deal.currency, stages)} → "
            f"{_shown(name, theirs, shown_currency, stages)}"
        )
        if name == "stage_id":
            fields["stage_id"] = theirs
        else:
            fields[FIELD_COLUMNS[name]] = theirs
    _hold_closing_date(deal, file, here, fields, changes, conflicts, stages, shown_currency)
    events: list[ImportEvent] = []
    edits = {
        k: [here_value(deal, k), v] for k, v in fields.items() if k not in ("stage_id", "source", "source_id")
    }
    if edits:
        events.append(ImportEvent(now, EventKind.UPDATED, label, data={"changes": edits}))
    if "stage_id" in fields:
        events.append(
            _stage_move(
                full,
                stages,
                fields,
                now,
                loss_fields,
                closed_at,
                file.get("stage", ""),
                reasons or [],
                won_reasons or [],
            )
        )
    if set(fields) - {"source", "source_id"}:
        fields["last_activity_at"] = ts(now)
    else:
        touched = _crm_activity(deal, file, base, now)
        if touched is not None:  # the CRM saw activity since: the deal is not idle
            fields["last_activity_at"] = ts(touched)
            before = f"{deal.last_activity:%Y-%m-%d}" if deal.last_activity else "none"
            changes["activity"] = f"last activity {before} → {touched:%Y-%m-%d} (in the CRM)"
    baseline = {k: v for k, v in file.items()}
    if not fields and deal.baseline == baseline:
        return Planned(None, (), tuple(conflicts), tuple(first_seen))
    update = ImportUpdate(deal.id, deal.rev, fields, baseline, tuple(events))
    return Planned(update, tuple(changes.values()), tuple(conflicts), tuple(first_seen))


def _hold_closing_date(
    deal: CrmDeal, file: dict[str, Any], here: dict[str, Any], fields: dict[str, Any],
    changes: dict[str, str], conflicts: list[Conflict], stages: dict[int, Stage], currency: str,
) -> None:  # fmt: skip
    """The CRM closed the deal (won or lost) and its close date is the day it closed; the
    seller's stage here is kept (a conflict): the close date goes with the close, kept as
    yours and listed beside it, not taken alone (an open deal 'overdue' on a day it closed)."""
    target = stages.get(file.get("stage_id", 0))
    if "expected_close" not in fields or target is None or target.is_open:
        return
    if not any(c.field == LABELS["stage"] for c in conflicts):
        return
    theirs = fields.pop("expected_close")
    changes.pop("close", None)
    conflicts.append(
        Conflict(deal.id, deal.title, LABELS["close"], _shown("close", here["close"], deal.currency, stages),
                 _shown("close", theirs, currency, stages))
    )  # fmt: skip


def _crm_activity(
    deal: CrmDeal, file: dict[str, Any], base: dict[str, Any] | None, now: datetime
) -> datetime | None:
    """The CRM's last activity (or change), when the export has moved it on since the last
    import and it is later than any activity here; never after now."""
    text = file.get("activity")
    if not text or (base is not None and base.get("activity") == text):
        return None
    try:
        moment = min(datetime.fromisoformat(text), now)
    except (TypeError, ValueError):
        return None
    if deal.last_activity is not None and moment <= deal.last_activity:
        return None
    return moment


def _base(base: dict[str, Any], name: str, yours: Any, stages: dict[int, Stage]) -> Any:
    """The baseline's value of a field; a stage the import that recorded it made (kept by
    its key, not its id) is the deal's own stage when that stage has its name."""
    value = base.get(name)
    made = name == "stage_id" and isinstance(value, int) and value < 0 and yours in stages
    if made and stages[yours].name.strip() == str(base.get("stage", "")).strip():
        return yours
    return value


def _kind(stage_id: Any, here: int, stages: dict[int, Stage]) -> StageKind | None:
    """Whether a stage is open, won or lost; a stage the baseline names that is not known
    (made by the import that recorded it) as the deal's own stage."""
    stage = stages.get(stage_id) if isinstance(stage_id, int) else None
    if stage is None:
        stage = stages.get(here)
    return stage.kind if stage is not None else None


def here_value(deal: CrmDeal, column: str) -> Any:
    if column == "expected_close":
        return deal.expected_close.isoformat() if deal.expected_close else None
    return getattr(deal, column)


def _stage_move(
    deal: Deal | None,
    stages: dict[int, Stage],
    fields: dict[str, Any],
    now: datetime,
    loss_fields: dict[str, Any] | None,
    closed_at: datetime | None,
    crm_stage: str,
    reasons: list[LossReason],
    won_reasons: list[WonReason],
) -> ImportEvent:
    """The stage columns a move writes (into `fields`) and its timeline entry, as a move on
    the board writes them (transitions.move): into a lost stage with its loss, out of a lost
    or won stage keeping the old loss or win in the entry and clearing it from the deal."""
    assert deal is not None
    source, target = stages[deal.stage_id], stages[fields["stage_id"]]
    fields["stage_entered_at"] = ts(now)
    data: dict[str, Any] = {"from": source.name, "to": target.name, "crm_stage": crm_stage}
    if source.kind is StageKind.LOST:
        # The loss the deal leaves stays in its timeline, its reason named ("was lost: Price").
        left = next((r for r in reasons if r.id == deal.loss_reason_id), None)
        data["previous_loss"] = previous_loss(deal, left)
        fields.update(CLEARED_LOSS)
    if source.kind is StageKind.WON:
        # So does the win ("was won: Relationship"); a reason belongs to the win, not the deal.
        was = next((r for r in won_reasons if r.id == deal.won_reason_id), None)
        data["previous_win"] = previous_win(deal, was)
        fields.update(CLEARED_WIN)
    text = ""
    if target.kind is StageKind.LOST:
        loss = dict(loss_fields or {})
        reason = loss.pop("reason_label", None)
        loss["lost_at_stage_id"] = source.id if source.is_open else deal.lost_at_stage_id
        fields.update(loss)
        fields["closed_at"] = ts(closed_at) if closed_at else None
        data.update({"reason": reason, "competitor": loss.get("competitor", ""), "revisit_on": None})
        kind, text = EventKind.LOST, str(loss.get("loss_note", ""))
    elif target.kind is StageKind.WON:
        fields["closed_at"] = ts(closed_at) if closed_at else None
        kind = EventKind.WON
    else:
        fields["closed_at"] = None
        kind = EventKind.REOPENED if source.is_endpoint else EventKind.MOVED
    return ImportEvent(now, kind, text, source.id, target.id, data)

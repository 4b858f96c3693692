"""The deal actions, declared once: name, keys, key bar label, palette text, and the flow
that runs it. Every screen that offers deal actions makes its bindings from this table, so
a key changes in one place (or in the config's [keys] table, through Textual's keymap:
each binding's id is `deal.NAME`), and the key bar, the help, the palette and the README's
key table all follow.

A screen says which actions it offers (`bindings`) and which deals an action acts on (the
card under the cursor, every marked card, the deal under review): the flows take a list."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from textual.binding import Binding, BindingType

from pipeline_tui.flows.deals import DealFlows
from pipeline_tui.flows.runner import Then
from pipeline_tui.models import Deal

Run = Callable[[DealFlows, Sequence[Deal], Then | None], None]


@dataclass(frozen=True)
class DealAction:
    name: str
    keys: str  # Textual key names, comma-separated
    label: str  # the key bar's word
    tooltip: str  # "Palette title — what it does"
    run: Run
    key_display: str | None = None
    many: bool = True  # acts on every marked card (False: on the one under the cursor only)

    @property
    def binding_id(self) -> str:
        return f"deal.{self.name}"

    def binding(self, *, show: bool = True, hint: str | None = None) -> Binding:
        """The binding; `hint` says what the action does on one screen in particular."""
        tooltip = self.tooltip if hint is None else f"{self.tooltip.partition(' — ')[0]} — {hint}"
        return Binding(
            self.keys,
            f"deal('{self.name}')",
            self.label,
            show=show,
            key_display=self.key_display,
            tooltip=tooltip,
            id=self.binding_id,
        )


TABLE: tuple[DealAction, ...] = (
    DealAction(
        "next_stage",
        "shift+right,greater_than_sign",
        "Next stage",
        "Move deal to next stage — one stage right",
        lambda flows, deals, then: flows.step(deals, 1, then),
        key_display=">",
    ),
    DealAction(
        "prev_stage",
        "shift+left,less_than_sign",
        "Prev stage",
        "Move deal to previous stage — one stage left",
        lambda flows, deals, then: flows.step(deals, -1, then),
        key_display="<",
    ),
    DealAction("move_to", "m", "Move", "Move deal to… — any stage", DealFlows.choose_stage),
    DealAction("note", "a", "Note", "Add note — to the selected deal", DealFlows.note),
    DealAction(
        "next_step", "t", "Next step", "Set next step — what happens next, and by when", DealFlows.next_step
    ),
    DealAction("won", "w", "Won", "Mark deal won — Closed Won, and why (optional)", DealFlows.won),
    DealAction(
        "lost",
        "l",
        "Lost",
        "Mark deal lost — Closed Lost with a reason",
        lambda flows, deals, then: flows.lost(deals, None, then),
    ),
    DealAction(
        "reason",
        "l",
        "Reason",
        "Give the reason — the Closed Lost prompt for a deal lost already",
        DealFlows.fill_loss,
    ),
    DealAction(
        "snooze", "z", "Snooze", "Snooze — quiet a stale deal, or a new revisit date", DealFlows.snooze
    ),
    DealAction("reopen", "o", "Reopen", "Reopen — back to an open stage", DealFlows.reopen),
    DealAction(
        "close_out", "c", "Close out", "Close out — no more potential, no more revisits", DealFlows.close_out
    ),
    DealAction(
        "archive", "A", "Archive", "Archive deal — hide junk or a duplicate, history kept", DealFlows.archive
    ),
    DealAction("edit", "e", "Edit", "Edit deal — title, value, dates", DealFlows.edit, many=False),
    DealAction(
        "detail", "enter", "Detail", "Deal detail — fields and timeline", DealFlows.detail, many=False
    ),
)
ACTIONS = {action.name: action for action in TABLE}


def bindings(
    *names: str, hidden: Sequence[str] = (), hints: Mapping[str, str] | None = None
) -> list[BindingType]:
    """The bindings of the named actions, in that order (`hidden` ones off the key bar;
    `hints`: what an action does on this screen, for the help and the palette)."""
    hints = hints or {}
    return [ACTIONS[name].binding(show=name not in hidden, hint=hints.get(name)) for name in names]

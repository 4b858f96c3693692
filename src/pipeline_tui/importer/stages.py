"""Which board stage a CRM's stage value goes to, and why (shown by the dry run).

Read, never guessed: the user's `--map VALUE=STAGE` (or `=new`, a stage made by the import;
an empty VALUE is a value too), the answer remembered from an earlier import of the same
source, a board stage of the same name, or the CRM's own standard stage (in any of the
languages it exports in) at its place on the board. A value none of these place is
collected, with its row count, and the import stops asking where it goes."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats import SLOTS, Format, norm
from pipeline_tui.importer.words import CLOSED_STAGES, LOST, WON, reads_closed
from pipeline_tui.models import PendingStage, Stage, StageKind

NEW = "new"  # --map VALUE=new: the import makes a stage called VALUE
MANY_NEW = 5  # more stages than this made by one import is asked first (--new-stages)

# Words that hint where an unknown stage might go, used only to suggest a --map line (the
# user checks it before pasting), never to place a deal.
HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lead", ("lead", "prospect", "new", "contact", "appointment", "inbound", "mql", "cold", "neu",
              "nouveau", "nuevo", "novo", "nieuw", "nuovo", "kontakt")),
    ("qualified", ("qualif", "discovery", "demo", "sql", "needs", "analysis", "interested", "rdv",
                   "bedarf", "cualific", "kwalific", "besoin", "necessidade")),
    ("proposal", ("propos", "quote", "offer", "present", "pricing", "angebot", "devis", "offert",
                  "cotiz", "orçamento", "preventiv", "offerta")),
    ("negotiation", ("negotiat", "contract", "decision", "commit", "legal", "verbal", "reflexion",
                     "verhandl", "vertrag", "négoci", "negoci", "onderhandel", "trattativa")),
)  # fmt: skip
_WORDS = re.compile(r"\w+")


@dataclass
class Placement:
    stage_id: int  # a board stage, or a PendingStage key (negative)
    rule: str


@dataclass
class StageMap:
    """The board stage for each stage value of one file."""

    stages: list[Stage]  # the board's stages (not archived), in board order
    fmt: Format
    overrides: dict[str, str]  # normed value -> the user's target (a stage name, or "new")
    remembered: dict[str, int]  # normed value -> stage id, from an earlier import of this source
    pending: list[PendingStage] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)  # open values nothing places -> rows
    unknown_lost_at: Counter[str] = field(default_factory=Counter)
    open_closed: Counter[str] = field(default_factory=Counter)  # a closed stage's name, on open deals
    open_why: dict[str, str] = field(default_factory=dict)  # what says those deals are open
    unknown_why: dict[str, str] = field(default_factory=dict)  # an unknown value's deals said open: by what
    shown: dict[str, str] = field(default_factory=dict)  # value as first written, by normed value
    used: dict[int, bool] = field(default_factory=dict)  # made stage (key) -> a deal is in it, else lost at
    _cache: dict[str, Placement | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_name = {norm(s.name): s for s in self.stages}
        for value, target in self.overrides.items():
            if norm(target) == NEW and norm(value or "(no stage)") in by_name:
                raise InputError(
                    f"--map {value!r}={NEW}: there is a stage called {by_name[norm(value)].name!r} "
                    "already; map "
                    "the value to it or to another of your stages."
                )
            if norm(target) != NEW and norm(target) not in by_name:
                names = ", ".join(s.name for s in self.stages)
                raise InputError(
                    f"--map {value!r}={target!r}: there is no stage {target!r}; choose one of {names}, or "
                    f"{NEW} to make a stage called {value!r}."
                )

    def place(self, value: str) -> Placement | None:
        """Where a stage value goes, or None when nothing says (asked about)."""
        key = norm(value)
        if key not in self._cache:
            self._cache[key] = self._place(value, key)
        return self._cache[key]

    def _place(self, value: str, key: str) -> Placement | None:
        if key in self.overrides:
            target = self.overrides[key]
            if norm(target) == NEW:
                return Placement(self._new(value), "--map …=new: a new open stage")
            return Placement(self._by_name(target).id, "--map")
        if key in self.remembered and any(s.id == self.remembered[key] for s in self.stages):
            return Placement(self.remembered[key], "as you said at an earlier import")
        named = next((s for s in self.stages if norm(s.name) == key and key), None)
        if named is not None:
            return Placement(named.id, "same name")
        slot = self.fmt.stages.get(key)
        if slot is not None:
            return Placement(self._slot(slot).id, f"{self.fmt.label} standard stage")
        closed = CLOSED_STAGES.get(key)
        if closed is not None:
            return Placement(self._slot(closed).id, f"a {closed} stage")
        return None

    def ends(self) -> dict[str, str]:
        """The board stage's name for each role (won, lost, lead…): a ready --map target."""
        if not any(s.kind is StageKind.WON for s in self.stages) or not any(s.is_open for s in self.stages):
            return {}
        return {slot: self._slot(slot).name for slot in (WON, LOST, *SLOTS)}

    def _by_name(self, name: str) -> Stage:
        return next(s for s in self.stages if norm(s.name) == norm(name))

    def _slot(self, slot: str) -> Stage:
        """The board stage for a role: its won or lost stage, the open stage named like the
        role, else the open stage at the role's place."""
        if slot == WON:
            return next(s for s in self.stages if s.kind is StageKind.WON)
        if slot == LOST:
            return next(s for s in self.stages if s.kind is StageKind.LOST)
        open_stages = [s for s in self.stages if s.is_open]
        named = next((s for s in open_stages if norm(s.name) == slot), None)
        return named or open_stages[min(SLOTS.index(slot), len(open_stages) - 1)]

    def seen(self, value: str) -> bool:
        """Whether a row of the file had this stage value (placed, or asked about)."""
        return norm(value) in self._cache

    def drop_unused(self) -> set[str]:
        """Leave unmade the stages `--map VALUE=new` would make that no deal is in nor was
        lost at (every row with the value reads won or lost, or none has it); their names,
        normed."""
        idle = {norm(p.name) for p in self.pending if p.key not in self.used}
        self.pending[:] = [p for p in self.pending if p.key in self.used]
        return idle

    def _new(self, value: str) -> int:
        name = value.strip() or "(no stage)"
        for pending in self.pending:
            if norm(pending.name) == norm(name):
                return pending.key
        pending = PendingStage(-(len(self.pending) + 1) * 1000 - 7, name, StageKind.OPEN)
        self.pending.append(pending)
        return pending.key

    def names_closed(self, value: str) -> bool:
        """Whether a value is a won or lost stage's name (of the board, the CRM, or any CRM):
        a --map that sends it elsewhere holds for that file only, never remembered, so that a
        later export without outcome columns still reads its closed deals as closed."""
        key = norm(value)
        board = any(norm(s.name) == key and not s.is_open for s in self.stages)
        return board or self.fmt.stages.get(key) in (WON, LOST) or key in CLOSED_STAGES

    def kind(self, stage_id: int) -> StageKind:
        if stage_id < 0:
            return StageKind.OPEN
        return next(s.kind for s in self.stages if s.id == stage_id)

    def remember(self, value: str, counter: Counter[str]) -> None:
        self.shown.setdefault(norm(value), value)
        counter[norm(value)] += 1


def suggestion(value: str, stages: list[Stage], *, open_only: bool = False) -> str:
    """A target to offer for an unknown value in a ready --map line: the won or lost stage
    when its words read so ("Closed - Disqualified", "Verloren (Budget)"), an open stage a
    word of it hints at, else `new` (the user checks it before pasting). `open_only`: the
    file says its deals are open, so an open stage (and not `new` for a value that names a
    stage already)."""
    words = _WORDS.findall(norm(value))
    open_stages = [s for s in stages if s.is_open]
    first = open_stages[0].name if open_stages else NEW
    if not open_only:
        end = endpoint_read(value, stages)
        if end is not None:
            return end.name
    fallback = first if not value.strip() or open_only else NEW
    for slot, hints in HINTS:
        if any(w.startswith(h) for w in words for h in hints):
            named = next((s for s in open_stages if norm(s.name) == slot), None)
            if named is not None:
                return named.name
            return open_stages[min(SLOTS.index(slot), len(open_stages) - 1)].name
    return fallback


def endpoint_read(value: str, stages: list[Stage]) -> Stage | None:
    """The board's lost (or won) stage when a stage value's words read lost (or won); the
    lost stage for one that reads closed without saying which (the value line says so)."""
    read = reads_closed(_WORDS.findall(norm(value)))
    if not read:
        return None
    kind = StageKind.WON if read == WON else StageKind.LOST
    return next((s for s in stages if s.kind is kind), None)


def new_stage_kind(stages: list[Stage]) -> str:
    """What `--map VALUE=new` makes, as the messages say it."""
    last = [s for s in stages if s.is_open][-1:]
    return "a new open stage" + (f", after {last[0].name}" if last else "")


def shell_word(text: str) -> str:
    """A shell word: single quotes, a quote inside written as '\\''; text holding a control
    character (a line break in a cell) as $'…' with each one escaped, so the line stays one."""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text):
        inner = "".join(
            f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else "\\" + c if c in "\\'" else c
            for c in text
        )
        return f"$'{inner}'"
    return "'" + text.replace("'", "'\\''") + "'"

"""A realistic demo pipeline, generated from a seed and a date (never the user's database)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from pipeline_tui import operations as ops
from pipeline_tui.models import Deal, DealDraft, LossInput, StageKind, WinInput
from pipeline_tui.store import Store

COMPANIES = (
    "Northwind Traders",
    "Bluefin Logistics",
    "Kestrel Analytics",
    "Harbor & Pine",
    "Quillstone",
    "Verdant Labs",
    "Ironbark Systems",
    "Lumen Health",
    "Oakridge Dental Group",
    "Saltmarsh Foods",
    "Copperline Freight",
    "Tandem Robotics",
    "Brightwater Schools",
    "Meridian Insurance",
    "Foxglove Studios",
    "Granite Peak Credit Union",
    "Solstice Energy",
    "Cobalt Security",
    "Juniper Hotels",
    "Atlas Fabrication",
    "Nimbus Software",
    "Redwood Legal",
    "Parallax Media",
    "Greystone Property",
    "Wildflower Cosmetics",
    "Ember Coffee Roasters",
    "Polaris Aviation",
    "Silverline Telecom",
    "Magnolia Clinics",
    "Driftwood Outdoor",
    "Lattice Biotech",
    "Crescent Bank",
    "Evergreen Nurseries",
    "Pioneer Tooling",
    "Sable Fashion",
    "Helix Genomics",
    "Orchard Grocers",
    "Tidewater Marine",
    "Vantage Consulting",
    "Zephyr Wind",
    "Müller & Söhne",
    "Café Lumière",
    "Åkerlund Byggnad",
    "São Paulo Têxtil",
    "Kowalski Logistyka",
)
PRODUCTS = (
    "Platform licence",
    "Team seats",
    "Analytics add-on",
    "Onboarding package",
    "Support renewal",
    "Pilot",
    "Enterprise upgrade",
    "Data migration",
    "Integration project",
    "Training days",
)
FIRST = (
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Erin",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kai",
    "Lena",
    "Marco",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tomás",
    "Uma",
    "Vik",
    "Wen",
)
LAST = (
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Moreau",
    "Singh",
    "García",
    "Novak",
    "Brennan",
    "Costa",
    "Ito",
    "Khan",
    "Schmidt",
    "Walsh",
    "Yilmaz",
    "Zhou",
    "Adeyemi",
    "Fischer",
    "Rossi",
)
NEXT_STEPS = (
    "Send revised proposal",
    "Book demo with the team",
    "Call to confirm budget",
    "Security questionnaire",
    "Intro to finance",
    "Chase signed order form",
    "Agree pilot scope",
)
NOTES = (
    "Good call; they want pricing for 40 seats.",
    "Champion is keen, procurement is slow.",
    "Asked for a case study in their industry.",
    "Budget approved for Q1, waiting on legal.",
    "Left voicemail, follow up by email.",
    "Demo went well, questions about SSO and exports.",
    'They said "next quarter, maybe" — keep warm.',
)
SCOPES = ("25 seats", "EMEA", "phase 2", "HQ", "2027", "sales team", "US", "renewal", "50 seats", "APAC")
COMPETITORS = ("Pipedrive", "HubSpot", "Salesforce", "Close", "Copper")


class _Clock:
    """The moment each demo change is stamped with. Changes made on the day of `limit`
    (the real now) are squeezed, in order, into that day up to `limit`: a pipeline opened
    at 7 am has no note from 3 pm today."""

    def __init__(self, now: datetime, limit: datetime | None = None) -> None:
        self.now = now
        self.limit = limit

    def set(self, day: date, rng: random.Random, *, first: bool = False) -> None:
        """The next change is on `day`, at a working hour after the deal's previous change
        (`first`: the deal's first change)."""
        moment = _at(day, rng)
        if not first and moment <= self.now:
            moment = self.now + timedelta(minutes=rng.choice((5, 15, 30)))
        self.now = moment

    def __call__(self) -> datetime:
        if self.limit is None or self.now.date() != self.limit.date():
            return self.now
        midnight = datetime.combine(self.limit.date(), time())
        share = (self.limit - midnight) / timedelta(days=1)
        return (midnight + (self.now - midnight) * share).replace(microsecond=0)


def seed_demo(store: Store, today: date, *, seed: int = 7, now: datetime | None = None) -> int:
    """Fill an empty store with a lived-in pipeline as of `today`; returns the deal count.
    `now`: no change is stamped later than it."""
    rng = random.Random(seed)
    clock = _Clock(datetime.combine(today, time(9, 0)), now)
    real_clock: Callable[[], datetime] = store.conn.clock
    store.conn.clock = clock
    try:
        return _seed(store, today, rng, clock)
    finally:
        store.conn.clock = real_clock


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))))


def _value(rng: random.Random) -> int:
    dollars = int(2000 * (90 ** rng.random()))  # $2k .. $180k, log-uniform
    return (dollars // 500 * 500 or 500) * 100


def _seed(store: Store, today: date, rng: random.Random, clock: _Clock) -> int:
    stages = store.shape.stages()
    open_stages = [s for s in stages if s.is_open]
    won = store.shape.first_stage(StageKind.WON)
    lost = store.shape.first_stage(StageKind.LOST)
    reasons = store.shape.reasons()
    won_reasons = store.shape.won_reasons()
    # Why deals were won, and close dates pushed more than once, drawn from a second source
    # of randomness: the rest of the demo is the same with them as without.
    motion = random.Random(101)
    plan = [(s, 34 - 5 * i) for i, s in enumerate(open_stages)] + [(won, 24), (lost, 30)]
    count = 0
    for target, how_many in plan:
        for n in range(how_many):
            company = rng.choice(COMPANIES)
            age = rng.randint(3, 45) if target.is_open else rng.randint(20, 120)
            created = today - timedelta(days=age)
            clock.set(created, rng, first=True)
            draft = DealDraft(
                f"{rng.choice(PRODUCTS)}, {rng.choice(SCOPES)}",
                company=company,
                contact=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                value=_value(rng),
                expected_close=today + timedelta(days=rng.randint(-10, 90)),
            )
            deal = _one(ops.add(store, draft))
            count += 1
            path = (
                open_stages[: open_stages.index(target) + 1]
                if target.is_open
                else open_stages[: rng.randint(1, len(open_stages))]
            )
            # A lost deal whose revisit has come due went quiet a couple of weeks ago.
            due_revisit = target.kind is StageKind.LOST and n < 8
            last_day = today - timedelta(days=14 if due_revisit else 0)
            day = created
            for stage in path[1:]:
                day = min(last_day, day + timedelta(days=rng.randint(2, max(3, age // len(path)))))
                clock.set(day, rng)
                ops.move(store, [deal.id], stage.id)
            # Activity: most deals were touched this week; about one in five was left alone.
            if rng.random() < 0.8:
                day = max(day, last_day - timedelta(days=rng.randint(0, 8)))
                clock.set(day, rng)
                ops.note(store, [deal.id], rng.choice(NOTES))
            if target.is_open:
                if rng.random() < 0.45:
                    due = today + timedelta(days=rng.randint(-3, 14))
                    clock.set(max(day, today - timedelta(days=rng.randint(0, 6))), rng)
                    ops.set_next_step(store, [deal.id], rng.choice(NEXT_STEPS), due)
                if rng.random() < 0.5:  # most open deals have a believable close date
                    clock.set(min(today, day + timedelta(days=1)), rng)
                    close = today + timedelta(days=rng.randint(5, 90))
                    first = draft.expected_close
                    if first is not None and (close - first).days > 20 and motion.random() < 0.5:
                        # Pushed once already on the way there: a slipping deal.
                        ops.edit(store, [deal.id], {"expected_close": first + (close - first) / 2})
                    ops.edit(store, [deal.id], {"expected_close": close})
                continue
            # Closed deals: the first few closed recently so the endpoint columns have content.
            closed_day = today - timedelta(days=rng.randint(0, 25) if n < how_many * 0.7 else 90)
            if due_revisit:
                closed_day = today - timedelta(days=rng.randint(13, 25))
            clock.set(max(day, closed_day), rng)
            if target.kind is StageKind.WON:
                why = motion.choices(won_reasons, weights=[6, 3, 5, 2, 4][: len(won_reasons)])[0]
                beat = motion.choice(COMPETITORS) if why.needs_competitor else ""
                ops.win(store, [deal.id], WinInput(why.id, beat) if motion.random() < 0.85 else None)
                continue
            reason = rng.choices(reasons, weights=[9, 7, 6, 6, 8, 2, 2, 3, 1][: len(reasons)])[0]
            revisit: date | None = None
            roll = rng.random()
            if due_revisit:  # revisits that have come due (never before the loss itself)
                came = today - timedelta(days=rng.randint(0, 12))
                revisit = min(today, max(came, clock.now.date() + timedelta(days=1)))
            elif n < 14:  # revisits coming up this month
                revisit = today + timedelta(days=rng.randint(2, 28))
            elif roll < 0.3:
                revisit = today + timedelta(days=rng.randint(60, 200))
            ops.lose(
                store,
                [deal.id],
                LossInput(
                    reason.id,
                    competitor=rng.choice(COMPETITORS) if reason.needs_competitor else "",
                    note=(
                        "Went with a cheaper tool; revisit when their contract renews."
                        if reason.needs_note or rng.random() < 0.7
                        else ""
                    ),
                    revisit_on=revisit,
                ),
                today=clock.now.date(),  # the day of the loss: its revisit comes after it
            )
    return count


def _one(done: ops.Done) -> Deal:
    assert done.deal is not None
    return done.deal

"""Import speed: a CRM export of N rows into an empty pipeline, then the same export again
with 1% of its rows changed (stage, amount or close date), which updates those deals.

    python benchmarks/imports.py                 # 100,000 rows, HubSpot (with record ids)
    python benchmarks/imports.py --rows 20000 --format salesforce   # a report without ids

Each step is timed end to end as `pipeline-tui import` does it: reading and planning the
file, then writing it in one transaction. Nothing here is a test; the figures go in the
README.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from pipeline_tui import importer
from pipeline_tui import operations as ops
from pipeline_tui.store import Store

TODAY = date(2026, 11, 24)
HUBSPOT = ("Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Deal currency code",
           "Close Date", "Create Date", "Last Activity Date", "Deal owner", "Associated Company",
           "Closed lost reason")  # fmt: skip
SALESFORCE = ("Opportunity Owner", "Account Name", "Opportunity Name", "Stage", "Amount Currency", "Amount",
              "Close Date", "Created Date", "Next Step", "Loss Reason")  # fmt: skip
HUBSPOT_STAGES = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled", "Contract Sent",
                  "Closed Won", "Closed Lost")  # fmt: skip
SALESFORCE_STAGES = ("Prospecting", "Qualification", "Value Proposition", "Negotiation/Review", "Closed Won",
                     "Closed Lost")  # fmt: skip
REASONS = ("Price", "Went with a competitor (Acme)", "Timing", "", "No decision")


class StepClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now.replace(microsecond=0)


def rows(fmt: str, count: int, seed: int = 1) -> list[list[str]]:
    rnd = random.Random(seed)
    out = []
    for n in range(count):
        close = date(2026, 1, 1) + timedelta(days=rnd.randint(0, 500))
        created = date(2025, 1, 1) + timedelta(days=rnd.randint(0, 300))
        company = f"Company {n % 9_973}"
        amount = f"{rnd.randint(100, 250_000)}.{n % 100:02d}"
        currency = rnd.choice(("USD", "USD", "USD", "EUR", "GBP"))
        if fmt == "hubspot":
            stage = HUBSPOT_STAGES[n % len(HUBSPOT_STAGES)]
            reason = rnd.choice(REASONS) if stage == "Closed Lost" else ""
            out.append([str(20_000_000 + n), f"Deal {n} — {company}", stage, "Sales Pipeline", amount,
                        currency, close.isoformat(), f"{created.isoformat()} 10:00", "", "Ana Okafor",
                        company, reason])  # fmt: skip
        else:
            stage = SALESFORCE_STAGES[n % len(SALESFORCE_STAGES)]
            reason = rnd.choice(REASONS) if stage == "Closed Lost" else ""
            out.append(["Ana Okafor", company, f"Deal {n} — {company}", stage, currency, amount,
                        f"{close:%m/%d/%Y}", f"{created:%m/%d/%Y}", "", reason])  # fmt: skip
    return out


def change_one_percent(fmt: str, table: list[list[str]], seed: int = 2) -> list[list[str]]:
    rnd = random.Random(seed)
    changed = [list(r) for r in table]
    stage_col, amount_col, close_col = (2, 4, 6) if fmt == "hubspot" else (3, 5, 6)
    stages = HUBSPOT_STAGES if fmt == "hubspot" else SALESFORCE_STAGES
    for i in rnd.sample(range(len(changed)), len(changed) // 100):
        what = rnd.randrange(3)
        if what == 0:
            changed[i][stage_col] = stages[(stages.index(changed[i][stage_col]) + 1) % 4]
        elif what == 1:
            changed[i][amount_col] = f"{rnd.randint(100, 250_000)}.00"
        else:
            changed[i][close_col] = "2027-06-30" if fmt == "hubspot" else "06/30/2027"
    return changed


def write(path: Path, header: tuple[str, ...], table: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(table)


def timed_import(store: Store, path: Path) -> dict[str, float | int]:
    started = time.perf_counter()
    plan = importer.plan_import(store, path)
    planned = time.perf_counter()
    done = ops.import_plan(store, plan, label=f"Imported {path.name}", today=TODAY)
    written = time.perf_counter()
    return {
        "plan_s": round(planned - started, 2),
        "write_s": round(written - planned, 2),
        "total_s": round(written - started, 2),
        "new": done.imported,
        "updated": done.updated,
        "unchanged": plan.unchanged,
        "conflicts": len(plan.conflicts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("hubspot", "salesforce"), default="hubspot")
    args = parser.parse_args()
    header = HUBSPOT if args.format == "hubspot" else SALESFORCE
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first, second = folder / "export.csv", folder / "export-next-week.csv"
        table = rows(args.format, args.rows)
        write(first, header, table)
        write(second, header, change_one_percent(args.format, table))
        with Store.open(folder / "pipeline.db", clock=StepClock()) as store:
            results = {
                "rows": args.rows,
                "format": args.format,
                "file_mb": round(first.stat().st_size / 1e6, 1),
                "import": timed_import(store, first),
                "reimport_1pct_changed": timed_import(store, second),
                "deals": store.deals.count(),
            }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Import and export speed and memory against a floor, on a CRM export of N rows.

    python benchmarks/imports.py                       # 100,000 rows, HubSpot (record ids)
    python benchmarks/imports.py --rows 1000000 --repeat 1   # the streaming figure
    python benchmarks/imports.py --format salesforce   # a report without ids

The floor is what no importer can beat: Python's csv module reading the same file and
sqlite3 inserting its raw rows into a table, in one transaction. It is taken in the same
run, so every step reads as "× floor" on whatever machine runs it. Each step also reports
its processor time (user + system) against the floor's: on a loaded machine the wall-clock
ratio drifts with the load, the processor-time one much less. The steps:

- import: `pipeline-tui import FILE` into an empty pipeline (read, plan, write);
- reimport: the same file again (every deal found, nothing changed);
- reimport_1pct: the file with 1% of its rows changed (stage, amount or close date);
- export: `pipeline-tui export deals` of the result, to a file.

Each step runs in a process of its own, so its peak memory (the process's maximum resident
set) is its own. The floor and every step run --repeat times (3; a fresh pipeline each
time) and the best time is reported, with every run's seconds beside it: a shared machine
only ever adds time, and one disturbed floor would move every ratio. Nothing here is a
test; the figures go in the issue notes and the README.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

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
GOALS = {"import": 6.0, "reimport": 4.0, "export": 4.0}  # × floor
PEAK_GOAL_MB = {100_000: 150, 1_000_000: 300}


# ------------------------------------------------------------------ the files


def rows(fmt: str, count: int, seed: int = 1):  # type: ignore[no-untyped-def]
    rnd = random.Random(seed)
    for n in range(count):
        close = date(2026, 1, 1) + timedelta(days=rnd.randint(0, 500))
        created = date(2025, 1, 1) + timedelta(days=rnd.randint(0, 300))
        company = f"Company {n % 9_973}"
        amount = f"{rnd.randint(100, 250_000)}.{n % 100:02d}"
        currency = rnd.choice(("USD", "USD", "USD", "EUR", "GBP"))
        if fmt == "hubspot":
            stage = HUBSPOT_STAGES[n % len(HUBSPOT_STAGES)]
            reason = rnd.choice(REASONS) if stage == "Closed Lost" else ""
            yield [str(20_000_000 + n), f"Deal {n} — {company}", stage, "Sales Pipeline", amount,
                   currency, close.isoformat(), f"{created.isoformat()} 10:00", "", "Ana Okafor",
                   company, reason]  # fmt: skip
        else:
            stage = SALESFORCE_STAGES[n % len(SALESFORCE_STAGES)]
            reason = rnd.choice(REASONS) if stage == "Closed Lost" else ""
            yield ["Ana Okafor", company, f"Deal {n} — {company}", stage, currency, amount,
                   f"{close:%m/%d/%Y}", f"{created:%m/%d/%Y}", "", reason]  # fmt: skip


def changed(fmt: str, table, count: int, seed: int = 2):  # type: ignore[no-untyped-def]
    """The same rows with 1% changed: stage, amount or close date."""
    rnd = random.Random(seed)
    picked = set(rnd.sample(range(count), count // 100))
    stage_col, amount_col, close_col = (2, 4, 6) if fmt == "hubspot" else (3, 5, 6)
    stages = HUBSPOT_STAGES if fmt == "hubspot" else SALESFORCE_STAGES
    for i, row in enumerate(table):
        if i in picked:
            what = rnd.randrange(3)
            if what == 0:
                row[stage_col] = stages[(stages.index(row[stage_col]) + 1) % 4]
            elif what == 1:
                row[amount_col] = f"{rnd.randint(100, 250_000)}.00"
            else:
                row[close_col] = "2027-06-30" if fmt == "hubspot" else "06/30/2027"
        yield row


def write(path: Path, header: tuple[str, ...], table) -> None:  # type: ignore[no-untyped-def]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(table)


# ------------------------------------------------------------------ one step, in its own process


def step(name: str, folder: Path, file: Path) -> dict[str, float | int]:
    """Run one step here; its seconds (the work only, not Python's start), the processor
    time it took (user + system: what a loaded machine inflates least) and peak RSS."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    extra: dict[str, float | int] = {}
    if name == "floor":
        with file.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            (folder / "floor.db").unlink(missing_ok=True)
            conn = sqlite3.connect(folder / "floor.db")
            conn.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(header)))})")
            with conn:
                conn.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * len(header))})", reader)
            conn.close()
    elif name == "export":
        from pipeline_tui.csv_io import export
        from pipeline_tui.store import Store

        with (
            Store.open(folder / "pipeline.db") as store,
            (folder / "deals.csv").open("w", encoding="utf-8", newline="") as fh,
        ):
            extra["deals"] = export(store, "deals", fh)
        extra["export_mb"] = round((folder / "deals.csv").stat().st_size / 1e6, 1)
    else:
        from pipeline_tui import importer
        from pipeline_tui import operations as ops
        from pipeline_tui.store import Store

        with Store.open(folder / "pipeline.db") as store:
            plan = importer.plan_import(store, file)
            planned = time.perf_counter()
            done = ops.import_plan(store, plan, label=f"Imported {file.name}")
            extra = {
                "plan_s": round(planned - started, 2),
                "write_s": round(time.perf_counter() - planned, 2),
                "new": done.imported,
                "updated": done.updated,
                "unchanged": plan.unchanged,
            }
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"s": round(seconds, 2), "cpu_s": round(cpu, 2), "peak_rss_mb": round(peak_kb / 1024, 1), **extra}


def run_step(name: str, folder: Path, file: Path) -> dict[str, float | int]:
    result = subprocess.run(
        [sys.executable, __file__, "--step", name, "--folder", str(folder), "--file", str(file)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PIPELINE_TUI_CONFIG": str(folder / "config.toml")},
    )
    if result.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{result.stderr}")
    return json.loads(result.stdout)


def best(runs: list[dict[str, float | int]]) -> dict[str, float | int]:
    """The run that took least time, with the highest peak memory of all runs (a figure
    the machine's load does not inflate) and every run's seconds."""
    fastest = dict(min(runs, key=lambda r: float(r["s"])))
    fastest["cpu_s"] = min(float(r["cpu_s"]) for r in runs)
    fastest["peak_rss_mb"] = max(float(r["peak_rss_mb"]) for r in runs)
    fastest["runs_s"] = [r["s"] for r in runs]  # type: ignore[assignment]
    return fastest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("hubspot", "salesforce"), default="hubspot")
    parser.add_argument("--steps", default="import,reimport,reimport_1pct,export")
    parser.add_argument("--repeat", type=int, default=3, help="runs of every step; the best is reported")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.folder, args.file)))
        return
    header = HUBSPOT if args.format == "hubspot" else SALESFORCE
    steps = args.steps.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first, second = folder / "export.csv", folder / "export-next-week.csv"
        write(first, header, rows(args.format, args.rows))
        write(second, header, changed(args.format, rows(args.format, args.rows), args.rows))
        # Every figure is the best of --repeat runs (a fresh pipeline each time), the floor's
        # too: a shared machine only ever adds time, so the least is the least disturbed.
        floors = [run_step("floor", folder, first) for _ in range(args.repeat)]
        runs: dict[str, list[dict[str, float | int]]] = {name: [] for name in steps}
        for attempt in range(args.repeat):
            work = folder / f"run-{attempt}"
            work.mkdir()
            for name in steps:
                runs[name].append(run_step(name, work, second if name == "reimport_1pct" else first))
        floor = best(floors)
        results: dict[str, object] = {
            "rows": args.rows,
            "format": args.format,
            "file_mb": round(first.stat().st_size / 1e6, 1),
            "when": datetime.now().isoformat(timespec="seconds"),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "repeat": args.repeat,
            "floor": floor,
        }
        for name in steps:
            measured = best(runs[name])
            measured["x_floor"] = round(float(measured["s"]) / max(float(floor["s"]), 0.01), 1)
            measured["x_floor_cpu"] = round(float(measured["cpu_s"]) / max(float(floor["cpu_s"]), 0.01), 1)
            goal = GOALS.get(name.split("_")[0])
            if goal is not None and name != "reimport_1pct":
                measured["goal_x_floor"] = goal
                measured["meets_goal"] = measured["x_floor"] <= goal
            peak_goal = PEAK_GOAL_MB.get(args.rows)
            if peak_goal is not None:
                measured["peak_goal_mb"] = peak_goal
                measured["peak_meets_goal"] = float(measured["peak_rss_mb"]) <= peak_goal
            results[name] = measured
            print(f"bench: {name}: {measured['s']} s ({measured['x_floor']}× floor; processor time "
                  f"{measured['x_floor_cpu']}×), peak {measured['peak_rss_mb']} MB",
                  file=sys.stderr)  # fmt: skip
        results["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

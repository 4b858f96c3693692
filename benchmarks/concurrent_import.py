"""A long import never makes a concurrent writer fail (a script run by hand, not a test).

    python benchmarks/concurrent_import.py [--rows 1000000] [--every 2]

Writes a HubSpot-style deal export of `--rows` rows, starts `pipeline-tui import` on an
empty pipeline, and while it runs starts `pipeline-tui add` every `--every` seconds, as a
person (or a script) would keep working. Each add either commits in a way that lets it in
or waits, saying so, until the import's transaction is done; none may fail. Prints one
JSON document: the import's time and result, and every add's wait, exit code and whether
it said it was waiting.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
          "contractsent", "closedwon", "closedlost")  # fmt: skip
HEADER = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date", "Associated Company"]


def write_export(path: Path, rows: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([
                str(10_000_000 + n),
                f"Deal {n}",
                rng.choice(STAGES),
                str(rng.randrange(1_000, 200_000)),
                f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                f"2026-0{rng.randrange(1, 10)}-{rng.randrange(1, 29):02d} 10:00",
                f"Company {n % 5000}",
            ])  # fmt: skip


def cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline_tui", "--db", str(db), *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between adds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pipeline-concurrent-") as folder:
        db, export = Path(folder) / "pipeline.db", Path(folder) / "deals.csv"
        written = time.perf_counter()
        write_export(export, args.rows)
        print(f"wrote {args.rows:,} rows in {time.perf_counter() - written:.1f} s", file=sys.stderr)
        subprocess.run(cli(db, "path"), check=True, capture_output=True)
        subprocess.run(cli(db, "add", "Before the import"), check=True, capture_output=True)
        env = {**os.environ, "PIPELINE_TUI_CONFIG": str(Path(folder) / "config.toml")}
        started = time.perf_counter()
        importing = subprocess.Popen(cli(db, "import", str(export)), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
        adds: list[dict[str, object]] = []
        running: list[tuple[int, float, subprocess.Popen[str]]] = []
        finished: dict[int, float] = {}

        def reap() -> None:
            for number, _, proc in running:
                if number not in finished and proc.poll() is not None:
                    finished[number] = time.perf_counter()

        n = 0
        next_add = time.perf_counter() + args.every
        while importing.poll() is None:
            time.sleep(0.05)
            reap()
            if time.perf_counter() >= next_add:
                n += 1
                next_add += args.every
                argv = cli(db, "add", f"Added during the import {n}")
                proc = subprocess.Popen(
                    argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
                )
                running.append((n, time.perf_counter(), proc))
        import_s = time.perf_counter() - started
        out, err = importing.communicate()
        while len(finished) < len(running):
            time.sleep(0.05)
            reap()
        for number, began, proc in running:
            _, stderr = proc.communicate()
            adds.append({
                "add": number,
                "exit": proc.returncode,
                "took_s": round(finished[number] - began, 2),
                "said_it_waited": "Waiting for another process" in stderr,
                "error": stderr.strip().splitlines()[-1] if proc.returncode else "",
            })  # fmt: skip
        # An add's own time, measured without the import: what a wait adds to it.
        alone = time.perf_counter()
        subprocess.run(cli(db, "add", "After the import"), check=True, capture_output=True, env=env)
        alone_s = time.perf_counter() - alone
        count = subprocess.run(cli(db, "list", "--json"), capture_output=True, text=True, env=env)
        deals = len(json.loads(count.stdout)) if count.returncode == 0 else None
    print(json.dumps({
        "rows": args.rows,
        "import_s": round(import_s, 1),
        "import_exit": importing.returncode,
        "import_said": out.strip().splitlines()[-1:] + err.strip().splitlines()[-1:],
        "adds_started": len(adds),
        "adds_failed": sum(1 for a in adds if a["exit"] != 0),
        "adds_that_said_they_waited": sum(1 for a in adds if a["said_it_waited"]),
        "longest_add_s": max((float(a["took_s"]) for a in adds), default=None),  # type: ignore[arg-type]
        "one_add_alone_s": round(alone_s, 2),
        "deals_at_the_end": deals,
        "adds": adds,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""One review decision on a large register: `crmsheet review --approve`.

Run by bench/review.sh after the release build. Makes (and caches in
bench/data/) a clean register of --rows entry rows holding about 50 pending
entries: examples/bench_make with --defect-rate 0 --pending-every 80, then
`crmsheet merge` of it into a new register, so the register is what merge
writes (approved updates applied, rejected rows logged and gone). Then, --runs
times, on a fresh copy each time: `crmsheet review --register COPY --approve
entry:N --reviewer 李娜` of the oldest pending entry, under /usr/bin/time -v.
Writes the "review" section of bench/RESULTS.md (the other sections stay).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sections import put_section  # bench/sections.py: one section per leg

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench/data"
AS_OF = "2026-11-30"


def timed(cmd: list[str]) -> dict:
    """Wall, CPU (user+sys) and peak RSS of one command, from GNU time."""
    report = DATA / "review-time.txt"
    start = time.monotonic()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", "-o", str(report), *cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.monotonic() - start
    fields = {}
    for line in report.read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    if proc.returncode != 0:
        sys.exit(f"bench: error: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    return {
        "wall": wall,
        "cpu": float(fields["User time (seconds)"]) + float(fields["System time (seconds)"]),
        "rss": int(fields["Maximum resident set size (kbytes)"]) / 1024,
        "out": proc.stdout,
    }


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000, help="entry rows of the register (default 100000)")
    p.add_argument("--runs", type=int, default=5, help="timed approvals (default 5)")
    p.add_argument("--crmsheet", type=Path, default=ROOT / "target/release/crmsheet", help="the binary to time")
    p.add_argument("--label", default="", help="a note for the table row (e.g. 'before')")
    p.add_argument("--out", type=Path, default=ROOT / "bench/RESULTS.md", help="where the section goes")
    args = p.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    crm = str(args.crmsheet)

    made = DATA / f"review-made-{args.rows}.xlsx"
    register = DATA / f"review-{args.rows}.xlsx"
    if not register.exists():
        print(f"bench: making {register.relative_to(ROOT)}", flush=True)
        subprocess.run(
            [str(ROOT / "target/release/examples/bench_make"), "--rows", str(args.rows), "--out", str(made),
             "--defect-rate", "0", "--pending-every", "80"],
            check=True, stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [crm, "merge", str(made), "-o", str(register), "--force", "--as-of", AS_OF],
            check=True, stdout=subprocess.DEVNULL,
        )
    queue = subprocess.run(
        [crm, "review", "--register", str(register), "--as-of", AS_OF, "--format", "json"],
        check=True, capture_output=True, text=True,
    )
    pending = json.loads(queue.stdout)["pending"]
    row = next(r["row"] for r in pending if r["row"].startswith("entry:"))

    copy = DATA / "review-copy.xlsx"
    runs = []
    loads = []
    for i in range(args.runs):
        shutil.copyfile(register, copy)
        for leftover in [DATA / "review-copy.xlsx.bak"]:
            leftover.unlink(missing_ok=True)
        loads.append(os.getloadavg()[0])
        run = timed([crm, "review", "--register", str(copy), "--approve", row,
                     "--reviewer", "李娜", "--as-of", AS_OF, "--lang", "en"])
        print(f"bench: run {i + 1}: {run['wall']:.2f} s wall, {run['cpu']:.2f} s CPU, "
              f"{run['rss']:.0f} MiB", flush=True)
        runs.append(run)
    wall = [r["wall"] for r in runs]
    cpu = [r["cpu"] for r in runs]
    rss = max(r["rss"] for r in runs)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    label = f" ({args.label})" if args.label else ""
    line = (f"| {now}{label} | {commit} | {args.runs} | {statistics.median(wall):.2f} s "
            f"({min(wall):.2f}–{max(wall):.2f}) | {statistics.median(cpu):.2f} s | {rss:.0f} MiB | "
            f"{statistics.median(loads):.2f} |")
    print(line)

    # Rows of earlier runs stay (before/after); this run's row is added.
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    rows = []
    if "<!-- bench:review -->" in old:
        section = old.split("<!-- bench:review -->", 1)[1].split("<!-- /bench:review -->", 1)[0]
        rows = [r for r in section.splitlines() if r.startswith("| 20")]
    rows.append(line)
    text = "\n".join([
        f"## Review: one approval on a {args.rows:,}-row register",
        "",
        f"`bench/review.sh --rows {args.rows} --runs N`: `crmsheet review --register R --approve "
        f"{row} --reviewer 李娜 --as-of {AS_OF}` on a fresh copy of a register of {args.rows:,} entry "
        f"rows made by merge ({len(pending)} pending rows); release build; /usr/bin/time -v. "
        "Wall and CPU (user+sys) are medians of the runs, the range in brackets; peak RSS is the "
        "largest of the runs. Load is the median 1-minute load average before each run: the "
        "machine (2 cores) was shared with other builds, so wall times move; CPU is steadier.",
        "",
        "| when | commit | runs | wall | CPU | peak RSS | load |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])
    put_section(args.out, "review", text)
    print(f"bench: wrote the review section of {args.out}", flush=True)
    copy.unlink(missing_ok=True)
    (DATA / "review-copy.xlsx.bak").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

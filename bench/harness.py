#!/usr/bin/env python3
"""Benchmark harness: crmsheet validate against the floor and Frictionless.

Called by bench/run.sh after the release build and the Frictionless venv are in
place; see bench/README.md. Makes the registers (cached in bench/data/), runs the
three legs alternately under `/usr/bin/time -v`, and writes the results as
Markdown. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sections import put_section  # bench/sections.py: one section per leg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
OUT = DATA / "out"
LOGS = DATA / "logs"
RELEASE = ROOT / "target" / "release"
CRMSHEET = RELEASE / "crmsheet"
BENCH_MAKE = RELEASE / "examples" / "bench_make"
BENCH_FLOOR = RELEASE / "examples" / "bench_floor"
FRICTIONLESS = BENCH / ".venv" / "bin" / "frictionless"
TEMPLATE = ROOT / "templates" / "customer-register.toml"
PROFILE = BENCH / "PROFILE.md"
GNU_TIME = "/usr/bin/time"

AS_OF = "2026-11-30"
MIB = 1024 * 1024
LEGS = ("crmsheet", "floor", "frictionless")
# The targets, by entry-row count.
WALL_RATIO_TARGET = 1.2
RSS_EXTRA_TARGET_MIB = {100_000: 64}
RSS_RATIO_TARGET = {1_048_575: 2.0}
WALL_TARGET_SIZES = (100_000, 1_048_575)
# CPU time is what counts when the second core is busy (several files, the desk
# checking uploads side by side): validate's user+sys against the floor's.
CPU_RATIO_TARGET = 1.4
# Both cores busy: two validates of different registers at once against two
# floors at once (the slower of each pair), at these sizes.
BUSY_WALL_RATIO_TARGET = 1.4
BUSY_SIZES = (100_000, 1_048_575)
MERGE_RSS_TARGET_MIB = 1024
MERGE_TARGET_SIZE = 1_048_575


# Other work on the machine inflates wall times, and RESULTS.md says how much
# there was: the share of the machine's CPU time used while the harness waits
# half a second before each measured command (nothing of the benchmark runs
# then), and the 1-minute load average (which also counts the benchmark's own
# previous commands, so it is about 1 even on an idle machine).
BUSY: list[float] = []
LOADS: list[float] = []


def busy_share(seconds: float = 0.5) -> float | None:
    """Share of all cores' time spent on other work over `seconds` (Linux)."""
    def snapshot() -> tuple[int, int]:
        with open("/proc/stat") as f:
            # user nice system idle iowait irq softirq steal (guest is in user)
            fields = [int(x) for x in f.readline().split()[1:9]]
        return sum(fields), fields[3] + fields[4]
    try:
        total0, idle0 = snapshot()
        time.sleep(seconds)
        total1, idle1 = snapshot()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return None if total <= 0 else max(0.0, 1 - (idle1 - idle0) / total)


class HarnessError(Exception):
    """A step that cannot go on; printed as one line and exit 2."""


def rel(path: Path) -> str:
    """A path as written in the results: relative to the repository."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/run.sh",
        description="Time crmsheet validate against the floor (bare calamine) "
        "and Frictionless on generated registers; write bench/RESULTS.md.",
    )
    p.add_argument(
        "--sizes",
        default="10000,100000,1048575",
        help="entry-row counts, comma-separated (default: %(default)s)",
    )
    p.add_argument("--runs", type=int, default=3, help="timed runs per leg and size (default: 3)")
    p.add_argument(
        "--smoke",
        action="store_true",
        help="10,000 rows, 1 run, no targets; results to bench/data/RESULTS-smoke.md (what CI runs)",
    )
    p.add_argument(
        "--skip-frictionless-above",
        type=int,
        metavar="N",
        help="do not run Frictionless on registers of more than N entry rows",
    )
    p.add_argument(
        "--frictionless-timeout",
        type=float,
        default=1800,
        metavar="SECONDS",
        help="stop a Frictionless run after this long and record it as timed out (default: 1800)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=1800,
        metavar="SECONDS",
        help="the same for crmsheet and the floor (default: 1800)",
    )
    p.add_argument("--seed", type=int, default=42, help="seed of the generated registers (default: 42)")
    p.add_argument("--regenerate", action="store_true", help="make the registers again even if cached")
    p.add_argument(
        "--table-schema",
        type=Path,
        metavar="PATH",
        help="give Frictionless this Table Schema instead of the one "
        "`crmsheet schema --format table-schema` exports (only to check the harness)",
    )
    p.add_argument(
        "--no-crmsheet",
        action="store_true",
        help="measure only the floor and Frictionless (to check the harness before "
        "validate exists); results go to bench/data/RESULTS-partial.md",
    )
    p.add_argument("--out", type=Path, help="where to write the results (default: bench/RESULTS.md)")
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes = "10000"
        args.runs = 1
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        p.error(f"--sizes: not a list of numbers: {args.sizes!r}")
    if not args.sizes or any(not 1 <= s <= 1_048_575 for s in args.sizes):
        p.error("--sizes: each size must be between 1 and 1048575")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.out is None:
        if args.smoke:
            args.out = DATA / "RESULTS-smoke.md"
        elif args.no_crmsheet or args.table_schema:
            args.out = DATA / "RESULTS-partial.md"
        else:
            args.out = BENCH / "RESULTS.md"
    return args


# --------------------------------------------------------------------------
# Running a command under /usr/bin/time -v


def parse_gnu_time(text: str) -> dict:
    """Wall time (s), peak RSS (KiB) and exit status from `/usr/bin/time -v` output."""
    result: dict = {}
    for line in text.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if not key:
            continue
        if key.startswith("Elapsed (wall clock) time"):
            seconds = 0.0
            for part in value.strip().split(":"):
                seconds = seconds * 60 + float(part)
            result["wall"] = seconds
        elif key in ("User time (seconds)", "System time (seconds)"):
            result["cpu"] = result.get("cpu", 0.0) + float(value)
        elif key == "Maximum resident set size (kbytes)":
            result["rss_kib"] = int(value)
        elif key == "Exit status":
            result["exit"] = int(value)
    m = re.search(r"Command terminated by signal (\d+)", text)
    if m:
        result["signal"] = int(m.group(1))
    return result


def measure(cmd: list[str], stdout: Path | None, timeout: float, log_name: str) -> dict:
    """Runs `cmd` once under `/usr/bin/time -v`.

    Returns wall (s), rss_kib, exit, and timed_out; stderr goes to bench/data/logs/.
    On a timeout the whole process group is killed (the command, and GNU time).
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    busy = busy_share()
    if busy is not None:
        BUSY.append(busy)
    if hasattr(os, "getloadavg"):
        LOADS.append(os.getloadavg()[0])
    stderr_path = LOGS / f"{log_name}.stderr"
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_path = Path(tf.name)
    try:
        with open(stdout, "wb") if stdout else open(os.devnull, "wb") as out, open(
            stderr_path, "wb"
        ) as err:
            proc = subprocess.Popen(
                [GNU_TIME, "-v", "-o", str(time_path), *cmd],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return {"timed_out": True, "timeout": timeout, "stderr": stderr_path}
        parsed = parse_gnu_time(time_path.read_text(errors="replace"))
    finally:
        time_path.unlink(missing_ok=True)
    if "wall" not in parsed or "rss_kib" not in parsed:
        raise HarnessError(f"could not read /usr/bin/time output for: {' '.join(cmd)}")
    parsed.setdefault("exit", proc.returncode)
    parsed["timed_out"] = False
    parsed["stderr"] = stderr_path
    return parsed


def measure_together(cmds: list[list[str]], timeout: float, log_name: str) -> dict:
    """Runs `cmds` at the same time, each under `/usr/bin/time -v`.

    Returns wall (s, the slowest), cpu (s, all together), rss_kib (the largest),
    the exit codes and timed_out: what a machine with every core busy sees.
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    busy = busy_share()
    if busy is not None:
        BUSY.append(busy)
    running = []
    for i, cmd in enumerate(cmds):
        with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
            time_path = Path(tf.name)
        stderr_path = LOGS / f"{log_name}-{i + 1}.stderr"
        with open(os.devnull, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen([GNU_TIME, "-v", "-o", str(time_path), *cmd], stdout=out,
                                    stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT,
                                    start_new_session=True)
        running.append((proc, time_path, stderr_path))
    deadline = time.monotonic() + timeout
    timed_out = False
    parsed = []
    try:
        for proc, time_path, stderr_path in running:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
        if timed_out:
            for proc, _, _ in running:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            return {"timed_out": True, "timeout": timeout, "stderr": running[0][2]}
        for proc, time_path, stderr_path in running:
            one = parse_gnu_time(time_path.read_text(errors="replace"))
            if "wall" not in one or "rss_kib" not in one:
                raise HarnessError(f"could not read /usr/bin/time output for: {log_name}")
            one.setdefault("exit", proc.returncode)
            one["stderr"] = stderr_path
            parsed.append(one)
    finally:
        for _, time_path, _ in running:
            time_path.unlink(missing_ok=True)
    return {
        "timed_out": False,
        "wall": max(p["wall"] for p in parsed),
        "cpu": sum(p.get("cpu", 0.0) for p in parsed),
        "rss_kib": max(p["rss_kib"] for p in parsed),
        "exit": max(p["exit"] for p in parsed),
        "stderr": parsed[0]["stderr"],
    }


def error_line(text: str) -> str:
    """The line of a command's stderr that says what went wrong: crmsheet's and
    clap's own error line if there is one, else the last line (a Python
    traceback ends with its exception)."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for line in lines:
        if line.startswith(("crmsheet:", "error:", "Error:")):
            return line
    return lines[-1] if lines else "(no message)"


def last_line(path: Path) -> str:
    try:
        return error_line(path.read_text(errors="replace"))
    except OSError:
        return "(no message)"


def run_text(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)


# --------------------------------------------------------------------------
# The registers


def register_path(rows: int, clean: bool = False, twin: bool = False) -> Path:
    """The register of `rows` entry rows; `twin` is a second one of the same size
    (the next seed), for the leg that runs two at once."""
    suffix = "-clean" if clean else "-twin" if twin else ""
    return DATA / f"register-{rows}{suffix}.xlsx"


def make_register(rows: int, seed: int, regenerate: bool, clean: bool = False,
                  twin: bool = False) -> dict:
    """Makes (or reuses) a register; returns the generator's planted-json plus its cost."""
    path = register_path(rows, clean, twin)
    meta_path = path.with_suffix(".json")
    fresh = (
        not regenerate
        and path.is_file()
        and meta_path.is_file()
        and path.stat().st_mtime >= BENCH_MAKE.stat().st_mtime
    )
    if fresh:
        meta = json.loads(meta_path.read_text())
        if meta.get("seed") == seed and meta.get("entry_rows") == rows:
            meta["cached"] = True
            return meta
    what = "clean register" if clean else "second register" if twin else "register"
    print(f"bench: making {what} of {rows:,} entry rows -> {rel(path)}", flush=True)
    stdout = LOGS / f"make-{path.stem}.stdout"
    LOGS.mkdir(parents=True, exist_ok=True)
    cmd = [str(BENCH_MAKE), "--rows", str(rows), "--out", str(path), "--seed", str(seed)]
    if clean:
        cmd += ["--defect-rate", "0"]
    m = measure(cmd, stdout, 3600, f"make-{path.stem}")
    if m["timed_out"] or m["exit"] != 0:
        raise HarnessError(f"bench_make failed for {rows} rows: {last_line(m['stderr'])}")
    text = stdout.read_text()
    planted = next(
        (l.split(" ", 1)[1] for l in text.splitlines() if l.startswith("planted-json ")), None
    )
    if planted is None:
        raise HarnessError("bench_make printed no planted-json line")
    meta = json.loads(planted)
    meta["make_wall"] = m["wall"]
    meta["make_rss_kib"] = m["rss_kib"]
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1))
    meta["cached"] = False
    return meta


# --------------------------------------------------------------------------
# The legs


def crmsheet_cmd(*args: str) -> list[str]:
    # The definition is given explicitly, so a crmsheet.toml or $CRMSHEET_SCHEMA
    # on the machine cannot change what is measured.
    return [str(CRMSHEET), "--schema", str(TEMPLATE), *args]


def validate_cmd(path: Path) -> list[str]:
    return crmsheet_cmd("validate", str(path), "--format", "json", "--as-of", AS_OF)


def frictionless_cmd(path: Path, sheet: str, schema: Path) -> list[str]:
    # --trusted: Frictionless refuses absolute paths without it. --limit-errors
    # far above any finding count, so it reads every row instead of stopping at
    # its default 1000 errors.
    return [
        str(FRICTIONLESS), "validate", str(path), "--trusted",
        "--sheet", sheet, "--schema", str(schema),
        "--limit-errors", "1000000000", "--json",
    ]  # fmt: skip


def read_frictionless_report(path: Path) -> dict:
    """Rows read and errors by type from Frictionless's --json report."""
    try:
        report = json.loads(path.read_text())
        task = report["tasks"][0]
    except (OSError, ValueError, KeyError, IndexError) as e:
        raise HarnessError(f"Frictionless wrote no readable report ({rel(path)}): {e}")
    by_type: dict[str, int] = {}
    for error in task.get("errors", []):
        by_type[error.get("type", "?")] = by_type.get(error.get("type", "?"), 0) + 1
    fatal = [e for e in task.get("errors", []) if e.get("type", "").endswith(
        ("resource-error", "format-error", "scheme-error", "schema-error", "source-error", "encoding-error")
    )]  # fmt: skip
    if fatal:
        raise HarnessError(f"Frictionless could not validate the file: {fatal[0].get('note') or fatal[0]}")
    return {"rows": task.get("stats", {}).get("rows"), "errors": by_type}


def check_validate(path: Path) -> dict:
    """One untimed validate run, kept as JSON: proves the command works (and warms
    the page cache); its findings are compared with what was planted."""
    report = OUT / f"validate-{path.stem}.json"
    m = measure(validate_cmd(path), report, 3600, f"validate-check-{path.stem}")
    if m["timed_out"] or m["exit"] not in (0, 1):
        raise HarnessError(
            "crmsheet validate does not work on this build "
            f"(exit {m.get('exit')}): {last_line(m['stderr'])} — no figures are taken without it "
            "(--no-crmsheet measures the floor and Frictionless alone, into bench/data/)"
        )
    try:
        summary = json.loads(report.read_text())["summary"]
    except (OSError, ValueError, KeyError) as e:
        raise HarnessError(f"crmsheet validate --format json printed no summary ({rel(report)}): {e}")
    return summary


def export_table_schema() -> Path:
    target = DATA / "entry.schema.json"
    proc = run_text(crmsheet_cmd("schema", "--format", "table-schema", "--sheet", "entry"))
    if proc.returncode != 0:
        last = error_line(proc.stderr)
        raise HarnessError(
            f"`crmsheet schema --format table-schema --sheet entry` failed (exit {proc.returncode}): "
            f"{last} — the Frictionless leg needs the exported Table Schema"
        )
    try:
        schema = json.loads(proc.stdout)
        assert isinstance(schema.get("fields"), list) and schema["fields"]
    except (ValueError, AssertionError, AttributeError):
        raise HarnessError("`crmsheet schema --format table-schema` printed no Table Schema with fields")
    target.write_text(proc.stdout)
    return target


# --------------------------------------------------------------------------
# Statistics and Markdown


def fmt_secs(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s:.2f} s" if s < 100 else f"{s:.0f} s"


def fmt_mib(kib: int | None) -> str:
    return "—" if kib is None else f"{kib / 1024:.0f} MiB"


def fmt_int(n: float | None) -> str:
    return "—" if n is None else f"{n:,.0f}"


def summarise(runs: list[dict]) -> dict:
    done = [r for r in runs if not r["timed_out"]]
    if not done:
        return {"runs": len(runs), "done": 0}
    walls = [r["wall"] for r in done]
    return {
        "runs": len(runs),
        "done": len(done),
        "wall": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "rss_kib": max(r["rss_kib"] for r in done),
        "cpu": statistics.median(r.get("cpu", 0.0) for r in done),
        "exits": sorted({r["exit"] for r in done}),
    }


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    commit = run_text(["git", "rev-parse", "--short", "HEAD"]).stdout.strip() or "unknown"
    if run_text(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip():
        commit += " (with uncommitted changes)"
    rustc = run_text(["rustc", "--version"]).stdout.strip() or "unknown"
    fr = run_text([str(FRICTIONLESS), "--version"]) if FRICTIONLESS.exists() else None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "mem_mib": mem,
        "os": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "rustc": rustc,
        "python": platform.python_version(),
        "frictionless": (fr.stdout.strip() if fr and fr.returncode == 0 else "not installed"),
    }


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def write_results(args, info: dict, sizes: list[dict], extra: list[dict], notes: list[str]) -> str:
    out: list[str] = []
    w = out.append
    title = "Benchmark results"
    if args.smoke:
        title += " (smoke run: no targets)"
    elif args.no_crmsheet or args.table_schema:
        title += " (partial: checks the harness, not crmsheet)"
    w(f"# {title}\n")
    w("Written by `bench/run.sh` (see `bench/README.md`); do not edit by hand.\n")
    w(f"- Machine: {info['nproc']} cores ({info['cpu']}), "
      f"{fmt_int(info['mem_mib'])} MiB memory, {info['os']}")
    w(f"- Date: {info['date']}; crmsheet commit {info['commit']}; {info['rustc']}")
    if BUSY:
        w(f"- Other work on the machine, in the half second before each measured command: "
          f"median {statistics.median(BUSY):.0%}, max {max(BUSY):.0%} of its "
          f"{info['nproc']} cores' time (above a few percent, wall times are inflated)")
    if LOADS:
        w(f"- Load average (1 min) before each measured command: median "
          f"{statistics.median(LOADS):.1f}, max {max(LOADS):.1f} (it counts the benchmark's "
          "own previous commands too)")
    w(f"- Frictionless {info['frictionless']} (Python {info['python']})")
    w(f"- Runs per leg and size: {args.runs}, alternating; median wall time; peak RSS is the "
      f"largest of the runs (`/usr/bin/time -v`); validation date `--as-of {AS_OF}`")
    w("- Legs: **crmsheet** = `crmsheet validate FILE --format json --as-of "
      f"{AS_OF}` (all rules, both data sheets); **floor** = `bench_floor FILE` (calamine opens the "
      "workbook and streams every cell of every sheet once); **Frictionless** = `frictionless "
      "validate FILE --sheet <entry sheet> --schema <Table Schema> --limit-errors 1000000000` "
      "(entry sheet only, Table Schema constraints only)")
    w("- Rows/s counts the rows each leg reads: entry + update rows for crmsheet and the floor, "
      "entry rows for Frictionless. CPU is the median user+sys time: less sensitive than wall "
      "time to other work on the machine, and above wall time when a leg uses both cores.\n")
    for note in notes:
        w(f"> {note}\n")

    targets: list[tuple[str, str, bool | None]] = []
    for s in sizes:
        rows = s["rows"]
        meta = s["meta"]
        w(f"## {rows:,} entry rows (+{meta['update_rows']:,} update rows)\n")
        made = "cached" if meta.get("cached") else "made in this run"
        w(f"File `{rel(s['path'])}`: {s['bytes'] / MIB:.1f} MiB, seed {meta['seed']}, "
          f"{meta['total']:,} planted defects; generator: {fmt_secs(meta.get('make_wall'))}, "
          f"peak RSS {fmt_mib(meta.get('make_rss_kib'))} ({made}).\n")
        w("| leg | median wall | range | CPU (user+sys) | peak RSS | rows/s | exit |")
        w("|---|---|---|---|---|---|---|")
        for leg in LEGS:
            st = s["legs"].get(leg)
            if st is None:
                w(f"| {leg} | not run | | | | | |")
                continue
            if st.get("skipped"):
                w(f"| {leg} | skipped: {st['skipped']} | | | | | |")
                continue
            if st["done"] == 0:
                w(f"| {leg} | timed out after {st['timeout']:.0f} s | | | | | |")
                continue
            leg_rows = rows if leg == "frictionless" else rows + meta["update_rows"]
            rate = leg_rows / st["wall"] if st["wall"] > 0 else None
            timed_out = st["runs"] - st["done"]
            rng = f"{fmt_secs(st['wall_min'])} – {fmt_secs(st['wall_max'])}"
            if timed_out:
                rng += f" ({timed_out} timed out)"
            w(f"| {leg} | {fmt_secs(st['wall'])} | {rng} | {fmt_secs(st['cpu'])} | {fmt_mib(st['rss_kib'])} | "
              f"{fmt_int(rate)} | {', '.join(map(str, st['exits']))} |")
        w("")
        crm, floor, fr = (s["legs"].get(leg) for leg in LEGS)
        have = lambda st: st is not None and not st.get("skipped") and st.get("done", 0) > 0  # noqa: E731
        ratios = []
        if have(crm) and have(floor):
            wall_ratio = crm["wall"] / floor["wall"]
            cpu_ratio = crm["cpu"] / floor["cpu"] if floor["cpu"] > 0 else float("inf")
            rss_ratio = crm["rss_kib"] / floor["rss_kib"]
            extra_mib = (crm["rss_kib"] - floor["rss_kib"]) / 1024
            ratios.append(f"crmsheet/floor: wall **{wall_ratio:.2f}×**, CPU **{cpu_ratio:.2f}×**, "
                          f"peak RSS **{rss_ratio:.2f}×** ({extra_mib:+.0f} MiB)")
            if not args.smoke:
                if rows in WALL_TARGET_SIZES:
                    targets.append((f"{rows:,} rows: crmsheet wall ≤ {WALL_RATIO_TARGET}× floor",
                                    f"{wall_ratio:.2f}×", wall_ratio <= WALL_RATIO_TARGET))
                    targets.append((f"{rows:,} rows: crmsheet CPU ≤ {CPU_RATIO_TARGET}× floor",
                                    f"{cpu_ratio:.2f}×", cpu_ratio <= CPU_RATIO_TARGET))
                if rows in RSS_EXTRA_TARGET_MIB:
                    limit = RSS_EXTRA_TARGET_MIB[rows]
                    targets.append((f"{rows:,} rows: crmsheet peak RSS ≤ floor + {limit} MiB",
                                    f"{extra_mib:+.0f} MiB", extra_mib <= limit))
                if rows in RSS_RATIO_TARGET:
                    limit = RSS_RATIO_TARGET[rows]
                    targets.append((f"{rows:,} rows: crmsheet peak RSS ≤ {limit:g}× floor",
                                    f"{rss_ratio:.2f}×", rss_ratio <= limit))
        if have(crm) and have(fr):
            ratios.append(f"Frictionless/crmsheet: wall **{fr['wall'] / crm['wall']:.1f}×**, "
                          f"peak RSS **{fr['rss_kib'] / crm['rss_kib']:.1f}×**")
        elif have(crm) and fr is not None and not fr.get("skipped") and fr.get("done") == 0:
            ratios.append(f"Frictionless/crmsheet: more than **{fr['timeout'] / crm['wall']:.0f}×** "
                          f"(Frictionless timed out after {fr['timeout']:.0f} s)")
        busy = s.get("busy")
        if busy and have(busy.get("crmsheet")) and have(busy.get("floor")):
            bc, bf = busy["crmsheet"], busy["floor"]
            busy_ratio = bc["wall"] / bf["wall"]
            ratios.append(f"Both cores busy (two at once, the slower of each pair): crmsheet "
                          f"{fmt_secs(bc['wall'])} (CPU {fmt_secs(bc['cpu'])} for both), floor "
                          f"{fmt_secs(bf['wall'])} (CPU {fmt_secs(bf['cpu'])}): wall "
                          f"**{busy_ratio:.2f}×**")
            targets.append((f"{rows:,} rows, both cores busy: crmsheet wall ≤ "
                            f"{BUSY_WALL_RATIO_TARGET}× floor", f"{busy_ratio:.2f}×",
                            busy_ratio <= BUSY_WALL_RATIO_TARGET))
        for r in ratios:
            w(f"- {r}")
        if ratios:
            w("")
        if s.get("frictionless_report"):
            rep = s["frictionless_report"]
            errs = ", ".join(f"{k} {v:,}" for k, v in sorted(rep["errors"].items())) or "none"
            read_all = "every row" if rep["rows"] == rows else f"**only {fmt_int(rep['rows'])} rows**"
            w(f"Frictionless read {read_all} ({fmt_int(rep['rows'])}) and reported: {errs}.\n")
        if s.get("validate_summary") is not None:
            found = s["validate_summary"].get("by_rule", {})
            planted = meta.get("by_rule", {})
            read = s["validate_summary"].get("rows")
            expected = rows + meta["update_rows"]
            if read == expected:
                w(f"crmsheet validate read every row ({expected:,}).\n")
            else:
                w(f"crmsheet validate reported **{fmt_int(read)} rows** of {expected:,}.\n")
            w("Findings of crmsheet validate against the defects planted by `bench_make` "
              "(each planted defect is meant to raise one finding; clean rows none):\n")
            w("| rule | planted | found |")
            w("|---|---|---|")
            for rule in sorted(set(found) | set(planted)):
                p, f = planted.get(rule, 0), found.get(rule, 0)
                mark = "" if p == f else " ⚠"
                w(f"| {rule} | {p:,} | {f:,}{mark} |")
            w(f"| total | {meta['total']:,} | {sum(found.values()):,} |")
            w("")

    if extra:
        w("## merge and annotate\n")
        w("| command | rows | wall | peak RSS | exit |")
        w("|---|---|---|---|---|")
        for e in extra:
            if e.get("skipped"):
                w(f"| `{e['name']}` | {e['rows']:,} | skipped: {e['skipped']} | | |")
                continue
            m = e["measure"]
            if m["timed_out"]:
                w(f"| `{e['name']}` | {e['rows']:,} | timed out after {m['timeout']:.0f} s | | |")
                continue
            w(f"| `{e['name']}` | {e['rows']:,} | {fmt_secs(m['wall'])} | {fmt_mib(m['rss_kib'])} | "
              f"{m['exit']}{' — ' + e['note'] if e.get('note') else ''} |")
            if not args.smoke and e["rows"] == MERGE_TARGET_SIZE:
                ok = m["exit"] in e["ok_exits"] and m["rss_kib"] <= MERGE_RSS_TARGET_MIB * 1024
                targets.append((f"{e['rows']:,} rows: `{e['name']}` peak RSS ≤ 1 GiB",
                                fmt_mib(m["rss_kib"]), ok))
        w("")

    if not args.smoke:
        w("## Targets\n")
        if targets:
            w("| target | measured | |")
            w("|---|---|---|")
            for name, value, ok in targets:
                w(f"| {name} | {value} | {verdict(ok)} |")
        else:
            w("No target applies to the sizes measured in this run.")
        w("")
    if PROFILE.is_file() and not args.smoke:
        # Where the time goes is profiled by hand (bench/PROFILE.md says how);
        # it belongs next to the figures, so every run carries it over.
        w(PROFILE.read_text().rstrip())
        w("")
    return "\n".join(out)


# --------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not Path(GNU_TIME).is_file():
        raise HarnessError("GNU time is missing at /usr/bin/time (Debian: apt-get install time)")
    for path in (BENCH_MAKE, BENCH_FLOOR) + (() if args.no_crmsheet else (CRMSHEET,)):
        if not path.is_file():
            raise HarnessError(f"{rel(path)} is missing: run bench/run.sh (it builds it)")
    DATA.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []

    # Frictionless and the Table Schema it checks against.
    use_frictionless = FRICTIONLESS.is_file()
    if not use_frictionless:
        raise HarnessError(f"{rel(FRICTIONLESS)} is missing: run bench/run.sh (it installs it)")
    if args.table_schema:
        schema = args.table_schema.resolve()
        notes.append(f"Frictionless used the Table Schema `{args.table_schema.name}` given with "
                     "--table-schema, not the one crmsheet exports.")
    else:
        schema = export_table_schema()
    if args.no_crmsheet:
        notes.append("crmsheet validate was not measured (--no-crmsheet): these figures only "
                     "check the harness.")

    metas = {rows: make_register(rows, args.seed, args.regenerate) for rows in args.sizes}
    sizes: list[dict] = []
    for rows in args.sizes:
        meta = metas[rows]
        path = register_path(rows)
        entry_sheet = meta["entry_sheet"]
        # Warm the page cache so the first timed run does not pay for the disk.
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass
        size = {"rows": rows, "meta": meta, "path": path, "bytes": path.stat().st_size, "legs": {}}
        if not args.no_crmsheet:
            print(f"bench: {rows:,} rows: checking crmsheet validate (untimed)", flush=True)
            size["validate_summary"] = check_validate(path)
        skip_fr = args.skip_frictionless_above is not None and rows > args.skip_frictionless_above
        legs = [l for l in LEGS if not (l == "crmsheet" and args.no_crmsheet)]
        runs: dict[str, list[dict]] = {leg: [] for leg in legs}
        fr_gave_up = False
        for i in range(args.runs):
            # Rotate the order so no leg always runs first (or always after another).
            order = legs[i % len(legs):] + legs[: i % len(legs)]
            for leg in order:
                if leg == "frictionless" and (skip_fr or fr_gave_up):
                    continue
                label = f"{leg}-{rows}-run{i + 1}"
                print(f"bench: {rows:,} rows: {leg} run {i + 1}/{args.runs}", flush=True)
                if leg == "crmsheet":
                    m = measure(validate_cmd(path), None, args.timeout, label)
                    ok = m["timed_out"] or m["exit"] in (0, 1)
                elif leg == "floor":
                    m = measure([str(BENCH_FLOOR), str(path)], OUT / f"floor-{rows}.txt",
                                args.timeout, label)
                    ok = m["timed_out"] or m["exit"] == 0
                else:
                    report = OUT / f"frictionless-{rows}.json"
                    m = measure(frictionless_cmd(path, entry_sheet, schema), report,
                                args.frictionless_timeout, label)
                    ok = True
                    if m["timed_out"]:
                        # It would time out again: record it once and move on.
                        fr_gave_up = True
                        m["timeout"] = args.frictionless_timeout
                    else:
                        size["frictionless_report"] = read_frictionless_report(report)
                        ok = m["exit"] in (0, 1)
                if not ok:
                    raise HarnessError(f"{leg} failed on {rel(path)} (exit {m['exit']}): "
                                       f"{last_line(m['stderr'])}")
                if m["timed_out"]:
                    print(f"bench:   timed out after {m['timeout']:.0f} s", flush=True)
                else:
                    print(f"bench:   {m['wall']:.2f} s, {m['rss_kib'] / 1024:.0f} MiB", flush=True)
                runs[leg].append(m)
        if not args.smoke and not args.no_crmsheet and rows in BUSY_SIZES:
            size["busy"] = busy_leg(args, rows, path)
        for leg in LEGS:
            if leg == "frictionless" and skip_fr:
                size["legs"][leg] = {"skipped": f"above --skip-frictionless-above {args.skip_frictionless_above:,}"}
            elif runs.get(leg):
                st = summarise(runs[leg])
                if st["done"] == 0:
                    st["timeout"] = runs[leg][0]["timeout"]
                size["legs"][leg] = st
        sizes.append(size)

    extra = [] if args.no_crmsheet else merge_and_annotate(args, max(args.sizes))
    info = machine_info()
    text = write_results(args, info, sizes, extra, notes)
    # Only the validate section: the desk and review legs keep theirs.
    put_section(args.out, "validate", text)
    print(f"bench: wrote {rel(args.out)}", flush=True)
    return 0


def busy_leg(args, rows: int, path: Path) -> dict:
    """Both cores busy: two validates of two different registers of `rows` rows at
    once, against two floors at once, alternating, `--runs` times each."""
    twin = register_path(rows, twin=True)
    make_register(rows, args.seed + 1, args.regenerate, twin=True)
    for p in (path, twin):
        with open(p, "rb") as f:
            while f.read(1 << 20):
                pass
    pairs = {
        "crmsheet": [validate_cmd(path), validate_cmd(twin)],
        "floor": [[str(BENCH_FLOOR), str(path)], [str(BENCH_FLOOR), str(twin)]],
    }
    runs: dict[str, list[dict]] = {leg: [] for leg in pairs}
    for i in range(args.runs):
        order = list(pairs) if i % 2 == 0 else list(reversed(pairs))
        for leg in order:
            print(f"bench: {rows:,} rows, both cores busy: two {leg} at once, run {i + 1}/{args.runs}",
                  flush=True)
            m = measure_together(pairs[leg], args.timeout, f"busy-{leg}-{rows}-run{i + 1}")
            if not m["timed_out"] and m["exit"] not in ((0, 1) if leg == "crmsheet" else (0,)):
                raise HarnessError(f"{leg} failed on two registers at once (exit {m['exit']}): "
                                   f"{last_line(m['stderr'])}")
            if m["timed_out"]:
                print(f"bench:   timed out after {m['timeout']:.0f} s", flush=True)
            else:
                print(f"bench:   {m['wall']:.2f} s (slower of the two)", flush=True)
            runs[leg].append(m)
    return {leg: summarise(r) for leg, r in runs.items()}


def merge_and_annotate(args, rows: int) -> list[dict]:
    """Peak RSS of `merge` and `validate --annotate` on the largest register, when
    this build has them."""
    extra: list[dict] = []
    merge_help = run_text(crmsheet_cmd("merge", "--help"))
    name = "crmsheet merge FILE -o OUT --force"
    if merge_help.returncode != 0 or "--force" not in merge_help.stdout:
        extra.append({"name": name, "rows": rows, "skipped": "this build has no merge command"})
    else:
        # merge refuses a register with errors, so it gets the same register
        # without the planted defects.
        make_register(rows, args.seed, args.regenerate, clean=True)
        src = register_path(rows, clean=True)
        target = OUT / f"merged-{rows}.xlsx"
        for old in (target, target.with_name(target.name + ".bak")):
            old.unlink(missing_ok=True)
        print(f"bench: {rows:,} rows: merge", flush=True)
        m = measure(crmsheet_cmd("merge", str(src), "-o", str(target), "--force", "--as-of", AS_OF),
                    None, args.timeout, f"merge-{rows}")
        note = None
        if not m["timed_out"] and m["exit"] != 0:
            note = f"refused or failed: {last_line(m['stderr'])}"
        extra.append({"name": name, "rows": rows, "measure": m, "ok_exits": (0,), "note": note})
    validate_help = run_text(crmsheet_cmd("validate", "--help"))
    name = "crmsheet validate FILE --annotate OUT --force"
    if validate_help.returncode != 0 or "--annotate" not in validate_help.stdout:
        extra.append({"name": name, "rows": rows, "skipped": "this build has no --annotate"})
    else:
        target = OUT / f"annotated-{rows}.xlsx"
        target.unlink(missing_ok=True)
        print(f"bench: {rows:,} rows: validate --annotate", flush=True)
        m = measure(crmsheet_cmd("validate", str(register_path(rows)), "--annotate", str(target),
                                 "--force", "--as-of", AS_OF, "--format", "json"),
                    None, args.timeout, f"annotate-{rows}")
        note = None
        if not m["timed_out"] and m["exit"] not in (0, 1):
            note = f"failed: {last_line(m['stderr'])}"
        extra.append({"name": name, "rows": rows, "measure": m, "ok_exits": (0, 1), "note": note})
    return extra


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except HarnessError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)

#!/usr/bin/env python3
"""The desk's benchmark (DESK.md §6): self-check of a 2,000-row workbook through the
server against the CLI's `validate` of the same file, then 50 concurrent uploads.

    bench/desk.sh [--rows 2000] [--runs 7] [--clients 50]

Run by bench/desk.sh after the release build; appends its figures to bench/RESULTS.md.
Not a test: nothing here fails on a slow machine, the figures say what they are.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from sections import put_section  # bench/sections.py: one section per leg

ROOT = Path(__file__).resolve().parent.parent
CRMSHEET = ROOT / "target/release/crmsheet"
BENCH_MAKE = ROOT / "target/release/examples/bench_make"
DATA = ROOT / "bench/data"
AS_OF = "2026-11-30"


def multipart(fields: list[tuple[str, str | None, bytes]]) -> tuple[str, bytes]:
    boundary = "----crmsheet-bench-5c1e"
    out = bytearray()
    for name, filename, data in fields:
        out += f"--{boundary}\r\n".encode()
        if filename is None:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        else:
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


class Desk:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([str(CRMSHEET), "serve", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"http://([^/]+)/", line)
        if not m:
            raise SystemExit(f"desk: no address line: {line!r}")
        self.host = m.group(1)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(self.host, timeout=60)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), data

    def form(self) -> tuple[str, str]:
        status, headers, body = self.request("GET", "/check")
        cookie = headers["set-cookie"].split(";")[0]
        token = re.search(rb'name="form_token" value="([0-9a-f]+)"', body).group(1).decode()
        return cookie, token

    def check(self, name: str, data: bytes) -> tuple[int, float]:
        cookie, token = self.form()
        kind, body = multipart([("form_token", None, token.encode()), ("file", name, data)])
        start = time.perf_counter()
        status, _, _ = self.request("POST", "/check", body, {
            "Content-Type": kind, "Cookie": cookie, "Origin": f"http://{self.host}"})
        return status, time.perf_counter() - start

    def api(self, name: str, data: bytes) -> tuple[int, float]:
        kind, body = multipart([("file", name, data)])
        start = time.perf_counter()
        status, _, _ = self.request("POST", f"/api/validate?as_of={AS_OF}", body, {"Content-Type": kind})
        return status, time.perf_counter() - start

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def cli(path: Path, *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(CRMSHEET), "validate", str(path), "--format", "json", *extra],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def busy_share(seconds: float = 0.5) -> float:
    def snap() -> tuple[int, int]:
        f = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(f), f[3] + f[4]
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--clients", type=int, default=50)
    args = ap.parse_args()

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"desk-{args.rows}.xlsx"
    if not path.exists():
        subprocess.run([str(BENCH_MAKE), "--rows", str(args.rows), "--out", str(path), "--seed", "7"],
                       check=True, stdout=subprocess.DEVNULL)
    data = path.read_bytes()
    busy = busy_share()

    desk = Desk()
    try:
        # Warm-up, then alternate so that a busy moment hits every leg alike.
        desk.api(path.name, data), desk.check(path.name, data), cli(path, "--as-of", AS_OF)
        legs: dict[str, list[float]] = {"cli": [], "cli_now": [], "api": [], "page": []}
        for _ in range(args.runs):
            legs["cli"].append(cli(path, "--as-of", AS_OF))
            status, t = desk.api(path.name, data)
            assert status == 200, status
            legs["api"].append(t)
            legs["cli_now"].append(cli(path))
            status, t = desk.check(path.name, data)
            assert status == 200, status
            legs["page"].append(t)
        med = {k: statistics.median(v) for k, v in legs.items()}

        # 50 uploads at once, each with its own form token, as 50 browsers would.
        forms = [desk.form() for _ in range(args.clients)]
        kind_bodies = [multipart([("form_token", None, tok.encode()), ("file", path.name, data)])
                       for _, tok in forms]
        results: list[tuple[int, float]] = [(0, 0.0)] * args.clients
        barrier = threading.Barrier(args.clients)

        def one(i: int) -> None:
            kind, body = kind_bodies[i]
            barrier.wait()
            start = time.perf_counter()
            try:
                status, _, _ = desk.request("POST", "/check", body, {
                    "Content-Type": kind, "Cookie": forms[i][0], "Origin": f"http://{desk.host}"})
            except Exception:  # noqa: BLE001 - a dropped connection is a result too
                status = 0
            results[i] = (status, time.perf_counter() - start)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rss = desk.peak_rss_mib()
    finally:
        desk.stop()

    statuses: dict[int, int] = {}
    for s, _ in results:
        statuses[s] = statuses.get(s, 0) + 1
    times = sorted(t for _, t in results)
    slowest = times[-1]
    answered_ok = statuses.get(200, 0)

    ratio_api = med["api"] / med["cli"]
    ratio_page = med["page"] / med["cli_now"]
    lines = [
        "",
        f"## The desk: self-check of a {args.rows:,}-row workbook ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
        "",
        f"`bench/desk.sh --rows {args.rows} --runs {args.runs} --clients {args.clients}`; release build; "
        f"the machine was {busy:.0%} busy just before (other work included). Server times are the "
        "request's round trip on loopback (upload included), medians of the runs, legs alternated.",
        "",
        "| leg | median | against the CLI |",
        "|---|---|---|",
        f"| CLI `validate --format json --as-of {AS_OF}` (process start included) | {med['cli']*1000:.0f} ms | 1.00× |",
        f"| `POST /api/validate?as_of={AS_OF}` | {med['api']*1000:.0f} ms | {ratio_api:.2f}× (target ≤ 1.3×) |",
        f"| CLI `validate --format json` (as of now, as the page) | {med['cli_now']*1000:.0f} ms | 1.00× |",
        f"| `POST /check` (result page: the check, and the grid of rows with findings from the same reading; target ≤ 1.3×) | {med['page']*1000:.0f} ms | {ratio_page:.2f}× |",
        "",
        f"{args.clients} concurrent `POST /check` uploads of the same file: "
        f"{answered_ok} answered 200, statuses {dict(sorted(statuses.items()))}; "
        f"median {statistics.median(times):.2f} s, slowest {slowest:.2f} s (target: all answered, none over 5 s); "
        f"peak RSS of the desk {rss:.0f} MiB (target ≤ 512 MiB).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    # Only the desk section: the validate and review legs keep theirs.
    put_section(ROOT / "bench/RESULTS.md", "desk", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bounded resources: time and peak memory of checking bloated files, against an honest file.

    python benchmarks/bench_bloat.py                  # the 5 MiB and 20 MiB blank-cell files, and
                                                      # every other kind just under the element limit
    python benchmarks/bench_bloat.py --quick          # only the honest file and the 5 MiB one
    python benchmarks/bench_bloat.py --tree ../main   # the same files checked by another checkout

Each file is checked by `python -m workbook_builder check FILE --format json` in its own process (so
start-up is included and peak RSS is that process's own, from `resource.getrusage`), three times;
the table shows the fastest run and the largest peak. The honest file (a filled, clean workbook)
runs in the same session, so the machine's load falls on both alike: read the ratios.
Prints a Markdown table and writes benchmarks/results-bloat.json (with --tree: results-bloat-other.json;
results-bloat-before.json is that for the commit before issue 7's bounds, 1b551d3).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.bloat import bloat, bloat_to_size, honest_workbook  # noqa: E402

MiB = 1 << 20

_CHILD = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run([sys.executable, "-m", "workbook_builder", "check", sys.argv[1], "--format", "json"],
                   capture_output=True)
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(dt, rss, p.returncode)
sys.stdout.write(p.stdout.decode("utf-8", "replace"))
"""


def measure(path: Path, runs: int = 3, tree: Path = ROOT) -> dict[str, object]:
    """Fastest wall time, largest peak RSS (MB) and the findings of checking `path` with the
    workbook_builder of `tree` (the child runs there, so `-m workbook_builder` imports that one)."""
    times, peaks = [], []
    out = ""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for _ in range(runs):
        p = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, cwd=tree,
                           env=env)
        head, _, out = p.stdout.partition("\n")
        dt, rss, _rc = head.split()
        times.append(float(dt))
        peaks.append(int(rss) / 1024)
    findings = []
    try:
        for f in json.loads(out)["files"][0]["findings"]:
            refused = f["code"] in ("unreadable-file", "unsafe-content")  # the reason is in `actual`
            findings.append(f"{f['code']}/{f['actual']}" if refused else f["code"])
    except (ValueError, KeyError, IndexError):
        findings = ["(no JSON)"]
    return {"seconds": min(times), "peak_mb": max(peaks), "findings": sorted(set(findings))}


def cases(quick: bool) -> list[tuple[str, bytes]]:
    base = honest_workbook()
    out = [("honest", base)]
    five, n5 = bloat_to_size(base, "cells", 5 * MiB, start=1_150_000)
    out.append((f"cells 5 MiB ({n5:,} blank styled cells)", five))
    if quick:
        return out
    twenty, n20 = bloat_to_size(base, "cells", 20 * MiB, start=4_600_000)
    out.append((f"cells 20 MiB ({n20:,} blank styled cells)", twenty))
    # every kind just under the element limit (200 000 start tags): the most the limit lets through
    for kind, n in [("cells", 190_000), ("valued", 96_000), ("rows", 190_000), ("spans", 96_000),
                    ("strings", 96_000), ("xfs", 96_000), ("merges", 190_000), ("validations", 96_000),
                    ("defined-names", 190_000),
                    ("long-string", 10_000_000), ("formula", 8_000)]:
        out.append((f"{kind} × {n:,}", bloat(base, kind, n)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose checker to measure")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in cases(args.quick):
            path = Path(tmp) / "case.xlsx"
            path.write_bytes(data)
            t0 = time.perf_counter()
            result = measure(path, args.runs, args.tree.resolve())
            rows.append({"case": name, "file_mb": round(len(data) / MiB, 2), **result})
            print(f"{name}: {result} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    base = rows[0]
    print("| file | size (MiB) | time (s) | × honest | peak RSS (MB) | × honest | findings |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['case']} | {r['file_mb']} | {r['seconds']:.2f} | {r['seconds'] / base['seconds']:.1f} "
              f"| {r['peak_mb']:.0f} | {r['peak_mb'] / base['peak_mb']:.1f} | {', '.join(r['findings']) or 'none'} |")
    name = "results-bloat.json" if args.tree.resolve() == ROOT else "results-bloat-other.json"
    (HERE / name).write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

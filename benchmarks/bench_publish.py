"""Publishing speed, measured as a ratio against `check` of the same files in the same run.

    python benchmarks/bench_publish.py                # N = 200 workbooks, 2 processes
    python benchmarks/bench_publish.py --n 500 --jobs 4 --repeat 5

Builds N honest, filled workbooks (benchmarks/bench_check.py's random valid figures), then measures,
alternating run by run so that the machine's drift falls on both alike (this is a shared VM):
- `workbook-builder check DIR --jobs J` as a whole command (start-up included);
- `workbook-builder publish DIR -o OUT --format docx,html --jobs J` (the check, then each report's
  Word and HTML documents laid out, read back and written), whole command;
- per report, in one process: the check, and publish's own share (model, docx, HTML page, read-backs);
- the alternative layout: a parallel check, then every document laid out in the parent (what
  `publish` would cost without laying out in the check's workers).
Target: publish ≤ 150 ms per report (whole command, wall time ÷ N). Prints a Markdown table and writes
benchmarks/results-publish-N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_check import make_corpus  # noqa: E402

FORMATS = "docx,html"


def _command(args: list[str]) -> float:
    """Wall time of a whole command in a fresh process; it must end with exit 0."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workbook_builder", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return wall


def per_report(files: list[Path]) -> dict[str, float]:
    """One process, per report (ms): the check, and each step of publishing it (best of two passes)."""
    from workbook_builder.check.workbook import check_workbook
    from workbook_builder.publish import html, readback
    from workbook_builder.publish.docx import write_docx
    from workbook_builder.publish.model import document
    from workbook_builder.template.registry import resolve

    t = resolve()
    t.recompute.warm()
    best: dict[str, float] = {}
    for _ in range(2):
        sums = dict.fromkeys(("check", "model", "docx", "html", "readback_docx", "readback_html"), 0.0)
        for path in files:
            t0 = time.perf_counter()
            result = check_workbook(path)
            t1 = time.perf_counter()
            doc = document(t.layout, result.values)
            t2 = time.perf_counter()
            data = write_docx(doc)
            t3 = time.perf_counter()
            page = html.page(doc)
            t4 = time.perf_counter()
            assert readback.compare(doc, readback.read_docx_tables(data), "docx") == []
            t5 = time.perf_counter()
            assert readback.compare(doc, readback.read_html_tables(page), "html") == []
            t6 = time.perf_counter()
            for key, dt in zip(sums, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
                sums[key] += dt
        for key, total in sums.items():
            best[key] = min(best.get(key, float("inf")), 1000 * total / len(files))
    return best


def parent_layout(folder: Path, out: Path, jobs: int) -> float:
    """The alternative: a parallel check, then every document laid out and written in this process."""
    from workbook_builder.batch.run import run_batch
    from workbook_builder.publish.outputs import Target, namer, write
    from workbook_builder.publish.prepare import prepare

    start = time.perf_counter()
    files = sorted(folder.glob("*.xlsx"))
    target, names = Target(out, ("docx", "html")), namer()
    for result in run_batch(files, jobs=jobs):
        prepared = prepare(result, target.formats, False, None)
        stem = names.name(prepared.title, Path(result.path).stem)
        for fmt in target.formats:
            assert write(target.path(stem, fmt), prepared.contents[fmt], set()) is None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="workbooks (default 200)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (best and median reported)")
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the corpus in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="wb-bench-publish-"))
    folder.mkdir(parents=True, exist_ok=True)
    out_root = Path(tempfile.mkdtemp(prefix="wb-bench-publish-out-"))
    try:
        make_corpus(folder, args.n)
        n = len(list(folder.glob("*.xlsx")))
        assert n == args.n, f"{folder} holds {n} workbooks, not {args.n}"
        jobs = ["--jobs", str(args.jobs)]
        checks: list[float] = []
        publishes: list[float] = []
        parents: list[float] = []
        for i in range(args.repeat):
            out = out_root / f"run{i}"
            steps = [lambda: checks.append(_command(["check", str(folder), "--format", "json", *jobs])),
                     lambda out=out: publishes.append(_command(
                         ["publish", str(folder), "-o", str(out), "--format", FORMATS, "--report-format", "json", *jobs])),
                     lambda i=i: parents.append(parent_layout(folder, out_root / f"parent{i}", args.jobs))]
            for step in steps if i % 2 == 0 else steps[::-1]:
                step()
            assert len(list(out.iterdir())) == 2 * n
        for times in (checks, publishes, parents):
            times.sort()
        steps_ms = per_report(sorted(folder.glob("*.xlsx"))[:50])
        publish_own = sum(v for k, v in steps_ms.items() if k != "check")
        result = {
            "n": n, "jobs": args.jobs, "cores": os.cpu_count(), "formats": FORMATS, "runs": args.repeat,
            "check_seconds": checks[0], "publish_seconds": publishes[0],
            "check_seconds_median": checks[len(checks) // 2], "publish_seconds_median": publishes[len(publishes) // 2],
            "check_ms_per_report": 1000 * checks[0] / n, "publish_ms_per_report": 1000 * publishes[0] / n,
            "publish_vs_check": publishes[0] / checks[0],
            "publish_vs_check_median": publishes[len(publishes) // 2] / checks[len(checks) // 2],
            "parent_layout_ms_per_report": 1000 * parents[0] / n,
            "one_process_ms": steps_ms, "one_process_publish_own_ms": publish_own,
            "one_process_publish_vs_check": (publish_own + steps_ms["check"]) / steps_ms["check"],
        }
        (HERE / f"results-publish-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(_table(result))
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _table(r: dict) -> str:
    s = r["one_process_ms"]
    return "\n".join([
        f"| measure ({r['n']} workbooks, --jobs {r['jobs']}, formats {r['formats']}) | figure |",
        "|---|---|",
        f"| `check DIR` (whole command, best of {r['runs']}) | {r['check_seconds']:.2f} s = {r['check_ms_per_report']:.1f} ms per report |",
        f"| `publish DIR -o OUT --format {r['formats']}` (whole command, best of {r['runs']}) | {r['publish_seconds']:.2f} s = **{r['publish_ms_per_report']:.1f} ms per report** (target ≤ 150) |",
        f"| publish ÷ check (best / median) | **{r['publish_vs_check']:.2f}×** / {r['publish_vs_check_median']:.2f}× |",
        f"| alternative: parallel check, documents laid out in the parent | {r['parent_layout_ms_per_report']:.1f} ms per report |",
        f"| one process, per report: check | {s['check']:.1f} ms |",
        f"| one process, per report: model / docx / HTML page | {s['model']:.1f} / {s['docx']:.1f} / {s['html']:.1f} ms |",
        f"| one process, per report: read back docx / HTML | {s['readback_docx']:.1f} / {s['readback_html']:.1f} ms |",
        f"| one process: (check + publish) ÷ check | {r['one_process_publish_vs_check']:.2f}× |",
    ])


if __name__ == "__main__":
    main()

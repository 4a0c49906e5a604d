"""Import speed of published reports, measured as ratios against `check` of workbooks in the same run.

    python benchmarks/bench_import.py                      # N = 200 reports a kind, 20 PDFs, --jobs 2
    python benchmarks/bench_import.py --n 500 --pdf 40 --repeat 5

Builds N honest, filled workbooks (benchmarks/bench_check.py's random valid figures) and, from the same
figures, N published reports in each text form (tests/published_forms.py: the sample's one-cell-a-line
text, PDF-extracted rows) and N CMS pages (GBK HTML with menus, scripts and MsoNormal spans), plus
`--pdf` PDFs written by our own `publish` (LibreOffice). Then measures, alternating run by run so that
the machine's drift falls on all alike (a shared VM), each as a whole command in a fresh process:
- `workbook-builder check XLSX_DIR --jobs J` (the baseline);
- `workbook-builder check DIR --jobs J` and `workbook-builder import DIR --format json --jobs J` for the
  text, HTML and PDF folders.
Target (issue 10): text/HTML ≥ 100 reports a second on 2 cores for the whole command, PDF ≥ 3 a second.
Prints a Markdown table (reports a second, and ms a report as a ratio to a workbook's check) and writes
benchmarks/results-import-N.json.

Measured 2026-12-01 (N = 200 a kind, 20 PDFs, --jobs 2, 3 runs alternating, median; a shared 2-core VM
under load average ≈ 6, so absolute times are inflated ~4× against the README's check figures — read
the ratios; benchmarks/results-import-200.json):

| command (2 processes) | files | median s | files/s | ms/file | ratio to check of a workbook |
|---|---|---|---|---|---|
| check xlsx | 200 | 8.44 | 23.7 | 42.2 | 1.00 |
| check text | 200 | 19.41 | 10.3 | 97.0 | 2.30 |
| import text | 200 | 17.89 | 11.2 | 89.5 | 2.12 |
| check html | 200 | 28.72 | 7.0 | 143.6 | 3.40 |
| import html | 200 | 27.43 | 7.3 | 137.2 | 3.25 |
| check pdf | 20 | 15.69 | 1.3 | 784.4 | 18.58 |
| import pdf | 20 | 15.04 | 1.3 | 752.1 | 17.82 |

In one process (same corpus): import of a text report 63 ms, its check 55 ms, an HTML import 106 ms.
NOT YET AT TARGET: scaled to the README's unloaded check (9.3 ms a workbook) text would be ≈ 20 ms a
report (≈ 50 a second), HTML ≈ 31 ms, PDF ≈ 170 ms (≈ 6 a second). A profile of 10 text imports puts
half the time in `imports.labels.template_labels`, rebuilt for every file and both templates
(`identity.choose_template`): caching it per template is the first step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_check import honest_fill, make_corpus  # noqa: E402

KINDS = ("text", "html", "pdf")


# Bytecode as an installed package has it (pip compiles it): this VM sets PYTHONDONTWRITEBYTECODE, so
# without this every command would compile the whole package from source again (≈ 0.4 s a command,
# more than the 200 text reports take). Kept out of the tree, in a temporary prefix.
_PYCACHE = tempfile.mkdtemp(prefix="bench-import-pyc-")


def _command(args: list[str], ok: tuple[int, ...] = (0, 1)) -> float:
    """Wall time of a whole command in a fresh process (exit 1 is findings, not a failure)."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent), "PYTHONPYCACHEPREFIX": _PYCACHE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workbook_builder", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(args[:2])} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return wall


def make_published(root: Path, n: int, n_pdf: int, jobs: int) -> dict[str, Path]:
    """Folders of published reports from the corpus's figures: text (two forms), html, pdf."""
    from tests.published_forms import cms_html, pdf_rows, printed, sample_text
    from workbook_builder import api

    folders = {k: root / k for k in KINDS}
    for f in folders.values():
        f.mkdir(parents=True, exist_ok=True)
    for seed in range(n):
        p = printed(honest_fill(seed))
        text = sample_text(p) if seed % 2 else pdf_rows(p)  # half one cell a line, half PDF rows
        (folders["text"] / f"unit{seed:05d}.txt").write_text(text, encoding="utf-8")
        (folders["html"] / f"unit{seed:05d}.html").write_bytes(cms_html(p))
    if n_pdf:
        books = sorted((root / "xlsx").glob("*.xlsx"))[:n_pdf]
        api.publish(books, folders["pdf"], formats="pdf", jobs=jobs)
    return folders


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="reports of each text/HTML kind (and workbooks)")
    ap.add_argument("--pdf", type=int, default=20, help="PDF reports (publish with LibreOffice; 0: none)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build the corpus in this folder and keep it")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    (root / "xlsx").mkdir(parents=True, exist_ok=True)
    make_corpus(root / "xlsx", args.n)
    folders = make_published(root, args.n, args.pdf, args.jobs)
    counts = {"xlsx": args.n, **{k: len(list(folders[k].iterdir())) for k in KINDS}}
    jobs = ["--jobs", str(args.jobs)]
    runs: dict[str, list[float]] = {}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "workbook_builder")], check=True,
                   env={**os.environ, "PYTHONPYCACHEPREFIX": _PYCACHE})
    # the prefix holds the standard library's and the dependencies' bytecode too: one untimed run of
    # each command writes it, so the first timed run does not pay for it
    _command(["check", str(root / "xlsx"), *jobs])
    for k in KINDS:
        if counts[k]:
            _command(["import", str(next(folders[k].iterdir())), "--format", "json"])
    for _ in range(args.repeat):  # alternate: drift falls on every command alike
        runs.setdefault("check xlsx", []).append(_command(["check", str(root / "xlsx"), *jobs]))
        for k in KINDS:
            if counts[k]:
                runs.setdefault(f"check {k}", []).append(_command(["check", str(folders[k]), *jobs]))
                runs.setdefault(f"import {k}", []).append(
                    _command(["import", str(folders[k]), "--format", "json", *jobs]))
    base = statistics.median(runs["check xlsx"]) / counts["xlsx"]
    table = []
    print(f"| command ({args.jobs} processes) | files | median s | files/s | ms/file | ratio to check of a workbook |")
    print("|---|---|---|---|---|---|")
    for name, times in runs.items():
        n = counts[name.split()[1]]
        med = statistics.median(times)
        row = {"command": name, "files": n, "median_s": round(med, 3), "per_s": round(n / med, 1),
               "ms_per_file": round(1000 * med / n, 2), "ratio": round(med / n / base, 2), "runs": times}
        table.append(row)
        print(f"| {name} | {n} | {med:.2f} | {n / med:.1f} | {1000 * med / n:.1f} | {med / n / base:.2f} |")
    out = HERE / f"results-import-{args.n}.json"
    out.write_text(json.dumps({"n": args.n, "pdf": args.pdf, "jobs": args.jobs, "cpus": os.cpu_count(),
                               "rows": table}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten {out}")


if __name__ == "__main__":
    main()

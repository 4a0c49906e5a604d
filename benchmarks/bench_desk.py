"""The desk's checking speed, as a ratio against `workbook-builder check DIR` in the same run.

    python benchmarks/bench_desk.py                  # N = 500 workbooks, 2 processes, 3 runs of each
    python benchmarks/bench_desk.py --n 200 --repeat 5 --jobs 2

Builds N honest, filled workbooks of N different units (benchmarks/bench_check.py's random valid
figures), then, alternating run by run so that this shared VM's drift falls on all alike:
- the baseline: `workbook-builder check DIR --jobs J --format json` as a whole command (start-up
  included), wall time;
- the desk: `workbook-builder serve --no-browser -j J --store <fresh store>` is started (timed
  apart: a user starts it once a day), then the N files are POSTed to /check the way the page sends
  them (one multipart request: every file as `files`, its relative name as `paths`, the template
  "自动", X-1 from the store), and /check/{job}/status is polled every 50 ms until the job is done.
  Timed from the first byte of the upload to the status that says done: upload, intake, the check,
  recording every submission in the store and writing the results the page shows;
- for comparison, `check DIR --jobs J --store <fresh store>`: the CLI doing the desk's recording too,
  which tells the store's share of the desk's cost from the web's.

Target: the desk checks at ≥ 80 % of the CLI's rate (files per second). Prints a Markdown table and
writes benchmarks/results-desk-N.json (median and best of the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_check import make_corpus  # noqa: E402

POLL = 0.05
TIMEOUT = 1800.0


def cli_check(folder: Path, jobs: int, store: Path | None = None) -> float:
    """Wall time of `check DIR` (with `--store` a fresh store: every submission recorded as the desk
    records it) in a fresh process; every file must pass."""
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    extra = ["--store", str(store)] if store is not None else []
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workbook_builder", "check", str(folder), "--format", "json",
                           "--jobs", str(jobs), *extra], capture_output=True, env=env,
                          check=False, cwd=folder.parent)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"check exited {done.returncode}: {done.stderr.decode()[-500:]}")
    files = json.loads(done.stdout)["files"]
    assert all(f["valid"] for f in files), "the benchmark corpus is not honest"
    return wall


def desk_check(folder: Path, jobs: int, scratch: Path) -> tuple[float, float, int]:
    """(seconds to start the server, seconds from upload to done, files the job reports)."""
    import httpx

    from tests.desk_harness import start_desk

    files = sorted(folder.glob("*.xlsx"))
    payload = [(p.name, p.read_bytes()) for p in files]  # as the browser has them: read before it sends
    scratch.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with start_desk(scratch, store=scratch / "年报.sqlite", jobs=jobs) as desk:
        started = time.perf_counter() - t0
        with httpx.Client(base_url=desk.base, headers=desk.headers(), timeout=TIMEOUT) as client:
            parts = [("files", (name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
                     for name, data in payload]
            form = {"paths": [name for name, _ in payload], "template": "", "store_prior": "on"}
            t1 = time.perf_counter()
            posted = client.post("/check", files=parts, data=form, follow_redirects=False)
            assert posted.status_code in (302, 303), (posted.status_code, posted.text[:500])
            job = posted.headers["location"].split("?")[0].rstrip("/")
            while True:
                status = client.get(f"{job}/status").json()
                if status["state"] != "running":
                    break
                if time.perf_counter() - t1 > TIMEOUT:
                    raise SystemExit(f"the desk's job never finished: {status}")
                time.sleep(POLL)
            wall = time.perf_counter() - t1
            assert status["state"] == "done", status
            page = client.get(job).text
            assert "table" in page and 'id="results"' in page, "the job page shows no results table"
    return started, wall, int(status.get("total") or len(files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500, help="workbooks (default 500)")
    parser.add_argument("--jobs", type=int, default=2, help="processes for both (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (median and best reported)")
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the corpus in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="wb-bench-desk-")) / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="wb-bench-desk-run-"))
    try:
        t = time.perf_counter()
        make_corpus(folder, args.n)
        n = len(list(folder.glob("*.xlsx")))
        assert n == args.n, f"{folder} holds {n} workbooks, not {args.n}"
        print(f"built {n} workbooks in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        cli: list[float] = []
        stored: list[float] = []
        desk: list[float] = []
        starts: list[float] = []
        for i in range(args.repeat):
            def run_desk(i: int = i) -> None:
                started, wall, total = desk_check(folder, args.jobs, scratch / f"run{i}")
                assert total == n, f"the desk checked {total} of {n} files"
                starts.append(started)
                desk.append(wall)

            steps = [lambda: cli.append(cli_check(folder, args.jobs)), run_desk,
                     lambda i=i: stored.append(cli_check(folder, args.jobs, scratch / f"cli{i}.sqlite"))]
            for step in steps if i % 2 == 0 else steps[::-1]:
                step()
            print(f"run {i + 1}: check {cli[-1]:.2f} s, desk {desk[-1]:.2f} s, check --store {stored[-1]:.2f} s",
                  file=sys.stderr)
        result = {
            "n": n, "jobs": args.jobs, "cores": os.cpu_count(), "runs": args.repeat,
            "cli_seconds": cli, "desk_seconds": desk, "cli_store_seconds": stored, "desk_start_seconds": starts,
            "cli_store_files_per_second_median": n / statistics.median(stored),
            "desk_vs_cli_store_per_run_median": statistics.median(c / d for c, d in zip(stored, desk, strict=True)),
            "cli_files_per_second_median": n / statistics.median(cli),
            "desk_files_per_second_median": n / statistics.median(desk),
            "cli_files_per_second_best": n / min(cli), "desk_files_per_second_best": n / min(desk),
            "desk_vs_cli_median": statistics.median(cli) / statistics.median(desk),
            "desk_vs_cli_best": min(cli) / min(desk),
            # each run's pair (the two ran back to back): the ratio least touched by the machine's drift
            "desk_vs_cli_per_run": [c / d for c, d in zip(cli, desk, strict=True)],
            "desk_vs_cli_per_run_median": statistics.median(c / d for c, d in zip(cli, desk, strict=True)),
            "desk_start_seconds_median": statistics.median(starts),
        }
        (HERE / f"results-desk-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(_table(result))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(folder.parent, ignore_errors=True)


def _table(r: dict) -> str:
    return "\n".join([
        f"| measure ({r['n']} workbooks, {r['jobs']} processes, {r['runs']} runs each, alternating) | figure |",
        "|---|---|",
        f"| `workbook-builder check DIR --jobs {r['jobs']}` (whole command), median / best | "
        f"{r['n'] / r['cli_files_per_second_median']:.2f} s = **{r['cli_files_per_second_median']:.0f} files/s** / "
        f"{r['cli_files_per_second_best']:.0f} files/s |",
        f"| the desk: upload to /check, check, store, results page ready; median / best | "
        f"{r['n'] / r['desk_files_per_second_median']:.2f} s = **{r['desk_files_per_second_median']:.0f} files/s** / "
        f"{r['desk_files_per_second_best']:.0f} files/s |",
        f"| desk ÷ CLI rate, medians / best runs (target ≥ 0.80) | **{r['desk_vs_cli_median']:.2f}** / {r['desk_vs_cli_best']:.2f} |",
        f"| desk ÷ CLI rate of each back-to-back pair: median (runs) | **{r['desk_vs_cli_per_run_median']:.2f}** "
        f"({', '.join(f'{x:.2f}' for x in r['desk_vs_cli_per_run'])}) |",
        f"| for comparison: `check DIR --store FILE` (records every submission as the desk does), median | "
        f"{r['n'] / r['cli_store_files_per_second_median']:.2f} s = {r['cli_store_files_per_second_median']:.0f} files/s |",
        f"| desk ÷ `check --store` rate of each back-to-back pair: median | {r['desk_vs_cli_store_per_run_median']:.2f} |",
        f"| starting the desk (`serve`, until it answers), median | {r['desk_start_seconds_median']:.2f} s |",
    ])


if __name__ == "__main__":
    main()

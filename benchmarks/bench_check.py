"""Checking speed, measured as ratios against baselines in the same run.

    python benchmarks/bench_check.py                 # N = 2000, the README's figures
    python benchmarks/bench_check.py --n 200 --naive 10
    python benchmarks/bench_check.py --n 1000 --compare ../old-checkout   # before/after, one run

Builds N honest, filled workbooks (random valid figures), then measures:
- `workbook-builder check DIR` as a whole command (start-up included), files per second;
- the same command with --jobs 1, per file;
- the floor: zip + XML parsing only (every XML part of each file parsed with ElementTree), per file;
- the naive way: openpyxl full load + `formulas.ExcelModel` per file (on a sample: it is slow);
- peak memory (max RSS of the check process) for growing N, to show it stays flat.
Prints a Markdown table and writes benchmarks/results-N.json.

With `--compare TREE` it instead times the whole command of this tree against the one in TREE (another
checkout of this project, e.g. the commit before a refactoring) on the same corpus, alternating the two
run by run so that the machine's drift falls on both alike, and writes benchmarks/compare-N.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


def honest_fill(seed: int) -> dict:
    """Random valid figures that satisfy every rule of the 2021 template."""
    from workbook_builder.template import registry

    rnd = random.Random(seed)
    layout = registry.resolve().layout
    data: dict = {
        "meta.unit_name": f"测试单位{seed:05d}", "meta.year": 2024, "meta.contact_person": "张三",
        "meta.contact_phone": "0517-83600000", "meta.date": "2025-01-20",
        "text.overview": "总体情况。" * 20, "text.problems": "存在的问题。" * 10, "text.other": "无",
    }
    cols = ["person", "business", "research", "nonprofit", "legal_services", "other_org"]
    results = [c.datapoint.split(".")[1] for c in layout.inputs if c.datapoint.startswith("requests.")
               and c.datapoint.endswith(".person")]
    results = [r for r in results if r not in ("new", "carried_over", "carried_forward")]
    for col in cols:
        done = {r: rnd.randint(0, 30) for r in results}
        forward = rnd.randint(0, 10)
        carried = rnd.randint(0, 10)
        new = sum(done.values()) + forward - carried
        if new < 0:
            carried, new = carried + new, 0
        for r, v in done.items():
            data[f"requests.{r}.{col}"] = v
        data.update({f"requests.new.{col}": new, f"requests.carried_over.{col}": carried,
                     f"requests.carried_forward.{col}": forward})
    for block in ("review", "suit_direct", "suit_after_review"):
        for o in ("upheld", "corrected", "other", "pending"):
            data[f"appeals.{block}.{o}"] = rnd.randint(0, 9)
    for kind in ("rules", "normative"):
        issued, repealed = rnd.randint(0, 5), rnd.randint(0, 5)
        data.update({f"disclosure.{kind}.issued": issued, f"disclosure.{kind}.repealed": repealed,
                     f"disclosure.{kind}.in_force": issued + rnd.randint(0, 50)})
    for k in ("licensing", "penalty", "coercion"):
        data[f"disclosure.{k}.decisions"] = rnd.randint(0, 5000)
    data["disclosure.fees.amount"] = round(rnd.uniform(0, 500), 6)
    return data


def _build_one(args: tuple[int, str]) -> None:
    from workbook_builder import api

    seed, folder = args
    Path(folder, f"unit{seed:05d}.xlsx").write_bytes(api.build(data=honest_fill(seed)))


def make_corpus(folder: Path, n: int) -> None:
    existing = len(list(folder.glob("*.xlsx")))
    if existing >= n:
        return
    with ProcessPoolExecutor() as pool:
        list(pool.map(_build_one, [(i, str(folder)) for i in range(existing, n)], chunksize=16))


def run_check(folder: Path, jobs: int | None = None, tree: Path | None = None) -> tuple[float, int, float]:
    """Wall time, exit code and peak RSS (MiB) of the whole command in a fresh process (of the
    package in `tree`, default this checkout)."""
    folder = folder.resolve()
    cmd = [sys.executable, "-m", "workbook_builder", "check", str(folder), "--format", "json"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    script = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
        "dt = time.perf_counter() - t\n"
        "doc = json.loads(p.stdout)\n"
        "bad = sum(not f['valid'] for f in doc['files'])\n"
        "print(json.dumps([dt, p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, bad]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str((tree or HERE.parent).resolve())}
    # run beside the corpus, not in a checkout: `python -m` puts the working folder first on sys.path,
    # which would import the package found there instead of the one in `tree`
    out = subprocess.run([sys.executable, "-c", script, *cmd], capture_output=True, text=True, check=True, env=env,
                         cwd=folder.parent)
    dt, code, rss, bad = json.loads(out.stdout)
    if bad:
        raise SystemExit(f"benchmark corpus is not honest: {bad} files with errors")
    return dt, code, rss


def floor_one(path: Path) -> None:
    """Zip + XML parsing only: every XML part of the file parsed with ElementTree, nothing else."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(zf.read(name))


def ours_and_floor_per_file(files: list[Path], passes: int = 3) -> tuple[float, float]:
    """Our checker and the floor, interleaved file by file so that the machine's drift (this is a
    shared VM) falls on both alike; the best of `passes` passes of each."""
    from workbook_builder.check.workbook import check_workbook
    from workbook_builder.template.registry import resolve

    resolve().recompute.warm()
    best_ours = best_floor = float("inf")
    for _ in range(passes):
        ours = floor = 0.0
        for path in files:
            t0 = time.perf_counter()
            floor_one(path)
            t1 = time.perf_counter()
            report = check_workbook(path)
            t2 = time.perf_counter()
            assert report.valid, report.findings[:3]
            floor += t1 - t0
            ours += t2 - t1
        best_ours, best_floor = min(best_ours, ours), min(best_floor, floor)
    return best_ours / len(files), best_floor / len(files)


def naive_per_file(files: list[Path]) -> float:
    """openpyxl full load + formulas.ExcelModel (load, compile, calculate) per file."""
    import formulas
    import openpyxl

    start = time.perf_counter()
    for path in files:
        openpyxl.load_workbook(path)
        model = formulas.ExcelModel().loads(str(path)).finish()
        model.calculate()
    return (time.perf_counter() - start) / len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="files in the batch (default 2000)")
    parser.add_argument("--naive", type=int, default=20, help="files the naive baseline checks (default 20)")
    parser.add_argument("--memory", default="250,500,1000,2000", help="batch sizes for the peak-memory series")
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the corpus in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the whole command (best and median reported)")
    parser.add_argument("--compare", type=Path, default=None, metavar="TREE",
                        help="time this checkout against the one in TREE instead (whole command, alternating)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="wb-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        make_corpus(folder, args.n)
        files = sorted(folder.glob("*.xlsx"))[: args.n]
        print(f"built {len(files)} workbooks in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        batch = folder if len(list(folder.glob("*.xlsx"))) == args.n else _subset(folder, files)
        if args.compare is not None:
            compare(batch, len(files), args.compare, max(args.repeat, 5))
            return
        runs = [run_check(batch) for _ in range(args.repeat)]
        assert all(code == 0 for _, code, _ in runs)
        walls = sorted(w for w, _, _ in runs)
        wall, rss = walls[0], max(r for _, _, r in runs)
        sample = files[:200]
        ours, floor = ours_and_floor_per_file(sample)
        naive = naive_per_file(files[: args.naive])
        memory = []
        for size in [int(s) for s in args.memory.split(",") if int(s) <= args.n]:
            memory.append((size, run_check(_subset(folder, files[:size]))[2]))
        result = {
            "n": len(files), "cores": os.cpu_count(),
            "command_seconds": wall, "files_per_second": len(files) / wall,
            "command_seconds_median": walls[len(walls) // 2], "files_per_second_median": len(files) / walls[len(walls) // 2],
            "command_runs": len(walls),
            "ours_ms_per_file": ours * 1000, "floor_ms_per_file": floor * 1000,
            "naive_ms_per_file": naive * 1000, "naive_files": args.naive,
            "ours_vs_floor": ours / floor, "speedup_vs_naive_per_file": naive / ours,
            "speedup_vs_naive_batch": naive / (wall / len(files)),
            "peak_rss_mib_by_n": memory, "peak_rss_mib": rss,
        }
        (HERE / f"results-{len(files)}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(_table(result))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
            for sub in folder.parent.glob(f"{folder.name}-subset-*"):
                shutil.rmtree(sub, ignore_errors=True)


def compare(batch: Path, n: int, tree: Path, repeat: int) -> None:
    """This checkout against `tree`: the whole command on every core and with --jobs 1, alternating."""
    for where in (HERE.parent, tree):  # each run must import the package of its own tree
        env = {**os.environ, "PYTHONPATH": str(where.resolve())}
        found = subprocess.run([sys.executable, "-c", "import workbook_builder; print(workbook_builder.__file__)"],
                               capture_output=True, text=True, check=True, env=env, cwd=batch.resolve().parent)
        assert Path(found.stdout.strip()).is_relative_to(where.resolve()), (where, found.stdout)
    rows = {}
    for jobs in (None, 1):
        ours: list[float] = []
        theirs: list[float] = []
        rss = {"ours": 0.0, "theirs": 0.0}
        for i in range(repeat):
            pair = [(ours, None, "ours"), (theirs, tree, "theirs")]
            for times, where, who in pair if i % 2 == 0 else pair[::-1]:
                wall, code, peak = run_check(batch, jobs, where)
                assert code == 0
                times.append(wall)
                rss[who] = max(rss[who], peak)
        ours.sort()
        theirs.sort()
        rows["all cores" if jobs is None else "--jobs 1"] = {
            "ours_best": ours[0], "theirs_best": theirs[0], "ours_median": ours[len(ours) // 2],
            "theirs_median": theirs[len(theirs) // 2], "runs": repeat,
            "ours_peak_rss_mib": rss["ours"], "theirs_peak_rss_mib": rss["theirs"]}
    result = {"n": n, "cores": os.cpu_count(), "baseline": str(tree), "rows": rows}
    (HERE / f"compare-{n}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"| `check DIR`, {n} files | baseline best / median | this tree best / median | ratio (best) | "
          "ratio (median) | peak memory baseline → this tree |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['theirs_best']:.2f} s / {r['theirs_median']:.2f} s | {r['ours_best']:.2f} s / "
              f"{r['ours_median']:.2f} s | {r['ours_best'] / r['theirs_best']:.3f} | "
              f"{r['ours_median'] / r['theirs_median']:.3f} | {r['theirs_peak_rss_mib']:.0f} → "
              f"{r['ours_peak_rss_mib']:.0f} MiB |")


def _subset(folder: Path, files: list[Path]) -> Path:
    # beside the corpus, not inside it: `check DIR` walks folders recursively
    sub = folder.parent / f"{folder.name}-subset-{len(files)}"
    if not sub.exists():
        sub.mkdir()
        for f in files:
            os.link(f, sub / f.name)
    return sub


def _table(r: dict) -> str:
    mem = ", ".join(f"N={n}: {m:.0f} MiB" for n, m in r["peak_rss_mib_by_n"])
    return "\n".join([
        f"| measure ({r['n']} files, {r['cores']} cores) | figure |",
        "|---|---|",
        f"| `workbook-builder check DIR` (whole command, start-up included; best of {r['command_runs']}) | {r['command_seconds']:.2f} s = **{r['files_per_second']:.0f} files/s** |",
        f"| the same, median run | {r['command_seconds_median']:.2f} s = {r['files_per_second_median']:.0f} files/s |",
        f"| our checker, one process, per file | {r['ours_ms_per_file']:.2f} ms |",
        f"| floor: zip + XML parsing only, per file | {r['floor_ms_per_file']:.2f} ms |",
        f"| our per-file cost ÷ floor | **{r['ours_vs_floor']:.2f}×** |",
        f"| naive: openpyxl load + formulas.ExcelModel, per file ({r['naive_files']} files) | {r['naive_ms_per_file']:.0f} ms |",
        f"| speed-up over naive (whole command, best run, vs naive per file) | **{r['speedup_vs_naive_batch']:.0f}×** |",
        f"| speed-up over naive (one process each) | {r['speedup_vs_naive_per_file']:.0f}× |",
        f"| peak memory of the check command | {mem} |",
    ])


if __name__ == "__main__":
    main()

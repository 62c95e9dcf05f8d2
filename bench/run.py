"""xl-eval benchmark: check, fill and start-up as ratios against baselines
measured in the same run.

    python bench/run.py                  # 1,000 departments (about 5 minutes on 2 cores)
    python bench/run.py --departments 200 --quick

It builds its own corpus (a departments table made from the bundled sample
with seeded random variation, filled through `xl-eval fill`; half of the
files are also recalculated and saved by LibreOffice so that files with
cached values and shared strings are measured too), then prints a table and
writes bench/results/latest.json.  No figure here is asserted by the test
suite; the targets are printed next to the measurements.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
XL = [PY, "-m", "xl_eval.cli"]


def run(cmd, **kw) -> float:
    """Wall time of one process; fails loudly if it could not run."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    dt = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr[-2000:]}")
    return dt


def median_time(fn, repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def make_departments(path: Path, n: int, rng: random.Random) -> None:
    """n departments varied from the sample's rows (Chinese headers as users have them)."""
    with open(ROOT / "samples" / "departments.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, base = rows[0], rows[1:]
    money = {"年初预算数", "全年预算数", "决算数", "结转结余总额", "固定资产总额", "在用固定资产总额"}
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(n):
            row = list(base[i % len(base)])
            row[0] = f"测试单位{i:04d}"
            for j, col in enumerate(header):
                if col in money and row[j]:
                    row[j] = f"{float(row[j]) * rng.uniform(0.8, 1.2):.2f}"
            if not row[header.index("计划项目数")]:
                row[header.index("计划项目数")] = "10"
                row[header.index("完成项目数")] = str(rng.randint(5, 10))
            w.writerow(row)


def peak_rss_mib(args: list[str]) -> float:
    """Peak resident memory of `xl-eval ARGS` in a fresh process."""
    code = ("import resource, sys; from xl_eval.cli import main; main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def baseline_fill(template: Path, values: dict, out: Path) -> None:
    """The naive way: openpyxl load of the template, write inputs by name, save."""
    import openpyxl
    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        dn = wb.defined_names.get(name)
        if dn is None or value in (None, ""):
            continue
        sheet, ref = next(iter(dn.destinations))
        wb[sheet][ref.replace("$", "")].value = value
    wb.save(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--departments", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the corpus folder")
    args = ap.parse_args(argv)
    rng = random.Random(20241231)
    n = args.departments
    work = Path(tempfile.mkdtemp(prefix="xl-eval-bench-"))
    results: dict[str, dict] = {}

    def record(key, value, baseline, target, unit="s", better="lower"):
        ratio = value / baseline if baseline else None
        results[key] = {"value": value, "baseline": baseline, "ratio": ratio, "target": target, "unit": unit}

    try:
        depts = work / "departments.csv"
        make_departments(depts, n, rng)
        template = work / "template.xlsx"
        run([*XL, "template", "-o", template])

        # --- fill
        t1 = run([*XL, "fill", depts, "--projects", ROOT / "samples" / "projects.csv", "-o", work / "j1", "--jobs", "1"])
        t2 = run([*XL, "fill", depts, "--projects", ROOT / "samples" / "projects.csv", "-o", work / "j2", "--jobs", "2"])
        files = sorted((work / "j1").glob("*.xlsx"))
        if len(files) != n:
            raise SystemExit(f"fill wrote {len(files)} files for {n} departments")
        sys.path.insert(0, str(ROOT))
        from xl_eval.sources.departments import read_departments
        from xl_eval.framework.model import load
        fw = load()
        rows = read_departments(fw, depts).rows[:20]
        base_dir = work / "baseline"
        base_dir.mkdir()
        it = iter(range(10 ** 6))
        per_base = median_time(lambda: baseline_fill(template, rows[next(it) % len(rows)].values,
                                                     base_dir / "b.xlsx"), args.repeats)
        record("fill per department, --jobs 1", t1 / n, per_base, "≤ 1.0× openpyxl load+write+save")
        record("fill wall time, --jobs 2 vs --jobs 1", t2, t1, "≤ 0.6×")

        # --- half of the corpus recalculated and saved by LibreOffice
        from xl_eval.xlsx.libreoffice import find_soffice, recalculate
        lo_dir = work / "lo"
        if find_soffice():
            half = files[: n // 2]
            out = recalculate(half, lo_dir)
            for src, dst in out.items():
                shutil.move(dst, src)   # replace the openpyxl-written file by the LibreOffice-saved one
        corpus = files

        # --- check in a batch vs one default openpyxl load of the same files
        t_check = run([*XL, "check", *corpus])
        import openpyxl
        sample = corpus[:: max(1, len(corpus) // 20)]
        t_load = statistics.median(median_time(lambda f=f: openpyxl.load_workbook(f), 1, 0) for f in sample)
        t_load_ro = statistics.median(median_time(lambda f=f: openpyxl.load_workbook(f, read_only=True), 1, 0)
                                      for f in sample)
        record("check per file in a batch", t_check / len(corpus), t_load, "≤ 1.0× openpyxl load_workbook")
        results["openpyxl load_workbook(read_only=True) per file"] = {"value": t_load_ro, "baseline": None,
                                                                       "ratio": None, "target": "", "unit": "s"}

        # --- whole processes
        t_click = median_time(lambda: run([PY, "-c", "import click"]), args.repeats)
        t_help = median_time(lambda: run([*XL, "--help"]), args.repeats)
        t_one = median_time(lambda: run([*XL, "check", corpus[-1]]), args.repeats)
        t_tpl = median_time(lambda: run([*XL, "template", "-o", work / "t.xlsx", "--force"]), args.repeats)
        record("xl-eval --help (process)", t_help, t_click, "≤ 2× python -c 'import click'")
        record("xl-eval check one.xlsx (process)", t_one, t_click, "≤ 0.4 s absolute")
        record("xl-eval template (process)", t_tpl, t_click, "")

        # --- peak memory of check: 10 files vs the whole corpus
        m10 = peak_rss_mib(["check", *map(str, corpus[:10])])
        mall = peak_rss_mib(["check", *map(str, corpus)])
        record(f"check peak memory, {len(corpus)} files vs 10 files", mall, m10,
               "≤ 10-file figure + 20 MiB", unit="MiB")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(), "cores": os.cpu_count(),
            "machine": platform.machine(), "departments": n}
    print(f"xl-eval bench — {meta['date']}, Python {meta['python']}, {meta['cores']} cores, {n} departments\n")
    print(f"{'measure':48} {'median':>10} {'baseline':>10} {'ratio':>7}  target")
    for key, r in results.items():
        unit = r["unit"]
        fmt = (lambda v: f"{v * 1000:8.1f}ms") if unit == "s" else (lambda v: f"{v:7.1f}MiB")
        base = fmt(r["baseline"]) if r["baseline"] else ""
        ratio = f"{r['ratio']:6.2f}×" if r["ratio"] else ""
        print(f"{key:48} {fmt(r['value']):>10} {base:>10} {ratio:>7}  {r['target']}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
    print(f"\nJSON: {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

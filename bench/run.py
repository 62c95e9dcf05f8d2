"""xl-eval benchmark: fill, check, collect and start-up, each as a ratio
against floors and baselines measured in the same run.

    python bench/run.py                      # 1,000 departments, 3 repeats (about 15 minutes on 2 cores)
    python bench/run.py --quick              # 100 departments, 2 repeats: for development
    python bench/run.py --departments 200 --repeats 5

The machine this runs on is usually shared, so absolute times are noisy:
every figure is a median over repeats, the ratios are taken against floors
and baselines measured in the same run, and a cores-free probe is printed
next to every --jobs figure (a --jobs 2 run can only be faster when a second
core is idle).

The corpus: a departments table varied from samples/departments.csv with a
seeded generator, a projects table with 5–40 projects per department (their
counts agree with the table), filled through `xl-eval fill`; half of the
workbooks are then recalculated and saved by LibreOffice (cached values,
shared strings).  Per-file and per-department costs are marginal: the run
over the whole corpus minus the run over one file, divided by the rest, so
interpreter start-up is not spread over the files.  Memory is the peak
resident size of each command's own process (os.wait4 on a fresh child).

Results: a table on stdout and bench/results/latest.json (not committed).
No figure is asserted by the test suite.
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
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
XL = [PY, "-m", "xl_eval.cli"]
# Children keep their bytecode (an installed package has it compiled at install): with
# PYTHONDONTWRITEBYTECODE set, every start-up would compile every module again.
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
       "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


# ------------------------------------------------------------------ measuring

class Run:
    __slots__ = ("seconds", "cpu", "rss_mib", "code")

    def __init__(self, seconds: float, cpu: float, rss_mib: float, code: int):
        self.seconds, self.cpu, self.rss_mib, self.code = seconds, cpu, rss_mib, code


def run(cmd, ok=(0, 1)) -> Run:
    """Wall time and peak RSS of one fresh process (its own, via wait4: not the bench's)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, env=ENV, cwd=ROOT)
        _, status, ru = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            err.seek(0)
            raise SystemExit(f"command failed ({code}): {' '.join(map(str, cmd))}\n"
                             f"{err.read()[-2000:].decode('utf-8', 'replace')}")
    return Run(dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, code)


def repeat(cmd, repeats: int, warmup: int = 0, ok=(0, 1)) -> tuple[float, float, float]:
    """(median CPU seconds, max peak MiB, median wall seconds) of `repeats` runs.

    CPU time (user + system, the process and the workers it waited for) is the
    figure compared: on a shared machine wall time mostly measures the others."""
    for _ in range(warmup):
        run(cmd, ok)
    runs = [run(cmd, ok) for _ in range(repeats)]
    return (statistics.median(r.cpu for r in runs), max(r.rss_mib for r in runs),
            statistics.median(r.seconds for r in runs))


def timed(fn, repeats: int, warmup: int = 1) -> float:
    """Median CPU seconds of fn() in this process (process_time, as the children's figures)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return statistics.median(times)


def cores_free(window: float = 0.5) -> float:
    """How many cores were idle over `window` seconds (from /proc/stat; nan elsewhere)."""
    def sample():
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
        return f[3] + f[4], sum(f[:8])
    try:
        i0, t0 = sample()
        time.sleep(window)
        i1, t1 = sample()
    except OSError:
        return float("nan")
    return (os.cpu_count() or 1) * (i1 - i0) / max(1, t1 - t0)


# ------------------------------------------------------------------ the corpus

MONEY = {"年初预算数", "全年预算数", "决算数", "结转结余总额", "固定资产总额", "在用固定资产总额"}


def make_tables(depts: Path, projects: Path, n: int, rng: random.Random) -> None:
    """n departments varied from the sample's rows, each with a project list whose
    counts agree with its 计划项目数/完成项目数 (Chinese headers as users have them)."""
    with open(ROOT / "samples" / "departments.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, base = rows[0], rows[1:]
    planned, completed = header.index("计划项目数"), header.index("完成项目数")
    with open(depts, "w", encoding="utf-8-sig", newline="") as fd, \
            open(projects, "w", encoding="utf-8-sig", newline="") as fp:
        wd, wp = csv.writer(fd), csv.writer(fp)
        wd.writerow(header)
        wp.writerow(["单位名称", "项目名称", "全年预算金额", "决算金额", "是否完成"])
        for i in range(n):
            row = list(base[i % len(base)])
            row[0] = name = f"测试单位{i:05d}"
            scale = rng.uniform(0.8, 1.2)      # one factor: the sample's money columns stay consistent
            for j, col in enumerate(header):
                if col in MONEY and row[j]:
                    row[j] = f"{float(row[j]) * scale:.2f}"
            k = rng.randint(5, 40)
            done = 0
            share = float(row[header.index("全年预算数")] or 1000) * rng.uniform(0.3, 0.9) / k
            for p in range(k):
                budget = share * rng.uniform(0.5, 1.5)
                finished = rng.random() < 0.85
                done += finished
                wp.writerow([name, f"{name}专项资金项目{p + 1:02d}", f"{budget:.2f}",
                             f"{budget * rng.uniform(0.6, 1.0):.2f}", "是" if finished else "否"])
            row[planned], row[completed] = str(k), str(done)
            wd.writerow(row)


# ------------------------------------------------------------------ floors

CHECK_PARTS = ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml")


def check_parts(zf: zipfile.ZipFile) -> list[str]:
    """The parts check reads: package and workbook parts, every sheet, the shared strings."""
    names = set(zf.namelist())
    return [p for p in CHECK_PARTS if p in names] + sorted(
        n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def floor_expat(files: list[Path]) -> None:
    import xml.parsers.expat
    for f in files:
        with zipfile.ZipFile(f) as zf:
            for part in check_parts(zf):
                xml.parsers.expat.ParserCreate().Parse(zf.read(part), True)


def floor_lxml(files: list[Path]) -> None:
    from lxml import etree
    for f in files:
        with zipfile.ZipFile(f) as zf:
            for part in check_parts(zf):
                etree.fromstring(zf.read(part))


def changed_parts(template: Path, filled: Path) -> list[tuple[str, bytes]]:
    """The members of a filled workbook whose content differs from the template's."""
    with zipfile.ZipFile(template) as zt, zipfile.ZipFile(filled) as zf:
        old = {i.filename: zt.read(i) for i in zt.infolist()}
        return [(i.filename, zf.read(i)) for i in zf.infolist() if old.get(i.filename) != zf.read(i)]


def floor_write(parts: list[tuple[str, bytes]], size: int, out: Path) -> None:
    """The least any writer must do per department: deflate the changed parts (level 1,
    as fill does), checksum them, write a file of the output's size and fsync it
    (fill fsyncs every file by default)."""
    chunks = []
    for _, raw in parts:
        zlib.crc32(raw)
        c = zlib.compressobj(1, zlib.DEFLATED, -15)
        chunks.append(c.compress(raw) + c.flush())
    body = b"".join(chunks)
    data = body + bytes(max(0, size - len(body)))
    with open(out, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def fill_phases(depts: Path, projects: Path, out: Path, k: int) -> tuple[float, float]:
    """CPU seconds per department of fill's two phases, in this process, over its first k rows:
    checking, scoring and drafting a row (fill.safe_check), and writing it (render the
    patched parts, deflate, write, fsync: what the write floor does, plus the rendering)."""
    from xl_eval.batch import fill as F
    from xl_eval.framework.model import load
    fw = load()
    p = F.plan(fw, depts, projects)
    ctx = F.Context(p.departments, p.columns, True, p.absent, p.year)
    tasks = [t for _, t in zip(range(k), p.tasks)]
    out.mkdir(exist_ok=True)
    w = F.make_writer(fw, F.template_bytes(fw), out, overwrite=True, run_id="bench")
    checked = [F.safe_check(fw, ctx, t) for t in tasks]          # warm-up (caches, first imports)
    t = time.process_time()
    checked = [F.safe_check(fw, ctx, t) for t in tasks]
    t_check = (time.process_time() - t) / len(tasks)
    w.patcher.render(F.cell_values(w, checked[0].values, tasks[0].projects, checked[0].notes))   # warm-up
    t = time.process_time()
    for task, c in zip(tasks, checked):
        data = w.patcher.render(F.cell_values(w, c.values, task.projects, c.notes))
        with open(out / task.file_name, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    t_write = (time.process_time() - t) / len(tasks)
    w.publisher.close()
    return t_check, t_write


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


def openpyxl_read_all(f: Path) -> None:
    import openpyxl
    wb = openpyxl.load_workbook(f, read_only=True)
    for ws in wb.worksheets:
        for _ in ws.iter_rows(values_only=True):
            pass
    wb.close()


# ------------------------------------------------------------------ main

def supports(command: str, option: str) -> bool:
    out = subprocess.run([*XL, command, "--help"], capture_output=True, text=True, env=ENV, cwd=ROOT)
    return option in out.stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--departments", type=int, default=None, help="corpus size (default 1000; --quick 100)")
    ap.add_argument("--repeats", type=int, default=None, help="runs per figure (default 3; --quick 2)")
    ap.add_argument("--quick", action="store_true", help="a small corpus and few repeats, for development")
    ap.add_argument("--no-libreoffice", action="store_true", help="do not re-save half the corpus by LibreOffice")
    ap.add_argument("--keep", action="store_true", help="keep the corpus folder (its path is printed)")
    ap.add_argument("--fill-only", action="store_true", help="measure fill and its floors only (no check, collect)")
    args = ap.parse_args(argv)
    n = args.departments or (100 if args.quick else 1000)
    reps = args.repeats or (2 if args.quick else 3)
    small = max(2, min(100, n // 10))
    rng = random.Random(20241231)
    work = Path(tempfile.mkdtemp(prefix="xl-eval-bench-"))
    results: dict[str, dict] = {}
    notes: list[str] = []

    def record(key, value, baseline=None, target="", unit="s", free=None, met=None):
        ratio = value / baseline if baseline else None
        results[key] = {"value": value, "baseline": baseline, "ratio": ratio, "target": target, "unit": unit,
                        "cores_free": free, "met": met}

    def probe() -> float:
        return cores_free()

    try:
        depts, projects = work / "departments.csv", work / "projects.csv"
        make_tables(depts, projects, n, rng)
        one_dept, one_proj = work / "one.csv", work / "one_projects.csv"
        make_tables(one_dept, one_proj, 1, random.Random(1))
        small_dept, small_proj = work / "small.csv", work / "small_projects.csv"
        make_tables(small_dept, small_proj, small, random.Random(2))
        template = work / "template.xlsx"
        run([*XL, "template", "-o", template])
        fill = [*XL, "fill"]

        # ---------------------------------------------------------------- fill
        def fill_cmd(table, proj, out, jobs):
            return [*fill, table, "--projects", proj, "-o", out, "--jobs", str(jobs), "--force"]

        t1, m_fill, fill_wall = repeat(fill_cmd(depts, projects, work / "j1", 1), reps)
        t_one, _, _ = repeat(fill_cmd(one_dept, one_proj, work / "one", 1), reps)
        _, m_fill_small, _ = repeat(fill_cmd(small_dept, small_proj, work / "small", 1), 1)
        frees, t2s, c2s = [], [], []
        for _ in range(reps):
            frees.append(probe())
            r2 = run(fill_cmd(depts, projects, work / "j2", 2))
            t2s.append(r2.seconds)
            c2s.append(r2.cpu)
        t2 = statistics.median(t2s)
        fill_par = statistics.median(c2s) / t1          # CPU of --jobs 2 over --jobs 1: the parallel overhead
        files = sorted((work / "j1").glob("*.xlsx"))
        if len(files) != n:
            raise SystemExit(f"fill wrote {len(files)} files for {n} departments")
        fill_per = (t1 - t_one) / (n - 1)

        sample = files[:: max(1, n // 20)][:20]
        parts = [(changed_parts(template, f), f.stat().st_size) for f in sample]
        it = iter(range(10 ** 9))
        floor_w = timed(lambda: floor_write(*parts[next(it) % len(parts)], work / "floor.bin"), max(20, 5 * reps))
        sys.path.insert(0, str(ROOT))
        from xl_eval.framework.model import load
        from xl_eval.sources.departments import read_departments
        rows = read_departments(load(), depts).rows[:20]
        (work / "baseline").mkdir()
        base_fill = timed(lambda: baseline_fill(template, rows[next(it) % len(rows)].values,
                                                work / "baseline" / "b.xlsx"), reps)
        phases = fill_phases(depts, projects, work / "phases", 20)
        record("fill per department, --jobs 1 (marginal)", fill_per, floor_w,
               "≤ 1.1× write floor", met=fill_per <= 1.1 * floor_w)
        record("  write floor: deflate changed parts + write + fsync", floor_w)
        record("  openpyxl load+write+save per department", base_fill, fill_per, "(for reference)")
        record("  of which checking, scoring, drafting (in process)", phases[0], fill_per, "(for reference)")
        record("  of which writing: render + deflate + write + fsync (in process)", phases[1], floor_w,
               "≤ 1.1× write floor (the writer's own part)", met=phases[1] <= 1.1 * floor_w)
        record(f"fill wall time {n}, --jobs 2 vs --jobs 1", t2, fill_wall, "≤ 0.6× when 2 cores are free",
               free=statistics.median(frees), met=t2 <= 0.6 * fill_wall)
        record("  fill CPU, --jobs 2 vs --jobs 1 (parallel overhead)", statistics.median(c2s), t1, "(for reference)")
        record(f"fill peak memory, {n} vs {small} departments", m_fill, m_fill_small, "≤ +30 MiB",
               unit="MiB", met=m_fill - m_fill_small <= 30)
        if args.fill_only:
            raise _FillOnly

        # ------------------------------------- half the corpus saved by LibreOffice
        from xl_eval.xlsx.libreoffice import find_soffice, recalculate
        if find_soffice() and not args.no_libreoffice:
            half = files[: n // 2]
            for src, dst in recalculate(half, work / "lo").items():
                shutil.move(dst, src)     # the openpyxl-written file replaced by the LibreOffice-saved one
        else:
            notes.append("LibreOffice not used: the corpus holds only files written by fill")
        corpus_dir = work / "j1"
        small_dir = work / "check_small"
        small_dir.mkdir()
        for f in files[:: max(1, n // small)][:small]:
            shutil.copy(f, small_dir / f.name)

        # --------------------------------------------------------------- check
        check = [*XL, "check"]
        tc, m_check, tc_wall = repeat([*check, corpus_dir], reps)
        tc_one, _, _ = repeat([*check, files[-1]], reps)
        _, m_check_small, _ = repeat([*check, small_dir], 1)
        check_per = (tc - tc_one) / (n - 1)
        f_exp = timed(lambda: floor_expat(files), reps) / n
        try:
            f_lxml = timed(lambda: floor_lxml(files), reps) / n
        except ImportError:
            f_lxml = None
            notes.append("lxml is not installed: no unzip+lxml floor")
        ro_sample = files[:: max(1, n // 10)][:10]
        t_ro = timed(lambda: [openpyxl_read_all(f) for f in ro_sample], reps) / len(ro_sample)
        record("check per file (marginal, check DIR)", check_per, f_lxml, "≤ 1.5× unzip+lxml floor",
               met=f_lxml is not None and check_per <= 1.5 * f_lxml)
        record("  vs unzip+expat floor", check_per, f_exp, "(for reference)")
        record("  vs openpyxl read_only, every sheet", check_per, t_ro, "≤ 0.15×", met=check_per <= 0.15 * t_ro)
        check_par = 1.0
        if supports("check", "--jobs"):
            frees, tcs, ccs = [], [], []
            for _ in range(reps):
                frees.append(probe())
                r2 = run([*check, corpus_dir, "--jobs", "2"])
                tcs.append(r2.seconds)
                ccs.append(r2.cpu)
            check_par = statistics.median(ccs) / tc
            record(f"check wall time {n}, --jobs 2 vs --jobs 1", statistics.median(tcs), tc_wall,
                   "≤ 0.6× when 2 cores are free", free=statistics.median(frees),
                   met=statistics.median(tcs) <= 0.6 * tc_wall)
        record(f"check peak memory, {n} vs {small} files", m_check, m_check_small, "≤ +30 MiB", unit="MiB",
               met=m_check - m_check_small <= 30)

        # ------------------------------------------------------------- collect
        def collect_cmd(src, out, extra=()):
            return [*XL, "collect", src, "-o", work / out, "--force", *extra]

        tl, m_col, tl_wall = repeat(collect_cmd(corpus_dir, "all.xlsx"), reps)
        tl_one, _, _ = repeat(collect_cmd(files[-1], "one.xlsx"), reps)
        _, m_col_small, _ = repeat(collect_cmd(small_dir, "small.xlsx"), 1)
        collect_per = (tl - tl_one) / (n - 1)
        record("collect per file (marginal)", collect_per, check_per, "≤ 1.1× check per file",
               met=collect_per <= 1.1 * check_per)
        collect_par = 1.0
        if supports("collect", "--jobs"):
            frees, tls, cls = [], [], []
            for _ in range(reps):
                frees.append(probe())
                r2 = run(collect_cmd(corpus_dir, "all2.xlsx", ("--jobs", "2")))
                tls.append(r2.seconds)
                cls.append(r2.cpu)
            tl2 = statistics.median(tls)
            collect_par = statistics.median(cls) / tl
            record(f"collect wall time {n}, --jobs 2 vs --jobs 1", tl2, tl_wall, "≤ 0.6× when 2 cores are free",
                   free=statistics.median(frees), met=tl2 <= 0.6 * tl_wall)
        record(f"collect peak memory, {n} vs {small} files", m_col, m_col_small, "≤ +30 MiB", unit="MiB",
               met=m_col - m_col_small <= 30)

        # ------------------------------------------------------------ start-up
        sreps = max(5, reps)
        t_click, _, _ = repeat([PY, "-c", "import click"], sreps, warmup=1)
        t_help, _, _ = repeat([*XL, "--help"], sreps, warmup=1)
        t_ver, _, _ = repeat([*XL, "--version"], sreps, warmup=1)
        t_chk1, _, _ = repeat([*check, files[-1]], sreps, warmup=1)
        t_tpl, _, _ = repeat([*XL, "template", "-o", work / "t.xlsx", "--force"], sreps, warmup=1)
        record("xl-eval --help (process)", t_help, t_click, "≤ 1.3× python -c 'import click'",
               met=t_help <= 1.3 * t_click)
        record("xl-eval --version (process)", t_ver, t_click, "(for reference)")
        record("xl-eval check one.xlsx (process)", t_chk1, t_click, "≤ 2× python -c 'import click'",
               met=t_chk1 <= 2 * t_click)
        record("xl-eval template (process)", t_tpl, t_click, "(no target)")

        # ------------------------------------------------------- extrapolation
        # CPU per item times 10^5 plus the fixed costs: what an otherwise idle machine
        # takes; --jobs 2 spreads the per-item CPU (with the measured parallel overhead)
        # over two idle cores.
        fixed = t_one + tc_one + tl_one
        total1 = 1e5 * (fill_per + check_per + collect_per) + fixed
        total2 = 1e5 * (fill_per * fill_par + check_per * check_par + collect_per * collect_par) / 2 + fixed
        record("10^5 workbooks fill+check+collect, --jobs 1 (extrapolated)", total1, None, "< 30 min",
               met=total1 < 1800)
        record("10^5 workbooks fill+check+collect, --jobs 2, 2 idle cores (extrapolated)", total2, None,
               "< 30 min", met=total2 < 1800)
    except _FillOnly:
        notes.append("--fill-only: check, collect, start-up and the 10^5 line not measured")
    finally:
        if args.keep:
            print(f"corpus kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "python": platform.python_version(), "cores": os.cpu_count(),
            "machine": platform.machine(), "departments": n, "repeats": reps, "load": _loadavg(), "notes": notes}
    print(f"xl-eval bench — {meta['date']}, Python {meta['python']}, {meta['cores']} cores, {n} departments, "
          f"{reps} repeats, load average {meta['load']}\n")
    print(f"{'measure':62} {'median':>11} {'against':>11} {'ratio':>8}  {'free':>5}  target")
    for key, r in results.items():
        fmt = _fmt(r["unit"], r["value"])
        print(f"{key:62} {fmt(r['value']):>11} {fmt(r['baseline']) if r['baseline'] else '':>11} "
              f"{(format(r['ratio'], '7.2f') + '×') if r['ratio'] else '':>8}  "
              f"{format(r['cores_free'], '4.1f') if r['cores_free'] is not None else '':>5}  {r['target']}"
              + ("" if r["met"] is None else ("  met" if r["met"] else "  NOT MET")))
    for note in notes:
        print("note:", note)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
    print(f"\nJSON: {out / 'latest.json'}")
    return 0


class _FillOnly(Exception):
    """--fill-only: the rest of the bench is skipped."""


def _fmt(unit: str, value: float):
    if unit == "MiB":
        return lambda v: f"{v:7.1f}MiB"
    if value is not None and value >= 60:
        return lambda v: f"{v / 60:8.1f}min"
    return lambda v: f"{v * 1000:8.2f}ms"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())

"""fill's fast paths of issue 15 write what the reference paths write.

* the spliced writer (unchanged template stretches deflated once, only the
  re-rendered rows compressed per department) == the whole-part writer
  (``package.WHOLE_PARTS``), part by part after decompression, on the shipped
  frameworks' sample tables and a bench-like batch with project lists; the
  output is a zip whose CRCs hold and that openpyxl opens;
* ``fill --jobs 2`` writes the same bytes and prints the same as ``--jobs 1``.

No timing here: the figures are in bench/README.md.
"""

import io
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xl_eval.batch import fill as F
from xl_eval.framework.model import SHIPPED_DIR, load
from xl_eval.xlsx import package as P

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(ROOT / "bench"))


@pytest.fixture(scope="module")
def bench_tables(tmp_path_factory):
    """40 departments with 5-40 projects each, as the bench builds them."""
    import run as bench
    d = tmp_path_factory.mktemp("tables")
    bench.make_tables(d / "departments.csv", d / "projects.csv", 40, random.Random(15))
    return d / "departments.csv", d / "projects.csv"


CASES = [
    ("annex1", SAMPLES / "departments.csv", SAMPLES / "projects.csv"),
    ("dept_2013_53", SAMPLES / "dept_2013_53.csv", None),
    ("project_2020_10", SAMPLES / "project_2020_10.csv", None),
    ("bench", None, None),
]


def _workbooks(fw, departments, projects, tmp_path):
    """(spliced bytes, whole-part bytes) of every row that is written."""
    p = F.plan(fw, departments, projects)
    ctx = F.Context(p.departments, p.columns, absent=p.absent)
    w = F.make_writer(fw, F.template_bytes(fw), tmp_path, overwrite=True, run_id="t")
    out = []
    for task in p.tasks:
        checked = F.safe_check(fw, ctx, task)
        if checked.values is None:
            continue
        values = F.cell_values(w, checked.values, task.projects, checked.notes)
        try:
            P.WHOLE_PARTS = True
            whole = w.patcher.render(values)
        finally:
            P.WHOLE_PARTS = False
        out.append((w.patcher.render(values), whole))
    w.publisher.close()
    return out


@pytest.mark.parametrize("name,departments,projects", CASES, ids=[c[0] for c in CASES])
def test_spliced_parts_equal_whole_parts(name, departments, projects, bench_tables, tmp_path):
    fw = load(SHIPPED_DIR / ("annex1.yaml" if name == "bench" else f"{name}.yaml"))
    if name == "bench":
        departments, projects = bench_tables
    books = _workbooks(fw, departments, projects, tmp_path)
    assert len(books) >= (40 if name == "bench" else 1)
    spliced_somewhere = False
    for new, old in books:
        zn, zo = zipfile.ZipFile(io.BytesIO(new)), zipfile.ZipFile(io.BytesIO(old))
        assert zn.namelist() == zo.namelist()
        assert zn.testzip() is None                      # every member's CRC and size hold
        for info in zn.infolist():
            assert zn.read(info) == zo.read(info.filename), info.filename
        spliced_somewhere |= new != old
    assert spliced_somewhere          # the compressed bytes differ: the spliced path was taken


def test_spliced_workbook_opens_in_openpyxl(bench_tables, tmp_path):
    import openpyxl
    fw = load()
    new, _ = _workbooks(fw, *bench_tables, tmp_path)[0]
    wb = openpyxl.load_workbook(io.BytesIO(new))
    names = {n: wb.defined_names[n].attr_text for n in ("unit_name", "projects_name")}
    sheet, ref = names["unit_name"].split("!")
    assert wb[sheet.strip("'")][ref.replace("$", "")].value == "测试单位00000"
    sheet, ref = names["projects_name"].split("!")
    first = ref.replace("$", "").split(":")[0]
    assert wb[sheet.strip("'")][first].value == "测试单位00000专项资金项目01"


def test_splice_of_stretches_and_rows_is_one_valid_stream():
    """Hand-made: unchanged stretches and new text in every order inflate to the text."""
    import zlib
    raw = b"".join(b"<row r=\"%d\"><c r=\"A%d\"><v>%d</v></c></row>" % (i, i, i * 7) for i in range(400))
    stretches = P._Stretches(6)
    cases = [
        [(0, 100), b"NEW", (100, len(raw))],
        [b"NEW", (0, len(raw))],
        [(0, len(raw)), b"NEW"],
        [b"A", (0, 5), b"B", (5, 5000), b"C" * 3000, (5000, len(raw))],
        [b"only new"],
        [],
    ]
    for segments in cases:
        m = P._Member.spliced("x.xml", raw, segments, stretches, 1)
        want = b"".join(raw[s[0]:s[1]] if isinstance(s, tuple) else s for s in segments)
        assert zlib.decompress(m.data, -15) == want
        assert (m.crc, m.size) == (zlib.crc32(want), len(want))


def _fill(tmp_path, out, jobs, departments, projects):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "xl_eval.cli", "fill", str(departments), "--projects",
                           str(projects), "-o", out, "--jobs", str(jobs), "--json", "-"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)


def test_jobs_2_writes_and_prints_what_jobs_1_does(bench_tables, tmp_path):
    r1 = _fill(tmp_path, "j1", 1, *bench_tables)
    r2 = _fill(tmp_path, "j2", 2, *bench_tables)
    assert r1.returncode == r2.returncode == 0, r1.stderr[-2000:]
    for a, b in ((r1.stdout, r2.stdout), (r1.stderr, r2.stderr)):        # JSON, then the text summary
        assert a.replace("j1", "jX") == b.replace("j2", "jX")
    one = sorted(p.name for p in (tmp_path / "j1").iterdir())
    assert len(one) == 40 and one == sorted(p.name for p in (tmp_path / "j2").iterdir())
    for name in one:
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes(), name


# ------------------------------------------------------------------ streaming plan and results

def _held(monkeypatch):
    """Make plan() read its tables whole (read_table), as it did before streaming."""
    from xl_eval.sources import tables as T
    monkeypatch.setattr(T, "stream_table", lambda path, **kw: T.read_table(path, **kw))


def _tasks(p):
    return [(t.row, t.name, t.file_name, t.raw, t.projects, t.early, t.duplicate) for t in p.tasks]


@pytest.mark.parametrize("name", ["samples", "bench", "messy"])
def test_streamed_plan_equals_the_held_plan(name, bench_tables, tmp_path, monkeypatch):
    fw = load()
    if name == "samples":
        departments, projects = SAMPLES / "departments.csv", SAMPLES / "projects.csv"
    elif name == "bench":
        departments, projects = bench_tables
    else:       # duplicates, a 合计 row, a name that needs a _2, a project row that cannot be read, unused units
        departments, projects = tmp_path / "d.csv", tmp_path / "p.csv"
        rows = (SAMPLES / "departments.csv").read_text(encoding="utf-8-sig").splitlines()
        first = rows[1].split(",", 1)[1]
        departments.write_text("\n".join([rows[0], *rows[1:], "A/B," + first, "A_B," + first, rows[1],
                                          "合计,,,", "\"多行\n名称\"," + first]) + "\n", encoding="gb18030")
        plist = (SAMPLES / "projects.csv").read_text(encoding="utf-8-sig").splitlines()
        projects.write_text("\n".join([*plist, "A/B,项目甲,12.5,10,是", "A/B,项目乙,abc,10,是",
                                       "别的单位,项目丙,1,1,否"]) + "\n", encoding="utf-8-sig")
    streamed = F.plan(fw, departments, projects)
    _held(monkeypatch)
    held = F.plan(fw, departments, projects)
    assert streamed.warnings == held.warnings and streamed.errors == held.errors
    assert len(streamed.tasks) == len(held.tasks) == len(_tasks(held))
    assert _tasks(streamed) == _tasks(held)
    assert _tasks(streamed) == _tasks(streamed)          # a second pass reads the same


def test_streamed_plan_survives_a_worker(bench_tables):
    import pickle
    fw = load()
    p = F.plan(fw, *bench_tables)
    assert _tasks(pickle.loads(pickle.dumps(p))) == _tasks(p)


def test_json_summary_is_what_json_dumps_writes(bench_tables, tmp_path):
    import json
    r = _fill(tmp_path, "out", 1, *bench_tables)
    assert r.returncode == 0, r.stderr[-2000:]
    summary = json.loads(r.stdout)
    assert len(summary["files"]) == 40 and summary["skipped_rows"] == []
    assert r.stdout == json.dumps(summary, ensure_ascii=False, indent=2) + "\n"

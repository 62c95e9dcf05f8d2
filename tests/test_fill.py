"""`xl-eval fill`: messy tables, file names, no overwrite, atomic writes, --jobs,
and the written workbooks against LibreOffice and `xl-eval check`.

Expectations are written by hand from the documented behaviour (fill's
--help and the README), not computed by the code under test.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_eval.cli import cli, main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SEED = "昌吉市人民政府中山路街道办事处"
SAMPLE_FILES = {SEED + ".xlsx", "城东街道办事处（示例）.xlsx", "城南街道办事处（示例）.xlsx",
                "城西街道办事处（示例）.xlsx", "城北街道办事处（示例）.xlsx"}


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def sample_rows() -> tuple[list[str], dict[str, list[str]]]:
    rows = list(csv.reader(open(SAMPLES / "departments.csv", encoding="utf-8-sig")))
    return rows[0], {r[0][:2]: r for r in rows[1:]}


def named(path: Path) -> dict:
    """Defined name -> cell value (as written; formulas as text) of a workbook."""
    wb = load_workbook(path)
    out = {}
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) == 1 and ":" not in dests[0][1]:
            sheet, ref = dests[0]
            out[name] = wb[sheet][ref.replace("$", "")].value
    return out


def project_names(path: Path) -> list[str]:
    wb = load_workbook(path)
    sheet, ref = next(iter(wb.defined_names["projects_name"].destinations))
    return [c[0].value for c in wb[sheet][ref.replace("$", "")] if c[0].value is not None]


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".xl-eval-")]


# ------------------------------------------------------------------ messy input

@pytest.fixture
def messy(tmp_path, monkeypatch):
    """A GBK table with everything finance staff's exports really contain."""
    monkeypatch.chdir(tmp_path)
    hdr, rows = sample_rows()
    col = {h: i for i, h in enumerate(hdr)}

    def row(base, name, **changes):
        r = list(rows[base])
        r[0] = name
        for k, v in changes.items():
            r[col[k]] = v
        return r + ["样例"]

    table = [hdr + ["备注"],
             # 2: amounts with 万元 and commas, full-width digits, spaces; counts from the project list
             row("昌吉", SEED, 年初预算数="3,592.06万元", 全年预算数="４１８４.６９", 固定资产总额=" 2452.53 ",
                 计划项目数="", 完成项目数=""),
             # 3: evaluator judgements left blank: fine, they stay blank
             row("城东", "城东街道办事处（示例）", 资金支出规范性得分="", 是否存在违规支出="", 产业结构优化得分=""),
             # 4: a Chinese numeral in a number column
             row("城南", "城南街道办事处（示例）", 年初预算数="三千"),
             # 5: a blank line
             [""] * (len(hdr) + 1),
             # 6: a blank required figure and text in a number column: both reported
             row("城西", "城西街道办事处（示例）", 全年预算数="", 结转结余总额="abc"),
             # 7: the same 单位名称 again (trailing space)
             row("昌吉", SEED + " ", 计划项目数="", 完成项目数=""),
             # 8-10: names that are no safe file names, two of them colliding
             row("城北", "CON"),
             row("城北", "城北/街道:办事处?"),
             row("城北", "城北_街道_办事处_"),
             # 11: 元 instead of 万元
             row("城北", "城北街道办事处（示例）", 决算数="1380元")]
    with open(tmp_path / "messy.csv", "w", encoding="gbk", newline="") as fh:
        csv.writer(fh).writerows(table)
    return tmp_path


MESSY_FILES = {SEED + ".xlsx", "城东街道办事处（示例）.xlsx", "_CON.xlsx", "城北_街道_办事处_.xlsx",
               "城北_街道_办事处__2.xlsx"}
MESSY_MESSAGES = [
    "messy.csv：列“备注”不是框架中的输入项，此列未写入工作簿（输入项的名称见 xl-eval framework show）",
    "messy.csv:第4行 列“年初预算数”：应写阿拉伯数字（原值：'三千'），可能是 3000",
    "messy.csv:第6行 列“全年预算数”：为必填项，不能为空",
    "messy.csv:第6行 列“结转结余总额”：不是数字（原值：'abc'）",
    "messy.csv:第7行 列“单位名称”：单位名称与第2行重复，本行未生成（同一单位只生成一个工作簿）",
    "messy.csv:第11行 列“决算数”：单位应为万元（填的是元）（原值：'1380元'），可能是 0.138",
]


def test_messy_table_writes_exactly_the_good_rows(messy):
    res = run("fill", "messy.csv", "--projects", SAMPLES / "projects.csv", "-o", "out")
    assert res.exit_code == 1, res.output
    assert {p.name for p in (messy / "out").iterdir()} == MESSY_FILES
    assert res.stderr.splitlines() == MESSY_MESSAGES
    assert "共 9 行：生成 5 个，未生成 4 行；发现问题 5 条，提示 1 条" in res.stdout


def test_messy_values_are_written_as_read(messy):
    run("fill", "messy.csv", "--projects", SAMPLES / "projects.csv", "-o", "out")
    seed = named(messy / "out" / (SEED + ".xlsx"))
    assert seed["unit_name"] == SEED
    assert seed["budget_initial"] == 3592.06            # "3,592.06万元"
    assert seed["budget_full"] == 4184.69               # full-width digits
    assert seed["assets_total"] == 2452.53              # surrounding spaces
    assert seed["eval_year"] == 2024
    assert seed["budget_disclosure"] == "按规定公开"
    assert seed["fin_violation"] == "否"
    # counts left blank: the workbook counts its own 项目明细 (28 projects of Table 7)
    assert seed["projects_planned"] is None and seed["projects_completed"] is None
    names = project_names(messy / "out" / (SEED + ".xlsx"))
    assert len(names) == 28 and names[0] == "人大“微实事”专项资金"
    # formulas intact
    assert str(seed["total_score"]).startswith("=")
    assert str(seed["score_budget_adjustment"]).startswith("=")
    east = named(messy / "out" / "城东街道办事处（示例）.xlsx")
    assert east["fin_spending_score"] is None and east["fin_violation"] is None
    assert east["industry_score"] is None
    assert east["livelihood_score"] == 6
    assert project_names(messy / "out" / "城东街道办事处（示例）.xlsx") == []


def test_reasons_are_drafted_for_deductions_only(tmp_path):
    run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", tmp_path / "a")
    seed = named(tmp_path / "a" / (SEED + ".xlsx"))
    # 预算调整率 16.50% is in the (10%, 40%] band: 2 of 4 points (the report's own reasoning)
    assert seed["reason_budget_adjustment"] == ("年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%，"
                                                "在10%（不含）至40%（含）档内，计2分，扣2分。")
    # 财务合规性: only the sub-item that lost points; 6.5 points over 10%, 6 whole ones at 0.1
    assert seed["reason_fin_compliance"] == ("年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%，"
                                             "超出10%共6.5个百分点，每满1个百分点扣0.1分，扣0.6分。")
    assert seed["reason_budget_norms"] == "预算编制不符合要求2项，每项扣1分，扣2分。"
    assert seed["reason_carryover_control"] is None          # full points: nothing to explain
    # 完成情况: the figures the rule used, for every leaf that can be scored
    assert seed["findings_budget_adjustment"] == "年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%。"
    assert seed["findings_carryover_control"] == "全年预算数为4184.69万元，结转结余总额为0万元，结转结余率为0.00%。"
    run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", tmp_path / "b",
        "--no-reasons")
    plain_copy = named(tmp_path / "b" / (SEED + ".xlsx"))
    assert plain_copy["reason_budget_adjustment"] is None and plain_copy["findings_budget_adjustment"] is None


def test_a_draft_that_fails_is_said_not_swallowed(tmp_path, monkeypatch):
    """A drafting fault leaves that text blank; the workbook is written and the summary
    names the indicator, so the evaluator knows to write it by hand."""
    import xl_eval.drafting as drafting
    real = drafting.draft_reason

    def draft_reason(fw, ev, code):
        if code == "budget_adjustment":
            raise ValueError("injected")
        return real(fw, ev, code)

    monkeypatch.setattr(drafting, "draft_reason", draft_reason)
    res = run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", tmp_path / "a")
    assert res.exit_code == 0, res.output            # a warning, not an error
    assert "（提示）以下指标的完成情况/扣分原因未能自动起草，请在打分表中手工填写：预算调整率" in res.stderr
    seed = named(tmp_path / "a" / (SEED + ".xlsx"))
    assert seed["reason_budget_adjustment"] is None and seed["findings_budget_adjustment"] is None
    assert seed["reason_budget_norms"] == "预算编制不符合要求2项，每项扣1分，扣2分。"


def test_empty_and_header_only_files_cannot_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("empty.csv").write_bytes(b"")
    res = run("fill", "empty.csv", "-o", "out")
    assert res.exit_code == 2
    assert res.stderr.strip() == "错误：empty.csv：文件是空的（没有表头）"
    hdr, _ = sample_rows()
    Path("header.csv").write_text(",".join(hdr) + "\n", encoding="gbk")
    res = run("fill", "header.csv", "-o", "out")
    assert res.exit_code == 2
    assert res.stderr.strip() == "错误：header.csv：只有表头，没有数据行"
    assert not Path("out").exists() or not list(Path("out").iterdir())


def test_missing_columns_are_reported_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("t.csv").write_text("单位名称,年初预算数\n甲,1\n乙,2\n", encoding="utf-8")
    res = run("fill", "t.csv", "-o", "out")
    # a partial export: the workbooks are written, each missing column is listed once (#16 item 5)
    assert res.exit_code == 0, res.output
    for label in ("评价年度", "全年预算数", "决算数", "政府采购计划项目数"):
        assert res.stderr.count(f"没有“{label}”列") == 1, label
    assert sorted(p.name for p in Path("out").iterdir()) == ["乙.xlsx", "甲.xlsx"]
    Path("n.csv").write_text("名称,年初预算数\n甲,1\n", encoding="utf-8")
    res = run("fill", "n.csv", "-o", "out")
    assert res.exit_code == 2 and "缺少“单位名称”列" in res.stderr


def test_xlsx_table_with_numbers_stored_as_text(tmp_path, monkeypatch):
    from openpyxl import Workbook
    monkeypatch.chdir(tmp_path)
    hdr, rows = sample_rows()
    wb = Workbook()
    ws = wb.active
    ws.append(hdr)
    r = list(rows["城北"])
    ws.append([v if i in (0, hdr.index("年初预算数")) else (float(v) if v.replace(".", "").isdigit() else v)
               for i, v in enumerate(r)])       # 年初预算数 stays text "500"
    wb.save("t.xlsx")
    res = run("fill", "t.xlsx", "-o", "out")
    assert res.exit_code == 0, res.output
    values = named(tmp_path / "out" / "城北街道办事处（示例）.xlsx")
    assert values["budget_initial"] == 500 and values["projects_planned"] == 12


def test_project_list_problems(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = (SAMPLES / "projects.csv").read_text(encoding="utf-8-sig").splitlines()
    lines.append("城南街道办事处（示例）,路灯维修,十万,9.5,是")    # row 33: unreadable budget
    lines.append("不存在的单位,某项目,1,1,是")
    Path("p.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("fill", SAMPLES / "departments.csv", "--projects", "p.csv", "-o", "out")
    assert res.exit_code == 1
    err = res.stderr.splitlines()
    assert "p.csv：单位“不存在的单位”不在单位表中，其 1 个项目未使用" in err
    assert any(line.startswith("p.csv:第33行 列“全年预算金额”：") for line in err)
    assert any("第4行 列“单位名称”：项目明细表第33行有误（见上），本单位未生成" in line for line in err)
    assert {p.name for p in (tmp_path / "out").iterdir()} == SAMPLE_FILES - {"城南街道办事处（示例）.xlsx"}


def test_too_many_projects_for_the_sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = ["单位名称,项目名称,全年预算金额,决算金额,是否完成"]
    rows += [f"城东街道办事处（示例）,项目{i},1,1,是" for i in range(201)]
    Path("p.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = run("fill", SAMPLES / "departments.csv", "--projects", "p.csv", "-o", "out")
    assert res.exit_code == 1
    assert "第3行 列“单位名称”：项目明细有 201 个项目，超过工作簿“项目明细”表的容量 200 行，本单位未生成" in res.stderr
    assert not (tmp_path / "out" / "城东街道办事处（示例）.xlsx").exists()


# ------------------------------------------------------------------ files

def test_no_overwrite_without_force(tmp_path):
    out = tmp_path / "out"
    assert run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", out).exit_code == 0
    seed = out / (SEED + ".xlsx")
    seed.write_bytes(b"the evaluator's work")
    res = run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", out)
    assert res.exit_code == 1
    assert f"第2行：文件 {SEED}.xlsx 已存在，未覆盖（要覆盖请加 --force）" in res.stderr
    assert "未生成 5 行（其中 5 个文件已存在、未覆盖" in res.stdout
    assert seed.read_bytes() == b"the evaluator's work"
    res = run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", out, "--force")
    assert res.exit_code == 0
    assert zipfile.is_zipfile(seed) and named(seed)["unit_name"] == SEED
    assert no_temp_files(out)


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path, monkeypatch):
    from xl_eval.core import outfiles

    def boom(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(outfiles.os, "fsync", boom)
    target = tmp_path / "a.xlsx"
    with pytest.raises(KeyboardInterrupt):
        outfiles.atomic_write(target, b"x" * 100_000, overwrite=False)
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        outfiles.atomic_write(target, b"new", overwrite=True)
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]


def test_interrupted_fill_keeps_complete_files_only(tmp_path, monkeypatch, capsys):
    """Ctrl-C while the third workbook is being written (after its bytes, before its name):
    it is absent, the files already handed to the writer are finished, nothing partial is left."""
    from xl_eval.core import outfiles
    calls = []
    real = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(fd)

    monkeypatch.setattr(outfiles.os, "fsync", fsync)
    out = tmp_path / "out"
    code = main(["fill", str(SAMPLES / "departments.csv"), "--projects", str(SAMPLES / "projects.csv"),
                 "-o", str(out)])
    assert code == 2
    captured = capsys.readouterr()
    assert "已中止：还有 1 行没有处理" in captured.out
    assert "已生成 4 个工作簿" in captured.out
    assert {p.name for p in out.iterdir()} == SAMPLE_FILES - {"城南街道办事处（示例）.xlsx"}
    for p in out.iterdir():
        assert zipfile.ZipFile(p).testzip() is None


def test_a_failing_write_does_not_stop_the_batch(tmp_path, monkeypatch):
    from xl_eval.core import outfiles
    calls = []
    real = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(outfiles.os, "fsync", fsync)
    out = tmp_path / "out"
    res = run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "-o", out)
    assert res.exit_code == 1
    assert "第3行：无法写入 城东街道办事处（示例）.xlsx（No space left on device" in res.stderr
    assert {p.name for p in out.iterdir()} == SAMPLE_FILES - {"城东街道办事处（示例）.xlsx"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_on_a_real_run(tmp_path, jobs):
    """SIGINT to a running `xl-eval fill`: every .xlsx left behind is complete, no temp files."""
    hdr, rows = sample_rows()
    with open(tmp_path / "many.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(hdr)
        for i in range(400):
            r = list(rows["城北"])
            r[0] = f"单位{i:03d}"
            w.writerow(r)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "xl_eval.cli", "fill", str(tmp_path / "many.csv"),
                             "-o", str(out), "--jobs", jobs],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if out.is_dir() and any(p.suffix == ".xlsx" for p in out.iterdir()):
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode in (0, 2), stderr.decode()
    if proc.returncode == 2:
        assert "已中止" in stdout.decode() + stderr.decode()
    files = [p for p in out.iterdir()]
    assert no_temp_files(out)
    assert files and all(p.suffix == ".xlsx" for p in files)
    for p in files:
        assert zipfile.ZipFile(p).testzip() is None


@pytest.mark.parametrize("name, stem", [
    ("CON", "_CON"), ("nul", "_nul"), ("Com1", "_Com1"), ("LPT9.报告", "_LPT9.报告"), ("COM10", "COM10"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"), ("末尾的点...", "末尾的点"), ("  前后空格  ", "前后空格"),
    ("...", "未命名"), ("", "未命名"), ("制表\t符", "制表_符"), ("城东街道（示例）", "城东街道（示例）"),
])
def test_file_names_are_windows_safe(name, stem):
    from xl_eval.core.outfiles import safe_stem
    assert safe_stem(name) == stem


def test_long_names_and_collisions():
    from xl_eval.core.outfiles import MAX_STEM_BYTES, NameAllocator, safe_stem
    long = "很长的单位名称" * 40
    stem = safe_stem(long)
    assert long.startswith(stem) and len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    alloc = NameAllocator()
    assert [alloc.allocate(n) for n in ("Abc", "abc", "ABC", "a/b", "a_b", long, long + "x")] == [
        "Abc.xlsx", "abc_2.xlsx", "ABC_3.xlsx", "a_b.xlsx", "a_b_2.xlsx", stem + ".xlsx",
        stem[:-1] + "_2.xlsx"]


# ------------------------------------------------------------------ jobs, json

def test_jobs_2_writes_the_same_workbooks(tmp_path, messy):
    args = ["fill", "messy.csv", "--projects", SAMPLES / "projects.csv"]
    r1 = run(*args, "-o", "j1", "--jobs", "1")
    r2 = run(*args, "-o", "j2", "--jobs", "2")
    assert (r1.exit_code, r1.stdout, r1.stderr) == (r2.exit_code, r2.stdout.replace("j2", "j1"), r2.stderr)
    files = sorted(p.name for p in (tmp_path / "j1").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "j2").iterdir()) == sorted(MESSY_FILES)
    for name in files:
        assert (tmp_path / "j1" / name).read_bytes() == (tmp_path / "j2" / name).read_bytes(), name


def test_json_summary(tmp_path):
    res = run("fill", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv",
              "-o", tmp_path / "out", "--json", "-")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert (data["rows"], data["written"], data["skipped"], data["findings"]) == (5, 5, 0, 0)
    seed = data["files"][0]
    assert (seed["row"], seed["单位名称"], seed["file"], seed["total"], seed["grade"]) == \
        (2, SEED, SEED + ".xlsx", 95.4, "优")
    assert "已生成 5 个工作簿" in res.stderr          # the text summary moves to stderr


# ------------------------------------------------------------------ against LibreOffice and check

@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    out = tmp_path_factory.mktemp("filled")
    res = CliRunner().invoke(cli, ["fill", str(SAMPLES / "departments.csv"), "--projects",
                                   str(SAMPLES / "projects.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.mark.libreoffice
def test_workbooks_recalculated_by_libreoffice_equal_the_engine(filled, messy, fw, soffice):
    from xl_eval.sources.departments import apply_projects, read_departments, score_rows
    from xl_eval.xlsx.libreoffice import read_named_values, recalculate
    from xl_eval.sources.projects import read_projects

    run("fill", "messy.csv", "--projects", SAMPLES / "projects.csv", "-o", "out")
    # the messy run's 城东 (judgements left blank) next to the five samples
    partial = messy / "out" / "城东街道办事处（示例）.xlsx"
    renamed = messy / "城东_待评价.xlsx"
    renamed.write_bytes(partial.read_bytes())
    files = sorted(filled.glob("*.xlsx")) + [renamed]
    recalculated = recalculate(files, messy / "recalc", soffice=soffice)     # one LibreOffice call

    dept = read_departments(fw, SAMPLES / "departments.csv")
    apply_projects(fw, dept, read_projects(SAMPLES / "projects.csv"))
    score_rows(fw, dept)
    expected = {row.name: row.evaluation for row in dept.rows}
    seed = read_named_values(recalculated[filled / (SEED + ".xlsx")])
    assert (seed["total_score"], seed["grade"]) == (95.4, "优")
    assert [seed[f"subtotal_{c}"] for c in ("decision", "process", "output", "benefit")] == [17.4, 41, 24, 13]
    for src, out in recalculated.items():
        got = read_named_values(out)
        if src == renamed:
            from xl_eval.engine.score import evaluate
            ev = evaluate(fw, {**expected["城东街道办事处（示例）"].values,
                               "fin_spending_score": None, "fin_violation": None, "industry_score": None})
        else:
            ev = expected[got["unit_name"]]
        blank = (None, "")
        for leaf in fw.leaves:
            want = ev.leaves[leaf.code].score
            assert (got[f"score_{leaf.code}"] in blank) if want is None else got[f"score_{leaf.code}"] == want, \
                (src.name, leaf.code)
        for l1 in fw.level1:
            want = ev.level1[l1.code]
            assert (got[f"subtotal_{l1.code}"] in blank) if want is None else got[f"subtotal_{l1.code}"] == want
        assert (got["total_score"] in blank) if ev.total is None else got["total_score"] == ev.total
        assert (got["grade"] or None) == ev.grade


def test_filled_workbooks_pass_check(filled, fw):
    check = pytest.importorskip("xl_eval.check.workbook")
    for path in sorted(filled.glob("*.xlsx")):
        result = check.check_file(path, fw)
        bad = [f for f in result.findings if f.severity in ("error", "fatal")]
        assert bad == [], (path.name, [f"{f.code} {f.where} {f.message}" for f in bad])

"""`xl-eval collect`: the summary read back against hand-written figures and the engine."""

import csv
import io
import re
import shutil
import zipfile
from xml.etree import ElementTree
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from xl_eval.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SEED = "昌吉市人民政府中山路街道办事处"
HEADER = ["名次", "单位名称", "决策（20分）", "过程（43分）", "产出（24分）", "效益（13分）", "总分（100分）",
          "等级", "校验问题数", "状态", "说明", "文件"]


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    out = tmp_path_factory.mktemp("returned")
    res = CliRunner().invoke(cli, ["fill", str(SAMPLES / "departments.csv"), "--projects",
                                   str(SAMPLES / "projects.csv"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture
def returned(filled, tmp_path):
    """A fresh copy of the five filled sample workbooks."""
    folder = tmp_path / "returned"
    shutil.copytree(filled, folder)
    return folder


def sheet_rows(path: Path, sheet: str) -> list[list]:
    ws = load_workbook(path)[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def engine_results(fw):
    from xl_eval.sources.departments import apply_projects, read_departments, score_rows
    from xl_eval.sources.projects import read_projects
    dept = read_departments(fw, SAMPLES / "departments.csv")
    apply_projects(fw, dept, read_projects(SAMPLES / "projects.csv"))
    score_rows(fw, dept)
    return {row.name: row.evaluation for row in dept.rows}


def test_summary_figures(returned, tmp_path, fw):
    res = run("collect", returned, "-o", tmp_path / "汇总.xlsx")
    assert res.exit_code == 0, res.output
    assert "已汇总 5 个工作簿" in res.stdout and "完成 5 个（优 2，良 1，中 1，差 1）" in res.stdout
    rows = sheet_rows(tmp_path / "汇总.xlsx", "汇总")
    assert rows[0] == HEADER
    body = rows[1:]
    # the seed, as published in the report (Table 3): 17.40 / 41.00 / 24.00 / 13.00 = 95.4, 优
    assert body[0][:8] == [1, SEED, 17.4, 41, 24, 13, 95.4, "优"]
    assert body[0][9] == "完成"
    # sorted by total, highest first, one rank each
    assert [r[6] for r in body] == sorted((r[6] for r in body), reverse=True)
    assert [r[0] for r in body] == [1, 2, 3, 4, 5]
    assert sorted(r[7] for r in body) == sorted(["优", "优", "良", "中", "差"])
    expected = engine_results(fw)
    for r in body:
        ev = expected[r[1]]
        assert r[2:8] == [ev.level1[c] for c in ("decision", "process", "output", "benefit")] + [ev.total, ev.grade]
        assert Path(r[11]).name == r[1] + ".xlsx"
    wb = load_workbook(tmp_path / "汇总.xlsx")
    assert wb["汇总"].auto_filter.ref == "A1:L6"
    assert wb["汇总"].freeze_panes == "C2"


def test_summary_looks_as_printed(returned, tmp_path):
    """What a reader sees, fact by fact (the summary is written row by row, in write-only mode)."""
    (returned / "坏文件.xlsx").write_bytes(b"not a workbook")
    run("collect", returned, "-o", tmp_path / "s.xlsx")
    wb = load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames == ["汇总", "等级分布", "未能汇总"]
    ws = wb["汇总"]
    head = ws[1]
    assert all(c.font.b and c.fill.fgColor.rgb == "00D9E1F2" and c.border.left.style == "thin" for c in head)
    assert ws.row_dimensions[1].height == 24
    body = [c for row in ws.iter_rows(min_row=2, max_row=6) for c in row]
    assert all(c.border.bottom.style == "thin" and c.font.name == "等线" and c.font.sz == 10 for c in body)
    # scores print with two decimals; 名次 and 校验问题数 stay whole numbers
    assert {ws.cell(r, j).number_format for r in range(2, 7) for j in range(3, 8)} == {"0.00"}
    assert ws.cell(2, 1).number_format == ws.cell(2, 9).number_format == "General"
    assert ws.column_dimensions["B"].width == 20 and ws.column_dimensions["K"].width == 22
    # 总分（100分）: 5 wide characters (总分（分）) at 1.9, 3 digits at 1.15, 2 of margin: wider than 9
    assert ws.column_dimensions["G"].width == pytest.approx(5 * 1.9 + 3 * 1.15 + 2)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$1" and ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    with zipfile.ZipFile(tmp_path / "s.xlsx") as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    # the header's height is fixed; the body rows carry a height but stay autofit (Excel/WPS refit them)
    assert '<row r="1" ht="24" customHeight="1">' in xml
    assert all(re.search(f'<row r="{r}" ht="[0-9.]+">', xml) for r in range(2, 7))
    assert xml.count("customHeight") == 1
    ds = wb["等级分布"]
    assert ds.cell(2, 4).number_format == "0.00%" and ds.cell(2, 4).value == pytest.approx(2 / 5)
    fs = wb["未能汇总"]
    assert fs.cell(2, 1).value.endswith("坏文件.xlsx") and "不是 xlsx 工作簿" in fs.cell(2, 2).value


def test_grade_distribution_and_charts(returned, tmp_path):
    run("collect", returned, "-o", tmp_path / "s.xlsx")
    rows = sheet_rows(tmp_path / "s.xlsx", "等级分布")
    assert rows[0] == ["等级", "总分范围", "单位数", "占比"]
    assert [(r[0], r[2]) for r in rows[1:7]] == [("优", 2), ("良", 1), ("中", 1), ("差", 1), ("未完成", 0), ("合计", 5)]
    assert rows[1][1] == "90（含）以上"
    bins = {r[0]: r[1] for r in rows[8:14] if r[0]}
    assert bins == {"分数段": "单位数", "60分以下": 1, "60–70": 1, "70–80": 0, "80–90": 1, "90–100": 2}
    with zipfile.ZipFile(tmp_path / "s.xlsx") as zf:
        charts = sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        root = ElementTree.fromstring(zf.read(charts[0]))
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    bar = root.find(".//c:barChart", ns)
    assert bar is not None and bar.find("c:barDir", ns).get("val") == "col"
    refs = {f.text.replace("$", "") for f in bar.iterfind(".//c:f", ns)}
    # series title "单位数", the five counts, the five 分数段 labels
    assert refs == {"'等级分布'!B9", "'等级分布'!B10:B14", "'等级分布'!A10:A14"}
    assert [d.get("val") for d in root.iterfind(".//c:delete", ns)] == ["0", "0"]   # axes shown in Excel
    assert len(load_workbook(tmp_path / "s.xlsx")["等级分布"]._charts) == 2


def test_scores_are_recomputed_from_the_inputs(returned, tmp_path):
    """An evaluator changed an input and typed over a score: collect trusts neither cache nor typed score."""
    seed = returned / (SEED + ".xlsx")
    wb = load_workbook(seed)

    def cell(name):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        return wb[sheet][ref.replace("$", "")]

    cell("budget_initial").value = 4184.69      # no adjustment: 预算调整率 0%
    cell("score_budget_adjustment").value = 0    # a formula typed over
    wb.save(seed)
    res = run("collect", seed, "-o", tmp_path / "s.xlsx", "--csv", tmp_path / "s.csv")
    assert res.exit_code == 1, res.output         # a workbook with check errors is a finding
    row = sheet_rows(tmp_path / "s.xlsx", "汇总")[1]
    # 财务合规性 4.4 -> 5 (no deduction), 预算调整率 2 -> 4: 决策 18, 过程 43, total 98
    assert row[1:8] == [SEED, 18, 43, 24, 13, 98, "优"]
    assert row[8] >= 1                            # check reports the overwritten formula
    assert row[9] == "校验有错误" and "XE" not in row[10] and "公式" in row[10]     # not 完成 (#16)


def test_unfinished_and_unreadable_workbooks(returned, tmp_path, fw):
    # an unfinished table: the evaluator has not judged 产业结构优化 yet
    src = returned / "城东街道办事处（示例）.xlsx"
    wb = load_workbook(src)
    sheet, ref = next(iter(wb.defined_names["industry_score"].destinations))
    wb[sheet][ref.replace("$", "")].value = None
    wb.save(returned / "城东_未完成.xlsx")
    (returned / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    Workbook().save(returned / "别的表.xlsx")
    (returned / "~$城东街道办事处（示例）.xlsx").write_bytes(b"Excel lock file")
    res = run("collect", returned, "-o", tmp_path / "s.xlsx")
    assert res.exit_code == 1
    err = res.stderr
    assert "坏文件.xlsx：无法汇总：不是 xlsx 工作簿" in err
    assert "别的表.xlsx：无法汇总：不是由 xl-eval 模板生成的工作簿" in err
    assert "~$城东街道办事处（示例）.xlsx：是 Excel/WPS 打开文件时留下的锁定文件" in err   # said, not counted
    body = sheet_rows(tmp_path / "s.xlsx", "汇总")[1:]
    assert len(body) == 6
    last = body[-1]
    assert last[0] is None and last[1] == "城东街道办事处（示例）" and last[6] is None and last[7] is None
    assert last[9] == "未完成" and last[10] == "未完成：待填写 产业结构优化得分"
    failed = sheet_rows(tmp_path / "s.xlsx", "未能汇总")
    assert failed[0] == ["文件", "原因"]
    assert sorted(Path(r[0]).name for r in failed[1:]) == ["别的表.xlsx", "坏文件.xlsx"]
    dist = sheet_rows(tmp_path / "s.xlsx", "等级分布")
    assert dist[5][:3] == ["未完成", "有待填写的输入项", 1]


def test_csv_is_excel_friendly_and_neutralises_formulas(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = list(csv.reader(open(SAMPLES / "departments.csv", encoding="utf-8-sig")))
    hostile = ['=HYPERLINK("http://example.com","点我")', "+1+1", "-2单位", "@SUM(A1)"]
    with open("t.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0])
        for name in hostile:
            w.writerow([name] + rows[5][1:])
    assert run("fill", "t.csv", "-o", "out").exit_code == 0
    res = run("collect", "out", "-o", "s.xlsx", "--csv", "s.csv")
    assert res.exit_code == 0, res.output
    data = Path("s.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")                       # UTF-8 BOM: Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == HEADER
    assert sorted(r[1] for r in table[1:]) == sorted("'" + n for n in hostile)
    assert table[1][6] == "91.00" and table[1][7] == "优"
    ws = load_workbook("s.xlsx")["汇总"]
    names = [ws.cell(r, 2) for r in range(2, 6)]
    assert sorted(c.value for c in names) == sorted(hostile)     # kept as text in the workbook ...
    assert all(c.data_type == "s" for c in names)                # ... never as a formula


def test_summary_is_not_overwritten_and_not_collected(returned):
    out = returned / "汇总.xlsx"
    assert run("collect", returned, "-o", out).exit_code == 0
    res = run("collect", returned, "-o", out)
    assert res.exit_code == 2 and "文件已存在（要覆盖请加 --force）" in res.stderr
    res = run("collect", returned, "-o", out, "--force")     # the summary in the folder is not read back
    assert res.exit_code == 0 and "已汇总 5 个工作簿" in res.stdout and res.stderr == ""
    res = run("collect", returned / "nothing-here", "-o", returned / "x.xlsx")
    assert res.exit_code == 2 and "文件或文件夹不存在" in res.stderr     # README: a missing file is 2 (#16)
    assert not (returned / "x.xlsx").exists()


@pytest.mark.libreoffice
def test_workbooks_saved_by_an_office_suite_are_collected(returned, tmp_path, soffice):
    """Evaluators open and save the files: shared strings and cached values instead of inline strings."""
    from xl_eval.xlsx.libreoffice import recalculate
    saved = tmp_path / "saved"
    recalculate(sorted(returned.glob("*.xlsx")), saved, soffice=soffice)
    with zipfile.ZipFile(saved / (SEED + ".xlsx")) as zf:
        assert "inlineStr" not in zf.read("xl/worksheets/sheet2.xml").decode()
    res = run("collect", saved, "-o", tmp_path / "s.xlsx")
    assert res.exit_code == 0, res.output
    body = sheet_rows(tmp_path / "s.xlsx", "汇总")[1:]
    assert body[0][:8] == [1, SEED, 17.4, 41, 24, 13, 95.4, "优"]
    assert [r[6] for r in body] == [95.4, 91, 82.8, 64, 30.15]

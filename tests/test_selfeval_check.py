"""`xl-eval fill --indicators`, `check` and `collect` on 自评表 workbooks.

The mutation table: each XE8xx check fires on its own case and is silent on
the clean samples (0 findings on every sample project).
"""

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_eval.check import selfeval as C
from xl_eval.check.findings import CODES
from xl_eval.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "samples/selfeval/projects.csv"
INDICATORS = ROOT / "samples/selfeval/indicators.csv"
SHEET = "自评表"


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    out = tmp_path_factory.mktemp("selfeval_fill")
    res = run("fill", PROJECTS, "--indicators", INDICATORS, "-o", out)
    assert res.exit_code == 0, res.output
    return out


def findings(path):
    return [(f.code, f.sheet, f.cell) for f in C.check_file(path).findings]


def test_fill_writes_one_workbook_per_project(filled):
    names = sorted(p.name for p in filled.glob("*.xlsx"))
    assert len(names) == 6 and "城区老旧小区改造.xlsx" in names


def test_clean_samples_have_no_findings(filled):
    for path in sorted(filled.glob("*.xlsx")):
        assert findings(path) == [], path.name


def test_check_command_on_samples_exits_0(filled):
    res = run("check", *sorted(filled.glob("*.xlsx")))
    assert res.exit_code == 0, res.output
    assert "错误 0 个，警告 0 个" in res.output


def _mutate(src: Path, dest: Path, edits: dict[str, object], sheet: str = SHEET) -> Path:
    wb = load_workbook(src)
    ws = wb[sheet]
    for ref, value in edits.items():
        ws[ref] = value
    wb.save(dest)
    return dest


def _row_of(path: Path, name: str) -> int:
    ws = load_workbook(path)[SHEET]
    return next(c.row for c in ws["D"] if c.value == name)


# (code, project file, edits as a function of the row finder, expected cell)
MUTATIONS = [
    ("XE802", "城区老旧小区改造", lambda r: {f"L{r('改造老旧小区数量')}": 15}, lambda r: f"L{r('改造老旧小区数量')}"),
    ("XE803", "城区老旧小区改造", lambda r: {f"K{r('改造老旧小区数量')}": 14}, "产出小计分值"),
    ("XE804", "城区老旧小区改造", lambda r: {f"M{r('加装电梯数量')}": None}, lambda r: f"M{r('加装电梯数量')}"),
    ("XE805", "基层医疗卫生机构设备购置", lambda r: {"H11": None}, "总分"),
    ("XE806", "城区老旧小区改造", lambda r: {f"E{r('每平方米改造成本')}": "≥", f"H{r('每平方米改造成本')}": 340,
                                            f"M{r('每平方米改造成本')}": None}, lambda r: f"E{r('每平方米改造成本')}"),
    ("XE807", "城区老旧小区改造", lambda r: {f"H{r('惠及居民户数')}": 4200}, lambda r: f"M{r('惠及居民户数')}"),
    ("XE808", "城区老旧小区改造", lambda r: {f"N{r('居民满意度')}": "街道统计"}, lambda r: f"N{r('居民满意度')}"),
    ("XE809", "古籍数字化保护", lambda r: {"G7": 50}, "K6"),
    ("XE810", "古籍数字化保护", lambda r: {"G7": 61}, "G7"),
    ("XE811", "古籍数字化保护", lambda r: {"F6": 70}, "F6"),
    ("XE814", "城区老旧小区改造", lambda r: {f"D{r('惠及居民户数')}": "改造老旧小区数量"}, lambda r: f"D{r('惠及居民户数')}"),
    ("XE812", "城区老旧小区改造", lambda r: {f"F{r('改造老旧小区数量')}": "≥12个"}, lambda r: f"F{r('改造老旧小区数量')}"),
    ("XE815", "城区老旧小区改造", "产出权重=65", "产出权重"),
    ("XE816", "城区老旧小区改造", lambda r: {f"H{r('加装电梯数量')}": None}, lambda r: f"H{r('加装电梯数量')}"),
]


@pytest.mark.parametrize("code, project, edits, where", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_check_fires_on_its_case(code, project, edits, where, filled, tmp_path):
    src = filled / f"{project}.xlsx"
    r = lambda name: _row_of(src, name)  # noqa: E731
    if isinstance(edits, str):           # "产出权重=65": the block's weight cell
        lay = C.sheet_layouts(src)[SHEET]
        edits = lambda r, w=float(edits.split("=")[1]): {lay.weight_cell("output"): w}  # noqa: E731
    dest = _mutate(src, tmp_path / f"{code}.xlsx", edits(r))
    got = findings(dest)
    lay = C.sheet_layouts(dest)[SHEET]
    if where == "产出权重":
        where = lay.weight_cell("output")
    if where == "总分":
        where = lay.total_cell
    elif where == "产出小计分值":
        where = f"K{lay.blocks[0].subtotal_row}"
    elif callable(where):
        where = where(r)
    assert (code, SHEET, where) in got, got


def test_xe801_shown_score_differs(filled, tmp_path, soffice):
    """A cached score that does not follow from the inputs (typed over in another program)."""
    from xl_eval.xlsx.libreoffice import recalculate
    src = filled / "城区老旧小区改造.xlsx"
    done = recalculate([src], tmp_path / "lo", soffice=soffice)[src]
    row = _row_of(src, "加装电梯数量")
    dest = tmp_path / "XE801.xlsx"
    with zipfile.ZipFile(done) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text, n = re.subn(rf'(<c r="L{row}"[^>]*>(?:<f[^>]*>[^<]*</f>)?<v>)9(</v>)', r"\g<1>10\g<2>", text)
                assert n == 1
                data = text.encode("utf-8")
            zout.writestr(info, data)
    assert ("XE801", SHEET, f"L{row}") in findings(dest)
    assert findings(done) == []          # the recalculated file itself is clean


def test_xe813_unreadable_layout_record(filled, tmp_path):
    dest = _mutate(filled / "古籍数字化保护.xlsx", tmp_path / "x.xlsx", {"C6": "9,9"}, sheet="xl_eval")
    assert [c for c, _, _ in findings(dest)] == ["XE813"]


def test_every_selfeval_code_has_a_case():
    covered = {m[0] for m in MUTATIONS} | {"XE801", "XE813"}
    assert covered == {c for c in CODES if c.startswith("XE8")}


def test_per_unit_one_sheet_per_project(tmp_path):
    res = run("fill", PROJECTS, "--indicators", INDICATORS, "--per", "unit", "-o", tmp_path, "--json", tmp_path / "r.json")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    books = {f["file"]: [p["项目名称"] for p in f["projects"]] for f in data["files"]}
    assert books["市图书馆.xlsx"] == ["公共文化场馆免费开放", "古籍数字化保护"]
    assert len(books) == 5
    wb = load_workbook(tmp_path / "市图书馆.xlsx")
    assert wb.sheetnames[:2] == ["公共文化场馆免费开放", "古籍数字化保护"]
    assert C.check_file(tmp_path / "市图书馆.xlsx").findings == []


def test_no_overwrite_without_force(filled, tmp_path):
    run("fill", PROJECTS, "--indicators", INDICATORS, "-o", tmp_path)
    res = run("fill", PROJECTS, "--indicators", INDICATORS, "-o", tmp_path)
    assert res.exit_code == 1 and "已存在" in res.output
    assert run("fill", PROJECTS, "--indicators", INDICATORS, "-o", tmp_path, "--force").exit_code == 0


def test_messy_tables_never_traceback(tmp_path):
    p = tmp_path / "p.csv"
    i = tmp_path / "i.csv"
    p.write_text("项目名称,实施单位,当年财政拨款全年预算数,当年财政拨款全年执行数\n甲,某中心,一百,80\n乙,某中心,100,80\n",
                 encoding="utf-8")
    i.write_text("项目名称,一级指标,二级指标,三级指标,指标性质,年度指标值,计量单位,实际完成值,分值\n"
                 "甲,产出指标,数量指标,数量,＞＝,９５％,%,96%,50\n"
                 "乙,产出指标,不存在的指标,数量,≥,10,个,9,50\n"
                 "乙,效益指标,社会效益指标,效果,定性,好,,很好,30\n"
                 "丙,产出指标,数量指标,数量,≥,10,个,9,50\n", encoding="utf-8")
    res = run("fill", p, "--indicators", i, "-o", tmp_path / "out")
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    for needle in ("p.csv:第2行", "i.csv:第3行", "i.csv:第4行", "i.csv:第5行"):
        assert needle in res.output, needle


def test_collect_summary(filled, tmp_path):
    out = tmp_path / "汇总.xlsx"
    res = run("collect", filled, "-o", out, "--csv", tmp_path / "汇总.csv")
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames[:3] == ["项目汇总", "单位汇总", "分数分布"]
    ws = wb["项目汇总"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert [(r["项目名称"], r["总分"], r["等级"]) for r in rows] == [
        ("基层医疗卫生机构设备购置", 99.84, "优"), ("古籍数字化保护", 99.0, "优"), ("城区老旧小区改造", 97.26, "优"),
        ("公共文化场馆免费开放", 95.5, "优"), ("农村义务教育学生营养改善计划", 94.6, "优"), ("高标准农田建设", 89.32, "良")]
    assert ws.auto_filter.ref
    text = (tmp_path / "汇总.csv").read_bytes().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][3] == "基层医疗卫生机构设备购置"


def test_collect_flags_all_100_units(tmp_path):
    p = tmp_path / "p.csv"
    i = tmp_path / "i.csv"
    p.write_text("项目名称,实施单位,当年财政拨款全年预算数,当年财政拨款全年执行数,实际完成情况\n"
                 "=甲,满分中心,100,100,完成\n乙,满分中心,100,100,完成\n", encoding="utf-8")
    rows = "".join(f"{n},产出指标,数量指标,数量,≥,10,个,10,50,,台账\n{n},效益指标,社会效益指标,效果,≥,1,个,1,30,,台账\n"
                   f"{n},满意度指标,服务对象满意度指标,满意度,≥,90%,%,95%,10,,问卷调查\n" for n in ("=甲", "乙"))
    i.write_text("项目名称,一级指标,二级指标,三级指标,指标性质,年度指标值,计量单位,实际完成值,分值,偏差原因分析及改进措施,佐证材料\n"
                 + rows, encoding="utf-8")
    assert run("fill", p, "--indicators", i, "-o", tmp_path / "o").exit_code == 0
    res = run("collect", tmp_path / "o", "-o", tmp_path / "s.xlsx", "--csv", tmp_path / "s.csv")
    assert res.exit_code == 0, res.output
    assert "满分中心" in res.output
    units = load_workbook(tmp_path / "s.xlsx")["单位汇总"]
    assert [c.value for c in units[2]][:2] == ["满分中心", 2] and units["K2"].value == "是"
    csv_rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_bytes().decode("utf-8-sig"))))
    assert "'=甲" in [r[3] for r in csv_rows]          # formula injection neutralised


def test_a_workbook_of_the_previous_framework_version_is_named_not_misread(filled, tmp_path):
    # 2020.1 had fixed weights (no weight cells): check says which version made it instead of XE802s
    dest = _mutate(filled / "古籍数字化保护.xlsx", tmp_path / "old.xlsx", {"B4": "2020.1"}, sheet="xl_eval")
    assert [c for c, _, _ in findings(dest)] == ["XE113"]

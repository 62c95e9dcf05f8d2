"""`xl-eval check` on tables xl-eval did not make: the seed report's Annex 1 and
Tables 3-8 typed into a hand-made workbook and into a Word report
(tests/foreign_fixtures.py).  Expected findings are the seed's own visible
inconsistencies, read off the report by hand (noted at each assertion)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from foreign_fixtures import build_docx, build_xlsx
from xl_eval.check.findings import CODES
from xl_eval.check.foreign.run import check_foreign, load
from xl_eval.cli import main
from xl_eval.framework.model import load as load_framework

ROOT = Path(__file__).resolve().parent.parent
SEED_LEAVES = ["财务合规性", "预决算信息公开", "预算编制合理性", "预算编制规范性", "预算调整率", "结转结余率",
               "“三公”经费控制率", "管理制度健全性", "资金使用合规性", "项目实施程序", "项目监管", "资产管理安全性",
               "固定资产利用率", "项目完成率", "政府采购工作完成率", "政府绩效落实", "产业结构优化", "民生和社会事业发展"]
SEED_SCORES = [4.4, 5, 5, 3, 2, 4, 4, 6, 6, 5, 5, 5, 4, 12, 6, 6, 6, 7]


@pytest.fixture(scope="module")
def fw():
    return load_framework()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("foreign")
    return {
        "xlsx": build_xlsx(d / "评价机构打分表.xlsx"),
        "docx": build_docx(d / "评价报告.docx"),
        "xlsx_fixed": build_xlsx(d / "改正后打分表.xlsx", fixed=True),
        "docx_fixed": build_docx(d / "改正后报告.docx", fixed=True),
    }


def codes_at(result) -> list[tuple[str, str]]:
    return [(f.code, f.where) for f in result.findings]


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_all_18_leaves_are_read_with_the_seed_scores(files, fw, kind):
    ctx, fatal = load(files[kind], fw)
    assert fatal == []
    check_foreign(files[kind], fw)          # maps the rows
    from xl_eval.check.foreign import table_checks
    list(table_checks.map_tables(ctx))
    assert ctx.primary.full
    names = [r.node.name for r in ctx.primary.records if r.kind == "leaf" and r.node is not None]
    assert names == SEED_LEAVES
    assert [ctx.leaf_score(n.code) for n in ctx.index.leaves] == SEED_SCORES
    assert ctx.total == 95.4
    # the continuation rows were joined to the record above
    rows = {r.node.name: r for r in ctx.primary.records if r.kind == "leaf" and r.node is not None}
    assert rows["结转结余率"].texts["criteria"].endswith("得0分。")
    assert "签字后" in rows["资产管理安全性"].texts["findings"]


@pytest.mark.parametrize("kind, where", [
    ("xlsx", {"shift": "决策!E7", "fin": "打分表!F5", "norms": "打分表!F8", "safety": "打分表!F17",
              "gp": "打分表!F21", "perf": "打分表!F22", "perf_score": "打分表!G22", "adj": "打分表!F9"}),
    ("docx", {"shift": "表格4（表4） 第6行第5列", "fin": "表格9 第5行第6列", "norms": "表格9 第8行第6列",
              "safety": "表格9 第17行第6列", "gp": "表格9 第21行第6列", "perf": "表格9 第22行第6列",
              "perf_score": "表格9 第22行第7列", "adj": "表格9 第9行第6列"}),
])
def test_the_seed_tables_own_inconsistencies(files, fw, kind, where):
    found = codes_at(check_foreign(files[kind], fw))
    expected = [
        ("XE715", where["shift"]),      # Table 4's 小计 "20 | 17.4" sits under 得分 | 得分率
        ("XE728", where["fin"]),        # 财务合规性 item 1 "（2分）… 得1分"
        ("XE714", where["norms"]),      # 预算编制规范性: criteria printed in the 指标解释 column
        ("XE729", where["safety"]),     # 资产管理安全性: five points, no points given
        ("XE727", where["gp"]),         # 政府采购工作完成率: 得5分 + 得5分 = 10 > 6
        ("XE727", where["perf"]),       # 政府绩效落实: "如有，得4分", weight 6
        ("XE719", where["perf_score"]),  # ... and scored 6
        ("XE718", where["adj"]),        # 预算调整率: "10-40%（含）…41-60%（含）" leaves 40%-41% unscored
    ]
    for item in expected:
        assert item in found, item
    assert found.count(("XE728", where["fin"])) == 2      # item 2 "（3分）… 得1分" too


@pytest.mark.parametrize("kind", ["xlsx_fixed", "docx_fixed"])
def test_a_consistent_table_gives_no_error(files, fw, kind):
    result = check_foreign(files[kind], fw)
    assert [f for f in result.findings if f.severity in ("error", "fatal")] == []
    assert result.findings == []           # nor a warning: every inconsistency was fixed


def test_aliases_come_from_the_framework(files, fw, tmp_path):
    """前期决策 / 过程管理 match 决策 / 过程 through the file's aliases: without them
    the same table names an unknown level-1 indicator (XE713)."""
    text = Path(fw.path).read_text(encoding="utf-8").replace("aliases: [前期决策]", "")
    bare = tmp_path / "no_alias.yaml"
    bare.write_text(text, encoding="utf-8")
    codes = [f.code for f in check_foreign(files["xlsx"], load_framework(bare)).findings]
    assert "XE713" in codes
    assert "XE713" not in [f.code for f in check_foreign(files["xlsx"], fw).findings]


# ------------------------------------------------------------ the command

def run_cli(args, capsys):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_command_reads_foreign_files(files, capsys):
    code, out, err = run_cli(["check", files["xlsx"], files["docx"]], capsys)
    assert code == 1
    assert "XE727" in out and "表格9 第21行第6列" in out and "打分表!F21" in out
    assert "Traceback" not in out + err
    code, out, _ = run_cli(["check", files["xlsx_fixed"], files["docx_fixed"], "--format", "json"], capsys)
    assert code == 0
    assert all(r["severity"] == "warning" for r in json.loads(out))


def test_xl_eval_workbooks_still_get_the_workbook_checks(capsys):
    code, out, _ = run_cli(["check", ROOT / "samples" / "seed_filled.xlsx"], capsys)
    assert code == 0 and "XE504" in out and "XE7" not in out


def test_annotate_writes_a_marked_copy_of_a_foreign_workbook(files, tmp_path, capsys):
    code, _, err = run_cli(["check", files["xlsx"], "--annotate", tmp_path / "批注"], capsys)
    assert code == 1
    from openpyxl import load_workbook
    (copy,) = (tmp_path / "批注").glob("*.xlsx")
    ws = load_workbook(copy)["打分表"]
    assert "XE727" in ws["F21"].comment.text
    code, _, err = run_cli(["check", files["docx"], "--annotate", tmp_path / "批注2"], capsys)
    assert code == 1 and "只能用于 .xlsx" in err


def _fatal_cases(tmp_path: Path) -> dict[str, Path]:
    from openpyxl import Workbook
    import docx
    cases = {}
    wb = Workbook()
    wb.active.append(["项目名称", "全年预算金额", "决算金额"])
    wb.active.append(["社区运转经费", 188.65, 188.65])
    wb.save(cases.setdefault("not_a_score_table", tmp_path / "项目表.xlsx"))
    d = docx.Document()
    d.add_paragraph("没有表格的报告。")
    d.save(cases.setdefault("docx_without_tables", tmp_path / "无表格.docx"))
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for j, h in enumerate(["项目", "年初预算数", "决算数"]):
        t.cell(0, j).text = h
    d.save(cases.setdefault("docx_other_tables", tmp_path / "只有金额表.docx"))
    good = tmp_path / "报告.docx"
    d.save(good)
    data = good.read_bytes()
    cases["truncated_docx"] = tmp_path / "截断.docx"
    cases["truncated_docx"].write_bytes(data[: len(data) // 2])
    cases["text_as_docx"] = tmp_path / "文本.docx"
    cases["text_as_docx"].write_text("这不是 Word 文件", encoding="utf-8")
    cases["empty_docx"] = tmp_path / "空.docx"
    cases["empty_docx"].write_bytes(b"")
    cases["zip_without_document"] = tmp_path / "空压缩包.docx"
    with zipfile.ZipFile(cases["zip_without_document"], "w") as zf:
        zf.writestr("hello.txt", "x")
    cases["ole_doc"] = tmp_path / "旧版.docx"
    cases["ole_doc"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    cases["truncated_xlsx"] = tmp_path / "截断.xlsx"
    xdata = (tmp_path / "项目表.xlsx").read_bytes()
    cases["truncated_xlsx"].write_bytes(xdata[: len(xdata) // 2])
    cases["missing"] = tmp_path / "不存在.docx"
    return cases


def test_unreadable_and_non_score_files_give_one_fatal_line(tmp_path, capsys):
    for name, path in _fatal_cases(tmp_path).items():
        code, out, err = run_cli(["check", path], capsys)
        lines = [ln for ln in out.splitlines() if "[fatal]" in ln]
        assert code == 2, (name, out, err)
        assert len(lines) == 1, (name, out)
        assert "Traceback" not in out + err and "内部错误" not in err, (name, err)


def test_checking_a_foreign_xlsx_does_not_import_python_docx(files, tmp_path):
    probe = ("import sys, json; from xl_eval.cli import main; code = main(sys.argv[1:]); "
             "print(json.dumps({'code': code, 'docx': 'docx' in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", probe, "check", str(files["xlsx"])], capture_output=True,
                         text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"code": 1, "docx": False}


def test_every_foreign_code_is_documented_in_both_languages():
    for code, entry in CODES.items():
        if code.startswith("XE7"):
            assert entry.zh and entry.en and entry.title_zh and entry.title_en


# ------------------------------------------------ the report's texts and sentences

def test_the_seed_reports_texts_and_sentences(files, fw):
    found = codes_at(check_foreign(files["docx"], fw))
    codes = [c for c, _ in found]
    # 综上 sentences that name the wrong node, read by hand from chapter 四:
    # "程序合理性" closing 预算编制 (10/2/8), "目标设定" (预算执行 12/10), "预算配置"
    # (预算管理 12/12), "预算执行" closing 职责履行 (24/24), "经济效益" closing 民生福祉 (7/7)
    assert codes.count("XE741") == 5
    # years: 2023年“三公”经费 and 截至2023年12月31日 in Annex 1, "在2023年各项履职工作" in the body
    assert codes.count("XE732") == 3
    assert ("XE732", "表格9 第12行第9列") in found and ("XE732", "表格9 第17行第9列") in found
    # 资产总额 1277.59 (Annex 1) vs 固定资产总额 2452.53 (body)
    assert "XE733" in codes
    # Table 2's 年初预算数 rows add up to 3592.05, its 合计 says 3592.06
    assert ("XE743", "表格2（表2） 第10行第2列") in found
    # 一般公共预算拨款3579.54 / 政府性基金预算拨款5 / 国有资本经营预算拨款7.52 vs Table 1;
    # 项目支出 684.25 and 921.73 vs Table 7's 921.77
    assert codes.count("XE744") == 5


def test_a_rule_recomputed_from_the_quoted_figures(files, fw, tmp_path):
    """预算调整率: the texts quote 3592.06 and 4184.69 → 16.50% → band (10%, 40%] → 2 points
    (hand-computed); typing 4 in its 得分 cell is reported against the engine's 2."""
    from openpyxl import load_workbook
    wb = load_workbook(files["xlsx_fixed"])
    ws = wb["打分表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == "预算调整率")
    ws.cell(row, 7).value = 4
    ws.cell(row, 8).value = "100.00%"
    bad = tmp_path / "调整率改分.xlsx"
    wb.save(bad)
    found = codes_at(check_foreign(bad, fw))
    assert ("XE734", f"打分表!G{row}") in found
    # and a quoted rate that does not follow from the quoted amounts
    ws.cell(row, 7).value = 2
    ws.cell(row, 8).value = "50.00%"
    ws.cell(row, 10).value = ws.cell(row, 10).value.replace("调整率为16.5%", "调整率为12.5%")
    wb.save(bad)
    assert ("XE735", f"打分表!J{row}") in codes_at(check_foreign(bad, fw))


# ------------------------------------------------------ framework import

SEED_WEIGHTS = [5, 5, 5, 5, 4, 4, 4, 6, 6, 5, 5, 5, 4, 12, 6, 6, 6, 7]


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_framework_import_writes_a_draft_that_lint_accepts(files, tmp_path, capsys, kind):
    out = tmp_path / f"导入_{kind}.yaml"
    code, stdout, _ = run_cli(["framework", "import", files[kind], "-o", out, "--id", "seed_draft"], capsys)
    assert code == 0 and "18 个三级指标" in stdout
    imported = load_framework(out)
    assert [leaf.name for leaf in imported.leaves] == SEED_LEAVES
    assert [leaf.weight for leaf in imported.leaves] == SEED_WEIGHTS
    assert [l1.name for l1 in imported.level1] == ["前期决策", "过程管理", "产出", "效益"]
    assert all(p.rule.kind == "discretionary" for leaf in imported.leaves for p in leaf.parts)
    crit = {leaf.name: leaf.criteria for leaf in imported.leaves}
    assert crit["财务合规性"].startswith("1.资金支出规范性（2分）") and crit["结转结余率"].endswith("得0分。")
    assert [(g.name, g.range.text) for g in imported.grades] == [
        ("优", "[90, inf)"), ("良", "[80, 90)"), ("中", "[60, 80)"), ("差", "(-inf, 60)")]
    notes = " ".join(imported.notes)
    assert "政府采购工作完成率" in notes and "政府绩效落实" in notes and "预算编制规范性" in notes
    code, stdout, _ = run_cli(["framework", "lint", out], capsys)
    assert code == 0 and "没有发现问题" in stdout
    # the draft reads its own table back: every row maps, every weight agrees (Table 5's
    # "过程" for the draft's "过程管理" is still reported: XE713 outside the scoring table)
    found = [f.code for f in check_foreign(files[kind], imported).findings]
    assert "XE710" not in found and "XE720" not in found and "XE711" not in found


def test_framework_import_refuses_clearly(files, tmp_path, capsys):
    cases = _fatal_cases(tmp_path)
    code, _, err = run_cli(["framework", "import", cases["not_a_score_table"], "-o", tmp_path / "x.yaml"], capsys)
    assert code == 2 and "没有找到打分表" in err
    out = tmp_path / "已有.yaml"
    out.write_text("keep", encoding="utf-8")
    code, _, err = run_cli(["framework", "import", files["xlsx"], "-o", out], capsys)
    assert code == 2 and "--force" in err and out.read_text(encoding="utf-8") == "keep"


def test_a_word_report_without_python_docx_is_one_fatal_line(files, tmp_path):
    probe = ("import sys; sys.modules['docx'] = None; from xl_eval.cli import main; "
             "sys.exit(main(sys.argv[1:]))")
    out = subprocess.run([sys.executable, "-c", probe, "check", str(files["docx"])], capture_output=True,
                         text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert out.returncode == 2
    assert [ln for ln in out.stdout.splitlines() if "[fatal]" in ln] == [
        f"{files['docx']}: XE703 [fatal] 检查 Word 文档需要 python-docx；请运行 pip install \"xl-eval[report]\""]
    assert "Traceback" not in out.stderr


def test_a_deduction_without_a_reason_and_a_rate_off_by_its_digits(files, fw, tmp_path):
    """Hand-made variants of the fixed table: 预算编制规范性 (3 of 5) with its 扣分原因
    cleared; 民生和社会事业发展 scored 6 of 7 with 得分率 "85.70%" (6 / 7 = 85.71%)."""
    from openpyxl import load_workbook
    wb = load_workbook(files["xlsx_fixed"])
    ws = wb["打分表"]
    rows = {ws.cell(r, 3).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(rows["预算编制规范性"], 10).value = "-"
    r = rows["民生和社会事业发展"]
    ws.cell(r, 7).value, ws.cell(r, 8).value, ws.cell(r, 10).value = 6, "85.70%", "扣1分"
    bad = tmp_path / "变体.xlsx"
    wb.save(bad)
    found = codes_at(check_foreign(bad, fw))
    assert ("XE717", f"打分表!J{rows['预算编制规范性']}") in found
    assert ("XE722", f"打分表!H{r}") in found
    assert not [c for c, w in found if c == "XE730"]      # "扣1分" = 7 − 6


def test_a_foreign_table_checked_against_a_format_2_framework(files, capsys):
    """The workbook checks are not run on a foreign file: a framework whose
    template layout cannot be built does not stop the foreign reader."""
    code, out, err = run_cli(["check", files["xlsx"], files["docx"], "--framework",
                              ROOT / "tests" / "fixtures" / "v2_open.yaml"], capsys)
    assert code in (0, 1) and "内部错误" not in err and "Traceback" not in out + err
    assert "XE710" in out                  # the seed's rows are not indicators of that framework

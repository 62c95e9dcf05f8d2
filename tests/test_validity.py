"""#16: one reading of the inputs everywhere — each case of the issue's first list.

Every test runs the commands a user runs (score, fill, check, collect) on the
same inputs and asserts they give the same verdict.  Expected scores are hand
calculations from the seed (the seed scores 95.4; its 财务合规性 is 4.4 and
its 预决算信息公开 5, so a vetoed 财务合规性 gives 95.4 − 4.4 = 91.0).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from validity_cases import SAMPLES, seed_row, write_table
from xl_eval.cli import cli

SHIPPED = Path(__file__).resolve().parent.parent / "xl_eval" / "framework" / "shipped" / "annex1.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def score_json(path, *more):
    res = run("score", path, "--format", "json", *more)
    assert "Traceback" not in res.output
    return res, {r["单位名称"]: r for r in json.loads(res.stdout)}


def codes(found) -> list[str]:
    return sorted(f.code for f in found)


def check(path, fw):
    from xl_eval.check.workbook import check_file
    return check_file(path, fw).findings


def set_inputs(path: Path, **cells) -> Path:
    """Type values into a workbook's input cells (by defined name), as an evaluator would."""
    wb = load_workbook(path)
    for name, value in cells.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")].value = value
    wb.save(path)
    return path


# ---------------------------------------------------------------- score never tracebacks

def test_zero_assets_with_assets_in_use_gives_a_message_not_a_traceback(tmp_path):
    table = write_table(tmp_path / "t.csv", [seed_row(单位名称="甲", 固定资产总额="0", 在用固定资产总额="5")])
    res = run("score", table)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "总分 —" in res.stdout
    assert "第2行 列“在用固定资产总额”：“在用固定资产总额”（5）不能大于“固定资产总额”（0）" in res.stderr
    res, rows = score_json(table)
    assert res.exit_code == 1
    row = rows["甲"]
    assert row["total"] is None and row["scores"]["固定资产利用率"] is None
    assert "不能大于“固定资产总额”" in row["message"]
    assert [i["code"] for i in row["issues"]] == ["XE208"]


# ---------------------------------------------------------------- impossible pairs, 元 amounts

IMPOSSIBLE = dict(完成项目数="30", 在用固定资产总额="3000", 结转结余总额="5000")


def test_impossible_pairs_are_errors_in_score_fill_and_check(tmp_path, fw, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_table(Path("t.csv"), [seed_row(单位名称="甲", **IMPOSSIBLE)])
    res, rows = score_json("t.csv")
    assert res.exit_code == 1
    assert sorted(i["code"] for i in rows["甲"]["issues"]) == ["XE208"] * 3
    res = run("fill", "t.csv", "-o", "out")
    assert res.exit_code == 1, res.output            # was: "发现问题 0 条", exit 0
    assert res.stderr.count("不能大于") == 3 and "发现问题 3 条" in res.stdout
    assert Path("out/甲.xlsx").exists()              # written all the same
    assert codes(check(Path("out/甲.xlsx"), fw)) == ["XE208"] * 3
    data = json.loads(Path("j.json").read_text()) if run("fill", "t.csv", "-o", "out2", "--json", "j.json") \
        .exit_code == 1 else None
    assert [p["code"] for p in data["files"][0]["problems"]] == ["XE208"] * 3


def test_amount_typed_in_yuan_is_flagged_everywhere(tmp_path, fw, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_table(Path("t.csv"), [seed_row(单位名称="甲", 年初预算数="35920600")])
    res, rows = score_json("t.csv")
    assert res.exit_code == 0                        # a warning: worth a look, not an error
    assert [(i["code"], i["severity"]) for i in rows["甲"]["issues"]] == [("XE209", "warning")]
    assert "按万元应为 3592.06" in rows["甲"]["warnings"][0]
    res = run("fill", "t.csv", "-o", "out")
    assert res.exit_code == 0 and "（提示）“年初预算数”为 35920600 万元" in res.stderr
    assert "XE209" in codes(check(Path("out/甲.xlsx"), fw))


def test_final_accounts_far_from_the_budget_is_a_warning(tmp_path, fw):
    table = write_table(tmp_path / "t.csv", [seed_row(单位名称="甲", 决算数="1000")])
    res, rows = score_json(table)
    assert res.exit_code == 0 and [i["code"] for i in rows["甲"]["issues"]] == ["XE210"]


# ---------------------------------------------------------------- needed for this score

def test_a_blank_that_cannot_change_the_result_is_not_missing(tmp_path, fw, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_table(Path("t.csv"), [
        seed_row(单位名称="否决", 是否存在违规支出="是", 资金支出规范性得分=None),
        seed_row(单位名称="涉密", 是否涉密单位="是", 部门预算公开情况=None, 部门决算公开情况=None),
        seed_row(单位名称="未填", 资金支出规范性得分=None),
    ])
    res, rows = score_json("t.csv")
    # veto: 财务合规性 0 instead of 4.4 -> 95.4 - 4.4 = 91.0 (was: null)
    assert (rows["否决"]["total"], rows["否决"]["grade"], rows["否决"]["issues"]) == (91.0, "优", [])
    # 涉密: 预决算信息公开 full 5 whatever the disclosure -> 95.4
    assert (rows["涉密"]["total"], rows["涉密"]["issues"]) == (95.4, [])
    # without the veto the blank does matter
    assert rows["未填"]["total"] is None and [i["code"] for i in rows["未填"]["issues"]] == ["XE201"]
    assert res.exit_code == 1
    assert run("fill", "t.csv", "-o", "out").exit_code == 0
    assert codes(check(Path("out/否决.xlsx"), fw)) == []
    assert codes(check(Path("out/涉密.xlsx"), fw)) == []
    assert codes(check(Path("out/未填.xlsx"), fw)) == ["XE201"]


# ---------------------------------------------------------------- collect reads as strictly as the workbook

def test_collect_reads_inputs_as_strictly_as_the_workbook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_table(Path("t.csv"), [seed_row(单位名称="甲"), seed_row(单位名称="乙")])
    assert run("fill", "t.csv", "-o", "out").exit_code == 0
    set_inputs(Path("out/甲.xlsx"), budget_full="2100", fin_violation="否 ")
    res = run("collect", "out", "-o", "s.xlsx")
    assert res.exit_code == 1, res.output
    rows = {r[1]: r for r in load_workbook("s.xlsx")["汇总"].iter_rows(values_only=True)}
    first = rows["甲"]
    assert first[6] is None and first[7] is None                   # no total, as the workbook shows
    assert first[9] == "输入有误" and "“全年预算数”填的是文本“2100”" in first[10] and "“否 ”" in first[10]
    assert rows["乙"][9] == "完成" and rows["乙"][6] == 95.4


# ---------------------------------------------------------------- a value in no band

@pytest.fixture
def gap_framework(tmp_path) -> Path:
    """The shipped framework with a signed 预算调整率 (full − initial) / initial: −8% is in no band."""
    text = SHIPPED.read_text(encoding="utf-8")
    old = "numerator: max(0, abs(budget_full - budget_initial) - adj_excluded)"
    assert old in text
    path = tmp_path / "gap.yaml"
    path.write_text(text.replace(old, "numerator: budget_full - budget_initial - adj_excluded")
                    .replace("version: 1.0.0", "version: 1.0.0-gap"), encoding="utf-8")
    return path


def test_a_value_in_no_band_is_reported_by_score_fill_and_check(tmp_path, gap_framework, monkeypatch):
    from xl_eval.framework.model import load
    monkeypatch.chdir(tmp_path)
    # 全年 = 年初 × 0.92: 预算调整率 −8%
    write_table(Path("t.csv"), [seed_row(单位名称="甲", 年初预算数="1000", 全年预算数="920", 决算数="920")])
    res, rows = score_json("t.csv", "--framework", gap_framework)
    assert res.exit_code == 1
    row = rows["甲"]
    # 财务合规性 takes −8% as "not above 10%" (full points); only 预算调整率 has no band for it
    assert row["total"] is None and [i["code"] for i in row["issues"]] == ["XE211"]
    assert "预算调整率-8.00%，不在评分标准的任何档内" in row["message"]
    res = run("fill", "t.csv", "-o", "out", "--framework", gap_framework)
    assert res.exit_code == 1 and res.stderr.count("不在评分标准的任何档内") == 1
    fw = load(gap_framework)
    found = check(Path("out/甲.xlsx"), fw)
    assert [(f.code, f.sheet) for f in found] == [("XE211", "打分表")]


# ---------------------------------------------------------------- partial exports

def test_fill_writes_workbooks_from_a_partial_export(tmp_path, fw, monkeypatch):
    """A budget-system export: the financial columns, no 评价年度 and no 政府采购 counts."""
    monkeypatch.chdir(tmp_path)
    minimal = ("单位名称", "年初预算数", "全年预算数", "决算数", "结转结余总额", "“三公”经费预算数",
               "“三公”经费实际支出数", "固定资产总额", "在用固定资产总额")
    header = [h for h in seed_row() if h not in minimal]
    write_table(Path("t.csv"), [seed_row(单位名称="甲"), seed_row(单位名称="乙")], drop=tuple(header))
    res = run("fill", "t.csv", "-o", "out", "--year", "2024")
    assert res.exit_code == 0, res.output
    for label in ("政府采购计划项目数", "政府采购完成项目数", "政府采购不符合要求处数", "计划项目数"):
        assert res.stderr.count(f"没有“{label}”列") == 1, label
    assert "没有“评价年度”列" not in res.stderr
    wb = load_workbook("out/甲.xlsx")
    sheet, ref = next(iter(wb.defined_names["eval_year"].destinations))
    assert wb[sheet][ref.replace("$", "")].value == 2024
    sheet, ref = next(iter(wb.defined_names["gp_planned"].destinations))
    assert wb[sheet][ref.replace("$", "")].value is None
    # without --year the year is one more column left blank, listed once
    res = run("fill", "t.csv", "-o", "out2")
    assert res.exit_code == 0 and res.stderr.count("没有“评价年度”列") == 1


def test_the_readme_minimal_export_table_fills(tmp_path, monkeypatch):
    """README shows the minimal table a budget-system export gives: it fills as documented."""
    import re
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"预算系统导出的最小单位表（其余列可以没有）：\s+```\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    lines = [line.strip() for line in block.strip().splitlines()]
    Path("导出.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("fill", "导出.csv", "--year", "2024", "-o", "打分表")
    assert res.exit_code == 0, res.output
    assert res.stderr.count("没有“计划项目数”列") == 1 and "没有“评价年度”列" not in res.stderr
    assert [p.name for p in Path("打分表").iterdir()] == ["某街道办事处.xlsx"]


def test_project_list_warnings_in_score_fill_and_check(tmp_path, fw, monkeypatch):
    """The list's warnings check gives on 项目明细 come from score and fill too."""
    monkeypatch.chdir(tmp_path)
    write_table(Path("t.csv"), [seed_row(单位名称="甲", 计划项目数="3", 完成项目数="2")])
    Path("p.csv").write_text("单位名称,项目名称,全年预算金额,决算金额,是否完成\n"
                             "甲,道路维修,10,12,是\n甲,绿化,5000,4000,是\n", encoding="utf-8")
    res, rows = score_json("t.csv", "--projects", "p.csv")
    # typed 3 / 2 against the list's 2 / 2; 12 above 10; 5010 above 4184.69
    assert sorted(i["code"] for i in rows["甲"]["issues"]) == ["XE601", "XE602", "XE606"]
    assert res.exit_code == 0                        # warnings only
    res = run("fill", "t.csv", "--projects", "p.csv", "-o", "out")
    assert res.exit_code == 0 and "（提示）项目“道路维修”决算金额 12.00 万元超过全年预算金额 10.00 万元" in res.stderr
    assert sorted(f.code for f in check(Path("out/甲.xlsx"), fw) if f.code.startswith("XE6")) == \
        ["XE601", "XE602", "XE606"]

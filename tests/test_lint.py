"""The framework linter on the literal Annex 1 transcription and made-up mistakes."""

import copy
from pathlib import Path

import yaml

from xl_eval.framework.model import DEFAULT_FRAMEWORK, from_dict
from xl_eval.framework.lint import LINT_CODES, lint, lint_file

LITERAL = Path(__file__).parent / "fixtures" / "annex1_literal.yaml"


def found(problems):
    return sorted((p.code, p.key) for p in problems)


def test_shipped_framework_lints_clean():
    fw, problems = lint_file(DEFAULT_FRAMEWORK)
    assert fw is not None and problems == []


def test_literal_annex1_reports_every_inconsistency():
    _, problems = lint_file(LITERAL)
    assert found(problems) == sorted([
        ("L103", "财务合规性/资金支出规范性"),        # "（2分）…得1分"
        ("L103", "财务合规性/资金调整、调剂规范性"),  # "（3分）…直至1分扣完为止"
        ("L104", "预算调整率"),                      # gap 40% .. 41%
        ("L104", "预算调整率"),                      # gap 60% .. 61%
        ("L102", "政府采购工作完成率"),              # 5 + 5 on a 6-point leaf
        ("L106", "inputs.gp_planned"),               # "完成24个" hard-codes the plan
        ("L103", "政府绩效落实"),                    # "得4分" on a 6-point leaf
        ("L103", "资产管理安全性"),                  # no points per evaluation point
    ])


def _raw():
    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))


def test_bands_overlap_unordered_and_uncovered():
    data = _raw()
    bands = data["indicators"][1]["children"][0]["children"][1]["rule"]["bands"]
    bands[1]["range"] = "[0.01, 0.05]"        # overlaps [0, 0.01] at 0.01
    data["indicators"][1]["children"][0]["children"][2]["rule"]["bands"] = [          # neither order, top open
        {"range": "(1.00, 2.00]", "points": 0}, {"range": "[0, 0.50]", "points": 4}, {"range": "(0.50, 1.00]", "points": 2}]
    probs = lint(from_dict(data))
    msgs = [p.message for p in probs if p.code == "L104"]
    assert any("重叠" in m for m in msgs)
    assert any("顺序错乱" in m for m in msgs)
    assert any("高于" in m for m in msgs)


def test_bands_listed_high_to_low_as_score_sheets_write_them_are_fine():
    """湖南岳阳 部门整体支出评分表 (tests/fixtures/probes/hunan_yueyang_dept.yaml): 重点支出安排率≥90%，计5分；
    80%（含）-90%，计4分；70%（含）-80%，计3分；60%（含）-70%，计2分；低于60%不得分 — high to low, no gap."""
    data = _raw()
    data["indicators"][1]["children"][0]["children"][2]["rule"]["bands"] = [
        {"range": "[0.9, inf)", "points": 4}, {"range": "[0.8, 0.9)", "points": 3}, {"range": "[0.7, 0.8)", "points": 2},
        {"range": "[0, 0.7)", "points": 0}]
    assert not [p for p in lint(from_dict(data)) if p.code == "L104"]
    data["indicators"][1]["children"][0]["children"][2]["rule"]["bands"][2]["range"] = "[0.7, 0.79)"   # a gap
    msgs = [p.message for p in lint(from_dict(data)) if p.code == "L104"]
    assert len(msgs) == 1 and "[0.7, 0.79) 与 [0.8, 0.9) 之间有空档" in msgs[0], msgs


def test_grade_hole_and_level_weight():
    data = _raw()
    data["grades"][1]["range"] = "[80, 89)"
    data["indicators"][0]["weight"] = 25
    assert found(lint(from_dict(data))) == [("L101", "决策"), ("L105", "grades")]


def test_unused_input_and_discretionary_max():
    data = _raw()
    data["inputs"].append({"code": "spare", "label": "备用", "kind": "amount", "group": "financial"})
    next(i for i in data["inputs"] if i["code"] == "industry_score")["max"] = 10
    assert found(lint(from_dict(data))) == [("L106", "inputs.spare"), ("L107", "产业结构优化")]


def test_load_errors_become_L001(tmp_path):
    data = _raw()
    data["indicators"][0]["children"][0]["children"][0]["parts"][0]["rule"]["input"] = "nope"
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    fw, problems = lint_file(path)
    assert fw is None and [p.code for p in problems] == ["L001"]
    assert "nope" in problems[0].message


def test_input_codes_excel_reads_as_cell_addresses_are_warned():
    """c1 / ab12 / r1c1 are cells to Excel, so the 打分表 cannot name an input so; lint says
    it before `template` refuses (score still works: a warning, not an error)."""
    fw, problems = lint_file(Path(__file__).parent / "fixtures" / "v2_open.yaml")   # checklist inputs c1..c3
    warned = [p for p in problems if p.code == "L111"]
    assert [p.key for p in warned] == ["inputs.c1", "inputs.c2", "inputs.c3"]
    assert "与单元格地址（如 AB12）相同" in warned[0].message
    assert LINT_CODES["L111"][0] == "warning"
    from xl_eval.core.excel_names import name_problem
    assert name_problem("r1c1") and name_problem("C") and name_problem("TRUE") and name_problem("AB12")
    assert name_problem("check_1") is None and name_problem("budget_initial") is None

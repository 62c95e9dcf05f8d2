"""The 打分表 generated from trees of any shape: 2-4 levels, nodes scored above the last
level, open weights, rows the unit defines, and no 项目明细 without a project list.

The probes are public provincial score sheets (tests/fixtures/probes, sources cited in
each file).  The LibreOffice test recalculates every framework here over >= 100 seeded
random input sets in ONE recalculate() call and compares every named cell with the engine.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import openpyxl
import pytest
import yaml

from shape_cases import random_inputs, same, shape_view
from template_cases import Case, case_cells, fast_named_values, fill
from xl_eval.engine.score import evaluate
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.model import from_dict, load
from xl_eval.framework.registry import resolve

PROBES = Path(__file__).parent / "fixtures" / "probes"
SETS = 100


def probe(name: str):
    return load(PROBES / f"{name}.yaml")


def two_level() -> dict:
    """A 2-level tree (level 2 scored directly) made from the department probe: every
    level-2 branch becomes one discretionary indicator worth its declared weight."""
    d = yaml.safe_load((PROBES / "sichuan_dept_overall.yaml").read_text(encoding="utf-8"))
    d["id"], d["title"], d["levels"] = "probe-two-level", "两级指标测试表", ["维度", "指标"]
    inputs = [i for i in d["inputs"] if i["group"] == "identity"]
    for l1 in d["indicators"]:
        kids = []
        for l2 in l1["children"]:
            inputs.append({"code": f"s2_{l2['code']}", "label": f"{l2['name']}评分", "kind": "score",
                           "group": "judgement", "min": 0, "max": l2["weight"]})
            kids.append({"code": l2["code"], "name": l2["name"], "weight": l2["weight"],
                         "explanation": "两级测试", "criteria": "酌情",
                         "rule": {"kind": "discretionary", "input": f"s2_{l2['code']}"}})
        l1["children"] = kids
    d["inputs"] = inputs
    return d


def open_weight_probe() -> dict:
    """The department probe with the weights of two level-2 groups left open (the branch
    weights 15 and 10 stay declared, so each group must add up as well as the whole)."""
    d = yaml.safe_load((PROBES / "sichuan_dept_overall.yaml").read_text(encoding="utf-8"))
    d["id"], d["title"] = "probe-open-weights", "权重待定测试表"
    opened = set()
    for l2 in d["indicators"][0]["children"]:
        for leaf in l2["children"]:
            leaf["weight"] = "open"
            opened.add(f"s_{leaf['code']}")
    for i in d["inputs"]:
        if i["code"] in opened:
            i["max"] = 15                  # the group's weight: the most any of its weights can be
    return d


FRAMEWORKS = {
    "project_2020_10": lambda: load(resolve("project_2020_10")),
    "dept_2013_53": lambda: load(resolve("dept_2013_53")),
    "four_levels": lambda: probe("sichuan_project_4level"),
    "dept_rows": lambda: probe("sichuan_dept_overall"),
    "two_levels": lambda: from_dict(two_level()),
}


def workbook(fw):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))


# ---------------------------------------------------------------- structure (no LibreOffice)

def test_four_levels_have_four_name_columns_and_a_level3_node_scored_directly():
    fw = probe("sichuan_project_4level")
    lay = L.layout(fw)
    C = lay.score.cols
    assert (C.depth, C.WEIGHT, C.SCORE, C.REASON) == (4, 5, 8, 11)
    ws = workbook(fw)[L.SCORE]
    h1, h2, h3 = lay.score.header
    assert [ws.cell(h2, c).value for c in C.levels] == ["一级指标", "二级指标", "三级指标", "四级指标"]
    assert ws.cell(h3, C.WEIGHT).value == "权重（%）"
    row = lay.score.leaf_rows["satisfaction"]            # 服务对象满意度: level 3, no level 4 below
    assert ws.cell(row, 3).value == "服务对象满意度"
    assert f"C{row}:D{row}" in {str(m) for m in ws.merged_cells.ranges}
    # 项目决策 spans 科学决策 (2 rows) and 绩效目标 (2 rows); 共性指标 adds 项目管理's 3: 7 rows
    assert lay.score.spans["decision"] == (5, 8) and lay.score.spans["common"] == (5, 11)
    assert "A5:A11" in {str(m) for m in ws.merged_cells.ranges}
    # the summary's second table has 2 name columns for levels 2 and 3, and subtotals of level-3 branches
    assert lay.summary.node_levels == 3
    assert {"sub2_decision", "sub3_sci", "sub3_completion"} <= set(lay.computed)


def test_two_levels_and_no_project_list():
    fw = from_dict(two_level())
    lay = L.layout(fw)
    assert lay.score.cols.depth == 2 and lay.score.cols.WEIGHT == 3
    assert L.PROJECTS not in lay.sheets and not any(n.startswith("projects_") for n in lay.defined_names())
    wb = workbook(fw)
    assert L.PROJECTS not in wb.sheetnames
    ws = wb[L.SCORE]
    h1, h2, h3 = lay.score.header
    assert [ws.cell(h2, 1).value, ws.cell(h2, 2).value] == ["维度", "指标"]
    assert not lay.summary.node_rows                      # no branch below level 1: no second table
    texts = [c.value for s in wb.worksheets for r in s.iter_rows() for c in r if isinstance(c.value, str)]
    own = (fw.source, *fw.notes)           # the framework's own words may say anything
    assert not [t for t in texts if ("部门整体支出" in t or "三级指标" in t or "二级指标" in t)
                and not any(o in t for o in own)]


def test_long_level_names_make_the_spanned_rows_tall_enough():
    from xl_eval.forms.common import row_height
    d = two_level()
    d["indicators"][2]["name"] = "部门绩效情况（含履职成效、可持续发展能力和满意度三个方面的综合考评）"
    fw = from_dict(d)
    lay = L.layout(fw)
    ws = workbook(fw)[L.SCORE]
    a, b = lay.score.spans["results"]
    width = ws.column_dimensions["A"].width
    need = row_height([(d["indicators"][2]["name"], width)])
    assert sum(ws.row_dimensions[r].height for r in range(a, b + 1)) >= need - 0.01


def test_rows_block_sheet_and_the_leaf_that_sums_it():
    fw = probe("sichuan_dept_overall")
    lay = L.layout(fw)
    assert lay.sheets.index(L.ROWS) == lay.sheets.index(L.SCORE) - 1
    (b,) = lay.row_blocks
    assert b.leaf.code == "duty" and b.leaf.depth == 2
    assert lay.inputs["duty_3_points"].ref.sheet == L.ROWS
    assert "part_duty_r10" in lay.computed
    f = lay.computed["score_duty"].formula
    assert "自定义指标" in f and "SUM(" in f
    # 履职成效 is scored at level 2: its name spans the level-2 and level-3 columns
    ws = workbook(fw)[L.SCORE]
    row = lay.score.leaf_rows["duty"]
    assert f"B{row}:C{row}" in {str(m) for m in ws.merged_cells.ranges}


def test_hand_checked_rows_score():
    """履职成效 20 分: rows 8 + 7 + 5 scored 8, 6.5 and 5.555 (rounded 5.56, capped at 5) -> 19.5."""
    fw = probe("sichuan_dept_overall")
    v = {"duty_1_name": "粮食生产", "duty_1_nature": "酌情", "duty_1_points": 8, "duty_1_score": 8,
         "duty_4_name": "农业执法", "duty_4_nature": "酌情", "duty_4_points": 7, "duty_4_score": 6.5,
         "duty_9_name": "乡村建设", "duty_9_nature": "酌情", "duty_9_points": 5, "duty_9_score": 5.555}
    ev = evaluate(fw, v)
    assert ev.leaves["duty"].score == 19.5 and ev.leaves["duty"].score_rate == 0.975
    assert not ev.problems
    v["duty_9_points"] = 6
    assert evaluate(fw, v).problems             # 8 + 7 + 6 = 21 != 20


def test_open_weights_are_input_cells_on_the_scoresheet_with_a_live_check():
    fw = from_dict(open_weight_probe())
    lay = L.layout(fw)
    cell = lay.inputs["weight_relevance"]
    assert cell.ref.sheet == L.SCORE and cell.ref.col == lay.score.cols.WEIGHT
    assert "weight_relevance" not in lay.base.input_rows
    assert lay.score.weight_check and lay.score.required_weight.value == 100
    checks = [c for c in lay.row_formulas if c.kind == "weight_check"]
    assert len(checks) == 1 and "目标任务" in checks[0].formula and "预算编制" in checks[0].formula


# ---------------------------------------------------------------- LibreOffice

ALL = dict(FRAMEWORKS, open_weights=lambda: from_dict(open_weight_probe()))


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    """Every framework's template over SETS random input sets, in one recalculate() call."""
    from xl_eval.xlsx.libreoffice import recalculate
    tmp = tmp_path_factory.mktemp("shape")
    runs, paths = {}, []
    for key, make in ALL.items():
        fw = make()
        lay = L.layout(fw)
        template = workbook_bytes(build_workbook(fw))
        rng = random.Random(key)
        cases = []
        for i in range(SETS):
            case = Case(f"{key}_{i}", random_inputs(fw, rng))
            path = tmp / f"{case.id}.xlsx"
            fill(template, case_cells(lay, case), path)
            cases.append((case, path))
            paths.append(path)
        runs[key] = (fw, lay, cases)
    fw = load(resolve("project_2020_10"))
    lay = L.layout(fw)
    hand = Case("hand", {**HAND_ROWS, "weight_effects": 16})
    path = tmp / "hand.xlsx"
    fill(workbook_bytes(build_workbook(fw)), case_cells(lay, hand), path)
    paths.append(path)
    runs["hand"] = (fw, lay, [(hand, path)])
    out = recalculate(paths, tmp / "out", soffice=soffice)
    return runs, out


# 实施效益 rows written by hand (财预〔2020〕10号 第十六条): ≥ met -> all points; ≥ 40 of 50 -> 80% x 4 = 3.2;
# ≤ 30 against 25 -> 25/30 = 83.33% x 2 = 1.67; 定性 部分达成 at 65% of 2 -> 1.3; rows 2 and 6 spare.
HAND_ROWS = {
    "effects_1_name": "惠及居民户数", "effects_1_nature": "≥", "effects_1_target": 1200, "effects_1_actual": 1260,
    "effects_1_points": 8,
    "effects_3_name": "带动就业人数", "effects_3_nature": "≥", "effects_3_target": 50, "effects_3_actual": 40,
    "effects_3_points": 4,
    "effects_4_name": "投诉天数", "effects_4_nature": "≤", "effects_4_target": 25, "effects_4_actual": 30,
    "effects_4_points": 2,
    "effects_5_name": "居住环境改善", "effects_5_nature": "定性", "effects_5_tier": "部分达成", "effects_5_share": 0.65,
    "effects_5_points": 2,
}


@pytest.mark.libreoffice
def test_rows_computed_in_libreoffice_match_the_hand_calculation(recalculated):
    runs, out = recalculated
    (case, path), = runs["hand"][2]
    got = fast_named_values(out[path])
    assert [got[f"part_effects_r{i}"] for i in (1, 2, 3, 4, 5, 6)] == [8, None, 3.2, 1.67, 1.3, None]
    assert got["score_effects"] == 14.17          # 8 + 3.2 + 1.67 + 1.3, within the weight 16
    assert got["scorerate_effects"] == round(14.17 / 16, 4)


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", list(ALL))
def test_engine_equals_libreoffice_on_every_named_cell(recalculated, key):
    runs, out = recalculated
    fw, lay, cases = runs[key]
    failures, compared, scored, totals = [], 0, 0, 0
    for case, path in cases:
        got = fast_named_values(out[path])
        want = shape_view(fw, lay, case.values)
        totals += want["total_score"] is not None
        scored += sum(want[f"score_{x.code}"] is not None for x in fw.leaves)
        for name, value in want.items():
            compared += 1
            if not same(value, got.get(name)):
                failures.append((case.id, name, value, got.get(name)))
    assert not failures, failures[:10]
    assert compared >= SETS * 20
    # the comparison must not be mostly blanks: most leaves score, and some sets reach a total
    assert scored >= 0.6 * SETS * len(fw.leaves) and totals >= 5, (scored, totals)


def test_check_reports_rows_whose_points_do_not_add_up(tmp_path):
    from xl_eval.check.workbook import check_file
    fw = probe("sichuan_dept_overall")
    lay = L.layout(fw)
    values = {c: i.max for c, i in fw.inputs.items() if i.kind == "score"}
    values.update(unit_name="甲局", eval_year=2019,
                  duty_1_name="粮食生产", duty_1_nature="酌情", duty_1_points=12, duty_1_score=11,
                  duty_2_name="农业执法", duty_2_nature="酌情", duty_2_points=9, duty_2_score=8)
    path = tmp_path / "rows.xlsx"
    fill(workbook_bytes(build_workbook(fw)), case_cells(lay, Case("x", values)), path)
    findings = check_file(path, fw).findings
    found = [f for f in findings if f.code == "XE212"]
    print([(f.code, f.message[:80]) for f in findings])
    assert len(found) == 1
    assert "“履职成效”各行分值之和为 21，应为 20" in found[0].message
    assert found[0].sheet == L.ROWS


def test_summary_name_of_a_branch_without_branches_spans_the_lower_columns():
    fw = probe("sichuan_project_4level")
    lay = L.layout(fw)
    ws = workbook(fw)[L.SUMMARY]
    row = lay.summary.node_rows["benefit"]          # 项目效益: only scored nodes below it
    assert f"B{row}:C{row}" in {str(m) for m in ws.merged_cells.ranges}


def test_check_reports_open_weights_that_do_not_add_up(tmp_path):
    from xl_eval.check.workbook import check_file
    fw = from_dict(open_weight_probe())
    lay = L.layout(fw)
    values = {c: min(i.max, 1) for c, i in fw.inputs.items() if i.kind == "score"}
    # 目标任务 (15): 5 + 5 + 6 = 16; 预算编制 (10): 5 + 5 -> the group and the whole tree are off by 1
    values.update(unit_name="甲局", eval_year=2019, weight_relevance=5, weight_clarity=5, weight_fit=6,
                  weight_basis=5, weight_goal_mgmt=5)
    path = tmp_path / "weights.xlsx"
    fill(workbook_bytes(build_workbook(fw)), case_cells(lay, Case("w", values)), path)
    found = [f.message for f in check_file(path, fw).findings if f.code == "XE212"]
    assert any("“目标任务”的权重合计为 16，应为 15" in m for m in found), found
    assert any("全部指标的权重合计为 101，应为 100" in m for m in found), found

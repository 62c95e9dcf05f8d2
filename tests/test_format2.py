"""Framework format 2: every feature scored on hand-written values.

Expected numbers are worked out in the comments (ROUND half away from zero;
completion ratios to 4 decimals, scores to 2), never taken from the engine.
"""

import copy
from pathlib import Path

import pytest
import yaml

from xl_eval.engine.inputs import parse_inputs
from xl_eval.engine.score import evaluate, score_target
from xl_eval.framework.lint import lint
from xl_eval.framework.model import FrameworkError, OverTarget, from_dict, load

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def targets():
    return load(FIX / "v2_targets.yaml")


@pytest.fixture(scope="module")
def opened():
    return load(FIX / "v2_open.yaml")


TARGET_RAW = {"unit_name": "测试项目", "exec_rate": "92%", "built": "140平方米", "pass_rate": "0.9",
              "planned_date": "2024-10-31", "done_date": "2024年11月30日", "effect_tier": "部分达成",
              "effect_share": "70%", "cost": "60", "sat_rate": "87%"}


def run(fw, raw):
    values, problems = parse_inputs(fw, raw)
    return evaluate(fw, values), problems


def test_levels_depth_and_directly_scored_nodes(targets, opened):
    assert targets.level_names == ("一级指标", "二级指标", "三级指标")
    shape = {leaf.code: (leaf.depth, leaf.path) for leaf in targets.leaves}
    assert shape["execution"] == (1, ())                       # level 1 scored directly
    assert shape["timeliness"] == (2, ("output",))             # level 2 scored directly
    assert shape["area"] == (3, ("output", "quantity"))
    assert opened.level_names == ("一级", "二级", "三级", "四级")
    assert opened.leaf("goal_way").depth == 4


def test_target_rules_hand_calculated(targets):
    ev, problems = run(targets, TARGET_RAW)
    assert problems == []
    s = {code: r.score for code, r in ev.leaves.items()}
    # 预算执行率 92% -> band [0.8, 1) -> 7
    assert s["execution"] == 7
    # 改造面积 ≥100, actual 140: met; 140/100 = 1.4 >= 1.3 -> over target, 20 - 2 = 18
    assert s["area"] == 18 and ev.leaves["area"].parts[0].flagged
    # 合格率 ≥95%, actual 90%: r = ROUND(0.9/0.95, 4) = 0.9474 >= 0.6;
    # (0.9474-0.6)/(1-0.6)*15 = 13.0275 -> 13.03
    assert s["quality"] == 13.03
    # 完成时间 ≤ 2024-10-31, done 2024-11-30: a date missed scores 0
    assert s["timeliness"] == 0
    # 定性 部分达成 at 70% of 20 = 14
    assert s["effect"] == 14
    # 成本 ≤50, actual 60: r = ROUND(50/60, 4) = 0.8333; 0.8333*10 = 8.333 -> 8.33
    assert s["cost_control"] == 8.33
    # 满意度 87% is in the gap (0.85, 0.9): else score 6
    assert s["satisfaction"] == 6
    # 产出 18 + 13.03 + 0 = 31.03; 效益 14 + 8.33 = 22.33; total 7 + 31.03 + 22.33 + 6 = 66.36 -> 中
    assert ev.level1 == {"execution": 7, "output": 31.03, "benefit": 22.33, "satisfaction": 6}
    assert ev.level2 == {"quantity": 31.03, "social": 22.33}
    assert ev.total == 66.36 and ev.grade == "中"


def test_band_gap_without_else_gives_no_score(targets, tmp_path):
    data = yaml.safe_load((FIX / "v2_targets.yaml").read_text(encoding="utf-8"))
    del data["indicators"][3]["rule"]["else"]
    fw = from_dict(data)
    ev, _ = run(fw, TARGET_RAW)
    assert ev.leaves["satisfaction"].score is None
    assert "不在评分标准的任何档内" in ev.leaves["satisfaction"].explanation
    assert ev.total is None
    assert [p.code for p in lint(fw)].count("L104") >= 1


@pytest.mark.parametrize("nature, target, actual, threshold, expected, met", [
    ("≥", 100, 100, None, 10, True),        # exactly met: full
    ("≥", 100, 0, None, 0, False),          # actual 0: r = 0
    ("≥", 0, 0, None, 10, True),            # target 0: any actual >= 0 meets it
    ("≥", 0, 5, None, 10, True),
    ("≥", 100, 59, 0.6, 0, False),          # 101号: r = 0.59 < 0.6 -> 0
    ("≥", 100, 60, 0.6, 0, False),          # r = 0.6 -> (0.6-0.6)/0.4*10 = 0
    ("≥", 100, 80, 0.6, 5, False),          # (0.8-0.6)/0.4*10 = 5
    ("≥", 100, 80, None, 8, False),         # 第十六条: 0.8*10 = 8
    ("≤", 50, 50, None, 10, True),          # ≤ exactly met
    ("≤", 50, 40, None, 10, True),          # ≤ below target: met
    ("≤", 50, 0, None, 10, True),           # ≤ actual 0: met, not flagged
    ("≤", 50, 100, None, 5, False),         # r = 50/100 = 0.5 -> 5
    ("≤", 0, 3, None, 0, False),            # ≤ target 0, actual 3: r = 0
    ("=", 20, 20, None, 10, True),
    ("=", 20, 25, None, 8, False),          # min/max = 20/25 = 0.8 -> 8
    ("=", 20, 16, None, 8, False),          # 16/20 = 0.8 -> 8
])
def test_target_edges(targets, nature, target, actual, threshold, expected, met):
    res = score_target(targets, nature, target, actual, 10, threshold)
    assert (res.score, res.met) == (expected, met)


def test_over_target_flag_only_and_below_ratio(targets):
    flag_only = OverTarget(1.3, 0)
    res = score_target(targets, "≥", 100, 130, 10, over_target=flag_only)
    assert (res.score, res.flagged) == (10, True)          # 130% reaches 1.3: flagged, no deduction
    res = score_target(targets, "≥", 100, 129, 10, over_target=OverTarget(1.3, 2))
    assert (res.score, res.flagged) == (10, False)
    res = score_target(targets, "≤", 100, 50, 10, over_target=OverTarget(1.3, 2))
    assert (res.score, res.flagged) == (8, True)           # ≤: 100/50 = 2 >= 1.3 -> 10 - 2


def test_qualitative_tiers(targets):
    # 达成 [80%, 100%], 部分达成 [60%, 80%), 未达成 [0, 60%)
    assert score_target(targets, "定性", None, None, 20, tier="达成", share=0.8).score == 16
    assert score_target(targets, "定性", None, None, 20, tier="未达成", share=0.55).score == 11
    wrong = score_target(targets, "定性", None, None, 20, tier="部分达成", share=0.85)
    assert wrong.score is None and "部分达成" in wrong.explanation
    assert score_target(targets, "定性", None, None, 20, tier="达成", share=None).score is None


def test_open_weights_either_or_rows_scale_below(opened):
    raw = {"unit_name": "单位甲", "budget": "100", "spent": "85", "plan_kind": "随预算编制", "goal_ok": "是",
           "c1": "是", "c2": "否", "c3": "是", "gp_done": 7, "gp_bad": 1,
           "weight_goal_way": 10, "weight_systems": 9, "weight_exec": 34, "weight_performance": 41,
           "performance_1_name": "培训人次", "performance_1_nature": "≥", "performance_1_target": "200",
           "performance_1_actual": "150", "performance_1_points": "20",
           "performance_2_name": "群众满意", "performance_2_nature": "定性", "performance_2_tier": "达成",
           "performance_2_share": "90%", "performance_2_points": "11",
           "performance_3_name": "其他", "performance_3_nature": "酌情", "performance_3_score": "8",
           "performance_3_points": "10"}
    ev, problems = run(opened, raw)
    # goal_score is blank, but only the alternative not chosen needs it
    assert problems == [] and ev.problems == ()
    s = {code: r.score for code, r in ev.leaves.items()}
    assert s["goal_way"] == 10          # 随预算编制: checklist of one item, 是 -> all of weight 10
    assert s["systems"] == 6            # 2 of 3 items without points: 9 * 2 / 3 = 6
    assert s["exec"] == 17              # 85/100 = 0.85 in [0.6, 0.9): share 0.5 of 34
    # 采购完成 10 - 7 = 3 below -> 3 * 0.5 = 1.5 off 5 = 3.5; 合规 5 - 1 = 4;
    # 3.5 + 4 = 7.5 of 10 scaled to weight 6: 7.5 * 6 / 10 = 4.5
    assert s["procurement"] == 4.5
    # rows: (0.75-0.6)/0.4*20 = 7.5; 11 * 0.9 = 9.9; 酌情 8 -> 25.4
    assert s["performance"] == 25.4
    assert [r.score for r in ev.leaves["performance"].parts] == [7.5, 9.9, 8]
    assert ev.total == 62.9 and ev.grade is None        # 16 + 21.5 + 25.4; no grades declared


def test_open_weights_not_adding_up_name_the_inputs(opened):
    raw = {"weight_goal_way": 10, "weight_systems": 9, "weight_exec": 30, "weight_performance": 41}
    _, problems = run(opened, raw)
    msgs = [p.reason for p in problems if p.together]
    assert any("“过程”的权重合计为 36，应为 40" in m and "weight_exec" in m for m in msgs)
    assert any("全部指标的权重合计为 96，应为 100" in m and "weight_goal_way" in m and "weight_performance" in m
               for m in msgs)


def test_row_points_must_add_up_to_allotment(opened):
    raw = {"weight_performance": 41, "performance_1_name": "甲", "performance_1_points": 20}
    _, problems = run(opened, raw)
    assert any("“履职成效”各行分值之和为 20，应为 41" in p.reason for p in problems if p.together)


def test_division_by_an_input_uses_the_declared_outcome(opened):
    raw = {"budget": 0, "spent": 0, "weight_exec": 34}
    ev, _ = run(opened, raw)
    assert ev.leaves["exec"].score == 0     # zero_denominator: 0 -> band (-inf, 0.6) share 0


def test_lint_reports_open_weights_and_duplicate_names(opened):
    found = [(p.code, p.key) for p in lint(opened)]
    assert ("L109", "预算执行率") in found and ("L109", "履职成效") in found
    data = yaml.safe_load((FIX / "v2_open.yaml").read_text(encoding="utf-8"))
    data["indicators"][1]["children"][1]["name"] = "预算执行率"
    assert ("L108", "预算执行率") in [(p.code, p.key) for p in lint(from_dict(data))]


def test_percent_spellings(targets):
    inp = targets.inputs["exec_rate"]
    from xl_eval.engine.inputs import parse_value
    from xl_eval.core.values import ValueProblem
    assert parse_value(inp, "95%") == 0.95
    assert parse_value(inp, "0.95") == 0.95
    assert parse_value(inp, 0.95) == 0.95           # a number cell: as stored
    assert parse_value(inp, 1.2) == 1.2             # a 120% cell stores 1.2
    with pytest.raises(ValueProblem):
        parse_value(inp, "95")                      # text above 1 without %: ambiguous


def test_date_and_decimal_spellings(targets):
    from xl_eval.engine.inputs import parse_value
    d = targets.inputs["done_date"]
    # Excel serial: 2024-12-31 is day 45657 of the 1900 system
    assert parse_value(d, "2024-12-31") == parse_value(d, "2024年12月31日") == parse_value(d, "2024/12/31") == 45657
    area = targets.inputs["built"]
    assert parse_value(area, "120平方米") == parse_value(area, "120") == 120


# ----------------------------------------------------------------- v1 rules

def test_v1_file_rejects_format2_keys():
    data = yaml.safe_load((FIX / "v2_targets.yaml").read_text(encoding="utf-8"))
    data["format"] = "xl-eval-framework/1"
    with pytest.raises(FrameworkError) as info:
        from_dict(data, "old.yaml")
    assert any("格式 2" in msg for _, msg in info.value.problems)


def test_v2_of_annex1_scores_and_hashes_like_v1(fw, seed_values):
    data = yaml.safe_load(fw.path and Path(fw.path).read_text(encoding="utf-8"))
    v2 = copy.deepcopy(data)
    v2["format"] = "xl-eval-framework/2"
    fw2 = from_dict(v2)
    assert fw2.content_hash == fw.content_hash
    assert evaluate(fw2, seed_values) == evaluate(fw, seed_values)

"""The engine against the seed report and hand-calculated cases.

Every expected number is written by hand: from the seed's Annex 1 and
Table 3, or worked out in the comment next to it.
"""

import pytest

from xl_eval.engine.score import evaluate, grade_of

# Annex 1 of the seed: leaf scores as printed.
SEED_LEAVES = {
    "财务合规性": 4.4, "预决算信息公开": 5, "预算编制合理性": 5, "预算编制规范性": 3,
    "预算调整率": 2, "结转结余率": 4, "“三公”经费控制率": 4, "管理制度健全性": 6,
    "资金使用合规性": 6, "项目实施程序": 5, "项目监管": 5, "资产管理安全性": 5,
    "固定资产利用率": 4, "项目完成率": 12, "政府采购工作完成率": 6, "政府绩效落实": 6,
    "产业结构优化": 6, "民生和社会事业发展": 7,
}


def leaf(fw, ev, name):
    return ev.leaves[fw.leaf(name).code].score


def test_seed_reproduces_annex1_and_table3(fw, seed_values):
    ev = evaluate(fw, seed_values)
    assert {name: leaf(fw, ev, name) for name in SEED_LEAVES} == SEED_LEAVES
    # Table 3: 决策 17.40, 过程 41.00, 产出 24.00, 效益 13.00; 95.4, 优
    assert ev.level1 == {"decision": 17.4, "process": 41.0, "output": 24.0, "benefit": 13.0}
    assert ev.total == 95.4 and ev.grade == "优"
    # Table 3's 得分率: 87%, 95.35%, 100%, 100%; total 95.4%
    assert ev.level1_rates == {"decision": 0.87, "process": 0.9535, "output": 1.0, "benefit": 1.0}
    assert ev.total_rate == 0.954
    # (4184.69 - 3592.06) / 3592.06 = 0.16498..., shown 16.50%
    assert ev.rates["adjustment_rate"] == 0.165
    # 2.72 / 3 = 0.90666... -> 90.67%
    assert ev.rates["three_public_rate"] == 0.9067


def test_seed_explanation_sentence(fw, seed_values):
    ev = evaluate(fw, seed_values)
    assert ev.leaves["budget_adjustment"].explanation == "预算调整率16.50%，处于10%（不含）至40%（含）档，得2分"


def _with_adjustment(seed_values, rate):
    # 年初 1000 and 全年 1000 * (1 + rate): the rate is exact to 4 decimals.
    return dict(seed_values, budget_initial=1000.0, budget_full=1000.0 + rate * 1000, adj_excluded=0)


@pytest.mark.parametrize("rate, points", [
    (0.0, 4), (0.10, 4), (0.1001, 2), (0.40, 2), (0.4001, 1), (0.405, 1),
    (0.60, 1), (0.6001, 0.25), (1.00, 0.25), (1.0001, 0), (2.5, 0),
])
def test_adjustment_rate_band_edges(fw, seed_values, rate, points):
    ev = evaluate(fw, _with_adjustment(seed_values, rate))
    assert ev.leaves["budget_adjustment"].score == points


def test_budget_cut_counts_as_adjustment(fw, seed_values):
    # 1000 -> 850 is a 15% cut: band (10%, 40%] -> 2
    ev = evaluate(fw, dict(seed_values, budget_initial=1000.0, budget_full=850.0))
    assert ev.rates["adjustment_rate"] == 0.15
    assert ev.leaves["budget_adjustment"].score == 2


def test_excluded_adjustment_is_subtracted(fw, seed_values):
    # (4184.69 - 3592.06 - 384.28) / 3592.06 = 0.05800... -> 5.80% -> 4 points
    ev = evaluate(fw, dict(seed_values, adj_excluded=384.28))
    assert ev.rates["adjustment_rate"] == 0.058
    assert ev.leaves["budget_adjustment"].score == 4


@pytest.mark.parametrize("rate, part", [
    (0.165, 2.4),    # the seed: 6.5 points over 10%, whole points only -> 6 x 0.1 = 0.6 off
    (0.10, 3.0), (0.1099, 3.0),   # less than one whole point over: nothing off
    (0.11, 2.9), (0.17, 2.3),     # 1 and 7 whole points over
    (0.40, 0.0), (0.55, 0.0),     # 30 points over: 3 off, the sub-item is exhausted
])
def test_per_point_deduction_of_financial_compliance(fw, seed_values, rate, part):
    ev = evaluate(fw, _with_adjustment(seed_values, rate))
    parts = {p.code: p.score for p in ev.leaves["fin_compliance"].parts}
    assert parts["adjustment"] == part
    assert ev.leaves["fin_compliance"].score == round(2 + part, 2)  # 2 = spending sub-item


@pytest.mark.parametrize("carry, points", [
    (0, 4), (10, 4), (10.04, 4), (10.05, 2), (10.1, 2), (50, 2), (50.1, 1), (100, 1), (100.1, 0)])
def test_carryover_band_edges(fw, seed_values, carry, points):
    # 全年预算数 1000: carry-over 10 is exactly 1%.  The rate is banded as shown
    # (4 decimals): 10.04 -> 1.004% shows 1.00% -> 4 points; 10.05 -> 1.005%
    # rounds half up to 1.01% -> 2 points.
    ev = evaluate(fw, dict(seed_values, budget_full=1000.0, budget_initial=1000.0, carryover=carry))
    assert ev.leaves["carryover_control"].score == points


@pytest.mark.parametrize("actual, points", [(2.72, 4), (3.0, 4), (3.01, 0)])
def test_three_public_edges(fw, seed_values, actual, points):
    ev = evaluate(fw, dict(seed_values, three_public_actual=actual))
    assert ev.leaves["three_public_control"].score == points


@pytest.mark.parametrize("in_use, points", [
    (100, 4), (90, 4), (89.99, 2), (75, 2), (74.99, 1), (60, 1), (59.99, 0), (0, 0)])
def test_asset_use_band_edges(fw, seed_values, in_use, points):
    ev = evaluate(fw, dict(seed_values, assets_total=100.0, assets_in_use=in_use))
    assert ev.leaves["asset_utilisation"].score == points


def test_proportional_completion(fw, seed_values):
    # Annex 1: "完成两个项目得分为（2/28）*12" = 0.857... ; the rate shown is 7.14%,
    # 0.0714 x 12 = 0.8568 -> 0.86
    ev = evaluate(fw, dict(seed_values, projects_completed=2))
    assert ev.rates["completion_rate"] == 0.0714
    assert ev.leaves["project_completion"].score == 0.86
    # 27/28 = 0.9643 -> x 12 = 11.5716 -> 11.57
    ev = evaluate(fw, dict(seed_values, projects_completed=27))
    assert ev.leaves["project_completion"].score == 11.57


def test_per_finding_floor_at_zero(fw, seed_values):
    assert evaluate(fw, dict(seed_values, budget_norm_issues=4)).leaves["budget_norms"].score == 1
    assert evaluate(fw, dict(seed_values, budget_norm_issues=9)).leaves["budget_norms"].score == 0
    # two counts share one floor: 4 + 3 findings on a 6-point leaf -> 0
    ev = evaluate(fw, dict(seed_values, fund_use_issues=4, fund_use_audit=3))
    assert ev.leaves["fund_use"].score == 0


def test_leaf_level_deduction(fw, seed_values):
    # 项目实施程序: 2.5 - 1 (one approval finding) + 2.5 - 1 x 1 audit finding = 3.0
    ev = evaluate(fw, dict(seed_values, proc_approval_issues=1, proc_audit=1))
    assert ev.leaves["proc"].score == 3.0
    # audit findings beyond the leaf's points floor at 0
    assert evaluate(fw, dict(seed_values, proc_audit=9)).leaves["proc"].score == 0


def test_veto_zeroes_the_whole_leaf(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, fin_violation="是"))
    assert ev.leaves["fin_compliance"].score == 0
    assert ev.level1["decision"] == 13.0   # 17.4 - 4.4


def test_tiers_and_classified_exemption(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, budget_disclosure="公开但不符合要求", final_disclosure="未公开"))
    assert ev.leaves["disclosure"].score == 1.0     # 1 + 0
    ev = evaluate(fw, dict(seed_values, budget_disclosure="未公开", final_disclosure="未公开", classified_unit="是"))
    assert ev.leaves["disclosure"].score == 5.0
    ev = evaluate(fw, dict(seed_values, budget_disclosure=None, final_disclosure=None, classified_unit="是"))
    assert ev.leaves["disclosure"].score == 5.0     # nothing to disclose, nothing needed


def test_checklist_and_yes_no(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, br_duty="否", br_detail="否"))
    assert ev.leaves["budget_reasonable"].score == 3
    ev = evaluate(fw, dict(seed_values, sup_evidence="否"))
    assert ev.leaves["supervision"].score == 4      # 3 + 1
    assert evaluate(fw, dict(seed_values, demo_work="否")).leaves["performance"].score == 0


def test_procurement_shortfall(fw, seed_values):
    # 24 planned, 21 done: 3 short x 0.5 = 1.5 off 3 -> 1.5; 1 nonconformity -> 2.5
    ev = evaluate(fw, dict(seed_values, gp_completed=21, gp_nonconforming=1))
    assert ev.leaves["procurement"].score == 4.0


@pytest.mark.parametrize("budget, actual, rate, points", [
    (0, 0, 0.0, 4),              # no budget, no spending: fully controlled
    (0, 0.5, float("inf"), 0),   # spending without budget: over
])
def test_three_public_zero_denominator(fw, seed_values, budget, actual, rate, points):
    ev = evaluate(fw, dict(seed_values, three_public_budget=budget, three_public_actual=actual))
    assert ev.rates["three_public_rate"] == rate
    assert ev.leaves["three_public_control"].score == points


def test_other_zero_denominators(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, assets_total=0, assets_in_use=0, projects_planned=0, projects_completed=0))
    assert ev.rates["asset_use_rate"] == 1 and ev.leaves["asset_utilisation"].score == 4
    assert ev.rates["completion_rate"] == 1 and ev.leaves["project_completion"].score == 12
    ev = evaluate(fw, dict(seed_values, projects_planned=0, projects_completed=3))
    assert ev.rates["completion_rate"] is None and ev.leaves["project_completion"].score is None
    assert ev.total is None and ev.grade is None
    ev = evaluate(fw, dict(seed_values, budget_initial=0, budget_full=0))
    assert ev.rates["adjustment_rate"] == 0 and ev.leaves["budget_adjustment"].score == 4


def test_blank_inputs_leave_scores_empty(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, budget_full=None, industry_score=None))
    assert ev.leaves["budget_adjustment"].score is None
    assert ev.leaves["industry"].score is None
    assert ev.leaves["budget_adjustment"].missing == ("budget_full",)
    assert ev.level1["process"] is None and ev.total is None
    assert ev.level1["decision"] is None   # 财务合规性 needs the adjustment rate too
    assert ev.level1["output"] == 24.0


def test_defaults_apply_to_blanks(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, adj_excluded=None, classified_unit=None))
    assert ev.total == 95.4


@pytest.mark.parametrize("total, grade", [
    (100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差")])
def test_grade_edges_belong_to_upper_grade(fw, total, grade):
    assert grade_of(fw, total) == grade


def test_total_exactly_on_grade_edges(fw, seed_values):
    # seed 95.4; industry 6 -> 0.6 gives 90.0 exactly; then livelihood 7 -> 0 gives 83.0 ...
    assert evaluate(fw, dict(seed_values, industry_score=0.6)).grade == "优"      # 90.00
    assert evaluate(fw, dict(seed_values, industry_score=0.59)).grade == "良"     # 89.99
    ev = evaluate(fw, dict(seed_values, industry_score=0, livelihood_score=0, demo_work="否",
                           budget_norm_issues=5, mgmt_system_issues=0.0))
    # 95.4 - 6 - 7 - 6 - 3 (budget norms 3 -> 0) = 73.4
    assert ev.total == 73.4 and ev.grade == "中"


def test_adjustment_without_initial_budget(fw, seed_values):
    # 年初预算数 0, 全年 100: rate infinite -> band (100%, inf) 0 points and the
    # 财务合规性 adjustment sub-item exhausted (2 + 0 = 2)
    ev = evaluate(fw, dict(seed_values, budget_initial=0, budget_full=100))
    assert ev.rates["adjustment_rate"] == float("inf")
    assert ev.leaves["budget_adjustment"].score == 0
    assert ev.leaves["fin_compliance"].score == 2

"""Input sets for tests/fixtures/v2_rules.yaml (the rule probe of the 打分表 workbook):
the edges of every rule written out, then seeded random sets.

Shared by tests/test_template_rules.py (engine, hand-written values) and
tests/test_template_rules_libreoffice.py (the workbook recalculated in LibreOffice).
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path

import yaml

from template_cases import Case

FIXTURE = Path(__file__).parent / "fixtures" / "v2_rules.yaml"
EPOCH = datetime.date(1899, 12, 30)


def day(y: int, m: int, d: int) -> float:
    """A date as the workbook stores it (Excel serial day number)."""
    return float((datetime.date(y, m, d) - EPOCH).days)


def rules_dict() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def no_else_dict() -> dict:
    """The probe with 支出进度 without its else score: a value in a gap scores nothing."""
    d = rules_dict()
    d["id"] = "probe-v2-rules-no-else"
    for l1 in d["indicators"]:
        for l2 in l1["children"]:
            for leaf in l2["children"]:
                if leaf["code"] == "spending":
                    leaf["rule"].pop("else")
    return d


# A full, ordinary input set (every leaf scored).
BASE = dict(
    unit_name="测试项目", remark="", built=100, trained_plan=200, trained=200, pass_rate=0.95, defect_target=0.02,
    defect_rate=0.02, ratio_target=1.5, ratio_actual=1.5, planned_date=day(2024, 12, 31), done_date=day(2024, 12, 31),
    flex_nature="≥", flex_target=10, flex_actual=10, flex_tier=None, flex_share=None, cost=50, effect_tier="达成",
    effect_share=1, eco_tier="好", eco_share=0.95, funding_mode="财政资金", raised_rate=None, sat_rate=0.95,
    exec_rate=1, budget=100, spent=95, days_late=0, plan_count=10, done_count=10, chk_a="是", chk_b="是", chk_c="是",
    gp_plan=10, gp_done=10, gp_bad=0)


def edge_cases() -> list[Case]:
    out: list[Case] = []

    def add(label, expect=None, **changes):
        out.append(Case(f"e{len(out):03d}_{label}", dict(BASE, **changes), [], expect or {}))

    add("base", {"score_area": 10, "score_training": 10, "score_acceptance": 8, "score_defects": 6, "score_mix": 6,
                 "score_ontime": 5, "score_flex": 4, "score_unit_cost": 10, "score_effect": 6, "score_eco": 3.8,
                 "score_funding": 4, "score_satisfaction": 10, "score_execution": 2, "score_spending": 2,
                 "score_delay": 2, "score_shortfall": 2, "score_shortfall_linear": 2, "score_tasks": 2,
                 "score_controls": 2, "score_gp_scaled": 1.5, "score_gp_capped": 1.5, "total_score": 99.8,
                 "grade": "优"})
    # ≥ with over-target 130% −2: exactly met, far above, just below 130%, not met (proportional), 0
    add("area_130", {"ratio_area_area": 1.3, "flag_area_area": "是", "score_area": 8}, built=130)
    add("area_129.99", {"ratio_area_area": 1.2999, "flag_area_area": "否", "score_area": 10}, built=129.99)
    add("area_99.995", {"ratio_area_area": 1.0, "score_area": 10}, built=99.995)        # rounds to 100%: met
    add("area_87.654", {"ratio_area_area": 0.8765, "score_area": 8.77}, built=87.654)  # 0.8765 x 10 = 8.765
    add("area_0", {"ratio_area_area": 0, "score_area": 0}, built=0)
    # 101号 pass threshold: (r − 60%) / 40% × 10; 59.99% / 60% / 60.01%
    add("train_59.99", {"ratio_training_training": 0.5999, "score_training": 0}, trained=119.98)
    add("train_60", {"ratio_training_training": 0.6, "score_training": 0}, trained=120)
    add("train_60.01", {"ratio_training_training": 0.6001, "score_training": 0}, trained=120.02)  # 0.0025 -> 0.00
    add("train_80", {"ratio_training_training": 0.8, "score_training": 5}, trained=160)
    add("train_target0", {"ratio_training_training": 1, "score_training": 10}, trained_plan=0, trained=0)
    add("train_actual0", {"ratio_training_training": 0, "score_training": 0}, trained=0)
    add("acceptance_blank", {"score_acceptance": None, "ratio_acceptance_acceptance": None, "total_score": None,
                             "grade": None}, pass_rate=None)
    add("acceptance_57%", {"ratio_acceptance_acceptance": 0.6, "score_acceptance": 0}, pass_rate=0.57)
    add("acceptance_76%", {"ratio_acceptance_acceptance": 0.8, "score_acceptance": 4}, pass_rate=0.76)
    # ≤: met, 0 actual (met, not far), far below target, above target
    add("defect_met", {"ratio_defects_defects": 1.3333, "score_defects": 6}, defect_rate=0.015)
    add("defect_0", {"ratio_defects_defects": 1, "flag_defects_defects": "否", "score_defects": 6}, defect_rate=0)
    add("defect_far", {"ratio_defects_defects": 2, "flag_defects_defects": "是", "score_defects": 6},
        defect_rate=0.01)                                                      # flag only (deduct 0)
    add("defect_over", {"ratio_defects_defects": 0.8, "score_defects": 4.8}, defect_rate=0.025)
    add("defect_target0", {"ratio_defects_defects": 0, "score_defects": 0}, defect_target=0, defect_rate=0.01)
    # =: met, above, below, zero
    add("mix_above", {"ratio_mix_mix": 0.75, "score_mix": 4.5}, ratio_actual=2)
    add("mix_below", {"ratio_mix_mix": 0.6667, "score_mix": 4}, ratio_actual=1)
    add("mix_zero", {"ratio_mix_mix": 0, "score_mix": 0}, ratio_actual=0)
    # dates: on time, a day late, early
    add("date_late", {"score_ontime": 0}, done_date=day(2025, 1, 1))
    add("date_early", {"score_ontime": 5}, done_date=day(2024, 6, 30))
    # the nature chosen by the evaluator
    add("flex_ge_far", {"ratio_flex_flex": 1.2, "flag_flex_flex": "是", "score_flex": 3}, flex_actual=12)
    add("flex_le", {"ratio_flex_flex": 0.8, "score_flex": 3.2}, flex_nature="≤", flex_actual=12.5)
    add("flex_le_far", {"ratio_flex_flex": 1.25, "flag_flex_flex": "是", "score_flex": 3},
        flex_nature="≤", flex_actual=8)
    add("flex_eq", {"ratio_flex_flex": 0.5, "score_flex": 2}, flex_nature="=", flex_actual=20)
    add("flex_qual", {"ratio_flex_flex": None, "score_flex": 2.8}, flex_nature="定性", flex_target=None,
        flex_actual=None, flex_tier="部分达成", flex_share=0.7)
    add("flex_qual_out_of_tier", {"score_flex": None}, flex_nature="定性", flex_tier="达成", flex_share=0.7)
    add("flex_blank", {"score_flex": None, "ratio_flex_flex": None}, flex_nature=None)
    # ≤ cost: 0 (met), far above
    add("cost_0", {"score_unit_cost": 10}, cost=0)
    add("cost_100", {"ratio_unit_cost_unit_cost": 0.5, "score_unit_cost": 5}, cost=100)
    # qualitative tiers: edges of 第十六条's ranges
    add("effect_80", {"score_effect": 4.8}, effect_share=0.8)
    add("effect_79", {"score_effect": None}, effect_share=0.79)          # 达成 needs 80%–100%
    add("effect_partial_60", {"score_effect": 3.6}, effect_tier="部分达成", effect_share=0.6)
    add("effect_partial_80", {"score_effect": None}, effect_tier="部分达成", effect_share=0.8)
    add("effect_none_0", {"score_effect": 0}, effect_tier="未达成", effect_share=0)
    add("eco_mid", {"score_eco": 2.4}, eco_tier="中", eco_share=0.6)
    # either_or both ways; the other alternative's inputs blank
    add("funding_gov", {"score_funding": 2}, exec_rate=0.8, raised_rate=None)                  # (0.8−0.6)/0.4 × 4
    add("funding_self_band", {"score_funding": 2}, funding_mode="自筹资金", raised_rate=0.7, exec_rate=None)
    add("funding_self_gap", {"score_funding": 1}, funding_mode="自筹资金", raised_rate=0.85, exec_rate=None)
    add("funding_self_top", {"score_funding": 4}, funding_mode="自筹资金", raised_rate=0.9)
    add("funding_blank", {"score_funding": None}, funding_mode=None)
    # banded shares (101号 满意度 10/8/5/0)
    for rate, pts in ((0.9, 10), (0.8999, 8), (0.8, 8), (0.7999, 5), (0.6, 5), (0.5999, 0)):
        add(f"sat_{rate}", {"score_satisfaction": pts}, sat_rate=rate)
    # 101号 预算执行率 2 / 1.4 / 1 / 0 and the below-threshold deduction (90%, 0.5 per 5 points, whole)
    for rate, band, cut in ((1, 2, 2), (0.9999, 1.4, 2), (0.9, 1.4, 2), (0.85, 1.4, 1.5), (0.8, 1.4, 1),
                            (0.7999, 1, 1), (0.6, 1, 0), (0.5999, 0, 0), (0, 0, 0)):
        add(f"exec_{rate}", {"score_execution": band, "score_shortfall": cut}, exec_rate=rate)
    # a value in a band gap with the else score; the zero divisor's declared outcome (0 -> else)
    add("spend_gap", {"value_spending_spending": 0.85, "score_spending": 0.5}, spent=85)
    add("spend_low", {"score_spending": 0.5}, spent=10)
    add("spend_mid", {"score_spending": 1}, spent=50)
    add("spend_div0", {"value_spending_spending": 0, "score_spending": 0.5}, budget=0)
    add("delay_gap", {"score_delay": 0}, days_late=7)
    add("delay_top", {"score_delay": 1}, days_late=30)
    # linear shortfall: 100 − 73 = 27 -> 2.7 steps × 0.25
    add("train_short", {"score_shortfall_linear": 1.33}, trained=73)                 # 2 − 0.675 = 1.325
    # proportional without points; a zero divisor without an outcome leaves it blank
    add("tasks_7", {"value_tasks_tasks": 0.7, "score_tasks": 1.4}, done_count=7)
    add("tasks_div0", {"value_tasks_tasks": None, "score_tasks": None, "total_score": None}, plan_count=0,
        done_count=0)
    # checklist without points: equal shares of 2
    add("controls_2", {"score_controls": 1.33}, chk_b="否")
    add("controls_0", {"score_controls": 0}, chk_a="否", chk_b="否", chk_c="否")
    # overflow: 1 + 1 on 1.5, scaled (× 1.5 / 2) or capped
    add("gp_half", {"score_gp_scaled": 1.13, "score_gp_capped": 1.5}, gp_done=5)    # 1.5 × 1.5/2 = 1.125
    add("gp_bad", {"score_gp_scaled": 0.38, "score_gp_capped": 0.5}, gp_done=0, gp_bad=2)  # 0.5 × 0.75
    add("gp_div0", {"score_gp_scaled": 1.5, "score_gp_capped": 1.5}, gp_plan=0, gp_done=0)
    add("gp_div0_bad", {"value_gp_capped_done": 1e300, "score_gp_scaled": 1.13, "score_gp_capped": 1.5},
        gp_plan=0, gp_done=3, gp_bad=2)              # 0 planned: 1 (scaled) or ∞ -> clamped to 1 (capped)
    return out


def random_values(rng: random.Random) -> dict:
    v = dict(BASE)

    def num(lo, hi, digits=2):
        return round(rng.uniform(lo, hi), digits)

    v.update(built=rng.choice([0, 100, 130, num(0, 200)]), trained_plan=rng.choice([0, 200, num(1, 500, 0)]),
             pass_rate=rng.choice([0.95, 0.57, num(0, 1, 4)]), defect_target=rng.choice([0, 0.02, num(0, 0.1, 4)]),
             defect_rate=rng.choice([0, num(0, 0.1, 4)]), ratio_target=num(-1, 3, 1), ratio_actual=num(-1, 3, 1),
             planned_date=day(2024, 12, 31) + rng.randint(-30, 30), done_date=day(2024, 12, 31) + rng.randint(-30, 30),
             flex_nature=rng.choice(["≥", "≤", "=", "定性", None]), flex_target=rng.choice([0, 10, num(-5, 20, 1)]),
             flex_actual=rng.choice([0, 10, num(-5, 30, 1)]), flex_tier=rng.choice(["达成", "部分达成", "未达成"]),
             flex_share=num(0, 1, 2), cost=rng.choice([0, 50, num(0, 120)]),
             effect_tier=rng.choice(["达成", "部分达成", "未达成"]), effect_share=rng.choice([0.6, 0.8, num(0, 1, 2)]),
             eco_tier=rng.choice(["好", "中", "差"]), eco_share=num(0, 1, 2),
             funding_mode=rng.choice(["财政资金", "自筹资金"]), raised_rate=num(0, 1.2, 4),
             sat_rate=rng.choice([0.6, 0.8, 0.9, num(0, 1, 4)]), exec_rate=rng.choice([0.6, 0.8, 1, num(0, 1.2, 4)]),
             budget=rng.choice([0, num(0, 1000)]), days_late=rng.choice([5, 10, 30, num(-3, 40, 1)]),
             plan_count=rng.randint(0, 12), chk_a=rng.choice(["是", "否"]), chk_b=rng.choice(["是", "否"]),
             chk_c=rng.choice(["是", "否"]), gp_plan=rng.randint(0, 12), gp_bad=rng.randint(0, 6))
    v["trained"] = rng.choice([v["trained_plan"], round(v["trained_plan"] * rng.uniform(0, 1.5), 2), 0])
    v["spent"] = round(v["budget"] * rng.uniform(0, 1.2), 2)
    v["done_count"] = rng.randint(0, v["plan_count"] + 1)
    v["gp_done"] = rng.randint(0, v["gp_plan"] + 1)
    for code in rng.sample(sorted(v), rng.choice([0, 0, 0, 1, 2])):          # now and then a blank
        v[code] = None
    return v


def random_cases(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    return [Case(f"r{i:03d}", random_values(rng), []) for i in range(n)]

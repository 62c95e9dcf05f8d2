"""A band that is one value (湖南岳阳评分表: 预算调整率=0，计3分；资金结余：无结余，3分) reads as that
value in the printed 评分标准, the engine's explanation and the drafted 扣分原因 — not as
“0%（含）以下” (which says negative rates score 3 too) or “100%（含）至100%（含）”."""

from pathlib import Path

from xl_eval.drafting import draft_reason
from xl_eval.engine.score import band_text, evaluate
from xl_eval.forms.scoresheet.criteria import printed_criteria
from xl_eval.framework.model import Interval, load

PROBES = Path(__file__).parent / "fixtures" / "probes"


def test_band_text_of_a_point():
    assert band_text(Interval(0, True, 0, True, "[0, 0]"), True) == "等于0%"
    assert band_text(Interval(2, True, 2, True, "[2, 2]"), False) == "等于2"
    assert band_text(Interval(0, True, 0.1, True, "[0, 0.1]"), True) == "10%（含）以下"    # unchanged


def test_point_bands_in_the_criteria_the_explanation_and_the_reason():
    fw = load(PROBES / "hunan_yueyang_dept.yaml")
    assert printed_criteria(fw, fw.leaf("adjustment")) == (
        "预算调整率等于0%的，得3分；0%（不含）至10%（含）的，得2分；10%（不含）至20%（含）的，得1分；"
        "20%（不含）至30%（含）的，得0.5分；30%（不含）以上的，得0分。")
    assert printed_criteria(fw, fw.leaf("surplus")).startswith("结余与上年结转之比等于0%的，得3分；")
    ev = evaluate(fw, {"adjust_rate": 0.0, "surplus_now": 0, "carry_prev": 0})
    assert ev.leaves["adjustment"].score == 3 and ev.leaves["surplus"].score == 3     # 0/0: 无结余
    assert "等于0%" in ev.leaves["adjustment"].parts[0].explanation
    ev = evaluate(fw, {"surplus_now": 5, "carry_prev": 0})                              # 结余超过上年结转
    assert ev.leaves["surplus"].score == 0
    ev = evaluate(fw, {"surplus_now": 5, "carry_prev": 10})
    assert ev.leaves["surplus"].score == 2
    assert draft_reason(fw, ev, "surplus") == (
        "上年结转为10万元，本年资金结余为5万元，结余与上年结转之比为50.00%，在0%（不含）至100%（含）档内，"
        "计2分，扣1分。")


def test_a_qualitative_tier_of_one_share_reads_as_that_share():
    fw = load(PROBES / "agri_standard_demo.yaml")
    assert printed_criteria(fw, fw.leaf("served")).startswith(
        "按“项目服务对象”分档：农业、农村、农民的，得分值的100%；其他的，得分值的50%（含）以下；")
    ev = evaluate(fw, {"target_group": "农业、农村、农民", "target_group_share": 0.9})
    assert ev.leaves["served"].score is None
    assert "农业、农村、农民的得分比例应为100%，填的是90.00%" in str(ev.problems) + ev.leaves["served"].parts[0].explanation
    ev = evaluate(fw, {"target_group": "其他", "target_group_share": 0.4})             # 0-1分: 40% of 2 = 0.8
    assert ev.leaves["served"].score == 0.8

"""The 自评 scoring rules, through the engine, with hand-calculated expectations.

财预〔2020〕10号 第十六条 (selfeval_2020_10) and 财预〔2021〕101号 (selfeval_2021_101):
every expected number below is worked out in the comment next to it.
"""

import pytest

from xl_eval.engine.score import evaluate, score_target
from xl_eval.framework.model import load
from xl_eval.framework.model import SHIPPED_DIR

FW10 = load(SHIPPED_DIR / "selfeval_2020_10.yaml")
FW101 = load(SHIPPED_DIR / "selfeval_2021_101.yaml")


def row(fw, block, nature, target=None, actual=None, points=10.0, tier=None, share=None):
    b = fw.leaf(block).rows
    return score_target(fw, nature, target, actual, points, b.pass_threshold, b.over_target, tier=tier, share=share)


@pytest.mark.parametrize("nature, target, actual, ratio, score", [
    ("≥", 20, 20, 1.0, 10.0),          # met exactly: full marks
    ("≥", 20, 25, 1.25, 10.0),         # above target: full marks (no deduction below 130%)
    ("≥", 20, 18, 0.9, 9.0),           # 18/20 = 0.9 -> 0.9 x 10
    ("≥", 3, 2, 0.6667, 6.67),         # 2/3 = 0.6667 (4 dp) -> 6.667 -> 6.67
    ("≤", 5, 5, 1.0, 10.0),            # ≤ met exactly
    ("≤", 350, 364, 0.9615, 9.62),     # ≤ exceeded: 350/364 = 0.961538 -> 0.9615 -> 9.615 -> 9.62
    ("≤", 0, 0, 1.0, 10.0),            # target 0 met (0 accidents)
    ("≤", 0, 2, 0.0, 0.0),             # target 0 missed: nothing
    ("≥", 0, 0, 1.0, 10.0),            # ≥ 0: always met
    ("=", 100, 98, 0.98, 9.8),         # = : smaller/larger = 0.98
    ("=", 1, 1, 1.0, 10.0),
    ("≥", 0.9, 0.88, 0.9778, 9.78),    # 88%/90% = 0.97778 -> 0.9778 -> 9.778 -> 9.78
])
def test_quantitative_2020_10(nature, target, actual, ratio, score):
    r = row(FW10, "output", nature, target, actual)
    assert (r.ratio, r.score) == (pytest.approx(ratio), pytest.approx(score))


def test_blank_actual_is_not_scored():
    assert row(FW10, "output", "≥", 20, None).score is None


def test_far_above_target_is_flagged_not_deducted():
    r = row(FW10, "benefit", "≥", 0.05, 0.072)       # 7.2% / 5% = 1.44 >= 1.3
    assert (r.ratio, r.flagged, r.score) == (1.44, True, 10.0)
    assert row(FW10, "benefit", "≥", 0.05, 0.06).flagged is False   # 1.2 < 1.3


@pytest.mark.parametrize("tier, share, score", [
    ("达成", 1.0, 10.0), ("达成", 0.9, 9.0), ("达成", 0.8, 8.0),        # [80%, 100%]
    ("部分达成", 0.75, 7.5), ("部分达成", 0.6, 6.0),                  # [60%, 80%)
    ("部分达成", 0.8, None),                                          # 80% belongs to 达成
    ("未达成", 0.5, 5.0), ("未达成", 0.0, 0.0), ("未达成", 0.6, None),  # [0, 60%)
    ("达成", 0.7, None), ("达成", None, None),
])
def test_qualitative_tiers(tier, share, score):
    r = row(FW10, "output", "定性", points=10.0, tier=tier, share=share)
    assert r.score == (pytest.approx(score) if score is not None else None)


@pytest.mark.parametrize("actual, score", [
    (5999, 0.0),     # 59.99% < 60%: fails the pass threshold
    (6000, 0.0),     # 60%: (0.6 - 0.6) / 0.4 x 40 = 0
    (6001, 0.01),    # 60.01%: 0.0001 / 0.4 x 40 = 0.01
    (8000, 20.0),    # 80%: 0.2 / 0.4 x 40 = 20
    (10000, 40.0),
])
def test_101_pass_threshold(actual, score):
    r = row(FW101, "output", "≥", 10000, actual, points=40.0)
    assert r.score == pytest.approx(score)


def money(full, executed):
    return {"current_full": full, "current_executed": executed}


@pytest.mark.parametrize("full, executed, score", [
    (900, 771, 8.57),       # 771/900 = 0.85667 -> 0.8567 -> 8.567 -> 8.57
    (1000, 1000, 10.0),
    (1000, 1100, 10.0),     # 110%: 11 points capped at the 10 available
    (1000, 0, 0.0),
    (0, 0, None),           # no budget: cannot be computed
])
def test_execution_rate_2020_10(full, executed, score):
    assert evaluate(FW10, money(full, executed)).leaves["exec"].score == score


@pytest.mark.parametrize("full, executed, score", [
    (10000, 10000, 10.0), (10000, 11000, 10.0),   # complete (and over: XE810 reports it)
    (10000, 9999, 7.0), (10000, 8000, 7.0),       # [80%, 100%)
    (10000, 7999, 5.0), (10000, 6000, 5.0),       # [60%, 80%)
    (10000, 5999, 0.0),                           # < 60%
])
def test_execution_rate_101_bands(full, executed, score):
    assert evaluate(FW101, money(full, executed)).leaves["exec"].score == score


def satisfaction(fw, actual, target=0.9, points=10.0):
    vals = {"satisfaction_1_name": "满意度", "satisfaction_1_nature": "≥", "satisfaction_1_target": target,
            "satisfaction_1_actual": actual, "satisfaction_1_points": points}
    return evaluate(fw, vals).leaves["satisfaction"].parts[0].score


@pytest.mark.parametrize("actual, score", [
    (0.95, 10.0), (0.90, 10.0),      # ≥ 90%: 10
    (0.8999, 8.0), (0.80, 8.0),      # [80%, 90%): 8
    (0.7999, 5.0), (0.60, 5.0),      # [60%, 80%): 5
    (0.5999, 0.0),                   # < 60%: 0
])
def test_101_satisfaction_bands(actual, score):
    assert satisfaction(FW101, actual) == score


def test_2020_10_satisfaction_is_proportional():
    assert satisfaction(FW10, 0.85) == 9.44      # 0.85/0.9 = 0.9444 -> 9.444 -> 9.44


def test_rows_groups_and_actual_bands_are_validated():
    import yaml
    from xl_eval.framework.model import FrameworkError, from_dict
    data = yaml.safe_load((SHIPPED_DIR / "selfeval_2021_101.yaml").read_text(encoding="utf-8"))
    data["indicators"][1]["rows"]["groups"] = ["数量指标", "数量指标"]
    data["indicators"][4]["rows"]["actual_bands"][0] = {"range": "[0, 2)", "share": 1.5}
    with pytest.raises(FrameworkError) as exc:
        from_dict(data, "x.yaml")
    keys = [k for k, _ in exc.value.problems]
    assert "indicators[1].rows.groups" in keys
    assert any(k.startswith("indicators[4].rows.actual_bands") for k in keys)

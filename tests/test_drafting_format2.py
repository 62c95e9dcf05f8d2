"""Drafts for the format-2 rule kinds (target-based indicators, qualitative, bands with an
``else``), hand-written like tests/test_drafting.py.  They run once the engine has
these kinds (the fw2 work); until then they are skipped."""

import datetime

import pytest

from xl_eval.framework.model import RULE_KINDS

pytestmark = pytest.mark.skipif("target" not in RULE_KINDS, reason="format-2 rule kinds not in the engine yet")

FRAMEWORK = """
format: xl-eval-framework/2
id: drafting-v2
version: 0.1.0
title: 项目支出绩效自评表（起草测试）
levels: [一级指标, 二级指标, 三级指标]
inputs:
  - {code: unit_name, label: 项目名称, kind: text, group: identity, required: true, reference: true}
  - {code: exec_rate, label: 预算执行率, kind: percent, group: financial}
  - {code: built, label: 改造面积, kind: decimal, unit: 平方米, group: targets}
  - {code: pass_rate, label: 验收合格率, kind: percent, group: targets}
  - {code: planned_date, label: 计划完成时间, kind: date, group: targets}
  - {code: done_date, label: 实际完成时间, kind: date, group: targets}
  - {code: effect_tier, label: 社会效益完成情况, kind: choice, options: [达成, 部分达成, 未达成], group: judgement}
  - {code: effect_share, label: 社会效益得分比例, kind: percent, group: judgement}
  - {code: sat_rate, label: 服务对象满意度, kind: percent, group: judgement}
indicators:
  - code: execution
    name: 预算执行率
    weight: 10
    rule:
      kind: bands
      value: exec_rate
      bands:
        - {range: "[0, 0.6)", points: 0}
        - {range: "[0.6, 0.8)", points: 5}
        - {range: "[0.8, 1)", points: 7}
        - {range: "[1, inf)", points: 10}
  - code: output
    name: 产出指标
    weight: 50
    children:
      - code: quantity
        name: 数量指标
        children:
          - code: area
            name: 改造面积
            weight: 20
            rule: {kind: target, nature: "≥", target: 100, actual: built, over_target: {ratio: 1.3, deduct: 2}}
          - code: quality
            name: 验收合格率
            weight: 15
            rule: {kind: target, nature: "≥", target: 0.95, actual: pass_rate, pass_threshold: 0.6}
      - code: timeliness
        name: 完成及时性
        weight: 15
        rule: {kind: target, nature: "≤", target: planned_date, actual: done_date}
  - code: benefit
    name: 效益指标
    weight: 30
    rule: {kind: qualitative, input: effect_tier, share: effect_share}
  - code: satisfaction
    name: 满意度指标
    weight: 10
    rule:
      kind: bands
      value: sat_rate
      bands:
        - {range: "[0, 0.8)", points: 0}
        - {range: "[0.9, inf)", points: 10}
      else: 6
grades:
  - {range: "[90, inf)", name: 优}
  - {range: "[80, 90)", name: 良}
  - {range: "[60, 80)", name: 中}
  - {range: "(-inf, 60)", name: 差}
"""


def serial(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1899, 12, 30)).days


@pytest.fixture(scope="module")
def fw2(tmp_path_factory):
    from xl_eval.framework.model import load
    path = tmp_path_factory.mktemp("fw") / "v2.yaml"
    path.write_text(FRAMEWORK, encoding="utf-8")
    return load(path)


VALUES = dict(unit_name="老旧小区改造", exec_rate=0.85, built=90, pass_rate=0.7, planned_date=serial(2024, 6, 30),
              done_date=serial(2024, 7, 15), effect_tier="部分达成", effect_share=0.7, sat_rate=0.87)


def drafts(fw, leaf, **changes):
    from xl_eval.drafting import draft_findings, draft_reason
    from xl_eval.engine.score import evaluate
    ev = evaluate(fw, dict(VALUES, **changes))
    return draft_findings(fw, ev, leaf), draft_reason(fw, ev, leaf)


def test_target_below_the_annual_value(fw2):
    # 90 of 100 m²: 90% of 20 points = 18
    findings, reason = drafts(fw2, "area")
    assert findings == "年度指标值≥100平方米，实际完成值为90平方米。"
    assert reason == "年度指标值≥100平方米，实际完成值为90平方米，完成年度指标值的90.00%，按完成比例计18分，扣2分。"


def test_target_far_above_the_annual_value(fw2):
    # 140 of 100: met, but ≥ 130% of the target costs 2 points (指标值设置偏低)
    _, reason = drafts(fw2, "area", built=140)
    assert reason == ("年度指标值≥100平方米，实际完成值为140平方米，实际完成值达到年度指标值的130%以上，"
                      "指标值设置可能偏低，计18分，扣2分。")


def test_target_with_a_pass_threshold(fw2):
    # 70% / 95% = 73.68%; (0.7368 − 0.6) / 0.4 × 15 = 5.13; 50% / 95% = 52.63% < 60% -> 0
    _, reason = drafts(fw2, "quality")
    assert reason == "年度指标值≥95.00%，实际完成值为70.00%，完成年度指标值的73.68%，按完成比例计5.13分，扣9.87分。"
    _, reason = drafts(fw2, "quality", pass_rate=0.5)
    assert reason == "年度指标值≥95.00%，实际完成值为50.00%，完成年度指标值的52.63%，低于60%，计0分，扣15分。"


def test_date_target(fw2):
    findings, reason = drafts(fw2, "timeliness")
    assert findings == "年度指标值≤2024年6月30日，实际完成值为2024年7月15日。"
    assert reason == "年度指标值≤2024年6月30日，实际完成值为2024年7月15日，未按期完成，计0分，扣15分。"
    assert drafts(fw2, "timeliness", done_date=serial(2024, 6, 1))[1] == ""


def test_qualitative(fw2):
    # 部分达成 at 70%: 21 of 30
    _, reason = drafts(fw2, "benefit")
    assert reason == "社会效益完成情况为“部分达成”，社会效益得分比例为70.00%，按70.00%计21分，扣9分。"


def test_percent_bands_and_else(fw2):
    assert drafts(fw2, "execution")[1] == "预算执行率为85.00%，在80%（含）至100%（不含）档内，计7分，扣3分。"
    # 87% is in neither band: the framework's else gives 6
    assert drafts(fw2, "satisfaction")[1] == "服务对象满意度为87.00%，不在评分标准所列各档内，计6分，扣4分。"

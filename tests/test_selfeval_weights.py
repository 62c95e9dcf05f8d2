"""Weights moved per project, and the over-target deduction a framework may declare.

财预〔2020〕10号 第十三条 lets the 一级指标 weights move "如有特殊情况"; the
shipped selfeval_2020_10 allows 产出 40～60, 效益 20～40, 满意度 0～10
(weight_range), selfeval_2021_101 only 效益 20/30 with 满意度 10/0
(weight_values, 财预〔2021〕101号（六）).  tests/fixtures/selfeval_deduct.yaml is
selfeval_2020_10 with over_target {ratio: 1.3, deduct: 2}.  Every expected
number is worked out in the comment next to it; the projects below also go
through LibreOffice in tests/test_selfeval_libreoffice.py (same expectations).
"""

from pathlib import Path

import pytest

from xl_eval.batch import fill_selfeval as F
from xl_eval.engine.score import evaluate
from xl_eval.forms.selfeval import layout as L
from xl_eval.forms.selfeval.bind import evaluate_sheet, spec_of
from xl_eval.framework.model import SHIPPED_DIR, FrameworkError, from_dict, load
from xl_eval.sources.selfeval import Indicator, Project

FW10 = load(SHIPPED_DIR / "selfeval_2020_10.yaml")
FW101 = load(SHIPPED_DIR / "selfeval_2021_101.yaml")
FWD = load(Path(__file__).parent / "fixtures" / "selfeval_deduct.yaml")
NOTE = "一级指标分值的调整不符合框架：产出指标 40～60，效益指标 20～40，满意度指标 0～10，合计应为 100"


def ind(l1, l2, name, nature, target, actual, points, share=None):
    return Indicator(0, l1, l2, name, nature, target, "" if target is None else str(target), "", actual, share,
                     points, "", "")


def project(name, full, executed, indicators, weights=None):
    money = {f"{s}_{t}": None for s in ("current", "carryover", "other") for t in ("initial", "full", "executed")}
    money.update(current_initial=full, current_full=full, current_executed=executed)
    return Project(2, name, "", "某局", "某单位", 2024, money, {}, "预期", "实际", "", list(indicators),
                   dict(weights or {}))


def weight_projects():
    return [
        # 满意度 not set: its 10 points moved to 效益 (the rows' 分值 add up to 50 / 40 / 0)
        project("权重调整：不设满意度", 100, 95, [
            ind("产出指标", "数量指标", "培训人次", "≥", 20, 18, 25),
            ind("产出指标", "时效指标", "完成时限", "≤", 30, 30, 25),
            ind("效益指标", "社会效益指标", "覆盖率", "≥", 0.9, 0.9, 20),
            ind("效益指标", "可持续影响指标", "长效机制", "定性", None, "部分达成", 20, 0.7)]),
        # the project table's weight columns (a 四川-style 60 / 30 / 0 table)
        project("权重调整：按列填写", 100, 80, [
            ind("产出指标", "数量指标", "发放人数", "≥", 100, 100, 60),
            ind("效益指标", "社会效益指标", "政策知晓", "定性", None, "达成", 30, 0.9)],
            {"产出指标": 60, "效益指标": 30, "满意度指标": 0}),
        # outside the bounds: 产出 65 (allowed 40～60) and the total 110
        project("权重调整：超出范围", 100, 100, [
            ind("产出指标", "数量指标", "建设数量", "≥", 10, 10, 65),
            ind("效益指标", "社会效益指标", "受益率", "≥", 5, 4, 25),
            ind("满意度指标", "服务对象满意度指标", "满意度", "≥", 0.9, 0.95, 10)],
            {"产出指标": 65, "效益指标": 25, "满意度指标": 10}),
    ]


# 执行率 score, 产出, 效益, 满意度 subtotals, total, grade, the weights note
WEIGHTS_EXPECTED = {
    # 95/100 -> 9.5; 产出 18/20 x 25 = 22.5 + 25 = 47.5; 效益 20 + 70% x 20 = 14 -> 34; 满意度 weight 0 -> 0
    # 9.5 + 47.5 + 34 + 0 = 91 -> 优
    "权重调整：不设满意度": (9.5, 47.5, 34.0, 0.0, 91.0, "优", ""),
    # 80/100 -> 8; 产出 60; 效益 90% x 30 = 27; 满意度 0; 8 + 60 + 27 = 95 -> 优
    "权重调整：按列填写": (8.0, 60.0, 27.0, 0.0, 95.0, "优", ""),
    # 10; 产出 65 (capped at its own weight cell, 65); 效益 4/5 x 25 = 20; 满意度 95%/90% met -> 10;
    # 10 + 65 + 20 + 10 = 105, shown with the red note (check: XE815)
    "权重调整：超出范围": (10.0, 65.0, 20.0, 10.0, 105.0, "优", NOTE),
}


def deduct_projects():
    return [project("偏离扣分", 100, 100, [
        ind("产出指标", "数量指标", "甲", "≥", 10, 13, 10),        # 130% -> flagged: 10 - 2 = 8
        ind("产出指标", "数量指标", "乙", "≥", 10, 12.99, 10),     # 129.9% < 130%: 10
        ind("产出指标", "质量指标", "丙", "≤", 10, 7, 10),         # 10/7 = 1.4286 -> flagged: 8
        ind("产出指标", "时效指标", "丁", "=", 10, 13, 10),        # = : 10/13 = 0.7692, not met: 7.692 -> 7.69
        ind("产出指标", "成本指标", "戊", "≥", 0, 5, 10),          # target 0: met, ratio 1: 10
        ind("效益指标", "社会效益指标", "己", "≥", 100, 200, 1.5),  # 200%: 1.5 - 2 -> 0 (never below 0)
        ind("效益指标", "社会效益指标", "庚", "≥", 5, 5, 28.5),     # met: 28.5
        ind("满意度指标", "服务对象满意度指标", "辛", "≥", 0.9, 0.95, 10)])]   # 105.56%: 10


DEDUCT_EXPECTED = {
    # 10; 产出 8 + 10 + 8 + 7.69 + 10 = 43.69; 效益 0 + 28.5; 满意度 10; 10 + 43.69 + 28.5 + 10 = 92.19 -> 优
    "偏离扣分": (10.0, 43.69, 28.5, 10.0, 92.19, "优", ""),
}


def _through_form(fw, p):
    spec = spec_of(fw)
    placed = F.place(spec, p, "t.csv")
    lay = L.layout(spec, placed.sizes)
    weights, notes = F.block_weights(spec, p, placed, "t.csv")
    values, _ = F.sheet_values(lay, p, placed, weights)
    ev, expected = evaluate_sheet(fw, lay, values)
    got = (ev.leaves["exec"].score,) + tuple(ev.leaves[b.code].score for b in spec.blocks) + \
        (ev.total, ev.grade, expected.get(lay.weights_note_cell) or "")
    return got, weights, notes, ev


@pytest.mark.parametrize("p", weight_projects(), ids=lambda p: p.name)
def test_moved_weights_through_the_engine(p):
    got, _, _, _ = _through_form(FW10, p)
    assert got == WEIGHTS_EXPECTED[p.name]


def test_weights_follow_the_rows_when_they_are_an_allowed_move():
    p = weight_projects()[0]
    _, weights, notes, ev = _through_form(FW10, p)
    assert weights == {"output": 50.0, "benefit": 40.0, "satisfaction": 0.0}
    assert [n.severity for n in notes] == ["warning"] and "效益指标 40、满意度指标 0" in notes[0].message
    assert ev.problems == ()


def test_rows_that_are_not_an_allowed_move_keep_the_framework_weights():
    # 产出 rows add up to 70, 效益 to 30, no 满意度: 70 is outside 40～60, so nothing is inferred
    p = project("x", 10, 10, [ind("产出指标", "数量指标", "a", "≥", 1, 1, 70),
                              ind("效益指标", "社会效益指标", "b", "≥", 1, 1, 20)])
    _, weights, notes, ev = _through_form(FW10, p)
    assert weights == {} and notes == []
    # the framework's 50 / 30 / 10 stay: the rows do not add up (XE803) and 满意度 has no rows -> no total
    assert ev.weights == {"exec": 10.0, "output": 50.0, "benefit": 30.0, "satisfaction": 10.0}
    assert ev.total is None


def test_engine_reports_weights_outside_the_bounds_and_a_wrong_total():
    ev = evaluate(FW10, {"weight_output": 65, "weight_benefit": 25})
    msgs = [p.message for p in ev.problems]
    assert "“产出指标”的权重调整为 65，框架只允许 40～60" in msgs
    # 10 + 65 + 25 + 10 (blank: default) = 110
    assert any(m.startswith("调整后的权重合计为 110，应为 100") for m in msgs)
    assert evaluate(FW10, {"weight_output": 60, "weight_benefit": 20}).problems == ()   # 10+60+20+10


@pytest.mark.parametrize("benefit, satisfaction, ok", [
    (30, 0, True), (20, 10, True),      # 101号（六）: 满意度 10 / 效益 20, or none and 效益 +10
    (25, 5, False),                     # not one of the allowed values
    (30, 10, False),                    # allowed values but 110 in all
])
def test_2021_101_allows_only_the_satisfaction_move(benefit, satisfaction, ok):
    ev = evaluate(FW101, {"weight_benefit": benefit, "weight_satisfaction": satisfaction})
    assert (ev.problems == ()) is ok


def test_a_zero_weight_block_without_rows_scores_zero_and_counts_in_the_total():
    ev = evaluate(FW10, {"weight_satisfaction": 0, "weight_benefit": 40})
    assert ev.leaves["satisfaction"].score == 0.0 and ev.leaves["satisfaction"].score_rate is None
    assert ev.leaves["benefit"].score is None          # no rows yet: blank, as before


def test_fixed_weight_column_is_reported():
    # 101号 fixes 产出 at 40; a weight column saying 45 is reported and not used
    _, weights, notes, _ = _through_form(FW101, project("y", 1, 1, [], {"产出指标": 45}))
    assert weights == {} and "固定为 40" in notes[0].message


def test_loader_rejects_bad_weight_declarations():
    base = FW10.path
    import yaml
    data = yaml.safe_load(Path(base).read_text(encoding="utf-8"))
    data["indicators"][1]["weight_range"] = "[55, 60]"      # the default 50 outside its own range
    with pytest.raises(FrameworkError, match="默认权重 50 不在允许的调整范围 55～60 内"):
        from_dict(data)
    data["indicators"][1]["weight_range"] = "[40, inf)"
    with pytest.raises(FrameworkError, match="有限的上限"):
        from_dict(data)
    data["indicators"][1].pop("weight_range")
    data["indicators"][1]["weight_values"] = ["五十"]
    with pytest.raises(FrameworkError, match="分值列表"):
        from_dict(data)


# ------------------------------------------------------------ over-target deduction

@pytest.mark.parametrize("nature, target, actual, score, flagged", [
    ("≥", 10, 13, 8.0, True),        # 130%: 10 - 2
    ("≥", 10, 12.99, 10.0, False),   # 129.9%
    ("≤", 10, 7, 8.0, True),         # 10/7 = 142.86%
    ("≤", 10, 0, 10.0, False),       # ≤ with 0 actual: met, never flagged
    ("=", 10, 13, 7.69, False),      # = is never "far above": 10/13 x 10
    ("≥", 100, 200, 0.0, True),      # points 1.5 below the deduction: 0, not negative (points=1.5)
])
def test_over_target_deduction_in_the_engine(nature, target, actual, score, flagged):
    from xl_eval.engine.score import score_target
    b = FWD.leaf("output").rows
    points = 1.5 if target == 100 else 10.0
    r = score_target(FWD, nature, target, actual, points, b.pass_threshold, b.over_target)
    assert (r.score, r.flagged) == (score, flagged)
    if flagged and score < points:
        assert "扣2分" in r.explanation


@pytest.mark.parametrize("p", deduct_projects(), ids=lambda p: p.name)
def test_over_target_deduction_through_the_form(p):
    got, _, _, _ = _through_form(FWD, p)
    assert got == DEDUCT_EXPECTED[p.name]


def test_shipped_frameworks_only_flag():
    for fw in (FW10, FW101):
        assert {leaf.rows.over_target.deduct for leaf in fw.leaves if leaf.rows} == {0.0}


def _workbook(fw, p, path):
    from xl_eval.forms.selfeval import template as T
    spec = spec_of(fw)
    placed = F.place(spec, p, "t.csv")
    lay = L.layout(spec, placed.sizes)
    weights, _ = F.block_weights(spec, p, placed, "t.csv")
    values, formats = F.sheet_values(lay, p, placed, weights)
    path.write_bytes(T.workbook_bytes(T.build_workbook(spec, [(T.TEMPLATE_SHEET, lay, values, formats)])))
    return lay


def test_check_reports_a_deducted_far_above_target_row_as_xe807(tmp_path):
    from xl_eval.check import selfeval as C
    book = tmp_path / "d.xlsx"
    _workbook(FWD, deduct_projects()[0], book)
    found = {(f.code, f.cell): f.message for f in C.check_file(book, FWD).findings}
    from openpyxl import load_workbook
    ws = load_workbook(book)["自评表"]
    row = {c.value: c.row for c in ws["D"] if c.row > L.ROW_GRID_HEAD and c.value}
    # 甲 130% -> 8 of 10 without a reason: the over-target deduction (XE807), not a shortfall (XE804)
    assert "按框架扣 2 分" in found[("XE807", f"M{row['甲']}")]
    assert ("XE804", f"M{row['甲']}") not in found
    # 丙 ≤ 10 with 7: the ceiling may be too loose
    assert "上限是否定得过宽" in found[("XE807", f"M{row['丙']}")]
    # 丁 = 10 with 13 is simply not met
    assert ("XE804", f"M{row['丁']}") in found


def test_check_reports_moved_weights_outside_the_bounds_as_xe815(tmp_path):
    from xl_eval.check import selfeval as C
    book = tmp_path / "w.xlsx"
    lay = _workbook(FW10, weight_projects()[2], book)       # 产出 65, total 110
    found = [(f.code, f.cell, f.message) for f in C.check_file(book).findings if f.code == "XE815"]
    assert [(c, cell) for c, cell, _ in found] == [("XE815", lay.weight_cell("output"))] * 2
    assert "框架只允许 40～60" in found[0][2] and "合计为 110" in found[1][2]
    ok = tmp_path / "ok.xlsx"
    _workbook(FW10, weight_projects()[0], ok)               # 50 / 40 / 0: allowed
    assert [f.code for f in C.check_file(ok).findings if f.code in ("XE803", "XE815")] == []

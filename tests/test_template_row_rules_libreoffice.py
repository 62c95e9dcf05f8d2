"""Rows blocks with rules (pass threshold, over-target, actual bands) and weights an
evaluation may move (weight_range / weight_values) in the 打分表, recalculated in
LibreOffice: generated input sets of tests/fixtures/v2_row_rules.yaml and both shipped
自评 frameworks compared with the engine on every named cell, hand-calculated edges, and a
changed 评分参数 cell that recomputes the rows.  One recalculate() call.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from shape_cases import random_inputs, same, shape_view
from template_cases import Case, case_cells, fast_named_values, fill
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.model import load
from xl_eval.framework.registry import resolve

pytestmark = pytest.mark.libreoffice
FIXTURE = Path(__file__).parent / "fixtures" / "v2_row_rules.yaml"
SETS = {FIXTURE: 100, "selfeval_2021_101": 40, "selfeval_2020_10": 20}


def rows(block: str, *lines: dict) -> dict:
    """Row inputs of `block`: one mapping per row, numbered from 1."""
    out = {}
    for i, line in enumerate(lines, 1):
        for key, value in dict({"name": f"指标{i}"}, **line).items():
            out[f"{block}_{i}_{key}"] = value
    return out


def t(nature, points, target, actual):
    return {"nature": nature, "points": points, "target": target, "actual": actual}


# Case A: every weight moved to an allowed value (the range's closed top end, a listed value),
# the pass threshold met exactly, over-target at its edge (deducts 1), a 定性 share at its tier's
# lower edge, an actual at a band's closed lower edge.
CASE_A = dict(
    unit_name="甲单位", budget=100, spent=80, rules_ok="是",
    weight_exec=30, weight_system=5, weight_output=35, weight_satisfaction=10,
    **rows("output", t("≥", 10, 100, 50),          # ratio 50% = pass 50%: (0.5-0.5)/0.5*10 = 0
           t("≥", 5, 100, 75),                      # (0.75-0.5)/0.5*5 = 2.5
           t("≥", 10, 100, 120),                    # 120% = over-target edge: 10-1 = 9
           t("≤", 5, 12, 10),                       # 12/10 = 120%: 5-1 = 4
           {"nature": "定性", "points": 3, "tier": "达成", "share": 0.8},   # 3*0.8 = 2.4
           {"nature": "酌情", "points": 2, "score": 1.5}),                  # 1.5
    **rows("effects", t("≥", 10, 100, 149),        # 149% < 150%: met, 10
           t("≥", 10, 40, 30)),                     # no pass threshold: 0.75*10 = 7.5
    **rows("satisfaction", t("≥", 10, 0.9, 0.7)),  # band [70%, 90%): 60% of 10 = 6
)
WANT_A = dict(
    effective_weight_exec=30, score_exec=16, scorerate_exec=0.5333,        # 0.8*20 = 16 (part max: the default 20)
    score_system=5, scorerate_system=1,                                    # 10 clamped to the weight 5
    part_output_r1=0, part_output_r2=2.5, part_output_r3=9, part_output_r4=4, part_output_r5=2.4,
    part_output_r6=1.5, score_output=19.4, scorerate_output=0.5543,        # 19.4/35
    part_effects_r1=10, part_effects_r2=7.5, score_effects=17.5, scorerate_effects=0.875,
    part_satisfaction_r1=6, score_satisfaction=6, scorerate_satisfaction=0.6,
    subtotal_manage=5, subtotalrate_manage=1,
    total_score=63.9, total_rate=0.639, grade="中",                        # 16+5+19.4+17.5+6
)

# Case B: weights left blank (the default) or set to a listed 0, the 0-point block without rows,
# a zero denominator, = met exactly, a 部分达成 share at its lower edge; weights add up to 105.
CASE_B = dict(
    unit_name="乙单位", budget=0, spent=0, rules_ok="否",
    weight_exec=None, weight_system=15, weight_output=50, weight_satisfaction=0,
    **rows("output", t("=", 50, 10, 10)),
    **rows("effects", {"nature": "定性", "points": 20, "tier": "部分达成", "share": 0.6}),
)
WANT_B = dict(
    effective_weight_exec=20, score_exec=0, scorerate_exec=0, score_system=0, scorerate_system=0,
    part_output_r1=50, score_output=50, scorerate_output=1, score_effects=12, scorerate_effects=0.6,
    score_satisfaction=0, scorerate_satisfaction=None, subtotal_satisfaction=0, subtotalrate_satisfaction=None,
    total_score=62, total_rate=0.62, grade="中",
)

# Case C: a weight at the open end of its range (not allowed), a blank weight (the default 40),
# an actual in the gap between two bands (no else: the row, the block and the total stay blank).
CASE_C = dict(
    unit_name="丙单位", budget=100, spent=100, rules_ok="是",
    weight_exec=10, weight_system=10, weight_output=None, weight_satisfaction=10,
    **rows("output", t("≥", 40, 100, 100)),
    **rows("effects", t("≤", 20, 10, 5)),           # 10/5 = 200% >= 150%: flagged, deducts 0: 20
    **rows("satisfaction", t("≥", 10, 0.9, 0.65)),
)
WANT_C = dict(
    score_exec=10, scorerate_exec=1,                # 20 clamped to the moved weight 10
    score_system=10, effective_weight_output=40, score_output=40, score_effects=20,
    part_satisfaction_r1=None, score_satisfaction=None, subtotal_satisfaction=None,
    total_score=None, total_rate=None, grade=None,
)

# Case D, 财预〔2021〕101号: completion exactly at 60% and below it, a ≤ row, 130% (flag only),
# 效益 moved to 30 and 满意度 to 0.
CASE_D = dict(
    project_name="某项目", current_full=100, current_executed=100,
    weight_benefit=30, weight_satisfaction=0,
    **rows("output", dict(t("≥", 20, 100, 60), level1="数量指标"),      # 60%: (0.6-0.6)/0.4*20 = 0
           dict(t("≥", 10, 100, 59), level1="数量指标"),                # below 60%: 0
           dict(t("≤", 10, 50, 80), level1="质量指标")),                # 50/80 = 62.5%: 0.025/0.4*10 = 0.63
    **rows("cost", dict(t("≥", 20, 100, 130), level1="经济成本指标")),   # 130%: flagged, no deduction: 20
    **rows("benefit", dict({"nature": "定性", "points": 30, "tier": "未达成", "share": 0.59},
                           level1="社会效益指标")),                     # 30*0.59 = 17.7
)
WANT_D = dict(
    score_exec=10, part_output_r1=0, part_output_r2=0, part_output_r3=0.63, score_output=0.63,
    score_cost=20, score_benefit=17.7, scorerate_benefit=0.59, score_satisfaction=0,
    scorerate_satisfaction=None, total_score=48.33, total_rate=0.4833, grade="差",
)

# Case E: case A with the 评分参数 cells of 产出指标 changed by hand (pass threshold 50% -> 70%,
# over-target 120% -> 130%): the rows recompute from the cells, nothing re-types them.
WANT_E = dict(
    part_output_r1=0, part_output_r2=0.83,           # (0.75-0.7)/0.3*5 = 0.8333
    part_output_r3=10, part_output_r4=5,             # 120% < 130%: no deduction
    score_output=19.73, scorerate_output=0.5637, total_score=64.23, total_rate=0.6423,   # 19.73/35
)


def param_cell(lay, leaf: str, key: str) -> L.Ref:
    block = next(b for b in lay.params.row_rules if b.leaf.code == leaf)
    return next(r for r in block.rows if r.key == key).value.ref


def weight_text(path: Path, lay) -> str:
    from openpyxl import load_workbook
    ws = load_workbook(path, data_only=True)[L.SCORE]
    return ws.cell(row=lay.score.weight_check, column=lay.score.cols.EXPLANATION).value or ""


def with_rows_of(fw, values: dict) -> dict:
    """Every row input named (blank unless given), so a case states its whole sheet."""
    out = {code: None for code, inp in fw.inputs.items() if inp.generated}
    out.update(values)
    return out


@pytest.fixture(scope="module")
def run(soffice, tmp_path_factory):
    from xl_eval.xlsx.libreoffice import recalculate
    tmp = tmp_path_factory.mktemp("row_rules")
    jobs = []
    for name, n in SETS.items():
        fw = load(name if isinstance(name, Path) else resolve(name))
        lay = L.layout(fw)
        template = workbook_bytes(build_workbook(fw))
        rng = random.Random(str(name))
        for i in range(n):
            case = Case(f"{fw.id}_{i}", random_inputs(fw, rng))
            path = tmp / f"{case.id}.xlsx"
            fill(template, case_cells(lay, case), path)
            jobs.append(("random", fw, lay, case, path))
        hand = {FIXTURE: {"A": CASE_A, "B": CASE_B, "C": CASE_C}, "selfeval_2021_101": {"D": CASE_D}}.get(name, {})
        for key, values in hand.items():
            case = Case(key, with_rows_of(fw, values))
            path = tmp / f"hand_{key}.xlsx"
            fill(template, case_cells(lay, case), path)
            jobs.append((key, fw, lay, case, path))
        if name == FIXTURE:
            case = Case("E", with_rows_of(fw, CASE_A))
            cells = case_cells(lay, case)
            for key, value in (("pass", 0.7), ("over_ratio", 1.3)):
                ref = param_cell(lay, "output", key)
                cells[(ref.sheet, ref.coord)] = value
            path = tmp / "hand_E.xlsx"
            fill(template, cells, path)
            jobs.append(("E", fw, lay, case, path))
    out = recalculate([j[-1] for j in jobs], tmp / "out", soffice=soffice)
    return [(key, fw, lay, case, out[path]) for key, fw, lay, case, path in jobs]


def test_generated_sets_equal_the_engine(run):
    failures, seen = [], {"moved": 0, "blank weight": 0, "not allowed": 0, "row scored": 0, "row blank": 0}
    for key, fw, lay, case, path in run:
        if key != "random":
            continue
        got = fast_named_values(path)
        for name, value in shape_view(fw, lay, case.values).items():
            if not same(value, got.get(name)):
                failures.append((case.id, name, value, got.get(name)))
        for leaf in fw.leaves:
            if leaf.adjust is not None:
                w = case.values.get(leaf.adjust.input)
                seen["blank weight"] += w is None
                seen["moved"] += w is not None and w != leaf.weight
                seen["not allowed"] += w is not None and not leaf.adjust.allows(w)
            if leaf.rows is not None:
                for i in range(1, leaf.rows.max_rows + 1):
                    if case.values.get(leaf.rows.row_input(i, "name")) is not None:
                        scored = isinstance(got.get(L.part_name(leaf.code, f"r{i}")), float)
                        seen["row scored" if scored else "row blank"] += 1
    assert not failures, failures[:10]
    assert sum(1 for j in run if j[0] == "random") >= 150
    assert min(seen.values()) >= 20, seen


@pytest.mark.parametrize("key,want", [("A", WANT_A), ("B", WANT_B), ("C", WANT_C), ("D", WANT_D),
                                      ("E", dict(WANT_A, **WANT_E))])
def test_hand_calculated_edges(run, key, want):
    (_, fw, lay, case, path), = [j for j in run if j[0] == key]
    got = fast_named_values(path)
    for name, value in want.items():
        assert same(value, got.get(name)), (key, name, value, got.get(name))
    if key != "E":           # E changes parameters the engine reads from the framework
        for name, value in shape_view(fw, lay, case.values).items():
            assert same(value, got.get(name)), (key, name, value, got.get(name))


@pytest.mark.parametrize("key,texts", [
    ("A", ["权重已设定，合计正确"]),
    ("B", ["调整后的权重合计为 105，应为 100"]),
    ("C", ["“预算执行率”的权重调整为 10，框架只允许 10（不含）～30", "调整后的权重合计为 90，应为 100"]),
    ("D", ["权重已设定，合计正确"]),
])
def test_weight_check_row_says_what_the_engine_says(run, key, texts):
    from xl_eval.engine.score import evaluate
    (_, fw, lay, case, path), = [j for j in run if j[0] == key]
    shown = weight_text(path, lay)
    for text in texts:
        assert text in shown, shown
    problems = [p.message for p in evaluate(fw, case.values).problems]
    assert len(problems) == len(texts) - (texts == ["权重已设定，合计正确"])
    for message in problems:
        assert message in shown, (message, shown)

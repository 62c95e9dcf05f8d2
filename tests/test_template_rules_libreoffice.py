"""The 打分表 of tests/fixtures/v2_rules.yaml recalculated in LibreOffice equals the engine.

Every rule form the workbook renders for format 2 (target ≥ ≤ = and dates, the nature
chosen by the evaluator, 定性 tiers, either_or, band shares and else scores, deduction
below a threshold, checklist / proportional without points, values dividing by an input,
overflow cap and scale) over the written-out edges of rules_cases.py and 100 seeded random
input sets, plus the probe without an else score (a value in a band gap scores nothing):
one recalculate() call for all of them, every named computed cell compared with the
engine, the edges also with hand-written values.
"""

from __future__ import annotations

import math

import pytest

from rules_cases import edge_cases, no_else_dict, random_cases, rules_dict
from template_cases import Case, case_cells, engine_view, fast_named_values, fill
from xl_eval.engine.score import _value, effective_values, evaluate
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.rule_formulas import flag_name, ratio_name, value_name
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.model import from_dict

pytestmark = pytest.mark.libreoffice


def rule_cells(fw, values: dict) -> dict:
    """What the completion-ratio, 偏离 and divided-value cells must show, from the engine."""
    ev = evaluate(fw, values)
    named = dict(effective_values(fw, values), **ev.rates)
    want = {}
    for leaf in fw.leaves:
        for part, res in zip(leaf.parts, ev.leaves[leaf.code].parts):
            rule = part.rule
            date = rule.actual is not None and fw.inputs.get(rule.actual.single_name, None) is not None \
                and fw.inputs[rule.actual.single_name].kind == "date"
            if rule.kind == "target" and not date:        # a date target is met or not: no ratio
                want[ratio_name(leaf.code, part.code)] = res.ratio
                if rule.over_target is not None:
                    want[flag_name(leaf.code, part.code)] = "是" if res.flagged else ("否", None)
            if rule.value is not None and rule.value.divisors:
                x, _ = _value(rule, named)
                want[value_name(leaf.code, part.code)] = 1e300 if x == math.inf else x
    return want


def same(want, have) -> bool:
    if isinstance(want, tuple):
        return any(same(w, have) for w in want)
    if want is None or have is None:
        return want is None and have is None
    if isinstance(want, (int, float)) and isinstance(have, float):
        return abs(have - want) < 1e-9
    return have == want


@pytest.fixture(scope="module")
def run(soffice, tmp_path_factory):
    from xl_eval.xlsx.libreoffice import recalculate
    src, dest = tmp_path_factory.mktemp("rules_src"), tmp_path_factory.mktemp("rules_out")
    jobs = []
    typed_as_text = Case("typed_as_text", dict(edge_cases()[0].values, pass_rate="95%", built="120平方米",
                                               done_date="2024-12-31"))
    for key, data, cases in (("rules", rules_dict(), edge_cases() + random_cases(100, 20261202)),
                             ("text", rules_dict(), [typed_as_text]),
                             ("no_else", no_else_dict(), edge_cases()[:1] + [
                                 c for c in edge_cases() if c.id.split("_", 1)[1].startswith("spend_")])):
        fw = from_dict(data)
        lay = L.layout(fw)
        template = workbook_bytes(build_workbook(fw))
        for case in cases:
            path = src / f"{key}_{case.id}.xlsx"
            fill(template, case_cells(lay, case), path)
            jobs.append((key, fw, lay, case, path))
    out = recalculate([j[-1] for j in jobs], dest, soffice=soffice)
    return [(key, fw, lay, case, fast_named_values(out[path]), out[path]) for key, fw, lay, case, path in jobs]


def test_every_named_cell_equals_the_engine(run):
    failures, compared = [], 0
    for key, fw, lay, case, got, _ in run:
        if key == "text":
            continue
        want = dict(engine_view(fw, lay, case.values), **rule_cells(fw, case.values))
        assert set(want) <= set(lay.computed)
        for name, value in want.items():
            compared += 1
            if not same(value, got.get(name)):
                failures.append((key, case.id, name, value, got.get(name)))
    assert compared > 180 * 90
    assert not failures, failures[:10]


def test_hand_written_values(run):
    failures = []
    for key, fw, lay, case, got, _ in run:
        if key != "rules":
            continue
        for name, value in case.expect.items():
            if not same(value, got.get(name)):
                failures.append((case.id, name, value, got.get(name)))
    assert not failures, failures


def test_a_value_in_a_gap_without_else_scores_nothing(run):
    got = {case.id.split("_", 1)[1]: values for key, fw, lay, case, values, _ in run if key == "no_else"}
    assert got["spend_gap"]["score_spending"] is None and got["spend_gap"]["total_score"] is None
    assert got["spend_low"]["score_spending"] is None
    assert got["spend_mid"]["score_spending"] == 1
    assert got["base"]["score_spending"] == 2


def test_text_in_percent_decimal_and_date_cells_is_the_finding(run):
    """Text the formulas cannot use (pasted past the validation): a cell behind “120平方米”
    shows an error, not a number, and xl-eval check names each input with the number it
    probably meant.  (Excel and LibreOffice coerce a text “95%” in arithmetic but not in
    comparisons, so such a score is not to be trusted: the finding is the input.)"""
    from xl_eval.check.workbook import check_file
    key, fw, lay, case, got, path = next(r for r in run if r[0] == "text")
    assert not isinstance(got["score_area"], float) and not isinstance(got["total_score"], float)
    assert got["score_training"] == 10
    for name, right in (("score_ontime", 5), ("score_acceptance", 8)):   # “2024-12-31”, “95%”: coerced or an error
        assert got[name] == right or not isinstance(got[name], float), (name, got[name])
    found = {(f.code, f.cell) for f in check_file(path, fw).findings if not f.caused_by}
    cells = {code: lay.inputs[code].ref.coord for code in ("pass_rate", "built", "done_date")}
    assert {("XE202", cells["pass_rate"]), ("XE202", cells["built"]), ("XE203", cells["done_date"])} <= found
    roots = [f for f in check_file(path, fw).findings if not f.caused_by and f.code[:3] in ("XE2", "XE3", "XE4")]
    assert {f.code for f in roots} == {"XE202", "XE203"}, [(f.code, f.cell, f.name) for f in roots]
    messages = " ".join(f.message for f in check_file(path, fw).findings)
    assert "可能是 0.95" in messages and "可能是 120" in messages and "文本格式的日期" in messages


def test_check_agrees_with_the_recalculated_workbooks(run):
    """xl-eval check reads the new kinds of input cells as the engine does: no error on
    the recalculated edges."""
    from xl_eval.check.workbook import check_file
    bad = []
    for key, fw, lay, case, got, path in run:
        if key != "rules" or not case.id.startswith("e"):
            continue
        errors = [(f.code, f.cell, f.message) for f in check_file(path, fw).findings
                  if f.severity == "error" and f.code[:3] in ("XE2", "XE3", "XE4")
                  and f.code not in ("XE201", "XE211")]   # blanks the case means; narrative texts aside
        if errors:
            bad.append((case.id, errors[:3]))
    assert not bad, bad[:5]

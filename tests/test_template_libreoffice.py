"""The template computes what the engine computes, in a real LibreOffice Calc.

Over 200 input sets (the seed's, every band edge on both sides, zero
denominators, blanks, veto and exemption, tiers, floors, grade edges built by
hand, seeded random ones, the project list) are written into copies of the
template through its defined names, recalculated with ONE `recalculate` call
(one soffice process per 100 files), read back, and compared with
xl_eval.engine.evaluate on the same typed inputs: every rate, sub-item, leaf
score, 得分率, level-2 and level-1 subtotal, total, total rate and grade, to
the last digit ("" in a cell <-> None in the engine).

The cases and the LibreOffice run live in tests/template_cases.py; the run is
conftest.py's session fixture ``native_run``, shared with
tests/test_template_udf.py (LibreOffice runs once for both files).
"""

from __future__ import annotations

import pytest

from template_cases import SEED_UNIT, case_values, engine_view, fast_named_values
from xl_eval.xlsx.libreoffice import read_named_values

pytestmark = pytest.mark.libreoffice

# Annex 1 as printed: each leaf's 得分 and 得分率, Table 3's subtotals.
SEED_LEAVES = {
    "fin_compliance": (4.4, 0.88), "disclosure": (5, 1), "budget_reasonable": (5, 1), "budget_norms": (3, 0.6),
    "budget_adjustment": (2, 0.5), "carryover_control": (4, 1), "three_public_control": (4, 1),
    "mgmt_system": (6, 1), "fund_use": (6, 1), "proc": (5, 1), "supervision": (5, 1), "asset_safety": (5, 1),
    "asset_utilisation": (4, 1), "project_completion": (12, 1), "procurement": (6, 1), "performance": (6, 1),
    "industry": (6, 1), "livelihood": (7, 1),
}
SEED_SUBTOTALS = {"decision": (17.4, 0.87), "process": (41, 0.9535), "output": (24, 1), "benefit": (13, 1)}


# ---------------------------------------------------------------- the run

@pytest.fixture(scope="module")
def run(native_run):
    r = native_run
    return r.lay, r.cases, r.got, r.out, r.paths, r.elapsed


def test_at_least_200_input_sets_in_one_call(run):
    lay, cases, got, out, paths, elapsed = run
    assert len(cases) >= 200
    assert len({c.id for c in cases}) == len(cases)
    # Its cost (~0.4 s per file on 2 free cores) is measured in bench/, not here:
    # a time limit in a test only fails on a loaded machine.


def test_every_named_value_equals_the_engine(run, fw):
    lay, cases, got, *_ = run
    failures = []
    compared = 0
    for case in cases:
        for name, want in engine_view(fw, lay, case_values(fw, case)).items():
            compared += 1
            have = got[case.id].get(name, "(missing)")
            if have != want or isinstance(have, str) != isinstance(want, str):
                failures.append(f"{case.id}: {name}: workbook {have!r}, engine {want!r}")
    assert not failures, f"{len(failures)} of {compared} differ:\n" + "\n".join(failures[:40])
    assert compared > 200 * 80


def test_hand_written_expectations(run):
    lay, cases, got, *_ = run
    for case in cases:
        for name, want in case.expect.items():
            have = got[case.id][name]
            assert have == want, f"{case.id}: {name}: {have!r}, expected {want!r}"


def test_seed_shows_annex1_as_printed(run):
    lay, cases, got, *_ = run
    seed = got[cases[0].id]
    assert seed["total_score"] == 95.4 and seed["total_rate"] == 0.954 and seed["grade"] == "优"
    assert {code: (seed[f"score_{code}"], seed[f"scorerate_{code}"]) for code in SEED_LEAVES} == SEED_LEAVES
    assert {code: (seed[f"subtotal_{code}"], seed[f"subtotalrate_{code}"]) for code in SEED_SUBTOTALS} \
        == SEED_SUBTOTALS
    assert seed["rate_adjustment_rate"] == 0.165 and seed["rate_three_public_rate"] == 0.9067
    assert seed["part_fin_compliance_adjustment"] == 2.4        # 16.5%: 6 whole points over 10% -> -0.6
    assert seed["sheet_title"] == SEED_UNIT + "部门整体支出绩效评价指标体系打分表"
    assert seed["xe_framework_id"] == "dept-overall-annex1"
    listed = got[next(c.id for c in cases if c.id.endswith("list_28"))]
    assert round(listed["projects_budget_total"], 2) == 921.77       # Table 7 合计
    assert round(listed["projects_final_total"], 2) == 921.77


def test_infinite_rates_and_blank_scores(run):
    lay, cases, got, *_ = run
    by = {c.id.split("_", 1)[1]: got[c.id] for c in cases}
    assert by["adjust_inf"]["rate_adjustment_rate"] == 1e300
    assert by["adjust_inf"]["score_budget_adjustment"] == 0
    assert by["adjust_inf"]["part_fin_compliance_adjustment"] == 0
    assert by["carry_inf"]["score_carryover_control"] == 0
    assert by["blank_budget_initial"]["score_budget_adjustment"] is None
    assert by["blank_budget_initial"]["total_score"] is None and by["blank_budget_initial"]["grade"] is None
    assert by["blank_adj_excluded"]["total_score"] == 95.4          # default 0
    assert by["blank_classified_unit"]["total_score"] == 95.4       # default 否
    assert by["veto"]["score_fin_compliance"] == 0
    assert by["exempt"]["score_disclosure"] == 5
    for values in got.values():                                     # never an error value
        assert not any(isinstance(v, str) and v.startswith("#") for v in values.values())


def test_fast_reader_agrees_with_read_named_values(run):
    lay, cases, got, out, paths, _ = run
    for path in [out[p] for p in paths[:3]] + [out[paths[-1]]]:
        slow = {k: (None if v == "" else v) for k, v in read_named_values(path).items()}
        assert fast_named_values(path) == slow

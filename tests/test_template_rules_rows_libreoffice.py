"""Rows the unit defines, of every 指标性质 (≥ ≤ = 定性 酌情), in the 打分表 of the two shipped
national frameworks (财预〔2020〕10号 附件2, 财预〔2013〕53号 附件2), recalculated in LibreOffice
against the engine's score_row (rule_formulas.row_nature_formula).  Runs once the 打分表
renders rows (the "rows" feature in SUPPORTED); one recalculate() call.
"""

from __future__ import annotations

import random

import pytest

from template_cases import Case, case_cells, fast_named_values, fill
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.support import SUPPORTED
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.model import load
from xl_eval.framework.registry import resolve

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif("rows" not in SUPPORTED, reason="the 打分表 does not render rows yet")]
SETS = 50


def test_rows_of_every_nature_equal_the_engine(soffice, tmp_path):
    from shape_cases import random_inputs, same, shape_view      # the tree-shape tests' input sets
    from xl_eval.xlsx.libreoffice import recalculate
    jobs = []
    for name in ("project_2020_10", "dept_2013_53"):
        fw = load(resolve(name))
        lay = L.layout(fw)
        template = workbook_bytes(build_workbook(fw))
        rng = random.Random(name)
        for i in range(SETS):
            case = Case(f"{name}_{i}", random_inputs(fw, rng))
            path = tmp_path / f"{case.id}.xlsx"
            fill(template, case_cells(lay, case), path)
            jobs.append((fw, lay, case, path))
    out = recalculate([j[-1] for j in jobs], tmp_path / "out", soffice=soffice)
    failures, rows_scored, natures = [], 0, set()
    for fw, lay, case, path in jobs:
        got = fast_named_values(out[path])
        for key, value in shape_view(fw, lay, case.values).items():
            if not same(value, got.get(key)):
                failures.append((case.id, key, value, got.get(key)))
        for leaf in fw.leaves:
            if leaf.rows is None:
                continue
            for i in range(1, leaf.rows.max_rows + 1):
                if isinstance(got.get(L.part_name(leaf.code, f"r{i}")), float):
                    rows_scored += 1
                    natures.add(case.values.get(leaf.rows.row_input(i, "nature")))
    assert not failures, failures[:10]
    assert rows_scored >= SETS and {"≥", "≤", "=", "定性"} <= natures

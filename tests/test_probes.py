"""Every probe framework (tests/fixtures/probes: public score sheets converted by hand, sources
cited in each file) through the whole chain a new user runs: lint, show, template, fill,
LibreOffice, check.

The LibreOffice test recalculates each probe's template over SETS seeded random input sets, and
the workbooks `xl-eval fill` writes from the probe's own departments table, in ONE recalculate()
call; every named cell must equal the engine, and `check` must find nothing on the filled
workbooks, before and after LibreOffice saved them.  The totals of the departments tables are
worked out by hand from the source texts below (not by the engine).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from shape_cases import random_inputs, same, shape_view
from template_cases import Case, case_cells, fast_named_values, fill
from xl_eval.cli import cli
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.lint import LINT_CODES, lint
from xl_eval.framework.model import load

PROBES = Path(__file__).parent / "fixtures" / "probes"
NAMES = sorted(p.stem for p in PROBES.glob("*.yaml"))
TABLES = PROBES / "departments"
SETS = 20

# Totals of each departments table, by hand from the criteria each probe transcribes.
HAND_TOTALS = {
    # 前期7 + 组织5.5+2 + 完成96.5%: 少3.5个百分点, 整百分点3, 20-3=17 + 投资772.4/800=96.55%: 整3, 10-3=7
    # + 基本相符6-酌情1.5=4.5 + 健全10 + 17 + 13 = 83;  6 + 6+0 + 20 + 10 + 10 + 基本健全6 + 15.5 + 14 = 87.5
    "agri_project_2level": [83.0, 87.5],
    # 20 + 10 + 93.5%/95%=98.42% -> 9.84 + 10 + 10 + 20 + 20 = 99.84;
    # 20 + 1850/2100=88.10% -> 8.81 + 10 + 98%->9.8 + 92%/95%=96.84%->9.68 + 20 + 20 = 98.29
    "hebei_ningjin_education": [99.84, 98.29],
    # all at or within the standards: 5+5+5 + 3+3+3+6 = 30;
    # 48/45=106.67%: 超6个整百分点 5-3=2; (8.6-8)/8=7.5%: 7 -> 5-3.5=1.5; 78% -> 3; 12% -> 1; 1个专项 3-0.5=2.5;
    # 6.5/10 -> 2; 8.6/8.2=104.88%: 4 -> 6-4=2: 2+1.5+3+1+2.5+2+2 = 14
    "hunan_yueyang_dept": [30.0, 14.0],
    # 520>500 -> 100% x20=20; 100%x95% x20=19; 460/500 x30=27.6; 90% x10=9; 3+4+1.5 = 84.1
    # 180/200=90% -> 18; 90%x100% -> 18; 150/180=83.33% x30=25; 10; 4+2+2 = 79
    "facility_agri_formula": [84.1, 79.0],
    # 1+1.5+0=2.5, 农业农村农民 100% -> 2, 1+1=2, 1.5+1.5+0=3, 1+1=2, 2+4=6 -> 17.5
    # 1+0+0=1, 其他 40% x2=0.8, 1+0=1, 1.5+1.5+1=4, 0+1=1, 2+0=2 -> 9.8
    "agri_standard_demo": [17.5, 9.8],
    # one level, the total is the sum: |94.5%-100%|=5.5%: 1 whole 3% -> 15-1=14; 10/120=8.33%: 2 whole 4% -> 10-2=8;
    # 质量 13 -> 35.  |108%-100%|=8%: 2 -> 13; 0/5=0% -> 10; 15 -> 38
    "central_admin_flat": [35.0, 38.0],
}


def probe(name: str):
    return load(PROBES / f"{name}.yaml")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("name", NAMES)
def test_probe_lints_clean_and_shows(name):
    problems = [p for p in lint(probe(name)) if LINT_CODES[p.code][0] != "info"]
    assert not problems, [(p.code, p.message) for p in problems]
    res = run("framework", "lint", PROBES / f"{name}.yaml")
    assert res.exit_code == 0, res.output
    res = run("framework", "show", "--framework", PROBES / f"{name}.yaml")
    assert res.exit_code == 0 and "Traceback" not in res.output


def test_every_departments_table_has_hand_totals():
    assert sorted(p.stem for p in TABLES.glob("*.csv")) == sorted(HAND_TOTALS)


@pytest.mark.parametrize("name", sorted(HAND_TOTALS))
def test_score_of_the_departments_table_is_the_hand_total(name):
    import json
    res = run("score", TABLES / f"{name}.csv", "--framework", PROBES / f"{name}.yaml", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["total"] for r in rows] == HAND_TOTALS[name]
    assert not any(r["errors"] or r["warnings"] for r in rows)


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    """Random sets for every probe plus each departments table filled by the CLI, one soffice run."""
    from xl_eval.xlsx.libreoffice import recalculate
    tmp = tmp_path_factory.mktemp("probes")
    runs, paths, filled = {}, [], {}
    for name in NAMES:
        fw = probe(name)
        lay = L.layout(fw)
        template = workbook_bytes(build_workbook(fw))
        rng = random.Random(name)
        cases = []
        for i in range(SETS):
            case = Case(f"{name}_{i}", random_inputs(fw, rng))
            path = tmp / f"{case.id}.xlsx"
            fill(template, case_cells(lay, case), path)
            cases.append((case, path))
            paths.append(path)
        runs[name] = (fw, lay, cases)
        if name in HAND_TOTALS:
            out = tmp / f"filled_{name}"
            res = run("fill", TABLES / f"{name}.csv", "--framework", PROBES / f"{name}.yaml", "-o", out)
            assert res.exit_code == 0, res.output
            filled[name] = sorted(out.glob("*.xlsx"))
            paths.extend(filled[name])
    # filled workbooks of different probes may share a stem: recalculate() wants unique stems
    stems = [p.stem for p in paths]
    assert len(stems) == len(set(stems)), "two workbooks share a file name"
    return runs, filled, recalculate(paths, tmp / "out", soffice=soffice)


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_equals_the_engine_on_every_named_cell(recalculated, name):
    runs, _, out = recalculated
    fw, lay, cases = runs[name]
    failures, compared, scored = [], 0, 0
    for case, path in cases:
        got = fast_named_values(out[path])
        want = shape_view(fw, lay, case.values)
        scored += sum(want[f"score_{x.code}"] is not None for x in fw.leaves)
        for key, value in want.items():
            compared += 1
            if not same(value, got.get(key)):
                failures.append((case.id, key, value, got.get(key)))
    assert not failures, failures[:10]
    assert compared >= SETS * min(20, 5 * len(fw.leaves))     # a flat list of 3 has fewer cells
    assert scored >= 0.5 * SETS * len(fw.leaves), scored     # not a comparison of blanks


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", sorted(HAND_TOTALS))
def test_filled_workbooks_compute_the_hand_totals_and_check_clean(recalculated, name):
    from xl_eval.check.workbook import check_file
    _, filled, out = recalculated
    fw = probe(name)
    totals = [fast_named_values(out[p])["total_score"] for p in filled[name]]
    assert sorted(totals) == sorted(HAND_TOTALS[name])
    for path in filled[name] + [out[p] for p in filled[name]]:
        findings = check_file(path, fw).findings
        assert not findings, [(f.code, f.message) for f in findings]

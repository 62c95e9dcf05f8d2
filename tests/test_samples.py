"""The bundled samples exercise every band of every banded leaf and every grade."""

from xl_eval.sources.departments import apply_projects, read_departments, score_rows
from xl_eval.engine.score import find_band
from xl_eval.sources.projects import read_projects
from xl_eval.core.xlround import xl_round

from conftest import SAMPLES


def test_samples_cover_every_band_and_grade(fw):
    dept = read_departments(fw, SAMPLES / "departments.csv")
    apply_projects(fw, dept, read_projects(SAMPLES / "projects.csv"))
    score_rows(fw, dept)
    assert all(row.evaluation is not None for row in dept.rows)
    assert {row.evaluation.grade for row in dept.rows} == {"优", "良", "中", "差"}
    for leaf in fw.leaves:
        for part in leaf.parts:
            if part.rule.kind != "bands":
                continue
            hit = {find_band(part.rule.bands, part.rule.value.evaluate({**row.values, **row.evaluation.rates}))
                   for row in dept.rows}
            assert set(part.rule.bands) <= hit, leaf.name


def test_seed_project_list_is_table7(fw):
    listed = read_projects(SAMPLES / "projects.csv").by_unit["昌吉市人民政府中山路街道办事处"]
    # Table 7: 28 projects, total 921.77 (the body text says 921.73)
    assert len(listed) == 28 and all(p.done == "是" for p in listed)
    assert xl_round(sum(p.final for p in listed), 2) == 921.77

"""A one-level framework (a flat list of indicators, `levels: [考评指标]`), end to end.

Two frameworks: the probe transcribed from 财政部 中央级行政经费项目支出考评计分办法
(fixed weights, no grades; its chain through lint/show/score/fill/LibreOffice/check runs in
test_probes.py) and tests/fixtures/v2_flat_open.yaml (weights the evaluation sets, grades).
Expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from shape_cases import random_inputs, same, shape_view
from template_cases import Case, case_cells, fast_named_values, fill
from xl_eval.cli import cli
from xl_eval.engine.inputs import parse_inputs
from xl_eval.engine.score import evaluate
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.model import FrameworkError, from_dict, load

FIX = Path(__file__).parent / "fixtures"
PROBE = FIX / "probes" / "central_admin_flat.yaml"
TABLE = FIX / "probes" / "departments" / "central_admin_flat.csv"
OPEN = FIX / "v2_flat_open.yaml"
SETS = 30


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def evaluated(fw, raw):
    values, problems = parse_inputs(fw, raw)
    return evaluate(fw, values), problems


def flat(**changes) -> dict:
    data = yaml.safe_load(OPEN.read_text(encoding="utf-8"))
    data.update(changes)
    return data


# ------------------------------------------------------------------ loader

def test_one_level_loads_and_has_no_subtotals():
    fw = load(OPEN)
    assert fw.level_names == ("考评指标",) and fw.depth == 1
    assert fw.subtotalled == () and [n.code for n in fw.level1] == ["exec", "manage", "effect"]


@pytest.mark.parametrize("levels", [[], ["一", "二", "三", "四", "五"], "考评指标", [""]])
def test_levels_outside_one_to_four_name_the_key(levels):
    with pytest.raises(FrameworkError) as e:
        from_dict(flat(levels=levels), "flat.yaml")
    assert any(key == "levels" and "1 到 4 个层级名称" in msg for key, msg in e.value.problems)


def test_a_tree_deeper_than_its_one_level_names_the_node():
    data = flat()
    data["indicators"][2] = {"code": "effect", "name": "项目效益", "children": [data["indicators"][2] | {"code": "e1"}]}
    with pytest.raises(FrameworkError) as e:
        from_dict(data, "flat.yaml")
    assert e.value.problems == [("indicators[2].children[0]", "指标层级超过 1 级")]


# ------------------------------------------------------------------ engine

def test_total_is_the_sum_of_the_indicators_with_open_weights_and_grades():
    fw = load(OPEN)
    raw = {"unit_name": "项目甲", "budget": 100, "spent": 85, "sys_ok": "是", "file_ok": "否", "s_effect": 41.5,
           "weight_exec": 30, "weight_manage": 20}
    ev, problems = evaluated(fw, raw)
    assert problems == [] and ev.problems == ()
    # 85/100 = 0.85 in [0.6, 0.9): 30 x 50% = 15; 1 of 2 items: 20 / 2 = 10; 41.5
    assert {c: r.score for c, r in ev.leaves.items()} == {"exec": 15, "manage": 10, "effect": 41.5}
    assert ev.level1 == {} and ev.level1_rates == {}
    assert ev.total == 66.5 and ev.grade == "中" and ev.total_rate == 0.665


def test_open_weights_of_a_flat_list_not_adding_up_name_the_inputs():
    fw = load(OPEN)
    _, problems = evaluated(fw, {"weight_exec": 30, "weight_manage": 25})
    msgs = [p.reason for p in problems if p.together]
    assert any("全部指标的权重合计为 105，应为 100" in m and "weight_exec" in m and "weight_manage" in m for m in msgs)


def test_score_json_has_no_subtotals():
    res = run("score", TABLE, "--framework", PROBE, "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["subtotals"] for r in rows] == [{}, {}]
    assert [r["scores"]["项目完成进度"] for r in rows] == [8.0, 10.0]      # 10/120: 2 whole 4% off; on time


# ------------------------------------------------------------------ 打分表

def _cells(ws):
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_scoresheet_has_one_name_column_no_subtotals_and_the_total_sums_the_indicators():
    fw = load(PROBE)
    lay = L.layout(fw)
    assert lay.score.cols.LEAF == 1 and lay.score.cols.WEIGHT == 2
    names = set(lay.defined_names())
    assert not any(n.startswith(("subtotal_", "subtotalrate_", "sub2_")) for n in names)
    total = lay.computed[L.TOTAL].formula
    assert all(f"score_{code}" in total for code in ("workload", "schedule", "quality"))
    wb = build_workbook(fw)
    ws = wb[L.SCORE]
    cells = _cells(ws)
    assert cells[(2, 1)] == "指标名称" and (3, 1) not in cells       # the level name heads rows 2-3, once
    assert cells[(4, 1)] == "名称" and cells[(4, 2)] == "分值"        # total 40: the column holds points
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A2:B3" in merged
    texts = [v for v in cells.values() if isinstance(v, str)]
    assert not any("小计" in t for t in texts)
    summary = _cells(wb[L.SUMMARY])
    assert "合计" in summary.values() and "项目完成工作量" not in summary.values()


def test_a_system_whose_level_is_named_pingjiazhibiao_does_not_print_it_twice():
    fw = load(FIX / "probes" / "agri_project_2level.yaml")      # levels: [评价内容, 评价指标]
    cells = _cells(build_workbook(fw)[L.SCORE])
    assert cells[(2, 1)] == "指标体系" and cells[(3, 1)] == "评价内容" and cells[(3, 2)] == "评价指标"
    other = _cells(build_workbook(load(FIX / "probes" / "hunan_yueyang_dept.yaml"))[L.SCORE])
    assert other[(2, 1)] == "评价指标"


# ------------------------------------------------------------------ fill, collect, report

def test_fill_collect_and_report_of_a_flat_list(tmp_path):
    import openpyxl
    out = tmp_path / "filled"
    res = run("fill", TABLE, "--framework", PROBE, "-o", out)
    assert res.exit_code == 0, res.output
    files = sorted(out.glob("*.xlsx"))
    res = run("check", out, "--framework", PROBE)
    assert res.exit_code == 0, res.output
    summary = tmp_path / "汇总.xlsx"
    res = run("collect", out, "--framework", PROBE, "-o", summary)
    assert res.exit_code == 0, res.output
    assert "（）" not in res.output                                   # no grades: no empty distribution
    ws = openpyxl.load_workbook(summary)["汇总"]
    rows = [list(r) for r in ws.iter_rows(values_only=True) if r[0] is not None]
    # per-indicator columns (the flat list has no subtotals), ranked by total
    assert rows[0][:6] == ["名次", "单位名称", "项目完成工作量（15分）", "项目完成进度（10分）", "项目完成质量（15分）",
                           "总分（40分）"]
    assert [r[1:6] for r in rows[1:]] == [["某部全国工作会议", 13, 10, 15, 38],
                                         ["某部机关办公楼大型修缮项目", 14, 8, 13, 35]]
    import docx
    doc = tmp_path / "报告.docx"
    res = run("report", next(f for f in files if "修缮" in f.name), "--framework", PROBE, "-o", doc)
    assert res.exit_code == 0, res.output
    assert "等级 —" in res.output
    table = docx.Document(doc).tables[0]
    assert [[c.text for c in r.cells] for r in table.rows][:5] == [
        ["指标名称", "权重", "得分", "得分率"], ["项目完成工作量", "15", "14.00", "93.33%"],
        ["项目完成进度", "10", "8.00", "80.00%"], ["项目完成质量", "15", "13.00", "86.67%"],
        ["合计", "40", "35.00", "87.50%"]]
    many = tmp_path / "汇总报告.docx"
    res = run("report", "--summary", *files, "--framework", PROBE, "-o", many)
    assert res.exit_code == 0, res.output
    summary_doc = docx.Document(many)
    assert "本指标体系不划分评价等级。" in [p.text for p in summary_doc.paragraphs]
    ranking = [[c.text for c in r.cells] for r in summary_doc.tables[0].rows]
    assert ranking == [["名次", "单位名称", "项目完成工作量", "项目完成进度", "项目完成质量", "总分", "等级", "校验问题"],
                       ["1", "某部全国工作会议", "13.00", "10.00", "15.00", "38.00", "—", "无"],
                       ["2", "某部机关办公楼大型修缮项目", "14.00", "8.00", "13.00", "35.00", "—", "无"]]


# ------------------------------------------------------------------ LibreOffice

@pytest.mark.libreoffice
def test_open_weight_flat_list_libreoffice_equals_the_engine(soffice, tmp_path):
    from xl_eval.xlsx.libreoffice import recalculate
    fw = load(OPEN)
    lay = L.layout(fw)
    template = workbook_bytes(build_workbook(fw))
    rng = random.Random("flat")
    cases = []
    for i in range(SETS):
        case = Case(f"flat_{i}", random_inputs(fw, rng))
        path = tmp_path / f"{case.id}.xlsx"
        fill(template, case_cells(lay, case), path)
        cases.append((case, path))
    out = recalculate([p for _, p in cases], tmp_path / "out", soffice=soffice)
    failures, totals = [], 0
    for case, path in cases:
        got = fast_named_values(out[path])
        want = shape_view(fw, lay, case.values)
        totals += want["total_score"] is not None
        failures += [(case.id, k, v, got.get(k)) for k, v in want.items() if not same(v, got.get(k))]
    assert not failures, failures[:10]
    assert totals >= SETS // 3, totals                                # not a comparison of blanks

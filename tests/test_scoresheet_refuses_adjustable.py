"""Weights that may move (weight_range / weight_values) and rows blocks with rules in the
打分表: the weight is an input cell prefilled with its default and validated, the rows'
numbers are 评分参数 cells, fill writes the weight columns and check passes its own filled
workbooks (0 findings) yet reports a weight the framework does not allow (XE815), as the
engine does.  (LibreOffice recalculation: tests/test_template_row_rules_libreoffice.py.)
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from click.testing import CliRunner

from xl_eval.cli import cli
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.template import build_workbook
from xl_eval.framework.model import load
from xl_eval.framework.registry import resolve

FIXTURE = Path(__file__).parent / "fixtures" / "v2_row_rules.yaml"


def test_annex1_with_a_weight_range_is_written(tmp_path):
    data = yaml.safe_load(resolve("annex1").read_text(encoding="utf-8"))
    data["format"] = "xl-eval-framework/2"
    leaf = data["indicators"][0]["children"][0]["children"][0]
    leaf["weight_range"] = f"[{leaf['weight'] - 1}, {leaf['weight'] + 1}]"
    path = tmp_path / "moved.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = CliRunner().invoke(cli, ["template", "--framework", str(path), "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["template", "--udf", "--framework", str(path), "-o", str(tmp_path / "u.xlsx")])
    assert res.exit_code == 0, res.output     # the XE_ functions get the weight cell (test_template_udf_frameworks)


def test_weight_cell_is_a_validated_input_with_the_default():
    fw = load(FIXTURE)
    lay = L.layout(fw)
    wb = build_workbook(fw)
    ws = wb[L.SCORE]
    for code, default, allowed in (("weight_exec", 20, ("decimal", "10", "30")),
                                   ("weight_system", 10, ("list", '"5,10,15"', None))):
        ref = lay.inputs[code].ref
        cell = ws[ref.coord]
        assert ref.sheet == L.SCORE and cell.value == default and not cell.protection.locked
        dv = [d for d in ws.data_validations.dataValidation if ref.coord in str(d.sqref)]
        assert [(d.type, d.formula1, d.formula2) for d in dv] == [allowed]
    # the weight used: the cell's number, else the default shown on 评分参数
    eff = lay.computed["effective_weight_exec"]
    assert eff.ref.sheet == L.PARAMS and eff.formula.startswith("IF(ISNUMBER(weight_exec),weight_exec,")
    assert "effective_weight_exec" in lay.computed["score_exec"].formula


def test_row_formulas_reference_the_parameter_cells():
    """No number of a rows block's rules is typed into a row formula: each is a 评分参数 cell."""
    fw = load(FIXTURE)
    lay = L.layout(fw)
    wb = build_workbook(fw)
    params = wb[L.PARAMS]
    shown = {}
    for block in lay.params.row_rules:
        for row in block.rows:
            for cell in (row.lo, row.hi, row.value):
                if cell is not None:
                    shown[cell.ref.absolute] = params[cell.ref.coord].value
    out = lay.computed["part_output_r1"].formula
    sat = lay.computed["part_satisfaction_r1"].formula
    keys = {b.leaf.code: {r.key: r for r in b.rows} for b in lay.params.row_rules}
    assert shown[keys["output"]["pass"].value.ref.absolute] == 0.5
    assert shown[keys["output"]["over_ratio"].value.ref.absolute] == 1.2
    assert shown[keys["output"]["over_deduct"].value.ref.absolute] == 1
    for key in ("pass", "over_ratio", "over_deduct"):
        assert keys["output"][key].value.ref.absolute in out
    for name, lo, hi in (("达成", 0.8, 1), ("部分达成", 0.6, 0.8), ("未达成", 0, 0.6)):
        row = keys["output"][f"tier_{name}"]
        assert (shown[row.lo.ref.absolute], shown[row.hi.ref.absolute]) == (lo, hi)
        assert row.lo.ref.absolute in out and row.hi.ref.absolute in out
    assert [shown[keys["satisfaction"][f"band{j}"].value.ref.absolute] for j in range(3)] == [0, 0.6, 1]
    assert keys["satisfaction"]["band1"].lo.ref.absolute in sat
    for literal in ("0.5", "1.2", "0.8", "0.6", "0.9", "0.7"):
        assert f",{literal})" not in out + sat and f"<{literal}" not in out + sat and f">={literal}" not in out + sat


DEPARTMENTS = [
    # weight columns by label (预算执行率权重) and by code; blank weight = the default
    ["unit_name", "budget", "spent", "rules_ok", "预算执行率权重", "weight_system", "weight_output",
     "weight_satisfaction", "output_1_name", "output_1_nature", "output_1_points", "output_1_target",
     "output_1_unit", "output_1_actual", "output_2_name", "output_2_nature", "output_2_points", "output_2_tier",
     "output_2_share", "effects_1_name", "effects_1_nature", "effects_1_points", "effects_1_target",
     "effects_1_unit", "effects_1_actual", "satisfaction_1_name", "satisfaction_1_nature",
     "satisfaction_1_points", "satisfaction_1_target", "satisfaction_1_unit", "satisfaction_1_actual"],
    ["甲单位", "100", "80", "是", "30", "5", "35", "10", "完成数量", "≥", "30", "100", "个", "75", "质量", "定性", "5",
     "达成", "90%", "效益", "≥", "20", "100", "个", "149", "满意度", "≥", "10", "90%", "%", "85%"],
    ["乙单位", "100", "100", "否", "", "15", "45", "0", "完成数量", "≥", "45", "100", "个", "60", "", "", "", "", "",
     "效益", "≤", "20", "10", "天", "5", "", "", "", "", "", ""],
    ["丁单位", "100", "90", "是", "", "", "", "", "完成数量", "=", "40", "100", "个", "100", "", "", "", "", "",
     "效益", "≥", "20", "100", "个", "100", "满意度", "≥", "10", "90%", "%", "95%"],
]


def test_fill_writes_the_weights_and_check_passes_them(tmp_path):
    table = tmp_path / "departments.csv"
    with table.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(DEPARTMENTS)
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(cli, ["fill", str(table), "--framework", str(FIXTURE), "-o", str(out)])
    assert res.exit_code == 0, res.output
    # 甲: 16 + 5 (10 capped at the weight 5) + 30*(0.75-0.5)/0.5 = 15 plus 定性 5*0.9 = 4.5 + 效益 20 + 满意度 6
    assert "甲单位.xlsx  总分 66.50" in res.output
    from openpyxl import load_workbook
    lay = L.layout(load(FIXTURE))
    ws = load_workbook(out / "乙单位.xlsx")[L.SCORE]
    got = {code: ws[lay.inputs[code].ref.coord].value for code in ("weight_exec", "weight_system", "weight_satisfaction")}
    assert got == {"weight_exec": 20, "weight_system": 15, "weight_satisfaction": 0}   # blank: the default stays
    res = runner.invoke(cli, ["check", "--framework", str(FIXTURE), *map(str, sorted(out.glob("*.xlsx")))])
    assert res.exit_code == 0 and "错误 0 个，警告 0 个" in res.output, res.output


def test_fill_refuses_weights_the_framework_does_not_allow(tmp_path):
    rows = [DEPARTMENTS[0], list(DEPARTMENTS[1])]
    rows[1][4] = "10"                 # (10, 30]: 10 is not allowed, and the weights add up to 80
    table = tmp_path / "departments.csv"
    with table.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    res = CliRunner().invoke(cli, ["fill", str(table), "--framework", str(FIXTURE), "-o", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "“预算执行率”的权重调整为 10，框架只允许 10（不含）～30" in res.output
    assert "调整后的权重合计为 80，应为 100" in res.output


def test_check_reports_a_weight_the_framework_does_not_allow(tmp_path):
    """A filled workbook whose 预算执行率 weight is then typed as 10 (the range (10, 30] excludes
    it; the weights add up to 80): XE815 twice at the weight cell, with the engine's messages."""
    from template_cases import fill
    from xl_eval.check import workbook as C
    table = tmp_path / "departments.csv"
    with table.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(DEPARTMENTS[:2])
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["fill", str(table), "--framework", str(FIXTURE), "-o", str(out)]).exit_code == 0
    lay = L.layout(load(FIXTURE))
    ref = lay.inputs["weight_exec"].ref
    moved = tmp_path / "moved.xlsx"
    fill((out / "甲单位.xlsx").read_bytes(), {(ref.sheet, ref.coord): 10}, moved)
    found = [f for f in C.check_file(moved, load(FIXTURE)).findings if f.code in ("XE815", "XE212")]
    assert [(f.code, f.sheet, f.cell) for f in found] == [("XE815", L.SCORE, ref.coord)] * 2, found
    assert "“预算执行率”的权重调整为 10，框架只允许 10（不含）～30" in found[0].message
    assert "调整后的权重合计为 80，应为 100" in found[1].message
    # above the range: read as typed (the sheet scores with it), reported against the rule, not as a bad input
    fill((out / "甲单位.xlsx").read_bytes(), {(ref.sheet, ref.coord): 40}, moved)
    found = [f for f in C.check_file(moved, load(FIXTURE)).findings if f.code.startswith(("XE2", "XE815"))]
    assert [f.code for f in found] == ["XE815", "XE815"], found
    assert "权重调整为 40" in found[0].message and "合计为 110" in found[1].message

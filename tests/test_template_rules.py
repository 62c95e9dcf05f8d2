"""The 打分表 workbook of the format-2 rules (tests/fixtures/v2_rules.yaml), without LibreOffice:
the command writes it, the formulas keep to classic functions and visible parameters, the
hand-written values of rules_cases.py are what the engine computes, the printed 评分标准 says
the rule, and percent / decimal / date input cells are formatted, validated and read back
the way the engine reads them.  tests/test_template_rules_libreoffice.py recalculates it.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner

from rules_cases import FIXTURE, day, edge_cases, rules_dict
from xl_eval.engine.score import evaluate
from xl_eval.engine.validity import read_cell
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.criteria import printed_criteria
from xl_eval.forms.scoresheet.rule_formulas import flag_name, ratio_name
from xl_eval.forms.scoresheet.support import SUPPORTED
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.features import used
from xl_eval.framework.model import from_dict, load


@pytest.fixture(scope="module")
def fw():
    return from_dict(rules_dict())


@pytest.fixture(scope="module")
def wb(fw):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))


def test_the_probe_uses_the_rule_features_and_they_are_supported(fw):
    keys = set(used(fw))
    assert {"target_rules", "rule_options", "overflow", "input_kinds"} <= keys
    assert keys <= SUPPORTED


def test_template_command_writes_it(tmp_path):
    from xl_eval.cli import cli
    out = tmp_path / "rules.xlsx"
    res = CliRunner().invoke(cli, ["template", "--framework", str(FIXTURE), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "暂不支持" not in res.output


def test_udf_variant_is_laid_out_too(fw):
    lay = L.layout(fw, "udf")
    assert set(lay.computed) == set(L.layout(fw).computed)
    assert lay.computed[ratio_name("area", "area")].formula.count("XE_ROUND(") == 1
    assert lay.computed["score_area"].formula.startswith('XE_SCORE("area",')
    assert workbook_bytes(build_workbook(fw, formulas="udf"))


def test_only_classic_functions_and_no_buried_numbers(fw):
    from test_template import functions_in
    lay = L.layout(fw)
    for (sheet, coord), f in lay.formula_cells().items():
        assert functions_in("=" + f) <= L.ALLOWED_FUNCTIONS, (sheet, coord, f)
    for cell in lay.computed.values():
        if cell.kind not in ("points", "part", "ratio", "flag", "rule_value", "leaf"):
            continue          # (the subtotals' COUNT guards hold counts of cells)
        sheet, coord, f = cell.ref.sheet, cell.ref.coord, cell.formula
        text = re.sub(r"\$?[A-Z]{1,3}\$?\d+", "", re.sub(r"'[^']*'!", "", re.sub(r'"[^"]*"', '""', f)))
        text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", "", text)
        for number in re.findall(r"\d+(?:\.\d+)?(?:E[+-]?\d+)?", text):
            assert number in {"0", "1", "2", "4", "9"}, f"{sheet}!{coord}: literal {number} in {f}"


def test_formulas_by_hand(fw):
    lay = L.layout(fw)
    f = {name: c.formula for name, c in lay.computed.items()}
    # ≥ with a number target: the ratio rounded to 4 places, met when actual ≥ target or the ratio is 100%
    # (a percent / decimal / date input is compared as (x+0): text in it gives its number or #VALUE!)
    assert re.fullmatch(r'IF\(built="","",IF\(\$J\$\d+<=0,IF\(\(built\+0\)>=\$J\$\d+,1,0\),'
                        r'ROUND\(\(built\+0\)/\$J\$\d+,4\)\)\)', f[ratio_name("area", "area")])
    assert f["points_area_area"].startswith('IF(ratio_area_area="","",IF(OR((built+0)>=$J$')
    # 101号 pass threshold: (r − p) / (1 − p) × points
    assert "(ratio_training_training-$J$" in f["points_training_training"]
    assert "/(1-$J$" in f["points_training_training"]
    # ≤ with actual 0 is met and never flagged far above target
    assert "AND(ratio_defects_defects>=$J$" in f[flag_name("defects", "defects")]
    assert "(defect_rate+0)>0" in f[flag_name("defects", "defects")]
    # dates: met or 0, no ratio
    assert f["points_ontime_ontime"].startswith(
        'IF(OR(planned_date="",done_date=""),"",IF((done_date+0)<=(planned_date+0),$C$')
    assert f["points_effect_effect"].startswith('IF(OR(effect_tier="",effect_share=""),"",')
    assert ratio_name("ontime", "ontime") not in f
    # either_or: the chosen alternative only
    assert f["points_funding_funding"].startswith('IF(funding_mode="","",IF(funding_mode=$E$')
    # a value dividing by an input: its own cell, with the declared zero-divisor outcome
    assert f["value_spending_spending"].startswith('IF(OR(spent="",budget=""),"",IF((budget)=0,$J$')
    assert f["value_tasks_tasks"].endswith('IF((plan_count)=0,"",done_count/plan_count))')
    # overflow: scale multiplies the sub-items by weight / their total; cap is the plain clamp
    assert "SUM(part_gp_scaled_done,part_gp_scaled_ok)*$D$" in f["score_gp_scaled"]
    assert "MAX(SUM(part_gp_capped_done,part_gp_capped_ok),0)" in f["score_gp_capped"]


def test_parameter_rows_show_the_rule_numbers(fw, wb):
    lay = L.layout(fw)
    ws = wb[L.PARAMS]
    blocks = {b.leaf.code: b for b in lay.params.parts}

    def row_of(leaf, key):
        return next(r for r in blocks[leaf].rows if r.key == key)
    assert ws.cell(row_of("area", "target").row, L.ParamCol.VALUE).value == 100
    assert ws.cell(row_of("area", "ot_ratio").row, L.ParamCol.VALUE).value == 1.3
    assert ws.cell(row_of("area", "ot_deduct").row, L.ParamCol.VALUE).value == 2
    assert ws.cell(row_of("training", "pass").row, L.ParamCol.VALUE).value == 0.6
    assert ws.cell(row_of("training", "pass").row, L.ParamCol.VALUE).number_format == "0.00%"
    tiers = [r for r in blocks["effect"].rows if r.key == "tier"]
    assert [(ws.cell(r.row, L.ParamCol.LABEL).value, ws.cell(r.row, L.ParamCol.LO).value,
             ws.cell(r.row, L.ParamCol.HI).value, ws.cell(r.row, L.ParamCol.HI_CLOSED).value) for r in tiers] == [
        ("达成", 0.8, 1, "含"), ("部分达成", 0.6, 0.8, "不含"), ("未达成", 0, 0.6, "不含")]
    shares = [ws.cell(r.row, L.ParamCol.VALUE).value for r in blocks["satisfaction"].rows if r.key == "band_share"]
    assert shares == [0, 0.5, 0.8, 1]
    assert ws.cell(row_of("spending", "else").row, L.ParamCol.VALUE).value == 0.5
    assert ws.cell(row_of("controls", "count").row, L.ParamCol.VALUE).value == 3
    assert ws.cell(row_of("gp_scaled", "overflow").row, L.ParamCol.VALUE).value == 2
    # the labels a formula compares with are checked parameters (xl-eval check: XE304)
    assert {(p.ref.row, p.value) for p in lay.param_cells} >= {(r.row, "达成") for r in tiers[:1]}


def test_hand_written_values_are_the_engines(fw):
    """rules_cases.py's expected values, worked out by hand in its comments, against the engine
    (the LibreOffice test holds the workbook to the same values)."""
    wrong = []
    for case in edge_cases():
        ev = evaluate(fw, case.values)
        for name, want in case.expect.items():
            kind, _, code = name.partition("_")
            if kind == "score":
                got = ev.leaves[code].score
            elif kind in ("ratio", "flag"):
                leaf = next(x for x in fw.leaves if name == f"{kind}_{x.code}_{x.parts[0].code}")
                res = ev.leaves[leaf.code].parts[0]
                got = res.ratio if kind == "ratio" else ("是" if res.flagged else "否")
            elif name == "total_score":
                got = ev.total
            elif name == "grade":
                got = ev.grade
            else:
                continue
            if not (got == want or (isinstance(got, float) and want is not None and abs(got - want) < 1e-9)):
                wrong.append((case.id, name, want, got))
    assert not wrong, wrong


def test_printed_criteria_say_the_rule(fw):
    text = {leaf.code: printed_criteria(fw, leaf) for leaf in fw.leaves}
    assert text["area"] == ("实际完成值“改造面积”达到（≥）年度指标值100的，得10分；未达成的，得分 = 完成率×10分"
                            "（完成率 = 实际完成值÷年度指标值）；完成率达到130%及以上的，视为指标值设置偏低（偏离），扣2分。")
    assert ("未达成的，完成率（实际完成值÷年度指标值）低于60%的不得分，否则得分 = （完成率−60%）÷（1−60%）×10分"
            in text["training"])
    assert "予以提示（不扣分）" in text["defects"]
    assert text["ontime"] == "实际完成值“实际完成时间”不晚于年度指标值“计划完成时间”的，得5分；否则得0分。"
    assert text["flex"].startswith("按指标性质（“自选指标性质”）：为“≥”时，")
    assert "为“定性”时，按“自选指标完成情况”分档：达成的，得分值的80%（含）至100%（含）" in text["flex"]
    assert text["funding"].startswith("二者择其一，按“资金来源”：适用“财政资金”的，实际完成值“预算执行率”")
    assert "不在以上各档的，得1分" in text["funding"]
    assert "90%（含）以上的，得10分" in text["satisfaction"] and "（除数为0时按0计）" in text["spending"]
    assert "不低于90%的，得2分；低于90%的，每低5个百分点扣0.5分" in text["shortfall"]
    assert "（除数为0时无法计算，得分留空）" in text["tasks"]
    assert text["controls"].startswith("以下3项每符合一项得2÷3分：")
    assert text["gp_scaled"].endswith("各子项得分合计按1.5÷2折算，本指标得分不超过1.5分。")
    assert text["gp_capped"].endswith("本指标得分不超过1.5分。")


# ---------------------------------------------------------------- input cells

def validation_of(wb, ref):
    ws = wb[ref.sheet]
    return next(dv for dv in ws.data_validations.dataValidation if ref.coord in dv.sqref)


def test_input_cells_are_formatted_and_validated_by_kind(fw, wb):
    lay = L.layout(fw)
    ws = wb[L.BASE]

    def cell(code):
        ref = lay.inputs[code].ref
        return ws[ref.coord], validation_of(wb, ref)
    c, dv = cell("pass_rate")
    assert c.number_format == "0.00%"
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "1")
    assert "0% 到 100% 之间的百分数" in dv.error
    c, dv = cell("defect_rate")
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    c, dv = cell("built")
    assert c.number_format == "General" and (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert "（平方米）" in dv.error
    c, dv = cell("ratio_target")
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "-1E+15", "1E+15")
    c, dv = cell("done_date")
    assert c.number_format == "yyyy-mm-dd"
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("date", "between", "1", "2958465")
    c, dv = cell("remark")
    assert dv.type == "textLength"


def _cell(kind, value):
    return SimpleNamespace(kind=kind, value=value)


def test_workbook_cells_are_read_as_the_engine_reads_them(fw):
    """validity.read_cell: what the formulas compute with, or the input problem check reports."""
    pct, dec, date = fw.inputs["pass_rate"], fw.inputs["built"], fw.inputs["done_date"]
    assert read_cell(pct, _cell("n", 0.95)) == (0.95, None)            # 95% typed in a percent cell
    assert read_cell(pct, _cell("", None)) == (None, None)
    value, issue = read_cell(pct, _cell("n", 1.2))
    assert value is None and issue.code == "XE206"                      # above its max 100%
    value, issue = read_cell(pct, _cell("s", "95%"))                   # text: the formulas cannot use it
    assert value is None and (issue.code, issue.fields["suggestion"]) == ("XE202", "0.95")
    value, issue = read_cell(pct, _cell("s", "95"))
    assert value is None and issue.code == "XE203" and "单位不明确" in issue.message()
    assert read_cell(dec, _cell("n", 120.5)) == (120.5, None)
    value, issue = read_cell(dec, _cell("s", "120平方米"))
    assert value is None and (issue.code, issue.fields["suggestion"]) == ("XE202", "120")
    value, issue = read_cell(dec, _cell("n", -1.0))
    assert value is None and issue.code == "XE206"
    assert read_cell(date, _cell("n", day(2024, 12, 31))) == (45657.0, None)
    value, issue = read_cell(date, _cell("s", "2024-12-31"))
    assert value is None and issue.code == "XE203" and "文本格式的日期" in issue.message()
    value, issue = read_cell(date, _cell("b", True))
    assert value is None and issue.code == "XE203"


def test_udf_variant_equals_the_engine_on_the_edges(tmp_path, monkeypatch):
    """The XE_ function variant of the probe, computed by `formulas` (tests/formulas_engine.py):
    the engine's values on every edge; where the engine has no score the cell gives the
    engine's reason (#错误：…), as the udf variant does."""
    pytest.importorskip("formulas")
    from formulas_engine import solve_many
    from template_cases import engine_view
    from xl_eval.forms.scoresheet.template import write_template
    monkeypatch.delenv("XE_FRAMEWORK", raising=False)
    fw = load(FIXTURE)            # from its file: the XE_ calls pass this path
    lay = L.layout(fw, "udf")
    path = write_template(fw, tmp_path / "udf.xlsx", formulas="udf")
    cases = edge_cases()
    results = solve_many(path, list(lay.inputs), [c.values for c in cases], processes=1)
    wrong = []
    for case, got in zip(cases, results):
        for name, want in engine_view(fw, lay, case.values).items():
            have = got.get(name)
            if want is None and isinstance(have, str) and have.startswith("#错误："):
                continue
            if not (have == want or (isinstance(want, float) and isinstance(have, float) and abs(have - want) < 1e-9)):
                wrong.append((case.id, name, want, have))
    assert not wrong, wrong[:10]

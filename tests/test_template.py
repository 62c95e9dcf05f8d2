"""The workbook template (`xl-eval template`): structure, names, protection,
validation, print setup and the committed artifact.  No LibreOffice here;
tests/test_template_libreoffice.py checks that the formulas compute right."""

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xl_eval.commands.template_cmd import template as template_command
from xl_eval.framework.model import load
from xl_eval.forms.scoresheet.layout import ALLOWED_FUNCTIONS, layout
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "workbook_templates" / "annex1.xlsx"
LITERAL = Path(__file__).parent / "fixtures" / "annex1_literal.yaml"
SHEETS = ["填表说明", "基础数据", "项目明细", "打分表", "汇总", "评分参数", "xl_eval"]


def run(*args):
    return CliRunner().invoke(template_command, list(map(str, args)))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """What `xl-eval template` writes today."""
    out = tmp_path_factory.mktemp("tpl") / "模板.xlsx"
    res = run("-o", out)
    assert res.exit_code == 0, res.output
    assert "已生成" in res.output
    return out


@pytest.fixture(scope="module")
def wb(generated):
    return openpyxl.load_workbook(generated)


@pytest.fixture(scope="module")
def lay():
    return layout(load())


def parts(path_or_bytes) -> dict[str, bytes]:
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def cell_of(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def all_formulas(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield ws.title, c.coordinate, c.value


# ---------------------------------------------------------------- artifact

def test_packaged_template_is_what_the_builder_makes_today(generated):
    """fill and template use xl_eval/forms/packaged/<framework hash>.xlsx instead of
    building; it must be byte-identical to a fresh build, and so must the
    command's output.  Regenerate with tools/package_template.py."""
    from xl_eval.framework.model import load
    from xl_eval.forms.scoresheet.template import PACKAGED_DIR, build_workbook, workbook_bytes
    fw = load()
    fresh = workbook_bytes(build_workbook(fw))
    packaged = sorted(PACKAGED_DIR.glob("*.xlsx"))
    assert [p.name for p in packaged] == [f"{fw.content_hash}.xlsx"]
    assert packaged[0].read_bytes() == fresh
    assert generated.read_bytes() == fresh


def test_committed_template_is_what_the_command_generates_today(generated):
    """No hand-edited drift: regenerate with
    `xl-eval template -o workbook_templates/annex1.xlsx --force`."""
    assert COMMITTED.is_file(), "workbook_templates/annex1.xlsx is missing"
    committed, today = parts(COMMITTED), parts(generated)
    assert sorted(committed) == sorted(today)
    for name in today:
        assert committed[name] == today[name], f"{name} differs: regenerate workbook_templates/annex1.xlsx"


def test_generation_is_deterministic():
    fw = load()
    assert parts(workbook_bytes(build_workbook(fw))) == parts(workbook_bytes(build_workbook(fw)))
    props = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw)))).properties
    assert props.creator == "xl-eval"
    assert props.created == props.modified and props.modified.year == 2025


def test_sheets_and_identity(wb):
    fw = load()
    assert wb.sheetnames == SHEETS
    assert wb["xl_eval"].sheet_state == "hidden"
    assert all(wb[s].sheet_state == "visible" for s in SHEETS[:-1])
    assert cell_of(wb, "xe_framework_id").value == "dept-overall-annex1"
    assert cell_of(wb, "xe_framework_version").value == "1.0.0"
    assert cell_of(wb, "xe_framework_hash").value == fw.content_hash
    assert re.fullmatch(r"[0-9a-f]{16}", fw.content_hash)
    assert cell_of(wb, "xe_template_format").value == "xl-eval-template/1"
    guide = "\n".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert fw.version in guide and fw.content_hash in guide and fw.title in guide
    for note in fw.notes:       # how Annex 1's contradictions were resolved
        assert note in guide
    assert "优（得分≥90），良（90>得分≥80），中（80>得分≥60），差（得分<60）" in guide


# ---------------------------------------------------------------- formulas

_STRING = re.compile(r'"(?:[^"]|"")*"')
_SHEET = re.compile(r"'(?:[^']|'')*'!")
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


def functions_in(formula: str) -> set[str]:
    text = _SHEET.sub("", _STRING.sub('""', formula))
    return {m.upper() for m in _FUNCTION.findall(text)}


def test_function_parser():
    assert functions_in('=IF(a="SUM(x)",ROUND(b,2),\'LET(\'!A1)') == {"IF", "ROUND"}
    assert functions_in("=_xlfn.XLOOKUP(a,b,c)") == {"_XLFN.XLOOKUP"}


def test_only_classic_functions(wb):
    used = set()
    count = 0
    for sheet, coord, f in all_formulas(wb):
        count += 1
        bad = functions_in(f) - ALLOWED_FUNCTIONS
        assert not bad, f"{sheet}!{coord} uses {bad}: {f}"
        used |= functions_in(f)
        assert "_xlfn" not in f.lower()
    for ws in wb.worksheets:    # conditional formatting and validation formulas too
        for rng in ws.conditional_formatting:
            for rule in rng.rules:
                for f in rule.formula:
                    assert functions_in(f) <= ALLOWED_FUNCTIONS
        for dv in ws.data_validations.dataValidation:
            for f in (dv.formula1, dv.formula2):
                assert not f or functions_in(f) <= ALLOWED_FUNCTIONS
    assert count > 300
    assert {"IF", "ROUND", "MIN", "MAX", "SUM", "COUNT", "INT", "COUNTIF", "COUNTA"} <= used


def test_framework_numbers_are_not_buried_in_formulas(wb):
    """Points, thresholds, band edges, weights and grade edges live in visible
    cells; a formula's own numbers are rounding digits, counts, 0 and 9."""
    for sheet, coord, f in all_formulas(wb):
        text = re.sub(r"\$?[A-Z]{1,3}\$?\d+", "", _SHEET.sub("", _STRING.sub('""', f)))
        text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", "", text)
        for number in re.findall(r"\d+(?:\.\d+)?(?:E[+-]?\d+)?", text):
            assert number in {"0", "1", "2", "3", "4", "9"}, f"{sheet}!{coord}: literal {number} in {f}"


def test_named_cells_hold_the_expected_formulas(wb, lay):
    for name, cell in lay.computed.items():
        assert cell_of(wb, name).value == "=" + cell.formula, name
    for (sheet, coord), formula in lay.formula_cells().items():
        assert wb[sheet][coord].value == "=" + formula


def test_formulas_for_a_few_rules_by_hand(wb):
    # 项目完成率: completed / planned x 12 (the planned/completed come through
    # the helper cells that let the project list supply blank counts)
    assert cell_of(wb, "rate_completion_rate").value.startswith(
        '=IF(OR(effective_projects_completed="",effective_projects_planned=""),"",'
        "IF(effective_projects_planned=0,")
    assert cell_of(wb, "effective_projects_planned").value == \
        '=IF(projects_planned="",projects_count_planned,projects_planned)'
    assert cell_of(wb, "projects_count_planned").value == '=IF(COUNTA(projects_name)=0,"",COUNTA(projects_name))'
    assert cell_of(wb, "effective_adj_excluded").value == '=IF(adj_excluded="",0,adj_excluded)'
    assert cell_of(wb, "effective_classified_unit").value == '=IF(classified_unit="","否",classified_unit)'
    # whole percentage points over 10%: INT(ROUND(...,9)) as the engine
    assert "INT(ROUND((rate_adjustment_rate-" in cell_of(wb, "points_fin_compliance_adjustment").value
    # veto first, then the blank test, then clamp and round
    assert cell_of(wb, "score_fin_compliance").value.startswith('=IF(fin_violation="是",0,IF(OR(')
    assert cell_of(wb, "score_disclosure").value.startswith('=IF(effective_classified_unit="是",$D$')
    assert cell_of(wb, "total_score").value.startswith(
        '=IF(COUNT(subtotal_decision,subtotal_process,subtotal_output,subtotal_benefit)<4,"",ROUND(SUM(')


# ---------------------------------------------------------------- names

def test_names(wb):
    fw = load()
    names = set(wb.defined_names)
    for code in fw.inputs:                      # every input: name = its code, on 基础数据
        sheet, ref = next(iter(wb.defined_names[code].destinations))
        assert sheet == "基础数据" and re.fullmatch(r"\$B\$\d+", ref), code
    for leaf in fw.leaves:
        assert {f"score_{leaf.code}", f"scorerate_{leaf.code}", f"findings_{leaf.code}",
                f"reason_{leaf.code}"} <= names
        assert all(f"part_{leaf.code}_{p.code}" in names for p in leaf.parts)
    for l1 in fw.level1:
        assert {f"subtotal_{l1.code}", f"subtotalrate_{l1.code}"} <= names
        assert all(f"sub2_{l2.code}" in names for l2 in l1.children)
    assert all(f"rate_{code}" in names for code in fw.rates)
    assert {"total_score", "total_rate", "grade", "projects_name", "projects_budget", "projects_final",
            "projects_done", "projects_count_planned", "projects_count_completed", "xe_framework_id",
            "xe_framework_version", "xe_framework_hash"} <= names
    assert str(wb.defined_names["projects_name"].attr_text) == "'项目明细'!$B$5:$B$204"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    assert cell_of(wb, "score_fin_compliance").coordinate == "G5"
    assert cell_of(wb, "total_score").parent.title == "打分表"
    assert cell_of(wb, "grade").parent.title == "打分表"
    assert cell_of(wb, "subtotal_decision").parent.title == "汇总"


def test_scoresheet_looks_like_annex1(wb):
    fw = load()
    ws = wb["打分表"]
    assert ws["A1"].value.endswith('&"部门整体支出绩效评价指标体系打分表"')
    assert [ws.cell(2, c).value for c in range(1, 11)] == \
        ["评价指标", None, None, None, "指标解释", "评分标准", "得分", "得分率", "完成情况", "扣分原因"]
    assert [ws.cell(3, c).value for c in (1, 2, 3)] == ["一级指标", "二级指标", "三级指标"]
    assert [ws.cell(4, c).value for c in (3, 4)] == ["名称", "权重（%）"]
    rows = list(range(5, 5 + len(fw.leaves)))
    assert [ws.cell(r, 3).value for r in rows] == [leaf.name for leaf in fw.leaves]
    assert [ws.cell(r, 4).value for r in rows] == [5, 5, 5, 5, 4, 4, 4, 6, 6, 5, 5, 5, 4, 12, 6, 6, 6, 7]
    assert ws["A5"].value == "决策" and "A5:A8" in ws.merged_cells
    assert ws["B5"].value == "程序合理性" and "B5:B6" in ws.merged_cells
    assert ws["A23"].value == "合计" and ws["D23"].value == 100 and ws["E23"].value == "累计得分"
    assert ws["E24"].value == "评价等级" and ws["G24"].value.startswith('=IF(total_score="","",')
    assert ws["A25"].value == "备注说明"
    assert ws["E25"].value == "评价分四个等级，分别为：优（得分≥90），良（90>得分≥80），中（80>得分≥60），差（得分<60）"
    assert ws.freeze_panes == "A5"
    summary = wb["汇总"]
    assert [summary.cell(2, c).value for c in range(1, 5)] == ["评价指标", "权重", "得分", "得分率"]
    assert [summary.cell(r, 1).value for r in range(3, 9)] == ["决策", "过程", "产出", "效益", "合计", "等级"]
    assert [summary.cell(r, 2).value for r in range(3, 8)] == [20, 43, 24, 13, 100]


def test_number_formats(wb):
    assert cell_of(wb, "score_fin_compliance").number_format == "0.00"
    assert cell_of(wb, "scorerate_fin_compliance").number_format == "0.00%"
    assert cell_of(wb, "total_score").number_format == "0.00"
    assert cell_of(wb, "rate_adjustment_rate").number_format == '[>=1E+299]"∞";0.00%'


# ---------------------------------------------------------------- for people

def input_cells(wb, lay):
    cells = [cell_of(wb, code) for code in lay.inputs] + [cell_of(wb, n) for n in lay.notes]
    for name in ("projects_name", "projects_budget", "projects_final", "projects_done"):
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        cells += [c for row in wb[sheet][ref.replace("$", "")] for c in row]
    return cells


def test_protection(wb, lay):
    inputs = input_cells(wb, lay)
    assert len(inputs) == len(lay.inputs) + len(lay.notes) + 4 * 200
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
        assert ws.protection.formatColumns is False and ws.protection.formatRows is False
    for c in inputs:
        assert c.protection.locked is False, f"{c.parent.title}!{c.coordinate}"
        assert c.fill.fgColor.rgb.endswith("FFF2CC")
    input_ids = {(c.parent.title, c.coordinate) for c in inputs}
    for sheet, coord, _ in all_formulas(wb):
        assert wb[sheet][coord].protection.locked is True
        assert (sheet, coord) not in input_ids
    for ws in wb.worksheets:        # nothing else is unlocked
        for row in ws.iter_rows():
            for c in row:
                if c.protection.locked is False:
                    assert (ws.title, c.coordinate) in input_ids


def covered(ws, coord):
    return [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]


def test_data_validation_on_every_input(wb, lay):
    for c in input_cells(wb, lay):
        dvs = covered(c.parent, c.coordinate)
        assert len(dvs) == 1, f"{c.parent.title}!{c.coordinate}"
        assert dvs[0].prompt and dvs[0].showInputMessage
    fw = load()
    by_code = {code: covered(cell_of(wb, code).parent, cell_of(wb, code).coordinate)[0] for code in fw.inputs}
    amount = by_code["budget_initial"]
    assert (amount.type, amount.operator, amount.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert amount.error and amount.errorTitle == "输入有误" and amount.showErrorMessage
    count = by_code["projects_planned"]
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    year = by_code["eval_year"]
    assert (year.type, year.operator, year.formula1, year.formula2) == ("whole", "between", "2000", "2100")
    choice = by_code["budget_disclosure"]
    assert (choice.type, choice.formula1) == ("list", '"按规定公开,公开但不符合要求,未公开"')
    assert by_code["fin_violation"].formula1 == '"是,否"'
    score = by_code["industry_score"]
    assert (score.type, score.operator, score.formula1, score.formula2) == ("decimal", "between", "0", "6")
    for dv in wb["基础数据"].data_validations.dataValidation:
        assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32


def test_reason_missing_is_highlighted(wb):
    ws = wb["打分表"]
    rules = [(str(rng.sqref), r) for rng in ws.conditional_formatting for r in rng.rules]
    assert [sqref for sqref, _ in rules] == ["J5:J22"]
    assert rules[0][1].formula == ["AND(ISNUMBER($G5),$G5<$D5,LEN(TRIM($J5))=0)"]


def test_scoresheet_print_setup(wb):
    ws = wb["打分表"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9          # A4
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.print_title_rows == "$2:$4"
    assert all(ws.column_dimensions[c].width >= 7 for c in "ABCDEFGHIJ")
    assert ws["F5"].alignment.wrap_text and ws["I5"].alignment.wrap_text


# ---------------------------------------------------------------- command

def test_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"keep me")
    res = run("-o", out)
    assert res.exit_code == 2
    assert "文件已存在" in res.output and "--force" in res.output
    assert out.read_bytes() == b"keep me"
    res = run("-o", out, "--force")
    assert res.exit_code == 0, res.output
    assert zipfile.is_zipfile(out)
    assert not list(tmp_path.glob(".xl-eval-*"))      # no temp file left behind


def test_default_output_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run()
    assert res.exit_code == 0, res.output
    assert (tmp_path / "部门整体支出绩效评价打分表.xlsx").is_file()


def test_refuses_a_framework_with_lint_errors(tmp_path):
    out = tmp_path / "literal.xlsx"
    res = run("--framework", LITERAL, "-o", out)
    assert res.exit_code == 1
    assert "L102" in res.output and "未生成模板" in res.output
    assert not out.exists()


def test_bad_output_paths(tmp_path):
    assert run("-o", tmp_path / "x.xls").exit_code == 2
    assert run("-o", tmp_path / "missing" / "x.xlsx").exit_code == 2
    assert run("--framework", tmp_path / "nope.yaml", "-o", tmp_path / "y.xlsx").exit_code == 2


def test_command_is_registered():
    from xl_eval.cli import main
    assert main(["template", "--help"]) == 0


def test_formula_modes():
    """The native template is the default; "udf" is tests/test_template_udf.py's; nothing else."""
    fw = load()
    assert layout(fw).mode == "native" and layout(fw, "udf").mode == "udf"
    with pytest.raises(NotImplementedError):
        build_workbook(fw, formulas="lambda")


def test_codes_that_are_cell_addresses_are_refused():
    from xl_eval.forms.scoresheet.layout import LayoutError, check_name
    assert check_name("ab12") and check_name("r1c1") and check_name("c") and check_name("true")
    assert check_name("budget_initial") is None and check_name("carryover") is None
    fw = load()
    bad = dataclasses.replace(fw, inputs={"tax2024" if k == "carryover" else k: v for k, v in fw.inputs.items()})
    with pytest.raises(LayoutError, match="tax2024"):
        layout(bad)

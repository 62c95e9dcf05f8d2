"""The XE_ function variant of the template (`xl-eval template --udf`).

The udf workbook is computed by an independent formula engine, the `formulas`
package with every XE_ function of xl_eval.udfs registered
(tests/formulas_engine.py), for the 212 input sets of tests/template_cases.py:
the workbook is loaded and compiled once per process (one per core, at most
4) and re-solved per input set (formulas_engine.solve_many).  Every
named value (rates, 计分采用值, sub-item points and scores, leaf scores and
得分率, level-2 and level-1 subtotals, total, total rate, grade, project-list
counts) must equal

* the engine's, exactly as the native template must (test_template_libreoffice),
* and the native template's as LibreOffice recalculated it: conftest.py's
  session fixture ``native_run``, shared with test_template_libreoffice.py,
  so LibreOffice runs once for both files.

The rest: the formulas call only XE_ functions and the classic set, the
workbook is the native one plus the xlwings.conf sheet and two identity
names, layout.py is the single source of its formulas, and the command.
"""

from __future__ import annotations

import importlib.util
import io
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from template_cases import PROJECT_COLUMNS, SEED_UNIT, build_cases, case_values, engine_view
from test_template import all_formulas, cell_of, functions_in, parts
from xl_eval.forms.scoresheet import layout as L
from xl_eval import udfs
from xl_eval.commands.template_cmd import DEFAULT_OUTPUT_UDF, template as template_command
from xl_eval.engine.score import evaluate
from xl_eval.framework.model import DEFAULT_FRAMEWORK, load
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes, write_template


formulas = pytest.importorskip("formulas")
from formulas_engine import compute, solve_many  # noqa: E402  (needs formulas)


@pytest.fixture(autouse=True)
def _shipped_framework(monkeypatch):
    """The XE_ functions use the shipped framework unless a cell says otherwise."""
    monkeypatch.delenv("XE_FRAMEWORK", raising=False)


@pytest.fixture(scope="module")
def udf_file(fw, tmp_path_factory) -> Path:
    return write_template(fw, tmp_path_factory.mktemp("udf") / "udf.xlsx", formulas="udf")


@pytest.fixture(scope="module")
def wb(udf_file):
    return openpyxl.load_workbook(udf_file)


@pytest.fixture(scope="module")
def lay(fw):
    return L.layout(fw, "udf")


@pytest.fixture(scope="module")
def solved(fw, sample_rows, lay, udf_file):
    """{case id: named values} of the udf workbook computed by `formulas`, for every case."""
    cases = build_cases(fw, sample_rows)
    input_sets = []
    for case in cases:
        inputs = dict(case.values)
        for i, column in enumerate(PROJECT_COLUMNS):
            inputs[column] = [p[i] for p in case.projects]
        input_sets.append(inputs)
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("XE_FRAMEWORK", raising=False)
        results = solve_many(udf_file, list(lay.inputs) + list(PROJECT_COLUMNS), input_sets)
    return cases, dict(zip([c.id for c in cases], results)), time.monotonic() - started


def same(a, b) -> bool:
    """Equal values of the same type family ("" cells read as None on both sides)."""
    return a == b and isinstance(a, str) == isinstance(b, str)


def same_shown(a, b) -> bool:
    """Equal to Excel's 15 significant digits: for the unrounded rule points
    (points_*), which LibreOffice saves to 15 digits (0.5333 x 12 is saved as
    6.3996, computed as 6.3995999999999995)."""
    if isinstance(a, float) and isinstance(b, float):
        return format(a, ".15g") == format(b, ".15g")
    return same(a, b)


# ---------------------------------------------------------------- computing

def test_at_least_200_input_sets(solved):
    cases, got, elapsed = solved
    assert len(cases) >= 200 and len(got) == len(cases)
    # Speed (~0.28 s per input set on 2 free cores) belongs to bench/, not to a test.


def test_every_named_value_equals_the_engine(solved, fw, lay):
    cases, got, *_ = solved
    failures, compared = [], 0
    for case in cases:
        for name, want in engine_view(fw, lay, case_values(fw, case)).items():
            compared += 1
            have = got[case.id].get(name, "(missing)")
            if not same(have, want):
                failures.append(f"{case.id}: {name}: udf workbook {have!r}, engine {want!r}")
    assert not failures, f"{len(failures)} of {compared} differ:\n" + "\n".join(failures[:40])
    assert compared > 200 * 80


@pytest.mark.libreoffice
def test_every_named_value_equals_the_native_template_in_libreoffice(solved, native_run, lay):
    """Not only scores, subtotals, total and grade: every computed name of the layout,
    exactly (the unrounded rule points to the 15 digits LibreOffice saves)."""
    cases, got, *_ = solved
    assert [c.id for c in native_run.cases] == [c.id for c in cases]     # the same input sets
    failures, compared = [], 0
    for case in cases:
        native = native_run.got[case.id]
        for name in lay.computed:
            compared += 1
            have, want = got[case.id].get(name, "(missing)"), native.get(name, "(missing)")
            if not (same_shown if lay.computed[name].kind == "points" else same)(have, want):
                failures.append(f"{case.id}: {name}: udf workbook {have!r}, native in LibreOffice {want!r}")
    assert not failures, f"{len(failures)} of {compared} differ:\n" + "\n".join(failures[:40])
    kinds = {c.kind for c in lay.computed.values()}
    assert {"leaf", "level2", "level1", "total", "grade", "rate", "part"} <= kinds
    assert compared > 200 * 120


def test_hand_written_expectations(solved):
    cases, got, *_ = solved
    for case in cases:
        for name, want in case.expect.items():
            assert got[case.id][name] == want, f"{case.id}: {name}: {got[case.id][name]!r}, expected {want!r}"


def test_seed_and_edge_cases(solved):
    cases, got, *_ = solved
    by = {c.id.split("_", 1)[1]: got[c.id] for c in cases}
    seed = got[cases[0].id]
    assert seed["total_score"] == 95.4 and seed["total_rate"] == 0.954 and seed["grade"] == "优"
    assert seed["sheet_title"] == SEED_UNIT + "部门整体支出绩效评价指标体系打分表"
    assert by["adjust_inf"]["rate_adjustment_rate"] == 1e300            # shown as ∞ by the number format
    assert by["adjust_inf"]["score_budget_adjustment"] == 0
    assert by["adjust_inf"]["part_fin_compliance_adjustment"] == 0      # INT(1E+302): see formulas_engine
    assert by["blank_budget_initial"]["score_budget_adjustment"] is None
    assert by["blank_budget_initial"]["total_score"] is None and by["blank_budget_initial"]["grade"] is None
    assert by["veto"]["score_fin_compliance"] == 0 and by["exempt"]["score_disclosure"] == 5
    # a rate the framework leaves undefined (固定资产 0, 在用 5): blank, as in the native template
    undefined = [got[c.id] for c in cases if c.values.get("assets_total") == 0 and c.values.get("assets_in_use")]
    assert undefined and all(v["rate_asset_use_rate"] is None and v["score_asset_utilisation"] is None
                             for v in undefined)
    for values in got.values():                                        # never an error in a cell
        assert not any(isinstance(v, str) and v.startswith("#") for v in values.values())


def test_an_input_the_engine_cannot_read_shows_the_reason(udf_file, seed_values):
    out = compute(udf_file, dict(seed_values, budget_norm_issues="三处"))
    assert out["score_budget_norms"].startswith("#错误：") and "三处" in out["score_budget_norms"]
    assert out["scorerate_budget_norms"] == out["score_budget_norms"]   # passed on, not #VALUE!
    assert out["subtotal_decision"] is None and out["total_score"] is None and out["grade"] is None
    assert out["score_fin_compliance"] == 4.4                           # the other leaves still score


# ---------------------------------------------------------------- formulas

def test_formulas_call_only_xe_functions_and_the_classic_set(wb, lay):
    assert L.UDF_FUNCTIONS <= set(udfs.__all__)
    used, count = set(), 0
    for sheet, coord, f in all_formulas(wb):
        count += 1
        found = functions_in(f)
        assert found <= L.ALLOWED_FUNCTIONS | L.UDF_FUNCTIONS, f"{sheet}!{coord}: {f}"
        assert "ROUND" not in found, f"{sheet}!{coord} rounds with ROUND, not XE_ROUND: {f}"
        assert "_xlfn" not in f.lower()
        used |= found
    for ws in wb.worksheets:     # conditional formatting and validation stay classic
        for rng in ws.conditional_formatting:
            for rule in rng.rules:
                assert all(functions_in(f) <= L.ALLOWED_FUNCTIONS for f in rule.formula)
        for dv in ws.data_validations.dataValidation:
            assert all(not f or functions_in(f) <= L.ALLOWED_FUNCTIONS for f in (dv.formula1, dv.formula2))
    assert used >= L.UDF_FUNCTIONS - {"XE_ROW"} and count > 300     # Annex 1 has no rows the unit defines
    for name, cell in lay.computed.items():     # every cell that scores calls the engine
        if cell.kind in ("rate", "leaf"):
            assert {"XE_RATE", "XE_SCORE"} & functions_in(cell.formula), name
    assert cell_of(wb, "grade").value == "=XE_GRADE(total_score)"
    assert cell_of(wb, "score_budget_adjustment").value == '=XE_SCORE("budget_adjustment",rate_adjustment_rate)'
    assert cell_of(wb, "score_fin_compliance").value == \
        "=XE_SCORE(\"fin_compliance\",'基础数据'!$G$5:$G$51,'基础数据'!$H$5:$H$51)"
    assert cell_of(wb, "rate_carryover_rate").value.endswith(
        "XE_RATE(\"carryover_rate\",'基础数据'!$G$5:$G$51,'基础数据'!$H$5:$H$51)))")
    assert cell_of(wb, "subtotal_decision").value.startswith(
        '=IF(COUNT(score_fin_compliance,score_disclosure,score_budget_reasonable,score_budget_norms)<4,"",'
        "XE_ROUND(SUM(")


def test_values_and_codes_ranges_cover_every_input(wb, lay, fw):
    """Column G holds the value scored for every input, column H its code."""
    ws = wb["基础数据"]
    for code, row in lay.base.input_rows.items():
        assert ws[f"H{row}"].value == code
        assert ws[f"G{row}"].value.startswith("=IF("), code
    rows = sorted(lay.base.input_rows.values())
    assert lay.udf_values == f"'基础数据'!$G${rows[0]}:$G${rows[-1]}"
    assert lay.udf_codes == f"'基础数据'!$H${rows[0]}:$H${rows[-1]}"
    for row in range(rows[0], rows[-1] + 1):     # group headings: nothing in G or H
        if row not in rows:
            assert ws[f"G{row}"].value is None and ws[f"H{row}"].value is None


def test_layout_is_the_single_source_of_the_formulas(wb, lay, fw):
    assert L.expected_formulas(fw, formulas="udf") == {n: c.formula for n, c in lay.computed.items()}
    assert L.computed_names(fw, formulas="udf") == L.computed_names(fw)
    for name, formula in L.expected_formulas(fw, "udf").items():
        assert cell_of(wb, name).value == "=" + formula, name
    cells = lay.formula_cells()
    for sheet, coord, f in all_formulas(wb):
        assert cells.pop((sheet, coord)) == f[1:], f"{sheet}!{coord}"
    assert not cells
    assert L.expected_formulas(fw) != L.expected_formulas(fw, "udf")


def test_same_workbook_as_the_native_template(wb, fw):
    native = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))
    assert wb.sheetnames == native.sheetnames + ["xlwings.conf"]
    names, native_names = set(wb.defined_names), set(native.defined_names)
    assert names - native_names == {"xe_template_variant", "xe_framework_path"}
    assert native_names <= names
    for name in native_names:
        assert str(wb.defined_names[name].attr_text) == str(native.defined_names[name].attr_text), name
    lay_native = L.layout(fw)
    copies = {(c.ref.sheet, c.ref.coord) for c in L.layout(fw, "udf").row_formulas if c.kind == "scoring_value"}
    for ws in native.worksheets:
        if ws.title in ("填表说明", "xl_eval"):
            continue           # the udf guide rows; the two identity rows
        mine = wb[ws.title]
        assert mine.max_row == ws.max_row and mine.max_column == ws.max_column
        assert mine.protection.sheet and mine.freeze_panes == ws.freeze_panes
        for row in ws.iter_rows():
            for c in row:
                m = mine[c.coordinate]
                if (ws.title, c.coordinate) in copies:       # 计分采用值 of every input
                    assert c.value is None and m.value.startswith("=") and m.protection.locked
                    continue
                if isinstance(c.value, str) and c.value.startswith("="):
                    assert isinstance(m.value, str) and m.value.startswith("="), (ws.title, c.coordinate)
                else:
                    assert m.value == c.value, (ws.title, c.coordinate)
                assert m.number_format == c.number_format and m.protection.locked == c.protection.locked
    udf_meta = L.layout(fw, "udf").meta
    assert [(m.name, m.key, m.ref) for m in lay_native.meta] == [(m.name, m.key, m.ref) for m in udf_meta[:-2]]
    assert [m.key for m in udf_meta[-2:]] == ["template_variant", "framework_path"]


def test_identity_records_the_variant(wb, fw):
    assert cell_of(wb, "xe_template_variant").value == "udf"
    assert cell_of(wb, "xe_framework_path").value is None              # "": the shipped framework
    assert cell_of(wb, "xe_template_format").value == L.TEMPLATE_FORMAT
    assert cell_of(wb, "xe_framework_hash").value == fw.content_hash
    assert wb["xl_eval"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["xl_eval"].iter_rows(min_row=2, values_only=True)}
    assert meta["formula_mode"] == "udf" and meta["template_variant"] == "udf"
    native = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))
    assert "xe_template_variant" not in native.defined_names          # absent = native
    assert "udf" in wb.properties.keywords.split()


def test_xlwings_conf_sheet(wb):
    ws = wb["xlwings.conf"]
    assert (ws["A1"].value, ws["B1"].value) == ("UDF Modules", "xl_eval.udfs")
    # xlwings reads column A from A1 down to the first blank cell: one setting
    assert ws["A2"].value is None and ws["B2"].value is None
    assert all(ws.cell(row=r, column=c).value is None for r in range(2, 30) for c in (1, 2))
    assert ws.sheet_state == "visible" and not ws.protection.sheet     # the user may add Interpreter …
    assert importlib.util.find_spec(ws["B1"].value) is not None
    guide = "\n".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "xlwings" in guide and ".xlsm" in guide and "Import Functions" in guide and "#NAME?" in guide


# ---------------------------------------------------------------- another framework

@pytest.fixture(scope="module")
def other_framework(tmp_path_factory) -> Path:
    """The shipped framework with 优 renamed and the (10%, 40%] band worth 3 points."""
    text = DEFAULT_FRAMEWORK.read_text(encoding="utf-8")
    band = '{range: "(0.10, 0.40]", points: 2}'
    assert "name: 优}" in text and text.count(band) == 1
    path = tmp_path_factory.mktemp("fw") / "other.yaml"
    path.write_text(text.replace("name: 优}", "name: 优秀}").replace(band, band.replace("2}", "3}")),
                    encoding="utf-8")
    return path


def test_another_framework_is_passed_to_every_xe_call(other_framework, tmp_path, seed_values):
    fw = load(other_framework)
    assert not L.is_shipped(fw) and L.is_shipped(load()) and L.is_shipped(load(DEFAULT_FRAMEWORK))
    lay = L.layout(fw, "udf")
    for name, cell in lay.computed.items():
        for fn in functions_in(cell.formula) & {"XE_RATE", "XE_SCORE", "XE_GRADE"}:
            assert cell.formula.count(fn + "(") == cell.formula.count(",xe_framework_path)"), name
    assert lay.computed["score_budget_adjustment"].formula == \
        'XE_SCORE("budget_adjustment",rate_adjustment_rate,"",xe_framework_path)'
    path = write_template(fw, tmp_path / "other.xlsx", formulas="udf")
    wb = openpyxl.load_workbook(path)
    assert cell_of(wb, "xe_framework_path").value == str(other_framework.resolve())
    ev = evaluate(fw, seed_values)
    assert ev.leaves["budget_adjustment"].score == 3 and ev.grade == "优秀"
    out = compute(path, seed_values)
    assert {k: out[k] for k in ("score_budget_adjustment", "total_score", "grade")} == \
        {"score_budget_adjustment": 3, "total_score": ev.total, "grade": "优秀"}
    for name, want in engine_view(fw, lay, seed_values).items():
        assert same(out[name], want), name
    shipped = compute(path, dict(seed_values, xe_framework_path=None))   # cleared: the shipped framework
    assert shipped["score_budget_adjustment"] == 2 and shipped["grade"] == "优"


# ---------------------------------------------------------------- the command

def run(*args):
    return CliRunner().invoke(template_command, list(map(str, args)))


def test_command_writes_the_udf_workbook(tmp_path, fw):
    out = tmp_path / "x.xlsx"
    res = run("--udf", "-o", out)
    assert res.exit_code == 0, res.output
    assert "已生成" in res.output and "XE 函数版" in res.output and ".xlsm" in res.output
    assert parts(out) == parts(workbook_bytes(build_workbook(fw, formulas="udf")))    # deterministic
    assert parts(out) != parts(workbook_bytes(build_workbook(fw)))


def test_command_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"mine")
    res = run("--udf", "-o", out)
    assert res.exit_code == 2 and "--force" in res.output
    assert out.read_bytes() == b"mine"
    res = run("--udf", "-o", out, "--force")
    assert res.exit_code == 0, res.output
    assert openpyxl.load_workbook(out).sheetnames[-1] == "xlwings.conf"


def test_command_default_name_and_suffix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("--udf").exit_code == 0
    assert (tmp_path / DEFAULT_OUTPUT_UDF).is_file()
    res = run("--udf", "-o", tmp_path / "x.xlsm")      # openpyxl writes no VBA: .xlsx only
    assert res.exit_code == 2 and ".xlsx" in res.output

"""What a reader sees and prints: the applied rule as 评分标准, row heights that fit the
texts, the project list printing only its used rows, framework text that is never a formula.

The expected rule sentences are written here by hand from the framework's rules (annex1.yaml
and its RESOLVED notes), not produced by the code under test.
"""

from __future__ import annotations

import copy
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xl_eval.forms.common import formula_string, line_count, row_height, set_text
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.criteria import printed_criteria, source_note
from xl_eval.forms.scoresheet.template import build_workbook, print_fit, workbook_bytes
from xl_eval.framework.model import DEFAULT_FRAMEWORK, from_dict, load

ROOT = Path(__file__).resolve().parent.parent


def shipped_dict() -> dict:
    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))


def leaf_dict(data: dict, code: str) -> dict:
    for l1 in data["indicators"]:
        for l2 in l1["children"]:
            for leaf in l2["children"]:
                if leaf["code"] == code:
                    return leaf
    raise KeyError(code)


def score_cell(wb, leaf_code: str, col: int):
    lay = L.layout(load())
    return wb[L.SCORE].cell(lay.score.leaf_rows[leaf_code], col)


@pytest.fixture(scope="module")
def wb():
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(load()))))


# ---------------------------------------------------------------- 评分标准 = the applied rule

def test_printed_rule_states_what_is_scored():
    fw = load()
    by = {leaf.code: printed_criteria(fw, leaf) for leaf in fw.leaves}
    # Annex 1 says "如有，得4分"; the framework (and the report) give 6.
    assert by["performance"] == "开展示范创建工作的，得6分；否则得0分。"
    # Annex 1 hard-codes "完成24个政府采购项目"; the rule uses the unit's own planned count.
    assert "24" not in by["procurement"]
    assert by["procurement"].splitlines()[0] == (
        "1.政府采购项目完成（3分）：政府采购完成项目数达到政府采购计划项目数的，得3分；每少1个扣0.5分，扣完为止。")
    # Annex 1: "（2分）…得1分" and "（3分）…直至1分扣完为止" -> sub-items of 2 and 3 points.
    fin = by["fin_compliance"].splitlines()
    assert fin[0].startswith("1.资金支出规范性（2分）：") and "0～2分" in fin[0]
    assert fin[1] == ("2.资金调整、调剂规范性（3分）：预算调整率不超过10%的，得3分；超过10%的，每超过1个百分点扣0.1分"
                      "（不足1个百分点的部分不扣分），扣完为止。")
    assert fin[2] == "3.违规支出（一票否决）：存在违规支出的，本指标得0分。"
    # the gap-free bands of the resolution, not Annex 1's "41-60%"
    assert by["budget_adjustment"] == ("预算调整率10%（含）以下的，得4分；10%（不含）至40%（含）的，得2分；"
                                       "40%（不含）至60%（含）的，得1分；60%（不含）至100%（含）的，得0.25分；"
                                       "100%（不含）以上的，得0分。")
    assert by["asset_safety"].startswith("以下5项每符合一项得1分：①资产保存完整；")
    assert by["project_completion"] == "按项目完成率计分：得分 = 项目完成率 × 12分。"


def test_scoresheet_prints_the_rule_and_keeps_the_source_in_a_note(wb):
    fw = load()
    for leaf in fw.leaves:
        cell = score_cell(wb, leaf.code, L.ScoreCol.CRITERIA)
        assert cell.value == printed_criteria(fw, leaf)
        assert cell.comment is not None
        assert leaf.criteria.strip() in cell.comment.text
    note = score_cell(wb, "performance", L.ScoreCol.CRITERIA).comment.text
    assert "如有，得4分" in note                     # the source's wording, one click away
    assert "处理说明" in note and "6分" in note       # ... and the resolution
    assert "处理说明" in source_note(fw, fw.leaf("fin_compliance"))


def test_a_framework_change_changes_the_print():
    data = shipped_dict()
    leaf = leaf_dict(data, "budget_adjustment")
    leaf["rule"]["bands"][1]["points"] = 3
    fw = from_dict(copy.deepcopy(data))
    wb = build_workbook(fw)
    row = L.layout(fw).score.leaf_rows["budget_adjustment"]
    assert "10%（不含）至40%（含）的，得3分" in wb[L.SCORE].cell(row, L.ScoreCol.CRITERIA).value


def test_every_rule_sentence_names_its_points():
    """No printed rule may state points its sub-item cannot give (e.g. 4 beside a 6-point leaf)."""
    fw = load()
    for leaf in fw.leaves:
        text = printed_criteria(fw, leaf)
        for n in re.findall(r"得([0-9.]+)分", text):
            assert float(n) <= leaf.weight, (leaf.name, text)


# ---------------------------------------------------------------- row heights

def test_row_height_grows_with_the_text():
    # LibreOffice, measured (tests/test_template_pdf.py): 23 CJK characters of 10 pt fill a line
    # of a 34-unit column (7 pt a unit, 3 pt of margins: 235 pt), the 24th wraps; 14.5 pt a line.
    assert line_count("字" * 23, 34) == 1
    assert line_count("字" * 24, 34) == 2
    assert line_count("一\n二", 34) == 2
    # a number is not split: "3592.06万元" moves to the next line whole
    assert line_count("字" * 20 + "3592.06万元", 34) == 2
    assert row_height([("字" * 23, 34)]) == 18.5            # one line: 14.5 + 4 points
    assert row_height([("字" * 24, 34)]) == 33.0            # two lines
    assert row_height([("字" * 230, 34)]) == 149.0          # ten lines


def _laid_lines(text: str, width: float) -> int:
    """Lines by laying out token by token, written here from the rules in forms/common.py
    (235 pt usable in a 34-unit column: 7 pt a unit less 3 pt; a CJK character 10 pt,
    anything else 6.4 pt; a Latin run moves whole to the next line when it fits one)."""
    usable = width * 7.0 - 3.0
    lines = 0
    for para in text.split("\n"):
        n, used = 1, 0.0
        for word in re.findall(r"[A-Za-z0-9.,%]+|.", para):
            ws = [10.0 if unicodedata.east_asian_width(c) in "WFA" else 6.4 for c in word]
            if len(word) > 1 and used + sum(ws) > usable and used > 0 and sum(ws) <= usable:
                n, used = n + 1, sum(ws)
                continue
            for cw in ws:                # one character, or a run too long for a line: break anywhere
                if used + cw > usable and used > 0:
                    n, used = n + 1, cw
                else:
                    used += cw
        lines += n
    return lines


@settings(max_examples=300, deadline=None)
@example("字" * 24, 34)
@example("经费" * 12 + "a", 34)
@example("1" * 37, 34)
@example("字" * 4 + "1234567.89%", 8)
@given(st.text(alphabet="字经费ab1.%，0 \n", max_size=90), st.sampled_from([8, 20, 34, 50]))
def test_line_count_equals_the_layout_by_hand(text, width):
    # line_count returns 1 at once for a short paragraph: it must agree with laying it out
    assert line_count(text, width) == _laid_lines(text, width)


def test_scoresheet_rows_fit_their_texts_and_stay_autofit(wb):
    fw = load()
    lay = L.layout(fw)
    ws = wb[L.SCORE]
    for leaf in fw.leaves:
        row = lay.score.leaf_rows[leaf.code]
        need = row_height([(printed_criteria(fw, leaf), 48), (leaf.explanation, 30)])
        assert ws.row_dimensions[row].height >= need
    data = workbook_bytes(build_workbook(fw))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("xl/worksheets/sheet4.xml").decode()
    for leaf in fw.leaves:
        row = lay.score.leaf_rows[leaf.code]
        tag = re.search(rf'<row r="{row}"[^>]*>', xml).group(0)
        assert "ht=" in tag and "customHeight" not in tag, tag     # Excel/WPS refit it on edit


def test_fill_grows_the_rows_it_writes_and_prints_only_used_project_rows(tmp_path):
    from xl_eval.forms.scoresheet.template import template_bytes
    from xl_eval.xlsx.package import WorkbookPatcher
    fw = load()
    lay = L.layout(fw)
    reason = lay.notes[L.reason_name("budget_norms")].ref
    names = lay.project_inputs["projects_name"][0]
    targets = [(reason.sheet, (reason.row, reason.col))] + [
        (L.PROJECTS, (names.row + i, names.col)) for i in range(5)]
    patcher = WorkbookPatcher(template_bytes(fw), targets, **print_fit(fw))
    long = "单位预算编制大体上符合要求，但项目库管理、新增项目事前绩效评估两项未找到。" * 6
    data = patcher.render({(reason.sheet, (reason.row, reason.col)): long,
                           (L.PROJECTS, (names.row, names.col)): "项目一",
                           (L.PROJECTS, (names.row + 2, names.col)): "项目三"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb[L.SCORE].row_dimensions[reason.row].height >= row_height([(long, 26)])
    assert wb[L.PROJECTS].print_area == f"'{L.PROJECTS}'!$A$1:$F${names.row + 2}"
    # no project written: the header and the total row only
    empty = openpyxl.load_workbook(io.BytesIO(patcher.render({(reason.sheet, (reason.row, reason.col)): "短"})))
    assert empty[L.PROJECTS].print_area == f"'{L.PROJECTS}'!$A$1:$F${lay.projects.total}"
    assert empty[L.SCORE].row_dimensions[reason.row].height == wb_height(fw, reason.row)


def wb_height(fw, row):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))
    return wb[L.SCORE].row_dimensions[row].height


def test_seed_sample_rows_fit_its_texts():
    wb = openpyxl.load_workbook(ROOT / "samples" / "seed_filled.xlsx")
    fw = load()
    lay = L.layout(fw)
    ws = wb[L.SCORE]
    for leaf in fw.leaves:
        row = lay.score.leaf_rows[leaf.code]
        texts = [(ws.cell(row, L.ScoreCol.FINDINGS).value, 34), (ws.cell(row, L.ScoreCol.REASON).value, 26)]
        assert ws.row_dimensions[row].height >= row_height(texts), leaf.name
    assert wb[L.PROJECTS].print_area == f"'{L.PROJECTS}'!$A$1:$F${lay.projects.first + 28 - 1}"


# ---------------------------------------------------------------- framework text is never a formula

HOSTILE = '=HYPERLINK("http://x.example","点我")'


def hostile_framework():
    data = shipped_dict()
    data["title"] = 'A"B' + HOSTILE
    data["source"] = "=cmd|' /C calc'!A0"
    data["notes"] = ["+1+1", "@SUM(1)"] + data["notes"]
    leaf = leaf_dict(data, "budget_adjustment")
    leaf["name"] = "=1+1"
    leaf["explanation"] = "-2+3"
    leaf["criteria"] = "@A1"
    data["indicators"][0]["name"] = "=决策"
    data["indicators"][0]["children"][0]["name"] = "+程序"
    for inp in data["inputs"]:
        if inp["code"] == "budget_disclosure":
            inp["label"] = "=部门预算"
            inp["help"] = "-提示"
            inp["options"] = ['按"规定"公开', "=公开但不符合要求", "未公开"]
            inp["example"] = '按"规定"公开'
    renamed = {"按规定公开": '按"规定"公开', "公开但不符合要求": "=公开但不符合要求"}
    for part in leaf_dict(data, "disclosure")["parts"]:
        if part["rule"]["kind"] == "tiers" and part["rule"]["input"] == "budget_disclosure":
            part["rule"]["points"] = {renamed.get(k, k): v for k, v in part["rule"]["points"].items()}
    data["grades"][0]["name"] = "=优"
    return from_dict(data)


def formula_cells_in(data: bytes) -> dict[str, set[str]]:
    """sheet part -> coordinates of cells that hold a formula (<f>) in the saved file."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                out[name] = {m.group(1) for m in re.finditer(r'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', xml)
                             if m.group(2) and "<f>" in m.group(2)}
    return out


def test_framework_text_is_written_as_text_not_formulas():
    fw = hostile_framework()
    lay = L.layout(fw)
    data = workbook_bytes(build_workbook(fw))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    expected = {}
    for (sheet, coord) in lay.formula_cells():
        expected.setdefault(f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml", set()).add(coord)
    found = formula_cells_in(data)
    for part, coords in found.items():
        assert coords == expected.get(part, set()), part
    # the texts are there, verbatim
    row = lay.score.leaf_rows["budget_adjustment"]
    assert wb[L.SCORE].cell(row, L.ScoreCol.LEAF).value == "=1+1"
    assert wb[L.SCORE].cell(row, L.ScoreCol.EXPLANATION).value == "-2+3"


def test_quotes_in_title_and_options_are_escaped_in_formulas():
    fw = hostile_framework()
    lay = L.layout(fw)
    title = lay.computed[L.TITLE].formula
    assert title.endswith(formula_string(fw.title))
    assert '""B' in title and '(""http' in title
    assert formula_string('按"规定"公开') == '"按""规定""公开"'
    wb = build_workbook(fw)
    dv = [d for d in wb[L.BASE].data_validations.dataValidation
          if str(lay.inputs["budget_disclosure"].ref.coord) in str(d.sqref)]
    assert dv and dv[0].formula1 == '"按""规定""公开,=公开但不符合要求,未公开"'


def test_check_accepts_a_fresh_hostile_template(tmp_path):
    """check compares with the correctly escaped formula: a fresh template has no XE3xx finding."""
    from xl_eval.check.workbook import check_file
    fw = hostile_framework()
    path = tmp_path / "t.xlsx"
    path.write_bytes(workbook_bytes(build_workbook(fw)))
    res = check_file(path, fw)
    codes = {f.code for f in res.findings}
    assert not {c for c in codes if c.startswith(("XE1", "XE3"))}, [
        (f.code, f.cell, f.message) for f in res.findings if f.code.startswith(("XE1", "XE3"))]


def test_summary_workbook_and_csv_keep_framework_text_as_text():
    from xl_eval.batch import collect
    fw = hostile_framework()
    data = collect.build_summary(fw, [], [("=evil.xlsx", "=原因")], with_findings=False)
    assert not any(formula_cells_in(data).values())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb[collect.SUMMARY_SHEET].cell(1, 3).value.startswith("=决策")
    header = collect.build_csv(fw, [], False).decode("utf-8-sig").splitlines()[0]
    assert "'=决策" in header


def test_set_text_keeps_leading_equals_as_text():
    wb = openpyxl.Workbook()
    c = wb.active["A1"]
    set_text(c, "=1+1")
    assert c.data_type == "s"


def test_filled_workbooks_keep_hostile_text_as_text():
    """What fill writes (inputs, drafted reasons, project names) is text in the file, never a formula."""
    from xl_eval.xlsx.package import WorkbookPatcher
    fw = hostile_framework()
    lay = L.layout(fw)
    template = workbook_bytes(build_workbook(fw))
    unit = lay.inputs["unit_name"].ref
    reason = lay.notes[L.reason_name("budget_adjustment")].ref
    name = lay.project_inputs["projects_name"][0]
    cells = {(unit.sheet, (unit.row, unit.col)): '=HYPERLINK("x")',
             (reason.sheet, (reason.row, reason.col)): "@SUM(A1)",
             (name.sheet, (name.row, name.col)): "+cmd|' /C calc'!A0"}
    data = WorkbookPatcher(template, list(cells), **print_fit(fw)).render(cells)
    assert formula_cells_in(data) == formula_cells_in(template)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb[unit.sheet][unit.coord].value == '=HYPERLINK("x")'

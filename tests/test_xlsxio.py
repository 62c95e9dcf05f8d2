"""xlsxio.WorkbookPatcher: writing cells into a template package without openpyxl."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from xl_eval.xlsx.package import WorkbookPatcher, XlsxError, parse_area


def template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "输入 表"
    ws["A1"] = "标签"
    ws["B2"].font = Font(bold=True)          # an empty, styled input cell
    ws["B2"].number_format = "0.00"
    ws["B4"] = "=B2*2"
    ws["D10"] = "末行"
    other = wb.create_sheet("其他")
    other["A1"] = "不改动"
    empty = wb.create_sheet("空表")
    del empty
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


TARGETS = [("输入 表", (2, 2)), ("输入 表", (2, 5)), ("输入 表", (7, 3)), ("输入 表", (12, 1)), ("空表", (3, 3))]


def test_values_go_where_asked_and_the_rest_stays():
    tpl = template()
    p = WorkbookPatcher(tpl, TARGETS)
    out = p.render({("输入 表", (2, 2)): 3592.06,            # existing styled cell
                    ("输入 表", (2, 5)): 28,                 # new cell in an existing row
                    ("输入 表", (7, 3)): "是 <&>\x0b",        # new row between rows; XML-unsafe text
                    ("输入 表", (12, 1)): "  前后空格 ",       # new row after the last one
                    ("空表", (3, 3)): True})                   # a sheet with no rows at all
    wb = load_workbook(io.BytesIO(out))
    ws = wb["输入 表"]
    assert ws["B2"].value == 3592.06 and ws["B2"].font.b and ws["B2"].number_format == "0.00"
    assert ws["E2"].value == 28
    assert ws["C7"].value == "是 <&>"
    assert ws["A12"].value == "  前后空格 "
    assert ws["B4"].value == "=B2*2" and ws["D10"].value == "末行" and ws["A1"].value == "标签"
    assert wb["空表"]["C3"].value is True
    assert wb["其他"]["A1"].value == "不改动"
    with zipfile.ZipFile(io.BytesIO(tpl)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert a.namelist() == b.namelist()
        changed = [n for n in a.namelist() if a.read(n) != b.read(n)]
        assert sorted(changed) == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"]
        assert b.testzip() is None


def test_none_keeps_the_template_and_output_is_deterministic():
    tpl = template()
    p = WorkbookPatcher(tpl, TARGETS)
    blank = p.render({("输入 表", (2, 2)): None})
    with zipfile.ZipFile(io.BytesIO(tpl)) as a, zipfile.ZipFile(io.BytesIO(blank)) as b:
        assert all(a.read(n) == b.read(n) for n in a.namelist())
    v = {("输入 表", (2, 2)): 1.5}
    assert p.render(v) == WorkbookPatcher(tpl, TARGETS).render(v)


def test_formula_cells_are_never_targets():
    with pytest.raises(XlsxError, match="B4"):
        WorkbookPatcher(template(), [("输入 表", (4, 2))])
    with pytest.raises(XlsxError, match="没有工作表"):
        WorkbookPatcher(template(), [("不存在", (1, 1))])


@pytest.mark.parametrize("text, sheet, first, last", [
    ("'基础数据'!$B$5", "基础数据", (5, 2), (5, 2)),
    ("项目明细!$B$5:$B$204", "项目明细", (5, 2), (204, 2)),
    ("'it''s'!A1:C2", "it's", (1, 1), (2, 3)),
])
def test_parse_area(text, sheet, first, last):
    area = parse_area(text)
    assert (area.sheet, area.first, area.last) == (sheet, first, last)


def test_parse_area_rejects_non_areas():
    assert parse_area('"dept-overall-annex1"') is None
    assert parse_area("SUM(A1:A3)") is None

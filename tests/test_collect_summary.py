"""The streamed 汇总 workbook looks as the in-memory one did: compared, cell by cell and
feature by feature, with tests/fixtures/collect_summary/reference.xlsx, written by the
in-memory build_summary of main at 1617cf3 (see tests/collect_summary_cases.py)."""

import io
import zipfile

import openpyxl
import pytest

from tests.collect_summary_cases import FAILED, REFERENCE, departments
from xl_eval.batch import collect as col
from xl_eval.framework.model import load


@pytest.fixture(scope="module")
def fw():
    return load()


@pytest.fixture(scope="module")
def new(fw):
    return col.build_summary(fw, departments(fw), FAILED, True)


def _look(ws):
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            cells[c.coordinate] = (c.value, c.data_type, c.number_format, c.font.bold, c.font.name, c.font.sz,
                                   c.fill.fgColor.rgb if c.fill.fill_type else None,
                                   c.border.left.style, c.border.bottom.style, c.alignment.wrap_text,
                                   c.alignment.horizontal)
    return cells


def _layout(ws):
    return ({k: d.width for k, d in ws.column_dimensions.items() if d.width},
            ws.auto_filter.ref, ws.freeze_panes, ws.print_title_rows, ws.print_area,
            ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage,
            ws.page_margins.left, ws.page_margins.top, ws.print_options.horizontalCentered,
            ws.oddFooter.center.text)


def _heights(data: bytes, sheet: int):
    """(row, ht, customHeight) straight from the sheet XML (openpyxl's reader invents customHeight)."""
    import re
    xml = zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{sheet}.xml").decode()
    return [(int(r), ht, "customHeight" in tag) for tag, r, ht in
            re.findall(r'(<row r="(\d+)"(?: [^>]*?ht="([^"]+)")?[^>]*>)', xml) if ht]


def test_streamed_summary_looks_as_the_in_memory_one(new):
    old_wb = openpyxl.load_workbook(REFERENCE)
    new_wb = openpyxl.load_workbook(io.BytesIO(new))
    assert new_wb.sheetnames == old_wb.sheetnames == ["汇总", "等级分布", "未能汇总"]
    for name in old_wb.sheetnames:
        assert _look(new_wb[name]) == _look(old_wb[name]), name
        assert _layout(new_wb[name]) == _layout(old_wb[name]), name
        old_charts, new_charts = old_wb[name]._charts, new_wb[name]._charts
        assert len(new_charts) == len(old_charts)
        for a, b in zip(new_charts, old_charts):
            assert [s.val.numRef.f for s in a.series] == [s.val.numRef.f for s in b.series]
            assert [s.cat.numRef.f if s.cat.numRef else s.cat.strRef.f for s in a.series] == \
                   [s.cat.numRef.f if s.cat.numRef else s.cat.strRef.f for s in b.series]
            assert a.anchor._from.row == b.anchor._from.row
    ref = REFERENCE.read_bytes()
    for i in (1, 2, 3):
        assert _heights(new, i) == _heights(ref, i)


def test_hand_checked_points(new):
    # independent of the reference: a name starting with "=" stays text, two charts, C2 frozen
    wb = openpyxl.load_workbook(io.BytesIO(new))
    ws = wb["汇总"]
    names = [ws.cell(r, 2) for r in range(2, ws.max_row + 1)]
    evil = [c for c in names if str(c.value).startswith("=")]
    assert evil and all(c.data_type == "s" for c in evil)
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:") and ws.auto_filter.ref.endswith("13")
    assert len(wb["等级分布"]._charts) == 2
    heights = _heights(new, 1)
    assert heights[0] == (1, "24", True) and all(not custom for r, _, custom in heights[1:])


def test_same_input_same_bytes_and_an_iterator_is_accepted(fw, new):
    assert col.build_summary(fw, iter(departments(fw)) and departments(fw), FAILED, True) == new
    assert list(col.rows(fw, departments(fw), True)) and not isinstance(col.rows(fw, [], True), list)


def test_csv_is_streamed_a_row_at_a_time(fw):
    # header + 12 rows, each its own chunk; the BOM once, at the start
    chunks = list(col.csv_chunks(fw, departments(fw), True))
    assert len(chunks) == 13 and chunks[0].startswith("\ufeff名次,".encode())
    assert all(not c.startswith(b"\xef\xbb\xbf") and c.endswith(b"\r\n") for c in chunks[1:])
    assert b"'=HYPERLINK" in b"".join(chunks)

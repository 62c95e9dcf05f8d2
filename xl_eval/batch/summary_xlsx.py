"""The 汇总 workbook of `xl-eval collect`, streamed (openpyxl write-only mode).

Rows go to openpyxl's temporary sheet file as they are made, so the memory is
flat in the number of departments (the in-memory workbook cost about 9 KiB a
row).  Write-only mode fixes an order: column widths, frozen panes and page
setup before the first row, a row's height just before that row; the
autofilter, print titles and charts may follow the rows.
"""

from __future__ import annotations

from typing import Any, Iterable


def _autofit_row():
    from openpyxl.worksheet.dimensions import RowDimension

    class AutofitRow(RowDimension):
        """A row height without customHeight: Excel and WPS refit the row to its text."""
        @property
        def customHeight(self):
            return False
    return AutofitRow


def build_summary(fw, depts, failed: list[tuple[str, str]], with_findings: bool) -> bytes:
    """The summary workbook, print-ready: A4, borders, headers on one line, rows as tall
    as their texts, each chart whole on one page."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.dimensions import RowDimension
    from openpyxl.worksheet.worksheet import Worksheet

    from xl_eval.batch.collect import (DIST_SHEET, FAILED_SHEET, SUMMARY_SHEET, UNFINISHED, _axes, _set,
                                       columns, distribution, rows)
    from xl_eval.forms.common import row_height, text_width
    from xl_eval.forms.scoresheet.template import workbook_bytes

    AutofitRow = _autofit_row()
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="等线", size=10)      # the size row_height measures for
    bold = Font(name="等线", size=10, bold=True)
    fill = PatternFill("solid", fgColor="D9E1F2")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="center", wrap_text=True)

    def fitted(header: list[str], widths: list[float]) -> list[float]:
        return [max(w, text_width(h) + 2) for h, w in zip(header, widths)]

    def set_widths(ws, widths: list[float]) -> None:
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = w

    def append(ws, cells: list, height: float, autofit: bool) -> None:
        n = ws._xe_rows = getattr(ws, "_xe_rows", 0) + 1
        # the height must be known when the row is written; dropped after (not held per row)
        ws.row_dimensions[n] = (AutofitRow if autofit else RowDimension)(ws, index=n, ht=height)
        ws.append(cells)
        del ws.row_dimensions[n]

    def table(ws, header: list[str], body: Iterable[list[Any]], widths: list[float],
              centred: tuple[str, ...] = (), formats: dict[int, str] | None = None,
              blank_formats: bool = False) -> int:
        """Header and body with borders, rows as tall as their text; the number of body rows.
        *formats*: column index (1-based) → number format, for the cells holding a value
        (or every cell with *blank_formats*)."""
        formats = formats or {}
        head = []
        for h in header:
            c = WriteOnlyCell(ws)
            _set(c, h)
            c.font, c.fill, c.alignment, c.border = bold, fill, centre, border
            head.append(c)
        append(ws, head, 24, autofit=False)
        n = 0
        for r in body:
            out = []
            for j, v in enumerate(r, 1):
                c = WriteOnlyCell(ws)
                _set(c, v)
                c.border, c.font = border, body_font
                c.alignment = wrap if isinstance(v, str) and header[j - 1] not in centred else centre
                if j in formats and (v is not None or blank_formats):
                    c.number_format = formats[j]
                out.append(c)
            append(ws, out, row_height([(v, widths[j]) for j, v in enumerate(r) if isinstance(v, str)]),
                   autofit=True)
            n += 1
        return n

    def a4(ws, landscape: bool, one_page: bool = False) -> None:
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, (1 if one_page else 0)
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SUMMARY_SHEET)
    header = columns(fw, with_findings)
    # 单位名称, 说明 and 文件 wrap (rows grow): narrow enough that a landscape page prints the
    # table near full size instead of shrinking it to fit a long path on one line
    widths = fitted(header, [6, 20] + [9] * (len(fw.level1) + 1) + [6] + ([8] if with_findings else [])
                    + [8, 22, 22])
    set_widths(ws, widths)
    ws.freeze_panes = "C2"
    a4(ws, landscape=True)
    ws.print_title_rows = "1:1"
    scores = {j: "0.00" for j in range(3, 3 + len(fw.level1) + 1)}
    n = table(ws, header, rows(fw, depts, with_findings), widths, centred=("等级", "状态"), formats=scores)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(n + 1, 2)}"

    ds = wb.create_sheet(DIST_SHEET)
    grades, unfinished, bins, done = distribution(fw, depts)
    grade_rows = [[name, text, k, k / done if done else None] for name, text, k in grades]
    grade_rows += [[UNFINISHED, "有待填写的输入项", unfinished, None], ["合计", "", len(depts), None]]
    grade_head, bins_head = ["等级", "总分范围", "单位数", "占比"], ["分数段", "单位数"]
    gw, bw = fitted(grade_head, [10, 20, 8, 9]), fitted(bins_head, [10, 20])
    # both tables share columns A and B: each column as wide as the wider of the two
    set_widths(ds, [max(a, b) for a, b in zip(gw, bw)] + gw[len(bw):])
    a4(ds, landscape=False, one_page=True)        # tables and both charts on one page
    table(ds, grade_head, grade_rows, gw, formats={4: "0.00%"}, blank_formats=True)
    grade_end = 1 + len(grades)
    ds._xe_rows += 1
    ds.append([])                                  # one blank row between the two tables
    bins_header = 2 + len(grade_rows) + 1
    table(ds, bins_head, [[label, k] for label, k in bins], bw)
    bins_end = bins_header + len(bins)

    chart = BarChart()
    chart.type = "col"
    chart.title = "总分分布"
    chart.y_axis.title = "单位数"
    chart.x_axis.title = "分数段"
    chart.add_data(Reference(ds, min_col=2, min_row=bins_header, max_row=bins_end), titles_from_data=True)
    chart.set_categories(Reference(ds, min_col=1, min_row=bins_header + 1, max_row=bins_end))
    _axes(chart)
    ds.add_chart(chart, f"A{bins_end + 3}")          # below the tables

    gchart = BarChart()
    gchart.type = "col"
    gchart.title = "等级分布"
    gchart.y_axis.title = "单位数"
    gchart.add_data(Reference(ds, min_col=3, min_row=1, max_row=grade_end), titles_from_data=True)
    gchart.set_categories(Reference(ds, min_col=1, min_row=2, max_row=grade_end))
    _axes(gchart)
    ds.add_chart(gchart, f"A{bins_end + 21}")
    ds.print_area = f"A1:F{bins_end + 38}"

    if failed:
        fs = wb.create_sheet(FAILED_SHEET)
        fw_widths = fitted(["文件", "原因"], [40, 70])
        set_widths(fs, fw_widths)
        a4(fs, landscape=False)
        fs.print_title_rows = "1:1"
        table(fs, ["文件", "原因"], [[shown, why] for shown, why in failed], fw_widths)

    return workbook_bytes(wb)

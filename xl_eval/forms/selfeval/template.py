"""Writing 项目支出绩效自评表 workbooks (looks only; positions and formulas are layout.py).

``build_workbook(spec, sheets)`` writes one sheet per project (``sheets`` is a
list of (sheet name, Layout, {cell: value})), a 填表说明 sheet and the hidden
``xl_eval`` sheet that records the framework and each sheet's group sizes.
``blank_workbook(spec)`` is the template (one empty 自评表 sheet).
Formulas use classic functions only (IF, AND, OR, NOT, ISNUMBER, ROUND, MIN,
MAX, SUM, COUNT), so Excel, WPS and LibreOffice compute them with nothing
installed.  Sheets are protected without a password: only the yellow cells
are meant to be typed in.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from copy import copy

from xl_eval.forms.selfeval import layout as L

FONT = "等线"
INPUT_FILL = "FFF2CC"
HEADER_FILL = "D9E1F2"
RESULT_FILL = "E2EFDA"
FIXED_TIME = _dt.datetime(2025, 1, 1)
TEMPLATE_SHEET = "自评表"
GUIDE_SHEET = "填表说明"
MONEY_LABELS = {"total": "年度资金总额", "current": "其中：当年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}


def guide_lines(spec: L.Spec) -> list[str]:
    sc = spec.scoring
    if sc.exec_proportional is None:
        bands = "；".join(f"{_range_text(b)} 得 {b.points:g} 分" for b in sc.exec_bands)
        exec_rule = f"执行率 = 全年执行数 ÷ 全年预算数，按区间得分：{bands}"
    else:
        exec_rule = (f"执行率 = 全年执行数 ÷ 全年预算数，得分 = 执行率 × {sc.exec_proportional:g}，"
                     f"最高 {sc.exec_points:g} 分（全年执行数不应超过全年预算数）")
    threshold = spec.blocks[0].pass_threshold
    if threshold is None:
        miss = "未完成的按完成率（≥：实际完成值 ÷ 年度指标值；≤：年度指标值 ÷ 实际完成值）× 分值记分"
    else:
        miss = (f"完成率低于 {threshold:.0%} 不得分，否则得分 =（完成率 − {threshold:.0%}）÷"
                f"（1 − {threshold:.0%}）× 分值")
    banded = [b for b in spec.blocks if b.actual_bands]
    tiers = "；".join(f"{name} {lo:.0%}～{hi:.0%}{'（含）' if top else '（不含）'}" for name, lo, hi, top in sc.tiers)
    return [
        f"{spec.title}",
        "黄色单元格填写，其余单元格自动计算（工作表已保护，无密码：审阅 › 撤销工作表保护）。",
        "项目资金：填写当年财政拨款、上年结转资金、其他资金的年初预算数、全年预算数、全年执行数（万元），年度资金总额自动合计。",
        exec_rule + "。执行率低于 90% 的，在右侧“执行偏差原因”中说明原因。",
        "绩效指标：每个二级指标下按行填写三级指标；指标性质填 ≥、≤、= 或 定性；年度指标值和实际完成值填数值"
        "（百分数可写 95%），计量单位单独一列。",
        "定量指标：完成年度指标值的得该指标全部分值；" + miss + "。完成率显示在“完成率”列。",
        *[f"{b.name}（定量）按实际完成值分档：" + "；".join(f"{_range_text(x)} 得分值的 {x.points:.0%}"
                                                     for x in b.actual_bands) + "。" for b in banded],
        f"定性指标：实际完成值填评定档次，定性评定比例填该档次内的得分比例（{tiers}）；得分 = 分值 × 比例。",
        "完成值明显高于指标值、未完成指标值或得分低于分值的，须在“偏差原因分析及改进措施”中说明。",
        "各一级指标下三级指标分值之和应等于该一级指标的分值；总分 = 预算执行率得分 + 各一级指标得分。",
        *weight_lines(spec),
        *over_target_lines(spec),
        "等级：" + "，".join(f"{name} ≥ {lo:g}" if lo != float("-inf") else f"{name} 其余" for lo, name in sc.grades),
        f"框架：{spec.framework_id} {spec.framework_version}（指纹 {spec.framework_hash}）",
    ]


def weight_lines(spec: L.Spec) -> list[str]:
    moved = [b for b in spec.blocks if b.adjustable]
    if not moved:
        return []
    rules = "，".join(f"{b.name} {b.weight_text}" for b in moved)
    return [f"一级指标分值可按框架调整（填在各小计行右侧的黄色格）：{rules}；预算执行率 "
            f"{spec.scoring.exec_points:g} 分不调整，全部分值合计应为 {spec.total_weight:g}。"
            "分值为 0 的一级指标不设指标行；调整不符合规定时，总分行右侧显示红字提示。"]


def over_target_lines(spec: L.Spec) -> list[str]:
    out = []
    for b in spec.blocks:
        if b.over_target is None:
            continue
        cut = f"扣 {b.over_deduct:g} 分（不低于 0）" if b.over_deduct else "不扣分，只需说明原因"
        out.append(f"{b.name}：完成率达到 {b.over_target:.0%} 以上（完成值远高于指标值，指标可能设置偏低）的，{cut}。")
    # one line when every block has the same rule
    return out[:1] if len(set(x.split("：", 1)[1] for x in out)) == 1 and out else out


def _range_text(b: L.ExecBand) -> str:
    lo = "" if b.lo == float("-inf") else f"{'≥' if b.lo_closed else '>'}{b.lo:.0%}"
    hi = "" if b.hi == float("inf") else f"{'≤' if b.hi_closed else '<'}{b.hi:.0%}"
    return "且".join(x for x in (lo, hi) if x) or "其余"


class _Styles:
    def __init__(self):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name=FONT, size=10)
        self.bold = Font(name=FONT, size=10, bold=True)
        self.title = Font(name=FONT, size=16, bold=True)
        self.input = PatternFill("solid", fgColor=INPUT_FILL)
        self.header = PatternFill("solid", fgColor=HEADER_FILL)
        self.result = PatternFill("solid", fgColor=RESULT_FILL)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.unlocked = Protection(locked=False)


def write_sheet(ws, lay: L.Layout, values: dict[str, object] | None = None,
                formats: dict[str, str] | None = None) -> None:
    """Write one 自评表 sheet: labels, formulas, input cells and `values`."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.merge import MergedCellRange
    st = _Styles()
    spec = lay.spec
    values = values or {}
    formats = formats or {}
    last = L.col_letter(L.LAST_COL)

    # openpyxl files every style assignment in the workbook's style lists (slow): style each
    # combination once and copy its StyleArray to the other cells.
    protos: dict[tuple, object] = {}

    def put(ref, value=None, *, bold=False, fill=None, align=None, fmt=None, unlocked=False):
        c = ws[ref]
        if value is not None:
            c.value = value
        align = align or st.center
        key = (bold, id(fill) if fill is not None else None, id(align), fmt, unlocked)
        proto = protos.get(key)
        if proto is not None:
            c._style = copy(proto)
            return c
        c.font = st.bold if bold else st.font
        c.alignment = align
        c.border = st.border
        if fill is not None:
            c.fill = fill
        if fmt:
            c.number_format = fmt
        if unlocked:
            c.protection = st.unlocked
        protos[key] = copy(c._style)
        return c

    def merge(first: str, last_: str):
        # ws.merge_cells also restyles the range's edge cells one by one (slow); box() below
        # gives every cell of the sheet its border instead.
        cr = MergedCellRange(ws, f"{first}:{last_}")
        ws.merged_cells.add(cr)
        for row, col in cr.cells:
            if (row, col) != (cr.min_row, cr.min_col):
                ws._cells[(row, col)] = MergedCell(ws, row, col)

    def box(r1, c1, r2, c2):
        plain = None
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                cell = ws.cell(row=r, column=c)
                if cell.has_style:
                    continue
                if plain is None:
                    cell.border = st.border
                    plain = copy(cell._style)
                else:
                    cell._style = copy(plain)

    for col, w in L.WIDTHS.items():
        ws.column_dimensions[L.col_letter(col)].width = w

    # title and header
    ws["A1"] = "项目支出绩效自评表"
    ws["A1"].font = st.title
    ws["A1"].alignment = st.center
    merge("A1", f"{last}1")
    ws.row_dimensions[1].height = 30
    put(L.HEADER_CELLS["year"], fill=st.input, fmt='"（"0"年度）";;"（    年度）"', unlocked=True)
    merge(L.HEADER_CELLS["year"], f"{last}{L.ROW_YEAR}")
    for row, (l1, k1, l2, k2) in ((L.ROW_NAME, ("项目名称", "name", "项目编码", "code")),
                                  (L.ROW_DEPT, ("主管部门", "department", "实施单位", "unit"))):
        put(f"A{row}", l1, bold=True, fill=st.header)
        merge(f"A{row}", f"B{row}")
        put(f"C{row}", fill=st.input, align=st.left, unlocked=True)
        merge(f"C{row}", f"H{row}")
        put(f"I{row}", l2, bold=True, fill=st.header)
        merge(f"I{row}", f"J{row}")
        put(f"K{row}", fill=st.input, align=st.left, unlocked=True)
        merge(f"K{row}", f"{last}{row}")
        ws.row_dimensions[row].height = 22
        _ = k1, k2

    # money block
    r0 = L.ROW_MONEY_HEAD
    put(f"A{r0}", "项目资金（万元）", bold=True, fill=st.header)
    merge(f"A{r0}", f"A{L.MONEY_ROWS['other']}")
    put(f"B{r0}", "", fill=st.header)
    merge(f"B{r0}", f"D{r0}")
    for col, text in ((L.COL_M_INITIAL, "年初预算数"), (L.COL_M_FULL, "全年预算数"), (L.COL_M_EXEC, "全年执行数"),
                      (L.COL_M_POINTS, "分值"), (L.COL_M_RATE, "执行率"), (L.COL_M_SCORE, "得分"),
                      (L.COL_M_REASON, "执行偏差原因（执行率低于90%时填写）")):
        put(L.a1(col, r0), text, bold=True, fill=st.header)
    merge(L.a1(L.COL_M_REASON, r0), f"{last}{r0}")
    for source, row in L.MONEY_ROWS.items():
        put(f"B{row}", MONEY_LABELS[source], bold=source == "total", align=st.left)
        merge(f"B{row}", f"D{row}")
        for stage, col in L.STAGE_COLS.items():
            put(L.a1(col, row), fmt="#,##0.00", fill=None if source == "total" else st.input,
                unlocked=source != "total")
        put(L.a1(L.COL_M_POINTS, row), spec.scoring.exec_points if source == "total" else "—")
        put(L.a1(L.COL_M_RATE, row), fmt="0.00%")
        put(L.a1(L.COL_M_SCORE, row), None if source == "total" else "—", fmt="0.00",
            fill=st.result if source == "total" else None)
    put(lay.exec_reason_cell, fill=st.input, align=st.left, unlocked=True)
    merge(lay.exec_reason_cell, f"{last}{L.MONEY_ROWS['other']}")

    # 年度总体目标
    g0, g1 = L.ROW_GOAL_HEAD, L.ROW_GOAL
    put(f"A{g0}", "年度总体目标", bold=True, fill=st.header)
    merge(f"A{g0}", f"A{g1}")
    put(f"B{g0}", "预期目标", bold=True, fill=st.header)
    merge(f"B{g0}", f"G{g0}")
    put(f"H{g0}", "实际完成情况", bold=True, fill=st.header)
    merge(f"H{g0}", f"{last}{g0}")
    for ref, end in ((L.HEADER_CELLS["goal_expected"], f"G{g1}"), (L.HEADER_CELLS["goal_actual"], f"{last}{g1}")):
        put(ref, fill=st.input, align=st.left, unlocked=True)
        merge(ref, end)
    ws.row_dimensions[g1].height = 60

    # grid
    h = L.ROW_GRID_HEAD
    put(f"A{h}", "绩效指标", bold=True, fill=st.header)
    merge(f"A{h}", f"A{lay.grade_row}")
    for col, text in L.GRID_HEADERS.items():
        put(L.a1(col, h), text, bold=True, fill=st.header)
    ws.row_dimensions[h].height = 30
    dv_nature = DataValidation(type="list", formula1='"≥,≤,=,定性"', allow_blank=True,
                               promptTitle="指标性质", prompt="≥ 不低于；≤ 不高于；= 等于；定性")
    dv_share = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True,
                              promptTitle="定性评定比例", prompt="定性指标在所评档次内的得分比例，如 90%",
                              errorTitle="定性评定比例", error="应在 0% 到 100% 之间", showErrorMessage=True)
    dv_points = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                               errorTitle="分值", error="分值应为不小于 0 的数", showErrorMessage=True)
    tier_list = ",".join(t[0] for t in spec.scoring.tiers)
    for dv in (dv_nature, dv_share, dv_points):
        ws.add_data_validation(dv)
    for b in lay.blocks:
        put(L.a1(L.COL_L1, b.first), b.name, bold=True)
        if b.last > b.first:
            merge(L.a1(L.COL_L1, b.first), L.a1(L.COL_L1, b.last))
        put(L.a1(L.COL_L1, b.subtotal_row), f"{b.name}小计", bold=True, fill=st.result)
        merge(L.a1(L.COL_L1, b.subtotal_row), L.a1(L.COL_RATIO, b.subtotal_row))
        put(L.a1(L.COL_POINTS, b.subtotal_row), fmt="0.##", fill=st.result, bold=True)
        put(L.a1(L.COL_SCORE, b.subtotal_row), fmt="0.00", fill=st.result, bold=True)
        block = next(x for x in spec.blocks if x.code == b.code)
        label = f"分值（可调整为 {block.weight_text}）" if block.adjustable else "分值应为"
        put(L.a1(L.COL_REASON, b.subtotal_row), label, align=st.left)
        put(lay.weight_cell(b.code), block.allotment, fmt="0.##", bold=True,
            fill=st.input if block.adjustable else st.result, unlocked=block.adjustable)
        if block.adjustable:
            dv_points.add(lay.weight_cell(b.code))
    for g in lay.groups:
        put(L.a1(L.COL_L2, g.first), g.name)
        if g.last > g.first:
            merge(L.a1(L.COL_L2, g.first), L.a1(L.COL_L2, g.last))
    for r in lay.rows:
        row = r.row
        for col in L.ROW_INPUT_COLS:
            put(L.a1(col, row), fill=st.input, fmt="0%" if col == L.COL_SHARE else None, unlocked=True,
                align=st.left if col in (L.COL_NAME, L.COL_REASON, L.COL_EVIDENCE) else st.center)
        put(L.a1(L.COL_RATIO, row), fmt="0.00%")
        put(L.a1(L.COL_SCORE, row), fmt="0.00")
        dv_nature.add(L.a1(L.COL_NATURE, row))
        dv_share.add(L.a1(L.COL_SHARE, row))
        dv_points.add(L.a1(L.COL_POINTS, row))
        ws.row_dimensions[row].height = 20
    _ = tier_list
    t, g = lay.total_row, lay.grade_row
    put(f"B{t}", "总分", bold=True, fill=st.result)
    merge(f"B{t}", f"J{t}")
    put(lay.total_points_cell, fmt="0.##", bold=True, fill=st.result)
    put(lay.total_cell, fmt="0.00", bold=True, fill=st.result)
    put(f"B{g}", "自评等级", bold=True, fill=st.result)
    merge(f"B{g}", f"J{g}")
    put(lay.grade_cell, bold=True, fill=st.result)
    merge(lay.grade_cell, L.a1(L.COL_SCORE, g))
    for row in (t, g):
        put(L.a1(L.COL_REASON, row), align=st.left)
        merge(L.a1(L.COL_REASON, row), L.a1(L.LAST_COL, row))
    if any(b.adjustable for b in spec.blocks):
        from openpyxl.styles import Font
        ws[lay.weights_note_cell].font = Font(name=FONT, size=10, bold=True, color="C00000")
    box(1 + 1, 1, lay.last_row, L.LAST_COL)
    for ref, formula in L.formulas(lay).items():
        ws[ref].value = formula
    for ref, value in values.items():
        c = ws[ref]
        c.value = value
        if isinstance(value, str):
            c.data_type = "s"        # a text starting with "=" stays text, never a formula
    for ref, fmt in formats.items():
        ws[ref].number_format = fmt
    _fit_heights(ws, lay, values)
    _page_breaks(ws, lay)

    ws.freeze_panes = None
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ps = ws.page_setup
    ps.orientation = "landscape"
    ps.paperSize = ws.PAPERSIZE_A4
    ps.fitToWidth, ps.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_title_rows = f"{L.ROW_GRID_HEAD}:{L.ROW_GRID_HEAD}"


def _fit_heights(ws, lay: L.Layout, values: dict) -> None:
    """Row heights that show every wrapped text in full (nothing cut when printed)."""
    from xl_eval.forms.scoresheet.template import row_height
    W = L.WIDTHS

    def text(ref):
        v = values.get(ref)
        return "" if v is None else str(v)

    for r in lay.rows:
        cols = (L.COL_NAME, L.COL_TARGET, L.COL_ACTUAL, L.COL_REASON, L.COL_UNIT, L.COL_EVIDENCE)
        ws.row_dimensions[r.row].height = row_height([(text(L.a1(c, r.row)), W[c]) for c in cols], minimum=20)
    for g in lay.groups:                      # a long 二级 name in a short merged group
        need = row_height([(g.name, W[L.COL_L2])])
        have = sum(ws.row_dimensions[r].height for r in range(g.first, g.last + 1))
        if need > have:
            ws.row_dimensions[g.last].height += need - have
    goal_w = sum(W[c] for c in range(2, 8))
    real_w = sum(W[c] for c in range(8, L.LAST_COL + 1))
    ws.row_dimensions[L.ROW_GOAL].height = row_height(
        [(text(L.HEADER_CELLS["goal_expected"]), goal_w), (text(L.HEADER_CELLS["goal_actual"]), real_w)], minimum=48)
    reason_w = sum(W[c] for c in range(L.COL_M_REASON, L.LAST_COL + 1))
    need = row_height([(text(lay.exec_reason_cell), reason_w)])
    money_rows = [L.MONEY_ROWS[s] for s in ("current", "carryover", "other")]
    extra = max(0.0, need - 18 * 4)
    for row in money_rows + [L.MONEY_ROWS["total"]]:
        ws.row_dimensions[row].height = 18 + extra / 4


# A4 landscape, margins 0.4" / 0.5", scaled to the page width; a column unit prints as about 6.6 pt
# in LibreOffice (measured on this form; Excel prints it narrower and may add breaks of its own).
PAGE_WIDTH_PT, PAGE_HEIGHT_PT = (297 / 25.4 - 0.8) * 72, (210 / 25.4 - 1.0) * 72 - 20
COLUMN_UNIT_PT = 6.6


def _page_breaks(ws, lay: L.Layout) -> None:
    """Start a new page before a 一级 block (or, inside a block taller than a
    page, before a 二级 group) that would otherwise be cut by the page end."""
    from openpyxl.worksheet.pagebreak import Break
    scale = min(1.0, PAGE_WIDTH_PT / (sum(L.WIDTHS.values()) * COLUMN_UNIT_PT))
    page = PAGE_HEIGHT_PT / scale
    header = ws.row_dimensions[L.ROW_GRID_HEAD].height or 30

    def h(r):
        return ws.row_dimensions[r].height or 15

    used = sum(h(r) for r in range(1, L.FIRST_GRID_ROW))
    units = []                      # (first row, last row) that should not be split
    for b in lay.blocks:
        block_h = sum(h(r) for r in range(b.first, b.subtotal_row + 1))
        if block_h + header <= page:
            units.append((b.first, b.subtotal_row))
        else:
            groups = [g for g in lay.groups if g.block == b.code]
            units += [(g.first, g.last) for g in groups[:-1]] + [(groups[-1].first, b.subtotal_row)]
    units.append((lay.total_row, lay.grade_row))
    for first, last in units:
        size = sum(h(r) for r in range(first, last + 1))
        if used + size > page and used > header + 1:
            ws.row_breaks.append(Break(id=first - 1))
            used = header
        used += size


def b_allot(spec: L.Spec, code: str) -> float:
    return next(b.allotment for b in spec.blocks if b.code == code)


def build_workbook(spec: L.Spec, sheets: list[tuple[str, L.Layout, dict, dict]]):
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for name, lay, values, formats in sheets:
        write_sheet(wb.create_sheet(name), lay, values, formats)
    guide = wb.create_sheet(GUIDE_SHEET)
    from xl_eval.forms.scoresheet.template import row_height
    width = 100
    guide.column_dimensions["A"].width = width
    st = _Styles()
    for i, line in enumerate(guide_lines(spec), start=1):
        c = guide.cell(row=i, column=1, value=line)
        c.font = st.bold if i == 1 else st.font
        c.alignment = st.left
        guide.row_dimensions[i].height = row_height([(line, width)])
    guide.page_setup.paperSize = guide.PAPERSIZE_A4
    guide.page_setup.orientation = "landscape"
    guide.page_setup.fitToWidth, guide.page_setup.fitToHeight = 1, 0
    guide.sheet_properties.pageSetUpPr.fitToPage = True
    guide.protection.sheet = True
    meta = wb.create_sheet(L.META_SHEET)
    rows = [("form", L.FORM_ID), ("form_format", L.FORM_FORMAT), ("framework_id", spec.framework_id),
            ("framework_version", spec.framework_version), ("framework_hash", spec.framework_hash)]
    rows += [("sheet", name, L.sizes_text(lay.sizes)) for name, lay, _, _ in sheets]
    for row in rows:
        meta.append(list(row))
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.properties.creator = "xl-eval"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    return wb


def blank_workbook(spec: L.Spec):
    return build_workbook(spec, [(TEMPLATE_SHEET, L.layout(spec), {}, {})])


def workbook_bytes(wb) -> bytes:
    """Saved workbook with fixed zip timestamps (same input, same bytes)."""
    raw = io.BytesIO()
    wb.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, (2025, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()

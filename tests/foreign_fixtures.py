"""Build the seed report's tables the way an evaluator types them by hand.

``build_xlsx(path)``: a workbook made in Excel by hand: Annex 1 on sheet 打分表
with a three-row merged header (评价指标 over 一级/二级/三级, 三级 over 名称 |
权重（%）), level cells merged down their groups, the continuation rows where
the report splits a record over a page break, scores typed as numbers and
得分率 as text ("88.00%", "100.00 %"); Table 3 on 汇总 and the per-level
Tables 4, 5, 6 and 8 on their own sheets, with Table 4's 小计 one column off.

``build_docx(path)``: the report itself: title, the 资金安排 section with
Tables 1-2, chapters 三 and 四 with Tables 3-8, and Annex 1 as a Word table
(vertically merged level cells, the report's own header rows).

``fixed=True`` builds the same files with every inconsistency of the seed
corrected (see FIXES): a consistent table that must give no error.
"""

from __future__ import annotations

import copy
from pathlib import Path

from foreign_seed_data import ANNEX1, BODY

# Corrections that make the seed consistent: (where, old, new).  "annex:<leaf>:<col>"
# edits an Annex 1 cell (col = index in the printed row), "body" any paragraph,
# "table:<caption prefix>:<row>:<col>" a body table cell.
FIXES = [
    ("annex:财务合规性:5", "按事项完成进度支付资金的，得1分", "按事项完成进度支付资金的，得2分"),
    ("annex:财务合规性:5", "10%以内的，得1分", "10%以内的，得3分"),
    ("annex:财务合规性:5", "直至1分扣完为止", "直至3分扣完为止"),
    ("annex:预算调整率:5", "41-60%（含）", "40-60%（含）"),
    ("annex:预算调整率:5", "61-100%（含）", "60-100%（含）"),
    ("body", "41-60%（含），计1分；61-100%（含）", "40-60%（含），计1分；60-100%（含）"),
    ("annex:政府采购工作完成率:5", "得5分", "得3分"),
    ("annex:政府绩效落实:5", "如有，得4分", "如有，得6分"),
    ("annex:资产管理安全性:5", "是否完整；", "是否完整（1分）；"),
    ("annex:资产管理安全性:5", "是否合理；", "是否合理（1分）；"),
    ("annex:资产管理安全性:5", "是否规范；", "是否规范（1分）；"),
    ("annex:资产管理安全性:5", "是否账实相符；", "是否账实相符（1分）；"),
    ("annex:资产管理安全性:5", "足额上缴。", "足额上缴（1分）。"),
    ("annex:资产管理安全性:8", "截至2023年12月31日", "截至2024年12月31日"),
    ("annex:资产管理安全性:8", "的资产总额（账面净值，下同）为1277.591584万元", "的固定资产总额（账面净值，下同）为2452.53万元"),
    ("annex:“三公”经费控制率:8", "2023年“三公”", "2024年“三公”"),
    ("body", "在2023年各项履职工作", "在2024年各项履职工作"),
    ("body", "综上，程序合理性指标应当得分10分，根据打分标准扣除2分", "综上，预算编制指标应当得分10分，根据打分标准扣除2分"),
    ("body", "综上，目标设定指标", "综上，预算执行指标"),
    ("body", "综上，预算配置指标", "综上，预算管理指标"),
    ("body", "综上，预算执行指标应当得分24分", "综上，职责履行指标应当得分24分"),
    ("body", "综上，经济效益指标应当得分7分", "综上，民生福祉指标应当得分7分"),
    ("body", "其中一般公共预算拨款3579.54万元，政府性基金预算拨款5万元，国有资本经营预算拨款7.52万元",
     "其中一般公共预算拨款3453.26万元，国有资本经营预算拨款3.62万元，年初结转和结余135.18万元"),
    ("body", "项目支出年初预算数684.25万元，决算数921.73万元", "项目支出年初预算数684.25万元，决算数921.77万元"),
    ("table:表2:8:1", "129.86", "129.87"),
    ("table:表4:5:*", None, ("", "", "小计", "20.00", "17.40", "87.00%")),
    ("table:表7:0:1", "年初预算金额", "全年预算金额"),
]

# Annex 1 printed columns
L1, L2, NAME, WEIGHT, EXPL, CRIT, SCORE, RATE, FINDINGS, REASON = range(10)


def _clean(text: str) -> str:
    return text.replace("<p>", "").replace("</p>", "").strip()


def annex_rows(fixed: bool = False) -> list[list[str]]:
    """Annex 1 as printed (title, 3 header rows, data rows, total, grade, note)."""
    rows = [[_clean(c) for c in r] for r in ANNEX1]
    if fixed:
        for where, old, new in FIXES:
            if not where.startswith("annex:"):
                continue
            _, leaf, col = where.split(":")
            row = next(r for r in rows if r[NAME] == leaf)
            assert old in row[int(col)], (where, old)
            row[int(col)] = row[int(col)].replace(old, new)
        # the criteria the report printed in the 指标解释 column go to 评分标准
        row = next(r for r in rows if r[NAME] == "预算编制规范性")
        row[CRIT], row[EXPL] = row[EXPL], "部门（单位）预算编制是否符合财政部门当年度关于预算编制的各项原则和要求。"
    return rows


def body_items(fixed: bool = False) -> list:
    items = copy.deepcopy(BODY)
    if not fixed:
        return items
    for where, old, new in FIXES:
        if where == "body":
            hits = [i for i, x in enumerate(items) if isinstance(x, str) and old in x]
            assert hits, old
            for i in hits:
                items[i] = items[i].replace(old, new)
        elif where.startswith("table:"):
            _, prefix, r, c = where.split(":")
            table = next(x for x in items if isinstance(x, dict) and x["caption"].startswith(prefix))
            rows = [list(row) for row in table["rows"]]
            if c == "*":
                rows[int(r)] = list(new)
            else:
                assert rows[int(r)][int(c)] == old, (where, rows[int(r)])
                rows[int(r)][int(c)] = new
            table["rows"] = [tuple(row) for row in rows]
    return items


def _groups(rows: list[list[str]], col: int, start: int, stop: int) -> list[tuple[int, int]]:
    """(first, last) row indices of each group started by a non-blank cell in `col`."""
    out, first = [], None
    for i in range(start, stop):
        if rows[i][col]:
            if first is not None:
                out.append((first, i - 1))
            first = i
    if first is not None:
        out.append((first, stop - 1))
    return out


def _number(text: str):
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


# ------------------------------------------------------------------ xlsx

def build_xlsx(path: Path, fixed: bool = False) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    rows = annex_rows(fixed)
    wb = Workbook()
    ws = wb.active
    ws.title = "打分表"
    ws.append([rows[0][0]] + [None] * 9)
    ws.merge_cells("A1:J1")
    ws.append(["评价指标", None, None, None, "指标解释", "评分标准", "得分", "得分率", "完成情况", "扣分原因"])
    ws.append(["一级指标", "二级指标", "三级指标", None])
    ws.append([None, None, "名称", "权重（%）"])
    ws.merge_cells("A2:D2")
    for col in "EFGHIJ":
        ws.merge_cells(f"{col}2:{col}4")
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:D3")
    data = rows[4:]
    end = next(i for i, r in enumerate(data) if r[L1] == "合计")
    for r in data:
        out = [c or None for c in r]
        for col in (WEIGHT, SCORE):
            if out[col]:
                out[col] = _number(out[col])
        ws.append(out)
    first = 5
    for col, letter in ((L1, "A"), (L2, "B")):
        for a, b in _groups(data, col, 0, end):
            if b > a:
                ws.merge_cells(f"{letter}{first + a}:{letter}{first + b}")
    tot = first + end
    ws.merge_cells(f"A{tot}:C{tot}")
    ws.merge_cells(f"A{tot + 1}:D{tot + 1}")
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    for caption, sheet in (("表3", "汇总"), ("表4", "决策"), ("表5", "过程"), ("表6", "产出"), ("表8", "效益")):
        table = next(x for x in body_items(fixed) if isinstance(x, dict) and x["caption"].startswith(caption))
        ws2 = wb.create_sheet(sheet)
        ws2.append([table["caption"]])
        for r in table["rows"]:
            ws2.append([_number(c) if c else None for c in r])
    wb.save(path)
    return path


# ------------------------------------------------------------------ docx

def build_docx(path: Path, fixed: bool = False) -> Path:
    import docx

    d = docx.Document()
    for item in body_items(fixed):
        if isinstance(item, str):
            d.add_paragraph(item)
            continue
        if item["caption"]:
            d.add_paragraph(item["caption"])
        if item["unit"]:
            d.add_paragraph(item["unit"])
        rows = item["rows"]
        width = max(len(r) for r in rows)
        t = d.add_table(rows=len(rows), cols=width)
        for i, r in enumerate(rows):
            for j, text in enumerate(r):
                t.cell(i, j).text = text
    d.add_paragraph("附件 1：部门整体支出绩效评价指标体系打分表")
    rows = annex_rows(fixed)
    t = d.add_table(rows=len(rows), cols=10)
    for i, r in enumerate(rows):
        for j, text in enumerate(r):
            if text:
                t.cell(i, j).text = text
    t.cell(0, 0).merge(t.cell(0, 9))
    # levels merged down their groups, the way Word's "merge cells" leaves them
    end = next(i for i, r in enumerate(rows) if r[L1] == "合计")
    for col in (L1, L2):
        for a, b in _groups(rows, col, 4, end):
            if b > a:
                text = rows[a][col]
                merged = t.cell(a, col).merge(t.cell(b, col))
                merged.text = text
    d.save(path)
    return path

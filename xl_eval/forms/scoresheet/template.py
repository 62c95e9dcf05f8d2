"""The Excel workbook template generated from a framework.

``build_workbook(fw)`` writes every sheet from ``layout.layout(fw)``: this
module decides how things look (texts, fonts, widths, validation, protection,
print setup); layout.py decides where they are and what the formulas say.
The workbook computes with native formulas only (see layout.ALLOWED_FUNCTIONS),
so it works in Excel, WPS and LibreOffice with nothing installed.

``build_workbook(fw, formulas="udf")`` is the same workbook whose scoring
cells call the XE_ functions of xl_eval.udfs instead (see layout.py), plus an
``xlwings.conf`` sheet (A1 ``UDF Modules``, B1 ``xl_eval.udfs``) so an Excel
with the xlwings add-in computes it live.  It is an .xlsx without VBA: the
user saves it as .xlsm and imports the functions (README).

``write_template(fw, path)`` saves it atomically and deterministically: fixed
document properties and fixed zip timestamps, so regenerating from the same
framework gives the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import tempfile
import zipfile
from pathlib import Path

from xl_eval.forms.common import line_count, list_validation, row_height, set_text, text_width  # noqa: F401
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.criteria import printed_criteria, source_note
from xl_eval.framework.model import INPUT_GROUPS, NO, YES, Framework, Input

DEFAULT_FILENAME = "部门整体支出绩效评价打分表.xlsx"
FIXED_TIME = _dt.datetime(2025, 1, 1, 0, 0, 0)
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)

FONT_NAME = "等线"
BODY_SIZE = 10
# Column widths (Excel units) of the sheets whose rows fit their texts; fill sizes
# the rows it writes from the same numbers (print_fit).
BASE_WIDTHS = {"A": 30, "B": 18, "C": 7, "D": 22, "E": 52, "F": 24, "G": 12, "H": 22}
PROJECT_WIDTHS = {"A": 7, "B": 44, "C": 16, "D": 16, "E": 11, "F": 11}
SCORE_WIDTHS = {"A": 7, "B": 9, "C": 12, "D": 8.5, "E": 30, "F": 48, "G": 8, "H": 9, "I": 34, "J": 26}   # depth 3
INPUT_FILL = "FFF2CC"      # light yellow: cells to fill
HEADER_FILL = "D9E1F2"
GROUP_FILL = "EDEDED"
RESULT_FILL = "E2EFDA"     # light green: key results
WARN_FILL = "F8CBAD"       # conditional formatting: reason missing
# Number formats of the input cells (基础数据 column B) by input kind.
INPUT_FORMATS = {"amount": L.FMT_AMOUNT, "count": L.FMT_INT, "year": L.FMT_INT, "score": L.FMT_GENERAL,
                 "percent": L.FMT_PCT, "decimal": L.FMT_GENERAL, "date": L.FMT_DATE}
KIND_LABEL = {"amount": "金额", "count": "数量", "choice": "选项", "yes_no": "是/否",
              "score": "酌情分值", "text": "文本", "year": "年度"}


class TemplateError(ValueError):
    """The template cannot be written (bad path, file exists ...)."""


# ------------------------------------------------------------------ public

def build_workbook(fw: Framework, *, formulas: str = "native"):
    """The template as an openpyxl Workbook.

    `formulas` selects how cells compute: "native" (classic Excel functions)
    or "udf" (the scoring cells call the XE_ xlwings functions).
    """
    lay = L.layout(fw, mode=formulas)
    return _Writer(fw, lay).write()


# Pre-built native templates, named by framework content hash: building one
# with openpyxl takes ~1 s, which every `fill` and `template` run would pay.
# tests/test_template.py proves each packaged file is exactly what
# build_workbook makes today; a framework edit changes the hash, so a stale
# file can never be picked up.
PACKAGED_DIR = Path(__file__).parent.parent / "packaged"


def template_bytes(fw: Framework, *, formulas: str = "native") -> bytes:
    """The template workbook's bytes: the packaged copy when there is one."""
    packaged = PACKAGED_DIR / f"{fw.content_hash}.xlsx"
    if formulas == "native" and packaged.is_file():
        return packaged.read_bytes()
    return workbook_bytes(build_workbook(fw, formulas=formulas))


def print_fit(fw: Framework) -> dict:
    """WorkbookPatcher options that keep a filled workbook's print whole: the column widths
    by which rows written with long text are made taller, and the 项目明细 print area
    narrowed to the projects written (`WorkbookPatcher(template, targets, **print_fit(fw))`)."""
    lay = L.layout(fw)
    p = lay.projects

    def numbered(widths: dict[str, float]) -> dict[int, float]:
        from xl_eval.xlsx.package import col_number
        return {col_number(k): v for k, v in widths.items()}
    fit = {"fit_widths": {L.SCORE: numbered(score_widths(lay.score.cols.depth)), L.BASE: numbered(BASE_WIDTHS)},
           "print_rows": {}}
    if lay.has_projects:
        fit["fit_widths"][L.PROJECTS] = numbered(PROJECT_WIDTHS)
        fit["print_rows"][L.PROJECTS] = (L.ProjCol.NAME, p.first, p.total)
    return fit


def fit_rows(wb, fw: Framework) -> None:
    """Grow the rows of an openpyxl workbook made from the template to the texts now in
    them (what print_fit does for fill), and narrow its 项目明细 print area."""
    fit = print_fit(fw)
    for sheet, widths in fit["fit_widths"].items():
        ws = wb[sheet]
        for row in ws.iter_rows():
            texts = [(c.value, widths[c.column]) for c in row
                     if isinstance(c.value, str) and c.column in widths and c.data_type == "s"
                     and c.coordinate not in ws.merged_cells]
            if texts:
                r = row[0].row
                need = row_height(texts)
                if (ws.row_dimensions[r].height or 0) < need:
                    ws.row_dimensions[r].height = need
    for sheet, (col, first, fallback) in fit["print_rows"].items():
        ws = wb[sheet]
        used = [r for r in range(first, ws.max_row + 1) if ws.cell(r, col).value not in (None, "")]
        area = ws.print_area[0] if isinstance(ws.print_area, (list, tuple)) else ws.print_area
        if area:
            ws.print_area = area.rsplit("$", 1)[0].split("!")[-1].replace("$", "") + str(max(used) if used else fallback)


def write_template(fw: Framework, path: str | Path, *, overwrite: bool = False,
                   formulas: str = "native") -> Path:
    """Write the template to `path` atomically (temp file + os.replace)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(str(path))
    data = template_bytes(fw, formulas=formulas)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".xl-eval-", suffix=".xlsx.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def workbook_bytes(wb) -> bytes:
    """The saved workbook with fixed zip timestamps (same input, same bytes)."""
    import shutil
    from openpyxl.xml.functions import tostring
    raw = io.BytesIO()
    wb.save(raw)              # openpyxl stamps "modified" with the current time here
    wb.properties.modified = FIXED_TIME
    core = tostring(wb.properties.to_tree())
    autofit = {f"xl/worksheets/sheet{i}.xml": rows
               for i, ws in enumerate(wb.worksheets, 1)
               if (rows := getattr(wb, "_xe_autofit_rows", {}).get(ws.title))}
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            if item.filename == "docProps/core.xml" or item.filename in autofit:
                data = core if item.filename == "docProps/core.xml" else zin.read(item.filename)
                if item.filename in autofit:
                    data = _drop_custom_height(data, autofit[item.filename])
                zout.writestr(info, data)
            else:       # copied in chunks: a streamed sheet of 10^4 rows is not held unpacked
                with zin.open(item) as src, zout.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 16)
    return out.getvalue()


def _drop_custom_height(xml: bytes, rows: set[int]) -> bytes:
    """The sheet XML with customHeight removed from the given rows (heights kept)."""
    import re

    def fix(m: re.Match) -> str:
        tag = m.group(0)
        return tag.replace(' customHeight="1"', "") if int(m.group(1)) in rows else tag
    return re.sub(r'<row r="(\d+)"[^>]*>', fix, xml.decode("utf-8")).encode("utf-8")


# ------------------------------------------------------------------ text helpers
# (shared with the other forms: xl_eval/forms/common.py)

DEFAULT_LEVEL_NAMES = ("一级指标", "二级指标", "三级指标")


def level_names(fw: Framework, depth: int | None = None) -> tuple[str, ...]:
    """The framework's names of the tree levels (一级指标 … by default), at least `depth`
    (default: the tree's depth) of them."""
    from xl_eval.framework.model import DEFAULT_LEVEL_NAMES as ALL
    names = tuple(getattr(fw, "level_names", ()) or DEFAULT_LEVEL_NAMES)
    depth = depth or max(fw.depth, 1)
    return (names + ALL[len(names):depth])[:max(depth, len(names))]


# The 打分表's name columns by tree depth; the columns after them are the same for every depth.
_LEVEL_WIDTHS = {1: (24,), 2: (9, 14), 3: (7, 9, 12), 4: (7, 8, 9, 12)}
_SCORE_REST = (8.5, 30, 48, 8, 9, 34, 26)


def score_widths(depth: int) -> dict[str, float]:
    from xl_eval.forms.scoresheet.layout import col_letter
    return {col_letter(i): w for i, w in enumerate(_LEVEL_WIDTHS[depth] + _SCORE_REST, 1)}


def weight_header(fw: Framework) -> str:
    """"权重（%）" when the points add up to 100, else "分值" (the column holds points)."""
    return "权重（%）" if fw.total_weight == 100 else "分值"


def summary_title(fw: Framework) -> str:
    base = fw.title[:-3] if fw.title.endswith("打分表") and len(fw.title) > 3 else fw.title
    return f"{base}得分汇总表"


def _limit(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ------------------------------------------------------------------ writer

class _Writer:
    def __init__(self, fw: Framework, lay: L.Layout):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
        self.fw, self.lay = fw, lay
        self.Alignment, self.Font, self.PatternFill = Alignment, Font, PatternFill
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.unlocked = Protection(locked=False)
        self.locked = Protection(locked=True)
        self.font = Font(name=FONT_NAME, size=BODY_SIZE)
        self.bold = Font(name=FONT_NAME, size=BODY_SIZE, bold=True)
        self.head = Font(name=FONT_NAME, size=11, bold=True)
        self.title = Font(name=FONT_NAME, size=16, bold=True)
        self.small = Font(name=FONT_NAME, size=9, color="595959")
        self.input_fill = PatternFill("solid", fgColor=INPUT_FILL)
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.group_fill = PatternFill("solid", fgColor=GROUP_FILL)
        self.result_fill = PatternFill("solid", fgColor=RESULT_FILL)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.wrap_center = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.center = Alignment(vertical="center", horizontal="center")
        self.left_mid = Alignment(vertical="center", wrap_text=True)

    def write(self):
        from openpyxl import Workbook
        wb = Workbook()
        wb.remove(wb.active)
        wb._xe_autofit_rows = {}
        self.wb = wb
        self.sheets = {name: wb.create_sheet(name) for name in self.lay.sheets}
        self.guide()
        self.base()
        if self.lay.has_projects:
            self.projects()
        if self.lay.row_blocks:
            self.row_blocks()
        self.scoresheet()
        self.summary()
        self.params()
        self.meta()
        if self.lay.mode == "udf":
            self.xlwings_conf()
        self.formulas()
        self.names()
        for name, ws in self.sheets.items():
            if name == L.XLWINGS_CONF:
                continue          # settings the user may extend (Interpreter ...): not protected
            ws.protection.sheet = True
            ws.protection.formatColumns = False   # allowed: widen columns
            ws.protection.formatRows = False      # allowed: taller rows for long texts
            ws.sheet_view.zoomScale = 100
        self.sheets[L.META].sheet_state = "hidden"
        wb.active = 0
        p = wb.properties
        p.creator = "xl-eval"
        p.lastModifiedBy = "xl-eval"
        p.created = FIXED_TIME
        p.modified = FIXED_TIME
        p.title = self.fw.title
        p.subject = f"{self.fw.id} {self.fw.version}"
        p.keywords = f"xl-eval {L.TEMPLATE_FORMAT} {self.fw.content_hash}" + (
            " udf" if self.lay.mode == "udf" else "")
        p.description = f"由 xl-eval 根据指标体系框架 {self.fw.id}（版本 {self.fw.version}，指纹 {self.fw.content_hash}）生成"
        return wb

    # -- cell helpers
    def put(self, ws, row: int, col: int, value=None, *, font=None, fill=None, align=None, border=True,
            fmt: str | None = None):
        cell = ws.cell(row=row, column=col)
        if value is not None:
            set_text(cell, value)       # framework text is never a formula
        cell.font = font or self.font
        if fill is not None:
            cell.fill = fill
        if align is not None:
            cell.alignment = align
        if border:
            cell.border = self.border
        if fmt:
            cell.number_format = fmt
        return cell

    def merge(self, ws, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    ws.cell(row=r, column=c).border = self.border
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)

    def note(self, text: str):
        """A cell note (comment) sized to show all of `text`."""
        from openpyxl.comments import Comment
        width = 60.0                                  # column units of the note box
        lines = line_count(text, width * 0.75)        # Excel draws notes; line_count counts LibreOffice's lines
        return Comment(text, "xl-eval", height=int(lines * 15 + 20), width=int(width * 7))

    def autofit(self, ws, row: int) -> None:
        """Leave customHeight off `row` (workbook_bytes drops it): Excel and WPS then fit the
        row again when an evaluator types into it; the stored height holds until then."""
        self.wb._xe_autofit_rows.setdefault(ws.title, set()).add(row)

    def fitted(self, text: str, width: float):
        """Centred; wrapped when `text` needs more than one line of `width`."""
        return self.center if line_count(text, width) <= 1 else self.wrap_center

    def input_cell(self, ws, ref: L.Ref, fmt: str | None = None, align=None):
        cell = self.put(ws, ref.row, ref.col, fill=self.input_fill, fmt=fmt, align=align or self.left_mid)
        cell.protection = self.unlocked
        return cell

    def widths(self, ws, widths: dict[str, float]) -> None:
        for col, w in widths.items():
            ws.column_dimensions[col].width = w

    def validation(self, ws, sqref: str, *, type=None, operator=None, formula1=None, formula2=None,
                   title: str, prompt: str, error: str | None = None):
        from openpyxl.worksheet.datavalidation import DataValidation
        dv = DataValidation(type=type, operator=operator, formula1=formula1, formula2=formula2,
                            allow_blank=True, showInputMessage=True, showErrorMessage=type is not None,
                            promptTitle=_limit(title, 32), prompt=_limit(prompt, 250))
        if error:
            dv.errorTitle = "输入有误"
            dv.error = _limit(error, 250)
            dv.errorStyle = "stop"
        ws.add_data_validation(dv)
        dv.add(sqref)
        return dv

    def print_setup(self, ws, *, landscape: bool = True, title_rows: str | None = None) -> None:
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.page_margins.header = ws.page_margins.footer = 0.25
        ws.print_options.horizontalCentered = True
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        if title_rows:
            ws.print_title_rows = title_rows

    # -- sheets
    def guide(self) -> None:
        fw = self.fw
        ws = self.sheets[L.GUIDE]
        self.widths(ws, {"A": 16, "B": 110})
        rows: list[tuple[str, str]] = []
        rows.append(("框架", f"{fw.title}（框架代码 {fw.id}，版本 {fw.version}，指纹 {fw.content_hash}）"))
        if fw.source:
            rows.append(("来源", fw.source))
        if self.lay.mode == "udf":
            rows += self.udf_guide()
        rows.append(("如何填写", "① 在“基础数据”表的黄色单元格中逐项填写单位名称、评价年度、财务数据（单位：万元）、"
                                 "数量和评价判断。选中单元格可看到填写说明；填入不允许的值时会提示错误。"))
        rows.append(("", f"② 在“项目明细”表中可逐行填写项目（项目名称、全年预算金额、决算金额、是否完成），最多 {L.PROJECT_ROWS} 行；"
                         "执行率和合计自动计算。"))
        rows.append(("", f"③ “打分表”{f'（对应{fw.source}）' if fw.source else ''}的得分、得分率、累计得分和评价等级自动计算。请在“完成情况”“扣分原因”两栏填写核查情况；"
                         "得分低于权重而扣分原因为空时，扣分原因单元格显示为红色。"))
        rows.append(("", "“打分表”的“评分标准”一栏印的是本表实际采用的计分规则（由指标体系框架生成，与得分一致）；"
                         "原文的评分标准和对原文的处理见该单元格的批注（鼠标移到单元格上即可看到）。"))
        names = level_names(fw)
        below = "、".join(names[1:-1])
        if fw.subtotalled:
            rows.append(("", f"④ “汇总”表列出{names[0]}的权重、得分和得分率" + (f"以及{below}得分。" if below else "。")))
        else:
            rows.append(("", f"④ 本指标体系只有一级（{names[0]}），没有小计；“汇总”表列出合计和等级。"))
        rows.append(("", f"⑤ “评分参数”表列出每个{names[-1]}的子项、分值、分档界限（含/不含端点）、扣分标准、等级划分和比率分母为0时的取值，"
                         "以及每个子项的规则得分和子项得分。公式引用这些单元格，不在公式中写死数字。"))
        planned = fw.project_list.get("planned")
        completed = fw.project_list.get("completed")
        if planned or completed:
            labels = "、".join(f"“{fw.inputs[c].label}”" for c in (planned, completed) if c)
            rows.append(("项目数从何而来",
                         f"{labels}：在“基础数据”中填写的数字优先；留空时采用“项目明细”的统计（计划项目数 = 已填项目名称的行数，"
                         f"完成项目数 = “是否完成”为“是”的行数），“基础数据”的“计分采用值”一栏显示实际采用的数。"
                         f"两处都为空时，相关得分留空。项目超过 {L.PROJECT_ROWS} 个时，请直接在“基础数据”中填写项目数。"))
        defaults = [i for i in fw.inputs.values() if i.default is not None]
        if defaults:
            rows.append(("空白按默认值", "；".join(f"“{i.label}”空白时按 {i.default}" for i in defaults) + "。"))
        p = fw.precision
        rows.append(("得分如何计算",
                     f"比率先四舍五入到 {p.rate} 位小数（即百分数保留 {max(p.rate - 2, 0)} 位）再分档，看到的就是计分用的；"
                     f"子项得分四舍五入到 {p.score} 位小数后限制在 0 至子项分值之间（“从本指标中扣”的扣分项除外）；"
                     f"{names[-1]}得分为各子项得分之和，限制在 0 至权重之间后四舍五入到 {p.score} 位；"
                     + (f"{names[0]}小计为{names[-1]}得分之和，总分为{names[0][:2]}小计之和，四舍五入到 {p.total} 位；"
                      if fw.subtotalled else f"总分为各{names[0]}得分之和，四舍五入到 {p.total} 位；") +
                     f"得分率 = 得分 ÷ 权重，保留 {max(p.score_rate - 2, 0)} 位百分数。"
                     "四舍五入与 Excel 的 ROUND 函数相同（四舍五入，不是“银行家舍入”）。"))
        rows.append(("", "一票否决项填“是”时该指标得 0 分；可直接得分的情形（如涉密单位）填“是”时该指标得满分。"))
        rows.append(("", "有计分所需的项目未填写时，相关得分、小计、总分和等级显示为空白（不会显示为 0），填齐后自动出现。"))
        from xl_eval.framework.describe import zero_outcome_text
        zero = "；".join(f"{r.name}：分子为0时{zero_outcome_text(r.zero_numerator_zero)}，"
                        f"分子不为0时{zero_outcome_text(r.zero_numerator_nonzero)}" for r in fw.rates.values())
        if zero:
            rows.append(("分母为0时", zero + "。无穷大显示为“∞”。"))
        rows.append(("评价等级", L.grade_text(fw) + "。"))
        rows.append(("工作表保护", "各工作表已保护但没有密码，防止误改公式；只有黄色单元格可以填写。可以调整行高和列宽"
                                  "（文字较长时请拉高行）。确需修改时可在“审阅”→“撤销工作表保护”后修改，但修改后的表格"
                                  "不再保证与指标体系一致。"))
        rows.append(("名称（供程序使用）", "每个填写单元格定义了与输入代码同名的名称（如 budget_initial，见“基础数据”最后一栏）；"
                                        f"{names[-1]}得分为 score_<指标代码>，得分率 scorerate_<指标代码>，子项得分 part_<指标代码>_<子项代码>，"
                                        f"比率 rate_<比率代码>，"
                                        + (f"{names[0][:2]}小计 subtotal_<代码>，" if fw.subtotalled else "")
                                        + "总分 total_score，等级 grade，"
                                        "完成情况 findings_<指标代码>，扣分原因 reason_<指标代码>。"))
        for note in fw.notes:
            rows.append(("对原文的处理", note))
        self.put(ws, 1, 1, f"{fw.title} —— 填表说明", font=self.title, border=False)
        ws.row_dimensions[1].height = 30
        r = 3
        prev = None
        for label, text in rows:
            shown = "" if label == prev else label
            prev = label if label else prev
            self.put(ws, r, 1, shown or None, font=self.bold, align=self.wrap)
            self.put(ws, r, 2, text, align=self.wrap)
            ws.row_dimensions[r].height = row_height([(text, 110)])
            r += 1
        self.print_setup(ws, landscape=False)

    def udf_guide(self) -> list[tuple[str, str]]:
        """Rows of 填表说明 that only the udf variant has."""
        functions = "、".join(sorted(L.UDF_FUNCTIONS))
        rows = [
            ("XE 函数版", f"本工作簿的比率、{level_names(self.fw)[-1]}得分{'、自定义指标各行得分' if self.lay.row_blocks else ''}"
                          f"、四舍五入和评价等级调用 xl-eval 计分引擎的 Excel 函数（{functions}），"
                          "需要 Windows 桌面版 Excel 和 xlwings 加载项：① 命令提示符中运行 pip install \"xl-eval[xlwings]\" 和 "
                          "xlwings addin install；② Excel 信任中心勾选“信任对 VBA 工程对象模型的访问”；③ 将本文件另存为"
                          "“Excel 启用宏的工作簿（*.xlsm）”，在 VBA 编辑器（Alt+F11）“工具 › 引用”中勾选 xlwings；"
                          "④ 点击 xlwings 选项卡的“Import Functions”，再按 Ctrl+Alt+F9 全部重新计算。“xlwings.conf”工作表已设置 UDF Modules = "
                          f"{L.UDF_MODULE}。"),
            ("", "未安装或未导入函数时，这些单元格显示 #NAME?。WPS、LibreOffice 和没有 xlwings 的 Excel 请使用原生模板"
                 "（xl-eval template 不加 --udf 生成），两者的工作表、填写单元格、名称和计分结果相同。"),
            ("", "XE 函数无法计算时，单元格显示以“#错误：”开头的中文原因（如数字栏中填了文字）；有计分所需的项目未填写时显示空白。"
                 "“基础数据”的“计分采用值”一栏是各函数读取的值"
                 + ("；待定的权重从“打分表”权重栏读取" if self.fw.open_weights else "")
                 + ("；自定义指标从“自定义指标”表的填写区域读取" if self.lay.row_blocks else "") + "。"),
        ]
        path = next((m.value for m in self.lay.meta if m.name == L.FRAMEWORK_PATH), "")
        if path and L.shipped_name(self.fw):
            rows.append(("", f"XE 函数按 xl-eval 内置的框架 {path} 计分（隐藏工作表 xl_eval 中 framework_path 一行），"
                             "在其他装有 xl-eval 的电脑上无需修改。"))
        elif path:
            rows.append(("", f"XE 函数按框架文件 {path} 计分（隐藏工作表 xl_eval 中 framework_path 一行）。在其他电脑上使用时，"
                             "请取消隐藏该工作表、撤销保护，把路径改为该电脑上同一框架文件的位置。"))
        return rows

    def base(self) -> None:
        fw, lay = self.fw, self.lay
        ws = self.sheets[L.BASE]
        b = lay.base
        C = L.BaseCol
        widths = BASE_WIDTHS
        self.widths(ws, widths)
        self.put(ws, b.title, 1, "基础数据", font=self.title, border=False)
        self.put(ws, b.note, 1, "黄色单元格为填写项；金额单位为万元。选中单元格可看到填写说明。“计分采用值”为空白时按默认值或"
                                 "项目明细统计后实际用于计分的数。最后一栏为该单元格的名称（供批量填表和校验程序使用）。",
                 font=self.small, border=False, align=self.wrap)
        ws.merge_cells(start_row=b.note, start_column=1, end_row=b.note, end_column=8)
        ws.row_dimensions[b.note].height = 28
        for col, text in enumerate(["项目", "值", "单位", "允许值", "说明", "示例", "计分采用值", "名称（代码）"], 1):
            self.put(ws, b.header, col, text, font=self.head, fill=self.header_fill, align=self.wrap_center)
        from xl_eval.framework.describe import allowed_values
        for row, key in b.groups:
            self.put(ws, row, 1, INPUT_GROUPS[key], font=self.bold, fill=self.group_fill)
            self.merge(ws, row, 1, row, 8)
        for code, row in b.input_rows.items():
            inp = fw.inputs[code]
            cell = lay.inputs[code]
            allowed = allowed_values(inp)
            if inp.default is not None:
                allowed += f"；空白按 {inp.default}"
            self.put(ws, row, C.LABEL, inp.label + ("" if inp.required or inp.default is not None else "（选填）"),
                     align=self.left_mid)
            fmt = INPUT_FORMATS.get(inp.kind)
            self.input_cell(ws, cell.ref, fmt)
            self.put(ws, row, C.UNIT, inp.unit, align=self.center)
            self.put(ws, row, C.ALLOWED, allowed, align=self.left_mid)
            self.put(ws, row, C.HELP, inp.help, align=self.left_mid)
            example = "" if inp.example is None else str(inp.example)
            self.put(ws, row, C.EXAMPLE, example, align=self.left_mid)
            self.put(ws, row, C.EFFECTIVE, align=self.center)
            self.put(ws, row, C.CODE, code, font=self.small, align=self.left_mid)
            ws.row_dimensions[row].height = row_height([(inp.label, widths["A"]), (allowed, widths["D"]),
                                                        (inp.help, widths["E"]), (example, widths["F"])])
            self.input_validation(ws, inp, cell.ref)
        self.put(ws, b.rates_title, 1, "计算的比率（自动计算）", font=self.bold, fill=self.group_fill)
        self.merge(ws, b.rates_title, 1, b.rates_title, 8)
        for col, text in ((1, "比率"), (2, "值"), (3, "单位"), (4, "计算公式"), (8, "名称（代码）")):
            self.put(ws, b.rates_header, col, text, font=self.head, fill=self.header_fill, align=self.wrap_center)
        self.merge(ws, b.rates_header, 4, b.rates_header, 7)
        for code, row in b.rate_rows.items():
            rate = fw.rates[code]
            self.put(ws, row, 1, rate.name, align=self.left_mid)
            self.put(ws, row, 3, "%", align=self.center)
            self.put(ws, row, 4, rate.formula or rate.numerator.text + " / " + rate.denominator.text, align=self.left_mid)
            self.merge(ws, row, 4, row, 7)
            self.put(ws, row, 8, L.rate_name(code), font=self.small, align=self.left_mid)
            ws.row_dimensions[row].height = 22
        ws.freeze_panes = f"A{b.header + 1}"
        self.print_setup(ws, title_rows=f"{b.header}:{b.header}")

    def input_validation(self, ws, inp: Input, ref: L.Ref) -> None:
        from xl_eval.core.xlround import plain
        k = inp.kind
        title = inp.label
        prompt = inp.help or inp.label
        unit = f"（{inp.unit}）" if inp.unit else ""
        lo = inp.min if inp.min is not None else 0
        if k in ("amount", "score", "count", "year", "weight"):
            # Excel's validation types: decimal numbers or whole numbers.
            vtype, what = ("decimal", "数字") if k in ("amount", "score", "weight") else ("whole", "整数")
            if inp.max is not None:
                self.validation(ws, ref.coord, type=vtype, operator="between", formula1=plain(lo),
                                formula2=plain(inp.max), title=title, prompt=prompt,
                                error=f"“{inp.label}”应为 {plain(lo)} 到 {plain(inp.max)} 之间的{what}{unit}。")
            else:
                self.validation(ws, ref.coord, type=vtype, operator="greaterThanOrEqual", formula1=plain(lo),
                                title=title, prompt=prompt, error=f"“{inp.label}”应为不小于 {plain(lo)} 的{what}{unit}。")
        elif k in ("choice", "yes_no"):
            self.validation(ws, ref.coord, type="list", formula1=list_validation(inp.options), title=title, prompt=prompt,
                            error=f"“{inp.label}”请从下拉列表中选择：{'、'.join(inp.options)}。")
        elif k in ("percent", "decimal"):
            # A percent cell stores the fraction (95% = 0.95; typed 95 it becomes 95%), as the engine reads it.
            shown = (lambda x: f"{plain(x * 100)}%") if k == "percent" else plain
            what = "百分数（如 95%）" if k == "percent" else f"数字{unit}"
            lo_t, hi_t = (inp.min, inp.max)
            if lo_t is not None and hi_t is not None:
                op, f1, f2, text = "between", plain(lo_t), plain(hi_t), f"{shown(lo_t)} 到 {shown(hi_t)} 之间的{what}"
            elif lo_t is not None:
                op, f1, f2, text = "greaterThanOrEqual", plain(lo_t), None, f"不小于 {shown(lo_t)} 的{what}"
            elif hi_t is not None:
                op, f1, f2, text = "lessThanOrEqual", plain(hi_t), None, f"不大于 {shown(hi_t)} 的{what}"
            else:
                op, f1, f2, text = "between", "-1E+15", "1E+15", what
            self.validation(ws, ref.coord, type="decimal", operator=op, formula1=f1, formula2=f2, title=title,
                            prompt=prompt, error=f"“{inp.label}”应为{text}。")
        elif k == "date":
            # Excel serial day numbers (1900-01-01 .. 9999-12-31), what the engine's dates are.
            self.validation(ws, ref.coord, type="date", operator="between", formula1="1", formula2="2958465",
                            title=title, prompt=prompt + "（日期，如 2024-12-31）",
                            error=f"“{inp.label}”应为日期，如 2024-12-31 或 2024年12月31日。")
        else:  # text
            self.validation(ws, ref.coord, type="textLength", operator="lessThanOrEqual", formula1="255",
                            title=title, prompt=prompt, error=f"“{inp.label}”不能超过 255 个字符。")

    def adjust_validation(self, ws, leaf, ref: L.Ref) -> None:
        """An adjustable weight: one of its values (a list) or a number in its range."""
        from xl_eval.core.xlround import plain
        adj = leaf.adjust
        title = f"{leaf.name}权重"
        prompt = (f"默认 {plain(leaf.weight)}，可调整为 {adj.text()}；各指标权重之和应为 {plain(self.fw.total_weight)}。"
                  "清空时按默认值计分。")
        error = f"“{title}”可调整为 {adj.text()}。"
        if adj.values:
            self.validation(ws, ref.coord, type="list", formula1='"' + ",".join(plain(v) for v in adj.values) + '"',
                            title=title, prompt=prompt, error=error)
        else:
            self.validation(ws, ref.coord, type="decimal", operator="between", formula1=plain(adj.range.lo),
                            formula2=plain(adj.range.hi), title=title, prompt=prompt, error=error)

    def projects(self) -> None:
        lay = self.lay
        ws = self.sheets[L.PROJECTS]
        p = lay.projects
        C = L.ProjCol
        self.widths(ws, PROJECT_WIDTHS)
        self.put(ws, p.title, 1, "项目明细", font=self.title, border=False)
        note = ("逐行填写项目。“基础数据”中的计划项目数、完成项目数留空时，按本表计数："
                "计划项目数 = 已填项目名称的行数，完成项目数 = “是否完成”为“是”的行数；已在“基础数据”中填写的数字优先。")
        self.put(ws, p.note, 1, note, font=self.small, border=False, align=self.wrap)
        ws.merge_cells(start_row=p.note, start_column=1, end_row=p.note, end_column=6)
        ws.row_dimensions[p.note].height = 30
        heads = ["序号", "项目名称", "全年预算金额（万元）", "决算金额（万元）", "执行率", "是否完成"]
        for col, text in enumerate(heads, 1):
            self.put(ws, p.header, col, text, font=self.head, fill=self.header_fill, align=self.wrap_center)
        ws.row_dimensions[p.header].height = 30
        self.put(ws, p.total, C.NO, "合计", font=self.bold, align=self.center)
        for col in (C.NAME, C.BUDGET, C.FINAL, C.RATE, C.DONE):
            self.put(ws, p.total, col, font=self.bold, fill=self.result_fill, align=self.center)
        for i, row in enumerate(range(p.first, p.last + 1), 1):
            self.put(ws, row, C.NO, i, align=self.center)
            self.input_cell(ws, L.Ref(L.PROJECTS, row, C.NAME))
            self.input_cell(ws, L.Ref(L.PROJECTS, row, C.BUDGET), L.FMT_AMOUNT)
            self.input_cell(ws, L.Ref(L.PROJECTS, row, C.FINAL), L.FMT_AMOUNT)
            self.put(ws, row, C.RATE, align=self.center)
            self.input_cell(ws, L.Ref(L.PROJECTS, row, C.DONE), align=self.center)
        rng = lambda c: f"{L.col_letter(c)}{p.first}:{L.col_letter(c)}{p.last}"  # noqa: E731
        self.validation(ws, rng(C.NAME), type="textLength", operator="lessThanOrEqual", formula1="255",
                        title="项目名称", prompt="填写项目名称；计划项目数按已填项目名称的行数统计。",
                        error="项目名称不能超过 255 个字符。")
        for col, what in ((C.BUDGET, "全年预算金额"), (C.FINAL, "决算金额")):
            self.validation(ws, rng(col), type="decimal", operator="greaterThanOrEqual", formula1="0",
                            title=what, prompt=f"{what}，单位万元，不小于 0。", error=f"“{what}”应为不小于 0 的数字（万元）。")
        self.validation(ws, rng(C.DONE), type="list", formula1=f'"{YES},{NO}"', title="是否完成",
                        prompt="项目是否已完成：是 / 否。完成项目数按“是”的行数统计。",
                        error="“是否完成”请从下拉列表中选择：是、否。")
        ws.freeze_panes = f"A{p.first}"
        self.print_setup(ws, landscape=False, title_rows=f"{p.header}:{p.total}")
        # fill narrows this to the rows it writes (print_fit); the blank template prints them all
        ws.print_area = f"A1:{L.col_letter(C.DONE)}{p.last}"

    def row_blocks(self) -> None:
        """自定义指标: per block a title (the indicator and its points), a header, the rows the
        unit fills (spare rows stay blank and count for nothing), and the points check."""
        lay = self.lay
        ws = self.sheets[L.ROWS]
        letter = L.col_letter
        self.put(ws, 1, 1, "自定义指标", font=self.title, border=False)
        self.put(ws, 2, 1, "由被评价单位自行列出指标行：每行填写指标名称、指标性质、分值及计分所需的各项；"
                           "空行不计分。各行分值之和应等于该指标的分值，每行得分自动计算，合计后计入“打分表”。",
                 font=self.small, border=False, align=self.wrap)
        last_col = max(b.score_col for b in lay.row_blocks)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
        ws.row_dimensions[2].height = 30
        widths = {"A": 6}
        head = dict(font=self.head, fill=self.header_fill, align=self.wrap_center)
        field_width = {"name": 30, "nature": 9, "target": 11, "unit": 8, "actual": 11, "points": 8,
                       "tier": 11, "share": 9, "score": 9}
        from xl_eval.core.xlround import plain
        for b in lay.row_blocks:
            leaf, block = b.leaf, b.leaf.rows
            weight = (f"{plain(leaf.weight)}分" if leaf.weight is not None and not leaf.adjust else
                      f"默认 {plain(leaf.weight)}分，可调整为 {leaf.adjust.text()}，分值见“打分表”" if leaf.adjust else
                      "分值见“打分表”")
            self.put(ws, b.title, 1, f"{leaf.name}（{weight}，最多 {block.max_rows} 行）", font=self.bold,
                     fill=self.group_fill)
            self.merge(ws, b.title, 1, b.title, b.score_col)
            ws.row_dimensions[b.title].height = 22
            labels = {f.key: f.label for f in block.fields}
            self.put(ws, b.header, 1, "序号", **head)
            for key, col in b.columns:
                self.put(ws, b.header, col, labels[key], **head)
                w = field_width.get(key, 14)
                widths[letter(col)] = max(widths.get(letter(col), 0), w)
            self.put(ws, b.header, b.flag_col, "计入", **head)
            self.put(ws, b.header, b.score_col, "得分", **head)
            widths[letter(b.flag_col)] = max(widths.get(letter(b.flag_col), 0), 6)
            widths[letter(b.score_col)] = max(widths.get(letter(b.score_col), 0), 9)
            ws.row_dimensions[b.header].height = 30
            for i in range(1, block.max_rows + 1):
                r = b.row(i)
                self.put(ws, r, 1, i, align=self.center)
                for key, col in b.columns:
                    code = block.row_input(i, key)
                    cell = lay.inputs[code]
                    fmt = L.FMT_PCT if cell.kind == "percent" else None
                    self.input_cell(ws, cell.ref, fmt, align=self.wrap if key == "name" else self.center)
                    self.row_validation(ws, block, key, cell)
                self.put(ws, r, b.flag_col, align=self.center)
                self.put(ws, r, b.score_col, font=self.bold, align=self.center)
                ws.row_dimensions[r].height = 20
                self.autofit(ws, r)
            self.put(ws, b.check, 1, "合计", font=self.bold, align=self.center)
            self.merge(ws, b.check, 1, b.check, b.col("points") - 1)
            self.put(ws, b.check, b.col("points"), font=self.bold, align=self.center)
            self.put(ws, b.check, b.col("points") + 1, font=self.bold, align=self.left_mid)
            if b.col("points") + 1 < b.score_col:
                self.merge(ws, b.check, b.col("points") + 1, b.check, b.score_col)
            ws.row_dimensions[b.check].height = 22
        self.widths(ws, widths)
        self.print_setup(ws, title_rows=None)

    def row_validation(self, ws, block, key: str, cell) -> None:
        inp = cell.input
        if key == "nature":
            self.validation(ws, cell.ref.coord, type="list", formula1=list_validation(inp.options), title="指标性质",
                            prompt="≥ ≤ =：与年度指标值比较计分；定性：按达成情况分档；酌情：评价人员直接给分。",
                            error=f"请从下拉列表中选择：{'、'.join(inp.options)}。")
        elif key == "tier":
            self.validation(ws, cell.ref.coord, type="list", formula1=list_validation(inp.options), title="定性完成情况",
                            prompt="达成 / 部分达成 / 未达成", error=f"请从下拉列表中选择：{'、'.join(inp.options)}。")
        elif key in ("points", "score"):
            self.validation(ws, cell.ref.coord, type="decimal", operator="greaterThanOrEqual", formula1="0",
                            title=inp.label, prompt="不小于 0 的分值", error="应为不小于 0 的数字。")
        elif key == "share":
            self.validation(ws, cell.ref.coord, type="decimal", operator="between", formula1="0", formula2="1",
                            title="得分比例", prompt="档内得分比例，如 85%", error="应为 0% 到 100% 之间的百分数。")
        elif key in ("target", "actual"):
            self.validation(ws, cell.ref.coord, type="decimal", operator="between", formula1="-1E+300",
                            formula2="1E+300", title=inp.label, prompt="填写数字（百分比可写 95%）",
                            error="应为数字。")
        else:
            self.validation(ws, cell.ref.coord, type="textLength", operator="lessThanOrEqual", formula1="255",
                            title=inp.label, prompt=inp.label, error="不能超过 255 个字符。")

    def scoresheet(self) -> None:
        fw, lay = self.fw, self.lay
        ws = self.sheets[L.SCORE]
        s = lay.score
        C = s.cols
        widths = score_widths(C.depth)
        self.widths(ws, widths)
        letter = L.col_letter
        # title (a formula: 单位名称 + title), written by formulas()
        self.put(ws, s.title, 1, font=self.title, border=False, align=self.center)
        ws.merge_cells(start_row=s.title, start_column=1, end_row=s.title, end_column=C.REASON)
        ws.row_dimensions[s.title].height = 32
        h1, h2, h3 = s.header
        head = dict(font=self.head, fill=self.header_fill, align=self.wrap_center)
        names = level_names(fw, C.depth)
        if C.depth == 1:
            # a flat list: its one level name heads the name and weight columns (no 评价指标 above it)
            self.put(ws, h1, C.L1, names[0], **head)
            self.merge(ws, h1, C.L1, h2, C.WEIGHT)
        else:
            # the word over the level names; a system whose own level is 评价指标 must not read it twice
            self.put(ws, h1, C.L1, "指标体系" if "评价指标" in names else "评价指标", **head)
            self.merge(ws, h1, C.L1, h1, C.WEIGHT)
        for col, text in ((C.EXPLANATION, "指标解释"), (C.CRITERIA, "评分标准"), (C.SCORE, "得分"),
                          (C.RATE, "得分率"), (C.FINDINGS, "完成情况"), (C.REASON, "扣分原因")):
            self.put(ws, h1, col, text, **head)
            self.merge(ws, h1, col, h3, col)
        for level, col in enumerate(C.levels if C.depth > 1 else ()):
            self.put(ws, h2, col, names[level], **head)
            if col == C.LEAF:
                self.merge(ws, h2, C.LEAF, h2, C.WEIGHT)
            else:
                self.merge(ws, h2, col, h3, col)
        self.put(ws, h3, C.LEAF, "名称", **head)
        self.put(ws, h3, C.WEIGHT, weight_header(fw), **head)
        for r in s.header:
            ws.row_dimensions[r].height = 20
        heights: dict[int, float] = {}
        for leaf in fw.leaves:
            row = s.leaf_rows[leaf.code]
            col = C.levels[leaf.depth - 1]
            # a node scored above the last level spans the name columns down to it
            self.put(ws, row, col, leaf.name, font=self.bold if leaf.depth == 1 else None, align=self.wrap_center)
            self.merge(ws, row, col, row, C.LEAF)
            name_width = sum(widths[letter(c)] for c in range(col, C.LEAF + 1))
            if leaf.weight_input:
                cell = self.lay.inputs[leaf.weight_input]
                self.input_cell(ws, cell.ref, align=self.center)
                self.input_validation(ws, cell.input, cell.ref)
            elif leaf.adjust:
                cell = self.lay.inputs[leaf.adjust.input]
                self.input_cell(ws, cell.ref, align=self.center).value = leaf.weight
                self.adjust_validation(ws, leaf, cell.ref)
            else:
                self.put(ws, row, C.WEIGHT, leaf.weight, align=self.center)
            self.put(ws, row, C.EXPLANATION, leaf.explanation, align=self.wrap)
            rule_text = printed_criteria(fw, leaf)
            criteria = self.put(ws, row, C.CRITERIA, rule_text, align=self.wrap)
            criteria.comment = self.note(source_note(fw, leaf))
            self.put(ws, row, C.SCORE, font=self.bold, align=self.center)
            self.put(ws, row, C.RATE, align=self.center)
            for name in (L.findings_name(leaf.code), L.reason_name(leaf.code)):
                self.input_cell(ws, lay.notes[name].ref, align=self.wrap)
            heights[row] = row_height(
                [(leaf.name, name_width), (leaf.explanation, widths[letter(C.EXPLANATION)]),
                 (rule_text, widths[letter(C.CRITERIA)])])
            self.autofit(ws, row)
            self.validation(ws, lay.notes[L.findings_name(leaf.code)].ref.coord, title=f"{leaf.name}：完成情况",
                            prompt="填写核查发现的完成情况（事实、数据、依据）。文字较长时可拉高行。")
            self.validation(ws, lay.notes[L.reason_name(leaf.code)].ref.coord, title=f"{leaf.name}：扣分原因",
                            prompt="得分低于权重时必须填写扣分原因；未填写时本单元格显示为红色。")
        for node in fw.all_nodes():
            if node.leaf is not None:
                continue
            a, b = s.spans[node.code]
            col = C.levels[node.depth - 1]
            self.put(ws, a, col, node.name, font=self.bold if node.depth == 1 else None, align=self.wrap_center)
            self.merge(ws, a, col, b, col)
            # a long name in a short merged cell: the rows it spans grow together to fit it
            need = row_height([(node.name, widths[letter(col)])])
            have = sum(heights[r] for r in range(a, b + 1))
            if need > have + 0.01:
                extra = (need - have) / (b - a + 1)
                for r in range(a, b + 1):
                    heights[r] += extra
        for row, height in heights.items():
            ws.row_dimensions[row].height = height
        t = s.total
        self.put(ws, t, C.L1, "合计", font=self.bold, align=self.center)
        self.merge(ws, t, C.L1, t, C.LEAF)
        self.put(ws, t, C.WEIGHT, s.total_weight.value, font=self.bold, align=self.center)
        self.put(ws, t, C.EXPLANATION, "累计得分", font=self.bold, align=self.center)
        self.merge(ws, t, C.EXPLANATION, t, C.CRITERIA)
        self.put(ws, t, C.SCORE, font=self.bold, fill=self.result_fill, align=self.center)
        self.put(ws, t, C.RATE, font=self.bold, fill=self.result_fill, align=self.center)
        self.put(ws, t, C.FINDINGS)
        self.merge(ws, t, C.FINDINGS, t, C.REASON)
        g = s.grade
        self.put(ws, g, C.L1)
        self.merge(ws, g, C.L1, g, C.WEIGHT)
        self.put(ws, g, C.EXPLANATION, "评价等级", font=self.bold, align=self.center)
        self.merge(ws, g, C.EXPLANATION, g, C.CRITERIA)
        self.put(ws, g, C.SCORE, font=self.Font(name=FONT_NAME, size=12, bold=True), fill=self.result_fill,
                 align=self.center)
        self.merge(ws, g, C.SCORE, g, C.RATE)
        self.put(ws, g, C.FINDINGS)
        self.merge(ws, g, C.FINDINGS, g, C.REASON)
        n = s.note
        self.put(ws, n, C.L1, "备注说明", font=self.bold, align=self.center)
        self.merge(ws, n, C.L1, n, C.WEIGHT)
        self.put(ws, n, C.EXPLANATION, L.grade_text(fw), align=self.left_mid)
        self.merge(ws, n, C.EXPLANATION, n, C.REASON)
        for r in (t, g, n):
            ws.row_dimensions[r].height = 24
        if s.weight_check:
            w = s.weight_check
            self.put(ws, w, C.L1, "权重核对（应合计）", font=self.bold, align=self.center)
            self.merge(ws, w, C.L1, w, C.LEAF)
            self.put(ws, w, C.WEIGHT, s.required_weight.value, font=self.bold, align=self.center)
            self.put(ws, w, C.EXPLANATION, font=self.bold, align=self.left_mid)
            self.merge(ws, w, C.EXPLANATION, w, C.REASON)
            ws.row_dimensions[w].height = 36
            from openpyxl.formatting.rule import FormulaRule
            E = letter(C.EXPLANATION)
            ws.conditional_formatting.add(
                f"{E}{w}", FormulaRule(formula=[f'LEFT(${E}${w},5)<>"权重已设定"'],
                                       fill=self.PatternFill("solid", fgColor=WARN_FILL, bgColor=WARN_FILL)))
        # 扣分原因 missing while the score is below the weight
        from openpyxl.formatting.rule import FormulaRule
        first, last = min(s.leaf_rows.values()), max(s.leaf_rows.values())
        G, D, J = (letter(c) for c in (C.SCORE, C.WEIGHT, C.REASON))
        ws.conditional_formatting.add(
            f"{J}{first}:{J}{last}",
            FormulaRule(formula=[f"AND(ISNUMBER(${G}{first}),${G}{first}<${D}{first},LEN(TRIM(${J}{first}))=0)"],
                        fill=self.PatternFill("solid", fgColor=WARN_FILL, bgColor=WARN_FILL), stopIfTrue=False))
        ws.freeze_panes = f"A{h3 + 1}"
        self.print_setup(ws, title_rows=f"{h1}:{h3}")

    def summary(self) -> None:
        fw, lay = self.fw, self.lay
        ws = self.sheets[L.SUMMARY]
        s = lay.summary
        C = L.SumCol
        levels = s.node_levels
        weight_word = "权重" if fw.total_weight == 100 else "分值"
        self.widths(ws, {L.col_letter(c): w for c, w in enumerate((16, 16, 12, 12) if levels == 2
                                                                   else (14, 14, 14, 12, 12), 1)})
        self.put(ws, s.title, 1, summary_title(fw), font=self.head, border=False)
        ws.row_dimensions[s.title].height = 26
        for col, text in enumerate(["评价指标", weight_word, "得分", "得分率"], 1):
            self.put(ws, s.header, col, text, font=self.head, fill=self.header_fill, align=self.wrap_center)
        for l1 in fw.subtotalled:
            row = s.l1_rows[l1.code]
            self.put(ws, row, C.NAME, l1.name, align=self.fitted(l1.name, 16))
            self.put(ws, row, C.WEIGHT, s.l1_weights[l1.code].value, align=self.center)
            self.put(ws, row, C.SCORE, align=self.center)
            self.put(ws, row, C.RATE, align=self.center)
            ws.row_dimensions[row].height = max(20, row_height([(l1.name, 16)]))
        self.put(ws, s.total, C.NAME, "合计", font=self.bold, align=self.center)
        self.put(ws, s.total, C.WEIGHT, s.total_weight.value, font=self.bold, align=self.center)
        self.put(ws, s.total, C.SCORE, font=self.bold, fill=self.result_fill, align=self.center)
        self.put(ws, s.total, C.RATE, font=self.bold, fill=self.result_fill, align=self.center)
        self.put(ws, s.grade, C.NAME, "等级", font=self.bold, align=self.center)
        self.put(ws, s.grade, C.WEIGHT)
        self.put(ws, s.grade, C.SCORE, font=self.bold, fill=self.result_fill, align=self.center)
        self.merge(ws, s.grade, C.SCORE, s.grade, C.RATE)
        if not s.node_rows:
            for row in range(s.header, s.grade + 1):
                if ws.row_dimensions[row].height is None:
                    ws.row_dimensions[row].height = 20
            self.print_setup(ws, landscape=False)
            return
        names = level_names(fw, levels + 1)
        self.put(ws, s.l2_title, 1, "、".join(names[1:levels]) + "得分", font=self.head, border=False)
        heads = list(names[:levels]) + [weight_word, "得分"]
        for col, text in enumerate(heads, 1):
            self.put(ws, s.l2_header, col, text, font=self.head, fill=self.header_fill, align=self.wrap_center)
        weight_col, score_col = levels + 1, levels + 2
        for node in fw.all_nodes():
            if node.code not in s.node_rows:
                continue
            row = s.node_rows[node.code]
            col = node.depth
            self.put(ws, row, col, node.name, align=self.fitted(node.name, 14 if levels > 2 else 16))
            below = [s.node_rows[n.code] for n in node.walk() if n.code in s.node_rows]
            self.merge(ws, row, col, max(below), col)
            if not any(n.leaf is None for n in node.children) and col < levels:
                self.merge(ws, row, col, row, levels)         # no branch below: the name spans the columns
            elif col < levels:
                self.put(ws, row, col + 1, "（小计）", align=self.center)
                self.merge(ws, row, col + 1, row, levels)
            self.put(ws, row, weight_col, s.node_weights[node.code].value, align=self.center)
            self.put(ws, row, score_col, align=self.center)
        for l1 in fw.level1:
            rows = [s.node_rows[n.code] for n in l1.walk() if n.code in s.node_rows]
            if rows:
                self.put(ws, rows[0], 1, l1.name, align=self.fitted(l1.name, 14 if levels > 2 else 16))
                self.merge(ws, rows[0], 1, rows[-1], 1)
        for row in range(s.header, max(s.node_rows.values()) + 1):
            if ws.row_dimensions[row].height is None:
                ws.row_dimensions[row].height = 20
        self.print_setup(ws, landscape=False)

    def params(self) -> None:
        fw, lay = self.fw, self.lay
        ws = self.sheets[L.PARAMS]
        p = lay.params
        C = L.ParamCol
        widths = {"A": 14, "B": 16, "C": 8, "D": 36, "E": 30, "F": 9, "G": 6, "H": 9, "I": 6, "J": 10,
                  "K": 10, "L": 10}
        self.widths(ws, widths)
        self.put(ws, p.title, 1, "评分参数与子项得分", font=self.title, border=False)
        pr = fw.precision
        self.put(ws, p.note, 1, f"由指标体系框架生成，只读。得分公式引用本表的数值。子项得分 = 规则得分四舍五入到 {pr.score} 位小数后"
                                 "限制在 0 至子项分值之间（“从本指标中扣”的扣分项不限制）；比率按 "
                                 f"{pr.rate} 位小数计；“含/不含”指该档是否包含界限值本身。",
                 font=self.small, border=False, align=self.wrap)
        ws.merge_cells(start_row=p.note, start_column=1, end_row=p.note, end_column=12)
        ws.row_dimensions[p.note].height = 28
        head = dict(font=self.head, fill=self.header_fill, align=self.wrap_center)
        # grades
        self.put(ws, p.grade_title, 1, "等级划分（按累计得分）", font=self.bold, border=False)
        for col, text in ((C.LEAF, "等级"), (C.LO, "下限"), (C.LO_CLOSED, "含否"), (C.HI, "上限"),
                          (C.HI_CLOSED, "含否")):
            self.put(ws, p.grade_header, col, text, **head)
        self.merge(ws, p.grade_header, C.LEAF, p.grade_header, C.LABEL)
        for g in p.grades:
            self.put(ws, g.row, C.LEAF, g.name.value, font=self.bold, align=self.center)
            self.merge(ws, g.row, C.LEAF, g.row, C.LABEL)
            self.put(ws, g.row, C.LO, g.lo.value if g.lo else "−∞", align=self.center)
            self.put(ws, g.row, C.LO_CLOSED, g.lo_closed, align=self.center)
            self.put(ws, g.row, C.HI, g.hi.value if g.hi else "+∞", align=self.center)
            self.put(ws, g.row, C.HI_CLOSED, g.hi_closed, align=self.center)
        # zero denominators
        self.put(ws, p.rate_title, 1, "比率分母为 0 时的取值", font=self.bold, border=False)
        for col, text in ((C.LEAF, "比率"), (C.LABEL, "情形"), (C.VALUE, "取值")):
            self.put(ws, p.rate_header, col, text, **head)
        self.merge(ws, p.rate_header, C.LEAF, p.rate_header, C.RULE)
        self.merge(ws, p.rate_header, C.LABEL, p.rate_header, C.HI_CLOSED)
        for rr in p.rates:
            rate = fw.rates[rr.code]
            self.put(ws, rr.zero, C.LEAF, f"{rate.name}（{rate.formula}）" if rate.formula else rate.name,
                     align=self.left_mid)
            self.merge(ws, rr.zero, C.LEAF, rr.nonzero, C.RULE)
            for row, label, cell in ((rr.zero, "分母为0、分子为0", rr.zero_cell),
                                     (rr.nonzero, "分母为0、分子不为0", rr.nonzero_cell)):
                self.put(ws, row, C.LABEL, label, align=self.left_mid)
                self.merge(ws, row, C.LABEL, row, C.HI_CLOSED)
                if cell is None:
                    self.put(ws, row, C.VALUE, "无法计算（得分留空）", align=self.wrap_center)
                else:
                    self.put(ws, row, C.VALUE, cell.value, fmt=cell.number_format, align=self.center)
                ws.row_dimensions[row].height = 30
        # sub-items
        self.put(ws, p.part_title, 1, "子项计分参数与得分", font=self.bold, border=False)
        for col, text in enumerate([level_names(fw)[-1], "子项", "子项分值", "计分规则", "参数", "下限", "含否", "上限", "含否",
                                    "数值/分值", "规则得分", "子项得分"], 1):
            self.put(ws, p.part_header, col, text, **head)
        ws.row_dimensions[p.part_header].height = 30
        leaf_first: dict[str, int] = {}
        leaf_last: dict[str, int] = {}
        for block in p.parts:
            leaf, part = block.leaf, block.part
            leaf_first.setdefault(leaf.code, block.first)
            leaf_last[leaf.code] = block.last
            name = part.name if leaf.composite else "（整个指标）"
            self.put(ws, block.first, C.PART, name, align=self.left_mid)
            self.put(ws, block.first, C.MAX, block.max_cell.value if block.max_cell else "—", align=self.center)
            self.put(ws, block.first, C.RULE, block.summary, align=self.left_mid)
            self.put(ws, block.first, C.POINTS, align=self.center)
            self.put(ws, block.first, C.SCORE, font=self.bold, align=self.center)
            for col in (C.PART, C.MAX, C.RULE, C.POINTS, C.SCORE):
                self.merge(ws, block.first, col, block.last, col)
            self.param_rows(ws, block, name, widths)
        for block in p.row_rules:
            leaf_first[block.leaf.code], leaf_last[block.leaf.code] = block.first, block.last
            name = "（各指标行）"
            self.put(ws, block.first, C.PART, name, align=self.left_mid)
            self.put(ws, block.first, C.MAX, "见“自定义指标”", align=self.wrap_center)
            self.put(ws, block.first, C.RULE, block.summary, align=self.left_mid)
            self.put(ws, block.first, C.POINTS, "—", align=self.center)
            self.put(ws, block.first, C.SCORE, "—", align=self.center)
            for col in (C.PART, C.MAX, C.RULE, C.POINTS, C.SCORE):
                self.merge(ws, block.first, col, block.last, col)
            self.param_rows(ws, block, name, widths)
        for leaf in fw.leaves:
            if leaf.code not in leaf_first:
                continue       # rows the unit defines: scored on 自定义指标
            self.put(ws, leaf_first[leaf.code], C.LEAF, leaf.name, font=self.bold, align=self.wrap_center)
            self.merge(ws, leaf_first[leaf.code], C.LEAF, leaf_last[leaf.code], C.LEAF)
        if p.weights:
            self.weight_table(ws, head)
        self.print_setup(ws, title_rows=f"{p.part_header}:{p.part_header}")

    def param_rows(self, ws, block, name: str, widths: dict) -> None:
        """The parameter rows of a sub-item or rows block: label, band edges, value."""
        C = L.ParamCol
        for prow in block.rows:
            self.put(ws, prow.row, C.LABEL, prow.label, align=self.left_mid)
            if prow.lo is not None or prow.hi is not None or prow.lo_closed:
                lo = prow.lo.value if prow.lo else "−∞"
                hi = prow.hi.value if prow.hi else "+∞"
                fmt_lo = prow.lo.number_format if prow.lo else None
                fmt_hi = prow.hi.number_format if prow.hi else None
                self.put(ws, prow.row, C.LO, lo, fmt=fmt_lo, align=self.center)
                self.put(ws, prow.row, C.LO_CLOSED, prow.lo_closed if prow.lo else "", align=self.center)
                self.put(ws, prow.row, C.HI, hi, fmt=fmt_hi, align=self.center)
                self.put(ws, prow.row, C.HI_CLOSED, prow.hi_closed if prow.hi else "", align=self.center)
            else:
                for col in (C.LO, C.LO_CLOSED, C.HI, C.HI_CLOSED):
                    self.put(ws, prow.row, col)
            value = prow.value
            self.put(ws, prow.row, C.VALUE, value.value if value else None,
                     fmt=value.number_format if value else None, align=self.center)
        # rows tall enough for the texts of the block
        leaf = block.leaf
        need = row_height([(name, widths["B"]), (block.summary, widths["D"]),
                           (leaf.name if block.first == block.last else "", widths["A"])])
        per_row = max(18.0, need / len(block.rows))
        for prow in block.rows:
            ws.row_dimensions[prow.row].height = max(per_row, row_height([(prow.label, widths["E"])]))

    def weight_table(self, ws, head: dict) -> None:
        """可调整的权重: default, allowed range or values, and the weight used (effective_weight_<code>)."""
        p = self.lay.params
        C = L.ParamCol
        self.put(ws, p.weight_title, 1, "可调整的权重（在“打分表”的权重栏填写，清空时按默认权重）", font=self.bold,
                 border=False)
        for col, text in ((C.LEAF, "指标"), (C.MAX, "默认权重"), (C.RULE, "允许的调整"), (C.LABEL, "参数"),
                          (C.LO, "下限"), (C.LO_CLOSED, "含否"), (C.HI, "上限"), (C.HI_CLOSED, "含否"),
                          (C.VALUE, "可选值"), (C.POINTS, "采用的权重"), (C.SCORE, "")):
            self.put(ws, p.weight_header, col, text, **head)
        self.merge(ws, p.weight_header, C.LEAF, p.weight_header, C.PART)
        ws.row_dimensions[p.weight_header].height = 30
        for wr in p.weights:
            leaf, adj = wr.leaf, wr.leaf.adjust
            self.put(ws, wr.first, C.LEAF, leaf.name, font=self.bold, align=self.wrap_center)
            self.merge(ws, wr.first, C.LEAF, wr.last, C.PART)
            self.put(ws, wr.first, C.MAX, wr.default.value, align=self.center)
            self.put(ws, wr.first, C.RULE, f"可调整为 {adj.text()}", align=self.left_mid)
            self.put(ws, wr.first, C.POINTS, font=self.bold, align=self.center)
            self.put(ws, wr.first, C.SCORE)
            for col in (C.MAX, C.RULE, C.POINTS, C.SCORE):
                self.merge(ws, wr.first, col, wr.last, col)
            for r in range(wr.first, wr.last + 1):
                label = "允许范围" if not wr.values else f"可选值 {r - wr.first + 1}"
                self.put(ws, r, C.LABEL, label, align=self.left_mid)
                for col in (C.LO, C.LO_CLOSED, C.HI, C.HI_CLOSED, C.VALUE):
                    self.put(ws, r, col, align=self.center)
                ws.row_dimensions[r].height = 20
            if wr.values:
                for v in wr.values:
                    ws.cell(row=v.ref.row, column=v.ref.col).value = v.value
            else:
                ws.cell(row=wr.first, column=C.LO).value = wr.lo.value
                ws.cell(row=wr.first, column=C.LO_CLOSED).value = wr.lo_closed
                ws.cell(row=wr.first, column=C.HI).value = wr.hi.value
                ws.cell(row=wr.first, column=C.HI_CLOSED).value = wr.hi_closed

    def meta(self) -> None:
        ws = self.sheets[L.META]
        self.widths(ws, {"A": 20, "B": 40})
        ws.cell(row=1, column=1, value="key")
        ws.cell(row=1, column=2, value="value")
        for m in self.lay.meta:
            ws.cell(row=m.ref.row, column=1, value=m.key)
            set_text(ws.cell(row=m.ref.row, column=2), m.value)

    def xlwings_conf(self) -> None:
        """The sheet xlwings reads its settings from: keys in column A from A1 down, values in B."""
        ws = self.sheets[L.XLWINGS_CONF]
        self.widths(ws, {"A": 16, "B": 18, "C": 3, "D": 90})
        ws.cell(row=1, column=1, value="UDF Modules")
        ws.cell(row=1, column=2, value=L.UDF_MODULE)
        notes = [
            "xlwings 从本表读取设置：A 列为设置名（从 A1 起连续向下），B 列为值。请勿改名或删除本表。",
            f"UDF Modules = {L.UDF_MODULE}：XE_ 函数所在的 Python 模块。",
            "Python 不在 PATH 中时，可在 A2、B2 加一行 Interpreter_Win 及 pythonw.exe 的完整路径"
            "（conda 环境则加 Conda Path、Conda Env 两行）。",
            "本文件需另存为 .xlsm，并在 xlwings 选项卡点击 Import Functions 后才能计算（见“填表说明”）。",
        ]
        for i, text in enumerate(notes, 1):
            self.put(ws, i, 4, text, font=self.small, border=False)

    def formulas(self) -> None:
        for cell in list(self.lay.computed.values()) + list(self.lay.row_formulas):
            ws = self.sheets[cell.ref.sheet]
            c = ws.cell(row=cell.ref.row, column=cell.ref.col)
            if not c.has_style:
                c.font, c.border, c.alignment = self.font, self.border, self.center
            c.value = "=" + cell.formula
            if cell.number_format != L.FMT_GENERAL:
                c.number_format = cell.number_format
            c.protection = self.locked
        # effective values (基础数据) and rates are shown centred
        for cell in list(self.lay.computed.values()) + list(self.lay.row_formulas):
            if cell.kind in ("effective", "rate", "points", "scoring_value"):
                c = self.sheets[cell.ref.sheet].cell(row=cell.ref.row, column=cell.ref.col)
                c.alignment = self.center

    def names(self) -> None:
        from openpyxl.workbook.defined_name import DefinedName
        for name, ref in self.lay.defined_names().items():
            self.wb.defined_names[name] = DefinedName(name, attr_text=ref)

"""The short Word report of a filled 项目支出绩效自评表 workbook.

One chapter per project sheet (a ``--per unit`` workbook holds several):

    一、项目基本情况   header and the 项目资金 figures (全年预算数, 全年执行数, 执行率)
    二、自评结论       total and grade in a sentence, and the 一级指标 table
                      (预算执行率 and each block: 分值, 得分, 得分率, 合计)
    三、偏差原因分析   the indicators not met (完成率 below 100%, 得分 below 分值, or
                      far above target), with the unit's 偏差原因; a blank reason is
                      a placeholder
    四、整改措施       one placeholder per deviation and one for the project

Every number is the engine's, recomputed from the sheet's own 指标值 and 完成值
(bind.evaluate_sheet), shown with the digits the workbook shows (完成率 0.00%,
得分 0.00).  Nothing is trusted from cached cells.  python-docx is imported
only here (the optional extra xl-eval[report]).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.core.xlround import fixed, xl_round
from xl_eval.forms.selfeval import layout as L
from xl_eval.report.source import Checked

PLACEHOLDER_MARK = "【待填写："


@dataclass
class Deviation:
    """One indicator that did not meet its target (or went far above it)."""
    level1: str
    level2: str
    name: str
    nature: str
    target: str          # as shown: "95%", "≥ 12" ...
    actual: str
    ratio: float | None
    points: float | None
    score: float | None
    reason: str          # the unit's 偏差原因分析及改进措施 ("" when blank)
    kind: str            # 未完成 / 得分低于分值 / 远超指标值


@dataclass
class ProjectReport:
    """What the report says about one project sheet."""
    sheet: str
    name: str
    department: str
    unit: str
    year: Any
    money: dict[str, float | None]        # total_full, total_executed, ...
    exec_rate: float | None
    exec_score: float | None
    exec_points: float
    blocks: list[tuple[str, float | None, float | None]]   # (一级指标, 分值, 得分)
    total: float | None
    grade: str | None
    total_weight: float
    deviations: list[Deviation] = field(default_factory=list)
    exec_reason: str = ""


@dataclass
class SelfEvalSource(Checked):
    path: str
    shown: str
    framework_id: str
    projects: list[ProjectReport]
    findings: list                        # check findings (XE8xx and structure)


class SelfEvalReportError(ValueError):
    """The workbook cannot be reported on (not readable as a 自评表)."""


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _shown_value(v, unit) -> str:
    if v is None or v == "":
        return ""
    n = _num(v)
    if n is None:
        return str(v)
    if str(unit or "").strip() in ("%", "％"):
        return f"{fixed(n * 100, 2).rstrip('0').rstrip('.')}%"
    text = f"{xl_round(n, 6):g}" if abs(n) < 1e15 else str(n)
    return text + (str(unit).strip() if unit else "")


def read_selfeval(path: str | Path, shown: str | None = None, fw=None) -> SelfEvalSource:
    """Check the workbook (XE8xx) and recompute every project sheet with the engine."""
    from xl_eval.check import selfeval as C
    from xl_eval.forms.selfeval.bind import spec_of
    from xl_eval.xlsx.reader import WorkbookError, open_workbook
    shown = shown or str(path)
    result = C.check_file(path, fw)
    try:
        wb = open_workbook(path)
    except WorkbookError as exc:
        raise SelfEvalReportError(str(exc)) from None
    try:
        meta = C.read_meta(wb)
        if meta is None:
            raise SelfEvalReportError("不是 xl-eval 生成的项目支出绩效自评表")
        fw = fw or C.shipped_framework(meta.get("framework_id", ""))
        if fw is None or fw.id != meta.get("framework_id"):
            raise SelfEvalReportError(f"找不到自评表所用的框架 {meta.get('framework_id') or '（空）'}（请用 --framework 指定）")
        spec = spec_of(fw)
        projects = [_project(spec, lay, data, ev, expected, sheet)
                    for sheet, lay, data, ev, expected in C.project_sheets(wb, fw, meta)]
    finally:
        wb.close()
    if not projects:
        raise SelfEvalReportError("自评表中没有可读的项目工作表")
    return SelfEvalSource(str(path), shown, fw.id, projects, result.findings)


def _project(spec: L.Spec, lay: L.Layout, data, ev, expected: dict, sheet: str) -> ProjectReport:
    h = L.HEADER_CELLS
    money = {f"{s}_{t}": expected.get(lay.money_cell(s, t)) if s == "total" else _num(data.value(lay.money_cell(s, t)))
             for s in ("total",) + L.SOURCES for t in L.STAGE_COLS}
    blocks = [(b.name, ev.weights.get(b.code), ev.leaves[b.code].score) for b in spec.blocks]
    year = data.value(h["year"])
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    rep = ProjectReport(sheet, data.text(h["name"]), data.text(h["department"]), data.text(h["unit"]), year, money, expected.get(lay.exec_rate_cell),
                        expected.get(lay.exec_score_cell), spec.scoring.exec_points, blocks, ev.total, ev.grade,
                        spec.total_weight, exec_reason=data.text(lay.exec_reason_cell))
    blocks_by_code = {b.code: b for b in spec.blocks}
    for row in data.rows:
        if row.empty:
            continue
        r = row.grid.row
        ratio = expected.get(L.a1(L.COL_RATIO, r))
        score = expected.get(L.a1(L.COL_SCORE, r))
        points = _num(row.points)
        block = blocks_by_code[row.grid.block]
        nature = str(row.nature or "").strip()
        kind = None
        if isinstance(ratio, float) and ratio < 1:
            kind = "未完成"
        elif isinstance(ratio, float) and block.over_target is not None and ratio >= block.over_target \
                and nature != "=":
            kind = "远超指标值"
        elif isinstance(score, float) and points is not None and score < points:
            kind = "得分低于分值"
        if kind is None:
            continue
        actual = row.actual if nature == "定性" else _shown_value(row.actual, row.unit)
        target = str(row.target or "") if nature == "定性" else _shown_value(row.target, row.unit)
        rep.deviations.append(Deviation(row.grid.level1, row.grid.level2, row.name, nature, target,
                                        str(actual or ""), ratio if isinstance(ratio, float) else None, points,
                                        score if isinstance(score, float) else None, row.reason.strip(), kind))
    return rep


# ------------------------------------------------------------------ the document

def _pts(x: float | None) -> str:
    return "—" if x is None else fixed(x, 2)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{fixed(x * 100, 2)}%"


def _weight(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def build_selfeval_report(src: SelfEvalSource, *, template: str | None = None, forced: list | None = None) -> bytes:
    """The .docx bytes of the 自评 report; *forced*: the check errors overridden by --force."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    from xl_eval.report import styles as S
    from xl_eval.report.templates import new_document

    doc = new_document(template)
    width = int(S.text_width(doc.sections[-1]))
    counter = {"table": 0}

    def para(text="", style=S.BODY, bold=False):
        p = S.paragraph(doc, style)
        if text:
            p.add_run(text).bold = bold or None
        return p

    def placeholder(what: str):
        p = S.paragraph(doc, S.PLACEHOLDER)
        S.mark_placeholder(p.add_run(f"{PLACEHOLDER_MARK}{what}】"))
        return p

    def table(header: list[str], rows: list[list[str]], shares: list[float], caption: str, left: tuple = ()):
        counter["table"] += 1
        para(f"表{counter['table']} {caption}", S.CAPTION)
        t = S.new_table(doc, 1 + len(rows), len(header), S.column_widths(width, shares))
        for j, text in enumerate(header):
            S.cell_text(t.rows[0].cells[j], text, bold=True)
        S.repeat_header(t.rows[0])
        for i, values in enumerate(rows, start=1):
            for j, text in enumerate(values):
                S.cell_text(t.rows[i].cells[j], text,
                            align=WD_ALIGN_PARAGRAPH.LEFT if j in left else WD_ALIGN_PARAGRAPH.CENTER)
            S.keep_row_together(t.rows[i])
        if len(rows) <= 12:
            S.keep_table_together(t)
        gap = S.paragraph(doc, S.BODY)
        gap.paragraph_format.line_spacing = 1.0
        gap.add_run().font.size = Pt(6)
        return t

    many = len(src.projects) > 1
    first = src.projects[0]
    title_name = first.unit or first.department if many else first.name
    year = f"{first.year}年度" if first.year not in (None, "") else ""
    para(f"{title_name}{year}项目支出绩效自评报告", S.TITLE)
    note = para("", S.BODY)
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note.paragraph_format.first_line_indent = Pt(0)
    r = note.add_run("本报告由 xl-eval 根据项目支出绩效自评表生成（得分由计分引擎按表中指标值和完成值重新计算）；"
                     "标有“【待填写：……】”的内容请单位补充后删除标记。")
    r.font.size = Pt(10.5)

    for k, p in enumerate(src.projects):
        if many:
            if k:
                doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            para(f"项目{k + 1}：{p.name or p.sheet}", S.H1)
        _chapters(p, para, placeholder, table, S, many)

    warnings = src.warnings
    para("其他需要说明的问题" if many else "五、其他需要说明的问题", S.H1)
    if warnings:
        para(f"xl-eval check 对自评表提示了以下 {len(warnings)} 个问题，请核实：")
        for f in warnings:
            para(f"· {f.where}：{f.code} {f.message}")
    else:
        para("xl-eval check 对自评表没有提示问题。")
    placeholder("其他需要说明的问题")

    if forced:
        body = doc.element.body
        items = [f"{f.where or src.shown}：{f.code} {f.message}" for f in forced]
        head = S.paragraph(doc, S.WARNING)
        head.add_run(f"警告：自评表“{src.shown}”经 xl-eval check 校验有 {len(forced)} 个错误，"
                     "本报告是用 --force 强行生成的，错误改正前不得作为正式报告使用。"
                     "报告中的得分由计分引擎按表中输入重新计算，可能与自评表中显示的得分不一致。")
        extra = []
        for text in items[:20]:
            q = S.paragraph(doc, S.WARNING)
            q.add_run("· " + text).bold = False
            extra.append(q)
        if len(items) > 20:
            q = S.paragraph(doc, S.WARNING)
            q.add_run(f"……另有 {len(items) - 20} 个错误，见 xl-eval check 的输出。")
            extra.append(q)
        for i, el in enumerate([head, *extra]):
            body.remove(el._p)
            body.insert(i, el._p)
    for section in doc.sections:
        S.page_number_footer(section)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def conclusion_sentence(p: ProjectReport) -> str:
    if p.total is None:
        return "自评表中尚有未填写完成值或无法评定的指标，总分无法计算，自评等级待定。"
    return f"经自评，本项目总分 {fixed(p.total, 2)} 分，自评等级为“{p.grade}”。"


def _chapters(p: ProjectReport, para, placeholder, table, S, many: bool) -> None:
    h1, h2 = (S.H2, S.H3) if many else (S.H1, S.H2)
    m = p.money
    para("一、项目基本情况", h1)
    facts = [("项目名称", p.name), ("主管部门", p.department), ("实施单位", p.unit),
             ("评价年度", "" if p.year in (None, "") else f"{p.year}")]
    table(["项目", "内容"], [[a, b or "—"] for a, b in facts], [1, 3], "项目基本信息", left=(1,))
    para(f"项目年度资金总额全年预算数 {_money(m.get('total_full'))} 万元，全年执行数 {_money(m.get('total_executed'))} 万元，"
         f"预算执行率 {_pct(p.exec_rate)}。")
    placeholder("项目概况（立项依据、主要内容、实施情况）")

    para("二、自评结论", h1)
    para(conclusion_sentence(p))
    rows = [["预算执行率", _weight(p.exec_points), _pts(p.exec_score),
             _pct(None if p.exec_score is None else xl_round(p.exec_score / p.exec_points, 4))]]
    for name, w, s in p.blocks:
        rate = None if s is None or not w else xl_round(s / w, 4)
        rows.append([name, _weight(w), _pts(s), _pct(rate)])
    total_rate = None if p.total is None else xl_round(p.total / p.total_weight, 4)
    rows.append(["合计", _weight(p.exec_points + sum(w or 0 for _, w, _ in p.blocks)), _pts(p.total), _pct(total_rate)])
    rows.append(["自评等级", "", p.grade or "—", ""])
    table(["一级指标", "分值", "得分", "得分率"], rows, [2, 1, 1, 1], "自评得分情况")
    placeholder("项目实施取得的主要成效")

    para("三、偏差原因分析", h1)
    if p.exec_rate is not None and p.exec_rate < 0.9:
        para(f"预算执行率为 {_pct(p.exec_rate)}，低于 90%。" + (f"单位说明的原因：{p.exec_reason}" if p.exec_reason
                                                          else ""))
        if not p.exec_reason:
            placeholder("预算执行率偏低的原因")
    if not p.deviations:
        para("各项绩效指标均完成年度指标值，没有偏差。")
    else:
        para(f"以下 {len(p.deviations)} 项指标未完成年度指标值、得分低于分值或完成值远超指标值：")
        rows = [[f"{d.name}\n（{d.level1}／{d.level2}）",
                 (d.nature + " " if d.nature in ("≥", "≤", "=") else "") + d.target,
                 d.actual, _pct(d.ratio), _weight(d.points), _pts(d.score),
                 d.reason or f"{PLACEHOLDER_MARK}偏差原因】"] for d in p.deviations]
        table(["指标", "年度指标值", "实际完成值", "完成率", "分值", "得分", "偏差原因分析"], rows,
              [2.6, 1.3, 1.3, 1.3, 0.8, 1.0, 3.2], "偏差指标", left=(0, 6))

    para("四、存在的问题及整改措施", h1)
    for d in p.deviations:
        para(f"“{d.name}”（{d.kind}）：", bold=True)
        placeholder(f"“{d.name}”的整改措施")
    placeholder("存在的问题")
    placeholder("下一步改进措施")


def _money(x: float | None) -> str:
    return "—" if x is None else fixed(x, 2)

"""The evaluation report of one workbook as a Word document.

The outline is that of 财预〔2020〕10号 附3 (一、基本情况 … 七、其他需要说明的问题).
What the workbook knows is generated: the financial figures, the indicator
system, the total and grade with the level-1 table (三), per level-1 node a
table of its leaves and per leaf a paragraph (四), each level-2 and level-1
node closed by "综上，<node>指标应得分N分，实际得分M分。", the leaves that
lost points (五), the check warnings (七), and the annexes (the workbook's
打分表 and the 主管部门意见反馈表 skeleton).  What only the evaluator knows is
left as a visibly marked placeholder 【待填写：…】.

Every figure comes from the engine's Evaluation and is shown with the digits
of the workbook cell holding it (numbers.Figures); names come from the
framework tree, so a summary sentence cannot name the wrong indicator.
"""

from __future__ import annotations

import io
import re

from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Emu, Pt

from xl_eval.framework.model import INPUT_GROUPS, Framework
from xl_eval.forms.scoresheet import layout as L
from xl_eval.report import styles as S
from xl_eval.report.numbers import Figures, shown
from xl_eval.report.source import Grid, Source

from xl_eval.drafting import draft_analysis, draft_reason

PLACEHOLDER_MARK = "【待填写："
CHINESE_NUMBERS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 20 -> 二十 (enough for outline numbering)."""
    if n <= 10:
        return CHINESE_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return (CHINESE_NUMBERS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMBERS[ones - 1] if ones else "")


def subject(fw: Framework) -> str:
    """What was evaluated, from the framework title: '部门整体支出绩效评价指标体系打分表'
    -> '部门整体支出绩效评价'."""
    text = re.sub(r"(指标体系)?(打分表|评分表|评价表|自评表)$", "", fw.title.strip()) or fw.title
    return text if "评价" in text else text + "绩效评价"


_CLOSING = re.compile(r"应得分[^，。]*分，实际得分[^，。]*分。$")


def leaf_paragraph(fw: Framework, ev, leaf, fig: Figures) -> str:
    """The drafted analysis of a leaf, its closing "应得分N分，实际得分M分。" stated
    with the digits the workbook shows (4.40, as in the tables beside it)."""
    text = draft_analysis(fw, ev, leaf.code).strip()
    got = fig.leaf(leaf.code)
    closing = f"应得分{Figures.points(leaf.weight)}分，" + (f"实际得分{got}分。" if got else "实际得分待定。")
    if _CLOSING.search(text):
        return _CLOSING.sub(closing, text)
    return text + ("" if text.endswith("。") else "。") + "此项" + closing


def summary_sentence(node_name: str, weight: str, score: str) -> str:
    """The closing sentence of a level-2 or level-1 node's analysis."""
    return f"综上，{node_name}指标应得分{weight}分，实际得分{score}分。"


class ReportBuilder:
    """Writes one Source into a python-docx Document."""

    def __init__(self, src: Source, doc, *, warnings_forced: list | None = None):
        self.src, self.fw, self.ev, self.doc = src, src.fw, src.evaluation, doc
        self.fig = Figures(self.fw, self.ev)
        self.forced = warnings_forced or []
        self.table_no = 0

    # -- small writers
    def para(self, text: str = "", style: str = S.BODY, *, align=None, bold: bool = False):
        p = S.paragraph(self.doc, style)
        if text:
            r = p.add_run(text)
            if bold:
                r.bold = True
        if align is not None:
            p.alignment = align
        return p

    def heading(self, text: str, level: int):
        return self.para(text, {1: S.H1, 2: S.H2, 3: S.H3, 4: S.H4}[level])

    def placeholder(self, what: str):
        p = S.paragraph(self.doc, S.PLACEHOLDER)
        S.mark_placeholder(p.add_run(f"{PLACEHOLDER_MARK}{what}】"))
        return p

    def caption(self, text: str) -> str:
        self.table_no += 1
        label = f"表{self.table_no} {text}"
        self.para(label, S.CAPTION)
        return label

    def spacer(self) -> None:
        """A small gap after a table (the next paragraph would touch its border)."""
        p = S.paragraph(self.doc, S.BODY)
        p.paragraph_format.line_spacing = 1.0
        p.add_run().font.size = Pt(6)

    def widths(self, shares: list[float]) -> list[Emu]:
        return S.column_widths(int(S.text_width(self.doc.sections[-1])), shares)

    @property
    def unit(self) -> str:
        return self.src.name or "（单位名称）"

    @property
    def year_text(self) -> str:
        return f"{self.src.year}年度" if self.src.year else ""

    # -- the document
    def build(self) -> None:
        self.title_block()
        self.basic_info()
        self.work_done()
        self.conclusion()
        self.analysis()
        self.problems()
        self.advice()
        self.other()
        self.annex_scoresheet()
        self.annex_feedback()
        if self.forced:
            self.force_warning()

    def title_block(self) -> None:
        self.para(f"{self.unit}{self.year_text}{subject(self.fw)}报告", S.TITLE)
        p = self.para("", S.BODY, align=WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.first_line_indent = Pt(0)
        r = p.add_run("本报告的评分章节由 xl-eval 根据打分表生成（得分由计分引擎按表中输入重新计算）；"
                      "标有“【待填写：……】”的内容请评价人员补充后删除标记。")
        r.font.size = Pt(10.5)

    def force_warning(self) -> None:
        """A red paragraph at the very top: the report was forced past check errors."""
        body = self.doc.element.body
        items = [f"{f.where or self.src.shown}：{f.code} {f.message}" for f in self.forced]
        p = S.paragraph(self.doc, S.WARNING)
        p.add_run(f"警告：打分表“{self.src.shown}”经 xl-eval check 校验有 {len(self.forced)} 个错误，"
                  "本报告是用 --force 强行生成的，错误改正前不得作为正式报告使用。"
                  "报告中的得分由计分引擎按表中输入重新计算，可能与打分表中显示的得分不一致。")
        extra = []
        for text in items[:20]:
            q = S.paragraph(self.doc, S.WARNING)
            q.add_run("· " + text).bold = False
            extra.append(q)
        if len(items) > 20:
            q = S.paragraph(self.doc, S.WARNING)
            q.add_run(f"……另有 {len(items) - 20} 个错误，见 xl-eval check 的输出。")
            extra.append(q)
        for i, el in enumerate([p, *extra]):
            body.remove(el._p)
            body.insert(i, el._p)

    # 一、基本情况
    def basic_info(self) -> None:
        fw, ev = self.fw, self.ev
        self.heading("一、基本情况", 1)
        self.heading("（一）部门（单位）概况", 2)
        self.placeholder("部门（单位）主要职能、机构设置与人员情况、年度主要任务。")
        self.heading("（二）资金安排及使用情况", 2)
        amounts = [i for i in fw.inputs.values() if i.group == "financial"]
        if amounts:
            self.para(f"打分表“{INPUT_GROUPS['financial']}”中填写的{self.year_text}主要财务数据如下：")
            label = self.caption(f"{self.unit}{self.year_text}主要财务数据")
            rows = [(i.label, shown(ev.values.get(i.code), L.FMT_AMOUNT if i.kind == "amount" else L.FMT_GENERAL),
                     i.unit or "") for i in amounts]
            rows += [(r.name, shown(ev.rates.get(code), L.FMT_RATE), "") for code, r in fw.rates.items()]
            self.simple_table(["项目", "金额（数值）", "单位"], rows, [5, 3, 2], label)
        self.placeholder("资金来源、预算安排、支出结构及使用情况的文字说明。")

    # 二、绩效评价工作开展情况
    def work_done(self) -> None:
        fw = self.fw
        self.heading("二、绩效评价工作开展情况", 1)
        self.heading("（一）评价目的、对象和范围", 2)
        self.placeholder("评价目的、评价对象、评价范围。")
        self.heading("（二）评价指标体系", 2)
        n2 = sum(len(l1.children) for l1 in fw.level1)
        names = "、".join(l1.name for l1 in fw.level1)
        src = f"（{fw.source}）" if fw.source else ""
        self.para(f"本次评价采用《{fw.title}》{src}，设一级指标{len(fw.level1)}个（{names}），"
                  f"二级指标{n2}个，三级指标{len(fw.leaves)}个，满分{Figures.points(fw.total_weight)}分。"
                  f"{L.grade_text(fw)}。各指标的指标解释、评分标准和得分见附件1。")
        self.heading("（三）评价方法和工作过程", 2)
        self.placeholder("评价方法、评价标准、工作组织和实施过程（前期准备、现场评价、报告撰写等阶段）。")

    # 三、综合评价情况及评价结论
    def conclusion(self) -> None:
        fw, ev, fig = self.fw, self.ev, self.fig
        self.heading("三、综合评价情况及评价结论", 1)
        if ev.total is None:
            self.para(f"打分表尚有未填写的计分输入（{'、'.join(self.src.missing) or '见附件1'}），"
                      "总分和评价等级暂无法计算。")
        else:
            self.para(f"经评价，{self.unit}{self.year_text}{subject(fw)}得分为{fig.total()}分，"
                      f"评价等级为“{ev.grade or '—'}”。各一级指标得分情况如下：")
        label = self.caption("绩效评价指标得分情况汇总表")
        rows = [(l1.name, Figures.points(sum(x.weight for x in l1.leaves)), fig.level1(l1.code),
                 fig.level1_rate(l1.code)) for l1 in fw.level1]
        rows.append(("合计", Figures.points(fw.total_weight), fig.total(), fig.total_rate()))
        table = self.simple_table(["一级指标", "权重", "得分", "得分率"], rows, [4, 2, 2, 2], label)
        row = table.add_row()
        a = row.cells[0]
        S.cell_text(a, "评价等级", bold=True)
        merged = row.cells[1].merge(row.cells[3])
        S.cell_text(merged, ev.grade or "—", bold=True)
        S.keep_row_together(row)
        for cell in table.rows[-2].cells:
            for p in cell.paragraphs:
                for r in p.runs:
                    r.bold = True
        self.placeholder("综合评价结论的文字说明（总体绩效、主要成效和不足）。")

    # 四、绩效评价指标分析
    def analysis(self) -> None:
        fw, ev, fig = self.fw, self.ev, self.fig
        self.heading("四、绩效评价指标分析", 1)
        for i, l1 in enumerate(fw.level1, 1):
            weight1 = Figures.points(sum(x.weight for x in l1.leaves))
            self.heading(f"（{chinese_number(i)}）{l1.name}", 2)
            names2 = "、".join(l2.name for l2 in l1.children)
            score1 = fig.level1(l1.code) or "—"
            rate1 = fig.level1_rate(l1.code) or "—"
            self.para(f"{l1.name}指标主要从{names2}{'等' if len(l1.children) > 1 else ''}方面进行评价，"
                      f"指标分值权重为{weight1}分，评价得分{score1}分，得分率为{rate1}。")
            self.level1_table(l1)
            for j, l2 in enumerate(l1.children, 1):
                self.heading(f"{j}. {l2.name}", 3)
                for k, leaf in enumerate(l2.leaves, 1):
                    self.heading(f"（{k}）{leaf.name}", 4)
                    found = self.src.findings_text.get(leaf.code)
                    if found:
                        self.para(found)
                    r = ev.leaves[leaf.code]
                    reason = self.src.reason_text.get(leaf.code)
                    if r.score is not None and r.score < r.weight and reason:
                        self.para(f"扣分原因：{reason}")
                    self.para(leaf_paragraph(fw, ev, leaf, fig))
                self.para(summary_sentence(l2.name, Figures.points(sum(x.weight for x in l2.leaves)),
                                           fig.level2(l2.code) or "—"))
            self.para(summary_sentence(l1.name, weight1, score1))

    def level1_table(self, l1) -> None:
        fw, fig = self.fw, self.fig
        label = self.caption(f"{l1.name}指标得分情况")
        header = ["一级指标", "二级指标", "三级指标", "权重", "得分", "得分率"]
        leaves = list(l1.leaves)
        table = S.new_table(self.doc, 1 + len(leaves) + 1, len(header), self.widths([2, 2.6, 3.4, 1.4, 1.4, 1.6]))
        self._header(table, header)
        for i, leaf in enumerate(leaves, 1):
            cells = table.rows[i].cells
            for c, text in zip(cells[2:], (leaf.name, Figures.points(leaf.weight), fig.leaf(leaf.code),
                                           fig.leaf_rate(leaf.code))):
                S.cell_text(c, text)
        top = table.cell(1, 0).merge(table.cell(len(leaves), 0))
        S.cell_text(top, l1.name)
        row = 1
        for l2 in l1.children:
            n = len(l2.leaves)
            S.cell_text(table.cell(row, 1).merge(table.cell(row + n - 1, 1)), l2.name)
            row += n
        last = table.rows[-1].cells
        S.cell_text(table.cell(len(leaves) + 1, 0).merge(table.cell(len(leaves) + 1, 2)), "小计", bold=True)
        for c, text in zip(last[3:], (Figures.points(sum(x.weight for x in leaves)), fig.level1(l1.code),
                                      fig.level1_rate(l1.code))):
            S.cell_text(c, text, bold=True)
        for row in table.rows:
            S.keep_row_together(row)
        self.spacer()

    def _header(self, table, header: list[str]) -> None:
        row = table.rows[0]
        S.repeat_header(row)
        for c, text in zip(row.cells, header):
            S.cell_text(c, text, bold=True)

    def simple_table(self, header: list[str], rows: list[tuple], shares: list[float], label: str = ""):
        table = S.new_table(self.doc, 1 + len(rows), len(header), self.widths(shares))
        self._header(table, header)
        for i, values in enumerate(rows, 1):
            for c, text in zip(table.rows[i].cells, values):
                S.cell_text(c, text)
        for row in table.rows:
            S.keep_row_together(row)
        self.spacer()
        return table

    # 五、主要经验及做法、存在的问题及原因分析
    def problems(self) -> None:
        fw, ev, fig = self.fw, self.ev, self.fig
        self.heading("五、主要经验及做法、存在的问题及原因分析", 1)
        self.heading("（一）主要经验及做法", 2)
        self.placeholder("主要经验及做法。")
        self.heading("（二）存在的问题及原因分析", 2)
        lost = [leaf for leaf in fw.leaves
                if ev.leaves[leaf.code].score is not None and ev.leaves[leaf.code].score < leaf.weight]
        if lost:
            self.para(f"评价中得分低于权重的三级指标共{len(lost)}个：")
            for n, leaf in enumerate(lost, 1):
                r = ev.leaves[leaf.code]
                cut = shown(r.weight - r.score, L.FMT_SCORE)
                why = self.src.reason_text.get(leaf.code) or draft_reason(fw, ev, leaf.code)
                self.para(f"{n}. {leaf.name}（{self._parent_name(leaf)}）："
                          f"权重{Figures.points(leaf.weight)}分，得分{fig.leaf(leaf.code)}分，扣{cut}分。"
                          + (f"扣分原因：{why}" if why else ""))
        else:
            self.para("评价中没有得分低于权重的三级指标。")
        self.placeholder("存在的问题及其原因分析。")

    def _parent_name(self, leaf) -> str:
        for l1 in self.fw.level1:
            for l2 in l1.children:
                if leaf in l2.leaves:
                    return f"{l1.name}—{l2.name}"
        return ""

    # 六、七
    def advice(self) -> None:
        self.heading("六、有关建议", 1)
        self.placeholder("针对存在问题提出的改进建议。")

    def other(self) -> None:
        self.heading("七、其他需要说明的问题", 1)
        warnings = self.src.warnings
        if warnings:
            self.para(f"xl-eval check 对打分表的校验提示（{len(warnings)}条，请核实）：")
            for f in warnings:
                self.para(f"· {f.where}：{f.message}")
        self.placeholder("评价责任的说明、本次评价的局限性及其他需要说明的问题。")
        p = self.para("评价机构（盖章）：", S.BODY, align=WD_ALIGN_PARAGRAPH.RIGHT)
        S.mark_placeholder(p.add_run("【待填写】"))

    # 附件
    def annex_scoresheet(self) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        S.setup_section(section, landscape=True)
        self.heading(f"附件1：{self.fw.title}", 1)
        self.para(self.src.title, S.CAPTION)
        if self.src.grid is None:
            self.para("（打分表工作表缺失，无法附上。）")
            return
        annex_table(self, self.src.grid)

    def annex_feedback(self) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        S.setup_section(section, landscape=False)
        self.heading("附件2：绩效评价报告主管部门意见反馈表", 1)
        self.para("绩效评价报告主管部门意见反馈表", S.CAPTION)
        p = self.para("填表时间：    年  月  日", S.BODY, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.first_line_indent = Pt(0)
        period = f"{self.src.year}年1月-{self.src.year}年12月" if self.src.year else ""
        table = S.new_table(self.doc, 6, 4, self.widths([2.2, 3, 2.2, 3]))
        S.cell_text(table.cell(0, 0), "项目名称")
        S.cell_text(table.cell(0, 1).merge(table.cell(0, 3)), f"{self.unit}{self.year_text}{subject(self.fw)}")
        for row, (a, b, c, d) in enumerate((("评价时间范围", period, "绩效评价时间", ""),
                                            ("评价机构", "", "联系人及联系方式", ""),
                                            ("主管部门", "", "联系人及联系方式", "")), 1):
            for col, text in enumerate((a, b, c, d)):
                S.cell_text(table.cell(row, col), text)
        S.cell_text(table.cell(4, 0), "主管部门意见")
        S.cell_text(table.cell(4, 1).merge(table.cell(4, 3)), "")
        table.rows[4].height = S.Cm(6)
        S.cell_text(table.cell(5, 0), "主管部门签章确认")
        S.cell_text(table.cell(5, 1).merge(table.cell(5, 3)), "主管部门（盖章）\n\n年    月    日",
                    align=WD_ALIGN_PARAGRAPH.RIGHT)
        table.rows[5].height = S.Cm(4)
        q = self.para("注：本表内容不够填写时可另附纸。", S.BODY)
        q.paragraph_format.first_line_indent = Pt(0)


def engine_cells(fw: Framework, ev) -> dict[tuple[int, int], str]:
    """(row, col) on 打分表 -> the engine's value, shown with the cell's format,
    for every computed cell of the sheet (scores, 得分率, total, grade)."""
    lay = L.layout(fw)
    values = {L.TOTAL: ev.total, L.TOTAL_RATE: ev.total_rate, L.GRADE: ev.grade}
    for code, r in ev.leaves.items():
        values[L.score_name(code)] = r.score
        values[L.scorerate_name(code)] = r.score_rate
    out = {}
    for name, cell in lay.computed.items():
        if cell.ref.sheet == L.SCORE and name in values:
            out[(cell.ref.row, cell.ref.col)] = shown(values[name], cell.number_format)
    return out


def annex_table(builder: ReportBuilder, grid: Grid) -> None:
    """The workbook's 打分表 as a Word table: its texts and merged cells, the
    engine's scores in the cells that compute, its header rows repeated."""
    computed = engine_cells(builder.fw, builder.ev)
    nrows = grid.last_row - grid.first_row + 1
    default = 10.0
    shares = [grid.widths.get(c, default) for c in range(1, grid.cols + 1)]
    table = S.new_table(builder.doc, nrows, grid.cols, builder.widths(shares))
    # table.cell() rebuilds the whole cell grid on every call: take it once before
    # merging (the merges are disjoint, so each corner cell stays valid) and once after
    cols = grid.cols
    before = table._cells
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in grid.merges:
        before[(r1 - grid.first_row) * cols + c1 - 1].merge(before[(r2 - grid.first_row) * cols + c2 - 1])
        covered |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
    after = table._cells
    wide = sum(shares) / len(shares) * 1.5
    for r in range(grid.first_row, grid.last_row + 1):
        header = r in grid.header_rows
        if header:
            S.repeat_header(table.rows[r - grid.first_row])
        for c in range(1, cols + 1):
            if (r, c) in covered:
                continue
            text = computed.get((r, c), grid.texts.get((r, c), ""))
            cell = after[(r - grid.first_row) * cols + c - 1]
            left = not header and shares[c - 1] >= wide and len(text) > 12
            S.cell_text(cell, text, bold=header, size=S.ANNEX_SIZE,
                        align=WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER)


def build_report(src: Source, *, template: str | None = None, forced: list | None = None) -> bytes:
    """The .docx bytes of *src*'s report; *forced*: the check errors overridden by --force."""
    from xl_eval.report.templates import open_template
    doc = open_template(template)
    own = template is None
    S.ensure_styles(doc, own)
    if own:
        S.setup_section(doc.sections[0])
    elif doc.paragraphs or doc.tables:
        # the institution's own text stays first; the generated chapters start on a new page
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    builder = ReportBuilder(src, doc, warnings_forced=forced)
    builder.build()
    for section in doc.sections:
        S.page_number_footer(section)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

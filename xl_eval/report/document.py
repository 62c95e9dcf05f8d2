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
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Emu, Pt

from xl_eval.framework.model import INPUT_GROUPS, Framework
from xl_eval.forms.scoresheet import layout as L
from xl_eval.report import styles as S
from xl_eval.report.numbers import Figures, shown
from xl_eval.report.source import Grid, Source
from xl_eval.report.tree import RNode, leaf_weight, level_names, node_score, node_weight, tree

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


def leaf_paragraph(fw: Framework, ev, leaf, fig: Figures) -> str:
    """The drafted analysis of a leaf; it closes with "应得分N分，实际得分M分。", the score
    with the digits the workbook shows (4.40, as in the tables beside it)."""
    return draft_analysis(fw, ev, leaf.code).strip()


def marker(depth: int, n: int) -> str:
    """Outline number of a node below the top level: 1. / （1） / ①."""
    if depth == 2:
        return f"{n}. "
    if depth == 3:
        return f"（{n}）"
    return chr(0x2460 + n - 1) if n <= 20 else f"{n}）"


def _paths(top: RNode) -> list[list[RNode]]:
    """Root-to-scored-node paths under *top*, in order."""
    if top.leaf is not None:
        return [[top]]
    return [[top, *rest] for c in top.children for rest in _paths(c)]


def indicator(name: str) -> str:
    """'决策' -> '决策指标'; a name that already ends in 指标 ('数量指标') stays as it is."""
    return name if name.endswith("指标") else name + "指标"


def summary_sentence(node_name: str, weight: str, score: str) -> str:
    """The closing sentence of a branch node's analysis."""
    if not score or score == "—":
        return f"综上，{indicator(node_name)}应得分{weight}分，实际得分尚无法计算（有未填写的计分输入）。"
    return f"综上，{indicator(node_name)}应得分{weight}分，实际得分{score}分。"


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
        tops = tree(fw)
        levels = level_names(fw)
        counts = [sum(1 for t in tops for n in t.walk() if n.depth == d) for d in range(1, len(levels) + 1)]
        names = "、".join(t.name for t in tops)
        src = f"（{fw.source}）" if fw.source else ""
        more = "".join(f"，{name}{n}个" for name, n in zip(levels[1:], counts[1:]))
        self.para(f"本次评价采用《{fw.title}》{src}，设{levels[0]}{counts[0]}个（{names}）{more}，"
                  f"满分{Figures.points(fw.total_weight)}分。"
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
                      f"评价等级为“{ev.grade or '—'}”。各{level_names(fw)[0]}得分情况如下：")
        label = self.caption("绩效评价指标得分情况汇总表")
        rows = [(top.name, self.node_weight(top), fig.level1(top.code), fig.level1_rate(top.code))
                for top in tree(fw)]
        rows.append(("合计", Figures.points(fw.total_weight), fig.total(), fig.total_rate()))
        table = self.simple_table([level_names(fw)[0], "权重", "得分", "得分率"], rows, [4, 2, 2, 2], label)
        row = table.add_row()
        a = row.cells[0]
        S.cell_text(a, "评价等级", bold=True)
        merged = row.cells[1].merge(row.cells[3])
        S.cell_text(merged, ev.grade or "—", bold=True)
        S.keep_table_together(table)
        for cell in table.rows[-2].cells:
            for p in cell.paragraphs:
                for r in p.runs:
                    r.bold = True
        self.placeholder("综合评价结论的文字说明（总体绩效、主要成效和不足）。")

    # 四、绩效评价指标分析
    def analysis(self) -> None:
        fw, fig = self.fw, self.fig
        self.heading("四、绩效评价指标分析", 1)
        for i, top in enumerate(tree(fw), 1):
            self.heading(f"（{chinese_number(i)}）{top.name}", 2)
            weight, score, rate = self.node_weight(top), fig.level1(top.code) or "—", fig.level1_rate(top.code) or "—"
            if top.children:
                names = "、".join(c.name for c in top.children)
                self.para(f"{indicator(top.name)}主要从{names}{'等' if len(top.children) > 1 else ''}方面进行评价，"
                          f"指标分值权重为{weight}分，评价得分{score}分，得分率为{rate}。")
            else:
                self.para(f"{indicator(top.name)}分值权重为{weight}分，评价得分{score}分，得分率为{rate}。")
            if self.fw.subtotalled:       # a flat list: the summary table above already lists each
                self.leaf_table(top)
            if top.leaf is not None:
                self.leaf_text(top.leaf)
                continue
            self.branch(top)
            self.para(summary_sentence(top.name, weight, score))

    def branch(self, node: RNode) -> None:
        """The children of *node*: a heading each; a scored child gets its texts,
        a branch child its own children and then its summary sentence."""
        for j, child in enumerate(node.children, 1):
            self.heading(f"{marker(child.depth, j)}{child.name}", 3 if child.depth == 2 else 4)
            if child.leaf is not None:
                self.leaf_text(child.leaf)
                continue
            self.branch(child)
            self.para(summary_sentence(child.name, self.node_weight(child),
                                       self.fig.node(child, node_score(self.fw, self.ev, child)) or "—"))

    def node_weight(self, node: RNode) -> str:
        w = node_weight(self.ev, node)
        return "—" if w is None else Figures.points(w)

    def leaf_text(self, leaf) -> None:
        """The evaluator's 完成情况 (and 扣分原因 when points were lost), then the drafted analysis."""
        found = self.src.findings_text.get(leaf.code)
        if found:
            self.para(found)
        r = self.ev.leaves[leaf.code]
        reason = self.src.reason_text.get(leaf.code)
        if r.score is not None and r.weight is not None and r.score < r.weight and reason:
            self.para(f"扣分原因：{reason}")
        self.para(leaf_paragraph(self.fw, self.ev, leaf, self.fig))

    def leaf_table(self, top: RNode) -> None:
        """The leaves under a top-level node with their ancestors in merged cells."""
        fig = self.fig
        self.caption(f"{indicator(top.name)}得分情况")
        paths = _paths(top)
        depth = max(len(p) for p in paths)
        names = list(level_names(self.fw))[:depth]
        names += [f"{k + 1}级指标" for k in range(len(names), depth)]
        header = names + ["权重", "得分", "得分率"]
        shares = [2.2] * (depth - 1) + [3.6, 1.4, 1.4, 1.6]
        table = S.new_table(self.doc, 1 + len(paths) + 1, len(header), self.widths(shares))
        self._header(table, header)
        cols = len(header)
        cells = table._cells            # one snapshot: table.cell() rebuilds the grid per call
        spans = []                      # (row1, col1, row2, col2, text)
        for k in range(depth - 1):      # ancestors: vertical runs of the same node
            start = None
            for i, path in enumerate(paths + [None]):
                node = path[k] if path is not None and k < len(path) - 1 else None
                if start is not None and node is not paths[start][k]:
                    spans.append((1 + start, k, i, k, paths[start][k].name))
                    start = None
                if start is None and node is not None:
                    start = i
        for i, path in enumerate(paths):    # a leaf above the deepest level spans to the leaf column
            spans.append((1 + i, len(path) - 1, 1 + i, depth - 1, path[-1].name))
            leaf = path[-1].leaf
            w = leaf_weight(self.ev, leaf)
            for c, text in zip(range(depth, cols), ("—" if w is None else Figures.points(w), fig.leaf(leaf.code),
                                                    fig.leaf_rate(leaf.code))):
                S.cell_text(cells[(1 + i) * cols + c], text)
        last = 1 + len(paths)
        spans.append((last, 0, last, depth - 1, "小计"))
        for r1, c1, r2, c2, _ in spans:
            if (r1, c1) != (r2, c2):
                cells[r1 * cols + c1].merge(cells[r2 * cols + c2])
        after = table._cells
        for r1, c1, _, _, text in spans:
            S.cell_text(after[r1 * cols + c1], text, bold=text == "小计" and r1 == last)
        for c, text in zip(range(depth, cols), (self.node_weight(top), fig.level1(top.code), fig.level1_rate(top.code))):
            S.cell_text(after[last * cols + c], text, bold=True)
        S.keep_table_together(table)
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
        S.keep_table_together(table)
        self.spacer()
        return table

    # 五、主要经验及做法、存在的问题及原因分析
    def problems(self) -> None:
        fw, ev, fig = self.fw, self.ev, self.fig
        self.heading("五、主要经验及做法、存在的问题及原因分析", 1)
        self.heading("（一）主要经验及做法", 2)
        self.placeholder("主要经验及做法。")
        self.heading("（二）存在的问题及原因分析", 2)
        lost = [leaf for leaf in fw.leaves if ev.leaves[leaf.code].score is not None
                and ev.leaves[leaf.code].weight is not None and ev.leaves[leaf.code].score < ev.leaves[leaf.code].weight]
        if lost:
            self.para(f"评价中得分低于权重的指标共{len(lost)}个：")
            for n, leaf in enumerate(lost, 1):
                r = ev.leaves[leaf.code]
                cut = shown(r.weight - r.score, L.FMT_SCORE)
                why = self.src.reason_text.get(leaf.code) or draft_reason(fw, ev, leaf.code)
                parent = self._parent_name(leaf)
                self.para(f"{n}. {leaf.name}" + (f"（{parent}）" if parent else "") + "："
                          f"权重{Figures.points(r.weight)}分，得分{fig.leaf(leaf.code)}分，扣{cut}分。"
                          + (f"扣分原因：{why}" if why else ""))
        else:
            self.para("评价中没有得分低于权重的指标。")
        self.placeholder("存在的问题及其原因分析。")

    def _parent_name(self, leaf) -> str:
        for top in tree(self.fw):
            for path in _paths(top):
                if path[-1].leaf is leaf:
                    return "—".join(n.name for n in path[:-1])
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
    wide = sum(shares) / len(shares)
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
    from xl_eval.report.templates import new_document
    doc = new_document(template)
    builder = ReportBuilder(src, doc, warnings_forced=forced)
    builder.build()
    for section in doc.sections:
        S.page_number_footer(section)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

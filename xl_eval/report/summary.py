"""The batch summary report for the finance bureau (`xl-eval report … --summary`).

From many workbooks, each read and recomputed like a single report: how many
were read, the grade distribution with a bar chart drawn as a Word table (no
plotting library needed; the bars are shaded cells whose number is
proportional to the count), the units ranked by total (competition ranking,
unfinished last, as in collect), the units whose check found problems, and
the files that could not be read.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from xl_eval.report import styles as S
from xl_eval.report.document import chinese_number, subject
from xl_eval.report.numbers import Figures
from xl_eval.report.source import Source

BAR_CELLS = 20           # the longest bar
BAR_COLOR = "4472C4"


def ranked(sources: list[Source]) -> list[tuple[int | None, Source]]:
    """(rank, source), highest total first; equal totals share a rank (1, 2, 2, 4);
    unfinished workbooks (no total) last without a rank."""
    order = sorted(sources, key=lambda s: (s.evaluation.total is None, -(s.evaluation.total or 0.0),
                                           s.name or "", s.shown))
    totals = [s.evaluation.total for s in sources if s.evaluation.total is not None]
    return [(None if s.evaluation.total is None else 1 + sum(t > s.evaluation.total for t in totals), s)
            for s in order]


def grade_counts(fw, sources: list[Source]) -> dict[str, int]:
    counts = {g.name: 0 for g in fw.grades}
    for s in sources:
        if s.evaluation.grade in counts:
            counts[s.evaluation.grade] += 1
    return counts


def _shade(cell, color: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), color)
    S.insert_in_order(tcpr, shd, ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"))


def _no_inner_borders(table) -> None:
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    for el in list(borders):
        if el.tag in (qn("w:insideV"),):
            el.set(qn("w:val"), "nil")


class SummaryBuilder:
    def __init__(self, fw, sources: list[Source], failed: list[tuple[str, str]], doc):
        self.fw, self.sources, self.failed, self.doc = fw, sources, failed, doc
        self.table_no = 0

    def para(self, text: str = "", style: str = S.BODY, align=None):
        p = S.paragraph(self.doc, style)
        if text:
            p.add_run(text)
        if align is not None:
            p.alignment = align
        return p

    def caption(self, text: str) -> None:
        self.table_no += 1
        self.para(f"表{self.table_no} {text}", S.CAPTION)

    def widths(self, shares, minimum=S.MIN_COLUMN):
        return S.column_widths(int(S.text_width(self.doc.sections[-1])), shares, minimum)

    def table(self, header, rows, shares):
        t = S.new_table(self.doc, 1 + len(rows), len(header), self.widths(shares))
        S.repeat_header(t.rows[0])
        for c, text in zip(t.rows[0].cells, header):
            S.cell_text(c, text, bold=True)
        for i, values in enumerate(rows, 1):
            for c, text in zip(t.rows[i].cells, values):
                S.cell_text(c, "" if text is None else str(text))
        if len(t.rows) <= 25:
            S.keep_table_together(t)
        else:
            for row in t.rows:
                S.keep_row_together(row)
        p = self.para()
        p.paragraph_format.line_spacing = 1.0
        return t

    def build(self) -> None:
        fw, sources = self.fw, self.sources
        done = [s for s in sources if s.evaluation.total is not None]
        self.para(f"{subject(fw)}汇总报告", S.TITLE)
        n = 0

        def h1(text):
            nonlocal n
            n += 1
            self.para(f"{chinese_number(n)}、{text}", S.H1)

        h1("汇总情况")
        with_errors = [s for s in sources if s.errors]
        text = (f"本次共汇总打分表{len(sources)}个（指标体系：《{fw.title}》），其中评分完成{len(done)}个，"
                f"未完成{len(sources) - len(done)}个；xl-eval check 校验有错误的{len(with_errors)}个")
        text += f"；另有{len(self.failed)}个文件无法读取。" if self.failed else "。"
        if done:
            best = max(done, key=lambda s: s.evaluation.total)
            worst = min(done, key=lambda s: s.evaluation.total)
            text += (f"完成评分的单位中，最高分{Figures(fw, best.evaluation).total()}分，"
                     f"最低分{Figures(fw, worst.evaluation).total()}分。"
                     "各单位得分均由计分引擎按打分表中的输入重新计算。")
        self.para(text)

        h1("等级分布")
        if not fw.grades:
            self.para("本指标体系不划分评价等级。")
        else:
            counts = grade_counts(fw, sources)
            total_done = max(1, len(done))
            self.caption("评价等级分布")
            rows = [(g, str(c), f"{c / total_done * 100:.2f}%" if done else "—") for g, c in counts.items()]
            rows.append(("合计", str(sum(counts.values())), "100.00%" if done else "—"))
            self.table(["评价等级", "单位数", "占比"], rows, [3, 2, 2])
            self.caption("评价等级分布图（单位数）")
            biggest = max(counts.values() or [0]) or 1
            chart = S.new_table(self.doc, len(counts), 2 + BAR_CELLS,
                                self.widths([3] + [0.45] * BAR_CELLS + [1.6], minimum=0))
            _no_inner_borders(chart)
            for row, (g, c) in zip(chart.rows, counts.items()):
                S.cell_text(row.cells[0], g, bold=True)
                filled = round(c / biggest * BAR_CELLS) if c else 0
                for k in range(filled):
                    _shade(row.cells[1 + k], BAR_COLOR)
                S.cell_text(row.cells[-1], str(c))
            p = self.para()
            p.paragraph_format.line_spacing = 1.0

        h1("各单位得分排名")
        self.caption("各单位得分及排名")
        header = ["名次", "单位名称"] + [f"{l1.name}" for l1 in fw.level1] + ["总分", "等级", "校验问题"]
        rows = []
        for rank, s in ranked(sources):
            fig = Figures(fw, s.evaluation)
            problems = f"错误{len(s.errors)}，警告{len(s.warnings)}" if s.findings else "无"
            rows.append([str(rank) if rank else "—", s.name or Path(s.shown).stem]
                        + [fig.level1(l1.code) or "—" for l1 in fw.level1]
                        + [fig.total() or "—", s.evaluation.grade or ("未完成" if s.evaluation.total is None else "—"),
                           problems])
        self.table(header, rows, [1.2, 5] + [1.6] * len(fw.level1) + [1.6, 1.2, 2.4])

        h1("校验发现问题的单位")
        flagged = [s for s in sources if s.findings]
        if flagged:
            self.para("下列打分表经 xl-eval check 校验有错误或警告，请在形成正式报告前核实改正：")
            rows = []
            for s in flagged:
                first = "；".join(f"{f.where}：{f.message}" for f in (s.errors + s.warnings)[:3])
                more = len(s.findings) - 3
                rows.append([s.name or Path(s.shown).stem, s.shown, str(len(s.errors)), str(len(s.warnings)),
                             first + (f"（另有{more}条）" if more > 0 else "")])
            self.caption("校验发现问题的单位")
            self.table(["单位名称", "文件", "错误", "警告", "主要问题"], rows, [3, 3, 1.2, 1.2, 7])
        else:
            self.para("所有打分表经 xl-eval check 校验均未发现问题。")
        if self.failed:
            h1("无法读取的文件")
            self.caption("无法读取的文件")
            self.table(["文件", "原因"], [(f, why) for f, why in self.failed], [4, 8])


def build_summary(fw, sources: list[Source], failed: list[tuple[str, str]], *, template: str | None = None) -> bytes:
    from xl_eval.report.templates import open_template
    doc = open_template(template)
    own = template is None
    S.ensure_styles(doc, own)
    if own:
        S.setup_section(doc.sections[0])
    SummaryBuilder(fw, sources, failed, doc).build()
    for section in doc.sections:
        S.page_number_footer(section)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

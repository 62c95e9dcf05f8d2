"""A report's sentences against its tables, and its money and project tables.

* "综上，X指标应当得分N分，…扣除D分，实际得M分": X must be the node of the
  section the sentence closes, and N / D / M its weight, deduction, score;
* "指标分值权重为N分，评价得分M分，得分率为R%" under a level-1 heading;
* "得分为T分，整体运行状况为“优”": the total and the grade;
* tables with a 合计 row: each column's rows add up to it; a figure a
  sentence quotes for a row's name is one of that row's values; a project
  table's totals against the 项目支出 figures and its row count against
  "N个项目";
* a 自评表's 年度资金总额 row: the sum of its 其中 rows in each budget column.
"""

from __future__ import annotations

import re
from typing import Iterator

from xl_eval.check.findings import Finding
from xl_eval.check.foreign.context import Ctx, pct
from xl_eval.check.foreign.grid import Grid, norm, number_of
from xl_eval.check.foreign.headers import FUND_COLUMN_WORDS, FUND_PART_WORDS, FUND_TOTAL_WORDS
from xl_eval.check.foreign.mapping import Node
from xl_eval.check.foreign.sections import scopes
from xl_eval.check.foreign.text_checks import _FULLWIDTH, excerpt, quoted_figures
from xl_eval.core.xlround import plain, xl_round
from xl_eval.engine.score import grade_of

_N = r"([0-9]+(?:\.[0-9]+)?)"
SUMMARY_RE = re.compile(r"综上[，,]\s*(?P<name>[^，,。]{1,20}?)指标应当?得分?\s*" + _N + r"\s*分"
                        r"(?:[，,][^，,。]*?扣除?\s*" + r"(?P<cut>[0-9]+(?:\.[0-9]+)?)\s*分)?"
                        r"(?:[，,][^，,。]*?)?[，,]\s*实际得分?\s*(?P<got>[0-9]+(?:\.[0-9]+)?)\s*分")
LEVEL_RE = re.compile(r"权重为\s*" + _N + r"\s*分[，,]\s*(?:评价)?得分\s*" + _N + r"\s*分(?:[，,]\s*得分率为?\s*"
                      + _N + r"\s*%)?")
OVERALL_RE = re.compile(r"得分为\s*" + _N + r"\s*分[，,]?\s*(?:整体运行状况|评价等级|等级|评价结果)为\s*[“\"]?([优良中差])")


def check_body(ctx: Ctx) -> Iterator[Finding]:
    if not ctx.doc.paragraphs:
        return
    for s in scopes(ctx.doc.paragraphs, ctx.index):
        text = s.para.text.translate(_FULLWIDTH)
        for m in SUMMARY_RE.finditer(text):
            section = s.level2 or s.level1
            yield from _summary(ctx, s.para, text, m, section)
        if s.level1 is not None and s.level2 is None and s.leaf is None:
            for m in LEVEL_RE.finditer(text):
                yield from _level_sentence(ctx, s.para, text, m, s.level1)
    for p in ctx.doc.paragraphs:
        text = p.text.translate(_FULLWIDTH)
        for m in OVERALL_RE.finditer(text):
            total = ctx.total
            if total is None:
                continue
            if xl_round(float(m.group(1)), 2) != xl_round(total, 2):
                yield ctx.in_paragraph("XE740", p, quoted=excerpt(text, m.start(), m.end()), table=_table(ctx),
                                       node="合计", column="总分", column_en="total", expected=plain(total))
            grade = grade_of(ctx.fw, total)
            if grade and m.group(2) != grade:
                yield ctx.in_paragraph("XE740", p, quoted=excerpt(text, m.start(), m.end()), table=_table(ctx),
                                       node="合计", column="等级", column_en="grade", expected=grade)


def _table(ctx: Ctx) -> str:
    return ctx.primary.label if ctx.primary else "打分表"


def _values(ctx: Ctx, node: Node) -> tuple[float, float | None]:
    return (None if node.open else node.weight), ctx.node_score(node)


def _summary(ctx: Ctx, para, text: str, m: re.Match, section: Node | None) -> Iterator[Finding]:
    quoted = excerpt(text, m.start(), m.end(), limit=60)
    due, got = float(m.group(2)), float(m.group("got"))
    cut = float(m.group("cut")) if m.group("cut") else None
    named = ctx.index.find(m.group("name"), levels=(1, 2), loose=False)
    fits = lambda node: node is not None and _fits(ctx, node, due, got)  # noqa: E731
    # a level-1 sentence closing its last level-2 subsection ("综上，产出指标……" after 职责履行) is right
    closes_parent = named is not None and section is not None and section in getattr(named, "children", ())
    if section is not None and named is not section and not (closes_parent and fits(named)):
        sw, ss = _values(ctx, section)
        if named is None:
            problem = f"“{m.group('name')}”不是指标体系中的指标"
            en = f"“{m.group('name')}” is not an indicator of the framework"
        else:
            nw, ns = _values(ctx, named)
            problem = (f"本节是“{section.name}”，所写的是“{named.name}”"
                       f"（“{named.name}”应得 {plain(nw) if nw is not None else '—'} 分、"
                       f"实际得 {plain(ns) if ns is not None else '—'} 分）")
            en = f"the section is “{section.name}”, the sentence names “{named.name}”"
        if fits(section):
            problem += f"；数字与本节“{section.name}”一致，应为“{section.name}”"
            en += f"; the figures are those of “{section.name}”"
        elif named is None or not fits(named):
            problem += (f"；本节“{section.name}”应得 {plain(sw) if sw is not None else '—'} 分、"
                        f"实际得 {plain(ss) if ss is not None else '—'} 分")
        if named is None or not fits(named) or fits(section):
            yield ctx.in_paragraph("XE741", para, quoted=quoted, problem=problem, problem_en=en)
            return
    node = named or section
    if node is None:
        return
    w, s = _values(ctx, node)
    if w is not None and xl_round(due, 2) != xl_round(w, 2):
        yield ctx.in_paragraph("XE740", para, quoted=quoted, table=_table(ctx), node=node.name, column="权重",
                               column_en="weight", expected=plain(w))
    if s is not None and xl_round(got, 2) != xl_round(s, 2):
        yield ctx.in_paragraph("XE740", para, quoted=quoted, table=_table(ctx), node=node.name, column="得分",
                               column_en="score", expected=plain(s))
    if cut is not None and xl_round(due - got, 2) != xl_round(cut, 2):
        yield ctx.in_paragraph("XE741", para, quoted=quoted,
                               problem=f"应得 {plain(due)} 分、实际 {plain(got)} 分，扣除的应为 {plain(due - got)} 分",
                               problem_en=f"{plain(due)} − {plain(got)} is {plain(due - got)}")


def _fits(ctx: Ctx, node: Node, due: float, got: float) -> bool:
    w, s = _values(ctx, node)
    return xl_round(due, 2) == xl_round(w, 2) and s is not None and xl_round(got, 2) == xl_round(s, 2)


def _level_sentence(ctx: Ctx, para, text: str, m: re.Match, node: Node) -> Iterator[Finding]:
    quoted = excerpt(text, m.start(), m.end(), limit=60)
    w, s = _values(ctx, node)
    due, got = float(m.group(1)), float(m.group(2))
    if w is not None and xl_round(due, 2) != xl_round(w, 2):
        yield ctx.in_paragraph("XE740", para, quoted=quoted, table=_table(ctx), node=node.name, column="权重",
                               column_en="weight", expected=plain(w))
    if s is not None and xl_round(got, 2) != xl_round(s, 2):
        yield ctx.in_paragraph("XE740", para, quoted=quoted, table=_table(ctx), node=node.name, column="得分",
                               column_en="score", expected=plain(s))
    if m.group(3) and due:
        shown = m.group(3)
        digits = len(shown.split(".")[1]) if "." in shown else 0
        if xl_round(got / due * 100, digits) != xl_round(float(shown), digits):
            yield ctx.in_paragraph("XE740", para, quoted=quoted, table="得分 ÷ 权重", node=node.name,
                                   column="得分率", column_en="score rate", expected=pct(got / due))


# ------------------------------------------------------------ money tables

def _total_row(grid: Grid) -> int | None:
    for i in range(len(grid.rows) - 1, 0, -1):
        first = next((c for c in grid.rows[i] if not c.blank), None)
        if first is not None and "合计" in first.text:
            return i
    return None


def _money_tables(ctx: Ctx) -> list[Grid]:
    scored = {id(t.grid) for t in ctx.tables}
    return [g for g in ctx.doc.grids if id(g) not in scored and len(g.rows) >= 3 and _total_row(g) is not None]


def _label(row) -> str:
    first = next((c for c in row if not c.blank), None)
    return first.text if first is not None else ""


def check_money_tables(ctx: Ctx) -> Iterator[Finding]:
    for g in _money_tables(ctx):
        total_at = _total_row(g)
        header = g.rows[0]
        detail = [r for r in g.rows[1:total_at] if not any(w in _label(r) for w in ("合计", "小计", "其中"))]
        for j, head in enumerate(header):
            if j == 0 or head.blank or "率" in head.text:
                continue
            cells = [r[j] for r in detail if j < len(r)]
            nums = [number_of(c) for c in cells]
            if not any(v is not None for v, _, _ in nums) or any(p for _, _, p in nums):
                continue
            total_cell = g.rows[total_at][j]
            tv = number_of(total_cell)[0]
            if tv is None:
                continue
            s = xl_round(sum(v for v, _, _ in nums if v is not None), 2)
            if s != xl_round(tv, 2):
                yield ctx.at("XE743", total_cell, table=g.label, column=head.text, expected=f"{s:.2f}",
                             shown=total_cell.text, total_row="合计行")
    yield from _text_against_tables(ctx)


def _core(label: str) -> str:
    t = norm(label)
    t = re.sub(r"^[一二三四五六七八九十]+[、.]|^[0-9]+[、.]", "", t)
    for w in ("其中", "财政拨款", "拨款", "收入", "支出", "（按功能分类）", "项目"):
        t = t.replace(w, "")
    return t


def _text_against_tables(ctx: Ctx) -> Iterator[Finding]:
    tables = _money_tables(ctx)
    if not tables or not ctx.doc.paragraphs:
        return
    rows = []
    for g in tables:
        for r in g.rows[1:]:
            core = _core(_label(r))
            vals = [number_of(c)[0] for c in r[1:]]
            vals = [v for v in vals if v is not None]
            if len(core) >= 4 and vals:
                rows.append((core, g, _label(r), vals))
    projects = next((g for g in tables if "项目" in g.caption or "项目名称" in g.rows[0][0].text), None)
    for p in ctx.doc.paragraphs:
        text = p.text.translate(_FULLWIDTH)
        for m in re.finditer(r"([\u4e00-\u9fa5]{4,16}?)(?:为)?\s*([0-9]+(?:\.[0-9]+)?)\s*万元", text):
            core = _core(m.group(1))
            hits = [r for r in rows if r[0] and (r[0] == core or (len(core) >= 6 and core.endswith(r[0])))]
            if not hits:
                continue
            value = float(m.group(2))
            # "…拨款/收入" is read against income rows, "…支出" against spending rows
            words = [w for w in ("拨款", "收入", "支出") if w in m.group(1)]
            preferred = [h for h in hits if any(w in h[2] for w in words)]
            hits = preferred or hits
            core_row, g, label, vals = hits[0]
            if all(xl_round(v, 2) != xl_round(value, 2) for h in hits for v in h[3]):
                yield ctx.in_paragraph("XE744", p, quoted=excerpt(text, m.start(), m.end()), table=g.label,
                                       row=label, values=" / ".join(plain(v) for v in vals))
        if projects is not None:
            yield from _against_projects(ctx, p, text, projects)


def _against_projects(ctx: Ctx, p, text: str, g: Grid) -> Iterator[Finding]:
    total_at = _total_row(g)
    n_rows = sum(1 for r in g.rows[1:total_at] if number_of(r[1])[0] is not None) if len(g.rows[0]) > 1 else 0
    for m in re.finditer(r"([0-9]+)\s*个(?:[\u4e00-\u9fa5]{0,8})?项目", text):
        if "采购" in text[max(0, m.start() - 6):m.end()]:
            continue
        if int(m.group(1)) != n_rows and n_rows:
            yield ctx.in_paragraph("XE745", p, quoted=excerpt(text, m.start(), m.end()), table=g.label, n=n_rows)
    for key, value, m in quoted_figures(text):
        if not key.startswith("项目支出"):
            continue
        word = {"项目支出决算数": "决算", "项目支出年初预算数": "年初预算", "项目支出全年预算数": "全年预算"}.get(key)
        if not word:
            continue
        for j, head in enumerate(g.rows[0]):
            if word in head.text and j < len(g.rows[total_at]):
                tv = number_of(g.rows[total_at][j])[0]
                if tv is not None and xl_round(tv, 2) != xl_round(value, 2):
                    yield ctx.in_paragraph("XE744", p, quoted=excerpt(text, m.start(), m.end()), table=g.label,
                                           row=f"合计（{head.text}）", values=plain(tv))


# ------------------------------------------------ a 自评表's funds block

def _row_label(row) -> tuple[int, str]:
    """(column, text) of the first cell a row writes itself (not a merged copy)."""
    return next(((j, c.text) for j, c in enumerate(row) if not c.blank and not c.merged), (-1, ""))


def check_fund_blocks(ctx: Ctx) -> Iterator[Finding]:
    """年度资金总额 against its 其中 rows (本年财政拨款, 上年结转资金, 其他资金), column by
    column (年初预算数, 全年预算数, 全年执行数), in any table of the file, the
    scoring table's own grid included (a 自评表 prints the block above its indicators)."""
    for g in ctx.doc.grids:
        for i, row in enumerate(g.rows):
            at, label = _row_label(row)
            if i == 0 or not any(w in norm(label) for w in FUND_TOTAL_WORDS):
                continue
            parts = []
            for below in g.rows[i + 1:]:
                j, text = _row_label(below)
                if j < 0 or not any(norm(text).startswith(w) or w in norm(text)[:8] for w in FUND_PART_WORDS):
                    break
                parts.append(below)
            if not parts:
                continue
            for j, head in enumerate(g.rows[i - 1]):
                if j <= at or head.merged or not any(w in norm(head.text) for w in FUND_COLUMN_WORDS):
                    continue
                total = number_of(row[j])[0] if j < len(row) else None
                values = [number_of(p[j])[0] for p in parts if j < len(p)]
                if total is None or not any(v is not None for v in values):
                    continue
                s = xl_round(sum(v for v in values if v is not None), 4)
                if xl_round(total, 4) != s:
                    yield ctx.at("XE743", row[j], table=g.label, column=head.text, expected=plain(s),
                                 shown=row[j].text, total_row=f"“{label.strip().rstrip(':：')}”一行")

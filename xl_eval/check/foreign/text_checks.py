"""Checks of what the texts say: "扣N分" / "实际得分N分" against weight − score,
years against the evaluation year, the same figure quoted with two values,
and the scoring rules recomputed by the engine from the figures a text quotes.

Texts are a leaf's 完成情况 / 扣分原因 cells and, in a Word report, the body
paragraphs under that leaf's heading (sections.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from xl_eval.check.findings import Finding
from xl_eval.check.foreign.context import Ctx, pct
from xl_eval.check.foreign.grid import GCell, Paragraph
from xl_eval.check.foreign.sections import scopes
from xl_eval.core.values import chinese_numeral
from xl_eval.core.xlround import plain, xl_round
from xl_eval.engine.score import compute_rate, effective_values, leaf_inputs, score_part

_FULLWIDTH = str.maketrans("０１２３４５６７８９％．", "0123456789%.")
_NUMWORD = r"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十]+)"
DEDUCT_RE = re.compile(r"扣(?:除|减)?\s*" + _NUMWORD + r"\s*分")
ACTUAL_RE = re.compile(r"实际得分?\s*" + _NUMWORD + r"\s*分")
DUE_RE = re.compile(r"应得分?\s*" + _NUMWORD + r"\s*分")
YEAR_RE = re.compile(r"(?:截至|截止|截止到)?(?<![0-9])((?:19|20)[0-9]{2})\s*年")
COMPARE_RE = re.compile(r"变动率|变化率|增长率|同比|上年度|比上年|较上年|上一年")
YEAR_TERMS = re.compile(r"^(?:度|末|底|12月31日)|年初|全年|预算|决算|经费|支出|资产|结转|结余|收入|履职|工作")
CLAUSE_END = "，。；;,！？!?\n"
AMOUNT_RE = re.compile(r"((?:[\u4e00-\u9fa5“”\"]|（[^）]{0,12}）){2,24}?)(?:为|是|：|:|约)?\s*([0-9]+(?:\.[0-9]+)?)\s*万元")

# Figure names as reports write them -> one key; generic budget words, no framework codes.
TERMS = (
    ("年初支出预算数", "年初预算数"), ("年初预算支出数", "年初预算数"), ("年初预算数", "年初预算数"),
    ("调整后全年预算数", "全年预算数"), ("调整预算数", "全年预算数"), ("全年预算金额", "全年预算数"),
    ("全年预算数", "全年预算数"), ("决算数", "决算数"), ("执行数", "决算数"),
    ("结转结余金额", "结转结余"), ("结转结余总额", "结转结余"),
    ("固定资产总额", "资产总额"), ("资产总额", "资产总额"),
    ("自用固定资产金额", "在用固定资产"), ("正在使用的固定资产金额", "在用固定资产"), ("在用固定资产总额", "在用固定资产"),
    ("经费预算安排", "预算安排"), ("预算安排", "预算安排"), ("支出金额", "支出金额"),
)
QUALIFIERS = ("基本支出", "项目支出", "一般公共预算", "政府性基金", "国有资本经营", "三公")


@dataclass
class Text:
    text: str
    cell: GCell | None = None          # a table cell, or
    para: Paragraph | None = None      # a body paragraph
    leaf: object = None                # the leaf node it talks about (None: not a leaf's text)

    def where(self) -> str:
        if self.cell is not None:
            return self.cell.where
        return f"正文第{self.para.number}段"


def _n(word: str) -> float | None:
    if word[0].isdigit():
        return float(word)
    n = chinese_numeral(word)
    return None if n is None else float(n)


def texts(ctx: Ctx) -> list[Text]:
    """Every text the checks read, each with the leaf it belongs to."""
    cached = getattr(ctx, "_texts", None)
    if cached is not None:
        return cached
    out: list[Text] = []
    if ctx.primary is not None:
        for rec in ctx.primary.records:
            if rec.kind == "leaf" and rec.node is not None:
                for f in ("findings", "reason"):
                    if rec.texts.get(f):
                        out.append(Text(rec.texts[f], rec.cells.get(f), leaf=rec.node))
    for s in scopes(ctx.doc.paragraphs, ctx.index):
        if s.heading is None:
            out.append(Text(s.para.text, para=s.para, leaf=s.leaf))
    ctx._texts = out
    return out


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    a = max((text.rfind(ch, 0, start) for ch in CLAUSE_END), default=-1) + 1
    ends = [i for i in (text.find(ch, end) for ch in CLAUSE_END) if i >= 0]
    return a, (min(ends) if ends else len(text))


def excerpt(text: str, start: int, end: int, limit: int = 40) -> str:
    a, b = _clause(text, start, end)
    s = text[a:b].strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _at(ctx: Ctx, code: str, t: Text, **fields) -> Finding:
    if t.cell is not None:
        return ctx.at(code, t.cell, **fields)
    return ctx.in_paragraph(code, t.para, **fields)


def _leaf_text(t: Text) -> bool:
    """A text about one leaf (not a 综上 sentence summing several)."""
    return t.leaf is not None and not t.text.startswith("综上")


def check_texts(ctx: Ctx) -> Iterator[Finding]:
    yield from _deductions_and_scores(ctx)
    yield from _years(ctx)
    yield from _same_figures(ctx)


def _deductions_and_scores(ctx: Ctx) -> Iterator[Finding]:
    for t in texts(ctx):
        if not _leaf_text(t):
            continue
        rec = ctx.leaf_rows.get(t.leaf.code)
        score = ctx.leaf_score(t.leaf.code)
        if rec is None or score is None:
            continue
        w = rec.value("weight")
        weight = w.value if w.present and not w.percent else t.leaf.weight
        if not weight:
            continue
        text = t.text.translate(_FULLWIDTH)
        total, quoted = 0.0, []
        for m in DEDUCT_RE.finditer(text):
            a, _ = _clause(text, m.start(), m.end())
            before = text[a:m.start()]
            if "每" in before or "超出一个" in before or "如" in before or "的，" in text[max(0, a - 2):m.start()]:
                continue           # quoting the rule, not the deduction
            n = _n(m.group(1))
            if n is None:
                break
            total += n
            quoted.append(m)
        if quoted:
            deducted = xl_round(weight - score, 2)
            if xl_round(total, 2) != deducted and len(quoted) == 1:
                m = quoted[0]
                yield _at(ctx, "XE730", t, quoted=excerpt(text, m.start(), m.end()), expected=plain(deducted),
                          node=t.leaf.name, weight=plain(weight), score=plain(score))
        for m in ACTUAL_RE.finditer(text):
            n = _n(m.group(1))
            if n is not None and xl_round(n, 2) != xl_round(score, 2):
                yield _at(ctx, "XE731", t, quoted=excerpt(text, m.start(), m.end()), node=t.leaf.name,
                          column="得分", column_en="score", expected=plain(score))
        for m in DUE_RE.finditer(text):
            n = _n(m.group(1))
            if n is not None and xl_round(n, 2) != xl_round(weight, 2):
                yield _at(ctx, "XE731", t, quoted=excerpt(text, m.start(), m.end()), node=t.leaf.name,
                          column="权重", column_en="weight", expected=plain(weight))


def _years(ctx: Ctx) -> Iterator[Finding]:
    if ctx.year is None:
        return
    for t in texts(ctx):
        text = t.text.translate(_FULLWIDTH)
        named = {int(y) for y in YEAR_RE.findall(text)}
        for m in YEAR_RE.finditer(text):
            year = int(m.group(1))
            if year == ctx.year:
                continue
            if year == ctx.year - 1 and ctx.year in named and COMPARE_RE.search(text):
                continue                           # this year against the last (变动率, 同比)
            a, b = _clause(text, m.start(), m.end())
            after = text[m.end():b]
            if re.match(r"\s*[0-9]{1,2}\s*月", after) and not after.lstrip().startswith("12月31日"):
                continue                           # a date, e.g. the evaluation's own schedule
            if re.search(r"[-—～~至到]\s*$", text[a:m.start()]) or re.match(r"\s*(?:及以前|以来|至今|[-—～~至])", after):
                continue                           # a range of years
            if not YEAR_TERMS.search(after) and not YEAR_TERMS.search(text[a:m.start()]):
                continue
            yield _at(ctx, "XE732", t, quoted=excerpt(text, m.start(), m.end()), year=ctx.year)


def figure_key(before: str, name: str) -> str | None:
    """The figure a "名称为N万元" names; the nearest qualifier earlier in the
    sentence (基本支出 / 项目支出 …) is part of it."""
    name = re.sub(r"（[^）]*）", "", name)
    for word, key in TERMS:
        if name.endswith(word):
            text = before + name
            hits = [(text.rfind(q), q) for q in QUALIFIERS if q in text]
            qual = max(hits)[1] if hits else ""
            return qual + key
    return None


def quoted_figures(text: str) -> Iterator[tuple[str, float, re.Match]]:
    """(figure key, value, match) for each "名称为N万元" a text quotes."""
    text = text.translate(_FULLWIDTH)
    for m in AMOUNT_RE.finditer(text):
        a = max((text.rfind(ch, 0, m.start()) for ch in "。；;\n"), default=-1) + 1
        key = figure_key(text[a:m.start()], m.group(1))
        if key:
            yield key, float(m.group(2)), m


def _same_figures(ctx: Ctx) -> Iterator[Finding]:
    seen: dict[str, tuple[float, Text, str]] = {}
    for t in texts(ctx) + [Text(p.text, para=p) for p in ctx.doc.paragraphs if not _in_texts(ctx, p)]:
        text = t.text.translate(_FULLWIDTH)
        for key, value, m in quoted_figures(text):
            quoted = excerpt(text, m.start(), m.end())
            if key not in seen:
                seen[key] = (value, t, quoted)
                continue
            first, where, q0 = seen[key]
            if xl_round(first, 2) != xl_round(value, 2):
                yield _at(ctx, "XE733", t, quoted=quoted, other=q0, other_where=where.where())


def _in_texts(ctx: Ctx, p: Paragraph) -> bool:
    return any(t.para is p for t in texts(ctx))


# ------------------------------------------------- rules recomputed from quoted figures

def _input_patterns(ctx: Ctx) -> dict[str, list[str]]:
    """Input code -> the names texts use for it: its label and the framework's aliases."""
    fw = ctx.fw
    aliases: dict[str, tuple[str, ...]] = {}
    check_text = getattr(fw, "check_text", None)
    if check_text is not None and getattr(check_text, "amount_aliases", None):
        aliases = dict(check_text.amount_aliases)
    else:
        try:
            from xl_eval.check.workbook import AMOUNT_ALIASES
            aliases = {k: tuple(v) for k, v in AMOUNT_ALIASES.items() if k in fw.inputs}
        except ImportError:
            aliases = {}
    out = {}
    for code, inp in fw.inputs.items():
        if inp.kind == "amount":
            names = [inp.label, *aliases.get(code, ())]
            out[code] = sorted({n.replace("\"", "“") for n in names}, key=len, reverse=True)
    return out


_PROJECTS_DONE = re.compile(r"([0-9]+)\s*个(?:[\u4e00-\u9fa5]{0,8})?项目(?:均已|已全部|全部)完成")


def _quoted_inputs(ctx: Ctx, text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    t = text.translate(_FULLWIDTH).replace("\"", "“")
    for code, names in _input_patterns(ctx).items():
        for name in names:
            m = re.search(re.escape(name) + r"(?:（[^）]{0,12}）)?(?:为|是|：|:)?\s*([0-9]+(?:\.[0-9]+)?)\s*万元", t)
            if m:
                found[code] = float(m.group(1))
                break
    m = _PROJECTS_DONE.search(t)
    pl = getattr(ctx.fw, "project_list", {}) or {}
    if m and pl.get("planned") and pl.get("completed"):
        found[pl["planned"]] = found[pl["completed"]] = float(m.group(1))
    return found


def check_recomputed(ctx: Ctx) -> Iterator[Finding]:
    """Where a leaf's texts quote the figures its rule needs, recompute the rate
    and the rule's points with the engine and compare with the printed score."""
    fw = ctx.fw
    by_leaf: dict[str, list[Text]] = {}
    for t in texts(ctx):
        if _leaf_text(t):
            by_leaf.setdefault(t.leaf.code, []).append(t)
    for code, items in by_leaf.items():
        node = ctx.index.leaf(code)
        rec = ctx.leaf_rows.get(code)
        if node is None or rec is None or node.open:
            continue
        found: dict[str, float] = {}
        for t in items:
            for k, v in _quoted_inputs(ctx, t.text).items():
                found.setdefault(k, v)
        if not found:
            continue
        values = effective_values(fw, found)
        rates = {c: compute_rate(r, values, fw.precision.rate) for c, r in fw.rates.items()}
        named = {**values, **rates}
        leaf = node.leaf
        yield from _quoted_rates(ctx, items, found, rates)
        score = rec.value("score")
        for part in leaf.parts:
            needs = leaf_inputs(fw, part.rule)
            if not needs or any(values.get(n) is None for n in needs) or not any(n in found for n in needs):
                continue
            pr = score_part(fw, part, named)
            if pr.score is None or part.rule.is_modifier or not score.present:
                continue
            inputs = "、".join(f"{fw.inputs[n].label}{plain(found[n])}" for n in needs if n in found)
            if len(leaf.parts) == 1:
                expected = xl_round(min(max(pr.score, 0.0), leaf.weight), fw.precision.score)
                if xl_round(score.value, 2) != expected:
                    yield ctx.at("XE734", score.cell, inputs=inputs, detail=pr.explanation, node=leaf.name,
                                 what="", what_en="", expected=plain(expected), shown=plain(score.value))
            else:
                bound = xl_round(leaf.weight - (part.max - pr.score), fw.precision.score)
                if score.value > bound + 1e-9:
                    yield ctx.at("XE734", score.cell, inputs=inputs, detail=f"{part.name}{pr.explanation}",
                                 node=leaf.name, what="最多", what_en="at most", expected=plain(bound),
                                 shown=plain(score.value))


def _quoted_rates(ctx: Ctx, items: list[Text], found: dict[str, float], rates: dict) -> Iterator[Finding]:
    fw = ctx.fw
    for code, rate in fw.rates.items():
        value = rates.get(code)
        needs = set(rate.numerator.names + rate.denominator.names)
        if value is None or not needs & set(found) or value == float("inf"):
            continue
        short = {rate.name, rate.name[-3:]}
        for t in items:
            text = t.text.translate(_FULLWIDTH)
            for name in sorted(short, key=len, reverse=True):
                m = re.search(re.escape(name) + r"(?:为|是|：)?\s*([0-9]+(?:\.[0-9]+)?)\s*%", text)
                if not m:
                    continue
                shown = float(m.group(1))
                digits = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
                if xl_round(value * 100, digits) != xl_round(shown, digits):
                    inputs = "、".join(f"{fw.inputs[n].label}{plain(found[n])}" for n in sorted(needs) if n in found)
                    yield _at(ctx, "XE735", t, quoted=excerpt(text, m.start(), m.end()), inputs=inputs,
                              rate_name=rate.name, expected=pct(value))
                break

"""Checks of score tables: mapping, weights, ranges, rates, sums, grade, tables
against each other, and the criteria texts' own points.

Each check is a generator of Findings over the Ctx; none raises for a bad table.
"""

from __future__ import annotations

import re
from typing import Iterator

from xl_eval.check.findings import Finding
from xl_eval.check.foreign.context import Ctx, pct, rate_matches, same_shown, shown_rate
from xl_eval.check.foreign.grid import norm
from xl_eval.check.foreign.mapping import Node, bare
from xl_eval.check.foreign.tables import Record, ScoreTable
from xl_eval.core.values import chinese_numeral
from xl_eval.core.xlround import plain, xl_round
from xl_eval.engine.score import grade_of

LEVEL_WORDS = {1: ("一级指标", "level-1 indicator"), 2: ("二级指标", "level-2 indicator")}


def map_tables(ctx: Ctx) -> Iterator[Finding]:
    """Attach a framework node to each record; report rows that match nothing
    and repeated leaves; choose the primary scoring table."""
    for t in ctx.tables:
        seen: dict[str, Record] = {}
        for rec in t.records:
            if rec.kind == "leaf":
                rec.node = ctx.index.find(rec.name, levels=(3,))
                if rec.node is None:
                    rec.node = ctx.index.find(rec.name, levels=(1, 2))
                    if rec.node is not None:
                        rec.kind = "group"          # a summary row: 决策, 程序合理性 ...
                if rec.node is None:
                    yield ctx.at("XE710", rec.where("name"), node=rec.name)
                    continue
            elif rec.kind == "group":
                rec.node = ctx.index.find(rec.level2 or rec.level1, levels=(1, 2))
                if rec.node is None:
                    yield ctx.at("XE710", rec.where(), node=rec.label)
                    continue
            else:
                continue
            key = f"{rec.node.level}:{rec.node.code}"
            if key in seen:
                other = seen[key].where("name")
                yield ctx.at("XE712", rec.where("name"), node=rec.label, other=other.where if other else "")
                rec.node = None
                continue
            seen[key] = rec
    ranked = sorted(ctx.tables, key=lambda t: (-t.full, -sum(r.kind == "leaf" and r.node is not None
                                                               for r in t.records)))
    ctx.primary = ranked[0] if ranked else None
    for t in ranked:                       # leaves missing from the full table come from the others
        for rec in t.records:
            if rec.kind == "leaf" and rec.node is not None:
                ctx.leaf_rows.setdefault(rec.node.code, rec)
    if ctx.primary is not None and ctx.primary.full:
        present = {r.node.code for r in ctx.primary.records if r.kind == "leaf" and r.node is not None}
        for node in ctx.index.leaves:
            if node.code not in present:
                yield ctx.at("XE711", ctx.primary.grid.rows[0][0] if ctx.primary.grid.rows else None,
                             node=node.name, path=f"{node.parent.parent.name}/{node.parent.name}",
                             weight=plain(node.weight), table=ctx.primary.label)


def check_rows(ctx: Ctx) -> Iterator[Finding]:
    """Per leaf row: parents, weight, 0 ≤ score ≤ weight, 得分率 = 得分/权重, shifted numbers."""
    for t in ctx.tables:
        for rec in t.records:
            if rec.shifted:
                yield from _shifted(ctx, rec)
            if rec.kind not in ("leaf", "group") or rec.node is None:
                continue
            node: Node = rec.node
            yield from _unreadable(ctx, rec)
            if rec.kind == "leaf":
                yield from _parents(ctx, rec, node)
            w, s, r = rec.value("weight"), rec.value("score"), rec.value("rate")
            if w.present and node.weight and not same_shown(node.weight, w.value, w.digits) and not w.percent:
                yield ctx.at("XE720", w.cell, node=rec.label, shown=plain(w.value), expected=plain(node.weight))
            weight = w.value if w.present and not w.percent else node.weight
            if not weight:
                continue                   # an open weight the table does not state
            if s.present and (s.value < 0 or s.value > weight + 1e-9):
                yield ctx.at("XE721", s.cell, node=rec.label, score=plain(s.value), weight=plain(weight))
            if (rec.kind == "leaf" and s.present and s.value < weight - 1e-9 and "reason" in t.columns
                    and t.full and not rec.texts.get("reason")):
                yield ctx.at("XE717", rec.cells.get("reason"), node=rec.label, score=plain(s.value),
                             weight=plain(weight))
            if s.present and r.present and weight > 0:
                expected = xl_round(s.value / weight, 4)
                if not rate_matches(expected, r.value, r.digits, r.percent):
                    yield ctx.at("XE722", r.cell, node=rec.label, shown=shown_rate(r.value, r.digits, r.percent),
                                 score=plain(s.value), weight=plain(weight), expected=pct(expected))


def _shifted(ctx: Ctx, rec: Record) -> Iterator[Finding]:
    read = []
    for f, word in (("weight", "权重"), ("score", "得分"), ("rate", "得分率")):
        v = rec.value(f)
        if v.present:
            read.append(f"{word} {v.cell.text}")
    cell = rec.value("weight").cell or rec.where()
    shown = "、".join(f"{v.cell.text}" for v in rec.values.values() if v.present)
    yield ctx.at("XE715", cell, node=rec.label, shown=shown, read="、".join(read))


def _unreadable(ctx: Ctx, rec: Record) -> Iterator[Finding]:
    for f, word, en in (("weight", "权重", "weight"), ("score", "得分", "score"), ("rate", "得分率", "score rate")):
        cell = rec.cells.get(f)
        if cell is not None and not cell.blank and not cell.merged and not rec.value(f).present and not rec.shifted:
            yield ctx.at("XE716", cell, node=rec.label, column=word, column_en=en, raw=cell.text)


def _parents(ctx: Ctx, rec: Record, node: Node) -> Iterator[Finding]:
    for level, shown, parent in ((1, rec.level1, node.parent.parent), (2, rec.level2, node.parent)):
        if not shown or f"level{level}" not in rec.cells:
            continue
        if bare(shown) in {norm(n) for n in (*parent.names, parent.code)}:
            continue
        zh, en = LEVEL_WORDS[level]
        cell = rec.cells.get(f"level{level}")
        yield ctx.at("XE713", cell, node=rec.name, level=zh, level_en=en, shown=shown, expected=parent.name)


# ------------------------------------------------------------------ sums

def check_sums(ctx: Ctx) -> Iterator[Finding]:
    """小计 rows against the rows above them, 合计 against all leaves, the grade."""
    for t in ctx.tables:
        block: list[Record] = []
        leaves = [r for r in t.records if r.kind == "leaf" and r.node is not None]
        for rec in t.records:
            if rec.kind == "leaf" and rec.node is not None:
                block.append(rec)
            elif rec.kind == "subtotal":
                yield from _subtotal(ctx, t, rec, block)
                block = []
            elif rec.kind == "total":
                yield from _total(ctx, t, rec, leaves)
            elif rec.kind == "grade":
                yield from _grade(ctx, t, rec, leaves)


def _sum(recs: list[Record], f: str) -> float | None:
    vals = [r.value(f).value if r.value(f).present and not r.value(f).percent else
            (r.node.weight if f == "weight" and not r.node.open else None) for r in recs]
    if not vals or any(v is None for v in vals):
        return None
    return xl_round(sum(vals), 2)


def _subtotal(ctx: Ctx, t: ScoreTable, rec: Record, block: list[Record]) -> Iterator[Finding]:
    if not block:
        return
    names = "、".join(r.label for r in block[:3]) + ("等" if len(block) > 3 else "")
    parents = {r.node.parent.parent.code for r in block}
    what = f"{block[0].node.parent.parent.name}小计" if len(parents) == 1 else "小计"
    yield from _compare_sum(ctx, rec, block, what, names)


def _compare_sum(ctx: Ctx, rec: Record, block: list[Record], what: str, names: str) -> Iterator[Finding]:
    code = "XE723" if rec.kind == "subtotal" else "XE724"
    sums = {f: _sum(block, f) for f in ("weight", "score")}
    for f, word, en in (("weight", "权重", "weight"), ("score", "得分", "score")):
        v = rec.value(f)
        if v.present and sums[f] is not None and not same_shown(sums[f], v.value, v.digits):
            if code == "XE723":
                yield ctx.at(code, v.cell, what=f"{what}的{word}", what_en=f"the {en} of {what}",
                             shown=v.cell.text, rows=names, expected=plain(sums[f]))
            else:
                yield ctx.at(code, v.cell, column=word, column_en=en, shown=v.cell.text, expected=plain(sums[f]))
    r = rec.value("rate")
    w = rec.value("weight").value if rec.value("weight").present else sums["weight"]
    s = rec.value("score").value if rec.value("score").present else sums["score"]
    if r.present and w and s is not None:
        expected = xl_round(s / w, 4)
        if not rate_matches(expected, r.value, r.digits, r.percent):
            yield ctx.at("XE722", r.cell, node=what, shown=shown_rate(r.value, r.digits, r.percent),
                         score=plain(s), weight=plain(w), expected=pct(expected))


def _total(ctx: Ctx, t: ScoreTable, rec: Record, leaves: list[Record]) -> Iterator[Finding]:
    if not leaves:
        return
    level1 = {r.node.parent.parent.code for r in leaves}
    if t.full or len(level1) > 1:
        yield from _compare_sum(ctx, rec, leaves, "合计", "各三级指标")


def _grade(ctx: Ctx, t: ScoreTable, rec: Record, leaves: list[Record]) -> Iterator[Finding]:
    if not rec.grade or not ctx.fw.grades:
        return
    total_rec = next((r for r in t.records if r.kind == "total" and r.value("score").present), None)
    total = total_rec.value("score").value if total_rec else _sum(leaves, "score")
    if total is None:
        return
    expected = grade_of(ctx.fw, total)
    if expected and norm(rec.grade) != norm(expected):
        yield ctx.at("XE725", rec.grade_cell, shown=rec.grade, total=plain(total), expected=expected)


# ------------------------------------------------- tables against each other

def check_cross_tables(ctx: Ctx) -> Iterator[Finding]:
    """Summary and per-level tables against the primary scoring table."""
    primary = ctx.primary
    if primary is None:
        return
    for t in ctx.tables:
        if t is primary:
            continue
        for rec in t.records:
            node = rec.node
            if rec.kind == "total" and t.rows("leaf", "group") and _spans_all(t):
                open_weights = any(n.open for n in ctx.index.leaves)
                yield from _against(ctx, t, rec, "合计", None if open_weights else
                                    sum(n.weight for n in ctx.index.leaves), ctx.total)
                continue
            if node is None or rec.kind not in ("leaf", "group"):
                continue
            if node.level == 3:
                other = ctx.leaf_rows.get(node.code)
                if other is None or other is rec:
                    continue
                exp_w = other.value("weight").value if other.value("weight").present else node.weight
                exp_s = other.value("score").value if other.value("score").present else None
            else:
                exp_w, exp_s = (None if node.open else node.weight), ctx.node_score(node)
            yield from _against(ctx, t, rec, node.name, exp_w, exp_s)


def _spans_all(t: ScoreTable) -> bool:
    return len({r.node.code for r in t.records if r.node is not None and r.node.level == 1}) > 1 or \
        len({r.node.parent.parent.code for r in t.records if r.node is not None and r.node.level == 3}) > 1


def _against(ctx: Ctx, t: ScoreTable, rec: Record, name: str, exp_w, exp_s) -> Iterator[Finding]:
    other = ctx.primary.label
    for f, word, en, exp in (("weight", "权重", "weight", exp_w), ("score", "得分", "score", exp_s)):
        v = rec.value(f)
        if v.present and exp is not None and not v.percent and not same_shown(exp, v.value, v.digits):
            yield ctx.at("XE726", v.cell, table=t.label, node=name, column=word, column_en=en,
                         shown=v.cell.text, other=other, expected=plain(exp))


# ------------------------------------------------------- criteria texts

_ITEM_SPLIT = re.compile(r"(?:(?<=[。；;：:\s])|^)\s*(?=(?:[①②③④⑤⑥⑦⑧⑨⑩]|[0-9]{1,2}\s*[.、．](?![0-9])))")
_POINTS_MARK = re.compile(r"[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[)）]")
_GETS = re.compile(r"(?:得|计)\s*([0-9]+(?:\.[0-9]+)?|[一二两三四五六七八九十]+)\s*分")


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        n = chinese_numeral(text)
        return None if n is None else float(n)


_TAIL_POINTS = re.compile(r"[,，、]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[;；。.]?\s*$")


def item_points(item: str) -> float | None:
    """The points one criteria item gives: "得N分"/"计N分", or a bare "……,1分;" at
    its end.  Alternatives in one sentence ("≥90%,计5分;80%-90%,计4分") give
    the largest; sentences that each award points ("…计3分。…计1分。") add up."""
    total, found = 0.0, False
    for sentence in re.split(r"[。]", item):
        gets = [g for g in (_num(x) for x in _GETS.findall(sentence)) if g]
        if not gets:
            m = _TAIL_POINTS.search(sentence)
            gets = [float(m.group(1))] if m else []
        if gets:
            total += max(gets)
            found = True
    return total if found else None


def criteria_items(text: str) -> list[str]:
    parts = [p.strip() for p in _ITEM_SPLIT.split(text) if p and p.strip()]
    return [p for p in parts if re.match(r"^(?:[①②③④⑤⑥⑦⑧⑨⑩]|[0-9]{1,2}\s*[.、．])", p)]


def check_criteria(ctx: Ctx) -> Iterator[Finding]:
    """The 评分标准 text against the weight: blank criteria, sub-item points that
    do not add up, full marks below the points a sub-item is worth, points the
    criteria never give, scores above what the criteria can give."""
    t = ctx.primary
    if t is None or "criteria" not in t.columns:
        return
    for rec in t.records:
        if rec.kind != "leaf" or rec.node is None:
            continue
        name = rec.label
        weight = rec.value("weight").value if rec.value("weight").present else rec.node.weight
        crit = rec.texts.get("criteria", "")
        cell = rec.cells.get("criteria")
        if not crit:
            expl = rec.texts.get("explanation", "")
            hint = ("；“指标解释”栏写有扣分办法，评分标准可能误填在了指标解释栏" if _GETS.search(expl) or "扣" in expl
                    else "")
            hint_en = "; the explanation column holds scoring words: misplaced?" if hint else ""
            yield ctx.at("XE714", cell or rec.where("name"), node=name, hint=hint, hint_en=hint_en)
            crit = expl if hint else ""
            if not crit:
                continue
        yield from _band_gaps(ctx, cell, name, crit)
        items = criteria_items(crit)
        cap = None
        if items:
            total, shown_items, additive = 0.0, [], False
            any_mark = any(_POINTS_MARK.search(it) for it in items)
            for k, it in enumerate(items, 1):
                mark = _POINTS_MARK.search(it)
                gets = [g for g in (_num(x) for x in _GETS.findall(it)) if g]
                own = item_points(it)
                additive = additive or bool(mark) or "扣" in it or (own is not None and not gets)
                if mark:
                    pts = float(mark.group(1))
                    if gets and max(gets) < pts:
                        m = next(g for g in _GETS.finditer(it) if _num(g.group(1)) == max(gets))
                        yield ctx.at("XE728", cell, node=name, item=k, points=plain(pts), quoted=m.group(0))
                elif own is not None:
                    pts = own
                elif any_mark or re.search(r"得\s*0\s*分|不得分", it):
                    pts = 0.0                      # a veto or exemption item: no points of its own
                else:
                    total = None
                    break
                total += pts
                shown_items.append(plain(pts))
            if additive and total is not None and total > 0:
                cap = total
                if not same_shown(weight, total, 2):
                    yield ctx.at("XE727", cell, node=name, points=plain(total),
                                 items=" + ".join(x for x in shown_items if x != "0"), weight=plain(weight))
            elif total is None and not _POINTS_MARK.search(crit) and not _GETS.search(crit) \
                    and "扣" not in crit and len(items) >= 2:
                yield ctx.at("XE729", cell, node=name, n=len(items))
        else:
            marks = _POINTS_MARK.findall(crit)
            gets = [g for g in (_num(x) for x in _GETS.findall(crit)) if g]
            if not marks and len(gets) == 1 and "满分" not in crit and "酌情" not in crit:
                cap = gets[0]
                if not same_shown(weight, cap, 2):
                    yield ctx.at("XE727", cell, node=name, points=plain(cap), items=f"“得{plain(cap)}分”",
                                 weight=plain(weight))
        s = rec.value("score")
        if cap is not None and s.present and s.value > cap + 1e-9 and cap < weight:
            yield ctx.at("XE719", s.cell, node=name, score=plain(s.value), points=plain(cap))


_BAND_RE = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)\s*%?\s*[-－–~～]\s*([0-9]+(?:\.[0-9]+)?)\s*%")


def _band_gaps(ctx: Ctx, cell, name: str, crit: str) -> Iterator[Finding]:
    """"0-10%（含）…10-40%（含）…41-60%（含）": the bands leave (40%, 41%) unscored."""
    bands = [(float(a), float(b), m.group(0)) for m in _BAND_RE.finditer(crit) for a, b in [m.groups()]
             if float(a) < float(b)]
    if len(bands) < 2:
        return
    bands.sort()
    for (lo1, hi1, t1), (lo2, hi2, t2) in zip(bands, bands[1:]):
        if lo2 > hi1:
            yield ctx.at("XE718", cell, node=name, left=t1, right=t2, gap=f"{plain(hi1)}%～{plain(lo2)}%")


# ------------------------------------------------ 年度指标值 against 实际完成值

_TARGET_RE = re.compile(r"^\s*(≥|>=|＞=|不低于|不少于|=|＝)?\s*([0-9]+(?:\.[0-9]+)?)\s*([^0-9\s]*)\s*$")


def _quantity(text: str) -> tuple[str, float, str] | None:
    """("≥", 50.0, "个") of "≥50个"; None for a qualitative value ("效果明显")."""
    m = _TARGET_RE.match(text.replace(",", ""))
    if not m:
        return None
    return m.group(1) or "", float(m.group(2)), m.group(3)


def check_targets(ctx: Ctx) -> Iterator[Finding]:
    """A row scored in full whose 实际完成值 falls short of its 年度指标值: "≥50个"
    done 40, or a bare target 550 done 20.  A bare target may be a ceiling (a time
    limit met early), so it is reported only when less than half is done."""
    for t in ctx.tables:
        if "target" not in t.columns or "actual" not in t.columns:
            continue
        for rec in t.rows("leaf"):
            target, actual = rec.cells.get("target"), rec.cells.get("actual")
            w, s = rec.value("weight"), rec.value("score")
            if target is None or actual is None or target.merged or actual.merged or not (w.present and s.present):
                continue
            tq, aq = _quantity(target.text), _quantity(actual.text)
            if tq is None or aq is None or aq[0] or (aq[2] and tq[2] and aq[2] != tq[2]):
                continue
            op, goal, _ = tq
            short = aq[1] < goal - 1e-9 if op else aq[1] < goal / 2
            if short and s.value >= w.value - 1e-9:
                yield ctx.at("XE736", actual, node=rec.label, target=target.text, actual=actual.text,
                             score=plain(s.value))

"""Drafted texts for one scored leaf, in the register of an evaluation report.

    draft_reason(fw, ev, leaf_code)    -> 扣分原因 ("" at full marks or without a score)
    draft_findings(fw, ev, leaf_code)  -> 完成情况: the figures the rule used
    draft_analysis(fw, ev, leaf_code)  -> one report paragraph ending
                                          "……应得分5分，实际得分4.40分。"
                                          ("实际得分待定。" without a score)

A format-2 framework's `drafts` templates ({kind or default: text with
{name} {weight} {score} {deducted} {explanation}}) replace the drafted
扣分原因 of the leaves they apply to.  Scores carry the digits the workbook
shows (fw.precision.score: 4.40); weights and points are written as the
framework states them (5, 0.25).

*fw* is the Framework, *ev* the engine's Evaluation for one department
(``xl_eval.engine.score.evaluate``; its ``values`` are the inputs with
defaults applied).  The texts state the figures as the workbook shows them,
the rule applied and the points lost after capping, the way the seed report
writes them ("年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为
16.50%，超出10%共6.5个百分点，每满1个百分点扣0.1分，扣0.6分。"), and they
pass `xl-eval check` on the workbook they are written into.
"""

from __future__ import annotations

import re

from xl_eval.core.xlround import fixed, percent_plain, plain, xl_round
from xl_eval.drafting.clauses import Clause, part_clause
from xl_eval.engine.score import Evaluation
from xl_eval.framework.model import Framework, Leaf

__all__ = ["draft_reason", "draft_findings", "draft_analysis"]

_EPS = 1e-9


def _drafts(fw: Framework, ev: Evaluation, leaf: Leaf) -> list[tuple[Clause, float]]:
    """(clause, points lost after capping) for each part worth stating, in order."""
    res = ev.leaves[leaf.code]
    if res.score is None or res.weight is None:
        return []
    values, rates = ev.values, ev.rates
    out = []
    triggered = [(p, r) for p, r in zip(leaf.parts, res.parts) if r.triggered]
    if triggered:                       # a veto (0 points) or an exemption (full marks) decides alone
        part, r = triggered[0]
        return [(part_clause(fw, part, r, values, rates), xl_round(res.weight - res.score, fw.precision.score))]
    remaining = xl_round(res.weight - res.score, fw.precision.score)
    # The parts' own losses first (each already within its sub-item), then the
    # leaf-wide deductions up to what is left: the quoted points add up to weight − score.
    ordered = sorted(zip(leaf.parts, res.parts), key=lambda pr: pr[0].rule.kind == "deduction")
    losses = {}
    for part, r in ordered:
        if r.score is None:
            continue
        lost = -r.score if part.rule.kind == "deduction" else (r.max if r.max is not None else part.max) - r.score
        lost = max(0.0, min(xl_round(lost, fw.precision.score), remaining))
        remaining = xl_round(remaining - lost, fw.precision.score)
        losses[part.code] = lost
    for part, r in zip(leaf.parts, res.parts):
        if r.score is None:
            continue
        clause = part_clause(fw, part, r, values, rates)
        if clause.silent or not (clause.facts or clause.rule):
            continue
        if part.rule.kind == "deduction" and losses[part.code] < -r.score - _EPS:
            clause.rule = (clause.rule.replace("，扣完为止", "") + "，扣完为止").lstrip("，")
        out.append((clause, losses[part.code]))
    top = sum((r.max or 0.0) for p, r in zip(leaf.parts, res.parts) if not p.rule.is_modifier)
    if leaf.adjust is not None and leaf.rows is None and remaining > _EPS and top < res.weight - _EPS:
        # a weight moved above what the sub-items can score (their points stay as the framework gives them)
        out.append((Clause(reason=f"子项分值合计{plain(top)}分，低于调整后的权重{plain(res.weight)}分"), remaining))
    return out


def shown_score(fw: Framework, x: float) -> str:
    """A score with the digits the workbook shows it with (4.40, not 4.4)."""
    return fixed(x, fw.precision.score)


def _closing(fw: Framework, weight: float | None, score: float | None) -> str:
    """'应得分5分，实际得分4.40分。': the weight as the framework states it, the score as shown."""
    return (f"应得分{'—' if weight is None else plain(weight)}分，"
            + (f"实际得分{shown_score(fw, score)}分。" if score is not None else "实际得分待定。"))


def _template(fw: Framework, leaf: Leaf) -> str | None:
    """The framework's own 扣分原因 template for this leaf (format 2 `drafts`): the one
    for the rule kind of its parts, else `default`; None when the framework has none."""
    if not fw.drafts:
        return None
    kinds = {part.rule.kind for part in leaf.parts}
    kind = kinds.pop() if len(kinds) == 1 else None
    return fw.drafts.get(kind) if kind in fw.drafts else fw.drafts.get("default")


def _sentence(parts: list[str]) -> str:
    text = "；".join(p for p in parts if p)
    return text + "。" if text else ""


def draft_reason(fw: Framework, ev: Evaluation, leaf_code: str) -> str:
    """The 扣分原因 of a leaf scored below its weight; "" otherwise."""
    leaf = fw.leaf(leaf_code)
    res = ev.leaves[leaf.code]
    if res.score is None or res.weight is None or res.score >= res.weight - _EPS:
        return ""
    deducted = xl_round(res.weight - res.score, fw.precision.score)
    template = _template(fw, leaf)
    if template is not None:
        return template.format(name=leaf.name, weight=plain(res.weight), score=shown_score(fw, res.score),
                               deducted=plain(deducted), explanation=leaf.explanation.strip())
    clauses = []
    for clause, lost in _drafts(fw, ev, leaf):
        if lost <= _EPS:
            continue
        bits = [clause.reason] if clause.reason else clause.facts + ([clause.rule] if clause.rule else [])
        clauses.append("，".join(bits + [f"扣{plain(lost)}分"]))
    return _sentence(clauses) or f"{leaf.name}得{shown_score(fw, res.score)}分，扣{plain(deducted)}分。"


def draft_findings(fw: Framework, ev: Evaluation, leaf_code: str) -> str:
    """The 完成情况 of a scored leaf: the figures its rule used; "" without a score."""
    leaf = fw.leaf(leaf_code)
    if leaf.rows is not None:
        return _rows_findings(fw, ev, leaf)
    return _sentence(["，".join(c.facts) for c, _ in _drafts(fw, ev, leaf)])


def _rows_findings(fw: Framework, ev: Evaluation, leaf: Leaf) -> str:
    """One clause per filled row the unit defined: its 年度指标值 and 实际完成值, or its tier."""
    from xl_eval.engine.score import row_is_filled
    res = ev.leaves[leaf.code]
    if res.score is None:
        return ""
    block, values, out = leaf.rows, ev.values, []
    for i in range(1, block.max_rows + 1):
        if not row_is_filled(block, i, values):
            continue
        get = lambda key: values.get(block.row_input(i, key))  # noqa: E731
        name, nature, unit = get("name") or f"第{i}行", get("nature"), get("unit") or ""
        if nature in ("≥", "≤", "=") and get("target") is not None and get("actual") is not None:
            if fw.inputs[block.row_input(i, "actual")].kind == "percent":     # a block banded by the actual
                t, a = (percent_plain(get(k)) for k in ("target", "actual"))
                out.append(f"{name}年度指标值{nature}{t}，实际完成值{a}")
            else:
                out.append(f"{name}年度指标值{nature}{_figure(get('target'))}{unit}，"
                           f"实际完成值{_figure(get('actual'))}{unit}")
        elif nature == "定性" and get("tier"):
            out.append(f"{name}{get('tier')}")
        elif nature == "酌情":
            out.append(f"{name}由评价人员酌情评分")
    if not out and res.weight == 0:
        out.append(f"本次评价{leaf.name}分值为0，不设指标")      # the engine scores such a block 0
    return _sentence(out)


def _figure(x) -> str:
    return plain(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def measure(leaf: Leaf) -> str:
    """What the indicator measures, short, from its 指标解释."""
    text = leaf.explanation.strip()
    m = re.search(r"用以([^。；]+)", text)
    if m:
        return "主要" + m.group(1).strip("，, ")
    first = re.split(r"[，。；,;]", text, maxsplit=1)[0].strip()
    return f"考察{first}" if first else ""


def draft_analysis(fw: Framework, ev: Evaluation, leaf_code: str) -> str:
    """One report paragraph: what the leaf measures, the figures, the rule, the result."""
    leaf = fw.leaf(leaf_code)
    res = ev.leaves[leaf.code]
    weight = res.weight if res.weight is not None else leaf.weight
    head = f"{leaf.name}指标（{plain(weight)}分）{measure(leaf)}。" if weight is not None else f"{leaf.name}指标{measure(leaf)}。"
    end = _closing(fw, weight, res.score)
    if res.score is None:
        missing = "、".join(f"“{fw.inputs[c].label}”" for c in res.missing if c in fw.inputs)
        body = f"尚未填写{missing}，暂无法计分。" if missing else "暂无法计分。"
        return head + body + end
    parts = []
    for clause, lost in _drafts(fw, ev, leaf):
        bits = clause.facts + ([clause.rule] if clause.rule else [])
        parts.append("，".join(bits + ([f"扣{plain(lost)}分"] if lost > _EPS else [])))
    return head + _sentence(parts) + end

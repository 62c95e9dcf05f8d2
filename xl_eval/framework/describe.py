"""Short Chinese descriptions of inputs and rules, for `framework show`,
the template's 基础数据/参数 sheets and the docs."""

from __future__ import annotations

import math

from xl_eval.engine.score import band_text
from xl_eval.framework.model import Framework, Input, Rule
from xl_eval.core.xlround import percent_plain, plain

KIND_NAMES = {"amount": "金额", "count": "数量", "choice": "选项", "yes_no": "是/否",
              "score": "酌情分值", "text": "文本", "year": "年度"}


def allowed_values(inp: Input) -> str:
    if inp.kind in ("choice", "yes_no"):
        return " / ".join(inp.options)
    if inp.kind == "text":
        return "文本"
    lo = plain(inp.min) if inp.min is not None else "-∞"
    hi = plain(inp.max) if inp.max is not None else "∞"
    rng = f"{lo}～{hi}" if inp.max is not None else f"≥{lo}"
    return {"count": f"整数，{rng}", "year": f"整数，{rng}"}.get(inp.kind, rng)


def value_name(fw: Framework, rule: Rule) -> tuple[str, bool]:
    """Display name of a rule's value and whether it is a rate (shown in %)."""
    name = rule.value.single_name
    if name in fw.rates:
        return fw.rates[name].name, True
    label = lambda n: fw.inputs[n].label if n in fw.inputs else fw.rates[n].name  # noqa: E731
    return rule.value.to_excel(label).replace("-", "−"), False


def rule_summary(fw: Framework, rule: Rule, part_max: float) -> str:
    k = rule.kind
    if k == "bands":
        what, pct = value_name(fw, rule)
        return f"{what}：" + "；".join(f"{band_text(b.range, pct)} {plain(b.points)}分" for b in rule.bands)
    if k == "excess_deduction":
        what, pct = value_name(fw, rule)
        thr = percent_plain(rule.threshold) if pct else plain(rule.threshold)
        step = f"{percent_plain(rule.step).rstrip('%')}个百分点" if pct else plain(rule.step)
        full = rule.full if rule.full is not None else part_max
        how = "按整步计" if rule.whole_steps else "按比例计"
        return f"{what}不超过{thr}得{plain(full)}分；超过部分每{step}扣{plain(rule.each)}分（{how}），扣完为止"
    if k == "proportional":
        what, _ = value_name(fw, rule)
        return f"{what} × {plain(rule.points)}分"
    if k in ("per_finding", "deduction"):
        labels = "、".join(fw.inputs[c].label for c in rule.inputs)
        if k == "deduction":
            return f"{labels}每处扣{plain(rule.each)}分（从该指标总分中扣，扣完为止）"
        full = rule.full if rule.full is not None else part_max
        return f"满分{plain(full)}分，{labels}每项扣{plain(rule.each)}分，扣完为止"
    if k == "tiers":
        return f"{fw.inputs[rule.input].label}：" + "；".join(f"{o} {plain(p)}分" for o, p in rule.tier_points)
    if k == "checklist":
        return "；".join(f"{fw.inputs[c].label} {plain(p)}分" for c, p in rule.items)
    if k == "veto":
        return f"{fw.inputs[rule.input].label}为“是”时本指标得0分（一票否决）"
    if k == "exemption":
        return f"{fw.inputs[rule.input].label}为“是”时本指标直接得满分"
    if k == "yes_no":
        return f"{fw.inputs[rule.input].label}：是 {plain(rule.yes)}分；否 {plain(rule.no)}分"
    if k == "discretionary":
        top = rule.max if rule.max is not None else part_max
        return f"评价人员酌情给分（0～{plain(top)}分），填入“{fw.inputs[rule.input].label}”"
    return k


def zero_outcome_text(value: float | None) -> str:
    if value is None:
        return "无法计算（得分留空）"
    if value == math.inf:
        return "视为无穷大"
    return f"视为{percent_plain(value)}"

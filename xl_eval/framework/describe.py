"""Short Chinese descriptions of inputs and rules, for `framework show`,
the template's 基础数据/参数 sheets and the docs."""

from __future__ import annotations

import math

from xl_eval.engine.score import band_text
from xl_eval.framework.model import Framework, Input, Rule
from xl_eval.core.xlround import percent_plain, plain

KIND_NAMES = {"amount": "金额", "count": "数量", "choice": "选项", "yes_no": "是/否",
              "score": "酌情分值", "text": "文本", "year": "年度", "percent": "百分比", "decimal": "数值",
              "date": "日期", "weight": "权重"}


def allowed_values(inp: Input) -> str:
    if inp.kind in ("choice", "yes_no"):
        return " / ".join(inp.options)
    if inp.kind == "text":
        return "文本"
    if inp.kind == "date":
        return "日期，如 2024-12-31"
    if inp.kind == "decimal" and inp.min is None and inp.max is None:
        return "数值"
    if inp.kind == "percent":
        lo = percent_plain(inp.min) if inp.min is not None else "-∞"
        hi = percent_plain(inp.max) if inp.max is not None else "∞"
        return f"百分数（95% 或 0.95），{lo}～{hi}" if inp.max is not None or inp.min is not None else "百分数（95% 或 0.95）"
    lo = plain(inp.min) if inp.min is not None else "-∞"
    hi = plain(inp.max) if inp.max is not None else "∞"
    rng = f"{lo}～{hi}" if inp.max is not None else f"≥{lo}"
    return {"count": f"整数，{rng}", "year": f"整数，{rng}"}.get(inp.kind, rng)


def value_name(fw: Framework, rule: Rule) -> tuple[str, bool]:
    """Display name of a rule's value and whether it is a rate (shown in %)."""
    name = rule.value.single_name
    if name in fw.rates:
        return fw.rates[name].name, True
    if name in fw.inputs and fw.inputs[name].kind == "percent":
        return fw.inputs[name].label, True
    label = lambda n: fw.inputs[n].label if n in fw.inputs else fw.rates[n].name  # noqa: E731
    return rule.value.to_excel(label).replace("-", "−"), False


def _points_text(band, part_max) -> str:
    if band.points is not None:
        return f"{plain(band.points)}分"
    if part_max is not None:
        return f"{plain(band.share * part_max)}分"
    return f"分值×{percent_plain(band.share)}"


def rows_summary(fw: Framework, block) -> str:
    how = (f"未达成时（完成率−{percent_plain(block.pass_threshold)}）÷（1−{percent_plain(block.pass_threshold)}）×分值"
           if block.pass_threshold is not None else "未达成时按完成率×分值")
    return (f"单位自定义指标，最多 {block.max_rows} 行，指标性质：{'、'.join(block.natures)}；"
            f"达成得该行分值，{how}；各行分值之和等于本指标分值")


def rule_summary(fw: Framework, rule: Rule, part_max: float | None) -> str:
    k = rule.kind
    top = plain(part_max) + "分" if part_max is not None else "分值"
    if k == "bands":
        what, pct = value_name(fw, rule)
        text = f"{what}：" + "；".join(f"{band_text(b.range, pct)} {_points_text(b, part_max)}" for b in rule.bands)
        if rule.else_points is not None:
            text += f"；不在以上各档 {plain(rule.else_points)}分"
        return text
    if k == "excess_deduction":
        what, pct = value_name(fw, rule)
        thr = percent_plain(rule.threshold) if pct else plain(rule.threshold)
        step = f"{percent_plain(rule.step).rstrip('%')}个百分点" if pct else plain(rule.step)
        full = rule.full if rule.full is not None else part_max
        how = "按整步计" if rule.whole_steps else "按比例计"
        if rule.below:
            return f"{what}不低于{thr}得{plain(full)}分；低于部分每{step}扣{plain(rule.each)}分（{how}），扣完为止"
        return f"{what}不超过{thr}得{plain(full)}分；超过部分每{step}扣{plain(rule.each)}分（{how}），扣完为止"
    if k == "proportional":
        what, _ = value_name(fw, rule)
        return f"{what} × {plain(rule.points) + '分' if rule.points is not None else top}"
    if k in ("per_finding", "deduction"):
        labels = "、".join(fw.inputs[c].label for c in rule.inputs)
        if k == "deduction":
            return f"{labels}每处扣{plain(rule.each)}分（从该指标总分中扣，扣完为止）"
        full = rule.full if rule.full is not None else part_max
        return f"满分{plain(full)}分，{labels}每项扣{plain(rule.each)}分，扣完为止"
    if k == "tiers":
        return f"{fw.inputs[rule.input].label}：" + "；".join(f"{o} {plain(p)}分" for o, p in rule.tier_points)
    if k == "checklist":
        if any(p is None for _, p in rule.items):
            return "；".join(fw.inputs[c].label for c, _ in rule.items) + f"（各项平均分配{top}）"
        return "；".join(f"{fw.inputs[c].label} {plain(p)}分" for c, p in rule.items)
    if k == "veto":
        return f"{fw.inputs[rule.input].label}为“是”时本指标得0分（一票否决）"
    if k == "exemption":
        return f"{fw.inputs[rule.input].label}为“是”时本指标直接得满分"
    if k == "yes_no":
        return f"{fw.inputs[rule.input].label}：是 {plain(rule.yes)}分；否 {plain(rule.no)}分"
    if k == "discretionary":
        most = rule.max if rule.max is not None else part_max
        shown = f"{plain(most)}分" if most is not None else "分值"
        return f"评价人员酌情给分（0～{shown}），填入“{fw.inputs[rule.input].label}”"
    if k == "target":
        nature = rule.nature or f"按“{fw.inputs[rule.nature_input].label}”"
        if nature == "定性":
            return f"定性：{fw.inputs[rule.tier_input].label}（达成/部分达成/未达成）× 得分比例“{fw.inputs[rule.share].label}”"
        tgt = rule.target.to_excel(lambda n: _name(fw, n))
        act = rule.actual.to_excel(lambda n: _name(fw, n))
        how = (f"未达成时（完成率−{percent_plain(rule.pass_threshold)}）÷（1−{percent_plain(rule.pass_threshold)}）×{top}"
               if rule.pass_threshold is not None else f"未达成时按完成率×{top}")
        name = rule.actual.single_name
        if name in fw.inputs and fw.inputs[name].kind == "date":
            how = "未达成得0分"
        text = f"{act} {nature} {tgt}：达成得{top}，{how}"
        if rule.over_target is not None:
            cut = f"扣{plain(rule.over_target.deduct)}分" if rule.over_target.deduct else "只提示"
            text += f"；完成率达到{percent_plain(rule.over_target.ratio)}视为偏离，{cut}"
        return text
    if k == "qualitative":
        tiers = "；".join(f"{name} {band_text(iv, True)}" for name, iv in rule.tiers)
        return f"{fw.inputs[rule.input].label}：{tiers}（×{top}，比例填入“{fw.inputs[rule.share].label}”）"
    if k == "either_or":
        alts = "；".join(f"选“{opt}”：{rule_summary(fw, r, part_max)}" for opt, r in rule.alternatives)
        return f"二者择其一（{fw.inputs[rule.input].label}）：{alts}"
    return k


def _name(fw: Framework, n: str) -> str:
    return fw.inputs[n].label if n in fw.inputs else fw.rates[n].name


def zero_outcome_text(value: float | None) -> str:
    if value is None:
        return "无法计算（得分留空）"
    if value == math.inf:
        return "视为无穷大"
    return f"视为{percent_plain(value)}"

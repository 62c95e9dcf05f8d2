"""Rule -> formula translation of the 打分表 template: the rate cells of 基础数据,
the parameter rows each rule shows on 评分参数, and the points/part cells that
mirror xl_eval.engine.score rule by rule.

layout.py owns the positions; this module owns what a rule computes there.  It
reads positions and names from layout (imported here, never the other way at
module level, so layout can import this lazily) and writes formula cells
through the layout builder (`RuleFormulas(builder)`), which supplies the name
of every input/rate (ref_value), blank tests, ROUND/XE_ROUND and `add`.
"""

from __future__ import annotations

from xl_eval.forms.scoresheet.layout import (
    BASE, FMT_GENERAL, FMT_PCT, FMT_RATE, FMT_SCORE, PARAMS, BaseCol, BaseRows, LayoutError, ParamCol, ParamRows,
    PartBlock, Ref, _and, part_name, points_name, rate_name)
from xl_eval.framework.model import YES, Framework, Part, Rule


class RuleFormulas:
    """The rule formulas of one layout builder (layout._Builder)."""

    def __init__(self, builder):
        self.b = builder

    def rate_formulas(self, base: BaseRows, params: ParamRows) -> None:
        fw = self.b.fw
        digits = fw.precision.rate
        for rr in params.rates:
            rate = fw.rates[rr.code]
            names = list(dict.fromkeys(rate.numerator.names + rate.denominator.names))
            num, den = self.b.expr_operand(rate.numerator), self.b.expr_operand(rate.denominator)
            zero = rr.zero_cell.ref.ref_from(BASE) if rr.zero_cell else '""'
            nonzero = rr.nonzero_cell.ref.ref_from(BASE) if rr.nonzero_cell else '""'
            value = (self.b.xe("XE_RATE", f'"{rr.code}"', self.b.udf_values, self.b.udf_codes) if self.b.udf
                     else self.b.round(f"{num}/{den}", digits))
            body = f"IF({den}=0,IF({num}=0,{zero},{nonzero}),{value})"
            formula = f'IF({self.b.blank_test(names)},"",{body})' if names else body
            self.b.add(rate_name(rr.code), Ref(BASE, base.rate_rows[rr.code], BaseCol.VALUE), formula, "rate", FMT_RATE)

    def part_formulas(self, params: ParamRows) -> None:
        digits = self.b.fw.precision.score
        for block in params.parts:
            leaf, part = block.leaf, block.part
            pts_ref = Ref(PARAMS, block.first, ParamCol.POINTS)
            pts = self.b.add(points_name(leaf.code, part.code), pts_ref, self.points_formula(block), "points")
            p = pts.name
            kind = part.rule.kind
            if kind in ("veto", "exemption"):
                formula = f'IF({p}="","",{p})'
            elif kind == "deduction":
                formula = f'IF({p}="","",{self.b.round(p, digits)})'
            else:
                mx = block.max_cell.ref.ref_from(PARAMS)
                formula = f'IF({p}="","",MIN(MAX({self.b.round(p, digits)},0),{mx}))'
            self.b.add(part_name(leaf.code, part.code), Ref(PARAMS, block.first, ParamCol.SCORE), formula, "part",
                     FMT_SCORE)

    def points_formula(self, block: PartBlock) -> str:
        """The rule's points before rounding/clamping (engine.rule_points)."""
        rule = block.part.rule
        k = rule.kind
        rows = block.rows
        here = PARAMS

        def val(i: int) -> str:
            return rows[i].value.ref.ref_from(here)

        if k in ("bands", "excess_deduction", "proportional"):
            x = self.b.expr_operand(rule.value)
            blank = self.b.blank_test(rule.value.names)
            if k == "bands":
                chain = '""'
                for row in reversed(rows):
                    tests = []
                    if row.lo is not None:
                        tests.append(f"{x}{'>=' if row.lo_closed == '含' else '>'}{row.lo.ref.ref_from(here)}")
                    if row.hi is not None:
                        tests.append(f"{x}{'<=' if row.hi_closed == '含' else '<'}{row.hi.ref.ref_from(here)}")
                    chain = f"IF({_and(tests)},{row.value.ref.ref_from(here)},{chain})"
                return f'IF({blank},"",{chain})'
            if k == "proportional":
                return f'IF({blank},"",{x}*{val(0)})'
            thr, step, each, full = val(0), val(1), val(2), val(3)
            units = self.b.round(f"({x}-{thr})/{step}", 9)
            if rule.whole_steps:
                units = f"INT({units})"
            return f'IF({blank},"",IF({x}-{thr}<=0,{full},{full}-MIN({full},{units}*{each})))'
        if k in ("per_finding", "deduction"):
            refs = [self.b.ref_value(c) for c in rule.inputs]
            n = "+".join(refs)
            n = n if len(refs) == 1 else f"({n})"
            blank = self.b.blank_test(rule.inputs)
            if k == "deduction":
                return f'IF({blank},"",-({n}*{val(0)}))'
            return f'IF({blank},"",MAX(0,{val(0)}-{n}*{val(1)}))'
        if k == "tiers":
            x = self.b.ref_value(rule.input)
            chain = '""'
            for i in reversed(range(len(rows))):
                label = Ref(PARAMS, rows[i].row, ParamCol.LABEL).ref_from(here)
                chain = f"IF({x}={label},{val(i)},{chain})"
            return f'IF({x}="","",{chain})'
        if k == "checklist":
            refs = [self.b.ref_value(c) for c, _ in rule.items]
            terms = "+".join(f'IF({r}="{YES}",{val(i)},0)' for i, r in enumerate(refs))
            return f'IF({self.b.blank_test([c for c, _ in rule.items])},"",{terms})'
        if k == "yes_no":
            x = self.b.ref_value(rule.input)
            return f'IF({x}="","",IF({x}="{YES}",{val(0)},IF({x}="否",{val(1)},"")))'
        if k in ("veto", "exemption"):
            x = self.b.ref_value(rule.input)
            return f'IF({x}="","",IF(OR({x}="{YES}",{x}="否"),0,""))'
        if k == "discretionary":
            x = self.b.ref_value(rule.input)
            return f'IF({x}="","",{x})'
        raise LayoutError(f"unknown rule kind {k}")


def is_rate_value(fw: Framework, rule: Rule) -> bool:
    return rule.value is not None and rule.value.single_name in fw.rates


def param_specs(fw: Framework, part: Part) -> list[dict]:
    """The parameter rows a rule shows on 评分参数, in the order its formula uses them."""
    from xl_eval.core.xlround import plain
    rule = part.rule
    k = rule.kind
    pct = is_rate_value(fw, rule)
    edge_fmt = FMT_PCT if pct else FMT_GENERAL
    if k == "bands":
        return [{"label": f"第{i}档", "lo": b.range.lo, "lo_closed": "含" if b.range.lo_closed else "不含",
                 "hi": b.range.hi, "hi_closed": "含" if b.range.hi_closed else "不含", "value": b.points,
                 "edge_fmt": edge_fmt} for i, b in enumerate(rule.bands, 1)]
    if k == "excess_deduction":
        full = rule.full if rule.full is not None else part.max
        return [{"label": "起扣阈值（不超过不扣分）", "value": rule.threshold, "fmt": edge_fmt},
                {"label": "步长（每超出）", "value": rule.step, "fmt": edge_fmt},
                {"label": "每步扣分", "value": rule.each},
                {"label": "满分", "value": full},
                {"label": "不足一步不扣（按整步计）" if rule.whole_steps else "按比例计（不取整）"}]
    if k == "proportional":
        return [{"label": "分值（比率 × 分值）", "value": rule.points}]
    if k == "per_finding":
        full = rule.full if rule.full is not None else part.max
        return [{"label": "满分", "value": full}, {"label": "每项扣分（扣完为止）", "value": rule.each}]
    if k == "deduction":
        return [{"label": "每处扣分（从本指标中扣）", "value": rule.each}]
    if k == "tiers":
        return [{"label": opt, "value": pts} for opt, pts in rule.tier_points]
    if k == "checklist":
        return [{"label": fw.inputs[c].label, "value": pts} for c, pts in rule.items]
    if k == "yes_no":
        return [{"label": "是", "value": rule.yes}, {"label": "否", "value": rule.no}]
    if k == "veto":
        return [{"label": f"“{fw.inputs[rule.input].label}”为“是”时本指标得0分（一票否决）"}]
    if k == "exemption":
        return [{"label": f"“{fw.inputs[rule.input].label}”为“是”时本指标直接得满分"}]
    if k == "discretionary":
        return [{"label": f"评价人员酌情给分（0～{plain(part.max)}分），填入“{fw.inputs[rule.input].label}”"}]
    raise LayoutError(f"unknown rule kind {k}")

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

import math

from xl_eval.forms.scoresheet.layout import (
    BASE, FMT_DATE, FMT_GENERAL, FMT_PCT, FMT_RATE, FMT_SCORE, INF_VALUE, PARAMS, SCORE, BaseCol, BaseRows,
    LayoutError, ParamCol, ParamRow, ParamRows, PartBlock, Ref, _and, _or, part_name, points_name, rate_name)
from xl_eval.framework.model import YES, Framework, Leaf, Part, Rule

#: Input kinds whose cells format2 rules compare directly (see RuleFormulas.measure_ref).
MEASURE_KINDS = ("percent", "decimal", "date")
#: The 指标性质 compared as Excel operators (a target rule's "met" test).
NATURE_OPS = {"≥": ">=", "≤": "<=", "=": "="}


def ratio_name(leaf: str, part: str, alt: str = "") -> str:
    """A target rule's rounded completion ratio (完成率), on 评分参数."""
    return f"ratio_{leaf}_{part}{alt}"


def flag_name(leaf: str, part: str, alt: str = "") -> str:
    """是 when a target rule's completion is far above target (偏离), 否 otherwise."""
    return f"flag_{leaf}_{part}{alt}"


def value_name(leaf: str, part: str, alt: str = "") -> str:
    """The value of a rule's expression that divides by an input (zero divisor: the declared outcome)."""
    return f"value_{leaf}_{part}{alt}"


class RuleFormulas:
    """The rule formulas of one layout builder (layout._Builder)."""

    def __init__(self, builder):
        self.b = builder
        self.overflow_cells: dict[str, str] = {}    # leaf code -> the 子项分值合计 cell (overflow: scale)

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
            for row in block.rows:
                if row.key == "overflow":
                    self.overflow_cells[leaf.code] = row.value.ref.ref_from(SCORE)
            pts_ref = Ref(PARAMS, block.first, ParamCol.POINTS)
            formula = self.rule_points(block, part.rule, list(block.rows), "")
            if getattr(block, "weight_input", None):
                # an open weight not set yet: no points (the rule would compute with a blank 分值)
                formula = f'IF({self.part_max(block)}="","",{formula})'
            pts = self.b.add(points_name(leaf.code, part.code), pts_ref, formula, "points")
            p = pts.name
            kind = part.rule.kind
            if kind in ("veto", "exemption"):
                formula = f'IF({p}="","",{p})'
            elif kind == "deduction":
                formula = f'IF({p}="","",{self.b.round(p, digits)})'
            else:
                mx = self.part_max(block)
                blank = f'OR({p}="",{mx}="")' if block.weight_input else f'{p}=""'   # open weight not set yet
                formula = f'IF({blank},"",MIN(MAX({self.b.round(p, digits)},0),{mx}))'
            self.b.add(part_name(leaf.code, part.code), Ref(PARAMS, block.first, ParamCol.SCORE), formula, "part",
                       FMT_SCORE)

    def part_max(self, block: PartBlock) -> str:
        """The sub-item's points (子项分值) as formula text."""
        return block.max_cell.ref.ref_from(PARAMS)

    def points_formula(self, block: PartBlock) -> str:
        """The rule's points before rounding/clamping (engine.rule_points)."""
        return self.rule_points(block, block.part.rule, list(block.rows), "")

    def leaf_total(self, leaf: Leaf, parts: list[str], weight: str) -> str:
        """The sum of a leaf's sub-item scores before the clamp to [0, weight]; with
        overflow: scale, the sub-items (not the deductions) × weight ÷ their points' total."""
        if leaf.overflow != "scale":
            return f"SUM({','.join(parts)})"
        kinds = [p.rule.kind for p in leaf.parts]
        scaled = [n for n, k in zip(parts, kinds) if k != "deduction"]
        cut = [n for n, k in zip(parts, kinds) if k == "deduction"]
        text = f"SUM({','.join(scaled)})*{weight}/{self.overflow_cells[leaf.code]}"
        return text + (f"+SUM({','.join(cut)})" if cut else "")

    # -- one rule
    def rule_points(self, block: PartBlock, rule: Rule, rows: list[ParamRow], alt: str) -> str:
        """Points of `rule` (unrounded), its parameters in `rows`; `alt` names the
        computed cells of an either_or alternative apart."""
        k = rule.kind
        here = PARAMS
        mx = self.part_max(block) if block.max_cell is not None else '""'
        keyed = {r.key: r for r in rows if r.key}

        def val(i: int) -> str:
            return rows[i].value.ref.ref_from(here)

        def cell(key: str) -> str:
            return keyed[key].value.ref.ref_from(here)

        if k in ("bands", "excess_deduction", "proportional"):
            if rule.value.divisors:
                x = self.value_cell(block, rule, keyed, alt)
                blank = f'{x}=""'
            else:
                x = self.measure(rule.value)
                blank = self.b.blank_test(rule.value.names)
            if k == "bands":
                chain = cell("else") if "else" in keyed else '""'
                for row in reversed([r for r in rows if r.key in ("band", "band_share")]):
                    tests = []
                    if row.lo is not None:
                        tests.append(f"{x}{'>=' if row.lo_closed == '含' else '>'}{row.lo.ref.ref_from(here)}")
                    if row.hi is not None:
                        tests.append(f"{x}{'<=' if row.hi_closed == '含' else '<'}{row.hi.ref.ref_from(here)}")
                    pts = row.value.ref.ref_from(here)
                    if row.key == "band_share":
                        pts = f"{pts}*{mx}"
                    chain = f"IF({_and(tests)},{pts},{chain})"
                return f'IF({blank},"",{chain})'
            if k == "proportional":
                return f'IF({blank},"",{x}*{val(0) if rule.points is not None else mx})'
            thr, step, each, full = val(0), val(1), val(2), val(3)
            over = f"{thr}-{x}" if rule.below else f"{x}-{thr}"
            units = self.b.round(f"({over})/{step}", 9)
            if rule.whole_steps:
                units = f"INT({units})"
            return f'IF({blank},"",IF({over}<=0,{full},{full}-MIN({full},{units}*{each})))'
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
            blank = self.b.blank_test([c for c, _ in rule.items])
            if any(p is None for _, p in rule.items):
                # equal shares: 子项分值 × (items met) ÷ (items), in the engine's order
                count = "+".join(f'IF({r}="{YES}",1,0)' for r in refs)
                return f'IF({blank},"",{mx}*({count})/{cell("count")})'
            terms = "+".join(f'IF({r}="{YES}",{val(i)},0)' for i, r in enumerate(refs))
            return f'IF({blank},"",{terms})'
        if k == "yes_no":
            x = self.b.ref_value(rule.input)
            return f'IF({x}="","",IF({x}="{YES}",{val(0)},IF({x}="否",{val(1)},"")))'
        if k in ("veto", "exemption"):
            x = self.b.ref_value(rule.input)
            return f'IF({x}="","",IF(OR({x}="{YES}",{x}="否"),0,""))'
        if k == "discretionary":
            x = self.b.ref_value(rule.input)
            return f'IF({x}="","",{x})'
        if k == "qualitative":
            return self.tier_points(rule.input, rule.share, rows, mx)
        if k == "target":
            return self.target_points(block, rule, rows, keyed, mx, alt)
        if k == "either_or":
            x = self.b.ref_value(rule.input)
            heads = [i for i, r in enumerate(rows) if r.key == "alt"] + [len(rows)]
            chain = '""'
            for j in reversed(range(len(heads) - 1)):
                head = rows[heads[j]]
                _, sub = rule.alternatives[j]
                inner = self.rule_points(block, sub, rows[heads[j] + 1:heads[j + 1]], f"{alt}_a{j + 1}")
                chain = f"IF({x}={head.label_cell.ref.ref_from(here)},{inner},{chain})"
            return f'IF({x}="","",{chain})'
        raise LayoutError(f"unknown rule kind {k}")

    def value_cell(self, block: PartBlock, rule: Rule, keyed: dict[str, ParamRow], alt: str) -> str:
        """A named cell holding the value of an expression that divides by an input:
        blank while an input is blank, the declared outcome when a divisor is 0."""
        e = rule.value
        divisors = [f"({d})=0" for d in e.divisors_excel(self.b.ref_value)]
        zero = keyed["zero"].value.ref.ref_from(PARAMS) if keyed["zero"].value is not None else '""'
        body = f"IF({_or(divisors)},{zero},{self.b.expr(e)})"
        formula = f'IF({self.b.blank_test(e.names)},"",{body})' if e.names else body
        row = keyed["value"].row
        name = value_name(block.leaf.code, block.part.code, alt)
        fmt = FMT_RATE if _is_pct(self.b.fw, rule) or rule.zero_denominator == math.inf else FMT_GENERAL
        self.b.add(name, Ref(PARAMS, row, ParamCol.VALUE), formula, "rule_value", fmt)
        return name

    def tier_points(self, tier_input: str, share_input: str, rows: list[ParamRow], mx: str) -> str:
        """定性: 子项分值 × the evaluator's share, when the share lies in the chosen tier's range."""
        x, s = self.b.ref_value(tier_input), self.measure_ref(share_input)
        chain = '""'
        for row in reversed([r for r in rows if r.key == "tier"]):
            tests = []
            if row.lo is not None:
                tests.append(f"{s}{'>=' if row.lo_closed == '含' else '>'}{row.lo.ref.ref_from(PARAMS)}")
            if row.hi is not None:
                tests.append(f"{s}{'<=' if row.hi_closed == '含' else '<'}{row.hi.ref.ref_from(PARAMS)}")
            chain = f'IF({x}={row.label_cell.ref.ref_from(PARAMS)},IF({_and(tests)},{mx}*{s},""),{chain})'
        return f'IF(OR({x}="",{self.b.ref_value(share_input)}=""),"",{chain})'

    def target_points(self, block: PartBlock, rule: Rule, rows: list[ParamRow], keyed: dict[str, ParamRow],
                      mx: str, alt: str) -> str:
        """财预〔2020〕10号 第十六条 / 财预〔2021〕101号: the steps of engine.score_target."""
        fw = self.b.fw
        natures = (rule.nature,) if rule.nature else fw.inputs[rule.nature_input].options
        numeric = [n for n in natures if n != "定性"]
        nat = self.b.ref_value(rule.nature_input) if rule.nature_input else None
        date = _is_date(fw, rule)
        leaf, part = block.leaf.code, block.part.code
        tier = (self.tier_points(rule.tier_input, rule.share, rows, mx)) if "定性" in natures else '""'
        branches: dict[str, str] = {}
        if numeric:
            t = self.operand(rule.target, keyed["target"])
            a = self.operand(rule.actual, keyed["actual"])
            blank = self.b.blank_test(rule.target.names + rule.actual.names)
            if date:
                for n in numeric:
                    branches[n] = f'IF({blank},"",IF({a}{NATURE_OPS[n]}{t},{mx},0))'
            else:
                r = self.ratio_cell(leaf, part, alt, rule, keyed, t, a, blank, numeric, nat)
                flags = {}
                for n in numeric:
                    met = f"OR({a}{NATURE_OPS[n]}{t},{r}>=1)"
                    full = mx
                    if rule.over_target is not None and n != "=":
                        far = f"{r}>={cell_of(keyed, 'ot_ratio')}"
                        if n == "≤":
                            far = f"AND({far},{a}>0)"
                        flags[n] = f"AND({met},{far})"
                        full = f"IF({far},MAX(0,{mx}-{cell_of(keyed, 'ot_deduct')}),{mx})"
                    if rule.pass_threshold is not None:
                        p = cell_of(keyed, "pass")
                        miss = f"IF({r}<{p},0,({r}-{p})/(1-{p})*{mx})"
                    else:
                        miss = f"{r}*{mx}"
                    branches[n] = f'IF({r}="","",IF({met},{full},{miss}))'
                if "flag" in keyed:
                    self.flag_cell(leaf, part, alt, keyed["flag"], r, flags, nat, numeric)
        if nat is None:
            return tier if rule.nature == "定性" else branches[rule.nature]
        chain = '""'
        for n in reversed(natures):
            chain = f'IF({nat}="{n}",{tier if n == "定性" else branches[n]},{chain})'
        return f'IF({nat}="","",{chain})'

    def operand(self, e, row: ParamRow) -> str:
        """A target/actual expression: its parameter cell when it is a number, else its text."""
        if row.value is not None:
            return row.value.ref.ref_from(PARAMS)
        return self.measure(e)

    def measure_ref(self, name: str) -> str:
        """A percent, decimal or date input as a comparison operand: `(x+0)`, so text pasted
        past the validation is turned into its number or an error (#VALUE!) as arithmetic
        does, never compared as text (which Excel ranks above every number)."""
        inp = self.b.fw.inputs.get(name)
        ref = self.b.ref_value(name)
        return f"({ref}+0)" if inp is not None and inp.kind in MEASURE_KINDS and ref == name else ref

    def measure(self, e) -> str:
        """An expression as an operand (see measure_ref for a single input)."""
        if e.single_name is not None:
            return self.measure_ref(e.single_name)
        return self.b.expr_operand(e)

    def ratio_cell(self, leaf: str, part: str, alt: str, rule: Rule, keyed, t: str, a: str, blank: str,
                   numeric: list[str], nat: str | None) -> str:
        digits = self.b.fw.precision.rate
        rnd = self.b.round
        forms = {
            "≥": f"IF({t}<=0,IF({a}>={t},1,0),{rnd(f'{a}/{t}', digits)})",
            "≤": f"IF({a}<=0,IF({a}<={t},1,0),IF({t}>0,{rnd(f'{t}/{a}', digits)},0))",
            "=": f"IF({a}={t},1,IF(MIN({a},{t})<=0,0,{rnd(f'MIN({a},{t})/MAX({a},{t})', digits)}))",
        }
        if nat is None:
            body = forms[numeric[0]]
        else:
            body = '""'
            for n in reversed(numeric):
                body = f'IF({nat}="{n}",{forms[n]},{body})'
        formula = f'IF({blank},"",{body})' if blank != "FALSE" else body
        if nat is not None:
            formula = f'IF({nat}="","",{formula})'
        name = ratio_name(leaf, part, alt)
        self.b.add(name, Ref(PARAMS, keyed["ratio"].row, ParamCol.VALUE), formula, "ratio", FMT_PCT)
        return name

    def flag_cell(self, leaf: str, part: str, alt: str, row: ParamRow, r: str, flags: dict[str, str],
                  nat: str | None, numeric: list[str]) -> None:
        if nat is None:
            body = f'IF({flags[numeric[0]]},"是","否")' if numeric[0] in flags else '"否"'
        else:
            body = '"否"'
            for n in reversed(numeric):
                if n in flags:
                    body = f'IF({nat}="{n}",IF({flags[n]},"是","否"),{body})'
        self.b.add(flag_name(leaf, part, alt), Ref(PARAMS, row.row, ParamCol.VALUE), f'IF({r}="","",{body})', "flag")


def cell_of(keyed: dict[str, ParamRow], key: str) -> str:
    return keyed[key].value.ref.ref_from(PARAMS)


def _is_date(fw: Framework, rule: Rule) -> bool:
    name = rule.actual.single_name if rule.actual is not None else None
    return name in fw.inputs and fw.inputs[name].kind == "date"


def _is_pct(fw: Framework, rule: Rule) -> bool:
    """Whether a rule's value is a rate or a percent input (edges shown as %)."""
    name = rule.value.single_name if rule.value is not None else None
    return name in fw.rates or (name in fw.inputs and fw.inputs[name].kind == "percent")


def is_rate_value(fw: Framework, rule: Rule) -> bool:
    return rule.value is not None and rule.value.single_name in fw.rates



def param_specs(fw: Framework, part: Part, leaf: Leaf | None = None) -> list[dict]:
    """The parameter rows a rule shows on 评分参数, in the order its formula uses them;
    the last sub-item of a leaf with `overflow` also shows the sub-items' points total."""
    specs = rule_specs(fw, part.rule, part)
    if leaf is not None and leaf.overflow and part is leaf.parts[-1]:
        top = sum(p.max for p in leaf.parts if not p.rule.is_modifier)
        how = "按权重封顶" if leaf.overflow == "cap" else "按 权重 ÷ 子项分值合计 折算"
        specs.append({"label": f"子项分值合计（超过权重时{how}）", "value": top, "key": "overflow"})
    return specs


def rule_specs(fw: Framework, rule: Rule, part: Part) -> list[dict]:
    from xl_eval.core.xlround import plain
    k = rule.kind
    pct = is_rate_value(fw, rule) or _is_pct(fw, rule)
    edge_fmt = FMT_PCT if pct else FMT_GENERAL
    label = fw.label
    if k == "bands":
        out = []
        for i, b in enumerate(rule.bands, 1):
            spec = {"label": f"第{i}档", "lo": b.range.lo, "lo_closed": "含" if b.range.lo_closed else "不含",
                    "hi": b.range.hi, "hi_closed": "含" if b.range.hi_closed else "不含", "value": b.points,
                    "edge_fmt": edge_fmt, "key": "band"}
            if b.points is None:
                spec.update(label=f"第{i}档（占子项分值的比例）", value=b.share, fmt=FMT_PCT, key="band_share")
            out.append(spec)
        if rule.else_points is not None:
            out.append({"label": "不在以上各档时", "value": rule.else_points, "key": "else"})
        return out + _divisor_specs(fw, rule, edge_fmt)
    if k == "excess_deduction":
        full = rule.full if rule.full is not None else part.max
        first = "起扣阈值（不低于不扣分）" if rule.below else "起扣阈值（不超过不扣分）"
        step = "步长（每低于）" if rule.below else "步长（每超出）"
        return [{"label": first, "value": rule.threshold, "fmt": edge_fmt},
                {"label": step, "value": rule.step, "fmt": edge_fmt},
                {"label": "每步扣分", "value": rule.each},
                {"label": "满分", "value": full},
                {"label": "不足一步不扣（按整步计）" if rule.whole_steps else "按比例计（不取整）"}
                ] + _divisor_specs(fw, rule, edge_fmt)
    if k == "proportional":
        if rule.points is None:
            return [{"label": "得分 = 数值 × 子项分值"}] + _divisor_specs(fw, rule, edge_fmt)
        return [{"label": "分值（比率 × 分值）", "value": rule.points}] + _divisor_specs(fw, rule, edge_fmt)
    if k == "per_finding":
        full = rule.full if rule.full is not None else part.max
        return [{"label": "满分", "value": full}, {"label": "每项扣分（扣完为止）", "value": rule.each}]
    if k == "deduction":
        return [{"label": "每处扣分（从本指标中扣）", "value": rule.each}]
    if k == "tiers":
        return [{"label": opt, "value": pts} for opt, pts in rule.tier_points]
    if k == "checklist":
        if any(p is None for _, p in rule.items):
            return ([{"label": fw.inputs[c].label} for c, _ in rule.items]
                    + [{"label": "项数（子项分值按符合的项数平均分配）", "value": len(rule.items), "key": "count"}])
        return [{"label": fw.inputs[c].label, "value": pts} for c, pts in rule.items]
    if k == "yes_no":
        return [{"label": "是", "value": rule.yes}, {"label": "否", "value": rule.no}]
    if k == "veto":
        return [{"label": f"“{fw.inputs[rule.input].label}”为“是”时本指标得0分（一票否决）"}]
    if k == "exemption":
        return [{"label": f"“{fw.inputs[rule.input].label}”为“是”时本指标直接得满分"}]
    if k == "discretionary":
        top = plain(part.max) if part.max is not None else "权重"
        return [{"label": f"评价人员酌情给分（0～{top}分），填入“{fw.inputs[rule.input].label}”"}]
    if k == "qualitative":
        return _tier_specs(fw, rule.input, rule.share, rule.tiers)
    if k == "target":
        return _target_specs(fw, rule, label)
    if k == "either_or":
        out = []
        for opt, sub in rule.alternatives:
            out.append({"label": opt, "label_param": True, "key": "alt"})
            out += [dict(spec, label="　" + spec["label"]) if not spec.get("label_param") else spec
                    for spec in rule_specs(fw, sub, part)]
        return out
    raise LayoutError(f"unknown rule kind {k}")


def _divisor_specs(fw: Framework, rule: Rule, edge_fmt: str) -> list[dict]:
    """An expression dividing by an input: the declared zero-divisor outcome and the computed value."""
    if not rule.value.divisors:
        return []
    z = rule.zero_denominator
    text = rule.value.to_excel(fw.label).replace("-", "−")
    zero = ({"label": "除数为0时：无法计算（得分留空）", "key": "zero"} if z is None else
            {"label": "除数为0时的取值", "value": INF_VALUE if z == math.inf else z,
             "fmt": FMT_RATE if edge_fmt == FMT_PCT else FMT_GENERAL, "key": "zero"})
    return [zero, {"label": f"计算值（{text}）", "key": "value"}]


def _tier_specs(fw: Framework, tier_input: str, share_input: str, tiers) -> list[dict]:
    out = [{"label": f"完成情况：“{fw.inputs[tier_input].label}”；得分比例：“{fw.inputs[share_input].label}”"
                     "（须在所选档的范围内）"}]
    for name, iv in tiers:
        out.append({"label": name, "label_param": True, "lo": iv.lo, "lo_closed": "含" if iv.lo_closed else "不含",
                    "hi": iv.hi, "hi_closed": "含" if iv.hi_closed else "不含", "edge_fmt": FMT_PCT, "key": "tier"})
    return out


def _target_specs(fw: Framework, rule: Rule, label) -> list[dict]:
    natures = (rule.nature,) if rule.nature else fw.inputs[rule.nature_input].options
    out = []
    if rule.nature_input:
        out.append({"label": f"指标性质：取自“{fw.inputs[rule.nature_input].label}”（{'、'.join(natures)}）"})
    else:
        out.append({"label": f"指标性质：{rule.nature}"})
    if any(n != "定性" for n in natures):
        date = _is_date(fw, rule)
        name = rule.actual.single_name
        fmt = FMT_DATE if date else FMT_PCT if (name in fw.rates or (
            name in fw.inputs and fw.inputs[name].kind == "percent")) else FMT_GENERAL
        for key, what, e in (("target", "年度指标值", rule.target), ("actual", "实际完成值", rule.actual)):
            if e.names:
                out.append({"label": f"{what}：“{e.to_excel(label).replace('-', '−')}”", "key": key})
            else:
                out.append({"label": what, "value": e.evaluate({}), "fmt": fmt, "key": key})
        if date:
            out.append({"label": "日期型：达成得满分，未达成得0分"})
        else:
            out.append({"label": f"完成率（自动计算，保留 {fw.precision.rate} 位小数；达到100%为达成）", "key": "ratio"})
            if rule.pass_threshold is not None:
                out.append({"label": "及格线：完成率低于此得0分，否则（完成率−及格线）÷（1−及格线）× 分值",
                            "value": rule.pass_threshold, "fmt": FMT_PCT, "key": "pass"})
            else:
                out.append({"label": "未达成时：完成率 × 分值"})
            if rule.over_target is not None and any(n in ("≥", "≤") for n in natures):
                out.append({"label": "偏离：完成率达到（含）此值时视为指标设置偏低", "value": rule.over_target.ratio,
                            "fmt": FMT_PCT, "key": "ot_ratio"})
                out.append({"label": "偏离时扣分（0 为只提示）", "value": rule.over_target.deduct, "key": "ot_deduct"})
                out.append({"label": "是否偏离（自动判断）", "key": "flag"})
    if "定性" in natures:
        out += _tier_specs(fw, rule.tier_input, rule.share, rule.tiers)
    return out


# ------------------------------------------------------------------ rows the unit defines

def row_nature_formula(b, block, i: int, nature: str, digits: int) -> str:
    """The score of row `i` of a rows block (RowBlock) whose 指标性质 is `nature` (≥ ≤ = 定性),
    rounded and clamped to the row's points, as engine.score.score_row: blank while the
    row's 年度指标值/实际完成值 (or 完成情况/得分比例) are blank; 定性 = points × share when
    the share lies in the tier's range (QUALITATIVE_TIERS); ≥ ≤ = by score_target with the
    block's pass threshold and over-target rule, or by the band of the 实际完成值 when the
    block has actual_bands.  The layout (layout._Builder.row_nature_formula) calls this with
    itself as `b`; every number of the block's rules is a reference to the 评分参数 cell
    that shows it, `b.row_params[(block code, key)]` (row_rule_specs gives the keys)."""
    from xl_eval.framework.model import QUALITATIVE_TIERS

    def num(key: str, x: float) -> str:
        try:
            return b.row_params[(block.code, key)]
        except KeyError:
            raise LayoutError(f"自定义指标行的参数 {key} 没有对应的评分参数单元格") from None

    def get(key: str) -> str:
        return b.ref_value(block.row_input(i, key))

    pts = get("points")

    def clamp(p: str) -> str:
        return f"MIN(MAX({b.round(p, digits)},0),{pts})"
    if nature == "定性":
        tier, share = get("tier"), get("share")
        s = f"({share}+0)"
        chain = '""'
        for name, lo, hi, top in reversed(QUALITATIVE_TIERS):
            test = f"AND({s}>={num(f'tier_{name}_lo', lo)},{s}{'<=' if top else '<'}{num(f'tier_{name}_hi', hi)})"
            chain = f'IF({tier}="{name}",IF({test},{clamp(f"{pts}*{s}")},""),{chain})'
        return f'IF(OR({tier}="",{share}=""),"",{chain})'
    if nature not in NATURE_OPS:
        raise LayoutError(f"指标性质“{nature}”的自定义指标行暂不能生成公式")
    target, actual = get("target"), get("actual")
    blank = f'OR({target}="",{actual}="")'
    t, a = f"({target}+0)", f"({actual}+0)"
    if block.actual_bands:
        chain = '""'
        for j, band in reversed(list(enumerate(block.actual_bands))):
            r = band.range
            tests = []
            if not math.isinf(r.lo):
                tests.append(f"{a}{'>=' if r.lo_closed else '>'}{num(f'band{j}_lo', r.lo)}")
            if not math.isinf(r.hi):
                tests.append(f"{a}{'<=' if r.hi_closed else '<'}{num(f'band{j}_hi', r.hi)}")
            value = (num(f"band{j}_points", band.points) if band.points is not None
                     else f"{num(f'band{j}_share', band.share)}*{pts}")
            chain = f"IF({_and(tests)},{clamp(value)},{chain})"
        return f'IF({blank},"",{chain})'
    rd = b.fw.precision.rate
    ratio = {
        "≥": f"IF({t}<=0,IF({a}>={t},1,0),{b.round(f'{a}/{t}', rd)})",
        "≤": f"IF({a}<=0,IF({a}<={t},1,0),IF({t}>0,{b.round(f'{t}/{a}', rd)},0))",
        "=": f"IF({a}={t},1,IF(MIN({a},{t})<=0,0,{b.round(f'MIN({a},{t})/MAX({a},{t})', rd)}))",
    }[nature]
    met = f"OR({a}{NATURE_OPS[nature]}{t},{ratio}>=1)"
    full = pts
    ot = block.over_target
    if ot is not None and nature != "=":
        far = f"{ratio}>={num('over_ratio', ot.ratio)}"
        if nature == "≤":
            far = f"AND({far},{a}>0)"
        full = f"IF({far},MAX(0,{pts}-{num('over_deduct', ot.deduct)}),{pts})"
    p = block.pass_threshold
    if p is not None:
        pp = num("pass", p)
        miss = f"IF({ratio}<{pp},0,({ratio}-{pp})/(1-{pp})*{pts})"
    else:
        miss = f"{ratio}*{pts}"
    return f'IF({blank},"",{clamp(f"IF({met},{full},{miss})")})'


def row_rule_specs(fw: Framework, block) -> list[dict]:
    """The 评分参数 rows of a rows block, in the order row_nature_formula uses them; each
    number carries the key (plus _lo/_hi for band edges) the row formulas look it up by."""
    from xl_eval.framework.model import QUALITATIVE_TIERS
    natures = block.natures
    out: list[dict] = []
    numeric = [n for n in natures if n in NATURE_OPS]
    rd = fw.precision.rate
    if numeric and block.actual_bands:
        out.append({"label": f"“{'”“'.join(numeric)}”行按实际完成值分档计分（不看完成率）"})
        for j, band in enumerate(block.actual_bands):
            r = band.range
            spec = {"label": f"第{j + 1}档", "lo": r.lo, "lo_closed": "含" if r.lo_closed else "不含",
                    "hi": r.hi, "hi_closed": "含" if r.hi_closed else "不含", "edge_fmt": FMT_PCT, "key": f"band{j}"}
            if band.points is not None:
                spec.update(value=band.points, value_key=f"band{j}_points")
            else:
                spec.update(label=f"第{j + 1}档（占该行分值的比例）", value=band.share, fmt=FMT_PCT,
                            value_key=f"band{j}_share")
            out.append(spec)
        out.append({"label": "实际完成值不在以上各档的：该行得分留空（无法计算）"})
    elif numeric:
        out.append({"label": f"完成率：≥ 为实际完成值÷年度指标值，≤ 为年度指标值÷实际完成值，= 为较小值÷较大值"
                             f"（保留 {rd} 位小数，达到100%为达成，得该行分值）"})
        if block.pass_threshold is not None:
            out.append({"label": "及格线：完成率低于此得0分，否则（完成率−及格线）÷（1−及格线）× 该行分值",
                        "value": block.pass_threshold, "fmt": FMT_PCT, "key": "pass"})
        else:
            out.append({"label": "未达成时：完成率 × 该行分值"})
        if block.over_target is not None and any(n in ("≥", "≤") for n in numeric):
            out.append({"label": "偏离：“≥”“≤”行完成率达到（含）此值时视为指标值设置偏低",
                        "value": block.over_target.ratio, "fmt": FMT_PCT, "key": "over_ratio"})
            out.append({"label": "偏离时扣分（0 为只提示）", "value": block.over_target.deduct, "key": "over_deduct"})
    if "定性" in natures:
        out.append({"label": "“定性”行：按所选完成情况，得分比例须在该档范围内，得分 = 该行分值 × 比例"})
        for name, lo, hi, top in QUALITATIVE_TIERS:
            out.append({"label": name, "lo": lo, "lo_closed": "含", "hi": hi, "hi_closed": "含" if top else "不含",
                        "edge_fmt": FMT_PCT, "key": f"tier_{name}"})
    if "酌情" in natures:
        out.append({"label": "“酌情”行：评价人员在该行分值内直接给分"})
    return out


def row_rules_summary(block) -> str:
    """One line on 评分参数 for a rows block's rules."""
    what = [f"单位自定义指标行（“自定义指标”表，最多 {block.max_rows} 行），每行按其指标性质计分"]
    if block.actual_bands:
        what.append("定量行按实际完成值分档")
    elif block.pass_threshold is not None:
        what.append("定量行设及格线")
    if block.over_target is not None and not block.actual_bands:
        what.append("完成率过高提示偏离" if not block.over_target.deduct else "完成率过高扣分")
    return "；".join(what)

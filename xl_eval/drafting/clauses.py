"""What one scored part says, per rule kind: the figures, the rule applied, the points.

``part_clause`` turns one part of a leaf (its rule, the engine's PartResult
and the values it used) into a Clause: the figures as the workbook shows
them ("年初预算数为3592.06万元", "预算调整率为16.50%"), the rule that was
applied to them in words ("超出10%共6.5个百分点，每满1个百分点扣0.1分"),
and what the rule gave.  The deduction itself is not in the clause: the leaf
decides how many points each part lost after capping (sentences.py), so a
reason never quotes points before capping.

Wording constraints that `xl-eval check` relies on (XE502/XE503/XE505):
rates are written "名称为16.50%" with the shown decimals, amounts
"标签为N万元", and every "扣N分" that is a rule, not a deduction, has "每"
before it in its clause.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from typing import Any

from xl_eval.core.xlround import percent, percent_plain, plain, xl_round
from xl_eval.engine.score import PartResult, band_text, find_band
from xl_eval.framework.model import YES, Framework, Part, Rule


@dataclass
class Clause:
    facts: list[str] = field(default_factory=list)   # figures the rule used, as shown
    rule: str = ""              # the rule applied to them and its points, in words
    reason: str = ""            # what a 扣分原因 says instead of facts + rule ("" = facts + rule)
    capped: bool = False        # the rule's deduction reached its limit (扣完为止)
    silent: bool = False        # nothing worth stating (an exemption not claimed)


# ----------------------------------------------------------------- figures

def rate_digits(fw: Framework) -> int:
    return max(fw.precision.rate - 2, 0)


def amount_text(x: float) -> str:
    return plain(xl_round(x, 6))


def input_fact(fw: Framework, code: str, value: Any) -> str:
    """'年初预算数为3592.06万元', '预算编制不符合要求2项', '“是否涉密单位”评价为“否”'."""
    inp = fw.inputs[code]
    if inp.kind in ("yes_no",):
        return answer_fact(inp.label, value)
    if inp.kind == "choice":
        return f"{inp.label}为“{value}”"
    if inp.kind == "percent" and isinstance(value, (int, float)):
        return f"{inp.label}为{percent(value, rate_digits(fw))}"
    if inp.kind == "date" and isinstance(value, (int, float)):
        return f"{inp.label}为{date_text(value)}"
    if isinstance(value, (int, float)):
        unit = inp.unit or ""
        shown = amount_text(value)
        # "…不符合要求项数" counted in 项: "…不符合要求2项" rather than "…项数为2项"
        if unit and value != 0 and inp.label.endswith(unit + "数") and len(inp.label) > 3:
            return f"{inp.label[:-2]}{shown}{unit}"
        return f"{inp.label}为{shown}{unit if value != 0 or inp.kind == 'amount' else ''}"
    return f"{inp.label}为{value}"


def date_text(serial: float) -> str:
    """An Excel date serial as 2024年6月30日."""
    import datetime
    try:
        d = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(serial))
    except (OverflowError, ValueError):
        return plain(serial)
    return f"{d.year}年{d.month}月{d.day}日"


def answer_fact(label: str, answer: Any) -> str:
    """A yes/no judgement: a statement label answered 是 is stated as it is."""
    if answer == YES and "是否" not in label:
        return label
    return f"“{label}”评价为“{answer}”"


def _is_default(fw: Framework, code: str, value: Any) -> bool:
    default = fw.inputs[code].default
    return default is not None and value == default


def rate_facts(fw: Framework, code: str, values: dict, rates: dict) -> list[str]:
    """The inputs of a rate (denominator first, as reports do) and the rate as shown."""
    rate = fw.rates[code]
    facts = []
    for name in dict.fromkeys(rate.denominator.names + rate.numerator.names):
        if name in fw.inputs and not _is_default(fw, name, values.get(name)) and values.get(name) is not None:
            facts.append(input_fact(fw, name, values[name]))
    x = rates.get(code)
    if x is None:
        return facts
    den = rate.denominator.evaluate(values)
    if x == math.inf:
        facts.append(f"{rate.name}按无穷大计（分母为0）")
    elif den == 0:
        facts.append(f"分母为0，{rate.name}按规定计为{percent(x, rate_digits(fw))}")
    else:
        facts.append(f"{rate.name}为{percent(x, rate_digits(fw))}")
    return facts


@dataclass
class _Value:
    facts: list[str]
    is_rate: bool
    unit: str                  # for a count or amount value: its unit
    what: str                  # how the value is called in the rule sentence ("" = the facts say it)


def _value(fw: Framework, rule: Rule, values: dict, rates: dict, x: float) -> _Value:
    name = rule.value.single_name
    if name in fw.rates:
        return _Value(rate_facts(fw, name, values, rates), True, "", fw.rates[name].name)
    if name in fw.inputs:
        inp = fw.inputs[name]
        return _Value([input_fact(fw, name, x)], inp.kind == "percent", inp.unit or "", inp.label)
    names = [n for n in rule.value.names if n in fw.inputs]
    facts = [input_fact(fw, n, values.get(n)) for n in names if values.get(n) is not None]
    units = {fw.inputs[n].unit or "" for n in names}
    unit = units.pop() if len(units) == 1 else ""
    tree = rule.value.tree
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Sub) and len(names) == 2:
        if x != 0:
            facts.append(f"两者相差{amount_text(x)}{unit}")
    else:
        facts.append(f"按评分规则计算为{amount_text(x)}{unit}")
    return _Value(facts, False, unit, "")


def _threshold(v: _Value, t: float) -> str:
    return percent_plain(t) if v.is_rate else f"{plain(t)}{v.unit}"


def _per(v: _Value, step: float, whole: bool) -> str:
    """'每满1个百分点', '每个', '每满5万元'."""
    if v.is_rate:
        return f"{'每满' if whole else '每'}{percent_plain(step).rstrip('%')}个百分点"
    if step == 1 and v.unit:
        return f"每{v.unit}"
    return f"{'每满' if whole else '每'}{plain(step)}{v.unit}"


def _over(v: _Value, over: float) -> str:
    if v.is_rate:
        return f"{plain(xl_round(over * 100, 6))}个百分点"
    return f"{plain(xl_round(over, 6))}{v.unit}"


# ------------------------------------------------------------------ clauses

def part_clause(fw: Framework, part: Part, result: PartResult, values: dict, rates: dict) -> Clause:
    """The clause of one part whose inputs are all given (result.score is not None)."""
    rule = part.rule
    k = rule.kind
    part_max = result.max if result.max is not None else part.max
    named = dict(values)
    named.update(rates)
    if k in ("bands", "excess_deduction", "proportional"):
        try:
            x = rule.value.evaluate(named)
        except (ZeroDivisionError, ValueError, TypeError):    # a format-2 value dividing by zero
            return _fallback(part, result)
        if x is None:
            return _fallback(part, result)
        v = _value(fw, rule, values, rates, x)
        if k == "bands":
            band = find_band(rule.bands, x)
            if band is None:               # a framework that gives points outside every band
                return Clause(v.facts, f"不在评分标准所列各档内，计{plain(result.score)}分")
            where = band_text(band.range, v.is_rate)
            where = where if where.startswith("等于") else f"在{where}档内"       # a point band: 等于0%
            return Clause(v.facts, f"{where}，计{plain(result.score)}分")
        if k == "proportional":
            return Clause(v.facts, f"按比例计{plain(result.score)}分")
        full = rule.full if rule.full is not None else part_max
        below = bool(getattr(rule, "below", False))      # format 2: deduct for a shortfall
        side = "低于" if below else "超出"
        over = rule.threshold - x if below else x - rule.threshold
        if over <= 0:
            limit = f"未{side}{_threshold(v, rule.threshold)}，" if rule.threshold else ""
            return Clause(v.facts, f"{limit}不扣分")
        units = xl_round(over / rule.step, 9)
        if not math.isfinite(units):
            return Clause(v.facts, f"{side}{_threshold(v, rule.threshold)}，扣完为止", capped=True)
        whole = rule.whole_steps
        per = _per(v, rule.step, whole)
        cut = (math.floor(units) if whole else units) * rule.each
        capped = cut >= full - 1e-9
        start = f"{side}{_threshold(v, rule.threshold)}共{_over(v, over)}，" if rule.threshold else ""
        text = f"{start}{per}扣{plain(rule.each)}分" + ("，扣完为止" if capped else "")
        if whole and math.floor(units) == 0:
            text = f"{start}{per.replace('每满', '不足')}，不扣分"
        return Clause(v.facts, text, capped=capped)
    if k in ("per_finding", "deduction"):
        counts = [(c, values.get(c)) for c in rule.inputs]
        n = sum(c for _, c in counts)
        facts = [input_fact(fw, c, x) for c, x in counts]
        if n == 0:
            return Clause(facts, "不扣分")
        if k == "deduction" and all(fw.inputs[c].kind == "score" for c in rule.inputs):
            return Clause(facts, "")                 # the points deducted are the input itself: no rule to state
        units = list(dict.fromkeys(fw.inputs[c].unit or "项" for c in rule.inputs))
        per = "、".join(f"每{u}" for u in units)
        full = part_max if k == "deduction" else (rule.full if rule.full is not None else part_max)
        capped = k == "per_finding" and n * rule.each >= full - 1e-9
        return Clause(facts, f"{per}扣{plain(rule.each)}分" + ("，扣完为止" if capped else ""), capped=capped)
    if k == "tiers":
        choice = values.get(rule.input)
        return Clause([input_fact(fw, rule.input, choice)], f"计{plain(result.score)}分")
    if k == "checklist":
        yes = [fw.inputs[c].label for c, _ in rule.items if values.get(c) == YES]
        no = [(fw.inputs[c].label, p) for c, p in rule.items if values.get(c) != YES]
        n = len(rule.items)
        if not no:
            return Clause([f"{'、'.join(yes)}，{n}项评价要点均符合要求"], f"计{plain(result.score)}分")
        failed = "".join(f"“{label}”" for label, _ in no)
        facts = ["、".join(yes)] if yes else []
        facts.append(f"{failed}评价为“否”")
        # the reason names only what failed: positive statements are never listed as faults
        return Clause(facts, f"{n}项评价要点中{n - len(no)}项符合要求，计{plain(result.score)}分",
                      reason=f"{n}项评价要点中{failed}{len(no)}项评价为“否”")
    if k == "yes_no":
        ans = values.get(rule.input)
        return Clause([answer_fact(fw.inputs[rule.input].label, ans)], f"计{plain(result.score)}分")
    if k == "veto":
        ans = values.get(rule.input)
        fact = answer_fact(fw.inputs[rule.input].label, ans)
        if result.triggered:
            return Clause([fact], "按评分标准本指标得0分")
        return Clause([fact], "")
    if k == "exemption":
        ans = values.get(rule.input)
        fact = answer_fact(fw.inputs[rule.input].label, ans)
        if result.triggered:
            return Clause([fact], "按评分标准本指标直接得满分")
        return Clause([fact], "", silent=_is_default(fw, rule.input, ans))
    if k == "discretionary":
        return Clause([f"{part.name}由评价组根据相关材料和实际情况酌情评分"], f"计{plain(result.score)}分")
    if k == "target":
        return _target_clause(fw, part, result, values, named)
    if k == "qualitative":
        tier, share = values.get(rule.input), values.get(rule.share)
        return Clause([input_fact(fw, rule.input, tier), input_fact(fw, rule.share, share)],
                      f"按{percent(share, rate_digits(fw))}计{plain(result.score)}分")
    if k == "either_or":
        choice = values.get(rule.input)
        alt = dict(rule.alternatives).get(choice)
        if alt is None:
            return _fallback(part, result)
        import dataclasses
        inner = part_clause(fw, dataclasses.replace(part, rule=alt), result, values, rates)
        inner.facts.insert(0, input_fact(fw, rule.input, choice))
        if inner.reason:
            inner.reason = f"{input_fact(fw, rule.input, choice)}，{inner.reason}"
        return inner
    return _fallback(part, result)


def _target_clause(fw: Framework, part: Part, result: PartResult, values: dict, named: dict) -> Clause:
    """A target-based indicator (format 2): 年度指标值, 实际完成值, how far it was met."""
    rule = part.rule
    nature = rule.nature or values.get(rule.nature_input)
    score = plain(result.score)
    if nature == "定性":
        tier, share = values.get(rule.tier_input), values.get(rule.share)
        return Clause([input_fact(fw, rule.tier_input, tier), input_fact(fw, rule.share, share)],
                      f"按{percent(share, rate_digits(fw))}计{score}分")
    target, actual = rule.target.evaluate(named), rule.actual.evaluate(named)
    def kind_of(expr) -> tuple[str, str]:
        name = expr.single_name
        if name in fw.rates:                  # a rate (预算执行率 …) reads as a percentage
            return "percent", ""
        inp = fw.inputs.get(name) if name else None
        return (inp.kind, inp.unit or "") if inp else ("", "")

    kind, unit = kind_of(rule.actual)
    target_kind, target_unit = kind_of(rule.target)
    if not target_kind:
        target_kind, target_unit = kind, unit

    def shown(x: float, kind: str = kind, unit: str = unit) -> str:
        if kind == "date":
            return date_text(x)
        if kind == "percent":
            return percent(x, rate_digits(fw))
        return f"{amount_text(x)}{unit}"

    facts = [f"年度指标值{nature}{shown(target, target_kind, target_unit)}", f"实际完成值为{shown(actual)}"]
    ratio = getattr(result, "ratio", None)
    if kind == "date":
        met = result.score is not None and result.max is not None and result.score >= result.max - 1e-9
        return Clause(facts, f"按期完成，计{score}分" if met else f"未按期完成，计{score}分")
    if getattr(result, "flagged", False):
        limit = percent_plain(rule.over_target.ratio)
        return Clause(facts, f"实际完成值达到年度指标值的{limit}以上，指标值设置可能偏低，计{score}分")
    if ratio is None or ratio >= 1:
        return Clause(facts, f"已达成年度指标值，计{score}分")
    done = f"完成年度指标值的{percent(ratio, rate_digits(fw))}"
    p = rule.pass_threshold
    if p is not None and ratio < p:
        return Clause(facts, f"{done}，低于{percent_plain(p)}，计0分")
    return Clause(facts, f"{done}，按完成比例计{score}分")


def _fallback(part: Part, result: PartResult) -> Clause:
    # A kind this module has no wording for yet: the engine's own sentence for the
    # figures, and only the points in the reason (so the deduction quoted stays right).
    text = re.sub(r"[，,]?(?:得|计)[0-9.]+分$", "", result.explanation or "")
    return Clause([text] if text else [], f"计{plain(result.score)}分", reason=f"{part.name}计{plain(result.score)}分")

"""The scoring engine: pure functions from (framework, inputs) to scores.

Computation order and rounding mirror the template's cell formulas step by
step (rate -> ROUND; part -> ROUND then clamp; leaf -> clamp then ROUND;
subtotals -> ROUND(SUM)), so the engine, the native workbook and the UDFs
agree to the last shown digit.

Input values are already parsed: numbers for amount/count/score/year,
the option text for choice, "是"/"否" for yes_no, None for blank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from xl_eval.framework.model import NO, YES, Band, Framework, Leaf, Part, Rate, Rule
from xl_eval.core.xlround import percent, percent_plain, plain, xl_round


@dataclass(frozen=True)
class PartResult:
    code: str
    name: str
    max: float
    score: float | None          # None: an input it needs is blank
    explanation: str
    triggered: bool = False      # veto / exemption answered 是


@dataclass(frozen=True)
class LeafResult:
    code: str
    name: str
    weight: float
    score: float | None
    score_rate: float | None
    parts: tuple[PartResult, ...]
    explanation: str
    missing: tuple[str, ...]     # input codes left blank that the score needs


@dataclass(frozen=True)
class Evaluation:
    rates: dict[str, float | None]
    leaves: dict[str, LeafResult]
    level2: dict[str, float | None]
    level1: dict[str, float | None]
    level1_rates: dict[str, float | None]
    total: float | None
    total_rate: float | None
    grade: str | None
    values: dict[str, Any] = field(repr=False, default_factory=dict)


# ------------------------------------------------------------------ helpers

def effective_values(fw: Framework, values: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs with defaults applied to blanks (None stays None otherwise)."""
    out = {}
    for code, inp in fw.inputs.items():
        v = values.get(code)
        if v is None or (isinstance(v, str) and not v.strip()):
            v = inp.default
        out[code] = v
    return out


def compute_rate(rate: Rate, values: Mapping[str, Any], digits: int) -> float | None:
    num = rate.numerator.evaluate(values)
    den = rate.denominator.evaluate(values)
    if num is None or den is None:
        return None
    if den == 0:
        return rate.zero_numerator_zero if num == 0 else rate.zero_numerator_nonzero
    return xl_round(num / den, digits)


def find_band(bands: tuple[Band, ...], x: float) -> Band | None:
    for band in bands:
        if band.range.contains(x):
            return band
    return None


def grade_of(fw: Framework, total: float | None) -> str | None:
    if total is None:
        return None
    for g in fw.grades:
        if g.range.contains(total):
            return g.name
    return None


def band_text(band_range, as_percent: bool) -> str:
    """'(0.1, 0.4]' -> '10%（不含）至40%（含）'."""
    fmt = percent_plain if as_percent else plain
    lo, hi = band_range.lo, band_range.hi
    lo_t = f"{fmt(lo)}（{'含' if band_range.lo_closed else '不含'}）"
    hi_t = f"{fmt(hi)}（{'含' if band_range.hi_closed else '不含'}）"
    if math.isinf(lo) and math.isinf(hi):
        return "任意值"
    if math.isinf(lo) or (lo == 0 and band_range.lo_closed and as_percent):
        return f"{hi_t}以下" if not math.isinf(hi) else "任意值"
    if math.isinf(hi):
        return f"{lo_t}以上"
    return f"{lo_t}至{hi_t}"


def _value_text(fw: Framework, rule: Rule, x: float) -> tuple[str, bool]:
    """(name and shown value, whether the value is a rate shown as a percent)."""
    name = rule.value.single_name
    if name in fw.rates:
        return f"{fw.rates[name].name}{percent(x)}", True
    if name in fw.inputs:
        return f"{fw.inputs[name].label}{plain(x)}", False
    labels = rule.value.to_excel(lambda n: fw.inputs[n].label if n in fw.inputs else fw.rates[n].name)
    return f"{labels.replace('-', '−')}为{plain(x)}", False


def _named_values(fw: Framework, values: Mapping[str, Any], rates: Mapping[str, float | None]):
    merged = dict(values)
    merged.update(rates)
    return merged


# -------------------------------------------------------------------- rules

def rule_points(fw: Framework, rule: Rule, part_max: float, named: Mapping[str, Any]) -> tuple[float | None, str]:
    """Unrounded, unclamped points of one rule and its Chinese explanation.

    Modifier kinds (veto, exemption) return 0 points; the leaf applies them.
    """
    k = rule.kind
    if k in ("bands", "excess_deduction", "proportional"):
        x = rule.value.evaluate(named)
        if x is None:
            return None, ""
        what, is_pct = _value_text(fw, rule, x)
        if k == "bands":
            band = find_band(rule.bands, x)
            if band is None:
                return None, f"{what}，不在评分标准的任何档内"
            return band.points, f"{what}，处于{band_text(band.range, is_pct)}档，得{plain(band.points)}分"
        if k == "proportional":
            pts = x * rule.points
            return pts, f"{what}，按比例得{plain(xl_round(pts, fw.precision.score))}分"
        full = rule.full if rule.full is not None else part_max
        over = x - rule.threshold
        if over <= 0:
            return full, f"{what}，未超过{_threshold_text(rule, is_pct)}，不扣分，得{plain(full)}分"
        units = xl_round(over / rule.step, 9)
        # An infinite rate (zero-denominator outcome) is infinitely many steps over: all deducted.
        units = math.floor(units) if rule.whole_steps and math.isfinite(units) else units
        cut = min(full, units * rule.each)
        pts = full - cut
        step_t = f"{percent_plain(rule.step).rstrip('%')}个百分点" if is_pct else plain(rule.step)
        how = "（不足一步不扣）" if rule.whole_steps else ""
        return pts, (f"{what}，超过{_threshold_text(rule, is_pct)}，每超{step_t}扣{plain(rule.each)}分{how}，"
                     f"扣{plain(xl_round(cut, fw.precision.score))}分，得{plain(xl_round(pts, fw.precision.score))}分")
    if k in ("per_finding", "deduction"):
        counts = [named.get(c) for c in rule.inputs]
        if any(c is None for c in counts):
            return None, ""
        n = sum(counts)
        labels = "、".join(fw.inputs[c].label for c in rule.inputs)
        if k == "deduction":
            if n == 0:
                return 0.0, f"{labels}为0，不扣分"
            return -(n * rule.each), f"{labels}{plain(n)}，每处扣{plain(rule.each)}分，扣{plain(n * rule.each)}分"
        full = rule.full if rule.full is not None else part_max
        pts = max(0.0, full - n * rule.each)
        if n == 0:
            return pts, f"{labels}为0，不扣分，得{plain(full)}分"
        return pts, f"{labels}{plain(n)}，每项扣{plain(rule.each)}分，扣完为止，得{plain(xl_round(pts, fw.precision.score))}分"
    if k == "tiers":
        choice = named.get(rule.input)
        pts = dict(rule.tier_points).get(choice)
        if pts is None:
            return None, ""
        return pts, f"{fw.inputs[rule.input].label}：{choice}，得{plain(pts)}分"
    if k == "checklist":
        answers = [named.get(c) for c, _ in rule.items]
        if any(a is None for a in answers):
            return None, ""
        pts = sum(p for (c, p), a in zip(rule.items, answers) if a == YES)
        failed = [fw.inputs[c].label for (c, _), a in zip(rule.items, answers) if a != YES]
        text = f"符合{len(rule.items) - len(failed)}/{len(rule.items)}项"
        if failed:
            text += "，不符合：" + "；".join(failed)
        return pts, f"{text}，得{plain(pts)}分"
    if k in ("veto", "exemption", "yes_no"):
        ans = named.get(rule.input)
        if ans not in (YES, NO):
            return None, ""
        label = fw.inputs[rule.input].label
        if k == "yes_no":
            pts = rule.yes if ans == YES else rule.no
            return pts, f"{label}：{ans}，得{plain(pts)}分"
        return 0.0, f"{label}：{ans}"
    if k == "discretionary":
        x = named.get(rule.input)
        if x is None:
            return None, ""
        return x, f"评价人员酌情给分{plain(x)}分"
    raise ValueError(f"unknown rule kind {k}")


def _threshold_text(rule: Rule, is_pct: bool) -> str:
    return percent_plain(rule.threshold) if is_pct else plain(rule.threshold)


def leaf_inputs(fw: Framework, rule: Rule) -> list[str]:
    """Input codes a rule needs, looking through the rates it uses."""
    out = []
    for name in rule.input_names():
        if name in fw.rates:
            rate = fw.rates[name]
            out += [n for n in rate.numerator.names + rate.denominator.names if n not in out]
        elif name not in out:
            out.append(name)
    return out


def score_part(fw: Framework, part: Part, named: Mapping[str, Any]) -> PartResult:
    pts, text = rule_points(fw, part.rule, part.max, named)
    kind = part.rule.kind
    if pts is None:
        return PartResult(part.code, part.name, part.max, None, text or "待填写")
    if kind in ("veto", "exemption"):
        return PartResult(part.code, part.name, part.max, 0.0, text, named.get(part.rule.input) == YES)
    rounded = xl_round(pts, fw.precision.score)
    if kind != "deduction":
        rounded = min(max(rounded, 0.0), part.max)
    return PartResult(part.code, part.name, part.max, rounded, text)


def score_leaf(fw: Framework, leaf: Leaf, named: Mapping[str, Any]) -> LeafResult:
    parts = tuple(score_part(fw, part, named) for part in leaf.parts)
    missing = tuple(dict.fromkeys(c for part in leaf.parts for c in leaf_inputs(fw, part.rule)
                                  if named.get(c) is None))
    kinds = [p.rule.kind for p in leaf.parts]
    veto = next((r for r, k in zip(parts, kinds) if k == "veto" and r.triggered), None)
    exempt = next((r for r, k in zip(parts, kinds) if k == "exemption" and r.triggered), None)
    if veto:
        score, text = 0.0, f"{veto.explanation}，本指标得0分"
    elif exempt:
        score, text = leaf.weight, f"{exempt.explanation}，直接得满分{plain(leaf.weight)}分"
    elif any(r.score is None for r in parts):
        score, text = None, "待填写：" + "、".join(fw.inputs[c].label for c in missing) if missing else "无法计算"
    else:
        total = sum(r.score for r in parts)
        score = xl_round(min(max(total, 0.0), leaf.weight), fw.precision.score)
        texts = [r.explanation for r, k in zip(parts, kinds) if k not in ("veto", "exemption")]
        if leaf.composite:
            texts = [f"{r.name}：{r.explanation}" for r, k in zip(parts, kinds) if k not in ("veto", "exemption")]
            texts.append(f"合计得{plain(score)}分")
        text = "；".join(texts)
    if veto or exempt:
        missing = ()
    rate = None if score is None else xl_round(score / leaf.weight, fw.precision.score_rate)
    return LeafResult(leaf.code, leaf.name, leaf.weight, score, rate, parts, text, missing)


def _sum(scores: list[float | None], digits: int) -> float | None:
    if any(s is None for s in scores):
        return None
    return xl_round(sum(scores), digits)


def evaluate(fw: Framework, values: Mapping[str, Any]) -> Evaluation:
    """Score one department.  Never raises for blank inputs: scores stay None."""
    vals = effective_values(fw, values)
    rates = {code: compute_rate(rate, vals, fw.precision.rate) for code, rate in fw.rates.items()}
    named = _named_values(fw, vals, rates)
    leaves = {leaf.code: score_leaf(fw, leaf, named) for leaf in fw.leaves}
    digits = fw.precision.score
    level2, level1, level1_rates = {}, {}, {}
    for l1 in fw.level1:
        for l2 in l1.children:
            level2[l2.code] = _sum([leaves[x.code].score for x in l2.leaves], digits)
        level1[l1.code] = _sum([leaves[x.code].score for x in l1.leaves], digits)
        w = sum(x.weight for x in l1.leaves)
        level1_rates[l1.code] = None if level1[l1.code] is None else xl_round(level1[l1.code] / w, fw.precision.score_rate)
    total = _sum(list(level1.values()), fw.precision.total)
    total_rate = None if total is None else xl_round(total / fw.total_weight, fw.precision.score_rate)
    return Evaluation(rates, leaves, level2, level1, level1_rates, total, total_rate, grade_of(fw, total), vals)

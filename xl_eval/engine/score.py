"""The scoring engine: pure functions from (framework, inputs) to scores.

Computation order and rounding mirror the template's cell formulas step by
step (rate -> ROUND; part -> ROUND then clamp; leaf -> clamp then ROUND;
subtotals -> ROUND(SUM)), so the engine, the native workbook and the UDFs
agree to the last shown digit.

Input values are already parsed: numbers for amount/count/score/year/
percent/decimal/date/weight, the option text for choice, "是"/"否" for
yes_no, None for blank.

Target-based scoring (score_target, used by `target` rules and by the rows
a unit defines), step by step, each step as a workbook formula would do it:
  1. completion ratio r, ROUND(·, precision.rate):  ≥ actual/target,
     ≤ target/actual, = MIN/MAX of the two; met when r >= 1 (≥: actual >=
     target, ≤: actual <= target, =: equal).  Target 0 with ≥: met whenever
     actual >= 0.  ≤ with actual 0: met (r shown as 100%).  = or ≤ with a
     zero or negative value on the other side: r = 0.  Date values: met or 0.
  2. met -> points (minus over_target.deduct when r >= over_target.ratio,
     the "偏离度" flag; ≤ with actual 0 is never flagged).
     not met -> with pass threshold p: r < p -> 0, else (r-p)/(1-p) x points;
     without: r x points.
  3. the part/row score: ROUND(·, precision.score), clamped to [0, points].
定性: the tier's share range (QUALITATIVE_TIERS) must hold the evaluator's
share s; points x s, then step 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from xl_eval.framework.model import (
    NO, QUALITATIVE_TIERS, YES, Band, Framework, Interval, Leaf, Node, OverTarget, Part, Rate, RowBlock, Rule)
from xl_eval.core.xlround import percent, percent_plain, plain, xl_round


@dataclass(frozen=True)
class PartResult:
    code: str
    name: str
    max: float | None
    score: float | None          # None: an input it needs is blank
    explanation: str
    triggered: bool = False      # veto / exemption answered 是
    flagged: bool = False        # target: completion far above target (偏离)
    ratio: float | None = None   # target: the rounded completion ratio


@dataclass(frozen=True)
class LeafResult:
    code: str
    name: str
    weight: float | None
    score: float | None
    score_rate: float | None
    parts: tuple[PartResult, ...]   # rows of a RowBlock: one PartResult per filled row, code "r<i>"
    explanation: str
    missing: tuple[str, ...]     # input codes left blank that the score needs


@dataclass(frozen=True)
class Evaluation:
    rates: dict[str, float | None]
    leaves: dict[str, LeafResult]
    level2: dict[str, float | None]   # branch nodes at level 2
    level1: dict[str, float | None]   # every top-level node (branch or scored); {} in a one-level tree
    level1_rates: dict[str, float | None]
    total: float | None
    total_rate: float | None
    grade: str | None
    values: dict[str, Any] = field(repr=False, default_factory=dict)
    # format 2
    nodes: dict[str, float | None] = field(default_factory=dict)   # every branch node
    weights: dict[str, float | None] = field(default_factory=dict)  # leaf code -> weight used
    problems: tuple["InputsProblem", ...] = ()   # open weights / row points that do not add up


@dataclass(frozen=True)
class InputsProblem:
    """Inputs that are fine one by one but wrong together (they must add up)."""
    codes: tuple[str, ...]
    message: str


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
    if lo == hi:                       # a point band: "预算调整率=0，计3分"
        return f"等于{fmt(lo)}"
    if math.isinf(lo) or (lo == 0 and band_range.lo_closed and as_percent):
        return f"{hi_t}以下" if not math.isinf(hi) else "任意值"
    if math.isinf(hi):
        return f"{lo_t}以上"
    return f"{lo_t}至{hi_t}"


def _label(fw: Framework, n: str) -> str:
    return fw.inputs[n].label if n in fw.inputs else fw.rates[n].name


def _value_text(fw: Framework, rule: Rule, x: float) -> tuple[str, bool]:
    """(name and shown value, whether the value is a rate shown as a percent)."""
    name = rule.value.single_name
    if name in fw.rates:
        return f"{fw.rates[name].name}{percent(x)}", True
    if name in fw.inputs:
        if fw.inputs[name].kind == "percent":
            return f"{fw.inputs[name].label}{percent(x)}", True
        return f"{fw.inputs[name].label}{plain(x)}", False
    labels = rule.value.to_excel(lambda n: _label(fw, n))
    return f"{labels.replace('-', '−')}为{plain(x)}", False


def _named_values(fw: Framework, values: Mapping[str, Any], rates: Mapping[str, float | None]):
    merged = dict(values)
    merged.update(rates)
    return merged


def leaf_weight(leaf: Leaf, named: Mapping[str, Any]) -> float | None:
    """The leaf's weight: fixed in the framework, the open-weight input's value,
    or an adjustable weight's input (blank: the framework's default)."""
    code = leaf.weight_input or (leaf.adjust.input if leaf.adjust else None)
    if code is None:
        return leaf.weight
    w = named.get(code)
    if isinstance(w, (int, float)) and not isinstance(w, bool):
        return float(w)
    return leaf.weight if leaf.adjust else None


def _value(rule: Rule, named: Mapping[str, Any]) -> tuple[float | None, bool]:
    """(value of the rule's expression, whether a divisor was 0)."""
    try:
        return rule.value.evaluate(named), False
    except ZeroDivisionError:
        return rule.zero_denominator, True


# ------------------------------------------------------------ target rules

@dataclass(frozen=True)
class TargetResult:
    ratio: float | None       # rounded completion ratio (None for 定性 or dates)
    met: bool
    flagged: bool             # completion far above target (偏离)
    points: float | None      # unrounded, unclamped points
    score: float | None       # ROUND(points, precision.score) clamped to [0, max points]
    explanation: str


def _num_text(x: float, is_pct: bool) -> str:
    return percent(x) if is_pct else plain(x)


def score_target(fw: Framework, nature: str, target: float | None, actual: float | None, points: float,
                 pass_threshold: float | None = None, over_target: OverTarget | None = None,
                 tier: str | None = None, share: float | None = None,
                 is_date: bool = False, is_percent: bool = False) -> TargetResult:
    """Score one target-based indicator or row (see the module docstring for the steps)."""
    digits = fw.precision.score
    if nature == "定性":
        if tier is None or share is None:
            return TargetResult(None, False, False, None, None, "")
        rng = next((iv for name, iv in _tier_ranges() if name == tier), None)
        if rng is None:
            return TargetResult(None, False, False, None, None, f"定性完成情况“{tier}”不是达成/部分达成/未达成之一")
        if not rng.contains(share):
            return TargetResult(None, False, False, None, None,
                                f"{tier}的得分比例应为{band_text(rng, True).removeprefix('等于')}，填的是{percent(share)}")
        pts = points * share
        score = min(max(xl_round(pts, digits), 0.0), points)
        return TargetResult(None, tier == "达成", False, pts, score,
                            f"定性指标{tier}，按{percent(share)}计，得{plain(score)}分")
    if target is None or actual is None:
        return TargetResult(None, False, False, None, None, "")
    shown = (lambda x: _date_text(x)) if is_date else (lambda x: _num_text(x, is_percent))
    what = f"年度指标值{nature}{shown(target)}，实际完成值{shown(actual)}"
    if is_date:
        met = actual >= target if nature == "≥" else actual <= target if nature == "≤" else actual == target
        pts = points if met else 0.0
        return TargetResult(None, met, False, pts, pts, f"{what}，{'已' if met else '未'}达成，得{plain(pts)}分")
    rd = fw.precision.rate
    if nature == "≥":
        met = actual >= target
        ratio = (1.0 if met else 0.0) if target <= 0 else xl_round(actual / target, rd)
    elif nature == "≤":
        met = actual <= target
        ratio = (1.0 if met else 0.0) if actual <= 0 else xl_round(target / actual, rd) if target > 0 else 0.0
    else:
        met = actual == target
        lo, hi = min(actual, target), max(actual, target)
        ratio = 1.0 if met else (0.0 if lo <= 0 else xl_round(lo / hi, rd))
    if met or ratio >= 1:
        flagged = (over_target is not None and nature != "=" and ratio >= over_target.ratio
                   and not (nature == "≤" and actual <= 0))
        if flagged:
            pts = max(0.0, points - over_target.deduct)
            cut = f"，扣{plain(over_target.deduct)}分" if over_target.deduct else ""
            text = (f"{what}，完成率{percent(ratio)}，达到指标值的{percent_plain(over_target.ratio)}以上，"
                    f"指标设置可能偏低（偏离）{cut}，得{plain(xl_round(pts, digits))}分")
        else:
            pts = points
            text = f"{what}，已达成，得{plain(points)}分"
        return TargetResult(ratio, True, flagged, pts, min(max(xl_round(pts, digits), 0.0), points), text)
    if pass_threshold is not None:
        if ratio < pass_threshold:
            pts = 0.0
            how = f"低于{percent_plain(pass_threshold)}，得0分"
        else:
            pts = (ratio - pass_threshold) / (1 - pass_threshold) * points
            how = f"按（完成率−{percent_plain(pass_threshold)}）÷（1−{percent_plain(pass_threshold)}）×{plain(points)}分计"
    else:
        pts = ratio * points
        how = f"按完成率×{plain(points)}分计"
    score = min(max(xl_round(pts, digits), 0.0), points)
    if pass_threshold is None or ratio >= pass_threshold:
        how += f"，得{plain(score)}分"
    return TargetResult(ratio, False, False, pts, score, f"{what}，未达成，完成率{percent(ratio)}，{how}")


def _tier_ranges() -> tuple[tuple[str, Interval], ...]:
    return tuple((name, Interval(lo, True, hi, top, "")) for name, lo, hi, top in QUALITATIVE_TIERS)


def _date_text(serial: float) -> str:
    import datetime
    try:
        d = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(serial))
    except (OverflowError, ValueError):
        return plain(serial)
    return f"{d.year}年{d.month}月{d.day}日"


def _target_rule(fw: Framework, rule: Rule, part_max: float, named: Mapping[str, Any]) -> TargetResult:
    nature = rule.nature or named.get(rule.nature_input)
    if nature is None:
        return TargetResult(None, False, False, None, None, "")
    if nature == "定性":
        return score_target(fw, nature, None, None, part_max, tier=named.get(rule.tier_input),
                            share=named.get(rule.share))
    name = rule.actual.single_name
    kind = fw.inputs[name].kind if name in fw.inputs else "percent" if name in fw.rates else ""
    return score_target(fw, nature, rule.target.evaluate(named), rule.actual.evaluate(named), part_max,
                        rule.pass_threshold, rule.over_target, is_date=kind == "date",
                        is_percent=kind == "percent")


# -------------------------------------------------------------------- rules

def rule_points(fw: Framework, rule: Rule, part_max: float, named: Mapping[str, Any]) -> tuple[float | None, str]:
    """Unrounded, unclamped points of one rule and its Chinese explanation.

    Modifier kinds (veto, exemption) return 0 points; the leaf applies them.
    """
    k = rule.kind
    if k in ("bands", "excess_deduction", "proportional"):
        x, divided_by_zero = _value(rule, named)
        if x is None:
            return None, "分母为0，无法计算" if divided_by_zero else ""
        what, is_pct = _value_text(fw, rule, x)
        if k == "bands":
            band = find_band(rule.bands, x)
            if band is None:
                if rule.else_points is not None:
                    return rule.else_points, f"{what}，不在评分标准所列各档内，得{plain(rule.else_points)}分"
                return None, f"{what}，不在评分标准的任何档内"
            pts = band.points_of(part_max)
            where = band_text(band.range, is_pct)
            where = where if where.startswith("等于") else f"处于{where}档"      # a point band: 等于0%
            return pts, f"{what}，{where}，得{plain(xl_round(pts, fw.precision.score))}分"
        if k == "proportional":
            pts = x * (rule.points if rule.points is not None else part_max)
            return pts, f"{what}，按比例得{plain(xl_round(pts, fw.precision.score))}分"
        full = rule.full if rule.full is not None else part_max
        over = rule.threshold - x if rule.below else x - rule.threshold
        side = "低于" if rule.below else "超过"
        if over <= 0:
            return full, f"{what}，未{side}{_threshold_text(rule, is_pct)}，不扣分，得{plain(full)}分"
        units = xl_round(over / rule.step, 9)
        # An infinite rate (zero-denominator outcome) is infinitely many steps over: all deducted.
        units = math.floor(units) if rule.whole_steps and math.isfinite(units) else units
        cut = min(full, units * rule.each)
        pts = full - cut
        step_t = f"{percent_plain(rule.step).rstrip('%')}个百分点" if is_pct else plain(rule.step)
        how = "（不足一步不扣）" if rule.whole_steps else ""
        each_side = "每低" if rule.below else "每超"
        return pts, (f"{what}，{side}{_threshold_text(rule, is_pct)}，{each_side}{step_t}扣{plain(rule.each)}分{how}，"
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
            if all(fw.inputs[c].kind == "score" for c in rule.inputs):      # 酌情扣分: points, not items
                return -(n * rule.each), f"{labels}{plain(n)}分，扣{plain(n * rule.each)}分"
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
        if any(p is None for _, p in rule.items):
            # Items without points share the part's points equally.
            pts = part_max * sum(a == YES for a in answers) / len(rule.items)
        else:
            pts = sum(p for (c, p), a in zip(rule.items, answers) if a == YES)
        failed = [fw.inputs[c].label for (c, _), a in zip(rule.items, answers) if a != YES]
        text = f"符合{len(rule.items) - len(failed)}/{len(rule.items)}项"
        if failed:
            text += "，不符合：" + "；".join(failed)
        return pts, f"{text}，得{plain(xl_round(pts, fw.precision.score))}分"
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
    if k == "target":
        res = _target_rule(fw, rule, part_max, named)
        return res.points, res.explanation
    if k == "qualitative":
        tier, share = named.get(rule.input), named.get(rule.share)
        if tier is None or share is None:
            return None, ""
        rng = dict(rule.tiers).get(tier)
        if rng is None or not rng.contains(share):
            return None, f"{tier}的得分比例应为{band_text(rng, True).removeprefix('等于') if rng else '?'}，填的是{percent(share)}"
        pts = part_max * share
        return pts, f"{fw.inputs[rule.input].label}：{tier}，按{percent(share)}计，得{plain(xl_round(pts, fw.precision.score))}分"
    if k == "either_or":
        choice = named.get(rule.input)
        alt = dict(rule.alternatives).get(choice)
        if alt is None:
            return None, ""
        pts, text = rule_points(fw, alt, part_max, named)
        return pts, f"适用“{choice}”：{text}" if text else ""
    raise ValueError(f"unknown rule kind {k}")


def _threshold_text(rule: Rule, is_pct: bool) -> str:
    return percent_plain(rule.threshold) if is_pct else plain(rule.threshold)


def rule_inputs(fw: Framework, rule: Rule, named: Mapping[str, Any] | None = None) -> list[str]:
    """Input codes a rule needs, looking through the rates it uses.

    For either_or with `named`, only the chosen alternative's inputs (the
    other's are not required); for a target rule whose nature is an input,
    only the inputs that nature needs."""
    names: list[str] = []
    if rule.kind == "either_or":
        names.append(rule.input)
        choice = named.get(rule.input) if named is not None else None
        for opt, alt in rule.alternatives:
            if choice is None or opt == choice:
                names += [n for n in rule_inputs(fw, alt, named) if n not in names]
        return names
    if rule.kind == "target" and named is not None:
        nature = rule.nature or named.get(rule.nature_input)
        if rule.nature_input:
            names.append(rule.nature_input)
        if nature == "定性":
            names += [rule.tier_input, rule.share]
        elif nature is not None:
            names += list(rule.target.names + rule.actual.names)
        else:
            names += list(rule.input_names())
        raw = names
    else:
        raw = list(rule.input_names())
    out: list[str] = []
    for name in raw:
        if name in fw.rates:
            rate = fw.rates[name]
            out += [n for n in rate.numerator.names + rate.denominator.names if n not in out]
        elif name not in out:
            out.append(name)
    return out


def unneeded_inputs(fw: Framework, named: Mapping[str, Any]) -> set[str]:
    """Inputs only the alternatives not chosen need (either_or, or a target
    rule's other nature): blank is fine for them."""
    used: set[str] = set()
    needed: set[str] = set()
    for leaf in fw.leaves:
        for part in leaf.parts:
            if part.rule.kind in ("either_or", "target"):
                used |= set(rule_inputs(fw, part.rule))
                needed |= set(rule_inputs(fw, part.rule, named))
            else:
                needed |= set(rule_inputs(fw, part.rule))
    for rate in fw.rates.values():
        needed |= set(rate.numerator.names + rate.denominator.names)
    return used - needed


def leaf_inputs(fw: Framework, rule: Rule) -> list[str]:
    """Input codes a rule needs, looking through the rates it uses."""
    return rule_inputs(fw, rule)


def score_part(fw: Framework, part: Part, named: Mapping[str, Any], part_max: float | None = None) -> PartResult:
    pmax = part.max if part.max is not None else part_max
    if pmax is None:
        return PartResult(part.code, part.name, None, None, "待填写权重")
    kind = part.rule.kind
    if kind == "target":
        res = _target_rule(fw, part.rule, pmax, named)
        if res.points is None:
            return PartResult(part.code, part.name, pmax, None, res.explanation or "待填写")
        return PartResult(part.code, part.name, pmax, res.score, res.explanation, False, res.flagged, res.ratio)
    pts, text = rule_points(fw, part.rule, pmax, named)
    if pts is None:
        return PartResult(part.code, part.name, pmax, None, text or "待填写")
    if kind in ("veto", "exemption"):
        return PartResult(part.code, part.name, pmax, 0.0, text, named.get(part.rule.input) == YES)
    rounded = xl_round(pts, fw.precision.score)
    if kind != "deduction":
        rounded = min(max(rounded, 0.0), pmax)
    return PartResult(part.code, part.name, pmax, rounded, text)


def _missing(fw: Framework, leaf: Leaf, named: Mapping[str, Any]) -> tuple[str, ...]:
    codes = [leaf.weight_input] if leaf.weight_input else []
    for part in leaf.parts:
        codes += rule_inputs(fw, part.rule, named)
    return tuple(dict.fromkeys(c for c in codes if c and named.get(c) is None))


def score_leaf(fw: Framework, leaf: Leaf, named: Mapping[str, Any]) -> LeafResult:
    weight = leaf_weight(leaf, named)
    if leaf.rows is not None:
        return _score_rows(fw, leaf, leaf.rows, weight, named)
    parts = tuple(score_part(fw, part, named, weight) for part in leaf.parts)
    missing = _missing(fw, leaf, named)
    kinds = [p.rule.kind for p in leaf.parts]
    veto = next((r for r, k in zip(parts, kinds) if k == "veto" and r.triggered), None)
    exempt = next((r for r, k in zip(parts, kinds) if k == "exemption" and r.triggered), None)
    if weight is None:
        score, text = None, "待填写：" + "、".join(fw.inputs[c].label for c in missing) if missing else "无法计算"
    elif veto:
        score, text = 0.0, f"{veto.explanation}，本指标得0分"
    elif exempt:
        score, text = weight, f"{exempt.explanation}，直接得满分{plain(weight)}分"
    elif any(r.score is None for r in parts):
        explained = [r.explanation for r in parts if r.score is None and r.explanation not in ("", "待填写")]
        if missing:
            text = "待填写：" + "、".join(fw.inputs[c].label for c in missing)
        else:
            text = explained[0] if explained else "无法计算"
        score = None
    else:
        total = sum(r.score for r, k in zip(parts, kinds) if k != "deduction")
        if leaf.overflow == "scale":
            top = sum(p.max for p in leaf.parts if not p.rule.is_modifier)
            total = total * weight / top if top > 0 else 0.0
        total += sum(r.score for r, k in zip(parts, kinds) if k == "deduction")
        score = xl_round(min(max(total, 0.0), weight), fw.precision.score)
        texts = [r.explanation for r, k in zip(parts, kinds) if k not in ("veto", "exemption")]
        if leaf.composite:
            texts = [f"{r.name}：{r.explanation}" for r, k in zip(parts, kinds) if k not in ("veto", "exemption")]
            if leaf.overflow == "scale":
                texts.append(f"子项合计按权重{plain(weight)}分折算")
            texts.append(f"合计得{plain(score)}分")
        text = "；".join(texts)
    if veto or exempt:
        missing = ()
    rate = None if score is None or not weight else xl_round(score / weight, fw.precision.score_rate)
    return LeafResult(leaf.code, leaf.name, weight, score, rate, parts, text, missing)


def row_is_filled(block: RowBlock, i: int, named: Mapping[str, Any]) -> bool:
    return any(named.get(block.row_input(i, k)) not in (None, "") for k in ("name", "points"))


def score_row(fw: Framework, block: RowBlock, i: int, named: Mapping[str, Any]) -> tuple[PartResult, tuple[str, ...]]:
    """One unit-defined row: (result, input codes it still needs)."""
    get = lambda key: named.get(block.row_input(i, key))  # noqa: E731
    name = get("name") or f"第{i}行"
    nature, points = get("nature"), get("points")
    need = ["name", "nature", "points"]
    if nature in ("≥", "≤", "="):
        need += ["target", "actual"]
    elif nature == "定性":
        need += ["tier", "share"]
    elif nature == "酌情":
        need += ["score"]
    missing = tuple(block.row_input(i, k) for k in need if get(k) in (None, ""))
    code = f"r{i}"
    if missing or points is None:
        return PartResult(code, name, points, None, "待填写"), missing
    if nature == "酌情":
        x = get("score")
        score = min(max(xl_round(x, fw.precision.score), 0.0), points)
        return PartResult(code, name, points, score, f"评价人员酌情给分{plain(score)}分"), ()
    res = score_target(fw, nature, get("target"), get("actual"), points, block.pass_threshold,
                       block.over_target, tier=get("tier"), share=get("share"))
    if block.actual_bands and nature in ("≥", "≤", "="):
        band = find_band(block.actual_bands, get("actual"))
        if band is None:
            return PartResult(code, name, points, None, f"实际完成值{plain(get('actual'))}不在评分标准的任何档内",
                              False, res.flagged, res.ratio), ()
        score = min(max(xl_round(band.points_of(points), fw.precision.score), 0.0), points)
        return PartResult(code, name, points, score,
                          f"实际完成值{percent(get('actual'))}，处于{band_text(band.range, True)}档，得{plain(score)}分",
                          False, res.flagged, res.ratio), ()
    return PartResult(code, name, points, res.score, res.explanation or "无法计算", False, res.flagged, res.ratio), ()


def _score_rows(fw: Framework, leaf: Leaf, block: RowBlock, weight: float | None,
                named: Mapping[str, Any]) -> LeafResult:
    rows, missing = [], []
    for i in range(1, block.max_rows + 1):
        if row_is_filled(block, i, named):
            res, need = score_row(fw, block, i, named)
            rows.append(res)
            missing += need
    if leaf.weight_input and weight is None:
        missing.insert(0, leaf.weight_input)
    parts = tuple(rows)
    if not rows and weight == 0:
        # a block the evaluation set to 0 points (e.g. no 满意度 indicators, 财预〔2021〕101号): nothing to score
        return LeafResult(leaf.code, leaf.name, weight, 0.0, None, (), "本项分值为0，不设指标", ())
    if not rows:
        return LeafResult(leaf.code, leaf.name, weight, None, None, (), "待填写：指标行", tuple(missing))
    if weight is None or any(r.score is None for r in rows):
        text = "待填写：" + "、".join(fw.inputs[c].label for c in missing) if missing else "无法计算"
        return LeafResult(leaf.code, leaf.name, weight, None, None, parts, text, tuple(missing))
    score = xl_round(min(max(sum(r.score for r in rows), 0.0), weight), fw.precision.score)
    texts = [f"{r.name}：{r.explanation}" for r in rows if r.score < (r.max or 0)]
    text = "；".join(texts + [f"合计得{plain(score)}分"]) if texts else f"各指标均已达成，得{plain(score)}分"
    rate = xl_round(score / weight, fw.precision.score_rate) if weight else None
    return LeafResult(leaf.code, leaf.name, weight, score, rate, parts, text, ())


# ------------------------------------------------------------ adding up

def inputs_problems(fw: Framework, values: Mapping[str, Any]) -> list[InputsProblem]:
    """Open weights and unit-defined row points that do not add up.

    Checked once every input involved is filled: the leaves under a branch
    with a declared weight add up to it, all leaves to total_weight, the
    filled rows of a block to its allotment."""
    out: list[InputsProblem] = []
    if fw.open_weights:
        def check(leaves, expected, where):
            ws = [leaf_weight(leaf, values) for leaf in leaves]
            open_codes = tuple(leaf.weight_input for leaf in leaves if leaf.weight_input)
            if not open_codes or any(w is None for w in ws):
                return
            s = xl_round(sum(ws), 9)
            if not math.isclose(s, expected, abs_tol=1e-9):
                fixed = sum(leaf.weight for leaf in leaves if leaf.weight is not None)
                named = "、".join(f"{fw.inputs[c].label}（{c}）" for c in open_codes)
                extra = f"，另有已定权重 {plain(fixed)}" if fixed else ""
                out.append(InputsProblem(open_codes, f"{where}的权重合计为 {plain(s)}，应为 {plain(expected)}："
                                                     f"请核对 {named}{extra}"))
        for node in fw.all_nodes():
            if node.leaf is None and node.weight is not None:
                check(node.leaves, node.weight, f"“{node.name}”")
        check(fw.leaves, fw.total_weight, "全部指标")
    adjusted = [leaf for leaf in fw.leaves if leaf.adjust]
    for leaf in adjusted:
        w = leaf_weight(leaf, values)
        if w is not None and not leaf.adjust.allows(w):
            out.append(InputsProblem((leaf.adjust.input,), f"“{leaf.name}”的权重调整为 {plain(w)}，"
                                                            f"框架只允许 {leaf.adjust.text()}"))
    if adjusted and not fw.open_weights:
        ws = [leaf_weight(leaf, values) for leaf in fw.leaves]
        if all(w is not None for w in ws) and not math.isclose(xl_round(sum(ws), 9), fw.total_weight, abs_tol=1e-9):
            moved = "、".join(f"{leaf.name} {plain(leaf_weight(leaf, values))}" for leaf in adjusted)
            out.append(InputsProblem(tuple(leaf.adjust.input for leaf in adjusted),
                                     f"调整后的权重合计为 {plain(xl_round(sum(ws), 9))}，应为 {plain(fw.total_weight)}"
                                     f"（{moved}）"))
    for leaf in fw.leaves:
        block = leaf.rows
        if block is None:
            continue
        weight = leaf_weight(leaf, values)
        filled = [i for i in range(1, block.max_rows + 1) if row_is_filled(block, i, values)]
        pts = [values.get(block.row_input(i, "points")) for i in filled]
        if weight is None or not filled or any(p is None for p in pts):
            continue
        s = xl_round(sum(pts), 9)
        if not math.isclose(s, weight, abs_tol=1e-9):
            codes = tuple(block.row_input(i, "points") for i in filled)
            out.append(InputsProblem(codes, f"“{leaf.name}”各行分值之和为 {plain(s)}，应为 {plain(weight)}"))
    return out


def _sum(scores: list[float | None], digits: int) -> float | None:
    if any(s is None for s in scores):
        return None
    return xl_round(sum(scores), digits)


def _node_score(node: Node, leaves: Mapping[str, LeafResult], digits: int) -> float | None:
    if node.leaf is not None:
        return leaves[node.leaf.code].score
    return _sum([leaves[x.code].score for x in node.leaves], digits)


def evaluate(fw: Framework, values: Mapping[str, Any]) -> Evaluation:
    """Score one department.  Never raises for blank inputs: scores stay None."""
    vals = effective_values(fw, values)
    rates = {code: compute_rate(rate, vals, fw.precision.rate) for code, rate in fw.rates.items()}
    named = _named_values(fw, vals, rates)
    leaves = {leaf.code: score_leaf(fw, leaf, named) for leaf in fw.leaves}
    weights = {code: r.weight for code, r in leaves.items()}
    digits = fw.precision.score
    nodes = {n.code: _node_score(n, leaves, digits) for n in fw.all_nodes() if n.leaf is None}
    level2 = {n.code: nodes[n.code] for l1 in fw.level1 for n in l1.children if n.leaf is None}
    level1, level1_rates = {}, {}
    for l1 in fw.subtotalled:
        level1[l1.code] = _node_score(l1, leaves, digits)
        ws = [weights[x.code] for x in l1.leaves]
        w = None if any(x is None for x in ws) else sum(ws)
        level1_rates[l1.code] = (None if level1[l1.code] is None or not w
                                 else xl_round(level1[l1.code] / w, fw.precision.score_rate))
    # a one-level tree has no subtotals: the total is the sum of the indicators
    tops = list(level1.values()) if fw.subtotalled else [leaves[x.code].score for x in fw.leaves]
    total = _sum(tops, fw.precision.total)
    total_rate = None if total is None else xl_round(total / fw.total_weight, fw.precision.score_rate)
    return Evaluation(rates, leaves, level2, level1, level1_rates, total, total_rate, grade_of(fw, total), vals,
                      nodes, weights, tuple(inputs_problems(fw, vals)))

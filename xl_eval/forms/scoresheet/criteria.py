"""The printed 评分标准: the rule the workbook actually applies, in words.

The 打分表 prints, beside each score, the rule that produced it, written
from the framework's machine-readable rules (so a framework change changes
the print and the text can never contradict the score).  The source's own
wording (``Leaf.criteria``) and the framework's notes about that leaf go
into the cell's note (``source_note``), one click away.
"""

from __future__ import annotations

import ast

from xl_eval.core.xlround import percent_plain, plain
from xl_eval.engine.score import band_text
from xl_eval.framework.model import Framework, Leaf, Part, Rule

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def printed_criteria(fw: Framework, leaf: Leaf) -> str:
    """The 评分标准 text of `leaf`: one sentence per sub-item, numbered when there are several;
    for a weight the evaluation may move, what it may be moved to."""
    text = _criteria(fw, leaf)
    if leaf.adjust is not None:
        text += (f"\n本指标权重默认{plain(leaf.weight)}分，可调整为{leaf.adjust.text()}"
                 f"（在权重栏填写，各指标权重之和应为{plain(fw.total_weight)}）。")
    return text


def _criteria(fw: Framework, leaf: Leaf) -> str:
    if leaf.rows is not None:
        return rows_sentence(leaf.rows)
    if not leaf.composite and len(leaf.parts) == 1:
        return rule_sentence(fw, leaf.parts[0], leaf)
    lines = []
    for i, part in enumerate(leaf.parts, 1):
        head = part.name if part.rule.is_modifier else f"{part.name}（{plain(part.max)}分）"
        lines.append(f"{i}.{head}：{rule_sentence(fw, part, leaf)}")
    total = sum(p.max for p in leaf.parts if not p.rule.is_modifier)
    if leaf.overflow == "scale":
        lines.append(f"各子项得分合计按{plain(leaf.weight)}÷{plain(total)}折算，本指标得分不超过{plain(leaf.weight)}分。")
    elif leaf.weight is not None and total > leaf.weight:
        lines.append(f"本指标得分不超过{plain(leaf.weight)}分。")
    return "\n".join(lines)


def rows_sentence(block) -> str:
    """The 评分标准 of rows the unit defines: how a row of each 指标性质 scores."""
    out = [f"由单位自定义指标行（见“自定义指标”表，最多 {block.max_rows} 行），各行分值之和应等于本指标分值，"
           "本指标得分为各行得分之和"]
    natures = block.natures
    numeric = [n for n in natures if n in ("≥", "≤", "=")]
    heads = "“" + "”“".join(numeric) + "”行"
    if numeric and block.actual_bands:
        bands = "；".join(f"{band_text(b.range, True)}的，得" + (f"{plain(b.points)}分" if b.points is not None
                                                               else f"该行分值的{percent_plain(b.share)}")
                         for b in block.actual_bands)
        out.append(f"{heads}按实际完成值分档：{bands}（不在以上各档的无法计分）")
    elif numeric:
        if block.pass_threshold is not None:
            p = percent_plain(block.pass_threshold)
            how = f"未达成的，完成率低于{p}不得分，否则按（完成率−{p}）÷（1−{p}）×分值"
        else:
            how = "未达成的按完成率×分值"
        out.append(f"{heads}：达到年度指标值得该行全部分值，{how}")
        ot = block.over_target
        if ot is not None and any(n in ("≥", "≤") for n in numeric):
            cut = f"扣{plain(ot.deduct)}分" if ot.deduct else "予以提示（不扣分）"
            out.append(f"“≥”“≤”行完成率达到{percent_plain(ot.ratio)}及以上的，视为指标值设置偏低（偏离），{cut}")
    if "定性" in natures:
        from xl_eval.framework.model import QUALITATIVE_TIERS
        tiers = "、".join(f"{percent_plain(lo)}（含）～{percent_plain(hi)}（{'含' if top else '不含'}）"
                         for _, lo, hi, top in QUALITATIVE_TIERS)
        names = "、".join(name for name, *_ in QUALITATIVE_TIERS)
        out.append(f"“定性”行：{names}分别按该行分值的{tiers}计分（评价人员在档内确定比例）")
    if "酌情" in natures:
        out.append("“酌情”行：评价人员在该行分值内直接给分")
    return "；".join(out) + "。"


def source_note(fw: Framework, leaf: Leaf) -> str:
    """The cell note of a printed 评分标准: the source's wording and how the framework reads it."""
    out = ["上栏为本表实际采用的计分规则（由指标体系框架生成）。"]
    if leaf.criteria.strip():
        where = f"（{fw.source}）" if fw.source else ""
        out.append(f"原文评分标准{where}：{leaf.criteria.strip()}")
    notes = [n for n in fw.notes if n.startswith(leaf.name)]
    if notes:
        out.append("处理说明：" + " ".join(notes))
    return "\n".join(out)


# ------------------------------------------------------------------ one rule

def _unit(fw: Framework, name: str, default: str = "") -> str:
    inp = fw.inputs.get(name)
    return (inp.unit if inp is not None and inp.unit else default)


def _statement(label: str) -> str:
    """'是否涉密单位' -> '涉密单位': a yes/no label as the condition it asks about."""
    return label[2:] if label.startswith("是否") and len(label) > 2 else label


def _value(fw: Framework, rule: Rule) -> tuple[str, bool]:
    """(what the rule measures, whether it is a rate shown in %)."""
    name = rule.value.single_name
    if name is not None:
        return fw.label(name), name in fw.rates or (name in fw.inputs and fw.inputs[name].kind == "percent")
    return rule.value.to_excel(lambda n: fw.label(n)).replace("-", "−"), False


def _difference(rule: Rule) -> tuple[str, str] | None:
    """(a, b) when the rule's value is the plain difference of two names a − b."""
    t = rule.value.tree if rule.value is not None else None
    if (isinstance(t, ast.BinOp) and isinstance(t.op, ast.Sub)
            and isinstance(t.left, ast.Name) and isinstance(t.right, ast.Name)):
        return t.left.id, t.right.id
    return None


def rule_sentence(fw: Framework, part: Part, leaf: Leaf) -> str:
    rule = part.rule
    k = rule.kind
    if k == "bands":
        what, pct = _value(fw, rule)
        bands = "；".join(f"{band_text(b.range, pct)}的，得{_band_points(b, part.max)}" for b in rule.bands)
        if rule.else_points is not None:
            bands += f"；不在以上各档的，得{plain(rule.else_points)}分"
        return f"{what}{bands}{_zero_clause(rule, pct)}。"
    if k == "excess_deduction":
        full = plain(rule.full if rule.full is not None else part.max)
        each = plain(rule.each)
        diff = _difference(rule)
        if diff is not None and rule.threshold == 0:
            a, b = diff
            unit = _unit(fw, b, "个")
            step = plain(rule.step)
            tail = "" if rule.whole_steps or rule.step == 1 else "（按比例计）"
            return (f"{fw.label(b)}达到{fw.label(a)}的，得{full}分；"
                    f"每少{step}{unit}扣{each}分{tail}，扣完为止。")
        what, pct = _value(fw, rule)
        if pct:
            thr = percent_plain(rule.threshold)
            step_n = percent_plain(rule.step).rstrip("%")
            step = f"{step_n}个百分点"
            partial = f"不足{step}的部分不扣分" if rule.whole_steps else "不足部分按比例扣分"
        else:
            thr, step = plain(rule.threshold), plain(rule.step)
            partial = f"不足{step}的部分不扣分" if rule.whole_steps else "不足部分按比例扣分"
        if rule.below:
            return (f"{what}不低于{thr}的，得{full}分；低于{thr}的，每低{step}扣{each}分"
                    f"（{partial}），扣完为止{_zero_clause(rule, pct)}。")
        return (f"{what}不超过{thr}的，得{full}分；超过{thr}的，每超过{step}扣{each}分"
                f"（{partial}），扣完为止{_zero_clause(rule, pct)}。")
    if k == "proportional":
        what, pct = _value(fw, rule)
        pts = rule.points if rule.points is not None else part.max
        return f"按{what}计分：得分 = {what} × {plain(pts)}分{_zero_clause(rule, pct)}。"
    if k in ("per_finding", "deduction"):
        labels = "、".join(fw.label(c) for c in rule.inputs)
        units = list(dict.fromkeys(_unit(fw, c, "项") for c in rule.inputs))
        every = "或".join(f"每{u}" for u in units)
        if k == "deduction" and all(fw.inputs[c].kind == "score" for c in rule.inputs):
            hi = [fw.inputs[c].max for c in rule.inputs]
            span = f"0～{plain(sum(hi) * rule.each)}分，" if all(h is not None for h in hi) else ""
            each = "" if rule.each == 1 else f"（每1分扣{plain(rule.each)}分）"
            return f"由评价人员酌情扣分（{span}填入“{labels}”{each}），从本指标得分中扣除，扣完为止。"
        if k == "deduction":
            return f"{labels}{every}扣{plain(rule.each)}分，从本指标得分中扣除，扣完为止。"
        full = plain(rule.full if rule.full is not None else part.max)
        return f"满分{full}分；{labels}{every}扣{plain(rule.each)}分，扣完为止。"
    if k == "tiers":
        label = fw.label(rule.input)
        tiers = "；".join(f"为“{o}”的，得{plain(p)}分" for o, p in rule.tier_points)
        return f"{label}{tiers}。"
    if k == "checklist" and any(p is None for _, p in rule.items):
        n = len(rule.items)
        items = "；".join(f"{CIRCLED[i] if i < len(CIRCLED) else f'({i + 1})'}{fw.label(c)}"
                         for i, (c, _) in enumerate(rule.items))
        each = f"{plain(part.max)}÷{n}分" if part.max is not None else f"分值的1/{n}"
        return f"以下{n}项每符合一项得{each}：{items}。"
    if k == "checklist":
        points = {p for _, p in rule.items}
        if len(points) == 1:
            each = plain(next(iter(points)))
            items = "；".join(f"{CIRCLED[i] if i < len(CIRCLED) else f'({i + 1})'}{fw.label(c)}"
                             for i, (c, _) in enumerate(rule.items))
            return f"以下{len(rule.items)}项每符合一项得{each}分：{items}。"
        return "；".join(f"{fw.label(c)}，得{plain(p)}分" for c, p in rule.items) + "（符合的得分）。"
    if k == "yes_no":
        label = _statement(fw.label(rule.input))
        return f"{label}的，得{plain(rule.yes)}分；否则得{plain(rule.no)}分。"
    if k == "veto":
        named = "一票否决" in part.name
        return f"{_statement(fw.label(rule.input))}的，本指标得0分{'' if named else '（一票否决）'}。"
    if k == "exemption":
        return f"{_statement(fw.label(rule.input))}的，本指标直接得满分（{plain(leaf.weight)}分）。"
    if k == "discretionary":
        top = rule.max if rule.max is not None else part.max
        return f"由评价人员根据核查情况酌情给分（0～{_pts(top)}），填入“{fw.label(rule.input)}”。"
    if k == "target":
        return target_sentence(fw, rule, part.max)
    if k == "qualitative":
        return _tier_sentence(fw, rule.input, rule.share, rule.tiers, part.max)
    if k == "either_or":
        alts = "；".join(f"适用“{opt}”的，{rule_sentence(fw, Part(part.code, part.name, part.max, sub), leaf).rstrip('。')}"
                        for opt, sub in rule.alternatives)
        return f"二者择其一，按“{fw.label(rule.input)}”：{alts}。"
    from xl_eval.framework.describe import rule_summary     # rule kinds added later
    return rule_summary(fw, rule, part.max)


def _pts(points: float | None) -> str:
    """'10分', or '分值' for a weight the evaluation sets."""
    return f"{plain(points)}分" if points is not None else "分值"


def _band_points(band, points: float | None) -> str:
    from xl_eval.core.xlround import xl_round
    if band.points is None and points is None:
        return f"分值的{percent_plain(band.share)}"
    return f"{plain(xl_round(band.points_of(points), 2))}分"


def _zero_clause(rule: Rule, pct: bool) -> str:
    """'（除数为0时按0计）' for a value that divides by an input."""
    if rule.value is None or not rule.value.divisors:
        return ""
    z = rule.zero_denominator
    if z is None:
        return "（除数为0时无法计算，得分留空）"
    shown = "无穷大" if z == float("inf") else percent_plain(z) if pct else plain(z)
    return f"（除数为0时按{shown}计）"


_DATE_WORDS = {"≥": "不早于", "≤": "不晚于", "=": "等于"}
_NUMBER_WORDS = {"≥": "达到（≥）", "≤": "不超过（≤）", "=": "等于"}


def _operand(fw: Framework, e, pct: bool) -> str:
    if e.names:
        return "“" + e.to_excel(fw.label).replace("-", "−") + "”"
    x = e.evaluate({})
    return percent_plain(x) if pct else plain(x)


def target_sentence(fw: Framework, rule: Rule, points: float) -> str:
    """财预〔2020〕10号 第十六条 / 财预〔2021〕101号 as this rule applies them."""
    natures = (rule.nature,) if rule.nature else fw.inputs[rule.nature_input].options
    pts = _pts(points)
    name = rule.actual.single_name if rule.actual is not None else None
    kind = fw.inputs[name].kind if name in fw.inputs else "percent" if name in fw.rates else ""
    texts = []
    for n in natures:
        if n == "定性":
            texts.append((n, _tier_sentence(fw, rule.tier_input, rule.share, rule.tiers, points).rstrip("。")))
            continue
        t, a = _operand(fw, rule.target, kind == "percent"), _operand(fw, rule.actual, kind == "percent")
        if kind == "date":
            texts.append((n, f"实际完成值{a}{_DATE_WORDS[n]}年度指标值{t}的，得{pts}；否则得0分"))
            continue
        ratio = {"≥": "实际完成值÷年度指标值", "≤": "年度指标值÷实际完成值", "=": "两者中较小值÷较大值"}[n]
        text = f"实际完成值{a}{_NUMBER_WORDS[n]}年度指标值{t}的，得{pts}；未达成的，"
        p = rule.pass_threshold
        if p is not None:
            pp = percent_plain(p)
            text += f"完成率（{ratio}）低于{pp}的不得分，否则得分 = （完成率−{pp}）÷（1−{pp}）×{pts}"
        else:
            text += f"得分 = 完成率×{pts}（完成率 = {ratio}）"
        ot = rule.over_target
        if ot is not None and n != "=":
            cut = f"扣{plain(ot.deduct)}分" if ot.deduct else "予以提示（不扣分）"
            text += f"；完成率达到{percent_plain(ot.ratio)}及以上的，视为指标值设置偏低（偏离），{cut}"
        texts.append((n, text))
    if len(texts) == 1:
        return texts[0][1] + "。"
    return f"按指标性质（“{fw.label(rule.nature_input)}”）：" + "；".join(f"为“{n}”时，{t}" for n, t in texts) + "。"


def _tier_sentence(fw: Framework, tier_input: str, share: str, tiers, points: float) -> str:
    ranges = "；".join(f"{name}的，得分值的{band_text(iv, True).removeprefix('等于')}" for name, iv in tiers)
    return (f"按“{fw.label(tier_input)}”分档：{ranges}；评价人员在所选档内确定得分比例（“{fw.label(share)}”），"
            f"得分 = {_pts(points)} × 比例。")

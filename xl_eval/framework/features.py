"""Which format-2 features a framework uses, so that a form that cannot yet
render one refuses cleanly instead of writing a wrong sheet.

`used(fw)` maps feature keys to a Chinese description; a form declares the
keys it supports (e.g. xl_eval/forms/scoresheet/support.py) and refuses the
rest with `refusal(fw, supported, form_name)`.
"""

from __future__ import annotations

from xl_eval.framework.model import DEFAULT_LEVEL_NAMES, Framework

FEATURES = {
    "tree_shape": "指标不是“一级—二级—三级”三层结构（层级数不同或有直接计分的一级/二级指标）",
    "level_names": "自定义的层级名称",
    "open_weights": "权重待定（由评价设定）的指标",
    "no_grades": "没有等级划分",
    "total_weight": "总权重不是 100",
    "input_kinds": "百分比、带单位数值或日期型输入项",
    "target_rules": "按指标值计分（target）、定性分档（qualitative）或二者择其一（either_or）的规则",
    "rule_options": "分档的 else 得分或按比例分档（share）、低于阈值扣分、不写分值的检查项或按比例计分、除以输入项的表达式",
    "overflow": "子项分值超过权重时封顶或折算（overflow）",
    "rows": "单位自定义的指标行（rows）",
    "adjustable_weights": "可在范围内调整的权重（weight_range / weight_values）",
    "row_rules": "自定义指标行的达标线（pass_threshold）、偏离（over_target）或按实际完成值分档（actual_bands）",
}


def used(fw: Framework) -> dict[str, str]:
    keys: set[str] = set()
    leaves = fw.leaves
    if any(leaf.depth != 3 for leaf in leaves) or any(
            n.depth == 3 and n.leaf is None for n in fw.all_nodes()):
        keys.add("tree_shape")
    if tuple(fw.level_names) != DEFAULT_LEVEL_NAMES[:3]:
        keys.add("level_names")
    if fw.open_weights:
        keys.add("open_weights")
    if not fw.grades:
        keys.add("no_grades")
    if fw.total_weight != 100:
        keys.add("total_weight")
    if any(i.kind in ("percent", "decimal", "date") for i in fw.inputs.values() if not i.generated):
        keys.add("input_kinds")
    for leaf in leaves:
        if leaf.adjust is not None:
            keys.add("adjustable_weights")
        if leaf.rows:
            keys.add("rows")
            b = leaf.rows
            if b.pass_threshold is not None or b.over_target is not None or b.actual_bands:
                keys.add("row_rules")
        if leaf.overflow:
            keys.add("overflow")
        for part in leaf.parts:
            r = part.rule
            if r.kind in ("target", "qualitative", "either_or"):
                keys.add("target_rules")
            if (r.else_points is not None or any(b.points is None for b in r.bands) or r.below
                    or (r.kind == "proportional" and r.points is None)
                    or any(p is None for _, p in r.items) or (r.value is not None and r.value.divisors)):
                keys.add("rule_options")
    return {k: FEATURES[k] for k in FEATURES if k in keys}


def refusal(fw: Framework, supported: frozenset[str] | set[str], form: str) -> str | None:
    """Chinese message listing what `form` cannot render yet, or None."""
    missing = [text for key, text in used(fw).items() if key not in supported]
    if not missing:
        return None
    return (f"{form}暂不支持此框架用到的以下写法，未生成（请用 xl-eval score 计分）：\n  - "
            + "\n  - ".join(missing))

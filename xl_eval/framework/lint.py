"""Framework linter: semantic problems in a framework that still loads.

Each check is a generator of LintProblem; CHECKS lists them all.  Load
errors (missing keys, unknown kinds, undeclared inputs ...) are reported by
lint_file as L001 problems so one command covers any file a user writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from xl_eval.framework.model import Framework, FrameworkError, Interval, load
from xl_eval.core.xlround import plain

# code -> (severity, Chinese description)
LINT_CODES = {
    "L001": ("error", "框架文件无法加载（缺少键、未知规则类型、引用未声明的输入、类型错误等）"),
    "L101": ("error", "权重合计不符：一级/二级指标声明的权重与下级权重之和不等，或总权重不等于 total_weight"),
    "L102": ("error", "叶子指标各子项最高分之和与该指标权重不等"),
    "L103": ("error", "子项规则能给出的最高分与子项声明的分值不等"),
    "L104": ("error", "分档有空档、重叠、顺序错乱或未覆盖全部取值"),
    "L105": ("error", "等级划分有空档、重叠或顺序错乱"),
    "L106": ("warning", "声明了但没有任何比率或规则使用的输入（如有意不计分，请标记 reference: true）"),
    "L107": ("warning", "酌情给分输入的上限与子项分值不等"),
    "L108": ("error", "计分指标名称重复（按名称输出的得分会互相覆盖）"),
    "L109": ("info", "权重待定：由评价设定（输入 weight_<指标代码>），合计须等于上级权重和总权重"),
    "L110": ("warning", "分档之间有空档，但已规定不在任何档内时的得分（else）"),
    "L111": ("warning", "输入代码不能用作 Excel 名称（如 c1、ab12、r1c1 与单元格地址相同）：score 可以计分，生成打分表时会被拒绝"),
}


@dataclass(frozen=True)
class LintProblem:
    code: str
    key: str        # where in the framework (key path or indicator name)
    message: str

    @property
    def severity(self) -> str:
        return LINT_CODES[self.code][0]


def _near(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=1e-9)


def check_weights(fw: Framework) -> Iterator[LintProblem]:
    """Declared weights against the leaves below (open weights: fixed part must not exceed)."""
    for node in fw.all_nodes():
        if node.leaf is not None or node.weight is None:
            continue
        leaves = node.leaves
        fixed = sum(leaf.weight for leaf in leaves if leaf.weight is not None)
        level = fw.level_names[node.depth - 1] if node.depth <= len(fw.level_names) else f"第{node.depth}级指标"
        if any(leaf.open_weight for leaf in leaves):
            if fixed > node.weight + 1e-9:
                yield LintProblem("L101", node.name, f"{level}“{node.name}”声明权重 {plain(node.weight)}，"
                                                     f"下级已定权重之和 {plain(fixed)} 已超过")
        elif not _near(node.weight, fixed):
            yield LintProblem("L101", node.name, f"{level}“{node.name}”声明权重 {plain(node.weight)}，下级权重之和为 {plain(fixed)}")
    leaves = fw.leaves
    total = sum(leaf.weight for leaf in leaves if leaf.weight is not None)
    if not fw.open_weights and not _near(total, fw.total_weight):
        yield LintProblem("L101", "total_weight", f"全部叶子指标权重之和为 {plain(total)}，总权重应为 {plain(fw.total_weight)}")
    for leaf in fw.open_weights:
        yield LintProblem("L109", leaf.name, f"“{leaf.name}”的权重待定，由评价填写输入 {leaf.weight_input}")


def check_unique_names(fw: Framework) -> Iterator[LintProblem]:
    seen: dict[str, str] = {}
    for leaf in fw.leaves:
        if leaf.name in seen:
            yield LintProblem("L108", leaf.name, f"指标“{leaf.name}”（{leaf.code}）与 {seen[leaf.name]} 同名")
        seen.setdefault(leaf.name, leaf.code)


def check_leaf_maxima(fw: Framework) -> Iterator[LintProblem]:
    for leaf in fw.leaves:
        if leaf.weight is None:
            continue   # open weight: single rules that scale with it
        scoring = [p for p in leaf.parts if not p.rule.is_modifier]
        s = sum(p.max for p in scoring)
        if leaf.composite and leaf.overflow and s > leaf.weight:
            pass   # declared: capped or scaled to the weight
        elif leaf.composite and not _near(s, leaf.weight):
            more = "超过" if s > leaf.weight else "低于"
            yield LintProblem("L102", leaf.name, f"“{leaf.name}”各子项分值之和为 {plain(s)}，{more}权重 {plain(leaf.weight)}")
        for part in scoring:
            natural = part.rule.natural_max(part.max)
            where = f"{leaf.name}/{part.name}" if leaf.composite else leaf.name
            if not _near(natural, part.max):
                what = "子项" if leaf.composite else "指标"
                yield LintProblem("L103", where, f"“{where}”的规则最多给 {plain(natural)} 分，{what}分值为 {plain(part.max)}")
            rule = part.rule
            if rule.kind == "discretionary":
                inp = fw.inputs[rule.input]
                if inp.max is not None and not _near(inp.max, part.max):
                    yield LintProblem("L107", where, f"输入“{inp.label}”上限为 {plain(inp.max)}，子项分值为 {plain(part.max)}")


def interval_problems(intervals: list[Interval], lower: float) -> list[str]:
    """Gaps, overlaps and order of intervals meant to tile [lower, inf)."""
    out = []
    for a, b in zip(intervals, intervals[1:]):
        if b.lo < a.lo or (b.lo == a.lo and b.hi < a.hi):
            out.append(f"{b.text} 排在 {a.text} 之后，顺序错乱（应从小到大或从大到小依次排列）")
        elif a.hi < b.lo or (a.hi == b.lo and not a.hi_closed and not b.lo_closed):
            out.append(f"{a.text} 与 {b.text} 之间有空档")
        elif a.hi > b.lo or (a.hi == b.lo and a.hi_closed and b.lo_closed):
            out.append(f"{a.text} 与 {b.text} 重叠")
    if intervals:
        first, last = min(intervals, key=lambda i: i.lo), max(intervals, key=lambda i: i.hi)
        if first.lo > lower or (first.lo == lower and not first.lo_closed and not math.isinf(lower)):
            out.append(f"低于 {first.text} 的取值没有落在任何档内")
        if not math.isinf(last.hi):
            out.append(f"高于 {last.text} 的取值没有落在任何档内")
    return out


def check_bands(fw: Framework) -> Iterator[LintProblem]:
    for leaf in fw.leaves:
        for part in leaf.parts:
            if part.rule.kind != "bands":
                continue
            # Rates never go below 0; other values may.
            name = part.rule.value.single_name
            nonneg = name in fw.rates or (name in fw.inputs and fw.inputs[name].kind == "percent"
                                          and fw.inputs[name].min is not None and fw.inputs[name].min >= 0)
            lower = 0.0 if nonneg else -math.inf
            where = f"{leaf.name}/{part.name}" if leaf.composite else leaf.name
            declared = [b.range for b in part.rule.bands]
            # Score sheets list bands high to low as often as low to high (≥90% 计5分；80%-90% 计4分…):
            # either order is the source's own; a list in neither order is checked as written.
            ranges = sorted(declared, key=lambda r: (r.lo, r.hi))
            if list(reversed(declared)) == ranges:
                declared = ranges
            for msg in interval_problems(declared, lower):
                gap = "空档" in msg or "没有落在任何档内" in msg
                if gap and part.rule.else_points is not None:
                    yield LintProblem("L110", where, f"“{where}”分档：{msg}（按 else 得 {plain(part.rule.else_points)} 分）")
                else:
                    yield LintProblem("L104", where, f"“{where}”分档：{msg}")


def check_grades(fw: Framework) -> Iterator[LintProblem]:
    if not fw.grades:
        return   # format 2: a sheet without grades
    ranges = sorted((g.range for g in fw.grades), key=lambda r: (r.lo, r.hi))
    declared = [g.range for g in fw.grades]
    if declared != ranges and list(reversed(declared)) != ranges:
        yield LintProblem("L105", "grades", "等级应按分数从高到低（或从低到高）依次排列")
    for msg in interval_problems(ranges, -math.inf):
        yield LintProblem("L105", "grades", f"等级划分：{msg}")


def check_inputs_used(fw: Framework) -> Iterator[LintProblem]:
    used: set[str] = set()
    for rate in fw.rates.values():
        used |= set(rate.numerator.names) | set(rate.denominator.names)
    for leaf in fw.leaves:
        for part in leaf.parts:
            used |= set(part.rule.input_names())
    for leaf in fw.leaves:
        if leaf.weight_input:
            used.add(leaf.weight_input)
        if leaf.adjust:
            used.add(leaf.adjust.input)
        if leaf.rows:
            used |= {c for c, i in fw.inputs.items() if i.generated == "rows"}
    for code, inp in fw.inputs.items():
        if code not in used and not inp.reference:
            yield LintProblem("L106", f"inputs.{code}", f"输入“{inp.label}”（{code}）没有被任何比率或规则使用")


def check_input_codes(fw: Framework) -> Iterator[LintProblem]:
    from xl_eval.core.excel_names import name_problem
    for code, inp in fw.inputs.items():
        why = name_problem(code)
        if why:
            yield LintProblem("L111", f"inputs.{code}", f"输入代码 {code!r} 不能用作 Excel 名称：{why}；"
                                                        "生成打分表前请改为如 check_1 的代码")


CHECKS = [check_weights, check_unique_names, check_leaf_maxima, check_bands, check_grades, check_inputs_used,
          check_input_codes]


def lint(fw: Framework) -> list[LintProblem]:
    return [problem for check in CHECKS for problem in check(fw)]


def lint_file(path: str | Path | None) -> tuple[Framework | None, list[LintProblem]]:
    try:
        fw = load(path)
    except FrameworkError as exc:
        return None, [LintProblem("L001", key or "(文件)", msg) for key, msg in exc.problems]
    return fw, lint(fw)

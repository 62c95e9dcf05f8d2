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
    total = 0.0
    for l1 in fw.level1:
        s1 = sum(leaf.weight for leaf in l1.leaves)
        total += s1
        if l1.weight is not None and not _near(l1.weight, s1):
            yield LintProblem("L101", l1.name, f"一级指标“{l1.name}”声明权重 {plain(l1.weight)}，下级权重之和为 {plain(s1)}")
        for l2 in l1.children:
            s2 = sum(leaf.weight for leaf in l2.leaves)
            if l2.weight is not None and not _near(l2.weight, s2):
                yield LintProblem("L101", l2.name, f"二级指标“{l2.name}”声明权重 {plain(l2.weight)}，下级权重之和为 {plain(s2)}")
    if not _near(total, fw.total_weight):
        yield LintProblem("L101", "total_weight", f"全部叶子指标权重之和为 {plain(total)}，总权重应为 {plain(fw.total_weight)}")


def check_leaf_maxima(fw: Framework) -> Iterator[LintProblem]:
    for leaf in fw.leaves:
        scoring = [p for p in leaf.parts if not p.rule.is_modifier]
        s = sum(p.max for p in scoring)
        if leaf.composite and not _near(s, leaf.weight):
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
            out.append(f"{b.text} 排在 {a.text} 之后，顺序错乱（应从小到大排列）")
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
            lower = 0.0 if part.rule.value.single_name in fw.rates else -math.inf
            where = f"{leaf.name}/{part.name}" if leaf.composite else leaf.name
            for msg in interval_problems([b.range for b in part.rule.bands], lower):
                yield LintProblem("L104", where, f"“{where}”分档：{msg}")


def check_grades(fw: Framework) -> Iterator[LintProblem]:
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
    for code, inp in fw.inputs.items():
        if code not in used and not inp.reference:
            yield LintProblem("L106", f"inputs.{code}", f"输入“{inp.label}”（{code}）没有被任何比率或规则使用")


CHECKS = [check_weights, check_leaf_maxima, check_bands, check_grades, check_inputs_used]


def lint(fw: Framework) -> list[LintProblem]:
    return [problem for check in CHECKS for problem in check(fw)]


def lint_file(path: str | Path | None) -> tuple[Framework | None, list[LintProblem]]:
    try:
        fw = load(path)
    except FrameworkError as exc:
        return None, [LintProblem("L001", key or "(文件)", msg) for key, msg in exc.problems]
    return fw, lint(fw)

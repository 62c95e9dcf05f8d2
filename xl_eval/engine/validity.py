"""One verdict on one department's inputs, for every path.

`score` and `fill` read a table, `check` and `collect` read a workbook; all
four end here, so they agree with each other and with the template's
formulas on the same inputs:

* ``read_cell``: a workbook cell read the way the template's formulas see
  it (strict: text in a number cell is text, only the exact option texts
  count).  Tables are read leniently by inputs.parse_inputs ("3,592.06万元",
  "否 ") and fill writes the clean value, so the workbook then agrees.
* ``assess``: the rules on typed values, as issues with catalogue codes
  (check/findings.py renders their messages in every path):

  - XE201 a blank input that is *needed for this score*: a blank that cannot
    change the result (under a one-vote veto, or the 涉密 exemption) is not
    missing; an input no rule uses (identity, reference figures) is needed
    when it is required;
  - XE208 pairs that can never exceed each other (完成数 ≤ 计划数 …);
  - XE209 a 万元 amount that looks like 元 (年初预算数 35920600);
  - XE210 a 决算数 far from the 全年预算数;
  - XE211 a leaf that cannot be scored although its inputs are there: a
    value in no band, or a rate whose zero denominator the framework leaves
    undefined.  The workbook's formulas show a blank there; only check can
    say why, so every path reports it.

The pairs XE208–XE210 compare are framework data (``check_text`` in the
framework file); a framework that declares none gets none of these checks.
Only the 元-vs-万元 magnitudes below are general.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from xl_eval.check.findings import CODES, render
from xl_eval.core.values import NEGATIVE, NOT_INTEGER, ValueProblem, parse_number
from xl_eval.core.xlround import fixed, plain
from xl_eval.engine.inputs import WEIGHT_ZERO, parse_value
from xl_eval.engine.score import Evaluation, evaluate, leaf_inputs
from xl_eval.framework.model import YES, Framework, Input

# A 万元 amount this large (100亿元), or this many times another amount of
# check_text.same_scale, was probably typed in 元.
YUAN_ABSOLUTE = 1_000_000.0
YUAN_RATIO = 1000.0
YUAN_RATIO_FROM = 100_000.0


def not_above(fw: Framework) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in fw.check_text.not_above if a in fw.inputs and b in fw.inputs)


@dataclass(frozen=True)
class Issue:
    """One problem with a department's inputs, by catalogue code.

    ``input`` is the input it is reported at (None for a leaf-level issue),
    ``leaf`` the leaf that cannot be scored (XE211), ``fields`` the message
    fields of the catalogue template.
    """
    code: str
    input: str | None
    fields: dict = field(default_factory=dict, compare=False)
    leaf: str | None = None
    related: tuple[str, ...] = ()      # other inputs involved (the pair's other side)

    @property
    def severity(self) -> str:
        return CODES[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity in ("error", "fatal")

    def message(self, lang: str = "zh") -> str:
        return render(self.code, lang, **self.fields)


@dataclass
class Assessment:
    evaluation: Evaluation
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]


# ------------------------------------------------------------ reading a cell

_REASONS_EN = {
    "不是数字": "not a number", "不能为负数": "negative", "应为整数": "not whole", "单位不明确": "unit unclear",
    "不应为百分数": "not a percentage", "千分位逗号位置不对": "misplaced thousands separators",
    "含多个数字": "several numbers", "应写阿拉伯数字": "Chinese numerals",
}
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def read_cell(inp: Input, cell: Any) -> tuple[Any, Issue | None]:
    """(typed value or None, an issue or None) for one workbook input cell.

    *cell* has ``kind`` ("n", "s", "b", "e", "" blank) and ``value``, like
    xlsx.reader.Cell.  The value is what the template's formulas compute
    with: a number typed as text, or an option with a stray space, gives no
    value and an issue, because the formulas leave the score blank then.
    """
    code, kind, raw = inp.code, inp.kind, cell.value
    if cell.kind == "":
        return None, None
    if cell.kind == "e":
        return None, Issue("XE203", code, dict(label=inp.label, raw=raw, reason="错误值", reason_en="an error value"))
    if kind == "text":
        text = (raw if isinstance(raw, str) else plain(raw) if isinstance(raw, float) else str(raw)).strip()
        return text or None, None
    if kind in ("amount", "count", "score", "year", "weight"):
        if cell.kind == "n":
            try:
                return parse_value(inp, raw), None
            except ValueProblem as exc:
                return None, _number_issue(inp, raw, exc)
        if cell.kind == "b":
            return None, Issue("XE203", code, dict(label=inp.label, raw=raw, reason="是逻辑值",
                                                   reason_en="a logical value"))
        text = str(raw)
        try:
            guess = parse_number(text, kind={"year": "count", "weight": "score"}.get(kind, kind))
        except ValueProblem as exc:
            if exc.suggestion is not None:
                return None, Issue("XE202", code, dict(label=inp.label, raw=text, reason=exc.reason,
                                                       reason_en=_REASONS_EN.get(exc.reason, exc.reason),
                                                       suggestion=plain(exc.suggestion)))
            if exc.reason in (NEGATIVE, NOT_INTEGER):
                return None, _number_issue(inp, text, exc)
            return None, Issue("XE203", code, dict(label=inp.label, raw=text, reason=exc.reason,
                                                   reason_en=_REASONS_EN.get(exc.reason, exc.reason)))
        return None, _text_number_issue(inp, text, guess)
    if kind in ("percent", "decimal", "date"):
        return _read_measure(inp, cell)
    # choice / yes_no: the formulas compare with the exact option text
    if isinstance(raw, str) and raw in inp.options:
        return raw, None
    shown = raw if isinstance(raw, str) else plain(raw) if isinstance(raw, float) else raw
    return None, Issue("XE207", code, dict(label=inp.label, raw=shown, options="、".join(inp.options)))


def _read_measure(inp: Input, cell: Any) -> tuple[Any, Issue | None]:
    """A percent, decimal or date cell: the number it stores (95% is 0.95, a date its serial
    day number), as the formulas use it; text (“95%”, “120平方米”, “2024-12-31” typed into a
    text cell) is reported with what it probably means, because the formulas cannot use it."""
    code, kind, raw = inp.code, inp.kind, cell.value
    if cell.kind == "n":
        try:
            return parse_value(inp, raw), None
        except ValueProblem as exc:
            if kind == "date":
                return None, Issue("XE203", code, dict(label=inp.label, raw=plain(raw), reason=exc.reason,
                                                       reason_en="not a valid date"))
            return None, _number_issue(inp, raw, exc)
    if cell.kind == "b":
        return None, Issue("XE203", code, dict(label=inp.label, raw=raw, reason="是逻辑值", reason_en="a logical value"))
    text = str(raw)
    try:
        guess = parse_value(inp, text)
    except ValueProblem as exc:
        return None, Issue("XE203", code, dict(label=inp.label, raw=text, reason=exc.reason,
                                               reason_en=_REASONS_EN.get(exc.reason, exc.reason)))
    if guess is not None and kind == "date":
        return None, Issue("XE203", code, dict(label=inp.label, raw=text,
                                               reason="文本格式的日期，公式无法比较，请清空后按日期重新输入",
                                               reason_en="a date stored as text; clear it and enter a date"))
    return None, _text_number_issue(inp, text, guess)


def _text_number_issue(inp: Input, text: str, guess: Any) -> Issue:
    """Text in a number cell that reads as *guess* (None: only spaces or a dash)."""
    if guess is None:
        return Issue("XE203", inp.code, dict(label=inp.label, raw=text,
                                             reason="空格或短横线不是数字，不填请清空单元格",
                                             reason_en="spaces or a dash; clear the cell to leave it blank"))
    if _PLAIN_NUMBER.fullmatch(text):
        why, why_en = "文本格式的数字", "a number stored as text"
    else:
        why, why_en = "带单位、空格、逗号或全角字符", "with a unit, spaces, commas or full-width characters"
    return Issue("XE202", inp.code, dict(label=inp.label, raw=text, reason=why, reason_en=why_en,
                                         suggestion=plain(guess)))


def _number_issue(inp: Input, raw: Any, exc: ValueProblem) -> Issue:
    shown = plain(raw) if isinstance(raw, float) else raw
    if exc.reason == NEGATIVE:
        return Issue("XE204", inp.code, dict(label=inp.label, raw=shown))
    if exc.reason == NOT_INTEGER:
        return Issue("XE205", inp.code, dict(label=inp.label, raw=shown))
    return _range_issue(inp, shown, exc.reason)


def _range_issue(inp: Input, shown: Any, reason: str) -> Issue:
    low = plain(inp.min) if inp.min is not None else "—"
    if reason.startswith(WEIGHT_ZERO):
        low += "（不含）"             # an open weight of 0 is refused: 得分率 would be 0/0
    high = plain(inp.max) if inp.max is not None else "—"
    return Issue("XE206", inp.code, dict(label=inp.label, raw=shown, low=low, high=high))




def table_issue(fw: Framework, problem) -> Issue:
    """An inputs.InputProblem (a table cell that cannot be read) as an issue."""
    inp = fw.inputs[problem.code]
    raw = problem.raw
    shown = plain(raw) if isinstance(raw, float) else raw
    if problem.missing:
        return Issue("XE201", inp.code, dict(label=inp.label))
    reason = problem.reason
    if reason == NEGATIVE:
        return Issue("XE204", inp.code, dict(label=inp.label, raw=shown))
    if reason == NOT_INTEGER:
        return Issue("XE205", inp.code, dict(label=inp.label, raw=shown))
    if reason.startswith(("不能小于", "不能大于", WEIGHT_ZERO)):
        return _range_issue(inp, shown, reason)
    if inp.kind in ("choice", "yes_no"):
        return Issue("XE207", inp.code, dict(label=inp.label, raw=shown, options="、".join(inp.options)))
    fields = dict(label=inp.label, raw=shown, reason=reason, reason_en=_REASONS_EN.get(reason, reason))
    return Issue("XE203", inp.code, fields)


# ------------------------------------------------------------ the rules

_USED: dict[int, tuple[Framework, frozenset[str]]] = {}


def used_inputs(fw: Framework) -> frozenset[str]:
    """Input codes some scoring rule reads (through rates too); once per framework."""
    hit = _USED.get(id(fw))
    if hit is None or hit[0] is not fw:
        hit = _USED[id(fw)] = (fw, frozenset(c for leaf in fw.leaves for part in leaf.parts
                                             for c in leaf_inputs(fw, part.rule)))
    return hit[1]


def assess(fw: Framework, values: Mapping[str, Any], *, tainted: set[str] | frozenset = frozenset(),
           absent: set[str] | frozenset = frozenset(), evaluation: Evaluation | None = None) -> Assessment:
    """Score *values* (typed; project counts already merged) and list the issues.

    *tainted*: inputs whose value could not be read (already reported; no
    further issue is derived from them).  *absent*: inputs the source has no
    place for (a column missing from the table): not reported blank one by
    one, the caller reports the column once.
    """
    ev = evaluation if evaluation is not None else evaluate(fw, values)
    vals = ev.values or values
    issues: list[Issue] = []
    used = used_inputs(fw)
    needed = {c for leaf in ev.leaves.values() for c in leaf.missing}
    for code, inp in fw.inputs.items():
        if values.get(code) is not None or code in tainted or code in absent:
            continue
        if not inp.required or inp.default is not None:
            continue
        if code in used and code not in needed:
            continue          # a blank that cannot change the result
        issues.append(Issue("XE201", code, dict(label=inp.label)))

    conflicted: set[str] = set()
    for lo, hi in not_above(fw):
        a, b = vals.get(lo), vals.get(hi)
        if lo in tainted or hi in tainted:
            continue
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a > b:
            issues.append(Issue("XE208", lo, dict(label=fw.inputs[lo].label, value=plain(a),
                                                  other_label=fw.inputs[hi].label, other_value=plain(b)),
                                related=(hi,)))
            conflicted |= {lo, hi}

    yuan = set()
    scale = [c for c in fw.check_text.same_scale if c in fw.inputs and fw.inputs[c].kind == "amount"]
    for code, inp in fw.inputs.items():
        x = vals.get(code)
        if inp.kind != "amount" or code in tainted or not isinstance(x, (int, float)) or x <= 0:
            continue
        others = [(o, vals.get(o)) for o in scale if o != code and o not in tainted
                  and isinstance(vals.get(o), (int, float)) and vals.get(o) > 0]
        small = [(o, y) for o, y in others if x >= YUAN_RATIO * y and y < YUAN_RATIO_FROM] if code in scale else []
        if x >= YUAN_ABSOLUTE or (small and x >= YUAN_RATIO_FROM):
            if small:
                o, y = small[0]
                why = f"是“{fw.inputs[o].label}”（{fixed(y, 2)} 万元）的 {plain(math.floor(x / y))} 倍"
            else:
                why = f"超过 {plain(YUAN_ABSOLUTE)} 万元（{plain(YUAN_ABSOLUTE / 10000)} 亿元）"
            issues.append(Issue("XE209", code, dict(label=inp.label, value=plain(x), why=why,
                                                    suggestion=fixed(x / 10000, 2))))
            yuan.add(code)

    for code, ref, share in fw.check_text.near:
        if code not in fw.inputs or ref not in fw.inputs or {code, ref} & (tainted | yuan | conflicted):
            continue
        a, b = vals.get(code), vals.get(ref)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0 and abs(a - b) > share * b:
            issues.append(Issue("XE210", code, dict(label=fw.inputs[code].label, value=fixed(a, 2),
                                                    other_label=fw.inputs[ref].label, other_value=fixed(b, 2),
                                                    share=plain(share * 100), ratio=plain(round(a / b * 100)))))

    for leaf in fw.leaves:
        res = ev.leaves[leaf.code]
        if res.score is not None or res.missing:
            continue
        deps = {c for part in leaf.parts for c in leaf_inputs(fw, part.rule)}
        if deps & (tainted | conflicted | absent):
            continue          # the bad input is the finding
        why = _unscorable(fw, leaf, res, ev)
        issues.append(Issue("XE211", None, dict(leaf=leaf.name, why=why), leaf=leaf.code))
    return Assessment(ev, issues)


def _unscorable(fw: Framework, leaf, res, ev: Evaluation) -> str:
    """Why a leaf with all its inputs has no score (the engine's own words where it has them)."""
    for part, pres in zip(leaf.parts, res.parts):
        if pres.score is not None:
            continue
        rule = part.rule
        names = rule.input_names()
        undefined = [n for n in names if n in fw.rates and ev.rates.get(n) is None]
        if undefined:
            rate = fw.rates[undefined[0]]
            return f"{rate.name}的分母为0，框架未规定此时的结果，无法计算"
        if pres.explanation and pres.explanation != "待填写":
            return pres.explanation
    return "无法计算"


def project_issues(fw: Framework, values: Mapping[str, Any], projects: list | None) -> list[Issue]:
    """The project list's warnings check gives on 项目明细 (XE601 a typed count that
    differs from the list, XE602 a project spent above its budget, XE606 the list's
    budgets above the 全年预算数), for the paths that read the list from a table.
    *projects*: sources.projects.Project records of one department."""
    if not projects:
        return []
    issues: list[Issue] = []
    listed = {}
    if "planned" in fw.project_list:
        listed[fw.project_list["planned"]] = len(projects)
    if "completed" in fw.project_list:
        listed[fw.project_list["completed"]] = sum(p.done == YES for p in projects)
    for code, n in listed.items():
        v = values.get(code)
        if code in fw.inputs and isinstance(v, (int, float)) and v != n:
            issues.append(Issue("XE601", code, dict(label=fw.inputs[code].label, value=plain(v), listed=n)))
    for p in projects:
        if p.budget is not None and p.final is not None and p.final > p.budget + 1e-9:
            issues.append(Issue("XE602", None, dict(project=p.name, final=fixed(p.final, 2),
                                                    budget=fixed(p.budget, 2))))
    total = sum(p.budget or 0.0 for p in projects)
    full = values.get("budget_full")
    if "budget_full" in fw.inputs and isinstance(full, (int, float)) and total > full + 1e-9:
        issues.append(Issue("XE606", None, dict(listed=fixed(total, 2), label=fw.inputs["budget_full"].label,
                                                value=fixed(full, 2))))
    return issues

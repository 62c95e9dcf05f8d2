"""Reading framework files (format 1 and 2) into the model of model.py.

The loader collects every structural problem it finds (with the key path)
and raises one FrameworkError listing them all; semantic problems that still
leave a usable tree (weights that don't add up, gaps between bands ...) are
the linter's business (lint.py).  Whatever the file holds -- wrong types,
lists where numbers belong, 400-digit numbers, alias bombs -- the outcome is
a Framework or a FrameworkError, never another exception.

Format 2 is format 1 plus new keys (see README, "框架文件格式 2"); a format-1
file using a format-2 key is reported, so `framework upgrade` is the only
change a v1 file needs.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import string
from pathlib import Path
from typing import Any

from xl_eval.core import expr as expr_mod
from xl_eval.core.expr import Expr
from xl_eval.framework import yamlsafe
from xl_eval.framework.model import (
    DEFAULT_FRAMEWORK, DEFAULT_LEVEL_NAMES, FORMAT, FORMAT_V2, FORMATS, INPUT_GROUPS, INPUT_KINDS,
    NATURES, NUMERIC_KINDS, NO, QUALITATIVE_TIERS, RULE_KINDS, YES, Band, CheckText, Framework,
    FrameworkError, Grade, Input, Interval, Leaf, Node, OverTarget, Part, Precision, Rate, RowBlock,
    RowField, Rule, WeightAdjust)

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_NUMBER = 1e9          # weights, points, thresholds: anything larger is a typo or an attack
MAX_TEXT = 20_000
MAX_ROWS = 200
ROW_NATURES = NATURES + ("酌情",)


class _Problems:
    def __init__(self, fmt: str) -> None:
        self.items: list[tuple[str, str]] = []
        self.fmt = fmt

    def add(self, key: str, msg: str) -> None:
        self.items.append((key, msg))

    def v2(self, key: str, what: str) -> None:
        """A format-2 feature used: fine in v2, reported in a v1 file."""
        if self.fmt == FORMAT:
            self.add(key, f"{what}是格式 2 的写法：请先运行 xl-eval framework upgrade，"
                          f"或把 format 改为 {FORMAT_V2}")


def load(path: str | Path | None = None) -> Framework:
    """Load and validate a framework file (default: the shipped Annex 1)."""
    path = Path(path) if path is not None else DEFAULT_FRAMEWORK
    try:
        data = yamlsafe.load_yaml(yamlsafe.read_text(path))
    except yamlsafe.Refused as exc:
        raise FrameworkError(str(path), [(exc.where, exc.message)]) from None
    return from_dict(data, str(path))


def from_dict(data: Any, path: str = "<framework>") -> Framework:
    try:
        return _from_dict(data, path)
    except FrameworkError:
        raise
    except (RecursionError, MemoryError):
        raise FrameworkError(path, [("", "内容嵌套过深或过大")]) from None


def content_hash(data: dict) -> str:
    """Fingerprint of the file's content (comments and layout ignored).

    The format marker is hashed as format 1 so that a v1 file and its
    upgraded v2 form have the same fingerprint (and the same templates);
    check_text (words the checker reads narrative texts with) changes no
    cell of a workbook and is left out, so adding aliases does not make
    every filled workbook "from another framework"."""
    canon = dict(data)
    if canon.get("format") == FORMAT_V2:
        canon["format"] = FORMAT
    canon.pop("check_text", None)
    # aliases only help check read foreign tables: they change no score or template
    text = json.dumps(_without_aliases(canon), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _without_aliases(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _without_aliases(x) for k, x in v.items() if k != "aliases"}
    if isinstance(v, list):
        return [_without_aliases(x) for x in v]
    return v


def _aliases(d: dict, base: str, p) -> tuple[str, ...]:
    """`aliases: [前期决策]`: other names of a node, for reading foreign tables."""
    v = d.get("aliases", [])
    if not isinstance(v, list) or not all(isinstance(a, str) and a.strip() for a in v):
        p.add(_where(base, "aliases"), "应为名称列表，如 [前期决策]")
        return ()
    return tuple(v)


def _from_dict(data: Any, path: str) -> Framework:
    if not isinstance(data, dict):
        raise FrameworkError(path, [("", "顶层应为映射（键: 值）")])
    fmt = data.get("format")
    # An unknown marker: read on (as format 2, without optional grades) so that
    # every other problem is reported too.
    p = _Problems(fmt if fmt in FORMATS else "?")
    if fmt not in FORMATS:
        p.add("format", f"应为 {FORMAT!r} 或 {FORMAT_V2!r}，实为 {_show(fmt)}")
        fmt = FORMAT
    fid = _str(data, "id", p, "")
    version = _str(data, "version", p, "")
    title = _str(data, "title", p, "")
    source = _str(data, "source", p, "", required=False)
    total = _num(data, "total_weight", p, "", default=100.0)
    if total is not None and total <= 0:
        p.add("total_weight", "总权重应大于 0")
        total = None
    if total is not None and total != 100:
        p.v2("total_weight", "总权重不为 100 ")
    precision = _precision(data.get("precision", {}), p)

    inputs = _inputs(data.get("inputs"), p)
    raw_rates = data.get("rates", [])
    rates = _rates(raw_rates, p, inputs)
    # Declared rate codes count as known even when their formula is broken,
    # so one bad rate is reported once, not again at every rule using it.
    declared_rates = {d.get("code") for d in raw_rates if isinstance(d, dict)} if isinstance(raw_rates, list) else set()
    known = set(inputs) | set(rates) | {c for c in declared_rates if isinstance(c, str)}
    level_names = _levels(data, p)
    ctx = _Tree(p, inputs, known, level_names, total or 100.0)
    level1 = ctx.tree(data.get("indicators"))
    inputs.update(ctx.generated)
    if "grades" in data or fmt != FORMAT_V2:
        grades = _grades(data.get("grades"), p, required=fmt != FORMAT_V2)
    else:
        grades = ()
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        p.add("notes", "应为文本列表")
        notes = []
    project_list = _project_list(data.get("project_list", {}), p, inputs)
    check_text = _check_text(data, p, inputs, rates)
    drafts = _drafts(data, p)
    _unknown_keys(data, {"format", "id", "version", "title", "source", "total_weight", "precision",
                         "inputs", "rates", "indicators", "grades", "notes", "project_list",
                         "levels", "check_text", "drafts"}, "", p)
    leaves = [leaf for n in level1 for leaf in n.leaves]
    fixed = sum(leaf.weight for leaf in leaves if leaf.weight is not None)
    if total is not None and leaves and not any(leaf.open_weight for leaf in leaves) \
            and not math.isclose(fixed, total, abs_tol=1e-9):
        p.add("total_weight", f"全部叶子指标权重之和为 {fixed:g}，与总权重 {total:g} 不等")
    elif total is not None and fixed > total + 1e-9:
        p.add("total_weight", f"已定权重之和 {fixed:g} 超过总权重 {total:g}")
    _unique_labels(inputs, p)
    if p.items:
        raise FrameworkError(path, p.items)

    from xl_eval.core.values import normalise_label
    labels = {normalise_label(i.label): i.code for i in inputs.values()}
    return Framework(fid, version, title, source, total, precision, inputs, rates,
                     level1, grades, tuple(notes), project_list, content_hash(data), path, labels,
                     fmt, level_names[:max((leaf.depth for leaf in leaves), default=3)] if fmt == FORMAT_V2
                     else DEFAULT_LEVEL_NAMES[:3], check_text, drafts)


# ------------------------------------------------------------ small readers

def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:80] + "…"


def _where(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def _unknown_keys(d: dict, allowed: set[str], base: str, p: _Problems) -> None:
    for k in d:
        if k not in allowed:
            p.add(_where(base, _show(k) if not isinstance(k, str) else k[:80]),
                  f"未知的键（允许：{', '.join(sorted(allowed))}）")


def _str(d: dict, key: str, p: _Problems, base: str, required: bool = True) -> str:
    v = d.get(key)
    if v is None:
        if required:
            p.add(_where(base, key), "缺少此项")
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        p.add(_where(base, key), f"应为文本，实为 {type(v).__name__}")
        return ""
    if isinstance(v, int) and abs(v) > 10 ** 30:
        p.add(_where(base, key), "应为文本，实为过长的数字")
        return ""
    text = str(v).strip()
    if len(text) > MAX_TEXT:
        p.add(_where(base, key), f"文本过长（{len(text)} 个字符，最多 {MAX_TEXT} 个）")
        return ""
    return text


def _number(v: Any, key: str, p: _Problems) -> float | None:
    """A finite number of sensible size, or a problem."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        p.add(key, f"应为数字，实为 {_show(v)}")
        return None
    if not (abs(v) <= MAX_NUMBER):    # also NaN; compares big ints without converting them
        p.add(key, f"数字超出范围（绝对值不超过 {MAX_NUMBER:.0e}）：{_show(v)}")
        return None
    return float(v)


def _num(d: dict, key: str, p: _Problems, base: str, default: float | None = None,
         required: bool = True) -> float | None:
    v = d.get(key, default)
    if v is None:
        if required:
            p.add(_where(base, key), "缺少此项")
        return None
    return _number(v, _where(base, key), p)


def _fraction(d: dict, key: str, p: _Problems, base: str) -> float | None:
    """An optional fraction strictly between 0 and 1 (e.g. the 60% pass threshold)."""
    v = _num(d, key, p, base, required=False)
    if v is not None and not 0 < v < 1:
        p.add(_where(base, key), f"应为 0 到 1 之间的小数（如 0.6 表示 60%），实为 {_show(d.get(key))}")
        return None
    return v


def _code(d: dict, p: _Problems, base: str, seen: set[str]) -> str:
    code = _str(d, "code", p, base)
    if code and not CODE_RE.match(code):
        p.add(_where(base, "code"), f"代码 {_show(code)} 应由小写英文字母、数字和下划线组成，以字母开头，最长 64 个字符")
    elif code and code in seen:
        p.add(_where(base, "code"), f"代码 {code!r} 重复")
    seen.add(code)
    return code


def _list(v: Any, key: str, p: _Problems) -> list:
    if not isinstance(v, list) or not v:
        p.add(key, "缺少此项或不是非空列表")
        return []
    return v


def _mappings(v: Any, key: str, p: _Problems):
    """(key path, mapping) for each item of a required non-empty list."""
    for i, d in enumerate(_list(v, key, p)):
        base = _where(key, i)
        if isinstance(d, dict):
            yield base, d
        else:
            p.add(base, "应为映射")


def _precision(v: Any, p: _Problems) -> Precision:
    if not isinstance(v, dict):
        p.add("precision", "应为映射")
        return Precision()
    _unknown_keys(v, {"rate", "score", "score_rate", "total"}, "precision", p)
    vals = {}
    for k, default in vars(Precision()).items():
        x = v.get(k, default)
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= 10:
            p.add(f"precision.{k}", "应为 0 到 10 的整数")
            x = default
        vals[k] = x
    return Precision(**vals)


def _levels(data: dict, p: _Problems) -> tuple[str, ...]:
    if "levels" not in data:
        return DEFAULT_LEVEL_NAMES
    p.v2("levels", "自定义层级名称")
    v = data["levels"]
    if not isinstance(v, list) or not 1 <= len(v) <= 4 or not all(isinstance(x, str) and x.strip() for x in v):
        p.add("levels", "应为 1 到 4 个层级名称的列表，如 [一级指标, 二级指标, 三级指标] 或 [考评指标]")
        return DEFAULT_LEVEL_NAMES
    return tuple(x.strip()[:40] for x in v)


# ------------------------------------------------------------------ inputs

_INPUT_KEYS = {"code", "label", "kind", "unit", "group", "required", "default",
               "options", "min", "max", "help", "example", "reference"}


def _inputs(v: Any, p: _Problems) -> dict[str, Input]:
    out: dict[str, Input] = {}
    seen: set[str] = set()
    for i, d in enumerate(_list(v, "inputs", p)):
        base = _where("inputs", i)
        if not isinstance(d, dict):
            p.add(base, "应为映射")
            continue
        _unknown_keys(d, _INPUT_KEYS, base, p)
        code = _code(d, p, base, seen)
        label = _str(d, "label", p, base)
        kind = d.get("kind")
        if not isinstance(kind, str) or kind not in INPUT_KINDS or kind == "weight":
            allowed = [k for k in INPUT_KINDS if k != "weight"]
            p.add(_where(base, "kind"), f"未知的输入类型 {_show(kind)}（允许：{', '.join(allowed)}）")
            continue
        if kind in ("percent", "decimal", "date"):
            p.v2(_where(base, "kind"), f"输入类型 {kind} ")
        group = _str(d, "group", p, base)
        if group and group not in INPUT_GROUPS:
            p.add(_where(base, "group"), f"未知的分组 {_show(group)}（允许：{', '.join(INPUT_GROUPS)}）")
        options: tuple[str, ...] = ()
        if kind == "choice":
            opts = d.get("options")
            if (not isinstance(opts, list) or len(opts) < 2 or len(opts) > 100
                    or not all(isinstance(o, str) and o.strip() for o in opts) or len(set(opts)) != len(opts)):
                p.add(_where(base, "options"), "选择型输入需要至少两个互不相同的文本选项（最多 100 个）")
            else:
                options = tuple(opts)
        elif kind == "yes_no":
            options = (YES, NO)
        lo = _num(d, "min", p, base, required=False)
        hi = _num(d, "max", p, base, required=False)
        if lo is not None and hi is not None and lo > hi:
            p.add(_where(base, "min"), f"下限 {lo:g} 大于上限 {hi:g}")
        if kind == "score" and hi is None:
            p.add(_where(base, "max"), "酌情给分的输入需要给出 max（最高分）")
        if kind in ("amount", "count", "score") and lo is None:
            lo = 0.0
        default = d.get("default")
        if default is not None:
            if kind in ("choice", "yes_no") and default not in options:
                p.add(_where(base, "default"), f"默认值 {_show(default)} 不在选项 {list(options)} 中")
            if kind in NUMERIC_KINDS and kind != "date" and (
                    isinstance(default, bool) or not isinstance(default, (int, float))
                    or not abs(default) <= MAX_NUMBER):
                p.add(_where(base, "default"), f"默认值应为数字，实为 {_show(default)}")
            if kind == "text" and not isinstance(default, str):
                p.add(_where(base, "default"), "默认值应为文本")
        required = d.get("required", default is None and kind != "text")
        if not isinstance(required, bool):
            p.add(_where(base, "required"), "应为 true 或 false")
            required = True
        reference = d.get("reference", False)
        if not isinstance(reference, bool):
            p.add(_where(base, "reference"), "应为 true 或 false")
            reference = False
        unit = _str(d, "unit", p, base, required=False) if "unit" in d else INPUT_KINDS.get(kind, "")
        helptext = _str(d, "help", p, base, required=False)
        example = d.get("example")
        if example is not None and (isinstance(example, (dict, list)) or len(str(example)) > 200):
            p.add(_where(base, "example"), "示例应为简短的文本或数字")
            example = None
        if code:
            out[code] = Input(code, label, kind, unit, group, required, default, options,
                              lo, hi, helptext, example, reference)
    return out


def _unique_labels(inputs: dict[str, Input], p: _Problems) -> None:
    from xl_eval.core.values import normalise_label
    labels: dict[str, str] = {}
    for inp in inputs.values():
        key = normalise_label(inp.label)
        if key in labels:
            p.add("inputs", f"标签 {inp.label!r} 与 {labels[key]!r} 的标签重复")
        labels[key] = inp.code


def _input_ref(v: Any, key: str, p: _Problems, inputs: dict[str, Input], kinds: tuple[str, ...]) -> str | None:
    if not isinstance(v, str):
        p.add(key, "缺少此项或不是输入代码")
        return None
    if v not in inputs:
        p.add(key, f"引用了未声明的输入 {_show(v)}")
        return None
    if inputs[v].kind not in kinds:
        p.add(key, f"输入 {v!r} 的类型是 {inputs[v].kind}，此规则需要 {'/'.join(kinds)}")
    return v


# ------------------------------------------------------------ expressions

def _expr(v: Any, key: str, p: _Problems, known: set[str], allow_division: bool = False) -> Expr | None:
    if v is None:
        p.add(key, "缺少此项")
        return None
    try:
        e = expr_mod.parse(v, allow_division=allow_division)
    except expr_mod.ExprError as exc:
        p.add(key, str(exc))
        return None
    bad = [name for name in e.names if name not in known]
    for name in bad[:5]:
        p.add(key, f"引用了未声明的输入或比率 {_show(name)}")
    return None if bad else e


def _zero_outcome(v: Any, key: str, p: _Problems) -> float | None:
    if v is None:
        return None
    if v in ("inf", ".inf") or v == math.inf:
        return math.inf
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) <= MAX_NUMBER:
        p.add(key, f"应为数字、inf 或 null，实为 {_show(v)}")
        return None
    return float(v)


def _rates(v: Any, p: _Problems, inputs: dict[str, Input]) -> dict[str, Rate]:
    out: dict[str, Rate] = {}
    if not isinstance(v, list):
        p.add("rates", f"应为列表，实为 {_show(v)}")
        return out
    seen = set(inputs)
    numeric = {c for c, i in inputs.items() if i.kind in NUMERIC_KINDS}
    for i, d in enumerate(v):
        base = _where("rates", i)
        if not isinstance(d, dict):
            p.add(base, "应为映射")
            continue
        _unknown_keys(d, {"code", "name", "numerator", "denominator", "formula", "zero_denominator"}, base, p)
        code = _code(d, p, base, seen)
        num = _expr(d.get("numerator"), _where(base, "numerator"), p, numeric)
        den = _expr(d.get("denominator"), _where(base, "denominator"), p, numeric)
        z = d.get("zero_denominator")
        if not isinstance(z, dict) or set(z) != {"numerator_zero", "numerator_nonzero"}:
            p.add(_where(base, "zero_denominator"),
                  "分母为 0 时的结果必须写明：{numerator_zero: …, numerator_nonzero: …}（数字、inf 或 null）")
            z = {}
        zz = _zero_outcome(z.get("numerator_zero"), _where(base, "zero_denominator.numerator_zero"), p)
        zn = _zero_outcome(z.get("numerator_nonzero"), _where(base, "zero_denominator.numerator_nonzero"), p)
        name = _str(d, "name", p, base)
        if num and den and code:
            out[code] = Rate(code, name, num, den, _str(d, "formula", p, base, required=False), zz, zn)
    return out


_INTERVAL_RE = re.compile(r"^\s*([\[(])\s*(-?inf|-?[0-9]{1,15}(?:\.[0-9]{0,15})?)\s*,"
                          r"\s*(-?inf|-?[0-9]{1,15}(?:\.[0-9]{0,15})?)\s*([\])])\s*$")


def parse_interval(text: Any) -> Interval:
    """'(0.10, 0.40]' -> Interval; brackets say which edges are included."""
    m = _INTERVAL_RE.match(str(text)) if isinstance(text, str) and len(text) < 100 else None
    if not m:
        raise ValueError(f"区间写法应如 \"(0.10, 0.40]\"（方括号含端点，圆括号不含；可用 inf），实为 {_show(text)}")
    lo, hi = float(m.group(2)), float(m.group(3))
    if lo > hi:
        raise ValueError(f"区间下限大于上限：{text!r}")
    if (math.isinf(lo) and m.group(1) == "[") or (math.isinf(hi) and m.group(4) == "]"):
        raise ValueError(f"无穷端点不能是闭区间：{text!r}")
    return Interval(lo, m.group(1) == "[", hi, m.group(4) == "]", text.strip())


def _interval(d: dict, base: str, p: _Problems, key: str = "range") -> Interval | None:
    try:
        return parse_interval(d.get(key))
    except ValueError as exc:
        p.add(_where(base, key), str(exc))
        return None


# ------------------------------------------------------------------- rules

_RULE_KEYS = {
    "bands": {"value", "bands", "else", "zero_denominator"},
    "excess_deduction": {"value", "threshold", "step", "each", "steps", "full", "direction", "zero_denominator"},
    "proportional": {"value", "points", "zero_denominator"},
    "per_finding": {"inputs", "each", "full"},
    "deduction": {"inputs", "each"},
    "tiers": {"input", "points"},
    "checklist": {"items"},
    "veto": {"input"},
    "exemption": {"input"},
    "yes_no": {"input", "if_yes", "if_no"},
    "discretionary": {"input", "max"},
    "target": {"nature", "nature_input", "target", "actual", "pass_threshold", "over_target",
               "tier_input", "share"},
    "qualitative": {"input", "share", "tiers"},
    "either_or": {"input", "alternatives"},
}
V2_KINDS = ("target", "qualitative", "either_or")
# Rules that scale with the points they are given, so they fit an open weight.
OPEN_WEIGHT_KINDS = ("target", "qualitative", "proportional", "bands", "checklist", "discretionary", "either_or")


def _over_target(v: Any, key: str, p: _Problems) -> OverTarget | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        p.add(key, "应为映射 {ratio: 1.3, deduct: 2}（完成率达到 ratio 视为偏离，扣 deduct 分；0 为只提示）")
        return None
    _unknown_keys(v, {"ratio", "deduct"}, key, p)
    ratio = _num(v, "ratio", p, key)
    deduct = _num(v, "deduct", p, key, default=0.0)
    if ratio is not None and ratio <= 1:
        p.add(_where(key, "ratio"), "偏离比例应大于 1（如 1.3 表示完成值达到指标值的 130%）")
        return None
    if deduct is not None and deduct < 0:
        p.add(_where(key, "deduct"), "扣分不能为负数")
        return None
    return OverTarget(ratio, deduct) if ratio is not None and deduct is not None else None


class _Tree:
    """Builds the indicator tree; generated inputs (open weights, rows) are collected here."""

    def __init__(self, p: _Problems, inputs: dict[str, Input], known: set[str],
                 level_names: tuple[str, ...], total: float):
        self.p = p
        self.inputs = inputs
        self.known = set(known)
        self.level_names = level_names
        self.total = total
        self.generated: dict[str, Input] = {}
        self.codes: set[str] = set(known)
        self.leaf_names: dict[str, str] = {}

    # ---------------------------------------------------------- tree
    def tree(self, v: Any) -> tuple[Node, ...]:
        return tuple(n for n in (self.node(d, b, 1, ()) for b, d in _mappings(v, "indicators", self.p)) if n)

    def node(self, d: dict, base: str, depth: int, path: tuple[str, ...]) -> Node | None:
        p = self.p
        is_leaf = any(k in d for k in ("rule", "parts", "rows"))
        v1 = p.fmt == FORMAT
        if "children" in d and is_leaf:
            p.add(base, "指标不能同时有 children（下级指标）和 rule/parts/rows（评分规则）")
            return None
        if v1 and depth < 3 and is_leaf:
            p.v2(base, f"第 {depth} 级指标直接计分")
        if v1 and depth == 3 and "children" in d:
            p.v2(base, "四级指标")
        if not is_leaf and "children" not in d:
            if v1 and depth == 3:
                p.add(base, "叶子指标需要 rule（单一规则）或 parts（多个子项）之一，且只能有一个")
            else:
                p.add(base, "指标需要 children（下级指标）或 rule/parts/rows（评分规则）")
            return None
        if depth > len(self.level_names):
            p.add(base, f"指标层级超过 {len(self.level_names)} 级")
            return None
        if is_leaf:
            leaf = self.leaf(d, base, depth, path)
            if leaf is None:
                return None
            return Node(leaf.code, leaf.name, leaf.weight, (), leaf, depth, leaf.aliases)
        _unknown_keys(d, {"code", "name", "weight", "children", "aliases"}, base, p)
        code = _code(d, p, base, self.codes)
        name = _str(d, "name", p, base)
        weight = _num(d, "weight", p, base, required=False)
        if weight is not None and weight <= 0:
            p.add(_where(base, "weight"), "权重应大于 0")
            weight = None
        kids = []
        for b, dd in _mappings(d.get("children"), _where(base, "children"), p):
            kid = self.node(dd, b, depth + 1, path + (code,))
            if kid:
                kids.append(kid)
        if v1 and depth == 2 and any(k.leaf is None for k in kids):
            pass  # reported above as a format-2 feature
        return Node(code, name, weight, tuple(kids), None, depth, _aliases(d, base, p))

    # ---------------------------------------------------------- leaves
    def leaf(self, d: dict, base: str, depth: int, path: tuple[str, ...]) -> Leaf | None:
        p = self.p
        _unknown_keys(d, {"code", "name", "weight", "explanation", "criteria", "rule", "parts", "rows",
                          "overflow", "aliases", "weight_range", "weight_values"}, base, p)
        code = _code(d, p, base, self.codes)
        name = _str(d, "name", p, base)
        weight_input = None
        raw_w = d.get("weight")
        if raw_w == "open":
            p.v2(_where(base, "weight"), "权重待定（open）")
            weight = None
            weight_input = f"weight_{code}"
        else:
            weight = _num(d, "weight", p, base)
            if weight is not None and weight <= 0:
                p.add(_where(base, "weight"), "权重应大于 0（不计分的内容请不要写成指标）")
                weight = None
            if weight is None:
                raw_w = None
        v2 = p.fmt == FORMAT_V2
        texts = [_str(d, k, p, base, required=not v2) for k in ("explanation", "criteria")]
        n_rules = sum(k in d for k in ("rule", "parts", "rows"))
        if n_rules != 1:
            p.add(base, "叶子指标需要 rule（单一规则）、parts（多个子项）或 rows（单位自定义的指标行）之一，且只能有一个")
            return None
        overflow = d.get("overflow")
        if overflow is not None:
            p.v2(_where(base, "overflow"), "子项分值超过权重时的处理（overflow）")
            if overflow not in ("cap", "scale") or "parts" not in d:
                p.add(_where(base, "overflow"), "应为 cap（合计超过权重时按权重封顶）或 scale（按权重与子项分值合计之比折算），且只用于 parts")
                overflow = None
        parts: list[Part] = []
        rows = None
        part_max_default = weight
        if "rule" in d:
            rule = self.rule(d["rule"], _where(base, "rule"), open_points=weight_input is not None)
            if rule and rule.is_modifier:
                p.add(_where(base, "rule.kind"), f"{rule.kind} 只能作为 parts 中的子项")
            if rule and (weight is not None or weight_input):
                parts.append(Part(code, name, part_max_default, rule))
        elif "parts" in d:
            if weight_input:
                p.add(_where(base, "parts"), "权重待定的指标只能用单一规则（rule）或 rows，不能分子项")
            part_seen: set[str] = set()
            for j, pd in enumerate(_list(d.get("parts"), _where(base, "parts"), p)):
                pb = _where(base, f"parts[{j}]")
                if not isinstance(pd, dict):
                    p.add(pb, "应为映射")
                    continue
                _unknown_keys(pd, {"code", "name", "max", "rule"}, pb, p)
                pcode = _code(pd, p, pb, part_seen)
                pname = _str(pd, "name", p, pb)
                rule = self.rule(pd.get("rule"), _where(pb, "rule"))
                pmax = _num(pd, "max", p, pb, default=0.0 if rule and rule.is_modifier else None)
                if pmax is not None and pmax < 0:
                    p.add(_where(pb, "max"), "分值不能为负数")
                    pmax = None
                if rule and pmax is not None:
                    parts.append(Part(pcode, pname, pmax, rule))
        else:
            p.v2(_where(base, "rows"), "单位自定义的指标行（rows）")
            rows = self.rows(d.get("rows"), _where(base, "rows"), code, name)
            if rows is None:
                return None
        if weight is None and weight_input is None:
            return None
        if weight_input:
            if weight_input in self.inputs or weight_input in self.generated:
                p.add(_where(base, "weight"), f"权重输入的代码 {weight_input!r} 与已声明的输入重复")
            self.generated[weight_input] = Input(
                weight_input, f"{name}权重", "weight", "分", "weights", True, None, (), 0.0, self.total,
                f"由本次评价设定的“{name}”权重（分值）；全部权重之和应为 {self.total:g}", None, False, "weight")
        adjust = self.adjust(d, base, code, name, weight)
        level1 = path[0] if path else code
        level2 = path[1] if len(path) > 1 else ""
        return Leaf(code, name, weight, texts[0], texts[1], tuple(parts), "parts" in d, level1, level2,
                    depth, path, weight_input, overflow, rows, _aliases(d, base, p), adjust)

    def adjust(self, d: dict, base: str, code: str, name: str, weight: float | None) -> WeightAdjust | None:
        """`weight_range: "[40, 60]"` or `weight_values: [0, 10]`: the weight may move per evaluation."""
        p = self.p
        if "weight_range" not in d and "weight_values" not in d:
            return None
        key = "weight_range" if "weight_range" in d else "weight_values"
        where = _where(base, key)
        p.v2(where, "可调整的权重（weight_range / weight_values）")
        if "weight_range" in d and "weight_values" in d:
            p.add(base, "weight_range 与 weight_values 只能写一个")
            return None
        if weight is None:
            p.add(where, "可调整的权重需要一个默认权重（weight: 数值）")
            return None
        rng, values = None, ()
        if key == "weight_range":
            try:
                rng = parse_interval(d["weight_range"])
            except ValueError as exc:
                p.add(where, str(exc))
                return None
            if rng.lo < 0 or math.isinf(rng.hi):
                p.add(where, "权重的调整范围应在 0 和一个有限的上限之间，如 \"[40, 60]\"")
                return None
        else:
            raw = d["weight_values"]
            if not isinstance(raw, list) or not raw or not all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x <= 1e9 for x in raw):
                p.add(where, "应为不小于 0 的分值列表，如 [0, 10]")
                return None
            values = tuple(float(x) for x in raw)
        adj = WeightAdjust(f"weight_{code}", rng, values)
        if not adj.allows(weight):
            p.add(where, f"默认权重 {weight:g} 不在允许的调整范围 {adj.text()} 内")
            return None
        if adj.input in self.inputs or adj.input in self.generated:
            p.add(where, f"权重输入的代码 {adj.input!r} 与已声明的输入重复")
            return None
        # no min/max on the input: a number outside the rule is read as typed and reported by the
        # engine against the rule (inputs_problems), as the sheet's formulas use it
        self.generated[adj.input] = Input(
            adj.input, f"{name}权重", "weight", "分", "weights", False, weight, (), None, None,
            f"“{name}”的权重（分值），默认 {weight:g}，可调整为 {adj.text()}；全部权重之和应为 {self.total:g}",
            None, False, "weight")
        return adj

    # ---------------------------------------------------------- rows
    def rows(self, v: Any, base: str, code: str, name: str) -> RowBlock | None:
        p = self.p
        if not isinstance(v, dict):
            p.add(base, "应为映射 {max_rows: …, natures: […], row_levels: […]}")
            return None
        _unknown_keys(v, {"max_rows", "natures", "row_levels", "pass_threshold", "over_target", "groups",
                          "actual_bands"},
                      base, p)
        n = v.get("max_rows", 20)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ROWS:
            p.add(_where(base, "max_rows"), f"应为 1 到 {MAX_ROWS} 的整数")
            return None
        natures = v.get("natures", list(NATURES))
        if (not isinstance(natures, list) or not natures
                or not all(isinstance(x, str) and x in ROW_NATURES for x in natures)):
            p.add(_where(base, "natures"), f"应为指标性质的列表，可选：{'、'.join(ROW_NATURES)}")
            return None
        levels = v.get("row_levels", [])
        if not isinstance(levels, list) or len(levels) > 3 or not all(isinstance(x, str) and x.strip() for x in levels):
            p.add(_where(base, "row_levels"), "应为最多 3 个层级名称的列表，如 [一级指标, 二级指标]")
            return None
        groups = v.get("groups", [])
        if not isinstance(groups, list) or not all(isinstance(x, str) and x.strip() for x in groups) \
                or len(set(groups)) != len(groups) or (groups and not levels):
            p.add(_where(base, "groups"), "应为不重复的名称列表（最后一级 row_levels 的取值，如 [数量指标, 质量指标]），"
                                          "且需要 row_levels")
            return None
        actual_bands: tuple = ()
        if "actual_bands" in v:
            kw: dict = {}
            self._bands({"bands": v["actual_bands"]}, _where(base, "actual_bands"), kw, True)
            actual_bands = kw.get("bands", ())
        fields = [RowField(f"level{j + 1}", lv.strip(), "text") for j, lv in enumerate(levels)]
        fields += [RowField("name", "指标名称", "text"), RowField("nature", "指标性质", "choice")]
        if any(x in ("≥", "≤", "=") for x in natures):
            # banded by the actual's value (满意度 90%/80%/60%): "85%" must read as 0.85, not 85
            measure = "percent" if actual_bands else "decimal"
            fields += [RowField("target", "年度指标值", measure), RowField("unit", "计量单位", "text"),
                       RowField("actual", "实际完成值", measure)]
        fields.append(RowField("points", "分值", "decimal"))
        if "定性" in natures:
            fields += [RowField("tier", "定性完成情况", "choice"), RowField("share", "得分比例", "percent")]
        if "酌情" in natures:
            fields.append(RowField("score", "酌情得分", "decimal"))
        block = RowBlock(code, n, tuple(natures), tuple(x.strip() for x in levels),
                         _fraction(v, "pass_threshold", p, base),
                         _over_target(v.get("over_target"), _where(base, "over_target"), p), tuple(fields),
                         tuple(x.strip() for x in groups), actual_bands)
        for i in range(1, n + 1):
            for f in fields:
                c = block.row_input(i, f.key)
                opts = tuple(natures) if f.key == "nature" else tuple(t[0] for t in QUALITATIVE_TIERS) if f.key == "tier" else ()
                lo = 0.0 if f.key in ("points", "score", "share") else None
                if c in self.inputs or c in self.generated:
                    p.add(base, f"自定义指标行的输入代码 {c!r} 与已声明的输入重复")
                    return None
                self.generated[c] = Input(c, f"{name}第{i}行{f.label}", f.kind, "", "rows", False, None, opts,
                                          lo, None, "", None, False, "rows")
        return block

    # ---------------------------------------------------------- rule
    def rule(self, d: Any, base: str, open_points: bool = False, nested: bool = False) -> Rule | None:
        p, inputs, known = self.p, self.inputs, self.known
        if not isinstance(d, dict):
            p.add(base, "缺少规则或规则不是映射")
            return None
        kind = d.get("kind")
        if not isinstance(kind, str) or kind not in _RULE_KEYS:
            p.add(_where(base, "kind"), f"未知的规则类型 {_show(kind)}（允许：{', '.join(RULE_KINDS)}）")
            return None
        if kind in V2_KINDS:
            p.v2(_where(base, "kind"), f"规则类型 {kind} ")
        if open_points and kind not in OPEN_WEIGHT_KINDS:
            p.add(_where(base, "kind"), f"权重待定的指标不能用固定分值的规则 {kind}（可用：{', '.join(OPEN_WEIGHT_KINDS)}）")
            return None
        if nested and kind in ("either_or",) + tuple(k for k in RULE_KINDS if k in ("veto", "exemption", "deduction")):
            p.add(_where(base, "kind"), f"二者择其一的备选规则不能是 {kind}")
            return None
        _unknown_keys(d, _RULE_KEYS[kind] | {"kind"}, base, p)
        n_problems = len(p.items)
        kw: dict[str, Any] = {"kind": kind}
        numeric_known = {k for k in known if k not in inputs or inputs[k].kind in NUMERIC_KINDS}
        if "value" in _RULE_KEYS[kind]:
            divide = "zero_denominator" in d
            if divide:
                p.v2(_where(base, "zero_denominator"), "表达式除以输入项")
                kw["zero_denominator"] = _zero_outcome(d.get("zero_denominator"), _where(base, "zero_denominator"), p)
            kw["value"] = _expr(d.get("value"), _where(base, "value"), p, numeric_known, allow_division=divide)
        if kind == "bands":
            self._bands(d, base, kw, open_points)
        if kind == "excess_deduction":
            kw["threshold"] = _num(d, "threshold", p, base)
            kw["step"] = _num(d, "step", p, base)
            kw["each"] = _num(d, "each", p, base)
            if kw["step"] is not None and kw["step"] <= 0:
                p.add(_where(base, "step"), "步长应大于 0")
            steps = d.get("steps", "whole")
            if steps not in ("whole", "linear"):
                p.add(_where(base, "steps"), "应为 whole（按整步扣分）或 linear（按比例扣分）")
            kw["whole_steps"] = steps == "whole"
            kw["full"] = _num(d, "full", p, base, required=False)
            direction = d.get("direction", "above")
            if direction not in ("above", "below"):
                p.add(_where(base, "direction"), "应为 above（超过阈值扣分）或 below（低于阈值扣分）")
            elif direction == "below":
                p.v2(_where(base, "direction"), "低于阈值扣分（direction: below）")
            kw["below"] = direction == "below"
        if kind == "proportional":
            if "points" in d:
                kw["points"] = _num(d, "points", p, base)
                if open_points:
                    p.add(_where(base, "points"), "权重待定的指标按比例计分时不写 points（按设定的权重计）")
            else:
                p.v2(_where(base, "points"), "按比例计分省略 points（按指标分值计）")
                kw["points"] = None
        if kind in ("per_finding", "deduction"):
            names = d.get("inputs")
            if isinstance(names, str):
                names = [names]
            names = _list(names, _where(base, "inputs"), p)
            # a deduction may also be the points the evaluator deducts (酌情扣分): a score input
            kinds = ("count", "score") if kind == "deduction" else ("count",)
            kw["inputs"] = tuple(x for j, x in enumerate(names)
                                 if _input_ref(x, _where(base, f"inputs[{j}]"), p, inputs, kinds))
            if any(inputs[x].kind == "score" for x in kw["inputs"]):
                p.v2(_where(base, "inputs"), "酌情扣分（deduction 的输入为 score）")
            kw["each"] = _num(d, "each", p, base)
            if kind == "per_finding":
                kw["full"] = _num(d, "full", p, base, required=False)
        if kind in ("tiers", "veto", "exemption", "yes_no", "discretionary", "qualitative", "either_or"):
            want = {"tiers": ("choice",), "discretionary": ("score",), "qualitative": ("choice",),
                    "either_or": ("choice",)}.get(kind, ("yes_no",))
            kw["input"] = _input_ref(d.get("input"), _where(base, "input"), p, inputs, want)
        if kind == "tiers":
            self._tiers(d, base, kw)
        if kind == "checklist":
            self._checklist(d, base, kw, open_points)
        if kind == "yes_no":
            kw["yes"] = _num(d, "if_yes", p, base)
            kw["no"] = _num(d, "if_no", p, base, default=0.0)
        if kind == "discretionary":
            kw["max"] = _num(d, "max", p, base, required=False)
        if kind == "target":
            self._target(d, base, kw)
        if kind == "qualitative":
            self._qualitative(d, base, kw)
        if kind == "either_or":
            self._either_or(d, base, kw, open_points)
        if len(p.items) > n_problems:
            return None
        return Rule(**kw)

    def _bands(self, d: dict, base: str, kw: dict, open_points: bool) -> None:
        p = self.p
        bands = []
        for j, b in enumerate(_list(d.get("bands"), _where(base, "bands"), p)):
            bb = _where(base, f"bands[{j}]")
            if not isinstance(b, dict):
                p.add(bb, "应为映射 {range: …, points: …}")
                continue
            _unknown_keys(b, {"range", "points", "share"}, bb, p)
            iv = _interval(b, bb, p)
            if ("points" in b) == ("share" in b):
                p.add(bb, "需要 points（分值）或 share（占指标分值的比例）之一")
                continue
            if "share" in b:
                p.v2(_where(bb, "share"), "分档按比例给分（share）")
                share = _num(b, "share", p, bb)
                if share is not None and not 0 <= share <= 1:
                    p.add(_where(bb, "share"), "比例应在 0 到 1 之间")
                    share = None
                if iv and share is not None:
                    bands.append(Band(iv, None, share))
            else:
                if open_points:
                    p.add(_where(bb, "points"), "权重待定的指标分档请用 share（占权重的比例），不用固定分值")
                pts = _num(b, "points", p, bb)
                if iv and pts is not None:
                    bands.append(Band(iv, pts))
        kw["bands"] = tuple(bands)
        if "else" in d:
            p.v2(_where(base, "else"), "不在任何档内时的得分（else）")
            kw["else_points"] = _num(d, "else", p, base)

    def _tiers(self, d: dict, base: str, kw: dict) -> None:
        p = self.p
        pts = d.get("points")
        if not isinstance(pts, dict) or not pts:
            p.add(_where(base, "points"), "应为映射 {选项: 分值}")
            pts = {}
        opts = self.inputs[kw["input"]].options if kw.get("input") in self.inputs else ()
        tier_points = []
        for opt, val in pts.items():
            if opt not in opts:
                p.add(_where(base, f"points.{str(opt)[:40]}"), f"选项 {_show(opt)} 不是输入的选项之一 {list(opts)}")
            v = _number(val, _where(base, f"points.{str(opt)[:40]}"), p)
            if v is not None:
                tier_points.append((opt, v))
        for opt in opts:
            if opt not in pts:
                p.add(_where(base, "points"), f"缺少选项 {opt!r} 的分值")
        kw["tier_points"] = tuple(tier_points)

    def _checklist(self, d: dict, base: str, kw: dict, open_points: bool) -> None:
        p = self.p
        items = []
        raw = _list(d.get("items"), _where(base, "items"), p)
        with_points = [isinstance(it, dict) and "points" in it for it in raw]
        if raw and not all(with_points):
            if any(with_points):
                p.add(_where(base, "items"), "各项要么都写 points，要么都不写（不写时平均分配指标分值）")
            else:
                p.v2(_where(base, "items"), "不写分值的检查项（平均分配）")
        if open_points and any(with_points):
            p.add(_where(base, "items"), "权重待定的指标的检查项不写 points（平均分配设定的权重）")
        for j, it in enumerate(raw):
            ib = _where(base, f"items[{j}]")
            if not isinstance(it, dict):
                p.add(ib, "应为映射 {input: …, points: …}")
                continue
            _unknown_keys(it, {"input", "points"}, ib, p)
            code = _input_ref(it.get("input"), _where(ib, "input"), p, self.inputs, ("yes_no",))
            pts = _num(it, "points", p, ib) if "points" in it else None
            if code:
                items.append((code, pts))
        kw["items"] = tuple(items)

    def _target(self, d: dict, base: str, kw: dict) -> None:
        p, inputs = self.p, self.inputs
        if ("nature" in d) == ("nature_input" in d):
            p.add(base, f"需要 nature（指标性质：{'、'.join(NATURES)}）或 nature_input（填写指标性质的选择型输入）之一")
            return
        natures: tuple[str, ...]
        if "nature" in d:
            if d["nature"] not in NATURES:
                p.add(_where(base, "nature"), f"指标性质应为 {'、'.join(NATURES)} 之一，实为 {_show(d['nature'])}")
                return
            kw["nature"] = d["nature"]
            natures = (d["nature"],)
        else:
            code = _input_ref(d.get("nature_input"), _where(base, "nature_input"), p, inputs, ("choice",))
            if not code:
                return
            natures = inputs[code].options
            bad = [o for o in natures if o not in NATURES]
            if bad:
                p.add(_where(base, "nature_input"), f"输入 {code!r} 的选项应取自 {'、'.join(NATURES)}，多出 {bad}")
                return
            kw["nature_input"] = code
        numeric = {c for c, i in inputs.items() if i.kind in NUMERIC_KINDS} | set(self.known - set(inputs))
        if any(n != "定性" for n in natures):
            kw["target"] = _expr(d.get("target"), _where(base, "target"), p, numeric)
            kw["actual"] = _expr(d.get("actual"), _where(base, "actual"), p, numeric)
        kw["pass_threshold"] = _fraction(d, "pass_threshold", p, base)
        kw["over_target"] = _over_target(d.get("over_target"), _where(base, "over_target"), p)
        if "定性" in natures:
            kw["tier_input"] = self._tier_input(d.get("tier_input"), _where(base, "tier_input"))
            kw["share"] = _input_ref(d.get("share"), _where(base, "share"), p, inputs, ("percent",))
            kw["tiers"] = tuple((name, Interval(lo, True, hi, top, "")) for name, lo, hi, top in QUALITATIVE_TIERS)

    def _tier_input(self, v: Any, key: str) -> str | None:
        code = _input_ref(v, key, self.p, self.inputs, ("choice",))
        want = [t[0] for t in QUALITATIVE_TIERS]
        if code and list(self.inputs[code].options) != want:
            self.p.add(key, f"输入 {code!r} 的选项应为 {want}")
            return None
        return code

    def _qualitative(self, d: dict, base: str, kw: dict) -> None:
        p = self.p
        kw["share"] = _input_ref(d.get("share"), _where(base, "share"), p, self.inputs, ("percent",))
        opts = self.inputs[kw["input"]].options if kw.get("input") in self.inputs else ()
        tiers_raw = d.get("tiers")
        if tiers_raw is None:
            tiers = tuple((name, Interval(lo, True, hi, top, "")) for name, lo, hi, top in QUALITATIVE_TIERS)
        elif not isinstance(tiers_raw, dict) or not tiers_raw:
            p.add(_where(base, "tiers"), "应为映射 {选项: 得分比例区间}，如 {达成: \"[0.8, 1]\"}")
            return
        else:
            tiers = []
            for name, text in tiers_raw.items():
                try:
                    iv = parse_interval(text)
                except ValueError as exc:
                    p.add(_where(base, f"tiers.{str(name)[:40]}"), str(exc))
                    continue
                if iv.lo < 0 or iv.hi > 1:
                    p.add(_where(base, f"tiers.{str(name)[:40]}"), "得分比例区间应在 [0, 1] 之内")
                tiers.append((name, iv))
            tiers = tuple(tiers)
        names = [t[0] for t in tiers]
        if opts and sorted(names) != sorted(opts):
            p.add(_where(base, "input"), f"输入的选项 {list(opts)} 应与档次 {names} 一致")
        kw["tiers"] = tiers

    def _either_or(self, d: dict, base: str, kw: dict, open_points: bool) -> None:
        p = self.p
        alts = d.get("alternatives")
        if not isinstance(alts, dict) or len(alts) < 2:
            p.add(_where(base, "alternatives"), "应为映射 {选项: 规则}，至少两个备选")
            return
        opts = self.inputs[kw["input"]].options if kw.get("input") in self.inputs else ()
        out = []
        for opt, rd in alts.items():
            key = _where(base, f"alternatives.{str(opt)[:40]}")
            if opts and opt not in opts:
                p.add(key, f"{_show(opt)} 不是输入的选项之一 {list(opts)}")
                continue
            r = self.rule(rd, key, open_points=open_points, nested=True)
            if r:
                out.append((opt, r))
        for opt in opts:
            if opt not in alts:
                p.add(_where(base, "alternatives"), f"缺少选项 {opt!r} 的规则")
        kw["alternatives"] = tuple(out)


# ------------------------------------------------------------------ others

def _project_list(v: Any, p: _Problems, inputs: dict[str, Input]) -> dict[str, str]:
    if not isinstance(v, dict):
        p.add("project_list", "应为映射 {planned: 输入代码, completed: 输入代码}")
        return {}
    _unknown_keys(v, {"planned", "completed"}, "project_list", p)
    out = {}
    for key in ("planned", "completed"):
        if key in v and _input_ref(v[key], f"project_list.{key}", p, inputs, ("count",)):
            out[key] = v[key]
    return out


def _grades(v: Any, p: _Problems, required: bool = True) -> tuple[Grade, ...]:
    if not required and v in (None, []):
        return ()
    out = []
    for i, d in enumerate(_list(v, "grades", p)):
        base = _where("grades", i)
        if not isinstance(d, dict):
            p.add(base, "应为映射 {range: …, name: …}")
            continue
        _unknown_keys(d, {"range", "name"}, base, p)
        iv, name = _interval(d, base, p), _str(d, "name", p, base)
        if iv and name:
            out.append(Grade(iv, name))
    return tuple(out)


def _text_list(v: Any, key: str, p: _Problems) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        p.add(key, "应为文本列表")
        return ()
    return tuple(x.strip() for x in v)


def _check_text(data: dict, p: _Problems, inputs: dict[str, Input], rates: dict[str, Rate]) -> CheckText:
    if "check_text" not in data:
        return CheckText()
    p.v2("check_text", "校验用的别名（check_text）")
    v = data["check_text"]
    if not isinstance(v, dict):
        p.add("check_text", "应为映射 {amount_aliases: …, rate_aliases: …, not_above: …, same_scale: …, near: …}")
        return CheckText()
    _unknown_keys(v, {"amount_aliases", "rate_aliases", "not_above", "same_scale", "near"}, "check_text", p)
    out: dict[str, Any] = {}
    for key, pool, what in (("amount_aliases", inputs, "输入"), ("rate_aliases", rates, "比率")):
        m = v.get(key, {})
        if not isinstance(m, dict):
            p.add(f"check_text.{key}", "应为映射 {代码: [别名, …]}")
            m = {}
        got = {}
        for code, names in m.items():
            k = f"check_text.{key}.{str(code)[:40]}"
            if code not in pool:
                p.add(k, f"{_show(code)} 不是已声明的{what}代码")
                continue
            if key == "amount_aliases" and inputs[code].kind != "amount":
                p.add(k, f"输入 {code!r} 不是金额（amount）")
            got[code] = _text_list(names, k, p)
        out[key] = got
    pairs = []
    raw = v.get("not_above", [])
    if not isinstance(raw, list):
        p.add("check_text.not_above", "应为 [[较小者, 较大者], …] 的列表")
        raw = []
    numeric = {c for c, i in inputs.items() if i.kind in NUMERIC_KINDS}
    for j, pair in enumerate(raw):
        k = f"check_text.not_above[{j}]"
        if not (isinstance(pair, list) and len(pair) == 2 and all(x in numeric for x in pair)):
            p.add(k, "应为两个数值输入的代码 [较小者, 较大者]")
            continue
        pairs.append((pair[0], pair[1]))
    amounts = {c for c, i in inputs.items() if i.kind == "amount"}
    scale = v.get("same_scale", [])
    if not (isinstance(scale, list) and all(isinstance(c, str) and c in amounts for c in scale)):
        p.add("check_text.same_scale", "应为金额（amount）输入代码的列表")
        scale = []
    near = []
    raw = v.get("near", [])
    if not isinstance(raw, list):
        p.add("check_text.near", "应为 [[金额, 参照金额, 最大偏离比例], …] 的列表")
        raw = []
    for j, triple in enumerate(raw):
        k = f"check_text.near[{j}]"
        if not (isinstance(triple, list) and len(triple) == 3 and all(x in amounts for x in triple[:2])
                and isinstance(triple[2], (int, float)) and not isinstance(triple[2], bool)
                and 0 < triple[2] < 100):
            p.add(k, "应为 [金额代码, 参照金额代码, 最大偏离比例（如 0.5 表示 50%）]")
            continue
        near.append((triple[0], triple[1], float(triple[2])))
    return CheckText(out.get("amount_aliases", {}), out.get("rate_aliases", {}), tuple(pairs),
                     tuple(scale), tuple(near))


DRAFT_FIELDS = {"name", "weight", "score", "deducted", "explanation"}


def _drafts(data: dict, p: _Problems) -> dict[str, str]:
    if "drafts" not in data:
        return {}
    p.v2("drafts", "扣分原因模板（drafts）")
    v = data["drafts"]
    if not isinstance(v, dict):
        p.add("drafts", "应为映射 {default 或规则类型: 模板文本}")
        return {}
    out = {}
    for key, text in v.items():
        k = f"drafts.{str(key)[:40]}"
        if key != "default" and key not in RULE_KINDS:
            p.add(k, f"应为 default 或规则类型之一（{', '.join(RULE_KINDS)}）")
            continue
        if not isinstance(text, str) or len(text) > 500:
            p.add(k, "应为不超过 500 字的文本")
            continue
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            p.add(k, f"模板写法有误（花括号不配对）：{exc}")
            continue
        bad = names - DRAFT_FIELDS
        if bad:
            p.add(k, f"未知的占位符 {sorted(bad)}（可用：{', '.join(sorted('{' + f + '}' for f in DRAFT_FIELDS))}）")
            continue
        out[key] = text
    return out

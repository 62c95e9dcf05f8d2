"""The indicator framework: the data model and its YAML loader.

A framework file describes one indicator system: inputs, rates, the tree
(level 1 -> level 2 -> scored leaves), one machine-readable rule per leaf,
the grade scale and the rounding precision.  Everything else in xl-eval
(engine, template, UDFs, check, fill) derives from it.

The loader collects every structural problem it finds (with the key path)
and raises one FrameworkError listing them all; semantic problems that still
leave a usable tree (weights that don't add up, gaps between bands ...) are
the linter's business (lint.py).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.core import expr as expr_mod
from xl_eval.core.expr import Expr

FORMAT = "xl-eval-framework/1"
SHIPPED_DIR = Path(__file__).parent / "shipped"
DEFAULT_FRAMEWORK = SHIPPED_DIR / "annex1.yaml"

INPUT_KINDS = {
    "amount": "万元",   # money, non-negative
    "count": "个",      # non-negative integer
    "choice": "",       # one of options
    "yes_no": "",       # 是 / 否
    "score": "分",      # discretionary points within [min, max]
    "text": "",         # free text (e.g. 单位名称), never scored
    "year": "年",       # a calendar year
}
INPUT_GROUPS = {"identity": "基本信息", "financial": "财务数据", "counts": "数量统计", "judgement": "评价判断"}
YES, NO = "是", "否"
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class FrameworkError(Exception):
    """A framework file that cannot be used; `problems` are (key path, message)."""

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {key or '(文件)'}: {msg}" for key, msg in problems]
        super().__init__("框架文件有误：\n" + "\n".join(lines))


# ---------------------------------------------------------------- data model

@dataclass(frozen=True)
class Interval:
    lo: float           # -inf allowed
    lo_closed: bool
    hi: float           # inf allowed
    hi_closed: bool
    text: str

    def contains(self, x: float) -> bool:
        above = x >= self.lo if self.lo_closed else x > self.lo
        # An infinite rate (a zero-denominator outcome) belongs to the open top band.
        below = x <= self.hi if self.hi_closed else (x < self.hi or x == self.hi == math.inf)
        return above and below


@dataclass(frozen=True)
class Band:
    range: Interval
    points: float


@dataclass(frozen=True)
class Grade:
    range: Interval
    name: str


@dataclass(frozen=True)
class Input:
    code: str
    label: str
    kind: str
    unit: str
    group: str
    required: bool
    default: Any = None
    options: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    help: str = ""
    example: Any = None
    reference: bool = False   # declared on purpose without being scored


@dataclass(frozen=True)
class Rate:
    code: str
    name: str
    numerator: Expr
    denominator: Expr
    formula: str
    # Outcome when the denominator is 0: a rate value, math.inf, or None
    # (cannot be computed: the scores that need it stay empty).
    zero_numerator_zero: float | None
    zero_numerator_nonzero: float | None


@dataclass(frozen=True)
class Rule:
    """One machine-readable scoring rule; which fields matter depends on kind."""
    kind: str
    value: Expr | None = None          # bands, excess_deduction, proportional
    bands: tuple[Band, ...] = ()
    threshold: float = 0.0             # excess_deduction
    step: float = 1.0
    each: float = 0.0                  # excess_deduction, per_finding, deduction
    whole_steps: bool = True
    full: float | None = None          # excess_deduction, per_finding: starting points
    points: float = 0.0                # proportional
    inputs: tuple[str, ...] = ()       # per_finding, deduction
    input: str | None = None           # tiers, veto, exemption, yes_no, discretionary
    tier_points: tuple[tuple[str, float], ...] = ()
    items: tuple[tuple[str, float], ...] = ()   # checklist: (yes/no input, points)
    yes: float = 0.0
    no: float = 0.0
    max: float | None = None           # discretionary

    def natural_max(self, part_max: float) -> float:
        """Most points the rule itself can give (before clamping to part_max)."""
        k = self.kind
        if k == "bands":
            return max(b.points for b in self.bands)
        if k in ("excess_deduction", "per_finding"):
            return self.full if self.full is not None else part_max
        if k == "proportional":
            return self.points
        if k == "tiers":
            return max(p for _, p in self.tier_points)
        if k == "checklist":
            return sum(p for _, p in self.items)
        if k == "yes_no":
            return max(self.yes, self.no)
        if k == "discretionary":
            return self.max if self.max is not None else part_max
        return 0.0  # veto, exemption, deduction: modifiers

    @property
    def is_modifier(self) -> bool:
        return self.kind in MODIFIER_KINDS

    def input_names(self) -> tuple[str, ...]:
        names: list[str] = []
        if self.value is not None:
            names += self.value.names
        names += self.inputs
        if self.input:
            names.append(self.input)
        names += [i for i, _ in self.items]
        return tuple(dict.fromkeys(names))


RULE_KINDS = ("bands", "excess_deduction", "proportional", "per_finding", "deduction",
              "tiers", "checklist", "veto", "exemption", "yes_no", "discretionary")
MODIFIER_KINDS = ("veto", "exemption", "deduction")


@dataclass(frozen=True)
class Part:
    code: str
    name: str
    max: float
    rule: Rule


@dataclass(frozen=True)
class Leaf:
    code: str
    name: str
    weight: float
    explanation: str
    criteria: str
    parts: tuple[Part, ...]
    composite: bool            # several sub-items (each with its own row) or one rule
    level1: str
    level2: str


@dataclass(frozen=True)
class Level2:
    code: str
    name: str
    weight: float | None
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Level1:
    code: str
    name: str
    weight: float | None
    children: tuple[Level2, ...]

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        return tuple(leaf for l2 in self.children for leaf in l2.leaves)


@dataclass(frozen=True)
class Precision:
    rate: int = 4        # rates as fractions: 4 decimals = percent with 2 decimals
    score: int = 2       # sub-item, leaf and subtotal scores
    score_rate: int = 4  # 得分率 as a fraction
    total: int = 2


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    title: str
    source: str
    total_weight: float
    precision: Precision
    inputs: dict[str, Input]
    rates: dict[str, Rate]
    level1: tuple[Level1, ...]
    grades: tuple[Grade, ...]
    notes: tuple[str, ...] = ()
    # Inputs the 项目明细 list can supply: {"planned": code, "completed": code}.
    project_list: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    path: str = ""
    _labels: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        return tuple(leaf for l1 in self.level1 for leaf in l1.leaves)

    def leaf(self, key: str) -> Leaf:
        for leaf in self.leaves:
            if key in (leaf.code, leaf.name):
                return leaf
        raise KeyError(key)

    def input_code(self, key: str) -> str | None:
        """Input code for a code or a Chinese label (quotes, spaces, width ignored)."""
        if key in self.inputs:
            return key
        from xl_eval.core.values import normalise_label
        return self._labels.get(normalise_label(key))


# ------------------------------------------------------------------- loading

class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, msg: str) -> None:
        self.items.append((key, msg))


def load(path: str | Path | None = None) -> Framework:
    """Load and validate a framework file (default: the shipped Annex 1)."""
    path = Path(path) if path is not None else DEFAULT_FRAMEWORK
    import yaml
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FrameworkError(str(path), [("", "文件不存在")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(str(path), [("", f"无法读取（需为 UTF-8 文本）：{exc}")]) from None
    try:
        # libyaml when available: the pure-Python parser costs ~0.1 s per process.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise FrameworkError(str(path), [(where, f"YAML 语法错误：{getattr(exc, 'problem', exc)}")]) from None
    return from_dict(data, str(path))


def from_dict(data: Any, path: str = "<framework>") -> Framework:
    p = _Problems()
    if not isinstance(data, dict):
        raise FrameworkError(path, [("", "顶层应为映射（键: 值）")])
    if data.get("format") != FORMAT:
        p.add("format", f"应为 {FORMAT!r}，实为 {data.get('format')!r}")
    fid = _str(data, "id", p, "")
    version = _str(data, "version", p, "")
    title = _str(data, "title", p, "")
    source = _str(data, "source", p, "", required=False)
    total = _num(data, "total_weight", p, "", default=100.0)
    precision = _precision(data.get("precision", {}), p)

    inputs = _inputs(data.get("inputs"), p)
    rates = _rates(data.get("rates", []), p, inputs)
    # Declared rate codes count as known even when their formula is broken,
    # so one bad rate is reported once, not again at every rule using it.
    declared_rates = {d.get("code") for d in data.get("rates") or [] if isinstance(d, dict)}
    known = set(inputs) | set(rates) | {c for c in declared_rates if isinstance(c, str)}
    level1 = _tree(data.get("indicators"), p, inputs, known)
    grades = _grades(data.get("grades"), p)
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        p.add("notes", "应为文本列表")
        notes = []
    project_list = _project_list(data.get("project_list", {}), p, inputs)
    _unknown_keys(data, {"format", "id", "version", "title", "source", "total_weight", "precision",
                         "inputs", "rates", "indicators", "grades", "notes", "project_list"}, "", p)
    leaf_total = sum(leaf.weight for l1 in level1 for leaf in l1.leaves)
    if total is not None and level1 and not math.isclose(leaf_total, total, abs_tol=1e-9):
        p.add("total_weight", f"全部三级指标权重之和为 {leaf_total:g}，与总权重 {total:g} 不等")
    if p.items:
        raise FrameworkError(path, p.items)

    from xl_eval.core.values import normalise_label
    labels = {normalise_label(i.label): i.code for i in inputs.values()}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                       default=str).encode("utf-8")).hexdigest()
    return Framework(fid, version, title, source, total, precision, inputs, rates,
                     level1, grades, tuple(notes), project_list, digest[:16], path, labels)


def _where(base: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def _unknown_keys(d: dict, allowed: set[str], base: str, p: _Problems) -> None:
    for k in d:
        if k not in allowed:
            p.add(_where(base, str(k)), f"未知的键（允许：{', '.join(sorted(allowed))}）")


def _str(d: dict, key: str, p: _Problems, base: str, required: bool = True) -> str:
    v = d.get(key)
    if v is None:
        if required:
            p.add(_where(base, key), "缺少此项")
        return ""
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        p.add(_where(base, key), f"应为文本，实为 {type(v).__name__}")
        return ""
    return str(v).strip()


def _num(d: dict, key: str, p: _Problems, base: str, default: float | None = None,
         required: bool = True) -> float | None:
    v = d.get(key, default)
    if v is None:
        if required:
            p.add(_where(base, key), "缺少此项")
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        p.add(_where(base, key), f"应为数字，实为 {v!r}")
        return None
    return float(v)


def _code(d: dict, p: _Problems, base: str, seen: set[str]) -> str:
    code = _str(d, "code", p, base)
    if code and not CODE_RE.match(code):
        p.add(_where(base, "code"), f"代码 {code!r} 应由小写英文字母、数字和下划线组成，以字母开头")
    elif code in seen:
        p.add(_where(base, "code"), f"代码 {code!r} 重复")
    seen.add(code)
    return code


def _list(v: Any, key: str, p: _Problems) -> list:
    if not isinstance(v, list) or not v:
        p.add(key, "缺少此项或不是非空列表")
        return []
    return v


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


def _inputs(v: Any, p: _Problems) -> dict[str, Input]:
    out: dict[str, Input] = {}
    seen: set[str] = set()
    for i, d in enumerate(_list(v, "inputs", p)):
        base = _where("inputs", i)
        if not isinstance(d, dict):
            p.add(base, "应为映射")
            continue
        _unknown_keys(d, {"code", "label", "kind", "unit", "group", "required", "default",
                          "options", "min", "max", "help", "example", "reference"}, base, p)
        code = _code(d, p, base, seen)
        label = _str(d, "label", p, base)
        kind = _str(d, "kind", p, base)
        if kind and kind not in INPUT_KINDS:
            p.add(_where(base, "kind"), f"未知的输入类型 {kind!r}（允许：{', '.join(INPUT_KINDS)}）")
            continue
        group = _str(d, "group", p, base)
        if group and group not in INPUT_GROUPS:
            p.add(_where(base, "group"), f"未知的分组 {group!r}（允许：{', '.join(INPUT_GROUPS)}）")
        options: tuple[str, ...] = ()
        if kind == "choice":
            opts = d.get("options")
            if not isinstance(opts, list) or len(opts) < 2 or not all(isinstance(o, str) for o in opts):
                p.add(_where(base, "options"), "选择型输入需要至少两个文本选项")
            else:
                options = tuple(opts)
        elif kind == "yes_no":
            options = (YES, NO)
        lo = _num(d, "min", p, base, required=False)
        hi = _num(d, "max", p, base, required=False)
        if kind == "score" and hi is None:
            p.add(_where(base, "max"), "酌情给分的输入需要给出 max（最高分）")
        if kind in ("amount", "count", "score") and lo is None:
            lo = 0.0
        default = d.get("default")
        if default is not None:
            if kind in ("choice", "yes_no") and default not in options:
                p.add(_where(base, "default"), f"默认值 {default!r} 不在选项 {list(options)} 中")
            if kind in ("amount", "count", "score") and (isinstance(default, bool) or not isinstance(default, (int, float))):
                p.add(_where(base, "default"), f"默认值应为数字，实为 {default!r}")
        required = d.get("required", default is None and kind != "text")
        if not isinstance(required, bool):
            p.add(_where(base, "required"), "应为 true 或 false")
            required = True
        unit = d.get("unit", INPUT_KINDS.get(kind, ""))
        out[code] = Input(code, label, kind, str(unit), group, required, default, options,
                          lo, hi, str(d.get("help", "")), d.get("example"), bool(d.get("reference", False)))
    labels: dict[str, str] = {}
    from xl_eval.core.values import normalise_label
    for inp in out.values():
        key = normalise_label(inp.label)
        if key in labels:
            p.add("inputs", f"标签 {inp.label!r} 与 {labels[key]!r} 的标签重复")
        labels[key] = inp.code
    return out


def _expr(v: Any, key: str, p: _Problems, known: set[str]) -> Expr | None:
    if v is None:
        p.add(key, "缺少此项")
        return None
    try:
        e = expr_mod.parse(v)
    except expr_mod.ExprError as exc:
        p.add(key, str(exc))
        return None
    for name in e.names:
        if name not in known:
            p.add(key, f"引用了未声明的输入或比率 {name!r}")
    return e


def _zero_outcome(v: Any, key: str, p: _Problems) -> float | None:
    if v is None:
        return None
    if v in ("inf", ".inf") or v == math.inf:
        return math.inf
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        p.add(key, f"应为数字、inf 或 null，实为 {v!r}")
        return None
    return float(v)


def _rates(v: Any, p: _Problems, inputs: dict[str, Input]) -> dict[str, Rate]:
    out: dict[str, Rate] = {}
    if not isinstance(v, list):
        p.add("rates", "应为列表")
        return out
    seen = set(inputs)
    numeric = {c for c, i in inputs.items() if i.kind in ("amount", "count", "score", "year")}
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
        if num and den:
            out[code] = Rate(code, _str(d, "name", p, base), num, den,
                             _str(d, "formula", p, base, required=False), zz, zn)
    return out


_INTERVAL_RE = re.compile(r"^\s*([\[(])\s*(-?inf|-?[0-9.]+)\s*,\s*(-?inf|-?[0-9.]+)\s*([\])])\s*$")


def parse_interval(text: Any) -> Interval:
    """'(0.10, 0.40]' -> Interval; brackets say which edges are included."""
    m = _INTERVAL_RE.match(str(text)) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"区间写法应如 \"(0.10, 0.40]\"（方括号含端点，圆括号不含；可用 inf），实为 {text!r}")
    lo, hi = float(m.group(2)), float(m.group(3))
    if lo > hi:
        raise ValueError(f"区间下限大于上限：{text!r}")
    if (math.isinf(lo) and m.group(1) == "[") or (math.isinf(hi) and m.group(4) == "]"):
        raise ValueError(f"无穷端点不能是闭区间：{text!r}")
    return Interval(lo, m.group(1) == "[", hi, m.group(4) == "]", text.strip())


def _interval(d: dict, base: str, p: _Problems) -> Interval | None:
    try:
        return parse_interval(d.get("range"))
    except ValueError as exc:
        p.add(_where(base, "range"), str(exc))
        return None


def _input_ref(v: Any, key: str, p: _Problems, inputs: dict[str, Input], kinds: tuple[str, ...]) -> str | None:
    if not isinstance(v, str):
        p.add(key, "缺少此项或不是输入代码")
        return None
    if v not in inputs:
        p.add(key, f"引用了未声明的输入 {v!r}")
        return None
    if inputs[v].kind not in kinds:
        p.add(key, f"输入 {v!r} 的类型是 {inputs[v].kind}，此规则需要 {'/'.join(kinds)}")
    return v


_RULE_KEYS = {
    "bands": {"value", "bands"},
    "excess_deduction": {"value", "threshold", "step", "each", "steps", "full"},
    "proportional": {"value", "points"},
    "per_finding": {"inputs", "each", "full"},
    "deduction": {"inputs", "each"},
    "tiers": {"input", "points"},
    "checklist": {"items"},
    "veto": {"input"},
    "exemption": {"input"},
    "yes_no": {"input", "if_yes", "if_no"},
    "discretionary": {"input", "max"},
}


def _rule(d: Any, base: str, p: _Problems, inputs: dict[str, Input], known: set[str]) -> Rule | None:
    if not isinstance(d, dict):
        p.add(base, "缺少规则或规则不是映射")
        return None
    kind = d.get("kind")
    if kind not in _RULE_KEYS:
        p.add(_where(base, "kind"), f"未知的规则类型 {kind!r}（允许：{', '.join(RULE_KINDS)}）")
        return None
    _unknown_keys(d, _RULE_KEYS[kind] | {"kind"}, base, p)
    n_problems = len(p.items)
    kw: dict[str, Any] = {"kind": kind}
    numeric_known = {k for k in known if k not in inputs or inputs[k].kind in ("amount", "count", "score", "year")}
    counts = ("count",)
    if "value" in _RULE_KEYS[kind]:
        kw["value"] = _expr(d.get("value"), _where(base, "value"), p, numeric_known)
    if kind == "bands":
        bands = []
        for j, b in enumerate(_list(d.get("bands"), _where(base, "bands"), p)):
            bb = _where(base, f"bands[{j}]")
            if not isinstance(b, dict):
                p.add(bb, "应为映射 {range: …, points: …}")
                continue
            _unknown_keys(b, {"range", "points"}, bb, p)
            iv, pts = _interval(b, bb, p), _num(b, "points", p, bb)
            if iv and pts is not None:
                bands.append(Band(iv, pts))
        kw["bands"] = tuple(bands)
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
    if kind == "proportional":
        kw["points"] = _num(d, "points", p, base)
    if kind in ("per_finding", "deduction"):
        names = d.get("inputs")
        if isinstance(names, str):
            names = [names]
        names = _list(names, _where(base, "inputs"), p)
        kw["inputs"] = tuple(x for j, x in enumerate(names)
                             if _input_ref(x, _where(base, f"inputs[{j}]"), p, inputs, counts))
        kw["each"] = _num(d, "each", p, base)
        if kind == "per_finding":
            kw["full"] = _num(d, "full", p, base, required=False)
    if kind in ("tiers", "veto", "exemption", "yes_no", "discretionary"):
        want = {"tiers": ("choice",), "discretionary": ("score",)}.get(kind, ("yes_no",))
        kw["input"] = _input_ref(d.get("input"), _where(base, "input"), p, inputs, want)
    if kind == "tiers":
        pts = d.get("points")
        if not isinstance(pts, dict) or not pts:
            p.add(_where(base, "points"), "应为映射 {选项: 分值}")
            pts = {}
        opts = inputs[kw["input"]].options if kw.get("input") in inputs else ()
        for opt, val in pts.items():
            if opt not in opts:
                p.add(_where(base, f"points.{opt}"), f"选项 {opt!r} 不是输入的选项之一 {list(opts)}")
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                p.add(_where(base, f"points.{opt}"), "分值应为数字")
        for opt in opts:
            if opt not in pts:
                p.add(_where(base, "points"), f"缺少选项 {opt!r} 的分值")
        kw["tier_points"] = tuple((o, float(v)) for o, v in pts.items()
                                  if isinstance(v, (int, float)) and not isinstance(v, bool))
    if kind == "checklist":
        items = []
        for j, it in enumerate(_list(d.get("items"), _where(base, "items"), p)):
            ib = _where(base, f"items[{j}]")
            if not isinstance(it, dict):
                p.add(ib, "应为映射 {input: …, points: …}")
                continue
            _unknown_keys(it, {"input", "points"}, ib, p)
            code = _input_ref(it.get("input"), _where(ib, "input"), p, inputs, ("yes_no",))
            pts = _num(it, "points", p, ib)
            if code and pts is not None:
                items.append((code, pts))
        kw["items"] = tuple(items)
    if kind == "yes_no":
        kw["yes"] = _num(d, "if_yes", p, base)
        kw["no"] = _num(d, "if_no", p, base, default=0.0)
    if kind == "discretionary":
        kw["max"] = _num(d, "max", p, base, required=False)
    if len(p.items) > n_problems:
        return None
    return Rule(**kw)


def _leaf(d: dict, base: str, p: _Problems, inputs, known, l1: str, l2: str, seen: set[str]) -> Leaf | None:
    _unknown_keys(d, {"code", "name", "weight", "explanation", "criteria", "rule", "parts"}, base, p)
    code = _code(d, p, base, seen)
    name = _str(d, "name", p, base)
    weight = _num(d, "weight", p, base)
    texts = [_str(d, k, p, base) for k in ("explanation", "criteria")]
    if ("rule" in d) == ("parts" in d):
        p.add(base, "叶子指标需要 rule（单一规则）或 parts（多个子项）之一，且只能有一个")
        return None
    parts: list[Part] = []
    if "rule" in d:
        rule = _rule(d["rule"], _where(base, "rule"), p, inputs, known)
        if rule and rule.is_modifier:
            p.add(_where(base, "rule.kind"), f"{rule.kind} 只能作为 parts 中的子项")
        if rule and weight is not None:
            parts.append(Part(code, name, weight, rule))
    else:
        part_seen: set[str] = set()
        for j, pd in enumerate(_list(d.get("parts"), _where(base, "parts"), p)):
            pb = _where(base, f"parts[{j}]")
            if not isinstance(pd, dict):
                p.add(pb, "应为映射")
                continue
            _unknown_keys(pd, {"code", "name", "max", "rule"}, pb, p)
            pcode = _code(pd, p, pb, part_seen)
            pname = _str(pd, "name", p, pb)
            rule = _rule(pd.get("rule"), _where(pb, "rule"), p, inputs, known)
            pmax = _num(pd, "max", p, pb, default=0.0 if rule and rule.is_modifier else None)
            if rule and pmax is not None:
                parts.append(Part(pcode, pname, pmax, rule))
    if weight is None:
        return None
    return Leaf(code, name, weight, texts[0], texts[1], tuple(parts), "parts" in d, l1, l2)


def _mappings(v: Any, key: str, p: _Problems):
    """(key path, mapping) for each item of a required non-empty list."""
    for i, d in enumerate(_list(v, key, p)):
        base = _where(key, i)
        if isinstance(d, dict):
            yield base, d
        else:
            p.add(base, "应为映射")


def _tree(v: Any, p: _Problems, inputs, known) -> tuple[Level1, ...]:
    seen: set[str] = set(known)
    leaf_seen: set[str] = set()
    out = []
    for b1, d1 in _mappings(v, "indicators", p):
        kids = []
        for b2, d2 in _mappings(d1.get("children"), _where(b1, "children"), p):
            leaves = []
            for b3, d3 in _mappings(d2.get("children"), _where(b2, "children"), p):
                leaf = _leaf(d3, b3, p, inputs, known, d1.get("code"), d2.get("code"), leaf_seen | seen)
                if leaf:
                    leaf_seen.add(leaf.code)
                    leaves.append(leaf)
            kids.append(Level2(*_branch(d2, b2, p, seen), tuple(leaves)))
        out.append(Level1(*_branch(d1, b1, p, seen), tuple(kids)))
    return tuple(out)


def _branch(d: dict, base: str, p: _Problems, seen: set[str]) -> tuple[str, str, float | None]:
    """Code, name and optional declared weight of a level-1 or level-2 node."""
    _unknown_keys(d, {"code", "name", "weight", "children"}, base, p)
    return _code(d, p, base, seen), _str(d, "name", p, base), _num(d, "weight", p, base, required=False)


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


def _grades(v: Any, p: _Problems) -> tuple[Grade, ...]:
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

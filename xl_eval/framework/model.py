"""The indicator framework: the data model.

A framework file describes one indicator system: inputs, rates, the tree of
indicators (2 to 4 levels; a node of any level may be scored directly), one
machine-readable rule per scored node, the grade scale and the rounding
precision.  Everything else in xl-eval (engine, template, UDFs, check, fill)
derives from it.  Reading files is load.py (`load`, `from_dict` are
re-exported here); format 1 -> 2 is upgrade.py.

The dataclasses are plain and frozen so that forms, check and drafting can
walk them without knowing the file format:

    Framework.nodes      top-level Node objects (Framework.level1 is the same tuple)
    Node.children        child Nodes; empty for a scored node
    Node.leaf            the Leaf of a scored node, else None
    Node.leaves          every Leaf at or below the node, in order
    Leaf.parts           Part objects (one per sub-item; one for a single rule)
    Leaf.rows            RowBlock for "rows the unit defines", else None
    Part.rule            Rule (kind + parameters)

Weights left open by the framework (``weight: open``) are evaluation inputs
named ``weight_<leaf code>`` (kind "weight"); Leaf.weight is then None and
Leaf.weight_input names the input.  The engine validates that they add up.
A weight given with ``weight_range`` / ``weight_values`` is a default that an
evaluation may move within those bounds (Leaf.adjust, input ``weight_<code>``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.core.expr import Expr

FORMAT = "xl-eval-framework/1"
FORMAT_V2 = "xl-eval-framework/2"
FORMATS = (FORMAT, FORMAT_V2)
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
    # format 2
    "percent": "%",     # a fraction (0.95 = 95%); typed "95%" or 0.95 (see README)
    "decimal": "",      # any number in the unit the framework names (平方米, 人次 ...)
    "date": "",         # a calendar date, held as an Excel serial day number
    "weight": "分",     # an open weight (generated: weight_<leaf code>)
}
NUMERIC_KINDS = ("amount", "count", "score", "year", "percent", "decimal", "date", "weight")
INPUT_GROUPS = {"identity": "基本信息", "financial": "财务数据", "counts": "数量统计", "judgement": "评价判断",
                # format 2
                "weights": "权重设置", "targets": "绩效指标完成情况", "rows": "自定义指标"}
YES, NO = "是", "否"
DEFAULT_LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标")

# 指标性质 of a target-based indicator.
NATURES = ("≥", "≤", "=", "定性")
# 财预〔2020〕10号 第十六条: 达成年度指标 100-80%（含）, 部分达成 80-60%（含）, 未达成 60-0%.
QUALITATIVE_TIERS = (("达成", 0.8, 1.0, True), ("部分达成", 0.6, 0.8, False), ("未达成", 0.0, 0.6, False))


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
    points: float | None      # fixed points, or None when `share` is given
    share: float | None = None   # fraction of the part's points (open weights)

    def points_of(self, part_max: float) -> float:
        return self.points if self.points is not None else self.share * part_max


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
    generated: str = ""       # "weight" / "rows": made by the loader, not written in the file


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
class OverTarget:
    """Completion far above target (财预〔2020〕10号 第十六条 "偏离度"): a
    completion ratio >= `ratio` flags the indicator and deducts `deduct` points
    (0: flag only)."""
    ratio: float
    deduct: float = 0.0


@dataclass(frozen=True)
class WeightAdjust:
    """A weight the framework fixes by default but lets each evaluation move
    (财预〔2020〕10号 第十三条 "一级指标权重可做适当调整"): input `input` holds
    the weight used (blank: the declared weight); it must lie in `range` or be
    one of `values`, and all weights must still add up to total_weight."""
    input: str
    range: Interval | None = None
    values: tuple[float, ...] = ()

    def allows(self, w: float) -> bool:
        if self.values:
            return any(math.isclose(w, v, abs_tol=1e-9) for v in self.values)
        return self.range is None or self.range.contains(w)

    def text(self) -> str:
        """'40～60' / '10（不含）～30' / '0 或 10' (plain numbers, for messages and the form;
        an open end is said, so "只允许 10（不含）～30" does not hide that 10 is refused)."""
        def g(x):
            return f"{x:g}"
        if self.values:
            return " 或 ".join(g(v) for v in self.values)
        r = self.range
        if r is None:
            return "任意"
        return (f"{g(r.lo)}{'' if r.lo_closed else '（不含）'}～"
                f"{g(r.hi)}{'' if r.hi_closed else '（不含）'}")


@dataclass(frozen=True)
class Rule:
    """One machine-readable scoring rule; which fields matter depends on kind.

    Target-based kinds (format 2):
      target       指标性质 `nature` (or the choice input `nature_input`), 年度指标值
                   `target`, 实际完成值 `actual`.  Completion ratio r = actual/target
                   (≥), target/actual (≤), min/max (=), rounded to precision.rate.
                   Met (r >= 1): full points; otherwise, with `pass_threshold` p
                   (财预〔2021〕101号: 0.6): r < p -> 0, else (r-p)/(1-p) x points;
                   without it (第十六条): r x points.  For 定性 see `qualitative`.
      qualitative  `input` (choice 达成/部分达成/未达成) and `share` (percent input:
                   the evaluator's share inside the tier, see QUALITATIVE_TIERS).
    """
    kind: str
    value: Expr | None = None          # bands, excess_deduction, proportional
    bands: tuple[Band, ...] = ()
    threshold: float = 0.0             # excess_deduction
    step: float = 1.0
    each: float = 0.0                  # excess_deduction, per_finding, deduction
    whole_steps: bool = True
    full: float | None = None          # excess_deduction, per_finding: starting points
    points: float | None = 0.0         # proportional (None: the part's points)
    inputs: tuple[str, ...] = ()       # per_finding, deduction
    input: str | None = None           # tiers, veto, exemption, yes_no, discretionary, qualitative, either_or
    tier_points: tuple[tuple[str, float], ...] = ()
    items: tuple[tuple[str, float | None], ...] = ()   # checklist: (yes/no input, points or None = equal share)
    yes: float = 0.0
    no: float = 0.0
    max: float | None = None           # discretionary
    # format 2
    else_points: float | None = None   # bands: points of a value in no band (None: no score)
    below: bool = False                # excess_deduction: deduct for shortfall below threshold
    nature: str | None = None          # target: ≥ ≤ = 定性
    nature_input: str | None = None    # target: choice input holding the nature
    target: Expr | None = None         # target: 年度指标值
    actual: Expr | None = None         # target: 实际完成值
    pass_threshold: float | None = None   # target: 101号 0.6
    over_target: OverTarget | None = None
    share: str | None = None           # qualitative (and target 定性): percent input
    tier_input: str | None = None      # target 定性: choice input 达成/部分达成/未达成
    tiers: tuple[tuple[str, Interval], ...] = ()   # qualitative: tier name -> share range
    alternatives: tuple[tuple[str, "Rule"], ...] = ()   # either_or: option -> rule
    zero_denominator: float | None = None   # value expressions dividing by an input

    def natural_max(self, part_max: float) -> float:
        """Most points the rule itself can give (before clamping to part_max)."""
        k = self.kind
        if k == "bands":
            pts = [b.points_of(part_max) for b in self.bands]
            if self.else_points is not None:
                pts.append(self.else_points)
            return max(pts)
        if k in ("excess_deduction", "per_finding"):
            return self.full if self.full is not None else part_max
        if k == "proportional":
            return self.points if self.points is not None else part_max
        if k == "tiers":
            return max(p for _, p in self.tier_points)
        if k == "checklist":
            if any(p is None for _, p in self.items):
                return part_max
            return sum(p for _, p in self.items)
        if k == "yes_no":
            return max(self.yes, self.no)
        if k == "discretionary":
            return self.max if self.max is not None else part_max
        if k in ("target", "qualitative"):
            return part_max
        if k == "either_or":
            return max(r.natural_max(part_max) for _, r in self.alternatives)
        return 0.0  # veto, exemption, deduction: modifiers

    @property
    def is_modifier(self) -> bool:
        return self.kind in MODIFIER_KINDS

    def input_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for e in (self.value, self.target, self.actual):
            if e is not None:
                names += e.names
        names += self.inputs
        for one in (self.input, self.nature_input, self.share, self.tier_input):
            if one:
                names.append(one)
        names += [i for i, _ in self.items]
        for _, alt in self.alternatives:
            names += alt.input_names()
        return tuple(dict.fromkeys(names))


RULE_KINDS = ("bands", "excess_deduction", "proportional", "per_finding", "deduction",
              "tiers", "checklist", "veto", "exemption", "yes_no", "discretionary",
              "target", "qualitative", "either_or")
MODIFIER_KINDS = ("veto", "exemption", "deduction")


@dataclass(frozen=True)
class Part:
    code: str
    name: str
    max: float | None     # None: the leaf's open weight (a single rule)
    rule: Rule


@dataclass(frozen=True)
class RowField:
    """One column of a unit-defined row: generated input `<block>_<i>_<key>`."""
    key: str
    label: str
    kind: str


@dataclass(frozen=True)
class RowBlock:
    """Rows the unit defines: one allotment (the leaf's weight) shared by up to
    `max_rows` rows, each with its own name, points and 指标性质 (rule kind).

    Row i (1-based) reads the inputs `row_input(i, key)` for key in
    ROW_FIELDS plus one text input per name in `row_levels` (keys "level1",
    "level2" ...: the 一级/二级 names a 自评表 row carries).  A row with a
    blank name and blank points is empty and ignored.  Natures map to rules:
    ≥ ≤ = -> `target` (with this block's pass_threshold / over_target), 定性 ->
    qualitative (tier + share), 酌情 -> the row's 得分 input as given.
    """
    code: str
    max_rows: int
    natures: tuple[str, ...]
    row_levels: tuple[str, ...] = ()
    pass_threshold: float | None = None
    over_target: OverTarget | None = None
    fields: tuple[RowField, ...] = ()
    # the values the last row level takes, in order (the 自评表's 二级指标 groups); () = any text
    groups: tuple[str, ...] = ()
    # ≥ ≤ = rows scored by the band of their 实际完成值 (财预〔2021〕101号 满意度 10/8/5/0), shares of the
    # row's points; () = by completion (score_target)
    actual_bands: tuple[Band, ...] = ()

    def row_input(self, i: int, key: str) -> str:
        return f"{self.code}_{i}_{key}"


@dataclass(frozen=True)
class Leaf:
    code: str
    name: str
    weight: float | None       # None: open (see weight_input)
    explanation: str
    criteria: str
    parts: tuple[Part, ...]
    composite: bool            # several sub-items (each with its own row) or one rule
    level1: str                # code of the level-1 ancestor (own code at level 1)
    level2: str                # code of the level-2 ancestor ("" above level 3)
    # format 2
    depth: int = 3             # 1-based level of the leaf in the tree
    path: tuple[str, ...] = ()  # codes of the ancestors, top first
    weight_input: str | None = None   # open weight: input code weight_<code>
    overflow: str | None = None       # sub-items above the weight: "cap" or "scale"
    rows: RowBlock | None = None
    aliases: tuple[str, ...] = ()     # other names tables use for it (check reads foreign tables by them)
    adjust: WeightAdjust | None = None   # weight_range / weight_values: a default weight that may move

    @property
    def open_weight(self) -> bool:
        return self.weight_input is not None


@dataclass(frozen=True)
class Node:
    """One indicator of the tree: a branch (children) or a scored node (leaf)."""
    code: str
    name: str
    weight: float | None       # declared weight (branches may omit it)
    children: tuple["Node", ...] = ()
    leaf: Leaf | None = None
    depth: int = 1
    aliases: tuple[str, ...] = ()      # other names tables use for it, e.g. 前期决策 for 决策

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        if self.leaf is not None:
            return (self.leaf,)
        return tuple(leaf for c in self.children for leaf in c.leaves)

    def walk(self):
        """This node and every node below it, depth first."""
        yield self
        for c in self.children:
            yield from c.walk()


# The format-1 tree had fixed level classes; they are Nodes now.
Level1 = Level2 = Node


@dataclass(frozen=True)
class Precision:
    rate: int = 4        # rates as fractions: 4 decimals = percent with 2 decimals
    score: int = 2       # sub-item, leaf and subtotal scores
    score_rate: int = 4  # 得分率 as a fraction
    total: int = 2


@dataclass(frozen=True)
class CheckText:
    """Framework-specific words the workbook check uses on narrative texts."""
    # input code -> other names texts use for that amount (XE503)
    amount_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # rate code -> other names texts use for that rate (XE502)
    rate_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # pairs of inputs where the first can never exceed the second (XE208)
    not_above: tuple[tuple[str, str], ...] = ()
    # amounts of one budget, of one order of magnitude: one far larger was typed in 元 (XE209)
    same_scale: tuple[str, ...] = ()
    # (amount, reference, largest share of the reference they may differ by) (XE210)
    near: tuple[tuple[str, str, float], ...] = ()


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
    level1: tuple[Node, ...]
    grades: tuple[Grade, ...]
    notes: tuple[str, ...] = ()
    # Inputs the 项目明细 list can supply: {"planned": code, "completed": code}.
    project_list: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""
    path: str = ""
    _labels: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # format 2
    format: str = FORMAT
    level_names: tuple[str, ...] = DEFAULT_LEVEL_NAMES[:3]
    check_text: CheckText = field(default_factory=CheckText)
    # drafted 扣分原因 templates: kind -> text with {name} {score} {weight} {explanation}
    drafts: dict[str, str] = field(default_factory=dict)

    @property
    def not_above(self) -> tuple[tuple[str, str], ...]:
        """check_text.not_above: input pairs where the first never exceeds the second."""
        return self.check_text.not_above

    @property
    def nodes(self) -> tuple[Node, ...]:
        return self.level1

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        return tuple(leaf for l1 in self.level1 for leaf in l1.leaves)

    @property
    def depth(self) -> int:
        return max((leaf.depth for leaf in self.leaves), default=0)

    @property
    def subtotalled(self) -> tuple[Node, ...]:
        """The top-level nodes that carry a subtotal: all of them, except in a one-level
        tree (a flat list of indicators), where the total is the sum of the indicators."""
        return self.level1 if self.depth > 1 else ()

    @property
    def open_weights(self) -> tuple[Leaf, ...]:
        return tuple(leaf for leaf in self.leaves if leaf.open_weight)

    def all_nodes(self):
        for n in self.level1:
            yield from n.walk()

    def leaf(self, key: str) -> Leaf:
        for leaf in self.leaves:
            if key in (leaf.code, leaf.name):
                return leaf
        raise KeyError(key)

    def label(self, name: str) -> str:
        """What a reader calls an input or a rate: its label or name (else the code itself)."""
        if name in self.inputs:
            return self.inputs[name].label
        if name in self.rates:
            return self.rates[name].name
        return name

    def input_code(self, key: str) -> str | None:
        """Input code for a code or a Chinese label (quotes, spaces, width ignored)."""
        if key in self.inputs:
            return key
        from xl_eval.core.values import normalise_label
        return self._labels.get(normalise_label(key))


# Reading files lives in load.py; these keep `from xl_eval.framework.model import load` working.

def load(path: str | Path | None = None) -> Framework:
    """Load and validate a framework file (default: the shipped Annex 1); a shipped
    one comes from the cache of its loaded form when it is current (cache.py)."""
    from xl_eval.framework import cache
    given = Path(path) if path is not None else DEFAULT_FRAMEWORK
    fw = cache.get(given, SHIPPED_DIR)
    if fw is None:
        from xl_eval.framework.load import load as _load
        fw = _load(path)
        cache.put(given, SHIPPED_DIR, fw)
    return fw


def from_dict(data: Any, path: str = "<framework>") -> Framework:
    from xl_eval.framework.load import from_dict as _from_dict
    return _from_dict(data, path)


def parse_interval(text: Any) -> Interval:
    from xl_eval.framework.load import parse_interval as _parse_interval
    return _parse_interval(text)

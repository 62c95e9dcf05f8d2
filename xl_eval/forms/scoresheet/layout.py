"""Where everything lives in the workbook template: sheets, cells, names, formulas.

One module owns the positions, the workbook-scoped defined names and the text
of every formula, so the template writer (template.py), the filler and the
checker cannot drift apart.  ``layout(fw)`` is pure arithmetic on the
framework: no openpyxl, no I/O.

Defined names (the stable interface for fill, check and scripts):

==========================  ==========================================  =========
name                        cell                                        sheet
==========================  ==========================================  =========
``<input code>``            every input (e.g. ``budget_initial``)       基础数据
``effective_<code>``        value used for scoring when the input has   基础数据
                            a default or comes from the project list
``rate_<rate>``             each rate (fraction; 0.165 = 16.50%)        基础数据
``points_<leaf>_<part>``    a sub-item's rule points (before rounding)  评分参数
``part_<leaf>_<part>``      a sub-item's score (rounded, clamped)       评分参数
``score_<leaf>``            leaf score (得分)                            打分表
``scorerate_<leaf>``        leaf 得分率                                  打分表
``findings_<leaf>``         完成情况 (text input)                        打分表
``reason_<leaf>``           扣分原因 (text input)                        打分表
``total_score``             累计得分                                     打分表
``total_rate``              total 得分率                                 打分表
``grade``                   评价等级                                     打分表
``sheet_title``             title row (单位名称 + title)                 打分表
``subtotal_<l1>``           level-1 subtotal                            汇总
``subtotalrate_<l1>``       level-1 得分率                               汇总
``sub2_<l2>``               level-2 subtotal                            汇总
``summary_total_score``     copies of total_score / total_rate / grade  汇总
``summary_total_rate``
``summary_grade``
``projects_name`` …         ranges over the project list body:          项目明细
                            ``projects_name``, ``projects_budget``,
                            ``projects_final``, ``projects_rate``,
                            ``projects_done``
``projects_count_planned``  counts derived from the list ("" if empty)  项目明细
``projects_count_completed``
``projects_budget_total``   list totals                                 项目明细
``projects_final_total``
``projects_rate_total``
``xe_framework_id`` …       identity: ``xe_framework_id``,              xl_eval
                            ``xe_framework_version``,                   (hidden)
                            ``xe_framework_hash``, ``xe_template_format``
``xe_template_variant``     udf variant only: "udf" (absent = native)   xl_eval
``xe_framework_path``       udf variant only: the framework the XE_     xl_eval
                            functions load: "" = the default, a shipped
                            name (dept_2013_53), else a file's path
==========================  ==========================================  =========

Formulas reference computed cells and inputs by these names, and framework
numbers (points, thresholds, band edges, weights, zero-denominator outcomes,
grade edges) by the address of the visible cell that holds them, so no
framework number is buried as a literal in a formula.

Two formula modes (``layout(fw, mode)``), same sheets, cells and names:

* ``native``: classic Excel functions only (ALLOWED_FUNCTIONS); computes in
  Excel, WPS and LibreOffice with nothing installed.
* ``udf``: the cells that score call the engine through the xlwings
  functions of xl_eval.udfs (UDF_FUNCTIONS), for an Excel with the xlwings
  add-in; the workbook gets an extra ``xlwings.conf`` sheet.  Differences:

  - every ROUND is XE_ROUND (Excel's ROUND, computed by xl_eval.xlround);
  - 计分采用值 (基础数据 column G) holds the value scored for *every* input
    (``IF(code="","",code)`` for inputs without a helper cell; unnamed, in
    ``row_formulas``), so G and the codes in column H form the values/labels
    ranges the XE_ functions read (``Layout.udf_values`` / ``udf_codes``);
  - ``rate_<r>``: the native blank and zero-denominator tests (which use the
    visible 评分参数 outcomes), with ``XE_RATE("<r>", G, H)`` in place of
    ROUND(num/den): the engine computes every actual rate;
  - ``score_<leaf>``: ``XE_SCORE("<leaf>", rate_<r>)`` for a leaf that scores
    one rate (the rate shown is the rate scored), ``XE_SCORE("<leaf>", <its
    input area on 自定义指标>)`` for rows the unit defines, else
    ``XE_SCORE("<leaf>", G, H)``; a weight the evaluation sets is passed as
    the last argument (its input cell on 打分表), after the framework;
  - ``part_<leaf>_r<i>`` (a row the unit defines): ``XE_ROW("<leaf>", <the
    row's input cells>)``;
  - ``scorerate_<leaf>``: passes an XE_ error text on instead of #VALUE!;
  - ``grade``: ``XE_GRADE(total_score)``;
  - sub-items, subtotals, totals and the project list: the native formulas
    with XE_ROUND (subtotals keep the native COUNT guard, so a blank ""
    score leaves them blank);
  - with a framework other than the shipped one, every XE_ call that takes a
    framework passes ``xe_framework_path``.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from xl_eval.core.excel_names import name_problem
from xl_eval.forms.common import formula_string
from xl_eval.xlsx.reader import col_letter  # noqa: F401  (part of this module's API: L.col_letter)
from xl_eval.framework.model import INPUT_GROUPS, YES, Framework, Input, Leaf, Part

GUIDE, BASE, PROJECTS, SCORE, SUMMARY, PARAMS, META = (
    "填表说明", "基础数据", "项目明细", "打分表", "汇总", "评分参数", "xl_eval")
SHEETS = (GUIDE, BASE, PROJECTS, SCORE, SUMMARY, PARAMS, META)
ROWS = "自定义指标"               # only for a framework with rows the unit defines (before 打分表)
TEMPLATE_FORMAT = "xl-eval-template/1"
FORMULA_MODES = ("native", "udf")
XLWINGS_CONF = "xlwings.conf"    # udf variant: the sheet xlwings reads its settings from
UDF_MODULE = "xl_eval.udfs"      # ... its "UDF Modules" setting
PROJECT_ROWS = 200
INF_VALUE = 1e300                # how a rate of +infinity is stored in a cell

# Number formats
FMT_RATE = '[>=1E+299]"∞";0.00%'   # a rate that may be "infinite"
FMT_PCT = "0.00%"
FMT_SCORE = "0.00"
FMT_AMOUNT = "0.00"
FMT_INT = "0"
FMT_GENERAL = "General"
FMT_DATE = "yyyy-mm-dd"

#: The classic function set every formula in the template keeps to.
ALLOWED_FUNCTIONS = frozenset({
    "IF", "AND", "OR", "NOT", "MIN", "MAX", "ROUND", "INT", "ABS", "SUM", "COUNT", "COUNTA",
    "COUNTIF", "COUNTBLANK", "INDEX", "MATCH", "LOOKUP", "ISNUMBER", "ISBLANK", "TEXT", "N",
    "LEN", "TRIM"})

#: The XE_ functions (xl_eval.udfs) the udf variant calls, besides ALLOWED_FUNCTIONS.
UDF_FUNCTIONS = frozenset({"XE_RATE", "XE_SCORE", "XE_ROW", "XE_ROUND", "XE_GRADE"})


class LayoutError(ValueError):
    """A framework that cannot be laid out (e.g. a code that is no valid Excel name)."""


# ------------------------------------------------------------------ cells



def quote_sheet(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class Ref:
    sheet: str
    row: int
    col: int

    @property
    def coord(self) -> str:
        return f"{col_letter(self.col)}{self.row}"

    @property
    def absolute(self) -> str:
        """'基础数据'!$B$5: the text of a defined name or a cross-sheet reference."""
        return f"{quote_sheet(self.sheet)}!${col_letter(self.col)}${self.row}"

    def ref_from(self, sheet: str) -> str:
        """Absolute reference as written in a formula on `sheet`."""
        if sheet == self.sheet:
            return f"${col_letter(self.col)}${self.row}"
        return self.absolute


@dataclass(frozen=True)
class InputCell:
    """A cell the user fills: a framework input or a 完成情况/扣分原因 text."""
    name: str
    ref: Ref
    kind: str                    # Input.kind, or "note" for findings/reason
    input: Input | None = None
    leaf: str | None = None      # for notes


@dataclass(frozen=True)
class FormulaCell:
    name: str | None             # None only for the rows of the project list
    ref: Ref
    formula: str                 # without the leading "="
    kind: str                    # rate, effective, points, part, leaf, leaf_rate, level2, level1, ...
    number_format: str = FMT_GENERAL


@dataclass(frozen=True)
class ParamCell:
    """A framework number (or text) shown in a visible, locked cell."""
    ref: Ref
    value: float | str
    number_format: str = FMT_GENERAL


@dataclass(frozen=True)
class ParamRow:
    """One row of the 评分参数 sub-item table: label, band edges and a value."""
    row: int
    label: str
    lo: ParamCell | None = None
    lo_closed: str = ""          # 含 / 不含
    hi: ParamCell | None = None
    hi_closed: str = ""
    value: ParamCell | None = None
    key: str = ""                # what the rule's formula uses the row for (rule_formulas.py)
    label_cell: ParamCell | None = None   # the label is a parameter the formula compares with


@dataclass(frozen=True)
class PartBlock:
    leaf: Leaf
    part: Part
    first: int
    last: int
    summary: str                 # Chinese one-line rule summary
    max_cell: ParamCell | None   # None for veto/exemption; open weight: value None, the cell copies the weight
    rows: tuple[ParamRow, ...]
    weight_input: str | None = None   # open weight: the input the part's points are ("" while blank)


@dataclass(frozen=True)
class RowRuleBlock:
    """The parameters of a rows block on 评分参数 (pass threshold, over-target, actual
    bands, the 定性 tier edges): the row formulas on 自定义指标 reference these cells
    (``_Builder.row_params``), so a changed parameter recomputes every row."""
    leaf: Leaf
    first: int
    last: int
    summary: str
    rows: tuple[ParamRow, ...]


@dataclass(frozen=True)
class WeightRows:
    """An adjustable weight (weight_range / weight_values) on 评分参数: its default, the
    allowed range or values, and the weight used (``effective_weight_<code>``: the 打分表
    cell when it holds a number, else the default, as engine.score.leaf_weight)."""
    leaf: Leaf
    first: int
    last: int
    default: ParamCell
    lo: ParamCell | None = None
    lo_closed: str = ""
    hi: ParamCell | None = None
    hi_closed: str = ""
    values: tuple[ParamCell, ...] = ()


@dataclass(frozen=True)
class GradeRow:
    row: int
    name: ParamCell
    lo: ParamCell | None
    lo_closed: str
    hi: ParamCell | None
    hi_closed: str


@dataclass(frozen=True)
class RateRows:
    code: str
    zero: int                    # row of "分母为0、分子为0"
    nonzero: int
    zero_cell: ParamCell | None  # None: the outcome is "cannot be computed"
    nonzero_cell: ParamCell | None


@dataclass(frozen=True)
class BaseRows:
    title: int
    note: int
    header: int
    groups: tuple[tuple[int, str], ...]          # (row, group key)
    input_rows: dict[str, int]
    rates_title: int
    rates_header: int
    rate_rows: dict[str, int]


@dataclass(frozen=True)
class ProjectRows:
    title: int
    note: int
    header: int
    total: int
    first: int
    last: int


@dataclass(frozen=True)
class ScoreCols:
    """Columns of the 打分表 for a tree `depth` levels deep: one name column per level
    (a node scored above the last level spans the columns down to it), then the rest."""
    depth: int

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(range(1, self.depth + 1))

    def __getattr__(self, key: str) -> int:
        rest = ("WEIGHT", "EXPLANATION", "CRITERIA", "SCORE", "RATE", "FINDINGS", "REASON")
        if key in rest:
            return self.depth + 1 + rest.index(key)
        if key == "LEAF":
            return self.depth
        if key in ("L1", "L2", "L3"):
            return int(key[1])
        raise AttributeError(key)


@dataclass(frozen=True)
class ScoreRows:
    title: int
    header: tuple[int, int, int]
    leaf_rows: dict[str, int]
    l1_spans: dict[str, tuple[int, int]]         # every level-1 node (branch or scored)
    l2_spans: dict[str, tuple[int, int]]         # level-2 branch nodes
    total: int
    grade: int
    note: int
    weights: dict[str, ParamCell]                # leaf code -> weight cell (fixed weights; open: an input)
    total_weight: ParamCell                      # fixed: the framework's total (open weights: a formula)
    # format 2
    cols: ScoreCols = ScoreCols(3)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)   # every branch node, any depth
    weight_check: int = 0                        # row of the live "weights add up" text (open weights), 0 = none
    required_weight: ParamCell | None = None     # open weights: the total they must add up to (that row)


@dataclass(frozen=True)
class SummaryRows:
    title: int
    header: int
    l1_rows: dict[str, int]
    total: int
    grade: int
    l2_title: int
    l2_header: int
    l2_rows: dict[str, int]
    l1_weights: dict[str, ParamCell]
    l2_weights: dict[str, ParamCell]
    total_weight: ParamCell
    # format 2: every branch node below level 1 (the second table; empty for a 2-level tree)
    node_rows: dict[str, int] = field(default_factory=dict)
    node_weights: dict[str, ParamCell] = field(default_factory=dict)
    node_levels: int = 2                         # name columns of the second table (depth - 1)


@dataclass(frozen=True)
class ParamRows:
    title: int
    note: int
    grade_title: int
    grade_header: int
    grades: tuple[GradeRow, ...]
    rate_title: int
    rate_header: int
    rates: tuple[RateRows, ...]
    part_title: int
    part_header: int
    parts: tuple[PartBlock, ...]
    row_rules: tuple[RowRuleBlock, ...] = ()     # rows blocks' parameters, in the sub-item table
    weight_title: int = 0                        # adjustable weights' table (0 = none)
    weight_header: int = 0
    weights: tuple[WeightRows, ...] = ()


@dataclass(frozen=True)
class RowBlockRows:
    """One block of rows the unit defines on 自定义指标: a title row (the leaf and its
    allotment), a header, `max_rows` rows of inputs with the row's score, and a check row
    (the rows' points against the allotment)."""
    leaf: Leaf
    title: int
    header: int
    first: int                   # row of the block's first indicator row
    check: int
    columns: tuple[tuple[str, int], ...]   # (field key, column) of the inputs, in order
    flag_col: int                # 计入: 1 when the row has a name or points (engine.row_is_filled)
    score_col: int               # the row's score: part_<leaf>_r<i>

    def row(self, i: int) -> int:
        return self.first + i - 1

    def col(self, key: str) -> int:
        return dict(self.columns)[key]


@dataclass(frozen=True)
class MetaRow:
    name: str                    # defined name
    key: str
    value: str
    ref: Ref


# Column numbers (1-based) of each sheet
class BaseCol:
    LABEL, VALUE, UNIT, ALLOWED, HELP, EXAMPLE, EFFECTIVE, CODE = range(1, 9)


class ProjCol:
    NO, NAME, BUDGET, FINAL, RATE, DONE = range(1, 7)


class ScoreCol:
    L1, L2, LEAF, WEIGHT, EXPLANATION, CRITERIA, SCORE, RATE, FINDINGS, REASON = range(1, 11)


class SumCol:
    NAME, WEIGHT, SCORE, RATE = range(1, 5)
    L1, L2, L2_WEIGHT, L2_SCORE = range(1, 5)


class ParamCol:
    LEAF, PART, MAX, RULE, LABEL, LO, LO_CLOSED, HI, HI_CLOSED, VALUE, POINTS, SCORE = range(1, 13)


@dataclass
class Layout:
    fw: Framework
    mode: str
    inputs: dict[str, InputCell]                 # framework inputs by code (name = code)
    notes: dict[str, InputCell]                  # findings_<leaf> / reason_<leaf>
    project_inputs: dict[str, tuple[Ref, Ref]]   # projects_name/... -> (first, last) cell
    computed: dict[str, FormulaCell]             # named formula cells, in dependency order
    row_formulas: tuple[FormulaCell, ...]        # unnamed: the project list's per-row 执行率, and in
                                                 # udf mode the 计分采用值 of inputs without a helper
    ranges: dict[str, tuple[Ref, Ref]]           # range names -> (first, last)
    meta: tuple[MetaRow, ...]
    base: BaseRows
    projects: ProjectRows
    score: ScoreRows
    summary: SummaryRows
    params: ParamRows
    param_cells: tuple[ParamCell, ...] = field(default=())
    udf_values: str = ""                         # udf mode: formula text of the values range (column G)
    udf_codes: str = ""                          # ... and of the codes range (column H)
    row_blocks: tuple["RowBlockRows", ...] = ()  # rows the unit defines (sheet 自定义指标)

    @property
    def sheets(self) -> tuple[str, ...]:
        """The workbook's sheets, in order."""
        sheets = SHEETS if self.has_projects else tuple(x for x in SHEETS if x != PROJECTS)
        if self.row_blocks:
            i = sheets.index(SCORE)
            sheets = sheets[:i] + (ROWS,) + sheets[i:]
        return sheets + ((XLWINGS_CONF,) if self.mode == "udf" else ())

    @property
    def has_projects(self) -> bool:
        """The 项目明细 sheet exists only for a framework that declares a project list."""
        return bool(self.fw.project_list)

    def defined_names(self) -> dict[str, str]:
        """Every workbook-scoped defined name -> reference text."""
        out: dict[str, str] = {}
        for name, cell in self.inputs.items():
            out[name] = cell.ref.absolute
        for name, cell in self.notes.items():
            out[name] = cell.ref.absolute
        for name, cell in self.computed.items():
            out[name] = cell.ref.absolute
        for name, (a, b) in self.ranges.items():
            out[name] = f"{quote_sheet(a.sheet)}!${col_letter(a.col)}${a.row}:${col_letter(b.col)}${b.row}"
        for m in self.meta:
            if m.name:
                out[m.name] = m.ref.absolute
        return out

    def formula_cells(self) -> dict[tuple[str, str], str]:
        """(sheet, coordinate) -> formula text for every formula cell, named or not."""
        out = {(c.ref.sheet, c.ref.coord): c.formula for c in self.computed.values()}
        out.update({(c.ref.sheet, c.ref.coord): c.formula for c in self.row_formulas})
        return out


# ------------------------------------------------------------------ names

# Excel's rules for defined names: xl_eval/core/excel_names.py (lint warns with the same reason)
check_name = name_problem


def input_name(code: str) -> str:
    return code


def effective_name(code: str) -> str:
    return f"effective_{code}"


def rate_name(code: str) -> str:
    return f"rate_{code}"


def points_name(leaf: str, part: str) -> str:
    return f"points_{leaf}_{part}"


def part_name(leaf: str, part: str) -> str:
    return f"part_{leaf}_{part}"


def score_name(leaf: str) -> str:
    return f"score_{leaf}"


def scorerate_name(leaf: str) -> str:
    return f"scorerate_{leaf}"


def sub2_name(code: str) -> str:
    return f"sub2_{code}"


def subtotal_name(code: str) -> str:
    return f"subtotal_{code}"


def node_name(node) -> str:
    """Subtotal of a branch node below level 1 on 汇总: sub2_<code> (level 2), sub3_<code> (level 3)."""
    return f"sub{node.depth}_{node.code}"


def subtotalrate_name(code: str) -> str:
    return f"subtotalrate_{code}"


def findings_name(leaf: str) -> str:
    return f"findings_{leaf}"


def reason_name(leaf: str) -> str:
    return f"reason_{leaf}"


TOTAL, TOTAL_RATE, GRADE, TITLE = "total_score", "total_rate", "grade", "sheet_title"
SUMMARY_TOTAL, SUMMARY_TOTAL_RATE, SUMMARY_GRADE = "summary_total_score", "summary_total_rate", "summary_grade"
PROJECT_RANGES = ("projects_name", "projects_budget", "projects_final", "projects_rate", "projects_done")
COUNT_PLANNED, COUNT_COMPLETED = "projects_count_planned", "projects_count_completed"
PROJECT_TOTALS = ("projects_budget_total", "projects_final_total", "projects_rate_total")
META_KEYS = (
    ("xe_template_format", "template_format"),
    ("xe_framework_id", "framework_id"),
    ("xe_framework_version", "framework_version"),
    ("xe_framework_hash", "framework_hash"),
    (None, "framework_title"),
    (None, "generator"),
    (None, "formula_mode"),
)
UDF_META_KEYS = (                # appended in udf mode; a native workbook has neither name
    ("xe_template_variant", "template_variant"),
    ("xe_framework_path", "framework_path"),
)
TEMPLATE_VARIANT, FRAMEWORK_PATH = "xe_template_variant", "xe_framework_path"


def effective_inputs(fw: Framework) -> dict[str, str]:
    """Inputs scored through a helper cell: code -> why ('default', 'projects' or both)."""
    derived = set(fw.project_list.values())
    out = {}
    for code, inp in fw.inputs.items():
        if inp.default is not None or code in derived:
            out[code] = "+".join(w for w, on in (("default", inp.default is not None),
                                                  ("projects", code in derived)) if on)
    return out


def grade_text(fw: Framework) -> str:
    """'评价分四个等级，分别为：优（得分≥90），良（90>得分≥80），…' from the grade intervals."""
    from xl_eval.core.xlround import plain
    digits = "零一二三四五六七八九十"
    if not fw.grades:
        return "本指标体系不划分评价等级"
    parts = []
    for g in fw.grades:
        r = g.range
        lo = "" if math.isinf(r.lo) else f"得分{'≥' if r.lo_closed else '>'}{plain(r.lo)}"
        hi = "" if math.isinf(r.hi) else f"{plain(r.hi)}{'≥' if r.hi_closed else '>'}"
        if lo and hi:
            text = f"{hi}{lo}"
        elif lo:
            text = lo
        elif hi:
            text = f"得分{'≤' if r.hi_closed else '<'}{plain(r.hi)}"
        else:
            text = "任意得分"
        parts.append(f"{g.name}（{text}）")
    n = len(fw.grades)
    count = digits[n] if n <= 10 else str(n)
    return f"评价分{count}个等级，分别为：" + "，".join(parts)


# ------------------------------------------------------------------ layout

def layout(fw: Framework, mode: str = "native") -> Layout:
    """Positions, names and formulas of the template generated from `fw`."""
    if mode not in FORMULA_MODES:
        raise NotImplementedError(f"formula mode {mode!r} is not implemented (only {FORMULA_MODES})")
    return _Builder(fw, mode).build()


def computed_names(fw: Framework, formulas: str = "native") -> list[str]:
    """Every named formula cell, in dependency order (the same in both modes)."""
    return list(layout(fw, formulas).computed)


def expected_formulas(fw: Framework, formulas: str = "native") -> dict[str, str]:
    """Defined name -> the formula (without '=') its cell must hold in mode `formulas`."""
    return {name: c.formula for name, c in layout(fw, formulas).computed.items()}


def is_shipped(fw: Framework) -> bool:
    """Whether `fw` is the shipped framework (what the XE_ functions load by default):
    loaded from its file, or with the same content fingerprint."""
    from xl_eval.framework.model import DEFAULT_FRAMEWORK, FrameworkError, load
    try:
        if fw.path and Path(fw.path).resolve() == DEFAULT_FRAMEWORK.resolve():
            return True
        return bool(fw.content_hash) and fw.content_hash == load().content_hash
    except (OSError, FrameworkError):
        return False


def shipped_name(fw: Framework) -> str | None:
    """The registry name of a shipped framework `fw` was loaded from (e.g. "dept_2013_53"), else None."""
    from xl_eval.framework.registry import shipped
    if not fw.path:
        return None
    here = Path(fw.path).resolve()
    return next((s.name for s in shipped() if s.path.resolve() == here), None)


def framework_reference(fw: Framework) -> str:
    """What the XE_ calls of a udf workbook load: a shipped framework by its name (the same
    on every computer with xl-eval), any other by the absolute path of its file."""
    return shipped_name(fw) or str(Path(fw.path).resolve())


def _is_atomic(tree: ast.expr) -> bool:
    return isinstance(tree, (ast.Name, ast.Constant, ast.Call))


def _or(tests: list[str]) -> str:
    tests = list(dict.fromkeys(tests))
    if not tests:
        return "FALSE"
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _and(tests: list[str]) -> str:
    if not tests:
        return "TRUE"
    return tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"


class _Builder:
    def __init__(self, fw: Framework, mode: str):
        self.fw = fw
        self.mode = mode
        self.effective = effective_inputs(fw)
        self.computed: dict[str, FormulaCell] = {}
        self.params: list[ParamCell] = []
        self.shipped = mode != "udf" or is_shipped(fw)
        self.udf_values = self.udf_codes = ""
        from xl_eval.forms.scoresheet.rule_formulas import RuleFormulas
        self.rules = RuleFormulas(self)
        self.weight_inputs: dict[str, InputCell] = {}      # open and adjustable weights: input cells on 打分表
        self.row_params: dict[tuple[str, str], str] = {}   # (rows block code, key) -> its 评分参数 cell
        self.extra_rows: list[FormulaCell] = []            # unnamed formulas (weight sums, checks)

    # -- helpers
    def ref_value(self, name: str) -> str:
        """Formula text for an input or rate used in a computation."""
        if name in self.fw.rates:
            return rate_name(name)
        if name in self.effective:
            return effective_name(name)
        return input_name(name)

    def expr(self, e) -> str:
        return e.to_excel(self.ref_value)

    def expr_operand(self, e) -> str:
        """Expression text safe to put next to any operator."""
        text = self.expr(e)
        return text if _is_atomic(e.tree) else f"({text})"

    def blank_test(self, names) -> str:
        return _or([f'{self.ref_value(n)}=""' for n in names])

    @property
    def udf(self) -> bool:
        return self.mode == "udf"

    def round(self, x: str, digits: int | str) -> str:
        """Excel's ROUND: the native function, or XE_ROUND in udf mode."""
        return f"{'XE_ROUND' if self.udf else 'ROUND'}({x},{digits})"

    def xe(self, function: str, *args: str) -> str:
        """An XE_ call; with a framework other than the shipped one, the framework argument too."""
        if not self.shipped:
            args = (*args, FRAMEWORK_PATH)
        return f"{function}({','.join(args)})"

    def add(self, name: str, ref: Ref, formula: str, kind: str, fmt: str = FMT_GENERAL) -> FormulaCell:
        if name in self.computed:
            raise LayoutError(f"名称 {name} 重复（代码组合冲突）")
        cell = FormulaCell(name, ref, formula, kind, fmt)
        self.computed[name] = cell
        return cell

    def param(self, ref: Ref, value, fmt: str = FMT_GENERAL) -> ParamCell:
        cell = ParamCell(ref, value, fmt)
        self.params.append(cell)
        return cell

    # -- the whole workbook
    def build(self) -> Layout:
        fw = self.fw
        self.check_codes()
        inputs, base = self.base_positions()
        projects, ranges, project_inputs = self.project_positions()
        score, notes = self.score_positions()
        inputs.update(self.weight_inputs)
        blocks = self.row_blocks_built = self.row_positions(inputs)
        self.input_cells = inputs
        summary = self.summary_positions(score)
        params = self.param_positions()
        keys = META_KEYS + (UDF_META_KEYS if self.udf else ())
        meta = tuple(MetaRow(name or "", key, self.meta_value(key), Ref(META, i + 2, 2))
                     for i, (name, key) in enumerate(keys))
        if self.udf:
            first, last = min(base.input_rows.values()), max(base.input_rows.values())
            col = col_letter
            self.udf_values = f"{quote_sheet(BASE)}!${col(BaseCol.EFFECTIVE)}${first}:${col(BaseCol.EFFECTIVE)}${last}"
            self.udf_codes = f"{quote_sheet(BASE)}!${col(BaseCol.CODE)}${first}:${col(BaseCol.CODE)}${last}"

        # formulas, in dependency order
        if fw.project_list:
            self.project_formulas(projects)
        else:
            ranges, project_inputs = {}, {}
        self.effective_formulas(base, inputs)
        self.weight_formulas(params)
        self.rules.rate_formulas(base, params)
        self.rules.part_formulas(params)
        self.row_formulas(blocks, score)
        self.leaf_formulas(score)
        self.subtotal_formulas(score, summary)
        self.total_formulas(score, summary, params)
        self.add(TITLE, Ref(SCORE, score.title, ScoreCol.L1),
                 f'IF(LEN(TRIM({input_name("unit_name")}))=0,"（单位名称）",TRIM({input_name("unit_name")}))&{formula_string(fw.title)}'
                 if "unit_name" in fw.inputs else formula_string(fw.title), "title")
        rows = tuple(
            FormulaCell(None, Ref(PROJECTS, r, ProjCol.RATE), self.project_row_rate(r), "project_rate", FMT_PCT)
            for r in range(projects.first, projects.last + 1) if fw.project_list)
        if self.udf:
            rows = self.scoring_copies(base) + rows
        rows += tuple(self.extra_rows)

        lay = Layout(fw, self.mode, inputs, notes, project_inputs, self.computed, rows,
                     ranges, meta, base, projects, score, summary, params,
                     tuple(self.params), self.udf_values, self.udf_codes, blocks)
        self.check_names(lay)
        return lay

    def meta_value(self, key: str) -> str:
        fw = self.fw
        return {"template_format": TEMPLATE_FORMAT, "framework_id": fw.id, "framework_version": fw.version,
                "framework_hash": fw.content_hash, "framework_title": fw.title, "generator": "xl-eval",
                "formula_mode": self.mode, "template_variant": self.mode,
                "framework_path": "" if self.shipped else framework_reference(fw)}[key]

    def check_codes(self) -> None:
        problems = []
        for code in self.fw.inputs:
            why = check_name(code)
            if why:
                problems.append(f"输入代码 {code!r} 不能用作 Excel 名称：{why}")
        if problems:
            raise LayoutError("；".join(problems))

    def check_names(self, lay: Layout) -> None:
        seen: dict[str, str] = {}
        groups = [("输入", lay.inputs), ("文字", lay.notes), ("计算", lay.computed), ("区域", lay.ranges),
                  ("标识", {m.name: m for m in lay.meta if m.name})]
        for what, names in groups:
            for name in names:
                key = name.lower()
                if key in seen:
                    raise LayoutError(f"名称 {name} 重复（{seen[key]}与{what}），请修改框架中的代码")
                seen[key] = what

    # -- positions
    def base_positions(self) -> tuple[dict[str, InputCell], BaseRows]:
        fw = self.fw
        row = 4
        groups, input_rows = [], {}
        inputs: dict[str, InputCell] = {}
        for key in INPUT_GROUPS:
            # open weights are set where they are printed: the weight column of 打分表
            members = [i for i in fw.inputs.values() if i.group == key and i.generated not in ("weight", "rows")]
            if not members:
                continue
            groups.append((row, key))
            row += 1
            for inp in members:
                input_rows[inp.code] = row
                inputs[inp.code] = InputCell(input_name(inp.code), Ref(BASE, row, BaseCol.VALUE), inp.kind, inp)
                row += 1
        # inputs without a known group still get a row (the loader rejects unknown groups)
        rates_title = row + 1
        rates_header = rates_title + 1
        rate_rows = {code: rates_header + 1 + i for i, code in enumerate(fw.rates)}
        return inputs, BaseRows(1, 2, 3, tuple(groups), input_rows, rates_title, rates_header, rate_rows)

    def project_positions(self):
        first = 5
        last = first + PROJECT_ROWS - 1
        rows = ProjectRows(1, 2, 3, 4, first, last)
        cols = {"projects_name": ProjCol.NAME, "projects_budget": ProjCol.BUDGET, "projects_final": ProjCol.FINAL,
                "projects_rate": ProjCol.RATE, "projects_done": ProjCol.DONE}
        ranges = {name: (Ref(PROJECTS, first, c), Ref(PROJECTS, last, c)) for name, c in cols.items()}
        inputs = {name: ranges[name] for name in ("projects_name", "projects_budget", "projects_final", "projects_done")}
        return rows, ranges, inputs

    def score_positions(self) -> tuple[ScoreRows, dict[str, InputCell]]:
        fw = self.fw
        cols = ScoreCols(max(fw.depth, 1))
        row = 5
        leaf_rows, spans, weights = {}, {}, {}
        notes: dict[str, InputCell] = {}

        def place(node) -> None:
            nonlocal row
            start = row
            if node.leaf is not None:
                leaf = node.leaf
                leaf_rows[leaf.code] = row
                ref = Ref(SCORE, row, cols.WEIGHT)
                code = leaf.weight_input or (leaf.adjust.input if leaf.adjust else None)
                if code:
                    # set where it is printed; an adjustable one comes prefilled with its default
                    inp = fw.inputs[code]
                    self.weight_inputs[code] = InputCell(input_name(code), ref, inp.kind, inp)
                    weights[leaf.code] = ParamCell(ref, None if leaf.weight_input else leaf.weight)
                else:
                    weights[leaf.code] = self.param(ref, leaf.weight)
                for name, col in ((findings_name(leaf.code), cols.FINDINGS), (reason_name(leaf.code), cols.REASON)):
                    notes[name] = InputCell(name, Ref(SCORE, row, col), "note", leaf=leaf.code)
                row += 1
                return
            for child in node.children:
                place(child)
            spans[node.code] = (start, row - 1)

        l1_spans = {}
        for l1 in fw.level1:
            start = row
            place(l1)
            l1_spans[l1.code] = (start, row - 1)
        l2_spans = {n.code: spans[n.code] for l1 in fw.level1 for n in l1.children if n.code in spans}
        total = row
        if fw.open_weights or self.adjusted:
            # the weights the evaluation sets add up live (the sum), and a text says whether they are right
            first, last = min(leaf_rows.values()), max(leaf_rows.values())
            w = f"${col_letter(cols.WEIGHT)}${first}:${col_letter(cols.WEIGHT)}${last}"
            total_weight = ParamCell(Ref(SCORE, total, cols.WEIGHT), None)
            _, total_sum = self.weights_added(fw.leaves, w)
            formula = f'IF(COUNT({w})=0,"",{total_sum})' if fw.open_weights else total_sum
            self.extra_rows.append(FormulaCell(None, total_weight.ref, formula, "weight_sum", FMT_GENERAL))
            weight_check = total + 3
            required = self.param(Ref(SCORE, weight_check, cols.WEIGHT), fw.total_weight)
        else:
            total_weight = self.param(Ref(SCORE, total, cols.WEIGHT), fw.total_weight)
            weight_check, required = 0, None
        return ScoreRows(1, (2, 3, 4), leaf_rows, l1_spans, l2_spans, total, total + 1, total + 2,
                         weights, total_weight, cols, spans, weight_check, required), notes

    @property
    def adjusted(self) -> list[Leaf]:
        """Leaves whose weight an evaluation may move (weight_range / weight_values)."""
        return [x for x in self.fw.leaves if x.adjust is not None]

    def weight_ref(self, leaf: Leaf, score: ScoreRows, sheet: str) -> str:
        """The leaf's weight as formulas use it: its 打分表 cell, or for an adjustable one
        the weight used (effective_weight_<code>: the cell's number, else the default)."""
        if leaf.adjust is not None:
            return effective_name(leaf.adjust.input)
        return score.weights[leaf.code].ref.ref_from(sheet)

    def weights_added(self, leaves, area: str) -> tuple[str, str]:
        """(how many of the leaves' weights are numbers, their sum) over `area`, their
        contiguous cells of the 打分表 weight column, as the engine takes the weights: an
        adjustable weight's cell counts as its weight used (blank or text: the default)."""
        moved = [x for x in leaves if x.adjust is not None]
        count, total = f"COUNT({area})", f"SUM({area})"
        for x in moved:
            code = x.adjust.input
            count += f"+IF(ISNUMBER({code}),0,1)"
            total += f"+({effective_name(code)}-N({code}))"
        return count, total

    def weight_sum(self, sheet: str, ref: Ref, leaves, score: ScoreRows) -> ParamCell:
        """The weight of a branch on 汇总: a fixed number, or (open or adjustable weights) the
        live sum of its leaves' weights on 打分表, blank until all open ones are filled."""
        if not any(x.weight_input or x.adjust for x in leaves):
            return self.param(ref, sum(x.weight for x in leaves))
        rows = [score.leaf_rows[x.code] for x in leaves]
        col = col_letter(score.cols.WEIGHT)
        area = f"{quote_sheet(SCORE)}!${col}${min(rows)}:${col}${max(rows)}"
        count, total = self.weights_added(leaves, area)
        formula = f'IF({count}<{len(rows)},"",{total})' if any(x.weight_input for x in leaves) else total
        self.extra_rows.append(FormulaCell(None, ref, formula, "weight_sum", FMT_GENERAL))
        return ParamCell(ref, None)

    def summary_positions(self, score: ScoreRows) -> SummaryRows:
        fw = self.fw
        row = 3
        l1_rows, l1_weights = {}, {}
        for l1 in fw.subtotalled:
            l1_rows[l1.code] = row
            l1_weights[l1.code] = self.weight_sum(SUMMARY, Ref(SUMMARY, row, SumCol.WEIGHT), l1.leaves, score)
            row += 1
        total = row
        if fw.open_weights or self.adjusted:
            total_weight = self.weight_sum(SUMMARY, Ref(SUMMARY, total, SumCol.WEIGHT), fw.leaves, score)
        else:
            total_weight = self.param(Ref(SUMMARY, total, SumCol.WEIGHT), fw.total_weight)
        grade = total + 1
        l2_title = grade + 2
        l2_header = l2_title + 1
        row = l2_header + 1
        levels = max(fw.depth - 1, 2)
        weight_col = levels + 1
        node_rows, node_weights = {}, {}
        for n in fw.all_nodes():
            if n.depth >= 2 and n.leaf is None:
                node_rows[n.code] = row
                node_weights[n.code] = self.weight_sum(SUMMARY, Ref(SUMMARY, row, weight_col), n.leaves, score)
                row += 1
        l2_rows = {c: r for c, r in node_rows.items() if any(c == n.code for l1 in fw.level1 for n in l1.children)}
        l2_weights = {c: node_weights[c] for c in l2_rows}
        return SummaryRows(1, 2, l1_rows, total, grade, l2_title, l2_header, l2_rows, l1_weights, l2_weights,
                           total_weight, node_rows, node_weights, levels)

    def param_positions(self) -> ParamRows:
        fw = self.fw
        row = 4
        grade_title, grade_header = row, row + 1
        row += 2
        grades = []
        for g in fw.grades:
            r = g.range
            grades.append(GradeRow(
                row, self.param(Ref(PARAMS, row, ParamCol.LEAF), g.name),
                None if math.isinf(r.lo) else self.param(Ref(PARAMS, row, ParamCol.LO), r.lo),
                "含" if r.lo_closed else "不含",
                None if math.isinf(r.hi) else self.param(Ref(PARAMS, row, ParamCol.HI), r.hi),
                "含" if r.hi_closed else "不含"))
            row += 1
        row += 1
        rate_title, rate_header = row, row + 1
        row += 2
        rates = []
        for code, rate in fw.rates.items():
            cells = []
            for r, outcome in ((row, rate.zero_numerator_zero), (row + 1, rate.zero_numerator_nonzero)):
                if outcome is None:
                    cells.append(None)
                else:
                    value = INF_VALUE if outcome == math.inf else outcome
                    cells.append(self.param(Ref(PARAMS, r, ParamCol.VALUE), value, FMT_RATE))
            rates.append(RateRows(code, row, row + 1, cells[0], cells[1]))
            row += 2
        row += 1
        part_title, part_header = row, row + 1
        row += 2
        from xl_eval.forms.scoresheet.rule_formulas import param_specs
        from xl_eval.framework.describe import rule_summary
        blocks, row_rules = [], []
        for leaf in fw.leaves:
            if leaf.rows is not None:
                from xl_eval.forms.scoresheet.rule_formulas import row_rule_specs, row_rules_summary
                first = row
                rows = []
                for spec in row_rule_specs(fw, leaf.rows):
                    prow = self._param_row(row, spec)
                    rows.append(prow)
                    self.keep_row_params(leaf.rows, spec, prow)
                    row += 1
                row_rules.append(RowRuleBlock(leaf, first, row - 1, row_rules_summary(leaf.rows), tuple(rows)))
            for part in leaf.parts:
                specs = param_specs(fw, part, leaf)
                first = row
                weight_input = leaf.weight_input if part.max is None else None
                if part.rule.is_modifier:
                    max_cell = None
                elif weight_input:
                    # an open weight: the part's points are the weight the evaluation sets ("" until then)
                    max_cell = ParamCell(Ref(PARAMS, first, ParamCol.MAX), None)
                    self.extra_rows.append(FormulaCell(None, max_cell.ref,
                                                       f'IF({weight_input}="","",{weight_input})', "weight_copy"))
                else:
                    max_cell = self.param(Ref(PARAMS, first, ParamCol.MAX), part.max)
                rows = []
                for spec in specs:
                    rows.append(self._param_row(row, spec))
                    row += 1
                blocks.append(PartBlock(leaf, part, first, row - 1, rule_summary(fw, part.rule, part.max),
                                        max_cell, tuple(rows), weight_input))
        weight_title = weight_header = 0
        weights = []
        if self.adjusted:
            row += 1
            weight_title, weight_header = row, row + 1
            row += 2
            for leaf in self.adjusted:
                adj = leaf.adjust
                first = row
                default = self.param(Ref(PARAMS, row, ParamCol.MAX), leaf.weight)
                if adj.values:
                    values = tuple(self.param(Ref(PARAMS, first + j, ParamCol.VALUE), v)
                                   for j, v in enumerate(adj.values))
                    weights.append(WeightRows(leaf, first, first + len(values) - 1, default, values=values))
                    row += len(values)
                else:
                    r = adj.range
                    weights.append(WeightRows(
                        leaf, first, first, default, self.param(Ref(PARAMS, row, ParamCol.LO), r.lo),
                        "含" if r.lo_closed else "不含", self.param(Ref(PARAMS, row, ParamCol.HI), r.hi),
                        "含" if r.hi_closed else "不含"))
                    row += 1
        return ParamRows(1, 2, grade_title, grade_header, tuple(grades), rate_title, rate_header, tuple(rates),
                         part_title, part_header, tuple(blocks), tuple(row_rules), weight_title, weight_header,
                         tuple(weights))

    def keep_row_params(self, block, spec: dict, prow: ParamRow) -> None:
        """Where the row formulas of `block` find each number of its rules (row_params)."""
        key = spec.get("key", "")
        if not key:
            return
        for suffix, cell in (("_lo", prow.lo), ("_hi", prow.hi), ("", prow.value)):
            if cell is not None:
                name = key + suffix if suffix else spec.get("value_key", key)
                self.row_params[(block.code, name)] = cell.ref.absolute

    def _param_row(self, row: int, spec: dict) -> ParamRow:
        edge_fmt = spec.get("edge_fmt", FMT_GENERAL)
        lo = hi = None
        if "lo" in spec and not math.isinf(spec["lo"]):
            lo = self.param(Ref(PARAMS, row, ParamCol.LO), spec["lo"], edge_fmt)
        if "hi" in spec and not math.isinf(spec["hi"]):
            hi = self.param(Ref(PARAMS, row, ParamCol.HI), spec["hi"], edge_fmt)
        value = None
        if "value" in spec:
            value = self.param(Ref(PARAMS, row, ParamCol.VALUE), spec["value"], spec.get("fmt", FMT_GENERAL))
        label = self.param(Ref(PARAMS, row, ParamCol.LABEL), spec["label"]) if spec.get("label_param") else None
        return ParamRow(row, spec["label"], lo, spec.get("lo_closed", ""), hi, spec.get("hi_closed", ""), value,
                        spec.get("key", ""), label)

    # -- formulas
    def project_formulas(self, p: ProjectRows) -> None:
        self.add(COUNT_PLANNED, Ref(PROJECTS, p.total, ProjCol.NAME),
                 'IF(COUNTA(projects_name)=0,"",COUNTA(projects_name))', "project_count", '"共"0"项"')
        self.add(COUNT_COMPLETED, Ref(PROJECTS, p.total, ProjCol.DONE),
                 f'IF(COUNTA(projects_name)=0,"",COUNTIF(projects_done,"{YES}"))', "project_count", '"完成"0"项"')
        budget = Ref(PROJECTS, p.total, ProjCol.BUDGET)
        final = Ref(PROJECTS, p.total, ProjCol.FINAL)
        self.add("projects_budget_total", budget, "SUM(projects_budget)", "project_total", FMT_AMOUNT)
        self.add("projects_final_total", final, "SUM(projects_final)", "project_total", FMT_AMOUNT)
        self.add("projects_rate_total", Ref(PROJECTS, p.total, ProjCol.RATE),
                 f'IF(projects_budget_total=0,"",{self.round("projects_final_total/projects_budget_total", self.fw.precision.rate)})',
                 "project_total", FMT_PCT)

    def project_row_rate(self, row: int) -> str:
        b = f"{col_letter(ProjCol.BUDGET)}{row}"
        f = f"{col_letter(ProjCol.FINAL)}{row}"
        return f'IF(OR({b}="",{f}=""),"",IF({b}=0,"",{self.round(f"{f}/{b}", self.fw.precision.rate)}))'

    def weight_formulas(self, params: ParamRows) -> None:
        """The weight used of each adjustable leaf (engine.score.leaf_weight): the number in
        its 打分表 cell, else (blank, text) the default shown on 评分参数."""
        for wr in params.weights:
            code = wr.leaf.adjust.input
            self.add(effective_name(code), Ref(PARAMS, wr.first, ParamCol.POINTS),
                     f"IF(ISNUMBER({code}),{code},{wr.default.ref.ref_from(PARAMS)})", "effective")

    def effective_formulas(self, base: BaseRows, inputs: dict[str, InputCell]) -> None:
        fw = self.fw
        derived = {code: (COUNT_PLANNED if key == "planned" else COUNT_COMPLETED)
                   for key, code in fw.project_list.items()}
        adjustable = {x.adjust.input for x in self.adjusted}
        for code in self.effective:
            if code in adjustable:
                continue        # weight_formulas: the weight used lives beside its default on 评分参数
            inp = fw.inputs[code]
            fallback = None
            if inp.default is not None:
                d = inp.default
                fallback = formula_string(d) if isinstance(d, str) else _num_text(d)
            if code in derived:
                fallback = derived[code] if fallback is None else f'IF({derived[code]}="",{fallback},{derived[code]})'
            fmt = {"amount": FMT_AMOUNT, "count": FMT_INT, "year": FMT_INT, "percent": FMT_PCT,
                   "date": FMT_DATE}.get(inp.kind, FMT_GENERAL)
            self.add(effective_name(code), Ref(BASE, base.input_rows[code], BaseCol.EFFECTIVE),
                     f'IF({code}="",{fallback},{code})', "effective", fmt)

    def scoring_copies(self, base: BaseRows) -> tuple[FormulaCell, ...]:
        """udf mode: 计分采用值 of the 基础数据 inputs without a helper cell (the input itself, "" if
        blank); weights set on 打分表 and rows on 自定义指标 are read where they are typed."""
        fmts = {"amount": FMT_AMOUNT, "count": FMT_INT, "year": FMT_INT, "percent": FMT_PCT, "date": FMT_DATE}
        return tuple(
            FormulaCell(None, Ref(BASE, base.input_rows[code], BaseCol.EFFECTIVE),
                        f'IF({input_name(code)}="","",{input_name(code)})', "scoring_value",
                        fmts.get(inp.kind, FMT_GENERAL))
            for code, inp in self.fw.inputs.items() if code not in self.effective and code in base.input_rows)

    def leaf_formulas(self, score: ScoreRows) -> None:
        fw = self.fw
        digits = fw.precision.score
        for leaf in fw.leaves:
            row = score.leaf_rows[leaf.code]
            w = self.weight_ref(leaf, score, SCORE)
            if leaf.rows is not None and not self.udf:
                self.rows_leaf_formula(leaf, row, w, score)
                continue
            parts = [part_name(leaf.code, p.code) for p in leaf.parts]
            vetoes = [f'{self.ref_value(p.rule.input)}="{YES}"' for p in leaf.parts if p.rule.kind == "veto"]
            exempts = [f'{self.ref_value(p.rule.input)}="{YES}"' for p in leaf.parts if p.rule.kind == "exemption"]
            if self.udf:
                s = self.add(score_name(leaf.code), Ref(SCORE, row, score.cols.SCORE), self.udf_score(leaf),
                             "leaf", FMT_SCORE)
                rate = self.round(f"{s.name}/{w}", fw.precision.score_rate)
                if leaf.weight_input or leaf.adjust:         # a weight of 0: no 得分率, as the engine
                    rate = f'IF({w}=0,"",{rate})'
                rate = f'IF(ISNUMBER({s.name}),{rate},{s.name})'
                self.add(scorerate_name(leaf.code), Ref(SCORE, row, score.cols.RATE), rate, "leaf_rate", FMT_PCT)
                continue
            blank = _or(([f'{w}=""'] if leaf.weight_input else []) + [p + '=""' for p in parts])
            body = (f'IF({blank},"",'
                    f'ROUND(MIN(MAX({self.rules.leaf_total(leaf, parts, w)},0),{w}),{digits}))')
            if exempts:
                body = f"IF({_or(exempts)},{w},{body})"
            if vetoes:
                body = f"IF({_or(vetoes)},0,{body})"
            s = self.add(score_name(leaf.code), Ref(SCORE, row, score.cols.SCORE), body, "leaf", FMT_SCORE)
            self.add(scorerate_name(leaf.code), Ref(SCORE, row, score.cols.RATE),
                     self.score_rate(leaf, s.name, w), "leaf_rate", FMT_PCT)

    def score_rate(self, leaf: Leaf, s: str, w: str) -> str:
        """得分率 = score ÷ weight; blank (as the engine) for a weight the evaluation may set to 0."""
        blank = f'OR({s}="",{w}=0)' if (leaf.weight_input or leaf.adjust) else f'{s}=""'
        return f'IF({blank},"",ROUND({s}/{w},{self.fw.precision.score_rate}))'

    # -- rows the unit defines
    def row_positions(self, inputs: dict[str, InputCell]) -> tuple[RowBlockRows, ...]:
        fw = self.fw
        out = []
        row = 4
        for leaf in fw.leaves:
            block = leaf.rows
            if block is None:
                continue
            columns = tuple((f.key, 2 + j) for j, f in enumerate(block.fields))
            flag_col = 2 + len(columns)
            b = RowBlockRows(leaf, row, row + 1, row + 2, row + 2 + block.max_rows, columns, flag_col, flag_col + 1)
            for i in range(1, block.max_rows + 1):
                for key, col in columns:
                    code = block.row_input(i, key)
                    inputs[code] = InputCell(input_name(code), Ref(ROWS, b.row(i), col), fw.inputs[code].kind,
                                             fw.inputs[code])
            out.append(b)
            row = b.check + 3
        return tuple(out)

    def row_formulas(self, blocks: tuple[RowBlockRows, ...], score: ScoreRows) -> None:
        """Each row's score, as engine.score.score_row computes it."""
        digits = self.fw.precision.score
        for b in blocks:
            block = b.leaf.rows
            for i in range(1, block.max_rows + 1):
                get = lambda key: input_name(block.row_input(i, key))  # noqa: E731
                name, nature, points = get("name"), get("nature"), get("points")
                self.extra_rows.append(FormulaCell(
                    None, Ref(ROWS, b.row(i), b.flag_col), f'IF(OR({name}<>"",{points}<>""),1,0)', "row_flag",
                    '"✓";"✓";""'))
                if self.udf:        # the engine scores the row (engine.score.score_row)
                    formula = self.udf_call("XE_ROW", f'"{b.leaf.code}"', self.row_area(b, i, i, ROWS))
                else:
                    chain = '""'
                    for nat in reversed(block.natures):
                        chain = f'IF({nature}="{nat}",{self.row_nature_formula(block, i, nat, digits)},{chain})'
                    formula = (f'IF(AND({name}="",{points}=""),"",'
                               f'IF({_or([f"{x}=" + chr(34) * 2 for x in (name, nature, points)])},"",{chain}))')
                self.add(part_name(b.leaf.code, f"r{i}"), Ref(ROWS, b.row(i), b.score_col), formula, "row",
                         FMT_SCORE)
            w = self.weight_ref(b.leaf, score, ROWS)
            pts = f"${col_letter(b.col('points'))}${b.first}:${col_letter(b.col('points'))}${b.row(block.max_rows)}"
            self.extra_rows.append(FormulaCell(
                None, Ref(ROWS, b.check, b.col("points")), f'IF(COUNT({pts})=0,"",SUM({pts}))', "row_points_sum",
                FMT_GENERAL))
            self.extra_rows.append(FormulaCell(
                None, Ref(ROWS, b.check, b.col("points") + 1),
                f'IF(OR(COUNT({pts})=0,{w}=""),"",IF({self.round(f"SUM({pts})", 9)}={w},'
                + formula_string("各行分值合计等于本指标分值") + ","
                + formula_string("各行分值合计为 ") + f"&SUM({pts})&" + formula_string("，应为 ") + f"&{w}))",
                "row_points_check"))

    def row_nature_formula(self, block, i: int, nature: str, digits: int) -> str:
        """Score of row i when its 指标性质 is `nature` (its name, nature and points are filled)."""
        get = lambda key: input_name(block.row_input(i, key))  # noqa: E731
        points = get("points")
        if nature == "酌情":
            x = get("score")
            return f'IF({x}="","",MIN(MAX({self.round(x, digits)},0),{points}))'
        from xl_eval.forms.scoresheet.rule_formulas import row_nature_formula
        return row_nature_formula(self, block, i, nature, digits)

    def rows_leaf_formula(self, leaf: Leaf, row: int, w: str, score: ScoreRows) -> None:
        """The leaf of a rows block: blank until a row is filled and every filled row scores,
        then the rows' sum clamped to [0, weight] and rounded (engine.score._score_rows)."""
        b = next(x for x in self.row_blocks_built if x.leaf.code == leaf.code)
        n = leaf.rows.max_rows
        col = col_letter
        flags = f"{quote_sheet(ROWS)}!${col(b.flag_col)}${b.first}:${col(b.flag_col)}${b.row(n)}"
        scores = f"{quote_sheet(ROWS)}!${col(b.score_col)}${b.first}:${col(b.score_col)}${b.row(n)}"
        digits = self.fw.precision.score
        body = (f'IF(OR({w}="",SUM({flags})=0,COUNT({scores})<SUM({flags})),"",'
                f'ROUND(MIN(MAX(SUM({scores}),0),{w}),{digits}))')
        if leaf.weight_input or leaf.adjust:
            # a block the evaluation set to 0 points and left without rows scores 0 (engine._score_rows)
            body = f'IF(AND(SUM({flags})=0,N({w})=0,{w}<>""),0,{body})'
        s = self.add(score_name(leaf.code), Ref(SCORE, row, score.cols.SCORE), body, "leaf", FMT_SCORE)
        self.add(scorerate_name(leaf.code), Ref(SCORE, row, score.cols.RATE), self.score_rate(leaf, s.name, w),
                 "leaf_rate", FMT_PCT)

    def udf_score(self, leaf: Leaf) -> str:
        """XE_SCORE of a leaf: from the rate cell when the leaf scores one rate (the rate shown
        is the rate scored, blank where the framework leaves it undefined), from the leaf's
        input area on 自定义指标 when the unit defines its rows, else from the values
        (column G) and codes (column H) of every input; plus the weight cell when the
        evaluation sets the weight."""
        names = list(dict.fromkeys(n for part in leaf.parts for n in part.rule.input_names()))
        if leaf.rows is not None:
            b = next(x for x in self.row_blocks_built if x.leaf.code == leaf.code)
            values, labels = self.row_area(b, 1, leaf.rows.max_rows, SCORE), '""'
        elif len(names) == 1 and names[0] in self.fw.rates:
            values, labels = rate_name(names[0]), '""'
        else:
            values, labels = self.udf_values, self.udf_codes
        code = leaf.weight_input or (leaf.adjust.input if leaf.adjust else None)
        weight = input_name(code) if code in self.input_cells else '""'
        return self.udf_call("XE_SCORE", f'"{leaf.code}"', values, labels, weight=weight)

    def udf_call(self, function: str, *args: str, weight: str = '""') -> str:
        """An XE_ call: the arguments, then the framework (with a framework other than the
        shipped one) and the weight; trailing blank optional arguments left out."""
        full = [*args, '""' if self.shipped else FRAMEWORK_PATH, weight]
        while full[-1] == '""':
            full.pop()
        return f"{function}({','.join(full)})"

    def row_area(self, b: "RowBlockRows", first: int, last: int, sheet: str) -> str:
        """The input cells of rows `first`..`last` of block `b` (the 自定义指标 columns, in field order)."""
        cols = [c for _, c in b.columns]
        a = Ref(ROWS, b.row(first), min(cols))
        z = Ref(ROWS, b.row(last), max(cols))
        return f"{a.ref_from(sheet)}:${col_letter(z.col)}${z.row}"

    def subtotal_formulas(self, score: ScoreRows, summary: SummaryRows) -> None:
        fw = self.fw
        digits = fw.precision.score
        score_col = summary.node_levels + 2
        for n in fw.all_nodes():
            if n.code in summary.node_rows:
                scores = [score_name(x.code) for x in n.leaves]
                self.add(node_name(n), Ref(SUMMARY, summary.node_rows[n.code], score_col),
                         self.sum_formula(scores, digits), "level2" if n.depth == 2 else "node", FMT_SCORE)
        for l1 in fw.subtotalled:
            scores = [score_name(x.code) for x in l1.leaves]
            row = summary.l1_rows[l1.code]
            s = self.add(subtotal_name(l1.code), Ref(SUMMARY, row, SumCol.SCORE), self.sum_formula(scores, digits),
                         "level1", FMT_SCORE)
            w = summary.l1_weights[l1.code].ref.ref_from(SUMMARY)
            # blank for a weight the evaluation may set to 0, as the engine
            zero = any(x.weight_input or x.adjust for x in l1.leaves)
            blank = f'OR({s.name}="",N({w})=0)' if zero else f'{s.name}=""'
            self.add(subtotalrate_name(l1.code), Ref(SUMMARY, row, SumCol.RATE),
                     f'IF({blank},"",{self.round(f"{s.name}/{w}", fw.precision.score_rate)})', "level1_rate",
                     FMT_PCT)

    def total_formulas(self, score: ScoreRows, summary: SummaryRows, params: ParamRows) -> None:
        fw = self.fw
        # one level: no subtotals, the total is the sum of the indicators
        subtotals = ([subtotal_name(l1.code) for l1 in fw.subtotalled] if fw.subtotalled
                     else [score_name(x.code) for x in fw.leaves])
        self.add(TOTAL, Ref(SCORE, score.total, score.cols.SCORE), self.sum_formula(subtotals, fw.precision.total),
                 "total", FMT_SCORE)
        w = (score.total_weight if score.required_weight is None else score.required_weight).ref.ref_from(SCORE)
        self.add(TOTAL_RATE, Ref(SCORE, score.total, score.cols.RATE),
                 f'IF({TOTAL}="","",{self.round(f"{TOTAL}/{w}", fw.precision.score_rate)})', "total_rate", FMT_PCT)
        chain = '""'
        for g in reversed(params.grades):
            tests = []
            if g.lo is not None:
                tests.append(f"{TOTAL}{'>=' if g.lo_closed == '含' else '>'}{g.lo.ref.ref_from(SCORE)}")
            if g.hi is not None:
                tests.append(f"{TOTAL}{'<=' if g.hi_closed == '含' else '<'}{g.hi.ref.ref_from(SCORE)}")
            chain = f"IF({_and(tests)},{g.name.ref.ref_from(SCORE)},{chain})"
        grade = self.xe("XE_GRADE", TOTAL) if self.udf else f'IF({TOTAL}="","",{chain})'
        self.add(GRADE, Ref(SCORE, score.grade, score.cols.SCORE), grade, "grade")
        self.add(SUMMARY_TOTAL, Ref(SUMMARY, summary.total, SumCol.SCORE), TOTAL, "copy", FMT_SCORE)
        self.add(SUMMARY_TOTAL_RATE, Ref(SUMMARY, summary.total, SumCol.RATE), TOTAL_RATE, "copy", FMT_PCT)
        self.add(SUMMARY_GRADE, Ref(SUMMARY, summary.grade, SumCol.SCORE), GRADE, "copy")
        if score.weight_check:
            self.extra_rows.append(FormulaCell(None, Ref(SCORE, score.weight_check, score.cols.EXPLANATION),
                                               self.weight_check_formula(score, params), "weight_check"))

    def weight_check_formula(self, score: ScoreRows, params: ParamRows) -> str:
        """The live 权重核对 text (engine.score.inputs_problems): the open weights set so far,
        whether every branch with a declared weight and the whole tree add up, and whether
        each adjustable weight is one the framework allows."""
        fw = self.fw
        col = col_letter(score.cols.WEIGHT)
        checks = []                               # (still pending, wrong, what is wrong)
        groups = [(n.name, n.leaves, n.weight) for n in fw.all_nodes() if n.leaf is None and n.weight is not None]
        groups.append(("全部指标", fw.leaves, None))
        for label, leaves, expected in groups if fw.open_weights else ():
            if not any(x.weight_input for x in leaves):
                continue
            rows = [score.leaf_rows[x.code] for x in leaves]
            count, total = self.weights_added(leaves, f"${col}${min(rows)}:${col}${max(rows)}")
            want = _num_text(expected) if expected is not None else score.required_weight.ref.ref_from(SCORE)
            checks.append((f"{count}<{len(rows)}", f"{self.round(total, 9)}<>{want}",
                           formula_string(f"“{label}”的权重合计为 ") + f"&{total}&" + formula_string("，应为 ")
                           + f"&{want}&" + formula_string("；")))
        allowed = {wr.leaf.code: wr for wr in params.weights}
        for leaf in self.adjusted:
            wr, w = allowed[leaf.code], effective_name(leaf.adjust.input)
            if wr.values:
                ok = _or([f"ABS({w}-{v.ref.ref_from(SCORE)})<0.000000001" for v in wr.values])
            else:
                ok = _and([f"{w}{'>=' if wr.lo_closed == '含' else '>'}{wr.lo.ref.ref_from(SCORE)}",
                           f"{w}{'<=' if wr.hi_closed == '含' else '<'}{wr.hi.ref.ref_from(SCORE)}"])
            checks.append(("", f"NOT({ok})", formula_string(f"“{leaf.name}”的权重调整为 ") + f"&{w}&"
                           + formula_string(f"，框架只允许 {leaf.adjust.text()}；")))
        rows = score.leaf_rows.values()
        area = f"${col}${min(rows)}:${col}${max(rows)}"
        count, total = self.weights_added(fw.leaves, area)
        want = score.required_weight.ref.ref_from(SCORE)
        if self.adjusted and not fw.open_weights:
            moved = ("&" + formula_string("、") + "&").join(
                formula_string(f"{x.name} ") + f"&{effective_name(x.adjust.input)}" for x in self.adjusted)
            checks.append(("", f"{self.round(total, 9)}<>{want}", formula_string("调整后的权重合计为 ")
                           + f"&{self.round(total, 9)}&" + formula_string("，应为 ") + f"&{want}&" + formula_string("（")
                           + f"&{moved}&" + formula_string("）；")))
        wrong = "&".join(f'IF({bad},{text},"")' for _, bad, text in checks)
        ok = formula_string("权重已设定，合计正确")
        body = f'IF({_or([b for _, b, _ in checks])},{wrong},{ok})'
        if not fw.open_weights:
            return body
        n_fixed = sum(1 for x in fw.leaves if not x.weight_input)
        filled = count + (f"-{n_fixed}" if n_fixed else "")
        todo = (formula_string("待设定权重：已填 ") + f"&{filled}&"
                + formula_string(f" 项，共 {len(fw.open_weights)} 项"))
        return f'IF({_or([c for c, _, _ in checks if c])},{todo},{body})'

    def sum_formula(self, names: list[str], digits: int) -> str:
        """Rounded sum, blank ("") unless every term is a number (a blank "" or an XE_ error
        text in a term leaves the sum blank, in both modes)."""
        args = ",".join(names)
        return f'IF(COUNT({args})<{len(names)},"",{self.round(f"SUM({args})", digits)})'


def _num_text(x: float) -> str:
    from xl_eval.core.xlround import plain
    return plain(float(x))

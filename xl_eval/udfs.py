"""xlwings user-defined functions: the scoring engine in Excel cells.

Point xlwings at this module (UDF Modules = ``xl_eval.udfs``) and Excel gets
the XE_ functions below.  They hold no scoring logic: each one adapts its
arguments (single cells, blanks, Excel numbers, percent cells, text numbers
such as "16.5%" or "3592.06万元", 是/否 answers, label/value ranges) and calls
the engine (``engine.compute_rate``, ``score_leaf``, ``find_band``,
``grade_of``, ``evaluate``; ``xlround.xl_round``).  Off Windows xlwings'
decorators do nothing, so every function is also plain Python.

Conventions (the README documents them for users):

* Data arguments left blank give a blank result (the engine's "待填写"),
  never an error and never a misleading 0.
* Anything else that cannot be computed gives a text starting with
  ``#错误：`` and a short Chinese reason: text where a number is needed, an
  unknown leaf/rate/level/name, a blank control argument (leaf, rate_name,
  level, digits), a zero denominator the framework leaves undefined, a
  value outside every band, a cell holding an Excel error (#DIV/0! ...).
  An argument that already holds such a text is passed on unchanged, so
  the first error shows in every cell that depends on it.  No XE_ function
  raises.
* ``values``/``labels``: a single value (the leaf's one input or rate), a
  two-column range (names | values), or two ranges of the same size (values,
  labels).  Names are input labels or codes, or rate names or codes.
* A leaf whose weight the evaluation sets (open weight, or a weight the
  framework lets move): its value in the optional ``weight`` argument (after
  ``framework``), or as one more name | value row of the table.
* A leaf whose rows the unit defines (自定义指标): ``values`` is the block's
  input area, one line per row, the columns in the framework's field order
  (as on the 自定义指标 sheet); XE_ROW scores one such line.
* Framework: the optional argument ``framework`` (path of a YAML file, or
  the name of a shipped one such as ``dept_2013_53``), else the environment
  variable XE_FRAMEWORK, else the shipped Annex 1.
"""

from __future__ import annotations

import decimal
import functools
import math
import os
from pathlib import Path
from typing import Any

from xl_eval.engine import score as engine
from xl_eval.core.expr import parse as _parse_expr
from xl_eval.framework.model import DEFAULT_FRAMEWORK, Framework, FrameworkError, Leaf, Rate, RowBlock, load
from xl_eval.engine.inputs import parse_value
from xl_eval.core.values import ValueProblem, normalise_label, parse_number
from xl_eval.core.xlround import plain, xl_round

try:  # xlwings is an optional extra: without it the functions are plain Python
    import xlwings as xw
except ImportError:  # pragma: no cover - exercised only without the extra
    xw = None

ERROR_PREFIX = "#错误："
ENV_VAR = "XE_FRAMEWORK"
CATEGORY = "xl-eval"
INFINITY_TEXT = "∞"
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!")

__all__ = [
    "XE_ADJUSTMENT_RATE", "XE_CARRYOVER_RATE", "XE_THREE_PUBLIC_RATE", "XE_ASSET_USE_RATE",
    "XE_COMPLETION_RATE", "XE_RATE", "XE_RATIO", "XE_SCORE", "XE_EXPLAIN", "XE_ROW", "XE_BAND",
    "XE_ROUND", "XE_GRADE", "XE_SUBTOTAL", "XE_TOTAL", "XE_INPUTS",
]

# Parameters that take a whole range (read as a 2-D list); every other
# parameter is one cell.  Used by the xlwings decorators and by test harnesses.
RANGE_PARAMS = ("values", "labels", "row")


class UdfError(Exception):
    """A reason shown in the cell as '#错误：<reason>'."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# ------------------------------------------------------------ registration

_FRAMEWORK_DOC = ("可选。框架文件（YAML）的完整路径，或内置框架的名称（如 dept_2013_53）；"
                  "留空则用环境变量 XE_FRAMEWORK，再无则用内置的附件1框架")
_VALUES_DOC = ("单个值（该指标唯一的输入项或比率）；或两列区域（第一列名称，第二列值）；"
               "或与 labels 大小相同的值区域。比率可写 0.165、16.5% 或“16.5%”")
_LABELS_DOC = "可选。与 values 大小相同的名称区域（输入项或比率的名称或代码）；values 为两列区域时留空"
_WEIGHT_DOC = "可选。权重由评价设定（待定或可调）的指标：该指标的权重（打分表权重栏的单元格）"
_ROWS_VALUES_DOC = ("单位自定义指标行的指标：“自定义指标”表中该指标的填写区域（每行一个指标，各列与该表相同）；"
                    "其余指标见 XE_SCORE 的 values")


def _udf(**arg_docs: str):
    """Error-safe wrapper plus xlwings registration with Chinese argument docs."""
    def decorate(f):
        g = _cell_safe(f)
        if xw is None:
            return g
        for name, doc in arg_docs.items():
            options = {"ndim": 2} if name in RANGE_PARAMS else {}
            g = xw.arg(name, doc=doc, err_to_str=True, **options)(g)
        return xw.func(category=CATEGORY)(g)
    return decorate


def _cell_safe(f):
    @functools.wraps(f)
    def wrapper(*args):
        try:
            return _to_cell(f(*args))
        except UdfError as exc:
            return error_text(exc.reason)
        except FrameworkError as exc:
            return error_text(_framework_problem(exc))
        except Exception as exc:  # never a traceback in a cell
            return error_text(f"内部错误（{type(exc).__name__}：{exc}）"[:200])
    return wrapper


def error_text(reason: str) -> str:
    return reason if reason.startswith(ERROR_PREFIX) else ERROR_PREFIX + reason


def is_error(value: Any) -> bool:
    """True for the text an XE_ function shows instead of a result."""
    return isinstance(value, str) and value.startswith(ERROR_PREFIX)


def _to_cell(value: Any) -> Any:
    if isinstance(value, float):
        if math.isinf(value) and value > 0:
            return INFINITY_TEXT
        if not math.isfinite(value):
            raise UdfError("结果不是有限数字")
        return value + 0.0
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


# ---------------------------------------------------------------- framework

@functools.lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Framework:
    return load(path)


def get_framework(framework: Any = None) -> Framework:
    """The framework named by the argument, else by XE_FRAMEWORK, else the shipped one.

    Loaded frameworks are cached by path, modification time and size, so an
    edited file is reloaded on the next call.
    """
    raw = _text(framework, "framework") or os.environ.get(ENV_VAR, "").strip()
    path = _framework_file(raw) if raw else DEFAULT_FRAMEWORK
    try:
        st = path.stat()
    except OSError:
        raise UdfError(f"找不到框架文件 {path}") from None
    return _load_cached(str(path.resolve()), st.st_mtime_ns, st.st_size)


def _framework_file(raw: str) -> Path:
    """A file's path, else a shipped framework's name or id (as --framework takes it)."""
    path = Path(raw).expanduser()
    if path.exists() or any(sep in raw for sep in ("/", "\\")):
        return path
    from xl_eval.framework.registry import resolve
    return resolve(raw)


def _framework_problem(exc: FrameworkError) -> str:
    key, msg = exc.problems[0] if exc.problems else ("", str(exc))
    more = f"（另有{len(exc.problems) - 1}处）" if len(exc.problems) > 1 else ""
    return f"框架文件有误：{Path(exc.path).name}：{key or '(文件)'}：{msg}{more}"


# ------------------------------------------------------- argument adaptation

def _unwrap(v: Any) -> Any:
    """numpy arrays/scalars (formulas, pandas) to plain Python."""
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return v.tolist()
    return v


def _flat(v: Any) -> list:
    v = _unwrap(v)
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _flat(item)]
    return [v]


def _one(v: Any, what: str) -> Any:
    """The value of a single-cell argument (a 1x1 range arrives as a list)."""
    v = _unwrap(v)
    if isinstance(v, (list, tuple)):
        cells = _flat(v)
        if len(cells) != 1:
            raise UdfError(f"{what}应为单个单元格，实为{len(cells)}个单元格")
        v = cells[0]
    return _unwrap(v)


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip(" \t\r\n\u3000\xa0")


def _check_error(v: Any) -> None:
    """Pass on an XE_ error text; report an Excel error value."""
    if isinstance(v, str):
        if v.startswith(ERROR_PREFIX):
            raise UdfError(v)
        if v.strip().upper() in EXCEL_ERRORS:
            raise UdfError(f"引用的单元格是错误值 {v.strip().upper()}")


def _text(v: Any, what: str, required: bool = False) -> str | None:
    v = _one(v, what)
    _check_error(v)
    if _blank(v):
        if required:
            raise UdfError(f"缺少参数 {what}")
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _number(v: Any, what: str, kinds: tuple[str, ...] = ("score", "rate", "amount", "count")) -> float | None:
    """A plain number: Excel number, or text such as "16.5%", "3592.06万元", "28个"."""
    v = _one(v, what)
    _check_error(v)
    if _blank(v):
        return None
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        raise UdfError(f"{what}应为数字，实为逻辑值 {v}")
    if not isinstance(v, str):
        kinds = ("score",)
    first: ValueProblem | None = None
    for kind in kinds:
        try:
            return parse_number(v, kind=kind)
        except ValueProblem as exc:
            first = first or exc
    raise UdfError(f"{what}{first}")


def _rate_value(fw: Framework, v: Any, what: str) -> float | None:
    """A rate as the engine holds it: a fraction rounded to the framework's precision."""
    v = _one(v, what)
    _check_error(v)
    if isinstance(v, str) and v.strip() in (INFINITY_TEXT, "+" + INFINITY_TEXT):
        return math.inf
    if _blank(v):
        return None
    if isinstance(v, bool):
        raise UdfError(f"{what}应为比率，实为逻辑值 {v}")
    try:
        x = parse_number(v, kind="rate")
    except ValueProblem as exc:
        raise UdfError(f"{what}{exc}") from None
    return xl_round(x, fw.precision.rate)


def _input_value(fw: Framework, code: str, v: Any) -> Any:
    inp = fw.inputs[code]
    v = _one(v, inp.label)
    _check_error(v)
    try:
        return parse_value(inp, v)
    except ValueProblem as exc:
        raise UdfError(f"{inp.label}{exc}") from None


def _grid(v: Any) -> list[list]:
    """A range as rows: a scalar is 1x1, a flat list is one row."""
    v = _unwrap(v)
    if not isinstance(v, (list, tuple)):
        return [[v]]
    rows = [_unwrap(r) for r in v]
    if not any(isinstance(r, (list, tuple)) for r in rows):
        return [list(rows)]
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in rows]


def _given(v: Any) -> bool:
    """An optional range argument with at least one non-blank cell."""
    return v is not None and any(not _blank(_unwrap(c)) for c in _flat(v))


def _pairs(values: Any, labels: Any) -> list[tuple[Any, Any]]:
    """(name, value) pairs from a two-column range or from values + labels."""
    if _given(labels):
        vs, ls = _flat(values), _flat(labels)
        if len(vs) != len(ls):
            raise UdfError(f"values 有{len(vs)}个单元格，labels 有{len(ls)}个，应一样多")
        return list(zip(ls, vs))
    rows = _grid(values)
    if any(len(r) != 2 for r in rows):
        raise UdfError("values 应为两列区域（第一列名称，第二列值），或同时给出 labels")
    return [(r[0], r[1]) for r in rows]


def _name(fw: Framework, name: str) -> tuple[str, str] | None:
    """('input', code) or ('rate', code) for a label, name or code."""
    code = fw.input_code(name)
    if code is not None:
        return "input", code
    key = normalise_label(name)
    for rate in fw.rates.values():
        if key in (rate.code, normalise_label(rate.name)):
            return "rate", rate.code
    return None


def _collect(fw: Framework, pairs: list[tuple[Any, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Raw values by input code and by rate code; unparsed until needed."""
    inputs: dict[str, Any] = {}
    rates: dict[str, Any] = {}
    for raw_name, raw_value in pairs:
        raw_name, raw_value = _unwrap(raw_name), _unwrap(raw_value)
        _check_error(raw_name)
        if _blank(raw_name):
            continue
        name = str(int(raw_name) if isinstance(raw_name, float) and raw_name.is_integer() else raw_name).strip()
        found = _name(fw, name)
        if found is None:
            if _blank(raw_value):
                continue  # a heading row of a pasted input table
            raise UdfError(f"未知的名称“{name}”（应为输入项或比率的名称或代码）")
        kind, code = found
        target = inputs if kind == "input" else rates
        if code in target and not _blank(target[code]) and not _blank(raw_value):
            raise UdfError(f"名称“{name}”出现了两次")
        if code not in target or not _blank(raw_value):
            target[code] = raw_value
    return inputs, rates


def _leaf(fw: Framework, key: Any) -> Leaf:
    name = _text(key, "leaf（指标名称或代码）", required=True)
    try:
        return fw.leaf(name)
    except KeyError:
        pass
    wanted = normalise_label(name)
    for leaf in fw.leaves:
        if wanted in (leaf.code, normalise_label(leaf.name)):
            return leaf
    raise UdfError(f"未知的指标“{name}”")


def _rate(fw: Framework, key: Any) -> Rate:
    name = _text(key, "rate_name（比率名称或代码）", required=True)
    found = _name(fw, name)
    if found is None or found[0] != "rate":
        raise UdfError(f"未知的比率“{name}”")
    return fw.rates[found[1]]


def _leaf_names(leaf: Leaf) -> list[str]:
    return list(dict.fromkeys(n for part in leaf.parts for n in part.rule.input_names()))


def _rate_inputs(rate: Rate) -> list[str]:
    return list(dict.fromkeys(rate.numerator.names + rate.denominator.names))


# --------------------------------------------------------- engine plumbing

class _Named:
    """Inputs and rates for the engine, plus what was left blank."""

    def __init__(self, fw: Framework, inputs_raw: dict[str, Any], rates_raw: dict[str, Any],
                 needed: list[str], typed: bool = False):
        self.fw = fw
        given_rates = {c for c in rates_raw if c in needed}
        self.given_rates = sorted(given_rates)
        input_codes: list[str] = []
        for name in needed:
            if name in fw.rates and name not in given_rates:
                input_codes += _rate_inputs(fw.rates[name])
            elif name in fw.inputs:
                input_codes.append(name)
        input_codes = list(dict.fromkeys(input_codes))
        parsed = {c: inputs_raw[c] if typed else _input_value(fw, c, inputs_raw[c])
                  for c in input_codes if c in inputs_raw}
        self.values = engine.effective_values(fw, parsed)
        rates = {code: engine.compute_rate(rate, self.values, fw.precision.rate)
                 for code, rate in fw.rates.items()}
        for code in given_rates:
            rates[code] = _rate_value(fw, rates_raw[code], fw.rates[code].name)
        self.named = dict(self.values)
        self.named.update(rates)
        self.blank = [c for c in input_codes if self.values.get(c) is None]
        self.blank += [c for c in given_rates if rates[c] is None]
        # Rates the framework leaves undefined (zero denominator) although every input is there.
        self.undefined = [c for c in needed if c in fw.rates and c not in given_rates
                          and rates[c] is None
                          and all(self.values.get(n) is not None for n in _rate_inputs(fw.rates[c]))]

    def pending_text(self) -> str:
        return "待填写：" + "、".join(self.fw.label(c) for c in self.blank)


def _value_mode_name(fw: Framework, leaf: Leaf) -> str:
    names = [n for n in _leaf_names(leaf) if not (n in fw.inputs and fw.inputs[n].default is not None)]
    if len(names) != 1:
        labels = "、".join(fw.label(n) for n in _leaf_names(leaf))
        raise UdfError(f"指标“{leaf.name}”需要多个输入（{labels}），"
                       "请用两列区域（名称 | 值）或 values + labels 给出")
    return names[0]


def _leaf_inputs(fw: Framework, leaf: Leaf, values: Any, labels: Any):
    """Raw inputs and rates for a leaf from the values/labels convention."""
    if not _given(labels) and len(_flat(values)) == 1:
        name = _value_mode_name(fw, leaf)
        one = _one(values, "values")
        return ({name: one}, {}) if name in fw.inputs else ({}, {name: one})
    return _collect(fw, _pairs(values, labels))


def _weight_code(leaf: Leaf) -> str | None:
    """The input holding the leaf's weight when the evaluation sets it (open or adjustable)."""
    return leaf.weight_input or (leaf.adjust.input if leaf.adjust else None)


def _put_weight(fw: Framework, leaf: Leaf, named: dict[str, Any], weight: Any, table: dict[str, Any]) -> bool:
    """The leaf's weight into `named`, from the weight argument or else the table;
    True when an open weight is still blank (the score waits for it)."""
    code = _weight_code(leaf)
    if code is None:
        return False
    named[code] = _input_value(fw, code, weight if _given(weight) else table.get(code))
    return leaf.weight_input is not None and named[code] is None


def _score_leaf(fw: Framework, leaf: Leaf, values: Any, labels: Any, weight: Any = None):
    if leaf.rows is not None:
        return _score_rows_leaf(fw, leaf, values, labels, weight), None
    inputs_raw, rates_raw = _leaf_inputs(fw, leaf, values, labels)
    named = _Named(fw, inputs_raw, rates_raw, _leaf_names(leaf))
    if _put_weight(fw, leaf, named.named, weight, inputs_raw):
        named.blank.insert(0, _weight_code(leaf))
    result = engine.score_leaf(fw, leaf, named.named)
    if result.score is None and not named.blank:
        raise UdfError(_why_not(fw, leaf, result, named))
    return result, named


# ------------------------------------------------------ rows the unit defines

def _row_lines(block: RowBlock, v: Any, what: str) -> list[list]:
    """The lines of a rows block's input area, each as wide as the block's fields."""
    lines = _grid(v)
    width = len(block.fields)
    bad = next((len(r) for r in lines if len(r) != width), None)
    if bad is not None:
        labels = "、".join(f.label for f in block.fields)
        raise UdfError(f"{what}应为{width}列（{labels}），实为{bad}列")
    if len(lines) > block.max_rows:
        raise UdfError(f"{what}有{len(lines)}行，本指标最多{block.max_rows}行")
    return lines


def _row_values(fw: Framework, block: RowBlock, lines: list[list]) -> dict[str, Any]:
    """Raw values by input code: line i is row i of the block."""
    return {block.row_input(i, f.key): cell
            for i, line in enumerate(lines, 1) for f, cell in zip(block.fields, line)}


def _is_row_area(block: RowBlock, values: Any, labels: Any) -> bool:
    lines = _grid(values)
    return not _given(labels) and len(lines[0]) == len(block.fields)


def _score_rows_leaf(fw: Framework, leaf: Leaf, values: Any, labels: Any, weight: Any):
    """A rows leaf from its input area (or a name | value table of the row inputs)."""
    block = leaf.rows
    if _is_row_area(block, values, labels):
        raw = _row_values(fw, block, _row_lines(block, values, "values"))
    else:
        raw, _ = _collect(fw, _pairs(values, labels))
    codes = {block.row_input(i, f.key) for i in range(1, block.max_rows + 1) for f in block.fields}
    parsed = {c: _input_value(fw, c, v) for c, v in raw.items() if c in codes}
    named = engine.effective_values(fw, parsed)
    _put_weight(fw, leaf, named, weight, raw)
    result = engine.score_leaf(fw, leaf, named)
    if result.score is None and not _pending(leaf, result):
        raise UdfError(_rows_why_not(leaf, result))
    return result


def _pending(leaf: Leaf, result) -> bool:
    """A leaf without a score because something is still to be filled in (the engine's 待填写)."""
    return bool(result.missing) or (leaf.rows is not None and not result.parts)


def _rows_why_not(leaf: Leaf, result) -> str:
    reasons = [f"{p.name}：{p.explanation}" for p in result.parts if p.score is None]
    return f"{leaf.name}：{reasons[0] if reasons else result.explanation or '无法计算'}"


def _why_not(fw: Framework, leaf: Leaf, result, named: _Named) -> str:
    if named.undefined:
        reason = f"{fw.rates[named.undefined[0]].name}的分母为0，按框架规定无法计算"
    else:
        reasons = [p.explanation for p in result.parts if p.score is None and p.explanation not in ("", "待填写")]
        reason = reasons[0] if reasons else result.explanation or "无法计算"
    return reason if reason.startswith(leaf.name) else f"{leaf.name}：{reason}"


def _rate_result(fw: Framework, rate: Rate, inputs_raw: dict[str, Any]) -> float | None:
    named = _Named(fw, inputs_raw, {}, [rate.code])
    x = named.named[rate.code]
    if x is None and not named.blank:
        raise UdfError(f"{rate.name}的分母为0，按框架规定无法计算")
    return x


def _named_rate(framework: Any, code: str, args: dict[str, Any]) -> float | None:
    fw = get_framework(framework)
    if code not in fw.rates:
        raise UdfError(f"当前框架没有比率 {code}，请改用 XE_RATE")
    rate = fw.rates[code]
    extra = [n for n in _rate_inputs(rate) if n not in args]
    if extra:
        raise UdfError(f"当前框架的{rate.name}还需要：{'、'.join(fw.label(n) for n in extra)}，请改用 XE_RATE")
    return _rate_result(fw, rate, {c: v for c, v in args.items() if c in fw.inputs})


# ------------------------------------------------------------------- rates

@_udf(budget_initial="年初预算数（万元）：数字或“3592.06万元”这样的文字",
      budget_full="全年预算数（万元），即调整后的预算数",
      excluded="可选。不计入调整的预算调整数（万元）：因国家政策、不可抗力、上级交办产生的调整；留空按0",
      framework=_FRAMEWORK_DOC)
def XE_ADJUSTMENT_RATE(budget_initial, budget_full, excluded=None, framework=None):
    """预算调整率（小数，如0.165即16.5%），按框架公式计算并四舍五入到框架规定的位数（附件1：（|全年预算数−年初预算数|−不计入调整数）÷年初预算数）。任一必需输入为空时结果为空。"""
    return _named_rate(framework, "adjustment_rate",
                       {"budget_initial": budget_initial, "budget_full": budget_full, "adj_excluded": excluded})


@_udf(carryover="结转结余总额（万元）", budget_full="全年预算数（万元）", framework=_FRAMEWORK_DOC)
def XE_CARRYOVER_RATE(carryover, budget_full, framework=None):
    """结转结余率（小数）＝结转结余总额÷全年预算数，按框架公式计算并四舍五入。任一输入为空时结果为空。"""
    return _named_rate(framework, "carryover_rate", {"carryover": carryover, "budget_full": budget_full})


@_udf(actual="“三公”经费实际支出数（万元）", budget="“三公”经费预算数（万元）", framework=_FRAMEWORK_DOC)
def XE_THREE_PUBLIC_RATE(actual, budget, framework=None):
    """“三公”经费控制率（小数）＝实际支出数÷预算数，按框架公式计算并四舍五入；预算为0而有支出时为∞（超支）。"""
    return _named_rate(framework, "three_public_rate", {"three_public_actual": actual, "three_public_budget": budget})


@_udf(in_use="在用固定资产总额（万元）", total="固定资产总额（万元）", framework=_FRAMEWORK_DOC)
def XE_ASSET_USE_RATE(in_use, total, framework=None):
    """固定资产利用率（小数）＝在用固定资产总额÷固定资产总额，按框架公式计算并四舍五入；总额为0而在用额不为0时显示错误。"""
    return _named_rate(framework, "asset_use_rate", {"assets_in_use": in_use, "assets_total": total})


@_udf(completed="完成项目数（个）", planned="计划项目数（个）", framework=_FRAMEWORK_DOC)
def XE_COMPLETION_RATE(completed, planned, framework=None):
    """项目完成率（小数）＝完成项目数÷计划项目数，按框架公式计算并四舍五入；计划为0而完成数不为0时显示错误。"""
    return _named_rate(framework, "completion_rate", {"projects_completed": completed, "projects_planned": planned})


@_udf(rate_name="比率的名称或代码，如“预算调整率”或 adjustment_rate",
      values="两列区域（第一列输入项名称，第二列值），或与 labels 大小相同的值区域",
      labels=_LABELS_DOC, framework=_FRAMEWORK_DOC)
def XE_RATE(rate_name, values, labels=None, framework=None):
    """框架中任一比率（小数），由其输入项按框架公式计算并四舍五入。输入项以“名称 | 值”两列区域或 values + labels 给出；缺输入时结果为空。"""
    fw = get_framework(framework)
    rate = _rate(fw, rate_name)
    inputs_raw, _ = _collect(fw, _pairs(values, labels))
    return _rate_result(fw, rate, inputs_raw)


_RATIO_EXPRS = _parse_expr("numerator"), _parse_expr("denominator")


@_udf(numerator="分子：数字或“2.72万元”这样的文字", denominator="分母：数字；为0时显示错误",
      framework=_FRAMEWORK_DOC)
def XE_RATIO(numerator, denominator, framework=None):
    """通用比率＝分子÷分母（小数），按框架的比率精度四舍五入（与引擎计算比率的方式相同）。分子或分母为空时结果为空，分母为0时显示错误。"""
    fw = get_framework(framework)
    num = _number(numerator, "分子")
    den = _number(denominator, "分母")
    if num is None or den is None:
        return None
    ratio = Rate("ratio", "比率", _RATIO_EXPRS[0], _RATIO_EXPRS[1], "", None, None)
    x = engine.compute_rate(ratio, {"numerator": num, "denominator": den}, fw.precision.rate)
    if x is None:
        raise UdfError("分母为0，比率无法计算")
    return x


# ------------------------------------------------------------------ scores

@_udf(leaf="指标（三级指标）的中文名称或代码，如“预算调整率”",
      values=_VALUES_DOC + "。" + _ROWS_VALUES_DOC, labels=_LABELS_DOC, framework=_FRAMEWORK_DOC,
      weight=_WEIGHT_DOC)
def XE_SCORE(leaf, values, labels=None, framework=None, weight=None):
    """指标得分：按框架的评分规则由该指标的输入计算。只需一个输入的指标可直接给值，如 XE_SCORE("预算调整率",16.5%)；其余用“名称 | 值”两列区域或 values + labels；单位自定义指标行的指标给“自定义指标”表的填写区域；权重待定的指标另给 weight。缺输入时结果为空。"""
    fw = get_framework(framework)
    result, named = _score_leaf(fw, _leaf(fw, leaf), values, labels, weight)
    return result.score


@_udf(leaf="指标（三级指标）的中文名称或代码", values=_VALUES_DOC + "。" + _ROWS_VALUES_DOC, labels=_LABELS_DOC,
      framework=_FRAMEWORK_DOC, weight=_WEIGHT_DOC)
def XE_EXPLAIN(leaf, values, labels=None, framework=None, weight=None):
    """指标得分的中文说明（与 xl-eval 引擎的说明相同），如“预算调整率16.50%，处于10%（不含）至40%（含）档，得2分”。参数与 XE_SCORE 相同；缺输入时说明“待填写：…”。"""
    fw = get_framework(framework)
    result, named = _score_leaf(fw, _leaf(fw, leaf), values, labels, weight)
    if result.score is None and named is not None and named.given_rates:
        return named.pending_text()  # the engine would ask for the inputs of the rate given here
    return result.explanation


@_udf(leaf="有单位自定义指标行的指标名称或代码，如“产出指标”",
      row="“自定义指标”表中的一行填写区域（各列与该表相同：指标名称、指标性质、分值……）",
      framework=_FRAMEWORK_DOC)
def XE_ROW(leaf, row, framework=None):
    """单位自定义的一个指标行的得分（与引擎逐行计分相同：按该行的指标性质 ≥ ≤ = 定性 酌情计分，限制在 0 至该行分值之间）。该行未填写或缺少计分所需的值时结果为空。"""
    fw = get_framework(framework)
    lf = _leaf(fw, leaf)
    block = lf.rows
    if block is None:
        raise UdfError(f"指标“{lf.name}”没有单位自定义的指标行，请用 XE_SCORE")
    lines = _row_lines(block, row, "row")
    if len(lines) != 1:
        raise UdfError(f"row 应为一行，实为{len(lines)}行")
    named = engine.effective_values(fw, {c: _input_value(fw, c, v)
                                         for c, v in _row_values(fw, block, lines).items()})
    if not engine.row_is_filled(block, 1, named):
        return None
    result, missing = engine.score_row(fw, block, 1, named)
    if result.score is None and not missing:
        raise UdfError(f"{result.name}：{result.explanation}")
    return result.score


@_udf(leaf="分档计分的指标名称或代码，如“预算调整率”“固定资产利用率”",
      value="要查档的值；比率可写 0.165、16.5% 或“16.5%”（比率先按框架精度四舍五入）",
      framework=_FRAMEWORK_DOC)
def XE_BAND(leaf, value, framework=None):
    """值所在档的分值：按该指标的分档规则查找（端点含不含以框架为准）。值为空时结果为空；不在任何档内时显示错误。"""
    fw = get_framework(framework)
    lf = _leaf(fw, leaf)
    parts = [p for p in lf.parts if p.rule.kind == "bands"]
    if not parts:
        raise UdfError(f"指标“{lf.name}”不是分档计分")
    rule = parts[0].rule
    name = rule.value.single_name
    if name in fw.rates:
        x = _rate_value(fw, value, fw.rates[name].name)
    elif name in fw.inputs:
        x = _input_value(fw, name, value)
    else:
        x = _number(value, "value")
    if x is None:
        return None
    band = engine.find_band(rule.bands, x)
    if band is None:
        raise UdfError(f"{lf.name}：值 {plain(x)} 不在评分标准的任何档内")
    return band.points


# ------------------------------------------------------- rounding, grades

@_udf(x="要四舍五入的数字", digits="保留的小数位数（可为负数，与 Excel 的 ROUND 相同）")
def XE_ROUND(x, digits):
    """与 Excel 的 ROUND 完全相同的四舍五入（逢五进一、远离零，按显示的15位有效数字），如 XE_ROUND(2.675,2)=2.68、XE_ROUND(1.005,2)=1.01。x 为空时结果为空。"""
    n = _number(digits, "digits")
    if n is None:
        raise UdfError("缺少参数 digits")
    value = _number(x, "x")
    if value is None:
        return None
    try:
        return xl_round(value, int(n))
    except decimal.InvalidOperation:
        # The rounding position lies beyond Excel's 15 significant digits: nothing to round.
        return float(format(value, ".15g"))


@_udf(total="总分（0～100）", framework=_FRAMEWORK_DOC)
def XE_GRADE(total, framework=None):
    """总分对应的等级（附件1：优≥90，良80～90，中60～80，差<60，边界值属于较高等级）。总分为空或框架不划分等级时结果为空。"""
    fw = get_framework(framework)
    x = _number(total, "total")
    if x is None or not fw.grades:
        return None          # a framework without grades: blank, as the native template
    grade = engine.grade_of(fw, x)
    if grade is None:
        raise UdfError(f"总分 {plain(x)} 不在任何等级区间内")
    return grade


def _evaluation(fw: Framework, values: Any, labels: Any):
    inputs_raw, _ = _collect(fw, _pairs(values, labels))
    parsed = {c: _input_value(fw, c, v) for c, v in inputs_raw.items()}
    return engine.evaluate(fw, parsed)


def _check_leaves(fw: Framework, ev, leaves) -> None:
    """Raise for the first leaf whose score is undefined although its inputs are there."""
    for lf in leaves:
        result = ev.leaves[lf.code]
        if result.score is not None or _pending(lf, result):
            continue
        if lf.rows is not None:
            raise UdfError(_rows_why_not(lf, result))
        named = _Named(fw, ev.values, {}, _leaf_names(lf), typed=True)
        if not named.blank:
            raise UdfError(_why_not(fw, lf, ev.leaves[lf.code], named))


@_udf(level="一级或二级指标的名称或代码，如“决策”“预算执行”",
      values="全部输入项：两列区域（第一列名称，第二列值），或与 labels 大小相同的值区域",
      labels=_LABELS_DOC, framework=_FRAMEWORK_DOC)
def XE_SUBTOTAL(level, values, labels=None, framework=None):
    """一级或二级指标的得分小计（各指标得分之和，四舍五入），由输入项计算；比率由输入重算。该级下任一指标缺输入时结果为空。"""
    fw = get_framework(framework)
    name = _text(level, "level（一级或二级指标名称或代码）", required=True)
    key = normalise_label(name)
    ev = _evaluation(fw, values, labels)
    for l1 in fw.subtotalled:           # a one-level tree has no subtotals
        if key in (l1.code, normalise_label(l1.name)):
            _check_leaves(fw, ev, l1.leaves)
            return ev.level1[l1.code]
        for l2 in l1.children:
            if key in (l2.code, normalise_label(l2.name)):
                _check_leaves(fw, ev, l2.leaves)
                return ev.level2[l2.code]
    raise UdfError(f"未知的一级或二级指标“{name}”")


@_udf(values="全部输入项：两列区域（第一列名称，第二列值），或与 labels 大小相同的值区域",
      labels=_LABELS_DOC, framework=_FRAMEWORK_DOC)
def XE_TOTAL(values, labels=None, framework=None):
    """总分（各一级指标小计之和，四舍五入），由全部输入项计算；比率由输入重算。任一指标缺输入时结果为空。"""
    fw = get_framework(framework)
    ev = _evaluation(fw, values, labels)
    _check_leaves(fw, ev, fw.leaves)
    return ev.total


@_udf(leaf="指标（三级指标）的中文名称或代码", framework=_FRAMEWORK_DOC)
def XE_INPUTS(leaf, framework=None):
    """该指标计分所需的输入项或比率名称（以“、”分隔），可用作 XE_SCORE 两列区域的第一列；权重待定的指标最后是其权重；单位自定义指标行的指标为各列名称（填写区域的列顺序）。"""
    fw = get_framework(framework)
    lf = _leaf(fw, leaf)
    names = [f.label for f in lf.rows.fields] if lf.rows is not None else [fw.label(n) for n in _leaf_names(lf)]
    if _weight_code(lf):
        names.append(fw.label(_weight_code(lf)))
    return "、".join(names)

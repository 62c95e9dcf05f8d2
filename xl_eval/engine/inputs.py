"""From raw cell values to the typed inputs the engine takes.

Shared by `score`, `fill` and `check`: columns are matched to inputs by code
or Chinese label, every value is parsed for its input's kind, and what
cannot be read is reported (never guessed) with the raw value.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from xl_eval.framework.model import NO, YES, Framework, Input
from xl_eval.core.values import ValueProblem, normalise_label, parse_number
from xl_eval.core.xlround import plain

_YES_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "对"}
_NO_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗", "不是", "没有"}
_NUMBER_KIND = {"amount": "amount", "count": "count", "score": "score", "year": "count",
                "percent": "rate", "weight": "score"}
WEIGHT_ZERO = "权重应大于 0（不适用的指标请从框架中删去）"
_EXCEL_EPOCH = __import__("datetime").date(1899, 12, 30)
_DATE_RE = __import__("re").compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?\s*$")


@dataclass(frozen=True)
class InputProblem:
    code: str
    raw: Any
    reason: str
    suggestion: Any = None
    missing: bool = False      # a required input left blank (not a bad value)
    together: tuple[str, ...] = ()   # inputs wrong only together (weights not adding up)

    def message(self, fw: Framework) -> str:
        if self.together:
            return self.reason
        return f"“{fw.inputs[self.code].label}”{self.detail()}"

    def detail(self) -> str:
        """The reason with the raw value and the likely meant value."""
        text = self.reason
        if self.raw is not None and self.raw != "":
            text += f"（原值：{self.raw!r}）"
        if self.suggestion is not None:
            shown = plain(self.suggestion) if isinstance(self.suggestion, float) else self.suggestion
            text += f"，可能是 {shown}"
        return text


@dataclass(frozen=True)
class ColumnMap:
    codes: dict[str, str]          # column header -> input code
    unknown: tuple[str, ...]       # headers that match no input
    duplicates: tuple[tuple[str, str], ...]   # (header, code) matched twice
    suggestions: dict[str, str] = field(default_factory=dict)   # unknown header -> a close input label
    # header -> divisor for amounts whose header names another money unit ("决算数（元）": 10000)
    divisors: dict[str, float] = field(default_factory=dict)

    def did_you_mean(self, col: str) -> str:
        """'（是否应为“年初预算数”？）' for a misspelled header, else ''."""
        label = self.suggestions.get(col)
        return f"（是否应为“{label}”？）" if label else ""

    def conversions(self) -> list[tuple[str, str]]:
        """(header, Chinese note) for each column converted to 万元."""
        return [(col, f"按{'元' if d > 1 else '亿元'}填写，已换算为万元（{'÷' if d > 1 else '×'}{plain(max(d, 1 / d))}）")
                for col, d in self.divisors.items()]

    def raw(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """One table row's raw values by input code, amounts of a 元 / 亿元 column in 万元."""
        out = {}
        for col, code in self.codes.items():
            v = values.get(col)
            if col in self.divisors:
                v = _rescaled(v, self.divisors[col])
            out[code] = v
        return out


# Units a header may name after the label, in brackets: "年初预算数（万元）",
# "计划项目数(个)".  Money in 元 or 亿元 is converted to the framework's 万元.
_MONEY_UNITS = {"万元": 1.0, "元": 10000.0, "亿元": 1 / 10000}
_COUNT_UNITS = {"个", "项", "人", "处", "次", "件", "家", "分", "年", "%"}
_HEADER_UNIT = __import__("re").compile(r"^(.+?)[(]\s*([^()]{1,4}?)\s*[)]$")


def _header_unit(fw: Framework, col: str) -> tuple[str, float] | None:
    """(input code, divisor) for a header that is a label plus its unit in brackets."""
    m = _HEADER_UNIT.match("".join(unicodedata.normalize("NFKC", col).split()))
    if not m:
        return None
    code = fw.input_code(m.group(1).strip())
    if code is None:
        return None
    unit, inp = m.group(2), fw.inputs[code]
    if inp.kind == "amount":
        return (code, _MONEY_UNITS[unit]) if unit in _MONEY_UNITS else None
    own = unicodedata.normalize("NFKC", inp.unit or "")
    return (code, 1.0) if unit == own or (inp.kind != "text" and unit in _COUNT_UNITS) else None


def _rescaled(raw: Any, divisor: float) -> Any:
    """An amount of a 元 column in 万元; a cell that names its own unit is left as written."""
    if raw is None or (isinstance(raw, str) and "元" in raw):
        return raw
    try:
        x = parse_number(raw, kind="amount")
    except ValueProblem:
        return raw               # reported by parse_value with the raw text
    return raw if x is None else x / divisor


def map_columns(fw: Framework, columns: Iterable[str]) -> ColumnMap:
    codes: dict[str, str] = {}
    divisors: dict[str, float] = {}
    unknown, dup = [], []
    seen: dict[str, str] = {}
    for col in columns:
        code = fw.input_code(str(col).strip())
        divisor = 1.0
        if code is None:
            code, divisor = _header_unit(fw, str(col)) or (None, 1.0)
        if code is None:
            unknown.append(col)
        elif code in seen:
            dup.append((col, code))
        else:
            seen[code] = col
            codes[col] = code
            if divisor != 1.0:
                divisors[col] = divisor
    return ColumnMap(codes, tuple(unknown), tuple(dup), _suggest(fw, unknown, set(seen)), divisors)


def _suggest(fw: Framework, unknown: list[str], matched: set[str]) -> dict[str, str]:
    """A close label of an input without a column, for each unknown header."""
    import difflib
    keys: dict[str, str] = {}
    for code, inp in fw.inputs.items():
        if code not in matched:
            keys.setdefault(normalise_label(inp.label), inp.label)
            keys.setdefault(normalise_label(code), inp.label)
    out = {}
    for col in unknown:
        close = difflib.get_close_matches(normalise_label(str(col)), list(keys), n=1, cutoff=0.6)
        if close:
            out[col] = keys[close[0]]
    return out


def _blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and raw != raw:   # NaN
        return True
    return isinstance(raw, str) and not raw.strip(" \t\r\n\u3000\xa0")


def parse_value(inp: Input, raw: Any) -> Any:
    """Typed value of one input, None for blank; raises ValueProblem."""
    if _blank(raw):
        return None
    if inp.kind in _NUMBER_KIND:
        value = parse_number(raw, kind=_NUMBER_KIND[inp.kind])
        if value is None:
            return None
        if inp.kind in ("count", "year"):
            value = int(value)
        if inp.kind == "weight" and inp.required and value == 0:
            # an open weight of 0 would make the indicator's 得分率 0/0
            raise ValueProblem(WEIGHT_ZERO, raw)
        if inp.min is not None and value < inp.min:
            raise ValueProblem(f"不能小于 {plain(inp.min)}", raw)
        if inp.max is not None and value > inp.max:
            raise ValueProblem(f"不能大于 {plain(inp.max)}", raw)
        return value
    if inp.kind == "decimal":
        return _parse_decimal(inp, raw)
    if inp.kind == "date":
        return parse_date(raw)
    if inp.kind == "text":
        return str(raw).strip()[:2000]
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if inp.kind == "yes_no":
        if isinstance(raw, bool):
            return YES if raw else NO
        word = text.lower()
        if word in _YES_WORDS:
            return YES
        if word in _NO_WORDS:
            return NO
        raise ValueProblem("应填“是”或“否”", raw)
    # choice: exact option, or an option whose normalised text matches
    for option in inp.options:
        if normalise_label(option) == normalise_label(text):
            return option
    raise ValueProblem(f"应为以下选项之一：{'、'.join(inp.options)}", raw)


def _parse_decimal(inp: Input, raw: Any) -> float:
    """A plain number, optionally followed by the input's own unit ("120平方米")."""
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        unit = unicodedata.normalize("NFKC", inp.unit or "")
        if unit and text.endswith(unit):
            text = text[: -len(unit)].strip()
        elif text.endswith("%") and not unit:
            # Unit-less measures in a 自评 row: "95%" means 95 (the row's unit says %).
            text = text[:-1].strip()
        raw = text
    value = parse_number(raw, kind="score")
    if value is None:
        raise ValueProblem("不是数字", raw)
    if inp.min is not None and value < inp.min:
        raise ValueProblem(f"不能小于 {plain(inp.min)}", raw)
    if inp.max is not None and value > inp.max:
        raise ValueProblem(f"不能大于 {plain(inp.max)}", raw)
    return value


def parse_date(raw: Any) -> float:
    """A date as Excel's serial day number (1900 date system): 2024-12-31 -> 45657.

    Accepted: date/datetime objects, "2024-12-31", "2024/12/31", "2024.12.31",
    "2024年12月31日", and serial numbers 1..2958465 (what a date cell holds)."""
    import datetime
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return float((raw - _EXCEL_EPOCH).days)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw == raw and 1 <= raw <= 2958465:
            return float(int(raw))
        raise ValueProblem("不是有效的日期", raw)
    m = _DATE_RE.match(unicodedata.normalize("NFKC", str(raw)))
    if m:
        try:
            d = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueProblem("不是有效的日期", raw) from None
        return float((d - _EXCEL_EPOCH).days)
    raise ValueProblem("应为日期，如 2024-12-31 或 2024年12月31日", raw)


def parse_inputs(fw: Framework, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[InputProblem]]:
    """Typed values by input code and the problems found (blank required included)."""
    values: dict[str, Any] = {}
    problems: list[InputProblem] = []
    for code, inp in fw.inputs.items():
        rv = raw.get(code)
        try:
            values[code] = parse_value(inp, rv)
        except ValueProblem as exc:
            values[code] = None
            problems.append(InputProblem(code, rv, exc.reason, exc.suggestion))
            continue
        if values[code] is None and inp.required and inp.default is None:
            problems.append(InputProblem(code, rv, "为必填项，不能为空", missing=True))
    if any(p.rule.kind in ("either_or", "target") for leaf in fw.leaves for p in leaf.parts):
        from xl_eval.engine.score import effective_values, unneeded_inputs
        skip = unneeded_inputs(fw, effective_values(fw, values))
        problems = [p for p in problems if not (p.missing and p.code in skip)]
    if fw.open_weights or any(leaf.rows for leaf in fw.leaves):
        from xl_eval.engine.score import effective_values, inputs_problems
        for prob in inputs_problems(fw, effective_values(fw, values)):
            problems.append(InputProblem(prob.codes[-1], None, prob.message, together=prob.codes))
    return values, problems

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
_NUMBER_KIND = {"amount": "amount", "count": "count", "score": "score", "year": "count"}


@dataclass(frozen=True)
class InputProblem:
    code: str
    raw: Any
    reason: str
    suggestion: Any = None
    missing: bool = False      # a required input left blank (not a bad value)

    def message(self, fw: Framework) -> str:
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

    def did_you_mean(self, col: str) -> str:
        """'（是否应为“年初预算数”？）' for a misspelled header, else ''."""
        label = self.suggestions.get(col)
        return f"（是否应为“{label}”？）" if label else ""


def map_columns(fw: Framework, columns: Iterable[str]) -> ColumnMap:
    codes: dict[str, str] = {}
    unknown, dup = [], []
    seen: dict[str, str] = {}
    for col in columns:
        code = fw.input_code(str(col).strip())
        if code is None:
            unknown.append(col)
        elif code in seen:
            dup.append((col, code))
        else:
            seen[code] = col
            codes[col] = code
    return ColumnMap(codes, tuple(unknown), tuple(dup), _suggest(fw, unknown, set(seen)))


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
        if inp.min is not None and value < inp.min:
            raise ValueProblem(f"不能小于 {plain(inp.min)}", raw)
        if inp.max is not None and value > inp.max:
            raise ValueProblem(f"不能大于 {plain(inp.max)}", raw)
        return value
    if inp.kind == "text":
        return str(raw).strip()
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
    return values, problems

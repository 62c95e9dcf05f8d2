"""Reading numbers the way finance staff really type them.

``parse_number`` turns one cell value into a float (or None for a blank cell)
according to the kind of column it comes from, and raises ``ValueProblem``
with a short Chinese reason when the value cannot be taken as it stands.

Decisions (documented for users):

* Blank means: None, NaN, "" or whitespace only (including U+3000 and NBSP),
  and a dash on its own ("-", "--", "—", "——", "–", "－", "−").  In budget
  tables a lone dash means "nothing entered / not applicable"; it is NOT read
  as zero, so a required figure given as "-" is reported as missing by the
  caller instead of being silently taken as 0.
* Amounts are in 万元 and are never converted: "3592.06", "3592.06万元" and
  "3592.06万" all give 3592.06.  Other money units (元, 千元, 亿元) are
  rejected with the converted value as the suggestion.
* Rates are fractions.  "16.5%" gives 0.165; a plain 0.165 stays 0.165.  A
  plain *text* number above 1 without "%" ("16.5") is ambiguous (16.5% or
  1650%?) and is rejected; a number cell (int/float, e.g. from an Excel cell
  formatted as percent, which stores 1.2 for 120%) is taken as it is.
* Counts must be non-negative integers; 28.0 is fine (-> 28.0).  Results are
  always floats.
* Scores and rates may be negative; amounts and counts may not.  Range checks
  (score within [0, weight] ...) belong to the caller.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from decimal import Decimal, InvalidOperation

KINDS = ("amount", "count", "score", "rate")

NOT_A_NUMBER = "不是数字"
NEGATIVE = "不能为负数"
NOT_INTEGER = "应为整数"
UNIT_UNCLEAR = "单位不明确"
NOT_PERCENT = "不应为百分数"
BAD_GROUPING = "千分位逗号位置不对"
SEVERAL_NUMBERS = "含多个数字"
CHINESE_NUMERAL = "应写阿拉伯数字"

_BLANK_DASHES = {"-", "--", "—", "——", "–", "−", "―"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_QUOTES = dict.fromkeys(map(ord, "\"'“”‘’「」『』〝〞"))

_NUMBER_RE = re.compile(
    r"(?P<prefix>¥?)\s*(?P<sign>[+\-−]?)\s*"
    r"(?P<num>(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<exp>[eE][+\-]?[0-9]+)?"
    r"\s*(?P<unit>[^0-9]*)"
)
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_TOKEN_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_CHINESE_RE = re.compile(r"(?P<num>[零〇一二三四五六七八九十百千万两]+)\s*(?P<unit>.*)")

# unit -> factor to 万元; units other than 万元 are accepted only as a suggestion
_AMOUNT_UNITS = {"": Decimal(1), "万元": Decimal(1), "万": Decimal(1)}
_AMOUNT_WRONG_UNITS = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "亿元": Decimal(10000),
    "亿": Decimal(10000),
}
_COUNT_UNITS = {""} | set("个项处件条次家人户台套辆份篇场名所座间") | {"人次"}
_SCORE_UNITS = {"", "分"}
_PERCENT_UNITS = {"%": Decimal("0.01"), "‰": Decimal("0.001")}
_KNOWN_UNITS = (set(_AMOUNT_UNITS) | set(_AMOUNT_WRONG_UNITS) | _COUNT_UNITS
                | _SCORE_UNITS | set(_PERCENT_UNITS))


class ValueProblem(ValueError):
    """A cell value that cannot be read as the number the column expects.

    ``reason`` is a short Chinese text, ``raw`` the original value and
    ``suggestion`` the value it most likely meant (only when unambiguous).
    The message does not say where the cell is; callers add that.
    """

    def __init__(self, reason: str, raw: object, suggestion: float | None = None,
                 detail: str | None = None):
        self.reason = reason
        self.raw = raw
        self.suggestion = suggestion
        self.detail = detail
        text = f"“{raw}”：{reason}"
        if detail:
            text += f"（{detail}）"
        if suggestion is not None:
            text += f"，是否应为 {format_plain(suggestion)}？"
        super().__init__(text)

    def __reduce__(self):
        return (type(self), (self.reason, self.raw, self.suggestion, self.detail))


def format_plain(value: float) -> str:
    """Shortest text for a float: 3000.0 -> "3000", 0.359206 -> "0.359206"."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def normalise_label(text: str) -> str:
    """Key for matching headers/labels: NFKC, no whitespace, no quotes, ASCII lower-case."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE)
    text = "".join(text.split()).translate(_QUOTES)
    return "".join(c.lower() if c.isascii() else c for c in text)


def parse_number(raw: object, *, kind: str = "amount") -> float | None:
    """Read one cell value as a number of the given kind; None when blank."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if raw is None:
        return None
    if isinstance(raw, str):
        return _parse_text(raw, kind)
    if type(raw).__name__ in ("NAType", "NaTType"):  # pandas.NA / pandas.NaT
        return None
    if isinstance(raw, bool) or type(raw).__name__ in ("bool", "bool_"):
        raise ValueProblem(NOT_A_NUMBER, raw)
    if isinstance(raw, Decimal):
        if raw.is_nan():
            return None
        if not raw.is_finite():
            raise ValueProblem(NOT_A_NUMBER, raw)
        return _check(raw, kind, raw)
    if isinstance(raw, numbers.Real):
        value = float(raw)
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueProblem(NOT_A_NUMBER, raw)
        return _check_float(value, kind, raw)
    raise ValueProblem(NOT_A_NUMBER, raw)


def chinese_numeral(text: str) -> int | None:
    """Value of a simple Chinese numeral ("二十八", "一万二千"), None if not simple.

    Handles 零〇一二三四五六七八九两 with 十百千 and one 万 level.  Colloquial
    forms that drop the last unit ("三千五", "一万二") are ambiguous and give None.
    """
    if not text:
        return None
    if text in ("零", "〇"):
        return 0
    if text.count("万") > 1:
        return None
    high, sep, low = text.partition("万")
    if sep:
        high_value = _section(high)
        if high_value is None or high_value[0] == 0:
            return None
        if not low:
            return high_value[0] * 10000
        if low[0] in "零〇":
            low_value = _section(low[1:])
            if low_value is None or low_value[0] == 0:
                return None
        else:
            low_value = _section(low)
            # "一万二千" is fine; "一万二" (12000?) and "一万二十" are not
            if low_value is None or low_value[1] != 1000:
                return None
        return high_value[0] * 10000 + low_value[0]
    section = _section(text)
    return None if section is None else section[0]


# --- internals -------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}


def _section(text: str) -> tuple[int, int] | None:
    """Parse a numeral below 10000; return (value, largest unit used) or None."""
    if not text:
        return None
    total, pending, last_unit, top_unit, after_zero = 0, None, 10000, 0, False
    for i, ch in enumerate(text):
        if ch in ("零", "〇"):
            if pending is not None or i == 0 or after_zero:
                return None
            after_zero = True
        elif ch in _DIGITS:
            if pending is not None:
                return None
            pending = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            if pending is None:
                if not (unit == 10 and i == 0):
                    return None
                pending = 1  # "十二" = 12
            if after_zero and unit * 10 >= last_unit:
                return None  # "一千零五十" is fine, "一百零五十" is not
            total += pending * unit
            top_unit = max(top_unit, unit)
            pending, last_unit, after_zero = None, unit, False
        else:
            return None
    if after_zero and pending is None:
        return None
    if pending is not None:
        # a bare last digit must be the ones place: "五", "二十八", "一百零五"
        if last_unit not in (10000, 10) and not after_zero:
            return None
        total += pending
        top_unit = max(top_unit, 1)
    return total, top_unit


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return text.strip()


def _parse_text(raw: str, kind: str) -> float | None:
    text = _clean(raw)
    if not text or text in _BLANK_DASHES:
        return None
    negative = False
    if len(text) > 2 and text[0] == "(" and text[-1] == ")":
        # accounting style negative: (123.45)
        negative, text = True, text[1:-1].strip()

    match = _NUMBER_RE.fullmatch(text)
    if match:
        num = match["num"]
        if "," in num and not _GROUPED_RE.fullmatch(num):
            raise ValueProblem(BAD_GROUPING, raw)
        try:
            value = Decimal(num.replace(",", "") + (match["exp"] or ""))
        except InvalidOperation:  # pragma: no cover - the regex prevents this
            raise ValueProblem(NOT_A_NUMBER, raw) from None
        if match["sign"] in ("-", "−"):
            negative = not negative
        if negative:
            value = -value
        if match["prefix"]:
            raise ValueProblem(UNIT_UNCLEAR, raw, detail="“¥”表示元还是万元？本列应填万元数")
        return _with_unit(value, match["unit"].strip("()（） "), kind, raw)

    if len(_TOKEN_RE.findall(text)) >= 2:
        raise ValueProblem(SEVERAL_NUMBERS, raw)

    match = _CHINESE_RE.fullmatch(text)
    if match and match["unit"].strip("()（） ") in _KNOWN_UNITS:
        raise ValueProblem(CHINESE_NUMERAL, raw,
                           _chinese_suggestion(match["num"], match["unit"].strip("()（） "),
                                               negative, kind))
    raise ValueProblem(NOT_A_NUMBER, raw)


def _chinese_suggestion(num: str, unit: str, negative: bool, kind: str) -> float | None:
    if kind == "amount" and not unit and "万" in num:
        if not num.endswith("万"):
            return None  # "一万二千" in a 万元 column: 元 or 万元? ambiguous
        num, unit = num[:-1], "万"  # "两万" in a 万元 column means 2 万元
    value = chinese_numeral(num)
    if value is None:
        return None
    decimal_value = Decimal(-value if negative else value)
    try:
        return _with_unit(decimal_value, unit, kind, num)
    except ValueProblem as problem:
        return problem.suggestion


def _with_unit(value: Decimal, unit: str, kind: str, raw: object) -> float:
    """Apply the unit written after the number, then check the value."""
    if kind == "amount":
        if unit in _AMOUNT_UNITS:
            return _check(value, kind, raw)
        if unit in _AMOUNT_WRONG_UNITS:
            raise ValueProblem(f"单位应为万元（填的是{unit}）", raw,
                               _try_check(value * _AMOUNT_WRONG_UNITS[unit], kind))
    elif kind == "count":
        if unit in _COUNT_UNITS:
            return _check(value, kind, raw)
    elif kind == "score":
        if unit in _SCORE_UNITS:
            return _check(value, kind, raw)
    else:  # rate
        if unit in _PERCENT_UNITS:
            return _check(value * _PERCENT_UNITS[unit], kind, raw)
        if not unit:
            if abs(value) > 1:
                raise ValueProblem(UNIT_UNCLEAR, raw,
                                   detail=f"是 {_plain(value)}% 还是 {_plain(value * 100)}%？"
                                          "请写成带 % 的百分数或小数")
            return _check(value, kind, raw)
    if unit in _PERCENT_UNITS:
        raise ValueProblem(NOT_PERCENT, raw)
    raise ValueProblem(NOT_A_NUMBER, raw)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _try_check(value: Decimal, kind: str) -> float | None:
    try:
        return _check(value, kind, value)
    except ValueProblem:
        return None


def _check(value: Decimal, kind: str, raw: object) -> float:
    """Check sign/integrality of an exact value and return it as a float."""
    if kind in ("amount", "count") and value < 0:
        raise ValueProblem(NEGATIVE, raw)
    if kind == "count" and value != value.to_integral_value():
        raise ValueProblem(NOT_INTEGER, raw)
    result = float(value)
    if math.isinf(result):
        raise ValueProblem(NOT_A_NUMBER, raw)
    return result + 0.0  # turn -0.0 into 0.0


def _check_float(value: float, kind: str, raw: object) -> float:
    """Same as _check for a number cell; allows float noise in integer counts."""
    if kind in ("amount", "count") and value < 0:
        raise ValueProblem(NEGATIVE, raw)
    if kind == "count":
        nearest = round(value)
        if abs(value - nearest) > 1e-9 * max(1.0, abs(value)):
            raise ValueProblem(NOT_INTEGER, raw)
        value = float(nearest)
    return value + 0.0

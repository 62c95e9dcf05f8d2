"""Helpers every form (打分表, 自评表 ...) shares: text size, row heights, safe text.

Row heights.  No spreadsheet autofits rows when it *opens* a file: Excel,
WPS and LibreOffice all show the stored height (LibreOffice also ignores a
missing ``customHeight``).  So every row that holds wrapped text gets a
height computed here from its texts and column widths, and the writers
leave ``customHeight`` off those rows, so that Excel and WPS autofit the row
again when an evaluator types a longer text into it later.

The estimate is deliberately generous: it must hold for the narrowest
rendering we know (LibreOffice with DejaVu Sans / Noto Sans CJK substituted
for 等线), and a few points of white space in Excel cost nothing, while a
cut sentence on the printed table is a defect.

Safe text.  Framework text (titles, names, rules, options ...) is data,
never a formula: cells get it as a string whatever its first character
(``set_text``), and text placed inside a formula's string literal has its
double quotes doubled (``formula_string``).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any, Iterable

BODY_SIZE = 10                 # points: the body font of every form
FORMULA_START = ("=", "+", "-", "@")   # what a spreadsheet may run as a formula when typed or imported

# Widths in Excel column units (one unit = the width of "0" in the default font).
WIDE_CHAR = 1.9                # a CJK character (or full-width punctuation) at 10 pt
NARROW_CHAR = 1.15             # a Latin letter or digit (DejaVu Sans is wide)
LINE_FACTOR = 1.35             # line height / font size (等线 in Excel; LibreOffice fits more characters a line)
ROW_PADDING = 5.0              # points above and below the text


def text_width(text: str, size: float = BODY_SIZE) -> float:
    """Width of one line of `text` in Excel column units at `size` points."""
    w = 0.0
    for ch in text:
        w += WIDE_CHAR if unicodedata.east_asian_width(ch) in "WFA" else NARROW_CHAR
    return w * size / BODY_SIZE


def line_count(text: str, col_width: float, size: float = BODY_SIZE) -> int:
    """Lines `text` takes when wrapped in a column `col_width` units wide.

    Characters are laid one by one (CJK text breaks anywhere); a line loses
    about one character to the rule that punctuation may not start a line."""
    usable = max(col_width - 1.2, 1.0)
    lines = 0
    for para in str(text).split("\n"):
        if not para:
            lines += 1
            continue
        n, used = 1, 0.0
        for ch in para:
            w = text_width(ch, size)
            if used + w > usable:
                n += 1
                used = 0.0
            used += w
        lines += n
    return lines


def row_height(texts_widths: Iterable[tuple[Any, float]], size: float = BODY_SIZE,
               minimum: float = 18.0) -> float:
    """Row height (points) that shows every wrapped text in full.

    `texts_widths`: (text, width of the cell in column units) for each
    cell of the row (a merged cell: the sum of its columns' widths)."""
    lines = max((line_count(str(t), w, size) for t, w in texts_widths if t not in (None, "")), default=1)
    return max(minimum, round(lines * size * LINE_FACTOR + ROW_PADDING, 1))


def looks_like_formula(text: Any) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_START)


def set_text(cell, value: Any) -> None:
    """Put `value` in an openpyxl cell; text stays text even when it starts with '='."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def formula_string(text: str) -> str:
    """`text` as an Excel string literal: in double quotes, inner quotes doubled."""
    return '"' + str(text).replace('"', '""') + '"'


def list_validation(options: Iterable[str]) -> str:
    """A data-validation list formula for `options` (quotes doubled)."""
    return formula_string(",".join(options))


def ceil_points(x: float) -> float:
    return math.ceil(x * 2) / 2

"""Helpers every form (打分表, 自评表 ...) shares: text size, row heights, safe text.

Row heights.  Excel recomputes the height of a row that carries no
``customHeight`` when it opens the file (the stored ``ht`` is only a cache
there; WPS follows Excel), so Excel and WPS fit these rows themselves, and
again whenever an evaluator types a longer text.  LibreOffice does not: it
shows the stored ``ht`` whatever ``customHeight`` says.  So every row that
holds wrapped text gets a height computed here for LibreOffice, and the
writers leave ``customHeight`` off it.

The numbers are LibreOffice's, measured (tests/test_template_pdf.py
re-measures them on the machine that runs the suite): a column unit is the
width of a digit of the workbook's default font, which LibreOffice on Linux
renders with DejaVu Sans (7.0 pt at 11 pt, where Excel's Calibri digit is
5.25 pt: LibreOffice fits about 23 CJK characters on a line Excel wraps at
17); CJK text is drawn with Noto Sans CJK, 1 em wide and 1.45 em a line.

Safe text.  Framework text (titles, names, rules, options ...) is data,
never a formula: cells get it as a string whatever its first character
(``set_text``), and text placed inside a formula's string literal has its
double quotes doubled (``formula_string``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Iterable

BODY_SIZE = 10                 # points: the body font of every form
FORMULA_START = ("=", "+", "-", "@")   # what a spreadsheet may run as a formula when typed or imported

# Widths in Excel column units (one unit = the width of "0" in the default font), as
# Excel draws them: what a column must hold for a header never to break mid-word anywhere.
WIDE_CHAR = 1.9                # a CJK character (or full-width punctuation) at 10 pt
NARROW_CHAR = 1.15             # a Latin letter or digit

# LibreOffice's rendering (measured, see the module docstring): points per column unit,
# the cell's inner margins, a Latin letter or digit in em, the line pitch in em.
LO_UNIT_PT = 7.0
LO_MARGIN_PT = 3.0
LO_NARROW_EM = 0.64
LO_LINE_EM = 1.45
ROW_PADDING = 4.0              # points above and below the text


def text_width(text: str, size: float = BODY_SIZE) -> float:
    """Width of one line of `text` in Excel column units at `size` points (as Excel draws it)."""
    w = 0.0
    for ch in text:
        w += WIDE_CHAR if _wide(ch) else NARROW_CHAR
    return w * size / BODY_SIZE


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA"


_WIDE: dict[str, bool] = {}            # _wide by character: line_count runs over every drafted text fill writes
_TOKEN = re.compile(r"[A-Za-z0-9.,%]+|.")


def _is_wide(ch: str) -> bool:
    wide = _WIDE.get(ch)
    if wide is None:
        wide = _wide(ch)
        if len(_WIDE) < 1 << 16:
            _WIDE[ch] = wide
    return wide


def line_count(text: str, col_width: float, size: float = BODY_SIZE) -> int:
    """Lines `text` takes in LibreOffice when wrapped in a column `col_width` units wide.

    Characters are laid one by one (CJK text breaks anywhere, so does LibreOffice);
    a Latin word that does not fit moves to the next line whole, as it does on screen."""
    usable = max(col_width * LO_UNIT_PT - LO_MARGIN_PT, size)
    narrow = LO_NARROW_EM * size
    lines = 0
    for para in str(text).split("\n"):
        if len(para) * size <= usable:
            lines += 1           # fits even if every character were wide (no character is wider)
            continue
        n, used = 1, 0.0
        for word in _TOKEN.findall(para):
            if len(word) == 1:                           # one character (most of a CJK text)
                w = size if _is_wide(word) else narrow
                if used + w > usable and used > 0:
                    n, used = n + 1, w
                else:
                    used += w
                continue
            w = sum(size if _is_wide(ch) else narrow for ch in word)
            if used + w > usable:
                if w <= usable:                          # an unbreakable word: next line (used > 0 here)
                    n, used = n + 1, w
                    continue
                # longer than a line, even at its start: broken anywhere, like CJK text
                for ch in word:                          # characters, one by one
                    cw = size if _is_wide(ch) else narrow
                    if used + cw > usable and used > 0:
                        n, used = n + 1, 0.0
                    used += cw
                continue
            used += w
        lines += n
    return lines


def row_height(texts_widths: Iterable[tuple[Any, float]], size: float = BODY_SIZE,
               minimum: float = 18.0) -> float:
    """Row height (points) that shows every wrapped text in full in LibreOffice.

    `texts_widths`: (text, width of the cell in column units) for each
    cell of the row (a merged cell: the sum of its columns' widths)."""
    lines = max((line_count(str(t), w, size) for t, w in texts_widths if t not in (None, "")), default=1)
    return max(minimum, math.ceil((lines * size * LO_LINE_EM + ROW_PADDING) * 2) / 2)


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

"""Numbers in the report as the workbook shows them.

The digits come from the number format of the workbook cell that holds the
same figure (layout.py is the one source of those formats), so a score the
打分表 shows as 4.40 is 4.40 in the report too, never 4.4 or 4.399999.
"""

from __future__ import annotations

import math
import re

from xl_eval.core.xlround import fixed, plain
from xl_eval.forms.scoresheet import layout as L

_DECIMALS = re.compile(r"0(?:\.(0+))?(%?)\s*$")


def shown(value, number_format: str = L.FMT_GENERAL) -> str:
    """*value* formatted as Excel shows it with *number_format* (the formats
    the template uses: General, 0, 0.00, 0.00% and the ∞ rate format)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    x = float(value)
    if math.isinf(x) or x >= L.INF_VALUE:
        return "∞"
    last = number_format.split(";")[-1]
    m = _DECIMALS.search(last)
    if number_format == L.FMT_GENERAL or m is None:
        return plain(x)
    digits = len(m.group(1) or "")
    if m.group(2):
        return fixed(x * 100, digits) + "%"
    return fixed(x, digits)


def formats(fw) -> dict[str, str]:
    """Defined name -> number format of its cell in the workbook of *fw* (empty
    when the scoresheet form cannot lay this framework out: defaults apply)."""
    try:
        return {name: cell.number_format for name, cell in L.layout(fw).computed.items()}
    except Exception:       # a framework the scoresheet cannot lay out still gets a report
        return {}


class Figures:
    """Shown text of each figure of one evaluation, with the workbook's formats."""

    def __init__(self, fw, ev):
        self.fw, self.ev = fw, ev
        self._formats = formats(fw)

    def _fmt(self, name: str, value) -> str:
        default = L.FMT_PCT if name.startswith(("scorerate_", "subtotalrate_", L.TOTAL_RATE)) else L.FMT_SCORE
        return shown(value, self._formats.get(name, default))

    @staticmethod
    def points(x) -> str:
        """A weight or a maximum (General format: 5, 0.25)."""
        return "" if x is None else plain(float(x))

    def leaf(self, code: str) -> str:
        return self._fmt(L.score_name(code), self.ev.leaves[code].score)

    def leaf_rate(self, code: str) -> str:
        return self._fmt(L.scorerate_name(code), self.ev.leaves[code].score_rate)

    def level2(self, code: str) -> str:
        return self._fmt(L.sub2_name(code), self.ev.level2[code])

    def node(self, node, value) -> str:
        """A branch node's score below the top level (level 2: the 汇总 sheet's format)."""
        return self._fmt(L.sub2_name(node.code), value)

    def level1(self, code: str) -> str:
        if code not in self.ev.level1:      # a one-level tree: the top node is an indicator, no subtotal
            return self.leaf(code)
        return self._fmt(L.subtotal_name(code), self.ev.level1[code])

    def level1_rate(self, code: str) -> str:
        if code not in self.ev.level1_rates:
            return self.leaf_rate(code)
        return self._fmt(L.subtotalrate_name(code), self.ev.level1_rates[code])

    def total(self) -> str:
        return self._fmt(L.TOTAL, self.ev.total)

    def total_rate(self) -> str:
        return self._fmt(L.TOTAL_RATE, self.ev.total_rate)

    def rate_of(self, value, name: str, digits_format: str = L.FMT_PCT) -> str:
        return shown(value, self._formats.get(name, digits_format))

"""Excel-exact rounding and the number texts shown to users.

Excel's ROUND rounds half away from zero on the value as Excel shows it
(15 significant digits).  Python's round() rounds half to even on the binary
float, so it disagrees on 0.125, 2.675, 1.005 ...  Everything in xl-eval that
rounds goes through xl_round.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

# Enough digits for any double quantized to any sensible number of decimals.
_CONTEXT = Context(prec=400)


def xl_round(x: float, digits: int = 0) -> float:
    """Excel's ROUND(x, digits)."""
    if x is None or not math.isfinite(x):
        return x
    shown = Decimal(format(x, ".15g"))
    step = Decimal(1).scaleb(-digits)
    return float(shown.quantize(step, rounding=ROUND_HALF_UP, context=_CONTEXT))


def fixed(x: float, digits: int) -> str:
    """Text of x rounded like Excel with exactly `digits` decimals ("16.50")."""
    return f"{xl_round(x, digits):.{digits}f}"


def plain(x: float) -> str:
    """Shortest text of a point value or threshold: 2 -> "2", 0.25 -> "0.25"."""
    text = format(Decimal(format(x, ".15g")).normalize(), "f")
    return text


def percent(rate: float, digits: int = 2) -> str:
    """A fraction as a percentage with fixed decimals: 0.165 -> "16.50%"."""
    if rate == math.inf:
        return "∞"
    return f"{fixed(rate * 100, digits)}%"


def percent_plain(rate: float) -> str:
    """A threshold as a short percentage: 0.1 -> "10%", 0.405 -> "40.5%"."""
    return plain(xl_round(rate * 100, 10)) + "%"

"""Tiny arithmetic expressions used by framework files for rate numerators,
denominators and rule values, e.g. ``max(0, abs(budget_full - budget_initial) - adj_excluded)``.

One parsed expression is evaluated by the engine and translated into an Excel
formula by the template, so both compute the same thing in the same order.
Only + - * /, unary minus, numbers, names and abs/min/max are allowed:
anything else is rejected when the framework loads.  Division by anything but
a number literal is allowed only where the caller declares what a zero
denominator gives (``allow_division=True``); the engine then catches
ZeroDivisionError and the template wraps the formula in IF(divisor=0, ...).

Hostile files: the text is limited to MAX_LENGTH characters and nesting to
MAX_DEPTH before Python's parser sees it, and number constants to
|x| <= MAX_CONSTANT, so no expression can exhaust the stack or overflow.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Callable, Mapping

FUNCTIONS = {"abs": "ABS", "min": "MIN", "max": "MAX"}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
# Excel operator precedence matches Python's for these four.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_CONSTANT = 1e15


class ExprError(ValueError):
    pass


@dataclass(frozen=True)
class Expr:
    text: str
    tree: ast.expr
    names: tuple[str, ...]
    divisors: tuple[ast.expr, ...] = ()   # non-literal denominators

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """Value of the expression; None when any name it uses is None.

        Raises ZeroDivisionError when a non-literal divisor is 0."""
        if any(values.get(n) is None for n in self.names):
            return None
        return _eval(self.tree, values)

    def divisors_excel(self, ref: Callable[[str], str]) -> list[str]:
        """Excel text of each non-literal divisor (for IF(OR(d=0, ...), ...))."""
        return [_excel(d, ref)[0] for d in self.divisors]

    def to_excel(self, ref: Callable[[str], str]) -> str:
        """Excel formula text (no leading '='); ref maps a name to a cell reference."""
        return _excel(self.tree, ref)[0]

    @property
    def single_name(self) -> str | None:
        return self.tree.id if isinstance(self.tree, ast.Name) else None


def _short(source: str) -> str:
    return repr(source if len(source) <= 60 else source[:60] + "…")


def _nesting(source: str) -> int:
    """Upper bound of the parse-tree depth: brackets plus runs of signs and operators."""
    depth = best = run = 0
    for ch in source:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch in "+-*/":
            run += 1
        elif not ch.isspace():
            run = 0
        best = max(best, depth + run)
    return best


def parse(text: object, allow_division: bool = False) -> Expr:
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ExprError("应为表达式文本或数字")
    if isinstance(text, (int, float)) and not abs(text) <= MAX_CONSTANT:
        raise ExprError(f"数字超出范围（绝对值不超过 {MAX_CONSTANT:.0e}）")
    source = str(text)
    if len(source) > MAX_LENGTH:
        raise ExprError(f"表达式过长（{len(source)} 个字符，最多 {MAX_LENGTH} 个）：{_short(source)}")
    if _nesting(source) > MAX_DEPTH:
        raise ExprError(f"表达式嵌套过深（最多 {MAX_DEPTH} 层括号或连续符号）：{_short(source)}")
    try:
        tree = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExprError(f"表达式语法错误：{_short(source)}") from exc
    names: list[str] = []
    divisors: list[ast.expr] = []
    _check(tree, names, divisors, source, allow_division)
    return Expr(source, tree, tuple(dict.fromkeys(names)), tuple(divisors))


def _check(node: ast.AST, names: list[str], divisors: list, source: str, allow_division: bool) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        if not abs(node.value) <= MAX_CONSTANT:   # big ints compared exactly; NaN fails too
            raise ExprError(f"表达式中的数字超出范围（绝对值不超过 {MAX_CONSTANT:.0e}）：{_short(source)}")
        return
    if isinstance(node, ast.Name):
        names.append(node.id)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, names, divisors, source, allow_division)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        if isinstance(node.op, ast.Div) and not isinstance(node.right, ast.Constant):
            if not allow_division:
                raise ExprError("除以输入项时须写明分母为 0 时的结果（zero_denominator），"
                                f"或改用比率（numerator/denominator）：{_short(source)}")
            divisors.append(node.right)
        if isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant) and node.right.value == 0:
            raise ExprError(f"不能除以 0：{_short(source)}")
        _check(node.left, names, divisors, source, allow_division)
        _check(node.right, names, divisors, source, allow_division)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in FUNCTIONS and not node.keywords and node.args:
        if node.func.id == "abs" and len(node.args) != 1:
            raise ExprError(f"abs 只接受一个参数：{_short(source)}")
        for arg in node.args:
            _check(arg, names, divisors, source, allow_division)
        return
    raise ExprError(f"表达式中有不支持的写法（只允许 + - * /、abs、min、max）：{_short(source)}")


def _eval(node: ast.expr, values: Mapping[str, float | None]) -> float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(values[node.id])
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, values), _eval(node.right, values)
        op = _BINOPS[type(node.op)]
        return a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    args = [_eval(a, values) for a in node.args]
    name = node.func.id
    return abs(args[0]) if name == "abs" else min(args) if name == "min" else max(args)


def _excel(node: ast.expr, ref: Callable[[str], str]) -> tuple[str, int]:
    """(formula text, precedence); 9 means atomic."""
    if isinstance(node, ast.Constant):
        return repr(node.value) if isinstance(node.value, float) else str(node.value), 9
    if isinstance(node, ast.Name):
        return ref(node.id), 9
    if isinstance(node, ast.UnaryOp):
        text, prec = _excel(node.operand, ref)
        if isinstance(node.op, ast.UAdd):
            return text, prec
        return f"-({text})" if prec < 9 else f"-{text}", 3
    if isinstance(node, ast.BinOp):
        op = _BINOPS[type(node.op)]
        prec = _PRECEDENCE[op]
        left, lp = _excel(node.left, ref)
        right, rp = _excel(node.right, ref)
        if lp < prec:
            left = f"({left})"
        # Left-associative: a-(b-c) keeps its brackets.
        if rp < prec or (rp == prec and op in "-/"):
            right = f"({right})"
        return f"{left}{op}{right}", prec
    args = ",".join(_excel(a, ref)[0] for a in node.args)
    return f"{FUNCTIONS[node.func.id]}({args})", 9

"""Tiny arithmetic expressions used by framework files for rate numerators,
denominators and rule values, e.g. ``max(0, abs(budget_full - budget_initial) - adj_excluded)``.

One parsed expression is evaluated by the engine and translated into an Excel
formula by the template, so both compute the same thing in the same order.
Only + - * (and / by a literal), unary minus, numbers, names and
abs/min/max are allowed: anything else is rejected when the framework loads.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Mapping

FUNCTIONS = {"abs": "ABS", "min": "MIN", "max": "MAX"}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
# Excel operator precedence matches Python's for these four.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


class ExprError(ValueError):
    pass


@dataclass(frozen=True)
class Expr:
    text: str
    tree: ast.expr
    names: tuple[str, ...]

    def evaluate(self, values: Mapping[str, float | None]) -> float | None:
        """Value of the expression; None when any name it uses is None."""
        if any(values.get(n) is None for n in self.names):
            return None
        return _eval(self.tree, values)

    def to_excel(self, ref: Callable[[str], str]) -> str:
        """Excel formula text (no leading '='); ref maps a name to a cell reference."""
        return _excel(self.tree, ref)[0]

    @property
    def single_name(self) -> str | None:
        return self.tree.id if isinstance(self.tree, ast.Name) else None


def parse(text: object) -> Expr:
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ExprError("应为表达式文本或数字")
    source = str(text)
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise ExprError(f"表达式语法错误：{source!r}") from exc
    names: list[str] = []
    _check(tree, names, source)
    return Expr(source, tree, tuple(dict.fromkeys(names)))


def _check(node: ast.AST, names: list[str], source: str) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return
    if isinstance(node, ast.Name):
        names.append(node.id)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, names, source)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        if isinstance(node.op, ast.Div) and not isinstance(node.right, ast.Constant):
            raise ExprError(f"除法只能除以数字常量（比率请用 numerator/denominator 定义）：{source!r}")
        if isinstance(node.op, ast.Div) and node.right.value == 0:
            raise ExprError(f"不能除以 0：{source!r}")
        _check(node.left, names, source)
        _check(node.right, names, source)
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in FUNCTIONS and not node.keywords and node.args:
        if node.func.id == "abs" and len(node.args) != 1:
            raise ExprError(f"abs 只接受一个参数：{source!r}")
        for arg in node.args:
            _check(arg, names, source)
        return
    raise ExprError(f"表达式中有不支持的写法（只允许 + - * /数字、abs、min、max）：{source!r}")


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

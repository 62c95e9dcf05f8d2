"""Test helper: compute an .xlsx whose cells call XE_ functions, in pure Python.

The `formulas` package evaluates a workbook from its formulas and can call
Python functions for names it does not know.  ``register_udfs()`` puts every
XE_ function of ``xl_eval.udfs`` into ``formulas.get_functions()`` wrapped
with ``formulas.functions.wrap_ufunc``, passing arguments the way xlwings
does (blank cell -> None, error cell -> its text such as "#DIV/0!", a range
parameter -> a 2-D list, a result None -> "").  ``compute()`` loads a
workbook, sets input cells by defined name, computes, and returns the value
of every defined name.

Note: formulas' own ROUND is not Excel's (ROUND(1.005, 2) gives 1.0);
workbooks meant for this harness should round with XE_ROUND.
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Any, Mapping

import formulas
import numpy as np
import openpyxl
import schedula as sh
from formulas.functions import get_functions, wrap_ufunc
from formulas.tokens.operand import XlError

from xl_eval import udfs


_EMPTY = np.asarray([[sh.EMPTY]], object)  # a blank cell as an input value


def _cell_arg(v: Any) -> Any:
    """One value as xlwings hands it to a UDF."""
    if isinstance(v, np.ndarray):
        return [[_cell_arg(c) for c in row] for row in np.atleast_2d(v).tolist()]
    if isinstance(v, list):
        return [_cell_arg(c) for c in v]
    if v is sh.EMPTY:
        return None
    if isinstance(v, XlError):
        return str(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _as_xlwings(f):
    @functools.wraps(f)
    def call(*args):
        result = f(*(_cell_arg(a) for a in args))
        return "" if result is None else result
    return call


def register_udfs() -> dict[str, Any]:
    """Register every XE_ function in formulas; returns {name: registered function}."""
    functions = get_functions()
    registered = {}
    for name in udfs.__all__:
        f = getattr(udfs, name)
        params = list(inspect.signature(f).parameters)
        ranges = {i for i, p in enumerate(params) if p in udfs.RANGE_PARAMS}
        registered[name] = functions[name] = wrap_ufunc(
            _as_xlwings(f),
            input_parser=lambda *a: a,          # no float(): the UDF adapts its arguments
            args_parser=lambda *a: a,           # keep blanks blank (formulas would make them 0)
            check_error=lambda *a: None,        # errors reach the UDF as text, like err_to_str
            check_nan=False,
            excluded=ranges,                    # range parameters are passed whole
        )
    return registered


def _defined_names(path: Path) -> dict[str, tuple[str, str]]:
    """Workbook-scoped defined name -> (sheet, cell such as 'B3')."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            out[name] = (sheet, ref.replace("$", ""))
    return out


@functools.lru_cache(maxsize=8)
def _model(path: str, mtime_ns: int):
    """The compiled model (cached per file version), its nodes by upper-cased key, its names."""
    model = formulas.ExcelModel().loads(path).finish()
    nodes = {str(k).upper(): k for k in model.dsp.data_nodes}
    return model, nodes, _defined_names(Path(path))


def compute(path: str | Path, inputs_by_name: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Values of every defined name after setting the named input cells and computing.

    ``inputs_by_name`` maps defined names of input cells to values (None = blank
    cell).  Results: numbers, texts (XE_ error texts included), None for a
    blank result.
    """
    register_udfs()
    path = Path(path).resolve()
    model, nodes, names = _model(str(path), path.stat().st_mtime_ns)
    book = path.name.upper()

    def node(key: str) -> str:
        try:
            return nodes[key.upper()]
        except KeyError:
            raise KeyError(f"{key} is not a cell or name the workbook's formulas use") from None

    inputs = {}
    for name, value in (inputs_by_name or {}).items():
        sheet, cell = names[name]
        inputs[node(f"'[{book}]{sheet}'!{cell}")] = _EMPTY if value is None else value
    outputs = {name: node(f"'[{book}]'!{name}") for name in names if f"'[{book}]'!{name}".upper() in nodes}
    solution = model.calculate(inputs=inputs, outputs=list(outputs.values()))
    return {name: _scalar(solution[key]) for name, key in outputs.items() if key in solution}


def _scalar(v: Any) -> Any:
    v = getattr(v, "value", v)
    if isinstance(v, np.ndarray):
        v = v.ravel()[0] if v.size == 1 else v.tolist()
    v = _cell_arg(v)
    return None if v == "" else v

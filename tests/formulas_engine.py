"""Test helper: compute an .xlsx whose cells call XE_ functions, in pure Python.

The `formulas` package evaluates a workbook from its formulas and can call
Python functions for names it does not know.  ``register_udfs()`` puts every
XE_ function of ``xl_eval.udfs`` into ``formulas.get_functions()`` wrapped
with ``formulas.functions.wrap_func``, passing arguments the way xlwings
does (blank cell -> None, error cell -> its text such as "#DIV/0!", a range
parameter -> a 2-D list, a result None -> "").  ``compute()`` loads a
workbook, sets input cells by defined name, computes, and returns the value
of every defined name.  ``Solver`` compiles a workbook once for a fixed set of
inputs and outputs and re-solves it per input set: ~0.3 s per solve of the
template against ~0.8 s for compute() (and ~5 s to load the file at all);
``solve_many`` shares many input sets among a few processes.

Note: formulas' own ROUND is not Excel's (ROUND(1.005, 2) gives 1.0);
workbooks meant for this harness should round with XE_ROUND.  Its INT gives
#VALUE! beyond 2**63 (it floors to a Python int that numpy cannot hold), where
Excel's INT(1E+302) is 1E+302: register_udfs() replaces it with a float floor
(an "infinite" rate is stored as 1E+300 and reaches INT in the template).
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import formulas
import numpy as np
import openpyxl
import schedula as sh
from formulas.functions import Array, get_functions, wrap_func, wrap_ufunc
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
    """f called as xlwings calls a UDF, as a formulas function.

    formulas hands every argument over as an array (a Ranges object for a
    reference): each becomes a value or, for a range, a 2-D list (a 1x1 list
    for one cell, which the UDFs accept as xlwings' single value).  Errors
    arrive as their text (xlwings' err_to_str) and blanks as None; a None
    result is "" as xlwings writes it.  A range given to a single-cell
    parameter arrives as a list, as in xlwings (the UDF then says so), not
    vectorised as wrap_ufunc would; and no numpy vectorisation per call
    (~10% faster on the template).
    """
    @functools.wraps(f)
    def call(*args):                    # wrap_func has turned Ranges into arrays
        result = f(*(_cell_arg(a) for a in args))
        return np.asarray([["" if result is None else result]], object).view(Array)
    return wrap_func(call)


def _excel_int(x):
    return float(math.floor(x))


def register_udfs() -> dict[str, Any]:
    """Register every XE_ function in formulas; returns {name: registered function}.

    Also replaces formulas' INT by Excel's (a float floor, see the module notes).
    """
    functions = get_functions()
    functions["INT"] = wrap_ufunc(_excel_int)
    registered = {}
    for name in udfs.__all__:
        f = getattr(udfs, name)
        registered[name] = functions[name] = _as_xlwings(f)
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

    node = _resolver(nodes)

    inputs = {}
    for name, value in (inputs_by_name or {}).items():
        sheet, cell = names[name]
        inputs[node(f"'[{book}]{sheet}'!{cell}")] = _EMPTY if value is None else value
    outputs = {name: node(f"'[{book}]'!{name}") for name in names if f"'[{book}]'!{name}".upper() in nodes}
    solution = model.calculate(inputs=inputs, outputs=list(outputs.values()))
    return {name: _scalar(solution[key]) for name, key in outputs.items() if key in solution}


def _resolver(nodes: Mapping[str, str]):
    """Lookup of a formulas-package node by cell or name reference, case-insensitive."""
    def node(key: str) -> str:
        try:
            return nodes[key.upper()]
        except KeyError:
            raise KeyError(f"{key} is not a cell or name the workbook's formulas use") from None
    return node


def _scalar(v: Any) -> Any:
    v = getattr(v, "value", v)
    if isinstance(v, np.ndarray):
        v = v.ravel()[0] if v.size == 1 else v.tolist()
    v = _cell_arg(v)
    return None if v == "" else v


class Solver:
    """A workbook compiled once, solved for many input sets.

    ``inputs``: defined names of single input cells or of ranges (a range's
    value is then a list, padded with blank cells); ``outputs``: defined names
    of single cells (default: every single-cell name the formulas compute).
    Calling the solver with {input name: value} (None = blank; missing =
    blank) returns {output name: value} like compute().
    """

    def __init__(self, path: str | Path, inputs: Iterable[str], outputs: Iterable[str] | None = None):
        register_udfs()
        path = Path(path).resolve()
        model, nodes, names = _model(str(path), path.stat().st_mtime_ns)
        book = path.name.upper()

        node = _resolver(nodes)

        self.inputs = list(inputs)
        self.sizes = {}
        in_nodes = []
        for name in self.inputs:
            sheet, ref = names[name]
            if ":" in ref:
                first, last = ref.split(":")
                self.sizes[name] = int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) \
                    - int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) + 1
            in_nodes.append(node(f"'[{book}]{sheet}'!{ref}"))
        if outputs is None:
            outputs = [n for n, (_, ref) in names.items() if ":" not in ref and f"'[{book}]'!{n}".upper() in nodes]
        self.outputs = [n for n in outputs if n not in self.inputs]
        self.pipe = model.compile(inputs=in_nodes, outputs=[node(f"'[{book}]'!{n}") for n in self.outputs])

    def _arg(self, name: str, value: Any) -> Any:
        if name not in self.sizes:
            return _EMPTY if value is None else value
        column = [sh.EMPTY if v is None else v for v in (value or ())]
        if len(column) > self.sizes[name]:
            raise ValueError(f"{name}: {len(column)} values for {self.sizes[name]} cells")
        column += [sh.EMPTY] * (self.sizes[name] - len(column))
        return np.asarray([[v] for v in column], object)

    def __call__(self, values: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(self.inputs)
        if unknown:
            raise KeyError(f"not inputs of this solver: {sorted(unknown)}")
        results = self.pipe(*(self._arg(n, values.get(n)) for n in self.inputs))
        if len(self.outputs) == 1:
            results = [results]
        return {name: _scalar(v) for name, v in zip(self.outputs, results)}


_WORKER: Solver | None = None


def _start_worker(path: str, inputs: list[str], outputs: list[str] | None, environ: dict[str, str]) -> None:
    global _WORKER
    os.environ.clear()
    os.environ.update(environ)          # the caller's environment now (XE_FRAMEWORK ...)
    _WORKER = Solver(path, inputs, outputs)


def _solve_chunk(chunk: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [_WORKER(values) for values in chunk]


def solve_many(path: str | Path, inputs: Iterable[str], input_sets: Iterable[Mapping[str, Any]],
               outputs: Iterable[str] | None = None, processes: int | None = None) -> list[dict[str, Any]]:
    """Solver(path, inputs, outputs) applied to every input set, results in order.

    With more than one CPU the sets are split among this process and fresh
    (spawned) ones; each loads and compiles the workbook once (~6 s) and
    solves its share.  This process's compiled model stays cached for
    compute() on the same file.
    """
    input_sets = list(input_sets)
    inputs = list(inputs)
    outputs = None if outputs is None else list(outputs)
    if processes is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        processes = min(cpus, 4)
    processes = max(1, min(processes, len(input_sets) // 20))    # each process costs a load
    size = -(-len(input_sets) // processes) if input_sets else 1
    chunks = [input_sets[i:i + size] for i in range(0, len(input_sets), size)] or [[]]
    if len(chunks) == 1:
        solver = Solver(path, inputs, outputs)
        return [solver(values) for values in chunks[0]]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(len(chunks) - 1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker,
                             initargs=(str(Path(path).resolve()), inputs, outputs, dict(os.environ))) as pool:
        others = [pool.submit(_solve_chunk, chunk) for chunk in chunks[1:]]
        solver = Solver(path, inputs, outputs)
        mine = [solver(values) for values in chunks[0]]
        return mine + [result for future in others for result in future.result()]


class CellEvaluator:
    """Values of chosen cells of a workbook, computed lazily from their formulas.

    Where Solver loads and compiles the whole workbook (~30 s for the larger
    national frameworks), this compiles only the formulas the requested cells
    depend on, one formula at a time (formulas.Parser), with the XE_
    functions registered: each XE_ call gets exactly the values its argument
    cells hold after the inputs are set, as xlwings would hand them over.  A
    reference to a name or sheet the workbook lacks raises KeyError.
    """

    def __init__(self, book: "str | Path | openpyxl.Workbook"):
        register_udfs()
        wb = book if isinstance(book, openpyxl.Workbook) else openpyxl.load_workbook(book)
        self.cells = {(ws.title, c.coordinate): c.value for ws in wb.worksheets
                      for row in ws.iter_rows() for c in row if c.value is not None}
        self.sheets = {ws.title.upper(): ws.title for ws in wb.worksheets}
        self.names = {name.upper(): (sheet, ref.replace("$", ""))
                      for name, dn in wb.defined_names.items() for sheet, ref in dn.destinations}
        self._compiled: dict[tuple[str, str], Any] = {}

    def solve(self, inputs_by_name: Mapping[str, Any], outputs: Iterable[str]) -> dict[str, Any]:
        """{name: value} of the named `outputs` after setting the named input cells."""
        given = {}
        for name, value in inputs_by_name.items():
            given[self.names[name.upper()]] = value
        memo: dict[tuple[str, str], Any] = {}
        out = {}
        for name in outputs:
            sheet, coord = self.names[name.upper()]
            out[name] = _scalar(self._value(sheet, coord, given, memo))
        return out

    def _value(self, sheet: str, coord: str, given, memo) -> Any:
        key = (sheet, coord)
        if key in given:
            return sh.EMPTY if given[key] is None else given[key]
        if key in memo:
            return memo[key]
        content = self.cells.get(key)
        if isinstance(content, str) and content.startswith("="):
            func = self._compile(sheet, content)
            args = [self._arg(sheet, ref, given, memo) for ref in func.inputs]
            result = func(*args)
            value = getattr(result, "value", result)
            if isinstance(value, np.ndarray):
                value = value.ravel()[0]
        else:
            value = sh.EMPTY if content is None else content
        memo[key] = value
        return value

    def _compile(self, sheet: str, formula: str):
        key = (sheet, formula)
        if key not in self._compiled:
            self._compiled[key] = formulas.Parser().ast(formula)[1].compile()
        return self._compiled[key]

    def _arg(self, sheet: str, ref: str, given, memo) -> Any:
        """The value of one formula input: a defined name, a cell or a range (2-D array)."""
        if ref.upper() in self.names:
            target_sheet, target = self.names[ref.upper()]
        elif "!" in ref:
            where, target = ref.rsplit("!", 1)
            target_sheet = self.sheets[where.strip("'").upper()]
        else:
            target_sheet, target = sheet, ref
        target = target.replace("$", "")
        if ":" not in target:
            return np.asarray([[self._value(target_sheet, target, given, memo)]], object)
        (c1, r1), (c2, r2) = (openpyxl.utils.cell.coordinate_from_string(x) for x in target.split(":"))
        cols = range(openpyxl.utils.column_index_from_string(c1), openpyxl.utils.column_index_from_string(c2) + 1)
        return np.asarray([[self._value(target_sheet, f"{openpyxl.utils.get_column_letter(c)}{r}", given, memo)
                             for c in cols] for r in range(r1, r2 + 1)], object)

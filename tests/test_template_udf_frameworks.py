"""`template --udf` for every 打分表 framework: the shipped systems, the probes of
tests/fixtures/probes, the format-2 rule fixtures and two trees made from a probe
(open weights; two levels) and Annex 1 without grades on 87 points.  Every feature of the native 打分表 (support.SUPPORTED)
is used by at least one of them.

* The udf workbook has the native one's sheets (plus xlwings.conf), input cells,
  validations and defined names (plus the two udf identity names).
* Every formula parses, every name it uses is defined, every cell or range it
  reads is on an existing sheet; every XE_ call has as many arguments as its
  function takes, names a leaf or rate of the framework, reads a rows block's
  input area exactly, passes the framework file and the leaf's weight cell.
* The XE_ cells computed from the values the workbook's cells hold (the XE_
  functions called in Python on them, formulas_engine.CellEvaluator) give the
  engine's scores on seeded random input sets: rates, every leaf score and 得分率,
  every unit-defined row, subtotals, total and grade.  Where the engine has no
  score although nothing is blank, the cell shows the engine's reason (#错误：…).

test_template_udf.py computes the Annex 1 workbook as a whole (formulas.ExcelModel).
"""

from __future__ import annotations

import inspect
import random
import re
from functools import lru_cache
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from openpyxl.formula.tokenizer import Token, Tokenizer

from shape_cases import random_inputs, same, shape_view
from test_template_shape import PROBES, open_weight_probe, two_level
from test_template_v2 import v2_framework
from xl_eval import udfs
from xl_eval.commands.selfeval_cli import is_selfeval_framework
from xl_eval.engine.score import evaluate
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.support import SUPPORTED
from xl_eval.forms.scoresheet.template import build_workbook
from xl_eval.framework.features import used
from xl_eval.framework.model import load
from xl_eval.framework.registry import resolve, shipped

FIXTURES = Path(__file__).parent / "fixtures"
SETS = 25
MADE = {"open_weights": open_weight_probe, "two_levels": two_level, "no_grades_87": v2_framework}
CELLS = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+(:\$?[A-Za-z]{1,3}\$?[0-9]+)?$")


def _sources() -> dict[str, Path | None]:
    out: dict[str, Path | None] = {}
    for s in shipped():
        if not is_selfeval_framework(load(s.path)):      # the 自评表 is another form
            out[s.name] = s.path
    for p in sorted(PROBES.glob("*.yaml")) + [FIXTURES / f"{n}.yaml" for n in ("v2_rules", "v2_targets", "v2_row_rules")]:
        out[p.stem] = p
    out.update({k: None for k in MADE})
    return out


SOURCES = _sources()


@pytest.fixture(scope="module")
def made_dir(tmp_path_factory) -> Path:
    """The made trees as files: the XE_ calls load the framework by its path."""
    d = tmp_path_factory.mktemp("udf_frameworks")
    for key, make in MADE.items():
        (d / f"{key}.yaml").write_text(yaml.safe_dump(make(), allow_unicode=True, sort_keys=False),
                                       encoding="utf-8")
    return d


@lru_cache(maxsize=None)
def _loaded(path: str):
    fw = load(path)
    return fw, L.layout(fw), L.layout(fw, "udf"), build_workbook(fw), build_workbook(fw, formulas="udf")


@pytest.fixture(params=list(SOURCES))
def case(request, made_dir):
    path = SOURCES[request.param] or made_dir / f"{request.param}.yaml"
    return request.param, _loaded(str(path))


def test_every_feature_of_the_native_scoresheet_is_covered(made_dir):
    features = set()
    for key, path in SOURCES.items():
        features |= set(used(load(path or made_dir / f"{key}.yaml")))
    assert SUPPORTED <= features, SUPPORTED - features


# ---------------------------------------------------------------- the same workbook

def _unlocked(ws) -> set[str]:
    return {c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked}


def _validations(ws) -> set[tuple]:
    return {(str(dv.sqref), dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation}


def test_same_sheets_input_cells_and_names_as_the_native_workbook(case):
    key, (fw, lay, ulay, native, udf) = case
    assert udf.sheetnames == native.sheetnames + [L.XLWINGS_CONF], key
    names, native_names = set(udf.defined_names), set(native.defined_names)
    assert names - native_names == {L.TEMPLATE_VARIANT, L.FRAMEWORK_PATH} and native_names <= names
    for name in native_names:
        assert udf.defined_names[name].attr_text == native.defined_names[name].attr_text, (key, name)
    for ws in native.worksheets:
        assert _unlocked(udf[ws.title]) == _unlocked(ws), (key, ws.title)
        assert _validations(udf[ws.title]) == _validations(ws), (key, ws.title)
    assert {n: c.ref for n, c in ulay.inputs.items()} == {n: c.ref for n, c in lay.inputs.items()}
    assert {n: c.ref for n, c in ulay.notes.items()} == {n: c.ref for n, c in lay.notes.items()}
    assert {n: c.ref for n, c in ulay.computed.items()} == {n: c.ref for n, c in lay.computed.items()}
    assert ulay.sheets == lay.sheets + (L.XLWINGS_CONF,)


# ---------------------------------------------------------------- every formula

def _formulas(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield ws.title, c.coordinate, c.value


def _calls(tokens: list[Token]):
    """(function, [argument tokens]) of every function call, nested ones too."""
    stack: list[tuple[str, list[list[Token]]]] = []
    for t in tokens:
        if t.type == Token.FUNC and t.subtype == Token.OPEN:
            stack.append((t.value[:-1].upper(), [[]]))
        elif t.type == Token.FUNC and t.subtype == Token.CLOSE:
            name, args = stack.pop()
            yield name, args if args != [[]] else []
            if stack:
                stack[-1][1][-1].append(t)
        elif t.type == Token.SEP and t.subtype == Token.ARG and stack:
            stack[-1][1].append([])
        elif stack:
            stack[-1][1][-1].append(t)


def _area(ref: str, sheet: str) -> tuple[str, int, int, int, int]:
    """(sheet, first row, first column, last row, last column) of a cell or range reference."""
    where, _, cells = ref.rpartition("!")
    where = where.strip("'").replace("''", "'") or sheet
    a, _, b = cells.replace("$", "").partition(":")
    (c1, r1), (c2, r2) = (openpyxl.utils.cell.coordinate_from_string(x) for x in (a, b or a))
    return (where, r1, openpyxl.utils.column_index_from_string(c1), r2,
            openpyxl.utils.column_index_from_string(c2))


def test_every_formula_parses_and_points_at_what_exists(case):
    key, (fw, lay, ulay, native, udf) = case
    defined = {n.lower() for n in udf.defined_names}
    blocks = {b.leaf.code: b for b in ulay.row_blocks}
    signatures = {name: inspect.signature(getattr(udfs, name)).parameters for name in L.UDF_FUNCTIONS}
    seen = set()
    for sheet, coord, formula in _formulas(udf):
        where = f"{key}: {sheet}!{coord}: {formula}"
        tokens = Tokenizer(formula).items
        for t in tokens:
            if t.type == Token.OPERAND and t.subtype == Token.RANGE:
                target, _, cells = t.value.rpartition("!")
                if target or CELLS.match(cells):
                    assert CELLS.match(cells) and _area(t.value, sheet)[0] in udf.sheetnames, where
                else:
                    assert t.value.lower() in defined, f"{where}: undefined name {t.value}"
        for name, args in _calls(tokens):
            assert name in L.ALLOWED_FUNCTIONS | L.UDF_FUNCTIONS, where
            if name not in L.UDF_FUNCTIONS:
                continue
            seen.add(name)
            params = list(signatures[name])
            required = [p for p, v in signatures[name].items() if v.default is inspect.Parameter.empty]
            assert len(required) <= len(args) <= len(params), where
            text = {p: "".join(t.value for t in a) for p, a in zip(params, args)}
            if "framework" in text:
                assert text["framework"] == (L.FRAMEWORK_PATH if not L.is_shipped(fw) else '""'), where
            if name == "XE_RATE":
                assert text["rate_name"].strip('"') in fw.rates, where
            if name in ("XE_SCORE", "XE_ROW"):
                leaf = fw.leaf(text["leaf"].strip('"'))
                code = leaf.weight_input or (leaf.adjust.input if leaf.adjust else None)
                if name == "XE_SCORE":
                    assert text.get("weight", '""') == (code or '""'), where
            if name == "XE_ROW" or (name == "XE_SCORE" and leaf.rows is not None):
                b = blocks[leaf.code]
                ref = text["row" if name == "XE_ROW" else "values"]
                s, r1, c1, r2, c2 = _area(ref, sheet)
                cols = [c for _, c in b.columns]
                assert (s, c1, c2) == (L.ROWS, min(cols), max(cols)), where
                assert c2 - c1 + 1 == len(leaf.rows.fields), where
                if name == "XE_ROW":      # the row's own inputs, on its own row
                    assert r1 == r2 == openpyxl.utils.cell.coordinate_from_string(coord)[1], where
                    assert formula.startswith("=XE_ROW(") and b.first <= r1 <= b.row(leaf.rows.max_rows), where
                else:
                    assert (r1, r2) == (b.first, b.row(leaf.rows.max_rows)), where
    assert {"XE_SCORE", "XE_ROUND"} <= seen
    if ulay.row_blocks:
        assert "XE_ROW" in seen
    if not L.is_shipped(fw):
        meta = {m.name: m.value for m in ulay.meta if m.name}
        assert load(resolve(meta[L.FRAMEWORK_PATH])).content_hash == fw.content_hash
        if key in {s.name for s in shipped()}:     # named, so the workbook works on any computer
            assert meta[L.FRAMEWORK_PATH] == key



def test_a_formula_naming_a_missing_name_is_caught():
    """The check above must be able to fail: a formula with an undefined name."""
    tokens = Tokenizer('=XE_SCORE("x",weight_nothing)').items
    names = [t.value for t in tokens if t.type == Token.OPERAND and t.subtype == Token.RANGE]
    assert names == ["weight_nothing"]
    calls = list(_calls(tokens))
    assert calls == [("XE_SCORE", calls[0][1])] and len(calls[0][1]) == 2


# ---------------------------------------------------------------- computing

def _agree(fw, name: str, want, have) -> bool:
    if same(want, have) or (isinstance(want, float) and isinstance(have, int) and want == have):
        return True
    # no score although nothing is blank: the XE_ cell shows the engine's reason
    return want is None and isinstance(have, str) and have.startswith(udfs.ERROR_PREFIX)


def _rejected(fw, values) -> set[str]:
    """Inputs whose value the engine's input reader refuses."""
    from xl_eval.core.values import ValueProblem
    from xl_eval.engine.inputs import parse_value
    out = set()
    for code, v in values.items():
        try:
            parse_value(fw.inputs[code], v)
        except ValueProblem:
            out.add(code)
    return out


def test_xe_cells_computed_from_the_workbook_give_the_engine_scores(case):
    pytest.importorskip("formulas")
    from formulas_engine import CellEvaluator
    key, (fw, lay, ulay, native, udf) = case
    book = CellEvaluator(udf)
    rng = random.Random(f"udf-{key}")
    kinds = ("rate", "leaf", "leaf_rate", "row", "level2", "node", "level1", "level1_rate", "total",
             "total_rate", "grade")
    failures, compared, scored, errors = [], 0, 0, 0
    rejected_sets = 0
    for i in range(SETS):
        values = random_inputs(fw, rng)
        ev = evaluate(fw, values)
        rejected = _rejected(fw, values)
        if rejected:
            # a value the input reader refuses (e.g. a weight of 0): the cells of the leaves
            # it belongs to name it instead of scoring it (what `xl-eval score` reports too)
            rejected_sets += 1
            got = book.solve({n: values.get(n) for n in ulay.inputs if values.get(n) is not None},
                             [f"score_{x.code}" for x in fw.leaves if x.weight_input in rejected])
            for name, have in got.items():
                label = fw.inputs[fw.leaf(name[6:]).weight_input].label
                assert isinstance(have, str) and have.startswith(udfs.ERROR_PREFIX) and label in have, have
            continue
        want = {n: v for n, v in shape_view(fw, lay, values).items() if ulay.computed[n].kind in kinds}
        got = book.solve({n: values.get(n) for n in ulay.inputs if values.get(n) is not None}, want)
        for name, value in want.items():
            compared += 1
            have = got[name]
            if not _agree(fw, name, value, have):
                failures.append((i, name, value, have))
            if isinstance(have, str) and have.startswith(udfs.ERROR_PREFIX):
                errors += 1
                leaf = name.split("_", 1)[1]
                if name.startswith(("score_", "scorerate_")):     # only where the engine is not waiting
                    assert not ev.leaves[leaf].missing, (i, name, have, ev.leaves[leaf].missing)
        scored += sum(ev.leaves[x.code].score is not None for x in fw.leaves)
    assert not failures, f"{key}: {len(failures)} of {compared} differ: {failures[:8]}"
    assert rejected_sets <= SETS // 5 and scored >= 0.5 * (SETS - rejected_sets) * len(fw.leaves), (key, scored)
    assert errors <= compared * 0.1, (key, errors)


def test_hand_checked_rows_through_xe_row():
    """财预〔2020〕10号 实施效益 rows (tests/test_template_shape.py HAND_ROWS): ≥ met 8; 40 of 50
    → 80% × 4 = 3.2; ≤ 30 against 25 → 25/30 = 83.33% × 2 = 1.67; 定性 部分达成 65% of 2 → 1.3."""
    pytest.importorskip("formulas")
    from formulas_engine import CellEvaluator
    from test_template_shape import HAND_ROWS
    fw, lay, ulay, native, udf = _loaded(str(SOURCES["project_2020_10"]))
    got = CellEvaluator(udf).solve({**HAND_ROWS, "weight_effects": 16},
                                   [f"part_effects_r{i}" for i in range(1, 7)] + ["score_effects",
                                                                                  "scorerate_effects"])
    assert [got[f"part_effects_r{i}"] for i in range(1, 7)] == [8, None, 3.2, 1.67, 1.3, None]
    assert got["score_effects"] == 14.17 and got["scorerate_effects"] == round(14.17 / 16, 4)
    blank = CellEvaluator(udf).solve({**HAND_ROWS}, ["score_effects"])     # the weight not set yet
    assert blank["score_effects"] is None


def test_command_writes_the_udf_workbook_of_a_framework_with_open_weights_and_rows(tmp_path):
    from xl_eval.cli import cli
    out = tmp_path / "u.xlsx"
    res = CliRunner().invoke(cli, ["template", "--udf", "--framework", str(PROBES / "sichuan_dept_overall.yaml"),
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "XE 函数版" in res.output and "Traceback" not in res.output
    wb = openpyxl.load_workbook(out)
    assert L.ROWS in wb.sheetnames and wb.sheetnames[-1] == L.XLWINGS_CONF
    res = CliRunner().invoke(cli, ["template", "--udf", "--framework", "dept_2013_53", "-o", str(tmp_path / "d.xlsx")])
    assert res.exit_code == 0, res.output
    assert "内置的框架 dept_2013_53" in res.output and "请修改" not in res.output
    assert udfs.XE_GRADE(95, "dept_2013_53") == udfs.XE_GRADE(95, str(resolve("dept_2013_53")))

"""The XE_ user-defined functions (xl_eval/udfs.py) called as plain Python.

Off Windows xlwings' decorators do nothing, so each UDF is an ordinary
function: it must equal the engine on the seed's inputs and on band edges
(expected values written by hand), show errors as "#错误：..." texts instead
of raising, and have a signature xlwings' registration accepts.
"""

import importlib.util
import inspect
import io
import itertools
import math
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from xl_eval import udfs
from xl_eval.engine.score import evaluate
from xl_eval.framework.model import DEFAULT_FRAMEWORK
from xl_eval.engine.inputs import map_columns, parse_inputs
from xl_eval.sources.tables import read_table
from xl_eval.udfs import (XE_ADJUSTMENT_RATE, XE_ASSET_USE_RATE, XE_BAND, XE_CARRYOVER_RATE,
                          XE_COMPLETION_RATE, XE_EXPLAIN, XE_GRADE, XE_INPUTS, XE_RATE, XE_RATIO,
                          XE_ROUND, XE_SCORE, XE_SUBTOTAL, XE_THREE_PUBLIC_RATE, XE_TOTAL, is_error)

from conftest import SAMPLES, SEED_UNIT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _shipped_framework(monkeypatch):
    """The tests expect the shipped framework unless they select another one."""
    monkeypatch.delenv("XE_FRAMEWORK", raising=False)


# ------------------------------------------------------------------ inputs

def _sample_rows(fw):
    """{单位名称: (raw cells by label, typed values by code)} from samples/departments.csv."""
    table = read_table(SAMPLES / "departments.csv")
    codes = map_columns(fw, table.columns).codes
    out = {}
    for row in table.rows:
        raw = {header: row.values.get(header) for header in codes}
        typed, problems = parse_inputs(fw, {codes[h]: v for h, v in raw.items()})
        assert all(p.missing for p in problems)  # some rows leave the project counts to 项目明细
        out[typed["unit_name"]] = (raw, typed)
    return out


@pytest.fixture(scope="module")
def samples(fw):
    return _sample_rows(fw)


@pytest.fixture(scope="module")
def seed(fw, samples):
    raw, typed = samples[SEED_UNIT]
    assert all(typed[c] is not None for c, i in fw.inputs.items() if i.default is None)
    return raw, typed


def two_columns(mapping):
    """A two-column range (name | value) as xlwings passes it (ndim=2)."""
    return [[name, value] for name, value in mapping.items()]


def label_table(fw, values):
    return two_columns({fw.inputs[c].label: v for c, v in values.items()})


# ------------------------------------------------------------- the seed

def test_seed_rates_equal_engine_and_report(fw, seed):
    raw, typed = seed
    ev = evaluate(fw, typed)
    # Text cells as in the CSV ("3592.06"), and numbers as Excel passes them.
    assert XE_ADJUSTMENT_RATE(raw["年初预算数"], raw["全年预算数"], raw["不计入调整的预算调整数"]) == 0.165
    assert XE_ADJUSTMENT_RATE(3592.06, 4184.69) == ev.rates["adjustment_rate"] == 0.165
    assert XE_ADJUSTMENT_RATE("3592.06万元", "4184.69万", None) == 0.165
    assert XE_CARRYOVER_RATE(0.0, 4184.69) == ev.rates["carryover_rate"] == 0.0
    assert XE_THREE_PUBLIC_RATE(2.72, 3.0) == ev.rates["three_public_rate"] == 0.9067
    assert XE_ASSET_USE_RATE(2452.53, 2452.53) == ev.rates["asset_use_rate"] == 1.0
    assert XE_COMPLETION_RATE(28.0, 28.0) == ev.rates["completion_rate"] == 1.0
    assert XE_RATIO(2.72, 3) == 0.9067


@pytest.mark.parametrize("unit", ["seed", "all samples"])
def test_every_rate_and_leaf_equals_engine(fw, samples, seed, unit):
    rows = [seed] if unit == "seed" else list(samples.values())
    for raw, typed in rows:
        ev = evaluate(fw, typed)
        table = two_columns(raw)                        # labels | raw text cells
        codes = two_columns(dict(typed))                # codes | typed values
        values, labels = list(raw.values()), list(raw)  # two ranges of the same size
        for code, rate in fw.rates.items():
            assert XE_RATE(rate.name, table) == ev.rates[code], rate.name
            assert XE_RATE(code, codes) == ev.rates[code], rate.name
        for leaf in fw.leaves:
            expected = ev.leaves[leaf.code]
            assert XE_SCORE(leaf.name, table) == expected.score, leaf.name
            assert XE_SCORE(leaf.code, codes) == expected.score, leaf.name
            assert XE_SCORE(leaf.name, values, labels) == expected.score, leaf.name
            assert XE_EXPLAIN(leaf.name, table) == expected.explanation, leaf.name
        for l1 in fw.level1:
            assert XE_SUBTOTAL(l1.name, table) == ev.level1[l1.code]
            for l2 in l1.children:
                assert XE_SUBTOTAL(l2.code, codes) == ev.level2[l2.code]
        assert XE_TOTAL(table) == ev.total
        assert XE_GRADE(XE_TOTAL(table)) == ev.grade


def test_seed_by_hand(fw, seed):
    table = two_columns(seed[0])
    # Annex 1 and Table 3 of the seed
    assert XE_SCORE("财务合规性", table) == 4.4
    assert XE_SCORE("预算调整率", table) == 2
    assert XE_SCORE("预算编制规范性", table) == 3
    assert [XE_SUBTOTAL(n, table) for n in ("决策", "过程", "产出", "效益")] == [17.4, 41.0, 24.0, 13.0]
    assert XE_TOTAL(table) == 95.4 and XE_GRADE(95.4) == "优"
    assert XE_EXPLAIN("预算调整率", 0.165) == "预算调整率16.50%，处于10%（不含）至40%（含）档，得2分"


def test_single_value_leaves(fw, seed):
    """=XE_SCORE(leaf, value) where the value is the rule's one input or rate."""
    raw, typed = seed
    ev = evaluate(fw, typed)
    single = {"预算调整率": ev.rates["adjustment_rate"], "结转结余率": ev.rates["carryover_rate"],
              "“三公”经费控制率": ev.rates["three_public_rate"], "固定资产利用率": ev.rates["asset_use_rate"],
              "项目完成率": ev.rates["completion_rate"], "预算编制规范性": 2.0, "管理制度健全性": 0.0,
              "政府绩效落实": "是", "产业结构优化": 6.0, "民生和社会事业发展": 7.0}
    for name, value in single.items():
        assert XE_SCORE(name, value) == ev.leaves[fw.leaf(name).code].score, name
        assert XE_EXPLAIN(name, value) == ev.leaves[fw.leaf(name).code].explanation, name
    # quotes and width do not matter in a leaf name; a 1x1 range is a single value
    assert XE_SCORE('"三公"经费控制率', [[0.9067]]) == 4
    assert XE_SCORE("三公经费控制率", "90.67%") == 4
    assert XE_SCORE("政府绩效落实", True) == 6 and XE_SCORE("政府绩效落实", "否") == 0
    assert XE_SCORE("预算编制规范性", "2项") == 3
    assert XE_INPUTS("预算调整率") == "预算调整率"
    assert XE_INPUTS("财务合规性") == "资金支出规范性得分、预算调整率、是否存在违规支出"


def test_rate_given_directly_in_a_table(fw):
    table = [["资金支出规范性得分", 2], ["预算调整率", "16.5%"], ["是否存在违规支出", "否"]]
    assert XE_SCORE("财务合规性", table) == 4.4
    # a given rate wins over the figures it would be computed from
    assert XE_SCORE("财务合规性", table + [["年初预算数", 100], ["全年预算数", 100]]) == 4.4
    # heading rows (name without value) and blank rows of a pasted input table are skipped
    assert XE_SCORE("财务合规性", [["财务数据", None], [None, None]] + table) == 4.4


# --------------------------------------------------------------- band edges

@pytest.mark.parametrize("rate, points", [
    (0.0, 4), (0.10, 4), (0.1001, 2), (0.40, 2), (0.4001, 1), (0.60, 1), (0.6001, 0.25),
    (1.0, 0.25), (1.0001, 0), ("10%", 4), ("10.01%", 2), ("100%", 0.25), ("100.01%", 0),
])
def test_adjustment_rate_band_edges(fw, rate, points):
    assert XE_SCORE("预算调整率", rate) == points
    assert XE_BAND("预算调整率", rate) == points
    assert XE_BAND("budget_adjustment", rate) == points


@pytest.mark.parametrize("full, points", [(1100, 4), (1100.1, 2), (1400, 2), (1400.1, 1), (2000, 0.25), (2000.1, 0)])
def test_adjustment_band_edges_from_budgets(fw, seed, full, points):
    """From the figures: 年初 1000, 全年 as given; the engine agrees."""
    table = [["年初预算数", 1000], ["全年预算数", full]]
    assert XE_SCORE("预算调整率", table) == points
    ev = evaluate(fw, dict(seed[1], budget_initial=1000.0, budget_full=float(full), adj_excluded=0.0))
    assert ev.leaves["budget_adjustment"].score == points


@pytest.mark.parametrize("leaf, rate, points", [
    ("固定资产利用率", 0.9, 4), ("固定资产利用率", 0.8999, 2), ("固定资产利用率", 0.75, 2),
    ("固定资产利用率", 0.7499, 1), ("固定资产利用率", 0.6, 1), ("固定资产利用率", 0.5999, 0),
    ("结转结余率", 0.01, 4), ("结转结余率", 0.0101, 2), ("结转结余率", 0.05, 2), ("结转结余率", 0.0501, 1),
    ("结转结余率", 0.10, 1), ("结转结余率", 0.1001, 0),
    ("“三公”经费控制率", 1.0, 4), ("“三公”经费控制率", 1.0001, 0), ("“三公”经费控制率", "∞", 0),
])
def test_other_band_edges(leaf, rate, points):
    assert XE_SCORE(leaf, rate) == points
    assert XE_BAND(leaf, rate) == points


def test_given_rates_are_rounded_like_the_engine():
    # The engine scores the rate as shown (4 decimals = 16.50%): 0.10004 is 10.00%.
    assert XE_SCORE("预算调整率", 0.10004) == 4 and XE_BAND("预算调整率", 0.10004) == 4
    assert XE_SCORE("预算调整率", 0.10005) == 2


def test_asset_use_from_figures():
    assert XE_ASSET_USE_RATE(900, 1000) == 0.9
    assert XE_SCORE("固定资产利用率", [["在用固定资产总额", 900], ["固定资产总额", 1000]]) == 4
    assert XE_SCORE("固定资产利用率", [["在用固定资产总额", 899.9], ["固定资产总额", 1000]]) == 2


# ------------------------------------------------------ rounding and grades

@pytest.mark.parametrize("x, digits, expected", [
    (2.675, 2, 2.68), (1.005, 2, 1.01), (0.125, 2, 0.13), (-2.5, 0, -3), (2.5, 0, 3),
    (0.165, 4, 0.165), (1234.5, -2, 1200), (1234.5678, 1.9, 1234.6), ("16.5%", 2, 0.17),
    ("2.675", "2", 2.68), (1e30, 2, 1e30), (95.35, 1, 95.4),
])
def test_xe_round_is_excel_round(x, digits, expected):
    assert XE_ROUND(x, digits) == expected


@pytest.mark.parametrize("total, grade", [
    (100, "优"), (90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差"),
    ("95.4", "优"), ("95.4分", "优"),
])
def test_xe_grade(total, grade):
    assert XE_GRADE(total) == grade


# ------------------------------------------------------------------ blanks

def test_blank_data_gives_a_blank_result():
    assert XE_SCORE("预算调整率", None) is None
    assert XE_SCORE("预算调整率", "  ") is None
    assert XE_SCORE("预算调整率", [["年初预算数", None], ["全年预算数", 100]]) is None
    assert XE_EXPLAIN("预算调整率", [["年初预算数", None], ["全年预算数", 100]]) == "待填写：年初预算数"
    assert XE_EXPLAIN("预算调整率", None) == "待填写：预算调整率"
    assert XE_ADJUSTMENT_RATE(None, 100) is None
    assert XE_ADJUSTMENT_RATE(1000, 1100, None) == 0.1   # 不计入调整数: blank is its default 0
    assert XE_RATIO("", 3) is None
    assert XE_ROUND(None, 2) is None
    assert XE_GRADE(None) is None and XE_GRADE("") is None
    assert XE_BAND("预算调整率", None) is None
    assert XE_TOTAL([["年初预算数", 100]]) is None
    # a veto needs nothing else: 违规支出 是 -> 0 even with the figures blank
    assert XE_SCORE("财务合规性", [["是否存在违规支出", "是"]]) == 0


# ------------------------------------------------------------------ errors

def _tables():
    return {
        "asset_zero": [["在用固定资产总额", 5], ["固定资产总额", 0]],
        "planned_zero": [["完成项目数", 3], ["计划项目数", 0]],
    }


ERRORS = [
    # text where a number is needed
    ("text for a number", lambda: XE_ROUND("abc", 2), "不是数字"),
    ("text for a number", lambda: XE_ADJUSTMENT_RATE("很多", 100), "年初预算数"),
    ("text for a number", lambda: XE_SCORE("预算调整率", "很高"), "不是数字"),
    ("text for a number", lambda: XE_GRADE("九十"), "应写阿拉伯数字"),
    ("text for a number", lambda: XE_BAND("预算调整率", "x"), "不是数字"),
    ("text for a number", lambda: XE_RATIO("a", 1), "分子"),
    ("text for a number", lambda: XE_ROUND(True, 2), "逻辑值"),
    ("ambiguous rate", lambda: XE_SCORE("预算调整率", "16.5"), "单位不明确"),
    ("wrong unit", lambda: XE_ADJUSTMENT_RATE("35920600元", 4184.69), "万元"),
    ("negative amount", lambda: XE_ADJUSTMENT_RATE(-1, 4184.69), "不能为负数"),
    ("score above its max", lambda: XE_SCORE("产业结构优化", 7), "不能大于 6"),
    ("not 是/否", lambda: XE_SCORE("政府绩效落实", "也许"), "应填“是”或“否”"),
    ("not an option", lambda: XE_SCORE("预决算信息公开", [["部门预算公开情况", "差不多"]]), "应为以下选项之一"),
    ("range for a cell", lambda: XE_ROUND([[1, 2]], 2), "单个单元格"),
    # unknown names
    ("unknown leaf", lambda: XE_SCORE("不存在的指标", 1), "未知的指标“不存在的指标”"),
    ("unknown leaf", lambda: XE_EXPLAIN("xx", 1), "未知的指标"),
    ("unknown leaf", lambda: XE_BAND("xx", 0.1), "未知的指标"),
    ("unknown leaf", lambda: XE_INPUTS("xx"), "未知的指标"),
    ("unknown rate", lambda: XE_RATE("增长率", [["年初预算数", 1]]), "未知的比率"),
    ("unknown level", lambda: XE_SUBTOTAL("其他", [["年初预算数", 1]]), "未知的一级或二级指标"),
    ("unknown input name", lambda: XE_SCORE("预算调整率", [["年初预算", 1000], ["全年预算数", 1100]]), "未知的名称“年初预算”"),
    ("not a banded leaf", lambda: XE_BAND("政府绩效落实", 1), "不是分档计分"),
    # blank required (control) arguments
    ("blank required", lambda: XE_SCORE(None, 1), "缺少参数 leaf"),
    ("blank required", lambda: XE_SCORE("", 1), "缺少参数 leaf"),
    ("blank required", lambda: XE_EXPLAIN("  ", 1), "缺少参数 leaf"),
    ("blank required", lambda: XE_BAND([[None]], 0.1), "缺少参数 leaf"),
    ("blank required", lambda: XE_RATE(None, [["年初预算数", 1]]), "缺少参数 rate_name"),
    ("blank required", lambda: XE_SUBTOTAL(None, [["年初预算数", 1]]), "缺少参数 level"),
    ("blank required", lambda: XE_ROUND(1.5, None), "缺少参数 digits"),
    # zero denominators the framework leaves undefined (and defined ones are not errors: below)
    ("zero denominator", lambda: XE_ASSET_USE_RATE(5, 0), "分母为0"),
    ("zero denominator", lambda: XE_COMPLETION_RATE(3, 0), "分母为0"),
    ("zero denominator", lambda: XE_RATIO(1, 0), "分母为0"),
    ("zero denominator", lambda: XE_RATIO(0, 0), "分母为0"),
    ("zero denominator", lambda: XE_SCORE("固定资产利用率", _tables()["asset_zero"]), "分母为0"),
    ("zero denominator", lambda: XE_EXPLAIN("固定资产利用率", _tables()["asset_zero"]), "分母为0"),
    ("zero denominator", lambda: XE_RATE("项目完成率", _tables()["planned_zero"]), "分母为0"),
    ("zero denominator", lambda: XE_SUBTOTAL("产出", _tables()["planned_zero"]), "分母为0"),
    # outside every band / grade
    ("outside the bands", lambda: XE_SCORE("预算调整率", -0.1), "不在评分标准的任何档内"),
    ("outside the bands", lambda: XE_BAND("固定资产利用率", -0.5), "不在评分标准的任何档内"),
    # Excel error values in cells, and table shape
    ("excel error", lambda: XE_ROUND("#DIV/0!", 2), "错误值 #DIV/0!"),
    ("excel error", lambda: XE_SCORE("预算调整率", "#N/A"), "错误值 #N/A"),
    ("bad table", lambda: XE_SCORE("财务合规性", [[1, 2, 3]]), "两列区域"),
    ("bad table", lambda: XE_SCORE("财务合规性", [1, 2, 3], ["a", "b"]), "应一样多"),
    ("several inputs", lambda: XE_SCORE("财务合规性", 2), "需要多个输入"),
    ("duplicate name", lambda: XE_SCORE("预算调整率", [["预算调整率", 0.1], ["adjustment_rate", 0.2]]), "出现了两次"),
]


@pytest.mark.parametrize("kind, call, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_chinese_texts_in_the_cell(kind, call, words):
    result = call()
    assert is_error(result) and result.startswith("#错误：")
    assert words in result


def test_defined_zero_denominators_are_not_errors():
    # The framework's zero_denominator outcomes (annex1.yaml)
    assert XE_ASSET_USE_RATE(0, 0) == 1.0           # no assets: nothing idle
    assert XE_COMPLETION_RATE(0, 0) == 1.0
    assert XE_ADJUSTMENT_RATE(0, 0) == 0.0
    assert XE_THREE_PUBLIC_RATE(0, 0) == 0.0
    assert XE_THREE_PUBLIC_RATE(1, 0) == "∞"        # spending without budget: over
    assert XE_SCORE("“三公”经费控制率", [["“三公”经费实际支出数", 1], ["“三公”经费预算数", 0]]) == 0


def test_an_error_is_passed_on_unchanged():
    first = XE_ROUND("abc", 2)
    assert XE_GRADE(first) == first
    assert XE_SCORE("预算调整率", first) == first
    assert XE_SCORE("财务合规性", [["预算调整率", first], ["资金支出规范性得分", 2]]) == first


def test_no_udf_raises_whatever_it_is_given():
    odd = [None, "", "abc", -1.0, float("nan"), [[None, None]], [[1, 2], [3, 4]], object(), True,
           __import__("datetime").datetime(2024, 1, 1), "#错误：上游", "预算调整率"]
    for name in udfs.__all__:
        f = getattr(udfs, name)
        n = len(inspect.signature(f).parameters)
        for args in itertools.product(odd, repeat=min(n, 2)):
            args = args + (None,) * (n - len(args))
            result = f(*args)
            assert result is None or isinstance(result, (float, str)), (name, args, result)
            if isinstance(result, float):
                assert math.isfinite(result)


def test_engine_failure_becomes_an_error_text():
    # 年初预算数 0 and 全年预算数 > 0: the adjustment rate is infinite; whatever the
    # engine does with it, the cell shows a number or an error text, never a traceback.
    table = [["资金支出规范性得分", 2], ["年初预算数", 0], ["全年预算数", 5], ["是否存在违规支出", "否"]]
    result = XE_SCORE("财务合规性", table)
    assert isinstance(result, float) or is_error(result)


# --------------------------------------------------------------- framework

@pytest.fixture
def other_framework(tmp_path):
    path = tmp_path / "other.yaml"
    text = DEFAULT_FRAMEWORK.read_text(encoding="utf-8")
    assert "name: 优}" in text
    path.write_text(text.replace("name: 优}", "name: 优秀}"), encoding="utf-8")
    return path


def test_framework_argument_and_environment_variable(monkeypatch, other_framework, tmp_path):
    monkeypatch.delenv("XE_FRAMEWORK", raising=False)
    assert XE_GRADE(95) == "优"
    assert XE_GRADE(95, str(other_framework)) == "优秀"
    assert XE_SCORE("预算调整率", 0.165, None, str(other_framework)) == 2
    monkeypatch.setenv("XE_FRAMEWORK", str(other_framework))
    assert XE_GRADE(95) == "优秀"
    assert XE_GRADE(95, str(DEFAULT_FRAMEWORK)) == "优"      # the argument wins
    monkeypatch.setenv("XE_FRAMEWORK", str(tmp_path / "missing.yaml"))
    assert XE_GRADE(95).startswith("#错误：找不到框架文件")
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: xl-eval-framework/1\nid: [", encoding="utf-8")
    assert XE_GRADE(95, str(broken)).startswith("#错误：框架文件有误：broken.yaml")


def test_framework_cache_reloads_an_edited_file(other_framework):
    udfs._load_cached.cache_clear()
    assert XE_GRADE(95, str(other_framework)) == "优秀"
    assert XE_GRADE(91, str(other_framework)) == "优秀"
    assert udfs._load_cached.cache_info().hits >= 1 and udfs._load_cached.cache_info().misses == 1
    text = other_framework.read_text(encoding="utf-8").replace("name: 优秀}", "name: 甲等}")
    other_framework.write_text(text, encoding="utf-8")
    st = other_framework.stat()
    os.utime(other_framework, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert XE_GRADE(95, str(other_framework)) == "甲等"


# ------------------------------------------------- imports and signatures

def test_xl_eval_does_not_import_xlwings():
    code = ("import sys, xl_eval, xl_eval.cli, xl_eval.engine.score, xl_eval.framework.model, xl_eval.engine.inputs; "
            "assert 'xlwings' not in sys.modules, 'xlwings imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_xlwings_decorators_do_nothing_here():
    xw = pytest.importorskip("xlwings")
    if sys.platform.startswith("win"):
        pytest.skip("on Windows the decorators register the functions")

    def f(a):
        return a
    assert xw.func(f) is f and xw.func(category="x")(f) is f
    assert xw.arg("a", doc="说明")(f) is f and xw.ret()(f) is f


VBA_RESERVED = set("""and as boolean byref byte byval call case const currency date declare dim do
double each else elseif empty end enum eqv erase error event exit false for friend function get global
gosub goto if imp implements in integer is let like long loop lset me mod new next not nothing null on
optional or paramarray preserve private property public raiseevent redim rem resume return rset select
set single static step stop string sub then to true type typeof until variant wend while with
withevents xor name open close print input line seek lock unlock get put write len mid
caller argsarray k""".split())
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_udf_has_a_signature_xlwings_accepts():
    names = [n for n in dir(udfs) if n.startswith("XE_")]
    assert sorted(names) == sorted(udfs.__all__)
    for name in udfs.__all__:
        f = getattr(udfs, name)
        assert name.isascii() and name.isidentifier() and name.isupper() and len(name) <= 64
        # Office.js custom function names (xlwings Lite): letter first, then letters/digits/_/.
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", name)
        params = inspect.signature(f).parameters.values()
        seen = {name.lower()}
        for p in params:
            assert p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, (name, p)
            assert p.annotation is inspect.Parameter.empty, (name, p)  # hints would become converters
            assert re.fullmatch(r"[a-z][a-z0-9_]*", p.name), (name, p.name)
            assert p.name.lower() not in VBA_RESERVED and p.name.lower() not in seen, (name, p.name)
            seen.add(p.name.lower())
        doc = f.__doc__ or ""
        assert CJK.search(doc) and len(doc) <= 255, name  # Excel truncates descriptions at 255


def _stub_windows_modules(monkeypatch):
    """Just enough of pywin32 for xlwings.udfs (the classic add-in's code) to import."""
    try:
        import pythoncom  # noqa: F401  (real pywin32: nothing to stub)
        return
    except ImportError:
        pass
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com.client = client
    for name, module in {"pythoncom": pythoncom, "pywintypes": pywintypes,
                         "win32com": win32com, "win32com.client": client}.items():
        if name not in sys.modules:
            monkeypatch.setitem(sys.modules, name, module)


def test_classic_xlwings_registration_accepts_every_udf(monkeypatch):
    """Decorate with classic xlwings' own xlfunc/xlarg and generate the VBA it imports."""
    xlwings = pytest.importorskip("xlwings")
    _stub_windows_modules(monkeypatch)
    had_udfs = "xlwings.udfs" in sys.modules
    try:
        import xlwings.udfs as classic
        monkeypatch.setattr(xlwings, "func", classic.xlfunc, raising=False)
        monkeypatch.setattr(xlwings, "arg", classic.xlarg, raising=False)
        monkeypatch.setattr(xlwings, "ret", classic.xlret, raising=False)
        spec = importlib.util.spec_from_file_location("xl_eval._udfs_registered", udfs.__file__)
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "xl_eval"
        spec.loader.exec_module(module)

        for name in udfs.__all__:
            f = getattr(module, name)
            info = f.__xlfunc__
            assert classic.func_sig(f)["vararg"] is None
            assert info["name"] == name and info["category"] == "xl-eval" and not info["sub"]
            assert info["ret"]["doc"] == getattr(udfs, name).__doc__
            params = list(inspect.signature(getattr(udfs, name)).parameters)
            assert [a["name"] for a in info["args"]] == params
            for a in info["args"]:
                assert CJK.search(a["doc"]) and len(a["doc"]) <= 255, (name, a["name"])
                assert a["options"].get("err_to_str") is True
                assert (a["options"].get("ndim") == 2) == (a["name"] in udfs.RANGE_PARAMS)
        # The registered functions still work as plain Python.
        assert module.XE_SCORE("预算调整率", 0.165) == 2 and module.XE_ROUND(2.675, 2) == 2.68

        vba = io.StringIO()
        classic.generate_vba_wrapper("xl_eval.udfs", module, vba, types.SimpleNamespace(Name="Book1.xlsx"))
        text = vba.getvalue()
        assert text.isascii()
        declared = re.findall(r"^Function (XE_\w+)\((.*)\)$", text, re.M)
        assert sorted(n for n, _ in declared) == sorted(udfs.__all__)
        assert dict(declared)["XE_SCORE"] == "leaf, values, Optional labels, Optional framework, Optional weight"
        assert dict(declared)["XE_ROW"] == "leaf, row, Optional framework"
        assert dict(declared)["XE_ROUND"] == "x, digits"
    finally:
        if not had_udfs:
            sys.modules.pop("xlwings.udfs", None)
            if hasattr(xlwings, "udfs"):
                delattr(xlwings, "udfs")


# ------------------------------------------------ the formulas harness

@pytest.fixture(scope="module")
def tiny_workbook(tmp_path_factory):
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.workbook.defined_name import DefinedName
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "计算"
    cells = {
        "x": ("A2", 2.675), "digits": ("B2", 2), "total": ("C2", 90),
        "rounded": ("A4", "=XE_ROUND(x,digits)"),
        "grade": ("B4", "=XE_GRADE(total)"),
        "grade_of_rounded": ("C4", "=XE_GRADE(XE_ROUND(total,0))"),
        "fin_score": ("D4", '=XE_SCORE("财务合规性",E2:F4)'),
        "adjustment": ("A8", "=XE_ADJUSTMENT_RATE(G2,H2)"),
        "div_error": ("F6", "=XE_ROUND(1/0,2)"),
    }
    for name, (ref, value) in cells.items():
        ws[ref] = value
        wb.defined_names[name] = DefinedName(name, attr_text=f"'计算'!${ref[0]}${ref[1:]}")
    for row, (label, value) in enumerate([("资金支出规范性得分", 2), ("预算调整率", 0.165),
                                          ("是否存在违规支出", "否")], start=2):
        ws[f"E{row}"], ws[f"F{row}"] = label, value
    ws["G2"], ws["H2"] = 3592.06, 4184.69
    path = tmp_path_factory.mktemp("formulas") / "tiny.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("x, digits, total, rounded, grade", [
    (2.675, 2, 90, 2.68, "优"), (1.005, 2, 89.99, 1.01, "良"), (0.125, 2, 80, 0.13, "良"),
    (-2.5, 0, 60, -3, "中"), (95.35, 1, 59.99, 95.4, "差"), (None, 2, None, None, None),
])
def test_formulas_harness_computes_udf_cells(tiny_workbook, x, digits, total, rounded, grade):
    pytest.importorskip("formulas")
    from formulas_engine import compute
    out = compute(tiny_workbook, {"x": x, "digits": digits, "total": total})
    assert out["rounded"] == rounded and out["grade"] == grade
    assert out["rounded"] == XE_ROUND(x, digits) and out["grade"] == XE_GRADE(total)
    assert out["grade_of_rounded"] == XE_GRADE(XE_ROUND(total, 0))
    assert out["fin_score"] == 4.4 and out["adjustment"] == 0.165
    assert out["div_error"] == "#错误：引用的单元格是错误值 #DIV/0!"


def test_formulas_harness_registers_every_udf(tiny_workbook):
    pytest.importorskip("formulas")
    from formulas.functions import get_functions
    from formulas_engine import compute, register_udfs
    assert sorted(register_udfs()) == sorted(udfs.__all__)
    assert all(name in get_functions() for name in udfs.__all__)
    assert compute(tiny_workbook, {"x": "abc"})["rounded"] == XE_ROUND("abc", 2)


# ------------------------------------------------ open weights and rows the unit defines

@pytest.fixture(scope="module")
def project_path():
    from xl_eval.framework.registry import resolve
    return str(resolve("project_2020_10"))


def _effect_rows():
    """财预〔2020〕10号 实施效益 rows in the 自定义指标 column order (效益类型, 指标名称, 指标性质,
    年度指标值, 计量单位, 实际完成值, 分值, 定性完成情况, 得分比例)."""
    return [["社会效益", "惠及居民户数", "≥", 1200, "户", 1260, 8, None, None],
            [None] * 9,                                                              # a spare row
            ["社会效益", "带动就业人数", "≥", 50, "人", 40, 4, None, None],           # 40/50 = 80% x 4 = 3.2
            ["社会效益", "投诉天数", "≤", 25, "天", 30, 2, None, None],               # 25/30 = 83.33% x 2 = 1.67
            ["生态效益", "居住环境改善", "定性", None, None, None, 2, "部分达成", 0.65]]  # 65% x 2 = 1.3


def test_xe_row_scores_one_row_by_hand(project_path):
    rows = _effect_rows()
    assert [udfs.XE_ROW("实施效益", [r], project_path) for r in rows] == [8, None, 3.2, 1.67, 1.3]
    assert udfs.XE_ROW("effects", [rows[2][:6] + [None, None, None]], project_path) is None   # no points yet
    assert udfs.XE_ROW("effects", [["", "", "", "", "", "", "", "", ""]], project_path) is None
    share = udfs.XE_ROW("effects", [rows[4][:8] + [0.9]], project_path)        # 90% is not 部分达成
    assert is_error(share) and "居住环境改善" in share
    assert "应为9列" in udfs.XE_ROW("effects", [rows[0][:5]], project_path)
    assert "应为一行" in udfs.XE_ROW("effects", rows[:2], project_path)
    assert "没有单位自定义的指标行" in udfs.XE_ROW("满意度", [rows[0]], project_path)


def test_xe_score_of_a_rows_block_and_its_open_weight(project_path):
    rows = _effect_rows() + [[None] * 9] * 5                                       # the block's 10 lines
    assert udfs.XE_SCORE("实施效益", rows, "", project_path, 16) == 14.17         # 8 + 3.2 + 1.67 + 1.3
    assert udfs.XE_SCORE("实施效益", rows, "", project_path, 10) == 10            # clamped to the weight
    assert udfs.XE_SCORE("实施效益", rows, "", project_path, None) is None        # weight not set yet
    assert udfs.XE_SCORE("实施效益", [[None] * 9] * 10, "", project_path, 16) is None   # no row yet
    assert "最多10行" in udfs.XE_SCORE("实施效益", rows + [[None] * 9], "", project_path, 16)
    assert udfs.XE_INPUTS("实施效益", project_path).startswith("效益类型、指标名称、指标性质、年度指标值")


def test_xe_score_with_an_open_weight(project_path):
    table = [["t_satisfaction", 0.9], ["satisfaction", 0.81]]                        # 0.81 / 0.9 = 90%
    assert udfs.XE_SCORE("满意度", table, None, project_path, 10) == 9
    assert udfs.XE_SCORE("满意度", table, None, project_path, "10") == 9
    assert udfs.XE_SCORE("满意度", table, None, project_path) is None               # weight blank: pending
    assert udfs.XE_SCORE("满意度", table + [["weight_satisfied", 10]], None, project_path) == 9
    assert "待填写" in udfs.XE_EXPLAIN("满意度", table, None, project_path)
    zero = udfs.XE_SCORE("满意度", table, None, project_path, 0)
    assert is_error(zero) and "权重应大于 0" in zero


def test_xe_grade_without_grades_is_blank(tmp_path):
    import yaml
    d = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    d.pop("grades")
    path = tmp_path / "no_grades.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    assert udfs.XE_GRADE(95.4, str(path)) is None and udfs.XE_GRADE(95.4) == "优"


_FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


@pytest.mark.parametrize("name", ["project_2020_10", "dept_2013_53"])
@pytest.mark.parametrize("typed_as", ["csv", "full_width"])
def test_national_samples_read_as_the_engine_reads_them(name, typed_as):
    """The shipped national systems' sample rows, as a label | text table (weights and
    unit-defined rows included), typed as in the CSV or with full-width digits: the XE_
    functions read every text as engine.inputs.parse_inputs does, and score as the engine."""
    from xl_eval.framework.model import load
    from xl_eval.framework.registry import resolve
    path = str(resolve(name))
    fw = load(path)
    table = read_table(SAMPLES / f"{name}.csv")
    codes = map_columns(fw, table.columns).codes
    compared = 0
    for row in table.rows:
        raw = {h: row.values.get(h) for h in codes}
        if typed_as == "full_width":
            raw = {h: v.translate(_FULL_WIDTH) if isinstance(v, str) else v for h, v in raw.items()}
        typed, problems = parse_inputs(fw, {codes[h]: v for h, v in raw.items()})
        assert not [p for p in problems if not p.missing], problems
        ev = evaluate(fw, typed)
        labels = two_columns(raw)
        for leaf in fw.leaves:
            assert XE_SCORE(leaf.name, labels, None, path) == ev.leaves[leaf.code].score, leaf.name
            compared += ev.leaves[leaf.code].score is not None
        assert XE_TOTAL(labels, None, path) == ev.total
        assert XE_GRADE(ev.total, path) == ev.grade
    assert compared >= len(fw.leaves)

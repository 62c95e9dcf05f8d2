import math
import pickle
from decimal import Decimal

import pytest

from xl_eval.core.values import ValueProblem, chinese_numeral, normalise_label, parse_number


# --- blanks ------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    None, float("nan"), Decimal("NaN"), "", "   ", "\u3000", "\u00a0", " \u3000\u00a0\t\n",
    "\u200b", "-", "—", "——", "－", "–", "−", "--", " - ",
])
@pytest.mark.parametrize("kind", ["amount", "count", "score", "rate"])
def test_blank_values_are_none(raw, kind):
    assert parse_number(raw, kind=kind) is None


def test_pandas_missing_markers_are_blank():
    pd = pytest.importorskip("pandas")
    assert parse_number(pd.NA) is None
    assert parse_number(pd.NaT) is None


# --- amounts -----------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (3592.06, 3592.06),
    (0, 0.0),
    (4184, 4184.0),
    (Decimal("2.72"), 2.72),
    ("3592.06", 3592.06),
    ("  3592.06  ", 3592.06),
    ("\u30003592.06\u00a0", 3592.06),
    ("３５９２．０６", 3592.06),
    ("1,234.56", 1234.56),
    ("1，234.56", 1234.56),
    ("12,345,678.9", 12345678.9),
    ("1234.56万元", 1234.56),
    ("1234.56 万元", 1234.56),
    ("1234.56万", 1234.56),
    ("1234.56（万元）", 1234.56),
    ("00123", 123.0),
    ("+5", 5.0),
    (".5", 0.5),
    ("5.", 5.0),
    ("1.5E+03", 1500.0),
    ("-0", 0.0),
    ("0.00", 0.0),
])
def test_amount_accepted(raw, expected):
    value = parse_number(raw, kind="amount")
    assert value == expected
    assert isinstance(value, float)


def test_amount_default_kind_and_exact_decimal_text():
    # no unit conversion, no arithmetic: exactly what the text says
    assert parse_number("4184.69") == 4184.69
    assert parse_number("2452.53万元") == 2452.53
    assert parse_number("0.1") == 0.1
    assert math.copysign(1.0, parse_number("-0")) == 1.0


@pytest.mark.parametrize("raw, reason, suggestion", [
    ("3592.06元", "单位应为万元（填的是元）", 0.359206),
    ("35920600 元", "单位应为万元（填的是元）", 3592.06),
    ("12.5千元", "单位应为万元（填的是千元）", 1.25),
    ("1.2亿元", "单位应为万元（填的是亿元）", 12000.0),
    ("1.2亿", "单位应为万元（填的是亿）", 12000.0),
])
def test_amount_wrong_money_unit(raw, reason, suggestion):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="amount")
    assert info.value.reason == reason
    assert "万元" in info.value.reason
    assert info.value.suggestion == suggestion
    assert info.value.raw == raw


@pytest.mark.parametrize("raw", ["-5", "-3592.06", "−5", "－5", "(12.50)", "（12.50）", -1, -0.01,
                                 "-1,234.5万元"])
def test_amount_negative(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="amount")
    assert info.value.reason == "不能为负数"
    assert info.value.suggestion is None


def test_negative_amount_in_wrong_unit_has_no_suggestion():
    with pytest.raises(ValueProblem) as info:
        parse_number("-3592.06元", kind="amount")
    assert info.value.suggestion is None


@pytest.mark.parametrize("raw", ["16.5%", "16.5％", "5‰"])
@pytest.mark.parametrize("kind", ["amount", "count", "score"])
def test_percent_outside_rate_columns(raw, kind):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind=kind)
    assert info.value.reason == "不应为百分数"
    assert info.value.suggestion is None


@pytest.mark.parametrize("raw", ["1,23", "12,34.5", "1,2345", "1234,567", "1,234,56"])
def test_bad_thousands_grouping(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="amount")
    assert info.value.reason == "千分位逗号位置不对"
    assert info.value.suggestion is None


@pytest.mark.parametrize("raw", ["3592.06 4184.69", "100/200", "1、2", "28项/30项", "1 2"])
def test_several_numbers(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="amount")
    assert info.value.reason == "含多个数字"
    assert info.value.suggestion is None


@pytest.mark.parametrize("raw", ["abc", "无", "/", "N/A", "#DIV/0!", "1.2.3", "3592.06美元", "约100",
                                 "一般", ",123", "TRUE", True, False, float("inf"), float("-inf"),
                                 Decimal("Infinity"), "1e400", object(), [1]])
def test_not_a_number(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="amount")
    assert info.value.reason == "不是数字"
    assert info.value.suggestion is None
    assert info.value.raw is raw


def test_yen_sign_is_ambiguous():
    with pytest.raises(ValueProblem) as info:
        parse_number("￥3,592.06", kind="amount")
    assert info.value.reason == "单位不明确"
    assert info.value.suggestion is None


# --- Chinese numerals --------------------------------------------------------

@pytest.mark.parametrize("raw, kind, suggestion", [
    ("三千", "amount", 3000.0),
    ("二十八", "count", 28.0),
    ("二十八个", "count", 28.0),
    ("一万二千", "count", 12000.0),
    ("两万", "count", 20000.0),
    ("十", "score", 10.0),
    ("零", "count", 0.0),
    ("三千元", "amount", 0.3),          # 3000 元 = 0.3 万元
    ("三千万元", "amount", 3000.0),     # 3000 万
    ("两万", "amount", 2.0),            # trailing 万 is the unit of a 万元 column
    ("十六%", "rate", 0.16),
    ("一万二千", "amount", None),       # 元 or 万元? ambiguous
    ("三千五", "count", None),          # colloquial, ambiguous
    ("一万二", "count", None),
    ("三十", "rate", None),             # 30% or 3000%?
])
def test_chinese_numeral_suggestion(raw, kind, suggestion):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind=kind)
    assert info.value.reason == "应写阿拉伯数字"
    assert info.value.suggestion == suggestion


@pytest.mark.parametrize("text, value", [
    ("零", 0), ("〇", 0), ("五", 5), ("十", 10), ("十二", 12), ("二十", 20), ("二十八", 28),
    ("一百", 100), ("一百零五", 105), ("两百", 200), ("三千", 3000), ("一千零五十", 1050),
    ("两千零二十四", 2024), ("九千九百九十九", 9999), ("一万", 10000), ("十万", 100000),
    ("一万二千", 12000), ("一万零五", 10005), ("一万零五百", 10500), ("二十八万", 280000),
    ("两万", 20000),
])
def test_chinese_numeral_converter(text, value):
    assert chinese_numeral(text) == value


@pytest.mark.parametrize("text", [
    "", "百", "千", "万", "零五", "一百零", "二二", "十十", "三千五", "一万二", "一万二十",
    "一百零五十", "一千零五百", "二零二四", "一万万", "零万", "百一", "一十百",
])
def test_chinese_numeral_converter_rejects_unclear(text):
    assert chinese_numeral(text) is None


# --- counts ------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (28, 28.0), (28.0, 28.0), ("28", 28.0), ("28.0", 28.0), ("28个", 28.0), ("28项", 28.0),
    ("3处", 3.0), ("3 处", 3.0), ("２８", 28.0), ("1,000", 1000.0), ("0", 0.0), ("5人次", 5.0),
    (28.000000000000004, 28.0),  # float noise from an Excel formula
])
def test_count_accepted(raw, expected):
    assert parse_number(raw, kind="count") == expected


@pytest.mark.parametrize("raw", [28.5, "28.5", "2.5个", 0.1])
def test_count_not_integer(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="count")
    assert info.value.reason == "应为整数"
    assert info.value.suggestion is None


@pytest.mark.parametrize("raw", [-1, "-3", "-3项"])
def test_count_negative(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="count")
    assert info.value.reason == "不能为负数"


@pytest.mark.parametrize("raw", ["28万元", "28分", "28米"])
def test_count_wrong_unit(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="count")
    assert info.value.reason == "不是数字"


# --- scores ------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (4.4, 4.4), ("4.4", 4.4), ("4.4分", 4.4), ("95.4 分", 95.4), ("0.25", 0.25), (12, 12.0),
    ("-0.6", -0.6), ("(0.6)", -0.6),
])
def test_score_accepted(raw, expected):
    assert parse_number(raw, kind="score") == expected


def test_score_rejects_money_unit():
    with pytest.raises(ValueProblem) as info:
        parse_number("5万元", kind="score")
    assert info.value.reason == "不是数字"


# --- rates -------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("16.5%", 0.165), ("16.5 %", 0.165), ("16.5％", 0.165), ("１６．５％", 0.165),
    (0.165, 0.165), ("0.165", 0.165), ("0%", 0.0), ("100%", 1.0), ("90.67%", 0.9067),
    ("120%", 1.2), ("1,200%", 12.0), ("-5%", -0.05), ("5‰", 0.005), ("1", 1.0), ("-1", -1.0),
    (1.2, 1.2),  # a number cell (Excel percent format stores 1.2 for 120%) is taken as it is
    (0, 0.0),
])
def test_rate_accepted(raw, expected):
    assert parse_number(raw, kind="rate") == expected


def test_rate_percent_is_exact():
    # 16.5% must be the float nearest to 0.165, not 16.5 / 100 with binary noise
    assert parse_number("16.5%", kind="rate") == float("0.165")
    assert parse_number("0.29%", kind="rate") == float("0.0029")


@pytest.mark.parametrize("raw", ["16.5", "1.5", "-16.5", "100"])
def test_rate_text_above_one_without_percent_is_ambiguous(raw):
    with pytest.raises(ValueProblem) as info:
        parse_number(raw, kind="rate")
    assert info.value.reason == "单位不明确"
    assert info.value.suggestion is None
    assert "%" in str(info.value)


def test_rate_rejects_other_units():
    with pytest.raises(ValueProblem) as info:
        parse_number("16.5万元", kind="rate")
    assert info.value.reason == "不是数字"


# --- the exception itself ----------------------------------------------------

def test_value_problem_is_a_value_error_with_readable_message():
    with pytest.raises(ValueError) as info:
        parse_number("3592.06元", kind="amount")
    problem = info.value
    assert isinstance(problem, ValueProblem)
    assert str(problem) == "“3592.06元”：单位应为万元（填的是元），是否应为 0.359206？"


def test_value_problem_message_without_suggestion():
    with pytest.raises(ValueProblem) as info:
        parse_number("abc")
    assert str(info.value) == "“abc”：不是数字"


def test_value_problem_message_with_integral_suggestion():
    with pytest.raises(ValueProblem) as info:
        parse_number("三千")
    assert str(info.value) == "“三千”：应写阿拉伯数字，是否应为 3000？"


def test_value_problem_pickles():
    problem = ValueProblem("不是数字", "abc", None)
    copy = pickle.loads(pickle.dumps(problem))
    assert (copy.reason, copy.raw, copy.suggestion, str(copy)) == \
        ("不是数字", "abc", None, str(problem))


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError) as info:
        parse_number("1", kind="money")
    assert not isinstance(info.value, ValueProblem)


# --- labels ------------------------------------------------------------------

def test_normalise_label_quotes_and_spaces():
    expected = "三公经费预算数"
    assert normalise_label('"三公"经费预算数') == expected
    assert normalise_label("“三公”经费预算数") == expected
    assert normalise_label(' "三公" 经费预算数 ') == expected
    assert normalise_label("「三公」经费\u3000预算数") == expected
    assert normalise_label("‘三公’经费\n预算数") == expected
    assert normalise_label("＂三公＂经费预算数") == expected


def test_normalise_label_width_case_and_invisible_characters():
    assert normalise_label("ＡＢＣ　预算（万元）") == "abc预算(万元)"
    assert normalise_label("\ufeffName") == "name"
    assert normalise_label("Budget\u00a0Total") == "budgettotal"
    assert normalise_label("预算数\u200b") == "预算数"

"""Excel's ROUND: half away from zero on the value as Excel shows it."""

import pytest

from xl_eval.core.xlround import fixed, percent, xl_round


@pytest.mark.parametrize("x, digits, expected", [
    (0.125, 2, 0.13),      # round() gives 0.12
    (2.675, 2, 2.68),      # round() gives 2.67 (binary 2.67499...)
    (1.005, 2, 1.01),      # round() gives 1.0
    (95.35, 1, 95.4),      # round() gives 95.3
    (0.95 * 20.5, 2, 19.48),  # 19.474999999999998 in binary, Excel shows 19.475
    (-2.5, 0, -3.0),       # away from zero; round() gives -2
    (2.5, 0, 3.0),
    (16.4983, 2, 16.5),
    (0.164983, 4, 0.165),
    (1234.5, -1, 1230.0),
    (0.0, 2, 0.0),
])
def test_xl_round_matches_excel(x, digits, expected):
    assert xl_round(x, digits) == expected


def test_python_round_really_differs_on_these():
    # Guard that the cases above are the interesting ones.
    assert round(0.125, 2) != 0.13 and round(2.675, 2) != 2.68 and round(1.005, 2) != 1.01


def test_shown_texts():
    assert fixed(17.4, 2) == "17.40"
    assert percent(0.9535) == "95.35%"
    assert percent(0.164983) == "16.50%"


def test_huge_values_do_not_overflow_decimal():
    assert xl_round(1e30, 2) == 1e30
    assert xl_round(1.5e300, 0) == 1.5e300

"""XE208–XE210 compare the pairs a framework declares (check_text), not names in code.

Hand-made values: 及时完成 38 of 36 done is impossible (XE208); a 预算数 of
20,000,000 "万元" beside a 预算完成数 of 1,900 万元 is ~10,526 times larger, so
it was typed in 元 (XE209); 预算完成数 900 against 预算数 2,000 is 55% off,
more than the declared 50% (XE210).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from xl_eval.engine.validity import assess
from xl_eval.framework.load import FrameworkError, from_dict, load
from xl_eval.framework.registry import resolve


def codes(fw, values):
    return sorted((i.code, i.input) for i in assess(fw, values).issues if i.code in ("XE208", "XE209", "XE210"))


@pytest.fixture(scope="module")
def dept():
    return load(resolve("dept_2013_53"))


def test_dept_framework_pairs(dept):
    base = {"budget": 2000.0, "budget_done": 1900.0, "spend_budget": 2000.0,
            "work_done": 36.0, "work_on_time": 36.0, "work_qualified": 36.0}
    assert codes(dept, base) == []
    assert codes(dept, {**base, "work_on_time": 38.0}) == [("XE208", "work_on_time")]
    assert codes(dept, {**base, "budget": 20_000_000.0}) == [("XE209", "budget")]
    assert codes(dept, {**base, "budget_done": 900.0}) == [("XE210", "budget_done")]


def test_a_framework_without_pairs_gets_none_of_these_checks():
    data = yaml.safe_load(resolve("annex1").read_text(encoding="utf-8"))
    bare = copy.deepcopy(data)
    del bare["check_text"]
    fw, fw_bare = from_dict(data), from_dict(bare)
    values = {"gp_planned": 3.0, "gp_completed": 5.0}
    assert ("XE208", "gp_completed") in codes(fw, values)
    assert codes(fw_bare, values) == []


@pytest.mark.parametrize("check_text, key", [
    ({"same_scale": ["no_such_input"]}, "check_text.same_scale"),
    ({"same_scale": "budget_full"}, "check_text.same_scale"),
    ({"near": [["final_accounts", "budget_full"]]}, "check_text.near[0]"),
    ({"near": [["final_accounts", "budget_full", "half"]]}, "check_text.near[0]"),
    ({"near": [["final_accounts", "projects_planned", 0.5]]}, "check_text.near[0]"),
    ({"near": "x"}, "check_text.near"),
])
def test_malformed_pairs_name_the_key(check_text, key):
    data = yaml.safe_load(resolve("annex1").read_text(encoding="utf-8"))
    data["check_text"] = check_text
    with pytest.raises(FrameworkError) as exc:
        from_dict(data)
    assert key in str(exc.value)

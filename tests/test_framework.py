"""Loading framework files: every malformed file is rejected with the key path."""

import copy

import pytest
import yaml

from xl_eval.framework.model import DEFAULT_FRAMEWORK, FrameworkError, from_dict, load, parse_interval

ISSUE_LABELS = ["年初预算数", "全年预算数", "决算数", "不计入调整的预算调整数", "结转结余总额",
                '"三公"经费预算数', '"三公"经费实际支出数', "固定资产总额", "在用固定资产总额",
                "计划项目数", "完成项目数", "政府采购计划项目数", "政府采购完成项目数", "政府采购不符合要求处数"]


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))


def problems_of(data):
    with pytest.raises(FrameworkError) as info:
        from_dict(data, "f.yaml")
    return info.value.problems


def test_shipped_framework_has_annex1_shape(fw):
    assert [l1.name for l1 in fw.level1] == ["决策", "过程", "产出", "效益"]
    assert [sum(x.weight for x in l1.leaves) for l1 in fw.level1] == [20, 43, 24, 13]
    assert len(fw.leaves) == 18 and sum(x.weight for x in fw.leaves) == 100
    assert [g.name for g in fw.grades] == ["优", "良", "中", "差"]


def test_issue_labels_are_accepted_exactly_as_written(fw):
    codes = [fw.input_code(label) for label in ISSUE_LABELS]
    assert None not in codes and len(set(codes)) == 14
    assert fw.input_code("“三公”经费预算数") == fw.input_code('"三公"经费预算数') == "three_public_budget"
    assert fw.input_code("budget_initial") == "budget_initial"
    assert fw.input_code("没有这个输入") is None


def test_hash_ignores_comments_but_not_content(raw, tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("# a comment\n" + DEFAULT_FRAMEWORK.read_text(encoding="utf-8"), encoding="utf-8")
    assert load(a).content_hash == load().content_hash
    changed = copy.deepcopy(raw)
    changed["version"] = "9.9.9"
    assert from_dict(changed).content_hash != load().content_hash


def test_missing_key(raw):
    data = copy.deepcopy(raw)
    del data["indicators"][0]["children"][0]["children"][0]["weight"]
    assert ("indicators[0].children[0].children[0].weight", "缺少此项") in problems_of(data)


def test_unknown_rule_kind(raw):
    data = copy.deepcopy(raw)
    data["indicators"][1]["children"][0]["children"][0]["rule"]["kind"] = "banded"
    keys = [k for k, _ in problems_of(data)]
    assert "indicators[1].children[0].children[0].rule.kind" in keys


def test_unknown_input_in_rule_and_in_rate(raw):
    data = copy.deepcopy(raw)
    data["indicators"][2]["children"][0]["children"][2]["rule"]["input"] = "demo_wrk"
    data["rates"][0]["denominator"] = "budget_inital"
    probs = dict(problems_of(data))
    assert "demo_wrk" in probs["indicators[2].children[0].children[2].rule.input"]
    assert "budget_inital" in probs["rates[0].denominator"]


def test_bad_types(raw):
    data = copy.deepcopy(raw)
    data["indicators"][0]["children"][0]["children"][0]["weight"] = "五"
    data["inputs"][2]["kind"] = "money"
    keys = [k for k, _ in problems_of(data)]
    assert "indicators[0].children[0].children[0].weight" in keys
    assert "inputs[2].kind" in keys


def test_weights_not_summing_to_total(raw):
    data = copy.deepcopy(raw)
    data["indicators"][3]["children"][1]["children"][0]["weight"] = 8
    assert [k for k, _ in problems_of(data)] == ["total_weight"]


def test_zero_denominator_outcome_is_required(raw):
    data = copy.deepcopy(raw)
    del data["rates"][2]["zero_denominator"]
    assert [k for k, _ in problems_of(data)] == ["rates[2].zero_denominator"]


def test_expressions_are_restricted(raw):
    data = copy.deepcopy(raw)
    data["rates"][0]["numerator"] = "__import__('os').system('x')"
    data["rates"][1]["numerator"] = "carryover / budget_full"
    keys = [k for k, _ in problems_of(data)]
    assert keys == ["rates[0].numerator", "rates[1].numerator"]


def test_all_problems_reported_at_once_with_file_name(raw):
    data = copy.deepcopy(raw)
    data["format"] = "v2"
    del data["grades"]
    with pytest.raises(FrameworkError) as info:
        from_dict(data, "my.yaml")
    assert [k for k, _ in info.value.problems] == ["format", "grades"]
    assert "my.yaml: format:" in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(FrameworkError, match="文件不存在"):
        load(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match="YAML 语法错误"):
        load(bad)
    top = tmp_path / "list.yaml"
    top.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match="顶层应为映射"):
        load(top)


@pytest.mark.parametrize("text, inside, outside", [
    ("[0, 0.10]", [0, 0.1], [0.1001, -0.0001]),
    ("(0.10, 0.40]", [0.1001, 0.4], [0.1, 0.4001]),
    ("[0.90, inf)", [0.9, 5, float("inf")], [0.8999]),
    ("(-inf, 60)", [-1, 59.99], [60]),
])
def test_interval_edges(text, inside, outside):
    iv = parse_interval(text)
    assert all(iv.contains(x) for x in inside)
    assert not any(iv.contains(x) for x in outside)


@pytest.mark.parametrize("text", ["0.1-0.4", "[0.4, 0.1]", "[0, inf]", "(a, b)"])
def test_bad_intervals(text):
    with pytest.raises(ValueError):
        parse_interval(text)

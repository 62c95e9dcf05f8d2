"""Hostile and malformed framework files (#17 item 5): always a FrameworkError
naming the file, the key path and the problem; never another exception."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xl_eval.framework.model import DEFAULT_FRAMEWORK, FrameworkError, load

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))


def problems(tmp_path, data=None, text=None):
    f = tmp_path / "hostile.yaml"
    f.write_text(text if text is not None else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load(f)
    assert str(f) in str(info.value)
    return info.value.problems


def leaf0(data):
    return data["indicators"][0]["children"][0]["children"][0]


def test_rates_not_a_list(raw, tmp_path):
    data = copy.deepcopy(raw)
    data["rates"] = 5
    assert any(k == "rates" for k, _ in problems(tmp_path, data))


def test_rule_kind_a_list(raw, tmp_path):
    data = copy.deepcopy(raw)
    data["indicators"][1]["children"][0]["children"][0]["rule"]["kind"] = ["bands"]
    assert ("indicators[1].children[0].children[0].rule.kind" in [k for k, _ in problems(tmp_path, data)])


def test_400_digit_weight(raw, tmp_path):
    data = copy.deepcopy(raw)
    leaf0(data)["weight"] = 10 ** 400
    keys = [k for k, m in problems(tmp_path, data)]
    assert "indicators[0].children[0].children[0].weight" in keys


@pytest.mark.parametrize("value", ["+".join(["budget_full"] * 50000), "-" * 100000 + "budget_full",
                                   "0x" + "f" * 300, "(" * 500 + "1" + ")" * 500])
def test_hostile_expressions(raw, tmp_path, value):
    data = copy.deepcopy(raw)
    data["rates"][0]["numerator"] = value
    assert "rates[0].numerator" in [k for k, _ in problems(tmp_path, data)]


def test_weight_zero_and_negative(raw, tmp_path):
    for w in (0, -5):
        data = copy.deepcopy(raw)
        leaf0(data)["weight"] = w
        assert "indicators[0].children[0].children[0].weight" in [k for k, _ in problems(tmp_path, data)]


def test_billion_laughs_refused_before_expansion(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("format: xl-eval-framework/2")
    got = problems(tmp_path, text="\n".join(lines) + "\n")
    assert any("展开后过大" in m for _, m in got)


def test_recursive_alias_refused(tmp_path):
    got = problems(tmp_path, text="a: &x [1, *x]\n")
    assert got and "递归" in got[0][1] or "YAML" in got[0][1]


def test_python_tags_refused(tmp_path):
    got = problems(tmp_path, text="format: !!python/object/apply:os.system ['echo hi']\n")
    assert "YAML" in got[0][1]


@pytest.mark.parametrize("text", ["[1, 2", "- a\nb: c", "\x00", ": : :", "", "42", "format: [\n" * 100])
def test_broken_yaml(tmp_path, text):
    assert problems(tmp_path, text=text)


def test_special_files_not_read(tmp_path):
    import os
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(FrameworkError) as info:
        load(fifo)
    assert "不是普通文件" in str(info.value)
    with pytest.raises(FrameworkError):
        load(tmp_path)          # a directory


@pytest.mark.parametrize("mutate, key", [
    (lambda d: d.update(levels=[]), "levels"),
    (lambda d: d["indicators"][0].update(weight="open"), "indicators[0].weight"),
    (lambda d: d["indicators"][1]["children"][0].update(rule={"kind": "bands"}), "indicators[1].children[0]"),
    (lambda d: d["indicators"][1]["children"][1]["parts"][0]["rule"].update(direction="sideways"),
     "indicators[1].children[1].parts[0].rule.direction"),
    (lambda d: d["indicators"][2].update(rows={"max_rows": 10 ** 6}), "indicators[2].rows.max_rows"),
    (lambda d: d["indicators"][2].update(rows={"natures": ["大于"]}), "indicators[2].rows.natures"),
    (lambda d: d["indicators"][0]["children"][1].update(weight="open", rule={"kind": "yes_no", "input": "c1", "if_yes": 1}),
     "indicators[0].children[1].rule.kind"),
    (lambda d: d["indicators"][0]["children"][0]["children"][0]["children"][0]["rule"].update(alternatives={"x": 1}),
     "indicators[0].children[0].children[0].children[0].rule.alternatives"),
    (lambda d: d.update(check_text={"not_above": [["budget", "nothing"]]}), "check_text.not_above[0]"),
    (lambda d: d.update(drafts={"default": "{name} {secret.__class__}"}), "drafts.default"),
    (lambda d: d["indicators"][1]["children"][1].update(overflow="explode"), "indicators[1].children[1].overflow"),
])
def test_malformed_v2(tmp_path, mutate, key):
    data = yaml.safe_load((FIX / "v2_open.yaml").read_text(encoding="utf-8"))
    mutate(data)
    keys = [k for k, _ in problems(tmp_path, data)]
    assert any(k.startswith(key) for k in keys), keys


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "xl_eval.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_commands_refuse_hostile_and_lint_failing_frameworks(raw, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rates: 5\n", encoding="utf-8")
    zero = copy.deepcopy(raw)
    leaf0(zero)["weight"] = 6          # loads (total still 100), but 决策 no longer adds up to 20: lint error
    zero["indicators"][1]["children"][0]["children"][0]["weight"] = 3
    sums = tmp_path / "sums.yaml"
    sums.write_text(yaml.safe_dump(zero, allow_unicode=True), encoding="utf-8")
    table = ROOT / "samples" / "departments.csv"
    for fw_file in (bad, sums):
        for args in (["framework", "lint", str(fw_file)], ["score", str(table), "--framework", str(fw_file)]):
            r = _cli(*args)
            assert "Traceback" not in r.stderr + r.stdout
            assert r.returncode in (1, 2), (args, r.returncode)
            assert str(fw_file) in r.stderr + r.stdout
    r = _cli("score", str(table), "--framework", str(sums))
    assert r.returncode == 2 and "不能用于计分" in r.stderr

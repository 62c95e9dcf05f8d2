"""Drafting works for every shipped framework (open weights, target rules, directly scored
nodes), numbers carry the digits the workbook shows, and a framework's `drafts` templates
are used.  Expected texts are written by hand below; input sets are generated per input kind.
"""

from __future__ import annotations

import random
import re

import pytest
import yaml

from xl_eval.drafting import draft_analysis, draft_findings, draft_reason
from xl_eval.engine.score import evaluate
from xl_eval.framework.model import DEFAULT_FRAMEWORK, SHIPPED_DIR, from_dict, load

SHIPPED = sorted(SHIPPED_DIR.glob("*.yaml"))
DEDUCT = re.compile(r"(?:^|[，；])扣([0-9]+(?:\.[0-9]+)?)分(?=[，；。]|$)")    # "扣1分" as a clause, not "每项扣1分"


def input_sets(fw, n: int, seed: int = 7):
    """n input sets with a value of each kind (weights of open-weight leaves included)."""
    rnd = random.Random(seed)
    for _ in range(n):
        vals = {}
        for code, inp in fw.inputs.items():
            if rnd.random() < 0.08:
                continue                                   # some inputs left blank
            k = inp.kind
            if k in ("amount", "decimal"):
                vals[code] = rnd.choice([0, 0.5, 3, 12.34, 100, 4184.69])
            elif k == "count":
                vals[code] = rnd.choice([0, 1, 2, 3, 24])
            elif k == "score":
                vals[code] = rnd.choice([0, 0.5, 1, 2, inp.max or 1])
            elif k == "percent":
                vals[code] = rnd.choice([0, 0.42, 0.8, 0.95, 1, 1.3])
            elif k == "yes_no":
                vals[code] = rnd.choice(["是", "否"])
            elif k == "choice":
                vals[code] = rnd.choice(list(inp.options))
            elif k == "year":
                vals[code] = 2024
            elif k == "date":
                vals[code] = 45400 + rnd.randint(-30, 30)
            else:
                vals[code] = "某项目"
        for leaf in fw.leaves:
            if leaf.weight_input and rnd.random() < 0.9:
                vals[leaf.weight_input] = rnd.choice([2, 5, 10])
        yield vals


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_framework_drafts(path):
    fw = load(path)
    kinds = set()
    for vals in input_sets(fw, 40):
        ev = evaluate(fw, vals)
        for leaf in fw.leaves:
            res = ev.leaves[leaf.code]
            kinds |= {p.rule.kind for p in leaf.parts}
            findings = draft_findings(fw, ev, leaf.code)
            reason = draft_reason(fw, ev, leaf.code)
            analysis = draft_analysis(fw, ev, leaf.code)
            assert isinstance(findings, str) and isinstance(reason, str)
            if res.score is None:
                assert reason == "" and analysis.endswith("实际得分待定。"), (leaf.code, analysis)
                continue
            # the closing: the weight as stated, the score with two decimals as the 打分表 shows it
            weight = f"{res.weight:g}" if res.weight is not None else "—"
            assert analysis.endswith(f"应得分{weight}分，实际得分{res.score:.2f}分。"), (leaf.code, analysis)
            if res.weight is not None and res.score < res.weight - 1e-9:
                assert reason, leaf.code
                lost = sum(float(x) for x in DEDUCT.findall(reason))
                assert abs(lost - (res.weight - res.score)) < 0.006, (leaf.code, reason, res.weight, res.score)
            else:
                assert reason == ""
    assert kinds


def test_open_weights_and_target_rules_are_drafted():
    """The national project framework: open weights and target-based (年度指标值) leaves."""
    fw = load(SHIPPED_DIR / "project_2020_10.yaml")
    assert fw.open_weights and any(p.rule.kind == "target" for leaf in fw.leaves for p in leaf.parts)
    drafted = 0
    for vals in input_sets(fw, 20, seed=3):
        ev = evaluate(fw, vals)
        for leaf in fw.open_weights:
            if ev.leaves[leaf.code].score is not None:
                drafted += bool(draft_analysis(fw, ev, leaf.code))
    assert drafted > 20


def test_scores_carry_the_shown_digits(fw, seed_values):
    # the seed: 预算编制合理性 scores 5 of 5; 财务管理 … asset_utilisation 4.4 of 5 is written 4.40
    ev = evaluate(fw, dict(seed_values, assets_total=1000, assets_in_use=880))
    leaf = next(leaf for leaf in fw.leaves if ev.leaves[leaf.code].score is not None
                and ev.leaves[leaf.code].score != int(ev.leaves[leaf.code].score))
    score = ev.leaves[leaf.code].score
    assert draft_analysis(fw, ev, leaf.code).endswith(f"实际得分{score:.2f}分。")
    assert f"{score:.2f}" != f"{score:g}"                 # e.g. 4.40, never 4.4
    full = ev.leaves["budget_reasonable"]
    assert draft_analysis(fw, ev, "budget_reasonable").endswith(f"应得分5分，实际得分{full.score:.2f}分。")


TEMPLATES = {"bands": "{name}按分档计{score}分，满分{weight}分，扣{deducted}分。",
             "default": "经核查，{name}得{score}分，扣{deducted}分。"}


def templated_framework():
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    data["drafts"] = dict(TEMPLATES)
    return from_dict(data)


def test_the_frameworks_drafts_templates_are_used(seed_values):
    fw = templated_framework()
    ev = evaluate(fw, seed_values)
    # 预算调整率 16.50% lies in (10%, 40%]: 2 of 4 points (bands) -> the bands template
    assert draft_reason(fw, ev, "budget_adjustment") == "预算调整率按分档计2.00分，满分4分，扣2分。"
    # 财务合规性 is several parts of different kinds -> the default template
    fw_leaf = fw.leaf("fin_compliance")
    assert len({p.rule.kind for p in fw_leaf.parts}) > 1
    assert draft_reason(fw, ev, "fin_compliance") == "经核查，财务合规性得4.40分，扣0.6分。"
    assert draft_reason(fw, ev, "budget_reasonable") == ""           # full marks: nothing to explain


def test_templated_drafts_pass_check(tmp_path):
    """fill writes the templated 扣分原因; check finds nothing to say about them."""
    from click.testing import CliRunner

    from xl_eval.check.workbook import check_file
    from xl_eval.cli import cli
    fw_file = tmp_path / "fw.yaml"
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    data["drafts"] = dict(TEMPLATES)
    fw_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    root = DEFAULT_FRAMEWORK.parent.parent.parent.parent
    res = CliRunner().invoke(cli, ["fill", str(root / "samples" / "departments.csv"), "--projects",
                                   str(root / "samples" / "projects.csv"), "--framework", str(fw_file),
                                   "-o", str(tmp_path / "out")])
    assert res.exit_code in (0, 1), res.output
    fw = load(fw_file)
    books = sorted((tmp_path / "out").glob("*.xlsx"))
    assert books
    for book in books:
        found = [(f.code, f.cell, f.message) for f in check_file(book, fw).findings if f.code.startswith("XE5")]
        assert found == [], (book.name, found)

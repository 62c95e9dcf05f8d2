"""The shipped indicator systems beside Annex 1: they load, lint clean, are
listed and picked by name, and their samples score as calculated by hand.

Hand calculations follow the framework files' rules: rates to 4 decimals,
scores to 2 (ROUND half away from zero); a target rule gives all points when
met, else 完成率 x points (财预〔2020〕10号 第十六条); a 定性 indicator gives
points x the evaluator's share inside its tier.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from xl_eval.engine.score import evaluate
from xl_eval.framework.lint import lint
from xl_eval.framework.model import load
from xl_eval.framework.registry import resolve, shipped
from xl_eval.sources.departments import read_departments

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def scored(name: str):
    fw = load(resolve(name))
    dept = read_departments(fw, SAMPLES / f"{name}.csv")
    return fw, {row.name: (row, evaluate(fw, row.values)) for row in dept.rows}


def test_shipped_systems_listed_and_lint_clean():
    names = [s.name for s in shipped()]
    assert names[0] == "annex1" and {"project_2020_10", "dept_2013_53"} <= set(names)
    for s in shipped():
        fw = load(s.path)
        assert [p for p in lint(fw) if p.severity != "info"] == [], s.name
    assert resolve("dept-overall-cy2013-53-annex2") == resolve("dept_2013_53")


def test_2013_53_has_the_16_rates_and_open_weights():
    fw = load(resolve("dept_2013_53"))
    assert len(fw.rates) == 16
    assert all(leaf.open_weight for leaf in fw.leaves) and len(fw.leaves) == 25
    assert [n.name for n in fw.nodes] == ["投入", "过程", "产出", "效果"]


def test_project_2020_10_samples_by_hand():
    fw, rows = scored("project_2020_10")
    row, ev = rows["城区老旧小区改造项目"]
    assert row.problems == [] and ev.problems == ()
    s = {code: r.score for code, r in ev.leaves.items()}
    # 决策 (weights 3 each): 达成90% 2.7, 达成100% 3, 部分达成70% 2.1, 部分达成75% 2.25,
    # 达成85% 2.55, 达成80% 2.4 -> 15.00
    assert [s[c] for c in ("basis", "procedure", "goal_fit", "indicator_clarity", "budgeting", "allocation")] \
        == [2.7, 3, 2.1, 2.25, 2.55, 2.4]
    # 资金到位率 480/500 = 0.96 < 100%: 0.96 x 3 = 2.88; 预算执行率 456/480 = 0.95: 0.95 x 5 = 4.75;
    # 合规性 达成95% of 3 = 2.85; 制度 达成100% of 2 = 2; 执行有效性 部分达成60% of 3 = 1.8 -> 14.28
    assert [s[c] for c in ("funds_arrival", "execution", "compliance", "mgmt_system", "enforcement")] \
        == [2.88, 4.75, 2.85, 2, 1.8]
    # 完成率 18/20 = 0.9 x 12 = 10.8; 质量 18/18 met 10; 完成时间 2024-12-20 later than 2024-11-30: 0;
    # 成本节约率 (500-456)/500 = 0.088 >= 0%: met 8 -> 28.80
    assert [s[c] for c in ("completion", "quality_ok", "on_time", "cost_saving")] == [10.8, 10, 0, 8]
    # 实施效益 rows: 1260 >= 1200 met 8; 40 vs 50 -> 0.8 x 4 = 3.2; 定性 达成90% of 4 = 3.6 -> 14.8;
    # 满意度 92% >= 90%: 10 -> 24.80
    assert [p.score for p in ev.leaves["effects"].parts] == [8, 3.2, 3.6]
    assert s["effects"] == 14.8 and s["satisfied"] == 10
    assert ev.level1 == {"decision": 15, "process": 14.28, "output": 28.8, "benefit": 24.8}
    assert ev.total == 82.88 and ev.grade == "良"            # 15 + 14.28 + 28.8 + 24.8

    row, ev = rows["乡村道路养护项目"]
    s = {code: r.score for code, r in ev.leaves.items()}
    # every 定性 达成100%: 决策 18, 过程 compliance 3 + 制度 2 + 执行 3;
    # 到位 200/200 met 3; 执行 120/200 = 0.6 x 5 = 3 -> 过程 14
    assert ev.level1["decision"] == 18 and ev.level1["process"] == 14
    # 完成 10/10 met 12; 质量 9/10 = 0.9 x 10 = 9; on time (same day) 10;
    # 成本节约率 (200-210)/200 = -0.05 below the 0% target: target 0 gives no ratio -> 0  => 31
    assert [s[c] for c in ("completion", "quality_ok", "on_time", "cost_saving")] == [12, 9, 10, 0]
    # 定性 部分达成65% of 16 = 10.4; 满意度 ROUND(0.85/0.9, 4) = 0.9444 x 10 = 9.444 -> 9.44
    assert s["effects"] == 10.4 and s["satisfied"] == 9.44
    assert ev.total == 82.84 and ev.grade == "良"            # 18 + 14 + 31 + 19.84


def test_dept_2013_53_sample_by_hand():
    fw, rows = scored("dept_2013_53")
    (row, ev), = rows.values()
    assert row.problems == [] and ev.problems == ()
    s = {code: r.score for code, r in ev.leaves.items()}
    # 投入: 达成90% of 4 = 3.6; 部分达成70% of 4 = 2.8; 在职 46/50 = 0.92 <= 100% met 3;
    # 三公变动 (12-12.5)/12.5 = -0.04 <= 0% met 3; 重点支出 600/800 = 0.75 >= 70% met 3 -> 15.4
    assert ev.level1["input_side"] == 15.4
    # 预算完成 1900/2000 = 0.95 x 4 = 3.8; 调整 300/2000 = 0.15 > 10%: ROUND(0.10/0.15, 4) = 0.6667,
    # x 4 = 2.6668 -> 2.67; 支付进度 ROUND(0.85/0.90, 4) = 0.9444 x 4 = 3.7776 -> 3.78
    assert [s[c] for c in ("budget_completion", "budget_adjustment", "payment_progress")] == [3.8, 2.67, 3.78]
    # 结转结余 100/2000 = 5% <= 5% met 3; 变动 (100-120)/120 < 0 met 2; 公用 95/100 met 3; 三公控制 0.9 met 3;
    # 采购 270/300 = 0.9 x 3 = 2.7; 制度 达成100% 3; 资产制度 达成80% of 2 = 1.6;
    # 资产安全 部分达成75% of 3 = 2.25; 固定资产 0.95 >= 90% met 2  -> 过程 32.8
    assert [s[c] for c in ("carryover_control", "carryover_change", "public_control", "tp_control", "procurement",
                           "budget_system", "asset_system", "asset_safety", "asset_use")] \
        == [3, 2, 3, 3, 2.7, 3, 1.6, 2.25, 2]
    assert ev.level1["process"] == 32.8
    # 产出: 38/40 = 0.95 x 8 = 7.6; 36/40 = 0.9 x 6 = 5.4; 0.95 x 6 = 5.7; 9/10 = 0.9 x 6 = 5.4 -> 24.1
    assert ev.level1["output"] == 24.1
    # 效果: 经济 5500 >= 5000 met 5; 社会 240/300 = 0.8 x 3 = 2.4 and 投诉 12 > 10:
    # ROUND(10/12, 4) = 0.8333 x 3 = 2.4999 -> 2.5, sum 4.9; 生态 部分达成65% of 4 = 2.6; 满意度 93% met 6
    assert [s[c] for c in ("economic", "social", "ecological", "satisfied")] == [5, 4.9, 2.6, 6]
    assert ev.total == 90.8 and ev.grade == "优"              # 15.4 + 32.8 + 24.1 + 18.5


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "xl_eval.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_framework_list_and_name_lookup():
    r = _cli("framework", "list")
    assert r.returncode == 0
    for name in ("annex1", "project_2020_10", "dept_2013_53"):
        assert name in r.stdout
    r = _cli("score", str(SAMPLES / "dept_2013_53.csv"), "--framework", "dept_2013_53")
    assert r.returncode == 0, r.stderr
    assert "90.8" in r.stdout
    r = _cli("score", str(SAMPLES / "departments.csv"), "--framework", "no_such_system")
    assert r.returncode == 2 and "project_2020_10" in r.stderr


def test_template_renders_the_national_systems(tmp_path):
    # (a framework the 打分表 still refuses: tests/test_template_v2.py)
    for name in ("project_2020_10", "dept_2013_53"):
        r = _cli("template", "-o", str(tmp_path / f"{name}.xlsx"), "--framework", name)
        assert r.returncode == 0 and (tmp_path / f"{name}.xlsx").exists(), r.stderr


def _annex1_as_v1() -> str:
    """The shipped Annex 1 written in format 1: no check_text block, the v1 marker."""
    text = resolve("annex1").read_text(encoding="utf-8")
    start = text.index("check_text:")
    end = text.index("\n# The 项目明细 sheet")
    return (text[:start] + text[end + 1:]).replace("format: xl-eval-framework/2", "format: xl-eval-framework/1")


def test_upgrade_gives_identical_scores_hash_and_template(tmp_path, seed_values):
    from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
    from xl_eval.framework.upgrade import upgrade_text
    v1_text = _annex1_as_v1()
    old = tmp_path / "old.yaml"
    old.write_text(v1_text, encoding="utf-8")
    v1 = load(old)
    assert v1.format == "xl-eval-framework/1"
    r = _cli("framework", "upgrade", str(old), "-o", str(tmp_path / "new.yaml"))
    assert r.returncode == 0, r.stderr
    new_text = (tmp_path / "new.yaml").read_text(encoding="utf-8")
    assert new_text == upgrade_text(v1_text)
    # only the marker changed; comments kept
    assert [a for a, b in zip(v1_text.splitlines(), new_text.splitlines()) if a != b] == ["format: xl-eval-framework/1"]
    v2 = load(tmp_path / "new.yaml")
    assert v2.format == "xl-eval-framework/2" and v2.content_hash == v1.content_hash == load().content_hash
    assert evaluate(v2, seed_values) == evaluate(v1, seed_values)
    assert workbook_bytes(build_workbook(v2)) == workbook_bytes(build_workbook(v1))
    r = _cli("framework", "upgrade", str(old), "-o", str(tmp_path / "new.yaml"))
    assert r.returncode == 2 and "--force" in r.stderr           # never overwrites without --force
    r = _cli("framework", "upgrade", str(tmp_path / "new.yaml"))
    assert r.returncode == 2 and "无需升级" in r.stderr

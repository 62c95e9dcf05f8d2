"""Drafted 完成情况 of the national project system (财预〔2020〕10号附2), by hand
from samples/project_2020_10.csv: 城区老旧小区改造项目 spent 456 of 480 万元 that
arrived, a 预算执行率 of 95.00% against its 指标值 100% (a rate reads as a
percentage, not as 0.95); its 实施效益 rows are 惠及居民户数 ≥1200 户 (1260
done), 带动就业人数 ≥50 人 (40 done) and 居住环境改善 (定性, 达成)."""

from __future__ import annotations

from pathlib import Path

from xl_eval.drafting import draft_findings, draft_reason
from xl_eval.engine.score import evaluate
from xl_eval.framework.load import load
from xl_eval.framework.registry import resolve
from xl_eval.sources.departments import read_departments

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "project_2020_10.csv"


def first_project():
    fw = load(resolve("project_2020_10"))
    row = read_departments(fw, SAMPLE).rows[0]
    return fw, evaluate(fw, row.values)


def test_a_rate_target_is_drafted_as_percentages():
    fw, ev = first_project()
    assert draft_findings(fw, ev, "execution") == "年度指标值≥100.00%，实际完成值为95.00%。"


def test_rows_the_unit_defined_are_drafted_row_by_row():
    fw, ev = first_project()
    assert draft_findings(fw, ev, "effects") == (
        "惠及居民户数年度指标值≥1200户，实际完成值1260户；带动就业人数年度指标值≥50人，实际完成值40人；"
        "居住环境改善达成。")
    # 8 + 4 × 40/50 + 4 × 90% = 8 + 3.2 + 3.6 = 14.8 of 16: 1.2 lost
    assert draft_reason(fw, ev, "effects") == "实施效益得14.80分，扣1.2分。"

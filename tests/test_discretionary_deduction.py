"""A deduction of points the evaluator sets (酌情扣分): the 实际支出 indicator of the 2-level
agricultural probe (tests/fixtures/probes/agri_project_2level.yaml), as its source writes it:
“项目的实际支出与批复计划相符的得10分，基本相符的得6分，调整较大的扣10分。存在支出不符合专项资金管理办法的，
酌情扣分。”  The deduction is a score input (0–10), taken off the tier's points, down to 0."""

from pathlib import Path

import pytest
import yaml

from xl_eval.drafting import draft_findings, draft_reason
from xl_eval.engine.score import evaluate
from xl_eval.forms.scoresheet.criteria import printed_criteria
from xl_eval.framework.model import FrameworkError, from_dict, load

PROBE = Path(__file__).parent / "fixtures" / "probes" / "agri_project_2level.yaml"


@pytest.mark.parametrize("match, deduct, want", [
    ("基本相符", 1.5, 4.5),        # 6 − 1.5
    ("基本相符", 8, 0.0),          # 6 − 8: 扣完为止
    ("相符", 0, 10.0),
    ("调整较大", 2, 0.0),           # “扣10分” = 0, nothing left to take
    ("相符", None, 10.0),          # left blank: its default 0 (no deduction)
])
def test_hand_scores(match, deduct, want):
    fw = load(PROBE)
    assert evaluate(fw, {"spend_match": match, "spend_deduct": deduct}).leaves["spending"].score == want


def test_texts_say_the_evaluator_deducts_points():
    fw = load(PROBE)
    assert printed_criteria(fw, fw.leaf("spending")).splitlines()[1] == (
        "2.支出合规性：由评价人员酌情扣分（0～10分，填入“支出不符合专项资金管理办法酌情扣分”），从本指标得分中扣除，扣完为止。")
    ev = evaluate(fw, {"spend_match": "基本相符", "spend_deduct": 1.5})
    assert draft_reason(fw, ev, "spending") == ("实际支出与批复计划相符情况为“基本相符”，计6分，扣4分；"
                                                "支出不符合专项资金管理办法酌情扣分为1.5分，扣1.5分。")
    assert draft_findings(fw, ev, "spending") == ("实际支出与批复计划相符情况为“基本相符”；"
                                                  "支出不符合专项资金管理办法酌情扣分为1.5分。")
    ev = evaluate(fw, {"spend_match": "基本相符", "spend_deduct": 8})
    assert draft_reason(fw, ev, "spending").endswith("酌情扣分为8分，扣完为止，扣6分。")     # 4 + 6 = 10 − 0


def test_format_1_refuses_it():
    d = yaml.safe_load(PROBE.read_text(encoding="utf-8"))
    d["format"] = "xl-eval-framework/1"
    for key in ("levels",):
        d.pop(key)
    with pytest.raises(FrameworkError) as e:
        from_dict(d)
    assert "酌情扣分" in str(e.value)

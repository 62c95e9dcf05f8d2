"""Drafted 完成情况 / 扣分原因 / report paragraphs, one hand-written example per rule kind.

Every expected sentence below is written by hand from the seed's figures
(Annex 1, the report body) or a hand calculation in the comment next to it;
none is produced by the code under test.
"""

import pytest

from xl_eval.drafting import draft_analysis, draft_findings, draft_reason
from xl_eval.engine.score import evaluate


def drafts(fw, values, leaf):
    ev = evaluate(fw, values)
    return draft_findings(fw, ev, leaf), draft_reason(fw, ev, leaf)


# ------------------------------------------------------------ the seed unit

def test_excess_deduction_reads_like_the_seed(fw, seed_values):
    # The seed: "年初支出预算数为3592.06万元，调整预算数为4184.69万元，调整率为16.5%，
    # 超出10%的部分每个百分点扣0.1分，扣0.6分" (16.50% - 10% = 6.5 points, 6 whole -> 0.6)
    findings, reason = drafts(fw, seed_values, "fin_compliance")
    assert reason == ("年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%，"
                      "超出10%共6.5个百分点，每满1个百分点扣0.1分，扣0.6分。")
    assert findings == ("资金支出规范性由评价组根据相关材料和实际情况酌情评分；年初预算数为3592.06万元，"
                        "全年预算数为4184.69万元，预算调整率为16.50%；“是否存在违规支出”评价为“否”。")


def test_bands(fw, seed_values):
    findings, reason = drafts(fw, seed_values, "budget_adjustment")
    assert findings == "年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%。"
    assert reason == ("年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%，"
                      "在10%（不含）至40%（含）档内，计2分，扣2分。")


def test_per_finding_counts_in_their_own_unit(fw, seed_values):
    # 2 items not meeting the rules, 1 point each: 5 - 2 = 3 (Annex 1: 扣两分)
    findings, reason = drafts(fw, seed_values, "budget_norms")
    assert findings == "预算编制不符合要求2项。"
    assert reason == "预算编制不符合要求2项，每项扣1分，扣2分。"


def test_full_marks_have_no_reason(fw, seed_values):
    findings, reason = drafts(fw, seed_values, "carryover_control")
    assert reason == ""
    assert findings == "全年预算数为4184.69万元，结转结余总额为0万元，结转结余率为0.00%。"


def test_analysis_paragraph(fw, seed_values):
    ev = evaluate(fw, seed_values)
    assert draft_analysis(fw, ev, "budget_adjustment") == (
        "预算调整率指标（4分）主要反映和考核部门（单位）预算的调整程度。"
        "年初预算数为3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%，"
        "在10%（不含）至40%（含）档内，计2分，扣2分。应得分4分，实际得分2.00分。")
    assert draft_analysis(fw, ev, "carryover_control").endswith("应得分4分，实际得分4.00分。")


def test_analysis_without_a_score_says_what_is_missing(fw, seed_values):
    ev = evaluate(fw, dict(seed_values, carryover=None))
    assert draft_analysis(fw, ev, "carryover_control") == (
        "结转结余率指标（4分）主要反映和考核部门（单位）对本年度结转结余资金的实际控制程度。"
        "尚未填写“结转结余总额”，暂无法计分。应得分4分，实际得分待定。")
    assert draft_reason(fw, ev, "carryover_control") == ""
    assert draft_findings(fw, ev, "carryover_control") == ""


# ------------------------------------------------------------ every rule kind

def test_proportional_quotes_points_after_capping(fw, seed_values):
    # 21 of 28 projects: 75.00% of 12 = 9 points, 3 lost
    findings, reason = drafts(fw, dict(seed_values, projects_planned=28, projects_completed=21), "project_completion")
    assert reason == "计划项目数为28个，完成项目数为21个，项目完成率为75.00%，按比例计9分，扣3分。"


def test_difference_of_two_counts(fw, seed_values):
    # 24 planned, 21 completed: 3 short at 0.5 each = 1.5 of the 3-point sub-item
    findings, reason = drafts(fw, dict(seed_values, gp_planned=24, gp_completed=21), "procurement")
    assert reason == "政府采购计划项目数为24个，政府采购完成项目数为21个，两者相差3个，每个扣0.5分，扣1.5分。"
    assert findings == ("政府采购计划项目数为24个，政府采购完成项目数为21个，两者相差3个；"
                        "政府采购不符合要求处数为0。")


def test_two_counts_of_one_rule_are_stated_apart(fw, seed_values):
    # 2 items + 1 audit finding, 1 point each: 3 of 6 lost
    _, reason = drafts(fw, dict(seed_values, fund_use_issues=2, fund_use_audit=1), "fund_use")
    assert reason == "资金使用不符合规定2项，资金使用审计督查发现问题1处，每项、每处扣1分，扣3分。"


def test_per_finding_capped(fw, seed_values):
    # 9 items at 1 point on a 6-point leaf: all 6 lost, never "扣9分"
    _, reason = drafts(fw, dict(seed_values, mgmt_system_issues=9), "mgmt_system")
    assert reason == "管理制度不符合规定9项，每项扣1分，扣完为止，扣6分。"


def test_tiers_without_repeated_labels(fw, seed_values):
    _, reason = drafts(fw, dict(seed_values, budget_disclosure="未公开"), "disclosure")
    assert reason == "部门预算公开情况为“未公开”，计0分，扣2.5分。"


def test_checklist_never_lists_positive_statements_as_faults(fw, seed_values):
    values = dict(seed_values, br_detail="否", br_not_fixed="否")
    findings, reason = drafts(fw, values, "budget_reasonable")
    assert reason == "5项评价要点中“专项资金预算编制细化合理”“预算分配不固化”2项评价为“否”，扣2分。"
    assert findings == ("预算编制符合部门职责和政策要求、预算资金按工作重点合理分配、功能和经济分类编制准确，"
                        "“专项资金预算编制细化合理”“预算分配不固化”评价为“否”。")


def test_veto(fw, seed_values):
    _, reason = drafts(fw, dict(seed_values, fin_violation="是"), "fin_compliance")
    assert reason == "“是否存在违规支出”评价为“是”，按评分标准本指标得0分，扣5分。"


def test_exemption(fw, seed_values):
    values = dict(seed_values, classified_unit="是", budget_disclosure=None, final_disclosure=None)
    findings, reason = drafts(fw, values, "disclosure")
    assert reason == ""
    assert findings == "“是否涉密单位”评价为“是”。"


def test_exemption_not_claimed_is_not_mentioned(fw, seed_values):
    findings, _ = drafts(fw, seed_values, "disclosure")
    assert findings == "部门预算公开情况为“按规定公开”；部门决算公开情况为“按规定公开”。"


def test_yes_no(fw, seed_values):
    # without evidence of inspections: 1 of 2 points
    findings, reason = drafts(fw, dict(seed_values, sup_evidence="否"), "supervision")
    assert reason == "“能提供开展检查监督的证明材料”评价为“否”，计1分，扣1分。"
    assert findings.startswith("建立有效资金管理和运行监控机制且执行良好；“能提供开展检查监督的证明材料”评价为“否”")


def test_deduction_capped_at_what_is_left(fw, seed_values):
    # 项目实施程序 5 points: 2 approval items (2.5 -> 0.5), 7 audit findings: only 3 points are left
    _, reason = drafts(fw, dict(seed_values, proc_approval_issues=2, proc_audit=7), "proc")
    assert reason == ("项目设立调整报批不符合2项，每项扣1分，扣2分；"
                      "项目实施审计督查发现问题7处，每处扣1分，扣完为止，扣3分。")


def test_discretionary(fw, seed_values):
    _, reason = drafts(fw, dict(seed_values, industry_score=4.5), "industry")
    assert reason == "产业结构优化由评价组根据相关材料和实际情况酌情评分，计4.5分，扣1.5分。"


def test_infinite_rate(fw, seed_values):
    # no “三公” budget but 0.5 spent: over without limit, 0 of 4
    _, reason = drafts(fw, dict(seed_values, three_public_budget=0, three_public_actual=0.5), "three_public_control")
    assert reason == ("“三公”经费预算数为0万元，“三公”经费实际支出数为0.5万元，“三公”经费控制率按无穷大计（分母为0），"
                      "在100%（不含）以上档内，计0分，扣4分。")


@pytest.mark.parametrize("leaf", ["fin_compliance", "proc", "supervision", "procurement", "budget_reasonable"])
def test_quoted_deductions_add_up_to_the_points_lost(fw, seed_values, leaf):
    # Everything deducted at once: the "扣N分" outside "每…" add up to weight − score.
    import re
    values = dict(seed_values, fin_spending_score=0, budget_full=9000, proc_approval_issues=5, proc_tender_issues=1,
                  proc_audit=4, sup_mechanism="否", sup_evidence="否", sup_audit=9, gp_completed=0,
                  gp_nonconforming=20, br_duty="否", br_detail="否")
    ev = evaluate(fw, values)
    reason = draft_reason(fw, ev, leaf)
    total = 0.0
    for clause in re.split("[，；。]", reason):
        m = re.search(r"扣([0-9.]+)分", clause)
        if m and "每" not in clause[:m.start()]:
            total += float(m.group(1))
    res = ev.leaves[leaf]
    assert round(total, 2) == round(res.weight - res.score, 2), reason


# ------------------------------------------------------------ drafts pass check

@pytest.mark.libreoffice
def test_drafts_pass_check_on_every_input_set(fw, native_run):
    """The 212 input sets of tests/template_cases.py, written with the drafts fill
    writes and recalculated in LibreOffice: check finds nothing in any drafted text."""
    from xl_eval.check.workbook import check_file
    failures, drafted = [], 0
    for case, path in zip(native_run.cases, native_run.paths):
        result = check_file(native_run.out[path], fw)
        drafted += sum(1 for name, v in native_run.got[case.id].items()
                       if name.startswith(("reason_", "findings_")) and v)
        failures += [f"{case.id}: {f.where}: {f.code} {f.message}" for f in result.findings
                     if f.code.startswith("XE5") or f.severity == "fatal"]
    assert not failures, f"{len(failures)} findings on drafted texts:\n" + "\n".join(failures[:30])
    assert drafted > 212 * 10

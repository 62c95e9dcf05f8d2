"""XE502 reads a rate under its short name (the last 3 characters) only where no other name the
texts use contains it.  The facility-agriculture probe (tests/fixtures/probes/facility_agri_formula.yaml)
has the percent input 质量抽检合格率 beside the rate 建设质量合格率, and the department table of
the 2-level agricultural probe has the input 计划建设内容完成比例 beside the rate 计划投资完成比例:
the drafted 完成情况 quotes the inputs, which are not the rates."""

from pathlib import Path

import openpyxl
from click.testing import CliRunner

from xl_eval.check.workbook import check_file
from xl_eval.cli import cli
from xl_eval.forms.scoresheet import layout as L
from xl_eval.framework.model import load

PROBES = Path(__file__).parent / "fixtures" / "probes"


def _filled(tmp_path, name):
    out = tmp_path / name
    res = CliRunner().invoke(cli, ["fill", str(PROBES / "departments" / f"{name}.csv"),
                                   "--framework", str(PROBES / f"{name}.yaml"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return sorted(out.glob("*.xlsx"))


def test_an_input_whose_label_holds_a_rates_short_name_is_not_read_as_the_rate(tmp_path):
    fw = load(PROBES / "facility_agri_formula.yaml")
    book = next(p for p in _filled(tmp_path, "facility_agri_formula") if "塑料大棚" in p.name)
    # 180 of 200 亩 built (90%), 质量抽检合格率 100%: 建设质量合格率 = 90% x 100% = 90%
    assert not [f for f in check_file(book, fw).findings if f.code == "XE502"]
    lay = L.layout(fw)
    ref = lay.notes[L.findings_name("quality")]
    wb = openpyxl.load_workbook(book)
    cell = wb[ref.ref.sheet].cell(ref.ref.row, ref.ref.col)
    cell.value = "质量抽检合格率为100.00%，建设质量合格率为100.00%。"     # the second one is wrong
    wb.save(book)
    found = [f.message for f in check_file(book, fw).findings if f.code == "XE502"]
    assert len(found) == 1 and "建设质量合格率为100.00%" in found[0] and "90.00%" in found[0], found


def test_the_inputs_percent_beside_a_like_named_rate_gives_no_finding(tmp_path):
    fw = load(PROBES / "agri_project_2level.yaml")
    for book in _filled(tmp_path, "agri_project_2level"):
        assert not check_file(book, fw).findings

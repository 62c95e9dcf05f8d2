"""`xl-eval report` on a filled 项目支出绩效自评表: the short 自评 report.

Read back with python-docx, the report states the hand-calculated totals of the
samples (test_selfeval_libreoffice.SAMPLE_TOTALS), lists exactly the indicators
that missed their targets (worked out from samples/selfeval/indicators.csv in
the comments below), and carries the unit's reasons and the 整改措施 placeholders.
A workbook with check errors is refused (exit 1) unless --force, which writes a
warning at the top.  Printed by LibreOffice, the PDF text holds the same.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

docx = pytest.importorskip("docx")

from test_selfeval_libreoffice import SAMPLE_TOTALS  # noqa: E402
from xl_eval.cli import cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "samples/selfeval/projects.csv"
INDICATORS = ROOT / "samples/selfeval/indicators.csv"

# indicators below target (or below their points) per sample project, from indicators.csv:
DEVIATIONS = {
    # 1.6 / 2 万亩 = 80%; 80% / 90% = 88.89%; 定性 部分达成 70%
    "高标准农田建设": ["新建高标准农田面积", "当年建设任务完成率", "工程管护机制"],
    # 7.2% / 5% = 144% >= 130%: far above target (the unit explains it), nothing missed
    "基层医疗卫生机构设备购置": ["基层诊疗人次增长率"],
    "古籍数字化保护": [],
}


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    out = tmp_path_factory.mktemp("selfeval_report_fill")
    assert run("fill", PROJECTS, "--indicators", INDICATORS, "-o", out).exit_code == 0
    return out


@pytest.fixture(scope="module")
def reports(filled, tmp_path_factory):
    out = tmp_path_factory.mktemp("selfeval_reports")
    docs = {}
    for path in sorted(filled.glob("*.xlsx")):
        target = out / f"{path.stem}.docx"
        res = run("report", path, "-o", target)
        assert res.exit_code == 0, res.output
        docs[path.stem] = target
    return docs


def texts(path):
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs], d.tables


def test_conclusion_and_level1_table_state_the_hand_calculation(reports):
    for name, (exec_score, output, benefit, satisfaction, total, grade) in SAMPLE_TOTALS.items():
        paras, tables = texts(reports[name])
        assert f"经自评，本项目总分 {total:.2f} 分，自评等级为“{grade}”。" in paras, name
        score_table = next(t for t in tables if t.rows[0].cells[0].text == "一级指标")
        got = {r.cells[0].text: r.cells[2].text for r in score_table.rows[1:]}
        assert got == {"预算执行率": f"{exec_score:.2f}", "产出指标": f"{output:.2f}", "效益指标": f"{benefit:.2f}",
                       "满意度指标": f"{satisfaction:.2f}", "合计": f"{total:.2f}", "自评等级": grade}, name


def test_deviation_table_lists_exactly_the_indicators_below_target(reports):
    for name, expected in DEVIATIONS.items():
        paras, tables = texts(reports[name])
        dev = [t for t in tables if t.rows[0].cells[0].text == "指标"]
        listed = [r.cells[0].text.split("\n")[0] for r in dev[0].rows[1:]] if dev else []
        assert listed == expected, name
        if not expected:
            assert "各项绩效指标均完成年度指标值，没有偏差。" in paras
        for indicator in expected:          # one 整改措施 placeholder per deviation
            assert f"【待填写：“{indicator}”的整改措施】" in paras


def test_deviation_rows_carry_the_figures_and_the_units_reason(reports):
    _, tables = texts(reports["高标准农田建设"])
    dev = next(t for t in tables if t.rows[0].cells[0].text == "指标")
    first = [c.text for c in dev.rows[1].cells]
    # ≥ 2 万亩, actual 1.6, 1.6/2 = 80.00%, 20 points, 0.8 x 20 = 16.00, the unit's own reason
    assert first[1:6] == ["≥ 2万亩", "1.6万亩", "80.00%", "20", "16.00"]
    assert first[6].startswith("汛期停工")


def test_low_execution_rate_is_explained_in_the_report(reports):
    paras, _ = texts(reports["高标准农田建设"])
    # 3120 / 4200 = 74.29% < 90%: the unit's 执行偏差原因 is quoted
    assert any(p.startswith("预算执行率为 74.29%，低于 90%。单位说明的原因：") for p in paras)


def test_check_errors_refuse_the_report_and_force_warns(filled, tmp_path):
    src = filled / "古籍数字化保护.xlsx"
    wb = load_workbook(src)
    ws = wb["自评表"]
    row = next(c.row for c in ws["D"] if c.row > 12 and c.value and str(c.value).strip())
    ws[f"L{row}"] = 1                      # a score typed over its formula: XE802
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    out = tmp_path / "r.docx"
    res = run("report", bad, "-o", out)
    assert res.exit_code == 1 and not out.exists()
    assert "XE802" in res.output and "未生成报告" in res.output
    res = run("report", bad, "-o", out, "--force")
    assert res.exit_code == 0 and out.exists()
    paras, _ = texts(out)
    assert paras[0].startswith("警告：自评表") and "--force" in paras[0]
    assert any("XE802" in p for p in paras[1:4])


def test_existing_report_is_not_overwritten(filled, tmp_path):
    out = tmp_path / "r.docx"
    out.write_bytes(b"keep")
    res = run("report", filled / "古籍数字化保护.xlsx", "-o", out)
    assert res.exit_code == 2 and out.read_bytes() == b"keep"
    assert run("report", filled / "古籍数字化保护.xlsx", "-o", out, "--force").exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.libreoffice
def test_printed_report_holds_the_conclusion_and_every_deviation(reports, soffice, tmp_path):
    import subprocess
    from xl_eval.xlsx.libreoffice import to_pdfs
    docs = [reports[name] for name in DEVIATIONS]
    pdfs = to_pdfs(docs, tmp_path / "pdf", soffice=soffice)
    for name, expected in DEVIATIONS.items():
        text = subprocess.run(["pdftotext", str(pdfs[reports[name]]), "-"], capture_output=True, text=True,
                              check=True).stdout
        flat = "".join(text.split())
        total, grade = SAMPLE_TOTALS[name][4], SAMPLE_TOTALS[name][5]
        assert f"本项目总分{total:.2f}分，自评等级为“{grade}”" in flat, name
        for heading in ("一、项目基本情况", "二、自评结论", "三、偏差原因分析", "四、存在的问题及整改措施"):
            assert heading in flat
        for indicator in expected:
            assert indicator in flat, (name, indicator)


def test_report_numbers_equal_the_engine(filled, reports):
    from xl_eval.check import selfeval as C
    from xl_eval.forms.selfeval.bind import evaluate_sheet
    from xl_eval.xlsx.reader import open_workbook
    fw = C.shipped_framework("selfeval_2020_10")
    for path in sorted(filled.glob("*.xlsx")):
        lay = C.sheet_layouts(path)["自评表"]
        with open_workbook(path) as wb:
            data = C.read_sheet(wb, "自评表", lay)
        ev, _ = evaluate_sheet(fw, lay, {ref: c.value for ref, c in data.cells.items()})
        _, tables = texts(reports[path.stem])
        score_table = next(t for t in tables if t.rows[0].cells[0].text == "一级指标")
        got = {r.cells[0].text: r.cells[2].text for r in score_table.rows[1:]}
        assert got["合计"] == f"{ev.total:.2f}" and got["自评等级"] == ev.grade
        for leaf in fw.leaves:
            assert got[leaf.name] == f"{ev.leaves[leaf.code].score:.2f}", (path.stem, leaf.name)


def test_a_per_unit_workbook_gives_one_chapter_per_project(tmp_path):
    out = tmp_path / "units"
    assert run("fill", PROJECTS, "--indicators", INDICATORS, "-o", out, "--per", "unit").exit_code == 0
    book = max(out.glob("*.xlsx"), key=lambda p: len(load_workbook(p, read_only=True).sheetnames))
    sheets = [s for s in load_workbook(book, read_only=True).sheetnames if s not in ("填表说明", "xl_eval")]
    res = run("report", book, "-o", tmp_path / "u.docx")
    assert res.exit_code == 0, res.output
    paras, _ = texts(tmp_path / "u.docx")
    chapters = [p for p in paras if p.startswith("项目") and "：" in p[:4]]
    assert len(chapters) == len(sheets) and sum(p.startswith("经自评，本项目总分") for p in paras) == len(sheets)

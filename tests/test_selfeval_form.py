"""The 自评表 workbook: classic functions only, the template command, and the
printed form (LibreOffice PDF) shows every text in full."""

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_eval.cli import cli
from xl_eval.forms.selfeval import layout as L, template as T
from xl_eval.forms.selfeval.bind import spec_of
from xl_eval.framework.model import SHIPPED_DIR, load

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = {"ABS", "IF", "AND", "OR", "NOT", "ISNUMBER", "ROUND", "MIN", "MAX", "SUM", "COUNT", "SUMPRODUCT"}


@pytest.mark.parametrize("fid", ["selfeval_2020_10", "selfeval_2021_101"])
def test_formulas_use_classic_functions_only(fid):
    spec = spec_of(load(SHIPPED_DIR / f"{fid}.yaml"))
    used = set()
    for formula in L.formulas(L.layout(spec)).values():
        used |= set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", formula)))
    assert used <= CLASSIC, used - CLASSIC


def test_layout_follows_annex_1():
    spec = spec_of(load(SHIPPED_DIR / "selfeval_2020_10.yaml"))
    lay = L.layout(spec)
    assert [b.name for b in lay.blocks] == ["产出指标", "效益指标", "满意度指标"]
    assert [g.name for g in lay.groups] == ["数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标",
                                            "社会效益指标", "生态效益指标", "可持续影响指标", "服务对象满意度指标"]
    assert all(g.last >= g.first for g in lay.groups)          # spare rows in every group
    assert lay.total_row == lay.blocks[-1].subtotal_row + 1


def test_template_command(tmp_path):
    out = tmp_path / "自评表.xlsx"
    res = CliRunner().invoke(cli, ["template", "--framework", str(SHIPPED_DIR / "selfeval_2021_101.yaml"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["自评表", "填表说明", "xl_eval"]
    ws = wb["自评表"]
    assert ws["A1"].value == "项目支出绩效自评表"
    assert ws["H6"].value == 10                              # 年度资金总额 分值
    assert [ws.cell(12, c).value for c in (2, 3, 4)] == ["一级指标", "二级指标", "三级指标"]
    assert ws.protection.sheet
    assert CliRunner().invoke(cli, ["template", "--framework", str(SHIPPED_DIR / "selfeval_2021_101.yaml"),
                                    "-o", str(out)]).exit_code == 2          # no overwrite without --force


@pytest.mark.libreoffice
def test_printed_form_shows_every_text(soffice, tmp_path):
    from xl_eval.batch import fill_selfeval as F
    from xl_eval.sources.selfeval import read_batch
    from xl_eval.xlsx.libreoffice import to_pdf
    spec = spec_of(load(SHIPPED_DIR / "selfeval_2020_10.yaml"))
    batch = read_batch(ROOT / "samples/selfeval/projects.csv", ROOT / "samples/selfeval/indicators.csv")
    p = batch.projects[3]                                   # 高标准农田建设: the longest reasons
    placed = F.place(spec, p, "i.csv")
    lay = L.layout(spec, placed.sizes)
    values, formats = F.sheet_values(lay, p, placed)
    path = tmp_path / "form.xlsx"
    path.write_bytes(T.workbook_bytes(T.build_workbook(spec, [(T.TEMPLATE_SHEET, lay, values, formats)])))
    pdf = to_pdf(path, tmp_path / "pdf", soffice=soffice)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    texts = [v for v in values.values() if isinstance(v, str) and len(v) > 1]
    missing = [t for t in texts if "".join(t.split()) not in flat]
    assert missing == []
    assert "89.32" in flat and "良" in flat

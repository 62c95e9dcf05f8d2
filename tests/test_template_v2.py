"""The 打分表 of a format-2 framework: what it renders today, and a clean refusal of the rest.

The framework here is the shipped Annex 1 written as format 2 with its own level names
(维度 / 要素 / 指标), no grades, and the 效益 branch left out, so its points add up to
87, not 100.  The workbook must take its headers from the framework, and compute what
the engine computes: 100 seeded random input sets are recalculated in one LibreOffice
call and every named cell is compared with the engine.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from template_cases import Case, case_cells, engine_view, fast_named_values, fill, random_values
from xl_eval.forms.scoresheet import layout as L
from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
from xl_eval.framework.model import DEFAULT_FRAMEWORK, from_dict

FIXTURES = Path(__file__).parent / "fixtures"


def v2_framework() -> dict:
    d = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    d["format"] = "xl-eval-framework/2"
    d["id"] = "annex1-v2-probe"
    d["title"] = "不分等级的测试打分表"
    d["levels"] = ["维度", "要素", "指标"]
    d.pop("grades")
    d["indicators"] = [n for n in d["indicators"] if n["code"] != "benefit"]
    d["inputs"] = [i for i in d["inputs"] if i["code"] not in ("industry_score", "livelihood_score")]
    d["total_weight"] = 87
    return d


@pytest.fixture(scope="module")
def fw():
    return from_dict(v2_framework())


def test_headers_and_titles_come_from_the_framework(fw):
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))
    lay = L.layout(fw)
    ws = wb[L.SCORE]
    h1, h2, h3 = lay.score.header
    assert [ws.cell(h2, c).value for c in (L.ScoreCol.L1, L.ScoreCol.L2, L.ScoreCol.LEAF)] == ["维度", "要素", "指标"]
    assert ws.cell(h3, L.ScoreCol.WEIGHT).value == "分值"          # 87 points, not percent
    assert ws.cell(lay.score.total, L.ScoreCol.WEIGHT).value == 87
    assert ws.cell(lay.score.note, L.ScoreCol.EXPLANATION).value == "本指标体系不划分评价等级"
    texts = [c.value for sheet in wb.worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str)]
    # nothing of Annex 1's form is hard-coded (the copied framework's own notes may cite it)
    assert not [t for t in texts if "部门整体支出" in t or "权重（%）" in t or "（对应附件1）" in t]
    assert wb[L.SUMMARY].cell(lay.summary.title, 1).value == "不分等级的测试得分汇总表"


def test_template_refuses_what_it_cannot_render_yet(tmp_path, monkeypatch):
    from xl_eval.cli import cli
    from xl_eval.forms.scoresheet import support
    # every feature of the probe renders now; a form without rows would refuse it
    monkeypatch.setattr(support, "SUPPORTED", support.SUPPORTED - {"rows", "row_rules"})
    res = CliRunner().invoke(cli, ["template", "--framework", str(FIXTURES / "v2_open.yaml"),
                                   "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 2, res.output
    assert "暂不支持" in res.output and "单位自定义的指标行" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "t.xlsx").exists()
    monkeypatch.undo()
    # its input codes c1, c2, c3 read as cell addresses: a clear error, no file
    res = CliRunner().invoke(cli, ["template", "--framework", str(FIXTURES / "v2_open.yaml"),
                                   "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 2 and "不能用作 Excel 名称" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "t.xlsx").exists()


def test_template_command_writes_a_supported_v2_framework(tmp_path, fw):
    from xl_eval.cli import cli
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(v2_framework(), allow_unicode=True), encoding="utf-8")
    res = CliRunner().invoke(cli, ["template", "--framework", str(path), "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 0, res.output


@pytest.mark.libreoffice
def test_engine_equals_libreoffice_on_100_input_sets(fw, soffice, tmp_path):
    from xl_eval.xlsx.libreoffice import recalculate
    lay = L.layout(fw)
    template = workbook_bytes(build_workbook(fw))
    rng = random.Random(87)
    cases = []
    for i in range(100):
        values = {k: v for k, v in random_values(fw, rng).items() if k in fw.inputs}
        cases.append(Case(f"r{i}", values, []))
    paths = []
    for case in cases:
        path = tmp_path / f"{case.id}.xlsx"
        fill(template, case_cells(lay, case), path)
        paths.append(path)
    out = recalculate(paths, tmp_path / "out", soffice=soffice)
    failures, compared = [], 0
    for case, path in zip(cases, paths):
        got = fast_named_values(out[path])
        for name, want in engine_view(fw, lay, case.values).items():
            compared += 1
            have = got.get(name)
            same = (have is None and want is None) or (
                isinstance(want, (int, float)) and isinstance(have, float) and abs(have - want) < 1e-9) or have == want
            if not same:
                failures.append((case.id, name, want, have))
    assert compared > 100 * 40
    assert not failures, failures[:10]
    assert all(got is None for got in [fast_named_values(out[p]).get(L.GRADE) for p in paths])

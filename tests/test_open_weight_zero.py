"""An open weight of 0 is refused in every path (its 得分率 would be 0/0: it
used to end score and fill with an internal ZeroDivisionError), and check
picks the shipped framework a workbook names without --framework."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from xl_eval.cli import cli

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "dept_2013_53.csv"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def zero_weight_table(tmp_path) -> Path:
    rows = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))
    header, row = rows[0], list(rows[1])
    a, b = [i for i, h in enumerate(header) if h.endswith("权重")][:2]
    row[b] = str(float(row[a]) + float(row[b]))      # the weights still add up to 100
    row[a] = "0"
    path = tmp_path / "zero.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, row])
    return path


def test_score_and_fill_refuse_a_zero_weight_without_a_traceback(tmp_path):
    table = zero_weight_table(tmp_path)
    res = run("score", table, "--framework", "dept_2013_53", "--format", "json")
    assert res.exit_code == 1 and "内部错误" not in res.output
    (row,) = json.loads(res.stdout)
    assert row["total"] is None and [i["code"] for i in row["issues"]] == ["XE206"]
    res = run("fill", table, "--framework", "dept_2013_53", "-o", tmp_path / "out")
    assert "内部错误" not in res.output and "权重应大于 0" in res.output


def test_check_uses_the_framework_the_workbook_names_and_reports_a_zero_weight(tmp_path):
    out = tmp_path / "out"
    assert run("fill", SAMPLE, "--framework", "dept_2013_53", "-o", out).exit_code == 0
    book = sorted(out.glob("*.xlsx"))[0]
    res = run("check", book, "--format", "json")
    codes = [f["code"] for f in json.loads(res.stdout)]
    assert "XE112" not in codes and res.exit_code in (0, 1)
    assert not [c for c in codes if c < "XE500"]          # only narrative warnings (XE5xx) at most
    wb = load_workbook(book)
    name = next(n for n in wb.defined_names if n.startswith("weight_"))
    (sheet, ref), = wb.defined_names[name].destinations
    wb[sheet][ref.replace("$", "")].value = 0
    wb.save(tmp_path / "zero.xlsx")
    res = run("check", tmp_path / "zero.xlsx", "--format", "json")
    codes = [f["code"] for f in json.loads(res.stdout)]
    assert res.exit_code == 1 and "XE206" in codes and "XE112" not in codes


def test_report_annex_table_has_every_column_of_a_four_level_sheet(tmp_path):
    # the 附件 table is read from the 打分表 up to its 扣分原因 column, wherever the tree puts it
    import docx
    probe = Path(__file__).resolve().parent / "fixtures" / "probes" / "sichuan_project_4level.yaml"
    (tmp_path / "t.csv").write_text("项目名称,评价年度\n某县高标准农田建设项目,2018\n", encoding="utf-8")
    assert run("fill", tmp_path / "t.csv", "--framework", probe, "-o", tmp_path / "out").exit_code in (0, 1)
    book = next((tmp_path / "out").glob("*.xlsx"))
    res = run("report", book, "--framework", probe, "-o", tmp_path / "r.docx", "--force")
    assert res.exit_code == 0, res.output
    annex = [t for t in docx.Document(tmp_path / "r.docx").tables if t.rows[0].cells[-1].text == "扣分原因"]
    # 4 level columns + 权重, 指标解释, 评分标准, 得分, 得分率, 完成情况, 扣分原因
    assert annex and len(annex[0].columns) == 4 + 7

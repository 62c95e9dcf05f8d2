"""Tables as finance systems export them: units in the headers, 合计 and 制表人 rows.

The seed department (samples/departments.csv, row 1) scores 95.4 优 (seed
report, Table 3).  Its 年初预算数 is 3592.06 万元 = 35,920,600 元 and its
全年预算数 4184.69 万元 = 0.418469 亿元: written in those units under headers
that say so, the tool reads the same 万元 figures and the same 95.4.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from validity_cases import sample_table, seed_row
from xl_eval.cli import cli
from xl_eval.engine.inputs import map_columns
from xl_eval.framework.load import load
from xl_eval.framework.registry import resolve

RENAMED = {"年初预算数": "年初预算数（元）", "全年预算数": "全年预算数(亿元)", "决算数": "决算数\n（万元）",
           "计划项目数": "计划项目数（个）"}


def export(path, rows, renamed=RENAMED):
    header = sample_table()[0]
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年度部门整体支出绩效评价基础数据"])
    ws.append(["填报单位：某区财政局", None, None, "金额单位：见表头"])
    ws.append([renamed.get(h, h) for h in header])
    for r in rows:
        ws.append([r.get(h, "") or None for h in header])
    ws.append([])
    ws.append(["合计", None, 7184.12])
    ws.append(["制表人：张三"])
    wb.save(path)
    return path


def seed_in_export_units():
    return seed_row(年初预算数="35920600", 全年预算数="0.418469")


def test_units_in_headers_are_read_and_converted():
    fw = load(resolve("annex1"))
    cmap = map_columns(fw, ["年初预算数（元）", "全年预算数(亿元)", "决算数 （万元）", "计划项目数（个）",
                            "完成项目数（不含结转）", "结转结余总额（人）"])
    assert cmap.codes == {"年初预算数（元）": "budget_initial", "全年预算数(亿元)": "budget_full",
                          "决算数 （万元）": "final_accounts", "计划项目数（个）": "projects_planned"}
    # a qualifier is not a unit, and a unit that does not fit the input is not taken
    assert cmap.unknown == ("完成项目数（不含结转）", "结转结余总额（人）")
    assert cmap.raw({"年初预算数（元）": "35920600", "全年预算数(亿元)": 0.418469})["budget_initial"] == 3592.06
    # a cell that names its own unit is read as written
    assert cmap.raw({"年初预算数（元）": "3592.06万元"})["budget_initial"] == "3592.06万元"


def test_score_reads_an_export_with_title_units_total_and_signature_rows(tmp_path):
    path = export(tmp_path / "导出.xlsx", [seed_in_export_units()])
    res = CliRunner().invoke(cli, ["score", str(path), "--header-row", "3", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 1
    assert (rows[0]["total"], rows[0]["grade"], rows[0]["issues"]) == (95.4, "优", [])
    assert "第6行 “合计”是合计行" in res.stderr and "第7行 “制表人：张三”是表尾" in res.stderr
    assert "已换算为万元（÷10000）" in res.stderr and "已换算为万元（×10000）" in res.stderr


def test_fill_writes_the_units_only_with_the_converted_figures(tmp_path):
    path = export(tmp_path / "导出.xlsx", [seed_in_export_units()])
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["fill", str(path), "--header-row", "3", "-o", str(out)])
    assert res.exit_code == 0, res.output
    books = sorted(out.glob("*.xlsx"))
    assert [b.stem for b in books] == ["昌吉市人民政府中山路街道办事处"]
    wb = load_workbook(books[0])
    values = {}
    for name, dn in wb.defined_names.items():
        if name in ("budget_initial", "budget_full"):
            (sheet, ref), = dn.destinations
            values[name] = wb[sheet][ref.replace("$", "")].value
    assert values == {"budget_initial": 3592.06, "budget_full": 4184.69}


def test_the_header_hint_skips_the_filled_in_by_line(tmp_path):
    path = export(tmp_path / "导出.xlsx", [seed_row()], renamed={})
    res = CliRunner().invoke(cli, ["score", str(path)])
    assert res.exit_code == 2
    assert "--header-row 3" in res.output


def test_selfeval_tables_skip_total_and_signature_rows(tmp_path):
    from validity_cases import SAMPLES
    for name in ("projects.csv", "indicators.csv"):
        text = (SAMPLES / "selfeval" / name).read_text(encoding="utf-8-sig").rstrip("\n")
        (tmp_path / name).write_text(text + "\n合计\n制表人：李四\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["fill", str(tmp_path / "projects.csv"), "--indicators",
                                   str(tmp_path / "indicators.csv"), "--framework", "selfeval_2020_10",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "“合计”是合计行" in res.output and "“制表人：李四”是表尾" in res.output
    stems = {p.stem for p in out.glob("*.xlsx")}
    assert stems and not stems & {"合计", "制表人：李四"}

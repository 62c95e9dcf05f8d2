"""#12 item 6: tables read from budget-system exports say what to do when the layout is off.

A misspelled column gets "did you mean"; a title row above the header, data on
another sheet or an empty first sheet get advice naming --header-row / --sheet;
semicolon, tab and bar separated CSV files are read as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from validity_cases import sample_table, seed_row, write_table
from xl_eval.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def seed_total(path, *more) -> float | None:
    res = run("score", path, "--format", "json", *more)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)[0]["total"]


def test_misspelled_column_gets_did_you_mean(tmp_path):
    row = seed_row()
    row["年初预算书"] = row.pop("年初预算数")
    header = list(row)
    path = tmp_path / "t.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row[h] for h in header) + "\n", encoding="utf-8")
    res = run("score", path)
    assert "列“年初预算书”不是框架中的输入项，已忽略（是否应为“年初预算数”？）" in res.stderr
    res = run("fill", path, "-o", tmp_path / "out")
    assert "（是否应为“年初预算数”？）" in res.stderr


def test_misspelled_name_column_is_named_in_the_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位名,年初预算数\n甲,1\n", encoding="utf-8")
    res = run("score", path)
    assert res.exit_code == 2 and "缺少“单位名称”列" in res.stderr and "列“单位名”是否应为“单位名称”？" in res.stderr


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolon_tab_and_bar_csv_are_read(tmp_path, delimiter):
    path = write_table(tmp_path / "t.csv", [seed_row()], delimiter=delimiter)
    assert seed_total(path) == 95.4


def test_title_row_above_the_header(tmp_path):
    header, rows = sample_table()
    path = tmp_path / "t.csv"
    path.write_text("2024年度部门整体支出数据（单位：万元）\n" + ",".join(header) + "\n" + ",".join(rows[0]) + "\n",
                    encoding="utf-8")
    res = run("score", path)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "第 1 行（“2024年度部门整体支出数据（单位：万元…”）像是标题，表头似乎在第 2 行" in res.stderr
    assert "--header-row 2" in res.stderr
    assert seed_total(path, "--header-row", "2") == 95.4
    res = run("fill", path, "-o", tmp_path / "out", "--header-row", "2")
    assert res.exit_code == 0, res.output


def test_title_row_in_a_workbook_with_only_the_name_column_missing(tmp_path):
    """A title row as wide as the header (merged cells written out): advice from the 单位名称 search."""
    header, rows = sample_table()
    wb = Workbook()
    ws = wb.active
    ws.append(["部门整体支出绩效评价基础数据"] + [f"说明{i}" for i in range(1, len(header))])
    ws.append(header)
    ws.append(rows[0])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    res = run("score", path)
    assert res.exit_code == 2 and "--header-row 2" in res.stderr
    assert seed_total(path, "--header-row", "2") == 95.4


def _two_sheets(path: Path, first_empty: bool) -> Path:
    header, rows = sample_table()
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    if not first_empty:
        cover.append(["本表由预算管理一体化系统导出"])
        cover.append(["导出日期", "2025-01-10"])
    data = wb.create_sheet("单位数据")
    data.append(header)
    data.append(rows[0])
    wb.save(path)
    return path


@pytest.mark.parametrize("first_empty", [False, True])
def test_data_on_the_second_sheet(tmp_path, first_empty):
    path = _two_sheets(tmp_path / "t.xlsx", first_empty)
    res = run("score", path)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "--sheet" in res.stderr and "单位数据" in res.stderr
    assert seed_total(path, "--sheet", "单位数据") == 95.4
    assert seed_total(path, "--sheet", "2") == 95.4
    res = run("fill", path, "-o", tmp_path / "out", "--sheet", "单位数据")
    assert res.exit_code == 0, res.output


def test_unknown_sheet_lists_the_sheets(tmp_path):
    path = _two_sheets(tmp_path / "t.xlsx", False)
    res = run("score", path, "--sheet", "数据")
    assert res.exit_code == 2 and "没有工作表“数据”（有：封面、单位数据）" in res.stderr

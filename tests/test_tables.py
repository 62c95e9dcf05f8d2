import datetime
import os
import pickle
import subprocess
import sys

import openpyxl
import pytest

from xl_eval.sources.tables import Row, Table, TableError, column_letter, read_table

HEADER = "单位名称,年初预算数（万元）,全年预算数（万元）\n"


def write_csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --- CSV -----------------------------------------------------------------------

def test_utf8_csv(tmp_path):
    path = write_csv(tmp_path / "dept.csv", HEADER + "某街道办事处,3592.06,4184.69\n乙单位,10,12\n")
    table = read_table(path)
    assert table == Table(
        path=path,
        columns=["单位名称", "年初预算数（万元）", "全年预算数（万元）"],
        rows=[
            Row(2, {"单位名称": "某街道办事处", "年初预算数（万元）": "3592.06",
                    "全年预算数（万元）": "4184.69"}),
            Row(3, {"单位名称": "乙单位", "年初预算数（万元）": "10", "全年预算数（万元）": "12"}),
        ],
    )


def test_utf8_bom_csv(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "某街道办事处,3592.06,4184.69\n").encode("utf-8"))
    table = read_table(path)
    assert table.columns[0] == "单位名称"  # no BOM glued to the first header
    assert table.rows[0].values["单位名称"] == "某街道办事处"


def test_gbk_csv(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", HEADER + "某街道办事处,3592.06,4184.69\n", "gbk")
    table = read_table(path)
    assert table.columns == ["单位名称", "年初预算数（万元）", "全年预算数（万元）"]
    assert table.rows == [Row(2, {"单位名称": "某街道办事处", "年初预算数（万元）": "3592.06",
                                  "全年预算数（万元）": "4184.69"})]


def test_gb18030_only_character(tmp_path):
    # 䶮 is outside GBK but inside GB18030
    path = write_csv(tmp_path / "gb.csv", "名称\n刘䶮\n", "gb18030")
    assert read_table(path).rows[0].values == {"名称": "刘䶮"}


def test_csv_values_stay_raw_strings(tmp_path):
    path = write_csv(tmp_path / "raw.csv",
                     "代码,金额,比率,备注\n00123,\"1,234.56\",16.5%,NA\n")
    row = read_table(path).rows[0]
    assert row.values == {"代码": "00123", "金额": "1,234.56", "比率": "16.5%", "备注": "NA"}


def test_csv_blank_rows_skipped_but_numbers_kept(tmp_path):
    text = "名称,数量\nA,1\n\n,\n \u3000, \nB,2\n,3\n"
    table = read_table(write_csv(tmp_path / "blank.csv", text))
    assert table.rows == [
        Row(2, {"名称": "A", "数量": "1"}),
        Row(6, {"名称": "B", "数量": "2"}),
        Row(7, {"名称": None, "数量": "3"}),
    ]


def test_csv_blank_cells_are_none(tmp_path):
    table = read_table(write_csv(tmp_path / "cells.csv", "a,b,c\n1,,  \n2\n"))
    assert table.rows == [Row(2, {"a": "1", "b": None, "c": None}),
                          Row(3, {"a": "2", "b": None, "c": None})]


def test_csv_headers_stripped(tmp_path):
    table = read_table(write_csv(tmp_path / "h.csv", " 名称 ,\u3000数量\u3000\nA,1\n"))
    assert table.columns == ["名称", "数量"]
    assert table.rows[0].values == {"名称": "A", "数量": "1"}


def test_csv_quoted_cell_with_newline_is_one_row(tmp_path):
    table = read_table(write_csv(tmp_path / "q.csv", '名称,说明\nA,"第一行\n第二行"\nB,x\n'))
    assert [r.number for r in table.rows] == [2, 3]
    assert table.rows[0].values["说明"] == "第一行\n第二行"


def test_csv_header_only(tmp_path):
    table = read_table(write_csv(tmp_path / "h.csv", HEADER))
    assert table.columns == ["单位名称", "年初预算数（万元）", "全年预算数（万元）"]
    assert table.rows == []


def test_csv_header_only_with_trailing_blank_lines(tmp_path):
    table = read_table(write_csv(tmp_path / "h.csv", "a,b\n\n\n"))
    assert table.columns == ["a", "b"] and table.rows == []


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", b"  \r\n", b",,\n,,\n"])
def test_csv_empty(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "空" in str(info.value)
    assert str(path) in str(info.value)


def test_csv_unreadable_encoding(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("名称,数量\nA,1\n".encode("utf-16"))
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "编码" in str(info.value)
    assert str(path) in str(info.value)


def test_csv_that_is_really_xlsx(tmp_path):
    path = tmp_path / "really.csv"
    wb = openpyxl.Workbook()
    wb.save(path)
    with pytest.raises(TableError) as info:
        read_table(path)
    assert ".xlsx" in str(info.value)


def test_csv_row_with_too_many_values(tmp_path):
    with pytest.raises(TableError) as info:
        read_table(write_csv(tmp_path / "ragged.csv", "a,b\n1,2\n1,2,3\n"))
    assert str(info.value).endswith("第 C 列有数据（第 3 行）但没有表头（表头在第 1 行）")


def test_csv_first_non_blank_row_is_header(tmp_path):
    table = read_table(write_csv(tmp_path / "late.csv", "\n名称,数量\nA,1\n"))
    assert table.columns == ["名称", "数量"]
    assert table.rows == [Row(3, {"名称": "A", "数量": "1"})]


# --- header problems ---------------------------------------------------------

def test_duplicate_headers(tmp_path):
    with pytest.raises(TableError) as info:
        read_table(write_csv(tmp_path / "dup.csv", "名称,预算数,决算数,预算数\nA,1,2,3\n"))
    message = str(info.value)
    assert "重复" in message and "预算数" in message
    assert "B 列" in message and "D 列" in message


def test_duplicate_headers_after_normalising(tmp_path):
    with pytest.raises(TableError) as info:
        read_table(write_csv(tmp_path / "dup.csv", '名称,“三公”经费,"""三公"" 经费"\nA,1,2\n'))
    assert "重复" in str(info.value)


def test_empty_header_column_without_data_is_dropped(tmp_path):
    table = read_table(write_csv(tmp_path / "pad.csv", "a,b,\n1,2,\n3,4,\n"))
    assert table.columns == ["a", "b"]
    assert table.rows == [Row(2, {"a": "1", "b": "2"}), Row(3, {"a": "3", "b": "4"})]


def test_empty_header_column_with_data(tmp_path):
    with pytest.raises(TableError) as info:
        read_table(write_csv(tmp_path / "nohead.csv", "a,,c\n1,2,3\n"))
    assert "B 列" in str(info.value) and "表头" in str(info.value)


# --- XLSX --------------------------------------------------------------------

def test_xlsx(tmp_path):
    path = tmp_path / "dept.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", " 年初预算数 ", "计划项目数", "日期", "备注"])
    ws.append(["某街道办事处", 3592.06, 28, datetime.date(2024, 12, 31), "NA"])
    ws.append([None, None, None, None, None])       # row 3: blank
    ws.append(["乙单位", "1,234.56", 28.5, None, "  "])  # row 4
    wb.create_sheet("第二张")["A1"] = "ignored"
    wb.save(path)
    table = read_table(path)
    assert table.columns == ["单位名称", "年初预算数", "计划项目数", "日期", "备注"]
    assert table.rows == [
        Row(2, {"单位名称": "某街道办事处", "年初预算数": 3592.06, "计划项目数": 28,
                "日期": datetime.datetime(2024, 12, 31), "备注": "NA"}),
        Row(4, {"单位名称": "乙单位", "年初预算数": "1,234.56", "计划项目数": 28.5,
                "日期": None, "备注": None}),
    ]


def test_xlsx_leading_blank_rows_and_columns_keep_true_numbers(tmp_path):
    path = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B3"] = "名称"
    ws["C3"] = "数量"
    ws["B5"] = "A"
    ws["C5"] = 7
    wb.save(path)
    table = read_table(path)
    assert table.columns == ["名称", "数量"]
    assert table.rows == [Row(5, {"名称": "A", "数量": 7})]


def test_xlsx_header_only(tmp_path):
    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "数量"])
    wb.save(path)
    table = read_table(path)
    assert table.columns == ["名称", "数量"] and table.rows == []


def test_xlsx_empty_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "空" in str(info.value)


def test_xlsx_numeric_header_is_text(tmp_path):
    path = tmp_path / "years.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["项目", 2023, 2024])
    wb.active.append(["A", 1, 2])
    wb.save(path)
    table = read_table(path)
    assert table.columns == ["项目", "2023", "2024"]
    assert table.rows[0].values == {"项目": "A", "2023": 1, "2024": 2}


def test_xlsx_duplicate_headers(tmp_path):
    path = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "数量", "数量"])
    wb.save(path)
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "重复" in str(info.value) and "“数量”" in str(info.value)


def test_corrupt_xlsx_random_bytes(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "损坏" in str(info.value)
    assert str(path) in str(info.value)


def test_corrupt_xlsx_truncated_zip(tmp_path):
    good = tmp_path / "good.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    wb.save(good)
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(good.read_bytes()[:300])
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "损坏" in str(info.value)


def test_zero_byte_xlsx(tmp_path):
    path = tmp_path / "zero.xlsx"
    path.write_bytes(b"")
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "空" in str(info.value)


def test_xlsx_that_is_really_xls(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(TableError) as info:
        read_table(path)
    assert ".xls" in str(info.value) and "另存为" in str(info.value)


# --- files -------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(TableError) as info:
        read_table(path)
    assert str(info.value) == f"{path}：文件不存在"
    assert info.value.path == path


def test_directory(tmp_path):
    with pytest.raises(TableError) as info:
        read_table(tmp_path)
    assert "文件夹" in str(info.value)


@pytest.mark.parametrize("name", ["old.xls", "OLD.XLS"])
def test_xls_asks_to_save_as_xlsx(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(TableError) as info:
        read_table(path)
    assert ".xlsx" in str(info.value) and "另存为" in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["notes.txt", "data.json", "noext"])
def test_other_file_types(tmp_path, name):
    path = tmp_path / name
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(TableError) as info:
        read_table(path)
    assert "不是 CSV 或 XLSX" in str(info.value)


def test_accepts_str_path(tmp_path):
    path = write_csv(tmp_path / "s.csv", "a\n1\n")
    assert read_table(str(path)).path == path


def test_table_error_pickles(tmp_path):
    error = TableError(tmp_path / "x.csv", "文件不存在")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.problem == "文件不存在"


def test_column_letter():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == \
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_importing_tables_does_not_import_pandas():
    code = "import sys, xl_eval.sources.tables, xl_eval.core.values; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ}, check=True).stdout.strip()
    assert out == "False"

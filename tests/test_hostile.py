"""The hostile-input guards one by one (#17 items 1-4, 7-9; #16 item 3), in process.

tests/test_hostile_corpus.py runs the same attacks through the command line
under memory and time caps; these tests pin down each guard's verdict.
"""

import os
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import hostile_corpus as hc  # noqa: E402

from xl_eval.cli import main  # noqa: E402
from xl_eval.core import outfiles  # noqa: E402
from xl_eval.core.terminal import clean, clean_output, show_path  # noqa: E402
from xl_eval.xlsx.reader import WorkbookError, guard_zip, open_workbook  # noqa: E402

SAMPLES = hc.SAMPLES


def opened(tmp_path, data: bytes, name="x.xlsx"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def code_of(path, read=None):
    try:
        with open_workbook(path) as wb:
            if read:
                read(wb)
    except WorkbookError as exc:
        return exc.code, exc.fields
    return None, {}


# ------------------------------------------------------------------ item 1: compression

@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_refused_before_inflating(tmp_path, method):
    p = opened(tmp_path, hc.seed_with(_methods={hc.WORKBOOK: method}))
    code, fields = code_of(p)
    assert code == "XE108" and "stored/deflate" in fields["detail"]
    with pytest.raises(WorkbookError):
        guard_zip(p)                 # the same check for tables read by openpyxl


def test_a_sheet_in_lzma_is_refused_when_read(tmp_path):
    p = opened(tmp_path, hc.seed_with(_methods={hc.SHEET_INPUTS: zipfile.ZIP_LZMA}))
    code, _ = code_of(p, lambda wb: wb.read({"基础数据": {"B5"}}))
    assert code == "XE108"


def test_a_member_that_inflates_past_its_declared_size_is_stopped(tmp_path):
    big = hc.seed_with(xl__worksheets__sheet2_DOT_xml=lambda x: x + b" " * (2 << 20))
    p = opened(tmp_path, hc.lying_sizes(big, hc.SHEET_INPUTS, 60_000))
    code, _ = code_of(p, lambda wb: wb.read({"基础数据": {"B5"}}))
    assert code in ("XE107", "XE108")


def test_a_departments_xlsx_with_a_bzip2_sheet_is_a_table_error(tmp_path):
    from xl_eval.sources.tables import TableError, read_table
    p = opened(tmp_path, hc.make_zip(hc._table_xlsx_members(), {"xl/worksheets/sheet1.xml": zipfile.ZIP_BZIP2}),
               "d.xlsx")
    with pytest.raises(TableError, match="stored/deflate"):
        read_table(p)


# ------------------------------------------------------------------ item 2: name areas

def test_an_area_larger_than_the_template_is_broken_before_enumeration(tmp_path, fw):
    from xl_eval.check.workbook import check_file
    p = opened(tmp_path, hc.redefine("projects_name", "'项目明细'!$A$1:$XFD$1048576"))
    with open_workbook(p) as wb:
        assert wb.area("projects_name") is None
        assert "17179869184 个单元格" in wb.area_problem("projects_name")
    codes = {(f.code, f.name) for f in check_file(p, fw).findings}
    assert ("XE116", "projects_name") in codes
    # one row more than the template's 200: below the reader's cap, but still larger than the template
    p2 = opened(tmp_path, hc.redefine("projects_done", "'项目明细'!$F$5:$F$205"), "y.xlsx")
    assert ("XE116", "projects_done") in {(f.code, f.name) for f in check_file(p2, fw).findings}


def test_collect_refuses_an_enlarged_area(tmp_path, fw):
    from xl_eval.batch.collect import CollectError, read_department
    p = opened(tmp_path, hc.redefine("projects_done", "'项目明细'!$F$5:$F$205"))
    with pytest.raises(CollectError, match="比模板中的 200 个大"):
        read_department(fw, p, "x.xlsx")


# ------------------------------------------------------------------ item 3: malformed parts

@pytest.mark.parametrize("row", ["\u00b2", "9" * 4400, "-5", "1.5", "12345678"])
def test_bad_row_numbers_are_xe110(tmp_path, row):
    p = opened(tmp_path, hc.patched(hc.SHEET_INPUTS, lambda x: x.replace(b'<row r="5"', f'<row r="{row}"'.encode(), 1)))
    code, fields = code_of(p, lambda wb: wb.read({"基础数据": {"B5"}}))
    assert code == "XE110" and "行号无效" in fields["detail"]


@pytest.mark.parametrize("index", ["\u00b2", "9" * 5000, "-1", " 0x1"])
def test_bad_shared_string_indices_read_as_broken_cells(tmp_path, index):
    p = opened(tmp_path, hc.with_shared_strings([b"<t>x</t>"], "B5", index))
    with open_workbook(p) as wb:
        cell = wb.read({"基础数据": {"B5"}})["基础数据"]["B5"]
    assert (cell.value, cell.kind) == ("#REF!", "e")


def test_a_good_shared_string_is_read(tmp_path):
    p = opened(tmp_path, hc.with_shared_strings([b"<t>a</t>", b"<r><t>b</t></r><r><t>c</t></r><rPh><t>x</t></rPh>"],
                                                "B5", "1"))
    with open_workbook(p) as wb:
        assert wb.read({"基础数据": {"B5"}})["基础数据"]["B5"].value == "bc"


@pytest.mark.parametrize("where, deep", [("inline", 200_000), ("shared", 100)])
def test_text_nested_deep_is_xe110_not_a_crash(tmp_path, where, deep):
    # (a shared-strings part 200,000 deep compresses above 200:1 and is refused as XE108 before this)
    if where == "inline":
        data = hc.patched(hc.SHEET_INPUTS, lambda x: hc.set_cell(
            x, "B5", '<c r="B5" t="inlineStr"><is>' + "<r>" * deep + "<t>x</t>" + "</r>" * deep + "</is></c>"))
    else:
        data = hc.with_shared_strings([b"<r>" * deep + b"<t>x</t>" + b"</r>" * deep], "B5", "0")
    code, fields = code_of(opened(tmp_path, data), lambda wb: wb.read({"基础数据": {"B5"}}))
    assert code == "XE110" and "嵌套" in fields["detail"]


@pytest.mark.parametrize("text", ["1e999", "nan", "inf", "1_000"])
def test_numbers_excel_cannot_store_are_kept_as_text(tmp_path, text):
    p = opened(tmp_path, hc.patched(hc.SHEET_INPUTS, lambda x: hc.set_cell(x, "B8", f'<c r="B8"><v>{text}</v></c>')))
    with open_workbook(p) as wb:
        cell = wb.read({"基础数据": {"B8"}})["基础数据"]["B8"]
    assert (cell.value, cell.kind) == (text, "s")


def test_one_bad_row_in_fill_does_not_stop_the_others(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from xl_eval.batch import fill as fill_mod
    from xl_eval.cli import cli
    real = fill_mod.check_task

    def flaky(fw, ctx, task):
        if task.name == "第002单位":
            raise ZeroDivisionError("boom")
        return real(fw, ctx, task)

    monkeypatch.setattr(fill_mod, "check_task", flaky)
    rows = hc.renamed(hc.dept_rows(), "第001单位", "第002单位", "第003单位")
    src = tmp_path / "d.csv"
    src.write_bytes(hc.dept_csv(rows))
    res = CliRunner().invoke(cli, ["fill", str(src), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["第001单位.xlsx", "第003单位.xlsx"]
    assert "第3行" in res.stderr and "ZeroDivisionError" in res.stderr


# ------------------------------------------------------------------ #16 item 3: no tracebacks

def test_an_unexpected_error_is_one_chinese_line_naming_the_file(tmp_path, monkeypatch, capsys):
    import xl_eval.sources.departments as dep

    def broken(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(dep, "read_departments", broken)
    src = tmp_path / "单位.csv"
    src.write_bytes((SAMPLES / "departments.csv").read_bytes())
    assert main(["score", str(src)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "单位.csv" in err and "ZeroDivisionError" in err and "--debug" in err
    assert main(["score", str(src), "--debug"]) == 2          # --debug may follow the command
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "单位.csv" in err.strip().splitlines()[-1]


def test_collect_names_the_workbook_it_was_reading(tmp_path, monkeypatch, capsys):
    import xl_eval.batch.collect as col

    monkeypatch.setattr(col, "check_summary", lambda path, fw: 1 / 0)
    monkeypatch.setattr(col, "check_summary_opened", lambda wb, path, fw: 1 / 0)   # collect's one-open path
    p = tmp_path / "城东.xlsx"
    p.write_bytes((SAMPLES / "seed_filled.xlsx").read_bytes())
    assert main(["collect", str(p), "-o", str(tmp_path / "s.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "城东.xlsx：汇总（读取工作簿）时出错" in err and "Traceback" not in err


def test_click_usage_errors_are_chinese(capsys, tmp_path):
    assert main(["fill", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "是文件夹" in err and "Error" not in err and "Usage" not in err
    assert main(["check", "--nope"]) == 2
    assert "没有选项 '--nope'" in capsys.readouterr().err
    assert main(["fill", "x.csv"]) == 2
    assert "缺少" in capsys.readouterr().err


# ------------------------------------------------------------------ item 9 / terminal

def test_control_characters_never_reach_the_terminal_raw():
    assert clean("城东\x1b[2J\x07\u202e\x7f\x9b\r") == "城东\\x1b[2J\\x07\\u202e\\x7f\\x9b\\x0d"
    assert clean("\udcb3") == "\\udcb3"
    # the progress bar's own sequences pass; the same bytes inside a name do not
    assert clean_output("\r\x1b[?25l生成 \x1b[?25h\n") == "\r\x1b[?25l生成 \x1b[?25h\n"
    assert clean_output("a\rb") == "a\\x0db"


def test_gbk_file_names_are_shown_as_gbk():
    raw = os.fsdecode("城东街道".encode("gbk") + b".xlsx")
    assert show_path(raw) == "城东街道.xlsx"
    assert show_path(os.fsdecode(b"\xff\xfe.xlsx")) == "\\udcff\\udcfe.xlsx"
    assert outfiles.safe_stem(Path(raw).stem) == "城东街道"


@pytest.mark.parametrize("name, stem", [("~$城东", "_~$城东"), (".xl-eval-abc", "_.xl-eval-abc"),
                                        (" ~$x", "_~$x"), ("城东~$", "城东~$")])
def test_names_that_look_like_lock_or_temporary_files_get_a_prefix(name, stem):
    assert outfiles.safe_stem(name) == stem


# ------------------------------------------------------------------ item 8: special files and paths

def test_special_files_are_refused_without_opening(tmp_path):
    fifo = tmp_path / "t.csv"
    os.mkfifo(fifo)
    assert "命名管道" in outfiles.input_problem(fifo)
    zero = tmp_path / "z.csv"
    os.symlink("/dev/zero", zero)
    assert "设备文件" in outfiles.input_problem(zero)
    assert "文件夹" in outfiles.input_problem(tmp_path)
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(300)
    assert "超过上限" in outfiles.input_problem(big, limit=200)
    assert outfiles.input_problem(big) is None


def test_long_names_are_reported_before_writing(tmp_path):
    long = "很长的文件夹名" * 15
    assert "315 字节" in outfiles.name_problem(tmp_path / long / "x.xlsx")
    assert "字节" in outfiles.output_problem(tmp_path / f"{long}.xlsx")
    assert outfiles.output_problem(tmp_path / "nosuch" / "x.xlsx").startswith("文件夹")


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path):
    import subprocess
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f".xl-eval-ab12-{dead.pid}-q.tmp").write_bytes(b"x")
    (tmp_path / f".xl-eval-ab12-{os.getpid()}-q.tmp").write_bytes(b"x")
    old = tmp_path / ".xl-eval-ab12-q.tmp"            # no process id: removed only when a day old
    old.write_bytes(b"x")
    assert outfiles.remove_stale_temp_files(tmp_path) == 1
    os.utime(old, (0, 0))
    assert outfiles.remove_stale_temp_files(tmp_path) == 1
    assert [p.name for p in tmp_path.iterdir()] == [f".xl-eval-ab12-{os.getpid()}-q.tmp"]


def test_atomic_write_names_temp_files_with_the_writing_process(tmp_path, monkeypatch):
    seen = []
    real = outfiles._publish

    def spy(tmp, path, overwrite):
        seen.append(os.path.basename(tmp))
        return real(tmp, path, overwrite)

    monkeypatch.setattr(outfiles, "_publish", spy)
    outfiles.atomic_write(tmp_path / "a.bin", b"x", overwrite=False, run_id="r1", fsync=False)
    assert seen[0].startswith(f".xl-eval-r1-{os.getpid()}-") and seen[0].endswith(".tmp")

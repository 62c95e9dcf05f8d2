"""Formulas written by openpyxl must compute in a real LibreOffice Calc."""

import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

import xl_eval.xlsx.libreoffice as lo
from xl_eval.xlsx.libreoffice import (
    LibreOfficeError,
    read_named_values,
    recalculate,
    to_pdf,
)

SHEET = "打分表"


def build_workbook(path: Path, score: float) -> Path:
    """A small scoring sheet: ROUND cases, IF/INDEX/MATCH, names, 2 sheets."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(["指标", "得分", None, "下限", "等级"])
    ws["B2"] = "=ROUND(1.005,2)"
    ws["B3"] = "=ROUND(2.675,2)"
    ws["B4"] = "=ROUND(0.125,2)"
    ws["A5"], ws["B5"] = "原始分", score
    ws["A6"], ws["B6"] = "等级", '=IF(ISNUMBER(B5),INDEX($E$2:$E$5,MATCH(B5,$D$2:$D$5,1)),"缺")'
    ws["A7"], ws["B7"] = "是否合格", '=IF(B5>=60,"合格","不合格")'
    ws["A8"], ws["B8"] = "加权", "=ROUND(B5*0.95,2)"
    ws["A9"], ws["B9"] = "合计", "=ROUND(SUM(B2:B4)+B8,2)"
    ws["B9"].number_format = '0.00"分"'
    for row, (low, grade) in enumerate([(0, "差"), (60, "中"), (75, "良"), (90, "优")], 2):
        ws.cell(row=row, column=4, value=low)
        ws.cell(row=row, column=5, value=grade)

    summary = wb.create_sheet("汇总")
    summary["A1"], summary["B1"] = "总分", f"='{SHEET}'!B9"
    summary["A2"], summary["B2"] = "双倍", "=总分*2"
    summary["A3"], summary["B3"] = "等级序号", f"=MATCH(等级,'{SHEET}'!$E$2:$E$5,0)"
    summary["B4"] = "=B2/400"
    summary["B4"].number_format = "0.0%"

    names = {
        "总分": f"'{SHEET}'!$B$9",
        "等级": f"'{SHEET}'!$B$6",
        "合格": f"'{SHEET}'!$B$7",
        "r1005": f"'{SHEET}'!$B$2",
        "r2675": f"'{SHEET}'!$B$3",
        "r0125": f"'{SHEET}'!$B$4",
        "双倍": "'汇总'!$B$2",
        "等级序号": "'汇总'!$B$3",
        "等级表": f"'{SHEET}'!$D$2:$E$5",  # a range: not a single-cell value
    }
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.defined_names["本表原始分"] = DefinedName("本表原始分", attr_text=f"'{SHEET}'!$B$5")
    wb.save(path)
    return path


ROUNDS = {"r1005": 1.01, "r2675": 2.68, "r0125": 0.13}  # sum 3.82

# Hand-computed: 加权 = ROUND(score*0.95, 2) half away from zero,
# 总分 = 3.82 + 加权, 双倍 = 2*总分, grade from thresholds 0/60/75/90.
CASES = {
    "打分表_甲.xlsx": (95, {"等级": "优", "合格": "合格", "总分": 94.07, "双倍": 188.14, "等级序号": 4}),
    "case_b.xlsx": (88.5, {"等级": "良", "合格": "合格", "总分": 87.9, "双倍": 175.8, "等级序号": 3}),
    "case c.xlsx": (59.9, {"等级": "差", "合格": "不合格", "总分": 60.73, "双倍": 121.46, "等级序号": 1}),
}
# 88.5*0.95 = 84.075 -> 84.08 and 59.9*0.95 = 56.905 -> 56.91 (binary floats
# sit just below the half; Excel/LibreOffice round the 15-digit value).


@pytest.fixture
def three_workbooks(tmp_path) -> list[Path]:
    src = tmp_path / "src"
    src.mkdir()
    return [build_workbook(src / name, score) for name, (score, _) in CASES.items()]


@pytest.mark.libreoffice
def test_recalculate_three_files_in_one_call(soffice, three_workbooks, tmp_path):
    # openpyxl writes no cached values: before LibreOffice nothing is known.
    assert set(read_named_values(three_workbooks[0]).values()) == {None}

    outdir = tmp_path / "out"
    result = recalculate(three_workbooks, outdir, soffice=soffice)

    assert result == {p: outdir / p.name for p in three_workbooks}
    for src, out in result.items():
        _, expected = CASES[src.name]
        values = read_named_values(out)
        assert values == {**ROUNDS, **expected}, src.name


@pytest.mark.libreoffice
def test_names_sheets_and_formats_survive_the_resave(soffice, three_workbooks, tmp_path):
    src = three_workbooks[0]
    out = recalculate([src], tmp_path / "out", soffice=soffice)[src]

    before = openpyxl.load_workbook(src)
    after = openpyxl.load_workbook(out)
    assert after.sheetnames == [SHEET, "汇总"]
    assert set(after.defined_names) == set(before.defined_names)
    # LibreOffice drops the quotes around the Chinese sheet name; still the same cell.
    for name, defn in before.defined_names.items():
        assert list(after.defined_names[name].destinations) == list(defn.destinations)
    assert after.defined_names["总分"].attr_text == f"{SHEET}!$B$9"
    # The sheet-scoped name stays sheet-scoped.
    assert "本表原始分" in after[SHEET].defined_names
    assert "本表原始分" not in after.defined_names
    # Formulas are kept as formulas.
    assert after[SHEET]["B6"].value.startswith("=IF(ISNUMBER(B5),INDEX(")
    assert after["汇总"]["B2"].value == "=总分*2"
    # Number formats: "0.0%" is kept verbatim; a quoted literal is re-escaped.
    assert after["汇总"]["B4"].number_format == "0.0%"
    assert after[SHEET]["B9"].number_format in ('0.00"分"', "0.00\\分")

    data = openpyxl.load_workbook(out, data_only=True)
    assert data["汇总"]["B4"].value == pytest.approx(188.14 / 400)


def _with_stale_cache(recalculated: Path, dest: Path) -> Path:
    """Copy a LibreOffice output, changing input B5 (95 -> 59.9) but keeping
    every formula's cached value, as an Excel-saved file edited elsewhere."""
    old = b'<c r="B5" s="0" t="n"><v>95</v></c>'
    with zipfile.ZipFile(recalculated) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, b'<c r="B5" s="0" t="n"><v>59.9</v></c>')
            zout.writestr(item, data)
    return dest


@pytest.mark.libreoffice
def test_stale_cached_values_are_recomputed(soffice, three_workbooks, tmp_path, monkeypatch):
    first = recalculate([three_workbooks[0]], tmp_path / "first", soffice=soffice)
    (tmp_path / "edited").mkdir()
    edited = _with_stale_cache(first[three_workbooks[0]], tmp_path / "edited" / "x.xlsx")
    assert read_named_values(edited)["总分"] == 94.07  # the stale cache

    out = recalculate([edited], tmp_path / "again", soffice=soffice)[edited]
    assert read_named_values(out) == {**ROUNDS, **CASES["case c.xlsx"][1]}

    # Control: without the private profile's recalc-always setting LibreOffice
    # keeps the stale cached values (it only computes cells that have none).
    monkeypatch.setattr(lo, "_RECALC_ALWAYS_XCU", lo._RECALC_ALWAYS_XCU.replace("<value>0<", "<value>1<"))
    out = recalculate([edited], tmp_path / "never", soffice=soffice)[edited]
    assert read_named_values(out)["总分"] == 94.07


@pytest.mark.libreoffice
def test_batches_of_at_most_batch_size(soffice, three_workbooks, tmp_path, monkeypatch):
    monkeypatch.setattr(lo, "BATCH_SIZE", 2)  # 3 files -> 2 soffice processes
    result = recalculate(three_workbooks, tmp_path / "out", soffice=soffice)
    assert sorted(read_named_values(o)["总分"] for o in result.values()) == [60.73, 87.9, 94.07]


@pytest.mark.libreoffice
def test_to_pdf_renders_computed_values(soffice, three_workbooks, tmp_path):
    pdf = to_pdf(three_workbooks[1], tmp_path / "pdf", soffice=soffice)
    assert pdf == tmp_path / "pdf" / "case_b.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")


def test_garbage_input_raises_without_running_libreoffice(tmp_path):
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_text("this is not a workbook\n1,2,3\n")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")  # LibreOffice would turn this into an empty workbook
    with pytest.raises(LibreOfficeError, match="not an xlsx") as err:
        recalculate([garbage, empty], tmp_path / "out", soffice="/nonexistent/soffice")
    assert "garbage.xlsx" in str(err.value) and "empty.xlsx" in str(err.value)


@pytest.mark.libreoffice
def test_unloadable_zip_is_reported_missing(soffice, three_workbooks, tmp_path):
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("hello.txt", "not a spreadsheet")
    good = three_workbooks[0]
    outdir = tmp_path / "out"
    started = time.monotonic()
    with pytest.raises(LibreOfficeError, match="1 of 2") as err:
        recalculate([good, bad], outdir, soffice=soffice, timeout=120)
    assert time.monotonic() - started < 120
    assert "bad.xlsx" in str(err.value)
    assert good.name not in str(err.value)
    assert (outdir / good.name).is_file()


def test_duplicate_basenames_rejected(tmp_path):
    paths = []
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        paths.append(build_workbook(tmp_path / sub / "same.xlsx", 70))
    with pytest.raises(LibreOfficeError, match="same base name"):
        recalculate(paths, tmp_path / "out", soffice="/nonexistent/soffice")


def test_output_may_not_overwrite_input(tmp_path):
    src = build_workbook(tmp_path / "x.xlsx", 70)
    with pytest.raises(LibreOfficeError, match="overwrite the input"):
        recalculate([src], tmp_path, soffice="/nonexistent/soffice")


def test_missing_soffice_is_an_error(tmp_path, monkeypatch):
    src = build_workbook(tmp_path / "x.xlsx", 70)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    assert lo.find_soffice() is None
    with pytest.raises(LibreOfficeError, match="not found"):
        recalculate([src], tmp_path / "out")


@pytest.mark.libreoffice
def test_stuck_process_is_killed(soffice, three_workbooks, tmp_path):
    started = time.monotonic()
    with pytest.raises(LibreOfficeError, match="killed"):
        recalculate(three_workbooks, tmp_path / "out", soffice=soffice, timeout=0.2)
    assert time.monotonic() - started < 30


def test_stale_output_does_not_count(tmp_path, monkeypatch):
    """An output left over from an earlier run is removed, so it cannot pass."""
    src = build_workbook(tmp_path / "x.xlsx", 70)
    outdir = tmp_path / "out"
    outdir.mkdir()
    stale = outdir / "x.xlsx"
    stale.write_bytes(b"old")
    monkeypatch.setattr(lo, "_run_soffice", lambda *a, **k: None)  # writes nothing
    with pytest.raises(LibreOfficeError, match="x.xlsx"):
        recalculate([src], outdir, soffice="soffice")
    assert not stale.exists()

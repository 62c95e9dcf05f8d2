"""The printed workbooks, as LibreOffice prints them: nothing cut, nothing extra.

One LibreOffice run exports to PDF: the seed sample (samples/seed_filled.xlsx), a
made-up unit written by `xl-eval fill` (drafted 扣分原因, no projects) and the summary
workbook `xl-eval collect` writes.  LibreOffice does not draw the part of a wrapped
text that falls below its cell, so a sentence missing from `pdftotext` is a sentence
cut off on paper.  The texts are looked up column by column (words grouped by the left
edge they start at), because pdftotext interleaves side-by-side cells.
"""

from __future__ import annotations

import csv
import re
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xl_eval.cli import cli
from xl_eval.forms.scoresheet import layout as L

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def column_texts(pdf: Path) -> list[str]:
    """The text of each column of each page: words grouped under the left edge they start at.

    An edge is where at least three lines start, over all pages (a sheet's columns stand at
    the same place on every page); a word that follows another on its line closely is not
    the start of a line, so an in-line word ("=", "×") never makes an edge, and goes with
    the word it follows."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    word = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)</word>'
    pages = [sorted(((float(x), float(y), float(x1), w.replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">")) for x, y, x1, w in re.findall(word, page)), key=lambda t: (t[1], t[0]))
             for page in out.split("<page ")[1:]]
    # the footer (第 N 页，共 M 页) is no column
    heights = [float(h) for h in re.findall(r'<page width="[\d.]+" height="([\d.]+)"', out)]
    pages = [[t for t in words if t[1] < h - 36] for words, h in zip(pages, heights)]
    def line_start(words, i) -> bool:
        prev = words[i - 1] if i else None
        return not prev or abs(prev[1] - words[i][1]) > 1 or not -0.5 <= words[i][0] - prev[2] <= 2.5
    starts = Counter(round(words[i][0]) for words in pages for i in range(len(words)) if line_start(words, i))
    edges = sorted(x for x, n in starts.items() if n >= 3)
    texts: dict[tuple[int, int], list[str]] = {}
    for pi, words in enumerate(pages):
        edge = -1
        for i, (x, _, _, w) in enumerate(words):
            # a word at an edge starts a line even when the text left of it reaches the cell border
            if line_start(words, i) or any(abs(e - x) <= 1 for e in edges):
                # the words after it on its line go with it
                edge = max([e for e in edges if e <= round(x) + 1] or [-1])
            texts.setdefault((pi, edge), []).append(w)
    return ["".join(v) for v in texts.values()]


def page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def sentences(text: str) -> list[str]:
    return [s for s in (re.sub(r"\s+", "", p) for p in re.split(r"(?<=[。；])", text or "")) if len(s) >= 2]


def missing(texts: list[str], pdf: Path) -> list[str]:
    cols = column_texts(pdf)
    return [s for t in texts for s in sentences(t) if not any(s in c for c in cols)]


@pytest.fixture(scope="module")
def pdfs(soffice, tmp_path_factory):
    from xl_eval.xlsx.libreoffice import _convert
    tmp = tmp_path_factory.mktemp("print")
    # a made-up unit: the 城北 sample row under a new name, no projects, drafted reasons
    with open(SAMPLES / "departments.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, row = rows[0], list(rows[2])
    row[header.index("单位名称")] = "虚构测试单位"
    table = tmp / "units.csv"
    with open(table, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    filled = tmp / "filled"
    res = CliRunner().invoke(cli, ["fill", str(table), "-o", str(filled)])
    assert res.exit_code == 0, res.output
    made_up = filled / "虚构测试单位.xlsx"
    summary = tmp / "汇总.xlsx"
    res = CliRunner().invoke(cli, ["collect", str(filled), "-o", str(summary)])
    assert res.exit_code == 0, res.output
    seed = tmp / "seed_filled.xlsx"
    seed.write_bytes((SAMPLES / "seed_filled.xlsx").read_bytes())
    calibration = calibration_workbook(tmp / "calibration.xlsx")
    out = _convert([seed, made_up, summary, calibration], tmp / "pdf", "pdf", timeout=600, soffice=soffice,
                   workers=1)
    return {"seed": (seed, out[seed]), "made_up": (made_up, out[made_up]), "summary": (summary, out[summary]),
            "calibration": (calibration, out[calibration])}


CALIBRATION_WIDTH = 34


def calibration_workbook(path: Path) -> Path:
    """One wrapped cell of 120 CJK characters at 10 pt in a 34-unit column, printed at 100%."""
    from openpyxl.styles import Alignment, Font
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = CALIBRATION_WIDTH
    c = ws.cell(1, 1, "字" * 120)
    c.font = Font(name="等线", size=10)
    c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 300
    ws.page_setup.scale = 100
    wb.save(path)
    return path


def test_row_heights_rest_on_libreoffice_measured_here(pdfs):
    """The constants of forms/common.py are LibreOffice's as it runs here: if the fonts it finds
    change (say Carlito for Calibri, which narrows every column), this fails before a text is cut."""
    from xl_eval.forms.common import LO_LINE_EM, line_count
    out = subprocess.run(["pdftotext", "-bbox", str(pdfs["calibration"][1]), "-"], capture_output=True,
                         text=True, check=True).stdout
    lines = [(float(y), w) for y, w in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)]
    per_line = {len(w) for _, w in lines[:-1]}
    n = per_line.pop()
    assert not per_line, "every full line holds the same number of characters"
    assert line_count("字" * n, CALIBRATION_WIDTH) == 1 and line_count("字" * (n + 1), CALIBRATION_WIDTH) == 2, n
    pitch = (lines[-1][0] - lines[0][0]) / (len(lines) - 1)
    assert abs(pitch - LO_LINE_EM * 10) < 0.3, pitch


def test_seed_sample_prints_every_sentence_of_its_texts(pdfs):
    with open(SAMPLES / "seed_annex1_texts.csv", encoding="utf-8-sig", newline="") as fh:
        texts = [t for r in csv.DictReader(fh) for t in (r["完成情况"], r["扣分原因"])]
    assert sum(len(sentences(t)) for t in texts) > 60
    assert missing(texts, pdfs["seed"][1]) == []


def test_printed_rules_and_names_are_whole(pdfs):
    from xl_eval.forms.scoresheet.criteria import printed_criteria
    from xl_eval.framework.model import load
    fw = load()
    texts = [printed_criteria(fw, leaf) for leaf in fw.leaves] + [leaf.explanation for leaf in fw.leaves]
    assert missing(texts, pdfs["seed"][1]) == []


def test_drafted_reasons_print_whole_and_an_empty_project_list_prints_one_page(pdfs):
    path, pdf = pdfs["made_up"]
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SCORE]
    reasons = [ws.cell(r, L.ScoreCol.REASON).value for r in range(5, ws.max_row + 1)]
    reasons = [t for t in reasons if isinstance(t, str) and t]
    assert reasons, "the made-up unit loses points: fill drafts reasons"
    assert missing(reasons, pdf) == []
    pages = page_texts(pdf)
    assert sum("全年预算金额（万元）" in p for p in pages) == 1      # header and total only
    seed_pages = page_texts(pdfs["seed"][1])
    assert sum("全年预算金额（万元）" in p for p in seed_pages) == 1  # 28 projects: one page, not 200 rows
    assert "28" in next(p for p in seed_pages if "全年预算金额（万元）" in p)


def test_summary_prints_on_few_pages_with_whole_headers(pdfs):
    path, pdf = pdfs["summary"]
    pages = page_texts(pdf)
    assert len(pages) == 2                       # 汇总 on one page, 等级分布 (tables + both charts) on one
    first = re.sub(r"\s+", "", pages[0])
    assert "总分（100分）" in first and "决策（20分）" in first   # headers not broken mid-word
    assert "总分分布" in pages[1] and "等级分布" in pages[1]
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in size
    # printed near full size: a 10-point CJK character of the header is at least 6.5 points wide
    # (measured: 6.0 when every column was at least openpyxl's default 13 units, 6.7 now)
    box = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    x0, x1 = map(float, re.search(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>名次</word>', box).groups())
    assert (x1 - x0) / 2 >= 6.5


def test_quoted_title_computes(soffice, tmp_path):
    """A title with an ASCII double quote still computes (quotes doubled in the formula)."""
    import yaml

    from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
    from xl_eval.framework.model import DEFAULT_FRAMEWORK, from_dict
    from xl_eval.xlsx.libreoffice import read_named_values, recalculate
    data = yaml.safe_load(DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    data["title"] = '“三公”与"引号"打分表=1'
    fw = from_dict(data)
    wb = build_workbook(fw)
    wb[L.BASE][L.layout(fw).inputs["unit_name"].ref.coord] = "甲单位"
    src = tmp_path / "quoted.xlsx"
    src.write_bytes(workbook_bytes(wb))
    out = recalculate([src], tmp_path / "out", soffice=soffice)[src]
    assert read_named_values(out)[L.TITLE] == '甲单位“三公”与"引号"打分表=1'


def test_scoresheet_wastes_no_paper(pdfs):
    """Rows sized for LibreOffice's own wrapping, not for a narrower one.

    Measured (LibreOffice 7.4, Debian fonts): the seed's 18 indicator rows need 2,774 pt of
    height for their texts (完成情况 alone 669 characters in a 34-unit column: 30 lines of
    14.5 pt), and a landscape A4 page at the sheet's fit-to-width scale holds about 850 pt of
    rows under the repeated header: 3.3 pages of text, so 4 pages with rows kept whole.  The
    Excel-width estimate used before printed the same texts on 5 pages; the made-up unit's
    short drafted texts fit on 2."""
    def scoresheet_pages(pdf):
        return sum("扣分原因" in p and "得分率" in p and "填表说明" not in p for p in page_texts(pdf))
    assert scoresheet_pages(pdfs["seed"][1]) <= 4
    assert scoresheet_pages(pdfs["made_up"][1]) <= 2

"""The Word report rendered by LibreOffice: printed as it should be, with the right numbers.

* the seed sample's report as PDF: no word outside the page's text area (no table
  cut at the page edge), the annex table's header on every page it runs onto, every
  leaf's paragraph in the text (pdftotext);
* reports of 50+ of the template input sets (tests/template_cases.py, shared with
  the template tests): Table 3, the level-1 tables and the annex hold exactly what
  LibreOffice computes from the same workbook; a sample of them is also printed,
  and the PDF text states the total, the grade and every leaf's score.
The documents printed go through ONE to_pdfs call.
"""

import re
import subprocess
from pathlib import Path

import pytest

docx = pytest.importorskip("docx")

from xl_eval.forms.scoresheet import layout as L  # noqa: E402

pytestmark = pytest.mark.libreoffice

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EVERY = 4                       # every 4th of the 212 input sets: 53 reports, read back with python-docx
PRINT_EVERY = 5                 # ... of which every 5th is also printed to PDF (with the seed: 12 documents)


def shown(value, fmt):
    """What the workbook shows, written out here by hand: 0.00 / 0.00% / General."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if fmt == "score":
        return f"{value:.2f}"
    if value >= 1e299:
        return "∞"
    return f"{value * 100:.2f}%"


@pytest.fixture(scope="module")
def rendered(native_run, fw, soffice, tmp_path_factory):
    from xl_eval.report.document import build_report
    from xl_eval.report.source import read_source
    from xl_eval.xlsx.libreoffice import to_pdfs
    out = tmp_path_factory.mktemp("reports")
    docs = {}
    sample = [(c, p) for i, (c, p) in enumerate(zip(native_run.cases, native_run.paths)) if i % EVERY == 0]
    for case, path in sample:
        src = read_source(fw, path)
        target = out / f"{case.id}.docx"
        target.write_bytes(build_report(src, forced=src.errors or None))
        docs[case.id] = target
    seed = out / "seed_report.docx"
    seed.write_bytes(build_report(read_source(fw, SAMPLES / "seed_filled.xlsx")))
    printed = [seed] + [d for i, d in enumerate(docs.values()) if i % PRINT_EVERY == 0]
    pdfs = to_pdfs(printed, out / "pdf", soffice=soffice)
    return {"seed": (seed, pdfs[seed]), "cases": {k: (v, pdfs.get(v)) for k, v in docs.items()},
            "run": native_run}


def pdf_text(pdf: Path, *args) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """Text without white space and without the page-number footers ("— 3 —")."""
    text = re.sub(r"—\s*\d+\s*—", "", text)
    return re.sub(r"\s+", "", text)


def test_no_word_outside_the_text_area(rendered):
    _, pdf = rendered["seed"]
    html = pdf_text(pdf, "-bbox")
    pages = re.findall(r'<page width="([0-9.]+)" height="([0-9.]+)">(.*?)</page>', html, re.S)
    assert len(pages) > 10
    for n, (w, h, body) in enumerate(pages, 1):
        w = float(w)
        margin = 1.5 / 2.54 * 72 - 3          # the narrowest margin (landscape annex), less 3 pt
        for x0, x1, word in re.findall(r'<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)" yMax="[0-9.]+">'
                                       r'([^<]*)</word>', body):
            assert float(x0) >= margin and float(x1) <= w - margin, (n, word, x0, x1, w)


def test_annex_header_repeats_on_every_page(rendered):
    _, pdf = rendered["seed"]
    pages = pdf_text(pdf).split("\f")
    first = next(i for i, p in enumerate(pages) if "附件1：" in flat(p))
    last = next(i for i, p in enumerate(pages) if "附件2：" in flat(p))
    annex = pages[first:last]
    assert len(annex) >= 3
    for i, page in enumerate(annex):
        assert all(h in page for h in ("一级指标", "指标解释", "评分标准", "完成情况", "扣分原因")), first + i


def test_every_leaf_paragraph_is_printed(rendered, fw):
    path, pdf = rendered["seed"]
    text = flat(pdf_text(pdf))
    doc = docx.Document(str(path))
    names = {leaf.name for leaf in fw.leaves}
    paras = [p.text for p in doc.paragraphs]
    count = 0
    for i, t in enumerate(paras):
        m = re.fullmatch(r"（\d+）(.+)", t)
        if m and m.group(1) in names:
            j = i + 1
            while not re.search(r"应得分[0-9.]+分，实际得分[0-9.]+分。$", paras[j]):
                j += 1
            for body in paras[i:j + 1]:
                assert flat(body) in text, body[:40]
            count += 1
    assert count == len(fw.leaves)
    # every 完成情况 of the seed workbook is printed, in full
    import csv
    with open(SAMPLES / "seed_annex1_texts.csv", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            if row["完成情况"]:
                assert flat(row["完成情况"].replace("<p>", "").replace("</p>", ""))[:200] in text


def test_report_numbers_equal_libreoffice(rendered, fw):
    got_all = rendered["run"].got
    cases = rendered["cases"]
    assert len(cases) >= 50
    lay = L.layout(fw)
    first = lay.score.header[0]
    totals = 0
    for case_id, (path, pdf) in cases.items():
        got = got_all[case_id]
        doc = docx.Document(str(path))
        t3 = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["一级指标", "权重", "得分", "得分率"])
        rows = [[c.text for c in r.cells] for r in t3.rows]
        want = [[l1.name, f"{sum(x.weight for x in l1.leaves):g}", shown(got[f"subtotal_{l1.code}"], "score"),
                 shown(got[f"subtotalrate_{l1.code}"], "rate")] for l1 in fw.level1]
        want.append(["合计", f"{fw.total_weight:g}", shown(got["total_score"], "score"), shown(got["total_rate"], "rate")])
        assert rows[1:-1] == want, case_id
        assert rows[-1][1] == (got["grade"] or "—"), case_id
        annex = next(t for t in doc.tables if t.rows[0].cells[0].text == "评价指标")
        grid, cols = annex._cells, len(annex.columns)      # table.cell() rebuilds this list per call
        for leaf in fw.leaves:
            r = lay.score.leaf_rows[leaf.code] - first
            assert grid[r * cols + L.ScoreCol.SCORE - 1].text == shown(got[f"score_{leaf.code}"], "score"), \
                (case_id, leaf.name)
            assert grid[r * cols + L.ScoreCol.RATE - 1].text == shown(got[f"scorerate_{leaf.code}"], "rate"), \
                (case_id, leaf.name)
        level1 = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["一级指标", "二级指标", "三级指标"]]
        scores = {r.cells[2].text: r.cells[4].text for t in level1 for r in t.rows[1:-1]}
        assert scores == {leaf.name: shown(got[f"score_{leaf.code}"], "score") for leaf in fw.leaves}, case_id
        totals += got["total_score"] is not None
        if pdf is not None:
            text = flat(pdf_text(pdf))
            for leaf in fw.leaves:
                w, sc = f"{leaf.weight:g}", shown(got[f"score_{leaf.code}"], "score")
                assert flat(f"应得分{w}分，实际得分{sc or '待定'}") in text, (case_id, leaf.name)
        if pdf is not None and got["total_score"] is not None:
            assert flat(f"得分为{shown(got['total_score'], 'score')}分，评价等级为“{got['grade']}”") in text, case_id
    assert totals >= 30

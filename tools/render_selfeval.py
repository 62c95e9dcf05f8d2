#!/usr/bin/env python3
"""Render the 自评表 of the first sample project, as printed, into docs/自评表.png,
and the 自评 report of the sample project 高标准农田建设 into docs/自评报告.png.

    python tools/render_selfeval.py [--out docs/自评表.png] [--report-out docs/自评报告.png] [--dpi 60]

Fills samples/selfeval (framework selfeval_2020_10), prints the project's
sheet with LibreOffice (PDF) and stacks the pages with pdftoppm and
ImageMagick (convert -append); the report's first two pages side by side.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def filled_workbook(folder: Path) -> Path:
    from openpyxl import load_workbook

    from xl_eval.batch import fill_selfeval as F
    from xl_eval.forms.selfeval import layout as L, template as T
    from xl_eval.forms.selfeval.bind import spec_of
    from xl_eval.framework.model import SHIPPED_DIR, load
    from xl_eval.sources.selfeval import read_batch

    fw = load(SHIPPED_DIR / "selfeval_2020_10.yaml")
    spec = spec_of(fw)
    batch = read_batch(ROOT / "samples/selfeval/projects.csv", ROOT / "samples/selfeval/indicators.csv")
    p = batch.projects[0]
    placed = F.place(spec, p, "indicators.csv")
    lay = L.layout(spec, placed.sizes)
    weights, _ = F.block_weights(spec, p, placed, "indicators.csv")
    values, formats = F.sheet_values(lay, p, placed, weights)
    path = folder / "自评表.xlsx"
    path.write_bytes(T.workbook_bytes(T.build_workbook(spec, [(T.TEMPLATE_SHEET, lay, values, formats)])))
    wb = load_workbook(path)
    wb[T.GUIDE_SHEET].sheet_state = "hidden"       # print only the form
    wb.save(path)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "自评表.png"))
    ap.add_argument("--report-out", default=str(ROOT / "docs" / "自评报告.png"))
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args(argv)
    report_picture(Path(args.report_out), args.dpi)
    from xl_eval.xlsx.libreoffice import to_pdf
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pdf = to_pdf(filled_workbook(tmp), tmp / "pdf")
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), str(pdf), str(tmp / "page")], check=True)
        pages = sorted(tmp.glob("page*.png"))
        subprocess.run(["convert", *map(str, pages), "-append", args.out], check=True)
    print(args.out)
    return 0


def report_picture(out: Path, dpi: int) -> None:
    from xl_eval.report.selfeval import build_selfeval_report, read_selfeval
    from xl_eval.xlsx.libreoffice import to_pdf
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "xl_eval.cli", "fill", str(ROOT / "samples/selfeval/projects.csv"),
                        "--indicators", str(ROOT / "samples/selfeval/indicators.csv"), "-o", str(tmp / "filled")],
                       check=True, capture_output=True, cwd=ROOT)
        doc = tmp / "自评报告.docx"
        doc.write_bytes(build_selfeval_report(read_selfeval(tmp / "filled" / "高标准农田建设.xlsx")))
        pdf = to_pdf(doc, tmp / "pdf")
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "2", str(pdf), str(tmp / "r")], check=True)
        pages = sorted(tmp.glob("r*.png"))
        subprocess.run(["convert", *map(str, pages), "+append", str(out)], check=True)
    print(out)


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Render two pages of the seed sample's Word report as pictures for the README:
the page with 三、综合评价情况及评价结论 (Table 3) and the first page of 附件1
(the scoring table).

    python tools/render_report.py [--dpi 60]

Needs python-docx, LibreOffice (soffice, Writer) and poppler-utils
(pdftotext, pdftoppm).  Writes docs/评价报告_评价结论.png and docs/评价报告_附件1.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# picture -> a text on the page (white space removed: pdftotext spaces out digits among CJK)
PAGES = {"评价报告_评价结论.png": "绩效评价指标得分情况汇总表", "评价报告_附件1.png": "附件1："}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", type=int, default=60)
    args = ap.parse_args(argv)
    from xl_eval.framework.model import load
    from xl_eval.report.document import build_report
    from xl_eval.report.source import read_source
    from xl_eval.xlsx.libreoffice import to_pdfs

    fw = load()
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "seed_report.docx"
        doc.write_bytes(build_report(read_source(fw, ROOT / "samples" / "seed_filled.xlsx")))
        pdf = to_pdfs([doc], Path(tmp))[doc]
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = text.split("\f")
        for name, marker in PAGES.items():
            n = 1 + next(i for i, p in enumerate(pages) if marker in "".join(p.split()))
            stem = Path(tmp) / "page"
            subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(n), "-l", str(n), "-singlefile",
                            str(pdf), str(stem)], check=True)
            shutil.copy(f"{stem}.png", ROOT / "docs" / name)
            print(f"docs/{name}: page {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

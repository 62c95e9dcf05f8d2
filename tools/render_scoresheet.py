#!/usr/bin/env python3
"""Render the 打分表 sheet of the template, filled with the seed's inputs,
as printed (LibreOffice PDF export -> pdftoppm) into docs/打分表.png.

    python tools/render_scoresheet.py [--out docs/打分表.png] [--dpi 60]

Needs LibreOffice (soffice) and poppler-utils (pdftoppm).  The pages of the
printout are stacked into one PNG (written with zlib, no imaging library).
"""

from __future__ import annotations

import argparse
import io
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The seed's 扣分原因 (Annex 1) for the three leaves that lost points.
REASONS = {
    "fin_compliance": "2024年年初支出预算数为3592.06万元，调整预算数为4184.69万元，调整率为16.5%，"
                      "超出10%共6个整百分点，扣0.6分。",
    "budget_norms": "项目库管理、新增项目事前绩效评估两项未在预算公开说明中找到，扣2分。",
    "budget_adjustment": "年初支出预算数为3592.06万元，调整预算数为4184.69万元，调整率为16.5%，处于10%至40%档，计2分。",
}


def filled_workbook(path: Path) -> Path:
    """The template with the seed's inputs, only 打分表 visible."""
    import openpyxl

    from xl_eval.sources.departments import read_departments
    from xl_eval.framework.model import load
    from xl_eval.forms.scoresheet.layout import SCORE, layout, reason_name
    from xl_eval.forms.scoresheet.template import workbook_bytes, build_workbook

    fw = load()
    lay = layout(fw)
    seed = read_departments(fw, ROOT / "samples" / "departments.csv").rows[0].values
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(build_workbook(fw))))
    for code, value in seed.items():
        if value is not None:
            ref = lay.inputs[code].ref
            wb[ref.sheet][ref.coord].value = value
    for leaf, text in REASONS.items():
        ref = lay.notes[reason_name(leaf)].ref
        wb[ref.sheet][ref.coord].value = text
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == SCORE else "hidden"
    wb.active = wb.sheetnames.index(SCORE)
    wb.save(path)
    return path


def read_pnm(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, pixels) of a binary PGM/PPM image."""
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    magic, w, h = fields[0], int(fields[1]), int(fields[2])
    channels = {b"P5": 1, b"P6": 3}[magic]
    return w, h, channels, data[pos + 1:pos + 1 + w * h * channels]


def write_png(path: Path, width: int, height: int, channels: int, pixels: bytes) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    stride = width * channels
    raw = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(height))
    colour = {1: 0, 3: 2}[channels]
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    path.write_bytes(png)


def render(out: Path, dpi: int = 60, gray: bool = False) -> Path:
    from xl_eval.xlsx.libreoffice import to_pdf
    with tempfile.TemporaryDirectory(prefix="xl-eval-render-") as tmp:
        tmp = Path(tmp)
        src = filled_workbook(tmp / "打分表.xlsx")
        pdf = to_pdf(src, tmp / "pdf")
        args = ["pdftoppm", "-r", str(dpi)] + (["-gray"] if gray else []) + [str(pdf), str(tmp / "page")]
        subprocess.run(args, check=True)
        pages = sorted(tmp.glob("page*.p?m"))
        images = [read_pnm(p.read_bytes()) for p in pages]
    width = max(w for w, _, _, _ in images)
    channels = images[0][2]
    gap = bytes([160] * channels) * width * 2          # a grey line between pages
    rows = []
    for w, h, c, px in images:
        pad = bytes([255] * c) * (width - w)
        rows += [px[y * w * c:(y + 1) * w * c] + pad for y in range(h)]
        rows.append(gap)
    rows.pop()
    pixels = b"".join(rows)
    height = len(pixels) // (width * channels)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_png(out, width, height, channels, pixels)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "打分表.png")
    ap.add_argument("--dpi", type=int, default=60)
    ap.add_argument("--gray", action="store_true", help="grey-scale picture (smaller file)")
    args = ap.parse_args()
    path = render(args.out, args.dpi, args.gray)
    print(f"{path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

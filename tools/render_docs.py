#!/usr/bin/env python3
"""Regenerate every picture in docs/: each sheet as LibreOffice prints it.

    python tools/render_docs.py [--dpi 60] [--pages 3]

Pictures (the pages of one sheet's printout stacked, at most --pages of them):

* docs/<sheet>.png for every visible sheet of the seed sample samples/seed_filled.xlsx
  (填表说明, 基础数据, 项目明细, 打分表, 汇总, 评分参数);
* docs/汇总表_<sheet>.png for the sheets of the summary workbook that
  `xl-eval collect` writes from the five sample units (汇总, 等级分布).
* docs/打分表_<framework id>.png for the 打分表 of every other shipped framework
  (filled by `xl-eval fill` from samples/<framework file stem>.csv, else its blank template);
* then the pictures of the other tools, so this one command regenerates every
  picture in docs/: tools/render_report.py (docs/评价报告_*.png, needs
  python-docx and LibreOffice Writer) and tools/render_selfeval.py
  (docs/自评表.png, needs ImageMagick).

Needs LibreOffice (soffice) and poppler-utils (pdftoppm).  One soffice run
exports every sheet.  PNGs are written with zlib (no imaging library).
"""

from __future__ import annotations

import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def sheet_names(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        xml = z.read("xl/workbook.xml").decode("utf-8")
    return [m.group(1) for m in re.finditer(r'<sheet\b[^>]*?name="([^"]*)"[^>]*?state="visible"', xml)]


def only_sheet(xlsx: Path, sheet: str, out: Path) -> Path:
    """A copy of `xlsx` in which only `sheet` is visible (and active): byte-patched, nothing else changes."""
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = [m.group(1) for m in re.finditer(r'<sheet\b[^>]*?name="([^"]*)"',
                                                 zin.read("xl/workbook.xml").decode("utf-8"))]
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                xml = data.decode("utf-8")

                def state(m: re.Match) -> str:
                    tag = re.sub(r'\s+state="[^"]*"', "", m.group(0))
                    return tag if m.group(1) == sheet else tag.replace("<sheet ", '<sheet state="hidden" ', 1)
                xml = re.sub(r'<sheet\b[^>]*?name="([^"]*)"[^>]*/>', state, xml)
                # LibreOffice prints a hidden sheet's print area: keep only this sheet's
                keep = str(names.index(sheet))
                xml = re.sub(r'<definedName name="_xlnm\.Print_Area" localSheetId="(\d+)">[^<]*</definedName>',
                             lambda m: m.group(0) if m.group(1) == keep else "", xml)
                xml = re.sub(r'activeTab="\d+"', f'activeTab="{names.index(sheet)}"', xml)
                xml = re.sub(r'firstSheet="\d+"', f'firstSheet="{names.index(sheet)}"', xml)
                data = xml.encode("utf-8")
            zout.writestr(item, data)
    return out


def stack(pdf: Path, out: Path, dpi: int, pages: int, tmp: Path) -> Path:
    prefix = tmp / f"page-{out.stem}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-l", str(pages), str(pdf), str(prefix)], check=True)
    images = [read_pnm(p.read_bytes()) for p in sorted(tmp.glob(f"{prefix.name}*.p?m"))]
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
    write_png(out, width, len(pixels) // (width * channels), channels, pixels)
    return out


def summary_workbook(tmp: Path) -> Path:
    """The summary `xl-eval collect` writes for the sample units filled by `xl-eval fill`."""
    from click.testing import CliRunner

    from xl_eval.cli import cli
    filled = tmp / "filled"
    res = CliRunner().invoke(cli, ["fill", str(ROOT / "samples" / "departments.csv"), "--projects",
                                   str(ROOT / "samples" / "projects.csv"), "-o", str(filled)])
    if res.exit_code != 0:
        raise SystemExit(res.output)
    out = tmp / "汇总表.xlsx"
    here = os.getcwd()
    os.chdir(tmp)                     # the 文件 column shows short relative paths
    try:
        res = CliRunner().invoke(cli, ["collect", "filled", "-o", out.name])
    finally:
        os.chdir(here)
    if res.exit_code != 0:
        raise SystemExit(res.output)
    return out


def other_frameworks(tmp: Path) -> list[tuple[str, Path]]:
    """(framework id, blank template) of every shipped framework but the default one."""
    from xl_eval.forms.scoresheet.support import FORM_NAME, SUPPORTED
    from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
    from xl_eval.framework.features import refusal
    from xl_eval.framework.model import DEFAULT_FRAMEWORK, load
    out = []
    for path in sorted(DEFAULT_FRAMEWORK.parent.glob("*.yaml")):
        if path.resolve() == DEFAULT_FRAMEWORK.resolve():
            continue
        fw = load(path)
        why = refusal(fw, SUPPORTED, FORM_NAME)
        if why:                                        # a framework the 打分表 cannot render yet
            print(f"跳过 {path.name}：{why}", file=sys.stderr)
            continue
        target = filled_sample(path, tmp) or tmp / f"{fw.id}.xlsx"
        if not target.exists():                        # no sample table: the blank template
            target.write_bytes(workbook_bytes(build_workbook(fw)))
        out.append((fw.id, target))
    return out


def filled_sample(framework: Path, tmp: Path) -> Path | None:
    """The workbook `xl-eval fill` writes for the first row of samples/<framework stem>.csv, if there is one."""
    from click.testing import CliRunner

    from xl_eval.cli import cli
    table = ROOT / "samples" / f"{framework.stem}.csv"
    if not table.is_file():
        return None
    out = tmp / f"filled-{framework.stem}"
    res = CliRunner().invoke(cli, ["fill", str(table), "--framework", str(framework), "-o", str(out)])
    files = sorted(out.glob("*.xlsx"))
    if not files:
        raise SystemExit(res.output)
    return files[0]


def render(docs: Path, dpi: int, pages: int) -> list[Path]:
    from xl_eval.forms.scoresheet.layout import SCORE
    from xl_eval.xlsx.libreoffice import _convert
    docs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xl-eval-docs-") as t:
        tmp = Path(t)
        jobs: list[tuple[Path, Path]] = []            # (one-sheet workbook, picture)
        seed = ROOT / "samples" / "seed_filled.xlsx"
        for i, sheet in enumerate(sheet_names(seed)):
            jobs.append((only_sheet(seed, sheet, tmp / f"s{i}.xlsx"), docs / f"{sheet}.png"))
        summary = summary_workbook(tmp)
        for i, sheet in enumerate(sheet_names(summary)):
            jobs.append((only_sheet(summary, sheet, tmp / f"c{i}.xlsx"), docs / f"汇总表_{sheet}.png"))
        for i, (fid, path) in enumerate(other_frameworks(tmp)):
            jobs.append((only_sheet(path, SCORE, tmp / f"f{i}.xlsx"), docs / f"打分表_{fid}.png"))
        pdfs = _convert([src for src, _ in jobs], tmp / "pdf", "pdf", timeout=900, soffice=None, workers=1)
        return [stack(pdfs[src], png, dpi, pages, tmp) for src, png in jobs]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=Path, default=ROOT / "docs")
    ap.add_argument("--dpi", type=int, default=60)
    ap.add_argument("--pages", type=int, default=3, help="at most this many pages of each sheet")
    args = ap.parse_args()
    for path in render(args.docs, args.dpi, args.pages):
        print(f"{path} ({path.stat().st_size // 1024} KB)")
    sys.path.insert(0, str(ROOT / "tools"))
    import render_report
    import render_selfeval
    render_report.main(["--dpi", str(args.dpi)])
    render_selfeval.main(["--dpi", str(args.dpi), "--out", str(args.docs / "自评表.png")])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every sheet of a hand-made .xlsx as a Grid, through the guarded reader.

The file is opened with xl_eval.xlsx.reader.open_workbook (zip-bomb, XXE
and size guards, WorkbookError with a catalogue code); each sheet part is
read through the same guarded path and parsed with the standard library.
Merged areas are expanded (copies marked ``merged``); number formats are
looked up so that a 0.88 formatted as 0.00% is shown as "88.00%".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from xl_eval.check.foreign.grid import Document, GCell, Grid, clean
from xl_eval.core.xlround import plain
from xl_eval.xlsx.reader import Workbook, WorkbookError, col_index, col_letter, open_workbook

MAX_ROWS = 2000          # a score table is a few hundred rows at most
MAX_COLS = 60
MAX_SHEET_BYTES = 16 << 20

_REF_RE = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
_BUILTIN_PERCENT = {9: 0, 10: 2}
_BUILTIN_DECIMALS = {1: 0, 2: 2, 3: 0, 4: 2}


def read_xlsx(path: str, wb: Workbook | None = None) -> Document:
    """Raises WorkbookError for a file that cannot be read."""
    own = wb is None
    if own:
        wb = open_workbook(path)
    try:
        formats = _number_formats(wb)
        grids = []
        for i, sheet in enumerate(wb.sheets, 1):
            part = wb.sheet_part(sheet)
            if part is None or wb.sheet_state.get(sheet, "visible") != "visible":
                continue
            grids.append(_sheet_grid(wb, sheet, part, formats, i))
        return Document(str(path), "xlsx", grids)
    finally:
        if own:
            wb.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(wb: Workbook, part: str) -> ET.Element:
    data = wb.read_part(part)
    if len(data) > MAX_SHEET_BYTES:
        raise WorkbookError("XE108", part=part, detail=f"解压后 {len(data)} 字节，不像是打分表",
                            detail_en=f"{len(data)} bytes uncompressed; not a score table")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise WorkbookError("XE110", detail=f"{part} 不是有效的 XML（{exc}）",
                            detail_en=f"{part} is not valid XML ({exc})") from None


def _number_formats(wb: Workbook) -> list[tuple[int | None, int | None]]:
    """Per cell style index: (percent decimals or None, decimals or None)."""
    styles = None
    for name in ("xl/styles.xml",):
        try:
            styles = _parse(wb, name)
        except WorkbookError:
            return []
    custom: dict[int, str] = {}
    out: list[tuple[int | None, int | None]] = []
    for el in styles.iter():
        if _local(el.tag) == "numFmt":
            try:
                custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
            except ValueError:
                pass
    for el in styles.iter():
        if _local(el.tag) == "cellXfs":
            for xf in el:
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fid = 0
                out.append(_format_digits(fid, custom.get(fid)))
            break
    return out


def _format_digits(fid: int, code: str | None) -> tuple[int | None, int | None]:
    if code is None:
        if fid in _BUILTIN_PERCENT:
            return _BUILTIN_PERCENT[fid], None
        return None, _BUILTIN_DECIMALS.get(fid)
    section = code.split(";", 1)[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]', "", section)
    m = re.search(r"0\.(0+)", section)
    digits = len(m.group(1)) if m else 0
    if "%" in section:
        return digits, None
    return (None, digits) if re.search(r"[0#]", section) else (None, None)


def _sheet_grid(wb: Workbook, sheet: str, part: str, formats, index: int) -> Grid:
    root = _parse(wb, part)
    raw: dict[tuple[int, int], tuple[str, str, str | None]] = {}   # (r, c) -> (type, value, style)
    merges: list[tuple[int, int, int, int]] = []
    sst_needed: set[int] = set()
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "c":
            m = _REF_RE.match((el.get("r") or "").upper())
            if not m:
                continue
            r, c = int(m.group(2)), col_index(m.group(1))
            if r > MAX_ROWS or c > MAX_COLS:
                continue
            t = el.get("t", "n")
            value = None
            for child in el:
                ct = _local(child.tag)
                if ct == "v":
                    value = child.text or ""
                elif ct == "is":
                    value = "".join(x.text or "" for x in child.iter() if _local(x.tag) == "t")
                    t = "inline"
            if value is None:
                continue
            if t == "s" and value.strip().isdigit():
                sst_needed.add(int(value))
            raw[(r, c)] = (t, value, el.get("s"))
        elif tag == "mergeCell":
            ref = el.get("ref", "")
            a, _, b = ref.partition(":")
            ma, mb = _REF_RE.match(a.upper()), _REF_RE.match((b or a).upper())
            if ma and mb:
                merges.append((int(ma.group(2)), col_index(ma.group(1)), int(mb.group(2)), col_index(mb.group(1))))
    sst = wb.shared_strings(sst_needed) if sst_needed else {}
    n_rows = max([r for r, _ in raw] + [m[2] for m in merges if m[2] <= MAX_ROWS] + [0])
    n_cols = max([c for _, c in raw] + [min(m[3], MAX_COLS) for m in merges] + [0])
    rows: list[list[GCell]] = []
    for r in range(1, n_rows + 1):
        row = []
        for c in range(1, n_cols + 1):
            ref = f"{col_letter(c)}{r}"
            row.append(_cell(raw.get((r, c)), sst, formats, sheet, ref))
        rows.append(row)
    for r1, c1, r2, c2 in merges:
        if r1 > n_rows or c1 > n_cols:
            continue
        anchor = rows[r1 - 1][c1 - 1]
        for r in range(r1, min(r2, n_rows) + 1):
            for c in range(c1, min(c2, n_cols) + 1):
                if (r, c) != (r1, c1):
                    ref = f"{col_letter(c)}{r}"
                    rows[r - 1][c - 1] = GCell(anchor.text, f"{sheet}!{ref}", sheet, anchor.cell, True,
                                               anchor.number, anchor.percent_digits)
    return Grid(sheet, rows, index=index)


def _cell(entry, sst, formats, sheet: str, ref: str) -> GCell:
    cell = GCell("", f"{sheet}!{ref}", sheet, ref)
    if entry is None:
        return cell
    t, value, style = entry
    if t == "s":
        cell.text = clean(sst.get(int(value), "")) if value.strip().isdigit() else ""
    elif t in ("inline", "str"):
        cell.text = clean(value)
    elif t == "b":
        cell.text = "TRUE" if value.strip() in ("1", "true") else "FALSE"
    elif t == "e":
        cell.text = value
    else:
        try:
            x = float(value)
        except ValueError:
            cell.text = clean(value)
            return cell
        pct, digits = (None, None)
        try:
            if style is not None and int(style) < len(formats):
                pct, digits = formats[int(style)]
        except ValueError:
            pass
        cell.number = x
        if pct is not None:
            cell.percent_digits = pct
            cell.text = f"{x * 100:.{pct}f}%"
        elif digits is not None:
            cell.text = f"{x:.{digits}f}"
        else:
            cell.text = plain(float(f"{x:.15g}"))
    return cell

"""Fast, dependency-free reading and patching of .xlsx packages.

Why: a finance bureau fills hundreds or thousands of department workbooks
from one template.  Loading the template with openpyxl, writing a few dozen
cells and saving it again costs the whole workbook's parse and
serialisation for every department.  ``WorkbookPatcher`` parses the template
package once and, for each department, only re-renders the rows of the
sheet parts that hold the cells to change; every other zip member is copied
in its already-compressed form.  Output is a normal .xlsx package (same
parts, same formulas, same styles, data validation, defined names) that
Excel, WPS and LibreOffice open; new text values are written as inline
strings (``t="inlineStr"``), which all of them read.

The template is trusted input (generated in the same run); reading files
users send back is workbook_reader.py's job (guarded against hostile zips).

Per department only the re-rendered rows are compressed: the unchanged
stretches of a patched part (the template's text between and around those
rows) are deflated once per process and spliced in (``_Stretches``).  Raw
deflate streams concatenate when every piece but the last ends on a byte
boundary without a final block (Z_SYNC_FLUSH) and no piece refers back into
another (each stretch has its own compressor; the rows' compressor is reset
with Z_FULL_FLUSH after each run of rows); the CRC is taken over the raw
bytes as they are spliced.  ``WHOLE_PARTS = True`` renders and deflates each
part whole, as before: the reference the tests compare with.

Cell coordinates are (row, column) with 1-based integers.
"""

from __future__ import annotations

import io
import math
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from xml.etree import ElementTree as ET

from xl_eval.forms.common import row_height
from xl_eval.forms.scoresheet.layout import col_letter

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = "/officeDocument"
WHOLE_PARTS = False     # True: every patched part rendered and deflated whole (the reference for the tests)

Coord = tuple[int, int]


class XlsxError(Exception):
    """Not a readable .xlsx package (message in Chinese, for users)."""


# ------------------------------------------------------------ references

_CELL_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_cell(ref: str) -> Coord:
    m = _CELL_RE.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


def cell_ref(coord: Coord) -> str:
    return f"{col_letter(coord[1])}{coord[0]}"


@dataclass(frozen=True)
class Area:
    """A rectangular area on one sheet (a defined name's destination)."""
    sheet: str
    first: Coord
    last: Coord

    @property
    def is_cell(self) -> bool:
        return self.first == self.last

    def cells(self) -> list[Coord]:
        return [(r, c) for r in range(self.first[0], self.last[0] + 1)
                for c in range(self.first[1], self.last[1] + 1)]


def parse_area(text: str) -> Area | None:
    """``'Sheet 1'!$A$1:$B$3`` -> Area; None for constants, formulas, several areas."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    if text.startswith("'"):
        end = 1
        while True:
            end = text.find("'", end)
            if end < 0:
                return None
            if text[end + 1:end + 2] == "'":
                end += 2
                continue
            break
        sheet = text[1:end].replace("''", "'")
        rest = text[end + 1:]
    else:
        sheet, sep, rest = text.partition("!")
        if not sep:
            return None
        rest = "!" + rest
    if not rest.startswith("!"):
        return None
    ref = rest[1:]
    a, _, b = ref.partition(":")
    try:
        first = parse_cell(a)
        last = parse_cell(b) if b else first
    except ValueError:
        return None
    first, last = (min(first[0], last[0]), min(first[1], last[1])), (max(first[0], last[0]), max(first[1], last[1]))
    return Area(sheet, first, last)


# ------------------------------------------------------------ package structure

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in base_dir.split("/") if p]
    for seg in target.split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg and seg != ".":
            parts.append(seg)
    return "/".join(parts)


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{rId: (type, resolved target)} of a part's relationships."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    try:
        root = ET.fromstring(zf.read(rels_name))
    except KeyError:
        return {}
    out = {}
    for rel in root:
        if rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id")] = (rel.get("Type", ""), _resolve(folder, rel.get("Target", "")))
    return out


@dataclass
class Package:
    """Sheet parts and defined names of a workbook package."""
    workbook_part: str
    sheets: dict[str, str]                 # sheet name -> part name
    names: dict[str, str]                  # workbook-scoped defined name -> reference text
    shared_strings_part: str | None

    def area(self, name: str) -> Area | None:
        text = self.names.get(name)
        return None if text is None else parse_area(text)


def read_package(zf: zipfile.ZipFile) -> Package:
    root_rels = _rels(zf, "")
    wb_part = next((t for typ, t in root_rels.values() if typ.endswith(OFFICE_DOC)), None)
    if wb_part is None:
        if "xl/workbook.xml" in zf.namelist():
            wb_part = "xl/workbook.xml"
        else:
            raise XlsxError("不是 Excel 工作簿（缺少 workbook 部件）")
    try:
        root = ET.fromstring(zf.read(wb_part))
    except KeyError:
        raise XlsxError("不是 Excel 工作簿（缺少 workbook 部件）") from None
    rels = _rels(zf, wb_part)
    sheets, names = {}, {}
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            rid = el.get(f"{{{REL_NS}}}id") or next(
                (v for k, v in el.attrib.items() if _local(k) == "id" and k != "sheetId"), None)
            if rid in rels:
                sheets[el.get("name")] = rels[rid][1]
        elif tag == "definedName" and el.get("localSheetId") is None:
            names[el.get("name")] = (el.text or "").strip()
    sst = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
    return Package(wb_part, sheets, names, sst)


# ------------------------------------------------------------ writing cells

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(s: str) -> str:
    s = _ILLEGAL_XML.sub("", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_cell(coord: Coord, value: Any, style: str | None) -> str:
    """The <c> element for a constant value (number, text or bool)."""
    s = f' s="{style}"' if style else ""
    r = cell_ref(coord)
    if isinstance(value, bool):
        return f'<c r="{r}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{r}"{s}><v>{value}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to a cell")
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        return f'<c r="{r}"{s}><v>{text}</v></c>'
    text = xml_text(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{r}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


_ROW_RE = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_C_RE = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_RE = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_SPANS_RE = re.compile(r'\s+spans="[^"]*"')
_HT_RE = re.compile(r'\s+ht="([^"]*)"')


class _RowSlot:
    __slots__ = ("row", "open", "items", "targets", "original")

    def __init__(self, row: int, open_tag: str | None, original: str = ""):
        self.row = row
        self.open = open_tag         # None: the row does not exist in the template
        self.original = original     # the row's text in the template ("" if none)
        self.items: list[tuple[int, str | None, str | None]] = []   # (col, original xml, style)
        self.targets: set[int] = set()

    def render(self, values: Mapping[int, Any], height: float | None = None) -> str:
        """The row with the given {column: value} (None keeps the template's cell); with
        `height`, the row is at least that tall (points)."""
        cells = []
        for col, original, style in self.items:
            if col in self.targets:
                v = values.get(col)
                if v is not None:
                    cells.append(render_cell((self.row, col), v, style))
                    continue
            if original is not None:
                cells.append(original)
        if self.open is None:
            ht = f' ht="{height:g}"' if height else ""
            return f'<row r="{self.row}"{ht}>' + "".join(cells) + "</row>" if cells else ""
        return self.taller(height) + "".join(cells) + "</row>"

    def taller(self, height: float | None) -> str:
        """The row's opening tag, its height raised to `height` if that is more."""
        if not height:
            return self.open
        m = _HT_RE.search(self.open)
        if m is None:
            return self.open[:-1] + f' ht="{height:g}">'
        if float(m.group(1)) >= height:
            return self.open
        return self.open[:m.start()] + f' ht="{height:g}"' + self.open[m.end():]


class SheetPatcher:
    """One sheet part, split once into static text and re-rendered rows."""

    def __init__(self, xml: str, targets: Iterable[Coord]):
        wanted: dict[int, set[int]] = {}
        for r, c in targets:
            wanted.setdefault(r, set()).add(c)
        start = xml.find("<sheetData")
        if start < 0:
            raise XlsxError("工作表缺少 sheetData")
        head_end = xml.index(">", start) + 1
        if xml[head_end - 2] == "/":                         # <sheetData/>
            body = ""
            head = xml[:start] + "<sheetData>"
            tail = "</sheetData>" + xml[head_end:]
        else:
            end = xml.index("</sheetData>", head_end)
            body = xml[head_end:end]
            head, tail = xml[:head_end], xml[end:]
        pieces: list[str | _RowSlot] = [head]
        pos = 0
        existing: dict[int, tuple[int, int, _RowSlot]] = {}
        order: list[tuple[int, int, int]] = []               # (row, start, end) in body
        for m in _ROW_RE.finditer(body):
            attrs = dict(_ATTR_RE.findall(m.group(1)))
            if "r" not in attrs:
                raise XlsxError("工作表的行缺少行号（r 属性），无法修改")
            row = int(attrs["r"])
            order.append((row, m.start(), m.end()))
            if row in wanted:
                open_tag = "<row" + _SPANS_RE.sub("", m.group(1)).rstrip("/") + ">"
                slot = _RowSlot(row, open_tag, m.group(0))
                for cm in _C_RE.finditer(m.group(2) or ""):
                    cattrs = dict(_ATTR_RE.findall(cm.group(1)))
                    col = parse_cell(cattrs["r"])[1]
                    slot.items.append((col, cm.group(0), cattrs.get("s")))
                existing[row] = (m.start(), m.end(), slot)
        # rows to create go before the first existing row with a larger number
        new_rows = sorted(r for r in wanted if r not in existing)
        inserts: dict[int, list[_RowSlot]] = {}              # body offset -> new slots
        for row in new_rows:
            at = next((s for r, s, _ in order if r > row), len(body))
            inserts.setdefault(at, []).append(_RowSlot(row, None))
        cuts = sorted([(s, e, slot) for s, e, slot in existing.values()]
                      + [(at, at, slots) for at, slots in inserts.items()], key=lambda t: (t[0], t[1]))
        for s, e, what in cuts:
            pieces.append(body[pos:s])
            for slot in (what if isinstance(what, list) else [what]):
                pieces.append(slot)
            pos = e
        pieces.append(body[pos:])
        pieces.append(tail)
        # merge static text and register the target columns in each slot
        self._pieces: list[str | _RowSlot] = []
        for p in pieces:
            if isinstance(p, str) and self._pieces and isinstance(self._pieces[-1], str):
                self._pieces[-1] += p
            elif p != "":
                self._pieces.append(p)
        self.formula_targets: list[Coord] = []      # targets holding a formula (must not be written)
        for p in self._pieces:
            if isinstance(p, _RowSlot):
                self.formula_targets += [(p.row, c) for c, xml, _ in p.items
                                         if xml and c in wanted[p.row] and "<f" in xml]
                have = {c for c, _, _ in p.items}
                for col in wanted[p.row]:
                    if col not in have:
                        p.items.append((col, None, None))
                p.items.sort(key=lambda t: t[0])
                p.targets = set(wanted[p.row])

        # the template's text of every piece (a row slot: its row as it stands), encoded once:
        # the unchanged stretches are byte ranges of it
        encoded = [(p if isinstance(p, str) else p.original).encode("utf-8") for p in self._pieces]
        self.raw = b"".join(encoded)
        self._offsets = [0]
        for b in encoded:
            self._offsets.append(self._offsets[-1] + len(b))

    @staticmethod
    def _by_row(values: Mapping[Coord, Any]) -> dict[int, dict[int, Any]]:
        by_row: dict[int, dict[int, Any]] = {}
        for (r, c), v in values.items():
            if v is not None:
                by_row.setdefault(r, {})[c] = v
        return by_row

    @staticmethod
    def _render_slot(p: _RowSlot, row_values: Mapping[int, Any], widths: Mapping[int, float] | None) -> str:
        height = None
        if widths:
            texts = [(v, widths[c]) for c, v in row_values.items() if isinstance(v, str) and c in widths]
            height = row_height(texts) if texts else None
        return p.render(row_values, height)

    def render(self, values: Mapping[Coord, Any], widths: Mapping[int, float] | None = None) -> str:
        """The sheet with `values` written; with `widths` ({column: width in Excel units}),
        rows where text is written in those columns grow to show it wrapped in full."""
        by_row = self._by_row(values)
        out = []
        for p in self._pieces:
            if isinstance(p, str):
                out.append(p)
            else:
                row_values = by_row.get(p.row)
                if not row_values:
                    out.append(p.original)
                    continue
                out.append(self._render_slot(p, row_values, widths))
        return "".join(out)

    def segments(self, values: Mapping[Coord, Any], widths: Mapping[int, float] | None = None) -> list:
        """What `render` gives, as a list of unchanged stretches ((start, end) byte ranges of
        `raw`) and re-rendered rows (bytes), neighbours merged."""
        by_row = self._by_row(values)
        out: list = []
        start = 0                                   # byte offset where the current unchanged stretch began
        for i, p in enumerate(self._pieces):
            if isinstance(p, str):
                continue
            row_values = by_row.get(p.row)
            if not row_values:
                continue
            at = self._offsets[i]
            text = self._render_slot(p, row_values, widths).encode("utf-8")
            if at > start:
                out.append((start, at))
            elif out and isinstance(out[-1], bytes):
                text = out.pop() + text
            out.append(text)
            start = self._offsets[i + 1]
        if start < len(self.raw):
            out.append((start, len(self.raw)))
        return out


# ------------------------------------------------------------ zip writing

class _Member:
    __slots__ = ("name", "crc", "size", "data", "method")

    def __init__(self, name: str, raw: bytes, level: int):
        self.name = name
        self.crc = zlib.crc32(raw)
        self.size = len(raw)
        if raw:
            c = zlib.compressobj(level, zlib.DEFLATED, -15)
            self.data = c.compress(raw) + c.flush()
            self.method = zipfile.ZIP_DEFLATED
        else:
            self.data, self.method = b"", zipfile.ZIP_STORED

    @classmethod
    def spliced(cls, name: str, raw: bytes, segments: list, stretches: "_Stretches", level: int) -> "_Member":
        """The member for `raw` with `segments` ((start, end): unchanged bytes of `raw`; bytes:
        new text) spliced in: only the new text is compressed here."""
        m = cls.__new__(cls)
        m.name, m.method = name, zipfile.ZIP_DEFLATED
        view = memoryview(raw)
        out, crc, size = [], 0, 0
        rows = None                               # one compressor for the new text, reset after each run
        last = len(segments) - 1
        for i, seg in enumerate(segments):
            if isinstance(seg, tuple):
                a, b = seg
                piece = view[a:b]
                out.append(stretches.get(raw, a, b))
            else:
                piece = seg
                if rows is None:
                    rows = zlib.compressobj(level, zlib.DEFLATED, -15)
                out.append(rows.compress(seg))
                # Z_FULL_FLUSH: byte-aligned and nothing after it refers back into this run
                out.append(rows.flush(zlib.Z_FINISH if i == last else zlib.Z_FULL_FLUSH))
            crc = zlib.crc32(piece, crc)
            size += len(piece)
        if not segments or isinstance(segments[-1], tuple):
            out.append(_FINAL_EMPTY_BLOCK)
        m.data, m.crc, m.size = b"".join(out), crc, size
        return m


_FINAL_EMPTY_BLOCK = b"\x03\x00"     # a final fixed-Huffman block with no data: ends the spliced stream


class _Stretches:
    """Unchanged stretches of the template's patched parts, deflated once per process.

    Each is compressed on its own and ends with Z_SYNC_FLUSH (byte-aligned, not
    final), so it can stand anywhere in a member's deflate stream.  Keyed by the
    part and the byte range: the 项目明细 rows after the last project, the 打分表
    text between two drafted rows ... recur from department to department.
    Bounded (oldest dropped first): memory does not grow with the batch, and
    output bytes do not depend on what is cached."""

    def __init__(self, level: int, budget: int = 16 << 20):
        self.level = level
        self.budget = budget
        self.held = 0
        self._cache: dict[tuple[int, int, int], bytes] = {}

    def get(self, raw: bytes, a: int, b: int) -> bytes:
        key = (id(raw), a, b)                 # raw: a template part held by the patcher for its life
        data = self._cache.get(key)
        if data is None:
            c = zlib.compressobj(self.level, zlib.DEFLATED, -15)
            data = c.compress(memoryview(raw)[a:b]) + c.flush(zlib.Z_SYNC_FLUSH)
            while self._cache and self.held + len(data) > self.budget:
                self.held -= len(self._cache.pop(next(iter(self._cache))))
            self._cache[key] = data
            self.held += len(data)
        return data


def _dos_time(t: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = t
    y = max(1980, min(2107, y))
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def build_zip(members: list[_Member], date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """A zip archive of already-compressed members (no zip64: < 4 GiB)."""
    dtime, ddate = _dos_time(date_time)
    out, central = [], []
    offset = 0
    for m in members:
        name = m.name.encode("utf-8")
        flags = 0x800 if not m.name.isascii() else 0
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, m.method, dtime, ddate,
                            m.crc, len(m.data), m.size, len(name), 0) + name
        out += [local, m.data]
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, flags, m.method, dtime, ddate,
                                   m.crc, len(m.data), m.size, len(name), 0, 0, 0, 0, 0, offset) + name)
        offset += len(local) + len(m.data)
    cd = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), offset, 0)
    return b"".join(out) + cd + end


class WorkbookPatcher:
    """A template package compiled for writing constant values into cells.

    ``targets`` are the (sheet name, coordinate) pairs that may be written;
    ``render({(sheet, coord): value})`` returns the bytes of a new .xlsx
    package in which those cells hold the given values (None: the template's
    cell is kept as it is).
    """

    def __init__(self, template: bytes, targets: Iterable[tuple[str, Coord]], *,
                 date_time: tuple[int, int, int, int, int, int] | None = None,
                 level: int = 6, patch_level: int = 1,
                 fit_widths: Mapping[str, Mapping[int, float]] | None = None,
                 print_rows: Mapping[str, tuple[int, int, int]] | None = None):
        """`fit_widths`: {sheet: {column: width}}: rows that get text in these columns are
        made tall enough to print it (the template's height is kept when it is more).
        `print_rows`: {sheet: (column, first row, last row when none is written)}: the
        sheet's print area ends at the last row with a value written in `column`."""
        self.patch_level = patch_level   # re-rendered parts: fast compression
        self.fit_widths = dict(fit_widths or {})
        self.print_rows = dict(print_rows or {})
        self._print_areas: dict[str, tuple[str, int, int]] = {}   # sheet -> (workbook xml, start, end of row)
        self._print_bytes: dict[str, tuple[int, int]] = {}       # the same places as byte offsets
        self._workbook_raw = b""
        self._stretches = _Stretches(level)      # unchanged stretches: deflated as well as the rest
        with zipfile.ZipFile(io.BytesIO(template)) as zf:
            # the template's own entry times: the same template gives the same bytes
            self.date_time = date_time or max((i.date_time for i in zf.infolist()), default=(1980, 1, 1, 0, 0, 0))
            self.package = read_package(zf)
            by_sheet: dict[str, list[Coord]] = {}
            for sheet, coord in targets:
                if sheet not in self.package.sheets:
                    raise XlsxError(f"模板中没有工作表“{sheet}”")
                by_sheet.setdefault(sheet, []).append(coord)
            parts = {self.package.sheets[s]: s for s in by_sheet}
            self._members: list[tuple[_Member, str | None]] = []   # (template member, sheet to patch)
            self._sheets: dict[str, SheetPatcher] = {}
            for info in zf.infolist():
                raw = zf.read(info)
                sheet = parts.get(info.filename)
                if sheet is not None:
                    patcher = self._sheets[sheet] = SheetPatcher(raw.decode("utf-8"), by_sheet[sheet])
                    if patcher.formula_targets:
                        where = "、".join(cell_ref(c) for c in patcher.formula_targets[:5])
                        raise XlsxError(f"模板“{sheet}”表中要写入的单元格含有公式：{where}")
                self._members.append((_Member(info.filename, raw, level), sheet))
                if info.filename == self.package.workbook_part and self.print_rows:
                    self._find_print_areas(raw.decode("utf-8"))

    def _find_print_areas(self, xml: str) -> None:
        """Where the last row of each print area to narrow is written in workbook.xml."""
        order = [m.group(1) for m in re.finditer(r'<sheet\b[^>]*?\bname="([^"]*)"', xml)]
        for sheet in self.print_rows:
            if sheet not in order:
                continue
            local = order.index(sheet)
            m = re.search(r'<definedName\b(?=[^>]*\bname="_xlnm\.Print_Area")(?=[^>]*\blocalSheetId="'
                          + str(local) + r'")[^>]*>[^<]*?\$(\d+)</definedName>', xml)
            if m is not None:
                self._print_areas[sheet] = (xml, m.start(1), m.end(1))
                self._print_bytes[sheet] = (len(xml[:m.start(1)].encode("utf-8")), len(xml[:m.end(1)].encode("utf-8")))
        self._workbook_raw = xml.encode("utf-8")

    def _workbook_segments(self, per_sheet: Mapping[str, Mapping[Coord, Any]]) -> list | None:
        """`_workbook_xml` as unchanged byte ranges and new row numbers (None: unchanged)."""
        if not self._print_areas:
            return None
        raw, out, pos = self._workbook_raw, [], 0
        for sheet, (a, b) in sorted(self._print_bytes.items(), key=lambda t: t[1][0]):
            if a > pos:
                out.append((pos, a))
            out.append(str(self._last_row(sheet, per_sheet)).encode("ascii"))
            pos = b
        if pos < len(raw):
            out.append((pos, len(raw)))
        return out

    def _last_row(self, sheet: str, per_sheet: Mapping[str, Mapping[Coord, Any]]) -> int:
        col, first, fallback = self.print_rows[sheet]
        used = [r for (r, c) in per_sheet.get(sheet, {}) if c == col and r >= first]
        return max(used) if used else fallback

    def _workbook_xml(self, per_sheet: Mapping[str, Mapping[Coord, Any]]) -> str | None:
        """workbook.xml with the print areas narrowed to the rows written (None: unchanged)."""
        if not self._print_areas:
            return None
        xml = None
        for sheet, (text, start, end) in sorted(self._print_areas.items(), key=lambda t: -t[1][1]):
            xml = (xml if xml is not None else text)
            xml = xml[:start] + str(self._last_row(sheet, per_sheet)) + xml[end:]
        return xml

    def render(self, values: Mapping[tuple[str, Coord], Any]) -> bytes:
        per_sheet: dict[str, dict[Coord, Any]] = {}
        for (sheet, coord), v in values.items():
            if v is not None:
                per_sheet.setdefault(sheet, {})[coord] = v
        if WHOLE_PARTS:
            return self._render_whole(per_sheet)
        workbook = self._workbook_segments(per_sheet)
        members = []
        for member, sheet in self._members:
            if sheet is not None and sheet in per_sheet:
                patcher = self._sheets[sheet]
                segments = patcher.segments(per_sheet[sheet], self._widths(sheet))
                members.append(_Member.spliced(member.name, patcher.raw, segments, self._stretches, self.patch_level))
            elif workbook is not None and member.name == self.package.workbook_part:
                members.append(_Member.spliced(member.name, self._workbook_raw, workbook, self._stretches,
                                               self.patch_level))
            else:
                members.append(member)      # unchanged: copied in compressed form
        return build_zip(members, self.date_time)

    def _render_whole(self, per_sheet: Mapping[str, Mapping[Coord, Any]]) -> bytes:
        """Every patched part rendered and deflated whole (the reference the tests compare with)."""
        workbook = self._workbook_xml(per_sheet)
        members = []
        for member, sheet in self._members:
            if sheet is not None and sheet in per_sheet:
                xml = self._sheets[sheet].render(per_sheet[sheet], self._widths(sheet))
                members.append(_Member(member.name, xml.encode("utf-8"), self.patch_level))
            elif workbook is not None and member.name == self.package.workbook_part:
                members.append(_Member(member.name, workbook.encode("utf-8"), self.patch_level))
            else:
                members.append(member)      # unchanged: copied in compressed form
        return build_zip(members, self.date_time)

    def _widths(self, sheet: str) -> dict[int, float] | None:
        widths = self.fit_widths.get(sheet)
        return dict(widths) if widths else None

"""Open an .xlsx safely and fast, and read only the cells `check` needs.

Why not openpyxl: check needs, for each named cell, both the formula and the
value a spreadsheet cached, plus the cell's type (a number typed as text must
be seen as text).  openpyxl gives formulas or cached values per load, so that
would be two full loads of every workbook; importing it alone costs more than
a whole check here.  This module reads the few XML parts involved directly,
with the standard library only.

Guards, in order, each raising WorkbookError with a catalogue code
(findings.py) before anything big is read:

* the path: missing (XE101), a directory (XE102), empty (XE103);
* the first bytes: an OLE2 compound file is an old .xls (XE105) or an
  encrypted xlsx, which Office wraps in OLE2 with an EncryptedPackage
  stream (XE106); anything else that is not a zip is XE104;
* the zip: unreadable, truncated or failing its CRC (XE107); too many
  entries, too many declared bytes, or a part whose declared size or
  compression ratio is beyond the limits (XE108, checked on the central
  directory before a byte is inflated); a part compressed with anything
  but stored or deflate (bzip2, LZMA, ...) is refused (XE108): Excel and
  WPS write only those two, and zipfile inflates a bzip2/LZMA block whole
  before cutting it, so such a member could take any amount of memory.
  Stored and deflate parts are inflated in bounded steps and cut at the
  declared size plus one byte, so a lying header ends in XE108 or a CRC
  error (XE107), never in memory beyond the limit;
* the XML: streamed from the zip in 64 KiB chunks; before a chunk reaches
  the parser it is searched for "<!DOCTYPE" and "<!ENTITY" (with an overlap
  across chunk boundaries), and any is refused (XE109).  Only encodings in
  which those bytes are ASCII are accepted (UTF-8 and its subsets; a UTF-16
  part is refused), so the search cannot be evaded.  Without a DTD there is
  nothing to expand: only the five predefined entities and character
  references exist.  Malformed XML or a missing workbook part is XE110.

Everything the parts say is distrusted too: a row number that is not 1 to
7 ASCII digits, a shared-string index that is not a plain number, and
text nested deeper than MAX_DEPTH are XE110 (never a Python error), and a
defined name whose area is larger than ``Limits.max_area_cells`` is treated
as broken (``area`` returns None, ``area_problem`` says why) before any of
its cells is enumerated.

Then, per sheet, one pass collects the wanted cells: formula, cached value
and type, resolving shared formulas.  A plain sheet part (the shapes Excel,
WPS, LibreOffice and fill write) is checked well-formed by expat and its
wanted rows decoded from the bytes by patterns (``_plain_cells``); anything
else goes through ElementTree (whole tree, or the pull parser for a large
part), which is also the reference the tests compare the fast path with.
Of sharedStrings.xml only the items that wanted cells refer to are parsed.
"""

from __future__ import annotations

import functools
import math
import operator
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
import xml.etree.ElementTree as ET

__all__ = ["Area", "Cell", "Limits", "Workbook", "WorkbookError", "open_workbook", "guard_zip",
           "parse_area", "col_letter", "col_index", "shift_formula"]


@dataclass(frozen=True)
class Limits:
    max_entries: int = 10_000
    max_total_declared: int = 1 << 30      # all entries together, uncompressed
    max_part: int = 32 << 20               # any XML part we parse, uncompressed
    max_ratio: int = 200                   # uncompressed/compressed, for parts over ratio_from
    ratio_from: int = 1 << 20
    in_memory: int = 4 << 20               # sheets up to this size are parsed in one go
    max_area_cells: int = 10_000           # a defined name's area (the template's largest: 200)
    max_cells_wanted: int = 200_000        # cells one read() may ask for


LIMITS = Limits()
WHOLE_TREES = False     # True: read every sheet as a whole tree (the reference path the tests compare with)


class WorkbookError(Exception):
    """The file cannot be read; `code` is a findings.CODES key, `fields` its message fields."""

    def __init__(self, code: str, **fields: Any):
        self.code = code
        self.fields = fields
        super().__init__(code, fields)


class _Hostile(Exception):
    pass


@dataclass(slots=True)
class Cell:
    value: Any = None          # float, str, bool, error text ("#DIV/0!"), or None
    formula: str | None = None  # formula text without "=", None for a constant/blank
    kind: str = ""             # "n" number, "s" text, "b" boolean, "e" error, "d" date, "" blank

    @property
    def is_text(self) -> bool:
        return self.kind == "s"


@dataclass(frozen=True)
class Area:
    sheet: str
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def single(self) -> bool:
        return self.min_row == self.max_row and self.min_col == self.max_col

    @functools.cached_property         # asked for hundreds of times per file
    def first(self) -> str:
        return f"{col_letter(self.min_col)}{self.min_row}"

    @property
    def size(self) -> int:
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)

    def cells(self) -> Iterator[str]:
        if self.size <= 1000:            # the template's areas: the same few for every file
            return iter(_area_refs(self))
        return self._cells()

    def _cells(self) -> Iterator[str]:
        for r in range(self.min_row, self.max_row + 1):
            for c in range(self.min_col, self.max_col + 1):
                yield f"{col_letter(c)}{r}"


@functools.lru_cache(maxsize=256)
def _area_refs(area: Area) -> tuple[str, ...]:
    return tuple(area._cells())


# ------------------------------------------------------------ references

_COLS: dict[int, str] = {}


def col_letter(col: int) -> str:
    s = _COLS.get(col)
    if s is None:
        n, s = col, ""
        while n:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        _COLS[col] = s
    return s


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_CELL_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
_SPLIT_RE = re.compile(r"^([A-Za-z]{1,3})([0-9]+)$")


def parse_area(text: str) -> Area | None:
    """"'基础数据'!$C$5" or "Sheet!$A$1:$A$9" -> Area; None for anything else
    (constants, formulas, several areas, whole rows/columns, #REF!)."""
    if len(text) <= 200:                 # every file of a batch has the same few hundred names
        return _parse_area_cached(text)
    return _parse_area(text)


@functools.lru_cache(maxsize=2048)
def _parse_area_cached(text: str) -> Area | None:
    return _parse_area(text)


def _parse_area(text: str) -> Area | None:
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    if "!" not in text:
        return None
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'"):
        if len(sheet) < 2 or not sheet.endswith("'"):
            return None
        sheet = sheet[1:-1].replace("''", "'")
    elif any(ch in sheet for ch in " ,'()"):
        return None
    if not sheet or "[" in sheet:          # external workbook
        return None
    first, _, last = ref.partition(":")
    a = _CELL_RE.match(first)
    b = _CELL_RE.match(last) if last else a
    if not a or not b:
        return None
    r1, c1 = int(a.group(2)), col_index(a.group(1))
    r2, c2 = int(b.group(2)), col_index(b.group(1))
    return Area(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


# A1 references outside string literals, for shifting shared formulas.
_TOKEN_RE = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'|'
                       r'(?<![A-Za-z0-9_.$\\])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![0-9A-Za-z_(.])')


def shift_formula(text: str, drow: int, dcol: int) -> str:
    """A shared formula's master text moved by (drow, dcol), relative parts only."""
    if not drow and not dcol:
        return text

    def sub(m: re.Match) -> str:
        if m.group(2) is None:
            return m.group(0)
        cabs, col, rabs, row = m.group(1), m.group(2), m.group(3), m.group(4)
        c = col_index(col) + (0 if cabs else dcol)
        r = int(row) + (0 if rabs else drow)
        if c < 1 or r < 1:
            return "#REF!"
        return f"{cabs}{col_letter(c)}{rabs}{r}"

    return _TOKEN_RE.sub(sub, text)


# ------------------------------------------------------------------ opening

# zip compression methods Excel and WPS write; anything else is refused unread
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "deflate64", 93: "zstd", 95: "xz",
                 98: "PPMd", 99: "AES 加密"}
MAX_DEPTH = 64          # element nesting in a text item (Excel writes 3-4 levels)
_ROW_NO = re.compile(r"[0-9]{1,7}")
_SST_INDEX = re.compile(r"[0-9]{1,9}")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTED_NAMES = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_OLE_SCAN = 64 << 20

NS_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
           "http://purl.oclc.org/ooxml/spreadsheetml/main")
_CHUNK = 1 << 16
_HOSTILE = (b"<!DOCTYPE", b"<!ENTITY")
_ENCODING_RE = re.compile(rb'^<\?xml[^>]*?encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']')
_ASCII_SAFE = {b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1", b"latin1"}
NS_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "http://purl.oclc.org/ooxml/officeDocument/relationships")
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _tags(local: str, namespaces=NS_MAIN) -> frozenset[str]:
    """ElementTree tag names of `local` in any of the namespaces (or none)."""
    return frozenset(f"{{{ns}}}{local}" for ns in namespaces) | {local}


def open_workbook(path: str | os.PathLike, limits: Limits = LIMITS) -> "Workbook":
    """Guard the file and read its workbook part; raises WorkbookError."""
    zf = open_workbook_zip(path, limits)
    try:
        wb = Workbook(Path(path), zf, limits)
    except BaseException:
        zf.close()
        raise
    return wb


def open_workbook_zip(path: str | os.PathLike, limits: Limits = LIMITS) -> zipfile.ZipFile:
    """The file checks (regular file, not empty, not OLE2/.xls/encrypted, a
    zip) and the opened zip; raises WorkbookError."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise WorkbookError("XE101") from None
    except NotADirectoryError:
        raise WorkbookError("XE101") from None
    except OSError as exc:
        raise WorkbookError("XE110", detail=f"无法读取文件：{exc.strerror or exc}",
                            detail_en=f"cannot read the file: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise WorkbookError("XE102")
    if not stat.S_ISREG(st.st_mode):
        raise WorkbookError("XE110", detail="不是普通文件", detail_en="not a regular file")
    if st.st_size == 0:
        raise WorkbookError("XE103")
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
            if head == _OLE_MAGIC:
                _classify_ole(fh)
    except OSError as exc:
        raise WorkbookError("XE110", detail=f"无法读取文件：{exc.strerror or exc}",
                            detail_en=f"cannot read the file: {exc.strerror or exc}") from None
    if not head.startswith(_ZIP_MAGIC):
        raise WorkbookError("XE104", hint=_hint(p, head))
    try:
        return zipfile.ZipFile(p)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise WorkbookError("XE107", detail=_zip_detail(exc)) from None


def _classify_ole(fh) -> None:
    """An OLE2 compound file: encrypted OOXML or a legacy binary workbook."""
    fh.seek(0)
    data = fh.read(_OLE_SCAN)
    if any(name in data for name in _ENCRYPTED_NAMES):
        raise WorkbookError("XE106")
    raise WorkbookError("XE105")


def _hint(p: Path, head: bytes) -> str:
    if head.startswith(b"%PDF"):
        return "，是 PDF 文件"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "，像是 HTML/XML 文本"
    if p.suffix.lower() in (".csv", ".txt"):
        return "，像是 CSV/文本文件"
    if head.startswith(b"Rar!") or head.startswith(b"7z\xbc\xaf"):
        return "，是 RAR/7z 压缩包"
    return ""


def _zip_detail(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "CRC" in text:
        return "数据校验失败 CRC"
    if "not a zip" in text.lower() or "end of central directory" in text.lower():
        return "找不到 zip 目录，文件可能被截断"
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return "文件被截断"
    return text


def _check_entries(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.max_entries:
        raise WorkbookError("XE108", part="zip", detail=f"含 {len(infos)} 个条目",
                            detail_en=f"has {len(infos)} entries")
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_declared:
        raise WorkbookError("XE108", part="zip", detail=f"声明解压后共 {total} 字节",
                            detail_en=f"declares {total} bytes uncompressed")


def _check_member(info: zipfile.ZipInfo, lim: Limits) -> None:
    """A zip member's central-directory entry against the limits (nothing inflated)."""
    if info.flag_bits & 0x1:
        raise WorkbookError("XE106")
    if info.compress_type not in _METHODS:
        method = _METHOD_NAMES.get(info.compress_type, f"方法 {info.compress_type}")
        raise WorkbookError("XE108", part=info.filename,
                            detail=f"使用 {method} 压缩（Excel 和 WPS 只用 stored/deflate），不予解压",
                            detail_en=f"is compressed with {method} (Excel and WPS use only stored/deflate)")
    if info.file_size > lim.max_part:
        raise WorkbookError("XE108", part=info.filename,
                            detail=f"声明解压后 {info.file_size} 字节，超过上限 {lim.max_part}",
                            detail_en=f"declares {info.file_size} bytes, above the limit {lim.max_part}")
    if info.file_size > lim.ratio_from and info.file_size > lim.max_ratio * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise WorkbookError("XE108", part=info.filename, detail=f"压缩比 {ratio}:1，超过上限",
                            detail_en=f"compression ratio {ratio}:1 is above the limit")


def guard_zip(path: str | os.PathLike, limits: Limits = LIMITS) -> None:
    """The checks of ``open_workbook`` on the file and on every zip member's
    declared size, ratio, encryption and compression method, for xlsx files
    other libraries read (tables); raises WorkbookError."""
    with open_workbook_zip(path, limits) as zf:
        infos = zf.infolist()
        _check_entries(infos, limits)
        for info in infos:
            _check_member(info, limits)


# ----------------------------------------------------------------- parsing

def _check_prolog(first: bytes, part: str) -> None:
    """Refuse encodings in which "<!DOCTYPE" would not be plain ASCII bytes."""
    if first.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x4c\x6f\xa7\x94")) or first[1:2] == b"\x00":
        raise WorkbookError("XE109", part=part)
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    m = _ENCODING_RE.match(first.lstrip())
    if m and m.group(1).lower() not in _ASCII_SAFE:
        raise WorkbookError("XE109", part=part)


class Workbook:
    """An opened, guarded workbook: sheets and defined names; cells on demand."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, limits: Limits):
        self.path = path
        self._zf = zf
        self._limits = limits
        infos = zf.infolist()
        _check_entries(infos, limits)
        self._infos = {i.filename: i for i in infos}
        self._lower = {name.lower(): name for name in self._infos}
        self.sheets: list[str] = []
        self.sheet_state: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.local_names: dict[tuple[str, str], str] = {}
        self._areas: dict[str, Area | None] = {}
        self._sheet_parts: dict[str, str] = {}
        self._shared_strings_part: str | None = None
        self._full_parse = WHOLE_TREES    # True: every sheet through the whole-tree path (tests compare)
        self._read_cache: dict[str, dict[str, Cell]] = {}   # sheet -> cells read so far (see read)
        self._sst_pieces: list[bytes] | None = None
        self._load_workbook_part()

    # -- context manager
    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- parts
    def _member(self, name: str) -> zipfile.ZipInfo | None:
        name = name.lstrip("/")
        info = self._infos.get(name)
        if info is None and name.lower() in self._lower:
            info = self._infos[self._lower[name.lower()]]
        return info

    def _guard(self, name: str) -> zipfile.ZipInfo:
        info = self._member(name)
        if info is None:
            raise WorkbookError("XE110", detail=f"缺少 {name}", detail_en=f"{name} is missing")
        _check_member(info, self._limits)
        return info

    def _chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The part's bytes in chunks, each searched for DTD/entity declarations."""
        tail = b""
        first = True
        left = info.file_size + 1        # one byte more than declared: a lying header shows
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(min(_CHUNK, left))
                    if not chunk:
                        return
                    left -= len(chunk)
                    if left <= 0:
                        raise WorkbookError("XE108", part=info.filename,
                                            detail="解压后比声明的大小更大",
                                            detail_en="inflates to more than its declared size")
                    if first:
                        _check_prolog(chunk[:256], info.filename)
                        first = False
                    window = tail + chunk
                    if _HOSTILE[0] in window or _HOSTILE[1] in window:
                        raise WorkbookError("XE109", part=info.filename)
                    tail = chunk[-16:]
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise WorkbookError("XE107", detail=_zip_detail(exc)) from None

    def _elements(self, name: str) -> Iterator[ET.Element]:
        """Elements of an XML part as each one ends (streamed; clear what you consumed)."""
        info = self._guard(name)
        parser = ET.XMLPullParser(events=("end",))
        try:
            for chunk in self._chunks(info):
                parser.feed(chunk)
                for _, el in parser.read_events():
                    yield el
            parser.close()
            for _, el in parser.read_events():
                yield el
        except ET.ParseError as exc:
            raise WorkbookError("XE110", detail=f"{info.filename} 不是有效的 XML（{exc}）",
                                detail_en=f"{info.filename} is not valid XML ({exc})") from None

    def _rows(self, part: str, row_tags: frozenset[str], wanted_rows: frozenset[int] | None = None,
              data: bytes | None = None) -> Iterator[ET.Element]:
        """The <row> elements of a sheet: parsed in one go (C speed) when the part
        is small, streamed otherwise so that memory stays bounded.  With
        `wanted_rows`, a small part may yield only those rows and the rows that
        may hold a shared formula's master (see ``_selected_rows``)."""
        info = self._guard(part)
        if info.file_size > self._limits.in_memory:
            for el in self._elements(part):
                if el.tag in row_tags:
                    yield el
            return
        if data is None:
            data = b"".join(self._chunks(info))
        if wanted_rows is not None and not self._full_parse:
            fragment = _selected_rows(data, wanted_rows)
            if fragment is not None:
                try:
                    root = ET.fromstring(fragment)
                except ET.ParseError:
                    root = None
                if root is not None and len(root) and root[-1].tag.endswith("sheetData") \
                        and len(root[-1]) == fragment.count:
                    yield from root[-1]
                    return
        try:
            root = ET.fromstring(data)
        except ET.ParseError as exc:
            raise WorkbookError("XE110", detail=f"{info.filename} 不是有效的 XML（{exc}）",
                                detail_en=f"{info.filename} is not valid XML ({exc})") from None
        for data in root:
            if data.tag.endswith("sheetData"):
                yield from data
                return

    def read_part(self, name: str) -> bytes:
        """A whole (guarded, checked) part's bytes."""
        return b"".join(self._chunks(self._guard(name)))

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """{rId: (type, absolute target)} of a part ('' = the package)."""
        pp = PurePosixPath(part)
        rels_name = str(pp.parent / "_rels" / (pp.name + ".rels")) if part else "_rels/.rels"
        if self._member(rels_name) is None:
            return {}
        out: dict[str, tuple[str, str]] = {}
        rel_tags = _tags("Relationship", (NS_PKG_REL,))
        base = pp.parent if part else PurePosixPath("")
        for el in self._elements(rels_name):
            if el.tag in rel_tags:
                target = el.get("Target", "")
                if el.get("TargetMode") == "External":
                    continue
                full = target.lstrip("/") if target.startswith("/") else _normpath(str(base / target))
                out[el.get("Id", "")] = (el.get("Type", ""), full)
        return out

    def _load_workbook_part(self) -> None:
        wb_part = None
        for typ, target in self._rels("").values():
            if typ.endswith("/officeDocument"):
                wb_part = target
        if wb_part is None or self._member(wb_part) is None:
            if self._member("xl/workbook.xml") is not None:
                wb_part = "xl/workbook.xml"
            elif self._member("xl/workbook.bin") is not None:
                raise WorkbookError("XE104", hint="，是二进制 .xlsb 工作簿")
            elif self._member("content.xml") is not None:
                raise WorkbookError("XE110", detail="这是 OpenDocument（.ods）文件，请另存为 .xlsx",
                                    detail_en="this is an OpenDocument (.ods) file; save it as .xlsx")
            else:
                raise WorkbookError("XE110", detail="zip 中没有工作簿（xl/workbook.xml）",
                                    detail_en="the zip holds no workbook (xl/workbook.xml)")
        rels = self._rels(wb_part)
        sheet_tags, name_tags = _tags("sheet"), _tags("definedName")
        rid_keys = [f"{{{ns}}}id" for ns in NS_REL]
        sheets: list[tuple[str, str, str]] = []
        pending: list[tuple[str, str | None, str]] = []
        for el in self._elements(wb_part):
            if el.tag in sheet_tags:
                rid = next((el.get(k) for k in rid_keys if el.get(k) is not None), el.get("id", ""))
                sheets.append((el.get("name", ""), rid, el.get("state", "visible")))
            elif el.tag in name_tags:
                pending.append((el.get("name", ""), el.get("localSheetId"), (el.text or "").strip()))
        for name, rid, state in sheets:
            self.sheets.append(name)
            self.sheet_state[name] = state
            target = rels.get(rid)
            if target:
                self._sheet_parts[name] = target[1]
        for typ, target in rels.values():
            if typ.endswith("/sharedStrings"):
                self._shared_strings_part = target
        for name, local, text in pending:
            if local is None:
                self.names[name] = text
            else:
                try:
                    self.local_names[(self.sheets[int(local)], name)] = text
                except (ValueError, IndexError):
                    pass

    def sheet_part(self, sheet: str) -> str | None:
        """Zip member name of a sheet's XML part (None for an unknown sheet)."""
        return self._sheet_parts.get(sheet)

    # -- names
    def area(self, name: str) -> Area | None:
        """The area a workbook-scoped defined name points to, or None (not
        defined, not one area, or larger than ``max_area_cells``)."""
        if name not in self._areas:
            text = self.names.get(name)
            area = None if text is None else parse_area(text)
            if area is not None and area.size > self._limits.max_area_cells:
                area = None
            self._areas[name] = area
        return self._areas[name]

    def area_problem(self, name: str) -> str | None:
        """Why ``area(name)`` is None, in Chinese (None if it is not)."""
        if self.area(name) is not None:
            return None
        text = self.names.get(name)
        if text is None:
            return f"没有定义名称 {name}"
        area = parse_area(text)
        if area is not None:
            return (f"定义名称 {name} 的区域 {text} 有 {area.size} 个单元格，"
                    f"超过上限 {self._limits.max_area_cells}（模板中的区域不超过 200 格）")
        return f"定义名称 {name} 的引用无效（{text[:80]}）"

    def constant(self, name: str) -> str | None:
        """The text of a name defined as a constant string (="..."), else None."""
        text = self.names.get(name, "")
        text = text[1:] if text.startswith("=") else text
        if len(text) >= 2 and text[0] == text[-1] == '"':
            return text[1:-1].replace('""', '"')
        return None

    # -- cells
    def read(self, wanted: dict[str, set[str]]) -> dict[str, dict[str, Cell]]:
        """{sheet: {"B5": Cell}} for the wanted cells of each sheet (one pass per
        sheet); cells absent from the file come back as blank Cells.  Sheets
        that do not exist are left out.

        A sheet whose wanted cells were all read before (by an earlier call on
        this open workbook: check's read, then collect's) is not parsed again;
        the Cells are shared, and nobody changes them."""
        out: dict[str, dict[str, Cell]] = {}
        need_sst: list[Cell] = []
        asked = sum(len(refs) for refs in wanted.values())
        if asked > self._limits.max_cells_wanted:
            raise WorkbookError("XE110", detail=f"定义名称共指向 {asked} 个单元格，超过上限",
                                detail_en=f"the defined names cover {asked} cells, above the limit")
        fresh: dict[str, dict[str, Cell]] = {}
        for sheet, refs in wanted.items():
            part = self._sheet_parts.get(sheet)
            if part is None or not refs:
                continue
            known = self._read_cache.get(sheet)
            if known is not None and refs <= known.keys():
                out[sheet] = {ref: known[ref] for ref in refs}
                continue
            cells = self._read_sheet(part, refs, need_sst)
            for ref in refs - cells.keys():
                cells[ref] = Cell()
            out[sheet] = fresh[sheet] = cells
        if need_sst:
            index = {id(c): int(c.value) for c in need_sst if _SST_INDEX.fullmatch(c.value)}
            sst = self.shared_strings(set(index.values()))
            for cell in need_sst:
                text = sst.get(index[id(cell)]) if id(cell) in index else None
                if text is None:
                    cell.value, cell.kind = "#REF!", "e"
                else:
                    cell.value = text
        self._read_cache.update(fresh)       # only once complete (shared strings resolved)
        return out

    def shared_strings(self, indices: set[int]) -> dict[int, str]:
        """The shared strings with the given indices.

        Fast path: the part's bytes are split at each <si> tag and only the
        wanted items are parsed; if the split does not look like a plain
        sharedStrings part, every item is parsed instead.
        """
        part = self._shared_strings_part
        if part is None or self._member(part) is None or not indices:
            return {}
        if self._sst_pieces is None:     # check's reads and collect's share one split
            self._sst_pieces = _SI_SPLIT.split(self.read_part(part))
        pieces = self._sst_pieces
        head = pieces[0]
        m = _SST_ROOT.search(head)
        out: dict[int, str] = {}
        if m and len(pieces) > max(indices) + 1:
            root_open = head[m.start():]
            plain = not self._full_parse and _plain_namespace(root_open)
            try:
                for i in indices:
                    piece = _SI_END.split(pieces[i + 1], 1)[0]
                    text = _simple_si(piece) if plain else None
                    if text is None:
                        xml = root_open + b"<si>" + piece + b"</si></sst>"
                        root = ET.fromstring(xml)
                        text = _si_text(root[0])
                    out[i] = text
                return out
            except ET.ParseError:
                out.clear()
        si_tags = _tags("si")
        n = 0
        for el in self._elements(part):
            if el.tag in si_tags:
                if n in indices:
                    out[n] = _si_text(el)
                el.clear()
                n += 1
        return out

    def _read_sheet(self, part: str, refs: set[str], need_sst: list[Cell]) -> dict[str, Cell]:
        rows = _rows_of(refs)
        data = None
        if not self._full_parse:
            info = self._guard(part)
            if info.file_size <= self._limits.in_memory:
                data = b"".join(self._chunks(info))
                seen = _SAME_PART.get(data)
                if seen is not None and seen[0] is refs:
                    # byte for byte a part read before with the same wanted cells (fill
                    # leaves 汇总, 评分参数, xl_eval as the template has them): the same cells
                    return {ref: Cell(c.value, c.formula, c.kind) for ref, c in seen[1].items()}
                got = _plain_cells(data, rows, refs)
                if got is not None:
                    cells, masters, followers, sst = got
                    need_sst.extend(sst)
                    _resolve_followers(followers, masters)
                    if not sst and len(data) <= 1 << 18:
                        while len(_SAME_PART) >= 16:
                            del _SAME_PART[next(iter(_SAME_PART))]
                        _SAME_PART[data] = (refs, {ref: Cell(c.value, c.formula, c.kind)
                                                   for ref, c in cells.items()})
                    return cells
        cells = {}
        masters: dict[str, tuple[str, str]] = {}
        followers: list[tuple[Cell, str, str]] = []
        row_tags = _tags("row")
        ns = None
        row_no = 0
        for el in self._rows(part, row_tags, rows, data):
            if ns is None:
                ns = el.tag[: el.tag.index("}") + 1] if el.tag.startswith("{") else ""
                c_tag, f_tag, v_tag, is_tag = ns + "c", ns + "f", ns + "v", ns + "is"
                with_formula = f"{c_tag}[{f_tag}]"
            r = el.get("r")
            if r is None:
                row_no += 1
            elif _ROW_NO.fullmatch(r):
                row_no = int(r)
            else:
                raise WorkbookError("XE110", detail=f"{part} 的行号无效（{r[:20]!r}）",
                                    detail_en=f"{part} has an invalid row number ({r[:20]!r})")
            if row_no not in rows:
                # nothing wanted here: only note the masters of shared formulas
                for c in el.iterfind(with_formula):
                    f = c.find(f_tag)
                    if f.get("t") == "shared" and f.get("ref") is not None and f.text and c.get("r"):
                        masters[f.get("si", "")] = (f.text, c.get("r").upper())
                el.clear()
                continue
            prev = None
            for c in el:
                if c.tag != c_tag:
                    continue
                ref = c.get("r")
                if ref is None:
                    m = _SPLIT_RE.match(prev) if prev else None
                    ref = f"{col_letter(col_index(m.group(1)) + 1 if m else 1)}{row_no}"
                else:
                    ref = ref.upper()
                prev = ref
                f = c.find(f_tag)
                shared = f is not None and f.get("t") == "shared"
                if shared and f.get("ref") is not None and f.text:
                    masters[f.get("si", "")] = (f.text, ref)
                if ref not in refs:
                    continue
                v = c.find(v_tag)
                inline = c.find(is_tag)
                cell = Cell()
                _fill(cell, c.get("t", "n"), None if f is None else (f.text or ""),
                      None if v is None else (v.text or ""), None if inline is None else _si_text(inline),
                      need_sst)
                if shared and not f.text:
                    followers.append((cell, f.get("si", ""), ref))
                cells[ref] = cell
            el.clear()
        _resolve_followers(followers, masters)
        return cells


def _resolve_followers(followers: list[tuple[Cell, str, str]], masters: dict[str, tuple[str, str]]) -> None:
    """A shared formula's follower cells get their master's text, shifted."""
    for cell, si, ref in followers:
        master = masters.get(si)
        m = _SPLIT_RE.match(ref)
        mm = _SPLIT_RE.match(master[1]) if master else None
        if m and mm:
            cell.formula = shift_formula(master[0], int(m.group(2)) - int(mm.group(2)),
                                         col_index(m.group(1)) - col_index(mm.group(1)))


_ROWS_OF: dict[int, tuple[Any, frozenset[int]]] = {}
# Sheet parts already read in this run, by their exact bytes: (the wanted-cells set
# object, the cells read, shared strings not involved).  Bounded, oldest out.
_SAME_PART: dict[bytes, tuple[Any, dict[str, Cell]]] = {}


def _rows_of(refs: set[str]) -> frozenset[int]:
    """Row numbers of a set of A1 references; a caller that asks with the same
    set object for every file (check's per-template wanted cells) computes it once."""
    hit = _ROWS_OF.get(id(refs))
    if hit is not None and hit[0] is refs:
        return hit[1]
    rows = frozenset(int(m.group(2)) for m in map(_SPLIT_RE.match, refs) if m)
    while len(_ROWS_OF) >= 32:          # oldest first out: a one-off set cannot evict the template's
        del _ROWS_OF[next(iter(_ROWS_OF))]
    _ROWS_OF[id(refs)] = (refs, rows)
    return rows


# The one-pass selection of rows, on the part's bytes.  Only for a plain
# sheet: a well-formed part (checked by expat, C speed, no tree), no CDATA,
# comments or processing instructions after the prolog (where "<row" could
# be text), and every row tag with a plain r attribute; anything else goes
# the whole-tree way, which reports what is wrong.
_ROW_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)row((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
                      rb"|<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ATTR = re.compile(rb"([A-Za-z_][\w:.-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SHEETDATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?:\s[^>]*)?>")
_ROOT_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)[\s>]")
_SHARED = re.compile(rb"shared")
# A well-formed tag has each attribute once, so "<row r=" followed by digits is its number.
_ROW_STRICT = re.compile(rb'<row r="([0-9]{1,7})"[\s/>]')
_ROW_ANY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ROW_NO_B = re.compile(rb"[0-9]{1,7}")


def _well_formed(data: bytes) -> bool:
    import xml.parsers.expat
    try:
        xml.parsers.expat.ParserCreate().Parse(data, True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


def _plain_rows(data: bytes):
    """(sheetData match, root match, end of sheetData, [(start, row number bytes)])
    for a plain, well-formed sheet part; None when the part is not plain enough
    for reading it without a tree (see above)."""
    if b"<![CDATA[" in data or b"<!--" in data or data.count(b"<?") > 1:
        return None
    sd = _SHEETDATA.search(data)
    root = _ROOT_TAG.search(data)
    if sd is None or root is None or data[sd.end() - 2:sd.end()] == b"/>":
        return None
    end = data.find(b"</" + sd.group(1) + b"sheetData>", sd.end())
    if end < 0 or not _well_formed(data):
        return None
    found = [(m.start(), m.group(1)) for m in _ROW_STRICT.finditer(data, sd.end(), end)]
    if len(found) != len(_ROW_ANY.findall(data, sd.end(), end)):
        found = []            # not every row starts <row r="N": take each tag's attributes apart
        for m in _ROW_TAG.finditer(data, sd.end(), end):
            if m.group(2) is None and m.group(3) is None:
                return None              # a row tag the attribute pattern does not take apart
            r = [a or b for name, a, b in _ATTR.findall(m.group(2)) if name == b"r"]
            if len(r) != 1 or not _ROW_NO_B.fullmatch(r[0]):
                return None              # no row number, or an unusual one: the parser decides
            found.append((m.start(), r[0]))
    return sd, root, end, found


def _selected_rows(data: bytes, rows: frozenset[int]) -> "_Fragment | None":
    """A document of the sheet's start (up to <sheetData>) and only the <row>
    elements whose number is in `rows` or that mention a shared formula, in
    file order; None when the part is not plain enough for this (see above)."""
    plan = _plain_rows(data)
    if plan is None:
        return None
    sd, root, end, found = plan
    pieces: list[bytes] = []
    shared = [m.start() for m in _SHARED.finditer(data, sd.end(), end)]
    import bisect
    for i, (start, r) in enumerate(found):
        row_no = int(r)
        stop = found[i + 1][0] if i + 1 < len(found) else end
        if row_no in rows:
            pieces.append(data[start:stop])
        elif shared:
            k = bisect.bisect_left(shared, start)
            if k < len(shared) and shared[k] < stop:
                pieces.append(data[start:stop])
    head = data[:sd.end()]
    tail = b"</" + sd.group(1) + b"sheetData></" + root.group(1) + b">"
    return _Fragment(head + b"".join(pieces) + tail, len(pieces))


# The cells of a plain sheet straight from its bytes, no tree at all: on top
# of _plain_rows, UTF-8, no namespace prefix or declaration inside sheetData,
# and every row read has the shape Excel, WPS, LibreOffice and fill write:
# <row r="N" …> then cells <c r="A1" …> with "-quoted attributes, each holding
# at most an <f>, a <v> and a one-run <is>, in that order, then </row>.  The
# cells found must tile the row exactly (their lengths add up to the row's
# content: no space between them), so they are all of its children.  Attribute values used (t, and
# f's t/ref/si) hold no raw tab or line end (the parser would make them
# spaces) and texts no carriage return (it would drop it).  Anything else:
# None, and the tree path (which this mirrors) reads the sheet.
_AQ = rb'(?:\s+[A-Za-z_][\w:.-]*="[^"]*")*'
_CELL_X = re.compile(rb'(<c r="([A-Z]{1,3}[0-9]{1,7})"(' + _AQ + rb')\s*(?:/>|>\s*'
                     rb'(<f(' + _AQ + rb')\s*(?:/>|>([^<]*)</f>))?\s*'
                     rb'(<v\s*/>|<v>([^<]*)</v>)?\s*'
                     rb'(<is\s*/>|<is>\s*<t(?: xml:space="preserve")?\s*(?:/>|>([^<]*)</t>)\s*</is>)?\s*</c>))')
_ROW_OPEN_X = re.compile(rb'<row r="[0-9]{1,7}"' + _AQ + rb'\s*(/?)>')
_ATTR_Q = re.compile(rb'\s([A-Za-z_][\w:.-]*)="([^"]*)"')
_CELL_T = re.compile(rb'\st="([^"]*)"')
_UTF8 = (b"utf-8", b"utf8")
_first = operator.itemgetter(0)
_PREDEFINED = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def _text(raw: bytes) -> str | None:
    """Element text as the parser gives it (None: let the parser decide).  The
    part is known well-formed, so every & starts a valid reference."""
    if b"\r" in raw:
        return None
    text = raw.decode("utf-8")
    if "&" not in text:
        return text
    if "&#" in text:
        return _unescape(text)
    for ref, ch in _PREDEFINED:
        text = text.replace(ref, ch)
    return text


def _attr_text(raw: bytes) -> str | None:
    """An attribute value as the parser gives it (None: let the parser decide)."""
    return None if b"\t" in raw or b"\n" in raw else _text(raw)


def _attr_texts(raw: bytes) -> dict[bytes, str] | None:
    out = {}
    for name, value in _ATTR_Q.findall(raw):
        text = _attr_text(value)
        if text is None:
            return None
        out[name] = text
    return out


_REFS_B: dict[int, tuple[Any, frozenset[bytes]]] = {}


def _refs_bytes(refs: set[str]) -> frozenset[bytes]:
    """The wanted references as bytes (computed once per template set, as _rows_of)."""
    hit = _REFS_B.get(id(refs))
    if hit is not None and hit[0] is refs:
        return hit[1]
    out = frozenset(r.encode("ascii", "replace") for r in refs)
    while len(_REFS_B) >= 32:
        del _REFS_B[next(iter(_REFS_B))]
    _REFS_B[id(refs)] = (refs, out)
    return out


def _plain_cells(data: bytes, rows: frozenset[int], refs: set[str]):
    """(cells, shared-formula masters, followers, cells waiting for a shared string)
    of the wanted rows, as the tree path of ``Workbook._read_sheet`` reads them;
    None when the sheet is not plain in the sense above."""
    head = data[:256].lstrip(b"\xef\xbb\xbf").lstrip()
    enc = _ENCODING_RE.match(head)
    if enc and enc.group(1).lower() not in _UTF8:
        return None
    plan = _plain_rows(data)
    if plan is None:
        return None
    sd, root, end, found = plan
    if sd.group(1) or root.group(1) != b"worksheet" or b"xmlns" in data[sd.start():end]:
        return None
    ns = _XMLNS.search(data, root.start(), sd.start())
    if ns is not None and (ns.group(1) or ns.group(2) or b"").decode("utf-8", "replace") not in NS_MAIN:
        return None          # a default namespace that is not SpreadsheetML's (or declared further in)
    if found and data[sd.end():found[0][0]].strip():
        return None          # something before the first row
    wanted_refs = _refs_bytes(refs)
    shared = [m.start() for m in _SHARED.finditer(data, sd.end(), end)]
    import bisect
    cells: dict[str, Cell] = {}
    masters: dict[str, tuple[str, str]] = {}
    followers: list[tuple[Cell, str, str]] = []
    need_sst: list[Cell] = []
    row_open, cells_in = _ROW_OPEN_X.match, _CELL_X.findall
    for i, (start, r) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else end
        wanted = int(r) in rows
        if not wanted:
            if not shared:
                continue
            k = bisect.bisect_left(shared, start)
            if not (k < len(shared) and shared[k] < stop):
                continue
        m = row_open(data, start, stop)
        if m is None:
            return None
        if m.group(1):                                   # <row …/>
            if data[m.end():stop].strip():
                return None
            continue
        close = data.rfind(b"</row>", m.end(), stop)
        if close < 0 or data[close + 6:stop].strip():
            return None
        found_cells = cells_in(data, m.end(), close)
        if sum(map(len, map(_first, found_cells))) != close - m.end():
            return None                                  # the cells do not tile the row
        for _, ref_b, rest, f_el, f_raw, f_text, v_el, v_text, is_el, is_text in found_cells:
            if not (f_el or v_el or is_el):              # <c …/>: a blank, as a cell never read
                if wanted and ref_b in wanted_refs:
                    ref = ref_b.decode("ascii")
                    if ref in cells:                     # a repeated reference: the last one counts
                        cells[ref] = Cell()
                continue
            shared_f = False
            keep = wanted and ref_b in wanted_refs
            if f_el and not keep and b"shared" not in f_raw and b"&" not in f_raw:
                continue                                 # an unwanted cell that is no shared master
            if f_el:
                formula = _text(f_text) if f_text else ""
                if formula is None:
                    return None
                if b"shared" in f_raw or b"&" in f_raw:  # t="shared" (or spelt with references)
                    f_attrs = _attr_texts(f_raw)
                    if f_attrs is None:
                        return None
                    shared_f = f_attrs.get(b"t") == "shared"
                    if shared_f and b"ref" in f_attrs and formula:
                        masters[f_attrs.get(b"si", "")] = (formula, ref_b.decode("ascii"))
            else:
                formula = None
            if not keep:
                continue
            t = "n"
            if rest:
                mt = _CELL_T.search(rest)
                if mt is not None:
                    t = _attr_text(mt.group(1))
                    if t is None:
                        return None
            v = inline = None
            if v_el:
                v = _text(v_text) if v_text else ""
                if v is None:
                    return None
            if is_el:
                inline = _text(is_text) if is_text else ""
                if inline is None:
                    return None
            ref = ref_b.decode("ascii")
            cell = Cell()
            _fill(cell, t, formula, v, inline, need_sst)
            if shared_f and not formula:
                followers.append((cell, f_attrs.get(b"si", ""), ref))
            cells[ref] = cell
    return cells, masters, followers, need_sst


class _Fragment(bytes):
    """Document bytes that know how many rows they were made of."""
    count: int

    def __new__(cls, data: bytes, count: int):
        obj = super().__new__(cls, data)
        obj.count = count
        return obj


_SI_SPLIT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si>")
_SIMPLE_SI = re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t>|<t(?: xml:space="preserve")?/>')
_XMLNS = re.compile(rb"""\sxmlns\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f]|\]\]>")
_REF = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _plain_namespace(root_open: bytes) -> bool:
    """The root's default namespace is SpreadsheetML's (or none): an unprefixed <t> is its t."""
    m = _XMLNS.search(root_open)
    return m is None or (m.group(1) or m.group(2) or b"").decode("ascii", "replace") in NS_MAIN


def _simple_si(piece: bytes) -> str | None:
    """The text of a shared-string item that is one plain <t> run, without a tree;
    None for anything else (runs, phonetics, odd bytes: the parser decides)."""
    m = _SIMPLE_SI.fullmatch(piece)
    if m is None:
        return None
    raw = m.group(1)
    if not raw:
        return ""
    if _NOT_TEXT.search(raw):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _unescape(text) if "&" in text else text


def _unescape(text: str) -> str | None:
    """XML references in text; None when one is not a plain, valid one."""
    out, pos = [], 0
    for m in _REF.finditer(text):
        if "&" in text[pos:m.start()]:
            return None
        out.append(text[pos:m.start()])
        if m.group(1):
            out.append(_NAMED[m.group(1)])
        else:
            code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
            if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
                    or 0x10000 <= code <= 0x10FFFF):
                return None
            out.append(chr(code))
        pos = m.end()
    if "&" in text[pos:]:
        return None
    out.append(text[pos:])
    return "".join(out)
_SI_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?si>")
_SST_ROOT = re.compile(rb"<sst\s[^>]*>|<sst>")
_T_TAGS = _tags("t")
_RPH_TAGS = _tags("rPh")


def _si_text(si: ET.Element) -> str:
    """Text of a shared string or inline string: its t runs, without phonetic
    runs.  Iterative, and nesting deeper than MAX_DEPTH is XE110."""
    out: list[str] = []
    stack = [(iter(si), 1)]
    while stack:
        children, depth = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if child.tag in _RPH_TAGS:
            continue
        if child.tag in _T_TAGS:
            out.append(child.text or "")
        elif len(child):
            if depth >= MAX_DEPTH:
                raise WorkbookError("XE110", detail=f"文字嵌套超过 {MAX_DEPTH} 层",
                                    detail_en=f"text nested deeper than {MAX_DEPTH} levels")
            stack.append((iter(child), depth + 1))
    return "".join(out)


def _fill(cell: Cell, t: str, formula: str | None, v: str | None, inline: str | None,
          need_sst: list[Cell]) -> None:
    """A cell from its parts as the parser sees them: the <f> text ("" when empty,
    None without <f>), the <v> text (None without <v>), the inline string's text
    (None without <is>)."""
    if formula is not None:
        cell.formula = formula
    if inline is not None:
        cell.value, cell.kind = inline, "s"
        return
    if t == "str" and v is not None:
        cell.value, cell.kind = v, "s"          # a formula's text result, possibly ""
        return
    if v is None or v == "":
        return
    if t == "n":
        try:
            number = float(v)
        except ValueError:
            number = None
        if number is not None and math.isfinite(number) and "_" not in v:
            cell.value, cell.kind = number, "n"
        else:                     # Excel never stores NaN, inf or 1_000: keep the text
            cell.value, cell.kind = v, "s"
    elif t == "s":
        cell.value, cell.kind = v.strip(), "s"
        need_sst.append(cell)
    elif t == "b":
        cell.value, cell.kind = v.strip() in ("1", "true"), "b"
    elif t == "e":
        cell.value, cell.kind = v, "e"
    else:  # "d" and anything unknown
        cell.value, cell.kind = v, "d"


def _normpath(path: str) -> str:
    out: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
        else:
            out.append(seg)
    return "/".join(out)

"""A Word report (.docx) as tables (Grids) and numbered body paragraphs.

python-docx is imported here only, lazily, so checking an .xlsx never loads
it.  Before python-docx sees the file, the zip is checked the way the xlsx
reader checks workbooks (declared sizes, ratio, entry count); python-docx
parses with resolve_entities=False, and a DTD is refused anyway.
Vertically merged cells (w:vMerge) repeat their anchor's text with
``merged=True``; horizontally spanned cells likewise.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

from xl_eval.check.foreign.grid import Document, GCell, Grid, Paragraph, clean

MAX_ENTRIES = 5_000
MAX_DECLARED = 512 << 20
MAX_PART = 64 << 20
MAX_RATIO = 200
RATIO_FROM = 1 << 20

_CAPTION_RE = re.compile(r"^\s*(表\s*[0-9０-９一二三四五六七八九十]+)")


class DocxError(Exception):
    """The .docx cannot be read: `detail` (Chinese) and `detail_en` say why."""

    def __init__(self, detail: str, detail_en: str, code: str = "XE702"):
        self.code = code
        self.fields = {"detail": detail, "detail_en": detail_en}
        super().__init__(detail)


def _guard(path: Path) -> None:
    try:
        st = path.stat()
    except OSError:
        raise DocxError("文件不存在或无法读取", "no such file or not readable", "XE101") from None
    if stat.S_ISDIR(st.st_mode):
        raise DocxError("这是一个文件夹", "a directory", "XE102")
    if not stat.S_ISREG(st.st_mode):
        raise DocxError("不是普通文件", "not a regular file")
    if st.st_size == 0:
        raise DocxError("文件为空（0 字节）", "the file is empty", "XE103")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DocxError("这是旧版 Word 97-2003（.doc）文件或加了密码的文件；请在 Word/WPS 中另存为 .docx",
                        "an old .doc file or a password-protected one; save it as .docx")
    if not head.startswith(b"PK"):
        raise DocxError("不是 .docx 文件（不是 zip 格式）", "not a .docx file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise DocxError(f"压缩包含 {len(infos)} 个条目，可能是压缩炸弹", f"{len(infos)} entries; a zip bomb?")
            if sum(i.file_size for i in infos) > MAX_DECLARED:
                raise DocxError("声明的解压大小过大，可能是压缩炸弹", "declared size too large; a zip bomb?")
            for i in infos:
                if i.file_size > MAX_PART and i.filename.endswith(".xml"):
                    raise DocxError(f"{i.filename} 过大", f"{i.filename} is too large")
                if i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                    raise DocxError(f"{i.filename} 压缩比异常，可能是压缩炸弹", f"{i.filename}: suspicious ratio")
                if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise DocxError(f"{i.filename} 使用了不支持的压缩方式", f"{i.filename}: unsupported compression")
            if "word/document.xml" not in zf.namelist():
                raise DocxError("压缩包中没有 word/document.xml，不是 Word 文档",
                                "no word/document.xml: not a Word document")
            with zf.open("word/document.xml") as fh:
                head = fh.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise DocxError("document.xml 含有 DTD 或实体声明，拒绝解析", "document.xml has a DTD; refused")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise DocxError(f"zip 压缩包损坏或不完整（{exc}）", f"corrupt or truncated zip ({exc})") from None


def read_docx(path: str) -> Document:
    """Raises DocxError for a file that cannot be read (or ImportError without python-docx)."""
    p = Path(path)
    _guard(p)
    import docx                                    # lazy: only Word files need it
    from docx.oxml.ns import qn

    try:
        doc = docx.Document(str(p))
    except Exception as exc:   # python-docx raises many kinds for a broken package
        raise DocxError(f"无法打开 Word 文档（{type(exc).__name__}: {exc}）",
                        f"cannot open the Word document ({type(exc).__name__}: {exc})") from None
    paragraphs: list[Paragraph] = []
    grids: list[Grid] = []
    tag_p, tag_tbl = qn("w:p"), qn("w:tbl")
    last_text = ""
    from docx.text.paragraph import Paragraph as DocxParagraph
    try:
        for child in doc.element.body.iterchildren():
            if child.tag == tag_p:
                para = DocxParagraph(child, doc)
                text = clean(para.text)
                style = para.style.name if para.style is not None else ""
                paragraphs.append(Paragraph(len(paragraphs) + 1, text, style))
                if text and not text.startswith("单位"):
                    last_text = text
            elif child.tag == tag_tbl:
                n = len(grids) + 1
                m = _CAPTION_RE.match(last_text)
                label = f"表格{n}（{m.group(1).replace(' ', '')}）" if m else f"表格{n}"
                grids.append(_table_grid(child, label, n, last_text, len(paragraphs)))
                last_text = ""
    except DocxError:
        raise
    except Exception as exc:
        raise DocxError(f"Word 文档结构无法读取（{type(exc).__name__}: {exc}）",
                        f"unreadable document structure ({type(exc).__name__}: {exc})") from None
    return Document(str(path), "docx", grids, paragraphs)


def _table_grid(tbl, label: str, index: int, caption: str, paragraph: int) -> Grid:
    """Rows from the table XML itself: w:gridSpan and w:vMerge say what is merged
    (python-docx's row.cells hides which cells are continuations)."""
    from docx.oxml.ns import qn
    tag_tr, tag_tc, tag_p, tag_t = qn("w:tr"), qn("w:tc"), qn("w:p"), qn("w:t")
    tag_pr, tag_span, tag_vm, val = qn("w:tcPr"), qn("w:gridSpan"), qn("w:vMerge"), qn("w:val")
    rows: list[list[GCell]] = []
    for r, tr in enumerate(tbl.iterchildren(tag_tr), 1):
        if r > 3000:
            break
        out: list[GCell] = []
        for tc in tr.iterchildren(tag_tc):
            pr = tc.find(tag_pr)
            span, continued = 1, False
            if pr is not None:
                gs = pr.find(tag_span)
                if gs is not None and (gs.get(val) or "1").isdigit():
                    span = max(1, min(int(gs.get(val)), 60))
                vm = pr.find(tag_vm)
                continued = vm is not None and vm.get(val) in (None, "continue")
            text = clean(" ".join("".join(t.text or "" for t in p.iter(tag_t)) for p in tc.iterchildren(tag_p)))
            for k in range(span):
                c = len(out) + 1
                where_cell = f"第{r}行第{c}列"
                cell = GCell(text, f"{label} {where_cell}", label, where_cell, merged=k > 0)
                if continued:
                    above = rows[-1][c - 1] if rows and c - 1 < len(rows[-1]) else None
                    cell = GCell(above.text if above else "", f"{label} {where_cell}", label,
                                 above.cell if above else where_cell, merged=True)
                out.append(cell)
        rows.append(out)
    width = max((len(r) for r in rows), default=0)
    for r, row in enumerate(rows, 1):
        while len(row) < width:
            c = len(row) + 1
            row.append(GCell("", f"{label} 第{r}行第{c}列", label, f"第{r}行第{c}列"))
    return Grid(label, rows, caption=caption, index=index, paragraph=paragraph)

"""The institution's own .docx as the report's style template (--template).

Its styles are used (styles.ensure_styles adds only what it lacks) and its
text is kept before the generated chapters.  A missing, unreadable or
non-Word file is refused with a message that says which and what to do;
the zip is checked before python-docx opens it, so a huge or broken file
fails fast and never with a traceback.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_TEMPLATE_BYTES = 200 << 20        # declared uncompressed size of all parts
DOCX_MAIN = "word/document.xml"


class TemplateError(Exception):
    """The --template file cannot be used; the message says why (Chinese)."""


def new_document(template: str | Path | None):
    """The document a report is written into: our A4 page and styles, or the
    institution's template with its text kept first and ours from a new page."""
    from docx.enum.text import WD_BREAK

    from xl_eval.report import styles as S
    doc = open_template(template)
    own = template is None
    S.ensure_styles(doc, own)
    if own:
        S.setup_section(doc.sections[0])
    elif doc.paragraphs or doc.tables:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    return doc


def open_template(path: str | Path | None):
    """A python-docx Document: the given template, or python-docx's default one."""
    import docx
    if path is None:
        return docx.Document()
    p = Path(path)
    if not p.exists():
        raise TemplateError(f"{p}：模板文件不存在")
    if not p.is_file():
        raise TemplateError(f"{p}：不是文件")
    if p.suffix.lower() == ".doc":
        raise TemplateError(f"{p}：是旧版 Word 文档（.doc），请在 Word/WPS 中另存为 .docx 后再用作模板")
    try:
        with zipfile.ZipFile(p) as z:
            names = z.namelist()
            if DOCX_MAIN not in names:
                raise TemplateError(f"{p}：不是 Word 文档（.docx）：缺少 {DOCX_MAIN}")
            if sum(i.file_size for i in z.infolist()) > MAX_TEMPLATE_BYTES:
                raise TemplateError(f"{p}：文件解压后过大（超过 {MAX_TEMPLATE_BYTES >> 20} MB），不能用作模板")
            bad = z.testzip()
            if bad is not None:
                raise TemplateError(f"{p}：文件已损坏（{bad} 校验失败）")
    except zipfile.BadZipFile:
        raise TemplateError(f"{p}：不是 Word 文档（.docx），或文件已损坏") from None
    except OSError as exc:
        raise TemplateError(f"{p}：无法读取（{exc.strerror or exc}）") from None
    try:
        return docx.Document(str(p))
    except ValueError as exc:           # e.g. a .dotx / .docm content type
        raise TemplateError(f"{p}：不是可用的 Word 文档（{exc}）；模板（.dotx）请另存为 .docx") from None
    except Exception as exc:            # malformed XML inside a valid zip, missing parts ...
        raise TemplateError(f"{p}：Word 文档内容无法解析（{type(exc).__name__}），请在 Word/WPS 中打开另存后再试") from None

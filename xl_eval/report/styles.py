"""Page, paragraph and table formatting of the Word report (python-docx).

Conventions of Chinese official documents (GB/T 9704 practice): A4, body in
仿宋, headings 一、 in 黑体, （一） in 楷体, 1. and （1） in bold / plain 仿宋,
page numbers centred in the footer.  Chinese fonts need the east-Asian slot
of w:rFonts (w:eastAsia) set as well as the Latin name, and every *Theme
attribute removed (a theme font overrides the explicit name).

With an institution's own template (--template) its existing styles are used
as they are; only styles it lacks are added with the defaults below.
"""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

BODY_FONT, HEI, KAI, SONG = "仿宋", "黑体", "楷体", "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(14)          # 四号: the usual size of evaluation reports
TABLE_SIZE = Pt(10.5)       # 五号
ANNEX_SIZE = Pt(9)          # the full scoring table is wide and long
A4 = (Cm(21.0), Cm(29.7))

# Style names the builder uses.  Built-in names keep Word's own headings (and
# so its navigation pane and table of contents); the xl-eval ones are ours.
TITLE, BODY, H1, H2, H3, H4 = "Title", "Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4"
TABLE_TEXT, CAPTION, PLACEHOLDER, WARNING = "xl-eval 表格文字", "xl-eval 表题", "xl-eval 待填写", "xl-eval 警告"

# name -> (type, east-Asian font, size, bold, alignment, first-line indent in characters, outline level)
_DEFAULTS = {
    BODY: (WD_STYLE_TYPE.PARAGRAPH, BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, None),
    TITLE: (WD_STYLE_TYPE.PARAGRAPH, SONG, Pt(22), True, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    H1: (WD_STYLE_TYPE.PARAGRAPH, HEI, Pt(16), False, WD_ALIGN_PARAGRAPH.LEFT, 2, 0),
    H2: (WD_STYLE_TYPE.PARAGRAPH, KAI, Pt(16), False, WD_ALIGN_PARAGRAPH.LEFT, 2, 1),
    H3: (WD_STYLE_TYPE.PARAGRAPH, BODY_FONT, BODY_SIZE, True, WD_ALIGN_PARAGRAPH.LEFT, 2, 2),
    H4: (WD_STYLE_TYPE.PARAGRAPH, BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2, 3),
    TABLE_TEXT: (WD_STYLE_TYPE.PARAGRAPH, BODY_FONT, TABLE_SIZE, False, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    CAPTION: (WD_STYLE_TYPE.PARAGRAPH, HEI, Pt(12), False, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    PLACEHOLDER: (WD_STYLE_TYPE.PARAGRAPH, BODY_FONT, BODY_SIZE, False, WD_ALIGN_PARAGRAPH.LEFT, 2, None),
    WARNING: (WD_STYLE_TYPE.PARAGRAPH, HEI, BODY_SIZE, True, WD_ALIGN_PARAGRAPH.LEFT, 0, None),
}
PLACEHOLDER_COLOR = RGBColor(0xC0, 0x00, 0x00)
WARNING_COLOR = RGBColor(0xC0, 0x00, 0x00)


def set_fonts(rpr_owner, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Latin and east-Asian font of a style or run; theme fonts removed."""
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)


def ensure_styles(doc, own: bool) -> None:
    """Give *doc* every style the builder uses.  own=True (no --template):
    set them all to the defaults; otherwise only add the ones it lacks."""
    existing = {s.name for s in doc.styles}
    for name, (kind, font, size, bold, align, indent, outline) in _DEFAULTS.items():
        if name in existing and not own:
            continue
        style = doc.styles[name] if name in existing else doc.styles.add_style(name, kind)
        if name != BODY and style.base_style is None and name not in existing:
            style.base_style = doc.styles[BODY] if BODY in {s.name for s in doc.styles} else None
        set_fonts(style, font)
        style.font.size = size
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        pf = style.paragraph_format
        pf.alignment = align
        pf.first_line_indent = Pt(size.pt * indent) if indent else Pt(0)
        pf.space_before = Pt(0) if name not in (H1, TITLE) else Pt(6)
        pf.space_after = Pt(0) if name not in (TITLE, CAPTION) else Pt(6)
        pf.line_spacing = 1.15 if name == TABLE_TEXT else 1.5
        if name == TABLE_TEXT:
            pf.space_before = pf.space_after = Pt(1)
        if name == CAPTION:
            pf.keep_with_next = True
            pf.space_before = Pt(6)
        if outline is not None:
            pf.keep_with_next = True
            _outline_level(style, outline)
    if own:
        doc.styles[PLACEHOLDER].font.color.rgb = PLACEHOLDER_COLOR
        doc.styles[WARNING].font.color.rgb = WARNING_COLOR
    else:
        for name, color in ((PLACEHOLDER, PLACEHOLDER_COLOR), (WARNING, WARNING_COLOR)):
            if name not in existing:
                doc.styles[name].font.color.rgb = color


def apply_style(p, name: str) -> None:
    """Set a paragraph's style by name.  python-docx's own setter resolves the
    name by scanning every style each time (seconds for a long table), so
    the ids are looked up once per document."""
    part = p.part
    ids = getattr(part, "_xl_eval_style_ids", None)
    if ids is None:
        ids = {s.name: s.style_id for s in part.styles}
        part._xl_eval_style_ids = ids
    p._p.get_or_add_pPr().style = ids[name]


def paragraph(container, name: str, text: str = ""):
    """A new paragraph of style *name* at the end of a document or cell."""
    p = container.add_paragraph()
    apply_style(p, name)
    if text:
        p.add_run(text)
    return p


def _outline_level(style, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    el = ppr.find(qn("w:outlineLvl"))
    if el is None:
        el = OxmlElement("w:outlineLvl")
        ppr.append(el)
    el.set(qn("w:val"), str(level))


def setup_section(section, landscape: bool = False) -> None:
    """A4 with the margins of GB/T 9704 (portrait) or a landscape A4 for wide tables."""
    w, h = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    if landscape:
        section.top_margin = section.bottom_margin = Cm(2.0)
        section.left_margin = section.right_margin = Cm(1.5)
    else:
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance = section.footer_distance = Cm(1.5)


def text_width(section) -> Emu:
    return Emu(section.page_width - section.left_margin - section.right_margin)


def page_number_footer(section) -> None:
    """'— 3 —' centred in the footer (a PAGE field Word and LibreOffice update)."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    for r in list(p.runs):
        r._r.getparent().remove(r._r)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    _run(p, "— ")
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, end):
        r = _run(p, "")
        r._r.append(el)
    _run(p, " —")


def _run(p, text):
    r = p.add_run(text)
    set_fonts(r, SONG)
    r.font.size = Pt(12)
    return r


def mark_placeholder(run) -> None:
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    run.font.color.rgb = PLACEHOLDER_COLOR


# ------------------------------------------------------------------ tables

MIN_COLUMN = Cm(1.7)     # three CJK characters at 9 pt, or "100.00%", plus the cell padding


def column_widths(total: int, shares: list[float], minimum: int = MIN_COLUMN) -> list[Emu]:
    """Split *total* EMU in proportion to *shares*, no column below *minimum*
    (a narrow spreadsheet column holding 一级指标 would print one character a line)."""
    widths = [total * s / sum(shares) for s in shares]
    for _ in range(len(widths)):
        small = [i for i, w in enumerate(widths) if w < minimum]
        if not small:
            break
        rest = [i for i in range(len(widths)) if i not in small]
        if not rest:
            break
        budget = total - minimum * len(small)
        scale = budget / sum(widths[i] for i in rest)
        widths = [minimum if i in small else widths[i] * scale for i in range(len(widths))]
    return [Emu(int(w)) for w in widths]


def new_table(doc, rows: int, cols: int, widths: list[Emu]):
    """A bordered, fixed-layout table whose columns have *widths*."""
    table = doc.add_table(rows=rows, cols=cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False           # python-docx writes <w:tblLayout w:type="fixed"/>
    tbl = table._tbl
    tblpr = tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(int(w.twips if hasattr(w, "twips") else Emu(w).twips) for w in widths)))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = OxmlElement(f"w:{side}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "4")
        b.set(qn("w:space"), "0")
        b.set(qn("w:color"), "000000")
        borders.append(b)
    insert_in_order(tblpr, borders, ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"))
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(Emu(w).twips))
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = w
    return table


def insert_in_order(parent, child, successors: tuple[str, ...]) -> None:
    """Insert *child* before the first of *successors* present (the schema's
    element order: Word refuses a file whose properties are out of order)."""
    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


def repeat_header(row) -> None:
    """Repeat this row at the top of every page the table runs onto."""
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:tblHeader")) is not None:
        return
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def keep_table_together(table) -> None:
    """Keep a short table on one page: every row's rows may not split, and each
    row keeps with the next (Word's and LibreOffice's way to move a table whole)."""
    for row in table.rows:
        keep_row_together(row)
    for row in table.rows[:-1]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def keep_row_together(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        trpr.append(OxmlElement("w:cantSplit"))


def cell_text(cell, text: str, *, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER, size=None,
              style: str = TABLE_TEXT) -> None:
    """Replace a cell's content by *text* (line breaks become paragraphs)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = str(text).split("\n") if text else [""]
    paragraphs = cell.paragraphs
    for extra in paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    p = paragraphs[0]
    for r in list(p.runs):
        r._r.getparent().remove(r._r)
    for i, line in enumerate(lines):
        if i:
            p = cell.add_paragraph()
        apply_style(p, style)
        p.alignment = align
        r = p.add_run(line)
        if bold:
            r.bold = True
        if size is not None:
            r.font.size = size

"""What the foreign readers produce: tables as grids of shown texts, and paragraphs.

A hand-made workbook sheet and a Word table both become a Grid: rows of
GCells holding the text as a reader sees it ("88.00%", "4.4", "-"), the
number it means (0.88, 4.4, None) and where it is, in the words the user
needs to find it (打分表!G5 for a workbook, 表格3 第4行第7列 for Word).
A cell covered by a merged area repeats its anchor's text with
``merged=True``, so level cells can be forward-filled on purpose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

BLANKS = {"", "-", "--", "—", "——", "－", "–", "/", "／", "\\", "无", "暂无", "——", "―"}


@dataclass
class GCell:
    text: str                   # shown text, whitespace-trimmed
    where: str                  # "打分表!G5" or "表格3 第4行第7列"
    sheet: str = ""             # for findings: sheet name (xlsx) or table label (docx)
    cell: str = ""              # for findings: A1 reference (xlsx) or "第4行第7列" (docx)
    merged: bool = False        # a copy of a merged area's anchor
    number: float | None = None  # numeric cell value (xlsx), else parsed from text on demand
    percent_digits: int | None = None  # shown as a percentage with this many decimals

    @property
    def blank(self) -> bool:
        return self.text.strip() in BLANKS


@dataclass
class Grid:
    label: str                  # sheet name, or "表格3（表4）"
    rows: list[list[GCell]]
    caption: str = ""           # docx: the paragraph just above the table
    index: int = 0              # 1-based table/sheet number in the file
    paragraph: int = 0          # docx: number of paragraphs before the table


@dataclass
class Paragraph:
    number: int                 # 1-based among the document's body paragraphs
    text: str
    style: str = ""


@dataclass
class Document:
    path: str
    kind: str                   # "xlsx" or "docx"
    grids: list[Grid]
    paragraphs: list[Paragraph] = field(default_factory=list)


# ------------------------------------------------------------ text helpers

_PCT_RE = re.compile(r"^([+-]?[0-9]+(?:\.[0-9]+)?)\s*[%％]$")
_NUM_RE = re.compile(r"^[+-]?[0-9]+(?:\.[0-9]+)?$")


def norm(text: str) -> str:
    """Matching key: NFKC, no whitespace, no quotes or brackets of any width."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(text.split())
    return re.sub(r"[\"'“”‘’「」『』〝〞]", "", text)


def clean(text: str) -> str:
    """Cell text as shown: NFKC digits/percent, collapsed whitespace."""
    return " ".join(str(text).replace("\u3000", " ").split())


def number_of(cell: GCell) -> tuple[float | None, int | None, bool]:
    """(value, decimals shown, is_percent) of a cell that holds one number.

    "88.00%" and "100.00 %" -> (0.88, 2, True); "4.4" -> (4.4, 1, False);
    a numeric xlsx cell -> its value and the decimals of its number format.
    """
    if cell.number is not None:
        if cell.percent_digits is not None:
            return cell.number, cell.percent_digits, True
        return cell.number, _decimals_of_text(cell.text), False
    text = unicodedata.normalize("NFKC", cell.text).replace(",", "").strip()
    if not text or text in BLANKS:
        return None, None, False
    m = _PCT_RE.match(text)
    if m:
        digits = m.group(1)
        return float(digits) / 100, _decimals_of_text(digits), True
    text = text.removesuffix("分").strip()
    if _NUM_RE.match(text):
        return float(text), _decimals_of_text(text), False
    return None, None, False


def _decimals_of_text(text: str) -> int:
    text = text.strip().rstrip("%％ ")
    return len(text.split(".", 1)[1]) if "." in text else 0


_POINTS_TAIL = re.compile(r"\s*[(（]\s*(?:特性指标)?\s*([0-9]+(?:\.[0-9]+)?)\s*分?\s*(?:，[^)）]*)?[)）]\s*$")
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十0-9]{1,3}\s*[)）]"
                        r"|[0-9]{1,2}(?:\.[0-9]{1,2}){0,2}(?:\s*[、．]|\.(?![0-9])|\s)(?=\s*[^\s0-9.%]))\s*")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef“”])\s+(?=[\u3000-\u9fff\uff00-\uffef“”])")


def split_points(text: str) -> tuple[str, float | None]:
    """An indicator name as a framework names it, and the points the cell states:
    "投 入\\n(15分)" -> ("投入", 15.0); "（一）封面填写" -> ("封面填写", None);
    "“三公经费” 变动率" -> ("“三公经费”变动率", None).  Spaces a cell uses to
    spread or wrap Chinese text go; the numbering and a trailing "(N分)" too."""
    text = clean(text)
    points = None
    m = _POINTS_TAIL.search(text)
    if m and m.start() > 0:
        points = float(m.group(1))
        text = text[:m.start()]
    text = _NUMBERING.sub("", text, count=1) or text
    return _CJK_GAP.sub("", text).strip(), points

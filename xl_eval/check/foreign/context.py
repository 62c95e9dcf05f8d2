"""What every foreign check sees: the document, its score tables mapped to the
framework, the primary scoring table's value per node, and the evaluation year."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from xl_eval.check.findings import Finding, make
from xl_eval.check.foreign.grid import Document, GCell, Paragraph
from xl_eval.check.foreign.mapping import Node, NodeIndex
from xl_eval.check.foreign.tables import Record, ScoreTable
from xl_eval.core.xlround import plain, xl_round
from xl_eval.framework.model import Framework


@dataclass
class Ctx:
    fw: Framework
    index: NodeIndex
    doc: Document
    tables: list[ScoreTable]
    lang: str = "zh"
    primary: ScoreTable | None = None
    leaf_rows: dict[str, Record] = field(default_factory=dict)   # leaf code -> its record in the primary table
    year: int | None = None

    # -- findings
    def at(self, code: str, cell: GCell | None, **fields) -> Finding:
        if cell is None:
            return make(code, lang=self.lang, **fields)
        return make(code, cell.sheet, cell.cell, lang=self.lang, **fields)

    def in_paragraph(self, code: str, para: Paragraph, **fields) -> Finding:
        return make(code, f"正文第{para.number}段", "", lang=self.lang, **fields)

    # -- values of the primary table
    def leaf_score(self, code: str) -> float | None:
        rec = self.leaf_rows.get(code)
        return None if rec is None else rec.value("score").value

    def node_score(self, node: Node) -> float | None:
        """A node's score in the primary table: its leaves' scores added up."""
        scores = [self.leaf_score(n.code) for n in node.leaves]
        if not scores or any(s is None for s in scores):
            return None
        return xl_round(sum(scores), self.fw.precision.score)

    @property
    def total(self) -> float | None:
        scores = [self.leaf_score(n.code) for n in self.index.leaves]
        if not scores or any(s is None for s in scores):
            return None
        return xl_round(sum(scores), self.fw.precision.total)


def same_shown(expected: float, shown: float, digits: int | None) -> bool:
    """Does `expected`, rounded like Excel to the digits shown, read as `shown`?"""
    d = 2 if digits is None else digits
    return xl_round(expected, d) == xl_round(shown, d)


def rate_matches(expected: float, value: float, digits: int | None, is_percent: bool) -> bool:
    """A 得分率 shown as "88.00%", 0.88 or 88 against a fraction."""
    d = 2 if digits is None else digits
    if is_percent:
        return xl_round(expected * 100, d) == xl_round(value * 100, d)
    if value > 1.0:                      # "88" meaning 88%
        return xl_round(expected * 100, d) == xl_round(value, d)
    return xl_round(expected, max(d, 0)) == xl_round(value, max(d, 0))


def shown_rate(value: float, digits: int | None, is_percent: bool) -> str:
    d = 2 if digits is None else digits
    if is_percent or value > 1.0:
        x = value * 100 if is_percent else value
        return f"{xl_round(x, d):.{d}f}%"
    return plain(value)


def pct(x: float) -> str:
    return f"{xl_round(x * 100, 2):.2f}%"


_YEAR_RE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")
_TITLE_YEAR_RE = re.compile(r"[（(]\s*((?:19|20)[0-9]{2})\s*年度?\s*[)）]|((?:19|20)[0-9]{2})\s*年度?\s*部门整体")


def evaluation_year(texts: list[str]) -> int | None:
    """The year the report evaluates: a title "（2024 年）" / "2024年度部门整体…",
    else the year named most often (ties: the later one)."""
    for t in texts[:80]:
        m = _TITLE_YEAR_RE.search(t)
        if m:
            return int(m.group(1) or m.group(2))
    counts = Counter(int(y) for t in texts for y in _YEAR_RE.findall(t))
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]

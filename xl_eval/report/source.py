"""What the report is generated from: one filled workbook, read and recomputed.

Inputs are read through the defined names and scored by the engine exactly
as `xl-eval collect` does (collect.read_department): cached values and
typed-over scores in the file are never used.  Besides the scores the
report needs

* the evaluator's texts, 完成情况 and 扣分原因 of each leaf (defined names
  findings_<leaf> / reason_<leaf>);
* the 打分表 sheet as the workbook has it (every cell's text, its merged
  ranges and column widths) for the annex, so that the annex is the
  workbook's table and not a second rendering of the framework;
* `xl-eval check`'s findings, because a report must not be built on a
  workbook whose check finds errors (unless the user forces it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xl_eval.engine.score import Evaluation
from xl_eval.forms.scoresheet import layout as L
from xl_eval.framework.model import Framework


class Checked:
    """A report source's check findings, split as the report command uses them."""
    findings: list

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity in ("error", "fatal")]

    @property
    def warnings(self) -> list:
        return [f for f in self.findings if f.severity == "warning"]


class ReportError(Exception):
    """The workbook cannot be reported on; the message says why (Chinese)."""


@dataclass
class Grid:
    """A rectangular block of a sheet: shown texts, merged ranges, column widths."""
    first_row: int
    last_row: int
    cols: int
    texts: dict[tuple[int, int], str]                 # (row, col) -> shown text
    merges: list[tuple[int, int, int, int]]           # (r1, c1, r2, c2), inside the block
    widths: dict[int, float]                          # col -> width in characters
    header_rows: tuple[int, ...] = ()


@dataclass
class Source(Checked):
    path: Path
    shown: str
    fw: Framework
    name: str | None
    year: str | None
    evaluation: Evaluation
    problems: list[str]                               # input values that could not be read
    missing: list[str]                                # labels of blank inputs a score needs
    findings_text: dict[str, str]                     # leaf code -> 完成情况
    reason_text: dict[str, str]                       # leaf code -> 扣分原因
    grid: Grid | None = None
    title: str = ""                                   # 打分表 title (单位名称 + framework title)
    findings: list = field(default_factory=list)      # check Findings (None: check unavailable)


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+):([A-Z]+[0-9]+)\"")
_COL = re.compile(rb"<(?:\w+:)?col\s([^>]*)/?>")
_ATTR = re.compile(rb"(\w+)=\"([^\"]*)\"")
_REF = re.compile(r"^([A-Z]+)([0-9]+)$")


def read_source(fw: Framework, path: Path, shown: str | None = None, *, grid: bool = True,
                check: bool = True) -> Source:
    """Read and recompute one workbook; raises ReportError when it cannot be read."""
    from xl_eval.batch.collect import CollectError, read_department
    from xl_eval.check.findings import render
    from xl_eval.xlsx.reader import WorkbookError, open_workbook

    shown = shown or str(path)
    try:
        dept = read_department(fw, Path(path), shown)
    except CollectError as exc:
        raise ReportError(str(exc)) from None
    lay = L.layout(fw)
    try:
        with open_workbook(path) as wb:
            texts = _notes(wb, fw)
            block = _grid(wb, lay) if grid else None
    except WorkbookError as exc:
        raise ReportError(render(exc.code, **exc.fields)) from None
    year_code = next((c for c, i in fw.inputs.items() if i.kind == "year"), None)
    year = dept.evaluation.values.get(year_code) if year_code else None
    src = Source(Path(path), shown, fw, dept.name, None if year is None else f"{int(year)}",
                 dept.evaluation, dept.problems, dept.missing,
                 {k: v for (kind, k), v in texts.items() if kind == "findings"},
                 {k: v for (kind, k), v in texts.items() if kind == "reason"}, block)
    src.title = f"{dept.name or '（单位名称）'}{fw.title}"
    if check:
        src.findings = run_check(fw, Path(path))
    return src


def run_check(fw: Framework, path: Path) -> list:
    from xl_eval.check.workbook import check_file
    return list(check_file(path, fw).findings)


def _notes(wb, fw: Framework) -> dict[tuple[str, str], str]:
    areas = {}
    for leaf in fw.leaves:
        for kind, name in (("findings", L.findings_name(leaf.code)), ("reason", L.reason_name(leaf.code))):
            a = wb.area(name)
            if a is not None:
                areas[(kind, leaf.code)] = a
    wanted: dict[str, set[str]] = {}
    for a in areas.values():
        wanted.setdefault(a.sheet, set()).add(a.first)
    cells = wb.read(wanted)
    out = {}
    for key, a in areas.items():
        cell = cells.get(a.sheet, {}).get(a.first)
        value = None if cell is None else cell.value
        if value is None or cell.kind == "e":
            continue
        text = value if isinstance(value, str) else _number_text(value)
        if text.strip():
            out[key] = text.strip()
    return out


def _number_text(value) -> str:
    from xl_eval.core.xlround import plain
    return plain(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def _grid(wb, lay: L.Layout) -> Grid | None:
    """The 打分表 from its header to its note row, with engine values in the
    cells that compute (filled in by the builder: see COMPUTED)."""
    from xl_eval.xlsx.reader import col_index, col_letter
    s = lay.score
    first, last, cols = s.header[0], s.note, s.cols.REASON
    part = wb.sheet_part(L.SCORE)
    if part is None:
        return None
    refs = {f"{col_letter(c)}{r}" for r in range(first, last + 1) for c in range(1, cols + 1)}
    cells = wb.read({L.SCORE: refs}).get(L.SCORE, {})
    texts = {}
    for ref, cell in cells.items():
        m = _REF.match(ref)
        key = (int(m.group(2)), col_index(m.group(1)))
        if cell.kind == "e" or cell.value is None:
            texts[key] = ""
        elif isinstance(cell.value, str):
            texts[key] = cell.value
        else:
            texts[key] = _number_text(cell.value)
    xml = wb.read_part(part)
    merges = []
    for a, b in _MERGE.findall(xml):
        ma, mb = _REF.match(a.decode()), _REF.match(b.decode())
        r1, c1, r2, c2 = int(ma.group(2)), col_index(ma.group(1)), int(mb.group(2)), col_index(mb.group(1))
        if r1 >= first and r2 <= last and c2 <= cols:
            merges.append((r1, c1, r2, c2))
    widths = {}
    for attrs in _COL.findall(xml.split(b"sheetData", 1)[0]):
        d = {k.decode(): v.decode() for k, v in _ATTR.findall(attrs)}
        try:
            for c in range(int(d["min"]), min(int(d["max"]), cols) + 1):
                widths[c] = float(d["width"])
        except (KeyError, ValueError):
            continue
    return Grid(first, last, cols, texts, merges, widths, tuple(s.header))

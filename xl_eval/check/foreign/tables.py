"""Find score tables in Grids by their headers and read their rows as records.

A score table is any grid with a header naming an indicator column (一级/
二级/三级指标, 评价指标, 名称) and a 得分 column, plus a 权重 or 得分率
column.  Real tables vary, and each variant is handled here on purpose:

* multi-row merged headers: a column's header is the text of all header
  rows in that column ("评价指标 / 三级指标 / 权重（%）");
* "权重（%）" or "分值" holding points: the column is the weight, in points;
* merged or blank level cells: 一级/二级 are forward-filled from the row above;
* continuation rows (one record split over two rows at a page break): a
  row with no name, weight or score but with text is appended to the
  record above;
* a row whose numbers sit one column off (Table 4's 小计 "20 | 17.4" under
  得分 | 得分率): the numbers are re-read in order and the row is marked
  ``shifted`` (reported as a warning);
* "-" and "—" placeholders are blanks; "100.00 %" is a percentage;
* 得分 over several columns (一级指标 | 得分 | 二级指标 | 得分 …): the last is the
  score, the others the points of the level on their left;
* no level columns: the tree is in the name column by its numbering ("一、" rows
  are level-1 headings); no 分值 column: the points in the names "相关性(5分)";
* a nameless row with points under a leaf is more of that leaf (points add up);
  a heading row with no numbers and no indicator (经济效益指标 | | |) is dropped.

The header words themselves are data, in headers.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xl_eval.check.foreign.grid import GCell, Grid, norm, number_of, split_points
from xl_eval.check.foreign.headers import GRADE_LABELS, HEADERS, SUBTOTAL_LABELS, TOTAL_LABELS

TEXT_FIELDS = ("explanation", "criteria", "findings", "reason")
NUMBER_FIELDS = ("weight", "score", "rate")
LEVEL_FIELDS = ("level1", "level2", "name")
# the points of a level printed in its own column (一级指标 | 得分 | 二级指标 | 得分 …)
LEVEL_WEIGHTS = {"level1": "level1_weight", "level2": "level2_weight"}


@dataclass
class Value:
    value: float | None
    digits: int | None
    percent: bool
    cell: GCell | None

    @property
    def present(self) -> bool:
        return self.value is not None


@dataclass
class Record:
    """One data row (or several, with continuation rows) of a score table."""
    kind: str                         # leaf | group | subtotal | total | grade
    row: int                          # 1-based row in the grid
    level1: str = ""
    level2: str = ""
    name: str = ""
    cells: dict[str, GCell] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    shifted: bool = False
    grade: str = ""
    grade_cell: GCell | None = None
    continued: list[int] = field(default_factory=list)   # rows appended to this record
    node: object = None               # the framework node it maps to (mapping.py)

    def value(self, name: str) -> Value:
        return self.values.get(name) or Value(None, None, False, None)

    def where(self, name: str = "") -> GCell | None:
        """The cell of a field, or the first cell of the record."""
        if name and name in self.cells:
            return self.cells[name]
        for f in ("name", "level2", "level1"):
            if f in self.cells:
                return self.cells[f]
        return next(iter(self.cells.values()), None)

    @property
    def label(self) -> str:
        return self.name or self.level2 or self.level1


@dataclass
class ScoreTable:
    grid: Grid
    columns: dict[str, int]           # field -> 0-based column
    header_rows: int                  # rows before the data (1-based last header row)
    records: list[Record]

    @property
    def label(self) -> str:
        return self.grid.label

    @property
    def full(self) -> bool:
        """The complete scoring table (has rule texts), not a summary extract."""
        return any(f in self.columns for f in ("criteria", "explanation"))

    def rows(self, *kinds: str) -> list[Record]:
        return [r for r in self.records if r.kind in kinds]


def classify_header(text: str) -> str | None:
    found = _classify(text)
    return found[0] if found else None


def _classify(text: str) -> tuple[str, int] | None:
    """(field, rank) of a header text, from the headers table."""
    t = norm(text)
    if not t:
        return None
    for name, rank, words in HEADERS:
        if any(w in t for w in words):
            return name, rank
    return None


def _header_cells(row: list[GCell]) -> int:
    seen, n = set(), 0
    for c in row:
        if c.blank or c.text in seen or number_of(c)[0] is not None:
            continue
        seen.add(c.text)
        if len(c.text) <= 16 and classify_header(c.text):
            n += 1
    return n


def _has_number(row: list[GCell]) -> bool:
    return any(number_of(c)[0] is not None for c in row if not c.merged)


def find_header(grid: Grid, scan: int = 25) -> tuple[int, int, dict[str, int]] | None:
    """(first header row, last header row, field -> column), 0-based, or None."""
    rows = grid.rows
    for start in range(min(scan, len(rows))):
        if _header_cells(rows[start]) < 2:
            continue
        end = start
        while end + 1 < len(rows) and not _has_number(rows[end + 1]) and _header_cells(rows[end + 1]) >= 1 \
                and not _looks_like_data(rows[end + 1]):
            end += 1
        columns = _columns(rows[start:end + 1])
        if "score" in columns and ({"name", "level1", "level2"} & set(columns)) \
                and (({"weight", "rate"} & set(columns)) or _points_in_names(rows[end + 1:end + 21], columns)):
            return start, end, columns
    return None


def _points_in_names(rows: list[list[GCell]], columns: dict[str, int]) -> bool:
    """No 分值 column, but the indicator cells carry their points: "相关性(5分)"."""
    col = columns.get("name")
    cells = [r[col] for r in rows if col is not None and col < len(r) and not r[col].blank and not r[col].merged]
    return bool(cells) and sum(split_points(c.text)[1] is not None for c in cells) * 2 >= len(cells)


def _looks_like_data(row: list[GCell]) -> bool:
    return any(len(c.text) > 30 for c in row)


def _columns(header: list[list[GCell]]) -> dict[str, int]:
    width = max(len(r) for r in header)
    claims: list[tuple[str, int, int]] = []          # (field, rank, column)
    for c in range(width):
        parts: list[str] = []
        for r in header:
            if c < len(r) and not r[c].blank and r[c].text not in parts:
                parts.append(r[c].text)
        # the most specific word wins: try the lowest header row first
        for text in reversed(parts):
            found = _classify(text)
            if found:
                claims.append((found[0], found[1], c))
                break
    columns: dict[str, int] = {}
    for f, rank, c in sorted(claims, key=lambda x: (-x[1], x[2])):
        columns.setdefault(f, c)
    scores = [c for f, _, c in claims if f == "score"]
    if len(scores) > 1:
        # 得分 over several columns: the last is the score; one right of a level
        # column holds that level's points (the layout prints them under 得分 too)
        columns["score"] = scores[-1]
        by_col = {c: f for f, c in columns.items()}
        for c in scores[:-1]:
            left = by_col.get(c - 1)
            if left in LEVEL_WEIGHTS:
                columns[LEVEL_WEIGHTS[left]] = c
            elif left == "name" and columns.get("weight") in (None, scores[0]):
                columns["weight"] = c
    return columns


def _numeric_share(grid: Grid, col: int, first: int) -> float:
    cells = [r[col] for r in grid.rows[first:first + 40] if col < len(r) and not r[col].blank and not r[col].merged]
    if not cells:
        return 0.0
    return sum(number_of(c)[0] is not None for c in cells) / len(cells)


def _repair_columns(grid: Grid, start: int, end: int, columns: dict[str, int]) -> dict[str, int]:
    """A header row typed one column off ("名称 | | 权重（%）" over 一级 | 二级 |
    三级 | 权重): the weight column holds names and its neighbour the numbers.
    Move the weight to the numeric column and the name to the weight's old
    column; a name column left over whose header says 一级 becomes level 1."""
    w = columns.get("weight")
    if w is None or _numeric_share(grid, w, end + 1) >= 0.5:
        return columns
    taken = {c for f, c in columns.items() if f != "weight" and f not in ("name",)}
    for c in (w + 1, w - 1):
        if c < 0 or c in taken or _numeric_share(grid, c, end + 1) < 0.6:
            continue
        fixed = dict(columns)
        fixed["weight"] = c
        old_name = columns.get("name")
        fixed["name"] = w
        if old_name is not None and old_name != w and "level1" not in fixed:
            header = "".join(r[old_name].text for r in grid.rows[start:end + 1] if old_name < len(r))
            if "一级" in header:
                fixed["level1"] = old_name
        return fixed
    return columns


def read_table(grid: Grid) -> ScoreTable | None:
    found = find_header(grid)
    if found is None:
        return None
    start, end, columns = found
    columns = _repair_columns(grid, start, end, columns)
    records: list[Record] = []
    last_leaf: Record | None = None
    level1 = level2 = ""
    header_texts = {norm(c.text) for r in grid.rows[: end + 1] for c in r if not c.blank}
    # no level columns: the tree is in the name column, by its numbering ("一、" over "（一）")
    tree_by_numbering = not ({"level1", "level2"} & set(columns))
    for i in range(end + 1, len(grid.rows)):
        row = grid.rows[i]
        if all(c.blank for c in row):
            continue
        if _header_cells(row) >= 2 and {norm(c.text) for c in row if not c.blank} <= header_texts:
            continue                                    # a header repeated on a new page
        get = lambda f: row[columns[f]] if f in columns and columns[f] < len(row) else None  # noqa: E731
        rec = Record("leaf", i + 1)
        for f, col in columns.items():
            if col < len(row):
                rec.cells[f] = row[col]
        label_cells = [c for c in row if not c.blank]
        label = norm(label_cells[0].text) if label_cells else ""
        grade_at = next((j for j, c in enumerate(row) if any(norm(c.text) == g for g in GRADE_LABELS)), None)
        if grade_at is not None:
            rec.kind = "grade"
            rec.name = row[grade_at].text
            rest = [c for c in row[grade_at + 1:] if not c.blank and c.text != row[grade_at].text]
            if rest:
                rec.grade, rec.grade_cell = rest[0].text, rest[0]
            records.append(rec)
            continue
        if label.startswith("备注"):
            continue
        if label in TOTAL_LABELS or any(norm(c.text) in TOTAL_LABELS for c in row[:3]):
            rec.kind = "total"
        elif label in SUBTOTAL_LABELS or label.endswith("小计"):
            rec.kind = "subtotal"
        _read_values(rec, row, columns)
        if "weight" not in columns and "name" in columns and columns["name"] < len(row):
            cn = row[columns["name"]]
            points = None if cn.blank or cn.merged else split_points(cn.text)[1]
            if points is not None:                # the points only in the name: "相关性(5分)"
                rec.values["weight"] = Value(points, None, False, cn)
        if rec.kind in ("total", "subtotal"):
            rec.name = label_cells[0].text if label_cells else ""
            rec.level1, rec.level2 = level1, level2
            records.append(rec)
            continue
        c1, c2, cn = get("level1"), get("level2"), get("name")
        name = "" if cn is None or cn.blank else cn.text
        numbers = any(rec.values[f].present for f in NUMBER_FIELDS if f in rec.values)
        same_record = ((not name or (cn is not None and cn.merged and last_leaf is not None and name == last_leaf.name))
                       and (c1 is None or c1.blank or c1.merged)
                       and (c2 is None or c2.blank or c2.merged))
        if same_record and last_leaf is not None:
            _join(last_leaf, rec, row, columns, numbers)
            last_leaf.continued.append(i + 1)
            continue
        if tree_by_numbering and name and HEADING_RE.match(name):
            level1, level2, name = name, "", ""      # "一、报告格式": a level-1 heading row
        if c1 is not None and not c1.blank:
            if c1.text != level1:
                level2 = ""
            level1 = c1.text
        if c2 is not None and not c2.blank:
            level2 = c2.text
        rec.level1, rec.level2, rec.name = level1, level2, name
        for f, wf in LEVEL_WEIGHTS.items():
            cell, anchor = get(wf), get(f)
            if cell is not None and anchor is not None and not anchor.blank and not anchor.merged:
                v, d, pct = number_of(cell)
                rec.values[wf] = Value(v, d, pct, cell)
        for f in TEXT_FIELDS:
            cell = get(f)
            if cell is not None and not cell.blank and not cell.merged:
                rec.texts[f] = cell.text
        if not name:
            rec.kind = "group"
            rec.name = ""
            if not numbers:
                continue                # a heading with nothing under it (经济效益指标 | | |)
        records.append(rec)
        if rec.kind == "leaf":
            last_leaf = rec
    return ScoreTable(grid, columns, end + 1, records)


HEADING_RE = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")


def _join(leaf: Record, rec: Record, row: list[GCell], columns: dict[str, int], numbers: bool) -> None:
    """A row that continues the leaf above: its texts are appended; its points,
    when it has any (a leaf whose criteria run over several scored rows), add up."""
    for f in TEXT_FIELDS:
        col = columns.get(f)
        cell = row[col] if col is not None and col < len(row) else None
        if cell is not None and not cell.blank and not cell.merged:
            before = leaf.texts.get(f, "")
            leaf.texts[f] = before + ("\n" if numbers and before else "") + cell.text
            leaf.cells.setdefault(f, cell)
    if not numbers:
        return
    for f in ("weight", "score"):
        mine, more = leaf.value(f), rec.value(f)
        if mine.present and more.present and not mine.percent and not more.percent:
            digits = max(mine.digits or 0, more.digits or 0)
            leaf.values[f] = Value(mine.value + more.value, digits, False, mine.cell)
        elif more.present and not mine.present and f == "score":
            leaf.values[f] = more


def _read_values(rec: Record, row: list[GCell], columns: dict[str, int]) -> None:
    """weight / score / rate of a row, re-read in order when they sit one column off."""
    for f in NUMBER_FIELDS:
        if f in columns and columns[f] < len(row) and not row[columns[f]].merged:
            v, d, pct = number_of(row[columns[f]])
            rec.values[f] = Value(v, d, pct, row[columns[f]])
        else:
            rec.values[f] = Value(None, None, False, None)
    numeric_cols = {columns[f] for f in NUMBER_FIELDS if f in columns}
    text_cols = {c for f, c in columns.items() if f not in NUMBER_FIELDS and f not in TEXT_FIELDS}
    rate = rec.values["rate"]
    stray = [(j, c) for j, c in enumerate(row)
             if j not in numeric_cols and j not in text_cols and not c.merged and number_of(c)[0] is not None]
    odd_rate = rate.present and not rate.percent and rate.value > 1.0
    if not stray and not odd_rate:
        return
    nums = [(j, c) for j, c in enumerate(row)
            if j not in text_cols and not c.merged and number_of(c)[0] is not None]
    pct = [(j, c) for j, c in nums if number_of(c)[2]]
    plain_nums = [(j, c) for j, c in nums if not number_of(c)[2]]
    order = [f for f in ("weight", "score") if f in columns]
    if len(plain_nums) > len(order):
        return                                        # cannot tell: leave as read
    new = {f: Value(None, None, False, None) for f in NUMBER_FIELDS}
    for f, (j, c) in zip(order, plain_nums):
        v, d, p = number_of(c)
        new[f] = Value(v, d, p, c)
    if pct and "rate" in columns:
        v, d, p = number_of(pct[0][1])
        new["rate"] = Value(v, d, p, pct[0][1])
    if any((new[f].cell is not rec.values[f].cell) for f in NUMBER_FIELDS):
        rec.values = new
        rec.shifted = True


def score_tables(grids: list[Grid]) -> list[ScoreTable]:
    out = []
    for g in grids:
        t = read_table(g)
        if t is not None and t.rows("leaf", "group", "total", "subtotal"):
            out.append(t)
    return out


"""The project list (the seed's Table 7): one row per project, keyed by 单位名称.

Feeds each department's 项目明细 sheet and, where the framework says so
(framework.project_list), the planned/completed project counts.  An explicit
count given for the department wins over the count derived from the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_eval.framework.model import NO, YES, Framework
from xl_eval.core.values import ValueProblem, normalise_label, parse_number

# field -> accepted headers (matched after normalise_label)
COLUMNS = {
    "unit": ("单位名称",),
    "name": ("项目名称", "科目名称", "科目名称（二级项目名称）", "名称"),
    "budget": ("全年预算金额", "预算金额", "全年预算数"),
    "final": ("决算金额", "决算数"),
    "done": ("是否完成", "完成情况"),
}
_ALIASES = {normalise_label(h): key for key, hs in COLUMNS.items() for h in hs}


@dataclass(frozen=True)
class Project:
    row: int
    name: str
    budget: float | None
    final: float | None
    done: str | None          # 是 / 否 / None


@dataclass(frozen=True)
class ProjectProblem:
    row: int
    column: str
    raw: Any
    message: str


@dataclass
class ProjectList:
    by_unit: dict[str, list[Project]]
    problems: list[ProjectProblem]
    unknown_columns: tuple[str, ...]


def read_projects(path: str | Path) -> ProjectList:
    """Read a long project table; raises tables.TableError if unusable."""
    from xl_eval.sources.tables import read_table
    table = read_table(path)
    header = _header(path, table.columns)
    out: dict[str, list[Project]] = {}
    problems: list[ProjectProblem] = []
    for r in table.rows:
        unit, got = project_of(r, header)
        if isinstance(got, Project):
            out.setdefault(unit, []).append(got)
        else:
            problems += got
    return ProjectList(out, problems, _unknown(table.columns))


def _header(path, columns: list[str]) -> dict[str, str]:
    """field -> the table's header for it; TableError without a unit or name column."""
    from xl_eval.sources.tables import TableError
    cols = {col: _ALIASES.get(normalise_label(col)) for col in columns}
    for need in ("unit", "name"):
        if need not in cols.values():
            raise TableError(path, f"缺少“{COLUMNS[need][0]}”列（现有列：{'、'.join(columns)}）")
    return {key: col for col, key in cols.items() if key}


def _unknown(columns: list[str]) -> tuple[str, ...]:
    return tuple(col for col in columns if _ALIASES.get(normalise_label(col)) is None)


def project_of(r, header: dict[str, str]) -> tuple[str, Project | list[ProjectProblem]]:
    """One table row: (its unit as written, stripped; the Project or why it cannot be read)."""
    raw = {key: r.values.get(col) for key, col in header.items()}
    unit = str(raw.get("unit") or "").strip()
    name = str(raw.get("name") or "").strip()
    if not unit or not name:
        return unit, [ProjectProblem(r.number, header["unit" if not unit else "name"], None,
                                     "单位名称和项目名称不能为空")]
    amounts, problems = {}, []
    for key in ("budget", "final"):
        try:
            amounts[key] = parse_number(raw.get(key), kind="amount")
        except ValueProblem as exc:
            problems.append(ProjectProblem(r.number, header[key], raw.get(key), f"“{header[key]}”{exc.reason}"))
    done = _yes_no(raw.get("done"))
    if done is False:
        problems.append(ProjectProblem(r.number, header["done"], raw.get("done"), "“是否完成”应填“是”或“否”"))
    if problems:
        return unit, problems
    return unit, Project(r.number, name, amounts.get("budget"), amounts.get("final"), done)


@dataclass
class ProjectIndex:
    """A project list read in one pass without holding its projects: per unit (as
    written), where its rows are; ``projects(unit)`` reads them again from the file.
    (An XLSX list is held whole: it was read whole.)"""
    rows: Any                                   # tables.StreamedRows, or None for a held list
    header: dict[str, str]
    where: dict[str, Any]                       # unit -> array of _PLACE fields per project, or [Project]
    problems: list[ProjectProblem]
    unknown_columns: tuple[str, ...]
    bad_rows: dict[str, list[int]]              # unit -> numbers of its rows that cannot be read

    def projects(self, unit: str) -> list[Project] | None:
        where = self.where.get(unit)
        if where is None or self.rows is None:
            return where
        # the amounts and 是否完成 as the first pass parsed them; only the name is read again
        out = []
        name_col = self.header["name"]
        k = len(_PLACE)
        places = [(int(where[i]), int(where[i + 1])) for i in range(0, len(where), k)]
        for i, r in zip(range(0, len(where), k), self.rows.at(places)):
            budget, final, done = where[i + 2], where[i + 3], where[i + 4]
            out.append(Project(r.number, str(r.values.get(name_col) or "").strip(),
                               None if budget != budget else budget, None if final != final else final,
                               _DONE[int(done)]))
        return out

    def count(self, unit: str) -> int:
        where = self.where[unit]
        return len(where) // len(_PLACE) if self.rows is not None else len(where)


# per project in a streamed index: where its record starts, its row number, the amounts
# (NaN: blank) and 是否完成 (an index into _DONE); doubles hold all of them exactly
_PLACE = ("offset", "row", "budget", "final", "done")
_DONE = (None, YES, NO)


def index_projects(path: str | Path) -> ProjectIndex:
    """``read_projects`` for fill at scale (same projects, problems, unknown columns),
    plus the unit of each unreadable row (its 单位名称 cell, as written)."""
    from array import array

    from xl_eval.sources.tables import StreamedRows, stream_table
    table = stream_table(path)
    header = _header(path, table.columns)
    unit_col = next((c for c in table.columns if normalise_label(c) == normalise_label("单位名称")), None)
    streamed = isinstance(table.rows, StreamedRows)
    rows = table.rows.with_offsets() if streamed else ((None, r) for r in table.rows)
    where: dict[str, Any] = {}
    problems: list[ProjectProblem] = []
    bad: dict[str, list[int]] = {}
    for offset, r in rows:
        unit, got = project_of(r, header)
        if isinstance(got, Project):
            if streamed:
                nan = float("nan")
                where.setdefault(unit, array("d")).extend(
                    (offset, r.number, nan if got.budget is None else got.budget,
                     nan if got.final is None else got.final, _DONE.index(got.done)))
            else:
                where.setdefault(unit, []).append(got)
            continue
        problems += got
        cell = r.values.get(unit_col) if unit_col else None
        if cell is not None and str(cell).strip():
            bad.setdefault(str(cell).strip(), []).extend(p.row for p in got)
    return ProjectIndex(table.rows if streamed else None, header, where, problems, _unknown(table.columns), bad)


def _yes_no(raw: Any) -> str | None | bool:
    """是/否/None, or False when the text is neither."""
    if raw is None or str(raw).strip() == "":
        return None
    text = normalise_label(str(raw))
    if text in ("是", "已完成", "完成", "y", "yes", "1", "√"):
        return YES
    if text in ("否", "未完成", "n", "no", "0", "×"):
        return NO
    return False


def derived_counts(fw: Framework, projects: list[Project]) -> dict[str, int]:
    out = {}
    if "planned" in fw.project_list:
        out[fw.project_list["planned"]] = len(projects)
    if "completed" in fw.project_list:
        out[fw.project_list["completed"]] = sum(p.done == YES for p in projects)
    return out


def with_project_counts(fw: Framework, values: dict[str, Any], projects: list[Project] | None) -> dict[str, Any]:
    """Values with blank project counts taken from the list (explicit counts win)."""
    if not projects:
        return values
    merged = dict(values)
    for code, n in derived_counts(fw, projects).items():
        if merged.get(code) is None:
            merged[code] = n
    return merged

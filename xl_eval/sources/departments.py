"""A table of departments (one row each) turned into typed, scored rows.

Shared by `score` and `fill`: columns are matched to inputs by code or label,
each row is parsed on its own so one bad row never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.engine.score import Evaluation
from xl_eval.framework.model import Framework
from xl_eval.engine.inputs import ColumnMap, InputProblem, map_columns, parse_inputs
from xl_eval.sources.projects import ProjectList, with_project_counts
from xl_eval.sources.tables import Table, not_a_record, read_table
from xl_eval.core.values import normalise_label

NAME_CODE = "unit_name"


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None      # header as written in the file
    raw: Any
    message: str
    code: str | None = None         # catalogue code (check/findings.py)
    severity: str = "error"
    input: str | None = None        # the input code it is about


MISSING_TEXT = "为必填项，不能为空"
UNREADABLE = ("XE202", "XE203", "XE204", "XE205", "XE206", "XE207")


@dataclass
class DepartmentRow:
    row: int
    name: str | None
    values: dict[str, Any]
    problems: list[InputProblem]          # cells that cannot be read (and blanks, until scored)
    evaluation: Evaluation | None = None
    issues: list = field(default_factory=list)   # validity.Issue: the rules' verdict (set by score_rows)
    projects: list | None = None                 # its rows of the project list (apply_projects)

    @property
    def errors(self) -> list:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list:
        return [i for i in self.issues if not i.is_error]


@dataclass
class DepartmentTable:
    table: Table
    columns: ColumnMap
    rows: list[DepartmentRow]
    skipped: list[tuple[int, str]] = field(default_factory=list)   # (row number, Chinese reason)

    def column_of(self, code: str) -> str | None:
        return next((col for col, c in self.columns.codes.items() if c == code), None)

    def problems(self, fw: Framework, row: DepartmentRow) -> list[RowProblem]:
        """Every problem of a row, located: unreadable cells, then the rules' errors and warnings."""
        from xl_eval.engine.validity import table_issue
        out = [RowProblem(row.row, self.column_of(p.code) or fw.inputs[p.code].label, p.raw, p.detail(),
                          table_issue(fw, p).code, "error", p.code)
               for p in row.problems if not p.missing]
        for issue in row.issues:
            if issue.code in UNREADABLE:
                continue                       # already listed from row.problems
            column = self.column_of(issue.input) or fw.inputs[issue.input].label if issue.input else None
            text = MISSING_TEXT if issue.code == "XE201" else issue.message()
            out.append(RowProblem(row.row, column, None, text, issue.code, issue.severity, issue.input))
        return out


def read_departments(fw: Framework, path: str | Path, *, sheet: str | None = None,
                     header_row: int | None = None) -> DepartmentTable:
    """Read and parse every row; raises tables.TableError if the file is unusable
    (also when it has no 单位名称 column: the message says where the header seems to be)."""
    table = read_table(path, sheet=sheet, header_row=header_row)
    columns = map_columns(fw, table.columns)
    require_name_column(fw, table, columns)
    rows, skipped = [], []
    for r in table.rows:
        raw = columns.raw(r.values)
        why = not_a_unit(raw)
        if why:
            skipped.append((r.number, why))
            continue
        values, problems = parse_inputs(fw, raw)
        rows.append(DepartmentRow(r.number, values.get(NAME_CODE), values, problems))
    return DepartmentTable(table, columns, rows, skipped)


def not_a_unit(raw: dict[str, Any]) -> str | None:
    """Why a table row is not a unit (a 合计 row, a 制表人/注 line), else None."""
    return not_a_record(raw.get(NAME_CODE), [v for code, v in raw.items() if code != NAME_CODE])


def require_name_column(fw: Framework, table: Table, columns: ColumnMap) -> None:
    """Raise TableError when no column is the 单位名称, with advice where it seems to be."""
    from xl_eval.sources.tables import TableError, header_hint
    if NAME_CODE in columns.codes.values():
        return
    label = fw.inputs[NAME_CODE].label
    hint = header_hint(table, lambda text: fw.input_code(text) == NAME_CODE)
    shown = "、".join(table.columns[:8]) + ("……" if len(table.columns) > 8 else "")
    where = f"第 {table.header_row} 行的表头" if table.header_row != 1 else "表头"
    close = next((col for col, lab in columns.suggestions.items() if lab == label), None)
    if close is not None and not hint:
        hint = f"列“{close}”是否应为“{label}”？"
    raise TableError(table.path, f"缺少“{label}”列（{where}：{shown or '无'}）" + (f"；{hint}" if hint else ""))


def apply_projects(fw: Framework, dept: DepartmentTable, projects: ProjectList) -> None:
    """Fill blank project counts from each department's project list; a count
    that the list supplies is no longer a missing input."""
    by_unit = {normalise_label(unit): listed for unit, listed in projects.by_unit.items()}
    for row in dept.rows:
        listed = by_unit.get(normalise_label(row.name or ""))
        row.projects = listed
        row.values = with_project_counts(fw, row.values, listed)
        row.problems = [p for p in row.problems if not (p.missing and row.values.get(p.code) is not None)]


def score_rows(fw: Framework, dept: DepartmentTable, absent: frozenset[str] = frozenset()) -> None:
    """Score every row and judge it by the one set of rules (engine/validity.py).

    A cell that cannot be read leaves the row unscored (fill does not write
    such a row either).  Otherwise the row is scored as its workbook would
    be: a blank that cannot change the result (under a one-vote veto, the
    涉密 exemption) is no problem; a blank that is needed, an impossible pair
    or a value in no band is an error and the scores it touches stay blank.
    *absent*: inputs with no column in the table (reported once by the caller).
    """
    from xl_eval.engine.validity import assess, project_issues, table_issue
    for row in dept.rows:
        bad = [p for p in row.problems if not p.missing]
        tainted = {p.code for p in bad}
        verdict = assess(fw, row.values, tainted=tainted, absent=absent)
        row.issues = [table_issue(fw, p) for p in bad] + verdict.issues + project_issues(fw, row.values, row.projects)
        row.evaluation = None if bad else verdict.evaluation

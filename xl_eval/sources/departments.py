"""A table of departments (one row each) turned into typed, scored rows.

Shared by `score` and `fill`: columns are matched to inputs by code or label,
each row is parsed on its own so one bad row never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_eval.engine.score import Evaluation, evaluate
from xl_eval.framework.model import Framework
from xl_eval.engine.inputs import ColumnMap, InputProblem, map_columns, parse_inputs
from xl_eval.sources.projects import ProjectList, with_project_counts
from xl_eval.sources.tables import Table, read_table
from xl_eval.core.values import normalise_label

NAME_CODE = "unit_name"


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str | None      # header as written in the file
    raw: Any
    message: str


@dataclass
class DepartmentRow:
    row: int
    name: str | None
    values: dict[str, Any]
    problems: list[InputProblem]
    evaluation: Evaluation | None = None


@dataclass
class DepartmentTable:
    table: Table
    columns: ColumnMap
    rows: list[DepartmentRow]

    def column_of(self, code: str) -> str | None:
        return next((col for col, c in self.columns.codes.items() if c == code), None)

    def problems(self, fw: Framework, row: DepartmentRow) -> list[RowProblem]:
        return [RowProblem(row.row, self.column_of(p.code) or fw.inputs[p.code].label, p.raw, p.detail())
                for p in row.problems]


def read_departments(fw: Framework, path: str | Path) -> DepartmentTable:
    """Read and parse every row; raises tables.TableError if the file is unusable."""
    table = read_table(path)
    columns = map_columns(fw, table.columns)
    rows = []
    for r in table.rows:
        raw = {code: r.values.get(col) for col, code in columns.codes.items()}
        values, problems = parse_inputs(fw, raw)
        rows.append(DepartmentRow(r.number, values.get(NAME_CODE), values, problems))
    return DepartmentTable(table, columns, rows)


def apply_projects(fw: Framework, dept: DepartmentTable, projects: ProjectList) -> None:
    """Fill blank project counts from each department's project list; a count
    that the list supplies is no longer a missing input."""
    by_unit = {normalise_label(unit): listed for unit, listed in projects.by_unit.items()}
    for row in dept.rows:
        listed = by_unit.get(normalise_label(row.name or ""))
        row.values = with_project_counts(fw, row.values, listed)
        row.problems = [p for p in row.problems if not (p.missing and row.values.get(p.code) is not None)]


def score_rows(fw: Framework, dept: DepartmentTable) -> None:
    """Evaluate every row that has no input problem."""
    for row in dept.rows:
        if not row.problems:
            row.evaluation = evaluate(fw, row.values)

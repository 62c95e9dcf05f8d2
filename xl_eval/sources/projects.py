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
    from xl_eval.sources.tables import TableError, read_table
    table = read_table(path)
    cols = {col: _ALIASES.get(normalise_label(col)) for col in table.columns}
    for need in ("unit", "name"):
        if need not in cols.values():
            raise TableError(path, f"缺少“{COLUMNS[need][0]}”列（现有列：{'、'.join(table.columns)}）")
    header = {key: col for col, key in cols.items() if key}
    out: dict[str, list[Project]] = {}
    problems: list[ProjectProblem] = []
    for r in table.rows:
        raw = {key: r.values.get(col) for key, col in header.items()}
        unit = str(raw.get("unit") or "").strip()
        name = str(raw.get("name") or "").strip()
        if not unit or not name:
            problems.append(ProjectProblem(r.number, header["unit" if not unit else "name"], None,
                                           "单位名称和项目名称不能为空"))
            continue
        amounts, bad = {}, False
        for key in ("budget", "final"):
            try:
                amounts[key] = parse_number(raw.get(key), kind="amount")
            except ValueProblem as exc:
                problems.append(ProjectProblem(r.number, header[key], raw.get(key), f"“{header[key]}”{exc.reason}"))
                bad = True
        done = _yes_no(raw.get("done"))
        if done is False:
            problems.append(ProjectProblem(r.number, header["done"], raw.get("done"), "“是否完成”应填“是”或“否”"))
            bad = True
        if not bad:
            out.setdefault(unit, []).append(Project(r.number, name, amounts.get("budget"), amounts.get("final"), done))
    unknown = tuple(col for col, key in cols.items() if key is None)
    return ProjectList(out, problems, unknown)


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

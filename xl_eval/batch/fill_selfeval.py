"""`xl-eval fill --indicators`: one 项目支出绩效自评表 per project (or per unit).

Flow: read the two long tables (sources/selfeval.py), place each project's
indicator rows into the 二级 groups of the form (as many rows as needed plus
one spare per group), write the workbook (forms/selfeval/template.py) with
atomic writes, never over an existing file without ``overwrite``.

Decisions (README 自评 section, `xl-eval fill --help`):

* An indicator row is placed by its 一级 and 二级 names, compared without
  spaces, width and a trailing “指标” (“产出” = “产出指标”).  A row whose
  names are not in the framework is reported and left out; the project is
  still written.
* Values are written as read: numbers as numbers (percent rows as fractions
  shown with %), 定性 targets as text.  A value that could not be read is
  written as the text the table had, so the unit sees it, and reported; the
  row's 得分 stays blank until it is corrected.
* ``per="unit"``: one workbook per 实施单位 (blank: 主管部门), one sheet per
  project, sheet names from 项目名称 (trimmed to Excel's 31 characters,
  made unique).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.core.values import normalise_label
from xl_eval.forms.selfeval import layout as L
from xl_eval.sources.selfeval import QUAL, Indicator, Problem, Project

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


_NOTE = re.compile(r"[(（][^)）]*[)）]")


def _key(name: str) -> str:
    """'产出指标（50分）' -> '产出': names compared without a bracketed note, spaces, width or a trailing 指标."""
    k = normalise_label(_NOTE.sub("", name) or name)
    return k[:-2] if k.endswith("指标") and len(k) > 2 else k


@dataclass
class Placed:
    """A project's rows placed in the form: sizes and (GridRow, Indicator) pairs."""
    sizes: tuple[tuple[int, ...], ...]
    rows: list[tuple[L.GridRow, Indicator]]
    problems: list[Problem] = field(default_factory=list)


def place(spec: L.Spec, project: Project, file: str, spare: int = 1) -> Placed:
    blocks = {_key(b.name): b for b in spec.blocks}
    buckets: dict[tuple[str, str], list[Indicator]] = {}
    problems: list[Problem] = []
    by_group: dict[str, list[tuple[L.Block, L.Group]]] = {}
    for b in spec.blocks:
        for g in b.groups:
            by_group.setdefault(_key(g.name), []).append((b, g))
    for ind in project.indicators:
        block = blocks.get(_key(ind.level1))
        group = None
        if block is not None:
            group = next((g for g in block.groups if _key(g.name) == _key(ind.level2)), None)
            if group is None and len(block.groups) == 1:
                group = block.groups[0]
        if group is None:
            # a 二级 name (or a 一级 name that is a 二级 here, e.g. 成本指标) found in one place only
            hits = by_group.get(_key(ind.level2)) or by_group.get(_key(ind.level1)) or []
            if len(hits) == 1:
                block, group = hits[0]
                problems.append(Problem(file, ind.row, "一级指标", ind.level1,
                                        f"指标“{ind.name}”的“{ind.level1}/{ind.level2}”按本框架填入"
                                        f"“{block.name}/{group.name}”", severity="warning"))
        if block is None or group is None:
            names = "；".join(f"{b.name}：{'、'.join(g.name for g in b.groups)}" for b in spec.blocks)
            problems.append(Problem(file, ind.row, "二级指标" if block else "一级指标",
                                    ind.level2 if block else ind.level1,
                                    f"指标“{ind.name}”的一级/二级指标“{ind.level1}/{ind.level2}”不在自评表中"
                                    f"（可用：{names}），本行未填入"))
            continue
        buckets.setdefault((block.code, group.name), []).append(ind)
    counts = {k: len(v) for k, v in buckets.items()}
    sizes = L.sizes_for(spec, counts, spare)
    for block, block_sizes in zip(spec.blocks, sizes):
        if sum(block_sizes) > block.max_rows:
            # keep the spares out first, then report what does not fit
            sizes = tuple(tuple(max(1, counts.get((b.code, g.name), 0)) for g in b.groups)
                          if b is block else s for b, s in zip(spec.blocks, sizes))
    lay = L.layout(spec, sizes)
    pairs = []
    for (bcode, gname), inds in buckets.items():
        span = next(g for g in lay.groups if g.block == bcode and g.name == gname)
        grid = [r for r in lay.rows if span.first <= r.row <= span.last]
        for r, ind in zip(grid, inds):
            pairs.append((r, ind))
        for ind in inds[len(grid):]:
            problems.append(Problem(file, ind.row, "三级指标", ind.name,
                                    f"“{gname}”的指标行超过自评表可容纳的行数，本行未填入"))
    pairs.sort(key=lambda p: p[0].row)
    return Placed(sizes, pairs, problems)


def block_weights(spec: L.Spec, project: Project, placed: Placed, file: str) -> tuple[dict[str, float], list[Problem]]:
    """Weights of the adjustable 一级 blocks for one project, and what was decided.

    The project table's weight columns (“产出指标权重” …) come first.  Without
    them, when the indicator rows' 分值 add up per block to something other
    than the framework's weights and those sums are an allowed adjustment
    (each within its bounds, all adding up to the total), the sums are the
    weights: that is how a unit that moved its weights exports its rows.
    Otherwise the framework's weights stay (check reports rows that do not add up)."""
    moved = [b for b in spec.blocks if b.adjustable]
    if not moved:
        return {}, []
    problems: list[Problem] = []
    by_key = {_key(b.name): b for b in spec.blocks}
    given: dict[str, float] = {}
    for stem, w in project.weights.items():
        b = by_key.get(_key(stem))
        if b is None:
            continue
        if not b.adjustable:
            if abs(w - b.allotment) > 1e-9:
                problems.append(Problem(file, project.row, f"{stem}权重", w,
                                        f"“{b.name}”的权重在本框架中固定为 {b.allotment:g}，不能调整为 {w:g}"))
            continue
        given[b.code] = w
    if given:
        return given, problems
    sums: dict[str, float] = {}
    for grid, ind in placed.rows:
        if ind.points is None:
            return {}, problems
        sums[grid.block] = sums.get(grid.block, 0.0) + ind.points
    weights = {b.code: round(sums.get(b.code, 0.0), 9) for b in spec.blocks}
    if all(abs(weights[b.code] - b.allotment) < 1e-9 for b in spec.blocks) or not sums:
        return {}, problems
    fixed_ok = all(abs(weights[b.code] - b.allotment) < 1e-9 for b in spec.blocks if not b.adjustable)
    total = spec.scoring.exec_points + sum(weights.values())
    if fixed_ok and all(b.allows(weights[b.code]) for b in moved) and abs(total - spec.total_weight) < 1e-9:
        chosen = {b.code: weights[b.code] for b in moved}
        text = "、".join(f"{b.name} {chosen[b.code]:g}" for b in moved if abs(chosen[b.code] - b.allotment) > 1e-9)
        problems.append(Problem(file, None, None, project.name,
                                f"项目“{project.name}”的指标分值按调整后的一级指标分值填入：{text}"
                                "（各指标分值之和，在框架允许的调整范围内）", severity="warning"))
        return chosen, problems
    return {}, problems


def sheet_values(lay: L.Layout, project: Project, placed: Placed,
                 weights: dict[str, float] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """(cell -> value, cell -> number format) for one project's sheet."""
    values: dict[str, Any] = {}
    formats: dict[str, str] = {}
    for b in lay.spec.blocks:
        if b.adjustable:
            values[lay.weight_cell(b.code)] = (weights or {}).get(b.code, b.allotment)
    h = L.HEADER_CELLS
    for key in ("name", "code", "department", "unit", "goal_expected", "goal_actual"):
        text = getattr(project, key)
        if text:
            values[h[key]] = text
    if project.year is not None:
        values[h["year"]] = project.year
    if project.exec_reason:
        values[lay.exec_reason_cell] = project.exec_reason
    for source in L.SOURCES:
        for stage in L.STAGE_COLS:
            v = project.money.get(f"{source}_{stage}")
            if v is not None:
                values[lay.money_cell(source, stage)] = v
    for grid, ind in placed.rows:
        row = grid.row
        values[L.a1(L.COL_NAME, row)] = ind.name
        if ind.nature:
            values[L.a1(L.COL_NATURE, row)] = ind.nature
        pct = ind.unit in ("%", "％")
        if ind.target is not None:
            values[L.a1(L.COL_TARGET, row)] = ind.target
            if pct:
                formats[L.a1(L.COL_TARGET, row)] = percent_format(ind.target)
        elif ind.target_text:
            values[L.a1(L.COL_TARGET, row)] = ind.target_text
        if ind.unit:
            values[L.a1(L.COL_UNIT, row)] = ind.unit
        if isinstance(ind.actual, (int, float)):
            values[L.a1(L.COL_ACTUAL, row)] = ind.actual
            if pct:
                formats[L.a1(L.COL_ACTUAL, row)] = percent_format(ind.actual)
        elif isinstance(ind.actual, str):
            values[L.a1(L.COL_ACTUAL, row)] = ind.actual
        if ind.share is not None:
            values[L.a1(L.COL_SHARE, row)] = ind.share
        if ind.points is not None:
            values[L.a1(L.COL_POINTS, row)] = ind.points
        if ind.reason:
            values[L.a1(L.COL_REASON, row)] = ind.reason
        if ind.evidence:
            values[L.a1(L.COL_EVIDENCE, row)] = ind.evidence
    return values, formats


def given_scores_differ(lay: L.Layout, placed: Placed, expected: dict, file: str) -> list[Problem]:
    """The table's own 得分 against the score the rules give (the form computes its own; this says
    where the unit's table disagrees, e.g. points taken off an indicator that met its target)."""
    out = []
    for grid, ind in placed.rows:
        got = expected.get(L.a1(L.COL_SCORE, grid.row))
        if ind.given_score is None or not isinstance(got, float) or ind.nature == QUAL:
            continue
        if abs(ind.given_score - got) > 0.005:
            out.append(Problem(file, ind.row, "得分", ind.given_score,
                               f"指标“{ind.name}”表中得分 {ind.given_score:g}，按年度指标值和实际完成值计算应为 {got:g}"
                               "（自评表按计算值；请核对）", severity="warning"))
    return out


def percent_format(x: float) -> str:
    """'95%' for whole percents, '93.5%' / '0.25%' otherwise (no dangling point)."""
    hundred = round(x * 100, 6)
    if hundred.is_integer():
        return "0%"
    return "0.0%" if round(hundred * 10, 6).is_integer() else "0.00%"


def sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name).strip("'") or "项目"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in used or candidate in (L.META_SHEET, "填表说明"):
        suffix = f"_{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


# ------------------------------------------------------------------ the run

WRITTEN, FAILED, EXISTS = "written", "failed", "exists"


@dataclass
class Result:
    """One workbook (a project, or a unit's projects with --per unit)."""
    key: str                          # 项目名称, or the unit's name
    file_name: str
    status: str
    projects: list[dict] = field(default_factory=list)   # 项目名称, sheet, row, total, grade
    messages: list[Problem] = field(default_factory=list)


def _groups(projects: list[Project], per: str) -> list[tuple[str, list[Project]]]:
    if per == "project":
        return [(p.name, [p]) for p in projects]
    out: dict[str, list[Project]] = {}
    for p in projects:
        out.setdefault(p.unit or p.department or "未填实施单位", []).append(p)
    return list(out.items())


def run(spec: L.Spec, score_sheet, batch, indicators_file: str, outdir: Path, *, per: str = "project",
        overwrite: bool = False, run_id: str = "x", progress=None) -> list[Result]:
    """Write the workbooks; one bad project never stops the others.

    `score_sheet(lay, values)` is the engine's verdict for one sheet
    ({"total": …, "grade": …}); it feeds the run summary only."""
    from xl_eval.core.outfiles import FileExists, NameAllocator, atomic_write
    from xl_eval.forms.selfeval import template as T
    names = NameAllocator(".xlsx")
    results = []
    for key, projects in _groups(batch.projects, per):
        file_name = names.allocate(key)
        res = Result(key, file_name, WRITTEN)
        sheets, used = [], set()
        for p in projects:
            placed = place(spec, p, indicators_file)
            res.messages += placed.problems
            lay = L.layout(spec, placed.sizes)
            weights, notes = block_weights(spec, p, placed, indicators_file)
            res.messages += notes
            values, formats = sheet_values(lay, p, placed, weights)
            sheet = sheet_name(p.name, used) if per == "unit" else T.TEMPLATE_SHEET
            sheets.append((sheet, lay, values, formats))
            verdict = score_sheet(lay, values)
            res.messages += given_scores_differ(lay, placed, verdict.pop("_expected", {}), indicators_file)
            res.projects.append({"项目名称": p.name, "sheet": sheet, "row": p.row, **verdict})
        try:
            data = T.workbook_bytes(T.build_workbook(spec, sheets))
            atomic_write(outdir / file_name, data, overwrite=overwrite, run_id=run_id)
        except FileExists:
            res.status = EXISTS
            res.messages.append(Problem(str(outdir / file_name), None, None, None,
                                        "文件已存在，未覆盖（要覆盖请加 --force）"))
        except OSError as exc:
            res.status = FAILED
            res.messages.append(Problem(str(outdir / file_name), None, None, None,
                                        f"无法写入（{exc.strerror or exc}）"))
        results.append(res)
        if progress:
            progress(res)
    return results

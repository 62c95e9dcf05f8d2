"""`xl-eval collect` for 项目支出绩效自评表 workbooks (no click here).

Every project sheet is re-scored with the engine from its own inputs (cached
values and typed-over scores are not trusted) and checked (check/selfeval.py).
The summary workbook has:

    项目汇总   one row per project: 主管部门, 实施单位, 项目, 全年预算数,
               全年执行数, 执行率, the 一级 scores, 总分, 等级, the number and
               the codes of the check findings; sorted by 总分, filterable
    单位汇总   one row per 实施单位: projects, 执行率 over all its money, mean /
               highest / lowest score, projects at 100, and “全部100分”
               when every project of the unit is self-scored 100
    分数分布   grade counts and score bins with two column charts
    未能汇总   files that could not be read, and why (only when there are any)

The CSV holds the 项目汇总 rows (UTF-8 with BOM; text starting with = + - @
gets a leading apostrophe so no spreadsheet runs it as a formula).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.core.xlround import xl_round
from xl_eval.forms.selfeval import layout as L

PROJECTS_SHEET, UNITS_SHEET, DIST_SHEET, FAILED_SHEET = "项目汇总", "单位汇总", "分数分布", "未能汇总"
UNFINISHED = "未完成"
ALL_FULL = 100.0


@dataclass
class ProjectRow:
    shown: str
    sheet: str
    name: str
    code: str
    department: str
    unit: str
    budget: float | None
    executed: float | None
    rate: float | None
    scores: dict[str, float | None]          # exec leaf and blocks
    total: float | None
    grade: str | None
    codes: list[str] = field(default_factory=list)

    @property
    def findings(self) -> int:
        return len(self.codes)


def read_workbook(path: Path, shown: str, fw=None) -> tuple[list[ProjectRow], str | None, Any]:
    """(project rows, why it failed, framework) for one 自评表 workbook."""
    from xl_eval.check import selfeval as C
    from xl_eval.forms.selfeval.bind import spec_of
    from xl_eval.xlsx.reader import WorkbookError, open_workbook
    result = C.check_file(path, fw)
    fatal = [f for f in result.findings if f.severity == "fatal"]
    if fatal:
        return [], fatal[0].message, fw
    by_sheet: dict[str, list[str]] = {}
    for f in result.findings:
        by_sheet.setdefault(f.sheet, []).append(f.code)
    try:
        with open_workbook(path) as wb:
            meta = C.read_meta(wb)
            fw = fw or C.shipped_framework(meta.get("framework_id", ""))
            spec = spec_of(fw)
            rows = []
            for sheet, lay, data, ev, _ in C.project_sheets(wb, fw, meta):
                cells = {ref: c.value for ref, c in data.cells.items()}
                h = L.HEADER_CELLS
                money = {st: _sum([cells.get(lay.money_cell(s, st)) for s in L.SOURCES]) for st in ("full", "executed")}
                scores = {spec.exec_leaf: ev.leaves[spec.exec_leaf].score}
                scores.update({b.code: ev.leaves[b.code].score for b in spec.blocks})
                rows.append(ProjectRow(shown, sheet, data.text(h["name"]) or sheet, data.text(h["code"]),
                                       data.text(h["department"]), data.text(h["unit"]), money["full"],
                                       money["executed"], ev.rates.get(_rate_code(fw, spec)), scores, ev.total,
                                       ev.grade, sorted(by_sheet.get(sheet, []))))
    except WorkbookError as exc:
        return [], str(exc), fw
    return rows, None, fw


def _read_one(path: Path, shown: str, fw):
    """(shown, rows or None when it is not a 自评表, why it failed, framework used)."""
    from xl_eval.check.selfeval import is_selfeval
    if not is_selfeval(path):
        return shown, None, None, None
    got, why, used = read_workbook(path, shown, fw)
    return shown, got, why, used


_WORKER: dict = {}


def _worker_init(fw) -> None:
    _WORKER["fw"] = fw


def _worker_read(item):
    shown, got, why, used = _read_one(*item, _WORKER["fw"])
    # the framework is the one given to the worker: not sent back with every file
    return shown, got, why, None if used is None else used.id


def read_all(paths: list[tuple[Path, str]], fw, jobs: int = 1):
    """``(shown, rows or None, why, framework)`` for each path, in the order given,
    whatever the number of jobs.  Without a framework the first workbook read
    decides it (as one job does): files up to that one are read here, the rest
    by the workers with it."""
    items = list(paths)
    i = 0
    while i < len(items) and (fw is None or jobs <= 1 or len(items) - i < 2):
        out = _read_one(*items[i], fw)
        if fw is None and out[1] is not None and not out[2]:
            fw = out[3]
        yield out
        i += 1
    if i >= len(items):
        return
    import multiprocessing
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    rest = items[i:]
    chunk = max(1, min(16, len(rest) // (jobs * 8)))
    with ctx.Pool(min(jobs, len(rest)), initializer=_worker_init, initargs=(fw,)) as pool:
        for shown, got, why, used_id in pool.imap(_worker_read, rest, chunksize=chunk):
            yield shown, got, why, (fw if used_id == fw.id else _Named(used_id)) if used_id else None


@dataclass(frozen=True)
class _Named:
    """A framework known only by its id (a worker's answer that differs from the run's)."""
    id: str


def _rate_code(fw, spec: L.Spec) -> str:
    return fw.leaf(spec.exec_leaf).parts[0].rule.value.single_name


def _sum(values) -> float | None:
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return sum(nums) if nums else None


def sort_key(p: ProjectRow):
    return (p.total is None, -(p.total or 0), p.unit, p.name)


def project_columns(fw, spec: L.Spec) -> list[str]:
    leaf_names = [fw.leaf(spec.exec_leaf).name] + [b.name for b in spec.blocks]
    return (["序号", "主管部门", "实施单位", "项目名称", "项目编码", "全年预算数（万元）", "全年执行数（万元）", "执行率"]
            + [f"{n}得分" for n in leaf_names] + ["总分", "等级", "问题数", "问题代码", "文件", "工作表"])


def project_rows(spec: L.Spec, rows: list[ProjectRow]) -> list[list[Any]]:
    out = []
    codes = [spec.exec_leaf] + [b.code for b in spec.blocks]
    for i, p in enumerate(rows, 1):
        out.append([i, p.department, p.unit, p.name, p.code, p.budget, p.executed, p.rate]
                   + [p.scores.get(c) for c in codes]
                   + [p.total, p.grade or (UNFINISHED if p.total is None else ""), p.findings,
                      " ".join(sorted(set(p.codes))), p.shown, p.sheet])
    return out


def unit_rows(rows: list[ProjectRow]) -> list[list[Any]]:
    units: dict[str, list[ProjectRow]] = {}
    for p in rows:
        units.setdefault(p.unit or p.department or "（未填实施单位）", []).append(p)
    out = []
    for unit, ps in sorted(units.items()):
        done = [p.total for p in ps if p.total is not None]
        budget = _sum([p.budget for p in ps])
        executed = _sum([p.executed for p in ps])
        rate = xl_round(executed / budget, 4) if budget and executed is not None else None
        full = sum(t >= ALL_FULL for t in done)
        all_full = "是" if done and len(done) == len(ps) and full == len(ps) else ""
        out.append([unit, len(ps), budget, executed, rate, xl_round(sum(done) / len(done), 2) if done else None,
                    max(done) if done else None, min(done) if done else None, len(ps) - len(done), full, all_full,
                    sum(p.findings for p in ps)])
    return out


UNIT_COLUMNS = ["实施单位", "项目数", "全年预算数（万元）", "全年执行数（万元）", "执行率", "平均分", "最高分", "最低分",
                "未完成", "100分项目数", "全部100分", "问题数"]


def bins(spec: L.Spec) -> list[tuple[str, float, float]]:
    """Score bins: below the lowest grade bound, then by 10 up to 100."""
    return [("<60", float("-inf"), 60), ("60–70", 60, 70), ("70–80", 70, 80), ("80–90", 80, 90),
            ("90–100", 90, 100), ("100", 100, float("inf"))]


def build_summary(fw, spec: L.Spec, rows: list[ProjectRow], failed: list[tuple[str, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from xl_eval.batch.collect import _axes, _set

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9E1F2")
    wb = Workbook()
    ws = wb.active
    ws.title = PROJECTS_SHEET

    def table(ws, header, body, pct_cols=(), num_cols=(), widths=None):
        ws.append(header)
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r in body:
            ws.append([None] * len(r))
            i = ws.max_row
            for j, v in enumerate(r, 1):
                _set(ws.cell(i, j), v)
                if j in pct_cols and v is not None:
                    ws.cell(i, j).number_format = "0.00%"
                elif j in num_cols and v is not None:
                    ws.cell(i, j).number_format = "0.00"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(ws.max_row, 2)}"
        ws.freeze_panes = "B2"
        ws.row_dimensions[1].height = 30
        for j, w in enumerate(widths or [], 1):
            ws.column_dimensions[get_column_letter(j)].width = w
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"

    header = project_columns(fw, spec)
    nblocks = len(spec.blocks) + 1
    table(ws, header, project_rows(spec, rows), pct_cols={8},
          num_cols=set(range(6, 8)) | set(range(9, 9 + nblocks + 1)),
          widths=[6, 16, 18, 26, 14, 11, 11, 9] + [10] * (nblocks + 1) + [6, 7, 24, 30, 16])
    us = wb.create_sheet(UNITS_SHEET)
    table(us, UNIT_COLUMNS, unit_rows(rows), pct_cols={5}, num_cols={3, 4, 6, 7, 8},
          widths=[22, 7, 12, 12, 9, 9, 9, 9, 7, 9, 9, 7])

    ds = wb.create_sheet(DIST_SHEET)
    ds.append(["等级", "项目数", "占比"])
    done = [p for p in rows if p.total is not None]
    for _, name in spec.scoring.grades:
        n = sum(p.grade == name for p in done)
        ds.append([name, n, n / len(done) if done else None])
    grade_end = ds.max_row
    ds.append([UNFINISHED, len(rows) - len(done), None])
    for r in range(2, ds.max_row + 1):
        ds.cell(r, 3).number_format = "0.00%"
    for c in ds[1]:
        c.font, c.fill = bold, fill
    head = ds.max_row + 2
    ds.cell(head, 1, "分数段").font = bold
    ds.cell(head, 2, "项目数").font = bold
    for i, (label, lo, hi) in enumerate(bins(spec), 1):
        ds.cell(head + i, 1, label)
        ds.cell(head + i, 2, sum(lo <= p.total < hi for p in done))
    end = head + len(bins(spec))
    for title, col, r0, r1, anchor in (("总分分布", 2, head, end, f"D{1}"), ("等级分布", 2, 1, grade_end, f"D{18}")):
        ch = BarChart()
        ch.type = "col"
        ch.title = title
        ch.y_axis.title = "项目数"
        ch.add_data(Reference(ds, min_col=col, min_row=r0, max_row=r1), titles_from_data=True)
        ch.set_categories(Reference(ds, min_col=1, min_row=r0 + 1, max_row=r1))
        _axes(ch)
        ds.add_chart(ch, anchor)
    ds.column_dimensions["A"].width = 12
    if failed:
        fs = wb.create_sheet(FAILED_SHEET)
        fs.append(["文件", "原因"])
        for shown, why in failed:
            fs.append([None, None])
            _set(fs.cell(fs.max_row, 1), shown)
            _set(fs.cell(fs.max_row, 2), why)
        fs.column_dimensions["A"].width = 50
        fs.column_dimensions["B"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_csv(fw, spec: L.Spec, rows: list[ProjectRow]) -> bytes:
    from xl_eval.batch.collect import neutralise
    from xl_eval.core.xlround import fixed
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(project_columns(fw, spec))
    for r in project_rows(spec, rows):
        w.writerow(["" if v is None else fixed(v, 4 if j == 7 else 2) if isinstance(v, float) else neutralise(v)
                    for j, v in enumerate(r)])
    return buf.getvalue().encode("utf-8-sig")

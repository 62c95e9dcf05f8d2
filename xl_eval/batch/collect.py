"""`xl-eval collect`: read returned workbooks, recompute, write one summary.

Each workbook's inputs are read through the defined names (the template's
stable interface; positions may move between template versions) with the
guarded reader of workbook_reader.py, and the scores are recomputed by the
engine.  Cached values and the score formulas in the file are not trusted:
an evaluator may have typed over a formula, or the file may never have been
recalculated.  Counts the workbook derives from its 项目明细 sheet are
derived the same way here (COUNTA of the names, COUNTIF of 是).

The summary workbook (openpyxl) has
  汇总      one row per department: level-1 subtotals (a one-level tree: the
            indicators' scores), total, grade, number
            of check findings, status, file; sorted by total (highest first,
            unfinished last), with an autofilter and frozen header;
  等级分布  the grade counts and a score histogram, each with a native bar
            chart;
  未能汇总  (only if any) the files that could not be read, and why.
Text written to cells is always stored as text (a 单位名称 starting with "="
never becomes a formula); text written to CSV is neutralised against formula
injection (``neutralise``).
"""

from __future__ import annotations

import contextlib

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.engine.score import Evaluation
from xl_eval.engine.validity import assess, read_cell
from xl_eval.framework.model import YES, Framework
from xl_eval.xlsx.reader import parse_area

SUMMARY_SHEET, DIST_SHEET, FAILED_SHEET = "汇总", "等级分布", "未能汇总"
PROJECT_NAME_RANGE, PROJECT_DONE_RANGE = "projects_name", "projects_done"
IDENTITY = ("xe_framework_id", "xe_framework_version", "xe_framework_hash")
INJECTION_START = ("=", "+", "-", "@", "\t", "\r")
UNFINISHED = "未完成"
CHECK_FAILED = "校验有错误"


class CollectError(Exception):
    """This file cannot be collected; the message says why (Chinese)."""


@dataclass
class Department:
    path: Path
    shown: str                          # the path as shown to the user
    name: str | None
    evaluation: Evaluation
    problems: list[str] = field(default_factory=list)   # unreadable input values
    missing: list[str] = field(default_factory=list)    # labels of blank inputs the score needs
    notes: list[str] = field(default_factory=list)      # e.g. framework version differs
    findings: int | None = None         # number of `xl-eval check` findings (None: not run)
    check_errors: list[str] = field(default_factory=list)   # check's errors beyond the inputs (XE3xx …)

    @property
    def complete(self) -> bool:
        return not self.problems and not self.check_errors and self.evaluation.total is not None

    @property
    def status(self) -> str:
        if self.problems:
            return "输入有误：" + "；".join(self.problems)
        if self.check_errors:
            more = f"等 {len(self.check_errors)} 个错误" if len(self.check_errors) > 3 else ""
            return f"{CHECK_FAILED}：" + "；".join(self.check_errors[:3]) + more + "（详见 xl-eval check）"
        if self.evaluation.total is None:
            labels = self.missing
            more = f"等 {len(labels)} 项" if len(labels) > 3 else ""
            return f"{UNFINISHED}：待填写 " + "、".join(labels[:3]) + more if labels else UNFINISHED
        return "完成"


# ------------------------------------------------------------------ finding files

def find_workbooks(args: list[str], exclude: list[Path]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]],
                                                                  list[str]]:
    """(path, shown) of every workbook to read, in a stable order; the
    arguments that cannot be read as (shown, reason); and the Excel lock files
    skipped (~$…, not a zip; a real workbook with such a name is read).
    Folders are searched recursively for *.xlsx / *.xlsm; the *exclude*
    paths (the output) are left out.  Nothing is skipped without a word."""
    from xl_eval.core.terminal import show_path
    seen: set[str] = set()
    out: list[tuple[Path, str]] = []
    bad: list[tuple[str, str]] = []
    locks: list[str] = []
    skip = {_key(p) for p in exclude}

    def add(p: Path, shown: str) -> None:
        k = _key(p)
        if k in seen or k in skip:
            return
        seen.add(k)
        if p.name.startswith("~$") and _is_lock_file(p):
            locks.append(shown)
            return
        out.append((p, shown))

    for arg in args:
        p = Path(arg)
        try:
            if p.is_dir():
                found = sorted((q for q in p.rglob("*") if q.suffix.lower() in (".xlsx", ".xlsm")
                                and not q.is_dir()), key=lambda q: str(q))
                for q in found:
                    add(q, show_path(q))
            elif os.path.lexists(p):
                add(p, show_path(arg))
            else:
                bad.append((show_path(arg), "文件或文件夹不存在"))
        except OSError as exc:
            bad.append((show_path(arg), f"无法读取（{exc.strerror or exc}）"))
    return out, bad, locks


def is_scoresheet(path: Path) -> bool:
    """Whether *path* is a workbook made from an xl-eval template (never to be
    replaced by a summary)."""
    from xl_eval.xlsx.reader import WorkbookError, open_workbook
    try:
        with open_workbook(path) as wb:
            return "xe_framework_id" in wb.names
    except (WorkbookError, OSError):
        return False


def _is_lock_file(p: Path) -> bool:
    """Excel's owner file: tiny and not a zip (a real workbook named ~$… is collected)."""
    try:
        with open(p, "rb") as fh:
            return not fh.read(4).startswith(b"PK")
    except OSError:
        return True


def _key(p: Path) -> str:
    try:
        return os.path.normcase(str(p.resolve()))
    except OSError:
        return os.path.normcase(str(p.absolute()))


# ------------------------------------------------------------------ reading

def read_department(fw: Framework, path: Path, shown: str) -> Department:
    """Inputs through the defined names, scores by the engine; raises CollectError."""
    from xl_eval.xlsx.reader import open_workbook
    with _as_collect_error():
        with open_workbook(path) as wb:
            return _read(fw, wb, path, shown)


@contextlib.contextmanager
def _as_collect_error():
    """What can go wrong reading one workbook, as a CollectError that names it: a
    reader bug must not stop the others (say so, go on)."""
    from xl_eval.check.findings import render
    from xl_eval.xlsx.reader import WorkbookError
    try:
        yield
    except WorkbookError as exc:
        raise CollectError(render(exc.code, **exc.fields)) from None
    except (CollectError, KeyboardInterrupt):
        raise
    except MemoryError:
        raise CollectError("读取时内存不足，已跳过（文件可能过大或被构造过）") from None
    except RecursionError:
        raise CollectError("文件内容嵌套过深，无法读取") from None
    except Exception as exc:
        raise CollectError(f"内部错误，未能读取（{type(exc).__name__}: {str(exc)[:200]}；请报告此问题）") from None


def read_and_check(fw: Framework, path: Path, shown: str) -> Department:
    """``read_department`` and ``check_summary`` of one workbook from one open and
    one parse of each sheet (the checks read a superset of the cells collect
    reads); the Department keeps only what the summary shows (no per-leaf
    results), so that a run over many files stays small.  Raises CollectError."""
    import dataclasses
    from xl_eval.check.findings import render
    from xl_eval.xlsx.reader import WorkbookError, open_workbook
    try:
        wb = open_workbook(path)
    except WorkbookError as exc:
        raise CollectError(render(exc.code, **exc.fields)) from None
    with wb:
        with _as_collect_error():
            _read_for_check(wb, fw)
            d = _read(fw, wb, path, shown)
        d.findings, d.check_errors = check_summary_opened(wb, path, fw)
    # a flat list (one level) keeps its indicators' results: they are the summary's columns
    leaves = {} if fw.subtotalled else d.evaluation.leaves
    d.evaluation = dataclasses.replace(d.evaluation, leaves=leaves, values={}, rates={}, nodes={}, weights={},
                                       level2={}, level1_rates={}, problems=())
    return d


def _read_for_check(wb, fw: Framework) -> None:
    """Read the cells the checks read (a superset of collect's), so that both are
    served by one parse of each sheet; a failure here is left to the reads that follow."""
    try:
        from xl_eval.check.workbook import Context, prepared
        Context(prepared(fw), wb, "zh").cells
    except Exception:
        pass


def check_summary_opened(wb, path: Path, fw: Framework) -> tuple[int | None, list[str]]:
    """check_summary on an open workbook (a checker failure gives (None, []))."""
    try:
        from xl_eval.check.workbook import check_opened
        result = check_opened(wb, path, fw)
    except Exception:      # a checker bug must not stop the summary
        return None, []
    return _summary_of(result)


def _named(exc: BaseException, shown: str) -> BaseException:
    """Name the workbook on an unexpected exception (cli.py prints it; see commands.common.doing)."""
    if not hasattr(exc, "xl_eval_doing"):
        try:
            exc.xl_eval_doing = ("汇总（读取工作簿）", shown)
        except AttributeError:
            pass
    return exc


_WORKER: dict = {}


def _worker_init(fw: Framework) -> None:
    _WORKER["fw"] = fw


def _worker_read(item: tuple[Path, str]):
    path, shown = item
    try:
        return shown, read_and_check(_WORKER["fw"], path, shown)
    except CollectError as exc:
        return shown, str(exc)
    except Exception as exc:
        raise _named(exc, shown)


def collect_all(fw: Framework, paths: list[tuple[Path, str]], jobs: int = 1):
    """(shown, Department or the CollectError text) for each path, in the order
    given, whatever the number of jobs."""
    if jobs <= 1 or len(paths) < 2:
        for path, shown in paths:
            try:
                d = read_and_check(fw, path, shown)
            except CollectError as exc:
                d = str(exc)
            except Exception as exc:
                raise _named(exc, shown)
            yield shown, d
        return
    import multiprocessing
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    chunk = max(1, min(16, len(paths) // (jobs * 8)))
    with ctx.Pool(min(jobs, len(paths)), initializer=_worker_init, initargs=(fw,)) as pool:
        yield from pool.imap(_worker_read, paths, chunksize=chunk)


def _read(fw: Framework, wb, path: Path, shown: str) -> Department:
    from xl_eval.xlsx.reader import Cell
    if "xe_framework_id" not in wb.names:
        raise CollectError("不是由 xl-eval 模板生成的工作簿（没有定义名称 xe_framework_id）")
    wanted: dict[str, set[str]] = {}
    areas = {}
    expected = _template_sizes(fw)
    for name in (*IDENTITY, *fw.inputs, PROJECT_NAME_RANGE, PROJECT_DONE_RANGE):
        area = wb.area(name)
        if area is None:
            if name in wb.names and parse_area(wb.names[name]) is not None:
                raise CollectError(wb.area_problem(name))      # an area too large to read
            continue
        if area.size > expected.get(name, 1):
            raise CollectError(f"定义名称 {name} 的区域 {wb.names[name][:80]} 有 {area.size} 个单元格，"
                               f"比模板中的 {expected.get(name, 1)} 个大；工作簿的定义名称被改动过")
        areas[name] = area
        wanted.setdefault(area.sheet, set()).update(area.cells())
    cells = wb.read(wanted)

    def first(name):
        a = areas.get(name)
        if a is None:
            return None
        return cells.get(a.sheet, {}).get(a.first)

    ident = {n: (first(n).value if first(n) is not None else wb.constant(n)) for n in IDENTITY}
    notes = []
    wid = ident["xe_framework_id"]
    if wid != fw.id:
        raise CollectError(f"工作簿由框架 {wid} 生成，汇总使用的是 {fw.id}；请用 --framework 指定对应的框架文件")
    if ident["xe_framework_version"] != fw.version:
        notes.append(f"工作簿的框架版本为 {ident['xe_framework_version']}，按 {fw.version} 版计算")
    elif ident["xe_framework_hash"] != fw.content_hash:
        notes.append("工作簿的框架内容与当前框架文件不同，按当前框架计算")

    values: dict[str, Any] = {}
    problems: list[str] = []
    tainted: set[str] = set()
    missing_names = [c for c in fw.inputs if c not in areas]
    if missing_names:
        raise CollectError("工作簿缺少输入项的定义名称：" + "、".join(missing_names[:5])
                           + ("……" if len(missing_names) > 5 else ""))
    for code, inp in fw.inputs.items():
        cell = first(code) or Cell()
        # exactly as strictly as the workbook's formulas (and check) read it: text in a
        # number cell, or "否 " with a space, leaves the score blank there, so here too
        values[code], issue = read_cell(inp, cell)
        if issue is not None:
            problems.append(issue.message())
            tainted.add(code)

    counts = _list_counts(fw, areas, cells)
    for code, n in counts.items():
        if values.get(code) is None and code not in tainted:
            values[code] = n
    verdict = assess(fw, values, tainted=tainted)
    problems += [i.message() for i in verdict.errors if i.code != "XE201"]    # blanks: 未完成, below
    ev = verdict.evaluation
    needed = []
    for leaf in ev.leaves.values():
        needed += [c for c in leaf.missing if c not in needed]
    name = values.get("unit_name") or None
    return Department(path, shown, name, ev, problems, [fw.inputs[c].label for c in needed], notes)


_SIZES: dict[int, tuple[Framework, dict[str, int]]] = {}


def _template_sizes(fw: Framework) -> dict[str, int]:
    """Number of cells of each defined name in the template (layout.py is the source)."""
    hit = _SIZES.get(id(fw))
    if hit is None or hit[0] is not fw:
        from xl_eval.forms.scoresheet.layout import layout
        sizes = {}
        for name, text in layout(fw).defined_names().items():
            area = parse_area(text)
            if area is not None:
                sizes[name] = area.size
        hit = _SIZES[id(fw)] = (fw, sizes)
    return hit[1]


def _list_counts(fw: Framework, areas, cells) -> dict[str, int]:
    """Counts as the workbook derives them from 项目明细 (blank when the list is empty)."""
    def column(name):
        a = areas.get(name)
        if a is None:
            return []
        sheet = cells.get(a.sheet, {})
        return [sheet.get(ref) for ref in a.cells()]

    names = [c for c in column(PROJECT_NAME_RANGE) if c is not None and c.value not in (None, "")]
    if not names:
        return {}
    done = sum(1 for c in column(PROJECT_DONE_RANGE) if c is not None and c.value == YES)   # COUNTIF(…,"是")
    out = {}
    if "planned" in fw.project_list:
        out[fw.project_list["planned"]] = len(names)
    if "completed" in fw.project_list:
        out[fw.project_list["completed"]] = done
    return out


def count_findings(path: Path, fw: Framework) -> int | None:
    """Number of `xl-eval check` findings (errors and warnings) for one workbook."""
    return check_summary(path, fw)[0]


def check_summary(path: Path, fw: Framework) -> tuple[int | None, list[str]]:
    """(number of `xl-eval check` findings, messages of its errors other than the
    input ones, which collect reads itself).  A small guarded adapter: (None, [])
    when the checker fails on this file (collect still reports the scores)."""
    try:
        from xl_eval.check.workbook import check_file
    except ImportError:
        return None, []
    try:
        result = check_file(path, fw)
    except Exception:      # a checker bug must not stop the summary
        return None, []
    return _summary_of(result)


def _summary_of(result) -> tuple[int, list[str]]:
    errors = [f"{f.where}：{f.message}" if f.where else f.message for f in result.findings
              if f.severity in ("error", "fatal") and not f.code.startswith("XE2")]
    return len(result.findings), errors


# ------------------------------------------------------------------ summary

def sort_key(d: Department):
    total = d.evaluation.total
    return (total is None, -(total or 0.0), d.name or "", d.shown)


def columns(fw: Framework, with_findings: bool) -> list[str]:
    cols = ["名次", "单位名称"]
    cols += [f"{l1.name}（{_num(sum(x.weight for x in l1.leaves))}分）" for l1 in fw.level1]
    cols += [f"总分（{_num(fw.total_weight)}分）", "等级"]
    cols += ["校验问题数"] if with_findings else []
    cols += ["状态", "说明", "文件"]
    return cols


def rows(fw: Framework, depts: list[Department], with_findings: bool):
    """The summary rows, one at a time (the writers stream them: 10^4 rows are not held)."""
    import bisect
    totals = sorted(d.evaluation.total for d in depts if d.evaluation.total is not None)
    for d in depts:
        ev = d.evaluation
        # competition ranking: equal totals share a rank (1, 2, 2, 4); 1 + how many are
        # higher, by bisection (counting them for every row was quadratic: hours at 10^5)
        rank = None if ev.total is None else 1 + len(totals) - bisect.bisect_right(totals, ev.total)
        row: list[Any] = [rank, d.name or Path(d.shown).stem]
        # a one-level tree has no subtotals: its columns are the indicators' own scores
        row += [ev.level1[l1.code] if fw.subtotalled else ev.leaves[l1.code].score for l1 in fw.level1]
        row += [ev.total, ev.grade]
        if with_findings:
            row.append(d.findings)
        status = d.status
        short = "完成" if status == "完成" else next(
            (s for s in (UNFINISHED, CHECK_FAILED) if status.startswith(s)), "输入有误")
        row += [short, "；".join([status] + d.notes) if status != "完成" or d.notes else "", d.shown]
        yield row


def _num(x: float) -> str:
    from xl_eval.core.xlround import plain
    return plain(x)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(INJECTION_START):
        return "'" + value
    return value


def score_bins(fw: Framework) -> list[tuple[str, float, float]]:
    """(label, lo, hi) bins of the total: below the lowest grade edge, then tenths."""
    edges = [g.range.lo for g in fw.grades if not math.isinf(g.range.lo) and g.range.lo > 0]
    low = min(edges) if edges else 0.0
    top = fw.total_weight
    step = top / 10
    bins = []
    if low > 0:
        bins.append((f"{_num(low)}分以下", -math.inf, low))
    x = low
    while x < top - 1e-9:
        hi = min(top, x + step)
        bins.append((f"{_num(x)}–{_num(hi)}", x, hi))
        x = hi
    return bins


def distribution(fw: Framework, depts: list[Department]):
    totals = [d.evaluation.total for d in depts if d.evaluation.total is not None]
    from xl_eval.engine.score import band_text
    grades = [(g.name, band_text(g.range, False), sum(1 for d in depts if d.evaluation.grade == g.name))
              for g in fw.grades]
    unfinished = len(depts) - len(totals)
    bins = score_bins(fw)
    counts = []
    for i, (label, lo, hi) in enumerate(bins):
        last = i == len(bins) - 1
        counts.append((label, sum(1 for t in totals if (t >= lo) and (t < hi or (last and t <= hi)))))
    return grades, unfinished, counts, len(totals)


def build_summary(fw: Framework, depts: list[Department], failed: list[tuple[str, str]],
                  with_findings: bool) -> bytes:
    """The summary workbook (streamed: summary_xlsx.py)."""
    from xl_eval.batch.summary_xlsx import build_summary as streamed
    return streamed(fw, depts, failed, with_findings)


def _axes(chart) -> None:
    chart.legend = None
    chart.height, chart.width = 8, 14
    chart.y_axis.majorUnit = 1
    chart.y_axis.number_format = "0"
    chart.y_axis.scaling.min = 0
    # openpyxl >= 3.1 writes <c:delete val="1"/> unless told otherwise: Excel would hide the axes
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _set(cell, value: Any) -> None:
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        value = ILLEGAL_CHARACTERS_RE.sub("", value)     # openpyxl refuses control characters
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"        # never a formula, whatever the text starts with


def build_csv(fw: Framework, depts: list[Department], with_findings: bool) -> bytes:
    return b"".join(csv_chunks(fw, depts, with_findings))


def csv_chunks(fw: Framework, depts: list[Department], with_findings: bool):
    """The CSV (UTF-8 with BOM) a row at a time, for atomic_write: 10^4 rows are not held as one text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")

    def taken() -> bytes:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text.encode("utf-8")

    w.writerow([neutralise(c) for c in columns(fw, with_findings)])   # level names are framework text
    yield "\ufeff".encode("utf-8") + taken()
    digits = fw.precision.total
    for r in rows(fw, depts, with_findings):
        w.writerow([_csv_value(v, digits) for v in r])
        yield taken()


def _csv_value(v: Any, digits: int) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        from xl_eval.core.xlround import fixed
        return fixed(v, digits)
    return neutralise(v)

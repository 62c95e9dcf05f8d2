"""`xl-eval fill`: one workbook per department from a table (no click here).

Flow
    1. ``plan``: read the departments table (and the project list) with the
       shared readers, match columns to inputs, pick each row's file name.
       Only what needs the whole table happens here: the 单位名称 column,
       duplicate names, file names, table-level warnings.
    2. ``check_task``: parse one row's values, decide whether it can be
       written, score it with the engine (for the run summary and the
       drafted 扣分原因).
    3. ``write_many``: render each workbook from the template compiled once
       per process (xlsxio.WorkbookPatcher: only the changed sheet parts are
       re-rendered) and write it atomically (outfiles.atomic_write) in a
       writing thread, so rendering and disk flushes overlap.
    ``Runner`` runs 2 and 3 in this process or in worker processes; the
    caller (commands/fill_cmd.py) prints messages and the summary.

Decisions (documented for users in `xl-eval fill --help` and the README):

* A blank evaluator judgement (input group ``judgement``) stays blank in the
  workbook for the evaluator; a blank required figure, count or identity
  (单位名称, 评价年度) is an error.  Planned/completed project counts left
  blank are fine when the project list has the department's projects (the
  workbook counts its own 项目明细; nothing is written into the count cell).
* A blank cell leaves the template's cell as it is (blank).  Values are
  written as parsed ("1,234.56万元" -> 1234.56; "是 " -> 是).
* Duplicate 单位名称 (compared ignoring spaces, quotes and full/half width):
  the first row is written, every later row with the same name is rejected
  (``单位名称与第N行重复``).  Different names that give the same file name
  after sanitising (``A/B`` and ``A_B``, or names that differ only in case)
  get ``_2``, ``_3`` ... in row order.  File names are decided from the
  table alone, so a row that fails does not change the others' names.
* An existing file is never replaced unless ``overwrite``; such a row is
  reported as skipped (exit code 1).
* A department whose project-list rows are unreadable, or that has more
  projects than the 项目明细 sheet holds, is not written.
* Drafts for the evaluator to review (xl_eval.drafting): a 完成情况 stating
  the figures for every leaf that can be scored, and a 扣分原因 for every
  leaf scored below its weight (``draft_reasons``; `--no-reasons` turns
  both off).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from xl_eval.framework.model import Framework
from xl_eval.engine.inputs import InputProblem, map_columns, parse_inputs
from xl_eval.core.values import normalise_label

NAME_CODE = "unit_name"
YEAR_CODE = "eval_year"
PROJECT_NAMES = ("projects_name", "projects_budget", "projects_final", "projects_done")
JUDGEMENT = "judgement"

WRITTEN, FAILED, EXISTS = "written", "failed", "exists"


class FillError(Exception):
    """The run cannot start (unusable table, missing 单位名称 column ...)."""


@dataclass(frozen=True)
class Message:
    """One problem, located in a file: ``file:第N行 列“X”：reason``."""
    file: str
    row: int | None
    column: str | None
    raw: Any
    reason: str
    code: str | None = None        # catalogue code of the rule (check/findings.py), when it has one
    severity: str = "error"        # "warning": written anyway, worth a look

    def text(self) -> str:
        reason = self.reason if self.severity == "error" else f"（提示）{self.reason}"
        if self.row is None:                       # about the file or a column as a whole
            column = f"列“{self.column}”" if self.column else ""
            return f"{self.file}：{column}{reason}"
        where = f"{self.file}:第{self.row}行"
        if self.column:
            where += f" 列“{self.column}”"
        return f"{where}：{reason}"

    def as_json(self) -> dict:
        raw = self.raw
        if raw is not None and not isinstance(raw, (str, int, float, bool)):
            raw = str(raw)
        return {"file": self.file, "row": self.row, "column": self.column, "value": raw,
                "reason": self.reason, "message": self.text(), "code": self.code, "severity": self.severity}


@dataclass
class Task:
    """One department row, everything a worker needs (picklable)."""
    row: int
    name: str | None
    file_name: str | None
    raw: dict[str, Any]                    # input code -> raw cell value
    projects: list | None = None           # projects.Project, in list order
    early: list[Message] = field(default_factory=list)   # problems found while planning
    duplicate: bool = False                # a later row with an earlier row's 单位名称


@dataclass
class Result:
    row: int
    name: str | None
    file_name: str | None
    status: str
    messages: list[Message]
    total: float | None = None
    grade: str | None = None
    pending: int = 0                       # judgement inputs left for the evaluator


@dataclass
class Plan:
    fw: Framework
    departments: str                       # the table's path as given (for messages)
    projects_file: str | None
    columns: dict[str, str]                # input code -> header in the table
    tasks: Any                             # Tasks (made as used; len() is their number)
    warnings: list[Message]                # table-level: unknown columns, project list ...
    errors: list[Message]                  # problems not tied to a department row (exit 1)
    absent: frozenset = frozenset()        # inputs the table has no column for (left blank, listed once)
    year: int | None = None                # --year: the 评价年度 where the table has none


# ------------------------------------------------------------------ planning

def plan(fw: Framework, departments: str | Path, projects: str | Path | None = None,
         year: int | None = None, *, sheet: str | None = None, header_row: int | None = None) -> Plan:
    """Read the tables and prepare one task per department row.

    A CSV table is read in passes without being held (tables.stream_table,
    projects.index_projects): this pass finds what needs the whole table, and
    ``plan.tasks`` reads the rows again, one task at a time (Tasks).

    Raises FillError (or tables.TableError) when nothing can be done.
    """
    from xl_eval.sources.tables import stream_table

    dep_label = str(departments)
    from xl_eval.sources.departments import require_name_column
    table = stream_table(departments, sheet=sheet, header_row=header_row)
    cmap = map_columns(fw, table.columns)
    columns = {code: col for col, code in cmap.codes.items()}
    warnings: list[Message] = []
    errors: list[Message] = []
    require_name_column(fw, table, cmap)
    if not table.rows:
        raise FillError(f"{dep_label}：只有表头，没有数据行")
    for col in cmap.unknown:
        warnings.append(Message(dep_label, None, col, None,
                                f"不是框架中的输入项，此列未写入工作簿{cmap.did_you_mean(col)}"
                                f"（输入项的名称见 xl-eval framework show）"))
    for col, note in cmap.conversions():
        warnings.append(Message(dep_label, None, col, None, note, severity="warning"))
    for col, code in cmap.duplicates:
        warnings.append(Message(dep_label, None, col, None,
                                f"与列“{columns[code]}”对应同一输入项（{fw.inputs[code].label}），"
                                f"此列未写入工作簿，使用“{columns[code]}”列的值"))
    derived = set(fw.project_list.values()) if projects else set()
    # A partial export (no 评价年度, no 政府采购 counts ...): the workbooks are written with
    # those inputs blank for the evaluator, and each missing column is listed once.
    absent = [code for code, inp in fw.inputs.items()
              if code not in columns and inp.required and inp.default is None
              and inp.group != JUDGEMENT and code not in derived
              and not (code == YEAR_CODE and year is not None)]
    for code in absent:
        warnings.append(Message(dep_label, None, None, None,
                                f"没有“{fw.inputs[code].label}”列：各工作簿中此项留空，由评价人员填写"
                                + ("（或用 --year 指定评价年度）" if code == YEAR_CODE else "")
                                + "；需要此项的得分在填写前显示为空白", severity="warning"))

    index = None
    units: dict[str, str] = {}                   # normalised unit -> the unit as written whose projects count
    bad_units: dict[str, list[int]] = {}
    proj_label = str(projects) if projects else None
    if projects and not fw.project_list:
        errors.append(Message(proj_label, None, None, None,
                              "此指标体系没有项目明细（框架未声明 project_list），项目表未使用"))
    elif projects:
        from xl_eval.sources.projects import index_projects
        index = index_projects(projects)
        for p in index.problems:
            errors.append(Message(proj_label, p.row, p.column, p.raw, p.message))
        for col in index.unknown_columns:
            warnings.append(Message(proj_label, None, col, None, "不是项目明细的列，已忽略"))
        units = {normalise_label(u): u for u in index.where}     # the last spelling of a unit wins, as before
        for unit, rows in index.bad_rows.items():
            bad_units.setdefault(normalise_label(unit), []).extend(rows)

    tasks = Tasks(table.rows, cmap, dep_label, index, units, bad_units)
    count = 0
    names_seen: set = set()
    for item in tasks.walk(warnings.append):
        count += 1
        if item.name and not item.duplicate:
            names_seen.add(normalise_label(item.name))
    tasks.count = count
    unused = [u for u in units if u not in names_seen]
    unused.sort()
    if unused:
        n = sum(index.count(units[u]) for u in unused)
        sample = "、".join(f"“{units[u]}”" for u in unused[:5])
        more = f"等 {len(unused)} 个单位" if len(unused) > 5 else ""
        warnings.append(Message(proj_label, None, None, None,
                                f"单位{sample}{more}不在单位表中，其 {n} 个项目未使用"))
    return Plan(fw, dep_label, proj_label, columns, tasks, warnings, errors, frozenset(absent), year)


class Tasks:
    """The plan's tasks, one per department row, made as they are used.

    Each pass reads the table again (a streamed CSV table is not held) and
    attaches each department's projects from the project index; the same
    table gives the same tasks (names, duplicates and file names are decided
    in row order).  ``len`` is the number of tasks."""

    def __init__(self, rows, cmap, label: str, index, units: dict[str, str], bad_units: dict[str, list[int]]):
        self.rows, self.cmap, self.label = rows, cmap, label
        self.index, self.units, self.bad_units = index, units, bad_units
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Task]:
        for task in self.walk():
            if task.name and self.index is not None:
                unit = self.units.get(normalise_label(task.name))
                task.projects = self.index.projects(unit) if unit is not None else None
            yield task

    def __getitem__(self, i):               # small plans in tests: plan.tasks[0], plan.tasks[:3]
        return list(self)[i]

    def walk(self, skipped=None) -> Iterator[Task]:
        """The tasks without their projects; rows that are no unit (合计, 制表人 ...) go
        to ``skipped(Message)``."""
        from xl_eval.core.outfiles import NameAllocator
        from xl_eval.sources.departments import not_a_unit
        names_seen: dict[str, int] = {}
        alloc = NameAllocator(".xlsx")
        name_col = {code: col for col, code in self.cmap.codes.items()}.get(NAME_CODE)
        for r in self.rows:
            raw = self.cmap.raw(r.values)
            why = not_a_unit(raw)
            if why:
                if skipped is not None:
                    skipped(Message(self.label, r.number, None, None, why, severity="warning"))
                continue
            raw_name = raw.get(NAME_CODE)
            name = str(raw_name).strip() if raw_name is not None else ""
            task = Task(r.number, name or None, None, raw)
            if name:
                key = normalise_label(name)
                if key in names_seen:
                    task.duplicate = True
                    task.early.append(Message(self.label, r.number, name_col, raw_name,
                                              f"单位名称与第{names_seen[key]}行重复，本行未生成"
                                              f"（同一单位只生成一个工作簿）"))
                else:
                    names_seen[key] = r.number
                    for prow in self.bad_units.get(key, []):
                        task.early.append(Message(self.label, r.number, name_col, None,
                                                  f"项目明细表第{prow}行有误（见上），本单位未生成"))
                    task.file_name = alloc.allocate(name)
            yield task


def allocate_names(tasks: list[Task]) -> None:
    """File names in row order for the rows that have a (first) 单位名称."""
    from xl_eval.core.outfiles import NameAllocator
    alloc = NameAllocator(".xlsx")
    for task in tasks:
        if task.name and not task.duplicate:
            task.file_name = alloc.allocate(task.name)


# ------------------------------------------------------------------ checking

@dataclass(frozen=True)
class Context:
    """What checking a row needs besides the framework (small, picklable)."""
    departments: str                       # the table's path as given (for messages)
    columns: dict[str, str]                # input code -> header in the table
    draft_reasons: bool = True             # write drafted 完成情况 and 扣分原因 (xl_eval.drafting)
    absent: frozenset = frozenset()        # inputs without a column (reported once by plan)
    year: int | None = None                # --year, for rows without a 评价年度


@dataclass
class Checked:
    """A row after checking: its typed values, or why it cannot be written."""
    values: dict[str, Any] | None
    messages: list[Message]
    pending: int = 0
    total: float | None = None
    grade: str | None = None
    notes: dict[str, str] = field(default_factory=dict)     # findings_/reason_<leaf> -> drafted text


def check_task(fw: Framework, ctx: Context, task: Task) -> Checked:
    """Parse and check one department row; score it if it can be written.

    A row is written unless a cell cannot be read or a figure its scores need
    is blank; the rules of engine/validity.py (impossible pairs, amounts that
    look like 元, values in no band ...) are reported per row as check would
    report them on the workbook, and the workbook is written all the same.
    """
    from xl_eval.engine.validity import assess, project_issues
    from xl_eval.sources.projects import with_project_counts
    raw = task.raw
    if ctx.year is not None and raw.get(YEAR_CODE) in (None, ""):
        raw = {**raw, YEAR_CODE: ctx.year}
    values, problems = parse_inputs(fw, raw)
    merged = with_project_counts(fw, values, task.projects)
    tainted = {p.code for p in problems if not p.missing}
    verdict = assess(fw, merged, tainted=tainted, absent=ctx.absent)
    needed = {i.input for i in verdict.issues if i.code == "XE201"}
    kept: list[InputProblem] = []
    pending = 0
    for p in problems:
        if p.missing and fw.inputs[p.code].group == JUDGEMENT:
            pending += 1        # left blank for the evaluator
            continue
        if p.missing and (merged.get(p.code) is not None or p.code not in needed):
            continue            # a count the project list supplies, or a blank that cannot matter
        kept.append(p)
    messages = list(task.early)
    for p in kept:
        column = ctx.columns.get(p.code) or fw.inputs[p.code].label
        messages.append(Message(ctx.departments, task.row, column, p.raw, p.detail()))
    if not messages and not task.file_name:
        messages.append(Message(ctx.departments, task.row, ctx.columns.get(NAME_CODE), None, "没有单位名称"))
    if messages:
        return Checked(None, messages, pending)
    for issue in verdict.issues + project_issues(fw, values, task.projects):
        if issue.code == "XE201":
            continue            # blanks: decided above
        column = ctx.columns.get(issue.input) or fw.inputs[issue.input].label if issue.input else None
        messages.append(Message(ctx.departments, task.row, column, None, issue.message(), issue.code,
                                issue.severity))
    ev = verdict.evaluation
    notes, undrafted = drafted_notes(fw, ev) if ctx.draft_reasons else ({}, [])
    if undrafted:
        messages.append(Message(ctx.departments, task.row, None, None,
                                "以下指标的完成情况/扣分原因未能自动起草，请在打分表中手工填写："
                                + "、".join(undrafted), severity="warning"))
    return Checked(values, messages, pending, ev.total, ev.grade, notes)


def drafted_notes(fw: Framework, ev) -> tuple[dict[str, str], list[str]]:
    """Defined name -> drafted text (完成情况 for every scored leaf, 扣分原因 below the
    weight), and the names of the leaves whose texts could not be drafted."""
    from xl_eval.drafting import draft_findings, draft_reason
    from xl_eval.forms.scoresheet.layout import findings_name, reason_name
    out, failed = {}, []
    for leaf in fw.leaves:
        try:
            texts = ((findings_name(leaf.code), draft_findings(fw, ev, leaf.code)),
                     (reason_name(leaf.code), draft_reason(fw, ev, leaf.code)))
        except Exception:       # a draft is a convenience: the workbook is still written, the gap is said
            failed.append(leaf.name)
            continue
        for name, text in texts:
            if text:
                out[name] = text
    return out, failed


# ------------------------------------------------------------------ writing

@dataclass
class Writer:
    """The compiled template and where to write; built once per process."""
    fw: Framework
    patcher: Any                                   # xlsxio.WorkbookPatcher
    input_cells: dict[str, tuple[str, tuple[int, int]]]
    project_cells: dict[str, list[tuple[str, tuple[int, int]]]]
    note_cells: dict[str, tuple[str, tuple[int, int]]]       # findings_/reason_<leaf> -> 完成情况/扣分原因 cell
    outdir: Path
    overwrite: bool
    run_id: str
    fsync: bool = True
    publisher: Any = None                          # outfiles.Publisher (a writing thread)

    def __post_init__(self) -> None:
        if self.publisher is None:
            from xl_eval.core.outfiles import Publisher
            self.publisher = Publisher()

    @property
    def capacity(self) -> int:
        return len(self.project_cells["projects_name"])


def template_bytes(fw: Framework) -> bytes:
    """The workbook template for *fw*, generated once per run."""
    from xl_eval.forms.scoresheet.template import template_bytes as packaged_or_built
    return packaged_or_built(fw)   # fixed timestamps: same bytes every run


def make_writer(fw: Framework, template: bytes, outdir: Path, *, overwrite: bool, run_id: str,
                fsync: bool = True) -> Writer:
    """Compile *template* for writing the inputs and the project list by defined name."""
    import zipfile

    from xl_eval.xlsx.package import WorkbookPatcher, read_package
    with zipfile.ZipFile(io.BytesIO(template)) as zf:
        pkg = read_package(zf)
    inputs: dict[str, tuple[str, tuple[int, int]]] = {}
    for code in fw.inputs:
        area = pkg.area(code)
        if area is None or not area.is_cell:
            raise RuntimeError(f"template has no single-cell defined name {code!r}")
        inputs[code] = (area.sheet, area.first)
    projects: dict[str, list] = {name: [] for name in PROJECT_NAMES}
    for name in PROJECT_NAMES if fw.project_list else ():     # no project list: no 项目明细 sheet
        area = pkg.area(name)
        if area is None or area.first[1] != area.last[1]:
            raise RuntimeError(f"template has no one-column range {name!r}")
        projects[name] = [(area.sheet, c) for c in area.cells()]
    if len({len(v) for v in projects.values()}) != 1:
        raise RuntimeError("project list ranges differ in length")
    notes = {}
    for leaf in fw.leaves:
        for name in (f"findings_{leaf.code}", f"reason_{leaf.code}"):
            area = pkg.area(name)
            if area is not None and area.is_cell:
                notes[name] = (area.sheet, area.first)
    targets = list(inputs.values()) + [t for v in projects.values() for t in v] + list(notes.values())
    from xl_eval.forms.scoresheet.template import print_fit
    patcher = WorkbookPatcher(template, targets, **print_fit(fw))   # rows fit the texts; print only used rows
    return Writer(fw, patcher, inputs, projects, notes, Path(outdir), overwrite, run_id, fsync)


def cell_values(w: Writer, values: dict[str, Any], projects: list | None,
                notes: dict[str, str] | None = None) -> dict:
    """(sheet, coord) -> value for every cell to write (blank inputs: none)."""
    fw = w.fw
    out: dict = {}
    for name, text in (notes or {}).items():
        if name in w.note_cells:
            out[w.note_cells[name]] = text
    for code, v in values.items():
        if v is None or code not in w.input_cells:
            continue
        kind = fw.inputs[code].kind
        if kind in ("count", "year") and isinstance(v, float) and v.is_integer():
            v = int(v)
        out[w.input_cells[code]] = v
    for i, p in enumerate(projects or []):
        for name, v in (("projects_name", p.name), ("projects_budget", p.budget),
                        ("projects_final", p.final), ("projects_done", p.done)):
            if v is not None:
                out[w.project_cells[name][i]] = v
    return out


def write_many(w: Writer, ctx: Context, items: list[tuple[Task, Checked]], done: list[Result]) -> list[Result]:
    """Write the workbooks of checked rows; append each Result to *done* in order.

    Rendering happens here; each file is handed to the writer's publishing
    thread (outfiles.Publisher), which writes, flushes and names it while
    the next one is rendered.  Whatever happens, every file handed over is
    complete under its name or absent: on an exception (Ctrl-C) the files
    already handed over are finished first and their results appended to
    *done* before the exception goes on.
    """
    from xl_eval.core.outfiles import FileExists
    pending: list[tuple[Task, Checked, Any]] = []

    def failed(task, checked, status: str, reason: str, column: str | None = None) -> Result:
        msg = Message(ctx.departments, task.row, column, None, reason)
        return Result(task.row, task.name, task.file_name, status, [msg], pending=checked.pending)

    def outcome(task: Task, checked: Checked, fut) -> Result:
        if not hasattr(fut, "result"):
            return fut                                   # decided without writing
        try:
            fut.result()
        except FileExists:
            return failed(task, checked, EXISTS, f"文件 {task.file_name} 已存在，未覆盖（要覆盖请加 --force）")
        except OSError as exc:
            return failed(task, checked, FAILED, f"无法写入 {task.file_name}（{exc.strerror or exc}；"
                                                 f"如果文件正在 Excel/WPS 中打开，请先关闭）")
        except Exception as exc:
            return failed(task, checked, FAILED, _internal(f"写入 {task.file_name}", exc))
        return Result(task.row, task.name, task.file_name, WRITTEN, list(checked.messages), checked.total,
                      checked.grade, checked.pending)

    try:
        for task, checked in items:
            if checked.values is None:
                res = Result(task.row, task.name, task.file_name, FAILED, checked.messages, pending=checked.pending)
            elif task.projects and len(task.projects) > w.capacity:
                res = failed(task, checked, FAILED, f"项目明细有 {len(task.projects)} 个项目，超过工作簿“项目明细”表的"
                                                    f"容量 {w.capacity} 行，本单位未生成", ctx.columns.get(NAME_CODE))
            else:
                try:
                    data = w.patcher.render(cell_values(w, checked.values, task.projects, checked.notes))
                except Exception as exc:          # one row's bug never stops the others
                    res = failed(task, checked, FAILED, _internal("生成工作簿", exc))
                    pending.append((task, checked, res))
                    continue
                res = w.publisher.submit(w.outdir / task.file_name, data, overwrite=w.overwrite, run_id=w.run_id,
                                         fsync=w.fsync)
            pending.append((task, checked, res))
        for task, checked, fut in pending:
            done.append(outcome(task, checked, fut))
    except BaseException:
        from concurrent.futures import wait
        wait([f for _, _, f in pending if hasattr(f, "result")])
        for task, checked, fut in pending[len(done):]:
            if hasattr(fut, "result") and fut.exception() is not None \
                    and not isinstance(fut.exception(), OSError):
                continue                                   # interrupted: that file is absent
            done.append(outcome(task, checked, fut))
        raise
    return done


def fill_many(w: Writer, ctx: Context, tasks: list[Task], done: list[Result]) -> list[Result]:
    """Check department rows and write the workbooks of those that are fine."""
    return write_many(w, ctx, [(t, safe_check(w.fw, ctx, t)) for t in tasks], done)


def safe_check(fw: Framework, ctx: Context, task: Task) -> Checked:
    """``check_task``, with an unexpected error reported on its row instead of
    ending the run (the other rows are still written)."""
    try:
        return check_task(fw, ctx, task)
    except Exception as exc:
        return Checked(None, [*task.early, Message(ctx.departments, task.row, None, None,
                                                   _internal("检查本行", exc))])


def _internal(action: str, exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return f"{action}时内存不足，本行未生成"
    return (f"{action}时出现内部错误（{type(exc).__name__}: {str(exc)[:200]}），本行未生成；"
            f"这是 xl-eval 的问题，请报告")


class ResultLog:
    """The results of a run in table order, spooled to a temporary file once they
    pass a megabyte (memory does not grow with the batch), with the counts the
    summary needs kept as they come.  Iterating reads them back in order."""

    def __init__(self) -> None:
        import tempfile
        self._fh = tempfile.SpooledTemporaryFile(max_size=1 << 20)
        self.count = self.written = self.existing = self.flagged = self.findings = 0

    def add(self, res: Result) -> None:
        import pickle
        pickle.dump(res, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1
        self.findings += len(res.messages)
        if res.status == WRITTEN:
            self.written += 1
            # a written workbook whose inputs break a rule (完成数 above 计划数 ...) counts as a problem
            self.flagged += any(m.severity == "error" for m in res.messages)
        elif res.status == EXISTS:
            self.existing += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Result]:
        import pickle
        self._fh.seek(0)
        try:
            for _ in range(self.count):
                yield pickle.load(self._fh)
        finally:
            self._fh.seek(0, 2)            # more may be added after a pass

    def close(self) -> None:
        self._fh.close()


# ------------------------------------------------------------------ running

_FW: Framework | None = None
_WRITERS: dict = {}
IN_PROCESS_BATCH = 16        # rows checked and rendered ahead of the file being written


def _init_worker(fw_bytes: bytes) -> None:
    import pickle
    import signal
    global _FW
    # Ctrl-C is handled by the parent: it stops handing out work and waits for
    # the files being written, so each is either complete or absent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _FW = pickle.loads(fw_bytes)


def _template_job() -> bytes:
    return template_bytes(_FW)


def _plan_job(departments, projects, year=None, sheet=None, header_row=None) -> Plan:
    return plan(_FW, departments, projects, year, sheet=sheet, header_row=header_row)


def _check_chunk(ctx: Context, tasks: list[Task]) -> list[Checked]:
    return [safe_check(_FW, ctx, t) for t in tasks]


def _writer(key: tuple, template: bytes) -> Writer:
    w = _WRITERS.get(key)
    if w is None:
        _, outdir, overwrite, run_id, fsync = key
        w = _WRITERS[key] = make_writer(_FW, template, outdir, overwrite=overwrite, run_id=run_id, fsync=fsync)
    return w


def _write_chunk(key: tuple, template: bytes, ctx: Context, items: list[tuple[Task, Checked]]) -> list[Result]:
    return write_many(_writer(key, template), ctx, items, [])


def _fill_chunk(key: tuple, template: bytes, ctx: Context, tasks: list[Task]) -> list[Result]:
    return fill_many(_writer(key, template), ctx, tasks, [])


class Runner:
    """Runs a fill, in this process (jobs=1) or in worker processes.

    With workers, the pool starts at once: one worker builds the template
    while another reads the tables (``plan``); rows are then checked and
    scored in chunks, and written as soon as the template is there.  Results come back in table order and the files are the same,
    byte for byte, whatever the number of jobs.
    """

    def __init__(self, fw: Framework, jobs: int = 1):
        self.fw = fw
        self.jobs = max(1, jobs)
        self._ex = None
        self._template: bytes | None = None
        self._template_future = None
        self.late: list[Result] = []     # results of work that finished after an interrupt
        if self.jobs > 1:
            import pickle
            from concurrent.futures import ProcessPoolExecutor
            self._ex = ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker,
                                           initargs=(pickle.dumps(fw),))
            self._template_future = self._ex.submit(_template_job)

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop handing out work and wait for the files being written right now."""
        if self._ex is not None:
            self._ex.shutdown(wait=True, cancel_futures=True)
            self._ex = None

    def plan(self, departments: str | Path, projects: str | Path | None = None, year: int | None = None, *,
             sheet: str | None = None, header_row: int | None = None) -> Plan:
        """Read the tables: in a worker (while another builds the template), or here."""
        if self._ex is None:
            return plan(self.fw, departments, projects, year, sheet=sheet, header_row=header_row)
        return self._ex.submit(_plan_job, departments, projects, year, sheet, header_row).result()

    def template(self) -> bytes:
        if self._template is None:
            if self._template_future is not None:
                self._template = self._template_future.result()
            else:
                self._template = template_bytes(self.fw)
        return self._template

    def run(self, p: Plan, outdir: Path, *, overwrite: bool, run_id: str, progress=None,
            fsync: bool = True, draft_reasons: bool = True) -> Iterator[Result]:
        """Yield one Result per task, in table order; ``progress(n)`` after each."""
        ctx = Context(p.departments, p.columns, draft_reasons, p.absent, p.year)
        if self._ex is None:
            w = make_writer(self.fw, self.template(), Path(outdir), overwrite=overwrite, run_id=run_id, fsync=fsync)
            try:
                tasks = iter(p.tasks)
                while True:
                    batch = list(islice(tasks, IN_PROCESS_BATCH))
                    if not batch:
                        break
                    done: list[Result] = []
                    try:
                        fill_many(w, ctx, batch, done)
                    except BaseException:
                        self.late = done
                        raise
                    for res in done:
                        if progress:
                            progress(1)
                        yield res
            finally:
                w.publisher.close()
            return
        try:
            yield from self._run_parallel(p, ctx, (self.fw.content_hash, Path(outdir), overwrite, run_id, fsync),
                                          progress)
        except BaseException:
            self.close()
            raise

    def _run_parallel(self, p: Plan, ctx: Context, key: tuple, progress) -> Iterator[Result]:
        """Keep every worker busy with a few chunks in flight: rows are only
        checked while the template is being built, then checked and written in
        one go; results are yielded in table order.  Only the rows in flight
        are held (tasks are read from the plan as they are handed out)."""
        from concurrent.futures import FIRST_COMPLETED, wait
        tasks = iter(p.tasks)
        n = len(p.tasks)
        size = max(1, min(32, n // (self.jobs * 8)))
        in_flight = self.jobs + 1
        held: dict[int, Task] = {}               # rows handed out and not yet yielded
        checked: dict[int, Checked] = {}         # checked rows waiting for the template
        results: dict[int, Result] = {}          # finished rows not yet yielded (ahead of the next one)
        futures: dict = {}
        if self._template is None:
            futures[self._template_future] = ("template", [])
        todo = 0                         # next row not yet handed out
        waiting: list[int] = []          # checked rows waiting for the template
        nxt = 0

        def feed() -> None:
            nonlocal todo, waiting, n
            busy = sum(1 for kind, _ in futures.values() if kind != "template")
            while busy < in_flight and (todo < n or (waiting and self._template is not None)):
                if self._template is not None and waiting:
                    part, waiting = waiting[:size], waiting[size:]
                    fut = self._ex.submit(_write_chunk, key, self._template, ctx,
                                          [(held[i], checked.pop(i)) for i in part])
                    futures[fut] = ("write", part)
                else:
                    batch = list(islice(tasks, min(size, n - todo)))
                    if not batch:                # the table changed under us: stop at what there is
                        n = todo
                        break
                    part = list(range(todo, todo + len(batch)))
                    todo += len(batch)
                    held.update(zip(part, batch))
                    if self._template is None:
                        futures[self._ex.submit(_check_chunk, ctx, batch)] = ("check", part)
                    else:
                        futures[self._ex.submit(_fill_chunk, key, self._template, ctx, batch)] = ("write", part)
                busy += 1

        feed()
        try:
            while futures:
                done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for fut in done:
                    kind, idx = futures.pop(fut)
                    if kind == "template":
                        self._template = fut.result()
                    elif kind == "check":
                        for i, c in zip(idx, fut.result()):
                            if c.values is None:       # nothing to write
                                t = held[i]
                                results[i] = Result(t.row, t.name, t.file_name, FAILED, c.messages, pending=c.pending)
                            else:
                                checked[i] = c
                                waiting.append(i)
                    else:
                        for i, r in zip(idx, fut.result()):
                            results[i] = r
                feed()
                while nxt in results:
                    res = results.pop(nxt)
                    del held[nxt]
                    if progress:
                        progress(1)
                    yield res
                    nxt += 1
        except BaseException:
            # Stop handing out work, let the chunks being written finish (their
            # files are complete), and keep their results for the summary.
            for fut in futures:
                fut.cancel()
            wait([f for f in futures if not f.cancelled()])
            for fut, (kind, idx) in futures.items():
                if kind == "write" and not fut.cancelled() and fut.exception() is None:
                    for i, r in zip(idx, fut.result()):
                        results[i] = r
            self.late = [results[i] for i in sorted(results) if i >= nxt]
            raise


def run(p: Plan, outdir: Path, *, overwrite: bool, jobs: int = 1, run_id: str, progress=None,
        fsync: bool = True, draft_reasons: bool = True) -> Iterator[Result]:
    """Convenience: a Runner for one plan (no overlap of template and reading)."""
    with Runner(p.fw, jobs) as runner:
        yield from runner.run(p, outdir, overwrite=overwrite, run_id=run_id, progress=progress, fsync=fsync,
                              draft_reasons=draft_reasons)

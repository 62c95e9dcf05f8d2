"""`xl-eval fill`: one workbook per department from a table."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, UserError, load_framework, refuse_unsupported
from xl_eval.commands.score_cmd import HEADER_ROW_OPTION, SHEET_OPTION

LIST_LIMIT = 30


@click.command(short_help="按单位表批量生成各单位的打分表工作簿。")
@click.argument("departments", type=click.Path(dir_okay=False))
@click.option("--projects", "projects_path", type=click.Path(dir_okay=False), default=None,
              help="项目明细表（CSV/XLSX，每行一个项目：单位名称、项目名称、全年预算金额、决算金额、是否完成），"
                   "各单位的项目写入其工作簿的“项目明细”表。")
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="输出文件夹（不存在时自动创建）。")
@SHEET_OPTION
@HEADER_ROW_OPTION
@FRAMEWORK_OPTION
@click.option("--force", is_flag=True, help="覆盖输出文件夹中已存在的同名工作簿（默认不覆盖，该单位记为未生成）。")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="并行进程数；结果与 --jobs 1 完全相同。")
@click.option("--no-fsync", is_flag=True,
              help="不在每个工作簿写完后立即强制写盘（fsync），改为全部写完后同步一次；输出在网络共享等写盘慢的"
                   "位置时明显更快。每个工作簿仍先写临时文件再改名，中断时不会留下不完整的工作簿，"
                   "但断电时最后写出的一些文件可能丢失（没有生成，而不是损坏）。")
@click.option("--year", type=click.IntRange(1900, 2200), default=None,
              help="评价年度：单位表没有“评价年度”列（或该列为空）时写入这个年度，如 --year 2024。")
@click.option("--no-reasons", is_flag=True, help="不自动起草“完成情况”和“扣分原因”（默认起草，供评价人员核实修改）。")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="另外把运行结果写成 JSON 文件；“-”表示输出到标准输出（此时文字摘要改为输出到标准错误）。"
                   "文件已存在时不覆盖（除非 --force）；不会覆盖输入表本身。")
@click.option("--indicators", "indicators_path", type=click.Path(dir_okay=False), default=None,
              help="项目支出绩效自评表：绩效指标表（每行一个指标，按项目名称或项目编码对应）；"
                   "此时第一个参数是项目表（每行一个项目），每个项目生成一个自评表（见 README 自评部分）。")
@click.option("--per", type=click.Choice(["project", "unit"]), default="project", show_default=True,
              help="自评表：project 每个项目一个工作簿；unit 每个实施单位一个工作簿，每个项目一个工作表。")
@click.pass_context
def fill(ctx, departments, projects_path, outdir, sheet, header_row, framework_path, force, jobs, no_fsync, year,
         no_reasons, json_path, indicators_path, per):
    """按 DEPARTMENTS（CSV 或 XLSX，每行一个单位）为每个单位生成一个打分表工作簿（.xlsx），写入 OUTDIR。工作簿即 `xl-eval template` 的模板：输入值通过定义名称写入“基础数据”表，项目写入“项目明细”表，公式保持不变，打开即自动计算。

    \b
    列名可以是输入项的中文标签或代码（见 `xl-eval framework show`），必须有“单位名称”列。
    不认识的列会被报告（不写入工作簿）。数值按财务人员的写法读取：“1,234.56”“1234.56万元”、
    全角数字、前后空格、以文本存储的数字；无法确定含义的值（如“三千”“3592元”）会被报告，不会被猜测。
    \b
    - 单位表缺少某些列（如预算系统导出的表没有评价年度、政府采购数量）时照样生成，缺少的列留空、各报告一次；
      评价年度不是表中的列时用 --year 2024；
    - 完成数大于计划数、在用资产大于资产总额等不可能的组合、值不在任何评分档内按行报告为错误（与 check 相同），
      金额像是按元填写等报告为提示，工作簿照样生成；
    - 评价判断类输入项（是/否、公开情况、问题处数、酌情得分等）为空时保持空白，由评价人员填写；
    - 财务数据、数量和单位名称、评价年度为空时报告为错误；计划/完成项目数为空时，按 --projects
      的项目明细计数（工作簿自己统计“项目明细”表），不算错误；
    - 文件名取自单位名称：去掉 Windows 不允许的字符（<>:"/\\|?* 等）、末尾的点和空格，避开 CON、
      NUL、COM1 等保留名，过长时截断；不同单位名称得到相同文件名时依次加 _2、_3；
    - 单位名称重复（忽略空格、引号和全半角）：只生成第一行，后面的行报告为重复、不生成；
    - 已存在的文件不会被覆盖（除非 --force），该行记为未生成；每个文件先写入临时文件再改名，
      中途出错或按 Ctrl-C 不会留下不完整的工作簿；
    - 某行有问题时报告“文件:第N行 列“X”：原因（原值）”，其余各行照常生成；
    - 自动起草文字，供评价人员核实修改：能计分的指标起草“完成情况”（计分用到的数据，如“年初预算数为
      3592.06万元，全年预算数为4184.69万元，预算调整率为16.50%。”），得分低于权重的指标起草“扣分原因”
      （数据、适用的评分规则和扣分，如“……预算调整率为16.50%，在10%（不含）至40%（含）档内，计2分，
      扣2分。”）；不需要时加 --no-reasons。

    \b
    退出码：0 全部生成；1 有行未生成（数据有误、重复、文件已存在）、有行违反规则或项目表有误；2 无法运行。

    \b
    项目支出绩效自评表（加 --indicators）：DEPARTMENTS 为项目表（项目名称、项目编码、主管部门、实施单位、
    评价年度、各项资金的年初预算数/全年预算数/全年执行数、预期目标、实际完成情况、执行偏差原因），
    --indicators 为指标表（项目名称、一级/二级/三级指标、指标性质、年度指标值、计量单位、实际完成值、
    定性评定比例、分值、偏差原因分析及改进措施、佐证材料）；默认框架 selfeval_2020_10。

    \b
    示例：
      xl-eval fill samples/departments.csv --projects samples/projects.csv -o out/
      xl-eval fill samples/departments.csv --projects samples/projects.csv -o 打分表 --jobs 2 --json 结果.json
      xl-eval fill samples/selfeval/projects.csv --indicators samples/selfeval/indicators.csv -o 自评表/
    """
    if indicators_path:
        from xl_eval.commands import selfeval_cli
        return selfeval_cli.fill(ctx, departments, indicators_path, outdir, framework_path, per, force, json_path,
                                 sheet=sheet, header_row=header_row)
    from xl_eval.batch import fill as fill_mod
    from xl_eval.core.outfiles import new_run_id, remove_temp_files
    from xl_eval.sources.tables import TableError

    from xl_eval.core.outfiles import name_problem, output_problem, remove_stale_temp_files, same_file
    from xl_eval.core.terminal import show_path

    fw = load_framework(framework_path)
    from xl_eval.forms.scoresheet.support import FORM_NAME, SUPPORTED
    refuse_unsupported(fw, SUPPORTED, FORM_NAME)
    out = Path(outdir)
    problem = name_problem(out)
    if problem:
        raise UserError(f"{show_path(outdir)}：不能作为输出文件夹：{problem}")
    if os.path.lexists(out) and not out.is_dir():
        raise UserError(f"{show_path(outdir)}：已存在同名文件，不是文件夹")
    if json_path and json_path != "-":
        problem = output_problem(json_path)
        if problem:
            raise UserError(f"{show_path(json_path)}：无法写入 --json：{problem}")
        for given in (departments, projects_path):
            if given and same_file(json_path, given):
                raise UserError(f"{show_path(json_path)}：--json 是输入表本身，不会覆盖它（即使加了 --force）；"
                                f"请给 JSON 另起一个名字")
        if os.path.lexists(json_path) and not force:
            raise UserError(f"{show_path(json_path)}：文件已存在（要覆盖请加 --force）")
    # With --jobs N the workers start now: one builds the template while another reads the tables.
    runner = fill_mod.Runner(fw, jobs)
    run_id = new_run_id()
    results = fill_mod.ResultLog()      # spooled to disk: memory flat in the number of departments
    interrupted = False
    plan = None
    try:
        try:
            plan = runner.plan(departments, projects_path, year, sheet=sheet, header_row=header_row)
        except (TableError, fill_mod.FillError) as exc:
            raise UserError(str(exc)) from None
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{show_path(outdir)}：无法创建输出文件夹（{exc.strerror or exc}）") from None
        stale = remove_stale_temp_files(out)
        if stale:
            click.echo(f"{show_path(outdir)}：已删除以前被中断的运行留下的 {stale} 个临时文件（.xl-eval-*.tmp）", err=True)
        for m in plan.warnings + plan.errors:
            click.echo(m.text(), err=True)
        gen = runner.run(plan, out, overwrite=force, run_id=run_id, draft_reasons=not no_reasons,
                         fsync=not no_fsync)
        try:
            if sys.stderr.isatty() and len(plan.tasks) > 1:
                with click.progressbar(gen, length=len(plan.tasks), label="生成工作簿", file=sys.stderr) as bar:
                    for res in bar:
                        results.add(res)
            else:
                for res in gen:
                    results.add(res)
        finally:
            gen.close()
    except KeyboardInterrupt:
        interrupted = True
        for res in runner.late:         # files that were finished after Ctrl-C (they follow, in table order)
            results.add(res)
    finally:
        runner.close()              # waits for files being written: each is complete or absent
        if out.is_dir():
            remove_temp_files(out, run_id)
        if no_fsync and hasattr(os, "sync"):
            os.sync()               # the end-of-run sync that replaces one fsync per file

    if plan is None:                # interrupted while reading the tables
        raise click.Abort()
    text_out = sys.stderr if json_path == "-" else sys.stdout
    for res in results:
        for m in res.messages:
            click.echo(m.text(), err=True)
    summary = _summary(plan, results, out, interrupted)
    click.echo(_summary_text(plan, results, out, summary, interrupted), file=text_out)
    if json_path:
        chunks = _json_chunks(summary)          # json.dumps(summary, ensure_ascii=False, indent=2), as made
        if json_path == "-":
            for chunk in chunks:
                click.echo(chunk, nl=False)
            click.echo("")
        else:
            from xl_eval.core.outfiles import FileExists, atomic_write
            try:
                atomic_write(Path(json_path), (c.encode("utf-8", "backslashreplace") for c in (*chunks, "\n")),
                             overwrite=force)   # a non-UTF-8 file name: a \udcXX escape
            except FileExists:
                raise UserError(f"{show_path(json_path)}：文件已存在（要覆盖请加 --force）；"
                                f"工作簿已按上面的摘要写出") from None
            except OSError as exc:
                raise UserError(f"{show_path(json_path)}：无法写入（{exc.strerror or exc}）；"
                                f"工作簿已按上面的摘要写出") from None
    if interrupted:
        raise click.Abort()
    ctx.exit(summary["exit_code"])


def _summary(plan, results, out: Path, interrupted: bool) -> dict:
    """The run summary; its files and skipped_rows lists are made from *results*
    (a ResultLog) as they are read (_Listing)."""
    from xl_eval.batch.fill import WRITTEN
    skipped = results.count - results.written
    bad = skipped + len(plan.errors) + results.flagged
    return {
        "departments": plan.departments,
        "projects": plan.projects_file,
        "outdir": str(out),
        "framework": {"id": plan.fw.id, "version": plan.fw.version, "hash": plan.fw.content_hash},
        "rows": len(plan.tasks),
        "written": results.written,
        "skipped": skipped,
        "existing": results.existing,
        "not_done": len(plan.tasks) - results.count,
        "interrupted": interrupted,
        "findings": results.findings + len(plan.errors),
        "warnings": [m.as_json() for m in plan.warnings],
        "errors": [m.as_json() for m in plan.errors],
        "files": _Listing(results, results.written, lambda r: r.status == WRITTEN,
                          lambda r: {"row": r.row, "单位名称": r.name, "file": r.file_name,
                                     "path": str(out / r.file_name), "total": r.total, "grade": r.grade,
                                     "pending_inputs": r.pending, "problems": [m.as_json() for m in r.messages]}),
        "skipped_rows": _Listing(results, skipped, lambda r: r.status != WRITTEN,
                                 lambda r: {"row": r.row, "单位名称": r.name, "status": r.status,
                                            "problems": [m.as_json() for m in r.messages]}),
        "exit_code": 2 if interrupted else (1 if bad else 0),
    }


class _Listing:
    """A list of the summary made from the results each time it is read."""

    def __init__(self, results, count: int, keep, make):
        self.results, self.count, self.keep, self.make = results, count, keep, make

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return (self.make(r) for r in self.results if self.keep(r))

    def head(self, n: int) -> list:
        out = []
        for item in self:
            if len(out) == n:
                break
            out.append(item)
        return out


def _json_chunks(summary: dict):
    """``json.dumps(summary, ensure_ascii=False, indent=2)`` in pieces: the _Listing
    values are written item by item instead of being held."""
    def dumps(value, indent: str) -> str:      # the value's text, its lines after the first indented
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)
    yield "{"
    for i, (key, value) in enumerate(summary.items()):
        yield ("\n" if i == 0 else ",\n") + "  " + json.dumps(key, ensure_ascii=False) + ": "
        if isinstance(value, _Listing):
            if not len(value):
                yield "[]"
                continue
            yield "["
            for j, item in enumerate(value):
                yield ("\n" if j == 0 else ",\n") + "    " + dumps(item, "    ")
            yield "\n  ]"
        else:
            yield dumps(value, "  ")
    yield "\n}" if summary else "}"


def _summary_text(plan, results, out: Path, s: dict, interrupted: bool) -> str:
    from xl_eval.core.xlround import fixed
    lines = []
    shown = s["files"].head(LIST_LIMIT)
    for f in shown:
        if f["total"] is not None:
            grade = f["grade"] or ("—" if plan.fw.grades else "")     # a sheet without grades names none
            state = f"总分 {fixed(f['total'], plan.fw.precision.total)} {grade}".rstrip()
        elif f["pending_inputs"]:
            state = f"待评价人员填写 {f['pending_inputs']} 项"
        else:
            state = ""
        lines.append(f"  第{f['row']}行  {f['file']}  {state}".rstrip())
    if len(s["files"]) > LIST_LIMIT:
        lines.append(f"  ……以及另外 {len(s['files']) - LIST_LIMIT} 个（完整清单可用 --json 输出）")
    head = f"已生成 {s['written']} 个工作簿到 {out}"
    if lines:
        head += "："
    parts = [head, *lines]
    tail = f"共 {s['rows']} 行：生成 {s['written']} 个，未生成 {s['skipped']} 行"
    if s["existing"]:
        tail += f"（其中 {s['existing']} 个文件已存在、未覆盖，要覆盖请加 --force）"
    tail += f"；发现问题 {s['findings']} 条"
    if plan.warnings:
        tail += f"，提示 {len(plan.warnings)} 条"
    tail += "（逐条见上方）。" if s["findings"] or plan.warnings else "。"
    parts.append(tail)
    if interrupted:
        parts.append(f"已中止：还有 {s['not_done']} 行没有处理。已生成的文件都是完整的；"
                     f"再次运行时已存在的文件不会被覆盖（除非加 --force）。")
    return "\n".join(parts)

"""`xl-eval collect`: one summary workbook from the returned department workbooks."""

from __future__ import annotations

from pathlib import Path

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, UserError, load_framework


@click.command(short_help="汇总各单位交回的打分表：重新计算得分，生成汇总表和分布图。")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="汇总工作簿（.xlsx）。")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None,
              help="另外写一份 CSV（UTF-8 带 BOM，Excel 可直接打开）。")
@FRAMEWORK_OPTION
@click.option("--force", is_flag=True, help="覆盖已存在的汇总文件。")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="并行读取和校验的进程数；结果与 --jobs 1 完全相同。")
@click.pass_context
def collect(ctx, inputs, output, csv_path, framework_path, force, jobs):
    """读取 INPUTS（打分表工作簿，或包含工作簿的文件夹，文件夹会逐级查找 .xlsx），通过定义名称读取每个工作簿的输入项，用计分引擎重新计算（不采信文件中缓存的计算结果和被改写的得分），写出一个汇总工作簿：

    \b
      汇总      每个单位一行：一级指标小计、总分、等级、校验问题数、状态、文件；
                按总分从高到低排列（未完成的排在最后），带筛选；
      等级分布  各等级的单位数和占比、总分分段统计，以及两个柱形图；
      未能汇总  无法读取的文件及原因（没有则不生成此表）。

    \b
    评价判断项尚未填写的工作簿照样汇总，状态为“未完成”，不计等级。输入项按工作簿公式的方式严格读取
    （数字单元格中的文本“2100”、带空格的“否 ”都视为无效，与工作簿显示空白总分一致），状态为“输入有误”；
    `xl-eval check` 报告错误的工作簿状态为“校验有错误”，原因写在“说明”列。无法读取的文件会被报告，
    其余文件照常汇总。--csv 写出的 CSV 中，以 = + - @ 开头的文字前加单引号，防止被当作公式执行。

    \b
    项目支出绩效自评表（由 `xl-eval fill --indicators` 生成）自动识别：写出“项目汇总”“单位汇总”
    （标出全部项目自评100分的单位）“分数分布”和“未能汇总”。

    \b
    退出码：0 全部汇总且都完成校验；1 有文件无法读取、输入有误或校验有错误；2 无法运行（如文件或文件夹不存在、
    没有找到工作簿、汇总文件已存在；此时不写出汇总）。

    \b
    示例：
      xl-eval fill samples/departments.csv --projects samples/projects.csv -o 交回
      xl-eval collect 交回 -o 汇总.xlsx
      xl-eval collect 交回/*.xlsx -o 汇总2.xlsx --csv 汇总.csv
    """
    from xl_eval.batch import collect as col
    from xl_eval.commands.common import doing
    from xl_eval.core.outfiles import FileExists, atomic_write, output_problem, remove_stale_temp_files, same_file
    from xl_eval.core.terminal import show_path

    out = Path(output)
    targets = [out] + ([Path(csv_path)] if csv_path else [])
    if csv_path and same_file(out, csv_path):
        raise UserError(f"{show_path(csv_path)}：--csv 与 -o 是同一个文件；请给 CSV 另起一个名字")
    for t in targets:
        problem = output_problem(t)
        if problem:
            raise UserError(f"{show_path(t)}：无法写入汇总文件：{problem}")
        if t.exists() and not force:
            raise UserError(f"{show_path(t)}：文件已存在（要覆盖请加 --force）")
        if t.exists() and col.is_scoresheet(t):
            raise UserError(f"{show_path(t)}：这是一个打分表（由 xl-eval 模板生成），不会用汇总覆盖它，"
                            f"即使加了 --force；请给汇总文件另起一个名字，最好放在被汇总的文件夹之外")
    paths, bad, locks = col.find_workbooks(list(inputs), targets)
    if bad:      # a mistyped folder: nothing is written rather than a summary without it
        raise UserError("；".join(f"{arg}：{why}" for arg, why in bad) + "（未写出汇总）")
    for lock in locks:
        click.echo(f"{lock}：是 Excel/WPS 打开文件时留下的锁定文件（~$ 开头，不是工作簿），已跳过", err=True)
    from xl_eval.check.selfeval import is_selfeval
    if paths and is_selfeval(paths[0][0]):
        from xl_eval.commands import selfeval_cli
        return selfeval_cli.collect(ctx, paths, bad, out, csv_path, framework_path, jobs)
    fw = load_framework(framework_path)
    failed: list[tuple[str, str]] = []
    depts = []
    with doing("汇总（读取工作簿）"):
        for shown, d in col.collect_all(fw, paths, jobs):
            if isinstance(d, str):
                failed.append((shown, d))
            else:
                depts.append(d)
    if not depts and not failed:
        raise UserError("没有找到工作簿（.xlsx）：" + " ".join(show_path(i) for i in inputs))
    for shown, why in failed:
        click.echo(f"{shown}：无法汇总：{why}", err=True)
    for d in depts:
        for p in d.problems:
            click.echo(f"{d.shown}：{p}", err=True)
        if d.check_errors and not d.problems:
            click.echo(f"{d.shown}：{d.status}", err=True)
    names: dict[str, str] = {}
    for d in depts:
        if d.name and d.name in names:
            click.echo(f"{d.shown}：单位名称“{d.name}”与 {names[d.name]} 相同（两行都已汇总）", err=True)
        elif d.name:
            names[d.name] = d.shown

    depts.sort(key=col.sort_key)
    with_findings = any(d.findings is not None for d in depts)
    written: list[str] = []
    outputs = [(out, lambda: col.build_summary(fw, depts, failed, with_findings))]
    if csv_path:
        outputs.append((Path(csv_path), lambda: col.csv_chunks(fw, depts, with_findings)))
    for target, build in outputs:
        remove_stale_temp_files(target.parent)
        with doing("写出汇总文件", show_path(target)):
            try:
                atomic_write(target, build(), overwrite=force)
            except FileExists:
                raise UserError(_not_written(target, written, "文件已存在（要覆盖请加 --force）")) from None
            except OSError as exc:
                raise UserError(_not_written(target, written, f"{exc.strerror or exc}；"
                                             f"如果文件正在 Excel/WPS 中打开，请先关闭")) from None
        written.append(show_path(target))

    finished = sum(d.complete for d in depts)
    grades = {}
    for d in depts:
        if d.evaluation.grade and d.complete:
            grades[d.evaluation.grade] = grades.get(d.evaluation.grade, 0) + 1
    dist = "，".join(f"{g.name} {grades.get(g.name, 0)}" for g in fw.grades)
    msg = (f"已汇总 {len(depts)} 个工作簿到 {show_path(out)}"
           + (f"（及 {show_path(csv_path)}）" if csv_path else "")
           + f"：完成 {finished} 个{f'（{dist}）' if dist else ''}，未完成 {len(depts) - finished} 个")
    if failed:
        msg += f"；无法汇总 {len(failed)} 个（见上方）"
    click.echo(msg + "。")
    bad_inputs = any(d.problems or d.check_errors for d in depts)
    ctx.exit(1 if failed or bad_inputs else 0)


def _not_written(target: Path, written: list[str], why: str) -> str:
    from xl_eval.core.terminal import show_path
    done = f"已写出 {'、'.join(written)}；" if written else "没有写出任何文件；"
    return f"{show_path(target)}：无法写入（{why}）。{done}{show_path(target)} 未写出（原有文件保持不变）"

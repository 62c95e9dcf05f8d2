"""`xl-eval report`: the evaluation report (Word) of one workbook, or the batch summary."""

from __future__ import annotations

from pathlib import Path

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, UserError, load_framework

NO_DOCX = ("生成 Word 报告需要 python-docx：pip install \"xl-eval[report]\"（或 pip install python-docx）")


@click.command(short_help="根据打分表生成评价报告（Word）：评分章节、得分表、附件打分表；或多个单位的汇总报告。")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="报告文件（.docx）。单个报告默认为当前文件夹的“<打分表文件名>_评价报告.docx”；--summary 时必须给出。")
@FRAMEWORK_OPTION
@click.option("--template", "template_path", type=click.Path(dir_okay=False), default=None,
              help="本单位的 Word 文档（.docx）作为样式模板：使用其中的样式，保留其中的文字（放在生成的章节之前）。")
@click.option("--summary", is_flag=True,
              help="汇总报告：INPUTS 为多个打分表或文件夹，写出等级分布、单位得分排名和校验发现问题的单位。")
@click.option("--force", is_flag=True,
              help="覆盖已存在的报告文件；打分表校验有错误时也生成报告（报告开头写明警告）。")
@click.pass_context
def report(ctx, inputs, output, framework_path, template_path, summary, force):
    """根据填好的打分表（.xlsx）生成评价报告（Word，.docx）。

    \b
    单个报告（INPUTS 为一个打分表）：按“定义名称”读取输入项，由计分引擎重新计算
    （不采信文件中的缓存值和被改写的得分），按财预〔2020〕10号附3的提纲写出：
      一、基本情况（主要财务数据表）          二、绩效评价工作开展情况（指标体系）
      三、综合评价情况及评价结论（总分、等级、一级指标得分表）
      四、绩效评价指标分析（各一级指标的得分表；每个三级指标一段分析；
          每个二级、一级指标以“综上，××指标应得分N分，实际得分M分。”结束）
      五、主要经验及做法、存在的问题及原因分析（列出扣分指标）  六、有关建议
      七、其他需要说明的问题（校验提示）
      附件1 打分表（与工作簿“打分表”内容一致，合并单元格，表头每页重复）
      附件2 绩效评价报告主管部门意见反馈表
    工具无法知道的内容写为红字黄底的“【待填写：……】”，由评价人员补充。
    A4，正文仿宋，标题黑体/楷体，页码居中；数字的位数与打分表显示的相同。

    \b
    打分表经 xl-eval check 校验有错误时不生成报告，列出错误，退出码 1；
    加 --force 则照样生成，并在报告开头写明警告和错误清单。

    \b
    汇总报告（--summary，INPUTS 为多个打分表或文件夹）：汇总情况、等级分布（含条形图）、
    各单位得分排名表、校验发现问题的单位、无法读取的文件。

    \b
    退出码：0 已生成；1 打分表校验有错误而未生成（汇总报告：有文件无法读取或有单位校验有错误，
    报告照样生成）；2 无法运行（文件不存在或无法读取、模板无效、报告文件已存在而未加 --force）。

    \b
    项目支出绩效自评表（xl-eval fill --indicators 生成的工作簿）自动识别，写出简短的自评报告：
    项目基本情况、自评结论（总分、等级、一级指标得分表）、偏差原因分析（未完成的指标及原因）、
    整改措施（待单位填写）、其他需要说明的问题（校验提示）。

    \b
    本机构的报告模板：--template 模板.docx（使用其样式，保留其文字，生成的章节从新的一页开始）。

    \b
    示例：
      xl-eval report samples/seed_filled.xlsx -o 评价报告.docx
      xl-eval report samples --summary -o 汇总报告.docx
      xl-eval fill samples/selfeval/projects.csv --indicators samples/selfeval/indicators.csv -o 自评表 && xl-eval report 自评表/城区老旧小区改造.xlsx -o 自评报告.docx
    """
    try:
        import docx  # noqa: F401
    except ImportError:
        raise UserError(NO_DOCX) from None
    if not summary and len(inputs) == 1:
        from xl_eval.check.selfeval import is_selfeval
        if is_selfeval(inputs[0]):          # a 项目支出绩效自评表: its own short report
            from xl_eval.commands import selfeval_cli
            ctx.exit(selfeval_cli.report(Path(inputs[0]), inputs[0], output, framework_path, template_path, force))
    fw = load_framework(framework_path)
    if summary:
        if not output:
            raise UserError("--summary 需要用 -o 指定汇总报告文件（.docx）")
        ctx.exit(_summary(fw, list(inputs), Path(output), template_path, force))
    if len(inputs) != 1:
        raise UserError(f"单个报告只能给一个打分表（给了 {len(inputs)} 个）；多个单位请加 --summary 生成汇总报告")
    ctx.exit(_single(fw, Path(inputs[0]), inputs[0], output, template_path, force))


def _target(output: str | None, workbook: Path, suffix: str = "_评价报告") -> Path:
    out = Path(output) if output else Path(workbook.stem + suffix + ".docx")
    if out.suffix.lower() != ".docx":
        raise UserError(f"{out}：报告文件名应以 .docx 结尾")
    if out.parent and not out.parent.is_dir():
        raise UserError(f"{out}：文件夹 {out.parent} 不存在")
    return out


def _write(out: Path, data: bytes, force: bool) -> None:
    from xl_eval.core.outfiles import FileExists, atomic_write
    try:
        atomic_write(out, data, overwrite=force)
    except FileExists:
        raise UserError(f"{out}：文件已存在（要覆盖请加 --force）") from None
    except OSError as exc:
        raise UserError(f"无法写入报告文件 {out}（{exc.strerror or exc}；"
                        "如果文件正在 Word/WPS 中打开，请先关闭）") from None


def _single(fw, path: Path, shown: str, output, template_path, force) -> int:
    from xl_eval.report.document import build_report
    from xl_eval.report.source import ReportError, read_source
    from xl_eval.report.templates import TemplateError

    out = _target(output, path)
    refuse_before_work(out, template_path, force)
    if not path.is_file():
        raise UserError(f"{shown}：文件不存在" if not path.exists() else f"{shown}：不是文件")
    try:
        src = read_source(fw, path, shown)
    except ReportError as exc:
        raise UserError(f"{shown}：无法生成报告：{exc}") from None
    errors = src.errors
    if refused(shown, src, force, "打分表"):
        return 1
    for p in src.problems:
        click.echo(f"{shown}：{p}", err=True)
    try:
        data = build_report(src, template=template_path, forced=errors if errors else None)
    except TemplateError as exc:
        raise UserError(f"--template：{exc}") from None
    _write(out, data, force)
    ev = src.evaluation
    result = f"总分 {ev.total:.2f}，等级 {ev.grade or '—'}" if ev.total is not None else "总分无法计算（有未填写的计分输入）"
    warn = f"；注意：校验有 {len(errors)} 个错误，报告开头已写明警告" if errors else ""
    click.echo(f"已生成评价报告 {out}（{src.name or shown}：{result}{warn}）。")
    return 0


def _summary(fw, inputs: list[str], out: Path, template_path, force) -> int:
    from xl_eval.batch.collect import find_workbooks
    from xl_eval.report.source import ReportError, read_source
    from xl_eval.report.summary import build_summary
    from xl_eval.report.templates import TemplateError

    out = _target(str(out), out)
    refuse_before_work(out, template_path, force)
    paths, bad, locks = find_workbooks(inputs, [out])
    failed = list(bad)
    for lock in locks:
        click.echo(f"{lock}：是 Excel/WPS 打开文件时留下的锁定文件（~$ 开头，不是工作簿），已跳过", err=True)
    sources = []
    for path, shown in paths:
        try:
            sources.append(read_source(fw, path, shown, grid=False))
        except ReportError as exc:
            failed.append((shown, str(exc)))
    if not sources and not failed:
        raise UserError("没有找到打分表（.xlsx）：" + " ".join(inputs))
    for shown, why in failed:
        click.echo(f"{shown}：无法汇总：{why}", err=True)
    try:
        data = build_summary(fw, sources, failed, template=template_path)
    except TemplateError as exc:
        raise UserError(f"--template：{exc}") from None
    _write(out, data, force)
    with_errors = sum(bool(s.errors) for s in sources)
    click.echo(f"已生成汇总报告 {out}：{len(sources)} 个打分表"
               + (f"，其中 {with_errors} 个校验有错误" if with_errors else "")
               + (f"；无法读取 {len(failed)} 个（见上方）" if failed else "") + "。")
    return 1 if failed or with_errors else 0


def refuse_before_work(out: Path, template_path, force: bool) -> None:
    """UserError for an existing output without --force or a template that cannot be used."""
    from xl_eval.report.templates import TemplateError, open_template
    if out.exists() and not force:
        raise UserError(f"{out}：文件已存在（要覆盖请加 --force）")
    if template_path:
        try:
            open_template(template_path)
        except TemplateError as exc:
            raise UserError(f"--template：{exc}") from None


def refused(shown: str, src, force: bool, form: str) -> bool:
    """List the source's check findings; True when they stop the report (errors
    without --force).  A workbook that cannot be checked at all is a UserError."""
    for f in src.findings:
        where = f":{f.where}" if f.where else ""
        click.echo(f"{shown}{where}: {f.code} [{f.severity}] {f.message}", err=True)
    errors = src.errors
    if any(f.severity == "fatal" for f in errors):
        raise UserError(f"{shown}：{form}无法检查，不能生成报告")
    if errors and not force:
        click.echo(f"{shown}：{form}校验有 {len(errors)} 个错误（见上方），未生成报告。"
                   "请改正后重试；确需生成请加 --force（报告开头将写明警告）。", err=True)
        return True
    return False

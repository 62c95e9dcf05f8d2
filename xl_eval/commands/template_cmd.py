"""`xl-eval template`: generate the Excel workbook template from a framework."""

from __future__ import annotations

from pathlib import Path

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, UserError, load_framework, refuse_unsupported

DEFAULT_OUTPUT = "部门整体支出绩效评价打分表.xlsx"
DEFAULT_OUTPUT_UDF = "部门整体支出绩效评价打分表（XE函数版）.xlsx"


@click.command(short_help="由指标体系生成可自动计算的 Excel 打分表模板。")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help=f"输出文件（.xlsx）；默认为当前文件夹下的“{DEFAULT_OUTPUT}”"
                   f"（加 --udf 时为“{DEFAULT_OUTPUT_UDF}”）。")
@FRAMEWORK_OPTION
@click.option("--udf", is_flag=True,
              help="生成 XE 函数版：得分单元格调用 xl-eval 的 xlwings 函数（XE_SCORE 等），"
                   "需 Windows 版 Excel 和 xlwings 加载项；另存为 .xlsm 并 Import Functions 后计算。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@click.pass_context
def template(ctx, output, framework_path, udf, force):
    """按指标体系框架生成 Excel 打分表模板（.xlsx）。

    \b
    模板与附件1的打分表一致（一级/二级/三级指标、权重、指标解释、评分标准、
    得分、得分率、完成情况、扣分原因、合计、评价等级、备注说明），另有
    填表说明、基础数据、项目明细、汇总（表3）和评分参数工作表。
    原生模板的全部得分用 Excel 自带函数计算，在 Excel、WPS 和 LibreOffice 中
    无需安装任何插件即可自动计算；工作表已保护（无密码），只有黄色单元格可以填写。

    \b
    加 --udf 生成 XE 函数版：工作表、填写单元格和名称相同，但比率、指标得分、
    自定义指标行得分、四舍五入和评价等级调用 xl-eval 计分引擎的 xlwings 函数
    （XE_RATE、XE_SCORE、XE_ROW、XE_ROUND、XE_GRADE），另有 xlwings.conf 工作表
    （UDF Modules = xl_eval.udfs）；原生模板支持的框架（含权重待定和单位
    自定义指标行）都可生成。需要 Windows 桌面版 Excel 和 xlwings 加载项：在 Excel 中
    另存为 .xlsm，勾选 VBA 引用 xlwings，点击 Import Functions 后自动计算；
    WPS 和 LibreOffice 中请用原生模板。

    \b
    格式 2 的框架：按指标值计分（≥ ≤ = 日期 定性）、定性分档、二者择其一、
    分档的 else 得分与按比例分档、低于阈值扣分、除以输入项的表达式、子项
    封顶或折算，以及百分比、带单位数值、日期输入项，都以原生公式计算，参数
    印在“评分参数”表；单位自定义的指标行（“自定义指标”表，含及格线、偏离和
    按实际完成值分档）和可在范围内调整的权重（打分表权重栏填写，预填默认值）
    也已支持；模板暂不能表示的写法会逐条列出并退出（退出码 2）。

    \b
    输出文件已存在时不会覆盖，除非加 --force。框架文件有错误（见
    `xl-eval framework lint`）时不生成模板，退出码为 1。

    \b
    示例：
      xl-eval template
      xl-eval template -o 中山路街道打分表.xlsx
      xl-eval template --framework samples/指标体系_附件1.yaml -o 模板.xlsx --force
      xl-eval template --udf -o XE函数版.xlsx
    """
    from xl_eval.forms.scoresheet.layout import LayoutError
    from xl_eval.framework.lint import lint
    from xl_eval.forms.scoresheet.template import write_template

    out = Path(output) if output else Path(DEFAULT_OUTPUT_UDF if udf else DEFAULT_OUTPUT)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{out}")
    if out.is_dir():
        raise UserError(f"输出路径是一个文件夹：{out}")
    if not out.parent.is_dir() and str(out.parent):
        raise UserError(f"输出文件夹不存在：{out.parent}")
    if out.exists() and not force:
        raise UserError(f"文件已存在：{out}（如要覆盖，请加 --force）")

    fw = load_framework(framework_path, lint=False)
    from xl_eval.commands import selfeval_cli
    if selfeval_cli.is_selfeval_framework(fw):      # the 项目支出绩效自评表 form
        out = Path(output) if output else Path(selfeval_cli.TEMPLATE_NAME)
        if out.exists() and not force:
            raise UserError(f"文件已存在：{out}（如要覆盖，请加 --force）")
        selfeval_cli.write_template(fw, out, force)
        click.echo(f"已生成：{out}（{fw.title}，框架 {fw.id} 版本 {fw.version}，指纹 {fw.content_hash}）")
        ctx.exit(0)
    from xl_eval.forms.scoresheet.support import FORM_NAME, SUPPORTED
    refuse_unsupported(fw, SUPPORTED, FORM_NAME)
    where = framework_path or "内置框架"
    problems = lint(fw)
    for p in problems:
        click.echo(f"{where}: {p.key}: {p.code} [{p.severity}] {p.message}", err=True)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        click.echo(f"错误：框架有 {len(errors)} 个错误，未生成模板（请先用 xl-eval framework lint 检查并修改）。", err=True)
        ctx.exit(1)
    try:
        write_template(fw, out, overwrite=force, formulas="udf" if udf else "native")
    except LayoutError as exc:
        raise UserError(f"无法按此框架生成模板：{exc}") from None
    except FileExistsError:
        raise UserError(f"文件已存在：{out}（如要覆盖，请加 --force）") from None
    except OSError as exc:
        raise UserError(f"无法写入 {out}：{exc.strerror or exc}") from None
    variant = "XE 函数版，" if udf else ""
    click.echo(f"已生成：{out}（{variant}{fw.title}，框架 {fw.id} 版本 {fw.version}，指纹 {fw.content_hash}）")
    if udf:
        from xl_eval.forms.scoresheet.layout import is_shipped, shipped_name
        click.echo("XE 函数版需要 Windows 桌面版 Excel 和 xlwings 加载项：在 Excel 中另存为 .xlsm，"
                   "VBA 编辑器“工具 › 引用”勾选 xlwings，再点 xlwings 选项卡的 Import Functions（见 README）。")
        if not is_shipped(fw) and shipped_name(fw):
            click.echo(f"XE 函数将按 xl-eval 内置的框架 {shipped_name(fw)} 计分（换电脑无需修改）。")
        elif not is_shipped(fw):
            click.echo(f"XE 函数将按框架文件 {Path(fw.path).resolve()} 计分；在其他电脑上使用时请修改隐藏工作表 "
                       "xl_eval 中的 framework_path。")

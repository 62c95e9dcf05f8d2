"""xl-eval command line: the click group and exit codes.

Each command lives in xl_eval/commands/ and imports heavy libraries
(pandas, openpyxl) inside its function, so `xl-eval --help` stays fast.
"""

from __future__ import annotations

import os
import sys

import click

from xl_eval.commands import click_zh

click_zh.use("zh")      # before the commands are built: click's texts (Usage:, Options: …) in Chinese

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

HELP = """xl-eval：部门整体支出绩效评价打分表工具。

\b
把附件1式的指标体系写成框架文件（YAML），由同一个计分引擎驱动：
  template   生成可自动计算的 Excel 打分表模板（Excel、WPS、LibreOffice 无需插件）
  fill       按单位表（和项目表）批量生成各单位已填好数据的打分表
  check      检查回收的打分表：输入、公式、得分、文字是否前后一致
  collect    汇总多个打分表的得分和等级
  report     根据打分表生成评价报告（Word）或多个单位的汇总报告
  score      按表格（CSV/XLSX，每行一个单位）直接计算各单位得分和等级
  framework  查看或检查框架文件（指标、权重、输入项、评分规则）

\b
退出码：0 正常；1 发现问题（如某行数据有误、框架有错误）；2 无法运行（文件不存在、无法读取等）。
示例（在仓库根目录，用自带的 samples 即可运行）：
  xl-eval template -o 打分表.xlsx
  xl-eval fill samples/departments.csv --projects samples/projects.csv -o out
  xl-eval check out
  xl-eval collect out -o 汇总.xlsx
  xl-eval report samples/seed_filled.xlsx -o 评价报告.docx
  xl-eval score samples/departments.csv --projects samples/projects.csv
  xl-eval framework show
  xl-eval framework lint samples/指标体系_附件1.yaml
"""


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="xl-eval", prog_name="xl-eval")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", expose_value=False,
              help="命令行自身文字（用法、选项、参数错误）的语言；也可设环境变量 XL_EVAL_LANG=en。")
def cli() -> None:
    pass


def _register() -> None:
    from xl_eval.commands.check_cmd import check
    from xl_eval.commands.collect_cmd import collect
    from xl_eval.commands.fill_cmd import fill
    from xl_eval.commands.framework_cmd import framework
    from xl_eval.commands.report_cmd import report
    from xl_eval.commands.score_cmd import score
    from xl_eval.commands.template_cmd import template
    for command in (template, fill, check, collect, report, score, framework):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code instead of raising SystemExit."""
    lang = click_zh.lang_of(sys.argv[1:] if argv is None else list(argv), os.environ)
    click_zh.use(lang)
    click_zh.metavars(cli, lang)
    try:
        rv = cli.main(args=argv, prog_name="xl-eval", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except click.Abort:
        click.echo("已中止。", err=True)
        return EXIT_ERROR
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    return rv if isinstance(rv, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

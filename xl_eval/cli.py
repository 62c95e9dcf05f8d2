"""xl-eval command line: the click group and exit codes.

Each command lives in xl_eval/commands/ and imports heavy libraries
(pandas, openpyxl) inside its function, so `xl-eval --help` stays fast.
"""

from __future__ import annotations

import os
import signal
import re
import sys

import click

from xl_eval.commands import click_zh

click_zh.use("zh")      # before the commands are built: click's texts (Usage:, Options: …) in Chinese

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

HELP = """xl-eval：预算绩效评价打分表和项目支出绩效自评表工具。

\b
把指标体系（部门整体支出、项目支出、自评表）写成框架文件（YAML），由同一个计分引擎驱动：
  template   生成可自动计算的 Excel 打分表模板（Excel、WPS、LibreOffice 无需插件）
  fill       按单位表（和项目表）批量生成各单位已填好数据的打分表；加 --indicators 生成自评表
  check      检查回收的打分表、自评表，以及评价机构的打分表和 Word 报告是否前后一致
  collect    汇总多个打分表的得分和等级
  report     根据打分表生成评价报告（Word）或多个单位的汇总报告
  score      按表格（CSV/XLSX，每行一个单位）直接计算各单位得分和等级
  framework  查看、检查、升级或导入框架文件；framework list 列出内置的指标体系

\b
退出码：0 正常；1 发现问题（如某行数据有误、框架有错误）；2 无法运行（文件不存在、无法读取等）。
出现意外错误时只显示一行中文说明（哪个文件、在做什么），退出码 2；加 --debug 显示 Python 报错堆栈。
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
@click.option("--debug", is_flag=True, help="出现意外错误时显示 Python 报错堆栈（报告问题时使用；也可写在子命令之后）。")
def cli(debug: bool) -> None:
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
    """Entry point; returns the exit code instead of raising SystemExit.

    Whatever happens inside a command, the user sees Chinese lines and an
    exit code 0/1/2: an unexpected exception becomes one line naming the
    file and what was being done (exit 2); ``--debug`` (anywhere on the
    command line) adds the traceback.  Everything printed passes through
    terminal.SafeStream, so control characters from the user's files never
    reach the terminal raw.
    """
    from xl_eval.core.terminal import SafeStream
    args = list(sys.argv[1:] if argv is None else argv)
    lang = click_zh.lang_of(args, os.environ)
    click_zh.use(lang)
    click_zh.metavars(cli, lang)
    debug = _take_debug(args)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        return _run(args, debug)
    finally:
        # The command has finished or said why not: a Ctrl-C arriving now would
        # only print a traceback over a complete result, so it is ignored here.
        previous = _set_sigint(signal.SIG_IGN)
        try:
            sys.stdout.flush()
        except Exception:
            pass
        sys.stdout, sys.stderr = saved
        if previous is not None:
            _set_sigint(previous)


def _set_sigint(handler):
    """Install *handler* for SIGINT; returns the previous one (None off the main thread)."""
    try:
        return signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):
        return None


def _take_debug(args: list[str]) -> bool:
    """Remove --debug from anywhere before a "--" (click wants it before the command)."""
    end = args.index("--") if "--" in args else len(args)
    found = "--debug" in args[:end]
    if found:
        args[:end] = [a for a in args[:end] if a != "--debug"]
    return found


def _run(args: list[str], debug: bool) -> int:
    try:
        rv = cli.main(args=args, prog_name="xl-eval", standalone_mode=False)
        return rv if isinstance(rv, int) else EXIT_OK
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except (click.Abort, KeyboardInterrupt):
        click.echo("已中止。", err=True)
        return EXIT_ERROR
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except BrokenPipeError:             # e.g. `xl-eval check … | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_ERROR
    except BaseException as exc:        # a bug or the machine, never the user's data: one line, exit 2
        if debug:
            import traceback
            traceback.print_exc()
        click.echo(_crash_text(exc, args), err=True)
        return EXIT_ERROR


def _crash_text(exc: BaseException, args: list[str]) -> str:
    """One Chinese line: what was being done, to which file, and what happened."""
    doing = getattr(exc, "xl_eval_doing", None)
    command = next((a for a in args if not a.startswith("-")), "")
    if doing is not None:
        action, path = doing
        where = f"{path}：{action}时" if path else f"{action}时"
    else:
        path = getattr(exc, "filename", None)
        if not path:       # name the files given on the command line
            given = [a for a in args if not a.startswith("-") and a != command and _exists(a)]
            path = "、".join(given[:3]) + ("……" if len(given) > 3 else "")
        where = f"{path}：" if path else ""
        where += f"运行 xl-eval {command} 时".rstrip() if command else "运行 xl-eval 时"
    if isinstance(exc, OSError) and exc.strerror:       # the file system said no: not a bug
        import errno
        hint = {errno.ENAMETOOLONG: "文件或文件夹名称过长", errno.ENOSPC: "磁盘已满", errno.EROFS: "文件系统只读",
                errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EFBIG: "文件过大",
                errno.ENOENT: "文件或文件夹不存在"}.get(exc.errno, "")
        return (f"错误：{where}出错：{hint or '系统错误'}（{exc.strerror}）；请检查路径、权限和磁盘空间。"
                f"已写出的文件都是完整的。")
    if isinstance(exc, MemoryError):
        what = "内存不足"
    elif isinstance(exc, RecursionError):
        what = "数据嵌套过深"
    else:
        text = str(exc)
        what = f"内部错误 {type(exc).__name__}" + (f"：{text[:200]}" if text else "")
    return (f"错误：{where}出错（{what}）。这是 xl-eval 的问题，不是数据的问题；"
            f"请加 --debug 重新运行并把输出报告给维护者。")


def _exists(path: str) -> bool:
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main())

"""`xl-eval check`: validate filled workbooks like a linter."""

from __future__ import annotations

import json
from pathlib import Path

import click

from xl_eval.commands.common import UserError, load_framework

SUMMARY = {
    "zh": "共检查 {n} 个文件：错误 {e} 个，警告 {w} 个；无法检查的文件 {f} 个。",
    "en": "checked {n} file(s): {e} error(s), {w} warning(s); {f} file(s) could not be checked.",
}
FOLLOWING = {"zh": "（另有 {c} 个问题由上面的问题引起，缩进列在其下）",
             "en": " ({c} more finding(s) follow from the ones above, indented under them)"}
CONSEQUENCE = {"zh": "    └ 由此引起：", "en": "    └ follows: "}
ANNOTATED = {"zh": "已写出带批注的副本：{path}", "en": "annotated copy written: {path}"}


@click.command(short_help="检查填好的打分表：输入、公式、得分、文字说明是否前后一致。")
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--framework", "-f", "framework_path", type=str, default=None, metavar="名称或文件",
              help="指标体系：内置体系的名称（见 xl-eval framework list，如 annex1）或框架文件（YAML）路径；"
                   "不指定时按工作簿记录的框架选用内置体系（如 project_2020_10），其他文件用内置的附件1指标体系。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text：每条问题一行“文件:工作表!单元格: 代码 [级别] 说明”，最后一行为汇总；"
                   "json：问题记录列表（file、code、severity、sheet、cell、message、name）。")
@click.option("--strict", is_flag=True, help="有警告（warning）也以退出码 1 结束。")
@click.option("--annotate", "annotate_dir", type=click.Path(file_okay=False), default=None,
              help="把每个检查过的文件复制到此目录：问题单元格标色（错误红色、警告蓝色）并加批注，"
                   "另加“问题清单”工作表（文件、位置、代码、级别、说明，点击位置跳到该单元格）；"
                   "原文件不会被修改，目录中已有的同名文件不覆盖（除非 --force）。")
@click.option("--force", is_flag=True, help="--annotate 时覆盖目录中已有的同名副本。")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="说明文字的语言。")
@click.option("--list-codes", is_flag=True, help="列出全部问题代码及说明后退出。")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="并行进程数；输出（内容和顺序）与 --jobs 1 完全相同。")
@click.pass_context
def check(ctx, files, framework_path, fmt, strict, annotate_dir, force, lang, list_codes, jobs):
    """检查 FILES（由 `xl-eval template` 生成、填好的 .xlsx 打分表，或包含它们的文件夹），逐条报告问题。

    不是 xl-eval 模板的 .xlsx（评价机构自己做的打分表）和 Word 报告（.docx）也可以检查：
    按列标题（一级/二级/三级指标、权重、得分、得分率……）找到打分表，按指标代码、名称或框架中的别名
    对应到指标，核对权重、得分范围、得分率、小计合计、等级、各表之间、正文的得分句子、年份、
    前后引用的金额，并按文字所引数据用计分引擎重算（XE7xx）。Word 问题位置写作“表格N 第r行第c列”或“正文第N段”。

    \b
    检查内容：
      XE1xx 文件与结构：能否打开（.xls、加密、损坏、压缩炸弹等）、是否 xl-eval 模板、框架和版本、工作表和名称
      XE2xx 输入：必填项、文本写的数字（如“三千”“3592.06万元”“３５９２”）、负数、范围、选项、互相矛盾的数
      XE3xx 公式：计算单元格被数值覆盖或被改动、显示错误值、评分参数被改动
      XE4xx 得分：按本表输入重新计算，逐项核对得分、子项、得分率、小计、总分和等级（有缓存值时）
      XE5xx 文字：扣分未写原因、已计分但完成情况为空、文字中的比率/金额/扣分与数据不符、年份不是评价年度
      XE6xx 项目明细：项目数、名称、金额、决算超预算
      XE7xx 其他打分表和 Word 报告：找不到打分表、对应不到指标、权重、得分、小计合计、等级、表格之间、
            评分标准分值、扣分/得分文字、年份、同一数据前后不一、按所引数据重算、正文句子、金额表合计
      XE8xx 项目支出绩效自评表：得分按指标值和完成值重算、分值合计、偏差原因、成本指标“≥”、
            超额完成、满意度无调查、执行率低于90%、执行数超预算、资金合计、无法评定的指标

    \b
    文件夹：检查其中（含子文件夹）全部 .xlsx/.xlsm，跳过 Excel 的临时文件（~$开头）和 --annotate 目录。
    @清单.txt：检查清单文件中列出的文件或文件夹（每行一个，UTF-8）；文件很多时用文件夹或清单，
    不受命令行长度的限制（如 10 万个文件）。
    公式被覆盖等问题会使下游的得分率、小计、总分、等级一并不符：这些只算一次，缩进列在根源问题之下
    （JSON 中为 caused_by，值为根源问题的位置）。

    \b
    退出码：0 没有错误（警告不影响，除非 --strict）；1 有错误；2 有文件无法检查或参数有误。

    \b
    示例：
      xl-eval check samples/seed_filled.xlsx
      xl-eval check samples --format json > 检查结果.json
      xl-eval check samples --jobs 2
      xl-eval check samples/seed_filled.xlsx --annotate 批注/
      xl-eval check --list-codes
    """
    from xl_eval.check.findings import CODES, title

    if list_codes:
        for code, entry in CODES.items():
            click.echo(f"{code} [{entry.severity}] {title(code, lang)}")
        ctx.exit(0)
    if not files:
        raise UserError("请给出要检查的 .xlsx 文件（或用 --list-codes 列出问题代码）")
    fw = load_framework(framework_path)
    files = expand_folders(expand_lists(files), annotate_dir)
    targets = _annotation_targets(files, annotate_dir, force) if annotate_dir else {}

    from xl_eval.core.outfiles import FileExists

    totals = {"fatal": 0, "error": 0, "warning": 0}
    following = 0
    unchecked = 0
    first = True
    if fmt == "json":
        click.echo("[", nl=False)
    from xl_eval.core.terminal import show_path
    for path, result in check_all(files, fw, bool(framework_path), lang, jobs):
        shown = show_path(path)        # a GBK name from a Windows archive reads as 城东.xlsx (JSON keeps the bytes)
        if isinstance(result, str):   # a bug, not a bad workbook: report it, check the other files
            click.echo(f"{shown}: 内部错误，未能检查：{result}（请报告此问题）", err=True)
            unchecked += 1
            continue
        for f in result.findings:
            if f.caused_by:
                following += 1
            else:
                totals[f.severity] += 1
        unchecked += not result.checked
        if fmt == "json":
            for rec in result.records():
                click.echo(("\n  " if first else ",\n  ") + json.dumps(rec, ensure_ascii=False), nl=False)
                first = False
        else:
            for f in result.findings:
                where = f":{f.where}" if f.where else ""
                lead = CONSEQUENCE[lang] if f.caused_by else ""
                click.echo(f"{lead}{shown}{where}: {f.code} [{f.severity}] {f.message}")
        if path in targets and result.checked:
            if is_docx(path):
                click.echo(f"{shown}: --annotate 只能用于 .xlsx 工作簿；Word 文档的问题见上面的列表（表格、行、列或段落）",
                           err=True)
                continue
            from xl_eval.check.workbook import AnnotateRefused, annotate
            try:
                annotate(path, result.findings, targets[path], overwrite=force, shown_name=shown)
            except AnnotateRefused as exc:
                click.echo(f"{shown}: --annotate：{exc}（检查结果见上）", err=True)
                unchecked += 1
            except FileExists:
                click.echo(f"{shown}: --annotate：{targets[path]} 已存在，未覆盖（要覆盖请加 --force）", err=True)
                unchecked += 1
            except Exception as exc:   # an annotated copy is a convenience: say so, keep going
                click.echo(f"{shown}: --annotate 失败：{exc}", err=True)
                unchecked += 1
            else:
                click.echo(ANNOTATED[lang].format(path=targets[path]), err=True)
    if fmt == "json":
        click.echo("\n]" if not first else "]")
    else:
        tail = FOLLOWING[lang].format(c=following) if following else ""
        click.echo(SUMMARY[lang].format(n=len(files), e=totals["error"], w=totals["warning"], f=unchecked) + tail)
    if unchecked:
        ctx.exit(2)
    ctx.exit(1 if totals["error"] or (strict and totals["warning"]) else 0)


def check_path(path, fw, framework_given: bool, lang: str):
    """The result for one file, or the text of an internal error (a bug).

    One open of the workbook decides what it is (a 自评表, an xl-eval
    workbook, some other workbook) and, for an xl-eval workbook, serves the
    checks too."""
    try:
        return _dispatch(path, fw, framework_given, lang)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def _dispatch(path, fw, framework_given: bool, lang: str):
    from xl_eval.check.findings import make
    from xl_eval.check.workbook import CheckResult, check_opened
    from xl_eval.forms.selfeval.meta import read_meta
    from xl_eval.xlsx.reader import WorkbookError, open_workbook

    def check_foreign(path, fw, lang):      # imported only for files that need it
        from xl_eval.check.foreign.run import check_foreign as run
        return run(path, fw, lang)

    try:
        wb = open_workbook(path)
    except WorkbookError as exc:
        if is_docx(path):
            return check_foreign(path, fw, lang)
        return CheckResult(str(path), [make(exc.code, lang=lang, **exc.fields)])
    except OSError:
        wb = None
    if wb is None:                     # as before: the checks below report what they can
        return _check_one(path, fw, lang)
    with wb:
        try:
            own_form = read_meta(wb) is not None
        except Exception:              # a broken file: the regular check reports it
            own_form = False
        if own_form:                   # a 项目支出绩效自评表: its own checks (XE8xx)
            from xl_eval.check import selfeval
            return selfeval.check_file(path, fw if framework_given else None, lang)
        if is_docx(path) or "xe_framework_id" not in wb.names:
            return check_foreign(path, fw, lang)
        if not framework_given:
            fw = _shipped_named(wb, fw)
        return check_opened(wb, path, fw, lang)


_SHIPPED_BY_ID: dict = {}


def _shipped_named(wb, default):
    """The shipped framework whose id the workbook names (a workbook of 财预〔2020〕10号
    is checked by that system without --framework); else *default*, whose check
    then reports the mismatch (XE112)."""
    try:
        wid = wb.constant("xe_framework_id")
        area = wb.area("xe_framework_id")
        if area is not None:
            cell = wb.read({area.sheet: {area.first}}).get(area.sheet, {}).get(area.first)
            if cell is not None and isinstance(cell.value, str):
                wid = cell.value
    except Exception:                  # a broken identity: the regular check reports it
        return default
    if not wid or wid == default.id:
        return default
    if not _SHIPPED_BY_ID:
        from xl_eval.framework.registry import shipped
        for s in shipped():
            try:
                f = load_framework(str(s.path))
            except Exception:
                continue
            _SHIPPED_BY_ID[f.id] = f
    return _SHIPPED_BY_ID.get(wid, default)


_WORKER: dict = {}


def _worker_init(fw, framework_given: bool, lang: str) -> None:
    _WORKER.update(fw=fw, given=framework_given, lang=lang)


def _worker_check(path):
    w = _WORKER
    return path, check_path(path, w["fw"], w["given"], w["lang"])


def check_all(files, fw, framework_given: bool, lang: str, jobs: int = 1):
    """(path, result or internal-error text) for each file, in the order given,
    whatever the number of jobs."""
    if jobs <= 1 or len(files) < 2:
        for path in files:
            yield path, check_path(path, fw, framework_given, lang)
        return
    import multiprocessing
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    chunk = max(1, min(16, len(files) // (jobs * 8)))
    with ctx.Pool(min(jobs, len(files)), initializer=_worker_init, initargs=(fw, framework_given, lang)) as pool:
        yield from pool.imap(_worker_check, files, chunksize=chunk)


def expand_lists(args) -> list[str]:
    """Arguments as given, each @LIST (an existing list file; an existing file or
    folder named "@…" is taken as it is) replaced by the paths it lists, one a line."""
    out: list[str] = []
    for arg in args:
        if arg.startswith("@") and len(arg) > 1 and not Path(arg).exists():
            listed = Path(arg[1:])
            try:
                text = listed.read_bytes().decode("utf-8-sig")
            except FileNotFoundError:
                raise UserError(f"{arg}：清单文件 {listed} 不存在") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"{arg}：无法读取清单文件（{getattr(exc, 'strerror', None) or exc}）；"
                                f"清单应为 UTF-8 文本，每行一个文件或文件夹") from None
            out.extend(line.strip() for line in text.splitlines() if line.strip())
        else:
            out.append(arg)
    return out


def is_docx(path) -> bool:
    """As check.foreign.run.is_docx, without importing the foreign checks."""
    return Path(path).suffix.lower() in (".docx", ".docm")


def _check_one(path, fw, lang):
    """An xl-eval workbook gets the workbook checks; any other .xlsx and every
    .docx go to the foreign reader, which finds score tables by their headers."""
    from xl_eval.check.foreign.run import check_foreign, is_docx
    from xl_eval.check.workbook import check_file
    if is_docx(path) or not _made_by_xl_eval(path):
        return check_foreign(path, fw, lang)
    return check_file(path, fw, lang)


def _made_by_xl_eval(path) -> bool:
    """Has the workbook xl-eval's identity name?  (Unreadable files go to
    check_file, whose guards report them.)  Only workbook.xml is read."""
    from xl_eval.xlsx.reader import WorkbookError, open_workbook
    try:
        wb = open_workbook(path)
    except WorkbookError:
        return True
    try:
        return "xe_framework_id" in wb.names
    finally:
        wb.close()


def expand_folders(args, annotate_dir=None) -> list[str]:
    """The files to check: files as given, folders replaced by the workbooks in them
    (recursively, sorted; Excel lock files ~$*, xl-eval temporary files and the
    --annotate folder skipped), as `xl-eval collect` reads folders."""
    skip = Path(annotate_dir).resolve() if annotate_dir else None
    out: list[str] = []
    for arg in args:
        p = Path(arg)
        if not p.is_dir():
            out.append(arg)
            continue
        found = sorted(str(q) for q in p.rglob("*")
                       if q.suffix.lower() in (".xlsx", ".xlsm") and q.is_file()
                       and not q.name.startswith(("~$", ".xl-eval-"))
                       and not (skip and (skip == q.resolve().parent or skip in q.resolve().parents)))
        out.extend(found or [arg])          # an empty folder: reported as XE102 like a bad file
    return list(dict.fromkeys(out))


def _annotation_targets(files, annotate_dir, force: bool = False) -> dict[str, Path]:
    """Output path of each file's annotated copy; never an input, never an
    existing file unless --force."""
    from xl_eval.core.outfiles import NameAllocator
    out_dir = Path(annotate_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--annotate：{out_dir} 不是目录")
    names = NameAllocator(".xlsx")
    inputs = {Path(f).resolve() for f in files if Path(f).exists()}
    targets = {}
    existing = []
    for f in files:
        dest = out_dir / names.allocate(Path(f).stem)
        if dest.resolve() in inputs:
            raise UserError(f"--annotate：{dest} 会覆盖输入文件；请换一个目录（不要用输入文件所在的目录）")
        if dest.exists() and not force:
            existing.append(str(dest))
        targets[f] = dest
    if existing:
        shown = "、".join(existing[:3]) + (f" 等 {len(existing)} 个文件" if len(existing) > 3 else "")
        raise UserError(f"--annotate：{shown} 已存在，未覆盖；要覆盖请加 --force，或换一个目录")
    out_dir.mkdir(parents=True, exist_ok=True)
    return targets



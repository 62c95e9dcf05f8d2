"""`xl-eval framework show|lint|import`: look at, check and draft framework files."""

from __future__ import annotations

import json

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, load_framework, render_table
from xl_eval.core.xlround import plain


@click.group(short_help="列出、查看、检查或升级指标体系框架文件。")
def framework():
    """列出内置指标体系（list），查看（show）、检查（lint）或升级（upgrade）框架文件（YAML）。

    各命令的 --framework 既可写内置体系的名称（如 annex1），也可写框架文件的路径。
    """


@framework.command("list", short_help="列出内置的指标体系。")
def list_cmd():
    """列出 xl-eval 自带的指标体系：名称（用于 --framework 名称）、标题、指标数、权重是否待定、来源。

    \b
    示例：
      xl-eval framework list
      xl-eval score 单位表.csv --framework annex1
    """
    from xl_eval.framework.model import FrameworkError, load
    from xl_eval.framework.registry import shipped
    rows = []
    for s in shipped():
        try:
            fw = load(s.path)
        except FrameworkError as exc:   # pragma: no cover - shipped files are tested
            rows.append([s.name, f"（无法加载：{exc.problems[0][1]}）", "", "", ""])
            continue
        weights = f"{len(fw.open_weights)} 项待定" if fw.open_weights else f"已定（{plain(fw.total_weight)}分）"
        rows.append([s.name, fw.title, str(len(fw.leaves)), weights, fw.source])
    click.echo(render_table(["名称", "标题", "计分指标", "权重", "来源"], rows))


@framework.command(short_help="把格式 1 的框架文件改写为格式 2。")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="写到此文件（默认输出到屏幕）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖。")
def upgrade(file, output, force):
    """把格式 1（xl-eval-framework/1）的框架文件改写为格式 2。

    只改 format 一行，注释和排版保留；升级前后内容指纹相同，计分和生成的模板也相同。
    不指定 -o 时输出到屏幕；输出文件已存在时需加 --force；不会改动原文件（除非 -o 指向它并加 --force）。

    \b
    示例：
      xl-eval framework upgrade 旧框架.yaml -o 新框架.yaml
    """
    from pathlib import Path

    from xl_eval.commands.common import UserError
    from xl_eval.framework import yamlsafe
    from xl_eval.framework.model import FrameworkError
    from xl_eval.framework.upgrade import upgrade_text
    try:
        text = yamlsafe.read_text(Path(file))
        new = upgrade_text(text, file)
    except yamlsafe.Refused as exc:
        raise UserError(f"{file}: {exc.where or '(文件)'}: {exc.message}") from None
    except FrameworkError as exc:
        raise UserError(str(exc)) from None
    if output is None:
        click.echo(new, nl=False)
        return
    from xl_eval.core.outfiles import atomic_write
    out = Path(output)
    if out.exists() and not force:
        raise UserError(f"文件已存在：{out}（如要覆盖，请加 --force）")
    if not out.absolute().parent.is_dir():
        raise UserError(f"输出文件夹不存在：{out.parent}")
    try:
        atomic_write(out, new.encode("utf-8"), overwrite=force)
    except FileExistsError:
        raise UserError(f"文件已存在：{out}（如要覆盖，请加 --force）") from None
    except OSError as exc:
        raise UserError(f"无法写入 {out}：{exc.strerror or exc}") from None
    click.echo(f"已写出：{out}（格式 2）")


@framework.command(short_help="列出指标、权重、评分规则和全部输入项。")
@FRAMEWORK_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(framework_path, fmt):
    """列出框架的指标树（一级、二级、三级指标、权重、评分规则）、比率公式、等级划分，
    以及全部输入项（代码、中文标签、类型、单位、允许值、默认值）。

    \b
    示例：
      xl-eval framework show
      xl-eval framework show --framework samples/指标体系_附件1.yaml --format json
    """
    from xl_eval.framework.describe import KIND_NAMES, allowed_values, rows_summary, rule_summary, zero_outcome_text
    from xl_eval.core.xlround import plain

    fw = load_framework(framework_path, lint=False)
    if fmt == "json":
        click.echo(json.dumps(_as_json(fw), ensure_ascii=False, indent=2))
        return
    out = [f"{fw.title}", f"框架：{fw.id}  版本 {fw.version}  指纹 {fw.content_hash}", f"来源：{fw.source}", ""]
    levels = list(fw.level_names)
    rows = []

    shown: set[int] = set()

    def walk(node, ancestors):
        if node.leaf is None:
            for child in node.children:
                walk(child, ancestors + [node])
            return
        leaf = node.leaf
        names = []
        for a in ancestors:
            names.append("" if id(a) in shown else a.name)
            shown.add(id(a))
        names += [leaf.name] + [""] * (len(levels) - len(ancestors) - 1)
        weight = plain(leaf.weight) if leaf.weight is not None else "待定"
        if leaf.rows is not None:
            rows.append(names + [weight, rows_summary(fw, leaf.rows)])
        for i, part in enumerate(leaf.parts):
            first = i == 0
            sub = (f"[{part.name}{'' if part.rule.is_modifier else ' ' + plain(part.max) + '分'}] "
                   if leaf.composite else "")
            cells = names if first else [""] * len(levels)
            rows.append(cells + [weight if first else "", sub + rule_summary(fw, part.rule, part.max)])

    for n in fw.level1:
        walk(n, [])
    out.append("指标与评分规则")
    out.append(render_table([*levels, "权重", "评分规则"], rows))
    out += ["", "比率"]
    for r in fw.rates.values():
        out.append(f"  {r.name}（{r.code}）= {r.formula}；分母为0时：分子为0{zero_outcome_text(r.zero_numerator_zero)}，"
                   f"分子不为0{zero_outcome_text(r.zero_numerator_nonzero)}")
    grades = "；".join(f"{g.name} {g.range.text}" for g in fw.grades) if fw.grades else "（不评等级）"
    out += ["", "等级：" + grades, "", "输入项"]
    inputs = [[i.code, i.label, KIND_NAMES[i.kind], i.unit, allowed_values(i),
               "" if i.default is None else str(i.default), "必填" if i.required else "选填"]
              for i in fw.inputs.values() if i.generated != "rows"]
    for leaf in fw.leaves:
        if leaf.rows:
            keys = "/".join(f.key for f in leaf.rows.fields)
            labels = "、".join(f.label for f in leaf.rows.fields)
            inputs.append([f"{leaf.rows.code}_<行号>_<{keys}>", f"{leaf.name}第1～{leaf.rows.max_rows}行：{labels}",
                           "指标行", "", "", "", "选填"])
    out.append(render_table(["代码", "中文标签", "类型", "单位", "允许值", "默认", "必填"], inputs))
    if fw.notes:
        out += ["", "对原文的处理说明"] + [f"  {n}" for n in fw.notes]
    click.echo("\n".join(out))


def _as_json(fw) -> dict:
    from xl_eval.framework.describe import rule_summary
    return {
        "id": fw.id, "version": fw.version, "title": fw.title, "hash": fw.content_hash,
        "inputs": [{"code": i.code, "label": i.label, "kind": i.kind, "unit": i.unit, "group": i.group,
                    "required": i.required, "default": i.default, "options": list(i.options),
                    "min": i.min, "max": i.max, "help": i.help} for i in fw.inputs.values()],
        "format": fw.format, "levels": list(fw.level_names), "total_weight": fw.total_weight,
        "indicators": [{"code": leaf.code, "name": leaf.name, "weight": leaf.weight, "level1": leaf.level1,
                        "level2": leaf.level2, "depth": leaf.depth, "path": list(leaf.path),
                        "weight_input": leaf.weight_input,
                        "parts": [{"code": p.code, "name": p.name, "max": p.max, "kind": p.rule.kind,
                                   "rule": rule_summary(fw, p.rule, p.max)} for p in leaf.parts]}
                       for leaf in fw.leaves],
        "grades": [{"name": g.name, "range": g.range.text} for g in fw.grades],
    }


@framework.command(short_help="检查框架文件：权重、分档、等级、输入项是否自洽。")
@click.argument("files", nargs=-1, required=True, type=str)
@click.pass_context
def lint(ctx, files):
    """检查一个或多个框架文件（YAML），报告：

    \b
      L001 文件无法加载（缺少键、未知规则类型、引用未声明的输入……）
      L101 各级权重合计不符          L102 子项分值之和与指标权重不等
      L103 规则最高分与子项分值不等  L104 分档有空档、重叠或未覆盖全部取值
      L105 等级划分有空档或重叠      L106 声明了但未使用的输入项
      L107 酌情给分输入上限与子项分值不等  L108 计分指标名称重复
      L109 [info] 权重待定（由评价设定）    L110 分档有空档但规定了 else 得分

    每个问题一行：文件: 位置: 代码 [级别] 说明。有 error 级问题时退出码为 1。

    \b
    示例：
      xl-eval framework lint samples/指标体系_附件1.yaml
    """
    from xl_eval.framework.lint import lint_file
    errors = 0
    from xl_eval.framework.registry import resolve
    for path in files:
        _, problems = lint_file(resolve(path))
        for p in problems:
            click.echo(f"{path}: {p.key}: {p.code} [{p.severity}] {p.message}")
        n_err = sum(p.severity == "error" for p in problems)
        n_warn = sum(p.severity == "warning" for p in problems)
        n_info = len(problems) - n_err - n_warn
        errors += n_err
        summary = "没有发现问题" if not n_err and not n_warn else f"{n_err} 个错误，{n_warn} 个警告"
        if n_info:
            summary += f"（另有 {n_info} 条提示）"
        click.echo(f"{path}: {summary}")
    ctx.exit(1 if errors else 0)


@framework.command("import", short_help="从评价机构的打分表（.xlsx 或 Word 报告）生成框架文件草稿。")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="写出的框架文件（YAML）；默认为与 FILE 同名的 .yaml。")
@click.option("--id", "fid", default=None, help="框架代码（小写字母、数字、下划线），默认 imported。")
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件。")
def import_cmd(file, output, fid, force):
    """读取 FILE（评价机构自己做的 .xlsx 打分表或 Word 报告 .docx）中的打分表，写出框架文件草稿：
    指标树（一级、二级、三级指标和权重）、指标解释和评分标准原文；每个三级指标的规则先写成
    discretionary（酌情给分，0～权重），由使用者改写为可计算的规则。评分标准中各项分值与权重不符等
    需要核对之处写入 notes。写出后运行 `xl-eval framework lint` 检查。

    \b
    示例：
      xl-eval framework import 评价机构打分表.xlsx -o 我的指标体系.yaml
      xl-eval framework lint 我的指标体系.yaml
    """
    from pathlib import Path

    from xl_eval.check.foreign.importer import ImportProblem, draft, to_yaml
    from xl_eval.commands.common import UserError
    from xl_eval.core.outfiles import FileExists, atomic_write
    from xl_eval.framework.load import CODE_RE

    if fid is not None and not CODE_RE.match(fid):
        raise UserError(f"--id {fid!r}：框架代码只能用小写字母、数字和下划线，且以字母开头")
    out = Path(output) if output else Path(file).with_suffix(".yaml")
    if out.exists() and out.resolve() == Path(file).resolve():
        raise UserError(f"{out} 是输入文件本身；请用 -o 指定另一个文件")
    try:
        d = draft(file, fid)
    except ImportProblem as exc:
        raise UserError(f"{file}: {exc}") from None
    try:
        atomic_write(out, to_yaml(d).encode("utf-8"), overwrite=force)
    except FileExists:
        raise UserError(f"{out} 已存在；加 --force 覆盖") from None
    click.echo(f"已写出框架草稿：{out}（{d.leaves} 个三级指标；需要核对的地方 {len(d.notes) - 1} 处，见文件中的 notes）")
    click.echo(f"下一步：把各指标的 rule 改写为可计算的规则，然后运行 xl-eval framework lint {out}")

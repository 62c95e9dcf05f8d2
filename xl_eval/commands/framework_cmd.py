"""`xl-eval framework show|lint`: look at and check framework files."""

from __future__ import annotations

import json

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, load_framework, render_table


@click.group(short_help="查看或检查指标体系框架文件。")
def framework():
    """查看（show）或检查（lint）指标体系框架文件（YAML）。"""


@framework.command(short_help="列出指标、权重、评分规则和全部输入项。")
@FRAMEWORK_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(framework_path, fmt):
    """列出框架的指标树（一级、二级、三级指标、权重、评分规则）、比率公式、等级划分，
    以及全部输入项（代码、中文标签、类型、单位、允许值、默认值）。

    \b
    示例：
      xl-eval framework show
      xl-eval framework show --framework 我的指标体系.yaml --format json
    """
    from xl_eval.framework.describe import KIND_NAMES, allowed_values, rule_summary, zero_outcome_text
    from xl_eval.core.xlround import plain

    fw = load_framework(framework_path)
    if fmt == "json":
        click.echo(json.dumps(_as_json(fw), ensure_ascii=False, indent=2))
        return
    out = [f"{fw.title}", f"框架：{fw.id}  版本 {fw.version}  指纹 {fw.content_hash}", f"来源：{fw.source}", ""]
    rows = []
    for l1 in fw.level1:
        for j, l2 in enumerate(l1.children):
            for k, leaf in enumerate(l2.leaves):
                for i, part in enumerate(leaf.parts):
                    first = i == 0
                    sub = f"[{part.name}{'' if part.rule.is_modifier else ' ' + plain(part.max) + '分'}] " if leaf.composite else ""
                    rows.append([l1.name if first and j == 0 and k == 0 else "",
                                 l2.name if first and k == 0 else "", leaf.name if first else "",
                                 plain(leaf.weight) if first else "", sub + rule_summary(fw, part.rule, part.max)])
    out.append("指标与评分规则")
    out.append(render_table(["一级", "二级", "三级指标", "权重", "评分规则"], rows))
    out += ["", "比率"]
    for r in fw.rates.values():
        out.append(f"  {r.name}（{r.code}）= {r.formula}；分母为0时：分子为0{zero_outcome_text(r.zero_numerator_zero)}，"
                   f"分子不为0{zero_outcome_text(r.zero_numerator_nonzero)}")
    out += ["", "等级：" + "；".join(f"{g.name} {g.range.text}" for g in fw.grades), "", "输入项"]
    inputs = [[i.code, i.label, KIND_NAMES[i.kind], i.unit, allowed_values(i),
               "" if i.default is None else str(i.default), "必填" if i.required else "选填"]
              for i in fw.inputs.values()]
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
        "indicators": [{"code": leaf.code, "name": leaf.name, "weight": leaf.weight, "level1": leaf.level1,
                        "level2": leaf.level2,
                        "parts": [{"code": p.code, "name": p.name, "max": p.max, "kind": p.rule.kind,
                                   "rule": rule_summary(fw, p.rule, p.max)} for p in leaf.parts]}
                       for leaf in fw.leaves],
        "grades": [{"name": g.name, "range": g.range.text} for g in fw.grades],
    }


@framework.command(short_help="检查框架文件：权重、分档、等级、输入项是否自洽。")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_context
def lint(ctx, files):
    """检查一个或多个框架文件（YAML），报告：

    \b
      L001 文件无法加载（缺少键、未知规则类型、引用未声明的输入……）
      L101 各级权重合计不符          L102 子项分值之和与指标权重不等
      L103 规则最高分与子项分值不等  L104 分档有空档、重叠或未覆盖全部取值
      L105 等级划分有空档或重叠      L106 声明了但未使用的输入项
      L107 酌情给分输入上限与子项分值不等

    每个问题一行：文件: 位置: 代码 [级别] 说明。有 error 级问题时退出码为 1。

    \b
    示例：
      xl-eval framework lint my_framework.yaml
    """
    from xl_eval.framework.lint import lint_file
    errors = 0
    for path in files:
        _, problems = lint_file(path)
        for p in problems:
            click.echo(f"{path}: {p.key}: {p.code} [{p.severity}] {p.message}")
        n_err = sum(p.severity == "error" for p in problems)
        errors += n_err
        click.echo(f"{path}: {'没有发现问题' if not problems else f'{n_err} 个错误，{len(problems) - n_err} 个警告'}")
    ctx.exit(1 if errors else 0)

"""`xl-eval score`: score a table of departments with the engine."""

from __future__ import annotations

import json

import click

from xl_eval.commands.common import FRAMEWORK_OPTION, UserError, load_framework, render_table


SHEET_OPTION = click.option(
    "--sheet", default=None, metavar="工作表",
    help="XLSX 中要读取的工作表（名称或从 1 开始的序号）；默认第一个工作表。")
HEADER_ROW_OPTION = click.option(
    "--header-row", type=click.IntRange(1, 10000), default=None, metavar="行号",
    help="表头所在的行号（表头上方有标题行时用，如 --header-row 3）；默认为第一个非空行。"
         "CSV 的分隔符（逗号、分号、制表符、竖线）按表头行自动识别。")


@click.command(short_help="按表格计算各单位得分与等级。")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option("--projects", "projects_path", type=click.Path(dir_okay=False), default=None,
              help="项目明细表（CSV/XLSX，每行一个项目：单位名称、项目名称、全年预算金额、决算金额、是否完成）；"
                   "单位的计划/完成项目数为空时按此表计数。")
@SHEET_OPTION
@HEADER_ROW_OPTION
@FRAMEWORK_OPTION
@click.option("--year", type=click.IntRange(1900, 2200), default=None,
              help="评价年度；表格没有“评价年度”列时用这个值（如 --year 2024）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text：中文表格；json：每个单位一个对象（单位名称、total、grade、subtotals、scores、errors、warnings、"
                   "issues，算不出总分时另有 message 说明原因）。")
@click.pass_context
def score(ctx, table, projects_path, sheet, header_row, framework_path, year, fmt):
    """按 TABLE（CSV 或 XLSX，每行一个单位）计算各三级指标得分、一级指标小计、总分和等级。

    \b
    列名可以是输入项的中文标签（如 年初预算数、“三公”经费预算数）或代码（如 budget_initial），
    必须有“单位名称”列；全部输入项见 `xl-eval framework show`。金额单位为万元。写错的列名会提示最接近的输入项；
    CSV 的分隔符（逗号、分号、制表符、竖线）自动识别；表头上方有标题行用 --header-row，数据在其他工作表用 --sheet。
    某行缺少计分需要的值、不是数字或超出范围、有不可能的组合（如完成数大于计划数）或值不在任何评分档内时，
    报告行号和列名，其余各行照常计算，退出码为 1；金额像是按元填写等只是提示，不影响退出码。
    一票否决或涉密单位等情况下不影响得分的空白不算缺项（与工作簿、check、collect 的结论相同）。

    \b
    示例：
      xl-eval score samples/departments.csv --projects samples/projects.csv
      xl-eval score samples/departments.csv --projects samples/projects.csv --format json > 结果.json
    """
    from xl_eval.sources.departments import apply_projects, read_departments, score_rows
    from xl_eval.sources.projects import read_projects
    from xl_eval.sources.tables import TableError

    fw = load_framework(framework_path)
    try:
        dept = read_departments(fw, table, sheet=sheet, header_row=header_row)
        projects = read_projects(projects_path) if projects_path else None
    except TableError as exc:
        raise UserError(str(exc)) from None
    if projects:
        for p in projects.problems:
            click.echo(f"{projects_path}:第{p.row}行 列“{p.column}”：{p.message}", err=True)
        apply_projects(fw, dept, projects)
    for col in dept.columns.unknown:
        click.echo(f"{table}：列“{col}”不是框架中的输入项，已忽略{dept.columns.did_you_mean(col)}"
                   f"（输入项见 xl-eval framework show）", err=True)
    for number, why in dept.skipped:
        click.echo(f"{table}:第{number}行 {why}", err=True)
    for col, note in dept.columns.conversions():
        click.echo(f"{table}：列“{col}”{note}", err=True)
    for col, code in dept.columns.duplicates:
        click.echo(f"{table}：列“{col}”与另一列对应同一输入项 {code}，已忽略", err=True)
    derived = set(fw.project_list.values()) if projects else set()
    absent = {code for code, inp in fw.inputs.items() if dept.column_of(code) is None
              and inp.required and inp.default is None and code != "unit_name" and code not in derived}
    if year is not None and "eval_year" in absent:
        for row in dept.rows:
            row.values["eval_year"] = year
        absent.discard("eval_year")
    for code in sorted(absent, key=list(fw.inputs).index):
        click.echo(f"{table}：没有“{fw.inputs[code].label}”列，各行此项为空"
                   f"（需要此项的得分无法计算；列名见 xl-eval framework show）", err=True)
    score_rows(fw, dept)

    failed = 0
    for row in dept.rows:
        for p in dept.problems(fw, row):
            if p.code == "XE201" and p.input in absent:
                continue            # the missing column is reported once, above
            where = f"{table}:第{p.row}行" + (f" 列“{p.column}”" if p.column else "")
            level = "" if p.severity == "error" else "（提示）"
            click.echo(f"{where}：{level}{p.message}", err=True)
        failed += bool(row.errors) or row.evaluation is None

    if fmt == "json":
        click.echo(json.dumps([_as_json(fw, dept, row) for row in dept.rows], ensure_ascii=False, indent=2))
    else:
        for row in dept.rows:
            click.echo(_as_text(fw, row) + "\n")
        done = sum(row.evaluation is not None and row.evaluation.total is not None for row in dept.rows)
        tail = f"；有数据问题的 {failed} 个（逐条见上方）" if failed else ""
        click.echo(f"共 {len(dept.rows)} 个单位：计算 {done} 个，未算出总分 {len(dept.rows) - done} 个{tail}。")
    ctx.exit(1 if failed else 0)


def _as_json(fw, dept, row) -> dict:
    ev = row.evaluation
    problems = dept.problems(fw, row)
    out = {
        "单位名称": row.name,
        "row": row.row,
        "total": None if ev is None else ev.total,
        "grade": None if ev is None else ev.grade,
        "subtotals": {} if ev is None else {l1.name: ev.level1[l1.code] for l1 in fw.subtotalled},
        "scores": {} if ev is None else {leaf.name: ev.leaves[leaf.code].score for leaf in fw.leaves},
        "errors": [_located(p) for p in problems if p.severity == "error"],
        "warnings": [_located(p) for p in problems if p.severity != "error"],
        "issues": [{"code": p.code, "severity": p.severity, "column": p.column, "message": p.message}
                   for p in problems],
    }
    if out["total"] is None:
        out["message"] = _why_no_total(fw, row, problems)
    return out


def _located(p) -> str:
    return f"列“{p.column}”：{p.message}" if p.column else p.message


def _why_no_total(fw, row, problems) -> str:
    """One sentence saying why a row has no total (the first reasons)."""
    if row.evaluation is None:
        head = "有无法识别的数据，未计算"
    else:
        head = "总分无法计算"
    reasons = [_located(p) for p in problems if p.severity == "error"][:3]
    if not reasons and row.evaluation is not None:
        reasons = [f"{r.name}：{r.explanation}" for r in row.evaluation.leaves.values() if r.score is None][:3]
    return head + ("：" + "；".join(reasons) if reasons else "")


def _as_text(fw, row) -> str:
    from xl_eval.core.xlround import fixed as _fixed, percent as _percent
    ev = row.evaluation
    d = fw.precision.score
    name = f"{row.name or '（未填单位名称）'}（第{row.row}行）"
    if ev is None:
        return f"{name}  未计算：有无法识别的数据（见上方）"

    def fixed(x, digits):          # a blank score is shown as a dash, never a crash
        return "—" if x is None else _fixed(x, digits)

    def percent(x):
        return "—" if x is None else _percent(x)

    total = fixed(ev.total, fw.precision.total)
    lines = [f"{name}  总分 {total}  等级 {ev.grade or '—'}"]
    body = []
    names = {n.code: n.name for n in fw.all_nodes()}
    levels = list(fw.level_names)
    pad = [""] * (len(levels) - 1)
    for l1 in fw.level1:
        for leaf in l1.leaves:
            r = ev.leaves[leaf.code]
            cells = ([names[c] for c in leaf.path] + [leaf.name] + [""] * len(levels))[:len(levels)]
            body.append(cells + [fixed(ev.weights.get(leaf.code), d), fixed(r.score, d), percent(r.score_rate)])
        ws = [ev.weights.get(x.code) for x in l1.leaves]
        w = None if any(x is None for x in ws) else sum(ws)
        if l1.leaf is None:
            body.append([f"{l1.name}小计", *pad, fixed(w, d), fixed(ev.level1[l1.code], d), percent(ev.level1_rates[l1.code])])
    body.append(["合计", *pad, fixed(fw.total_weight, d), fixed(ev.total, fw.precision.total), percent(ev.total_rate)])
    n = len(levels)
    lines.append(render_table([*levels, "权重", "得分", "得分率"], body, right={n, n + 1, n + 2}))
    return "\n".join(lines)

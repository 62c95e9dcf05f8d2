"""The 自评表 branches of `xl-eval template`, `fill` and `collect` (called from
their commands when the framework or the workbooks are self-evaluations)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xl_eval.commands.common import UserError

DEFAULT_FRAMEWORK = "selfeval_2020_10"
TEMPLATE_NAME = "项目支出绩效自评表.xlsx"


def is_selfeval_framework(fw) -> bool:
    from xl_eval.forms.selfeval.bind import NotSelfEval, spec_of
    try:
        spec_of(fw)
    except (NotSelfEval, AttributeError):
        return False
    return True


def load_selfeval_framework(framework_path):
    from xl_eval.commands.common import load_framework
    from xl_eval.forms.selfeval.bind import NotSelfEval, spec_of
    fw = load_framework(framework_path or DEFAULT_FRAMEWORK)      # a shipped name or a path
    try:
        return fw, spec_of(fw)
    except NotSelfEval as exc:
        raise UserError(f"{exc}；自评表请用 --framework selfeval_2020_10 或 selfeval_2021_101") from None


def write_template(fw, out: Path, force: bool) -> None:
    from xl_eval.core.outfiles import FileExists, atomic_write
    from xl_eval.forms.selfeval import template as T
    from xl_eval.forms.selfeval.bind import spec_of
    data = T.workbook_bytes(T.blank_workbook(spec_of(fw)))
    try:
        atomic_write(out, data, overwrite=force)
    except FileExists:
        raise UserError(f"文件已存在：{out}（如要覆盖，请加 --force）") from None
    except OSError as exc:
        raise UserError(f"无法写入 {out}：{exc.strerror or exc}") from None


def fill(ctx, projects, indicators, outdir, framework_path, per, force, json_path, *, sheet=None,
         header_row=None) -> None:
    from xl_eval.batch import fill_selfeval as F
    from xl_eval.core.outfiles import new_run_id, remove_temp_files
    from xl_eval.core.xlround import fixed
    from xl_eval.forms.selfeval.bind import evaluate_sheet
    from xl_eval.sources.selfeval import read_batch
    from xl_eval.sources.tables import TableError

    fw, spec = load_selfeval_framework(framework_path)
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{outdir}：已存在同名文件，不是文件夹")
    try:
        batch = read_batch(projects, indicators, sheet=sheet, header_row=header_row)
    except TableError as exc:
        raise UserError(str(exc)) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{outdir}：无法创建输出文件夹（{exc.strerror or exc}）") from None
    for p in batch.problems:
        click.echo(p.text(), err=True)
    for col in batch.unknown_columns:
        click.echo(f"未识别的列（未使用）：{col}", err=True)

    def verdict(lay, values):
        ev, expected = evaluate_sheet(fw, lay, values)
        return {"total": ev.total, "grade": ev.grade, "_expected": expected}

    run_id = new_run_id()
    results = []
    groups = len(F._groups(batch.projects, per))
    try:
        if sys.stderr.isatty() and groups > 1:
            with click.progressbar(length=groups, label="生成自评表", file=sys.stderr) as bar:
                results = F.run(spec, verdict, batch, str(indicators), out, per=per, overwrite=force,
                                run_id=run_id, progress=lambda r: bar.update(1))
        else:
            results = F.run(spec, verdict, batch, str(indicators), out, per=per, overwrite=force, run_id=run_id)
    finally:
        remove_temp_files(out, run_id)
    text_out = sys.stderr if json_path == "-" else sys.stdout
    lines = []
    for r in results:
        for m in r.messages:
            click.echo(m.text(), err=True)
        if r.status == F.WRITTEN:
            for p in r.projects:
                state = f"总分 {fixed(p['total'], fw.precision.total)} {p['grade'] or ''}" \
                    if p["total"] is not None else "待填写"
                where = f"{r.file_name}" + (f"!{p['sheet']}" if per == "unit" else "")
                lines.append(f"  {where}  {p['项目名称']}  {state}".rstrip())
    written = [r for r in results if r.status == F.WRITTEN]
    errors = [p for p in batch.problems if p.severity == "error"] + \
             [m for r in results for m in r.messages if m.severity == "error"]
    click.echo("\n".join([f"已生成 {len(written)} 个自评表工作簿到 {out}："] + lines[:60]
                         + ([f"  ……以及另外 {len(lines) - 60} 个"] if len(lines) > 60 else [])
                         + [f"共 {len(batch.projects)} 个项目：生成 {len(written)} 个工作簿，未生成 "
                            f"{len(results) - len(written)} 个；问题 {len(errors)} 条"
                            f"（逐条见上方）。" if errors else
                            f"共 {len(batch.projects)} 个项目：生成 {len(written)} 个工作簿。"]), file=text_out)
    code = 1 if errors or len(written) < len(results) else 0
    if json_path:
        data = {
            "projects": str(projects), "indicators": str(indicators), "outdir": str(out), "per": per,
            "framework": {"id": fw.id, "version": fw.version, "hash": fw.content_hash},
            "written": len(written), "skipped": len(results) - len(written),
            "files": [{"file": r.file_name, "path": str(out / r.file_name), "status": r.status,
                       "projects": r.projects, "problems": [_problem_json(m) for m in r.messages]}
                      for r in results],
            "problems": [_problem_json(p) for p in batch.problems],
            "exit_code": code,
        }
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if json_path == "-":
            click.echo(text)
        else:
            from xl_eval.core.outfiles import atomic_write
            atomic_write(Path(json_path), (text + "\n").encode("utf-8"), overwrite=True)
    ctx.exit(code)


def _problem_json(p) -> dict:
    raw = p.raw if p.raw is None or isinstance(p.raw, (str, int, float, bool)) else str(p.raw)
    return {"file": p.file, "row": p.row, "column": p.column, "value": raw, "severity": p.severity,
            "reason": p.message, "message": p.text()}


def collect(ctx, paths, failed, out: Path, csv_path, framework_path, jobs: int = 1) -> None:
    from xl_eval.batch import collect_selfeval as C
    from xl_eval.check.selfeval import is_selfeval
    from xl_eval.core.outfiles import FileExists, atomic_write
    from xl_eval.forms.selfeval.bind import spec_of

    fw = None
    if framework_path:
        fw, _ = load_selfeval_framework(framework_path)
    rows = []
    failed = list(failed)
    for shown, got, why, used in C.read_all(paths, fw, jobs):
        if got is None:
            failed.append((shown, "不是项目支出绩效自评表工作簿（与其他自评表分开汇总）"))
            continue
        if why:
            failed.append((shown, why))
            continue
        if fw is None:
            fw = used
        elif used is not None and used.id != fw.id:
            failed.append((shown, f"框架 {used.id} 与其他工作簿的 {fw.id} 不同（请按框架分开汇总）"))
            continue
        rows.extend(got)
    for shown, why in failed:
        click.echo(f"{shown}：无法汇总：{why}", err=True)
    if fw is None:
        raise UserError("没有可汇总的自评表工作簿")
    spec = spec_of(fw)
    rows.sort(key=C.sort_key)
    try:
        atomic_write(out, C.build_summary(fw, spec, rows, failed), overwrite=True)
        if csv_path:
            atomic_write(Path(csv_path), C.build_csv(fw, spec, rows), overwrite=True)
    except (FileExists, OSError) as exc:
        raise UserError(f"无法写入汇总文件（{getattr(exc, 'strerror', None) or exc}；"
                        f"如果文件正在 Excel/WPS 中打开，请先关闭）") from None
    done = [r for r in rows if r.total is not None]
    units = C.unit_rows(rows)
    flagged = [u[0] for u in units if u[10]]
    msg = (f"已汇总 {len(rows)} 个项目（{len(units)} 个实施单位）到 {out}"
           + (f"（及 {csv_path}）" if csv_path else "")
           + f"：完成 {len(done)} 个，未完成 {len(rows) - len(done)} 个")
    if flagged:
        msg += f"；全部项目自评100分的单位：{'、'.join(flagged)}"
    if failed:
        msg += f"；无法汇总 {len(failed)} 个文件（见上方）"
    click.echo(msg + "。")
    ctx.exit(1 if failed else 0)


def report(path: Path, shown: str, output, framework_path, template_path, force) -> int:
    """`xl-eval report` on a 自评表 workbook: the short 自评 report (xl_eval/report/selfeval.py)."""
    from xl_eval.commands.report_cmd import _target, _write, refuse_before_work, refused
    from xl_eval.report.selfeval import SelfEvalReportError, build_selfeval_report, read_selfeval
    from xl_eval.report.templates import TemplateError

    out = _target(output, path, "_自评报告")
    refuse_before_work(out, template_path, force)
    fw = None
    if framework_path:
        fw, _ = load_selfeval_framework(framework_path)
    try:
        src = read_selfeval(path, shown, fw)
    except SelfEvalReportError as exc:
        raise UserError(f"{shown}：无法生成自评报告：{exc}") from None
    errors = src.errors
    if refused(shown, src, force, "自评表"):
        return 1
    try:
        data = build_selfeval_report(src, template=template_path, forced=errors or None)
    except TemplateError as exc:
        raise UserError(f"--template：{exc}") from None
    _write(out, data, force)
    from xl_eval.core.xlround import fixed
    parts = [f"{p.name or p.sheet}：" + (f"总分 {fixed(p.total, 2)}，等级 {p.grade}" if p.total is not None
                                         else "总分无法计算") for p in src.projects]
    warn = f"；注意：校验有 {len(errors)} 个错误，报告开头已写明警告" if errors else ""
    click.echo(f"已生成自评报告 {out}（{'；'.join(parts)}{warn}）。")
    return 0

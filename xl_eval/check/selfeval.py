"""`xl-eval check` for 项目支出绩效自评表 workbooks (codes XE8xx, findings.py).

A self-evaluation workbook is recognised by its hidden ``xl_eval`` sheet
(form = selfeval).  Each project sheet is rebuilt as a layout from the group
sizes recorded there (forms/selfeval/layout.py), read once with the guarded
reader (xlsx/reader.py), scored with the engine from its own 指标值 and 完成值,
and checked:

    XE801  shown 完成率 / 得分 / 小计 / 总分 / 等级 differ from the engine's
           (only where a spreadsheet cached values: a file never opened is
           still checked from its inputs)
    XE802  a computed cell typed over or altered
    XE803  the 分值 of a 一级指标 do not add up to its allotment, or the total to 100
    XE804  a deviation (target not met, score below points) without 偏差原因
    XE805  every indicator at full marks, without evidence of completion
    XE806  a 成本 indicator written as ≥
    XE807  completion at or above the framework's over-target ratio, no reason
    XE808  满意度 scored without a survey named as evidence
    XE809  预算执行率 below 90% without 执行偏差原因
    XE810  全年执行数 above 全年预算数
    XE811  the money block's 年度资金总额 not the sum of its three sources
    XE812  an indicator that cannot be assessed (text in a number cell, unknown
           指标性质, a 定性 row without a valid tier and share)
    XE814  the same indicator set twice (e.g. under 产出 and under 效益): it counts once
    XE816  a filled indicator row without 实际完成值 (nothing can be scored)
    XE815  一级 weights moved outside what the framework allows (weight_range /
           weight_values), or not adding up to the total

Checks are plain generator functions over one ``SheetData``; they never
raise for bad content.  The 成本 / 满意度 words and the survey words below are
the policy's own terms (财预〔2021〕101号 names 成本指标 and 满意度指标), not
a framework's names.
"""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from xl_eval.check.findings import Finding, make
from xl_eval.core.xlround import xl_round
from xl_eval.forms.selfeval import layout as L
from xl_eval.forms.selfeval.meta import read_meta  # noqa: F401  (re-exported: collect, report)
from xl_eval.xlsx.reader import Cell, WorkbookError, open_workbook

EXEC_REASON_BELOW = 0.9       # 执行率 below this needs a reason (四川/national practice)
COST_WORD = "成本"
SATISFACTION_WORD = "满意"
SURVEY_RE = re.compile(r"问卷|调查|调研|测评|回访|访谈|座谈|抽样|评议")
BLANK_TEXTS = {"", "-", "--", "—", "——", "/", "无", "暂无", "无偏差"}


@dataclass
class Row:
    grid: L.GridRow
    name: str
    nature: Any
    target: Any
    unit: Any
    actual: Any
    share: Any
    points: Any
    reason: str
    evidence: str
    ratio: Cell
    score: Cell

    @property
    def empty(self) -> bool:
        return not self.name and self.points is None and self.nature is None


@dataclass
class SheetData:
    sheet: str
    lay: L.Layout
    cells: dict[str, Cell]
    rows: list[Row] = field(default_factory=list)

    def value(self, ref: str) -> Any:
        c = self.cells.get(ref)
        return None if c is None else c.value

    def text(self, ref: str) -> str:
        v = self.value(ref)
        return "" if v is None else str(v).strip()


def _blank(text: str) -> bool:
    return text.strip() in BLANK_TEXTS


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _pct(x: float) -> str:
    return f"{xl_round(x * 100, 2):g}%"


def is_selfeval(path: str | Path) -> bool:
    """Whether `path` is a 自评表 workbook (cheap; False for anything unreadable)."""
    try:
        with open_workbook(path) as wb:
            return read_meta(wb) is not None
    except (WorkbookError, OSError):
        return False
    except Exception:     # a broken file: let the regular check report it
        return False


def read_sheet(wb, sheet: str, lay: L.Layout) -> SheetData:
    refs = {L.a1(c, r) for r in range(1, lay.last_row + 1) for c in range(1, L.LAST_COL + 1)}
    cells = wb.read({sheet: refs}).get(sheet, {})
    data = SheetData(sheet, lay, cells)
    for g in lay.rows:
        def v(col, row=g.row):
            return cells.get(L.a1(col, row), Cell()).value
        name = v(L.COL_NAME)
        data.rows.append(Row(g, "" if name is None else str(name).strip(), v(L.COL_NATURE), v(L.COL_TARGET),
                             v(L.COL_UNIT), v(L.COL_ACTUAL), v(L.COL_SHARE), v(L.COL_POINTS),
                             "" if v(L.COL_REASON) is None else str(v(L.COL_REASON)),
                             "" if v(L.COL_EVIDENCE) is None else str(v(L.COL_EVIDENCE)),
                             cells.get(L.a1(L.COL_RATIO, g.row), Cell()),
                             cells.get(L.a1(L.COL_SCORE, g.row), Cell())))
    return data


# ------------------------------------------------------------------ checks

class Ctx:
    def __init__(self, data: SheetData, expected: dict[str, Any], lang: str):
        self.data, self.expected, self.lang = data, expected, lang
        self.sheet = data.sheet
        self.spec = data.lay.spec
        self.altered: set[str] = set()
        self.evaluation = None          # the engine's Evaluation of the sheet (XE815)

    def find(self, code: str, ref: str, **fields: Any) -> Finding:
        return make(code, self.sheet, ref, lang=self.lang, **fields)


def _what(ctx: Ctx, ref: str) -> str:
    lay = ctx.data.lay
    for r in ctx.data.rows:
        if ref in (L.a1(L.COL_SCORE, r.grid.row), L.a1(L.COL_RATIO, r.grid.row)):
            col = "得分" if ref.startswith(L.col_letter(L.COL_SCORE)) else "完成率"
            return f"{r.name or f'第{r.grid.row}行'} {col}"
    if ref == lay.exec_score_cell:
        return "预算执行率得分"
    if ref == lay.exec_rate_cell:
        return "预算执行率"
    if ref == lay.total_cell:
        return "总分"
    if ref == lay.grade_cell:
        return "自评等级"
    for b in lay.blocks:
        if ref == L.a1(L.COL_SCORE, b.subtotal_row):
            return f"{b.name}小计"
        if ref == L.a1(L.COL_POINTS, b.subtotal_row):
            return f"{b.name}分值小计"
    return ref


def check_formulas(ctx: Ctx) -> Iterator[Finding]:
    from xl_eval.check.workbook import norm_formula
    for ref, formula in L.formulas(ctx.data.lay).items():
        cell = ctx.data.cells.get(ref, Cell())
        if cell.formula is None or norm_formula(cell.formula) != norm_formula(formula):
            ctx.altered.add(ref)
            found = f"={cell.formula}" if cell.formula else ("空白" if cell.value is None else f"数值 {cell.value}")
            yield ctx.find("XE802", ref, what=_what(ctx, ref), formula=formula, found=found,
                           found_en=found.replace("空白", "blank").replace("数值", "the value"))


def _shown_differs(cell: Cell, expected: Any, digits: int) -> bool:
    if cell.value is None and cell.formula is not None:
        return False                      # never calculated: nothing shown to compare
    shown = cell.value
    if expected is None:
        return shown not in (None, "")
    if isinstance(expected, str):
        return shown != expected
    if not isinstance(shown, (int, float)) or isinstance(shown, bool):
        return True
    return xl_round(float(shown), digits) != xl_round(float(expected), digits)


def check_scores(ctx: Ctx) -> Iterator[Finding]:
    sc = ctx.spec.scoring
    for ref, exp in ctx.expected.items():
        if ref in ctx.altered:
            continue
        cell = ctx.data.cells.get(ref, Cell())
        digits = sc.rate_digits if ref.startswith((L.col_letter(L.COL_RATIO), L.col_letter(L.COL_M_RATE))) \
            else sc.score_digits
        if _shown_differs(cell, exp, digits):
            as_pct = digits == sc.rate_digits
            show = lambda x: "空白" if x in (None, "") else (x if isinstance(x, str) else
                                                           (_pct(x) if as_pct else f"{xl_round(x, digits):g}"))
            yield ctx.find("XE801", ref, what=_what(ctx, ref), shown=show(cell.value), expected=show(exp))


def sheet_weight(ctx: Ctx, block: L.Block) -> float:
    """The block's weight on this sheet: the weight cell when adjustable and a number, else the framework's."""
    if block.adjustable:
        w = _num(ctx.data.value(ctx.data.lay.weight_cell(block.code)))
        if w is not None:
            return w
    return block.allotment


def check_points(ctx: Ctx) -> Iterator[Finding]:
    lay = ctx.data.lay
    total = _num(ctx.data.value(lay.exec_points_cell)) or 0.0
    for b, block in zip(lay.blocks, ctx.spec.blocks):
        pts = [_num(r.points) for r in ctx.data.rows if r.grid.block == b.code and not r.empty]
        got = sum(p for p in pts if p is not None)
        total += got
        if not pts:
            continue
        weight = sheet_weight(ctx, block)
        if abs(got - weight) > 1e-9:
            yield ctx.find("XE803", L.a1(L.COL_POINTS, b.subtotal_row), block=b.name, found=f"{got:g}",
                           expected=f"{weight:g}")
    if abs(total - ctx.spec.total_weight) > 1e-9 and any(not r.empty for r in ctx.data.rows):
        yield ctx.find("XE803", lay.total_points_cell, block="全部指标（含预算执行率）", block_en="all indicators",
                       found=f"{total:g}", expected=f"{ctx.spec.total_weight:g}")


def _ratio(row: Row, ctx: Ctx) -> float | None:
    """The engine's completion ratio of a row, else the sheet's own."""
    ref = L.a1(L.COL_RATIO, row.grid.row)
    exp = ctx.expected.get(ref)
    return exp if isinstance(exp, float) else _num(row.ratio.value)


def _score(row: Row, ctx: Ctx) -> float | None:
    exp = ctx.expected.get(L.a1(L.COL_SCORE, row.grid.row))
    return exp if isinstance(exp, float) else _num(row.score.value)


def check_assessable(ctx: Ctx) -> Iterator[Finding]:
    from xl_eval.sources.selfeval import QUAL, read_nature
    tiers = {name: (lo, hi, top) for name, lo, hi, top in ctx.spec.scoring.tiers}
    for row in ctx.data.rows:
        if row.empty:
            continue
        r = row.grid.row
        label = row.name or f"第{r}行"
        nature, _ = read_nature(row.nature)

        def bad(col, zh, en):
            return ctx.find("XE812", L.a1(col, r), indicator=label, problem=zh, problem_en=en)

        if row.points is None or _num(row.points) is None:
            yield bad(L.COL_POINTS, "没有分值（或分值不是数字）", "has no points (or they are not a number)")
        if nature is None or str(row.nature).strip() not in ("≥", "≤", "=", "定性"):
            yield bad(L.COL_NATURE, f"的指标性质“{row.nature or ''}”应为 ≥、≤、= 或 定性",
                      f"nature “{row.nature or ''}” must be ≥, ≤, = or 定性")
            continue
        if nature == QUAL:
            if row.actual is None:
                if row.name and _num(row.points) is not None:
                    yield ctx.find("XE816", L.a1(L.COL_ACTUAL, r), indicator=label)
                continue
            if row.actual not in tiers:
                yield bad(L.COL_ACTUAL, f"为定性指标，实际完成值“{row.actual}”应为 {'、'.join(tiers)} 之一",
                          f"is qualitative; the actual “{row.actual}” must be one of {', '.join(tiers)}")
                continue
            share = _num(row.share)
            lo, hi, top = tiers[row.actual]
            if share is None:
                yield bad(L.COL_SHARE, "为定性指标，缺少定性评定比例（或不是数字）",
                          "is qualitative and has no share (or it is not a number)")
            elif not (lo <= share and (share <= hi if top else share < hi)):
                yield bad(L.COL_SHARE, f"评定为“{row.actual}”，定性评定比例 {_pct(share)} 不在该档 {_pct(lo)}～{_pct(hi)} 内",
                          f"is rated “{row.actual}”, share {_pct(share)} is outside that tier {_pct(lo)}–{_pct(hi)}")
            continue
        for col, value, zh in ((L.COL_TARGET, row.target, "年度指标值"), (L.COL_ACTUAL, row.actual, "实际完成值")):
            if value is not None and _num(value) is None:
                yield bad(col, f"为定量指标（{nature}），{zh}“{value}”不是数值，无法评定"
                               f"{hint_number(value)}",
                          f"is quantitative ({nature}); the {'target' if col == L.COL_TARGET else 'actual'} "
                          f"“{value}” is not a number")
        if row.target is None and row.actual is not None:
            yield bad(L.COL_TARGET, "为定量指标，年度指标值为空", "is quantitative but has no target")
        if row.actual is None and row.name and _num(row.points) is not None:
            yield ctx.find("XE816", L.a1(L.COL_ACTUAL, r), indicator=label)


def hint_number(value: Any) -> str:
    """'（是否应为 0.95？）' when the text reads as one number (e.g. '≥95%')."""
    from xl_eval.core.values import ValueProblem, format_plain
    from xl_eval.sources.selfeval import parse_measure
    try:
        m = parse_measure(value)
    except ValueProblem:
        return ""
    if m.value is None:
        return "（如为定性指标，请把指标性质改为“定性”）"
    shown = _pct(m.value) if m.unit == "%" else format_plain(m.value)
    op = "指标性质填在“指标性质”列，" if m.nature else ""
    return f"（{op}本格只填数值，是否应为 {shown}？）"


def check_reasons(ctx: Ctx) -> Iterator[Finding]:
    blocks = {b.code: b for b in ctx.spec.blocks}
    for row in ctx.data.rows:
        if row.empty:
            continue
        over = blocks[row.grid.block]
        r = row.grid.row
        ratio, score, pts = _ratio(row, ctx), _score(row, ctx), _num(row.points)
        label = row.name or f"第{r}行"
        if not _blank(row.reason):
            continue
        far = ratio is not None and over.over_target is not None and ratio >= over.over_target \
            and str(row.nature or "").strip() != "="
        if ratio is not None and ratio < 1:
            yield ctx.find("XE804", L.a1(L.COL_REASON, r), indicator=label,
                           deviation=f"未完成年度指标值（完成率 {_pct(ratio)}）",
                           deviation_en=f"target not met (completion {_pct(ratio)})")
        elif score is not None and pts is not None and score < pts and not far:
            yield ctx.find("XE804", L.a1(L.COL_REASON, r), indicator=label,
                           deviation=f"得分 {score:g} 低于分值 {pts:g}", deviation_en=f"score {score:g} below {pts:g}")
        elif far:
            cut = f"，按框架扣 {over.over_deduct:g} 分" if over.over_deduct else ""
            yield ctx.find("XE807", L.a1(L.COL_REASON, r), indicator=label, ratio=_pct(ratio),
                           limit=_pct(over.over_target), cut=cut,
                           hint="上限是否定得过宽？" if str(row.nature or "").strip() == "≤" else "指标值是否设定偏低？",
                           hint_en="was the ceiling set too loose?" if str(row.nature or "").strip() == "≤"
                           else "was the target set too low?",
                           cut_en=f", {over.over_deduct:g} points deducted" if over.over_deduct else "")


def check_review_rules(ctx: Ctx) -> Iterator[Finding]:
    """The findings reviewers record again and again (成本 ≥, 满意度 without survey, all 100)."""
    used = [row for row in ctx.data.rows if not row.empty]
    for row in used:
        r = row.grid.row
        if COST_WORD in row.grid.level2 and str(row.nature or "").strip() == "≥":
            yield ctx.find("XE806", L.a1(L.COL_NATURE, r), indicator=row.name)
        score = _score(row, ctx)
        if SATISFACTION_WORD in row.grid.level1 + row.grid.level2 and score and score > 0 \
                and not SURVEY_RE.search(row.evidence + row.reason):
            yield ctx.find("XE808", L.a1(L.COL_EVIDENCE, r), indicator=row.name, score=f"{score:g}")
    seen: dict[str, Row] = {}
    from xl_eval.core.values import normalise_label
    for row in used:
        key = normalise_label(row.name)
        if key and key in seen:
            first = seen[key].grid
            yield ctx.find("XE814", L.a1(L.COL_NAME, row.grid.row), indicator=row.name,
                           first=f"{first.level1}/{first.level2}（第{first.row}行）",
                           first_en=f"row {first.row}")
        seen.setdefault(key, row)
    scores = [(_score(row, ctx), _num(row.points)) for row in used]
    if len(used) >= 3 and all(s is not None and p is not None and s >= p for s, p in scores):
        goal_actual = ctx.data.text(L.HEADER_CELLS["goal_actual"])
        goal_expected = ctx.data.text(L.HEADER_CELLS["goal_expected"])
        no_evidence = all(_blank(row.evidence) for row in used)
        copied = [row for row in used if row.actual is not None and row.actual == row.target]
        why = None
        if _blank(goal_actual):
            why = ("“实际完成情况”为空", "the actual results (实际完成情况) are blank")
        elif goal_actual == goal_expected:
            why = ("“实际完成情况”与“预期目标”完全相同", "the actual results repeat the expected goal word for word")
        elif no_evidence:
            why = ("没有填写佐证材料", "no evidence is named")
        elif len(copied) == len(used):
            why = ("每项实际完成值都与年度指标值相同", "every actual equals its target")
        if why:
            yield ctx.find("XE805", ctx.data.lay.total_cell, n=len(used), why=why[0], why_en=why[1])


def check_money(ctx: Ctx) -> Iterator[Finding]:
    lay, d = ctx.data.lay, ctx.data
    for source in ("total",) + L.SOURCES:
        full = _num(d.value(lay.money_cell(source, "full")))
        ex = _num(d.value(lay.money_cell(source, "executed")))
        if source == "total":
            full = _sum_sources(d, lay, "full") if full is None else full
            ex = _sum_sources(d, lay, "executed") if ex is None else ex
        if full is not None and ex is not None and ex > full + 1e-9:
            label = "年度资金总额" if source == "total" else \
                {"current": "当年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}[source]
            yield ctx.find("XE810", lay.money_cell(source, "executed"), source=label,
                           executed=f"{ex:g}", budget=f"{full:g}")
    for stage in L.STAGE_COLS:
        ref = lay.money_cell("total", stage)
        if ref in ctx.altered:
            total, parts = _num(d.value(ref)), _sum_sources(d, lay, stage)
            if total is not None and parts is not None and abs(total - parts) > 0.005:
                yield ctx.find("XE811", ref, stage=L_STAGE[stage], total=f"{total:g}", sum=f"{parts:g}")
    rate = ctx.expected.get(lay.exec_rate_cell)
    rate = rate if isinstance(rate, float) else _num(d.value(lay.exec_rate_cell))
    if rate is not None and rate < EXEC_REASON_BELOW and _blank(d.text(lay.exec_reason_cell)):
        yield ctx.find("XE809", lay.exec_reason_cell, rate=_pct(rate))


L_STAGE = {"initial": "年初预算数", "full": "全年预算数", "executed": "全年执行数"}


def _sum_sources(d: SheetData, lay: L.Layout, stage: str) -> float | None:
    vals = [_num(d.value(lay.money_cell(s, stage))) for s in L.SOURCES]
    if all(v is None for v in vals):
        return None
    return sum(v for v in vals if v is not None)


def check_weights(ctx: Ctx) -> Iterator[Finding]:
    """XE815: the engine's verdict on the adjusted 一级 weights (framework weight_range / weight_values)."""
    moved = [b for b in ctx.spec.blocks if b.adjustable]
    if not moved or ctx.evaluation is None:
        return
    from xl_eval.forms.selfeval.bind import weight_problems
    allowed = "；".join(f"{b.name} {b.weight_text}" for b in moved) + \
        f"；预算执行率 {ctx.spec.scoring.exec_points:g} 不调整，合计 {ctx.spec.total_weight:g}"
    for prob in weight_problems(ctx.spec, ctx.evaluation):
        block = next(b for b in moved if b.weight_input == prob.codes[0])
        yield ctx.find("XE815", ctx.data.lay.weight_cell(block.code), detail=prob.message,
                       detail_en=prob.message, allowed=allowed)


CHECKS = (check_formulas, check_scores, check_points, check_weights, check_assessable, check_reasons,
          check_review_rules, check_money)


def check_sheet(data: SheetData, expected: dict[str, Any], lang: str = "zh", evaluation=None) -> list[Finding]:
    ctx = Ctx(data, expected, lang)
    ctx.evaluation = evaluation
    out: list[Finding] = []
    for check in CHECKS:
        out.extend(check(ctx))
    return out


# ------------------------------------------------------------------ files

def shipped_framework(framework_id: str):
    """The shipped framework with this id (None when there is none)."""
    from xl_eval.framework.model import SHIPPED_DIR, FrameworkError, load
    path = SHIPPED_DIR / f"{framework_id}.yaml"
    if not framework_id or "/" in framework_id or not path.is_file():
        return None
    try:
        return load(path)
    except FrameworkError:
        return None


def check_file(path: str | Path, fw=None, lang: str = "zh"):
    """Check one 自评表 workbook; `fw` None: the shipped framework it names."""
    from xl_eval.check.workbook import CheckResult
    from xl_eval.forms.selfeval.bind import NotSelfEval, evaluate_sheet, spec_of
    findings: list[Finding] = []
    try:
        wb = open_workbook(path)
    except WorkbookError as exc:
        return CheckResult(str(path), [make(exc.code, lang=lang, **exc.fields)])
    try:
        try:
            meta = read_meta(wb)
        except WorkbookError as exc:
            return CheckResult(str(path), [make(exc.code, lang=lang, **exc.fields)])
        if meta is None:
            return CheckResult(str(path), [make("XE111", lang=lang)])
        wid = meta.get("framework_id", "")
        if fw is None:
            fw = shipped_framework(wid)
            if fw is None:
                return CheckResult(str(path), [make("XE112", L.META_SHEET, "B3", lang=lang, workbook_id=wid or "（空）",
                                                    framework_id="（内置框架中没有）")])
        if wid != fw.id:
            return CheckResult(str(path), [make("XE112", L.META_SHEET, "B3", lang=lang, workbook_id=wid or "（空）",
                                                framework_id=fw.id)])
        if meta.get("framework_version", "") != fw.version:
            return CheckResult(str(path), [make("XE113", L.META_SHEET, "B4", lang=lang, framework_id=fw.id,
                                                workbook_version=meta.get("framework_version") or "（空）",
                                                framework_version=fw.version)])
        if meta.get("framework_hash", "") != fw.content_hash:
            findings.append(make("XE114", L.META_SHEET, "B5", lang=lang,
                                 workbook_hash=meta.get("framework_hash") or "（空）", framework_hash=fw.content_hash))
        try:
            spec = spec_of(fw)
        except NotSelfEval as exc:
            return CheckResult(str(path), [make("XE813", lang=lang, detail=str(exc), detail_en=str(exc))])
        for sheet, sizes_text in meta["sheets"]:
            if sheet not in wb.sheets:
                findings.append(make("XE115", lang=lang, sheet_name=sheet))
                continue
            sizes = L.parse_sizes(sizes_text, spec)
            if sizes is None:
                detail = f"工作表“{sheet}”的行数记录“{sizes_text}”与框架不符，无法定位单元格"
                findings.append(make("XE813", sheet, lang=lang, detail=detail,
                                     detail_en=f"sheet “{sheet}”: row layout record “{sizes_text}” does not fit the framework"))
                continue
            lay = L.layout(spec, sizes)
            try:
                data = read_sheet(wb, sheet, lay)
            except WorkbookError as exc:
                findings.append(make(exc.code, lang=lang, **exc.fields))
                continue
            ev, expected = evaluate_sheet(fw, lay, {ref: c.value for ref, c in data.cells.items()})
            findings.extend(check_sheet(data, expected, lang, ev))
    finally:
        wb.close()
    return CheckResult(str(path), findings)


def project_sheets(wb, fw, meta: dict):
    """(sheet, layout, data, evaluation, expected cells) of each readable project
    sheet of an opened 自评表, recomputed by the engine (for collect and report;
    check_file reports the sheets this skips)."""
    from xl_eval.forms.selfeval.bind import evaluate_sheet, spec_of
    spec = spec_of(fw)
    for sheet, sizes_text in meta["sheets"]:
        sizes = L.parse_sizes(sizes_text, spec)
        if sheet not in wb.sheets or sizes is None:
            continue
        lay = L.layout(spec, sizes)
        data = read_sheet(wb, sheet, lay)
        ev, expected = evaluate_sheet(fw, lay, {ref: c.value for ref, c in data.cells.items()})
        yield sheet, lay, data, ev, expected


def sheet_layouts(path: str | Path, fw=None) -> dict[str, L.Layout]:
    """{sheet name: Layout} of a 自评表 workbook (for tools and tests)."""
    from xl_eval.forms.selfeval.bind import spec_of
    with open_workbook(path) as wb:
        meta = read_meta(wb)
        if meta is None:
            return {}
        spec = spec_of(fw or shipped_framework(meta.get("framework_id", "")))
        out = {}
        for sheet, sizes_text in meta["sheets"]:
            sizes = L.parse_sizes(sizes_text, spec)
            if sizes is not None:
                out[sheet] = L.layout(spec, sizes)
        return out

"""The 自评表 form against a framework and the engine.

``spec_of(fw)`` reads the form's parameters from a self-evaluation
framework (format 2): the directly scored 预算执行率 node, the blocks of
rows the unit defines (产出 / 效益 / 满意度 …, each with its 二级 groups),
rounding, pass threshold, over-target ratio, tiers and grades.  Nothing is
re-typed here: every number in the workbook's formulas comes from the file.

The form's contract with a framework: the money inputs are named
``<source>_<stage>`` (current / carryover / other × initial / full /
executed), and the 执行率 node scores a rate of them.

``engine_values(lay, cells)`` turns a sheet's cells into the engine's inputs
(rows as ``<block>_<i>_<field>``); ``expected_cells(fw, lay, ev)`` gives, for
every computed cell, what the engine says it must show.
"""

from __future__ import annotations

from typing import Any, Mapping

from xl_eval.forms.selfeval import layout as L

NATURES = ("≥", "≤", "=", "定性")
SPARE_ROWS = 3            # template rows per 二级 group
FIRST_GROUP_SPARE = 4


class NotSelfEval(ValueError):
    """The framework does not describe a 自评表 (no rows blocks / 执行率 node)."""


def money_input(source: str, stage: str) -> str:
    return f"{source}_{stage}"


def spec_of(fw) -> L.Spec:
    leaves = list(fw.leaves)
    blocks = [leaf for leaf in leaves if getattr(leaf, "rows", None) is not None]
    scored = [leaf for leaf in leaves if getattr(leaf, "rows", None) is None]
    if not blocks or len(scored) != 1:
        raise NotSelfEval(f"框架 {fw.id} 不是项目支出绩效自评表框架（需要一个直接计分的预算执行率指标和若干单位自定义指标行）")
    for s in L.SOURCES:
        for st in L.STAGE_COLS:
            if money_input(s, st) not in fw.inputs:
                raise NotSelfEval(f"框架 {fw.id} 缺少自评表的资金输入项 {money_input(s, st)}")
    exec_leaf = scored[0]
    rule = exec_leaf.parts[0].rule
    kw: dict[str, Any] = {}
    if rule.kind == "proportional":
        kw["exec_proportional"] = rule.points if rule.points is not None else exec_leaf.weight
    elif rule.kind == "bands":
        kw["exec_proportional"] = None
        kw["exec_bands"] = tuple(L.ExecBand(b.range.lo, b.range.lo_closed, b.range.hi, b.range.hi_closed,
                                            b.points_of(exec_leaf.weight)) for b in rule.bands)
        kw["exec_else"] = rule.else_points
    else:
        raise NotSelfEval(f"预算执行率的计分规则应为 proportional 或 bands，实为 {rule.kind}")
    from xl_eval.framework.model import QUALITATIVE_TIERS
    grades = []
    for g in sorted(fw.grades, key=lambda g: -g.range.lo):
        grades.append((g.range.lo, g.name))
    scoring = L.Scoring(
        rate_digits=fw.precision.rate, score_digits=fw.precision.score, total_digits=fw.precision.total,
        exec_points=exec_leaf.weight,
        tiers=tuple(QUALITATIVE_TIERS), grades=tuple(grades), **kw)
    out = []
    for leaf in blocks:
        rows = leaf.rows
        groups = tuple(getattr(rows, "groups", ()) or (leaf.name,))
        spare = tuple(L.Group(g, FIRST_GROUP_SPARE if i == 0 else SPARE_ROWS) for i, g in enumerate(groups))
        over = rows.over_target
        bands = tuple(L.ExecBand(b.range.lo, b.range.lo_closed, b.range.hi, b.range.hi_closed, b.points_of(1.0))
                      for b in getattr(rows, "actual_bands", ()))
        adj = getattr(leaf, "adjust", None)
        wkw: dict[str, Any] = {}
        if adj is not None:
            rng = adj.range
            wkw = dict(weight_input=adj.input, weight_values=adj.values, weight_text=adj.text(),
                       weight_range=None if rng is None else L.ExecBand(rng.lo, rng.lo_closed, rng.hi, rng.hi_closed, 0.0))
        out.append(L.Block(leaf.code, leaf.name, leaf.weight, spare, rows.max_rows, rows.pass_threshold,
                           over.ratio if over else None, over.deduct if over else 0.0, bands, **wkw))
    return L.Spec(fw.title, fw.id, fw.version, fw.content_hash, exec_leaf.code, tuple(out), scoring,
                  fw.total_weight)


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    t = str(v).strip()
    return t or None


def engine_values(lay: L.Layout, cell: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's inputs from a sheet's cells ({"E13": value, ...}).

    What a cell holds is passed on only when it has the kind the engine
    expects: a number typed as text, an unknown 指标性质 or tier stays None
    (the row is then not scored, as in the workbook; check reports why)."""
    spec = lay.spec
    out: dict[str, Any] = {}
    for s in L.SOURCES:
        for st in L.STAGE_COLS:
            out[money_input(s, st)] = _number(cell.get(lay.money_cell(s, st)))
    tiers = {t[0] for t in spec.scoring.tiers}
    for b in spec.blocks:
        if b.adjustable:
            out[b.weight_input] = _number(cell.get(lay.weight_cell(b.code)))
    for r in lay.rows:
        def v(col):
            return cell.get(L.a1(col, r.row))
        key = lambda k: f"{r.block}_{r.index}_{k}"  # noqa: E731  (RowBlock.row_input)
        nature = _text(v(L.COL_NATURE))
        out[key("level1")] = r.level2      # the block's one row level (row_levels: [二级指标])
        out[key("name")] = _text(v(L.COL_NAME))
        out[key("nature")] = nature if nature in NATURES else None
        out[key("points")] = _number(v(L.COL_POINTS))
        out[key("unit")] = _text(v(L.COL_UNIT))
        if nature == "定性":
            tier = _text(v(L.COL_ACTUAL))
            out[key("tier")] = tier if tier in tiers else None
            out[key("share")] = _number(v(L.COL_SHARE))
            out[key("target")] = out[key("actual")] = None
        else:
            out[key("target")] = _number(v(L.COL_TARGET))
            out[key("actual")] = _number(v(L.COL_ACTUAL))
            out[key("tier")] = out[key("share")] = None
    return out


def engine_inputs(fw, lay: L.Layout, cell: Mapping[str, Any]) -> dict[str, Any]:
    """engine_values restricted to the framework's declared and generated inputs."""
    vals = engine_values(lay, cell)
    return {k: v for k, v in vals.items() if k in fw.inputs}


def expected_cells(fw, lay: L.Layout, ev, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed cell -> the value the engine says it must show (None = blank).

    `inputs` are the values the engine was given (before defaults)."""
    spec = lay.spec
    out: dict[str, Any] = {}
    vals = inputs
    for st in L.STAGE_COLS:
        parts = [vals.get(money_input(s, st)) for s in L.SOURCES]
        out[lay.money_cell("total", st)] = None if all(p is None for p in parts) else sum(p or 0 for p in parts)
    rate_code = fw.leaf(spec.exec_leaf).parts[0].rule.value.single_name
    out[lay.exec_rate_cell] = ev.rates.get(rate_code)
    out[lay.exec_score_cell] = ev.leaves[spec.exec_leaf].score
    for b in lay.blocks:
        leaf = ev.leaves[b.code]
        by_index = {p.code: p for p in leaf.parts}
        for r in lay.block_rows(b.code):
            part = by_index.get(f"r{r.index}")
            out[L.a1(L.COL_SCORE, r.row)] = part.score if part else None
            out[L.a1(L.COL_RATIO, r.row)] = part.ratio if part else None
        out[L.a1(L.COL_SCORE, b.subtotal_row)] = leaf.score
    out[lay.total_cell] = ev.total
    out[lay.grade_cell] = ev.grade
    if any(b.adjustable for b in spec.blocks):
        out[lay.weights_note_cell] = L.weights_message(spec) if weight_problems(spec, ev) else None
    return out


def weight_problems(spec: L.Spec, ev) -> list:
    """The engine's problems with the adjusted weights (not allowed, or not adding up)."""
    codes = {b.weight_input for b in spec.blocks if b.adjustable}
    return [p for p in ev.problems if codes & set(p.codes)]


def evaluate_sheet(fw, lay: L.Layout, cell: Mapping[str, Any]):
    """(Evaluation, {computed cell: expected value}) for one sheet's cells."""
    from xl_eval.engine.score import evaluate
    inputs = engine_inputs(fw, lay, cell)
    ev = evaluate(fw, inputs)
    return ev, expected_cells(fw, lay, ev, inputs)

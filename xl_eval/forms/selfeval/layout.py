"""Where everything is on a 项目支出绩效自评表 sheet, and what its formulas say.

The sheet follows 财预〔2020〕10号 附1: 项目名称 / 主管部门 / 实施单位; the
项目资金（万元） block (年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金 ×
年初预算数 / 全年预算数 / 全年执行数, 分值, 执行率, 得分); 年度总体目标
(预期目标 | 实际完成情况); the 绩效指标 grid, one group of rows per 二级指标
with spare rows, a 小计 row per 一级指标; 总分 and 自评等级.

The grid's rows are not fixed: each 二级 group has as many rows as the project
needs plus spares (``sizes``), so the layout is a function of (spec, sizes).
A filled sheet records its sizes in the hidden ``xl_eval`` sheet; check and
collect rebuild the same layout from them.  This module is the only place that
knows cell positions and formula texts (template, fill, check and collect use
it); the numbers the formulas compute are the engine's (engine == LibreOffice
is tested on generated projects).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xl_eval.xlsx.reader import col_letter

from xl_eval.forms.selfeval.meta import FORM_ID, META_SHEET  # noqa: E402,F401  (one place: meta.py)
FORM_FORMAT = "2"        # 2: each 一级 block's weight in its own cell (weights adjustable per project)

# grid columns (1-based)
COL_SECTION, COL_L1, COL_L2, COL_NAME = 1, 2, 3, 4
COL_NATURE, COL_TARGET, COL_UNIT, COL_ACTUAL = 5, 6, 7, 8
COL_SHARE, COL_RATIO, COL_POINTS, COL_SCORE, COL_REASON, COL_EVIDENCE = 9, 10, 11, 12, 13, 14
LAST_COL = COL_EVIDENCE
WIDTHS = {1: 4.5, 2: 7.5, 3: 9, 4: 21, 5: 9.5, 6: 10.5, 7: 9.5, 8: 10.5, 9: 8.5, 10: 8.5, 11: 6.5, 12: 8,
          13: 30, 14: 14}
# money block columns
COL_M_INITIAL, COL_M_FULL, COL_M_EXEC = 5, 6, 7
COL_M_POINTS, COL_M_RATE, COL_M_SCORE, COL_M_REASON = 8, 9, 10, 11

ROW_TITLE, ROW_YEAR, ROW_NAME, ROW_DEPT = 1, 2, 3, 4
ROW_MONEY_HEAD = 5
MONEY_ROWS = {"total": 6, "current": 7, "carryover": 8, "other": 9}
ROW_GOAL_HEAD, ROW_GOAL = 10, 11
ROW_GRID_HEAD = 12
FIRST_GRID_ROW = 13

STAGE_COLS = {"initial": COL_M_INITIAL, "full": COL_M_FULL, "executed": COL_M_EXEC}
SOURCES = ("current", "carryover", "other")

GRID_HEADERS = {COL_L1: "一级指标", COL_L2: "二级指标", COL_NAME: "三级指标", COL_NATURE: "指标性质",
                COL_TARGET: "年度指标值", COL_UNIT: "计量单位", COL_ACTUAL: "实际完成值",
                COL_SHARE: "定性评定比例", COL_RATIO: "完成率", COL_POINTS: "分值", COL_SCORE: "得分",
                COL_REASON: "偏差原因分析及改进措施", COL_EVIDENCE: "佐证材料"}
ROW_INPUT_COLS = (COL_NAME, COL_NATURE, COL_TARGET, COL_UNIT, COL_ACTUAL, COL_SHARE, COL_POINTS, COL_REASON,
                  COL_EVIDENCE)




def a1(col: int, row: int) -> str:
    return f"{col_letter(col)}{row}"


# ---------------------------------------------------------------- the spec

@dataclass(frozen=True)
class Group:
    """One 二级指标 group of rows inside a block."""
    name: str            # e.g. 数量指标
    spare: int           # rows in the blank template


@dataclass(frozen=True)
class Block:
    """One 一级指标 whose rows the unit defines (产出 / 效益 / 满意度 ...)."""
    code: str            # the framework leaf that scores these rows
    name: str            # e.g. 产出指标
    allotment: float     # its points (分值 of the rows must add up to this)
    groups: tuple[Group, ...]
    max_rows: int
    pass_threshold: float | None = None            # 101号: 0.6
    over_target: float | None = None               # completion ratio flagged as far above target
    over_deduct: float = 0.0                       # points deducted when flagged
    actual_bands: tuple["ExecBand", ...] = ()      # rows scored by the band of their actual (101号 满意度)
    # an adjustable weight (framework weight_range / weight_values): the unit types it in the weight cell
    weight_input: str | None = None
    weight_range: "ExecBand | None" = None          # lo/hi of the allowed range (points unused)
    weight_values: tuple[float, ...] = ()
    weight_text: str = ""                           # "40～60" / "0 或 10"

    @property
    def adjustable(self) -> bool:
        return self.weight_input is not None

    def allows(self, w: float) -> bool:
        """Whether the framework lets this block's weight be w (framework.model.WeightAdjust.allows)."""
        if self.weight_values:
            return any(abs(w - v) < 1e-9 for v in self.weight_values)
        r = self.weight_range
        if r is None:
            return True
        return (w >= r.lo if r.lo_closed else w > r.lo) and (w <= r.hi if r.hi_closed else w < r.hi)


@dataclass(frozen=True)
class ExecBand:
    lo: float
    lo_closed: bool
    hi: float
    hi_closed: bool
    points: float


@dataclass(frozen=True)
class Scoring:
    """Parameters of the row and 执行率 formulas, all taken from the framework."""
    rate_digits: int = 4
    score_digits: int = 2
    total_digits: int = 2
    exec_points: float = 10.0
    exec_proportional: float | None = 10.0         # proportional: rate x this, clamped to exec_points
    exec_bands: tuple[ExecBand, ...] = ()          # bands (when exec_proportional is None)
    exec_else: float | None = None                 # points of a rate in no band (None: blank)
    # tier, lowest share, highest share, highest included
    tiers: tuple[tuple[str, float, float, bool], ...] = (
        ("达成", 0.8, 1.0, True), ("部分达成", 0.6, 0.8, False), ("未达成", 0.0, 0.6, False))
    grades: tuple[tuple[float, str], ...] = ((90, "优"), (80, "良"), (60, "中"), (float("-inf"), "差"))


@dataclass(frozen=True)
class Spec:
    title: str
    framework_id: str
    framework_version: str
    framework_hash: str
    exec_leaf: str
    blocks: tuple[Block, ...]
    scoring: Scoring
    total_weight: float = 100.0


# ---------------------------------------------------------------- the layout

@dataclass(frozen=True)
class GridRow:
    row: int
    block: str           # block code
    index: int           # 1-based row index inside the block (engine row i)
    level1: str
    level2: str


@dataclass(frozen=True)
class GroupSpan:
    block: str
    name: str
    first: int
    last: int


@dataclass(frozen=True)
class BlockSpan:
    code: str
    name: str
    first: int
    last: int
    subtotal_row: int


@dataclass
class Layout:
    spec: Spec
    sizes: tuple[tuple[int, ...], ...]     # rows per group, per block
    rows: list[GridRow] = field(default_factory=list)
    groups: list[GroupSpan] = field(default_factory=list)
    blocks: list[BlockSpan] = field(default_factory=list)
    total_row: int = 0
    grade_row: int = 0
    last_row: int = 0

    def money_cell(self, source: str, stage: str) -> str:
        return a1(STAGE_COLS[stage], MONEY_ROWS[source])

    @property
    def exec_rate_cell(self) -> str:
        return a1(COL_M_RATE, MONEY_ROWS["total"])

    @property
    def exec_score_cell(self) -> str:
        return a1(COL_M_SCORE, MONEY_ROWS["total"])

    @property
    def exec_points_cell(self) -> str:
        return a1(COL_M_POINTS, MONEY_ROWS["total"])

    @property
    def exec_reason_cell(self) -> str:
        return a1(COL_M_REASON, MONEY_ROWS["total"])

    @property
    def total_cell(self) -> str:
        return a1(COL_SCORE, self.total_row)

    @property
    def total_points_cell(self) -> str:
        return a1(COL_POINTS, self.total_row)

    @property
    def grade_cell(self) -> str:
        return a1(COL_POINTS, self.grade_row)

    def subtotal_cell(self, block: str) -> str:
        b = next(b for b in self.blocks if b.code == block)
        return a1(COL_SCORE, b.subtotal_row)

    def weight_cell(self, block: str) -> str:
        """The block's weight (分值): typed by the unit when adjustable, else fixed text."""
        b = next(b for b in self.blocks if b.code == block)
        return a1(COL_EVIDENCE, b.subtotal_row)

    @property
    def weights_note_cell(self) -> str:
        """A live message when the adjusted weights break the framework's rules."""
        return a1(COL_REASON, self.total_row)

    def block_rows(self, block: str) -> list[GridRow]:
        return [r for r in self.rows if r.block == block]


HEADER_CELLS = {
    "name": a1(3, ROW_NAME), "code": a1(11, ROW_NAME),
    "department": a1(3, ROW_DEPT), "unit": a1(11, ROW_DEPT),
    "year": a1(1, ROW_YEAR),
    "goal_expected": a1(2, ROW_GOAL), "goal_actual": a1(8, ROW_GOAL),
}


def default_sizes(spec: Spec) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(g.spare for g in b.groups) for b in spec.blocks)


def sizes_for(spec: Spec, counts: dict[tuple[str, str], int], spare: int = 1) -> tuple[tuple[int, ...], ...]:
    """Rows per group for a project with `counts` rows per (block code, group name):
    its rows plus `spare` empty ones, never fewer than the template's spares."""
    return tuple(tuple(max(g.spare, counts.get((b.code, g.name), 0) + spare) for g in b.groups)
                 for b in spec.blocks)


def sizes_text(sizes) -> str:
    return "|".join(",".join(str(n) for n in block) for block in sizes)


def parse_sizes(text: str, spec: Spec) -> tuple[tuple[int, ...], ...] | None:
    try:
        sizes = tuple(tuple(int(n) for n in part.split(",")) for part in str(text).split("|"))
    except ValueError:
        return None
    if len(sizes) != len(spec.blocks) or any(len(s) != len(b.groups) or min(s) < 1 or sum(s) > b.max_rows
                                             for s, b in zip(sizes, spec.blocks)):
        return None
    return sizes


def layout(spec: Spec, sizes=None) -> Layout:
    sizes = tuple(tuple(s) for s in (sizes or default_sizes(spec)))
    lay = Layout(spec, sizes)
    r = FIRST_GRID_ROW
    for block, block_sizes in zip(spec.blocks, sizes):
        first, index = r, 0
        for group, n in zip(block.groups, block_sizes):
            lay.groups.append(GroupSpan(block.code, group.name, r, r + n - 1))
            for _ in range(n):
                index += 1
                lay.rows.append(GridRow(r, block.code, index, block.name, group.name))
                r += 1
        lay.blocks.append(BlockSpan(block.code, block.name, first, r - 1, r))
        r += 1
    lay.total_row, lay.grade_row = r, r + 1
    lay.last_row = r + 1
    return lay


# ---------------------------------------------------------------- formulas

def _num(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() else repr(float(x))


def ratio_formula(sc: Scoring, row: int) -> str:
    """完成率 of a quantitative row, as engine.score.score_target rounds it:
    ≥ actual/target (target <= 0: 1 when met, else 0); ≤ target/actual
    (actual <= 0: 1 when met; target <= 0: 0); = smaller/larger (1 when equal,
    0 when the smaller is <= 0).  Blank for 定性 rows and non-numbers."""
    D, E, F, H, K = (a1(c, row) for c in (COL_NAME, COL_NATURE, COL_TARGET, COL_ACTUAL, COL_POINTS))
    d = sc.rate_digits
    ge = f"IF({F}<=0,IF({H}>={F},1,0),ROUND({H}/{F},{d}))"
    le = f"IF({H}<=0,IF({H}<={F},1,0),IF({F}>0,ROUND({F}/{H},{d}),0))"
    eq = f"IF({H}={F},1,IF(MIN({H},{F})<=0,0,ROUND(MIN({H},{F})/MAX({H},{F}),{d})))"
    return (f'=IF(OR({D}="",NOT(ISNUMBER({K})),{E}="",{E}="定性",NOT(ISNUMBER({F})),NOT(ISNUMBER({H}))),"",'
            f'IF({E}="≥",{ge},IF({E}="≤",{le},IF({E}="=",{eq},""))))')


def band_test(b: "ExecBand", x: str) -> str:
    tests = []
    if b.lo != float("-inf"):
        tests.append(f"{x}{'>=' if b.lo_closed else '>'}{_num(b.lo)}")
    if b.hi != float("inf"):
        tests.append(f"{x}{'<=' if b.hi_closed else '<'}{_num(b.hi)}")
    return tests[0] if len(tests) == 1 else f"AND({','.join(tests)})" if tests else "TRUE"


def _clamp(expr: str, top: str, digits: int) -> str:
    return f"MIN(MAX(ROUND({expr},{digits}),0),{top})"


def score_formula(sc: Scoring, row: int, block: Block) -> str:
    """得分 of one row, step by step as engine.score.score_target (or, for a
    block with actual_bands, the band of the 实际完成值 as engine.score.score_row)."""
    D, E, F, H, I, J, K = (a1(c, row) for c in (COL_NAME, COL_NATURE, COL_TARGET, COL_ACTUAL, COL_SHARE,
                                                 COL_RATIO, COL_POINTS))
    d = sc.score_digits
    tier_ok = "OR(" + ",".join(
        f'AND({H}="{name}",{I}>={_num(lo)},{I}{"<=" if top else "<"}{_num(hi)})'
        for name, lo, hi, top in sc.tiers) + ")"
    qual = f'IF(OR({H}="",NOT(ISNUMBER({I}))),"",IF({tier_ok},{_clamp(f"{K}*{I}", K, d)},""))'
    met = f'OR(IF({E}="≥",{H}>={F},IF({E}="≤",{H}<={F},{H}={F})),{J}>=1)'
    full = K
    if block.over_target is not None and block.over_deduct:
        flag = f'AND({E}<>"=",{J}>={_num(block.over_target)},NOT(AND({E}="≤",{H}<=0)))'
        full = f"IF({flag},MAX(0,{K}-{_num(block.over_deduct)}),{K})"
    if block.pass_threshold is None:
        miss = f"{J}*{K}"
    else:
        p = _num(block.pass_threshold)
        miss = f"IF({J}<{p},0,({J}-{p})/(1-{p})*{K})"
    quant = f'IF({J}="","",{_clamp(f"IF({met},{full},{miss})", K, d)})'
    if block.actual_bands:
        share = '""'
        for b in reversed(block.actual_bands):
            share = f"IF({band_test(b, H)},{_num(b.points)},{share})"
        quant = f'IF({J}="","",IF({share}="","",{_clamp(f"{K}*{share}", K, d)}))'
    return f'=IF(OR({D}="",{E}="",NOT(ISNUMBER({K}))),"",IF({E}="定性",{qual},{quant}))'


def money_total_formula(stage: str) -> str:
    c = STAGE_COLS[stage]
    cells = ",".join(a1(c, MONEY_ROWS[s]) for s in SOURCES)
    return f'=IF(COUNT({cells})=0,"",SUM({cells}))'


def rate_formula(sc: Scoring, source: str) -> str:
    row = MONEY_ROWS[source]
    full, ex = a1(COL_M_FULL, row), a1(COL_M_EXEC, row)
    return f'=IF(OR({full}="",{ex}="",{full}=0),"",ROUND({ex}/{full},{sc.rate_digits}))'


def exec_score_formula(sc: Scoring) -> str:
    rate = a1(COL_M_RATE, MONEY_ROWS["total"])
    top = _num(sc.exec_points)
    if sc.exec_proportional is not None:
        expr = _clamp(f"{rate}*{_num(sc.exec_proportional)}", top, sc.score_digits)
    else:
        expr = '""' if sc.exec_else is None else _clamp(_num(sc.exec_else), top, sc.score_digits)
        for b in reversed(sc.exec_bands):
            expr = f"IF({band_test(b, rate)},{_clamp(_num(b.points), top, sc.score_digits)},{expr})"
    return f'=IF({rate}="","",{expr})'


def weight_expr(lay: Layout, code: str) -> str:
    """The block's weight as the engine takes it: the weight cell when it holds a
    number, else the framework's default (engine.score.leaf_weight)."""
    block = next(b for b in lay.spec.blocks if b.code == code)
    if not block.adjustable:
        return _num(block.allotment)
    w = lay.weight_cell(code)
    return f"IF(ISNUMBER({w}),{w},{_num(block.allotment)})"


def subtotal_formula(lay: Layout, block: BlockSpan, col: int) -> str:
    pts = f"{a1(COL_POINTS, block.first)}:{a1(COL_POINTS, block.last)}"
    if col == COL_POINTS:
        return f"=SUM({pts})"
    names = f"{a1(COL_NAME, block.first)}:{a1(COL_NAME, block.last)}"
    scores = f"{a1(COL_SCORE, block.first)}:{a1(COL_SCORE, block.last)}"
    filled = f'(({names}<>"")+({pts}<>"")>0)'
    w = weight_expr(lay, block.code)
    # the engine: blank without filled rows (0 when the weight is 0) or while a filled row is not scored
    return (f'=IF(SUMPRODUCT({filled}*1)=0,IF({w}=0,0,""),IF(SUMPRODUCT({filled}*(1-ISNUMBER({scores})))>0,"",'
            f'ROUND(MIN(MAX(SUM({scores}),0),{w}),{lay.spec.scoring.score_digits})))')


def weights_note_formula(lay: Layout) -> str:
    """Empty while the weights follow the framework (each adjusted one allowed,
    all adding up to the total, as engine.score.inputs_problems), else a message."""
    tests = []
    for b in lay.spec.blocks:
        if not b.adjustable:
            continue
        w = weight_expr(lay, b.code)
        if b.weight_values:
            tests.append("OR(" + ",".join(f"ABS({w}-{_num(v)})<0.000000001" for v in b.weight_values) + ")")
        elif b.weight_range is not None:
            tests.append(band_test(b.weight_range, w))
    total = "+".join([_num(lay.spec.scoring.exec_points)] + [weight_expr(lay, b.code) for b in lay.spec.blocks])
    tests.append(f"ABS({total}-{_num(lay.spec.total_weight)})<0.000000001")
    return f'=IF(AND({",".join(tests)}),"","{weights_message(lay.spec)}")'


def weights_message(spec: Spec) -> str:
    rules = "，".join(f"{b.name} {b.weight_text}" for b in spec.blocks if b.adjustable)
    return f"一级指标分值的调整不符合框架：{rules}，合计应为 {_num(spec.total_weight)}"


def total_formula(lay: Layout) -> str:
    cells = [lay.exec_score_cell] + [a1(COL_SCORE, b.subtotal_row) for b in lay.blocks]
    test = ",".join(f'{c}=""' for c in cells)
    return f'=IF(OR({test}),"",ROUND({"+".join(cells)},{lay.spec.scoring.total_digits}))'


def total_points_formula(lay: Layout) -> str:
    return "=" + "+".join([lay.exec_points_cell] + [a1(COL_POINTS, b.subtotal_row) for b in lay.blocks])


def grade_formula(lay: Layout) -> str:
    t = lay.total_cell
    grades = lay.spec.scoring.grades
    expr = f'"{grades[-1][1]}"'
    for lo, name in reversed(grades[:-1]):
        expr = f'IF({t}>={_num(lo)},"{name}",{expr})'
    return f'=IF({t}="","",{expr})'


def formulas(lay: Layout) -> dict[str, str]:
    """Cell -> formula text for every computed cell of the sheet."""
    sc = lay.spec.scoring
    blocks = {b.code: b for b in lay.spec.blocks}
    out: dict[str, str] = {}
    for stage in STAGE_COLS:
        out[lay.money_cell("total", stage)] = money_total_formula(stage)
    for source in ("total",) + SOURCES:
        out[a1(COL_M_RATE, MONEY_ROWS[source])] = rate_formula(sc, source)
    out[lay.exec_score_cell] = exec_score_formula(sc)
    for r in lay.rows:
        out[a1(COL_RATIO, r.row)] = ratio_formula(sc, r.row)
        out[a1(COL_SCORE, r.row)] = score_formula(sc, r.row, blocks[r.block])
    for b in lay.blocks:
        out[a1(COL_POINTS, b.subtotal_row)] = subtotal_formula(lay, b, COL_POINTS)
        out[a1(COL_SCORE, b.subtotal_row)] = subtotal_formula(lay, b, COL_SCORE)
    if any(b.adjustable for b in lay.spec.blocks):
        out[lay.weights_note_cell] = weights_note_formula(lay)
    out[lay.total_points_cell] = total_points_formula(lay)
    out[lay.total_cell] = total_formula(lay)
    out[lay.grade_cell] = grade_formula(lay)
    return out


def input_cells(lay: Layout) -> list[str]:
    """Every cell a unit fills in (yellow, unlocked)."""
    cells = list(HEADER_CELLS.values())
    for s in SOURCES:
        cells += [lay.money_cell(s, st) for st in STAGE_COLS]
    cells.append(lay.exec_reason_cell)
    cells += [lay.weight_cell(b.code) for b in lay.spec.blocks if b.adjustable]
    for r in lay.rows:
        cells += [a1(c, r.row) for c in ROW_INPUT_COLS]
    return cells

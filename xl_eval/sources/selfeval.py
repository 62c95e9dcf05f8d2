"""The two long tables of the 项目支出绩效自评表 (self-evaluation) batch.

* the project table: one row per project with its header (项目名称, 项目编码,
  主管部门, 实施单位, 评价年度), the 项目资金 block (当年财政拨款 / 上年结转资金 /
  其他资金 × 年初预算数 / 全年预算数 / 全年执行数) and the 年度总体目标 texts;
* the indicator table: one row per 绩效指标, keyed by 项目名称 or 项目编码, with
  一级 / 二级 / 三级指标, 指标性质, 年度指标值, 计量单位, 实际完成值, 分值 and the
  偏差原因分析及改进措施.

Targets and actuals are typed the way units type them: "≥95%", "≤ 30 天",
"＞＝９５％", "100%", "明显改善".  ``parse_measure`` reads one such cell.

Decisions (documented in the README 自评 section):

* 指标性质 may be given in its own column or in front of the 年度指标值
  ("≥95%"); when both are given they must agree.  Accepted spellings:
  ≥ ≧ >= 不低于 不少于 不小于 大于等于; ≤ ≦ <= 不高于 不超过 不多于 小于等于;
  = ＝ 等于; 定性.  A strict ">" / "<" is read as ≥ / ≤ with a message
  (the 自评表 has no strict natures).
* Percent rows (计量单位 "%", or a value written with "%"): "95%" is 0.95;
  a bare text number above 1 ("95") is read as percent points (0.95); a bare
  text number from 0 to 1 other than 0 ("0.5": 0.5% or 50%?) is ambiguous and
  reported; a number cell (Excel stores 95% as 0.95) is taken as a fraction
  when at most 1 and as percent points above 1.
* A unit written after the number must match the 计量单位 column when that is
  filled in ("30天" with 计量单位 "天"); otherwise it fills the column.
* A quantitative row whose target is not a number ("明显改善" with "≥") cannot
  be assessed and is reported; 定性 rows keep their target text.
* 实际完成值 of a 定性 row is the tier (达成年度指标 / 部分达成年度指标并具有一定
  效果 / 未达成年度指标且效果较差, or short forms 达成 / 部分达成 / 未达成) and
  its 定性评定比例 the share of the points inside that tier.
* A blank 实际完成值 stays blank (the row is not scored yet), never 0.
Every problem is a per-row message naming the file, row and column; reading
never stops at the first bad row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_eval.core.values import ValueProblem, format_plain, normalise_label, parse_number

GE, LE, EQ, QUAL = "≥", "≤", "=", "定性"
NATURES = (GE, LE, EQ, QUAL)

# The engine's tier names (framework.model.QUALITATIVE_TIERS); tables may use the long forms of 第十六条.
TIER_MET, TIER_PARTLY, TIER_NOT = "达成", "部分达成", "未达成"
TIERS = (TIER_MET, TIER_PARTLY, TIER_NOT)
# 财预〔2020〕10号 第十六条 (the engine's QUALITATIVE_TIERS): tier, lowest share, highest share, highest included
_TIER_RANGES = ((TIER_MET, 0.8, 1.0, True), (TIER_PARTLY, 0.6, 0.8, False), (TIER_NOT, 0.0, 0.6, False))
SOURCES = ("current", "carryover", "other")        # 当年财政拨款 / 上年结转资金 / 其他资金
SOURCE_LABELS = {"total": "年度资金总额", "current": "当年财政拨款", "carryover": "上年结转资金", "other": "其他资金"}
# other names published tables use for a source (附1 variants): 本年财政拨款 (安徽 …)
SOURCE_ALIASES = {"current": ("本年财政拨款", "其中：当年财政拨款", "其中:当年财政拨款", "其中：本年财政拨款")}
STAGES = ("initial", "full", "executed")
STAGE_LABELS = {"initial": "年初预算数", "full": "全年预算数", "executed": "全年执行数"}

_NATURE_WORDS = [
    (GE, (">=", "=>", "≥", "≧", "⩾", "大于等于", "不低于", "不少于", "不小于", "大于或等于")),
    (LE, ("<=", "=<", "≤", "≦", "⩽", "小于等于", "不高于", "不超过", "不多于", "不大于", "小于或等于")),
    (EQ, ("=", "==", "等于")),
    (QUAL, ("定性", "定性指标")),
]
_STRICT = {">": GE, "<": LE, "大于": GE, "小于": LE, "高于": GE, "低于": LE, "超过": GE, "少于": LE}
_NUM_RE = re.compile(r"^(?P<sign>[+\-−]?)(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)\s*(?P<unit>.*)$")

PROJECT_COLUMNS = {
    "name": ("项目名称",),
    "code": ("项目编码", "项目代码"),
    "department": ("主管部门", "主管部门名称"),
    "unit": ("实施单位", "实施单位名称", "单位名称"),
    "year": ("评价年度", "年度", "自评年度"),
    "goal_expected": ("预期目标", "年度总体目标", "年度总体目标预期目标", "项目年度目标"),
    "goal_actual": ("实际完成情况", "年度总体目标实际完成情况", "年度目标完成情况"),
    "exec_reason": ("执行偏差原因", "预算执行偏差原因", "执行率偏差原因", "未完成原因"),
}
INDICATOR_COLUMNS = {
    "project": ("项目名称",),
    "project_code": ("项目编码", "项目代码"),
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标", "指标名称", "绩效指标"),
    "nature": ("指标性质", "指标方向", "比较符号"),
    "target": ("年度指标值", "指标值", "年度目标值", "目标值", "年初指标值", "年度指标"),
    "unit": ("计量单位", "度量单位", "单位"),
    "actual": ("实际完成值", "全年完成值", "完成值", "全年实际完成值", "实际值", "指标完成值"),
    "share": ("定性评定比例", "评定比例", "得分比例"),
    "points": ("分值", "指标分值", "权重", "指标权重"),
    "score": ("得分", "自评得分"),
    "reason": ("偏差原因分析及改进措施", "偏差原因", "未完成原因分析", "偏差原因分析"),
    "evidence": ("佐证材料", "数据来源", "佐证资料"),
}


def money_header(source: str, stage: str) -> str:
    return SOURCE_LABELS[source] + STAGE_LABELS[stage]


for _s in ("total",) + SOURCES:
    for _t in STAGES:
        PROJECT_COLUMNS[f"{_s}_{_t}"] = (money_header(_s, _t),) + tuple(a + STAGE_LABELS[_t]
                                                                      for a in SOURCE_ALIASES.get(_s, ()))
# a table without the breakdown by source: 年初预算数 / 全年预算数 / 全年执行数, or the 四川 names
# 年初预算 / 调整后预算数 / 预算执行数
_STAGE_ALIASES = {"initial": ("年初预算",), "full": ("调整后预算数", "调整后预算"), "executed": ("预算执行数", "执行数")}
for _t in STAGES:
    PROJECT_COLUMNS[f"total_{_t}"] += (STAGE_LABELS[_t], STAGE_LABELS[_t] + "（万元）") + _STAGE_ALIASES[_t]


@dataclass(frozen=True)
class Problem:
    """A problem in one cell (or row) of one of the two tables."""
    file: str
    row: int | None
    column: str | None
    raw: Any
    message: str
    severity: str = "error"          # error: the value is not used; warning: used as read

    def text(self) -> str:
        where = f"{self.file}:第{self.row}行" if self.row is not None else self.file
        if self.column:
            where += f" 列“{self.column}”"
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class Measure:
    """One 年度指标值 or 实际完成值 as read: a number (fractions for %) or a text."""
    nature: str | None       # an operator written in the cell itself
    value: float | None
    text: str                # the cell as written (trimmed), for texts and messages
    unit: str                # unit written after the number, "" if none


@dataclass
class Indicator:
    row: int
    level1: str
    level2: str
    name: str
    nature: str | None
    target: float | None
    target_text: str
    unit: str
    actual: float | None | str       # tier text for 定性 rows
    share: float | None
    points: float | None
    reason: str
    evidence: str
    given_score: float | None = None      # the table's own 得分 (compared with the computed one by fill)


@dataclass
class Project:
    row: int
    name: str
    code: str
    department: str
    unit: str
    year: int | None
    money: dict[str, float | None]        # "current_initial" ... (the three sources)
    given_totals: dict[str, float | None]  # "total_initial" ... when the table gives them
    goal_expected: str
    goal_actual: str
    exec_reason: str
    indicators: list[Indicator] = field(default_factory=list)
    # 一级指标 weights the table sets for this project: header stem ("产出指标" of "产出指标权重") -> points
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Batch:
    projects: list[Project]
    problems: list[Problem]
    unknown_columns: list[str]


# ------------------------------------------------------------ cell reading

def _clean(raw: Any) -> str:
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split()) if text.strip() else ""


def split_nature(text: str) -> tuple[str | None, bool, str]:
    """('≥', strict?, rest) for a text starting with a comparison, else (None, False, text)."""
    t = unicodedata.normalize("NFKC", text).strip()
    best: tuple[int, str, bool] | None = None
    for nature, words in _NATURE_WORDS:
        for w in words:
            if t.startswith(w) and (best is None or len(w) > best[0]):
                best = (len(w), nature, False)
    for w, nature in _STRICT.items():
        if t.startswith(w) and (best is None or len(w) > best[0]):
            best = (len(w), nature, True)
    if best is None:
        return None, False, t
    return best[1], best[2], t[best[0]:].strip()


def read_nature(raw: Any) -> tuple[str | None, str | None]:
    """(nature, problem) for a 指标性质 cell; (None, None) when blank."""
    if raw is None or not str(raw).strip():
        return None, None
    text = _clean(raw)
    nature, strict, rest = split_nature(text)
    if nature is None or rest:
        return None, (f"指标性质“{raw}”无法识别（应为 ≥、≤、= 或 定性）")
    if strict:
        return nature, f"指标性质“{raw}”按“{nature}”处理（自评表不区分严格大于/小于）"
    return nature, None


def parse_measure(raw: Any, unit_col: str = "") -> Measure:
    """Read one target or actual cell; raises ValueProblem for ambiguous percents.

    A text that is not a number comes back with value None (the caller decides
    whether that is a 定性 text or a problem).
    """
    if raw is None:
        return Measure(None, None, "", "")
    if isinstance(raw, bool):
        raise ValueProblem("不是数值", raw)
    percent_row = unit_col.strip() in ("%", "％", "百分比")
    if isinstance(raw, (int, float)):
        value = float(raw)
        if percent_row and value > 1:
            value = value / 100
        return Measure(None, value, format_plain(float(raw)), "%" if percent_row else "")
    text = str(raw).strip()
    nature, strict, rest = split_nature(text)
    if strict:
        nature = nature  # reported by the caller through Measure.nature + text
    m = _NUM_RE.match(rest)
    if not rest or rest in ("-", "—", "——", "/"):
        return Measure(nature, None, text if nature else "", "")
    if not m:
        return Measure(nature, None, text, "")
    unit = m["unit"].strip()
    try:
        number = parse_number(m["sign"] + m["num"], kind="score")
    except ValueProblem:
        return Measure(nature, None, text, "")
    if unit in ("%", "‰", "百分比"):
        value = number / (1000 if unit == "‰" else 100)
        return Measure(nature, value, text, "%")
    if percent_row and not unit:
        if number > 1:
            return Measure(nature, number / 100, text, "%")
        if number != 0:
            raise ValueProblem("计量单位为“%”，无法确定是百分之几还是比例",
                               raw, detail=f"请写成“{format_plain(number)}%”或“{format_plain(number * 100)}%”")
        return Measure(nature, 0.0, text, "%")
    return Measure(nature, number, text, unit)


def read_tier(raw: Any) -> str | None:
    """The 定性 tier named by a cell, None when it names none."""
    text = _clean(raw) if raw is not None else ""
    if not text:
        return None
    if "未达成" in text or "未完成" in text or "程度较低" in text:
        return TIER_NOT
    if "部分" in text:                      # 部分达成 / 部分实现目标 (101号)
        return TIER_PARTLY
    if "达成" in text or text in ("完成", "已完成", "全部完成", "实现目标", "基本实现目标"):
        return TIER_MET
    return None


def read_share(raw: Any) -> float | None:
    """定性评定比例: '90%', 0.9 or '90' all give 0.9."""
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = _clean(raw)
        if not text:
            return None
        pct = text.endswith("%")
        value = parse_number(text.rstrip("%"), kind="score")
        if value is None:
            return None
        if pct:
            return value / 100
    if value > 1:
        value = value / 100
    if not 0 <= value <= 1:
        raise ValueProblem("应在 0% 到 100% 之间", raw)
    return value


# ------------------------------------------------------------ the tables

_BRACKETED = re.compile(r"[(（][^)）]*[)）]")


def _columns(table, wanted: dict[str, tuple[str, ...]]) -> tuple[dict[str, str], list[str]]:
    """Column key -> header; a header matches with or without a bracketed note ("实际完成值（B）")."""
    aliases = {normalise_label(h): key for key, hs in wanted.items() for h in hs}
    found: dict[str, str] = {}
    unknown = []
    for col in table.columns:
        key = aliases.get(normalise_label(col)) or aliases.get(normalise_label(_BRACKETED.sub("", str(col))))
        if key and key not in found:
            found[key] = col
        else:
            unknown.append(col)
    return found, unknown


def _text(values: dict, cols: dict[str, str], key: str) -> str:
    col = cols.get(key)
    v = values.get(col) if col else None
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def read_batch(projects_path: str | Path, indicators_path: str | Path, *, sheet: str | None = None,
               header_row: int | None = None) -> Batch:
    """Read both tables; raises tables.TableError only when a file is unusable.

    `sheet` / `header_row` (fill --sheet / --header-row) apply to the project table."""
    from xl_eval.sources.tables import TableError, not_a_record, read_table
    ptable = read_table(projects_path, sheet=sheet, header_row=header_row)
    itable = read_table(indicators_path)
    pfile, ifile = str(projects_path), str(indicators_path)
    problems: list[Problem] = []
    pcols, punknown = _columns(ptable, PROJECT_COLUMNS)
    weight_cols = {c: stem for c in punknown if (stem := weight_column(c))}
    punknown = [c for c in punknown if c not in weight_cols]
    icols, iunknown = _columns(itable, INDICATOR_COLUMNS)
    if "name" not in pcols:
        raise TableError(projects_path, f"缺少“项目名称”列（现有列：{'、'.join(ptable.columns)}）")
    if "project" not in icols and "project_code" not in icols:
        raise TableError(indicators_path, f"缺少“项目名称”或“项目编码”列（现有列：{'、'.join(itable.columns)}）")
    for need in ("name", "points"):
        if need not in icols:
            raise TableError(indicators_path,
                             f"缺少“{INDICATOR_COLUMNS[need][0]}”列（现有列：{'、'.join(itable.columns)}）")

    projects: list[Project] = []
    by_name: dict[str, Project] = {}
    by_code: dict[str, Project] = {}
    for row in ptable.rows:
        why = not_a_record(row.values.get(pcols["name"]),
                           [v for c, v in row.values.items() if c != pcols["name"]])
        if why:
            problems.append(Problem(pfile, row.number, pcols["name"], None, why, severity="warning"))
            continue
        p = _read_project(pfile, row, pcols, problems)
        if p is None:
            continue
        for col, stem in weight_cols.items():
            raw = row.values.get(col)
            try:
                w = parse_number(raw, kind="score")
                if w is not None and w < 0:
                    raise ValueProblem("不能为负数", raw)
            except ValueProblem as exc:
                problems.append(Problem(pfile, row.number, col, raw, f"权重{exc}"))
                continue
            if w is not None:
                p.weights[stem] = w
        key = normalise_label(p.name)
        if key in by_name:
            problems.append(Problem(pfile, row.number, pcols["name"], p.name,
                                    f"项目名称与第{by_name[key].row}行重复，本行未使用"))
            continue
        by_name[key] = p
        if p.code:
            by_code[normalise_label(p.code)] = p
        projects.append(p)

    for row in itable.rows:
        v = row.values
        code = _text(v, icols, "project_code")
        name = _text(v, icols, "project")
        key_col = icols.get("project") or icols["project_code"]
        why = not_a_record(v.get(key_col), [x for c, x in v.items() if c != key_col])
        if why:
            problems.append(Problem(ifile, row.number, key_col, None, why, severity="warning"))
            continue
        target = (by_code.get(normalise_label(code)) if code else None) or \
                 (by_name.get(normalise_label(name)) if name else None)
        if target is None:
            col = icols.get("project") or icols.get("project_code")
            problems.append(Problem(ifile, row.number, col, name or code,
                                    f"项目“{name or code}”不在项目表中" if (name or code) else "项目名称为空"))
            continue
        ind = _read_indicator(ifile, row, icols, problems)
        if ind is not None:
            prev = target.indicators[-1] if target.indicators else None
            if prev is not None and not ind.level1:
                # an export of the printed table: merged 一级/二级 cells are blank below their first row
                ind.level1 = prev.level1
                ind.level2 = ind.level2 or prev.level2
            elif prev is not None and not ind.level2 and _same_level(ind.level1, prev.level1):
                ind.level2 = prev.level2
            target.indicators.append(ind)
    for p in projects:
        if not p.indicators:
            problems.append(Problem(ifile, None, None, p.name, f"项目“{p.name}”在指标表中没有指标行",
                                    severity="warning"))
    return Batch(projects, problems, punknown + [f"{Path(ifile).name}:{c}" for c in iunknown])


_WEIGHT_SUFFIXES = ("权重", "分值", "权重（分值）", "分值（权重）", "权重(分值)")


def weight_column(header: str) -> str | None:
    """'产出指标权重' / '效益指标分值' -> '产出指标': a column setting a 一级指标's weight."""
    h = normalise_label(header)
    for suffix in sorted(_WEIGHT_SUFFIXES, key=len, reverse=True):
        if h.endswith(normalise_label(suffix)) and len(h) > len(normalise_label(suffix)):
            return h[: -len(normalise_label(suffix))]
    return None


def _same_level(a: str, b: str) -> bool:
    return normalise_label(_BRACKETED.sub("", a)) == normalise_label(_BRACKETED.sub("", b))


def _read_project(file: str, row, cols: dict[str, str], problems: list[Problem]) -> Project | None:
    v = row.values
    name = _text(v, cols, "name")
    if not name:
        problems.append(Problem(file, row.number, cols["name"], None, "项目名称为空，本行未使用"))
        return None
    money: dict[str, float | None] = {}
    totals: dict[str, float | None] = {}
    for source in ("total",) + SOURCES:
        for stage in STAGES:
            key = f"{source}_{stage}"
            col = cols.get(key)
            value = None
            if col:
                try:
                    value = parse_number(v.get(col), kind="amount")
                except ValueProblem as exc:
                    problems.append(Problem(file, row.number, col, v.get(col), str(exc)))
            (totals if source == "total" else money)[key] = value
    year = None
    ycol = cols.get("year")
    if ycol and v.get(ycol) is not None:
        try:
            y = parse_number(v.get(ycol), kind="count")
            year = int(y) if y is not None and 2000 <= y <= 2100 else None
            if year is None:
                raise ValueProblem("不是有效的年度", v.get(ycol))
        except ValueProblem as exc:
            problems.append(Problem(file, row.number, ycol, v.get(ycol), str(exc)))
    if all(money.get(f"{src}_{st}") is None for src in SOURCES for st in STAGES) and \
            any(totals.get(f"total_{st}") is not None for st in STAGES):
        # only totals: they are the project's money; the form shows them as 当年财政拨款
        for st in STAGES:
            money[f"current_{st}"] = totals.get(f"total_{st}")
        problems.append(Problem(file, row.number, None, None, "项目资金没有按来源分列，年度资金总额按“当年财政拨款”填入",
                                severity="warning"))
    for stage in STAGES:
        given = totals.get(f"total_{stage}")
        parts = [money.get(f"{s}_{stage}") for s in SOURCES]
        # blank sources count as 0, as in the form (the 年度资金总额 row is their sum)
        if given is not None and any(x is not None for x in parts) and \
                abs(given - sum(x or 0.0 for x in parts)) > 0.005:
            total = sum(x or 0.0 for x in parts)
            problems.append(Problem(file, row.number, cols.get(f"total_{stage}"), given,
                                    f"{money_header('total', stage)} {format_plain(given)} 万元与三项资金之和 "
                                    f"{format_plain(round(total, 6))} 万元不等（表中按三项资金计算）",
                                    severity="warning"))
    return Project(row.number, name, _text(v, cols, "code"), _text(v, cols, "department"),
                   _text(v, cols, "unit"), year, money, totals, _text(v, cols, "goal_expected"),
                   _text(v, cols, "goal_actual"), _text(v, cols, "exec_reason"))


def _read_indicator(file: str, row, cols: dict[str, str], problems: list[Problem]) -> Indicator | None:
    v = row.values

    def add(key: str, raw: Any, message: str, severity: str = "error") -> None:
        problems.append(Problem(file, row.number, cols.get(key), raw, message, severity))

    name = _text(v, cols, "name")
    if not name:
        if all(v.get(cols[k]) is None for k in ("target", "actual", "points", "score") if k in cols):
            return None        # an empty line of the printed form (a 二级 group without indicators)
        add("name", None, "三级指标名称为空，本行未使用")
        return None
    nature, note = read_nature(v.get(cols["nature"])) if "nature" in cols else (None, None)
    if note:
        add("nature", v.get(cols["nature"]), note, "warning" if nature else "error")
    unit = _text(v, cols, "unit")
    raw_target = v.get(cols["target"]) if "target" in cols else None
    raw_actual = v.get(cols["actual"]) if "actual" in cols else None
    target_m = actual_m = Measure(None, None, "", "")
    try:
        target_m = parse_measure(raw_target, unit)
    except ValueProblem as exc:
        add("target", raw_target, f"年度指标值{exc}")
    if target_m.nature:
        if nature and target_m.nature != nature:
            add("target", raw_target, f"年度指标值写的是“{target_m.nature}”，与指标性质“{nature}”不一致")
        nature = nature or target_m.nature
    nature_blank = "nature" not in cols or v.get(cols["nature"]) is None
    if nature is None and nature_blank and read_tier(raw_actual) is not None and target_m.value is None:
        nature = QUAL
        add("nature", None, f"指标性质为空，实际完成值“{raw_actual}”是定性评定档次，按“定性”处理", "warning")
    if nature is None and nature_blank:
        if raw_target is not None or raw_actual is not None:
            add("nature", v.get(cols.get("nature", ""), None) if "nature" in cols else None,
                "指标性质为空：请填 ≥、≤、= 或 定性（也可写在年度指标值前，如“≥95%”）")
    if target_m.unit and target_m.unit != "%" and unit and normalise_label(target_m.unit) != normalise_label(unit):
        add("target", raw_target, f"年度指标值的单位“{target_m.unit}”与计量单位“{unit}”不一致")
    unit = unit or target_m.unit
    actual: float | str | None = None
    share = None
    if nature == QUAL:
        tier = read_tier(raw_actual)
        if raw_actual is not None and tier is None:
            add("actual", raw_actual, "定性指标的实际完成值应为评定档次：“达成年度指标”“部分达成年度指标并具有一定效果”"
                                      "或“未达成年度指标且效果较差”（可简写为 达成 / 部分达成 / 未达成）")
        actual = tier
        if "share" in cols:
            try:
                share = read_share(v.get(cols["share"]))
            except ValueProblem as exc:
                add("share", v.get(cols["share"]), f"定性评定比例{exc}")
        if share is None and "score" in cols and v.get(cols["score"]) is not None:
            # the unit's own 得分 of a 定性 row is its choice inside the tier: share = 得分 ÷ 分值
            try:
                given = parse_number(v.get(cols["score"]), kind="score")
                pts = parse_number(v.get(cols["points"]), kind="score")
            except ValueProblem:
                given = pts = None
            if given is not None and pts:
                share = round(given / pts, 4)
                if tier is None and raw_actual is None:
                    actual = tier = next((t for t, lo, hi, top in _TIER_RANGES
                                          if lo <= share and (share <= hi if top else share < hi)), None)
    else:
        try:
            actual_m = parse_measure(raw_actual, unit)
        except ValueProblem as exc:
            add("actual", raw_actual, f"实际完成值{exc}")
        if nature in (GE, LE, EQ):
            if target_m.value is None and raw_target is not None and target_m.text:
                add("target", raw_target, f"年度指标值“{raw_target}”不是数值，定量指标无法评定"
                                          "（如为定性指标，请把指标性质填为“定性”）")
            elif raw_target is None:
                add("target", None, "定量指标的年度指标值为空")
            if actual_m.value is None and actual_m.text:
                add("actual", raw_actual, f"实际完成值“{raw_actual}”不是数值，无法与年度指标值比较")
            if actual_m.unit and actual_m.unit != "%" and unit and \
                    normalise_label(actual_m.unit) != normalise_label(unit):
                add("actual", raw_actual, f"实际完成值的单位“{actual_m.unit}”与计量单位“{unit}”不一致")
            if (actual_m.value is not None and actual_m.value < 0) or (target_m.value is not None and target_m.value < 0):
                add("actual" if actual_m.value is not None and actual_m.value < 0 else "target", raw_actual,
                    "指标值和完成值不能为负数")
        if actual_m.unit == "%" and not target_m.unit and not unit and target_m.value is not None \
                and target_m.value > 1:
            # "95" as target, "96%" as actual: the target is in percent points too
            target_m = Measure(target_m.nature, target_m.value / 100, target_m.text, "%")
            unit = "%"
            add("target", raw_target, f"年度指标值“{raw_target}”按 {format_plain(target_m.value * 100)}% 读"
                                      "（实际完成值是百分数）", "warning")
        actual = actual_m.value
    points = None
    try:
        points = parse_number(v.get(cols["points"]), kind="score")
        if points is not None and points < 0:
            raise ValueProblem("不能为负数", v.get(cols["points"]))
    except ValueProblem as exc:
        add("points", v.get(cols["points"]), f"分值{exc}")
        points = None
    if points is None and v.get(cols["points"]) is None:
        add("points", None, "分值为空")
    given = None
    if "score" in cols:
        try:
            given = parse_number(v.get(cols["score"]), kind="score")
        except ValueProblem:
            given = None
    return Indicator(row.number, _text(v, cols, "level1"), _text(v, cols, "level2"), name, nature,
                     target_m.value, target_m.text or ("" if raw_target is None else str(raw_target)),
                     unit, actual, share, points, _text(v, cols, "reason"), _text(v, cols, "evidence"), given)

"""`xl-eval check`: is a filled workbook internally consistent?

``check_file(path, fw)`` opens one workbook safely (workbook_reader), reads
only the named cells, the template's parameter cells and the project list,
and runs the checks in CHECKS, in order.  Each check is a plain generator of
findings.Finding that never raises for a bad workbook; a fatal finding (the
file cannot be checked at all) stops the run for that file.

What the checks compare against:

* layout.py says which sheets, defined names, formulas and parameter cells
  a template made from the framework has;
* the engine, run on the inputs as the workbook itself holds them (with the
  project counts taken from 项目明细 where the explicit count is blank,
  exactly as the template's formulas do), says what every score should be;
* cached values (what the spreadsheet showed when it was saved) are compared
  to the last shown digit where the file has them; a file written by
  openpyxl and never opened has none, and everything else is still checked.

Inputs are read strictly, the way the template's formulas see them: text in
a number cell is text (Excel and LibreOffice treat it differently), and only
the exact option texts count.  A bad input is reported once; the scores that
depend on it are then not compared, so one typo gives one finding.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from xl_eval.forms.scoresheet import layout as L
from xl_eval.engine.score import Evaluation, leaf_inputs
from xl_eval.check.findings import Finding, make, unique
from xl_eval.framework.model import NO, YES, Framework
from xl_eval.engine.validity import assess, read_cell
from xl_eval.core.values import ValueProblem, chinese_numeral, parse_number
from xl_eval.xlsx.reader import Area, Cell, Workbook, WorkbookError, open_workbook, parse_area
from xl_eval.core.xlround import fixed, percent, plain, xl_round

# Other names texts use for amounts (XE503) and rates (XE502) come from the
# framework (check_text.amount_aliases / rate_aliases).
BLANK_NOTES = {"", "-", "--", "—", "——", "－", "/", "／", "无", "暂无"}
YEAR_COMPARED = re.compile(r"(?:度)?(?:相比|比较|同比|同期|以来|起|至今|至|到|-|—|~)")
YEAR_TERMS = re.compile(r"^(?:度|末|底|12月31日)|年初|全年|预算|决算|经费|支出|资产|结转|结余|收入")


# ------------------------------------------------------------------ results

@dataclass
class CheckResult:
    path: str
    findings: list[Finding]

    @property
    def checked(self) -> bool:
        return not any(f.severity == "fatal" for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)

    def records(self) -> list[dict[str, Any]]:
        """Plain rows (the JSON output): file plus every Finding field."""
        return [{"file": self.path, **f.as_dict()} for f in self.findings]


def check_file(path: str | Path, fw: Framework, lang: str = "zh") -> CheckResult:
    """Check one workbook; never raises for a bad file (fatal finding instead)."""
    try:
        wb = open_workbook(path)
    except WorkbookError as exc:
        return CheckResult(str(path), [make(exc.code, lang=lang, **exc.fields)])
    try:
        return check_opened(wb, path, fw, lang)
    finally:
        wb.close()


def check_opened(wb: Workbook, path: str | Path, fw: Framework, lang: str = "zh") -> CheckResult:
    """``check_file`` on a workbook already opened (and guarded) by the caller,
    who closes it: one open serves the dispatch, collect's summary and the checks."""
    prep = prepared(fw)
    findings: list[Finding] = []
    ctx = Context(prep, wb, lang)
    for check in CHECKS:
        try:
            findings.extend(check(ctx))
        except WorkbookError as exc:       # a part that fails only when read
            findings.append(make(exc.code, lang=lang, **exc.fields))
        if any(f.severity == "fatal" for f in findings):
            break
    return CheckResult(str(path), fold_consequences(prep, unique(findings)))


def check_files(paths, fw: Framework, lang: str = "zh") -> Iterator[CheckResult]:
    for path in paths:
        yield check_file(path, fw, lang)


def fold_consequences(prep: "Prepared", findings: list[Finding]) -> list[Finding]:
    """Mark findings on computed cells that follow from a finding further up.

    One overwritten score makes its 得分率, the subtotals, the total and the
    grade differ as well: those get ``caused_by`` = where the root finding is
    (the one with no finding on any cell its formula depends on), and are
    listed under it.  Order is kept, each consequence moved right after its root.
    """
    import dataclasses
    by_name = {f.name: f for f in findings if f.name in prep.upstream}
    if len(by_name) < 2:
        return findings
    roots: dict[str, str] = {}

    def root_of(name: str) -> str:
        if name not in roots:
            roots[name] = name                     # cycles cannot occur in the template; guard anyway
            bad = [m for m in _ancestors(prep, name) if m in by_name]
            if bad:
                roots[name] = root_of(min(bad, key=lambda m: len(_ancestors(prep, m))))
        return roots[name]

    folded: dict[str, list[Finding]] = {}
    out: list[Finding] = []
    for f in findings:
        root = root_of(f.name) if f.name in by_name else f.name
        if f.name in by_name and root != f.name:
            folded.setdefault(root, []).append(dataclasses.replace(f, caused_by=by_name[root].where))
        else:
            out.append(f)
    result = []
    for f in out:
        result.append(f)
        result.extend(folded.get(f.name, []) if f.name in by_name else [])
    return result


def _ancestors(prep: "Prepared", name: str) -> frozenset[str]:
    hit = prep.ancestors.get(name)
    if hit is None:
        seen: set[str] = set()
        todo = list(prep.upstream.get(name, ()))
        while todo:
            m = todo.pop()
            if m not in seen and m != name:
                seen.add(m)
                todo.extend(prep.upstream.get(m, ()))
        hit = prep.ancestors[name] = frozenset(seen)
    return hit


# ------------------------------------------------- per-framework preparation

@dataclass
class Prepared:
    """Everything about a framework's template that does not depend on a file."""
    fw: Framework
    lay: L.Layout
    expected: dict[str, Area]                 # defined name -> where the template puts it
    formulas: dict[str, str]                  # computed name -> normalised expected formula
    parts: dict[str, tuple[str, int]]         # part_<leaf>_<part> -> (leaf code, part index)
    leaf_deps: dict[str, frozenset[str]]      # leaf -> input codes its score needs
    rate_deps: dict[str, frozenset[str]]
    name_deps: dict[str, frozenset[str]]      # computed name -> input codes its value needs
    rate_re: list[tuple[str, re.Pattern]]
    amount_re: re.Pattern | None
    amount_codes: dict[str, str]              # matched key (normalised) -> input code
    tier_labels: list[tuple[L.Ref, str]]
    leaves: dict[str, Any] = field(default_factory=dict)                      # leaf code -> Leaf
    upstream: dict[str, frozenset[str]] = field(default_factory=dict)         # computed name -> names it uses
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)        # filled on demand
    wanted: dict[tuple, dict[str, set[str]]] = field(default_factory=dict)   # cells to read, by name layout


_PREPARED: dict[int, tuple[Framework, Prepared]] = {}


def prepared(fw: Framework) -> Prepared:
    hit = _PREPARED.get(id(fw))
    if hit is not None and hit[0] is fw:
        return hit[1]
    lay = L.layout(fw)
    expected = {}
    for name, text in lay.defined_names().items():
        area = parse_area(text)
        if name and area is not None:
            expected[name] = area
    formulas = {name: norm_formula(c.formula) for name, c in lay.computed.items()}
    parts = {}
    leaf_deps = {}
    for leaf in fw.leaves:
        deps: set[str] = set()
        for i, part in enumerate(leaf.parts):
            parts[L.part_name(leaf.code, part.code)] = (leaf.code, i)
            deps.update(leaf_inputs(fw, part.rule))
        leaf_deps[leaf.code] = frozenset(deps)
    rate_deps = {code: frozenset(r.numerator.names + r.denominator.names) for code, r in fw.rates.items()}
    name_deps = _name_deps(fw, lay, leaf_deps, rate_deps)
    tier_labels = []
    for block in lay.params.parts:
        if block.part.rule.kind == "tiers":
            tier_labels += [(L.Ref(L.PARAMS, row.row, L.ParamCol.LABEL), row.label) for row in block.rows]
    amount_re, amount_codes = _amount_pattern(fw)
    prep = Prepared(fw, lay, expected, formulas, parts, leaf_deps, rate_deps, name_deps, _rate_patterns(fw),
                    amount_re, amount_codes, tier_labels)
    prep.leaves = {leaf.code: leaf for leaf in fw.leaves}
    prep.upstream = {name: frozenset(t for t in _NAME_TOKEN.findall(c.formula) if t in lay.computed and t != name)
                     for name, c in lay.computed.items()}
    _PREPARED[id(fw)] = (fw, prep)
    return prep


def _name_deps(fw: Framework, lay: L.Layout, leaf_deps, rate_deps) -> dict[str, frozenset[str]]:
    """Input codes each computed cell depends on (to skip cells behind a bad input)."""
    everything = frozenset(c for deps in leaf_deps.values() for c in deps)
    by_prefix: dict[str, frozenset[str]] = {}
    for leaf in fw.leaves:
        for part in leaf.parts:
            by_prefix[L.points_name(leaf.code, part.code)] = leaf_deps[leaf.code]
            by_prefix[L.part_name(leaf.code, part.code)] = leaf_deps[leaf.code]
        by_prefix[L.score_name(leaf.code)] = by_prefix[L.scorerate_name(leaf.code)] = leaf_deps[leaf.code]
    for l1 in fw.subtotalled:
        for l2 in l1.children:
            by_prefix[L.sub2_name(l2.code)] = frozenset().union(*(leaf_deps[x.code] for x in l2.leaves))
        deps = frozenset().union(*(leaf_deps[x.code] for x in l1.leaves))
        by_prefix[L.subtotal_name(l1.code)] = by_prefix[L.subtotalrate_name(l1.code)] = deps
    for code, deps in rate_deps.items():
        by_prefix[L.rate_name(code)] = deps
    for code in fw.inputs:
        by_prefix[L.effective_name(code)] = frozenset({code})
    # the other cells of a sub-item's block on 评分参数 (completion ratio, 偏离, divided value): its leaf's inputs
    block_leaf = {r: block.leaf.code for block in lay.params.parts for r in range(block.first, block.last + 1)}
    out = {}
    for name, cell in lay.computed.items():
        if name in by_prefix:
            out[name] = by_prefix[name]
        elif cell.ref.sheet == L.PARAMS and cell.ref.row in block_leaf:
            out[name] = leaf_deps[block_leaf[cell.ref.row]]
        elif cell.kind in ("total", "total_rate", "grade", "copy"):
            out[name] = everything
        elif cell.kind == "title":
            out[name] = frozenset({"unit_name"})
        else:
            out[name] = frozenset()
    return out


_NAME_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_QUOTE_CHARS = "“”\"'‘’「」"


def _key_regex(key: str) -> str:
    """A label as a regex in which quote marks are optional and interchangeable."""
    out = []
    for ch in key:
        if ch in _QUOTE_CHARS:
            out.append(f"[{re.escape(_QUOTE_CHARS)}]?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _strip_quotes(text: str) -> str:
    return "".join(ch for ch in text if ch not in _QUOTE_CHARS)


_NUM = r"([0-9]+(?:\.[0-9]+)?)"
_SIGNED = r"([-−－]?[0-9]+(?:\.[0-9]+)?)"      # a rate may be negative ("预算调整率为-8.00%")


def _rate_patterns(fw: Framework) -> list[tuple[str, re.Pattern]]:
    # the short form of a rate's name only where no other name in the texts contains it: leaf names,
    # other rates, and input labels (a percent input "质量抽检合格率" beside the rate "建设质量合格率")
    leaf_names = [_strip_quotes(leaf.name) for leaf in fw.leaves] + \
        [_strip_quotes(i.label) for i in fw.inputs.values()]
    rate_names = {code: _strip_quotes(r.name) for code, r in fw.rates.items()}
    out = []
    for code, name in rate_names.items():
        keys = [name, *fw.check_text.rate_aliases.get(code, ())]
        suffix = name[-3:]
        clash = [n for n in leaf_names + list(rate_names.values()) if suffix in n and n != name]
        if len(name) > 3 and not clash:
            keys.append(suffix)
        alt = "|".join(_key_regex(k) for k in sorted(set(keys), key=len, reverse=True))
        out.append((code, re.compile(rf"(?:{alt})[^0-9，。；;,、！？%]{{0,6}}?{_SIGNED}\s*%")))
    return out


def _amount_pattern(fw: Framework) -> tuple[re.Pattern | None, dict[str, str]]:
    codes: dict[str, str] = {}
    for code, inp in fw.inputs.items():
        if inp.kind != "amount":
            continue
        for key in (inp.label, *fw.check_text.amount_aliases.get(code, ())):
            codes.setdefault(_strip_quotes(key), code)
    if not codes:
        return None, {}
    alt = "|".join(f"(?:{_key_regex(k)})" for k in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?<!项目)({alt})[^0-9，。；;,、！？]{{0,6}}?([0-9][0-9,]*(?:\.[0-9]+)?)\s*万"), codes


# ------------------------------------------------------------------ formulas

_FORMULA_TOKEN = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'(?=!)|\s+|[^"\'\s]+|.')


@functools.lru_cache(maxsize=8192)
def norm_formula(text: str) -> str:
    """Formula text for comparison: no '=', no spaces, upper case outside
    strings, sheet names unquoted, no _xlfn. prefixes."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    out = []
    for tok in _FORMULA_TOKEN.findall(text):
        if tok.startswith('"'):
            out.append(tok)
        elif tok.startswith("'"):
            out.append(tok[1:-1].replace("''", "'").upper())
        elif tok.isspace():
            continue
        else:
            out.append(tok.upper().replace("_XLFN.", "").replace("_XLWS.", ""))
    return "".join(out)


# ------------------------------------------------------------------ context

class Context:
    """One opened workbook with everything the checks share, computed once."""

    def __init__(self, prep: Prepared, wb: Workbook, lang: str):
        self.prep, self.fw, self.lay, self.wb, self.lang = prep, prep.fw, prep.lay, wb, lang
        self._cells: dict[str, dict[str, Cell]] | None = None
        self.moved: dict[str, list[str]] = {}
        self.formula_bad: set[str] = set()
        self.values: dict[str, Any] = {}
        self.tainted: set[str] = set()
        self.listed: dict[str, int] = {}            # input code -> count derived from 项目明细
        self.project_rows: list[_Row] = []
        self.bad_done = False
        self.evaluation: Evaluation | None = None

    # -- locations and findings
    def area(self, name: str) -> Area | None:
        """Where the workbook's defined name points (None: missing or broken)."""
        try:
            return self._area_memo[name]      # asked hundreds of times per file
        except KeyError:
            pass
        except AttributeError:
            self._area_memo = {}
        area = self.wb.area(name)
        if area is None or area.sheet not in self.wb.sheet_state:
            area = None
        else:
            expected = self.prep.expected.get(name)
            if expected is not None and area.size > expected.size:
                area = None      # larger than the template's: broken (XE116), never enumerated
        self._area_memo[name] = area
        return area

    def where(self, name: str) -> tuple[str, str]:
        area = self.area(name) or self.prep.expected.get(name)
        return (area.sheet, area.first) if area else ("", "")

    def find(self, code: str, name: str | None = None, *, at: tuple[str, str] | None = None,
             **fields: Any) -> Finding:
        sheet, cell = at if at is not None else self.where(name) if name else ("", "")
        return make(code, sheet, cell, lang=self.lang, name=name, **fields)

    # -- cells
    @property
    def cells(self) -> dict[str, dict[str, Cell]]:
        if self._cells is None:
            names = self.wb.names
            # the cells to read follow from the names *and* the sheets there are (a name
            # on a deleted sheet is not read): both in the key, or a batch's first file
            # would decide for the others (and --jobs N would differ from --jobs 1)
            key = (tuple(names.get(n) for n in self.prep.expected), tuple(self.wb.sheet_state))
            wanted = self.prep.wanted.get(key)
            if wanted is None:
                wanted = {}
                for name in self.prep.expected:
                    area = self.area(name)
                    if area is not None:
                        wanted.setdefault(area.sheet, set()).update(area.cells())
                for ref in self.positional_refs():
                    wanted.setdefault(ref.sheet, set()).add(ref.coord)
                if len(self.prep.wanted) > 16:
                    self.prep.wanted.clear()
                self.prep.wanted[key] = wanted
            self._cells = self.wb.read(wanted)
        return self._cells

    def positional_refs(self) -> Iterator[L.Ref]:
        """Unnamed template cells checked by position (parameters, row formulas)."""
        for p in self.lay.param_cells:
            yield p.ref
        for c in self.lay.row_formulas:
            yield c.ref
        for ref, _ in self.prep.tier_labels:
            yield ref

    def cell(self, name: str) -> Cell | None:
        area = self.area(name)
        if area is None:
            return None
        return self.cells.get(area.sheet, {}).get(area.first)

    def at(self, ref: L.Ref) -> Cell | None:
        return self.cells.get(ref.sheet, {}).get(ref.coord)

    def range_cells(self, name: str) -> list[tuple[str, Cell]]:
        area = self.area(name)
        if area is None:
            return []
        sheet = self.cells.get(area.sheet, {})
        return [(ref, sheet.get(ref, Cell())) for ref in area.cells()]

    def text(self, name: str) -> str | None:
        cell = self.cell(name)
        if cell is not None and cell.value is not None:
            return cell.value if isinstance(cell.value, str) else plain(cell.value)
        return self.wb.constant(name)


# ------------------------------------------------------------------ checks

def check_identity(ctx: Context) -> Iterator[Finding]:
    """An xl-eval workbook made from this framework (id, version, fingerprint)."""
    fw = ctx.fw
    if ctx.area("xe_framework_id") is None and ctx.wb.constant("xe_framework_id") is None:
        yield ctx.find("XE111")
        return
    fmt = ctx.text("xe_template_format")
    if fmt and fmt != L.TEMPLATE_FORMAT:
        yield ctx.find("XE117", "xe_template_format", found=fmt, supported=L.TEMPLATE_FORMAT)
        return
    wid = ctx.text("xe_framework_id") or ""
    if wid != fw.id:
        yield ctx.find("XE112", "xe_framework_id", workbook_id=wid or "（空）", framework_id=fw.id)
        return
    version = ctx.text("xe_framework_version") or ""
    if version != fw.version:
        yield ctx.find("XE113", "xe_framework_version", framework_id=fw.id,
                       workbook_version=version or "（空）", framework_version=fw.version)
        return
    digest = ctx.text("xe_framework_hash") or ""
    if digest != fw.content_hash:
        yield ctx.find("XE114", "xe_framework_hash", workbook_hash=digest or "（空）",
                       framework_hash=fw.content_hash)


def check_structure(ctx: Context) -> Iterator[Finding]:
    """The template's sheets and defined names are all there, where they were."""
    wb = ctx.wb
    missing_sheets = [s for s in ctx.lay.sheets if s not in wb.sheet_state]
    for sheet in missing_sheets:
        yield ctx.find("XE115", at=(sheet, ""), sheet_name=sheet)
    for name, expected in ctx.prep.expected.items():
        if expected.sheet in missing_sheets:
            continue
        area = ctx.area(name)
        if area is None:
            text = wb.names.get(name)
            detail = "未定义" if text is None else f"引用为 {text}"
            detail_en = "not defined" if text is None else f"refers to {text}"
            yield ctx.find("XE116", name, at=(expected.sheet, expected.first), defined=name,
                           detail=detail, detail_en=detail_en)
            continue
        same = area.sheet == expected.sheet and area.first == expected.first
        if not same or (expected.single and not area.single):
            ctx.moved.setdefault(area.sheet, []).append(name)
    for sheet, names in ctx.moved.items():
        first = ctx.area(names[0])
        exp = ctx.prep.expected[names[0]]
        yield ctx.find("XE118", names[0], sheet_name=sheet, count=len(names), example=names[0],
                       now=f"{first.sheet}!{first.first}", was=f"{exp.sheet}!{exp.first}")


def check_inputs(ctx: Context) -> Iterator[Finding]:
    """Inputs as the formulas see them, and the rules of engine/validity.py on them
    (the same verdict score, fill and collect give); typed values are kept on ctx."""
    fw = ctx.fw
    _read_projects(ctx)
    values: dict[str, Any] = {}
    for code, inp in fw.inputs.items():
        cell = ctx.cell(code)
        if cell is None:
            ctx.tainted.add(code)
            values[code] = None
            continue
        if cell.formula is not None and cell.kind == "":
            ctx.tainted.add(code)       # a formula typed into an input, never calculated: value unknown
            values[code] = None
            continue
        value, issue = read_cell(inp, cell)
        values[code] = value
        if issue is not None:
            ctx.tainted.add(code)
            yield ctx.find(issue.code, code, **issue.fields)
    ctx.values = values
    effective = _with_listed(ctx, values)
    verdict = assess(fw, effective, tainted=ctx.tainted)
    for issue in verdict.issues:
        name = L.score_name(issue.leaf) if issue.leaf else issue.input
        yield ctx.find(issue.code, name, **issue.fields)
        if issue.code == "XE209":
            ctx.tainted.add(issue.input)    # texts quoting the 万元 figure are not reported again
    ctx.evaluation = verdict.evaluation
    adjustable = {leaf.adjust.input: leaf for leaf in fw.leaves if leaf.adjust is not None}
    for prob in (verdict.evaluation.problems if verdict.evaluation is not None else ()):
        if adjustable and set(prob.codes) <= set(adjustable):
            # weights moved against weight_range / weight_values, as the 自评表 reports them
            allowed = "；".join(f"{x.name} {x.adjust.text()}" for x in adjustable.values())
            yield ctx.find("XE815", prob.codes[0], detail=prob.message, detail_en=prob.message,
                           allowed=f"{allowed}；合计 {plain(fw.total_weight)}")
            continue
        # open weights / rows' points that must add up (engine.score.inputs_problems), at the last one
        yield ctx.find("XE212", prob.codes[-1], message=prob.message)


def _with_listed(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    """Blank project counts taken from 项目明细, as the template's formulas do."""
    out = dict(values)
    for code, n in ctx.listed.items():
        if out.get(code) is None and code not in ctx.tainted:
            out[code] = n
    return out


def check_formulas(ctx: Context) -> Iterator[Finding]:
    """Computed cells hold the template's formulas; parameter cells its numbers."""
    if ctx.moved:
        return   # positions changed: XE118 says so; cell-by-cell comparison would only add noise
    for name, cell_def in ctx.lay.computed.items():
        cell = ctx.cell(name)
        if cell is None:
            continue
        expected = cell_def.formula
        if cell.formula is None:
            ctx.formula_bad.add(name)
            value, value_en = _should_be(ctx, name)
            yield ctx.find("XE301", name, expected=value, expected_en=value_en, actual=_shown_value(cell),
                           actual_en=_shown_value(cell, "en"))
        elif cell.formula != expected and norm_formula(cell.formula) != ctx.prep.formulas[name]:
            ctx.formula_bad.add(name)
            value, value_en = _should_be(ctx, name)
            yield ctx.find("XE302", name, expected=value, expected_en=value_en, actual=cell.formula)
        elif cell.kind == "e":
            ctx.formula_bad.add(name)
            if not ctx.prep.name_deps[name] & ctx.tainted:   # else the bad input is the finding
                yield ctx.find("XE303", name, value=cell.value)
    for fc in ctx.lay.row_formulas:
        cell = ctx.at(fc.ref)
        if cell is None:
            continue
        at = (fc.ref.sheet, fc.ref.coord)
        if cell.formula is None:
            yield ctx.find("XE301", at=at, expected=f"公式 ={fc.formula}", expected_en=f"the formula ={fc.formula}",
                           actual=_shown_value(cell), actual_en=_shown_value(cell, "en"))
        elif norm_formula(cell.formula) != norm_formula(fc.formula):
            yield ctx.find("XE302", at=at, expected=f"公式 ={fc.formula}", expected_en=f"the formula ={fc.formula}",
                           actual=cell.formula)
    for p in ctx.lay.param_cells:
        cell = ctx.at(p.ref)
        if cell is not None and not _same_param(cell, p.value):
            yield ctx.find("XE304", at=(p.ref.sheet, p.ref.coord), expected=_param_text(p.value),
                           actual=_shown_value(cell), actual_en=_shown_value(cell, "en"))
    for ref, label in ctx.prep.tier_labels:
        cell = ctx.at(ref)
        if cell is not None and not _same_param(cell, label):
            yield ctx.find("XE304", at=(ref.sheet, ref.coord), expected=_param_text(label),
                           actual=_shown_value(cell), actual_en=_shown_value(cell, "en"))


def _should_be(ctx: Context, name: str) -> tuple[str, str]:
    """What a computed cell should show, as the evaluator reads it ("0.00", "16.50%",
    "“优”"), from the engine on this workbook's inputs; the formula only where the
    value cannot be known (a bad input upstream, or a cell the engine does not compute)."""
    ev, cdef = ctx.evaluation, ctx.lay.computed[name]
    formula = (f"公式 ={cdef.formula}", f"the formula ={cdef.formula}")
    if ev is None or ctx.prep.name_deps.get(name, frozenset()) & ctx.tainted:
        return formula
    kind = cdef.kind
    if kind == "copy":
        kind = {L.SUMMARY_TOTAL: "total", L.SUMMARY_TOTAL_RATE: "total_rate", L.SUMMARY_GRADE: "grade"}.get(name, "")
    if kind == "effective":
        value = ev.values.get(name[len("effective_"):])
        if value is None:
            return "空白（输入未填）", "blank (input not entered)"
        text = plain(value) if isinstance(value, (int, float)) else f"“{value}”"
        return text, text
    spec = _expected(ctx, name, kind, ev)
    if spec is None:
        return formula
    _, _, expected, digits, as_pct, _ = spec
    if expected is None:
        return "空白（计分所需的输入未填完）", "blank (inputs needed for the score are not all entered)"
    if isinstance(expected, str):
        return f"“{expected}”", f"“{expected}”"
    text = _num_text(expected, digits, as_pct)
    return text, text


def _same_param(cell: Cell, value: float | str) -> bool:
    if cell.formula is not None:
        return False
    if isinstance(value, str):
        return cell.kind == "s" and cell.value == value
    return cell.kind == "n" and math.isclose(cell.value, value, rel_tol=1e-12, abs_tol=1e-12)


def _param_text(value: float | str) -> str:
    return f"“{value}”" if isinstance(value, str) else plain(value)


def _shown_value(cell: Cell, lang: str = "zh") -> str:
    if cell.formula is not None:
        return f"公式 ={cell.formula}" if lang == "zh" else f"the formula ={cell.formula}"
    if cell.kind == "":
        return "空白" if lang == "zh" else "blank"
    if cell.kind == "n":
        return f"数值 {plain(cell.value)}" if lang == "zh" else f"the number {plain(cell.value)}"
    return f"“{cell.value}”" if lang == "zh" else f"“{cell.value}”"


# -- scores

def check_scores(ctx: Context) -> Iterator[Finding]:
    """Cached values of rates and scores against the engine, to the shown digit."""
    ev = ctx.evaluation
    if ev is None:
        return
    fw, prep = ctx.fw, ctx.prep
    p = fw.precision
    for name, cdef in ctx.lay.computed.items():
        if name in ctx.formula_bad or prep.name_deps[name] & ctx.tainted:
            continue
        cell = ctx.cell(name)
        if cell is None or cell.formula is None or cell.kind == "":
            continue        # no cached value (never calculated): nothing to compare
        kind = cdef.kind
        if kind == "copy":
            kind = {L.SUMMARY_TOTAL: "total", L.SUMMARY_TOTAL_RATE: "total_rate", L.SUMMARY_GRADE: "grade"}[name]
        spec = _expected(ctx, name, kind, ev)
        if spec is None:
            continue
        code, what, expected, digits, as_pct, high = spec
        if code == "XE406":
            shown = cell.value if cell.kind == "s" else _cached_text(cell, digits, as_pct)
            if (expected or "") != (shown or ""):
                total = "—" if ev.total is None else fixed(ev.total, p.total)
                yield ctx.find("XE406", name, shown=shown or "（空）", expected=expected or "（空）", total=total)
            continue
        shown_num = cell.value if cell.kind == "n" else None
        if cell.kind == "n" and shown_num >= 1e299:
            shown_num = math.inf
        if expected is None:
            ok = cell.kind == "s" and cell.value == ""
        elif shown_num is None:
            ok = False
        elif expected == math.inf or shown_num == math.inf:
            ok = expected == shown_num
        else:
            ok = xl_round(shown_num, digits) == xl_round(expected, digits)
        if ok:
            continue
        shown_t = _cached_text(cell, digits, as_pct)
        exp_t = _num_text(expected, digits, as_pct)
        if high is not None and shown_num is not None and (shown_num < 0 or shown_num > high + 1e-9):
            yield ctx.find("XE407", name, what=what, shown=shown_t, expected=exp_t, high=plain(high))
        else:
            yield ctx.find(code, name, what=what, shown=shown_t, expected=exp_t)


def _expected(ctx: Context, name: str, kind: str, ev: Evaluation):
    """(code, label, expected value, digits, as percent, max) for a computed name, or None."""
    fw, prep = ctx.fw, ctx.prep
    p = fw.precision
    if kind == "rate":
        code = name[len("rate_"):]
        return "XE408", fw.rates[code].name, ev.rates[code], p.rate, True, None
    if kind == "part":
        leaf_code, i = prep.parts[name]
        leaf = prep.leaves[leaf_code]
        part = leaf.parts[i]
        high = None if part.rule.is_modifier else part.max
        return "XE402", f"{leaf.name} · {part.name}", ev.leaves[leaf_code].parts[i].score, p.score, False, high
    if kind == "leaf":
        leaf = prep.leaves[name[len("score_"):]]
        return "XE401", f"{leaf.name} 得分", ev.leaves[leaf.code].score, p.score, False, ev.leaves[leaf.code].weight
    if kind == "leaf_rate":
        leaf = prep.leaves[name[len("scorerate_"):]]
        return "XE403", f"{leaf.name} 得分率", ev.leaves[leaf.code].score_rate, p.score_rate, True, None
    if kind == "level2":
        code = name[len("sub2_"):]
        l2 = next(x for l1 in fw.level1 for x in l1.children if x.code == code)
        return "XE404", f"{l2.name} 小计", ev.level2[code], p.score, False, None
    if kind == "node":
        code = name.split("_", 1)[1]
        node = next(x for x in fw.all_nodes() if x.code == code)
        return "XE404", f"{node.name} 小计", ev.nodes[code], p.score, False, None
    if kind == "row":
        leaf = next(x for x in fw.leaves if x.rows is not None and name.startswith(f"part_{x.code}_r"))
        code = name[len(f"part_{leaf.code}_"):]
        res = next((r for r in ev.leaves[leaf.code].parts if r.code == code), None)
        if res is None:                  # a spare row: blank
            return "XE402", f"{leaf.name} · {code}", None, p.score, False, None
        return "XE402", f"{leaf.name} · {res.name}", res.score, p.score, False, res.max
    if kind == "level1":
        code = name[len("subtotal_"):]
        l1 = next(x for x in fw.level1 if x.code == code)
        return "XE404", f"{l1.name} 小计", ev.level1[code], p.score, False, None
    if kind == "level1_rate":
        code = name[len("subtotalrate_"):]
        l1 = next(x for x in fw.level1 if x.code == code)
        return "XE404", f"{l1.name} 得分率", ev.level1_rates[code], p.score_rate, True, None
    if kind == "total":
        return "XE405", "合计 得分", ev.total, p.total, False, fw.total_weight
    if kind == "total_rate":
        return "XE405", "合计 得分率", ev.total_rate, p.score_rate, True, None
    if kind == "grade":
        return "XE406", "评价等级", ev.grade, 0, False, None
    return None       # effective values, rule points, project-list totals, title: formulas only


def _num_text(x: float | None, digits: int, as_pct: bool) -> str:
    if x is None:
        return "空白"
    if x == math.inf:
        return "∞"
    return percent(x, max(digits - 2, 0)) if as_pct else fixed(x, digits)


def _cached_text(cell: Cell, digits: int, as_pct: bool) -> str:
    if cell.kind == "n":
        return _num_text(math.inf if cell.value >= 1e299 else cell.value, digits, as_pct)
    if cell.kind == "s":
        return f"“{cell.value}”" if cell.value else "空白"
    return str(cell.value)


# -- narrative

_FULLWIDTH = str.maketrans("０１２３４５６７８９％．，", "0123456789%.,")
_YEAR_RE = re.compile(r"(?:截至|截止|截止到)?(?<![0-9])((?:19|20)[0-9]{2})\s*年")
_DEDUCT_RE = re.compile(r"扣(?:除|减)?\s*([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十]+)\s*分")
_CLAUSE_END = "，。；;,！？!?\n"


def _excerpt(text: str, start: int, end: int, limit: int = 24) -> str:
    stop = end
    while stop < len(text) and stop - start < limit and text[stop] not in _CLAUSE_END:
        stop += 1
    return text[start:stop]


def _note(ctx: Context, name: str) -> str:
    cell = ctx.cell(name)
    if cell is None or cell.value is None:
        return ""
    return cell.value if isinstance(cell.value, str) else plain(cell.value) if isinstance(cell.value, float) \
        else str(cell.value)


def check_narrative(ctx: Context) -> Iterator[Finding]:
    """完成情况 and 扣分原因 against the scores, rates, amounts and the year."""
    fw, ev = ctx.fw, ctx.evaluation
    if ev is None:
        return
    year = ctx.values.get("eval_year") if "eval_year" in fw.inputs else None
    for leaf in fw.leaves:
        result = ev.leaves[leaf.code]
        reason_name, findings_name = L.reason_name(leaf.code), L.findings_name(leaf.code)
        reason = _note(ctx, reason_name)
        score = None if ctx.prep.leaf_deps[leaf.code] & ctx.tainted else result.score
        blank_reason = reason.strip() in BLANK_NOTES
        weight = result.weight                       # an open weight: the one the evaluation set
        if score is not None and score < weight - 1e-9 and blank_reason and ctx.cell(reason_name):
            yield ctx.find("XE501", reason_name, leaf=leaf.name, score=plain(score), weight=plain(weight))
        if score is not None and _note(ctx, findings_name).strip() in BLANK_NOTES and ctx.cell(findings_name):
            yield ctx.find("XE506", findings_name, leaf=leaf.name, score=plain(score))
        for name in (findings_name, reason_name):
            text = _note(ctx, name)
            if not text.strip() or text.strip() in BLANK_NOTES:
                continue
            yield from _quoted_numbers(ctx, name, text, year)
        if score is not None and not blank_reason:
            yield from _quoted_deduction(ctx, reason_name, reason, weight, score)


def _quoted_numbers(ctx: Context, name: str, text: str, year: Any) -> Iterator[Finding]:
    ev, prep = ctx.evaluation, ctx.prep
    norm = text.translate(_FULLWIDTH)          # same length: spans map back to `text`
    for code, pattern in prep.rate_re:
        expected = ev.rates.get(code)
        if expected is None or expected == math.inf or prep.rate_deps[code] & ctx.tainted:
            continue
        for m in pattern.finditer(norm):
            quoted = m.group(1).replace("−", "-").replace("－", "-")
            decimals = min(len(quoted.partition(".")[2]), max(ctx.fw.precision.rate - 2, 0))
            if xl_round(expected * 100, decimals) != xl_round(float(quoted), decimals):
                yield ctx.find("XE502", name, quoted=text[m.start():m.end()], rate_name=ctx.fw.rates[code].name,
                               expected=percent(expected, max(ctx.fw.precision.rate - 2, decimals)))
    if prep.amount_re is not None:
        for m in prep.amount_re.finditer(norm):
            code = prep.amount_codes.get(_strip_quotes(m.group(1)))
            value = ctx.values.get(code)
            if code is None or value is None or code in ctx.tainted:
                continue
            quoted = m.group(2).replace(",", "")
            decimals = min(len(quoted.partition(".")[2]), 2)
            if xl_round(float(quoted), decimals) != xl_round(value, decimals):
                tail = "元" if text[m.end():m.end() + 1] == "元" else ""
                yield ctx.find("XE503", name, quoted=text[m.start():m.end()] + tail,
                               label=ctx.fw.inputs[code].label, expected=fixed(value, 2))
    if isinstance(year, (int, float)):
        for m in _YEAR_RE.finditer(norm):
            if int(m.group(1)) == int(year):
                continue
            after = norm[m.end():m.end() + 8].strip(_QUOTE_CHARS)
            before = norm[max(0, m.start() - 2):m.start()]
            if YEAR_COMPARED.match(after) or before.endswith(("较", "比", "与", "自", "从")):
                continue       # a comparison or a span of years, not this year's figure
            if YEAR_TERMS.search(after):
                yield ctx.find("XE504", name, quoted=_excerpt(text, m.start(), m.end()), year=int(year))


def _quoted_deduction(ctx: Context, name: str, reason: str, weight: float, score: float) -> Iterator[Finding]:
    total, quoted = 0.0, []
    norm = reason.translate(_FULLWIDTH)
    for m in _DEDUCT_RE.finditer(norm):
        start = max((norm.rfind(ch, 0, m.start()) for ch in _CLAUSE_END), default=-1) + 1
        if "每" in norm[start:m.start()]:
            continue           # quoting the rule ("每发现一项扣1分"), not the deduction
        word = m.group(1)
        n = float(word) if word[0].isdigit() else chinese_numeral(word)
        if n is None:
            return
        total += n
        quoted.append(m.group(0))
    if not quoted:
        return
    deducted = xl_round(weight - score, 2)
    if xl_round(total, 2) != deducted:
        yield ctx.find("XE505", name, quoted="".join(f"“{q}”" for q in quoted), total=plain(xl_round(total, 2)),
                       expected=plain(deducted), weight=plain(weight), score=plain(score))


# -- project list

@dataclass
class _Row:
    index: int
    name: tuple[str, Cell]
    budget: tuple[str, Cell] | None
    final: tuple[str, Cell] | None
    done: tuple[str, Cell] | None


def _read_projects(ctx: Context) -> None:
    """Project rows and the counts the template derives from them (COUNTA/COUNTIF)."""
    names = ctx.range_cells("projects_name")
    cols = {key: ctx.range_cells(f"projects_{key}") for key in ("budget", "final", "done")}
    rows = []
    for i, name in enumerate(names):
        rows.append(_Row(i, name, *(c[i] if i < len(c) else None for c in cols.values())))
    ctx.project_rows = rows
    planned = sum(r.name[1].kind != "" for r in rows)
    completed = sum(1 for c in cols["done"] if c[1].kind == "s" and c[1].value == YES)
    # a 是否完成 that is neither 是 nor 否 (XE605) makes the list's completed count unreliable
    ctx.bad_done = any(c[1].kind != "" and c[1].value not in (YES, NO) for c in cols["done"])
    listed = {}
    if planned:
        if "planned" in ctx.fw.project_list:
            listed[ctx.fw.project_list["planned"]] = planned
        if "completed" in ctx.fw.project_list:
            listed[ctx.fw.project_list["completed"]] = completed
    ctx.listed = listed


def check_projects(ctx: Context) -> Iterator[Finding]:
    """The 项目明细 list: names, amounts, status, and against the inputs."""
    fw = ctx.fw
    sheet = ctx.area("projects_name").sheet if ctx.area("projects_name") else L.PROJECTS
    budget_total = 0.0
    for row in ctx.project_rows:
        cells = [c for c in (row.name, row.budget, row.final, row.done) if c is not None]
        if all(c[1].kind == "" for c in cells):
            continue
        name_cell = row.name[1]
        project = (name_cell.value if isinstance(name_cell.value, str) else plain(name_cell.value)
                   if isinstance(name_cell.value, float) else "") .strip() if name_cell.kind else ""
        if not project:
            yield ctx.find("XE603", at=(sheet, row.name[0]), row=row.index + 1)
            project = f"第{row.index + 1}行"
        amounts = {}
        for key, label, label_en in (("budget", "全年预算金额", "budget"), ("final", "决算金额", "final amount")):
            pair = getattr(row, key)
            if pair is None or pair[1].kind == "":
                continue
            ref, cell = pair
            at = (ctx.area(f"projects_{key}").sheet, ref)
            if cell.kind == "n":
                if cell.value < 0:
                    yield ctx.find("XE604", at=at, project=project, column=label, column_en=label_en,
                                   raw=plain(cell.value),
                                   reason="不能为负数", reason_en="cannot be negative")
                else:
                    amounts[key] = cell.value
                continue
            raw = cell.value if isinstance(cell.value, str) else str(cell.value)
            try:
                guess = parse_number(raw, kind="amount") if cell.kind == "s" else None
            except ValueProblem as exc:
                guess = exc.suggestion
            hint = f"，可能是 {plain(guess)}" if guess is not None else ""
            hint_en = f", probably {plain(guess)}" if guess is not None else ""
            yield ctx.find("XE604", at=at, project=project, column=label, column_en=label_en, raw=raw,
                           reason=f"是文本，不是数字{hint}", reason_en=f"is text, not a number{hint_en}")
        if row.done is not None and row.done[1].kind != "":
            done = row.done[1]
            if not (done.kind == "s" and done.value in (YES, NO)):
                raw = done.value if isinstance(done.value, str) else plain(done.value) \
                    if isinstance(done.value, float) else done.value
                yield ctx.find("XE605", at=(ctx.area("projects_done").sheet, row.done[0]), project=project, raw=raw)
        if "budget" in amounts and "final" in amounts and amounts["final"] > amounts["budget"] + 1e-9:
            yield ctx.find("XE602", at=(ctx.area("projects_final").sheet, row.final[0]), project=project,
                           final=fixed(amounts["final"], 2), budget=fixed(amounts["budget"], 2))
        budget_total += amounts.get("budget", 0.0)
    for key, code in fw.project_list.items():
        listed = ctx.listed.get(code)
        value = ctx.values.get(code)
        if key == "completed" and ctx.bad_done:
            continue
        if listed is not None and value is not None and code not in ctx.tainted and value != listed:
            yield ctx.find("XE601", code, label=fw.inputs[code].label, value=plain(value), listed=listed)
    full = ctx.values.get("budget_full")
    if "budget_full" in fw.inputs and full is not None and budget_total > full + 1e-9:
        yield ctx.find("XE606", "projects_budget_total", listed=fixed(budget_total, 2),
                       label=fw.inputs["budget_full"].label, value=fixed(full, 2))


CHECKS: tuple[Callable[[Context], Iterator[Finding]], ...] = (
    check_identity,
    check_structure,
    check_inputs,
    check_formulas,
    check_scores,
    check_narrative,
    check_projects,
)


# ------------------------------------------------------------------ annotate

# Strong enough to see on the template's light-yellow input cells (FFF2CC) and on
# white: red for errors, blue for warnings, each with a border of its own colour.
ANNOTATE_COLOURS = {"fatal": ("FF7C80", "C00000"), "error": ("FF7C80", "C00000"), "warning": ("9DC3E6", "1F4E79")}
ANNOTATE_AUTHOR = "xl-eval check"
LIST_SHEET = "问题清单"
SEVERITY_ZH = {"fatal": "无法检查", "error": "错误", "warning": "警告"}
# The annotated copy goes through openpyxl, which holds the whole workbook in
# memory (several times each part's size): only ordinary-sized files are copied.
ANNOTATE_MAX_PART = 16 << 20
ANNOTATE_MAX_TOTAL = 64 << 20


class AnnotateRefused(Exception):
    """The workbook is not copied (too large, unusual compression); the check stands."""


def _annotate_guard(src: Path) -> None:
    import zipfile
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise AnnotateRefused(f"无法读取（{exc}）") from None
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise AnnotateRefused(f"{info.filename} 使用了 Excel/WPS 不用的压缩方式，未写出副本")
        if info.file_size > ANNOTATE_MAX_PART:
            raise AnnotateRefused(f"{info.filename} 解压后 {info.file_size >> 20} MB，超过写批注副本的上限 "
                                  f"{ANNOTATE_MAX_PART >> 20} MB，未写出副本")
        total += info.file_size
    if total > ANNOTATE_MAX_TOTAL:
        raise AnnotateRefused(f"解压后共 {total >> 20} MB，超过写批注副本的上限 {ANNOTATE_MAX_TOTAL >> 20} MB，未写出副本")


def annotate(src: str | Path, findings: list[Finding], dest: str | Path, *, overwrite: bool = False,
             shown_name: str | None = None) -> Path:
    """Write a copy of `src` to `dest`: each finding's cell filled in its severity's
    colour, bordered and commented (findings without a cell go to A1 of the first
    sheet), and a first sheet 问题清单 listing every finding with a link to its cell.
    The copy is written atomically and never over an existing file unless
    *overwrite*; `src` is only read.  Raises AnnotateRefused for files too large to
    copy safely."""
    import io

    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink

    from xl_eval.core.outfiles import atomic_write

    src, dest = Path(src), Path(dest)
    if dest.exists() and dest.resolve() == src.resolve():
        raise ValueError(f"{dest} is the input file")
    _annotate_guard(src)
    wb = load_workbook(src)
    if LIST_SHEET in wb.sheetnames:               # annotating an annotated copy: list afresh
        del wb[LIST_SHEET]
    first_sheet = wb.sheetnames[0]
    grouped: dict[tuple[str, str], list[Finding]] = {}
    places: list[tuple[Finding, str, str]] = []
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            key = (f.sheet, f.cell)
        else:
            key = (first_sheet, "A1")
        grouped.setdefault(key, []).append(f)
        places.append((f, *key))
    rank = {"fatal": 0, "error": 1, "warning": 2}
    for (sheet, ref), items in grouped.items():
        ws = wb[sheet]
        cell = ws[ref]
        for rng in ws.merged_cells.ranges:          # a merged area: the top-left cell holds it
            if ref in rng:
                cell = ws.cell(row=rng.min_row, column=rng.min_col)
                break
        text = "\n".join(f"{f.code} [{f.severity}] {f.message}" + (f"（由 {f.caused_by} 的问题引起）" if f.caused_by
                                                                     else "") for f in items)
        if cell.comment is not None and cell.comment.text:
            text = cell.comment.text.rstrip() + "\n" + text
        lines = sum(1 + len(line) // 30 for line in text.splitlines())
        cell.comment = Comment(text, ANNOTATE_AUTHOR, width=360, height=min(600, 20 + 16 * lines))
        worst = min(items, key=lambda f: rank.get(f.severity, 3)).severity
        fill, edge = ANNOTATE_COLOURS.get(worst, ANNOTATE_COLOURS["error"])
        cell.fill = PatternFill("solid", fgColor=fill)
        side = Side(style="medium", color=edge)
        cell.border = Border(left=side, right=side, top=side, bottom=side)

    ws = wb.create_sheet(LIST_SHEET, 0)
    header = ["序号", "文件", "位置", "代码", "级别", "说明", "由哪处问题引起"]
    ws.append(header)
    bold = Font(bold=True)
    for c in ws[1]:
        c.font = bold
        c.fill = PatternFill("solid", fgColor="D9E1F2")
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    name = shown_name or src.name
    for i, (f, sheet, ref) in enumerate(places, start=1):
        where = f.where or f"{sheet}!{ref}"
        ws.append([i, name, where, f.code, SEVERITY_ZH.get(f.severity, f.severity), f.message, f.caused_by or ""])
        row = ws.max_row
        loc = ws.cell(row=row, column=3)
        target = f"'{sheet.replace(chr(39), chr(39) * 2)}'!{ref}"
        loc.hyperlink = Hyperlink(ref=loc.coordinate, location=target, display=where)
        loc.font = link_font
        fill, _ = ANNOTATE_COLOURS.get(f.severity, ANNOTATE_COLOURS["error"])
        ws.cell(row=row, column=5).fill = PatternFill("solid", fgColor=fill)
        for col in (2, 6, 7):
            ws.cell(row=row, column=col).alignment = wrap
    if not places:
        ws.append(["", name, "", "", "", "没有发现问题", ""])
    for col, width in zip("ABCDEFG", (6, 28, 16, 8, 9, 80, 14)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:G{max(ws.max_row, 2)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(dest, buf.getvalue(), overwrite=overwrite)
    return dest

"""Input sets for the template tests, and the native template recalculated in LibreOffice.

Shared by tests/test_template_libreoffice.py (the native template against the
engine) and tests/test_template_udf.py (the XE_ function variant against the
engine and against the native template): ``build_cases`` gives the same 212
input sets to both, and ``recalculate_native`` writes them into copies of the
native template through its defined names and recalculates them all with ONE
``recalculate`` call.  conftest.py's session fixture ``native_run`` runs it
once per test session, whichever of the two files asks first.
"""

from __future__ import annotations

import csv
import math
import random
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from xl_eval.engine.score import evaluate
from xl_eval.forms.scoresheet.layout import col_letter, effective_inputs, layout

ROOT = Path(__file__).resolve().parent.parent
SEED_UNIT = "昌吉市人民政府中山路街道办事处"
PROJECT_COLUMNS = ("projects_name", "projects_budget", "projects_final", "projects_done")

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class Case:
    id: str
    values: dict
    projects: list = field(default_factory=list)     # (name, budget, final, done)
    expect: dict = field(default_factory=dict)       # hand-written name -> value


# ---------------------------------------------------------------- the cases

def build_cases(fw, rows: dict) -> list[Case]:
    seed = rows[SEED_UNIT]
    out: list[Case] = []

    def add(label, values=None, **kw):
        out.append(Case(f"c{len(out):03d}_{label}", dict(values if values is not None else seed), **kw))

    def s(**changes):
        return dict(seed, **changes)

    add("seed", expect={"total_score": 95.4, "grade": "优"})
    for name, values in rows.items():
        if name != SEED_UNIT:
            add("sample", values)
    # every input left blank on its own (defaults apply to adj_excluded / classified_unit)
    for code, inp in fw.inputs.items():
        if not inp.reference:                   # 单位名称/评价年度/决算数 are never scored
            add(f"blank_{code}", s(**{code: None}))
    # 预算调整率 bands (0,10%] 4 | (10,40%] 2 | (40,60%] 1 | (60,100%] 0.25 | >100% 0, and
    # 财务合规性 whole points over 10%: 10.99% -> 0 steps, 11% -> 1, 12% -> 2 (0.02/0.01 = 1.9999…)
    for full in (1000, 1100, 1100.1, 1400, 1400.1, 1600, 1600.1, 2000, 2000.1, 900, 899.9, 1100.04, 1100.05,
                 1099.95, 1109.9, 1110, 1120, 1165, 1350, 600, 3000):
        add("adjust", s(budget_initial=1000, budget_full=full, carryover=0))
    for excluded in (400, 500, 600, 399.9):
        add("adjust_excluded", s(budget_initial=1000, budget_full=1500, adj_excluded=excluded, carryover=0))
    # 结转结余率 ≤1% 4 | ≤5% 2 | ≤10% 1 | >10% 0
    for carry in (0, 10, 10.1, 10.05, 10.04, 50, 50.1, 100, 100.1, 1000):
        add("carry", s(budget_initial=1000, budget_full=1000, carryover=carry))
    # “三公”经费控制率 ≤100% full
    for budget, actual in ((3, 3), (3, 3.0003), (3, 3.00015), (3, 2.99), (3, 0), (0, 0), (0, 0.5)):
        add("three", s(three_public_budget=budget, three_public_actual=actual))
    # 固定资产利用率 ≥90% 4 | ≥75% 2 | ≥60% 1 | <60% 0
    for total, used in ((1000, 900), (1000, 899.9), (1000, 899.95), (1000, 750), (1000, 749.9), (1000, 600),
                        (1000, 599.9), (1000, 1000), (1000, 0), (0, 0), (0, 5)):
        add("assets", s(assets_total=total, assets_in_use=used))
    # 项目完成率 completed / planned x 12
    for done in (0, 1, 2, 5, 7, 13, 14, 19, 21, 26, 27, 28):
        add("completion", s(projects_planned=28, projects_completed=done))
    for planned, done in ((0, 0), (0, 3), (3, 5), (7, 6)):
        add("completion", s(projects_planned=planned, projects_completed=done))
    # zero denominators of 预算调整率 and 结转结余率
    add("adjust_zero", s(budget_initial=0, budget_full=0, carryover=0))
    add("adjust_inf", s(budget_initial=0, budget_full=100, carryover=0))
    add("adjust_zero_excl", s(budget_initial=0, budget_full=100, adj_excluded=100, carryover=0))
    add("carry_zero", s(budget_initial=100, budget_full=0, carryover=0))
    add("carry_inf", s(budget_initial=100, budget_full=0, carryover=5))
    # veto and exemption
    add("veto", s(fin_violation="是"))
    add("veto_blank_rest", s(fin_violation="是", budget_initial=None, fin_spending_score=None))
    add("exempt", s(classified_unit="是", budget_disclosure="未公开", final_disclosure="未公开"))
    add("exempt_blank_rest", s(classified_unit="是", budget_disclosure=None, final_disclosure=None))
    add("not_exempt", s(classified_unit="否", budget_disclosure="未公开"))
    # tiers
    options = fw.inputs["budget_disclosure"].options
    for a in options:
        for b in options:
            add("tiers", s(budget_disclosure=a, final_disclosure=b))
    # checklists: each item 否 on its own, then all 否
    for code in ("br_duty", "br_allocation", "br_detail", "br_classification", "br_not_fixed",
                 "asset_intact", "asset_allocation", "asset_disposal", "asset_accounts", "asset_income"):
        add("checklist", s(**{code: "否"}))
    add("checklist_none", s(br_duty="否", br_allocation="否", br_detail="否", br_classification="否", br_not_fixed="否"))
    # per finding, floors at zero
    for n in (0, 1, 4, 5, 6, 7):
        add("per_finding", s(budget_norm_issues=n, mgmt_system_issues=n))
    for a, b in ((3, 4), (6, 0), (0, 6), (1, 1), (2, 9)):
        add("fund_use", s(fund_use_issues=a, fund_use_audit=b))
    # deduction from the whole leaf, yes/no sub-items
    for audit in (1, 3, 5, 10):
        add("proc_audit", s(proc_audit=audit))
    for a, b in ((3, 0), (0, 4), (2, 3)):
        add("proc_findings", s(proc_approval_issues=a, proc_tender_issues=b))
    for mech, evid, audit in (("否", "是", 0), ("是", "否", 0), ("否", "否", 2), ("是", "是", 6)):
        add("supervision", s(sup_mechanism=mech, sup_evidence=evid, sup_audit=audit))
    # 政府采购: 0.5 per missing project / per nonconformity, 3 each
    for done, bad in ((23, 0), (21, 1), (18, 0), (17, 5), (0, 6), (30, 7), (24, 3)):
        add("procurement", s(gp_completed=done, gp_nonconforming=bad))
    add("demo_no", s(demo_work="否"))
    # discretionary scores and Excel rounding (half away from zero)
    for spend, industry, live in ((1.995, 5.555, 6.995), (0.125, 2.675, 3.333), (1.005, 0.005, 0),
                                  (0, 6, 7), (2, 0.004, 6.9951)):
        add("discretionary", s(fin_spending_score=spend, industry_score=industry, livelihood_score=live))
    # grade edges, built by hand from the seed's 95.4 (the boundary belongs to the upper grade)
    add("total_90", s(industry_score=0.6), expect={"total_score": 90.0, "grade": "优"})
    add("total_89.99", s(industry_score=0.59), expect={"total_score": 89.99, "grade": "良"})
    low = dict(demo_work="否", industry_score=0, livelihood_score=3.6)          # -6 -6 -3.4
    add("total_80", s(**low), expect={"total_score": 80.0, "grade": "良"})
    add("total_79.99", s(**dict(low, livelihood_score=3.59)), expect={"total_score": 79.99, "grade": "中"})
    lower = dict(demo_work="否", industry_score=0.6, livelihood_score=0, budget_norm_issues=5,
                 mgmt_system_issues=6, fund_use_issues=6, proc_approval_issues=2)  # -6 -5.4 -7 -3 -6 -6 -2
    add("total_60", s(**lower), expect={"total_score": 60.0, "grade": "中", "subtotal_decision": 14.4,
                                       "subtotal_process": 27.0, "subtotal_output": 18.0, "subtotal_benefit": 0.6})
    add("total_59.99", s(**dict(lower, industry_score=0.59)), expect={"total_score": 59.99, "grade": "差"})
    # the project list (seed Table 7): blank counts come from the list, explicit counts win
    projects = seed_projects()
    add("list_28", s(projects_planned=None, projects_completed=None), projects=projects,
        expect={"effective_projects_planned": 28, "effective_projects_completed": 28, "projects_count_planned": 28,
                "projects_count_completed": 28, "rate_completion_rate": 1, "score_project_completion": 12,
                "projects_rate_total": 1, "total_score": 95.4})
    add("list_explicit_wins", s(projects_planned=30, projects_completed=None), projects=projects,
        expect={"effective_projects_planned": 30, "effective_projects_completed": 28,
                "rate_completion_rate": 0.9333, "score_project_completion": 11.2})        # 0.9333 x 12 = 11.1996
    three = [("老旧小区改造补助", 120, 118.5, "是"), ("社区养老服务站建设", 80, 35.2, "否"), ("网格化管理经费", 25, 25, "是")]
    add("list_3", s(projects_planned=None, projects_completed=None), projects=three,
        expect={"projects_count_planned": 3, "projects_count_completed": 2, "rate_completion_rate": 0.6667,
                "score_project_completion": 8.0, "projects_budget_total": 225, "projects_final_total": 178.7,
                "projects_rate_total": 0.7942})                                          # 178.7 / 225 = 0.79422…
    add("list_none_done", s(projects_planned=None, projects_completed=None),
        projects=[(n, b, f, None) for n, b, f, _ in projects],
        expect={"projects_count_completed": 0, "score_project_completion": 0})
    add("list_empty", s(projects_planned=None, projects_completed=None),
        expect={"projects_count_planned": None, "effective_projects_planned": None, "score_project_completion": None,
                "total_score": None, "grade": None})
    # seeded random input sets
    rng = random.Random(20240701)
    while len(out) < 212:
        add("random", random_values(fw, rng))
    return out


def seed_projects() -> list[tuple]:
    with open(ROOT / "samples" / "projects.csv", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["单位名称"] == SEED_UNIT]
    return [(r["项目名称"], float(r["全年预算金额"]), float(r["决算金额"]), r["是否完成"]) for r in rows]


def random_values(fw, rng: random.Random) -> dict:
    v = {}
    initial = round(rng.uniform(0, 5000), 2) if rng.random() > 0.05 else 0
    full = round(initial * rng.uniform(0.3, 2.3), 2) if rng.random() > 0.05 else round(rng.uniform(0, 100), 2)
    v.update(unit_name="随机单位", eval_year=rng.randint(2000, 2100), budget_initial=initial, budget_full=full,
             final_accounts=full, adj_excluded=rng.choice([None, 0, round(rng.uniform(0, 300), 2)]),
             carryover=round(full * rng.uniform(0, 0.15), 2))
    tpb = rng.choice([0, round(rng.uniform(0, 10), 2)])
    v.update(three_public_budget=tpb, three_public_actual=round(max(tpb, 1) * rng.uniform(0.7, 1.3), 2))
    total = rng.choice([0, round(rng.uniform(0, 3000), 2)])
    v.update(assets_total=total, assets_in_use=round(total * rng.uniform(0.4, 1), 2))
    planned = rng.randint(0, 40)
    gp = rng.randint(0, 30)
    v.update(projects_planned=planned, projects_completed=rng.randint(0, planned + 1), gp_planned=gp,
             gp_completed=rng.randint(0, gp + 2), gp_nonconforming=rng.randint(0, 7))
    for code, inp in fw.inputs.items():
        if code in v:
            continue
        if inp.kind == "count":
            v[code] = rng.choice([0, 0, 1, 2, rng.randint(0, 8)])
        elif inp.kind == "yes_no":
            v[code] = rng.choice(["是", "是", "是", "否"])
        elif inp.kind == "choice":
            v[code] = rng.choice(inp.options)
        elif inp.kind == "score":
            v[code] = round(rng.uniform(0, inp.max), rng.choice([0, 1, 2, 3]))
    v["fin_violation"] = rng.choice(["否"] * 9 + ["是"])
    v["classified_unit"] = rng.choice([None, "否", "否", "是"])
    for code in rng.sample(sorted(v), rng.choice([0, 0, 0, 1, 2])):   # now and then a blank
        v[code] = None
    return v


# ---------------------------------------------------------------- writing cells

def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sh in wb.find(f"{{{M}}}sheets"):
        target = targets[sh.get(f"{{{R}}}id")]
        out[sh.get("name")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


_EMPTY_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?)(?: t="[a-zA-Z]+")? ?/>')
# a template cell holding a number (an adjustable weight prefilled with its default)
_NUMBER_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?)(?: t="n")?><v>[^<]*</v></c>')
CLEAR = object()      # case_cells: empty a prefilled template cell


def render(coord: str, style: str, value) -> str:
    if value is CLEAR:
        return f'<c r="{coord}"{style}/>'
    if isinstance(value, str):
        return f'<c r="{coord}"{style} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{coord}"{style}><v>{value!r}</v></c>'


def fill(template: bytes, cells: dict[tuple[str, str], object], dest: Path) -> None:
    """Write constant values into the template's (empty, styled) cells."""
    import io
    by_sheet: dict[str, dict[str, object]] = {}
    for (sheet, coord), value in cells.items():
        if value is not None:
            by_sheet.setdefault(sheet, {})[coord] = value
    with zipfile.ZipFile(io.BytesIO(template)) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {part: sheet for sheet, part in sheet_parts(zin).items()}
        for item in zin.infolist():
            data = zin.read(item.filename)
            wanted = by_sheet.get(parts.get(item.filename), {})
            if wanted:
                done = set()

                def repl(m):
                    if m.group(1) not in wanted:
                        return m.group(0)
                    done.add(m.group(1))
                    return render(m.group(1), m.group(2), wanted[m.group(1)])
                data = _EMPTY_CELL.sub(repl, data.decode("utf-8"))
                data = _NUMBER_CELL.sub(repl, data).encode("utf-8")
                assert done == set(wanted), f"cells not found in {item.filename}: {set(wanted) - done}"
            zout.writestr(item, data)


def case_cells(lay, case: Case) -> dict:
    cells = {}
    for code, value in case.values.items():
        cell = lay.inputs[code]
        if value is None and cell.input is not None and cell.input.generated == "weight" \
                and cell.input.default is not None:
            value = CLEAR                # an adjustable weight left blank: the prefilled default removed
        cells[(cell.ref.sheet, cell.ref.coord)] = value
    first = {name: a for name, (a, _) in lay.ranges.items()}
    for i, project in enumerate(case.projects):
        for name, value in zip(("projects_name", "projects_budget", "projects_final", "projects_done"), project):
            ref = first[name]
            cells[(ref.sheet, f"{col_letter(ref.col)}{ref.row + i}")] = value
    return cells


def drafted_cells(fw, lay, case: Case) -> dict:
    """The drafted 完成情况 / 扣分原因 that `xl-eval fill` writes for these inputs (text
    cells: they change no computed value; test_drafting.py checks them in the result)."""
    from xl_eval.batch.fill import drafted_notes
    notes, failed = drafted_notes(fw, evaluate(fw, case_values(fw, case)))
    assert not failed, failed
    return {(lay.notes[name].ref.sheet, lay.notes[name].ref.coord): text for name, text in notes.items()}


# ---------------------------------------------------------------- reading values

def fast_named_values(path: Path) -> dict:
    """read_named_values without openpyxl (which takes ~0.8 s per file here):
    workbook-scoped single-cell names -> cached value ("" read as None)."""
    with zipfile.ZipFile(path) as z:
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        parts = sheet_parts(z)
        names: dict[str, tuple[str, str]] = {}
        defined = wb.find(f"{{{M}}}definedNames")
        for dn in (defined if defined is not None else []):
            m = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$([0-9]+)", dn.text or "")
            if dn.get("localSheetId") is None and m and not dn.get("name").startswith("_xlnm"):
                names[dn.get("name")] = (m.group(1).replace("''", "'"), m.group(2) + m.group(3))
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{M}}}t")))
        values: dict[tuple[str, str], object] = {}
        for sheet in {s for s, _ in names.values()}:
            for c in ET.fromstring(z.read(parts[sheet])).iter(f"{{{M}}}c"):
                t, v = c.get("t", "n"), c.find(f"{{{M}}}v")
                text = v.text if v is not None else None
                if t == "inlineStr":
                    value = "".join(x.text or "" for x in c.iter(f"{{{M}}}t"))
                elif text is None:
                    value = None
                elif t == "s":
                    value = shared[int(text)]
                elif t in ("str", "e"):
                    value = text
                elif t == "b":
                    value = text == "1"
                else:
                    value = float(text)
                values[(sheet, c.get("r"))] = None if value == "" else value
    return {name: values.get(where) for name, where in names.items()}


# ---------------------------------------------------------------- engine

def case_values(fw, case: Case) -> dict:
    """The case's typed inputs as the template scores them: blank project counts
    taken from the project list, as the 计分采用值 formulas do."""
    from xl_eval.sources.projects import Project, with_project_counts
    if not case.projects:
        return case.values
    projects = [Project(i, n, b, f, d) for i, (n, b, f, d) in enumerate(case.projects)]
    return with_project_counts(fw, case.values, projects)


def engine_view(fw, lay, values: dict) -> dict:
    """What each named cell must show, from the engine ("" cells read as None)."""
    ev = evaluate(fw, values)
    want = {}
    for code, rate in ev.rates.items():
        want[f"rate_{code}"] = 1e300 if rate == math.inf else rate
    for code in effective_inputs(fw):
        want[f"effective_{code}"] = ev.values[code]
    for leaf in fw.leaves:
        r = ev.leaves[leaf.code]
        want[f"score_{leaf.code}"] = r.score
        want[f"scorerate_{leaf.code}"] = r.score_rate
        for part in r.parts:
            want[f"part_{leaf.code}_{part.code}"] = part.score
    for code, v in ev.level2.items():
        want[f"sub2_{code}"] = v
    for code, v in ev.level1.items():
        want[f"subtotal_{code}"] = v
        want[f"subtotalrate_{code}"] = ev.level1_rates[code]
    want.update(total_score=ev.total, total_rate=ev.total_rate, grade=ev.grade, summary_total_score=ev.total,
                summary_total_rate=ev.total_rate, summary_grade=ev.grade)
    assert set(want) <= set(lay.computed)
    return want


# ---------------------------------------------------------------- LibreOffice

@dataclass
class NativeRun:
    """The native template filled with every case and recalculated by LibreOffice."""
    lay: object
    cases: list[Case]
    got: dict[str, dict]          # case id -> defined name -> recalculated value ("" read as None)
    out: dict[Path, Path]         # filled workbook -> recalculated copy
    paths: list[Path]             # filled workbooks, in case order
    elapsed: float                # seconds: filling, LibreOffice and reading back


def recalculate_native(fw, rows: dict, soffice: str, src: Path, dest: Path) -> NativeRun:
    from xl_eval.xlsx.libreoffice import recalculate
    from xl_eval.forms.scoresheet.template import build_workbook, workbook_bytes
    lay = layout(fw)
    template = workbook_bytes(build_workbook(fw))
    cases = build_cases(fw, rows)
    drafts = {case.id: drafted_cells(fw, lay, case) for case in cases}     # engine work, not LibreOffice's
    started = time.monotonic()
    paths = []
    for case in cases:
        path = src / f"{case.id}.xlsx"
        fill(template, {**case_cells(lay, case), **drafts[case.id]}, path)
        paths.append(path)
    out = recalculate(paths, dest, soffice=soffice)
    got = {case.id: fast_named_values(out[path]) for case, path in zip(cases, paths)}
    return NativeRun(lay, cases, got, out, paths, time.monotonic() - started)

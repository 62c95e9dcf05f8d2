"""The 自评表's native formulas compute exactly what the engine computes.

Hundreds of generated projects (≥ ≤ = 定性 rows, targets of 0, blank actuals,
tiers with in- and out-of-range shares, 执行率 above 100%, text in number
cells) are written as sheets of a few workbooks, recalculated by LibreOffice
in one batched call, and every computed cell is compared with the engine.
The samples' totals are compared with hand calculations.
"""

from pathlib import Path

import pytest

from selfeval_cases import projects
from test_selfeval_weights import DEDUCT_EXPECTED, WEIGHTS_EXPECTED, deduct_projects as HAND_DEDUCT, \
    weight_projects as HAND_WEIGHTS
from xl_eval.batch import fill_selfeval as F
from xl_eval.core.xlround import xl_round
from xl_eval.forms.selfeval import layout as L, template as T
from xl_eval.forms.selfeval.bind import evaluate_sheet, spec_of
from xl_eval.framework.model import SHIPPED_DIR, load
from xl_eval.sources.selfeval import read_batch
from xl_eval.xlsx.libreoffice import recalculate
from xl_eval.xlsx.reader import open_workbook

ROOT = Path(__file__).resolve().parent.parent
PER_BOOK = 25
N = {"selfeval_2020_10": 130, "selfeval_2021_101": 70, "selfeval_deduct": 40}
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Hand calculations (selfeval_2020_10): 执行率 score, then the one-level subtotals, total, grade.
SAMPLE_TOTALS = {
    # 1446/1500 = 96.40% -> 9.64; 产出 15 + 18/20x10 + 10 + 5 + 350/364 (0.9615) x10 = 9.62 -> 48.62;
    # 效益 10 + 定性 90% x 10 + 10 = 29; 满意度 10
    "城区老旧小区改造": (9.64, 48.62, 29.0, 10.0, 97.26, "优"),
    # 771/900 = 0.8567 -> 8.57; 产出 50; 效益 15 + 75% x 15 = 26.25; 满意度 88%/90% = 0.9778 -> 9.78
    "农村义务教育学生营养改善计划": (8.57, 50.0, 26.25, 9.78, 94.6, "优"),
    # 492/500 = 98.40% -> 9.84; everything met (7.2% / 5% = 144%: flagged, not deducted)
    "基层医疗卫生机构设备购置": (9.84, 50.0, 30.0, 10.0, 99.84, "优"),
    # 3120/4200 = 0.7429 -> 7.43; 产出 1.6/2 x 20 = 16 + 10 + 0.8/0.9 (0.8889) x 10 = 8.89 + 10 = 44.89;
    # 效益 10 + 10 + 70% x 10 = 27; 满意度 10
    "高标准农田建设": (7.43, 44.89, 27.0, 10.0, 89.32, "良"),
    # 100% -> 10; 产出 15 + 10 + 0.5%/0.8% (0.625) x 10 = 6.25 + 10 + 5 = 46.25; 效益 95% x 15 + 15 = 29.25
    "公共文化场馆免费开放": (10.0, 46.25, 29.25, 10.0, 95.5, "优"),
    # 54/60 = 90% -> 9; all indicators met
    "古籍数字化保护": (9.0, 50.0, 30.0, 10.0, 99.0, "优"),
}


def _books(fw, spec, items, outdir: Path, prefix: str):
    """Write (project) items as sheets of workbooks; return [(path, [(sheet, layout, values)])]."""
    books = []
    for start in range(0, len(items), PER_BOOK):
        sheets, used, meta = [], set(), []
        for p in items[start:start + PER_BOOK]:
            placed = F.place(spec, p, "gen")
            assert placed.problems == []
            lay = L.layout(spec, placed.sizes)
            weights, _ = F.block_weights(spec, p, placed, "gen")
            values, formats = F.sheet_values(lay, p, placed, weights)
            name = F.sheet_name(p.name, used)
            sheets.append((name, lay, values, formats))
            meta.append((name, lay, values))
        path = outdir / f"{prefix}{start // PER_BOOK:02d}.xlsx"
        path.write_bytes(T.workbook_bytes(T.build_workbook(spec, sheets)))
        books.append((path, meta))
    return books


def _same(expected, got, digits: int) -> bool:
    if expected is None:
        return got in (None, "")
    if isinstance(expected, str):
        return got == expected
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        return False
    return xl_round(float(got), digits) == xl_round(float(expected), digits)


@pytest.fixture(scope="module")
def recalculated(soffice, tmp_path_factory):
    src = tmp_path_factory.mktemp("selfeval_src")
    out = tmp_path_factory.mktemp("selfeval_out")
    runs = []
    for fid, n in N.items():
        fw = load(SHIPPED_DIR / f"{fid}.yaml") if (SHIPPED_DIR / f"{fid}.yaml").exists() else load(FIXTURES / f"{fid}.yaml")
        spec = spec_of(fw)
        items = projects(n, spec, seed=len(fid))
        if fid == "selfeval_2020_10":
            items = read_batch(ROOT / "samples/selfeval/projects.csv",
                               ROOT / "samples/selfeval/indicators.csv").projects + HAND_WEIGHTS() + items
        if fid == "selfeval_deduct":
            items = HAND_DEDUCT() + items
        runs.append((fw, spec, _books(fw, spec, items, src, fid)))
    paths = [path for _, _, books in runs for path, _ in books]
    done = recalculate(paths, out, soffice=soffice)
    return runs, done


@pytest.mark.libreoffice
def test_engine_equals_libreoffice_on_every_computed_cell(recalculated):
    runs, done = recalculated
    compared = projects_seen = 0
    bad = []
    for fw, spec, books in runs:
        for path, sheets in books:
            with open_workbook(done[path]) as wb:
                for name, lay, values in sheets:
                    projects_seen += 1
                    _, expected = evaluate_sheet(fw, lay, values)
                    cells = wb.read({name: set(expected)})[name]
                    for ref, exp in expected.items():
                        digits = fw.precision.rate if ref[0] in "IJ" and ref != lay.exec_score_cell else 2
                        compared += 1
                        if not _same(exp, cells[ref].value, digits):
                            bad.append((fw.id, name, ref, exp, cells[ref].value))
    assert bad == []
    assert projects_seen >= 250 and compared > 12000


@pytest.mark.libreoffice
def test_samples_match_the_hand_calculation(recalculated):
    runs, done = recalculated
    fw, spec, books = runs[0]
    path, sheets = books[0]
    got = {}
    with open_workbook(done[path]) as wb:
        for name, lay, values in sheets[:6]:
            refs = [lay.exec_score_cell] + [lay.subtotal_cell(b.code) for b in spec.blocks] + \
                   [lay.total_cell, lay.grade_cell]
            cells = wb.read({name: set(refs)})[name]
            got[values[L.HEADER_CELLS["name"]]] = tuple(cells[r].value for r in refs)
    assert got == SAMPLE_TOTALS


def _totals(recalculated, fid, names):
    runs, done = recalculated
    fw, spec, books = next(r for r in runs if r[0].id == fid or (fid == "selfeval_deduct" and "deduct" in r[0].id))
    got = {}
    for path, sheets in books:
        with open_workbook(done[path]) as wb:
            for name, lay, values in sheets:
                title = values[L.HEADER_CELLS["name"]]
                if title not in names:
                    continue
                refs = [lay.exec_score_cell] + [lay.subtotal_cell(b.code) for b in spec.blocks] + \
                       [lay.total_cell, lay.grade_cell]
                cells = wb.read({name: set(refs + [lay.weights_note_cell])})[name]
                got[title] = tuple(cells[r].value for r in refs) + (cells[lay.weights_note_cell].value or "",)
    return got


@pytest.mark.libreoffice
def test_moved_weights_match_the_hand_calculation(recalculated):
    assert _totals(recalculated, "selfeval_2020_10", WEIGHTS_EXPECTED) == WEIGHTS_EXPECTED


@pytest.mark.libreoffice
def test_over_target_deduction_matches_the_hand_calculation(recalculated):
    assert _totals(recalculated, "selfeval_deduct", DEDUCT_EXPECTED) == DEDUCT_EXPECTED

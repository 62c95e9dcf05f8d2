"""Real, published 项目支出绩效自评表, transcribed as the unit would export them.

tests/fixtures/published_selfeval/*/ hold four tables published with the units'
决算 (sources and what the stored copies lack: SOURCES.md there).  They are typed
in as they were printed: merged 一级/二级 cells blank below their first row,
"产出指标(50分)" as a level name, the 指标性质 written into the target ("≥50个",
"≥100百分比", "=8个") or as the small-form "﹦", a "权重" column holding the
points, the 四川 money headers (年初预算 / 调整后预算数 / 预算执行数), a 年度资金总额
row printed as 0 / 0 / 0 above its own 本年财政拨款 figures, instruction text left
in a 完成情况 cell, blank 完成值.

Each case is filled and checked; the expected figures are worked out by hand
from the published numbers in the comments (the published 得分 where the rules
give another, and what the tool reports about the table).
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_eval.check import selfeval as C
from xl_eval.cli import cli
from xl_eval.forms.selfeval.bind import evaluate_sheet

HERE = Path(__file__).resolve().parent / "fixtures" / "published_selfeval"


def fill_and_check(name, tmp_path):
    d = HERE / name
    out = tmp_path / name
    res = CliRunner().invoke(cli, ["fill", str(d / "projects.csv"), "--indicators", str(d / "indicators.csv"),
                                   "-o", str(out)])
    [book] = sorted(out.glob("*.xlsx"))
    result = C.check_file(book)
    lay = C.sheet_layouts(book)["自评表"]
    from xl_eval.xlsx.reader import open_workbook
    with open_workbook(book) as wb:
        data = C.read_sheet(wb, "自评表", lay)
    fw = C.shipped_framework("selfeval_2020_10")
    ev, _ = evaluate_sheet(fw, lay, {ref: c.value for ref, c in data.cells.items()})
    scores = (ev.leaves["exec"].score, ev.leaves["output"].score, ev.leaves["benefit"].score,
              ev.leaves["satisfaction"].score, ev.total, ev.grade)
    return res, scores, sorted({f.code for f in result.findings}), ev


def test_tangxi_commissioned_services_2022(tmp_path):
    """池州市贵池区棠溪镇 委托业务项目 (2022).  Published: 年度资金总额 0 / 0 / 0, 执行率 0, 得分 0."""
    res, scores, codes, _ = fill_and_check("a_tangxi_weituo", tmp_path)
    assert res.exit_code == 0, res.output
    # 本年财政拨款 89.974 / 89.974 = 100% -> 10 (the published 0 comes from the empty total row);
    # 产出 8 x 5 + 10 = 50 (≥50个: 50; ≥100百分比: 100%; ≤90万元: 90; four 定性 rows 达成, 8/8 and 10/10);
    # 效益 10 + 10 + 10 = 30; 满意度: the stored copy ends inside its row -> no row, no total
    assert scores == (10.0, 50.0, 30.0, None, None, None)
    assert res.output.count("与三项资金之和") == 3          # 0 against 90, 89.974 and 89.974
    assert res.output.count("按“定性”处理") == 6           # 达成预期指标 with a text target and no 指标性质
    # the points add up to 90 without the 满意度 row; every indicator at full marks, no evidence named
    assert codes == ["XE803", "XE805"]


def test_tangxi_village_subsidies_2022(tmp_path):
    """棠溪镇 村级补助及运转经费 (2022): 年初预算 202.64 cut to 132.912, all spent."""
    res, scores, codes, ev = fill_and_check("b_tangxi_cunji", tmp_path)
    assert res.exit_code == 0, res.output
    # 132.912 / 132.912 -> 10; 产出 8 x 5 + 10 = 50 (=8个, =42个 met; ≤202.6万元 with 132.9: met);
    # 效益: the two rows the stored copy keeps, 10 + 10 = 20 (its 30 points need the rows cut off) -> no total
    assert scores[:3] == (10.0, 50.0, 20.0)
    cost = next(p for p in ev.leaves["output"].parts if p.name == "项目总成本")
    # 202.6 / 132.9 = 1.52445 -> 152.45% >= 130%: far below the ceiling, flagged, not deducted (10 of 10)
    assert (cost.ratio, cost.flagged, cost.score) == (1.5245, True, 10.0)
    assert codes == ["XE803", "XE805", "XE807"]


def test_lijiang_satellite_enforcement_2020(tmp_path):
    """丽江市古城区 卫片执法补助经费 (2020).  Published 得分 9 / 19 / 19 / 27 for targets met exactly."""
    res, scores, codes, _ = fill_and_check("c_lijiang_weipian", tmp_path)
    assert res.exit_code == 0, res.output
    # 7.29 / 7.29 -> 10; "﹦" read as "=": 72890 = 72890, 100% = 100%, 100% = 100% -> 10 + 20 + 20 = 50;
    # ≥95%: 95% -> 30; 满意度 ≥95%: 95% -> 10; 10 + 50 + 30 + 10 = 100 -> 优
    assert scores == (10.0, 50.0, 30.0, 10.0, 100.0, "优")
    for published, computed in ((9, 10), (19, 20), (27, 30)):
        assert f"表中得分 {published}，按年度指标值和实际完成值计算应为 {computed}" in res.output
    # 实际完成情况 repeats 预期目标 word for word; 满意度 scored with no survey named
    assert codes == ["XE805", "XE808"]


def test_qingshen_wages_2023(tmp_path):
    """青神县发展和改革局 工资性支出 (2023, 四川 layout: 预算执行 10 + 产出 60 + 效益 30, no 满意度)."""
    res, scores, codes, ev = fill_and_check("d_qingshen_gongzi", tmp_path)
    assert res.exit_code == 0, res.output
    # the 60 / 30 / 0 split is an allowed move of selfeval_2020_10 (产出 40～60, 效益 20～40, 满意度 0～10)
    assert "产出指标 60、满意度指标 0" in res.output
    assert ev.weights == {"exec": 10.0, "output": 60.0, "benefit": 30.0, "satisfaction": 0.0}
    # 调整后预算数 251.89, 预算执行数 251.89 -> 10; both 完成值 blank (published unfilled) -> no subtotal, no total
    assert scores == (10.0, None, None, 0.0, None, None)
    assert "项目资金没有按来源分列" in res.output
    assert codes == ["XE816"]                 # both rows: 完成值 not filled in

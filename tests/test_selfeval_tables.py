"""Reading the 自评 project and indicator tables: messy cells give per-row
messages, never a traceback (expected values written by hand)."""

import pytest

from xl_eval.core.values import ValueProblem
from xl_eval.sources.selfeval import parse_measure, read_batch, read_nature, read_share, read_tier

PROJECT_HEAD = "项目名称,主管部门,实施单位,评价年度,当年财政拨款全年预算数,当年财政拨款全年执行数\n"


@pytest.mark.parametrize("raw, unit, nature, value, shown_unit", [
    ("≥95%", "", "≥", 0.95, "%"),
    ("≤ 30 天", "天", "≤", 30.0, "天"),
    ("＞＝９５％", "", "≥", 0.95, "%"),          # full-width operator and digits
    ("≧90%", "", "≥", 0.90, "%"),
    ("不低于98%", "", "≥", 0.98, "%"),
    ("不超过 0.5%", "%", "≤", 0.005, "%"),
    ("=100%", "", "=", 1.0, "%"),
    ("100%", "", None, 1.0, "%"),
    ("95", "%", None, 0.95, "%"),               # percent points in a % row
    ("12", "个", None, 12.0, ""),
    ("1.6万亩", "万亩", None, 1.6, "万亩"),
    ("3,000", "户", None, 3000.0, ""),
    (0.95, "%", None, 0.95, "%"),               # an Excel percent cell stores the fraction
    (96, "%", None, 0.96, "%"),
    ("0", "%", None, 0.0, "%"),
])
def test_measures(raw, unit, nature, value, shown_unit):
    m = parse_measure(raw, unit)
    assert (m.nature, m.value, m.unit) == (nature, pytest.approx(value), shown_unit)


def test_ambiguous_percent_is_reported_with_both_readings():
    with pytest.raises(ValueProblem) as exc:
        parse_measure("0.5", "%")
    assert "0.5%" in str(exc.value) and "50%" in str(exc.value)


def test_text_target_has_no_value():
    m = parse_measure("明显改善", "")
    assert m.value is None and m.text == "明显改善"


@pytest.mark.parametrize("raw, nature, problem", [
    ("≥", "≥", False), ("＞＝", "≥", False), (">=", "≥", False), ("≤", "≤", False), ("<=", "≤", False),
    ("＝", "=", False), ("定性", "定性", False), ("定性指标", "定性", False),
    (">", "≥", True), ("约等于", None, True), ("正向", None, True),
])
def test_natures(raw, nature, problem):
    got, note = read_nature(raw)
    assert got == nature
    assert (note is not None) == problem


@pytest.mark.parametrize("raw, tier", [
    ("达成年度指标", "达成"), ("部分达成年度指标并具有一定效果", "部分达成"), ("未达成年度指标且效果较差", "未达成"),
    ("达成", "达成"), ("部分达成", "部分达成"), ("未达成", "未达成"), ("很好", None), (None, None),
])
def test_tiers(raw, tier):
    assert read_tier(raw) == tier


@pytest.mark.parametrize("raw, share", [("90%", 0.9), (0.75, 0.75), ("75", 0.75), ("100%", 1.0), (None, None)])
def test_shares(raw, share):
    assert read_share(raw) == pytest.approx(share) if share is not None else read_share(raw) is None


def _write(tmp_path, projects, indicators):
    p = tmp_path / "projects.csv"
    i = tmp_path / "indicators.csv"
    p.write_text(projects, encoding="utf-8")
    i.write_text(indicators, encoding="utf-8")
    return p, i


def test_messy_indicator_table_gives_messages_per_row(tmp_path):
    p, i = _write(tmp_path, PROJECT_HEAD + "甲项目,某局,某中心,2024,100,90\n",
                  "项目名称,一级指标,二级指标,三级指标,指标性质,年度指标值,计量单位,实际完成值,分值\n"
                  "甲项目,产出指标,数量指标,完成数量,,≥ 30 个,个,28,20\n"            # row 2: fine (inline ≥)
                  "甲项目,产出指标,质量指标,合格率,≤,≥95%,%,96%,10\n"              # row 3: ≤ vs ≥95%
                  "甲项目,产出指标,时效指标,及时率,约等于,100%,%,100%,10\n"         # row 4: unknown nature
                  "甲项目,产出指标,成本指标,成本,≤,0.5,%,0.4%,10\n"                # row 5: ambiguous 0.5
                  "甲项目,效益指标,社会效益指标,群众获得感,≥,明显提升,,明显,15\n"   # row 6: text target/actual
                  "甲项目,效益指标,社会效益指标,覆盖率,≥,90%,%,,15\n"              # row 7: blank actual: fine
                  "乙项目,效益指标,社会效益指标,覆盖率,≥,90%,%,95%,15\n"           # row 8: unknown project
                  "甲项目,满意度指标,服务对象满意度指标,满意度,≥,90%,%,93%,十分\n")  # row 9: points in words
    batch = read_batch(p, i)
    got = sorted((m.row, m.column) for m in batch.problems if m.severity == "error")
    assert got == [(3, "年度指标值"), (4, "指标性质"), (5, "年度指标值"), (6, "实际完成值"), (6, "年度指标值"),
                   (8, "项目名称"), (9, "分值")]
    ind = {x.row: x for x in batch.projects[0].indicators}
    assert (ind[2].nature, ind[2].target, ind[2].unit, ind[2].actual) == ("≥", 30.0, "个", 28.0)
    assert ind[7].actual is None                  # blank stays blank, never 0
    assert all(m.file.endswith("indicators.csv") for m in batch.problems if m.row in (3, 4, 5, 6, 8, 9))


def test_project_table_problems_and_duplicates(tmp_path):
    p, i = _write(tmp_path, PROJECT_HEAD + "甲项目,某局,某中心,二〇二四,一百,90\n甲项目,某局,某中心,2024,100,90\n,某局,,2024,1,1\n",
                  "项目名称,三级指标,分值\n甲项目,指标,10\n")
    batch = read_batch(p, i)
    msgs = sorted((m.row, m.column) for m in batch.problems)
    assert msgs == [(2, "当年财政拨款全年预算数"), (2, "评价年度"), (3, "项目名称"), (4, "项目名称")]
    assert [x.name for x in batch.projects] == ["甲项目"]


def test_missing_columns_is_a_table_error(tmp_path):
    from xl_eval.sources.tables import TableError
    p, i = _write(tmp_path, PROJECT_HEAD, "项目,指标\n")
    with pytest.raises(TableError):
        read_batch(p, i)


def test_samples_read_cleanly():
    batch = read_batch("samples/selfeval/projects.csv", "samples/selfeval/indicators.csv")
    assert batch.problems == [] and batch.unknown_columns == []
    assert len(batch.projects) == 6
    assert sum(len(p.indicators) for p in batch.projects) == 45


def test_qualitative_rows_as_units_write_them(tmp_path):
    """No 指标性质 but a tier word as actual -> 定性 (with a note); the unit's own 得分 gives the share."""
    p, i = _write(tmp_path, PROJECT_HEAD + "甲项目,某局,某中心,2024,100,90\n",
                  "项目名称,一级指标,二级指标,三级指标,指标性质,年度指标值,实际完成值,分值,得分\n"
                  "甲项目,效益指标,社会效益指标,群众获得感,,明显提升,基本达成目标,10,9\n"
                  "甲项目,效益指标,可持续影响指标,长效机制,定性,建立,,10,7\n")
    batch = read_batch(p, i)
    a, b = batch.projects[0].indicators
    assert (a.nature, a.actual, a.share) == ("定性", "达成", 0.9)
    assert (b.nature, b.actual, b.share) == ("定性", "部分达成", 0.7)     # tier from 7/10
    assert [(m.row, m.severity) for m in batch.problems] == [(2, "warning")]


def test_rows_placed_by_their_names(tmp_path):
    from xl_eval.batch.fill_selfeval import place
    from xl_eval.forms.selfeval import layout as L
    G = L.Group
    spec = L.Spec("t", "x", "1", "h", "exec", (
        L.Block("output", "产出指标", 50, (G("数量指标", 2), G("成本指标", 2)), 30),
        L.Block("satisfaction", "满意度指标", 10, (G("服务对象满意度指标", 2),), 10)), L.Scoring())
    p, i = _write(tmp_path, PROJECT_HEAD + "甲项目,某局,某中心,2024,100,90\n",
                  "项目名称,一级指标,二级指标,三级指标,指标性质,年度指标值,实际完成值,分值\n"
                  "甲项目,产出,数量,数量,≥,1,1,40\n"                       # short names
                  "甲项目,成本指标,经济成本指标,成本,≤,1,1,10\n"             # 101-style 一级 成本
                  "甲项目,满意度指标,满意度,满意度,≥,90%,95%,10\n"           # the block's only group
                  "甲项目,效果指标,社会效益指标,效果,≥,1,1,10\n")            # unknown: reported, left out
    project = read_batch(p, i).projects[0]
    placed = place(spec, project, "i.csv")
    got = [(g.block, g.level2, ind.name) for g, ind in placed.rows]
    assert got == [("output", "数量指标", "数量"), ("output", "成本指标", "成本"),
                   ("satisfaction", "服务对象满意度指标", "满意度")]
    assert [(m.row, m.severity) for m in placed.problems] == [(3, "warning"), (5, "error")]


def test_headers_with_notes_and_money_without_sources(tmp_path):
    p, i = _write(tmp_path, "项目名称,年初预算数（万元）,全年预算数,全年执行数\n甲项目,100,120,108\n",
                  "项目名称,三级指标,指标性质,年度指标值（A）,实际完成值（B）,分值\n甲项目,数量,≥,10,9,50\n")
    batch = read_batch(p, i)
    proj = batch.projects[0]
    assert (proj.money["current_full"], proj.money["current_executed"]) == (120.0, 108.0)
    assert [m.severity for m in batch.problems] == ["warning"]
    ind = proj.indicators[0]
    assert (ind.target, ind.actual) == (10.0, 9.0)

"""`xl-eval framework import` and `xl-eval check` on score tables other evaluators
published (tests/foreign_real_fixtures.py: each transcribed from its public copy,
address in SOURCES).  The expected trees, weights and findings are read off the
published tables by hand, as noted at each source and assertion."""

from __future__ import annotations

import pytest

from foreign_real_fixtures import SOURCES, build
from xl_eval.check.foreign.run import check_foreign
from xl_eval.cli import main
from xl_eval.framework.model import load as load_framework

NAMES = list(SOURCES)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("real")
    return {name: build(name, d) for name in NAMES}


@pytest.fixture(scope="module")
def drafts(files, tmp_path_factory):
    d = tmp_path_factory.mktemp("drafts")
    out = {}
    for name, path in files.items():
        target = d / f"{name}.yaml"
        assert main(["framework", "import", str(path), "-o", str(target), "--id", name]) == 0
        out[name] = target
    return out


def run_cli(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _tree(fw) -> tuple[list, list, list]:
    level1 = [(n.name, n.weight) for n in fw.level1]
    level2 = [(c.name, c.weight) for n in fw.level1 for c in n.children if c.leaf is None]
    return level1, level2, [(leaf.name, leaf.weight) for leaf in fw.leaves]


@pytest.mark.parametrize("name", NAMES)
def test_import_reproduces_the_published_tree_and_weights(drafts, capsys, name):
    src = SOURCES[name]
    fw = load_framework(drafts[name])
    level1, level2, leaves = _tree(fw)
    assert leaves == list(zip(src["leaves"], src["weights"]))
    assert level1 == src["level1"]
    assert level2 == src["level2"]
    assert fw.total_weight == pytest.approx(sum(src["weights"]))
    code, out, _ = run_cli(["framework", "lint", drafts[name]], capsys)
    assert code == 0 and "没有发现问题" in out, out


def test_import_notes_the_points_a_cell_states_that_its_rows_do_not_add_up_to(drafts):
    """岳阳: "过 程 (40分)" and "预算管理 (15分)" over the rows the public copy shows (3+3+3+6+3+3,
    3+3); the 部门整体 指标表 prints 过程's 58 under its 得分 column.  投入 15 / 预算配置 15 /
    预算执行 15 and 投入 16 / 预算配置 16 / 预算执行 16 add up and get no note."""
    notes = {name: [n for n in load_framework(drafts[name]).notes if n.startswith("待核对")] for name in NAMES}
    assert notes["hunan_yueyang"] == [
        "待核对：表中写“过程”40分，其下各行分值合计21分（表格是否不全，或分值有误）",
        "待核对：表中写“预算管理”15分，其下各行分值合计6分（表格是否不全，或分值有误）"]
    assert notes["dept_indicator_table"] == ["待核对：表中写“过程”58分，其下各行分值合计16分（表格是否不全，或分值有误）"]
    # 中介机构表: "计3分。…计1分。" is 4 points and "计5分。…计5分。" 10: no note
    assert notes["intermediary_quality"] == []
    assert notes["anhui_chizhou"] == notes["yunnan_nanhua"] == []
    # 部门特性指标 has no points of its own: it takes 履职成效's 20 (the unit's own rows share them)
    assert notes["sichuan_dazhou"] == ["待核对：“部门特性指标”在表中没有分值，按其上级“履职成效”的20分计"]


def test_the_4_column_sheet_reads_its_tree_from_the_numbering(drafts):
    """考核内容 | 分值 | 评分标准 | 评定分数: "一、报告格式 6" is level 1, "（一）封面填写" a leaf
    under it, and the nameless "2 | 3.评价计分正确…" row is the second half of （二）表格填写
    (2 + 2 points, both criteria kept)."""
    fw = load_framework(drafts["intermediary_quality"])
    assert fw.depth == 2 and list(fw.level_names) == ["一级指标", "二级指标"]
    crit = fw.leaf("表格填写").criteria
    assert crit.startswith("2.表格部分填写齐全") and "3.评价计分正确" in crit


@pytest.mark.parametrize("name", NAMES)
def test_check_against_the_imported_framework(files, drafts, name):
    """Each table against its own draft: every row maps, no weight differs, and only
    the published table's own inconsistencies are reported (EXPECTED, by hand)."""
    found = [(f.code, f.sheet, f.cell) for f in check_foreign(files[name], load_framework(drafts[name])).findings]
    assert found == EXPECTED[name]


EXPECTED: dict[str, list] = {
    # 9 rows, every score = its 分值; "……,1分;" items add up to 3 (管理制度健全性), deductions
    # "每出现一例……扣1分" for the listed points (资金使用合规性); bands "计5分;…计4分" are alternatives
    "hunan_yueyang": [],
    # 年度资金总额 prints 0 | 0 | 0 over 其中:本年财政拨款 90 | 89.974 | 89.974 (table 1, row 4)
    "anhui_chizhou": [("XE743", "表格1", "第4行第3列"), ("XE743", "表格1", "第4行第4列"),
                      ("XE743", "表格1", "第4行第5列")],
    # 配套烘干杀菌设备…: 年度指标值 550, 实际完成值 20, yet 9.3 of 9.3; the funds block adds up
    # (1100 = 1100), "≥1290.3平方米" is met by "1290.3平方米", 10 months by 10
    "yunnan_nanhua": [("XE736", "自评表", "F12")],
    # 95.10% = 136/143, 98.31% = (63.46−32)/32 and 0 points, 2017 named beside 2018 in a 变动率
    "dept_indicator_table": [],
    # blank scores: nothing to compare; 分值 of each 一、 = its rows (6, 14, 20)
    "intermediary_quality": [],
    # every level's points add up (25 = 15 + 10, 30 = 2+2+5+2+6+2+6+5, 45 = 20 + 15 + 10)
    "sichuan_dazhou": [],
}


@pytest.mark.parametrize("name", NAMES)
def test_check_command_never_shows_a_traceback(files, capsys, name):
    for args in (["check", files[name]], ["check", files[name], "--format", "json"],
                 ["check", files[name], "--framework", "project_2020_10"]):
        code, out, err = run_cli(args, capsys)
        assert code in (0, 1, 2) and "Traceback" not in out + err and "内部错误" not in err, (args, err)


def test_a_target_met_is_not_reported_and_one_missed_is(tmp_path):
    """Variants of the 池州 table: "≥50个" done 40 with full marks is reported;
    a time limit "10" done in 8 (a ceiling met early) is not; "≤90万元" done 85 is not."""
    import copy
    import foreign_real_fixtures as fx
    src = copy.deepcopy(fx.SOURCES["anhui_chizhou"])
    src["rows"][0][5] = "40"
    src["rows"][3][4:6] = ["10", "8"]
    src["rows"][4][5] = "85"
    fx.SOURCES["variant"] = src
    try:
        path = fx.build("variant", tmp_path)
    finally:
        del fx.SOURCES["variant"]
    assert main(["framework", "import", str(path), "-o", str(tmp_path / "v.yaml")]) == 0
    fw = load_framework(tmp_path / "v.yaml")
    found = [(f.code, f.cell) for f in check_foreign(path, fw).findings if f.code == "XE736"]
    assert found == [("XE736", "第11行第6列")]


def test_a_change_on_last_year_is_not_a_stale_year(tmp_path):
    """The 指标表's 三公经费变动率 evidence names 2018 and 2017 (本年度 against 上年度): with
    that column headed 完成情况 (read by the year check) it is not an XE732; the same
    sentence with 2018 taken out is (only 2017 in a 2018 evaluation)."""
    import copy
    import foreign_real_fixtures as fx
    src = copy.deepcopy(fx.SOURCES["dept_indicator_table"])
    src["header"][0][7] = "完成情况"
    fx.SOURCES["variant"] = src
    try:
        ok = fx.build("variant", tmp_path)
        src["rows"][1][7] = "2017年度预算安排的三公经费总额为32万元."
        (tmp_path / "stale").mkdir()
        stale = fx.build("variant", tmp_path / "stale")
    finally:
        del fx.SOURCES["variant"]
    assert main(["framework", "import", str(ok), "-o", str(tmp_path / "v.yaml")]) == 0
    fw = load_framework(tmp_path / "v.yaml")
    assert [f.code for f in check_foreign(ok, fw).findings] == []
    assert [(f.code, f.cell) for f in check_foreign(stale, fw).findings] == [("XE732", "第3行第8列")]


JUNK = ["", "-", "abc", "100%", "9.5分", "合计", "0", "1e9", "（一）", "一、", "得分", "≥", "=1/0", "  "]


@pytest.mark.parametrize("name", NAMES)
def test_damaged_copies_never_raise(tmp_path, capsys, name):
    """Each table with cells blanked or replaced by junk and rows dropped (seeded):
    check returns findings and import a draft or ImportProblem, never an exception."""
    import copy
    import random
    import foreign_real_fixtures as fx
    from xl_eval.check.foreign.importer import ImportProblem, draft
    from xl_eval.framework.model import load as load_fw
    rnd = random.Random(name)
    fw = load_fw()
    for k in range(6):
        src = copy.deepcopy(fx.SOURCES[name])
        rows = src["rows"]
        for _ in range(rnd.randint(1, 8)):
            r = rnd.randrange(len(rows))
            c = rnd.randrange(len(rows[r]))
            if rows[r][c] is not fx.M and rows[r][c] is not fx.L:
                rows[r][c] = rnd.choice(JUNK)
        if len(rows) > 2 and k % 2:
            del rows[rnd.randrange(1, len(rows))]
        fx.SOURCES["variant"] = src
        try:
            (tmp_path / str(k)).mkdir()
            path = fx.build("variant", tmp_path / str(k))
        finally:
            del fx.SOURCES["variant"]
        check_foreign(path, fw)
        try:
            draft(str(path))
        except ImportProblem:
            pass
        out = tmp_path / str(k) / "draft.yaml"
        assert main(["framework", "import", str(path), "-o", str(out)]) in (0, 1, 2)
        if out.exists():
            assert main(["check", str(path), "--framework", str(out)]) in (0, 1, 2)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err and "内部错误" not in captured.err


def test_a_4_level_table_is_read_as_3_levels_and_says_so(tmp_path):
    """一级 | 二级 | 三级 | 四级 | 分值 | 得分 (the 达州 project sheet's shape, names as in
    tests/fixtures/probes/sichuan_project_4level.yaml): each 三级 takes the sum of its
    四级 rows (5 + 5 = 10), and the draft's notes say the fourth level was folded in."""
    import foreign_real_fixtures as fx
    M = fx.M
    fx.SOURCES["four"] = {"kind": "xlsx", "sheet": "评分表", "before": [],
                          "header": [["一级指标", "二级指标", "三级指标", "四级指标", "分值", "得分"]],
                          "rows": [["项目决策", "科学决策", "决策依据", "必要性", "5", "5"],
                                   [M, M, M, "可行性", "5", "4"],
                                   [M, "绩效目标", "目标质量", "明确性", "5", "5"],
                                   [M, M, M, "合理性", "5", "5"]]}
    try:
        path = fx.build("four", tmp_path)
    finally:
        del fx.SOURCES["four"]
    assert main(["framework", "import", str(path), "-o", str(tmp_path / "f.yaml")]) == 0
    fw = load_framework(tmp_path / "f.yaml")
    assert [(leaf.name, leaf.weight) for leaf in fw.leaves] == [("决策依据", 10), ("目标质量", 10)]
    assert any("四级指标一栏" in n for n in fw.notes)
    assert [f.code for f in check_foreign(path, fw).findings] == []


def test_funds_total_finding_names_the_row_it_is_about(files, drafts):
    """池州's 0 | 0 | 0 sits in the 年度资金总额 row: the message names that row, not a 合计行."""
    found = [f for f in check_foreign(files["anhui_chizhou"], load_framework(drafts["anhui_chizhou"])).findings
             if f.code == "XE743"]
    assert found and all("“年度资金总额”一行为 0" in f.message and "合计行" not in f.message for f in found), \
        [f.message for f in found]

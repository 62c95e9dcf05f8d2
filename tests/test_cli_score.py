"""`xl-eval score` and `xl-eval framework`: outputs, messages and exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_eval.cli import cli, main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
LITERAL = Path(__file__).parent / "fixtures" / "annex1_literal.yaml"


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_score_json_on_the_sample():
    res = run("score", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    seed = rows[0]
    assert seed["单位名称"] == "昌吉市人民政府中山路街道办事处"
    assert seed["total"] == 95.4 and seed["grade"] == "优"
    assert seed["subtotals"] == {"决策": 17.4, "过程": 41.0, "产出": 24.0, "效益": 13.0}
    assert seed["scores"]["财务合规性"] == 4.4 and seed["scores"]["预算调整率"] == 2
    assert sorted({r["grade"] for r in rows}) == sorted(["优", "良", "中", "差"])


def test_counts_come_from_the_project_list_when_blank():
    # 城南街道 leaves 计划/完成项目数 blank; its list has 3 projects, 2 done:
    # 2/3 = 0.6667 x 12 = 8.0004 -> 8.00
    res = run("score", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv", "--format", "json")
    south = next(r for r in json.loads(res.stdout) if r["单位名称"].startswith("城南"))
    assert south["scores"]["项目完成率"] == 8.0
    res = run("score", SAMPLES / "departments.csv", "--format", "json")
    assert res.exit_code == 1
    assert "第4行 列“计划项目数”：为必填项，不能为空" in res.stderr


def test_score_text_table_is_chinese():
    res = run("score", SAMPLES / "departments.csv", "--projects", SAMPLES / "projects.csv")
    assert "总分 95.40  等级 优" in res.stdout
    assert "决策小计" in res.stdout and "17.40" in res.stdout
    assert "共 5 个单位：计算 5 个" in res.stdout


def test_bad_rows_are_reported_and_others_scored(tmp_path):
    src = (SAMPLES / "departments.csv").read_text(encoding="utf-8-sig").splitlines()
    header, seed = src[0], src[1].split(",")
    cols = header.split(",")
    bad1 = list(seed)
    bad1[0] = "错误一"
    bad1[cols.index("年初预算数")] = "三千"
    bad2 = list(seed)
    bad2[0] = "错误二"
    bad2[cols.index("产业结构优化得分")] = "8"
    bad2[cols.index("结转结余总额")] = "-5"
    path = tmp_path / "t.csv"
    path.write_text("\n".join([header, ",".join(bad1), src[1], ",".join(bad2)]) + "\n", encoding="utf-8")
    res = run("score", path, "--format", "json")
    assert res.exit_code == 1
    rows = json.loads(res.stdout)
    assert [r["total"] for r in rows] == [None, 95.4, None]
    assert "第2行 列“年初预算数”：应写阿拉伯数字（原值：'三千'），可能是 3000" in res.stderr
    assert "第4行 列“产业结构优化得分”：不能大于 6" in res.stderr
    assert "第4行 列“结转结余总额”：不能为负数" in res.stderr


def test_unknown_columns_and_codes_as_headers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("单位名称,备注,budget_initial\n甲,x,100\n", encoding="utf-8")
    res = run("score", path)
    assert res.exit_code == 1
    assert "列“备注”不是框架中的输入项" in res.stderr


@pytest.mark.parametrize("args, needle", [
    (["score", "no/such.csv"], "文件不存在"),
    (["score", "samples/departments.csv", "--framework", "no.yaml"], "文件不存在"),
    (["framework", "show", "--framework", "no.yaml"], "文件不存在"),
])
def test_unusable_arguments_exit_2_without_traceback(args, needle, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_missing_name_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("年初预算数\n100\n", encoding="utf-8")
    assert main(["score", str(path)]) == 2


def test_framework_lint_exit_codes():
    assert run("framework", "lint", "xl_eval/framework/shipped/annex1.yaml").exit_code == 0
    res = run("framework", "lint", LITERAL)
    assert res.exit_code == 1
    assert "L102 [error]" in res.stdout and "政府采购工作完成率" in res.stdout


def test_framework_show_lists_every_input():
    res = run("framework", "show")
    from xl_eval.framework.model import load
    fw = load()
    assert all(inp.label in res.stdout and inp.code in res.stdout for inp in fw.inputs.values())
    data = json.loads(run("framework", "show", "--format", "json").stdout)
    assert len(data["indicators"]) == 18 and len(data["inputs"]) == len(fw.inputs)


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "xl_eval.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "退出码" in out.stdout

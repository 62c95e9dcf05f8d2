"""`xl-eval fill` lists each workbook with its total and grade; a framework without grades (the
2-level agricultural probe, whose source table has none) prints the total alone, not “None”."""

from pathlib import Path

from click.testing import CliRunner

from xl_eval.cli import cli

PROBES = Path(__file__).parent / "fixtures" / "probes"


def test_fill_summary_of_a_framework_without_grades(tmp_path):
    res = CliRunner().invoke(cli, ["fill", str(PROBES / "departments" / "agri_project_2level.csv"),
                                   "--framework", str(PROBES / "agri_project_2level.yaml"), "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "None" not in res.output
    # 7 + 5.5 + 2 + 17 + 7 + 4.5 + 10 + 17 + 13 = 83 (hand totals in tests/test_probes.py)
    assert "某县农业产业化龙头企业扩建项目.xlsx  总分 83.00\n" in res.output

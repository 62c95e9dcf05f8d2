"""A 打分表 framework whose weights may move (weight_range, the 自评 feature) is
refused by template and fill, which would print the default weight while the
engine scores the moved one."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from xl_eval.cli import cli
from xl_eval.framework.registry import resolve


def test_template_refuses_weights_that_may_move(tmp_path):
    data = yaml.safe_load(resolve("annex1").read_text(encoding="utf-8"))
    data["format"] = "xl-eval-framework/2"
    leaf = data["indicators"][0]["children"][0]["children"][0]
    leaf["weight_range"] = f"[{leaf['weight'] - 1}, {leaf['weight'] + 1}]"
    path = tmp_path / "moved.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = CliRunner().invoke(cli, ["template", "--framework", str(path), "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 2 and "可在范围内调整的权重" in res.output
    assert not (tmp_path / "t.xlsx").exists()

"""`--help`, `check` and `template` stay light: no pandas, numpy, xlwings, formulas or python-docx.

Each command runs in a fresh interpreter; afterwards sys.modules is inspected.
`template` writes with openpyxl, which imports numpy by itself when it is
installed (openpyxl.compat.numbers): numpy is unavoidable there, the rest is not.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "xlwings", "formulas", "docx", "lxml")

PROBE = """
import json, sys
from xl_eval.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "heavy": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def run(*args, cwd):
    out = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args, allowed", [
    (["--help"], []),
    (["report", "--help"], []),
    (["check", str(ROOT / "samples" / "seed_filled.xlsx")], []),
    (["template", "-o", "t.xlsx"], ["numpy"]),
])
def test_command_does_not_import_heavy_modules(args, allowed, tmp_path):
    result = run(*args, cwd=tmp_path)
    assert result["code"] == 0
    assert [m for m in result["heavy"] if m not in allowed] == []


def test_version_does_not_import_heavy_modules(tmp_path):
    result = run("--version", cwd=tmp_path)
    assert result["code"] == 0 and result["heavy"] == []


def run_env(*args, cwd, env, modules):
    import os
    probe = PROBE.replace("%r" % (HEAVY,), "%r" % (modules,))
    out = subprocess.run([sys.executable, "-c", probe, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                         env={**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_takes_the_shipped_framework_from_the_cache(tmp_path):
    # the first run reads the YAML and fills the cache; the next ones never import PyYAML,
    # nor the foreign-table checks or the 自评表 form and its checks (not needed for a 打分表)
    env = {"XL_EVAL_CACHE": str(tmp_path / "cache")}
    sample = ROOT / "samples" / "seed_filled.xlsx"
    mods = ("yaml", "xl_eval.framework.load", "xl_eval.check.foreign.run", "xl_eval.check.selfeval",
            "xl_eval.forms.selfeval.layout",
            # the fill run id's randomness comes from os.urandom: secrets would pull in hmac and hashlib
            "secrets", "hashlib")
    first = run_env("check", sample, cwd=tmp_path, env=env, modules=mods)
    assert first["code"] == 0 and "yaml" in first["heavy"]
    second = run_env("check", sample, cwd=tmp_path, env=env, modules=mods)
    assert second["code"] == 0 and second["heavy"] == []
    # an edited copy of a framework is not a shipped one: read from its YAML every time
    user = tmp_path / "mine.yaml"
    user.write_bytes((ROOT / "xl_eval" / "framework" / "shipped" / "annex1.yaml").read_bytes())
    for _ in range(2):
        again = run_env("check", sample, "--framework", user, cwd=tmp_path, env=env, modules=mods)
        assert "yaml" in again["heavy"]


def test_the_probe_can_see_a_heavy_import(tmp_path):
    # score reads .xlsx tables through pandas (CSV through the csv module): the probe must notice it
    import csv
    from openpyxl import Workbook
    wb = Workbook()
    for row in csv.reader((ROOT / "samples" / "departments.csv").read_text(encoding="utf-8-sig").splitlines()):
        wb.active.append(row)
    wb.save(tmp_path / "departments.xlsx")
    result = run("score", tmp_path / "departments.xlsx", "--format", "json", cwd=tmp_path)
    assert "pandas" in result["heavy"]


def test_the_probe_can_see_python_docx(tmp_path):
    # report writes with python-docx (the optional extra xl-eval[report]): imported only there
    pytest.importorskip("docx")
    result = run("report", ROOT / "samples" / "seed_filled.xlsx", "-o", "r.docx", cwd=tmp_path)
    assert result["code"] == 0 and "docx" in result["heavy"]

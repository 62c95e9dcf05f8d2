"""The command line speaks Chinese, and every example in every --help runs as written.

Each command's examples run in order with bash (globs and redirections as a
user types them) in a fresh folder holding a copy of samples/, through an
`xl-eval` on PATH that is this checkout; each must exit 0.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xl_eval.cli import cli, main

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [[], ["template"], ["fill"], ["check"], ["collect"], ["score"], ["framework", "show"],
            ["framework", "lint"]]


def help_text(args: list[str], capsys, *extra) -> str:
    assert main([*extra, *args, "--help"]) == 0
    return capsys.readouterr().out


def examples(text: str) -> list[str]:
    """The lines under 示例 up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("示例"))
    out = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        out.append(line.strip())
    return out


@pytest.fixture
def workdir(tmp_path):
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    bin_dir = tmp_path / ".bin"
    bin_dir.mkdir()
    exe = bin_dir / "xl-eval"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m xl_eval.cli "$@"\n', encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=str(ROOT))
    return tmp_path, env


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) or "xl-eval" for a in COMMANDS])
def test_every_example_runs_as_written(args, capsys, workdir):
    cwd, env = workdir
    lines = examples(help_text(args, capsys))
    assert lines and all(line.startswith("xl-eval ") for line in lines)
    before = {p: p.read_bytes() for p in (cwd / "samples").rglob("*") if p.is_file()}
    for line in lines:
        res = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True)
        assert res.returncode == 0, f"{line!r} exited {res.returncode}:\n{res.stdout[-800:]}\n{res.stderr[-800:]}"
        assert "Traceback" not in res.stderr
    # no example writes into the folders it reads
    assert {p: p.read_bytes() for p in (cwd / "samples").rglob("*") if p.is_file()} == before


def test_the_sample_framework_is_the_shipped_one():
    """samples/指标体系_附件1.yaml (a starting point for your own, used by the examples)."""
    shipped = ROOT / "xl_eval" / "framework" / "shipped" / "annex1.yaml"
    assert (ROOT / "samples" / "指标体系_附件1.yaml").read_bytes() == shipped.read_bytes(), \
        "after changing the shipped framework: cp xl_eval/framework/shipped/annex1.yaml samples/指标体系_附件1.yaml"


def test_help_has_no_english_from_click(capsys):
    for args in COMMANDS + [["framework"]]:
        text = help_text(args, capsys)
        assert text.startswith("用法: xl-eval")
        for english in ("Usage:", "Options:", "Commands:", "Show this message", "[OPTIONS]", "COMMAND [ARGS]",
                        "[default:", "[required]"):
            assert english not in text, (args, english)
    assert "选项:" in help_text(["check"], capsys) and "命令:" in help_text([], capsys)


@pytest.mark.parametrize("argv, zh", [
    (["nosuch"], "错误：没有命令 'nosuch'。"),
    (["fill"], "错误：缺少参数 'DEPARTMENTS'"),
    (["fill", "samples/departments.csv"], "错误：缺少选项 '-o' / '--outdir'"),
    (["check", "--format", "xml", "x.xlsx"], "错误：'--format' 的值无效：'xml' 不是可选的值（'text', 'json'）之一。"),
    (["check", "--nosuch"], "错误：没有选项 '--nosuch'。"),
    (["score", "does-not-exist.csv"], "错误："),
])
def test_errors_in_chinese_and_english(argv, zh, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert zh in err and "Error:" not in err and "Usage:" not in err and "Try '" not in err
    assert main(["--lang", "en", *argv]) == 2
    err = capsys.readouterr().err
    if argv[0] != "score":                       # xl-eval's own messages stay Chinese
        assert "Error:" in err


def test_english_on_request(capsys):
    text = help_text(["check"], capsys, "--lang", "en")
    assert text.startswith("Usage: xl-eval check [OPTIONS]") and "Options:" in text
    assert help_text(["check"], capsys).startswith("用法: xl-eval check [选项]")     # and back


def test_top_level_examples_name_real_commands():
    names = set(cli.commands)
    for line in examples(cli.help):
        assert line.split()[1] in names, line
    assert re.search(r"xl-eval check out$", cli.help, re.M)

"""Faults lose nothing (#16 item 4): Ctrl-C and SIGKILL during fill and collect,
a read-only or full output folder, two fills on one folder.

Each leaves only complete workbooks under final names, no temporary file
after a clean exit (and a killed run's leftovers are removed by the next
run), and a summary that says what was and was not written.  The commands
run as real processes (`python -m xl_eval.cli`), signalled from outside.
"""

import csv
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
ROWS = 500


def table(tmp_path: Path, n: int = ROWS) -> Path:
    """n departments: the complete sample rows under distinct names."""
    with open(SAMPLES / "departments.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["计划项目数"].strip() and r["完成项目数"].strip()]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    for i in range(n):
        w.writerow({**rows[i % len(rows)], "单位名称": f"第{i + 1:03d}单位"})
    p = tmp_path / "departments.csv"
    p.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return p


def start(*args, cwd, preexec=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xl_eval.cli", *map(str, args)], cwd=cwd, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=preexec)


def run(*args, cwd, preexec=None, timeout=300):
    p = start(*args, cwd=cwd, preexec=preexec)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(), err.decode()


def wait_for_files(folder: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if folder.is_dir() and sum(1 for _ in folder.glob("*.xlsx")) >= n:
            return
        if proc.poll() is not None:
            return
        time.sleep(0.05)


def complete_workbooks(folder: Path) -> list[str]:
    """Names of the .xlsx files; fails if any is not a complete zip."""
    names = []
    for p in sorted(folder.glob("*.xlsx")):
        with zipfile.ZipFile(p) as zf:
            assert zf.testzip() is None, p
            assert "xl/workbook.xml" in zf.namelist(), p
        names.append(p.name)
    return names


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".xl-eval-")] if folder.is_dir() else []


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_during_fill_leaves_complete_files_and_says_so(tmp_path, jobs):
    src = table(tmp_path)
    out = tmp_path / "out"
    proc = start("fill", src, "-o", out, "--jobs", jobs, "--json", "r.json", cwd=tmp_path)
    wait_for_files(out, 20, proc)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = (s.decode() for s in proc.communicate(timeout=120))
    assert proc.returncode == 2, stderr
    assert "Traceback" not in stdout + stderr
    files = complete_workbooks(out)
    assert temp_files(out) == []
    assert 0 < len(files) < ROWS
    assert "已中止" in stdout + stderr
    m = re.search(r"已生成 (\d+) 个工作簿", stdout)
    assert m and int(m.group(1)) == len(files), stdout
    summary = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True
    assert sorted(f["file"] for f in summary["files"]) == files
    assert summary["written"] + summary["skipped"] + summary["not_done"] == ROWS


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_during_fill_then_rerun_completes_the_folder(tmp_path, jobs):
    src = table(tmp_path)
    out = tmp_path / "out"
    proc = start("fill", src, "-o", out, "--jobs", jobs, cwd=tmp_path)
    wait_for_files(out, 20, proc)
    os.killpg(proc.pid, signal.SIGKILL)          # the command and its workers, as a crash would
    proc.communicate(timeout=60)
    time.sleep(0.3)
    before = complete_workbooks(out)             # whatever is under a final name is complete
    assert len(before) < ROWS
    code, stdout, stderr = run("fill", src, "-o", out, cwd=tmp_path)
    assert "Traceback" not in stdout + stderr
    assert code == (1 if before else 0), stderr
    if before:
        assert f"其中 {len(before)} 个文件已存在、未覆盖" in stdout
    assert len(complete_workbooks(out)) == ROWS
    assert temp_files(out) == []                 # the killed run's temporary files are gone too


def test_stale_temp_files_are_removed_and_reported(tmp_path):
    src = table(tmp_path, 3)
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f".xl-eval-0badc0de-{dead.pid}-x1.tmp"
    stale.write_bytes(b"half a workbook")
    running = out / f".xl-eval-0badc0de-{os.getpid()}-x2.tmp"      # a live writer's file stays
    running.write_bytes(b"being written")
    code, stdout, stderr = run("fill", src, "-o", out, cwd=tmp_path)
    assert code == 0, stderr
    assert not stale.exists() and running.exists()
    assert "留下的 1 个临时文件" in stderr


def _fill_out(tmp_path, n=40) -> Path:
    src = table(tmp_path, n)
    code, _, err = run("fill", src, "-o", tmp_path / "out", "--jobs", 2, cwd=tmp_path)
    assert code == 0, err
    return tmp_path / "out"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_collect_writes_nothing_partial(tmp_path, sig):
    out = _fill_out(tmp_path)
    proc = start("collect", out, "-o", "s.xlsx", "--csv", "s.csv", cwd=tmp_path)
    time.sleep(1.5)
    (proc.send_signal if sig == signal.SIGINT else lambda s: os.killpg(proc.pid, s))(sig)
    stdout, stderr = (s.decode() for s in proc.communicate(timeout=60))
    assert "Traceback" not in stdout + stderr
    if proc.returncode == 0:                     # it finished first: then both files are complete
        assert (tmp_path / "s.csv").exists()
    else:
        # 2: the CLI caught the Ctrl-C; -2/-9: the signal's default action killed
        # the process (a Ctrl-C landing where Python cannot raise it, or SIGKILL).
        assert proc.returncode in (2, -2, -9), stderr
    if (tmp_path / "s.xlsx").exists():
        complete_workbooks(tmp_path)
    # A process killed outright may leave a temporary file (the next run removes
    # it); one that handled the signal may not.
    assert temp_files(tmp_path) == [] or proc.returncode < 0
    assert len(complete_workbooks(out)) == 40    # the inputs are untouched


def _as_nobody():
    os.setgid(65534)
    os.setuid(65534)


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply (root ignores them)."""
    import shutil
    if os.getuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_read_only_output_folder(tmp_path):
    prefix = _unprivileged()
    src = table(tmp_path, 5)
    out = tmp_path / "ro"
    out.mkdir()
    os.chmod(out, 0o555)

    def run_ro(*args):
        p = subprocess.run([*prefix, sys.executable, "-m", "xl_eval.cli", *map(str, args)], cwd=tmp_path, env=ENV,
                           capture_output=True, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    try:
        code, stdout, stderr = run_ro("fill", src, "-o", out)
        assert "Traceback" not in stdout + stderr
        assert code == 1, stderr
        assert "无法写入" in stderr and "第001单位.xlsx" in stderr
        assert "生成 0 个，未生成 5 行" in stdout
        assert list(out.iterdir()) == []
        code, stdout, stderr = run_ro("collect", SAMPLES / "seed_filled.xlsx", "-o", out / "s.xlsx")
        assert code == 2 and "无法写入" in stderr and "s.xlsx" in stderr, stderr
        assert list(out.iterdir()) == []
    finally:
        os.chmod(out, 0o755)


def _small_files(limit=4_000):
    """A "full disk" for files larger than *limit* bytes (RLIMIT_FSIZE; Python ignores SIGXFSZ)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_full_disk_loses_nothing_and_says_what_was_not_written(tmp_path):
    src = table(tmp_path, 5)
    out = tmp_path / "out"
    # workbooks are ~60 kB, the JSON summary a few kB: the workbooks do not fit, the summary does
    code, stdout, stderr = run("fill", src, "-o", out, "--json", "r.json", cwd=tmp_path, preexec=_small_files(24_000))
    assert "Traceback" not in stdout + stderr
    assert code == 1, stderr
    assert "无法写入" in stderr
    assert "生成 0 个，未生成 5 行" in stdout
    assert complete_workbooks(out) == [] and temp_files(out) == []
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["written"] == 0
    code, stdout, stderr = run("collect", SAMPLES / "seed_filled.xlsx", "-o", "s.xlsx", cwd=tmp_path,
                               preexec=_small_files())
    assert "Traceback" not in stdout + stderr
    assert code == 2 and "无法写入" in stderr
    assert not (tmp_path / "s.xlsx").exists() and temp_files(tmp_path) == []


def test_two_fills_on_one_folder_write_each_file_once(tmp_path):
    n = 120
    src = table(tmp_path, n)
    out = tmp_path / "out"
    a = start("fill", src, "-o", out, "--json", "a.json", cwd=tmp_path)
    b = start("fill", src, "-o", out, "--json", "b.json", "--jobs", 2, cwd=tmp_path)
    for p in (a, b):
        stdout, stderr = (s.decode() for s in p.communicate(timeout=300))
        assert "Traceback" not in stdout + stderr
        assert p.returncode in (0, 1), stderr
    assert len(complete_workbooks(out)) == n and temp_files(out) == []
    ja, jb = (json.loads((tmp_path / f).read_text(encoding="utf-8")) for f in ("a.json", "b.json"))
    assert ja["written"] + jb["written"] == n
    assert ja["existing"] + jb["existing"] == n
    assert not {f["file"] for f in ja["files"]} & {f["file"] for f in jb["files"]}

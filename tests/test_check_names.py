"""check's text output shows a GBK-encoded file name (a zip made on Chinese Windows, unpacked
on Linux) as the name it is, not as escaped bytes; JSON keeps the exact name."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gbk_file_name_is_decoded_for_display(tmp_path):
    folder = os.fsencode(tmp_path / "交回")
    os.mkdir(folder)
    name = folder + b"/" + "城东街道.xlsx".encode("gbk")        # not UTF-8: b'\xb3\xc7\xb6\xab...'
    with open(name, "wb") as fh:
        fh.write((ROOT / "samples" / "seed_filled.xlsx").read_bytes())
    env = dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL="C.UTF-8")
    run = subprocess.run([sys.executable, "-m", "xl_eval.cli", "check", os.fsdecode(folder)],
                         capture_output=True, env=env)
    text = run.stdout.decode("utf-8")
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")
    lines = [line for line in text.splitlines() if ": XE" in line]
    assert lines and all(line.startswith(f"{tmp_path / '交回'}/城东街道.xlsx:") for line in lines), text
    assert "\\udc" not in text
    run = subprocess.run([sys.executable, "-m", "xl_eval.cli", "check", os.fsdecode(folder), "--format", "json"],
                         capture_output=True, env=env)
    records = json.loads(run.stdout.decode("utf-8"))
    assert os.fsencode(records[0]["file"]) == name               # the exact bytes, for scripts to reopen

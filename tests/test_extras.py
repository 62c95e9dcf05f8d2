"""Every `pip install "xl-eval[X]"` the README or a message tells users to run names an extra
pyproject.toml defines; python-docx is one extra (report), not two."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_install_commands_name_existing_extras():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    told = set()
    for path in [ROOT / "README.md", *(ROOT / "xl_eval").rglob("*.py")]:
        told |= set(re.findall(r"xl-eval\[([a-z]+)\]", path.read_text(encoding="utf-8")))
    assert told and told <= set(extras), told - set(extras)
    docx = [name for name, deps in extras.items() if name != "test" and any("python-docx" in d for d in deps)]
    assert docx == ["report"]

"""Rebuild the packaged template (xl_eval/forms/packaged/<hash>.xlsx) and the
committed workbook_templates/annex1.xlsx from the shipped framework.

Run after any change to the framework, layout.py or template.py:
    python tools/package_template.py
"""

from xl_eval.framework.model import load
from xl_eval.forms.scoresheet.template import PACKAGED_DIR, build_workbook, workbook_bytes
from pathlib import Path

fw = load()
data = workbook_bytes(build_workbook(fw))
for old in PACKAGED_DIR.glob("*.xlsx"):
    old.unlink()
(PACKAGED_DIR / f"{fw.content_hash}.xlsx").write_bytes(data)
(Path(__file__).resolve().parent.parent / "workbook_templates" / "annex1.xlsx").write_bytes(data)
print(f"xl_eval/forms/packaged/{fw.content_hash}.xlsx and workbook_templates/annex1.xlsx written")

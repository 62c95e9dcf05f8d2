"""Write samples/seed_filled.xlsx: the seed department's filled scoring workbook.

Inputs: the seed department's row of samples/departments.csv, its projects
in samples/projects.csv (the report's Table 7) and its 完成情况 / 扣分原因
texts from Annex 1 (samples/seed_annex1_texts.csv, verbatim except for the
<p></p> markup the PDF conversion left in two cells).  The template comes
from the shipped framework; the file is written as openpyxl writes it (no
cached values), with fixed timestamps, so running this again gives the same
bytes.

    python tools/make_seed_sample.py [OUT]      # default samples/seed_filled.xlsx

`xl-eval check samples/seed_filled.xlsx` then reports the seed's own
inconsistencies (README: “检查样例”).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED_UNIT = "昌吉市人民政府中山路街道办事处"


def build(out: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from xl_eval.forms.scoresheet import layout as L
    from xl_eval.sources.departments import read_departments
    from xl_eval.framework.model import load
    from xl_eval.core.outfiles import atomic_write
    from xl_eval.forms.common import set_text
    from xl_eval.forms.scoresheet.template import build_workbook, fit_rows, workbook_bytes

    fw = load()
    lay = L.layout(fw)
    dept = read_departments(fw, SAMPLES / "departments.csv")
    row = next(r for r in dept.rows if r.name == SEED_UNIT)
    if row.problems:
        raise SystemExit(f"samples/departments.csv: the seed row has problems: {row.problems}")
    wb = build_workbook(fw)

    for code, cell in lay.inputs.items():
        value = row.values.get(code)
        if value is not None:
            if fw.inputs[code].kind in ("count", "year"):
                value = int(value)
            wb[cell.ref.sheet][cell.ref.coord] = value

    texts = _read_csv(SAMPLES / "seed_annex1_texts.csv")
    by_name = {leaf.name: leaf.code for leaf in fw.leaves}
    for r in texts:
        code = by_name[r["三级指标"]]
        for name, text in ((L.findings_name(code), r["完成情况"]), (L.reason_name(code), r["扣分原因"])):
            if text:
                ref = lay.notes[name].ref
                set_text(wb[ref.sheet][ref.coord], text)

    projects = [r for r in _read_csv(SAMPLES / "projects.csv") if r["单位名称"] == SEED_UNIT]
    first = {name: a for name, (a, _) in lay.project_inputs.items()}
    columns = (("projects_name", "项目名称", str), ("projects_budget", "全年预算金额", float),
               ("projects_final", "决算金额", float), ("projects_done", "是否完成", str))
    for i, p in enumerate(projects):
        for name, column, kind in columns:
            ref = first[name]
            wb[ref.sheet].cell(row=ref.row + i, column=ref.col, value=kind(p[column]))

    fit_rows(wb, fw)                 # rows as tall as their texts, print only the used project rows
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, workbook_bytes(wb), overwrite=True)
    return out


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES / "seed_filled.xlsx"
    print(build(target))

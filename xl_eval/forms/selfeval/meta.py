"""Is an opened workbook a 项目支出绩效自评表?  Its hidden ``xl_eval`` sheet says.

Kept apart from layout.py (the form's dataclasses) so that `xl-eval check`,
which asks this of every workbook, imports only this for a 打分表.
"""

from __future__ import annotations

import functools
from typing import Any

META_SHEET = "xl_eval"
FORM_ID = "selfeval"
_META_FIRST = 64


@functools.lru_cache(maxsize=2)
def _meta_refs(last: int) -> frozenset[str]:
    return frozenset(f"{c}{r}" for r in range(1, last + 1) for c in "ABC")


def read_meta(wb) -> dict[str, Any] | None:
    """{'form': ..., 'framework_id': ..., 'sheets': [(name, sizes text)]} or None."""
    from xl_eval.xlsx.reader import Cell
    if META_SHEET not in wb.sheets:
        return None
    for last in (_META_FIRST, 2000):      # the first rows are enough when a blank key ends them
        cells = wb.read({META_SHEET: _meta_refs(last)}).get(META_SHEET, {})
        if any(cells.get(f"A{r}", Cell()).value is None for r in range(1, last + 1)):
            break
    meta: dict[str, Any] = {"sheets": []}
    for r in range(1, 2001):
        key = cells.get(f"A{r}", Cell()).value
        if key is None:
            break
        val = cells.get(f"B{r}", Cell()).value
        if key == "sheet":
            meta["sheets"].append((str(val), str(cells.get(f"C{r}", Cell()).value or "")))
        else:
            meta[str(key)] = "" if val is None else str(val)
    return meta if meta.get("form") == FORM_ID else None

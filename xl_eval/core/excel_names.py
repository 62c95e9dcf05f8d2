"""Which strings Excel refuses as defined names.

Input codes become workbook names (the 打分表 refers to inputs by them), so
lint warns about a code the form will refuse, and the form refuses it with
the same reason."""

from __future__ import annotations

import re

_CELL_LIKE = re.compile(r"^[a-z]{1,3}[0-9]+$")              # ab12: an A1 address
_R1C1_LIKE = re.compile(r"^(r[0-9]*c?[0-9]*|c[0-9]*)$")      # r1c1, r, c, c3


def name_problem(name: str) -> str | None:
    """Why `name` cannot be an Excel defined name, or None if it can."""
    low = name.lower()
    if _CELL_LIKE.match(low):
        return "与单元格地址（如 AB12）相同"
    if _R1C1_LIKE.match(low):
        return "与 R1C1 样式的单元格地址相同"
    if low in ("true", "false"):
        return "与逻辑值 TRUE/FALSE 相同"
    if len(name) > 255:
        return "超过 255 个字符"
    return None

"""Reading department tables (CSV or XLSX) into plain rows.

The header is the first non-blank row (normally row 1).  Row numbers are the
ones the user sees in Excel/WPS: the header is row 1, so the first data row is
row 2; fully blank rows are skipped but do not shift the numbering.  Cell
values are kept raw (str for CSV, as read for XLSX); blank and
whitespace-only cells become None.  Numbers are interpreted later with
``xl_eval.values.parse_number``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from xl_eval.core.values import normalise_label

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK/GB2312

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx


class TableError(Exception):
    """A table file that cannot be read; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}：{problem}")

    def __reduce__(self):
        return (type(self), (self.path, self.problem))


@dataclass
class Row:
    number: int  # row number as shown in Excel/WPS (header = 1)
    values: dict[str, object]  # column header -> raw cell value, None if blank


@dataclass
class Table:
    path: Path
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


def read_table(path: str | Path) -> Table:
    """Read the first sheet of an .xlsx file, or a .csv file (UTF-8 or GBK)."""
    path = Path(path)
    if not path.exists():
        raise TableError(path, "文件不存在")
    if path.is_dir():
        raise TableError(path, "这是一个文件夹，不是表格文件")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise TableError(path, "是旧版 Excel 97-2003（.xls）文件，"
                               "请用 Excel 或 WPS 打开后“另存为” .xlsx 格式再试")
    if suffix == ".csv":
        grid = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        grid = _read_xlsx(path)
    else:
        raise TableError(path, f"不是 CSV 或 XLSX 文件（扩展名为“{path.suffix or '无'}”），"
                               "请另存为 .xlsx 或 .csv")
    return _build_table(path, grid)


def column_letter(index: int) -> str:
    """Excel column letter for a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- internals -------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TableError(path, f"无法读取文件（{exc.strerror or exc}），"
                               "如果文件正在 Excel/WPS 中打开，请先关闭") from None


def _read_csv(path: Path) -> list[list[object]]:
    import pandas as pd

    data = _read_bytes(path)
    if data.startswith(_ZIP_MAGIC):
        raise TableError(path, "实际是 XLSX 文件，只是扩展名写成了 .csv，请把扩展名改为 .xlsx")
    if data.startswith(_OLE_MAGIC):
        raise TableError(path, "实际是旧版 .xls 文件，请用 Excel 或 WPS 另存为 .xlsx 或 .csv")
    text = None
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise TableError(path, "无法识别文件编码（不是 UTF-8 或 GBK 编码的文本），"
                               "请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx")
    if not text.strip("\ufeff \t\r\n"):
        raise TableError(path, "文件是空的（没有表头）")
    try:
        # pandas takes the width from the first line; give it the widest row so
        # that leading blank lines and longer rows are read, not rejected
        width = max((len(row) for row in csv.reader(io.StringIO(text))), default=0)
        frame = pd.read_csv(io.StringIO(text), header=None, names=list(range(width)),
                            dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (csv.Error, pd.errors.ParserError) as exc:
        raise TableError(path, f"CSV 格式有误（{exc}）") from None
    return frame.values.tolist()


def _read_xlsx(path: Path) -> list[list[object]]:
    import pandas as pd

    head = _read_bytes(path)[:8]
    if not head:
        raise TableError(path, "文件是空的（0 字节），不是有效的 XLSX 文件")
    if head.startswith(_OLE_MAGIC):
        raise TableError(path, "实际是旧版 .xls 文件或设置了打开密码的工作簿，"
                               "请用 Excel 或 WPS 另存为不加密的 .xlsx")
    if not head.startswith(_ZIP_MAGIC):
        raise TableError(path, "文件已损坏或不是 XLSX 文件，请用 Excel 或 WPS 重新另存为 .xlsx")
    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object,
                              engine="openpyxl", keep_default_na=False)
    except Exception as exc:  # openpyxl/zipfile raise many different types
        raise TableError(path, f"文件已损坏，无法作为 XLSX 打开（{type(exc).__name__}: {exc}），"
                               "请用 Excel 或 WPS 重新另存为 .xlsx") from None
    return frame.values.tolist()


def _cell(value: object) -> object:
    """Raw cell value, or None when the cell is blank."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _build_table(path: Path, grid: list[list[object]]) -> Table:
    grid = [[_cell(v) for v in row] for row in grid]
    header_index = next((i for i, row in enumerate(grid) if any(v is not None for v in row)), None)
    if header_index is None:
        raise TableError(path, "文件是空的（没有表头）")
    header = grid[header_index]
    body = grid[header_index + 1:]

    columns: list[tuple[int, str]] = []
    for index, value in enumerate(header):
        name = "" if value is None else str(value).strip()
        if name:
            columns.append((index, name))
        else:
            used = next((offset for offset, row in enumerate(body)
                         if index < len(row) and row[index] is not None), None)
            if used is not None:
                raise TableError(path, f"第 {column_letter(index)} 列有数据"
                                       f"（第 {header_index + 2 + used} 行）但没有表头"
                                       f"（表头在第 {header_index + 1} 行）")

    seen: dict[str, list[tuple[int, str]]] = {}
    for index, name in columns:
        seen.setdefault(normalise_label(name), []).append((index, name))
    duplicates = [group for group in seen.values() if len(group) > 1]
    if duplicates:
        described = "；".join(
            "、".join(f"“{name}”（{column_letter(index)} 列）" for index, name in group)
            for group in duplicates)
        raise TableError(path, f"表头重复：{described}，请改成不同的列名")

    rows = []
    for offset, cells in enumerate(body):
        values = {name: cells[index] if index < len(cells) else None for index, name in columns}
        if any(v is not None for v in values.values()):
            rows.append(Row(number=header_index + 2 + offset, values=values))
    return Table(path=path, columns=[name for _, name in columns], rows=rows)

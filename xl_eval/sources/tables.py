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
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

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
    # how it was read (not part of the table's content: tables compare on path, columns, rows)
    header_row: int = field(default=1, compare=False)          # the header's row number as shown
    sheet: str | None = field(default=None, compare=False)     # the sheet read (XLSX)
    sheets: tuple[str, ...] = field(default=(), compare=False)  # every sheet of the workbook (XLSX)
    head: list[list[object]] = field(default_factory=list, repr=False, compare=False)   # first rows, raw
    delimiter: str = field(default=",", compare=False)         # CSV: the separator found


HEAD_ROWS = 12           # rows looked at for a header further down
DELIMITERS = (",", ";", "\t", "|")


def read_table(path: str | Path, *, sheet: str | None = None, header_row: int | None = None) -> Table:
    """Read an .xlsx sheet (the first unless *sheet*: a name or a number from 1) or a
    .csv file (UTF-8 or GBK; comma, semicolon, tab or bar separated, found from the
    header line).  *header_row*: the header's row number (default: the first
    non-blank row)."""
    path = Path(path)
    if not path.exists():
        raise TableError(path, "文件不存在")
    if path.is_dir():
        raise TableError(path, "这是一个文件夹，不是表格文件")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise TableError(path, "是旧版 Excel 97-2003（.xls）文件，"
                               "请用 Excel 或 WPS 打开后“另存为” .xlsx 格式再试")
    delimiter, sheet_name, sheets = ",", None, ()
    if suffix == ".csv":
        if sheet is not None:
            raise TableError(path, "CSV 文件只有一个表，不能用 --sheet")
        grid, delimiter = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        grid, sheet_name, sheets = _read_xlsx(path, sheet)
    else:
        raise TableError(path, f"不是 CSV 或 XLSX 文件（扩展名为“{path.suffix or '无'}”），"
                               "请另存为 .xlsx 或 .csv")
    table = _build_table(path, grid, header_row, sheet_name, sheets)
    table.delimiter = delimiter
    return table


def header_hint(table: Table, wanted, option_sheet: bool = True) -> str:
    """Where a header holding a *wanted* column name is, as advice: another row of this
    sheet (--header-row) or another sheet (--sheet); "" when none is found."""
    for i, row in enumerate(table.head):
        number = i + 1
        if number != table.header_row and any(v is not None and wanted(str(v).strip()) for v in row):
            above = next((str(v).strip() for r in table.head[:i] for v in r if v is not None), None)
            title = f"第 {table.header_row} 行（“{_short(above)}”）像是标题，" if above else ""
            return f"{title}表头似乎在第 {number} 行：请删去表头上方的行，或加 --header-row {number}"
    if option_sheet and table.sheets and len(table.sheets) > 1:
        for name in table.sheets:
            if name == table.sheet:
                continue
            try:
                grid, _, _ = _read_xlsx(table.path, name)
            except TableError:
                continue
            for i, row in enumerate(grid[:HEAD_ROWS]):
                if any(_cell(v) is not None and wanted(str(v).strip()) for v in row):
                    more = f" --header-row {i + 1}" if any(_cell(v) is not None for r in grid[:i] for v in r) else ""
                    return f"数据似乎在工作表“{name}”（读取的是“{table.sheet}”）：请加 --sheet {_quoted(name)}{more}"
    return ""


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _quoted(name: str) -> str:
    return f'"{name}"' if any(ch.isspace() for ch in name) else name


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
    from xl_eval.core.outfiles import input_problem
    problem = input_problem(path)          # a FIFO or /dev/zero is never opened
    if problem is not None:
        raise TableError(path, problem)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TableError(path, f"无法读取文件（{exc.strerror or exc}），"
                               "如果文件正在 Excel/WPS 中打开，请先关闭") from None


def _sniff(text: str) -> str:
    """The separator of a CSV text: the candidate found most often in its first
    non-blank line (outside quotes); a comma when none is."""
    line = next((ln for ln in text.lstrip("\ufeff").splitlines() if ln.strip(" \t\r\n,;|")), "")
    line = re.sub(r'"[^"]*"', "", line)
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path) -> tuple[list[list[object]], str]:
    # One reading of a CSV for every path: CsvRecords makes the checks (FIFO, zip/OLE
    # magic, encoding, NUL, blank) and picks the separator; here its records are held.
    # Every CSV cell is text, so the stdlib reader gives the grid directly (pandas
    # would build a column object per field: minutes for one 200,000-field line).
    source = CsvRecords(path)
    grid: list[list[object]] = [list(cells) for _, _, cells in source.records()]
    width = max(map(len, grid), default=0)
    for row in grid:                 # ragged rows as a rectangle, as a sheet is
        row.extend([None] * (width - len(row)))
    return grid, source.delimiter


def _read_xlsx(path: Path, sheet: str | None = None) -> tuple[list[list[object]], str | None, tuple[str, ...]]:
    import pandas as pd

    head = _read_bytes(path)[:8]
    if not head:
        raise TableError(path, "文件是空的（0 字节），不是有效的 XLSX 文件")
    if head.startswith(_OLE_MAGIC):
        raise TableError(path, "实际是旧版 .xls 文件或设置了打开密码的工作簿，"
                               "请用 Excel 或 WPS 另存为不加密的 .xlsx")
    if not head.startswith(_ZIP_MAGIC):
        raise TableError(path, "文件已损坏或不是 XLSX 文件，请用 Excel 或 WPS 重新另存为 .xlsx")
    from xl_eval.check.findings import render
    from xl_eval.xlsx.reader import WorkbookError, guard_zip
    try:
        guard_zip(path)                    # zip bombs and foreign compression, before openpyxl inflates
    except WorkbookError as exc:
        raise TableError(path, render(exc.code, **exc.fields)) from None
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
        names = tuple(str(n) for n in book.sheet_names)
    except Exception as exc:  # openpyxl/zipfile raise many different types
        raise TableError(path, f"文件已损坏，无法作为 XLSX 打开（{type(exc).__name__}: {exc}），"
                               "请用 Excel 或 WPS 重新另存为 .xlsx") from None
    with book:
        if sheet is None:
            name = names[0] if names else None
        elif sheet in names:
            name = sheet
        elif sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
            name = names[int(sheet) - 1]
        else:
            raise TableError(path, f"没有工作表“{sheet}”（有：{'、'.join(names)}）")
        try:
            frame = pd.read_excel(book, sheet_name=name, header=None, dtype=object, keep_default_na=False)
        except Exception as exc:
            raise TableError(path, f"文件已损坏，无法读取工作表“{name}”（{type(exc).__name__}: {exc}），"
                                   "请用 Excel 或 WPS 重新另存为 .xlsx") from None
    return frame.values.tolist(), name, names


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


def _build_table(path: Path, grid: list[list[object]], header_row: int | None = None,
                 sheet: str | None = None, sheets: tuple[str, ...] = ()) -> Table:
    grid = [[_cell(v) for v in row] for row in grid]
    if header_row is not None:
        header_index = header_row - 1
        if header_index >= len(grid) or not any(v is not None for v in grid[header_index]):
            raise TableError(path, f"第 {header_row} 行是空行，不是表头（--header-row {header_row}）")
    else:
        header_index = next((i for i, row in enumerate(grid) if any(v is not None for v in row)), None)
    if header_index is None:
        others = [n for n in sheets if n != sheet]
        if others:
            raise TableError(path, f"工作表“{sheet}”是空的；数据在其他工作表中时请加 --sheet 工作表名"
                                   f"（有：{'、'.join(others)}）")
        raise TableError(path, "文件是空的（没有表头）")
    header = grid[header_index]
    body = grid[header_index + 1:]

    columns: list[tuple[int, str]] = []
    for index, value in enumerate(header):
        name = "" if value is None else " ".join(str(value).split())   # "决算数\n(万元)" on one line
        if name:
            columns.append((index, name))
        else:
            used = next((offset for offset, row in enumerate(body)
                         if index < len(row) and row[index] is not None), None)
            if used is not None:
                raise TableError(path, f"第 {column_letter(index)} 列有数据"
                                       f"（第 {header_index + 2 + used} 行）但没有表头"
                                       f"（表头在第 {header_index + 1} 行）"
                                       + (_title_hint(grid, header_index) or _sheets_hint(sheet, sheets)))

    _refuse_duplicate_headers(path, columns)

    rows = []
    for offset, cells in enumerate(body):
        values = {name: cells[index] if index < len(cells) else None for index, name in columns}
        if any(v is not None for v in values.values()):
            rows.append(Row(number=header_index + 2 + offset, values=values))
    return Table(path=path, columns=[name for _, name in columns], rows=rows, header_row=header_index + 1,
                 sheet=sheet, sheets=sheets, head=grid[:HEAD_ROWS])


# --- streaming (fill at province scale) ---------------------------------------

class CsvRecords:
    """A CSV file read record by record, as ``_read_csv`` reads it (same encoding,
    separator, records and errors) but without holding the file: every pass reads
    it from disk again, and a record can be read again from its byte offset."""

    def __init__(self, path: Path):
        self.path = path
        self.encoding = self._probe()
        self.delimiter = self._sniff()

    def __reduce__(self):            # a worker process re-opens the file (the checks are not repeated)
        return (_csv_records, (self.path, self.encoding, self.delimiter))

    def _probe(self) -> str:
        """The encoding, with _read_csv's checks (in its order) over the whole file."""
        path = self.path
        from xl_eval.core.outfiles import input_problem
        problem = input_problem(path)
        if problem is not None:
            raise TableError(path, problem)
        try:
            with open(path, "rb") as fh:
                start = fh.read(8)
        except OSError as exc:
            raise TableError(path, f"无法读取文件（{exc.strerror or exc}），"
                                   "如果文件正在 Excel/WPS 中打开，请先关闭") from None
        if start.startswith(_ZIP_MAGIC):
            raise TableError(path, "实际是 XLSX 文件，只是扩展名写成了 .csv，请把扩展名改为 .xlsx")
        if start.startswith(_OLE_MAGIC):
            raise TableError(path, "实际是旧版 .xls 文件，请用 Excel 或 WPS 另存为 .xlsx 或 .csv")
        import codecs
        for encoding in CSV_ENCODINGS:
            decoder = codecs.getincrementaldecoder(encoding)()
            blank, nul = True, False
            try:
                with open(path, "rb") as fh:
                    while True:
                        chunk = fh.read(1 << 20)
                        text = decoder.decode(chunk, final=not chunk)
                        nul = nul or "\x00" in text
                        blank = blank and not text.strip("\ufeff \t\r\n")
                        if not chunk:
                            break
            except UnicodeDecodeError:
                continue
            if nul:
                break
            if blank:
                raise TableError(path, "文件是空的（没有表头）")
            return encoding
        raise TableError(path, "无法识别文件编码（不是 UTF-8 或 GBK 编码的文本），"
                               "请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx")

    def _lines(self, offset: int = 0):
        """(byte offset, bytes, text) of each line from *offset*: lines end at \\n only, as
        io.StringIO splits them (\\n is never inside a UTF-8 or GB18030 character)."""
        import codecs
        decode = codecs.getincrementaldecoder(self.encoding if offset == 0 else
                                              self.encoding.replace("utf-8-sig", "utf-8"))().decode
        first = offset == 0
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            pos = offset
            for line in fh:
                text = decode(line)
                if first:
                    text, first = text.lstrip("\ufeff"), False
                yield pos, len(line), text
                pos += len(line)

    def _sniff(self) -> str:
        head = []
        for _, _, text in self._lines():
            head.append(text)
            if any(piece.strip(" \t\r\n,;|") for piece in text.splitlines()):
                break
        return _sniff("".join(head))

    def records(self, offset: int = 0):
        """(byte offset where it starts, where the next one starts, cells) of each record
        from *offset*."""
        lines = self._lines(offset)
        span = [offset, offset]

        def texts():
            for pos, size, text in lines:
                if span[0] is None:
                    span[0] = pos
                span[1] = pos + size
                yield text

        reader = csv.reader(texts(), delimiter=self.delimiter, strict=True)
        try:
            while True:
                span[0] = None
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                yield span[0], span[1], cells
        except csv.Error as exc:
            raise TableError(self.path, f"CSV 格式有误（{exc}）") from None
        finally:
            lines.close()

    def records_at(self, offsets):
        """The cells of the record at each offset; records that follow each other in
        the file are read on (a unit's projects are usually together)."""
        records, following = None, None
        try:
            for offset in offsets:
                if records is None or offset != following:
                    if records is not None:
                        records.close()
                    records = self.records(offset)
                _, following, cells = next(records)
                yield cells
        finally:
            if records is not None:
                records.close()


def _text_cell(value: str) -> str | None:
    """``_cell`` of a CSV cell (always text)."""
    return value if value.strip() else None


def _csv_records(path, encoding, delimiter) -> CsvRecords:
    records = CsvRecords.__new__(CsvRecords)
    records.path, records.encoding, records.delimiter = path, encoding, delimiter
    return records


class StreamedRows:
    """The data rows of a streamed CSV table: re-read from the file on every pass.

    ``len``/``bool`` as of the first pass; iterating gives the Row objects
    ``read_table`` would hold, with ``offset`` (where the record starts) beside."""

    def __init__(self, source: CsvRecords, header_index: int, columns: list[tuple[int, str]], count: int):
        self.source, self.header_index, self.columns, self.count = source, header_index, columns, count

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self):
        return (row for _, row in self.with_offsets())

    def with_offsets(self):
        """(offset, Row) of every data row, in file order."""
        first = self.header_index + 1
        for index, (offset, _, cells) in enumerate(self.source.records()):
            if index < first:
                continue
            row = self.row(cells, index - first)
            if row is not None:
                yield offset, row

    def row(self, cells: list[str], body_index: int) -> Row | None:
        """The Row of a body record (None when every named cell is blank)."""
        values = {name: _text_cell(cells[i]) if i < len(cells) else None for i, name in self.columns}
        if any(v is not None for v in values.values()):
            return Row(number=self.header_index + 2 + body_index, values=values)
        return None

    def at(self, places) -> Iterator[Row]:
        """The rows whose records start at the given offsets, from (offset, row number) pairs
        (the numbers as the first pass gave them)."""
        places = list(places)
        for (_, number), cells in zip(places, self.source.records_at(o for o, _ in places)):
            yield Row(number=number, values={name: _text_cell(cells[i]) if i < len(cells) else None
                                             for i, name in self.columns})


def stream_table(path: str | Path, *, sheet: str | None = None, header_row: int | None = None) -> Table:
    """``read_table``, but a CSV table's rows are not held: ``rows`` is a
    StreamedRows that reads the file again on each pass.  The first pass here
    raises what ``read_table`` raises, in its order.  XLSX: ``read_table``."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.exists() or path.is_dir():
        return read_table(path, sheet=sheet, header_row=header_row)
    if sheet is not None:
        raise TableError(path, "CSV 文件只有一个表，不能用 --sheet")
    source = CsvRecords(path)
    head: list[list[object]] = []
    header_index, header = None, None
    width = 0
    named: list[tuple[int, str]] = []
    unnamed_used: dict[int, int] = {}        # column index without a header -> first body row using it
    count = 0
    body = 0
    for index, (_, _, cells) in enumerate(source.records()):
        width = max(width, len(cells))
        row = [_text_cell(v) for v in cells]
        if index < HEAD_ROWS:
            head.append(row)
        if header_index is None:
            if header_row is not None:
                if index < header_row - 1:
                    continue
                header_index = index           # checked below: blank is an error
            elif any(v is not None for v in row):
                header_index = index
            else:
                continue
            header = row
            for i, value in enumerate(row):
                name = "" if value is None else " ".join(str(value).split())
                if name:
                    named.append((i, name))
            names = {i for i, _ in named}
            continue
        for i, v in enumerate(row):
            if v is not None and i not in names and i not in unnamed_used:
                unnamed_used[i] = body
        if any(row[i] is not None for i, _ in named if i < len(row)):
            count += 1
        body += 1
    for row in head:                          # ragged rows as a rectangle, as read_table has them
        row.extend([None] * (width - len(row)))
    if header_row is not None and (header_index is None or not any(v is not None for v in header)):
        raise TableError(path, f"第 {header_row} 行是空行，不是表头（--header-row {header_row}）")
    if header_index is None:
        raise TableError(path, "文件是空的（没有表头）")
    if unnamed_used:
        index = min(unnamed_used)
        raise TableError(path, f"第 {column_letter(index)} 列有数据"
                               f"（第 {header_index + 2 + unnamed_used[index]} 行）但没有表头"
                               f"（表头在第 {header_index + 1} 行）" + (_title_hint(head, header_index) or ""))
    _refuse_duplicate_headers(path, named)
    rows = StreamedRows(source, header_index, named, count)
    table = Table(path=path, columns=[name for _, name in named], rows=rows, header_row=header_index + 1,
                  head=head)
    table.delimiter = source.delimiter
    return table


def _refuse_duplicate_headers(path: Path, columns: list[tuple[int, str]]) -> None:
    seen: dict[str, list[tuple[int, str]]] = {}
    for index, name in columns:
        seen.setdefault(normalise_label(name), []).append((index, name))
    duplicates = [group for group in seen.values() if len(group) > 1]
    if duplicates:
        described = "；".join(
            "、".join(f"“{name}”（{column_letter(index)} 列）" for index, name in group)
            for group in duplicates)
        raise TableError(path, f"表头重复：{described}，请改成不同的列名")


def _sheets_hint(sheet: str | None, sheets: tuple[str, ...]) -> str:
    others = [n for n in sheets if n != sheet]
    if not others:
        return ""
    return (f"；读取的是工作表“{sheet}”，工作簿还有：{'、'.join(others)}；"
            f"数据在其他工作表中时请加 --sheet {_quoted(others[0])}（工作表名或序号）")


def _title_hint(grid: list[list[object]], header_index: int) -> str:
    """Advice when the row taken as the header looks like a title above the real one:
    a later row of text cells only, wider than it."""
    width = sum(v is not None for v in grid[header_index])
    if width > 3:
        return ""            # a header of many columns is no title line
    # the header is about as wide as the data; 填报单位 / 金额单位 lines above it are not
    widest = max((sum(v is not None for v in row) for row in grid[:HEAD_ROWS]), default=0)
    for i in range(header_index + 1, min(len(grid), HEAD_ROWS)):
        cells = [v for v in grid[i] if v is not None]
        if (len(cells) > width and 2 * len(cells) >= widest
                and all(isinstance(v, str) and not _looks_numeric(v) for v in cells)):
            title = next(str(v).strip() for v in grid[header_index] if v is not None)
            return (f"；第 {header_index + 1} 行（“{_short(title)}”）像是标题，表头似乎在第 {i + 1} 行："
                    f"请删去表头上方的行，或加 --header-row {i + 1}")
    return ""


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\s0-9.,%+\-－—年月日万元()（）]*", text))


# Rows an export carries below or between its records: totals and signature lines.
_TOTAL_WORDS = {"合计", "总计", "小计", "汇总", "合计数", "总合计", "累计"}
_FOOTER = re.compile(r"^(制表人?|填表人?|填报人|审核人?|复核人|负责人|单位负责人|财务负责人|联系人|联系电话|"
                     r"制表日期|填报日期|注|说明|备注|附注)\s*[:：]")


def not_a_record(name: Any, others: Iterable[Any]) -> str | None:
    """Why a row named *name* (单位名称, 项目名称) is no record, else None: a 合计 row,
    or a 制表人 / 注 line with nothing in its other cells."""
    if name is None:
        return None
    text = "".join(str(name).split())
    if normalise_label(text) in _TOTAL_WORDS:
        return f"“{text}”是合计行，已跳过"
    if _FOOTER.match(text) and all(v is None or (isinstance(v, str) and not v.strip()) for v in others):
        return f"“{text[:20]}”是表尾的说明或签字行，已跳过"
    return None

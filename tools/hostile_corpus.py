"""A corpus of hostile and malformed inputs, and a runner for every command over it.

Each case builds its files in its own folder (small files, made on the spot
from samples/seed_filled.xlsx, the sample tables and the shipped framework;
nothing large is committed), then runs one or more `xl-eval` command lines in
a fresh interpreter under a memory cap (RLIMIT_AS) and a timeout, and checks
what any run must satisfy:

* no Python traceback and no "内部错误" in the output;
* the documented exit code (0 ok, 1 findings, 2 could not run);
* a Chinese message that names the hostile file, when the run is not clean;
* no raw control characters (ESC ...) and no English click errors on the terminal;
* the input files unchanged (bytes and presence);
* nothing under a final name that is not complete: every .xlsx written is a
  zip that opens, every .csv / .json parses, and no ``.xl-eval-*.tmp`` is left;
* whatever the case adds (``post``): e.g. every department summarised.

Classes (the nine of issue #17 and those that already held):
  compression, names, malformed, overwrite, encoding, special, omissions,
  framework, held (bombs, XXE, foreign files, CSV dialects, injection, names).

Run it by hand: ``PYTHONPATH=. python tools/hostile_corpus.py [--keep DIR] [-k SUBSTRING]``;
tests/test_hostile_corpus.py runs it in the suite.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed_filled.xlsx"
MEMORY_CAP = 1536 << 20          # address space of each run
TIMEOUT = 60.0                   # seconds per command line

CLASSES = ("compression", "names", "malformed", "overwrite", "encoding", "special", "omissions",
           "framework", "held")


@dataclass
class Step:
    argv: list[str]                      # xl-eval arguments; paths relative to the case folder
    exit: tuple[int, ...]                # acceptable (documented) exit codes
    names: tuple[str, ...] = ()          # texts the output must contain (the hostile file's name ...)
    stdin: bytes | None = None


@dataclass
class Case:
    id: str
    cls: str
    build: Callable[[Path], None]        # writes the case's input files into the folder
    steps: list[Step]
    outputs: tuple[str, ...] = ()        # paths (relative) a step may create or change
    post: Callable[[Path, list], str | None] | None = None   # extra check; returns a problem or None
    pending: str | None = None           # another engineer's area not landed yet (xfail reason)
    as_nobody: bool = False              # run unprivileged (read-only folders mean something)
    fsize: int | None = None             # RLIMIT_FSIZE: a "full disk"


@dataclass
class Outcome:
    case: Case
    problems: list[str] = field(default_factory=list)
    runs: list[tuple[list[str], int, str, str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ------------------------------------------------------------------ building blocks

def seed_members() -> dict[str, bytes]:
    with zipfile.ZipFile(SEED) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def make_zip(members: dict[str, bytes], methods: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data,
                        compress_type=(methods or {}).get(name, zipfile.ZIP_DEFLATED))
    return buf.getvalue()


def seed_with(**changes) -> bytes:
    """The seed workbook with parts replaced (name -> bytes, or a function of the old bytes)."""
    m = seed_members()
    methods = changes.pop("_methods", None)
    for key, val in changes.items():
        name = key.replace("__", "/").replace("_DOT_", ".")
        m[name] = val(m.get(name, b"")) if callable(val) else val
    return make_zip(m, methods)


SHEET_INPUTS = "xl/worksheets/sheet2.xml"    # 基础数据: unit_name B5, budget_initial B8
SHEET_PROJECTS = "xl/worksheets/sheet3.xml"
WORKBOOK = "xl/workbook.xml"


def patched(part: str, fn: Callable[[bytes], bytes], **kw) -> bytes:
    m = seed_members()
    m[part] = fn(m[part])
    return make_zip(m, kw.get("methods"))


def after_prolog(x: bytes) -> bytes:
    """An XML part without its <?xml ...?> declaration (if any)."""
    return x.split(b"?>", 1)[1] if x.lstrip().startswith(b"<?xml") else x


def set_cell(xml: bytes, ref: str, cell_xml: str) -> bytes:
    """Replace cell *ref* (which must exist) with *cell_xml*."""
    pat = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    assert pat.search(xml), ref
    return pat.sub(lambda _: cell_xml.encode(), xml, count=1)


def with_shared_strings(items: list[bytes], cell_ref: str, index: str) -> bytes:
    """The seed plus a sharedStrings part; *cell_ref* on 基础数据 refers to *index*."""
    m = seed_members()
    m["xl/sharedStrings.xml"] = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                                 b'spreadsheetml/2006/main">' + b"".join(b"<si>" + i + b"</si>" for i in items)
                                 + b"</sst>")
    rel = (b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/sharedStrings" Target="sharedStrings.xml"/>')
    m["xl/_rels/workbook.xml.rels"] = m["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>",
                                                                              rel + b"</Relationships>")
    m["[Content_Types].xml"] = m["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    m[SHEET_INPUTS] = set_cell(m[SHEET_INPUTS], cell_ref, f'<c r="{cell_ref}" t="s"><v>{index}</v></c>')
    return make_zip(m)


def redefine(name: str, target: str) -> bytes:
    def fn(xml: bytes) -> bytes:
        pat = re.compile(rb'(<definedName name="' + name.encode() + rb'"[^>]*>)[^<]*(</definedName>)')
        assert pat.search(xml), name
        return pat.sub(lambda m: m.group(1) + target.replace("&", "&amp;").encode() + m.group(2), xml, count=1)
    return patched(WORKBOOK, fn)


def lying_sizes(data: bytes, member: str, declared: int) -> bytes:
    """A zip whose *member* declares *declared* uncompressed bytes (local and central headers)."""
    out = bytearray(data)
    name = member.encode()
    for sig, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        pos = 0
        while True:
            pos = out.find(sig, pos)
            if pos < 0:
                break
            if out[pos + name_at:pos + name_at + len(name)] == name:
                out[pos + size_at:pos + size_at + 4] = declared.to_bytes(4, "little")
            pos += 4
    return bytes(out)


def ole(stream_names: list[str]) -> bytes:
    """Enough of an OLE2 compound file for the first-bytes checks."""
    body = b"".join(n.encode("utf-16-le") + b"\0" * 8 for n in stream_names)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + body + b"\0" * 1024


def dept_rows() -> list[dict[str, str]]:
    """The sample departments that fill writes without a project list (counts filled in)."""
    with open(SAMPLES / "departments.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["计划项目数"].strip() and r["完成项目数"].strip()]
    return (rows * 3)[:8]


def dept_csv(rows: list[dict[str, str]], encoding: str = "utf-8-sig", delimiter: str = ",",
             errors: str = "strict") -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode(encoding, errors)


def renamed(rows: list[dict[str, str]], *names: str) -> list[dict[str, str]]:
    """The first len(names) sample rows with these 单位名称."""
    out = []
    for row, name in zip(rows, names):
        row = dict(row)
        row["单位名称"] = name
        out.append(row)
    return out


def write(d: Path, rel: str, data: bytes | str) -> Path:
    p = d / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    return p


def files(**spec) -> Callable[[Path], None]:
    """A build function writing {relative path: bytes or callable()} (``__`` = "/")."""
    def build(d: Path) -> None:
        for rel, data in spec.items():
            write(d, rel.replace("__", "/"), data() if callable(data) else data)
    return build


def both(*builds) -> Callable[[Path], None]:
    def build(d: Path) -> None:
        for b in builds:
            b(d)
    return build


def fifo(rel: str) -> Callable[[Path], None]:
    return lambda d: os.mkfifo(d / rel)


def symlink(rel: str, target: str) -> Callable[[Path], None]:
    return lambda d: os.symlink(target, d / rel)


def seed_copy(rel: str = "good.xlsx") -> Callable[[Path], None]:
    return lambda d: write(d, rel, SEED.read_bytes())


def raw_name(d: Path, name_bytes: bytes, data: bytes) -> None:
    with open(os.path.join(os.fsencode(d), name_bytes), "wb") as fh:
        fh.write(data)


CSV = "departments.csv"
PROJECTS = "projects.csv"
SAMPLE_DEPTS = lambda: (SAMPLES / "departments.csv").read_bytes()     # noqa: E731
SAMPLE_PROJECTS = lambda: (SAMPLES / "projects.csv").read_bytes()     # noqa: E731
LONG = "很长的文件夹名" * 15                                           # 315 bytes in UTF-8
GBK_NAME = "城东街道".encode("gbk") + b".xlsx"


# ------------------------------------------------------------------ post checks

def summary_rows(rel: str) -> Callable[[Path], list[list]]:
    def read(d: Path) -> list[list]:
        from openpyxl import load_workbook
        wb = load_workbook(d / rel, read_only=True)
        return [list(r) for r in wb["汇总"].iter_rows(values_only=True)]
    return read


def summarised(rel: str, n: int) -> Callable[[Path, list], str | None]:
    def post(d: Path, runs) -> str | None:
        rows = summary_rows(rel)(d)[1:]
        return None if len(rows) == n else f"汇总 {rel} 有 {len(rows)} 行，应为 {n} 行"
    return post


def csv_neutral(rel: str) -> Callable[[Path, list], str | None]:
    def post(d: Path, runs) -> str | None:
        text = (d / rel).read_bytes().decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            for v in row:
                if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    return f"{rel} 中的“{v[:30]}”会被当作公式"
        return None
    return post


def no_file_outside(folder: str, allowed: tuple[str, ...] = ()) -> Callable[[Path, list], str | None]:
    def post(d: Path, runs) -> str | None:
        stray = [p for p in d.parent.rglob("*") if p.is_file() and p.relative_to(d.parent).parts[0] == d.name
                 and folder not in p.relative_to(d).parts and p.relative_to(d).as_posix() not in allowed]
        stray += [p for p in d.parent.parent.glob("*evil*")] + [p for p in d.parent.glob("*evil*")]
        stray += [p for p in d.parent.glob("*逃逸*")] + [p for p in d.parent.parent.glob("*逃逸*")]
        return f"写到了输出文件夹之外：{stray}" if stray else None
    return post


def all_written(folder: str, n: int) -> Callable[[Path, list], str | None]:
    def post(d: Path, runs) -> str | None:
        found = sorted(p.name for p in (d / folder).glob("*.xlsx"))
        return None if len(found) == n else f"{folder} 中有 {len(found)} 个工作簿，应为 {n} 个：{found}"
    return post


def every(*posts):
    def post(d: Path, runs) -> str | None:
        for p in posts:
            problem = p(d, runs)
            if problem:
                return problem
        return None
    return post


# ------------------------------------------------------------------ the cases

def cases() -> list[Case]:
    C: list[Case] = []

    def add(id, cls, build, steps, **kw):
        C.append(Case(id, cls, build, [s if isinstance(s, Step) else Step(*s) for s in steps], **kw))

    def check_and_collect(id, cls, data_fn, check_exit=(2,), collect_exit=(1,), **kw):
        """The hostile workbook beside a good one: check reports it, collect summarises the good one."""
        build = both(files(**{"in__bad.xlsx": data_fn}), seed_copy("in/good.xlsx"))
        add(id, cls, build,
            [(["check", "in/bad.xlsx"], check_exit, ("bad.xlsx",)),
             (["collect", "in", "-o", "s.xlsx", "--csv", "s.csv"], collect_exit, ("bad.xlsx",))],
            outputs=("s.xlsx", "s.csv"), post=kw.pop("post", summarised("s.xlsx", 2 if 0 in collect_exit else 1)),
            **kw)

    # 1. compression: only stored and deflate members are inflated, within bounds
    spaces = b"<!-- " + b" " * (8 << 20) + b" -->"
    check_and_collect("bzip2-workbook-part", "compression",
                      lambda: seed_with(_methods={WORKBOOK: zipfile.ZIP_BZIP2}))
    check_and_collect("lzma-sheet-8MiB-spaces", "compression",
                      lambda: seed_with(**{"_methods": {SHEET_INPUTS: zipfile.ZIP_LZMA},
                                           "xl__worksheets__sheet2_DOT_xml": lambda x: x + spaces}))
    check_and_collect("bzip2-rels", "compression",
                      lambda: seed_with(_methods={"_rels/.rels": zipfile.ZIP_BZIP2}))
    check_and_collect("deflate-bomb-sheet-64MiB", "compression",
                      lambda: seed_with(xl__worksheets__sheet2_DOT_xml=lambda x: x + b" " * (64 << 20)))
    check_and_collect("deflate-lying-size", "compression",
                      lambda: lying_sizes(seed_with(xl__worksheets__sheet2_DOT_xml=lambda x: x + b" " * (8 << 20)),
                                          SHEET_INPUTS, 60_000))
    add("bzip2-departments-xlsx", "compression",
        files(**{"d.xlsx": lambda: make_zip(_table_xlsx_members(), {"xl/worksheets/sheet1.xml": zipfile.ZIP_BZIP2})}),
        [(["fill", "d.xlsx", "-o", "out"], (2,), ("d.xlsx",)), (["score", "d.xlsx"], (2,), ("d.xlsx",))],
        outputs=("out",))
    add("lzma-projects-xlsx", "compression",
        both(files(**{CSV: SAMPLE_DEPTS, "p.xlsx": lambda: make_zip(_table_xlsx_members(),
                                                                      {"xl/worksheets/sheet1.xml": zipfile.ZIP_LZMA})})),
        [(["score", CSV, "--projects", "p.xlsx"], (2,), ("p.xlsx",))])

    # 2. defined names whose areas are larger than the template's
    check_and_collect("projects_name-whole-sheet", "names",
                      lambda: redefine("projects_name", "'项目明细'!$A$1:$XFD$1048576"), check_exit=(1, 2))
    check_and_collect("input-name-whole-sheet", "names",
                      lambda: redefine("budget_initial", "'基础数据'!$A$1:$XFD$1048576"), check_exit=(1, 2))
    check_and_collect("projects_done-201-rows", "names",
                      lambda: redefine("projects_done", "'项目明细'!$F$5:$F$205"), check_exit=(1, 2))
    check_and_collect("identity-name-huge", "names",
                      lambda: redefine("xe_framework_id", "'xl_eval'!$A$1:$ZZ$99999"), check_exit=(1, 2))

    # 3. malformed parts: a per-file fatal finding, the other files still summarised
    check_and_collect("row-number-superscript", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: x.replace(b'<row r="5"', b'<row r="\xc2\xb2"', 1)))
    check_and_collect("row-number-4400-digits", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: x.replace(b'<row r="5"', b'<row r="' + b"9" * 4400 + b'"', 1)))
    check_and_collect("row-number-negative", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: x.replace(b'<row r="5"', b'<row r="-5"', 1)))
    check_and_collect("shared-string-index-superscript", "malformed",
                      lambda: with_shared_strings([b"<t>x</t>"], "B5", "\u00b2"), check_exit=(1, 2), collect_exit=(0, 1))
    check_and_collect("shared-string-index-huge", "malformed",
                      lambda: with_shared_strings([b"<t>x</t>"], "B5", "9" * 5000), check_exit=(1, 2), collect_exit=(0, 1))
    deep = 200_000
    check_and_collect("inline-string-200000-deep", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: set_cell(
                          x, "B5", '<c r="B5" t="inlineStr"><is>' + "<r>" * deep + "<t>深</t>" + "</r>" * deep + "</is></c>")))
    check_and_collect("shared-string-200000-deep", "malformed",
                      lambda: with_shared_strings([b"<r>" * deep + b"<t>x</t>" + b"</r>" * deep], "B5", "0"))
    check_and_collect("sheet-truncated-xml", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: x[: len(x) // 2]))
    check_and_collect("number-1e999-and-nan", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: set_cell(set_cell(x, "B8", '<c r="B8"><v>1e999</v></c>'),
                                                                       "B9", '<c r="B9"><v>nan</v></c>')),
                      check_exit=(1,), collect_exit=(1,), post=summarised("s.xlsx", 2))
    check_and_collect("cell-ref-garbage", "malformed",
                      lambda: patched(SHEET_INPUTS, lambda x: x.replace(b'<c r="B8"', b'<c r="\xc2\xb2\xc2\xb2"', 1)),
                      check_exit=(0, 1, 2), collect_exit=(0, 1), post=None)
    check_and_collect("workbook-xml-garbage-names", "malformed",
                      lambda: patched(WORKBOOK, lambda x: x.replace(b"<definedNames>", b'<definedNames><definedName '
                                                                    b'name="x" localSheetId="\xc2\xb2">A1</definedName>', 1)),
                      check_exit=(0, 1, 2), collect_exit=(0, 1), post=None)

    # 4. nothing overwritten without --force; inputs never
    add("fill-json-is-the-table", "overwrite", files(**{CSV: SAMPLE_DEPTS}),
        [(["fill", CSV, "-o", "out", "--json", CSV], (2,), (CSV,)),
         (["fill", CSV, "-o", "out2", "--json", CSV, "--force"], (2,), (CSV,))], outputs=("out", "out2"))
    add("fill-json-exists", "overwrite", files(**{CSV: SAMPLE_DEPTS, "r.json": b"{}"}),
        [(["fill", CSV, "-o", "out", "--json", "r.json"], (2,), ("r.json",))], outputs=("out",))
    add("fill-json-projects-table", "overwrite", files(**{CSV: SAMPLE_DEPTS, PROJECTS: SAMPLE_PROJECTS}),
        [(["fill", CSV, "--projects", PROJECTS, "-o", "out", "--json", PROJECTS, "--force"], (2,), (PROJECTS,))],
        outputs=("out",))
    add("collect-csv-same-as-output", "overwrite", seed_copy("in/a.xlsx"),
        [(["collect", "in", "-o", "s.xlsx", "--csv", "s.xlsx"], (2,), ("s.xlsx",))], outputs=("s.xlsx",))
    add("collect-output-is-an-input", "overwrite", both(seed_copy("in/a.xlsx"), seed_copy("in/某单位.xlsx")),
        [(["collect", "in", "-o", "in/某单位.xlsx", "--force"], (2,), ("某单位.xlsx",)),
         (["collect", "in", "-o", "s.xlsx", "--csv", "in/a.xlsx", "--force"], (2,), ("a.xlsx",))], outputs=("s.xlsx",))
    add("collect-output-exists", "overwrite", both(seed_copy("in/a.xlsx"), files(**{"s.xlsx": b"keep me"})),
        [(["collect", "in", "-o", "s.xlsx"], (2,), ("s.xlsx",))])
    add("collect-twice-with-force", "overwrite", seed_copy("in/a.xlsx"),
        [(["collect", "in", "-o", "in/汇总.xlsx"], (0,)), (["collect", "in", "-o", "in/汇总.xlsx", "--force"], (0,))],
        outputs=("in/汇总.xlsx",), post=summarised("in/汇总.xlsx", 1))
    add("template-exists", "overwrite", files(**{"t.xlsx": b"keep me"}),
        [(["template", "-o", "t.xlsx"], (2,), ("t.xlsx",))])
    add("fill-existing-workbook", "overwrite", files(**{CSV: SAMPLE_DEPTS, "out__城东街道办事处（示例）.xlsx": b"mine"}),
        [(["fill", CSV, "-o", "out"], (1,), ("城东街道办事处（示例）.xlsx",))], outputs=("out",))
    add("annotate-existing-copy", "overwrite", both(seed_copy("in/a.xlsx"), files(**{"notes__a.xlsx": b"keep me"})),
        [(["check", "in/a.xlsx", "--annotate", "notes"], (1, 2), ("a.xlsx",))], outputs=("notes",))
    add("annotate-into-input-folder", "overwrite", seed_copy("in/a.xlsx"),
        [(["check", "in/a.xlsx", "--annotate", "in"], (2,), ("a.xlsx",))])

    # 7. file names that are not UTF-8 (GBK from a Windows zip)
    add("collect-gbk-file-name", "encoding", lambda d: (d / "in").mkdir() or raw_name(d / "in", GBK_NAME, SEED.read_bytes()),
        [(["collect", "in", "-o", "s.xlsx", "--csv", "s.csv"], (0,))], outputs=("s.xlsx", "s.csv"),
        post=summarised("s.xlsx", 1))
    add("check-annotate-gbk-file-name", "encoding", lambda d: (d / "in").mkdir() or raw_name(d / "in", GBK_NAME, SEED.read_bytes()),
        [(["check", "in/" + os.fsdecode(GBK_NAME), "--annotate", "notes"], (0, 1))], outputs=("notes",))
    add("check-json-gbk-file-name", "encoding", lambda d: raw_name(d, GBK_NAME, SEED.read_bytes()),
        [(["check", os.fsdecode(GBK_NAME), "--format", "json"], (0, 1))])
    add("fill-gbk-table-name", "encoding", lambda d: raw_name(d, "单位表".encode("gbk") + b".csv", SAMPLE_DEPTS()),
        [(["fill", os.fsdecode("单位表".encode("gbk") + b".csv"), "-o", "out", "--json", "r.json"], (1,))],
        outputs=("out", "r.json"))

    # 8. special files and paths
    add("fill-table-fifo", "special", fifo(CSV), [(["fill", CSV, "-o", "out"], (2,), (CSV,))], outputs=("out",))
    add("score-table-fifo", "special", fifo(CSV), [(["score", CSV], (2,), (CSV,))])
    add("score-projects-dev-zero", "special", both(files(**{CSV: SAMPLE_DEPTS}), symlink(PROJECTS, "/dev/zero")),
        [(["score", CSV, "--projects", PROJECTS], (2,), (PROJECTS,))])
    add("fill-table-dev-zero-xlsx", "special", symlink("d.xlsx", "/dev/zero"),
        [(["fill", "d.xlsx", "-o", "out"], (2,), ("d.xlsx",))], outputs=("out",))
    add("framework-fifo", "special", fifo("fw.yaml"), [(["framework", "show", "--framework", "fw.yaml"], (1, 2), ("fw.yaml",)),
                                                       (["check", str(SEED), "--framework", "fw.yaml"], (1, 2), ("fw.yaml",))])
    add("framework-dev-zero", "special", symlink("fw.yaml", "/dev/zero"),
        [(["score", str(SAMPLES / "departments.csv"), "--framework", "fw.yaml"], (1, 2), ("fw.yaml",)),
         (["template", "-o", "t.xlsx", "--framework", "fw.yaml"], (1, 2), ("fw.yaml",))], outputs=("t.xlsx",))
    add("check-fifo-and-dev-zero", "special", both(fifo("a.xlsx"), symlink("b.xlsx", "/dev/zero")),
        [(["check", "a.xlsx", "b.xlsx"], (2,), ("a.xlsx", "b.xlsx"))])
    add("collect-folder-with-fifo", "special", both(seed_copy("in/good.xlsx"), fifo("in/p.xlsx"),
                                                    symlink("in/z.xlsx", "/dev/zero")),
        [(["collect", "in", "-o", "s.xlsx"], (1,), ("p.xlsx", "z.xlsx"))], outputs=("s.xlsx",),
        post=summarised("s.xlsx", 1))
    add("fill-outdir-300-bytes", "special", files(**{CSV: SAMPLE_DEPTS}),
        [(["fill", CSV, "-o", LONG], (2,), ("很长的文件夹名",)),
         (["fill", CSV, "-o", f"out/{LONG}/x", "--json", f"{LONG}.json"], (2,), ("很长的文件夹名",))], outputs=("out",))
    add("collect-output-300-bytes", "special", seed_copy("in/a.xlsx"),
        [(["collect", "in", "-o", f"{LONG}.xlsx"], (2,), ("很长的文件夹名",)),
         (["collect", "in", "-o", f"{LONG}/s.xlsx"], (2,), ("很长的文件夹名",))])
    add("template-output-300-bytes", "special", lambda d: None,
        [(["template", "-o", f"{LONG}.xlsx"], (2,), ("很长的文件夹名",))])
    add("check-annotate-300-bytes", "special", seed_copy("a.xlsx"),
        [(["check", "a.xlsx", "--annotate", LONG], (2,), ("很长的文件夹名",))])
    add("table-is-a-folder", "special", lambda d: (d / "t.csv").mkdir(),
        [(["score", "t.csv"], (2,), ("t.csv",)), (["fill", "t.csv", "-o", "out"], (2,), ("t.csv",))], outputs=("out",))
    add("outdir-is-a-file", "special", files(**{CSV: SAMPLE_DEPTS, "out": b"a file"}),
        [(["fill", CSV, "-o", "out"], (2,), ("out",))])

    # 9. silent omissions and leftovers
    lock_like = renamed(dept_rows(), "~$城东", ".xl-eval-abc", "正常单位")
    add("unit-names-like-lock-and-temp-files", "omissions", files(**{CSV: lambda: dept_csv(lock_like)}),
        [(["fill", CSV, "-o", "out", "--force"], (0, 1)), (["collect", "out", "-o", "s.xlsx"], (0, 1))],
        outputs=("out", "s.xlsx"), post=every(all_written("out", 3), summarised("s.xlsx", 3)))
    add("stale-temp-file-of-killed-run", "omissions",
        files(**{CSV: SAMPLE_DEPTS, "out__.xl-eval-dead0001-999999-abc.tmp": b"half a workbook"}),
        [(["fill", CSV, "-o", "out"], (1,))], outputs=("out",))
    esc = renamed(dept_rows(), "城东\x1b[2J\x1b]0;pwned\x07街道", "\u202e文件\u202c名", "控制\x08字符\x7f")
    add("escape-sequences-in-unit-names", "omissions", files(**{CSV: lambda: dept_csv(esc)}),
        [(["score", CSV], (0, 1)), (["fill", CSV, "-o", "out"], (0, 1)), (["collect", "out", "-o", "s.xlsx"], (0, 1)),
         (["check", "out"], (0, 1, 2))], outputs=("out", "s.xlsx"))      # check DIR checks the folder
    rows = dept_rows()
    hdr = [{("年初预算数\x1b[31m" if k == "年初预算数" else k): v for k, v in r.items()} for r in rows]
    add("escape-sequence-in-header", "omissions", files(**{CSV: lambda: dept_csv(hdr)}),
        [(["score", CSV], (1, 2)), (["fill", CSV, "-o", "out"], (1, 2))], outputs=("out",))
    add("click-errors-in-chinese", "omissions", files(**{CSV: SAMPLE_DEPTS}),
        [(["fill", "."], (2,)), (["fill", CSV, "-o", "out", "--jobs", "0"], (2,)), (["check", "--nope"], (2,)),
         (["collect"], (2,)), (["nosuchcommand"], (2,))])
    add("collect-missing-input", "omissions", seed_copy("in/a.xlsx"),
        [(["collect", "in", "nosuch", "-o", "s.xlsx"], (1, 2), ("nosuch",))], outputs=("s.xlsx",))

    # framework files (fw2 engineer's loader): no traceback whatever the file holds
    fw = (ROOT / "xl_eval" / "framework" / "shipped" / "annex1.yaml").read_text(encoding="utf-8")
    laughs = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{','.join('*' + p for _ in range(9))}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    add("framework-alias-bomb", "framework", files(**{"fw.yaml": laughs + fw}),
        [(["framework", "lint", "fw.yaml"], (1, 2), ("fw.yaml",)),
         (["score", str(SAMPLES / "departments.csv"), "--framework", "fw.yaml"], (1, 2), ("fw.yaml",))])
    add("framework-python-tag", "framework",
        files(**{"fw.yaml": "!!python/object/apply:os.system ['touch pwned']\n"}),
        [(["framework", "show", "--framework", "fw.yaml"], (1, 2), ("fw.yaml",))],
        post=lambda d, runs: "YAML 执行了代码" if (d / "pwned").exists() else None)
    add("framework-expression-injection", "framework",
        files(**{"fw.yaml": fw.replace("numerator: ", "numerator: __import__('os').system('touch pwned') + ", 1)}),
        [(["framework", "lint", "fw.yaml"], (1, 2), ("fw.yaml",)),
         (["score", str(SAMPLES / "departments.csv"), "--framework", "fw.yaml"], (1, 2), ("fw.yaml",))],
        post=lambda d, runs: "表达式执行了代码" if (d / "pwned").exists() else None)
    add("framework-rates-scalar", "framework", files(**{"fw.yaml": re.sub(r"(?m)^rates:\n", "rates: 5\nxrates:\n", fw, 1)}),
        [(["framework", "lint", "fw.yaml"], (1, 2), ("fw.yaml",))])
    add("framework-not-utf8", "framework", files(**{"fw.yaml": fw.encode("gbk", "replace")}),
        [(["framework", "show", "--framework", "fw.yaml"], (1, 2), ("fw.yaml",))])
    add("framework-formula-title", "framework",
        files(**{CSV: SAMPLE_DEPTS, "fw.yaml": re.sub(r'(?m)^title: .*$', 'title: "=HYPERLINK(\\"http://x\\",\\"点我\\")"', fw, 1)}),
        [(["fill", CSV, "-o", "out", "--framework", "fw.yaml"], (0, 1, 2)),
         (["collect", "out", "-o", "s.xlsx", "--csv", "s.csv", "--framework", "fw.yaml"], (0, 1, 2))],
        outputs=("out", "s.xlsx", "s.csv"), post=lambda d, runs: csv_neutral("s.csv")(d, runs) if (d / "s.csv").exists() else None)

    # what already held: foreign and damaged files, XML attacks, CSV dialects, injection, names
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    check_and_collect("xxe-workbook", "held", lambda: patched(WORKBOOK, lambda x: xxe + after_prolog(x)))
    lol = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY ' + bytes([98 + i]) + b' "' + (b"&" + bytes([97 + i]) + b";") * 10 + b'">' for i in range(8)) + b"]>"
    check_and_collect("billion-laughs-sheet", "held", lambda: patched(SHEET_INPUTS, lambda x: lol + after_prolog(x)))
    check_and_collect("utf16-workbook-xml", "held",
                      lambda: patched(WORKBOOK, lambda x: ('<?xml version="1.0" encoding="UTF-16"?>'
                                                 + after_prolog(x).decode("utf-8")).encode("utf-16")))
    check_and_collect("encrypted-ooxml", "held", lambda: ole(["EncryptionInfo", "EncryptedPackage"]))
    check_and_collect("xls-renamed", "held", lambda: ole(["Workbook", "SummaryInformation"]))
    check_and_collect("ods-renamed", "held", lambda: make_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                                               "content.xml": b"<office:document-content/>"}))
    check_and_collect("docx-renamed", "held", lambda: make_zip({"word/document.xml": b"<w:document/>"}))
    check_and_collect("xlsb-renamed", "held", lambda: make_zip({"xl/workbook.bin": b"\0" * 64}))
    check_and_collect("csv-renamed", "held", lambda: SAMPLE_DEPTS())
    check_and_collect("pdf-renamed", "held", lambda: b"%PDF-1.7\n" + b"0" * 100)
    check_and_collect("empty-file", "held", lambda: b"")
    check_and_collect("truncated-zip", "held", lambda: SEED.read_bytes()[:30_000])
    check_and_collect("zip-path-traversal", "held",
                      lambda: make_zip({**seed_members(), "../../evil.xlsx": b"x", "/abs/evil": b"x"}),
                      check_exit=(0, 1, 2), collect_exit=(0, 1), post=every(summarised("s.xlsx", 2),
                                                                           no_file_outside("in", ("s.xlsx", "s.csv"))))
    check_and_collect("zip-20000-entries", "held",
                      lambda: make_zip({**seed_members(), **{f"x/{i}.xml": b"" for i in range(20_000)}}))
    check_and_collect("not-an-xl-eval-workbook", "held",
                      _plain_workbook)
    add("csv-gbk", "held", files(**{CSV: lambda: dept_csv(dept_rows(), "gbk")}),
        [(["score", CSV], (0, 1)), (["fill", CSV, "-o", "out"], (0, 1))], outputs=("out",))
    add("csv-utf16", "held", files(**{CSV: lambda: dept_csv(dept_rows(), "utf-16")}),
        [(["score", CSV], (0, 1, 2), (CSV,)), (["fill", CSV, "-o", "out"], (0, 1, 2), (CSV,))], outputs=("out",))
    add("csv-big5", "held", files(**{CSV: lambda: dept_csv(renamed(dept_rows(), "臺北單位"), "big5", errors="replace")}),
        [(["score", CSV], (0, 1, 2)), (["fill", CSV, "-o", "out"], (0, 1, 2))], outputs=("out",))
    add("csv-semicolons", "held", files(**{CSV: lambda: dept_csv(dept_rows()[:4], delimiter=";")}),
        [(["score", CSV], (0, 1, 2)), (["fill", CSV, "-o", "out"], (0, 1, 2))], outputs=("out",))
    add("csv-tabs", "held", files(**{CSV: lambda: dept_csv(dept_rows()[:4], delimiter="\t")}),
        [(["score", CSV], (0, 1, 2)), (["fill", CSV, "-o", "out"], (0, 1, 2))], outputs=("out",))
    add("csv-quoted-newlines", "held", files(**{CSV: lambda: dept_csv(renamed(dept_rows(), "城东\n街道", "城西\r\n街道"))}),
        [(["score", CSV], (0, 1)), (["fill", CSV, "-o", "out"], (0, 1)), (["collect", "out", "-o", "s.xlsx"], (0, 1))],
        outputs=("out", "s.xlsx"))
    inj = renamed(dept_rows(), '=HYPERLINK("http://evil","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1")
    add("formula-injection-unit-names", "held", files(**{CSV: lambda: dept_csv(inj)}),
        [(["fill", CSV, "-o", "out"], (0, 1)), (["collect", "out", "-o", "s.xlsx", "--csv", "s.csv"], (0, 1)),
         (["score", CSV, "--format", "json"], (0, 1))],
        outputs=("out", "s.xlsx", "s.csv"), post=every(csv_neutral("s.csv"), _no_formula_cells("s.xlsx")))
    trav = renamed(dept_rows(), "../../逃逸", "/etc/passwd", "CON", "nul.txt", "COM1")
    add("path-traversal-and-reserved-names", "held", files(**{CSV: lambda: dept_csv(trav)}),
        [(["fill", CSV, "-o", "out"], (0, 1))], outputs=("out",), post=every(no_file_outside("out", (CSV,)), all_written("out", 5)))
    add("unit-name-300-chars", "held", files(**{CSV: lambda: dept_csv(renamed(dept_rows(), "很长的单位名称" * 45))}),
        [(["fill", CSV, "-o", "out"], (0, 1))], outputs=("out",), post=all_written("out", 1))
    add("duplicate-and-case-names", "held",     # a_b repeats A_B (names compare case-insensitively): one row refused
        files(**{CSV: lambda: dept_csv(renamed(dept_rows(), "A/B", "A_B", "a_b", "A:B"))}),
        [(["fill", CSV, "-o", "out"], (1,), ("第4行",))], outputs=("out",), post=all_written("out", 3))
    add("departments-zip-bomb-xlsx", "held",
        files(**{"d.xlsx": lambda: make_zip({**_table_xlsx_members(), "xl/worksheets/sheet1.xml":
                                             _table_xlsx_members()["xl/worksheets/sheet1.xml"] + b" " * (64 << 20)})}),
        [(["score", "d.xlsx"], (2,), ("d.xlsx",))])
    add("huge-csv-row", "held", files(**{CSV: lambda: SAMPLE_DEPTS() + ("x," * 200_000).encode() + b"\r\n"}),
        [(["score", CSV], (1, 2), (CSV,))])
    return C


def _plain_workbook() -> bytes:
    from openpyxl import Workbook
    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


_TABLE: dict[str, bytes] = {}


def _table_xlsx_members() -> dict[str, bytes]:
    """samples/departments.csv as a small .xlsx (openpyxl), members by name."""
    if not _TABLE:
        from openpyxl import Workbook
        wb = Workbook()
        ws = wb.active
        with open(SAMPLES / "departments.csv", encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
            _TABLE.update({i.filename: zf.read(i) for i in zf.infolist()})
    return dict(_TABLE)


def _no_formula_cells(rel: str):
    def post(d: Path, runs) -> str | None:
        with zipfile.ZipFile(d / rel) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and b"<f>" in zf.read(name):
                    return f"{rel} 的 {name} 中有公式"
        return None
    return post


# ------------------------------------------------------------------ running

def _limits(case: Case):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        if case.fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (case.fsize, case.fsize))
        if case.as_nobody and os.getuid() == 0:
            os.setgid(65534)
            os.setuid(65534)
    return apply


def _snapshot(d: Path) -> dict[str, bytes | None]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(d)):
        for name in filenames:
            p = os.path.join(dirpath, name)
            rel = os.fsdecode(os.path.relpath(p, os.fsencode(d)))
            if os.path.islink(p) or not os.path.isfile(p):
                out[rel] = None
            else:
                with open(p, "rb") as fh:
                    out[rel] = fh.read()
    return out


def _is_output(rel: str, outputs: tuple[str, ...]) -> bool:
    return any(rel == o or rel.startswith(o.rstrip("/") + "/") for o in outputs)


def _complete(d: Path, rel: str) -> str | None:
    p = d / rel
    name = os.path.basename(rel)
    if name.startswith(".xl-eval-") and name.endswith(".tmp"):
        return f"留下了临时文件 {rel}"
    try:
        if rel.endswith(".xlsx"):
            with zipfile.ZipFile(p) as zf:
                bad = zf.testzip()
                if bad is not None:
                    return f"{rel} 不完整（{bad} 损坏）"
        elif rel.endswith(".json"):
            json.loads(p.read_bytes().decode("utf-8"))
        elif rel.endswith(".csv"):
            list(csv.reader(io.StringIO(p.read_bytes().decode("utf-8-sig"))))
    except Exception as exc:                   # noqa: BLE001 - any failure means incomplete
        return f"{rel} 不完整（{type(exc).__name__}: {exc}）"
    return None


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def run_case(case: Case, root: Path) -> Outcome:
    d = root / case.id
    d.mkdir(parents=True)
    res = Outcome(case)
    try:
        case.build(d)
    except Exception as exc:                   # noqa: BLE001 - a broken case is a failure, not a crash
        res.problems.append(f"无法构造用例：{type(exc).__name__}: {exc}")
        return res
    if case.as_nobody:
        os.chmod(d, 0o777)
    before = _snapshot(d)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "100"}
    env.pop("XL_EVAL_DEBUG", None)
    for step in case.steps:
        argv = [sys.executable, "-m", "xl_eval.cli", *step.argv]
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, cwd=d, env=env, capture_output=True, timeout=TIMEOUT,
                               preexec_fn=_limits(case), input=step.stdin)
        except subprocess.TimeoutExpired:
            res.problems.append(f"{step.argv}: 超过 {TIMEOUT:.0f} 秒未结束")
            res.runs.append((step.argv, -1, "", "", TIMEOUT))
            continue
        dt = time.monotonic() - t0
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        res.runs.append((step.argv, p.returncode, out, err, dt))
        both_ = out + err
        where = f"{' '.join(step.argv)[:120]}"
        if "Traceback" in both_:
            res.problems.append(f"{where}: 报错堆栈：{err[-600:]}")
        if "内部错误" in both_:
            res.problems.append(f"{where}: 内部错误：{both_[-600:]}")
        if p.returncode not in step.exit:
            res.problems.append(f"{where}: 退出码 {p.returncode}，应为 {step.exit}：{err[-400:]}")
        for name in step.names:
            if name not in both_:
                res.problems.append(f"{where}: 输出中没有提到 {name}：{err[-300:]}")
        if p.returncode != 0 and not re.search("[\u4e00-\u9fff]", both_):
            res.problems.append(f"{where}: 没有中文说明：{err[-300:]}")
        if _CONTROL.search(both_.replace("\r\x1b[?25l", "").replace("\x1b[?25h", "")):
            res.problems.append(f"{where}: 终端输出含原始控制字符：{_CONTROL.search(both_)!r}")
        for english in ("Usage:", "Error:", "Try '"):
            if english in err:
                res.problems.append(f"{where}: 英文错误：{err[-300:]}")
    after = _snapshot(d)
    for rel, data in before.items():
        if not _is_output(rel, case.outputs) and after.get(rel, b"<gone>") != data:
            res.problems.append(f"输入文件 {rel} 被改动或删除")
    for rel in after:
        if rel not in before or after[rel] != before.get(rel):
            if not _is_output(rel, case.outputs):
                res.problems.append(f"写出了不该写的文件 {rel}")
            problem = _complete(d, rel)
            if problem:
                res.problems.append(problem)
    if case.post is not None and not res.problems:
        try:
            problem = case.post(d, res.runs)
        except Exception as exc:               # noqa: BLE001
            problem = f"检查结果时出错：{type(exc).__name__}: {exc}"
        if problem:
            res.problems.append(problem)
    return res


def run_all(selected: list[Case], root: Path, jobs: int = 2) -> list[Outcome]:
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(lambda c: run_case(c, root), selected))


def main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="build and keep the cases in this folder")
    ap.add_argument("-k", default="", help="only cases whose id contains this")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    selected = [c for c in cases() if args.k in c.id]
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xl-eval-hostile-"))
    t0 = time.monotonic()
    outcomes = run_all(selected, root, args.jobs)
    bad = 0
    for o in outcomes:
        state = "ok" if o.ok else ("pending" if o.case.pending else "FAIL")
        bad += not o.ok and not o.case.pending
        took = sum(r[4] for r in o.runs)
        print(f"{state:7} {took:5.1f}s {o.case.cls:12} {o.case.id}")
        for p in o.problems:
            print(f"        {p}")
    print(f"{len(outcomes)} cases, {bad} failed, {time.monotonic() - t0:.0f} s; files in {root}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

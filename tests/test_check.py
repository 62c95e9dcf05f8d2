"""`xl-eval check`: a clean workbook passes; every finding code is produced
by exactly one kind of mutation, at the cell where the mutation was made.

The clean workbook is the seed department's (tools/make_seed_sample.py: the
seed's inputs, Table 7 projects and Annex 1 texts) with the two sentences
that name 2023 in a 2024 evaluation corrected to 2024.  Mutations are made
on the saved package's XML, so one workbook build serves every case.
Expected findings are written by hand: (code, sheet, cell).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from xl_eval.forms.scoresheet import layout as L
from xl_eval.check.workbook import check_file
from xl_eval.cli import main
from xl_eval.check.findings import CODES, Finding
from xl_eval.xlsx.reader import open_workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "seed_filled.xlsx"


def _load_tool():
    spec = importlib.util.spec_from_file_location("make_seed_sample", ROOT / "tools" / "make_seed_sample.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------- xlsx patching

class Package:
    """An .xlsx held as {member: bytes}, with small XML-level edits."""

    def __init__(self, data: bytes):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            self.order = [i.filename for i in zf.infolist()]
            self.parts = {name: zf.read(name) for name in self.order}
        self.data = data

    def copy(self) -> "Package":
        return Package(self.bytes())

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in self.order:
                zf.writestr(name, self.parts[name])
        return buf.getvalue()

    def sheet_part(self, sheet: str) -> str:
        wb_xml = self.parts["xl/workbook.xml"].decode()
        rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', wb_xml).group(1)
        rels = self.parts["xl/_rels/workbook.xml.rels"].decode()
        target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
            re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
        t = target.group(1)
        return t.lstrip("/") if t.startswith("/") else "xl/" + t

    def set_cell(self, sheet: str, ref: str, *, value=None, formula=None, cached=None, kind=None) -> None:
        """Replace one cell: a constant (value), or a formula with an optional cached value.
        kind: None (number/blank), "str" (text), "e" (error)."""
        part = self.sheet_part(sheet)
        xml = self.parts[part].decode()
        pat = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)
        m = pat.search(xml)
        assert m, f"{sheet}!{ref} not in the sheet XML"
        style = re.search(r'\ss="\d+"', m.group("attrs") or "")
        s = style.group(0) if style else ""
        if formula is not None:
            t = {"str": ' t="str"', "e": ' t="e"'}.get(kind, "")
            v = "" if cached is None else f"<v>{escape(str(cached))}</v>"
            new = f'<c r="{ref}"{s}{t}><f>{escape(formula)}</f>{v}</c>'
        elif value is None:
            new = f'<c r="{ref}"{s}/>'
        elif isinstance(value, str):
            new = f'<c r="{ref}"{s} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        else:
            new = f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        self.parts[part] = (xml[:m.start()] + new + xml[m.end():]).encode()

    def formula(self, sheet: str, ref: str) -> str:
        xml = self.parts[self.sheet_part(sheet)].decode()
        m = re.search(rf'<c r="{ref}"[^>]*>\s*<f>(.*?)</f>', xml, re.S)
        return m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")

    def edit(self, part: str, old: str, new: str) -> None:
        text = self.parts[part].decode()
        assert old in text, f"{old!r} not in {part}"
        self.parts[part] = text.replace(old, new, 1).encode()

    def sub(self, part: str, pattern: str, new: str) -> None:
        text = self.parts[part].decode()
        text, n = re.subn(pattern, new, text, count=1, flags=re.S)
        assert n == 1, f"{pattern!r} not in {part}"
        self.parts[part] = text.encode()


# ----------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def lay(fw):
    return L.layout(fw)


@pytest.fixture(scope="session")
def clean_bytes(tmp_path_factory, fw, lay) -> bytes:
    """The seed workbook with its two wrong-year sentences corrected and its two blank
    完成情况 written (the figures Annex 1 gives in the 扣分原因 next to them)."""
    out = tmp_path_factory.mktemp("clean") / "seed.xlsx"
    _load_tool().build(out)
    pkg = Package(out.read_bytes())
    for leaf, old, new in (("three_public_control", "2023年“三公”", "2024年“三公”"),
                           ("asset_safety", "截至2023年12月31日", "截至2024年12月31日")):
        ref = lay.notes[L.findings_name(leaf)].ref
        part = pkg.sheet_part(ref.sheet)
        pkg.edit(part, old, new)
    for leaf, text in (("budget_norms", "项目库管理、新增项目事前绩效评估两项未在预算公开说明中找到。"),
                       ("budget_adjustment", "年初支出预算数为3592.06万元，调整预算数为4184.69万元，调整率为16.5%。")):
        pkg.set_cell(*at(lay, L.findings_name(leaf)), value=text)
    return pkg.bytes()


@pytest.fixture
def clean(clean_bytes) -> Package:
    return Package(clean_bytes)


def found(path, fw) -> list[tuple[str, str, str]]:
    return [(f.code, f.sheet, f.cell) for f in check_file(path, fw).findings]


def at(lay, name: str) -> tuple[str, str]:
    """Where the template puts a named cell (from layout, not from the checker)."""
    for group in (lay.inputs, lay.notes, lay.computed):
        if name in group:
            ref = group[name].ref
            return ref.sheet, ref.coord
    for m in lay.meta:
        if m.name == name:
            return m.ref.sheet, m.ref.coord
    raise KeyError(name)


# ------------------------------------------------------------- clean files

def test_clean_workbook_has_no_findings(tmp_path, clean, fw):
    path = tmp_path / "clean.xlsx"
    path.write_bytes(clean.bytes())
    assert found(path, fw) == []


SEED_FINDINGS = [
    # Annex 1 leaves 完成情况 blank for 预算编制规范性 and 预算调整率 (the figures are in the 扣分原因)
    ("XE506", "findings_budget_norms"),
    ("XE506", "findings_budget_adjustment"),
    # and says “2023年“三公”经费预算安排” and “截至2023年12月31日” in a 2024 evaluation
    ("XE504", "findings_three_public_control"),
    ("XE504", "findings_asset_safety"),
]


def test_seed_sample_reports_its_wrong_years(fw, lay):
    """Nothing else in the seed's table is inconsistent."""
    assert found(SAMPLE, fw) == [(code, *at(lay, name)) for code, name in SEED_FINDINGS]


def test_sample_is_reproducible(tmp_path):
    out = _load_tool().build(tmp_path / "again.xlsx")
    assert out.read_bytes() == SAMPLE.read_bytes()


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, clean_bytes, soffice):
    """The clean workbook and the sample after one LibreOffice recalculation+save."""
    from xl_eval.xlsx.libreoffice import recalculate
    src = tmp_path_factory.mktemp("lo_in")
    (src / "clean.xlsx").write_bytes(clean_bytes)
    (src / "sample.xlsx").write_bytes(SAMPLE.read_bytes())
    text_input = Package(clean_bytes)
    text_input.set_cell("基础数据", "B8", value="3592.06万元")
    (src / "text_input.xlsx").write_bytes(text_input.bytes())
    typed_over = Package(clean_bytes)
    typed_over.set_cell("打分表", "G12", value=3.0)         # 管理制度健全性 6 typed over as 3, then recalculated
    (src / "typed_over.xlsx").write_bytes(typed_over.bytes())
    out = recalculate([src / "clean.xlsx", src / "sample.xlsx", src / "text_input.xlsx", src / "typed_over.xlsx"],
                      tmp_path_factory.mktemp("lo_out"), soffice=soffice)
    return {p.stem: q for p, q in out.items()}


@pytest.mark.libreoffice
def test_clean_workbook_after_libreoffice_has_no_findings(recalculated, fw):
    path = recalculated["clean"]
    wb = open_workbook(path)
    cells = wb.read({"打分表": {"G24"}, "汇总": {"C7"}})
    wb.close()
    assert cells["打分表"]["G24"].value == "优"          # it really has cached values
    assert cells["汇总"]["C7"].value == pytest.approx(95.4)
    assert found(path, fw) == []


@pytest.mark.libreoffice
def test_sample_after_libreoffice_same_findings(recalculated, fw, lay):
    assert found(recalculated["sample"], fw) == [(code, *at(lay, name)) for code, name in SEED_FINDINGS]


@pytest.mark.libreoffice
def test_bad_input_is_reported_once_after_libreoffice(recalculated, fw):
    """LibreOffice shows #VALUE! in every cell behind a text input; the finding is the input."""
    wb = open_workbook(recalculated["text_input"])
    cells = wb.read({"打分表": {"G5"}})
    wb.close()
    assert cells["打分表"]["G5"].value == "#VALUE!"
    assert found(recalculated["text_input"], fw) == [("XE202", "基础数据", "B8")]


@pytest.mark.libreoffice
def test_one_root_cause_with_its_consequences_folded(recalculated, fw, lay, capsys):
    """A score typed over and recalculated: its 得分率, the 二级/一级 subtotals and rate,
    the total and its rate on both sheets follow; one root finding, 8 under it."""
    findings = check_file(recalculated["typed_over"], fw).findings
    root = [f for f in findings if not f.caused_by and f.severity == "error"]
    assert [(f.code, f.sheet, f.cell) for f in root] == [("XE301", "打分表", "G12")]
    assert root[0].message.startswith("应为 6.00，现在是数值 3")       # the value, not a formula
    following = {f.name for f in findings if f.caused_by == "打分表!G12"}
    assert following == {"scorerate_mgmt_system", "sub2_management", "subtotal_process", "subtotalrate_process",
                         "total_score", "total_rate", "summary_total_score", "summary_total_rate"}
    rc, out, _ = run(capsys, recalculated["typed_over"])
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if ": XE301 [error] " in line)
    assert all(line.startswith("    └ 由此引起：") for line in lines[i + 1:i + 9])
    assert lines[-1] == "共检查 1 个文件：错误 1 个，警告 0 个；无法检查的文件 0 个。（另有 8 个问题由上面的问题引起，缩进列在其下）"
    assert rc == 1


@pytest.mark.libreoffice
def test_stale_cached_score_after_libreoffice(recalculated, fw, lay, tmp_path):
    """An input changed after the last calculation (cached scores stale)."""
    pkg = Package(recalculated["clean"].read_bytes())
    sheet, ref = at(lay, "gp_nonconforming")
    pkg.set_cell(sheet, ref, value=2)        # 2 × 0.5 = 1 point off 政府采购工作完成率
    path = tmp_path / "stale.xlsx"
    path.write_bytes(pkg.bytes())
    got = set(found(path, fw))
    assert ("XE401", *at(lay, "score_procurement")) in got
    assert ("XE402", *at(lay, "part_procurement_conforming")) in got
    assert ("XE405", *at(lay, "total_score")) in got
    assert ("XE501", *at(lay, "reason_procurement")) in got


# ------------------------------------------------------------ mutations

def _ole(names: list[str]) -> bytes:
    """A minimal OLE2 compound file whose directory holds `names` (after Root Entry)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)               # FAT sectors
    struct.pack_into("<I", header, 48, 1)               # first directory sector
    struct.pack_into("<I", header, 56, 4096)
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)
    struct.pack_into("<I", header, 76, 0)               # DIFAT[0]: FAT in sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)
    directory = bytearray()
    for i, name in enumerate(["Root Entry", *names][:4]):
        entry = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        entry[0:len(raw)] = raw
        struct.pack_into("<H", entry, 64, len(raw))
        entry[66] = 5 if i == 0 else 2
        directory += entry
    directory += bytes(512 - len(directory))
    return bytes(header) + bytes(fat) + bytes(directory)


def _bomb(pkg: Package, part: str) -> bytes:
    pkg.parts[part] = pkg.parts[part] + b" " * (40 << 20)
    return pkg.bytes()


def _billion_laughs(pkg: Package) -> bytes:
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
           + ']>')
    wb = pkg.parts["xl/workbook.xml"].decode()
    wb = wb.replace("<definedNames>", '<definedNames><definedName name="boom">&amp;lol9;</definedName>', 1)
    pkg.parts["xl/workbook.xml"] = (lol + wb).encode().replace(b"&amp;lol9;", b"&lol9;")
    return pkg.bytes()


def _plain_xlsx() -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    wb.active["A1"] = "不是打分表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _no_workbook_part() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return buf.getvalue()


def _meta(pkg, lay, name, value):
    pkg.set_cell(*at(lay, name), value=value)


def _cached(pkg, lay, name, cached, kind=None):
    sheet, ref = at(lay, name)
    pkg.set_cell(sheet, ref, formula=pkg.formula(sheet, ref), cached=cached, kind=kind)


def _input(pkg, lay, name, value):
    pkg.set_cell(*at(lay, name), value=value)


def _note(pkg, lay, name, value):
    pkg.set_cell(*at(lay, name), value=value)


def _project(pkg, lay, row: int, **cols):
    """Set cells of 项目明细 body row `row` (1 = first project)."""
    for key, value in cols.items():
        first = lay.project_inputs[f"projects_{key}"][0]
        pkg.set_cell(first.sheet, f"{L.col_letter(first.col)}{first.row + row - 1}", value=value)


def _weight_cell(lay, leaf: str) -> tuple[str, str]:
    ref = lay.score.weights[leaf].ref
    return ref.sheet, ref.coord


def _param_weight(pkg, lay, leaf, value):
    pkg.set_cell(*_weight_cell(lay, leaf), value=value)


def _final_far(pkg, lay):
    """决算数 1000 of a 4184.69 budget, and the texts quoting it changed to match."""
    _input(pkg, lay, "final_accounts", 1000.0)
    quoted = [part for part, data in pkg.parts.items() if "决算数为4184.69万元".encode() in data]
    assert quoted
    for part in quoted:
        pkg.parts[part] = pkg.parts[part].replace("决算数为4184.69万元".encode(), "决算数为1000万元".encode())


def _drop_name(pkg, name):
    pkg.sub("xl/workbook.xml", rf'<definedName name="{name}"[^>]*>[^<]*</definedName>', "")


def _move_name(pkg, lay, name, new_ref, value):
    sheet, _ = at(lay, name)
    pkg.set_cell(sheet, new_ref, value=value)
    col, row = re.match(r"([A-Z]+)(\d+)", new_ref).groups()
    pkg.sub("xl/workbook.xml", rf'(<definedName name="{name}"[^>]*>)[^<]*(</definedName>)',
            rf"\g<1>'{sheet}'!${col}${row}\g<2>")


def _drop_sheet(pkg, sheet):
    pkg.sub("xl/workbook.xml", rf'<sheet name="{sheet}"[^>]*/>', "")


def _reason_deduction(pkg, lay):
    _note(pkg, lay, "reason_budget_norms", "项目库管理、新增项目事前绩效评估两项不符合要求，因此扣一分。")


# (id, mutation(pkg, lay) -> bytes | None (None: use pkg), expected (code, sheet, cell) or "path" kinds)
FILE = ("", "")
MUTATIONS = [
    # XE1xx: the file
    ("XE101", "missing", lambda p, lay: None, FILE),
    ("XE102", "directory", lambda p, lay: None, FILE),
    ("XE103", "empty", lambda p, lay: b"", FILE),
    ("XE104", "csv", lambda p, lay: "单位名称,年初预算数\n甲,3592.06\n".encode("utf-8"), FILE),
    ("XE105", "xls", lambda p, lay: _ole(["Workbook", "\x05SummaryInformation"]), FILE),
    ("XE106", "encrypted", lambda p, lay: _ole(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]), FILE),
    ("XE107", "truncated", lambda p, lay: p.bytes()[: len(p.bytes()) // 2], FILE),
    ("XE108", "zip bomb", lambda p, lay: _bomb(p, p.sheet_part("打分表")), FILE),
    ("XE109", "entity expansion", lambda p, lay: _billion_laughs(p), FILE),
    ("XE110", "zip without workbook", lambda p, lay: _no_workbook_part(), FILE),
    ("XE111", "plain xlsx", lambda p, lay: _plain_xlsx(), FILE),
    ("XE112", "other framework", lambda p, lay: _meta(p, lay, "xe_framework_id", "other-framework"),
     ("xl_eval", "B3")),
    ("XE113", "other version", lambda p, lay: _meta(p, lay, "xe_framework_version", "0.9.0"), ("xl_eval", "B4")),
    ("XE114", "other fingerprint", lambda p, lay: _meta(p, lay, "xe_framework_hash", "0000000000000000"),
     ("xl_eval", "B5")),
    ("XE115", "sheet deleted", lambda p, lay: _drop_sheet(p, "汇总"), ("汇总", "")),
    ("XE116", "name deleted", lambda p, lay: _drop_name(p, "score_budget_norms"), ("打分表", "G8")),
    ("XE117", "newer template", lambda p, lay: _meta(p, lay, "xe_template_format", "xl-eval-template/9"),
     ("xl_eval", "B2")),
    ("XE118", "name moved", lambda p, lay: _move_name(p, lay, "budget_initial", "F8", 3592.06), ("基础数据", "F8")),
    # XE2xx: inputs
    ("XE201", "required blank", lambda p, lay: _input(p, lay, "budget_initial", None), ("基础数据", "B8")),
    ("XE202", "万元 as text", lambda p, lay: _input(p, lay, "budget_initial", "3592.06万元"), ("基础数据", "B8")),
    ("XE202", "number as text", lambda p, lay: _input(p, lay, "budget_full", "4184.69"), ("基础数据", "B9")),
    ("XE202", "full-width", lambda p, lay: _input(p, lay, "budget_initial", "３５９２"), ("基础数据", "B8")),
    ("XE202", "Chinese numeral", lambda p, lay: _input(p, lay, "three_public_budget", "三"), ("基础数据", "B13")),
    ("XE203", "not a number", lambda p, lay: _input(p, lay, "budget_initial", "三千五"), ("基础数据", "B8")),
    ("XE204", "negative", lambda p, lay: _input(p, lay, "carryover", -1.0), ("基础数据", "B12")),
    ("XE205", "fractional count", lambda p, lay: _input(p, lay, "gp_nonconforming", 1.5), ("基础数据", "B22")),
    ("XE206", "above max", lambda p, lay: _input(p, lay, "industry_score", 7.0), ("基础数据", "B50")),
    ("XE207", "not an option", lambda p, lay: _input(p, lay, "budget_disclosure", "已公开"), ("基础数据", "B26")),
    ("XE207", "yes/no", lambda p, lay: _input(p, lay, "demo_work", "有"), ("基础数据", "B49")),
    ("XE208", "gp completed > planned", lambda p, lay: _input(p, lay, "gp_completed", 25), ("基础数据", "B21")),
    ("XE209", "amount in yuan", lambda p, lay: _input(p, lay, "final_accounts", 41846900.0), ("基础数据", "B10")),
    ("XE210", "final far from budget", lambda p, lay: _final_far(p, lay), ("基础数据", "B10")),
    # XE3xx: formulas
    ("XE301", "typed over", lambda p, lay: p.set_cell(*at(lay, "score_mgmt_system"), value=6.0), ("打分表", "G12")),
    ("XE302", "altered", lambda p, lay: p.set_cell(
        *at(lay, "scorerate_mgmt_system"), formula=p.formula(*at(lay, "scorerate_mgmt_system")).replace(",4)", ",2)")),
     ("打分表", "H12")),
    ("XE303", "error shown", lambda p, lay: _cached(p, lay, "rate_adjustment_rate", "#DIV/0!", "e"),
     ("基础数据", "B55")),
    ("XE304", "weight changed", lambda p, lay: _param_weight(p, lay, "mgmt_system", 7), ("打分表", "D12")),
    # XE4xx: cached values
    ("XE401", "leaf", lambda p, lay: _cached(p, lay, "score_fin_compliance", 4), ("打分表", "G5")),
    ("XE402", "sub-item", lambda p, lay: _cached(p, lay, "part_fin_compliance_adjustment", 3), None),
    ("XE403", "score rate", lambda p, lay: _cached(p, lay, "scorerate_fin_compliance", 0.9), ("打分表", "H5")),
    ("XE404", "level-2", lambda p, lay: _cached(p, lay, "sub2_procedure", 9), None),
    ("XE404", "level-1", lambda p, lay: _cached(p, lay, "subtotal_decision", 17.5), None),
    ("XE405", "total", lambda p, lay: _cached(p, lay, "total_score", 95.0), ("打分表", "G23")),
    ("XE406", "grade", lambda p, lay: _cached(p, lay, "grade", "良", "str"), ("打分表", "G24")),
    ("XE407", "above weight", lambda p, lay: _cached(p, lay, "score_fin_compliance", 6), ("打分表", "G5")),
    ("XE408", "rate", lambda p, lay: _cached(p, lay, "rate_adjustment_rate", 0.185), ("基础数据", "B55")),
    # XE5xx: narrative
    ("XE501", "reason missing", lambda p, lay: _note(p, lay, "reason_budget_norms", None), ("打分表", "J8")),
    ("XE501", "reason a dash", lambda p, lay: _note(p, lay, "reason_budget_adjustment", "-"), ("打分表", "J9")),
    ("XE502", "rate in text", lambda p, lay: _note(p, lay, "reason_budget_adjustment",
                                                   "年初预算数为3592.06万元，全年预算数为4184.69万元，调整率18.5%。"),
     ("打分表", "J9")),
    ("XE503", "amount in text", lambda p, lay: _note(p, lay, "findings_carryover_control",
                                                     "决算表显示，全年预算金额为4000.00万元，结转结余金额为0万元。"),
     ("打分表", "I10")),
    ("XE504", "year in text", lambda p, lay: _note(p, lay, "findings_three_public_control",
                                                   "2023年“三公”经费预算安排3万元，支出金额为2.72万元。"),
     ("打分表", "I11")),
    ("XE505", "deduction in reason", lambda p, lay: _reason_deduction(p, lay), ("打分表", "J8")),
    ("XE506", "findings blank", lambda p, lay: _note(p, lay, "findings_carryover_control", None), ("打分表", "I10")),
    # XE6xx: project list
    ("XE601", "list longer than count", lambda p, lay: _project(p, lay, 29, name="新增项目", budget=1.0, final=1.0,
                                                                 done="否"), ("基础数据", "B18")),
    ("XE602", "final above budget", lambda p, lay: _project(p, lay, 1, final=50.0), ("项目明细", "D5")),
    ("XE603", "row without name", lambda p, lay: _project(p, lay, 29, budget=10.0), ("项目明细", "B33")),
    ("XE604", "amount as text", lambda p, lay: _project(p, lay, 1, budget="47.42万元"), ("项目明细", "C5")),
    ("XE605", "bad status", lambda p, lay: _project(p, lay, 1, done="完成"), ("项目明细", "F5")),
    ("XE606", "projects above budget", lambda p, lay: _project(p, lay, 1, budget=4000.0), ("项目明细", "C4")),
]


@pytest.mark.parametrize("code,what,mutate,where", MUTATIONS, ids=[f"{m[0]}-{m[1]}" for m in MUTATIONS])
def test_mutation_yields_exactly_that_code(tmp_path, clean, lay, fw, code, what, mutate, where):
    path = tmp_path / "mutated.xlsx"
    data = mutate(clean, lay)
    if what == "missing":
        pass
    elif what == "directory":
        path.mkdir()
    else:
        path.write_bytes(data if data is not None else clean.bytes())
    if where is None:   # cells found through layout (summary sheet rows depend on the tree)
        name = {"sub-item": "part_fin_compliance_adjustment", "level-2": "sub2_procedure",
                "level-1": "subtotal_decision"}[what]
        where = at(lay, name)
    assert found(path, fw) == [(code, *where)]


def test_formula_typed_over_says_what_it_should_show(tmp_path, clean, lay, fw):
    clean.set_cell(*at(lay, "rate_adjustment_rate"), value=0.2)
    clean.set_cell(*at(lay, "grade"), value="良")
    path = _write(tmp_path / "typed.xlsx", clean.bytes())
    messages = {f.name: f.message for f in check_file(path, fw).findings}
    # (4184.69 − 3592.06) / 3592.06 = 16.50%; 95.4 is 优
    assert messages["rate_adjustment_rate"].startswith("应为 16.50%，现在是数值 0.2")
    assert messages["grade"].startswith("应为 “优”，现在是“良”")
    assert "IF(" not in messages["rate_adjustment_rate"]


def test_several_deductions_in_one_reason(tmp_path, clean, lay, fw):
    # 预算编制规范性 loses 2 (5 − 3); the text quotes 1 and 3
    _note(clean, lay, "reason_budget_norms", "项目库管理不符合要求，扣1分；新增项目事前绩效评估未开展，扣3分。")
    path = _write(tmp_path / "two.xlsx", clean.bytes())
    (f,) = check_file(path, fw).findings
    assert f.code == "XE505"
    assert f.message == "扣分原因写“扣1分”“扣3分”，合计扣 4 分，实际扣 2 分（权重 5 − 得分 3）"


def test_every_code_has_a_mutation():
    # XE211 (a value in no band) needs a framework with a band gap: tests/test_validity.py;
    # XE7xx are the foreign-table codes: tests/test_foreign.py proves those;
    # XE8xx (项目支出绩效自评表) have their own mutation table: tests/test_selfeval_check.py
    # XE212 (open weights / rows' points that do not add up) needs such a framework: tests/test_template_shape.py
    assert {m[0] for m in MUTATIONS} | {"XE211", "XE212"} == {c for c in CODES if not c.startswith(("XE7", "XE8"))}


def test_fixed_positions_match_the_template(lay):
    """The hand-written cells above are where layout puts these names."""
    assert at(lay, "budget_initial") == ("基础数据", "B8")
    assert at(lay, "score_fin_compliance") == ("打分表", "G5")
    assert at(lay, "rate_adjustment_rate") == ("基础数据", "B55")
    assert at(lay, "xe_framework_id") == ("xl_eval", "B3")
    assert _weight_cell(lay, "mgmt_system") == ("打分表", "D12")
    assert lay.project_inputs["projects_name"][0].coord == "B5"


def test_findings_compare_on_code_and_place_only():
    a = Finding("XE201", "error", "基础数据", "B8", "一", "budget_initial")
    b = Finding("XE201", "warning", "基础数据", "B8", "二")
    assert a == b and hash(a) == hash(b)


def test_messages_in_english(tmp_path, clean, lay, fw):
    _input(clean, lay, "budget_initial", "3592.06万元")
    path = tmp_path / "en.xlsx"
    path.write_bytes(clean.bytes())
    (zh,) = check_file(path, fw).findings
    (en,) = check_file(path, fw, lang="en").findings
    assert "可能是 3592.06" in zh.message
    assert en.message.startswith("“年初预算数” holds the text “3592.06万元”, not a number")
    assert "probably 3592.06" in en.message


def test_large_sheet_is_streamed(tmp_path, clean, fw, monkeypatch):
    """Parts above the in-memory limit go through the streaming parser with the same result."""
    import xl_eval.xlsx.reader as R
    monkeypatch.setattr(R, "LIMITS", R.Limits(in_memory=0))
    _note(clean, L.layout(fw), "reason_budget_norms", None)
    path = tmp_path / "streamed.xlsx"
    path.write_bytes(clean.bytes())
    wb = R.open_workbook(path, R.Limits(in_memory=0))
    wb.close()
    assert found(path, fw) == [("XE501", "打分表", "J8")]


def test_shared_formula_followers_are_shifted():
    from xl_eval.xlsx.reader import shift_formula
    assert shift_formula('IF(OR(C5="",D5=""),"",ROUND(D5/C5,4))', 2, 0) == 'IF(OR(C7="",D7=""),"",ROUND(D7/C7,4))'
    assert shift_formula("SUM($A$1,A1,'x y'!B2)", 1, 1) == "SUM($A$1,B2,'x y'!C3)"
    assert shift_formula('"A1"&A1', 1, 0) == '"A1"&A2'


# ------------------------------------------------------------------ the CLI

def run(capsys, *args) -> tuple[int, str, str]:
    rc = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


BAD_FILES = {
    "XE101": (lambda d, c: d / "nope.xlsx", "文件不存在"),
    "XE102": (lambda d, c: _mkdir(d / "folder.xlsx"), "文件夹"),
    "XE103": (lambda d, c: _write(d / "empty.xlsx", b""), "空"),
    "XE104": (lambda d, c: _write(d / "table.xlsx", "单位名称,年初预算数\n".encode()), "不是 xlsx"),
    "XE105": (lambda d, c: _write(d / "old.xls", _ole(["Workbook"])), ".xls"),
    "XE106": (lambda d, c: _write(d / "locked.xlsx", _ole(["EncryptionInfo", "EncryptedPackage"])), "密码"),
    "XE107": (lambda d, c: _write(d / "cut.xlsx", c.bytes()[:20000]), "损坏或不完整"),
    "XE108": (lambda d, c: _write(d / "bomb.xlsx", _bomb(c.copy(), c.sheet_part("打分表"))), "压缩炸弹"),
    "XE109": (lambda d, c: _write(d / "lol.xlsx", _billion_laughs(c.copy())), "实体"),
    # a workbook xl-eval did not make goes to the foreign reader (XE111 from check_file):
    # without a score table in it, that is one fatal line too
    "XE701": (lambda d, c: _write(d / "plain.xlsx", _plain_xlsx()), "没有找到打分表"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


@pytest.mark.parametrize("code", list(BAD_FILES))
def test_bad_file_one_line_and_the_good_file_still_checked(tmp_path, capsys, clean, code):
    make, words = BAD_FILES[code]
    bad = make(tmp_path, clean)
    rc, out, err = run(capsys, bad, SAMPLE)
    lines = out.splitlines()
    bad_lines = [line for line in lines if line.startswith(f"{bad}:")]
    assert len(bad_lines) == 1
    assert bad_lines[0].startswith(f"{bad}: {code} [fatal] ") and words in bad_lines[0]
    assert sum(line.startswith(f"{SAMPLE}:打分表!") and " XE504 [warning] " in line for line in lines) == 2
    assert lines[-1] == "共检查 2 个文件：错误 0 个，警告 4 个；无法检查的文件 1 个。"
    assert rc == 2


def test_hostile_files_are_refused_fast_in_bounded_memory(tmp_path, clean):
    """A 40 MiB zip bomb and a billion-laughs workbook.xml are refused before inflating/expanding."""
    import time
    import tracemalloc
    bomb = _write(tmp_path / "bomb.xlsx", _bomb(clean.copy(), clean.sheet_part("打分表")))
    lol = _write(tmp_path / "lol.xlsx", _billion_laughs(clean.copy()))
    from xl_eval.framework.model import load
    fw = load()
    tracemalloc.start()
    t = time.perf_counter()
    codes = [f.code for p in (bomb, lol) for f in check_file(p, fw).findings]
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert codes == ["XE108", "XE109"]
    # The bound that matters is memory; the time bound only catches a hang.
    assert peak < 8 << 20 and elapsed < 30


def test_exit_codes(tmp_path, capsys, clean, lay):
    assert run(capsys, SAMPLE)[0] == 0                       # warnings only
    assert run(capsys, "--strict", SAMPLE)[0] == 1
    _input(clean, lay, "carryover", -1.0)
    bad = _write(tmp_path / "neg.xlsx", clean.bytes())
    rc, out, _ = run(capsys, bad)
    assert rc == 1 and f"{bad}:基础数据!B12: XE204 [error] " in out
    assert run(capsys)[0] == 2                                # no file given
    assert run(capsys, "--format", "xml", SAMPLE)[0] == 2     # bad argument


def test_json_equals_the_library_result(capsys, fw, tmp_path, clean):
    bad = _write(tmp_path / "empty.xlsx", b"")
    rc, out, _ = run(capsys, "--format", "json", SAMPLE, bad)
    records = json.loads(out)
    expected = check_file(str(SAMPLE), fw).records() + check_file(str(bad), fw).records()
    assert records == expected
    assert {r["code"] for r in records} == {"XE504", "XE506", "XE103"}
    assert set(records[0]) == {"file", "code", "severity", "sheet", "cell", "message", "name", "caused_by"}
    assert rc == 2


def test_list_codes(capsys):
    rc, out, _ = run(capsys, "--list-codes")
    assert rc == 0
    assert out.splitlines()[0] == "XE101 [fatal] 文件不存在"
    assert len(out.splitlines()) == len(CODES)


def test_annotate_writes_a_commented_copy_and_leaves_the_input(tmp_path, capsys, lay):
    from openpyxl import load_workbook
    before = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    out_dir = tmp_path / "annotated"
    rc, out, err = run(capsys, "--annotate", out_dir, SAMPLE)
    assert rc == 0
    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() == before
    copy = out_dir / SAMPLE.name
    wb = load_workbook(copy)
    sheet, ref = at(lay, "findings_three_public_control")
    cell = wb[sheet][ref]
    assert cell.comment is not None and cell.comment.text.startswith("XE504 [warning] ")
    assert cell.fill.fgColor.rgb.endswith("9DC3E6")         # warnings blue, visible on the yellow inputs
    assert cell.border.left.color.rgb.endswith("1F4E79")
    assert wb["打分表"]["G5"].value.startswith("=")          # formulas kept
    assert str(copy) in err
    # the list of findings comes first, each row linking to its cell
    listing = wb.worksheets[0]
    assert listing.title == "问题清单"
    rows = list(listing.iter_rows(values_only=True))
    assert rows[0] == ("序号", "文件", "位置", "代码", "级别", "说明", "由哪处问题引起")
    assert [(r[2], r[3], r[4]) for r in rows[1:]] == [
        ("打分表!I8", "XE506", "警告"), ("打分表!I9", "XE506", "警告"),
        ("打分表!I11", "XE504", "警告"), ("打分表!I16", "XE504", "警告")]
    assert listing["C4"].hyperlink.location == "'打分表'!I11"


def test_annotate_never_overwrites_without_force(tmp_path, capsys):
    out_dir = tmp_path / "annotated"
    out_dir.mkdir()
    mine = _write(out_dir / SAMPLE.name, b"my own notes")
    rc, _, err = run(capsys, "--annotate", out_dir, SAMPLE)
    assert rc == 2 and "已存在" in err and "--force" in err
    assert mine.read_bytes() == b"my own notes"
    assert run(capsys, "--annotate", out_dir, "--force", SAMPLE)[0] == 0
    assert mine.read_bytes()[:2] == b"PK"


def test_annotate_refuses_a_workbook_too_large_to_copy(tmp_path, capsys, clean):
    """An honest but huge styles.xml (here 20 MB of spaces, compressed to 20 KB) is not
    handed to openpyxl: the check is reported, no copy is written, exit code 2."""
    import resource
    big = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(clean.bytes())) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/styles.xml":
                data = data.replace(b"<styleSheet ", b"<styleSheet " + b" " * (20 << 20), 1)
            zout.writestr(item, data)
    src = _write(tmp_path / "big.xlsx", big.getvalue())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rc, out, err = run(capsys, "--annotate", tmp_path / "out", src)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert rc == 2 and "xl/styles.xml" in err and "上限" in err
    assert not (tmp_path / "out" / "big.xlsx").exists()
    assert out.splitlines()[-1].startswith("共检查 1 个文件：错误 0 个")
    assert grew_mb < 200


def test_check_a_folder(tmp_path, capsys):
    folder = tmp_path / "回收"
    (folder / "二科").mkdir(parents=True)
    _write(folder / "a.xlsx", SAMPLE.read_bytes())
    _write(folder / "二科" / "b.xlsx", SAMPLE.read_bytes())
    _write(folder / "~$a.xlsx", b"lock")                  # Excel's lock file: skipped
    rc, out, _ = run(capsys, folder)
    assert rc == 0
    assert out.splitlines()[-1].startswith("共检查 2 个文件：")
    assert f"{folder / 'a.xlsx'}:打分表!I11: XE504" in out and f"{folder / '二科' / 'b.xlsx'}:打分表!I11" in out
    (tmp_path / "空").mkdir()
    rc, out, _ = run(capsys, tmp_path / "空", folder / "a.xlsx")
    assert rc == 2 and f"{tmp_path / '空'}: XE102 [fatal] 这是一个文件夹，其中没有 .xlsx/.xlsm 工作簿" in out
    assert out.splitlines()[-1].startswith("共检查 2 个文件：错误 0 个，警告 4 个；无法检查的文件 1 个")


def test_annotate_refuses_the_input_folder(tmp_path, capsys):
    src = _write(tmp_path / "a.xlsx", SAMPLE.read_bytes())
    rc, _, err = run(capsys, "--annotate", tmp_path, src)
    assert rc == 2 and "覆盖输入文件" in err
    assert src.read_bytes() == SAMPLE.read_bytes()


def test_check_does_not_import_heavy_modules():
    code = ("import sys; from xl_eval.cli import main; rc = main(['check', sys.argv[1]]); "
            "print(sorted(m for m in ('pandas', 'numpy', 'xlwings', 'formulas', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(SAMPLE)], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_sample_output_matches_the_golden_file(capsys, monkeypatch):
    """samples/seed_filled.check.txt is what the README quotes."""
    monkeypatch.chdir(ROOT)
    rc, out, _ = run(capsys, "samples/seed_filled.xlsx")
    assert rc == 0
    assert out == (ROOT / "samples" / "seed_filled.check.txt").read_text(encoding="utf-8")

"""The fast paths of issue 15 give exactly what the reference paths give.

* the sheet reader that parses only the wanted rows == the whole-tree reader
  (``reader.WHOLE_TREES``), finding for finding, on the check mutations, the
  hostile corpus, a bench-like corpus and its LibreOffice-saved copies;
* check's one-open dispatch == the former three opens (is_selfeval, then
  _check_one), and the short 自评表 identity read == the full 2000-row one;
* ``check --jobs 2`` prints what ``--jobs 1`` prints, in the same order;
* ``@list`` arguments.

No timing here: the figures are in bench/README.md.
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from xl_eval.check import selfeval
from xl_eval.forms.selfeval import meta
from xl_eval.check.workbook import check_file
from xl_eval.commands import check_cmd
from xl_eval.xlsx import reader as R

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

from test_check import MUTATIONS, Package, clean, clean_bytes, lay  # noqa: E402,F401  (fixtures re-used)


def _xl(*args, cwd=ROOT):
    env = {"PYTHONPATH": str(ROOT)}
    import os
    proc = subprocess.run([sys.executable, "-m", "xl_eval.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **env})
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def mutated(tmp_path_factory, clean_bytes, lay):
    """One workbook per check mutation (files only: the missing/directory cases are not files)."""
    d = tmp_path_factory.mktemp("mutated")
    out = []
    for i, (code, what, mutate, _) in enumerate(MUTATIONS):
        if what in ("missing", "directory"):
            continue
        pkg = Package(clean_bytes)
        data = mutate(pkg, lay)
        path = d / f"{i:02d}_{code}.xlsx"
        path.write_bytes(data if data is not None else pkg.bytes())
        out.append(path)
    return out


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    """Every .xlsx the hostile corpus builds."""
    import hostile_corpus as corpus
    root = tmp_path_factory.mktemp("hostile")
    out = []
    for case in corpus.cases():
        d = root / case.id
        d.mkdir()
        try:
            case.build(d)
        except Exception:
            continue
        out += [p for p in sorted(d.rglob("*.xlsx")) if p.is_file() and not p.is_symlink()]
    assert len(out) > 20
    return out


@pytest.fixture(scope="module")
def bench_corpus(tmp_path_factory):
    """A bench-like corpus: 6 departments with project lists, filled by the command."""
    import run as bench
    d = tmp_path_factory.mktemp("bench")
    bench.make_tables(d / "d.csv", d / "p.csv", 6, random.Random(7))
    code, _, err = _xl("fill", d / "d.csv", "--projects", d / "p.csv", "-o", d / "out")
    assert code in (0, 1), err
    files = sorted((d / "out").glob("*.xlsx"))
    assert len(files) == 6
    return files


def _reference(path, fw):
    """The former dispatch and reader: three opens, whole trees, the full 自评表 read."""
    if selfeval.is_selfeval(path):
        return selfeval.check_file(path, None, "zh")
    return check_cmd._check_one(path, fw, "zh")


def _same_both_ways(paths, fw, monkeypatch):
    assert paths
    for path in paths:
        fast = check_cmd.check_path(path, fw, False, "zh")
        fast_file = check_file(path, fw)
        with monkeypatch.context() as m:
            m.setattr(R, "WHOLE_TREES", True)
            m.setattr(meta, "_META_FIRST", 2000)
            ref = _reference(path, fw)
            ref_file = check_file(path, fw)
        assert not isinstance(fast, str), fast
        assert fast.records() == ref.records(), path
        assert fast_file.records() == ref_file.records(), path


def test_mutations_read_the_same(mutated, fw, monkeypatch):
    _same_both_ways(mutated, fw, monkeypatch)


def test_hostile_corpus_reads_the_same(hostile_files, fw, monkeypatch):
    _same_both_ways(hostile_files, fw, monkeypatch)


def test_bench_corpus_reads_the_same(bench_corpus, fw, monkeypatch):
    _same_both_ways(bench_corpus + [ROOT / "samples" / "seed_filled.xlsx"], fw, monkeypatch)


@pytest.mark.libreoffice
def test_libreoffice_saved_corpus_reads_the_same(bench_corpus, mutated, soffice, fw, monkeypatch, tmp_path):
    from xl_eval.xlsx.libreoffice import recalculate
    picked = bench_corpus[:3] + [p for p in mutated if "XE1" not in p.name][:12]
    out = recalculate(picked, tmp_path / "lo", soffice=soffice)
    _same_both_ways(sorted(out.values()), fw, monkeypatch)


def test_the_fast_path_is_taken_on_plain_sheets(bench_corpus):
    # the reference comparison above proves nothing if the fast path never runs
    with R.open_workbook(bench_corpus[0]) as wb:
        part = wb.sheet_part("项目明细")
        data = wb.read_part(part)
    fragment = R._selected_rows(data, frozenset({5, 6}))
    assert fragment is not None and fragment.count == 2
    assert len(fragment) < len(data) / 4


@pytest.mark.parametrize("text", [
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><v>1</v></c></row><!-- <row r="2"> --></sheetData></worksheet>',
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row><c r="A1"><v>1</v></c></row></sheetData></worksheet>',
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="&#49;"><c r="A1"><v>1</v></c></row></sheetData></worksheet>',
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c></row></sheetData></worksheet>',
])
def test_unusual_sheets_go_the_whole_tree_way(text):
    # comments, rows without or with an escaped number, malformed XML: the parser decides
    assert R._selected_rows(text, frozenset({1})) is None


def test_row_number_is_the_attribute_the_parser_sees():
    text = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row x=\' r="1"\' r="2"><c r="A2"><v>1</v></c></row></sheetData></worksheet>')
    assert R._selected_rows(text, frozenset({1})).count == 0
    assert R._selected_rows(text, frozenset({2})).count == 1


# ------------------------------------------------------------------ --jobs and @list

@pytest.fixture(scope="module")
def folder(tmp_path_factory, mutated, bench_corpus):
    import shutil
    d = tmp_path_factory.mktemp("folder")
    for p in mutated + bench_corpus[:3]:
        shutil.copy(p, d / p.name)
    (d / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    return d


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_jobs_2_prints_what_jobs_1_prints(folder, fmt):
    one = _xl("check", folder, "--format", fmt, "--jobs", "1")
    two = _xl("check", folder, "--format", fmt, "--jobs", "2")
    assert one[0] == two[0] == 2          # a broken file: exit 2
    assert one[1] == two[1]
    assert one[1].count("broken.xlsx") >= 1
    if fmt == "json":
        assert len(json.loads(one[1])) > 40


def test_list_file_is_the_same_as_the_arguments(folder, tmp_path):
    files = sorted(str(p) for p in folder.glob("*.xlsx"))[:5]
    listed = tmp_path / "清单.txt"
    listed.write_text("\ufeff" + "\n".join(files[:3]) + "\n\n" + files[3] + "\n", encoding="utf-8")
    direct = _xl("check", *files[:4], files[4], "--format", "json")
    via = _xl("check", f"@{listed}", files[4], "--format", "json")
    assert via[:2] == direct[:2]


def test_missing_list_file_is_a_usage_error(tmp_path):
    code, out, err = _xl("check", f"@{tmp_path / '没有.txt'}")
    assert code == 2 and "清单文件" in err and "Traceback" not in err


# ------------------------------------------------------------------ collect

def _csv_of(fw, depts):
    from xl_eval.batch import collect as col
    depts = sorted(depts, key=col.sort_key)
    return col.build_csv(fw, depts, any(d.findings is not None for d in depts))


def test_collect_one_parse_equals_read_then_check(folder, fw, monkeypatch):
    from xl_eval.batch import collect as col
    paths, _, _ = col.find_workbooks([str(folder)], [])
    new = list(col.collect_all(fw, paths, 1))
    with monkeypatch.context() as m:
        m.setattr(R, "WHOLE_TREES", True)
        old = []
        for path, shown in paths:
            try:
                d = col.read_department(fw, path, shown)
            except col.CollectError as exc:
                old.append((shown, str(exc)))
                continue
            d.findings, d.check_errors = col.check_summary(path, fw)
            old.append((shown, d))
    assert [s for s, _ in new] == [s for s, _ in old]
    assert [d for _, d in new if isinstance(d, str)] == [d for _, d in old if isinstance(d, str)]
    got = [d for _, d in new if not isinstance(d, str)]
    want = [d for _, d in old if not isinstance(d, str)]
    assert len(got) > 30
    assert [(d.findings, d.check_errors, d.status, d.notes) for d in got] == \
        [(d.findings, d.check_errors, d.status, d.notes) for d in want]
    assert _csv_of(fw, got) == _csv_of(fw, want)


def test_collect_jobs_2_equals_jobs_1(folder, tmp_path):
    runs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"汇总{jobs}.xlsx"
        code, stdout, stderr = _xl("collect", folder, "-o", out, "--csv", tmp_path / f"汇总{jobs}.csv",
                                   "--jobs", jobs)
        runs.append((code, stdout.replace(str(out), "OUT").replace(f"汇总{jobs}.csv", "CSV"), stderr,
                     (tmp_path / f"汇总{jobs}.csv").read_bytes()))
    one, two = runs
    for what, a, b in zip(("exit code", "stdout", "stderr", "CSV"), one, two):
        assert a == b, f"{what} differs between --jobs 1 and --jobs 2:\n{a!r}\n{b!r}"
    assert one[0] == 1 and "无法汇总" in one[2]


# ------------------------------------------------------------------ start-up cache

def test_cached_framework_checks_and_scores_like_the_yaml(tmp_path, monkeypatch, mutated, sample_rows):
    from xl_eval.engine.score import evaluate
    from xl_eval.framework import cache
    from xl_eval.framework.load import load as load_yaml
    from xl_eval.framework.model import DEFAULT_FRAMEWORK, load
    monkeypatch.setenv("XL_EVAL_CACHE", str(tmp_path / "cache"))
    load()                                         # fills the cache
    assert list((tmp_path / "cache").glob("framework-*.pickle"))
    cached = cache.get(DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORK.parent)
    fresh = load_yaml(None)
    assert cached is not None and cached is not fresh
    assert (cached.id, cached.version, cached.content_hash, cached.path) == \
        (fresh.id, fresh.version, fresh.content_hash, fresh.path)
    for path in mutated:
        assert check_file(path, cached).records() == check_file(path, fresh).records()
    for values in sample_rows.values():
        a, b = evaluate(cached, values), evaluate(fresh, values)
        assert (a.total, a.grade, a.level1, a.rates) == (b.total, b.grade, b.level1, b.rates)


def test_a_corrupt_or_foreign_cache_entry_is_ignored(tmp_path, monkeypatch):
    from xl_eval.framework import cache
    from xl_eval.framework.model import DEFAULT_FRAMEWORK, load
    monkeypatch.setenv("XL_EVAL_CACHE", str(tmp_path / "cache"))
    load()
    entry = next((tmp_path / "cache").glob("framework-*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert cache.get(DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORK.parent) is None
    assert load().id == "dept-overall-annex1"       # read from the YAML, and stored again
    assert cache.get(DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORK.parent) is not None


def test_fill_no_fsync_writes_the_same_bytes(tmp_path):
    import run as bench
    bench.make_tables(tmp_path / "d.csv", tmp_path / "p.csv", 3, random.Random(3))
    outs = []
    for name, extra in (("a", ()), ("b", ("--no-fsync",)), ("c", ("--no-fsync", "--jobs", "2"))):
        code, _, err = _xl("fill", tmp_path / "d.csv", "--projects", tmp_path / "p.csv", "-o", tmp_path / name, *extra)
        assert code in (0, 1), err
        outs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).glob("*.xlsx"))})
    assert len(outs[0]) == 3 and outs[0] == outs[1] == outs[2]
    assert not list((tmp_path / "b").glob(".xl-eval-*"))


@pytest.mark.parametrize("piece", [
    b"<t>plain</t>", "<t>中文 文字</t>".encode(), b"<t/>", b"<t></t>", b'<t xml:space="preserve">  sp  </t>',
    b"<t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</t>", b"<t>&#49;&#x4E2D;</t>", b"<t>&#0;</t>",
    b"<t>&#x110000;</t>", b"<t>&bogus;</t>", b"<t>a & b</t>", b"<t>line\r\nbreak</t>", b"<t>\x01</t>",
    b"<t>]]></t>", b"<t>\xff\xfe</t>", b"<r><t>run</t></r>", b"<t>x</t><rPh><t>y</t></rPh>", b" <t>x</t>",
])
def test_simple_shared_string_is_what_the_parser_reads(piece):
    import xml.etree.ElementTree as ET
    root_open = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    try:
        want = R._si_text(ET.fromstring(root_open + b"<si>" + piece + b"</si></sst>")[0])
    except ET.ParseError:
        want = ET.ParseError
    got = R._simple_si(piece)
    if got is not None:           # None: the parser is asked instead
        assert got == want
    if want is ET.ParseError:
        assert got is None


def test_what_one_file_lacks_does_not_decide_what_the_next_file_reads(mutated, fw):
    # the per-template cells-to-read cache: a workbook whose sheet was deleted (names
    # unchanged) checked first must not make the next workbooks read fewer cells;
    # otherwise the order of files, and so --jobs N, would change the findings
    from xl_eval.check import workbook as W
    dropped = next(p for p in mutated if "XE115" in p.name)
    fresh = {}
    for path in mutated:
        W.prepared(fw).wanted.clear()
        fresh[path] = check_file(path, fw).records()
    W.prepared(fw).wanted.clear()
    check_file(dropped, fw)
    assert {path: check_file(path, fw).records() for path in mutated} == fresh


def test_selfeval_collect_jobs_2_equals_jobs_1(tmp_path):
    # 自评表 workbooks plus one that is not a 自评表 and one that is not a workbook: the
    # first readable file decides the framework, the rest go to the workers
    import shutil
    d = tmp_path / "in"
    code, _, err = _xl("fill", ROOT / "samples/selfeval/projects.csv", "--indicators",
                       ROOT / "samples/selfeval/indicators.csv", "-o", d)
    assert code in (0, 1), err
    files = sorted(d.glob("*.xlsx"))
    assert len(files) >= 3
    (d / "0_broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    shutil.copy(ROOT / "samples" / "seed_filled.xlsx", d / "zz_打分表.xlsx")
    runs = []
    for jobs in ("1", "2"):
        out, csv_out = tmp_path / f"汇总{jobs}.xlsx", tmp_path / f"汇总{jobs}.csv"
        code, stdout, stderr = _xl("collect", *files, d / "0_broken.xlsx", d / "zz_打分表.xlsx",
                                   "-o", out, "--csv", csv_out, "--jobs", jobs)
        runs.append((code, stdout.replace(str(out), "OUT").replace(str(csv_out), "CSV"), stderr,
                     csv_out.read_bytes(), _parts(out)))
    for what, a, b in zip(("exit code", "stdout", "stderr", "CSV", "summary workbook parts"), *runs):
        assert a == b, f"{what} differs between --jobs 1 and --jobs 2"
    assert runs[0][0] == 1 and "无法汇总" in runs[0][2]
    assert runs[0][3].decode("utf-8-sig").count("\n") > len(files)


def _parts(path):
    """A workbook's parts but the save time (the 自评 summary is stamped when it is written)."""
    import zipfile
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "docProps/core.xml"}


def test_summary_ranks_share_places():
    # competition ranking written out by hand: 90, 80, 80, 70, unfinished -> 1, 2, 2, 4, blank
    from types import SimpleNamespace as NS
    from xl_eval.batch import collect as col
    from xl_eval.framework.model import load
    fw = load()
    depts = [col.Department(Path(f"{i}.xlsx"), f"{i}.xlsx", f"单位{i}",
                            NS(total=t, grade=None, level1={l1.code: None for l1 in fw.level1}))
             for i, t in enumerate((90.0, 80.0, 80.0, 70.0, None))]
    assert [r[0] for r in col.rows(fw, depts, False)] == [1, 2, 2, 4, None]


_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _tiny_workbook(path, sheet: bytes) -> None:
    import zipfile
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                    'relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                    '</Relationships>')
        zf.writestr("xl/workbook.xml", f'<workbook {_NS.decode()} xmlns:r="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
                    '</sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                    '</Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet)


_ROWS = [
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>a &amp; &lt;b&gt; &#x4E2D;</t></is></c><c r="B1"><v>1.5</v></c>'
    b'<c r="C1" t="str"><f>"x"&amp;"y"</f><v></v></c><c r="D1" t="str"><f>T("")</f></c></row>',
    b'<row r="2" spans="1:4"><c r="A2" s="3"/><c r="B2" t="n" s="1"><f aca="false">SUM(B1:B1)</f><v>1.5</v></c>'
    b'<c r="C2" t="b"><v>1</v></c><c r="D2" t="e"><v>#DIV/0!</v></c></row>',
    b'<row r="3"><c r="A3"><f t="shared" ref="A3:A5" si="0">B1*2</f><v>3</v></c><c r="B3"><v>2</v></c></row>'
    b'<row r="4"><c r="A4"><f t="shared" si="0"/><v>4</v></c></row><row r="5"/>'
    b'<row r="6"><c r="A6"><f t="&#115;hared" si="0"/></c></row>',
    b'<row r="7"><c r="A7"><v>1</v></c><c r="A7"/></row>',                     # a repeated reference
    b'<row r="8"><c r="A8" t="inlineStr"><is><t xml:space="preserve"> sp </t></is></c>'
    b'<c r="B8" t="inlineStr"><is/></c><c r="C8" t="inlineStr"><is><t/></is></c></row>',
    b'<row r="9"><c r="A9" t="s"><v> 0 </v></c><c r="B9"><v>1e400</v></c><c r="C9"><v>1_0</v></c></row>',
    # shapes the byte reader leaves to the parser
    b'<row r="10"><c r="A10" t="inlineStr"><is><t>line\r\nend</t></is></c></row>',
    b'<row r="10"><c r="A10" t="inline\tStr"><is><t>x</t></is></c></row>',
    b'<row r="10"><c r="a10"><v>1</v></c><c><v>2</v></c></row>',
    b'<row r="10"><c r="A10"><v>1</v></c> <c r="B10"><v>2</v></c></row>',
    b'<row r="10"><c r="A10"><extLst/><v>1</v></c><x/></row>',
    b"<row r='10'><c r='A10'><v>1</v></c></row>",
    b'<row r="10"><c r="A10" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c></row>',
    b'<row r="10"><c r="A10"><v>1</v><f>2</f><v>3</v></c></row>',
]


def _fast_and_tree(path, sheet: bytes, wanted, monkeypatch):
    """The cells read from a one-sheet workbook by the byte reader and by the whole-tree reference."""
    _tiny_workbook(path, sheet)
    R._SAME_PART.clear()
    with R.open_workbook(path) as wb:
        fast = wb.read(wanted)
    with monkeypatch.context() as m:
        m.setattr(R, "WHOLE_TREES", True)
        with R.open_workbook(path) as wb:
            ref = wb.read(wanted)
    return fast, ref


@pytest.mark.parametrize("rows", _ROWS)
def test_byte_reader_reads_what_the_tree_reads(rows, tmp_path, monkeypatch):
    sheet = b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + _NS + b"><sheetData>" + rows + \
        b"</sheetData></worksheet>"
    path = tmp_path / "t.xlsx"
    wanted = {"S": {f"{c}{r}" for c in "ABCD" for r in range(1, 11)}}
    fast, ref = _fast_and_tree(path, sheet, wanted, monkeypatch)
    assert fast == ref
    with R.open_workbook(path) as wb:                # the same bytes again: from the run's memory
        assert wb.read(wanted) == ref


def test_byte_reader_takes_plain_rows_and_leaves_the_rest():
    def sheet(rows):
        return b"<worksheet " + _NS + b"><sheetData>" + rows + b"</sheetData></worksheet>"
    refs = {f"{c}{r}" for c in "ABCD" for r in range(1, 11)}
    rows = R._rows_of(refs)
    for text in _ROWS[:6]:
        assert R._plain_cells(sheet(text), rows, refs) is not None, text
    for text in _ROWS[6:]:
        assert R._plain_cells(sheet(text), rows, refs) is None, text


# Cells of a wanted row that are not wanted themselves are skipped early, unless their
# formula may be a shared master: the master can sit in an unwanted cell of a wanted row.
_UNWANTED = [
    b'<row r="3"><c r="A3"><f t="shared" ref="A3:B4" si="0">A1*2</f><v>3</v></c><c r="B3"><v>2</v></c></row>'
    b'<row r="4"><c r="A4"><f>Z\r9</f><v>1</v></c><c r="B4"><f t="shared" si="0"/><v>4</v></c></row>',
    b'<row r="3"><c r="A3"><f t="&#115;hared" ref="A3:B4" si="0">A1*2</f></c><c r="B3"><v>2</v></c></row>'
    b'<row r="4"><c r="A4"><f>SUM(&amp;)</f></c><c r="B4"><f t="shared" si="0"/></c></row>',
]


@pytest.mark.parametrize("rows", _UNWANTED)
def test_unwanted_cells_of_wanted_rows_still_give_shared_masters(rows, tmp_path, monkeypatch):
    sheet = b"<worksheet " + _NS + b"><sheetData>" + rows + b"</sheetData></worksheet>"
    fast, ref = _fast_and_tree(tmp_path / "t.xlsx", sheet, {"S": {"B3", "B4"}}, monkeypatch)
    assert fast == ref
    assert fast["S"]["B4"].formula == "B2*2"      # A1*2 moved one row down, one column right
    assert fast["S"]["B3"].value == 2.0

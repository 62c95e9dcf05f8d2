"""Recalculate and render workbooks with a headless LibreOffice Calc.

LibreOffice does not recalculate an .xlsx on load by default (it keeps the
cached values, and a file written by openpyxl has none).  Every call here
therefore runs ``soffice`` with a private, throw-away user profile whose
``registrymodifications.xcu`` sets the Calc load option ``OOXMLRecalcMode`` to
0 ("always recalculate").  The private profile also keeps the headless
process apart from any LibreOffice the user has open.

A LibreOffice re-save is for computing and looking only: it drops freeze
panes and workbook protection, rewrites number-format codes and defined-name
text, and so on.  Never ship a file that went through it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

__all__ = [
    "LibreOfficeError",
    "find_soffice",
    "recalculate",
    "to_pdf",
    "to_pdfs",
    "read_named_values",
]

#: One call once stopped silently after 247 files (exit code 0): stay well below.
BATCH_SIZE = 100

_RECALC_ALWAYS_XCU = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

# Coarse file-system timestamps (FAT, some network shares) round down.
_MTIME_SLACK = 2.0


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing, failed, timed out or did not write an output."""


def find_soffice() -> str | None:
    """Return the path of ``soffice`` (or ``libreoffice``) on PATH, else None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def recalculate(
    paths: list[Path],
    outdir: Path,
    *,
    timeout: float = 600,
    soffice: str | None = None,
    workers: int | None = None,
) -> dict[Path, Path]:
    """Recalculate each workbook in LibreOffice and save it as xlsx in *outdir*.

    Returns ``{input path: output path}``; each output has the input's stem
    and the ``.xlsx`` suffix.  Inputs are run through one ``soffice`` process
    per batch of at most ``BATCH_SIZE`` files; *timeout* (seconds) applies to
    each such process.  Up to *workers* processes (default: the number of
    CPUs) run at once, each with its own private profile.  Raises :class:`LibreOfficeError` if LibreOffice is
    missing, an input is not a zip-based workbook, two inputs share a stem,
    an output would overwrite its input, a process times out or fails, or any
    expected output is missing afterwards.
    """
    return _convert(paths, Path(outdir), "xlsx", timeout=timeout, soffice=soffice,
                    workers=workers or os.cpu_count() or 1)


def to_pdf(
    path: Path,
    outdir: Path,
    *,
    timeout: float = 600,
    soffice: str | None = None,
) -> Path:
    """Recalculate *path* and export it as PDF (as printed) into *outdir*."""
    result = _convert([path], Path(outdir), "pdf", timeout=timeout, soffice=soffice, workers=1)
    return result[Path(path)]


def to_pdfs(
    paths: list[Path],
    outdir: Path,
    *,
    timeout: float = 600,
    soffice: str | None = None,
    workers: int | None = None,
) -> dict[Path, Path]:
    """Export many documents (workbooks or Word files) as PDF in batched soffice
    calls, as :func:`recalculate` does; returns ``{input: pdf}``."""
    return _convert(paths, Path(outdir), "pdf", timeout=timeout, soffice=soffice,
                    workers=workers or os.cpu_count() or 1)


def read_named_values(path: Path) -> dict[str, object]:
    """Return ``{name: cached value}`` for every workbook-scoped defined name
    that points at a single cell.

    Opens *path* with ``data_only=True``, so the file must carry cached values
    (e.g. an output of :func:`recalculate`).  Names that refer to ranges,
    constants, formulas, several areas, or a missing sheet are left out;
    sheet-scoped names are ignored.  Built-in names (``_xlnm.*``) are skipped.
    """
    wb = load_workbook(Path(path), data_only=True)
    values: dict[str, object] = {}
    for name, defn in wb.defined_names.items():
        if name.startswith("_xlnm.") or defn.type != "RANGE":
            continue
        try:
            dests = list(defn.destinations)
        except Exception:  # unparsable reference text
            continue
        if len(dests) != 1:
            continue
        sheet, ref = dests[0]
        if sheet not in wb.sheetnames:
            continue
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        except (TypeError, ValueError):
            continue
        if min_col is None or min_row is None:  # whole row / column
            continue
        if (min_col, min_row) != (max_col, max_row):
            continue
        values[name] = wb[sheet].cell(row=min_row, column=min_col).value
    return values


# --------------------------------------------------------------------------


def _convert(
    paths: list[Path],
    outdir: Path,
    fmt: str,
    *,
    timeout: float,
    soffice: str | None,
    workers: int,
) -> dict[Path, Path]:
    inputs = [Path(p) for p in paths]
    if not inputs:
        return {}
    plan = _plan(inputs, outdir, fmt)

    exe = soffice or find_soffice()
    if not exe:
        raise LibreOfficeError(
            "LibreOffice not found: no 'soffice' or 'libreoffice' on PATH "
            "(Debian: apt-get install libreoffice-calc)"
        )

    outdir.mkdir(parents=True, exist_ok=True)
    for out in plan.values():  # so that a stale output cannot pass for a new one
        out.unlink(missing_ok=True)

    start = time.time()
    batches = _batches(inputs, workers)
    with tempfile.TemporaryDirectory(prefix="xl-eval-lo-") as tmp:
        # One private profile per concurrent process: a profile is locked by its user.
        profiles = []
        for k in range(min(workers, len(batches))):
            profile = Path(tmp) / f"profile{k}"
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(
                _RECALC_ALWAYS_XCU, encoding="utf-8"
            )
            profiles.append(profile)
        if len(profiles) == 1:
            for batch in batches:
                _run_soffice(exe, profiles[0], fmt, batch, outdir, timeout)
        else:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(len(profiles)) as pool:
                lanes = [batches[k::len(profiles)] for k in range(len(profiles))]
                jobs = [pool.submit(_run_lane, exe, prof, fmt, lane, outdir, timeout)
                        for prof, lane in zip(profiles, lanes)]
                for job in jobs:
                    job.result()

    missing = [
        src
        for src, out in plan.items()
        if not out.is_file() or out.stat().st_mtime < start - _MTIME_SLACK
    ]
    if missing:
        listing = "\n".join(f"  {src} -> {plan[src]}" for src in missing)
        raise LibreOfficeError(
            f"LibreOffice wrote no {fmt} output for {len(missing)} of "
            f"{len(plan)} file(s) (unreadable or corrupt input?):\n{listing}"
        )
    return plan


def _batches(inputs: list[Path], workers: int) -> list[list[Path]]:
    """At most BATCH_SIZE files each, and at least one batch per worker when
    there are enough files to share (a batch below ~10 files is mostly start-up)."""
    count = max(-(-len(inputs) // BATCH_SIZE), min(workers, len(inputs) // 10), 1)
    size = -(-len(inputs) // count)
    return [inputs[i : i + size] for i in range(0, len(inputs), size)]


def _run_lane(exe, profile, fmt, lane, outdir, timeout) -> None:
    for batch in lane:
        _run_soffice(exe, profile, fmt, batch, outdir, timeout)


def _plan(inputs: list[Path], outdir: Path, fmt: str) -> dict[Path, Path]:
    """Check the inputs and map each to its expected output path."""
    problems: list[str] = []
    seen: dict[str, Path] = {}
    plan: dict[Path, Path] = {}
    for src in inputs:
        if not src.is_file():
            problems.append(f"  {src}: no such file")
            continue
        if not zipfile.is_zipfile(src):
            # LibreOffice would report "source file could not be loaded" and
            # still exit 0, or, for an empty file, write an empty workbook.
            problems.append(f"  {src}: not an xlsx workbook (not a zip archive)")
            continue
        key = src.stem.casefold()
        if key in seen:
            problems.append(
                f"  {src}: same base name as {seen[key]} (outputs would collide)"
            )
            continue
        seen[key] = src
        out = outdir / f"{src.stem}.{fmt}"
        if out.resolve() == src.resolve():
            problems.append(f"  {src}: output would overwrite the input; use another outdir")
            continue
        plan[src] = out
    if problems:
        raise LibreOfficeError("cannot convert with LibreOffice:\n" + "\n".join(problems))
    return plan


def _run_soffice(
    exe: str, profile: Path, fmt: str, batch: list[Path], outdir: Path, timeout: float
) -> None:
    cmd = [
        exe,
        "--headless",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *(str(p) for p in batch),
    ]
    # A new session lets a timeout kill the whole tree (the soffice wrapper
    # script, oosplash and soffice.bin), not only the first process.
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise LibreOfficeError(
            f"LibreOffice did not finish converting {len(batch)} file(s) within "
            f"{timeout:g} s and was killed (first file: {batch[0]})"
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        detail = (stderr or stdout).decode("utf-8", "replace").strip()
        raise LibreOfficeError(
            f"LibreOffice exited with code {proc.returncode} converting "
            f"{len(batch)} file(s) to {fmt}: {detail[-2000:]}"
        )


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass

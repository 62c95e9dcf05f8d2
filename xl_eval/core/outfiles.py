"""Output files: Windows-safe unique names and atomic writes.

File names
    ``safe_stem`` turns a 单位名称 into a file-name stem that is valid on
    Windows, macOS and Linux: characters Windows forbids (``<>:"/\\|?*`` and
    control characters) become ``_``; leading spaces and trailing dots/spaces
    are removed; reserved device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9,
    also with an extension such as ``con.xlsx``) get a ``_`` prefix; the stem
    is cut to ``MAX_STEM_CHARS`` characters and ``MAX_STEM_BYTES`` UTF-8 bytes
    so that the full name stays far below the 255-byte limit of common file
    systems and leaves room for a folder path under Windows' 260-character
    MAX_PATH.  An empty result becomes ``未命名``.

    ``NameAllocator`` makes stems unique within one run the way Windows and
    macOS compare names (case-insensitive, Unicode-normalised): the second
    stem that collides gets ``_2``, the third ``_3`` ...

Atomic writes
    ``atomic_write`` writes the bytes to a temporary file in the target
    folder (so the final rename never crosses file systems), flushes it to
    disk, and only then gives it the final name.  Without ``overwrite`` the
    final step is a hard link, which fails atomically if the name exists, so
    an existing file is never replaced even if it appears mid-run.  Whatever
    happens before that step (an error, Ctrl-C, a full disk), the temporary
    file is removed and no file exists under the final name.  Temporary files
    are named ``.xl-eval-<run>-<pid>-*.tmp``; ``remove_temp_files`` sweeps a
    run's leftovers (e.g. after a worker process was killed) and
    ``remove_stale_temp_files`` those of runs whose writing process no longer
    exists (a run killed with SIGKILL cannot clean up after itself).

Names that look like someone else's
    A stem starting with ``~$`` (Excel's lock files) or ``.xl-eval-`` (our
    temporary files) gets a ``_`` prefix, so no workbook is ever named like
    a file that tools skip.

Paths the user gives
    ``input_problem`` refuses FIFOs, devices, sockets and anything else that
    is not a regular file (a FIFO would block for ever, /dev/zero never ends)
    and files above a size limit, before a byte is read; ``output_problem``
    says, in Chinese, why a file cannot be written at a path (folder missing,
    a name longer than the file system allows, a folder in the way ...).
    ``same_file`` compares paths the way the file system does.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from pathlib import Path

MAX_STEM_CHARS = 80
MAX_STEM_BYTES = 180
FALLBACK_STEM = "未命名"
TEMP_PREFIX = ".xl-eval-"
TEMP_SUFFIX = ".tmp"

def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}


def safe_stem(name: str) -> str:
    """A Windows-safe file-name stem for a 单位名称 (no extension added)."""
    from xl_eval.core.terminal import show_path
    text = unicodedata.normalize("NFC", show_path(str(name)))   # a non-UTF-8 file name: decoded or escaped
    text = _FORBIDDEN.sub("_", text)
    # other invisible format characters (zero-width space, BOM, bidi marks ...)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.strip(" ").rstrip(". ")
    text = _truncate(text).rstrip(". ")
    if not text:
        return FALLBACK_STEM
    if text.startswith(("~$", TEMP_PREFIX)):
        text = _truncate("_" + text).rstrip(". ")
    if text.split(".")[0].rstrip(" ").upper() in _RESERVED:
        text = "_" + text
    return text


def _truncate(text: str, reserve: str = "") -> str:
    """Cut *text* so that text + reserve stays within the stem limits."""
    text = text[:MAX_STEM_CHARS - len(reserve)]
    while len(text.encode("utf-8")) + len(reserve.encode("utf-8")) > MAX_STEM_BYTES:
        text = text[:-1]
    return text


def name_key(file_name: str) -> str:
    """How Windows/macOS compare file names: case-insensitive, normalised."""
    return unicodedata.normalize("NFC", file_name).casefold()


class NameAllocator:
    """Unique file names within one output folder and one run."""

    def __init__(self, suffix: str = ".xlsx"):
        self.suffix = suffix
        self._used: set[str] = set()

    def allocate(self, name: str) -> str:
        stem = safe_stem(name)
        candidate = stem + self.suffix
        n = 1
        while name_key(candidate) in self._used:
            n += 1
            tail = f"_{n}"
            candidate = _truncate(stem, tail).rstrip(". ") + tail + self.suffix
        self._used.add(name_key(candidate))
        return candidate


def new_run_id() -> str:
    return os.urandom(4).hex()     # what secrets.token_hex(4) does, without importing hmac/hashlib at start-up


def temp_prefix(run_id: str) -> str:
    return f"{TEMP_PREFIX}{run_id}-"


def _writer_prefix(run_id: str) -> str:
    """The temporary-file prefix of this process in run *run_id*."""
    return f"{temp_prefix(run_id)}{os.getpid()}-"


class FileExists(FileExistsError):
    pass


def atomic_write(path: Path, data, *, overwrite: bool, run_id: str = "x",
                 fsync: bool = True) -> None:
    """Write *data* (bytes, or an iterable of bytes: a file written as it is made) to
    *path* atomically; raises FileExists if *path* exists and not *overwrite*.  No
    partial file is ever left under *path*."""
    path = Path(path)
    if not overwrite and os.path.lexists(path):
        raise FileExists(errno.EEXIST, "文件已存在", str(path))
    import tempfile
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_writer_prefix(run_id), suffix=TEMP_SUFFIX)
    try:
        if hasattr(os, "fchmod"):           # mkstemp makes 0600; use the usual mode
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            for chunk in ((data,) if isinstance(data, (bytes, bytearray, memoryview)) else data):
                fh.write(chunk)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        _publish(tmp, path, overwrite)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _publish(tmp: str, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)          # fails if path exists: no race with other writers
    except FileExistsError:
        raise FileExists(errno.EEXIST, "文件已存在", str(path)) from None
    except OSError:
        # no hard links on this file system (FAT, some network shares)
        if os.path.lexists(path):
            raise FileExists(errno.EEXIST, "文件已存在", str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def remove_temp_files(folder: Path, run_id: str) -> int:
    """Delete the temporary files a run left in *folder*; returns how many."""
    n = 0
    prefix = temp_prefix(run_id)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX):
            try:
                os.unlink(entry.path)
                n += 1
            except OSError:
                pass
    return n


_TEMP_RE = re.compile(re.escape(TEMP_PREFIX) + r"[0-9a-zA-Z]+-(?:([0-9]+)-)?.*" + re.escape(TEMP_SUFFIX) + "$")
STALE_AFTER = 24 * 3600          # temporary files without a process id: removed after a day


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    try:        # a killed writer whose parent died too may linger as a zombie: it writes nothing
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def remove_stale_temp_files(folder: Path) -> int:
    """Delete temporary files left in *folder* by runs whose writing process
    has gone (killed, machine restarted); a running fill's files are kept.
    Returns how many were removed."""
    import time
    n = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if m.group(1) is not None:
                stale = not _alive(int(m.group(1)))
            else:
                stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            if stale:
                os.unlink(entry.path)
                n += 1
        except OSError:
            pass
    return n


MAX_INPUT_BYTES = 256 << 20      # a table or framework file larger than this is refused


def input_problem(path, limit: int = MAX_INPUT_BYTES) -> str | None:
    """Why *path* must not be read (Chinese), or None if it is a regular
    file of acceptable size.  Never opens the file: a FIFO would block."""
    import stat as st_mod
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "文件不存在"
    except OSError as exc:
        return f"无法读取（{exc.strerror or exc}）"
    mode = st.st_mode
    if st_mod.S_ISDIR(mode):
        return "这是一个文件夹，不是文件"
    if not st_mod.S_ISREG(mode):
        kind = ("命名管道（FIFO）" if st_mod.S_ISFIFO(mode) else "设备文件" if st_mod.S_ISCHR(mode) or st_mod.S_ISBLK(mode)
                else "套接字" if st_mod.S_ISSOCK(mode) else "特殊文件")
        return f"是{kind}，不是普通文件，不予读取"
    if st.st_size > limit:
        return f"文件有 {st.st_size} 字节，超过上限 {limit} 字节，不予读取"
    return None


NAME_MAX = 255                   # bytes in one file or folder name (ext4, NTFS in UTF-16 is similar)


def name_problem(path) -> str | None:
    """Why *path* cannot exist on common file systems (a name too long), or None."""
    for part in Path(path).parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            return f"名称“{part[:20]}……”有 {size} 字节，超过文件系统允许的 {NAME_MAX} 字节"
    return None


def output_problem(path) -> str | None:
    """Why a file cannot be created at *path* (Chinese), or None."""
    p = Path(path)
    problem = name_problem(p)
    if problem:
        return problem
    parent = p.parent
    try:
        if not parent.is_dir():
            return f"文件夹 {parent} 不存在" if not os.path.lexists(parent) else f"{parent} 不是文件夹"
        if p.is_dir():
            return "这是一个文件夹"
    except OSError as exc:
        return f"无法访问（{exc.strerror or exc}）"
    return None


def same_file(a, b) -> bool:
    """Whether paths *a* and *b* name the same existing file (or the same path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        try:
            return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))
        except (OSError, ValueError):
            return False


class Publisher:
    """Writes files with ``atomic_write`` in one background thread, so that
    the next file can be prepared while this one is written and flushed.
    Files are written in the order submitted."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xl-eval-write")

    def submit(self, path: Path, data: bytes, **kwargs):
        return self._pool.submit(atomic_write, path, data, **kwargs)

    def close(self) -> None:
        """Wait for the files submitted (each ends complete or absent)."""
        self._pool.shutdown(wait=True)

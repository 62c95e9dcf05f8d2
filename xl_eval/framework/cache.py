"""The loaded form of the shipped frameworks, cached between runs.

Reading a shipped framework means importing PyYAML, parsing the file and
building the model: most of what a one-file `xl-eval check` costs.  The
result is pickled into the user's cache folder ($XL_EVAL_CACHE, else
$XDG_CACHE_HOME/xl-eval, else ~/.cache/xl-eval), keyed by a hash of the
framework file's bytes, the path it was given as, the Python version and
the source of the modules that build the model, so an edited framework or
a changed loader never meets a stale entry.  User frameworks (anything
outside framework/shipped/) are always read from their YAML.

Any problem with the cache (unwritable, corrupt, someone else's file) is
silent: the framework is then read from its YAML as before.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

try:                  # the built-in BLAKE2: no OpenSSL to load at start-up
    from _blake2 import blake2b
except ImportError:   # pragma: no cover
    from hashlib import blake2b

_CODE = ("framework/model.py", "framework/load.py", "framework/yamlsafe.py", "framework/cache.py",
         "core/expr.py", "core/values.py")
_PKG = Path(__file__).resolve().parent.parent
_fingerprint: str | None = None


def folder() -> Path:
    env = os.environ.get("XL_EVAL_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xl-eval"


def _code_fingerprint() -> str:
    global _fingerprint
    if _fingerprint is None:
        h = blake2b(sys.version.encode())
        for rel in _CODE:
            try:
                h.update((_PKG / rel).read_bytes())
            except OSError:
                h.update(b"?")
        _fingerprint = h.hexdigest()
    return _fingerprint


def _entry(path: Path, shipped_dir: Path) -> Path | None:
    """Cache file of a shipped framework file, or None (not shipped, unreadable)."""
    try:
        if path.resolve().parent != shipped_dir.resolve():
            return None
        data = path.read_bytes()
    except OSError:
        return None
    key = blake2b(data + b"\0" + str(path).encode("utf-8", "surrogatepass") + b"\0"
                         + _code_fingerprint().encode()).hexdigest()
    return folder() / f"framework-{key[:32]}.pickle"


def get(path: Path, shipped_dir: Path):
    """The cached Framework of a shipped framework file, or None."""
    entry = _entry(path, shipped_dir)
    if entry is None:
        return None
    try:
        st = entry.stat()
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None                  # only our own files are unpickled
        with open(entry, "rb") as fh:
            return pickle.load(fh)
    except Exception:
        return None


def put(path: Path, shipped_dir: Path, fw) -> None:
    """Store a freshly loaded shipped framework (best effort, atomic)."""
    entry = _entry(path, shipped_dir)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(fw, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except Exception:
        try:
            tmp.unlink()
        except Exception:
            pass

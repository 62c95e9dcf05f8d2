"""The indicator systems shipped with xl-eval, and `--framework NAME` lookup.

A shipped system is a YAML file in shipped/; its name is the file name
without .yaml (e.g. ``annex1``), and its framework id works as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xl_eval.framework.model import DEFAULT_FRAMEWORK, SHIPPED_DIR


@dataclass(frozen=True)
class Shipped:
    name: str
    path: Path


def shipped() -> list[Shipped]:
    """Shipped systems, the default (annex1) first."""
    files = sorted(SHIPPED_DIR.glob("*.yaml"), key=lambda f: (f != DEFAULT_FRAMEWORK, f.name))
    return [Shipped(f.stem, f) for f in files]


def resolve(value: str | None) -> Path | None:
    """Path for --framework: an existing file wins, then a shipped name or id; None = default."""
    if value is None:
        return None
    path = Path(value)
    if path.exists() or any(sep in value for sep in ("/", "\\")) or value.lower().endswith((".yaml", ".yml")):
        return path
    for s in shipped():
        if value == s.name:
            return s.path
    from xl_eval.framework.model import FrameworkError, load
    for s in shipped():
        try:
            if load(s.path).id == value:
                return s.path
        except FrameworkError:
            continue
    return path   # reported by the loader as a missing file, with the names available

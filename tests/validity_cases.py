"""Helpers for the validity tests: the seed row of samples/departments.csv, changed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def sample_table() -> tuple[list[str], list[list[str]]]:
    text = (SAMPLES / "departments.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def seed_row(**changes: str | None) -> dict[str, str]:
    """The seed department as {header: text}, with columns changed (None: blank)."""
    header, rows = sample_table()
    row = dict(zip(header, rows[0]))
    for col, value in changes.items():
        assert col in row, col
        row[col] = "" if value is None else value
    return row


def write_table(path: Path, rows: list[dict[str, str]], drop: tuple[str, ...] = (), delimiter: str = ",") -> Path:
    header = [h for h in sample_table()[0] if h not in drop]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path

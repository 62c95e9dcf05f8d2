"""check_foreign(path, fw): read a hand-made .xlsx or a Word report, find its
score tables, map them to the framework and run every foreign check."""

from __future__ import annotations

from pathlib import Path

from xl_eval.check.findings import Finding, make, unique
from xl_eval.check.foreign import body_checks, table_checks, text_checks
from xl_eval.check.foreign.context import Ctx, evaluation_year
from xl_eval.check.foreign.grid import Document
from xl_eval.check.foreign.mapping import NodeIndex
from xl_eval.check.foreign.tables import score_tables
from xl_eval.check.workbook import CheckResult
from xl_eval.framework.model import Framework
from xl_eval.xlsx.reader import WorkbookError

CHECKS = (
    table_checks.map_tables,
    table_checks.check_rows,
    table_checks.check_sums,
    table_checks.check_cross_tables,
    table_checks.check_criteria,
    table_checks.check_targets,
    text_checks.check_texts,
    text_checks.check_recomputed,
    body_checks.check_body,
    body_checks.check_money_tables,
    body_checks.check_fund_blocks,
)


def is_docx(path: str | Path) -> bool:
    return Path(path).suffix.lower() in (".docx", ".docm")


def read_document(path: str | Path) -> Document:
    """Raises WorkbookError / DocxError / ImportError (python-docx missing)."""
    if is_docx(path):
        from xl_eval.check.foreign.docx_source import read_docx
        return read_docx(str(path))
    from xl_eval.check.foreign.xlsx_source import read_xlsx
    return read_xlsx(str(path))


def load(path: str | Path, fw: Framework, lang: str = "zh") -> tuple[Ctx | None, list[Finding]]:
    """The checking context of a file, or (None, [one fatal finding])."""
    from xl_eval.check.foreign.docx_source import DocxError
    try:
        doc = read_document(path)
    except WorkbookError as exc:
        return None, [make(exc.code, lang=lang, **exc.fields)]
    except DocxError as exc:
        return None, [make(exc.code, lang=lang, **exc.fields)]
    except ImportError:
        return None, [make("XE703", lang=lang)]
    tables = score_tables(doc.grids)
    if not tables:
        if not doc.grids:
            detail, en = ("文档中没有表格" if doc.kind == "docx" else "工作簿中没有内容"), "there are no tables"
        else:
            detail = f"{len(doc.grids)} 个{'表格' if doc.kind == 'docx' else '工作表'}中都没有打分表的列标题"
            en = f"none of the {len(doc.grids)} tables/sheets has score-table headers"
        return None, [make("XE701", lang=lang, detail=detail, detail_en=en)]
    ctx = Ctx(fw, NodeIndex(fw), doc, tables, lang)
    texts = [p.text for p in doc.paragraphs] + [t for tb in tables for r in tb.records for t in r.texts.values()]
    ctx.year = evaluation_year(texts)
    return ctx, []


def check_foreign(path: str | Path, fw: Framework, lang: str = "zh") -> CheckResult:
    """Check one foreign file; never raises for a bad file (a fatal finding instead)."""
    ctx, fatal = load(path, fw, lang)
    if ctx is None:
        return CheckResult(str(path), fatal)
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(ctx))
    return CheckResult(str(path), unique(findings))

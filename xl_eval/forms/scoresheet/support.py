"""Format-2 features (xl_eval/framework/features.py) the 打分表 workbook renders.

`xl-eval template` and `xl-eval fill` refuse a framework using a feature not
listed here (exit 2, Chinese message) rather than write a wrong sheet; add a
key once the layout renders it and the LibreOffice tests cover it.
"""

SUPPORTED: frozenset[str] = frozenset()
FORM_NAME = "打分表模板"

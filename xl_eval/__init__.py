"""xl-eval: computable, checkable performance-evaluation score tables."""

import os

# openpyxl serialises differently when lxml is importable (python-docx brings
# it in); the templates must be byte-reproducible on every machine, so pin the
# standard-library writer before openpyxl is first imported.
os.environ.setdefault("OPENPYXL_LXML", "False")

"""Bench-like departments for the summary equivalence test (tests/test_collect_summary.py).

tests/fixtures/collect_summary/reference.xlsx was written from these by the
openpyxl in-memory build_summary of main at 1617cf3:
    PYTHONPATH=$PWD python -c "import tests.collect_summary_cases as c; c.write_reference()"
"""

from pathlib import Path
from types import SimpleNamespace as NS

REFERENCE = Path(__file__).parent / "fixtures" / "collect_summary" / "reference.xlsx"


def departments(fw, n: int = 12):
    from xl_eval.batch import collect as col
    out = []
    grades = [g.name for g in fw.grades]
    for i in range(n):
        total = None if i % 5 == 4 else round(100 - 3.7 * i, 2)
        level1 = {l1.code: (None if total is None else round(total * 0.1 + j, 2)) for j, l1 in enumerate(fw.level1)}
        ev = NS(total=total, grade=None if total is None else grades[i % len(grades)], level1=level1, leaves={})
        name = ("=HYPERLINK(\"x\")" if i == 1 else f"第{i}单位财政局（很长的单位名称用来换行测试）" if i % 3 == 0
                else None if i == 2 else f"单位{i}")
        d = col.Department(Path(f"交回/{i}.xlsx"), f"交回/子文件夹/部门{i}-绩效评价打分表.xlsx", name, ev,
                           problems=["“年度资金总额”不是数字"] if i == 7 else [],
                           missing=["评价结论", "资金到位率", "项目完成率", "满意度"] if total is None else [],
                           notes=["工作簿的框架版本为 0.9，按 1.0 版计算"] if i == 3 else [],
                           findings=i % 4, check_errors=["XE301 汇总!C5 公式被改写"] if i == 6 else [])
        out.append(d)
    return sorted(out, key=col.sort_key)


FAILED = [("交回/坏.xlsx", "不是由 xl-eval 模板生成的工作簿"), ("=evil.xlsx", "=原因")]


def write_reference() -> None:
    from xl_eval.batch import collect as col
    from xl_eval.framework.model import load
    fw = load()
    REFERENCE.write_bytes(col.build_summary(fw, departments(fw), FAILED, True))
